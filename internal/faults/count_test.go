package faults

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// Places the tests count in.
const (
	streamNotifications = "NOTIFICATIONS"
	streamSamples       = "SAMPLES"
	streamEvents        = "EVENTS"
	streamDeadLetter    = "DEADLETTER"
)

// connectJS connects to NATS (the test's own connection, closed at the end
// of the test).
func connectJS(t testing.TB, url string) (*nats.Conn, jetstream.JetStream) {
	t.Helper()
	nc, err := nats.Connect(url, nats.MaxReconnects(-1), nats.ReconnectWait(100*time.Millisecond))
	if err != nil {
		t.Fatalf("connect %s: %v", url, err)
	}
	t.Cleanup(nc.Close)
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	return nc, js
}

// streamMsgs is how many messages a stream holds (0 when it does not
// exist yet, -1 when JetStream does not answer).
func streamMsgs(js jetstream.JetStream, stream string) int {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	s, err := js.Stream(ctx, stream)
	if errors.Is(err, jetstream.ErrStreamNotFound) {
		return 0
	}
	if err != nil {
		return -1
	}
	return int(s.CachedInfo().State.Msgs)
}

// countStream reads the subjects filter of a stream (headers only) and
// counts the messages by key(Nats-Msg-Id); key returns "" to skip one. A
// read that fails (a cluster that just lost a node may not answer at once)
// starts over, up to five times.
func countStream(t testing.TB, js jetstream.JetStream, stream, filter string, key func(string) string) map[string]int {
	t.Helper()
	var err error
	for try := 0; try < 5; try++ {
		var ids []string
		if ids, err = readStream(js, stream, filter); err == nil {
			got := map[string]int{}
			for _, id := range ids {
				if k := key(id); k != "" {
					got[k]++
				}
			}
			return got
		}
		time.Sleep(2 * time.Second)
	}
	t.Fatalf("read %s: %v", stream, err)
	return nil
}

// readStream returns the Nats-Msg-Id of every message of stream on the
// subjects filter, as many as the stream's info counts there.
func readStream(js jetstream.JetStream, stream, filter string) ([]string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
	defer cancel()
	st, err := js.Stream(ctx, stream)
	if err != nil {
		return nil, err
	}
	info, err := st.Info(ctx, jetstream.WithSubjectFilter(filter))
	if err != nil {
		return nil, err
	}
	total := 0
	for _, n := range info.State.Subjects {
		total += int(n)
	}
	cons, err := js.OrderedConsumer(ctx, stream, jetstream.OrderedConsumerConfig{FilterSubjects: []string{filter}, HeadersOnly: true})
	if err != nil {
		return nil, err
	}
	ids := make([]string, 0, total)
	for len(ids) < total {
		batch, err := cons.Fetch(min(2000, total-len(ids)), jetstream.FetchMaxWait(2*time.Second))
		if err != nil {
			return nil, err
		}
		for m := range batch.Messages() {
			ids = append(ids, m.Headers().Get(jetstream.MsgIDHeader))
		}
		if err := batch.Error(); err != nil && !errors.Is(err, nats.ErrTimeout) {
			return nil, err
		}
		if ctx.Err() != nil {
			return nil, fmt.Errorf("read %d of %d: %w", len(ids), total, ctx.Err())
		}
	}
	return ids, nil
}

// logIDs counts NOTIFICATIONS by Nats-Msg-Id (the oslo message_id).
func logIDs(t testing.TB, js jetstream.JetStream) map[string]int {
	return countStream(t, js, streamNotifications, "notifications.>", func(id string) string { return id })
}

// jetstreamSinkIDs counts a jetstream:// sink's samples (sample ids) or
// events (event message_ids) by their Nats-Msg-Id, <sink>:<id> and
// <sink>:event:<id>.
func jetstreamSinkIDs(t testing.TB, js jetstream.JetStream, kind, sink string) map[string]int {
	stream, prefix := streamSamples, sink+":"
	if kind == "events" {
		stream, prefix = streamEvents, sink+":event:"
	}
	return countStream(t, js, stream, kind+"."+sink+".>", func(id string) string {
		return strings.TrimPrefix(id, prefix)
	})
}

// fileIDs counts the lines of a file:// sink (json) by the sample's "id",
// or the event's "message_id". A line that does not parse (a torn write)
// is counted under "torn line".
func fileIDs(t testing.TB, path string) map[string]int {
	t.Helper()
	got := map[string]int{}
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return got
	}
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<24)
	for sc.Scan() {
		var line struct {
			ID        string `json:"id"`
			MessageID string `json:"message_id"`
		}
		if err := json.Unmarshal(sc.Bytes(), &line); err != nil || line.ID+line.MessageID == "" {
			got["torn line"]++
			continue
		}
		got[line.ID+line.MessageID]++
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return got
}

// tally compares what a place holds with what it must hold, logs
// "<where>: want N lost=L dup=D unexpected=U" and fails the test unless
// all three are 0.
func tally(t testing.TB, where string, want map[string]bool, got map[string]int) (lost, dup int) {
	t.Helper()
	var unexpected int
	var examples []string
	for id := range want {
		if got[id] == 0 {
			lost++
			if len(examples) < 3 {
				examples = append(examples, "lost "+id)
			}
		}
	}
	for id, n := range got {
		if !want[id] {
			unexpected += n
			if len(examples) < 6 {
				examples = append(examples, "unexpected "+id)
			}
		} else if n > 1 {
			dup += n - 1
			if len(examples) < 6 {
				examples = append(examples, "duplicated "+id)
			}
		}
	}
	t.Logf("%s: want %d, hold %d distinct: lost=%d dup=%d unexpected=%d", where, len(want), len(got), lost, dup, unexpected)
	if lost != 0 || dup != 0 || unexpected != 0 {
		sort.Strings(examples)
		t.Errorf("%s: lost=%d dup=%d unexpected=%d, e.g. %s", where, lost, dup, unexpected, strings.Join(examples, ", "))
	}
	return lost, dup
}

// distinct is how many of want a place holds.
func distinct(want map[string]bool, got map[string]int) int {
	n := 0
	for id := range got {
		if want[id] {
			n++
		}
	}
	return n
}

// drained reports whether every durable consumer of the streams has
// nothing pending and nothing awaiting an ack; it describes what is left.
func drained(js jetstream.JetStream, streams ...string) (bool, string) {
	var left []string
	for _, name := range streams {
		infos, err := consumers(js, name)
		if err != nil {
			return false, name + ": " + err.Error()
		}
		for _, ci := range infos {
			if ci.NumPending != 0 || ci.NumAckPending != 0 {
				left = append(left, name+"/"+ci.Name+": pending "+itoa(ci.NumPending)+" ack pending "+itoa(uint64(ci.NumAckPending)))
			}
		}
	}
	return len(left) == 0, strings.Join(left, "; ")
}

// consumers returns what the server holds for each consumer of stream.
func consumers(js jetstream.JetStream, stream string) ([]*jetstream.ConsumerInfo, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	s, err := js.Stream(ctx, stream)
	if err != nil {
		return nil, err
	}
	lister := s.ListConsumers(ctx)
	var infos []*jetstream.ConsumerInfo
	for ci := range lister.Info() {
		infos = append(infos, ci)
	}
	return infos, lister.Err()
}

func itoa(n uint64) string { return strconv.FormatUint(n, 10) }

// waitUntil polls cond every 200 ms until it is true or timeout passes;
// it returns whether cond became true.
func waitUntil(timeout time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(timeout)
	for {
		if cond() {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// lineCounter counts the lines of a growing file, reading only what was
// added since the last count.
type lineCounter struct {
	path string
	off  int64
	n    int
}

func (c *lineCounter) count() int {
	f, err := os.Open(c.path)
	if err != nil {
		return c.n
	}
	defer f.Close()
	buf := make([]byte, 1<<20)
	for {
		k, err := f.ReadAt(buf, c.off)
		c.n += bytes.Count(buf[:k], []byte{'\n'})
		c.off += int64(k)
		if err != nil || k == 0 {
			return c.n
		}
	}
}
