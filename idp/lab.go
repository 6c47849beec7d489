package idp

import "github.com/scimlab/scimlab/exchange"

// What a running lab asks of the classifier besides annotating: who is sending a request
// still being served, and to forget everything when the lab is reset for a new class.

// Sender names the IdP a request still being served most likely comes from, for the
// server's profile knobs that differ per IdP (ThingLink keeps other attributes from
// Okta than from Entra). It reads only the request — method, path, query, User-Agent
// and body — and falls back on the IdP the classifier recognised in earlier traffic, as
// Annotate does, without learning anything from this request. Safe for concurrent use.
func (c *Classifier) Sender(req *exchange.Record) exchange.IdP {
	r := parseExchange(&exchange.Record{Method: req.Method, Path: req.Path, Query: req.Query,
		UserAgent: req.UserAgent, ReqBody: req.ReqBody, Status: 0})
	p, foreign := uaEvidence(r.ua)
	if p == exchange.Unknown {
		p = shapeEvidence(r)
	}
	if p != exchange.Unknown || foreign {
		return p
	}
	c.mu.Lock()
	remembered := c.idp
	c.mu.Unlock()
	if remembered != exchange.Unknown && !(r.ua == "" && remembered == exchange.Okta) {
		return remembered
	}
	return weakEvidence(r)
}

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
}
