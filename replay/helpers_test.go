package replay

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"meterflow/definitions"
	"meterflow/internal/testenv"
	"meterflow/processors"
	"meterflow/processors/convert"
	"meterflow/routes"
	"meterflow/service"
	jst "meterflow/transport/jetstream"
)

// env is one hermetic JetStream: an embedded server on a free port in a
// temp dir, with meterflow's NOTIFICATIONS, SAMPLES and EVENTS streams.
type env struct {
	t  testing.TB
	nc *nats.Conn
	js jetstream.JetStream
}

func newEnv(t testing.TB) *env {
	t.Helper()
	srv, err := jst.StartServer(jst.ServerConfig{DataDir: t.TempDir(), ListenAddr: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
	})
	nc, err := jst.Connect(srv.ClientURL())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	for _, sc := range []jst.StreamConfig{
		{Name: service.StreamNotifications, Subjects: []string{routes.NotificationsPrefix + ".>"}},
		{Name: service.StreamSamples, Subjects: []string{routes.SamplesPrefix + ".>"}},
		{Name: service.StreamEvents, Subjects: []string{routes.EventsPrefix + ".>"}},
	} {
		if _, err := jst.EnsureStream(context.Background(), js, sc); err != nil {
			t.Fatal(err)
		}
	}
	return &env{t: t, nc: nc, js: js}
}

// store stores cases in NOTIFICATIONS as the bridge does and returns their
// stream sequences.
func (e *env) store(cases []testenv.Case) []uint64 {
	e.t.Helper()
	ctx := context.Background()
	seqs := make([]uint64, len(cases))
	futures := make([]jetstream.PubAckFuture, len(cases))
	wait := func(from, to int) {
		for i := from; i < to; i++ {
			select {
			case ack := <-futures[i].Ok():
				seqs[i] = ack.Sequence
			case err := <-futures[i].Err():
				e.t.Fatal(err)
			case <-ctx.Done():
			}
		}
	}
	// in windows well under the client's pending limit: a loaded machine
	// must not stall the publisher
	const window = 1000
	for i, c := range cases {
		if i >= window {
			wait(i-window, i-window+1)
		}
		n, err := processors.Decode([]byte(c.Body))
		if err != nil {
			e.t.Fatal(err)
		}
		m := nats.NewMsg(routes.NotificationSubject(c.Exchange, c.Priority(), n.EventType))
		m.Data = []byte(c.Body)
		m.Header.Set(routes.HeaderMsgID, n.MessageID)
		m.Header.Set(routes.HeaderReceived, strconv.FormatInt(time.Now().UnixNano(), 10))
		if futures[i], err = e.js.PublishMsgAsync(m); err != nil {
			e.t.Fatal(err)
		}
	}
	wait(max(0, len(cases)-window), len(cases))
	return seqs
}

func (e *env) msgs(stream string) uint64 { return testenv.StreamMsgs(e.t, e.js, stream) }

func (e *env) replay(cfg Config) *Summary {
	e.t.Helper()
	if cfg.Logger == nil {
		cfg.Logger = quiet()
	}
	sum, err := Run(context.Background(), e.nc, cfg)
	if err != nil {
		e.t.Fatal(err)
	}
	e.noConsumers()
	return sum
}

// noConsumers fails the test if a consumer is left on NOTIFICATIONS.
func (e *env) noConsumers() {
	e.t.Helper()
	st, err := e.js.Stream(context.Background(), service.StreamNotifications)
	if err != nil {
		e.t.Fatal(err)
	}
	var names []string
	for name := range st.ConsumerNames(context.Background()).Name() {
		names = append(names, name)
	}
	if len(names) > 0 {
		e.t.Errorf("consumers left on %s after the replay: %v", service.StreamNotifications, names)
	}
}

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func shippedDefs(t testing.TB) *routes.Definitions {
	return defsWith(t, nil)
}

// defsWith loads the shipped definitions, with meter dirs replacing the
// shipped meters when given.
func defsWith(t testing.TB, meterDirs []string) *routes.Definitions {
	t.Helper()
	defs, err := service.LoadDefinitions(service.Config{Convert: convert.Config{MeterDirs: meterDirs, NoEtc: true}})
	if err != nil {
		t.Fatal(err)
	}
	return defs
}

// meterDir writes the shipped meters.yaml, changed by edit, to a temp dir.
func meterDir(t testing.TB, edit func(string) string) string {
	t.Helper()
	b, err := definitions.Ceilometer.ReadFile("ceilometer/meters.d/meters.yaml")
	if err != nil {
		t.Fatal(err)
	}
	changed := edit(string(b))
	if changed == string(b) {
		t.Fatal("the edit changed nothing")
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "meters.yaml"), []byte(changed), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

// expectedLines is what the converter gives for bodies, one line per sample
// and event, with the ids the live route gives samples.
func expectedLines(t testing.TB, conv *convert.Converter, bodies []string) []byte {
	t.Helper()
	var out []byte
	for _, body := range bodies {
		n, err := processors.Decode([]byte(body))
		if err != nil {
			t.Fatal(err)
		}
		r := conv.Convert(n)
		routes.NumberSamples(n.MessageID, r.Samples)
		for i := range r.Samples {
			out = append(r.Samples[i].AppendJSON(out), '\n')
		}
		for _, ev := range r.Events {
			out = append(ev.AppendJSON(out), '\n')
		}
	}
	return out
}

func bodiesOf(cases []testenv.Case) []string {
	out := make([]string, len(cases))
	for i, c := range cases {
		out[i] = c.Body
	}
	return out
}

// dryRun replays cfg to a buffer and returns what was written.
func (e *env) dryRun(cfg Config) ([]byte, *Summary) {
	e.t.Helper()
	var buf bytes.Buffer
	cfg.Output = &buf
	if cfg.Definitions == nil {
		cfg.Definitions = shippedDefs(e.t)
	}
	sum := e.replay(cfg)
	return buf.Bytes(), sum
}

func lineDiff(t testing.TB, got, want []byte) {
	t.Helper()
	g, w := strings.Split(string(got), "\n"), strings.Split(string(want), "\n")
	if len(g) != len(w) {
		t.Errorf("%d lines, want %d", len(g)-1, len(w)-1)
	}
	for i := range min(len(g), len(w)) {
		if g[i] != w[i] {
			t.Fatalf("line %d:\n got %.300s\nwant %.300s", i+1, g[i], w[i])
		}
	}
}
