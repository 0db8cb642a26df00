package routes_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"log/slog"
	"strings"
	"testing"

	"github.com/ThreeDotsLabs/watermill/message"

	"meterflow/routes"
	amqpt "meterflow/transport/amqp"
	jst "meterflow/transport/jetstream"
)

// capturePub records what is published, or fails with err.
type capturePub struct {
	err    error
	topics []string
	msgs   []*message.Message
}

func (p *capturePub) Publish(topic string, msgs ...*message.Message) error {
	if p.err != nil {
		return p.err
	}
	for _, m := range msgs {
		p.topics = append(p.topics, topic)
		p.msgs = append(p.msgs, m)
	}
	return nil
}

func (p *capturePub) Close() error { return nil }

// logLines decodes a JSON slog handler's output, one map per line.
func logLines(t *testing.T, buf *bytes.Buffer) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(buf.String()), "\n") {
		if line == "" {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("log line %q: %v", line, err)
		}
		out = append(out, m)
	}
	return out
}

func runDeadLetter(t *testing.T, pub message.Publisher, handlerErr error, msg *message.Message, opts ...routes.DeadLetterOption) error {
	t.Helper()
	mw, err := routes.DeadLetter(pub, "process", opts...)
	if err != nil {
		t.Fatal(err)
	}
	_, err = mw(func(*message.Message) ([]*message.Message, error) { return nil, handlerErr })(msg)
	return err
}

const envelope = `{"oslo.version": "2.0", "oslo.message": "{\"message_id\": \"body-id\", \"event_type\": \"compute.instance.exists\", \"priority\": \"INFO\", \"publisher_id\": \"nova-compute:h1\", \"timestamp\": \"2026-11-02 10:01:07.009973\", \"payload\": {}, \"_context_request_id\": \"req-42\"}"}`

func TestDeadLetterLogsOneWarningWithTheReasonAndTheMessagesHeaders(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(slog.NewJSONHandler(&buf, nil))
	pub := &capturePub{}
	msg := message.NewMessage("u1", []byte(envelope))
	msg.Metadata = message.Metadata{
		jst.MetadataSubject:    "notifications.nova.info.compute.instance.exists",
		jst.MetadataMsgID:      "msg-7",
		routes.HeaderExchange:  "nova",
		routes.HeaderEventType: "compute.instance.exists",
	}
	if err := runDeadLetter(t, pub, routes.Permanent(errors.New("no such meter")), msg, routes.WithDeadLetterLogger(log)); err != nil {
		t.Fatalf("a dead-lettered message must be acked, got %v", err)
	}
	if len(pub.msgs) != 1 || pub.topics[0] != "deadletter.process" {
		t.Fatalf("published %v", pub.topics)
	}
	lines := logLines(t, &buf)
	if len(lines) != 1 {
		t.Fatalf("%d log lines, want 1: %s", len(lines), buf.String())
	}
	want := map[string]string{
		"level": "WARN", "route": "process", "dead_letter_subject": "deadletter.process",
		"subject": "notifications.nova.info.compute.instance.exists", "exchange": "nova",
		"event_type": "compute.instance.exists", "message_id": "msg-7", "request_id": "req-42",
	}
	for k, v := range want {
		if lines[0][k] != v {
			t.Errorf("%s = %v, want %q", k, lines[0][k], v)
		}
	}
	if r, _ := lines[0]["reason"].(string); !strings.Contains(r, "no such meter") {
		t.Errorf("reason = %q, want the handler's error", r)
	}
}

func TestDeadLetterLogsTheSourceNotificationIDOfASample(t *testing.T) {
	var buf bytes.Buffer
	pub := &capturePub{}
	msg := message.NewMessage("u1", []byte(`{"counter_name": "cpu"}`))
	msg.Metadata = message.Metadata{
		jst.MetadataSubject:         "samples.prom.cpu",
		jst.MetadataMsgID:           "sample-hash",
		routes.HeaderNotificationID: "notif-1",
	}
	if err := runDeadLetter(t, pub, routes.Permanent(errors.New("refused")), msg, routes.WithDeadLetterLogger(slog.New(slog.NewJSONHandler(&buf, nil)))); err != nil {
		t.Fatal(err)
	}
	lines := logLines(t, &buf)
	if len(lines) != 1 || lines[0]["message_id"] != "notif-1" || lines[0]["subject"] != "samples.prom.cpu" {
		t.Fatalf("log: %s", buf.String())
	}
	for _, k := range []string{"exchange", "event_type", "request_id"} {
		if _, ok := lines[0][k]; ok {
			t.Errorf("%s logged though unknown: %s", k, buf.String())
		}
	}
}

func TestDeadLetterLogsAnAMQPDeliveryFromItsBody(t *testing.T) {
	var buf bytes.Buffer
	pub := &capturePub{}
	msg := message.NewMessage("u1", []byte(envelope))
	msg.Metadata = message.Metadata{amqpt.MetadataExchange: "nova", amqpt.MetadataRoutingKey: "notifications.info"}
	if err := runDeadLetter(t, pub, routes.Permanent(errors.New("bad")), msg, routes.WithDeadLetterLogger(slog.New(slog.NewJSONHandler(&buf, nil)))); err != nil {
		t.Fatal(err)
	}
	lines := logLines(t, &buf)
	if len(lines) != 1 {
		t.Fatalf("log: %s", buf.String())
	}
	for k, v := range map[string]string{"exchange": "nova", "subject": "notifications.info", "event_type": "compute.instance.exists", "message_id": "body-id", "request_id": "req-42"} {
		if lines[0][k] != v {
			t.Errorf("%s = %v, want %q", k, lines[0][k], v)
		}
	}
	if got := pub.msgs[0].Metadata.Get(routes.HeaderMsgID); !strings.HasPrefix(got, "dl:") {
		t.Errorf("dead letter id %q", got)
	}
}

func TestDeadLetterLogsNothingForRetriedOrUnstoredMessages(t *testing.T) {
	var buf bytes.Buffer
	log := routes.WithDeadLetterLogger(slog.New(slog.NewJSONHandler(&buf, nil)))
	transient := errors.New("sink down")
	if err := runDeadLetter(t, &capturePub{}, transient, message.NewMessage("u1", nil), log); !errors.Is(err, transient) {
		t.Errorf("a transient error must pass through, got %v", err)
	}
	down := errors.New("nats down")
	if err := runDeadLetter(t, &capturePub{err: down}, routes.Permanent(errors.New("bad")), message.NewMessage("u2", nil), log); !errors.Is(err, down) {
		t.Errorf("a failed dead-letter publish must fail the message, got %v", err)
	}
	if buf.Len() != 0 {
		t.Errorf("logged %s", buf.String())
	}
}

func TestDeadLetterLogsThroughTheDefaultLogger(t *testing.T) {
	var buf bytes.Buffer
	old := slog.Default()
	slog.SetDefault(slog.New(slog.NewJSONHandler(&buf, nil)))
	defer slog.SetDefault(old)
	if err := runDeadLetter(t, &capturePub{}, routes.Permanent(errors.New("bad")), message.NewMessage("u1", []byte("{"))); err != nil {
		t.Fatal(err)
	}
	if lines := logLines(t, &buf); len(lines) != 1 || lines[0]["level"] != "WARN" || lines[0]["msg"] != "message dead-lettered" {
		t.Fatalf("log: %s", buf.String())
	}
}
