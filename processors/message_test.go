package processors

import (
	"os"
	"testing"

	"meterflow/processors/jsonv"
)

// TestSignatureAgreesWithCeilometer checks Signature against Ceilometer 19's
// compute_signature on meter and event messages from the corpus and on
// awkward values (testdata/signatures.json, made by gen_signatures.py).
func TestSignatureAgreesWithCeilometer(t *testing.T) {
	data, err := os.ReadFile("testdata/signatures.json")
	if err != nil {
		t.Fatal(err)
	}
	v, err := jsonv.Parse(data)
	if err != nil {
		t.Fatal(err)
	}
	cases := v.([]any)
	if len(cases) < 100 {
		t.Fatalf("only %d vectors", len(cases))
	}
	for i, c := range cases {
		o := c.(*jsonv.Object)
		msg, _ := o.Get("msg")
		secret, _ := o.Get("secret")
		want, _ := o.Get("signature")
		if got := Signature(msg.(*jsonv.Object), secret.(string)); got != want {
			t.Errorf("vector %d: signature %s, Ceilometer %s\n%s", i, got, want, jsonv.Marshal(msg))
		}
	}
}

func TestMeterMessageRoundTrips(t *testing.T) {
	md := jsonv.NewObject(1)
	md.Set("host", "h1")
	s := Sample{Name: "cpu", Type: "cumulative", Unit: "ns", Volume: int64(5), UserID: "u", ProjectID: nil,
		ResourceID: "r", Timestamp: "2026-11-02T10:01:07.009973", ResourceMetadata: md, Source: "openstack", ID: "id1"}
	m := MeterMessage(&s, "k")
	if sig, _ := m.Get("message_signature"); sig == "" {
		t.Fatal("no signature")
	}
	back, err := jsonv.Parse(jsonv.Marshal(m))
	if err != nil {
		t.Fatal(err)
	}
	got, err := SampleFromMessage(back)
	if err != nil {
		t.Fatal(err)
	}
	if got.Name != s.Name || got.Volume != s.Volume || got.ID != s.ID || got.ProjectID != nil || !jsonv.Equal(got.ResourceMetadata, md) {
		t.Fatalf("round trip: %+v", got)
	}
	e := Event{EventType: "x.y", MessageID: "m", Generated: "2026-11-02T10:01:07", Traits: []Trait{{"a", TraitInt, int64(3)}}}
	em, _ := jsonv.Parse(jsonv.Marshal(EventMessage(&e, "")))
	ge, err := EventFromMessage(em)
	if err != nil || ge.EventType != "x.y" || len(ge.Traits) != 1 || ge.Traits[0].Value != int64(3) || ge.Traits[0].Type != TraitInt {
		t.Fatalf("event round trip %+v %v", ge, err)
	}
	if _, err := SampleFromMessage([]any{}); !IsPermanent(err) {
		t.Fatalf("garbage: %v", err)
	}
}

// benchSample is a sample with a nested resource_metadata, as the
// process route signs one for every sample.
func benchSample() Sample {
	md := jsonv.NewObject(3)
	md.Set("host", "compute-1")
	flavor := jsonv.NewObject(3)
	flavor.Set("name", "m1.small")
	flavor.Set("vcpus", int64(1))
	flavor.Set("ram", int64(2048))
	md.Set("flavor", flavor)
	md.Set("image_meta", []any{"a", "b"})
	return Sample{Name: "vcpus", Type: "gauge", Unit: "vcpu", Volume: int64(1), UserID: "u", ProjectID: "p",
		ResourceID: "r", Timestamp: "2026-01-01T00:00:00.000000", ResourceMetadata: md, ID: "id-1", Source: "openstack"}
}

// BenchmarkMeterMessage builds and signs a sample's message as a tree.
func BenchmarkMeterMessage(b *testing.B) {
	s := benchSample()
	b.ReportAllocs()
	for b.Loop() {
		MeterMessage(&s, "secret")
	}
}

// BenchmarkAppendMeterMessage writes and signs the same message in place,
// as the process route does.
func BenchmarkAppendMeterMessage(b *testing.B) {
	s := benchSample()
	b.ReportAllocs()
	var buf []byte
	for b.Loop() {
		buf = AppendMeterMessage(buf[:0], &s, "secret")
	}
}
