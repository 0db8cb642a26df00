package sinks

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

	"meterflow/internal/testenv"
	"meterflow/processors"
	"meterflow/processors/jsonv"
)

// notifierURL is the test RabbitMQ as a notifier:// URL with query.
func notifierURL(t *testing.T, query string) string {
	t.Helper()
	u, err := url.Parse(testenv.RabbitURL())
	if err != nil {
		t.Fatal(err)
	}
	u.Scheme, u.RawQuery = "notifier", query
	return u.String()
}

func newTestNotifier(t *testing.T, raw string, opts Options) *notifierSink {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	s, err := NewNotifier(u, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := s.Close(ctx); err != nil {
			t.Errorf("close: %v", err)
		}
	})
	return s.(*notifierSink)
}

// notifierRabbit opens a channel on the test RabbitMQ.
func notifierRabbit(t *testing.T) *amqp.Channel {
	t.Helper()
	conn, err := amqp.Dial(testenv.RabbitURL())
	if err != nil {
		t.Fatalf("RabbitMQ: %v", err)
	}
	t.Cleanup(func() { conn.Close() })
	ch, err := conn.Channel()
	if err != nil {
		t.Fatal(err)
	}
	return ch
}

// notifierListener is testdata/notifier/listener.py: a real oslo.messaging
// notification listener.
type notifierListener struct {
	lines chan *jsonv.Object
	done  chan error
}

// startNotifierListener starts the listener on exchange/topics and waits
// until it consumes. It expects count notifications.
func startNotifierListener(t *testing.T, exchange string, topics []string, count int, secret string) *notifierListener {
	t.Helper()
	ru, err := url.Parse(testenv.RabbitURL())
	if err != nil {
		t.Fatal(err)
	}
	pass, _ := ru.User.Password()
	vhost := strings.TrimPrefix(ru.Path, "/")
	if vhost == "" {
		vhost = "/"
	}
	rawQueue := topics[0] + ".raw"
	t.Cleanup(func() { testenv.DeleteQueues("", topics[0], "raw") })
	args := []string{"testdata/notifier/listener.py",
		"--host", ru.Host, "--user", ru.User.Username(), "--password", pass, "--vhost", vhost,
		"--exchange", exchange, "--raw-queue", rawQueue,
		"--count", fmt.Sprint(count), "--secret", secret, "--timeout", "60"}
	for _, tp := range topics {
		args = append(args, "--topic", tp)
	}
	cmd := exec.Command("/usr/bin/python3", args...)
	cmd.Stderr = os.Stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("python3 (python3-oslo.messaging, python3-ceilometer needed): %v", err)
	}
	l := &notifierListener{lines: make(chan *jsonv.Object, 100), done: make(chan error, 1)}
	go func() {
		sc := bufio.NewScanner(stdout)
		sc.Buffer(nil, 1<<24)
		for sc.Scan() {
			v, err := jsonv.ParseString(sc.Text())
			if err != nil {
				t.Errorf("listener printed %q: %v", sc.Text(), err)
				continue
			}
			l.lines <- v.(*jsonv.Object)
		}
		close(l.lines)
		l.done <- cmd.Wait()
	}()
	t.Cleanup(func() { _ = cmd.Process.Kill() })
	select {
	case line, ok := <-l.lines:
		if !ok {
			t.Fatalf("listener exited: %v", <-l.done)
		}
		if v, _ := line.Get("ready"); v != true {
			t.Fatalf("listener: want ready, got %s", jsonv.Marshal(line))
		}
	case <-time.After(60 * time.Second):
		t.Fatal("listener not ready after 60 s")
	}
	return l
}

// wait returns the notifications and the raw messages the listener saw.
func (l *notifierListener) wait(t *testing.T) (notes, raws []*jsonv.Object) {
	t.Helper()
	timeout := time.After(90 * time.Second)
	for {
		select {
		case line, ok := <-l.lines:
			if !ok {
				if err := <-l.done; err != nil {
					t.Fatalf("listener: %v (got %d notifications)", err, len(notes))
				}
				return notes, raws
			}
			if raw, ok := line.Get("raw"); ok {
				raws = append(raws, raw.(*jsonv.Object))
			} else {
				notes = append(notes, line)
			}
		case <-timeout:
			t.Fatalf("listener still running after 90 s (got %d notifications)", len(notes))
		}
	}
}

// notifierExpect is one notification the listener must receive.
type notifierExpect struct {
	eventType string
	payload   []any
}

// matchNotifications checks that notes are exactly want (in any order),
// each sent by this host and with every signature verified by Ceilometer.
func matchNotifications(t *testing.T, notes []*jsonv.Object, want []notifierExpect) {
	t.Helper()
	host, _ := os.Hostname()
	used := make([]bool, len(want))
	tsRe := regexp.MustCompile(`^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d{6})?$`)
	for _, n := range notes {
		get := func(k string) any { v, _ := n.Get(k); return v }
		if got := get("publisher_id"); got != "telemetry.publisher."+host {
			t.Errorf("publisher_id %v", got)
		}
		md, _ := get("metadata").(*jsonv.Object)
		if ts, _ := md.Get("timestamp"); !tsRe.MatchString(fmt.Sprint(ts)) {
			t.Errorf("metadata timestamp %v", ts)
		}
		verified, _ := get("verified").([]any)
		payload, _ := get("payload").([]any)
		if len(verified) != len(payload) || len(payload) == 0 {
			t.Errorf("payload of %d, %d verified", len(payload), len(verified))
		}
		for i, ok := range verified {
			if ok != true {
				t.Errorf("%v: Ceilometer's verify_signature rejects message %d: %s", get("event_type"), i, jsonv.Marshal(payload[i]))
			}
		}
		found := false
		for i, w := range want {
			if !used[i] && w.eventType == get("event_type") && jsonv.Equal(w.payload, payload) {
				used[i], found = true, true
				break
			}
		}
		if !found {
			t.Errorf("unexpected notification %v: %s", get("event_type"), jsonv.Marshal(payload))
		}
	}
	for i, w := range want {
		if !used[i] {
			t.Errorf("missing notification %s of %d", w.eventType, len(w.payload))
		}
	}
}

// checkRaw checks the AMQP messages as oslo.messaging's rabbit driver
// sends notifications, and that Python's json writes them identically.
func checkRaw(t *testing.T, raws []*jsonv.Object, exchange string, routingKeys map[string]int) {
	t.Helper()
	got := map[string]int{}
	for _, r := range raws {
		get := func(k string) any { v, _ := r.Get(k); return v }
		got[fmt.Sprint(get("routing_key"))]++
		for k, want := range map[string]any{
			"exchange": exchange, "content_type": "application/json", "content_encoding": "utf-8",
			"delivery_mode": int64(2), "python_identical": true,
		} {
			if v := get(k); v != want {
				t.Errorf("raw %s = %v, want %v", k, v, want)
			}
		}
		if h, _ := get("headers").(*jsonv.Object); h.Len() != 0 {
			t.Errorf("headers %s", jsonv.Marshal(h))
		}
		if s := string(jsonv.Marshal(get("envelope_keys"))); s != `["oslo.version","oslo.message"]` {
			t.Errorf("envelope keys %s", s)
		}
		if s := string(jsonv.Marshal(get("message_keys"))); s != `["message_id","publisher_id","event_type","priority","payload","timestamp","_unique_id"]` {
			t.Errorf("message keys %s", s)
		}
		msg, _ := get("message").(*jsonv.Object)
		if p, _ := msg.Get("priority"); p != "SAMPLE" {
			t.Errorf("priority %v", p)
		}
	}
	if fmt.Sprint(got) != fmt.Sprint(routingKeys) {
		t.Errorf("routing keys %v, want %v", got, routingKeys)
	}
}

// TestNotifierOsloListenerReceivesSamples: an oslo.messaging listener (as a
// Ceilometer notification agent consuming notifier://) on two topics gets
// every notification on both, per_meter_topic ones included, with payloads
// equal to Ceilometer's meter messages and signatures that Ceilometer's
// verify_signature accepts.
func TestNotifierOsloListenerReceivesSamples(t *testing.T) {
	topicA, _ := testenv.Names(t, "sample")
	topicB, _ := testenv.Names(t, "sample")
	const secret = "s3cret-\u00e9"
	_, samples := fileTestSamples(t, 6)
	batches := [][]processors.Sample{samples[:5], samples[5:]}
	var want []notifierExpect
	for _, b := range batches {
		all := []any{}
		groups := map[string][]any{}
		for i := range b {
			m := processors.MeterMessage(&b[i], secret)
			all = append(all, m)
			groups[b[i].Name] = append(groups[b[i].Name], m)
		}
		want = append(want, notifierExpect{"metering", all})
		for name, g := range groups {
			want = append(want, notifierExpect{"metering." + name, g})
		}
	}
	want = append(want, want...) // once per topic
	l := startNotifierListener(t, "ceilometer", []string{topicA, topicB}, len(want), secret)

	s := newTestNotifier(t, notifierURL(t, "topic="+topicA+"&topic="+topicB+"&per_meter_topic=1&driver=rabbit"), Options{Secret: secret})
	for _, b := range batches {
		if err := s.PublishSamples(context.Background(), b); err != nil {
			t.Fatal(err)
		}
	}
	notes, raws := l.wait(t)
	matchNotifications(t, notes, want)
	checkRaw(t, raws, "ceilometer", map[string]int{topicA + ".sample": len(want) / 2, topicB + ".sample": len(want) / 2})
}

// TestNotifierOsloListenerReceivesEvents: events arrive as Ceilometer's
// event messages, event_type "event", signatures verified.
func TestNotifierOsloListenerReceivesEvents(t *testing.T) {
	topic, _ := testenv.Names(t, "sample")
	events := fileTestEvents(5)
	batches := [][]processors.Event{events[:2], events[2:]}
	var want []notifierExpect
	for _, b := range batches {
		msgs := []any{}
		for i := range b {
			msgs = append(msgs, processors.EventMessage(&b[i], DefaultSecret))
		}
		want = append(want, notifierExpect{"event", msgs})
	}
	l := startNotifierListener(t, "ceilometer", []string{topic}, len(want), DefaultSecret)
	s := newTestNotifier(t, notifierURL(t, "topic="+topic), Options{})
	for _, b := range batches {
		if err := s.PublishEvents(context.Background(), b); err != nil {
			t.Fatal(err)
		}
	}
	notes, raws := l.wait(t)
	matchNotifications(t, notes, want)
	checkRaw(t, raws, "ceilometer", map[string]int{topic + ".sample": len(want)})
}

// TestNotifierKeepsNotificationsForLaterConsumers: like oslo.messaging, the
// sink declares the default queue <topic>.sample, so notifications wait
// there for a consumer.
func TestNotifierKeepsNotificationsForLaterConsumers(t *testing.T) {
	topic, _ := testenv.Names(t, "sample")
	s := newTestNotifier(t, notifierURL(t, "topic="+topic), Options{})
	_, samples := fileTestSamples(t, 3)
	for i := 0; i < 2; i++ {
		if err := s.PublishSamples(context.Background(), samples); err != nil {
			t.Fatal(err)
		}
	}
	if n := testenv.QueueDepth(t, topic+".sample"); n != 2 {
		t.Errorf("%s holds %d notifications, want 2", topic+".sample", n)
	}
	// Events default to their own topic; here both share one.
	if err := s.PublishEvents(context.Background(), fileTestEvents(1)); err != nil {
		t.Fatal(err)
	}
	if n := testenv.QueueDepth(t, topic+".sample"); n != 3 {
		t.Errorf("%s holds %d notifications, want 3", topic+".sample", n)
	}
}

// TestNotifierUsesExistingDurableTopology: an exchange declared durable and
// a quorum queue (as oslo.messaging with amqp_durable_queues or
// rabbit_quorum_queue makes them) are used as they are; what is missing is
// created non-durable, as oslo.messaging's default.
func TestNotifierUsesExistingDurableTopology(t *testing.T) {
	topic, _ := testenv.Names(t, "sample")
	ch := notifierRabbit(t)
	durableEx, freshEx := topic+"-durable", topic+"-fresh"
	t.Cleanup(func() {
		ch := notifierRabbit(t)
		_ = ch.ExchangeDelete(durableEx, false, false)
		_ = ch.ExchangeDelete(freshEx, false, false)
	})
	if err := ch.ExchangeDeclare(durableEx, "topic", true, false, false, false, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := ch.QueueDeclare(topic+".sample", true, false, false, false, amqp.Table{"x-queue-type": "quorum"}); err != nil {
		t.Fatal(err)
	}
	_, samples := fileTestSamples(t, 2)
	s := newTestNotifier(t, notifierURL(t, "topic="+topic+"&exchange="+durableEx), Options{})
	if err := s.PublishSamples(context.Background(), samples); err != nil {
		t.Fatal(err)
	}
	if n := testenv.QueueDepth(t, topic+".sample"); n != 1 {
		t.Errorf("quorum queue holds %d, want 1", n)
	}

	fresh := newTestNotifier(t, notifierURL(t, "topic="+topic+"&exchange="+freshEx), Options{})
	if err := fresh.PublishSamples(context.Background(), samples); err != nil {
		t.Fatal(err)
	}
	// Declaring it again non-durable succeeds only if it is non-durable.
	if err := ch.ExchangeDeclare(freshEx, "topic", false, false, false, false, nil); err != nil {
		t.Errorf("the exchange the sink created is not oslo's default: %v", err)
	}
}

// TestNotifierNilMeansConfirmed: when RabbitMQ refuses a notification
// (basic.nack: here a full queue with x-overflow=reject-publish) the publish
// fails retryably; policy=drop acknowledges it anyway, as Ceilometer drops.
func TestNotifierNilMeansConfirmed(t *testing.T) {
	topic, _ := testenv.Names(t, "sample")
	ch := notifierRabbit(t)
	if _, err := ch.QueueDeclare(topic+".sample", false, false, false, false, amqp.Table{"x-max-length": int32(0), "x-overflow": "reject-publish"}); err != nil {
		t.Fatal(err)
	}
	_, samples := fileTestSamples(t, 1)
	s := newTestNotifier(t, notifierURL(t, "topic="+topic), Options{})
	err := s.PublishSamples(context.Background(), samples)
	if err == nil || processors.IsPermanent(err) {
		t.Fatalf("want a retryable error for a nacked notification, got %v", err)
	}
	drop := newTestNotifier(t, notifierURL(t, "topic="+topic+"&policy=drop"), Options{})
	if err := drop.PublishSamples(context.Background(), samples); err != nil {
		t.Fatalf("policy=drop: %v", err)
	}
}

// TestNotifierBrokerDown: New does not connect; a publish to a broker that
// is not there fails retryably, and a canceled context stops it.
func TestNotifierBrokerDown(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	s := newTestNotifier(t, "notifier://guest:guest@"+addr+"/?topic=nowhere", Options{})
	_, samples := fileTestSamples(t, 1)
	if err := s.PublishSamples(context.Background(), samples); err == nil || processors.IsPermanent(err) {
		t.Fatalf("want a retryable error, got %v", err)
	}
	if err := s.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := s.PublishSamples(context.Background(), samples); err == nil {
		t.Fatal("publish after Close succeeded")
	}
}

func TestNotifierURL(t *testing.T) {
	for _, tc := range []struct {
		raw, hosts, exchange, topics string
		perMeter, drop, durable      bool
	}{
		{raw: "notifier://guest:guest@rabbit:5672/", hosts: "[amqp://guest:guest@rabbit:5672/]", exchange: "ceilometer", topics: "[]"},
		{raw: "notifier://rabbit/?topic=a&topic=b&per_meter_topic=1&policy=drop&max_retry=3&max_queue_length=9",
			hosts: "[amqp://guest:guest@rabbit:5672/]", exchange: "ceilometer", topics: "[a b]", perMeter: true, drop: true},
		{raw: "notifier://u:p%40ss@rabbit:5671/openstack?ssl=1&driver=kombu&exchange=nova&amqp_durable_queues=true&policy=weird",
			hosts: "[amqps://u:p%40ss@rabbit:5671/openstack]", exchange: "nova", topics: "[]", durable: true},
		{raw: "notifier://rabbit?per_meter_topic=0", hosts: "[amqp://guest:guest@rabbit:5672/]", exchange: "ceilometer", topics: "[]"},
		{raw: "notifier://u:p@r1,r2/vh", hosts: "[amqp://u:p@r1:5672/vh amqp://u:p@r2:5672/vh]", exchange: "ceilometer", topics: "[]"},
	} {
		u, err := url.Parse(tc.raw)
		if err != nil {
			t.Fatal(err)
		}
		sk, err := NewNotifier(u, Options{})
		if err != nil {
			t.Errorf("%s: %v", tc.raw, err)
			continue
		}
		s := sk.(*notifierSink)
		if fmt.Sprint(s.hosts) != tc.hosts || s.exchange != tc.exchange || fmt.Sprint(s.topics) != tc.topics ||
			s.perMeterTopic != tc.perMeter || s.drop != tc.drop || s.durable != tc.durable {
			t.Errorf("%s: hosts %v exchange %s topics %v per_meter %v drop %v durable %v", tc.raw, s.hosts, s.exchange, s.topics, s.perMeterTopic, s.drop, s.durable)
		}
	}
	for _, raw := range []string{
		"notifier://",
		"notifier:///?topic=x",
		"notifier://rabbit/?driver=kafka",
		"notifier://rabbit/?driver=messagingv2",
		"notifier://rabbit/?per_meter_topic=yes",
		"notifier://rabbit/?max_retry=x",
		"notifier://u:p@r1:5672,u:p@r2:5672/",
	} {
		u, _ := url.Parse(raw)
		_, err := NewNotifier(u, Options{})
		if !errors.Is(err, ErrInvalidURL) {
			t.Errorf("%s: want ErrInvalidURL, got %v", raw, err)
		}
	}
	// The password never shows in errors.
	u, _ := url.Parse("notifier://u:hunter2@rabbit/?driver=kafka")
	if _, err := NewNotifier(u, Options{}); err == nil || strings.Contains(err.Error(), "hunter2") {
		t.Errorf("error %v", err)
	}
}

// TestNotifierNotification pins the oslo.messaging 2.0 envelope.
func TestNotifierNotification(t *testing.T) {
	s := &notifierSink{publisherID: "telemetry.publisher.h"}
	body := envelope(s.notification("metering", []any{"x\u00e9"}))
	re := regexp.MustCompile(`^\{"oslo.version": "2.0", "oslo.message": "\{\\"message_id\\": \\"[0-9a-f-]{36}\\", ` +
		`\\"publisher_id\\": \\"telemetry.publisher.h\\", \\"event_type\\": \\"metering\\", \\"priority\\": \\"SAMPLE\\", ` +
		`\\"payload\\": \[\\"x\\\\u00e9\\"\], \\"timestamp\\": \\"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d{6})?\\", \\"_unique_id\\": \\"[0-9a-f]{32}\\"\}"\}$`)
	if !re.Match(body) {
		t.Errorf("envelope %s", body)
	}
	if got := pyUTCNow(time.Date(2026, 11, 2, 10, 1, 7, 9973000, time.UTC)); got != "2026-11-02 10:01:07.009973" {
		t.Error(got)
	}
	if got := pyUTCNow(time.Date(2026, 11, 2, 10, 1, 7, 999, time.UTC)); got != "2026-11-02 10:01:07" {
		t.Error(got)
	}
}

// TestNotifierRedeclaresAfterReconnecting: when the connection drops, the
// sink fails retryably until Watermill has reconnected, then declares its
// queue again (here deleted meanwhile) and publishes.
func TestNotifierRedeclaresAfterReconnecting(t *testing.T) {
	topic, _ := testenv.Names(t, "sample")
	s := newTestNotifier(t, notifierURL(t, "topic="+topic), Options{})
	_, samples := fileTestSamples(t, 1)
	if err := s.PublishSamples(context.Background(), samples); err != nil {
		t.Fatal(err)
	}
	s.mu.Lock()
	conn := s.conn.Connection()
	s.mu.Unlock()
	if err := conn.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := notifierRabbit(t).QueueDelete(topic+".sample", false, false, false); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		err := s.PublishSamples(context.Background(), samples)
		if err == nil {
			break
		}
		if processors.IsPermanent(err) || time.Now().After(deadline) {
			t.Fatalf("after the connection dropped: %v", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if n := testenv.QueueDepth(t, topic+".sample"); n != 1 {
		t.Errorf("%s holds %d, want 1", topic+".sample", n)
	}
}
