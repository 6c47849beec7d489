package scimserver

import (
	"sync"

	"github.com/scimlab/scimlab/exchange"
)

// broker fans events out without ever blocking the publisher: a subscriber whose buffer
// is full loses the event and is told how many it lost on the next one it gets.
type broker struct {
	mu     sync.Mutex
	subs   map[*subscriber]struct{}
	closed bool
}

type subscriber struct {
	ch      chan exchange.Event
	dropped int
}

func newBroker() *broker { return &broker{subs: make(map[*subscriber]struct{})} }

func (b *broker) subscribe(buffer int) (<-chan exchange.Event, func()) {
	if buffer < 1 {
		buffer = 1
	}
	sub := &subscriber{ch: make(chan exchange.Event, buffer)}
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
func (b *broker) publish(evs []exchange.Event) {
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
