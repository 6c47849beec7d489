package sim

// Plan is what a run of a Config would do, worked out without sending a request: its
// steps in order and the names it would provision. A console shows the steps ahead of
// a paced run; the names tell whether a server already holds what the run creates.
type Plan struct {
	Steps []PlannedStep
	// UserNames and GroupNames are every userName and group displayName the run would
	// send, the new names of renamed groups included.
	UserNames, GroupNames []string
}

// PlannedStep is one step of a Plan, titled as the report titles it.
type PlannedStep struct {
	Index int
	Do    StepKind
	Title string
}

// Plan checks c as Validate does and returns what a run would do.
func (c Config) Plan() (*Plan, error) {
	rc, err := c.resolve()
	if err != nil {
		return nil, err
	}
	r := newRun(rc, nil)
	p := &Plan{}
	for i, st := range rc.scenario.Steps {
		p.Steps = append(p.Steps, PlannedStep{Index: i + 1, Do: st.Do, Title: r.title(st)})
		if st.Do == StepRenameGroup {
			p.GroupNames = append(p.GroupNames, groupLabelled(st.To, rc.Label))
		}
	}
	for _, u := range r.users {
		p.UserNames = append(p.UserNames, u.UserName)
	}
	for _, g := range r.groups {
		p.GroupNames = append(p.GroupNames, g.name)
	}
	return p, nil
}
