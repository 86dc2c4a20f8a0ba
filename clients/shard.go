package clients

import (
	"fmt"
	"strconv"
	"strings"
)

// Shard is one part of a fleet split over several processes or machines:
// N fleets given the same Devices, Users and Seed, each with its own Index
// in 0..Count-1, make one fleet. The zero Shard is the whole fleet.
//
// A device belongs to the shard of its mailbox: device i's mailbox is
// i % Users (FleetOptions.Account spreads devices round-robin) and
// mailbox u's shard is u % Count. So every mailbox's devices live in one
// shard, and a mailbox's partnership limit and per-user throttling
// (EasMaxConcurrency) see them as one fleet would. A device keeps its
// global index i for its profile, account and DeviceId seed, so the union
// of the shards is exactly the unsharded fleet.
type Shard struct {
	Index, Count int
}

// ParseShard reads "I/N", as easlab fleet --shard takes it.
func ParseShard(s string) (Shard, error) {
	is, ns, ok := strings.Cut(s, "/")
	if !ok {
		return Shard{}, fmt.Errorf("shard %q: want I/N, e.g. 0/4", s)
	}
	i, err := strconv.Atoi(strings.TrimSpace(is))
	if err != nil {
		return Shard{}, fmt.Errorf("shard %q: index %q is not an integer", s, is)
	}
	n, err := strconv.Atoi(strings.TrimSpace(ns))
	if err != nil {
		return Shard{}, fmt.Errorf("shard %q: count %q is not an integer", s, ns)
	}
	sh := Shard{Index: i, Count: n}
	if n < 1 {
		return Shard{}, fmt.Errorf("shard %s: count %d is not at least 1", s, n)
	}
	if err := sh.validate(); err != nil {
		return Shard{}, fmt.Errorf("shard %s: %w", s, err)
	}
	return sh, nil
}

// validate checks 0 <= Index < Count; the zero Shard is valid.
func (s Shard) validate() error {
	switch {
	case s == Shard{}:
		return nil
	case s.Count < 1:
		return fmt.Errorf("count %d is not at least 1", s.Count)
	case s.Index < 0:
		return fmt.Errorf("index %d is negative", s.Index)
	case s.Index >= s.Count:
		return fmt.Errorf("index %d is not below %d", s.Index, s.Count)
	}
	return nil
}

// String is "I/N"; the zero Shard is "".
func (s Shard) String() string {
	if s == (Shard{}) {
		return ""
	}
	return strconv.Itoa(s.Index) + "/" + strconv.Itoa(s.Count)
}

// Devices returns the global indices, ascending, of the devices of a fleet
// of devices devices over users mailboxes that belong to shard s: all of
// them for the zero Shard or a Count of 1.
func (s Shard) Devices(devices, users int) ([]int, error) {
	if err := s.validate(); err != nil {
		return nil, fmt.Errorf("clients: shard %s: %w", s, err)
	}
	if s.Count <= 1 {
		all := make([]int, max(devices, 0))
		for i := range all {
			all[i] = i
		}
		return all, nil
	}
	if users <= 0 {
		return nil, fmt.Errorf("clients: shard %s needs the number of mailboxes (FleetOptions.Users)", s)
	}
	if users < s.Count {
		return nil, fmt.Errorf("clients: shard %s: %d mailboxes cannot fill %d shards (a mailbox's devices stay in one shard)", s, users, s.Count)
	}
	var mine []int
	for i := 0; i < devices; i++ {
		if (i%users)%s.Count == s.Index {
			mine = append(mine, i)
		}
	}
	if len(mine) == 0 {
		return nil, fmt.Errorf("clients: shard %s has no devices: %d devices over %d mailboxes", s, devices, users)
	}
	return mine, nil
}
