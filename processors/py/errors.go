package py

// Error is the exception Python raises: Type is its class (ValueError,
// TypeError, OverflowError) and Msg its message, so that Error() reads as
// Python prints the last line of a traceback.
type Error struct {
	Type string
	Msg  string
}

func (e *Error) Error() string { return e.Type + ": " + e.Msg }
