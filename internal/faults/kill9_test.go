package faults

import (
	"math/rand/v2"
	"testing"
	"time"

	"meterflow/internal/testenv"
)

// TestKill9MidStream kills meterflow (embedded JetStream, so the store dies
// with it) with SIGKILL twice: once while the bridge fills the log, at a
// random point, and once, after a restart on the same data, while samples
// are being converted and delivered. A third run drains everything. The
// log and each sink (file://, jetstream://) must then hold every
// notification, sample and event exactly once.
//
// CI: 20,000 notifications; MF_LONG=1: 100,000. 200 of them are sent by
// the real oslo.messaging Notifier, the rest are corpus bodies made unique
// and published with amqp091.
func TestKill9MidStream(t *testing.T) {
	n := 20000
	if long() {
		n = 100000
	}
	s := newScenario(t, "k9-", n, "")
	natsAddr := testenv.FreeAddr(t)
	args := append(s.args(t), "--data", t.TempDir(), "--nats-listen", natsAddr)
	start := time.Now()

	m := startMeterflow(t, "meterflow (1st run)", args...)
	runs := []*meterflow{m}
	m.waitReady(t, 60*time.Second)
	s.w.emitReal(t, s.topic, s.prefix, 200)
	total := len(s.w.ids)
	t.Logf("workload: %s", s.w)
	_, js := connectJS(t, "nats://"+natsAddr)

	// SIGKILL 1: the log holds a random share of the notifications
	target := total/10 + rand.IntN(total/2)
	killed := make(chan int, 1)
	var killedAt time.Duration
	go func() {
		for m.running() {
			if c := streamMsgs(js, streamNotifications); c >= target {
				m.kill9()
				killedAt = time.Since(start)
				killed <- c
				return
			}
			time.Sleep(5 * time.Millisecond)
		}
		killed <- -1
	}()
	s.w.publish(t, s.topic, 0, n)
	t.Logf("published %d in %.1fs", total, time.Since(start).Seconds())
	var inLog int
	select {
	case inLog = <-killed:
	case <-time.After(120 * time.Second):
		t.Fatalf("the log never reached %d notifications", target)
	}
	if inLog < 0 || inLog >= total {
		t.Fatalf("SIGKILL 1 was not mid-stream: %d of %d in the log", inLog, total)
	}
	t.Logf("SIGKILL 1 at %.1fs: %d of %d notifications in the log; %d queued in RabbitMQ once all were published", killedAt.Seconds(), inLog, total, s.queued(t))

	// SIGKILL 2: the restarted meterflow converts the backlog and the file
	// sink writes it, a random share of the samples is in the file
	m = startMeterflow(t, "meterflow (2nd run)", args...)
	runs = append(runs, m)
	m.waitReady(t, 60*time.Second)
	lines := &lineCounter{path: s.file(fileSamples, "a")}
	want := len(s.w.samples)
	if now := lines.count(); now < want*9/10 {
		target = now + 1 + rand.IntN(want*9/10-now)
		if !waitUntil(120*time.Second, func() bool { return lines.count() >= target || !m.running() }) {
			t.Fatalf("the file sink never reached %d lines (at %d)", target, lines.count())
		}
		m.kill9()
		t.Logf("SIGKILL 2 at %.1fs: the file sink holds %d lines of %d samples", time.Since(start).Seconds(), lines.count(), want)
	} else {
		t.Logf("no SIGKILL 2: the file sink already holds %d of %d samples at restart", now, want)
		m.kill9()
	}

	m = startMeterflow(t, "meterflow (3rd run)", args...)
	runs = append(runs, m)
	m.waitReady(t, 60*time.Second)
	s.waitSettled(t, js, 240*time.Second)
	t.Logf("settled at %.1fs; the 3rd run counted %.0f duplicates that JetStream dropped", time.Since(start).Seconds(),
		sum(m.metrics(t), "meterflow_bridge_duplicates_total"))
	s.verify(t, js)
	m.sigterm(t)
	skipped := 0
	for _, r := range runs {
		skipped += skippedLines(r)
	}
	t.Logf("the file:// sinks skipped %d redelivered lines after the restarts", skipped)
}
