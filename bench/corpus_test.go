package bench

import (
	"encoding/json"
	"regexp"
	"testing"
)

// TestUniqueBodies checks that every cycled copy of the corpus has its own
// message_id and its own oslo _unique_id (Ceilometer's listener ignores a
// _unique_id among the last 16 it acked, so shared ones lost the agent the
// copies of the notifications.sample cases), and that only those change.
func TestUniqueBodies(t *testing.T) {
	corpus, err := loadCorpus("../" + DefaultCorpus)
	if err != nil {
		t.Fatal(err)
	}
	n := 2*len(corpus) + 3
	out := uniqueBodies(corpus, n, "wtest-")
	hex32 := regexp.MustCompile(`^[0-9a-f]{32}$`)
	ids, uniques := map[string]int{}, map[string]int{}
	for i, nt := range out {
		msg, err := osloMessage(nt.Body)
		if err != nil {
			t.Fatalf("copy %d: %v", i, err)
		}
		id, _ := msg["message_id"].(string)
		u, _ := msg["_unique_id"].(string)
		if !hex32.MatchString(u) {
			t.Errorf("copy %d: _unique_id %q is not 32 hex digits", i, u)
		}
		if j, ok := ids[id]; ok {
			t.Errorf("copies %d and %d share message_id %q", j, i, id)
		}
		if j, ok := uniques[u]; ok {
			t.Errorf("copies %d and %d share _unique_id %q", j, i, u)
		}
		ids[id], uniques[u] = i, i
		// everything else is the corpus case's
		orig, err := osloMessage(corpus[i%len(corpus)].Body)
		if err != nil {
			t.Fatal(err)
		}
		if len(orig) != len(msg) {
			t.Errorf("copy %d has %d keys, the corpus case %d", i, len(msg), len(orig))
		}
		for k, v := range orig {
			if k == "message_id" || k == "_unique_id" {
				continue
			}
			a, _ := json.Marshal(v)
			b, _ := json.Marshal(msg[k])
			if string(a) != string(b) {
				t.Errorf("copy %d: %s changed: %s -> %s", i, k, a, b)
			}
		}
	}
	// another run's copies share none of them
	for i, nt := range uniqueBodies(corpus, n, "wother-") {
		msg, _ := osloMessage(nt.Body)
		if _, ok := uniques[msg["_unique_id"].(string)]; ok {
			t.Errorf("copy %d of another tag reuses _unique_id %v", i, msg["_unique_id"])
		}
	}
}

// osloMessage decodes the inner message of an oslo 2.0 envelope.
func osloMessage(body []byte) (map[string]any, error) {
	var env struct {
		Message string `json:"oslo.message"`
	}
	if err := json.Unmarshal(body, &env); err != nil {
		return nil, err
	}
	var msg map[string]any
	err := json.Unmarshal([]byte(env.Message), &msg)
	return msg, err
}
