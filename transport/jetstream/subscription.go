package jetstream

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ThreeDotsLabs/watermill"
	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// subscription turns one JetStream message iterator into a watermill output
// channel. Subscriber and OrderedSubscriber differ only in the hooks.
type subscription struct {
	topic        string
	concurrency  int
	closeTimeout time.Duration
	logger       watermill.LoggerAdapter
	stats        *subscriberCounters

	// open creates a fresh iterator; called again after the iterator ends
	// for any reason but Close (consumer deleted, leadership lost, ...).
	open func(ctx context.Context) (jetstream.MessagesContext, error)
	// ack settles an Acked message.
	ack func(jm jetstream.Msg)
	// nack settles a Nacked message and returns how long to wait before
	// handing the same message out again; negative means do not (JetStream
	// redelivers it).
	nack func(jm jetstream.Msg, attempt uint64) time.Duration
	// release gives back a message that was fetched but never handed out.
	release func(jm jetstream.Msg)
	// handoff, if set, sees every message passed to a worker, in order.
	handoff func(jm jetstream.Msg)

	out     chan *message.Message
	closing chan struct{} // stop fetching, hand nothing new out
	force   chan struct{} // stop waiting for in-flight acks
	done    chan struct{} // out closed, all goroutines gone

	closeOnce, forceOnce sync.Once

	mu   sync.Mutex
	iter jetstream.MessagesContext

	// read's missed-heartbeat log state
	missed       int
	missedLogged time.Time
}

type subscriberCounters struct {
	delivered, acked, nacked, missedHeartbeats atomic.Uint64
}

func (s *subscription) init() {
	s.out = make(chan *message.Message)
	s.closing = make(chan struct{})
	s.force = make(chan struct{})
	s.done = make(chan struct{})
}

// start runs the subscription with iter, already opened by Subscribe so
// that setup errors reach the caller. Canceling ctx closes it.
func (s *subscription) start(ctx context.Context, iter jetstream.MessagesContext) {
	s.setIter(iter)
	go s.run(ctx, iter)
	go func() {
		select {
		case <-ctx.Done():
			_ = s.close()
		case <-s.done:
		}
	}()
}

func (s *subscription) run(ctx context.Context, iter jetstream.MessagesContext) {
	defer close(s.done)
	defer close(s.out)

	work := make(chan jetstream.Msg)
	var wg sync.WaitGroup
	for range s.concurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for jm := range work {
				s.handle(ctx, jm)
			}
		}()
	}
	s.read(ctx, iter, work)
	close(work)
	wg.Wait()
}

// read feeds work until Close, re-opening the iterator when it ends on its own.
func (s *subscription) read(ctx context.Context, iter jetstream.MessagesContext, work chan<- jetstream.Msg) {
	retry := 100 * time.Millisecond
	for {
		if iter == nil {
			var err error
			iter, err = s.open(ctx)
			if connClosed(err) {
				s.logger.Error("NATS connection closed, ending subscription", err, watermill.LogFields{"topic": s.topic})
				return
			}
			if err != nil {
				s.logger.Error("Cannot reopen JetStream consumer, retrying", err,
					watermill.LogFields{"topic": s.topic, "retry_in": retry.String()})
				select {
				case <-time.After(retry):
					retry = min(2*retry, 30*time.Second)
					continue
				case <-s.closing:
					return
				}
			}
			retry = 100 * time.Millisecond
			s.setIter(iter)
		}

		var end error
		for {
			jm, err := iter.Next()
			if errors.Is(err, jetstream.ErrMsgIteratorClosed) {
				end = err
				break
			}
			if errors.Is(err, jetstream.ErrNoHeartbeat) {
				s.missedHeartbeat()
				continue
			}
			if err != nil {
				s.logger.Debug("JetStream fetch error", watermill.LogFields{"topic": s.topic, "err": err.Error()})
				continue
			}
			select {
			case <-s.closing:
				s.release(jm)
				continue
			default:
			}
			select {
			case work <- jm:
				if s.handoff != nil {
					s.handoff(jm)
				}
			case <-s.closing:
				s.release(jm)
			}
		}

		select {
		case <-s.closing:
			return
		default:
		}
		if ctx.Err() != nil {
			return
		}
		if connClosed(end) {
			s.logger.Error("NATS connection closed, ending subscription", end, watermill.LogFields{"topic": s.topic})
			return
		}
		s.logger.Info("JetStream iterator ended, reopening", watermill.LogFields{"topic": s.topic})
		iter = nil
	}
}

// missedHeartbeat counts a pull request the server did not report on for
// two heartbeats; a new pull request is on its way. It is logged at most
// once per missedHeartbeatLogEvery, with the count since the last line.
func (s *subscription) missedHeartbeat() {
	s.stats.missedHeartbeats.Add(1)
	s.missed++
	if now := time.Now(); now.Sub(s.missedLogged) >= missedHeartbeatLogEvery {
		s.logger.Info("No heartbeat from JetStream for the pending pull request; pulled again", watermill.LogFields{
			"missed": s.missed,
		})
		s.missed, s.missedLogged = 0, now
	}
}

// missedHeartbeatLogEvery bounds the missed-heartbeat log lines of one
// subscription (an unreachable consumer misses one every PullExpiry/2).
const missedHeartbeatLogEvery = 30 * time.Second

// handle hands one message out and settles it once it is Acked or Nacked.
func (s *subscription) handle(ctx context.Context, jm jetstream.Msg) {
	for attempt := uint64(1); ; attempt++ {
		msgCtx, cancel := context.WithCancel(ctx)
		wm := fromJetStream(msgCtx, jm)
		if attempt > 1 {
			wm.Metadata[MetadataNumDelivered] = strconv.FormatUint(attempt, 10)
		}
		select {
		case s.out <- wm:
			s.stats.delivered.Add(1)
		case <-s.closing:
			cancel()
			s.release(jm)
			return
		}

		select {
		case <-wm.Acked():
			cancel()
			s.stats.acked.Add(1)
			s.ack(jm)
			return
		case <-wm.Nacked():
			cancel()
			s.stats.nacked.Add(1)
			again := s.nack(jm, attempt)
			if again < 0 {
				return
			}
			select {
			case <-time.After(again):
			case <-s.closing:
				return
			}
		case <-s.force:
			// Neither acked nor nacked in time: JetStream redelivers it
			// after AckWait.
			cancel()
			return
		}
	}
}

func (s *subscription) setIter(iter jetstream.MessagesContext) {
	s.mu.Lock()
	s.iter = iter
	s.mu.Unlock()
	select {
	case <-s.closing:
		iter.Drain()
	default:
	}
}

// close stops fetching, gives back buffered messages, waits up to
// closeTimeout for in-flight messages to be settled and then abandons them.
func (s *subscription) close() error {
	s.closeOnce.Do(func() {
		close(s.closing)
		s.mu.Lock()
		iter := s.iter
		s.mu.Unlock()
		if iter != nil {
			iter.Drain()
		}
	})
	timer := time.NewTimer(s.closeTimeout)
	defer timer.Stop()
	select {
	case <-s.done:
		return nil
	case <-timer.C:
	}
	s.forceOnce.Do(func() { close(s.force) })
	<-s.done
	return fmt.Errorf("jetstream: subscription to %q closed with messages neither acked nor nacked after %s; JetStream redelivers them",
		s.topic, s.closeTimeout)
}

func connClosed(err error) bool {
	return errors.Is(err, jetstream.ErrConnectionClosed) || errors.Is(err, nats.ErrConnectionClosed)
}

// subscriptionSet is what Subscriber and OrderedSubscriber share: their
// live subscriptions, whether they are closed, and their counters.
type subscriptionSet struct {
	mu     sync.Mutex
	closed bool
	subs   map[*subscription]struct{}
	stats  subscriberCounters
}

// Stats returns the subscriber's counters, e.g. for metrics.
func (s *subscriptionSet) Stats() SubscriberStats {
	return SubscriberStats{
		Delivered: s.stats.delivered.Load(),
		Acked:     s.stats.acked.Load(),
		Nacked:    s.stats.nacked.Load(),

		MissedHeartbeats: s.stats.missedHeartbeats.Load(),
	}
}

// track adds sub to the set until its done channel closes; it fails with
// ErrSubscriberClosed once the set is closed.
func (s *subscriptionSet) track(sub *subscription) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return ErrSubscriberClosed
	}
	s.subs[sub] = struct{}{}
	go func() {
		<-sub.done
		s.mu.Lock()
		delete(s.subs, sub)
		s.mu.Unlock()
	}()
	return nil
}

// closeSubscriptions marks the set closed and closes every subscription;
// it is idempotent.
func (s *subscriptionSet) closeSubscriptions() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	subs := make([]*subscription, 0, len(s.subs))
	for sub := range s.subs {
		subs = append(subs, sub)
	}
	s.mu.Unlock()
	return closeAll(subs)
}
