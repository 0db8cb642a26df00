package routes

import (
	"errors"
	"runtime"
	"sync"
	"testing"

	"github.com/ThreeDotsLabs/watermill/message"
)

func TestGrowStackPassesThrough(t *testing.T) {
	in := message.NewMessage("in", []byte("x"))
	out := []*message.Message{message.NewMessage("out", nil)}
	boom := errors.New("boom")
	for _, want := range []error{nil, boom} {
		var seen *message.Message
		h := GrowStack(func(m *message.Message) ([]*message.Message, error) {
			seen = m
			deepCall(40)
			return out, want
		})
		got, err := h(in)
		if seen != in || len(got) != 1 || got[0] != out[0] || !errors.Is(err, want) {
			t.Fatalf("GrowStack(h)(in) = %v, %v; h saw %v", got, err, seen)
		}
	}
}

// deepCall uses about depth*100 bytes of stack, as a handler chain of
// middleware, decoding and publishing does.
//
//go:noinline
func deepCall(depth int) byte {
	var frame [64]byte
	frame[depth%64] = byte(depth)
	if depth == 0 {
		return frame[0]
	}
	return deepCall(depth-1) + frame[depth%64]
}

// BenchmarkGrowStack runs a handler that needs about 4 KiB of stack on a
// fresh goroutine per message, as Watermill's router does, with and
// without GrowStack: without, the runtime copies the stack where it is
// deep; with, once where it is shallow.
func BenchmarkGrowStack(b *testing.B) {
	handler := func(*message.Message) ([]*message.Message, error) {
		deepCall(40)
		return nil, nil
	}
	for _, bc := range []struct {
		name string
		h    message.HandlerFunc
	}{{"plain", handler}, {"GrowStack", GrowStack(handler)}} {
		b.Run(bc.name, func(b *testing.B) {
			msg := message.NewMessage("m", nil)
			done := make(chan struct{})
			for b.Loop() {
				go func() {
					_, _ = bc.h(msg)
					done <- struct{}{}
				}()
				<-done
			}
		})
	}
}

// GrowStack must really give the goroutine a bigger stack (a compiler
// that dropped growStack's frame would leave it at the starting size):
// goroutines parked inside a GrowStack handler hold at least stackReserve
// of stack each, plain ones far less.
func TestGrowStackGrowsTheStack(t *testing.T) {
	perGoroutine := func(mw message.HandlerMiddleware) uint64 {
		const n = 1000
		release := make(chan struct{})
		var started, done sync.WaitGroup
		wrapped := func(*message.Message) ([]*message.Message, error) {
			started.Done()
			<-release
			return nil, nil
		}
		if mw != nil {
			wrapped = mw(wrapped)
		}
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		for range n {
			started.Add(1)
			done.Add(1)
			go func() {
				defer done.Done()
				_, _ = wrapped(nil)
			}()
		}
		started.Wait()
		runtime.ReadMemStats(&after)
		close(release)
		done.Wait()
		if after.StackInuse < before.StackInuse {
			return 0
		}
		return (after.StackInuse - before.StackInuse) / n
	}
	plain := perGoroutine(nil)
	grown := perGoroutine(GrowStack)
	if grown < stackReserve || grown < 2*plain {
		t.Fatalf("stack per goroutine: %d bytes with GrowStack, %d without; want at least %d and twice as much", grown, plain, stackReserve)
	}
	t.Logf("stack per goroutine: %d bytes with GrowStack, %d without", grown, plain)
}
