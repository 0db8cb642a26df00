package golden

import (
	"errors"
	"fmt"
	"sort"

	"meterflow/processors"
	"meterflow/processors/jsonv"
)

// SampleDict is s as Ceilometer's Sample.as_dict() (less monotonic_time):
// name, type, unit, volume, user_id, project_id, resource_id, timestamp,
// resource_metadata, source, id.
func SampleDict(s *processors.Sample) *jsonv.Object {
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

// SamplesFromDicts reads samples back from Sample.as_dict()s, as the golden
// files and the file and http sinks hold them. Each must be an object whose
// name, type, unit, timestamp, source and id are strings where present.
func SamplesFromDicts(dicts []any) ([]processors.Sample, error) {
	out := make([]processors.Sample, len(dicts))
	for i, d := range dicts {
		o, ok := d.(*jsonv.Object)
		if !ok {
			return nil, fmt.Errorf("sample %d is not an object: %s", i, jsonv.PyRepr(d))
		}
		s := &out[i]
		for _, f := range []struct {
			key string
			dst *string
		}{{"name", &s.Name}, {"type", &s.Type}, {"unit", &s.Unit}, {"timestamp", &s.Timestamp}, {"source", &s.Source}, {"id", &s.ID}} {
			v, ok := o.Get(f.key)
			if !ok {
				continue
			}
			if *f.dst, ok = v.(string); !ok {
				return nil, fmt.Errorf("sample %d: %s is not a string: %s", i, f.key, jsonv.PyRepr(v))
			}
		}
		s.Volume = get(o, "volume")
		s.UserID = get(o, "user_id")
		s.ProjectID = get(o, "project_id")
		s.ResourceID = get(o, "resource_id")
		s.ResourceMetadata = get(o, "resource_metadata")
	}
	return out, nil
}

// ignoredSampleKeys are the sample fields compare.py does not compare.
var ignoredSampleKeys = map[string]bool{"id": true, "monotonic_time": true, "user_name": true,
	"project_name": true, "message_signature": true}

// CompareSamples is compare.py's samples_match: nil when got holds the
// golden samples want as a multiset, each compared on the golden sample's
// fields less the ignored ones (the timestamp as an instant), else an error
// saying what differs for the first golden sample left unmatched.
func CompareSamples(want []any, got []processors.Sample) error {
	if len(want) != len(got) {
		return fmt.Errorf("want %d samples %v, got %d %v", len(want), wantNames(want), len(got), gotNames(got))
	}
	left := make([]*jsonv.Object, len(got))
	for i := range got {
		left[i] = SampleDict(&got[i])
	}
	for _, w := range want {
		g, ok := w.(*jsonv.Object)
		if !ok {
			return fmt.Errorf("golden sample is not an object: %s", jsonv.PyRepr(w))
		}
		name := get(g, "name")
		why := fmt.Sprintf("no sample named %s", jsonv.PyRepr(name))
		found := false
		for i, o := range left {
			err := compareSample(g, o)
			if err == nil {
				left = append(left[:i], left[i+1:]...)
				found = true
				break
			}
			if jsonv.Equal(get(o, "name"), name) {
				why = fmt.Sprintf("sample %s resource %s: %v", jsonv.PyRepr(name), jsonv.PyRepr(get(g, "resource_id")), err)
			}
		}
		if !found {
			return errors.New(why)
		}
	}
	return nil
}

// compareSample is compare.py's sample_eq.
func compareSample(g, o *jsonv.Object) error {
	for i := 0; i < g.Len(); i++ {
		k, gv := g.At(i)
		if ignoredSampleKeys[k] {
			continue
		}
		ov, ok := o.Get(k)
		if !ok {
			return fmt.Errorf("missing field %q", k)
		}
		if !Same(gv, ov, k == "timestamp") {
			return fmt.Errorf("%s: want %s, got %s", k, cut(jsonv.Marshal(gv)), cut(jsonv.Marshal(ov)))
		}
	}
	return nil
}

func wantNames(want []any) []string {
	var names []string
	for _, w := range want {
		if o, ok := w.(*jsonv.Object); ok {
			names = append(names, jsonv.PyStr(get(o, "name")))
		}
	}
	sort.Strings(names)
	return names
}

func gotNames(got []processors.Sample) []string {
	names := make([]string, len(got))
	for i := range got {
		names[i] = got[i].Name
	}
	sort.Strings(names)
	return names
}

func cut(b []byte) string {
	if len(b) > 200 {
		b = b[:200]
	}
	return string(b)
}
