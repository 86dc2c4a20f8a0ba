package wsman

import (
	"crypto/rand"
	mrand "math/rand/v2"
	"sync"

	"github.com/google/uuid"
)

// ids makes the MessageIDs and ActivityIds of responses: random version 4
// UUIDs from a ChaCha8 stream seeded once from crypto/rand. They must be
// unique, not secret, and crypto/rand costs a system call each.
var ids = func() *idSource {
	var seed [32]byte
	_, _ = rand.Read(seed[:])
	return &idSource{rng: mrand.NewChaCha8(seed)}
}()

type idSource struct {
	mu  sync.Mutex
	rng *mrand.ChaCha8
}

// newID returns a new upper-case UUID, as WinRM writes them.
func newID() string {
	var b [36]byte
	return string(AppendID(b[:0]))
}

// AppendID appends a new random version 4 UUID to b in upper case, as
// WinRM writes MessageIDs: unique, not secret (see ids).
func AppendID(b []byte) []byte { return AppendUpperUUID(b, NewID()) }

// NewID returns a new random version 4 UUID from the same stream: for
// ids that must be unique, not secret (messages, commands, pipelines),
// without a system call each.
func NewID() uuid.UUID {
	var u uuid.UUID
	ids.mu.Lock()
	_, _ = ids.rng.Read(u[:])
	ids.mu.Unlock()
	u[6] = u[6]&0x0f | 0x40 // version 4
	u[8] = u[8]&0x3f | 0x80 // RFC 4122 variant
	return u
}

// AppendUpperUUID appends u in its upper-case string form.
func AppendUpperUUID(b []byte, u uuid.UUID) []byte {
	const hex = "0123456789ABCDEF"
	for i, c := range u {
		if i == 4 || i == 6 || i == 8 || i == 10 {
			b = append(b, '-')
		}
		b = append(b, hex[c>>4], hex[c&15])
	}
	return b
}
