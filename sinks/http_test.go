package sinks

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"meterflow/processors"
	"meterflow/processors/jsonv"
)

// httpRequest is what a test server saw of one POST.
type httpRequest struct {
	Method, URI, ContentType, Authorization, Body string
}

// httpRecorder records requests and answers with status(body).
type httpRecorder struct {
	mu     sync.Mutex
	got    []httpRequest
	status func(body string) int
}

func (h *httpRecorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	h.mu.Lock()
	h.got = append(h.got, httpRequest{r.Method, r.RequestURI, r.Header.Get("Content-Type"), r.Header.Get("Authorization"), string(b)})
	h.mu.Unlock()
	code := http.StatusOK
	if h.status != nil {
		code = h.status(string(b))
	}
	w.WriteHeader(code)
	fmt.Fprintf(w, "status %d\n", code)
}

func (h *httpRecorder) take() []httpRequest {
	h.mu.Lock()
	defer h.mu.Unlock()
	got := h.got
	h.got = nil
	return got
}

func newTestHTTP(t *testing.T, raw string, opts Options) *httpSink {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	s, err := NewHTTP(u, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close(context.Background()) })
	return s.(*httpSink)
}

// httpPublisherPy feeds batches to Ceilometer's HttpPublisher.
const httpPublisherPy = `
import json, sys, types
from oslo_utils import netutils, timeutils
from ceilometer import sample as sample_mod
from ceilometer.event import models
from ceilometer.publisher import http as httppub

spec = json.load(sys.stdin)
p = httppub.HttpPublisher(types.SimpleNamespace(max_parallel_requests=64), netutils.urlsplit(spec['url']))
def dt(v):
    return timeutils.normalize_time(timeutils.parse_isotime(v))
for batch in spec['batches']:
    if spec['kind'] == 'samples':
        p.publish_samples([sample_mod.Sample(**s) for s in batch])
    else:
        p.publish_events([models.Event(e['message_id'], e['event_type'], dt(e['generated']),
            [models.Trait(n, t, dt(v) if t == 4 else v) for n, t, v in e['traits']], e['raw'])
            for e in batch])
`

// TestHTTPPostsWhatCeilometerPosts runs the same batches through the sink
// and through Ceilometer 19's HttpPublisher against one server and wants
// the same requests: method, path and query (options removed, the rest
// re-encoded), Content-Type, basic auth and byte-identical bodies.
func TestHTTPPostsWhatCeilometerPosts(t *testing.T) {
	rec := &httpRecorder{}
	srv := httptest.NewServer(rec)
	defer srv.Close()
	host := strings.TrimPrefix(srv.URL, "http://")
	js, samples := fileTestSamples(t, 9)
	events := fileTestEvents(6)
	for _, tc := range []struct{ name, url, kind string }{
		{"samples", "http://" + host + "/ingest/v1", "samples"},
		{"samples with auth and a query", "http://collector:s3cret@" + host + "/in?b=2&timeout=3&a=x+y&max_retries=1&b=%2F&batch=True&verify_ssl=False&empty=", "samples"},
		{"events", "http://" + host + "/events?raw_only=false", "events"},
		{"events raw_only", "http://" + host + "/events?raw_only=True", "events"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var batches []any
			s := newTestHTTP(t, tc.url, Options{})
			for _, r := range [][2]int{{0, 1}, {1, 4}, {4, 6}} {
				var batch []any
				var err error
				if tc.kind == "samples" {
					err = s.PublishSamples(context.Background(), samples[r[0]:r[1]])
					for _, o := range js[r[0]:r[1]] {
						batch = append(batch, o)
					}
				} else {
					err = s.PublishEvents(context.Background(), events[r[0]:r[1]])
					for i := r[0]; i < r[1]; i++ {
						batch = append(batch, fileEventJSON(&events[i]))
					}
				}
				if err != nil {
					t.Fatal(err)
				}
				batches = append(batches, batch)
			}
			got := rec.take()
			spec := jsonv.NewObject(3)
			spec.Set("url", tc.url)
			spec.Set("kind", tc.kind)
			spec.Set("batches", batches)
			runCeilometerPython(t, httpPublisherPy, jsonv.Marshal(spec))
			want := rec.take()
			if len(want) == 0 {
				t.Fatal("Ceilometer posted nothing")
			}
			if len(got) != len(want) {
				t.Fatalf("%d requests, Ceilometer made %d", len(got), len(want))
			}
			for i := range want {
				if got[i] != want[i] {
					t.Errorf("request %d\n got: %+v\nwant: %+v", i, got[i], want[i])
				}
			}
		})
	}
}

// TestHTTPBatchFalsePostsEachItemAlone: one request per item, each a
// one-element list. (Ceilometer 19 means to, but posts the whole list once
// per item.)
func TestHTTPBatchFalsePostsEachItemAlone(t *testing.T) {
	rec := &httpRecorder{}
	srv := httptest.NewServer(rec)
	defer srv.Close()
	s := newTestHTTP(t, srv.URL+"/?batch=False", Options{})
	_, samples := fileTestSamples(t, 3)
	if err := s.PublishSamples(context.Background(), samples); err != nil {
		t.Fatal(err)
	}
	got := rec.take()
	if len(got) != 3 {
		t.Fatalf("%d requests, want 3", len(got))
	}
	for i, r := range got {
		want := "[" + string(appendPyJSON(nil, sampleAsDict(&samples[i]))) + "]"
		if r.Body != want {
			t.Errorf("request %d: %s\nwant %s", i, r.Body, want)
		}
	}
	if err := s.PublishSamples(context.Background(), nil); err != nil || len(rec.take()) != 0 {
		t.Errorf("an empty batch posted something (err %v)", err)
	}
}

// TestHTTPStatusDecidesRetry: below 400 is delivered, 408, 429 and 5xx are
// retried, any other 4xx is permanent.
func TestHTTPStatusDecidesRetry(t *testing.T) {
	var status atomic.Int32
	rec := &httpRecorder{status: func(string) int { return int(status.Load()) }}
	srv := httptest.NewServer(rec)
	defer srv.Close()
	s := newTestHTTP(t, srv.URL+"/", Options{})
	_, samples := fileTestSamples(t, 2)
	for _, tc := range []struct {
		code      int
		ok, retry bool
	}{
		{200, true, false}, {201, true, false}, {204, true, false}, {302, true, false},
		{400, false, false}, {401, false, false}, {403, false, false}, {404, false, false},
		{409, false, false}, {413, false, false}, {422, false, false},
		{408, false, true}, {429, false, true},
		{500, false, true}, {502, false, true}, {503, false, true},
	} {
		status.Store(int32(tc.code))
		err := s.PublishSamples(context.Background(), samples)
		if n := len(rec.take()); n != 1 {
			t.Errorf("%d: %d requests, want 1 (status codes are not retried in the sink)", tc.code, n)
		}
		switch {
		case tc.ok && err != nil:
			t.Errorf("%d: %v", tc.code, err)
		case !tc.ok && err == nil:
			t.Errorf("%d: no error", tc.code)
		case !tc.ok && processors.IsPermanent(err) == tc.retry:
			t.Errorf("%d: permanent=%v: %v", tc.code, processors.IsPermanent(err), err)
		}
	}
}

// TestHTTPBatchFalseRejectsItems: with batch=False a 4xx rejects one item
// (*RejectedError, indexed in the batch) while a 5xx retries the batch.
func TestHTTPBatchFalseRejectsItems(t *testing.T) {
	rec := &httpRecorder{status: func(body string) int {
		switch {
		case strings.Contains(body, "bad"):
			return http.StatusUnprocessableEntity
		case strings.Contains(body, "down"):
			return http.StatusServiceUnavailable
		}
		return http.StatusOK
	}}
	srv := httptest.NewServer(rec)
	defer srv.Close()
	s := newTestHTTP(t, srv.URL+"/?batch=false", Options{})
	_, samples := fileTestSamples(t, 4)
	samples[1].ID, samples[3].ID = "bad-1", "bad-3"
	err := s.PublishSamples(context.Background(), samples)
	var rej *RejectedError
	if !errors.As(err, &rej) || len(rej.Rejected) != 2 || rej.Rejected[1] == nil || rej.Rejected[3] == nil {
		t.Fatalf("want items 1 and 3 rejected, got %v", err)
	}
	if n := len(rec.take()); n != 4 {
		t.Errorf("%d requests, want 4", n)
	}

	samples[2].ID = "down-2"
	err = s.PublishSamples(context.Background(), samples)
	if err == nil || processors.IsPermanent(err) {
		t.Fatalf("want a retryable error, got %v", err)
	}

	// raw_only: events without a raw payload are skipped, and indexes stay
	// those of the batch.
	s = newTestHTTP(t, srv.URL+"/?batch=false&raw_only=true", Options{})
	events := fileTestEvents(4) // 1 and 3 have a raw payload
	events[3].Raw.(*jsonv.Object).Set("payload", jsonv.NewObject(0))
	p, _ := events[1].Raw.(*jsonv.Object).Get("payload")
	p.(*jsonv.Object).Set("state", "bad")
	rec.take()
	err = s.PublishEvents(context.Background(), events)
	if !errors.As(err, &rej) || len(rej.Rejected) != 1 || rej.Rejected[1] == nil {
		t.Fatalf("want event 1 rejected, got %v", err)
	}
	if got := rec.take(); len(got) != 1 || got[0].Body != `[{"instance_id": "i-1 \u00e9", "state": "bad"}]` {
		t.Errorf("posted %+v", got)
	}
}

// TestHTTPRetriesConnectionsOnly: max_retries re-dials a connection that
// could not be made; a request that reached the server is not repeated.
func TestHTTPRetriesConnectionsOnly(t *testing.T) {
	rec := &httpRecorder{}
	srv := httptest.NewServer(rec)
	defer srv.Close()
	var dials, failures atomic.Int32
	client := &http.Client{Transport: &http.Transport{
		DisableKeepAlives: true,
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			if dials.Add(1) <= failures.Load() {
				return nil, &net.OpError{Op: "dial", Net: network, Err: errors.New("connection refused")}
			}
			return (&net.Dialer{}).DialContext(ctx, network, addr)
		},
	}}
	_, samples := fileTestSamples(t, 1)
	for _, tc := range []struct {
		maxRetries, failures, dials int
		ok                          bool
	}{
		{2, 0, 1, true},
		{2, 2, 3, true},
		{2, 3, 3, false},
		{0, 1, 1, false},
		{5, 4, 5, true},
	} {
		dials.Store(0)
		failures.Store(int32(tc.failures))
		s := newTestHTTP(t, fmt.Sprintf("%s/?max_retries=%d", srv.URL, tc.maxRetries), Options{HTTPClient: client})
		err := s.PublishSamples(context.Background(), samples)
		if (err == nil) != tc.ok || (err != nil && processors.IsPermanent(err)) {
			t.Errorf("%+v: %v", tc, err)
		}
		if int(dials.Load()) != tc.dials {
			t.Errorf("%+v: %d dials", tc, dials.Load())
		}
	}
	rec.take()

	// A real refused connection is retryable.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	s := newTestHTTP(t, "http://"+addr+"/?max_retries=1", Options{})
	if err := s.PublishSamples(context.Background(), samples); err == nil || processors.IsPermanent(err) || !isDialError(err) {
		t.Errorf("refused: want a retryable dial error, got %v", err)
	}
}

// TestHTTPTimeout: a server slower than timeout= fails the attempt,
// retryably.
func TestHTTPTimeout(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	defer close(release)
	s := newTestHTTP(t, srv.URL+"/?timeout=1", Options{})
	_, samples := fileTestSamples(t, 1)
	start := time.Now()
	err := s.PublishSamples(context.Background(), samples)
	if err == nil || processors.IsPermanent(err) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("want a retryable timeout, got %v", err)
	}
	if d := time.Since(start); d < time.Second || d > 3*time.Second {
		t.Errorf("took %v with timeout=1", d)
	}
}

// TestHTTPSVerifySSL: verify_ssl=<CA file> trusts that CA, verify_ssl=False
// trusts anything, and by default the system roots do not know a private
// CA; client certificates come from clientcert/clientkey.
func TestHTTPSVerifySSL(t *testing.T) {
	rec := &httpRecorder{}
	srv := httptest.NewUnstartedServer(rec)
	srv.TLS = &tls.Config{ClientAuth: tls.VerifyClientCertIfGiven}
	srv.StartTLS()
	defer srv.Close()
	dir := t.TempDir()
	caFile := filepath.Join(dir, "ca.pem")
	if err := os.WriteFile(caFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}), 0o644); err != nil {
		t.Fatal(err)
	}
	_, samples := fileTestSamples(t, 2)
	for _, tc := range []struct {
		name, query string
		ok          bool
	}{
		{"CA file", "verify_ssl=" + url.QueryEscape(caFile), true},
		{"CA directory", "verify_ssl=" + url.QueryEscape(dir), true},
		{"False", "verify_ssl=False", true},
		{"0", "verify_ssl=0", true},
		{"default", "", false},
		{"True", "verify_ssl=true", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newTestHTTP(t, srv.URL+"/tls?"+tc.query, Options{})
			err := s.PublishSamples(context.Background(), samples)
			got := rec.take()
			if tc.ok {
				if err != nil || len(got) != 1 || got[0].URI != "/tls" {
					t.Fatalf("err %v, requests %+v", err, got)
				}
				return
			}
			if err == nil || processors.IsPermanent(err) || len(got) != 0 {
				t.Fatalf("want a retryable certificate error, got %v (%d requests)", err, len(got))
			}
		})
	}
}

// TestHTTPSClientCertificate: clientcert and clientkey (or a clientcert
// file holding both) authenticate the sink to the server.
func TestHTTPSClientCertificate(t *testing.T) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "meterflow"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	keyPEM := pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER})
	dir := t.TempDir()
	files := map[string][]byte{"cert.pem": certPEM, "key.pem": keyPEM, "both.pem": append(append([]byte{}, certPEM...), keyPEM...)}
	for name, b := range files {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	var peer []byte
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		peer = r.TLS.PeerCertificates[0].Raw
	}))
	srv.TLS = &tls.Config{ClientAuth: tls.RequireAnyClientCert}
	srv.StartTLS()
	defer srv.Close()
	_, samples := fileTestSamples(t, 1)
	for _, q := range []string{
		"clientcert=" + filepath.Join(dir, "cert.pem") + "&clientkey=" + filepath.Join(dir, "key.pem"),
		"clientcert=" + filepath.Join(dir, "both.pem"),
	} {
		peer = nil
		s := newTestHTTP(t, srv.URL+"/?verify_ssl=False&"+q, Options{})
		if err := s.PublishSamples(context.Background(), samples); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		if !bytes.Equal(peer, der) {
			t.Errorf("%s: the server did not get the client certificate", q)
		}
	}
	s := newTestHTTP(t, srv.URL+"/?verify_ssl=False", Options{})
	if err := s.PublishSamples(context.Background(), samples); err == nil {
		t.Error("the server took a request without a client certificate")
	}
}

func TestHTTPBasicAuth(t *testing.T) {
	var user, pass string
	var ok bool
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		user, pass, ok = r.BasicAuth()
		if r.URL.User != nil || strings.Contains(r.RequestURI, "@") {
			t.Errorf("credentials leaked into the request URI %q", r.RequestURI)
		}
	}))
	defer srv.Close()
	host := strings.TrimPrefix(srv.URL, "http://")
	s := newTestHTTP(t, "http://ceilo%20meter:p%40ss:word@"+host+"/", Options{})
	_, samples := fileTestSamples(t, 1)
	if err := s.PublishSamples(context.Background(), samples); err != nil {
		t.Fatal(err)
	}
	if !ok || user != "ceilo meter" || pass != "p@ss:word" {
		t.Errorf("basic auth %v %q %q", ok, user, pass)
	}
	if strings.Contains(s.target, "p@ss") || strings.Contains(s.target, "ceilo") {
		t.Errorf("target %q keeps the credentials", s.target)
	}
}

func TestHTTPURL(t *testing.T) {
	for _, tc := range []struct {
		raw, target        string
		timeout            time.Duration
		retries            int
		batch, raw_, tlsOn bool
	}{
		{raw: "http://h/", target: "http://h/", timeout: 5 * time.Second, retries: 2, batch: true},
		{raw: "http://u:p@h:8080/a/b?timeout=1&max_retries=0&batch=False&q=foo", target: "http://h:8080/a/b?q=foo", timeout: time.Second, batch: false},
		{raw: "http://h/?batch=yes&raw_only=1", target: "http://h/", timeout: 5 * time.Second, retries: 2, batch: true, raw_: true},
		{raw: "http://h/?batch=xyz", target: "http://h/", timeout: 5 * time.Second, retries: 2, batch: false},
		{raw: "http://h/p?b=2&a=x+y&b=%2F&verify_ssl=&blank=&timeout=7&timeout=9", target: "http://h/p?b=2&b=%2F&a=x+y", timeout: 9 * time.Second, retries: 2, batch: true},
		{raw: "https://h/?verify_ssl=no", target: "https://h/", timeout: 5 * time.Second, retries: 2, batch: true, tlsOn: true},
		{raw: "https://h/?ssl=1&poolsize=3", target: "https://h/?ssl=1&poolsize=3", timeout: 5 * time.Second, retries: 2, batch: true},
	} {
		u, _ := url.Parse(tc.raw)
		sk, err := NewHTTP(u, Options{})
		if err != nil {
			t.Errorf("%s: %v", tc.raw, err)
			continue
		}
		s := sk.(*httpSink)
		if s.target != tc.target || s.timeout != tc.timeout || s.maxRetries != tc.retries || s.batch != tc.batch || s.rawOnly != tc.raw_ || (s.transport != nil) != tc.tlsOn {
			t.Errorf("%s: target %q timeout %v retries %d batch %v raw_only %v own transport %v", tc.raw, s.target, s.timeout, s.maxRetries, s.batch, s.rawOnly, s.transport != nil)
		}
	}
	for _, raw := range []string{
		"http:///path",
		"http://h/?timeout=x",
		"http://h/?timeout=0",
		"http://h/?max_retries=-1",
		"https://h/?verify_ssl=/nonexistent/ca.pem",
		"https://h/?clientcert=/nonexistent/cert.pem",
		"http://h:99999/",
	} {
		u, err := url.Parse(raw)
		if err != nil {
			continue
		}
		if _, err := NewHTTP(u, Options{}); !errors.Is(err, ErrInvalidURL) {
			t.Errorf("%s: want ErrInvalidURL, got %v", raw, err)
		}
	}
}

// TestHTTPEventBody pins Event.serialize() as posted.
func TestHTTPEventBody(t *testing.T) {
	rec := &httpRecorder{}
	srv := httptest.NewServer(rec)
	defer srv.Close()
	s := newTestHTTP(t, srv.URL, Options{})
	if err := s.PublishEvents(context.Background(), fileTestEvents(1)); err != nil {
		t.Fatal(err)
	}
	got := rec.take()
	want := `[{"message_id": "msg-0", "event_type": "compute.instance.create.end", "generated": "2026-11-02T10:01:07.009973", ` +
		`"traits": [["service", 1, "compute 'x' \u00e9"], ["memory_mb", 2, 0], ["disk_gb", 3, 1.5], ["launched_at", 4, "2026-11-02T10:01:00"]], "raw": {}}]`
	if len(got) != 1 || got[0].Body != want {
		t.Fatalf("got %+v\nwant %s", got, want)
	}
	var v any
	if err := json.Unmarshal([]byte(got[0].Body), &v); err != nil {
		t.Fatal(err)
	}
}
