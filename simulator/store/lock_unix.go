//go:build !windows

package store

import (
	"errors"
	"os"
	"syscall"
)

// errLockHeld is lockFile's error when another open file holds the lock.
var errLockHeld = syscall.EWOULDBLOCK

// lockFile takes an exclusive lock on f without waiting (flock).
func lockFile(f *os.File) error {
	err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
	if errors.Is(err, syscall.EAGAIN) {
		return errLockHeld
	}
	return err
}

// unlockFile releases lockFile's lock.
func unlockFile(f *os.File) error {
	return syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
}
