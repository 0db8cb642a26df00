package sinks

import (
	"errors"
	"net/url"
	"strings"
	"testing"
	"time"
)

func TestPrometheusURL(t *testing.T) {
	for _, tc := range []struct {
		name, url  string
		target     string // "" for an exposition-only sink
		timeout    time.Duration
		retries    int
		user, pass string
		insecure   bool
		maxSeries  int
		maxAge     time.Duration
	}{
		{name: "defaults are Ceilometer's", url: "prometheus://pgw:9091/metrics/job/ceilometer",
			target: "http://pgw:9091/metrics/job/ceilometer", timeout: 5 * time.Second, retries: 2},
		{name: "no port means the scheme's", url: "prometheus://mypushgateway/metrics/job/ceilometer",
			target: "http://mypushgateway/metrics/job/ceilometer", timeout: 5 * time.Second, retries: 2},
		{name: "sink options are removed, others passed on", url: "prometheus://pgw:9091/metrics/job/c?timeout=1&foo=bar&max_retries=0&batch=False&raw_only=true",
			target: "http://pgw:9091/metrics/job/c?foo=bar", timeout: time.Second, retries: 0},
		{name: "the last of repeated options wins", url: "prometheus://pgw/metrics/job/c?timeout=1&timeout=7",
			target: "http://pgw/metrics/job/c", timeout: 7 * time.Second, retries: 2},
		{name: "credentials become basic auth", url: "prometheus://u:p%40ss@pgw:9091/metrics/job/c",
			target: "http://pgw:9091/metrics/job/c", timeout: 5 * time.Second, retries: 2, user: "u", pass: "p@ss"},
		{name: "ssl=true posts over https", url: "prometheus://pgw/metrics/job/c?ssl=true",
			target: "https://pgw/metrics/job/c", timeout: 5 * time.Second, retries: 2},
		{name: "ssl=no posts over http", url: "prometheus://pgw/metrics/job/c?ssl=no",
			target: "http://pgw/metrics/job/c", timeout: 5 * time.Second, retries: 2},
		{name: "ssl=any other text means https, as in Ceilometer", url: "prometheus://pgw/metrics/job/c?ssl=please",
			target: "https://pgw/metrics/job/c", timeout: 5 * time.Second, retries: 2},
		{name: "verify_ssl=False skips verification", url: "prometheus://pgw/metrics/job/c?ssl=1&verify_ssl=False",
			target: "https://pgw/metrics/job/c", timeout: 5 * time.Second, retries: 2, insecure: true},
		{name: "grouping labels and a proxy prefix", url: "prometheus://pgw/gw/metrics/job/c/instance/agent-1",
			target: "http://pgw/gw/metrics/job/c/instance/agent-1", timeout: 5 * time.Second, retries: 2},
		{name: "exposition options", url: "prometheus://pgw/metrics/job/c?max_series=10&max_age=90m",
			target: "http://pgw/metrics/job/c", timeout: 5 * time.Second, retries: 2, maxSeries: 10, maxAge: 90 * time.Minute},
		{name: "max_age in seconds", url: "prometheus://pgw/metrics/job/c?max_age=600",
			target: "http://pgw/metrics/job/c", timeout: 5 * time.Second, retries: 2, maxAge: 10 * time.Minute},
		{name: "no host only exposes", url: "prometheus://",
			timeout: 5 * time.Second, retries: 2},
		{name: "no host only exposes, with options", url: "prometheus:///?max_series=5",
			timeout: 5 * time.Second, retries: 2, maxSeries: 5},
	} {
		t.Run(tc.name, func(t *testing.T) {
			u, err := url.Parse(tc.url)
			if err != nil {
				t.Fatal(err)
			}
			c, err := parsePrometheusURL(u)
			if err != nil {
				t.Fatal(err)
			}
			target := ""
			if c.target != nil {
				target = c.target.String()
			}
			if tc.maxSeries == 0 {
				tc.maxSeries = DefaultPrometheusMaxSeries
			}
			if tc.maxAge == 0 {
				tc.maxAge = DefaultPrometheusMaxAge
			}
			insecure := c.tls != nil && c.tls.InsecureSkipVerify
			if target != tc.target || c.timeout != tc.timeout || c.maxRetries != tc.retries ||
				c.user != tc.user || c.pass != tc.pass || c.hasAuth != (tc.user != "") || insecure != tc.insecure ||
				c.maxSeries != tc.maxSeries || c.maxAge != tc.maxAge {
				t.Errorf("got target %q timeout %v retries %d user %q pass %q insecure %v max_series %d max_age %v",
					target, c.timeout, c.maxRetries, c.user, c.pass, insecure, c.maxSeries, c.maxAge)
			}
		})
	}
}

func TestPrometheusURLRejects(t *testing.T) {
	for name, raw := range map[string]string{
		// Ceilometer would silently use its default for these.
		"timeout not a whole number": "prometheus://pgw/metrics/job/c?timeout=2.5",
		"timeout zero":               "prometheus://pgw/metrics/job/c?timeout=0",
		"max_retries negative":       "prometheus://pgw/metrics/job/c?max_retries=-1",
		"max_series not a number":    "prometheus://pgw/metrics/job/c?max_series=lots",
		"max_age not a duration":     "prometheus://pgw/metrics/job/c?max_age=soon",
		"port out of range":          "prometheus://pgw:99999/metrics/job/c",
		"no job path":                "prometheus://pgw:9091/",
		"empty job":                  "prometheus://pgw:9091/metrics/job/",
		"odd grouping labels":        "prometheus://pgw:9091/metrics/job/c/instance",
		"missing CA bundle":          "prometheus://pgw/metrics/job/c?verify_ssl=/nonexistent/ca.pem",
		"missing client certificate": "prometheus://pgw/metrics/job/c?clientcert=/nonexistent/cert.pem",
		"path without host":          "prometheus:///metrics/job/c",
		"nothing to do":              "prometheus://?max_series=0",
	} {
		t.Run(name, func(t *testing.T) {
			u, err := url.Parse(raw)
			if err != nil {
				t.Fatal(err)
			}
			_, err = NewPrometheus(u, Options{})
			if !errors.Is(err, ErrInvalidURL) {
				t.Fatalf("got %v, want ErrInvalidURL", err)
			}
		})
	}
}

func TestPrometheusURLErrorsHidePasswords(t *testing.T) {
	u, _ := url.Parse("prometheus://u:secret@pgw/metrics/job/c?timeout=x")
	_, err := NewPrometheus(u, Options{})
	if err == nil || strings.Contains(err.Error(), "secret") {
		t.Fatalf("got %v", err)
	}
}
