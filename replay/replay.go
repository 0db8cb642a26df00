// Package replay re-runs stored notifications from the NOTIFICATIONS log
// through the current definitions and pipelines: into the live sink
// subjects (deduplicated by their deterministic message ids), into a
// namespace of their own (replay.<name>.…), or into a JSON-lines file.
//
// A replay reads with a JetStream ordered consumer: ephemeral, nothing
// acknowledged, durable consumers untouched, so it runs beside the live
// service. Notifications are converted on several goroutines and written or
// published in stream order.
package replay

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"strings"
	"sync"
	"time"

	"github.com/ThreeDotsLabs/watermill"
	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"meterflow/processors"
	"meterflow/processors/convert"
	"meterflow/routes"
	jst "meterflow/transport/jetstream"
)

// maxLoggedErrors bounds the errors logged one by one; the rest are counted.
const maxLoggedErrors = 10

// Run replays what cfg selects from the stream on nc and returns what it
// did. When ctx ends, Run stops reading, finishes the notifications already
// read (written, or published and acknowledged) and returns the summary so
// far with ctx's error. A notification that is not one, or whose messages
// JetStream refused, is counted in Summary.Errors and logged; the replay
// goes on.
func Run(ctx context.Context, nc *nats.Conn, cfg Config) (*Summary, error) {
	cfg.setDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	js, err := jetstream.New(nc)
	if err != nil {
		return nil, err
	}
	st, err := js.Stream(ctx, cfg.Stream)
	if err != nil {
		return nil, fmt.Errorf("stream %s: %w", cfg.Stream, err)
	}
	sp, err := resolve(ctx, st, cfg)
	if err != nil {
		return nil, err
	}
	r := &run{cfg: cfg, sum: newSummary(), st: st, start: time.Now()}
	r.sum.Total = sp.total
	if cfg.Progress != nil {
		cfg.Progress.Start(sp.total)
		defer cfg.Progress.Stop()
	}
	if cfg.Output == nil {
		if cfg.Namespace != "" {
			if err := ensureReplayStream(ctx, js); err != nil {
				return nil, err
			}
		}
		r.pub, err = jst.NewPublisher(nc, jst.PublisherConfig{MaxPending: 4096, Logger: watermill.NopLogger{}})
		if err != nil {
			return nil, err
		}
	}
	if sp.total == 0 {
		r.finish()
		return r.sum, nil
	}
	cons, err := js.OrderedConsumer(ctx, cfg.Stream, sp.start)
	if err != nil {
		return nil, fmt.Errorf("ordered consumer on %s: %w", cfg.Stream, err)
	}
	err = r.pipeline(ctx, cons, sp)
	r.finish()
	return r.sum, err
}

// ensureReplayStream creates stream REPLAY (capturing replay.>) when it is
// missing; an existing one is left as its operator configured it.
func ensureReplayStream(ctx context.Context, js jetstream.JetStream) error {
	_, err := js.Stream(ctx, StreamReplay)
	if err == nil {
		return nil
	}
	if !errors.Is(err, jetstream.ErrStreamNotFound) {
		return fmt.Errorf("stream %s: %w", StreamReplay, err)
	}
	_, err = jst.EnsureStream(ctx, js, jst.StreamConfig{Name: StreamReplay, Subjects: []string{Prefix + ".>"},
		Description: "meterflow replays into a namespace: replay.<namespace>.samples|events.<sink>.<name>"})
	return err
}

type run struct {
	cfg   Config
	sum   *Summary
	pub   *jst.Publisher
	st    jetstream.Stream
	start time.Time
	// free holds batches the emitter is done with, for the reader to reuse.
	free chan *batch

	logged int
}

// batch is one group of notifications, converted by one worker and then
// written or published, in read order, by the single emitter.
type batch struct {
	notes []note
	done  chan struct{}

	lines    []byte // dry run
	subjects []string
	msgs     []*message.Message
	counts   counts
}

type note struct {
	seq          uint64
	body         []byte
	id, received string
}

// newBatch returns a batch the emitter is done with, emptied, or a new one.
func (r *run) newBatch() *batch {
	select {
	case b := <-r.free:
		b.notes = b.notes[:0]
		b.lines = b.lines[:0]
		clear(b.subjects)
		b.subjects = b.subjects[:0]
		clear(b.msgs)
		b.msgs = b.msgs[:0]
		b.counts.reset()
		b.done = make(chan struct{})
		return b
	default:
		return &batch{notes: make([]note, 0, r.cfg.BatchSize), done: make(chan struct{}), counts: newCounts()}
	}
}

// recycle hands b back to the reader; it is dropped when enough are held.
func (r *run) recycle(b *batch) {
	clear(b.notes) // the bodies can go before the batch is reused
	select {
	case r.free <- b:
	default:
	}
}

func (r *run) pipeline(ctx context.Context, cons jetstream.Consumer, sp span) error {
	work := make(chan *batch, r.cfg.Workers)
	order := make(chan *batch, r.cfg.Workers+1)
	r.free = make(chan *batch, 2*r.cfg.Workers+2)
	var wg sync.WaitGroup
	for range r.cfg.Workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			w := r.newWorker()
			for b := range work {
				w.convert(b)
				close(b.done)
			}
		}()
	}
	emitted := make(chan error, 1)
	go func() { emitted <- r.emit(order) }()

	readErr := r.read(ctx, cons, sp, func(b *batch) {
		order <- b
		work <- b
	})
	close(work)
	close(order)
	wg.Wait()
	emitErr := <-emitted
	if readErr == nil {
		readErr = ctx.Err()
	}
	return errors.Join(readErr, emitErr)
}

// stallCheck is how long the reader waits for a message before it asks the
// server whether any is left to read (a variable for tests).
var stallCheck = 5 * time.Second

// read consumes the span and hands it on in batches of BatchSize, until its
// end (the total read, a sequence past the end or a time at or after
// until), the end of what is stored (a message with nothing pending after
// it, or none left when the server is asked after a stall), or ctx's end.
//
// It consumes (the server sending ahead up to two batches) rather than
// fetching: an ordered consumer recreates its server-side consumer on every
// fetch.
func (r *run) read(ctx context.Context, cons jetstream.Consumer, sp span, emit func(*batch)) error {
	var (
		mu       sync.Mutex
		b        = r.newBatch()
		read     uint64
		lastSeq  uint64
		progress = make(chan struct{}, 1)
		finished = make(chan error, 1)
		over     bool
	)
	finish := func(err error) { // with mu held
		if !over {
			over = true
			finished <- err
		}
	}
	flush := func() { // with mu held
		if len(b.notes) > 0 {
			emit(b)
			b = r.newBatch()
		}
	}
	handler := func(jm jetstream.Msg) {
		mu.Lock()
		defer mu.Unlock()
		if over {
			return
		}
		meta, err := jm.Metadata()
		if err != nil {
			flush()
			finish(fmt.Errorf("consume: %w", err))
			return
		}
		if meta.Sequence.Stream > sp.end || (!sp.until.IsZero() && !meta.Timestamp.Before(sp.until)) {
			flush()
			finish(nil)
			return
		}
		h := jm.Headers()
		b.notes = append(b.notes, note{seq: meta.Sequence.Stream, body: jm.Data(),
			id: h.Get(routes.HeaderMsgID), received: h.Get(routes.HeaderReceived)})
		read++
		lastSeq = meta.Sequence.Stream
		end := read == sp.total || meta.NumPending == 0
		if end || len(b.notes) == r.cfg.BatchSize {
			flush()
		}
		if end {
			finish(nil)
		}
		select {
		case progress <- struct{}{}:
		default:
		}
	}
	cc, err := cons.Consume(handler,
		jetstream.PullMaxMessages(2*r.cfg.BatchSize),
		jetstream.StopAfter(int(min(sp.total, uint64(math.MaxInt)))),
		jetstream.ConsumeErrHandler(func(_ jetstream.ConsumeContext, err error) {
			r.log().Debug("ordered consumer", "error", err)
		}))
	if err != nil {
		return fmt.Errorf("consume %s: %w", r.cfg.Stream, err)
	}
	defer func() {
		cc.Stop()
		<-cc.Closed()
		// the ordered consumer would linger on the server for minutes
		if info := cons.CachedInfo(); info != nil {
			dctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			if err := r.st.DeleteConsumer(dctx, info.Name); err != nil && !errors.Is(err, jetstream.ErrConsumerNotFound) {
				r.log().Debug("delete the ordered consumer", "consumer", info.Name, "error", err)
			}
		}
	}()

	stall := time.NewTicker(stallCheck)
	defer stall.Stop()
	moved := false
	for {
		select {
		case err := <-finished:
			return err
		case <-ctx.Done():
			mu.Lock()
			flush()
			finish(nil)
			mu.Unlock()
			return nil
		case <-progress:
			moved = true
		case <-stall.C:
			if moved {
				moved = false
				continue
			}
			// what is left after the last notification read, or of the span
			rest := jetstream.ConsumerConfig{DeliverPolicy: sp.start.DeliverPolicy, OptStartSeq: sp.start.OptStartSeq, OptStartTime: sp.start.OptStartTime}
			mu.Lock()
			if lastSeq != 0 {
				rest = jetstream.ConsumerConfig{DeliverPolicy: jetstream.DeliverByStartSequencePolicy, OptStartSeq: lastSeq + 1}
			}
			mu.Unlock()
			left, err := pending(ctx, r.st, rest, r.cfg.Subjects)
			if err != nil && ctx.Err() == nil {
				mu.Lock()
				flush()
				finish(fmt.Errorf("no message for %s: %w", stallCheck, err))
				mu.Unlock()
				continue
			}
			if err == nil && left == 0 {
				// what was counted at the start is gone (the stream's limits
				// removed it): the replay ends with what is left
				mu.Lock()
				flush()
				finish(nil)
				mu.Unlock()
			}
		}
	}
}

// emit writes or publishes the converted batches in order. Publishes are
// asynchronous; their acknowledgements are awaited by acker, and emit
// returns once every one is in.
func (r *run) emit(order <-chan *batch) error {
	// publishes outlive a canceled replay: what was read is finished
	pubCtx := context.Background()
	acks := make(chan *jst.PublishFuture, 8192)
	acked := make(chan struct{})
	if r.pub != nil {
		go func() {
			defer close(acked)
			for f := range acks {
				ack, err := f.Wait(pubCtx)
				switch {
				case err != nil:
					r.sum.addError(r, fmt.Errorf("publish %s: %w", f.MsgID(), err))
				case ack.Duplicate:
					r.sum.Duplicates++
				default:
					r.sum.Stored++
				}
			}
		}()
	} else {
		close(acked)
	}
	var werr error
	for b := range order {
		<-b.done
		r.sum.add(r, &b.counts)
		switch {
		case r.cfg.Output != nil:
			if werr == nil {
				if _, werr = r.cfg.Output.Write(b.lines); werr != nil {
					werr = fmt.Errorf("write: %w", werr)
				}
			}
		default:
			for i, m := range b.msgs {
				f, err := r.pub.PublishAsync(pubCtx, b.subjects[i], m)
				if err != nil {
					r.sum.addError(r, fmt.Errorf("publish %s: %w", b.subjects[i], err))
					continue
				}
				r.sum.Published++
				acks <- f
			}
		}
		if r.cfg.Progress != nil {
			r.cfg.Progress.Add(uint64(len(b.notes)))
		}
		r.recycle(b)
	}
	close(acks)
	<-acked
	return werr
}

func (r *run) finish() {
	if r.pub != nil {
		_ = r.pub.Close()
	}
	r.sum.Elapsed = time.Since(r.start)
}

// worker converts batches; it is used by one goroutine.
type worker struct {
	cfg  Config
	proc *routes.Process
	res  *convert.Result
	// sinkPrefixes are the subject prefixes of Config.Sink's messages.
	sinkPrefixes []string
}

func (r *run) newWorker() *worker {
	w := &worker{cfg: r.cfg}
	defs := newDefsPointer(r.cfg.Definitions)
	w.proc = &routes.Process{Definitions: defs, Secret: r.cfg.Secret, Logger: r.cfg.Logger,
		OnConverted: func(_ *processors.Notification, res *convert.Result) { w.res = res }}
	if r.cfg.Sink != "" {
		w.sinkPrefixes = []string{routes.SamplesPrefix + "." + routes.Token(r.cfg.Sink) + ".", routes.EventsPrefix + "." + routes.Token(r.cfg.Sink) + "."}
	}
	return w
}

func (w *worker) convert(b *batch) {
	if b.counts.samples == nil {
		b.counts = newCounts()
	}
	for i := range b.notes {
		n := &b.notes[i]
		b.counts.notifications++
		if w.cfg.Output != nil {
			w.dryRun(b, n)
			continue
		}
		w.res = nil
		subjects, msgs, err := w.proc.Convert(n.body, n.id, n.received)
		if err != nil {
			b.counts.errs = append(b.counts.errs, fmt.Errorf("sequence %d: %w", n.seq, err))
			continue
		}
		b.counts.result(w.res)
		for j, s := range subjects {
			if w.sinkPrefixes != nil && !strings.HasPrefix(s, w.sinkPrefixes[0]) && !strings.HasPrefix(s, w.sinkPrefixes[1]) {
				continue
			}
			if w.cfg.Namespace != "" {
				s = Prefix + "." + w.cfg.Namespace + "." + s
				msgs[j].Metadata.Set(routes.HeaderMsgID, NamespaceMsgID(w.cfg.Namespace, msgs[j].Metadata.Get(routes.HeaderMsgID)))
			}
			b.subjects = append(b.subjects, s)
			b.msgs = append(b.msgs, msgs[j])
		}
	}
}

// NamespaceMsgID is the message id a namespace replay gives the message
// whose live id is id: replay.<namespace>:<id>. Every namespace shares
// stream REPLAY and its duplicate window, so ids are kept apart per
// namespace: a second namespace gets every message (a comparison needs
// them all), while the same namespace replayed twice adds nothing.
func NamespaceMsgID(namespace, id string) string {
	return Prefix + "." + namespace + ":" + id
}

// dryRun appends the notification's samples and events as lines, with the
// sample ids the live route gives them.
func (w *worker) dryRun(b *batch, n *note) {
	defs := w.cfg.Definitions
	nt, err := processors.Decode(n.body)
	if err != nil {
		b.counts.errs = append(b.counts.errs, fmt.Errorf("sequence %d: %w", n.seq, err))
		return
	}
	res := defs.Converter.Convert(nt)
	for _, e := range res.Errors {
		w.cfg.Logger.Warn("endpoint failed; its output is dropped as Ceilometer does",
			"sequence", n.seq, "event_type", nt.EventType, "error", e)
	}
	id := nt.MessageID
	if id == "" {
		id = n.id
	}
	b.counts.result(&res)
	routes.NumberSamples(id, res.Samples)
	for i := range res.Samples {
		s := &res.Samples[i]
		if w.cfg.Sink != "" && !routesTo(defs.Samples.Route(s.Name), w.cfg.Sink) {
			continue
		}
		b.lines = append(s.AppendJSON(b.lines), '\n')
	}
	for _, e := range res.Events {
		if w.cfg.Sink != "" && !routesTo(defs.Events.Route(e.EventType), w.cfg.Sink) {
			continue
		}
		b.lines = append(e.AppendJSON(b.lines), '\n')
	}
}

func (r *run) log() *slog.Logger { return r.cfg.Logger }
