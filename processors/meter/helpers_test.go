package meter

import (
	"os"
	"testing"
	"testing/fstest"

	"meterflow/processors"
	"meterflow/processors/jsonv"
)

// notification builds a Notification from the dictionary Ceilometer's
// endpoints receive ({"ctxt", "publisher_id", "event_type", "payload",
// "metadata"}), written as JSON, the way Ceilometer's own unit tests hand
// dictionaries to build_sample.
func notification(t testing.TB, doc string) *processors.Notification {
	t.Helper()
	v, err := jsonv.ParseString(doc)
	if err != nil {
		t.Fatalf("notification: %v", err)
	}
	return notificationOf(t, v)
}

func notificationOf(t testing.TB, v any) *processors.Notification {
	t.Helper()
	d, ok := v.(*jsonv.Object)
	if !ok {
		t.Fatalf("notification: %T is not an object", v)
	}
	n := &processors.Notification{Priority: "info", Doc: d}
	if et, ok := d.Get("event_type"); ok {
		n.EventType, _ = et.(string)
	}
	if p, ok := d.Get("publisher_id"); ok {
		n.PublisherID, _ = p.(string)
	}
	n.Payload, _ = d.Get("payload")
	if c, ok := d.Get("ctxt"); ok {
		n.Context, _ = c.(*jsonv.Object)
	}
	if md, ok := d.Get("metadata"); ok {
		if o, ok := md.(*jsonv.Object); ok {
			id, _ := o.Get("message_id")
			n.MessageID, _ = id.(string)
			ts, _ := o.Get("timestamp")
			n.Timestamp, _ = ts.(string)
		}
	}
	return n
}

// fixture returns one notification of testdata/ceilometer_unit_fixtures.json,
// the dictionaries of Ceilometer's own unit tests (ipmi_test_data.py,
// test_middleware.py) exported as JSON.
func fixture(t testing.TB, name string) *processors.Notification {
	t.Helper()
	b, err := os.ReadFile("testdata/ceilometer_unit_fixtures.json")
	if err != nil {
		t.Fatal(err)
	}
	v, err := jsonv.Parse(b)
	if err != nil {
		t.Fatal(err)
	}
	f, ok := v.(*jsonv.Object).Get(name)
	if !ok {
		t.Fatalf("no fixture %s", name)
	}
	return notificationOf(t, f)
}

// loadFiles loads definitions from files (name -> YAML) in one directory.
func loadFiles(t testing.TB, files map[string]string) (*Endpoints, []error) {
	t.Helper()
	fsys := fstest.MapFS{}
	for name, text := range files {
		fsys["meters.d/"+name] = &fstest.MapFile{Data: []byte(text)}
	}
	e, skipped, err := Load(Config{Dirs: []Dir{{FS: fsys, Path: "meters.d"}}})
	if err != nil {
		t.Fatal(err)
	}
	return e, skipped
}

// mustLoad loads one definition file that must load without errors.
func mustLoad(t testing.TB, yaml string) *Endpoints {
	t.Helper()
	e, skipped := loadFiles(t, map[string]string{"meters.yaml": yaml})
	for _, err := range skipped {
		t.Errorf("unexpected load error: %v", err)
	}
	return e
}

// samples runs the endpoints, failing the test on endpoint errors.
func samples(t testing.TB, e *Endpoints, n *processors.Notification) []processors.Sample {
	t.Helper()
	got, errs := e.Samples(n)
	for _, err := range errs {
		t.Errorf("unexpected endpoint error: %v", err)
	}
	return got
}

// get reads a key of a sample's resource metadata.
func get(t testing.TB, md any, key string) any {
	t.Helper()
	o, ok := md.(*jsonv.Object)
	if !ok {
		t.Fatalf("resource_metadata is %T, not an object", md)
	}
	v, _ := o.Get(key)
	return v
}

func jsonOf(v any) string { return string(jsonv.Marshal(v)) }
