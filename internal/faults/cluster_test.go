package faults

import (
	"context"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// TestClusterNodeKilledMidStream runs two meterflow processes against a
// three-node JetStream cluster (three nats-server processes, routes on
// loopback) with streams of three replicas; both share the RabbitMQ queues
// and the durable consumers. The node leading NOTIFICATIONS is killed
// (SIGKILL) while notifications flow and stays down: the log and each sink
// (the file:// sink's files shared by both processes, as on one host) hold
// everything once. A JetStream ack in flight to the killed node is lost,
// so some samples are redelivered, often to the other process: the
// jetstream:// sink absorbs them by message id, the file:// sink skips
// the lines it finds in the file.
func TestClusterNodeKilledMidStream(t *testing.T) {
	const n = 6000
	s := newScenario(t, "cl-", n, "")
	nodes := startNATS(t, 3)
	all := urls(nodes)
	var procs []*meterflow
	for _, name := range []string{"a", "b"} {
		// one host: both append to the same file:// sink files. One after
		// the other: two starting at once can exit with "look up stream
		// DEADLETTER: context deadline exceeded" while the cluster creates
		// the replicated streams (service.New does not retry).
		m := startMeterflow(t, "meterflow "+name, append(s.argsFor(t, "shared"), "--nats-url", all, "--stream-replicas", "3")...)
		m.waitReady(t, 90*time.Second)
		procs = append(procs, m)
	}
	_, js := connectJS(t, all)
	for _, name := range []string{streamNotifications, streamSamples, streamEvents} {
		if r := replicas(t, js, name); r != 3 {
			t.Fatalf("stream %s has %d replicas, want 3", name, r)
		}
	}

	s.w.publish(t, s.topic, 0, n/2)
	if !waitUntil(60*time.Second, func() bool { return streamMsgs(js, streamNotifications) >= n/4 }) {
		t.Fatalf("the log never reached %d", n/4)
	}
	leader := streamLeader(t, js, streamNotifications)
	var victim *natsNode
	for _, nd := range nodes {
		if nd.name == leader {
			victim = nd
		}
	}
	if victim == nil {
		t.Fatalf("no node named %q leads NOTIFICATIONS", leader)
	}
	inLog := streamMsgs(js, streamNotifications)
	victim.kill9()
	t.Logf("killed %s, the leader of NOTIFICATIONS, with %d of %d notifications in the log", leader, inLog, n)
	s.w.publish(t, s.topic, n/2, n)
	if !waitUntil(30*time.Second, func() bool { l := streamLeader(t, js, streamNotifications); return l != "" && l != leader }) {
		t.Fatalf("no new leader for NOTIFICATIONS")
	}
	t.Logf("new leader of NOTIFICATIONS: %s", streamLeader(t, js, streamNotifications))

	s.waitSettled(t, js, 150*time.Second)
	s.verify(t, js)
	for _, m := range procs {
		if !m.running() {
			t.Errorf("%s exited: %v", m.name, m.err)
		}
		converted := sum(m.metrics(t), "meterflow_handler_messages_total", `route="process"`, `outcome="acked"`)
		t.Logf("%s converted %.0f notifications", m.name, converted)
		m.sigterm(t)
	}
}

// streamLeader is the name of the server leading a stream ("" when there
// is none or the cluster does not answer).
func streamLeader(t testing.TB, js jetstream.JetStream, stream string) string {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	st, err := js.Stream(ctx, stream)
	if err != nil {
		return ""
	}
	info, err := st.Info(ctx)
	if err != nil || info.Cluster == nil {
		return ""
	}
	return info.Cluster.Leader
}

// replicas is a stream's configured number of replicas.
func replicas(t testing.TB, js jetstream.JetStream, stream string) int {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	st, err := js.Stream(ctx, stream)
	if err != nil {
		t.Fatalf("stream %s: %v", stream, err)
	}
	return st.CachedInfo().Config.Replicas
}
