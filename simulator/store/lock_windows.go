//go:build windows

package store

import (
	"errors"
	"os"

	"golang.org/x/sys/windows"
)

// errLockHeld is lockFile's error when another open file holds the lock.
var errLockHeld = errors.New("the lock is held")

// The locked range lies past the owner's process ID at the start of the
// file: Windows' locks are mandatory, and a refused opener reads the ID.
const lockOffsetHigh = 0x7fffffff

// lockFile takes an exclusive lock on f without waiting (LockFileEx).
func lockFile(f *os.File) error {
	ol := &windows.Overlapped{OffsetHigh: lockOffsetHigh}
	err := windows.LockFileEx(windows.Handle(f.Fd()), windows.LOCKFILE_EXCLUSIVE_LOCK|windows.LOCKFILE_FAIL_IMMEDIATELY, 0, 1, 0, ol)
	if errors.Is(err, windows.ERROR_LOCK_VIOLATION) || errors.Is(err, windows.ERROR_IO_PENDING) {
		return errLockHeld
	}
	return err
}

// unlockFile releases lockFile's lock.
func unlockFile(f *os.File) error {
	ol := &windows.Overlapped{OffsetHigh: lockOffsetHigh}
	return windows.UnlockFileEx(windows.Handle(f.Fd()), 0, 1, 0, ol)
}
