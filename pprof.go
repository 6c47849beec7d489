//go:build pprof

package main

// Built only with -tags pprof, for profiling a local build under load (see
// docs/performance.md): SCIMLAB_PPROF=127.0.0.1:6060 serves net/http/pprof on that
// address, apart from the SCIM listener. The shipped binary has no such endpoint.

import (
	"log/slog"
	"net/http"
	_ "net/http/pprof" // registers /debug/pprof/ on http.DefaultServeMux
	"os"
)

func init() {
	addr := os.Getenv("SCIMLAB_PPROF")
	if addr == "" {
		return
	}
	go func() {
		if err := http.ListenAndServe(addr, nil); err != nil {
			slog.Error("pprof listener stopped", "addr", addr, "err", err)
		}
	}()
}
