package processors

import (
	"errors"
	"strings"
	"testing"
)

// agreeBodies are bodies on which Peek and Decode must agree: malformed ones
// (those of TestDecodeRejectsWhatIsNotANotification and more) and edge cases
// of the keys Peek keeps and drops.
var agreeBodies = []string{
	`{"oslo.version": "2.0",`,
	"{\"event_type\": \"a\xff\"}",
	`["event_type"]`,
	`{"payload": {}}`,
	`{"event_type": null}`,
	`{"event_type": 5}`,
	`{"oslo.version": "2.0", "oslo.message": "{nope"}`,
	`{"oslo.version": "2.0", "oslo.message": {"event_type": "x"}}`,
	`{"oslo.version": "2.0", "oslo.message": "[1]"}`,
	`{"oslo.version": "3.0", "oslo.message": "{\"event_type\": \"x\"}"}`,
	`{"event_type": "x", "priority": 1}`,
	``,
	`{"event_type": "x", "timestamp": []}`,
	`{"event_type": "x", "publisher_id": {}}`,
	`{"event_type": "x", "message_id": 1.5}`,
	`{"event_type": ""}`,
	`{"event_type": "x", "event_type": 1}`,
	`{"event_type": 1, "event_type": "x", "priority": "WARN"}`,
	`{"event_\u0074ype": "a\u00e9", "message_id": "m\"1"}`,
	`{"event_type": "x", "payload": [1, {"a": NaN, "b": "\ud800"}], "junk": 1e400}`,
	`{"event_type": "x", "payload": [1, {"a": 1}}`,
	`{"event_type": "x", "payload": "\x01"}`,
	`{"event_type": "x", "payload": "\q"}`,
	`{"event_type": "x"} 1`,
	`"just a string"`,
	`12`,
	"\xef\xbb\xbf{\"event_type\": \"x\"}",
	"\xef\xbb\xbf{\"event_type\": x}",
	`{"oslo.version": "2.0"}`,
	`{"oslo.message": "{}", "event_type": "x"}`,
	`{"oslo.version": 2, "oslo.message": "{}"}`,
	`{"oslo.version": "2.00", "oslo.message": "{\"event_type\": \"x\"}"}`,
	`{"oslo.version": "2.0", "oslo.message": "{\"event_type\": \"x\"}", "oslo.version": "2.1"}`,
	`{"oslo.version": "2.0", "oslo.message": "{}"}`,
	`{"oslo.version": "2.0", "oslo.message": "\ufeff{\"event_type\": \"x\"}"}`,
	`{"oslo.version": "2.0", "oslo.message": "\ufeff{\"event_type\": x}"}`,
	`{"oslo.version": "2.0", "oslo.message": "{\"event_type\": \"x\", \"payload\": [[[1]]], \"priority\": \"ERROR\"}"}`,
	`{"oslo.version": "2.0", "oslo.message": "{\"event_type\": \"x\", \"payload\": {\"a\": 1,}}"}`,
	`{"oslo.ver\u0073ion": "2.0", "oslo.message": "{\"event_type\": \"x\"}"}`,
	`{"event_type": "x", "payload": 12345678901234567890123456789}`,
	"{\"event_type\": \"x\", \"k\": \"\xed\xa0\x80\"}",
}

// checkPeekAgreesWithDecode fails unless Peek accepts body exactly when
// Decode does, with the same error or the same header.
func checkPeekAgreesWithDecode(t *testing.T, body []byte) {
	t.Helper()
	n, derr := Decode(body)
	h, perr := Peek(body)
	switch {
	case derr != nil && perr != nil:
		if !errors.Is(perr, ErrMalformed) {
			t.Fatalf("Peek(%q): error %v does not wrap ErrMalformed", body, perr)
		}
		if perr.Error() != derr.Error() {
			t.Fatalf("Peek(%q): error %q, Decode: %q", body, perr, derr)
		}
	case derr != nil || perr != nil:
		t.Fatalf("Peek(%q): error %v, Decode: %v", body, perr, derr)
	default:
		want := Header{EventType: n.EventType, MessageID: n.MessageID, PublisherID: n.PublisherID, Priority: n.Priority}
		if h != want {
			t.Fatalf("Peek(%q) = %+v, Decode: %+v", body, h, want)
		}
	}
}

func TestPeekAgreesWithDecodeOnTheCorpus(t *testing.T) {
	for _, body := range corpusBodies(t) {
		checkPeekAgreesWithDecode(t, []byte(body))
	}
}

func TestPeekAgreesWithDecodeOnEdgeCases(t *testing.T) {
	for _, body := range agreeBodies {
		checkPeekAgreesWithDecode(t, []byte(body))
	}
}

func TestPeekDoesNotKeepTheBody(t *testing.T) {
	body := []byte(`{"event_type": "a.b", "message_id": "m1", "publisher_id": "p", "priority": "INFO"}`)
	h, err := Peek(body)
	if err != nil {
		t.Fatal(err)
	}
	for i := range body {
		body[i] = 'x'
	}
	if want := (Header{"a.b", "m1", "p", "info"}); h != want {
		t.Fatalf("header %+v after the body was reused, want %+v", h, want)
	}
}

func FuzzPeekAgreesWithDecode(f *testing.F) {
	for _, b := range corpusBodies(f)[:40] {
		f.Add([]byte(b))
	}
	for _, b := range agreeBodies {
		f.Add([]byte(b))
	}
	f.Fuzz(checkPeekAgreesWithDecode)
}

func BenchmarkPeek(b *testing.B) {
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
		if _, err := Peek(body); err != nil {
			b.Fatal(err)
		}
	}
}

func TestPriorityIsLoweredAsStringsToLower(t *testing.T) {
	for _, p := range []string{"INFO", "info", "Warn", "WARNING", "sample", "SAMPLE", "ſample", "ERROR\u212A", "Debug ", ""} {
		if got, want := lowerPriority(p), strings.ToLower(p); got != want {
			t.Errorf("lowerPriority(%q) = %q, want %q", p, got, want)
		}
	}
}
