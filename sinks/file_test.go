package sinks

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"

	"meterflow/internal/golden"
	"meterflow/processors"
	"meterflow/processors/jsonv"
)

// runCeilometerPython runs script with Debian's Python, where Ceilometer 19
// and oslo.messaging are installed, feeding it stdin; it fails the test
// (never skips) when they are missing, as integration tests do.
func runCeilometerPython(t *testing.T, script string, stdin []byte, args ...string) []byte {
	t.Helper()
	cmd := exec.Command("/usr/bin/python3", append([]string{"-c", script}, args...)...)
	cmd.Stdin = bytes.NewReader(stdin)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("python3 (python3-ceilometer needed): %v\n%s", err, stderr.Bytes())
	}
	return out
}

// fileTestSamples are samples with what a line must get right: unicode,
// control characters, quotes, nested metadata, big and float numbers, null.
func fileTestSamples(t *testing.T, n int) (js []*jsonv.Object, samples []processors.Sample) {
	t.Helper()
	notes := []string{
		`caf\u00e9 \u65e5\u672c \ud83d\ude00`,
		`say \"hi\" \\ it's \u0007\u007f\t\n`,
		`plain`,
	}
	volumes := []string{`123456789`, `1e+20`, `0.1`, `123456789012345678901234567890`, `2048.0`, `-0.0`}
	var dicts []any
	for i := 0; i < n; i++ {
		user := fmt.Sprintf(`"user-%d"`, i)
		if i%4 == 3 {
			user = `null`
		}
		raw := fmt.Sprintf(`{"name": "meter.%d", "type": "gauge", "unit": "B", "volume": %s,
			"user_id": %s, "project_id": "p%d", "resource_id": "r-%d",
			"timestamp": "2026-11-02T10:01:%02d.009973",
			"resource_metadata": {"host": "compute-%d", "flavor": {"vcpus": %d, "ram": 2048.5},
				"tags": ["a", "b", {"k": null}], "note": "%s", "ok": true},
			"source": "openstack", "id": "0000000%d-1111-4111-8111-111111111111"}`,
			i%3, volumes[i%len(volumes)], user, i, i, i%60, i, i%8, notes[i%len(notes)], i%10)
		v, err := jsonv.ParseString(raw)
		if err != nil {
			t.Fatal(err)
		}
		js = append(js, v.(*jsonv.Object))
		dicts = append(dicts, v)
	}
	samples, err := golden.SamplesFromDicts(dicts)
	if err != nil {
		t.Fatal(err)
	}
	return js, samples
}

// fileTestEvents are events with every trait type, datetimes with and
// without microseconds and seconds, and a raw notification.
func fileTestEvents(n int) []processors.Event {
	var events []processors.Event
	gens := []string{"2026-11-02T10:01:07.009973", "2026-11-02T10:01:00", "2026-11-02T10:01:07"}
	for i := 0; i < n; i++ {
		raw := any(jsonv.NewObject(0))
		if i%2 == 1 {
			r := jsonv.NewObject(2)
			p := jsonv.NewObject(1)
			p.Set("instance_id", fmt.Sprintf("i-%d \u00e9", i))
			r.Set("event_type", "compute.instance.create.end")
			r.Set("payload", p)
			raw = r
		}
		events = append(events, processors.Event{
			EventType: "compute.instance.create.end",
			MessageID: fmt.Sprintf("msg-%d", i),
			Generated: gens[i%len(gens)],
			Traits: []processors.Trait{
				{Name: "service", Type: processors.TraitText, Value: "compute 'x' \u00e9"},
				{Name: "memory_mb", Type: processors.TraitInt, Value: int64(512 * i)},
				{Name: "disk_gb", Type: processors.TraitFloat, Value: 1.5},
				{Name: "launched_at", Type: processors.TraitDatetime, Value: gens[(i+1)%len(gens)]},
			},
			Raw: raw,
		})
	}
	return events
}

// fileEventJSON is how the Python reference receives an event: as the
// Go value it is built from.
func fileEventJSON(e *processors.Event) *jsonv.Object {
	o := jsonv.NewObject(5)
	o.Set("message_id", e.MessageID)
	o.Set("event_type", e.EventType)
	o.Set("generated", e.Generated)
	traits := []any{}
	for _, t := range e.Traits {
		traits = append(traits, []any{t.Name, int64(t.Type), t.Value})
	}
	o.Set("traits", traits)
	o.Set("raw", e.Raw)
	return o
}

// filePublisherPy feeds batches to Ceilometer's FilePublisher; events get
// datetime objects where Ceilometer's converter makes them.
const filePublisherPy = `
import json, sys
from oslo_utils import netutils, timeutils
from ceilometer import sample as sample_mod
from ceilometer.event import models
from ceilometer.publisher import file as filepub

spec = json.load(sys.stdin)
p = filepub.FilePublisher(None, netutils.urlsplit(spec['url']))
def dt(v):
    return timeutils.normalize_time(timeutils.parse_isotime(v))
for batch in spec['batches']:
    if spec['kind'] == 'samples':
        p.publish_samples([sample_mod.Sample(**s) for s in batch])
    else:
        p.publish_events([models.Event(e['message_id'], e['event_type'], dt(e['generated']),
            [models.Trait(n, t, dt(v) if t == 4 else v) for n, t, v in e['traits']], e['raw'])
            for e in batch])
`

// fileTree reads every file of dir.
func fileTree(t *testing.T, dir string) map[string]string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		out[e.Name()] = string(b)
	}
	return out
}

func newTestFile(t *testing.T, raw string) *fileSink {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	s, err := NewFile(u, Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close(context.Background()) })
	return s.(*fileSink)
}

// TestFileWritesWhatCeilometerWrites runs the same batches through the sink
// and through Ceilometer 19's FilePublisher (Python's RotatingFileHandler)
// and wants byte-identical files, backups included.
func TestFileWritesWhatCeilometerWrites(t *testing.T) {
	js, samples := fileTestSamples(t, 40)
	events := fileTestEvents(12)
	batchSizes := []int{1, 7, 3, 12, 17}
	for _, tc := range []struct {
		name, query, kind string
	}{
		{"json", "json", "samples"},
		{"json rotated", "json&max_bytes=1500&backup_count=3", "samples"},
		{"json rotated one backup", "max_bytes=2000&json&backup_count=1", "samples"},
		{"json max_bytes alone does not rotate", "json&max_bytes=100", "samples"},
		{"json backup_count=0 never renames", "json&max_bytes=900&backup_count=0", "samples"},
		{"json line longer than max_bytes", "json&max_bytes=50&backup_count=2", "samples"},
		{"plain", "", "samples"},
		{"plain rotated", "max_bytes=1800&backup_count=2", "samples"},
		{"plain events", "", "events"},
		{"plain events rotated", "max_bytes=1000&backup_count=2", "events"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			goDir, pyDir := t.TempDir(), t.TempDir()
			s := newTestFile(t, "file://"+goDir+"/out.log?"+tc.query)
			var pyBatches []any
			n := len(samples)
			if tc.kind == "events" {
				n = len(events)
			}
			for i, k := 0, 0; i < n; k++ {
				size := min(batchSizes[k%len(batchSizes)], n-i)
				var batch []any
				var err error
				if tc.kind == "samples" {
					err = s.PublishSamples(context.Background(), samples[i:i+size])
					for _, o := range js[i : i+size] {
						batch = append(batch, o)
					}
				} else {
					err = s.PublishEvents(context.Background(), events[i:i+size])
					for j := range events[i : i+size] {
						batch = append(batch, fileEventJSON(&events[i+j]))
					}
				}
				if err != nil {
					t.Fatal(err)
				}
				pyBatches = append(pyBatches, batch)
				i += size
			}
			spec := jsonv.NewObject(3)
			spec.Set("url", "file://"+pyDir+"/out.log?"+tc.query)
			spec.Set("kind", tc.kind)
			spec.Set("batches", pyBatches)
			runCeilometerPython(t, filePublisherPy, jsonv.Marshal(spec))

			got, want := fileTree(t, goDir), fileTree(t, pyDir)
			if len(want) == 0 {
				t.Fatal("Ceilometer wrote nothing")
			}
			names := func(m map[string]string) []string {
				var out []string
				for k := range m {
					out = append(out, k)
				}
				sort.Strings(out)
				return out
			}
			if fmt.Sprint(names(got)) != fmt.Sprint(names(want)) {
				t.Fatalf("files: got %v, Ceilometer %v", names(got), names(want))
			}
			for name, w := range want {
				if got[name] != w {
					t.Errorf("%s differs\n got: %.600q\nwant: %.600q", name, got[name], w)
				}
			}
		})
	}
}

// TestFileEventJSON pins the json form of events, which Ceilometer 19
// cannot write (json.dumps rejects its datetimes): as_dict() with ISO
// strings.
func TestFileEventJSON(t *testing.T) {
	dir := t.TempDir()
	s := newTestFile(t, "file://"+dir+"/events.json?json")
	e := fileTestEvents(2)[1]
	if err := s.PublishEvents(context.Background(), []processors.Event{e}); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(filepath.Join(dir, "events.json"))
	if err != nil {
		t.Fatal(err)
	}
	want := `{"message_id": "msg-1", "event_type": "compute.instance.create.end", "generated": "2026-11-02T10:01:00", ` +
		`"traits": [{"name": "service", "dtype": 1, "value": "compute 'x' \u00e9"}, {"name": "memory_mb", "dtype": 2, "value": 512}, ` +
		`{"name": "disk_gb", "dtype": 3, "value": 1.5}, {"name": "launched_at", "dtype": 4, "value": "2026-11-02T10:01:07"}], ` +
		`"raw": {"event_type": "compute.instance.create.end", "payload": {"instance_id": "i-1 \u00e9"}}}` + "\n"
	if string(got) != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}

// TestFileConcurrentPublishesKeepLinesWhole publishes from many goroutines
// into a rotating file and finds every line, whole, once.
func TestFileConcurrentPublishesKeepLinesWhole(t *testing.T) {
	dir := t.TempDir()
	const maxBytes = 20000
	s := newTestFile(t, fmt.Sprintf("file://%s/s.log?json&fsync&max_bytes=%d&backup_count=1000", dir, maxBytes))
	_, samples := fileTestSamples(t, 3)
	const workers, rounds = 8, 40
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for r := 0; r < rounds; r++ {
				batch := append([]processors.Sample(nil), samples...)
				for i := range batch {
					batch[i].ID = fmt.Sprintf("w%d-r%d-%d", w, r, i)
				}
				if err := s.PublishSamples(context.Background(), batch); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	seen := map[string]bool{}
	files := fileTree(t, dir)
	if len(files) < 3 {
		t.Fatalf("expected rotation, got %d files", len(files))
	}
	for name, content := range files {
		if name != "s.log" && len(content) >= maxBytes {
			t.Errorf("%s: %d bytes, max_bytes is %d", name, len(content), maxBytes)
		}
		sc := bufio.NewScanner(strings.NewReader(content))
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			var line struct{ ID string }
			if err := json.Unmarshal(sc.Bytes(), &line); err != nil {
				t.Fatalf("%s: broken line %q: %v", name, sc.Text(), err)
			}
			if seen[line.ID] {
				t.Errorf("%s twice", line.ID)
			}
			seen[line.ID] = true
		}
	}
	if len(seen) != workers*rounds*len(samples) {
		t.Errorf("%d lines, want %d", len(seen), workers*rounds*len(samples))
	}
}

// TestFileErrorsAreRetryableAndRecover: a publish that cannot write fails
// (retryable), and the next one after the cause is gone succeeds.
func TestFileErrorsAreRetryableAndRecover(t *testing.T) {
	dir := t.TempDir()
	sub := filepath.Join(dir, "not-yet")
	s := newTestFile(t, "file://"+sub+"/s.log?json")
	_, samples := fileTestSamples(t, 1)
	err := s.PublishSamples(context.Background(), samples)
	if err == nil || processors.IsPermanent(err) {
		t.Fatalf("want a retryable error, got %v", err)
	}
	if err := os.Mkdir(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := s.PublishSamples(context.Background(), samples); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := s.PublishSamples(context.Background(), samples); err == nil {
		t.Fatal("publish after Close succeeded")
	}
}

func TestFileURL(t *testing.T) {
	for _, tc := range []struct {
		raw     string
		json    bool
		max     int64
		backups int
		fsync   bool
		err     bool
	}{
		{raw: "file:///var/log/s.log", json: false},
		{raw: "file:///var/log/s.log?json", json: true},
		{raw: "file:///var/log/s.log?json=False", json: true}, // presence, as Ceilometer
		{raw: "file:///var/log/s.log?max_bytes=10&backup_count=5", max: 10, backups: 5},
		{raw: "file:///var/log/s.log?max_bytes=10", max: 0},
		{raw: "file:///var/log/s.log?fsync", fsync: true},
		{raw: "file:///var/log/s.log?fsync=no", fsync: false},
		{raw: "file:///var/log/s.log?max_bytes=ten&backup_count=5", err: true},
		{raw: "file:///var/log/s.log?max_bytes=&backup_count=5", err: true},
		{raw: "file://", err: true},
	} {
		u, _ := url.Parse(tc.raw)
		s, err := NewFile(u, Options{})
		if tc.err {
			if !errors.Is(err, ErrInvalidURL) {
				t.Errorf("%s: want ErrInvalidURL, got %v", tc.raw, err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", tc.raw, err)
			continue
		}
		f := s.(*fileSink)
		if f.json != tc.json || f.maxBytes != tc.max || f.backupCount != tc.backups || f.fsync != tc.fsync {
			t.Errorf("%s: got json=%v max=%d backups=%d fsync=%v", tc.raw, f.json, f.maxBytes, f.backupCount, f.fsync)
		}
	}
}

// A file:// sink with json writes one json.dumps(sample.as_dict()) line per
// sample, as Ceilometer's file publisher does.
func ExampleNewFile() {
	dir, _ := os.MkdirTemp("", "meterflow-example")
	defer os.RemoveAll(dir)
	u, _ := url.Parse("file://" + dir + "/samples.log?json&max_bytes=10000000&backup_count=5")
	sink, err := NewFile(u, Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer sink.Close(context.Background())
	meta := jsonv.NewObject(1)
	meta.Set("host", "compute-1")
	err = sink.(SampleSink).PublishSamples(context.Background(), []processors.Sample{{
		Name: "cpu", Type: "cumulative", Unit: "ns", Volume: int64(1200000000),
		UserID: "u1", ProjectID: "p1", ResourceID: "vm-1", Timestamp: "2026-11-02T10:01:07.009973",
		ResourceMetadata: meta, Source: "openstack", ID: "8a7e6c2e-0000-4000-8000-000000000001",
	}})
	if err != nil {
		fmt.Println(err)
		return
	}
	b, _ := os.ReadFile(dir + "/samples.log")
	fmt.Print(string(b))
	// Output:
	// {"name": "cpu", "type": "cumulative", "unit": "ns", "volume": 1200000000, "user_id": "u1", "project_id": "p1", "resource_id": "vm-1", "timestamp": "2026-11-02T10:01:07.009973", "resource_metadata": {"host": "compute-1"}, "source": "openstack", "id": "8a7e6c2e-0000-4000-8000-000000000001", "monotonic_time": null}
}
