// Package sim plays an identity provider against a SCIM 2.0 server: it sends what Okta
// or Microsoft Entra ID send during a provisioning lifecycle, with their headers, query
// encodings, bodies and quirks, reacts to each answer as the IdP does, and reports,
// step by step, what passed, what failed and what the real IdP would do next. It is
// the engine of `scimlab simulate okta|entra`.
//
// What each IdP sends and how it reacts comes from the shared wire-format reference
// (v3) and agrees with what package idp tells an admin after a failure: Okta looks a
// user up before creating it and links a match instead, reactivating an inactive one;
// it stops a user after a 409; it waits out a 429 for Retry-After whole seconds (else
// five minutes), at least doubling the wait each time, and gives up after the 10th
// attempt; it closes the socket after 60 seconds. Entra probes with a random GUID,
// matches without paging, logs DuplicateTargetEntries when a lookup finds two, treats a
// 404 to a lookup as a failure, logs InvalidAnchor when a known id is gone and does not
// re-create it, and logs SystemForCrossDomainIdentityManagementServiceIncompatible for a
// 400 — naming, from the server's error detail, which of its quirks was refused.
//
// # Running
//
// Build a Config, check it with Validate (every error is a one-line *UsageError, exit
// status 2), and call Run. Run returns a Report: WriteText for people, WriteJSON for
// machines, ExitCode (0 every step passed, 1 otherwise); ExitStatus folds in Run's
// error. An Observer sees each request before it is sent and after it is answered; its
// Sending method may block, which is how a console paces a class demo (one request per
// key press, or one per tick of a chosen speed), and an error from it ends the run.
// Progress is an Observer drawing a progress line.
//
// # Load
//
// Users, Groups and Members grow the scenario's population; a step aimed at "all"
// users or groups then works on each of them, Concurrency at a time, and Rate caps the
// requests per second across workers. The report then keeps only the failures and
// adds requests per second, for the run and for each step, and latency percentiles
// (p50, p90, p99, max) per kind of request. One http.Transport with an idle connection per worker serves the run and
// create bodies are encoded before the first request, so the simulator is not what
// limits a load test.
//
// # Scenario files
//
// A scenario is a YAML file; several are embedded (Scenarios lists them: okta-aiw,
// okta-oin, entra, entra-compliant, okta-load, entra-load, bench, bench-create,
// entra-first-cycle) and any file path works too.
// Unknown fields, unknown step kinds and references to nobody are refused with the
// file, line and field named.
//
//	idp: okta                  # okta or entra (required)
//	flavour: aiw               # okta only: aiw (App Integration Wizard) or oin (catalog)
//	compliant: false           # entra only: the aadOptscim062020 shapes
//	match: userName            # entra only: userName or externalId, what Entra matches on
//	description: one line for the report
//	users:                     # the people assigned in the IdP
//	  - userName: alice@example.com   # required; steps call her "alice" unless ref says otherwise
//	    ref: alice
//	    givenName: Alice
//	    familyName: Archer
//	    displayName: Alice Archer     # default: given and family name
//	    email: alice@example.com      # default: userName
//	    title: Engineer
//	    department: Engineering       # enterprise extension, as are employeeNumber and costCenter
//	    employeeNumber: "1001"
//	    costCenter: CC-1
//	    externalId: ...               # default: Okta's 00u… user id, Entra's mailNickname (the ref)
//	    locale: en-US                 # Okta's locale, Entra's preferredLanguage
//	    nulls: [phoneNumbers]         # entra: attributes sent as JSON null on create
//	groups:
//	  - name: Engineering
//	    members: [alice]
//	generate: {users: 100, groups: 10, members: 10}   # default population size
//	steps:
//	  - do: assign
//	    users: all             # or user: alice, or users: [alice, bob]
//
// Step kinds, each played with the requests its IdP sends:
//
//	test-connection       Okta: GET /Users?startIndex=1&count=2. Entra: GUID probes on /Users and /Groups.
//	save-settings         Okta: the test again and GET /Groups. Entra: GET /Schemas.
//	import                Okta only: pages of 100 users and groups.
//	start-cycle           Entra only: the GUID probe that starts a cycle or Provision on demand.
//	assign                users: lookup, then create or link (Entra: read and patch a linked user).
//	update-user           users, set: {attribute: value}: Okta GET + PUT; Entra GET + PATCH of what differs.
//	deactivate            users: Okta unassign (AIW GET + PUT, OIN PATCH); Entra Replace active "False".
//	reactivate            users: Okta re-assign (lookup, link, reactivate); Entra Replace active "True".
//	delete-user           Entra only: the hard delete.
//	set-manager           Entra only: users, manager: ref; the manager's id as a bare string.
//	add-role              Entra only: users, role: name; the role as JSON inside a string.
//	push-group            groups: Okta POST (AIW with members; OIN empty, then PATCHes);
//	                      Entra lookup, POST without members, PATCH Add members.
//	add-members           groups, users: Okta AIW GET + PUT, OIN name sync + PATCH add; Entra PATCH Add.
//	remove-members        groups, users: as add-members; Entra removes by a value list
//	                      (compliant: members[value eq "…"]).
//	rename-group          group, to: new name.
//	delete-group          groups: DELETE /Groups/{id}.
//	restart-provisioning  Entra only: forget cached ids; the next assign matches again.
//	lookup                users: the IdP's userName lookup alone; a hit links the user.
//	create                users: the IdP's create alone, without the lookup before it.
//
// lookup and create split assign in two so a load test can measure each kind of
// request on its own; no IdP sends one without the other. The bench scenario runs
// them, then deactivate, as three phases.
//
// A test connection that fails ends the run, as neither IdP saves settings it could not
// test. A user the IdP stopped (Okta after a 409, Entra after InvalidAnchor) or never
// provisioned is skipped by later steps, with the reason.
package sim
