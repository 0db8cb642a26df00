package processors_test

import (
	"bytes"
	"testing"

	"meterflow/internal/golden"
	"meterflow/processors"
	"meterflow/processors/convert"
	"meterflow/processors/jsonv"
)

// TestAppendedMessagesAreTheBuiltOnesByteForByte writes the message of
// every sample and event that the shipped and the whole-dialect definitions
// make of their golden corpora (nested, listed, null, big and float values,
// raw payloads) both ways, signed and unsigned, and wants the same bytes.
func TestAppendedMessagesAreTheBuiltOnesByteForByte(t *testing.T) {
	const dialect = "../testdata/dialect/"
	for _, tc := range []struct {
		corpus string
		cfg    convert.Config
	}{
		{"../testdata/ceilometer-19-shipped.jsonl", convert.Config{NoEtc: true}},
		{"../testdata/ceilometer-19.jsonl", convert.Config{NoEtc: true}},
		{dialect + "golden.jsonl", convert.Config{NoEtc: true, MeterDirs: []string{dialect + "meters.d"}, EventsFile: dialect + "event_definitions.yaml"}},
	} {
		conv, err := convert.Load(tc.cfg)
		if err != nil {
			t.Fatal(err)
		}
		cases, err := golden.ReadCases(tc.corpus)
		if err != nil {
			t.Fatal(err)
		}
		var samples, events int
		for _, c := range cases {
			r, err := conv.ConvertBody([]byte(c.Body))
			if err != nil {
				continue // not a notification: nothing to write
			}
			for _, secret := range []string{"", "s3cret"} {
				for i := range r.Samples {
					s := &r.Samples[i]
					s.ID = "id-" + s.Name
					want := jsonv.Append(nil, processors.MeterMessage(s, secret))
					if got := processors.AppendMeterMessage([]byte("x"), s, secret); !bytes.Equal(got[1:], want) {
						t.Fatalf("%s: sample %s:\n got %s\nwant %s", c.Name, s.Name, got[1:], want)
					}
					samples++
				}
				for i := range r.Events {
					e := r.Events[i]
					want := jsonv.Append(nil, processors.EventMessage(e, secret))
					if got := processors.AppendEventMessage([]byte("x"), e, secret); !bytes.Equal(got[1:], want) {
						t.Fatalf("%s: event %s:\n got %s\nwant %s", c.Name, e.EventType, got[1:], want)
					}
					events++
				}
			}
		}
		if samples < 500 || events < 500 {
			t.Errorf("%s: only %d samples and %d events compared", tc.corpus, samples, events)
		}
		t.Logf("%s: %d sample and %d event messages identical", tc.corpus, samples, events)
	}
}

// TestAppendedMessagesOfUnusualValues covers what the corpora lack: a raw
// payload (store_raw), resource metadata that is not a dict, and values
// of every kind where strings usually are.
func TestAppendedMessagesOfUnusualValues(t *testing.T) {
	raw, err := jsonv.Parse([]byte(`{"payload": {"b": [1, "x", {"k": null}], "a": 1.5}, "event_type": "e", "message_signature": "inner"}`))
	if err != nil {
		t.Fatal(err)
	}
	events := []processors.Event{
		{MessageID: "m", EventType: "e", Generated: "2026-01-01T00:00:00", Raw: raw,
			Traits: []processors.Trait{{Name: "it's", Type: 2, Value: int64(3)}, {Name: "f", Type: 3, Value: 1e21}, {Name: "s", Type: 1, Value: "\u00e9\n\"q\""}}},
		{MessageID: "m", EventType: "e", Raw: "not a dict"},
	}
	samples := []processors.Sample{
		{Name: "n", ResourceMetadata: []any{"a", int64(1)}, Volume: nil, UserID: int64(7), ProjectID: nil},
		{Name: "n", ResourceMetadata: "text", Volume: 0.1, ResourceID: true},
		{Name: "n", ResourceMetadata: raw},
	}
	for _, secret := range []string{"", "s3cret"} {
		for i := range events {
			want := jsonv.Append(nil, processors.EventMessage(&events[i], secret))
			if got := processors.AppendEventMessage(nil, &events[i], secret); !bytes.Equal(got, want) {
				t.Errorf("event %d:\n got %s\nwant %s", i, got, want)
			}
		}
		for i := range samples {
			want := jsonv.Append(nil, processors.MeterMessage(&samples[i], secret))
			if got := processors.AppendMeterMessage(nil, &samples[i], secret); !bytes.Equal(got, want) {
				t.Errorf("sample %d:\n got %s\nwant %s", i, got, want)
			}
		}
	}
}
