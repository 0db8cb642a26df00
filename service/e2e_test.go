package service

import (
	"bytes"
	"context"
	"errors"
	"io"
	"io/fs"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

	"meterflow/internal/gnocchitest"
	"meterflow/internal/golden"
	"meterflow/internal/testenv"
	"meterflow/processors"
	"meterflow/processors/jsonv"
)

// reference converts bodies with the real Ceilometer 19
// (testdata/reference/ceilometer_convert.py) and returns every sample and
// event it produced.
func reference(t *testing.T, bodies []string) (samples, events []any) {
	t.Helper()
	cmd := exec.Command("/usr/bin/python3", filepath.Join(testenv.Root(), "testdata", "reference", "ceilometer_convert.py"))
	cmd.Stdin = strings.NewReader(strings.Join(bodies, "\n") + "\n")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("reference Ceilometer (needs python3-ceilometer): %v", err)
	}
	for _, line := range bytes.Split(bytes.TrimSpace(out), []byte("\n")) {
		v, err := jsonv.Parse(line)
		if err != nil {
			t.Fatal(err)
		}
		o := v.(*jsonv.Object)
		s, _ := o.Get("samples")
		e, _ := o.Get("events")
		samples = append(samples, s.([]any)...)
		events = append(events, e.([]any)...)
	}
	return samples, events
}

// collector is an HTTP endpoint that keeps every item of every JSON list
// POSTed to it.
type collector struct {
	mu    sync.Mutex
	items map[string][]any
}

func (c *collector) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	v, err := jsonv.Parse(body)
	if err != nil {
		http.Error(w, err.Error(), 400)
		return
	}
	c.mu.Lock()
	c.items[r.URL.Path] = append(c.items[r.URL.Path], v.([]any)...)
	c.mu.Unlock()
}

func (c *collector) count(path string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.items[path])
}

// readLines reads what a file sink wrote so far: nothing while the file
// does not exist.
func readLines(t *testing.T, path string) []any {
	lines, err := golden.ReadJSONL(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	return lines
}

// notifierPayloads drains queue and returns the payload items of every
// oslo notification in it.
func notifierPayloads(t *testing.T, queue string, want int) []any {
	conn, err := amqp.Dial(testenv.RabbitURL())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	ch, _ := conn.Channel()
	defer ch.QueueDelete(queue, false, false, false)
	deliveries, err := ch.Consume(queue, "", true, false, false, false, nil)
	if err != nil {
		t.Fatal(err)
	}
	var items []any
	timeout := time.After(60 * time.Second)
	for len(items) < want {
		select {
		case d := <-deliveries:
			outer, _ := jsonv.Parse(d.Body)
			inner, _ := outer.(*jsonv.Object).Get("oslo.message")
			msg, err := jsonv.Parse([]byte(inner.(string)))
			if err != nil {
				t.Fatal(err)
			}
			payload, _ := msg.(*jsonv.Object).Get("payload")
			items = append(items, payload.([]any)...)
		case <-timeout:
			t.Fatalf("%s: %d of %d items", queue, len(items), want)
		}
	}
	return items
}

// TestEndToEndWithOsloNotifierAndCeilometerPipelines is issue #4's proof:
// the real oslo.messaging Notifier publishes the corpus; one meterflow runs
// Ceilometer's default pipeline layout with gnocchi, file, http and notifier
// publishers; file, http and notifier receive exactly what the real
// Ceilometer 19 makes of the very bodies RabbitMQ delivered (captured by a
// twin queue), and a real Gnocchi's API returns the measures.
func TestEndToEndWithOsloNotifierAndCeilometerPipelines(t *testing.T) {
	goldenCases, err := golden.ReadCases(filepath.Join(testenv.Root(), "testdata", "ceilometer-19-shipped.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	var cases []testenv.Case
	for _, g := range goldenCases {
		cases = append(cases, testenv.Case{Name: g.Name, Exchange: g.Exchange, RoutingKey: g.RoutingKey, Body: g.Body})
	}
	exchanges := testenv.Exchanges(cases)
	dir := t.TempDir()
	coll := &collector{items: map[string][]any{}}
	web := httptest.NewServer(coll)
	defer web.Close()
	id := itoa(time.Now().UnixNano())
	notifySamples, notifyEvents := "mfe2e_s"+id, "mfe2e_e"+id
	pipe := writeFile(t, "pipeline.yaml", `---
sources:
    - name: meter_source
      meters:
          - "*"
      sinks:
          - meter_sink
sinks:
    - name: meter_sink
      publishers:
          - gnocchi://
          - file://`+dir+`/samples.json?json
          - `+web.URL+`/samples
          - notifier://?topic=`+notifySamples+`
`)
	evPipe := writeFile(t, "event_pipeline.yaml", `---
sources:
    - name: event_source
      events:
          - "*"
      sinks:
          - event_sink
sinks:
    - name: event_sink
      publishers:
          - file://`+dir+`/events.json?json
          - `+web.URL+`/events
          - notifier://?topic=`+notifyEvents+`
`)
	gnocchi := gnocchitest.Start(t)
	env := newEnv(t, exchanges, func(c *Config) {
		c.BridgeOnly, c.Convert.NoEtc = false, true
		c.PipelineFile, c.EventPipelineFile = pipe, evPipe
		// the bare gnocchi:// of Ceilometer's pipeline.yaml goes here
		c.GnocchiURL = "gnocchi://" + gnocchitest.AdminUser + "@" + strings.TrimPrefix(gnocchi, "http://")
	})
	t.Cleanup(func() {
		testenv.DeleteQueues("", notifySamples, "sample")
		testenv.DeleteQueues("", notifyEvents, "sample")
	})

	// the twin queue sees the bodies exactly as RabbitMQ delivers them
	conn, err := amqp.Dial(testenv.RabbitURL())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	ch, _ := conn.Channel()
	twin := env.prefix + ".twin"
	if _, err := ch.QueueDeclare(twin, false, true, false, false, nil); err != nil {
		t.Fatal(err)
	}
	for _, ex := range exchanges {
		for _, p := range []string{"info", "sample"} {
			if err := ch.QueueBind(twin, env.topic+"."+p, ex, false, nil); err != nil {
				t.Fatal(err)
			}
		}
	}
	env.start()

	emit := exec.Command("/usr/bin/python3", filepath.Join(testenv.Root(), "..", "shared", "tools", "oslo_emit.py"),
		"--url", "rabbit://guest:guest@127.0.0.1:5672/", "--topic", env.topic,
		"--cases", filepath.Join(testenv.Root(), "testdata", "ceilometer-19-shipped.jsonl"))
	if out, err := emit.CombinedOutput(); err != nil {
		t.Fatalf("oslo_emit: %v\n%s", err, out)
	}
	deliveries, _ := ch.Consume(twin, "", true, false, false, false, nil)
	var bodies []string
	for len(bodies) < len(cases) {
		select {
		case d := <-deliveries:
			bodies = append(bodies, string(d.Body))
		case <-time.After(30 * time.Second):
			t.Fatalf("twin queue got %d of %d", len(bodies), len(cases))
		}
	}
	wantSamples, wantEvents := reference(t, bodies)
	if len(wantSamples) < 500 || len(wantEvents) < 500 {
		t.Fatalf("reference made only %d samples, %d events", len(wantSamples), len(wantEvents))
	}

	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) && (len(readLines(t, filepath.Join(dir, "samples.json"))) < len(wantSamples) ||
		len(readLines(t, filepath.Join(dir, "events.json"))) < len(wantEvents) ||
		coll.count("/samples") < len(wantSamples) || coll.count("/events") < len(wantEvents)) {
		time.Sleep(100 * time.Millisecond)
	}
	time.Sleep(time.Second) // anything extra would show now

	toSamples := func(items []any, fromMessage bool) []processors.Sample {
		if !fromMessage {
			return mustSamples(t, items)
		}
		out := make([]processors.Sample, len(items))
		for i, it := range items {
			s, err := processors.SampleFromMessage(it)
			if err != nil {
				t.Fatal(err)
			}
			out[i] = s
		}
		return out
	}
	for _, c := range []struct {
		where string
		items []any
		msg   bool
	}{
		{"file sink", readLines(t, filepath.Join(dir, "samples.json")), false},
		{"http sink", coll.items["/samples"], false},
		{"notifier sink", notifierPayloads(t, notifySamples+".sample", len(wantSamples)), true},
	} {
		if err := golden.CompareSamples(wantSamples, toSamples(c.items, c.msg)); err != nil {
			t.Errorf("%s: %v", c.where, err)
		}
	}
	for _, c := range []struct {
		where string
		items []any
	}{
		{"file sink", readLines(t, filepath.Join(dir, "events.json"))},
		{"http sink", coll.items["/events"]},
		{"notifier sink", notifierPayloads(t, notifyEvents+".sample", len(wantEvents))},
	} {
		got, err := golden.EventsFromDicts(c.items)
		if err != nil {
			t.Fatalf("%s: %v", c.where, err)
		}
		if err := golden.CompareEvents(wantEvents, got, golden.AnyOrder); err != nil {
			t.Errorf("%s: %v", c.where, err)
		}
	}
	checkGnocchi(t, env, gnocchi, wantSamples)
}

// checkGnocchi checks that Gnocchi's API returns the measures of the
// samples it accepted, and that what it refused (Gnocchi wants UUIDs where
// the corpus has "inst-…" ids, as it would from Ceilometer) was
// dead-lettered with a reason, never dropped silently.
func checkGnocchi(t *testing.T, env *testEnv, endpoint string, want []any) {
	t.Helper()
	type key struct{ rid, name string }
	volumes := map[key][]float64{}
	for _, s := range mustSamples(t, want) {
		rid, _ := s.ResourceID.(string)
		v, ok := toFloat(s.Volume)
		if rid == "" || !ok {
			continue
		}
		k := key{rid, s.Name}
		volumes[k] = append(volumes[k], v)
	}
	time.Sleep(2 * time.Second) // let the last batches land
	measured, exact := 0, 0
	for k, vols := range volumes {
		status, v := gnocchitest.Get(t, endpoint, "resource/generic/"+url.PathEscape(k.rid)+"/metric/"+url.PathEscape(k.name)+"/measures?refresh=true")
		if status != http.StatusOK {
			continue
		}
		rows, _ := v.([]any)
		if len(rows) == 0 {
			continue
		}
		measured++
		if len(vols) == 1 {
			last, _ := rows[len(rows)-1].([]any)
			if got, ok := toFloat(last[2]); ok && got == vols[0] {
				exact++
			} else {
				t.Errorf("gnocchi %s/%s: measure %v, want %v", k.rid, k.name, last, vols[0])
			}
		}
	}
	dead := 0
	for _, m := range testenv.ReadAll(t, env.svc.JetStream(), StreamDeadLetter) {
		if m.Subject() != "deadletter.sink.meter_sink" {
			t.Errorf("unexpected dead letter on %s: %s", m.Subject(), m.Headers().Get("reason_poisoned"))
			continue
		}
		if m.Headers().Get("reason_poisoned") == "" {
			t.Errorf("dead letter without a reason")
		}
		dead++
	}
	t.Logf("gnocchi: %d of %d (resource, metric) pairs have measures (%d checked exactly); %d samples dead-lettered by it", measured, len(volumes), exact, dead)
	if measured < len(volumes)/3 || exact == 0 {
		t.Fatalf("gnocchi holds measures for only %d of %d (resource, metric) pairs", measured, len(volumes))
	}
}

func toFloat(v any) (float64, bool) {
	switch v := v.(type) {
	case int64:
		return float64(v), true
	case float64:
		return v, true
	}
	return 0, false
}

// TestKilledHTTPBackendLosesNothing runs the http sink against a real HTTP
// server that is shut down while samples flow and started again on the same
// address seconds later: every sample arrives, none twice (sample ids are
// deterministic, so a duplicate would show).
func TestKilledHTTPBackendLosesNothing(t *testing.T) {
	cases, wantSamples, _, _, _, _, evPipe := corpusSetup(t)
	coll := &collector{items: map[string][]any{}}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	srv := &http.Server{Handler: coll}
	go srv.Serve(ln)
	pipe := writeFile(t, "pipeline.yaml", "sources:\n  - {name: all, meters: ['*'], sinks: [web]}\nsinks:\n  - {name: web, publishers: ['http://"+addr+"/samples?timeout=2']}\n")
	env := startEnv(t, testenv.Exchanges(cases), func(c *Config) {
		c.BridgeOnly, c.Convert.NoEtc = false, true
		c.PipelineFile, c.EventPipelineFile = pipe, evPipe
		c.SinkBatch = 20
	})
	half := len(cases) / 2
	testenv.PublishCases(t, env.topic, cases[:half])
	for coll.count("/samples") == 0 {
		time.Sleep(10 * time.Millisecond)
	}
	// kill the backend, let the rest of the corpus flow into the outage
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	_ = srv.Shutdown(ctx)
	cancel()
	atOutage := coll.count("/samples")
	testenv.PublishCases(t, env.topic, cases[half:])
	time.Sleep(3 * time.Second)
	if got := coll.count("/samples"); got != atOutage {
		t.Fatalf("a dead backend received %d samples", got-atOutage)
	}
	ln2, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	srv2 := &http.Server{Handler: coll}
	go srv2.Serve(ln2)
	defer srv2.Close()
	t.Logf("%d of %d samples delivered before the outage", atOutage, len(wantSamples))

	deadline := time.Now().Add(90 * time.Second)
	for coll.count("/samples") < len(wantSamples) && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
	}
	time.Sleep(time.Second)
	ids := map[string]int{}
	coll.mu.Lock()
	items := coll.items["/samples"]
	coll.mu.Unlock()
	got := mustSamples(t, items)
	for _, s := range got {
		ids[s.ID]++
	}
	for id, n := range ids {
		if n > 1 {
			t.Errorf("sample %s delivered %d times", id, n)
		}
	}
	if err := golden.CompareSamples(wantSamples, got); err != nil {
		t.Fatalf("after the outage: %v", err)
	}
}
