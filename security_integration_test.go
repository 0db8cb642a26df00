package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	amqp "github.com/rabbitmq/amqp091-go"

	"meterflow/internal/testenv"
	"meterflow/service"
)

// mfProcess is a `meterflow run` whose whole output (stdout and stderr)
// is kept, for the security tests that read every byte of it.
type mfProcess struct {
	cmd    *exec.Cmd
	out    *testenv.SyncBuffer
	exited chan struct{}
	err    error
}

// startMeterflow runs bin with args and env (added to a minimal
// environment), killed when the test ends.
func startMeterflow(t *testing.T, bin string, env []string, args ...string) *mfProcess {
	t.Helper()
	p := &mfProcess{cmd: exec.Command(bin, args...), out: &testenv.SyncBuffer{}, exited: make(chan struct{})}
	p.cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir()}, env...)
	p.cmd.Stdout, p.cmd.Stderr = p.out, p.out
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { p.err = p.cmd.Wait(); close(p.exited) }()
	t.Cleanup(func() {
		_ = p.cmd.Process.Kill()
		<-p.exited
	})
	return p
}

// waitReady polls /readyz on addr until it answers 200.
func (p *mfProcess) waitReady(t *testing.T, addr string, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	var last string
	for {
		code, body := readyz(addr)
		if code == http.StatusOK {
			return
		}
		last = fmt.Sprintf("%d %s", code, body)
		select {
		case <-p.exited:
			t.Fatalf("meterflow exited before it was ready: %v\n%s", p.err, p.out)
		case <-time.After(100 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("/readyz not 200 after %s (last: %s)\n%s", timeout, last, p.out)
		}
	}
}

// stop sends SIGTERM and waits (up to 30 s) for the exit.
func (p *mfProcess) stop(t *testing.T) {
	t.Helper()
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.exited:
	case <-time.After(30 * time.Second):
		t.Errorf("no exit within 30 s of SIGTERM\n%s", p.out)
	}
}

// readyz returns /readyz's status code and body (0 when it does not answer).
func readyz(addr string) (int, string) {
	res, err := http.Get("http://" + addr + "/readyz")
	if err != nil {
		return 0, err.Error()
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(body)
}

// bridgeArgs are the flags of a bridge-only run on its own queues of the
// shared RabbitMQ (exchange nova, priority info), with an HTTP address.
func bridgeArgs(t *testing.T, topic, prefix, httpAddr string) []string {
	return []string{"run", "--bridge-only", "--exchanges", "nova", "--priorities", "info", "--topics", topic,
		"--queue-prefix", prefix, "--http-listen", httpAddr, "--shutdown-timeout", "5s"}
}

// TestRunBridgesOverAMQPSWithAClientCertificate publishes with the real
// oslo.messaging Notifier over TLS to a private RabbitMQ node that requires
// client certificates, and checks that `meterflow run --amqp-url amqps://
// --amqp-ca --amqp-cert --amqp-key` stores every notification; with a
// wrong CA it stays not ready, /readyz naming the broker, and the log says
// what is wrong, never showing the password.
func TestRunBridgesOverAMQPSWithAClientCertificate(t *testing.T) {
	const password = "S3CRET-amqps-pw"
	node := testenv.StartRabbit(t, testenv.RabbitOptions{User: "mf", Password: password,
		TLS: &testenv.RabbitTLS{RequireClientCert: true}})
	bin := buildBinary(t)
	certs := node.Certs
	const topic, n = "notifications", 200

	httpAddr := testenv.FreeAddr(t)
	args := append(bridgeArgs(t, topic, "meterflow", httpAddr), "--data", t.TempDir(), "--nats-listen", "127.0.0.1:0",
		"--log-format", "json", "--amqp-url", node.TLSURL(),
		"--amqp-ca", certs.CA, "--amqp-cert", certs.ClientCert, "--amqp-key", certs.ClientKey)
	p := startMeterflow(t, bin, nil, args...)
	p.waitReady(t, httpAddr, 30*time.Second)

	testenv.OsloNotifyTLS(t, fmt.Sprintf("rabbit://mf:%s@localhost:%d/", password, node.TLSPort), certs, topic, n)
	js := jetStreamOf(t, natsURLFromLog(t, p))
	if got := testenv.WaitStored(t, js, service.StreamNotifications, n); got != n {
		t.Errorf("NOTIFICATIONS holds %d, want %d", got, n)
	}
	p.stop(t)
	if strings.Contains(p.out.String(), password) {
		t.Errorf("the log shows the AMQP password")
	}

	t.Run("wrong CA", func(t *testing.T) {
		other := testenv.NewCerts(t)
		httpAddr := testenv.FreeAddr(t)
		args := append(bridgeArgs(t, topic, "meterflow", httpAddr), "--data", t.TempDir(), "--nats-listen", "127.0.0.1:0",
			"--amqp-url", node.TLSURL(), "--amqp-ca", other.CA, "--amqp-cert", certs.ClientCert, "--amqp-key", certs.ClientKey)
		p := startMeterflow(t, bin, nil, args...)
		broker := fmt.Sprintf("amqps://localhost:%d/", node.TLSPort)
		deadline := time.Now().Add(20 * time.Second)
		for !strings.Contains(p.out.String(), "not signed by a trusted CA") {
			if time.Now().After(deadline) {
				t.Fatalf("no log line saying the CA is wrong:\n%s", p.out)
			}
			time.Sleep(100 * time.Millisecond)
		}
		code, body := readyz(httpAddr)
		if code != http.StatusServiceUnavailable || !strings.Contains(body, broker) || !strings.Contains(body, service.StateDisconnected) {
			t.Errorf("/readyz: %d %s, want 503 naming %s disconnected", code, body, broker)
		}
		p.stop(t)
		if out := p.out.String(); strings.Contains(out, password) || strings.Contains(body, password) {
			t.Errorf("the password shows:\n%s\n%s", out, body)
		}
	})
}

// natsURLFromLog waits for the JSON log line of the embedded server.
func natsURLFromLog(t *testing.T, p *mfProcess) string {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		for _, line := range strings.Split(p.out.String(), "\n") {
			var rec map[string]any
			if json.Unmarshal([]byte(line), &rec) == nil && rec["msg"] == "embedded JetStream started" {
				return rec["url"].(string)
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("no embedded JetStream URL in the log:\n%s", p.out)
	return ""
}

func jetStreamOf(t *testing.T, url string, opts ...nats.Option) jetstream.JetStream {
	t.Helper()
	nc, err := nats.Connect(url, opts...)
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

// TestRunConnectsToAnExternalNATSWithEachAuthentication runs nats-server
// with each kind of authentication meterflow supports and checks that
// `meterflow run --nats-url` with the matching flags becomes ready (NATS
// connected, streams ensured) and bridges a notification, and that wrong
// credentials fail with an error saying so, without showing the secret.
func TestRunConnectsToAnExternalNATSWithEachAuthentication(t *testing.T) {
	bin := buildBinary(t)
	certs := testenv.NewCerts(t)
	seed, nkeyPub := testenv.NATSUserNKey(t)
	otherSeed, _ := testenv.NATSUserNKey(t)
	opConf, creds := testenv.NATSOperator(t)
	_, otherCreds := testenv.NATSOperator(t)
	const secret = "S3CRET-nats"
	tlsConf := fmt.Sprintf("tls {\n  cert_file: %q\n  key_file: %q\n}\n", certs.ServerCert, certs.ServerKey)
	mtlsConf := fmt.Sprintf("tls {\n  cert_file: %q\n  key_file: %q\n  ca_file: %q\n  verify: true\n}\n", certs.ServerCert, certs.ServerKey, certs.CA)

	type client struct {
		flags []string
		env   []string
		opts  []nats.Option // the test's own connection
	}
	cases := []struct {
		name, conf, scheme string
		good, bad          client
		badSays            string // what the output says with bad credentials; alternatives separated by |
	}{
		{name: "TLS with CA", conf: tlsConf, scheme: "tls",
			good:    client{flags: []string{"--nats-ca", certs.CA}, opts: []nats.Option{nats.RootCAs(certs.CA)}},
			bad:     client{flags: []string{"--nats-ca", testenv.NewCerts(t).CA}},
			badSays: "certificate"},
		{name: "client certificate", conf: mtlsConf, scheme: "tls",
			good: client{flags: []string{"--nats-ca", certs.CA, "--nats-cert", certs.ClientCert, "--nats-key", certs.ClientKey},
				opts: []nats.Option{nats.RootCAs(certs.CA), nats.ClientCert(certs.ClientCert, certs.ClientKey)}},
			bad: client{flags: []string{"--nats-ca", certs.CA}},
			// TLS 1.3 rejects a missing client certificate after the handshake:
			// the client sees either the alert or the closed connection
			badSays: "remote error: tls|tls error: connection closed by remote"},
		{name: "user and password", conf: fmt.Sprintf("authorization {\n  user: mf\n  password: %q\n}\n", secret), scheme: "nats",
			good:    client{flags: []string{"--nats-user", "mf"}, env: []string{"MF_NATS_PASSWORD=" + secret}, opts: []nats.Option{nats.UserInfo("mf", secret)}},
			bad:     client{flags: []string{"--nats-user", "mf", "--nats-password", secret + "-wrong"}},
			badSays: "Authorization Violation"},
		{name: "token", conf: fmt.Sprintf("authorization {\n  token: %q\n}\n", secret), scheme: "nats",
			good:    client{flags: []string{"--nats-token", secret}, opts: []nats.Option{nats.Token(secret)}},
			bad:     client{env: []string{"MF_NATS_TOKEN=" + secret + "-wrong"}},
			badSays: "Authorization Violation"},
		{name: "nkey", conf: fmt.Sprintf("authorization {\n  users: [{nkey: %s}]\n}\n", nkeyPub), scheme: "nats",
			good:    client{flags: []string{"--nats-nkey", seed}, opts: []nats.Option{nkeyOption(t, seed)}},
			bad:     client{flags: []string{"--nats-nkey", otherSeed}},
			badSays: "Authorization Violation"},
		{name: "creds file", conf: opConf, scheme: "nats",
			good:    client{flags: []string{"--nats-creds", creds}, opts: []nats.Option{nats.UserCredentials(creds)}},
			bad:     client{flags: []string{"--nats-creds", otherCreds}},
			badSays: "Authorization Violation"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			srv := testenv.StartNATS(t, c.conf)
			url := srv.URL(c.scheme, "localhost")
			topic, prefix := testenv.Names(t, "info")

			httpAddr := testenv.FreeAddr(t)
			args := append(bridgeArgs(t, topic, prefix, httpAddr), "--nats-url", url)
			p := startMeterflow(t, bin, c.good.env, append(args, c.good.flags...)...)
			p.waitReady(t, httpAddr, 30*time.Second)
			body := testenv.UniqueBodies(t, 1)[0].Body
			testenv.Publish(t, "nova", topic+".info", []byte(body))
			js := jetStreamOf(t, url, c.good.opts...)
			if got := testenv.WaitStored(t, js, service.StreamNotifications, 1); got != 1 {
				t.Errorf("NOTIFICATIONS holds %d, want 1", got)
			}
			p.stop(t)

			httpAddr = testenv.FreeAddr(t)
			args = append(bridgeArgs(t, topic, prefix, httpAddr), "--nats-url", url)
			bad := startMeterflow(t, bin, c.bad.env, append(args, c.bad.flags...)...)
			deadline := time.Now().Add(20 * time.Second)
			says := func(out string) bool {
				for _, s := range strings.Split(c.badSays, "|") {
					if strings.Contains(out, s) {
						return true
					}
				}
				return false
			}
			for !says(bad.out.String()) {
				if time.Now().After(deadline) {
					t.Fatalf("wrong credentials: no %q in the output:\n%s", c.badSays, bad.out)
				}
				time.Sleep(100 * time.Millisecond)
			}
			if code, body := readyz(httpAddr); code == http.StatusOK {
				t.Errorf("ready with wrong credentials: %s", body)
			}
			bad.stop(t)
			t.Logf("wrong credentials: %s", lastLines(bad.out.String(), 2))
			for _, out := range []string{p.out.String(), bad.out.String()} {
				if strings.Contains(out, secret) {
					t.Errorf("the output shows the secret:\n%s", out)
				}
			}
		})
	}
}

func nkeyOption(t *testing.T, seedFile string) nats.Option {
	t.Helper()
	opt, err := nats.NkeyOptionFromSeed(seedFile)
	if err != nil {
		t.Fatal(err)
	}
	return opt
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// TestRunRefusesToExposeTheEmbeddedNATSWithoutAuthentication: listening
// beyond loopback needs --nats-user/--nats-password or --nats-token, and
// then the server requires them from every client.
func TestRunRefusesToExposeTheEmbeddedNATSWithoutAuthentication(t *testing.T) {
	bin := buildBinary(t)
	topic, prefix := testenv.Names(t, "info")
	_, port, _ := strings.Cut(testenv.FreeAddr(t), ":")
	listen := "0.0.0.0:" + port

	out, err := exec.Command(bin, "run", "--data", t.TempDir(), "--nats-listen", listen, "--http-listen", "").CombinedOutput()
	if err == nil || !strings.Contains(string(out), "without authentication") {
		t.Fatalf("exposed without authentication: %v\n%s", err, out)
	}

	const password = "S3CRET-embedded"
	httpAddr := testenv.FreeAddr(t)
	args := append(bridgeArgs(t, topic, prefix, httpAddr), "--data", t.TempDir(), "--nats-listen", listen, "--nats-user", "mf")
	p := startMeterflow(t, bin, []string{"MF_NATS_PASSWORD=" + password}, args...)
	p.waitReady(t, httpAddr, 30*time.Second)
	url := "nats://127.0.0.1:" + port
	if nc, err := nats.Connect(url); err == nil {
		nc.Close()
		t.Fatal("the exposed embedded server accepted a client without credentials")
	} else if !strings.Contains(err.Error(), "Authorization Violation") {
		t.Errorf("without credentials: %v, want an authorization violation", err)
	}
	js := jetStreamOf(t, url, nats.UserInfo("mf", password))
	if _, err := js.Stream(context.Background(), service.StreamNotifications); err != nil {
		t.Errorf("with credentials: %v", err)
	}
	p.stop(t)
	if strings.Contains(p.out.String(), password) {
		t.Errorf("the output shows the password:\n%s", p.out)
	}
}

// TestNoSecretEverShows puts a distinct secret in every URL, flag and
// variable meterflow takes (AMQP URLs that fail to connect or to log in,
// NATS user/password and token, Gnocchi, http and notifier sink URLs, the
// telemetry secret), runs `meterflow run` at debug level while it bridges,
// converts and fails to deliver, scrapes /metrics and /readyz, and runs
// `run --help`, a bad flag, `status` and `replay` against unreachable
// servers with credentials: no secret appears anywhere.
func TestNoSecretEverShows(t *testing.T) {
	bin := buildBinary(t)
	secrets := map[string]string{}
	secret := func(what string) string {
		s := "S3CRET" + strings.ToUpper(strings.NewReplacer(" ", "", "-", "").Replace(what))
		secrets[s] = what
		return s
	}
	closed := testenv.FreeAddr(t) // nothing listens there
	topic, prefix := testenv.Names(t, "info", "sample")

	dir := t.TempDir()
	pipeline := filepath.Join(dir, "pipeline.yaml")
	writeFileT(t, pipeline, fmt.Sprintf(`---
sources:
  - name: all
    meters: ["*"]
    sinks: [g, h]
sinks:
  - name: g
    publishers: ["gnocchi://mf:%s@%s/?timeout=1"]
  - name: h
    publishers: ["http://mf:%s@%s/post?timeout=1&max_retries=0"]
`, secret("gnocchi sink"), closed, secret("http sink"), closed))
	eventPipeline := filepath.Join(dir, "event_pipeline.yaml")
	writeFileT(t, eventPipeline, fmt.Sprintf(`---
sources:
  - name: all
    events: ["*"]
    sinks: [n]
sinks:
  - name: n
    publishers: ["notifier://mf:%s@%s/"]
`, secret("notifier sink"), closed))

	httpAddr := testenv.FreeAddr(t)
	env := []string{
		"MF_NATS_PASSWORD=" + secret("nats password"),
		"MF_TELEMETRY_SECRET=" + secret("telemetry"),
		"MF_GNOCCHI_URL=gnocchi://mf:" + secret("gnocchi url") + "@" + closed,
	}
	args := []string{"run", "--log-level", "debug", "--data", t.TempDir(), "--nats-listen", "127.0.0.1:0", "--nats-user", "mf",
		"--exchanges", "nova", "--priorities", "info,sample", "--topics", topic, "--queue-prefix", prefix,
		"--http-listen", httpAddr, "--shutdown-timeout", "3s", "--no-etc",
		"--pipeline", pipeline, "--event-pipeline", eventPipeline,
		"--amqp-url", strings.Replace(testenv.RabbitURL(), "amqp://", "rabbit://", 1),
		"--amqp-url", "rabbit://mf:" + secret("amqp unreachable") + "@" + closed + ",mf2:" + secret("amqp failover") + "@" + closed + "/",
		"--amqp-url", "rabbit://guest:" + secret("amqp refused") + "@127.0.0.1:5672/",
	}
	p := startMeterflow(t, bin, env, args...)
	deadline := time.Now().Add(30 * time.Second)
	for {
		if code, _ := readyz(httpAddr); code != 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no HTTP server:\n%s", p.out)
		}
		time.Sleep(100 * time.Millisecond)
	}
	waitFor(t, "meterflow's queue on the shared RabbitMQ", 20*time.Second, func() bool { return queueExists(prefix + "." + topic + ".info") })
	var bodies [][]byte
	for _, c := range testenv.UniqueBodies(t, 20) {
		bodies = append(bodies, []byte(c.Body))
	}
	testenv.Publish(t, "nova", topic+".info", bodies...)
	// bridged, converted, and every sink failed to deliver (and logged it)
	var metrics string
	waitFor(t, "every sink to fail", 30*time.Second, func() bool {
		metrics = httpGetBody(t, "http://"+httpAddr+"/metrics")
		for _, sink := range []string{"g", "h", "n"} {
			if !strings.Contains(metrics, `meterflow_sink_errors_total{route="sink-`) || !regexp.MustCompile(`meterflow_sink_errors_total\{route="sink-\w+-`+sink+`-0",sink="`+sink+`"\} [1-9]`).MatchString(metrics) {
				return false
			}
		}
		return true
	})
	_, ready := readyz(httpAddr)
	p.stop(t)
	outputs := map[string]string{"run output": p.out.String(), "/readyz": ready, "/metrics": metrics}
	if !strings.Contains(p.out.String(), "level=DEBUG") {
		t.Errorf("the run did not log at debug level")
	}

	natsURL := "nats://mf:" + secret("nats url") + "@" + closed
	tokenURL := "nats://" + secret("nats url token") + "@" + closed
	for name, cmd := range map[string][]string{
		"run --help":       {"run", "--help"},
		"run bad flag":     {"run", "--no-such-flag"},
		"status":           {"status", "--nats-url", natsURL},
		"status token":     {"status", "--nats-url", tokenURL, "--nats-token", secret("status token")},
		"replay":           {"replay", "--nats-url", natsURL, "--output", filepath.Join(dir, "replay.jsonl")},
		"run nats-url":     {"run", "--nats-url", natsURL, "--http-listen", "", "--amqp-url", "rabbit://u:" + secret("run amqp") + "@" + closed + "/"},
		"run bad AMQP URL": {"run", "--data", t.TempDir(), "--http-listen", "", "--amqp-url", "u:" + secret("bad amqp url") + "@host/"},
	} {
		ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
		c := exec.CommandContext(ctx, bin, cmd...)
		c.Env = append([]string{"PATH=" + os.Getenv("PATH")}, env...)
		c.Cancel = func() error { return c.Process.Signal(syscall.SIGTERM) }
		out, _ := c.CombinedOutput()
		cancel()
		outputs[name] = string(out)
	}
	for where, text := range outputs {
		for s, what := range secrets {
			if strings.Contains(text, s) {
				t.Errorf("%s shows the %s secret:\n%s", where, what, text)
			}
		}
	}
	if os.Getenv("MF_DUMP") != "" {
		for k, v := range outputs {
			t.Logf("=== %s\n%s", k, v)
		}
	}
	if t.Failed() {
		return
	}
	t.Logf("%d secrets checked in %d outputs (%d bytes of run output)", len(secrets), len(outputs), len(outputs["run output"]))
}

// queueExists reports whether the shared RabbitMQ has the queue.
func queueExists(name string) bool {
	conn, err := amqp.Dial(testenv.RabbitURL())
	if err != nil {
		return false
	}
	defer conn.Close()
	ch, err := conn.Channel()
	if err != nil {
		return false
	}
	_, err = ch.QueueDeclarePassive(name, false, false, false, false, nil)
	return err == nil
}

func writeFileT(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

func httpGetBody(t *testing.T, url string) string {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return string(b)
}
