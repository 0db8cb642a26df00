package bench

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

	"meterflow/internal/testenv"
)

var binary struct {
	once sync.Once
	dir  string
	path string
	err  error
}

func TestMain(m *testing.M) {
	code := m.Run()
	if binary.dir != "" {
		os.RemoveAll(binary.dir)
	}
	os.Exit(code)
}

// meterflowBinary builds meterflow once per test binary run.
func meterflowBinary(t *testing.T) string {
	t.Helper()
	binary.once.Do(func() {
		if binary.dir, binary.err = os.MkdirTemp("", "meterflow-bench-bin-"); binary.err != nil {
			return
		}
		binary.path = filepath.Join(binary.dir, "meterflow")
		cmd := exec.Command("go", "build", "-o", binary.path, ".")
		cmd.Dir = testenv.Root()
		if out, err := cmd.CombinedOutput(); err != nil {
			binary.err = errors.New("go build: " + err.Error() + "\n" + string(out))
		}
	})
	if binary.err != nil {
		t.Fatal(binary.err)
	}
	return binary.path
}

func smallConfig(t *testing.T, n int) Config {
	return Config{
		AMQPURL:    testenv.RabbitURL(),
		N:          n,
		Corpus:     filepath.Join(testenv.Root(), DefaultCorpus),
		Executable: meterflowBinary(t),
		Rate:       2000,
		TempDir:    t.TempDir(),
	}
}

// TestRunSmall runs every meterflow phase with 2,000 notifications against
// the local RabbitMQ and checks each drained exactly N with positive
// figures, that meterflow's RSS is its own process' (a few tens of MiB, not
// the bench's), that the latency phase held its rate, and that the queues,
// processes and temp dir are gone afterwards.
func TestRunSmall(t *testing.T) {
	const n = 2000
	cfg := smallConfig(t, n)
	var progress bytes.Buffer
	cfg.Progress = &progress
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	res, err := Run(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range res.Phases() {
		if p.Notifications != n {
			t.Errorf("%s: %d notifications, want %d", p.Name, p.Notifications, n)
		}
		if p.Elapsed <= 0 || p.CPU <= 0 || p.PerSecond(p.Notifications) <= 0 {
			t.Errorf("%s: elapsed %s, CPU %s", p.Name, p.Elapsed, p.CPU)
		}
	}
	for _, p := range []Phase{res.Bridge, res.Whole, res.Latency.Phase} {
		// meterflow alone: well above a Go binary's few MiB, well below
		// the whole bench process' hundreds
		if p.PeakRSS < 10<<20 || p.PeakRSS > 1<<30 {
			t.Errorf("%s: peak RSS %.1f MiB", p.Name, mib(p.PeakRSS))
		}
	}
	if res.Raw.PeakRSS != 0 || res.Storage.PeakRSS != 0 || res.Replay.PeakRSS != 0 {
		t.Errorf("in-process phases report an RSS: raw %d, storage floor %d, replay %d", res.Raw.PeakRSS, res.Storage.PeakRSS, res.Replay.PeakRSS)
	}
	if res.Storage.Samples != n || res.Storage.Events != n {
		t.Errorf("storage floor stored %d samples and %d events, want %d each", res.Storage.Samples, res.Storage.Events, n)
	}
	if res.Whole.Samples == 0 || res.Whole.Samples != res.Replay.Samples || res.Whole.Events == 0 {
		t.Errorf("whole path stored %d samples and %d events, replay made %d samples: want the same, positive",
			res.Whole.Samples, res.Whole.Events, res.Replay.Samples)
	}
	// the outputs are stored after the cold start, within the phase
	if res.Whole.Outputs <= 0 || res.Whole.Outputs >= res.Whole.Elapsed {
		t.Errorf("whole path: outputs stored over %s of its %s", res.Whole.Outputs, res.Whole.Elapsed)
	}
	l := res.Latency
	if l.Samples == 0 || l.P50 <= 0 || l.P99 < l.P50 || l.Max < l.P99 || l.BridgedP50 <= 0 || l.BridgedP50 > l.P50 {
		t.Errorf("latency over %d samples: p50 %s, p99 %s, max %s, bridged p50 %s", l.Samples, l.P50, l.P99, l.Max, l.BridgedP50)
	}
	if f := res.Floor; uint64(f.Notifications) != l.Notifications || f.Offered != l.Offered || f.P50 <= 0 || f.P99 < f.P50 || f.Max < f.P99 {
		t.Errorf("latency floor over %d notifications at %.0f/s: p50 %s, p99 %s, max %s", f.Notifications, f.Offered, f.P50, f.P99, f.Max)
	}
	// 2,000/s is far below what the whole path drains here: it keeps up
	// but for a loaded machine's hiccups (a stall of a pull request's
	// expiry made it 203/s)
	if got := l.PerSecond(l.Notifications); got < l.Offered/4 {
		t.Errorf("latency phase processed %.0f notifications/s of %.0f offered (p99 %s)", got, l.Offered, l.P99)
	}
	// a loaded machine may lag, but the publisher paces at the rate: it
	// can never run far ahead of it
	if l.Offered != 2000 || l.Published <= 0 || l.Published > 1.2*l.Offered {
		t.Errorf("offered %.0f/s, published %.0f/s", l.Offered, l.Published)
	}
	if res.Ceilometer != nil || res.SpeedUp() != 0 {
		t.Error("a Ceilometer result without --ceilometer")
	}
	var out bytes.Buffer
	if err := res.Print(&out); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"raw amqp091 consumer", "storage floor", "bridge (--bridge-only)", "whole path (run)",
		"latency at 2000/s (run)", "replay to a file", "peak RSS MiB", "p99", "published at", "bare amqp091 consumer without meterflow"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("report lacks %q:\n%s", want, out.String())
		}
	}
	t.Log("\n" + out.String())
	checkCleanedUp(t, cfg.TempDir, progress.String())
}

// TestCancelCleansUp cancels a run as meterflow starts and while it runs,
// and checks that its queues, its meterflow process and its temp dir are
// gone.
func TestCancelCleansUp(t *testing.T) {
	for _, at := range []string{"bridge alone", "into the running meterflow"} {
		t.Run(at, func(t *testing.T) {
			cfg := smallConfig(t, 500)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			var progress bytes.Buffer
			cfg.Progress = &phaseWatch{w: &progress, at: at, cancel: cancel}
			_, err := Run(ctx, cfg)
			if !errors.Is(err, context.Canceled) {
				t.Fatalf("a run cancelled at %q: %v", at, err)
			}
			checkCleanedUp(t, cfg.TempDir, progress.String())
		})
	}
}

// TestCeilometerSmall drains 300 notifications with Debian's
// ceilometer-agent-notification next to meterflow and checks that it wrote
// the samples and events meterflow stores, that its RSS and the speed-up
// are measured, and that its queues and processes are gone afterwards.
func TestCeilometerSmall(t *testing.T) {
	cfg := smallConfig(t, 300)
	cfg.Ceilometer = true
	var installed CeilometerConfig
	installed.setDefaults()
	if err := installed.Validate(); errors.Is(err, ErrNoCeilometer) {
		t.Skipf("%v (CI installs it)", err)
	}
	var progress bytes.Buffer
	cfg.Progress = &progress
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	res, err := Run(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	c := res.Ceilometer
	if c == nil {
		t.Fatal("no Ceilometer result")
	}
	if c.Notifications != 300 || c.Samples != c.WantSamples || c.Events != c.WantEvents || c.Samples != res.Whole.Samples {
		t.Errorf("Ceilometer wrote %d samples and %d events for %d notifications; meterflow stores %d and %d",
			c.Samples, c.Events, c.Notifications, c.WantSamples, c.WantEvents)
	}
	if c.Elapsed <= 0 || c.Startup <= 0 || c.CPU <= 0 || c.MasterRSS == 0 || c.WorkerRSS == 0 || c.PeakRSS != c.MasterRSS+c.WorkerRSS {
		t.Errorf("Ceilometer: elapsed %s, startup %s, CPU %s, RSS %d = %d + %d", c.Elapsed, c.Startup, c.CPU, c.PeakRSS, c.MasterRSS, c.WorkerRSS)
	}
	// timed alike, meterflow's cold start is out of its time
	if res.SpeedUp() <= 0 || res.SpeedUpLikeForLike() <= res.SpeedUp() {
		t.Errorf("speed-up %.2f, timed alike %.2f", res.SpeedUp(), res.SpeedUpLikeForLike())
	}
	var out bytes.Buffer
	if err := res.Print(&out); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"ceilometer-agent-notification", "speed-up over Ceilometer", "timed alike", "worker"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("report lacks %q:\n%s", want, out.String())
		}
	}
	t.Log("\n" + out.String())
	checkCleanedUp(t, cfg.TempDir, progress.String())
	topic := between(progress.String(), "Ceilometer's queues ", ".*")
	if topic == "" {
		t.Fatalf("no Ceilometer topic in progress: %q", progress.String())
	}
	var queues []string
	for _, prio := range ceilometerPriorities {
		queues = append(queues, topic+"."+prio)
	}
	checkNoQueues(t, append(queues, topic+"_events.sample")...)
}

// checkCleanedUp checks that the run's meterflow queues, child processes
// and temp dir are gone.
func checkCleanedUp(t *testing.T, tmp, progress string) {
	t.Helper()
	prefix := between(progress, "into ", ".mfbench_")
	topic := between(progress, prefix+".", ".*")
	if prefix == "" || topic == "" {
		t.Fatalf("no queue prefix in progress: %q", progress)
	}
	checkNoQueues(t, prefix+".twin", prefix+".floor", prefix+"."+topic+".info", prefix+"."+topic+".sample")
	if kids, err := children(os.Getpid()); err != nil || len(kids) != 0 {
		t.Errorf("processes left behind: %v %v", kids, err)
	}
	if left, _ := os.ReadDir(tmp); len(left) != 0 {
		t.Errorf("temp dir left behind: %v", left)
	}
}

func checkNoQueues(t *testing.T, queues ...string) {
	t.Helper()
	conn, err := amqp.Dial(testenv.RabbitURL())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	for _, q := range queues {
		ch, err := conn.Channel()
		if err != nil {
			t.Fatal(err)
		}
		if _, err := ch.QueueDeclarePassive(q, false, false, false, false, nil); err == nil {
			t.Errorf("queue %s left behind", q)
			ch.Close()
		}
	}
}

// phaseWatch cancels the run when the progress reaches a phase.
type phaseWatch struct {
	w      *bytes.Buffer
	at     string
	cancel context.CancelFunc
}

func (p *phaseWatch) Write(b []byte) (int, error) {
	if strings.Contains(string(b), p.at) {
		p.cancel()
	}
	return p.w.Write(b)
}

func between(s, from, to string) string {
	_, rest, ok := strings.Cut(s, from)
	if !ok {
		return ""
	}
	v, _, _ := strings.Cut(rest, to)
	return v
}

// TestValidate checks that bad options are rejected with the sentinel
// callers decide on.
func TestValidate(t *testing.T) {
	for name, tc := range map[string]struct {
		cfg  Config
		want error
	}{
		"no executable":     {Config{N: 1, Rate: 1, LatencyN: 1}, ErrInvalidOption},
		"zero rate":         {Config{N: 1, Executable: "x", Rate: -1, LatencyN: 1}, ErrInvalidOption},
		"no agent":          {Config{N: 1, Executable: "x", Rate: 1, LatencyN: 1, Ceilometer: true, CeilometerConfig: CeilometerConfig{Agent: "/nonexistent/agent", Python: "/bin/sh", BatchSize: 1}}, ErrNoCeilometer},
		"ceilometer batch":  {Config{N: 1, Executable: "x", Rate: 1, LatencyN: 1, Ceilometer: true, CeilometerConfig: CeilometerConfig{Agent: "/bin/sh", Python: "/bin/sh", BatchSize: -1}}, ErrInvalidOption},
		"valid, no ceilo":   {Config{N: 1, Executable: "x", Rate: 1, LatencyN: 1}, nil},
		"valid, with ceilo": {Config{N: 1, Executable: "x", Rate: 1, LatencyN: 1, Ceilometer: true, CeilometerConfig: CeilometerConfig{Agent: "/bin/sh", Python: "/bin/sh", BatchSize: 1}}, nil},
	} {
		t.Run(name, func(t *testing.T) {
			if err := tc.cfg.Validate(); !errors.Is(err, tc.want) || (tc.want == nil) != (err == nil) {
				t.Errorf("Validate() = %v, want %v", err, tc.want)
			}
		})
	}
	var c Config
	c.N = 50
	c.setDefaults()
	if c.Rate != DefaultRate || c.LatencyN != 50 {
		t.Errorf("defaults: rate %d, latency n %d", c.Rate, c.LatencyN)
	}
	c = Config{}
	c.setDefaults()
	if c.LatencyN != LatencySeconds*DefaultRate {
		t.Errorf("default latency n %d, want %d", c.LatencyN, LatencySeconds*DefaultRate)
	}
}

// TestReadProc checks the /proc readings against this process.
func TestReadProc(t *testing.T) {
	st, err := readProc(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	if st.PeakRSS < 1<<20 {
		t.Errorf("peak RSS %d", st.PeakRSS)
	}
	// spin until getrusage counts 50ms more CPU
	for start, _ := cpuTime(); ; {
		if now, _ := cpuTime(); now-start > 50*time.Millisecond {
			break
		}
	}
	again, err := readProc(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	if again.CPU <= st.CPU {
		t.Errorf("CPU did not grow: %s then %s", st.CPU, again.CPU)
	}
	cmd := exec.Command("sleep", "5")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Wait()
	defer cmd.Process.Kill()
	kids, err := children(os.Getpid())
	if err != nil || len(kids) != 1 || kids[0] != cmd.Process.Pid {
		t.Errorf("children = %v, %v; want [%d]", kids, err, cmd.Process.Pid)
	}
	if err := resetPeak(cmd.Process.Pid); err != nil {
		t.Errorf("reset peak: %v", err)
	}
	if _, err := readProc(1 << 30); !errors.Is(err, syscall.ENOENT) && !errors.Is(err, os.ErrNotExist) {
		t.Errorf("readProc of no process: %v", err)
	}
}

// TestLineCounter counts lines of a file growing by partial lines.
func TestLineCounter(t *testing.T) {
	path := filepath.Join(t.TempDir(), "out")
	c := &lineCounter{path: path}
	if grew, err := c.update(); grew || err != nil {
		t.Fatalf("missing file: grew %v, %v", grew, err)
	}
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for i, step := range []struct {
		write string
		lines uint64
	}{{"a\nb", 1}, {"b\nc\n", 3}, {"", 3}, {strings.Repeat("x\n", 3<<20), 3 + 3<<20}} {
		f.WriteString(step.write)
		grew, err := c.update()
		if err != nil || grew != (step.write != "") || c.lines != step.lines {
			t.Errorf("step %d: grew %v, %d lines, %v; want %d", i, grew, c.lines, err, step.lines)
		}
	}
}

func TestLatencyIndex(t *testing.T) {
	b := &run{id: "0badcafe"}
	for id, want := range map[string]int{"l0badcafe-00000042-abc": 42, "l0badcafe-00000000-": 0} {
		if i, err := b.latencyIndex(id, 100); err != nil || i != want {
			t.Errorf("latencyIndex(%q) = %d, %v; want %d", id, i, err, want)
		}
	}
	for _, id := range []string{"w0badcafe-00000042-abc", "l0badcafe-0042", "l0badcafe-00000100-x", "l0badcafe-0000000x-"} {
		if i, err := b.latencyIndex(id, 100); err == nil {
			t.Errorf("latencyIndex(%q) = %d, want an error", id, i)
		}
	}
}

// TestCeilometerConf checks the agent's config: its own topic, one worker,
// every corpus exchange, the oslo URL, files in its own directory.
func TestCeilometerConf(t *testing.T) {
	b := &run{brokerURL: "amqp://u:p@h:5672/v", exchanges: []string{"nova", "manila"}}
	b.cfg.CeilometerConfig.BatchSize = 7
	conf := b.ceilometerConf("/d", "mfceilo_x")
	for _, want := range []string{"transport_url = rabbit://u:p@h:5672/v\n", "topics = mfceilo_x\n", "workers = 1\n",
		"batch_size = 7\n", "notification_control_exchanges = nova\n", "notification_control_exchanges = manila\n",
		"pipeline_cfg_file = /d/pipeline.yaml\n", "meter_definitions_dirs = /d/meters.d\n",
		"definitions_cfg_file = /d/event_definitions.yaml\n"} {
		if !strings.Contains(conf, want) {
			t.Errorf("conf lacks %q:\n%s", want, conf)
		}
	}
	dir := t.TempDir()
	files, err := writeCeilometerFiles(dir, conf, "mfceilo_x")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{files.conf, filepath.Join(dir, "meters.d", "meters.yaml"), filepath.Join(dir, "event_definitions.yaml")} {
		if st, err := os.Stat(f); err != nil || st.Size() == 0 {
			t.Errorf("%s: %v", f, err)
		}
	}
	pipe, _ := os.ReadFile(filepath.Join(dir, "pipeline.yaml"))
	if !strings.Contains(string(pipe), "file://"+files.samples+"?json") {
		t.Errorf("pipeline.yaml:\n%s", pipe)
	}
	evPipe, _ := os.ReadFile(filepath.Join(dir, "event_pipeline.yaml"))
	if !strings.Contains(string(evPipe), "notifier://?topic=mfceilo_x_events") {
		t.Errorf("event_pipeline.yaml:\n%s", evPipe)
	}
	for in, want := range map[string]string{"rabbit://a@b/": "rabbit://a@b/", "amqps://a@b/v": "rabbit://a@b/v?ssl=1"} {
		if got := oslo(in); got != want {
			t.Errorf("oslo(%q) = %q, want %q", in, got, want)
		}
	}
}
