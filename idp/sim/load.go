package sim

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// stats collects latencies per kind of request.
type stats struct {
	mu    sync.Mutex
	order []string
	kinds map[string]*kindStats
}

type kindStats struct {
	durations []time.Duration
	errors    int
}

func newStats() *stats { return &stats{kinds: map[string]*kindStats{}} }

func (s *stats) record(kind string, d time.Duration, failed bool) {
	s.mu.Lock()
	k := s.kinds[kind]
	if k == nil {
		k = &kindStats{durations: make([]time.Duration, 0, 64)}
		s.kinds[kind] = k
		s.order = append(s.order, kind)
	}
	k.durations = append(k.durations, d)
	if failed {
		k.errors++
	}
	s.mu.Unlock()
}

func (s *stats) summary() (rows []KindLatency, requests, errors int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, kind := range s.order {
		k := s.kinds[kind]
		d := slices.Clone(k.durations)
		slices.Sort(d)
		rows = append(rows, KindLatency{
			Kind: kind, Count: len(d), Errors: k.errors,
			P50: percentile(d, 50), P90: percentile(d, 90), P99: percentile(d, 99), Max: d[len(d)-1],
		})
		requests += int64(len(d))
		errors += int64(k.errors)
	}
	return rows, requests, errors
}

// percentile is the nearest-rank percentile of sorted durations.
func percentile(sorted []time.Duration, p int) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	rank := (p*len(sorted) + 99) / 100
	return sorted[max(rank, 1)-1]
}

// pacer spaces requests to a rate shared by all workers.
type pacer struct {
	mu       sync.Mutex
	interval time.Duration
	next     time.Time
	sleep    func(context.Context, time.Duration) error
}

func newPacer(rate float64, sleep func(context.Context, time.Duration) error) *pacer {
	if rate <= 0 {
		return nil
	}
	return &pacer{interval: time.Duration(float64(time.Second) / rate), sleep: sleep}
}

func (p *pacer) wait(ctx context.Context) error {
	if p == nil {
		return nil
	}
	p.mu.Lock()
	now := time.Now()
	if p.next.Before(now) {
		p.next = now
	}
	slot := p.next
	p.next = p.next.Add(p.interval)
	p.mu.Unlock()
	if d := slot.Sub(now); d > 0 {
		return p.sleep(ctx, d)
	}
	return nil
}

// bar draws done of total as a 20-cell bar with the counts.
func bar(done, total int) string {
	const cells = 20
	full := done * cells / max(total, 1)
	return "[" + strings.Repeat("#", full) + strings.Repeat(".", cells-full) + "] " + fmt.Sprintf("%d/%d", done, total)
}

// Progress is an Observer that shows how far a run has got: on a terminal one line
// rewritten in place at most ten times a second, elsewhere a plain line every
// interval, so a CI log stays readable.
type Progress struct {
	w        io.Writer
	live     bool
	interval time.Duration
	start    time.Time

	mu     sync.Mutex
	last   time.Time
	step   *StepResult
	steps  int
	sent   atomic.Int64
	errors atomic.Int64
	drawn  bool
}

// NewProgress writes progress to w, in place when live (w is a terminal). steps is
// the number of steps in the scenario, for "step 3/14"; interval spaces the plain lines.
func NewProgress(w io.Writer, live bool, steps int, interval time.Duration) *Progress {
	if interval <= 0 {
		interval = 2 * time.Second
	}
	if live {
		interval = 100 * time.Millisecond
	}
	now := time.Now()
	return &Progress{w: w, live: live, interval: interval, steps: steps, start: now, last: now}
}

// StepStarted notes the step now running.
func (p *Progress) StepStarted(step *StepResult) {
	p.mu.Lock()
	p.step = step
	p.mu.Unlock()
}

// Sending does not pace; progress only watches.
func (p *Progress) Sending(context.Context, *Exchange) error { return nil }

// Answered counts the request and redraws when it is time.
func (p *Progress) Answered(ex *Exchange) {
	p.sent.Add(1)
	if ex.Failed() {
		p.errors.Add(1)
	}
	p.maybeDraw(false)
}

// StepFinished draws the step's final state.
func (p *Progress) StepFinished(*StepResult) {
	p.maybeDraw(true)
}

// Done ends the live line so the report starts on a line of its own.
func (p *Progress) Done() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.live && p.drawn {
		fmt.Fprint(p.w, "\r\033[K")
	}
}

func (p *Progress) maybeDraw(force bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	now := time.Now()
	if !force && now.Sub(p.last) < p.interval {
		return
	}
	p.last = now
	line := p.line(now)
	if p.live {
		fmt.Fprint(p.w, "\r\033[K"+line)
	} else {
		fmt.Fprintln(p.w, line)
	}
	p.drawn = true
}

func (p *Progress) line(now time.Time) string {
	elapsed := now.Sub(p.start)
	sent := p.sent.Load()
	rate := 0.0
	if elapsed > 0 {
		rate = float64(sent) / elapsed.Seconds()
	}
	title := ""
	if p.step != nil {
		title = fmt.Sprintf("step %d %s", p.step.Index, p.step.Title)
		if p.steps > 0 {
			title = fmt.Sprintf("step %d/%d %s", p.step.Index, p.steps, p.step.Title)
		}
		if p.step.Targets > 1 {
			title += " " + bar(p.step.done(), p.step.Targets)
		}
	}
	return fmt.Sprintf("%s · %d requests · %.0f req/s · %d errors · %s",
		title, sent, rate, p.errors.Load(), elapsed.Truncate(100*time.Millisecond))
}
