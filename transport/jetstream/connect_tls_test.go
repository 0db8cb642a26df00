package jetstream

import (
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"

	"meterflow/internal/testenv"
)

// TestConnect_MutualTLS checks that WithRootCAs and WithClientCert reach
// nats.go: a server requiring client certificates accepts the connection,
// and refuses it without the client certificate.
func TestConnect_MutualTLS(t *testing.T) {
	certs := testenv.NewCerts(t)
	tlsCfg, err := server.GenTLSConfig(&server.TLSConfigOpts{
		CertFile: certs.ServerCert, KeyFile: certs.ServerKey, CaFile: certs.CA, Verify: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	ns, err := server.NewServer(&server.Options{
		Host: "127.0.0.1", Port: server.RANDOM_PORT, NoSigs: true, NoLog: true,
		TLSConfig: tlsCfg, TLSVerify: true, TLSTimeout: 2,
	})
	if err != nil {
		t.Fatal(err)
	}
	ns.Start()
	defer ns.Shutdown()
	if !ns.ReadyForConnections(5 * time.Second) {
		t.Fatal("TLS server not ready")
	}
	url := "tls://" + ns.Addr().String()

	nc, err := Connect(url, WithRootCAs(certs.CA), WithClientCert(certs.ClientCert, certs.ClientKey))
	if err != nil {
		t.Fatalf("mutual TLS connect: %v", err)
	}
	if !nc.TLSRequired() {
		t.Error("connection not using TLS")
	}
	nc.Close()

	if nc, err := Connect(url, WithRootCAs(certs.CA), WithConnectTimeout(time.Second)); err == nil {
		nc.Close()
		t.Fatal("connected without a client certificate")
	}
}
