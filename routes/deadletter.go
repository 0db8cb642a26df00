package routes

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"log/slog"

	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/ThreeDotsLabs/watermill/message/router/middleware"

	"meterflow/processors"
	amqpt "meterflow/transport/amqp"
	jst "meterflow/transport/jetstream"
)

// DeadLetterPrefix is the subject prefix of the DEADLETTER stream; a route's
// dead letters go to deadletter.<route>.
const DeadLetterPrefix = "deadletter"

// DeadLetterOption configures DeadLetter.
type DeadLetterOption func(*deadLetterIDs)

// WithDeadLetterLogger sets the logger that receives one WARN line per
// dead-lettered message. Default: slog.Default() at the time DeadLetter is
// called.
func WithDeadLetterLogger(l *slog.Logger) DeadLetterOption {
	return func(p *deadLetterIDs) {
		if l != nil {
			p.log = l
		}
	}
}

// DeadLetter returns the middleware that publishes a message whose handler
// failed permanently (IsPermanent) to deadletter.<route>, with the reason in
// the reason_poisoned header, and acks it. Other errors pass through.
// It is Watermill's poison-queue middleware with meterflow's filter; dead
// letters are deduplicated by a hash of their body. Every stored dead letter
// is logged at WARN with its reason, route, subject, exchange, event_type,
// message_id and, when the body is a notification, request_id.
func DeadLetter(pub message.Publisher, route string, opts ...DeadLetterOption) (message.HandlerMiddleware, error) {
	p := &deadLetterIDs{Publisher: pub, route: route, log: slog.Default()}
	for _, o := range opts {
		o(p)
	}
	return middleware.PoisonQueueWithFilter(p, DeadLetterPrefix+"."+Tokens(route), IsPermanent)
}

// deadLetterIDs gives every dead letter a Nats-Msg-Id derived from its body,
// so a message redelivered before its ack reached the broker is stored once,
// and logs each one it stored.
type deadLetterIDs struct {
	message.Publisher
	route string
	log   *slog.Logger
}

func (p *deadLetterIDs) Publish(topic string, msgs ...*message.Message) error {
	attrs := make([][]slog.Attr, len(msgs))
	for i, m := range msgs {
		attrs[i] = deadLetterAttrs(m) // before the id below replaces the message's own
		sum := sha256.Sum256(m.Payload)
		m.Metadata.Set(HeaderMsgID, "dl:"+hex.EncodeToString(sum[:16]))
	}
	if err := p.Publisher.Publish(topic, msgs...); err != nil {
		return err
	}
	for i, m := range msgs {
		a := append([]slog.Attr{
			slog.String("route", p.route),
			slog.String("reason", m.Metadata.Get(HeaderReason)),
			slog.String("dead_letter_subject", topic),
		}, attrs[i]...)
		p.log.LogAttrs(context.Background(), slog.LevelWarn, "message dead-lettered", a...)
	}
	return nil
}

// deadLetterAttrs describes a message from its metadata: JetStream headers
// for stored notifications, samples and events, AMQP delivery fields for
// the bridge's. The body is decoded for request_id (and what the metadata
// lacks) only here, as dead letters are rare.
func deadLetterAttrs(m *message.Message) []slog.Attr {
	md := m.Metadata
	first := func(keys ...string) string {
		for _, k := range keys {
			if v := md.Get(k); v != "" {
				return v
			}
		}
		return ""
	}
	subject := first(jst.MetadataSubject, amqpt.MetadataRoutingKey, HeaderRoutingKey)
	exchange := first(HeaderExchange, amqpt.MetadataExchange)
	eventType := first(HeaderEventType)
	messageID := first(HeaderNotificationID, jst.MetadataMsgID, HeaderMsgID)
	var requestID string
	if n, err := processors.Decode(m.Payload); err == nil {
		if eventType == "" {
			eventType = n.EventType
		}
		if messageID == "" {
			messageID = n.MessageID
		}
		if v, ok := n.Context.Get("request_id"); ok && v != nil {
			requestID = fmt.Sprint(v)
		}
	}
	var out []slog.Attr
	for _, f := range [...]struct{ k, v string }{
		{"subject", subject}, {"exchange", exchange}, {"event_type", eventType},
		{"message_id", messageID}, {"request_id", requestID},
	} {
		if f.v != "" {
			out = append(out, slog.String(f.k, f.v))
		}
	}
	return out
}

// RecoverAsPermanent turns a panic in a handler into a permanent error, so
// that a message that crashes its handler is dead-lettered instead of being
// redelivered forever.
func RecoverAsPermanent(h message.HandlerFunc) message.HandlerFunc {
	return func(msg *message.Message) (out []*message.Message, err error) {
		defer func() {
			if r := recover(); r != nil {
				out, err = nil, Permanent(fmt.Errorf("handler panicked: %v", r))
			}
		}()
		return h(msg)
	}
}
