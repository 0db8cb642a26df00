package amqp

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"syscall"

	amqp "github.com/rabbitmq/amqp091-go"
)

// TLSFiles name the PEM files of an AMQPS connection. Empty names keep the
// defaults: the system roots verify the broker, no client certificate.
type TLSFiles struct {
	// CA holds the certificates that verify the broker (oslo's
	// ssl_ca_file, meterflow run's --amqp-ca).
	CA string
	// Cert and Key are the client certificate and its key, for brokers
	// that require one (ssl_options.fail_if_no_peer_cert). Both or none.
	Cert, Key string
}

// IsZero reports whether no file is named.
func (f TLSFiles) IsZero() bool { return f == TLSFiles{} }

// LoadTLS builds a client TLS configuration from files: the broker is
// verified against CA (default: the system roots) and, when Cert and Key
// are set, the client presents that certificate. Errors wrap
// ErrInvalidConfig and name the file.
func LoadTLS(files TLSFiles) (*tls.Config, error) {
	cfg := &tls.Config{MinVersion: tls.VersionTLS12}
	if err := files.apply(cfg); err != nil {
		return nil, err
	}
	return cfg, nil
}

// apply loads the named files into cfg.
func (f TLSFiles) apply(cfg *tls.Config) error {
	if f.CA != "" {
		pem, err := os.ReadFile(f.CA)
		if err != nil {
			return fmt.Errorf("%w: TLS CA file: %w", ErrInvalidConfig, err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return fmt.Errorf("%w: TLS CA file %s: no PEM certificate in it", ErrInvalidConfig, f.CA)
		}
		cfg.RootCAs = pool
	}
	if (f.Cert == "") != (f.Key == "") {
		return fmt.Errorf("%w: TLS client certificate and key must be given together (cert %q, key %q)", ErrInvalidConfig, f.Cert, f.Key)
	}
	if f.Cert != "" {
		cert, err := tls.LoadX509KeyPair(f.Cert, f.Key)
		if err != nil {
			return fmt.Errorf("%w: TLS client certificate %s / key %s: %w", ErrInvalidConfig, f.Cert, f.Key, err)
		}
		cfg.Certificates = []tls.Certificate{cert}
	}
	return nil
}

// TLSConfig is the TLS configuration for one host of broker b: base
// (Config.TLS, else a default configuration) with the files named in b's
// URL applied, and ServerName set to the host dialled unless base sets
// one. A fresh copy every time: amqp091 writes ServerName into the
// configuration it is given, which must not leak to the next host.
func (b Broker) TLSConfig(base *tls.Config, hostURI string) (*tls.Config, error) {
	var cfg *tls.Config
	if base != nil {
		cfg = base.Clone()
	} else {
		cfg = &tls.Config{MinVersion: tls.VersionTLS12}
	}
	if err := b.Files.apply(cfg); err != nil {
		return nil, err
	}
	if cfg.ServerName == "" {
		cfg.ServerName = hostName(hostURI)
	}
	return cfg, nil
}

// hostName is the host of an amqp(s):// URI, without port or brackets.
func hostName(uri string) string {
	_, rest, _ := strings.Cut(uri, "://")
	if i := strings.LastIndex(rest, "@"); i >= 0 {
		rest = rest[i+1:]
	}
	rest, _, _ = strings.Cut(rest, "/")
	if h, _, err := net.SplitHostPort(rest); err == nil {
		return h
	}
	return strings.Trim(rest, "[]")
}

// describeTLSError adds what to check to a failed AMQPS dial, which
// retrying will not cure: an unknown CA, a certificate for another name,
// a missing or refused client certificate. withCert tells whether a client
// certificate was presented.
func describeTLSError(err error, withCert bool) error {
	var unknown x509.UnknownAuthorityError
	var hostname x509.HostnameError
	var invalid x509.CertificateInvalidError
	switch {
	case errors.As(err, &unknown):
		return fmt.Errorf("TLS: the broker's certificate is not signed by a trusted CA (set --amqp-ca or ssl_ca_file=): %w", err)
	case errors.As(err, &hostname):
		return fmt.Errorf("TLS: the broker's certificate does not name this host: %w", err)
	case errors.As(err, &invalid):
		return fmt.Errorf("TLS: the broker's certificate is invalid: %w", err)
	}
	// With TLS 1.3 the broker refuses a client certificate after the
	// client's handshake is done: the refusal shows as an alert on the
	// first read, or as a bare EOF or reset when the alert is lost, or
	// (when the client library saw the socket close first) as its own
	// "channel/connection is not open".
	msg := err.Error()
	var alert tls.AlertError
	refused := errors.As(err, &alert) || strings.Contains(msg, "remote error: tls")
	closed := errors.Is(err, io.EOF) || errors.Is(err, syscall.ECONNRESET) ||
		strings.Contains(msg, "EOF") || strings.Contains(msg, "connection reset") ||
		errors.Is(err, amqp.ErrClosed)
	switch {
	case refused && withCert:
		return fmt.Errorf("TLS: the broker refused the handshake (does its CA trust --amqp-cert?): %w", err)
	case refused || closed && !withCert:
		return fmt.Errorf("TLS: the broker refused the handshake (a client certificate it trusts may be required: --amqp-cert/--amqp-key): %w", err)
	}
	return err
}
