package tui

import (
	"context"
	"io"
	"os"
	"runtime"
	"slices"
	"sync"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
)

// BenchmarkEventBurst measures one frame's worth of a 1,000 requests/s flood
// (33 events) reaching a full window and being drawn at 200x50.
func BenchmarkEventBurst(b *testing.B) {
	td := newTestDeps(sampleEvents())
	m := New(td.deps())
	next, _ := m.Update(tea.WindowSizeMsg{Width: 200, Height: 50})
	m = next.(Model)
	m.active = tabRequests
	seq := int64(8)
	fill := make(eventsMsg, 0, windowCap)
	for ; seq < 8+windowCap; seq++ {
		fill = append(fill, newEvent(seq, "PATCH", "/scim/v2/Users/2819c223-7f76-453a-919d-413861904646", 200, "Entra updated alice@example.com"))
	}
	next, _ = m.Update(fill)
	m = next.(Model)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		burst := make(eventsMsg, 33)
		for j := range burst {
			burst[j] = newEvent(seq, "GET", "/scim/v2/Users", 200, "Okta looked up user bob@example.com: found")
			seq++
		}
		next, _ = m.Update(burst)
		m = next.(Model)
		_ = m.View()
	}
}

// BenchmarkServerLatency measures a SCIM request's latency with and without a
// console attached to the server (rendering to nowhere, at 200x50).
func BenchmarkServerLatency(b *testing.B) {
	for _, attached := range []bool{false, true} {
		name := "no-console"
		if attached {
			name = "console"
		}
		b.Run(name, func(b *testing.B) {
			ls := newLiveServer(b)
			if attached {
				stop := attachConsole(b, ls)
				defer stop()
			}
			lat := make([]time.Duration, 0, b.N)
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				start := time.Now()
				ls.do(b, "GET", "/Users?startIndex=1&count=2", ls.token, "")
				lat = append(lat, time.Since(start))
			}
			b.StopTimer()
			p50, p99, _ := percentiles(lat)
			b.ReportMetric(float64(p50.Microseconds()), "p50-µs")
			b.ReportMetric(float64(p99.Microseconds()), "p99-µs")
		})
	}
}

// attachConsole runs a real console program against ls, drawing into a
// discarded terminal, until stop is called.
func attachConsole(tb testing.TB, ls *liveServer) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	m := New(ls.deps())
	m.sh.ctx = ctx
	m.active = tabRequests
	p := tea.NewProgram(m, tea.WithContext(ctx), tea.WithInput(nil), tea.WithOutput(io.Discard),
		tea.WithWindowSize(200, 50), tea.WithoutSignalHandler())
	done := make(chan struct{})
	go func() {
		defer close(done)
		_, _ = p.Run()
	}()
	p.Send(tea.WindowSizeMsg{Width: 200, Height: 50})
	return func() {
		cancel()
		<-done
	}
}

func percentiles(lat []time.Duration) (p50, p99, worst time.Duration) {
	if len(lat) == 0 {
		return 0, 0, 0
	}
	s := slices.Clone(lat)
	slices.Sort(s)
	return s[len(s)/2], s[len(s)*99/100], s[len(s)-1]
}

// TestLoadWithConsole is the load check: 1,000 requests per second
// for SCIMLAB_LOAD (e.g. 30s), without and then with a console attached. It
// reports request latency and the console's memory and asserts nothing about
// time; run it by hand:
//
//	SCIMLAB_LOAD=30s go test ./tui -run TestLoadWithConsole -v
func TestLoadWithConsole(t *testing.T) {
	d, err := time.ParseDuration(os.Getenv("SCIMLAB_LOAD"))
	if err != nil {
		t.Skip("set SCIMLAB_LOAD=30s to run the load check")
	}
	// TestMain shortens the console's timers for the other tests; measure
	// with the real ones.
	saved := [3]time.Duration{refreshDelay, detailDelay, settleDelay}
	refreshDelay, detailDelay, settleDelay = 400*time.Millisecond, 150*time.Millisecond, 300*time.Millisecond
	defer func() { refreshDelay, detailDelay, settleDelay = saved[0], saved[1], saved[2] }()
	for _, attached := range []bool{false, true} {
		ls := newLiveServer(t)
		runtime.GC()
		var before runtime.MemStats
		runtime.ReadMemStats(&before)
		stop := func() {}
		if attached {
			stop = attachConsole(t, ls)
		}
		lat, sent := pace(t, ls, 1000, d)
		var after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&after)
		stop()
		p50, p99, worst := percentiles(lat)
		t.Logf("console=%v: %d requests in %s; latency p50 %s p99 %s max %s; heap %.1f MiB (%+.1f MiB); goroutines %d",
			attached, sent, d, p50, p99, worst, float64(after.HeapAlloc)/(1<<20),
			(float64(after.HeapAlloc)-float64(before.HeapAlloc))/(1<<20), runtime.NumGoroutine())
	}
}

// pace sends rps requests per second for d from a few workers and returns
// each request's latency.
func pace(t *testing.T, ls *liveServer, rps int, d time.Duration) ([]time.Duration, int) {
	const workers = 16
	jobs := make(chan struct{}, rps)
	var (
		mu  sync.Mutex
		lat []time.Duration
		wg  sync.WaitGroup
	)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range jobs {
				start := time.Now()
				ls.do(t, "GET", "/Users?startIndex=1&count=2", ls.token, "")
				el := time.Since(start)
				mu.Lock()
				lat = append(lat, el)
				mu.Unlock()
			}
		}()
	}
	tick := time.NewTicker(time.Second / time.Duration(rps))
	deadline := time.Now().Add(d)
	sent := 0
	for now := range tick.C {
		if now.After(deadline) {
			break
		}
		select {
		case jobs <- struct{}{}:
			sent++
		default: // the server is behind; the latency already shows it
		}
	}
	tick.Stop()
	close(jobs)
	wg.Wait()
	return lat, sent
}
