package processors

import (
	"fmt"
	"strings"

	"meterflow/processors/jsonv"
)

// Header is what a notification says about itself, without its context and
// payload: enough to route and deduplicate it.
type Header struct {
	EventType   string
	MessageID   string
	PublisherID string
	Priority    string // lower case, as in Notification
}

// Peek reads the header of a wire body. It accepts exactly the bodies Decode
// accepts, and its header fields are those of Decode's Notification, but it
// builds no tree: the rest of the body is checked and dropped. Use it where a
// body is only validated and routed.
//
// Every error wraps ErrMalformed and says what is wrong.
func Peek(body []byte) (Header, error) {
	msg, ok := envelopeMessage(jsonv.ParseEmbedded(body, isEnvelopeKey, envelopeMessageKey, isHeaderKey))
	if !ok {
		outer, err := jsonv.ParseKeep(body, isPeekedKey)
		if err != nil {
			return Header{}, fmt.Errorf("%w: body: %v", ErrMalformed, err)
		}
		if msg, err = message(outer, isHeaderKey); err != nil {
			return Header{}, err
		}
	}
	f := fieldsOf(msg)
	h, _, err := header(&f)
	return h, err
}

// isPeekedKey keeps the keys of an envelope and, for a body that is not
// one, the keys of a message's header.
func isPeekedKey(key string) bool {
	return key == envelopeVersionKey || key == envelopeMessageKey || isHeaderKey(key)
}

// isHeaderKey keeps the keys header reads.
func isHeaderKey(key string) bool {
	switch key {
	case "event_type", "publisher_id", "message_id", "timestamp", "priority":
		return true
	}
	return false
}

// header reads and checks the header fields of a message, and its
// timestamp, as oslo's NotificationDispatcher does.
func header(f *messageFields) (h Header, timestamp string, err error) {
	if h.EventType, err = requiredString(f, fieldEventType); err != nil {
		return Header{}, "", err
	}
	if h.PublisherID, err = optionalString(f, fieldPublisherID); err != nil {
		return Header{}, "", err
	}
	if h.MessageID, err = optionalString(f, fieldMessageID); err != nil {
		return Header{}, "", err
	}
	if timestamp, err = optionalString(f, fieldTimestamp); err != nil {
		return Header{}, "", err
	}
	priority, err := optionalString(f, fieldPriority)
	if err != nil {
		return Header{}, "", err
	}
	h.Priority = lowerPriority(priority)
	return h, timestamp, nil
}

// priorities are the lower-case priorities oslo.messaging sends.
var priorities = [...]string{"audit", "debug", "info", "warn", "warning", "error", "critical", "sample"}

// lowerPriority is strings.ToLower(p), without allocating for the
// priorities oslo.messaging sends.
func lowerPriority(p string) string {
	for _, known := range priorities {
		if asciiLowerIs(p, known) {
			return known
		}
	}
	return strings.ToLower(p)
}

// asciiLowerIs reports whether s with its ASCII capitals lowered is lower.
// (strings.EqualFold would also fold non-ASCII letters such as U+017F to
// ASCII ones, which ToLower does not.)
func asciiLowerIs(s, lower string) bool {
	if len(s) != len(lower) {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != lower[i] {
			return false
		}
	}
	return true
}
