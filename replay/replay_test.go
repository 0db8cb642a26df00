package replay

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ThreeDotsLabs/watermill/message"

	"meterflow/internal/testenv"
	"meterflow/processors"
	"meterflow/routes"
	"meterflow/service"
	"meterflow/sinks"
)

func TestReplayBySequenceSelectsExactlyThatRange(t *testing.T) {
	e := newEnv(t)
	cases := testenv.UniqueBodies(t, 100)
	seqs := e.store(cases)
	got, sum := e.dryRun(Config{FromSeq: seqs[20], ToSeq: seqs[59]})
	if sum.Total != 40 || sum.Notifications != 40 {
		t.Errorf("total %d, read %d, want 40", sum.Total, sum.Notifications)
	}
	lineDiff(t, got, expectedLines(t, shippedDefs(t).Converter, bodiesOf(cases[20:60])))
}

func TestReplayByTimeSelectsExactlyThoseStoredInTheWindow(t *testing.T) {
	e := newEnv(t)
	cases := testenv.UniqueBodies(t, 90)
	e.store(cases[:30])
	time.Sleep(50 * time.Millisecond)
	t1 := time.Now()
	time.Sleep(50 * time.Millisecond)
	e.store(cases[30:60])
	time.Sleep(50 * time.Millisecond)
	t2 := time.Now()
	time.Sleep(50 * time.Millisecond)
	e.store(cases[60:])
	conv := shippedDefs(t).Converter

	for _, tc := range []struct {
		name        string
		from, until time.Time
		want        []testenv.Case
	}{
		{"from", t1, time.Time{}, cases[30:]},
		{"until", time.Time{}, t1, cases[:30]},
		{"from and until", t1, t2, cases[30:60]},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, sum := e.dryRun(Config{From: tc.from, Until: tc.until})
			if sum.Total != uint64(len(tc.want)) || sum.Notifications != uint64(len(tc.want)) {
				t.Errorf("total %d, read %d, want %d", sum.Total, sum.Notifications, len(tc.want))
			}
			lineDiff(t, got, expectedLines(t, conv, bodiesOf(tc.want)))
		})
	}
}

func TestReplayBySubjectSelectsExactlyTheMatchingNotifications(t *testing.T) {
	e := newEnv(t)
	cases := testenv.Corpus(t)
	e.store(cases)
	var want []testenv.Case
	for _, c := range cases {
		n, err := processors.Decode([]byte(c.Body))
		if err != nil {
			t.Fatal(err)
		}
		tok := strings.SplitN(routes.NotificationSubject(c.Exchange, c.Priority(), n.EventType), ".", 4)
		if tok[1] == "nova" && strings.HasPrefix(tok[3], "compute.instance.") {
			want = append(want, c)
		}
	}
	if len(want) == 0 || len(want) == len(cases) {
		t.Fatalf("the filter selects %d of %d cases: not a test", len(want), len(cases))
	}
	got, sum := e.dryRun(Config{Subjects: []string{"notifications.nova.*.compute.instance.>"}})
	if sum.Notifications != uint64(len(want)) || sum.Total != uint64(len(want)) {
		t.Errorf("total %d, read %d, want %d", sum.Total, sum.Notifications, len(want))
	}
	lineDiff(t, got, expectedLines(t, shippedDefs(t).Converter, bodiesOf(want)))
}

func TestDryRunWritesWhatConvertProducesAndPublishesNothing(t *testing.T) {
	e := newEnv(t)
	cases := testenv.Corpus(t)
	e.store(cases)
	got, sum := e.dryRun(Config{Workers: 4, BatchSize: 7}) // odd batches: order must hold across workers
	want := expectedLines(t, shippedDefs(t).Converter, bodiesOf(cases))
	lineDiff(t, got, want)
	if sum.Published != 0 || e.msgs(service.StreamSamples) != 0 || e.msgs(service.StreamEvents) != 0 {
		t.Errorf("a dry run published %d messages", sum.Published)
	}
	if _, err := e.js.Stream(context.Background(), StreamReplay); err == nil {
		t.Error("a dry run created stream REPLAY")
	}
	var samples uint64
	for _, n := range sum.Samples {
		samples += n
	}
	var events uint64
	for _, n := range sum.Events {
		events += n
	}
	if lines := uint64(bytes.Count(want, []byte("\n"))); samples+events != lines {
		t.Errorf("summary counts %d samples and %d events for %d lines", samples, events, lines)
	}
}

func TestLiveReplayTwiceAddsNothingTheSecondTime(t *testing.T) {
	e := newEnv(t)
	cases := testenv.Corpus(t)
	e.store(cases)
	defs := shippedDefs(t)
	first := e.replay(Config{Definitions: defs})
	stored := e.msgs(service.StreamSamples) + e.msgs(service.StreamEvents)
	if stored == 0 || first.Stored != stored || first.Errors != 0 {
		t.Fatalf("first replay: %d stored in the streams, summary %+v", stored, first)
	}
	second := e.replay(Config{Definitions: defs})
	if again := e.msgs(service.StreamSamples) + e.msgs(service.StreamEvents); again != stored {
		t.Errorf("second replay added %d messages", again-stored)
	}
	if second.Stored != 0 || second.Duplicates != second.Published || second.Published != first.Published {
		t.Errorf("second replay: published %d, stored %d, duplicates %d", second.Published, second.Stored, second.Duplicates)
	}
}

// newMeter is a meter definition appended to the shipped meters.yaml.
const newMeter = `
  - name: 'memory.replay_test'
    event_type: 'compute.instance.*'
    type: 'gauge'
    unit: 'MiB'
    volume: $.payload.memory_mb
    user_id: $.payload.user_id
    project_id: $.payload.tenant_id
    resource_id: $.payload.instance_id
`

func TestLiveReplayAfterAddingAMeterStoresTheNewMetersSamples(t *testing.T) {
	e := newEnv(t)
	cases := testenv.Corpus(t)
	e.store(cases)
	e.replay(Config{Definitions: shippedDefs(t)})
	before := e.msgs(service.StreamSamples)

	defs := defsWith(t, []string{meterDir(t, func(s string) string { return s + newMeter })})
	sum := e.replay(Config{Definitions: defs})

	// what is new: every message whose id the old definitions never gave
	// (the new meter's samples, and samples whose index among their
	// notification's samples the new meter shifted)
	oldIDs := map[string]bool{}
	for _, m := range liveMessages(t, shippedDefs(t), cases) {
		oldIDs[m.Metadata.Get(routes.HeaderMsgID)] = true
	}
	var want [][]byte
	fresh := 0
	for _, m := range liveMessages(t, defs, cases) {
		if oldIDs[m.Metadata.Get(routes.HeaderMsgID)] {
			continue
		}
		fresh++
		var mm struct {
			Name string `json:"counter_name"`
		}
		_ = json.Unmarshal(m.Payload, &mm)
		if mm.Name == "memory.replay_test" {
			want = append(want, m.Payload)
		}
	}
	if len(want) == 0 {
		t.Fatal("the new meter matches no notification: not a test")
	}
	if fresh != len(want) {
		t.Logf("%d samples of other meters get new ids: the new meter shifts their index", fresh-len(want))
	}
	if added := e.msgs(service.StreamSamples) - before; added != uint64(fresh) || sum.Stored != added {
		t.Errorf("replay stored %d new samples (summary %d), want %d", added, sum.Stored, fresh)
	}
	var got [][]byte
	for _, m := range testenv.ReadAll(t, e.js, service.StreamSamples) {
		if m.Subject() == routes.SampleSubject("meter_sink", "memory.replay_test") {
			got = append(got, m.Data())
		}
	}
	if len(got) != len(want) {
		t.Fatalf("%d messages on the new meter's subject, want %d", len(got), len(want))
	}
	for i := range want {
		if !bytes.Equal(got[i], want[i]) {
			t.Fatalf("sample %d:\n got %s\nwant %s", i, got[i], want[i])
		}
	}
}

// liveMessages is what the live route stores for cases with defs.
func liveMessages(t testing.TB, defs *routes.Definitions, cases []testenv.Case) []*message.Message {
	var ptr atomic.Pointer[routes.Definitions]
	ptr.Store(defs)
	proc := &routes.Process{Definitions: &ptr, Secret: sinks.DefaultSecret, Logger: quiet()}
	var out []*message.Message
	for _, c := range cases {
		_, outs, err := proc.Convert([]byte(c.Body), "", "")
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, outs...)
	}
	return out
}

func TestNamespaceReplayLandsUnderReplayWithTheChangedDefinition(t *testing.T) {
	e := newEnv(t)
	cases := testenv.Corpus(t)
	e.store(cases)
	dir := meterDir(t, func(s string) string {
		return strings.Replace(s, "unit: 'MB'\n    volume: $.payload.memory_mb", "unit: 'MiB'\n    volume: $.payload.memory_mb", 1)
	})
	defs := defsWith(t, []string{dir})
	sum := e.replay(Config{Definitions: defs, Namespace: "t1"})

	// what the live route would store with the new definition, under replay.t1.
	var ptr atomic.Pointer[routes.Definitions]
	ptr.Store(defs)
	proc := &routes.Process{Definitions: &ptr, Secret: sinks.DefaultSecret, Logger: quiet()}
	var wantSubj []string
	var want []*message.Message
	for _, c := range cases {
		subjects, outs, err := proc.Convert([]byte(c.Body), "", "")
		if err != nil {
			t.Fatal(err)
		}
		for i := range subjects {
			wantSubj = append(wantSubj, "replay.t1."+subjects[i])
		}
		want = append(want, outs...)
	}
	got := testenv.ReadAll(t, e.js, StreamReplay)
	if len(got) != len(want) || sum.Stored != uint64(len(want)) {
		t.Fatalf("REPLAY holds %d messages (summary stored %d), want %d", len(got), sum.Stored, len(want))
	}
	memory := 0
	for i, m := range got {
		if m.Subject() != wantSubj[i] || !bytes.Equal(m.Data(), want[i].Payload) || m.Headers().Get(routes.HeaderMsgID) != NamespaceMsgID("t1", want[i].Metadata.Get(routes.HeaderMsgID)) {
			t.Fatalf("message %d on %s: %.200s, want on %s: %.200s", i, m.Subject(), m.Data(), wantSubj[i], want[i].Payload)
		}
		if strings.HasSuffix(m.Subject(), ".samples.meter_sink.memory") {
			var mm struct {
				Unit string `json:"counter_unit"`
			}
			if err := json.Unmarshal(m.Data(), &mm); err != nil {
				t.Fatal(err)
			}
			if mm.Unit != "MiB" {
				t.Errorf("memory sample with unit %q, want the new definition's MiB", mm.Unit)
			}
			memory++
		}
	}
	if memory == 0 {
		t.Error("no memory sample replayed: not a test")
	}
	if n := e.msgs(service.StreamSamples) + e.msgs(service.StreamEvents); n != 0 {
		t.Errorf("a namespace replay stored %d messages in the live streams", n)
	}
}

func TestEachNamespaceGetsEveryMessageAndTheSameOneNothingTwice(t *testing.T) {
	e := newEnv(t)
	e.store(testenv.UniqueBodies(t, 50))
	defs := shippedDefs(t)
	a := e.replay(Config{Definitions: defs, Namespace: "a"})
	if a.Stored == 0 || a.Stored != a.Published {
		t.Fatalf("first namespace: published %d, stored %d", a.Published, a.Stored)
	}
	b := e.replay(Config{Definitions: defs, Namespace: "b"})
	again := e.replay(Config{Definitions: defs, Namespace: "a"})
	if b.Stored != a.Stored || again.Stored != 0 || again.Duplicates != a.Stored {
		t.Errorf("second namespace stored %d of %d; the first again stored %d (duplicates %d)", b.Stored, a.Stored, again.Stored, again.Duplicates)
	}
	if n := e.msgs(StreamReplay); n != 2*a.Stored {
		t.Errorf("REPLAY holds %d messages, want %d", n, 2*a.Stored)
	}
}

func TestReplayOfOneSinkPublishesOnlyItsMessages(t *testing.T) {
	e := newEnv(t)
	e.store(testenv.Corpus(t))
	sum := e.replay(Config{Definitions: shippedDefs(t), Sink: "event_sink"})
	if e.msgs(service.StreamSamples) != 0 || e.msgs(service.StreamEvents) == 0 || sum.Stored != e.msgs(service.StreamEvents) {
		t.Errorf("samples %d, events %d, summary stored %d", e.msgs(service.StreamSamples), e.msgs(service.StreamEvents), sum.Stored)
	}
}

func TestCanceledReplayFinishesWhatItReadAndReportsIt(t *testing.T) {
	e := newEnv(t)
	cases := testenv.UniqueBodies(t, 20000)
	e.store(cases)
	ctx, cancel := context.WithCancel(context.Background())
	out := &cancelOnWrite{cancel: cancel}
	defs := shippedDefs(t)
	sum, err := Run(ctx, e.nc, Config{Definitions: defs, Output: out, BatchSize: 100, Logger: quiet()})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err %v, want context.Canceled", err)
	}
	if sum.Notifications == 0 || sum.Notifications >= uint64(len(cases)) {
		t.Fatalf("read %d of %d after a cancel", sum.Notifications, len(cases))
	}
	// every notification read is written, whole and in order
	lineDiff(t, out.buf.Bytes(), expectedLines(t, defs.Converter, bodiesOf(cases[:sum.Notifications])))
}

func TestReplayEndsWhenCountedNotificationsVanish(t *testing.T) {
	defer func(d time.Duration) { stallCheck = d }(stallCheck)
	stallCheck = 200 * time.Millisecond
	e := newEnv(t)
	cases := testenv.UniqueBodies(t, 200)
	seqs := e.store(cases)
	st, err := e.js.Stream(context.Background(), service.StreamNotifications)
	if err != nil {
		t.Fatal(err)
	}
	// the first write (of the first batch of 10) waits until every later
	// notification is gone, as the stream's limits could remove them: those
	// the server sent before are read, and then none comes. They go from
	// the last one down, so that what the server sends meanwhile, upward,
	// is always a prefix of the stream (deleting upward races the server:
	// it could skip a deleted message and still find a later one)
	out := &deleteOnWrite{del: func() {
		for i := len(seqs) - 1; i >= 10; i-- {
			if err := st.DeleteMsg(context.Background(), seqs[i]); err != nil {
				t.Error(err)
			}
		}
	}}
	defs := shippedDefs(t)
	done := make(chan struct{})
	var sum *Summary
	go func() {
		defer close(done)
		sum, err = Run(context.Background(), e.nc, Config{Definitions: defs, Output: out, BatchSize: 10, Workers: 1, Logger: quiet()})
	}()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		t.Fatal("the replay waits for notifications that are gone")
	}
	if err != nil {
		t.Fatal(err)
	}
	if sum.Total != 200 || sum.Notifications < 10 || sum.Notifications == 200 {
		t.Fatalf("read %d of %d", sum.Notifications, sum.Total)
	}
	lineDiff(t, out.buf.Bytes(), expectedLines(t, defs.Converter, bodiesOf(cases[:sum.Notifications])))
}

type deleteOnWrite struct {
	buf  bytes.Buffer
	del  func()
	once sync.Once
}

func (d *deleteOnWrite) Write(p []byte) (int, error) {
	d.once.Do(d.del)
	return d.buf.Write(p)
}

type cancelOnWrite struct {
	buf    bytes.Buffer
	cancel func()
}

func (c *cancelOnWrite) Write(p []byte) (int, error) {
	c.cancel()
	return c.buf.Write(p)
}

func TestInvalidConfigsFailBeforeReading(t *testing.T) {
	defs := shippedDefs(t)
	for name, cfg := range map[string]Config{
		"no definitions":        {},
		"seq and time":          {Definitions: defs, FromSeq: 3, From: time.Now()},
		"reversed sequences":    {Definitions: defs, FromSeq: 9, ToSeq: 3},
		"namespace and output":  {Definitions: defs, Namespace: "x", Output: &bytes.Buffer{}},
		"namespace with a dot":  {Definitions: defs, Namespace: "a.b"},
		"namespace with a star": {Definitions: defs, Namespace: "*"},
		"sink in no pipeline":   {Definitions: defs, Sink: "nope"},
		"until before from":     {Definitions: defs, From: time.Now(), Until: time.Now().Add(-time.Hour)},
	} {
		cfg.setDefaults()
		if err := cfg.Validate(); !errors.Is(err, ErrInvalidOption) {
			t.Errorf("%s: %v, want ErrInvalidOption", name, err)
		}
	}
}
