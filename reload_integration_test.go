package main

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"meterflow/internal/testenv"
)

// TestSIGHUPAndWatchReloadTheDefinitions runs meterflow with --watch: SIGHUP
// reloads, an invalid pipeline written meanwhile is rejected (by the watch
// and by SIGHUP) with the process running on, and fixing it reloads again.
func TestSIGHUPAndWatchReloadTheDefinitions(t *testing.T) {
	bin := buildBinary(t)
	dir := t.TempDir()
	pipe, evPipe := filepath.Join(dir, "pipeline.yaml"), filepath.Join(dir, "event_pipeline.yaml")
	const valid = "sources:\n  - {name: all, meters: ['*'], sinks: [k]}\nsinks:\n  - {name: k, publishers: ['jetstream://']}\n"
	write := func(path, content string) {
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(pipe, valid)
	write(evPipe, "sources:\n  - {name: all, events: ['*'], sinks: [k]}\nsinks:\n  - {name: k, publishers: ['jetstream://']}\n")
	topic, prefix := testenv.Names(t, "info", "sample")
	p := startProcess(t, bin, "--data", t.TempDir(), "--nats-listen", "127.0.0.1:0", "--exchanges", "nova",
		"--topics", topic, "--queue-prefix", prefix, "--priorities", "info,sample", "--http-listen", "127.0.0.1:0",
		"--no-etc", "--pipeline", pipe, "--event-pipeline", evPipe, "--watch")
	p.natsURL(t)
	p.waitLog(t, "meterflow running")

	hup := func() {
		if err := p.cmd.Process.Signal(syscall.SIGHUP); err != nil {
			t.Fatal(err)
		}
	}
	hup()
	p.waitLog(t, "SIGHUP: reloading")
	p.waitLog(t, `"definitions reloaded"`)

	write(pipe, "sources: [\n")
	p.waitLog(t, "definition files changed")
	p.waitLog(t, `"reload failed; the running definitions stay"`)
	hup()
	p.waitLog(t, "SIGHUP: reloading")
	p.waitLog(t, "pipeline.yaml:")

	write(pipe, valid+"\n")
	p.waitLog(t, "definition files changed")
	p.waitLog(t, `"definitions reloaded"`)
	p.sigterm(t)
}
