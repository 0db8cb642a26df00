package meter

import (
	"testing"

	"meterflow/processors/pyyaml"
)

// Ported from ceilometer/tests/unit/event/test_trait_plugins.py and
// ceilometer/tests/unit/meter/test_meter_plugins.py.

func newPlugin(t *testing.T, name, params string) plugin {
	t.Helper()
	var p *pyyaml.Value
	if params != "" {
		var err error
		if p, err = pyyaml.Parse([]byte(params)); err != nil {
			t.Fatal(err)
		}
	}
	pl, err := pluginFactories[name](p)
	if err != nil {
		t.Fatal(err)
	}
	return pl
}

func matches(pairs ...any) []match {
	var ms []match
	for i := 0; i+1 < len(pairs); i += 2 {
		ms = append(ms, match{Path: pairs[i].(string), Value: pairs[i+1]})
	}
	return ms
}

func TestSplitPlugin(t *testing.T) {
	for _, tc := range []struct {
		params string
		value  any
		want   any
	}{
		{"{separator: '-', segment: 0}", "test-foobar-baz", "test"},
		{"{separator: '-', segment: 1}", "test-foobar-baz", "foobar"},
		{"{separator: '-', segment: 1, max_split: 1}", "test-foobar-baz", "foobar-baz"},
		{"{separator: '-', segment: 0}", "test.foobar.baz", "test.foobar.baz"},
		{"{separator: '-', segment: 5}", "test-foobar-baz", nil},
		{"{separator: '-', segment: -1}", "test-foobar-baz", "baz"},
		{"", "a.b.c", "a"},
		{"{separator: null, segment: 1, max_split: 1}", "  a  b  c  ", "b  c  "},
		{"{segment: 1}", int64(12), nil},
		{"{segment: 1}", 1.5, "5"},
		{"{segment: 0}", nil, "None"},
	} {
		got := newPlugin(t, "split", tc.params).values(matches("test.thing", tc.value))
		if len(got) != 1 || got[0] != tc.want {
			t.Errorf("split %s of %#v = %#v, want %#v", tc.params, tc.value, got, tc.want)
		}
	}
	if got := newPlugin(t, "split", "{separator: '-'}").values(nil); len(got) != 0 {
		t.Errorf("no matches: %v, want []", got)
	}
}

const bitfieldParams = `
initial_bitfield: INIT
flags:
  - {path: payload.foo, bit: 0, value: 42}
  - {path: payload.foo, bit: 1, value: 12}
  - {path: payload.thud, bit: 1, value: 23}
  - {path: thingy.boink, bit: 4}
  - {path: thingy.quux, bit: 6, value: wokka}
  - {path: payload.bar, bit: 10, value: test}
`

func TestBitfieldPlugin(t *testing.T) {
	ms := matches("payload.foo", int64(12), "payload.bar", "test", "thingy.boink", "testagain")
	for _, tc := range []struct {
		name, init string
		ms         []match
		want       int64
	}{
		{"bitfield", "0", ms, 0x412},
		{"initial", "0x2000", ms, 0x2412},
		{"no match", "0", nil, 0},
		{"multi", "0", matches("payload.foo", int64(12), "payload.thud", int64(23), "payload.bar", "test", "thingy.boink", "testagain"), 0x412},
		{"values compare as Python ==", "0", matches("payload.foo", 12.0), 0x2},
	} {
		p := newPlugin(t, "bitfield", replaceInit(bitfieldParams, tc.init))
		if got := p.values(tc.ms); len(got) != 1 || got[0] != tc.want {
			t.Errorf("%s: %v, want %#x", tc.name, got, tc.want)
		}
	}
}

func replaceInit(s, init string) string {
	out := ""
	for i := 0; i < len(s); i++ {
		if i+4 <= len(s) && s[i:i+4] == "INIT" {
			out += init
			i += 3
			continue
		}
		out += string(s[i])
	}
	return out
}

func TestPluginParametersAreCheckedWhenLoading(t *testing.T) {
	for _, tc := range []struct{ name, params string }{
		{"split", "{separator: 5}"},
		{"split", "{separator: ''}"},
		{"split", "{segment: x}"},
		{"split", "{max_split: 1.5}"},
		{"bitfield", "{initial_bitfield: x}"},
		{"bitfield", "{flags: 5}"},
		{"bitfield", "{flags: [5]}"},
		{"bitfield", "{flags: [{bit: 1}]}"},
		{"bitfield", "{flags: [{path: a}]}"},
		{"bitfield", "{flags: [{path: a, bit: -1}]}"},
	} {
		p, _ := pyyaml.Parse([]byte(tc.params))
		if _, err := pluginFactories[tc.name](p); err == nil {
			t.Errorf("%s %s: no error", tc.name, tc.params)
		}
	}
}

func TestTimedeltaSeconds(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		want any
	}{
		{"2016-03-02T15:04:32", "2016-03-02T16:04:32", 3600.0},
		{"2016-03-02T15:15:32", "2016-03-02T15:10:32", 300.0},
		{"2016-03-02T15:10:32.786893", "2016-03-02T15:10:32.786899", 0.000006},
		{"2016-03-02T15:04:32+01:00", "2016-03-02T15:04:32Z", 3600.0},
		{"2016-03-02T15:04:32", "2016-03-02T15:004:32", nil},
		{"0001-01-01T00:00:00", "9999-12-31T23:59:59.999999", 315537897599.999999},
	} {
		got := timedeltaPlugin{}.values([]match{{Value: tc.a}, {Value: tc.b}})
		if len(got) != 1 || got[0] != tc.want {
			t.Errorf("timedelta(%s, %s) = %v, want %v", tc.a, tc.b, got, tc.want)
		}
	}
	if got := (timedeltaPlugin{}).values([]match{{Value: "2016-03-02T15:04:32"}}); len(got) != 1 || got[0] != nil {
		t.Errorf("one field: %v, want [None]", got)
	}
}
