package bench

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"meterflow/definitions"
	amqpt "meterflow/transport/amqp"
)

// ErrNoCeilometer is returned when the Ceilometer side is asked for but
// Debian's ceilometer-agent-notification (or its Python) is not installed.
var ErrNoCeilometer = errors.New("bench: ceilometer-agent-notification is not installed (apt-get install ceilometer-agent-notification)")

// Defaults of CeilometerConfig.
const (
	DefaultCeilometerAgent  = "/usr/bin/ceilometer-agent-notification"
	DefaultCeilometerPython = "/usr/bin/python3"
	DefaultCeilometerBatch  = 1
	DefaultCeilometerStall  = 2 * time.Minute
)

// ceilometerPriorities are the priorities whose queues the agent declares
// (its event endpoint takes them all): deleted at the end.
var ceilometerPriorities = amqpt.DefaultPriorities

// CeilometerConfig is how Ceilometer's notification agent is run: one
// worker ([notification] workers=1), the same definitions as meterflow
// (Ceilometer 19's shipped ones), samples to a file publisher, events to
// its shipped notifier:// (it has no file publisher for events), its own
// temporary config dir, and its own oslo topic, so that it
// consumes queues <topic>.<priority> of its own. It never starts or touches
// a system ceilometer service.
type CeilometerConfig struct {
	// Agent is the agent's console script. Default: DefaultCeilometerAgent.
	Agent string
	// Python runs Agent. Default: DefaultCeilometerPython.
	Python string
	// BatchSize is [notification] batch_size, with a batch_timeout of one
	// second. Default: DefaultCeilometerBatch, Ceilometer's own default
	// and its fastest here: with 50 or 100 the agent waits out the
	// timeout on most batches (3,000 notifications: 610/s with 1, 238/s
	// with 50, 106/s with 100).
	BatchSize int
	// Stall is how long the agent may take to publish its first sample or
	// event before the run fails. Default: DefaultCeilometerStall.
	Stall time.Duration
}

func (c *CeilometerConfig) setDefaults() {
	if c.Agent == "" {
		c.Agent = DefaultCeilometerAgent
	}
	if c.Python == "" {
		c.Python = DefaultCeilometerPython
	}
	if c.BatchSize == 0 {
		c.BatchSize = DefaultCeilometerBatch
	}
	if c.Stall == 0 {
		c.Stall = DefaultCeilometerStall
	}
}

// Validate reports ErrNoCeilometer when the agent or its Python is
// missing, and invalid fields wrapped in ErrInvalidOption.
func (c CeilometerConfig) Validate() error {
	for _, f := range []string{c.Agent, c.Python} {
		if _, err := os.Stat(f); err != nil {
			return fmt.Errorf("%w: %v", ErrNoCeilometer, err)
		}
	}
	if c.BatchSize < 1 {
		return fmt.Errorf("%w: --ceilometer-batch must be at least 1", ErrInvalidOption)
	}
	return nil
}

// CeilometerPhase is the agent's run over the whole path's N notifications.
type CeilometerPhase struct {
	// Phase: Elapsed runs from the first line the file publishers wrote to
	// the last, so Ceilometer's start-up is left out; CPU is master and
	// worker over the same span; PeakRSS is their VmHWMs summed. Samples
	// and Events are the lines written.
	Phase
	// Startup is from the agent's start to its first line written.
	Startup time.Duration
	// MasterRSS and WorkerRSS are the peak RSS of the cotyledon master and
	// of its worker.
	MasterRSS, WorkerRSS uint64
	// BatchSize is the agent's batch_size.
	BatchSize int
	// WantSamples and WantEvents are meterflow's counts for the same
	// notifications.
	WantSamples, WantEvents uint64
	// Left is how many notifications the agent never acked: those ready
	// in its queues once it is stopped, RabbitMQ having requeued what it
	// held unacked (zero when it drained them). Ready counts alone miss
	// what the agent received and never acked, as its oslo listener does
	// with a _unique_id among the last 16 it acked.
	Left int
}

// ceilometer drains ns, published afresh into queues of Ceilometer's own
// topic, with the agent.
func (b *run) ceilometer(ctx context.Context, ns []notification) (*CeilometerPhase, error) {
	cc := b.cfg.CeilometerConfig
	p := &CeilometerPhase{Phase: Phase{Name: "ceilometer-agent-notification"}, BatchSize: cc.BatchSize,
		WantSamples: b.want.Samples, WantEvents: b.want.Events}
	topic := "mfceilo_" + b.id
	dir := filepath.Join(b.dir, "ceilometer")
	files, err := writeCeilometerFiles(dir, b.ceilometerConf(dir, topic), topic)
	if err != nil {
		return nil, err
	}
	// the agent consumes <topic>.<priority>; declared here first, as it
	// declares them, so that they hold the preload
	queues := map[string][]string{}
	var names []string
	for _, prio := range b.priorities {
		queues[topic+"."+prio] = []string{prio}
		names = append(names, topic+"."+prio)
	}
	for _, prio := range ceilometerPriorities {
		b.created = append(b.created, topic+"."+prio)
	}
	if err := b.declareQueues(topic, queues); err != nil {
		return nil, err
	}
	// its events come back, one notification each, on <topic>_events.sample
	// of the ceilometer exchange, where they are counted
	eventsQueue := eventsTopic(topic) + ".sample"
	if err := b.declareQueuesOn([]string{"ceilometer"}, eventsTopic(topic),
		map[string][]string{eventsQueue: {"sample"}}); err != nil {
		return nil, err
	}
	b.progress("preloading the same %d notifications into Ceilometer's queues %s.*", len(ns), topic)
	if err := b.publish(ctx, topic, ns); err != nil {
		return nil, err
	}
	watch, err := b.watchQueues()
	if err != nil {
		return nil, err
	}
	defer watch.close()

	b.progress("draining them with %s (1 worker, batch_size %d)", cc.Agent, cc.BatchSize)
	a, err := startAgent(cc, files, dir)
	if err != nil {
		return nil, err
	}
	defer a.stop()

	out, err := b.waitAgent(ctx, a, files.samples, watch, eventsQueue, names)
	if err != nil {
		return nil, err
	}
	total, each, err := readTree(a.pid())
	if err != nil {
		return nil, err
	}
	if err := a.stop(); err != nil {
		return nil, err
	}
	// what it held unacked is back in its queues now
	ready, err := watch.ready(names...)
	if err != nil {
		return nil, err
	}
	out.left = max(out.left, ready)
	p.Notifications, p.Samples, p.Events, p.Left = uint64(len(ns))-uint64(out.left), out.samples, out.events, out.left
	p.Startup, p.Elapsed = out.first.Sub(a.start), out.last.Sub(out.first)
	p.CPU, p.PeakRSS = total.CPU-out.atFirst.CPU, total.PeakRSS
	for pid, st := range each {
		if pid == a.pid() {
			p.MasterRSS = st.PeakRSS
		} else {
			p.WorkerRSS += st.PeakRSS
		}
	}
	if p.Elapsed <= 0 {
		return nil, fmt.Errorf("the agent published everything at once: no time to measure")
	}
	return p, nil
}

// agentOutput is what the agent published and when.
type agentOutput struct {
	samples, events uint64
	// first and last are when the first and the last output showed
	first, last time.Time
	// atFirst is the agent's CPU time when the first output showed
	atFirst procStats
	// left is how many notifications were still ready in its queues
	left int
}

// agentIdle is how long the agent may publish nothing while notifications
// are left in its queues before its run is taken as ended.
const agentIdle = 30 * time.Second

// waitAgent follows the agent's output (lines of the samples file, events
// in eventsQueue) until it published every expected sample and event, or
// nothing new showed for 3 s with its queues drained (Ceilometer drops
// some samples meterflow keeps), or for agentIdle with notifications left.
func (b *run) waitAgent(ctx context.Context, a *agent, samplesFile string, watch *queueWatch, eventsQueue string, queues []string) (agentOutput, error) {
	var out agentOutput
	samples := &lineCounter{path: samplesFile}
	var lastEvents, lastDrainCheck time.Time
	stall := b.cfg.CeilometerConfig.Stall
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for {
		grew, err := samples.update()
		if err != nil {
			return out, err
		}
		out.samples = samples.lines
		now := time.Now()
		// a queue's depth costs a round trip: read it less often
		if now.Sub(lastEvents) >= 50*time.Millisecond || out.samples >= b.want.Samples {
			lastEvents = now
			n, err := watch.ready(eventsQueue)
			if err != nil {
				return out, err
			}
			grew = grew || uint64(n) > out.events
			out.events = uint64(n)
		}
		if grew {
			out.last = now
			if out.first.IsZero() {
				out.first = now
				if out.atFirst, _, err = readTree(a.pid()); err != nil {
					return out, err
				}
			}
		}
		if out.samples >= b.want.Samples && out.events >= b.want.Events {
			return out, nil
		}
		if !out.first.IsZero() && now.Sub(out.last) > 3*time.Second && now.Sub(lastDrainCheck) > time.Second {
			lastDrainCheck = now
			ready, err := watch.ready(queues...)
			if err != nil {
				return out, err
			}
			out.left = ready
			// drained, or idle with notifications left: reported, not failed
			if ready == 0 || now.Sub(out.last) > agentIdle {
				return out, nil
			}
		}
		if out.first.IsZero() && now.Sub(a.start) > stall {
			return out, fmt.Errorf("the agent published nothing in %s\n%s", stall, a.tail())
		}
		select {
		case <-a.exited:
			return out, fmt.Errorf("the agent exited: %v\n%s", a.waitErr, a.tail())
		case <-ctx.Done():
			return out, ctx.Err()
		case <-tick.C:
		}
	}
}

func eventsTopic(topic string) string { return topic + "_events" }

// agent is a running ceilometer-agent-notification, in its own process
// group with its worker.
type agent struct {
	cmd     *exec.Cmd
	start   time.Time
	dir     string
	log     string
	exited  chan struct{}
	waitErr error
	stopped bool
}

// startAgent starts the agent with its config (and an empty config dir,
// so that no system config is read).
func startAgent(cc CeilometerConfig, files ceilometerFiles, dir string) (*agent, error) {
	a := &agent{dir: dir, log: files.log, exited: make(chan struct{})}
	a.cmd = exec.Command(cc.Python, cc.Agent, "--config-file", files.conf, "--config-dir", files.confDir)
	out, err := os.Create(filepath.Join(dir, "agent.out"))
	if err != nil {
		return nil, err
	}
	defer out.Close()
	a.cmd.Stdout, a.cmd.Stderr = out, out
	a.cmd.Dir = dir
	// its own process group, so that its worker is stopped with it
	a.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGTERM}
	a.start = time.Now()
	if err := a.cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", cc.Agent, err)
	}
	go func() {
		a.waitErr = a.cmd.Wait()
		close(a.exited)
	}()
	return a, nil
}

func (a *agent) pid() int { return a.cmd.Process.Pid }

// stop sends SIGTERM to the agent's process group, then SIGKILL after 15 s
// and to whatever of the group is left.
func (a *agent) stop() error {
	if a.stopped {
		return nil
	}
	a.stopped = true
	pgid := a.pid()
	_ = syscall.Kill(-pgid, syscall.SIGTERM)
	var err error
	select {
	case <-a.exited:
	case <-time.After(15 * time.Second):
		err = fmt.Errorf("the agent did not stop in 15s after SIGTERM")
	}
	// a worker may outlive its master by a moment
	_ = syscall.Kill(-pgid, syscall.SIGKILL)
	<-a.exited
	return err
}

// tail is the end of the agent's log and output, for error messages.
func (a *agent) tail() string {
	return fileTail(a.log, 3000) + "\n" + fileTail(filepath.Join(a.dir, "agent.out"), 1000)
}

// ceilometerFiles are the paths of the agent's config and output.
type ceilometerFiles struct {
	conf, confDir, log, samples string
}

// ceilometerConf is the agent's ceilometer.conf (see CeilometerConfig),
// its files in dir.
func (b *run) ceilometerConf(dir, topic string) string {
	var ex strings.Builder
	for _, e := range b.exchanges {
		fmt.Fprintf(&ex, "notification_control_exchanges = %s\n", e)
	}
	return fmt.Sprintf(`[DEFAULT]
transport_url = %[2]s
pipeline_cfg_file = %[1]s/pipeline.yaml
event_pipeline_cfg_file = %[1]s/event_pipeline.yaml
log_file = %[1]s/ceilometer.log
debug = false

[oslo_messaging_notifications]
topics = %[3]s

[notification]
workers = 1
batch_size = %[4]d
batch_timeout = 1
%[5]s
[meter]
meter_definitions_dirs = %[1]s/meters.d

[event]
definitions_cfg_file = %[1]s/event_definitions.yaml

[oslo_concurrency]
lock_path = %[1]s/lock
`, dir, oslo(b.brokerURL), topic, b.cfg.CeilometerConfig.BatchSize, ex.String())
}

// writeCeilometerFiles writes the agent's config, pipelines (samples to a
// file, JSON lines; events to notifier:// on <topic>_events) and definitions (meterflow's embedded copies of
// Ceilometer 19's shipped ones) into dir.
func writeCeilometerFiles(dir, conf, topic string) (ceilometerFiles, error) {
	f := ceilometerFiles{conf: filepath.Join(dir, "ceilometer.conf"), confDir: filepath.Join(dir, "conf.d"),
		log:     filepath.Join(dir, "ceilometer.log"),
		samples: filepath.Join(dir, "samples.jsonl")}
	for _, d := range []string{f.confDir, filepath.Join(dir, "meters.d"), filepath.Join(dir, "lock")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return f, err
		}
	}
	const pipe = "sources:\n  - name: bench\n    %s: [\"*\"]\n    sinks: [bench]\nsinks:\n  - name: bench\n    publishers: [\"%s\"]\n"
	write := map[string][]byte{
		f.conf:                              []byte(conf),
		filepath.Join(dir, "pipeline.yaml"): fmt.Appendf(nil, pipe, "meters", "file://"+f.samples+"?json"),
		// Ceilometer 19 has no file publisher for events: its shipped
		// notifier://, on a topic of its own
		filepath.Join(dir, "event_pipeline.yaml"): fmt.Appendf(nil, pipe, "events", "notifier://?topic="+eventsTopic(topic)),
	}
	ev, err := fs.ReadFile(definitions.Ceilometer, definitions.EventDefinitions)
	if err != nil {
		return f, err
	}
	write[filepath.Join(dir, "event_definitions.yaml")] = ev
	meters, err := fs.ReadDir(definitions.Ceilometer, definitions.MetersDir)
	if err != nil {
		return f, err
	}
	for _, m := range meters {
		b, err := fs.ReadFile(definitions.Ceilometer, path.Join(definitions.MetersDir, m.Name()))
		if err != nil {
			return f, err
		}
		write[filepath.Join(dir, "meters.d", m.Name())] = b
	}
	for name, b := range write {
		if err := os.WriteFile(name, b, 0o644); err != nil {
			return f, err
		}
	}
	return f, nil
}

// oslo turns an amqp:// URI into the oslo transport URL the agent takes;
// an oslo URL is returned as it is.
func oslo(url string) string {
	switch {
	case strings.HasPrefix(url, "amqp://"):
		return "rabbit://" + strings.TrimPrefix(url, "amqp://")
	case strings.HasPrefix(url, "amqps://"):
		u := "rabbit://" + strings.TrimPrefix(url, "amqps://")
		if strings.Contains(u, "?") {
			return u + "&ssl=1"
		}
		return u + "?ssl=1"
	}
	return url
}

// lineCounter counts the lines of a growing file.
type lineCounter struct {
	path  string
	off   int64
	lines uint64
	buf   []byte
}

// update counts the lines added since the last call and reports whether
// the file grew.
func (c *lineCounter) update() (bool, error) {
	st, err := os.Stat(c.path)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil || st.Size() <= c.off {
		return false, err
	}
	f, err := os.Open(c.path)
	if err != nil {
		return false, err
	}
	defer f.Close()
	if c.buf == nil {
		c.buf = make([]byte, 1<<20)
	}
	for c.off < st.Size() {
		n, err := f.ReadAt(c.buf[:min(int64(len(c.buf)), st.Size()-c.off)], c.off)
		for _, ch := range c.buf[:n] {
			if ch == '\n' {
				c.lines++
			}
		}
		c.off += int64(n)
		if err != nil {
			break
		}
	}
	return true, nil
}
