package service_test

import (
	"context"
	"encoding/json"
	"net"
	"net/http"
	"net/url"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"

	"meterflow/internal/testenv"
	"meterflow/service"
	jst "meterflow/transport/jetstream"
)

// readyzNATS polls /readyz until it answers code with NATS in state, and
// fails the test after within.
func (e *httpEnv) readyzNATS(t *testing.T, code int, state string, within time.Duration) time.Duration {
	t.Helper()
	start := time.Now()
	for {
		got, body := e.get(t, "/readyz")
		var r struct {
			NATS string `json:"nats"`
		}
		if err := json.Unmarshal(body, &r); err != nil {
			t.Fatalf("/readyz body %q: %v", body, err)
		}
		if got == code && r.NATS == state {
			return time.Since(start)
		}
		if time.Since(start) > within {
			t.Fatalf("/readyz after %s: %d %s, want %d with nats %q", within, got, body, code, state)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestReadyzFollowsAnExternalNATSGoingDownAndComingBack(t *testing.T) {
	dataDir := t.TempDir()
	srv, err := jst.StartServer(jst.ServerConfig{DataDir: dataDir, ListenAddr: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	clientURL := srv.ClientURL()
	u, err := url.Parse(clientURL)
	if err != nil {
		t.Fatal(err)
	}
	addr := net.JoinHostPort(u.Hostname(), u.Port())
	// Registered before the service's cleanup, so it runs after the
	// service stopped.
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
	})

	env := startHTTPEnv(t, []string{"nova"}, func(c *service.Config) {
		c.NATSURL = clientURL
		c.Server = jst.ServerConfig{}
	})
	env.waitAMQP(t, 1)
	env.readyzNATS(t, http.StatusOK, service.StateConnected, 5*time.Second)

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	took := env.readyzNATS(t, http.StatusServiceUnavailable, service.StateDisconnected, 5*time.Second)
	t.Logf("/readyz said NATS is disconnected %s after the server stopped", took.Round(time.Millisecond))
	if got := sum(env.scrape(t), "meterflow_nats_connected", nil); got != 0 {
		t.Errorf("meterflow_nats_connected = %v while NATS is down", got)
	}
	if code, _ := env.get(t, "/healthz"); code != http.StatusOK {
		t.Errorf("/healthz: %d while NATS is down; liveness must not depend on it", code)
	}

	// Notifications that arrive during the outage wait in RabbitMQ.
	var nova []testenv.Case
	for _, c := range testenv.UniqueBodies(t, 200) {
		if c.Exchange == "nova" {
			nova = append(nova, c)
		}
	}
	if len(nova) < 2 {
		t.Fatalf("%d nova cases in the corpus", len(nova))
	}
	during, after := nova[:len(nova)/2], nova[len(nova)/2:]
	testenv.PublishCases(t, env.topic, during)

	time.Sleep(time.Second) // a real outage, not a blip
	srv, err = jst.StartServer(jst.ServerConfig{DataDir: dataDir, ListenAddr: addr})
	if err != nil {
		t.Fatalf("restart NATS on %s: %v", addr, err)
	}
	// The client reconnects with backoff from 250ms, doubling up to 30s.
	took = env.readyzNATS(t, http.StatusOK, service.StateConnected, 30*time.Second)
	t.Logf("/readyz was 200 again %s after the server restarted", took.Round(time.Millisecond))
	if got := sum(env.scrape(t), "meterflow_nats_connected", nil); got != 1 {
		t.Errorf("meterflow_nats_connected = %v after the reconnect", got)
	}

	// The bridge works again, and lost nothing published while NATS was down.
	testenv.PublishCases(t, env.topic, after)
	n := float64(len(nova))
	mfs := env.waitMetrics(t, "every notification bridged or dead-lettered after the reconnect", func(m map[string]*dto.MetricFamily) bool {
		return sum(m, "meterflow_bridge_bridged_total", nil)+sum(m, "meterflow_bridge_dead_lettered_total", nil)-sum(m, "meterflow_bridge_duplicates_total", nil) >= n
	})
	stored := float64(testenv.StreamMsgs(t, env.svc.JetStream(), service.StreamNotifications))
	deadLettered := sum(mfs, "meterflow_bridge_dead_lettered_total", nil)
	if stored+deadLettered != n {
		t.Errorf("%v stored and %v dead-lettered of the %v notifications published", stored, deadLettered, n)
	}
	t.Logf("%d notifications published during the outage, %d after; %v stored, %v dead-lettered", len(during), len(after), stored, deadLettered)
}
