//go:build !unix

package db

import "os"

// tryLock: without flock the daemon lock is not enforced.
func tryLock(f *os.File) (bool, error) { return true, nil }
