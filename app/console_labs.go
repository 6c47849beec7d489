package app

import (
	"context"
	"time"

	"github.com/scimlab/scimlab/exchange"
	"github.com/scimlab/scimlab/lab"
	"github.com/scimlab/scimlab/replay"
	"github.com/scimlab/scimlab/store"
	"github.com/scimlab/scimlab/tui"
)

// The console's Deps stay valid across a switch of lab: every function reads the lab
// served at the time it is called. The read model follows through labReader.

// labReader passes each read to the console reader of the lab served now.
type labReader struct{ a *App }

func (r labReader) reader() *consoleReader {
	cur := r.a.current()
	return &consoleReader{db: cur.db, srv: cur.srv, localURL: r.a.localURL}
}

func (r labReader) Requests(ctx context.Context, beforeSeq int64, limit int) ([]exchange.Record, error) {
	return r.reader().Requests(ctx, beforeSeq, limit)
}

func (r labReader) Request(ctx context.Context, seq int64) (*exchange.Record, error) {
	return r.reader().Request(ctx, seq)
}

func (r labReader) Users(ctx context.Context, search string, limit int) ([]tui.ResourceRow, error) {
	return r.reader().Users(ctx, search, limit)
}

func (r labReader) Groups(ctx context.Context, search string, limit int) ([]tui.ResourceRow, error) {
	return r.reader().Groups(ctx, search, limit)
}

func (r labReader) Resource(ctx context.Context, kind, id string) (*tui.ResourceDetail, error) {
	return r.reader().Resource(ctx, kind, id)
}

// consoleLabs is tui.Labs over the running app.
type consoleLabs struct{ a *App }

func (c consoleLabs) Current() string     { return c.a.Lab() }
func (c consoleLabs) CurrentPath() string { return c.a.DBPath() }

func (c consoleLabs) List(ctx context.Context) ([]tui.LabInfo, error) {
	infos, err := c.a.ListLabs(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]tui.LabInfo, len(infos))
	for i, in := range infos {
		out[i] = tui.LabInfo{Name: in.Name, Path: in.Path, Profile: in.Profile, Users: in.Users, Groups: in.Groups,
			Requests: in.Requests, Bytes: in.Bytes, LastUsed: in.LastUsed, Served: in.Served, ServedBy: in.ServedBy, Error: in.Error}
	}
	return out, nil
}

func (c consoleLabs) Switch(ctx context.Context, name string, create bool) (tui.LabSwitched, error) {
	sw, err := c.a.SwitchLab(ctx, name, create)
	return tui.LabSwitched{Name: sw.Name, Created: sw.Created, TokenChanged: sw.TokenChanged}, err
}

func (c consoleLabs) Reset(ctx context.Context, name string) (bool, error) {
	return c.a.ResetLabNamed(ctx, name)
}

func (c consoleLabs) Delete(_ context.Context, name string) error { return c.a.DeleteLab(name) }

func (c consoleLabs) Export(ctx context.Context, name string, kind tui.ExportKind, path string, progress func(done, total int64)) (tui.ExportResult, error) {
	k := ExportHAR
	if kind == tui.ExportBundle {
		k = ExportBundle
	}
	res, err := c.a.ExportLab(ctx, name, k, path, store.RequestFilter{}, c.a.opts.Version, lab.Progress(progress))
	return tui.ExportResult{Path: res.Path, Requests: res.Requests, Users: res.Users, Groups: res.Groups,
		Memberships: res.Memberships, Bytes: res.Bytes}, err
}

func (c consoleLabs) ExportPath(name string, kind tui.ExportKind) string {
	k := ExportHAR
	if kind == tui.ExportBundle {
		k = ExportBundle
	}
	return DefaultExportPath(name, k, time.Now())
}

// resendCompared sends sent again (Resend) and compares the answer with recorded's.
func (a *App) resendCompared(ctx context.Context, recorded, sent *exchange.Record) (*tui.Answer, error) {
	ans, err := a.Resend(ctx, sent)
	if err != nil {
		return nil, err
	}
	return &tui.Answer{Status: ans.Status, Headers: ans.Headers, Body: ans.Body, Duration: ans.Duration,
		Differences: replay.Differences(recorded.Status, recorded.RespBody, ans.Status, ans.Body)}, nil
}
