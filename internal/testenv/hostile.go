package testenv

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

// Hostile is one body of the hostile corpus and what meterflow must make of
// it: stored in NOTIFICATIONS (a notification oslo.messaging would accept,
// however strange), or dead-lettered on deadletter.bridge with a reason
// containing one of Reasons.
type Hostile struct {
	Category string
	Name     string
	Body     []byte
	// Stored: a valid notification, to be stored and converted.
	Stored bool
	// EventType is the event type a stored body is stored under, before
	// subject sanitizing.
	EventType string
	// MessageID is a stored body's message_id ("" when it has none).
	MessageID string
	// Meters are meters a stored body must produce a sample of.
	Meters []string
	// Reasons: a dead letter's reason_poisoned contains one of them.
	Reasons []string
}

// HostileOversize is the size of the corpus' oversized body: 16 MiB.
const HostileOversize = 16 << 20

// HostileCorpus returns the hostile bodies, always the same ones in the same
// order. base is a well-formed corpus body (an oslo "2.0" envelope) that the
// truncated bodies are cut from. Every stored body has a message_id of its
// own starting with "hostile-", so none is deduplicated against another.
func HostileCorpus(base string) []Hostile {
	var out []Hostile
	dl := func(cat, name string, body []byte, reasons ...string) {
		out = append(out, Hostile{Category: cat, Name: name, Body: body, Reasons: reasons})
	}
	ok := func(cat, name, eventType string, body []byte, meters ...string) {
		out = append(out, Hostile{Category: cat, Name: name, Body: body, Stored: true, EventType: eventType,
			MessageID: "hostile-" + name, Meters: meters})
	}
	// msg is an un-enveloped (pre-2.0) notification whose fields are raw
	// JSON texts, in order; id, if not "", is its message_id.
	msg := func(name string, fields ...string) string {
		var b strings.Builder
		b.WriteString(`{"message_id": "hostile-` + name + `", "publisher_id": "hostile.test", "priority": "INFO", "timestamp": "2024-01-02 03:04:05.678901"`)
		for i := 0; i+1 < len(fields); i += 2 {
			b.WriteString(", " + quote(fields[i]) + ": " + fields[i+1])
		}
		b.WriteString("}")
		return b.String()
	}
	env := func(inner string) []byte {
		return []byte(`{"oslo.version": "2.0", "oslo.message": ` + quote(inner) + `}`)
	}
	image := func(size string) string {
		return `{"id": "img-hostile", "owner": "proj-hostile", "size": ` + size + `, "status": "active"}`
	}

	// truncated JSON: a real body cut at several points
	cuts := []int{1, 2, 17, len(base) / 4, len(base) / 2, 3 * len(base) / 4, len(base) - 2, len(base) - 1}
	for _, n := range cuts {
		dl("truncated", fmt.Sprintf("corpus-cut-at-%d", n), []byte(base[:n]), "Expecting", "Unterminated")
	}
	plain := msg("plain", "event_type", `"compute.instance.exists"`, "payload", `{"instance_id": "i-1"}`)
	for _, n := range []int{len(plain) / 3, len(plain) - 1} {
		dl("truncated", fmt.Sprintf("unenveloped-cut-at-%d", n), []byte(plain[:n]), "Expecting", "Unterminated")
	}

	// invalid UTF-8
	for _, c := range []struct{ name, bad string }{{"ff", "\xff\xfe"}, {"bad-continuation", "\xc3\x28"}, {"overlong", "\xc0\xaf"},
		{"cut-multibyte", "\xe2\x82"}, {"utf16-surrogate-high-byte", "\xed\xa0"}} {
		name, bad := c.name, c.bad
		dl("invalid-utf8", "raw-"+name, []byte(msg("u8"+name, "event_type", `"compute.instance.exists"`, "payload", `{"display_name": "`+bad+`"}`)), "invalid UTF-8")
	}
	dl("invalid-utf8", "inside-envelope", []byte("{\"oslo.version\": \"2.0\", \"oslo.message\": \"{\\\"event_type\\\": \\\"a\xffb\\\"}\"}"), "invalid UTF-8")

	// oversized: 16 MiB, a notification in every other respect
	head := msg("oversize", "event_type", `"compute.instance.exists"`, "payload", `{"blob": "`)
	big := make([]byte, 0, HostileOversize)
	big = append(big, head[:len(head)-1]...) // without the closing brace
	for len(big) < HostileOversize-3 {
		big = append(big, 'a'+byte(len(big)%26))
	}
	big = append(big, `"}}`...)
	dl("oversize", "16MiB", big, "over the")

	// deep nesting: 10,000 levels, as the whole body and as a payload
	deep := func(n int, open, close string, leaf string) string {
		return strings.Repeat(open, n) + leaf + strings.Repeat(close, n)
	}
	const depthReason = "maximum nesting depth"
	dl("deep", "body-arrays-10000", []byte(deep(10000, "[", "]", "1")), depthReason)
	dl("deep", "body-objects-10000", []byte(deep(10000, `{"a": `, "}", "1")), depthReason)
	dl("deep", "body-unclosed-10000", []byte(strings.Repeat("[", 10000)), depthReason)
	dl("deep", "payload-10000", []byte(msg("deep1", "event_type", `"compute.instance.exists"`, "payload", deep(10000, "[", "]", "0"))), depthReason)
	dl("deep", "envelope-payload-10000", env(msg("deep2", "event_type", `"compute.instance.exists"`, "payload", deep(10000, `{"x": `, "}", "0"))), depthReason)
	// a meter definition's path into a deep payload: the converter walks it
	dl("deep-meter", "image.upload-size-5000", env(msg("deep3", "event_type", `"image.upload"`, "payload", image(deep(5000, `{"size": `, "}", "1")))), depthReason)
	ok("deep-meter", "image.upload-size-990", "image.upload", env(msg("image.upload-size-990", "event_type", `"image.upload"`, "payload", image(deep(990, `{"size": `, "}", "1")))))
	ok("deep-meter", "image.upload-size-list-990", "image.upload", env(msg("image.upload-size-list-990", "event_type", `"image.upload"`, "payload", image(deep(990, "[", "]", "1")))))

	// wrong types everywhere
	for _, c := range []struct{ kind, v string }{{"number", "42"}, {"array", `["image.upload"]`}, {"object", `{"type": "image.upload"}`}, {"boolean", "true"}} {
		kind, v := c.kind, c.v
		dl("wrong-type", "event_type-"+kind, []byte(msg("et"+kind, "event_type", v, "payload", "{}")), "event_type is a JSON "+kind)
		dl("wrong-type", "envelope-event_type-"+kind, env(msg("eet"+kind, "event_type", v, "payload", "{}")), "event_type is a JSON "+kind)
	}
	dl("wrong-type", "event_type-null", []byte(msg("etnull", "event_type", "null", "payload", "{}")), "missing event_type")
	dl("wrong-type", "event_type-missing", []byte(msg("etmissing", "payload", "{}")), "missing event_type")
	dl("wrong-type", "event_type-empty", []byte(msg("etempty", "event_type", `""`, "payload", "{}")), "empty event_type")
	for _, c := range []struct{ kind, v string }{{"string", `"a string"`}, {"number", "12.5"}, {"null", "null"}, {"array", "[1, 2]"}} {
		kind, v := c.kind, c.v
		ok("wrong-type", "payload-"+kind, "image.upload", env(msg("payload-"+kind, "event_type", `"image.upload"`, "payload", v)))
	}
	for _, c := range []struct{ kind, v string }{{"object", `{"event_type": "image.upload"}`}, {"number", "1"}, {"array", "[]"}, {"null", "null"}} {
		kind, v := c.kind, c.v
		dl("wrong-type", "oslo.message-"+kind, []byte(`{"oslo.version": "2.0", "oslo.message": `+v+`}`), "oslo.message is a JSON "+kind+", not a string")
	}
	dl("wrong-type", "oslo.message-string-of-array", []byte(`{"oslo.version": "2.0", "oslo.message": "[1, 2]"}`), "oslo.message is a JSON array, not an object")
	dl("wrong-type", "oslo.version-number", []byte(`{"oslo.version": 2.0, "oslo.message": "{}"}`), "unsupported envelope version")
	dl("wrong-type", "oslo.version-3", []byte(`{"oslo.version": "3.0", "oslo.message": "{}"}`), "unsupported envelope version")
	for _, f := range []struct{ key, v, kind string }{
		{"priority", "3", "number"}, {"message_id", "123", "number"}, {"publisher_id", `{"host": "h"}`, "object"}, {"timestamp", "1704164645", "number"},
	} {
		// the field comes again after msg's own, and the last value counts
		dl("wrong-type", f.key+"-"+f.kind, env(msg("wt"+f.key, "event_type", `"image.upload"`, f.key, f.v, "payload", "{}")), f.key+" is a JSON "+f.kind)
	}

	// huge arrays within the size limit
	arr := "[" + strings.TrimSuffix(strings.Repeat("1, ", 100_000), ", ") + "]"
	ok("huge-array", "payload-1e5", "compute.instance.exists", env(msg("payload-1e5", "event_type", `"compute.instance.exists"`, "payload", arr)))
	ok("huge-array", "image.upload-field-1e5", "image.upload", []byte(msg("image.upload-field-1e5", "event_type", `"image.upload"`,
		"payload", `{"id": "img-huge", "owner": "p", "size": 7, "checksums": `+arr+`}`)), "image.size")

	// NaN and infinities: Python's json accepts them, so these are notifications
	for _, c := range []struct{ name, v string }{{"nan", "NaN"}, {"inf", "Infinity"}, {"-inf", "-Infinity"}} {
		name, v := c.name, c.v
		ok("nan-inf", "image.upload-size-"+name, "image.upload", env(msg("image.upload-size-"+name, "event_type", `"image.upload"`, "payload", image(v))), "image.size")
		ok("nan-inf", "unenveloped-"+name, "image.upload", []byte(msg("unenveloped-"+name, "event_type", `"image.upload"`, "payload", image(v))), "image.size")
	}

	// duplicate keys: the last value counts, in its first position
	ok("duplicate-keys", "event_type-twice", "image.upload", env(msg("event_type-twice", "event_type", `"bogus.first"`, "payload", image("3"), "event_type", `"image.upload"`)), "image.size")
	ok("duplicate-keys", "payload-twice", "image.upload", env(msg("payload-twice", "event_type", `"image.upload"`, "payload", `"not this"`, "payload", image("4"))), "image.size")
	ok("duplicate-keys", "oslo.message-twice", "image.upload", []byte(`{"oslo.version": "2.0", "oslo.message": "{}", "oslo.message": `+
		quote(msg("oslo.message-twice", "event_type", `"image.upload"`, "payload", image("5")))+`}`), "image.size")

	// an envelope inside an envelope: oslo unwraps once, and the inner
	// message then has no event_type
	dl("nested-envelope", "envelope-in-envelope", env(string(env(msg("nested", "event_type", `"image.upload"`, "payload", image("6"))))), "missing event_type")

	// lone surrogates: Python keeps them, meterflow makes them U+FFFD
	ok("surrogate", "escaped-in-payload", "image.upload", []byte(msg("escaped-in-payload", "event_type", `"image.upload"`,
		"payload", `{"id": "img-\ud800", "owner": "p\udc00\ud800", "size": 8}`)), "image.size")
	ok("surrogate", "escaped-in-envelope", "image.upload", env(msg("escaped-in-envelope", "event_type", `"image.upload"`,
		"payload", `{"id": "img-\udbff", "owner": "p", "size": 9}`)), "image.size")
	ok("surrogate", "escaped-in-event_type", "compute.\ufffd.exists", []byte(msg("escaped-in-event_type", "event_type", `"compute.\ud800.exists"`, "payload", "{}")))
	ok("surrogate", "raw-cesu-bytes", "image.upload", []byte(msg("raw-cesu-bytes", "event_type", `"image.upload"`,
		"payload", "{\"id\": \"img-\xed\xa0\x80\", \"owner\": \"p\", \"size\": 10}")), "image.size")

	// byte order marks
	ok("bom", "bom-envelope", "image.upload", append([]byte("\xef\xbb\xbf"), env(msg("bom-envelope", "event_type", `"image.upload"`, "payload", image("11")))...), "image.size")
	dl("bom", "two-boms", append([]byte("\xef\xbb\xbf\xef\xbb\xbf"), env(msg("bom2", "event_type", `"image.upload"`, "payload", image("12")))...), "Expecting value")

	// bodies that are not objects
	dl("not-an-object", "empty", []byte{}, "Expecting value")
	dl("not-an-object", "whitespace", []byte(" \t\r\n  \n"), "Expecting value")
	dl("not-an-object", "string", []byte(`"compute.instance.exists"`), "body is a JSON string, not an object")
	dl("not-an-object", "null", []byte(`null`), "body is a JSON null, not an object")
	dl("not-an-object", "number", []byte(`1e999`), "body is a JSON number, not an object")
	dl("not-an-object", "array", []byte(`[{"event_type": "image.upload"}]`), "body is a JSON array, not an object")
	dl("not-an-object", "extra-data", []byte(`{"event_type": "image.upload"} {}`), "Extra data")

	// an extremely long event type: it would make a NATS subject longer
	// than the server accepts (routes.MaxEventTypeBytes)
	long := "compute." + strings.Repeat("x", 100<<10)
	dl("long-event_type", "100KiB", env(msg("100KiB", "event_type", quote(long), "payload", "{}")), "event_type of 102408 bytes is over the 255-byte limit")
	long = "compute." + strings.Repeat("x", 255-len("compute."))
	ok("long-event_type", "255B", long, env(msg("255B", "event_type", quote(long), "payload", "{}")))

	// control characters where meterflow copies values into headers and
	// subjects
	ok("control-chars", "crlf-in-event_type", "image.upload\r\nX-Injected: 1", env(msg("crlf-in-event_type", "event_type", `"image.upload\r\nX-Injected: 1"`, "payload", image("13"))))
	ok("control-chars", "crlf-in-publisher_id", "image.upload", env(msg("crlf-in-publisher_id", "event_type", `"image.upload"`, "publisher_id", `"a\r\nNats-Msg-Id: x"`, "payload", image("14"))), "image.size")
	// a CR or LF in message_id: stored and converted, with the id made fit
	// for headers (CR and LF become "_") wherever meterflow uses it
	out = append(out, Hostile{Category: "control-chars", Name: "crlf-in-message_id", Stored: true,
		EventType: "image.upload", MessageID: "hostile-crlf__id", Meters: []string{"image.size"},
		Body: env(msg("crlf-in-message_id", "event_type", `"image.upload"`, "message_id", `"hostile-crlf\r\nid"`, "payload", image("16")))})
	ok("control-chars", "nul-in-event_type", "image\u0000upload", env(msg("nul-in-event_type", "event_type", `"image\u0000upload"`, "payload", image("15"))))
	return out
}

// quote is s as a JSON string.
func quote(s string) string {
	b, err := json.Marshal(s)
	if err != nil {
		panic(err)
	}
	return string(b)
}

// PublishMixed publishes the good cases (each to its exchange, routing key
// <topic>.<priority>) and the hostile bodies (to hostileExchange, routing
// key <topic>.info) interleaved evenly, on one channel, and waits for the
// broker's confirms.
func PublishMixed(t testing.TB, topic, hostileExchange string, good []Case, hostile []Hostile) {
	t.Helper()
	publishConfirmed(t, func(publish func(string, string, []byte)) {
		for i, j := 0, 0; i < len(good) || j < len(hostile); {
			// keep i/len(good) and j/len(hostile) level
			if j == len(hostile) || i < len(good) && i*len(hostile) <= j*len(good) {
				publish(good[i].Exchange, topic+"."+good[i].Priority(), []byte(good[i].Body))
				i++
			} else {
				publish(hostileExchange, topic+".info", hostile[j].Body)
				j++
			}
		}
	})
}
