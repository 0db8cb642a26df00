package service

import (
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"meterflow/internal/testenv"
)

// A subscription on the service's connection that drops messages as a
// slow consumer is reported in the log with its subject: JetStream would
// redeliver the dropped messages only after AckWait, a stall nobody could
// explain without it.
func TestNATSAsyncErrorsAreLogged(t *testing.T) {
	var logs testenv.SyncBuffer
	e := startEnv(t, []string{"nova"}, func(c *Config) {
		c.Logger = slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelWarn}))
	})
	nc := e.svc.JetStream().Conn()
	release := make(chan struct{})
	defer close(release)
	subject := "slow." + e.topic
	sub, err := nc.Subscribe(subject, func(*nats.Msg) { <-release })
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Unsubscribe()
	if err := sub.SetPendingLimits(1, -1); err != nil {
		t.Fatal(err)
	}
	for range 5 {
		if err := nc.Publish(subject, []byte("x")); err != nil {
			t.Fatal(err)
		}
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		out := logs.String()
		if strings.Contains(out, "NATS asynchronous error") && strings.Contains(out, "slow consumer") &&
			strings.Contains(out, "subject="+subject) {
			if n := slowConsumerCount(t, e.svc); n < 1 {
				t.Fatalf("meterflow_nats_async_errors_total{kind=\"slow_consumer\"} = %v, want at least 1", n)
			}
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("no slow-consumer warning logged:\n%s", out)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// slowConsumerCount reads meterflow_nats_async_errors_total{kind="slow_consumer"}.
func slowConsumerCount(t *testing.T, svc *Service) float64 {
	var n float64
	eachCounter(t, svc, "nats_async_errors_total", func(labels map[string]string, v float64) {
		if labels["kind"] == "slow_consumer" {
			n += v
		}
	})
	return n
}
