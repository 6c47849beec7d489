package idp

import "github.com/scimlab/scimlab/exchange"

// What a running lab asks of the classifier besides annotating: to forget everything when
// the lab is reset for a new class. (Who is sending a request still being served: Sender.)

// Reset forgets everything the classifier learned (the IdP, the users and groups it
// saw, the timing Pending reads), as when the lab is emptied for the next class. The
// Names it was given stay.
func (c *Classifier) Reset() {
	fresh := NewClassifier()
	c.mu.Lock()
	defer c.mu.Unlock()
	names := c.names
	c.idp, c.flavour = fresh.idp, fresh.flavour
	c.users, c.groups, c.docs, c.byName, c.byExt = fresh.users, fresh.groups, fresh.docs, fresh.byName, fresh.byExt
	c.lookups, c.grouped, c.created = fresh.lookups, fresh.grouped, fresh.created
	c.pushedGroups = 0
	c.last, c.pendingSince, c.testOK = fresh.last, fresh.pendingSince, fresh.testOK
	c.testIdP, c.sawProvisioning, c.failStreak, c.prevStep = fresh.testIdP, false, 0, fresh.prevStep
	c.names = names
	c.lastIdP.Store(exchange.Unknown)
}
