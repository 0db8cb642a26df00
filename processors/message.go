package processors

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"

	"meterflow/processors/jsonv"
)

// MeterMessage is a sample as Ceilometer's publishers send it
// (ceilometer.publisher.utils.meter_message_from_counter): counter_* field
// names, message_id = the sample's id, and message_signature, an HMAC of
// the other fields with secret ("" when secret is empty).
func MeterMessage(s *Sample, secret string) *jsonv.Object {
	m := jsonv.NewObject(13)
	m.Set("source", s.Source)
	m.Set("counter_name", s.Name)
	m.Set("counter_type", s.Type)
	m.Set("counter_unit", s.Unit)
	m.Set("counter_volume", s.Volume)
	m.Set("user_id", s.UserID)
	m.Set("project_id", s.ProjectID)
	m.Set("resource_id", s.ResourceID)
	m.Set("timestamp", s.Timestamp)
	m.Set("resource_metadata", orEmpty(s.ResourceMetadata))
	m.Set("message_id", s.ID)
	m.Set("monotonic_time", nil)
	m.Set("message_signature", Signature(m, secret))
	return m
}

// EventMessage is an event as Ceilometer's publishers send it
// (utils.message_from_event): Event.serialize() with traits as
// [name, dtype, value] triples, and message_signature.
func EventMessage(e *Event, secret string) *jsonv.Object {
	m := jsonv.NewObject(6)
	m.Set("message_id", e.MessageID)
	m.Set("event_type", e.EventType)
	m.Set("generated", e.Generated)
	traits := make([]any, len(e.Traits))
	triples := make([]any, 3*len(e.Traits)) // one allocation for all of them
	for i, t := range e.Traits {
		triple := triples[3*i : 3*i+3 : 3*i+3]
		triple[0], triple[1], triple[2] = t.Name, int64(t.Type), t.Value
		traits[i] = triple
	}
	m.Set("traits", traits)
	m.Set("raw", orEmpty(e.Raw))
	m.Set("message_signature", Signature(m, secret))
	return m
}

// AppendMeterMessage appends the compact JSON of MeterMessage(s, secret),
// byte for byte, without building it: the process route writes one per
// sample and sink.
func AppendMeterMessage(dst []byte, s *Sample, secret string) []byte {
	dst = append(dst, `{"source":`...)
	dst = jsonv.AppendString(dst, s.Source)
	dst = append(dst, `,"counter_name":`...)
	dst = jsonv.AppendString(dst, s.Name)
	dst = append(dst, `,"counter_type":`...)
	dst = jsonv.AppendString(dst, s.Type)
	dst = append(dst, `,"counter_unit":`...)
	dst = jsonv.AppendString(dst, s.Unit)
	dst = append(dst, `,"counter_volume":`...)
	dst = jsonv.Append(dst, s.Volume)
	dst = append(dst, `,"user_id":`...)
	dst = jsonv.Append(dst, s.UserID)
	dst = append(dst, `,"project_id":`...)
	dst = jsonv.Append(dst, s.ProjectID)
	dst = append(dst, `,"resource_id":`...)
	dst = jsonv.Append(dst, s.ResourceID)
	dst = append(dst, `,"timestamp":`...)
	dst = jsonv.AppendString(dst, s.Timestamp)
	dst = append(dst, `,"resource_metadata":`...)
	dst = appendOrEmpty(dst, s.ResourceMetadata)
	dst = append(dst, `,"message_id":`...)
	dst = jsonv.AppendString(dst, s.ID)
	dst = append(dst, `,"monotonic_time":null,"message_signature":"`...)
	if secret != "" {
		g := newSigner(secret)
		// MeterMessage's keys in sorted order, as keypairs walks them
		g.str("counter_name", s.Name)
		g.str("counter_type", s.Type)
		g.str("counter_unit", s.Unit)
		g.member("counter_volume", s.Volume)
		g.str("message_id", s.ID)
		g.str("monotonic_time", "None")
		g.member("project_id", s.ProjectID)
		g.member("resource_id", s.ResourceID)
		if s.ResourceMetadata != nil { // an empty dict adds nothing
			g.member("resource_metadata", s.ResourceMetadata)
		}
		g.str("source", s.Source)
		g.str("timestamp", s.Timestamp)
		g.member("user_id", s.UserID)
		dst = g.appendSum(dst)
		signers.Put(g)
	}
	return append(dst, `"}`...)
}

// AppendEventMessage appends the compact JSON of EventMessage(e, secret),
// byte for byte, without building it.
func AppendEventMessage(dst []byte, e *Event, secret string) []byte {
	dst = append(dst, `{"message_id":`...)
	dst = jsonv.AppendString(dst, e.MessageID)
	dst = append(dst, `,"event_type":`...)
	dst = jsonv.AppendString(dst, e.EventType)
	dst = append(dst, `,"generated":`...)
	dst = jsonv.AppendString(dst, e.Generated)
	dst = append(dst, `,"traits":[`...)
	for i := range e.Traits {
		t := &e.Traits[i]
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = append(dst, '[')
		dst = jsonv.AppendString(dst, t.Name)
		dst = append(dst, ',')
		dst = strconv.AppendInt(dst, int64(t.Type), 10)
		dst = append(dst, ',')
		dst = jsonv.Append(dst, t.Value)
		dst = append(dst, ']')
	}
	dst = append(dst, `],"raw":`...)
	dst = appendOrEmpty(dst, e.Raw)
	dst = append(dst, `,"message_signature":"`...)
	if secret != "" {
		g := newSigner(secret)
		g.str("event_type", e.EventType)
		g.str("generated", e.Generated)
		g.str("message_id", e.MessageID)
		if e.Raw != nil {
			g.member("raw", e.Raw)
		}
		// traits, a list: str() of decode_unicode's [[b'name', type, value], ...]
		b := append(g.buf[:0], "traits"...)
		b = append(b, '[')
		for i := range e.Traits {
			t := &e.Traits[i]
			if i > 0 {
				b = append(b, ", "...)
			}
			b = append(b, '[')
			b = appendPyBytes(b, t.Name)
			b = append(b, ", "...)
			b = strconv.AppendInt(b, int64(t.Type), 10)
			b = append(b, ", "...)
			b = appendDecoded(b, t.Value)
			b = append(b, ']')
		}
		b = append(b, ']')
		g.mac.Write(b)
		g.buf = b
		dst = g.appendSum(dst)
		signers.Put(g)
	}
	return append(dst, `"}`...)
}

// appendOrEmpty appends v, or {} for nil, as orEmpty does.
func appendOrEmpty(dst []byte, v any) []byte {
	if v == nil {
		return append(dst, "{}"...)
	}
	return jsonv.Append(dst, v)
}

func orEmpty(v any) any {
	if v == nil {
		return jsonv.NewObject(0)
	}
	return v
}

// SampleFromMessage reads a sample back from a MeterMessage (as stored on
// meterflow's sample subjects). It does not check the signature.
func SampleFromMessage(v any) (Sample, error) {
	m, ok := v.(*jsonv.Object)
	if !ok {
		return Sample{}, fmt.Errorf("%w: a meter message must be an object", ErrMalformed)
	}
	str := func(key string) (string, error) {
		x, _ := m.Get(key)
		switch x := x.(type) {
		case string:
			return x, nil
		case nil:
			return "", nil
		default:
			return "", fmt.Errorf("%w: meter message %s is not a string", ErrMalformed, key)
		}
	}
	var s Sample
	var err error
	for _, f := range []struct {
		key string
		dst *string
	}{{"counter_name", &s.Name}, {"counter_type", &s.Type}, {"counter_unit", &s.Unit}, {"timestamp", &s.Timestamp}, {"source", &s.Source}, {"message_id", &s.ID}} {
		if *f.dst, err = str(f.key); err != nil {
			return Sample{}, err
		}
	}
	if s.Name == "" {
		return Sample{}, fmt.Errorf("%w: meter message without counter_name", ErrMalformed)
	}
	s.Volume, _ = m.Get("counter_volume")
	s.UserID, _ = m.Get("user_id")
	s.ProjectID, _ = m.Get("project_id")
	s.ResourceID, _ = m.Get("resource_id")
	s.ResourceMetadata, _ = m.Get("resource_metadata")
	return s, nil
}

// EventFromMessage reads an event back from an EventMessage.
func EventFromMessage(v any) (Event, error) {
	m, ok := v.(*jsonv.Object)
	if !ok {
		return Event{}, fmt.Errorf("%w: an event message must be an object", ErrMalformed)
	}
	var e Event
	get := func(k string) string {
		x, _ := m.Get(k)
		s, _ := x.(string)
		return s
	}
	e.MessageID, e.EventType, e.Generated = get("message_id"), get("event_type"), get("generated")
	if e.EventType == "" {
		return Event{}, fmt.Errorf("%w: event message without event_type", ErrMalformed)
	}
	traits, _ := m.Get("traits")
	list, _ := traits.([]any)
	for _, t := range list {
		triple, ok := t.([]any)
		if !ok || len(triple) != 3 {
			return Event{}, fmt.Errorf("%w: event trait is not [name, dtype, value]", ErrMalformed)
		}
		name, _ := triple[0].(string)
		dtype, _ := triple[1].(int64)
		e.Traits = append(e.Traits, Trait{Name: name, Type: TraitType(dtype), Value: triple[2]})
	}
	e.Raw, _ = m.Get("raw")
	return e, nil
}

// Signature is Ceilometer's compute_signature: an HMAC-SHA256 over the
// message's keys (sorted, nested objects flattened as "a:b") and the
// Python str() of their values, skipping message_signature. "" when secret
// is empty.
func Signature(msg *jsonv.Object, secret string) string {
	if secret == "" {
		return ""
	}
	s := newSigner(secret)
	defer signers.Put(s)
	s.keypairs(msg)
	return string(s.appendSum(nil))
}

// newSigner returns a signer from the pool, keyed with secret and reset.
func newSigner(secret string) *signer {
	s := signers.Get().(*signer)
	if s.mac == nil || s.secret != secret {
		s.secret, s.mac = secret, hmac.New(sha256.New, []byte(secret))
	}
	s.mac.Reset()
	return s
}

// appendSum appends the hex digest of what was fed.
func (s *signer) appendSum(dst []byte) []byte {
	var sum [sha256.Size]byte
	var out [2 * sha256.Size]byte
	hex.Encode(out[:], s.mac.Sum(sum[:0]))
	return append(dst, out[:]...)
}

// signers keep a keyed HMAC and scratch space between signatures: a
// process signs every sample and event with the same secret.
var signers = sync.Pool{New: func() any { return new(signer) }}

type signer struct {
	secret string
	mac    hash.Hash
	name   []byte   // the flattened name of the current object, "a:b:"
	pairs  []member // the members of the objects being walked, a stack
	buf    []byte
}

type member struct {
	key string
	val any
}

// keypairs feeds the HMAC as utils.recursive_keypairs walks o: sorted
// keys, nested dicts joined with ":", each name followed by str(value).
// Writing the name in pieces hashes the same bytes as writing it whole.
func (s *signer) keypairs(o *jsonv.Object) {
	start := len(s.pairs)
	for i := range o.Len() {
		k, v := o.At(i)
		s.pairs = append(s.pairs, member{k, v})
	}
	slices.SortFunc(s.pairs[start:], func(a, b member) int { return strings.Compare(a.key, b.key) })
	top := len(s.name) == 0
	for i := start; i < start+o.Len(); i++ {
		m := s.pairs[i] // a nested walk may grow s.pairs: index it again each time
		if top && m.key == "message_signature" {
			continue
		}
		s.member(m.key, m.val)
	}
	clear(s.pairs[start:]) // let the values go
	s.pairs = s.pairs[:start]
}

// member feeds one member of the object being walked: its name and
// str(value), or for a nested object its members under "name:".
func (s *signer) member(key string, v any) {
	prefix := len(s.name)
	s.name = append(s.name, key...)
	if sub, ok := v.(*jsonv.Object); ok {
		s.name = append(s.name, ':')
		s.keypairs(sub)
	} else {
		s.mac.Write(s.name)
		s.buf = appendSigValue(s.buf[:0], v)
		s.mac.Write(s.buf)
	}
	s.name = s.name[:prefix]
}

// str is member for a string value, which str() leaves as it is.
func (s *signer) str(key, v string) {
	s.buf = append(append(s.buf[:0], key...), v...)
	s.mac.Write(s.buf)
}

// appendSigValue appends str(value) as compute_signature sees it: lists
// went through decode_unicode, which turned their strings into bytes and
// sorted their dicts, so they print as [b'x', {b'k': 1}].
func appendSigValue(dst []byte, v any) []byte {
	switch v := v.(type) {
	case []any:
		return appendDecoded(dst, v)
	case string:
		return append(dst, v...)
	}
	return jsonv.AppendPyRepr(dst, v)
}

func appendDecoded(dst []byte, v any) []byte {
	switch v := v.(type) {
	case string:
		return appendPyBytes(dst, v)
	case []any:
		dst = append(dst, '[')
		for i, x := range v {
			if i > 0 {
				dst = append(dst, ", "...)
			}
			dst = appendDecoded(dst, x)
		}
		return append(dst, ']')
	case *jsonv.Object:
		keys := v.Keys()
		sort.Strings(keys)
		dst = append(dst, '{')
		for i, k := range keys {
			if i > 0 {
				dst = append(dst, ", "...)
			}
			x, _ := v.Get(k)
			dst = appendPyBytes(dst, k)
			dst = append(dst, ": "...)
			dst = appendDecoded(dst, x)
		}
		return append(dst, '}')
	default:
		return jsonv.AppendPyRepr(dst, v)
	}
}

// appendPyBytes appends repr(s.encode('utf-8')).
func appendPyBytes(dst []byte, s string) []byte {
	quote := byte('\'')
	if strings.IndexByte(s, '\'') >= 0 && strings.IndexByte(s, '"') < 0 {
		quote = '"'
	}
	dst = append(dst, 'b', quote)
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == quote || c == '\\':
			dst = append(dst, '\\', c)
		case c == '\t':
			dst = append(dst, `\t`...)
		case c == '\n':
			dst = append(dst, `\n`...)
		case c == '\r':
			dst = append(dst, `\r`...)
		case c < 0x20 || c >= 0x7f:
			const hexdigits = "0123456789abcdef"
			dst = append(dst, '\\', 'x', hexdigits[c>>4], hexdigits[c&15])
		default:
			dst = append(dst, c)
		}
	}
	return append(dst, quote)
}
