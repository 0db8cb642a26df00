// Package bench is meterflow's end-to-end benchmark: against a real
// RabbitMQ and an embedded JetStream it measures, in one run, a bare AMQP
// consumer (the ceiling), the bridge alone, the whole path to stored
// samples, and replay to a file.
package bench

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"os"
	"path/filepath"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	amqp "github.com/rabbitmq/amqp091-go"

	"meterflow/processors/convert"
	"meterflow/replay"
	"meterflow/service"
	amqpt "meterflow/transport/amqp"
	jst "meterflow/transport/jetstream"
)

// ErrInvalidOption wraps every configuration error.
var ErrInvalidOption = errors.New("bench: invalid option")

// DefaultN is how many notifications each phase drains.
const DefaultN = 100_000

// Config says what to run against. Zero values mean the documented defaults.
type Config struct {
	// AMQPURL is the RabbitMQ (an oslo transport URL or amqp:// URI).
	// Default: service.DefaultBroker.
	AMQPURL string
	// N is how many notifications each phase drains. Default: DefaultN.
	N int
	// Corpus is the golden corpus file the notifications are cycled from.
	// Default: DefaultCorpus (relative to the working directory).
	Corpus string
	// TempDir holds the JetStream stores and the replay output; a fresh
	// directory is made in it and removed at the end. Default: os.TempDir().
	TempDir string
	// Progress, if set, is told what each phase is doing.
	Progress io.Writer
	// Logger is the services'. Default: discard.
	Logger *slog.Logger
}

func (c *Config) setDefaults() {
	if c.AMQPURL == "" {
		c.AMQPURL = service.DefaultBroker
	}
	if c.N == 0 {
		c.N = DefaultN
	}
	if c.Corpus == "" {
		c.Corpus = DefaultCorpus
	}
	if c.Progress == nil {
		c.Progress = io.Discard
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
}

// Validate reports the first invalid field, wrapped in ErrInvalidOption.
func (c Config) Validate() error {
	if c.N < 1 {
		return fmt.Errorf("%w: -n must be at least 1", ErrInvalidOption)
	}
	return nil
}

// Phase is what one phase drained and what it cost.
type Phase struct {
	Name string
	// Notifications and Samples processed (Samples is zero where the phase
	// makes none).
	Notifications, Samples uint64
	Elapsed                time.Duration
	// CPU is user+system time of this process during the phase (RabbitMQ's
	// own CPU is not included; the embedded JetStream's is).
	CPU time.Duration
}

// PerSecond returns v per second of the phase.
func (p Phase) PerSecond(v uint64) float64 { return float64(v) / p.Elapsed.Seconds() }

// CPUPer1000 is the CPU seconds spent per 1,000 notifications.
func (p Phase) CPUPer1000() float64 {
	return p.CPU.Seconds() / float64(p.Notifications) * 1000
}

// Result is one benchmark run.
type Result struct {
	N int
	// Raw, Bridge, Whole and Replay are the four phases.
	Raw, Bridge, Whole, Replay Phase
	// PeakRSS is the process' peak resident set (VmHWM) at the end, in
	// bytes: the peak of the whole run, it cannot be reset per phase.
	PeakRSS uint64
	// LatencyP50 and LatencyP99 are receive-to-sample-stored latencies:
	// from the bridge's Meterflow-Received stamp to JetStream's stored
	// timestamp of each sample message, over LatencySamples messages.
	LatencyP50, LatencyP99 time.Duration
	LatencySamples         int
}

// Run runs the four phases. It deletes its queues and temp dir when it
// returns, also when ctx is cancelled.
func Run(ctx context.Context, cfg Config) (_ *Result, err error) {
	cfg.setDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	corpus, err := loadCorpus(cfg.Corpus)
	if err != nil {
		return nil, err
	}
	broker, err := amqpt.ParseTransportURL(cfg.AMQPURL)
	if err != nil {
		return nil, err
	}
	b := &run{cfg: cfg, amqpURL: broker.Hosts[0], brokerURL: cfg.AMQPURL,
		exchanges: exchanges(corpus), priorities: priorities(corpus)}
	id := fmt.Sprintf("%08x", rand.Uint32())
	b.topic, b.prefix = "mfbench_"+id, "mfbench-"+id
	if b.dir, err = os.MkdirTemp(cfg.TempDir, "meterflow-bench-"); err != nil {
		return nil, err
	}
	defer func() {
		if cerr := b.cleanup(); err == nil && cerr != nil {
			err = cerr
		}
	}()
	if err := b.declare(); err != nil {
		return nil, err
	}

	res := &Result{N: cfg.N}
	first := uniqueBodies(corpus, cfg.N, "b"+id+"-")
	b.progress("preloading %d notifications into %s.%s.* and the twin queue", cfg.N, b.prefix, b.topic)
	if err := b.publish(ctx, first); err != nil {
		return nil, err
	}
	if res.Raw, err = measure(ctx, "raw amqp091 consumer", b.raw); err != nil {
		return nil, err
	}
	if err := b.deleteTwin(); err != nil {
		return nil, err
	}
	b.progress("draining the queues with the bridge alone")
	if res.Bridge, err = measure(ctx, "bridge (BridgeOnly)", b.bridge); err != nil {
		return nil, err
	}

	second := uniqueBodies(corpus, cfg.N, "w"+id+"-")
	if b.wantSamples, err = countSamples(second); err != nil {
		return nil, err
	}
	b.progress("preloading %d fresh notifications (%d samples expected)", cfg.N, b.wantSamples)
	if err := b.publish(ctx, second); err != nil {
		return nil, err
	}
	b.progress("draining them through the whole path")
	if res.Whole, err = measure(ctx, "whole path (processing)", b.whole); err != nil {
		return nil, err
	}
	res.LatencyP50, res.LatencyP99, res.LatencySamples = b.latency.p50, b.latency.p99, b.latency.n

	b.progress("replaying NOTIFICATIONS to a file")
	if res.Replay, err = measure(ctx, "replay to a file", b.replay); err != nil {
		return nil, err
	}
	res.PeakRSS, err = peakRSS()
	return res, err
}

// run is the state of one benchmark run.
type run struct {
	cfg                   Config
	amqpURL, brokerURL    string
	exchanges, priorities []string
	topic, prefix, dir    string
	wantSamples           uint64
	latency               struct {
		p50, p99 time.Duration
		n        int
	}
}

func (b *run) progress(format string, args ...any) {
	fmt.Fprintf(b.cfg.Progress, format+"\n", args...)
}

func (b *run) queue(prio string) string { return b.prefix + "." + b.topic + "." + prio }
func (b *run) twin() string             { return b.prefix + ".twin" }

// declare creates the exchanges (unless they exist), meterflow's queues as
// the service would create them, and the twin queue, bound alike.
func (b *run) declare() error {
	conn, err := amqp.Dial(b.amqpURL)
	if err != nil {
		return fmt.Errorf("RabbitMQ: %w", err)
	}
	defer conn.Close()
	for _, ex := range b.exchanges {
		if err := amqpt.DeclarePassiveFirst(conn, func(ch *amqp.Channel) error {
			return ch.ExchangeDeclarePassive(ex, "topic", false, false, false, false, nil)
		}, func(ch *amqp.Channel) error {
			return ch.ExchangeDeclare(ex, "topic", false, false, false, false, nil)
		}); err != nil {
			return fmt.Errorf("declare exchange %q: %w", ex, err)
		}
	}
	ch, err := conn.Channel()
	if err != nil {
		return err
	}
	defer ch.Close()
	queues := map[string][]string{b.twin(): nil}
	for _, p := range b.priorities {
		queues[b.queue(p)] = []string{p}
		queues[b.twin()] = append(queues[b.twin()], p)
	}
	for q, prios := range queues {
		if _, err := ch.QueueDeclare(q, false, false, false, false, nil); err != nil {
			return fmt.Errorf("declare queue %q: %w", q, err)
		}
		for _, p := range prios {
			for _, ex := range b.exchanges {
				if err := ch.QueueBind(q, b.topic+"."+p, ex, false, nil); err != nil {
					return fmt.Errorf("bind queue %q: %w", q, err)
				}
			}
		}
	}
	return nil
}

// publish publishes ns to their exchanges with <topic>.<priority> on a
// confirmed channel and waits for the broker to confirm them all.
func (b *run) publish(ctx context.Context, ns []notification) error {
	conn, err := amqp.Dial(b.amqpURL)
	if err != nil {
		return fmt.Errorf("RabbitMQ: %w", err)
	}
	defer conn.Close()
	ch, err := conn.Channel()
	if err != nil {
		return err
	}
	if err := ch.Confirm(false); err != nil {
		return err
	}
	var last *amqp.DeferredConfirmation
	for _, n := range ns {
		last, err = ch.PublishWithDeferredConfirm(n.Exchange, b.topic+"."+n.Priority, false, false,
			amqp.Publishing{ContentType: "application/json", Body: n.Body})
		if err != nil {
			return fmt.Errorf("publish: %w", err)
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
	}
	if ok, err := last.WaitContext(ctx); err != nil || !ok {
		return fmt.Errorf("publish not confirmed: %v", err)
	}
	return nil
}

func (b *run) deleteTwin() error {
	conn, err := amqp.Dial(b.amqpURL)
	if err != nil {
		return err
	}
	defer conn.Close()
	ch, err := conn.Channel()
	if err != nil {
		return err
	}
	_, err = ch.QueueDelete(b.twin(), false, false, false)
	return err
}

// cleanup deletes the queues and the temp dir.
func (b *run) cleanup() error {
	var errs []error
	if conn, err := amqp.Dial(b.amqpURL); err != nil {
		errs = append(errs, fmt.Errorf("delete queues: %w", err))
	} else {
		if ch, err := conn.Channel(); err == nil {
			for _, q := range append([]string{b.twin()}, mapQueues(b)...) {
				if _, err := ch.QueueDelete(q, false, false, false); err != nil {
					errs = append(errs, fmt.Errorf("delete queue %q: %w", q, err))
				}
			}
		}
		conn.Close()
	}
	if err := os.RemoveAll(b.dir); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

func mapQueues(b *run) []string {
	var out []string
	for _, p := range b.priorities {
		out = append(out, b.queue(p))
	}
	return out
}

// measure runs one phase between two readings of the process' CPU time.
func measure(ctx context.Context, name string, phase func(context.Context, *Phase) error) (Phase, error) {
	p := Phase{Name: name}
	before, err := cpuTime()
	if err != nil {
		return p, err
	}
	if err := phase(ctx, &p); err != nil {
		return p, fmt.Errorf("%s: %w", name, err)
	}
	after, err := cpuTime()
	if err != nil {
		return p, err
	}
	p.CPU = after - before
	return p, nil
}

// raw drains the twin with a bare amqp091 consumer: prefetch 2000, a
// multiple ack every 100 deliveries.
func (b *run) raw(ctx context.Context, p *Phase) error {
	conn, err := amqp.Dial(b.amqpURL)
	if err != nil {
		return err
	}
	defer conn.Close()
	ch, err := conn.Channel()
	if err != nil {
		return err
	}
	if err := ch.Qos(2000, 0, false); err != nil {
		return err
	}
	start := time.Now()
	deliveries, err := ch.Consume(b.twin(), "", false, false, false, false, nil)
	if err != nil {
		return err
	}
	n := b.cfg.N
	for i := 1; i <= n; i++ {
		select {
		case d, ok := <-deliveries:
			if !ok {
				return fmt.Errorf("consumer closed after %d deliveries", i-1)
			}
			if i%100 == 0 || i == n {
				if err := d.Ack(true); err != nil {
					return err
				}
			}
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	p.Elapsed = time.Since(start)
	p.Notifications = uint64(n)
	return nil
}

// serviceConfig is a service on its own store under dir/name.
func (b *run) serviceConfig(name string) service.Config {
	return service.Config{
		AMQP: amqpt.Config{Brokers: []string{b.brokerURL}, Exchanges: b.exchanges,
			Priorities: b.priorities, QueuePrefix: b.prefix, Logger: b.cfg.Logger},
		Topics:          []string{b.topic},
		BridgeOnly:      true,
		Server:          jst.ServerConfig{DataDir: filepath.Join(b.dir, name), ListenAddr: "127.0.0.1:0"},
		ShutdownTimeout: 10 * time.Second,
		Logger:          b.cfg.Logger,
	}
}

// bridge drains the queues into NOTIFICATIONS with a BridgeOnly service,
// from its cold start until NOTIFICATIONS holds N.
func (b *run) bridge(ctx context.Context, p *Phase) error {
	n := uint64(b.cfg.N)
	start := time.Now()
	err := b.runService(ctx, b.serviceConfig("bridge"), func(svc *service.Service) error {
		if err := waitStream(ctx, svc.JetStream(), service.StreamNotifications, n, nil); err != nil {
			return err
		}
		p.Elapsed = time.Since(start)
		got, err := settle(ctx, svc.JetStream(), service.StreamNotifications)
		if err != nil {
			return err
		}
		if got != n {
			return fmt.Errorf("NOTIFICATIONS holds %d notifications, want %d", got, n)
		}
		p.Notifications = got
		return nil
	})
	return err
}

// whole drains the queues through a processing service until SAMPLES holds
// every expected sample and every notification was converted, then reads
// the receive-to-stored latencies off SAMPLES.
func (b *run) whole(ctx context.Context, p *Phase) error {
	cfg, err := b.processingConfig()
	if err != nil {
		return err
	}
	n := uint64(b.cfg.N)
	start := time.Now()
	return b.runService(ctx, cfg, func(svc *service.Service) error {
		converted := func() bool { return svc.Converted() >= n }
		if err := waitStream(ctx, svc.JetStream(), service.StreamSamples, b.wantSamples, converted); err != nil {
			return err
		}
		p.Elapsed = time.Since(start)
		js := svc.JetStream()
		samples, err := settle(ctx, js, service.StreamSamples)
		if err != nil {
			return err
		}
		notifications, err := streamMsgs(ctx, js, service.StreamNotifications)
		if err != nil {
			return err
		}
		if samples != b.wantSamples || notifications != n || svc.Converted() != n {
			return fmt.Errorf("stored %d notifications and %d samples, converted %d; want %d, %d, %d",
				notifications, samples, svc.Converted(), n, b.wantSamples, n)
		}
		p.Notifications, p.Samples = n, samples
		lat, err := latencies(ctx, js, service.StreamSamples, samples)
		if err != nil {
			return err
		}
		b.latency.n = len(lat)
		b.latency.p50, b.latency.p99 = percentile(lat, 0.50), percentile(lat, 0.99)
		return nil
	})
}

// processingConfig is a service converting every notification, every
// sample and event into a jetstream:// sink (so that no external sink
// limits it), with the shipped definitions.
func (b *run) processingConfig() (service.Config, error) {
	cfg := b.serviceConfig("whole")
	cfg.BridgeOnly = false
	cfg.Convert.NoEtc = true
	cfg.PipelineFile = filepath.Join(b.dir, "pipeline.yaml")
	cfg.EventPipelineFile = filepath.Join(b.dir, "event_pipeline.yaml")
	const pipe = "sources:\n  - name: bench\n    %s: [\"*\"]\n    sinks: [bench]\nsinks:\n  - name: bench\n    publishers: [\"jetstream://\"]\n"
	if err := os.WriteFile(cfg.PipelineFile, fmt.Appendf(nil, pipe, "meters"), 0o644); err != nil {
		return cfg, err
	}
	return cfg, os.WriteFile(cfg.EventPipelineFile, fmt.Appendf(nil, pipe, "events"), 0o644)
}

// replay replays the bridge phase's NOTIFICATIONS (N notifications) to a
// JSON-lines file with the processing phase's definitions.
func (b *run) replay(ctx context.Context, p *Phase) error {
	cfg, err := b.processingConfig()
	if err != nil {
		return err
	}
	defs, err := service.LoadDefinitions(cfg)
	if err != nil {
		return err
	}
	srv, err := jst.StartServer(jst.ServerConfig{DataDir: filepath.Join(b.dir, "bridge"), ListenAddr: "127.0.0.1:0"})
	if err != nil {
		return err
	}
	defer srv.Shutdown(context.Background())
	nc, err := srv.Connect()
	if err != nil {
		return err
	}
	defer nc.Close()
	f, err := os.Create(filepath.Join(b.dir, "replay.jsonl"))
	if err != nil {
		return err
	}
	defer f.Close()
	w := bufio.NewWriterSize(f, 1<<20)
	start := time.Now()
	sum, err := replay.Run(ctx, nc, replay.Config{Definitions: defs, Output: w, Logger: b.cfg.Logger})
	if err != nil {
		return err
	}
	if err := w.Flush(); err != nil {
		return err
	}
	p.Elapsed = time.Since(start)
	if sum.Notifications != uint64(b.cfg.N) {
		return fmt.Errorf("replayed %d notifications, want %d", sum.Notifications, b.cfg.N)
	}
	p.Notifications = sum.Notifications
	for _, c := range sum.Samples {
		p.Samples += c
	}
	return f.Close()
}

// runService starts a service, lets during use it and stops it.
func (b *run) runService(ctx context.Context, cfg service.Config, during func(*service.Service) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	svc, err := service.New(ctx, cfg)
	if err != nil {
		return err
	}
	done := make(chan error, 1)
	go func() { done <- svc.Run(ctx) }()
	err = during(svc)
	cancel()
	if rerr := <-done; err == nil && rerr != nil && !errors.Is(rerr, context.Canceled) {
		err = rerr
	}
	return err
}

// countSamples converts ns with the shipped definitions and counts the
// samples: what the whole path must store.
func countSamples(ns []notification) (uint64, error) {
	conv, err := convert.Load(convert.Config{NoEtc: true})
	if err != nil {
		return 0, err
	}
	var total uint64
	for _, n := range ns {
		r, err := conv.ConvertBody(n.Body)
		if err != nil {
			return 0, err
		}
		total += uint64(len(r.Samples))
	}
	return total, nil
}

func streamMsgs(ctx context.Context, js jetstream.JetStream, stream string) (uint64, error) {
	s, err := js.Stream(ctx, stream)
	if err != nil {
		return 0, err
	}
	info, err := s.Info(ctx)
	if err != nil {
		return 0, err
	}
	return info.State.Msgs, nil
}

// waitStream polls until stream holds at least want messages and done
// (if set) reports true.
func waitStream(ctx context.Context, js jetstream.JetStream, stream string, want uint64, done func() bool) error {
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for {
		got, err := streamMsgs(ctx, js, stream)
		if err != nil {
			return err
		}
		if got >= want && (done == nil || done()) {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%s holds %d of %d messages: %w", stream, got, want, ctx.Err())
		case <-tick.C:
		}
	}
}

// settle waits a moment, so that extra messages would show, and returns
// how many messages stream holds.
func settle(ctx context.Context, js jetstream.JetStream, stream string) (uint64, error) {
	select {
	case <-ctx.Done():
		return 0, ctx.Err()
	case <-time.After(300 * time.Millisecond):
	}
	return streamMsgs(ctx, js, stream)
}
