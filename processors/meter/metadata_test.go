package meter

import (
	"strings"
	"testing"

	"meterflow/processors/jsonv"
)

func TestResourceMetadataDefaultsToThePayload(t *testing.T) {
	e := mustLoad(t, testDefinition)
	n := fixture(t, "NOTIFICATION")
	got := samples(t, e, n)
	want := jsonv.Clone(n.Payload).(*jsonv.Object)
	want.Set("event_type", "test.create")
	want.Set("host", "foo123")
	if !jsonv.Equal(got[0].ResourceMetadata, want) {
		t.Errorf("resource_metadata = %s, want %s", jsonOf(got[0].ResourceMetadata), jsonOf(want))
	}
}

func TestMetadataKeepsTruthyValues(t *testing.T) {
	e := mustLoad(t, strings.TrimRight(testDefinition, "\n")+`
    metadata:
      proj: $.payload.project_id
      dict: $.payload.resource_metadata
      missing: $.payload.nothing
      zero: 0
`)
	got := samples(t, e, fixture(t, "NOTIFICATION"))
	want := `{"proj":"30be1fc9a03c4e94ab05c403a8a377f2","dict":{"foo":"bar"}}`
	if s := jsonOf(got[0].ResourceMetadata); s != want {
		t.Errorf("resource_metadata = %s, want %s", s, want)
	}
}

func TestUserMetadataKeepsReservedKeys(t *testing.T) {
	for _, tc := range []struct {
		name, extra, want string
	}{
		{"alone", "", `{"user_metadata":{"xyz":"abc"}}`},
		{"with metadata", "\n    metadata:\n      proj: $.payload.project_id",
			`{"proj":"30be1fc9a03c4e94ab05c403a8a377f2","user_metadata":{"xyz":"abc"}}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := mustLoad(t, strings.TrimRight(testDefinition, "\n")+"\n    user_metadata: $.payload.metadata"+tc.extra+"\n")
			got := samples(t, e, fixture(t, "USER_META"))
			if s := jsonOf(got[0].ResourceMetadata); s != tc.want {
				t.Errorf("resource_metadata = %s, want %s", s, tc.want)
			}
		})
	}
}

func TestUserMetadataRules(t *testing.T) {
	long := strings.Repeat("é", 300)
	opts := &sampleOptions{reservedNamespace: []string{"metering."}, reservedLength: 256, reservedKeys: []string{"stack"}}
	src := jsonv.NewObject(0)
	src.Set("metering.a.b", long)    // dots become underscores, cut to 256 characters
	src.Set("metering.taken", "x")   // the sample metadata already has "taken"
	src.Set("metering.n", int64(5))  // non-strings are kept whole
	src.Set("metering.a_b", "later") // same key as metering.a.b: the later wins
	src.Set("stack", "s")            // a reserved key
	src.Set("other", "ignored")      // neither
	dest := jsonv.NewObject(0)
	dest.Set("taken", "kept")
	addReservedUserMetadata(opts, src, dest)
	um, _ := dest.Get("user_metadata")
	want := `{"a_b":"later","n":5,"stack":"s"}`
	if s := jsonOf(um); s != want {
		t.Errorf("user_metadata = %s, want %s", s, want)
	}
	src.Set("metering.a_b", long)
	addReservedUserMetadata(opts, src, dest)
	um, _ = dest.Get("user_metadata")
	if v := get(t, um, "a_b").(string); len([]rune(v)) != 256 {
		t.Errorf("value cut to %d characters, want 256", len([]rune(v)))
	}
}

func TestUserMetadataThatIsNotAnObjectFailsTheEndpoint(t *testing.T) {
	e := mustLoad(t, strings.TrimRight(testDefinition, "\n")+"\n    user_metadata: $.payload.source\n")
	got, errs := e.Samples(fixture(t, "NOTIFICATION"))
	if len(got) != 0 || len(errs) != 1 || !strings.Contains(errs[0].Error(), "AttributeError") {
		t.Errorf("got %v, %v; want no samples and an AttributeError", got, errs)
	}
}
