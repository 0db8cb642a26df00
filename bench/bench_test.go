package bench

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

	"meterflow/internal/testenv"
)

// TestRunSmall runs every phase with 2,000 notifications against the local
// RabbitMQ and checks each drained exactly N, with positive figures, and
// that the queues and temp dir are gone afterwards.
func TestRunSmall(t *testing.T) {
	const n = 2000
	tmp := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	res, err := Run(ctx, Config{
		AMQPURL: testenv.RabbitURL(),
		N:       n,
		Corpus:  filepath.Join(testenv.Root(), DefaultCorpus),
		TempDir: tmp,
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range res.Phases() {
		if p.Notifications != n {
			t.Errorf("%s: %d notifications, want %d", p.Name, p.Notifications, n)
		}
		if p.Elapsed <= 0 || p.CPU <= 0 || p.PerSecond(p.Notifications) <= 0 {
			t.Errorf("%s: elapsed %s, CPU %s", p.Name, p.Elapsed, p.CPU)
		}
	}
	if res.Whole.Samples == 0 || res.Whole.Samples != res.Replay.Samples {
		t.Errorf("whole path stored %d samples, replay made %d: want the same, positive", res.Whole.Samples, res.Replay.Samples)
	}
	if res.LatencySamples != int(res.Whole.Samples) || res.LatencyP50 <= 0 || res.LatencyP99 < res.LatencyP50 {
		t.Errorf("latency over %d samples: p50 %s, p99 %s", res.LatencySamples, res.LatencyP50, res.LatencyP99)
	}
	if res.PeakRSS == 0 {
		t.Error("no peak RSS")
	}
	var out bytes.Buffer
	if err := res.Print(&out); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"raw amqp091 consumer", "bridge (BridgeOnly)", "whole path", "replay to a file", "p99"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("report lacks %q:\n%s", want, out.String())
		}
	}
	t.Log("\n" + out.String())

	if left, _ := os.ReadDir(tmp); len(left) != 0 {
		t.Errorf("temp dir left behind: %v", left)
	}
}

// TestCancelCleansUp cancels a run while it drains and checks that its
// queues are deleted.
func TestCancelCleansUp(t *testing.T) {
	tmp := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	var progress bytes.Buffer
	pw := &phaseWatch{w: &progress, at: "bridge alone", cancel: cancel}
	_, err := Run(ctx, Config{AMQPURL: testenv.RabbitURL(), N: 500,
		Corpus: filepath.Join(testenv.Root(), DefaultCorpus), TempDir: tmp, Progress: pw})
	if err == nil {
		t.Fatal("a cancelled run succeeded")
	}
	prefix := between(progress.String(), "into ", ".mfbench_")
	topic := between(progress.String(), prefix+".", ".*")
	if prefix == "" || topic == "" {
		t.Fatalf("no queue prefix in progress: %q", progress.String())
	}
	conn, err := amqp.Dial(testenv.RabbitURL())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	for _, q := range []string{prefix + ".twin", prefix + "." + topic + ".info", prefix + "." + topic + ".sample"} {
		ch, _ := conn.Channel()
		if _, err := ch.QueueDeclarePassive(q, false, false, false, false, nil); err == nil {
			t.Errorf("queue %s left behind", q)
		}
	}
	if left, _ := os.ReadDir(tmp); len(left) != 0 {
		t.Errorf("temp dir left behind: %v", left)
	}
}

// phaseWatch cancels the run when the progress reaches a phase.
type phaseWatch struct {
	w      *bytes.Buffer
	at     string
	cancel context.CancelFunc
}

func (p *phaseWatch) Write(b []byte) (int, error) {
	if strings.Contains(string(b), p.at) {
		p.cancel()
	}
	return p.w.Write(b)
}

func between(s, from, to string) string {
	_, rest, ok := strings.Cut(s, from)
	if !ok {
		return ""
	}
	v, _, _ := strings.Cut(rest, to)
	return v
}
