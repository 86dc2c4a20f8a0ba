package simulator

import (
	"strings"
	"sync"
)

// maxInterned bounds an interner: past it a string is copied, not
// shared, so that devices sending ever new values cannot grow it.
const maxInterned = 4096

// interner shares the strings that many partnerships repeat: device types,
// User-Agents, protocol versions, and the models and OS names of
// DeviceInformation (19,000 devices of a fleet have a handful). Every
// string it returns is a copy owned by no request, so a partnership does
// not keep the request line or header block it came in alive. One per
// directory, shared by its mailboxes; a nil interner copies.
type interner struct {
	mu sync.Mutex
	m  map[string]string
}

// intern returns s, shared with the partnerships that have the same
// string where it can be.
func (in *interner) intern(s string) string {
	if s == "" {
		return ""
	}
	if in == nil {
		return strings.Clone(s)
	}
	in.mu.Lock()
	defer in.mu.Unlock()
	if v, ok := in.m[s]; ok {
		return v
	}
	s = strings.Clone(s)
	if len(in.m) < maxInterned {
		if in.m == nil {
			in.m = map[string]string{}
		}
		in.m[s] = s
	}
	return s
}
