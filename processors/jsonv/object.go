package jsonv

// indexThreshold is the size above which an Object keeps an index from key
// to position (see keyIndex); smaller objects are scanned linearly, which is
// faster and allocates nothing.
const indexThreshold = 16

type member struct {
	key string
	val any
}

// Object is a JSON object whose keys keep their insertion order, as a Python
// dict's do. The zero value is an empty object ready to use. An Object is not
// safe for concurrent mutation; concurrent reads are safe.
type Object struct {
	members []member
	index   keyIndex // nil while len(members) <= indexThreshold
}

// NewObject returns an empty object with room for capacity members.
func NewObject(capacity int) *Object {
	return &Object{members: make([]member, 0, capacity)}
}

// InitObjects makes each objs[i] an empty object with room for
// capacities[i] members, the members of all of them taking one
// allocation: for a caller that builds a few small objects which live and
// die together. It panics if the slices differ in length.
func InitObjects(objs []*Object, capacities []int) {
	if len(objs) != len(capacities) {
		panic("jsonv: InitObjects: objs and capacities differ in length")
	}
	total := 0
	for _, c := range capacities {
		total += c
	}
	all := make([]member, total)
	for i, o := range objs {
		c := capacities[i]
		*o = Object{members: all[:0:c]}
		all = all[c:]
	}
}

// Grow makes room for n more members, so that the next n new keys are
// stored without allocating.
func (o *Object) Grow(n int) {
	if n > cap(o.members)-len(o.members) {
		m := make([]member, len(o.members), len(o.members)+n)
		copy(m, o.members)
		o.members = m
	}
}

// Len returns the number of members.
func (o *Object) Len() int {
	if o == nil {
		return 0
	}
	return len(o.members)
}

func (o *Object) find(key string) int {
	if o.index != nil {
		return o.index.find(o.members, key)
	}
	for i := range o.members {
		if o.members[i].key == key {
			return i
		}
	}
	return -1
}

// A Key is an object key with its hash computed once, for looking the
// same key up in many objects (the field names of a compiled JSONPath).
type Key struct {
	name string
	hash uint64
}

// NewKey returns name as a Key.
func NewKey(name string) Key { return Key{name, hashKey(name)} }

// String returns the key's name.
func (k Key) String() string { return k.name }

// GetKey is Get for a Key.
func (o *Object) GetKey(k Key) (any, bool) {
	if o == nil || o.index == nil {
		return o.Get(k.name)
	}
	return o.valueAt(o.index.findHashed(o.members, k.name, k.hash))
}

// Get returns the value stored under key.
func (o *Object) Get(key string) (any, bool) {
	if o == nil {
		return nil, false
	}
	return o.valueAt(o.find(key))
}

// valueAt is the value of member i, found by a lookup (-1: absent).
func (o *Object) valueAt(i int) (any, bool) {
	if i < 0 {
		return nil, false
	}
	return o.members[i].val, true
}

// Set stores v under key. An existing key keeps its position, as assigning to
// a Python dict key does; a new key is appended.
func (o *Object) Set(key string, v any) {
	if i := o.find(key); i >= 0 {
		o.members[i].val = v
		return
	}
	o.members = append(o.members, member{key, v})
	if o.index != nil {
		o.index = o.index.add(o.members, len(o.members)-1)
	} else if len(o.members) > indexThreshold {
		o.buildIndex()
	}
}

func (o *Object) buildIndex() {
	o.index = newKeyIndex(o.members)
}

// Delete removes key and reports whether it was present. The order of the
// remaining keys is kept.
func (o *Object) Delete(key string) bool {
	if o == nil {
		return false
	}
	i := o.find(key)
	if i < 0 {
		return false
	}
	copy(o.members[i:], o.members[i+1:])
	o.members[len(o.members)-1] = member{}
	o.members = o.members[:len(o.members)-1]
	if o.index != nil {
		if len(o.members) > indexThreshold {
			o.buildIndex() // positions after i moved
		} else {
			o.index = nil
		}
	}
	return true
}

// At returns the i-th member in insertion order. It panics if i is out of
// range.
func (o *Object) At(i int) (key string, v any) {
	m := &o.members[i]
	return m.key, m.val
}

// Keys returns the keys in insertion order.
func (o *Object) Keys() []string {
	if o == nil {
		return nil
	}
	keys := make([]string, len(o.members))
	for i := range o.members {
		keys[i] = o.members[i].key
	}
	return keys
}
