package sinks

import (
	"context"
	"encoding/pem"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"meterflow/internal/golden"
	"meterflow/processors"
)

// newTestPrometheus builds a prometheus:// sink or fails the test.
func newTestPrometheus(t *testing.T, raw string, opts Options) *PrometheusSink {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	s, err := NewPrometheus(u, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close(context.Background()) })
	return s.(*PrometheusSink)
}

// promCapture is a fake Pushgateway answering status and recording requests.
type promCapture struct {
	status int
	n      atomic.Int32
	req    *http.Request
	body   string
}

func (c *promCapture) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	c.n.Add(1)
	b, _ := io.ReadAll(r.Body)
	c.req, c.body = r, string(b)
	w.WriteHeader(c.status)
	io.WriteString(w, "pushed metrics are invalid\n")
}

func TestPrometheusPostsCeilometersRequest(t *testing.T) {
	fake := &promCapture{status: http.StatusOK}
	srv := httptest.NewServer(fake)
	defer srv.Close()
	host := strings.TrimPrefix(srv.URL, "http://")
	p := newTestPrometheus(t, "prometheus://agent:s3cret@"+host+"/metrics/job/ceilometer?timeout=2&foo=bar", Options{})
	err := p.PublishSamples(context.Background(), []processors.Sample{promSample("disk.root.size", "gauge", int64(20), "inst-1", "proj-1")})
	if err != nil {
		t.Fatal(err)
	}
	user, pass, _ := fake.req.BasicAuth()
	if fake.req.Method != http.MethodPost || fake.req.URL.String() != "/metrics/job/ceilometer?foo=bar" || user != "agent" || pass != "s3cret" {
		t.Errorf("got %s %s as %q:%q", fake.req.Method, fake.req.URL, user, pass)
	}
	if want := "# TYPE disk_root_size gauge\ndisk_root_size{resource_id=\"inst-1\", project_id=\"proj-1\"} 20\n"; fake.body != want {
		t.Errorf("body %q, want %q", fake.body, want)
	}
}

func TestPrometheusPostsNothingForAnEmptyBatch(t *testing.T) {
	fake := &promCapture{status: http.StatusOK}
	srv := httptest.NewServer(fake)
	defer srv.Close()
	p := newTestPrometheus(t, "prometheus://"+strings.TrimPrefix(srv.URL, "http://")+"/metrics/job/c", Options{})
	if err := p.PublishSamples(context.Background(), nil); err != nil || fake.n.Load() != 0 {
		t.Fatalf("err %v, %d requests", err, fake.n.Load())
	}
}

func TestPrometheusStatusDecidesRetry(t *testing.T) {
	for _, tc := range []struct {
		status    int
		permanent bool
	}{
		{http.StatusBadRequest, true},
		{http.StatusUnauthorized, true},
		{http.StatusNotFound, true},
		{http.StatusRequestEntityTooLarge, true},
		{http.StatusRequestTimeout, false},
		{http.StatusTooManyRequests, false},
		{http.StatusInternalServerError, false},
		{http.StatusBadGateway, false},
		{http.StatusServiceUnavailable, false},
	} {
		t.Run(http.StatusText(tc.status), func(t *testing.T) {
			fake := &promCapture{status: tc.status}
			srv := httptest.NewServer(fake)
			defer srv.Close()
			p := newTestPrometheus(t, "prometheus://"+strings.TrimPrefix(srv.URL, "http://")+"/metrics/job/c", Options{})
			err := p.PublishSamples(context.Background(), []processors.Sample{promSample("m", "gauge", int64(1), "r", "p")})
			if err == nil || errors.Is(err, processors.ErrPermanent) != tc.permanent {
				t.Fatalf("got %v, want permanent=%v", err, tc.permanent)
			}
			if fake.n.Load() != 1 {
				t.Errorf("%d requests, want 1: only connection failures are retried", fake.n.Load())
			}
			if !strings.Contains(err.Error(), "pushed metrics are invalid") {
				t.Errorf("the error %q lacks the Pushgateway's reason", err)
			}
		})
	}
}

func TestPrometheusRejectsNonNumbersAndPushesTheRest(t *testing.T) {
	fake := &promCapture{status: http.StatusOK}
	srv := httptest.NewServer(fake)
	defer srv.Close()
	p := newTestPrometheus(t, "prometheus://"+strings.TrimPrefix(srv.URL, "http://")+"/metrics/job/c", Options{})
	err := p.PublishSamples(context.Background(), []processors.Sample{
		promSample("m", "gauge", "n/a", "r1", "p"),
		promSample("m", "gauge", int64(1), "r2", "p"),
	})
	var rej *RejectedError
	if !errors.As(err, &rej) || len(rej.Rejected) != 1 || rej.Rejected[0] == nil {
		t.Fatalf("got %v, want sample #0 rejected", err)
	}
	if !strings.Contains(fake.body, `resource_id="r2"`) || strings.Contains(fake.body, `resource_id="r1"`) {
		t.Errorf("pushed %q", fake.body)
	}
}

// promDialCounter is a client whose every connection attempt fails, counted.
func promDialCounter(n *atomic.Int32) *http.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		n.Add(1)
		return nil, &net.OpError{Op: "dial", Net: network, Err: errors.New("connection refused")}
	}
	return &http.Client{Transport: tr}
}

func TestPrometheusRetriesConnectionFailuresMaxRetriesTimes(t *testing.T) {
	for raw, want := range map[string]int32{
		"prometheus://127.0.0.1:9/metrics/job/c":               3,
		"prometheus://127.0.0.1:9/metrics/job/c?max_retries=0": 1,
		"prometheus://127.0.0.1:9/metrics/job/c?max_retries=5": 6,
	} {
		var n atomic.Int32
		p := newTestPrometheus(t, raw, Options{HTTPClient: promDialCounter(&n)})
		err := p.PublishSamples(context.Background(), []processors.Sample{promSample("m", "gauge", int64(1), "r", "p")})
		if err == nil || errors.Is(err, processors.ErrPermanent) {
			t.Errorf("%s: got %v, want a retryable error", raw, err)
		}
		if n.Load() != want {
			t.Errorf("%s: %d attempts, want %d", raw, n.Load(), want)
		}
	}
}

func TestPrometheusVerifiesTLSAsTheURLSays(t *testing.T) {
	fake := &promCapture{status: http.StatusOK}
	srv := httptest.NewTLSServer(fake)
	defer srv.Close()
	host := strings.TrimPrefix(srv.URL, "https://")
	ca := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(ca, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}), 0o600); err != nil {
		t.Fatal(err)
	}
	batch := []processors.Sample{promSample("m", "gauge", int64(1), "r", "p")}
	for _, tc := range []struct {
		query string
		ok    bool
	}{
		{"ssl=true", false}, // unknown authority
		{"ssl=true&verify_ssl=False", true},
		{"ssl=true&verify_ssl=" + url.QueryEscape(ca), true},
	} {
		p := newTestPrometheus(t, "prometheus://"+host+"/metrics/job/c?"+tc.query, Options{})
		err := p.PublishSamples(context.Background(), batch)
		if (err == nil) != tc.ok || errors.Is(err, processors.ErrPermanent) {
			t.Errorf("%s: got %v, want ok=%v", tc.query, err, tc.ok)
		}
	}
}

func TestPrometheusExpositionOnly(t *testing.T) {
	p := newTestPrometheus(t, "prometheus://", Options{})
	err := p.PublishSamples(context.Background(), []processors.Sample{promSample("m", "gauge", int64(1), "r", "p")})
	if err != nil {
		t.Fatal(err)
	}
	promExpect(t, promGather(t, p.Collector()), "ceilometer_m{project_id=p,resource_id=r,type=gauge,unit=B,user_id=u} 1 gauge")
}

func TestPrometheusExpositionOff(t *testing.T) {
	p := newTestPrometheus(t, "prometheus://pgw/metrics/job/c?max_series=0", Options{})
	if p.Collector() != nil || p.Handler() != nil {
		t.Fatal("max_series=0 still exposes")
	}
}

// promCorpus returns the samples Ceilometer 19 made from the golden corpus,
// one batch per notification.
func promCorpus(t *testing.T) [][]processors.Sample {
	t.Helper()
	cases, err := golden.ReadCases(filepath.Join("..", "testdata", "ceilometer-19-shipped.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	var batches [][]processors.Sample
	for _, c := range cases {
		batch, err := golden.SamplesFromDicts(c.Samples)
		if err != nil {
			t.Fatalf("%s: %v", c.Name, err)
		}
		if len(batch) > 0 {
			batches = append(batches, batch)
		}
	}
	if len(batches) == 0 {
		t.Fatal("no samples in the corpus")
	}
	return batches
}
