package event

import (
	"fmt"
	"sync"
	"sync/atomic"

	"meterflow/processors"
	"meterflow/processors/jsonv"
)

// Converter turns notifications into Ceilometer events with a set of event
// definitions, as Ceilometer 19's NotificationEventsConverter does. It is
// safe for concurrent use.
type Converter struct {
	defs  []*definition // in match order: the file's last first, then the catch-all
	raw   map[string]bool
	cache *defCache
}

// HandlesPriority reports whether Ceilometer's event endpoint converts
// notifications of this priority: info and error. Event itself converts
// whatever it is given; callers filter.
func HandlesPriority(priority string) bool {
	return priority == "info" || priority == "error"
}

// Event converts one notification as Ceilometer's to_event does.
//
// It returns a nil event and a nil error when the notification is dropped:
// no definition matches it and unmatched notifications are dropped
// (WithDropUnmatched). It returns an error wrapping ErrConversion when
// Ceilometer would raise: the notification yields no event, and Ceilometer
// acks it.
//
// The event's traits are in Ceilometer's order: the default traits, then the
// definition's own. Its Raw is n.Doc itself (not a copy) when the priority
// stores raw notifications, else an empty object; callers must not modify
// either.
func (c *Converter) Event(n *processors.Notification) (*processors.Event, error) {
	d := c.lookup(n.EventType)
	if d == nil {
		return nil, nil
	}
	generated, err := normalizeISOTime(n.Timestamp)
	if err != nil {
		return nil, fmt.Errorf("%w: %s (message %s): timestamp: %v", ErrConversion, n.EventType, n.MessageID, err)
	}
	var doc any
	if n.Doc != nil {
		doc = n.Doc
	}
	traits := make([]processors.Trait, 0, len(d.traits))
	for _, t := range d.traits {
		tr, ok, err := t.trait(doc)
		if err != nil {
			return nil, fmt.Errorf("%w: %s (message %s): trait %q (%s): %v", ErrConversion, n.EventType, n.MessageID, t.name, typeName(t.typ), err)
		}
		if ok {
			traits = append(traits, tr)
		}
	}
	// The event and its empty raw object are allocated together.
	a := &struct {
		e   processors.Event
		raw jsonv.Object
	}{}
	a.e = processors.Event{
		EventType: n.EventType,
		MessageID: n.MessageID,
		Generated: generated,
		Traits:    traits,
		Raw:       &a.raw,
	}
	if c.raw[n.Priority] && n.Doc != nil {
		a.e.Raw = n.Doc
	}
	return &a.e, nil
}

// lookup returns the definition for an event type (nil when none matches),
// remembering it.
func (c *Converter) lookup(eventType string) *definition {
	if d, ok := c.cache.get(eventType); ok {
		return d
	}
	var found *definition
	for _, d := range c.defs {
		if d.matches(eventType) {
			found = d
			break
		}
	}
	c.cache.put(eventType, found)
	return found
}

// defCache remembers the definition of up to limit event types. When full it
// starts over, which bounds its memory whatever event types arrive.
type defCache struct {
	m     sync.Map // string → *definition (nil: none matches)
	n     atomic.Int64
	limit int64
}

func newDefCache(limit int) *defCache { return &defCache{limit: int64(limit)} }

func (c *defCache) get(eventType string) (*definition, bool) {
	if c.limit == 0 {
		return nil, false
	}
	v, ok := c.m.Load(eventType)
	if !ok {
		return nil, false
	}
	return v.(*definition), true
}

func (c *defCache) put(eventType string, d *definition) {
	if c.limit == 0 {
		return
	}
	if c.n.Add(1) > c.limit {
		c.m.Clear()
		c.n.Store(1)
	}
	c.m.Store(eventType, d)
}
