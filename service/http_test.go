package service_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"meterflow/internal/testenv"
	"meterflow/service"
	amqpt "meterflow/transport/amqp"
	jst "meterflow/transport/jetstream"
)

// httpEnv is one hermetic meterflow with its HTTP server on a free port:
// an embedded JetStream in a temp dir, AMQP queues under a prefix and oslo
// topic of its own.
type httpEnv struct {
	svc   *service.Service
	topic string
	base  string
}

func startHTTPEnv(t *testing.T, exchanges []string, mutate func(*service.Config)) *httpEnv {
	t.Helper()
	topic, prefix := testenv.Names(t, amqpt.DefaultPriorities...)
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	cfg := service.Config{
		AMQP:            amqpt.Config{Brokers: []string{testenv.RabbitURL()}, Exchanges: exchanges, QueuePrefix: prefix, Logger: quiet},
		Topics:          []string{topic},
		BridgeOnly:      true,
		Server:          jst.ServerConfig{DataDir: t.TempDir(), ListenAddr: "127.0.0.1:0"},
		HTTPListen:      "127.0.0.1:0",
		ShutdownTimeout: 10 * time.Second,
		Logger:          quiet,
	}
	if mutate != nil {
		mutate(&cfg)
	}
	ctx, cancel := context.WithCancel(context.Background())
	svc, err := service.New(ctx, cfg)
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- svc.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("service stopped with %v", err)
			}
		case <-time.After(30 * time.Second):
			t.Error("service did not stop within 30s")
		}
	})
	<-svc.Running()
	return &httpEnv{svc: svc, topic: topic, base: "http://" + svc.HTTPAddr()}
}

// waitAMQP waits until n brokers are connected and their consumers run.
func (e *httpEnv) waitAMQP(t *testing.T, n int) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for e.svc.AMQPConnected() < n {
		if time.Now().After(deadline) {
			t.Fatal("meterflow did not connect to RabbitMQ")
		}
		time.Sleep(20 * time.Millisecond)
	}
	time.Sleep(200 * time.Millisecond) // consumers start right after the topology
}

func (e *httpEnv) get(t *testing.T, path string) (int, []byte) {
	t.Helper()
	resp, err := http.Get(e.base + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, body
}

// scrape is /metrics parsed: metric name → family.
func (e *httpEnv) scrape(t *testing.T) map[string]*dto.MetricFamily {
	t.Helper()
	code, body := e.get(t, "/metrics")
	if code != http.StatusOK {
		t.Fatalf("/metrics: %d %s", code, body)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	mfs, err := p.TextToMetricFamilies(strings.NewReader(string(body)))
	if err != nil {
		t.Fatalf("/metrics does not parse: %v", err)
	}
	return mfs
}

// sum adds the values of name's series whose labels include want.
func sum(mfs map[string]*dto.MetricFamily, name string, want map[string]string) float64 {
	var total float64
	mf := mfs[name]
	if mf == nil {
		return 0
	}
next:
	for _, m := range mf.GetMetric() {
		labels := map[string]string{}
		for _, l := range m.GetLabel() {
			labels[l.GetName()] = l.GetValue()
		}
		for k, v := range want {
			if labels[k] != v {
				continue next
			}
		}
		switch {
		case m.Counter != nil:
			total += m.Counter.GetValue()
		case m.Gauge != nil:
			total += m.Gauge.GetValue()
		case m.Histogram != nil:
			total += float64(m.Histogram.GetSampleCount())
		}
	}
	return total
}

// waitMetrics scrapes until ok holds.
func (e *httpEnv) waitMetrics(t *testing.T, what string, ok func(map[string]*dto.MetricFamily) bool) map[string]*dto.MetricFamily {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		mfs := e.scrape(t)
		if ok(mfs) {
			return mfs
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func writeTemp(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestMetricsCountWhatWasPublishedBridgedProducedAndDelivered publishes the
// corpus through the whole service, with samples going to a prometheus://
// sink (its Pushgateway a test server) and events to a file:// sink, and
// checks /metrics against the streams.
func TestMetricsCountWhatWasPublishedBridgedProducedAndDelivered(t *testing.T) {
	pushgw := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = io.Copy(io.Discard, r.Body) }))
	defer pushgw.Close()
	u := strings.TrimPrefix(pushgw.URL, "http://")
	pipe := writeTemp(t, "pipeline.yaml", "sources:\n  - {name: all, meters: ['*'], sinks: [prom]}\nsinks:\n  - {name: prom, publishers: ['prometheus://"+u+"/metrics/job/mftest']}\n")
	evPipe := writeTemp(t, "event_pipeline.yaml", "sources:\n  - {name: all, events: ['*'], sinks: [files]}\nsinks:\n  - {name: files, publishers: ['file://"+filepath.Join(t.TempDir(), "events.log")+"']}\n")

	cases := testenv.Corpus(t)
	env := startHTTPEnv(t, testenv.Exchanges(cases), func(c *service.Config) {
		c.BridgeOnly = false
		c.PipelineFile, c.EventPipelineFile = pipe, evPipe
		c.Convert.NoEtc = true
	})
	env.waitAMQP(t, 1)
	testenv.PublishCases(t, env.topic, cases)
	testenv.PublishCases(t, env.topic, cases) // the second copy is deduplicated

	n := float64(2 * len(cases))
	mfs := env.waitMetrics(t, "every notification bridged or dead-lettered", func(m map[string]*dto.MetricFamily) bool {
		return sum(m, "meterflow_bridge_bridged_total", nil)+sum(m, "meterflow_bridge_dead_lettered_total", nil) == n
	})
	// per exchange and priority, what was published was received
	published := map[[2]string]float64{}
	for _, c := range cases {
		published[[2]string{c.Exchange, c.Priority()}] += 2
	}
	for k, want := range published {
		labels := map[string]string{"exchange": k[0], "priority": k[1]}
		if got := sum(mfs, "meterflow_bridge_received_total", labels); got != want {
			t.Errorf("received %v: %v, want %v", labels, got, want)
		}
		if got := sum(mfs, "meterflow_bridge_bridged_total", labels) + sum(mfs, "meterflow_bridge_dead_lettered_total", labels); got != want {
			t.Errorf("bridged+dead-lettered %v: %v, want %v", labels, got, want)
		}
	}
	js := env.svc.JetStream()
	stored := float64(testenv.StreamMsgs(t, js, service.StreamNotifications))
	if got := sum(mfs, "meterflow_bridge_bridged_total", nil) - sum(mfs, "meterflow_bridge_duplicates_total", nil); got != stored {
		t.Errorf("bridged - duplicates = %v, want the %v notifications stored", got, stored)
	}
	if got := sum(mfs, "meterflow_bridge_duplicates_total", nil); got < float64(len(cases)) {
		t.Errorf("%v duplicates, want at least the %d published twice", got, len(cases))
	}
	bridgeRoute := map[string]string{"route": "bridge-" + env.topic}
	if got := sum(mfs, "meterflow_handler_messages_total", map[string]string{"route": "bridge-" + env.topic, "outcome": "acked"}) +
		sum(mfs, "meterflow_handler_messages_total", map[string]string{"route": "bridge-" + env.topic, "outcome": "dead_lettered"}); got != n {
		t.Errorf("bridge route acked+dead-lettered = %v, want %v", got, n)
	}
	if got := sum(mfs, "meterflow_handler_duration_seconds", bridgeRoute); got < n {
		t.Errorf("bridge handler histogram has %v observations, want at least %v", got, n)
	}

	// processing and delivery: wait until the consumers caught up
	mfs = env.waitMetrics(t, "the process and sink consumers to catch up", func(m map[string]*dto.MetricFamily) bool {
		return sum(m, "meterflow_handler_messages_total", map[string]string{"route": "process", "outcome": "acked"}) == stored &&
			sum(m, "meterflow_consumer_pending_messages", nil) == 0 && sum(m, "meterflow_consumer_ack_pending_messages", nil) == 0 &&
			len(m["meterflow_consumer_pending_messages"].GetMetric()) == 3
	})
	samples := float64(testenv.StreamMsgs(t, js, service.StreamSamples))
	events := float64(testenv.StreamMsgs(t, js, service.StreamEvents))
	t.Logf("%v notifications published, %v stored, %v duplicates; %v samples, %v events",
		n, stored, sum(mfs, "meterflow_bridge_duplicates_total", nil), samples, events)
	if samples == 0 || events == 0 {
		t.Fatalf("%v samples and %v events stored; the corpus makes both", samples, events)
	}
	if got := sum(mfs, "meterflow_produced_total", map[string]string{"kind": "sample", "sink": "prom"}); got != samples {
		t.Errorf("produced samples = %v, want the %v stored", got, samples)
	}
	if got := sum(mfs, "meterflow_produced_total", map[string]string{"kind": "event", "sink": "files"}); got != events {
		t.Errorf("produced events = %v, want the %v stored", got, events)
	}
	if got := sum(mfs, "meterflow_produced_total", map[string]string{"kind": "sample", "name": "cpu"}); got == 0 {
		t.Error("no cpu samples counted")
	}
	if got := sum(mfs, "meterflow_sink_delivered_total", map[string]string{"sink": "prom"}) + sum(mfs, "meterflow_sink_rejected_total", map[string]string{"sink": "prom"}); got != samples {
		t.Errorf("prom delivered+rejected = %v, want %v", got, samples)
	}
	if got := sum(mfs, "meterflow_sink_delivered_total", map[string]string{"sink": "files"}); got != events {
		t.Errorf("files delivered = %v, want %v", got, events)
	}
	if sum(mfs, "meterflow_sink_write_duration_seconds", map[string]string{"route": "sink-samples-prom-0", "sink": "prom"}) == 0 {
		t.Error("no sink write observed")
	}
	if sum(mfs, "meterflow_handler_duration_seconds", map[string]string{"route": "sink-events-files-0", "sink": "files"}) != events {
		t.Error("the event sink route's histogram does not count every event")
	}
	for _, c := range []struct{ stream, consumer string }{
		{"NOTIFICATIONS", "process"}, {"SAMPLES", "sink_samples-prom-0"}, {"EVENTS", "sink_events-files-0"},
	} {
		found := false
		for _, m := range mfs["meterflow_consumer_pending_messages"].GetMetric() {
			l := map[string]string{}
			for _, p := range m.GetLabel() {
				l[p.GetName()] = p.GetValue()
			}
			found = found || l["stream"] == c.stream && l["consumer"] == c.consumer
		}
		if !found {
			t.Errorf("no lag gauge for %s/%s", c.stream, c.consumer)
		}
	}
	// the prometheus:// sink's native exposition, with its sink label
	native := 0
	for name, mf := range mfs {
		if strings.HasPrefix(name, "ceilometer_") {
			for _, m := range mf.GetMetric() {
				for _, l := range m.GetLabel() {
					if l.GetName() == "sink" && l.GetValue() == "prom" {
						native++
					}
				}
			}
		}
	}
	if native == 0 {
		t.Error("no ceilometer_* series with sink=\"prom\" on /metrics")
	}
	if sum(mfs, "meterflow_amqp_connected", nil) != 1 || sum(mfs, "meterflow_nats_connected", nil) != 1 {
		t.Error("connection gauges do not say connected")
	}
}

func TestReadyzIsOKWhenEverythingIsConnected(t *testing.T) {
	env := startHTTPEnv(t, []string{"nova"}, nil)
	env.waitAMQP(t, 1)
	if code, _ := env.get(t, "/healthz"); code != http.StatusOK {
		t.Errorf("/healthz: %d", code)
	}
	code, body := env.get(t, "/readyz")
	if code != http.StatusOK {
		t.Fatalf("/readyz: %d %s", code, body)
	}
	var r struct {
		AMQP   map[string]string `json:"amqp"`
		NATS   string            `json:"nats"`
		Router string            `json:"router"`
	}
	if err := json.Unmarshal(body, &r); err != nil {
		t.Fatal(err)
	}
	if len(r.AMQP) != 1 || r.NATS != "connected" || r.Router != "running" {
		t.Errorf("/readyz body: %s", body)
	}
}

func TestReadyzIsUnavailableWhileABrokerIsUnreachable(t *testing.T) {
	const closed = "rabbit://guest:secret@127.0.0.1:1/"
	env := startHTTPEnv(t, []string{"nova"}, func(c *service.Config) {
		c.AMQP.Brokers = append(c.AMQP.Brokers, closed)
	})
	env.waitAMQP(t, 1)
	code, body := env.get(t, "/readyz")
	if code != http.StatusServiceUnavailable {
		t.Fatalf("/readyz: %d %s, want 503", code, body)
	}
	if strings.Contains(string(body), "secret") {
		t.Errorf("/readyz shows a password: %s", body)
	}
	var r struct {
		AMQP   map[string]string `json:"amqp"`
		NATS   string            `json:"nats"`
		Router string            `json:"router"`
	}
	if err := json.Unmarshal(body, &r); err != nil {
		t.Fatal(err)
	}
	states := map[string]int{}
	for name, st := range r.AMQP {
		states[st]++
		if strings.Contains(name, "127.0.0.1:1/") && st != "disconnected" {
			t.Errorf("the closed port's broker is %q", st)
		}
	}
	if states["connected"] != 1 || states["disconnected"] != 1 || r.NATS != "connected" || r.Router != "running" {
		t.Errorf("/readyz body: %s", body)
	}
	mfs := env.scrape(t)
	if got := sum(mfs, "meterflow_amqp_connected", nil); got != 1 || len(mfs["meterflow_amqp_connected"].GetMetric()) != 2 {
		t.Errorf("meterflow_amqp_connected: %v of %d brokers, want 1 of 2", got, len(mfs["meterflow_amqp_connected"].GetMetric()))
	}
	if code, _ := env.get(t, "/healthz"); code != http.StatusOK {
		t.Errorf("/healthz: %d while a broker is down; liveness must not depend on it", code)
	}
}

func TestABusyHTTPPortFailsStartupNamingTheAddressAndTheFlag(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	addr := l.Addr().String()
	_, err = service.New(context.Background(), service.Config{
		HTTPListen: addr, BridgeOnly: true,
		Server: jst.ServerConfig{DataDir: t.TempDir(), ListenAddr: "127.0.0.1:0"},
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err == nil {
		t.Fatal("New succeeded on a busy port")
	}
	if !errors.Is(err, syscall.EADDRINUSE) || !strings.Contains(err.Error(), addr) || !strings.Contains(err.Error(), "--http-listen") {
		t.Errorf("error %q should wrap EADDRINUSE and name %s and --http-listen", err, addr)
	}
}
