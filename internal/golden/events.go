package golden

import (
	"errors"
	"fmt"
	"sort"

	"meterflow/processors"
	"meterflow/processors/jsonv"
)

// EventDict is e as Ceilometer's Event.as_dict() is once through JSON:
// message_id, event_type, generated, traits as {name, dtype, value}, and
// raw ({} when e has none).
func EventDict(e *processors.Event) *jsonv.Object {
	traits := make([]any, len(e.Traits))
	for i, t := range e.Traits {
		d := jsonv.NewObject(3)
		d.Set("name", t.Name)
		d.Set("dtype", int64(t.Type))
		d.Set("value", t.Value)
		traits[i] = d
	}
	o := jsonv.NewObject(5)
	o.Set("message_id", e.MessageID)
	o.Set("event_type", e.EventType)
	o.Set("generated", e.Generated)
	o.Set("traits", traits)
	raw := e.Raw
	if raw == nil {
		raw = jsonv.NewObject(0)
	}
	o.Set("raw", raw)
	return o
}

// EventsFromDicts reads events back as the golden files and the sinks hold
// them: Event.as_dict() with traits as {name, dtype, value}, or
// Event.serialize() (the notifier's payload) with [name, dtype, value].
// event_type, message_id and generated must be strings, a trait's name a
// string and its dtype an integer.
func EventsFromDicts(dicts []any) ([]processors.Event, error) {
	out := make([]processors.Event, len(dicts))
	for i, d := range dicts {
		o, ok := d.(*jsonv.Object)
		if !ok {
			return nil, fmt.Errorf("event %d is not an object: %s", i, jsonv.PyRepr(d))
		}
		e := &out[i]
		for _, f := range []struct {
			key string
			dst *string
		}{{"event_type", &e.EventType}, {"message_id", &e.MessageID}, {"generated", &e.Generated}} {
			var ok bool
			if *f.dst, ok = get(o, f.key).(string); !ok {
				return nil, fmt.Errorf("event %d: %s is not a string: %s", i, f.key, jsonv.PyRepr(get(o, f.key)))
			}
		}
		traits, ok := get(o, "traits").([]any)
		if !ok {
			return nil, fmt.Errorf("event %d: traits are not a list: %s", i, jsonv.PyRepr(get(o, "traits")))
		}
		for _, t := range traits {
			name, dtype, value, ok := trait(t)
			n, okName := name.(string)
			d, okType := dtype.(int64)
			if !ok || !okName || !okType {
				return nil, fmt.Errorf("event %d: trait %s is not {name, dtype, value} or [name, dtype, value]", i, jsonv.PyRepr(t))
			}
			e.Traits = append(e.Traits, processors.Trait{Name: n, Type: processors.TraitType(d), Value: value})
		}
		e.Raw = get(o, "raw")
	}
	return out, nil
}

// trait reads {name, dtype, value} or [name, dtype, value], as compare.py's
// traits_map does.
func trait(t any) (name, dtype, value any, ok bool) {
	switch t := t.(type) {
	case *jsonv.Object:
		return get(t, "name"), get(t, "dtype"), get(t, "value"), true
	case []any:
		if len(t) == 3 {
			return t[0], t[1], t[2], true
		}
	}
	return nil, nil, nil, false
}

// An Option changes how CompareEvents pairs events.
type Option int

// AnyOrder pairs events after sorting both sides by message_id, for sinks,
// which deliver out of order. Without it, events pair in order, as
// compare.py's events_match pairs them.
const AnyOrder Option = 1

// CompareEvents is compare.py's events_match: nil when got holds as many
// events as want and each equals its golden event: the same event_type and
// message_id, generated as the same instant, traits equal as a map
// name → (dtype, value) (datetime values as instants), and raw equal where
// the golden raw is not empty. Else an error says what differs first.
// Neither slice is changed.
func CompareEvents[E processors.Event | *processors.Event](want []any, got []E, opts ...Option) error {
	if len(want) != len(got) {
		return fmt.Errorf("want %d events, got %d", len(want), len(got))
	}
	dicts := make([]*jsonv.Object, len(got))
	for i := range got {
		switch e := any(&got[i]).(type) {
		case *processors.Event:
			dicts[i] = EventDict(e)
		case **processors.Event:
			dicts[i] = EventDict(*e)
		}
	}
	want = append([]any(nil), want...)
	for _, o := range opts {
		if o == AnyOrder {
			sort.SliceStable(want, func(i, j int) bool { return messageID(want[i]) < messageID(want[j]) })
			sort.SliceStable(dicts, func(i, j int) bool { return messageID(dicts[i]) < messageID(dicts[j]) })
		}
	}
	for i := range want {
		g, ok := want[i].(*jsonv.Object)
		if !ok {
			return fmt.Errorf("golden event %d is not an object", i)
		}
		if err := compareEvent(g, dicts[i]); err != nil {
			return err
		}
	}
	return nil
}

func messageID(v any) string {
	if o, ok := v.(*jsonv.Object); ok {
		return str(o, "message_id")
	}
	return ""
}

// compareEvent is compare.py's event_eq.
func compareEvent(g, o *jsonv.Object) error {
	for _, k := range []string{"event_type", "message_id"} {
		if !jsonv.Equal(get(g, k), get(o, k)) {
			return fmt.Errorf("%s: want %s, got %s", k, jsonv.PyRepr(get(g, k)), jsonv.PyRepr(get(o, k)))
		}
	}
	if !Same(get(g, "generated"), get(o, "generated"), true) {
		return fmt.Errorf("generated: want %s, got %s", jsonv.PyRepr(get(g, "generated")), jsonv.PyRepr(get(o, "generated")))
	}
	gNames, gt := traitsMap(g)
	oNames, ot := traitsMap(o)
	var missing, unexpected []string
	for _, name := range gNames {
		if _, ok := ot[name]; !ok {
			missing = append(missing, name)
		}
	}
	for _, name := range oNames {
		if _, ok := gt[name]; !ok {
			unexpected = append(unexpected, name)
		}
	}
	if len(missing) > 0 || len(unexpected) > 0 {
		sort.Strings(missing)
		sort.Strings(unexpected)
		return fmt.Errorf("traits: missing %q, unexpected %q", missing, unexpected)
	}
	for _, name := range gNames {
		want, have := gt[name], ot[name]
		asTime := jsonv.Equal(want[0], int64(processors.TraitDatetime))
		if !jsonv.Equal(want[0], have[0]) || !Same(want[1], have[1], asTime) {
			return fmt.Errorf("trait %q: want (%s, %s), got (%s, %s)", name,
				jsonv.PyRepr(want[0]), jsonv.PyRepr(want[1]), jsonv.PyRepr(have[0]), jsonv.PyRepr(have[1]))
		}
	}
	if truthy(get(g, "raw")) && !Same(get(g, "raw"), get(o, "raw"), false) {
		return errors.New("raw differs")
	}
	return nil
}

// traitsMap is compare.py's traits_map: name → [dtype, value], the last
// trait of a name winning, and the names in their first order.
func traitsMap(ev *jsonv.Object) (names []string, m map[string][2]any) {
	m = map[string][2]any{}
	for _, t := range list(ev, "traits") {
		name, dtype, value, ok := trait(t)
		if !ok {
			continue
		}
		key := jsonv.PyStr(name)
		if _, seen := m[key]; !seen {
			names = append(names, key)
		}
		m[key] = [2]any{dtype, value}
	}
	return names, m
}

// truthy is Python's bool(v).
func truthy(v any) bool {
	switch v := v.(type) {
	case nil:
		return false
	case *jsonv.Object:
		return v.Len() > 0
	case []any:
		return len(v) > 0
	case string:
		return v != ""
	case bool:
		return v
	}
	return !jsonv.Equal(v, int64(0))
}
