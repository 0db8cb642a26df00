package service

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	amqp "github.com/rabbitmq/amqp091-go"

	"meterflow/routes"
	amqpt "meterflow/transport/amqp"
	jst "meterflow/transport/jetstream"
)

const corpusPath = "../testdata/ceilometer-19.jsonl"

type corpusCase struct {
	Name       string `json:"name"`
	Exchange   string `json:"exchange"`
	RoutingKey string `json:"routing_key"`
	Body       string `json:"body"`
}

func loadCorpus(t testing.TB) []corpusCase {
	t.Helper()
	f, err := os.Open(corpusPath)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var cases []corpusCase
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<24)
	for sc.Scan() {
		var c corpusCase
		if err := json.Unmarshal(sc.Bytes(), &c); err != nil {
			t.Fatal(err)
		}
		cases = append(cases, c)
	}
	return cases
}

func rabbitURL() string {
	if u := os.Getenv("MF_RABBIT_URL"); u != "" {
		return u
	}
	return "amqp://guest:guest@127.0.0.1:5672/"
}

// testEnv is one hermetic meterflow: an embedded JetStream on a free port
// in a temp dir, and AMQP queues under a prefix and oslo topic of its own.
type testEnv struct {
	t      *testing.T
	svc    *Service
	topic  string
	prefix string
	cfg    Config
	done   chan error
	cancel context.CancelFunc
}

func allExchanges(cases []corpusCase) []string {
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

func startEnv(t *testing.T, exchanges []string, mutate func(*Config)) *testEnv {
	t.Helper()
	id := fmt.Sprintf("%x", rand.Uint32())
	e := &testEnv{t: t, topic: "mftest_" + id, prefix: "mftest-" + id}
	e.cfg = Config{
		AMQP: amqpt.Config{
			Brokers: []string{rabbitURL()}, Exchanges: exchanges, QueuePrefix: e.prefix,
		},
		Topics:          []string{e.topic},
		Server:          jst.ServerConfig{DataDir: t.TempDir(), ListenAddr: "127.0.0.1:0"},
		ShutdownTimeout: 10 * time.Second,
	}
	if mutate != nil {
		mutate(&e.cfg)
	}
	t.Cleanup(func() { deleteQueues(e.cfg.AMQP, e.topic) })
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

func deleteQueues(cfg amqpt.Config, topic string) {
	conn, err := amqp.Dial(rabbitURL())
	if err != nil {
		return
	}
	defer conn.Close()
	ch, err := conn.Channel()
	if err != nil {
		return
	}
	prios := cfg.Priorities
	if len(prios) == 0 {
		prios = amqpt.DefaultPriorities
	}
	for _, p := range prios {
		_, _ = ch.QueueDelete(cfg.QueuePrefix+"."+topic+"."+p, false, false, false)
	}
}

// publishRaw publishes bodies exactly as given, with publisher confirms.
func publishRaw(t testing.TB, exchange, routingKey string, bodies ...[]byte) {
	t.Helper()
	conn, err := amqp.Dial(rabbitURL())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	ch, err := conn.Channel()
	if err != nil {
		t.Fatal(err)
	}
	if err := ch.ExchangeDeclarePassive(exchange, "topic", false, false, false, false, nil); err != nil {
		t.Fatalf("exchange %s: %v", exchange, err)
	}
	if err := ch.Confirm(false); err != nil {
		t.Fatal(err)
	}
	var confirms []*amqp.DeferredConfirmation
	for _, b := range bodies {
		dc, err := ch.PublishWithDeferredConfirm(exchange, routingKey, false, false, amqp.Publishing{ContentType: "application/json", Body: b})
		if err != nil {
			t.Fatal(err)
		}
		confirms = append(confirms, dc)
	}
	for _, dc := range confirms {
		if ok, err := dc.WaitContext(context.Background()); !ok || err != nil {
			t.Fatalf("publish not confirmed: %v", err)
		}
	}
}

// waitStored waits until stream holds want messages (and stays there a moment).
func waitStored(t testing.TB, js jetstream.JetStream, stream string, want uint64) jetstream.StreamState {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	var st jetstream.StreamState
	for time.Now().Before(deadline) {
		s, err := js.Stream(context.Background(), stream)
		if err != nil {
			t.Fatal(err)
		}
		info, err := s.Info(context.Background(), jetstream.WithSubjectFilter(">"))
		if err != nil {
			t.Fatal(err)
		}
		st = info.State
		if st.Msgs >= want {
			time.Sleep(300 * time.Millisecond)
			info, _ = s.Info(context.Background(), jetstream.WithSubjectFilter(">"))
			return info.State
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("%s holds %d messages, want %d", stream, st.Msgs, want)
	return st
}

// readAll returns every message of a stream.
func readAll(t testing.TB, js jetstream.JetStream, stream string) []jetstream.Msg {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cons, err := js.OrderedConsumer(ctx, stream, jetstream.OrderedConsumerConfig{})
	if err != nil {
		t.Fatal(err)
	}
	s, _ := js.Stream(ctx, stream)
	info, _ := s.Info(ctx)
	var out []jetstream.Msg
	for uint64(len(out)) < info.State.Msgs {
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

func TestBridgeStoresCorpusBodiesUnchangedAndOnceEvenWhenPublishedTwice(t *testing.T) {
	cases := loadCorpus(t)
	env := startEnv(t, allExchanges(cases), nil)
	for round := 0; round < 2; round++ {
		for _, c := range cases {
			prio := strings.TrimPrefix(c.RoutingKey, "notifications.")
			publishRaw(t, c.Exchange, env.topic+"."+prio, []byte(c.Body))
		}
	}
	js := env.svc.JetStream()
	st := waitStored(t, js, StreamNotifications, uint64(len(cases)))
	if st.Msgs != uint64(len(cases)) {
		t.Fatalf("stored %d messages for %d distinct notifications published twice", st.Msgs, len(cases))
	}
	want := map[string]corpusCase{}
	for _, c := range cases {
		want[c.Body] = c
	}
	for _, m := range readAll(t, js, StreamNotifications) {
		c, ok := want[string(m.Data())]
		if !ok {
			t.Fatalf("stored body is not byte-identical to any published body: %.200s", m.Data())
		}
		delete(want, string(m.Data()))
		var inner struct {
			EventType string `json:"event_type"`
			MessageID string `json:"message_id"`
			Priority  string `json:"priority"`
		}
		var outer map[string]string
		_ = json.Unmarshal(m.Data(), &outer)
		_ = json.Unmarshal([]byte(outer["oslo.message"]), &inner)
		prio := strings.TrimPrefix(c.RoutingKey, "notifications.")
		if wantSubj := routes.NotificationSubject(c.Exchange, prio, inner.EventType); m.Subject() != wantSubj {
			t.Errorf("%s stored on %s, want %s", c.Name, m.Subject(), wantSubj)
		}
		h := m.Headers()
		if h.Get(routes.HeaderMsgID) != inner.MessageID || h.Get(routes.HeaderExchange) != c.Exchange ||
			h.Get(routes.HeaderEventType) != inner.EventType || h.Get(routes.HeaderRoutingKey) != env.topic+"."+prio {
			t.Errorf("%s headers %v", c.Name, h)
		}
	}
	if len(want) != 0 {
		t.Fatalf("%d bodies never stored", len(want))
	}
}

func TestBridgeDeadLettersPoisonBodiesAndKeepsFlowing(t *testing.T) {
	cases := loadCorpus(t)[:20]
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
		publishRaw(t, "nova", key, []byte(body))
	}
	for _, c := range cases {
		publishRaw(t, "nova", key, []byte(c.Body))
	}
	js := env.svc.JetStream()
	waitStored(t, js, StreamNotifications, uint64(len(cases)))
	waitStored(t, js, StreamDeadLetter, uint64(len(poison)))
	reasons := map[string]bool{}
	for _, m := range readAll(t, js, StreamDeadLetter) {
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
	// nothing is left unacked on RabbitMQ
	conn, _ := amqp.Dial(rabbitURL())
	defer conn.Close()
	ch, _ := conn.Channel()
	q, err := ch.QueueDeclarePassive(env.prefix+"."+env.topic+".info", false, false, false, false, nil)
	if err != nil {
		t.Fatal(err)
	}
	if q.Messages != 0 {
		t.Errorf("%d messages still in the queue", q.Messages)
	}
}

// TestBridgeStoresWhatOsloMessagingPublishes sends notifications with the
// real oslo.messaging Notifier and checks every one arrives once, with the
// body RabbitMQ delivered: a plain AMQP twin queue bound like meterflow's
// receives the same deliveries for comparison.
func TestBridgeStoresWhatOsloMessagingPublishes(t *testing.T) {
	if _, err := exec.LookPath("/usr/bin/python3"); err != nil {
		t.Fatal("needs Debian's /usr/bin/python3 with python3-oslo.messaging")
	}
	cases := loadCorpus(t)
	exchanges := allExchanges(cases)
	env := startEnv(t, exchanges, nil)

	// the twin queue
	conn, err := amqp.Dial(rabbitURL())
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

	emit := exec.Command("/usr/bin/python3", "../../shared/tools/oslo_emit.py", "--url", "rabbit://guest:guest@127.0.0.1:5672/", "--topic", env.topic, "--cases", corpusPath)
	out, err := emit.CombinedOutput()
	if err != nil {
		t.Fatalf("oslo_emit: %v\n%s", err, out)
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
	st := waitStored(t, js, StreamNotifications, uint64(len(cases)))
	if st.Msgs != uint64(len(cases)) {
		t.Fatalf("stored %d, want %d", st.Msgs, len(cases))
	}
	for _, m := range readAll(t, js, StreamNotifications) {
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

func amqpConfig(exchanges []string, prefix string) amqpt.Config {
	return amqpt.Config{Brokers: []string{rabbitURL()}, Exchanges: exchanges, QueuePrefix: prefix, Logger: quietLogger()}
}

func serverConfig(dir string) jst.ServerConfig {
	return jst.ServerConfig{DataDir: dir, ListenAddr: "127.0.0.1:0"}
}

func quietLogger() *slog.Logger {
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}
