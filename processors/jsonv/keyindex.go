package jsonv

import (
	"math/bits"
	"math/rand/v2"
)

// keyIndex maps the keys of a large Object to their positions: an
// open-addressing hash table (linear probing, at most half full) of member
// positions plus one, 0 marking an empty slot. It is much cheaper to build
// than a Go map, which matters because most parsed objects are read a few
// times and then dropped. Keys are hashed with a per-process random seed,
// so that payloads cannot choose colliding keys.
type keyIndex []int32

// indexSeed is drawn once, at program start, and never changed.
var indexSeed = rand.Uint64()

// hashKey hashes a key eight bytes at a time; shorter keys with two
// overlapping loads, as wyhash does.
func hashKey(s string) uint64 {
	n := len(s)
	h := indexSeed ^ uint64(n)
	switch {
	case n >= 8:
		i := 0
		for ; i+8 < n; i += 8 {
			h = mix(h ^ load64(s, i))
		}
		return mix(h ^ load64(s, n-8)) // overlaps the previous word
	case n >= 4:
		return mix(h ^ uint64(load32(s, 0))<<32 ^ uint64(load32(s, n-4)))
	case n > 0:
		return mix(h ^ uint64(s[0])<<16 ^ uint64(s[n>>1])<<8 ^ uint64(s[n-1]))
	}
	return mix(h)
}

func mix(x uint64) uint64 {
	hi, lo := bits.Mul64(x^0x2d358dccaa6c78a5, 0x9e3779b97f4a7c15)
	return hi ^ lo
}

// newKeyIndex indexes members, whose keys are distinct, with room for
// about as many again.
func newKeyIndex(members []member) keyIndex {
	ix := make(keyIndex, tableSize(2*len(members)))
	for i := range members {
		ix.insert(members[i].key, i)
	}
	return ix
}

// tableSize is the size of a table for n keys: a power of two, at least
// twice n, so that it is at most half full.
func tableSize(n int) int {
	size := 64
	for size < 2*n {
		size *= 2
	}
	return size
}

// dedupe applies a Python dict's rule to members in the order they were
// parsed: a repeated key keeps its first position and takes its last
// value. It works in place and returns the members kept and, when there
// are more than indexThreshold members, their index. Each key is hashed
// once.
func dedupe(ms []member) ([]member, keyIndex) {
	var ix keyIndex
	if len(ms) > indexThreshold {
		ix = make(keyIndex, tableSize(len(ms)))
	}
	k := 0
next:
	for i := range ms {
		key := ms[i].key
		if ix != nil {
			if j := ix.findOrInsert(ms, key, k); j >= 0 {
				ms[j].val = ms[i].val
				continue
			}
		} else {
			for j := range ms[:k] {
				if ms[j].key == key {
					ms[j].val = ms[i].val
					continue next
				}
			}
		}
		if k != i {
			ms[k] = ms[i]
		}
		k++
	}
	clear(ms[k:])
	return ms[:k], ix
}

// find returns the position of key in members, or -1.
func (ix keyIndex) find(members []member, key string) int {
	return ix.findHashed(members, key, hashKey(key))
}

// findHashed is find for a key whose hash is known.
func (ix keyIndex) findHashed(members []member, key string, hash uint64) int {
	_, j := ix.probe(members, key, hash)
	return j
}

// findOrInsert returns the position of key among members, or records it
// at position i and returns -1; the table must have room.
func (ix keyIndex) findOrInsert(members []member, key string, i int) int {
	slot, j := ix.probe(members, key, hashKey(key))
	if j < 0 {
		ix[slot] = int32(i + 1)
	}
	return j
}

// probe looks key up: the position of its member, or -1 and the empty
// slot where it belongs.
func (ix keyIndex) probe(members []member, key string, hash uint64) (slot uint64, j int) {
	mask := uint64(len(ix) - 1)
	for h := hash & mask; ; h = (h + 1) & mask {
		j := int(ix[h]) - 1
		if j < 0 {
			return h, -1
		}
		if k := members[j].key; len(k) == len(key) && k == key {
			return h, j
		}
	}
}

// insert records a new key at position i; the table must have room.
func (ix keyIndex) insert(key string, i int) {
	mask := uint64(len(ix) - 1)
	h := hashKey(key) & mask
	for ix[h] != 0 {
		h = (h + 1) & mask
	}
	ix[h] = int32(i + 1)
}

// add records members[i], a new key, growing the table when it would be
// more than half full.
func (ix keyIndex) add(members []member, i int) keyIndex {
	if 2*len(members) > len(ix) {
		return newKeyIndex(members)
	}
	ix.insert(members[i].key, i)
	return ix
}
