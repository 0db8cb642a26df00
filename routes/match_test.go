package routes_test

import (
	"encoding/json"
	"regexp"
	"testing"

	"github.com/ThreeDotsLabs/watermill/message"

	"meterflow/processors"
	"meterflow/routes"
)

// wireBody is an oslo.messaging v2 wire body of a notification.
func wireBody(t testing.TB, eventType, priority, messageID string, payload map[string]any) []byte {
	t.Helper()
	inner, err := json.Marshal(map[string]any{
		"message_id": messageID, "publisher_id": "compute.host1", "event_type": eventType,
		"priority": priority, "payload": payload, "timestamp": "2026-11-08 17:08:31.000000",
		"_context_project_id": "ctx-project",
	})
	if err != nil {
		t.Fatal(err)
	}
	body, err := json.Marshal(map[string]string{"oslo.version": "2.0", "oslo.message": string(inner)})
	if err != nil {
		t.Fatal(err)
	}
	return body
}

func decoded(t testing.TB, eventType, priority string) *processors.Notification {
	t.Helper()
	n, err := processors.Decode(wireBody(t, eventType, priority, "m1", map[string]any{"x": 1}))
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestMatchersSelectByExchangePriorityEventTypeRegexpAndPredicate(t *testing.T) {
	create := decoded(t, "compute.instance.create.end", "INFO")
	auth := decoded(t, "identity.authenticate", "info")
	nova := message.Metadata{routes.HeaderExchange: "nova", routes.HeaderPriority: "info"}
	keystone := message.Metadata{routes.HeaderExchange: "keystone", routes.HeaderPriority: "error"}
	for _, tc := range []struct {
		name string
		m    routes.Matcher
		n    *processors.Notification
		md   message.Metadata
		want bool
	}{
		{"zero matcher matches everything", routes.Matcher{}, create, nil, true},
		{"exact exchange", routes.Exchange("nova"), create, nova, true},
		{"other exchange", routes.Exchange("nova"), create, keystone, false},
		{"exchange glob", routes.Exchange("n?v*"), create, nova, true},
		{"priority from the stored header beats the body's", routes.Priority("error"), create, keystone, true},
		{"priority from the body without a header", routes.Priority("info"), create, nil, true},
		{"priorities are case-insensitive", routes.Priority("INFO", "warn"), auth, nil, true},
		{"no priorities match nothing", routes.Priority(), auth, nil, false},
		{"event type glob", routes.EventType("compute.instance.*"), create, nil, true},
		{"event type glob elsewhere", routes.EventType("compute.instance.*"), auth, nil, false},
		{"event type exact", routes.EventType("identity.authenticate"), auth, nil, true},
		{"event type regexp", routes.EventTypeRegexp(regexp.MustCompile(`^identity\.`)), auth, nil, true},
		{"event type regexp elsewhere", routes.EventTypeRegexp(regexp.MustCompile(`^identity\.`)), create, nil, false},
		{"predicate sees the payload", routes.Predicate(func(n *processors.Notification, _ message.Metadata) bool {
			return n.Payload != nil
		}), create, nil, true},
		{"all", routes.All(routes.Exchange("nova"), routes.EventType("compute.*")), create, nova, true},
		{"all fails on one", routes.All(routes.Exchange("nova"), routes.EventType("identity.*")), create, nova, false},
		{"all of disjoint exact parts", routes.All(routes.Exchange("nova"), routes.Exchange("keystone")), create, nova, false},
		{"any", routes.Any(routes.EventType("identity.*"), routes.EventType("compute.*")), create, nil, true},
		{"any of none", routes.Any(), create, nil, false},
		{"not", routes.Not(routes.EventType("compute.*")), auth, nil, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.m.Match(tc.n, tc.md); got != tc.want {
				t.Errorf("Match = %v, want %v", got, tc.want)
			}
			if err := tc.m.Err(); err != nil {
				t.Errorf("Err = %v", err)
			}
		})
	}
}

func TestMatcherSubjectNarrowsTheLogFilterOnlyOnExactParts(t *testing.T) {
	for _, tc := range []struct {
		m    routes.Matcher
		want string
	}{
		{routes.Matcher{}, "notifications.>"},
		{routes.Exchange("nova"), "notifications.nova.*.>"},
		{routes.Exchange("no*"), "notifications.>"},
		{routes.Priority("info"), "notifications.*.info.>"},
		{routes.Priority("info", "error"), "notifications.>"},
		{routes.EventType("compute.instance.create.end"), "notifications.*.*.compute.instance.create.end"},
		{routes.EventType("compute.instance.*"), "notifications.*.*.compute.instance.>"},
		{routes.EventType("compute.inst*"), "notifications.*.*.compute.>"},
		{routes.EventType("comp*"), "notifications.>"},
		{routes.EventType("compute.*.end"), "notifications.>"},
		{routes.EventType("weird event>type"), "notifications.*.*.weird_event_type"},
		{routes.All(routes.Exchange("nova"), routes.Priority("info"), routes.EventType("compute.instance.*")),
			"notifications.nova.info.compute.instance.>"},
		{routes.All(routes.EventType("compute.*"), routes.EventType("compute.instance.create.end")),
			"notifications.*.*.compute.instance.create.end"},
		{routes.All(routes.Exchange("nova"), routes.Predicate(func(*processors.Notification, message.Metadata) bool { return true })),
			"notifications.nova.*.>"},
		{routes.Any(routes.Exchange("nova"), routes.Exchange("nova")), "notifications.>"},
		{routes.Not(routes.Exchange("nova")), "notifications.>"},
		{routes.EventTypeRegexp(regexp.MustCompile(`^compute\.`)), "notifications.>"},
	} {
		if got := tc.m.Subject(); got != tc.want {
			t.Errorf("%s, want %s", got, tc.want)
		}
	}
}

// A narrowed subject must capture every notification the matcher matches,
// as the bridge names its subject.
func TestNarrowedSubjectCapturesWhatTheMatcherMatches(t *testing.T) {
	m := routes.All(routes.Exchange("nova"), routes.Priority("info"), routes.EventType("compute.instance.*"))
	for _, et := range []string{"compute.instance.create.end", "compute.instance.", "compute.instance.a b"} {
		subject := routes.NotificationSubject("nova", "info", et)
		if !m.Match(decoded(t, et, "info"), message.Metadata{routes.HeaderExchange: "nova", routes.HeaderPriority: "info"}) {
			t.Errorf("%q does not match", et)
		}
		if !subjectMatches(m.Subject(), subject) {
			t.Errorf("filter %s misses %s", m.Subject(), subject)
		}
	}
}

// subjectMatches is NATS subject matching of a literal subject.
func subjectMatches(filter, subject string) bool {
	f, s := splitDots(filter), splitDots(subject)
	for i, tok := range f {
		switch {
		case tok == ">":
			return len(s) > i
		case i >= len(s):
			return false
		case tok != "*" && tok != s[i]:
			return false
		}
	}
	return len(f) == len(s)
}

func splitDots(s string) []string {
	var out []string
	start := 0
	for i := 0; i <= len(s); i++ {
		if i == len(s) || s[i] == '.' {
			out = append(out, s[start:i])
			start = i + 1
		}
	}
	return out
}
