package faults

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"meterflow/internal/testenv"
)

// scenario is one test's names, sinks and workload.
type scenario struct {
	topic, prefix string
	dir           string // sink files, pipelines
	// sample and event sinks: name → publisher URL; a file:// sink's
	// path has the meterflow's instance name in it
	sampleSinks, eventSinks map[string]string
	instances               []string // of the processes args was called for
	w                       *workload
}

// Sink names the scenarios use.
const (
	fileSamples = "file"
	fileEvents  = "efile"
	jsSamples   = "js"
	jsEvents    = "ejs"
)

// newScenario makes a topic and queue prefix (deleted at the end), a
// workload of n corpus notifications and pipelines sending every sample
// and event to a file:// sink and to a second one: jetstream:// unless
// samplesURL names another publisher for samples.
func newScenario(t testing.TB, tag string, n int, samplesURL string) *scenario {
	t.Helper()
	s := &scenario{dir: t.TempDir(), w: corpusWorkload(t, n, tag)}
	s.topic, s.prefix = testenv.Names(t, "info", "sample")
	s.sampleSinks = map[string]string{fileSamples: "file://" + s.file(fileSamples, "{instance}") + "?json", jsSamples: "jetstream://"}
	s.eventSinks = map[string]string{fileEvents: "file://" + s.file(fileEvents, "{instance}") + "?json", jsEvents: "jetstream://"}
	if samplesURL != "" {
		s.sampleSinks = map[string]string{fileSamples: s.sampleSinks[fileSamples], "web": samplesURL}
	}
	return s
}

// file is the path of a file:// sink of one meterflow instance.
func (s *scenario) file(sink, instance string) string {
	return filepath.Join(s.dir, sink+"-"+instance+".json")
}

// pipeline writes a Ceilometer pipeline file for one meterflow instance:
// one source (all meters or events) into every sink.
func (s *scenario) pipeline(t testing.TB, kind, instance string, sinks map[string]string) string {
	t.Helper()
	var names, defs []string
	for name, url := range sinks {
		names = append(names, name)
		url = strings.ReplaceAll(url, "{instance}", instance)
		defs = append(defs, fmt.Sprintf("  - {name: %s, publishers: ['%s']}", name, url))
	}
	body := fmt.Sprintf("sources:\n  - {name: all, %s: ['*'], sinks: [%s]}\nsinks:\n%s\n", kind, strings.Join(names, ", "), strings.Join(defs, "\n"))
	path := filepath.Join(s.dir, kind+"_pipeline-"+instance+".yaml")
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// args are the flags of the scenario's meterflow; argsFor those of one of
// several sharing the queues and durable consumers, each with its own
// file:// sink files.
func (s *scenario) args(t testing.TB) []string { return s.argsFor(t, "a") }

func (s *scenario) argsFor(t testing.TB, instance string) []string {
	if !slices.Contains(s.instances, instance) {
		s.instances = append(s.instances, instance)
	}
	return []string{"--no-etc", "--exchanges", corpusExchanges(t), "--topics", s.topic, "--queue-prefix", s.prefix,
		"--priorities", "info,sample", "--pipeline", s.pipeline(t, "meters", instance, s.sampleSinks),
		"--event-pipeline", s.pipeline(t, "events", instance, s.eventSinks)}
}

// fileIDs counts a file:// sink's lines over every instance's file.
func (s *scenario) fileIDs(t testing.TB, sink string) map[string]int {
	got := map[string]int{}
	for _, in := range s.instances {
		for id, n := range fileIDs(t, s.file(sink, in)) {
			got[id] += n
		}
	}
	return got
}

// queues are the scenario's RabbitMQ queues.
func (s *scenario) queues() []string {
	return []string{s.prefix + "." + s.topic + ".info", s.prefix + "." + s.topic + ".sample"}
}

// queued is how many messages wait in the scenario's queues (ready ones).
func (s *scenario) queued(t testing.TB) int {
	n := 0
	for _, q := range s.queues() {
		n += testenv.QueueDepth(t, q)
	}
	return n
}

// waitSettled waits until the log holds the whole workload, RabbitMQ's
// queues are empty and every durable consumer is drained (each sink took
// its backlog), failing the test after timeout.
func (s *scenario) waitSettled(t testing.TB, js jetstream.JetStream, timeout time.Duration) {
	t.Helper()
	var why string
	ok := waitUntil(timeout, func() bool {
		if n := streamMsgs(js, streamNotifications); n < len(s.w.ids) {
			why = fmt.Sprintf("NOTIFICATIONS holds %d of %d", n, len(s.w.ids))
			return false
		}
		if q := s.queued(t); q != 0 {
			why = fmt.Sprintf("%d left in RabbitMQ", q)
			return false
		}
		done, left := drained(js, streamNotifications, streamSamples, streamEvents)
		why = left
		return done
	})
	if !ok {
		t.Fatalf("not settled after %s: %s", timeout, why)
	}
}

// verify counts the log and every sink of the scenario against the
// workload: lost=0 dup=0 everywhere or the test fails.
func (s *scenario) verify(t testing.TB, js jetstream.JetStream) {
	t.Helper()
	tally(t, "log NOTIFICATIONS", s.w.ids, logIDs(t, js))
	tally(t, "file:// sink, samples", s.w.samples, s.fileIDs(t, fileSamples))
	tally(t, "file:// sink, events", s.w.events, s.fileIDs(t, fileEvents))
	if _, ok := s.sampleSinks[jsSamples]; ok {
		tally(t, "jetstream:// sink, samples", s.w.samples, jetstreamSinkIDs(t, js, "samples", jsSamples))
	}
	tally(t, "jetstream:// sink, events", s.w.events, jetstreamSinkIDs(t, js, "events", jsEvents))
	if dl := streamMsgs(js, streamDeadLetter); dl != 0 {
		subjects := countStream(t, js, streamDeadLetter, ">", func(id string) string { return id })
		t.Errorf("DEADLETTER holds %d messages, e.g. %v", dl, firstKeys(subjects, 5))
	}
}

func firstKeys(m map[string]int, n int) []string {
	var out []string
	for k := range m {
		if len(out) == n {
			break
		}
		out = append(out, k)
	}
	return out
}
