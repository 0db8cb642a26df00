package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"meterflow/internal/testenv"
)

// composeService is the part of a docker-compose.yml service the deploy
// tests read.
type composeService struct {
	Image     string   `yaml:"image"`
	Build     any      `yaml:"build"` // a context path or {context, dockerfile}
	Command   []string `yaml:"command"`
	Profiles  []string `yaml:"profiles"`
	Ports     []string `yaml:"ports"`
	Volumes   []string `yaml:"volumes"`
	DependsOn map[string]struct {
		Condition string `yaml:"condition"`
	} `yaml:"depends_on"`
	Healthcheck *struct {
		Test    []string `yaml:"test"`
		Disable bool     `yaml:"disable"`
	} `yaml:"healthcheck"`
	Restart         string `yaml:"restart"`
	StopGracePeriod string `yaml:"stop_grace_period"`
}

type composeFile struct {
	Services map[string]composeService `yaml:"services"`
	Volumes  map[string]any            `yaml:"volumes"`
}

func loadCompose(t *testing.T) composeFile {
	t.Helper()
	raw, err := os.ReadFile("docker-compose.yml")
	if err != nil {
		t.Fatal(err)
	}
	var cf composeFile
	dec := yaml.NewDecoder(bytes.NewReader(raw))
	dec.KnownFields(false)
	if err := dec.Decode(&cf); err != nil {
		t.Fatalf("docker-compose.yml: %v", err)
	}
	if len(cf.Services) == 0 {
		t.Fatal("docker-compose.yml has no services")
	}
	return cf
}

var composeVar = regexp.MustCompile(`\$\{([A-Za-z_][A-Za-z0-9_]*)(?::?-([^}]*))?\}`)

// interpolate replaces ${VAR:-default} with its default, as compose does
// when VAR is unset (the tests never read the caller's environment).
func interpolate(s string) string {
	return composeVar.ReplaceAllString(s, "$2")
}

// meterflowArgs is the meterflow service's command after `run`, interpolated.
func meterflowArgs(t *testing.T, cf composeFile) []string {
	t.Helper()
	mf, ok := cf.Services["meterflow"]
	if !ok || len(mf.Command) == 0 || mf.Command[0] != "run" {
		t.Fatalf("service meterflow must have command [run, ...], has %q", mf.Command)
	}
	var args []string
	for _, a := range mf.Command[1:] {
		if !strings.HasPrefix(a, "--") || !strings.Contains(a, "=") {
			t.Fatalf("meterflow command %q: write flags as --name=value so that tests can read them", a)
		}
		args = append(args, interpolate(a))
	}
	return args
}

// flagValue returns the value of --name=value in args ("" if absent).
func flagValue(args []string, name string) (string, bool) {
	for _, a := range args {
		if v, ok := strings.CutPrefix(a, "--"+name+"="); ok {
			return v, true
		}
	}
	return "", false
}

// runFlags lists the flags `meterflow run --help` documents.
func runFlags(t *testing.T) map[string]bool {
	t.Helper()
	var out bytes.Buffer
	if code := dispatch([]string{"run", "--help"}, io.Discard, &out); code != 0 {
		t.Fatalf("meterflow run --help: exit %d\n%s", code, out.String())
	}
	flags := map[string]bool{}
	for _, line := range strings.Split(out.String(), "\n") {
		if f := strings.Fields(line); len(f) > 0 && strings.HasPrefix(line, "  -") {
			flags[strings.TrimPrefix(f[0], "-")] = true
		}
	}
	if !flags["amqp-url"] || !flags["shutdown-timeout"] {
		t.Fatalf("could not read the flags of meterflow run --help:\n%s", out.String())
	}
	return flags
}

// TestComposeFileIsValid checks docker-compose.yml statically (no Docker
// engine runs here): services, health checks and dependencies, mounted
// files, volumes, profiles, meterflow's flags and grace period, ports, and
// the configuration files it mounts.
func TestComposeFileIsValid(t *testing.T) {
	cf := loadCompose(t)

	t.Run("services have an image, a health check and a restart policy", func(t *testing.T) {
		for name, s := range cf.Services {
			if s.Image == "" && s.Build == nil {
				t.Errorf("service %s: no image and no build", name)
			}
			if s.Healthcheck == nil || s.Healthcheck.Disable || len(s.Healthcheck.Test) == 0 {
				t.Errorf("service %s: no health check", name)
			}
			if !slices.Contains([]string{"unless-stopped", "always", "on-failure"}, s.Restart) {
				t.Errorf("service %s: restart %q, want unless-stopped, always or on-failure", name, s.Restart)
			}
		}
	})

	t.Run("dependencies wait for healthy services that are enabled", func(t *testing.T) {
		for name, s := range cf.Services {
			for dep, d := range s.DependsOn {
				target, ok := cf.Services[dep]
				if !ok {
					t.Errorf("service %s depends on undefined service %s", name, dep)
					continue
				}
				if d.Condition != "service_healthy" {
					t.Errorf("service %s: depends_on %s has condition %q, want service_healthy", name, dep, d.Condition)
				}
				if target.Healthcheck == nil || len(target.Healthcheck.Test) == 0 {
					t.Errorf("service %s waits for %s to be healthy, which has no health check", name, dep)
				}
				// compose refuses a dependency its profiles may disable
				if len(target.Profiles) > 0 && (len(s.Profiles) == 0 || !subset(s.Profiles, target.Profiles)) {
					t.Errorf("service %s (profiles %q) depends on %s, only enabled by profiles %q", name, s.Profiles, dep, target.Profiles)
				}
			}
		}
	})

	t.Run("build contexts, bind mounts and named volumes exist", func(t *testing.T) {
		for name, s := range cf.Services {
			if s.Build != nil {
				ctx, dockerfile := ".", "Dockerfile"
				switch b := s.Build.(type) {
				case string:
					ctx = b
				case map[string]any:
					if c, ok := b["context"].(string); ok {
						ctx = c
					}
					if d, ok := b["dockerfile"].(string); ok {
						dockerfile = d
					}
				}
				if _, err := os.Stat(filepath.Join(ctx, dockerfile)); err != nil {
					t.Errorf("service %s: build: %v", name, err)
				}
			}
			for _, v := range s.Volumes {
				src, _, ok := strings.Cut(v, ":")
				if !ok {
					t.Errorf("service %s: volume %q: want source:target[:mode]", name, v)
					continue
				}
				switch {
				case strings.HasPrefix(src, "./"):
					if _, err := os.Stat(src); err != nil {
						t.Errorf("service %s mounts %s: %v", name, src, err)
					}
				case strings.HasPrefix(src, "/"):
					t.Errorf("service %s mounts the host path %s: mount from ./ instead", name, src)
				default:
					if _, ok := cf.Volumes[src]; !ok {
						t.Errorf("service %s uses volume %s, which is not declared", name, src)
					}
				}
			}
		}
	})

	t.Run("profiles", func(t *testing.T) {
		for _, p := range []string{"gnocchi", "prometheus", "cluster"} {
			var in []string
			for name, s := range cf.Services {
				if slices.Contains(s.Profiles, p) {
					in = append(in, name)
				}
			}
			if len(in) == 0 {
				t.Errorf("no service in profile %s", p)
			}
		}
		for _, name := range []string{"rabbitmq", "nats", "meterflow"} {
			if s, ok := cf.Services[name]; !ok || len(s.Profiles) > 0 {
				t.Errorf("service %s must exist without a profile (started by a plain `docker compose up`)", name)
			}
		}
	})

	args := meterflowArgs(t, cf)
	t.Run("meterflow's flags are flags of meterflow run", func(t *testing.T) {
		known := runFlags(t)
		for _, a := range args {
			name, _, _ := strings.Cut(strings.TrimPrefix(a, "--"), "=")
			if !known[name] {
				t.Errorf("meterflow command: --%s is not a flag of meterflow run", name)
			}
		}
		// the values parse too: flags before --help are parsed, then it stops
		var stderr bytes.Buffer
		if code := dispatch(append([]string{"run"}, append(slices.Clone(args), "--help")...), io.Discard, &stderr); code != 0 {
			t.Errorf("meterflow run %q: exit %d\n%s", args, code, stderr.String())
		}
		for flag, want := range map[string]string{"amqp-url": "rabbit://guest:guest@rabbitmq:5672/", "nats-url": "nats://nats:4222", "http-listen": "0.0.0.0:9470"} {
			if got, _ := flagValue(args, flag); got != want {
				t.Errorf("meterflow --%s=%q, want %q", flag, got, want)
			}
		}
	})

	t.Run("meterflow's grace period exceeds its shutdown timeout", func(t *testing.T) {
		shutdown := 30 * time.Second // meterflow run's default
		if v, ok := flagValue(args, "shutdown-timeout"); ok {
			d, err := time.ParseDuration(v)
			if err != nil {
				t.Fatalf("--shutdown-timeout=%s: %v", v, err)
			}
			shutdown = d
		}
		grace, err := time.ParseDuration(cf.Services["meterflow"].StopGracePeriod)
		if err != nil {
			t.Fatalf("meterflow stop_grace_period %q: %v", cf.Services["meterflow"].StopGracePeriod, err)
		}
		if grace <= shutdown+5*time.Second {
			t.Errorf("stop_grace_period %s leaves no margin over --shutdown-timeout %s: SIGKILL could cut a graceful stop short", grace, shutdown)
		}
	})

	t.Run("published ports do not collide", func(t *testing.T) {
		seen := map[string]string{}
		for name, s := range cf.Services {
			for _, p := range s.Ports {
				p = interpolate(p)
				i := strings.LastIndex(p, ":")
				if i < 0 {
					t.Errorf("service %s: port %q publishes a random host port; name it", name, p)
					continue
				}
				host := p[:i]
				hostPort := host[strings.LastIndex(host, ":")+1:]
				if other, ok := seen[hostPort]; ok {
					t.Errorf("host port %s published by both %s and %s", hostPort, other, name)
				}
				seen[hostPort] = name
			}
		}
	})

	t.Run("cluster env file points meterflow at every cluster node", func(t *testing.T) {
		env := readEnvFile(t, "etc/compose/cluster.env")
		if env["COMPOSE_PROFILES"] != "cluster" {
			t.Errorf("etc/compose/cluster.env: COMPOSE_PROFILES=%q, want cluster", env["COMPOSE_PROFILES"])
		}
		urls := strings.Split(env["MF_NATS_URL"], ",")
		var nodes []string
		for name, s := range cf.Services {
			if slices.Contains(s.Profiles, "cluster") && strings.HasPrefix(s.Image, "nats:") {
				nodes = append(nodes, name)
				if !slices.Contains(urls, "nats://"+name+":4222") {
					t.Errorf("MF_NATS_URL %q does not list cluster node %s", env["MF_NATS_URL"], name)
				}
			}
		}
		if len(nodes) != 3 || len(urls) != 3 {
			t.Errorf("cluster nodes %q, MF_NATS_URL %q: want three of each", nodes, urls)
		}
		if env["MF_STREAM_REPLICAS"] != "3" {
			t.Errorf("MF_STREAM_REPLICAS=%q, want 3", env["MF_STREAM_REPLICAS"])
		}
		for _, key := range []string{"MF_NATS_URL", "MF_STREAM_REPLICAS"} {
			if !slices.ContainsFunc(cf.Services["meterflow"].Command, func(a string) bool { return strings.Contains(a, "${"+key+":-") }) {
				t.Errorf("meterflow's command does not read $%s", key)
			}
		}
	})

	t.Run("mounted configuration is valid", func(t *testing.T) {
		var stderr bytes.Buffer
		if code := dispatch([]string{"lint", "--no-etc", "--pipeline", "etc/ceilometer/pipeline.yaml", "--event-pipeline", "etc/ceilometer/event_pipeline.yaml"}, io.Discard, &stderr); code != 0 {
			t.Errorf("meterflow lint etc/ceilometer: exit %d\n%s", code, stderr.String())
		}
		if ns, err := exec.LookPath("nats-server"); err != nil {
			t.Log("nats-server not installed: etc/nats/cluster.conf not checked")
		} else {
			for _, node := range []string{"nats-1", "nats-2", "nats-3"} {
				cmd := exec.Command(ns, "-t", "-c", "etc/nats/cluster.conf")
				cmd.Env = append(os.Environ(), "NATS_SERVER_NAME="+node)
				if out, err := cmd.CombinedOutput(); err != nil {
					t.Errorf("nats-server -t -c etc/nats/cluster.conf (%s): %v\n%s", node, err, out)
				}
			}
		}
		if promtool, err := exec.LookPath("promtool"); err != nil {
			t.Log("promtool not installed: etc/prometheus/prometheus.yml not checked")
		} else if out, err := exec.Command(promtool, "check", "config", "etc/prometheus/prometheus.yml").CombinedOutput(); err != nil {
			t.Errorf("promtool check config: %v\n%s", err, out)
		}
	})

	t.Run("Dockerfile builds a static binary into a non-root image with a health check", func(t *testing.T) {
		raw, err := os.ReadFile("Dockerfile")
		if err != nil {
			t.Fatal(err)
		}
		df := string(raw)
		final := df[strings.LastIndex(df, "\nFROM "):]
		for _, want := range []string{"CGO_ENABLED=0", "AS build", "COPY --from=build"} {
			if !strings.Contains(df, want) {
				t.Errorf("Dockerfile lacks %q", want)
			}
		}
		user := regexp.MustCompile(`(?m)^USER\s+(\S+)`).FindStringSubmatch(final)
		if user == nil || strings.HasPrefix(user[1], "root") || strings.HasPrefix(user[1], "0") {
			t.Errorf("the final stage does not switch to a non-root USER: %q", user)
		}
		if !strings.Contains(final, "HEALTHCHECK") {
			t.Error("the final stage has no HEALTHCHECK")
		}
	})

	t.Run("docker compose config", func(t *testing.T) {
		if err := exec.Command("docker", "compose", "version").Run(); err != nil {
			t.Logf("docker compose is not available (%v): only the static checks ran", err)
			return
		}
		for _, profile := range []string{"", "gnocchi", "prometheus", "cluster"} {
			cmd := exec.Command("docker", "compose", "-f", "docker-compose.yml", "config", "-q")
			cmd.Env = append(os.Environ(), "COMPOSE_PROFILES="+profile)
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Errorf("COMPOSE_PROFILES=%s docker compose config -q: %v\n%s", profile, err, out)
			}
		}
	})
}

func subset(sub, of []string) bool {
	for _, s := range sub {
		if !slices.Contains(of, s) {
			return false
		}
	}
	return true
}

func readEnvFile(t *testing.T, path string) map[string]string {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	env := map[string]string{}
	for _, line := range strings.Split(string(raw), "\n") {
		if k, v, ok := strings.Cut(line, "="); ok && !strings.HasPrefix(line, "#") {
			env[strings.TrimSpace(k)] = strings.TrimSpace(v)
		}
	}
	return env
}

// TestComposeTopologyAsProcesses runs the compose topology as processes: an
// external JetStream nats-server, the local RabbitMQ and the built meterflow
// with the compose file's flags (loopback addresses instead of service
// names). Corpus notifications published to RabbitMQ must come out of
// file:// sinks as `meterflow convert` converts them, and SIGTERM must stop
// meterflow cleanly within the compose file's stop_grace_period.
func TestComposeTopologyAsProcesses(t *testing.T) {
	cf := loadCompose(t)
	args := meterflowArgs(t, cf)
	grace, err := time.ParseDuration(cf.Services["meterflow"].StopGracePeriod)
	if err != nil {
		t.Fatal(err)
	}
	bin := buildBinary(t)
	natsURL := startNATSServer(t)

	cases := testenv.UniqueBodies(t, 24)
	topic, prefix := testenv.Names(t, "audit", "debug", "info", "warn", "error", "critical", "sample")
	dir := t.TempDir()
	samplesLog, eventsLog := filepath.Join(dir, "samples.log"), filepath.Join(dir, "events.log")
	pipeline := filepath.Join(dir, "pipeline.yaml")
	eventPipeline := filepath.Join(dir, "event_pipeline.yaml")
	writePipeline(t, pipeline, "meters", "file://"+samplesLog+"?json")
	writePipeline(t, eventPipeline, "events", "file://"+eventsLog+"?json")

	httpAddr := fmt.Sprintf("127.0.0.1:%d", deployFreePort(t))
	loopback := map[string]string{
		"amqp-url":    "rabbit://" + strings.TrimPrefix(testenv.RabbitURL(), "amqp://"),
		"nats-url":    natsURL,
		"http-listen": httpAddr,
	}
	for i, a := range args {
		name, _, _ := strings.Cut(strings.TrimPrefix(a, "--"), "=")
		if v, ok := loopback[name]; ok {
			args[i] = "--" + name + "=" + v
			delete(loopback, name)
		}
	}
	if len(loopback) > 0 {
		t.Fatalf("the compose file's meterflow command lacks %v", loopback)
	}
	args = append(args, "--no-etc", "--queue-prefix="+prefix, "--topics="+topic,
		"--exchanges="+strings.Join(testenv.Exchanges(cases), ","),
		"--pipeline="+pipeline, "--event-pipeline="+eventPipeline)

	p := startProcess(t, bin, args...)
	waitHTTP(t, p, "http://"+httpAddr+"/readyz", 30*time.Second)
	if body := httpGet(t, "http://"+httpAddr+"/metrics"); !strings.Contains(body, "meterflow_nats_connected 1") {
		t.Errorf("/metrics does not report NATS connected:\n%.2000s", body)
	}

	wantSamples, wantEvents := convertNames(t, bin, cases)
	if len(wantSamples) == 0 || len(wantEvents) == 0 {
		t.Fatalf("the chosen cases convert to %d samples and %d events: pick others", len(wantSamples), len(wantEvents))
	}
	testenv.PublishCases(t, topic, cases)

	var gotSamples, gotEvents []string
	deadline := time.Now().Add(60 * time.Second)
	for {
		gotSamples, gotEvents = logNames(t, samplesLog, sampleKey), logNames(t, eventsLog, eventKey)
		if len(gotSamples) >= len(wantSamples) && len(gotEvents) >= len(wantEvents) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after 60 s the file sinks hold %d of %d samples and %d of %d events\n%s",
				len(gotSamples), len(wantSamples), len(gotEvents), len(wantEvents), p.drainLogs())
		}
		time.Sleep(100 * time.Millisecond)
	}
	time.Sleep(500 * time.Millisecond) // nothing more may arrive
	gotSamples, gotEvents = logNames(t, samplesLog, sampleKey), logNames(t, eventsLog, eventKey)
	if !slices.Equal(gotSamples, wantSamples) {
		t.Errorf("samples in the file sink:\n%q\nwant (meterflow convert):\n%q", gotSamples, wantSamples)
	}
	if !slices.Equal(gotEvents, wantEvents) {
		t.Errorf("events in the file sink:\n%q\nwant (meterflow convert):\n%q", gotEvents, wantEvents)
	}
	t.Logf("%d notifications → %d samples, %d events", len(cases), len(gotSamples), len(gotEvents))

	start := time.Now()
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-p.exited:
		if err != nil {
			t.Fatalf("exit after SIGTERM: %v\n%s", err, p.drainLogs())
		}
	case <-time.After(grace):
		t.Fatalf("no exit within the stop_grace_period %s of SIGTERM: compose would SIGKILL\n%s", grace, p.drainLogs())
	}
	if logs := p.drainLogs(); !strings.Contains(logs, `"meterflow stopped"`) {
		t.Errorf("no graceful stop in the log:\n%s", logs)
	}
	t.Logf("stopped %s after SIGTERM", time.Since(start).Round(time.Millisecond))
}

// startNATSServer starts the system nats-server with JetStream on free
// loopback ports and a temporary store, as the compose file's nats service
// runs, and waits for the health check the compose file uses.
func startNATSServer(t *testing.T) string {
	t.Helper()
	ns, err := exec.LookPath("nats-server")
	if err != nil {
		ns = "/usr/sbin/nats-server"
	}
	port, monitor := deployFreePort(t), deployFreePort(t)
	var out bytes.Buffer
	cmd := exec.Command(ns, "--jetstream", "--store_dir", t.TempDir(), "--http_port", strconv.Itoa(monitor),
		"-a", "127.0.0.1", "-p", strconv.Itoa(port))
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatalf("nats-server: %v", err)
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
	})
	health := fmt.Sprintf("http://127.0.0.1:%d/healthz?js-enabled-only=true", monitor)
	for deadline := time.Now().Add(15 * time.Second); ; {
		if resp, err := http.Get(health); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				break
			}
		}
		select {
		case <-done:
			t.Fatalf("nats-server exited:\n%s", out.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("nats-server not healthy after 15 s:\n%s", out.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	return fmt.Sprintf("nats://127.0.0.1:%d", port)
}

func deployFreePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

func writePipeline(t *testing.T, path, kind, publisher string) {
	t.Helper()
	conf := fmt.Sprintf(`---
sources:
  - name: all
    %s: ["*"]
    sinks: [file_sink]
sinks:
  - name: file_sink
    publishers:
      - %s
`, kind, publisher)
	if err := os.WriteFile(path, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
}

// waitHTTP waits for url to answer 200, as the compose health check does.
func waitHTTP(t *testing.T, p *process, url string, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		resp, err := http.Get(url)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		select {
		case err := <-p.exited:
			t.Fatalf("meterflow exited before %s answered: %v\n%s", url, err, p.drainLogs())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s not 200 after %s (last: %v)\n%s", url, timeout, err, p.drainLogs())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func httpGet(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s", url, resp.Status)
	}
	return string(body)
}

// convertNames converts the cases' bodies with `meterflow convert` and
// returns the sorted keys (recordKey) of the samples and of the events.
func convertNames(t *testing.T, bin string, cases []testenv.Case) (samples, events []string) {
	t.Helper()
	var in bytes.Buffer
	for _, c := range cases {
		in.WriteString(c.Body + "\n")
	}
	cmd := exec.Command(bin, "convert", "--no-etc")
	cmd.Stdin = &in
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("meterflow convert: %v\n%s", err, stderr.String())
	}
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(nil, 1<<24)
	for sc.Scan() {
		var line struct {
			Samples []map[string]any `json:"samples"`
			Events  []map[string]any `json:"events"`
		}
		if err := json.Unmarshal(sc.Bytes(), &line); err != nil {
			t.Fatalf("meterflow convert output %q: %v", sc.Text(), err)
		}
		for _, s := range line.Samples {
			samples = append(samples, recordKey(s, sampleKey))
		}
		for _, e := range line.Events {
			events = append(events, recordKey(e, eventKey))
		}
	}
	slices.Sort(samples)
	slices.Sort(events)
	return samples, events
}

// Samples and events are compared by these fields: the ones meterflow run
// and meterflow convert agree on (ids and signatures depend on the sink).
var (
	sampleKey = []string{"name", "type", "unit", "volume", "resource_id", "project_id", "timestamp"}
	eventKey  = []string{"event_type", "message_id", "generated"}
)

func recordKey(rec map[string]any, fields []string) string {
	var b strings.Builder
	for _, f := range fields {
		fmt.Fprintf(&b, "%s=%v ", f, rec[f])
	}
	return strings.TrimSpace(b.String())
}

// logNames returns the sorted keys (recordKey) of the records of a JSON-lines
// file (none while it does not exist).
func logNames(t *testing.T, path string, fields []string) []string {
	t.Helper()
	raw, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, line := range strings.Split(strings.TrimSpace(string(raw)), "\n") {
		if line == "" {
			continue
		}
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			continue // a line being written
		}
		names = append(names, recordKey(rec, fields))
	}
	slices.Sort(names)
	return names
}
