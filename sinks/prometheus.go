package sinks

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"meterflow/processors"
)

// PrometheusSink is the prometheus:// sink. It pushes samples to a
// Prometheus Pushgateway as Ceilometer 19's prometheus publisher does, and
// keeps the latest value of each series for Prometheus to scrape from
// meterflow directly (Collector, Handler). It takes no events.
//
// URL: prometheus://[user:password@]host[:port][/prefix]/metrics/job/<job>[/<label>/<value>...][?options]
//
// Options, as Ceilometer's http publisher reads them:
//   - timeout: seconds one POST attempt may take. Default: 5.
//   - max_retries: immediate retries of a POST whose connection could not
//     be established. Default: 2.
//   - ssl: post over https. Default: false.
//   - verify_ssl: false skips TLS verification; a path names a CA bundle
//     file or directory. Default: true.
//   - clientcert, clientkey: a client certificate and its key (clientkey
//     only when clientcert lacks it).
//   - batch, raw_only: ignored, as Ceilometer ignores them here: every
//     batch is posted whole.
//
// and meterflow's, for the native exposition:
//   - max_series: series kept; past it the least recently updated is
//     evicted; 0 turns the exposition off. Default: 100000.
//   - max_age: how long a series is exposed after its last sample, in
//     seconds or as a Go duration ("90m"). Default: 2h.
//
// Other query parameters are passed on to the Pushgateway. Without a port
// the Pushgateway is on 80 (443 with ssl), as in Ceilometer. "prometheus://"
// with no host only exposes, pushing nowhere.
//
// The body is Ceilometer's text exposition, byte for byte, wherever the
// Pushgateway accepts Ceilometer's; where it would refuse Ceilometer's
// whole batch meterflow escapes label values, sanitizes names, sends UTF-8,
// keeps only the last of duplicate series and rejects the samples whose
// volume is not a number (see promBody). Content-Type is text/plain, not
// Ceilometer's "plain/text".
//
// Each POST replaces, in the job's group, every metric whose name it
// carries: the Pushgateway holds, per meter, the series of the last batch
// that carried that meter, exactly as with Ceilometer.
type PrometheusSink struct {
	conf   *prometheusConfig
	client *http.Client
	log    *slog.Logger
	series *promSeriesStore // nil when max_series=0
	// ownClient is set when client has its own transport (TLS options).
	ownClient bool
}

// NewPrometheus builds a prometheus:// sink from its URL. It does not
// contact the Pushgateway.
func NewPrometheus(u *url.URL, opts Options) (Sink, error) {
	opts.setDefaults()
	conf, err := parsePrometheusURL(u)
	if err != nil {
		return nil, err
	}
	p := &PrometheusSink{conf: conf, log: opts.Logger}
	p.client, p.ownClient = conf.client(opts.HTTPClient)
	if opts.Name != "" {
		p.log = p.log.With("sink", opts.Name)
	}
	if conf.maxSeries > 0 {
		p.series = newPromSeriesStore(conf.maxSeries, conf.maxAge)
	}
	return p, nil
}

// PublishSamples exposes the samples natively, then posts them to the
// Pushgateway in one request. Samples whose volume is not a number are
// rejected for good (*RejectedError); a 4xx answer other than 408, 425 and
// 429 rejects the batch for good (processors.ErrPermanent); a 5xx answer or
// a network failure is an ordinary error, to retry.
func (p *PrometheusSink) PublishSamples(ctx context.Context, samples []processors.Sample) error {
	if len(samples) == 0 {
		return nil
	}
	if p.series != nil {
		p.series.record(samples)
	}
	body, written, rejected := promBody(samples)
	if p.conf.target != nil && written > 0 {
		if err := p.push(ctx, body); err != nil {
			return err
		}
	}
	if len(rejected) > 0 {
		return &RejectedError{Rejected: rejected}
	}
	return nil
}

// push posts one text exposition, retrying at once when the connection
// cannot be established, as requests' max_retries does.
func (p *PrometheusSink) push(ctx context.Context, body []byte) error {
	target := p.conf.target.String()
	for attempt := 0; ; attempt++ {
		err := p.post(ctx, target, body)
		if err == nil || attempt >= p.conf.maxRetries || !promIsDialError(err) || ctx.Err() != nil {
			return err
		}
		p.log.Debug("prometheus: retrying POST", "target", target, "attempt", attempt+1, "err", err)
	}
}

func (p *PrometheusSink) post(ctx context.Context, target string, body []byte) error {
	ctx, cancel := context.WithTimeout(ctx, p.conf.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, bytes.NewReader(body))
	if err != nil {
		return processors.Permanent(fmt.Errorf("prometheus: %v", err))
	}
	req.Header.Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
	if p.conf.hasAuth {
		req.SetBasicAuth(p.conf.user, p.conf.pass)
	}
	res, err := p.client.Do(req)
	if err != nil {
		return fmt.Errorf("prometheus: %w", err)
	}
	defer res.Body.Close()
	msg, _ := io.ReadAll(io.LimitReader(res.Body, 1024))
	_, _ = io.Copy(io.Discard, io.LimitReader(res.Body, 1<<20)) // reuse the connection
	if res.StatusCode/100 == 2 {
		p.log.Debug("prometheus: pushed", "target", target, "status", res.StatusCode, "bytes", len(body))
		return nil
	}
	err = fmt.Errorf("prometheus: POST %s: %s: %s", target, res.Status, strings.TrimSpace(string(msg)))
	if promPermanentStatus(res.StatusCode) {
		return processors.Permanent(err)
	}
	return err
}

// promPermanentStatus tells the answers a retry cannot change: the client
// errors but for timeouts and rate limits.
func promPermanentStatus(code int) bool {
	switch code {
	case http.StatusRequestTimeout, http.StatusTooEarly, http.StatusTooManyRequests:
		return false
	}
	return code >= 400 && code < 500
}

// promIsDialError tells a connection that could not be established, which
// urllib3 retries for any method.
func promIsDialError(err error) bool {
	var op *net.OpError
	return errors.As(err, &op) && op.Op == "dial"
}

// Collector exposes the latest value of each series for a Prometheus
// registry: metric ceilometer_<meter name, "." as "_">, labels resource_id,
// project_id, user_id, type and unit (a null id is an empty label), no
// timestamp. The collector is unchecked (it describes no metric). Register
// each prometheus:// sink's collector once; with several such sinks, wrap
// each registration (prometheus.WrapRegistererWith) with a label telling
// them apart, or series the sinks share collide. Nil when max_series=0.
func (p *PrometheusSink) Collector() prometheus.Collector {
	if p.series == nil {
		return nil
	}
	return p.series
}

// Handler serves the Collector alone in the text exposition format, for
// mounting at a path of its own. Nil when max_series=0.
func (p *PrometheusSink) Handler() http.Handler {
	if p.series == nil {
		return nil
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(p.series)
	return promhttp.HandlerFor(reg, promhttp.HandlerOpts{ErrorHandling: promhttp.ContinueOnError})
}

// Close releases the sink's own idle connections. Exposed series stay
// until the process ends.
func (p *PrometheusSink) Close(context.Context) error {
	if p.ownClient {
		p.client.CloseIdleConnections()
	}
	return nil
}
