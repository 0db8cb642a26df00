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
	r := &run{cfg: cfg, sum: newSummary(), start: time.Now()}
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
	start time.Time

	logged int
}

// batch is one fetch of notifications, converted by one worker and then
// written or published, in fetch order, by the single emitter.
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

func (r *run) pipeline(ctx context.Context, cons jetstream.Consumer, sp span) error {
	work := make(chan *batch, r.cfg.Workers)
	order := make(chan *batch, r.cfg.Workers+1)
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

// read fetches the span in batches until its end, the total, the end of
// what is stored, or ctx's end.
func (r *run) read(ctx context.Context, cons jetstream.Consumer, sp span, emit func(*batch)) error {
	var read uint64
	for read < sp.total && ctx.Err() == nil {
		mb, err := cons.FetchNoWait(min(r.cfg.BatchSize, int(sp.total-read)))
		if err != nil {
			return fmt.Errorf("fetch: %w", err)
		}
		b := &batch{done: make(chan struct{}), notes: make([]note, 0, r.cfg.BatchSize)}
		last := false
		for jm := range mb.Messages() {
			if last {
				continue // drain the batch
			}
			meta, err := jm.Metadata()
			if err != nil {
				return err
			}
			if meta.Sequence.Stream > sp.end || (!sp.until.IsZero() && !meta.Timestamp.Before(sp.until)) {
				last = true
				continue
			}
			h := jm.Headers()
			b.notes = append(b.notes, note{seq: meta.Sequence.Stream, body: jm.Data(),
				id: h.Get(routes.HeaderMsgID), received: h.Get(routes.HeaderReceived)})
			read++
			if read == sp.total || meta.NumPending == 0 {
				last = true
			}
		}
		if err := mb.Error(); err != nil && !errors.Is(err, jetstream.ErrNoMessages) {
			return fmt.Errorf("fetch: %w", err)
		}
		if len(b.notes) > 0 {
			emit(b)
		}
		if last || len(b.notes) == 0 {
			break
		}
	}
	return nil
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
	b.counts = newCounts()
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
			}
			b.subjects = append(b.subjects, s)
			b.msgs = append(b.msgs, msgs[j])
		}
	}
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
	for i := range res.Samples {
		s := &res.Samples[i]
		s.ID = routes.SampleID(id, s.Name, i)
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
