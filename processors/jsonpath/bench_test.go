package jsonpath

import (
	"testing"
)

// Expressions as Ceilometer's shipped definitions write them.
var benchExprs = []struct{ name, expr string }{
	{"field", "$.payload.instance_id"},
	{"implicit root", "payload.instance_id"},
	{"union", "$.payload.instance_id|$.payload.resource_id"},
	{"filter", "$.payload.metrics[?(@.name='cpu.frequency')].value"},
	{"filter times 100", "$.payload.metrics[?(@.name='cpu.percent')].value * 100"},
	{"arithmetic", `$.payload.host + "_" + $.payload.nodename`},
	{"slice", "$.payload.metrics.[*].value"},
	{"descendants", "$..instance_id"},
}

func BenchmarkFind(b *testing.B) {
	docs := corpusDocs(b)
	var live []any
	for _, d := range docs {
		if d != nil {
			live = append(live, d)
		}
	}
	for _, bb := range benchExprs {
		p := MustCompile(bb.expr)
		var hits []any // documents the expression matches in
		for _, d := range live {
			if len(p.Find(d)) > 0 {
				hits = append(hits, d)
			}
		}
		if len(hits) == 0 {
			b.Fatalf("%s matches no corpus document", bb.expr)
		}
		b.Run(bb.name, func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				p.Find(hits[i%len(hits)])
			}
		})
	}
	p := MustCompile("$.payload.instance_id")
	b.Run("FindFirst field", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			p.FindFirst(live[i%len(live)])
		}
	})
}

func BenchmarkCompile(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		MustCompile("$.payload.metrics[?(@.name='cpu.frequency')].value * 100")
	}
}
