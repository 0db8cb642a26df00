package replay

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"
	"time"
)

func TestBarShowsDoneTotalRateAndETA(t *testing.T) {
	for _, tc := range []struct {
		done, total uint64
		elapsed     time.Duration
		want        string
	}{
		{0, 100, 0, "[>         ] 0/100   0% 0/s ETA ?"},
		{50, 100, time.Second, "[=====>    ] 50/100  50% 50/s ETA 1s"},
		{200000, 200000, 2 * time.Second, "[==========] 200000/200000 100% 100.0k/s ETA 0s"},
	} {
		if got := Bar(tc.done, tc.total, tc.elapsed, 10); got != tc.want {
			t.Errorf("Bar(%d, %d, %s) = %q, want %q", tc.done, tc.total, tc.elapsed, got, tc.want)
		}
	}
}

func TestProgressLogsLinesWhenNotATerminal(t *testing.T) {
	var logs, out bytes.Buffer
	p := NewProgress(&out, slog.New(slog.NewTextHandler(&logs, nil)))
	p.LogInterval = 20 * time.Millisecond
	p.Start(10)
	p.Add(4)
	time.Sleep(70 * time.Millisecond)
	p.Stop()
	if out.Len() != 0 {
		t.Errorf("drew %q on a non-terminal", out.String())
	}
	for _, want := range []string{"msg=\"replay started\" total=10", "msg=replaying done=4 total=10", "msg=\"replay finished\" done=4 total=10"} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("no %q in the logs:\n%s", want, logs.String())
		}
	}
}
