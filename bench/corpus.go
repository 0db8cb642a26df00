package bench

import (
	"bufio"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"os"
	"strings"
)

// DefaultCorpus is the golden corpus the notifications are cycled from,
// relative to the repository root.
const DefaultCorpus = "testdata/ceilometer-19-shipped.jsonl"

// notification is one wire body with where it is published.
type notification struct {
	Exchange string
	Priority string
	Body     []byte
}

// loadCorpus reads the cases (exchange, routing_key, body) of a golden
// corpus file, one JSON object a line.
func loadCorpus(path string) ([]notification, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []notification
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<24)
	for line := 1; sc.Scan(); line++ {
		var c struct {
			Exchange   string `json:"exchange"`
			RoutingKey string `json:"routing_key"`
			Body       string `json:"body"`
		}
		if err := json.Unmarshal(sc.Bytes(), &c); err != nil {
			return nil, fmt.Errorf("%s:%d: %w", path, line, err)
		}
		_, prio, _ := strings.Cut(c.RoutingKey, ".")
		if c.Exchange == "" || prio == "" {
			return nil, fmt.Errorf("%s:%d: no exchange or routing key", path, line)
		}
		out = append(out, notification{Exchange: c.Exchange, Priority: prio, Body: []byte(c.Body)})
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s: no cases", path)
	}
	return out, nil
}

// uniqueBodies cycles the corpus to n notifications, each with its own
// message_id (tag and the index are put in front of the corpus id) and its
// own oslo _unique_id. The _unique_id matters to Ceilometer only: its oslo
// listener ignores, and leaves unacked, a notification whose _unique_id is
// among the last 16 it acked (oslo_messaging's _MsgIdCache, against
// redeliveries), so copies of one corpus case sharing it would be lost to
// the agent whenever they come close together, as those of the few
// notifications.sample cases do (214 samples at n=20,000).
func uniqueBodies(corpus []notification, n int, tag string) []notification {
	const key, uniqueKey = `message_id\": \"`, `_unique_id\": \"`
	h := fnv.New32a()
	h.Write([]byte(tag))
	run := h.Sum32()
	out := make([]notification, n)
	for i := range out {
		c := corpus[i%len(corpus)]
		body := string(c.Body)
		if k := strings.Index(body, key); k >= 0 {
			k += len(key)
			body = body[:k] + fmt.Sprintf("%s%08d-", tag, i) + body[k:]
		}
		// oslo puts it last, uuid4().hex: 32 hex digits, the first 16
		// replaced here by the tag's hash and the index
		if k := strings.LastIndex(body, uniqueKey); k >= 0 {
			k += len(uniqueKey)
			end := k + max(strings.IndexByte(body[k:], '\\'), 0)
			body = body[:k] + fmt.Sprintf("%08x%08x", run, uint32(i)) + body[min(k+16, end):]
		}
		c.Body = []byte(body)
		out[i] = c
	}
	return out
}

// exchanges and priorities list the corpus' exchanges and priorities,
// each once, in order of appearance.
func exchanges(ns []notification) []string {
	return distinct(ns, func(n notification) string { return n.Exchange })
}

func priorities(ns []notification) []string {
	return distinct(ns, func(n notification) string { return n.Priority })
}

func distinct(ns []notification, key func(notification) string) []string {
	seen := map[string]bool{}
	var out []string
	for _, n := range ns {
		if k := key(n); !seen[k] {
			seen[k] = true
			out = append(out, k)
		}
	}
	return out
}
