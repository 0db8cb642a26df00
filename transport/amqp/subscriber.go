package amqp

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ThreeDotsLabs/watermill/message"
	amqp "github.com/rabbitmq/amqp091-go"
)

// Metadata keys set on every message a Subscriber delivers.
const (
	MetadataExchange    = "amqp-exchange"
	MetadataRoutingKey  = "amqp-routing-key"
	MetadataRedelivered = "amqp-redelivered"
	MetadataBroker      = "amqp-broker"
)

// Subscriber is a watermill message.Subscriber that consumes oslo.messaging
// notification queues from one or more RabbitMQ brokers.
//
// Unlike watermill-amqp's subscriber, which waits for each message's ack
// before taking the next, it hands up to Prefetch deliveries per queue to
// the router at once and coalesces their acks: a delivery is acked on
// RabbitMQ only after its message was acked, and contiguous acked
// deliveries are confirmed with one multiple-ack. A nacked message is
// requeued at once. Deliveries not yet acked when a connection is lost or
// the subscriber closes are redelivered by RabbitMQ.
//
// The topology is declared on every (re)connect: each priority's queue is
// bound to every exchange with routing key "<topic>.<priority>".
type Subscriber struct {
	cfg     Config
	brokers []Broker

	closing   chan struct{}
	closeOnce sync.Once
	wg        sync.WaitGroup

	connected atomic.Int32 // brokers currently connected
}

// NewSubscriber validates cfg (filling in defaults) and returns a
// Subscriber. It does not connect: Subscribe does, retrying with backoff.
func NewSubscriber(cfg Config) (*Subscriber, error) {
	cfg.setDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	s := &Subscriber{cfg: cfg, closing: make(chan struct{})}
	for _, raw := range cfg.Brokers {
		b, err := ParseTransportURL(raw)
		if err != nil {
			return nil, err
		}
		s.brokers = append(s.brokers, b)
	}
	return s, nil
}

// Brokers returns the configured brokers (names are redacted).
func (s *Subscriber) Brokers() []Broker { return s.brokers }

// Connected reports how many brokers are connected right now.
func (s *Subscriber) Connected() int { return int(s.connected.Load()) }

// Subscribe consumes the queues of the oslo notification topic (usually
// "notifications") for every configured priority on every broker, merged
// into one channel. The channel is closed after ctx is done or Close was
// called and every delivered message has been settled or abandoned.
func (s *Subscriber) Subscribe(ctx context.Context, topic string) (<-chan *message.Message, error) {
	select {
	case <-s.closing:
		return nil, ErrClosed
	default:
	}
	if topic == "" {
		return nil, fmt.Errorf("%w: empty topic", ErrInvalidConfig)
	}
	out := make(chan *message.Message)
	var brokersWG sync.WaitGroup
	for i := range s.brokers {
		brokersWG.Add(1)
		s.wg.Add(1)
		go func(b Broker) {
			defer s.wg.Done()
			defer brokersWG.Done()
			s.runBroker(ctx, b, topic, out)
		}(s.brokers[i])
	}
	go func() {
		brokersWG.Wait()
		close(out)
	}()
	return out, nil
}

// Close stops consuming, waits for delivered messages to be settled, flushes
// their acks and closes the connections. Messages still unsettled when
// their router gives up are requeued by RabbitMQ.
func (s *Subscriber) Close() error {
	s.closeOnce.Do(func() { close(s.closing) })
	s.wg.Wait()
	return nil
}

// consumeQueue runs one consumer on its own channel until the channel or
// the subscriber closes, then waits for its in-flight messages.
func (s *Subscriber) consumeQueue(ctx context.Context, ch *amqp.Channel, b Broker, queue string, out chan<- *message.Message) error {
	if err := ch.Qos(s.cfg.Prefetch, 0, false); err != nil {
		return fmt.Errorf("set prefetch on %s: %w", queue, err)
	}
	deliveries, err := ch.Consume(queue, "", false, false, false, false, nil)
	if err != nil {
		return fmt.Errorf("consume %s: %w", queue, err)
	}
	ack := newAcker(ch, s.cfg.Prefetch, s.cfg.AckBatch)
	go ack.run()
	defer ack.stop()

	idPrefix := queue + "-" + strconv.FormatInt(int64(nextChannelID.Add(1)), 10) + "-"
	for {
		var d amqp.Delivery
		var ok bool
		select {
		case d, ok = <-deliveries:
			if !ok {
				// The broker cancelled the consumer (queue deleted, HA
				// failover) or the channel died: start over with a new
				// connection, which re-declares the topology.
				ack.waitIdle(s.closing, ctx.Done())
				if s.stopped(ctx) {
					return nil
				}
				return fmt.Errorf("consumer of %s was cancelled by the broker", queue)
			}
		case <-s.closing:
			return s.drain(ctx, ch, ack)
		case <-ctx.Done():
			return s.drain(ctx, ch, ack)
		}
		msg := message.NewMessage(idPrefix+strconv.FormatUint(d.DeliveryTag, 10), d.Body)
		msg.Metadata = make(message.Metadata, len(d.Headers)+4)
		for k, v := range d.Headers {
			if str, isStr := v.(string); isStr {
				msg.Metadata[k] = str
			} else {
				msg.Metadata[k] = fmt.Sprint(v)
			}
		}
		msg.Metadata[MetadataExchange] = d.Exchange
		msg.Metadata[MetadataRoutingKey] = d.RoutingKey
		msg.Metadata[MetadataBroker] = b.Name
		if d.Redelivered {
			msg.Metadata[MetadataRedelivered] = "true"
		}
		msgCtx, cancel := context.WithCancel(ctx)
		msg.SetContext(msgCtx)
		ack.begin()
		select {
		case out <- msg:
		case <-s.closing:
			cancel()
			ack.abandon()
			return s.drain(ctx, ch, ack)
		case <-ctx.Done():
			cancel()
			ack.abandon()
			return s.drain(ctx, ch, ack)
		}
		tag := d.DeliveryTag
		go func() {
			defer cancel()
			select {
			case <-msg.Acked():
				ack.settle(tag, true)
			case <-msg.Nacked():
				ack.settle(tag, false)
			case <-ack.dead:
				ack.abandon()
			}
		}()
	}
}

// drain cancels the consumer so that no more deliveries arrive, then waits
// until every delivered message has been settled (their handlers are still
// running) and flushes the acks.
//
// It gives up when ctx is done or after ShutdownTimeout: the unsettled
// deliveries are then requeued by RabbitMQ when the channel closes.
func (s *Subscriber) drain(ctx context.Context, ch *amqp.Channel, ack *acker) error {
	_ = ch.Cancel("", false) // the consumer tag is generated; closing the channel cancels it too
	timer := time.NewTimer(s.cfg.ShutdownTimeout)
	defer timer.Stop()
	timeout := make(chan struct{})
	go func() {
		select {
		case <-timer.C:
			close(timeout)
		case <-ctx.Done():
		}
	}()
	ack.waitIdle(ctx.Done(), timeout)
	return nil
}

var nextChannelID atomic.Int64
