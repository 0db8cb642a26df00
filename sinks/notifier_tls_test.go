package sinks

import (
	"context"
	"net/url"
	"strings"
	"testing"

	amqp "github.com/rabbitmq/amqp091-go"

	"meterflow/internal/testenv"
)

// TestNotifierOverTLSWithAClientCertificate publishes to a private RabbitMQ
// node that accepts only TLS clients with a certificate its CA signed: with
// Options.AMQPTLS (meterflow run's --amqp-ca/--amqp-cert/--amqp-key) the
// notifications of a bare notifier:// (which uses the amqps:// transport
// URL) arrive; a notifier://host/?ssl=1 without the client certificate
// fails.
func TestNotifierOverTLSWithAClientCertificate(t *testing.T) {
	node := testenv.StartRabbit(t, testenv.RabbitOptions{TLS: &testenv.RabbitTLS{RequireClientCert: true}})
	topic, _ := testenv.Names(t, "tls")
	u, err := url.Parse(node.TLSURL())
	if err != nil {
		t.Fatal(err)
	}
	u.Scheme, u.RawQuery = "notifier", "topic="+topic+"&ssl=1"

	// the queue exists before the publish, so that the notifications stay
	conn, err := amqp.Dial(node.URL())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	ch, err := conn.Channel()
	if err != nil {
		t.Fatal(err)
	}
	s := newTestNotifier(t, "notifier://?topic="+topic, Options{TransportURL: node.TLSURL(), AMQPTLS: node.Certs.ClientTLS(t, true)})
	_, samples := fileTestSamples(t, 3)
	if err := s.PublishSamples(context.Background(), samples); err != nil {
		t.Fatalf("publish over TLS with a client certificate: %v", err)
	}
	q, err := ch.QueueDeclarePassive(topic+".sample", false, false, false, false, nil)
	if err != nil {
		t.Fatal(err)
	}
	if q.Messages != 1 {
		t.Errorf("%s holds %d notifications, want 1", q.Name, q.Messages)
	}

	noCert := newTestNotifier(t, u.String(), Options{AMQPTLS: node.Certs.ClientTLS(t, false)})
	err = noCert.PublishSamples(context.Background(), samples)
	if err == nil {
		t.Fatal("publish without a client certificate succeeded on a node that requires one")
	}
	if strings.Contains(err.Error(), node.TLSURL()) {
		t.Errorf("error shows the broker's password: %v", err)
	}
}
