package amqp

import (
	"context"
	"crypto/tls"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

	"meterflow/internal/testenv"
)

// TestSubscriberOverTLS runs a private RabbitMQ node with a TLS listener
// that requires client certificates (verify_peer, fail_if_no_peer_cert)
// and checks: notifications published over TLS are consumed over TLS with
// the CA and client certificate from Config.TLS or from the URL's oslo
// options; a wrong CA, a missing client certificate and a plain amqp://
// URL to the TLS port each fail with an error naming the broker, saying
// what to check, and never showing the password.
func TestSubscriberOverTLS(t *testing.T) {
	const password = "S3CRET-tls-pw"
	node := testenv.StartRabbit(t, testenv.RabbitOptions{User: "mf", Password: password,
		TLS: &testenv.RabbitTLS{RequireClientCert: true}})
	certs := node.Certs
	hostPort := fmt.Sprintf("localhost:%d", node.TLSPort)

	consume := func(t *testing.T, cfg Config) {
		t.Helper()
		exchange := fmt.Sprintf("mftest-tls-%d", time.Now().UnixNano())
		cfg.Exchanges, cfg.Priorities, cfg.QueuePrefix = []string{exchange}, []string{"info"}, exchange
		sub, err := NewSubscriber(cfg)
		if err != nil {
			t.Fatal(err)
		}
		defer sub.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		msgs, err := sub.Subscribe(ctx, "notifications")
		if err != nil {
			t.Fatal(err)
		}
		waitConnected(t, sub)
		const n = 50
		publishTLS(t, node.TLSURL(), certs.ClientTLS(t, true), exchange, "notifications.info", n)
		seen := map[string]bool{}
		for len(seen) < n {
			select {
			case m := <-msgs:
				seen[string(m.Payload)] = true
				m.Ack()
			case <-ctx.Done():
				t.Fatalf("received %d of %d over TLS", len(seen), n)
			}
		}
		for i := 0; i < n; i++ {
			if !seen[fmt.Sprintf(`{"n": %d}`, i)] {
				t.Errorf("message %d not received", i)
			}
		}
	}

	t.Run("client certificate from Config.TLS", func(t *testing.T) {
		tlsCfg, err := LoadTLS(TLSFiles{CA: certs.CA, Cert: certs.ClientCert, Key: certs.ClientKey})
		if err != nil {
			t.Fatal(err)
		}
		consume(t, Config{Brokers: []string{node.TLSURL()}, TLS: tlsCfg})
	})

	t.Run("oslo ssl options in the URL", func(t *testing.T) {
		q := url.Values{"ssl": {"1"}, "ssl_ca_file": {certs.CA}, "ssl_cert_file": {certs.ClientCert}, "ssl_key_file": {certs.ClientKey}}
		consume(t, Config{Brokers: []string{fmt.Sprintf("rabbit://mf:%s@%s/?%s", password, hostPort, q.Encode())}})
	})

	dialErr := func(t *testing.T, cfg Config) string {
		t.Helper()
		sub, err := NewSubscriber(cfg)
		if err != nil {
			t.Fatal(err)
		}
		conn, _, err := sub.dial(sub.Brokers()[0])
		if err == nil {
			// TLS 1.3: a refused client certificate may show only once the
			// server speaks; the AMQP handshake is over by then, or not.
			conn.Close()
			t.Fatal("connected")
		}
		msg := err.Error()
		if strings.Contains(msg, password) {
			t.Errorf("error shows the password: %s", msg)
		}
		if !strings.Contains(msg, hostPort) {
			t.Errorf("error does not name the broker %s: %s", hostPort, msg)
		}
		t.Logf("error: %s", msg)
		return msg
	}

	t.Run("wrong CA", func(t *testing.T) {
		other := testenv.NewCerts(t)
		tlsCfg, err := LoadTLS(TLSFiles{CA: other.CA, Cert: certs.ClientCert, Key: certs.ClientKey})
		if err != nil {
			t.Fatal(err)
		}
		msg := dialErr(t, Config{Brokers: []string{node.TLSURL()}, TLS: tlsCfg})
		if !strings.Contains(msg, "not signed by a trusted CA") || !strings.Contains(msg, "--amqp-ca") {
			t.Errorf("error does not say the CA is wrong: %s", msg)
		}
	})

	t.Run("no client certificate", func(t *testing.T) {
		tlsCfg, err := LoadTLS(TLSFiles{CA: certs.CA})
		if err != nil {
			t.Fatal(err)
		}
		msg := dialErr(t, Config{Brokers: []string{node.TLSURL()}, TLS: tlsCfg})
		if !strings.Contains(msg, "client certificate") {
			t.Errorf("error does not point at the client certificate: %s", msg)
		}
	})

	t.Run("files in the URL need TLS on", func(t *testing.T) {
		_, err := NewSubscriber(Config{Brokers: []string{fmt.Sprintf("rabbit://mf:%s@%s/?ssl_ca_file=%s", password, hostPort, certs.CA)}})
		if err == nil || !strings.Contains(err.Error(), "TLS is off") || strings.Contains(err.Error(), password) {
			t.Errorf("error %v, want one saying TLS is off, without the password", err)
		}
	})

	t.Run("missing CA file fails at start", func(t *testing.T) {
		_, err := NewSubscriber(Config{Brokers: []string{fmt.Sprintf("amqps://mf:%s@%s/?ssl_ca_file=/nonexistent/ca.pem", password, hostPort)}})
		if err == nil || !strings.Contains(err.Error(), "/nonexistent/ca.pem") || strings.Contains(err.Error(), password) {
			t.Errorf("error %v, want one naming the file, without the password", err)
		}
	})
}

// publishTLS publishes n bodies {"n": i} over AMQPS with publisher confirms.
func publishTLS(t testing.TB, uri string, tlsCfg *tls.Config, exchange, key string, n int) {
	t.Helper()
	conn, err := amqp.DialTLS(uri, tlsCfg)
	if err != nil {
		t.Fatalf("publish over TLS: %v", err)
	}
	defer conn.Close()
	ch, err := conn.Channel()
	if err != nil {
		t.Fatal(err)
	}
	if err := ch.Confirm(false); err != nil {
		t.Fatal(err)
	}
	var last *amqp.DeferredConfirmation
	for i := 0; i < n; i++ {
		last, err = ch.PublishWithDeferredConfirm(exchange, key, true, false, amqp.Publishing{Body: []byte(fmt.Sprintf(`{"n": %d}`, i))})
		if err != nil {
			t.Fatal(err)
		}
	}
	if ok, err := last.WaitContext(context.Background()); !ok || err != nil {
		t.Fatalf("publish not confirmed: %v", err)
	}
}
