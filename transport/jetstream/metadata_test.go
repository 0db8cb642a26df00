package jetstream

import (
	"errors"
	"testing"

	"github.com/ThreeDotsLabs/watermill/message"
)

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
