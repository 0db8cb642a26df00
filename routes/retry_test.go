package routes

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/ThreeDotsLabs/watermill/message"
)

// flaky fails its first failures calls with err, then succeeds.
type flaky struct {
	failures, calls int
	err             error
}

func (f *flaky) handle(*message.Message) ([]*message.Message, error) {
	f.calls++
	if f.calls <= f.failures {
		return nil, f.err
	}
	return []*message.Message{message.NewMessage("out", nil)}, nil
}

func TestRetryRunsATransientFailureAgainWithGrowingWaits(t *testing.T) {
	var delays []time.Duration
	r := Retry{MaxRetries: 3, InitialInterval: time.Millisecond, MaxInterval: 3 * time.Millisecond, Multiplier: 2,
		OnRetry: func(n int, d time.Duration) { delays = append(delays, d) }}
	f := &flaky{failures: 3, err: errors.New("backend down")}
	out, err := r.Middleware(f.handle)(message.NewMessage("1", nil))
	if err != nil || len(out) != 1 || f.calls != 4 {
		t.Fatalf("out %d, err %v after %d calls; want the 4th call's output", len(out), err, f.calls)
	}
	want := []time.Duration{time.Millisecond, 2 * time.Millisecond, 3 * time.Millisecond}
	if len(delays) != len(want) {
		t.Fatalf("retries %v, want %v", delays, want)
	}
	for i := range want {
		if delays[i] != want[i] {
			t.Errorf("retry %d waited %v, want %v", i+1, delays[i], want[i])
		}
	}
}

func TestRetryGivesUpAfterMaxRetriesWithTheLastError(t *testing.T) {
	f := &flaky{failures: 10, err: errors.New("backend down")}
	_, err := Retry{MaxRetries: 2, InitialInterval: time.Millisecond, MaxInterval: time.Millisecond, Multiplier: 2}.
		Middleware(f.handle)(message.NewMessage("1", nil))
	if err == nil || f.calls != 3 {
		t.Errorf("err %v after %d calls, want an error after 3", err, f.calls)
	}
}

func TestRetryDoesNotRetryAPermanentError(t *testing.T) {
	f := &flaky{failures: 10, err: Permanent(errors.New("not a notification"))}
	_, err := Retry{MaxRetries: 3, InitialInterval: time.Hour}.Middleware(f.handle)(message.NewMessage("1", nil))
	if !IsPermanent(err) || f.calls != 1 {
		t.Errorf("err %v after %d calls, want the permanent error after 1", err, f.calls)
	}
}

func TestRetryStopsWaitingWhenTheMessageIsCanceled(t *testing.T) {
	f := &flaky{failures: 10, err: errors.New("backend down")}
	msg := message.NewMessage("1", nil)
	ctx, cancel := context.WithCancel(context.Background())
	msg.SetContext(ctx)
	time.AfterFunc(20*time.Millisecond, cancel)
	start := time.Now()
	_, err := Retry{MaxRetries: 3, InitialInterval: time.Hour, MaxInterval: time.Hour, Multiplier: 2}.Middleware(f.handle)(msg)
	if err == nil || f.calls != 1 || time.Since(start) > 10*time.Second {
		t.Errorf("err %v after %d calls and %v", err, f.calls, time.Since(start))
	}
}

func TestRetryCostsNothingWhenTheFirstAttemptSucceeds(t *testing.T) {
	out := []*message.Message{message.NewMessage("out", nil)}
	h := Retry{MaxRetries: 3, InitialInterval: time.Millisecond}.Middleware(
		func(*message.Message) ([]*message.Message, error) { return out, nil })
	msg := message.NewMessage("1", nil)
	if n := testing.AllocsPerRun(100, func() { _, _ = h(msg) }); n != 0 {
		t.Errorf("%v allocations per successful message", n)
	}
}
