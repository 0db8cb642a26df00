package sinks

import (
	"context"
	"errors"
	"fmt"
	"math/big"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"sync"

	"meterflow/processors"
	"meterflow/processors/jsonv"
)

// PublishSamples pushes the samples' measures to Gnocchi in one batch
// (POST /v1/batch/resources/metrics/measures?create_metrics=true), creating
// the resources Gnocchi reports unknown, then updates the attributes of
// resources whose attributes changed.
//
// Samples of the filtered project and samples of metrics the resources file
// does not map are dropped, as Ceilometer drops them: they count as
// delivered. A sample Gnocchi refuses for good (its resource cannot be
// created, its value or timestamp is invalid, its metric's archive policy
// does not exist) is in the returned *RejectedError, the batch being split
// to find which, and so is a sample without a string resource_id or a
// numeric volume, or whose attributes cannot be evaluated (where Ceilometer
// loses the whole batch). Connection errors, 5xx and authentication or
// authorization failures are plain errors: retry the whole batch.
func (g *Gnocchi) PublishSamples(ctx context.Context, samples []processors.Sample) error {
	if len(samples) == 0 {
		return nil
	}
	if err := g.ensureSetup(ctx); err != nil {
		return err
	}
	p := g.plan(samples)
	if len(p.entries) > 0 {
		if err := g.deliver(ctx, p, p.entries); err != nil {
			return err
		}
	}
	if err := g.updateAttributes(ctx, p); err != nil {
		return err
	}
	if len(p.rejected) > 0 {
		return &RejectedError{Rejected: p.rejected}
	}
	return nil
}

// samplePlan is one batch of samples mapped to Gnocchi, as Ceilometer's
// publish_samples builds gnocchi_data and measures.
type samplePlan struct {
	resources map[string]*plannedResource // by Gnocchi resource id
	entries   []*measureEntry             // in batch order
	rejected  map[int]error               // by sample index
}

// plannedResource is a resource the batch measures.
type plannedResource struct {
	id           string // the sample's resource_id with "/" replaced by "_"
	resourceType string
	userID       any
	projectID    any
	// attrs are the attributes of the resource's samples merged, the
	// later samples' winning.
	attrs   *jsonv.Object
	created bool  // created by this batch
	failed  error // creation refused for good: its samples are rejected
}

// measureEntry is one sample's measure.
type measureEntry struct {
	sample    int
	resource  *plannedResource
	metric    string
	policy    string // archive policy, should Gnocchi create the metric
	unit      string // the unit of the metric's first sample in the batch
	timestamp string
	value     any
}

// plan maps samples to resources and measures. It is pure but for logging
// metrics it does not handle.
func (g *Gnocchi) plan(samples []processors.Sample) *samplePlan {
	p := &samplePlan{resources: map[string]*plannedResource{}, rejected: map[int]error{}}
	idx := make([]int, 0, len(samples))
	for i := range samples {
		s := &samples[i]
		if g.isGnocchiActivity(s) {
			continue
		}
		if _, ok := s.ResourceID.(string); !ok {
			p.rejected[i] = fmt.Errorf("gnocchi: resource_id %s is not a string", jsonv.PyRepr(s.ResourceID))
			continue
		}
		idx = append(idx, i)
	}
	// Ceilometer sorts by resource_id, stably, before grouping.
	sort.SliceStable(idx, func(a, b int) bool {
		return samples[idx[a]].ResourceID.(string) < samples[idx[b]].ResourceID.(string)
	})
	units := map[[2]string]string{}
	for _, i := range idx {
		s := &samples[i]
		d := g.resources.byMetric[s.Name]
		if d == nil {
			g.logOnce("metric\x00"+s.Name, "gnocchi: metric not handled by the resources file: dropped", "metric", s.Name)
			continue
		}
		if !isMeasureValue(s.Volume) {
			p.rejected[i] = fmt.Errorf("gnocchi: volume %s is not a number", jsonv.PyRepr(s.Volume))
			continue
		}
		attrs, err := d.sampleAttributes(s)
		if err != nil {
			p.rejected[i] = fmt.Errorf("gnocchi: %s: %w", d.resourceType, err)
			continue
		}
		// "/" is forbidden in Gnocchi resource ids.
		id := strings.ReplaceAll(s.ResourceID.(string), "/", "_")
		r := p.resources[id]
		if r == nil {
			r = &plannedResource{id: id, resourceType: d.resourceType, userID: s.UserID, projectID: s.ProjectID, attrs: jsonv.NewObject(len(d.attributes))}
			p.resources[id] = r
		}
		for j := 0; j < attrs.Len(); j++ {
			k, v := attrs.At(j)
			r.attrs.Set(k, v)
		}
		key := [2]string{id, s.Name}
		unit, ok := units[key]
		if !ok {
			unit = s.Unit
			units[key] = unit
		}
		p.entries = append(p.entries, &measureEntry{
			sample: i, resource: r, metric: s.Name, policy: d.metrics[s.Name], unit: unit,
			timestamp: s.Timestamp, value: s.Volume,
		})
	}
	return p
}

// isGnocchiActivity is Ceilometer's _is_gnocchi_activity: a sample of
// Gnocchi's own project, or of its swift account.
func (g *Gnocchi) isGnocchiActivity(s *processors.Sample) bool {
	if g.filterProjectID == "" {
		return false
	}
	if pid, ok := s.ProjectID.(string); ok && pid == g.filterProjectID {
		return true
	}
	if rid, ok := s.ResourceID.(string); ok && rid == g.filterProjectID {
		d := g.resources.byMetric[s.Name]
		return d != nil && d.resourceType == "swift_account"
	}
	return false
}

// isMeasureValue reports whether Gnocchi may take v as a measure value
// (Python's float(v)): numbers and booleans surely, strings perhaps.
func isMeasureValue(v any) bool {
	switch v.(type) {
	case int64, *big.Int, float64, bool, string:
		return true
	}
	return false
}

// measuresBody renders entries as the batch endpoint's document:
// {resource id: {metric: {"measures": [...], "archive_policy_name", "unit"}}}.
func measuresBody(entries []*measureEntry) *jsonv.Object {
	type metricMeasures struct {
		e        *measureEntry
		measures []any
	}
	body := jsonv.NewObject(8)
	byResource := map[string]*jsonv.Object{}
	var metrics []*metricMeasures
	byMetric := map[[2]string]*metricMeasures{}
	for _, e := range entries {
		key := [2]string{e.resource.id, e.metric}
		m := byMetric[key]
		if m == nil {
			r := byResource[e.resource.id]
			if r == nil {
				r = jsonv.NewObject(4)
				byResource[e.resource.id] = r
				body.Set(e.resource.id, r)
			}
			m = &metricMeasures{e: e}
			byMetric[key] = m
			metrics = append(metrics, m)
			r.Set(e.metric, nil) // keeps first-seen order; filled below
		}
		measure := jsonv.NewObject(2)
		measure.Set("timestamp", e.timestamp)
		measure.Set("value", e.value)
		m.measures = append(m.measures, measure)
	}
	for _, m := range metrics {
		o := jsonv.NewObject(3)
		o.Set("measures", m.measures)
		o.Set("archive_policy_name", m.e.policy)
		o.Set("unit", m.e.unit)
		byResource[m.e.resource.id].Set(m.e.metric, o)
	}
	return body
}

// deliver posts entries as one batch. When Gnocchi reports unknown
// resources it creates them and posts again; when it refuses the batch
// (400) it splits it in halves until the refused measures are alone, and
// rejects them. Only what no retry can fix is rejected; anything else is
// returned.
func (g *Gnocchi) deliver(ctx context.Context, p *samplePlan, entries []*measureEntry) error {
	for {
		// Samples of a resource that could not be created are rejected
		// already.
		if entries = withoutFailed(entries); len(entries) == 0 {
			return nil
		}
		err := g.api.do(ctx, http.MethodPost, "batch/resources/metrics/measures",
			url.Values{"create_metrics": {"true"}}, "", measuresBody(entries), nil)
		if err == nil {
			return nil
		}
		var ae *GnocchiAPIError
		if !errors.As(err, &ae) || !ae.clientError() {
			return err
		}
		if ae.cause() == "Unknown resources" {
			if err := g.createUnknown(ctx, p, ae); err != nil {
				return err
			}
			continue
		}
		if ae.Status != http.StatusBadRequest && ae.Status != http.StatusRequestEntityTooLarge {
			// 404, 405, 415...: the endpoint, not the samples.
			return err
		}
		if len(entries) == 1 {
			p.rejected[entries[0].sample] = ae
			return nil
		}
		half := len(entries) / 2
		if err := g.deliver(ctx, p, entries[:half]); err != nil {
			return err
		}
		entries = entries[half:]
	}
}

// createUnknown creates the resources an "Unknown resources" answer lists,
// several at a time.
func (g *Gnocchi) createUnknown(ctx context.Context, p *samplePlan, ae *GnocchiAPIError) error {
	d, _ := ae.Description.(*jsonv.Object)
	detail, _ := d.Get("detail")
	list, _ := detail.([]any)
	if len(list) == 0 {
		return ae
	}
	unknown := make([]*plannedResource, 0, len(list))
	for _, item := range list {
		o, _ := item.(*jsonv.Object)
		var orig any
		if o != nil {
			orig, _ = o.Get("original_resource_id")
		}
		r := p.resources[jsonv.PyStr(orig)]
		if r == nil {
			return fmt.Errorf("gnocchi: batch names unknown resource %s, which it was not sent: %w", jsonv.PyRepr(orig), ae)
		}
		if r.created {
			// Created, yet unknown: deleted in the meantime. Try later.
			return fmt.Errorf("gnocchi: resource %s still unknown after its creation: %w", r.id, ae)
		}
		unknown = append(unknown, r)
	}
	err := parallel(len(unknown), func(i int) error {
		r := unknown[i]
		if err := g.createResource(ctx, r); err != nil {
			if !isClientError(err) {
				return err
			}
			r.failed = err
			g.log.Warn("gnocchi: cannot create resource: its samples are rejected", "type", r.resourceType, "id", r.id, "error", err)
			return nil
		}
		r.created = true
		return nil
	})
	if err != nil {
		return err
	}
	for _, e := range p.entries {
		if e.resource.failed != nil {
			p.rejected[e.sample] = fmt.Errorf("gnocchi: creating %s resource %s: %w", e.resource.resourceType, e.resource.id, e.resource.failed)
		}
	}
	return nil
}

// maxParallelRequests bounds the requests one publish has in flight.
const maxParallelRequests = 8

// parallel runs fn(0) ... fn(n-1), up to maxParallelRequests at a time,
// and returns the first error.
func parallel(n int, fn func(i int) error) error {
	sem := make(chan struct{}, maxParallelRequests)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var first error
	for i := range n {
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			if err := fn(i); err != nil {
				mu.Lock()
				if first == nil {
					first = err
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return first
}

// createResource creates r with its attributes; it existing already is
// success.
func (g *Gnocchi) createResource(ctx context.Context, r *plannedResource) error {
	err := g.api.do(ctx, http.MethodPost, "resource/"+pathID(r.resourceType), nil, "", r.createBody(), nil)
	switch {
	case err == nil:
		if r.attrs.Len() > 0 {
			g.attrs.set(r.id, attrHash(r.attrs))
		}
		return nil
	case isStatus(err, http.StatusConflict):
		// Created in the meantime; its attributes are updated below.
		return nil
	}
	return err
}

// createBody is the resource as Ceilometer creates it: id, user_id and
// project_id, then the attributes (which may override them).
func (r *plannedResource) createBody() *jsonv.Object {
	body := jsonv.NewObject(3 + r.attrs.Len())
	body.Set("id", r.id)
	body.Set("user_id", r.userID)
	body.Set("project_id", r.projectID)
	for i := 0; i < r.attrs.Len(); i++ {
		k, v := r.attrs.At(i)
		body.Set(k, v)
	}
	return body
}

func withoutFailed(entries []*measureEntry) []*measureEntry {
	out := entries[:0:0]
	for _, e := range entries {
		if e.resource.failed == nil {
			out = append(out, e)
		}
	}
	return out
}

// updateAttributes PATCHes the attributes of the batch's resources whose
// attributes differ from those last written. An update Gnocchi refuses for
// good (an attribute of the wrong type) is logged: the measures were
// delivered, and sending them again would not help.
func (g *Gnocchi) updateAttributes(ctx context.Context, p *samplePlan) error {
	ids := make([]string, 0, len(p.resources))
	for id, r := range p.resources {
		if r.failed == nil && r.attrs.Len() > 0 {
			ids = append(ids, id)
		}
	}
	sort.Strings(ids)
	return parallel(len(ids), func(i int) error {
		r := p.resources[ids[i]]
		return g.updateResource(ctx, r.resourceType, r.id, r.attrs)
	})
}

// updateResource is Ceilometer's _if_not_cached: PATCH the attributes
// unless they are those last written. A resource Gnocchi does not know is
// left alone.
func (g *Gnocchi) updateResource(ctx context.Context, resourceType string, id any, attrs *jsonv.Object) error {
	key := jsonv.PyStr(id)
	h := attrHash(attrs)
	if g.attrs.unchanged(key, h) {
		return nil
	}
	err := g.api.do(ctx, http.MethodPatch, "resource/"+pathID(resourceType)+"/"+pathID(id), nil, "", attrs, nil)
	switch {
	case err == nil:
	case isStatus(err, http.StatusNotFound):
		g.log.Debug("gnocchi: no such resource to update", "type", resourceType, "id", key)
		return nil
	case isClientError(err):
		g.log.Warn("gnocchi: resource attributes refused", "type", resourceType, "id", key, "error", err)
	default:
		return err
	}
	g.attrs.set(key, h)
	return nil
}
