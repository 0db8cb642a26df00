package service

import (
	"context"
	"testing"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

	"meterflow/internal/testenv"
)

// BenchmarkBridgeDrain preloads N notifications into meterflow's queues and
// into a twin queue, then measures in one run how fast a bare amqp091
// consumer (prefetch 2000, multiple acks) drains the twin and how fast the
// bridge drains its queues into JetStream (stored, then acked), from
// service start. Reported: raw_notif/s, bridge_notif/s and bridge/raw.
func BenchmarkBridgeDrain(b *testing.B) {
	const n = 20000
	cases := testenv.UniqueBodies(b, n)
	exchanges := testenv.Exchanges(cases)
	for b.Loop() {
		b.StopTimer()
		env := startEnv(b, exchanges, nil)
		env.stop() // stop consuming: the queues stay

		conn, err := amqp.Dial(testenv.RabbitURL())
		if err != nil {
			b.Fatal(err)
		}
		ch, _ := conn.Channel()
		twin := env.prefix + ".twin"
		if _, err := ch.QueueDeclare(twin, false, true, false, false, nil); err != nil {
			b.Fatal(err)
		}
		for _, ex := range exchanges {
			for _, p := range []string{"info", "sample"} {
				_ = ch.QueueBind(twin, env.topic+"."+p, ex, false, nil)
			}
		}
		testenv.PublishCases(b, env.topic, cases)

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

		// 2. the bridge, from a cold start on the same data
		start = time.Now()
		ctx, cancel := context.WithCancel(context.Background())
		svc, err := New(ctx, env.cfg)
		if err != nil {
			b.Fatal(err)
		}
		done := make(chan error, 1)
		go func() { done <- svc.Run(ctx) }()
		for testenv.StreamMsgs(b, svc.JetStream(), StreamNotifications) < n {
			time.Sleep(10 * time.Millisecond)
		}
		bridge := time.Since(start)
		cancel()
		<-done

		b.ReportMetric(float64(n)/raw.Seconds(), "raw_notif/s")
		b.ReportMetric(float64(n)/bridge.Seconds(), "bridge_notif/s")
		b.ReportMetric(raw.Seconds()/bridge.Seconds(), "bridge/raw")
		b.StartTimer()
	}
}
