package service_test

// A real Prometheus (Debian's prometheus binary, a child process on
// loopback) scrapes meterflow's /metrics. The test fails, never skips,
// without the binary.

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"

	"meterflow/internal/testenv"
	"meterflow/service"
)

// startPrometheus runs prometheus scraping target every second until the
// test ends, and returns its address once /-/ready answers.
func startPrometheus(t *testing.T, target string) string {
	t.Helper()
	dir := t.TempDir()
	conf := fmt.Sprintf("global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\nscrape_configs:\n  - job_name: meterflow\n    static_configs: [{targets: [%q]}]\n", target)
	if err := os.WriteFile(filepath.Join(dir, "prometheus.yml"), []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	addr := testenv.FreeAddr(t)
	testenv.StartReady(t, "prometheus", "prometheus", addr,
		"--config.file="+filepath.Join(dir, "prometheus.yml"),
		"--storage.tsdb.path="+filepath.Join(dir, "data"),
		"--web.listen-address="+addr,
		"--log.level=warn")
	return addr
}

// promSample is one element of an instant vector.
type promSample struct {
	Metric map[string]string `json:"metric"`
	Value  [2]any            `json:"value"`
}

func (s promSample) float(t *testing.T) float64 {
	t.Helper()
	str, _ := s.Value[1].(string)
	v, err := strconv.ParseFloat(str, 64)
	if err != nil {
		t.Fatalf("value %v: %v", s.Value, err)
	}
	return v
}

// queryPrometheus runs an instant query against Prometheus' HTTP API.
func queryPrometheus(t *testing.T, addr, query string) []promSample {
	t.Helper()
	res, err := http.Get("http://" + addr + "/api/v1/query?query=" + url.QueryEscape(query))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	var out struct {
		Status string `json:"status"`
		Data   struct {
			ResultType string       `json:"resultType"`
			Result     []promSample `json:"result"`
		} `json:"data"`
	}
	if err := json.Unmarshal(body, &out); err != nil || out.Status != "success" || out.Data.ResultType != "vector" {
		t.Fatalf("query %s: %v %s", query, err, body)
	}
	return out.Data.Result
}

func TestPrometheusScrapesWhatTheBridgeCounted(t *testing.T) {
	cases := testenv.Corpus(t)
	env := startHTTPEnv(t, testenv.Exchanges(cases), nil)
	prom := startPrometheus(t, env.svc.HTTPAddr())
	env.waitAMQP(t, 1)
	testenv.PublishCases(t, env.topic, cases)

	n := float64(len(cases))
	mfs := env.waitMetrics(t, "every notification bridged or dead-lettered", func(m map[string]*dto.MetricFamily) bool {
		return sum(m, "meterflow_bridge_bridged_total", nil)+sum(m, "meterflow_bridge_dead_lettered_total", nil) == n
	})
	bridged := sum(mfs, "meterflow_bridge_bridged_total", nil)
	stored := float64(testenv.StreamMsgs(t, env.svc.JetStream(), service.StreamNotifications))
	if bridged == 0 || bridged-sum(mfs, "meterflow_bridge_duplicates_total", nil) != stored {
		t.Fatalf("/metrics: %v bridged, %v duplicates, %v stored", bridged, sum(mfs, "meterflow_bridge_duplicates_total", nil), stored)
	}
	series := len(mfs["meterflow_bridge_bridged_total"].GetMetric())

	// Wait for a scrape after the last notification was counted.
	var got []promSample
	deadline := time.Now().Add(30 * time.Second)
	for {
		got = queryPrometheus(t, prom, `meterflow_bridge_bridged_total{job="meterflow"}`)
		total := 0.0
		for _, s := range got {
			total += s.float(t)
		}
		if total == bridged {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after 30s Prometheus has meterflow_bridge_bridged_total = %v in %d series, want %v", total, len(got), bridged)
		}
		time.Sleep(200 * time.Millisecond)
	}
	if len(got) != series {
		t.Errorf("Prometheus has %d meterflow_bridge_bridged_total series, /metrics %d", len(got), series)
	}
	for _, s := range got {
		labels := map[string]string{"exchange": s.Metric["exchange"], "priority": s.Metric["priority"]}
		if want := sum(mfs, "meterflow_bridge_bridged_total", labels); s.float(t) != want {
			t.Errorf("Prometheus: meterflow_bridge_bridged_total%v = %v, /metrics %v", labels, s.float(t), want)
		}
		if s.Metric["instance"] != env.svc.HTTPAddr() {
			t.Errorf("instance %q, want %q", s.Metric["instance"], env.svc.HTTPAddr())
		}
	}
	if up := queryPrometheus(t, prom, `up{job="meterflow"}`); len(up) != 1 || up[0].float(t) != 1 {
		t.Errorf("up{job=\"meterflow\"} = %v, want 1", up)
	}
	t.Logf("%v notifications published, %v bridged in %d series, %v stored", n, bridged, len(got), stored)
}
