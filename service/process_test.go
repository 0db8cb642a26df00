package service

import (
	"context"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"meterflow/internal/golden"
	"meterflow/internal/testenv"
	"meterflow/processors"
	"meterflow/sinks"
)

// memSink is a test sink (memtest://name) that keeps what it receives and
// can be told to fail.
type memSink struct {
	mu      sync.Mutex
	samples []processors.Sample
	events  []processors.Event
	down    bool
	batches int
}

var memSinks = struct {
	sync.Mutex
	m map[string]*memSink
}{m: map[string]*memSink{}}

func init() {
	sinks.Schemes["memtest"] = func(u *url.URL, _ sinks.Options) (sinks.Sink, error) {
		memSinks.Lock()
		defer memSinks.Unlock()
		if memSinks.m[u.Host] == nil {
			memSinks.m[u.Host] = &memSink{}
		}
		return memSinks.m[u.Host], nil
	}
}

func memSinkNamed(name string) *memSink {
	memSinks.Lock()
	defer memSinks.Unlock()
	return memSinks.m[name]
}

func (m *memSink) PublishSamples(_ context.Context, s []processors.Sample) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.down {
		return errBackendDown
	}
	m.batches++
	m.samples = append(m.samples, s...)
	return nil
}

func (m *memSink) PublishEvents(_ context.Context, e []processors.Event) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.down {
		return errBackendDown
	}
	m.events = append(m.events, e...)
	return nil
}

func (m *memSink) Close(context.Context) error { return nil }

func (m *memSink) counts() (int, int) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.samples), len(m.events)
}

type backendDown struct{}

func (backendDown) Error() string { return "backend down" }

var errBackendDown error = backendDown{}

func writeFile(t *testing.T, name, content string) string {
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func waitCounts(t *testing.T, m *memSink, samples, events int) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		s, e := m.counts()
		if s >= samples && e >= events {
			time.Sleep(500 * time.Millisecond) // nothing more may arrive
			if s2, e2 := m.counts(); s2 != samples || e2 != events {
				t.Fatalf("sink holds %d samples, %d events; want exactly %d, %d", s2, e2, samples, events)
			}
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	s, e := m.counts()
	t.Fatalf("sink holds %d samples, %d events; want %d, %d", s, e, samples, events)
}

// TestPipelinesDeliverWhatCeilometerWouldPublish publishes the golden
// corpus (made by Ceilometer 19 with the shipped definitions) to RabbitMQ
// and runs the whole path with two sample sinks and one event sink: each
// sink receives exactly the samples and events Ceilometer produced, by
// compare.py's rules, even though every notification was published twice.
func TestPipelinesDeliverWhatCeilometerWouldPublish(t *testing.T) {
	goldenCases, err := golden.ReadCases(filepath.Join(testenv.Root(), "testdata", "ceilometer-19-shipped.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	cases := make([]testenv.Case, len(goldenCases))
	var wantSamples, wantImageSamples, wantEvents []any
	for i, g := range goldenCases {
		cases[i] = testenv.Case{Name: g.Name, Exchange: g.Exchange, RoutingKey: g.RoutingKey, Body: g.Body}
		wantSamples = append(wantSamples, g.Samples...)
		wantEvents = append(wantEvents, g.Events...)
		for j, s := range mustSamples(t, g.Samples) {
			if strings.HasPrefix(s.Name, "image.") {
				wantImageSamples = append(wantImageSamples, g.Samples[j])
			}
		}
	}
	id := time.Now().UnixNano()
	all, images, evs := "all"+itoa(id), "img"+itoa(id), "ev"+itoa(id)
	pipe := writeFile(t, "pipeline.yaml", `
sources:
  - name: everything
    meters: ["*"]
    sinks: [all]
  - name: images
    meters: ["image.*"]
    sinks: [images]
sinks:
  - name: all
    publishers: ["memtest://`+all+`"]
  - name: images
    publishers: ["memtest://`+images+`", "jetstream://"]
`)
	evPipe := writeFile(t, "event_pipeline.yaml", `
sources:
  - name: events
    events: ["*"]
    sinks: [ev]
sinks:
  - name: ev
    publishers: ["memtest://`+evs+`"]
`)
	env := startEnv(t, testenv.Exchanges(cases), func(c *Config) {
		c.BridgeOnly = false
		c.Convert.NoEtc = true
		c.PipelineFile, c.EventPipelineFile = pipe, evPipe
	})
	testenv.PublishCases(t, env.topic, cases)
	testenv.PublishCases(t, env.topic, cases)

	waitCounts(t, memSinkNamed(all), len(wantSamples), 0)
	waitCounts(t, memSinkNamed(images), len(wantImageSamples), 0)
	waitCounts(t, memSinkNamed(evs), 0, len(wantEvents))

	if err := golden.CompareSamples(wantSamples, memSinkNamed(all).samples); err != nil {
		t.Errorf("sink all: %v", err)
	}
	if err := golden.CompareSamples(wantImageSamples, memSinkNamed(images).samples); err != nil {
		t.Errorf("sink images: %v", err)
	}
	if err := golden.CompareEvents(wantEvents, memSinkNamed(evs).events, golden.AnyOrder); err != nil {
		t.Errorf("event sink: %v", err)
	}
	js := env.svc.JetStream()
	// one message per sample per sink subject, however often it was published
	if n := testenv.StreamMsgs(t, js, StreamSamples); n != uint64(len(wantSamples)+len(wantImageSamples)) {
		t.Errorf("SAMPLES holds %d messages, want %d", n, len(wantSamples)+len(wantImageSamples))
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 36) }

// mustSamples reads samples from their Sample.as_dict()s.
func mustSamples(t *testing.T, dicts []any) []processors.Sample {
	t.Helper()
	samples, err := golden.SamplesFromDicts(dicts)
	if err != nil {
		t.Fatal(err)
	}
	return samples
}

// corpusSetup loads the shipped-definitions corpus and writes a pipeline
// sending every sample to one memtest sink and every event to another.
func corpusSetup(t *testing.T) (cases []testenv.Case, wantSamples, wantEvents []any, sampleSink, eventSink, pipe, evPipe string) {
	goldenCases, err := golden.ReadCases(filepath.Join(testenv.Root(), "testdata", "ceilometer-19-shipped.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	for _, g := range goldenCases {
		cases = append(cases, testenv.Case{Name: g.Name, Exchange: g.Exchange, RoutingKey: g.RoutingKey, Body: g.Body})
		wantSamples = append(wantSamples, g.Samples...)
		wantEvents = append(wantEvents, g.Events...)
	}
	id := itoa(time.Now().UnixNano())
	sampleSink, eventSink = "s"+id, "e"+id
	pipe = writeFile(t, "pipeline.yaml", "sources:\n  - {name: all, meters: ['*'], sinks: [k]}\nsinks:\n  - {name: k, publishers: ['memtest://"+sampleSink+"']}\n")
	evPipe = writeFile(t, "event_pipeline.yaml", "sources:\n  - {name: all, events: ['*'], sinks: [k]}\nsinks:\n  - {name: k, publishers: ['memtest://"+eventSink+"']}\n")
	return
}

// TestASinkBackendDownLosesNothingAndHoldsUpNoOtherSink keeps the sample
// backend down while the corpus flows: the event sink receives everything
// meanwhile, the samples wait in JetStream, and once the backend is back
// every sample arrives exactly once.
func TestASinkBackendDownLosesNothingAndHoldsUpNoOtherSink(t *testing.T) {
	cases, wantSamples, wantEvents, sampleSink, eventSink, pipe, evPipe := corpusSetup(t)
	down, _ := sinks.New("memtest://"+sampleSink, sinks.Options{})
	down.(*memSink).down = true
	env := startEnv(t, testenv.Exchanges(cases), func(c *Config) {
		c.BridgeOnly, c.Convert.NoEtc = false, true
		c.PipelineFile, c.EventPipelineFile = pipe, evPipe
	})
	testenv.PublishCases(t, env.topic, cases)
	waitCounts(t, memSinkNamed(eventSink), 0, len(wantEvents))
	time.Sleep(2 * time.Second) // retries and naks happen meanwhile
	if s, _ := memSinkNamed(sampleSink).counts(); s != 0 {
		t.Fatalf("a down backend received %d samples", s)
	}
	if n := testenv.StreamMsgs(t, env.svc.JetStream(), StreamSamples); n != uint64(len(wantSamples)) {
		t.Fatalf("SAMPLES holds %d, want the %d waiting samples", n, len(wantSamples))
	}
	m := memSinkNamed(sampleSink)
	m.mu.Lock()
	m.down = false
	m.mu.Unlock()
	waitCounts(t, m, len(wantSamples), 0)
	if err := golden.CompareSamples(wantSamples, m.samples); err != nil {
		t.Fatalf("after the outage: %v", err)
	}
}

// TestTwoProcessesShareTheWorkWithoutDuplicates runs two meterflow
// processes on one JetStream (the second connects to the first's server)
// and the same queues and durable consumers: both convert notifications,
// and the sinks receive every sample and event exactly once.
func TestTwoProcessesShareTheWorkWithoutDuplicates(t *testing.T) {
	cases, wantSamples, wantEvents, sampleSink, eventSink, pipe, evPipe := corpusSetup(t)
	mutate := func(c *Config) {
		c.BridgeOnly, c.Convert.NoEtc = false, true
		c.PipelineFile, c.EventPipelineFile = pipe, evPipe
		c.ProcessConcurrency = 8 // small, so that one process cannot take it all at once
	}
	first := startEnv(t, testenv.Exchanges(cases), mutate)
	second := newEnv(t, testenv.Exchanges(cases), mutate)
	second.topic, second.cfg.Topics, second.cfg.AMQP.QueuePrefix = first.topic, first.cfg.Topics, first.cfg.AMQP.QueuePrefix
	second.cfg.NATSURL = first.svc.NATSURL()
	second.start()

	for round := 0; round < 4; round++ {
		testenv.PublishCases(t, first.topic, cases)
	}
	waitCounts(t, memSinkNamed(sampleSink), len(wantSamples), 0)
	waitCounts(t, memSinkNamed(eventSink), 0, len(wantEvents))
	if err := golden.CompareSamples(wantSamples, memSinkNamed(sampleSink).samples); err != nil {
		t.Fatalf("samples: %v", err)
	}
	a, b := first.svc.Converted(), second.svc.Converted()
	t.Logf("converted: first %d, second %d", a, b)
	if a == 0 || b == 0 {
		t.Fatalf("the work was not shared: first converted %d, second %d", a, b)
	}
}
