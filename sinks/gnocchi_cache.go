package sinks

import (
	"container/list"
	"hash/fnv"
	"sort"
	"sync"

	"meterflow/processors/jsonv"
)

// attrCache remembers the hash of the attributes last written to each
// resource, least recently used first out. It is safe for concurrent use.
type attrCache struct {
	mu    sync.Mutex
	max   int
	order *list.List // of *attrEntry, most recent at the front
	byID  map[string]*list.Element
}

type attrEntry struct {
	id   string
	hash uint64
}

func newAttrCache(max int) *attrCache {
	return &attrCache{max: max, order: list.New(), byID: map[string]*list.Element{}}
}

// unchanged reports whether id's attributes were last written with hash.
func (c *attrCache) unchanged(id string, hash uint64) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.byID[id]
	if !ok {
		return false
	}
	c.order.MoveToFront(el)
	return el.Value.(*attrEntry).hash == hash
}

// set records that id's attributes were written with hash.
func (c *attrCache) set(id string, hash uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.byID[id]; ok {
		el.Value.(*attrEntry).hash = hash
		c.order.MoveToFront(el)
		return
	}
	c.byID[id] = c.order.PushFront(&attrEntry{id, hash})
	if c.order.Len() > c.max {
		oldest := c.order.Back()
		c.order.Remove(oldest)
		delete(c.byID, oldest.Value.(*attrEntry).id)
	}
}

// attrHash hashes attributes whatever their order, leaving out "metrics"
// as Ceilometer's _hash_resource does.
func attrHash(attrs *jsonv.Object) uint64 {
	keys := attrs.Keys()
	sort.Strings(keys)
	h := fnv.New64a()
	var buf []byte
	for _, k := range keys {
		if k == "metrics" {
			continue
		}
		v, _ := attrs.Get(k)
		buf = jsonv.Append(buf[:0], k)
		buf = append(buf, ':')
		buf = jsonv.Append(buf, v)
		buf = append(buf, ',')
		h.Write(buf)
	}
	return h.Sum64()
}
