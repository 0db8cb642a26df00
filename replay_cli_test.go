package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"meterflow/definitions"
	"meterflow/internal/testenv"
	"meterflow/processors"
	"meterflow/replay"
	"meterflow/routes"
	"meterflow/service"
)

// TestReplayCLI runs `meterflow replay` as a process against a running
// `meterflow run` fed from RabbitMQ by the real oslo.messaging Notifier (the
// corpus in two batches, seconds apart), then against its stopped store, and
// checks exact results: every selection (time, sequence, subject) and dry
// run equals what `meterflow convert` gives for the selected notifications,
// a live replay stores nothing new and leaves the durable consumer as it
// was, --sink and --namespace publish exactly their share, a changed
// meters.yaml gives the new samples, and the progress and summary lines are
// right on a pipe and on a terminal.
func TestReplayCLI(t *testing.T) {
	bin := buildBinary(t)
	cases := testenv.Corpus(t)
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	pipe := writeTestFile(t, dir, "pipeline.yaml", "sources:\n  - {name: meter_source, meters: ['*'], sinks: [meter_sink]}\n"+
		"sinks:\n  - {name: meter_sink, publishers: ['file://"+dir+"/samples.json?json']}\n")
	evPipe := writeTestFile(t, dir, "event_pipeline.yaml", "sources:\n  - {name: event_source, events: ['*'], sinks: [event_sink]}\n"+
		"sinks:\n  - {name: event_sink, publishers: ['file://"+dir+"/events.json?json']}\n")
	defArgs := []string{"--no-etc", "--pipeline", pipe, "--event-pipeline", evPipe}

	topic, prefix := testenv.Names(t, "info", "sample")
	p := startProcess(t, bin, append([]string{"--data", data, "--nats-listen", "127.0.0.1:0", "--http-listen", "127.0.0.1:0",
		"--exchanges", strings.Join(testenv.Exchanges(cases), ","), "--topics", topic, "--queue-prefix", prefix,
		"--priorities", "info,sample"}, defArgs...)...)
	natsURL := p.natsURL(t)
	p.waitLog(t, "meterflow running")
	js := jetStream(t, natsURL)

	// two batches through RabbitMQ, with a pause between them in the log
	half := len(cases) / 2
	emitOslo(t, topic, dir, "a", cases[:half])
	testenv.WaitStored(t, js, service.StreamNotifications, uint64(half))
	time.Sleep(3 * time.Second)
	emitOslo(t, topic, dir, "b", cases[half:])
	testenv.WaitStored(t, js, service.StreamNotifications, uint64(len(cases)))

	stored := readStored(t, js)
	if len(stored) != len(cases) {
		t.Fatalf("NOTIFICATIONS holds %d, want %d", len(stored), len(cases))
	}
	want := newExpected(t, bin, stored, nil)
	samplesFile, eventsFile := filepath.Join(dir, "samples.json"), filepath.Join(dir, "events.json")
	waitLines(t, samplesFile, want.samples)
	waitLines(t, eventsFile, want.events)
	testenv.WaitStored(t, js, service.StreamSamples, uint64(want.samples))
	testenv.WaitStored(t, js, service.StreamEvents, uint64(want.events))
	t.Logf("%d notifications stored, %d samples and %d events delivered", len(stored), want.samples, want.events)

	consumersBefore := consumerNames(t, js)
	live := append([]string{"--nats-url", natsURL}, defArgs...)
	all := func(storedNote) bool { return true }
	counts := func() [5]uint64 {
		return [5]uint64{testenv.StreamMsgs(t, js, service.StreamNotifications), testenv.StreamMsgs(t, js, service.StreamSamples),
			testenv.StreamMsgs(t, js, service.StreamEvents), uint64(len(readLines(t, samplesFile))), uint64(len(readLines(t, eventsFile)))}
	}

	t.Run("dry run equals convert and publishes nothing", func(t *testing.T) {
		before, cons := counts(), processConsumer(t, js)
		out := filepath.Join(t.TempDir(), "out.jsonl")
		stdout, stderr := runReplay(t, bin, append(live, "--output", out)...)
		want.check(t, readFile(t, out), all, "")
		if after := counts(); after != before {
			t.Errorf("a dry run changed the streams or sinks (notifications, samples, events, sample lines, event lines): %v, then %v", before, after)
		}
		if _, err := js.Stream(context.Background(), replay.StreamReplay); err == nil {
			t.Error("a dry run created stream REPLAY")
		}
		if after := processConsumer(t, js); after != cons {
			t.Errorf("the durable consumer moved: %+v, then %+v", cons, after)
		}
		want.checkSummary(t, stdout, len(stored))
		for _, line := range []string{
			fmt.Sprintf(`msg="replay started" total=%d`, len(stored)),
			fmt.Sprintf(`msg="replay finished" done=%d total=%d`, len(stored), len(stored)),
		} {
			if !strings.Contains(stderr, line) {
				t.Errorf("no %q in the log:\n%s", line, stderr)
			}
		}
		if strings.ContainsAny(stderr, "\r\x1b") {
			t.Errorf("a progress bar drawn on a pipe:\n%q", stderr)
		}
	})

	t.Run("by sequence", func(t *testing.T) {
		from, to := stored[100].seq, stored[449].seq
		stdout, _ := runReplay(t, bin, append(live, "--from-seq", fmt.Sprint(from), "--to-seq", fmt.Sprint(to), "--output", "-")...)
		want.check(t, []byte(stdout), func(n storedNote) bool { return n.seq >= from && n.seq <= to }, "")
	})

	// stream timestamps: the boundary is in the pause between the batches;
	// the window's edges are stored notifications' own timestamps
	boundary := stored[half-1].ts.Add(stored[half].ts.Sub(stored[half-1].ts) / 2)
	if gap := stored[half].ts.Sub(stored[half-1].ts); gap < 2*time.Second {
		t.Fatalf("the batches are %s apart in the log, want at least 2s", gap)
	}
	lo, hi := stored[50].ts, stored[len(stored)-50].ts
	rfc := func(ts time.Time) string { return ts.Format(time.RFC3339Nano) }
	for _, tc := range []struct {
		name string
		args []string
		sel  func(storedNote) bool
	}{
		{"from", []string{"--from", rfc(boundary)}, func(n storedNote) bool { return !n.ts.Before(boundary) }},
		{"until", []string{"--until", rfc(boundary)}, func(n storedNote) bool { return n.ts.Before(boundary) }},
		{"from and until", []string{"--from", rfc(lo), "--until", rfc(hi)}, func(n storedNote) bool { return !n.ts.Before(lo) && n.ts.Before(hi) }},
		{"since", nil, func(n storedNote) bool { return !n.ts.Before(boundary) }},
	} {
		t.Run("by time/"+tc.name, func(t *testing.T) {
			args := tc.args
			if tc.name == "since" {
				// the replay starts a moment later: still inside the pause
				args = []string{"--since", time.Since(boundary).String()}
			}
			out := filepath.Join(t.TempDir(), "out.jsonl")
			stdout, _ := runReplay(t, bin, append(append(live, args...), "--output", out)...)
			n := want.check(t, readFile(t, out), tc.sel, "")
			if n == 0 || n == len(stored) {
				t.Fatalf("the selection holds %d of %d notifications: not a test", n, len(stored))
			}
			if !strings.Contains(stdout, fmt.Sprintf("notifications read: %d of %d ", n, n)) {
				t.Errorf("summary:\n%s", stdout)
			}
		})
	}

	t.Run("by subject", func(t *testing.T) {
		filters := []string{"notifications.nova.*.compute.instance.>", "notifications.cinder.info.volume.*.end"}
		out := filepath.Join(t.TempDir(), "out.jsonl")
		runReplay(t, bin, append(live, "--subject", filters[0], "--subject", filters[1], "--output", out)...)
		n := want.check(t, readFile(t, out), func(n storedNote) bool {
			return subjectMatches(filters[0], n.subject) || subjectMatches(filters[1], n.subject)
		}, "")
		if n == 0 || n == len(stored) {
			t.Fatalf("the filter selects %d of %d notifications: not a test", n, len(stored))
		}
	})

	t.Run("one sink", func(t *testing.T) {
		for _, sink := range []string{"meter_sink", "event_sink"} {
			out := filepath.Join(t.TempDir(), sink+".jsonl")
			runReplay(t, bin, append(live, "--sink", sink, "--output", out)...)
			want.check(t, readFile(t, out), all, sink)
		}
	})

	t.Run("live target adds nothing", func(t *testing.T) {
		before, cons := counts(), processConsumer(t, js)
		stdout, _ := runReplay(t, bin, live...)
		n := want.samples + want.events
		if !strings.Contains(stdout, fmt.Sprintf("messages published: %d (stored 0, already present %d)", n, n)) {
			t.Errorf("summary, want %d messages all already present:\n%s", n, stdout)
		}
		time.Sleep(2 * time.Second) // a sink would have delivered anything new by now
		if after := counts(); after != before {
			t.Errorf("a live replay changed the streams or sinks (notifications, samples, events, sample lines, event lines): %v, then %v", before, after)
		}
		if after := processConsumer(t, js); after != cons {
			t.Errorf("the durable consumer moved: %+v, then %+v", cons, after)
		}
	})

	t.Run("namespace", func(t *testing.T) {
		before := counts()
		stdout, _ := runReplay(t, bin, append(live, "--namespace", "cmp")...)
		n := want.samples + want.events
		if !strings.Contains(stdout, fmt.Sprintf("messages published: %d (stored %d, already present 0)", n, n)) {
			t.Errorf("summary, want %d messages stored:\n%s", n, stdout)
		}
		got := map[string]jetstream.Msg{}
		for _, m := range testenv.ReadAll(t, js, replay.StreamReplay) {
			got[m.Headers().Get(routes.HeaderMsgID)] = m
		}
		if len(got) != n {
			t.Errorf("REPLAY holds %d messages, want %d", len(got), n)
		}
		// byte for byte what the live route stored, under replay.cmp.
		for _, stream := range []string{service.StreamSamples, service.StreamEvents} {
			for _, m := range testenv.ReadAll(t, js, stream) {
				r, ok := got[replay.NamespaceMsgID("cmp", m.Headers().Get(routes.HeaderMsgID))]
				if !ok || r.Subject() != "replay.cmp."+m.Subject() || !bytes.Equal(r.Data(), m.Data()) {
					t.Fatalf("live %s %.200s\nhas no twin under replay.cmp (found: %v)", m.Subject(), m.Data(), ok)
				}
			}
		}
		if after := counts(); after != before {
			t.Errorf("a namespace replay changed the live streams or sinks: %v, then %v", before, after)
		}
	})

	// a changed meters.yaml: the memory meter's unit becomes MiB
	meters := changedMeters(t)
	withMeters := newExpected(t, bin, stored, []string{"--meters", meters})
	t.Run("changed meters.yaml", func(t *testing.T) {
		out := filepath.Join(t.TempDir(), "out.jsonl")
		args := append(slices.Clone(live), "--meters", meters)
		runReplay(t, bin, append(args, "--output", out)...)
		withMeters.check(t, readFile(t, out), all, "")

		runReplay(t, bin, append(args, "--namespace", "changed", "--sink", "meter_sink")...)
		memory := 0
		var other []string
		for _, m := range testenv.ReadAll(t, js, replay.StreamReplay) {
			if !strings.HasPrefix(m.Subject(), "replay.changed.") {
				continue
			}
			if !strings.HasPrefix(m.Subject(), "replay.changed.samples.meter_sink.") {
				other = append(other, m.Subject())
			}
			if m.Subject() == "replay.changed.samples.meter_sink.memory" {
				var s struct {
					Unit string `json:"counter_unit"`
				}
				if err := json.Unmarshal(m.Data(), &s); err != nil {
					t.Fatal(err)
				}
				if s.Unit != "MiB" {
					t.Fatalf("memory sample in unit %q, want the changed definition's MiB", s.Unit)
				}
				memory++
			}
		}
		if memory == 0 || len(other) > 0 {
			t.Errorf("%d memory samples replayed, %d messages of other sinks (%v)", memory, len(other), other[:min(3, len(other))])
		}
	})

	t.Run("terminal progress bar", func(t *testing.T) {
		out := filepath.Join(t.TempDir(), "out.jsonl")
		cmd := shellQuote(append([]string{bin, "replay"}, append(live, "--output", out)...))
		// script(1) gives the replay a terminal
		b, err := exec.Command("script", "-qec", cmd+" 2>&1", "/dev/null").CombinedOutput()
		if err != nil {
			t.Fatalf("%v\n%s", err, b)
		}
		s := string(b)
		bar := fmt.Sprintf("] %d/%d 100%% ", len(stored), len(stored))
		if !strings.Contains(s, "\r[") || !strings.Contains(s, bar) || !strings.Contains(s, "ETA 0s") || strings.Contains(s, "replay started") {
			t.Errorf("on a terminal, want a bar ending in %q and no progress log lines:\n%q", bar, s)
		}
		want.check(t, readFile(t, out), all, "")
	})

	t.Run("interrupt", func(t *testing.T) {
		// the output is a pipe read only after SIGINT: the replay is
		// mid-way, its batches waiting on the writer
		fifo := filepath.Join(t.TempDir(), "out.fifo")
		if err := syscall.Mkfifo(fifo, 0o600); err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command(bin, append([]string{"replay"}, append(live, "--batch", "10", "--workers", "1", "--output", fifo)...)...)
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		f, err := os.Open(fifo)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		first := make([]byte, 1000)
		if _, err := io.ReadFull(f, first); err != nil {
			t.Fatal(err)
		}
		time.Sleep(500 * time.Millisecond)
		if err := cmd.Process.Signal(os.Interrupt); err != nil {
			t.Fatal(err)
		}
		rest, err := io.ReadAll(f)
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Wait(); err != nil {
			t.Fatalf("exit after SIGINT: %v\n%s", err, stderr.String())
		}
		var read, total int
		if _, err := fmt.Sscanf(stdout.String(), "notifications read: %d of %d", &read, &total); err != nil {
			t.Fatalf("summary %q: %v", stdout.String(), err)
		}
		if total != len(stored) || read == 0 || read >= total {
			t.Fatalf("read %d of %d after SIGINT: not interrupted mid-way", read, total)
		}
		if !strings.Contains(stderr.String(), "replay interrupted") {
			t.Errorf("no interruption in the log:\n%s", stderr.String())
		}
		// what was read is written whole, in order
		want.check(t, append(first, rest...), func(n storedNote) bool { return n.seq <= stored[read-1].seq }, "")
	})

	t.Run("no consumer left behind", func(t *testing.T) {
		if names := consumerNames(t, js); !slices.Equal(names, consumersBefore) || !slices.Contains(names, service.ProcessDurable) {
			t.Errorf("consumers on %s: %v before the replays, %v after", service.StreamNotifications, consumersBefore, names)
		}
	})

	// the store of a stopped meterflow
	p.sigterm(t)
	t.Run("stopped store", func(t *testing.T) {
		out := filepath.Join(t.TempDir(), "out.jsonl")
		stdout, _ := runReplay(t, bin, append([]string{"--data", data, "--output", out}, defArgs...)...)
		want.check(t, readFile(t, out), all, "")
		want.checkSummary(t, stdout, len(stored))
	})
}

// storedNote is one notification of the log.
type storedNote struct {
	seq     uint64
	ts      time.Time
	subject string
	body    []byte
}

func readStored(t *testing.T, js jetstream.JetStream) []storedNote {
	t.Helper()
	var out []storedNote
	for _, m := range testenv.ReadAll(t, js, service.StreamNotifications) {
		meta, err := m.Metadata()
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, storedNote{seq: meta.Sequence.Stream, ts: meta.Timestamp, subject: m.Subject(), body: m.Data()})
	}
	return out
}

// expected is what a dry run writes for each stored notification: the
// samples and events `meterflow convert` gives for it, samples with the ids
// the live route gives them.
type expected struct {
	notes           []storedNote
	samples, events int
	// sampleLines[i] and eventLines[i] are notes[i]'s lines.
	sampleLines, eventLines [][][]byte
	// perMeter counts the samples of each meter.
	perMeter map[string]int
}

func newExpected(t *testing.T, bin string, notes []storedNote, convertArgs []string) *expected {
	t.Helper()
	var in bytes.Buffer
	for _, n := range notes {
		if bytes.ContainsAny(n.body, "\n\r") {
			t.Fatalf("sequence %d: a body with a line break", n.seq)
		}
		in.Write(n.body)
		in.WriteByte('\n')
	}
	cmd := exec.Command(bin, append([]string{"convert", "--no-etc"}, convertArgs...)...)
	cmd.Stdin = &in
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("meterflow convert: %v\n%s", err, stderr.String())
	}
	lines := bytes.Split(bytes.TrimSuffix(out, []byte("\n")), []byte("\n"))
	if len(lines) != len(notes) {
		t.Fatalf("meterflow convert wrote %d lines for %d bodies", len(lines), len(notes))
	}
	e := &expected{notes: notes, perMeter: map[string]int{}}
	for i, line := range lines {
		var r struct {
			Samples []json.RawMessage `json:"samples"`
			Events  []json.RawMessage `json:"events"`
			Error   string            `json:"error"`
		}
		if err := json.Unmarshal(line, &r); err != nil || r.Error != "" {
			t.Fatalf("convert line %d: %v %s", i+1, err, r.Error)
		}
		n, err := processors.Decode(notes[i].body)
		if err != nil {
			t.Fatal(err)
		}
		var ss, es [][]byte
		nth := map[string]int{} // sample ids are numbered per meter
		for _, raw := range r.Samples {
			var s struct {
				Name string `json:"name"`
			}
			if err := json.Unmarshal(raw, &s); err != nil {
				t.Fatal(err)
			}
			// "id" is the last field of a sample line
			k := bytes.LastIndex(raw, []byte(`,"id":`))
			if k < 0 {
				t.Fatalf("no id in %s", raw)
			}
			fixed := append(slices.Clip(raw[:k]), fmt.Sprintf(`,"id":%q}`, routes.SampleID(n.MessageID, s.Name, nth[s.Name]))...)
			nth[s.Name]++
			ss = append(ss, fixed)
			e.perMeter[s.Name]++
		}
		for _, raw := range r.Events {
			es = append(es, raw)
		}
		e.sampleLines = append(e.sampleLines, ss)
		e.eventLines = append(e.eventLines, es)
		e.samples += len(ss)
		e.events += len(es)
	}
	if e.samples == 0 || e.events == 0 {
		t.Fatalf("convert gives %d samples and %d events: not a test", e.samples, e.events)
	}
	return e
}

// check compares a dry run's output with what the notifications sel
// selects give (only sink's lines when sink is set) and returns how many
// notifications were selected.
func (e *expected) check(t *testing.T, got []byte, sel func(storedNote) bool, sink string) int {
	t.Helper()
	var want [][]byte
	selected := 0
	for i, n := range e.notes {
		if !sel(n) {
			continue
		}
		selected++
		if sink != "event_sink" {
			want = append(want, e.sampleLines[i]...)
		}
		if sink != "meter_sink" {
			want = append(want, e.eventLines[i]...)
		}
	}
	lines := bytes.Split(bytes.TrimSuffix(got, []byte("\n")), []byte("\n"))
	if len(got) == 0 {
		lines = nil
	}
	if len(lines) != len(want) {
		t.Errorf("%d lines, want %d", len(lines), len(want))
	}
	for i := range min(len(lines), len(want)) {
		if !bytes.Equal(lines[i], want[i]) {
			t.Fatalf("line %d:\n got %.400s\nwant %.400s", i+1, lines[i], want[i])
		}
	}
	return selected
}

// checkSummary checks the summary of a replay of every notification.
func (e *expected) checkSummary(t *testing.T, stdout string, notifications int) {
	t.Helper()
	want := []string{
		fmt.Sprintf("notifications read: %d of %d in ", notifications, notifications),
		"errors: 0\n",
		fmt.Sprintf("samples: %d\n", e.samples),
		fmt.Sprintf("events: %d\n", e.events),
	}
	for _, w := range want {
		if !strings.Contains(stdout, w) {
			t.Errorf("no %q in the summary:\n%s", w, stdout)
		}
	}
	// one line per meter with its count
	for meter, n := range e.perMeter {
		found := false
		for line := range strings.Lines(stdout) {
			f := strings.Fields(line)
			if len(f) == 2 && f[0] == meter && f[1] == fmt.Sprint(n) {
				found = true
			}
		}
		if !found {
			t.Errorf("no summary line %q %d:\n%s", meter, n, stdout)
		}
	}
}

// runReplay runs `meterflow replay args...` to its end and returns its
// stdout and stderr.
func runReplay(t *testing.T, bin string, args ...string) (string, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, append([]string{"replay"}, args...)...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("meterflow replay %s: %v\n%s%s", strings.Join(args, " "), err, stdout.String(), stderr.String())
	}
	return stdout.String(), stderr.String()
}

// emitOslo publishes cases through the real oslo.messaging Notifier.
func emitOslo(t *testing.T, topic, dir, name string, cases []testenv.Case) {
	t.Helper()
	var b bytes.Buffer
	for _, c := range cases {
		line, err := json.Marshal(c)
		if err != nil {
			t.Fatal(err)
		}
		b.Write(line)
		b.WriteByte('\n')
	}
	file := writeTestFile(t, dir, "cases-"+name+".jsonl", b.String())
	emit := exec.Command("/usr/bin/python3", filepath.Join(testenv.Root(), "..", "shared", "tools", "oslo_emit.py"),
		"--url", "rabbit://guest:guest@127.0.0.1:5672/", "--topic", topic, "--cases", file)
	if out, err := emit.CombinedOutput(); err != nil {
		t.Fatalf("oslo_emit (needs Debian's python3-oslo.messaging): %v\n%s", err, out)
	}
}

// processConsumer is where the live durable consumer stands.
func processConsumer(t *testing.T, js jetstream.JetStream) [3]uint64 {
	t.Helper()
	c, err := js.Consumer(context.Background(), service.StreamNotifications, service.ProcessDurable)
	if err != nil {
		t.Fatal(err)
	}
	info, err := c.Info(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return [3]uint64{info.Delivered.Stream, info.AckFloor.Stream, info.NumPending}
}

// consumerNames lists the consumers on NOTIFICATIONS, sorted.
func consumerNames(t *testing.T, js jetstream.JetStream) []string {
	t.Helper()
	st, err := js.Stream(context.Background(), service.StreamNotifications)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	lister := st.ConsumerNames(context.Background())
	for name := range lister.Name() {
		names = append(names, name)
	}
	if err := lister.Err(); err != nil {
		t.Fatal(err)
	}
	slices.Sort(names)
	return names
}

// changedMeters writes the shipped meters.yaml with the memory meter's unit
// changed to MiB.
func changedMeters(t *testing.T) string {
	t.Helper()
	b, err := definitions.Ceilometer.ReadFile("ceilometer/meters.d/meters.yaml")
	if err != nil {
		t.Fatal(err)
	}
	const from, to = "unit: 'MB'\n    volume: $.payload.memory_mb", "unit: 'MiB'\n    volume: $.payload.memory_mb"
	if !strings.Contains(string(b), from) {
		t.Fatal("the shipped memory meter changed: fix the test")
	}
	dir := t.TempDir()
	writeTestFile(t, dir, "meters.yaml", strings.Replace(string(b), from, to, 1))
	return dir
}

func writeTestFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// readLines returns the lines of a file sink's file (none while it does
// not exist).
func readLines(t *testing.T, path string) []string {
	t.Helper()
	f, err := os.Open(path)
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<24)
	for sc.Scan() {
		out = append(out, sc.Text())
	}
	return out
}

// waitLines waits (up to 60 s) for a file sink's file to hold n lines.
func waitLines(t *testing.T, path string, n int) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for len(readLines(t, path)) < n {
		if time.Now().After(deadline) {
			t.Fatalf("%s holds %d lines, want %d", path, len(readLines(t, path)), n)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// subjectMatches reports whether a NATS subject filter matches subject.
func subjectMatches(filter, subject string) bool {
	f, s := strings.Split(filter, "."), strings.Split(subject, ".")
	for i, tok := range f {
		switch {
		case tok == ">":
			return len(s) > i
		case i >= len(s):
			return false
		case tok != "*" && tok != s[i]:
			return false
		}
	}
	return len(f) == len(s)
}

// shellQuote quotes args for sh -c.
func shellQuote(args []string) string {
	q := make([]string, len(args))
	for i, a := range args {
		q[i] = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
	}
	return strings.Join(q, " ")
}
