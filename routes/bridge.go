package routes

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/ThreeDotsLabs/watermill/message"

	"meterflow/processors"
	amqpt "meterflow/transport/amqp"
)

// Headers of every notification stored in the NOTIFICATIONS stream. The body
// is the AMQP body, byte for byte.
const (
	HeaderMsgID       = "Nats-Msg-Id" // oslo message_id, or "sha256:<hex of body>" without one
	HeaderExchange    = "Meterflow-Exchange"
	HeaderRoutingKey  = "Meterflow-Routing-Key"
	HeaderPriority    = "Meterflow-Priority"
	HeaderEventType   = "Meterflow-Event-Type"
	HeaderPublisherID = "Meterflow-Publisher-Id"
	HeaderReceived    = "Meterflow-Received" // Unix nanoseconds when meterflow received it
	HeaderReason      = "reason_poisoned"    // on dead-lettered messages: why
	HeaderOrigSize    = "Meterflow-Original-Size"
)

// NotificationsPrefix is the subject prefix of the NOTIFICATIONS stream.
const NotificationsPrefix = "notifications"

// NotificationSubject is where a notification is stored:
// notifications.<exchange>.<priority>.<event_type>.
func NotificationSubject(exchange, priority, eventType string) string {
	return NotificationsPrefix + "." + Token(exchange) + "." + Token(priority) + "." + Tokens(eventType)
}

// DefaultMaxBodyBytes is the default largest body the bridge stores: just
// under NATS' default max_payload of 1 MiB, leaving room for headers.
const DefaultMaxBodyBytes = 1<<20 - 16<<10

// MaxEventTypeBytes is the longest event_type the bridge stores. The event
// type becomes part of NATS subjects, and a subject longer than the server's
// max_control_line (4 KiB by default) makes the server close the
// connection. OpenStack's event types are short dotted names; Ceilometer's
// event storage held 255 characters.
const MaxEventTypeBytes = 255

// deadLetterSnippet is how much of an oversized body is kept when it is
// dead-lettered.
const deadLetterSnippet = 64 << 10

// Bridge stores AMQP deliveries of oslo.messaging notifications in JetStream.
type Bridge struct {
	// Publisher stores messages; the topic is the NATS subject. It must
	// return only after the message is persisted.
	Publisher message.Publisher
	// MaxBodyBytes: larger bodies are dead-lettered (their first 64 KiB).
	// Default: DefaultMaxBodyBytes.
	MaxBodyBytes int
	// Now stamps HeaderReceived. Default: time.Now.
	Now func() time.Time
}

// Handle is a watermill NoPublishHandlerFunc for messages from transport/amqp. It
// checks that the body is a notification, publishes it unchanged to its
// subject with its message_id as Nats-Msg-Id (so a redelivered message is
// stored once), and returns once JetStream has stored it: the router then
// acks the AMQP delivery. A body that is not a notification yields an error
// wrapping processors.ErrMalformed (dead-lettered); a failed publish yields
// a transient error (retried, then nacked and redelivered).
func (b *Bridge) Handle(msg *message.Message) error {
	body := msg.Payload
	limit := b.MaxBodyBytes
	if limit <= 0 {
		limit = DefaultMaxBodyBytes
	}
	if len(body) > limit {
		msg.Metadata.Set(HeaderOrigSize, strconv.Itoa(len(body)))
		keep := min(len(body), deadLetterSnippet)
		msg.Payload = body[:keep:keep]
		return Permanent(fmt.Errorf("%w: body of %d bytes is over the %d-byte limit", processors.ErrMalformed, len(body), limit))
	}
	h, err := processors.Peek(body)
	if err != nil {
		return err
	}
	if len(h.EventType) > MaxEventTypeBytes {
		return fmt.Errorf("%w: event_type of %d bytes is over the %d-byte limit", processors.ErrMalformed, len(h.EventType), MaxEventTypeBytes)
	}
	exchange := msg.Metadata.Get(amqpt.MetadataExchange)
	routingKey := msg.Metadata.Get(amqpt.MetadataRoutingKey)
	priority := h.Priority
	if _, p, ok := strings.Cut(routingKey, "."); ok && p != "" {
		priority = p
	}
	id := h.MessageID
	if id == "" {
		sum := sha256.Sum256(body)
		id = "sha256:" + hex.EncodeToString(sum[:])
	}
	now := time.Now
	if b.Now != nil {
		now = b.Now
	}
	id = headerValue(id)
	out := message.NewMessage(id, body)
	out.Metadata = message.Metadata{
		HeaderMsgID:       id,
		HeaderExchange:    exchange,
		HeaderRoutingKey:  routingKey,
		HeaderPriority:    headerValue(priority),
		HeaderEventType:   headerValue(h.EventType),
		HeaderPublisherID: headerValue(h.PublisherID),
		HeaderReceived:    strconv.FormatInt(now().UnixNano(), 10),
	}
	out.SetContext(msg.Context())
	if err := b.Publisher.Publish(NotificationSubject(exchange, priority, h.EventType), out); err != nil {
		return fmt.Errorf("store notification %s: %w", id, err)
	}
	return nil
}

// headerValue is s fit for a NATS header value: CR and LF, which would end
// the header line (and fail every attempt to store the message), become "_".
func headerValue(s string) string {
	if !strings.ContainsAny(s, "\r\n") {
		return s
	}
	return strings.NewReplacer("\r", "_", "\n", "_").Replace(s)
}
