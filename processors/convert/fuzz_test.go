package convert

import (
	"bytes"
	"encoding/json"
	"errors"
	"testing"

	"meterflow/internal/golden"
	"meterflow/processors"
	"meterflow/processors/jsonv"
)

// FuzzConvertBody runs arbitrary wire bodies through the shipped meter and
// event definitions: a body is either refused with ErrMalformed or
// converted, the same way twice (sample and event ids derive from the
// output, so it must not vary), into one JSON line (Python's JSON, with
// NaN and Infinity).
func FuzzConvertBody(f *testing.F) {
	cases, err := golden.ReadCases(corpora[0].file)
	if err != nil {
		f.Fatal(err)
	}
	for i, c := range cases {
		if i%8 == 0 {
			f.Add([]byte(c.Body))
		}
	}
	f.Add([]byte(`{"oslo.version": "2.0", "oslo.message": "{\"event_type\": \"compute.instance.exists\", \"priority\": \"INFO\", \"payload\": {\"instance_id\": [1, {\"a\": NaN}], \"audit_period_beginning\": \"x\"}}"}`))
	f.Add([]byte(`{"event_type": "image.send", "priority": "SAMPLE", "payload": {"bytes_sent": 1e400, "receiver_tenant_id": null}, "message_id": "m", "timestamp": "2026-13-40"}`))
	f.Add([]byte(`{"event_type": "image.send", "priority": "INFO", "publisher_id": "x", "payload": {"bytes_sent": NaN, "image_id": "i"}, "message_id": "m", "timestamp": "2026-01-01 00:00:00"}`))
	conv, err := Load(Config{NoEtc: true})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		r, err := conv.ConvertBody(body)
		if err != nil {
			if !errors.Is(err, processors.ErrMalformed) {
				t.Fatalf("error %v does not wrap ErrMalformed", err)
			}
			if line := AppendError(nil, err); !json.Valid(line) {
				t.Fatalf("error line is not JSON: %s", line)
			}
			return
		}
		// Python's JSON: NaN and Infinity are numbers, as json.dumps writes them.
		line := r.AppendJSON(nil)
		if _, err := jsonv.Parse(line); err != nil {
			t.Fatalf("output line is not JSON (%v): %s", err, line)
		}
		again, err := conv.ConvertBody(body)
		if err != nil {
			t.Fatalf("second conversion failed: %v", err)
		}
		if line2 := again.AppendJSON(nil); !bytes.Equal(line, line2) {
			t.Fatalf("two conversions differ:\n%s\n%s", line, line2)
		}
	})
}

// FuzzConvertPayload is FuzzConvertBody with the envelope held fixed: an
// arbitrary event type and payload, so that mutations reach the meter and
// event definitions rather than the envelope checks.
func FuzzConvertPayload(f *testing.F) {
	cases, err := golden.ReadCases(corpora[0].file)
	if err != nil {
		f.Fatal(err)
	}
	for i, c := range cases {
		if n, err := processors.Decode([]byte(c.Body)); err == nil && i%4 == 0 {
			f.Add(n.EventType, jsonv.Marshal(n.Payload))
		}
	}
	f.Add("compute.instance.exists", []byte(`{"instance_id": [1, {"a": NaN}], "audit_period_beginning": "x", "memory_mb": 1e400}`))
	conv, err := Load(Config{NoEtc: true})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, eventType string, payload []byte) {
		if _, err := jsonv.Parse(payload); err != nil {
			return
		}
		body := append([]byte(`{"event_type": `), jsonv.Append(nil, eventType)...)
		body = append(body, `, "priority": "INFO", "publisher_id": "compute.host1", "message_id": "m1",
			"timestamp": "2026-11-02 10:01:07.009973", "_context_user_id": "u", "payload": `...)
		body = append(append(body, payload...), '}')
		r, err := conv.ConvertBody(body)
		if err != nil {
			// Only an empty event type makes this envelope malformed.
			if eventType != "" || !errors.Is(err, processors.ErrMalformed) {
				t.Fatalf("%s: %v", body, err)
			}
			return
		}
		line := r.AppendJSON(nil)
		if _, err := jsonv.Parse(line); err != nil {
			t.Fatalf("output line is not JSON (%v): %s", err, line)
		}
		again, _ := conv.ConvertBody(body)
		if line2 := again.AppendJSON(nil); !bytes.Equal(line, line2) {
			t.Fatalf("two conversions differ:\n%s\n%s", line, line2)
		}
	})
}
