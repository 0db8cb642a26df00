package processors

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash"
	"math/big"
	"slices"
	"sort"
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
	s := signers.Get().(*signer)
	defer signers.Put(s)
	if s.mac == nil || s.secret != secret {
		s.secret, s.mac = secret, hmac.New(sha256.New, []byte(secret))
	}
	s.mac.Reset()
	s.keypairs(msg)
	var sum [sha256.Size]byte
	var out [2 * sha256.Size]byte
	hex.Encode(out[:], s.mac.Sum(sum[:0]))
	return string(out[:])
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
	prefix := len(s.name)
	for i := start; i < start+o.Len(); i++ {
		m := s.pairs[i] // a nested walk may grow s.pairs: index it again each time
		if prefix == 0 && m.key == "message_signature" {
			continue
		}
		s.name = append(s.name[:prefix], m.key...)
		if sub, ok := m.val.(*jsonv.Object); ok {
			s.name = append(s.name, ':')
			s.keypairs(sub)
			continue
		}
		s.mac.Write(s.name)
		s.buf = appendSigValue(s.buf[:0], m.val)
		s.mac.Write(s.buf)
	}
	s.name = s.name[:prefix]
	clear(s.pairs[start:]) // let the values go
	s.pairs = s.pairs[:start]
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
	case *big.Int, int64, float64, bool, nil:
		return append(dst, jsonv.PyRepr(v)...)
	default:
		return append(dst, jsonv.PyRepr(v)...)
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
