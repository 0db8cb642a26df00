package service

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"meterflow/internal/testenv"
	"meterflow/processors"
	"meterflow/routes"
)

// TestDefaultRoutesAreRegisteredThroughTheRoutesAPI: every handler on the
// router (bridge, process, one delivery per publisher) went through the
// public Registrar, and so has its middleware stack.
func TestDefaultRoutesAreRegisteredThroughTheRoutesAPI(t *testing.T) {
	id := fmt.Sprintf("%08x", rand.Uint32())
	pipe := writeFile(t, "pipeline.yaml", `
sources:
  - name: everything
    meters: ["*"]
    sinks: [all]
sinks:
  - name: all
    publishers: ["memtest://api`+id+`", "jetstream://"]
`)
	evPipe := writeFile(t, "event_pipeline.yaml", `
sources:
  - name: events
    events: ["*"]
    sinks: [ev]
sinks:
  - name: ev
    publishers: ["memtest://apiev`+id+`"]
`)
	env := startEnv(t, []string{"nova"}, func(c *Config) {
		c.BridgeOnly = false
		c.Convert.NoEtc = true
		c.PipelineFile, c.EventPipelineFile = pipe, evPipe
		c.Routes = []routes.Route{{Name: "mine", Handler: func(context.Context, *processors.Notification) ([]routes.Output, error) {
			return nil, nil
		}}}
	})
	svc := env.svc
	var onRouter []string
	for name := range svc.router.Handlers() {
		onRouter = append(onRouter, name)
	}
	slices.Sort(onRouter)
	viaAPI := svc.reg.Routes()
	slices.Sort(viaAPI)
	want := []string{"bridge-" + env.topic, "mine", "process", "sink-events-ev-0", "sink-samples-all-0"}
	if !slices.Equal(onRouter, want) || !slices.Equal(viaAPI, want) {
		t.Errorf("router has %v, the Registrar added %v; want both %v", onRouter, viaAPI, want)
	}
}

// TestUserRouteReadsTheLogThroughItsOwnNarrowedConsumer runs a user route
// in the service: it reads NOTIFICATIONS through route_<name> filtered on
// its exact matcher, its outputs land in the stream ROUTES with
// deterministic ids, and a notification stored twice (a replay) yields its
// output once.
func TestUserRouteReadsTheLogThroughItsOwnNarrowedConsumer(t *testing.T) {
	id := fmt.Sprintf("%08x", rand.Uint32())
	subject := "mftest" + id + ".alerts"
	name := "alerts" + id
	var handled = make(chan string, 10)
	rt := routes.Route{
		Name:  name,
		Match: routes.All(routes.Exchange("nova"), routes.Priority("info"), routes.EventType("compute.instance.create.end")),
		Handler: func(_ context.Context, n *processors.Notification) ([]routes.Output, error) {
			handled <- n.MessageID
			return []routes.Output{{Payload: []byte("created " + n.MessageID), Subject: "create"}}, nil
		},
		To: routes.Subject(subject),
	}
	env := startEnv(t, []string{"nova"}, func(c *Config) { c.Routes = []routes.Route{rt} })
	js := env.svc.JetStream()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()

	cons, err := js.Consumer(ctx, StreamNotifications, routes.LogDurablePrefix+name)
	if err != nil {
		t.Fatal(err)
	}
	if f := cons.CachedInfo().Config.FilterSubject; f != "notifications.nova.info.compute.instance.create.end" {
		t.Errorf("consumer filter %q, want the exact subject", f)
	}
	stream, err := js.Stream(ctx, StreamRoutes)
	if err != nil {
		t.Fatal(err)
	}
	if got := stream.CachedInfo().Config.Subjects; !slices.Equal(got, []string{subject, subject + ".>"}) {
		t.Errorf("ROUTES captures %v, want %s and %s.>", got, subject, subject)
	}
	defer func() { _ = js.DeleteStream(context.Background(), StreamRoutes) }()

	// the same notification stored twice (as a replay would), and one
	// the matcher refuses
	store := func(eventType, msgID, storeID string) {
		body := fmt.Sprintf(`{"oslo.version": "2.0", "oslo.message": "{\"message_id\": \"%s\", \"publisher_id\": \"compute.h1\", \"event_type\": \"%s\", \"priority\": \"INFO\", \"payload\": {}, \"timestamp\": \"2026-11-08 17:08:31.000000\"}"}`, msgID, eventType)
		m := &nats.Msg{Subject: routes.NotificationSubject("nova", "info", eventType), Data: []byte(body), Header: nats.Header{}}
		m.Header.Set(routes.HeaderExchange, "nova")
		m.Header.Set(routes.HeaderPriority, "info")
		m.Header.Set(jetstream.MsgIDHeader, storeID)
		if _, err := js.PublishMsg(ctx, m); err != nil {
			t.Fatal(err)
		}
	}
	store("compute.instance.create.end", "n1", "s1")
	store("compute.instance.delete.end", "n2", "s2")
	store("compute.instance.create.end", "n1", "s3")
	for range 2 {
		select {
		case id := <-handled:
			if id != "n1" {
				t.Errorf("handled %s, want only n1", id)
			}
		case <-time.After(30 * time.Second):
			t.Fatal("the route did not handle both copies")
		}
	}
	time.Sleep(300 * time.Millisecond)
	msgs := testenv.ReadAll(t, js, StreamRoutes)
	if len(msgs) != 1 {
		t.Fatalf("ROUTES holds %d messages, want 1 (the replayed notification's output deduplicated)", len(msgs))
	}
	m := msgs[0]
	if m.Subject() != subject+".create" || string(m.Data()) != "created n1" ||
		m.Headers().Get(jetstream.MsgIDHeader) != routes.OutputID(name, "n1", 0) {
		t.Errorf("output %s %q %v", m.Subject(), m.Data(), m.Headers())
	}
	select {
	case id := <-handled:
		t.Errorf("handled %s, which the matcher refuses", id)
	default:
	}
}

// A subject destination whose subject another stream's wildcards overlap
// is refused when the route is added, not at its first message.
func TestRouteSubjectOverlappingAStreamIsRefusedAtStart(t *testing.T) {
	env := newEnv(t, []string{"nova"}, func(c *Config) {
		c.Routes = []routes.Route{{Name: "overlap", Handler: func(context.Context, *processors.Notification) ([]routes.Output, error) {
			return nil, nil
		}, To: routes.Subject("deadletter")}}
	})
	_, err := New(context.Background(), env.cfg)
	if err == nil || !strings.Contains(err.Error(), "overlap") {
		t.Fatalf("New = %v, want the route refused for its subject", err)
	}
	var dup error = routes.ErrDuplicateRoute
	env2 := newEnv(t, []string{"nova"}, func(c *Config) {
		h := func(context.Context, *processors.Notification) ([]routes.Output, error) { return nil, nil }
		c.Routes = []routes.Route{{Name: "twice", Handler: h}, {Name: "twice", Handler: h}}
	})
	if _, err := New(context.Background(), env2.cfg); !errors.Is(err, dup) {
		t.Fatalf("New = %v, want %v", err, dup)
	}
}

func TestCoverSubjectsDropsWhatAnotherCaptures(t *testing.T) {
	for _, tc := range []struct{ in, want []string }{
		{[]string{"alerts.boot_time", "alerts.boot_time.>"}, []string{"alerts.boot_time", "alerts.boot_time.>"}},
		{[]string{"alerts.boot_time", "alerts.boot_time.>", "alerts", "alerts.>"}, []string{"alerts", "alerts.>"}},
		{[]string{"a.b", "a.b", "a.*"}, []string{"a.*"}},
		{[]string{"a.*.c", "a.b.>"}, []string{"a.*.c", "a.b.>"}},
	} {
		if got := coverSubjects(slices.Clone(tc.in)); !slices.Equal(got, tc.want) {
			t.Errorf("coverSubjects(%v) = %v, want %v", tc.in, got, tc.want)
		}
	}
}
