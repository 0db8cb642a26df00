package service

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// TestJetStreamNotReadyRetriesOnlyWhatMayPass: timeouts, no responders and
// a cluster without a meta leader yet are retried by New; a refusal (a bad
// configuration, JetStream disabled) is reported at once.
func TestJetStreamNotReadyRetriesOnlyWhatMayPass(t *testing.T) {
	for _, c := range []struct {
		err   error
		retry bool
	}{
		{fmt.Errorf("look up stream NOTIFICATIONS: %w", context.DeadlineExceeded), true},
		{fmt.Errorf("create: %w", nats.ErrTimeout), true},
		{nats.ErrNoResponders, true},
		{jetstream.ErrNoStreamResponse, true},
		{fmt.Errorf("create: %w", &jetstream.APIError{Code: 503, ErrorCode: 10008, Description: "JetStream system temporarily unavailable"}), true},
		{jetstream.ErrJetStreamNotEnabled, false},
		{&jetstream.APIError{Code: 400, ErrorCode: jetstream.JSErrCodeBadRequest, Description: "replicas > 1 not supported in non-clustered mode"}, false},
		{errors.New("insufficient storage resources available"), false},
	} {
		if got := jetStreamNotReady(c.err); got != c.retry {
			t.Errorf("jetStreamNotReady(%v) = %v, want %v", c.err, got, c.retry)
		}
	}
}
