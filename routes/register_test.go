package routes_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ThreeDotsLabs/watermill"
	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/ThreeDotsLabs/watermill/message/router/middleware"
	"github.com/ThreeDotsLabs/watermill/pubsub/gochannel"

	"meterflow/processors"
	"meterflow/routes"
	"meterflow/sinks"
)

// outcomes is an Observer counting each route's messages by outcome.
type outcomes struct {
	mu      sync.Mutex
	counts  map[string]int // "<route>/<sink>/<outcome>"
	retries atomic.Int64
}

func (o *outcomes) HandlerMiddleware(route, sink string) message.HandlerMiddleware {
	return func(h message.HandlerFunc) message.HandlerFunc {
		return func(msg *message.Message) ([]*message.Message, error) {
			out, err := h(msg)
			outcome := "acked"
			switch {
			case err != nil:
				outcome = "nacked"
			case msg.Metadata.Get(middleware.ReasonForPoisonedKey) != "":
				outcome = "dead_lettered"
			}
			o.mu.Lock()
			o.counts[route+"/"+sink+"/"+outcome]++
			o.mu.Unlock()
			return out, err
		}
	}
}

func (o *outcomes) OnRetry(string, string) func(int, time.Duration) {
	return func(int, time.Duration) { o.retries.Add(1) }
}

func (o *outcomes) get(key string) int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.counts[key]
}

// waitFor polls cond for up to 10 s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// channelEnv is a router with a Registrar on an in-memory gochannel
// pub/sub: no network.
type channelEnv struct {
	pubsub *gochannel.GoChannel
	router *message.Router
	reg    *routes.Registrar
	obs    *outcomes
}

func newChannelEnv(t *testing.T) *channelEnv {
	t.Helper()
	pubsub := gochannel.NewGoChannel(gochannel.Config{Persistent: true}, watermill.NopLogger{})
	router, err := message.NewRouter(message.RouterConfig{CloseTimeout: 5 * time.Second}, watermill.NopLogger{})
	if err != nil {
		t.Fatal(err)
	}
	obs := &outcomes{counts: map[string]int{}}
	e := &channelEnv{pubsub: pubsub, router: router, obs: obs,
		reg: &routes.Registrar{Router: router, Publisher: pubsub, Observer: obs, Logger: quietLog()}}
	t.Cleanup(func() {
		_ = router.Close()
		_ = e.reg.Close(context.Background())
		_ = pubsub.Close()
	})
	return e
}

func (e *channelEnv) run(t *testing.T) {
	t.Helper()
	go func() { _ = e.router.Run(context.Background()) }()
	select {
	case <-e.router.Running():
	case <-time.After(10 * time.Second):
		t.Fatal("router did not start")
	}
}

func (e *channelEnv) publish(t *testing.T, topic string, bodies ...[]byte) {
	t.Helper()
	for _, b := range bodies {
		if err := e.pubsub.Publish(topic, message.NewMessage(watermill.NewUUID(), b)); err != nil {
			t.Fatal(err)
		}
	}
}

// collect returns the messages published on topic so far (the pub/sub is
// persistent) after waiting until there are want of them.
func (e *channelEnv) collect(t *testing.T, topic string, want int) []*message.Message {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ch, err := e.pubsub.Subscribe(ctx, topic)
	if err != nil {
		t.Fatal(err)
	}
	var got []*message.Message
	timeout := time.After(10 * time.Second)
	for len(got) < want {
		select {
		case m := <-ch:
			m.Ack()
			got = append(got, m)
		case <-timeout:
			t.Fatalf("%s: got %d messages, want %d", topic, len(got), want)
		}
	}
	select {
	case m := <-ch:
		t.Fatalf("%s: unexpected extra message %s", topic, m.Payload)
	case <-time.After(100 * time.Millisecond):
	}
	return got
}

func quietLog() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func TestRouteAcksWhatItFiltersAndPublishesOutputsWithDeterministicIDs(t *testing.T) {
	e := newChannelEnv(t)
	var calls atomic.Int64
	err := e.reg.Register(routes.Route{
		Name:  "boot",
		From:  routes.From(e.pubsub, "in"),
		Match: routes.EventType("compute.instance.create.end"),
		Handler: func(_ context.Context, n *processors.Notification) ([]routes.Output, error) {
			calls.Add(1)
			return []routes.Output{
				{Payload: []byte("first " + n.MessageID), Metadata: message.Metadata{"X-Extra": "yes"}},
				{Payload: []byte("second " + n.MessageID), Subject: "a"},
			}, nil
		},
		To: routes.Publish(e.pubsub, "out"),
	})
	if err != nil {
		t.Fatal(err)
	}
	e.run(t)
	create := wireBody(t, "compute.instance.create.end", "INFO", "m1", map[string]any{})
	e.publish(t, "in", create, wireBody(t, "compute.instance.delete.end", "INFO", "m2", map[string]any{}), create)
	waitFor(t, "3 acked", func() bool { return e.obs.get("boot//acked") == 3 })
	if calls.Load() != 2 {
		t.Errorf("handler called %d times, want 2 (the delete is filtered before it)", calls.Load())
	}
	out := e.collect(t, "out", 2)
	outA := e.collect(t, "out.a", 2)
	for _, m := range out {
		if m.UUID != "boot:m1:0" || m.Metadata.Get(routes.HeaderMsgID) != "boot:m1:0" || string(m.Payload) != "first m1" {
			t.Errorf("output %s %v %q, want id boot:m1:0 each time", m.UUID, m.Metadata, m.Payload)
		}
		if m.Metadata.Get(routes.HeaderRoute) != "boot" || m.Metadata.Get(routes.HeaderNotificationID) != "m1" || m.Metadata.Get("X-Extra") != "yes" {
			t.Errorf("output metadata %v", m.Metadata)
		}
	}
	for _, m := range outA {
		if m.UUID != "boot:m1:1" || string(m.Payload) != "second m1" {
			t.Errorf("output on out.a %s %q, want boot:m1:1", m.UUID, m.Payload)
		}
	}
}

func TestPermanentFailuresAreDeadLetteredAndTransientOnesRetried(t *testing.T) {
	e := newChannelEnv(t)
	var transient atomic.Int64
	err := e.reg.Register(routes.Route{
		Name:       "failing",
		DeadLetter: "failing.route",
		From:       routes.From(e.pubsub, "in"),
		Handler: func(_ context.Context, n *processors.Notification) ([]routes.Output, error) {
			switch n.EventType {
			case "bad.permanent":
				return nil, routes.Permanent(errors.New("never works"))
			case "bad.output":
				return []routes.Output{{Payload: []byte("x"), Sample: &processors.Sample{Name: "s"}}}, nil
			case "bad.panic":
				panic("handler bug")
			case "flaky":
				if transient.Add(1) < 3 {
					return nil, errors.New("backend busy")
				}
			}
			return nil, nil
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	e.run(t)
	e.publish(t, "in",
		wireBody(t, "bad.permanent", "INFO", "p1", map[string]any{}),
		[]byte("not a notification"),
		wireBody(t, "bad.output", "INFO", "o1", map[string]any{}),
		wireBody(t, "bad.panic", "INFO", "x1", map[string]any{}),
		wireBody(t, "flaky", "INFO", "f1", map[string]any{}))
	waitFor(t, "4 dead letters and 1 ack", func() bool {
		return e.obs.get("failing//dead_lettered") == 4 && e.obs.get("failing//acked") == 1
	})
	if transient.Load() != 3 || e.obs.retries.Load() < 1 {
		t.Errorf("flaky handled %d times with %d retries counted; want 3 times (two retries)", transient.Load(), e.obs.retries.Load())
	}
	reasons := map[string]bool{}
	for _, m := range e.collect(t, "deadletter.failing.route", 4) {
		reasons[m.Metadata.Get(routes.HeaderReason)] = true
	}
	for _, want := range []string{"never works", "malformed", "invalid route output", "handler panicked"} {
		found := false
		for r := range reasons {
			found = found || strings.Contains(r, want)
		}
		if !found {
			t.Errorf("no dead letter with a reason containing %q: %v", want, reasons)
		}
	}
}

func TestPerRouteMiddlewareTimeoutAndThrottleApply(t *testing.T) {
	e := newChannelEnv(t)
	var mu sync.Mutex
	var deadlines []time.Duration
	var handled []time.Time
	const timeout, every = 750 * time.Millisecond, 150 * time.Millisecond
	err := e.reg.Register(routes.Route{
		Name: "paced",
		From: routes.From(e.pubsub, "in"),
		Handler: func(ctx context.Context, _ *processors.Notification) ([]routes.Output, error) {
			mu.Lock()
			defer mu.Unlock()
			d, ok := ctx.Deadline()
			if !ok {
				return nil, routes.Permanent(errors.New("no deadline"))
			}
			deadlines = append(deadlines, time.Until(d))
			handled = append(handled, time.Now())
			return nil, nil
		},
		Middleware: []message.HandlerMiddleware{
			middleware.NewThrottle(1, every).Middleware,
			middleware.Timeout(timeout),
		},
	}, routes.Route{
		Name: "unpaced",
		From: routes.From(e.pubsub, "in"),
		Handler: func(ctx context.Context, _ *processors.Notification) ([]routes.Output, error) {
			if _, ok := ctx.Deadline(); ok {
				return nil, routes.Permanent(errors.New("another route's timeout leaked here"))
			}
			return nil, nil
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	e.run(t)
	const n = 5
	for i := range n {
		e.publish(t, "in", wireBody(t, "a.b", "INFO", fmt.Sprint("t", i), map[string]any{}))
	}
	waitFor(t, "all acked", func() bool { return e.obs.get("paced//acked") == n && e.obs.get("unpaced//acked") == n })
	mu.Lock()
	defer mu.Unlock()
	for _, d := range deadlines {
		if d <= 0 || d > timeout {
			t.Errorf("handler saw a deadline %s away, want within the route's %s timeout", d, timeout)
		}
	}
	// the throttle lets one message through per tick: n messages span at
	// least n-1 ticks (a lower bound, safe on a loaded machine)
	if span := handled[n-1].Sub(handled[0]); span < (n-1)*every*9/10 {
		t.Errorf("%d messages handled within %s, want at least %s apart in total (throttled)", n, span, (n-1)*every)
	}
}

func TestSinkDestinationHandsSamplesToTheSink(t *testing.T) {
	e := newChannelEnv(t)
	path := filepath.Join(t.TempDir(), "samples.json")
	err := e.reg.Register(routes.Route{
		Name: "to_file",
		From: routes.From(e.pubsub, "in"),
		Handler: func(_ context.Context, n *processors.Notification) ([]routes.Output, error) {
			if n.EventType == "payload" {
				return []routes.Output{{Payload: []byte("{}")}}, nil
			}
			return []routes.Output{{Sample: &processors.Sample{Name: "route.sample", Type: "gauge", Unit: "s",
				Volume: int64(7), ResourceID: "r1", Timestamp: "2026-11-08T17:08:31", Source: "openstack"}}}, nil
		},
		To: routes.Sink("file://" + path + "?json"),
	})
	if err != nil {
		t.Fatal(err)
	}
	e.run(t)
	e.publish(t, "in", wireBody(t, "sample", "INFO", "s1", map[string]any{}), wireBody(t, "payload", "INFO", "s2", map[string]any{}))
	waitFor(t, "one ack and one dead letter", func() bool {
		return e.obs.get("to_file//acked") == 1 && e.obs.get("to_file//dead_lettered") == 1
	})
	_ = e.reg.Close(context.Background())
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	wantID := routes.SampleID("to_file:s1", "route.sample", 0)
	if lines := strings.Count(string(data), "\n"); lines != 1 || !strings.Contains(string(data), wantID) || !strings.Contains(string(data), "route.sample") {
		t.Errorf("sink file holds %d lines %q, want one sample with id %s", lines, data, wantID)
	}
}

func TestRegistrarRefusesInvalidRoutesWhenTheyAreAdded(t *testing.T) {
	e := newChannelEnv(t)
	h := payloadOf("x")
	src := routes.From(e.pubsub, "in")
	if _, err := e.reg.Add(routes.Route{Name: "taken", From: src, Handler: h}); err != nil {
		t.Fatal(err)
	}
	e.run(t)
	for _, tc := range []struct {
		name string
		rt   routes.Route
		want error
	}{
		{"no name", routes.Route{From: src, Handler: h}, routes.ErrInvalidRoute},
		{"no handler", routes.Route{Name: "a", From: src}, routes.ErrInvalidRoute},
		{"handler and consume", routes.Route{Name: "a", From: src, Handler: h, Consume: func(*message.Message) error { return nil }}, routes.ErrInvalidRoute},
		{"consume with a matcher", routes.Route{Name: "a", From: src, Match: routes.Exchange("nova"), Consume: func(*message.Message) error { return nil }}, routes.ErrInvalidRoute},
		{"no log to read by default", routes.Route{Name: "a", Handler: h}, routes.ErrInvalidRoute},
		{"source without a topic", routes.Route{Name: "a", From: routes.From(e.pubsub, ""), Handler: h}, routes.ErrInvalidRoute},
		{"wildcard subject", routes.Route{Name: "a", From: src, Handler: h, To: routes.Subject("alerts.>")}, routes.ErrInvalidRoute},
		{"empty subject token", routes.Route{Name: "a", From: src, Handler: h, To: routes.Subject("alerts..x")}, routes.ErrInvalidRoute},
		{"unknown sink scheme", routes.Route{Name: "a", From: src, Handler: h, To: routes.Sink("nosuch://x")}, sinks.ErrInvalidURL},
		{"duplicate name", routes.Route{Name: "taken", From: src, Handler: h}, routes.ErrDuplicateRoute},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := e.reg.Add(tc.rt); !errors.Is(err, tc.want) {
				t.Errorf("Add = %v, want %v", err, tc.want)
			}
		})
	}
	if got := e.reg.Routes(); len(got) != 1 || got[0] != "taken" {
		t.Errorf("Routes() = %v, want [taken]", got)
	}
}
