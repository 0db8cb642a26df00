package jetstream

import (
	"errors"
	"testing"

	"github.com/nats-io/nats.go/jetstream"
)

func TestParsePubAck(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		want     jetstream.PubAck
	}{
		{"plain", `{"stream":"NOTIFICATIONS","seq":42}`, jetstream.PubAck{Stream: "NOTIFICATIONS", Sequence: 42}},
		{"duplicate", `{"stream":"S","seq":7,"duplicate":true}`, jetstream.PubAck{Stream: "S", Sequence: 7, Duplicate: true}},
		{"domain and spaces", ` { "stream" : "S" , "domain":"hub", "seq": 1 } `, jetstream.PubAck{Stream: "S", Sequence: 1, Domain: "hub"}},
		{"explicit false", `{"stream":"S","seq":3,"duplicate":false}`, jetstream.PubAck{Stream: "S", Sequence: 3}},
		// not for the fast path: encoding/json decides
		{"escaped stream", `{"stream":"S\u0041","seq":9}`, jetstream.PubAck{Stream: "SA", Sequence: 9}},
		{"unknown member", `{"stream":"S","seq":9,"batch":"b","count":2}`, jetstream.PubAck{Stream: "S", Sequence: 9}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ack, err := parsePubAck([]byte(tc.in), true)
			if err != nil {
				t.Fatal(err)
			}
			if *ack != tc.want {
				t.Fatalf("ack = %+v, want %+v", *ack, tc.want)
			}
		})
	}
}

func TestParsePubAck_Errors(t *testing.T) {
	ack, err := parsePubAck([]byte(`{"error":{"code":503,"err_code":10077,"description":"maximum messages exceeded"}}`), true)
	var apiErr *jetstream.APIError
	if ack != nil || !errors.As(err, &apiErr) || apiErr.ErrorCode != 10077 {
		t.Fatalf("ack %v, err %v: want the APIError", ack, err)
	}
	if !errors.Is(classifyPublishErr(err), ErrStreamFull) {
		t.Fatalf("%v is not classified as ErrStreamFull", err)
	}
	for _, in := range []string{``, `{}`, `{"seq":1}`, `{"stream":"","seq":1}`, `not json`, `{"stream":"S","seq":1`} {
		if ack, err := parsePubAck([]byte(in), true); !errors.Is(err, jetstream.ErrInvalidJSAck) {
			t.Errorf("%q: ack %v, err %v; want ErrInvalidJSAck", in, ack, err)
		}
	}
}
