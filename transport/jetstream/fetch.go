package jetstream

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// fetchIter is the message iterator of a durable Subscriber: pull requests
// (Fetch) for exactly the room left in a buffer of PullMaxMessages.
//
// nats.go's own iterator (Consumer.Messages) keeps one long-lived inbox
// whose channel holds exactly PullMaxMessages, status messages included,
// and counts what it asked for rather than what it holds. Three ways it
// drops or stalls were seen: after a reconnect it forgets what its buffer
// still holds and asks for a full batch again; idle heartbeats left in
// the buffer while every worker is busy take the room of the messages that
// follow; a lost pull request is noticed only after two heartbeats of
// PullExpiry/2. Dropped messages come back only after AckWait.
//
// Here each Fetch has its own inbox and buffer, and reserves its batch in
// ours: a message always has room, whatever the server sends, and a fetch
// that ends (complete, expired, heartbeat missed, reconnect) gives back
// what it did not receive. Two fetches may be in flight, so that the next
// one is on its way while the first is still arriving, unless messages are
// handled one at a time (serial): the server spreads messages over a
// consumer's waiting requests in turn, so two requests receive them out of
// order, which only a single worker would notice.
type fetchIter struct {
	cons      jetstream.Consumer
	capacity  int // PullMaxMessages
	threshold int // free room that warrants a new fetch
	serial    bool
	expiry    time.Duration
	heartbeat time.Duration

	ctx    context.Context // canceled by Stop, Drain and a terminal error
	cancel context.CancelFunc

	buf  chan jetstream.Msg
	errs chan error    // non-terminal errors, for Next to report
	wake chan struct{} // room was freed
	done chan struct{} // no fetch runs or will run; buf gets nothing more

	reserved atomic.Int64 // asked for by fetches in flight, not yet received
	stopped  atomic.Bool  // Stop: buffered messages are discarded
	fetches  sync.WaitGroup

	mu  sync.Mutex
	end error // why the iterator ended by itself (terminal error)
}

var _ jetstream.MessagesContext = (*fetchIter)(nil)

func newFetchIter(cons jetstream.Consumer, capacity int, expiry time.Duration, serial bool) *fetchIter {
	ctx, cancel := context.WithCancel(context.Background())
	it := &fetchIter{
		cons:      cons,
		capacity:  capacity,
		threshold: (capacity + 1) / 2,
		serial:    serial,
		expiry:    expiry,
		ctx:       ctx,
		cancel:    cancel,
		buf:       make(chan jetstream.Msg, capacity),
		errs:      make(chan error, 16),
		wake:      make(chan struct{}, 1),
		done:      make(chan struct{}),
	}
	// The server reports an idle request every heartbeat; two missed end
	// the fetch, which then pulls again. Short pulls go without.
	if expiry >= 2*time.Second {
		it.heartbeat = expiry / 4
	}
	go it.pump()
	return it
}

// pump issues a fetch whenever enough room is free, until canceled.
func (it *fetchIter) pump() {
	defer func() {
		it.fetches.Wait()
		close(it.done)
	}()
	retry := 50 * time.Millisecond
	for {
		reserved := int(it.reserved.Load())
		free := it.capacity - reserved - len(it.buf)
		// serial: nothing reserved means no fetch is in flight (one that
		// received all it asked for is over at the server)
		if free < it.threshold || it.serial && reserved > 0 {
			select {
			case <-it.wake:
				continue
			case <-it.ctx.Done():
				return
			}
		}
		if it.ctx.Err() != nil {
			return
		}
		it.reserved.Add(int64(free))
		fctx, fcancel := context.WithTimeout(it.ctx, it.expiry)
		opts := []jetstream.FetchOpt{jetstream.FetchContext(fctx)}
		if it.heartbeat > 0 {
			opts = append(opts, jetstream.FetchHeartbeat(it.heartbeat))
		}
		batch, err := it.cons.Fetch(free, opts...)
		if err != nil {
			fcancel()
			it.giveBack(free)
			if it.terminal(err) {
				return
			}
			select {
			case <-time.After(retry):
				retry = min(2*retry, 5*time.Second)
			case <-it.ctx.Done():
				return
			}
			continue
		}
		retry = 50 * time.Millisecond
		it.fetches.Add(1)
		go it.forward(batch, free, fcancel)
	}
}

// forward moves one fetch's messages into buf, where room was reserved,
// as they arrive. Fetches
// in flight together forward side by side: a fetch that received part of
// its batch stays open until its expiry, and the messages of the next one
// must not wait for that.
func (it *fetchIter) forward(batch jetstream.MessageBatch, n int, cancel context.CancelFunc) {
	defer it.fetches.Done()
	defer cancel()
	got := 0
	for m := range batch.Messages() {
		it.buf <- m // never blocks: reserved
		got++
		// now in buf: the free room is the same, but a serial pump waits
		// for nothing to be reserved
		if it.reserved.Add(-1) == 0 && it.serial {
			it.wakePump()
		}
	}
	it.giveBack(n - got)
	if err := batch.Error(); err != nil && it.ctx.Err() == nil &&
		!errors.Is(err, context.DeadlineExceeded) && !errors.Is(err, context.Canceled) {
		it.terminal(err)
	}
}

// giveBack releases n reserved slots and wakes the pump.
func (it *fetchIter) giveBack(n int) {
	if n == 0 {
		return
	}
	it.reserved.Add(int64(-n))
	it.wakePump()
}

// terminal ends the iterator on errors a new fetch cannot cure (the
// connection closed, the consumer gone) and reports the others to Next;
// it returns whether the iterator ended.
func (it *fetchIter) terminal(err error) bool {
	switch {
	case errors.Is(err, nats.ErrConnectionClosed), errors.Is(err, jetstream.ErrConnectionClosed),
		errors.Is(err, jetstream.ErrConsumerDeleted), errors.Is(err, jetstream.ErrConsumerNotFound),
		errors.Is(err, nats.ErrNoResponders),
		errors.Is(err, jetstream.ErrBadRequest):
		it.mu.Lock()
		if it.end == nil {
			it.end = err
		}
		it.mu.Unlock()
		it.cancel()
		return true
	}
	select {
	case it.errs <- err:
	default:
	}
	return false
}

// Next returns the next buffered message, waiting for one; a non-terminal
// fetch error (a missed heartbeat, ...) is returned as it happens. Once
// the iterator ended and buf is empty it returns ErrMsgIteratorClosed,
// joined with ErrConnectionClosed when that is why.
func (it *fetchIter) Next(...jetstream.NextOpt) (jetstream.Msg, error) {
	if it.stopped.Load() {
		return nil, jetstream.ErrMsgIteratorClosed
	}
	select {
	case m := <-it.buf:
		it.wakePump()
		return m, nil
	case err := <-it.errs:
		return nil, err
	case <-it.done:
	}
	// ended: what is still buffered comes first, unless stopped
	select {
	case m := <-it.buf:
		if !it.stopped.Load() {
			return m, nil
		}
	default:
	}
	it.mu.Lock()
	end := it.end
	it.mu.Unlock()
	if errors.Is(end, nats.ErrConnectionClosed) || errors.Is(end, jetstream.ErrConnectionClosed) {
		return nil, fmt.Errorf("%w: %w", jetstream.ErrMsgIteratorClosed, jetstream.ErrConnectionClosed)
	}
	return nil, jetstream.ErrMsgIteratorClosed
}

func (it *fetchIter) wakePump() {
	select {
	case it.wake <- struct{}{}:
	default:
	}
}

// Stop ends the iterator and discards what it buffered (JetStream
// redelivers it after AckWait).
func (it *fetchIter) Stop() {
	it.stopped.Store(true)
	it.cancel()
}

// Drain ends the iterator; Next still returns what it buffered.
func (it *fetchIter) Drain() { it.cancel() }
