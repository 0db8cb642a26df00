package jetstream

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// How watermill messages map onto NATS messages:
//
//   - Payload is the NATS body, byte for byte.
//   - Each metadata entry is a NATS header of the same (case-sensitive) key,
//     except keys starting with MetadataPrefix, which subscribers add and
//     publishers drop so a forwarded message does not carry stale positions.
//   - UUID travels in the UUIDHeader header.
//   - The metadata key MsgIDKey ("Nats-Msg-Id") becomes JetStream's
//     deduplication header (see PublisherConfig.MsgID). On receipt the id is
//     exposed as MetadataMsgID, not MsgIDKey, so a message built from a
//     received one is not deduplicated against it by accident.
const (
	// MsgIDKey is the metadata key holding the deduplication id to publish.
	MsgIDKey = jetstream.MsgIDHeader

	// UUIDHeader carries the watermill message UUID.
	UUIDHeader = "Watermill-Uuid"

	// MetadataPrefix starts every key a subscriber adds.
	MetadataPrefix = "jetstream."

	// MetadataStream is the stream the message was read from.
	MetadataStream = MetadataPrefix + "stream"
	// MetadataConsumer is the consumer that delivered the message.
	MetadataConsumer = MetadataPrefix + "consumer"
	// MetadataSubject is the subject the message was published to.
	MetadataSubject = MetadataPrefix + "subject"
	// MetadataStreamSeq is the message's stream sequence (decimal): its
	// position in the log, usable as OrderedSubscriberConfig.StartSeq.
	MetadataStreamSeq = MetadataPrefix + "stream_seq"
	// MetadataConsumerSeq is the consumer's delivery sequence (decimal).
	MetadataConsumerSeq = MetadataPrefix + "consumer_seq"
	// MetadataNumDelivered is how many times this message has been delivered
	// to the consumer, this delivery included (decimal, 1 the first time).
	MetadataNumDelivered = MetadataPrefix + "num_delivered"
	// MetadataNumPending is how many messages matched the consumer but were
	// not yet delivered when this one was (decimal).
	MetadataNumPending = MetadataPrefix + "num_pending"
	// MetadataTimestamp is when the stream stored the message (RFC 3339,
	// nanoseconds, UTC).
	MetadataTimestamp = MetadataPrefix + "timestamp"
	// MetadataMsgID is the Nats-Msg-Id the message was published with, if any.
	MetadataMsgID = MetadataPrefix + "msg_id"
)

// MsgIDFromMetadata is the default PublisherConfig.MsgID: the value of the
// MsgIDKey metadata entry, or none. Producers opt in to deduplication by
// setting that entry, e.g. to the upstream AMQP message id.
func MsgIDFromMetadata(msg *message.Message) string {
	return msg.Metadata.Get(MsgIDKey)
}

// MsgIDFromMetadataOrUUID uses the MsgIDKey metadata entry, else the message
// UUID. It makes retries of the same *message.Message idempotent; do not use
// it where several outputs are copies of one input sharing its UUID, or all
// but the first are dropped as duplicates.
func MsgIDFromMetadataOrUUID(msg *message.Message) string {
	if id := msg.Metadata.Get(MsgIDKey); id != "" {
		return id
	}
	return msg.UUID
}

// toNATS builds the NATS message for msg. The payload is not copied.
func toNATS(subject string, msg *message.Message, msgID string) (*nats.Msg, error) {
	h := make(nats.Header, len(msg.Metadata)+2)
	vals := make([]string, 0, len(msg.Metadata)+2) // one allocation for every value
	one := func(v string) []string {
		vals = append(vals, v)
		return vals[len(vals)-1 : len(vals) : len(vals)]
	}
	for k, v := range msg.Metadata {
		if strings.HasPrefix(k, MetadataPrefix) || k == MsgIDKey {
			continue
		}
		if !validHeaderKey(k) {
			return nil, fmt.Errorf("%w: key %q", ErrInvalidMetadata, k)
		}
		if strings.ContainsAny(v, "\r\n") {
			return nil, fmt.Errorf("%w: value of %q contains CR or LF", ErrInvalidMetadata, k)
		}
		h[k] = one(v)
	}
	if msg.UUID != "" {
		h[UUIDHeader] = one(msg.UUID)
	}
	if msgID != "" {
		if strings.ContainsAny(msgID, "\r\n") {
			return nil, fmt.Errorf("%w: msg id contains CR or LF", ErrInvalidMetadata)
		}
		h[MsgIDKey] = one(msgID)
	}
	return &nats.Msg{Subject: subject, Data: msg.Payload, Header: h}, nil
}

// validHeaderKey mirrors nats.go: printable ASCII except ':'.
func validHeaderKey(k string) bool {
	if k == "" {
		return false
	}
	for i := 0; i < len(k); i++ {
		if c := k[i]; c < 33 || c > 126 || c == ':' {
			return false
		}
	}
	return true
}

// fromJetStream builds the watermill message for a delivered JetStream
// message, with ctx as its context.
func fromJetStream(ctx context.Context, jm jetstream.Msg) *message.Message {
	hdr := jm.Headers()
	md := make(message.Metadata, len(hdr)+9)
	for k, vs := range hdr {
		if len(vs) == 0 || k == UUIDHeader || k == MsgIDKey {
			continue
		}
		md[k] = vs[0]
	}
	md[MetadataSubject] = jm.Subject()
	if id := hdr.Get(MsgIDKey); id != "" {
		md[MetadataMsgID] = id
	}

	uuid := hdr.Get(UUIDHeader)
	if meta, err := jm.Metadata(); err == nil {
		md[MetadataStream] = meta.Stream
		md[MetadataConsumer] = meta.Consumer
		md[MetadataStreamSeq] = strconv.FormatUint(meta.Sequence.Stream, 10)
		md[MetadataConsumerSeq] = strconv.FormatUint(meta.Sequence.Consumer, 10)
		md[MetadataNumDelivered] = strconv.FormatUint(meta.NumDelivered, 10)
		md[MetadataNumPending] = strconv.FormatUint(meta.NumPending, 10)
		md[MetadataTimestamp] = meta.Timestamp.UTC().Format(time.RFC3339Nano)
		if uuid == "" {
			uuid = meta.Stream + ":" + md[MetadataStreamSeq]
		}
	}

	msg := message.NewMessage(uuid, jm.Data())
	msg.Metadata = md
	msg.SetContext(ctx)
	return msg
}

// numDelivered reads the delivery count, 1 if unknown.
func numDelivered(jm jetstream.Msg) uint64 {
	if meta, err := jm.Metadata(); err == nil && meta.NumDelivered > 0 {
		return meta.NumDelivered
	}
	return 1
}
