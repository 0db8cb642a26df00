package sinks

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// Defaults of the prometheus:// sink. The push ones are Ceilometer's.
const (
	// DefaultPrometheusTimeout bounds one POST to the Pushgateway
	// (Ceilometer's timeout=5).
	DefaultPrometheusTimeout = 5 * time.Second
	// DefaultPrometheusMaxRetries is how many times a POST whose connection
	// could not be established is tried again at once (Ceilometer's
	// max_retries=2).
	DefaultPrometheusMaxRetries = 2
	// DefaultPrometheusMaxSeries caps the series the native exposition keeps;
	// past it the least recently updated one is evicted.
	DefaultPrometheusMaxSeries = 100000
	// DefaultPrometheusMaxAge is how long a series stays exposed without a
	// new sample. Two hours outlive Nova's hourly audit (compute.instance.exists)
	// with one audit to spare.
	DefaultPrometheusMaxAge = 2 * time.Hour
)

// prometheusConfig is a prometheus:// URL, parsed.
type prometheusConfig struct {
	// target is the Pushgateway URL (credentials and sink options removed);
	// nil for an exposition-only sink.
	target     *url.URL
	user, pass string
	hasAuth    bool
	timeout    time.Duration
	maxRetries int
	tls        *tls.Config // nil: use Options.HTTPClient as is
	maxSeries  int
	maxAge     time.Duration
}

// parsePrometheusURL reads a prometheus:// URL as Ceilometer's
// HttpPublisher reads it, with meterflow's two exposition options, and
// fails on values Ceilometer would silently replace by a default.
func parsePrometheusURL(u *url.URL) (*prometheusConfig, error) {
	c := &prometheusConfig{
		timeout:    DefaultPrometheusTimeout,
		maxRetries: DefaultPrometheusMaxRetries,
		maxSeries:  DefaultPrometheusMaxSeries,
		maxAge:     DefaultPrometheusMaxAge,
	}
	bad := func(format string, a ...any) error {
		return fmt.Errorf("%w: %q: %s", ErrInvalidURL, Redact(u.String()), fmt.Sprintf(format, a...))
	}
	if u.Opaque != "" {
		return nil, bad("want prometheus://host:port/metrics/job/<job>")
	}
	q := u.Query()
	// pop returns the last value of a parameter and removes it, as
	// Ceilometer's _get_param does.
	pop := func(name string) (string, bool) {
		v, ok := q[name]
		if !ok {
			return "", false
		}
		delete(q, name)
		return v[len(v)-1], true
	}
	if v, ok := pop("timeout"); ok {
		n, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil || n <= 0 {
			return nil, bad("timeout=%s: want a positive whole number of seconds", v)
		}
		c.timeout = time.Duration(n) * time.Second
	}
	if v, ok := pop("max_retries"); ok {
		n, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil || n < 0 {
			return nil, bad("max_retries=%s: want a whole number >= 0", v)
		}
		c.maxRetries = n
	}
	// Ceilometer's prometheus publisher posts every batch whole whatever
	// batch says, and raw_only concerns events.
	pop("batch")
	pop("raw_only")

	var tlsConf tls.Config
	customTLS := false
	if v, ok := pop("verify_ssl"); ok {
		if b, isBool := promBool(v); isBool {
			tlsConf.InsecureSkipVerify = !b
			customTLS = !b
		} else if v != "" {
			// Not a boolean: a CA bundle, file or directory, as requests takes it.
			pool, err := promLoadCAs(v)
			if err != nil {
				return nil, bad("verify_ssl=%s: %v", v, err)
			}
			tlsConf.RootCAs = pool
			customTLS = true
		}
	}
	cert, hasCert := pop("clientcert")
	key, _ := pop("clientkey")
	if hasCert && cert != "" {
		if key == "" {
			key = cert // the certificate file holds the key too
		}
		pair, err := tls.LoadX509KeyPair(cert, key)
		if err != nil {
			return nil, bad("clientcert=%s: %v", cert, err)
		}
		tlsConf.Certificates = []tls.Certificate{pair}
		customTLS = true
	}
	if customTLS {
		c.tls = &tlsConf
	}
	scheme := "http"
	if v, ok := pop("ssl"); ok {
		// Ceilometer: a boolean, or else any non-empty text means yes.
		if b, isBool := promBool(v); (isBool && b) || (!isBool && v != "") {
			scheme = "https"
		}
	}

	if v, ok := pop("max_series"); ok {
		n, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil || n < 0 {
			return nil, bad("max_series=%s: want a whole number >= 0 (0 turns the exposition off)", v)
		}
		c.maxSeries = n
	}
	if v, ok := pop("max_age"); ok {
		d, err := promSeconds(v)
		if err != nil || d <= 0 {
			return nil, bad("max_age=%s: want seconds or a Go duration such as 90m", v)
		}
		c.maxAge = d
	}

	if u.Host == "" {
		// prometheus:// alone: expose natively, push nowhere.
		if u.Path != "" && u.Path != "/" {
			return nil, bad("a Pushgateway path needs a host: prometheus://host:port%s", u.Path)
		}
		if c.maxSeries == 0 {
			return nil, bad("no host to push to and max_series=0: nothing to do")
		}
		return c, nil
	}
	if u.Hostname() == "" {
		return nil, bad("the hostname of the Pushgateway is required")
	}
	if p := u.Port(); p != "" {
		if n, err := strconv.Atoi(p); err != nil || n < 1 || n > 65535 {
			return nil, bad("port %s out of range", p)
		}
	}
	if err := promCheckGroupingPath(u.EscapedPath()); err != nil {
		return nil, bad("%v", err)
	}
	if u.User != nil {
		c.user = u.User.Username()
		c.pass, _ = u.User.Password()
		c.hasAuth = c.user != ""
	}
	c.target = &url.URL{
		Scheme:   scheme,
		Host:     u.Host,
		Path:     u.Path,
		RawPath:  u.RawPath,
		RawQuery: q.Encode(),
		Fragment: u.Fragment,
	}
	return c, nil
}

// promCheckGroupingPath checks that a path names a Pushgateway group:
// [prefix]/metrics/job/<job>[/<label>/<value>...].
func promCheckGroupingPath(p string) error {
	const marker = "/metrics/job/"
	i := strings.Index(p, marker)
	if i < 0 {
		return fmt.Errorf("path %q: want /metrics/job/<job>", p)
	}
	parts := strings.Split(strings.TrimSuffix(p[i+len(marker):], "/"), "/")
	if parts[0] == "" || parts[0] == "@base64" {
		return fmt.Errorf("path %q: the job is empty", p)
	}
	if len(parts)%2 != 1 {
		return fmt.Errorf("path %q: grouping labels come in /<name>/<value> pairs", p)
	}
	return nil
}

// client returns the HTTP client the sink posts with: base, with the
// URL's timeout instead of base's (each POST carries its own deadline), and
// its own transport when the URL configures TLS. own tells the latter.
func (c *prometheusConfig) client(base *http.Client) (client *http.Client, own bool) {
	cl := *base
	cl.Timeout = 0
	if c.tls == nil {
		return &cl, false
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.TLSClientConfig = c.tls
	cl.Transport = tr
	return &cl, true
}

// promBool is oslo's strutils.bool_from_string(v, strict=True): ok is false
// when v is not one of its words.
func promBool(v string) (b, ok bool) {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "1", "t", "true", "on", "y", "yes":
		return true, true
	case "0", "f", "false", "off", "n", "no":
		return false, true
	}
	return false, false
}

// promSeconds reads whole seconds ("3600") or a Go duration ("1h").
func promSeconds(v string) (time.Duration, error) {
	v = strings.TrimSpace(v)
	if n, err := strconv.Atoi(v); err == nil {
		return time.Duration(n) * time.Second, nil
	}
	return time.ParseDuration(v)
}

// promLoadCAs reads the PEM certificates of a file, or of every file in a
// directory.
func promLoadCAs(path string) (*x509.CertPool, error) {
	files := []string{path}
	if st, err := os.Stat(path); err != nil {
		return nil, err
	} else if st.IsDir() {
		entries, err := os.ReadDir(path)
		if err != nil {
			return nil, err
		}
		files = files[:0]
		for _, e := range entries {
			if e.Type().IsRegular() {
				files = append(files, filepath.Join(path, e.Name()))
			}
		}
	}
	pool := x509.NewCertPool()
	n := 0
	for _, f := range files {
		pem, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		if pool.AppendCertsFromPEM(pem) {
			n++
		}
	}
	if n == 0 {
		return nil, fmt.Errorf("no PEM certificate in %s", path)
	}
	return pool, nil
}
