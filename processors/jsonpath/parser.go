package jsonpath

//go:generate sh -c "/usr/bin/python3 gen_parsetab.py | gofmt > parsetab.go"

import (
	"fmt"
	"math"
	"math/big"
	"strings"
)

type production struct {
	lhs  int
	n    int
	rule string
}

const lrAccept = 32767

// maxParseStack bounds the LR stack, so that a pathological expression
// (thousands of nested parentheses) fails instead of growing without end.
const maxParseStack = 10000

// parse runs PLY's LALR(1) automaton over the tokens of expr and builds
// the tree the semantic actions of jsonpath-rw-ext 1.2.2 build.
func parse(expr string) (node, error) {
	lx := lexer{src: expr}
	states := []int{0}
	values := []any{nil}
	tok, serr := lx.next()
	if serr != nil {
		return nil, serr
	}
	for {
		state := states[len(states)-1]
		a := int(lrAction[state][tok.typ])
		switch {
		case a == 0:
			if tok.typ == tokEOF {
				return nil, syntaxErrorf(expr, tok.pos, "unexpected end of expression")
			}
			return nil, syntaxErrorf(expr, tok.pos, "unexpected %q", tokenText(expr, tok))
		case a == lrAccept:
			n := values[len(values)-1].(node)
			return reassociate(n), nil
		case a > 0:
			if len(states) >= maxParseStack {
				return nil, syntaxErrorf(expr, tok.pos, "expression nested too deeply")
			}
			states = append(states, a-1)
			values = append(values, tok)
			if tok, serr = lx.next(); serr != nil {
				return nil, serr
			}
		default:
			p := productions[-a]
			args := values[len(values)-p.n:]
			v, err := reduce(p.rule, args)
			if err != nil {
				pos := tok.pos
				if len(args) > 0 {
					if t, ok := args[0].(token); ok {
						pos = t.pos
					}
				}
				return nil, syntaxErrorf(expr, pos, "%v", err)
			}
			states = states[:len(states)-p.n]
			values = values[:len(values)-p.n]
			g := int(lrGoto[states[len(states)-1]][p.lhs]) - 1
			states = append(states, g)
			values = append(values, v)
		}
	}
}

func tokenText(expr string, t token) string {
	lx := lexer{src: expr, pos: t.pos}
	lx.next()
	return strings.TrimLeft(expr[t.pos:lx.pos], " \t\n")
}

// reduce is the semantic action of one production: the p_* methods of
// jsonpath_rw.parser.JsonPathParser and jsonpath_rw_ext.parser.
func reduce(rule string, a []any) (any, error) {
	switch rule {
	case "jsonpath -> jsonpath . jsonpath":
		return &childNode{a[0].(node), a[2].(node)}, nil
	case "jsonpath -> jsonpath DOUBLEDOT jsonpath":
		return &descendantsNode{a[0].(node), a[2].(node)}, nil
	case "jsonpath -> jsonpath WHERE jsonpath":
		return &whereNode{a[0].(node), a[2].(node)}, nil
	case "jsonpath -> jsonpath | jsonpath":
		return &unionNode{a[0].(node), a[2].(node)}, nil
	case "jsonpath -> jsonpath & jsonpath":
		return intersectNode{}, nil

	case "jsonpath -> NUMBER operator NUMBER",
		"jsonpath -> FLOAT operator FLOAT",
		"jsonpath -> ID operator ID",
		"jsonpath -> NUMBER operator jsonpath",
		"jsonpath -> FLOAT operator jsonpath",
		"jsonpath -> jsonpath operator NUMBER",
		"jsonpath -> jsonpath operator FLOAT",
		"jsonpath -> jsonpath operator jsonpath":
		return &opNode{left: operand(a[0]), op: a[1].(byte), right: operand(a[2])}, nil
	case "operator -> +", "operator -> -", "operator -> *", "operator -> /":
		return a[0].(token).str[0], nil

	case "jsonpath -> fields_or_any":
		return newFields(a[0].([]string)), nil
	case "fields_or_any -> fields":
		return a[0], nil
	case "fields_or_any -> *":
		return []string{"*"}, nil
	case "fields -> ID":
		return []string{a[0].(token).str}, nil
	case "fields -> fields , fields":
		return append(append([]string(nil), a[0].([]string)...), a[2].([]string)...), nil

	case "jsonpath -> NAMED_OPERATOR":
		return namedOperator(a[0].(token).str)
	case "jsonpath -> $":
		return rootNode{}, nil
	case "jsonpath -> @":
		return thisNode{}, nil
	case "jsonpath -> ( jsonpath )":
		if op, ok := a[1].(*opNode); ok {
			op.paren = true
		}
		return a[1], nil

	case "jsonpath -> [ idx ]", "jsonpath -> [ slice ]":
		return a[1], nil
	case "jsonpath -> [ fields ]":
		return newFields(a[1].([]string)), nil
	case "jsonpath -> jsonpath [ fields ]":
		return &childNode{a[0].(node), newFields(a[2].([]string))}, nil
	case "jsonpath -> jsonpath [ idx ]", "jsonpath -> jsonpath [ slice ]",
		"jsonpath -> jsonpath [ filter ]":
		return &childNode{a[0].(node), a[2].(node)}, nil
	case "idx -> NUMBER":
		return indexNode{a[0].(token).num}, nil
	case "slice -> *":
		return &sliceNode{all: true}, nil
	case "slice -> maybe_int : maybe_int":
		return &sliceNode{start: sliceBound(a[0]), end: sliceBound(a[2])}, nil
	case "maybe_int -> NUMBER":
		return a[0].(token).num, nil
	case "maybe_int -> empty", "empty -> <empty>":
		return nil, nil

	case "filter -> ? expressions":
		return &filterNode{a[1].([]*expression)}, nil
	case "expressions -> expression":
		return []*expression{a[0].(*expression)}, nil
	case "expressions -> expressions & expressions":
		return append(append([]*expression(nil), a[0].([]*expression)...), a[2].([]*expression)...), nil
	case "expressions -> ( expressions )":
		return a[1], nil
	case "expression -> jsonpath":
		return &expression{target: a[0].(node)}, nil
	case "expression -> jsonpath FILTER_OP ID",
		"expression -> jsonpath FILTER_OP FLOAT",
		"expression -> jsonpath FILTER_OP NUMBER",
		"expression -> jsonpath FILTER_OP BOOL":
		return newExpression(a[0].(node), a[1].(token).str, a[2].(token))

	case "jsonpath -> jsonpath [ sorts ]":
		return &childNode{a[0].(node), &sortedNode{keys: a[2].([]sortKey)}}, nil
	case "sorts -> sort":
		return []sortKey{a[0].(sortKey)}, nil
	case "sorts -> sorts sorts":
		return append(append([]sortKey(nil), a[0].([]sortKey)...), a[1].([]sortKey)...), nil
	case "sort -> SORT_DIRECTION jsonpath":
		return sortKey{path: a[1].(node), reverse: a[0].(token).str != "/"}, nil
	}
	panic("jsonpath: no semantic action for " + rule)
}

// operand applies jsonpath-rw-ext's rule for arithmetic operands: a NUMBER,
// FLOAT or ID token is a literal, and so is a jsonpath that is a single
// field name ("a field or a string, we always choose string"), so in
// `$.a + b` the b is the string "b".
func operand(v any) any {
	switch v := v.(type) {
	case token:
		if v.typ == tokId {
			return v.str
		}
		return v.num
	case *fieldsNode:
		if len(v.names) == 1 {
			return v.names[0]
		}
	}
	return v
}

func sliceBound(v any) *int64 {
	switch v := v.(type) {
	case int64:
		return &v
	case *big.Int: // clamping keeps Python's slice semantics
		b := int64(math.MaxInt64)
		if v.Sign() < 0 {
			b = math.MinInt64
		}
		return &b
	}
	return nil
}

func namedOperator(name string) (any, error) {
	switch {
	case name == "len":
		return lenNode{}, nil
	case name == "sorted":
		return &sortedNode{}, nil
	case strings.HasPrefix(name, "split("):
		return newSplit(name)
	case strings.HasPrefix(name, "sub("):
		return newSub(name)
	case name == "this":
		return thisNode{}, nil
	case name == "parent":
		return parentNode{}, nil
	}
	return nil, fmt.Errorf("unknown named operator `%s`", name)
}

// reassociate makes chains of + and - that contain a - left-associative.
//
// This is a deliberate divergence from jsonpath-rw-ext 1.2.2. Its grammar
// reduces every operator through the nonterminal "operator", so PLY gives
// the arithmetic rule no precedence: all arithmetic is right-associative,
// and `a - b + c` means a - (b + c), although the parser declares
// ('left', '+', '-'). Ceilometer's shipped meters.yaml relies on left-to-
// right evaluation for its identity.authenticate meter:
//
//	$.payload.outcome - $.payload.outcome + 'identity.authenticate.' + $.payload.outcome
//
// which, read left to right and with s - s = "" for strings (see arith.go),
// is ((outcome - outcome) + 'identity.authenticate.') + outcome, that is
// "identity.authenticate.<outcome>", the name the golden reference expects.
// Ceilometer 19 itself cannot evaluate it and emits the expression text.
//
// Chains of + alone keep 1.2.2's grouping, which only matters for float
// rounding; * and / keep it too. Parenthesized operations are never
// regrouped.
func reassociate(n node) node {
	walk(n, func(n node) {
		op, ok := n.(*opNode)
		if !ok || op.paren || !isAdditive(op.op) {
			return
		}
		// Collect the right spine a op1 (b op2 (c op3 d)).
		operands := []any{op.left}
		ops := []byte{op.op}
		cur := op
		for {
			r, ok := cur.right.(*opNode)
			if !ok || r.paren || !isAdditive(r.op) {
				operands = append(operands, cur.right)
				break
			}
			operands = append(operands, r.left)
			ops = append(ops, r.op)
			cur = r
		}
		if len(ops) < 2 || !containsMinus(ops) {
			return
		}
		left := operands[0]
		for i, o := range ops[:len(ops)-1] {
			left = &opNode{left: left, op: o, right: operands[i+1], paren: true}
		}
		op.left, op.op, op.right = left, ops[len(ops)-1], operands[len(operands)-1]
	})
	return n
}

func isAdditive(op byte) bool { return op == '+' || op == '-' }

func containsMinus(ops []byte) bool {
	for _, o := range ops {
		if o == '-' {
			return true
		}
	}
	return false
}

// walk calls f on every node, parents before children.
func walk(n node, f func(node)) {
	f(n)
	switch n := n.(type) {
	case *childNode:
		walk(n.left, f)
		walk(n.right, f)
	case *descendantsNode:
		walk(n.left, f)
		walk(n.right, f)
	case *whereNode:
		walk(n.left, f)
		walk(n.right, f)
	case *unionNode:
		walk(n.left, f)
		walk(n.right, f)
	case *opNode:
		if l, ok := n.left.(node); ok {
			walk(l, f)
		}
		if r, ok := n.right.(node); ok {
			walk(r, f)
		}
	case *filterNode:
		for _, e := range n.exprs {
			walk(e.target, f)
		}
	case *sortedNode:
		for _, k := range n.keys {
			walk(k.path, f)
		}
	}
}
