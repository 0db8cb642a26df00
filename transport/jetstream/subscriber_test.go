package jetstream

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/nats-io/nats.go/jetstream"
)

func newSubscriber(t testing.TB, srv *Server, cfg SubscriberConfig) *Subscriber {
	t.Helper()
	sub, err := NewSubscriber(connectTCP(t, srv), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sub.Close() })
	return sub
}

func publishN(t testing.TB, srv *Server, subject string, n int) {
	t.Helper()
	pub := newPublisher(t, srv, PublisherConfig{})
	msgs := make([]*message.Message, n)
	for i := range msgs {
		msgs[i] = newMsg(fmt.Sprint("m", i), fmt.Sprint("payload-", i), map[string]string{"n": strconv.Itoa(i)})
	}
	if err := pub.Publish(subject, msgs...); err != nil {
		t.Fatal(err)
	}
}

func consumerInfo(t testing.TB, js jetstream.JetStream, stream, durable string) *jetstream.ConsumerInfo {
	t.Helper()
	c, err := js.Consumer(context.Background(), stream, durable)
	if err != nil {
		t.Fatal(err)
	}
	info, err := c.Info(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return info
}

func TestSubscriber_DurableReceivesAllAndAckClearsPending(t *testing.T) {
	srv := startTestServer(t)
	js := newJS(t, connectTCP(t, srv))
	stream, subject := testStream(t, js)
	publishN(t, srv, subject, 100)

	durable := uniqueName("D")
	sub := newSubscriber(t, srv, SubscriberConfig{Durable: durable})
	ch, err := sub.Subscribe(ctxTimeout(t, 30*time.Second), subject)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 100; i++ {
		m := receive(t, ch, 5*time.Second)
		if string(m.Payload) != fmt.Sprint("payload-", i) || m.UUID != fmt.Sprint("m", i) || m.Metadata.Get("n") != strconv.Itoa(i) {
			t.Fatalf("message %d: uuid %s payload %q metadata %v", i, m.UUID, m.Payload, m.Metadata)
		}
		md := m.Metadata
		if md.Get(MetadataStream) != stream || md.Get(MetadataConsumer) != durable || md.Get(MetadataSubject) != subject ||
			md.Get(MetadataStreamSeq) != strconv.Itoa(i+1) || md.Get(MetadataNumDelivered) != "1" {
			t.Fatalf("message %d: JetStream metadata %v", i, md)
		}
		if ts, err := time.Parse(time.RFC3339Nano, md.Get(MetadataTimestamp)); err != nil || time.Since(ts) > time.Minute {
			t.Fatalf("message %d: timestamp %q", i, md.Get(MetadataTimestamp))
		}
		if m.Context().Err() != nil {
			t.Fatal("context canceled before ack")
		}
		m.Ack()
		eventually(t, time.Second, "context canceled after ack", func() bool { return m.Context().Err() != nil })
	}
	eventually(t, 5*time.Second, "no pending acks", func() bool {
		info := consumerInfo(t, js, stream, durable)
		return info.NumAckPending == 0 && info.NumPending == 0 && info.AckFloor.Stream == 100
	})
	if st := sub.Stats(); st.Delivered != 100 || st.Acked != 100 {
		t.Fatalf("stats = %+v", st)
	}
}

func TestSubscriber_NackRedeliversAfterNakDelay(t *testing.T) {
	srv := startTestServer(t)
	js := newJS(t, connectTCP(t, srv))
	_, subject := testStream(t, js)
	publishN(t, srv, subject, 1)

	sub := newSubscriber(t, srv, SubscriberConfig{Durable: uniqueName("D"), NakDelay: ConstantNakDelay(300 * time.Millisecond)})
	ch, err := sub.Subscribe(ctxTimeout(t, 30*time.Second), subject)
	if err != nil {
		t.Fatal(err)
	}
	first := receive(t, ch, 5*time.Second)
	nacked := time.Now()
	first.Nack()

	again := receive(t, ch, 5*time.Second)
	if d := time.Since(nacked); d < 250*time.Millisecond {
		t.Fatalf("redelivered after %s, before the 300ms nak delay", d)
	}
	if again.UUID != first.UUID || again.Metadata.Get(MetadataNumDelivered) != "2" ||
		again.Metadata.Get(MetadataStreamSeq) != first.Metadata.Get(MetadataStreamSeq) {
		t.Fatalf("redelivery %s %v", again.UUID, again.Metadata)
	}
	again.Ack()
	expectNone(t, ch, 500*time.Millisecond)
}

func TestSubscriber_UnackedMessageIsRedeliveredAfterAckWait(t *testing.T) {
	srv := startTestServer(t)
	js := newJS(t, connectTCP(t, srv))
	_, subject := testStream(t, js)
	publishN(t, srv, subject, 1)

	sub := newSubscriber(t, srv, SubscriberConfig{Durable: uniqueName("D"), AckWait: 500 * time.Millisecond, Concurrency: 2})
	ch, err := sub.Subscribe(ctxTimeout(t, 30*time.Second), subject)
	if err != nil {
		t.Fatal(err)
	}
	first := receive(t, ch, 5*time.Second) // never settled
	again := receive(t, ch, 5*time.Second)
	if again.UUID != first.UUID || again.Metadata.Get(MetadataNumDelivered) != "2" {
		t.Fatalf("redelivery %v", again.Metadata)
	}
	again.Ack()
	first.Ack() // late ack of the stale copy: harmless
}

func TestSubscriber_TwoSubscribersOnOneDurableSplitTheWork(t *testing.T) {
	srv := startTestServer(t)
	js := newJS(t, connectTCP(t, srv))
	stream, subject := testStream(t, js)
	const n = 300
	publishN(t, srv, subject, n)

	durable := uniqueName("D")
	cfg := SubscriberConfig{Durable: durable, PullMaxMessages: 10}
	ctx := ctxTimeout(t, 30*time.Second)

	var mu sync.Mutex
	seen := make(map[string]int)
	perSub := make([]int, 2)
	var wg sync.WaitGroup
	for i := range 2 {
		// Separate connections, as separate processes would have.
		ch, err := newSubscriber(t, srv, cfg).Subscribe(ctx, subject)
		if err != nil {
			t.Fatal(err)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			for m := range ch {
				mu.Lock()
				seen[m.UUID]++
				perSub[i]++
				mu.Unlock()
				time.Sleep(time.Millisecond) // let the other one get a share
				m.Ack()
			}
		}()
	}
	eventually(t, 20*time.Second, "all messages", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(seen) == n
	})
	expectQuiet := time.After(300 * time.Millisecond)
	<-expectQuiet

	mu.Lock()
	defer mu.Unlock()
	for uuid, c := range seen {
		if c != 1 {
			t.Fatalf("%s delivered %d times", uuid, c)
		}
	}
	if perSub[0] == 0 || perSub[1] == 0 || perSub[0]+perSub[1] != n {
		t.Fatalf("split = %v, want both > 0 summing to %d", perSub, n)
	}
	t.Logf("split %v", perSub)
	if info := consumerInfo(t, js, stream, durable); info.NumAckPending != 0 {
		t.Fatalf("ack pending = %d", info.NumAckPending)
	}
}

func TestSubscriber_ConcurrencyHandsOutSeveralUnackedMessages(t *testing.T) {
	srv := startTestServer(t)
	_, subject := testStream(t, newJS(t, connectTCP(t, srv)))
	publishN(t, srv, subject, 10)

	one := newSubscriber(t, srv, SubscriberConfig{Durable: uniqueName("D")})
	ch, err := one.Subscribe(ctxTimeout(t, 30*time.Second), subject)
	if err != nil {
		t.Fatal(err)
	}
	m := receive(t, ch, 5*time.Second)
	expectNone(t, ch, 200*time.Millisecond) // watermill contract: next only after ack
	m.Ack()
	receive(t, ch, 5*time.Second).Ack()

	four := newSubscriber(t, srv, SubscriberConfig{Durable: uniqueName("D"), Concurrency: 4})
	ch4, err := four.Subscribe(ctxTimeout(t, 30*time.Second), subject)
	if err != nil {
		t.Fatal(err)
	}
	held := make([]*message.Message, 4)
	for i := range held {
		held[i] = receive(t, ch4, 5*time.Second)
	}
	expectNone(t, ch4, 200*time.Millisecond)
	for _, m := range held {
		m.Ack()
	}
}

func TestSubscriber_CloseWaitsForInFlightAndReleasesBuffered(t *testing.T) {
	srv := startTestServer(t)
	js := newJS(t, connectTCP(t, srv))
	stream, subject := testStream(t, js)
	publishN(t, srv, subject, 20)

	durable := uniqueName("D")
	cfg := SubscriberConfig{Durable: durable, AckWait: time.Minute, PullMaxMessages: 20}
	first := newSubscriber(t, srv, cfg)
	ch, err := first.Subscribe(context.Background(), subject)
	if err != nil {
		t.Fatal(err)
	}
	inFlight := receive(t, ch, 5*time.Second)
	eventually(t, 5*time.Second, "buffer filled", func() bool {
		return consumerInfo(t, js, stream, durable).NumAckPending == 20
	})

	closed := make(chan error, 1)
	go func() { closed <- first.Close() }()
	select {
	case err := <-closed:
		t.Fatalf("Close returned (%v) before the in-flight message was acked", err)
	case <-time.After(300 * time.Millisecond):
	}
	inFlight.Ack()
	select {
	case err := <-closed:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Close did not return after the ack")
	}
	if _, ok := <-ch; ok {
		t.Fatal("channel still open after Close")
	}

	// Buffered messages were naked, not left to AckWait (1 minute): a new
	// subscriber gets the other 19 at once, and the acked one never again.
	second := newSubscriber(t, srv, cfg)
	ch2, err := second.Subscribe(ctxTimeout(t, 30*time.Second), subject)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 19; i++ {
		m := receive(t, ch2, 5*time.Second)
		if m.UUID == inFlight.UUID {
			t.Fatalf("acked message %s delivered again", m.UUID)
		}
		m.Ack()
	}
	expectNone(t, ch2, 300*time.Millisecond)
	if _, err := first.Subscribe(context.Background(), subject); !errors.Is(err, ErrSubscriberClosed) {
		t.Fatalf("Subscribe after Close: %v", err)
	}
}

func TestSubscriber_CloseTimeoutAbandonsUnsettledMessages(t *testing.T) {
	srv := startTestServer(t)
	_, subject := testStream(t, newJS(t, connectTCP(t, srv)))
	publishN(t, srv, subject, 1)

	sub := newSubscriber(t, srv, SubscriberConfig{Durable: uniqueName("D"), CloseTimeout: 200 * time.Millisecond})
	ch, err := sub.Subscribe(context.Background(), subject)
	if err != nil {
		t.Fatal(err)
	}
	receive(t, ch, 5*time.Second) // held forever
	start := time.Now()
	if err := sub.Close(); err == nil {
		t.Fatal("Close reported success with an unsettled message")
	}
	if d := time.Since(start); d < 150*time.Millisecond || d > 3*time.Second {
		t.Fatalf("Close took %s, want about CloseTimeout", d)
	}
	if _, ok := <-ch; ok {
		t.Fatal("channel still open")
	}
}

func TestSubscriber_CanceledContextClosesTheChannel(t *testing.T) {
	srv := startTestServer(t)
	_, subject := testStream(t, newJS(t, connectTCP(t, srv)))
	sub := newSubscriber(t, srv, SubscriberConfig{Durable: uniqueName("D")})
	ctx, cancel := context.WithCancel(context.Background())
	ch, err := sub.Subscribe(ctx, subject)
	if err != nil {
		t.Fatal(err)
	}
	cancel()
	select {
	case _, ok := <-ch:
		if ok {
			t.Fatal("unexpected message")
		}
	case <-time.After(5 * time.Second):
		t.Fatal("channel not closed after cancel")
	}
}

func TestSubscriber_ClosedConnectionClosesTheChannel(t *testing.T) {
	srv := startTestServer(t)
	_, subject := testStream(t, newJS(t, connectTCP(t, srv)))
	nc := connectTCP(t, srv)
	sub, err := NewSubscriber(nc, SubscriberConfig{Durable: uniqueName("D")})
	if err != nil {
		t.Fatal(err)
	}
	ch, err := sub.Subscribe(context.Background(), subject)
	if err != nil {
		t.Fatal(err)
	}
	nc.Close()
	select {
	case _, ok := <-ch:
		if ok {
			t.Fatal("unexpected message")
		}
	case <-time.After(5 * time.Second):
		t.Fatal("channel not closed after the connection closed")
	}
	if err := sub.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestSubscriber_SurvivesServerRestart(t *testing.T) {
	dir := t.TempDir()
	srv := startTestServer(t, func(c *ServerConfig) { c.DataDir = dir })
	addr := strings.TrimPrefix(srv.ClientURL(), "nats://")
	_, subject := testStream(t, newJS(t, connectTCP(t, srv)))
	publishN(t, srv, subject, 1)

	nc := connectTCP(t, srv, WithReconnectBackoff(20*time.Millisecond, 100*time.Millisecond))
	sub, err := NewSubscriber(nc, SubscriberConfig{Durable: uniqueName("D"), PullExpiry: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()
	ch, err := sub.Subscribe(ctxTimeout(t, 60*time.Second), subject)
	if err != nil {
		t.Fatal(err)
	}
	receive(t, ch, 5*time.Second).Ack()

	shutdown(t, srv)
	srv2 := startTestServer(t, func(c *ServerConfig) { c.DataDir = dir; c.ListenAddr = addr })
	eventually(t, 10*time.Second, "reconnect", nc.IsConnected)
	publishN(t, srv2, subject, 1)
	m := receive(t, ch, 20*time.Second)
	if m.Metadata.Get(MetadataStreamSeq) != "2" {
		t.Fatalf("after restart got %v", m.Metadata)
	}
	m.Ack()
}

func TestSubscriber_RejectsSecondTopicOnSameDurable(t *testing.T) {
	srv := startTestServer(t)
	js := newJS(t, connectTCP(t, srv))
	stream, subject := testStream(t, js)
	sub := newSubscriber(t, srv, SubscriberConfig{Durable: uniqueName("D"), Stream: stream})
	ctx := ctxTimeout(t, 30*time.Second)
	if _, err := sub.Subscribe(ctx, subject); err != nil {
		t.Fatal(err)
	}
	if _, err := sub.Subscribe(ctx, subject); err != nil {
		t.Fatalf("same topic twice: %v", err)
	}
	if _, err := sub.Subscribe(ctx, subject+"2"); !errors.Is(err, ErrInvalidOption) {
		t.Fatalf("err = %v, want ErrInvalidOption", err)
	}
}

func TestSubscriber_UnknownTopicFailsSubscribe(t *testing.T) {
	srv := startTestServer(t)
	sub := newSubscriber(t, srv, SubscriberConfig{Durable: uniqueName("D")})
	if _, err := sub.Subscribe(ctxTimeout(t, 10*time.Second), "no.stream."+uniqueName("x")); err == nil {
		t.Fatal("Subscribe succeeded without a stream")
	}
}

func TestSubscriber_ConsumerConfigFollowsSubscriberConfig(t *testing.T) {
	srv := startTestServer(t)
	js := newJS(t, connectTCP(t, srv))
	stream, subject := testStream(t, js)
	durable := uniqueName("D")
	sub := newSubscriber(t, srv, SubscriberConfig{
		Durable: durable, MaxAckPending: 50, MaxDeliver: 5,
		BackOff: []time.Duration{time.Second, 5 * time.Second},
	})
	if err := sub.SubscribeInitialize(subject); err != nil {
		t.Fatal(err)
	}
	got := consumerInfo(t, js, stream, durable).Config
	if got.Durable != durable || got.AckPolicy != jetstream.AckExplicitPolicy || got.FilterSubject != subject ||
		got.MaxAckPending != 50 || got.MaxDeliver != 5 || len(got.BackOff) != 2 || got.AckWait != time.Second {
		t.Fatalf("consumer config = %+v", got)
	}
}

func TestSubscriberConfig_Validate(t *testing.T) {
	tests := map[string]SubscriberConfig{
		"no durable":                         {},
		"dot in durable":                     {Durable: "a.b"},
		"bad filter":                         {Durable: "d", FilterSubjects: []string{"a..b"}},
		"negative ack wait":                  {Durable: "d", AckWait: -time.Second},
		"backoff longer than tries":          {Durable: "d", MaxDeliver: 1, BackOff: []time.Duration{time.Second, time.Second}},
		"zero backoff step":                  {Durable: "d", BackOff: []time.Duration{0}},
		"short expiry":                       {Durable: "d", PullExpiry: time.Millisecond},
		"concurrency beyond max ack pending": {Durable: "d", Concurrency: 10, MaxAckPending: 5},
		"negative concurrency":               {Durable: "d", Concurrency: -1},
	}
	for name, cfg := range tests {
		t.Run(name, func(t *testing.T) {
			if _, err := NewSubscriber(nil, cfg); !errors.Is(err, ErrInvalidOption) {
				t.Fatalf("err = %v, want ErrInvalidOption", err)
			}
		})
	}
}
