package service

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"
)

// uniqueBodies returns n corpus bodies (cycled), each with its own message_id.
func uniqueBodies(t testing.TB, n int) (bodies [][]byte, exchanges []string, keys []string) {
	cases := loadCorpus(t)
	for i := 0; i < n; i++ {
		c := cases[i%len(cases)]
		body := c.Body
		if k := strings.Index(body, `message_id\": \"`); k >= 0 {
			k += len(`message_id\": \"`)
			body = body[:k] + fmt.Sprintf("b%08d-", i) + body[k:]
		}
		bodies = append(bodies, []byte(body))
		exchanges = append(exchanges, c.Exchange)
		keys = append(keys, strings.TrimPrefix(c.RoutingKey, "notifications."))
	}
	return bodies, exchanges, keys
}

// BenchmarkBridgeDrain preloads N notifications into meterflow's queues and
// into a twin queue, then measures in one run how fast a bare amqp091
// consumer (prefetch 2000, multiple acks) drains the twin and how fast the
// bridge drains its queues into JetStream (stored, then acked). Reported:
// raw/s, bridge/s and bridge/raw.
func BenchmarkBridgeDrain(b *testing.B) {
	const n = 20000
	bodies, exchanges, prios := uniqueBodies(b, n)
	t := &testing.T{}
	_ = t
	for b.Loop() {
		b.StopTimer()
		env := startEnvB(b, allExchanges(loadCorpus(b)))
		env.cancel() // stop consuming: the queues stay
		<-env.done
		env.cancel = nil

		conn, err := amqp.Dial(rabbitURL())
		if err != nil {
			b.Fatal(err)
		}
		ch, _ := conn.Channel()
		twin := env.prefix + ".twin"
		if _, err := ch.QueueDeclare(twin, false, true, false, false, nil); err != nil {
			b.Fatal(err)
		}
		for _, ex := range allExchanges(loadCorpus(b)) {
			for _, p := range []string{"info", "sample"} {
				_ = ch.QueueBind(twin, env.topic+"."+p, ex, false, nil)
			}
		}
		pub, _ := conn.Channel()
		_ = pub.Confirm(false)
		var last *amqp.DeferredConfirmation
		for i := range bodies {
			last, err = pub.PublishWithDeferredConfirm(exchanges[i], env.topic+"."+prios[i], false, false, amqp.Publishing{Body: bodies[i]})
			if err != nil {
				b.Fatal(err)
			}
		}
		last.Wait()

		// 1. the raw ceiling
		_ = ch.Qos(2000, 0, false)
		deliveries, _ := ch.Consume(twin, "", false, false, false, false, nil)
		start := time.Now()
		for i := 1; i <= n; i++ {
			d := <-deliveries
			if i%100 == 0 || i == n {
				_ = d.Ack(true)
			}
		}
		raw := time.Since(start)
		conn.Close()

		// 2. the bridge
		start = time.Now()
		env2 := &testEnv{t: nil, topic: env.topic, prefix: env.prefix, cfg: env.cfg}
		ctx, cancel := context.WithCancel(context.Background())
		svc, err := New(ctx, env2.cfg)
		if err != nil {
			b.Fatal(err)
		}
		done := make(chan error, 1)
		go func() { done <- svc.Run(ctx) }()
		waitStored(b, svc.JetStream(), StreamNotifications, n)
		bridge := time.Since(start)
		cancel()
		<-done

		b.ReportMetric(float64(n)/raw.Seconds(), "raw_notif/s")
		b.ReportMetric(float64(n)/bridge.Seconds(), "bridge_notif/s")
		b.ReportMetric(raw.Seconds()/bridge.Seconds(), "bridge/raw")
		b.StartTimer()
	}
}

func startEnvB(b *testing.B, exchanges []string) *testEnv {
	t := &testing.T{}
	_ = t
	e := &testEnv{topic: fmt.Sprintf("mfbench_%d", time.Now().UnixNano()), prefix: fmt.Sprintf("mfbench-%d", time.Now().UnixNano())}
	e.cfg = Config{
		AMQP:   amqpConfig(exchanges, e.prefix),
		Topics: []string{e.topic},
		Server: serverConfig(b.TempDir()),
		Logger: quietLogger(),
	}
	b.Cleanup(func() { deleteQueues(e.cfg.AMQP, e.topic) })
	ctx, cancel := context.WithCancel(context.Background())
	svc, err := New(ctx, e.cfg)
	if err != nil {
		b.Fatal(err)
	}
	e.svc, e.cancel, e.done = svc, cancel, make(chan error, 1)
	go func() { e.done <- svc.Run(ctx) }()
	for svc.AMQPConnected() < 1 {
		time.Sleep(20 * time.Millisecond)
	}
	time.Sleep(300 * time.Millisecond)
	return e
}
