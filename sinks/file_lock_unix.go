//go:build unix

package sinks

import (
	"os"
	"syscall"
)

// lockFile takes an exclusive flock on f until the returned function is
// called, so that meterflow processes sharing a file:// sink's file check
// its tail and append one at a time. A file that cannot be locked is
// written unlocked.
func lockFile(f *os.File) (unlock func()) {
	fd := int(f.Fd())
	if err := syscall.Flock(fd, syscall.LOCK_EX); err != nil {
		return func() {}
	}
	return func() { _ = syscall.Flock(fd, syscall.LOCK_UN) }
}
