package wlog

import (
	"bytes"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/ThreeDotsLabs/watermill"
)

func TestLinesAtEnabledLevelsCarryTheirFieldsAndOthersAreDropped(t *testing.T) {
	var buf bytes.Buffer
	l := New(slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelInfo})))
	l.Trace("trace line", watermill.LogFields{"a": 1})
	l.Debug("debug line", watermill.LogFields{"a": 2})
	l.Info("info line", watermill.LogFields{"a": 3})
	l.With(watermill.LogFields{"route": "bridge"}).Error("error line", errors.New("boom"), watermill.LogFields{"a": 4})
	out := buf.String()
	for _, want := range []string{`msg="info line" a=3`, `msg="error line" route=bridge a=4 error=boom`} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %q in:\n%s", want, out)
		}
	}
	for _, not := range []string{"trace line", "debug line"} {
		if strings.Contains(out, not) {
			t.Errorf("%q logged below the handler's level:\n%s", not, out)
		}
	}
}

func TestTraceShowsWhenTheHandlerEnablesItsLevel(t *testing.T) {
	var buf bytes.Buffer
	New(slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: watermill.LevelTrace}))).
		Trace("received", watermill.LogFields{"message_uuid": "u1"})
	if !strings.Contains(buf.String(), `msg=received message_uuid=u1`) {
		t.Errorf("trace line missing: %s", buf.String())
	}
}

func TestDisabledTraceDoesNotAllocate(t *testing.T) {
	l := New(slog.New(slog.NewTextHandler(&bytes.Buffer{}, nil)))
	fields := watermill.LogFields{"message_uuid": "u1", "handler_name": "process"}
	if n := testing.AllocsPerRun(100, func() { l.Trace("received", fields) }); n != 0 {
		t.Errorf("a disabled Trace allocates %v times", n)
	}
}

func TestThrottledWritesOneErrorLinePerIntervalWithTheCountLeftOut(t *testing.T) {
	var buf bytes.Buffer
	l := Throttled(New(slog.New(slog.NewTextHandler(&buf, nil))), time.Second).(*throttled)
	now := time.Unix(0, 0)
	l.state.now = func() time.Time { return now }
	boom := errors.New("connection refused")
	route := l.With(watermill.LogFields{"route": "sink-web"})
	for range 100 {
		route.Error("Error occurred, retrying", boom, nil)
	}
	l.Error("another message", boom, nil)
	l.Info("info passes", nil)
	now = now.Add(1500 * time.Millisecond)
	route.Error("Error occurred, retrying", boom, watermill.LogFields{"retry_no": 2})
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 4 {
		t.Fatalf("%d lines, want 4:\n%s", len(lines), buf.String())
	}
	if !strings.Contains(lines[0], "route=sink-web") || strings.Contains(lines[0], "suppressed") {
		t.Errorf("first line: %s", lines[0])
	}
	if !strings.Contains(lines[1], `msg="another message"`) || !strings.Contains(lines[2], `msg="info passes"`) {
		t.Errorf("other messages are not throttled with it:\n%s", buf.String())
	}
	if !strings.Contains(lines[3], "suppressed=99") || !strings.Contains(lines[3], "retry_no=2") {
		t.Errorf("line after the interval: %s", lines[3])
	}
}
