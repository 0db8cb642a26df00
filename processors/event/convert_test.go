package event

import (
	"errors"
	"fmt"
	"os"
	"sync"
	"testing"

	"meterflow/definitions"
	"meterflow/internal/golden"
	"meterflow/processors"
	"meterflow/processors/jsonv"
)

// The golden corpora: ceilometer-19.jsonl was generated with other event
// definitions than the shipped ones (see
// testdata/corpus_event_definitions.yaml); ceilometer-19-shipped.jsonl with
// the shipped ones.
const (
	goldenFile        = "../../testdata/ceilometer-19.jsonl"
	goldenShippedFile = "../../testdata/ceilometer-19-shipped.jsonl"
)

// TestConformance converts every case of the corpus made with the shipped
// definitions and compares the events by compare.py's rules.
func TestConformance(t *testing.T) {
	c, err := Load(definitions.Ceilometer, definitions.EventDefinitions)
	if err != nil {
		t.Fatal(err)
	}
	checkConformance(t, c, goldenShippedFile)
}

// TestConformanceCorpusDefinitions is TestConformance for
// ceilometer-19.jsonl, with the definitions it was generated with.
func TestConformanceCorpusDefinitions(t *testing.T) {
	c, err := LoadFile("testdata/corpus_event_definitions.yaml")
	if err != nil {
		t.Fatal(err)
	}
	checkConformance(t, c, goldenFile)
}

func checkConformance(t *testing.T, c *Converter, file string) {
	t.Helper()
	cases, err := golden.ReadCases(file)
	if err != nil {
		t.Fatal(err)
	}
	pass, events := 0, 0
	var failures []string
	for _, tc := range cases {
		got, err := convertCase(c, tc)
		if err == nil {
			err = golden.CompareEvents(tc.Events, got)
		}
		if err != nil {
			failures = append(failures, fmt.Sprintf("%s: %v", tc.Name, err))
			continue
		}
		pass++
		events += len(got)
	}
	const show = 10
	for i, f := range failures {
		if i == show {
			t.Errorf("... and %d more failures", len(failures)-show)
			break
		}
		t.Error(f)
	}
	t.Logf("%s: conformance: %d/%d cases pass, %d events", file, pass, len(cases), events)
}

// convertCase is what the event endpoint of Ceilometer's notification agent
// makes of a golden case.
func convertCase(c *Converter, tc golden.Case) ([]*processors.Event, error) {
	n, err := processors.Decode([]byte(tc.Body))
	if err != nil {
		if len(tc.Events) == 0 {
			return nil, nil
		}
		return nil, err
	}
	if !HandlesPriority(n.Priority) {
		return nil, nil
	}
	e, err := c.Event(n)
	if err != nil || e == nil {
		return nil, err
	}
	return []*processors.Event{e}, nil
}

func TestUnmatchedNotificationsGetTheDefaultTraits(t *testing.T) {
	defs := `
		- event_type: compute.instance.create.*
		  traits:
		    instance_id: {type: text, fields: [payload.instance_uuid, payload.instance_id]}
		    host: {type: text, fields: payload.host}
		`
	create := testNotification(t, "compute.instance.create.start", "uuid-for-notif-0001",
		`{"instance_id": "uuid-for-instance-0001", "host": "host-1-2-3"}`)
	mars := testNotification(t, "bogus.notification.from.mars", "uuid-for-notif-0002", `{"weird": "true", "host": "cydonia"}`)

	t.Run("with catch-all", func(t *testing.T) {
		c := mustParse(t, defs)
		if len(c.defs) != 2 {
			t.Errorf("%d definitions, want 2 (with the catch-all)", len(c.defs))
		}
		if e := mustEvent(t, c, create); fmt.Sprint(traitNames(e)) != "[service instance_id host]" {
			t.Errorf("traits %v", traitNames(e))
		}
		if e := mustEvent(t, c, mars); fmt.Sprint(traitNames(e)) != "[service]" {
			t.Errorf("traits %v", traitNames(e))
		}
	})
	t.Run("dropped", func(t *testing.T) {
		c := mustParse(t, defs, WithDropUnmatched(true))
		if len(c.defs) != 1 {
			t.Errorf("%d definitions, want 1", len(c.defs))
		}
		mustEvent(t, c, create)
		if e, err := c.Event(mars); e != nil || err != nil {
			t.Errorf("got %v, %v; want dropped", e, err)
		}
	})
	t.Run("empty definitions with catch-all", func(t *testing.T) {
		c := mustParse(t, `[]`)
		for _, n := range []*processors.Notification{create, mars} {
			if e := mustEvent(t, c, n); len(e.Traits) != 1 {
				t.Errorf("traits %v, want only service", traitNames(e))
			}
		}
	})
	t.Run("empty definitions dropped", func(t *testing.T) {
		c := mustParse(t, `[]`, WithDropUnmatched(true))
		for _, n := range []*processors.Notification{create, mars} {
			if e, err := c.Event(n); e != nil || err != nil {
				t.Errorf("got %v, %v; want dropped", e, err)
			}
		}
	})
	t.Run("own catch-all: none added", func(t *testing.T) {
		c := mustParse(t, "- event_type: '*'\n  traits: {w: {fields: payload.weird}}\n")
		if len(c.defs) != 1 {
			t.Errorf("%d definitions, want 1", len(c.defs))
		}
		if tr, ok := traitOf(mustEvent(t, c, mars), "w"); !ok || tr.Value != "true" {
			t.Errorf("w = %v", tr.Value)
		}
	})
}

func TestLastMatchingDefinitionWins(t *testing.T) {
	c := mustParse(t, `
		- event_type: compute.instance.*
		  traits: {which: {fields: payload.first}}
		- event_type: compute.instance.create.*
		  traits: {which: {fields: payload.second}}
		- event_type: image.*
		  traits: {which: {fields: payload.third}}
		`)
	payload := `{"first": "1", "second": "2", "third": "3"}`
	for et, want := range map[string]string{
		"compute.instance.create.end": "2",
		"compute.instance.delete.end": "1",
		"image.upload":                "3",
	} {
		e := mustEvent(t, c, testNotification(t, et, "m", payload))
		if tr, _ := traitOf(e, "which"); tr.Value != want {
			t.Errorf("%s: which = %v, want %s", et, tr.Value, want)
		}
	}
}

func TestEventFields(t *testing.T) {
	c := mustParse(t, "- event_type: test.thing\n  traits: {host: {fields: payload.host}}\n")
	e := mustEvent(t, c, testNotification(t, "test.thing", "uuid-for-notif-0001", `{"host": "host-1-2-3"}`))
	if e.EventType != "test.thing" || e.MessageID != "uuid-for-notif-0001" || e.Generated != "2013-08-08T21:06:37.803826" {
		t.Errorf("got %q %q %q", e.EventType, e.MessageID, e.Generated)
	}
	if raw, ok := e.Raw.(*jsonv.Object); !ok || raw.Len() != 0 {
		t.Errorf("raw %v, want an empty object", e.Raw)
	}
}

func TestNotificationWithoutPayloadConverts(t *testing.T) {
	c := mustParse(t, `[]`)
	n := notification(t, "info", `{"event_type": "foo", "publisher_id": "1",
		"metadata": {"message_id": "abc", "timestamp": "2026-11-02 10:01:07"}}`)
	e := mustEvent(t, c, n)
	if len(e.Traits) != 1 || e.Generated != "2026-11-02T10:01:07" {
		t.Errorf("got %v generated %s", traitNames(e), e.Generated)
	}
}

func TestUnparseableTimestampFailsTheEvent(t *testing.T) {
	c := mustParse(t, `[]`)
	for _, ts := range []string{"", "yesterday", "2026-13-01"} {
		n := notification(t, "info", `{"event_type": "foo", "metadata": {"message_id": "abc", "timestamp": "`+ts+`"}}`)
		if _, err := c.Event(n); !errors.Is(err, ErrConversion) {
			t.Errorf("timestamp %q: %v, want ErrConversion", ts, err)
		}
	}
}

func TestJSONPathThatRaisesFailsTheEvent(t *testing.T) {
	c := mustParse(t, "- event_type: foo\n  traits: {t: {fields: 'payload.a[0]'}}\n")
	n := testNotification(t, "foo", "m", `{"a": 5}`)
	// jsonpath_rw's Index takes len() of the number, which raises.
	if _, err := c.Event(n); !errors.Is(err, ErrConversion) {
		t.Errorf("got %v, want ErrConversion", err)
	}
}

func TestStoreRaw(t *testing.T) {
	for _, tc := range []struct {
		name             string
		levels           []string
		info, errorLevel bool
	}{
		{"all", []string{"info", "error"}, true, true},
		{"info only", []string{"info"}, true, false},
		{"error only", []string{"error"}, false, true},
		{"none", nil, false, false},
		{"case insensitive", []string{"INFO"}, true, false},
		{"unknown level", []string{"unknown"}, false, false},
		{"unknown and info", []string{"info", "unknown"}, true, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := mustParse(t, `[]`, WithStoreRaw(tc.levels...))
			for prio, want := range map[string]bool{"info": tc.info, "error": tc.errorLevel} {
				n := notification(t, prio, `{"priority": "`+prio+`", "event_type": "foo", "publisher_id": "1",
					"metadata": {"message_id": "abc", "timestamp": "2013-08-08 21:06:37.803826"}}`)
				e := mustEvent(t, c, n)
				raw, _ := e.Raw.(*jsonv.Object)
				if got := raw.Len() > 0; got != want {
					t.Errorf("%s: raw stored %v, want %v", prio, got, want)
				}
				if want && raw != n.Doc {
					t.Errorf("%s: raw is not the notification", prio)
				}
			}
		})
	}
}

func TestHandlesPriority(t *testing.T) {
	for p, want := range map[string]bool{"info": true, "error": true, "warn": false, "sample": false, "audit": false} {
		if HandlesPriority(p) != want {
			t.Errorf("%s: %v", p, !want)
		}
	}
}

func TestCacheIsBoundedAndConcurrentUseIsSafe(t *testing.T) {
	c := mustParse(t, "- event_type: 'a.*'\n  traits: {x: {fields: payload.x}}\n", WithCacheSize(8))
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 200; i++ {
				et := fmt.Sprintf("a.%d", i%40)
				e := mustEvent(t, c, testNotification(t, et, "m", `{"x": "1"}`))
				if tr, ok := traitOf(e, "x"); !ok || tr.Value != "1" {
					t.Errorf("%s: x missing", et)
				}
			}
		}()
	}
	wg.Wait()
	n := 0
	c.cache.m.Range(func(any, any) bool { n++; return true })
	if n > 8+8 {
		t.Errorf("cache holds %d event types, bound 8", n)
	}
}

func BenchmarkEvent(b *testing.B) {
	cases, err := golden.ReadCases(goldenFile)
	if err != nil {
		b.Fatal(err)
	}
	var n *processors.Notification
	for _, tc := range cases {
		if tc.Name == "nova/compute.instance.create.end/clean/6" || n == nil && len(tc.Events) > 0 &&
			tc.Events[0].(*jsonv.Object) != nil && fmt.Sprint(get(tc.Events[0].(*jsonv.Object), "event_type")) == "compute.instance.create.end" {
			if n, err = processors.Decode([]byte(tc.Body)); err != nil {
				b.Fatal(err)
			}
		}
	}
	if n == nil || n.EventType != "compute.instance.create.end" {
		b.Fatal("no compute.instance.create.end case")
	}
	c, err := Load(definitions.Ceilometer, definitions.EventDefinitions)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, err := c.Event(n); err != nil {
			b.Fatal(err)
		}
	}
}

// TestConversionsAsCeilometer converts the notifications of
// testdata/conversions.json with its definitions (every trait type and plugin
// over awkward values) and expects exactly the events Ceilometer 19 made of
// them, trait order and number formatting included, or an error where it
// raised.
func TestConversionsAsCeilometer(t *testing.T) {
	data, err := os.ReadFile("testdata/conversions.json")
	if err != nil {
		t.Fatal(err)
	}
	v, err := jsonv.Parse(data)
	if err != nil {
		t.Fatal(err)
	}
	root := v.(*jsonv.Object)
	defs, _ := get(root, "conversion_definitions").(string)
	c := mustParse(t, defs)
	cases, _ := get(root, "conversions").([]any)
	if len(cases) == 0 {
		t.Fatal("no conversions")
	}
	for _, tc := range cases {
		pair := tc.([]any)
		body, want := pair[0].(string), pair[1].(*jsonv.Object)
		e, err := c.Event(notification(t, "info", body))
		if _, raised := want.Get("error"); raised {
			if !errors.Is(err, ErrConversion) {
				t.Errorf("%s: got %v, %v; Ceilometer raises %s", body, e, err, jsonv.PyStr(get(want, "error")))
			}
			continue
		}
		if err != nil || e == nil {
			t.Errorf("%s: got %v, %v", body, e, err)
			continue
		}
		if got, exp := jsonv.Marshal(golden.EventDict(e)), jsonv.Marshal(want); string(got) != string(exp) {
			t.Errorf("%s:\n got %s\nwant %s", body, got, exp)
		}
	}
}
