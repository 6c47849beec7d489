package main

import (
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/scimlab/scimlab/idp"
	"github.com/scimlab/scimlab/scimserver"
	"github.com/scimlab/scimlab/store"
)

// walkthroughSetting is the settings key of a walkthrough's saved progress, so a
// rehearsal stopped half way resumes where it was.
func walkthroughSetting(p idp.IdP) string { return "walkthrough." + string(p) }

// annotator connects the server's recorder to the IdP classifier and feeds every
// annotated exchange to both walkthroughs. The server calls Annotate from one
// goroutine in request order; the console reads the walkthroughs concurrently.
type annotator struct {
	classifier *idp.Classifier
	db         *store.DB
	logger     *slog.Logger

	mu    sync.Mutex
	walks map[idp.IdP]*idp.Walkthrough
	dirty map[idp.IdP]bool
	// narration is the presenter view's sentence about the latest event per IdP.
	narration map[idp.IdP]string
	lastSave  time.Time
}

func newAnnotator(ctx context.Context, db *store.DB, logger *slog.Logger) *annotator {
	a := &annotator{
		classifier: idp.NewClassifier(),
		db:         db,
		logger:     logger,
		walks:      map[idp.IdP]*idp.Walkthrough{},
		dirty:      map[idp.IdP]bool{},
		narration:  map[idp.IdP]string{},
	}
	a.classifier.SetNames(storeNames{db: db})
	for _, p := range []idp.IdP{idp.Okta, idp.Entra} {
		w := idp.NewWalkthrough(p)
		if saved, ok, err := db.Setting(ctx, walkthroughSetting(p)); err == nil && ok && saved != "" {
			if err := json.Unmarshal([]byte(saved), w); err != nil {
				logger.Warn("starting the walkthrough afresh: its saved progress is unreadable", "idp", p, "err", err)
				w = idp.NewWalkthrough(p)
			}
		}
		a.walks[p] = w
	}
	return a
}

// Annotate classifies one exchange for the request log and ticks the walkthroughs.
func (a *annotator) Annotate(ex scimserver.Exchange) scimserver.Annotation {
	in := idp.Exchange{
		Time:              ex.Time,
		Method:            ex.Method,
		Path:              ex.Path,
		Query:             ex.Query,
		Header:            ex.ReqHeaders,
		ReqBody:           ex.ReqBody,
		Status:            ex.Status,
		RespBody:          ex.RespBody,
		Auth:              ex.Auth,
		Quirks:            ex.Quirks,
		ErrorDetail:       ex.ErrorDetail,
		PreviousTokenUsed: ex.Auth == scimserver.AuthBadToken && strings.Contains(ex.ErrorDetail, "previous token"),
	}
	ann := a.classifier.Annotate(in)
	out := scimserver.Annotation{
		IdP:     string(ann.IdP),
		Step:    string(ann.Step),
		Subject: ann.Subject,
		Summary: ann.Summary,
	}
	for _, h := range ann.Hints {
		out.Hints = append(out.Hints, h.String())
	}

	// The walkthroughs point back at the request that ticked a step, so they wait for
	// its sequence number in the log.
	out.Recorded = func(seq int64) {
		in.Seq = seq
		a.observe(in, ann)
	}
	return out
}

// observe feeds one logged exchange to both walkthroughs and the presenter's narration.
func (a *annotator) observe(in idp.Exchange, ann idp.Annotation) {
	a.mu.Lock()
	for p, w := range a.walks {
		if w.Observe(in, ann) {
			a.dirty[p] = true
		}
		if ann.IdP == p {
			if n := w.Narrate(in, ann); n != "" {
				a.narration[p] = n
			}
		}
	}
	// Saving costs a write transaction; under a flood once a second is plenty, and
	// close() saves whatever is left.
	saveNow := len(a.dirty) > 0 && time.Since(a.lastSave) > time.Second
	a.mu.Unlock()
	if saveNow {
		a.save(context.Background())
	}
}

// save writes the progress of every walkthrough that changed since the last save.
func (a *annotator) save(ctx context.Context) {
	a.mu.Lock()
	states := map[idp.IdP][]byte{}
	for p := range a.dirty {
		data, err := json.Marshal(a.walks[p])
		if err != nil {
			a.logger.Warn("saving walkthrough progress", "idp", p, "err", err)
			continue
		}
		states[p] = data
	}
	a.dirty = map[idp.IdP]bool{}
	a.lastSave = time.Now()
	a.mu.Unlock()
	for p, data := range states {
		if err := a.db.SetSetting(ctx, walkthroughSetting(p), string(data)); err != nil {
			a.logger.Warn("saving walkthrough progress", "idp", p, "err", err)
		}
	}
}

// Walkthrough returns the live checklist for p (idp.Okta or idp.Entra), or nil.
func (a *annotator) Walkthrough(p idp.IdP) *idp.Walkthrough {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.walks[p]
}

// Narration returns the presenter's sentence about the latest event from p.
func (a *annotator) Narration(p idp.IdP) string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.narration[p]
}

// ResetWalkthrough starts p's checklist again, for the next rehearsal.
func (a *annotator) ResetWalkthrough(p idp.IdP) {
	a.mu.Lock()
	if w := a.walks[p]; w != nil {
		w.Reset()
		a.dirty[p] = true
	}
	delete(a.narration, p)
	a.mu.Unlock()
	a.save(context.Background())
}

// Pending returns the time-based hints (no traffic for a long time, a user never
// pushed to a group, ...) as of now.
func (a *annotator) Pending(now time.Time) []idp.Hint { return a.classifier.Pending(now) }

// storeNames lets the classifier name users and groups it has not seen in traffic,
// e.g. the members of a group created before this run.
type storeNames struct{ db *store.DB }

func (n storeNames) UserName(id string) string {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	if r, err := n.db.GetUser(ctx, id); err == nil {
		return r.UserName
	}
	return ""
}

func (n storeNames) GroupName(id string) string {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	if r, err := n.db.GetGroup(ctx, id); err == nil {
		return r.DisplayName
	}
	return ""
}
