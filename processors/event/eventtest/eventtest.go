// Package eventtest compares events with the golden cases of meterflow's
// conformance corpus (testdata/ceilometer-19.jsonl) by the rules of the
// corpus's compare.py, so that every test of Ceilometer conformance judges
// alike.
package eventtest

import (
	"bufio"
	"errors"
	"fmt"
	"math"
	"math/big"
	"os"
	"strings"
	"time"

	"meterflow/processors"
	"meterflow/processors/jsonv"
)

// Case is one golden case: a wire body and what Ceilometer 19 made of it.
type Case struct {
	Name       string
	Exchange   string
	RoutingKey string
	Body       string
	// Samples and Events are as the golden file holds them: Sample.as_dict()
	// and Event.as_dict() decoded by jsonv.Parse.
	Samples         []any
	Events          []any
	ReferenceErrors []string
}

// ReadCases reads a golden file, one JSON case a line.
func ReadCases(path string) ([]Case, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var cases []Case
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 1<<20), 1<<26)
	for line := 1; sc.Scan(); line++ {
		if strings.TrimSpace(sc.Text()) == "" {
			continue
		}
		v, err := jsonv.Parse(sc.Bytes())
		if err != nil {
			return nil, fmt.Errorf("%s:%d: %v", path, line, err)
		}
		obj, ok := v.(*jsonv.Object)
		if !ok {
			return nil, fmt.Errorf("%s:%d: not an object", path, line)
		}
		var c Case
		c.Name, _ = get(obj, "name").(string)
		c.Exchange, _ = get(obj, "exchange").(string)
		c.RoutingKey, _ = get(obj, "routing_key").(string)
		c.Body, _ = get(obj, "body").(string)
		c.Samples, _ = get(obj, "samples").([]any)
		c.Events, _ = get(obj, "events").([]any)
		errs, _ := get(obj, "reference_errors").([]any)
		for _, e := range errs {
			s, _ := e.(string)
			c.ReferenceErrors = append(c.ReferenceErrors, s)
		}
		cases = append(cases, c)
	}
	return cases, sc.Err()
}

func get(o *jsonv.Object, key string) any {
	v, _ := o.Get(key)
	return v
}

// AsDict renders an event as Ceilometer's Event.as_dict() does once through
// JSON: {"message_id", "event_type", "generated", "traits": [{"name",
// "dtype", "value"}], "raw"}.
func AsDict(e *processors.Event) *jsonv.Object {
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

// CompareEvents reports how got differs from the golden events of a case,
// or nil when compare.py counts them equal: the same number of events, in
// order, each with the same event_type and message_id, generated as the same
// instant, traits equal as a map name → (dtype, value) (numbers within a
// relative 1e-9, datetime values as instants), and raw equal when the golden
// raw is not empty.
func CompareEvents(golden []any, got []*processors.Event) error {
	if len(golden) != len(got) {
		return fmt.Errorf("want %d events, got %d", len(golden), len(got))
	}
	for i := range golden {
		g, ok := golden[i].(*jsonv.Object)
		if !ok {
			return fmt.Errorf("golden event %d is not an object", i)
		}
		if err := compareEvent(g, AsDict(got[i])); err != nil {
			return err
		}
	}
	return nil
}

func compareEvent(g, o *jsonv.Object) error {
	for _, k := range []string{"event_type", "message_id"} {
		if !jsonv.Equal(get(g, k), get(o, k)) {
			return fmt.Errorf("%s: want %s, got %s", k, jsonv.PyRepr(get(g, k)), jsonv.PyRepr(get(o, k)))
		}
	}
	if !Same(get(g, "generated"), get(o, "generated"), true) {
		return fmt.Errorf("generated: want %s, got %s", jsonv.PyRepr(get(g, "generated")), jsonv.PyRepr(get(o, "generated")))
	}
	gt, ot := traitsMap(g), traitsMap(o)
	var missing, unexpected []string
	for name := range gt {
		if _, ok := ot[name]; !ok {
			missing = append(missing, name)
		}
	}
	for name := range ot {
		if _, ok := gt[name]; !ok {
			unexpected = append(unexpected, name)
		}
	}
	if len(missing) > 0 || len(unexpected) > 0 {
		return fmt.Errorf("traits: missing %q, unexpected %q", missing, unexpected)
	}
	for name, want := range gt {
		have := ot[name]
		if !jsonv.Equal(want[0], have[0]) || !Same(want[1], have[1], jsonv.Equal(want[0], int64(processors.TraitDatetime))) {
			return fmt.Errorf("trait %q: want (%s, %s), got (%s, %s)", name,
				jsonv.PyRepr(want[0]), jsonv.PyRepr(want[1]), jsonv.PyRepr(have[0]), jsonv.PyRepr(have[1]))
		}
	}
	if truthy(get(g, "raw")) && !Same(get(g, "raw"), get(o, "raw"), false) {
		return errors.New("raw differs")
	}
	return nil
}

// traitsMap is compare.py's traits_map: name → [dtype, value], from trait
// objects or [name, dtype, value] triples.
func traitsMap(ev *jsonv.Object) map[string][2]any {
	out := map[string][2]any{}
	list, _ := get(ev, "traits").([]any)
	for _, t := range list {
		switch t := t.(type) {
		case *jsonv.Object:
			name := jsonv.PyStr(get(t, "name"))
			out[name] = [2]any{get(t, "dtype"), get(t, "value")}
		case []any:
			if len(t) == 3 {
				out[jsonv.PyStr(t[0])] = [2]any{t[1], t[2]}
			}
		}
	}
	return out
}

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

// Same is compare.py's same(): with asTime, two strings that both read as
// instants compare as instants; bools equal only bools; numbers compare
// within a relative 1e-9 (NaN equals NaN); objects by keys and values;
// arrays element-wise; anything else with Python's ==.
func Same(a, b any, asTime bool) bool {
	if asTime {
		ia, okA := Instant(a)
		ib, okB := Instant(b)
		if okA && okB {
			return ia.Equal(ib)
		}
	}
	_, aBool := a.(bool)
	_, bBool := b.(bool)
	if aBool || bBool {
		return aBool && bBool && a == b
	}
	if fa, ok := number(a); ok {
		fb, ok := number(b)
		if !ok {
			return false
		}
		if math.IsNaN(fa) && math.IsNaN(fb) {
			return true
		}
		return jsonv.Equal(a, b) || math.Abs(fa-fb) <= 1e-9*math.Max(math.Abs(fa), math.Abs(fb))
	}
	switch a := a.(type) {
	case *jsonv.Object:
		bo, ok := b.(*jsonv.Object)
		if !ok || a.Len() != bo.Len() {
			return false
		}
		for i := 0; i < a.Len(); i++ {
			k, v := a.At(i)
			w, ok := bo.Get(k)
			if !ok || !Same(v, w, false) {
				return false
			}
		}
		return true
	case []any:
		bl, ok := b.([]any)
		if !ok || len(a) != len(bl) {
			return false
		}
		for i := range a {
			if !Same(a[i], bl[i], false) {
				return false
			}
		}
		return true
	}
	return jsonv.Equal(a, b)
}

func number(v any) (float64, bool) {
	switch v := v.(type) {
	case int64:
		return float64(v), true
	case *big.Int:
		f, _ := new(big.Float).SetInt(v).Float64()
		return f, true
	case float64:
		return v, true
	}
	return 0, false
}

// Instant is compare.py's instant(): a string read as an ISO 8601 date and
// time ("T" or a space between them, "Z" for UTC), a naive time taken as UTC.
func Instant(v any) (time.Time, bool) {
	s, ok := v.(string)
	if !ok {
		return time.Time{}, false
	}
	s = strings.TrimSpace(s)
	s = strings.Replace(s, " ", "T", 1)
	if strings.HasSuffix(s, "Z") {
		s = s[:len(s)-1] + "+00:00"
	}
	for _, layout := range []string{
		"2006-01-02T15:04:05.999999999Z07:00",
		"2006-01-02T15:04:05.999999999",
		"2006-01-02T15:04Z07:00",
		"2006-01-02T15:04",
		"2006-01-02T15Z07:00",
		"2006-01-02T15",
		"2006-01-02",
	} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}
