package jetstream

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// toNATS is the NATS message the Publisher sends for msg.
func toNATS(subject string, msg *message.Message, msgID string) (*nats.Msg, error) {
	var nm natsMsg
	if err := nm.fill(subject, msg, msgID); err != nil {
		return nil, err
	}
	return &nm.Msg, nil
}

func TestToNATS_MapsMetadataUUIDAndMsgID(t *testing.T) {
	m := message.NewMessage("u-1", []byte{0, 1, 2})
	m.Metadata.Set("Event-Type", "image.update")
	m.Metadata.Set(MsgIDKey, "ignored: the id comes from the msgID argument")
	m.Metadata.Set(MetadataStreamSeq, "7")

	nm, err := toNATS("a.b", m, "id-1")
	if err != nil {
		t.Fatal(err)
	}
	if nm.Subject != "a.b" || &nm.Data[0] != &m.Payload[0] {
		t.Error("subject or payload not passed through")
	}
	want := map[string]string{"Event-Type": "image.update", UUIDHeader: "u-1", MsgIDKey: "id-1"}
	if len(nm.Header) != len(want) {
		t.Fatalf("headers = %v", nm.Header)
	}
	for k, v := range want {
		if got := nm.Header.Get(k); got != v {
			t.Errorf("header %s = %q, want %q", k, got, v)
		}
	}
}

func TestToNATS_NoMsgIDHeaderWithoutID(t *testing.T) {
	nm, err := toNATS("a", message.NewMessage("", nil), "")
	if err != nil {
		t.Fatal(err)
	}
	if len(nm.Header) != 0 {
		t.Fatalf("headers = %v", nm.Header)
	}
}

func TestToNATS_RejectsMetadataNATSWouldAlter(t *testing.T) {
	for _, md := range []map[string]string{
		{"": "v"}, {"with space": "v"}, {"colon:": "v"}, {"tab\t": "v"}, {"é": "v"},
		{"k": "a\r\nInjected: 1"}, {"k": "line\n"},
	} {
		if _, err := toNATS("a", newMsg("u", "x", md), ""); !errors.Is(err, ErrInvalidMetadata) {
			t.Errorf("%q: err = %v, want ErrInvalidMetadata", md, err)
		}
	}
	if _, err := toNATS("a", newMsg("u", "x", nil), "bad\nid"); !errors.Is(err, ErrInvalidMetadata) {
		t.Errorf("msg id with newline: err = %v", err)
	}
}

func TestMsgIDFuncs(t *testing.T) {
	plain := newMsg("uuid", "x", nil)
	withID := newMsg("uuid", "x", map[string]string{MsgIDKey: "explicit"})
	if MsgIDFromMetadata(plain) != "" || MsgIDFromMetadata(withID) != "explicit" {
		t.Error("MsgIDFromMetadata")
	}
	if MsgIDFromMetadataOrUUID(plain) != "uuid" || MsgIDFromMetadataOrUUID(withID) != "explicit" {
		t.Error("MsgIDFromMetadataOrUUID")
	}
}

// fakeMsg is a delivered message with the metadata a test gives it.
type fakeMsg struct {
	jetstream.Msg // the methods fromJetStream does not call panic
	meta          *jetstream.MsgMetadata
	hdr           nats.Header
}

func (m fakeMsg) Metadata() (*jetstream.MsgMetadata, error) { return m.meta, nil }
func (m fakeMsg) Headers() nats.Header                      { return m.hdr }
func (m fakeMsg) Data() []byte                              { return []byte("body") }
func (m fakeMsg) Subject() string                           { return "notifications.nova.info.x" }

func TestFromJetStream_DeliveryMetadata(t *testing.T) {
	ts := time.Date(2026, 12, 7, 22, 53, 1, 123456789, time.FixedZone("CET", 3600))
	jm := fakeMsg{meta: &jetstream.MsgMetadata{
		Sequence:     jetstream.SequencePair{Stream: 18446744073709551615, Consumer: 42},
		NumDelivered: 3, NumPending: 0, Timestamp: ts, Stream: "NOTIFICATIONS", Consumer: "process",
	}, hdr: nats.Header{MsgIDKey: []string{"m-1"}, "Event-Type": []string{"compute.instance.create.end"}}}
	m := fromJetStream(context.Background(), jm)
	want := map[string]string{
		MetadataStreamSeq:    "18446744073709551615",
		MetadataConsumerSeq:  "42",
		MetadataNumDelivered: "3",
		MetadataNumPending:   "0",
		MetadataTimestamp:    "2026-12-07T21:53:01.123456789Z",
		MetadataStream:       "NOTIFICATIONS",
		MetadataConsumer:     "process",
		MetadataMsgID:        "m-1",
		MetadataSubject:      "notifications.nova.info.x",
		"Event-Type":         "compute.instance.create.end",
	}
	for k, v := range want {
		if got := m.Metadata.Get(k); got != v {
			t.Errorf("%s = %q, want %q", k, got, v)
		}
	}
	if m.UUID != "NOTIFICATIONS:18446744073709551615" || string(m.Payload) != "body" {
		t.Errorf("uuid %q, payload %q", m.UUID, m.Payload)
	}
}
