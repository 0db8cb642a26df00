package gnocchitest

import (
	"io"
	"net/http"
	"path/filepath"
	"runtime"
	"testing"

	"meterflow/internal/golden"
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

// Corpus returns the cases of the shipped-definitions golden corpus.
func Corpus(t testing.TB) []Case {
	t.Helper()
	cases, err := golden.ReadCases(filepath.Join(root(), "testdata", "ceilometer-19-shipped.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	out := make([]Case, len(cases))
	for i, c := range cases {
		out[i].Name = c.Name
		if out[i].Samples, err = golden.SamplesFromDicts(c.Samples); err != nil {
			t.Fatalf("%s: %v", c.Name, err)
		}
		if out[i].Events, err = golden.EventsFromDicts(c.Events); err != nil {
			t.Fatalf("%s: %v", c.Name, err)
		}
	}
	return out
}

// GoldenGnocchi returns what Ceilometer's publisher sent, by case name.
func GoldenGnocchi(t testing.TB) map[string]Golden {
	t.Helper()
	records, err := golden.ReadJSONL(filepath.Join(root(), "internal", "gnocchitest", "testdata", "ceilometer-19-gnocchi.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]Golden{}
	for _, r := range records {
		o := r.(*jsonv.Object)
		name, _ := o.Get("name")
		var g Golden
		if s, ok := o.Get("samples"); ok {
			g.Samples = s.(*jsonv.Object)
		}
		if e, ok := o.Get("events"); ok {
			g.Events = e.(*jsonv.Object)
		}
		out[name.(string)] = g
	}
	return out
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
