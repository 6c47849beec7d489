package logview

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/scimlab/scimlab/store"
)

// appActionJSON is an app action as scripts read it.
type appActionJSON struct {
	Seq          int64  `json:"seq"`
	Time         string `json:"time"`
	Action       string `json:"action"`
	ResourceType string `json:"resourceType"`
	ResourceID   string `json:"resourceId"`
	Name         string `json:"name"`
	Detail       string `json:"detail"`
}

// printAppActions prints what the app's own admin did in the console — seeding,
// deactivations, deletions, resets, profile switches — which the request log does not
// hold, oldest first: the newest o.Limit (0: all) from o.Since on.
func printAppActions(ctx context.Context, db *store.DB, o Options, stdout, stderr io.Writer) error {
	all, err := db.AppActions(ctx, "", "", 0)
	if err != nil {
		return err
	}
	var acts []store.AppAction
	for _, a := range all {
		if o.Since.IsZero() || !a.Time.Before(o.Since) {
			acts = append(acts, a)
		}
	}
	if o.Limit > 0 && len(acts) > o.Limit {
		acts = acts[:o.Limit]
	}
	slices.Reverse(acts)
	if len(acts) == 0 && !o.JSON {
		fmt.Fprintln(stderr, "no app actions recorded in "+db.Path()+" (seeding, and the console's deactivate, delete and reset, record them)")
		return nil
	}
	for _, a := range acts {
		if o.JSON {
			b, err := json.Marshal(appActionJSON{Seq: a.Seq, Time: a.Time.UTC().Format("2006-01-02T15:04:05.000Z07:00"), Action: a.Action,
				ResourceType: a.ResourceType, ResourceID: a.ResourceID, Name: a.Name, Detail: a.Detail})
			if err != nil {
				return err
			}
			if _, err := fmt.Fprintln(stdout, string(b)); err != nil {
				return err
			}
			continue
		}
		parts := []string{fmt.Sprintf("#%-3d", a.Seq), a.Time.Local().Format("2006-01-02 15:04:05"), fmt.Sprintf("%-16s", a.Action)}
		what := strings.TrimSpace(a.ResourceType + " " + a.Name)
		if a.ResourceID != "" {
			what += " (" + a.ResourceID + ")"
		}
		if what != "" {
			parts = append(parts, what)
		}
		if a.Detail != "" {
			parts = append(parts, a.Detail)
		}
		if _, err := fmt.Fprintln(stdout, strings.Join(parts, "  ")); err != nil {
			return err
		}
	}
	return nil
}
