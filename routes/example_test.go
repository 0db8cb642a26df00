package routes_test

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/ThreeDotsLabs/watermill"
	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/ThreeDotsLabs/watermill/message/router/middleware"
	"github.com/ThreeDotsLabs/watermill/pubsub/gochannel"

	"meterflow/processors"
	"meterflow/processors/jsonpath"
	"meterflow/processors/pytime"
	"meterflow/routes"
)

// A route that turns nova's compute.instance.create.end into a "time to
// boot" alert. In meterflow, service.Config.Routes (or Service.AddRoute)
// registers it, reading the NOTIFICATIONS log and storing alerts on a
// JetStream subject (routes.Subject("alerts.boot_time")); here an
// in-memory Watermill pub/sub stands in for both.
func Example() {
	pubsub := gochannel.NewGoChannel(gochannel.Config{Persistent: true}, watermill.NopLogger{})
	router, _ := message.NewRouter(message.RouterConfig{}, watermill.NopLogger{})
	reg := &routes.Registrar{Router: router, Publisher: pubsub}

	created := jsonpath.MustCompile("$.payload.created_at")
	launched := jsonpath.MustCompile("$.payload.launched_at")
	instance := jsonpath.MustCompile("$.payload.instance_id")
	bootTime := func(_ context.Context, n *processors.Notification) ([]routes.Output, error) {
		c, _ := created.FindFirst(n.Doc)
		l, _ := launched.FindFirst(n.Doc)
		start, err1 := pytime.ParseISO(c)
		end, err2 := pytime.ParseISO(l)
		if err1 != nil || err2 != nil {
			return nil, nil // not booted: filtered (acked, nothing published)
		}
		id, _ := instance.FindFirst(n.Doc)
		alert, _ := json.Marshal(map[string]any{"instance_id": id, "seconds": (end.UnixMicro() - start.UnixMicro()) / 1e6})
		return []routes.Output{{Payload: alert}}, nil
	}
	err := reg.Register(routes.Route{
		Name:       "boot_time",
		From:       routes.From(pubsub, "notifications"), // default: the NOTIFICATIONS log
		Match:      routes.EventType("compute.instance.create.end"),
		Handler:    bootTime,
		To:         routes.Publish(pubsub, "alerts.boot_time"), // in meterflow: routes.Subject(...)
		Middleware: []message.HandlerMiddleware{middleware.Timeout(10 * time.Second)},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	alerts, _ := pubsub.Subscribe(ctx, "alerts.boot_time")
	go func() { _ = router.Run(ctx) }()
	<-router.Running()

	for _, n := range []struct{ eventType, id, created, launched string }{
		{"compute.instance.create.end", "vm-1", "2026-11-08 17:07:49.069811", "2026-11-08T17:08:31.069811"},
		{"compute.instance.delete.end", "vm-1", "", ""},                    // not matched
		{"compute.instance.create.end", "vm-2", "2026-11-08 17:10:00", ""}, // filtered
		{"compute.instance.create.end", "vm-3", "2026-11-08 17:10:00", "2026-11-08T17:12:05"},
	} {
		payload, _ := json.Marshal(map[string]any{"instance_id": n.id, "created_at": n.created, "launched_at": n.launched})
		inner, _ := json.Marshal(map[string]any{"message_id": "msg-" + n.id + "-" + n.eventType, "publisher_id": "compute.host1",
			"event_type": n.eventType, "priority": "INFO", "payload": json.RawMessage(payload), "timestamp": "2026-11-08 17:13:00"})
		body, _ := json.Marshal(map[string]string{"oslo.version": "2.0", "oslo.message": string(inner)})
		_ = pubsub.Publish("notifications", message.NewMessage(watermill.NewUUID(), body))
	}
	for range 2 {
		m := <-alerts
		m.Ack()
		fmt.Println(m.UUID, string(m.Payload))
	}
	// Unordered output:
	// boot_time:msg-vm-1-compute.instance.create.end:0 {"instance_id":"vm-1","seconds":42}
	// boot_time:msg-vm-3-compute.instance.create.end:0 {"instance_id":"vm-3","seconds":125}
}

// Chain fans one notification out to several handlers; When gives one of
// them a matcher of its own.
func ExampleChain() {
	meter := func(_ context.Context, n *processors.Notification) ([]routes.Output, error) {
		return []routes.Output{{Sample: &processors.Sample{Name: "instance.booted", Type: "delta", Unit: "instance", Volume: int64(1)}}}, nil
	}
	audit := func(_ context.Context, n *processors.Notification) ([]routes.Output, error) {
		return []routes.Output{{Payload: []byte(n.EventType), Subject: "audit"}}, nil
	}
	h := routes.Chain(meter, routes.When(routes.EventType("*.end"), audit))

	n := &processors.Notification{EventType: "compute.instance.create.end"}
	outs, err := h(context.Background(), n)
	fmt.Println(len(outs), err, outs[0].Sample.Name, string(outs[1].Payload), outs[1].Subject)
	// Output: 2 <nil> instance.booted compute.instance.create.end audit
}
