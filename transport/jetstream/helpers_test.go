package jetstream

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// testMaxStore makes stream limits independent of the test machine's disk.
const testMaxStore = 64 << 30

// startTestServer starts an embedded server on a free port with its store
// in a temporary directory, shut down when the test ends.
func startTestServer(t testing.TB, mutate ...func(*ServerConfig)) *Server {
	t.Helper()
	cfg := ServerConfig{ListenAddr: "127.0.0.1:0", DataDir: t.TempDir(), MaxStore: testMaxStore}
	for _, m := range mutate {
		m(&cfg)
	}
	srv, err := StartServer(cfg)
	if err != nil {
		t.Fatalf("StartServer: %v", err)
	}
	t.Cleanup(func() { shutdown(t, srv) })
	return srv
}

func shutdown(t testing.TB, srv *Server) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(ctx); err != nil {
		t.Errorf("Shutdown: %v", err)
	}
}

// connectTCP connects to srv over TCP, closed when the test ends.
func connectTCP(t testing.TB, srv *Server, opts ...ConnectOption) *nats.Conn {
	t.Helper()
	nc, err := Connect(srv.ClientURL(), opts...)
	if err != nil {
		t.Fatalf("Connect: %v", err)
	}
	t.Cleanup(nc.Close)
	return nc
}

func newJS(t testing.TB, nc *nats.Conn) jetstream.JetStream {
	t.Helper()
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatalf("jetstream.New: %v", err)
	}
	return js
}

var nameSeq atomic.Uint64

// uniqueName returns a stream/consumer name unique within the test binary.
func uniqueName(prefix string) string {
	return fmt.Sprintf("%s_%d_%d", prefix, time.Now().UnixNano()%1e6, nameSeq.Add(1))
}

// testStream creates a small file stream capturing "<name>.>" and returns
// its name and a subject in it.
func testStream(t testing.TB, js jetstream.JetStream, mutate ...func(*StreamConfig)) (stream, subject string) {
	t.Helper()
	stream = uniqueName("S")
	prefix := strings.ToLower(stream)
	cfg := StreamConfig{Name: stream, Subjects: []string{prefix + ".>"}, MaxBytes: 64 << 20, Duplicates: time.Minute}
	for _, m := range mutate {
		m(&cfg)
	}
	if _, err := EnsureStream(context.Background(), js, cfg); err != nil {
		t.Fatalf("EnsureStream: %v", err)
	}
	return stream, prefix + ".events"
}

// subscribe subscribes sub to subject for at most a minute.
func subscribe(t testing.TB, sub message.Subscriber, subject string) <-chan *message.Message {
	t.Helper()
	ch, err := sub.Subscribe(ctxTimeout(t, time.Minute), subject)
	if err != nil {
		t.Fatal(err)
	}
	return ch
}

func ctxTimeout(t testing.TB, d time.Duration) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

// receive reads one message or fails the test after d.
func receive(t testing.TB, ch <-chan *message.Message, d time.Duration) *message.Message {
	t.Helper()
	select {
	case m, ok := <-ch:
		if !ok {
			t.Fatalf("channel closed, wanted a message")
		}
		return m
	case <-time.After(d):
		t.Fatalf("no message within %s", d)
	}
	return nil
}

// expectNone fails if a message arrives within d.
func expectNone(t testing.TB, ch <-chan *message.Message, d time.Duration) {
	t.Helper()
	select {
	case m, ok := <-ch:
		if ok {
			t.Fatalf("unexpected message %s (%v)", m.UUID, m.Metadata)
		}
	case <-time.After(d):
	}
}

// eventually polls cond until it holds or d passes.
func eventually(t testing.TB, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", d, what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func streamMsgs(t testing.TB, js jetstream.JetStream, stream string) uint64 {
	t.Helper()
	s, err := js.Stream(context.Background(), stream)
	if err != nil {
		t.Fatalf("Stream(%s): %v", stream, err)
	}
	info, err := s.Info(context.Background())
	if err != nil {
		t.Fatalf("Info: %v", err)
	}
	return info.State.Msgs
}

func newMsg(uuid, payload string, md map[string]string) *message.Message {
	m := message.NewMessage(uuid, []byte(payload))
	for k, v := range md {
		m.Metadata.Set(k, v)
	}
	return m
}
