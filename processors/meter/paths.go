package meter

import (
	"regexp"
	"strings"

	"meterflow/processors/jsonpath"
)

// match is one JSONPath match with its path, as trait plugins receive it.
type match = jsonpath.Match

// compiledPath evaluates a JSONPath the way Definition.parse consumes it.
type compiledPath struct {
	p *jsonpath.Path
	// plain marks a chain of field names ($.payload.size): jsonpath-rw-ext
	// never raises on one, so an evaluation error is ignored.
	plain bool
	// never marks a plain chain whose first name is not a key of the
	// notification dictionary, such as the JSONPath "memory" that a meter
	// named memory is also evaluated as: it cannot match.
	never bool
}

// docKeys are the keys of processors.Notification.Doc, the dictionary
// Ceilometer's endpoints receive.
var docKeys = map[string]bool{"ctxt": true, "publisher_id": true, "event_type": true, "payload": true, "metadata": true}

// plainPathRE matches chains of identifiers that jsonpath-rw-ext's lexer
// reads as ID tokens (not the keyword "where", not starting with the BOOL
// tokens true and false).
var plainPathRE = regexp.MustCompile(`^(?:\$\.)?[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*$`)

func compilePath(expr string) (*compiledPath, error) {
	p, err := jsonpath.Compile(expr)
	if err != nil {
		return nil, err
	}
	c := &compiledPath{p: p, plain: isPlainPath(expr)}
	if c.plain {
		first, _, _ := strings.Cut(strings.TrimPrefix(expr, "$."), ".")
		c.never = !docKeys[first]
	}
	return c, nil
}

func isPlainPath(expr string) bool {
	if !plainPathRE.MatchString(expr) {
		return false
	}
	for _, seg := range strings.Split(strings.TrimPrefix(expr, "$."), ".") {
		if seg == "where" || strings.HasPrefix(seg, "true") || strings.HasPrefix(seg, "false") {
			return false
		}
	}
	return true
}

// first is the first match that is not null, or nil.
func (c *compiledPath) first(doc any) (any, error) {
	if c.never {
		return nil, nil
	}
	v, _, err := c.p.EvalFirst(doc)
	if c.plain {
		return v, nil
	}
	return v, err
}

// all is every match, nulls included.
func (c *compiledPath) all(doc any) ([]any, error) {
	if c.never {
		return nil, nil
	}
	return c.p.Eval(doc)
}

// scratch holds the slices that evaluating fields reuses, across fields
// and notifications: the values of a JSONPath and the matches a plugin
// reads.
type scratch struct {
	values  []any
	matches []match
}

// reset empties the scratch, dropping its references to a notification's
// values so that a pooled scratch does not keep them alive.
func (sc *scratch) reset() {
	clear(sc.values)
	clear(sc.matches)
	sc.values, sc.matches = sc.values[:0], sc.matches[:0]
}

// matches returns the matches, in sc.matches, with their paths when
// withPaths, without null values unless keepNil.
func (c *compiledPath) matches(doc any, sc *scratch, withPaths, keepNil bool) ([]match, error) {
	dst := sc.matches[:0]
	if withPaths {
		ms, err := c.p.EvalMatches(doc)
		if err != nil {
			return dst, err
		}
		for _, m := range ms {
			if keepNil || m.Value != nil {
				dst = append(dst, m)
			}
		}
		sc.matches = dst
		return dst, nil
	}
	vs, err := c.p.AppendEval(sc.values[:0], doc)
	sc.values = vs
	if err != nil {
		return dst, err
	}
	for _, v := range vs {
		if keepNil || v != nil {
			dst = append(dst, match{Value: v})
		}
	}
	sc.matches = dst
	return dst, nil
}
