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

Measures, in one run against the local RabbitMQ and an embedded JetStream:
a bare amqp091 consumer, the bridge alone, the whole path to SAMPLES, and a
replay to a file; prints rates, ratios to the raw consumer, CPU seconds per
1,000 notifications, latency and peak RSS. Its queues are deleted at the end.

Examples:
  meterflow bench
  meterflow bench -n 20000 --amqp-url rabbit://guest:guest@127.0.0.1:5672/

`)
	amqpURL := fs.String("amqp-url", "rabbit://guest:guest@localhost:5672/", "RabbitMQ to benchmark against (oslo transport URL); queues of its own are created and deleted")
	n := fs.Int("n", bench.DefaultN, "notifications each phase drains")
	corpus := fs.String("corpus", bench.DefaultCorpus, "golden corpus the notifications are cycled from (each gets a unique message_id)")
	tmp := fs.String("tmp", "", "directory for the JetStream stores and the replay output (default the system's temp dir)")
	quiet := fs.Bool("quiet", false, "print only the table, no progress")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *n < 1 {
		fmt.Fprintln(stderr, "-n must be at least 1")
		return errUsage
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	cfg := bench.Config{AMQPURL: *amqpURL, N: *n, Corpus: *corpus, TempDir: *tmp, Progress: stderr}
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
