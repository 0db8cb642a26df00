package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"meterflow/bench"
)

func benchCmd(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("bench", "bench [flags]", stderr)
	withExamples(fs, stderr, `usage: meterflow bench [flags]

Measures, in one run against the local RabbitMQ: a bare amqp091 consumer,
the bridge alone and the whole path to SAMPLES (each a separate
"meterflow run" process with an embedded JetStream), the publish-to-sample
latency at --rate on the warm whole-path process and its floor (the same
load into a bare amqp091 consumer), and a replay to a file;
prints rates, ratios to the raw consumer, CPU seconds per 1,000
notifications, meterflow's peak RSS per phase and the latency percentiles.
--ceilometer also drains the same notifications with Debian's
ceilometer-agent-notification and prints meterflow's speed-up over it.
Queues, processes and files are removed at the end.

Examples:
  meterflow bench
  meterflow bench -n 20000 --rate 5000 --amqp-url rabbit://guest:guest@127.0.0.1:5672/
  meterflow bench --ceilometer

`)
	amqpURL := fs.String("amqp-url", "rabbit://guest:guest@localhost:5672/", "RabbitMQ to benchmark against (oslo transport URL); queues of its own are created and deleted")
	n := fs.Int("n", bench.DefaultN, "notifications each phase drains")
	corpus := fs.String("corpus", bench.DefaultCorpus, "golden corpus the notifications are cycled from (each gets a unique message_id)")
	rate := fs.Int("rate", bench.DefaultRate, "offered rate of the latency phase, notifications/s")
	latencyN := fs.Int("latency-n", 0, fmt.Sprintf("notifications the latency phase publishes (default -n, at most %d s at --rate)", bench.LatencySeconds))
	ceilometer := fs.Bool("ceilometer", false, "also drain the same notifications with Debian's ceilometer-agent-notification and print the speed-up")
	ceilometerBatch := fs.Int("ceilometer-batch", bench.DefaultCeilometerBatch, "the agent's [notification] batch_size")
	tmp := fs.String("tmp", "", "directory for the JetStream stores, logs and outputs (default the system's temp dir)")
	runFlags := &listFlag{}
	fs.Var(runFlags, "run-flag", "flag added to every meterflow run the bench starts, repeatable (--run-flag=--memory-limit=off)")
	quiet := fs.Bool("quiet", false, "print only the table, no progress")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *n < 1 || *rate < 1 || *latencyN < 0 || *ceilometerBatch < 1 {
		fmt.Fprintln(stderr, "-n, --rate and --ceilometer-batch must be at least 1, --latency-n at least 0")
		return errUsage
	}
	exe, err := os.Executable()
	if err != nil {
		return fmt.Errorf("find meterflow's executable: %w", err)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	cfg := bench.Config{AMQPURL: *amqpURL, N: *n, Corpus: *corpus, Executable: exe, Rate: *rate,
		LatencyN: *latencyN, Ceilometer: *ceilometer, CeilometerConfig: bench.CeilometerConfig{BatchSize: *ceilometerBatch},
		TempDir: *tmp, RunFlags: runFlags.values, Progress: stderr}
	if *quiet {
		cfg.Progress = io.Discard
	}
	res, err := bench.Run(ctx, cfg)
	if err != nil {
		return err
	}
	if err := res.Print(stdout); err != nil {
		return fmt.Errorf("print: %w", err)
	}
	return nil
}
