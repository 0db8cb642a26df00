package amqp

import (
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"strings"
	"syscall"
	"testing"

	amqp "github.com/rabbitmq/amqp091-go"
)

// TestTLSConfigIsPerHost: each failover host is verified against its own
// name, and the shared Config.TLS is never written to (amqp091 would set
// the first host's name in it for good).
func TestTLSConfigIsPerHost(t *testing.T) {
	b, err := ParseTransportURL("amqps://u:p@mq1:5671,u:p@[::1]:5671/")
	if err != nil {
		t.Fatal(err)
	}
	base := &tls.Config{MinVersion: tls.VersionTLS13}
	for i, want := range []string{"mq1", "::1"} {
		cfg, err := b.TLSConfig(base, b.Hosts[i])
		if err != nil {
			t.Fatal(err)
		}
		if cfg.ServerName != want || cfg.MinVersion != tls.VersionTLS13 {
			t.Errorf("host %d: ServerName %q MinVersion %x, want %q and the base's", i, cfg.ServerName, cfg.MinVersion, want)
		}
	}
	if base.ServerName != "" {
		t.Errorf("base configuration changed: ServerName %q", base.ServerName)
	}
}

func TestLoadTLSRejectsMissingOrHalfGivenFiles(t *testing.T) {
	for name, files := range map[string]TLSFiles{
		"missing CA":    {CA: "/nonexistent/ca.pem"},
		"cert, no key":  {Cert: "/nonexistent/c.pem"},
		"missing cert":  {Cert: "/nonexistent/c.pem", Key: "/nonexistent/k.pem"},
		"CA is not PEM": {CA: "tls_test.go"},
	} {
		if _, err := LoadTLS(files); !errors.Is(err, ErrInvalidConfig) {
			t.Errorf("%s: %v, want ErrInvalidConfig", name, err)
		}
	}
}

// TestDescribeTLSErrorNamesTheClientCertificate: with TLS 1.3 a broker that
// wants a client certificate refuses it after the client's handshake, and
// what the client library sees first depends on timing (an alert, EOF, a
// reset, or its own "connection is not open"). Each must point at the flags.
func TestDescribeTLSErrorNamesTheClientCertificate(t *testing.T) {
	for _, err := range []error{
		tls.AlertError(116),
		io.EOF,
		fmt.Errorf("read: %w", syscall.ECONNRESET),
		amqp.ErrClosed,
	} {
		got := describeTLSError(err, false).Error()
		if !strings.Contains(got, "client certificate") || !strings.Contains(got, "--amqp-cert") {
			t.Errorf("%v: %s", err, got)
		}
		if !errors.Is(describeTLSError(err, false), err) {
			t.Errorf("%v: the cause is not kept", err)
		}
	}
	if got := describeTLSError(errors.New("dial tcp: i/o timeout"), false); got.Error() != "dial tcp: i/o timeout" {
		t.Errorf("an unrelated error was rewritten: %s", got)
	}
}
