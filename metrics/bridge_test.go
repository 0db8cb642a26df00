package metrics

import (
	"errors"
	"fmt"
	"testing"

	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/ThreeDotsLabs/watermill/message/router/middleware"

	"meterflow/processors"
	amqpt "meterflow/transport/amqp"
	jst "meterflow/transport/jetstream"
)

func delivery(exchange, routingKey string) *message.Message {
	msg := message.NewMessage("1", nil)
	msg.Metadata.Set(amqpt.MetadataExchange, exchange)
	msg.Metadata.Set(amqpt.MetadataRoutingKey, routingKey)
	return msg
}

func TestBridgeMiddlewareCountsPerExchangeAndPriority(t *testing.T) {
	m := New()
	dl, err := middleware.PoisonQueueWithFilter(&nopPublisher{}, "deadletter.bridge", processors.IsPermanent)
	if err != nil {
		t.Fatal(err)
	}
	var fail error
	h := m.BridgeMiddleware(dl(func(*message.Message) ([]*message.Message, error) { return nil, fail }))

	_, _ = h(delivery("nova", "notifications.info"))
	_, _ = h(delivery("nova", "notifications.info"))
	fail = processors.Permanent(errors.New("not a notification"))
	_, _ = h(delivery("nova", "notifications.error"))
	fail = errors.New("JetStream down")
	_, _ = h(delivery("glance", "notifications.info"))
	fail = fmt.Errorf("store: %w: %w", jst.ErrPublishNotAcked, jst.ErrStreamFull)
	_, _ = h(delivery("glance", "notifications.info"))
	_, _ = h(delivery("glance", "notifications.info"))

	for _, c := range []struct {
		name           string
		v              float64
		exchange, prio string
	}{
		{"received", 2, "nova", "info"}, {"bridged", 2, "nova", "info"},
		{"received", 1, "nova", "error"}, {"dead_lettered", 1, "nova", "error"}, {"bridged", 0, "nova", "error"},
		{"received", 3, "glance", "info"}, {"bridged", 0, "glance", "info"},
	} {
		var got float64
		switch c.name {
		case "received":
			got = value(m.bridgeReceived.WithLabelValues(c.exchange, c.prio))
		case "bridged":
			got = value(m.bridgeBridged.WithLabelValues(c.exchange, c.prio))
		case "dead_lettered":
			got = value(m.bridgeDeadLettered.WithLabelValues(c.exchange, c.prio))
		}
		if got != c.v {
			t.Errorf("%s{%s,%s} = %v, want %v", c.name, c.exchange, c.prio, got, c.v)
		}
	}
	for reason, want := range map[string]float64{"stream_full": 2, "not_acked": 1, "timeout": 0} {
		if got := value(m.bridgeStoreFailures.WithLabelValues(reason)); got != want {
			t.Errorf("bridge_store_failures_total{reason=%q} = %v, want %v", reason, got, want)
		}
	}
}

func TestOnDuplicateCountsNotificationsByExchangeAndPriority(t *testing.T) {
	m := New()
	m.OnDuplicate("notifications.nova.info.compute_instance_create_end", "id")
	m.OnDuplicate("samples.k.cpu", "id")
	if got := value(m.bridgeDuplicates.WithLabelValues("nova", "info")); got != 1 {
		t.Errorf("bridge duplicates = %v, want 1", got)
	}
	if got := value(m.duplicates.WithLabelValues("samples")); got != 1 {
		t.Errorf("samples duplicates = %v, want 1", got)
	}
}
