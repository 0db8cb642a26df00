package main

import (
	"context"
	"io"
	"log/slog"
	"math"
	"net/http"
	"runtime"
	"runtime/debug"
	"strings"
	"testing"
	"time"

	"meterflow/internal/testenv"
)

func TestByteSizeParsesGOMEMLIMITSyntaxAndPrintsTheLargestUnit(t *testing.T) {
	for _, c := range []struct {
		in   string
		want int64
		out  string
	}{
		{"128MiB", 128 << 20, "128MiB"},
		{"1GiB", 1 << 30, "1GiB"},
		{"1536MiB", 1536 << 20, "1536MiB"},
		{"200000000", 200000000, "200000000B"},
		{"4096B", 4096, "4KiB"},
		{" 64 KiB ", 64 << 10, "64KiB"},
		{"off", 0, "off"},
		{"0", 0, "off"},
	} {
		var b byteSize
		if err := b.Set(c.in); err != nil {
			t.Errorf("%q: %v", c.in, err)
			continue
		}
		if b.n != c.want || b.String() != c.out {
			t.Errorf("%q: %d %q, want %d %q", c.in, b.n, b.String(), c.want, c.out)
		}
	}
	for _, bad := range []string{"", "12MB", "-1MiB", "1.5GiB", "9999999999TiB", "lots"} {
		var b byteSize
		if err := b.Set(bad); err == nil {
			t.Errorf("%q accepted as %d", bad, b.n)
		}
	}
}

func TestMemoryLimitFlagBeatsGOMEMLIMITWhichBeatsTheDefault(t *testing.T) {
	defer debug.SetMemoryLimit(debug.SetMemoryLimit(-1))
	byDefault := int64(DefaultMemoryLimit)
	if byDefault == 0 {
		byDefault = math.MaxInt64 // off
	}
	for _, c := range []struct {
		args, env string
		want      int64
	}{
		{"", "", byDefault},
		{"--memory-limit=64MiB", "", 64 << 20},
		{"--memory-limit=off", "", math.MaxInt64},
		{"", "1GiB", 1 << 30}, // as the runtime read it at start
		{"--memory-limit=64MiB", "1GiB", 64 << 20},
	} {
		t.Setenv("GOMEMLIMIT", c.env)
		if c.env != "" {
			debug.SetMemoryLimit(1 << 30) // what the runtime does with GOMEMLIMIT=1GiB
		}
		fs, _, _, rt := declareRunFlags(io.Discard)
		var args []string
		if c.args != "" {
			args = []string{c.args}
		}
		if err := fs.Parse(args); err != nil {
			t.Fatal(err)
		}
		if got := rt.apply(); got != c.want || debug.SetMemoryLimit(-1) != c.want {
			t.Errorf("%q GOMEMLIMIT=%q: limit %d (runtime %d), want %d", c.args, c.env, got, debug.SetMemoryLimit(-1), c.want)
		}
	}
}

func TestPprofListenServesProfilesOnLoopbackOnly(t *testing.T) {
	for _, addr := range []string{"0.0.0.0:6060", ":6060", "10.0.0.5:6060"} {
		if err := checkPprofListen(addr); err == nil || !strings.Contains(err.Error(), "loopback") {
			t.Errorf("%s: %v, want refused", addr, err)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	addr := testenv.FreeAddr(t)
	if err := servePprof(ctx, addr, slog.New(slog.NewTextHandler(io.Discard, nil))); err != nil {
		t.Fatal(err)
	}
	resp, err := http.Get("http://" + addr + "/debug/pprof/heap?debug=1")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), "HeapAlloc") {
		t.Fatalf("status %d, body %.200q", resp.StatusCode, body)
	}
}

func TestEnforceMemoryLimitKeepsTheLimitAboveTheLiveHeap(t *testing.T) {
	defer debug.SetMemoryLimit(debug.SetMemoryLimit(-1))
	keep := make([]byte, 64<<20) // a live heap well above the limit
	keep[len(keep)-1] = 1
	const limit = 16 << 20
	debug.SetMemoryLimit(limit)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		enforceMemoryLimit(ctx, limit, slog.New(slog.NewTextHandler(io.Discard, nil)))
	}()
	runtime.GC()
	deadline := time.Now().Add(5 * time.Second)
	for debug.SetMemoryLimit(-1) < int64(liveHeapFloor*float64(len(keep))) {
		if time.Now().After(deadline) {
			t.Fatalf("memory limit %d, want at least %.0f × the %d live bytes", debug.SetMemoryLimit(-1), liveHeapFloor, len(keep))
		}
		time.Sleep(50 * time.Millisecond)
	}
	cancel()
	<-done
	runtime.KeepAlive(keep)
}
