package sinks

import (
	"testing"

	"meterflow/processors/jsonv"
)

func TestAttrCache_ForgetsTheLeastRecentlyUsedResource(t *testing.T) {
	c := newAttrCache(2)
	c.set("a", 1)
	c.set("b", 2)
	if !c.unchanged("a", 1) { // a is now the most recent
		t.Fatal("a forgotten")
	}
	c.set("c", 3)
	if c.unchanged("b", 2) {
		t.Error("b should have been evicted")
	}
	if !c.unchanged("a", 1) || !c.unchanged("c", 3) {
		t.Error("a or c evicted")
	}
	if c.unchanged("a", 9) {
		t.Error("a different hash is a change")
	}
}

func TestAttrHash_IgnoresOrderAndMetrics(t *testing.T) {
	a := mustJSON(t, `{"host": "h", "flavor": {"id": 1}, "metrics": {"cpu": "x"}}`).(*jsonv.Object)
	b := mustJSON(t, `{"flavor": {"id": 1}, "host": "h"}`).(*jsonv.Object)
	c := mustJSON(t, `{"flavor": {"id": 2}, "host": "h"}`).(*jsonv.Object)
	if attrHash(a) != attrHash(b) {
		t.Error("order or metrics changed the hash")
	}
	if attrHash(b) == attrHash(c) {
		t.Error("a changed value kept the hash")
	}
}
