package jsonv

import (
	"errors"
	"math"
	"math/big"
	"math/bits"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode/utf16"
	"unicode/utf8"
	"unsafe"
)

// MaxDepth is the deepest nesting of arrays and objects Parse accepts.
// CPython's json.loads raises RecursionError a few levels below 1000 under
// the default recursion limit; meterflow accepts exactly 1000 levels and
// fails cleanly beyond, instead of growing the stack without bound.
const MaxDepth = 1000

// MaxIntDigits is the longest integer literal Parse accepts, Python 3.11's
// default int_max_str_digits: json.loads raises ValueError beyond it.
const MaxIntDigits = 4300

// ErrSyntax is wrapped by every error Parse returns, for errors.Is.
var ErrSyntax = errors.New("jsonv: invalid JSON")

// SyntaxError reports where and why Parse rejected its input. Msg uses the
// wording of Python's json.JSONDecodeError where one exists.
type SyntaxError struct {
	Offset int // byte offset into the input
	Msg    string
}

func (e *SyntaxError) Error() string {
	return "jsonv: " + e.Msg + " at offset " + strconv.Itoa(e.Offset)
}

// Unwrap makes errors.Is(err, ErrSyntax) true.
func (e *SyntaxError) Unwrap() error { return ErrSyntax }

// Parse decodes data as Python's json.loads decodes a bytes object:
//
//   - a leading UTF-8 byte order mark is skipped, and invalid UTF-8 is an error
//     (UTF-16 and UTF-32 input, which Python detects, are not supported);
//   - NaN, Infinity and -Infinity are accepted;
//   - integers are int64, or *big.Int when they do not fit; numbers with a
//     fraction or exponent are float64 (1e400 is +Inf);
//   - a repeated object key keeps its first position and takes its last value;
//   - control characters inside strings are rejected (strict mode).
//
// Python keeps lone UTF-16 surrogates (from "\ud800" escapes, or from the
// UTF-8-encoded surrogates its surrogatepass decoder lets through) in the
// resulting str; such a str cannot be encoded back to UTF-8. Parse replaces
// each lone surrogate with U+FFFD so that every string it returns is valid
// UTF-8. Escaped surrogate pairs are combined, as in Python.
//
// Strings without escapes share memory with one private copy of data, so the
// caller may reuse data afterwards.
func Parse(data []byte) (any, error) {
	return parseBytes(data, false, nil)
}

// ParseKeep parses data as Parse does and fails exactly when Parse fails,
// but builds only what its caller keeps: when the top-level value is an
// object, a member whose key keep rejects is checked and left out of the
// result without being built. A nil keep keeps every member. Any other
// top-level value is returned whole.
//
// A string data is read as Parse reads bytes (a leading byte order mark is
// skipped) and the result may share its memory. No string in the result
// shares memory with a []byte data, so the caller may reuse it afterwards.
func ParseKeep[T string | []byte](data T, keep func(key string) bool) (any, error) {
	switch d := any(data).(type) {
	case string:
		return parseBytes(unsafe.Slice(unsafe.StringData(d), len(d)), true, keep)
	default:
		return parseBytes(d.([]byte), false, keep)
	}
}

// parseBytes is Parse. Unless shared, the result must not share memory with
// data: with a keep function, which usually drops most of data, each kept
// string is copied; without one, data is copied whole.
func parseBytes(data []byte, shared bool, keep func(string) bool) (any, error) {
	off := 0
	if len(data) >= 3 && data[0] == 0xEF && data[1] == 0xBB && data[2] == 0xBF {
		off = 3
	}
	var s string
	clone := false
	switch {
	case !utf8.Valid(data[off:]):
		b, err := passSurrogates(data[off:])
		if err != nil {
			err.(*SyntaxError).Offset += off
			return nil, err
		}
		s = b
	case shared || keep != nil:
		s = unsafe.String(unsafe.SliceData(data[off:]), len(data)-off)
		clone = !shared
	default:
		s = string(data[off:])
	}
	v, err := parse(s, mode{clone: clone, keep: keep})
	if err != nil && off > 0 {
		err.(*SyntaxError).Offset += off
	}
	return v, err
}

// ParseString decodes s as Python's json.loads decodes a str: like Parse,
// except that a leading byte order mark is an error, as in Python.
func ParseString(s string) (any, error) {
	if strings.HasPrefix(s, "\uFEFF") {
		return nil, &SyntaxError{0, "Unexpected UTF-8 BOM (decode using utf-8-sig)"}
	}
	if !utf8.ValidString(s) {
		b, err := passSurrogates([]byte(s))
		if err != nil {
			return nil, err
		}
		s = b
	}
	return parse(s, mode{})
}

// passSurrogates mirrors Python's "surrogatepass" UTF-8 decoding: encoded
// surrogates (ED A0..BF xx) are accepted and replaced by U+FFFD, which has
// the same length, so offsets are kept. Any other invalid UTF-8 is an error.
func passSurrogates(data []byte) (string, error) {
	b := []byte(string(data))
	for i := 0; i < len(b); {
		if b[i] < utf8.RuneSelf {
			i++
			continue
		}
		r, n := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && n == 1 {
			if i+2 < len(b) && b[i] == 0xED && b[i+1] >= 0xA0 && b[i+1] <= 0xBF && b[i+2] >= 0x80 && b[i+2] <= 0xBF {
				b[i], b[i+1], b[i+2] = 0xEF, 0xBF, 0xBD
				i += 3
				continue
			}
			return "", &SyntaxError{i, "invalid UTF-8"}
		}
		i += n
	}
	return string(b), nil
}

type parser struct {
	s     string
	pos   int
	depth int
	vals  []any    // scratch stack of array elements
	mems  []member // scratch stack of object members

	mode
	nested  bool   // parsing JSON text inside a string: see embedded.go
	discard bool   // check the current value without building it
	scratch []byte // where strings are unescaped

	slabs // where the values of this parse are allocated
}

// mode is what a parse builds (see ParseKeep and ParseEmbedded).
type mode struct {
	clone     bool              // s is borrowed: copy the strings that are kept
	keep      func(string) bool // which top-level members to build; nil: all
	embed     string            // the top-level member whose text is parsed where it stands
	embedKeep func(string) bool // which members of that text to build; nil: all
}

var parserPool = sync.Pool{New: func() any {
	return &parser{vals: make([]any, 0, 64), mems: make([]member, 0, 64)}
}}

// retainLimit is the size of input up to which a pooled parser may keep
// references to the values of its last parse in its scratch stacks, which
// are left as they are: clearing each entry as it is popped costs a write
// barrier per pointer while the collector runs. Past it they are cleared,
// so that a pooled parser never keeps a large input alive.
const retainLimit = 64 << 10

func parse(s string, m mode) (any, error) {
	p := parserPool.Get().(*parser)
	p.s, p.pos, p.depth = s, 0, 0
	p.mode, p.discard = m, false
	// Little is kept when members are dropped, unless an embedded text is
	// kept whole.
	p.small = m.keep != nil && (m.embed == "" || m.embedKeep != nil)
	v, err := p.value()
	if err == nil {
		p.skipWS()
		if p.pos != len(p.s) {
			v, err = nil, p.errorf("Extra data")
		}
	}
	if len(s) > retainLimit {
		clear(p.vals[:cap(p.vals)])
		clear(p.mems[:cap(p.mems)])
	}
	p.s, p.mode, p.nested = "", mode{}, false
	p.slabs = slabs{}
	if cap(p.vals) <= 4096 && cap(p.mems) <= 4096 && cap(p.scratch) <= 64<<10 {
		parserPool.Put(p)
	}
	return v, err
}

func (p *parser) errorf(msg string) error {
	return &SyntaxError{p.pos, msg}
}

// skipWS skips whitespace. Most tokens are preceded by none or by one
// space, which it handles without a loop.
func (p *parser) skipWS() {
	if p.pos < len(p.s) && p.s[p.pos] > ' ' {
		return
	}
	p.skipWSLoop()
}

func (p *parser) skipWSLoop() {
	s, i := p.s, p.pos
	for i < len(s) {
		switch s[i] {
		case ' ':
			i++
		case '\t', '\n', '\r':
			if p.nested { // not allowed raw in the string holding the text
				p.pos = i
				return
			}
			i++
		default:
			p.pos = i
			return
		}
	}
	p.pos = i
}

func (p *parser) value() (any, error) {
	p.skipWS()
	if p.pos >= len(p.s) {
		return nil, p.errorf("Expecting value")
	}
	switch c := p.s[p.pos]; c {
	case '"', '\\':
		if !p.atQuote() {
			return nil, p.errorf("Expecting value")
		}
		s, err := p.str()
		if err != nil || p.discard {
			return nil, err
		}
		return p.boxString(s), nil
	case '{':
		return p.object()
	case '[':
		return p.array()
	case 't':
		return p.literal("true", true)
	case 'f':
		return p.literal("false", false)
	case 'n':
		return p.literal("null", nil)
	case 'N':
		return p.literal("NaN", math.NaN())
	case 'I':
		return p.literal("Infinity", math.Inf(1))
	case '-':
		if p.pos+1 < len(p.s) && p.s[p.pos+1] == 'I' {
			return p.literal("-Infinity", math.Inf(-1))
		}
		return p.number()
	default:
		if c >= '0' && c <= '9' {
			return p.number()
		}
		return nil, p.errorf("Expecting value")
	}
}

func (p *parser) literal(word string, v any) (any, error) {
	if strings.HasPrefix(p.s[p.pos:], word) {
		p.pos += len(word)
		return v, nil
	}
	return nil, p.errorf("Expecting value")
}

// number scans Python's NUMBER_RE, (-?(?:0|[1-9]\d*))(\.\d+)?([eE][-+]?\d+)?,
// leaving anything after the longest match to the caller.
func (p *parser) number() (any, error) {
	s, start := p.s, p.pos
	i := start
	neg := s[i] == '-'
	if neg {
		i++
	}
	if i >= len(s) || s[i] < '0' || s[i] > '9' {
		return nil, p.errorf("Expecting value")
	}
	digits := i
	if s[i] == '0' {
		i++
	} else {
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
	}
	intEnd := i
	isFloat := false
	if i+1 < len(s) && s[i] == '.' && s[i+1] >= '0' && s[i+1] <= '9' {
		i += 2
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		isFloat = true
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		j := i + 1
		if j < len(s) && (s[j] == '+' || s[j] == '-') {
			j++
		}
		if j < len(s) && s[j] >= '0' && s[j] <= '9' {
			for j < len(s) && s[j] >= '0' && s[j] <= '9' {
				j++
			}
			i = j
			isFloat = true
		}
	}
	p.pos = i
	if isFloat {
		f, err := strconv.ParseFloat(s[start:i], 64)
		if err != nil && !math.IsInf(f, 0) {
			p.pos = start
			return nil, p.errorf("invalid number")
		}
		if p.discard {
			return nil, nil
		}
		return p.boxFloat(f), nil
	}
	if n := intEnd - digits; n <= 18 {
		if p.discard {
			return nil, nil
		}
		var u int64
		for k := digits; k < intEnd; k++ {
			u = u*10 + int64(s[k]-'0')
		}
		if neg {
			u = -u
		}
		return p.boxInt(u), nil
	} else if n > MaxIntDigits {
		p.pos = start
		return nil, p.errorf("Exceeds the limit (4300 digits) for integer string conversion")
	}
	if p.discard {
		return nil, nil
	}
	b, _ := new(big.Int).SetString(s[start:i], 10)
	if b.IsInt64() {
		return p.boxInt(b.Int64()), nil
	}
	return b, nil
}

// str scans a string starting at its opening quote. Without escapes the
// result is a substring of the input (a copy when the input is borrowed).
// A discarded string is only valid until the next one is scanned.
func (p *parser) str() (string, error) {
	if p.nested {
		return p.strNested()
	}
	s := p.s
	start := p.pos + 1
	i := plainRun(s, start)
	if i < len(s) {
		switch c := s[i]; {
		case c == '"':
			p.pos = i + 1
			if p.clone && !p.discard {
				return p.copyString(s[start:i]), nil
			}
			return s[start:i], nil
		case c == '\\':
			return p.strEscaped(start, i)
		default:
			p.pos = i
			return "", p.errorf("Invalid control character at")
		}
	}
	p.pos = start - 1
	return "", p.errorf("Unterminated string starting at")
}

// strEscaped unescapes into p.scratch, then copies the result into one
// allocation of its exact size unless the string is discarded. Plain runs
// are copied a word at a time: each word is stored whole and the end of
// the buffer then moved past its plain bytes only.
func (p *parser) strEscaped(start, i int) (string, error) {
	s := p.s
	b := append(p.scratch[:0], s[start:i]...)
	for i < len(s) {
		for i+8 <= len(s) {
			w := load64(s, i)
			if cap(b)-len(b) < 8 {
				b = slices.Grow(b, 8)
			}
			n := len(b)
			store64(b[n:n+8], w)
			if m := specialBytes(w); m != 0 {
				k := bits.TrailingZeros64(m) >> 3
				b, i = b[:n+k], i+k
				break
			}
			b, i = b[:n+8], i+8
		}
		if i+8 > len(s) {
			j := plainRun(s, i)
			b = append(b, s[i:j]...)
			if i = j; i >= len(s) {
				break
			}
		}
		switch c := s[i]; {
		case c == '"':
			p.pos = i + 1
			p.scratch = b
			if p.discard {
				return unsafe.String(unsafe.SliceData(b), len(b)), nil
			}
			return p.copyString(unsafe.String(unsafe.SliceData(b), len(b))), nil
		case c < 0x20:
			p.pos = i
			p.scratch = b
			return "", p.errorf("Invalid control character at")
		}
		if i+1 >= len(s) {
			break
		}
		if c := shortEscapes[s[i+1]]; c != 0 {
			b, i = append(b, c), i+2
			continue
		}
		switch s[i+1] {
		case 'u':
			r, next, ok := unicodeEscape(s, i, `\u`)
			if !ok {
				p.pos = i
				p.scratch = b
				return "", p.errorf("Invalid \\uXXXX escape")
			}
			b, i = utf8.AppendRune(b, r), next
			continue
		default:
			p.pos = i
			p.scratch = b
			return "", p.errorf("Invalid \\escape")
		}
	}
	p.pos = start - 1
	p.scratch = b
	return "", p.errorf("Unterminated string starting at")
}

// shortEscapes maps the character after a backslash to the byte it
// stands for, for JSON's two-character escapes; 0 for the others.
var shortEscapes = [256]byte{'"': '"', '\\': '\\', '/': '/', 'b': '\b', 'f': '\f', 'n': '\n', 'r': '\r', 't': '\t'}

// unicodeEscape decodes the \uXXXX escape at s[i:], written with the
// prefix esc (`\u`, or `\\u` in JSON text held in a string), and the low
// surrogate escape that may follow a high one. It returns the rune (U+FFFD
// for a lone surrogate, see Parse), the index after the escapes, and false
// when the first escape's hex digits are invalid.
func unicodeEscape(s string, i int, esc string) (r rune, next int, ok bool) {
	if r, ok = hex4(s, i+len(esc)); !ok {
		return 0, i, false
	}
	i += len(esc) + 4
	if !utf16.IsSurrogate(r) {
		return r, i, true
	}
	if r < 0xDC00 && strings.HasPrefix(s[i:], esc) {
		if r2, ok := hex4(s, i+len(esc)); ok && r2 >= 0xDC00 && r2 <= 0xDFFF {
			return utf16.DecodeRune(r, r2), i + len(esc) + 4, true
		}
	}
	return utf8.RuneError, i, true
}

func hex4(s string, i int) (rune, bool) {
	if i+4 > len(s) {
		return 0, false
	}
	var r rune
	for _, c := range []byte(s[i : i+4]) {
		switch {
		case c >= '0' && c <= '9':
			c -= '0'
		case c >= 'a' && c <= 'f':
			c -= 'a' - 10
		case c >= 'A' && c <= 'F':
			c -= 'A' - 10
		default:
			return 0, false
		}
		r = r<<4 | rune(c)
	}
	return r, true
}

func (p *parser) enter() error {
	p.depth++
	if p.depth > MaxDepth {
		return p.errorf("maximum nesting depth exceeded")
	}
	return nil
}

func (p *parser) array() (any, error) {
	if err := p.enter(); err != nil {
		return nil, err
	}
	p.pos++
	p.skipWS()
	if p.pos < len(p.s) && p.s[p.pos] == ']' {
		p.pos++
		p.depth--
		return []any{}, nil
	}
	base := len(p.vals)
	for {
		v, err := p.value()
		if err != nil {
			clear(p.vals[base:])
			p.vals = p.vals[:base]
			return nil, err
		}
		if !p.discard {
			p.vals = append(p.vals, v)
		}
		p.skipWS()
		if p.pos < len(p.s) {
			if c := p.s[p.pos]; c == ',' {
				p.pos++
				continue
			} else if c == ']' {
				p.pos++
				break
			}
		}
		clear(p.vals[base:])
		p.vals = p.vals[:base]
		return nil, p.errorf("Expecting ',' delimiter")
	}
	p.depth--
	if p.discard {
		return nil, nil
	}
	arr := p.takeVals(len(p.vals) - base)
	copy(arr, p.vals[base:])
	p.vals = p.vals[:base]
	return arr, nil
}

func (p *parser) object() (any, error) {
	if err := p.enter(); err != nil {
		return nil, err
	}
	p.pos++
	p.skipWS()
	if p.pos < len(p.s) && p.s[p.pos] == '}' {
		p.pos++
		p.depth--
		if p.discard {
			return nil, nil
		}
		return p.newObject(0), nil
	}
	// Members of a top-level object that the caller does not keep are
	// checked and dropped; their keys are scanned as if discarded, and a
	// kept key is copied when it is borrowed or in p.scratch.
	top := p.keep != nil && p.depth == 1
	base := len(p.mems)
	fail := func(err error) (any, error) {
		clear(p.mems[base:])
		p.mems = p.mems[:base]
		return nil, err
	}
	for {
		p.skipWS()
		if !p.atQuote() {
			return fail(p.errorf("Expecting property name enclosed in double quotes"))
		}
		p.discard = p.discard || top
		key, err := p.str()
		if err != nil {
			return fail(err)
		}
		drop := false
		if top {
			p.discard = false
			if drop = !p.keep(key); !drop && (p.clone || inScratch(key, p.scratch)) {
				key = p.copyString(key)
			}
			p.discard = drop
		}
		p.skipWS()
		if p.pos >= len(p.s) || p.s[p.pos] != ':' {
			return fail(p.errorf("Expecting ':' delimiter"))
		}
		p.pos++
		var v any
		if top && !drop && key == p.embed {
			v, err = p.embedded()
		} else {
			v, err = p.value()
		}
		if err != nil {
			return fail(err)
		}
		if drop {
			p.discard = false
		}
		if !p.discard && !drop {
			p.mems = append(p.mems, member{key, v})
		}
		p.skipWS()
		if p.pos < len(p.s) {
			if c := p.s[p.pos]; c == ',' {
				p.pos++
				continue
			} else if c == '}' {
				p.pos++
				break
			}
		}
		return fail(p.errorf("Expecting ',' delimiter"))
	}
	if p.discard {
		p.depth--
		return nil, nil
	}
	o := p.newObject(len(p.mems) - base)
	copy(o.members, p.mems[base:])
	o.members, o.index = dedupe(o.members)
	p.mems = p.mems[:base]
	p.depth--
	return o, nil
}

// inScratch reports whether s was unescaped into scratch.
func inScratch(s string, scratch []byte) bool {
	return len(s) > 0 && unsafe.StringData(s) == unsafe.SliceData(scratch)
}
