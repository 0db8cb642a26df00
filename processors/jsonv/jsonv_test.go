package jsonv

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/big"
	"os"
	"strconv"
	"strings"
	"testing"
)

// pyCase is one entry of testdata/cases.json, produced by testdata/gen.py
// from Python 3.11's json.loads, repr(), str() and
// json.dumps(v, separators=(",", ":"), ensure_ascii=False).
type pyCase struct {
	Input string  `json:"input"`
	Error *string `json:"error"`
	Repr  string  `json:"repr"`
	Str   string  `json:"str"`
	JSON  string  `json:"json"`
}

func TestParseMatchesPython(t *testing.T) {
	data, err := os.ReadFile("testdata/cases.json")
	if err != nil {
		t.Fatal(err)
	}
	var cases []pyCase
	if err := json.Unmarshal(data, &cases); err != nil {
		t.Fatal(err)
	}
	for _, c := range cases {
		v, err := Parse([]byte(c.Input))
		if c.Error != nil {
			if err == nil {
				t.Errorf("Parse(%q) = %s, want error like Python's %q", c.Input, PyRepr(v), *c.Error)
			} else if !errors.Is(err, ErrSyntax) {
				t.Errorf("Parse(%q) error %v does not wrap ErrSyntax", c.Input, err)
			}
			continue
		}
		if err != nil {
			t.Errorf("Parse(%q): %v", c.Input, err)
			continue
		}
		if got := PyRepr(v); got != c.Repr {
			t.Errorf("PyRepr(Parse(%q)) = %s, want %s", c.Input, got, c.Repr)
		}
		if got := PyStr(v); got != c.Str {
			t.Errorf("PyStr(Parse(%q)) = %s, want %s", c.Input, got, c.Str)
		}
		if got := string(Marshal(v)); got != c.JSON {
			t.Errorf("Marshal(Parse(%q)) = %s, want %s", c.Input, got, c.JSON)
		}
		w, err := ParseString(c.Input)
		if err != nil || PyRepr(w) != c.Repr {
			t.Errorf("ParseString(%q) = %s, %v; want %s", c.Input, PyRepr(w), err, c.Repr)
		}
	}
}

func TestParseTypes(t *testing.T) {
	tests := []struct {
		in   string
		want any
	}{
		{"1", int64(1)},
		{"-0", int64(0)},
		{"1.0", 1.0},
		{"1e2", 100.0},
		{"9223372036854775807", int64(math.MaxInt64)},
		{`"x"`, "x"},
		{"true", true},
		{"null", nil},
	}
	for _, tt := range tests {
		v, err := Parse([]byte(tt.in))
		if err != nil || v != tt.want {
			t.Errorf("Parse(%s) = %#v, %v; want %#v", tt.in, v, err, tt.want)
		}
	}
	v, _ := Parse([]byte("9223372036854775808"))
	if b, ok := v.(*big.Int); !ok || b.String() != "9223372036854775808" {
		t.Errorf("Parse(2**63) = %#v, want *big.Int", v)
	}
}

func TestParseDuplicateKeyKeepsFirstPositionLastValue(t *testing.T) {
	v, err := Parse([]byte(`{"a":1,"b":2,"a":3}`))
	if err != nil {
		t.Fatal(err)
	}
	o := v.(*Object)
	if got := strings.Join(o.Keys(), ","); got != "a,b" {
		t.Errorf("keys = %s, want a,b", got)
	}
	if a, _ := o.Get("a"); a != int64(3) {
		t.Errorf("a = %v, want 3", a)
	}
}

func TestParseDuplicateKeysInLargeObjects(t *testing.T) {
	// 40 members over 25 distinct keys: past the size at which objects are
	// indexed, with repeats before and after it.
	var b strings.Builder
	b.WriteString("{")
	var wantKeys []string
	want := map[string]int{}
	for i := range 40 {
		k := fmt.Sprintf("k%d", (i*7)%25)
		if _, seen := want[k]; !seen {
			wantKeys = append(wantKeys, k)
		}
		want[k] = i
		if i > 0 {
			b.WriteString(",")
		}
		fmt.Fprintf(&b, "%q:%d", k, i)
	}
	b.WriteString("}")
	v, err := Parse([]byte(b.String()))
	if err != nil {
		t.Fatal(err)
	}
	o := v.(*Object)
	if got := strings.Join(o.Keys(), ","); got != strings.Join(wantKeys, ",") {
		t.Errorf("keys = %s, want %s", got, strings.Join(wantKeys, ","))
	}
	for k, i := range want {
		if got, _ := o.Get(k); got != int64(i) {
			t.Errorf("%s = %v, want %d", k, got, i)
		}
	}
	o.Set("new", true) // the index stays usable
	if got, _ := o.Get("new"); got != true || o.Len() != len(wantKeys)+1 {
		t.Errorf("after Set: new = %v, %d members", got, o.Len())
	}
}

func TestParseLoneSurrogatesBecomeReplacementChar(t *testing.T) {
	tests := []struct{ in, want string }{
		{`"\ud800"`, "\uFFFD"},
		{`"\udc00x"`, "\uFFFDx"},
		{`"\ud800\u0041"`, "\uFFFDA"},
		{`"\ud83d\ude00"`, "\U0001F600"},
		{"\"\xed\xa0\x80\"", "\uFFFD"}, // surrogatepass bytes
	}
	for _, tt := range tests {
		v, err := Parse([]byte(tt.in))
		if err != nil || v != tt.want {
			t.Errorf("Parse(%q) = %q, %v; want %q", tt.in, v, err, tt.want)
		}
	}
}

func TestParseRejectsInvalidUTF8(t *testing.T) {
	for _, in := range []string{"\"\xff\"", "\"\xc3\"", "[\"a\", \"\xe9\"]"} {
		if _, err := Parse([]byte(in)); err == nil {
			t.Errorf("Parse(%q) succeeded, want error", in)
		}
	}
}

func TestParseBOM(t *testing.T) {
	if v, err := Parse([]byte("\xef\xbb\xbf[1]")); err != nil || PyRepr(v) != "[1]" {
		t.Errorf("Parse(BOM[1]) = %v, %v", v, err)
	}
	if _, err := ParseString("\uFEFF[1]"); err == nil {
		t.Error("ParseString(BOM[1]) succeeded, want error as Python's str input")
	}
}

func TestParseDepthLimit(t *testing.T) {
	ok := strings.Repeat("[", MaxDepth) + strings.Repeat("]", MaxDepth)
	if _, err := Parse([]byte(ok)); err != nil {
		t.Errorf("depth %d: %v", MaxDepth, err)
	}
	deep := strings.Repeat(`{"a":[`, 10000)
	if _, err := Parse([]byte(deep)); err == nil {
		t.Error("depth 20000 succeeded, want error")
	}
}

func TestParseErrorOffset(t *testing.T) {
	_, err := Parse([]byte(`{"a": 1,  x}`))
	var se *SyntaxError
	if !errors.As(err, &se) || se.Offset != 10 {
		t.Errorf("error = %v, want offset 10", err)
	}
}

func TestParseIntDigitLimit(t *testing.T) {
	if _, err := Parse([]byte(strings.Repeat("7", MaxIntDigits))); err != nil {
		t.Errorf("%d digits: %v", MaxIntDigits, err)
	}
	if _, err := Parse([]byte(strings.Repeat("7", MaxIntDigits+1))); err == nil {
		t.Errorf("%d digits succeeded, want error as Python's ValueError", MaxIntDigits+1)
	}
}

func TestObject(t *testing.T) {
	o := NewObject(0)
	for i := range 40 {
		o.Set(string(rune('a'+i%26))+strings.Repeat("x", i/26), int64(i))
	}
	o.Set("c", "replaced")
	if k, v := o.At(2); k != "c" || v != "replaced" {
		t.Errorf("At(2) = %s, %v", k, v)
	}
	if !o.Delete("b") || o.Delete("b") {
		t.Error("Delete(b) twice")
	}
	if k, _ := o.At(1); k != "c" {
		t.Errorf("after Delete, At(1) = %s, want c", k)
	}
	for i := range o.Len() {
		k, _ := o.At(i)
		if _, ok := o.Get(k); !ok {
			t.Errorf("Get(%s) missing", k)
		}
	}
	for o.Len() > 0 {
		k, _ := o.At(o.Len() / 2)
		o.Delete(k)
		for i := range o.Len() {
			k, _ := o.At(i)
			if _, ok := o.Get(k); !ok {
				t.Fatalf("Get(%s) missing", k)
			}
		}
	}
	var zero Object
	zero.Set("x", nil)
	if zero.Len() != 1 {
		t.Error("zero Object not usable")
	}
}

func TestEqualPythonSemantics(t *testing.T) {
	big1 := new(big.Int).Lsh(big.NewInt(1), 70)
	tests := []struct {
		name string
		a, b any
		want bool
	}{
		{"int equals float", int64(1), 1.0, true},
		{"true equals one", true, int64(1), true},
		{"true equals one float", true, 1.0, true},
		{"false equals zero", false, 0.0, true},
		{"nan unequal to itself", math.NaN(), math.NaN(), false},
		{"big int equals float", big1, math.Ldexp(1, 70), true},
		{"big int unequal to neighbour float", new(big.Int).Add(big1, big.NewInt(1)), math.Ldexp(1, 70), false},
		{"2**63 not int64 max", math.Ldexp(1, 63), int64(math.MaxInt64), false},
		{"string vs number", "1", int64(1), false},
		{"none vs none", nil, nil, true},
		{"none vs false", nil, false, false},
		{"lists elementwise", []any{int64(1), "a"}, []any{1.0, "a"}, true},
		{"dict order-insensitive", mustParse(`{"a":1,"b":2}`), mustParse(`{"b":2,"a":1.0}`), true},
		{"dict values differ", mustParse(`{"a":1}`), mustParse(`{"a":2}`), false},
		{"list vs dict", []any{}, NewObject(0), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Equal(tt.a, tt.b); got != tt.want {
				t.Errorf("Equal(%s, %s) = %v", PyRepr(tt.a), PyRepr(tt.b), got)
			}
			if got := Equal(tt.b, tt.a); got != tt.want {
				t.Errorf("Equal(%s, %s) = %v", PyRepr(tt.b), PyRepr(tt.a), got)
			}
		})
	}
}

func TestCloneIsDeep(t *testing.T) {
	v := mustParse(`{"a":[1,{"b":2}],"c":123456789012345678901234567890}`)
	c := Clone(v)
	c.(*Object).Set("a", nil)
	if PyRepr(v) != "{'a': [1, {'b': 2}], 'c': 123456789012345678901234567890}" {
		t.Errorf("original changed: %s", PyRepr(v))
	}
}

func TestAppendEscapes(t *testing.T) {
	got := string(Marshal([]any{"a\x00\x1f\x7f\u2028é\"\\", "\xff"}))
	want := `["a\u0000\u001f` + "\x7f\u2028é" + `\"\\","` + "\uFFFD" + `"]`
	if got != want {
		t.Errorf("Marshal = %s, want %s", got, want)
	}
}

func TestPyReprStrings(t *testing.T) {
	tests := []struct{ in, want string }{
		{"abc", `'abc'`},
		{"it's", `"it's"`},
		{`say "hi"`, `'say "hi"'`},
		{`both ' and "`, `'both \' and "'`},
		{"a\\b", `'a\\b'`},
		{"\t\n\r\x00\x7f", `'\t\n\r\x00\x7f'`},
		{"\u0085\u00a0é\u2028\u200b中", `'\x85\xa0é\u2028\u200b中'`},
		{"\U000E0001", `'\U000e0001'`},
	}
	for _, tt := range tests {
		if got := PyRepr(tt.in); got != tt.want {
			t.Errorf("PyRepr(%q) = %s, want %s", tt.in, got, tt.want)
		}
	}
}

func mustParse(s string) any {
	v, err := ParseString(s)
	if err != nil {
		panic(err)
	}
	return v
}

// TestFloatReprMatchesPython checks PyRepr and Marshal of floats against
// testdata/floats.json: Python's repr() and json.dumps() of random bit
// patterns and of powers of ten, keyed by float.hex().
func TestFloatReprMatchesPython(t *testing.T) {
	data, err := os.ReadFile("testdata/floats.json")
	if err != nil {
		t.Fatal(err)
	}
	var rows [][3]string
	if err := json.Unmarshal(data, &rows); err != nil {
		t.Fatal(err)
	}
	for _, r := range rows {
		var f float64
		switch r[0] {
		case "inf":
			f = math.Inf(1)
		case "-inf":
			f = math.Inf(-1)
		case "nan":
			f = math.NaN()
		default:
			if f, err = strconv.ParseFloat(r[0], 64); err != nil {
				t.Fatalf("%s: %v", r[0], err)
			}
		}
		if got := PyRepr(f); got != r[1] {
			t.Errorf("PyRepr(%s) = %s, want %s", r[0], got, r[1])
		}
		if got := string(Marshal(f)); got != r[2] {
			t.Errorf("Marshal(%s) = %s, want %s", r[0], got, r[2])
		}
	}
}

func TestInitObjects(t *testing.T) {
	var a, b Object
	InitObjects([]*Object{&a, &b}, []int{1, 2})
	a.Set("x", int64(1))
	a.Set("y", int64(2)) // past its capacity: must not run into b
	b.Set("z", int64(3))
	if x, _ := a.Get("x"); x != int64(1) || a.Len() != 2 || b.Len() != 1 {
		t.Fatalf("a has %d members (x = %v), b %d", a.Len(), x, b.Len())
	}
	if y, _ := a.Get("y"); y != int64(2) {
		t.Fatalf("a.y = %v", y)
	}
}

func TestGetKeyFindsWhatGetFinds(t *testing.T) {
	small := NewObject(2)
	small.Set("a", int64(1))
	large := NewObject(40)
	for i := range 40 {
		large.Set(fmt.Sprintf("k%d", i), int64(i))
	}
	for _, o := range []*Object{small, large, nil} {
		for _, name := range []string{"a", "k0", "k39", "k40", ""} {
			want, wok := o.Get(name)
			got, ok := o.GetKey(NewKey(name))
			if ok != wok || got != want {
				t.Errorf("GetKey(%q) = %v, %v; Get: %v, %v", name, got, ok, want, wok)
			}
		}
	}
}
