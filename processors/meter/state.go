package meter

import (
	"sync"

	"meterflow/processors"
	"meterflow/processors/jsonv"
	"meterflow/processors/py"
	"meterflow/processors/pytime"
)

// convState is the scratch of one notification: values of JSONPaths and
// metadata already computed for it, shared by the definitions that use
// them, as their results do not depend on the definition.
type convState struct {
	n   *processors.Notification
	doc any
	gen uint32

	slots  []slotValue
	groups []groupValue

	fallbackDone bool
	userID       any
	projectID    any
	fallbackErr  error

	payloadMeta *jsonv.Object // the resource_metadata of samples without metadata

	defaultTS    string
	defaultTSErr error
	defaultDone  bool
	lastTSIn     string
	lastTSOut    string

	scratch scratch
}

// slotValue is a field's value for notification gen, or, when isErr, the
// error evaluating it gave (one interface rather than two: fewer pointers
// to write per field).
type slotValue struct {
	gen   uint32
	isErr bool
	v     any
}

type groupValue struct {
	gen uint32
	md  *jsonv.Object
	err error
}

func (m *meterEndpoint) state(n *processors.Notification) *convState {
	st, _ := m.pool.Get().(*convState)
	if st == nil || len(st.slots) != m.nslots || len(st.groups) != m.ngroups {
		st = &convState{slots: make([]slotValue, m.nslots), groups: make([]groupValue, m.ngroups)}
	}
	st.gen++
	if st.gen == 0 { // wrapped: forget every generation
		clear(st.slots)
		clear(st.groups)
		st.gen = 1
	}
	st.n, st.doc = n, any(n.Doc)
	return st
}

// release returns st to the pool. Its slots and groups keep the values of
// the last notification until the next one overwrites them or the pool
// drops st: that is at most one notification per P, for at most two
// garbage collections, and clearing them costs a write barrier per
// pointer while the collector runs.
func (m *meterEndpoint) release(st *convState) {
	st.n, st.doc = nil, nil
	st.fallbackDone, st.userID, st.projectID, st.fallbackErr = false, nil, nil, nil
	st.payloadMeta = nil
	st.defaultDone, st.defaultTS, st.defaultTSErr = false, "", nil
	st.lastTSIn, st.lastTSOut = "", ""
	m.pool.Put(st)
}

// first evaluates a field for one sample, sharing the results of plain
// JSONPaths across definitions.
func (st *convState) first(f *field) (any, error) {
	if f.slot < 0 {
		return f.first(st.doc, &st.scratch)
	}
	s := &st.slots[f.slot]
	if s.gen != st.gen {
		v, err := f.first(st.doc, &st.scratch)
		if err != nil {
			*s = slotValue{st.gen, true, err}
		} else {
			*s = slotValue{st.gen, false, v}
		}
	}
	if s.isErr {
		return nil, s.v.(error)
	}
	return s.v, nil
}

// Ceilometer's fallbacks for user_id and project_id. jsonpath-rw-ext reads
// "ctxt.user_id|ctxt.user" as ctxt.(user_id|ctxt).user, so they find a
// value only in contexts such as {"user_id": {"user": ...}}; evaluating the
// same expressions keeps that behaviour.
const (
	fallbackUserID    = "ctxt.user_id|ctxt.user"
	fallbackProjectID = "ctxt.project_id|ctxt.tenant_id"
)

var fallbackFields = sync.OnceValues(func() ([2]*field, error) {
	var fs [2]*field
	for i, expr := range []string{fallbackUserID, fallbackProjectID} {
		p, err := compilePath(expr)
		if err != nil {
			return fs, err
		}
		fs[i] = &field{expr: expr, path: p, slot: -1}
	}
	return fs, nil
})

func (st *convState) fallbacks() (user, project any, err error) {
	if !st.fallbackDone {
		st.fallbackDone = true
		// Both expressions match only through ctxt.<key> or ctxt.ctxt being
		// an object; the usual contexts skip the evaluation.
		ctxt, _ := st.n.Doc.Get("ctxt")
		c, _ := ctxt.(*jsonv.Object)
		_, nested := getObject(c, "ctxt")
		_, userObj := getObject(c, "user_id")
		_, projectObj := getObject(c, "project_id")
		if nested || userObj || projectObj {
			fs, ferr := fallbackFields()
			err = ferr
			if err == nil && (nested || userObj) {
				st.userID, err = fs[0].first(st.doc, &st.scratch)
			}
			if err == nil && (nested || projectObj) {
				st.projectID, err = fs[1].first(st.doc, &st.scratch)
			}
		}
		st.fallbackErr = err
	}
	return st.userID, st.projectID, st.fallbackErr
}

func getObject(o *jsonv.Object, key string) (*jsonv.Object, bool) {
	v, _ := o.Get(key)
	c, ok := v.(*jsonv.Object)
	return c, ok
}

// timestamp is the sample timestamp of from_notification: the value when
// truthy, else the notification's, normalised by parse_isotime().isoformat().
func (st *convState) timestamp(v any) (string, error) {
	if !py.Truthy(v) {
		if !st.defaultDone {
			st.defaultDone = true
			ts, _ := st.n.Doc.Get("metadata")
			md, _ := ts.(*jsonv.Object)
			raw, _ := md.Get("timestamp")
			st.defaultTS, st.defaultTSErr = isoformat(raw)
		}
		return st.defaultTS, st.defaultTSErr
	}
	if s, ok := v.(string); ok && s == st.lastTSIn && st.lastTSOut != "" {
		return st.lastTSOut, nil
	}
	out, err := isoformat(v)
	if s, ok := v.(string); ok && err == nil {
		st.lastTSIn, st.lastTSOut = s, out
	}
	return out, err
}

func isoformat(v any) (string, error) {
	t, err := pytime.ParseISO(v)
	if err != nil {
		return "", err
	}
	return t.ISOFormatOf(v), nil
}
