package routes

import (
	"strings"
	"sync/atomic"
	"testing"

	"meterflow/definitions"
	"meterflow/processors"
	"meterflow/processors/convert"
	"meterflow/processors/pipeline"
)

func TestSampleIDsAreNumberedPerMeterSoOtherMetersCannotShiftThem(t *testing.T) {
	body := []byte(`{"oslo.version": "2.0", "oslo.message": "{\"message_id\": \"m-1\", \"publisher_id\": \"compute.h\", \"event_type\": \"compute.instance.create.end\", \"priority\": \"INFO\", \"payload\": {\"instance_id\": \"i\", \"tenant_id\": \"p\", \"user_id\": \"u\", \"memory_mb\": 512, \"vcpus\": 1, \"root_gb\": 1, \"disk_gb\": 1, \"ephemeral_gb\": 0, \"instance_type\": \"m1\", \"host\": \"h\"}, \"timestamp\": \"2026-11-02 10:01:07.009973\"}"}`)
	conv, err := convert.Load(convert.Config{NoEtc: true})
	if err != nil {
		t.Fatal(err)
	}
	all, _ := pipeline.Parse("p.yaml", []byte("sources:\n  - {name: s, meters: ['*'], sinks: [k]}\nsinks:\n  - {name: k, publishers: ['jetstream://']}\n"), pipeline.Samples)
	events, _ := pipeline.LoadFS(definitions.Ceilometer, definitions.EventPipeline, pipeline.Events)
	ids := func() map[string]string {
		var defs atomic.Pointer[Definitions]
		defs.Store(&Definitions{Converter: conv, Samples: all, Events: events})
		p := &Process{Definitions: &defs}
		subjects, outs, err := p.Convert(body, "", "")
		if err != nil {
			t.Fatal(err)
		}
		m := map[string]string{}
		for i, o := range outs {
			m[subjects[i]] = o.Metadata.Get(HeaderMsgID)
		}
		return m
	}
	first, second := ids(), ids()
	if len(first) < 5 {
		t.Fatalf("only %d messages: %v", len(first), first)
	}
	for subj, id := range first {
		if second[subj] != id {
			t.Errorf("%s: id %s then %s", subj, id, second[subj])
		}
	}
	// every meter's first sample is index 0, whatever other meters exist
	for _, meter := range []string{"memory", "vcpus", "disk.root.size"} {
		if got, want := first["samples.k."+meter], "k:"+SampleID("m-1", meter, 0); got != want {
			t.Errorf("%s: message id %s, want %s", meter, got, want)
		}
	}
	if SampleID("m-1", "memory", 0) == SampleID("m-1", "vcpus", 0) || SampleID("m-1", "memory", 0) == SampleID("m-1", "memory", 1) {
		t.Fatal("ids collide")
	}
	if got := SampleID("m-1", "memory", 0); len(got) != 36 || got[14] != '5' {
		t.Fatalf("not a version-5 UUID layout: %s", got)
	}
}

func TestProcessKeepsHeadersValidAndRefusesMessagesNATSCannotStore(t *testing.T) {
	conv, err := convert.Load(convert.Config{NoEtc: true})
	if err != nil {
		t.Fatal(err)
	}
	all, _ := pipeline.Parse("p.yaml", []byte("sources:\n  - {name: s, meters: ['*'], sinks: [k]}\nsinks:\n  - {name: k, publishers: ['jetstream://']}\n"), pipeline.Samples)
	events, _ := pipeline.Parse("e.yaml", []byte("sources:\n  - {name: s, events: ['*'], sinks: [k]}\nsinks:\n  - {name: k, publishers: ['jetstream://']}\n"), pipeline.Events)
	var defs atomic.Pointer[Definitions]
	defs.Store(&Definitions{Converter: conv, Samples: all, Events: events})
	body := []byte(`{"event_type": "image.upload", "priority": "INFO", "message_id": "bad\r\nid", "payload": {"id": "i", "owner": "p", "size": 7, "name": "` + strings.Repeat("x", 5000) + `"}, "timestamp": "2026-11-02 10:01:07.009973"}`)

	p := &Process{Definitions: &defs}
	_, outs, err := p.Convert(body, "", "")
	if err != nil || len(outs) < 2 {
		t.Fatalf("%d messages, %v", len(outs), err)
	}
	for _, o := range outs {
		for k, v := range o.Metadata {
			if strings.ContainsAny(v, "\r\n") {
				t.Errorf("header %s = %q cannot be sent to NATS", k, v)
			}
		}
	}
	p.MaxMessageBytes = 4000 // the 5,000-character name is copied into the messages
	if _, _, err := p.Convert(body, "", ""); !IsPermanent(err) {
		t.Fatalf("oversized message: error %v, want a permanent one", err)
	}
}

func TestSampleIDsStayWhatStoredSamplesWereDeduplicatedBy(t *testing.T) {
	// sha1("m-1\x00memory\x001") in a version-5 layout, as Python's uuid
	// prints it; ids already stored must never change
	if got := SampleID("m-1", "memory", 1); got != "a99b59e0-8046-5486-ac60-5f0c66e1f7ca" {
		t.Errorf("SampleID = %s", got)
	}
	if got := SampleID(strings.Repeat("n", 300), "cpu", 12); got != "7294a02c-d568-514a-8ba4-b5fa7cfba06e" {
		t.Errorf("SampleID of a long id = %s", got)
	}
}

func TestNumberSamplesCountsEachMeterFromZero(t *testing.T) {
	s := []processors.Sample{{Name: "disk"}, {Name: "cpu"}, {Name: "disk"}, {Name: "disk"}}
	NumberSamples("m-1", s)
	for i, want := range []string{SampleID("m-1", "disk", 0), SampleID("m-1", "cpu", 0), SampleID("m-1", "disk", 1), SampleID("m-1", "disk", 2)} {
		if s[i].ID != want {
			t.Errorf("sample %d (%s): id %s, want %s", i, s[i].Name, s[i].ID, want)
		}
	}
	// many samples (a lookup over a long list) are numbered the same way
	many := make([]processors.Sample, 1000)
	for i := range many {
		many[i].Name = []string{"disk", "cpu"}[i%2]
	}
	NumberSamples("m-1", many)
	if got, want := many[999].ID, SampleID("m-1", "cpu", 499); got != want {
		t.Errorf("sample 999: id %s, want %s", got, want)
	}
}
