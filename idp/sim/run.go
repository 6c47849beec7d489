package sim

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/scimlab/scimlab/exchange"
	"github.com/scimlab/scimlab/idp"
)

// user is a person as the simulated IdP knows them: its view of the attributes, and
// the id the server gave, which both IdPs keep and use instead of searching again.
type user struct {
	Person
	id string
	// held is the id the server holds for the user as far as the run knows, kept
	// apart from id (the IdP's cache, which Entra's restart clears) so a lookup that
	// misses can be called out as a duplicate in the making.
	held string
	// stopped says why the IdP sends nothing more for this user (Okta after a 409,
	// Entra after InvalidAnchor); empty while it carries on.
	stopped    string
	managerSet bool
	createBody []byte
}

// group is a pushed group as the IdP knows it; members is the IdP's own list.
type group struct {
	name       string
	externalID string
	members    []*user
	id         string
	stopped    string
}

type run struct {
	cfg    *resolved
	obs    Observer
	player player
	// origin is scheme and host; every Exchange.URL starts with the base path.
	origin string
	// flagQuery prefixes every query: Entra's ?aadOptscim062020 rides on the Tenant URL.
	flagQuery string
	hdr       headers
	users     []*user
	userByRef map[string]*user
	groups    []*group
	groupBy   map[string]*group
	stats     *stats
	pace      *pacer
	// halted says why no further step runs (a failed test connection).
	halted  string
	abortMu sync.Mutex
	abort   error
}

// player sends what one IdP sends for each kind of step both IdPs have. The steps of
// one IdP only (Okta's import, Entra's cycles, deletes, manager and roles) are methods
// of that IdP's player alone; the scenario check keeps them from the other.
type player interface {
	createBody(u *user) []byte
	testConnection(ctx context.Context, a *action)
	saveSettings(ctx context.Context, a *action)
	assign(ctx context.Context, a *action, u *user)
	lookup(ctx context.Context, a *action, u *user)
	create(ctx context.Context, a *action, u *user)
	updateUser(ctx context.Context, a *action, u *user, set *Person)
	deactivate(ctx context.Context, a *action, u *user)
	reactivate(ctx context.Context, a *action, u *user)
	pushGroup(ctx context.Context, a *action, g *group)
	addMembers(ctx context.Context, a *action, g *group, us []*user)
	removeMembers(ctx context.Context, a *action, g *group, us []*user)
	renameGroup(ctx context.Context, a *action, g *group, to string)
	deleteGroup(ctx context.Context, a *action, g *group)
}

// Run plays cfg's scenario against cfg.Target and reports every step. It returns an
// error only when the run could not be played to the end: a *UsageError for a bad
// Config or scenario, the context's error, or the error an Observer's Sending gave;
// the report so far comes with the latter two. A step that fails is not an error:
// the report says so, and Report.ExitCode turns it into exit status 1.
func Run(ctx context.Context, cfg Config, obs Observer) (*Report, error) {
	rc, err := cfg.resolve()
	if err != nil {
		return nil, err
	}
	if obs == nil {
		obs = Funcs{}
	}
	r := newRun(rc, obs)
	rep := r.newReport()
	start := time.Now()
	for i, st := range rc.scenario.Steps {
		if err := r.aborted(ctx); err != nil {
			break
		}
		res := r.playStep(ctx, i, st)
		rep.Steps = append(rep.Steps, res)
	}
	rep.finish(r, time.Since(start))
	return rep, r.aborted(ctx)
}

func newRun(rc *resolved, obs Observer) *run {
	r := &run{
		cfg:       rc,
		obs:       obs,
		origin:    rc.base.Scheme + "://" + rc.base.Host,
		hdr:       idpHeaders(rc.IdP, rc.Token),
		userByRef: map[string]*user{},
		groupBy:   map[string]*group{},
		stats:     newStats(),
		pace:      newPacer(rc.Rate, rc.Sleep),
	}
	if rc.IdP == exchange.Entra && rc.EntraCompliant {
		r.flagQuery = "aadOptscim062020"
	}
	want := rc.scenario.Generate
	if rc.Users > 0 {
		want.Users = rc.Users
	}
	if rc.Groups > 0 {
		want.Groups = rc.Groups
	}
	if rc.Members > 0 {
		want.Members = rc.Members
	}
	people, teams := population(rc.scenario, want)
	for _, p := range people {
		u := &user{Person: p.labelled(rc.Label, rc.IdP).completed(rc.IdP)}
		r.users = append(r.users, u)
		r.userByRef[u.Ref] = u
	}
	for _, t := range teams {
		name := groupLabelled(t.Name, rc.Label)
		g := &group{name: name, externalID: guidFor("group:" + name)}
		for _, m := range t.Members {
			g.members = append(g.members, r.userByRef[m])
		}
		r.groups = append(r.groups, g)
		// Steps name a group as the scenario does, whatever it is called later.
		r.groupBy[t.Name] = g
	}
	if rc.IdP == exchange.Okta {
		r.player = &okta{r: r, aiw: rc.flavour == exchange.FlavourAIW}
	} else {
		r.player = &entra{r: r, compliant: rc.EntraCompliant, matchOn: rc.scenario.MatchOn}
	}
	// Create bodies are built before the first request so a load run spends its time
	// on the wire, not in encoding/json.
	for _, u := range r.users {
		u.createBody = r.player.createBody(u)
	}
	return r
}

func (r *run) stop(err error) {
	r.abortMu.Lock()
	defer r.abortMu.Unlock()
	if r.abort == nil {
		r.abort = err
	}
}

func (r *run) aborted(ctx context.Context) error {
	r.abortMu.Lock()
	defer r.abortMu.Unlock()
	if r.abort != nil {
		return r.abort
	}
	return ctx.Err()
}

// action is the work of one step on one target, and what came of it.
type action struct {
	r       *run
	step    *StepResult
	outcome Outcome
	waits   []time.Duration
}

func (a *action) note(code, text string) {
	a.outcome.Notes = append(a.outcome.Notes, Note{Code: code, Text: text})
}

// fail marks the target failed and says what the IdP makes of it.
func (a *action) fail(code, text string) {
	a.outcome.Status = StatusFailed
	a.note(code, text)
}

func (a *action) skip(text string) {
	a.outcome.Status = StatusSkipped
	a.note(NoteSkipped, text)
}

// query joins the IdP's query parameters after Entra's flag, if any.
func (r *run) query(q string) string {
	switch {
	case r.flagQuery == "":
		return q
	case q == "":
		return r.flagQuery
	}
	return r.flagQuery + "&" + q
}

// oktaMaxAttempts is where Okta stops retrying a rate-limited request (reference §2.8).
const oktaMaxAttempts = 10

// oktaDefaultWait is Okta's wait after a 429 without a usable Retry-After.
const oktaDefaultWait = 5 * time.Minute

// oktaRetryWait is the wait before the next attempt after a 429: the integer seconds
// of Retry-After (Okta does not read an HTTP date), else five minutes, and at least
// double the previous wait, since each further 429 doubles it.
func oktaRetryWait(retryAfter string, prev time.Duration) time.Duration {
	wait := oktaDefaultWait
	if secs, err := strconv.Atoi(strings.TrimSpace(retryAfter)); err == nil && secs >= 0 {
		wait = time.Duration(secs) * time.Second
	}
	return max(wait, 2*prev)
}

// send sends req as the IdP does, retrying a 429 the way Okta does, and returns the
// last exchange with the whole answer body.
func (a *action) send(ctx context.Context, req request) (*Exchange, []byte) {
	r := a.r
	var wait time.Duration
	for attempt := 1; ; attempt++ {
		ex, body := a.transmit(ctx, req, attempt, wait)
		if r.cfg.IdP != exchange.Okta || ex.Status != 429 || r.aborted(ctx) != nil {
			a.reportWaits(ex)
			return ex, body
		}
		if attempt == oktaMaxAttempts {
			a.reportWaits(ex)
			a.fail(NoteOktaGaveUp, fmt.Sprintf("Okta gave up after the %dth attempt: every answer was 429. %s", attempt, idp.Consequence(exchange.Okta, http.StatusTooManyRequests)))
			return ex, body
		}
		wait = oktaRetryWait(ex.RetryAfter, wait)
		a.waits = append(a.waits, wait)
		if err := r.cfg.Sleep(ctx, wait); err != nil {
			r.stop(err)
			return ex, body
		}
	}
}

func (a *action) reportWaits(last *Exchange) {
	if len(a.waits) == 0 {
		return
	}
	parts := make([]string, len(a.waits))
	for i, w := range a.waits {
		parts[i] = w.String()
	}
	text := fmt.Sprintf("Okta was rate-limited (429) and waited %s before sending the request again: Retry-After in whole seconds, else 5 minutes, doubling with each further 429, at most %d attempts.", strings.Join(parts, ", then "), oktaMaxAttempts)
	if last.Status != 429 {
		text += fmt.Sprintf(" Attempt %d was answered %d.", last.Attempt, last.Status)
	}
	a.note(NoteOktaRetried, text)
	a.waits = nil
}

// transmit sends one attempt: pacing, observer, the request, latency figures.
func (a *action) transmit(ctx context.Context, req request, attempt int, waited time.Duration) (*Exchange, []byte) {
	r := a.r
	q := r.query(req.query)
	u := req.path
	if q != "" {
		u += "?" + q
	}
	hdr := r.hdr.shown
	if req.body != nil {
		hdr = r.hdr.shownBody
	}
	ex := &Exchange{
		Step: a.step.Index, Target: a.outcome.Target, What: req.what, Kind: req.kind,
		Method: req.method, URL: r.cfg.base.EscapedPath() + u, Header: hdr, Body: Body(req.body),
		Attempt: attempt, Waited: waited,
	}
	a.outcome.Exchanges = append(a.outcome.Exchanges, ex)
	if err := r.pace.wait(ctx); err != nil {
		r.stop(err)
		ex.Err = "not sent: " + err.Error()
		return ex, nil
	}
	if err := r.obs.Sending(ctx, ex); err != nil {
		r.stop(err)
		ex.Err = "not sent: " + err.Error()
		return ex, nil
	}
	if err := r.aborted(ctx); err != nil {
		ex.Err = "not sent: " + err.Error()
		return ex, nil
	}
	a.step.sent.Add(1)
	body := r.do(ctx, ex, request{method: req.method, body: req.body})
	r.stats.record(req.kind, ex.Duration, ex.Failed())
	r.obs.Answered(ex)
	return ex, body
}

// playStep runs one step over its targets, Concurrency at a time.
func (r *run) playStep(ctx context.Context, i int, st Step) *StepResult {
	res := &StepResult{Index: i + 1, Line: st.Line, Do: st.Do, Title: r.title(st)}
	if r.halted != "" {
		res.Status = StatusNotRun
		res.Notes = append(res.Notes, Note{Code: NoteHalted, Text: r.halted})
		r.obs.StepStarted(res)
		r.obs.StepFinished(res)
		return res
	}
	targets := r.targets(st)
	res.Targets = max(len(targets), 1)
	r.obs.StepStarted(res)
	start := time.Now()
	work := func(k int) {
		a := &action{r: r, step: res, outcome: Outcome{Status: StatusPassed, index: k}}
		if len(targets) > 0 {
			a.outcome.Target = targets[k]
		}
		r.perform(ctx, a, st)
		res.add(a.outcome)
	}
	n := res.Targets
	workers := min(r.cfg.Concurrency, n)
	if workers <= 1 {
		for k := 0; k < n && r.aborted(ctx) == nil; k++ {
			work(k)
		}
	} else {
		var next atomic.Int64
		var wg sync.WaitGroup
		for range workers {
			wg.Go(func() {
				for r.aborted(ctx) == nil {
					k := int(next.Add(1) - 1)
					if k >= n {
						return
					}
					work(k)
				}
			})
		}
		wg.Wait()
	}
	res.finish(time.Since(start))
	if (st.Do == StepTestConnection || st.Do == StepSaveSettings) && res.Status == StatusFailed {
		r.halted = haltText(r.cfg.IdP, st.Do)
	}
	r.obs.StepFinished(res)
	return res
}

func haltText(p exchange.IdP, kind StepKind) string {
	if p == exchange.Okta {
		return "Not run: Okta's Test Connector Configuration failed, so the admin cannot save the provisioning settings and Okta sends nothing more."
	}
	if kind == StepSaveSettings {
		return "Not run: Entra could not save the provisioning settings, so it sends nothing more."
	}
	return "Not run: Entra's Test Connection failed, so the admin cannot save the credentials and Entra sends nothing more."
}

// targets lists the refs a step works on one by one: groups for group steps, users
// otherwise; nil for steps about the connection as a whole.
func (r *run) targets(st Step) []string {
	if !st.Groups.Empty() {
		if st.Groups.All {
			out := make([]string, len(r.groups))
			for i, g := range r.groups {
				out[i] = g.name
			}
			return out
		}
		return st.Groups.Names
	}
	if st.Users.All {
		out := make([]string, len(r.users))
		for i, u := range r.users {
			out[i] = u.Ref
		}
		return out
	}
	return st.Users.Names
}

func (r *run) stepUsers(st Step) []*user {
	if st.Users.All {
		return r.users
	}
	out := make([]*user, len(st.Users.Names))
	for i, n := range st.Users.Names {
		out[i] = r.userByRef[n]
	}
	return out
}

func (r *run) title(st Step) string {
	if st.Title != "" {
		return st.Title
	}
	who := func(t Targets, one, many string, count int) string {
		switch {
		case t.All && count == 1:
			return "1 " + one
		case t.All:
			return fmt.Sprintf("%d %s", count, many)
		case len(t.Names) == 1:
			return t.Names[0]
		}
		return strings.Join(t.Names, ", ")
	}
	users := who(st.Users, "user", "users", len(r.users))
	groups := who(st.Groups, "group", "groups", len(r.groups))
	groupNoun := groups
	if !st.Groups.All {
		groupNoun = "group " + groups
	}
	switch st.Do {
	case StepTestConnection:
		return "test connection"
	case StepSaveSettings:
		return "save provisioning settings"
	case StepImport:
		return "import users and groups"
	case StepStartCycle:
		return "start a provisioning cycle"
	case StepRestartProvisioning:
		return "restart provisioning"
	case StepUpdateUser:
		return "update " + users
	case StepSetManager:
		return "set " + users + "'s manager to " + st.Manager
	case StepAddRole:
		return "give " + users + " role " + st.Role
	case StepDeleteUser:
		return "delete " + users
	case StepPushGroup:
		return "push " + groupNoun
	case StepAddMembers:
		return "add " + users + " to " + groups
	case StepRemoveMembers:
		return "remove " + users + " from " + groups
	case StepRenameGroup:
		return "rename " + groups + " to " + st.To
	case StepDeleteGroup:
		return "delete " + groupNoun
	}
	return string(st.Do) + " " + users
}

// perform plays one target of a step, after checking that the IdP would still send
// anything for it.
func (r *run) perform(ctx context.Context, a *action, st Step) {
	p := r.player
	switch st.Do {
	case StepTestConnection:
		p.testConnection(ctx, a)
		return
	case StepSaveSettings:
		p.saveSettings(ctx, a)
		return
	case StepImport:
		p.(*okta).importAll(ctx, a)
		return
	case StepStartCycle:
		p.(*entra).startCycle(ctx, a)
		return
	case StepRestartProvisioning:
		r.restart(a)
		return
	}
	if !st.Groups.Empty() {
		g := r.groupBy[a.outcome.Target]
		if st.Do != StepPushGroup && !r.groupReady(a, g) {
			return
		}
		switch st.Do {
		case StepPushGroup:
			if g.id != "" {
				a.skip(fmt.Sprintf("Group %s is already pushed (id %s); %s sends nothing to push it again.", g.name, g.id, r.cfg.IdP.Short()))
				return
			}
			p.pushGroup(ctx, a, g)
		case StepAddMembers, StepRemoveMembers:
			var us []*user
			var left []string
			for _, u := range r.stepUsers(st) {
				if u.id == "" {
					left = append(left, u.UserName)
					continue
				}
				us = append(us, u)
			}
			if len(us) == 0 {
				a.skip(fmt.Sprintf("%s not provisioned: %s sends no membership change.", strings.Join(left, ", "), r.cfg.IdP.Short()))
				return
			}
			if len(left) > 0 {
				a.note(NoteSkipped, fmt.Sprintf("%s not provisioned, so %s leaves them out of the membership change.", strings.Join(left, ", "), r.cfg.IdP.Short()))
			}
			if st.Do == StepAddMembers {
				p.addMembers(ctx, a, g, us)
			} else {
				p.removeMembers(ctx, a, g, us)
			}
		case StepRenameGroup:
			p.renameGroup(ctx, a, g, groupLabelled(st.To, r.cfg.Label))
		case StepDeleteGroup:
			p.deleteGroup(ctx, a, g)
		}
		return
	}
	u := r.userByRef[a.outcome.Target]
	if u.stopped != "" {
		a.skip(u.stopped)
		return
	}
	if st.Do != StepAssign && st.Do != StepReactivate && st.Do != StepLookup && st.Do != StepCreate && u.id == "" {
		a.skip(fmt.Sprintf("%s was never provisioned, so %s has no id to send this to.", u.UserName, r.cfg.IdP.Short()))
		return
	}
	switch st.Do {
	case StepAssign:
		p.assign(ctx, a, u)
	case StepLookup:
		p.lookup(ctx, a, u)
	case StepCreate:
		p.create(ctx, a, u)
	case StepUpdateUser:
		set := *st.Set
		set.UserName = withLabel(set.UserName, r.cfg.Label)
		p.updateUser(ctx, a, u, &set)
	case StepDeactivate:
		p.deactivate(ctx, a, u)
	case StepReactivate:
		p.reactivate(ctx, a, u)
	case StepDeleteUser:
		p.(*entra).deleteUser(ctx, a, u)
	case StepSetManager:
		m := r.userByRef[st.Manager]
		if m.id == "" {
			a.skip(fmt.Sprintf("The manager %s is not provisioned: Entra links a manager only once both users exist.", m.UserName))
			return
		}
		p.(*entra).setManager(ctx, a, u, m)
	case StepAddRole:
		p.(*entra).addRole(ctx, a, u, st.Role)
	}
}

func (r *run) groupReady(a *action, g *group) bool {
	switch {
	case g.stopped != "":
		a.skip(g.stopped)
	case g.id == "":
		a.skip(fmt.Sprintf("Group %s was never pushed, so %s has no id to send this to.", g.name, r.cfg.IdP.Short()))
	default:
		return true
	}
	return false
}

// restart is Entra's "Restart provisioning": the job forgets the ids it cached and
// matches every object again on the next cycle. Nothing is sent.
func (r *run) restart(a *action) {
	for _, u := range r.users {
		u.id, u.stopped = "", ""
	}
	for _, g := range r.groups {
		g.id, g.stopped = "", ""
	}
	a.note(NoteRestarted, "Entra clears its cached ids and quarantine state; the next cycle looks every user and group up again by its matching attribute before it creates anything.")
}

// escapeID puts a server id into a path segment.
func escapeID(id string) string { return url.PathEscape(id) }

// sortOutcomes orders a parallel step's outcomes as its targets were listed.
func sortOutcomes(o []Outcome) {
	sort.SliceStable(o, func(i, j int) bool { return o[i].index < o[j].index })
}

// without returns members less those in drop.
func without(members, drop []*user) []*user {
	return slices.DeleteFunc(slices.Clone(members), func(u *user) bool { return slices.Contains(drop, u) })
}
