package meter

import (
	"sync"

	"meterflow/processors"
	"meterflow/processors/jsonv"
	"meterflow/processors/py"
)

// This file is the meter endpoint (ProcessMeterNotifications): every
// definition whose event type matches turns the notification into samples
// (MeterDefinition.to_samples, then Sample.from_notification).

// sampleOptions are the [DEFAULT] options of ceilometer.sample.
type sampleOptions struct {
	source            string
	reservedNamespace []string
	reservedLength    int
	reservedKeys      []string
}

// meterEndpoint holds the loaded definitions.
type meterEndpoint struct {
	defs    []*Definition
	opts    sampleOptions
	nslots  int
	ngroups int
	pool    sync.Pool // *convState
}

// appendSamples runs the definitions that match the notification.
func (m *meterEndpoint) appendSamples(dst []processors.Sample, defs []*Definition, n *processors.Notification) ([]processors.Sample, error) {
	st := m.state(n)
	defer m.release(st)
	start := len(dst)
	for _, d := range defs {
		var err error
		if d.lookupMode {
			dst, err = m.lookupSamples(dst, d, st)
		} else {
			dst, err = m.oneSample(dst, d, st)
		}
		if err != nil {
			clear(dst[start:])
			return dst[:start], err
		}
	}
	return dst, nil
}

// draft is the sample dictionary of to_samples.
type draft struct {
	vals [numAttrs]any
	md   *jsonv.Object
}

func (m *meterEndpoint) oneSample(dst []processors.Sample, d *Definition, st *convState) ([]processors.Sample, error) {
	var s draft
	var err error
	s.vals[attrName], s.vals[attrType], s.vals[attrUnit] = d.defaults[0], d.defaults[1], d.defaults[2]
	if s.vals[attrUserID], s.vals[attrProjectID], err = st.fallbacks(); err != nil {
		return dst, err
	}
	if s.md, err = st.metadata(d, &m.opts); err != nil {
		return dst, err
	}
	for i, f := range d.attrs {
		if f == nil {
			continue
		}
		v, err := st.first(f)
		if err != nil {
			return dst, err
		}
		if v != nil {
			s.vals[i] = v
		}
	}
	return m.emit(dst, d, &s, st)
}

// lookupValues is one attribute of a lookup definition's sample
// dictionary: a list of values, or a constant (which has no len()).
type lookupValues struct {
	list    []any
	isConst bool
}

func (m *meterEndpoint) lookupSamples(dst []processors.Sample, d *Definition, st *convState) ([]processors.Sample, error) {
	user, project, err := st.fallbacks()
	if err != nil {
		return dst, err
	}
	md, err := st.metadata(d, &m.opts)
	if err != nil {
		return dst, err
	}
	var vals [numAttrs]lookupValues
	vals[attrName].list = []any{d.defaults[0]}
	vals[attrType].list = []any{d.defaults[1]}
	vals[attrUnit].list = []any{d.defaults[2]}
	vals[attrVolume].list = []any{nil}
	vals[attrTimestamp].list = []any{nil}
	vals[attrUserID].list = []any{user}
	vals[attrProjectID].list = []any{project}
	vals[attrResourceID].list = []any{nil}
	for i, f := range d.attrs {
		if f == nil {
			continue
		}
		values, isList, err := f.all(st.doc)
		if err != nil {
			return dst, err
		}
		name := sampleAttributes[i]
		if name == "name" || contains(d.lookup, name) || (isList && len(values) > 0) || (!isList && py.Truthy(values[0])) {
			vals[i] = lookupValues{list: values, isConst: !isList}
		}
	}
	if vals[attrName].isConst {
		return dst, pyErrorf("TypeError", "object of type %s has no len()", pyTypeName(vals[attrName].list[0]))
	}
	nb := len(vals[attrName].list)
	if nb == 0 {
		return dst, nil
	}
	// Every attribute, then "message" and "metadata" (one value each), must
	// have one value per sample, or a single value to repeat when it is not
	// a lookup attribute; otherwise Ceilometer logs a warning and the
	// definition yields nothing.
	var cycle [numAttrs]bool
	for i := range vals {
		if vals[i].isConst {
			return dst, pyErrorf("TypeError", "object of type %s has no len()", pyTypeName(vals[i].list[0]))
		}
		switch n := len(vals[i].list); {
		case n == nb:
		case n == 1 && !contains(d.lookup, sampleAttributes[i]):
			cycle[i] = true
		default:
			return dst, nil
		}
	}
	for _, extra := range []string{"message", "metadata"} {
		if nb != 1 && contains(d.lookup, extra) {
			return dst, nil
		}
	}
	for k := 0; k < nb; k++ {
		var s draft
		for i := range vals {
			if cycle[i] {
				s.vals[i] = vals[i].list[0]
			} else {
				s.vals[i] = vals[i].list[k]
			}
		}
		s.md = md
		var err error
		if dst, err = m.emit(dst, d, &s, st); err != nil {
			return dst, err
		}
	}
	return dst, nil
}

// emit is Sample.from_notification, then the sample pipeline's checks: a
// name that is not a string fails the whole endpoint (Ceilometer's pipeline
// raises matching it against the source's meters), a volume that is missing
// or not a number drops the sample.
func (m *meterEndpoint) emit(dst []processors.Sample, d *Definition, s *draft, st *convState) ([]processors.Sample, error) {
	md := s.md
	if md.Len() == 0 {
		md = st.payloadMetadata()
	}
	ts, err := st.timestamp(s.vals[attrTimestamp])
	if err != nil {
		return dst, err
	}
	name, ok := s.vals[attrName].(string)
	if ok && d.identityName && len(name) >= len(identityNamePrefix) && name[:len(identityNamePrefix)] == identityNamePrefix {
		name = correctIdentityName(st.n.Doc)
	}
	if !ok {
		return dst, pyErrorf("TypeError", "meter name %s is not a string", jsonv.PyRepr(s.vals[attrName]))
	}
	if !VolumeOK(s.vals[attrVolume]) {
		return dst, nil
	}
	return append(dst, processors.Sample{
		Name:             name,
		Type:             strOf(s.vals[attrType]),
		Unit:             strOf(s.vals[attrUnit]),
		Volume:           s.vals[attrVolume],
		UserID:           s.vals[attrUserID],
		ProjectID:        s.vals[attrProjectID],
		ResourceID:       s.vals[attrResourceID],
		Timestamp:        ts,
		ResourceMetadata: md,
		Source:           m.opts.source,
	}), nil
}

// correctIdentityName is the meter name the shipped identity.authenticate
// definition means: "identity.authenticate." + str(payload.get("outcome")).
// Ceilometer 19's jsonpath-rw-ext cannot evaluate the expression and emits
// the expression text; the conformance corpus carries the intended name.
func correctIdentityName(doc *jsonv.Object) string {
	payload, _ := doc.Get("payload")
	p, _ := payload.(*jsonv.Object)
	outcome, _ := p.Get("outcome")
	return "identity.authenticate." + jsonv.PyStr(outcome)
}
