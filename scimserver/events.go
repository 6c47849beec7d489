package scimserver

import (
	"sync"
	"time"
)

// Event is published once per request after it is recorded. It is small: bodies stay in
// the store and are read by Seq when someone opens the request.
type Event struct {
	// Seq is the request's gap-free sequence number in the log; 0 if the log write failed.
	Seq          int64
	Time         time.Time
	Method       string
	Path         string
	Query        string
	Status       int
	Duration     time.Duration
	RemoteAddr   string
	ViaTunnel    bool
	Auth         string // AuthOK, AuthMissing, AuthScheme, AuthBadToken or AuthPublic
	UserAgent    string
	ResourceType string // "User", "Group" or empty
	ResourceID   string
	Quirks       []string
	ErrorDetail  string
	IdP          string
	Step         string
	Subject      string
	Summary      string
	Hints        []string
	// Dropped counts the events this subscriber missed just before this one because its
	// buffer was full.
	Dropped int
}

// broker fans events out without ever blocking the publisher: a subscriber whose buffer
// is full loses the event and is told how many it lost on the next one it gets.
type broker struct {
	mu     sync.Mutex
	subs   map[*subscriber]struct{}
	closed bool
}

type subscriber struct {
	ch      chan Event
	dropped int
}

func newBroker() *broker { return &broker{subs: make(map[*subscriber]struct{})} }

func (b *broker) subscribe(buffer int) (<-chan Event, func()) {
	if buffer < 1 {
		buffer = 1
	}
	sub := &subscriber{ch: make(chan Event, buffer)}
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		close(sub.ch)
		return sub.ch, func() {}
	}
	b.subs[sub] = struct{}{}
	b.mu.Unlock()
	var once sync.Once
	return sub.ch, func() {
		once.Do(func() {
			b.mu.Lock()
			defer b.mu.Unlock()
			if _, ok := b.subs[sub]; ok {
				delete(b.subs, sub)
				close(sub.ch)
			}
		})
	}
}

// publish delivers evs in order. Holding the lock while sending is safe because every
// send is non-blocking, and it keeps a cancel from closing a channel mid-send.
func (b *broker) publish(evs []Event) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for sub := range b.subs {
		for _, ev := range evs {
			ev.Dropped = sub.dropped
			select {
			case sub.ch <- ev:
				sub.dropped = 0
			default:
				sub.dropped++
			}
		}
	}
}

func (b *broker) close() {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return
	}
	b.closed = true
	for sub := range b.subs {
		close(sub.ch)
		delete(b.subs, sub)
	}
}
