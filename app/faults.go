package app

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/scimlab/scimlab/fault"
	"github.com/scimlab/scimlab/lab"
	"github.com/scimlab/scimlab/store"
)

// The fault rules in force are kept in the lab's settings (lab.FaultsSetting), so a
// restart keeps them and an exported lab carries them.

// commandLineFaults reads the rules of --faults FILE, then of each --fault, and reports
// whether the command line says anything about faults (a rule, a file, or --no-faults).
// A bad rule is refused with the flag, and for a file the line, that holds it.
func (o Options) commandLineFaults() (rules []fault.Rule, given bool, err error) {
	given = o.NoFaults || len(o.Faults) > 0 || o.FaultsFile != ""
	if o.NoFaults && (len(o.Faults) > 0 || o.FaultsFile != "") {
		return nil, given, errors.New("--no-faults starts without fault rules; it cannot be combined with --fault or --faults")
	}
	if o.FaultsFile != "" {
		data, err := os.ReadFile(o.FaultsFile)
		if err != nil {
			return nil, given, fmt.Errorf("--faults: %w", err)
		}
		fileRules, err := fault.ParseFile(o.FaultsFile, data)
		if err != nil {
			return nil, given, fmt.Errorf("--faults: %w", err)
		}
		rules = append(rules, fileRules...)
	}
	for _, s := range o.Faults {
		r, err := fault.Parse(s)
		if err != nil {
			return nil, given, fmt.Errorf("--fault: %w", err)
		}
		rules = append(rules, r)
	}
	return rules, given, nil
}

// loadFaults returns the rules a lab puts in force: with commandLine, those of the
// command line when it gives any (saved in db), else those db saved last. A lab
// switched to in the console plays its own.
func (a *App) loadFaults(ctx context.Context, db *store.DB, commandLine bool) (*fault.Set, error) {
	set := fault.NewSet(a.opts.FaultSeed)
	if commandLine {
		rules, given, err := a.opts.commandLineFaults()
		if err != nil {
			return nil, err
		}
		if given {
			states := make([]fault.State, len(rules))
			for i, r := range rules {
				states[i] = fault.State{Rule: r.String(), Enabled: true}
			}
			if err := set.Replace(states); err != nil {
				return nil, err
			}
			return set, saveFaults(ctx, db, set)
		}
	}
	saved, _, err := db.Setting(ctx, lab.FaultsSetting)
	if err != nil {
		return nil, fmt.Errorf("reading the saved fault rules: %w", err)
	}
	states, err := fault.DecodeStates(saved)
	if err == nil {
		err = set.Replace(states)
	}
	if err != nil {
		// Refusing to start over a rule this build cannot read would lock the admin
		// out of the console that removes it; the database keeps the text until the
		// rules are changed.
		a.logger.Warn("starting without fault rules: the saved ones are unreadable", "err", err)
	}
	return set, nil
}

// saveFaults saves the rules in force in the lab served; faultsMu is held.
func (a *App) saveFaults(ctx context.Context) error { return saveFaults(ctx, a.current().db, a.faults) }

func saveFaults(ctx context.Context, db *store.DB, set *fault.Set) error {
	data, err := fault.EncodeStates(set.States())
	if err != nil {
		return err
	}
	if err := db.SetSetting(ctx, lab.FaultsSetting, data); err != nil {
		return fmt.Errorf("saving the fault rules: %w", err)
	}
	return nil
}

// Faults lists the fault rules in force with their counters.
func (a *App) Faults() []fault.Entry { return a.faultSet().Entries() }

// FaultSeed is the seed of the fault rules' percent draws.
func (a *App) FaultSeed() uint64 { return a.faultSet().Seed() }

// faultSet is the lab served's fault rules; a switch of lab replaces them.
func (a *App) faultSet() *fault.Set {
	a.faultsMu.Lock()
	defer a.faultsMu.Unlock()
	return a.faults
}

// AddFault parses a rule, puts it in force and saves it. A rule that cannot be saved
// is taken out again, so what is in force is what a restart brings back.
func (a *App) AddFault(ctx context.Context, text string) (fault.Entry, error) {
	r, err := fault.Parse(text)
	if err != nil {
		return fault.Entry{}, err
	}
	a.faultsMu.Lock()
	defer a.faultsMu.Unlock()
	e := a.faults.Add(r)
	if err := a.saveFaults(ctx); err != nil {
		_ = a.faults.Remove(e.ID)
		return fault.Entry{}, err
	}
	return e, nil
}

// SetFaultEnabled switches a rule on or off and saves the change.
func (a *App) SetFaultEnabled(ctx context.Context, id int, on bool) error {
	return a.changeFaults(ctx, func() error { return a.faults.SetEnabled(id, on) })
}

// RemoveFault deletes a rule and saves the change.
func (a *App) RemoveFault(ctx context.Context, id int) error {
	return a.changeFaults(ctx, func() error { return a.faults.Remove(id) })
}

// ClearFaults deletes every rule and saves the change.
func (a *App) ClearFaults(ctx context.Context) error {
	return a.changeFaults(ctx, func() error { a.faults.Clear(); return nil })
}

// changeFaults applies change and saves; when saving fails it puts the rules back as
// they were (with fresh counters), so the rules in force stay those a restart would
// bring back.
func (a *App) changeFaults(ctx context.Context, change func() error) error {
	a.faultsMu.Lock()
	defer a.faultsMu.Unlock()
	before := a.faults.States()
	if err := change(); err != nil {
		return err
	}
	if err := a.saveFaults(ctx); err != nil {
		if rerr := a.faults.Replace(before); rerr != nil {
			a.logger.Error("restoring the fault rules after a failed save", "err", rerr)
		}
		return err
	}
	return nil
}

// FaultLines lists the rules in force for serve's banner, one per line.
func (a *App) FaultLines() []string {
	var out []string
	for _, e := range a.faultSet().Entries() {
		line := e.Rule.String()
		if !e.Enabled {
			line += "  (off)"
		}
		out = append(out, strings.TrimSpace(line))
	}
	return out
}
