package jsonpath

import (
	"encoding/json"
	"os"
	"testing"
	"time"

	"meterflow/processors/jsonv"
	"meterflow/processors/pyre"
)

const fuzzDoc = `{"payload": {"metrics": [{"name": "cpu.frequency", "value": 1600},
 {"name": "x", "value": "2", "l": [1, 2.5, null, true]}], "outcome": "success",
 "s": "foo-bar#baz", "n": null, "o": {"a": {"b": [[1], {"c": NaN}]}}, "big": 123456789012345678901234567890}}`

// seedExpressions adds every expression of testdata/*.json to the corpus.
func seedExpressions(f *testing.F, add func(string)) {
	var cases []struct{ Expr string }
	if data, err := os.ReadFile("testdata/cases.json"); err == nil {
		json.Unmarshal(data, &cases)
	}
	for _, c := range cases {
		add(c.Expr)
	}
	var corpus struct{ Expressions []string }
	if data, err := os.ReadFile("testdata/corpus.json"); err == nil {
		json.Unmarshal(data, &corpus)
	}
	for _, e := range corpus.Expressions {
		add(e)
	}
}

func FuzzCompile(f *testing.F) {
	seedExpressions(f, func(e string) { f.Add(e) })
	doc, err := jsonv.ParseString(fuzzDoc)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, expr string) {
		p, err := Compile(expr)
		if err != nil {
			if p != nil {
				t.Fatal("non-nil Path with error")
			}
			return
		}
		if p.String() != expr {
			t.Fatalf("String() = %q, want %q", p.String(), expr)
		}
		p.Find(doc)
		p.FindFirst(doc)
	})
}

func FuzzFind(f *testing.F) {
	seedExpressions(f, func(e string) { f.Add(e, fuzzDoc) })
	f.Add("$..*", `[[[[{"a": [1, "x", {"b": {}}]}]]]]`)
	f.Add("a[?(@.x ~ '(a+)+$')]", `{"a": [{"x": "aaaaaaaaaaaaaaaaaaaaab"}]}`)
	f.Fuzz(func(t *testing.T, expr, data string) {
		p, err := Compile(expr)
		if err != nil {
			return
		}
		doc, err := jsonv.ParseString(data)
		if err != nil {
			return
		}
		ms, err := p.EvalMatches(doc)
		vs, err2 := p.Eval(doc)
		// Errors may differ between runs: a regex can hit RegexTimeout once.
		if err == nil && err2 == nil && len(ms) != len(vs) {
			t.Fatalf("EvalMatches and Eval disagree: %d, %v vs %d, %v", len(ms), err, len(vs), err2)
		}
		first, ok := p.FindFirst(doc)
		if ok && first == nil {
			t.Fatal("FindFirst returned null")
		}
		checkChainsAgreeWithEvaluator(t, p, doc)
	})
}

// checkChainsAgreeWithEvaluator fails unless a path compiled to plain
// chains finds what the evaluator finds.
func checkChainsAgreeWithEvaluator(t *testing.T, p *Path, doc any) {
	t.Helper()
	if p.chains == nil {
		return
	}
	general := &Path{expr: p.expr, root: p.root}
	want, werr := general.Eval(doc)
	got, err := p.Eval(doc)
	if werr != nil || err != nil || string(jsonv.Marshal(got)) != string(jsonv.Marshal(want)) {
		t.Fatalf("%s: chains give %s (%v), the evaluator %s (%v)", p.expr, jsonv.Marshal(got), err, jsonv.Marshal(want), werr)
	}
	wv, wok, _ := general.EvalFirst(doc)
	gv, gok, _ := p.EvalFirst(doc)
	if wok != gok || string(jsonv.Marshal(gv)) != string(jsonv.Marshal(wv)) {
		t.Fatalf("%s: EvalFirst gives %v with chains, %v without", p.expr, gv, wv)
	}
}

func TestUnionsOfPlainChainsAgreeWithTheEvaluator(t *testing.T) {
	doc, err := jsonv.ParseString(`{"payload": {"tenant_id": "t", "n": null, "o": {"a": 1}}, "ctxt": {"project_id": "p"}, "l": [1]}`)
	if err != nil {
		t.Fatal(err)
	}
	for _, expr := range []string{
		"(payload.tenant_id)|(ctxt.project_id)", "(payload.n)|(ctxt.project_id)", "(payload.missing)|(ctxt.project_id)",
		"(payload.o.a)|(payload.o)|(l.x)", "($)|(payload)", "payload.n", "(l)|(ctxt.user_id)",
	} {
		p := MustCompile(expr)
		if p.chains == nil {
			t.Errorf("%s: not compiled to plain chains", expr)
		}
		checkChainsAgreeWithEvaluator(t, p, doc)
	}
}

// FuzzRegexMatchAgreesWithPyre checks the two implementations of Python's
// re.match in meterflow against each other: jsonpath's `~` operator
// (anchored with \A) and pyre.Regexp.Match (meters' event_type). They
// must accept the same patterns and, when neither times out, agree.
func FuzzRegexMatchAgreesWithPyre(f *testing.F) {
	for _, s := range [][2]string{
		{"compute.instance.(?!create.start|update).*", "compute.instance.create.end"},
		{"a$", "a\n"}, {"(?x) a # comment", "a"}, {`(?P<x>a)(?P=x)\Z`, "aa"},
		{"b|ab", "ab"}, {`\d+`, "x1"}, {"(?i)É", "é"}, {"[]a]", "]"}, {"", "x"},
	} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, pattern, text string) {
		a, errA := pyre.Compile(pattern, 10*time.Millisecond)
		b, errB := compilePyRegexp(pattern, true)
		if (errA == nil) != (errB == nil) {
			t.Fatalf("pattern %q: pyre.Compile error %v, jsonpath error %v", pattern, errA, errB)
		}
		if errA != nil {
			return
		}
		b.re.MatchTimeout = 10 * time.Millisecond
		okA, errA := a.Match(text)
		okB, errB := b.matchPrefix(text)
		if errA == nil && errB == nil && okA != okB {
			t.Fatalf("re.match(%q, %q): pyre %v, jsonpath %v", pattern, text, okA, okB)
		}
	})
}
