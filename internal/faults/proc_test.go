package faults

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"meterflow/internal/testenv"
)

// logBuffer keeps a child's output (the last maxLog bytes) for waiting on
// log lines and for failure reports.
type logBuffer struct {
	mu      sync.Mutex
	b       bytes.Buffer
	dropped int
}

const maxLog = 8 << 20

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.b.Len()+len(p) > maxLog {
		n := l.b.Len() / 2
		l.b.Next(n)
		l.dropped += n
	}
	return l.b.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// child is a process the test started; it is killed when the test ends.
type child struct {
	name   string
	cmd    *exec.Cmd
	out    *logBuffer
	exited chan struct{}
	err    error // of Wait, once exited is closed
}

func startChild(t testing.TB, name string, bin string, args ...string) *child {
	t.Helper()
	c := &child{name: name, cmd: exec.Command(bin, args...), out: &logBuffer{}, exited: make(chan struct{})}
	c.cmd.Stdout, c.cmd.Stderr = c.out, c.out
	if err := c.cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", name, err)
	}
	go func() { c.err = c.cmd.Wait(); close(c.exited) }()
	t.Cleanup(func() {
		c.kill9()
		if t.Failed() || os.Getenv("MF_FAULTS_LOGS") != "" {
			t.Logf("%s output (tail):\n%s", c.name, tail(quiet(c.out.String()), 6000))
		}
	})
	return c
}

// kill9 sends SIGKILL and waits for the process to be gone.
func (c *child) kill9() {
	select {
	case <-c.exited:
		return
	default:
	}
	_ = c.cmd.Process.Signal(syscall.SIGKILL)
	<-c.exited
}

// sigterm stops the process gracefully and fails the test unless it exits
// cleanly within 40 s.
func (c *child) sigterm(t testing.TB) {
	t.Helper()
	_ = c.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-c.exited:
		if c.err != nil {
			t.Errorf("%s after SIGTERM: %v", c.name, c.err)
		}
	case <-time.After(40 * time.Second):
		t.Errorf("%s: no exit within 40 s of SIGTERM", c.name)
		c.kill9()
	}
}

func (c *child) running() bool {
	select {
	case <-c.exited:
		return false
	default:
		return true
	}
}

// waitLog waits up to timeout for a line containing text in the output.
func (c *child) waitLog(t testing.TB, text string, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !strings.Contains(c.out.String(), text) {
		if !c.running() {
			t.Fatalf("%s exited (%v) while waiting for %q", c.name, c.err, text)
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: no %q in the output after %s", c.name, text, timeout)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// quiet drops from a failure report the log lines that a fault makes by
// the thousand and that say nothing new: endpoints failing on purpose on
// the corpus, and a sink's handlers retrying while its backend is down
// (one line per attempt; the last one of each kind is kept, with a count).
func quiet(s string) string {
	var b strings.Builder
	noisy := []string{"endpoint failed; its output is dropped", `"msg":"Error occurred, retrying"`}
	counts := make([]int, len(noisy))
	lasts := make([]string, len(noisy))
next:
	for _, l := range strings.SplitAfter(s, "\n") {
		for i, n := range noisy {
			if strings.Contains(l, n) {
				counts[i]++
				lasts[i] = l
				continue next
			}
		}
		b.WriteString(l)
	}
	for i, n := range counts {
		if n > 0 {
			fmt.Fprintf(&b, "(%d lines like this one left out) %s", n, lasts[i])
		}
	}
	return b.String()
}

func tail(s string, n int) string {
	if len(s) > n {
		return "…" + s[len(s)-n:]
	}
	return s
}

// meterflow is one `meterflow run` process.
type meterflow struct {
	*child
	http string // its /metrics, /readyz address
}

// startMeterflow runs `meterflow run --log-format json` with args and an
// --http-listen of its own, and waits until /readyz answers 200 (unless
// notReady is set: then until it answers at all).
func startMeterflow(t testing.TB, name string, args ...string) *meterflow {
	t.Helper()
	addr := testenv.FreeAddr(t)
	all := append([]string{"run", "--log-format", "json", "--http-listen", addr}, args...)
	m := &meterflow{child: startChild(t, name, meterflowBin(t), all...), http: addr}
	return m
}

// waitReady waits up to timeout for /readyz to answer 200.
func (m *meterflow) waitReady(t testing.TB, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		code, body := m.readyz()
		if code == http.StatusOK {
			return
		}
		if !m.running() {
			t.Fatalf("%s exited (%v) before it was ready", m.name, m.err)
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s not ready after %s: %d %s", m.name, timeout, code, body)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// readyz returns /readyz's status and body (0 when it does not answer).
func (m *meterflow) readyz() (int, string) {
	c := http.Client{Timeout: 2 * time.Second}
	res, err := c.Get("http://" + m.http + "/readyz")
	if err != nil {
		return 0, err.Error()
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, strings.TrimSpace(string(b))
}

// metrics scrapes /metrics: every series (name{labels}) with its value.
func (m *meterflow) metrics(t testing.TB) map[string]float64 {
	t.Helper()
	c := http.Client{Timeout: 5 * time.Second}
	res, err := c.Get("http://" + m.http + "/metrics")
	if err != nil {
		t.Fatalf("%s /metrics: %v", m.name, err)
	}
	defer res.Body.Close()
	out := map[string]float64{}
	sc := bufio.NewScanner(res.Body)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || line[0] == '#' {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		if i < 0 {
			continue
		}
		v, err := strconv.ParseFloat(line[i+1:], 64)
		if err == nil {
			out[line[:i]] = v
		}
	}
	return out
}

// sum adds the values of the series named name whose labels contain every
// one of labels (as `key="value"`).
func sum(series map[string]float64, name string, labels ...string) float64 {
	var total float64
	for k, v := range series {
		if k != name && !strings.HasPrefix(k, name+"{") {
			continue
		}
		ok := true
		for _, l := range labels {
			ok = ok && strings.Contains(k, l)
		}
		if ok {
			total += v
		}
	}
	return total
}

// natsNode is one external nats-server process with JetStream, restartable
// on the same ports and store.
type natsNode struct {
	name, conf, url string
	*child
}

// natsCluster describes nodes to start: a single server when size is 1,
// else a cluster with routes between all of them.
func startNATS(t testing.TB, size int) []*natsNode {
	t.Helper()
	dir := t.TempDir()
	clients, routes := make([]string, size), make([]string, size)
	for i := range clients {
		clients[i], routes[i] = testenv.FreeAddr(t), testenv.FreeAddr(t)
	}
	nodes := make([]*natsNode, size)
	for i := range nodes {
		name := fmt.Sprintf("n%d", i+1)
		var conf strings.Builder
		host, port, _ := strings.Cut(clients[i], ":")
		fmt.Fprintf(&conf, "server_name: %s\nhost: %s\nport: %s\njetstream { store_dir: %q }\n", name, host, port, filepath.Join(dir, name))
		if size > 1 {
			fmt.Fprintf(&conf, "cluster {\n  name: mffaults\n  listen: %s\n  routes: [\n", routes[i])
			for j, r := range routes {
				if j != i {
					fmt.Fprintf(&conf, "    nats-route://%s\n", r)
				}
			}
			conf.WriteString("  ]\n}\n")
		}
		path := filepath.Join(dir, name+".conf")
		if err := os.WriteFile(path, []byte(conf.String()), 0o644); err != nil {
			t.Fatal(err)
		}
		nodes[i] = &natsNode{name: name, conf: path, url: "nats://" + clients[i]}
		nodes[i].start(t)
	}
	if size > 1 {
		waitJetStream(t, urls(nodes))
	}
	return nodes
}

// waitJetStream waits (up to 60 s) until the cluster's JetStream answers
// (its meta leader is elected). meterflow started before that exits with
// "look up stream NOTIFICATIONS: context deadline exceeded".
func waitJetStream(t testing.TB, url string) {
	t.Helper()
	_, js := connectJS(t, url)
	var err error
	if !waitUntil(60*time.Second, func() bool {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_, err = js.AccountInfo(ctx)
		return err == nil
	}) {
		t.Fatalf("the JetStream cluster does not answer: %v", err)
	}
}

// start (re)starts the node and waits until it accepts connections.
func (n *natsNode) start(t testing.TB) {
	t.Helper()
	n.child = startChild(t, "nats-server "+n.name, natsServerBin(t), "-c", n.conf)
	n.waitLog(t, "Server is ready", 30*time.Second)
}

// urls joins the nodes' client URLs as --nats-url takes them.
func urls(nodes []*natsNode) string {
	var u []string
	for _, n := range nodes {
		u = append(u, n.url)
	}
	return strings.Join(u, ",")
}

// skippedLines sums the lines the file:// sinks of m skipped as already
// written ("file sink: skipped lines already written" in its log).
func skippedLines(m *meterflow) int {
	n := 0
	for _, l := range strings.Split(m.out.String(), "\n") {
		if !strings.Contains(l, "skipped lines already written") {
			continue
		}
		var rec struct{ Lines int }
		if json.Unmarshal([]byte(l), &rec) == nil {
			n += rec.Lines
		}
	}
	return n
}
