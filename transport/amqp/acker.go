package amqp

import (
	"sync"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"
)

// acker settles the deliveries of one channel. Delivery tags on a channel
// with one consumer are consecutive from 1, so the lowest unsettled tag is
// enough to know which prefix may be confirmed with a multiple-ack.
type acker struct {
	ch     *amqp.Channel
	events chan settlement
	batch  int
	dead   chan struct{} // closed when the acker stops; waiting messages give up

	mu       sync.Mutex
	inflight int
	idle     *sync.Cond

	next     uint64          // lowest unsettled tag
	settled  map[uint64]bool // settled tags above next; true = acked
	lastAck  uint64          // highest acked tag of the settled prefix
	flushed  uint64          // highest tag confirmed on the channel
	stopOnce sync.Once
	stopped  bool
	exited   chan struct{}
}

type settlement struct {
	tag uint64
	ok  bool
}

func newAcker(ch *amqp.Channel, prefetch, batch int) *acker {
	a := &acker{
		ch:      ch,
		events:  make(chan settlement, prefetch+1),
		batch:   batch,
		dead:    make(chan struct{}),
		exited:  make(chan struct{}),
		next:    1,
		settled: make(map[uint64]bool, prefetch),
	}
	a.idle = sync.NewCond(&a.mu)
	return a
}

// begin counts a message handed to the router.
func (a *acker) begin() {
	a.mu.Lock()
	a.inflight++
	a.mu.Unlock()
}

// abandon forgets a message that will never be settled here (RabbitMQ
// requeues it when the channel closes).
func (a *acker) abandon() { a.done() }

func (a *acker) done() {
	a.mu.Lock()
	a.inflight--
	if a.inflight == 0 {
		a.idle.Broadcast()
	}
	a.mu.Unlock()
}

// settle records the outcome of a delivery. A nack is sent at once
// (requeue); acks wait for the prefix to be contiguous.
func (a *acker) settle(tag uint64, ok bool) {
	if !ok {
		_ = a.ch.Nack(tag, false, true)
	}
	select {
	case a.events <- settlement{tag, ok}:
	case <-a.dead:
		a.done()
	}
}

func (a *acker) run() {
	defer close(a.exited)
	pending := 0
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	armed := false
	for {
		select {
		case ev := <-a.events:
			pending += a.record(ev)
			// Flush when the batch is full, else within ackDelay: acks are
			// costly for RabbitMQ, so they are coalesced under load while
			// a light flow is still confirmed promptly.
			if pending >= a.batch {
				a.flush()
				pending = 0
			} else if pending > 0 && !armed {
				timer.Reset(ackDelay)
				armed = true
			}
			a.done()
		case <-timer.C:
			armed = false
			a.flush()
			pending = 0
		case <-a.dead:
			for {
				select {
				case ev := <-a.events:
					a.record(ev)
				default:
					a.flush()
					// Acked deliveries behind an unsettled one cannot join
					// a multiple-ack: ack them one by one so that only the
					// unsettled ones come back.
					for tag, ok := range a.settled {
						if ok {
							_ = a.ch.Ack(tag, false)
						}
					}
					return
				}
			}
		}
	}
}

// ackDelay bounds how long an ack waits to be coalesced with others.
const ackDelay = 20 * time.Millisecond

func (a *acker) record(ev settlement) int {
	a.settled[ev.tag] = ev.ok
	acked := 0
	for {
		ok, found := a.settled[a.next]
		if !found {
			return acked
		}
		delete(a.settled, a.next)
		if ok {
			a.lastAck = a.next
			acked++
		}
		a.next++
	}
}

func (a *acker) flush() {
	if a.lastAck > a.flushed {
		_ = a.ch.Ack(a.lastAck, true)
		a.flushed = a.lastAck
	}
}

// waitIdle blocks until every message handed out has been settled (and its
// ack recorded) or one of the given channels closes.
func (a *acker) waitIdle(stop1, stop2 <-chan struct{}) {
	idle := make(chan struct{})
	go func() {
		a.mu.Lock()
		for a.inflight > 0 && !a.stopped {
			a.idle.Wait()
		}
		a.mu.Unlock()
		close(idle)
	}()
	select {
	case <-idle:
	case <-stop1:
	case <-stop2:
	}
}

// stop ends the acker after a final flush of what was recorded.
func (a *acker) stop() {
	a.stopOnce.Do(func() {
		close(a.dead)
		<-a.exited
		a.mu.Lock()
		a.stopped = true
		a.idle.Broadcast()
		a.mu.Unlock()
	})
}
