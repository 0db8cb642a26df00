//go:build !unix

package sinks

import "os"

// lockFile does nothing where flock does not exist: processes sharing a
// file:// sink's file may then both write a redelivered line.
func lockFile(*os.File) (unlock func()) { return func() {} }
