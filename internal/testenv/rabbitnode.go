package testenv

import (
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"
)

// RabbitOptions configures a private RabbitMQ node (StartRabbit).
type RabbitOptions struct {
	// User and Password are the node's only user (administrator of "/").
	// Default: guest and guest, allowed from anywhere.
	User, Password string
	// TLS adds a TLS listener (TLSURL). Default: none.
	TLS *RabbitTLS
}

// RabbitTLS configures the TLS listener of a private node.
type RabbitTLS struct {
	// Certs are the CA and server certificate the node uses.
	// Default: NewCerts.
	Certs *Certs
	// RequireClientCert makes the node verify clients (verify_peer) and
	// refuse those without a certificate its CA signed
	// (fail_if_no_peer_cert). Default: false (server-side TLS only).
	RequireClientCert bool
}

// RabbitNode is a RabbitMQ node of the test's own, started from Debian's
// rabbitmq-server with its own node name, ports, Mnesia, logs,
// configuration and Erlang cookie. Tests stop and start it at will
// (StopApp, StartApp, Stop) without disturbing the shared RabbitMQ other
// tests use. It costs 10-17 s to start on the development machine.
type RabbitNode struct {
	// Node is the Erlang node name, like mf-1a2b3c4d@localhost.
	Node string
	// Port and TLSPort are the AMQP and AMQPS ports (TLSPort 0: no TLS).
	Port, TLSPort int
	// Certs are the TLS listener's certificates (nil: no TLS).
	Certs *Certs

	user, pass string
	dir        string
	cmd        *exec.Cmd
	out        *SyncBuffer
	exited     chan struct{}
}

// rabbitStartTimeout bounds a node's boot and StartApp.
const rabbitStartTimeout = 90 * time.Second

// StartRabbit starts a private RabbitMQ node and waits until it accepts
// AMQP connections (and TLS ones when opts.TLS is set). The node is killed
// and its directories removed when the test ends; its log is printed when
// the test failed. It fails the test when rabbitmq-server is not installed.
func StartRabbit(t testing.TB, opts RabbitOptions) *RabbitNode {
	t.Helper()
	server := "/usr/lib/rabbitmq/bin/rabbitmq-server"
	if _, err := os.Stat(server); err != nil {
		t.Fatalf("rabbitmq-server not found: install Debian's rabbitmq-server: %v", err)
	}
	if opts.User == "" {
		opts.User, opts.Password = "guest", "guest"
	}
	dir, err := os.MkdirTemp("", "mf-rabbit-")
	if err != nil {
		t.Fatal(err)
	}
	n := &RabbitNode{
		Node: fmt.Sprintf("mf-%08x@localhost", rand.Uint32()),
		Port: freePort(t), user: opts.User, pass: opts.Password, dir: dir,
		out: &SyncBuffer{}, exited: make(chan struct{}),
	}
	distPort := freePort(t)
	for _, sub := range []string{"home", "mnesia", "log"} {
		if err := os.MkdirAll(filepath.Join(dir, sub), 0o700); err != nil {
			t.Fatal(err)
		}
	}
	conf := []string{
		"listeners.tcp.1 = 127.0.0.1:" + strconv.Itoa(n.Port),
		"loopback_users = none",
		"default_user = " + opts.User,
		"default_pass = " + opts.Password,
		"log.console = false",
		"log.file.level = info",
	}
	if opts.TLS != nil {
		n.Certs = opts.TLS.Certs
		if n.Certs == nil {
			n.Certs = NewCerts(t)
		}
		n.TLSPort = freePort(t)
		conf = append(conf,
			"listeners.ssl.1 = 127.0.0.1:"+strconv.Itoa(n.TLSPort),
			"ssl_options.cacertfile = "+n.Certs.CA,
			"ssl_options.certfile = "+n.Certs.ServerCert,
			"ssl_options.keyfile = "+n.Certs.ServerKey,
		)
		if opts.TLS.RequireClientCert {
			conf = append(conf, "ssl_options.verify = verify_peer", "ssl_options.fail_if_no_peer_cert = true")
		} else {
			conf = append(conf, "ssl_options.verify = verify_none", "ssl_options.fail_if_no_peer_cert = false")
		}
	}
	writeFile(t, filepath.Join(dir, "rabbitmq.conf"), strings.Join(conf, "\n")+"\n")
	writeFile(t, filepath.Join(dir, "enabled_plugins"), "[].\n")
	writeFile(t, filepath.Join(dir, "rabbitmq-env.conf"), "")

	cmd := exec.Command(server)
	cmd.Dir = dir
	cmd.Env = append(n.ctlEnv(),
		"RABBITMQ_NODE_PORT="+strconv.Itoa(n.Port),
		"RABBITMQ_DIST_PORT="+strconv.Itoa(distPort),
		"ERL_FLAGS=-kernel inet_dist_use_interface {127,0,0,1}",
		"RABBITMQ_MNESIA_BASE="+filepath.Join(dir, "mnesia"),
		"RABBITMQ_LOG_BASE="+filepath.Join(dir, "log"),
		"RABBITMQ_CONFIG_FILE="+filepath.Join(dir, "rabbitmq.conf"),
		"RABBITMQ_ENABLED_PLUGINS_FILE="+filepath.Join(dir, "enabled_plugins"),
		"RABBITMQ_PID_FILE="+filepath.Join(dir, "pid"),
	)
	if plugins := corePluginsDir(dir); plugins != "" {
		cmd.Env = append(cmd.Env, "RABBITMQ_PLUGINS_DIR="+plugins)
	}
	cmd.Stdout, cmd.Stderr = n.out, n.out
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	start := time.Now()
	if err := cmd.Start(); err != nil {
		t.Fatalf("start rabbitmq-server: %v", err)
	}
	n.cmd = cmd
	go func() { _ = cmd.Wait(); close(n.exited) }()
	t.Cleanup(func() {
		n.kill()
		if t.Failed() {
			t.Logf("RabbitMQ node %s output:\n%s\nlog:\n%s", n.Node, n.out, n.logTail())
		}
		_ = os.RemoveAll(dir)
	})
	if err := n.waitReady(rabbitStartTimeout); err != nil {
		t.Fatalf("RabbitMQ node %s: %v", n.Node, err)
	}
	t.Logf("RabbitMQ node %s up on 127.0.0.1:%d (TLS port %d) in %s", n.Node, n.Port, n.TLSPort, time.Since(start).Round(time.Millisecond))
	return n
}

// URL is the node's plain AMQP URL with its credentials.
func (n *RabbitNode) URL() string {
	return fmt.Sprintf("amqp://%s:%s@127.0.0.1:%d/", n.user, n.pass, n.Port)
}

// TLSURL is the node's AMQPS URL (host localhost, which the server
// certificate names), "" without TLS.
func (n *RabbitNode) TLSURL() string {
	if n.TLSPort == 0 {
		return ""
	}
	return fmt.Sprintf("amqps://%s:%s@localhost:%d/", n.user, n.pass, n.TLSPort)
}

// StopApp stops the RabbitMQ application (rabbitmqctl stop_app): every
// connection is closed and the ports stop answering, the Erlang node
// stays. Durable queues and their persistent messages survive.
func (n *RabbitNode) StopApp(t testing.TB) {
	t.Helper()
	if out, err := n.ctl("stop_app"); err != nil {
		t.Fatalf("rabbitmqctl stop_app: %v\n%s", err, out)
	}
}

// StartApp starts the application again and waits until it accepts AMQP.
func (n *RabbitNode) StartApp(t testing.TB) {
	t.Helper()
	if out, err := n.ctl("start_app"); err != nil {
		t.Fatalf("rabbitmqctl start_app: %v\n%s", err, out)
	}
	if err := n.waitReady(rabbitStartTimeout); err != nil {
		t.Fatalf("RabbitMQ node %s after start_app: %v", n.Node, err)
	}
}

// Stop kills the node at once (cleanup does it too).
func (n *RabbitNode) Stop() { n.kill() }

// Ctl runs rabbitmqctl against the node and returns its output.
func (n *RabbitNode) Ctl(args ...string) (string, error) { return n.ctl(args...) }

func (n *RabbitNode) ctl(args ...string) (string, error) {
	cmd := exec.Command("/usr/lib/rabbitmq/bin/rabbitmqctl", append([]string{"-n", n.Node}, args...)...)
	cmd.Env = n.ctlEnv()
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// ctlEnv is what the node and rabbitmqctl share: HOME (so the Erlang
// cookie, created by the node on first boot) and the node name; the
// system's rabbitmq-env.conf is not read.
func (n *RabbitNode) ctlEnv() []string {
	env := []string{
		"HOME=" + filepath.Join(n.dir, "home"),
		"RABBITMQ_NODENAME=" + n.Node,
		"RABBITMQ_CONF_ENV_FILE=" + filepath.Join(n.dir, "rabbitmq-env.conf"),
	}
	for _, kv := range os.Environ() {
		if k, _, _ := strings.Cut(kv, "="); k == "PATH" || k == "LANG" || k == "LC_ALL" {
			env = append(env, kv)
		}
	}
	return env
}

// waitReady waits until an AMQP connection succeeds (and a TLS connection
// reaches the listener).
func (n *RabbitNode) waitReady(timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	var err error
	for time.Now().Before(deadline) {
		var conn *amqp.Connection
		if conn, err = amqp.Dial(n.URL()); err == nil {
			_ = conn.Close()
			if n.TLSPort == 0 {
				return nil
			}
			var c net.Conn
			if c, err = net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", n.TLSPort), time.Second); err == nil {
				_ = c.Close()
				return nil
			}
		}
		select {
		case <-n.exited:
			return fmt.Errorf("rabbitmq-server exited: %s\n%s", n.out, n.logTail())
		case <-time.After(200 * time.Millisecond):
		}
	}
	return fmt.Errorf("no AMQP on 127.0.0.1:%d after %s: %v", n.Port, timeout, err)
}

// kill ends the node's whole process group (the script, beam and its
// helpers) and waits for the script to exit.
func (n *RabbitNode) kill() {
	if n.cmd == nil || n.cmd.Process == nil {
		return
	}
	_ = syscall.Kill(-n.cmd.Process.Pid, syscall.SIGKILL)
	select {
	case <-n.exited:
	case <-time.After(10 * time.Second):
	}
}

func (n *RabbitNode) logTail() string {
	b, err := os.ReadFile(filepath.Join(n.dir, "log", n.Node+".log"))
	if err != nil {
		return err.Error()
	}
	if len(b) > 8000 {
		b = b[len(b)-8000:]
	}
	return string(b)
}

// corePluginsDir links the broker's own applications (rabbit and its
// libraries, no rabbitmq_* plugins) into dir/plugins: the node boots a few
// seconds faster without scanning sixty plugins. "" when the layout is not
// Debian's, and the default directory is used.
func corePluginsDir(dir string) string {
	matches, _ := filepath.Glob("/usr/lib/rabbitmq/lib/rabbitmq_server-*/plugins")
	if len(matches) != 1 {
		return ""
	}
	entries, err := os.ReadDir(matches[0])
	if err != nil {
		return ""
	}
	out := filepath.Join(dir, "plugins")
	if err := os.Mkdir(out, 0o700); err != nil {
		return ""
	}
	for _, e := range entries {
		name := e.Name()
		if !e.IsDir() || strings.HasPrefix(name, "rabbitmq_") && !strings.HasPrefix(name, "rabbitmq_prelaunch") {
			continue
		}
		if err := os.Symlink(filepath.Join(matches[0], name), filepath.Join(out, name)); err != nil {
			return ""
		}
	}
	return out
}

func freePort(t testing.TB) int {
	t.Helper()
	_, port, err := net.SplitHostPort(FreeAddr(t))
	if err != nil {
		t.Fatal(err)
	}
	p, _ := strconv.Atoi(port)
	return p
}

func writeFile(t testing.TB, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}
