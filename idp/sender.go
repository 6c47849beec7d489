package idp

import "github.com/scimlab/scimlab/exchange"

// senderOf names the IdP of one request: evidence in the request itself first (its
// User-Agent, then its shape), then the IdP remembered from earlier traffic, then weak
// evidence. shown reports that the request itself showed who sent it.
func senderOf(r *rx, remembered exchange.IdP) (p exchange.IdP, shown bool) {
	p, foreign := uaEvidence(r.ua)
	if p == exchange.Unknown {
		p = shapeEvidence(r)
	}
	if p != exchange.Unknown {
		return p, true
	}
	if foreign {
		return exchange.Unknown, false
	}
	// Okta always sends a User-Agent ("Okta SCIM Client"), so a request without one is
	// evidence against Okta, not a request to inherit from Okta traffic before it. Entra
	// does send requests without one (its test connection), so it may inherit Entra.
	if remembered != exchange.Unknown && !(r.ua == "" && remembered == exchange.Okta) {
		return remembered, false
	}
	return weakEvidence(r), false
}

// Sender names the IdP that sent a request before it is answered, the way Annotate will
// name it: from the request's own evidence, else from the IdP the classifier has
// recognised in earlier traffic. It reads only the request side of ex (method, path,
// query, User-Agent, body), learns nothing, and does not wait for Annotate, so the
// server can call it on a request's path (fault rules limited to one IdP).
func (c *Classifier) Sender(ex *exchange.Record) exchange.IdP {
	remembered, _ := c.lastIdP.Load().(exchange.IdP)
	p, _ := senderOf(parseExchange(ex), remembered)
	return p
}
