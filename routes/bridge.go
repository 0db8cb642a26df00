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
		msg.Payload = body[:deadLetterSnippet:deadLetterSnippet]
		return Permanent(fmt.Errorf("%w: body of %d bytes is over the %d-byte limit", processors.ErrMalformed, len(body), limit))
	}
	n, err := processors.Decode(body)
	if err != nil {
		return err
	}
	exchange := msg.Metadata.Get(amqpt.MetadataExchange)
	routingKey := msg.Metadata.Get(amqpt.MetadataRoutingKey)
	priority := n.Priority
	if _, p, ok := strings.Cut(routingKey, "."); ok && p != "" {
		priority = p
	}
	id := n.MessageID
	if id == "" {
		sum := sha256.Sum256(body)
		id = "sha256:" + hex.EncodeToString(sum[:])
	}
	now := time.Now
	if b.Now != nil {
		now = b.Now
	}
	out := message.NewMessage(id, body)
	out.Metadata = message.Metadata{
		HeaderMsgID:       id,
		HeaderExchange:    exchange,
		HeaderRoutingKey:  routingKey,
		HeaderPriority:    priority,
		HeaderEventType:   n.EventType,
		HeaderPublisherID: n.PublisherID,
		HeaderReceived:    strconv.FormatInt(now().UnixNano(), 10),
	}
	out.SetContext(msg.Context())
	if err := b.Publisher.Publish(NotificationSubject(exchange, priority, n.EventType), out); err != nil {
		return fmt.Errorf("store notification %s: %w", id, err)
	}
	return nil
}
