package service

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"meterflow/internal/golden"
	"meterflow/internal/testenv"
	"meterflow/metrics"
	"meterflow/processors"
	"meterflow/processors/jsonv"
	"meterflow/routes"
	amqpt "meterflow/transport/amqp"
)

// Heap bounds of TestHostileBodiesAreDeadLetteredOrStoredAndNothingStalls,
// measured in the test process (which also runs the embedded JetStream and
// the publisher). While the 16 MiB body passes, the AMQP client holds it
// once or twice as it assembles the frames; nothing else may keep it.
const (
	hostilePeakHeapGrowth     = 160 << 20 // live heap above the baseline at any time
	hostileRetainedHeapGrowth = 32 << 20  // after the run and a GC
)

// TestHostileBodiesAreDeadLetteredOrStoredAndNothingStalls publishes the
// hostile corpus (testenv.HostileCorpus) through RabbitMQ, interleaved with
// 50 good corpus bodies, to a service that converts into file:// sinks.
// Each hostile body is dead-lettered on deadletter.bridge with the reason
// its category calls for, or, when oslo.messaging would accept it, stored
// and converted without a dead letter; every good body's samples reach the
// sink; the queues end empty and the heap stays bounded.
func TestHostileBodiesAreDeadLetteredOrStoredAndNothingStalls(t *testing.T) {
	start := time.Now()
	deadline := start.Add(40 * time.Second)
	goldens, err := golden.ReadCases(filepath.Join(testenv.Root(), "testdata", "ceilometer-19.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	good := testenv.Corpus(t)[:50]
	hostile := testenv.HostileCorpus(good[0].Body)
	var wantStored, wantDead int
	for _, h := range hostile {
		if h.Stored {
			wantStored++
		} else {
			wantDead++
		}
	}

	dir := t.TempDir()
	samplesFile, eventsFile := filepath.Join(dir, "samples.json"), filepath.Join(dir, "events.json")
	pipe := hostileWriteFile(t, "pipeline.yaml", "sources:\n  - {name: all, meters: ['*'], sinks: [f]}\nsinks:\n  - {name: f, publishers: ['file://"+samplesFile+"?json']}\n")
	evPipe := hostileWriteFile(t, "event_pipeline.yaml", "sources:\n  - {name: all, events: ['*'], sinks: [f]}\nsinks:\n  - {name: f, publishers: ['file://"+eventsFile+"?json']}\n")
	exchanges := testenv.Exchanges(append([]testenv.Case{{Exchange: "nova"}}, good...))
	env := startEnv(t, exchanges, func(c *Config) {
		c.BridgeOnly, c.Convert.NoEtc = false, true
		c.PipelineFile, c.EventPipelineFile = pipe, evPipe
	})
	js := env.svc.JetStream()

	peak := startHeapWatch()
	testenv.PublishMixed(t, env.topic, "nova", good, hostile)

	// everything stored, dead-lettered, converted and delivered
	for {
		n, d := testenv.StreamMsgs(t, js, StreamNotifications), testenv.StreamMsgs(t, js, StreamDeadLetter)
		if n >= uint64(len(good)+wantStored) && d >= uint64(wantDead) && hostileDrained(t, js) {
			break
		}
		if time.Now().After(deadline) {
			t.Errorf("after %v: NOTIFICATIONS holds %d (want %d), DEADLETTER %d (want %d); consumers drained: %v",
				time.Since(start).Round(time.Millisecond), n, len(good)+wantStored, d, wantDead, hostileDrained(t, js))
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	time.Sleep(300 * time.Millisecond) // anything extra shows now
	base, maxHeap := peak()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	t.Logf("heap: baseline %d MiB, peak +%d MiB, after GC +%d MiB (bounds %d, %d MiB); %v", base>>20,
		(maxHeap-base)>>20, (int64(ms.HeapAlloc)-int64(base))>>20, hostilePeakHeapGrowth>>20, hostileRetainedHeapGrowth>>20, time.Since(start).Round(time.Millisecond))
	if maxHeap-base > hostilePeakHeapGrowth {
		t.Errorf("heap grew by %d MiB while the hostile corpus passed, bound %d MiB", (maxHeap-base)>>20, hostilePeakHeapGrowth>>20)
	}
	if int64(ms.HeapAlloc)-int64(base) > hostileRetainedHeapGrowth {
		t.Errorf("heap retained %d MiB after the hostile corpus, bound %d MiB", (int64(ms.HeapAlloc)-int64(base))>>20, hostileRetainedHeapGrowth>>20)
	}

	// stored: the good bodies and the valid-but-weird ones, byte for byte
	stored := map[string]jetstream.Msg{}
	for _, m := range testenv.ReadAll(t, js, StreamNotifications) {
		stored[m.Headers().Get(routes.HeaderMsgID)] = m
	}
	if len(stored) != len(good)+wantStored {
		t.Errorf("NOTIFICATIONS holds %d distinct notifications, want %d", len(stored), len(good)+wantStored)
	}
	for _, c := range good {
		if _, ok := stored[hostileInner(t, []byte(c.Body)).MessageID]; !ok {
			t.Errorf("good body %s not stored", c.Name)
		}
	}

	// dead letters, by body (the oversized one by its first 64 KiB)
	dead := map[string]jetstream.Msg{}
	for _, m := range testenv.ReadAll(t, js, StreamDeadLetter) {
		if m.Subject() != routes.DeadLetterPrefix+".bridge" {
			t.Errorf("dead letter on %s (%s): %.200q", m.Subject(), m.Headers().Get(routes.HeaderReason), m.Data())
			continue
		}
		dead[string(m.Data())] = m
	}
	if len(dead) != wantDead {
		t.Errorf("deadletter.bridge holds %d distinct bodies, want %d", len(dead), wantDead)
	}

	table := map[string]map[string]int{} // category -> outcome -> count
	for _, h := range hostile {
		outcome := ""
		if h.Stored {
			m, ok := stored[h.MessageID]
			switch {
			case !ok:
				t.Errorf("%s/%s: not stored", h.Category, h.Name)
				outcome = "LOST"
			case !bytes.Equal(m.Data(), h.Body):
				t.Errorf("%s/%s: stored body differs from the published one", h.Category, h.Name)
			case m.Subject() != routes.NotificationSubject("nova", "info", h.EventType) && len(h.EventType) < 1000:
				t.Errorf("%s/%s: stored on %q, want %q", h.Category, h.Name, m.Subject(), routes.NotificationSubject("nova", "info", h.EventType))
			default:
				outcome = "stored on " + hostileTruncate(m.Subject(), 60)
			}
			if _, ok := dead[string(h.Body)]; ok {
				t.Errorf("%s/%s: both stored and dead-lettered", h.Category, h.Name)
			}
		} else {
			key := string(h.Body)
			if len(h.Body) > routes.DefaultMaxBodyBytes {
				key = string(h.Body[:64<<10])
			}
			m, ok := dead[key]
			if !ok {
				t.Errorf("%s/%s: not dead-lettered (%d bytes: %.120q)", h.Category, h.Name, len(h.Body), h.Body)
				table[h.Category] = hostileInc(table[h.Category], "LOST")
				continue
			}
			reason := m.Headers().Get(routes.HeaderReason)
			if !hostileContainsAny(reason, h.Reasons) {
				t.Errorf("%s/%s: dead-lettered with reason %q, want one containing %q", h.Category, h.Name, reason, h.Reasons)
			}
			if len(h.Body) > routes.DefaultMaxBodyBytes {
				if got := m.Headers().Get(routes.HeaderOrigSize); got != strconv.Itoa(len(h.Body)) {
					t.Errorf("%s/%s: %s header %q, want %d", h.Category, h.Name, routes.HeaderOrigSize, got, len(h.Body))
				}
			}
			outcome = "dead letter: " + hostileReasonShape(reason)
		}
		table[h.Category] = hostileInc(table[h.Category], outcome)
	}

	// conversion: every good body's samples and events reach the file
	// sinks; every weird stored one converted without a dead letter
	lines, err := golden.ReadJSONL(samplesFile)
	if err != nil {
		t.Fatal(err)
	}
	byID := map[string]any{}
	for _, l := range lines {
		if o, ok := l.(*jsonv.Object); ok {
			id, _ := o.Get("id")
			s, _ := id.(string)
			byID[s] = l
		}
	}
	var wantGood, gotGood []any
	for i := range good {
		g := goldens[i]
		if g.Body != good[i].Body {
			t.Fatalf("golden case %d is not corpus case %d", i, i)
		}
		wantGood = append(wantGood, g.Samples...)
		id := hostileInner(t, []byte(g.Body)).MessageID
		perMeter := map[string]int{}
		for _, s := range hostileSamples(t, g.Samples) {
			if l, ok := byID[routes.SampleID(id, s.Name, perMeter[s.Name])]; ok {
				gotGood = append(gotGood, l)
			}
			perMeter[s.Name]++
		}
	}
	if err := golden.CompareSamples(wantGood, hostileSamples(t, gotGood)); err != nil {
		t.Errorf("good bodies' samples in the file sink: %v", err)
	}
	for _, h := range hostile {
		for _, meter := range h.Meters {
			if _, ok := byID[routes.SampleID(h.MessageID, meter, 0)]; !ok {
				t.Errorf("%s/%s: no %s sample in the file sink", h.Category, h.Name, meter)
			}
		}
	}
	evLines, err := golden.ReadJSONL(eventsFile)
	if err != nil {
		t.Fatal(err)
	}
	events := map[string]bool{}
	for _, l := range evLines {
		if o, ok := l.(*jsonv.Object); ok {
			id, _ := o.Get("message_id")
			s, _ := id.(string)
			events[s] = true
		}
	}
	for i := range good {
		if len(goldens[i].Events) > 0 && !events[hostileInner(t, []byte(goldens[i].Body)).MessageID] {
			t.Errorf("good body %s: no event in the file sink", good[i].Name)
		}
	}

	// counted, and nothing left behind or redelivered
	counts := hostileHandlerCounts(t, env.svc)
	bridge := "bridge-" + env.topic
	if got := counts[[2]string{bridge, metrics.OutcomeDeadLettered}]; got != float64(wantDead) {
		t.Errorf("%s dead-lettered %v, want %d", bridge, got, wantDead)
	}
	if got := counts[[2]string{"process", metrics.OutcomeDeadLettered}]; got != 0 {
		t.Errorf("process dead-lettered %v, want 0", got)
	}
	for k, v := range counts {
		if k[1] == metrics.OutcomeNacked && v != 0 {
			t.Errorf("route %s nacked %v messages", k[0], v)
		}
	}
	for _, p := range amqpt.DefaultPriorities {
		if n := testenv.QueueDepth(t, env.prefix+"."+env.topic+"."+p); n != 0 {
			t.Errorf("%d messages still in queue %s", n, p)
		}
	}
	t.Logf("dead letters: bridge %v, process %v; samples in the file sink %d, events %d",
		counts[[2]string{bridge, metrics.OutcomeDeadLettered}], counts[[2]string{"process", metrics.OutcomeDeadLettered}], len(lines), len(evLines))
	for _, h := range hostile {
		if o := table[h.Category]; o != nil {
			for outcome, n := range o {
				t.Logf("%-16s %3d × %s", h.Category, n, outcome)
			}
			delete(table, h.Category)
		}
	}
	if d := time.Since(start); d > 60*time.Second {
		t.Errorf("took %v, bound 60s", d)
	}
}

// hostileDrained reports whether the process and sink consumers have
// nothing pending or unacknowledged.
func hostileDrained(t *testing.T, js jetstream.JetStream) bool {
	ctx := context.Background()
	for _, name := range []string{StreamNotifications, StreamSamples, StreamEvents} {
		s, err := js.Stream(ctx, name)
		if err != nil {
			t.Fatal(err)
		}
		lister := s.ListConsumers(ctx)
		n := 0
		for info := range lister.Info() {
			n++
			if info.NumPending != 0 || info.NumAckPending != 0 || info.NumRedelivered != 0 && info.NumAckPending != 0 {
				return false
			}
		}
		if lister.Err() != nil || n == 0 {
			return false
		}
	}
	return true
}

// hostileHandlerCounts returns meterflow_handler_messages_total by route
// and outcome.
func hostileHandlerCounts(t *testing.T, svc *Service) map[[2]string]float64 {
	out := map[[2]string]float64{}
	eachCounter(t, svc, "handler_messages_total", func(labels map[string]string, v float64) {
		out[[2]string{labels["route"], labels["outcome"]}] += v
	})
	return out
}

// eachCounter calls f with the labels and value of every series of the
// counter meterflow_<name> the service exposes.
func eachCounter(t *testing.T, svc *Service, name string, f func(labels map[string]string, v float64)) {
	mfs, err := svc.Metrics().Registry.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != metrics.Namespace+"_"+name {
			continue
		}
		for _, m := range mf.GetMetric() {
			labels := map[string]string{}
			for _, l := range m.GetLabel() {
				labels[l.GetName()] = l.GetValue()
			}
			f(labels, m.GetCounter().GetValue())
		}
	}
}

// startHeapWatch samples the live heap every 5ms from a GC'd baseline; the
// returned func stops it and returns the baseline and the highest sample.
func startHeapWatch() func() (base, peak uint64) {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	base := ms.HeapAlloc
	stop, done := make(chan struct{}), make(chan uint64)
	go func() {
		max := base
		tick := time.NewTicker(5 * time.Millisecond)
		defer tick.Stop()
		for {
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			if ms.HeapAlloc > max {
				max = ms.HeapAlloc
			}
			select {
			case <-stop:
				done <- max
				return
			case <-tick.C:
			}
		}
	}()
	var once sync.Once
	var peak uint64
	return func() (uint64, uint64) {
		once.Do(func() { close(stop); peak = <-done })
		return base, peak
	}
}

// hostileReasonShape is a dead letter's reason without offsets and sizes,
// for the classification table.
func hostileReasonShape(reason string) string {
	var b strings.Builder
	digits := false
	for _, r := range reason {
		if r >= '0' && r <= '9' {
			if !digits {
				b.WriteByte('N')
			}
			digits = true
			continue
		}
		digits = false
		b.WriteRune(r)
	}
	return b.String()
}

func hostileContainsAny(s string, subs []string) bool {
	for _, sub := range subs {
		if strings.Contains(s, sub) {
			return true
		}
	}
	return false
}

func hostileInc(m map[string]int, k string) map[string]int {
	if m == nil {
		m = map[string]int{}
	}
	m[k]++
	return m
}

func hostileTruncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…(" + strconv.Itoa(len(s)) + " bytes)"
}

func hostileWriteFile(t *testing.T, name, content string) string {
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// hostileSamples reads samples from their Sample.as_dict()s.
func hostileSamples(t *testing.T, dicts []any) []processors.Sample {
	t.Helper()
	samples, err := golden.SamplesFromDicts(dicts)
	if err != nil {
		t.Fatal(err)
	}
	return samples
}

// hostileInner is an enveloped body's message_id.
func hostileInner(t *testing.T, body []byte) (m struct{ MessageID string }) {
	t.Helper()
	n, err := processors.Decode(body)
	if err != nil {
		t.Fatal(err)
	}
	m.MessageID = n.MessageID
	return m
}
