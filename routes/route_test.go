package routes_test

import (
	"context"
	"errors"
	"testing"

	"meterflow/processors"
	"meterflow/routes"
)

func payloadOf(s string) routes.Handler {
	return func(context.Context, *processors.Notification) ([]routes.Output, error) {
		return []routes.Output{{Payload: []byte(s)}}, nil
	}
}

func filterAll(context.Context, *processors.Notification) ([]routes.Output, error) { return nil, nil }

func payloads(outs []routes.Output) []string {
	var s []string
	for _, o := range outs {
		s = append(s, string(o.Payload))
	}
	return s
}

func TestChainConcatenatesOutputsAndAFilteringStepStopsNothing(t *testing.T) {
	h := routes.Chain(payloadOf("a"), filterAll, payloadOf("b"))
	outs, err := h(context.Background(), decoded(t, "x.y", "info"))
	if err != nil {
		t.Fatal(err)
	}
	if got := payloads(outs); len(got) != 2 || got[0] != "a" || got[1] != "b" {
		t.Errorf("outputs %q, want [a b]", got)
	}
}

func TestChainStopsAtTheFirstErrorAndDropsEarlierOutputs(t *testing.T) {
	ran := false
	boom := routes.Permanent(errors.New("boom"))
	h := routes.Chain(payloadOf("a"),
		func(context.Context, *processors.Notification) ([]routes.Output, error) { return nil, boom },
		func(context.Context, *processors.Notification) ([]routes.Output, error) { ran = true; return nil, nil })
	outs, err := h(context.Background(), decoded(t, "x.y", "info"))
	if !errors.Is(err, boom) || !routes.IsPermanent(err) {
		t.Fatalf("err = %v, want the step's permanent error", err)
	}
	if outs != nil || ran {
		t.Errorf("outputs %v, later step ran %v; want none, false", outs, ran)
	}
}

func TestWhenRunsItsHandlerOnlyOnMatches(t *testing.T) {
	h := routes.Chain(
		routes.When(routes.EventType("compute.*"), payloadOf("compute")),
		routes.When(routes.EventType("identity.*"), payloadOf("identity")),
	)
	outs, err := h(context.Background(), decoded(t, "identity.authenticate", "info"))
	if err != nil {
		t.Fatal(err)
	}
	if got := payloads(outs); len(got) != 1 || got[0] != "identity" {
		t.Errorf("outputs %q, want [identity]", got)
	}
}
