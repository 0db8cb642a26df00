package sinks

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"meterflow/processors"
	"meterflow/processors/jsonv"
)

// NewFile builds the file:// sink, Ceilometer's FilePublisher:
//
//	file:///var/log/meterflow/samples.log?json&max_bytes=10000000&backup_count=5
//
// Each sample or event is one line. With json the line is
// json.dumps(sample.as_dict()) exactly as Ceilometer writes it:
//
//	{"name": "cpu", "type": "cumulative", ..., "id": "...", "monotonic_time": null}
//
// and for events the as_dict() shape {"message_id", "event_type",
// "generated", "traits": [{"name", "dtype", "value"}], "raw"} with datetimes
// as ISO 8601 strings (Ceilometer 19 fails there: its events carry datetime
// objects, which json.dumps rejects). Without json the line is Python's
// str() of the same dict ({'name': 'cpu', ...}), datetimes written as
// datetime.datetime(2026, 11, 2, 10, 1, 7, 9973).
//
// max_bytes and backup_count rotate like Python's RotatingFileHandler (both
// must be given; path.1 is the newest backup, path.N the oldest). The
// meterflow extension fsync (or fsync=true) syncs the file after every
// batch.
//
// A nil return means every line was written to the operating system (it
// survives a crash of meterflow); with fsync, that it reached the disk. The
// file is opened at the first publish, and reopened after a write error.
//
// Redeliveries are written once (a meterflow extension; Ceilometer writes
// whatever it is given): a sample or event whose line is among the last
// dedup lines (default 100000, about 5 MB of memory; dedup=0 turns it off)
// is skipped. A batch written just before meterflow was killed, or before
// a write error, is redelivered because it was not acked; so is a message
// whose ack came after AckWait (30 s) on an overloaded machine. The window
// must exceed the messages a sink has awaiting acks (4 × --sink-batch) and
// the lines it writes in AckWait: 10000 let 138 of 99062 samples through
// twice in a SIGKILL test of 100,000 notifications on a loaded 2-core
// machine, 100000 none. On opening, a torn
// last line (a write cut short by a full disk or a crash of the machine)
// is truncated away, then the window is filled from the file's tail (and
// from path.1 if the file was just rotated); lines other processes append
// to the file (several meterflow sharing it) join the window before each
// batch, which is checked and written under an exclusive flock. Lines, not ids, are compared:
// meterflow's sample ids and event message ids are in every line, and a
// redelivered message formats to the same bytes.
func NewFile(u *url.URL, opts Options) (Sink, error) {
	opts.setDefaults()
	path := u.Path
	if path == "" {
		path = u.Opaque
	}
	if path == "" {
		return nil, fmt.Errorf("%w: %q: file:// needs a path (file:///var/log/samples.log)", ErrInvalidURL, Redact(u.String()))
	}
	q := u.Query()
	s := &fileSink{path: path, log: opts.Logger.With("sink", opts.Name)}
	_, s.json = q["json"]
	if mb, bc := q["max_bytes"], q["backup_count"]; len(mb) > 0 && len(bc) > 0 {
		var err1, err2 error
		s.maxBytes, err1 = strconv.ParseInt(strings.TrimSpace(mb[0]), 10, 64)
		s.backupCount, err2 = strconv.Atoi(strings.TrimSpace(bc[0]))
		if err := errors.Join(err1, err2); err != nil {
			return nil, fmt.Errorf("%w: %q: max_bytes and backup_count must be integers: %v", ErrInvalidURL, Redact(u.String()), err)
		}
	}
	if v, ok := q["fsync"]; ok {
		s.fsync = v[0] == "" || strutilsBool(v[0])
	}
	window := DefaultFileDedup
	if v, ok := q["dedup"]; ok {
		n, err := strconv.Atoi(strings.TrimSpace(v[0]))
		if err != nil || n < 0 {
			return nil, fmt.Errorf("%w: %q: dedup must be a number of lines (0 turns it off)", ErrInvalidURL, Redact(u.String()))
		}
		window = n
	}
	if window > 0 {
		s.recent = newRecentLines(window)
	}
	return s, nil
}

// DefaultFileDedup is how many of its last lines a file:// sink remembers
// to skip redelivered samples and events.
const DefaultFileDedup = 100000

type fileSink struct {
	path        string
	json        bool
	maxBytes    int64 // rotate when > 0 and backupCount > 0
	backupCount int
	fsync       bool
	log         *slog.Logger

	mu      sync.Mutex
	f       *os.File
	size    int64 // of the file, plus pending
	regular bool  // only regular files rotate (bpo-45401)
	pending []byte
	line    []byte
	closed  bool

	recent  *recentLines // nil when dedup=0
	hashes  []uint64     // of the pending lines
	skipped int          // redelivered lines skipped in this batch
}

// PublishSamples appends one line per sample.
func (s *fileSink) PublishSamples(ctx context.Context, samples []processors.Sample) error {
	return s.write(ctx, len(samples), func(dst []byte, i int) []byte {
		d := sampleAsDict(&samples[i])
		if s.json {
			return appendPyJSON(dst, d)
		}
		return jsonv.AppendPyRepr(dst, d)
	})
}

// PublishEvents appends one line per event.
func (s *fileSink) PublishEvents(ctx context.Context, events []processors.Event) error {
	return s.write(ctx, len(events), func(dst []byte, i int) []byte {
		return appendEventAsDict(dst, &events[i], s.json)
	})
}

// Close closes the file.
func (s *fileSink) Close(context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closed = true
	if s.f == nil {
		return nil
	}
	err := s.f.Close()
	s.f = nil
	return err
}

func (s *fileSink) write(ctx context.Context, n int, format func([]byte, int) []byte) error {
	if n == 0 {
		return nil
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return fmt.Errorf("file sink %s: closed", s.path)
	}
	err := s.writeLocked(n, format)
	if err != nil && s.f != nil {
		// Start over from a fresh descriptor at the next publish; the whole
		// batch is retried, and the lines written before the error are
		// found in the file's tail and skipped (unless dedup=0).
		_ = s.f.Close()
		s.f = nil
	}
	return err
}

func (s *fileSink) writeLocked(n int, format func([]byte, int) []byte) error {
	if s.f == nil {
		if err := s.open(); err != nil {
			return err
		}
	}
	if s.recent != nil && s.regular {
		// another meterflow appending between our check and our write
		// could write the same redelivered line
		unlock := lockFile(s.f)
		defer unlock()
	}
	if end, err := s.f.Seek(0, io.SeekEnd); err == nil {
		if end > s.size && s.recent != nil && s.regular {
			s.catchUp(s.size, end)
		}
		s.size = end // someone else may have written, as Python's tell() sees
	}
	s.pending, s.hashes, s.skipped = s.pending[:0], s.hashes[:0], 0
	for i := 0; i < n; i++ {
		s.line = append(format(s.line[:0], i), '\n')
		var h uint64
		if s.recent != nil {
			if h = s.recent.hash(s.line); s.recent.has(h) || slices.Contains(s.hashes, h) {
				s.skipped++
				continue
			}
		}
		// RotatingFileHandler.shouldRollover: the file's size in bytes plus
		// the record's length in characters.
		if s.maxBytes > 0 && s.regular && s.size+int64(utf8.RuneCount(s.line)) >= s.maxBytes {
			if err := s.flush(); err != nil {
				return err
			}
			if err := s.rollover(); err != nil {
				return err
			}
		}
		s.pending = append(s.pending, s.line...)
		s.hashes = append(s.hashes, h)
		s.size += int64(len(s.line))
	}
	if err := s.flush(); err != nil {
		return err
	}
	if s.skipped > 0 {
		s.log.Info("file sink: skipped lines already written (redelivered)", "lines", s.skipped, "path", s.path)
	}
	if s.fsync {
		if err := s.f.Sync(); err != nil {
			return fmt.Errorf("file sink: %w", err)
		}
	}
	return nil
}

func (s *fileSink) open() error {
	f, err := os.OpenFile(s.path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o666)
	if err != nil {
		return fmt.Errorf("file sink: %w", err)
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return fmt.Errorf("file sink: %w", err)
	}
	s.f, s.size, s.regular = f, fi.Size(), fi.Mode().IsRegular()
	if s.regular && s.recent != nil {
		if err := s.recover(); err != nil {
			f.Close()
			s.f = nil
			return err
		}
	}
	return nil
}

// recover truncates a torn last line away and fills the dedup window from
// the file's last lines (then path.1's, when the file holds fewer).
func (s *fileSink) recover() error {
	r, err := os.Open(s.path)
	if err != nil {
		return fmt.Errorf("file sink: %w", err)
	}
	defer r.Close()
	lines, torn, err := lastLines(r, s.size, s.recent.size)
	if err != nil {
		return fmt.Errorf("file sink: read %s: %w", s.path, err)
	}
	if torn > 0 {
		if err := s.f.Truncate(s.size - torn); err != nil {
			return fmt.Errorf("file sink: truncate a torn last line: %w", err)
		}
		s.size -= torn
		s.log.Warn("file sink: removed a torn last line (its sample is redelivered)", "bytes", torn, "path", s.path)
	}
	if len(lines) < s.recent.size && s.backupCount > 0 {
		if b, err := os.Open(s.path + ".1"); err == nil {
			if fi, err := b.Stat(); err == nil {
				older, _, _ := lastLines(b, fi.Size(), s.recent.size-len(lines))
				lines = append(older, lines...)
			}
			b.Close()
		}
	}
	s.recent.reset()
	for _, l := range lines {
		s.recent.add(s.recent.hash(l))
	}
	return nil
}

// catchUp adds the lines another process (a second meterflow sharing the
// file and the sink's durable consumer) appended between from and to to
// the dedup window, so that a message redelivered here after it was
// written there is skipped.
func (s *fileSink) catchUp(from, to int64) {
	r, err := os.Open(s.path)
	if err != nil {
		return
	}
	defer r.Close()
	lines, _, err := lastLines(io.NewSectionReader(r, from, to-from), to-from, s.recent.size)
	if err != nil {
		return
	}
	for _, l := range lines {
		s.recent.add(s.recent.hash(l))
	}
}

func (s *fileSink) flush() error {
	if len(s.pending) == 0 {
		return nil
	}
	_, err := s.f.Write(s.pending)
	s.pending = s.pending[:0]
	if err != nil {
		return fmt.Errorf("file sink: %w", err)
	}
	if s.recent != nil {
		for _, h := range s.hashes {
			s.recent.add(h)
		}
	}
	s.hashes = s.hashes[:0]
	return nil
}

// rollover is RotatingFileHandler.doRollover: path.i becomes path.i+1 for
// i from backupCount-1 down to 1, path becomes path.1, and a new path is
// opened. With backup_count=0 the file is only reopened, as in Python.
func (s *fileSink) rollover() error {
	if err := s.f.Close(); err != nil {
		s.f = nil
		return fmt.Errorf("file sink: %w", err)
	}
	s.f = nil
	if s.backupCount > 0 {
		for i := s.backupCount - 1; i > 0; i-- {
			src, dst := fmt.Sprintf("%s.%d", s.path, i), fmt.Sprintf("%s.%d", s.path, i+1)
			if _, err := os.Stat(src); err == nil {
				if err := os.Rename(src, dst); err != nil {
					return fmt.Errorf("file sink: rotate: %w", err)
				}
			}
		}
		if err := os.Rename(s.path, s.path+".1"); err != nil && !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("file sink: rotate: %w", err)
		}
	}
	return s.open()
}

// sampleAsDict is Ceilometer's Sample.as_dict(): the sample's attributes in
// the order its constructor sets them, monotonic_time (always None for
// notification samples) included.
func sampleAsDict(s *processors.Sample) *jsonv.Object {
	d := jsonv.NewObject(12)
	d.Set("name", s.Name)
	d.Set("type", s.Type)
	d.Set("unit", s.Unit)
	d.Set("volume", s.Volume)
	d.Set("user_id", s.UserID)
	d.Set("project_id", s.ProjectID)
	d.Set("resource_id", s.ResourceID)
	d.Set("timestamp", s.Timestamp)
	d.Set("resource_metadata", emptyIfNil(s.ResourceMetadata))
	d.Set("source", s.Source)
	d.Set("id", s.ID)
	d.Set("monotonic_time", nil)
	return d
}

func emptyIfNil(v any) any {
	if v == nil {
		return jsonv.NewObject(0)
	}
	return v
}

// appendEventAsDict appends Event.as_dict() as json.dumps (asJSON) or str()
// writes it. Ceilometer's generated and datetime trait values are datetime
// objects: JSON gets their isoformat(), str() their repr().
func appendEventAsDict(dst []byte, e *processors.Event, asJSON bool) []byte {
	str := func(dst []byte, v any) []byte {
		if asJSON {
			return appendPyJSON(dst, v)
		}
		return jsonv.AppendPyRepr(dst, v)
	}
	datetime := func(dst []byte, v any) []byte {
		if !asJSON {
			if iso, ok := v.(string); ok {
				if b, ok := appendPyDatetimeRepr(dst, iso); ok {
					return b
				}
			}
		}
		return str(dst, v)
	}
	q := byte('"')
	if !asJSON {
		q = '\''
	}
	key := func(dst []byte, k string, first bool) []byte {
		if !first {
			dst = append(dst, ", "...)
		}
		return append(append(append(append(dst, q), k...), q), ": "...)
	}
	dst = append(dst, '{')
	dst = str(key(dst, "message_id", true), e.MessageID)
	dst = str(key(dst, "event_type", false), e.EventType)
	dst = datetime(key(dst, "generated", false), e.Generated)
	dst = append(key(dst, "traits", false), '[')
	for i := range e.Traits {
		t := &e.Traits[i]
		if i > 0 {
			dst = append(dst, ", "...)
		}
		dst = append(dst, '{')
		dst = str(key(dst, "name", true), t.Name)
		dst = str(key(dst, "dtype", false), int64(t.Type))
		if t.Type == processors.TraitDatetime {
			dst = datetime(key(dst, "value", false), t.Value)
		} else {
			dst = str(key(dst, "value", false), t.Value)
		}
		dst = append(dst, '}')
	}
	dst = append(dst, ']')
	dst = str(key(dst, "raw", false), emptyIfNil(e.Raw))
	return append(dst, '}')
}

// appendPyDatetimeRepr appends repr() of the naive datetime that iso (as
// datetime.isoformat() writes it) stands for: datetime.datetime(2026, 11,
// 2, 10, 1, 7, 9973), trailing zero microseconds and then seconds omitted.
func appendPyDatetimeRepr(dst []byte, iso string) ([]byte, bool) {
	t, err := time.Parse("2006-01-02T15:04:05.999999", iso)
	if err != nil {
		return dst, false
	}
	f := []int{t.Year(), int(t.Month()), t.Day(), t.Hour(), t.Minute(), t.Second(), t.Nanosecond() / 1000}
	if f[6] == 0 {
		f = f[:6]
		if f[5] == 0 {
			f = f[:5]
		}
	}
	dst = append(dst, "datetime.datetime("...)
	for i, x := range f {
		if i > 0 {
			dst = append(dst, ", "...)
		}
		dst = strconv.AppendInt(dst, int64(x), 10)
	}
	return append(dst, ')'), true
}

// appendPyJSON appends v as Python's json.dumps(v) writes it with its
// defaults (separators ", " and ": ", ensure_ascii=True): the form of
// Ceilometer's file and http publishers and of oslo.messaging's messages.
// Numbers are written as jsonv writes them, which is Python's way.
func appendPyJSON(dst []byte, v any) []byte {
	switch v := v.(type) {
	case string:
		return appendPyJSONString(dst, v)
	case []any:
		dst = append(dst, '[')
		for i, e := range v {
			if i > 0 {
				dst = append(dst, ", "...)
			}
			dst = appendPyJSON(dst, e)
		}
		return append(dst, ']')
	case *jsonv.Object:
		dst = append(dst, '{')
		for i := 0; i < v.Len(); i++ {
			k, e := v.At(i)
			if i > 0 {
				dst = append(dst, ", "...)
			}
			dst = appendPyJSONString(dst, k)
			dst = append(dst, ": "...)
			dst = appendPyJSON(dst, e)
		}
		return append(dst, '}')
	default:
		return jsonv.Append(dst, v)
	}
}

// appendPyJSONString escapes as ensure_ascii does: everything outside
// printable ASCII as \uXXXX (surrogate pairs past U+FFFF), lower-case hex.
func appendPyJSONString(dst []byte, s string) []byte {
	const hex = "0123456789abcdef"
	u4 := func(dst []byte, r rune) []byte {
		return append(dst, '\\', 'u', hex[r>>12&0xF], hex[r>>8&0xF], hex[r>>4&0xF], hex[r&0xF])
	}
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c < 0x7F && c != '"' && c != '\\' {
			i++
			continue
		}
		dst = append(dst, s[start:i]...)
		switch c {
		case '"', '\\':
			dst = append(dst, '\\', c)
			i++
		case '\n':
			dst = append(dst, `\n`...)
			i++
		case '\r':
			dst = append(dst, `\r`...)
			i++
		case '\t':
			dst = append(dst, `\t`...)
			i++
		case '\b':
			dst = append(dst, `\b`...)
			i++
		case '\f':
			dst = append(dst, `\f`...)
			i++
		default:
			r, n := utf8.DecodeRuneInString(s[i:])
			i += n
			if r >= 0x10000 {
				r -= 0x10000
				dst = u4(u4(dst, 0xD800+(r>>10)), 0xDC00+(r&0x3FF))
			} else {
				dst = u4(dst, r) // invalid UTF-8 is U+FFFD
			}
		}
		start = i
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

// strutilsBool is oslo_utils.strutils.bool_from_string(s) (not strict): true only
// for 1, t, true, on, y, yes in any case.
func strutilsBool(s string) bool {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "1", "t", "true", "on", "y", "yes":
		return true
	}
	return false
}

// strutilsBoolStrict is bool_from_string(s, strict=True): ok is false for
// anything but the true words and 0, f, false, off, n, no.
func strutilsBoolStrict(s string) (v, ok bool) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "1", "t", "true", "on", "y", "yes":
		return true, true
	case "0", "f", "false", "off", "n", "no":
		return false, true
	}
	return false, false
}
