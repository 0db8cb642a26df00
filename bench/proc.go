package bench

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// clockTicks is the unit of utime and stime in /proc/<pid>/stat
// (sysconf(_SC_CLK_TCK), 100 on every Linux architecture Go supports).
const clockTicks = 100

// procStats is what /proc says of a process (or of a process tree, summed).
type procStats struct {
	// CPU is user plus system time so far.
	CPU time.Duration
	// PeakRSS is the peak resident set (VmHWM) in bytes: since the start,
	// or since the last resetPeak.
	PeakRSS uint64
}

func (s procStats) add(o procStats) procStats {
	return procStats{CPU: s.CPU + o.CPU, PeakRSS: s.PeakRSS + o.PeakRSS}
}

// readProc reads the CPU time and peak RSS of process pid.
func readProc(pid int) (procStats, error) {
	var st procStats
	_, utime, stime, err := readStat(pid)
	if err != nil {
		return st, err
	}
	st.CPU = time.Duration(utime+stime) * time.Second / clockTicks
	st.PeakRSS, err = statusBytes(fmt.Sprintf("/proc/%d/status", pid), "VmHWM:")
	return st, err
}

// readTree is readProc of pid plus its direct children, summed: a
// cotyledon master and its workers.
func readTree(pid int) (total procStats, each map[int]procStats, err error) {
	kids, err := children(pid)
	if err != nil {
		return total, nil, err
	}
	each = map[int]procStats{}
	for _, p := range append([]int{pid}, kids...) {
		st, err := readProc(p)
		if err != nil {
			return total, nil, err
		}
		each[p] = st
		total = total.add(st)
	}
	return total, each, nil
}

// readStat returns the parent pid and the utime and stime (in clock ticks)
// fields of /proc/<pid>/stat.
func readStat(pid int) (ppid int, utime, stime uint64, err error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, 0, 0, err
	}
	// the command name (field 2) is in parentheses and may hold spaces
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0, 0, 0, fmt.Errorf("/proc/%d/stat: no command name", pid)
	}
	f := strings.Fields(string(b[i+1:]))
	// f[0] is field 3 (state): ppid is field 4, utime 14, stime 15
	if len(f) < 13 {
		return 0, 0, 0, fmt.Errorf("/proc/%d/stat: %d fields", pid, len(f)+2)
	}
	p, err1 := strconv.Atoi(f[1])
	u, err2 := strconv.ParseUint(f[11], 10, 64)
	s, err3 := strconv.ParseUint(f[12], 10, 64)
	if err1 != nil || err2 != nil || err3 != nil {
		return 0, 0, 0, fmt.Errorf("/proc/%d/stat: malformed", pid)
	}
	return p, u, s, nil
}

// children lists the processes whose parent is pid.
func children(pid int) ([]int, error) {
	dirs, err := filepath.Glob("/proc/[0-9]*")
	if err != nil {
		return nil, err
	}
	var out []int
	for _, d := range dirs {
		p, err := strconv.Atoi(filepath.Base(d))
		if err != nil || p == pid {
			continue
		}
		if ppid, _, _, err := readStat(p); err == nil && ppid == pid {
			out = append(out, p)
		}
	}
	return out, nil
}

// resetPeak resets the peak RSS (VmHWM) of process pid to its current RSS,
// so that the next reading is the peak of what follows.
func resetPeak(pid int) error {
	// "5" resets the peak resident set size (Documentation/filesystems/proc.rst)
	return os.WriteFile(fmt.Sprintf("/proc/%d/clear_refs", pid), []byte("5"), 0)
}

// cpuTime is this process' user+system CPU time so far.
func cpuTime() (time.Duration, error) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0, err
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()), nil
}

// statusBytes reads a "<key> <n> kB" line of a /proc status file, in bytes.
func statusBytes(path, key string) (uint64, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), key); ok {
			kb, err := strconv.ParseUint(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			if err != nil {
				return 0, fmt.Errorf("%s %s: %w", path, key, err)
			}
			return kb * 1024, nil
		}
	}
	if err := sc.Err(); err != nil {
		return 0, err
	}
	return 0, fmt.Errorf("%s has no %s", path, key)
}
