// Package idp understands the SCIM traffic of Okta and Microsoft Entra ID.
//
// A Classifier reads each recorded exchange (request and response) and says which IdP
// sent it, which provisioning step it is ("Okta test connection", "Entra: remove
// bob@example.com from Sales") and, when something went wrong, why — in the words of the
// IdP's admin console. It recognises Entra by the shape of its requests because Entra's
// User-Agent is undocumented and sometimes absent, and tells Okta's two kinds of app
// apart: App Integration Wizard apps update by read-modify-write PUT, catalog apps and the
// "SCIM 2.0 Test App" templates by PATCH.
//
// A Walkthrough is a checklist for rehearsing one IdP's setup, taken from vendor guides.
// It ticks steps as matching traffic arrives and turns a step red with the diagnosis when
// the traffic shows a mistake.
//
// The package is pure: it does no I/O and imports only the standard library and the quirk
// catalogue, so the server, the console and `scimlab log` share one reading of the traffic.
// What the IdPs send is documented in docs/okta.md and docs/entra.md; the request
// sequences under testdata/ are recorded lifecycles that tests and replayers share.
package idp
