package jetstream

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// dropProxy forwards NATS client connections to a server, dropping the
// first `drop` publishes whose subject starts with prefix: the server never
// sees them, while the client believes they were sent.
type dropProxy struct {
	url     string
	prefix  string
	drop    int64
	dropped atomic.Int64
}

func newDropProxy(t testing.TB, serverURL, prefix string, drop int) *dropProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &dropProxy{url: "nats://" + ln.Addr().String(), prefix: prefix, drop: int64(drop)}
	target := strings.TrimPrefix(serverURL, "nats://")
	var wg sync.WaitGroup
	var mu sync.Mutex
	var conns []net.Conn
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		for _, c := range conns {
			c.Close()
		}
		mu.Unlock()
		wg.Wait()
	})
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			client, err := ln.Accept()
			if err != nil {
				return
			}
			server, err := net.Dial("tcp", target)
			if err != nil {
				client.Close()
				continue
			}
			mu.Lock()
			conns = append(conns, client, server)
			mu.Unlock()
			wg.Add(2)
			go func() { defer wg.Done(); _, _ = io.Copy(client, server); client.Close() }()
			go func() { defer wg.Done(); p.forward(server, client); server.Close() }()
		}
	}()
	return p
}

// forward copies the client's protocol to the server command by command.
func (p *dropProxy) forward(server io.Writer, client io.Reader) {
	r := bufio.NewReader(client)
	for {
		line, err := r.ReadBytes('\n')
		if err != nil {
			return
		}
		out := line
		if fields := strings.Fields(string(line)); len(fields) >= 3 && (fields[0] == "PUB" || fields[0] == "HPUB") {
			size, err := strconv.Atoi(fields[len(fields)-1])
			if err != nil {
				return
			}
			payload := make([]byte, size+2) // and its CRLF
			if _, err := io.ReadFull(r, payload); err != nil {
				return
			}
			if strings.HasPrefix(fields[1], p.prefix) && p.dropped.Load() < p.drop {
				p.dropped.Add(1)
				continue
			}
			out = append(bytes.Clone(line), payload...)
		}
		if _, err := server.Write(out); err != nil {
			return
		}
	}
}

// A pull request that never reaches the server leaves nats.go waiting for
// messages the server does not know to send, until two idle heartbeats
// (PullExpiry/2 each) are missed and it pulls again: 10 seconds by default.
// With nats.go's 30 s expiry the consumer stalled for 30 seconds.
func TestSubscriber_RecoversFromALostPullRequest(t *testing.T) {
	srv := startTestServer(t)
	js := newJS(t, connectTCP(t, srv))
	_, subject := testStream(t, js)
	px := newDropProxy(t, srv.ClientURL(), "$JS.API.CONSUMER.MSG.NEXT.", 1)

	nc, err := Connect(px.url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	sub, err := NewSubscriber(nc, SubscriberConfig{Durable: uniqueName("D")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sub.Close() })
	ch := subscribe(t, sub, subject)
	eventually(t, 5*time.Second, "the first pull request to be dropped", func() bool { return px.dropped.Load() == 1 })

	publishN(t, srv, subject, 1)
	published := time.Now()
	m := receive(t, ch, 40*time.Second)
	m.Ack()
	took := time.Since(published)
	t.Logf("delivered %s after the publish", took.Round(time.Millisecond))
	if limit := DefaultPullExpiry + 3*time.Second; took > limit {
		t.Errorf("the message waited %s for a new pull request, want at most %s", took, limit)
	}
	if st := sub.Stats(); st.MissedHeartbeats == 0 {
		t.Errorf("stats = %+v, want the missed heartbeat counted", st)
	}
}

// While every worker is busy nobody reads the subscription's buffer. In
// nats.go's iterator, which holds exactly PullMaxMessages with status
// messages, idle heartbeats piled up there and took the room of the
// messages the server delivered next, which it dropped (slow consumer)
// until AckWait: with a 500 ms heartbeat this test lost late0 and late1.
func TestSubscriber_BusyWorkersDoNotCrowdOutMessages(t *testing.T) {
	srv := startTestServer(t)
	js := newJS(t, connectTCP(t, srv))
	_, subject := testStream(t, js)
	publishN(t, srv, subject, 2)

	sub := newSubscriber(t, srv, SubscriberConfig{Durable: uniqueName("D"), AckWait: time.Minute, PullMaxMessages: 4, PullExpiry: 4 * time.Second})
	ch := subscribe(t, sub, subject)
	// The one worker holds the first message, the reader the second; the
	// pull request still waits for two more, idle, sending heartbeats.
	first := receive(t, ch, 5*time.Second)
	time.Sleep(3 * time.Second)
	pub := newPublisher(t, srv, PublisherConfig{})
	for i := range 4 {
		if err := pub.Publish(subject, newMsg(fmt.Sprint("late", i), "x", nil)); err != nil {
			t.Fatal(err)
		}
	}
	time.Sleep(2 * time.Second)
	first.Ack()
	for i := range 5 {
		m := receive(t, ch, 5*time.Second)
		if i > 0 && m.UUID != fmt.Sprint("late", i-1) {
			t.Fatalf("message %d is %s", i, m.UUID)
		}
		m.Ack()
	}
}

// After a reconnect nats.go's iterator forgot what its buffer still held
// and pulled PullMaxMessages afresh; what the server sent beyond the
// buffer's room was dropped (slow consumer) and waited for AckWait.
// missingAfterReconnect reports how many messages were still missing 5 s
// after the reconnect, with the worker busy and the buffer full before it.
func missingAfterReconnect(t *testing.T, maxAckPending int) int {
	dir := t.TempDir()
	srv := startTestServer(t, func(c *ServerConfig) { c.DataDir = dir })
	addr := strings.TrimPrefix(srv.ClientURL(), "nats://")
	_, subject := testStream(t, newJS(t, connectTCP(t, srv)))
	const n = 40
	publishN(t, srv, subject, n)

	nc := connectTCP(t, srv, WithReconnectBackoff(20*time.Millisecond, 100*time.Millisecond))
	sub, err := NewSubscriber(nc, SubscriberConfig{
		Durable: uniqueName("D"), AckWait: time.Minute, Concurrency: 1,
		PullMaxMessages: 8, MaxAckPending: maxAckPending,
	})
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()
	ch := subscribe(t, sub, subject)
	first := receive(t, ch, 5*time.Second) // held: the reader waits, the buffer is full
	time.Sleep(200 * time.Millisecond)

	shutdown(t, srv)
	startTestServer(t, func(c *ServerConfig) { c.DataDir = dir; c.ListenAddr = addr })
	eventually(t, 10*time.Second, "reconnect", nc.IsConnected)
	time.Sleep(200 * time.Millisecond)
	first.Ack()

	got := 1
	deadline := time.After(5 * time.Second)
	for got < n {
		select {
		case m := <-ch:
			m.Ack()
			got++
		case <-deadline:
			return n - got
		}
	}
	return 0
}

// MaxAckPending 100 lets the server send far more than the buffer of 8
// holds: with nats.go's iterator 20 of 200 messages were missing over five
// such reconnects; each fetch asks only for the room it has.
func TestSubscriber_ReconnectDoesNotOverflowTheBuffer(t *testing.T) {
	for i := range 5 {
		if missing := missingAfterReconnect(t, 100); missing != 0 {
			t.Fatalf("run %d: %d messages missing 5 s after the reconnect (dropped, waiting for AckWait)", i, missing)
		}
	}
}

// A consumer deleted under a subscription is created again, and the
// subscription goes on.
func TestSubscriber_RecreatesADeletedConsumer(t *testing.T) {
	srv := startTestServer(t)
	js := newJS(t, connectTCP(t, srv))
	stream, subject := testStream(t, js)
	publishN(t, srv, subject, 1)

	durable := uniqueName("D")
	sub := newSubscriber(t, srv, SubscriberConfig{Durable: durable})
	ch := subscribe(t, sub, subject)
	receive(t, ch, 5*time.Second).Ack()
	if err := js.DeleteConsumer(context.Background(), stream, durable); err != nil {
		t.Fatal(err)
	}
	pub := newPublisher(t, srv, PublisherConfig{})
	if err := pub.Publish(subject, newMsg("after", "x", nil)); err != nil {
		t.Fatal(err)
	}
	deadline := time.After(15 * time.Second)
	for {
		select {
		case m := <-ch:
			m.Ack() // the new consumer starts over: m0 comes again first
			if m.UUID == "after" {
				consumerInfo(t, js, stream, durable)
				return
			}
		case <-deadline:
			t.Fatal("no message after the consumer was deleted")
		}
	}
}

// The server hands a consumer's messages to its waiting pull requests in
// turn. A fetch that received part of its batch stays open until its
// expiry; the messages of the fetch after it must not wait for that (they
// did: up to PullExpiry, 10 s by default, for every other message at a low
// rate).
func TestSubscriber_TrickleIsNotHeldBehindAnOpenFetch(t *testing.T) {
	srv := startTestServer(t)
	js := newJS(t, connectTCP(t, srv))
	_, subject := testStream(t, js)

	sub := newSubscriber(t, srv, SubscriberConfig{Durable: uniqueName("D"), AckWait: time.Minute,
		Concurrency: 4, PullMaxMessages: 16, PullExpiry: 10 * time.Second})
	ch := subscribe(t, sub, subject)
	// A burst fills part of the first fetch's batch (9 of 16); once the
	// workers took them, the room warrants a second fetch.
	pub := newPublisher(t, srv, PublisherConfig{})
	for i := range 9 {
		if err := pub.Publish(subject, newMsg(fmt.Sprint("burst", i), "x", nil)); err != nil {
			t.Fatal(err)
		}
	}
	for range 9 {
		receive(t, ch, 5*time.Second).Ack()
	}
	time.Sleep(300 * time.Millisecond) // both fetches wait at the server
	for i := range 6 {
		sent := time.Now()
		if err := pub.Publish(subject, newMsg(fmt.Sprint("m", i), "x", nil)); err != nil {
			t.Fatal(err)
		}
		m := receive(t, ch, 5*time.Second)
		if d := time.Since(sent); d > time.Second {
			t.Errorf("message %d (%s) arrived after %s", i, m.UUID, d.Round(time.Millisecond))
		}
		m.Ack()
	}
}
