package jetstream

import (
	"context"
	"errors"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

func TestStartServer_FreePortWithJetStreamFileStore(t *testing.T) {
	dir := t.TempDir()
	srv := startTestServer(t, func(c *ServerConfig) { c.DataDir = dir })

	url := srv.ClientURL()
	if !strings.HasPrefix(url, "nats://127.0.0.1:") || strings.HasSuffix(url, ":4222") || strings.HasSuffix(url, ":0") {
		t.Fatalf("ClientURL = %q, want a resolved free port on loopback", url)
	}

	js := newJS(t, connectTCP(t, srv))
	if _, err := js.AccountInfo(ctxTimeout(t, 5*time.Second)); err != nil {
		t.Fatalf("AccountInfo: %v (JetStream not enabled?)", err)
	}
	jsc := srv.NATSServer().JetStreamConfig()
	if jsc.StoreDir != filepath.Join(dir, "jetstream") || jsc.MaxStore != testMaxStore {
		t.Errorf("JetStream config = %+v, want store under %s with MaxStore %d", jsc, dir, int64(testMaxStore))
	}

	stream, subject := testStream(t, js)
	if _, err := js.Publish(ctxTimeout(t, 5*time.Second), subject, []byte("x")); err != nil {
		t.Fatalf("Publish: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "jetstream", "$G", "streams", stream)); err != nil {
		t.Errorf("stream not stored under DataDir: %v", err)
	}
}

func TestStartServer_BusyPortFailsFastWithClearError(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	addr := l.Addr().String()

	start := time.Now()
	_, err = StartServer(ServerConfig{ListenAddr: addr, DataDir: t.TempDir()})
	if !errors.Is(err, ErrAddrInUse) {
		t.Fatalf("err = %v, want ErrAddrInUse", err)
	}
	for _, want := range []string{addr, "--nats-listen"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("took %s, want fail fast", d)
	}
}

func TestStartServer_RestartOnSameDirKeepsData(t *testing.T) {
	dir := t.TempDir()
	cfg := ServerConfig{ListenAddr: "127.0.0.1:0", DataDir: dir, MaxStore: testMaxStore}

	srv, err := StartServer(cfg)
	if err != nil {
		t.Fatal(err)
	}
	nc, err := srv.Connect()
	if err != nil {
		t.Fatal(err)
	}
	stream, subject := testStream(t, newJS(t, nc))
	for i := 0; i < 3; i++ {
		if _, err := newJS(t, nc).Publish(ctxTimeout(t, 5*time.Second), subject, []byte{byte(i)}); err != nil {
			t.Fatal(err)
		}
	}
	shutdown(t, srv)
	if !nc.IsClosed() {
		t.Errorf("Shutdown left the in-process connection open")
	}

	srv2 := startTestServer(t, func(c *ServerConfig) { *c = cfg })
	nc2, err := srv2.Connect()
	if err != nil {
		t.Fatal(err)
	}
	if n := streamMsgs(t, newJS(t, nc2), stream); n != 3 {
		t.Fatalf("after restart stream has %d messages, want 3", n)
	}
}

func TestStartServer_UserPasswordAuth(t *testing.T) {
	srv := startTestServer(t, func(c *ServerConfig) { c.User, c.Password = "meter", "s3cret" })

	if nc, err := Connect(srv.ClientURL()); err == nil {
		nc.Close()
		t.Fatal("connected without credentials")
	}
	connectTCP(t, srv, WithUserPassword("meter", "s3cret"))

	u := strings.Replace(srv.ClientURL(), "nats://", "nats://meter:s3cret@", 1)
	connectTCP(t, srv, WithNATSOptions(func(o *nats.Options) error { o.Servers = []string{u}; return nil }))

	nc, err := srv.Connect() // in-process: the server's credentials are applied
	if err != nil {
		t.Fatalf("in-process connect: %v", err)
	}
	defer nc.Close()
}

func TestStartServer_TokenAuth(t *testing.T) {
	srv := startTestServer(t, func(c *ServerConfig) { c.Token = "t0ken" })
	if nc, err := Connect(srv.ClientURL(), WithToken("wrong")); err == nil {
		nc.Close()
		t.Fatal("connected with a wrong token")
	}
	connectTCP(t, srv, WithToken("t0ken"))
}

func TestStartServer_InProcessOnly(t *testing.T) {
	srv := startTestServer(t, func(c *ServerConfig) { c.InProcessOnly = true; c.ListenAddr = "" })
	if srv.ClientURL() != "" {
		t.Errorf("ClientURL = %q, want empty", srv.ClientURL())
	}
	nc, err := srv.Connect()
	if err != nil {
		t.Fatal(err)
	}
	js := newJS(t, nc)
	if _, err := js.AccountInfo(ctxTimeout(t, 5*time.Second)); err != nil {
		t.Fatalf("AccountInfo: %v", err)
	}
}

func TestStartServer_InvalidConfig(t *testing.T) {
	tests := []struct {
		name string
		cfg  ServerConfig
	}{
		{"no data dir", ServerConfig{}},
		{"bad address", ServerConfig{DataDir: "x", ListenAddr: "localhost"}},
		{"port out of range", ServerConfig{DataDir: "x", ListenAddr: "127.0.0.1:70000"}},
		{"token and user", ServerConfig{DataDir: "x", Token: "t", User: "u", Password: "p"}},
		{"user without password", ServerConfig{DataDir: "x", User: "u"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := StartServer(tt.cfg); !errors.Is(err, ErrInvalidOption) {
				t.Fatalf("err = %v, want ErrInvalidOption", err)
			}
		})
	}
}

func TestServerConfig_DefaultListenAddrIsNot4222(t *testing.T) {
	var c ServerConfig
	c.setDefaults()
	if c.ListenAddr != "127.0.0.1:4233" {
		t.Fatalf("default ListenAddr = %q", c.ListenAddr)
	}
}

func TestServer_ShutdownHonoursContext(t *testing.T) {
	srv, err := StartServer(ServerConfig{ListenAddr: "127.0.0.1:0", DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	nc, err := srv.Connect()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	if err := srv.Shutdown(ctx); err != nil {
		t.Fatalf("second Shutdown: %v", err)
	}
	if !nc.IsClosed() {
		t.Error("connection not closed")
	}
	if _, err := jetstream.New(nc); err != nil {
		t.Fatal(err)
	}
}
