package routes

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/ThreeDotsLabs/watermill/message"

	"meterflow/processors"
	"meterflow/processors/fnmatch"
)

// Matcher selects the notifications a route handles. Build one with
// Exchange, Priority, EventType, EventTypeRegexp, Predicate and combine them
// with All, Any and Not; the zero Matcher matches everything.
//
// Matching always happens in Go, on the decoded notification and the
// message's metadata. When the parts of a Matcher are exact (an exchange, a
// priority, an event type or an event type prefix such as
// "compute.instance.*"), a route reading the NOTIFICATIONS log also narrows
// its JetStream filter subject to
// notifications.<exchange>.<priority>.<event_type>, so that the server
// does not even deliver what cannot match.
type Matcher struct {
	match func(n *processors.Notification, md message.Metadata) bool
	// the subject filter tokens this matcher implies, "" for any
	exchange, priority, eventType string
	eventPrefix                   bool // eventType is a prefix of whole tokens
	never                         bool // parts conflict: nothing can match
	err                           error
}

// Match reports whether the matcher selects n, received with metadata md
// (the JetStream headers of a stored notification; md may be nil).
func (m Matcher) Match(n *processors.Notification, md message.Metadata) bool {
	if m.never {
		return false
	}
	return m.match == nil || m.match(n, md)
}

func (m Matcher) isZero() bool {
	return m.match == nil && m.exchange == "" && m.priority == "" && m.eventType == "" && !m.never && m.err == nil
}

// Err is the error of an invalid matcher (a glob Go cannot express), nil
// for a valid one. Registering a route with an invalid matcher fails.
func (m Matcher) Err() error { return m.err }

// Subject is the NOTIFICATIONS filter subject the matcher implies:
// notifications.> when nothing is exact.
func (m Matcher) Subject() string {
	tok := func(s string) string {
		if s == "" {
			return "*"
		}
		return Token(s)
	}
	et := ">"
	switch {
	case m.eventType != "" && m.eventPrefix:
		et = Tokens(m.eventType) + ".>"
	case m.eventType != "":
		et = Tokens(m.eventType)
	}
	if m.exchange == "" && m.priority == "" && et == ">" {
		return NotificationsPrefix + ".>"
	}
	return NotificationsPrefix + "." + tok(m.exchange) + "." + tok(m.priority) + "." + et
}

// Exchange matches notifications published to an exchange whose name
// matches glob (Python fnmatch, as Ceilometer's pipelines match: "*",
// "?", "[seq]"); the exchange is the Meterflow-Exchange header the bridge
// stores. An exact name narrows the filter subject.
func Exchange(glob string) Matcher {
	p, err := fnmatch.Compile(glob)
	if err != nil {
		return Matcher{err: fmt.Errorf("exchange %w", err)}
	}
	m := Matcher{match: func(_ *processors.Notification, md message.Metadata) bool {
		return p.Match(md.Get(HeaderExchange))
	}}
	if !strings.ContainsAny(glob, "*?[") {
		m.exchange = glob
	}
	return m
}

// Priority matches notifications of any of the given priorities (audit,
// debug, info, warn, error, critical, sample; case-insensitive). The
// priority is the one the bridge stored (from the routing key), else the
// notification's own. A single priority narrows the filter subject.
func Priority(priorities ...string) Matcher {
	want := make(map[string]bool, len(priorities))
	for _, p := range priorities {
		want[strings.ToLower(p)] = true
	}
	m := Matcher{match: func(n *processors.Notification, md message.Metadata) bool {
		p := md.Get(HeaderPriority)
		if p == "" {
			p = n.Priority
		}
		return want[strings.ToLower(p)]
	}}
	if len(want) == 1 {
		m.priority = strings.ToLower(priorities[0])
	}
	if len(want) == 0 {
		m.never = true
	}
	return m
}

// EventType matches notifications whose event_type matches glob (Python
// fnmatch, as Ceilometer's event definitions and meters match:
// "compute.instance.*"). An exact event type, or a literal prefix followed
// by "*", narrows the filter subject.
func EventType(glob string) Matcher {
	p, err := fnmatch.Compile(glob)
	if err != nil {
		return Matcher{err: fmt.Errorf("event type %w", err)}
	}
	m := Matcher{match: func(n *processors.Notification, _ message.Metadata) bool {
		return p.Match(n.EventType)
	}}
	switch prefix, star := strings.CutSuffix(glob, "*"); {
	case !strings.ContainsAny(glob, "*?["):
		m.eventType = glob
	case star && !strings.ContainsAny(prefix, "*?["):
		// only whole tokens narrow: "compute.inst*" → compute.>
		if i := strings.LastIndexByte(prefix, '.'); i > 0 {
			m.eventType, m.eventPrefix = prefix[:i], true
		}
	}
	return m
}

// EventTypeRegexp matches notifications whose event_type re matches (as
// re.MatchString: anchor it with ^ and $ to match the whole type).
func EventTypeRegexp(re *regexp.Regexp) Matcher {
	return Matcher{match: func(n *processors.Notification, _ message.Metadata) bool {
		return re.MatchString(n.EventType)
	}}
}

// Predicate matches the notifications f reports true for. f sees the
// decoded notification and the stored message's metadata (headers such as
// HeaderExchange); it must be safe for concurrent use.
func Predicate(f func(n *processors.Notification, md message.Metadata) bool) Matcher {
	return Matcher{match: f}
}

// All matches what every matcher matches (all of none: everything). The
// exact parts of its matchers combine into one filter subject.
func All(ms ...Matcher) Matcher {
	out := Matcher{}
	for _, m := range ms {
		if m.err != nil && out.err == nil {
			out.err = m.err
		}
		out.never = out.never || m.never
		out.exchange, out.never = mergeExact(out.exchange, m.exchange, out.never)
		out.priority, out.never = mergeExact(out.priority, m.priority, out.never)
		out.eventType, out.eventPrefix, out.never = mergeEventType(out.eventType, out.eventPrefix, m.eventType, m.eventPrefix, out.never)
	}
	ms = append([]Matcher(nil), ms...)
	out.match = func(n *processors.Notification, md message.Metadata) bool {
		for _, m := range ms {
			if !m.Match(n, md) {
				return false
			}
		}
		return true
	}
	return out
}

func mergeExact(a, b string, never bool) (string, bool) {
	switch {
	case a == "":
		return b, never
	case b == "" || a == b:
		return a, never
	}
	return a, true
}

// mergeEventType keeps the narrower of two event type parts; disjoint
// ones match nothing.
func mergeEventType(a string, aPrefix bool, b string, bPrefix bool, never bool) (string, bool, bool) {
	covers := func(prefix, s string) bool { return s == prefix || strings.HasPrefix(s, prefix+".") }
	switch {
	case b == "":
		return a, aPrefix, never
	case a == "":
		return b, bPrefix, never
	case aPrefix && covers(a, b) && (b != a || bPrefix):
		return b, bPrefix, never
	case bPrefix && covers(b, a) && (a != b || aPrefix):
		return a, aPrefix, never
	case a == b && aPrefix == bPrefix:
		return a, aPrefix, never
	}
	return a, aPrefix, true
}

// Any matches what at least one matcher matches (any of none: nothing).
// It does not narrow the filter subject.
func Any(ms ...Matcher) Matcher {
	out := Matcher{never: len(ms) == 0}
	for _, m := range ms {
		if m.err != nil && out.err == nil {
			out.err = m.err
		}
	}
	ms = append([]Matcher(nil), ms...)
	out.match = func(n *processors.Notification, md message.Metadata) bool {
		for _, m := range ms {
			if m.Match(n, md) {
				return true
			}
		}
		return false
	}
	return out
}

// Not matches what m does not match. It does not narrow the filter subject.
func Not(m Matcher) Matcher {
	return Matcher{err: m.err, match: func(n *processors.Notification, md message.Metadata) bool {
		return !m.Match(n, md)
	}}
}
