package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"meterflow/internal/testenv"
	"meterflow/service"
)

// buildBinary builds meterflow once for every test of this package that
// runs in one `go test` (TestMain removes it); $MF_BINARY names a binary
// to test instead.
func buildBinary(t *testing.T) string {
	t.Helper()
	if bin := os.Getenv("MF_BINARY"); bin != "" {
		return bin
	}
	binOnce.Do(func() {
		dir, err := os.MkdirTemp("", "meterflow-test-")
		if err != nil {
			binErr = err
			return
		}
		binPath = filepath.Join(dir, "meterflow")
		if out, err := exec.Command("go", "build", "-o", binPath, ".").CombinedOutput(); err != nil {
			binErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if binErr != nil {
		t.Fatal(binErr)
	}
	return binPath
}

var (
	binOnce sync.Once
	binPath string
	binErr  error
)

// TestMain removes the binary buildBinary built.
func TestMain(m *testing.M) {
	code := m.Run()
	if binPath != "" {
		_ = os.RemoveAll(filepath.Dir(binPath))
	}
	os.Exit(code)
}

// process is a running `meterflow run` whose JSON log is parsed.
type process struct {
	cmd    *exec.Cmd
	natsCh chan string
	logs   chan string
	exited chan error
}

func startProcess(t *testing.T, bin string, args ...string) *process {
	t.Helper()
	cmd := exec.Command(bin, append([]string{"run", "--log-format", "json"}, args...)...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &process{cmd: cmd, natsCh: make(chan string, 1), logs: make(chan string, 10000), exited: make(chan error, 1)}
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			line := sc.Text()
			var rec map[string]any
			if json.Unmarshal([]byte(line), &rec) == nil && rec["msg"] == "embedded JetStream started" {
				p.natsCh <- rec["url"].(string)
			}
			select {
			case p.logs <- line:
			default:
			}
		}
		_, _ = io.Copy(io.Discard, stderr)
		p.exited <- cmd.Wait()
	}()
	t.Cleanup(func() { _ = cmd.Process.Kill() })
	return p
}

func (p *process) natsURL(t *testing.T) string {
	select {
	case u := <-p.natsCh:
		return u
	case err := <-p.exited:
		t.Fatalf("meterflow exited before starting JetStream: %v\n%s", err, p.drainLogs())
	case <-time.After(20 * time.Second):
		t.Fatalf("meterflow did not start JetStream\n%s", p.drainLogs())
	}
	return ""
}

func (p *process) drainLogs() string {
	var b strings.Builder
	for {
		select {
		case l := <-p.logs:
			b.WriteString(l + "\n")
		default:
			return b.String()
		}
	}
}

func jetStream(t *testing.T, url string) jetstream.JetStream {
	nc, err := nats.Connect(url)
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

// waitLog waits for a log line containing text.
func (p *process) waitLog(t *testing.T, text string) {
	t.Helper()
	deadline := time.After(20 * time.Second)
	for {
		select {
		case l := <-p.logs:
			if strings.Contains(l, text) {
				return
			}
		case err := <-p.exited:
			t.Fatalf("meterflow exited while waiting for %q: %v", text, err)
		case <-deadline:
			t.Fatalf("no log line with %q", text)
		}
	}
}

func (p *process) sigterm(t *testing.T) {
	t.Helper()
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-p.exited:
		if err != nil {
			t.Fatalf("exit after SIGTERM: %v\n%s", err, p.drainLogs())
		}
	case <-time.After(30 * time.Second):
		t.Fatalf("no exit within 30 s of SIGTERM\n%s", p.drainLogs())
	}
}

// TestSIGTERMMidStreamLosesAndDuplicatesNothing stops meterflow with SIGTERM
// while it drains a backlog, checks that it exits cleanly and promptly, then
// restarts it on the same data: every notification ends up stored exactly
// once and the queue is empty.
func TestSIGTERMMidStreamLosesAndDuplicatesNothing(t *testing.T) {
	bin := buildBinary(t)
	const n = 5000
	cases := testenv.UniqueBodies(t, n)
	for i := range cases {
		cases[i].Exchange = "nova"
	}
	topic, prefix := testenv.Names(t, "info", "sample")
	queue := prefix + "." + topic + ".info"
	args := []string{"--data", t.TempDir(), "--nats-listen", "127.0.0.1:0", "--exchanges", "nova",
		"--topics", topic, "--queue-prefix", prefix, "--priorities", "info,sample", "--prefetch", "200", "--bridge-only", "--http-listen", "127.0.0.1:0"}

	// a first run declares the queues; the backlog is published while it is down
	p := startProcess(t, bin, args...)
	p.natsURL(t)
	p.waitLog(t, "rabbitmq connected")
	time.Sleep(300 * time.Millisecond)
	p.sigterm(t)
	testenv.PublishCases(t, topic, cases)

	p = startProcess(t, bin, args...)
	js := jetStream(t, p.natsURL(t))
	for testenv.StreamMsgs(t, js, service.StreamNotifications) < n/10 {
		time.Sleep(2 * time.Millisecond)
	}
	p.sigterm(t)
	if logs := p.drainLogs(); !strings.Contains(logs, `"meterflow stopped"`) {
		t.Errorf("no graceful stop in the log:\n%s", logs)
	}
	left := testenv.QueueDepth(t, queue)
	if left == 0 || left == n {
		t.Fatalf("SIGTERM was not mid-stream: %d of %d left in the queue", left, n)
	}
	t.Logf("stopped with %d of %d notifications still queued", left, n)

	p = startProcess(t, bin, args...)
	js = jetStream(t, p.natsURL(t))
	if got := testenv.WaitStored(t, js, service.StreamNotifications, n); got != n {
		t.Fatalf("stored %d, want exactly %d", got, n)
	}
	if left := testenv.QueueDepth(t, queue); left != 0 {
		t.Fatalf("%d notifications left in the queue", left)
	}
	p.sigterm(t)
}
