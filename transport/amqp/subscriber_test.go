package amqp

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"sort"
	"strings"
	"testing"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"
)

// testBroker is the RabbitMQ every integration test uses (MF_RABBIT_URL
// overrides the machine's default).
func testBroker(t testing.TB) string {
	t.Helper()
	url := os.Getenv("MF_RABBIT_URL")
	if url == "" {
		url = "amqp://guest:guest@127.0.0.1:5672/"
	}
	conn, err := amqp.Dial(url)
	if err != nil {
		t.Fatalf("RabbitMQ is required for this test (%s): %v", Redact(url), err)
	}
	conn.Close()
	return url
}

// uniqueNames returns an exchange name and a queue prefix nobody else uses,
// and deletes what they name when the test ends.
func uniqueNames(t testing.TB, url string, priorities ...string) (exchange, prefix string) {
	t.Helper()
	id := fmt.Sprintf("%x", rand.Uint64())
	exchange, prefix = "mftest-"+id, "mftest-"+id
	t.Cleanup(func() {
		conn, err := amqp.Dial(url)
		if err != nil {
			return
		}
		defer conn.Close()
		ch, err := conn.Channel()
		if err != nil {
			return
		}
		for _, p := range priorities {
			_, _ = ch.QueueDelete(prefix+".notifications."+p, false, false, false)
		}
		_ = ch.ExchangeDelete(exchange, false, false)
	})
	return exchange, prefix
}

func publish(t testing.TB, url, exchange, key string, bodies ...[]byte) {
	t.Helper()
	conn, err := amqp.Dial(url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	ch, err := conn.Channel()
	if err != nil {
		t.Fatal(err)
	}
	if err := ch.Confirm(false); err != nil {
		t.Fatal(err)
	}
	for _, b := range bodies {
		dc, err := ch.PublishWithDeferredConfirm(exchange, key, true, false, amqp.Publishing{Body: b})
		if err != nil {
			t.Fatal(err)
		}
		if ok, err := dc.WaitContext(context.Background()); !ok || err != nil {
			t.Fatalf("publish not confirmed: %v", err)
		}
	}
}

func queueDepth(t testing.TB, url, queue string) (messages, unacked int) {
	t.Helper()
	conn, err := amqp.Dial(url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	ch, err := conn.Channel()
	if err != nil {
		t.Fatal(err)
	}
	q, err := ch.QueueDeclarePassive(queue, false, false, false, false, nil)
	if err != nil {
		t.Fatal(err)
	}
	return q.Messages, 0
}

func TestSubscriberDeliversEveryMessageOnceAndAcksAfterHandlerAck(t *testing.T) {
	url := testBroker(t)
	exchange, prefix := uniqueNames(t, url, "info", "error")
	sub, err := NewSubscriber(Config{
		Brokers: []string{url}, Exchanges: []string{exchange}, Priorities: []string{"info", "error"},
		QueuePrefix: prefix, Prefetch: 50, AckBatch: 7,
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	msgs, err := sub.Subscribe(ctx, "notifications")
	if err != nil {
		t.Fatal(err)
	}
	waitConnected(t, sub)

	const n = 500
	var bodies [][]byte
	for i := 0; i < n; i++ {
		bodies = append(bodies, []byte(fmt.Sprintf(`{"i": %d}`, i)))
	}
	publish(t, url, exchange, "notifications.info", bodies[:n-10]...)
	publish(t, url, exchange, "notifications.error", bodies[n-10:]...)

	got := map[string]int{}
	keys := map[string]int{}
	for len(got) < n {
		select {
		case m := <-msgs:
			got[string(m.Payload)]++
			keys[m.Metadata.Get(MetadataRoutingKey)]++
			if m.Metadata.Get(MetadataExchange) != exchange {
				t.Fatalf("exchange metadata %q", m.Metadata.Get(MetadataExchange))
			}
			// ack out of order to exercise the contiguous-prefix logic
			go func() { time.Sleep(time.Duration(rand.IntN(3)) * time.Millisecond); m.Ack() }()
		case <-ctx.Done():
			t.Fatalf("received %d of %d", len(got), n)
		}
	}
	for b, c := range got {
		if c != 1 {
			t.Errorf("%s delivered %d times", b, c)
		}
	}
	if keys["notifications.info"] != n-10 || keys["notifications.error"] != 10 {
		t.Errorf("routing keys: %v", keys)
	}
	if err := sub.Close(); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{prefix + ".notifications.info", prefix + ".notifications.error"} {
		if m, _ := queueDepth(t, url, q); m != 0 {
			t.Errorf("queue %s still holds %d messages after every ack", q, m)
		}
	}
}

func TestSubscriberRequeuesNackedAndUnackedMessages(t *testing.T) {
	url := testBroker(t)
	exchange, prefix := uniqueNames(t, url, "info")
	cfg := Config{Brokers: []string{url}, Exchanges: []string{exchange}, Priorities: []string{"info"}, QueuePrefix: prefix, Prefetch: 10}
	sub, err := NewSubscriber(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	msgs, err := sub.Subscribe(ctx, "notifications")
	if err != nil {
		t.Fatal(err)
	}
	waitConnected(t, sub)
	publish(t, url, exchange, "notifications.info", []byte("a"), []byte("b"), []byte("c"))

	seen := []string{}
	nacked := false
	for len(seen) < 3 {
		m := <-msgs
		switch {
		case string(m.Payload) == "b" && !nacked:
			nacked = true
			m.Nack()
		case string(m.Payload) == "c":
			seen = append(seen, "c") // never settled: must come back after Close
		default:
			seen = append(seen, string(m.Payload))
			m.Ack()
		}
	}
	sort.Strings(seen)
	if fmt.Sprint(seen) != "[a b c]" {
		t.Fatalf("seen %v", seen)
	}
	closed := make(chan struct{})
	go func() { sub.Close(); close(closed) }()
	select {
	case <-closed:
		t.Fatal("Close returned while a delivered message was unsettled")
	case <-time.After(300 * time.Millisecond):
	}
	cancel() // the router gives up: the unsettled message is abandoned
	<-closed
	if m, _ := queueDepth(t, url, prefix+".notifications.info"); m != 1 {
		t.Fatalf("queue holds %d messages, want the 1 unsettled", m)
	}
}

func TestSubscriberUsesExistingExchangeWhateverItsDurability(t *testing.T) {
	url := testBroker(t)
	exchange, prefix := uniqueNames(t, url, "info")
	conn, err := amqp.Dial(url)
	if err != nil {
		t.Fatal(err)
	}
	ch, _ := conn.Channel()
	// oslo.messaging with amqp_durable_queues=True declared it durable
	if err := ch.ExchangeDeclare(exchange, "topic", true, false, false, false, nil); err != nil {
		t.Fatal(err)
	}
	conn.Close()
	sub, err := NewSubscriber(Config{Brokers: []string{url}, Exchanges: []string{exchange}, Priorities: []string{"info"}, QueuePrefix: prefix, Durable: false})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	msgs, _ := sub.Subscribe(ctx, "notifications")
	waitConnected(t, sub)
	publish(t, url, exchange, "notifications.info", []byte("x"))
	m := <-msgs
	m.Ack()
	sub.Close()
}

func waitConnected(t testing.TB, sub *Subscriber) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for sub.Connected() < len(sub.Brokers()) {
		if time.Now().After(deadline) {
			t.Fatal("subscriber did not connect")
		}
		time.Sleep(10 * time.Millisecond)
	}
	time.Sleep(100 * time.Millisecond) // topology declared before Connected; consumers start right after
}

// TestSubscriberRedeclaresTopologyAfterItsQueueIsDeleted deletes the queue
// under a running subscriber: the cancelled consumer makes it reconnect,
// re-declare the queue and its bindings, and consume again.
func TestSubscriberRedeclaresTopologyAfterItsQueueIsDeleted(t *testing.T) {
	url := testBroker(t)
	exchange, prefix := uniqueNames(t, url, "info")
	sub, err := NewSubscriber(Config{Brokers: []string{url}, Exchanges: []string{exchange}, Priorities: []string{"info"},
		QueuePrefix: prefix, ReconnectMin: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	defer sub.Close()
	msgs, _ := sub.Subscribe(ctx, "notifications")
	waitConnected(t, sub)
	queue := prefix + ".notifications.info"

	conn, err := amqp.Dial(url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	ch, _ := conn.Channel()
	if _, err := ch.QueueDelete(queue, false, false, false); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(15 * time.Second)
	for {
		probe, _ := conn.Channel()
		_, err := probe.QueueDeclarePassive(queue, false, false, false, false, nil)
		if err == nil {
			probe.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the queue was not re-declared")
		}
		time.Sleep(50 * time.Millisecond)
	}
	time.Sleep(200 * time.Millisecond)
	publish(t, url, exchange, "notifications.info", []byte("after"))
	select {
	case m := <-msgs:
		if string(m.Payload) != "after" {
			t.Fatalf("got %q", m.Payload)
		}
		m.Ack()
	case <-ctx.Done():
		t.Fatal("nothing consumed after the queue came back")
	}
}

// TestSubscriberConsumesSeveralBrokersAndFailsOverBetweenHosts uses two
// virtual hosts of the local RabbitMQ as two brokers (Ceilometer's
// messaging_urls); the second broker's URL lists a dead host first, so it
// is reached by failover.
func TestSubscriberConsumesSeveralBrokersAndFailsOverBetweenHosts(t *testing.T) {
	url := testBroker(t)
	exchange, prefix := uniqueNames(t, url, "info")
	vhost := "mftest-vh-" + prefix[len("mftest-"):]
	for _, args := range [][]string{{"add_vhost", vhost}, {"set_permissions", "-p", vhost, "guest", ".*", ".*", ".*"}} {
		if out, err := exec.Command("rabbitmqctl", args...).CombinedOutput(); err != nil {
			t.Fatalf("rabbitmqctl %v: %v\n%s", args, err, out)
		}
	}
	t.Cleanup(func() { _ = exec.Command("rabbitmqctl", "delete_vhost", vhost).Run() })
	second := "rabbit://guest:guest@127.0.0.1:1,guest:guest@127.0.0.1:5672/" + vhost
	sub, err := NewSubscriber(Config{Brokers: []string{url, second}, Exchanges: []string{exchange}, Priorities: []string{"info"},
		QueuePrefix: prefix})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	defer sub.Close()
	msgs, _ := sub.Subscribe(ctx, "notifications")
	waitConnected(t, sub)
	publish(t, url, exchange, "notifications.info", []byte("first broker"))
	publish(t, "amqp://guest:guest@127.0.0.1:5672/"+vhost, exchange, "notifications.info", []byte("second broker"))
	got := map[string]string{}
	for len(got) < 2 {
		select {
		case m := <-msgs:
			got[string(m.Payload)] = m.Metadata.Get(MetadataBroker)
			m.Ack()
		case <-ctx.Done():
			t.Fatalf("received only %v", got)
		}
	}
	if got["first broker"] == got["second broker"] {
		t.Fatalf("both messages credited to broker %q", got["first broker"])
	}
	if strings.Contains(got["second broker"], "guest") {
		t.Fatalf("broker name leaks credentials: %q", got["second broker"])
	}
}
