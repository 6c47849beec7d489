package idp

import "github.com/scimlab/scimlab/exchange"

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
