package event

import (
	"strings"
	"testing"

	"meterflow/processors"
	"meterflow/processors/jsonv"
)

// notification builds a notification from the dictionary Ceilometer's
// endpoints receive, written as JSON ({"event_type", "publisher_id",
// "metadata": {"message_id", "timestamp"}, "payload", "ctxt"}).
func notification(t testing.TB, priority, doc string) *processors.Notification {
	t.Helper()
	v, err := jsonv.Parse([]byte(doc))
	if err != nil {
		t.Fatalf("notification %s: %v", doc, err)
	}
	o := v.(*jsonv.Object)
	n := &processors.Notification{Priority: priority, Doc: o}
	n.EventType, _ = get(o, "event_type").(string)
	n.PublisherID, _ = get(o, "publisher_id").(string)
	n.Payload = get(o, "payload")
	n.Context, _ = get(o, "ctxt").(*jsonv.Object)
	if md, ok := get(o, "metadata").(*jsonv.Object); ok {
		n.MessageID, _ = get(md, "message_id").(string)
		n.Timestamp, _ = get(md, "timestamp").(string)
	}
	return n
}

func get(o *jsonv.Object, key string) any {
	v, _ := o.Get(key)
	return v
}

// testNotification is ConverterBase._create_test_notification of
// Ceilometer's tests: payload is the payload object as JSON.
func testNotification(t testing.TB, eventType, messageID, payload string) *processors.Notification {
	return notification(t, "info", `{"event_type": "`+eventType+`",
		"metadata": {"message_id": "`+messageID+`", "timestamp": "2013-08-08 21:06:37.803826"},
		"publisher_id": "compute.host-1-2-3", "payload": `+payload+`}`)
}

// mustParse loads definitions written inline, failing the test on error.
func mustParse(t testing.TB, yamlText string, opts ...Option) *Converter {
	t.Helper()
	c, err := Parse("test.yaml", []byte(dedent(yamlText)), opts...)
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	return c
}

// dedent removes the indentation of the first non-empty line from every
// line, so that YAML can be written indented in Go source.
func dedent(s string) string {
	lines := strings.Split(strings.TrimLeft(s, "\n"), "\n")
	indent := ""
	for _, l := range lines {
		if strings.TrimSpace(l) != "" {
			indent = l[:len(l)-len(strings.TrimLeft(l, " \t"))]
			break
		}
	}
	for i, l := range lines {
		lines[i] = strings.TrimPrefix(l, indent)
	}
	return strings.Join(lines, "\n")
}

// mustEvent converts n, failing the test on error or a dropped notification.
func mustEvent(t testing.TB, c *Converter, n *processors.Notification) *processors.Event {
	t.Helper()
	e, err := c.Event(n)
	if err != nil {
		t.Fatalf("Event: %v", err)
	}
	if e == nil {
		t.Fatalf("Event: %s dropped", n.EventType)
	}
	return e
}

// traitOf returns the named trait of e.
func traitOf(e *processors.Event, name string) (processors.Trait, bool) {
	for _, tr := range e.Traits {
		if tr.Name == name {
			return tr, true
		}
	}
	return processors.Trait{}, false
}

func traitNames(e *processors.Event) []string {
	names := make([]string, len(e.Traits))
	for i, tr := range e.Traits {
		names[i] = tr.Name
	}
	return names
}
