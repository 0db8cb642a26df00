package service

import (
	"os"
	"path/filepath"
	"testing"

	"meterflow/processors/convert"
)

func TestWatchFingerprintChangesWithTheDefinitionFiles(t *testing.T) {
	dir := t.TempDir()
	meters := filepath.Join(dir, "meters.d")
	_ = os.Mkdir(meters, 0o755)
	pipe := filepath.Join(dir, "pipeline.yaml")
	s := &Service{cfg: Config{PipelineFile: pipe, Convert: convert.Config{NoEtc: true, MeterDirs: []string{meters}}}}
	write := func(path, content string) {
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	steps := []struct {
		name   string
		change func()
	}{
		{"pipeline created", func() { write(pipe, "a") }},
		{"pipeline rewritten", func() { write(pipe, "bb") }},
		{"meter file added", func() { write(filepath.Join(meters, "m.yaml"), "x") }},
		{"meter file changed", func() { write(filepath.Join(meters, "m.yaml"), "xy") }},
		{"meter file removed", func() { _ = os.Remove(filepath.Join(meters, "m.yaml")) }},
	}
	last := s.fingerprint()
	for _, st := range steps {
		st.change()
		fp := s.fingerprint()
		if fp == last {
			t.Errorf("%s: fingerprint unchanged", st.name)
		}
		if again := s.fingerprint(); again != fp {
			t.Errorf("%s: fingerprint differs between two looks at the same files", st.name)
		}
		last = fp
	}
}
