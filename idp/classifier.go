package idp

import (
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/scimlab/scimlab/exchange"
)

// Limits on what the classifier remembers, so a long session or an import of 50,000
// users keeps memory bounded. Forgetting only costs a name resolved to an id or a diff
// summarised as a full replace.
const (
	maxIdentities = 100_000
	maxDocs       = 4096
	maxCreated    = 10_000
	// settingsWindow is how soon after Okta's test connection a group listing counts as
	// "settings saved" (Okta sends both on Save).
	settingsWindow = time.Minute
	// quarantineStreak is how many consecutive Entra failures earn the quarantine warning.
	quarantineStreak = 5
)

// Classifier labels exchanges with the IdP, the provisioning step and a plain-English
// summary, and diagnoses failures. It is stateful over the stream — it pairs lookups
// with creates, GETs with the PUTs that follow, and learns id → name maps from responses
// — so feed it every exchange in Seq order. It is safe for concurrent use.
type Classifier struct {
	mu    sync.Mutex
	names Names

	// idp and flavour are remembered once recognised: a session usually has one IdP.
	idp     exchange.IdP
	flavour exchange.Flavour
	// lastIdP mirrors idp for Sender, which runs on the server's request path and must
	// not wait for the lock Annotate holds.
	lastIdP atomic.Value

	users   *capped[userInfo]
	groups  *capped[string]
	docs    *capped[[]byte]
	byName  *capped[string]
	byExt   *capped[string]
	lookups *capped[lookupInfo]
	grouped *capped[bool]
	created map[string]createdUser

	pushedGroups int

	last            time.Time
	pendingSince    time.Time
	testOK          time.Time
	testIdP         exchange.IdP
	sawProvisioning bool
	failStreak      int
	// prevStep is the step of the exchange before this one, whoever sent it.
	prevStep exchange.Step
}

type userInfo struct {
	userName, externalID string
}

// lookupInfo remembers a lookup that found nothing, until the create that follows it.
type lookupInfo struct {
	seq int64
	at  time.Time
	// knownID is the id of a user scimlab had seen under the looked-up identity.
	knownID string
}

type createdUser struct {
	name string
	at   time.Time
	idp  exchange.IdP
}

// NewClassifier returns a Classifier with no history.
func NewClassifier() *Classifier {
	c := &Classifier{
		users:   newCapped[userInfo](maxIdentities),
		groups:  newCapped[string](maxIdentities),
		docs:    newCapped[[]byte](maxDocs),
		byName:  newCapped[string](maxIdentities),
		byExt:   newCapped[string](maxIdentities),
		lookups: newCapped[lookupInfo](maxDocs),
		grouped: newCapped[bool](maxIdentities),
		created: make(map[string]createdUser),
	}
	c.lastIdP.Store(exchange.Unknown)
	return c
}

// SetNames lets the classifier resolve ids it has not seen in traffic through n (for
// instance the server's store). n is called while the classifier holds its lock, so it
// must not call back into the classifier. A nil n turns the lookup off.
func (c *Classifier) SetNames(n Names) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.names = n
}

// Annotate classifies one exchange and updates what the classifier has learned. It
// reads rec and does not keep it.
func (c *Classifier) Annotate(ex *exchange.Record) exchange.Annotation {
	c.mu.Lock()
	defer c.mu.Unlock()
	r := parseExchange(ex)

	var a exchange.Annotation
	a.IdP = c.recognise(r)
	if a.IdP == exchange.Okta {
		a.Flavour = c.learnFlavour(r, &a)
	}
	c.classify(&a, r)
	c.diagnose(&a, r)
	c.track(&a, r)
	return a
}

// recognise names the sender (senderOf) and remembers an IdP the request itself showed.
func (c *Classifier) recognise(r *rx) exchange.IdP {
	p, shown := senderOf(r, c.idp)
	if shown {
		c.idp = p
		c.lastIdP.Store(p)
	}
	return p
}

func (c *Classifier) learnFlavour(r *rx, a *exchange.Annotation) exchange.Flavour {
	var before map[string]any
	if r.route.resource == "Users" && r.route.id != "" {
		if d, ok := c.docs.get(docKey("Users", r.route.id)); ok {
			before = jsonObject(d)
		}
	}
	f := flavourEvidence(r, before)
	if f == "" {
		return c.flavour
	}
	if f != c.flavour {
		c.flavour = f
		a.Hints = append(a.Hints, flavourHint(f))
	}
	return f
}

// track updates the timing state Pending reads.
func (c *Classifier) track(a *exchange.Annotation, r *rx) {
	t := r.ex.Time
	if t.After(c.last) {
		c.last = t
	}
	c.prevStep = a.Step
	switch a.Step {
	case exchange.StepTestConnection:
		if !a.Failed && (a.IdP == exchange.Okta || a.IdP == exchange.Entra) {
			c.testOK, c.testIdP = t, a.IdP
		}
	case exchange.StepUserLookup, exchange.StepCreateUser, exchange.StepUpdateUser, exchange.StepDeactivateUser, exchange.StepReactivateUser,
		exchange.StepDeleteUser, exchange.StepGroupLookup, exchange.StepCreateGroup, exchange.StepRenameGroup, exchange.StepAddMembers,
		exchange.StepRemoveMembers, exchange.StepReplaceMembers, exchange.StepDeleteGroup:
		c.sawProvisioning = true
	}
	if a.IdP == exchange.Entra {
		if a.Failed {
			c.failStreak++
			if c.failStreak == quarantineStreak {
				a.Hints = append(a.Hints, exchange.Hint{Cause: HintEntraQuarantine, Severity: exchange.SeverityWarn,
					Text: "Entra's last " + strconv.Itoa(quarantineStreak) + " requests all failed. When most requests fail, Entra puts the provisioning job in quarantine and slows cycles to about once a day: fix the cause, then choose Restart provisioning on the app's Provisioning overview."})
			}
		} else {
			c.failStreak = 0
		}
	}
}

// --- learning ---

func docKey(resource, id string) string { return resource + "/" + id }

// learnUser records what a user representation tells about identities.
func (c *Classifier) learnUser(m map[string]any) {
	id := str(m, "id")
	if id == "" {
		return
	}
	u := userInfo{userName: str(m, "userName"), externalID: str(m, "externalId")}
	if old, ok := c.users.get(id); ok {
		if u.userName == "" {
			u.userName = old.userName
		} else if !strings.EqualFold(old.userName, u.userName) {
			c.byName.del(strings.ToLower(old.userName))
		}
		if u.externalID == "" {
			u.externalID = old.externalID
		}
	}
	c.users.put(id, u)
	if u.userName != "" {
		c.byName.put(strings.ToLower(u.userName), id)
	}
	if u.externalID != "" {
		c.byExt.put(u.externalID, id)
	}
}

func (c *Classifier) forgetUser(id string) {
	if u, ok := c.users.get(id); ok {
		if cur, _ := c.byName.get(strings.ToLower(u.userName)); cur == id {
			c.byName.del(strings.ToLower(u.userName))
		}
		if cur, _ := c.byExt.get(u.externalID); cur == id {
			c.byExt.del(u.externalID)
		}
	}
	c.users.del(id)
	c.docs.del(docKey("Users", id))
	delete(c.created, id)
}

func (c *Classifier) learnGroup(m map[string]any) {
	if id, name := str(m, "id"), str(m, "displayName"); id != "" && name != "" {
		c.groups.put(id, name)
	}
}

// learnList learns every resource of a ListResponse.
func (c *Classifier) learnList(resource string, resp map[string]any) {
	for _, e := range list(resp, "Resources") {
		m, _ := e.(map[string]any)
		if resource == "Users" {
			c.learnUser(m)
		} else {
			c.learnGroup(m)
		}
	}
}

// markGrouped notes users that are members of a group the IdP pushed.
func (c *Classifier) markGrouped(ms []member) {
	for _, m := range ms {
		c.grouped.put(m.id, true)
		delete(c.created, m.id)
		if m.display != "" {
			if _, ok := c.users.get(m.id); !ok {
				c.users.put(m.id, userInfo{userName: m.display})
			}
		}
	}
}

// userName resolves a user id to its userName, falling back to the id.
func (c *Classifier) userName(id string) string {
	if u, ok := c.users.get(id); ok && u.userName != "" {
		return u.userName
	}
	if c.names != nil {
		if n := c.names.UserName(id); n != "" {
			return n
		}
	}
	return id
}

func (c *Classifier) groupName(id string) string {
	if n, ok := c.groups.get(id); ok && n != "" {
		return n
	}
	if c.names != nil {
		if n := c.names.GroupName(id); n != "" {
			return n
		}
	}
	return id
}

// userExists tells whether a user scimlab learned about still exists. Without Names the
// classifier can only trust what it saw in traffic.
func (c *Classifier) userExists(id string) bool {
	if _, ok := c.users.get(id); !ok {
		return false
	}
	if c.names != nil {
		return c.names.UserName(id) != ""
	}
	return true
}

// --- summaries ---

// fail marks a as failed and writes "<IdP> could not <what>: <status>".
func fail(a *exchange.Annotation, r *rx, what string) {
	a.Failed = true
	// what ends in the subject, which a body too broken to read leaves empty.
	a.Summary = a.IdP.Short() + " could not " + strings.TrimSpace(what) + ": " + statusText(r)
}

// statusText is the status code and the best reason the exchange offers.
func statusText(r *rx) string {
	if f := r.ex.Fault; f != nil {
		if text := injectedStatus(f, r.status); text != "" {
			return text
		}
	}
	reason := r.ex.ErrorDetail
	if reason == "" {
		reason = str(r.resp, "detail")
	}
	if reason == "" {
		reason = http.StatusText(r.status)
	}
	return strconv.Itoa(r.status) + " " + clip(reason, 160)
}

func clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	rs := []rune(s)
	return string(rs[:n-1]) + "…"
}

// names lists up to three subjects, or counts them.
func nameList(ns []string, noun string) string {
	switch {
	case len(ns) == 0:
		return "no " + noun + "s"
	case len(ns) <= 3:
		return strings.Join(ns, ", ")
	}
	return strconv.Itoa(len(ns)) + " " + noun + "s"
}

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return strconv.Itoa(n) + " " + noun + "s"
}

// capped is a map that forgets its oldest keys beyond max entries.
type capped[V any] struct {
	max   int
	m     map[string]V
	order []string
}

func newCapped[V any](max int) *capped[V] {
	return &capped[V]{max: max, m: make(map[string]V)}
}

func (c *capped[V]) get(k string) (V, bool) {
	v, ok := c.m[k]
	return v, ok
}

func (c *capped[V]) put(k string, v V) {
	if _, ok := c.m[k]; !ok {
		for len(c.m) >= c.max && len(c.order) > 0 {
			delete(c.m, c.order[0])
			c.order = c.order[1:]
		}
		c.order = append(c.order, k)
	}
	c.m[k] = v
	if len(c.order) > 2*c.max {
		c.compact()
	}
}

func (c *capped[V]) del(k string) {
	delete(c.m, k)
	if len(c.order) > 2*len(c.m)+64 {
		c.compact()
	}
}

// compact drops order entries of deleted keys, keeping the newest occurrence of each.
func (c *capped[V]) compact() {
	seen := make(map[string]bool, len(c.m))
	kept := make([]string, 0, len(c.m))
	for i := len(c.order) - 1; i >= 0; i-- {
		k := c.order[i]
		if _, ok := c.m[k]; ok && !seen[k] {
			seen[k] = true
			kept = append(kept, k)
		}
	}
	for i, j := 0, len(kept)-1; i < j; i, j = i+1, j-1 {
		kept[i], kept[j] = kept[j], kept[i]
	}
	c.order = kept
}
