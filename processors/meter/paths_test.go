package meter

import "testing"

func TestPlainPathsTakeTheFastWay(t *testing.T) {
	for _, tc := range []struct {
		expr         string
		plain, never bool
	}{
		{"$.payload.size", true, false},
		{"payload.size", true, false},
		{"memory", true, true}, // a meter name: no such key in the notification
		{"compute.instance.booting.time", true, true},
		{"$.payload.whereabouts", true, false},
		{"$.payload.a-b", false, false},
		{"$.payload.metrics[*].value", false, false},
		{"$.payload.host + '_' + $.payload.node", false, false},
	} {
		p, err := compilePath(tc.expr)
		if err != nil {
			t.Errorf("%s: %v", tc.expr, err)
			continue
		}
		if p.plain != tc.plain || p.never != tc.never {
			t.Errorf("%s: plain %v never %v, want %v %v", tc.expr, p.plain, p.never, tc.plain, tc.never)
		}
	}
	// jsonpath-rw-ext's lexer reads "where" as a keyword and "true..." as a
	// boolean: not field names.
	for _, expr := range []string{"$.payload.where", "$.payload.trueish"} {
		if isPlainPath(expr) {
			t.Errorf("%s: taken as a plain path", expr)
		}
	}
}
