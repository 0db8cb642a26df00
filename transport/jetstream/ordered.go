package jetstream

import (
	"context"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/ThreeDotsLabs/watermill"
	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// OrderedSubscriber replays a stream in order through JetStream ordered
// consumers: ephemeral, server-side unacknowledged, recreated by nats.go on
// gaps. A replay never touches durable consumers, so it can run beside the
// live pipeline, e.g. to rebuild a sink from a point in time.
//
// Every Subscribe starts its own replay at StartSeq or StartTime (or at the
// first retained message) and delivers one message at a time:
//
//   - msg.Ack() moves on to the next message. Nothing is recorded on the
//     server; a new Subscribe starts over.
//   - msg.Nack() hands the same message out again after NakDelay, keeping
//     order; MetadataNumDelivered counts these local attempts.
type OrderedSubscriber struct {
	cfg OrderedSubscriberConfig
	js  jetstream.JetStream

	subscriptionSet
}

var _ message.Subscriber = (*OrderedSubscriber)(nil)

// NewOrderedSubscriber returns an OrderedSubscriber on nc.
func NewOrderedSubscriber(nc *nats.Conn, cfg OrderedSubscriberConfig) (*OrderedSubscriber, error) {
	cfg.setDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if nc == nil {
		return nil, fmt.Errorf("%w: ordered subscriber needs a NATS connection", ErrInvalidOption)
	}
	js, err := jetstream.New(nc)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidOption, err)
	}
	return &OrderedSubscriber{cfg: cfg, js: js, subscriptionSet: subscriptionSet{subs: make(map[*subscription]struct{})}}, nil
}

// Subscribe starts a replay of topic. The channel is closed after ctx is
// canceled or Close is called.
func (s *OrderedSubscriber) Subscribe(ctx context.Context, topic string) (<-chan *message.Message, error) {
	if err := validateSubject(topic, true); err != nil {
		return nil, fmt.Errorf("%w: topic %q: %v", ErrInvalidOption, topic, err)
	}
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil, ErrSubscriberClosed
	}
	s.mu.Unlock()

	stream, err := streamFor(ctx, s.js, s.cfg.Stream, topic)
	if err != nil {
		return nil, err
	}
	filters := s.cfg.FilterSubjects
	if len(filters) == 0 {
		filters = []string{topic}
	}

	// last is the stream sequence of the last message handed to the worker,
	// so a reopened replay resumes right after it instead of starting over.
	var last atomic.Uint64
	open := func(ctx context.Context) (jetstream.MessagesContext, error) {
		occ := jetstream.OrderedConsumerConfig{FilterSubjects: filters}
		switch seq := last.Load(); {
		case seq > 0:
			occ.DeliverPolicy = jetstream.DeliverByStartSequencePolicy
			occ.OptStartSeq = seq + 1
		case s.cfg.StartSeq > 0:
			occ.DeliverPolicy = jetstream.DeliverByStartSequencePolicy
			occ.OptStartSeq = s.cfg.StartSeq
		case !s.cfg.StartTime.IsZero():
			occ.DeliverPolicy = jetstream.DeliverByStartTimePolicy
			t := s.cfg.StartTime
			occ.OptStartTime = &t
		default:
			occ.DeliverPolicy = jetstream.DeliverAllPolicy
		}
		cons, err := s.js.OrderedConsumer(ctx, stream, occ)
		if err != nil {
			return nil, fmt.Errorf("jetstream: ordered consumer on stream %s: %w", stream, err)
		}
		return cons.Messages(
			jetstream.PullMaxMessages(s.cfg.PullMaxMessages),
			jetstream.PullExpiry(s.cfg.PullExpiry),
		)
	}
	iter, err := open(ctx)
	if err != nil {
		return nil, err
	}

	sub := &subscription{
		topic:        topic,
		concurrency:  1,
		closeTimeout: s.cfg.CloseTimeout,
		logger:       s.cfg.Logger.With(watermill.LogFields{"topic": topic, "stream": stream, "replay": true}),
		stats:        &s.stats,
		open:         open,
		ack:          func(jetstream.Msg) {},
		handoff: func(jm jetstream.Msg) {
			if meta, err := jm.Metadata(); err == nil {
				last.Store(meta.Sequence.Stream)
			}
		},
		nack: func(_ jetstream.Msg, attempt uint64) time.Duration {
			return s.cfg.NakDelay(attempt)
		},
		release: func(jetstream.Msg) {},
	}
	sub.init()

	if err := s.track(sub); err != nil {
		iter.Stop()
		return nil, err
	}
	sub.start(ctx, iter)
	return sub.out, nil
}

// Close stops all replays, waiting up to CloseTimeout for the in-flight
// message of each to be acked or nacked. Close is idempotent and does not
// close the NATS connection.
func (s *OrderedSubscriber) Close() error {
	return s.closeSubscriptions()
}
