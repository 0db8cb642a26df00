package faults

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"meterflow/internal/testenv"
)

// TestStreamFull gives NOTIFICATIONS a limit (--stream-max-bytes) that
// fills mid-stream, new notifications being refused (discard new): the
// bridge acks nothing it could not store (log + RabbitMQ = everything),
// says so in its log and its metrics, and keeps running (no crash loop).
// Restarted with a bigger limit, it stores everything once and the sinks
// get every sample once.
func TestStreamFull(t *testing.T) {
	const n = 3000
	s := newScenario(t, "sf-", n, "")
	natsAddr := testenv.FreeAddr(t)
	data := t.TempDir()
	args := append(s.args(t), "--data", data, "--nats-listen", natsAddr, "--stream-max-age", "1h")
	m := startMeterflow(t, "meterflow (full)", append(args, "--stream-max-bytes", "2000000")...)
	m.waitReady(t, 60*time.Second)
	_, js := connectJS(t, "nats://"+natsAddr)

	s.w.publish(t, s.topic, 0, n)
	last := waitStable(js)
	time.Sleep(3 * time.Second)
	if !m.running() {
		t.Fatalf("meterflow exited on a full stream: %v", m.err)
	}
	code, ready := m.readyz()
	met := m.metrics(t)
	t.Logf("NOTIFICATIONS full at %d of %d notifications; /readyz %d %s", last, n, code, ready)
	t.Logf("metrics: bridge acked %.0f, retried %.0f, nacked %.0f, dead-lettered %.0f",
		sum(met, "meterflow_handler_messages_total", `route="bridge`, `outcome="acked"`),
		sum(met, "meterflow_handler_messages_total", `route="bridge`, `outcome="retried"`),
		sum(met, "meterflow_handler_messages_total", `route="bridge`, `outcome="nacked"`),
		sum(met, "meterflow_handler_messages_total", `route="bridge`, `outcome="dead_lettered"`))
	t.Logf("first error logged: %s", firstError(m))
	full := sum(met, "meterflow_bridge_store_failures_total", `reason="stream_full"`)
	t.Logf("meterflow_bridge_store_failures_total{reason=\"stream_full\"} %.0f", full)
	if full == 0 {
		t.Errorf("no stream_full store failures counted")
	}
	if last >= n {
		t.Fatalf("the limit did not fill the stream")
	}
	m.sigterm(t) // returns what it has in flight to RabbitMQ
	if q := s.queued(t); q+last != n {
		t.Errorf("log %d + RabbitMQ %d = %d, want %d: something was acked without being stored, or stored twice", last, q, q+last, n)
	} else {
		t.Logf("log %d + RabbitMQ %d = %d: nothing acked that was not stored", last, q, n)
	}

	m = startMeterflow(t, "meterflow (bigger limit)", append(args, "--stream-max-bytes", "1000000000")...)
	m.waitReady(t, 60*time.Second)
	s.waitSettled(t, js, 120*time.Second)
	s.verify(t, js)
	m.sigterm(t)
}

// TestDiskFull runs the embedded JetStream on a 32 MiB tmpfs (mounting
// needs root; CI runs as root) with stream limits that fit (7 MB each:
// JetStream reserves every stream's MaxBytes, so the default 10 GiB
// limits are refused at start with "insufficient storage resources
// available"), then fills the filesystem with another file: JetStream's
// writes fail with ENOSPC. Nothing is acked that was not stored (log +
// RabbitMQ = everything), meterflow keeps running; once space is freed and
// meterflow restarted, everything arrives once.
func TestDiskFull(t *testing.T) {
	const n = 2000 // within the 7 MB limits: SAMPLES holds two copies (two sinks)
	dir := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=32m", "mffaults", dir).CombinedOutput(); err != nil {
		t.Fatalf("mount a tmpfs (needs root): %v %s", err, out)
	}
	t.Cleanup(func() { _ = exec.Command("umount", "-l", dir).Run() })
	s := newScenario(t, "df-", n, "")
	natsAddr := testenv.FreeAddr(t)
	args := append(s.args(t), "--data", dir, "--nats-listen", natsAddr, "--stream-max-bytes", "7000000")
	m := startMeterflow(t, "meterflow (disk full)", args...)
	m.waitReady(t, 60*time.Second)
	_, js := connectJS(t, "nats://"+natsAddr)
	// something else fills the filesystem, 3 MiB left
	filler := filepath.Join(dir, "filler")
	if out, err := exec.Command("sh", "-c", "avail=$(df -k --output=avail "+dir+" | tail -1); dd if=/dev/zero of="+filler+" bs=1k count=$((avail-3072))").CombinedOutput(); err != nil {
		t.Fatalf("fill the disk: %v %s", err, out)
	}
	s.w.publish(t, s.topic, 0, n)
	last := waitStable(js)
	df, _ := exec.Command("df", "-k", "--output=used,avail", dir).CombinedOutput()
	code, ready := m.readyz()
	if !m.running() {
		t.Fatalf("meterflow exited on a full disk: %v", m.err)
	}
	t.Logf("disk full with %d of %d notifications in the log; /readyz %d %s; df: %s", last, n, code, ready, strings.Join(strings.Fields(string(df)), " "))
	t.Logf("first error: %s", firstError(m))
	met := m.metrics(t)
	t.Logf("store failures: stream_full %.0f, timeout %.0f, not_acked %.0f",
		sum(met, "meterflow_bridge_store_failures_total", `reason="stream_full"`),
		sum(met, "meterflow_bridge_store_failures_total", `reason="timeout"`),
		sum(met, "meterflow_bridge_store_failures_total", `reason="not_acked"`))
	m.sigterm(t)
	if q := s.queued(t); q+last != n {
		t.Errorf("log %d + RabbitMQ %d = %d, want %d: something was acked without being stored, or stored twice", last, q, q+last, n)
	} else {
		t.Logf("log %d + RabbitMQ %d = %d: nothing acked that was not stored", last, q, n)
	}

	if err := os.Remove(filler); err != nil {
		t.Fatal(err)
	}
	m = startMeterflow(t, "meterflow (space freed)", args...)
	m.waitReady(t, 60*time.Second)
	s.waitSettled(t, js, 120*time.Second)
	s.verify(t, js)
	m.sigterm(t)
}

// waitStable waits (up to 60 s) until NOTIFICATIONS stops growing for a
// second and returns how many it holds.
func waitStable(js jetstream.JetStream) int {
	var last int
	waitUntil(60*time.Second, func() bool {
		now := streamMsgs(js, streamNotifications)
		stable := now > 0 && now == last
		last = now
		time.Sleep(time.Second)
		return stable
	})
	return last
}

// firstError is the first ERROR or WARN line of m's log (the corpus'
// failing endpoints aside).
func firstError(m *meterflow) string {
	for _, l := range strings.Split(m.out.String(), "\n") {
		if strings.Contains(l, `"level":"ERROR"`) || strings.Contains(l, `"level":"WARN"`) && !strings.Contains(l, "endpoint failed") {
			return l
		}
	}
	return ""
}
