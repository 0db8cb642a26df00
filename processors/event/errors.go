package event

import (
	"errors"
	"fmt"
	"strings"
)

var (
	// ErrInvalidDefinition is wrapped by every error loading an
	// event_definitions.yaml that Ceilometer would refuse to start with,
	// and by those meterflow refuses at load time rather than fail every
	// event of a definition (see DefinitionError).
	ErrInvalidDefinition = errors.New("invalid event definitions")

	// ErrConversion is wrapped by the error Converter.Event returns when
	// Ceilometer's converter raises on a notification: a trait value that
	// does not convert to its type (int of "abc", a date that does not
	// parse) or an unparseable notification timestamp. Ceilometer logs such
	// a notification and acks it without an event (ack_on_event_error
	// defaults to true); retrying cannot help.
	ErrConversion = errors.New("event conversion failed")

	// ErrInvalidOption is wrapped by an Option given a bad value.
	ErrInvalidOption = errors.New("invalid event converter option")
)

// DefinitionError is one problem in an event definitions file, located by
// file, line, definition and trait:
//
//	event_definitions.yaml:42: event_type "compute.instance.*": trait "launched_at": unknown type "date" (want text, int, float or datetime)
//
// It wraps ErrInvalidDefinition.
type DefinitionError struct {
	File string
	Line int // 0 when unknown
	// Definition names the definition: `event_type "compute.instance.*"`,
	// or `definition #3` (its position) when it has no usable event_type;
	// empty for a problem with the file as a whole.
	Definition string
	Trait      string // empty unless the problem is in a trait
	Msg        string
}

func (e *DefinitionError) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d", e.Line)
	}
	b.WriteString(": ")
	if e.Definition != "" {
		b.WriteString(e.Definition)
		b.WriteString(": ")
	}
	if e.Trait != "" {
		fmt.Fprintf(&b, "trait %q: ", e.Trait)
	}
	b.WriteString(e.Msg)
	return b.String()
}

func (e *DefinitionError) Unwrap() error { return ErrInvalidDefinition }
