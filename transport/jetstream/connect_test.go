package jetstream

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestConnect_ReportsStateChangesAndReconnects(t *testing.T) {
	dir := t.TempDir()
	srv := startTestServer(t, func(c *ServerConfig) { c.DataDir = dir })
	url := srv.ClientURL()

	var mu sync.Mutex
	var states []ConnState
	seen := func(s ConnState) bool {
		mu.Lock()
		defer mu.Unlock()
		for _, x := range states {
			if x == s {
				return true
			}
		}
		return false
	}
	nc := connectTCP(t, srv,
		WithReconnectBackoff(20*time.Millisecond, 100*time.Millisecond),
		WithStateHandler(func(s ConnState, _ error) {
			mu.Lock()
			states = append(states, s)
			mu.Unlock()
		}))
	eventually(t, time.Second, "connected", func() bool { return seen(ConnConnected) })

	shutdown(t, srv)
	eventually(t, 5*time.Second, "disconnected", func() bool { return seen(ConnDisconnected) })

	addr := strings.TrimPrefix(url, "nats://")
	startTestServer(t, func(c *ServerConfig) { c.ListenAddr = addr; c.DataDir = dir })
	eventually(t, 10*time.Second, "reconnected", func() bool { return seen(ConnReconnected) })
	if !nc.IsConnected() {
		t.Fatal("not connected after reconnect")
	}

	nc.Close()
	eventually(t, time.Second, "closed", func() bool { return seen(ConnClosed) })
}

func TestConnect_RetryOnFailedConnectReturnsAtOnce(t *testing.T) {
	nc, err := Connect("nats://127.0.0.1:1", WithRetryOnFailedConnect(), WithReconnectBackoff(time.Second, time.Second))
	if err != nil {
		t.Fatalf("Connect: %v", err)
	}
	defer nc.Close()
	if nc.IsConnected() {
		t.Fatal("connected to a closed port?")
	}
}

func TestConnect_ErrorRedactsPassword(t *testing.T) {
	_, err := Connect("nats://meter:hunter2@127.0.0.1:1", WithConnectTimeout(200*time.Millisecond))
	if err == nil {
		t.Fatal("connected to a closed port?")
	}
	if strings.Contains(err.Error(), "hunter2") {
		t.Fatalf("error leaks the password: %v", err)
	}
	if !strings.Contains(err.Error(), "127.0.0.1:1") {
		t.Fatalf("error does not name the server: %v", err)
	}
}

func TestConnect_InvalidOptions(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "missing")
	present := filepath.Join(t.TempDir(), "present")
	if err := os.WriteFile(present, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		url  string
		opts []ConnectOption
	}{
		{"empty url", "", nil},
		{"empty name", "nats://x", []ConnectOption{WithName("")}},
		{"empty user", "nats://x", []ConnectOption{WithUserPassword("", "p")}},
		{"empty token", "nats://x", []ConnectOption{WithToken("")}},
		{"token and user", "nats://x", []ConnectOption{WithToken("t"), WithUserPassword("u", "p")}},
		{"missing creds file", "nats://x", []ConnectOption{WithCredsFile(missing)}},
		{"missing nkey seed", "nats://x", []ConnectOption{WithNKeySeedFile(missing)}},
		{"creds and nkey", "nats://x", []ConnectOption{WithCredsFile(present), WithNKeySeedFile(present)}},
		{"missing CA", "nats://x", []ConnectOption{WithRootCAs(missing)}},
		{"no CA", "nats://x", []ConnectOption{WithRootCAs()}},
		{"missing client key", "nats://x", []ConnectOption{WithClientCert(present, missing)}},
		{"backoff min > max", "nats://x", []ConnectOption{WithReconnectBackoff(time.Second, time.Millisecond)}},
		{"zero timeout", "nats://x", []ConnectOption{WithConnectTimeout(0)}},
		{"nil state handler", "nats://x", []ConnectOption{WithStateHandler(nil)}},
		{"nil in-process server", "", []ConnectOption{WithInProcessServer(nil)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := Connect(tt.url, tt.opts...); !errors.Is(err, ErrInvalidOption) {
				t.Fatalf("err = %v, want ErrInvalidOption", err)
			}
		})
	}
}

func TestBackoff_DoublesToCapWithJitter(t *testing.T) {
	b := backoff(100*time.Millisecond, time.Second)
	for attempt, want := range map[int]time.Duration{1: 100 * time.Millisecond, 2: 200 * time.Millisecond, 4: 800 * time.Millisecond, 10: time.Second} {
		got := b(attempt)
		if lo, hi := want*8/10, want*12/10; got < lo || got > hi {
			t.Errorf("attempt %d: %s, want %s ±20%%", attempt, got, want)
		}
	}
}

func TestRedactURLs(t *testing.T) {
	got := redactURLs("nats://a:pw@h1:4222, nats://tok@h2:4222,nats://h3")
	if strings.Contains(got, "pw") || strings.Contains(got, "tok") || !strings.Contains(got, "h3") {
		t.Fatalf("redactURLs = %q", got)
	}
}
