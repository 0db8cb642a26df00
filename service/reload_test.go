package service

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"meterflow/internal/golden"
	"meterflow/internal/testenv"
	"meterflow/processors"
)

// imageSizeMeters defines one meter, image.size, with the given unit.
func imageSizeMeters(unit string) string {
	return `---
metric:
  - name: "image.size"
    event_type: ["image.upload", "image.delete", "image.update"]
    type: "gauge"
    unit: "` + unit + `"
    volume: $.payload.size
    resource_id: $.payload.id
    project_id: $.payload.owner
`
}

// tagged returns cases with tag put in front of every message_id, so that
// republishing them makes new notifications. Cases without a message_id are
// left out.
func tagged(cases []testenv.Case, tag string) []testenv.Case {
	const key = `message_id\": \"`
	var out []testenv.Case
	for _, c := range cases {
		k := strings.Index(c.Body, key)
		if k < 0 {
			continue
		}
		k += len(key)
		c.Body = c.Body[:k] + tag + "-" + c.Body[k:]
		out = append(out, c)
	}
	return out
}

// imageCases are the corpus's image.upload notifications: one image.size
// sample each.
func imageCases(t *testing.T) []testenv.Case {
	var out []testenv.Case
	for _, c := range testenv.Corpus(t) {
		if inner(t, []byte(c.Body)).EventType == "image.upload" {
			out = append(out, c)
		}
	}
	if len(out) == 0 {
		t.Fatal("no image.upload notification in the corpus")
	}
	return out
}

// reloadEnv runs the whole path with the meters of metersDir, the shipped
// event definitions and the given pipelines.
func reloadEnv(t *testing.T, exchanges []string, metersDir, pipe, evPipe string) *testEnv {
	return startEnv(t, exchanges, func(c *Config) {
		c.BridgeOnly, c.Convert.NoEtc = false, true
		if metersDir != "" {
			c.Convert.MeterDirs = []string{metersDir}
		}
		c.PipelineFile, c.EventPipelineFile = pipe, evPipe
	})
}

// samplePipelines writes a pipeline sending every sample to the memtest
// sinks named and an event pipeline sending every event to a sink of its
// own; it returns their paths.
func samplePipelines(t *testing.T, dir string, sampleSinks ...string) (pipe, evPipe string) {
	pipe, evPipe = filepath.Join(dir, "pipeline.yaml"), filepath.Join(dir, "event_pipeline.yaml")
	writePipeline(t, pipe, sampleSinks...)
	ev := "sources:\n  - {name: all, events: ['*'], sinks: [k]}\nsinks:\n  - {name: k, publishers: ['memtest://ev" + itoa(time.Now().UnixNano()) + "']}\n"
	if err := os.WriteFile(evPipe, []byte(ev), 0o644); err != nil {
		t.Fatal(err)
	}
	return pipe, evPipe
}

// writePipeline writes a pipeline with one sink (named like its memtest
// publisher) per name, every sample going to each.
func writePipeline(t *testing.T, path string, names ...string) {
	var b strings.Builder
	b.WriteString("sources:\n  - {name: all, meters: ['*'], sinks: [" + strings.Join(names, ", ") + "]}\nsinks:\n")
	for _, n := range names {
		fmt.Fprintf(&b, "  - {name: %s, publishers: ['memtest://%s']}\n", n, n)
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}

// imageMetersDir makes dir/meters.d holding the image.size meter in bytes.
func imageMetersDir(t *testing.T, dir string) string {
	metersDir := filepath.Join(dir, "meters.d")
	if err := os.Mkdir(metersDir, 0o755); err != nil {
		t.Fatal(err)
	}
	writeMeters(t, metersDir, imageSizeMeters("B"))
	return metersDir
}

func writeMeters(t *testing.T, dir, content string) {
	if err := os.WriteFile(filepath.Join(dir, "meters.yaml"), []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// waitSamples waits until the sink holds exactly n samples (memSinks are
// created by the service, so the sink may not exist yet).
func waitSamples(t *testing.T, name string, n int) []processors.Sample {
	t.Helper()
	// generous: under -race on a loaded 2-core machine, naks back off for seconds
	deadline := time.Now().Add(120 * time.Second)
	for time.Now().Before(deadline) {
		if m := memSinkNamed(name); m != nil {
			if s, _ := m.counts(); s >= n {
				time.Sleep(500 * time.Millisecond) // nothing more may arrive
				m.mu.Lock()
				got := append([]processors.Sample(nil), m.samples...)
				m.mu.Unlock()
				if len(got) != n {
					t.Fatalf("sink %s holds %d samples, want exactly %d", name, len(got), n)
				}
				return got
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	got := 0
	if m := memSinkNamed(name); m != nil {
		got, _ = m.counts()
	}
	t.Fatalf("sink %s holds %d samples, want %d", name, got, n)
	return nil
}

func units(samples []processors.Sample) map[string]int {
	u := map[string]int{}
	for _, s := range samples {
		u[s.Unit]++
	}
	return u
}

func TestReloadConvertsLaterNotificationsWithTheNewMeters(t *testing.T) {
	cases := imageCases(t)
	dir := t.TempDir()
	metersDir := imageMetersDir(t, dir)
	sink := "units" + itoa(time.Now().UnixNano())
	pipe, evPipe := samplePipelines(t, dir, sink)
	env := reloadEnv(t, testenv.Exchanges(cases), metersDir, pipe, evPipe)

	testenv.PublishCases(t, env.topic, tagged(cases, "before"))
	before := waitSamples(t, sink, len(cases))
	if u := units(before); u["B"] != len(cases) {
		t.Fatalf("units before the reload: %v", u)
	}
	writeMeters(t, metersDir, imageSizeMeters("MiB"))
	if err := env.svc.Reload(); err != nil {
		t.Fatal(err)
	}
	testenv.PublishCases(t, env.topic, tagged(cases, "after"))
	after := waitSamples(t, sink, 2*len(cases))[len(cases):]
	if u := units(after); u["MiB"] != len(cases) {
		t.Fatalf("units after the reload: %v, want %d MiB", u, len(cases))
	}
}

var fileLine = regexp.MustCompile(`meters\.yaml:\d+`)

func TestReloadRejectsInvalidDefinitionsAndKeepsTheOldOnes(t *testing.T) {
	cases := imageCases(t)
	dir := t.TempDir()
	metersDir := imageMetersDir(t, dir)
	sink := "keep" + itoa(time.Now().UnixNano())
	pipe, evPipe := samplePipelines(t, dir, sink)
	env := reloadEnv(t, testenv.Exchanges(cases), metersDir, pipe, evPipe)

	for _, invalid := range []struct{ name, meters string }{
		{"broken YAML", "---\nmetric:\n  - name: \"image.size\"\n    unit: [B\n"},
		{"a definition without a volume", strings.Replace(imageSizeMeters("MiB"), "    volume: $.payload.size\n", "", 1)},
	} {
		writeMeters(t, metersDir, invalid.meters)
		err := env.svc.Reload()
		if err == nil {
			t.Fatalf("%s: Reload accepted it", invalid.name)
		}
		if !fileLine.MatchString(err.Error()) {
			t.Errorf("%s: the error does not name file:line: %v", invalid.name, err)
		}
		t.Logf("%s: %v", invalid.name, err)
	}
	testenv.PublishCases(t, env.topic, tagged(cases, "rejected"))
	if u := units(waitSamples(t, sink, len(cases))); u["B"] != len(cases) {
		t.Fatalf("after rejected reloads: units %v, want the old definitions' B", u)
	}
}

// TestReloadUnderLoadDropsAndDuplicatesNothing publishes the corpus three
// times with fresh message ids while reloading over and over: every sample
// arrives exactly once.
func TestReloadUnderLoadDropsAndDuplicatesNothing(t *testing.T) {
	goldenCases, err := golden.ReadCases(filepath.Join(testenv.Root(), "testdata", "ceilometer-19-shipped.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	var corpus []testenv.Case
	samplesOf := map[string]int{}
	for _, g := range goldenCases {
		corpus = append(corpus, testenv.Case{Name: g.Name, Exchange: g.Exchange, RoutingKey: g.RoutingKey, Body: g.Body})
		samplesOf[g.Name] = len(g.Samples)
	}
	sink := "load" + itoa(time.Now().UnixNano())
	pipe, evPipe := samplePipelines(t, t.TempDir(), sink)
	env := reloadEnv(t, testenv.Exchanges(corpus), "", pipe, evPipe)

	stop, reloads := make(chan struct{}), make(chan int)
	go func() {
		n := 0
		defer func() { reloads <- n }()
		for {
			select {
			case <-stop:
				return
			case <-time.After(20 * time.Millisecond):
			}
			if err := env.svc.Reload(); err != nil {
				t.Errorf("reload %d: %v", n, err)
				return
			}
			n++
		}
	}()
	want := 0
	for round := 0; round < 3; round++ {
		cases := tagged(corpus, fmt.Sprintf("round%d", round))
		for _, c := range cases {
			want += samplesOf[c.Name]
		}
		testenv.PublishCases(t, env.topic, cases)
	}
	got := waitSamples(t, sink, want)
	close(stop)
	t.Logf("%d samples through %d reloads", len(got), <-reloads)
	seen := map[string]int{}
	for _, s := range got {
		seen[s.ID]++
	}
	if len(seen) != want {
		t.Fatalf("%d distinct sample ids among %d samples, want %d", len(seen), len(got), want)
	}
}

// TestReloadStartsNewSinksAndStopsRemovedOnes adds a sink to the pipeline,
// then removes it: it receives what is published while it is configured,
// nothing after, and the remaining sink receives everything.
func TestReloadStartsNewSinksAndStopsRemovedOnes(t *testing.T) {
	cases := imageCases(t)
	dir := t.TempDir()
	metersDir := imageMetersDir(t, dir)
	id := itoa(time.Now().UnixNano())
	kept, added := "kept"+id, "added"+id
	pipe, evPipe := samplePipelines(t, dir, kept)
	env := reloadEnv(t, testenv.Exchanges(cases), metersDir, pipe, evPipe)
	n := len(cases)

	testenv.PublishCases(t, env.topic, tagged(cases, "one"))
	waitSamples(t, kept, n)

	writePipeline(t, pipe, kept, added)
	if err := env.svc.Reload(); err != nil {
		t.Fatal(err)
	}
	testenv.PublishCases(t, env.topic, tagged(cases, "two"))
	waitSamples(t, kept, 2*n)
	waitSamples(t, added, n)

	writePipeline(t, pipe, kept)
	if err := env.svc.Reload(); err != nil {
		t.Fatal(err)
	}
	testenv.PublishCases(t, env.topic, tagged(cases, "three"))
	waitSamples(t, kept, 3*n)
	if s, _ := memSinkNamed(added).counts(); s != n {
		t.Fatalf("the removed sink received %d samples, want the %d from while it was configured", s, n)
	}
}

// TestReloadReplacesAPublisherWhoseURLChanged changes the URL of a sink's
// only publisher: the new one takes over (same route name, same durable
// consumer) and receives what is published after the reload; the old one
// receives nothing more.
func TestReloadReplacesAPublisherWhoseURLChanged(t *testing.T) {
	cases := imageCases(t)
	dir := t.TempDir()
	metersDir := imageMetersDir(t, dir)
	id := itoa(time.Now().UnixNano())
	before, after := "before"+id, "after"+id
	pipe, evPipe := samplePipelines(t, dir, "s")
	sinkWith := func(pub string) {
		p := "sources:\n  - {name: all, meters: ['*'], sinks: [s]}\nsinks:\n  - {name: s, publishers: ['memtest://" + pub + "']}\n"
		if err := os.WriteFile(pipe, []byte(p), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	sinkWith(before)
	env := reloadEnv(t, testenv.Exchanges(cases), metersDir, pipe, evPipe)
	n := len(cases)

	testenv.PublishCases(t, env.topic, tagged(cases, "one"))
	waitSamples(t, before, n)

	sinkWith(after)
	if err := env.svc.Reload(); err != nil {
		t.Fatalf("reload with a changed publisher URL: %v", err)
	}
	testenv.PublishCases(t, env.topic, tagged(cases, "two"))
	waitSamples(t, after, n)
	if s, _ := memSinkNamed(before).counts(); s != n {
		t.Fatalf("the replaced publisher received %d samples, want the %d from before the reload", s, n)
	}
}
