package jsonpath

import (
	"errors"
	"strings"
	"testing"

	"meterflow/processors/jsonv"
)

// evalSteps evaluates p over doc on a fresh evaluator and returns how many
// matches it created: every step of `..`, every filter candidate and every
// regular expression run creates one, so this counts the work done.
func evalSteps(t *testing.T, p *Path, doc any, prepare func(*evaluator)) (int, error) {
	t.Helper()
	e := &evaluator{}
	if prepare != nil {
		prepare(e)
	}
	e.arena = append(e.arena, datum{val: doc, up: -1, unwrapped: true})
	err := p.root.find(e, 0)
	return len(e.arena), err
}

func limitKind(err error) string {
	var pe *pyErr
	if errors.As(err, &pe) {
		return pe.kind
	}
	return ""
}

func TestDescendantsOverDeepNestingStopAtTheDepthLimit(t *testing.T) {
	lists, objects := any("leaf"), any("leaf")
	for range 10000 {
		lists = []any{lists}
		o := jsonv.NewObject(1)
		o.Set("y", objects)
		objects = o
	}
	for name, doc := range map[string]any{"lists": lists, "objects": objects} {
		for _, expr := range []string{"$..x", "$..*", "$..y..x"} {
			steps, err := evalSteps(t, MustCompile(expr), doc, nil)
			if limitKind(err) != "RecursionError" {
				t.Errorf("%s over 10,000 nested %s: %v, want RecursionError", expr, name, err)
			}
			// Each `..` visits at most MaxDescendDepth+1 levels below its start.
			if max := 3 * (MaxDescendDepth + 2); steps > max {
				t.Errorf("%s over 10,000 nested %s: %d steps, want at most %d", expr, name, steps, max)
			}
		}
	}
}

func TestChainedDescendantsStopAtMaxMatches(t *testing.T) {
	doc := any(int64(1)) // 2^400 paths through 400 shared objects
	for range 400 {
		o := jsonv.NewObject(2)
		o.Set("a", doc)
		o.Set("b", doc)
		doc = o
	}
	steps, err := evalSteps(t, MustCompile("$..*..*..*"), doc, nil)
	if limitKind(err) != "LimitExceeded" || steps != MaxMatches {
		t.Fatalf("%d steps, %v; want LimitExceeded after exactly MaxMatches", steps, err)
	}
}

func TestCatastrophicRegexFailsTheEvaluationAtItsFirstTimeout(t *testing.T) {
	slow := `"` + strings.Repeat("a", 40) + `!"` // 2^40 steps for (a+)+$
	doc, err := jsonv.ParseString(`{"l": [{"x": ` + strings.Repeat(slow+`}, {"x": `, 999) + slow + `}]}`)
	if err != nil {
		t.Fatal(err)
	}
	steps, err := evalSteps(t, MustCompile("l[?(@.x ~ '(a+)+$')]"), doc, nil)
	if limitKind(err) != "LimitExceeded" || !strings.Contains(err.Error(), "timeout") {
		t.Fatalf("got %v, want the regex timeout", err)
	}
	// root, l, then the first candidate and its x: no second regex ran.
	if steps > 4 {
		t.Fatalf("%d steps: more than one of the 1000 candidates was tried", steps)
	}
}

func TestRegexBudgetBoundsManySlowMatches(t *testing.T) {
	// Each of these takes 2^17 backtracking steps, milliseconds, below
	// RegexTimeout: without RegexBudget 5000 of them take minutes.
	slow := `"` + strings.Repeat("a", 17) + `!"`
	const n = 5000
	doc, err := jsonv.ParseString(`{"l": [{"x": ` + strings.Repeat(slow+`}, {"x": `, n-1) + slow + `}]}`)
	if err != nil {
		t.Fatal(err)
	}
	steps, err := evalSteps(t, MustCompile("l[?(@.x ~ '(a+)+$')]"), doc, nil)
	// A loaded machine may hit RegexTimeout first; either is LimitExceeded.
	if limitKind(err) != "LimitExceeded" {
		t.Fatalf("got %v, want LimitExceeded", err)
	}
	if tried := (steps - 2) / 2; tried >= n {
		t.Fatalf("all %d candidates were tried", tried)
	} else {
		t.Logf("stopped after %d of %d candidates: %v", tried, n, err)
	}
}

func TestSpentRegexBudgetFailsBeforeTheNextMatch(t *testing.T) {
	doc, _ := jsonv.ParseString(`{"l": [{"x": "a"}], "s": "abc"}`)
	spent := func(e *evaluator) { e.regexSpent = RegexBudget + 1 }
	for _, expr := range []string{"l[?(@.x ~ 'a')]", "$.s.`sub(/b/, x)`"} {
		steps, err := evalSteps(t, MustCompile(expr), doc, spent)
		if err != errRegexBudget {
			t.Errorf("%s: %v, want %v", expr, err, errRegexBudget)
		}
		if steps > 4 {
			t.Errorf("%s: %d steps", expr, steps)
		}
		// A fresh evaluation has its whole budget again.
		if _, err := MustCompile(expr).Eval(doc); err != nil {
			t.Errorf("%s: %v", expr, err)
		}
	}
}

func TestPathsOfDeepAndWideMatchesAreBounded(t *testing.T) {
	// 400 levels, then 20,000 leaves: 8e6 path steps, 32 MB of paths from
	// a 0.2 MB payload; a 1 MiB body can hold gigabytes' worth.
	leaves := make([]any, 20000)
	for i := range leaves {
		leaves[i] = int64(i)
	}
	doc := any(leaves)
	for range 400 {
		doc = []any{doc}
	}
	p := MustCompile("$..[*]")
	if vs, err := p.Eval(doc); err != nil || len(vs) < 20000 {
		t.Fatalf("Eval: %d values, %v", len(vs), err)
	}
	ms, err := p.EvalMatches(doc)
	var ee *EvalError
	if !errors.As(err, &ee) || ee.Kind != "LimitExceeded" || ms != nil {
		t.Fatalf("EvalMatches: %d matches, %v; want LimitExceeded", len(ms), err)
	}
	// The count itself stops at the limit.
	e := &evaluator{arena: []datum{{up: -1}}}
	for i := range 1000 {
		e.arena = append(e.arena, datum{up: int32(i)})
	}
	idx := []int32{1000, 1000, 1000}
	if n := e.pathSteps(idx, 1500); n != 1501 {
		t.Fatalf("pathSteps = %d, want to stop at 1501", n)
	}
	if n := e.pathSteps(idx, MaxPathSteps); n != 3000 {
		t.Fatalf("pathSteps = %d, want 3000", n)
	}
}
