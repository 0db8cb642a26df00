package replay

import (
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Progress shows how far a replay is: on a terminal a bar redrawn in place
// (done/total, rate, ETA) at most ten times a second; elsewhere plain log
// lines: "replay started" (total), "replaying" every LogInterval (done,
// total, rate, ETA) and "replay finished" (done, total, rate, elapsed).
type Progress struct {
	w        io.Writer
	terminal bool
	log      *slog.Logger
	// LogInterval is how often a line is logged when w is not a terminal.
	// Default: 5 seconds.
	LogInterval time.Duration

	total, done atomic.Uint64
	start       time.Time
	stop        chan struct{}
	wg          sync.WaitGroup
	once        sync.Once
}

// redrawInterval bounds how often the bar is redrawn.
const redrawInterval = 100 * time.Millisecond

// NewProgress reports on w: a bar when w is a terminal (a character
// device), else lines on log.
func NewProgress(w io.Writer, log *slog.Logger) *Progress {
	return &Progress{w: w, terminal: IsTerminal(w), log: log, LogInterval: 5 * time.Second}
}

// IsTerminal reports whether w is a terminal.
func IsTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// Start begins reporting a replay of total notifications.
func (p *Progress) Start(total uint64) {
	p.total.Store(total)
	p.start = time.Now()
	p.stop = make(chan struct{})
	interval := redrawInterval
	if !p.terminal {
		interval = p.LogInterval
		p.log.Info("replay started", "total", total)
	}
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			select {
			case <-p.stop:
				return
			case <-t.C:
				p.report()
			}
		}
	}()
}

// Add counts n more notifications done.
func (p *Progress) Add(n uint64) { p.done.Add(n) }

// Stop reports the final state and ends the bar's line.
func (p *Progress) Stop() {
	p.once.Do(func() {
		if p.stop == nil {
			return
		}
		close(p.stop)
		p.wg.Wait()
		if p.terminal {
			p.report()
			fmt.Fprintln(p.w)
			return
		}
		done, elapsed := p.done.Load(), time.Since(p.start)
		p.log.Info("replay finished", "done", done, "total", p.total.Load(),
			"rate_per_s", int(rateOf(done, elapsed)), "elapsed", elapsed.Round(time.Millisecond))
	})
}

func (p *Progress) report() {
	done, total, elapsed := p.done.Load(), p.total.Load(), time.Since(p.start)
	if p.terminal {
		fmt.Fprintf(p.w, "\r%s\x1b[K", Bar(done, total, elapsed, 30))
		return
	}
	rate := rateOf(done, elapsed)
	p.log.Info("replaying", "done", done, "total", total, "rate_per_s", int(rate), "eta", etaString(done, total, rate))
}

// Bar renders one progress line: a bar width cells wide, done/total,
// percentage, rate and ETA.
func Bar(done, total uint64, elapsed time.Duration, width int) string {
	frac := 1.0
	if total > 0 {
		frac = min(float64(done)/float64(total), 1)
	}
	fill := int(frac * float64(width))
	bar := strings.Repeat("=", fill)
	if fill < width {
		bar += ">" + strings.Repeat(" ", width-fill-1)
	}
	rate := rateOf(done, elapsed)
	return fmt.Sprintf("[%s] %d/%d %3.0f%% %s/s ETA %s", bar, done, total, frac*100, human(rate), etaString(done, total, rate))
}

func rateOf(done uint64, elapsed time.Duration) float64 {
	if elapsed <= 0 {
		return 0
	}
	return float64(done) / elapsed.Seconds()
}

func eta(done, total uint64, rate float64) time.Duration {
	if done >= total {
		return 0
	}
	if rate <= 0 {
		return -1
	}
	return time.Duration(float64(total-done) / rate * float64(time.Second)).Round(time.Second)
}

func etaString(done, total uint64, rate float64) string {
	if d := eta(done, total, rate); d >= 0 {
		return d.String()
	}
	return "?"
}

func human(v float64) string {
	switch {
	case v >= 1e6:
		return fmt.Sprintf("%.1fM", v/1e6)
	case v >= 1e3:
		return fmt.Sprintf("%.1fk", v/1e3)
	}
	return fmt.Sprintf("%.0f", v)
}
