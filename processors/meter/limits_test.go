package meter

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// A payload's event_type runs through operators' regular expressions:
// one that backtracks catastrophically fails the meter endpoint with a
// clear error after one MatchTimeout, not after one per definition, and
// the built-in endpoints still run.
func TestCatastrophicEventTypePatternFailsTheMeterEndpoint(t *testing.T) {
	var defs strings.Builder
	defs.WriteString("metric:\n")
	for range 50 {
		defs.WriteString("  - {name: m, event_type: '(a+)+$', type: gauge, unit: B, volume: 1, resource_id: r}\n")
	}
	e, errs := loadFiles(t, map[string]string{"meters.yaml": defs.String()})
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	n := notification(t, `{"event_type": "`+strings.Repeat("a", 40)+`!", "publisher_id": "p",
		"payload": {}, "metadata": {"message_id": "m", "timestamp": "2026-11-02 10:01:07"}}`)
	start := time.Now()
	samples, errs := e.Samples(n)
	if len(samples) != 0 || len(errs) != 1 {
		t.Fatalf("%d samples, errors %v; want one error", len(samples), errs)
	}
	var ee *EndpointError
	if !errors.As(errs[0], &ee) || ee.Endpoint != "meter" || !strings.Contains(errs[0].Error(), `meter "m": event_type "(a+)+$": match timeout`) {
		t.Fatalf("error %v, want the meter endpoint's match timeout", errs[0])
	}
	// 50 timeouts would take at least 5 s; one takes about 0.1-0.3 s.
	t.Logf("failed after %v", time.Since(start))
}
