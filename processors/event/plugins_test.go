package event

import (
	"testing"

	"meterflow/processors/pyyaml"
)

// params reads plugin parameters written as YAML.
func params(t *testing.T, yamlText string) *pyyaml.Mapping {
	t.Helper()
	v, err := pyyaml.Parse([]byte(yamlText))
	if err != nil {
		t.Fatal(err)
	}
	m, ok := v.V.(*pyyaml.Mapping)
	if !ok {
		t.Fatalf("%q is not a mapping", yamlText)
	}
	return m
}

func buildPluginFor(t *testing.T, name, yamlParams string) plugin {
	t.Helper()
	p, problems := pluginSpecs[name].build(params(t, yamlParams))
	if len(problems) > 0 {
		t.Fatalf("%s %s: %v", name, yamlParams, problems)
	}
	return p
}

func TestSplitPlugin(t *testing.T) {
	thing := []fieldMatch{{"test.thing", "test-foobar-baz"}}
	for _, tc := range []struct {
		name, params string
		matches      []fieldMatch
		want         any // nil: no value
	}{
		{"first segment", `{separator: "-", segment: 0}`, thing, "test"},
		{"second segment", `{separator: "-", segment: 1}`, thing, "foobar"},
		{"max split", `{separator: "-", segment: 1, max_split: 1}`, thing, "foobar-baz"},
		{"no separator in value", `{separator: "-", segment: 0}`, []fieldMatch{{"test.thing", "test.foobar.baz"}}, "test.foobar.baz"},
		{"segment out of range", `{separator: "-", segment: 5}`, thing, nil},
		{"no match", `{separator: "-", segment: 0}`, nil, nil},
		{"defaults split on dots", `{}`, []fieldMatch{{"p", "compute.host-1"}}, "compute"},
		{"negative segment counts from the end", `{separator: "-", segment: -1}`, thing, "baz"},
		{"null separator splits on white space", `{separator: null, segment: 1, max_split: 1}`, []fieldMatch{{"p", "  a  b  c "}}, "b  c "},
		{"non-strings are split as str()", `{separator: "'", segment: 1}`, []fieldMatch{{"p", []any{"x"}}}, "x"},
		{"first match with the segment wins", `{separator: "-", segment: 1}`, []fieldMatch{{"a", "nodash"}, {"b", "x-y"}}, "y"},
		{"zero max split keeps the value whole", `{separator: "-", segment: 0, max_split: 0}`, thing, "test-foobar-baz"},
		{"boolean segment", `{separator: "-", segment: true}`, thing, "foobar"},
		{"unknown parameters ignored", `{separator: "-", segment: 0, bogus: 1}`, thing, "test"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := buildPluginFor(t, "split", tc.params).value(tc.matches)
			if tc.want == nil {
				if ok {
					t.Errorf("got %#v, want nothing", got)
				}
				return
			}
			if !ok || got != tc.want {
				t.Errorf("got %#v (%v), want %#v", got, ok, tc.want)
			}
		})
	}
}

const bitfieldParams = `
initial_bitfield: 0
flags:
  - {path: payload.foo, bit: 0, value: 42}
  - {path: payload.foo, bit: 1, value: 12}
  - {path: payload.thud, bit: 1, value: 23}
  - {path: thingy.boink, bit: 4}
  - {path: thingy.quux, bit: 6, value: wokka}
  - {path: payload.bar, bit: 10, value: test}
`

func TestBitfieldPlugin(t *testing.T) {
	matches := []fieldMatch{{"payload.foo", int64(12)}, {"payload.bar", "test"}, {"thingy.boink", "testagain"}}
	for _, tc := range []struct {
		name    string
		params  string
		matches []fieldMatch
		want    any
	}{
		{"flags set", bitfieldParams, matches, int64(0x412)},
		{"initial bitfield", bitfieldParams[:1] + "initial_bitfield: 0x2000" + bitfieldParams[len("\ninitial_bitfield: 0"):], matches, int64(0x2412)},
		{"no match is the initial bitfield", bitfieldParams, nil, int64(0)},
		{"several flags on one bit", bitfieldParams, []fieldMatch{{"payload.foo", int64(12)}, {"payload.thud", int64(23)},
			{"payload.bar", "test"}, {"thingy.boink", "testagain"}}, int64(0x412)},
		{"values compare as Python ==", `{flags: [{path: a, bit: 2, value: 1}]}`, []fieldMatch{{"a", 1.0}}, int64(4)},
		{"the last match of a path counts", `{flags: [{path: a, bit: 2, value: 1}]}`, []fieldMatch{{"a", int64(1)}, {"a", int64(2)}}, int64(0)},
		{"bit given as a string", `{flags: [{path: a, bit: "3"}]}`, []fieldMatch{{"a", "x"}}, int64(8)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := buildPluginFor(t, "bitfield", tc.params).value(tc.matches)
			if !ok || got != tc.want {
				t.Errorf("got %#v (%v), want %#x", got, ok, tc.want)
			}
		})
	}
}

func TestTimedeltaPlugin(t *testing.T) {
	for _, tc := range []struct {
		name    string
		matches []fieldMatch
		want    any // nil: no value
	}{
		{"seconds between", []fieldMatch{{"a", "2026-11-02 10:00:00"}, {"b", "2026-11-02T10:01:07.5"}}, 67.5},
		{"absolute", []fieldMatch{{"a", "2026-11-02T10:01:07.5"}, {"b", "2026-11-02 10:00:00"}}, 67.5},
		{"offsets count", []fieldMatch{{"a", "2026-11-02T10:00:00+01:00"}, {"b", "2026-11-02T10:00:00Z"}}, 3600.0},
		{"one match", []fieldMatch{{"a", "2026-11-02 10:00:00"}}, nil},
		{"three matches", []fieldMatch{{"a", "2026-11-02"}, {"b", "2026-11-02"}, {"c", "2026-11-02"}}, nil},
		{"unparseable", []fieldMatch{{"a", "2026-11-02"}, {"b", "soon"}}, nil},
		{"not a string", []fieldMatch{{"a", "2026-11-02"}, {"b", int64(5)}}, nil},
		{"far apart", []fieldMatch{{"a", "0001-01-01"}, {"b", "9999-12-31T23:59:59.999999"}}, 315537897599.999999},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := buildPluginFor(t, "timedelta", `{}`).value(tc.matches)
			if tc.want == nil {
				if ok {
					t.Errorf("got %#v, want nothing", got)
				}
				return
			}
			if !ok || got != tc.want {
				t.Errorf("got %#v (%v), want %#v", got, ok, tc.want)
			}
		})
	}
}

func TestPluginParametersCeilometerWouldFailOn(t *testing.T) {
	for _, tc := range []struct{ plugin, params string }{
		{"split", `{segment: "1"}`},
		{"split", `{segment: 1.5}`},
		{"split", `{segment: null}`},
		{"split", `{max_split: 1.5}`},
		{"split", `{separator: ""}`},
		{"split", `{separator: 5}`},
		{"bitfield", `{flags: [{bit: 1}]}`},
		{"bitfield", `{flags: [{path: a}]}`},
		{"bitfield", `{flags: [{path: a, bit: -1}]}`},
		{"bitfield", `{flags: [{path: a, bit: x}]}`},
		{"bitfield", `{flags: [a]}`},
		{"bitfield", `{flags: {a: 1}}`},
		{"bitfield", `{flags: 5}`},
		{"bitfield", `{initial_bitfield: x, flags: [{path: a, bit: 1}]}`},
	} {
		if _, problems := pluginSpecs[tc.plugin].build(params(t, tc.params)); len(problems) == 0 {
			t.Errorf("%s %s: no problem reported", tc.plugin, tc.params)
		}
	}
}
