package jetstream

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
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
//   - PublishEach does the same for messages to different subjects.
//   - PublishAsync returns a PublishFuture, for callers that keep many
//     messages in flight and ack upstream as their PubAcks arrive.
//
// A message acknowledged as a duplicate (same Nats-Msg-Id within the stream's
// Duplicates window) was already stored: it counts as published, and is
// reported to PublisherConfig.OnDuplicate and Stats. No error is ever
// swallowed: a PubAck that does not come is ErrPublishTimeout, a refusal or
// a lost connection is ErrPublishNotAcked.
//
// The Publisher speaks JetStream's publish protocol on the connection itself
// (one reply subscription, a pending table, one timer for all timeouts)
// rather than through nats.go's jetstream.PublishMsgAsync, which costs a
// timer, channels and an encoding/json decode per message: at meterflow's
// rates (three stored messages per notification) that was a fifth of the
// whole path's client-side CPU. The Publisher does not own the NATS
// connection; close it yourself after Close.
type Publisher struct {
	cfg PublisherConfig
	nc  *nats.Conn

	window chan struct{}

	mu       sync.Mutex // guards pending, next, closed and inflight.Add
	pending  map[uint64]*PublishFuture
	next     uint64
	closed   bool
	closing  chan struct{}
	inflight sync.WaitGroup

	prefix   string // reply subjects are prefix + token
	replySub *nats.Subscription
	status   chan nats.Status
	stopped  chan struct{} // the sweeper and status goroutines are gone

	acked, duplicates, failed atomic.Uint64
}

var _ message.Publisher = (*Publisher)(nil)

// Publishes answered by "no responders" (no stream yet, or a stream leader
// moving) are sent again this many times, this far apart, as nats.go does.
const (
	noResponderRetries = 2
	noResponderWait    = 250 * time.Millisecond
)

// NewPublisher returns a Publisher on nc.
func NewPublisher(nc *nats.Conn, cfg PublisherConfig) (*Publisher, error) {
	cfg.setDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if nc == nil {
		return nil, fmt.Errorf("%w: publisher needs a NATS connection", ErrInvalidOption)
	}
	p := &Publisher{cfg: cfg, nc: nc, window: make(chan struct{}, cfg.MaxPending),
		pending: make(map[uint64]*PublishFuture, cfg.MaxPending),
		closing: make(chan struct{}), stopped: make(chan struct{})}
	p.prefix = nc.NewRespInbox() + "."
	sub, err := nc.Subscribe(p.prefix+"*", p.onReply)
	if err != nil {
		return nil, fmt.Errorf("jetstream: publisher reply subscription: %w", err)
	}
	// PubAcks must never be dropped as a slow consumer: the window bounds them.
	_ = sub.SetPendingLimits(-1, -1)
	p.replySub = sub
	p.status = nc.StatusChanged(nats.RECONNECTING, nats.CLOSED)
	go p.watch()
	return p, nil
}

// PublishFuture is the pending outcome of one asynchronous publish.
type PublishFuture struct {
	uuid, msgID, subject string
	done                 chan struct{} // nil for members of a batch
	batch                *publishBatch
	index                int // in the batch
	msg                  *natsMsg
	token                uint64
	deadline             int64 // unix nanoseconds
	retries              int
	ack                  *jetstream.PubAck
	err                  error
}

// publishBatch is what Publish, PublishBatch and PublishEach wait on: one
// channel for all their messages instead of one per message.
type publishBatch struct {
	remaining atomic.Int64
	done      chan struct{}
	mu        sync.Mutex
	errs      []error // *PublishError values of the failed messages
}

func newBatch(n int) *publishBatch {
	b := &publishBatch{done: make(chan struct{})}
	b.remaining.Store(int64(n))
	if n == 0 {
		close(b.done)
	}
	return b
}

func (b *publishBatch) fail(err *PublishError) {
	b.mu.Lock()
	b.errs = append(b.errs, err)
	b.mu.Unlock()
}

// settle counts one message of the batch out.
func (b *publishBatch) settle() {
	if b.remaining.Add(-1) == 0 {
		close(b.done)
	}
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
	return errors.Join(p.publishAll(nil, topic, messages, nil)...)
}

// PublishBatch publishes msgs to topic and waits for their PubAcks or for
// ctx. It returns one error per message, nil where the message was stored;
// the slice is nil when all were. Errors are *PublishError values.
func (p *Publisher) PublishBatch(ctx context.Context, topic string, msgs ...*message.Message) []error {
	errs := p.publishAll(nil, topic, msgs, ctx)
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

// PublishEach publishes msgs[i] to subjects[i], all asynchronously, and
// returns once JetStream acknowledged every one, or with the errors of those
// it did not (one *PublishError per failed message, joined). It is how one
// input fans out to many subjects with a single round of waiting.
func (p *Publisher) PublishEach(ctx context.Context, subjects []string, msgs []*message.Message) error {
	if len(subjects) != len(msgs) {
		return fmt.Errorf("%w: %d subjects for %d messages", ErrInvalidOption, len(subjects), len(msgs))
	}
	return errors.Join(p.publishAll(subjects, "", msgs, ctx)...)
}

// publishAll sends msgs[i] to subjects[i] (to topic when subjects is nil)
// and waits for all of them: for ctx, or when ctx is nil for each
// message's own context in turn, as if awaiting them one by one. It
// returns one *PublishError per failed message, in no particular order.
func (p *Publisher) publishAll(subjects []string, topic string, msgs []*message.Message, ctx context.Context) []error {
	b := newBatch(len(msgs))
	for i, m := range msgs {
		subject := topic
		if subjects != nil {
			subject = subjects[i]
		}
		wctx := ctx
		if wctx == nil {
			wctx = m.Context()
		}
		if _, err := p.send(wctx, subject, m, b, i); err != nil {
			b.fail(&PublishError{Index: i, UUID: m.UUID, MsgID: p.cfg.MsgID(m), Err: err})
			b.settle()
		}
	}
	// Messages whose wait ended with their context while still unsettled:
	// their publishes go on, the caller hears ErrPublishTimeout.
	var gaveUp map[int]error
	giveUp := func(err error, which func(int) bool) {
		p.mu.Lock()
		defer p.mu.Unlock()
		for _, f := range p.pending {
			if f.batch == b && which(f.index) {
				if gaveUp == nil {
					gaveUp = map[int]error{}
				}
				gaveUp[f.index] = fmt.Errorf("%w: %w", ErrPublishTimeout, err)
			}
		}
	}
	if ctx != nil {
		select {
		case <-b.done:
		case <-ctx.Done():
			giveUp(ctx.Err(), func(int) bool { return true })
		}
	} else {
	wait:
		for i, m := range msgs {
			select {
			case <-b.done:
				break wait
			case <-m.Context().Done():
				giveUp(m.Context().Err(), func(j int) bool { return j == i })
			}
		}
	}
	b.mu.Lock()
	errs := make([]error, 0, len(b.errs)+len(gaveUp))
	for _, err := range b.errs {
		if pe := err.(*PublishError); gaveUp[pe.Index] == nil {
			errs = append(errs, err)
		}
	}
	b.mu.Unlock()
	for i, err := range gaveUp {
		errs = append(errs, &PublishError{Index: i, UUID: msgs[i].UUID, MsgID: p.cfg.MsgID(msgs[i]), Err: err})
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
	return p.send(ctx, topic, msg, nil, 0)
}

// send publishes msg as a member of batch b (index i), or on its own with
// a future of its own when b is nil.
func (p *Publisher) send(ctx context.Context, topic string, msg *message.Message, b *publishBatch, i int) (*PublishFuture, error) {
	if err := validateSubject(topic, false); err != nil {
		return nil, fmt.Errorf("%w: topic %q: %v", ErrPublishNotAcked, topic, err)
	}
	msgID := p.cfg.MsgID(msg)
	nm := natsMsgs.Get().(*natsMsg)
	if err := nm.fill(topic, msg, msgID); err != nil {
		nm.recycle()
		return nil, fmt.Errorf("%w: %w", ErrPublishNotAcked, err)
	}

	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return nil, ErrPublisherClosed
	}
	p.inflight.Add(1)
	p.mu.Unlock()

	select {
	case p.window <- struct{}{}:
	default:
		select {
		case p.window <- struct{}{}:
		case <-ctx.Done():
			p.inflight.Done()
			return nil, fmt.Errorf("%w: waiting for a publish slot: %w", ErrPublishTimeout, ctx.Err())
		case <-p.closing:
			p.inflight.Done()
			return nil, ErrPublisherClosed
		}
	}

	f := &PublishFuture{uuid: msg.UUID, msgID: msgID, subject: topic, batch: b, index: i, msg: nm}
	if b == nil {
		f.done = make(chan struct{})
	}
	if err := p.transmit(f); err != nil {
		// nothing was sent: give the slot back, the caller has the error
		<-p.window
		p.failed.Add(1)
		p.inflight.Done()
		return nil, classifyPublishErr(err)
	}
	return f, nil
}

// transmit registers f in the pending table and sends its message. On a
// send error it takes f out of the table again and returns the error,
// leaving f unsettled; if f was settled meanwhile (timed out, connection
// lost) it returns nil, f's outcome being known.
func (p *Publisher) transmit(f *PublishFuture) error {
	nm := &f.msg.Msg
	p.mu.Lock()
	p.next++
	token := p.next
	f.token = token
	f.deadline = time.Now().Add(p.cfg.AckTimeout).UnixNano()
	nm.Reply = p.prefix + strconv.FormatUint(token, 10)
	p.pending[token] = f
	p.mu.Unlock()
	// from here on f belongs to whoever takes it out of the table
	if err := p.nc.PublishMsg(nm); err != nil {
		if p.take(token) != nil {
			return err
		}
	}
	return nil
}

// take removes the pending publish with token and returns it, nil when it
// was settled already.
func (p *Publisher) take(token uint64) *PublishFuture {
	p.mu.Lock()
	f := p.pending[token]
	delete(p.pending, token)
	p.mu.Unlock()
	return f
}

// onReply handles a PubAck (or error, or "no responders") on the reply
// subscription's goroutine.
func (p *Publisher) onReply(m *nats.Msg) {
	token, err := strconv.ParseUint(strings.TrimPrefix(m.Subject, p.prefix), 10, 64)
	if err != nil {
		return
	}
	f := p.take(token)
	if f == nil {
		return // timed out or failed already
	}
	if len(m.Data) == 0 && m.Header.Get("Status") == "503" {
		if f.retries < noResponderRetries {
			f.retries++
			time.AfterFunc(noResponderWait, func() {
				select {
				case <-p.closing:
					p.settle(f, nil, jetstream.ErrNoStreamResponse)
					return
				default:
				}
				if err := p.transmit(f); err != nil {
					p.settle(f, nil, err)
				}
			})
			return
		}
		p.settle(f, nil, jetstream.ErrNoStreamResponse)
		return
	}
	// JetStream answered, so the message was written out long ago: nothing
	// reads it any more. (A publish settled otherwise, timed out or failed
	// with its connection, may still be in PublishMsg: it is left to the GC.)
	f.msg.recycle()
	ack, err := parsePubAck(m.Data, f.done != nil)
	p.settle(f, ack, err)
}

// settle resolves f exactly once (its caller took it from the pending
// table). It must not block: it runs on the reply subscription.
func (p *Publisher) settle(f *PublishFuture, ack *jetstream.PubAck, err error) {
	f.msg = nil
	if err != nil {
		f.err = classifyPublishErr(err)
		p.failed.Add(1)
		p.cfg.Logger.Debug("JetStream publish failed", watermill.LogFields{
			"subject": f.subject, "uuid": f.uuid, "msg_id": f.msgID, "err": f.err.Error(),
		})
		if f.batch != nil {
			f.batch.fail(&PublishError{Index: f.index, UUID: f.uuid, MsgID: f.msgID, Err: f.err})
		}
	} else {
		p.acked.Add(1)
		if f.done != nil {
			f.ack = ack
		}
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
	if f.batch != nil {
		f.batch.settle()
	} else {
		close(f.done)
	}
	p.inflight.Done()
}

// failPending settles every pending publish with err.
func (p *Publisher) failPending(err error, expiredOnly bool) {
	now := time.Now().UnixNano()
	var failed []*PublishFuture
	p.mu.Lock()
	for token, f := range p.pending {
		if !expiredOnly || now >= f.deadline {
			delete(p.pending, token)
			failed = append(failed, f)
		}
	}
	p.mu.Unlock()
	for _, f := range failed {
		p.settle(f, nil, err)
	}
}

// watch times out publishes whose PubAck is overdue (one ticker for all)
// and fails every pending publish when the connection is lost: their
// PubAcks would never come.
func (p *Publisher) watch() {
	defer close(p.stopped)
	tick := time.NewTicker(min(max(p.cfg.AckTimeout/8, 10*time.Millisecond), time.Second))
	defer tick.Stop()
	for {
		select {
		case <-tick.C:
			p.failPending(jetstream.ErrAsyncPublishTimeout, true)
		case st, ok := <-p.status:
			if !ok {
				return
			}
			switch st {
			case nats.RECONNECTING:
				p.failPending(nats.ErrDisconnected, false)
			case nats.CLOSED:
				p.failPending(nats.ErrConnectionClosed, false)
			}
		case <-p.closing:
			return
		}
	}
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
	<-p.stopped
	p.nc.RemoveStatusListener(p.status)

	done := make(chan struct{})
	go func() {
		p.inflight.Wait()
		close(done)
	}()
	timer := time.NewTimer(p.cfg.CloseTimeout)
	defer timer.Stop()

	var err error
	tick := time.NewTicker(min(max(p.cfg.AckTimeout/8, 10*time.Millisecond), time.Second))
	defer tick.Stop()
wait:
	for {
		select {
		case <-done:
			break wait
		case <-tick.C:
			p.failPending(jetstream.ErrAsyncPublishTimeout, true)
		case <-timer.C:
			err = fmt.Errorf("%w: publisher closed with %d publishes unacknowledged after %s",
				ErrPublishTimeout, len(p.window), p.cfg.CloseTimeout)
			break wait
		}
	}
	p.failPending(fmt.Errorf("%w: publisher closed", ErrPublishNotAcked), false)
	<-done
	_ = p.replySub.Unsubscribe()
	return err
}
