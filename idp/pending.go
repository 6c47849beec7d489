package idp

import (
	"sort"
	"strconv"
	"time"

	"github.com/scimlab/scimlab/exchange"
)

// Quiet periods after which Pending speaks up. Entra's incremental cycle runs about every
// 40 minutes, so a few quiet minutes already mean "waiting for the next cycle"; Okta acts
// within seconds of an assignment, so a few quiet minutes after a passed test mean nothing
// is assigned.
const (
	noTrafficAfter  = 2 * time.Minute
	entraQuietAfter = 5 * time.Minute
	oktaIdleAfter   = 3 * time.Minute
	groupGrace      = 2 * time.Minute
)

// Pending returns the hints that depend on time passing rather than on one exchange: no
// traffic at all, Entra waiting for its next cycle, Okta testing fine but provisioning
// nobody, users created but in none of the pushed groups. Call it periodically (say every
// 30 s) with the current time; the result replaces the previous one.
func (c *Classifier) Pending(now time.Time) []exchange.Hint {
	c.mu.Lock()
	defer c.mu.Unlock()
	var hs []exchange.Hint
	if c.last.IsZero() {
		if c.pendingSince.IsZero() {
			c.pendingSince = now
		}
		if now.Sub(c.pendingSince) >= noTrafficAfter {
			hs = append(hs, exchange.Hint{Cause: HintNoTraffic, Severity: exchange.SeverityWarn,
				Text: "No request has reached scimlab yet. In Okta, paste <scimlab URL>/scim/v2 into SCIM connector base URL (Provisioning → Integration) and click Test Connector Configuration; in Entra, paste it into Tenant URL (Provisioning → Admin Credentials) and click Test Connection. If the URL is the public tunnel's, check that the tunnel is online."})
		}
		return hs
	}
	quiet := now.Sub(c.last)
	switch c.idp {
	case exchange.Entra:
		if quiet >= entraQuietAfter {
			hs = append(hs, exchange.Hint{Cause: HintEntraCycle, Severity: exchange.SeverityInfo,
				Text: "Entra has been quiet for " + minutes(quiet) + ". Entra provisions in cycles of ~40 minutes: use Provision on demand (Provisioning → Provision on demand) to send one user or group now, or Start provisioning on the Overview page if it is stopped."})
		}
	case exchange.Okta:
		if c.testIdP == exchange.Okta && !c.testOK.IsZero() && !c.sawProvisioning &&
			now.Sub(c.testOK) >= oktaIdleAfter && quiet >= time.Minute {
			hs = append(hs, exchange.Hint{Cause: HintOktaAssignments, Severity: exchange.SeverityWarn,
				Text: "Okta's connection test passed " + minutes(now.Sub(c.testOK)) + " ago but Okta has provisioned nobody yet. Okta: check Assignments of the SCIM app, not only the SSO app, and that Provisioning → To App has Create Users enabled. People assigned before provisioning was turned on are pushed only after a forced sync (for instance by unassigning and re-assigning them)."})
		}
	}
	if h, ok := c.ungrouped(now); ok {
		hs = append(hs, h)
	}
	return hs
}

// ungrouped reports users created a while ago that joined none of the groups the IdP
// pushed, once at least one group was pushed.
func (c *Classifier) ungrouped(now time.Time) (exchange.Hint, bool) {
	if c.pushedGroups == 0 {
		return exchange.Hint{}, false
	}
	type entry struct {
		name string
		at   time.Time
		idp  exchange.IdP
	}
	var es []entry
	for id, u := range c.created {
		if now.Sub(u.at) < groupGrace {
			continue
		}
		if g, _ := c.grouped.get(id); g {
			continue
		}
		es = append(es, entry(u))
	}
	if len(es) == 0 {
		return exchange.Hint{}, false
	}
	sort.Slice(es, func(i, j int) bool {
		if !es[i].at.Equal(es[j].at) {
			return es[i].at.Before(es[j].at)
		}
		return es[i].name < es[j].name
	})
	names := make([]string, len(es))
	for i, e := range es {
		names[i] = e.name
	}
	subject := nameList(names, "user") + " was created but is"
	if len(es) > 1 {
		subject = nameList(names, "user") + " were created but are"
	}
	var text string
	switch es[0].idp {
	case exchange.Entra:
		text = subject + " in none of the groups Entra created. Entra provisions the members of groups assigned to the app, and only direct members (nested groups are not provisioned): add the user to an assigned group, then Provision on demand."
	default:
		text = subject + " in none of the groups Okta pushed. In Okta, add the person to the Okta group that is pushed (Directory → Groups), or push a group the person is in (Push Groups); assigning a group to the app is not the same as pushing it."
	}
	return exchange.Hint{Cause: HintUserNotInGroup, Severity: exchange.SeverityWarn, Text: text}, true
}

func minutes(d time.Duration) string {
	m := int(d / time.Minute)
	if m == 1 {
		return "1 minute"
	}
	return strconv.Itoa(m) + " minutes"
}
