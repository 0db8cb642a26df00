package service

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	amqp "github.com/rabbitmq/amqp091-go"

	"meterflow/internal/testenv"
	"meterflow/processors/convert"
	"meterflow/routes"
)

// Knobs of the whole-path benchmarks, from the environment:
//
//	MF_WHOLEPATH_N        notifications per run (default 20000)
//	MF_WHOLEPATH_RATE     offered notifications/s of the latency benchmark (default 10000)
//	MF_WHOLEPATH_CONC     Config.ProcessConcurrency (default: the service's)
//	MF_WHOLEPATH_PREFETCH the AMQP prefetch per queue (default: the service's)
//	MF_WHOLEPATH_PROFILE  directory: write cpu.pprof and heap.pprof of the
//	                      whole-path phase alone (the service, not the
//	                      publisher or the raw consumer), and heap-mid.pprof,
//	                      the live heap halfway through
func wholePathEnv(b *testing.B) (n, rate int, profileDir string) {
	n, rate = 20000, 10000
	if v, err := strconv.Atoi(os.Getenv("MF_WHOLEPATH_N")); err == nil && v > 0 {
		n = v
	}
	if v, err := strconv.Atoi(os.Getenv("MF_WHOLEPATH_RATE")); err == nil && v > 0 {
		rate = v
	}
	return n, rate, os.Getenv("MF_WHOLEPATH_PROFILE")
}

// BenchmarkWholePath preloads N notifications into meterflow's queues and
// into a twin queue, then measures in one run how fast a bare amqp091
// consumer drains the twin (the raw ceiling) and how fast a processing
// service drains its queues through the whole path: bridge, NOTIFICATIONS,
// process, SAMPLES and EVENTS (jetstream:// sinks, shipped definitions),
// from its cold start until every sample is stored and every notification
// converted. Reported: raw_notif/s, whole_notif/s, whole/raw, the CPU time
// this process spent per notification (robust to other load), the peak RSS
// of this process during the whole-path phase (VmHWM, reset before it, with
// the corpus already released) and the heap allocated per notification.
func BenchmarkWholePath(b *testing.B) {
	n, _, profileDir := wholePathEnv(b)
	for b.Loop() {
		b.StopTimer()
		env, want, twin := preloadWholePath(b, n)

		raw := drainRaw(b, twin, n)

		runtime.GC()
		debug.FreeOSMemory()
		baseRSS := procStatusKB(b, "VmRSS")
		resetPeakRSS(b)
		var ms0, ms1 runtime.MemStats
		runtime.ReadMemStats(&ms0)
		stopProfile := startProfile(b, profileDir)
		cpu0 := cpuTime(b)

		start := time.Now()
		ctx, cancel := context.WithCancel(context.Background())
		svc, err := New(ctx, env.cfg)
		if err != nil {
			b.Fatal(err)
		}
		done := make(chan error, 1)
		go func() { done <- svc.Run(ctx) }()
		if profileDir != "" {
			go midHeapProfile(b, svc, uint64(n)/2, filepath.Join(profileDir, "heap-mid.pprof"))
		}
		waitWhole(b, svc, uint64(n), want)
		whole := time.Since(start)
		cpu := cpuTime(b) - cpu0
		stopProfile()
		runtime.ReadMemStats(&ms1)
		peakRSS := procStatusKB(b, "VmHWM")
		cancel()
		if err := <-done; err != nil {
			b.Errorf("service stopped with %v", err)
		}

		b.ReportMetric(float64(n)/raw.Seconds(), "raw_notif/s")
		b.ReportMetric(float64(n)/whole.Seconds(), "whole_notif/s")
		b.ReportMetric(raw.Seconds()/whole.Seconds(), "whole/raw")
		b.ReportMetric(float64(cpu.Microseconds())/float64(n), "cpu_us/notif")
		b.ReportMetric(float64(want)/float64(n), "samples/notif")
		b.ReportMetric(float64(peakRSS)/1024, "peak_RSS_MiB")
		b.ReportMetric(float64(baseRSS)/1024, "base_RSS_MiB")
		b.ReportMetric(float64(ms1.TotalAlloc-ms0.TotalAlloc)/float64(n), "B/notif")
		b.ReportMetric(float64(ms1.Mallocs-ms0.Mallocs)/float64(n), "allocs/notif")
		b.StartTimer()
	}
}

// BenchmarkWholePathLatency runs a processing service, offers it N
// notifications at MF_WHOLEPATH_RATE per second (default 10,000) and
// reports the percentiles of the latency from the bridge's receipt
// (Meterflow-Received) to each sample's storage in SAMPLES, and the rate
// the publisher actually achieved.
func BenchmarkWholePathLatency(b *testing.B) {
	n, rate, _ := wholePathEnv(b)
	cases := testenv.UniqueBodies(b, n)
	want := expectedSamples(b, cases)
	for b.Loop() {
		b.StopTimer()
		env := newEnv(b, testenv.Exchanges(cases), func(c *Config) { processingBenchConfig(b, c) })
		env.start()

		offered := publishPaced(b, env.topic, cases, rate)
		waitWhole(b, env.svc, uint64(n), want)
		lat := sampleLatencies(b, env.svc.JetStream(), want)
		env.stop()

		b.ReportMetric(offered, "offered_notif/s")
		b.ReportMetric(ms(quantile(lat, 0.50)), "p50_ms")
		b.ReportMetric(ms(quantile(lat, 0.99)), "p99_ms")
		b.ReportMetric(ms(quantile(lat, 1)), "max_ms")
		b.StartTimer()
	}
}

// preloadWholePath declares a processing service's queues and a twin queue
// bound like them, fills both with n unique notifications and returns the
// (stopped) environment, the samples the whole path must store, and the
// twin's name. The corpus is released before it returns.
func preloadWholePath(b *testing.B, n int) (*testEnv, uint64, string) {
	cases := testenv.UniqueBodies(b, n)
	exchanges := testenv.Exchanges(cases)
	want := expectedSamples(b, cases)
	env := newEnv(b, exchanges, func(c *Config) { processingBenchConfig(b, c) })
	env.start()
	env.stop() // stop consuming: the queues stay

	conn, err := amqp.Dial(testenv.RabbitURL())
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close()
	ch, err := conn.Channel()
	if err != nil {
		b.Fatal(err)
	}
	twin := env.prefix + ".twin"
	if _, err := ch.QueueDeclare(twin, false, false, false, false, nil); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { deleteQueue(twin) })
	priorities := map[string]bool{}
	for _, c := range cases {
		priorities[c.Priority()] = true
	}
	for _, ex := range exchanges {
		for p := range priorities {
			if err := ch.QueueBind(twin, env.topic+"."+p, ex, false, nil); err != nil {
				b.Fatal(err)
			}
		}
	}
	testenv.PublishCases(b, env.topic, cases)
	return env, want, twin
}

// drainRaw is the raw ceiling: a bare amqp091 consumer (prefetch 2000,
// multiple acks every 100) draining n deliveries from queue.
func drainRaw(b *testing.B, queue string, n int) time.Duration {
	conn, err := amqp.Dial(testenv.RabbitURL())
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close()
	ch, _ := conn.Channel()
	_ = ch.Qos(2000, 0, false)
	deliveries, err := ch.Consume(queue, "", false, false, false, false, nil)
	if err != nil {
		b.Fatal(err)
	}
	start := time.Now()
	for i := 1; i <= n; i++ {
		select {
		case d := <-deliveries:
			if i%100 == 0 || i == n {
				_ = d.Ack(true)
			}
		case <-time.After(30 * time.Second):
			b.Fatalf("twin queue: %d of %d deliveries", i-1, n)
		}
	}
	return time.Since(start)
}

// processingBenchConfig makes c a processing service sending every sample
// and event to a jetstream:// sink (no external sink limits it) with the
// shipped definitions.
func processingBenchConfig(b *testing.B, c *Config) {
	c.BridgeOnly = false
	c.Convert.NoEtc = true
	if v, err := strconv.Atoi(os.Getenv("MF_WHOLEPATH_CONC")); err == nil && v > 0 {
		c.ProcessConcurrency = v
	}
	if v, err := strconv.Atoi(os.Getenv("MF_WHOLEPATH_PREFETCH")); err == nil && v > 0 {
		c.AMQP.Prefetch = v
	}
	dir := b.TempDir()
	c.PipelineFile = filepath.Join(dir, "pipeline.yaml")
	c.EventPipelineFile = filepath.Join(dir, "event_pipeline.yaml")
	const pipe = "sources:\n  - name: bench\n    %s: [\"*\"]\n    sinks: [bench]\nsinks:\n  - name: bench\n    publishers: [\"jetstream://\"]\n"
	if err := os.WriteFile(c.PipelineFile, fmt.Appendf(nil, pipe, "meters"), 0o644); err != nil {
		b.Fatal(err)
	}
	if err := os.WriteFile(c.EventPipelineFile, fmt.Appendf(nil, pipe, "events"), 0o644); err != nil {
		b.Fatal(err)
	}
}

// expectedSamples is how many samples the shipped definitions make of cases.
func expectedSamples(b *testing.B, cases []testenv.Case) uint64 {
	conv, err := convert.Load(convert.Config{NoEtc: true})
	if err != nil {
		b.Fatal(err)
	}
	var total uint64
	for _, c := range cases {
		r, err := conv.ConvertBody([]byte(c.Body))
		if err != nil {
			b.Fatal(err)
		}
		total += uint64(len(r.Samples))
	}
	return total
}

// waitWhole waits (up to 5 minutes) until svc converted n notifications and
// SAMPLES holds want samples.
func waitWhole(b *testing.B, svc *Service, n, want uint64) {
	deadline := time.Now().Add(5 * time.Minute)
	for {
		got := testenv.StreamMsgs(b, svc.JetStream(), StreamSamples)
		if got >= want && svc.Converted() >= n {
			if got != want {
				b.Fatalf("SAMPLES holds %d samples, want %d", got, want)
			}
			return
		}
		if time.Now().After(deadline) {
			b.Fatalf("converted %d of %d notifications, stored %d of %d samples", svc.Converted(), n, got, want)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// publishPaced publishes cases at rate per second (in 1 ms ticks), waits
// for the broker's confirms and returns the rate achieved.
func publishPaced(b *testing.B, topic string, cases []testenv.Case, rate int) float64 {
	conn, err := amqp.Dial(testenv.RabbitURL())
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close()
	ch, err := conn.Channel()
	if err != nil {
		b.Fatal(err)
	}
	if err := ch.Confirm(false); err != nil {
		b.Fatal(err)
	}
	var last *amqp.DeferredConfirmation
	start := time.Now()
	for i, c := range cases {
		if due := start.Add(time.Duration(i) * time.Second / time.Duration(rate)); time.Until(due) > time.Millisecond {
			time.Sleep(time.Until(due))
		}
		last, err = ch.PublishWithDeferredConfirm(c.Exchange, topic+"."+c.Priority(), false, false,
			amqp.Publishing{ContentType: "application/json", Body: []byte(c.Body)})
		if err != nil {
			b.Fatal(err)
		}
	}
	elapsed := time.Since(start)
	if ok, err := last.WaitContext(context.Background()); !ok || err != nil {
		b.Fatalf("publish not confirmed: %v", err)
	}
	return float64(len(cases)) / elapsed.Seconds()
}

// sampleLatencies reads every sample of SAMPLES and returns, sorted, the
// time from its notification's receipt by the bridge to its storage.
func sampleLatencies(b *testing.B, js jetstream.JetStream, total uint64) []time.Duration {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cons, err := js.OrderedConsumer(ctx, StreamSamples, jetstream.OrderedConsumerConfig{})
	if err != nil {
		b.Fatal(err)
	}
	out := make([]time.Duration, 0, total)
	for uint64(len(out)) < total {
		batch, err := cons.Fetch(1000, jetstream.FetchMaxWait(2*time.Second))
		if err != nil {
			b.Fatal(err)
		}
		for m := range batch.Messages() {
			meta, err := m.Metadata()
			if err != nil {
				b.Fatal(err)
			}
			recv, err := strconv.ParseInt(m.Headers().Get(routes.HeaderReceived), 10, 64)
			if err != nil {
				b.Fatal(err)
			}
			out = append(out, meta.Timestamp.Sub(time.Unix(0, recv)))
		}
		if err := batch.Error(); err != nil {
			b.Fatal(err)
		}
	}
	slices.Sort(out)
	return out
}

// deleteQueue deletes a queue of the local RabbitMQ, if it can.
func deleteQueue(name string) {
	conn, err := amqp.Dial(testenv.RabbitURL())
	if err != nil {
		return
	}
	defer conn.Close()
	if ch, err := conn.Channel(); err == nil {
		_, _ = ch.QueueDelete(name, false, false, false)
	}
}

// quantile is the q-quantile (nearest rank) of sorted ds.
func quantile(sorted []time.Duration, q float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(q*float64(len(sorted))+0.5) - 1
	return sorted[min(max(i, 0), len(sorted)-1)]
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// procStatusKB reads a "kB" field of /proc/self/status (VmRSS, VmHWM).
func procStatusKB(b *testing.B, field string) int {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		b.Fatal(err)
	}
	for line := range strings.Lines(string(data)) {
		if v, ok := strings.CutPrefix(line, field+":"); ok {
			kb, err := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(v), " kB"))
			if err != nil {
				b.Fatal(err)
			}
			return kb
		}
	}
	b.Fatalf("/proc/self/status has no %s", field)
	return 0
}

// midHeapProfile writes the live heap to file once svc converted half
// notifications: what the service holds at full rate.
func midHeapProfile(b *testing.B, svc *Service, half uint64, file string) {
	for svc.Converted() < half {
		time.Sleep(10 * time.Millisecond)
	}
	runtime.GC()
	f, err := os.Create(file)
	if err != nil {
		b.Error(err)
		return
	}
	defer f.Close()
	if err := pprof.Lookup("heap").WriteTo(f, 0); err != nil {
		b.Error(err)
	}
}

// cpuTime is the user and system CPU time this process has used.
func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// resetPeakRSS resets VmHWM to the current RSS (Linux 4.0 and later).
func resetPeakRSS(b *testing.B) {
	if err := os.WriteFile("/proc/self/clear_refs", []byte("5"), 0); err != nil {
		b.Fatal(err)
	}
}

// startProfile starts a CPU profile into dir/cpu.pprof when dir is set; the
// returned stop also writes dir/heap.pprof.
func startProfile(b *testing.B, dir string) (stop func()) {
	if dir == "" {
		return func() {}
	}
	f, err := os.Create(filepath.Join(dir, "cpu.pprof"))
	if err != nil {
		b.Fatal(err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		b.Fatal(err)
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
		h, err := os.Create(filepath.Join(dir, "heap.pprof"))
		if err != nil {
			b.Fatal(err)
		}
		defer h.Close()
		if err := pprof.Lookup("allocs").WriteTo(h, 0); err != nil {
			b.Fatal(err)
		}
	}
}
