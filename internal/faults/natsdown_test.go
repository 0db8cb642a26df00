package faults

import (
	"strings"
	"testing"
	"time"
)

// TestJetStreamDownMidStream runs meterflow against an external nats-server
// process and kills it (SIGKILL) while notifications flow: /readyz turns
// 503 naming NATS, meterflow_nats_connected is 0, the bridge acks nothing
// while JetStream is down (meterflow_bridge_bridged_total stands still
// while the rest of the notifications is published into the outage),
// meterflow keeps running; when the server is back on the same store,
// everything arrives once in the log and in each sink.
//
// (The embedded server dies with meterflow itself: TestKill9MidStream.)
func TestJetStreamDownMidStream(t *testing.T) {
	const n = 4000
	s := newScenario(t, "nd-", n, "")
	nodes := startNATS(t, 1)
	node := nodes[0]
	m := startMeterflow(t, "meterflow", append(s.args(t), "--nats-url", node.url)...)
	m.waitReady(t, 60*time.Second)
	_, js := connectJS(t, node.url)

	s.w.publish(t, s.topic, 0, n/2)
	if !waitUntil(60*time.Second, func() bool { return streamMsgs(js, streamNotifications) >= n/4 }) {
		t.Fatalf("the log never reached %d", n/4)
	}
	node.kill9()
	inLog := n / 4
	t.Logf("nats-server killed with at least %d of %d notifications in the log", inLog, n)
	if !waitUntil(15*time.Second, func() bool {
		code, body := m.readyz()
		return code == 503 && strings.Contains(body, `"nats":"disconnected"`)
	}) {
		code, body := m.readyz()
		t.Fatalf("/readyz during the outage: %d %s", code, body)
	}
	code, body := m.readyz()
	t.Logf("/readyz during the outage: %d %s", code, body)
	// Deliveries whose PubAck arrived before the kill are still being acked
	// for a few milliseconds: count from when the figure stands still.
	bridged := sum(m.metrics(t), "meterflow_bridge_bridged_total")
	for range 20 {
		time.Sleep(250 * time.Millisecond)
		now := sum(m.metrics(t), "meterflow_bridge_bridged_total")
		if now == bridged {
			break
		}
		bridged = now
	}

	// the rest is published into the outage: none of it may be acked
	s.w.publish(t, s.topic, n/2, n)
	time.Sleep(5 * time.Second)
	if !m.running() {
		t.Fatalf("meterflow exited during the outage: %v", m.err)
	}
	met := m.metrics(t)
	after := sum(met, "meterflow_bridge_bridged_total")
	t.Logf("5 s into the outage: %d ready in RabbitMQ (the rest delivered to meterflow, unacked); bridged (acked) %.0f before, %.0f after; store failures %.0f; meterflow_nats_connected %.0f",
		s.queued(t), bridged, after, sum(met, "meterflow_bridge_store_failures_total"), sum(met, "meterflow_nats_connected"))
	if after != bridged {
		t.Errorf("the bridge acked %.0f deliveries while JetStream was down", after-bridged)
	}
	if sum(met, "meterflow_nats_connected") != 0 {
		t.Errorf("meterflow_nats_connected is not 0 during the outage")
	}

	node.start(t)
	back := time.Now()
	m.waitReady(t, 60*time.Second)
	t.Logf("ready again %.1fs after the restart", time.Since(back).Seconds())
	s.waitSettled(t, js, 120*time.Second)
	t.Logf("settled %.1fs after the restart", time.Since(back).Seconds())
	s.verify(t, js)
	m.sigterm(t)
}
