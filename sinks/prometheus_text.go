package sinks

import (
	"errors"
	"fmt"
	"math"
	"math/big"
	"strconv"
	"strings"

	"meterflow/processors"
	"meterflow/processors/jsonv"
)

// errNotANumber rejects a sample whose volume the text exposition format
// cannot carry.
var errNotANumber = errors.New("volume is not a number")

// promValue is a sample's volume as Ceilometer writes it ("%s" % volume)
// and as a float. ok is false when the Pushgateway would refuse the text:
// None, True, a string that is not a number, a dict.
func promValue(v any) (text string, f float64, ok bool) {
	switch v := v.(type) {
	case int64:
		return strconv.FormatInt(v, 10), float64(v), true
	case int:
		return strconv.Itoa(v), float64(v), true
	case float64:
		return jsonv.PyStr(v), v, true
	case *big.Int:
		f, _ := new(big.Float).SetInt(v).Float64()
		if math.IsInf(f, 0) {
			return "", 0, false // the Pushgateway's float parser refuses it
		}
		return v.String(), f, true
	case string:
		// Written verbatim, so it must be one token the parser reads as a
		// float (github.com/prometheus/common/expfmt's parseFloat).
		if v == "" || strings.ContainsAny(v, "pP_ \t\n\r\f\v") {
			return "", 0, false
		}
		f, err := strconv.ParseFloat(v, 64)
		if err != nil {
			return "", 0, false
		}
		return v, f, true
	}
	return "", 0, false
}

// promName is a meter name as a Prometheus metric name: Ceilometer's
// name.replace(".", "_"), and, so that the exposition parses where
// Ceilometer's would not, any other character outside [a-zA-Z0-9_:] as "_"
// and "_" before a leading digit.
func promName(name string) string {
	var b strings.Builder
	b.Grow(len(name) + 1)
	for i, r := range name {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r == '_', r == ':':
			b.WriteRune(r)
		case r >= '0' && r <= '9':
			if i == 0 {
				b.WriteByte('_')
			}
			b.WriteRune(r)
		default:
			b.WriteByte('_')
		}
	}
	return b.String()
}

// promLabel is an id as Ceilometer writes it into a label ("%s" % id: None,
// 42, 'abc'), valid UTF-8.
func promLabel(v any) string {
	return strings.ToValidUTF8(jsonv.PyStr(v), "\uFFFD")
}

// promEscape escapes a label value as the text exposition format wants.
func promEscape(s string) string {
	if !strings.ContainsAny(s, "\\\"\n") {
		return s
	}
	return strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`).Replace(s)
}

// promTypes maps a sample type to a Prometheus one. Delta has none:
// Ceilometer leaves such metrics untyped.
var promTypes = map[string]string{"cumulative": "counter", "gauge": "gauge"}

// promBody writes samples as Ceilometer 19's PrometheusPublisher does:
//
//	# TYPE disk_root_size gauge
//	disk_root_size{resource_id="inst-1", project_id="proj-1"} 10
//
// one line per sample in batch order, a TYPE line (counter for cumulative,
// gauge for gauge, none for delta) before the first line of each name.
// Where Ceilometer's text would make the Pushgateway refuse the whole batch
// it differs: label values are escaped, names are sanitized (promName), a
// name's TYPE line comes before its first line even when that line is a
// delta, and of samples with the same name and labels only the last is
// written (the Pushgateway refuses duplicates). Samples whose volume is not
// a number are left out and returned in rejected, by index.
func promBody(samples []processors.Sample) (body []byte, written int, rejected map[int]error) {
	type line struct {
		name, labels, value string
	}
	lines := make([]line, len(samples))
	keep := make([]bool, len(samples))
	last := make(map[string]int, len(samples)) // name+labels -> index
	typeOf := map[string]string{}
	for i, s := range samples {
		text, _, ok := promValue(s.Volume)
		if !ok || s.Name == "" {
			if rejected == nil {
				rejected = map[int]error{}
			}
			if s.Name == "" {
				rejected[i] = processors.Permanent(errors.New("sample has no name"))
			} else {
				rejected[i] = processors.Permanent(fmt.Errorf("%w: %s", errNotANumber, jsonv.PyRepr(s.Volume)))
			}
			continue
		}
		n := promName(s.Name)
		l := `resource_id="` + promEscape(promLabel(s.ResourceID)) + `", project_id="` + promEscape(promLabel(s.ProjectID)) + `"`
		lines[i] = line{n, l, text}
		if j, dup := last[n+"{"+l]; dup {
			keep[j] = false
		}
		last[n+"{"+l] = i
		keep[i] = true
		if t, ok := promTypes[s.Type]; ok {
			if _, seen := typeOf[n]; !seen {
				typeOf[n] = t
			}
		}
	}
	var b strings.Builder
	typed := map[string]bool{}
	for i, l := range lines {
		if !keep[i] {
			continue
		}
		if t, ok := typeOf[l.name]; ok && !typed[l.name] {
			b.WriteString("# TYPE " + l.name + " " + t + "\n")
			typed[l.name] = true
		}
		b.WriteString(l.name + "{" + l.labels + "} " + l.value + "\n")
		written++
	}
	return []byte(b.String()), written, rejected
}
