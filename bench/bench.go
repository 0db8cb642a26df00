// Package bench is meterflow's end-to-end benchmark: against a real
// RabbitMQ it measures, in one run, a bare AMQP consumer (the ceiling), the
// bridge alone, the whole path to stored samples, the publish-to-sample
// latency at a fixed offered rate, replay to a file and, optionally, Debian's
// Ceilometer 19 notification agent over the same notifications.
//
// The bridge, whole-path and latency phases run meterflow as a separate
// `meterflow run` process (Config.Executable) with its embedded JetStream,
// so that the CPU time and peak RSS reported are meterflow's own, read from
// /proc/<pid>.
package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"os"
	"path/filepath"
	"time"

	"meterflow/processors/convert"
	"meterflow/service"
	amqpt "meterflow/transport/amqp"
)

// ErrInvalidOption wraps every configuration error.
var ErrInvalidOption = errors.New("bench: invalid option")

// Defaults of Config.
const (
	// DefaultN is how many notifications each phase drains.
	DefaultN = 100_000
	// DefaultRate is the offered rate of the latency phase, notifications/s.
	DefaultRate = 10_000
	// LatencySeconds caps the latency phase's default length: it publishes
	// N notifications, at most LatencySeconds × Rate.
	LatencySeconds = 10
)

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
	// Executable is the meterflow binary; the bridge, whole-path and
	// latency phases run `<Executable> run ...`. Required: the CLI passes
	// os.Executable(), tests build one.
	Executable string
	// Rate is the offered rate of the latency phase, notifications/s.
	// Default: DefaultRate.
	Rate int
	// LatencyN is how many notifications the latency phase publishes at
	// Rate. Default: N, at most LatencySeconds × Rate.
	LatencyN int
	// Ceilometer also drains the same N notifications with Debian's
	// ceilometer-agent-notification (see CeilometerConfig).
	Ceilometer bool
	// CeilometerConfig is how the agent is run when Ceilometer is set.
	CeilometerConfig CeilometerConfig
	// TempDir holds the JetStream stores, logs, the replay output and
	// Ceilometer's files; a fresh directory is made in it and removed at
	// the end. Default: os.TempDir().
	TempDir string
	// RunFlags are added to the flags of every `meterflow run` the bench
	// starts (--memory-limit off, say, to compare settings).
	RunFlags []string
	// Progress, if set, is told what each phase is doing.
	Progress io.Writer
	// Logger is the in-process replay's. Default: discard.
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
	if c.Rate == 0 {
		c.Rate = DefaultRate
	}
	if c.LatencyN == 0 {
		c.LatencyN = min(c.N, LatencySeconds*c.Rate)
	}
	c.CeilometerConfig.setDefaults()
	if c.Progress == nil {
		c.Progress = io.Discard
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
}

// Validate reports the first invalid field, wrapped in ErrInvalidOption.
func (c Config) Validate() error {
	switch {
	case c.N < 1:
		return fmt.Errorf("%w: -n must be at least 1", ErrInvalidOption)
	case c.Executable == "":
		return fmt.Errorf("%w: no meterflow executable to run", ErrInvalidOption)
	case c.Rate < 1:
		return fmt.Errorf("%w: --rate must be at least 1", ErrInvalidOption)
	case c.LatencyN < 1:
		return fmt.Errorf("%w: --latency-n must be at least 1", ErrInvalidOption)
	}
	if c.Ceilometer {
		return c.CeilometerConfig.Validate()
	}
	return nil
}

// Phase is what one phase drained and what it cost.
type Phase struct {
	Name string
	// Notifications, Samples and Events processed (Samples and Events are
	// zero where the phase makes none).
	Notifications, Samples, Events uint64
	Elapsed                        time.Duration
	// CPU is user+system time of the process doing the work during the
	// phase: meterflow's (the `meterflow run` child, its embedded JetStream
	// included), Ceilometer's (master and worker), or this process' for
	// the in-process phases (raw consumer, replay). RabbitMQ's CPU is not
	// included.
	CPU time.Duration
	// PeakRSS is the peak resident set (VmHWM, bytes) of the meterflow or
	// Ceilometer processes during the phase; zero for the in-process phases.
	PeakRSS uint64
	// Outputs is, for the whole path, the time from its first sample or
	// event stored to its last (JetStream's stored timestamps): timed as
	// Ceilometer's run is, without the cold start. Zero for other phases.
	Outputs time.Duration
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
	// Raw, Storage, Bridge, Whole and Replay drain N notifications each.
	// Storage is the storage floor: the design's least work per
	// notification (see storageFloor), without meterflow's code.
	Raw, Storage, Bridge, Whole, Replay Phase
	// Latency is the fixed-rate phase.
	Latency Latency
	// Floor is the same fixed-rate load into a bare consumer.
	Floor Floor
	// Ceilometer is the agent's run, nil without Config.Ceilometer.
	Ceilometer *CeilometerPhase
}

// SpeedUp is the whole path's notifications/s over Ceilometer's, 0
// without a Ceilometer run.
func (r *Result) SpeedUp() float64 {
	if r.Ceilometer == nil || r.Ceilometer.Elapsed <= 0 {
		return 0
	}
	return r.Whole.PerSecond(r.Whole.Notifications) / r.Ceilometer.PerSecond(r.Ceilometer.Notifications)
}

// SpeedUpLikeForLike is the speed-up with both sides timed alike, from
// their first output to their last (Ceilometer's Elapsed, the whole
// path's Outputs); 0 without a Ceilometer run.
func (r *Result) SpeedUpLikeForLike() float64 {
	if r.Ceilometer == nil || r.Ceilometer.Elapsed <= 0 || r.Whole.Outputs <= 0 {
		return 0
	}
	return r.Ceilometer.Elapsed.Seconds() / r.Whole.Outputs.Seconds() *
		float64(r.Whole.Notifications) / float64(r.Ceilometer.Notifications)
}

// Run runs the phases. It deletes its queues, stops its processes and
// removes its temp dir when it returns, also when ctx is cancelled.
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
	b.id = fmt.Sprintf("%08x", rand.Uint32())
	b.topic, b.prefix = "mfbench_"+b.id, "mfbench-"+b.id
	if b.dir, err = os.MkdirTemp(cfg.TempDir, "meterflow-bench-"); err != nil {
		return nil, err
	}
	defer func() {
		if cerr := b.cleanup(); err == nil && cerr != nil {
			err = cerr
		}
	}()
	if err := b.writePipelines(); err != nil {
		return nil, err
	}
	queues := map[string][]string{b.twin(): b.priorities}
	for _, p := range b.priorities {
		queues[b.queue(p)] = []string{p}
	}
	if err := b.declareQueues(b.topic, queues); err != nil {
		return nil, err
	}

	res := &Result{N: cfg.N}
	first := uniqueBodies(corpus, cfg.N, "b"+b.id+"-")
	b.progress("preloading %d notifications into %s.%s.* and the twin queue", cfg.N, b.prefix, b.topic)
	if err := b.publish(ctx, b.topic, first); err != nil {
		return nil, err
	}
	if res.Raw, err = measure(ctx, "raw amqp091 consumer", b.raw); err != nil {
		return nil, err
	}
	if err := b.deleteQueues(b.twin()); err != nil {
		return nil, err
	}
	b.progress("publishing %d notifications at %d/s into a bare consumer (the latency floor)", cfg.LatencyN, cfg.Rate)
	if res.Floor, err = b.floor(ctx, uniqueBodies(corpus, cfg.LatencyN, "f"+b.id+"-"), cfg.Rate); err != nil {
		return nil, fmt.Errorf("latency floor: %w", err)
	}
	b.progress("draining the queues with the bridge alone (meterflow run --bridge-only)")
	if res.Bridge, err = b.bridge(ctx); err != nil {
		return nil, fmt.Errorf("bridge: %w", err)
	}

	// The storage floor drains as the whole path will: N notifications
	// in RabbitMQ, nothing else queued.
	b.progress("preloading %d fresh notifications into %s", cfg.N, b.storageQueue())
	if err := b.declareQueues(b.storageTopic(), map[string][]string{b.storageQueue(): b.priorities}); err != nil {
		return nil, err
	}
	if err := b.publish(ctx, b.storageTopic(), uniqueBodies(corpus, cfg.N, "s"+b.id+"-")); err != nil {
		return nil, err
	}
	b.progress("draining them with the storage floor (no meterflow code)")
	if res.Storage, err = measure(ctx, "storage floor", b.storageFloor); err != nil {
		return nil, err
	}
	if err := b.deleteQueues(b.storageQueue()); err != nil {
		return nil, err
	}

	second := uniqueBodies(corpus, cfg.N, "w"+b.id+"-")
	if b.want.Samples, b.want.Events, err = expected(second); err != nil {
		return nil, err
	}
	b.progress("preloading %d fresh notifications (%d samples, %d events expected)", cfg.N, b.want.Samples, b.want.Events)
	if err := b.publish(ctx, b.topic, second); err != nil {
		return nil, err
	}
	b.progress("draining them through the whole path (meterflow run)")
	if res.Whole, res.Latency, err = b.wholeAndLatency(ctx, corpus); err != nil {
		return nil, err
	}

	b.progress("replaying NOTIFICATIONS to a file")
	if res.Replay, err = measure(ctx, "replay to a file", b.replay); err != nil {
		return nil, err
	}

	if cfg.Ceilometer {
		if res.Ceilometer, err = b.ceilometer(ctx, second); err != nil {
			return nil, fmt.Errorf("ceilometer: %w", err)
		}
	}
	return res, nil
}

// run is the state of one benchmark run.
type run struct {
	cfg                   Config
	id                    string
	amqpURL, brokerURL    string
	exchanges, priorities []string
	topic, prefix, dir    string
	// pipelineFile and eventPipelineFile send every sample and event to a
	// jetstream:// sink.
	pipelineFile, eventPipelineFile string
	// want is what the whole path must store.
	want struct{ Samples, Events uint64 }
	// created lists every queue declared, for cleanup.
	created []string
}

func (b *run) progress(format string, args ...any) {
	fmt.Fprintf(b.cfg.Progress, format+"\n", args...)
}

func (b *run) queue(prio string) string { return b.prefix + "." + b.topic + "." + prio }
func (b *run) twin() string             { return b.prefix + ".twin" }

// cleanup deletes the queues and the temp dir.
func (b *run) cleanup() error {
	var errs []error
	if len(b.created) > 0 {
		errs = append(errs, b.deleteQueues(b.created...))
	}
	if err := os.RemoveAll(b.dir); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// writePipelines writes the pipelines of the processing phases: every
// sample and event into a jetstream:// sink, so that no external sink
// limits them.
func (b *run) writePipelines() error {
	b.pipelineFile = filepath.Join(b.dir, "pipeline.yaml")
	b.eventPipelineFile = filepath.Join(b.dir, "event_pipeline.yaml")
	const pipe = "sources:\n  - name: bench\n    %s: [\"*\"]\n    sinks: [bench]\nsinks:\n  - name: bench\n    publishers: [\"jetstream://\"]\n"
	if err := os.WriteFile(b.pipelineFile, fmt.Appendf(nil, pipe, "meters"), 0o644); err != nil {
		return err
	}
	return os.WriteFile(b.eventPipelineFile, fmt.Appendf(nil, pipe, "events"), 0o644)
}

// serviceConfig is the processing phases' definitions and pipelines, as
// the in-process replay loads them.
func (b *run) serviceConfig() service.Config {
	return service.Config{Convert: convert.Config{NoEtc: true},
		PipelineFile: b.pipelineFile, EventPipelineFile: b.eventPipelineFile}
}

// expected converts ns with the shipped definitions and counts the samples
// and events: what the whole path must store.
func expected(ns []notification) (samples, events uint64, err error) {
	conv, err := convert.Load(convert.Config{NoEtc: true})
	if err != nil {
		return 0, 0, err
	}
	for _, n := range ns {
		r, err := conv.ConvertBody(n.Body)
		if err != nil {
			return 0, 0, err
		}
		samples += uint64(len(r.Samples))
		events += uint64(len(r.Events))
	}
	return samples, events, nil
}
