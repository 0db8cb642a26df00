package jetstream

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/ThreeDotsLabs/watermill"
	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// Subscriber consumes a topic through a durable JetStream pull consumer.
//
// Every Subscriber, in any process, that subscribes with the same Durable to
// the same topic shares one consumer, and JetStream splits the messages
// between them: each message goes to one of them at a time.
//
// Ack and Nack semantics of the delivered messages:
//
//   - msg.Ack() acks the message on JetStream; it is not delivered again
//     (with AckSync, once the server confirmed the ack).
//   - msg.Nack() naks it with the delay NakDelay returns for its delivery
//     count; JetStream then redelivers it, possibly to another subscriber.
//   - A message neither acked nor nacked within AckWait (or BackOff) is
//     redelivered by JetStream; delivery is at least once.
//
// Each message carries JetStream's position and delivery count in the
// Metadata* keys, and its context is canceled once it is acked or nacked.
type Subscriber struct {
	cfg SubscriberConfig
	js  jetstream.JetStream

	subscriptionSet
	filters map[string][]string // consumer stream/name -> filter subjects in use
}

var (
	_ message.Subscriber           = (*Subscriber)(nil)
	_ message.SubscribeInitializer = (*Subscriber)(nil)
)

// NewSubscriber returns a Subscriber on nc.
func NewSubscriber(nc *nats.Conn, cfg SubscriberConfig) (*Subscriber, error) {
	cfg.setDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if nc == nil {
		return nil, fmt.Errorf("%w: subscriber needs a NATS connection", ErrInvalidOption)
	}
	js, err := jetstream.New(nc)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidOption, err)
	}
	return &Subscriber{
		cfg:             cfg,
		js:              js,
		subscriptionSet: subscriptionSet{subs: make(map[*subscription]struct{})},
		filters:         make(map[string][]string),
	}, nil
}

// Subscribe creates or updates the durable consumer for topic and returns
// its messages. The channel is closed after ctx is canceled or Close is
// called, once in-flight messages are settled (see Close).
//
// One Subscriber may subscribe to the same topic several times (more
// parallelism), but not to a different topic with the same Durable, which
// would change the consumer's filter under the first subscription.
func (s *Subscriber) Subscribe(ctx context.Context, topic string) (<-chan *message.Message, error) {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil, ErrSubscriberClosed
	}
	s.mu.Unlock()

	cons, err := s.consumer(ctx, topic)
	if err != nil {
		return nil, err
	}
	iter := s.messages(cons)

	sub := &subscription{
		topic:        topic,
		concurrency:  s.cfg.Concurrency,
		closeTimeout: s.cfg.CloseTimeout,
		logger:       s.cfg.Logger.With(watermill.LogFields{"topic": topic, "durable": s.cfg.Durable}),
		stats:        &s.stats,
		open: func(ctx context.Context) (jetstream.MessagesContext, error) {
			cons, err := s.consumer(ctx, topic)
			if err != nil {
				return nil, err
			}
			return s.messages(cons), nil
		},
		ack:     s.ack,
		nack:    s.nack,
		release: func(jm jetstream.Msg) { _ = jm.Nak() },
	}
	sub.init()

	if err := s.track(sub); err != nil {
		iter.Stop()
		return nil, err
	}
	sub.start(ctx, iter)
	return sub.out, nil
}

// SubscribeInitialize creates or updates the durable consumer for topic
// without consuming, so that it exists before the first Subscribe.
func (s *Subscriber) SubscribeInitialize(topic string) error {
	_, err := s.consumer(context.Background(), topic)
	return err
}

// consumer creates or updates the durable consumer for topic.
func (s *Subscriber) consumer(ctx context.Context, topic string) (jetstream.Consumer, error) {
	if err := validateSubject(topic, true); err != nil {
		return nil, fmt.Errorf("%w: topic %q: %v", ErrInvalidOption, topic, err)
	}
	stream, err := streamFor(ctx, s.js, s.cfg.Stream, topic)
	if err != nil {
		return nil, err
	}
	filters := s.cfg.FilterSubjects
	if len(filters) == 0 {
		filters = []string{topic}
	}
	key := stream + "/" + s.cfg.Durable
	s.mu.Lock()
	if prev, ok := s.filters[key]; ok && !slices.Equal(prev, filters) {
		s.mu.Unlock()
		return nil, fmt.Errorf("%w: durable %s already consumes %v; use another Durable for %v", ErrInvalidOption, s.cfg.Durable, prev, filters)
	}
	s.filters[key] = filters
	s.mu.Unlock()

	cc := jetstream.ConsumerConfig{
		Durable:       s.cfg.Durable,
		DeliverPolicy: jetstream.DeliverAllPolicy,
		AckPolicy:     jetstream.AckExplicitPolicy,
		AckWait:       s.cfg.AckWait,
		MaxDeliver:    s.cfg.MaxDeliver,
		BackOff:       s.cfg.BackOff,
		MaxAckPending: s.cfg.MaxAckPending,
	}
	if len(filters) == 1 {
		cc.FilterSubject = filters[0]
	} else {
		cc.FilterSubjects = filters
	}
	cons, err := s.js.CreateOrUpdateConsumer(ctx, stream, cc)
	if err != nil {
		return nil, fmt.Errorf("jetstream: create or update consumer %s on stream %s: %w", s.cfg.Durable, stream, err)
	}
	return cons, nil
}

func (s *Subscriber) messages(cons jetstream.Consumer) jetstream.MessagesContext {
	return newFetchIter(cons, s.cfg.PullMaxMessages, s.cfg.PullExpiry, s.cfg.Concurrency == 1)
}

func (s *Subscriber) ack(jm jetstream.Msg) {
	var err error
	if s.cfg.AckSync {
		ctx, cancel := context.WithTimeout(context.Background(), s.cfg.AckWait)
		err = jm.DoubleAck(ctx)
		cancel()
	} else {
		err = jm.Ack()
	}
	if err != nil {
		s.cfg.Logger.Error("JetStream ack failed; the message will be redelivered", err,
			watermill.LogFields{"subject": jm.Subject()})
	}
}

func (s *Subscriber) nack(jm jetstream.Msg, _ uint64) time.Duration {
	delay := s.cfg.NakDelay(numDelivered(jm))
	var err error
	if delay > 0 {
		err = jm.NakWithDelay(delay)
	} else {
		err = jm.Nak()
	}
	if err != nil {
		s.cfg.Logger.Error("JetStream nak failed; the message is redelivered after AckWait", err,
			watermill.LogFields{"subject": jm.Subject()})
	}
	return -1
}

// SubscriberStats are cumulative counters since the subscriber was created.
type SubscriberStats struct {
	// Delivered counts messages handed to the output channels.
	Delivered uint64
	// Acked and Nacked count how those were settled.
	Acked, Nacked uint64
	// MissedHeartbeats counts pull requests the server stopped reporting
	// on (two idle heartbeats missed), each followed by a new pull.
	MissedHeartbeats uint64
}

// Close stops all subscriptions gracefully: it stops fetching, naks messages
// fetched but not yet handed out (so other subscribers get them at once),
// waits up to CloseTimeout for handed-out messages to be acked or nacked,
// then closes the output channels. Messages still unsettled then are
// redelivered by JetStream after AckWait. Close is idempotent and does not
// close the NATS connection.
func (s *Subscriber) Close() error {
	return s.closeSubscriptions()
}

func closeAll(subs []*subscription) error {
	errs := make([]error, len(subs))
	var wg sync.WaitGroup
	for i, sub := range subs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = sub.close()
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

// streamFor returns stream, or the stream capturing topic when it is empty.
func streamFor(ctx context.Context, js jetstream.JetStream, stream, topic string) (string, error) {
	if stream != "" {
		return stream, nil
	}
	name, err := js.StreamNameBySubject(ctx, topic)
	if err != nil {
		return "", fmt.Errorf("jetstream: no stream captures topic %q (set Stream or create one with EnsureStream): %w", topic, err)
	}
	return name, nil
}
