package jetstream

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

func newPublisher(t testing.TB, srv *Server, cfg PublisherConfig) *Publisher {
	t.Helper()
	pub, err := NewPublisher(connectTCP(t, srv), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = pub.Close() })
	return pub
}

func TestPublisher_MessagesArriveByteIdenticalWithHeaders(t *testing.T) {
	srv := startTestServer(t)
	js := newJS(t, connectTCP(t, srv))
	stream, subject := testStream(t, js)
	pub := newPublisher(t, srv, PublisherConfig{})

	const n = 50
	rng := rand.New(rand.NewPCG(1, 2))
	sent := make([]*message.Message, n)
	for i := range sent {
		payload := make([]byte, rng.IntN(4096))
		for j := range payload {
			payload[j] = byte(rng.UintN(256)) // binary, NULs, invalid UTF-8
		}
		sent[i] = message.NewMessage(fmt.Sprintf("uuid-%d", i), payload)
		sent[i].Metadata.Set("event_type", "compute.instance.create.end")
		sent[i].Metadata.Set("Mixed-Case", fmt.Sprintf("v%d", i))
		sent[i].Metadata.Set("empty", "")
		sent[i].Metadata.Set(MetadataStreamSeq, "99") // receive-side key: dropped
	}
	if err := pub.Publish(subject, sent...); err != nil {
		t.Fatal(err)
	}

	s, err := js.Stream(context.Background(), stream)
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range sent {
		raw, err := s.GetMsg(context.Background(), uint64(i+1))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(raw.Data, want.Payload) {
			t.Fatalf("message %d: payload differs (%d vs %d bytes)", i, len(raw.Data), len(want.Payload))
		}
		h := raw.Header
		if h.Get("event_type") != "compute.instance.create.end" || h.Get("Mixed-Case") != fmt.Sprintf("v%d", i) ||
			len(h.Values("empty")) != 1 || h.Get(UUIDHeader) != want.UUID {
			t.Fatalf("message %d: headers %v", i, h)
		}
		if h.Get(MetadataStreamSeq) != "" || h.Get(MsgIDKey) != "" {
			t.Fatalf("message %d: unexpected headers %v", i, h)
		}
	}
}

func TestPublisher_SameMsgIDIsStoredOnce(t *testing.T) {
	srv := startTestServer(t)
	js := newJS(t, connectTCP(t, srv))
	stream, subject := testStream(t, js)

	var mu sync.Mutex
	var dups []string
	pub := newPublisher(t, srv, PublisherConfig{OnDuplicate: func(subj, id string) {
		mu.Lock()
		dups = append(dups, subj+"/"+id)
		mu.Unlock()
	}})

	msg := func() *message.Message {
		return newMsg("u1", "body", map[string]string{MsgIDKey: "oslo-message-id-1"})
	}
	if err := pub.Publish(subject, msg()); err != nil {
		t.Fatal(err)
	}
	f, err := pub.PublishAsync(context.Background(), subject, msg())
	if err != nil {
		t.Fatal(err)
	}
	ack, err := f.Wait(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if !ack.Duplicate || ack.Sequence != 1 {
		t.Fatalf("second ack = %+v, want duplicate of seq 1", ack)
	}
	if n := streamMsgs(t, js, stream); n != 1 {
		t.Fatalf("stream has %d messages, want 1", n)
	}
	if st := pub.Stats(); st.Duplicates != 1 || st.Acked != 2 {
		t.Fatalf("stats = %+v", st)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(dups) != 1 || dups[0] != subject+"/oslo-message-id-1" {
		t.Fatalf("OnDuplicate calls = %v", dups)
	}
}

func TestPublisher_UUIDAsMsgIDWhenConfigured(t *testing.T) {
	srv := startTestServer(t)
	js := newJS(t, connectTCP(t, srv))
	stream, subject := testStream(t, js)

	plain := newPublisher(t, srv, PublisherConfig{})
	for range 2 {
		if err := plain.Publish(subject, newMsg("same-uuid", "x", nil)); err != nil {
			t.Fatal(err)
		}
	}
	if n := streamMsgs(t, js, stream); n != 2 {
		t.Fatalf("default publisher deduplicated by UUID: %d messages", n)
	}

	byUUID := newPublisher(t, srv, PublisherConfig{MsgID: MsgIDFromMetadataOrUUID})
	for range 2 {
		if err := byUUID.Publish(subject, newMsg("other-uuid", "x", nil)); err != nil {
			t.Fatal(err)
		}
	}
	if n := streamMsgs(t, js, stream); n != 3 {
		t.Fatalf("stream has %d messages, want 3", n)
	}
}

func TestPublisher_PublishReturnsOnlyAfterEveryAck(t *testing.T) {
	srv := startTestServer(t)
	js := newJS(t, connectTCP(t, srv))
	stream, subject := testStream(t, js)
	pub := newPublisher(t, srv, PublisherConfig{MaxPending: 16})

	const n = 500
	msgs := make([]*message.Message, n)
	for i := range msgs {
		msgs[i] = newMsg(fmt.Sprint(i), "payload", map[string]string{MsgIDKey: fmt.Sprint("id-", i)})
	}
	if err := pub.Publish(subject, msgs...); err != nil {
		t.Fatal(err)
	}
	// No waiting: once Publish returned, everything is stored.
	if got := streamMsgs(t, js, stream); got != n {
		t.Fatalf("stream has %d messages right after Publish, want %d", got, n)
	}
	if st := pub.Stats(); st.Pending != 0 || st.Acked != n {
		t.Fatalf("stats = %+v", st)
	}
}

func TestPublisher_StoppedServerIsAnErrorNotASilentSuccess(t *testing.T) {
	srv, err := StartServer(ServerConfig{ListenAddr: "127.0.0.1:0", DataDir: t.TempDir(), MaxStore: testMaxStore})
	if err != nil {
		t.Fatal(err)
	}
	nc := connectTCP(t, srv)
	_, subject := testStream(t, newJS(t, nc))
	pub, err := NewPublisher(nc, PublisherConfig{AckTimeout: 500 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer pub.Close()
	if err := pub.Publish(subject, newMsg("before", "x", nil)); err != nil {
		t.Fatal(err)
	}

	shutdown(t, srv)

	start := time.Now()
	err = pub.Publish(subject, newMsg("after", "x", nil))
	if err == nil {
		t.Fatal("Publish succeeded with the server stopped")
	}
	if !errors.Is(err, ErrPublishTimeout) && !errors.Is(err, ErrPublishNotAcked) {
		t.Fatalf("err = %v, want ErrPublishTimeout or ErrPublishNotAcked", err)
	}
	var pe *PublishError
	if !errors.As(err, &pe) || pe.UUID != "after" {
		t.Fatalf("err = %v, want a *PublishError for message 'after'", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("Publish took %s", d)
	}
	t.Logf("after %s: %v", time.Since(start), err)
	if pub.Stats().Failed == 0 {
		t.Fatal("failure not counted")
	}
}

func TestPublisher_Errors(t *testing.T) {
	srv := startTestServer(t)
	js := newJS(t, connectTCP(t, srv))
	_, subject := testStream(t, js, func(c *StreamConfig) { c.MaxMsgs = 1 })
	pub := newPublisher(t, srv, PublisherConfig{})

	t.Run("no stream for the subject", func(t *testing.T) {
		err := pub.Publish("nobody.listens."+uniqueName("x"), newMsg("u", "x", nil))
		if !errors.Is(err, ErrPublishNotAcked) || !errors.Is(err, jetstream.ErrNoStreamResponse) {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("stream full with DiscardNew", func(t *testing.T) {
		if err := pub.Publish(subject, newMsg("1", "x", nil)); err != nil {
			t.Fatal(err)
		}
		err := pub.Publish(subject, newMsg("2", "x", nil))
		if !errors.Is(err, ErrStreamFull) || !errors.Is(err, ErrPublishNotAcked) {
			t.Fatalf("err = %v, want ErrStreamFull", err)
		}
	})
	t.Run("metadata not representable", func(t *testing.T) {
		for _, md := range []map[string]string{{"bad key": "v"}, {"k:": "v"}, {"k": "line\nbreak"}} {
			if err := pub.Publish(subject, newMsg("u", "x", md)); !errors.Is(err, ErrInvalidMetadata) {
				t.Fatalf("metadata %v: err = %v, want ErrInvalidMetadata", md, err)
			}
		}
	})
	t.Run("wildcard topic", func(t *testing.T) {
		if err := pub.Publish("a.*", newMsg("u", "x", nil)); !errors.Is(err, ErrPublishNotAcked) {
			t.Fatalf("err = %v", err)
		}
	})
}

func TestPublisher_PublishBatchReportsPerMessage(t *testing.T) {
	srv := startTestServer(t)
	js := newJS(t, connectTCP(t, srv))
	stream, subject := testStream(t, js)
	pub := newPublisher(t, srv, PublisherConfig{})

	ok := pub.PublishBatch(context.Background(), subject, newMsg("a", "1", nil), newMsg("b", "2", nil))
	if ok != nil {
		t.Fatalf("errs = %v, want nil", ok)
	}
	errs := pub.PublishBatch(context.Background(), subject,
		newMsg("c", "3", nil), newMsg("d", "4", map[string]string{"bad key": "x"}), newMsg("e", "5", nil))
	if len(errs) != 3 || errs[0] != nil || errs[2] != nil || !errors.Is(errs[1], ErrInvalidMetadata) {
		t.Fatalf("errs = %v", errs)
	}
	if n := streamMsgs(t, js, stream); n != 4 {
		t.Fatalf("stream has %d messages, want 4", n)
	}
}

func TestPublisher_WindowBoundsInFlightAndRespectsContext(t *testing.T) {
	srv := startTestServer(t)
	// A plain subscriber that never replies: publishes to it are answered by
	// neither a PubAck nor "no responders", so the slot stays taken.
	blackhole := "blackhole." + uniqueName("x")
	if _, err := connectTCP(t, srv).Subscribe(blackhole, func(*nats.Msg) {}); err != nil {
		t.Fatal(err)
	}
	pub := newPublisher(t, srv, PublisherConfig{MaxPending: 1, AckTimeout: time.Second})

	first, err := pub.PublishAsync(context.Background(), blackhole, newMsg("1", "x", nil))
	if err != nil {
		t.Fatal(err)
	}
	if pub.Stats().Pending != 1 {
		t.Fatalf("pending = %d", pub.Stats().Pending)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if _, err := pub.PublishAsync(ctx, blackhole, newMsg("2", "x", nil)); !errors.Is(err, ErrPublishTimeout) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want ErrPublishTimeout from the context", err)
	}
	if _, err := first.Wait(context.Background()); !errors.Is(err, ErrPublishTimeout) {
		t.Fatalf("first: err = %v, want ErrPublishTimeout after AckTimeout", err)
	}
	if pub.Stats().Pending != 0 {
		t.Fatal("slot not released after failure")
	}
	// The freed slot is usable again.
	third, err := pub.PublishAsync(ctxTimeout(t, time.Second), blackhole, newMsg("3", "x", nil))
	if err != nil {
		t.Fatal(err)
	}
	<-third.Done()
}

func TestPublisher_CloseFlushesThenRefuses(t *testing.T) {
	srv := startTestServer(t)
	js := newJS(t, connectTCP(t, srv))
	stream, subject := testStream(t, js)
	pub, err := NewPublisher(connectTCP(t, srv), PublisherConfig{})
	if err != nil {
		t.Fatal(err)
	}

	futures := make([]*PublishFuture, 100)
	for i := range futures {
		if futures[i], err = pub.PublishAsync(context.Background(), subject, newMsg(fmt.Sprint(i), "x", nil)); err != nil {
			t.Fatal(err)
		}
	}
	if err := pub.Close(); err != nil {
		t.Fatal(err)
	}
	for i, f := range futures {
		select {
		case <-f.Done():
		default:
			t.Fatalf("future %d unresolved after Close", i)
		}
		if _, err := f.Result(); err != nil {
			t.Fatalf("future %d: %v", i, err)
		}
	}
	if n := streamMsgs(t, js, stream); n != 100 {
		t.Fatalf("stream has %d messages", n)
	}
	if err := pub.Publish(subject, newMsg("late", "x", nil)); !errors.Is(err, ErrPublisherClosed) {
		t.Fatalf("err = %v, want ErrPublisherClosed", err)
	}
	if err := pub.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
}

func TestPublisherConfig_Validate(t *testing.T) {
	for name, cfg := range map[string]PublisherConfig{
		"negative window":  {MaxPending: -1},
		"negative timeout": {AckTimeout: -time.Second},
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := NewPublisher(nil, cfg); !errors.Is(err, ErrInvalidOption) {
				t.Fatalf("err = %v", err)
			}
		})
	}
	if _, err := NewPublisher(nil, PublisherConfig{}); !errors.Is(err, ErrInvalidOption) {
		t.Fatalf("nil connection: err = %v", err)
	}
}

// BenchmarkPublishAsync publishes 1 KiB messages, each with its own
// Nats-Msg-Id, the way the bridge does: up to MaxPending in flight, settling
// the oldest future once twice that many are outstanding. Reports msgs/s.
func BenchmarkPublishAsync(b *testing.B) {
	for _, transport := range []string{"tcp", "inprocess"} {
		b.Run(transport, func(b *testing.B) {
			srv := startTestServer(b)
			nc := connectTCP(b, srv)
			if transport == "inprocess" {
				var err error
				if nc, err = srv.Connect(); err != nil {
					b.Fatal(err)
				}
			}
			_, subject := testStream(b, newJS(b, nc), func(c *StreamConfig) { c.MaxBytes = 8 << 30 })
			pub, err := NewPublisher(nc, PublisherConfig{})
			if err != nil {
				b.Fatal(err)
			}
			defer pub.Close()

			payload := bytes.Repeat([]byte("m"), 1024)
			inflight := make(chan *PublishFuture, 2*DefaultMaxPending)
			settle := func(f *PublishFuture) {
				if _, err := f.Wait(context.Background()); err != nil {
					b.Fatal(err)
				}
			}
			ctx := context.Background()
			b.SetBytes(int64(len(payload)))
			b.ReportAllocs()
			b.ResetTimer()
			start := time.Now()
			for i := 0; i < b.N; i++ {
				msg := message.NewMessage("", payload)
				msg.Metadata[MsgIDKey] = "bench-" + strconv.Itoa(i)
				f, err := pub.PublishAsync(ctx, subject, msg)
				if err != nil {
					b.Fatal(err)
				}
				if len(inflight) == cap(inflight) {
					settle(<-inflight)
				}
				inflight <- f
			}
			for len(inflight) > 0 {
				settle(<-inflight)
			}
			b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "msgs/s")
		})
	}
}

// BenchmarkPublishAsyncBaseline is the same load through bare nats.go, to
// show the Publisher's own overhead.
func BenchmarkPublishAsyncBaseline(b *testing.B) {
	srv := startTestServer(b)
	nc := connectTCP(b, srv)
	_, subject := testStream(b, newJS(b, nc), func(c *StreamConfig) { c.MaxBytes = 8 << 30 })
	js, err := jetstream.New(nc, jetstream.WithPublishAsyncMaxPending(DefaultMaxPending))
	if err != nil {
		b.Fatal(err)
	}
	payload := bytes.Repeat([]byte("m"), 1024)
	b.SetBytes(int64(len(payload)))
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	for i := 0; i < b.N; i++ {
		m := &nats.Msg{Subject: subject, Data: payload, Header: nats.Header{}}
		m.Header.Set(jetstream.MsgIDHeader, "bench-"+strconv.Itoa(i))
		if _, err := js.PublishMsgAsync(m, jetstream.WithStallWait(time.Minute)); err != nil {
			b.Fatal(err)
		}
	}
	<-js.PublishAsyncComplete()
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "msgs/s")
}

func TestPublisher_PublishEachGivesUpWithItsContext(t *testing.T) {
	srv := startTestServer(t)
	js := newJS(t, connectTCP(t, srv))
	stream, subject := testStream(t, js)
	// no PubAck ever comes from a plain subscriber
	blackhole := "blackhole." + uniqueName("x")
	if _, err := connectTCP(t, srv).Subscribe(blackhole, func(*nats.Msg) {}); err != nil {
		t.Fatal(err)
	}
	pub := newPublisher(t, srv, PublisherConfig{AckTimeout: time.Second})

	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	msgs := []*message.Message{newMsg("a", "1", nil), newMsg("b", "2", nil), newMsg("c", "3", nil)}
	err := pub.PublishEach(ctx, []string{subject, blackhole, subject}, msgs)
	var pe *PublishError
	if !errors.Is(err, ErrPublishTimeout) || !errors.As(err, &pe) || pe.Index != 1 || pe.UUID != "b" {
		t.Fatalf("err = %v, want ErrPublishTimeout for message 1 alone", err)
	}
	if joined, ok := err.(interface{ Unwrap() []error }); !ok || len(joined.Unwrap()) != 1 {
		t.Fatalf("err = %v, want exactly one failed message", err)
	}
	if n := streamMsgs(t, js, stream); n != 2 {
		t.Fatalf("stream has %d messages, want 2", n)
	}
	// the abandoned publish still times out and frees its slot
	deadline := time.Now().Add(3 * time.Second)
	for pub.Stats().Pending != 0 {
		if time.Now().After(deadline) {
			t.Fatalf("pending = %d after AckTimeout", pub.Stats().Pending)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if st := pub.Stats(); st.Acked != 2 || st.Failed != 1 {
		t.Fatalf("stats = %+v", st)
	}
}
