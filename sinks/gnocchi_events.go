package sinks

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"meterflow/processors"
	"meterflow/processors/jsonv"
)

// PublishEvents applies the events the resources file maps to a resource
// type (event_create, event_delete, event_update), as Ceilometer's
// publish_events: a create event creates the resource (one that exists
// already is left alone), a delete event sets ended_at on the resource and
// on its event_associated_resources, an update event updates its
// attributes. Other events are ignored.
//
// ended_at is the event's generated time, so a redelivered delete event
// writes the same value again; Ceilometer uses the time it handles the
// event, and so does meterflow when Gnocchi refuses the event's time
// (earlier than the resource's start, for a resource created late).
//
// An event without the trait naming its resource, or whose resource Gnocchi
// refuses to create, is rejected (*RejectedError); connection errors and
// 5xx are plain errors.
func (g *Gnocchi) PublishEvents(ctx context.Context, events []processors.Event) error {
	type job struct {
		i     int
		def   *resourceDef
		op    eventOp
		attrs *jsonv.Object
	}
	var jobs []job
	rejected := map[int]error{}
	for i := range events {
		e := &events[i]
		d, op := g.resources.forEvent(e.EventType)
		if d == nil {
			if _, seen := g.logged.LoadOrStore("event\x00"+e.EventType, true); !seen {
				g.log.Debug("gnocchi: no resource definition for event type", "event_type", e.EventType)
			}
			continue
		}
		attrs := d.eventAttributes(e)
		if _, ok := attrs.Get("id"); !ok {
			rejected[i] = fmt.Errorf("gnocchi: %s event without the %s trait naming its %s resource",
				e.EventType, d.idTrait(), d.resourceType)
			continue
		}
		jobs = append(jobs, job{i, d, op, attrs})
	}
	if len(jobs) > 0 {
		if err := g.ensureSetup(ctx); err != nil {
			return err
		}
	}
	for _, j := range jobs {
		var err error
		switch j.op {
		case eventCreate:
			err = g.createFromEvent(ctx, j.attrs)
		case eventDelete:
			err = g.endFromEvent(ctx, j.def, j.attrs, events[j.i].Generated)
		case eventUpdate:
			err = g.updateFromEvent(ctx, j.attrs)
		}
		if err != nil {
			if !isClientError(err) {
				return err
			}
			rejected[j.i] = err
		}
	}
	if len(rejected) > 0 {
		return &RejectedError{Rejected: rejected}
	}
	return nil
}

// idTrait names the trait the resource id comes from.
func (d *resourceDef) idTrait() string {
	for _, a := range d.eventAttrs {
		if a.name == "id" {
			return a.trait
		}
	}
	return "id"
}

// createFromEvent is _create_event.
func (g *Gnocchi) createFromEvent(ctx context.Context, attrs *jsonv.Object) error {
	body := jsonv.Clone(attrs).(*jsonv.Object)
	rt, _ := body.Get("type")
	body.Delete("type")
	err := g.api.do(ctx, http.MethodPost, "resource/"+pathID(rt), nil, "", body, nil)
	if isStatus(err, http.StatusConflict) {
		return nil
	}
	return err
}

// updateFromEvent is _update_event for the resource itself: its
// attributes other than id and type, unless unchanged.
func (g *Gnocchi) updateFromEvent(ctx context.Context, attrs *jsonv.Object) error {
	body := jsonv.Clone(attrs).(*jsonv.Object)
	rt, _ := body.Get("type")
	id, _ := body.Get("id")
	body.Delete("type")
	body.Delete("id")
	if body.Len() == 0 {
		return nil
	}
	return g.updateResource(ctx, jsonv.PyStr(rt), id, body)
}

// endFromEvent is _delete_event: ended_at on the resource and on the
// resources its event_associated_resources queries find.
func (g *Gnocchi) endFromEvent(ctx context.Context, d *resourceDef, attrs *jsonv.Object, generated string) error {
	id, _ := attrs.Get("id")
	type target struct {
		resourceType string
		id           any
	}
	targets := []target{{d.resourceType, id}}
	for _, a := range d.associated {
		found, err := g.searchResources(ctx, a.resourceType, associatedQuery(a.query, id))
		if err != nil {
			return err
		}
		for _, f := range found {
			targets = append(targets, target{a.resourceType, f})
		}
	}
	for _, t := range targets {
		if err := g.setEndedAt(ctx, t.resourceType, t.id, generated); err != nil {
			return err
		}
	}
	return nil
}

// searchResources returns the ids of the resources of a type a query
// finds. A query Gnocchi refuses finds nothing, as in Ceilometer.
func (g *Gnocchi) searchResources(ctx context.Context, resourceType, query string) ([]string, error) {
	q, err := jsonv.ParseString(query)
	if err != nil {
		g.log.Error("gnocchi: event_associated_resources query is not JSON", "type", resourceType, "query", query, "error", err)
		return nil, nil
	}
	var found []struct {
		ID string `json:"id"`
	}
	err = g.api.do(ctx, http.MethodPost, "search/resource/"+pathID(resourceType), nil, "", q, &found)
	if err != nil {
		if isClientError(err) {
			g.log.Warn("gnocchi: searching associated resources", "type", resourceType, "query", query, "error", err)
			return nil, nil
		}
		return nil, err
	}
	ids := make([]string, len(found))
	for i, f := range found {
		ids[i] = f.ID
	}
	return ids, nil
}

// setEndedAt ends a resource at the event's time, or now when Gnocchi
// refuses that (or the event has none). A resource Gnocchi does not know
// is left alone.
func (g *Gnocchi) setEndedAt(ctx context.Context, resourceType string, id any, generated string) error {
	patch := func(at string) error {
		body := jsonv.NewObject(1)
		body.Set("ended_at", at)
		return g.api.do(ctx, http.MethodPatch, "resource/"+pathID(resourceType)+"/"+pathID(id), nil, "", body, nil)
	}
	now := g.now().UTC().Format("2006-01-02T15:04:05.000000")
	err := errors.New("no event time")
	if generated != "" {
		err = patch(generated)
	}
	if err != nil && !isStatus(err, http.StatusNotFound) && (generated == "" || isStatus(err, http.StatusBadRequest)) {
		err = patch(now)
	}
	if isStatus(err, http.StatusNotFound) {
		g.log.Debug("gnocchi: delete event for an unknown resource", "type", resourceType, "id", jsonv.PyStr(id))
		return nil
	}
	return err
}
