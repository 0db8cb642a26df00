// Package golden judges meterflow's samples and events against golden data
// made by the real Ceilometer 19, by the equality rules of the conformance
// corpus's compare.py, stated here once for every test:
//
//   - samples compare as a multiset, on the fields of the golden
//     Sample.as_dict() less id, monotonic_time, user_name, project_name and
//     message_signature;
//   - events compare in order (or, with AnyOrder, sorted by message_id) on
//     event_type, message_id, generated and traits, a map name → (dtype,
//     value); raw only where the golden raw is not empty;
//   - numbers within a relative 1e-9 (1 == 1.0), bools only with bools;
//   - timestamps (sample timestamp, event generated, datetime traits) as
//     instants, a naive time being UTC.
//
// Golden values are jsonv values, as jsonv.Parse reads them.
package golden

import (
	"bufio"
	"fmt"
	"os"

	"meterflow/processors/jsonv"
)

// Case is one golden case: a wire body and what Ceilometer 19 made of it.
type Case struct {
	Name       string
	Exchange   string
	RoutingKey string
	// Body is the exact AMQP message body.
	Body string
	// Samples and Events are what Ceilometer 19 published: Sample.as_dict()
	// and Event.as_dict() each.
	Samples []any
	Events  []any
	// ReferenceErrors lists the endpoints that raised in Ceilometer
	// ("samples/HTTPRequest: KeyError: 'request'").
	ReferenceErrors []string
}

// ReadCases reads a golden case file, one JSON object a line
// (testdata/ceilometer-19.jsonl and its kin).
func ReadCases(path string) ([]Case, error) {
	lines, err := ReadJSONL(path)
	if err != nil {
		return nil, err
	}
	cases := make([]Case, 0, len(lines))
	for i, v := range lines {
		o, ok := v.(*jsonv.Object)
		if !ok {
			return nil, fmt.Errorf("%s:%d: a case is not an object", path, i+1)
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
	return cases, nil
}

// ReadJSONL reads a file of one JSON value a line (a blank line is an
// error). An error names the file and the line.
func ReadJSONL(path string) ([]any, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []any
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 1<<20), 64<<20)
	for line := 1; sc.Scan(); line++ {
		v, err := jsonv.Parse(sc.Bytes())
		if err != nil {
			return nil, fmt.Errorf("%s:%d: %w", path, line, err)
		}
		out = append(out, v)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return out, nil
}

func get(o *jsonv.Object, key string) any {
	v, _ := o.Get(key)
	return v
}

func str(o *jsonv.Object, key string) string {
	s, _ := get(o, key).(string)
	return s
}

func list(o *jsonv.Object, key string) []any {
	l, _ := get(o, key).([]any)
	return l
}
