// Package testenv is what meterflow's integration tests share: the local
// RabbitMQ, the golden corpus, publishing raw bodies and reading streams.
// Every helper fails the test (never skips) when a dependency is missing:
// CI installs and starts them.
package testenv

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	amqp "github.com/rabbitmq/amqp091-go"
)

// RabbitURL is the RabbitMQ every integration test uses; MF_RABBIT_URL
// overrides the machine's 127.0.0.1:5672.
func RabbitURL() string {
	if u := os.Getenv("MF_RABBIT_URL"); u != "" {
		return u
	}
	return "amqp://guest:guest@127.0.0.1:5672/"
}

// Root is the repository root.
func Root() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..")
}

// Case is one golden case.
type Case struct {
	Name       string `json:"name"`
	Exchange   string `json:"exchange"`
	RoutingKey string `json:"routing_key"`
	Body       string `json:"body"`
}

// Priority is the case's priority, from its routing key.
func (c Case) Priority() string { return strings.TrimPrefix(c.RoutingKey, "notifications.") }

// Corpus returns the cases of testdata/ceilometer-19.jsonl.
func Corpus(t testing.TB) []Case {
	t.Helper()
	f, err := os.Open(filepath.Join(Root(), "testdata", "ceilometer-19.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var cases []Case
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<24)
	for sc.Scan() {
		var c Case
		if err := json.Unmarshal(sc.Bytes(), &c); err != nil {
			t.Fatal(err)
		}
		cases = append(cases, c)
	}
	return cases
}

// Exchanges lists the cases' exchanges, each once.
func Exchanges(cases []Case) []string {
	seen := map[string]bool{}
	var out []string
	for _, c := range cases {
		if !seen[c.Exchange] {
			seen[c.Exchange] = true
			out = append(out, c.Exchange)
		}
	}
	return out
}

// UniqueBodies returns n corpus cases (cycled), each body with its own
// message_id.
func UniqueBodies(t testing.TB, n int) []Case {
	cases := Corpus(t)
	out := make([]Case, n)
	const key = `message_id\": \"`
	for i := range out {
		c := cases[i%len(cases)]
		if k := strings.Index(c.Body, key); k >= 0 {
			k += len(key)
			c.Body = c.Body[:k] + fmt.Sprintf("u%08d-", i) + c.Body[k:]
		}
		out[i] = c
	}
	return out
}

// Names returns a unique oslo topic and queue prefix for one test. When the
// test ends it deletes the prefix's queues for the given priorities and the
// default queues oslo.messaging's Notifier creates for the topic
// (<topic>.<priority>).
func Names(t testing.TB, priorities ...string) (topic, prefix string) {
	id := fmt.Sprintf("%08x", rand.Uint32())
	topic, prefix = "mftest_"+id, "mftest-"+id
	t.Cleanup(func() {
		DeleteQueues(prefix, topic, priorities...)
		DeleteQueues("", topic, priorities...)
	})
	return topic, prefix
}

// DeleteQueues deletes <prefix>.<topic>.<priority> (<topic>.<priority>
// with an empty prefix) for each priority.
func DeleteQueues(prefix, topic string, priorities ...string) {
	conn, err := amqp.Dial(RabbitURL())
	if err != nil {
		return
	}
	defer conn.Close()
	ch, err := conn.Channel()
	if err != nil {
		return
	}
	for _, p := range priorities {
		name := topic + "." + p
		if prefix != "" {
			name = prefix + "." + name
		}
		_, _ = ch.QueueDelete(name, false, false, false)
	}
}

// publishConfirmed opens a confirmed channel, lets each publish on it and
// waits for the broker to confirm everything.
func publishConfirmed(t testing.TB, each func(publish func(exchange, key string, body []byte))) {
	t.Helper()
	conn, err := amqp.Dial(RabbitURL())
	if err != nil {
		t.Fatalf("RabbitMQ: %v", err)
	}
	defer conn.Close()
	ch, err := conn.Channel()
	if err != nil {
		t.Fatal(err)
	}
	if err := ch.Confirm(false); err != nil {
		t.Fatal(err)
	}
	var last *amqp.DeferredConfirmation
	each(func(exchange, key string, body []byte) {
		last, err = ch.PublishWithDeferredConfirm(exchange, key, false, false, amqp.Publishing{ContentType: "application/json", Body: body})
		if err != nil {
			t.Fatal(err)
		}
	})
	if last != nil {
		if ok, err := last.WaitContext(context.Background()); !ok || err != nil {
			t.Fatalf("publish not confirmed: %v", err)
		}
	}
}

// Publish publishes bodies to exchange with routing key, exactly as given,
// and waits for the broker's confirms.
func Publish(t testing.TB, exchange, routingKey string, bodies ...[]byte) {
	t.Helper()
	publishConfirmed(t, func(publish func(string, string, []byte)) {
		for _, b := range bodies {
			publish(exchange, routingKey, b)
		}
	})
}

// PublishCases publishes each case to its exchange with routing key
// <topic>.<priority>.
func PublishCases(t testing.TB, topic string, cases []Case) {
	t.Helper()
	publishConfirmed(t, func(publish func(string, string, []byte)) {
		for _, c := range cases {
			publish(c.Exchange, topic+"."+c.Priority(), []byte(c.Body))
		}
	})
}

// QueueDepth returns how many ready messages a queue holds.
func QueueDepth(t testing.TB, queue string) int {
	t.Helper()
	conn, err := amqp.Dial(RabbitURL())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	ch, _ := conn.Channel()
	q, err := ch.QueueDeclarePassive(queue, false, false, false, false, nil)
	if err != nil {
		t.Fatal(err)
	}
	return q.Messages
}

// StreamMsgs returns how many messages a stream holds.
func StreamMsgs(t testing.TB, js jetstream.JetStream, stream string) uint64 {
	t.Helper()
	s, err := js.Stream(context.Background(), stream)
	if err != nil {
		t.Fatal(err)
	}
	info, err := s.Info(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return info.State.Msgs
}

// WaitStored waits (up to 60 s) until stream holds at least want messages,
// then a moment longer, and returns how many it holds.
func WaitStored(t testing.TB, js jetstream.JetStream, stream string, want uint64) uint64 {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	var got uint64
	for time.Now().Before(deadline) {
		if got = StreamMsgs(t, js, stream); got >= want {
			time.Sleep(300 * time.Millisecond)
			return StreamMsgs(t, js, stream)
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("%s holds %d messages, want %d", stream, got, want)
	return got
}

// ReadAll returns every message of a stream, in order.
func ReadAll(t testing.TB, js jetstream.JetStream, stream string) []jetstream.Msg {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	total := StreamMsgs(t, js, stream)
	cons, err := js.OrderedConsumer(ctx, stream, jetstream.OrderedConsumerConfig{})
	if err != nil {
		t.Fatal(err)
	}
	var out []jetstream.Msg
	for uint64(len(out)) < total {
		batch, err := cons.Fetch(500, jetstream.FetchMaxWait(2*time.Second))
		if err != nil {
			t.Fatal(err)
		}
		for m := range batch.Messages() {
			out = append(out, m)
		}
		if batch.Error() != nil {
			t.Fatal(batch.Error())
		}
	}
	return out
}
