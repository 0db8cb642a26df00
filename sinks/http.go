package sinks

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"meterflow/processors"
	"meterflow/processors/jsonv"
	"meterflow/processors/py"
)

// NewHTTP builds the http:// and https:// sink, Ceilometer's HttpPublisher:
//
//	https://user:pass@collector:8443/ingest?timeout=5&max_retries=2&batch=False&verify_ssl=/etc/ssl/ca.pem&q=x
//
// A batch is POSTed as one JSON list (Content-Type: application/json),
// written as Python's json.dumps writes it: samples as Sample.as_dict()
// ({"name", "type", "unit", "volume", ..., "id", "monotonic_time"}), events
// as Event.serialize() ({"message_id", "event_type", "generated", "traits":
// [[name, dtype, value]], "raw"}). Neither is signed: Ceilometer's http
// publisher sends no message_signature. Options, removed from the URL
// before it is used, the rest of the query being kept:
//
//   - timeout: seconds per attempt. Default: 5.
//   - max_retries: how many times a connection that could not be
//     established is retried at once (the request never left, so this
//     cannot duplicate). Default: 2.
//   - batch: False posts one request per item, each a one-element list.
//     Default: True.
//   - raw_only: for events, post the payload of the stored raw
//     notification instead, skipping events without one. Default: False.
//   - verify_ssl: False to skip certificate verification, or the path of a
//     CA bundle file (or of a directory of PEM files). Default: True.
//   - clientcert, clientkey: a client certificate and its key (the key may
//     be in the certificate file).
//
// Basic authentication comes from the URL's user and password.
//
// Errors: a status below 400 is success; 408, 429 and 5xx, timeouts and
// connection errors are retryable; any other 4xx rejects the batch for good
// (with batch=False, a *RejectedError names the items rejected).
func NewHTTP(u *url.URL, opts Options) (Sink, error) {
	opts.setDefaults()
	bad := func(format string, a ...any) error {
		return fmt.Errorf("%w: %q: %s", ErrInvalidURL, Redact(u.String()), fmt.Sprintf(format, a...))
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, bad("scheme must be http or https")
	}
	if u.Hostname() == "" {
		return nil, bad("the http publisher needs a host")
	}
	if p := u.Port(); p != "" {
		if n, err := strconv.Atoi(p); err != nil || n > 65535 {
			return nil, bad("port out of range 0-65535")
		}
	}
	// timeout= bounds each attempt; the client's own Timeout would cut a
	// longer one short.
	client := *opts.HTTPClient
	client.Timeout = 0
	s := &httpSink{
		timeout:    5 * time.Second,
		maxRetries: 2,
		batch:      true,
		client:     &client,
		log:        opts.Logger.With("sink", opts.Name),
	}
	q := parsePyQuery(u.RawQuery)
	intParam := func(name string, dst *int, min int) error {
		v, ok := q.pop(name)
		if !ok {
			return nil
		}
		n, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil || n < min {
			return bad("%s must be an integer >= %d, not %q", name, min, v)
		}
		*dst = n
		return nil
	}
	timeout := 5
	if err := intParam("timeout", &timeout, 1); err != nil {
		return nil, err
	}
	s.timeout = time.Duration(timeout) * time.Second
	if err := intParam("max_retries", &s.maxRetries, 0); err != nil {
		return nil, err
	}
	if v, ok := q.pop("batch"); ok {
		s.batch = strutilsBool(v)
	}
	verify, caPath := true, ""
	if v, ok := q.pop("verify_ssl"); ok {
		if b, ok := strutilsBoolStrict(v); ok {
			verify = b
		} else {
			caPath = v
		}
	}
	certFile, _ := q.pop("clientcert")
	keyFile, _ := q.pop("clientkey")
	if v, ok := q.pop("raw_only"); ok {
		s.rawOnly = strutilsBool(v)
	}
	if u.User != nil {
		s.user = u.User.Username()
		s.pass, _ = u.User.Password()
		s.auth = s.user != ""
	}
	target := url.URL{Scheme: u.Scheme, Host: u.Host, Path: u.Path, RawPath: u.RawPath, RawQuery: q.encode()}
	s.target = target.String()

	if !verify || caPath != "" || certFile != "" {
		cfg := &tls.Config{InsecureSkipVerify: !verify}
		if caPath != "" {
			pool, err := loadCAs(caPath)
			if err != nil {
				return nil, bad("verify_ssl: %v", err)
			}
			cfg.RootCAs = pool
		}
		if certFile != "" {
			if keyFile == "" {
				keyFile = certFile
			}
			cert, err := tls.LoadX509KeyPair(certFile, keyFile)
			if err != nil {
				return nil, bad("clientcert: %v", err)
			}
			cfg.Certificates = []tls.Certificate{cert}
		}
		base, ok := opts.HTTPClient.Transport.(*http.Transport)
		if !ok {
			base = http.DefaultTransport.(*http.Transport)
		}
		s.transport = base.Clone()
		s.transport.TLSClientConfig = cfg
		s.transport.MaxIdleConnsPerHost = 64 // Ceilometer's max_parallel_requests
		s.client.Transport = s.transport
	}
	return s, nil
}

type httpSink struct {
	target     string
	user, pass string
	auth       bool
	timeout    time.Duration
	maxRetries int
	batch      bool
	rawOnly    bool
	client     *http.Client
	transport  *http.Transport // owned, when the URL configures TLS
	log        *slog.Logger
}

// PublishSamples posts the samples' as_dict().
func (s *httpSink) PublishSamples(ctx context.Context, samples []processors.Sample) error {
	items := make([][]byte, len(samples))
	for i := range samples {
		items[i] = appendPyJSON(nil, sampleAsDict(&samples[i]))
	}
	return s.post(ctx, items, nil)
}

// PublishEvents posts the events' serialize(), or with raw_only the
// payloads of their raw notifications.
func (s *httpSink) PublishEvents(ctx context.Context, events []processors.Event) error {
	items := make([][]byte, 0, len(events))
	var index []int
	for i := range events {
		e := &events[i]
		if !s.rawOnly {
			items = append(items, appendPyJSON(nil, eventSerialize(e)))
			continue
		}
		raw, _ := e.Raw.(*jsonv.Object)
		payload, _ := raw.Get("payload")
		if py.Truthy(payload) {
			items = append(items, appendPyJSON(nil, payload))
			index = append(index, i)
		}
	}
	return s.post(ctx, items, index)
}

// Close releases idle connections.
func (s *httpSink) Close(context.Context) error {
	if s.transport != nil {
		s.transport.CloseIdleConnections()
	}
	return nil
}

// post sends items as one list, or one request per item. index maps an
// item to its position in the batch (nil: the same).
func (s *httpSink) post(ctx context.Context, items [][]byte, index []int) error {
	if len(items) == 0 {
		return nil
	}
	if s.batch {
		return s.do(ctx, jsonList(items))
	}
	var rejected map[int]error
	for i := range items {
		err := s.do(ctx, jsonList(items[i:i+1]))
		if err == nil {
			continue
		}
		if !errors.Is(err, processors.ErrPermanent) {
			return err
		}
		if rejected == nil {
			rejected = map[int]error{}
		}
		if index != nil {
			i = index[i]
		}
		rejected[i] = err
	}
	if rejected != nil {
		return &RejectedError{Rejected: rejected}
	}
	return nil
}

func jsonList(items [][]byte) []byte {
	n := 2
	for _, it := range items {
		n += len(it) + 2
	}
	b := make([]byte, 0, n)
	b = append(b, '[')
	for i, it := range items {
		if i > 0 {
			b = append(b, ", "...)
		}
		b = append(b, it...)
	}
	return append(b, ']')
}

// do posts body, retrying at once when no connection could be made, as
// requests' HTTPAdapter(max_retries=N) does for a POST.
func (s *httpSink) do(ctx context.Context, body []byte) error {
	for attempt := 0; ; attempt++ {
		err := s.once(ctx, body)
		if err == nil || attempt >= s.maxRetries || ctx.Err() != nil || !isDialError(err) {
			return err
		}
		s.log.Debug("http sink: retrying connection", "attempt", attempt+1, "err", err)
	}
}

func (s *httpSink) once(ctx context.Context, body []byte) error {
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.target, bytes.NewReader(body))
	if err != nil {
		return processors.Permanent(fmt.Errorf("http sink: %w", err))
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "meterflow")
	if s.auth {
		req.SetBasicAuth(s.user, s.pass)
	}
	resp, err := s.client.Do(req)
	if err != nil {
		return fmt.Errorf("http sink: %w", err)
	}
	defer resp.Body.Close()
	snippet, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10)) // keep the connection
	code := resp.StatusCode
	if code < 400 {
		return nil
	}
	err = fmt.Errorf("http sink: POST %s: %s: %s", s.target, resp.Status, bytes.TrimSpace(snippet))
	if code == http.StatusRequestTimeout || code == http.StatusTooManyRequests || code >= 500 {
		return err
	}
	return processors.Permanent(err)
}

// isDialError reports whether err is a failure to establish the
// connection, before anything was sent.
func isDialError(err error) bool {
	var op *net.OpError
	return errors.As(err, &op) && (op.Op == "dial" || op.Op == "proxyconnect")
}

// eventSerialize is Ceilometer's Event.serialize(): traits as [name, dtype,
// value] triples, datetimes as isoformat() strings.
func eventSerialize(e *processors.Event) *jsonv.Object {
	d := jsonv.NewObject(5)
	d.Set("message_id", e.MessageID)
	d.Set("event_type", e.EventType)
	d.Set("generated", e.Generated)
	traits := make([]any, len(e.Traits))
	for i, t := range e.Traits {
		traits[i] = []any{t.Name, int64(t.Type), t.Value}
	}
	d.Set("traits", traits)
	d.Set("raw", emptyIfNil(e.Raw))
	return d
}

// loadCAs reads a PEM bundle, or every PEM file of a directory.
func loadCAs(path string) (*x509.CertPool, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	files := []string{path}
	if fi.IsDir() {
		entries, err := os.ReadDir(path)
		if err != nil {
			return nil, err
		}
		files = files[:0]
		for _, e := range entries {
			if !e.IsDir() {
				files = append(files, filepath.Join(path, e.Name()))
			}
		}
	}
	pool := x509.NewCertPool()
	found := false
	for _, f := range files {
		pem, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		found = pool.AppendCertsFromPEM(pem) || found
	}
	if !found {
		return nil, fmt.Errorf("no PEM certificate in %s", path)
	}
	return pool, nil
}

// pyQuery is a query string as urllib.parse.parse_qs reads it (blank values
// dropped, keys in order of first appearance), so that what is left after
// the options are popped is re-encoded as urlencode(params, doseq=True)
// writes it.
type pyQuery struct {
	keys []string
	vals map[string][]string
}

func parsePyQuery(raw string) pyQuery {
	q := pyQuery{vals: map[string][]string{}}
	for _, pair := range strings.Split(raw, "&") {
		k, v, ok := strings.Cut(pair, "=")
		if !ok || v == "" {
			continue
		}
		k, v = pyUnquotePlus(k), pyUnquotePlus(v)
		if _, seen := q.vals[k]; !seen {
			q.keys = append(q.keys, k)
		}
		q.vals[k] = append(q.vals[k], v)
	}
	return q
}

func pyUnquotePlus(s string) string {
	if u, err := url.QueryUnescape(s); err == nil {
		return u
	}
	return strings.ReplaceAll(s, "+", " ")
}

// pop removes name and returns its last value, as Ceilometer's _get_param.
func (q *pyQuery) pop(name string) (string, bool) {
	v, ok := q.vals[name]
	if !ok {
		return "", false
	}
	delete(q.vals, name)
	return v[len(v)-1], true
}

func (q *pyQuery) encode() string {
	var b strings.Builder
	for _, k := range q.keys {
		for _, v := range q.vals[k] {
			if b.Len() > 0 {
				b.WriteByte('&')
			}
			b.WriteString(url.QueryEscape(k))
			b.WriteByte('=')
			b.WriteString(url.QueryEscape(v))
		}
	}
	return b.String()
}
