package sinks

import (
	"container/list"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"meterflow/processors"
)

// promSeriesLabels are the labels of every series of the native exposition.
var promSeriesLabels = []string{"resource_id", "project_id", "user_id", "type", "unit"}

// promSeriesKey identifies a series: its metric name and label values.
type promSeriesKey struct {
	name                                     string
	resourceID, projectID, userID, typ, unit string
}

type promSeries struct {
	key     promSeriesKey
	meter   string // the meter name, for HELP
	value   float64
	stamp   time.Time // the sample's timestamp; zero when unparsable
	updated time.Time // when meterflow last set it, for eviction and max age
}

// promSeriesStore keeps the latest value of each series, at most max of
// them, each for at most maxAge after its last update. It is a
// prometheus.Collector: every Collect exposes what it holds, with no
// timestamps, so Prometheus stamps values with its scrape time.
type promSeriesStore struct {
	max    int
	maxAge time.Duration
	now    func() time.Time

	mu    sync.Mutex
	byKey map[promSeriesKey]*list.Element
	lru   list.List // of *promSeries, most recently updated first
}

func newPromSeriesStore(max int, maxAge time.Duration) *promSeriesStore {
	return &promSeriesStore{max: max, maxAge: maxAge, now: time.Now, byKey: map[promSeriesKey]*list.Element{}}
}

// record sets the series of each sample whose volume is a number. A sample
// older (by timestamp) than the value a series holds does not replace it,
// so a redelivered batch cannot roll a series back.
func (st *promSeriesStore) record(samples []processors.Sample) {
	now := st.now()
	st.mu.Lock()
	defer st.mu.Unlock()
	st.expire(now)
	for _, s := range samples {
		_, f, ok := promValue(s.Volume)
		if !ok || s.Name == "" {
			continue
		}
		k := promSeriesKey{
			name:       "ceilometer_" + promName(s.Name),
			resourceID: promIDLabel(s.ResourceID),
			projectID:  promIDLabel(s.ProjectID),
			userID:     promIDLabel(s.UserID),
			typ:        strings.ToValidUTF8(s.Type, "\uFFFD"),
			unit:       strings.ToValidUTF8(s.Unit, "\uFFFD"),
		}
		meter := strings.ToValidUTF8(s.Name, "\uFFFD")
		stamp, _ := promParseTimestamp(s.Timestamp)
		if e, ok := st.byKey[k]; ok {
			ser := e.Value.(*promSeries)
			if !stamp.IsZero() && !ser.stamp.IsZero() && stamp.Before(ser.stamp) {
				continue
			}
			ser.value, ser.stamp, ser.updated, ser.meter = f, stamp, now, meter
			st.lru.MoveToFront(e)
			continue
		}
		for len(st.byKey) >= st.max {
			st.remove(st.lru.Back())
		}
		st.byKey[k] = st.lru.PushFront(&promSeries{key: k, meter: meter, value: f, stamp: stamp, updated: now})
	}
}

// expire drops the series not updated for maxAge. The caller holds mu.
func (st *promSeriesStore) expire(now time.Time) {
	for e := st.lru.Back(); e != nil && now.Sub(e.Value.(*promSeries).updated) > st.maxAge; e = st.lru.Back() {
		st.remove(e)
	}
}

func (st *promSeriesStore) remove(e *list.Element) {
	delete(st.byKey, e.Value.(*promSeries).key)
	st.lru.Remove(e)
}

// len is the number of series held.
func (st *promSeriesStore) len() int {
	st.mu.Lock()
	defer st.mu.Unlock()
	return len(st.byKey)
}

// Describe sends nothing: the metric names are the meters', known only
// once samples arrive, so the collector is unchecked.
func (st *promSeriesStore) Describe(chan<- *prometheus.Desc) {}

// Collect exposes every live series. A metric is a counter when all its
// series are cumulative, a gauge when all are gauges, else untyped.
func (st *promSeriesStore) Collect(ch chan<- prometheus.Metric) {
	st.mu.Lock()
	st.expire(st.now())
	snap := make([]promSeries, 0, len(st.byKey))
	for e := st.lru.Front(); e != nil; e = e.Next() {
		snap = append(snap, *e.Value.(*promSeries))
	}
	st.mu.Unlock()

	type family struct {
		desc *prometheus.Desc
		typ  prometheus.ValueType
	}
	fams := map[string]*family{}
	for _, s := range snap {
		t := prometheus.UntypedValue
		switch s.key.typ {
		case "cumulative":
			t = prometheus.CounterValue
		case "gauge":
			t = prometheus.GaugeValue
		}
		if f, ok := fams[s.key.name]; ok {
			if f.typ != t {
				f.typ = prometheus.UntypedValue
			}
			continue
		}
		fams[s.key.name] = &family{
			desc: prometheus.NewDesc(s.key.name, "Latest value of the Ceilometer meter "+s.meter+".", promSeriesLabels, nil),
			typ:  t,
		}
	}
	for _, s := range snap {
		f := fams[s.key.name]
		m, err := prometheus.NewConstMetric(f.desc, f.typ, s.value, s.key.resourceID, s.key.projectID, s.key.userID, s.key.typ, s.key.unit)
		if err != nil {
			m = prometheus.NewInvalidMetric(f.desc, err)
		}
		ch <- m
	}
}

// promIDLabel is an id as a label value: "" for null (an absent label to
// Prometheus), else as Ceilometer prints it.
func promIDLabel(v any) string {
	if v == nil {
		return ""
	}
	return promLabel(v)
}

// promParseTimestamp reads a Ceilometer timestamp: ISO 8601 with "T" or a
// space, optional fraction, optional offset (naive is UTC).
func promParseTimestamp(s string) (time.Time, bool) {
	for _, layout := range []string{
		"2006-01-02T15:04:05.999999999Z07:00",
		"2006-01-02T15:04:05.999999999",
		"2006-01-02 15:04:05.999999999Z07:00",
		"2006-01-02 15:04:05.999999999",
	} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}
