package jsonpath

import (
	"errors"
	"fmt"
)

// ErrSyntax is wrapped by every *SyntaxError, for errors.Is.
var ErrSyntax = errors.New("jsonpath: syntax error")

// ErrEval is wrapped by every error evaluation returns: the cases where
// jsonpath-rw-ext raises an exception out of find() (an index into a number,
// a filter comparing a string with a number, a regular expression that
// fails...), and meterflow's own limits on work and size.
var ErrEval = errors.New("jsonpath: evaluation failed")

// SyntaxError reports an expression jsonpath-rw-ext's parser rejects.
type SyntaxError struct {
	Expr string
	Pos  int // 1-based column (byte offset + 1) of the offending token
	Msg  string
}

func (e *SyntaxError) Error() string {
	return fmt.Sprintf("jsonpath: %s at column %d in %q", e.Msg, e.Pos, e.Expr)
}

// Unwrap makes errors.Is(err, ErrSyntax) true.
func (e *SyntaxError) Unwrap() error { return ErrSyntax }

func syntaxErrorf(expr string, offset int, format string, args ...any) *SyntaxError {
	return &SyntaxError{Expr: expr, Pos: offset + 1, Msg: fmt.Sprintf(format, args...)}
}

// EvalError reports why evaluating an expression failed. Kind names the
// Python exception jsonpath-rw-ext would raise (TypeError, IndexError, ...),
// or "LimitExceeded" for meterflow's own bounds.
type EvalError struct {
	Expr string
	Kind string
	Msg  string
}

func (e *EvalError) Error() string {
	return fmt.Sprintf("jsonpath: evaluating %q: %s: %s", e.Expr, e.Kind, e.Msg)
}

// Unwrap makes errors.Is(err, ErrEval) true.
func (e *EvalError) Unwrap() error { return ErrEval }

// pyErr is a Python exception raised inside evaluation; Path wraps it in an
// EvalError naming the expression.
type pyErr struct {
	kind string
	msg  string
}

func (e *pyErr) Error() string { return e.kind + ": " + e.msg }

func typeError(format string, args ...any) error {
	return &pyErr{"TypeError", fmt.Sprintf(format, args...)}
}

func isTypeError(err error) bool {
	var pe *pyErr
	return errors.As(err, &pe) && pe.kind == "TypeError"
}
