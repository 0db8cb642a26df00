package bench

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"
)

// Phases lists the phases in the order of the table: raw, storage floor,
// bridge, whole path, latency, replay, and Ceilometer when it ran.
func (r *Result) Phases() []Phase {
	ps := []Phase{r.Raw, r.Storage, r.Bridge, r.Whole, r.Latency.Phase, r.Replay}
	if r.Ceilometer != nil {
		ps = append(ps, r.Ceilometer.Phase)
	}
	return ps
}

// Print writes r as a table with notes on what each figure means.
func (r *Result) Print(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "phase\tnotifications\tsamples\tseconds\tnotifications/s\tsamples/s\tvs raw\tCPU s/1k notif\tpeak RSS MiB\t")
	for _, p := range r.Phases() {
		samples, samplesPerSec, vsRaw, rss := "-", "-", "-", "-"
		if p.Samples > 0 {
			samples = fmt.Sprint(p.Samples)
			samplesPerSec = fmt.Sprintf("%.0f", p.PerSecond(p.Samples))
		}
		if p.Name == r.Storage.Name || p.Name == r.Bridge.Name || p.Name == r.Whole.Name {
			vsRaw = fmt.Sprintf("%.2f", ratio(p, r.Raw))
		}
		if p.PeakRSS > 0 {
			rss = fmt.Sprintf("%.1f", mib(p.PeakRSS))
		}
		fmt.Fprintf(tw, "%s\t%d\t%s\t%.2f\t%.0f\t%s\t%s\t%.3f\t%s\t\n", p.Name, p.Notifications, samples,
			p.Elapsed.Seconds(), p.PerSecond(p.Notifications), samplesPerSec, vsRaw, p.CPUPer1000(), rss)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	l := r.Latency
	var b strings.Builder
	fmt.Fprintf(&b, `
latency at a fixed rate: %d notifications offered at %.0f/s into the warm meterflow of the whole
path, published at %.0f/s, processed at %.0f/s (first publish to last sample stored);
publish-to-sample-stored (publish stamp to JetStream's stored timestamp, %d samples):
p50 %s, p99 %s, max %s (of which publish to bridge receive: p50 %s, p99 %s);
floor, the same load into a bare amqp091 consumer without meterflow (publish to receipt):
p50 %s, p99 %s, max %s
`, l.Notifications, l.Offered, l.Published, l.PerSecond(l.Notifications), l.Samples,
		ms(l.P50), ms(l.P99), ms(l.Max), ms(l.BridgedP50), ms(l.BridgedP99),
		ms(r.Floor.P50), ms(r.Floor.P99), ms(r.Floor.Max))
	if c := r.Ceilometer; c != nil {
		fmt.Fprintf(&b, `
Ceilometer 19 (Debian's ceilometer-agent-notification, 1 worker, batch_size %d; samples to a
file, events to notifier://) over the same %d notifications: published %d samples and %d
events (meterflow: %d and %d); start-up %.1f s (left out of its time); peak RSS %.1f MiB
(master %.1f + worker %.1f).%s
whole-path speed-up over Ceilometer: %.1fx timed alike (first output to last: %.2f s against
%.2f s), %.1fx with meterflow's cold start in its time
`, c.BatchSize, c.Notifications, c.Samples, c.Events, c.WantSamples, c.WantEvents, c.Startup.Seconds(),
			mib(c.PeakRSS), mib(c.MasterRSS), mib(c.WorkerRSS), left(c.Left), r.SpeedUpLikeForLike(),
			r.Whole.Outputs.Seconds(), c.Elapsed.Seconds(), r.SpeedUp())
	}
	fmt.Fprintf(&b, `
Each drain phase takes %d notifications preloaded into RabbitMQ. The bridge, whole-path and
latency phases run meterflow as its own process (meterflow run, embedded JetStream): their CPU
and peak RSS are that process' (read from /proc; the latency phase's peak is reset when it
starts), their times include its cold start. The whole path stores every sample and event in
JetStream (jetstream:// sinks, shipped definitions) and ends when all are stored and acked. The
storage floor does, without any of meterflow's code, the least the design asks: each
notification stored in a JetStream log (deduplicated, AMQP acked after the store), one sample
and one event per notification stored in two more streams, the notification acked on the log
after both; its rate bounds the whole path's on this machine (%.2f of raw in this run; the
whole path reached %.2f of the floor). The raw consumer, the storage floor and the replay
(bridge phase's NOTIFICATIONS to a file) run inside the bench: their CPU is the bench's.
RabbitMQ's CPU is never counted.
`, r.N, ratio(r.Storage, r.Raw), ratio(r.Whole, r.Storage))
	_, err := io.WriteString(w, b.String())
	return err
}

// ratio is p's notifications/s over of's, 0 when either did not run.
func ratio(p, of Phase) float64 {
	if p.Elapsed <= 0 || of.Elapsed <= 0 || of.Notifications == 0 {
		return 0
	}
	return p.PerSecond(p.Notifications) / of.PerSecond(of.Notifications)
}

// left notes notifications the agent left in its queues.
func left(n int) string {
	if n == 0 {
		return ""
	}
	return fmt.Sprintf("\nIt stopped publishing with %d notifications still ready in its queues (%s idle);\nits rate is over the others.", n, agentIdle)
}

func mib(b uint64) float64 { return float64(b) / (1 << 20) }

// ms formats a latency in milliseconds with a precision that suits it.
func ms(d time.Duration) string {
	return fmt.Sprintf("%.1f ms", float64(d)/float64(time.Millisecond))
}
