package pyyaml

import (
	"fmt"
	"math"
	"math/big"
	"regexp"
	"strings"

	"gopkg.in/yaml.v3"

	"meterflow/processors/py"
)

// PyYAML's implicit resolvers (resolver.py, YAML 1.1). Each applies to
// plain scalars starting with its own characters, so their order does not
// matter.
var (
	resolveBool  = regexp.MustCompile(`^(?:yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)$`)
	resolveFloat = regexp.MustCompile(`^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?` +
		`|\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?` +
		`|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*` +
		`|[-+]?\.(?:inf|Inf|INF)` +
		`|\.(?:nan|NaN|NAN))$`)
	resolveInt = regexp.MustCompile(`^(?:[-+]?0b[0-1_]+` +
		`|[-+]?0[0-7_]+` +
		`|[-+]?(?:0|[1-9][0-9_]*)` +
		`|[-+]?0x[0-9a-fA-F_]+` +
		`|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)$`)
	resolveNull      = regexp.MustCompile(`^(?:~|null|Null|NULL|)$`)
	resolveTimestamp = regexp.MustCompile(`^(?:[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]` +
		`|[0-9][0-9][0-9][0-9]-[0-9][0-9]?-[0-9][0-9]?` +
		`(?:[Tt]|[ \t]+)[0-9][0-9]?` +
		`:[0-9][0-9]:[0-9][0-9](?:\.[0-9]*)?` +
		`(?:[ \t]*(?:Z|[-+][0-9][0-9]?(?::[0-9][0-9])?))?)$`)
)

// tag is the tag safe_load gives a scalar: its explicit tag, !!str when it
// is quoted or a block scalar, else what the implicit resolvers say.
func tag(n *yaml.Node) string {
	s := n.Value
	switch {
	case n.Style&yaml.TaggedStyle != 0:
		return n.Tag
	case n.Style&(yaml.DoubleQuotedStyle|yaml.SingleQuotedStyle|yaml.LiteralStyle|yaml.FoldedStyle) != 0:
		return "!!str"
	case resolveBool.MatchString(s):
		return "!!bool"
	case resolveFloat.MatchString(s):
		return "!!float"
	case resolveInt.MatchString(s):
		return "!!int"
	case s == "<<":
		return "!!merge"
	case resolveNull.MatchString(s):
		return "!!null"
	case resolveTimestamp.MatchString(s):
		return "!!timestamp"
	case s == "=":
		return "!!value"
	}
	return "!!str"
}

func buildScalar(n *yaml.Node) (*Value, error) {
	s, t := n.Value, tag(n)
	bad := func() (*Value, error) {
		return nil, &Error{n.Line, fmt.Sprintf("invalid %s value %q", strings.TrimPrefix(t, "!!"), s)}
	}
	switch t {
	case "!!str":
		return &Value{V: s}, nil
	case "!!null":
		return &Value{}, nil
	case "!!timestamp":
		if !resolveTimestamp.MatchString(s) {
			return bad()
		}
		return &Value{V: Timestamp(s)}, nil
	case "!!bool":
		switch strings.ToLower(s) {
		case "yes", "true", "on":
			return &Value{V: true}, nil
		case "no", "false", "off":
			return &Value{V: false}, nil
		}
		return bad()
	case "!!int":
		v, ok := constructInt(s)
		if !ok {
			return bad()
		}
		return &Value{V: v}, nil
	case "!!float":
		v, ok := constructFloat(s)
		if !ok {
			return bad()
		}
		return &Value{V: v}, nil
	}
	return nil, &Error{n.Line, fmt.Sprintf("could not determine a constructor for the tag %q", t)}
}

// constructInt is PyYAML's construct_yaml_int: an int64, or a *big.Int when
// the value does not fit.
func constructInt(s string) (any, bool) {
	s = strings.ReplaceAll(s, "_", "")
	if s == "" {
		return nil, false
	}
	neg := s[0] == '-'
	if s[0] == '+' || s[0] == '-' {
		s = s[1:]
	}
	z := new(big.Int)
	var ok bool
	switch {
	case s == "0":
		ok = true
	case strings.HasPrefix(s, "0b"):
		_, ok = z.SetString(s[2:], 2)
	case strings.HasPrefix(s, "0x"):
		_, ok = z.SetString(s[2:], 16)
	case strings.HasPrefix(s, "0"):
		_, ok = z.SetString(s, 8)
	case strings.Contains(s, ":"):
		ok = true
		for _, part := range strings.Split(s, ":") {
			d, good := new(big.Int).SetString(part, 10)
			if !good {
				return nil, false
			}
			z.Mul(z, big.NewInt(60)).Add(z, d)
		}
	default:
		_, ok = z.SetString(s, 10)
	}
	if !ok {
		return nil, false
	}
	if neg {
		z.Neg(z)
	}
	if z.IsInt64() {
		return z.Int64(), true
	}
	return z, true
}

// constructFloat is PyYAML's construct_yaml_float.
func constructFloat(s string) (float64, bool) {
	s = strings.ToLower(strings.ReplaceAll(s, "_", ""))
	if s == "" {
		return 0, false
	}
	sign := 1.0
	if s[0] == '-' {
		sign = -1
	}
	if s[0] == '+' || s[0] == '-' {
		s = s[1:]
	}
	switch {
	case s == ".inf":
		return sign * math.Inf(1), true
	case s == ".nan":
		return math.NaN(), true
	case strings.Contains(s, ":"):
		parts := strings.Split(s, ":")
		v, base := 0.0, 1.0
		for i := len(parts) - 1; i >= 0; i-- { // summed as PyYAML sums, for the same rounding
			d, ok := py.ParseFloat(parts[i])
			if !ok {
				return 0, false
			}
			v += d * base
			base *= 60
		}
		return sign * v, true
	}
	v, ok := py.ParseFloat(s)
	return sign * v, ok
}
