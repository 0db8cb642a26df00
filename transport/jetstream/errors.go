package jetstream

import (
	"errors"
	"fmt"
	"strings"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// Sentinel errors. Match them with errors.Is; the returned errors wrap the
// underlying nats.go or nats-server error as well, so errors.Is also works
// against the jetstream package's own sentinels.
var (
	// ErrInvalidOption is wrapped by every configuration and option error.
	// Such errors are raised by constructors, before any network I/O.
	ErrInvalidOption = errors.New("jetstream: invalid option")

	// ErrAddrInUse means the embedded server could not listen because its
	// address is already taken (often by a system nats-server on 4222).
	ErrAddrInUse = errors.New("jetstream: listen address already in use")

	// ErrServerNotReady means the embedded server did not become ready to
	// accept connections, or JetStream did not start, within the timeout.
	ErrServerNotReady = errors.New("jetstream: embedded server not ready")

	// ErrStreamIncompatible means an existing stream cannot be changed into the
	// requested configuration (for example a different storage type, or
	// subjects that overlap another stream).
	ErrStreamIncompatible = errors.New("jetstream: stream configuration incompatible")

	// ErrPublishTimeout means no PubAck arrived within the publisher's
	// AckTimeout, or the caller's context ended first. The message may or may
	// not have been stored: retry it with the same Nats-Msg-Id and JetStream
	// deduplicates it within the stream's duplicate window.
	ErrPublishTimeout = errors.New("jetstream: publish not acknowledged in time")

	// ErrPublishNotAcked means JetStream answered a publish with an error, or
	// the connection dropped while the PubAck was outstanding, or the message
	// could not be sent at all. The message must be treated as not stored.
	ErrPublishNotAcked = errors.New("jetstream: publish not acknowledged")

	// ErrStreamFull is wrapped (together with ErrPublishNotAcked) when a
	// stream with DiscardNew rejects a message because a MaxBytes or MaxMsgs
	// limit is reached. Nothing was lost: the message was refused.
	ErrStreamFull = errors.New("jetstream: stream full")

	// ErrInvalidMetadata means a watermill metadata key cannot be carried as
	// a NATS header (empty, or containing ':', spaces or control characters)
	// or a value contains CR or LF, which NATS would silently rewrite.
	ErrInvalidMetadata = errors.New("jetstream: metadata not representable as NATS header")

	// ErrPublisherClosed is returned by publishes after Publisher.Close.
	ErrPublisherClosed = errors.New("jetstream: publisher closed")

	// ErrSubscriberClosed is returned by Subscribe after Close.
	ErrSubscriberClosed = errors.New("jetstream: subscriber closed")
)

// PublishError is the error of one message of a batch. It wraps
// ErrPublishTimeout or ErrPublishNotAcked (and possibly ErrStreamFull or
// ErrInvalidMetadata) and the cause reported by nats.go.
type PublishError struct {
	// Index is the message's position in the Publish or PublishBatch call.
	Index int
	// UUID is the watermill message UUID.
	UUID string
	// MsgID is the Nats-Msg-Id header sent, if any.
	MsgID string
	// Err is the cause.
	Err error
}

func (e *PublishError) Error() string {
	return fmt.Sprintf("message %d (uuid %q, msg id %q): %v", e.Index, e.UUID, e.MsgID, e.Err)
}

func (e *PublishError) Unwrap() error { return e.Err }

// classifyPublishErr wraps a nats.go publish error in the matching sentinel.
func classifyPublishErr(err error) error {
	if err == nil {
		return nil
	}
	switch {
	case errors.Is(err, ErrPublishTimeout), errors.Is(err, ErrPublishNotAcked):
		return err
	case errors.Is(err, jetstream.ErrAsyncPublishTimeout):
		return fmt.Errorf("%w: %w", ErrPublishTimeout, err)
	case isStreamFull(err):
		return fmt.Errorf("%w: %w: %w", ErrPublishNotAcked, ErrStreamFull, err)
	case errors.Is(err, jetstream.ErrNoStreamResponse):
		return fmt.Errorf("%w: no stream bound to subject: %w", ErrPublishNotAcked, err)
	case errors.Is(err, nats.ErrDisconnected), errors.Is(err, nats.ErrConnectionClosed):
		return fmt.Errorf("%w: connection lost before ack: %w", ErrPublishNotAcked, err)
	default:
		return fmt.Errorf("%w: %w", ErrPublishNotAcked, err)
	}
}

// isStreamFull reports a DiscardNew limit rejection (server error 10077).
func isStreamFull(err error) bool {
	var apiErr *jetstream.APIError
	if !errors.As(err, &apiErr) || apiErr.ErrorCode != 10077 {
		return false
	}
	return strings.HasPrefix(apiErr.Description, "maximum messages") ||
		strings.HasPrefix(apiErr.Description, "maximum bytes")
}
