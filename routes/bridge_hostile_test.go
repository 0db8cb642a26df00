package routes

import (
	"errors"
	"strings"
	"testing"

	"github.com/ThreeDotsLabs/watermill/message"

	"meterflow/processors"
)

type recordingPublisher struct {
	topics []string
	msgs   []*message.Message
}

func (p *recordingPublisher) Publish(topic string, msgs ...*message.Message) error {
	for _, m := range msgs {
		for k, v := range m.Metadata {
			if strings.ContainsAny(v, "\r\n") {
				return errors.New("header " + k + " contains CR or LF") // as the JetStream publisher fails
			}
		}
		p.topics, p.msgs = append(p.topics, topic), append(p.msgs, m)
	}
	return nil
}

func (p *recordingPublisher) Close() error { return nil }

func TestBridgeDeadLettersAnEventTypeTooLongForASubject(t *testing.T) {
	pub := &recordingPublisher{}
	b := &Bridge{Publisher: pub}
	body := `{"event_type": "compute.` + strings.Repeat("x", 100<<10) + `", "payload": {}}`
	err := b.Handle(message.NewMessage("1", []byte(body)))
	if !errors.Is(err, processors.ErrMalformed) || !strings.Contains(err.Error(), "over the 255-byte limit") {
		t.Fatalf("err = %v, want a malformed event_type over the limit", err)
	}
	body = `{"event_type": "compute.` + strings.Repeat("x", MaxEventTypeBytes-len("compute.")) + `", "payload": {}}`
	if err := b.Handle(message.NewMessage("2", []byte(body))); err != nil {
		t.Fatalf("event_type of exactly %d bytes: %v", MaxEventTypeBytes, err)
	}
}

func TestBridgeStoresCRAndLFInHeaderFieldsAsUnderscores(t *testing.T) {
	pub := &recordingPublisher{}
	b := &Bridge{Publisher: pub}
	body := `{"event_type": "image.upload\r\nX: 1", "publisher_id": "a\nb", "message_id": "id\r1", "priority": "IN\nFO", "payload": {}}`
	if err := b.Handle(message.NewMessage("1", []byte(body))); err != nil {
		t.Fatal(err)
	}
	h := pub.msgs[0].Metadata
	if h[HeaderEventType] != "image.upload__X: 1" || h[HeaderPublisherID] != "a_b" || h[HeaderMsgID] != "id_1" || h[HeaderPriority] != "in_fo" {
		t.Fatalf("headers %v", h)
	}
	if string(pub.msgs[0].Payload) != body {
		t.Fatal("body changed")
	}
}

func TestOversizedBodyUnderASmallLimitIsCutNotPanicked(t *testing.T) {
	b := &Bridge{Publisher: nil, MaxBodyBytes: 1000}
	msg := message.NewMessage("x", []byte(`{"event_type": "x", "payload": "`+strings.Repeat("a", 5000)+`"}`))
	err := b.Handle(msg)
	if !IsPermanent(err) {
		t.Fatalf("error %v, want permanent", err)
	}
	if len(msg.Payload) != 5034 || msg.Metadata.Get(HeaderOrigSize) != "5034" {
		t.Fatalf("dead letter keeps %d bytes, original size %q", len(msg.Payload), msg.Metadata.Get(HeaderOrigSize))
	}
}
