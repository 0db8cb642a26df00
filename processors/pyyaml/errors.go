package pyyaml

// Error is a document that safe_load refuses (or that this package cannot
// read), at a line.
type Error struct {
	Line int    // 1-based; 0 when unknown
	Msg  string // without the "yaml: " prefix of Error()
}

func (e *Error) Error() string { return "yaml: " + e.Msg }
