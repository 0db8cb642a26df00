package main

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"meterflow/internal/testenv"
	"meterflow/service"
	amqpt "meterflow/transport/amqp"
)

// TestExampleRoutesAgainstRabbitMQ builds the example, runs it as a process
// against the local RabbitMQ, publishes notifications with the real
// oslo.messaging Notifier and reads the alert and the counts from
// JetStream. A restart resumes the counts.
func TestExampleRoutesAgainstRabbitMQ(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "routes-example")
	build := exec.Command("go", "build", "-o", bin, ".")
	build.Dir = filepath.Join(testenv.Root(), "examples", "routes")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	topic, prefix := testenv.Names(t, amqpt.DefaultPriorities...)
	data := t.TempDir()
	natsAddr := testenv.FreeAddr(t)

	stopExample := startExample(t, bin, topic, prefix, data, natsAddr)
	emit(t, topic,
		createEnd("i-slow", "proj-1", "2026-11-08 17:07:49.069811", "2026-11-08T17:09:04.069811"), // 75 s: alert
		createEnd("i-fast", "proj-1", "2026-11-08 17:07:49.000000", "2026-11-08T17:08:19.000000"), // 30 s: under the threshold
		createEnd("i-failed", "proj-1", "2026-11-08 17:07:49.000000", ""),                         // never booted
		authenticate("failure", "proj-a", ""),
		authenticate("failure", "proj-a", ""),
		authenticate("success", "proj-a", ""),
		authenticate("failure", "", "proj-b"), // project from the request context
		notification("nova", "compute.instance.delete.end", map[string]any{"instance_id": "i-slow"}, nil),
	)
	js := connect(t, natsAddr)
	got := waitRoutes(t, js, 4)
	want := []string{
		`alerts.boot_time {"instance_id":"i-slow","project":"proj-1","host":"compute-1","seconds":75}`,
		`keystone.login_failures.proj-a {"project":"proj-a","failures":1}`,
		`keystone.login_failures.proj-a {"project":"proj-a","failures":2}`,
		`keystone.login_failures.proj-b {"project":"proj-b","failures":1}`,
	}
	assertMessages(t, got, want)
	stopExample()

	// a restart resumes the counts where they were
	stopExample = startExample(t, bin, topic, prefix, data, natsAddr)
	defer stopExample()
	emit(t, topic, authenticate("failure", "proj-a", ""))
	js = connect(t, natsAddr)
	got = waitRoutes(t, js, 5)
	assertMessages(t, got, append(want, `keystone.login_failures.proj-a {"project":"proj-a","failures":3}`))
}

// startExample runs the example until the returned function stops it with
// SIGTERM, which must end it cleanly.
func startExample(t *testing.T, bin, topic, prefix, data, natsAddr string) (stop func()) {
	t.Helper()
	httpAddr := testenv.FreeAddr(t)
	cmd := exec.Command(bin, "-amqp-url", testenv.RabbitURL(), "-exchanges", "nova,keystone", "-topic", topic,
		"-queue-prefix", prefix, "-data", data, "-nats-listen", natsAddr, "-http-listen", httpAddr,
		"-boot-threshold", "60s")
	logFile, err := os.Create(filepath.Join(t.TempDir(), "example.log"))
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	showLog := func() {
		b, _ := os.ReadFile(logFile.Name())
		t.Logf("example log:\n%s", b)
	}
	stopped := false
	stop = func() {
		if stopped {
			return
		}
		stopped = true
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case err := <-done:
			if err != nil {
				showLog()
				t.Errorf("example exited with %v", err)
			}
		case <-time.After(30 * time.Second):
			_ = cmd.Process.Kill()
			showLog()
			t.Error("example did not stop within 30 s of SIGTERM")
		}
	}
	t.Cleanup(stop)
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get("http://" + httpAddr + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				break
			}
		}
		select {
		case err := <-done:
			showLog()
			t.Fatalf("example exited before it was ready: %v", err)
		default:
		}
		if time.Now().After(deadline) {
			showLog()
			t.Fatal("example not ready within 30 s")
		}
		time.Sleep(50 * time.Millisecond)
	}
	time.Sleep(200 * time.Millisecond) // consumers start right after the topology
	return stop
}

// notification is a golden-corpus-style case for oslo_emit.py, which
// re-sends it with oslo.messaging's Notifier (fresh message_id).
func notification(exchange, eventType string, payload, ctxt map[string]any) string {
	inner := map[string]any{"message_id": "x", "publisher_id": exchange + ".host-1", "event_type": eventType,
		"priority": "INFO", "payload": payload, "timestamp": "2026-11-08 17:09:05.000000"}
	for k, v := range ctxt {
		inner["_context_"+k] = v
	}
	innerJSON, _ := json.Marshal(inner)
	body, _ := json.Marshal(map[string]string{"oslo.version": "2.0", "oslo.message": string(innerJSON)})
	line, _ := json.Marshal(map[string]string{"name": eventType, "exchange": exchange, "routing_key": "notifications.info", "body": string(body)})
	return string(line)
}

func createEnd(instance, project, created, launched string) string {
	return notification("nova", "compute.instance.create.end", map[string]any{
		"instance_id": instance, "tenant_id": project, "host": "compute-1", "state": "active",
		"created_at": created, "launched_at": launched,
	}, map[string]any{"project_id": project})
}

// authenticate is keystone's CADF identity.authenticate; project goes in
// the initiator (a scoped request), ctxProject in the request context.
func authenticate(outcome, project, ctxProject string) string {
	initiator := map[string]any{"id": "user-1", "name": "alice", "typeURI": "service/security/account/user",
		"host": map[string]any{"address": "10.0.0.1", "agent": "python-keystoneclient"}}
	if project != "" {
		initiator["project_id"] = project
	}
	ctxt := map[string]any{"user_id": nil}
	if ctxProject != "" {
		ctxt["project_id"] = ctxProject
	}
	return notification("keystone", "identity.authenticate", map[string]any{
		"typeURI": "http://schemas.dmtf.org/cloud/audit/1.0/event", "eventType": "activity", "outcome": outcome,
		"action": "authenticate", "initiator": initiator, "id": "audit-1",
		"target":   map[string]any{"id": "keystone", "typeURI": "service/security/account/user"},
		"observer": map[string]any{"id": "openstack:keystone", "typeURI": "service/security"},
	}, ctxt)
}

// emit publishes the cases in order with the real oslo.messaging Notifier.
func emit(t *testing.T, topic string, cases ...string) {
	t.Helper()
	file := filepath.Join(t.TempDir(), "cases.jsonl")
	if err := os.WriteFile(file, []byte(strings.Join(cases, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	emitter := filepath.Join(testenv.Root(), "..", "shared", "tools", "oslo_emit.py")
	out, err := exec.Command("/usr/bin/python3", emitter, "--url", "rabbit://guest:guest@127.0.0.1:5672/",
		"--topic", topic, "--cases", file).CombinedOutput()
	if err != nil {
		t.Fatalf("oslo_emit (needs Debian's python3-oslo.messaging): %v\n%s", err, out)
	}
}

func connect(t *testing.T, addr string) jetstream.JetStream {
	t.Helper()
	nc, err := nats.Connect("nats://" + addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	return js
}

// waitRoutes waits (up to 60 s) until ROUTES holds want messages, then a
// moment longer, and returns them as "<subject> <body>".
func waitRoutes(t *testing.T, js jetstream.JetStream, want int) []string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	var got []string
	for ctx.Err() == nil {
		if got = readRoutes(t, ctx, js); len(got) >= want {
			time.Sleep(500 * time.Millisecond) // nothing more may arrive
			return readRoutes(t, ctx, js)
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("ROUTES holds %d messages, want %d: %v", len(got), want, got)
	return nil
}

func readRoutes(t *testing.T, ctx context.Context, js jetstream.JetStream) []string {
	t.Helper()
	s, err := js.Stream(ctx, service.StreamRoutes)
	if err != nil {
		t.Fatal(err)
	}
	info, err := s.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for seq := info.State.FirstSeq; seq <= info.State.LastSeq && info.State.Msgs > 0; seq++ {
		m, err := s.GetMsg(ctx, seq)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, m.Subject+" "+string(m.Data))
	}
	return out
}

// assertMessages compares sorted: the two routes store concurrently.
func assertMessages(t *testing.T, got, want []string) {
	t.Helper()
	got, want = slices.Sorted(slices.Values(got)), slices.Sorted(slices.Values(want))
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("ROUTES holds\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
