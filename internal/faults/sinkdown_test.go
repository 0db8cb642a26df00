package faults

import (
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"meterflow/internal/testenv"
)

// backend is the http:// sink's HTTP server: it records the sample ids
// of each POST it accepts, or answers 503 while failing is set; it can be
// shut down (connection refused) and started again on the same address.
type backend struct {
	addr string

	mu      sync.Mutex
	got     map[string]int
	failing bool
	refused int // 503 answers
	srv     *http.Server
}

func newBackend(t testing.TB) *backend {
	b := &backend{addr: testenv.FreeAddr(t), got: map[string]int{}}
	b.up(t)
	t.Cleanup(b.down)
	return b
}

func (b *backend) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.failing {
		b.refused++
		http.Error(w, "backend down", http.StatusServiceUnavailable)
		return
	}
	var items []struct {
		ID string `json:"id"`
	}
	if err := json.Unmarshal(body, &items); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	for _, it := range items {
		b.got[it.ID]++
	}
}

func (b *backend) up(t testing.TB) {
	t.Helper()
	ln, err := net.Listen("tcp", b.addr)
	if err != nil {
		t.Fatalf("backend on %s: %v", b.addr, err)
	}
	b.mu.Lock()
	b.srv = &http.Server{Handler: b}
	srv := b.srv
	b.mu.Unlock()
	go srv.Serve(ln)
}

func (b *backend) down() {
	b.mu.Lock()
	srv := b.srv
	b.mu.Unlock()
	if srv != nil {
		_ = srv.Close()
	}
}

func (b *backend) setFailing(f bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.failing = f
}

func (b *backend) ids() map[string]int {
	b.mu.Lock()
	defer b.mu.Unlock()
	out := make(map[string]int, len(b.got))
	for k, v := range b.got {
		out[k] = v
	}
	return out
}

// TestSinkBackendDownForMinutes sends every sample to an http:// sink and
// a file:// sink. The HTTP backend answers 503 for a while, then refuses
// connections for as long (CI: 12 s each; MF_LONG=1: 90 s each, three
// minutes in all), while notifications keep coming: the file:// sink
// receives all of its samples during the outage, the http:// sink's
// backlog waits in JetStream (its consumer's pending count shows it, its
// errors are counted) and is delivered when the backend is back. Both hold
// every sample once.
func TestSinkBackendDownForMinutes(t *testing.T) {
	const n = 4000
	phase := 12 * time.Second
	if long() {
		phase = 90 * time.Second
	}
	web := newBackend(t)
	s := newScenario(t, "sd-", n, "http://"+web.addr+"/samples?timeout=2")
	natsAddr := testenv.FreeAddr(t)
	m := startMeterflow(t, "meterflow", append(s.args(t), "--data", t.TempDir(), "--nats-listen", natsAddr)...)
	m.waitReady(t, 60*time.Second)
	_, js := connectJS(t, "nats://"+natsAddr)

	s.w.publish(t, s.topic, 0, n/4)
	if !waitUntil(60*time.Second, func() bool { return distinct(s.w.samples, web.ids()) > 0 }) {
		t.Fatal("the backend received nothing")
	}
	web.setFailing(true)
	before := distinct(s.w.samples, web.ids())
	t.Logf("backend answers 503 with %d of %d samples delivered", before, len(s.w.samples))
	s.w.publish(t, s.topic, n/4, n)
	time.Sleep(phase)
	web.down()
	t.Logf("backend refuses connections (%d requests answered 503)", web.refused)

	// while it is down, the file:// sink gets everything
	files := func() int { return distinct(s.w.samples, s.fileIDs(t, fileSamples)) }
	refusedUntil := time.Now().Add(phase)
	if !waitUntil(phase, func() bool { return files() == len(s.w.samples) }) {
		met := m.metrics(t)
		t.Errorf("the file:// sink holds %d of %d samples during the outage; its consumer: %.0f pending, %.0f awaiting ack; process consumer: %.0f pending, %.0f awaiting ack",
			files(), len(s.w.samples),
			sum(met, "meterflow_consumer_pending_messages", `consumer="sink_samples-file-`),
			sum(met, "meterflow_consumer_ack_pending_messages", `consumer="sink_samples-file-`),
			sum(met, "meterflow_consumer_pending_messages", `consumer="process"`),
			sum(met, "meterflow_consumer_ack_pending_messages", `consumer="process"`))
	}
	time.Sleep(time.Until(refusedUntil))
	met := m.metrics(t)
	pending := sum(met, "meterflow_consumer_pending_messages", `consumer="sink_`, `web`) +
		sum(met, "meterflow_consumer_ack_pending_messages", `consumer="sink_`, `web`)
	errs := sum(met, "meterflow_sink_errors_total", `sink="web"`)
	retried := sum(met, "meterflow_handler_messages_total", `sink="web"`, `outcome="retried"`)
	t.Logf("after %s of outage: file:// sink holds %d of %d samples; web's consumer has %.0f pending or awaiting ack; %.0f sink errors, %.0f retried",
		2*phase, files(), len(s.w.samples), pending, errs, retried)
	if got := distinct(s.w.samples, web.ids()); got != before {
		t.Errorf("a dead backend received %d samples", got-before)
	}
	if pending == 0 || errs == 0 {
		t.Errorf("the outage does not show in the metrics: backlog %.0f, sink errors %.0f; %s; %d NATS asynchronous errors logged",
			pending, errs, consumerState(js, streamSamples, "web"), strings.Count(m.out.String(), "NATS asynchronous error"))
	}
	if !m.running() {
		t.Fatalf("meterflow exited during the outage: %v", m.err)
	}
	// the retries are counted, not logged one line each: one line per 10 s
	if lines := strings.Count(m.out.String(), `"msg":"Error occurred, retrying"`); lines == 0 || lines > int(2*phase/(10*time.Second))+2 {
		t.Errorf("%d retry lines logged during %s of outage (%.0f retries), want one per 10 s", lines, 2*phase, retried)
	}

	web.setFailing(false)
	web.up(t)
	back := time.Now()
	s.waitSettled(t, js, 120*time.Second)
	t.Logf("backlog delivered %.1fs after the backend came back", time.Since(back).Seconds())
	tally(t, "http:// sink, samples", s.w.samples, web.ids())
	s.verify(t, js)
	m.sigterm(t)
}

// consumerState describes the JetStream consumers of stream whose name
// contains part: what the server holds for them, to tell a message lost
// on its way to meterflow from one meterflow holds.
func consumerState(js jetstream.JetStream, stream, part string) string {
	infos, err := consumers(js, stream)
	if err != nil {
		return fmt.Sprintf("stream %s: %v", stream, err)
	}
	var out []string
	for _, ci := range infos {
		if !strings.Contains(ci.Name, part) {
			continue
		}
		out = append(out, fmt.Sprintf("consumer %s: %d pending, %d awaiting ack, %d redelivered, %d waiting pulls, delivered %d, ack floor %d",
			ci.Name, ci.NumPending, ci.NumAckPending, ci.NumRedelivered, ci.NumWaiting, ci.Delivered.Consumer, ci.AckFloor.Consumer))
	}
	return strings.Join(out, "; ")
}
