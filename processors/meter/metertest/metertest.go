// Package metertest holds helpers for testing sample conversion against the
// Ceilometer 19 conformance corpus (testdata/ceilometer-19.jsonl): reading
// its cases, writing samples as Ceilometer's Sample.as_dict() would, and
// comparing samples with the rules of conformance/compare.py.
package metertest

import (
	"bufio"
	"fmt"
	"math"
	"math/big"
	"os"
	"sort"
	"strings"
	"time"

	"meterflow/processors"
	"meterflow/processors/jsonv"
)

// Case is one golden case of the corpus.
type Case struct {
	Name       string
	Exchange   string
	RoutingKey string
	// Body is the exact AMQP message body.
	Body string
	// Samples and Events are what Ceilometer 19 published, as JSON values.
	Samples []any
	Events  []any
	// ReferenceErrors lists the endpoints that raised in Ceilometer
	// ("samples/HTTPRequest: KeyError: 'request'").
	ReferenceErrors []string
}

// ReadCases reads a corpus file, one case a line.
func ReadCases(path string) ([]Case, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var cases []Case
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	for line := 1; sc.Scan(); line++ {
		if strings.TrimSpace(sc.Text()) == "" {
			continue
		}
		v, err := jsonv.Parse(sc.Bytes())
		if err != nil {
			return nil, fmt.Errorf("%s:%d: %v", path, line, err)
		}
		o, ok := v.(*jsonv.Object)
		if !ok {
			return nil, fmt.Errorf("%s:%d: case is not an object", path, line)
		}
		c := Case{
			Name:       str(o, "name"),
			Exchange:   str(o, "exchange"),
			RoutingKey: str(o, "routing_key"),
			Body:       str(o, "body"),
			Samples:    list(o, "samples"),
			Events:     list(o, "events"),
		}
		for _, e := range list(o, "reference_errors") {
			s, _ := e.(string)
			c.ReferenceErrors = append(c.ReferenceErrors, s)
		}
		cases = append(cases, c)
	}
	return cases, sc.Err()
}

func str(o *jsonv.Object, k string) string {
	v, _ := o.Get(k)
	s, _ := v.(string)
	return s
}

func list(o *jsonv.Object, k string) []any {
	v, _ := o.Get(k)
	l, _ := v.([]any)
	return l
}

// SampleDict returns s as Ceilometer's Sample.as_dict() (less
// monotonic_time), the form compare.py reads.
func SampleDict(s processors.Sample) *jsonv.Object {
	o := jsonv.NewObject(11)
	o.Set("name", s.Name)
	o.Set("type", s.Type)
	o.Set("unit", s.Unit)
	o.Set("volume", s.Volume)
	o.Set("user_id", s.UserID)
	o.Set("project_id", s.ProjectID)
	o.Set("resource_id", s.ResourceID)
	o.Set("timestamp", s.Timestamp)
	o.Set("resource_metadata", s.ResourceMetadata)
	o.Set("source", s.Source)
	o.Set("id", s.ID)
	return o
}

// ignoredSampleKeys are the sample fields compare.py does not compare.
var ignoredSampleKeys = map[string]bool{"id": true, "monotonic_time": true, "user_name": true,
	"project_name": true, "message_signature": true}

// CompareSamples applies compare.py's samples_match: the samples are
// compared as a multiset; a sample's fields are those of the golden sample
// less the ignored ones; numbers compare with a relative tolerance of 1e-9,
// timestamps as instants. why explains a mismatch.
func CompareSamples(want []any, got []processors.Sample) (ok bool, why string) {
	if len(want) != len(got) {
		return false, fmt.Sprintf("want %d samples %v, got %d %v", len(want), wantNames(want), len(got), gotNames(got))
	}
	left := make([]*jsonv.Object, len(got))
	for i, s := range got {
		left[i] = SampleDict(s)
	}
	for _, w := range want {
		g, isObj := w.(*jsonv.Object)
		if !isObj {
			return false, fmt.Sprintf("golden sample is not an object: %s", jsonv.PyRepr(w))
		}
		name, _ := g.Get("name")
		reason := fmt.Sprintf("no sample named %s", jsonv.PyRepr(name))
		found := false
		for i, o := range left {
			eq, r := sampleEqual(g, o)
			if eq {
				left = append(left[:i], left[i+1:]...)
				found = true
				break
			}
			if oname, _ := o.Get("name"); jsonv.Equal(oname, name) {
				rid, _ := g.Get("resource_id")
				reason = fmt.Sprintf("sample %s resource %s: %s", jsonv.PyRepr(name), jsonv.PyRepr(rid), r)
			}
		}
		if !found {
			return false, reason
		}
	}
	return true, ""
}

func wantNames(want []any) []string {
	var names []string
	for _, w := range want {
		if o, ok := w.(*jsonv.Object); ok {
			n, _ := o.Get("name")
			names = append(names, jsonv.PyStr(n))
		}
	}
	sort.Strings(names)
	return names
}

func gotNames(got []processors.Sample) []string {
	var names []string
	for _, s := range got {
		names = append(names, s.Name)
	}
	sort.Strings(names)
	return names
}

func sampleEqual(g, o *jsonv.Object) (bool, string) {
	for i := 0; i < g.Len(); i++ {
		k, gv := g.At(i)
		if ignoredSampleKeys[k] {
			continue
		}
		ov, ok := o.Get(k)
		if !ok {
			return false, fmt.Sprintf("missing field %q", k)
		}
		if !Same(gv, ov, k == "timestamp") {
			return false, fmt.Sprintf("%s: want %s, got %s", k, cut(jsonv.Marshal(gv)), cut(jsonv.Marshal(ov)))
		}
	}
	return true, ""
}

func cut(b []byte) string {
	if len(b) > 200 {
		b = b[:200]
	}
	return string(b)
}

// Same is compare.py's same(a, b, as_time): bools equal only bools, numbers
// compare with a relative tolerance of 1e-9 (NaN equals NaN), objects by
// key set and values, lists element-wise; with asTime, two strings that
// parse as ISO 8601 instants compare as instants (a naive time is UTC).
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
	if x, ok := number(a); ok {
		y, ok := number(b)
		if !ok {
			return false
		}
		if math.IsNaN(x) && math.IsNaN(y) {
			return true
		}
		return jsonv.Equal(a, b) || math.Abs(x-y) <= 1e-9*math.Max(math.Abs(x), math.Abs(y))
	}
	switch a := a.(type) {
	case *jsonv.Object:
		bo, ok := b.(*jsonv.Object)
		if !ok || a.Len() != bo.Len() {
			return false
		}
		for i := 0; i < a.Len(); i++ {
			k, av := a.At(i)
			bv, ok := bo.Get(k)
			if !ok || !Same(av, bv, false) {
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
	case int:
		return float64(v), true
	case float64:
		return v, true
	case *big.Int:
		f, _ := new(big.Float).SetInt(v).Float64()
		return f, true
	}
	return 0, false
}

// Instant parses an ISO 8601 timestamp as compare.py's instant() does with
// datetime.fromisoformat: a "T" or a space between date and time, an
// optional fraction, "Z" or an offset, naive meaning UTC.
func Instant(v any) (time.Time, bool) {
	s, ok := v.(string)
	if !ok {
		return time.Time{}, false
	}
	s = strings.TrimSpace(s)
	if len(s) > 10 && s[10] == ' ' {
		s = s[:10] + "T" + s[11:]
	}
	if strings.HasSuffix(s, "Z") {
		s = s[:len(s)-1] + "+00:00"
	}
	for _, layout := range []string{"2006-01-02T15:04:05.999999999-07:00", "2006-01-02T15:04:05.999999999",
		"2006-01-02T15:04-07:00", "2006-01-02T15:04", "2006-01-02T15-07:00", "2006-01-02T15", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}
