package service

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

	"meterflow/internal/testenv"
	"meterflow/routes"
	amqpt "meterflow/transport/amqp"
	jst "meterflow/transport/jetstream"
)

// testEnv is one hermetic meterflow: an embedded JetStream on a free port
// in a temp dir, and AMQP queues under a prefix and oslo topic of its own.
type testEnv struct {
	t      testing.TB
	svc    *Service
	topic  string
	prefix string
	cfg    Config
	done   chan error
	cancel context.CancelFunc
}

func newEnv(t testing.TB, exchanges []string, mutate func(*Config)) *testEnv {
	t.Helper()
	e := &testEnv{t: t}
	e.topic, e.prefix = testenv.Names(t, amqpt.DefaultPriorities...)
	e.cfg = Config{
		AMQP:            amqpt.Config{Brokers: []string{testenv.RabbitURL()}, Exchanges: exchanges, QueuePrefix: e.prefix, Logger: quietLogger()},
		Topics:          []string{e.topic},
		BridgeOnly:      true,
		Server:          jst.ServerConfig{DataDir: t.TempDir(), ListenAddr: "127.0.0.1:0"},
		ShutdownTimeout: 10 * time.Second,
		Logger:          quietLogger(),
	}
	if mutate != nil {
		mutate(&e.cfg)
	}
	return e
}

func startEnv(t testing.TB, exchanges []string, mutate func(*Config)) *testEnv {
	e := newEnv(t, exchanges, mutate)
	e.start()
	return e
}

func (e *testEnv) start() {
	e.t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	svc, err := New(ctx, e.cfg)
	if err != nil {
		cancel()
		e.t.Fatal(err)
	}
	e.svc, e.cancel, e.done = svc, cancel, make(chan error, 1)
	go func() { e.done <- svc.Run(ctx) }()
	<-svc.Running()
	deadline := time.Now().Add(15 * time.Second)
	for svc.AMQPConnected() < len(e.cfg.AMQP.Brokers) {
		if time.Now().After(deadline) {
			e.t.Fatal("meterflow did not connect to RabbitMQ")
		}
		time.Sleep(20 * time.Millisecond)
	}
	time.Sleep(200 * time.Millisecond) // consumers start right after the topology
	e.t.Cleanup(e.stop)
}

func (e *testEnv) stop() {
	if e.cancel == nil {
		return
	}
	e.cancel()
	select {
	case err := <-e.done:
		if err != nil {
			e.t.Errorf("service stopped with %v", err)
		}
	case <-time.After(30 * time.Second):
		e.t.Error("service did not stop within 30s")
	}
	e.cancel = nil
}

func quietLogger() *slog.Logger {
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

type innerMessage struct {
	EventType string `json:"event_type"`
	MessageID string `json:"message_id"`
}

func inner(t testing.TB, body []byte) innerMessage {
	var outer map[string]string
	var m innerMessage
	if err := json.Unmarshal(body, &outer); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal([]byte(outer["oslo.message"]), &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func TestBridgeStoresCorpusBodiesUnchangedAndOnceEvenWhenPublishedTwice(t *testing.T) {
	cases := testenv.Corpus(t)
	env := startEnv(t, testenv.Exchanges(cases), nil)
	testenv.PublishCases(t, env.topic, cases)
	testenv.PublishCases(t, env.topic, cases)
	js := env.svc.JetStream()
	if got := testenv.WaitStored(t, js, StreamNotifications, uint64(len(cases))); got != uint64(len(cases)) {
		t.Fatalf("stored %d messages for %d distinct notifications published twice", got, len(cases))
	}
	want := map[string]testenv.Case{}
	for _, c := range cases {
		want[c.Body] = c
	}
	for _, m := range testenv.ReadAll(t, js, StreamNotifications) {
		c, ok := want[string(m.Data())]
		if !ok {
			t.Fatalf("stored body is not byte-identical to any published body: %.200s", m.Data())
		}
		delete(want, string(m.Data()))
		in := inner(t, m.Data())
		if wantSubj := routes.NotificationSubject(c.Exchange, c.Priority(), in.EventType); m.Subject() != wantSubj {
			t.Errorf("%s stored on %s, want %s", c.Name, m.Subject(), wantSubj)
		}
		h := m.Headers()
		if h.Get(routes.HeaderMsgID) != in.MessageID || h.Get(routes.HeaderExchange) != c.Exchange ||
			h.Get(routes.HeaderEventType) != in.EventType || h.Get(routes.HeaderRoutingKey) != env.topic+"."+c.Priority() {
			t.Errorf("%s headers %v", c.Name, h)
		}
	}
	if len(want) != 0 {
		t.Fatalf("%d bodies never stored", len(want))
	}
}

func TestBridgeDeadLettersPoisonBodiesAndKeepsFlowing(t *testing.T) {
	cases := testenv.Corpus(t)[:20]
	env := startEnv(t, []string{"nova"}, func(c *Config) { c.MaxBodyBytes = 100_000 })
	poison := map[string]string{
		"not json":            `{"oslo.version": "2.0", "oslo.message": `,
		"invalid utf-8":       "{\"event_type\": \"compute.instance.exists\", \"payload\": \"\xff\xfe\"}",
		"no event type":       `{"oslo.version": "2.0", "oslo.message": "{\"payload\": {}}"}`,
		"bad inner json":      `{"oslo.version": "2.0", "oslo.message": "{\"event_type\": "}`,
		"envelope of a list":  `[1, 2, 3]`,
		"over the size limit": `{"event_type": "x", "payload": "` + strings.Repeat("a", 200_000) + `"}`,
	}
	key := env.topic + ".info"
	for _, body := range poison {
		testenv.Publish(t, "nova", key, []byte(body))
	}
	for _, c := range cases {
		testenv.Publish(t, "nova", key, []byte(c.Body))
	}
	js := env.svc.JetStream()
	testenv.WaitStored(t, js, StreamNotifications, uint64(len(cases)))
	testenv.WaitStored(t, js, StreamDeadLetter, uint64(len(poison)))
	reasons := map[string]bool{}
	for _, m := range testenv.ReadAll(t, js, StreamDeadLetter) {
		reason := m.Headers().Get(routes.HeaderReason)
		if reason == "" {
			t.Errorf("dead letter without a reason: %.80s", m.Data())
		}
		reasons[reason] = true
		if m.Subject() != "deadletter.bridge" {
			t.Errorf("dead letter on %s", m.Subject())
		}
	}
	if len(reasons) != len(poison) {
		t.Errorf("want %d distinct reasons, got %v", len(poison), reasons)
	}
	for r := range reasons {
		t.Logf("reason: %s", r)
	}
	if n := testenv.QueueDepth(t, env.prefix+"."+env.topic+".info"); n != 0 {
		t.Errorf("%d messages still in the queue", n)
	}
}

// TestBridgeStoresWhatOsloMessagingPublishes sends notifications with the
// real oslo.messaging Notifier and checks every one arrives once, with the
// body RabbitMQ delivered: a plain AMQP twin queue bound like meterflow's
// receives the same deliveries for comparison.
func TestBridgeStoresWhatOsloMessagingPublishes(t *testing.T) {
	cases := testenv.Corpus(t)
	exchanges := testenv.Exchanges(cases)
	env := startEnv(t, exchanges, nil)

	conn, err := amqp.Dial(testenv.RabbitURL())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	ch, _ := conn.Channel()
	twin := env.prefix + ".twin"
	if _, err := ch.QueueDeclare(twin, false, true, false, false, nil); err != nil {
		t.Fatal(err)
	}
	for _, ex := range exchanges {
		for _, p := range []string{"info", "sample"} {
			if err := ch.QueueBind(twin, env.topic+"."+p, ex, false, nil); err != nil {
				t.Fatal(err)
			}
		}
	}

	emitter := filepath.Join(testenv.Root(), "..", "shared", "tools", "oslo_emit.py")
	emit := exec.Command("/usr/bin/python3", emitter, "--url", "rabbit://guest:guest@127.0.0.1:5672/", "--topic", env.topic,
		"--cases", filepath.Join(testenv.Root(), "testdata", "ceilometer-19.jsonl"))
	out, err := emit.CombinedOutput()
	if err != nil {
		t.Fatalf("oslo_emit (needs Debian's python3-oslo.messaging): %v\n%s", err, out)
	}
	t.Logf("oslo_emit: %s", strings.TrimSpace(string(out)))

	deliveries, err := ch.Consume(twin, "", true, false, false, false, nil)
	if err != nil {
		t.Fatal(err)
	}
	delivered := map[string]amqp.Delivery{}
	timeout := time.After(30 * time.Second)
	for len(delivered) < len(cases) {
		select {
		case d := <-deliveries:
			delivered[string(d.Body)] = d
		case <-timeout:
			t.Fatalf("twin queue got %d of %d", len(delivered), len(cases))
		}
	}
	js := env.svc.JetStream()
	if got := testenv.WaitStored(t, js, StreamNotifications, uint64(len(cases))); got != uint64(len(cases)) {
		t.Fatalf("stored %d, want %d", got, len(cases))
	}
	for _, m := range testenv.ReadAll(t, js, StreamNotifications) {
		d, ok := delivered[string(m.Data())]
		if !ok {
			t.Fatalf("stored body differs from every delivered body: %.200s", m.Data())
		}
		if m.Headers().Get(routes.HeaderExchange) != d.Exchange {
			t.Errorf("exchange %s, delivered on %s", m.Headers().Get(routes.HeaderExchange), d.Exchange)
		}
		delete(delivered, string(m.Data()))
	}
}
