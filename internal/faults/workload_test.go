package faults

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

	"meterflow/internal/testenv"
	"meterflow/processors"
	"meterflow/processors/convert"
	"meterflow/routes"
)

// notif is one notification the test publishes.
type notif struct {
	exchange, priority string
	body               []byte
}

// workload is what a test publishes and what each place must then hold:
// notification message_ids (the log), sample ids and event message_ids
// (each sink), every one exactly once.
type workload struct {
	notifs  []notif
	ids     map[string]bool
	samples map[string]bool
	events  map[string]bool
	conv    *convert.Converter
}

func newWorkload(t testing.TB) *workload {
	t.Helper()
	conv, err := convert.Load(convert.Config{NoEtc: true})
	if err != nil {
		t.Fatal(err)
	}
	return &workload{ids: map[string]bool{}, samples: map[string]bool{}, events: map[string]bool{}, conv: conv}
}

// add records a notification and what meterflow (with the shipped
// definitions and pipelines routing everything) must make of it.
func (w *workload) add(t testing.TB, n notif) {
	t.Helper()
	dec, err := processors.Decode(n.body)
	if err != nil {
		t.Fatalf("workload body: %v", err)
	}
	id := dec.MessageID
	if id == "" || w.ids[id] {
		t.Fatalf("workload: message_id %q empty or repeated", id)
	}
	w.ids[id] = true
	r := w.conv.Convert(dec)
	perMeter := map[string]int{}
	for _, s := range r.Samples {
		w.samples[routes.SampleID(id, s.Name, perMeter[s.Name])] = true
		perMeter[s.Name]++
	}
	for _, e := range r.Events {
		w.events[e.MessageID] = true
	}
	w.notifs = append(w.notifs, n)
}

// corpusWorkload is n corpus notifications (cycled), each with its own
// message_id starting with tag.
func corpusWorkload(t testing.TB, n int, tag string) *workload {
	t.Helper()
	w := newWorkload(t)
	for _, c := range testenv.UniqueBodies(t, n) {
		body := strings.Replace(c.Body, `message_id\": \"u`, `message_id\": \"`+tag, 1)
		w.add(t, notif{exchange: c.Exchange, priority: c.Priority(), body: []byte(body)})
	}
	return w
}

func (w *workload) String() string {
	return fmt.Sprintf("%d notifications, %d samples, %d events", len(w.ids), len(w.samples), len(w.events))
}

// exchanges lists the corpus' exchanges.
func corpusExchanges(t testing.TB) string {
	return strings.Join(testenv.Exchanges(testenv.Corpus(t)), ",")
}

// publish publishes notifs[from:to] with amqp091 on a confirmed channel
// (the bulk path: the corpus bodies exactly as oslo.messaging wrote them,
// made unique), routing key <topic>.<priority>.
func (w *workload) publish(t testing.TB, topic string, from, to int) {
	t.Helper()
	cases := make([]testenv.Case, 0, to-from)
	for _, n := range w.notifs[from:to] {
		cases = append(cases, testenv.Case{Exchange: n.exchange, RoutingKey: "notifications." + n.priority, Body: string(n.body)})
	}
	for len(cases) > 0 {
		k := min(len(cases), 5000)
		testenv.PublishCases(t, topic, cases[:k])
		cases = cases[k:]
	}
}

// emitReal publishes count corpus notifications with the real
// oslo.messaging Notifier (oslo_emit.py), captures the bodies RabbitMQ
// routes (a queue of the test's own, bound like meterflow's) and adds them
// to the workload.
func (w *workload) emitReal(t testing.TB, topic, prefix string, count int) {
	t.Helper()
	conn, err := amqp.Dial(testenv.RabbitURL())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	ch, err := conn.Channel()
	if err != nil {
		t.Fatal(err)
	}
	twin := prefix + ".twin"
	if _, err := ch.QueueDeclare(twin, false, false, false, false, nil); err != nil {
		t.Fatal(err)
	}
	defer func() { _, _ = ch.QueueDelete(twin, false, false, false) }()
	for _, ex := range testenv.Exchanges(testenv.Corpus(t)) {
		// oslo.messaging declares its exchanges as topic exchanges, not durable
		if err := ch.ExchangeDeclare(ex, "topic", false, false, false, false, nil); err != nil {
			t.Fatalf("exchange %s: %v", ex, err)
		}
		for _, p := range []string{"info", "sample"} {
			if err := ch.QueueBind(twin, topic+"."+p, ex, false, nil); err != nil {
				t.Fatal(err)
			}
		}
	}
	emit := exec.Command("/usr/bin/python3", filepath.Join(testenv.Root(), "..", "shared", "tools", "oslo_emit.py"),
		"--url", strings.Replace(testenv.RabbitURL(), "amqp://", "rabbit://", 1), "--topic", topic, "--count", fmt.Sprint(count),
		"--cases", filepath.Join(testenv.Root(), "testdata", "ceilometer-19.jsonl"))
	emit.Env = append(os.Environ(), "PYTHONWARNINGS=ignore")
	if out, err := emit.CombinedOutput(); err != nil {
		t.Fatalf("oslo_emit.py: %v\n%s", err, out)
	}
	deliveries, err := ch.Consume(twin, "", true, false, false, false, nil)
	if err != nil {
		t.Fatal(err)
	}
	for got := 0; got < count; got++ {
		select {
		case d := <-deliveries:
			w.add(t, notif{exchange: d.Exchange, priority: strings.TrimPrefix(d.RoutingKey, topic+"."), body: d.Body})
		case <-time.After(30 * time.Second):
			t.Fatalf("captured %d of %d bodies oslo.messaging sent", got, count)
		}
	}
}
