package sinks

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"meterflow/internal/golden"
	"meterflow/processors"
	"meterflow/processors/jsonv"
)

// promReference runs Ceilometer 19's PrometheusPublisher (Debian's
// python3-ceilometer): it publishes each batch of sample dicts to the URL,
// then reports how it reads each of the URLs.
const promReference = `
import json, sys, types
from oslo_utils import netutils
from ceilometer import sample
from ceilometer.publisher import prometheus

conf = types.SimpleNamespace(max_parallel_requests=64)
req = json.load(sys.stdin)
pub = prometheus.PrometheusPublisher(conf, netutils.urlsplit(req['url']))
for batch in req['batches']:
    pub.publish_samples([sample.Sample(
        name=d['name'], type=d['type'], unit=d['unit'], volume=d['volume'],
        user_id=d['user_id'], project_id=d['project_id'],
        resource_id=d['resource_id'], timestamp=d['timestamp'],
        resource_metadata=d['resource_metadata'], source=d['source'])
        for d in batch])
urls = []
for u in req['urls']:
    p = prometheus.PrometheusPublisher(conf, netutils.urlsplit(u))
    urls.append({'target': p.target, 'timeout': p.timeout,
                 'max_retries': p.max_retries, 'verify_ssl': p.verify_ssl,
                 'auth': list(p.client_auth) if p.client_auth else None})
json.dump(urls, sys.stdout)
`

// promRecorder records the requests a fake Pushgateway receives.
type promRecorder struct {
	mu     sync.Mutex
	bodies []string
	paths  []string
}

func (r *promRecorder) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	b, _ := io.ReadAll(req.Body)
	r.mu.Lock()
	r.bodies = append(r.bodies, string(b))
	r.paths = append(r.paths, req.Method+" "+req.URL.String())
	r.mu.Unlock()
}

// TestPrometheusDifferential posts the corpus' samples, one batch per
// notification, through Ceilometer's publisher and through the sink, and
// compares the requests byte for byte; it compares how both read URLs.
func TestPrometheusDifferential(t *testing.T) {
	if os.Getenv("METERFLOW_DIFFERENTIAL") == "" {
		t.Skip("set METERFLOW_DIFFERENTIAL=1 to compare with Ceilometer (needs python3-ceilometer)")
	}
	batches := promCorpus(t)
	// Formatting corners the corpus lacks.
	batches = append(batches, []processors.Sample{
		{Name: "a.float", Type: "gauge", Unit: "B", Volume: 1e16, ResourceID: int64(7), ProjectID: 1.5, UserID: nil},
		{Name: "a.float", Type: "gauge", Unit: "B", Volume: 1e-5, ResourceID: "r2", ProjectID: "p"},
		{Name: "a.float", Type: "gauge", Unit: "B", Volume: 123456789.125, ResourceID: "r3", ProjectID: "p"},
		{Name: "a.float", Type: "gauge", Unit: "B", Volume: 0.1, ResourceID: "r4", ProjectID: true},
		{Name: "b.delta", Type: "delta", Unit: "B", Volume: int64(-3), ResourceID: "é-ü", ProjectID: "p"},
		{Name: "c.cumulative", Type: "cumulative", Unit: "ns", Volume: int64(1) << 62, ResourceID: "r", ProjectID: "p"},
	})

	dicts := make([][]any, len(batches))
	for i, b := range batches {
		for j := range b {
			dicts[i] = append(dicts[i], golden.SampleDict(&b[j]))
		}
	}

	ceilo, ours := &promRecorder{}, &promRecorder{}
	ceiloSrv, oursSrv := httptest.NewServer(ceilo), httptest.NewServer(ours)
	defer ceiloSrv.Close()
	defer oursSrv.Close()

	urls := []string{
		"prometheus://pgw:9091/metrics/job/ceilometer",
		"prometheus://mypushgateway/metrics/job/ceilometer",
		"prometheus://pgw:9091/metrics/job/c?timeout=1&foo=bar&max_retries=0&batch=False&raw_only=true",
		"prometheus://pgw/metrics/job/c?timeout=1&timeout=7",
		"prometheus://u:pass@pgw:9091/metrics/job/c",
		"prometheus://pgw/metrics/job/c?ssl=true",
		"prometheus://pgw/metrics/job/c?ssl=no",
		"prometheus://pgw/metrics/job/c?ssl=please",
		"prometheus://pgw/metrics/job/c?ssl=1&verify_ssl=False",
		"prometheus://pgw/metrics/job/c?verify_ssl=",
		"prometheus://pgw/gw/metrics/job/c/instance/agent-1",
	}
	in := map[string]any{"url": "prometheus://" + strings.TrimPrefix(ceiloSrv.URL, "http://") + "/metrics/job/diff?foo=bar", "batches": dicts, "urls": urls}
	cmd := exec.Command("/usr/bin/python3", "-c", promReference)
	cmd.Stdin = bytes.NewReader(jsonv.Marshal(promJSONV(in)))
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("Ceilometer's publisher: %v\n%s", err, stderr.String())
	}

	p := newTestPrometheus(t, "prometheus://"+strings.TrimPrefix(oursSrv.URL, "http://")+"/metrics/job/diff?foo=bar", Options{})
	for _, b := range batches {
		if err := p.PublishSamples(context.Background(), b); err != nil {
			t.Fatal(err)
		}
	}
	if len(ceilo.bodies) != len(batches) || len(ours.bodies) != len(batches) {
		t.Fatalf("%d batches: Ceilometer posted %d, meterflow %d", len(batches), len(ceilo.bodies), len(ours.bodies))
	}
	same, reencoded := 0, 0
	for i := range batches {
		if ceilo.paths[i] != ours.paths[i] {
			t.Errorf("batch %d: Ceilometer %s, meterflow %s", i, ceilo.paths[i], ours.paths[i])
		}
		if !utf8.ValidString(ceilo.bodies[i]) {
			// requests sends a str body as Latin-1: Ceilometer's non-ASCII
			// ids arrive as invalid UTF-8, which the Pushgateway refuses.
			// meterflow sends UTF-8.
			latin1 := []rune{}
			for _, b := range []byte(ceilo.bodies[i]) {
				latin1 = append(latin1, rune(b))
			}
			ceilo.bodies[i] = string(latin1)
			reencoded++
		}
		if ceilo.bodies[i] != ours.bodies[i] {
			t.Errorf("batch %d:\nCeilometer:\n%s\nmeterflow:\n%s", i, ceilo.bodies[i], ours.bodies[i])
			continue
		}
		same++
	}
	t.Logf("%d of %d batches posted byte for byte as Ceilometer does (%d once Ceilometer's Latin-1 is read as such)", same, len(batches), reencoded)

	var ref []struct {
		Target     string   `json:"target"`
		Timeout    int      `json:"timeout"`
		MaxRetries int      `json:"max_retries"`
		VerifySSL  any      `json:"verify_ssl"`
		Auth       []string `json:"auth"`
	}
	if err := json.Unmarshal(out, &ref); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	for i, raw := range urls {
		u, _ := url.Parse(raw)
		c, err := parsePrometheusURL(u)
		if err != nil {
			t.Errorf("%s: %v", raw, err)
			continue
		}
		want := ref[i]
		wt, _ := url.Parse(want.Target)
		// Python keeps the query's order, Go sorts it: compare the values.
		sameTarget := wt.Scheme == c.target.Scheme && wt.Host == c.target.Host && wt.Path == c.target.Path &&
			wt.Query().Encode() == c.target.Query().Encode()
		verify := c.tls == nil || !c.tls.InsecureSkipVerify
		var auth []string
		if c.hasAuth {
			auth = []string{c.user, c.pass}
		}
		if !sameTarget || time.Duration(want.Timeout)*time.Second != c.timeout || want.MaxRetries != c.maxRetries ||
			want.VerifySSL != verify || strings.Join(want.Auth, ":") != strings.Join(auth, ":") {
			t.Errorf("%s:\nCeilometer %+v\nmeterflow  target %s timeout %v retries %d verify %v auth %v",
				raw, want, c.target, c.timeout, c.maxRetries, verify, auth)
		}
	}
}

// promJSONV converts Go maps and slices to jsonv values for jsonv.Marshal.
func promJSONV(v any) any {
	switch v := v.(type) {
	case map[string]any:
		o := jsonv.NewObject(len(v))
		for k, e := range v {
			o.Set(k, promJSONV(e))
		}
		return o
	case []string:
		out := make([]any, len(v))
		for i, e := range v {
			out[i] = e
		}
		return out
	case [][]any:
		out := make([]any, len(v))
		for i, e := range v {
			out[i] = e
		}
		return out
	}
	return v
}
