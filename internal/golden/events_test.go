package golden

import (
	"fmt"
	"strings"
	"testing"

	"meterflow/processors"
	"meterflow/processors/jsonv"
)

const goldenEvents = `[
	{"message_id": "m1", "event_type": "compute.instance.create.end", "generated": "2026-11-24T10:00:00.009973",
	 "traits": [{"name": "service", "dtype": 1, "value": "compute"}, {"name": "launched_at", "dtype": 4, "value": "2026-11-24T10:00:00"},
	            {"name": "memory_mb", "dtype": 2, "value": 512}, {"name": "stamp", "dtype": 1, "value": "2026-11-24T10:00:00"}],
	 "raw": {}},
	{"message_id": "m2", "event_type": "compute.instance.delete.end", "generated": "2026-11-24T11:00:00",
	 "traits": [], "raw": {"payload": {"x": 1}}}]`

func testEvents() []processors.Event {
	raw := jsonv.NewObject(1)
	payload := jsonv.NewObject(1)
	payload.Set("x", 1.0)
	raw.Set("payload", payload)
	return []processors.Event{
		{MessageID: "m1", EventType: "compute.instance.create.end", Generated: "2026-11-24T10:00:00.009973+00:00",
			Traits: []processors.Trait{
				{Name: "memory_mb", Type: processors.TraitInt, Value: 512.0},
				{Name: "launched_at", Type: processors.TraitDatetime, Value: "2026-11-24T10:00:00Z"},
				{Name: "service", Type: processors.TraitText, Value: "compute"},
				{Name: "stamp", Type: processors.TraitText, Value: "2026-11-24T10:00:00"},
			}},
		{MessageID: "m2", EventType: "compute.instance.delete.end", Generated: "2026-11-24 11:00:00", Raw: raw},
	}
}

func TestCompareEventsByComparePyRules(t *testing.T) {
	want := parseList(t, goldenEvents)
	if err := CompareEvents(want, testEvents()); err != nil {
		t.Errorf("equal events differ: %v", err)
	}
	for _, tc := range []struct {
		name   string
		change func(e []processors.Event) []processors.Event
		why    string
	}{
		{"one missing", func(e []processors.Event) []processors.Event { return e[:1] }, "want 2 events, got 1"},
		{"out of order", func(e []processors.Event) []processors.Event { return []processors.Event{e[1], e[0]} },
			"event_type: want 'compute.instance.create.end', got 'compute.instance.delete.end'"},
		{"other instant", func(e []processors.Event) []processors.Event { e[0].Generated = "2026-11-24T10:00:00"; return e },
			"generated: want '2026-11-24T10:00:00.009973', got '2026-11-24T10:00:00'"},
		{"text trait typed datetime", func(e []processors.Event) []processors.Event {
			e[0].Traits[2].Type = processors.TraitDatetime
			return e
		},
			"trait \"service\": want (1, 'compute'), got (4, 'compute')"},
		{"text trait other spelling of an instant", func(e []processors.Event) []processors.Event {
			e[0].Traits[3].Value = "2026-11-24T10:00:00Z"
			return e
		}, "trait \"stamp\": want (1, '2026-11-24T10:00:00'), got (1, '2026-11-24T10:00:00Z')"},
		{"trait renamed", func(e []processors.Event) []processors.Event { e[0].Traits[0].Name = "memory"; return e },
			`traits: missing ["memory_mb"], unexpected ["memory"]`},
		{"raw lost", func(e []processors.Event) []processors.Event { e[1].Raw = nil; return e }, "raw differs"},
	} {
		if err := CompareEvents(want, tc.change(testEvents())); err == nil || err.Error() != tc.why {
			t.Errorf("%s: %v, want %q", tc.name, err, tc.why)
		}
	}
	// the golden raw is empty: any raw will do
	e := testEvents()
	e[0].Raw = e[1].Raw
	if err := CompareEvents(want, e); err != nil {
		t.Errorf("raw compared where the golden raw is empty: %v", err)
	}
}

func TestCompareEventsAnyOrderSortsBothSidesByMessageID(t *testing.T) {
	want := parseList(t, goldenEvents)
	e := testEvents()
	reversed := []*processors.Event{&e[1], &e[0]}
	if err := CompareEvents(want, reversed, AnyOrder); err != nil {
		t.Errorf("any order: %v", err)
	}
	if err := CompareEvents(want, reversed); err == nil {
		t.Error("in order: events out of order compare equal")
	}
	if reversed[0] != &e[1] || messageID(want[0]) != "m1" {
		t.Error("CompareEvents reordered its arguments")
	}
	e[0].MessageID = "m3"
	if err := CompareEvents(want, reversed, AnyOrder); err == nil || !strings.HasPrefix(err.Error(), "event_type:") {
		t.Errorf("another message_id: %v", err)
	}
}

func TestEventsRoundTripThroughAsDictAndSerialize(t *testing.T) {
	events := testEvents()
	dict := EventDict(&events[0])
	if got := string(jsonv.Marshal(dict)); got != `{"message_id":"m1","event_type":"compute.instance.create.end","generated":"2026-11-24T10:00:00.009973+00:00",`+
		`"traits":[{"name":"memory_mb","dtype":2,"value":512.0},{"name":"launched_at","dtype":4,"value":"2026-11-24T10:00:00Z"},`+
		`{"name":"service","dtype":1,"value":"compute"},{"name":"stamp","dtype":1,"value":"2026-11-24T10:00:00"}],"raw":{}}` {
		t.Errorf("EventDict: %s", got)
	}
	// as_dict, and serialize() as the notifier sends it
	dicts := []any{dict, processors.EventMessage(&events[1], "secret")}
	back, err := EventsFromDicts(dicts)
	if err != nil {
		t.Fatal(err)
	}
	for i := range back {
		if want := EventDict(&events[i]); !jsonv.Equal(EventDict(&back[i]), want) {
			t.Errorf("event %d: %s, want %s", i, jsonv.Marshal(EventDict(&back[i])), jsonv.Marshal(want))
		}
	}
	for _, bad := range []string{
		`[[]]`,
		`[{"event_type": "e", "message_id": "m", "generated": null, "traits": []}]`,
		`[{"event_type": "e", "message_id": "m", "generated": "g"}]`,
		`[{"event_type": "e", "message_id": "m", "generated": "g", "traits": [["n", 1]]}]`,
		`[{"event_type": "e", "message_id": "m", "generated": "g", "traits": [{"name": "n", "dtype": "1", "value": 1}]}]`,
	} {
		if _, err := EventsFromDicts(parseList(t, bad)); err == nil {
			t.Errorf("%s: read without an error", bad)
		}
	}
}

// Sinks deliver out of order; AnyOrder pairs events by message_id.
func ExampleCompareEvents() {
	want, _ := jsonv.ParseString(`[
		{"message_id": "a", "event_type": "image.update", "generated": "2026-11-24T10:00:00", "traits": []},
		{"message_id": "b", "event_type": "image.delete", "generated": "2026-11-24T10:00:01", "traits": []}]`)
	got := []processors.Event{
		{MessageID: "b", EventType: "image.delete", Generated: "2026-11-24T10:00:01+00:00"},
		{MessageID: "a", EventType: "image.update", Generated: "2026-11-24T10:00:00Z"},
	}
	fmt.Println(CompareEvents(want.([]any), got))
	fmt.Println(CompareEvents(want.([]any), got, AnyOrder))
	// Output:
	// event_type: want 'image.update', got 'image.delete'
	// <nil>
}
