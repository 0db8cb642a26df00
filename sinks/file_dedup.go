package sinks

import (
	"bytes"
	"hash/maphash"
	"io"
	"slices"
)

// recentLines remembers the hashes of the last size lines a file sink
// wrote, oldest first out.
type recentLines struct {
	size int
	seed maphash.Seed
	ring []uint64
	next int
	set  map[uint64]int // hash → how many times in ring
}

func newRecentLines(size int) *recentLines {
	return &recentLines{size: size, seed: maphash.MakeSeed(), set: make(map[uint64]int, size)}
}

// hash is a line's 64-bit hash (its trailing newline included or not, the
// same either way).
func (r *recentLines) hash(line []byte) uint64 {
	return maphash.Bytes(r.seed, bytes.TrimSuffix(line, []byte{'\n'}))
}

func (r *recentLines) has(h uint64) bool { return r.set[h] > 0 }

func (r *recentLines) add(h uint64) {
	if len(r.ring) < r.size {
		r.ring = append(r.ring, h)
	} else {
		old := r.ring[r.next]
		if r.set[old]--; r.set[old] <= 0 {
			delete(r.set, old)
		}
		r.ring[r.next] = h
		r.next = (r.next + 1) % r.size
	}
	r.set[h]++
}

func (r *recentLines) reset() {
	r.ring, r.next = r.ring[:0], 0
	clear(r.set)
}

// lastLines returns up to n complete last lines of the first size bytes of
// f (without their newlines), reading backwards in chunks, and how many
// bytes after the last newline form a torn line.
func lastLines(f io.ReaderAt, size int64, n int) (lines [][]byte, torn int64, err error) {
	const chunk = 64 << 10
	var buf []byte // the tail read so far
	off := size
	for off > 0 && bytes.Count(buf, []byte{'\n'}) <= n {
		k := min(int64(chunk), off)
		off -= k
		b := make([]byte, int(k)+len(buf))
		if _, err := f.ReadAt(b[:k], off); err != nil && err != io.EOF {
			return nil, 0, err
		}
		copy(b[k:], buf)
		buf = b
	}
	end := bytes.LastIndexByte(buf, '\n') + 1
	torn = int64(len(buf) - end)
	buf = buf[:end]
	for len(buf) > 0 && len(lines) < n {
		buf = buf[:len(buf)-1] // the newline
		i := bytes.LastIndexByte(buf, '\n')
		if i < 0 && off > 0 {
			break // a line longer than what was read: not complete here
		}
		lines = append(lines, buf[i+1:])
		buf = buf[:i+1]
	}
	slices.Reverse(lines)
	return lines, torn, nil
}
