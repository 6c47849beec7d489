package app

import (
	"net/http"
	"sync"
	"time"
)

// front is the handler the listener and the tunnel serve. It hands each request to the
// handler of the lab served now, so switching labs swaps the SCIM server behind an
// unchanged address and public URL, and counts the requests each handler is still
// answering, so the old lab closes only once they are done.
type front struct {
	mu  sync.RWMutex
	cur *backend
}

// backend is one handler behind the front and its requests in flight.
type backend struct {
	h        http.Handler
	inflight sync.WaitGroup
}

// set makes h the handler for the requests that arrive from now on and returns the
// previous one (nil at first).
func (f *front) set(h http.Handler) *backend {
	f.mu.Lock()
	defer f.mu.Unlock()
	old := f.cur
	f.cur = &backend{h: h}
	return old
}

func (f *front) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.RLock()
	b := f.cur
	// Counted under the lock: once set has returned, no request joins the old one.
	b.inflight.Add(1)
	f.mu.RUnlock()
	defer b.inflight.Done()
	b.h.ServeHTTP(w, r)
}

// drain waits until the requests b was answering are done, or timeout passes; it
// reports whether they finished.
func (b *backend) drain(timeout time.Duration) bool {
	if b == nil {
		return true
	}
	done := make(chan struct{})
	go func() {
		b.inflight.Wait()
		close(done)
	}()
	select {
	case <-done:
		return true
	case <-time.After(timeout):
		return false
	}
}

// unavailable answers while the lab served is being reset: 503 with Retry-After, which
// Okta and Entra retry, and a SCIM error saying why.
var unavailable = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/scim+json")
	w.Header().Set("Retry-After", "2")
	w.WriteHeader(http.StatusServiceUnavailable)
	_, _ = w.Write([]byte(`{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"status":"503",` +
		`"detail":"scimlab is resetting this lab; retry in a moment"}` + "\n"))
})
