package processors

import (
	"errors"
	"strconv"
	"strings"
	"testing"
)

// A payload nested far beyond jsonv.MaxDepth, in the envelope or in the
// JSON string oslo.message holds, is a malformed notification rather than
// a deep recursion.
func TestDeeplyNestedBodiesAreMalformed(t *testing.T) {
	deep := strings.Repeat(`{"a":[`, 100000)
	inner := `{"event_type": "x", "payload": ` + deep + `}`
	for name, body := range map[string]string{
		"plain":    `{"event_type": "x", "payload": ` + deep + `}`,
		"envelope": `{"oslo.version": "2.0", "oslo.message": ` + strconv.Quote(inner) + `}`,
	} {
		_, err := Decode([]byte(body))
		if !errors.Is(err, ErrMalformed) || !strings.Contains(err.Error(), "maximum nesting depth exceeded") {
			t.Errorf("%s: %v, want ErrMalformed for the nesting depth", name, err)
		}
	}
}
