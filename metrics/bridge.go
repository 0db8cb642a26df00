package metrics

import (
	"errors"
	"strings"

	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/ThreeDotsLabs/watermill/message/router/middleware"

	amqpt "meterflow/transport/amqp"
	jst "meterflow/transport/jetstream"
)

// BridgeMiddleware counts the bridge's AMQP deliveries per exchange and
// priority: received when the handling starts, then bridged (stored and
// acked) or dead-lettered. A delivery that fails is nacked, counted in
// bridge_store_failures_total by reason, and counted again as received
// when RabbitMQ redelivers it. Put it outside the
// dead-letter middleware of the bridge route.
func (m *Metrics) BridgeMiddleware(h message.HandlerFunc) message.HandlerFunc {
	return func(msg *message.Message) ([]*message.Message, error) {
		exchange := msg.Metadata.Get(amqpt.MetadataExchange)
		priority := priorityOf(msg.Metadata.Get(amqpt.MetadataRoutingKey))
		m.bridgeReceived.WithLabelValues(exchange, priority).Inc()
		before := msg.Metadata.Get(middleware.ReasonForPoisonedKey)
		out, err := h(msg)
		switch {
		case err != nil:
			m.bridgeStoreFailures.WithLabelValues(storeFailure(err)).Inc()
		case deadLettered(msg, before):
			m.bridgeDeadLettered.WithLabelValues(exchange, priority).Inc()
		default:
			m.bridgeBridged.WithLabelValues(exchange, priority).Inc()
		}
		return out, err
	}
}

// OnDuplicate is a jetstream.PublisherConfig.OnDuplicate counting the
// duplicates JetStream acknowledged: notifications per exchange and
// priority (from their subject notifications.<exchange>.<priority>.…),
// every message by the first token of its subject.
func (m *Metrics) OnDuplicate(subject, _ string) {
	prefix, rest, _ := strings.Cut(subject, ".")
	m.duplicates.WithLabelValues(prefix).Inc()
	if prefix != "notifications" {
		return
	}
	exchange, rest, _ := strings.Cut(rest, ".")
	priority, _, _ := strings.Cut(rest, ".")
	m.bridgeDuplicates.WithLabelValues(exchange, priority).Inc()
}

// priorityOf is the priority of an oslo routing key <topic>.<priority>,
// as routes.Bridge reads it for the subject.
func priorityOf(routingKey string) string {
	if _, p, ok := strings.Cut(routingKey, "."); ok && p != "" {
		return p
	}
	return ""
}

// storeFailure names why a delivery could not be stored, for
// bridge_store_failures_total.
func storeFailure(err error) string {
	switch {
	case errors.Is(err, jst.ErrStreamFull):
		return "stream_full"
	case errors.Is(err, jst.ErrPublishTimeout):
		return "timeout"
	default:
		return "not_acked"
	}
}
