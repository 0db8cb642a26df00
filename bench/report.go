package bench

import (
	"fmt"
	"io"
	"text/tabwriter"
	"time"
)

// Phases lists the four phases in order.
func (r *Result) Phases() []Phase { return []Phase{r.Raw, r.Bridge, r.Whole, r.Replay} }

// Print writes r as a table with notes on what each figure means.
func (r *Result) Print(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "phase\tnotifications\tsamples\tseconds\tnotifications/s\tsamples/s\tvs raw\tCPU s/1k notif\t")
	for i, p := range r.Phases() {
		samples, samplesPerSec, ratio := "-", "-", "-"
		if p.Samples > 0 {
			samples = fmt.Sprint(p.Samples)
			samplesPerSec = fmt.Sprintf("%.0f", p.PerSecond(p.Samples))
		}
		if i == 1 || i == 2 {
			ratio = fmt.Sprintf("%.2f", p.PerSecond(p.Notifications)/r.Raw.PerSecond(r.Raw.Notifications))
		}
		fmt.Fprintf(tw, "%s\t%d\t%s\t%.2f\t%.0f\t%s\t%s\t%.3f\t\n", p.Name, p.Notifications, samples,
			p.Elapsed.Seconds(), p.PerSecond(p.Notifications), samplesPerSec, ratio, p.CPUPer1000())
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	_, err := fmt.Fprintf(w, `
receive-to-sample-stored latency (bridge's Meterflow-Received stamp to JetStream's stored
timestamp of each sample message, %d samples): p50 %s, p99 %s
(the whole preload is bridged at once, so this is mostly the wait in NOTIFICATIONS' backlog)
peak RSS of the whole process (VmHWM, cannot be reset between phases): %.1f MiB

Each phase drains %d notifications preloaded into RabbitMQ; the bridge and whole-path times
include the service's cold start. The whole path stores every sample and event in JetStream
(jetstream:// sinks, shipped definitions). CPU is this process' (embedded JetStream included,
RabbitMQ not). Replay reads the bridge phase's NOTIFICATIONS and writes samples and events to a file.
`, r.LatencySamples, r.LatencyP50.Round(time.Microsecond), r.LatencyP99.Round(time.Microsecond),
		float64(r.PeakRSS)/(1<<20), r.N)
	return err
}
