package app

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"

	"github.com/scimlab/scimlab/scimserver"
)

// StartThrowAway starts a scimlab of its own for "scimlab simulate" without a target:
// on a free loopback port, without a tunnel, in strict or tolerant mode, with its
// database in a new temporary directory and a token of its own. stop closes it and
// deletes the directory. Nothing else is written (not the user's database, labs or
// config file), and neither $SCIMLAB_TOKEN nor an ngrok token applies to it.
func StartThrowAway(ctx context.Context, strict bool) (a *App, stop func(), err error) {
	dir, err := os.MkdirTemp("", "scimlab-simulate-")
	if err != nil {
		return nil, nil, fmt.Errorf("creating the throw-away server's directory: %w", err)
	}
	noEnv := func(string) string { return "" }
	a, err = Start(ctx, Options{
		Listen: "127.0.0.1:0", DB: filepath.Join(dir, "scimlab.db"), NoTunnel: true, Strict: strict,
		MaxBody: scimserver.DefaultMaxBodyBytes, LogRetention: scimserver.DefaultLogRetention,
	}, noEnv, slog.New(slog.DiscardHandler))
	if err != nil {
		os.RemoveAll(dir)
		return nil, nil, fmt.Errorf("starting the throw-away server: %w", err)
	}
	return a, func() {
		a.Close()
		os.RemoveAll(dir)
	}, nil
}
