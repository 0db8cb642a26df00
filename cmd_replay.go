package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"
	"time"

	"github.com/nats-io/nats.go"

	"meterflow/replay"
	"meterflow/service"
	jst "meterflow/transport/jetstream"
)

func replayCmd(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("replay", "replay [flags]", stderr)
	withExamples(fs, stderr, `usage: meterflow replay [flags]

Re-runs stored notifications (stream NOTIFICATIONS) through the current
definitions and pipelines, with an ordered consumer that leaves the live
durable consumer untouched.

Examples:
  meterflow replay --since 2h --output /tmp/samples.jsonl          # dry run to a file
  meterflow replay --from 2026-11-24T00:00:00Z --until 2026-11-24T06:00:00Z --sink meter_sink
  meterflow replay --subject 'notifications.nova.*.compute.instance.>' --namespace check1
  meterflow replay --data /var/lib/meterflow --from-seq 1000 --to-seq 2000 --output -

`)
	natsURL := fs.String("nats-url", "nats://"+jst.DefaultListenAddr, "NATS of the running meterflow (its embedded server's address, or the external cluster)")
	data := fs.String("data", "", "open a stopped meterflow's store in this directory with an in-process server instead of --nats-url")
	natsCreds := addNATSFlags(fs)
	defFlags := addDefinitionFlags(fs)
	secret := addSecretFlag(fs)

	since := fs.Duration("since", 0, "replay notifications stored in this last span, e.g. 2h")
	from := fs.String("from", "", "replay notifications stored at or after this RFC 3339 time")
	until := fs.String("until", "", "replay notifications stored before this RFC 3339 time")
	fromSeq := fs.Uint64("from-seq", 0, "first stream sequence to replay")
	toSeq := fs.Uint64("to-seq", 0, "last stream sequence to replay (default: the last one when the replay starts)")
	subjects := &listFlag{}
	fs.Var(subjects, "subject", "replay only notifications on this subject filter, repeatable (e.g. 'notifications.nova.*.compute.instance.>')")

	target := fs.String("target", "live", "live: the sink subjects, deduplicated by message id; namespace (with --namespace); file (with --output)")
	sink := fs.String("sink", "", "only this pipeline sink's samples and events")
	namespace := fs.String("namespace", "", "publish to replay.<name>.samples|events... in stream REPLAY (created if missing)")
	output := fs.String("output", "", "dry run: write samples and events as JSON lines to this file ('-' for stdout) and publish nothing")
	workers := fs.Int("workers", 0, "conversion goroutines (default GOMAXPROCS)")
	batch := fs.Int("batch", replay.DefaultBatchSize, "notifications converted by one worker at once (the server sends ahead two batches)")
	logFormat := fs.String("log-format", "text", "log format: text or json")
	logLevel := fs.String("log-level", "info", "log level: debug, info, warn, error")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	logger, err := newLogger(stderr, *logFormat, *logLevel)
	if err != nil {
		return err
	}

	cfg := replay.Config{Subjects: subjects.values, FromSeq: *fromSeq, ToSeq: *toSeq, Sink: *sink,
		Namespace: *namespace, Secret: *secret, Workers: *workers, BatchSize: *batch, Logger: logger}
	if cfg.From, err = parseTime("from", *from); err != nil {
		return err
	}
	if cfg.Until, err = parseTime("until", *until); err != nil {
		return err
	}
	if *since != 0 {
		if !cfg.From.IsZero() {
			return usageErr(fs, "--since and --from are exclusive")
		}
		cfg.From = time.Now().Add(-*since)
	}
	switch {
	case *target == "live" && *namespace != "":
		*target = "namespace"
	case *target == "live" && *output != "":
		*target = "file"
	}
	switch *target {
	case "live":
	case "namespace":
		if *namespace == "" || *output != "" {
			return usageErr(fs, "--target namespace needs --namespace and no --output")
		}
	case "file":
		if *output == "" || *namespace != "" {
			return usageErr(fs, "--target file needs --output and no --namespace")
		}
	default:
		return usageErr(fs, fmt.Sprintf("--target %q: want live, namespace or file", *target))
	}

	var scfg service.Config
	defFlags.apply(&scfg)
	defs, err := service.LoadDefinitions(scfg)
	if err != nil {
		return err
	}
	cfg.Definitions = defs

	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(replay.GCPercent) // see replay.GCPercent
	}
	nc, closeNATS, err := replayConnect(*data, *natsURL, natsCreds.options())
	if err != nil {
		return err
	}
	defer closeNATS()

	var out *bufio.Writer
	if *output != "" {
		var f *os.File
		if *output == "-" {
			f = os.Stdout
		} else if f, err = os.Create(*output); err != nil {
			return err
		}
		defer func() {
			if f != os.Stdout {
				f.Close()
			}
		}()
		out = bufio.NewWriterSize(f, 256<<10)
		cfg.Output = out
	}
	cfg.Progress = replay.NewProgress(stderr, logger)

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	sum, err := replay.Run(ctx, nc, cfg)
	if out != nil {
		if ferr := out.Flush(); err == nil && ferr != nil {
			err = fmt.Errorf("write %s: %w", *output, ferr)
		}
	}
	if sum != nil {
		summaryTo := stdout
		if *output == "-" {
			summaryTo = stderr
		}
		_, _ = sum.WriteTo(summaryTo)
	}
	if errors.Is(err, context.Canceled) {
		logger.Info("replay interrupted; what was read is written and published")
		return nil
	}
	return err
}

func usageErr(fs interface{ Output() io.Writer }, msg string) error {
	fmt.Fprintln(fs.Output(), msg)
	return errUsage
}

func parseTime(name, v string) (time.Time, error) {
	if v == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339Nano, v)
	if err != nil {
		return time.Time{}, fmt.Errorf("--%s %q: want an RFC 3339 time such as 2026-11-24T00:00:00Z", name, v)
	}
	return t, nil
}

// replayConnect opens the store in dataDir with an in-process server, or
// connects to url with opts.
func replayConnect(dataDir, url string, opts []jst.ConnectOption) (*nats.Conn, func(), error) {
	if dataDir != "" {
		srv, err := jst.StartServer(jst.ServerConfig{DataDir: dataDir, InProcessOnly: true})
		if err != nil {
			return nil, nil, err
		}
		shutdown := func() {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			_ = srv.Shutdown(ctx)
		}
		nc, err := srv.Connect()
		if err != nil {
			shutdown()
			return nil, nil, err
		}
		return nc, shutdown, nil
	}
	nc, err := jst.Connect(url, opts...)
	if err != nil {
		return nil, nil, fmt.Errorf("connect to NATS: %w", err)
	}
	return nc, func() { _ = nc.Drain() }, nil
}
