package jetstream

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ThreeDotsLabs/watermill"
	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// Publisher publishes watermill messages to JetStream. The topic is the NATS
// subject; a stream must capture it (see EnsureStream).
//
// Messages are sent asynchronously within a bounded window
// (PublisherConfig.MaxPending), so many can be in flight, but a message
// counts as published only once JetStream has acknowledged storing it:
//
//   - Publish returns after every message of the call is acknowledged, so a
//     caller may ack upstream as soon as it returns nil.
//   - PublishBatch does the same with a context and per-message errors.
//   - PublishAsync returns a PublishFuture, for callers that keep many
//     messages in flight and ack upstream as their PubAcks arrive.
//
// A message acknowledged as a duplicate (same Nats-Msg-Id within the stream's
// Duplicates window) was already stored: it counts as published, and is
// reported to PublisherConfig.OnDuplicate and Stats. No error is ever
// swallowed: a PubAck that does not come is ErrPublishTimeout, a refusal or
// a lost connection is ErrPublishNotAcked.
//
// The Publisher does not own the NATS connection; close it yourself after
// Close.
type Publisher struct {
	cfg PublisherConfig
	js  jetstream.JetStream

	window  chan struct{}
	pending sync.Map // *nats.Msg -> *PublishFuture

	mu       sync.RWMutex // guards closed against inflight.Add
	closed   bool
	closing  chan struct{}
	inflight sync.WaitGroup

	acked, duplicates, failed atomic.Uint64
}

var _ message.Publisher = (*Publisher)(nil)

// NewPublisher returns a Publisher on nc.
func NewPublisher(nc *nats.Conn, cfg PublisherConfig) (*Publisher, error) {
	cfg.setDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if nc == nil {
		return nil, fmt.Errorf("%w: publisher needs a NATS connection", ErrInvalidOption)
	}
	p := &Publisher{cfg: cfg, window: make(chan struct{}, cfg.MaxPending), closing: make(chan struct{})}
	js, err := jetstream.New(nc,
		jetstream.WithPublishAsyncMaxPending(cfg.MaxPending),
		jetstream.WithPublishAsyncTimeout(cfg.AckTimeout),
		jetstream.WithPublishAsyncAckHandler(p.onAck),
		jetstream.WithPublishAsyncErrHandler(p.onErr),
	)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidOption, err)
	}
	p.js = js
	return p, nil
}

// PublishFuture is the pending outcome of one asynchronous publish.
type PublishFuture struct {
	uuid, msgID, subject string
	done                 chan struct{}
	ack                  *jetstream.PubAck
	err                  error
}

// Done is closed once the outcome is known.
func (f *PublishFuture) Done() <-chan struct{} { return f.done }

// Result returns the PubAck or the error; call it after Done is closed.
// The error wraps ErrPublishTimeout or ErrPublishNotAcked.
func (f *PublishFuture) Result() (*jetstream.PubAck, error) {
	select {
	case <-f.done:
		return f.ack, f.err
	default:
		return nil, fmt.Errorf("%w: result read before Done", ErrPublishNotAcked)
	}
}

// Wait blocks until the outcome is known or ctx ends. If ctx ends first the
// error wraps ErrPublishTimeout and ctx's error; the publish itself goes on.
func (f *PublishFuture) Wait(ctx context.Context) (*jetstream.PubAck, error) {
	select {
	case <-f.done:
		return f.ack, f.err
	case <-ctx.Done():
		return nil, fmt.Errorf("%w: %w", ErrPublishTimeout, ctx.Err())
	}
}

// UUID is the watermill UUID of the message.
func (f *PublishFuture) UUID() string { return f.uuid }

// MsgID is the Nats-Msg-Id sent, "" if none.
func (f *PublishFuture) MsgID() string { return f.msgID }

// Publish publishes messages to topic and returns once JetStream has
// acknowledged every one of them. All messages are sent before any ack is
// awaited. On failure the error joins one *PublishError per failed message;
// the others were stored. Each wait is bounded by AckTimeout and by the
// message's own Context.
//
// Publish implements message.Publisher.
func (p *Publisher) Publish(topic string, messages ...*message.Message) error {
	errs := p.publishAll(topic, messages, func(m *message.Message) context.Context { return m.Context() })
	return errors.Join(errs...)
}

// PublishBatch publishes msgs to topic and waits for their PubAcks or for
// ctx. It returns one error per message, nil where the message was stored;
// the slice is nil when all were. Errors are *PublishError values.
func (p *Publisher) PublishBatch(ctx context.Context, topic string, msgs ...*message.Message) []error {
	errs := p.publishAll(topic, msgs, func(*message.Message) context.Context { return ctx })
	if len(errs) == 0 {
		return nil
	}
	out := make([]error, len(msgs))
	for _, err := range errs {
		var pe *PublishError
		if errors.As(err, &pe) {
			out[pe.Index] = err
		}
	}
	return out
}

func (p *Publisher) publishAll(topic string, msgs []*message.Message, ctxOf func(*message.Message) context.Context) []error {
	var errs []error
	futures := make([]*PublishFuture, len(msgs))
	for i, m := range msgs {
		f, err := p.PublishAsync(ctxOf(m), topic, m)
		if err != nil {
			errs = append(errs, &PublishError{Index: i, UUID: m.UUID, MsgID: p.cfg.MsgID(m), Err: err})
			continue
		}
		futures[i] = f
	}
	for i, f := range futures {
		if f == nil {
			continue
		}
		if _, err := f.Wait(ctxOf(msgs[i])); err != nil {
			errs = append(errs, &PublishError{Index: i, UUID: f.uuid, MsgID: f.msgID, Err: err})
		}
	}
	return errs
}

// PublishAsync sends msg to topic and returns without waiting for the
// PubAck. It blocks only while MaxPending publishes are outstanding; ctx
// bounds that wait (an ended ctx gives ErrPublishTimeout). The returned
// future resolves within AckTimeout. msg.Payload must not change until then.
//
// Errors returned directly (closed publisher, invalid topic or metadata,
// connection closed) mean nothing was sent.
func (p *Publisher) PublishAsync(ctx context.Context, topic string, msg *message.Message) (*PublishFuture, error) {
	if err := validateSubject(topic, false); err != nil {
		return nil, fmt.Errorf("%w: topic %q: %v", ErrPublishNotAcked, topic, err)
	}
	msgID := p.cfg.MsgID(msg)
	nm, err := toNATS(topic, msg, msgID)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrPublishNotAcked, err)
	}

	p.mu.RLock()
	if p.closed {
		p.mu.RUnlock()
		return nil, ErrPublisherClosed
	}
	p.inflight.Add(1)
	p.mu.RUnlock()

	select {
	case p.window <- struct{}{}:
	case <-ctx.Done():
		p.inflight.Done()
		return nil, fmt.Errorf("%w: waiting for a publish slot: %w", ErrPublishTimeout, ctx.Err())
	case <-p.closing:
		p.inflight.Done()
		return nil, ErrPublisherClosed
	}

	f := &PublishFuture{uuid: msg.UUID, msgID: msgID, subject: topic, done: make(chan struct{})}
	p.pending.Store(nm, f)
	if _, err := p.js.PublishMsgAsync(nm); err != nil {
		p.resolve(nm, nil, err)
		return nil, f.err
	}
	return f, nil
}

func (p *Publisher) onAck(_ jetstream.JetStream, nm *nats.Msg, ack *jetstream.PubAck) {
	p.resolve(nm, ack, nil)
}

func (p *Publisher) onErr(_ jetstream.JetStream, nm *nats.Msg, err error) {
	p.resolve(nm, nil, err)
}

// resolve settles the future of nm exactly once. It runs on nats.go's ack
// goroutine and must not block.
func (p *Publisher) resolve(nm *nats.Msg, ack *jetstream.PubAck, err error) {
	v, ok := p.pending.LoadAndDelete(nm)
	if !ok {
		return
	}
	f := v.(*PublishFuture)
	if err != nil {
		f.err = classifyPublishErr(err)
		p.failed.Add(1)
		p.cfg.Logger.Debug("JetStream publish failed", watermill.LogFields{
			"subject": f.subject, "uuid": f.uuid, "msg_id": f.msgID, "err": f.err.Error(),
		})
	} else {
		f.ack = ack
		p.acked.Add(1)
		if ack.Duplicate {
			p.duplicates.Add(1)
			if p.cfg.OnDuplicate != nil {
				p.cfg.OnDuplicate(f.subject, f.msgID)
			}
		}
	}
	// Free the slot before resolving, so a caller woken by Done sees it
	// free; count the publish out of Close's wait only after.
	<-p.window
	close(f.done)
	p.inflight.Done()
}

// PublisherStats are cumulative counters since NewPublisher.
type PublisherStats struct {
	// Acked counts messages JetStream acknowledged, duplicates included.
	Acked uint64
	// Duplicates counts acks flagged as duplicates (not stored again).
	Duplicates uint64
	// Failed counts publishes that ended in an error after being sent.
	Failed uint64
	// Pending is the number of publishes awaiting their PubAck now.
	Pending int
}

// Stats returns the publisher's counters, e.g. for metrics.
func (p *Publisher) Stats() PublisherStats {
	return PublisherStats{
		Acked:      p.acked.Load(),
		Duplicates: p.duplicates.Load(),
		Failed:     p.failed.Load(),
		Pending:    len(p.window),
	}
}

// Close stops accepting publishes and waits up to CloseTimeout for the
// outstanding PubAcks. Publishes still unresolved then fail with
// ErrPublishNotAcked, and Close returns an error wrapping ErrPublishTimeout.
// Close is idempotent; it does not close the NATS connection.
func (p *Publisher) Close() error {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return nil
	}
	p.closed = true
	close(p.closing)
	p.mu.Unlock()

	done := make(chan struct{})
	go func() {
		p.inflight.Wait()
		close(done)
	}()
	timer := time.NewTimer(p.cfg.CloseTimeout)
	defer timer.Stop()

	var err error
	select {
	case <-done:
	case <-timer.C:
		err = fmt.Errorf("%w: publisher closed with %d publishes unacknowledged after %s",
			ErrPublishTimeout, len(p.window), p.cfg.CloseTimeout)
	}
	// Fails whatever is left (through onErr) and drops the reply subscription.
	p.js.CleanupPublisher()
	<-done
	return err
}

// PublishEach publishes msgs[i] to subjects[i], all asynchronously, and
// returns once JetStream acknowledged every one, or with the errors of those
// it did not (one *PublishError per failed message, joined). It is how one
// input fans out to many subjects with a single round of waiting.
func (p *Publisher) PublishEach(ctx context.Context, subjects []string, msgs []*message.Message) error {
	if len(subjects) != len(msgs) {
		return fmt.Errorf("%w: %d subjects for %d messages", ErrInvalidOption, len(subjects), len(msgs))
	}
	var errs []error
	futures := make([]*PublishFuture, len(msgs))
	for i, m := range msgs {
		f, err := p.PublishAsync(ctx, subjects[i], m)
		if err != nil {
			errs = append(errs, &PublishError{Index: i, UUID: m.UUID, MsgID: p.cfg.MsgID(m), Err: err})
			continue
		}
		futures[i] = f
	}
	for i, f := range futures {
		if f == nil {
			continue
		}
		if _, err := f.Wait(ctx); err != nil {
			errs = append(errs, &PublishError{Index: i, UUID: f.uuid, MsgID: f.msgID, Err: err})
		}
	}
	return errors.Join(errs...)
}
