package jetstream

import (
	"context"
	"errors"
	"strconv"
	"testing"
	"time"
)

func newOrdered(t testing.TB, srv *Server, cfg OrderedSubscriberConfig) *OrderedSubscriber {
	t.Helper()
	sub, err := NewOrderedSubscriber(connectTCP(t, srv), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sub.Close() })
	return sub
}

func TestOrderedSubscriber_ReplaysFromStartSequenceInOrder(t *testing.T) {
	srv := startTestServer(t)
	_, subject := testStream(t, newJS(t, connectTCP(t, srv)))
	publishN(t, srv, subject, 20)

	ch, err := newOrdered(t, srv, OrderedSubscriberConfig{StartSeq: 11}).Subscribe(ctxTimeout(t, 30*time.Second), subject)
	if err != nil {
		t.Fatal(err)
	}
	for seq := 11; seq <= 20; seq++ {
		m := receive(t, ch, 5*time.Second)
		if got := m.Metadata.Get(MetadataStreamSeq); got != strconv.Itoa(seq) {
			t.Fatalf("got seq %s, want %d", got, seq)
		}
		if m.Metadata.Get("n") != strconv.Itoa(seq-1) {
			t.Fatalf("seq %d carries n=%s", seq, m.Metadata.Get("n"))
		}
		m.Ack()
	}
	expectNone(t, ch, 300*time.Millisecond)
}

func TestOrderedSubscriber_ReplaysFromStartTime(t *testing.T) {
	srv := startTestServer(t)
	_, subject := testStream(t, newJS(t, connectTCP(t, srv)))
	publishN(t, srv, subject, 5)
	time.Sleep(50 * time.Millisecond)
	from := time.Now()
	time.Sleep(50 * time.Millisecond)
	publishN(t, srv, subject, 3)

	ch, err := newOrdered(t, srv, OrderedSubscriberConfig{StartTime: from}).Subscribe(ctxTimeout(t, 30*time.Second), subject)
	if err != nil {
		t.Fatal(err)
	}
	for seq := 6; seq <= 8; seq++ {
		m := receive(t, ch, 5*time.Second)
		if got := m.Metadata.Get(MetadataStreamSeq); got != strconv.Itoa(seq) {
			t.Fatalf("got seq %s, want %d", got, seq)
		}
		ts, _ := time.Parse(time.RFC3339Nano, m.Metadata.Get(MetadataTimestamp))
		if ts.Before(from) {
			t.Fatalf("message stored at %s, before start time %s", ts, from)
		}
		m.Ack()
	}
	expectNone(t, ch, 300*time.Millisecond)
}

func TestOrderedSubscriber_ReplayFollowsNewMessages(t *testing.T) {
	srv := startTestServer(t)
	_, subject := testStream(t, newJS(t, connectTCP(t, srv)))
	publishN(t, srv, subject, 2)
	ch, err := newOrdered(t, srv, OrderedSubscriberConfig{}).Subscribe(ctxTimeout(t, 30*time.Second), subject)
	if err != nil {
		t.Fatal(err)
	}
	receive(t, ch, 5*time.Second).Ack()
	receive(t, ch, 5*time.Second).Ack()
	publishN(t, srv, subject, 1)
	m := receive(t, ch, 5*time.Second)
	if m.Metadata.Get(MetadataStreamSeq) != "3" {
		t.Fatalf("got %v", m.Metadata)
	}
	m.Ack()
}

func TestOrderedSubscriber_NackRedeliversTheSameMessageKeepingOrder(t *testing.T) {
	srv := startTestServer(t)
	_, subject := testStream(t, newJS(t, connectTCP(t, srv)))
	publishN(t, srv, subject, 3)

	ch, err := newOrdered(t, srv, OrderedSubscriberConfig{NakDelay: ConstantNakDelay(100 * time.Millisecond)}).
		Subscribe(ctxTimeout(t, 30*time.Second), subject)
	if err != nil {
		t.Fatal(err)
	}
	receive(t, ch, 5*time.Second).Ack()
	m := receive(t, ch, 5*time.Second)
	m.Nack()
	again := receive(t, ch, 5*time.Second)
	if again.Metadata.Get(MetadataStreamSeq) != "2" || again.Metadata.Get(MetadataNumDelivered) != "2" {
		t.Fatalf("after nack got %v", again.Metadata)
	}
	again.Ack()
	m = receive(t, ch, 5*time.Second)
	if m.Metadata.Get(MetadataStreamSeq) != "3" {
		t.Fatalf("got %v", m.Metadata)
	}
	m.Ack()
}

func TestOrderedSubscriber_DoesNotDisturbDurableConsumers(t *testing.T) {
	srv := startTestServer(t)
	js := newJS(t, connectTCP(t, srv))
	stream, subject := testStream(t, js)
	publishN(t, srv, subject, 10)

	durable := uniqueName("D")
	live := newSubscriber(t, srv, SubscriberConfig{Durable: durable, PullMaxMessages: 1})
	liveCh, err := live.Subscribe(ctxTimeout(t, 30*time.Second), subject)
	if err != nil {
		t.Fatal(err)
	}
	for range 4 {
		receive(t, liveCh, 5*time.Second).Ack()
	}
	held := receive(t, liveCh, 5*time.Second)
	// The live subscription holds the 5th message and fetches the 6th
	// (MaxAckPending 2 by default) and no more: wait for that to settle.
	eventually(t, 5*time.Second, "ack floor at 4, two messages awaiting ack", func() bool {
		info := consumerInfo(t, js, stream, durable)
		return info.AckFloor.Stream == 4 && info.NumAckPending == 2
	})
	before := consumerInfo(t, js, stream, durable)

	replay := newOrdered(t, srv, OrderedSubscriberConfig{})
	ch, err := replay.Subscribe(ctxTimeout(t, 30*time.Second), subject)
	if err != nil {
		t.Fatal(err)
	}
	for range 10 {
		receive(t, ch, 5*time.Second).Ack()
	}
	if err := replay.Close(); err != nil {
		t.Fatal(err)
	}

	after := consumerInfo(t, js, stream, durable)
	if after.AckFloor.Stream != before.AckFloor.Stream || after.AckFloor.Consumer != before.AckFloor.Consumer ||
		after.Delivered.Stream != before.Delivered.Stream || after.Delivered.Consumer != before.Delivered.Consumer ||
		after.NumAckPending != before.NumAckPending || after.NumPending != before.NumPending {
		t.Fatalf("durable changed by the replay:\nbefore %+v\nafter  %+v", before, after)
	}
	held.Ack()
	m := receive(t, liveCh, 5*time.Second)
	if m.Metadata.Get(MetadataStreamSeq) != "6" {
		t.Fatalf("durable resumed at %v", m.Metadata)
	}
	m.Ack()
}

func TestOrderedSubscriber_CloseIsGraceful(t *testing.T) {
	srv := startTestServer(t)
	_, subject := testStream(t, newJS(t, connectTCP(t, srv)))
	publishN(t, srv, subject, 5)
	sub := newOrdered(t, srv, OrderedSubscriberConfig{})
	ch, err := sub.Subscribe(context.Background(), subject)
	if err != nil {
		t.Fatal(err)
	}
	m := receive(t, ch, 5*time.Second)
	closed := make(chan error, 1)
	go func() { closed <- sub.Close() }()
	select {
	case <-closed:
		t.Fatal("Close returned before the in-flight message was settled")
	case <-time.After(200 * time.Millisecond):
	}
	m.Ack()
	if err := <-closed; err != nil {
		t.Fatal(err)
	}
	if _, ok := <-ch; ok {
		t.Fatal("channel open after Close")
	}
	if _, err := sub.Subscribe(context.Background(), subject); !errors.Is(err, ErrSubscriberClosed) {
		t.Fatalf("err = %v", err)
	}
}

func TestOrderedSubscriberConfig_Validate(t *testing.T) {
	for name, cfg := range map[string]OrderedSubscriberConfig{
		"seq and time":  {StartSeq: 3, StartTime: time.Now()},
		"bad filter":    {FilterSubjects: []string{"a b"}},
		"short expiry":  {PullExpiry: time.Millisecond},
		"bad stream":    {Stream: "a.b"},
		"negative pull": {PullMaxMessages: -1},
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := NewOrderedSubscriber(nil, cfg); !errors.Is(err, ErrInvalidOption) {
				t.Fatalf("err = %v", err)
			}
		})
	}
}
