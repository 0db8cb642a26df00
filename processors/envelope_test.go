package processors

import (
	"bufio"
	"encoding/json"
	"errors"
	"os"
	"strings"
	"testing"

	"meterflow/processors/jsonv"
)

// corpusBodies returns the wire bodies of the Ceilometer 19 golden corpus.
func corpusBodies(t testing.TB) []string {
	t.Helper()
	f, err := os.Open("../testdata/ceilometer-19.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var bodies []string
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<24)
	for sc.Scan() {
		var c struct{ Body string }
		if err := json.Unmarshal(sc.Bytes(), &c); err != nil {
			t.Fatal(err)
		}
		bodies = append(bodies, c.Body)
	}
	return bodies
}

func TestDecodeUnwrapsEveryCorpusEnvelope(t *testing.T) {
	for _, body := range corpusBodies(t) {
		n, err := Decode([]byte(body))
		if err != nil {
			t.Fatalf("%v\n%s", err, body)
		}
		var outer map[string]string
		_ = json.Unmarshal([]byte(body), &outer)
		var inner map[string]any
		_ = json.Unmarshal([]byte(outer["oslo.message"]), &inner)
		if n.EventType != inner["event_type"] || n.MessageID != inner["message_id"] || n.PublisherID != inner["publisher_id"] {
			t.Fatalf("decoded %q %q %q from %v", n.EventType, n.MessageID, n.PublisherID, inner)
		}
		if n.Priority != strings.ToLower(inner["priority"].(string)) {
			t.Fatalf("priority %q", n.Priority)
		}
	}
}

func TestDecodeBuildsTheDictCeilometerEndpointsReceive(t *testing.T) {
	body := `{"oslo.version": "2.0", "oslo.message": "{\"message_id\": \"m1\", \"publisher_id\": \"compute.h1\", \"event_type\": \"compute.instance.exists\", \"priority\": \"INFO\", \"payload\": {\"a\": 1}, \"timestamp\": \"2026-11-02 10:01:07.009973\", \"_context_user_id\": \"u\", \"_context_roles\": [\"admin\"], \"_unique_id\": \"x\"}"}`
	n, err := Decode([]byte(body))
	if err != nil {
		t.Fatal(err)
	}
	got := string(jsonv.Marshal(n.Doc))
	want := `{"ctxt":{"user_id":"u","roles":["admin"],"client_timeout":null},"publisher_id":"compute.h1","event_type":"compute.instance.exists","payload":{"a":1},"metadata":{"message_id":"m1","timestamp":"2026-11-02 10:01:07.009973"}}`
	if got != want {
		t.Fatalf("Doc =\n%s\nwant\n%s", got, want)
	}
	if n.Priority != "info" || n.Timestamp != "2026-11-02 10:01:07.009973" {
		t.Fatalf("priority %q timestamp %q", n.Priority, n.Timestamp)
	}
}

func TestDecodeAcceptsTheUnenvelopedFormat(t *testing.T) {
	n, err := Decode([]byte(`{"event_type": "image.upload", "priority": "info", "payload": {"id": "i"}, "_context_request_id": "req-1"}`))
	if err != nil {
		t.Fatal(err)
	}
	if n.EventType != "image.upload" {
		t.Fatalf("event type %q", n.EventType)
	}
	if v, _ := n.Context.Get("request_id"); v != "req-1" {
		t.Fatalf("context %v", jsonv.Marshal(n.Context))
	}
}

func TestDecodeRejectsWhatIsNotANotification(t *testing.T) {
	cases := map[string]string{
		"invalid JSON":             `{"oslo.version": "2.0",`,
		"invalid UTF-8":            "{\"event_type\": \"a\xff\"}",
		"not an object":            `["event_type"]`,
		"missing event_type":       `{"payload": {}}`,
		"null event_type":          `{"event_type": null}`,
		"event_type not a string":  `{"event_type": 5}`,
		"inner message not JSON":   `{"oslo.version": "2.0", "oslo.message": "{nope"}`,
		"inner message not string": `{"oslo.version": "2.0", "oslo.message": {"event_type": "x"}}`,
		"inner message not object": `{"oslo.version": "2.0", "oslo.message": "[1]"}`,
		"unsupported version":      `{"oslo.version": "3.0", "oslo.message": "{\"event_type\": \"x\"}"}`,
		"priority not a string":    `{"event_type": "x", "priority": 1}`,
		"empty body":               ``,
	}
	for name, body := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := Decode([]byte(body))
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("error %v, want ErrMalformed", err)
			}
		})
	}
}

func FuzzDecode(f *testing.F) {
	for _, b := range corpusBodies(f)[:40] {
		f.Add([]byte(b))
	}
	f.Add([]byte(`{"oslo.version": "2.0", "oslo.message": "{\"event_type\": \"x\", \"payload\": [1, {\"a\": NaN}]}"}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		n, err := Decode(body)
		if msg, ok := envelopeMessage(jsonv.ParseEmbedded(string(body), isEnvelopeKey, envelopeMessageKey, nil)); ok {
			// The fast path must give what the steps give.
			fast, ferr := fromMessage(msg)
			slow, serr := decodeSteps(body)
			if (ferr == nil) != (serr == nil) || ferr != nil && ferr.Error() != serr.Error() {
				t.Fatalf("%q: fast path error %v, steps %v", body, ferr, serr)
			}
			if ferr == nil && (string(jsonv.Marshal(fast.Doc)) != string(jsonv.Marshal(slow.Doc)) || fast.Priority != slow.Priority || fast.Timestamp != slow.Timestamp) {
				t.Fatalf("%q: fast path %s, steps %s", body, jsonv.Marshal(fast.Doc), jsonv.Marshal(slow.Doc))
			}
		}
		if err != nil {
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("error %v does not wrap ErrMalformed", err)
			}
			return
		}
		if n.EventType == "" || n.Doc == nil || n.Context == nil {
			t.Fatalf("decoded an incomplete notification from %q", body)
		}
	})
}

func BenchmarkDecode(b *testing.B) {
	var body []byte
	for _, s := range corpusBodies(b) {
		if strings.Contains(s, `compute.instance.create.end`) {
			body = []byte(s)
			break
		}
	}
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Decode(body); err != nil {
			b.Fatal(err)
		}
	}
}
