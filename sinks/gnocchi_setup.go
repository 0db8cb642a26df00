package sinks

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	"meterflow/processors/jsonv"
)

// This file prepares Gnocchi before the first publish: the archive
// policies of the resources file (Ceilometer's publisher does it on its
// first batch) and the resource types Ceilometer's schema declares
// (`ceilometer-upgrade` does it). Only what is missing is written, so an
// account without the admin role works once an administrator has set
// Gnocchi up.

// ceilometerResourceTypes is ceilometer.gnocchi_client.resources_initial
// (Ceilometer 19), in its order: resource type and attributes schema.
var ceilometerResourceTypes = []struct{ name, attributes string }{
	{"image", `{
		"name": {"type": "string", "min_length": 0, "max_length": 255, "required": true},
		"container_format": {"type": "string", "min_length": 0, "max_length": 255, "required": true},
		"disk_format": {"type": "string", "min_length": 0, "max_length": 255, "required": true}}`},
	{"instance", `{
		"flavor_id": {"type": "string", "min_length": 0, "max_length": 255, "required": true},
		"image_ref": {"type": "string", "min_length": 0, "max_length": 255, "required": false},
		"host": {"type": "string", "min_length": 0, "max_length": 255, "required": true},
		"display_name": {"type": "string", "min_length": 0, "max_length": 255, "required": true},
		"server_group": {"type": "string", "min_length": 0, "max_length": 255, "required": false}}`},
	{"instance_disk", `{
		"name": {"type": "string", "min_length": 0, "max_length": 255, "required": true},
		"instance_id": {"type": "uuid", "required": true}}`},
	{"instance_network_interface", `{
		"name": {"type": "string", "min_length": 0, "max_length": 255, "required": true},
		"instance_id": {"type": "uuid", "required": true}}`},
	{"volume", `{
		"display_name": {"type": "string", "min_length": 0, "max_length": 255, "required": false}}`},
	{"swift_account", `{}`},
	{"ceph_account", `{}`},
	{"network", `{}`},
	{"identity", `{}`},
	{"ipmi", `{}`},
	{"stack", `{}`},
	{"host", `{
		"host_name": {"type": "string", "min_length": 0, "max_length": 255, "required": true}}`},
	{"host_network_interface", `{
		"host_name": {"type": "string", "min_length": 0, "max_length": 255, "required": true},
		"device_name": {"type": "string", "min_length": 0, "max_length": 255, "required": false}}`},
	{"host_disk", `{
		"host_name": {"type": "string", "min_length": 0, "max_length": 255, "required": true},
		"device_name": {"type": "string", "min_length": 0, "max_length": 255, "required": false}}`},
}

// ceilometerResourceTypeUpdates is ceilometer.gnocchi_client's
// resources_update_operations, applied in order: either a JSON patch adding
// attributes to a type (skipped when the type has the first one), or a type
// to create with its attributes (skipped when it exists).
var ceilometerResourceTypeUpdates = []struct {
	resourceType string
	patch        string // JSON patch, for update_attribute_type
	create       string // attributes, for create_resource_type
}{
	{resourceType: "volume", patch: `[{"op": "add", "path": "/attributes/volume_type",
		"value": {"type": "string", "min_length": 0, "max_length": 255, "required": false}}]`},
	{resourceType: "instance", patch: `[{"op": "add", "path": "/attributes/flavor_name",
		"value": {"type": "string", "min_length": 0, "max_length": 255, "required": true, "options": {"fill": ""}}}]`},
	{resourceType: "nova_compute", create: `{
		"host_name": {"type": "string", "min_length": 0, "max_length": 255, "required": true}}`},
	{resourceType: "manila_share", create: `{
		"name": {"type": "string", "min_length": 0, "max_length": 255, "required": false},
		"host": {"type": "string", "min_length": 0, "max_length": 255, "required": true},
		"protocol": {"type": "string", "min_length": 0, "max_length": 255, "required": false},
		"availability_zone": {"type": "string", "min_length": 0, "max_length": 255, "required": false},
		"status": {"type": "string", "min_length": 0, "max_length": 255, "required": true}}`},
	{resourceType: "switch", create: `{
		"controller": {"type": "string", "min_length": 0, "max_length": 255, "required": true}}`},
	{resourceType: "switch_port", create: `{
		"switch": {"type": "string", "min_length": 0, "max_length": 64, "required": true},
		"port_number_on_switch": {"type": "number", "min": 0, "max": 4294967295, "required": false},
		"neutron_port_id": {"type": "string", "min_length": 0, "max_length": 255, "required": false},
		"controller": {"type": "string", "min_length": 0, "max_length": 255, "required": true}}`},
	{resourceType: "port", create: `{
		"controller": {"type": "string", "min_length": 0, "max_length": 255, "required": true}}`},
	{resourceType: "switch_table", create: `{
		"switch": {"type": "string", "min_length": 0, "max_length": 64, "required": true},
		"controller": {"type": "string", "min_length": 0, "max_length": 255, "required": true}}`},
	{resourceType: "volume_provider", create: `{}`},
	{resourceType: "volume_provider_pool", create: `{
		"provider": {"type": "string", "min_length": 0, "max_length": 255, "required": true}}`},
	{resourceType: "ipmi_sensor", create: `{
		"node": {"type": "string", "min_length": 0, "max_length": 255, "required": true}}`},
	{resourceType: "instance", patch: `[
		{"op": "add", "path": "/attributes/launched_at", "value": {"type": "datetime", "required": false}},
		{"op": "add", "path": "/attributes/created_at", "value": {"type": "datetime", "required": false}},
		{"op": "add", "path": "/attributes/deleted_at", "value": {"type": "datetime", "required": false}}]`},
	{resourceType: "volume", patch: `[
		{"op": "add", "path": "/attributes/image_id", "value": {"type": "uuid", "required": false}},
		{"op": "add", "path": "/attributes/instance_id", "value": {"type": "uuid", "required": false}}]`},
	{resourceType: "instance", patch: `[{"op": "add", "path": "/attributes/availability_zone",
		"value": {"type": "string", "min_length": 0, "max_length": 255, "required": false}}]`},
}

// ensureSetup prepares Gnocchi once. Until it succeeds every publish tries
// again and fails with a plain (retryable) error: a Gnocchi that cannot be
// set up is the deployment's problem, not the samples'.
func (g *Gnocchi) ensureSetup(ctx context.Context) error {
	g.setupMu.Lock()
	defer g.setupMu.Unlock()
	if g.setupDone {
		return nil
	}
	if err := g.ensureArchivePolicies(ctx); err != nil {
		return fmt.Errorf("gnocchi: creating archive policies: %w", err)
	}
	if err := g.ensureResourceTypes(ctx); err != nil {
		return fmt.Errorf("gnocchi: creating resource types: %w", err)
	}
	g.setupDone = true
	return nil
}

func (g *Gnocchi) ensureArchivePolicies(ctx context.Context) error {
	if len(g.resources.archivePolicies) == 0 {
		return nil
	}
	var existing []struct {
		Name string `json:"name"`
	}
	if err := g.api.do(ctx, http.MethodGet, "archive_policy", nil, "", nil, &existing); err != nil {
		return err
	}
	have := map[string]bool{}
	for _, ap := range existing {
		have[ap.Name] = true
	}
	for _, ap := range g.resources.archivePolicies {
		name, _ := ap.Get("name")
		if have[jsonv.PyStr(name)] {
			continue
		}
		err := g.api.do(ctx, http.MethodPost, "archive_policy", nil, "", ap, nil)
		if err != nil && !isStatus(err, http.StatusConflict) {
			return err
		}
		g.log.Info("gnocchi: created archive policy", "name", name)
	}
	return nil
}

func (g *Gnocchi) ensureResourceTypes(ctx context.Context) error {
	var existing []struct {
		Name       string         `json:"name"`
		Attributes map[string]any `json:"attributes"`
	}
	if err := g.api.do(ctx, http.MethodGet, "resource_type", nil, "", nil, &existing); err != nil {
		return err
	}
	types := map[string]map[string]bool{}
	for _, rt := range existing {
		attrs := map[string]bool{}
		for a := range rt.Attributes {
			attrs[a] = true
		}
		types[rt.Name] = attrs
	}
	create := func(name, attributes string) error {
		if types[name] != nil {
			return nil
		}
		attrs, err := jsonv.ParseString(attributes)
		if err != nil {
			panic(fmt.Sprintf("gnocchi resource type %s: %v", name, err))
		}
		body := jsonv.NewObject(2)
		body.Set("name", name)
		body.Set("attributes", attrs)
		err = g.api.do(ctx, http.MethodPost, "resource_type", nil, "", body, nil)
		if err != nil && !isStatus(err, http.StatusConflict) {
			return err
		}
		types[name] = map[string]bool{}
		for _, k := range attrs.(*jsonv.Object).Keys() {
			types[name][k] = true
		}
		g.log.Info("gnocchi: created resource type", "name", name)
		return nil
	}
	for _, rt := range ceilometerResourceTypes {
		if err := create(rt.name, rt.attributes); err != nil {
			return err
		}
	}
	for _, op := range ceilometerResourceTypeUpdates {
		if op.create != "" {
			if err := create(op.resourceType, op.create); err != nil {
				return err
			}
			continue
		}
		patch, err := jsonv.ParseString(op.patch)
		if err != nil {
			panic(fmt.Sprintf("gnocchi resource type %s patch: %v", op.resourceType, err))
		}
		ops := patch.([]any)
		first := ops[0].(*jsonv.Object)
		path, _ := first.Get("path")
		attr := strings.TrimPrefix(path.(string), "/attributes/")
		attrs := types[op.resourceType]
		if attrs == nil {
			return fmt.Errorf("resource type %s does not exist", op.resourceType)
		}
		if attrs[attr] {
			continue
		}
		err = g.api.do(ctx, http.MethodPatch, "resource_type/"+pathID(op.resourceType), nil, "application/json-patch+json", patch, nil)
		if err != nil {
			return err
		}
		for _, o := range ops {
			p, _ := o.(*jsonv.Object).Get("path")
			attrs[strings.TrimPrefix(p.(string), "/attributes/")] = true
		}
		g.log.Info("gnocchi: updated resource type", "name", op.resourceType, "attribute", attr)
	}
	return nil
}
