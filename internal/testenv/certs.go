package testenv

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// Certs is a throwaway PKI for TLS tests: a CA, a server certificate valid
// for localhost, 127.0.0.1 and ::1, and a client certificate (CN
// "meterflow"), each as PEM files in Dir. Keys are ECDSA P-256, which
// RabbitMQ (Erlang's ssl), nats-server and Go all accept.
type Certs struct {
	Dir string
	// CA is the CA certificate file; CAKey its key.
	CA, CAKey string
	// ServerCert and ServerKey are for localhost/127.0.0.1/::1.
	ServerCert, ServerKey string
	// ClientCert and ClientKey are for a client, CN "meterflow".
	ClientCert, ClientKey string
}

// NewCerts generates a CA with a server and a client certificate under a
// fresh temporary directory, valid for one day. Two calls give two
// unrelated CAs (to test a wrong CA).
func NewCerts(t testing.TB) *Certs {
	t.Helper()
	dir := t.TempDir()
	c := &Certs{Dir: dir}
	file := func(name string) string { return filepath.Join(dir, name) }
	ca, caKey := writeCert(t, file("ca.pem"), file("ca-key.pem"), "meterflow test CA", nil, nil, true)
	writeCert(t, file("server.pem"), file("server-key.pem"), "localhost", ca, caKey, false)
	writeCert(t, file("client.pem"), file("client-key.pem"), "meterflow", ca, caKey, false)
	c.CA, c.CAKey = file("ca.pem"), file("ca-key.pem")
	c.ServerCert, c.ServerKey = file("server.pem"), file("server-key.pem")
	c.ClientCert, c.ClientKey = file("client.pem"), file("client-key.pem")
	return c
}

// ClientTLS is a Go TLS client configuration trusting the CA and, when
// withCert, presenting the client certificate.
func (c *Certs) ClientTLS(t testing.TB, withCert bool) *tls.Config {
	t.Helper()
	pem, err := os.ReadFile(c.CA)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		t.Fatalf("no certificate in %s", c.CA)
	}
	cfg := &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	if withCert {
		cert, err := tls.LoadX509KeyPair(c.ClientCert, c.ClientKey)
		if err != nil {
			t.Fatal(err)
		}
		cfg.Certificates = []tls.Certificate{cert}
	}
	return cfg
}

// writeCert writes a certificate and its key as PEM, signed by parent
// (self-signed when parent is nil).
func writeCert(t testing.TB, certFile, keyFile, cn string, parent *x509.Certificate, parentKey *ecdsa.PrivateKey, isCA bool) (*x509.Certificate, *ecdsa.PrivateKey) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	sn, err := rand.Int(rand.Reader, big.NewInt(1<<62))
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: sn,
		Subject:      pkix.Name{CommonName: cn, Organization: []string{"meterflow tests"}},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
	}
	if isCA {
		tmpl.IsCA = true
		tmpl.BasicConstraintsValid = true
		tmpl.KeyUsage |= x509.KeyUsageCertSign | x509.KeyUsageCRLSign
	} else {
		tmpl.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth}
		if cn == "localhost" {
			tmpl.DNSNames = []string{"localhost"}
			tmpl.IPAddresses = []net.IP{net.ParseIP("127.0.0.1"), net.IPv6loopback}
		}
	}
	signer, signerKey := tmpl, key
	if parent != nil {
		signer, signerKey = parent, parentKey
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, signer, &key.PublicKey, signerKey)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	write := func(path, typ string, b []byte) {
		if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: b}), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write(certFile, "CERTIFICATE", der)
	write(keyFile, "EC PRIVATE KEY", keyDER)
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return cert, key
}
