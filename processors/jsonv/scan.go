package jsonv

import (
	"encoding/binary"
	"math/bits"
	"unsafe"
)

// Strings are scanned eight bytes at a time: a word's bytes that end a
// plain run (a quote, a backslash or a control character) are found with
// a few arithmetic operations instead of one comparison per byte.

const (
	lsbs = 0x0101010101010101
	msbs = 0x8080808080808080
)

// specialBytes returns a mask with the high bit set in the lowest byte of w
// that is '"', '\\' or below 0x20 (and possibly in higher bytes, which the
// borrow of a lower match may mark spuriously: only the lowest set bit is
// exact).
func specialBytes(w uint64) uint64 {
	q := w ^ (lsbs * '"')
	b := w ^ (lsbs * '\\')
	return ((q-lsbs)&^q | (b-lsbs)&^b | (w-lsbs*0x20)&^w) & msbs
}

// load64 reads the eight bytes of s at i, little-endian. The caller
// guarantees i+8 <= len(s).
func load64(s string, i int) uint64 {
	return binary.LittleEndian.Uint64(unsafe.Slice((*byte)(unsafe.Add(unsafe.Pointer(unsafe.StringData(s)), i)), 8))
}

// load32 reads the four bytes of s at i, little-endian; i+4 <= len(s).
func load32(s string, i int) uint32 {
	return binary.LittleEndian.Uint32(unsafe.Slice((*byte)(unsafe.Add(unsafe.Pointer(unsafe.StringData(s)), i)), 4))
}

// plainRun returns the index of the first byte at or after i that is '"',
// '\\' or a control character, or len(s) when there is none.
func plainRun(s string, i int) int {
	for ; i+8 <= len(s); i += 8 {
		if m := specialBytes(load64(s, i)); m != 0 {
			return i + bits.TrailingZeros64(m)>>3
		}
	}
	for ; i < len(s); i++ {
		if c := s[i]; c == '"' || c == '\\' || c < 0x20 {
			return i
		}
	}
	return i
}

// store64 writes w to the eight bytes of b, little-endian.
func store64(b []byte, w uint64) {
	binary.LittleEndian.PutUint64(b, w)
}
