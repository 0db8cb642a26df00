package sinks

import (
	"bytes"
	"context"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"meterflow/processors"
)

func dedupSamples(n int) []processors.Sample {
	out := make([]processors.Sample, n)
	for i := range out {
		out[i] = processors.Sample{Name: "cpu", Type: "cumulative", Unit: "ns", Volume: int64(i),
			ResourceID: fmt.Sprintf("r-%d", i), Timestamp: "2026-11-02T10:01:07.009973", Source: "openstack",
			ID: fmt.Sprintf("%08d-1111-4111-8111-111111111111", i)}
	}
	return out
}

func fileLines(t *testing.T, path string) []string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return strings.SplitAfter(string(b), "\n")[:bytes.Count(b, []byte{'\n'})]
}

// TestFileSkipsRedeliveredLines is a restart after SIGKILL: a new sink on
// the same file is handed again a batch that was written but never acked,
// overlapping the next one; each line is in the file once.
func TestFileSkipsRedeliveredLines(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.json")
	samples := dedupSamples(30)
	first := newTestFile(t, "file://"+path+"?json")
	if err := first.PublishSamples(context.Background(), samples[:20]); err != nil {
		t.Fatal(err)
	}
	first.Close(context.Background())

	again := newTestFile(t, "file://"+path+"?json")
	if err := again.PublishSamples(context.Background(), samples[10:30]); err != nil {
		t.Fatal(err)
	}
	if err := again.PublishSamples(context.Background(), samples[25:30]); err != nil { // a redelivery in the same run
		t.Fatal(err)
	}
	lines := fileLines(t, path)
	if len(lines) != 30 {
		t.Fatalf("%d lines, want 30", len(lines))
	}
	for i, l := range lines {
		if !strings.Contains(l, samples[i].ID) {
			t.Fatalf("line %d is not sample %d: %s", i, i, l)
		}
	}
}

// TestFileTruncatesTornLastLine opens a file whose last line was cut short
// (a full disk, a crash of the machine): the torn bytes go, the sample is
// written whole.
func TestFileTruncatesTornLastLine(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.json")
	samples := dedupSamples(3)
	s := newTestFile(t, "file://"+path+"?json")
	if err := s.PublishSamples(context.Background(), samples); err != nil {
		t.Fatal(err)
	}
	s.Close(context.Background())
	whole := fileLines(t, path)
	torn := strings.Join(whole[:2], "") + whole[2][:len(whole[2])/2]
	if err := os.WriteFile(path, []byte(torn), 0o644); err != nil {
		t.Fatal(err)
	}
	s = newTestFile(t, "file://"+path+"?json")
	if err := s.PublishSamples(context.Background(), samples); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(fileLines(t, path), ""); got != strings.Join(whole, "") {
		t.Fatalf("after repair:\n%s\nwant:\n%s", got, strings.Join(whole, ""))
	}
}

// TestFileDedupWindow checks the window's bounds: dedup=0 writes what it
// is given, as Ceilometer does; a line older than the window is written
// again; the window spans a rotation (path.1).
func TestFileDedupWindow(t *testing.T) {
	dir := t.TempDir()
	samples := dedupSamples(10)
	ctx := context.Background()

	off := newTestFile(t, "file://"+filepath.Join(dir, "off.json")+"?json&dedup=0")
	_ = off.PublishSamples(ctx, samples)
	_ = off.PublishSamples(ctx, samples)
	if n := len(fileLines(t, filepath.Join(dir, "off.json"))); n != 20 {
		t.Errorf("dedup=0: %d lines, want 20", n)
	}

	small := newTestFile(t, "file://"+filepath.Join(dir, "small.json")+"?json&dedup=5")
	_ = small.PublishSamples(ctx, samples)
	_ = small.PublishSamples(ctx, samples[:7]) // 0-4 fell out of the window, 5 and 6 did not
	if n := len(fileLines(t, filepath.Join(dir, "small.json"))); n != 15 {
		t.Errorf("dedup=5: %d lines, want 15", n)
	}

	rot := filepath.Join(dir, "rot.json")
	r := newTestFile(t, "file://"+rot+"?json&max_bytes=2000&backup_count=3")
	_ = r.PublishSamples(ctx, samples)
	r.Close(ctx)
	r = newTestFile(t, "file://"+rot+"?json&max_bytes=2000&backup_count=3")
	if err := r.PublishSamples(ctx, samples); err != nil {
		t.Fatal(err)
	}
	total := 0
	for _, p := range []string{rot, rot + ".1", rot + ".2", rot + ".3"} {
		if _, err := os.Stat(p); err == nil {
			total += len(fileLines(t, p))
		}
	}
	if _, err := os.Stat(rot + ".1"); err != nil {
		t.Fatalf("no rotation happened: %v", err)
	}
	if total != 10 {
		t.Errorf("rotated files hold %d lines, want 10", total)
	}

	if _, err := newTestFileErr("file:///x?dedup=-1"); err == nil {
		t.Error("dedup=-1 accepted")
	}
}

func newTestFileErr(raw string) (Sink, error) {
	u, _ := url.Parse(raw)
	return NewFile(u, Options{})
}

// TestFileSkipsLinesAnotherProcessWrote: two sinks on one file (two
// meterflow processes sharing the sink's durable consumer); a message the
// first wrote but could not ack is redelivered to the second, which skips
// it.
func TestFileSkipsLinesAnotherProcessWrote(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.json")
	samples := dedupSamples(20)
	ctx := context.Background()
	a := newTestFile(t, "file://"+path+"?json")
	b := newTestFile(t, "file://"+path+"?json")
	if err := b.PublishSamples(ctx, samples[:5]); err != nil { // b has the file open
		t.Fatal(err)
	}
	if err := a.PublishSamples(ctx, samples[5:15]); err != nil {
		t.Fatal(err)
	}
	if err := b.PublishSamples(ctx, samples[10:20]); err != nil {
		t.Fatal(err)
	}
	if n := len(fileLines(t, path)); n != 20 {
		t.Fatalf("%d lines, want 20", n)
	}
}
