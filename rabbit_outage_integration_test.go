package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

	"meterflow/internal/testenv"
	"meterflow/service"
)

// TestRabbitMQOutageMidStreamLosesAndDuplicatesNothing stops the RabbitMQ
// application (rabbitmqctl stop_app) of a private node under a running
// `meterflow run` while notifications flow, and starts it again. A
// publisher keeps publishing persistent notifications with confirms
// throughout, retrying (with the same message_id) what was not confirmed.
// /readyz must report the broker down (by its redacted name) during the
// outage and ready after it; meterflow reconnects with backoff,
// re-declares its topology and resumes: every notification published
// before, during and after the outage is stored in NOTIFICATIONS exactly
// once, and the queue ends empty.
func TestRabbitMQOutageMidStreamLosesAndDuplicatesNothing(t *testing.T) {
	const password = "S3CRET-outage"
	node := testenv.StartRabbit(t, testenv.RabbitOptions{User: "mf", Password: password})
	bin := buildBinary(t)
	const topic = "notifications"
	broker := fmt.Sprintf("amqp://127.0.0.1:%d/", node.Port)

	httpAddr := testenv.FreeAddr(t)
	p := startMeterflow(t, bin, nil, "run", "--bridge-only", "--exchanges", "nova", "--priorities", "info",
		"--amqp-durable-queues", "--amqp-url", node.URL(), "--data", t.TempDir(), "--nats-listen", "127.0.0.1:0",
		"--log-format", "json", "--http-listen", httpAddr, "--shutdown-timeout", "5s")
	p.waitReady(t, httpAddr, 30*time.Second)
	js := jetStreamOf(t, natsURLFromLog(t, p))

	const total = 3000
	bodies := testenv.UniqueBodies(t, total)
	var confirmed, retries atomic.Int64
	pubCtx, stopPub := context.WithCancel(context.Background())
	defer stopPub()
	published := make(chan error, 1)
	go func() { published <- publishThroughOutage(pubCtx, node.URL(), topic, bodies, &confirmed, &retries) }()

	// the outage begins once a third is confirmed, mid-stream
	waitFor(t, "a third published", 30*time.Second, func() bool { return confirmed.Load() >= total/3 })
	stored := testenv.StreamMsgs(t, js, service.StreamNotifications)
	down := time.Now()
	node.StopApp(t)
	t.Logf("stop_app after %d confirmed, %d stored", confirmed.Load(), stored)

	var sawBroker string
	waitFor(t, "/readyz to report the broker down", 20*time.Second, func() bool {
		code, body := readyz(httpAddr)
		if code != http.StatusServiceUnavailable {
			return false
		}
		var r struct{ AMQP map[string]string }
		if json.Unmarshal([]byte(body), &r) == nil && r.AMQP[broker] == service.StateDisconnected {
			sawBroker = body
			return true
		}
		return false
	})
	if strings.Contains(sawBroker, password) {
		t.Errorf("/readyz shows the password: %s", sawBroker)
	}
	time.Sleep(3 * time.Second) // the publisher retries against the stopped broker meanwhile
	duringOutage := confirmed.Load()
	node.StartApp(t)
	t.Logf("start_app after %s down; %d confirmed so far", time.Since(down).Round(100*time.Millisecond), duringOutage)

	p.waitReady(t, httpAddr, 45*time.Second)
	t.Logf("ready again %s after the outage began", time.Since(down).Round(100*time.Millisecond))
	select {
	case err := <-published:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(60 * time.Second):
		t.Fatalf("publisher stuck at %d of %d", confirmed.Load(), total)
	}
	if got := testenv.WaitStored(t, js, service.StreamNotifications, total); got != total {
		t.Errorf("NOTIFICATIONS holds %d, want %d", got, total)
	}
	seen := map[string]int{}
	for _, m := range testenv.ReadAll(t, js, service.StreamNotifications) {
		seen[m.Headers().Get("Nats-Msg-Id")]++
	}
	var lost, dup int
	for i := range bodies {
		id := messageID(t, bodies[i].Body)
		switch seen[id] {
		case 0:
			lost++
		case 1:
		default:
			dup += seen[id] - 1
		}
	}
	t.Logf("published %d (%d publishes retried), lost %d, duplicated %d", total, retries.Load(), lost, dup)
	if lost != 0 || dup != 0 {
		t.Errorf("lost %d, duplicated %d: want 0 and 0", lost, dup)
	}
	if !strings.Contains(p.out.String(), "rabbitmq connection lost, reconnecting") {
		t.Errorf("no reconnect in the log")
	}
	p.stop(t)
	if strings.Contains(p.out.String(), password) {
		t.Errorf("the log shows the password")
	}
	conn, err := amqp.Dial(node.URL())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	ch, _ := conn.Channel()
	if q, err := ch.QueueDeclarePassive("meterflow."+topic+".info", true, false, false, false, nil); err != nil {
		t.Errorf("meterflow's queue after the outage: %v", err)
	} else if q.Messages != 0 {
		t.Errorf("%d messages left in the queue", q.Messages)
	}
}

// publishThroughOutage publishes every body as a persistent message to the
// durable exchange nova with publisher confirms, one at a time, and
// retries a body until the broker confirms it: while the broker is down it
// reconnects every 200 ms, as oslo.messaging's Notifier retries. It
// publishes about 500 a second, so that the stream spans the outage.
func publishThroughOutage(ctx context.Context, url, topic string, bodies []testenv.Case, confirmed, retries *atomic.Int64) error {
	var ch *amqp.Channel
	var conn *amqp.Connection
	defer func() {
		if conn != nil {
			conn.Close()
		}
	}()
	connect := func() error {
		if conn != nil {
			conn.Close()
		}
		var err error
		if conn, err = amqp.Dial(url); err != nil {
			return err
		}
		if ch, err = conn.Channel(); err != nil {
			return err
		}
		if err := ch.ExchangeDeclare("nova", "topic", true, false, false, false, nil); err != nil {
			return err
		}
		return ch.Confirm(false)
	}
	const batch = 50
	for i := 0; i < len(bodies); {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if ch == nil || ch.IsClosed() {
			if err := connect(); err != nil {
				ch = nil
				retries.Add(1)
				time.Sleep(200 * time.Millisecond)
				continue
			}
		}
		end := min(i+batch, len(bodies))
		var last *amqp.DeferredConfirmation
		var err error
		for _, c := range bodies[i:end] {
			last, err = ch.PublishWithDeferredConfirm("nova", topic+".info", true, false,
				amqp.Publishing{ContentType: "application/json", DeliveryMode: amqp.Persistent, Body: []byte(c.Body)})
			if err != nil {
				break
			}
		}
		if err == nil {
			wctx, cancel := context.WithTimeout(ctx, 10*time.Second)
			var ok bool
			ok, err = last.WaitContext(wctx)
			cancel()
			if err == nil && !ok {
				err = errors.New("nacked")
			}
		}
		if err != nil {
			// the whole batch again: some of it may be stored twice in
			// RabbitMQ, which the bridge's deduplication absorbs
			retries.Add(int64(end - i))
			ch = nil
			time.Sleep(200 * time.Millisecond)
			continue
		}
		i = end
		confirmed.Store(int64(i))
		time.Sleep(100 * time.Millisecond) // ~500/s: the stream spans the outage
	}
	return nil
}

func waitFor(t *testing.T, what string, timeout time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", timeout, what)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// messageID is the oslo message_id of a wire body.
func messageID(t *testing.T, body string) string {
	t.Helper()
	var env struct {
		Message string `json:"oslo.message"`
	}
	var msg struct {
		ID string `json:"message_id"`
	}
	if err := json.Unmarshal([]byte(body), &env); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal([]byte(env.Message), &msg); err != nil {
		t.Fatal(err)
	}
	return msg.ID
}
