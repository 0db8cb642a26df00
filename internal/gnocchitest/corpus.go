package gnocchitest

import (
	"bufio"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"meterflow/processors"
	"meterflow/processors/jsonv"
)

// Case is one case of the golden corpus testdata/ceilometer-19-shipped.jsonl:
// the samples and events Ceilometer 19 made of a notification with its
// shipped definitions.
type Case struct {
	Name    string
	Samples []processors.Sample
	Events  []processors.Event
}

// Golden is what Ceilometer 19's Gnocchi publisher sends for a case
// (testdata/ceilometer-19-gnocchi.jsonl, made by testdata/gen_golden.py),
// as jsonv values: Samples is nil or {"batch", "creates", "updates"} or
// {"error"}; Events is nil or {"creates", "updates", "searches"}.
type Golden struct {
	Samples *jsonv.Object
	Events  *jsonv.Object
}

func root() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..")
}

func readJSONL(t testing.TB, path string, each func(*jsonv.Object)) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<24)
	for sc.Scan() {
		v, err := jsonv.Parse(sc.Bytes())
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		each(v.(*jsonv.Object))
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
}

// Corpus returns the cases of the shipped-definitions golden corpus.
func Corpus(t testing.TB) []Case {
	t.Helper()
	var cases []Case
	readJSONL(t, filepath.Join(root(), "testdata", "ceilometer-19-shipped.jsonl"), func(o *jsonv.Object) {
		name, _ := o.Get("name")
		c := Case{Name: name.(string)}
		samples, _ := o.Get("samples")
		for _, s := range samples.([]any) {
			c.Samples = append(c.Samples, SampleFromDict(s.(*jsonv.Object)))
		}
		events, _ := o.Get("events")
		for _, e := range events.([]any) {
			c.Events = append(c.Events, EventFromDict(e.(*jsonv.Object)))
		}
		cases = append(cases, c)
	})
	return cases
}

// GoldenGnocchi returns what Ceilometer's publisher sent, by case name.
func GoldenGnocchi(t testing.TB) map[string]Golden {
	t.Helper()
	out := map[string]Golden{}
	readJSONL(t, filepath.Join(root(), "internal", "gnocchitest", "testdata", "ceilometer-19-gnocchi.jsonl"), func(o *jsonv.Object) {
		name, _ := o.Get("name")
		var g Golden
		if s, ok := o.Get("samples"); ok {
			g.Samples = s.(*jsonv.Object)
		}
		if e, ok := o.Get("events"); ok {
			g.Events = e.(*jsonv.Object)
		}
		out[name.(string)] = g
	})
	return out
}

// SampleFromDict builds a sample from Sample.as_dict().
func SampleFromDict(o *jsonv.Object) processors.Sample {
	str := func(k string) string {
		v, _ := o.Get(k)
		s, _ := v.(string)
		return s
	}
	get := func(k string) any {
		v, _ := o.Get(k)
		return v
	}
	return processors.Sample{
		Name: str("name"), Type: str("type"), Unit: str("unit"), Volume: get("volume"),
		UserID: get("user_id"), ProjectID: get("project_id"), ResourceID: get("resource_id"),
		Timestamp: str("timestamp"), ResourceMetadata: get("resource_metadata"),
		Source: str("source"), ID: str("id"),
	}
}

// EventFromDict builds an event from Event.as_dict() (traits as
// {"name", "dtype", "value"}).
func EventFromDict(o *jsonv.Object) processors.Event {
	str := func(o *jsonv.Object, k string) string {
		v, _ := o.Get(k)
		s, _ := v.(string)
		return s
	}
	e := processors.Event{EventType: str(o, "event_type"), MessageID: str(o, "message_id"), Generated: str(o, "generated")}
	e.Raw, _ = o.Get("raw")
	traits, _ := o.Get("traits")
	for _, t := range traits.([]any) {
		to := t.(*jsonv.Object)
		dtype, _ := to.Get("dtype")
		value, _ := to.Get("value")
		e.Traits = append(e.Traits, processors.Trait{Name: str(to, "name"), Type: processors.TraitType(dtype.(int64)), Value: value})
	}
	return e
}

// Get fetches endpoint/v1/path as the admin and returns the status and
// the decoded body (nil when it is not JSON).
func Get(t testing.TB, endpoint, path string) (int, any) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, endpoint+"/v1/"+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.SetBasicAuth(AdminUser, "")
	req.Header.Set("Accept", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	v, _ := jsonv.Parse(data)
	return resp.StatusCode, v
}

// MustGet is Get for a request that must succeed.
func MustGet(t testing.TB, endpoint, path string) any {
	t.Helper()
	status, v := Get(t, endpoint, path)
	if status != http.StatusOK {
		t.Fatalf("GET /v1/%s: %d %s", path, status, jsonv.Marshal(v))
	}
	return v
}
