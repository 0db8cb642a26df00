package processors

import "meterflow/processors/jsonv"

// Notification is one oslo.messaging notification, decoded once and shared
// by every definition that looks at it. Its fields are read-only for
// processors: a processor that needs to change a value copies it first.
type Notification struct {
	// Priority is lower case: audit, debug, info, warn, error, critical, sample.
	Priority    string
	EventType   string
	PublisherID string
	MessageID   string
	// Timestamp is the notification's timestamp as sent
	// ("2026-11-02 10:01:07.009973").
	Timestamp string
	// Context holds the _context_* keys without their prefix, plus
	// "client_timeout": null, exactly as oslo.messaging's RequestContext
	// hands it to Ceilometer.
	Context *jsonv.Object
	// Payload is the notification payload (usually a *jsonv.Object).
	Payload any
	// Doc is the dictionary Ceilometer's endpoints receive, against which
	// definitions evaluate their JSONPath expressions:
	// {"ctxt", "publisher_id", "event_type", "payload",
	//  "metadata": {"message_id", "timestamp"}}.
	Doc *jsonv.Object
}

// Sample is one Ceilometer sample, with the fields of ceilometer.sample.Sample.
// Values that Ceilometer takes from a JSONPath match keep the JSON type the
// match had (a resource_id may be a number), so they are typed any:
// nil, bool, int64, *big.Int, float64, string, []any or *jsonv.Object.
type Sample struct {
	Name   string
	Type   string // gauge, delta or cumulative
	Unit   string
	Volume any // a number for every sample that leaves the agent
	// UserID, ProjectID and ResourceID are usually strings; nil is JSON null.
	UserID     any
	ProjectID  any
	ResourceID any
	// Timestamp is as Ceilometer formats it (ISO 8601, possibly naive = UTC).
	Timestamp        string
	ResourceMetadata any // usually a *jsonv.Object
	Source           string
	// ID is the sample's identifier. Ceilometer draws a random uuid1; meterflow
	// derives it deterministically from the notification (see routes).
	ID string
}

// TraitType is a Ceilometer event trait type, numbered as Ceilometer's
// storage models number them.
type TraitType int

const (
	TraitNone     TraitType = 0 // "type: none" in a definition
	TraitText     TraitType = 1
	TraitInt      TraitType = 2
	TraitFloat    TraitType = 3
	TraitDatetime TraitType = 4
)

// Trait is one named, typed value of an event.
type Trait struct {
	Name string
	Type TraitType
	// Value is a string, int64 (*big.Int past int64), float64 or, for
	// datetimes, an ISO 8601 string.
	Value any
}

// Event is one Ceilometer event.
type Event struct {
	EventType string
	MessageID string
	// Generated is the notification's timestamp in ISO 8601.
	Generated string
	Traits    []Trait
	// Raw is the notification (Doc) when the event pipeline stores raw
	// notifications for its priority, else an empty object.
	Raw any
}
