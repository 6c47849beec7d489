package app

import (
	"context"
	"encoding/json"
	"log/slog"
	"sync"
	"time"

	"github.com/scimlab/scimlab/exchange"
	"github.com/scimlab/scimlab/idp"
	"github.com/scimlab/scimlab/lab"
	"github.com/scimlab/scimlab/store"
)

// walkthroughSetting is the settings key of a walkthrough's saved progress, so a
// rehearsal stopped half way resumes where it was.
func walkthroughSetting(p exchange.IdP) string { return lab.WalkthroughSetting(p) }

// annotator connects the server's recorder to the IdP classifier and feeds every
// annotated exchange to both walkthroughs. The server calls annotate from one goroutine
// in Seq order; the console reads the walkthroughs concurrently.
type annotator struct {
	classifier *idp.Classifier
	db         *store.DB
	logger     *slog.Logger

	mu       sync.Mutex
	walks    map[exchange.IdP]*idp.Walkthrough
	dirty    map[exchange.IdP]bool
	lastSave time.Time
	// later saves a change that no request followed within a second, so what another
	// process reads (an export of the running lab) lags by a second at most.
	later *time.Timer
	// saveMu makes saves one after the other, so the last one (at close) returns only
	// once every earlier one has written.
	saveMu sync.Mutex
}

func newAnnotator(ctx context.Context, db *store.DB, logger *slog.Logger) *annotator {
	a := &annotator{
		classifier: idp.NewClassifier(),
		db:         db,
		logger:     logger,
		walks:      map[exchange.IdP]*idp.Walkthrough{},
		dirty:      map[exchange.IdP]bool{},
	}
	a.classifier.SetNames(storeNames{db: db})
	for _, p := range []exchange.IdP{exchange.Okta, exchange.Entra} {
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

// annotate classifies one numbered exchange for the request log and ticks the
// walkthroughs, which point back at it by its Seq.
func (a *annotator) annotate(rec *exchange.Record) exchange.Annotation {
	rec.Annotation = a.classifier.Annotate(rec)
	a.mu.Lock()
	for p, w := range a.walks {
		if w.Observe(rec) {
			a.dirty[p] = true
		}
	}
	// Saving costs a write transaction; under a flood once a second is plenty, and
	// Close saves whatever is left.
	saveNow := len(a.dirty) > 0 && time.Since(a.lastSave) > time.Second
	if len(a.dirty) > 0 && !saveNow && a.later == nil {
		a.later = time.AfterFunc(time.Second, func() { a.save(context.Background()) })
	}
	a.mu.Unlock()
	if saveNow {
		a.save(context.Background())
	}
	return rec.Annotation
}

// save writes the progress of every walkthrough that changed since the last save.
func (a *annotator) save(ctx context.Context) {
	a.saveMu.Lock()
	defer a.saveMu.Unlock()
	a.mu.Lock()
	if a.later != nil {
		a.later.Stop()
		a.later = nil
	}
	states := map[exchange.IdP][]byte{}
	for p := range a.dirty {
		data, err := json.Marshal(a.walks[p])
		if err != nil {
			a.logger.Warn("saving walkthrough progress", "idp", p, "err", err)
			continue
		}
		states[p] = data
	}
	a.dirty = map[exchange.IdP]bool{}
	a.lastSave = time.Now()
	a.mu.Unlock()
	for p, data := range states {
		if err := a.db.SetSetting(ctx, walkthroughSetting(p), string(data)); err != nil {
			a.logger.Warn("saving walkthrough progress", "idp", p, "err", err)
		}
	}
}

// Walkthrough returns the live checklist for p (exchange.Okta or exchange.Entra), or nil.
func (a *App) Walkthrough(p exchange.IdP) *idp.Walkthrough {
	an := a.current().annotator
	an.mu.Lock()
	defer an.mu.Unlock()
	return an.walks[p]
}

// ResetWalkthrough starts p's checklist again, for the next rehearsal.
func (a *App) ResetWalkthrough(p exchange.IdP) {
	an := a.current().annotator
	an.mu.Lock()
	if w := an.walks[p]; w != nil {
		w.Reset()
		an.dirty[p] = true
	}
	an.mu.Unlock()
	an.save(context.Background())
}

// Pending returns the time-based hints (no traffic for a long time, a user never
// pushed to a group, ...) as of now.
func (a *App) Pending(now time.Time) []exchange.Hint {
	return a.current().annotator.classifier.Pending(now)
}

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
