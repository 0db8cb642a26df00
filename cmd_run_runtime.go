package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"math"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"runtime/debug"
	"runtime/metrics"
	"strconv"
	"strings"
	"time"
)

// DefaultMemoryLimit is the default soft memory limit of `meterflow run`
// (--memory-limit): none, the Go runtime's GOGC=100 (the heap grows to
// twice the live heap between collections). Measured with `meterflow bench
// -n 100000` on 2 cores, where the live heap reaches 100-190 MiB (mostly the
// embedded nats-server's deduplication state and block caches), any limit
// tried up to 384 MiB cut the fixed-rate phase's peak RSS (548 → 390 MiB at
// 384 MiB, 300 MiB at 256 MiB) but raised its p50 latency from ~20 ms to
// 1-2 s: at 10,000/s the process is CPU-bound and the extra collections
// are what it cannot spare. Set a limit where memory matters more than
// latency under bursts (a container limit, say).
const DefaultMemoryLimit = 0

// liveHeapFloor is how far above the live heap the memory limit is kept:
// the live heap (mostly JetStream's deduplication state, which grows with
// rate × --duplicate-window) may outgrow any fixed limit, and a limit
// below it makes the GC run back to back (up to half the CPU). So
// enforceMemoryLimit raises the limit to liveHeapFloor × the live heap
// when that is larger: the GC then behaves like GOGC=50 instead of
// collapsing the throughput.
const liveHeapFloor = 1.5

// memoryLimitCheck is how often enforceMemoryLimit reads the live heap.
const memoryLimitCheck = time.Second

// runtimeFlags are the flags of run that tune the Go runtime: the soft
// memory limit and the opt-in profiling endpoint.
type runtimeFlags struct {
	fs          *flag.FlagSet
	memoryLimit *byteSize
	pprofListen *string
}

func addRuntimeFlags(fs *flag.FlagSet) *runtimeFlags {
	r := &runtimeFlags{fs: fs, memoryLimit: &byteSize{n: DefaultMemoryLimit}}
	fs.Var(r.memoryLimit, "memory-limit", `soft memory limit of the Go runtime, like 256MiB or 1GiB (default off, or $GOMEMLIMIT if set): the GC collects harder near it instead of letting the heap grow to twice the live heap, at a CPU and latency cost under load; it is kept above 1.5 times the live heap, which grows with the notification rate times --duplicate-window`)
	r.pprofListen = fs.String("pprof-listen", "", `loopback address serving Go's net/http/pprof under /debug/pprof/ (heap, goroutine, profile, ...) for diagnosis ("" disables it)`)
	return r
}

// apply sets the memory limit: --memory-limit when given (command line,
// $MF_MEMORY_LIMIT or the config file), else $GOMEMLIMIT when set, else
// DefaultMemoryLimit. It returns the limit in force (math.MaxInt64: none),
// for enforceMemoryLimit.
func (r *runtimeFlags) apply() int64 {
	explicit := false
	r.fs.Visit(func(f *flag.Flag) { explicit = explicit || f.Name == "memory-limit" })
	if !explicit && os.Getenv("GOMEMLIMIT") != "" {
		return debug.SetMemoryLimit(-1) // the runtime already read it
	}
	limit := r.memoryLimit.n
	if limit == 0 { // off
		limit = math.MaxInt64
	}
	debug.SetMemoryLimit(limit)
	return limit
}

// enforceMemoryLimit keeps the soft memory limit at the larger of limit
// and liveHeapFloor × the live heap (runtime/metrics /gc/heap/live:bytes,
// as of the last GC) until ctx is done, logging when it first has to raise
// it. limit math.MaxInt64 (no limit) returns at once.
func enforceMemoryLimit(ctx context.Context, limit int64, logger *slog.Logger) {
	if limit == math.MaxInt64 {
		return
	}
	sample := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	tick := time.NewTicker(memoryLimitCheck)
	defer tick.Stop()
	current, warned := limit, false
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		metrics.Read(sample)
		if sample[0].Value.Kind() != metrics.KindUint64 {
			return
		}
		want := max(limit, int64(float64(sample[0].Value.Uint64())*liveHeapFloor))
		if want == current {
			continue
		}
		if want > limit && !warned {
			warned = true
			logger.Warn("the live heap outgrew the memory limit; raising it to keep the GC from running back to back (see --memory-limit, --duplicate-window)",
				"memory_limit", limit, "live_heap", sample[0].Value.Uint64(), "raised_to", want)
		}
		debug.SetMemoryLimit(want)
		current = want
	}
}

// checkPprofListen refuses a --pprof-listen beyond loopback: profiles and
// goroutine dumps show notifications' contents and internals.
func checkPprofListen(addr string) error {
	if addr == "" {
		return nil
	}
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("--pprof-listen %q: %w", addr, err)
	}
	if ip := net.ParseIP(host); host == "localhost" || ip != nil && ip.IsLoopback() {
		return nil
	}
	return fmt.Errorf("--pprof-listen %s: only a loopback address is allowed (profiles expose notification contents)", addr)
}

// servePprof serves net/http/pprof on addr until ctx is done. A listen
// error is returned at once; later errors are logged.
func servePprof(ctx context.Context, addr string, logger *slog.Logger) error {
	if err := checkPprofListen(addr); err != nil || addr == "" {
		return err
	}
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("--pprof-listen: %w", err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		if err := srv.Serve(l); err != nil && !errors.Is(err, http.ErrServerClosed) {
			logger.Error("pprof server failed", "error", err)
		}
	}()
	go func() {
		<-ctx.Done()
		_ = srv.Close()
	}()
	logger.Info("serving pprof", "address", l.Addr().String())
	return nil
}

// byteSize is a flag.Value of a size in bytes written like GOMEMLIMIT: an
// integer with an optional B, KiB, MiB, GiB or TiB suffix; "off" is 0.
type byteSize struct{ n int64 }

var byteUnits = []struct {
	suffix string
	shift  uint
}{{"TiB", 40}, {"GiB", 30}, {"MiB", 20}, {"KiB", 10}, {"B", 0}}

func (b *byteSize) String() string {
	if b == nil || b.n == 0 {
		return "off"
	}
	for _, u := range byteUnits {
		if b.n%(1<<u.shift) == 0 {
			return strconv.FormatInt(b.n>>u.shift, 10) + u.suffix
		}
	}
	return strconv.FormatInt(b.n, 10)
}

func (b *byteSize) Set(v string) error {
	n, err := parseByteSize(v)
	if err != nil {
		return err
	}
	b.n = n
	return nil
}

// parseByteSize parses a byteSize.
func parseByteSize(v string) (int64, error) {
	s := strings.TrimSpace(v)
	if strings.EqualFold(s, "off") {
		return 0, nil
	}
	var shift uint
	for _, u := range byteUnits {
		if num, ok := strings.CutSuffix(s, u.suffix); ok {
			s, shift = strings.TrimSpace(num), u.shift
			break
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 0 || n > math.MaxInt64>>shift {
		return 0, fmt.Errorf("%q: want a size like 128MiB, 1GiB, 200000000 or off", v)
	}
	return n << shift, nil
}
