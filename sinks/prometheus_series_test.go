package sinks

import (
	"fmt"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"meterflow/processors"
)

// promClock is a settable clock for promSeriesStore.
type promClock struct{ t time.Time }

func (c *promClock) now() time.Time { return c.t }

func newTestSeriesStore(max int, maxAge time.Duration) (*promSeriesStore, *promClock) {
	clock := &promClock{t: time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC)}
	st := newPromSeriesStore(max, maxAge)
	st.now = clock.now
	return st, clock
}

// promGather returns the store's series as "name{labels} value type" lines,
// sorted, through a pedantic registry (which checks consistency).
func promGather(t *testing.T, c prometheus.Collector) []string {
	t.Helper()
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(c)
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, mf := range mfs {
		for _, m := range mf.GetMetric() {
			var labels []string
			for _, l := range m.GetLabel() {
				labels = append(labels, l.GetName()+"="+l.GetValue())
			}
			var v float64
			switch mf.GetType() {
			case dto.MetricType_COUNTER:
				v = m.GetCounter().GetValue()
			case dto.MetricType_GAUGE:
				v = m.GetGauge().GetValue()
			default:
				v = m.GetUntyped().GetValue()
			}
			out = append(out, fmt.Sprintf("%s{%s} %g %s", mf.GetName(), strings.Join(labels, ","), v, strings.ToLower(mf.GetType().String())))
		}
	}
	sort.Strings(out)
	return out
}

func promExpect(t *testing.T, got []string, want ...string) {
	t.Helper()
	sort.Strings(want)
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestPrometheusSeriesKeepLatestValue(t *testing.T) {
	st, _ := newTestSeriesStore(10, time.Hour)
	s := processors.Sample{Name: "disk.root.size", Type: "gauge", Unit: "GB", Volume: int64(10),
		ResourceID: "inst-1", ProjectID: "proj-1", UserID: nil, Timestamp: "2026-11-02T10:00:00+00:00"}
	st.record([]processors.Sample{s})
	s.Volume, s.Timestamp = float64(20), "2026-11-02T10:05:00.5"
	st.record([]processors.Sample{s})
	promExpect(t, promGather(t, st),
		"ceilometer_disk_root_size{project_id=proj-1,resource_id=inst-1,type=gauge,unit=GB,user_id=} 20 gauge")
}

func TestPrometheusSeriesIgnoreOlderSamples(t *testing.T) {
	st, _ := newTestSeriesStore(10, time.Hour)
	s := processors.Sample{Name: "m", Type: "gauge", Volume: int64(2), ResourceID: "r", Timestamp: "2026-11-02 10:05:00"}
	st.record([]processors.Sample{s})
	s.Volume, s.Timestamp = int64(1), "2026-11-02T10:00:00Z" // a redelivered older batch
	st.record([]processors.Sample{s})
	promExpect(t, promGather(t, st), "ceilometer_m{project_id=,resource_id=r,type=gauge,unit=,user_id=} 2 gauge")
}

func TestPrometheusSeriesEvictLeastRecentlyUpdated(t *testing.T) {
	st, clock := newTestSeriesStore(2, time.Hour)
	rec := func(r string, v int64) {
		clock.t = clock.t.Add(time.Second)
		st.record([]processors.Sample{{Name: "m", Type: "cumulative", Volume: v, ResourceID: r}})
	}
	rec("a", 1)
	rec("b", 1)
	rec("a", 2) // a is now the most recent
	rec("c", 1) // evicts b
	promExpect(t, promGather(t, st),
		"ceilometer_m{project_id=,resource_id=a,type=cumulative,unit=,user_id=} 2 counter",
		"ceilometer_m{project_id=,resource_id=c,type=cumulative,unit=,user_id=} 1 counter")
}

func TestPrometheusSeriesExpireAfterMaxAge(t *testing.T) {
	st, clock := newTestSeriesStore(10, 10*time.Minute)
	st.record([]processors.Sample{{Name: "m", Type: "gauge", Volume: int64(1), ResourceID: "old"}})
	clock.t = clock.t.Add(6 * time.Minute)
	st.record([]processors.Sample{{Name: "m", Type: "gauge", Volume: int64(1), ResourceID: "new"}})
	clock.t = clock.t.Add(5 * time.Minute)
	promExpect(t, promGather(t, st), "ceilometer_m{project_id=,resource_id=new,type=gauge,unit=,user_id=} 1 gauge")
	if st.len() != 1 {
		t.Errorf("the store still holds %d series", st.len())
	}
	clock.t = clock.t.Add(10 * time.Minute)
	promExpect(t, promGather(t, st))
}

func TestPrometheusSeriesMixedTypesAreUntyped(t *testing.T) {
	st, _ := newTestSeriesStore(10, time.Hour)
	st.record([]processors.Sample{
		{Name: "a.b", Type: "gauge", Volume: int64(1), ResourceID: "r"},
		{Name: "a_b", Type: "cumulative", Volume: int64(2), ResourceID: "r"},
		{Name: "d", Type: "delta", Volume: int64(3), ResourceID: "r"},
		{Name: "skipped", Type: "gauge", Volume: nil, ResourceID: "r"},
	})
	promExpect(t, promGather(t, st),
		"ceilometer_a_b{project_id=,resource_id=r,type=cumulative,unit=,user_id=} 2 untyped",
		"ceilometer_a_b{project_id=,resource_id=r,type=gauge,unit=,user_id=} 1 untyped",
		"ceilometer_d{project_id=,resource_id=r,type=delta,unit=,user_id=} 3 untyped")
}

func TestPrometheusSeriesConcurrentUse(t *testing.T) {
	st, _ := newTestSeriesStore(100, time.Hour)
	st.now = time.Now
	var wg sync.WaitGroup
	for g := 0; g < 4; g++ {
		wg.Add(2)
		go func() {
			defer wg.Done()
			for i := 0; i < 500; i++ {
				st.record([]processors.Sample{{Name: "m", Type: "gauge", Volume: int64(i), ResourceID: fmt.Sprint(g, i%150)}})
			}
		}()
		go func() {
			defer wg.Done()
			for i := 0; i < 20; i++ {
				promGather(t, st)
			}
		}()
	}
	wg.Wait()
	if n := st.len(); n != 100 {
		t.Errorf("%d series, want the cap of 100", n)
	}
}

// BenchmarkPrometheusSeriesCollect measures a scrape of a full default store.
func BenchmarkPrometheusSeriesCollect(b *testing.B) {
	st := newPromSeriesStore(DefaultPrometheusMaxSeries, time.Hour)
	batch := make([]processors.Sample, 0, 1000)
	for i := 0; i < DefaultPrometheusMaxSeries; i++ {
		batch = append(batch, processors.Sample{Name: fmt.Sprintf("meter.%d", i%50), Type: "gauge", Unit: "B",
			Volume: float64(i), ResourceID: fmt.Sprintf("res-%d", i), ProjectID: "proj", UserID: "user"})
		if len(batch) == cap(batch) {
			st.record(batch)
			batch = batch[:0]
		}
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(st)
	b.ResetTimer()
	for b.Loop() {
		if _, err := reg.Gather(); err != nil {
			b.Fatal(err)
		}
	}
}

func TestPrometheusSeriesInvalidUTF8CannotBreakAScrape(t *testing.T) {
	st, _ := newTestSeriesStore(10, time.Hour)
	st.record([]processors.Sample{{Name: "m\xff", Type: "gauge\xff", Unit: "B\xff", Volume: int64(1), ResourceID: "r\xff", UserID: "u\xff", ProjectID: "p\xff"}})
	promExpect(t, promGather(t, st), "ceilometer_m_{project_id=p\uFFFD,resource_id=r\uFFFD,type=gauge\uFFFD,unit=B\uFFFD,user_id=u\uFFFD} 1 untyped")
}
