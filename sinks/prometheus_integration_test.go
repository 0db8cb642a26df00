package sinks

// Tests against Debian's prometheus-pushgateway and prometheus, started as
// child processes on loopback. They fail, never skip, without the binaries.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"meterflow/internal/testenv"
	"meterflow/processors"
)

// startPushgateway runs prometheus-pushgateway and returns its address.
func startPushgateway(t *testing.T) string {
	addr := testenv.FreeAddr(t)
	testenv.StartReady(t, "prometheus-pushgateway", "prometheus-pushgateway", addr,
		"--web.listen-address="+addr,
		"--persistence.file="+filepath.Join(t.TempDir(), "pushgateway.data"),
		"--log.level=warn")
	return addr
}

// pushgatewayMetrics reads the Pushgateway's /metrics.
func pushgatewayMetrics(t *testing.T, addr string) map[string]*dto.MetricFamily {
	t.Helper()
	res, err := http.Get("http://" + addr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	p := expfmt.NewTextParser(model.LegacyValidation)
	mfs, err := p.TextToMetricFamilies(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return mfs
}

func promDTOValue(mf *dto.MetricFamily, m *dto.Metric) float64 {
	switch mf.GetType() {
	case dto.MetricType_COUNTER:
		return m.GetCounter().GetValue()
	case dto.MetricType_GAUGE:
		return m.GetGauge().GetValue()
	}
	return m.GetUntyped().GetValue()
}

func promDTOLabels(m *dto.Metric) map[string]string {
	out := map[string]string{}
	for _, l := range m.GetLabel() {
		out[l.GetName()] = l.GetValue()
	}
	return out
}

func promSameFloat(a, b float64) bool {
	return a == b || (math.IsNaN(a) && math.IsNaN(b)) || math.Abs(a-b) <= 1e-12*math.Max(math.Abs(a), math.Abs(b))
}

// promPushed is what the Pushgateway should hold after one batch: per
// metric name its type and, per resource_id/project_id, the last value.
type promPushed struct {
	types  map[string]dto.MetricType
	values map[[3]string]float64
}

func promExpectPushed(batch []processors.Sample) promPushed {
	want := promPushed{types: map[string]dto.MetricType{}, values: map[[3]string]float64{}}
	for _, s := range batch {
		n := strings.ReplaceAll(s.Name, ".", "_")
		if _, seen := want.types[n]; !seen || want.types[n] == dto.MetricType_UNTYPED {
			switch s.Type {
			case "gauge":
				want.types[n] = dto.MetricType_GAUGE
			case "cumulative":
				want.types[n] = dto.MetricType_COUNTER
			default:
				if !seen {
					want.types[n] = dto.MetricType_UNTYPED
				}
			}
		}
		_, f, _ := promValue(s.Volume)
		want.values[[3]string{n, fmt.Sprint(promPyID(s.ResourceID)), fmt.Sprint(promPyID(s.ProjectID))}] = f
	}
	return want
}

// promPyID is an id as Python's "%s" prints the corpus' ids.
func promPyID(v any) string {
	if v == nil {
		return "None"
	}
	return fmt.Sprint(v)
}

func (want promPushed) check(t *testing.T, mfs map[string]*dto.MetricFamily, job string) {
	t.Helper()
	found := 0
	for n, typ := range want.types {
		mf, ok := mfs[n]
		if !ok {
			t.Errorf("the Pushgateway has no %s", n)
			continue
		}
		if mf.GetType() != typ {
			t.Errorf("%s is a %s, want %s", n, mf.GetType(), typ)
		}
		for _, m := range mf.GetMetric() {
			l := promDTOLabels(m)
			if l["job"] != job {
				continue
			}
			found++
			if len(l) != 4 || l["instance"] != "" {
				t.Errorf("%s%v: want labels job, instance, resource_id, project_id", n, l)
			}
			v, ok := want.values[[3]string{n, l["resource_id"], l["project_id"]}]
			if !ok {
				t.Errorf("unexpected %s%v", n, l)
			} else if got := promDTOValue(mf, m); !promSameFloat(got, v) {
				t.Errorf("%s%v = %v, want %v", n, l, got, v)
			}
		}
	}
	if found != len(want.values) {
		t.Errorf("the Pushgateway holds %d series of job %s, want %d", found, job, len(want.values))
	}
}

func TestPrometheusPushgatewayStoresTheCorpus(t *testing.T) {
	pgw := startPushgateway(t)
	p := newTestPrometheus(t, "prometheus://"+pgw+"/metrics/job/corpus?max_series=0", Options{})
	var all []processors.Sample
	for _, batch := range promCorpus(t) {
		all = append(all, batch...)
	}
	// One batch holding every sample: many meters, null ids, floats,
	// counters, untyped deltas, and duplicate series (the last one wins).
	if err := p.PublishSamples(context.Background(), all); err != nil {
		t.Fatal(err)
	}
	want := promExpectPushed(all)
	if len(want.values) == len(all) {
		t.Fatal("the corpus has no duplicate series; the test lost some of its point")
	}
	want.check(t, pushgatewayMetrics(t, pgw), "corpus")
	t.Logf("%d samples of %d meters pushed as %d series", len(all), len(want.types), len(want.values))
}

func TestPrometheusPushgatewayKeepsTheLastBatchPerMeter(t *testing.T) {
	pgw := startPushgateway(t)
	p := newTestPrometheus(t, "prometheus://"+pgw+"/metrics/job/ceilometer", Options{})
	ctx := context.Background()
	first := []processors.Sample{
		promSample("volume.size", "gauge", int64(1), "vol-1", "p"),
		promSample("image.size", "gauge", int64(7), "img-1", "p"),
	}
	second := []processors.Sample{promSample("volume.size", "gauge", int64(2), "vol-2", "p")}
	if err := p.PublishSamples(ctx, first); err != nil {
		t.Fatal(err)
	}
	if err := p.PublishSamples(ctx, second); err != nil {
		t.Fatal(err)
	}
	// As with Ceilometer, a POST replaces the group's metrics of the names
	// it carries: vol-1 is gone, image.size stays.
	promExpectPushed(append(second, first[1])).check(t, pushgatewayMetrics(t, pgw), "ceilometer")
}

func TestPrometheusPushgatewayRefusalIsPermanent(t *testing.T) {
	pgw := startPushgateway(t)
	ctx := context.Background()
	a := newTestPrometheus(t, "prometheus://"+pgw+"/metrics/job/a", Options{})
	b := newTestPrometheus(t, "prometheus://"+pgw+"/metrics/job/b", Options{})
	if err := a.PublishSamples(ctx, []processors.Sample{promSample("memory", "gauge", int64(512), "r", "p")}); err != nil {
		t.Fatal(err)
	}
	// Another group's memory is a counter: the Pushgateway refuses the
	// inconsistent push, and resending it cannot help.
	err := b.PublishSamples(ctx, []processors.Sample{promSample("memory", "cumulative", int64(512), "r", "p")})
	if !errors.Is(err, processors.ErrPermanent) || !strings.Contains(err.Error(), "400") {
		t.Fatalf("got %v, want a permanent 400", err)
	}
}

func TestPrometheusPushgatewayDownIsRetryable(t *testing.T) {
	addr := testenv.FreeAddr(t) // nothing listens there
	p := newTestPrometheus(t, "prometheus://"+addr+"/metrics/job/c", Options{})
	err := p.PublishSamples(context.Background(), []processors.Sample{promSample("m", "gauge", int64(1), "r", "p")})
	if err == nil || errors.Is(err, processors.ErrPermanent) || !strings.Contains(err.Error(), "connection refused") {
		t.Fatalf("got %v, want a retryable connection error", err)
	}
}

// promQuery runs an instant query against Prometheus' HTTP API.
func promQuery(t *testing.T, addr, query string) []struct {
	Metric map[string]string `json:"metric"`
	Value  [2]any            `json:"value"`
} {
	t.Helper()
	res, err := http.Get("http://" + addr + "/api/v1/query?query=" + url.QueryEscape(query))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	var out struct {
		Status string `json:"status"`
		Error  string `json:"error"`
		Data   struct {
			Result []struct {
				Metric map[string]string `json:"metric"`
				Value  [2]any            `json:"value"`
			} `json:"result"`
		} `json:"data"`
	}
	if err := json.Unmarshal(body, &out); err != nil || out.Status != "success" {
		t.Fatalf("query %s: %v %s", query, err, body)
	}
	return out.Data.Result
}

func TestPrometheusScrapesTheNativeExpositionAndThePushgateway(t *testing.T) {
	pgw := startPushgateway(t)
	p := newTestPrometheus(t, "prometheus://"+pgw+"/metrics/job/meterflow", Options{})
	nativeSrv := httptest.NewServer(p.Handler())
	defer nativeSrv.Close()

	dir := t.TempDir()
	conf := fmt.Sprintf(`global:
  scrape_interval: 1s
  evaluation_interval: 1s
scrape_configs:
  - job_name: meterflow
    static_configs: [{targets: [%q]}]
  - job_name: pushgateway
    honor_labels: true
    static_configs: [{targets: [%q]}]
`, strings.TrimPrefix(nativeSrv.URL, "http://"), pgw)
	if err := os.WriteFile(filepath.Join(dir, "prometheus.yml"), []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	prom := testenv.FreeAddr(t)
	testenv.StartReady(t, "prometheus", "prometheus", prom,
		"--config.file="+filepath.Join(dir, "prometheus.yml"),
		"--storage.tsdb.path="+filepath.Join(dir, "data"),
		"--web.listen-address="+prom,
		"--log.level=warn")

	var all []processors.Sample
	for _, batch := range promCorpus(t) {
		all = append(all, batch...)
	}
	if err := p.PublishSamples(context.Background(), all); err != nil {
		t.Fatal(err)
	}

	// What the native exposition should hold: per series, the sample with
	// the latest timestamp (the later one on a tie).
	type native struct {
		v     float64
		stamp time.Time
	}
	wantNative := map[string]native{}
	for _, s := range all {
		_, f, _ := promValue(s.Volume)
		stamp, _ := promParseTimestamp(s.Timestamp)
		k := fmt.Sprintf("ceilometer_%s{project_id=%q,resource_id=%q,type=%q,unit=%q,user_id=%q}",
			strings.ReplaceAll(s.Name, ".", "_"), promIDLabel(s.ProjectID), promIDLabel(s.ResourceID), s.Type, s.Unit, promIDLabel(s.UserID))
		if old, ok := wantNative[k]; !ok || !stamp.Before(old.stamp) {
			wantNative[k] = native{f, stamp}
		}
	}
	key := func(m map[string]string) string {
		return fmt.Sprintf("%s{project_id=%q,resource_id=%q,type=%q,unit=%q,user_id=%q}",
			m["__name__"], m["project_id"], m["resource_id"], m["type"], m["unit"], m["user_id"])
	}

	// Wait for a scrape of both targets after the push.
	query := `{job="meterflow",__name__=~"ceilometer_.+"}`
	deadline := time.Now().Add(30 * time.Second)
	for len(promQuery(t, prom, query)) < len(wantNative) || len(promQuery(t, prom, `volume_size{job="meterflow"}`)) == 0 {
		if time.Now().After(deadline) {
			t.Fatalf("after 30s Prometheus has %d of %d native series", len(promQuery(t, prom, query)), len(wantNative))
		}
		time.Sleep(200 * time.Millisecond)
	}

	got := promQuery(t, prom, query)
	t.Logf("Prometheus scraped %d native series from %d samples", len(got), len(all))
	if len(got) != len(wantNative) {
		t.Errorf("Prometheus has %d native series, want %d", len(got), len(wantNative))
	}
	for _, r := range got {
		k := key(r.Metric)
		v, err := strconv.ParseFloat(r.Value[1].(string), 64)
		if err != nil {
			t.Fatal(err)
		}
		if w, ok := wantNative[k]; !ok {
			t.Errorf("unexpected series %s", k)
		} else if !promSameFloat(v, w.v) {
			t.Errorf("%s = %v, want %v", k, v, w.v)
		}
	}

	// One pushed meter, read back through Prometheus.
	var last processors.Sample
	for _, s := range all {
		if s.Name == "volume.size" {
			last = s
		}
	}
	if last.Name == "" {
		t.Fatal("no volume.size in the corpus")
	}
	_, want, _ := promValue(last.Volume)
	q := fmt.Sprintf(`volume_size{job="meterflow",resource_id=%q,project_id=%q}`, promPyID(last.ResourceID), promPyID(last.ProjectID))
	res := promQuery(t, prom, q)
	if len(res) != 1 {
		t.Fatalf("%s: %d results", q, len(res))
	}
	if v, _ := strconv.ParseFloat(res[0].Value[1].(string), 64); !promSameFloat(v, want) {
		t.Errorf("%s = %v, want %v", q, v, want)
	}
}
