package bench

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// child is a `meterflow run` process started by the bench, with a NATS
// connection to its embedded server. Its CPU and RSS are meterflow's own.
type child struct {
	name    string
	cmd     *exec.Cmd
	start   time.Time
	logPath string
	nc      *nats.Conn
	js      jetstream.JetStream
	exited  chan struct{}
	waitErr error
	stopped bool
}

// childArgs are the flags of a `meterflow run` on its own store under
// dir/name, consuming the bench's queues, with no HTTP server; processing
// adds the bench's pipelines (every sample and event into a jetstream://
// sink) and the shipped definitions, else it is --bridge-only. Config.RunFlags
// come after the bench's own.
func (b *run) childArgs(name, natsAddr string, processing bool) []string {
	args := []string{"run",
		"--amqp-url", b.brokerURL,
		"--exchanges", strings.Join(b.exchanges, ","),
		"--priorities", strings.Join(b.priorities, ","),
		"--topics", b.topic,
		"--queue-prefix", b.prefix,
		"--data", filepath.Join(b.dir, name),
		"--nats-listen", natsAddr,
		"--http-listen=",
		"--shutdown-timeout", "10s",
		"--log-level", "warn",
	}
	args = append(args, b.cfg.RunFlags...)
	if !processing {
		return append(args, "--bridge-only")
	}
	return append(args, "--no-etc", "--pipeline", b.pipelineFile, "--event-pipeline", b.eventPipelineFile)
}

// startChild starts `meterflow run` and connects to its NATS server.
func (b *run) startChild(ctx context.Context, name string, processing bool) (*child, error) {
	addr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	c := &child{name: name, logPath: filepath.Join(b.dir, name+".log"), exited: make(chan struct{})}
	logf, err := os.Create(c.logPath)
	if err != nil {
		return nil, err
	}
	defer logf.Close()
	c.cmd = exec.Command(b.cfg.Executable, b.childArgs(name, addr, processing)...)
	c.cmd.Env = childEnv()
	c.cmd.Stdout, c.cmd.Stderr = logf, logf
	// ends with the bench, also when the bench is killed
	c.cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM}
	c.start = time.Now()
	if err := c.cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s run: %w", b.cfg.Executable, err)
	}
	go func() {
		c.waitErr = c.cmd.Wait()
		close(c.exited)
	}()
	if err := c.connect(ctx, "nats://"+addr); err != nil {
		c.stop()
		return nil, err
	}
	return c, nil
}

// childEnv is this process' environment without MF_ variables, so that the
// child runs with the bench's flags only.
func childEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "MF_") {
			env = append(env, kv)
		}
	}
	return env
}

// connect connects to the child's NATS server once it listens.
func (c *child) connect(ctx context.Context, url string) error {
	deadline := time.Now().Add(60 * time.Second)
	for {
		nc, err := nats.Connect(url, nats.Timeout(time.Second), nats.MaxReconnects(-1))
		if err == nil {
			c.nc = nc
			c.js, err = jetstream.New(nc)
			return err
		}
		if err := c.check(ctx); err != nil {
			return err
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("meterflow %s: its NATS server at %s did not answer in 60s: %w\n%s", c.name, url, err, c.logTail())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// check fails when ctx is done or the child exited.
func (c *child) check(ctx context.Context) error {
	select {
	case <-c.exited:
		return fmt.Errorf("meterflow %s exited: %v\n%s", c.name, c.waitErr, c.logTail())
	default:
	}
	return ctx.Err()
}

// waitFor polls done every 10ms until it reports true.
func (c *child) waitFor(ctx context.Context, what string, done func(context.Context) (bool, error)) error {
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for {
		ok, err := done(ctx)
		if err != nil {
			return err
		}
		if ok {
			return nil
		}
		if err := c.check(ctx); err != nil {
			return fmt.Errorf("waiting for %s: %w", what, err)
		}
		select {
		case <-ctx.Done():
		case <-c.exited:
		case <-tick.C:
		}
	}
}

func (c *child) pid() int { return c.cmd.Process.Pid }

// stats reads the child's CPU time and peak RSS.
func (c *child) stats() (procStats, error) {
	st, err := readProc(c.pid())
	if err != nil {
		return st, fmt.Errorf("meterflow %s: %w", c.name, err)
	}
	return st, nil
}

// stop stops the child with SIGTERM (SIGKILL after 20s) and reports an
// exit other than a clean one.
func (c *child) stop() error {
	if c.stopped {
		return nil
	}
	c.stopped = true
	if c.nc != nil {
		c.nc.Close()
	}
	select {
	case <-c.exited:
		return fmt.Errorf("meterflow %s exited before it was stopped: %v\n%s", c.name, c.waitErr, c.logTail())
	default:
	}
	_ = c.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-c.exited:
	case <-time.After(20 * time.Second):
		_ = c.cmd.Process.Kill()
		<-c.exited
		return fmt.Errorf("meterflow %s did not stop in 20s after SIGTERM\n%s", c.name, c.logTail())
	}
	if c.waitErr != nil {
		return fmt.Errorf("meterflow %s: %w\n%s", c.name, c.waitErr, c.logTail())
	}
	return nil
}

// logTail is the end of the child's log, for error messages.
func (c *child) logTail() string { return fileTail(c.logPath, 4096) }

// fileTail returns the last n bytes of a file.
func fileTail(path string, n int64) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return ""
	}
	off := max(0, st.Size()-n)
	buf := make([]byte, st.Size()-off)
	k, _ := f.ReadAt(buf, off)
	return strings.TrimSpace(string(buf[:k]))
}

// freeAddr returns a loopback address with a port free at the moment.
func freeAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}
