package meter

import (
	"strings"
	"testing"
)

func TestYAMLAsPyYAMLReadsIt(t *testing.T) {
	t.Run("merge keys", func(t *testing.T) {
		e := mustLoad(t, `
base: &meta
  host: $.payload.host
  name: $.payload.name
other: &other
  name: $.payload.other
  zone: $.payload.zone
metric:
  - name: m
    event_type: a
    type: gauge
    unit: B
    volume: 1
    resource_id: x
    metadata:
      <<: [*meta, *other]
      host: $.payload.own
`)
		md := e.Definitions()[0].metadata
		got := map[string]string{}
		for _, m := range md {
			got[m.key] = m.f.expr
		}
		// Own keys win; of merged mappings, the first listed wins.
		want := map[string]string{"host": "$.payload.own", "name": "$.payload.name", "zone": "$.payload.zone"}
		if len(got) != 3 || got["host"] != want["host"] || got["name"] != want["name"] || got["zone"] != want["zone"] {
			t.Errorf("metadata %v, want %v", got, want)
		}
	})
	t.Run("YAML 1.1 scalars", func(t *testing.T) {
		for _, tc := range []struct{ volume, want string }{
			{"yes", "true"}, {"on", "true"}, {"0x10", "16"}, {"0755", "493"}, {"1_000", "1000"}, {"1:30", "90"},
			{"'$.payload.v'", "jsonpath"}, {"!!int '7'", "7"},
		} {
			e := mustLoad(t, "metric:\n  - {name: m, event_type: a, type: gauge, unit: B, resource_id: x, volume: "+tc.volume+"}\n")
			f := e.Definitions()[0].attrs[attrVolume]
			got := "jsonpath"
			if f.isConst {
				got = jsonOf(f.constant)
			}
			if got != tc.want {
				t.Errorf("volume: %s is %s, want %s", tc.volume, got, tc.want)
			}
		}
	})
	t.Run("dates and floats are not jsonpaths", func(t *testing.T) {
		for _, v := range []string{"2020-01-01", "1.5", ".inf"} {
			_, errs := loadFiles(t, map[string]string{"m.yaml": "metric:\n  - {name: m, event_type: a, type: gauge, unit: B, resource_id: x, volume: " + v + "}\n"})
			if len(errs) != 1 || !strings.Contains(errs[0].Error(), `field "volume": JSONPath must be a string`) {
				t.Errorf("volume: %s: errors %v", v, errs)
			}
		}
	})
	t.Run("duplicate keys keep the last value", func(t *testing.T) {
		e := mustLoad(t, "metric:\n  - {name: m, event_type: a, type: gauge, unit: A, unit: B, resource_id: x, volume: 1}\n")
		if u := units(e)["m"]; u != "B" {
			t.Errorf("unit %q, want B", u)
		}
	})
}

func TestAliasBombsAreRefused(t *testing.T) {
	var b strings.Builder
	b.WriteString("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n")
	for i := 1; i < 9; i++ {
		b.WriteString(strings.NewReplacer("I", string(rune('0'+i)), "P", string(rune('0'+i-1))).Replace(
			"aI: &aI [*aP, *aP, *aP, *aP, *aP, *aP, *aP, *aP, *aP, *aP]\n"))
	}
	b.WriteString("metric:\n  - {name: m, event_type: a, type: gauge, unit: B, volume: 1, resource_id: x, lookup: prototype, type: *a8}\n")
	_, errs := loadFiles(t, map[string]string{"m.yaml": b.String()})
	if len(errs) != 1 || !strings.Contains(errs[0].Error(), "too large") {
		t.Errorf("errors %v, want one saying the definition is too large", errs)
	}
}
