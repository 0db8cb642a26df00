package event

import (
	"errors"
	"math/big"
	"reflect"
	"testing"

	"meterflow/processors"
	"meterflow/processors/pyyaml"
)

// traitPayload extends the payload of Ceilometer's TestTraitDefinition.
const traitPayload = `{"instance_uuid": "uuid-for-instance-0001", "instance_id": "id-for-instance-0001",
	"instance_uuid2": null, "instance_id2": null, "host": "host-1-2-3", "bogus_date": "",
	"image_meta": {"disk_gb": "20", "thing": "whatzit"}, "foobar": 50,
	"float": 12.7, "neg": -1.5, "yes": true, "dict": {"a": 1, "b": [null, true]}, "list": ["x", 2],
	"big": 123456789012345678901234567890, "when": "2013-08-08T23:06:37.5+02:00", "word": "abc",
	"spaced": " 42 ", "decimal": "12.5", "long": "` + long300 + `"}`

const long300 = "0123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789" +
	"0123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789" +
	"0123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789"

// oneTrait converts the trait notification with a definition holding only
// the trait "t" configured as cfg (YAML).
func oneTrait(t *testing.T, cfg string) (processors.Trait, bool, error) {
	t.Helper()
	c := mustParse(t, "- event_type: test.thing\n  traits:\n    t: "+cfg+"\n")
	e, err := c.Event(testNotification(t, "test.thing", "uuid-for-notif-0001", traitPayload))
	if err != nil {
		return processors.Trait{}, false, err
	}
	tr, ok := traitOf(e, "t")
	return tr, ok, nil
}

func TestTraitFieldsTakeTheFirstNonNullMatch(t *testing.T) {
	for _, tc := range []struct {
		name, cfg string
		want      any
	}{
		{"single field", `{fields: payload.instance_id}`, "id-for-instance-0001"},
		{"list, first present", `{fields: [payload.instance_id, payload.instance_uuid]}`, "id-for-instance-0001"},
		{"list order decides", `{fields: [payload.instance_uuid, payload.instance_id]}`, "uuid-for-instance-0001"},
		{"null skipped", `{fields: [payload.instance_id2, payload.instance_uuid]}`, "uuid-for-instance-0001"},
		{"missing skipped", `{fields: [payload.not_here_boss, payload.instance_uuid]}`, "uuid-for-instance-0001"},
		{"different nesting", `{type: int, fields: [payload.foobar, payload.image_meta.disk_gb]}`, int64(50)},
		{"different nesting reversed", `{type: int, fields: [payload.image_meta.disk_gb, payload.foobar]}`, int64(20)},
		{"short form", `payload.host`, "host-1-2-3"},
		{"short form list", `[payload.nothing, payload.host]`, "host-1-2-3"},
		{"one-item list", `{fields: [payload.host]}`, "host-1-2-3"},
		{"dictionary syntax", `{fields: "payload[host]"}`, "host-1-2-3"},
		{"integer fields is the value", `{type: int, fields: 5}`, int64(5)},
		{"boolean fields is the value", `{fields: true}`, "True"},
		{"one-item integer list is the value", `{fields: [7]}`, "7"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tr, ok, err := oneTrait(t, tc.cfg)
			if err != nil || !ok {
				t.Fatalf("trait: %v, present %v", err, ok)
			}
			if !reflect.DeepEqual(tr.Value, tc.want) {
				t.Errorf("value %#v, want %#v", tr.Value, tc.want)
			}
		})
	}
}

func TestTraitWithoutValueIsLeftOut(t *testing.T) {
	for _, tc := range []struct{ name, cfg string }{
		{"missing", `{fields: payload.not_here_boss}`},
		{"null", `{fields: payload.instance_id2}`},
		{"all missing or null", `{fields: [payload.not_here_boss, payload.instance_id2]}`},
		{"empty string as datetime", `{type: datetime, fields: payload.bogus_date}`},
		{"empty string as int", `{type: int, fields: payload.bogus_date}`},
		{"empty string as float", `{type: float, fields: payload.bogus_date}`},
		{"empty string as none", `{type: none, fields: payload.bogus_date}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tr, ok, err := oneTrait(t, tc.cfg)
			if err != nil || ok {
				t.Errorf("got %+v, %v; want no trait", tr, err)
			}
		})
	}
}

func TestTraitTypesConvertAsCeilometer(t *testing.T) {
	big30, _ := new(big.Int).SetString("123456789012345678901234567890", 10)
	for _, tc := range []struct {
		name, cfg string
		typ       processors.TraitType
		want      any
	}{
		{"text of a string", `{fields: payload.host}`, processors.TraitText, "host-1-2-3"},
		{"text is the default type", `{type: text, fields: payload.host}`, processors.TraitText, "host-1-2-3"},
		{"text of an int", `{fields: payload.foobar}`, processors.TraitText, "50"},
		{"text of a float", `{fields: payload.float}`, processors.TraitText, "12.7"},
		{"text of a bool", `{fields: payload.yes}`, processors.TraitText, "True"},
		{"text of an object", `{fields: payload.dict}`, processors.TraitText, "{'a': 1, 'b': [None, True]}"},
		{"text of a list", `{fields: payload.list}`, processors.TraitText, "['x', 2]"},
		{"text of an empty string", `{fields: payload.bogus_date}`, processors.TraitText, ""},
		{"text cropped to 255", `{fields: payload.long}`, processors.TraitText, long300[:255]},
		{"int of a numeric string", `{type: int, fields: payload.image_meta.disk_gb}`, processors.TraitInt, int64(20)},
		{"int of a spaced string", `{type: int, fields: payload.spaced}`, processors.TraitInt, int64(42)},
		{"int truncates a float", `{type: int, fields: payload.float}`, processors.TraitInt, int64(12)},
		{"int truncates toward zero", `{type: int, fields: payload.neg}`, processors.TraitInt, int64(-1)},
		{"int of a bool", `{type: int, fields: payload.yes}`, processors.TraitInt, int64(1)},
		{"int beyond 64 bits", `{type: int, fields: payload.big}`, processors.TraitInt, big30},
		{"float of a string", `{type: float, fields: payload.image_meta.disk_gb}`, processors.TraitFloat, 20.0},
		{"float of an int", `{type: float, fields: payload.foobar}`, processors.TraitFloat, 50.0},
		{"float of a bool", `{type: float, fields: payload.yes}`, processors.TraitFloat, 1.0},
		{"datetime normalised to naive UTC", `{type: datetime, fields: payload.when}`, processors.TraitDatetime, "2013-08-08T21:06:37.500000"},
		{"type names ignore case", `{type: INT, fields: payload.foobar}`, processors.TraitInt, int64(50)},
		{"type none is text with dtype 0", `{type: none, fields: payload.foobar}`, traitNone, "50"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tr, ok, err := oneTrait(t, tc.cfg)
			if err != nil || !ok {
				t.Fatalf("trait: %v, present %v", err, ok)
			}
			if tr.Type != tc.typ || !reflect.DeepEqual(tr.Value, tc.want) {
				t.Errorf("got (%d, %#v), want (%d, %#v)", tr.Type, tr.Value, tc.typ, tc.want)
			}
		})
	}
}

func TestTraitThatDoesNotConvertFailsTheEvent(t *testing.T) {
	for _, tc := range []struct{ name, cfg string }{
		{"int of a word", `{type: int, fields: payload.word}`},
		{"int of a decimal string", `{type: int, fields: payload.decimal}`},
		{"int of an object", `{type: int, fields: payload.dict}`},
		{"float of a word", `{type: float, fields: payload.word}`},
		{"datetime of a word", `{type: datetime, fields: payload.word}`},
		{"datetime of a number", `{type: datetime, fields: payload.foobar}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := oneTrait(t, tc.cfg)
			if !errors.Is(err, ErrConversion) {
				t.Errorf("error %v, want ErrConversion", err)
			}
		})
	}
}

// recordingPlugin stands for the mock plugins of Ceilometer's tests.
type recordingPlugin struct {
	got    []fieldMatch
	calls  int
	result any
}

func (p *recordingPlugin) value(matches []fieldMatch) (any, bool) {
	p.calls++
	p.got = matches
	return p.result, p.result != nil
}

func TestTraitPluginGetsNonNullMatchesWithPaths(t *testing.T) {
	doc := testNotification(t, "test.thing", "uuid-for-notif-0001", traitPayload).Doc
	for _, tc := range []struct {
		name   string
		fields []string
		result any
		want   []fieldMatch
	}{
		{"matches", []string{"payload.instance_id", "payload.instance_uuid"}, "foobar",
			[]fieldMatch{{"payload.instance_id", "id-for-instance-0001"}, {"payload.instance_uuid", "uuid-for-instance-0001"}}},
		{"no match still calls", []string{"payload.nothere", "payload.bogus"}, "foobar", nil},
		{"plugin returns nothing", []string{"payload.instance_id", "payload.instance_uuid"}, nil,
			[]fieldMatch{{"payload.instance_id", "id-for-instance-0001"}, {"payload.instance_uuid", "uuid-for-instance-0001"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			items := make([]*pyyaml.Value, len(tc.fields))
			for i, f := range tc.fields {
				items[i] = &pyyaml.Value{V: f}
			}
			td, problems := newTraitDef("test_trait", &pyyaml.Value{V: items}, pathCache{})
			if len(problems) > 0 {
				t.Fatal(problems)
			}
			p := &recordingPlugin{result: tc.result}
			td.plugin, td.paths = p, true
			tr, ok, err := td.trait(doc)
			if err != nil {
				t.Fatal(err)
			}
			if p.calls != 1 || !reflect.DeepEqual(p.got, tc.want) {
				t.Errorf("plugin called %d times with %v, want once with %v", p.calls, p.got, tc.want)
			}
			if tc.result == nil {
				if ok {
					t.Errorf("got trait %+v, want none", tr)
				}
				return
			}
			if !ok || tr.Value != tc.result || tr.Type != processors.TraitText {
				t.Errorf("got %+v (present %v), want text %v", tr, ok, tc.result)
			}
		})
	}
}
