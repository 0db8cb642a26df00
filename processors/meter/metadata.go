package meter

import (
	"meterflow/processors/jsonv"
	"meterflow/processors/py"
)

// metadata builds a definition's resource_metadata: its metadata fields
// with a truthy value, and the reserved keys of its user_metadata.
func (st *convState) metadata(d *Definition, opts *sampleOptions) (*jsonv.Object, error) {
	g := &st.groups[d.metaGroup]
	if g.gen == st.gen {
		return g.md, g.err
	}
	md, err := st.buildMetadata(d, opts)
	*g = groupValue{st.gen, md, err}
	return md, err
}

func (st *convState) buildMetadata(d *Definition, opts *sampleOptions) (*jsonv.Object, error) {
	if len(d.metadata) == 0 && d.userMeta == nil {
		return nil, nil
	}
	md := jsonv.NewObject(len(d.metadata) + 1)
	for _, mf := range d.metadata {
		v, err := st.first(mf.f)
		if err != nil {
			return nil, err
		}
		if py.Truthy(v) {
			md.Set(mf.key, v)
		}
	}
	if d.userMeta != nil {
		meta, err := st.first(d.userMeta)
		if err != nil {
			return nil, err
		}
		if py.Truthy(meta) {
			src, ok := meta.(*jsonv.Object)
			if !ok {
				return nil, pyErrorf("AttributeError", "%s object has no attribute 'items'", pyTypeName(meta))
			}
			addReservedUserMetadata(opts, src, md)
		}
	}
	return md, nil
}

// addReservedUserMetadata is ceilometer.sample.add_reserved_user_metadata:
// the keys of src under a reserved prefix ("metering.") or among the
// reserved keys go to dest["user_metadata"], without the prefix and with
// dots as underscores, string values cut to the reserved length, unless
// dest already has the key.
func addReservedUserMetadata(opts *sampleOptions, src, dest *jsonv.Object) {
	var um *jsonv.Object
	add := func(k string, v any) {
		if s, ok := v.(string); ok {
			v = pySliceTo(s, opts.reservedLength)
		}
		if um == nil {
			um = jsonv.NewObject(4)
		}
		um.Set(k, v)
	}
	for _, prefix := range opts.reservedNamespace {
		for i := 0; i < src.Len(); i++ {
			k, v := src.At(i)
			if len(k) < len(prefix) || k[:len(prefix)] != prefix {
				continue
			}
			key := dotsToUnderscores(k[len(prefix):])
			if _, taken := dest.Get(key); !taken {
				add(key, v)
			}
		}
	}
	for _, reserved := range opts.reservedKeys {
		for i := 0; i < src.Len(); i++ {
			k, v := src.At(i)
			if k != reserved {
				continue
			}
			key := dotsToUnderscores(k)
			if _, taken := dest.Get(key); !taken {
				add(key, v)
			}
		}
	}
	if um != nil {
		dest.Set("user_metadata", um)
	}
}

func dotsToUnderscores(s string) string {
	for i := 0; i < len(s); i++ {
		if s[i] == '.' {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				if b[j] == '.' {
					b[j] = '_'
				}
			}
			return string(b)
		}
	}
	return s
}

// pySliceTo is s[:n] on a Python str: n code points, or for a negative n
// all but the last -n.
func pySliceTo(s string, n int) string {
	if n >= 0 && len(s) <= n {
		return s // no more bytes than allowed, so no more code points
	}
	count := 0
	for range s {
		count++
	}
	if n < 0 {
		n += count
		if n < 0 {
			n = 0
		}
	}
	if n >= count {
		return s
	}
	i := 0
	for pos := range s {
		if i == n {
			return s[:pos]
		}
		i++
	}
	return s
}

// payloadMetadata is from_notification's resource_metadata for samples
// without metadata: a copy of the payload (when it is an object) with
// event_type and host set. Every such sample of the notification shares it.
func (st *convState) payloadMetadata() *jsonv.Object {
	if st.payloadMeta == nil {
		st.payloadMeta = payloadMetadata(st.n.Doc)
	}
	return st.payloadMeta
}

func payloadMetadata(doc *jsonv.Object) *jsonv.Object {
	payload, _ := doc.Get("payload")
	eventType, _ := doc.Get("event_type")
	host, _ := doc.Get("publisher_id")
	return metadataFrom(payload, eventType, host)
}

// metadataFrom is the metadata default of Sample.from_notification.
func metadataFrom(payload, eventType, host any) *jsonv.Object {
	p, _ := payload.(*jsonv.Object)
	md := jsonv.NewObject(p.Len() + 2)
	for i := 0; i < p.Len(); i++ {
		k, v := p.At(i)
		md.Set(k, v)
	}
	md.Set("event_type", eventType)
	md.Set("host", host)
	return md
}
