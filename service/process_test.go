package service

import (
	"context"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"sync"
	"testing"
	"time"

	"meterflow/internal/testenv"
	"meterflow/processors"
	"meterflow/processors/event/eventtest"
	"meterflow/processors/jsonv"
	"meterflow/processors/meter/metertest"
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
	golden, err := metertest.ReadCases(filepath.Join(testenv.Root(), "testdata", "ceilometer-19-shipped.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	cases := make([]testenv.Case, len(golden))
	var wantSamples, wantImageSamples, wantEvents []any
	for i, g := range golden {
		cases[i] = testenv.Case{Name: g.Name, Exchange: g.Exchange, RoutingKey: g.RoutingKey, Body: g.Body}
		wantSamples = append(wantSamples, g.Samples...)
		wantEvents = append(wantEvents, g.Events...)
		for _, s := range g.Samples {
			if n := field(s, "name"); len(n) > 6 && n[:6] == "image." {
				wantImageSamples = append(wantImageSamples, s)
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

	if ok, why := metertest.CompareSamples(wantSamples, memSinkNamed(all).samples); !ok {
		t.Errorf("sink all: %s", why)
	}
	if ok, why := metertest.CompareSamples(wantImageSamples, memSinkNamed(images).samples); !ok {
		t.Errorf("sink images: %s", why)
	}
	got := memSinkNamed(evs).events
	sort.Slice(got, func(i, j int) bool { return got[i].MessageID < got[j].MessageID })
	sort.Slice(wantEvents, func(i, j int) bool { return field(wantEvents[i], "message_id") < field(wantEvents[j], "message_id") })
	ptrs := make([]*processors.Event, len(got))
	for i := range got {
		ptrs[i] = &got[i]
	}
	if err := eventtest.CompareEvents(wantEvents, ptrs); err != nil {
		t.Errorf("event sink: %v", err)
	}
	js := env.svc.JetStream()
	// one message per sample per sink subject, however often it was published
	if n := testenv.StreamMsgs(t, js, StreamSamples); n != uint64(len(wantSamples)+len(wantImageSamples)) {
		t.Errorf("SAMPLES holds %d messages, want %d", n, len(wantSamples)+len(wantImageSamples))
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 36) }

// field returns a string field of a golden sample or event.
func field(v any, key string) string {
	o, _ := v.(*jsonv.Object)
	if o == nil {
		return ""
	}
	x, _ := o.Get(key)
	s, _ := x.(string)
	return s
}
