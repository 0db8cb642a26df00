package sinks

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"meterflow/internal/gnocchitest"
	"meterflow/processors"
	"meterflow/processors/jsonv"
)

// logRecorder is a slog handler that keeps the records, for tests that
// check what a sink logged.
type logRecorder struct {
	mu      sync.Mutex
	records []slog.Record
}

func (h *logRecorder) Enabled(context.Context, slog.Level) bool { return true }
func (h *logRecorder) Handle(_ context.Context, r slog.Record) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.records = append(h.records, r.Clone())
	return nil
}
func (h *logRecorder) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h *logRecorder) WithGroup(string) slog.Handler      { return h }

// attrs returns the string attribute key of the records with message msg.
func (h *logRecorder) attrs(msg, key string) []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []string
	for _, r := range h.records {
		if r.Message != msg {
			continue
		}
		r.Attrs(func(a slog.Attr) bool {
			if a.Key == key {
				out = append(out, a.Value.String())
			}
			return true
		})
	}
	return out
}

func newGnocchiSink(t *testing.T, raw string, logger *slog.Logger) *Gnocchi {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	if logger == nil {
		logger = slog.New(&logRecorder{})
	}
	s, err := NewGnocchi(u, Options{Logger: logger})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close(context.Background()) })
	return s.(*Gnocchi)
}

func uniq(prefix string) string { return fmt.Sprintf("%s-%08x", prefix, rand.Uint32()) }

// gauge is a sample of a metric the shipped file maps.
func gauge(name, resourceID, ts string, v any, md string) processors.Sample {
	var meta any = jsonv.NewObject(0)
	if md != "" {
		meta, _ = jsonv.ParseString(md)
	}
	return processors.Sample{Name: name, Type: "gauge", Unit: "B", Volume: v, UserID: "user-1", ProjectID: "proj-1",
		ResourceID: resourceID, Timestamp: ts, ResourceMetadata: meta, Source: "openstack", ID: uniq("s")}
}

// measures returns a metric's points for an aggregation, processing what
// metricd has not yet.
func measures(t *testing.T, endpoint, resourceType, id, metric, aggregation string) [][]any {
	t.Helper()
	v := gnocchitest.MustGet(t, endpoint, "resource/"+resourceType+"/"+url.PathEscape(id)+"/metric/"+url.PathEscape(metric)+
		"/measures?refresh=true&aggregation="+aggregation)
	var out [][]any
	for _, p := range v.([]any) {
		out = append(out, p.([]any))
	}
	return out
}

func resourceAttr(t *testing.T, res any, key string) any {
	t.Helper()
	v, _ := res.(*jsonv.Object).Get(key)
	return v
}

// rejected returns the indexes a *RejectedError names; any other error
// fails the test.
func rejected(t *testing.T, err error) map[int]error {
	t.Helper()
	if err == nil {
		return nil
	}
	var re *RejectedError
	if !errors.As(err, &re) {
		t.Fatalf("want nil or *RejectedError, got %T %v", err, err)
	}
	if !errors.Is(err, processors.ErrPermanent) {
		t.Fatalf("RejectedError does not wrap ErrPermanent")
	}
	return re.Rejected
}

func TestGnocchi(t *testing.T) {
	endpoint := gnocchitest.Start(t)
	host := strings.TrimPrefix(endpoint, "http://")
	sinkURL := func(query string) string { return "gnocchi://admin@" + host + "/?" + query }
	ctx := context.Background()

	t.Run("SetupCreatesCeilometersArchivePoliciesAndResourceTypesOnce", func(t *testing.T) {
		for range 2 { // the second sink finds everything in place
			g := newGnocchiSink(t, sinkURL(""), nil)
			if err := g.ensureSetup(ctx); err != nil {
				t.Fatal(err)
			}
		}
		names := map[string]bool{}
		for _, ap := range gnocchitest.MustGet(t, endpoint, "archive_policy").([]any) {
			names[jsonv.PyStr(resourceAttr(t, ap, "name"))] = true
		}
		for _, want := range []string{"ceilometer-low", "ceilometer-low-rate", "ceilometer-high", "ceilometer-high-rate"} {
			if !names[want] {
				t.Errorf("archive policy %s missing", want)
			}
		}
		types := map[string]*jsonv.Object{}
		for _, rt := range gnocchitest.MustGet(t, endpoint, "resource_type").([]any) {
			attrs, _ := rt.(*jsonv.Object).Get("attributes")
			types[jsonv.PyStr(resourceAttr(t, rt, "name"))] = attrs.(*jsonv.Object)
		}
		r, _ := loadGnocchiResources("", "")
		for _, d := range r.defs {
			if types[d.resourceType] == nil {
				t.Errorf("resource type %s missing", d.resourceType)
			}
		}
		for _, a := range []string{"flavor_id", "flavor_name", "launched_at", "availability_zone", "server_group"} {
			if _, ok := types["instance"].Get(a); !ok {
				t.Errorf("instance has no attribute %s", a)
			}
		}
	})

	t.Run("CorpusSamplesBecomeResourcesWithTheirTypeAttributesAndMeasures", func(t *testing.T) {
		testCorpusSamples(t, endpoint, sinkURL(""))
	})

	t.Run("CorpusEventsCreateEndAndUpdateTheirResources", func(t *testing.T) {
		testCorpusEvents(t, endpoint, sinkURL(""))
	})

	t.Run("RedeliveringABatchAddsNoMeasures", func(t *testing.T) {
		g := newGnocchiSink(t, sinkURL("archive_policy=low"), nil) // low keeps a count
		id := uniq("redeliver")
		batch := []processors.Sample{
			gauge("image.size", id, "2026-11-20T10:00:01+00:00", int64(10), `{"name": "img", "container_format": "bare", "disk_format": "raw"}`),
			gauge("image.size", id, "2026-11-20T10:00:02+00:00", int64(20), ""),
			gauge("image.size", id, "2026-11-20T10:00:03+00:00", int64(30), ""),
		}
		for i := range 3 {
			if err := g.PublishSamples(ctx, batch); err != nil {
				t.Fatalf("delivery %d: %v", i+1, err)
			}
			got := measures(t, endpoint, "image", id, "image.size", "count")
			if len(got) != 1 || !jsonv.Equal(got[0][2], int64(3)) {
				t.Fatalf("after delivery %d: counts %v, want one bucket of 3", i+1, got)
			}
		}
		hist := gnocchitest.MustGet(t, endpoint, "resource/image/"+id+"/history").([]any)
		if len(hist) != 1 {
			t.Fatalf("redelivery made %d revisions of the resource", len(hist))
		}
	})

	t.Run("FilterProjectIDDropsGnocchisOwnSamples", func(t *testing.T) {
		own := uniq("gnocchi-project")
		g := newGnocchiSink(t, sinkURL("filter_project_id="+own), nil)
		ofProject := gauge("image.size", uniq("own-image"), "2026-11-20T10:00:00+00:00", int64(1), `{"name": "i", "container_format": "bare", "disk_format": "raw"}`)
		ofProject.ProjectID = own
		account := gauge("storage.objects.outgoing.bytes", own, "2026-11-20T10:00:00+00:00", int64(1), "")
		other := gauge("image.size", uniq("other-image"), "2026-11-20T10:00:00+00:00", int64(1), `{"name": "i", "container_format": "bare", "disk_format": "raw"}`)
		if err := g.PublishSamples(ctx, []processors.Sample{ofProject, account, other}); err != nil {
			t.Fatal(err)
		}
		for _, s := range []processors.Sample{ofProject, account} {
			if status, _ := gnocchitest.Get(t, endpoint, "resource/generic/"+s.ResourceID.(string)); status != http.StatusNotFound {
				t.Errorf("%s %s reached Gnocchi (%d)", s.Name, s.ResourceID, status)
			}
		}
		gnocchitest.MustGet(t, endpoint, "resource/image/"+other.ResourceID.(string))
	})

	t.Run("DeleteEventsEndTheResourceAndItsAssociatedResourcesAtTheEventTime", func(t *testing.T) {
		g := newGnocchiSink(t, sinkURL(""), nil)
		instance := fmt.Sprintf("%08x-1111-4111-8111-111111111111", rand.Uint32())
		disk := instance + "-vda"
		md := fmt.Sprintf(`{"display_name": "vm", "host": "compute-1", "flavor_id": "1", "flavor_name": "m1.small", "instance_id": %q, "disk_name": "vda"}`, instance)
		now := time.Now().UTC()
		ts := now.Add(-time.Minute).Format("2006-01-02T15:04:05.000000+00:00")
		if err := g.PublishSamples(ctx, []processors.Sample{
			gauge("memory", instance, ts, int64(512), md),
			gauge("disk.device.capacity", disk, ts, int64(1<<30), md),
		}); err != nil {
			t.Fatal(err)
		}
		generated := now.Add(time.Second).Format("2006-01-02T15:04:05.000000")
		ev := processors.Event{EventType: "compute.instance.delete.start", MessageID: uniq("m"), Generated: generated,
			Traits: []processors.Trait{{Name: "instance_id", Type: processors.TraitText, Value: instance}}}
		for range 2 { // a redelivered event changes nothing
			if err := g.PublishEvents(ctx, []processors.Event{ev}); err != nil {
				t.Fatal(err)
			}
		}
		for _, path := range []string{"resource/instance/" + instance, "resource/instance_disk/" + disk} {
			res := gnocchitest.MustGet(t, endpoint, path)
			ended, _ := time.Parse(time.RFC3339Nano, jsonv.PyStr(resourceAttr(t, res, "ended_at")))
			if want, _ := time.Parse("2006-01-02T15:04:05.000000", generated); !ended.Equal(want) {
				t.Errorf("%s: ended_at %v, want %s", path, resourceAttr(t, res, "ended_at"), generated)
			}
			if hist := gnocchitest.MustGet(t, endpoint, path+"/history").([]any); len(hist) != 2 {
				t.Errorf("%s: %d revisions, want creation and end", path, len(hist))
			}
		}
	})

	t.Run("ADeleteEventOlderThanTheResourceEndsItNow", func(t *testing.T) {
		g := newGnocchiSink(t, sinkURL(""), nil)
		image := uniq("late-image")
		if err := g.PublishSamples(ctx, []processors.Sample{
			gauge("image.size", image, "2026-11-20T10:00:00+00:00", int64(1), `{"name": "i", "container_format": "bare", "disk_format": "raw"}`),
		}); err != nil {
			t.Fatal(err)
		}
		before := time.Now().UTC().Add(-time.Second)
		ev := processors.Event{EventType: "image.delete", Generated: "2020-01-01T00:00:00.000000",
			Traits: []processors.Trait{{Name: "resource_id", Type: processors.TraitText, Value: image}}}
		if err := g.PublishEvents(ctx, []processors.Event{ev}); err != nil {
			t.Fatal(err)
		}
		res := gnocchitest.MustGet(t, endpoint, "resource/image/"+image)
		ended, err := time.Parse(time.RFC3339Nano, jsonv.PyStr(resourceAttr(t, res, "ended_at")))
		if err != nil || ended.Before(before) {
			t.Fatalf("ended_at %v, want about now", resourceAttr(t, res, "ended_at"))
		}
	})

	t.Run("CreateEventsCreateTheResourceOnce", func(t *testing.T) {
		g := newGnocchiSink(t, sinkURL(""), nil)
		instance := uniq("created-vm")
		ev := processors.Event{EventType: "compute.instance.create.end", Generated: "2026-11-20T10:00:00.000000",
			Traits: []processors.Trait{
				{Name: "instance_id", Type: processors.TraitText, Value: instance},
				{Name: "display_name", Type: processors.TraitText, Value: "vm-created"},
				{Name: "host", Type: processors.TraitText, Value: "compute-7"},
				{Name: "instance_type_id", Type: processors.TraitText, Value: "42"},
				{Name: "instance_type", Type: processors.TraitText, Value: "m1.huge"},
				{Name: "project_id", Type: processors.TraitText, Value: "proj-ev"},
			}}
		for range 2 {
			if err := g.PublishEvents(ctx, []processors.Event{ev}); err != nil {
				t.Fatal(err)
			}
		}
		res := gnocchitest.MustGet(t, endpoint, "resource/instance/"+instance)
		for k, want := range map[string]string{"display_name": "vm-created", "host": "compute-7", "flavor_id": "42", "flavor_name": "m1.huge", "project_id": "proj-ev"} {
			if got := resourceAttr(t, res, k); got != want {
				t.Errorf("%s = %v, want %s", k, got, want)
			}
		}
	})

	t.Run("AnUnknownArchivePolicyRejectsEverySampleOfANewMetric", func(t *testing.T) {
		g := newGnocchiSink(t, sinkURL("archive_policy=no-such-policy"), nil)
		batch := []processors.Sample{
			gauge("bandwidth", uniq("net"), "2026-11-20T10:00:00+00:00", int64(1), ""),
			gauge("bandwidth", uniq("net"), "2026-11-20T10:00:00+00:00", int64(2), ""),
			gauge("volume.size", uniq("vol"), "2026-11-20T10:00:00+00:00", int64(3), ""),
		}
		got := rejected(t, g.PublishSamples(ctx, batch))
		if len(got) != len(batch) {
			t.Fatalf("rejected %v, want all %d", got, len(batch))
		}
		if !strings.Contains(got[0].Error(), "no-such-policy") {
			t.Errorf("reason %v does not name the policy", got[0])
		}
	})

	t.Run("InvalidSamplesAreRejectedAloneWhileTheOthersAreDelivered", func(t *testing.T) {
		g := newGnocchiSink(t, sinkURL(""), nil)
		good := uniq("good-net")
		batch := []processors.Sample{
			gauge("bandwidth", good, "2026-11-20T10:00:00+00:00", int64(1), ""),
			gauge("bandwidth", uniq("bad-value"), "2026-11-20T10:00:00+00:00", "not a number", ""),
			gauge("bandwidth", good, "2026-11-20T10:05:00+00:00", int64(2), ""),
			gauge("bandwidth", uniq("bad-time"), "yesterday-ish", int64(4), ""),
			gauge("bandwidth", uniq("no-volume"), "2026-11-20T10:00:00+00:00", nil, ""),
			gauge("instance.unknown.metric", uniq("dropped"), "2026-11-20T10:00:00+00:00", int64(1), ""),
			gauge("bandwidth", good, "2026-11-20T10:10:00+00:00", int64(3), ""),
		}
		batch[4].ResourceID = nil
		got := rejected(t, g.PublishSamples(ctx, batch))
		var idx []int
		for i := range got {
			idx = append(idx, i)
		}
		sort.Ints(idx)
		if fmt.Sprint(idx) != "[1 3 4]" {
			t.Fatalf("rejected %v", got)
		}
		var ae *GnocchiAPIError
		if !errors.As(got[1], &ae) || ae.Status != http.StatusBadRequest {
			t.Errorf("reason for the bad value: %v", got[1])
		}
		if pts := measures(t, endpoint, "network", good, "bandwidth", "mean"); len(pts) != 3 {
			t.Errorf("good resource has %v", pts)
		}
	})

	t.Run("AResourceGnocchiCannotCreateRejectsItsSamples", func(t *testing.T) {
		g := newGnocchiSink(t, sinkURL(""), nil)
		incomplete := uniq("vm-without-display-name")
		fine := uniq("image")
		batch := []processors.Sample{
			gauge("memory", incomplete, "2026-11-20T10:00:00+00:00", int64(1), `{"host": "h"}`),
			gauge("image.size", fine, "2026-11-20T10:00:00+00:00", int64(1), `{"name": "i", "container_format": "bare", "disk_format": "raw"}`),
			gauge("vcpus", incomplete, "2026-11-20T10:00:00+00:00", int64(1), ""),
		}
		got := rejected(t, g.PublishSamples(ctx, batch))
		if len(got) != 2 || got[0] == nil || got[2] == nil {
			t.Fatalf("rejected %v, want the instance's two samples", got)
		}
		if !strings.Contains(got[0].Error(), "required key not provided") {
			t.Errorf("reason %v does not say what is missing", got[0])
		}
		gnocchitest.MustGet(t, endpoint, "resource/image/"+fine)
	})

	t.Run("ChangedAttributesAreWrittenOnceAndUnchangedOnesNever", func(t *testing.T) {
		g := newGnocchiSink(t, sinkURL(""), nil)
		vol := uniq("vol")
		publish := func(name string) {
			t.Helper()
			md := fmt.Sprintf(`{"display_name": %q, "volume_type": "ssd"}`, name)
			if err := g.PublishSamples(ctx, []processors.Sample{gauge("volume.size", vol, "2026-11-20T10:00:00+00:00", int64(1), md)}); err != nil {
				t.Fatal(err)
			}
		}
		publish("first")
		publish("first")
		publish("renamed")
		publish("renamed")
		res := gnocchitest.MustGet(t, endpoint, "resource/volume/"+vol)
		if got := resourceAttr(t, res, "display_name"); got != "renamed" {
			t.Fatalf("display_name %v", got)
		}
		if hist := gnocchitest.MustGet(t, endpoint, "resource/volume/"+vol+"/history").([]any); len(hist) != 2 {
			t.Fatalf("%d revisions, want creation and one rename", len(hist))
		}
		// Another meterflow (an empty cache) PATCHes the same values: no
		// revision either.
		g = newGnocchiSink(t, sinkURL(""), nil)
		publish("renamed")
		if hist := gnocchitest.MustGet(t, endpoint, "resource/volume/"+vol+"/history").([]any); len(hist) != 2 {
			t.Fatalf("%d revisions after a restart", len(hist))
		}
	})
}

// testCorpusSamples pushes every sample of the golden corpus, in time order
// and in batches, then checks each delivered sample's resource type,
// attributes and measures in Gnocchi, and that rejections are Gnocchi's
// refusals.
func testCorpusSamples(t *testing.T, endpoint, raw string) {
	ctx := context.Background()
	rec := &logRecorder{}
	g := newGnocchiSink(t, raw, slog.New(rec))
	var all []processors.Sample
	for _, c := range gnocchitest.Corpus(t) {
		all = append(all, c.Samples...)
	}
	sort.SliceStable(all, func(i, j int) bool { return all[i].Timestamp < all[j].Timestamp })

	delivered := make([]bool, len(all))
	reasons := map[string]int{}
	const batchSize = 40
	for start := 0; start < len(all); start += batchSize {
		batch := all[start:min(start+batchSize, len(all))]
		rej := rejected(t, g.PublishSamples(ctx, batch))
		for i := range batch {
			s := &batch[i]
			if reason, ok := rej[i]; ok {
				var ae *GnocchiAPIError
				if _, isStr := s.ResourceID.(string); isStr && !errors.As(reason, &ae) {
					t.Errorf("%s %v rejected without Gnocchi refusing it: %v", s.Name, s.ResourceID, reason)
				}
				reasons[fmt.Sprintf("%s: %v", s.Name, reason)]++
				continue
			}
			delivered[start+i] = g.resources.byMetric[s.Name] != nil
		}
	}

	// What Gnocchi must hold: per resource its type and the attributes of
	// its latest samples, per metric the 5-minute buckets of its measures.
	type series struct {
		resourceType, id, metric string
		values                   map[string][]float64 // bucket → values
	}
	type resource struct {
		resourceType string
		attrs        *jsonv.Object
	}
	resources := map[string]*resource{}
	metrics := map[[2]string]*series{}
	nDelivered := 0
	for i := range all {
		if !delivered[i] {
			continue
		}
		nDelivered++
		s := &all[i]
		d := g.resources.byMetric[s.Name]
		id := strings.ReplaceAll(s.ResourceID.(string), "/", "_")
		r := resources[id]
		if r == nil {
			r = &resource{d.resourceType, jsonv.NewObject(0)}
			resources[id] = r
		}
		attrs, _ := d.sampleAttributes(s)
		for j := 0; j < attrs.Len(); j++ {
			k, v := attrs.At(j)
			r.attrs.Set(k, v)
		}
		key := [2]string{id, s.Name}
		m := metrics[key]
		if m == nil {
			m = &series{r.resourceType, id, s.Name, map[string][]float64{}}
			metrics[key] = m
		}
		ts, err := time.Parse(time.RFC3339Nano, s.Timestamp)
		if err != nil {
			t.Fatal(err)
		}
		bucket := ts.Truncate(5 * time.Minute).Format(time.RFC3339)
		m.values[bucket] = append(m.values[bucket], toFloat(s.Volume))
	}
	t.Logf("%d samples: %d delivered to %d resources and %d metrics, rejections: %v",
		len(all), nDelivered, len(resources), len(metrics), reasons)
	if nDelivered < len(all)/2 {
		t.Fatalf("only %d of %d samples delivered", nDelivered, len(all))
	}

	// Updates Gnocchi refused (a wrong attribute) or could not apply (the
	// id belongs to a resource of another type, as when a provider and
	// its pool share it): the attributes stay those of the creation.
	refused := map[string]bool{}
	for _, msg := range []string{"gnocchi: resource attributes refused", "gnocchi: no such resource to update"} {
		for _, id := range rec.attrs(msg, "id") {
			refused[id] = true
		}
	}
	for id, r := range resources {
		res := gnocchitest.MustGet(t, endpoint, "resource/generic/"+url.PathEscape(id))
		if got := resourceAttr(t, res, "type"); got != r.resourceType {
			t.Errorf("%s: type %v, want %s", id, got, r.resourceType)
			continue
		}
		if refused[id] {
			continue
		}
		full := gnocchitest.MustGet(t, endpoint, "resource/"+r.resourceType+"/"+url.PathEscape(id))
		for j := 0; j < r.attrs.Len(); j++ {
			k, want := r.attrs.At(j)
			if got := resourceAttr(t, full, k); !sameAttribute(got, want) {
				t.Errorf("%s %s: %s = %s, want %s", r.resourceType, id, k, jsonv.Marshal(got), jsonv.Marshal(want))
			}
		}
	}
	for _, m := range metrics {
		points := measures(t, endpoint, m.resourceType, m.id, m.metric, "mean")
		got := map[string]float64{}
		for _, p := range points {
			ts, _ := time.Parse(time.RFC3339, p[0].(string))
			if jsonv.Equal(p[1], 300.0) {
				got[ts.UTC().Format(time.RFC3339)] = toFloat(p[2])
			}
		}
		for bucket, values := range m.values {
			mean, ok := got[bucket]
			lo, hi := values[0], values[0]
			for _, v := range values {
				lo, hi = min(lo, v), max(hi, v)
			}
			if !ok || mean < lo-1e-9 || mean > hi+1e-9 {
				t.Errorf("%s %s %s at %s: mean %v (present %v), want within [%v, %v]", m.resourceType, m.id, m.metric, bucket, mean, ok, lo, hi)
			}
		}
		if len(got) != len(m.values) {
			t.Errorf("%s %s %s: %d buckets, want %d", m.resourceType, m.id, m.metric, len(got), len(m.values))
		}
	}
}

// testCorpusEvents publishes the corpus' events, one batch per
// notification as Ceilometer does, after its samples, and checks their
// effect on the resources: created by create events unless they exist or
// Gnocchi refuses them (then the event is rejected), ended by delete
// events, their project changed by transfer events.
func testCorpusEvents(t *testing.T, endpoint, raw string) {
	ctx := context.Background()
	g := newGnocchiSink(t, raw, nil)
	type key struct{ resourceType, id string }
	existed := map[key]bool{}
	exists := func(k key) bool {
		status, _ := gnocchitest.Get(t, endpoint, "resource/"+k.resourceType+"/"+url.PathEscape(k.id))
		return status == http.StatusOK
	}
	created := map[key]*jsonv.Object{} // by the first create event
	ended := map[key]bool{}
	project := map[key]any{}
	createRejected := map[key]bool{}
	nOps := 0
	for _, c := range gnocchitest.Corpus(t) {
		if len(c.Events) == 0 {
			continue
		}
		type op struct {
			k     key
			op    eventOp
			attrs *jsonv.Object
		}
		var ops []*op
		for i := range c.Events {
			d, o := g.resources.forEvent(c.Events[i].EventType)
			if d == nil {
				ops = append(ops, nil)
				continue
			}
			attrs := d.eventAttributes(&c.Events[i])
			id, _ := attrs.Get("id")
			k := key{d.resourceType, jsonv.PyStr(id)}
			if _, seen := existed[k]; !seen {
				existed[k] = exists(k)
			}
			ops = append(ops, &op{k, o, attrs})
		}
		rej := rejected(t, g.PublishEvents(ctx, c.Events))
		for i, o := range ops {
			if o == nil {
				continue
			}
			nOps++
			_, isRejected := rej[i]
			switch o.op {
			case eventCreate:
				if isRejected {
					createRejected[o.k] = true
				} else if created[o.k] == nil && !existed[o.k] {
					created[o.k] = o.attrs
				}
			case eventDelete:
				ended[o.k] = true
			case eventUpdate:
				if p, ok := o.attrs.Get("project_id"); ok {
					project[o.k] = p
				}
			}
			if isRejected && o.op != eventCreate {
				t.Errorf("%s: event %d (%v) rejected: %v", c.Name, i, o.op, rej[i])
			}
		}
	}
	if nOps < 30 {
		t.Fatalf("only %d events concern Gnocchi resources", nOps)
	}
	for k, attrs := range created {
		res := gnocchitest.MustGet(t, endpoint, "resource/"+k.resourceType+"/"+url.PathEscape(k.id))
		for j := 0; j < attrs.Len(); j++ {
			a, want := attrs.At(j)
			if a == "type" || a == "id" {
				continue
			}
			if got := resourceAttr(t, res, a); !sameAttribute(got, want) {
				t.Errorf("%v created by its event: %s = %s, want %s", k, a, jsonv.Marshal(got), jsonv.Marshal(want))
			}
		}
	}
	for k := range createRejected {
		if created[k] == nil && !existed[k] && exists(k) {
			t.Errorf("%v: its create event was rejected, yet it exists", k)
		}
	}
	nEnded := 0
	for k := range ended {
		status, res := gnocchitest.Get(t, endpoint, "resource/"+k.resourceType+"/"+url.PathEscape(k.id))
		if status == http.StatusNotFound {
			continue // the delete event of a resource Gnocchi never had
		}
		nEnded++
		if resourceAttr(t, res, "ended_at") == nil {
			t.Errorf("%v: not ended by its delete event", k)
		}
	}
	for k, want := range project {
		status, res := gnocchitest.Get(t, endpoint, "resource/"+k.resourceType+"/"+url.PathEscape(k.id))
		if status == http.StatusOK && !jsonv.Equal(resourceAttr(t, res, "project_id"), want) {
			t.Errorf("%v: project_id %v, want %v from its transfer event", k, resourceAttr(t, res, "project_id"), want)
		}
	}
	t.Logf("%d events for resources: %d created, %d create events rejected, %d ended, %d transferred",
		nOps, len(created), len(createRejected), nEnded, len(project))
}

func toFloat(v any) float64 {
	switch v := v.(type) {
	case int64:
		return float64(v)
	case float64:
		return v
	}
	return 0
}

// sameAttribute compares an attribute as sent with Gnocchi's rendering of
// it: datetimes and uuids come back normalized.
func sameAttribute(got, want any) bool {
	if jsonv.Equal(got, want) {
		return true
	}
	gs, ok1 := got.(string)
	ws, ok2 := want.(string)
	if !ok1 || !ok2 {
		return false
	}
	gt, err1 := time.Parse(time.RFC3339Nano, gs)
	wt, err2 := time.Parse("2006-01-02 15:04:05.999999", ws)
	if err2 != nil {
		wt, err2 = time.Parse("2006-01-02T15:04:05.999999", ws)
	}
	if err1 == nil && err2 == nil {
		return gt.Equal(wt)
	}
	return false
}

func TestGnocchi_AnUnreachableGnocchiIsRetryable(t *testing.T) {
	l := httptest.NewServer(http.NotFoundHandler())
	addr := strings.TrimPrefix(l.URL, "http://")
	l.Close()
	g := newGnocchiSink(t, "gnocchi://admin@"+addr+"?timeout=2", nil)
	err := g.PublishSamples(context.Background(), []processors.Sample{gauge("bandwidth", "n", "2026-11-20T10:00:00+00:00", int64(1), "")})
	if err == nil || errors.Is(err, processors.ErrPermanent) {
		t.Fatalf("got %v, want a retryable error", err)
	}
}

// fakeGnocchi answers the setup requests and then status for everything.
func fakeGnocchi(t *testing.T, status int, seen func(*http.Request)) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if seen != nil {
			seen(r)
		}
		if r.Method == http.MethodGet && (r.URL.Path == "/v1/archive_policy" || r.URL.Path == "/v1/resource_type") {
			if status == http.StatusOK {
				w.Write([]byte("[]"))
				return
			}
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		fmt.Fprintf(w, `{"code": %d, "description": "fake"}`, status)
	}))
	t.Cleanup(srv.Close)
	return strings.TrimPrefix(srv.URL, "http://")
}

func TestGnocchi_ServerErrorsAndAuthFailuresAreRetryable(t *testing.T) {
	for _, status := range []int{http.StatusInternalServerError, http.StatusServiceUnavailable, http.StatusUnauthorized, http.StatusForbidden} {
		t.Run(http.StatusText(status), func(t *testing.T) {
			g := newGnocchiSink(t, "gnocchi://admin@"+fakeGnocchi(t, status, nil), nil)
			err := g.PublishSamples(context.Background(), []processors.Sample{gauge("bandwidth", "n", "2026-11-20T10:00:00+00:00", int64(1), "")})
			var ae *GnocchiAPIError
			if !errors.As(err, &ae) || ae.Status != status || errors.Is(err, processors.ErrPermanent) {
				t.Fatalf("got %v, want a retryable %d", err, status)
			}
			err = g.PublishEvents(context.Background(), []processors.Event{{EventType: "image.delete",
				Traits: []processors.Trait{{Name: "resource_id", Type: processors.TraitText, Value: "img"}}}})
			if err == nil || errors.Is(err, processors.ErrPermanent) {
				t.Fatalf("events: got %v, want a retryable error", err)
			}
		})
	}
}

func TestGnocchi_EventsNoDefinitionHandlesAreIgnoredWithoutTalkingToGnocchi(t *testing.T) {
	calls := 0
	g := newGnocchiSink(t, "gnocchi://"+fakeGnocchi(t, http.StatusInternalServerError, func(*http.Request) { calls++ }), nil)
	err := g.PublishEvents(context.Background(), []processors.Event{{EventType: "compute.instance.exists"}})
	if err != nil || calls != 0 {
		t.Fatalf("err %v, %d calls", err, calls)
	}
}

func TestGnocchi_AnEventWithoutItsResourceIDIsRejected(t *testing.T) {
	g := newGnocchiSink(t, "gnocchi://"+fakeGnocchi(t, http.StatusOK, nil), nil)
	err := g.PublishEvents(context.Background(), []processors.Event{{EventType: "image.delete"}})
	if got := rejected(t, err); len(got) != 1 || !strings.Contains(got[0].Error(), "resource_id") {
		t.Fatalf("got %v", err)
	}
}

func TestGnocchi_AuthModesSendTheirHeaders(t *testing.T) {
	for _, c := range []struct {
		name, userinfo, query string
		want                  map[string]string
	}{
		{"basic", "ceilometer:secret@", "", map[string]string{"Authorization": "Basic Y2VpbG9tZXRlcjpzZWNyZXQ="}},
		{"token", ":tok3n@", "auth=token", map[string]string{"X-Auth-Token": "tok3n", "Authorization": ""}},
		{"noauth", "", "auth=noauth&user_id=u1&project_id=p1", map[string]string{"X-User-Id": "u1", "X-Project-Id": "p1", "X-Roles": "admin"}},
		{"noauth with roles", "", "auth=noauth&project_id=p1&roles=member,reader", map[string]string{"X-Project-Id": "p1", "X-Roles": "member,reader", "X-User-Id": ""}},
		{"none", "", "", map[string]string{"Authorization": "", "X-Auth-Token": "", "X-Roles": ""}},
	} {
		t.Run(c.name, func(t *testing.T) {
			var got http.Header
			host := fakeGnocchi(t, http.StatusOK, func(r *http.Request) { got = r.Header.Clone() })
			g := newGnocchiSink(t, "gnocchi://"+c.userinfo+host+"?"+c.query, nil)
			if err := g.ensureSetup(context.Background()); err != nil {
				t.Fatal(err)
			}
			for k, v := range c.want {
				if got.Get(k) != v {
					t.Errorf("%s: %q, want %q", k, got.Get(k), v)
				}
			}
			if got.Get("Accept") != "application/json" {
				t.Errorf("Accept: %q", got.Get("Accept"))
			}
		})
	}
}

func TestNewGnocchi_URLs(t *testing.T) {
	for _, c := range []struct {
		url, endpoint string
		timeout       time.Duration
	}{
		{"gnocchi://gnocchi.example.org", "http://gnocchi.example.org:8041", DefaultGnocchiTimeout},
		{"gnocchi://gnocchi.example.org:8041?archive_policy=low&filter_project_id=abc", "http://gnocchi.example.org:8041", DefaultGnocchiTimeout},
		{"gnocchi+https://cloud.example.org:443/metric/?timeout=2.5", "https://cloud.example.org:443/metric", 2500 * time.Millisecond},
		{"gnocchi+http://[::1]", "http://[::1]:8041", DefaultGnocchiTimeout},
		{"gnocchi://h?filter_project=service&filter_domain=Default", "http://h:8041", DefaultGnocchiTimeout},
		{"gnocchi://h?verify_ssl=false&timeout=6.05", "http://h:8041", DefaultGnocchiTimeout},
	} {
		u, _ := url.Parse(c.url)
		s, err := NewGnocchi(u, Options{Logger: slog.New(&logRecorder{})})
		if err != nil {
			t.Errorf("%s: %v", c.url, err)
			continue
		}
		g := s.(*Gnocchi)
		if g.api.base != c.endpoint || g.api.timeout != c.timeout {
			t.Errorf("%s: endpoint %s timeout %s, want %s %s", c.url, g.api.base, g.api.timeout, c.endpoint, c.timeout)
		}
	}
}

func TestNewGnocchi_InvalidURLsFailAtLoad(t *testing.T) {
	for _, c := range []struct{ url, want string }{
		{"gnocchi://", "no Gnocchi endpoint"},
		{"gnocchi://?archive_policy=low", "no Gnocchi endpoint"},
		{"gnocchis://h", "scheme"},
		{"gnocchi://h?archive_polcy=low", `unknown option "archive_polcy"`},
		{"gnocchi://h?timeout=soon", "timeout=soon"},
		{"gnocchi://h?timeout=-1", "timeout=-1"},
		{"gnocchi://h?auth=kerberos", "auth=kerberos"},
		{"gnocchi://h?auth=basic", "needs a user"},
		{"gnocchi://user@h?auth=token", "token as the URL's password"},
		{"gnocchi://u:p@h?auth=noauth", "not a URL user"},
		{"gnocchi://h?user_id=u", "option of auth=noauth"},
		{"gnocchi://h?verify_ssl=/nonexistent/ca.pem", "verify_ssl"},
		{"gnocchi://h?resources_definition_file=/nonexistent.yaml", "resources_definition_file"},
		{"gnocchi://:s3cret@h?auth=basic", "needs a user"},
	} {
		u, _ := url.Parse(c.url)
		_, err := NewGnocchi(u, Options{Logger: slog.New(&logRecorder{})})
		if !errors.Is(err, ErrInvalidURL) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: got %v, want %q", c.url, err, c.want)
		}
		if err != nil && strings.Contains(err.Error(), "s3cret") {
			t.Errorf("%s: error shows the password: %v", c.url, err)
		}
	}
}

func TestNewGnocchi_AProjectNameToFilterIsIgnoredWithAWarning(t *testing.T) {
	rec := &logRecorder{}
	u, _ := url.Parse("gnocchi://h?filter_project=service")
	s, err := NewGnocchi(u, Options{Logger: slog.New(rec)})
	if err != nil {
		t.Fatal(err)
	}
	if s.(*Gnocchi).filterProjectID != "" || len(rec.records) != 1 || rec.records[0].Level != slog.LevelWarn ||
		!strings.Contains(rec.records[0].Message, "filter_project") {
		t.Fatalf("filter %q, logs %v", s.(*Gnocchi).filterProjectID, rec.records)
	}
}

func ExampleNewGnocchi() {
	// Gnocchi at gnocchi.example.org:8041 over HTTPS, with HTTP basic auth;
	// every metric in the ceilometer-high archive policy; samples of
	// Gnocchi's own project dropped.
	u, _ := url.Parse("gnocchi+https://ceilometer:secret@gnocchi.example.org:8041" +
		"?archive_policy=ceilometer-high&filter_project_id=0c6a4e6f6a8b4c5e9a1b2c3d4e5f6a7b&timeout=10")
	s, err := NewGnocchi(u, Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer s.Close(context.Background())
	_, samples := s.(SampleSink)
	_, events := s.(EventSink)
	fmt.Println("samples:", samples, "events:", events)
	// Output: samples: true events: true
}
