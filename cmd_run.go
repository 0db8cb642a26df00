package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/nats-io/nats.go"

	"meterflow/service"
	amqpt "meterflow/transport/amqp"
	jst "meterflow/transport/jetstream"
)

func runCmd(args []string, stdout, stderr io.Writer) error {
	fs, configFile, build, rt := declareRunFlags(stderr)
	watch := fs.Bool("watch", false, "reload the definitions and pipelines when their files change (checked every 2s), as SIGHUP does")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if err := applyConfig(fs, *configFile); err != nil {
		return err
	}
	cfg, err := build()
	if err != nil {
		return err
	}
	logger := cfg.Logger
	if err := checkPprofListen(*rt.pprofListen); err != nil {
		return err
	}
	limit := rt.apply()
	logger.Debug("Go runtime", "memory_limit", limit, "GOMEMLIMIT", os.Getenv("GOMEMLIMIT"))

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := servePprof(ctx, *rt.pprofListen, logger); err != nil {
		return err
	}
	go enforceMemoryLimit(ctx, limit, logger)
	// SIGHUP reloads; caught from here on (a SIGHUP while starting waits)
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	diagnosis := diagnoseNATS(&cfg, logger)
	svc, err := service.New(ctx, cfg)
	if err != nil {
		return diagnosis.explain(err)
	}
	logger.Info("meterflow running", "version", version, "brokers", redactAll(cfg.AMQP.Brokers), "topics", cfg.Topics)
	go reloadOnSignal(ctx, svc, hup, logger)
	if *watch {
		go svc.Watch(ctx, service.DefaultWatchInterval)
	}
	err = svc.Run(ctx)
	logger.Info("meterflow stopped")
	return err
}

// reloadOnSignal reloads the definitions and pipelines on every signal
// until ctx is done. A rejected reload keeps the running ones.
func reloadOnSignal(ctx context.Context, svc *service.Service, signals <-chan os.Signal, logger *slog.Logger) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-signals:
			logger.Info("SIGHUP: reloading definitions and pipelines")
			if err := svc.Reload(); err != nil {
				logger.Error("reload failed; the running definitions stay", "error", err)
			}
		}
	}
}

// declareRunFlags declares the flags of run. build turns them, once parsed and
// completed by applyConfig, into the service's configuration; rt are the
// flags tuning the Go runtime of the process.
func declareRunFlags(stderr io.Writer) (fs *flag.FlagSet, configFile *string, build func() (service.Config, error), rt *runtimeFlags) {
	fs = newFlagSet("run", "run [flags]", stderr)
	withExamples(fs, stderr, `usage: meterflow run [flags]

Bridges OpenStack notifications from RabbitMQ into the JetStream log
(NOTIFICATIONS), converts them with Ceilometer's definitions and delivers
samples and events to the pipelines' sinks. SIGTERM stops gracefully;
SIGHUP reloads definitions and pipelines. Every flag can also be set in the
--config file or as MF_<FLAG> in the environment.

Examples:
  meterflow run                                   # local RabbitMQ, embedded JetStream in ./data
  meterflow run --config /etc/meterflow/meterflow.yaml
  meterflow run --amqp-url rabbit://u:p@mq1:5672,u:p@mq2:5672/ --amqp-url rabbit://u:p@mq-nova:5672/
  meterflow run --nats-url nats://nats-1:4222,nats://nats-2:4222,nats://nats-3:4222 --stream-replicas 3
  meterflow run --bridge-only --ceilometer-queues  # take over Ceilometer's own queues, log only

`)
	configFile = addConfigFlag(fs)
	brokers := &listFlag{values: []string{"rabbit://guest:guest@localhost:5672/"}}
	fs.Var(brokers, "amqp-url", "oslo.messaging transport URL of a RabbitMQ to consume, repeatable (rabbit://user:pass@host:port[,host2:port2]/vhost[?ssl=1], amqps:// for TLS)")
	exchanges := &listFlag{values: amqpt.DefaultExchanges, split: true}
	fs.Var(exchanges, "exchanges", "control exchanges to bind (comma-separated)")
	priorities := &listFlag{values: amqpt.DefaultPriorities, split: true}
	fs.Var(priorities, "priorities", "notification priorities to consume (comma-separated)")
	topics := &listFlag{values: []string{"notifications"}, split: true}
	fs.Var(topics, "topics", "oslo notification topics (comma-separated)")
	queuePrefix := fs.String("queue-prefix", "meterflow", "prefix of meterflow's own queues: <prefix>.<topic>.<priority>")
	ceilometerQueues := fs.Bool("ceilometer-queues", false, "consume Ceilometer's queues (<topic>.<priority>) instead of meterflow's own")
	durable := fs.Bool("amqp-durable-queues", false, "create missing exchanges and queues durable (oslo's amqp_durable_queues)")
	quorum := fs.Bool("amqp-quorum-queues", false, "create missing queues as quorum queues (oslo's rabbit_quorum_queue)")
	prefetch := fs.Int("prefetch", 1000, "AMQP prefetch per queue (deliveries in flight)")
	amqpTLS := amqpt.TLSFiles{}
	fs.StringVar(&amqpTLS.CA, "amqp-ca", "", "CA certificate file to verify amqps:// (and ?ssl=1) brokers, oslo's ssl_ca_file (default: the system roots)")
	fs.StringVar(&amqpTLS.Cert, "amqp-cert", "", "client certificate file for amqps:// brokers, oslo's ssl_cert_file")
	fs.StringVar(&amqpTLS.Key, "amqp-key", "", "client key file for amqps:// brokers, oslo's ssl_key_file")

	data := fs.String("data", "./data", "directory of the embedded JetStream store")
	listen := fs.String("nats-listen", jst.DefaultListenAddr, "listen address of the embedded NATS server (4222 is often taken by a system nats-server)")
	natsCreds := addNATSFlags(fs)
	natsURL := fs.String("nats-url", "", "use this external NATS server or cluster (comma-separated URLs) instead of the embedded one")

	maxAge := fs.Duration("stream-max-age", jst.DefaultStreamMaxAge, "how long NOTIFICATIONS keeps notifications (the replay horizon)")
	maxBytes := fs.Int64("stream-max-bytes", jst.DefaultStreamMaxBytes, "size limit of NOTIFICATIONS; when full, new notifications wait in RabbitMQ")
	dupWindow := fs.Duration("duplicate-window", jst.DefaultStreamDuplicates, "JetStream deduplication window for message ids")
	replicas := fs.Int("stream-replicas", 1, "stream replicas (JetStream cluster only)")
	bridgeOnly := fs.Bool("bridge-only", false, "only bridge RabbitMQ into NOTIFICATIONS: no conversion, no sinks")
	defFlags := addDefinitionFlags(fs)
	gnocchiURL := fs.String("gnocchi-url", "gnocchi://localhost:8041", "Gnocchi API a bare gnocchi:// publisher uses (Ceilometer asks keystone); gnocchi+https:// for TLS, user:pass@ for basic auth")
	secret := addSecretFlag(fs)
	concurrency := fs.Int("process-concurrency", 256, "notifications converted at once")
	sinkBatch := fs.Int("sink-batch", 100, "largest batch handed to a sink")
	maxBody := fs.Int("max-body-bytes", 0, "largest notification body stored; larger ones are dead-lettered (default just under 1 MiB)")
	httpListen := fs.String("http-listen", service.DefaultHTTPListen, `address of the HTTP server serving /metrics, /healthz and /readyz ("" disables it)`)
	shutdown := fs.Duration("shutdown-timeout", 30*time.Second, "how long a graceful stop may take")
	logFormat := fs.String("log-format", "text", "log format: text or json")
	logLevel := fs.String("log-level", "info", "log level: debug, info, warn, error")
	rt = addRuntimeFlags(fs)
	return fs, configFile, func() (service.Config, error) {
		logger, err := newLogger(stderr, *logFormat, *logLevel)
		if err != nil {
			return service.Config{}, err
		}

		cfg := service.Config{
			AMQP: amqpt.Config{
				Brokers: brokers.values, Exchanges: exchanges.values, Priorities: priorities.values,
				QueuePrefix: *queuePrefix, CeilometerQueues: *ceilometerQueues,
				Durable: *durable, Quorum: *quorum, Prefetch: *prefetch,
			},
			Topics:             topics.values,
			BridgeOnly:         *bridgeOnly,
			Secret:             *secret,
			GnocchiURL:         *gnocchiURL,
			ProcessConcurrency: *concurrency,
			SinkBatch:          *sinkBatch,
			NATSURL:            *natsURL,
			MaxBodyBytes:       *maxBody,
			HTTPListen:         *httpListen,
			ShutdownTimeout:    *shutdown,
			Logger:             logger,
			Notifications:      jst.StreamConfig{MaxAge: *maxAge, MaxBytes: *maxBytes, Duplicates: *dupWindow, Replicas: *replicas},
			Samples:            jst.StreamConfig{MaxAge: *maxAge, MaxBytes: *maxBytes, Duplicates: *dupWindow, Replicas: *replicas},
			Events:             jst.StreamConfig{MaxAge: *maxAge, MaxBytes: *maxBytes, Duplicates: *dupWindow, Replicas: *replicas},
			DeadLetter:         jst.StreamConfig{MaxAge: *maxAge, MaxBytes: *maxBytes / 10, Duplicates: *dupWindow, Replicas: *replicas},
		}
		if !amqpTLS.IsZero() {
			if cfg.AMQP.TLS, err = amqpt.LoadTLS(amqpTLS); err != nil {
				return service.Config{}, fmt.Errorf("--amqp-ca/--amqp-cert/--amqp-key: %w", err)
			}
		}
		defFlags.apply(&cfg)
		if *natsURL == "" {
			if err := checkEmbeddedAuth(*listen, *natsCreds.user, *natsCreds.token); err != nil {
				return service.Config{}, err
			}
			cfg.Server = jst.ServerConfig{DataDir: *data, ListenAddr: *listen, User: *natsCreds.user, Password: *natsCreds.password, Token: *natsCreds.token}
		} else {
			cfg.NATSOptions = append([]jst.ConnectOption{jst.WithRetryOnFailedConnect()}, natsCreds.options()...)
		}
		return cfg, nil
	}, rt
}

// natsDiagnosis says why an external NATS cannot be reached. nats.go
// retries a TLS or TCP failure silently and, after an authorization
// violation, closes the connection with the cause kept only in
// Conn.LastError: meterflow would hang or fail with "connection closed".
type natsDiagnosis struct{ closed chan error }

// diagnoseNATS logs every failed attempt to reach cfg's external NATS and
// keeps the error nats.go gave up with, for explain.
func diagnoseNATS(cfg *service.Config, logger *slog.Logger) *natsDiagnosis {
	d := &natsDiagnosis{closed: make(chan error, 1)}
	if cfg.NATSURL == "" {
		return d
	}
	cfg.NATSOptions = append(cfg.NATSOptions, jst.WithNATSOptions(
		nats.ReconnectErrHandler(func(_ *nats.Conn, err error) {
			logger.Warn("NATS unavailable, retrying", "error", err)
		}),
		nats.ClosedHandler(func(nc *nats.Conn) {
			if err := nc.LastError(); err != nil {
				select {
				case d.closed <- err:
				default:
				}
			}
		}),
	))
	return d
}

// explain adds to err, when the NATS connection was closed under it, the
// reason (the server's authorization violation, say). The reason is
// reported asynchronously: explain waits for it up to a second.
func (d *natsDiagnosis) explain(err error) error {
	if !errors.Is(err, nats.ErrConnectionClosed) && !strings.Contains(err.Error(), nats.ErrConnectionClosed.Error()) {
		return err
	}
	select {
	case cause := <-d.closed:
		return fmt.Errorf("%w: the NATS server closed the connection: %v", err, cause)
	case <-time.After(time.Second):
		return err
	}
}

// checkEmbeddedAuth refuses to expose the embedded NATS server beyond
// loopback without authentication: anyone reaching the port could read
// and delete the notification log.
func checkEmbeddedAuth(listen, user, token string) error {
	host, _, err := net.SplitHostPort(listen)
	if err != nil || user != "" || token != "" {
		return nil // a bad address is reported by the server itself
	}
	if ip := net.ParseIP(host); host == "localhost" || ip != nil && ip.IsLoopback() {
		return nil
	}
	return fmt.Errorf("--nats-listen %s exposes the embedded NATS server beyond loopback without authentication: set --nats-user and --nats-password (or $MF_NATS_PASSWORD), or --nats-token (or $MF_NATS_TOKEN)", listen)
}

func newLogger(w io.Writer, format, level string) (*slog.Logger, error) {
	var lvl slog.Level
	if err := lvl.UnmarshalText([]byte(level)); err != nil {
		return nil, fmt.Errorf("--log-level %q: %w", level, err)
	}
	opts := &slog.HandlerOptions{Level: lvl}
	switch strings.ToLower(format) {
	case "text":
		return slog.New(slog.NewTextHandler(w, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	default:
		return nil, fmt.Errorf("--log-format %q: want text or json", format)
	}
}

func redactAll(urls []string) []string {
	out := make([]string, len(urls))
	for i, u := range urls {
		out[i] = amqpt.Redact(u)
	}
	return out
}
