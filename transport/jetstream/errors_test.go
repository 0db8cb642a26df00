package jetstream

import (
	"errors"
	"fmt"
	"testing"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

func TestClassifyPublishErr(t *testing.T) {
	full := &jetstream.APIError{Code: 503, ErrorCode: 10077, Description: "maximum bytes exceeded"}
	other := &jetstream.APIError{Code: 400, ErrorCode: 10060, Description: "expected stream does not match"}
	tests := []struct {
		name string
		in   error
		want []error
		not  []error
	}{
		{"ack timeout", jetstream.ErrAsyncPublishTimeout, []error{ErrPublishTimeout, jetstream.ErrAsyncPublishTimeout}, []error{ErrPublishNotAcked}},
		{"stream full", fmt.Errorf("nats: %w", full), []error{ErrPublishNotAcked, ErrStreamFull}, []error{ErrPublishTimeout}},
		{"other API error", other, []error{ErrPublishNotAcked}, []error{ErrStreamFull}},
		{"no stream", jetstream.ErrNoStreamResponse, []error{ErrPublishNotAcked, jetstream.ErrNoStreamResponse}, nil},
		{"disconnected", nats.ErrDisconnected, []error{ErrPublishNotAcked, nats.ErrDisconnected}, nil},
		{"publisher cleaned up", jetstream.ErrJetStreamPublisherClosed, []error{ErrPublishNotAcked}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := classifyPublishErr(tt.in)
			for _, w := range tt.want {
				if !errors.Is(got, w) {
					t.Errorf("%v is not %v", got, w)
				}
			}
			for _, n := range tt.not {
				if errors.Is(got, n) {
					t.Errorf("%v is %v", got, n)
				}
			}
		})
	}
	if classifyPublishErr(nil) != nil {
		t.Error("nil error classified")
	}
}

func TestPublishError_Unwraps(t *testing.T) {
	err := error(&PublishError{Index: 2, UUID: "u", MsgID: "m", Err: fmt.Errorf("%w: x", ErrPublishTimeout)})
	if !errors.Is(errors.Join(err), ErrPublishTimeout) {
		t.Fatal("PublishError does not unwrap")
	}
}
