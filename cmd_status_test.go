package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	jst "meterflow/transport/jetstream"
)

func TestStatusPrintsStreamsAndConsumers(t *testing.T) {
	srv, err := jst.StartServer(jst.ServerConfig{ListenAddr: "127.0.0.1:0", DataDir: t.TempDir(), MaxStore: 1 << 30})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
	})
	nc, err := srv.Connect()
	if err != nil {
		t.Fatal(err)
	}
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := js.CreateStream(ctx, jetstream.StreamConfig{Name: "STATUSTEST", Subjects: []string{"st.>"}, MaxAge: 48 * time.Hour, MaxBytes: 1 << 20}); err != nil {
		t.Fatal(err)
	}
	for _, subj := range []string{"st.a", "st.a", "st.b"} {
		if _, err := js.Publish(ctx, subj, []byte("x")); err != nil {
			t.Fatal(err)
		}
	}
	cons, err := js.CreateOrUpdateConsumer(ctx, "STATUSTEST", jetstream.ConsumerConfig{Durable: "reader", FilterSubject: "st.a", AckPolicy: jetstream.AckExplicitPolicy})
	if err != nil {
		t.Fatal(err)
	}
	batch, err := cons.Fetch(1, jetstream.FetchMaxWait(2*time.Second)) // one delivered, not acked
	if err != nil {
		t.Fatal(err)
	}
	for range batch.Messages() {
	}

	var out, errOut bytes.Buffer
	if code := dispatch([]string{"status", "--nats-url", srv.ClientURL()}, &out, &errOut); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	lines := strings.Split(out.String(), "\n")
	row := func(prefix string) []string {
		for _, l := range lines {
			if strings.HasPrefix(l, prefix+" ") {
				return strings.Fields(l)
			}
		}
		t.Fatalf("no row %q in:\n%s", prefix, out.String())
		return nil
	}
	if h := row("STREAM"); strings.Join(h, " ") != "STREAM MESSAGES BYTES FIRST LAST MAX AGE MAX BYTES MAX MSGS REPLICAS" {
		t.Errorf("stream header %q", h)
	}
	s := row("STATUSTEST")
	// STATUSTEST 3 <n> B <first> <last> 48h 1.0 MiB unlimited 1
	if s[1] != "3" || s[6] != "48h" || s[7] != "1.0" || s[8] != "MiB" || s[9] != "unlimited" || s[10] != "1" {
		t.Errorf("stream row %q", s)
	}
	if _, err := time.Parse(time.RFC3339, s[4]); err != nil {
		t.Errorf("first time %q: %v", s[4], err)
	}
	c := row("reader")
	// reader STATUSTEST st.a <pending 1> <ack pending 1> <redelivered 0> <n>s ago
	if c[1] != "STATUSTEST" || c[2] != "st.a" || c[3] != "1" || c[4] != "1" || c[5] != "0" || c[len(c)-1] != "ago" {
		t.Errorf("consumer row %q\n%s", c, out.String())
	}
}

func TestStatusFailsClearlyWithoutServer(t *testing.T) {
	var out, errOut bytes.Buffer
	if code := dispatch([]string{"status", "--nats-url", "nats://127.0.0.1:1", "--timeout", "1s"}, &out, &errOut); code != 1 || !strings.Contains(errOut.String(), "connect to nats://127.0.0.1:1") {
		t.Errorf("exit %d: %s", code, errOut.String())
	}
}
