package jetstream

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"
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

// natsMsg is a NATS message with room for the values of its headers. The
// Publisher recycles it (natsMsgs) once JetStream acknowledged it: the
// header map keeps its storage, so a steady stream of publishes allocates
// neither messages nor headers.
type natsMsg struct {
	nats.Msg
	vals [8]string
}

var natsMsgs = sync.Pool{New: func() any { return new(natsMsg) }}

// fill makes nm the NATS message for msg, reusing nm's header map: its
// metadata (less the receive-side keys) as headers, its UUID and msgID.
// The payload is not copied.
func (nm *natsMsg) fill(subject string, msg *message.Message, msgID string) error {
	h := nm.Header
	if h == nil {
		h = make(nats.Header, len(msg.Metadata)+2)
	} else {
		clear(h)
	}
	vals := nm.vals[:0]
	if n := len(msg.Metadata) + 2; n > len(nm.vals) {
		vals = make([]string, 0, n) // one allocation for every value
	}
	one := func(v string) []string {
		vals = append(vals, v)
		return vals[len(vals)-1 : len(vals) : len(vals)]
	}
	for k, v := range msg.Metadata {
		if strings.HasPrefix(k, MetadataPrefix) || k == MsgIDKey {
			continue
		}
		if !validHeaderKey(k) {
			return fmt.Errorf("%w: key %q", ErrInvalidMetadata, k)
		}
		if strings.ContainsAny(v, "\r\n") {
			return fmt.Errorf("%w: value of %q contains CR or LF", ErrInvalidMetadata, k)
		}
		h[k] = one(v)
	}
	if msg.UUID != "" {
		h[UUIDHeader] = one(msg.UUID)
	}
	if msgID != "" {
		if strings.ContainsAny(msgID, "\r\n") {
			return fmt.Errorf("%w: msg id contains CR or LF", ErrInvalidMetadata)
		}
		h[MsgIDKey] = one(msgID)
	}
	nm.Msg = nats.Msg{Subject: subject, Data: msg.Payload, Header: h}
	return nil
}

// recycle returns nm to natsMsgs, unless its header map grew unusually
// large. Call it only once nothing reads nm any more.
func (nm *natsMsg) recycle() {
	if len(nm.Header) > 2*len(nm.vals) {
		return
	}
	nm.Data = nil
	nm.vals = [len(nm.vals)]string{}
	natsMsgs.Put(nm)
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
		// the numbers and the time written into one string, sliced: one
		// allocation for the five values of every delivered message
		var buf [128]byte
		b := buf[:0]
		var ends [5]int
		for i, v := range [4]uint64{meta.Sequence.Stream, meta.Sequence.Consumer, meta.NumDelivered, meta.NumPending} {
			b = strconv.AppendUint(b, v, 10)
			ends[i] = len(b)
		}
		b = meta.Timestamp.UTC().AppendFormat(b, time.RFC3339Nano)
		ends[4] = len(b)
		all := string(b)
		md[MetadataStreamSeq] = all[:ends[0]]
		md[MetadataConsumerSeq] = all[ends[0]:ends[1]]
		md[MetadataNumDelivered] = all[ends[1]:ends[2]]
		md[MetadataNumPending] = all[ends[2]:ends[3]]
		md[MetadataTimestamp] = all[ends[3]:ends[4]]
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
