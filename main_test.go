package main

import (
	"bytes"
	"encoding/json"
	"os"
	"strings"
	"testing"

	"meterflow/processors/convert"
)

func TestConvertWritesOneLinePerBodyAndAnErrorLineForGarbage(t *testing.T) {
	conv, err := convert.Load(convert.Config{NoEtc: true})
	if err != nil {
		t.Fatal(err)
	}
	body := `{"oslo.version": "2.0", "oslo.message": "{\"message_id\": \"m1\", \"publisher_id\": \"image.host\", \"event_type\": \"image.upload\", \"priority\": \"INFO\", \"payload\": {\"id\": \"img\", \"owner\": \"p\", \"size\": 42}, \"timestamp\": \"2026-11-02 10:01:07.009973\"}"}`
	in := body + "\n\n" + "not json\n" + body
	var out bytes.Buffer
	if err := convertStream(conv, strings.NewReader(in), &out); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 3 {
		t.Fatalf("%d lines for 3 bodies:\n%s", len(lines), out.String())
	}
	var first struct {
		Samples []map[string]any
		Events  []map[string]any
	}
	if err := json.Unmarshal([]byte(lines[0]), &first); err != nil {
		t.Fatal(err)
	}
	if len(first.Samples) != 1 || first.Samples[0]["name"] != "image.size" || first.Samples[0]["volume"] != 42.0 {
		t.Errorf("samples %v", first.Samples)
	}
	if len(first.Events) != 1 || first.Events[0]["event_type"] != "image.upload" {
		t.Errorf("events %v", first.Events)
	}
	if !strings.HasPrefix(lines[1], `{"error":"malformed notification`) {
		t.Errorf("error line %s", lines[1])
	}
	if lines[2] != lines[0] {
		t.Errorf("same body, different output")
	}
}

func TestDispatchExitCodes(t *testing.T) {
	var out, errOut bytes.Buffer
	if code := dispatch([]string{"nope"}, &out, &errOut); code != 2 {
		t.Errorf("unknown command: exit %d", code)
	}
	if code := dispatch([]string{"version"}, &out, &errOut); code != 0 || !strings.HasPrefix(out.String(), "meterflow ") {
		t.Errorf("version: exit %d, %q", code, out.String())
	}
	if code := dispatch([]string{"convert", "--bogus"}, &out, &errOut); code != 2 {
		t.Errorf("bad flag: exit %d", code)
	}
	if code := dispatch([]string{"run", "--help"}, &out, &errOut); code != 0 {
		t.Errorf("run --help: exit %d", code)
	}
}

func TestLintReportsEveryProblemWithFileAndLine(t *testing.T) {
	var out, errOut bytes.Buffer
	if code := dispatch([]string{"lint", "--no-etc"}, &out, &errOut); code != 0 || strings.TrimSpace(out.String()) != "ok" {
		t.Fatalf("shipped definitions: exit %d\n%s%s", code, out.String(), errOut.String())
	}
	dir := t.TempDir()
	write := func(name, content string) string {
		p := dir + "/" + name
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	if err := os.Mkdir(dir+"/meters", 0o755); err != nil {
		t.Fatal(err)
	}
	write("meters/m.yaml", "---\nmetric:\n  - name: ok\n    event_type: a\n    type: gauge\n    unit: B\n    volume: 1\n    resource_id: $.payload.id\n  - name: bad\n    event_type: a\n    type: gaugeish\n    unit: B\n    volume: 1\n    resource_id: $.payload.id\n")
	events := write("e.yaml", "- event_type: 'x.*'\n  traits:\n    a:\n      fields: payload.a\n      type: date\n")
	pipe := write("p.yaml", "sources:\n  - {name: s, meters: ['*'], sinks: [k]}\nsinks:\n  - {name: k, publishers: ['kafka://x']}\n")
	out.Reset()
	code := dispatch([]string{"lint", "--no-etc", "--meters", dir + "/meters", "--events", events, "--pipeline", pipe}, &out, &errOut)
	if code != 1 {
		t.Fatalf("exit %d, want 1\n%s", code, out.String())
	}
	for _, want := range []string{"m.yaml:11: meter \"bad\": field \"type\"", "e.yaml:5: event_type \"x.*\": trait \"a\"", "p.yaml:4: sink \"k\": invalid sink URL"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
}
