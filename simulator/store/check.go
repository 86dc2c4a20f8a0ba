package store

import (
	"fmt"
	"math"
	"time"
)

// Rules both implementations and the state file share: a key names
// something, counters and event IDs fit SQLite's signed 64-bit integers
// (so their order is the same in every store), and times fit RFC 3339.

// fold is the case folding of mailbox addresses and device IDs: ASCII
// letters only, as SQLite's NOCASE collation does, so that Memory and
// SQLite agree on which keys are equal and on their order.
func fold(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; 'A' <= c && c <= 'Z' {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				if c := b[j]; 'A' <= c && c <= 'Z' {
					b[j] = c + ('a' - 'A')
				}
			}
			return string(b)
		}
	}
	return s
}

func checkSeq(what string, n uint64) error {
	if n > math.MaxInt64 {
		return fmt.Errorf("store: %s %d is above the largest storable value %d", what, n, int64(math.MaxInt64))
	}
	return nil
}

func checkTime(what string, t time.Time) error {
	if y, u := t.Year(), t.UTC().Year(); y < 0 || y > 9999 || u < 0 || u > 9999 {
		return fmt.Errorf("store: %s %v is outside years 0-9999", what, t)
	}
	return nil
}

func checkMailbox(m Mailbox) error {
	if m.Address == "" {
		return fmt.Errorf("store: mailbox with an empty address")
	}
	return checkSeq("mailbox "+m.Address+" modseq", m.ModSeq)
}

func checkFolder(f Folder) error {
	if f.Mailbox == "" || f.ServerID == "" {
		return fmt.Errorf("store: folder %q of mailbox %q: mailbox and server ID must not be empty", f.ServerID, f.Mailbox)
	}
	return checkSeq(fmt.Sprintf("folder %s/%s modseq", f.Mailbox, f.ServerID), f.ModSeq)
}

func checkItem(it Item) error {
	if it.Mailbox == "" || it.ServerID == "" {
		return fmt.Errorf("store: item %q of mailbox %q: mailbox and server ID must not be empty", it.ServerID, it.Mailbox)
	}
	if err := checkSeq(fmt.Sprintf("item %s/%s modseq", it.Mailbox, it.ServerID), it.ModSeq); err != nil {
		return err
	}
	return checkTime(fmt.Sprintf("item %s/%s received time", it.Mailbox, it.ServerID), it.Received)
}

func checkDevice(d Device) error {
	if d.Mailbox == "" || d.DeviceID == "" {
		return fmt.Errorf("store: device %q of mailbox %q: mailbox and device ID must not be empty", d.DeviceID, d.Mailbox)
	}
	return nil
}

func checkSyncState(s SyncState) error {
	if s.Mailbox == "" || s.DeviceID == "" {
		return fmt.Errorf("store: sync state %q of device %q of mailbox %q: mailbox and device ID must not be empty", s.Collection, s.DeviceID, s.Mailbox)
	}
	return nil
}

func checkEvent(e Event) error {
	if err := checkSeq("event ID", e.ID); err != nil {
		return err
	}
	return checkTime(fmt.Sprintf("event %d time", e.ID), e.Time)
}

func cloneBytes(b []byte) []byte {
	if b == nil {
		return nil
	}
	return append([]byte{}, b...)
}
