package processors

import (
	"fmt"
	"slices"
	"strings"

	"meterflow/processors/jsonv"
)

// Envelope keys of oslo.messaging's message format "2.0".
const (
	envelopeVersionKey = "oslo.version"
	envelopeMessageKey = "oslo.message"
	contextPrefix      = "_context_"
)

// Decode builds a Notification from a wire body exactly as oslo.messaging's
// notification listener hands it to Ceilometer: the "2.0" envelope
// ({"oslo.version": "2.0", "oslo.message": "<json>"}) is unwrapped, an
// un-enveloped body (the pre-2.0 format) is taken as the message itself, and
// the _context_* keys become the context.
//
// Every error wraps ErrMalformed and says what is wrong.
func Decode(body []byte) (*Notification, error) {
	// The notification keeps most of the body: one copy of it holds its
	// strings.
	if msg, ok := envelopeMessage(jsonv.ParseEmbedded(string(body), isEnvelopeKey, envelopeMessageKey, nil)); ok {
		return fromMessage(msg)
	}
	return decodeSteps(body)
}

// decodeSteps is Decode step by step: the envelope, then its message.
func decodeSteps(body []byte) (*Notification, error) {
	// A "2.0" envelope has two members: only they are built, and the
	// message's text is the one string copied from body. A body that is
	// not an envelope is parsed again, whole.
	outer, err := jsonv.ParseKeep(body, isEnvelopeKey)
	if err != nil {
		return nil, fmt.Errorf("%w: body: %v", ErrMalformed, err)
	}
	if !isEnvelope(outer) {
		if outer, err = jsonv.Parse(body); err != nil {
			return nil, fmt.Errorf("%w: body: %v", ErrMalformed, err)
		}
	}
	msg, err := message(outer, nil)
	if err != nil {
		return nil, err
	}
	return fromMessage(msg)
}

// envelopeMessage is the fast path of Decode and Peek for a "2.0" envelope
// as oslo.messaging writes it: it takes the result of jsonv.ParseEmbedded
// on the body, which parses the message where it stands, and returns the
// message. ok is false for anything else, which the callers then take step
// by step; whenever ok is true, that would give the same message.
func envelopeMessage(outer any, parsed bool) (msg *jsonv.Object, ok bool) {
	obj, isObj := outer.(*jsonv.Object)
	if !parsed || !isObj {
		return nil, false
	}
	version, hasVersion := obj.Get(envelopeVersionKey)
	inner, _ := obj.Get(envelopeMessageKey)
	msg, ok = inner.(*jsonv.Object)
	if !ok || !hasVersion || !compatibleVersion(version) {
		return nil, false
	}
	return msg, true
}

// isEnvelopeKey keeps the members of a "2.0" envelope.
func isEnvelopeKey(key string) bool {
	return key == envelopeVersionKey || key == envelopeMessageKey
}

// isEnvelope reports whether a parsed body is an envelope, as message
// decides it.
func isEnvelope(outer any) bool {
	obj, ok := outer.(*jsonv.Object)
	if !ok {
		return false
	}
	_, hasVersion := obj.Get(envelopeVersionKey)
	_, hasMessage := obj.Get(envelopeMessageKey)
	return hasVersion && hasMessage
}

// message returns the message of a parsed body: the inner message of a
// "2.0" envelope, or the body itself when it is not an envelope (oslo's
// deserialize_msg rule: both keys must exist). The inner message is parsed
// with keep, as jsonv.ParseKeep does.
func message(outer any, keep func(string) bool) (*jsonv.Object, error) {
	obj, ok := outer.(*jsonv.Object)
	if !ok {
		return nil, fmt.Errorf("%w: body is a JSON %s, not an object", ErrMalformed, kindOf(outer))
	}
	version, hasVersion := obj.Get(envelopeVersionKey)
	inner, hasMessage := obj.Get(envelopeMessageKey)
	if !hasVersion || !hasMessage {
		return obj, nil
	}
	if !compatibleVersion(version) {
		return nil, fmt.Errorf("%w: unsupported envelope version %s", ErrMalformed, jsonv.PyRepr(version))
	}
	text, ok := inner.(string)
	if !ok {
		return nil, fmt.Errorf("%w: envelope: oslo.message is a JSON %s, not a string", ErrMalformed, kindOf(inner))
	}
	// text is the outer parse's own copy: the inner values may share it.
	v, err := jsonv.ParseKeep(text, keep)
	if err != nil {
		return nil, fmt.Errorf("%w: envelope: oslo.message: %v", ErrMalformed, err)
	}
	msg, ok := v.(*jsonv.Object)
	if !ok {
		return nil, fmt.Errorf("%w: envelope: oslo.message is a JSON %s, not an object", ErrMalformed, kindOf(v))
	}
	return msg, nil
}

// compatibleVersion is oslo.messaging's version_is_compatible("2.0", v):
// same major version, minor not above 0.
func compatibleVersion(v any) bool {
	s, ok := v.(string)
	if !ok {
		return false
	}
	major, minor, _ := strings.Cut(s, ".")
	if major != "2" {
		return false
	}
	return minor == "" || strings.Trim(minor, "0") == ""
}

// fromMessage mirrors oslo's unpack_context and NotificationDispatcher.
// _extract_user_message.
func fromMessage(msg *jsonv.Object) (*Notification, error) {
	f := fieldsOf(msg)
	h, timestamp, err := header(&f)
	if err != nil {
		return nil, err
	}
	// The notification and the objects it builds are allocated together:
	// they live and die together.
	a := &decoded{}
	n := &a.n
	*n = Notification{
		EventType:   h.EventType,
		PublisherID: h.PublisherID,
		MessageID:   h.MessageID,
		Timestamp:   timestamp,
		Priority:    h.Priority,
		Payload:     f.v[fieldPayload],
	}

	ctxt, metadata, doc := &a.ctxt, &a.metadata, &a.doc
	jsonv.InitObjects([]*jsonv.Object{ctxt, metadata, doc}, []int{f.contextKeys + 1, 2, 5})
	if f.contextKeys > 0 {
		for i := 0; i < msg.Len(); i++ {
			if k, v := msg.At(i); strings.HasPrefix(k, contextPrefix) {
				ctxt.Set(k[len(contextPrefix):], v)
			}
		}
	}
	// RpcContext keeps client_timeout (from "_timeout"); msg_id and reply_q
	// are consumed by its constructor.
	ctxt.Set("client_timeout", f.v[fieldTimeout])
	n.Context = ctxt

	metadata.Set("message_id", f.v[fieldMessageID])
	metadata.Set("timestamp", f.v[fieldTimestamp])
	doc.Set("ctxt", ctxt)
	doc.Set("publisher_id", f.v[fieldPublisherID])
	doc.Set("event_type", f.v[fieldEventType]) // the string n.EventType, boxed
	doc.Set("payload", f.v[fieldPayload])
	doc.Set("metadata", metadata)
	n.Doc = doc
	return n, nil
}

// The members of a message that a notification is built from, in
// messageFields.
const (
	fieldEventType = iota
	fieldPublisherID
	fieldMessageID
	fieldTimestamp
	fieldPriority
	fieldPayload
	fieldTimeout
	numFields
)

// fieldKeys are the keys of those members.
var fieldKeys = [numFields]string{"event_type", "publisher_id", "message_id", "timestamp", "priority", "payload", "_timeout"}

// messageFields are the members of a message that a notification is built
// from, each nil when absent, as oslo's message.get(key) gives it.
type messageFields struct {
	v           [numFields]any
	contextKeys int // how many _context_* keys there are
}

// fieldsOf reads the members of msg that a notification is built from, in
// one pass.
func fieldsOf(msg *jsonv.Object) messageFields {
	var f messageFields
	for i := 0; i < msg.Len(); i++ {
		k, v := msg.At(i)
		if j := slices.Index(fieldKeys[:], k); j >= 0 {
			f.v[j] = v
		} else if strings.HasPrefix(k, contextPrefix) {
			f.contextKeys++
		}
	}
	return f
}

// decoded holds a Notification and the objects fromMessage builds for it,
// so that one allocation makes them all (their members have their own).
type decoded struct {
	n                   Notification
	ctxt, metadata, doc jsonv.Object
}

// requiredString is header field i, which must be a non-empty string.
func requiredString(f *messageFields, i int) (string, error) {
	if f.v[i] == nil {
		return "", fmt.Errorf("%w: missing %s", ErrMalformed, fieldKeys[i])
	}
	s, err := optionalString(f, i)
	if err == nil && s == "" {
		err = fmt.Errorf("%w: empty %s", ErrMalformed, fieldKeys[i])
	}
	return s, err
}

// optionalString is header field i, a string or null ("").
func optionalString(f *messageFields, i int) (string, error) {
	v := f.v[i]
	if v == nil {
		return "", nil
	}
	s, ok := v.(string)
	if !ok {
		return "", fmt.Errorf("%w: %s is a JSON %s, not a string", ErrMalformed, fieldKeys[i], kindOf(v))
	}
	return s, nil
}

func kindOf(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "boolean"
	case string:
		return "string"
	case []any:
		return "array"
	case *jsonv.Object:
		return "object"
	default:
		return "number"
	}
}
