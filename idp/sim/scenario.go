package sim

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"regexp"
	"slices"
	"strings"

	"github.com/scimlab/scimlab/exchange"
	"go.yaml.in/yaml/v3"
)

//go:embed scenarios/*.yaml
var embedded embed.FS

// Scenario is a provisioning sequence as data: who exists in the IdP, and what the
// admin does, step by step. The package documentation describes the file format.
type Scenario struct {
	// Name is the embedded scenario's name or the file's path.
	Name        string
	Description string
	IdP         exchange.IdP
	// Flavour is the Okta app flavour the scenario is written for; empty fits both.
	Flavour exchange.Flavour
	// Compliant makes Entra send its aadOptscim062020 shapes.
	Compliant bool
	// MatchOn is Entra's first matching attribute: userName (default) or externalId.
	MatchOn  string
	Users    []Person
	Groups   []Group
	Generate Counts
	Steps    []Step
}

// Person is a user as the IdP holds it. Empty fields are not sent, as neither IdP
// provisions an attribute whose source is empty.
type Person struct {
	// Ref is how steps name the person; it defaults to userName up to the "@".
	Ref            string `yaml:"ref"`
	UserName       string `yaml:"userName"`
	GivenName      string `yaml:"givenName"`
	FamilyName     string `yaml:"familyName"`
	DisplayName    string `yaml:"displayName"`
	Email          string `yaml:"email"`
	Title          string `yaml:"title"`
	Department     string `yaml:"department"`
	EmployeeNumber string `yaml:"employeeNumber"`
	CostCenter     string `yaml:"costCenter"`
	ExternalID     string `yaml:"externalId"`
	Locale         string `yaml:"locale"`
	// Nulls lists attributes Entra sends as JSON null on create, as Microsoft's
	// documented create example does for attributes whose source is empty.
	Nulls []string `yaml:"nulls"`
}

// Group is a group the IdP pushes, with its members' refs.
type Group struct {
	Name    string   `yaml:"name"`
	Members []string `yaml:"members"`
}

// Counts is a population size: users, groups, and members per group.
type Counts struct {
	Users   int `yaml:"users"`
	Groups  int `yaml:"groups"`
	Members int `yaml:"members"`
}

// StepKind is what the admin does in one step.
type StepKind string

// The step kinds a scenario may use. Each is played with the requests its IdP sends.
const (
	StepTestConnection      StepKind = "test-connection"
	StepSaveSettings        StepKind = "save-settings"
	StepImport              StepKind = "import"
	StepStartCycle          StepKind = "start-cycle"
	StepAssign              StepKind = "assign"
	StepUpdateUser          StepKind = "update-user"
	StepDeactivate          StepKind = "deactivate"
	StepReactivate          StepKind = "reactivate"
	StepDeleteUser          StepKind = "delete-user"
	StepSetManager          StepKind = "set-manager"
	StepAddRole             StepKind = "add-role"
	StepPushGroup           StepKind = "push-group"
	StepAddMembers          StepKind = "add-members"
	StepRemoveMembers       StepKind = "remove-members"
	StepRenameGroup         StepKind = "rename-group"
	StepDeleteGroup         StepKind = "delete-group"
	StepRestartProvisioning StepKind = "restart-provisioning"
	// StepLookup and StepCreate send one half of assign each: the IdP's userName
	// lookup alone, or its create alone. No IdP splits them; a load test does, to
	// measure each kind of request on its own.
	StepLookup StepKind = "lookup"
	StepCreate StepKind = "create"
)

// kindRule says what a step kind needs and which IdP sends it.
type kindRule struct {
	only   exchange.IdP // empty: both
	users  bool
	groups bool
	// why is told when the other IdP is asked for the step.
	why string
}

var kindRules = map[StepKind]kindRule{
	StepTestConnection:      {},
	StepSaveSettings:        {},
	StepImport:              {only: exchange.Okta, why: "Entra does not import from the app"},
	StepStartCycle:          {only: exchange.Entra, why: "Okta has no provisioning cycles"},
	StepAssign:              {users: true},
	StepUpdateUser:          {users: true},
	StepDeactivate:          {users: true},
	StepReactivate:          {users: true},
	StepDeleteUser:          {only: exchange.Entra, users: true, why: "Okta never sends DELETE /Users; use deactivate"},
	StepSetManager:          {only: exchange.Entra, users: true, why: "Okta does not provision the manager reference"},
	StepAddRole:             {only: exchange.Entra, users: true, why: "Okta does not send app roles"},
	StepPushGroup:           {groups: true},
	StepAddMembers:          {groups: true, users: true},
	StepRemoveMembers:       {groups: true, users: true},
	StepRenameGroup:         {groups: true},
	StepDeleteGroup:         {groups: true},
	StepRestartProvisioning: {only: exchange.Entra, why: "Okta has no provisioning restart"},
	StepLookup:              {users: true},
	StepCreate:              {users: true},
}

// Step is one admin action of a scenario.
type Step struct {
	// Line is where the step starts in its file, for messages.
	Line int
	Do   StepKind
	// Title overrides the step's description in the report.
	Title  string
	Users  Targets
	Groups Targets
	// Set holds the changed attributes of update-user.
	Set *Person
	// To is the new name of rename-group.
	To string
	// Manager is the ref of set-manager's manager.
	Manager string
	// Role is the app role add-role assigns.
	Role string
}

// Targets names users or groups: a list of refs, or All of them.
type Targets struct {
	All   bool
	Names []string
}

// Empty reports whether no target is named.
func (t Targets) Empty() bool { return !t.All && len(t.Names) == 0 }

// UnmarshalYAML reads "alice", "[alice, bob]" or "all".
func (t *Targets) UnmarshalYAML(n *yaml.Node) error {
	switch n.Kind {
	case yaml.ScalarNode:
		if n.Value == "all" {
			t.All = true
			return nil
		}
		t.Names = []string{n.Value}
		return nil
	case yaml.SequenceNode:
		var names []string
		if err := n.Decode(&names); err != nil {
			return err
		}
		t.Names = names
		return nil
	}
	return fmt.Errorf("line %d: expected a name, a list of names or all", n.Line)
}

// The file's shape. Separate from the exported types so that KnownFields names
// exactly the keys a scenario author may write.
type scenarioFile struct {
	IdP         string     `yaml:"idp"`
	Flavour     string     `yaml:"flavour"`
	Compliant   bool       `yaml:"compliant"`
	Description string     `yaml:"description"`
	Match       string     `yaml:"match"`
	Users       []Person   `yaml:"users"`
	Groups      []Group    `yaml:"groups"`
	Generate    Counts     `yaml:"generate"`
	Steps       []stepFile `yaml:"steps"`
}

type stepFile struct {
	Do      string  `yaml:"do"`
	Title   string  `yaml:"title"`
	User    Targets `yaml:"user"`
	Users   Targets `yaml:"users"`
	Group   Targets `yaml:"group"`
	Groups  Targets `yaml:"groups"`
	Set     *Person `yaml:"set"`
	To      string  `yaml:"to"`
	Manager string  `yaml:"manager"`
	Role    string  `yaml:"role"`
}

// Scenarios lists the embedded scenarios by name.
func Scenarios() []string {
	entries, _ := fs.ReadDir(embedded, "scenarios")
	names := make([]string, 0, len(entries))
	for _, e := range entries {
		names = append(names, strings.TrimSuffix(e.Name(), ".yaml"))
	}
	slices.Sort(names)
	return names
}

// LoadScenario reads an embedded scenario by name, or else the file at nameOrPath.
// Errors are *UsageError and name the file and line.
func LoadScenario(nameOrPath string) (*Scenario, error) {
	if slices.Contains(Scenarios(), nameOrPath) {
		data, err := embedded.ReadFile("scenarios/" + nameOrPath + ".yaml")
		if err != nil {
			return nil, err
		}
		return ParseScenario(nameOrPath, bytes.NewReader(data))
	}
	f, err := os.Open(nameOrPath)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) && !strings.ContainsAny(nameOrPath, `/\.`) {
			return nil, usagef("no scenario %q: embedded scenarios are %s, or give a file path", nameOrPath, strings.Join(Scenarios(), ", "))
		}
		return nil, usagef("scenario %s: %v", nameOrPath, errors.Unwrap(err))
	}
	defer f.Close()
	return ParseScenario(nameOrPath, f)
}

// ParseScenario reads a scenario file; name labels its messages.
func ParseScenario(name string, r io.Reader) (*Scenario, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, usagef("scenario %s: %v", name, err)
	}
	var sf scenarioFile
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&sf); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, usagef("scenario %s: the file is empty", name)
		}
		return nil, usagef("scenario %s: %s", name, yamlMessage(err))
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, usagef("scenario %s: %s", name, yamlMessage(err))
	}
	sc := &Scenario{
		Name: name, Description: sf.Description, IdP: exchange.IdP(sf.IdP), Flavour: exchange.Flavour(sf.Flavour),
		Compliant: sf.Compliant, MatchOn: sf.Match, Users: sf.Users, Groups: sf.Groups, Generate: sf.Generate,
	}
	lines := itemLines(&doc)
	if err := sc.check(lines, sf.Steps); err != nil {
		return nil, usagef("scenario %s: %v", name, err)
	}
	return sc, nil
}

// itemLines returns, for each top-level list (users, groups, steps), the line of each
// item, so checks made after decoding can still point at the file.
func itemLines(doc *yaml.Node) map[string][]int {
	out := map[string][]int{}
	if len(doc.Content) == 0 || doc.Content[0].Kind != yaml.MappingNode {
		return out
	}
	m := doc.Content[0]
	out[""] = []int{m.Line}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i+1].Kind != yaml.SequenceNode {
			continue
		}
		for _, item := range m.Content[i+1].Content {
			out[m.Content[i].Value] = append(out[m.Content[i].Value], item.Line)
		}
	}
	return out
}

var fieldNotFound = regexp.MustCompile(`line (\d+): field (\S+) not found in type sim\.(\w+)`)

var typeWords = map[string]string{
	"scenarioFile": "at the top of the scenario (idp, flavour, compliant, description, match, users, groups, generate, steps)",
	"stepFile":     "in a step (do, title, user, users, group, groups, set, to, manager, role)",
	"Person":       "in a user (ref, userName, givenName, familyName, displayName, email, title, department, employeeNumber, costCenter, externalId, locale, nulls)",
	"Group":        "in a group (name, members)",
	"Counts":       "in generate (users, groups, members)",
}

// yamlMessage rewrites the decoder's messages in the scenario author's words.
func yamlMessage(err error) string {
	var te *yaml.TypeError
	if errors.As(err, &te) {
		msgs := make([]string, len(te.Errors))
		for i, m := range te.Errors {
			if s := fieldNotFound.FindStringSubmatch(m); s != nil {
				m = fmt.Sprintf("line %s: unknown field %q %s", s[1], s[2], typeWords[s[3]])
			}
			msgs[i] = m
		}
		return strings.Join(msgs, "; ")
	}
	return strings.TrimPrefix(err.Error(), "yaml: ")
}

func (sc *Scenario) check(lines map[string][]int, steps []stepFile) error {
	at := func(list string, i int) int {
		if i < len(lines[list]) {
			return lines[list][i]
		}
		return 0
	}
	top := at("", 0)
	switch sc.IdP {
	case exchange.Okta, exchange.Entra:
	case "":
		return fmt.Errorf("line %d: idp is required: okta or entra", top)
	default:
		return fmt.Errorf("line %d: unknown idp %q: okta or entra", top, sc.IdP)
	}
	switch {
	case sc.Flavour != "" && sc.IdP != exchange.Okta:
		return fmt.Errorf("line %d: flavour applies to okta only", top)
	case sc.Flavour != "" && sc.Flavour != exchange.FlavourAIW && sc.Flavour != exchange.FlavourOIN:
		return fmt.Errorf("line %d: unknown flavour %q: aiw or oin", top, sc.Flavour)
	case sc.Compliant && sc.IdP != exchange.Entra:
		return fmt.Errorf("line %d: compliant applies to entra only", top)
	case sc.MatchOn != "" && sc.IdP != exchange.Entra:
		return fmt.Errorf("line %d: match applies to entra only (Okta always matches on userName)", top)
	case sc.MatchOn != "" && sc.MatchOn != "userName" && sc.MatchOn != "externalId":
		return fmt.Errorf("line %d: match must be userName or externalId, not %q", top, sc.MatchOn)
	case sc.Generate.Users < 0 || sc.Generate.Groups < 0 || sc.Generate.Members < 0:
		return fmt.Errorf("line %d: generate counts must not be negative", top)
	}
	if sc.MatchOn == "" {
		sc.MatchOn = "userName"
	}
	users := map[string]bool{}
	for i := range sc.Users {
		p := &sc.Users[i]
		if p.UserName == "" {
			return fmt.Errorf("line %d: a user needs a userName", at("users", i))
		}
		if p.Ref == "" {
			p.Ref, _, _ = strings.Cut(p.UserName, "@")
		}
		if p.Ref == "all" || users[p.Ref] {
			return fmt.Errorf("line %d: user ref %q is used twice or reserved; give the user another ref", at("users", i), p.Ref)
		}
		users[p.Ref] = true
		for _, n := range p.Nulls {
			if !slices.Contains(nullable, n) {
				return fmt.Errorf("line %d: nulls may name %s, not %q", at("users", i), strings.Join(nullable, ", "), n)
			}
		}
	}
	groups := map[string]bool{}
	for i, g := range sc.Groups {
		if g.Name == "" || g.Name == "all" || groups[g.Name] {
			return fmt.Errorf("line %d: a group needs a name of its own (not empty, not all, not used twice)", at("groups", i))
		}
		groups[g.Name] = true
		for _, m := range g.Members {
			if !users[m] {
				return fmt.Errorf("line %d: group %s lists member %q, who is not among the users", at("groups", i), g.Name, m)
			}
		}
	}
	for i, sf := range steps {
		st, err := sc.step(sf, users, groups)
		if err != nil {
			return fmt.Errorf("line %d: %v", at("steps", i), err)
		}
		st.Line = at("steps", i)
		sc.Steps = append(sc.Steps, st)
	}
	if len(sc.Steps) == 0 {
		return fmt.Errorf("line %d: the scenario has no steps", top)
	}
	return nil
}

// nullable are the attributes Microsoft's documented create example sends as null.
var nullable = []string{"addresses", "phoneNumbers", "preferredLanguage", "title", "department", "manager"}

func (sc *Scenario) step(sf stepFile, users, groups map[string]bool) (Step, error) {
	kind := StepKind(sf.Do)
	rule, ok := kindRules[kind]
	if !ok {
		if sf.Do == "" {
			return Step{}, errors.New(`the step has no "do"`)
		}
		known := make([]string, 0, len(kindRules))
		for k := range kindRules {
			known = append(known, string(k))
		}
		slices.Sort(known)
		return Step{}, fmt.Errorf("unknown step kind %q: use one of %s", sf.Do, strings.Join(known, ", "))
	}
	if rule.only != "" && rule.only != sc.IdP {
		return Step{}, fmt.Errorf("%s is an %s step: %s", kind, rule.only.Short(), rule.why)
	}
	st := Step{Do: kind, Title: sf.Title, Set: sf.Set, To: sf.To, Manager: sf.Manager, Role: sf.Role}
	var err error
	if st.Users, err = merge("user", sf.User, sf.Users); err != nil {
		return st, err
	}
	if st.Groups, err = merge("group", sf.Group, sf.Groups); err != nil {
		return st, err
	}
	switch {
	case rule.users && st.Users.Empty():
		return st, fmt.Errorf("%s needs users: a ref, a list of refs, or all", kind)
	case !rule.users && !st.Users.Empty():
		return st, fmt.Errorf("%s takes no users", kind)
	case rule.groups && st.Groups.Empty():
		return st, fmt.Errorf("%s needs groups: a name, a list of names, or all", kind)
	case !rule.groups && !st.Groups.Empty():
		return st, fmt.Errorf("%s takes no groups", kind)
	case (kind == StepUpdateUser) != (st.Set != nil):
		return st, errors.New(`"set" belongs to update-user, which needs it`)
	case (kind == StepRenameGroup) != (st.To != ""):
		return st, errors.New(`"to" belongs to rename-group, which needs it`)
	case (kind == StepSetManager) != (st.Manager != ""):
		return st, errors.New(`"manager" belongs to set-manager, which needs it`)
	case (kind == StepAddRole) != (st.Role != ""):
		return st, errors.New(`"role" belongs to add-role, which needs it`)
	case kind == StepRenameGroup && (st.Groups.All || len(st.Groups.Names) != 1):
		return st, errors.New("rename-group renames one group")
	case st.Set != nil && (st.Set.Ref != "" || len(st.Set.Nulls) > 0):
		return st, errors.New(`"set" changes attributes; ref and nulls cannot change`)
	case st.Set != nil && st.Set.changes() == 0:
		return st, errors.New(`"set" changes nothing`)
	}
	for _, u := range st.Users.Names {
		if !users[u] {
			return st, fmt.Errorf("no user %q in the scenario's users", u)
		}
	}
	if st.Manager != "" && !users[st.Manager] {
		return st, fmt.Errorf("manager %q is not among the scenario's users", st.Manager)
	}
	for _, g := range st.Groups.Names {
		if !groups[g] {
			return st, fmt.Errorf("no group %q in the scenario's groups", g)
		}
	}
	return st, nil
}

func merge(what string, one, many Targets) (Targets, error) {
	if !one.Empty() && !many.Empty() {
		return Targets{}, fmt.Errorf("write %s or %ss, not both", what, what)
	}
	if one.Empty() {
		return many, nil
	}
	return one, nil
}
