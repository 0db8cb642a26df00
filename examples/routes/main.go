// Command routes runs meterflow with two routes of its own, written with
// the public routes API:
//
//   - boot_time: every compute.instance.create.end from nova whose instance
//     took at least -boot-threshold from created_at to launched_at becomes
//     an alert on alerts.boot_time:
//     {"instance_id": ..., "project": ..., "host": ..., "seconds": 75.0}
//   - login_failures: every failed keystone login (identity.authenticate
//     with payload.outcome "failure") updates a running count of failures
//     of its project, published on keystone.login_failures.<project>:
//     {"project": "...", "failures": 3}
//
// Both read the NOTIFICATIONS log, each through its own durable consumer,
// and their outputs are stored in the stream ROUTES. The bridge runs as in
// `meterflow run`; -convert also runs Ceilometer's conversion and sinks.
//
//	go run ./examples/routes -amqp-url rabbit://guest:guest@localhost:5672/
//	nats -s nats://127.0.0.1:4234 sub 'alerts.>' 'keystone.>'
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"meterflow/routes"
	"meterflow/service"
	amqpt "meterflow/transport/amqp"
	jst "meterflow/transport/jetstream"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "routes example:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	fs := flag.NewFlagSet("routes", flag.ContinueOnError)
	amqpURL := fs.String("amqp-url", service.DefaultBroker, "RabbitMQ, as an oslo.messaging transport URL")
	exchanges := fs.String("exchanges", "", "comma-separated exchanges to consume (default: Ceilometer's notification_control_exchanges)")
	topic := fs.String("topic", "notifications", "oslo notification topic")
	queuePrefix := fs.String("queue-prefix", "meterflow-routes-example", "prefix of the example's own RabbitMQ queues")
	data := fs.String("data", "./data-routes-example", "data directory of the embedded JetStream")
	natsListen := fs.String("nats-listen", "127.0.0.1:4234", "address of the embedded JetStream")
	httpListen := fs.String("http-listen", "127.0.0.1:9471", `address of /metrics, /healthz and /readyz ("" for none)`)
	bootThreshold := fs.Duration("boot-threshold", 0, "alert on boots at least this long (0: every boot)")
	convert := fs.Bool("convert", false, "also convert notifications with Ceilometer's definitions and pipelines")
	if err := fs.Parse(args); err != nil {
		return err
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))

	cfg := service.Config{
		AMQP:       amqpt.Config{Brokers: []string{*amqpURL}, QueuePrefix: *queuePrefix, Logger: log},
		Topics:     []string{*topic},
		Server:     jst.ServerConfig{DataDir: *data, ListenAddr: *natsListen},
		HTTPListen: *httpListen,
		BridgeOnly: !*convert,
		Logger:     log,
	}
	if *exchanges != "" {
		cfg.AMQP.Exchanges = strings.Split(*exchanges, ",")
	}
	failures := newFailureCounter()
	cfg.Routes = []routes.Route{
		{
			Name:    "boot_time",
			Match:   routes.All(routes.Exchange("nova"), routes.EventType("compute.instance.create.end")),
			Handler: bootTime(*bootThreshold),
			To:      routes.Subject(AlertSubject),
		},
		{
			Name: "login_failures",
			Match: routes.All(routes.Exchange("keystone"), routes.EventType("identity.authenticate"),
				routes.Predicate(failedLogin)),
			Handler: failures.Handle,
			To:      routes.Subject(FailuresSubject),
			// one at a time, in the log's order: each count follows the last
			Concurrency: 1,
		},
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	svc, err := service.New(ctx, cfg)
	if err != nil {
		return err
	}
	if err := failures.Resume(ctx, svc.JetStream()); err != nil {
		_ = svc.Close()
		return fmt.Errorf("resume the failure counts: %w", err)
	}
	log.Info("routes example running", "nats", svc.NATSURL(), "alerts", AlertSubject, "failures", FailuresSubject+".<project>")
	err = svc.Run(ctx)
	if errors.Is(err, context.Canceled) {
		err = nil
	}
	return err
}

// encode is json.Marshal for the example's own types, which cannot fail.
func encode(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}
