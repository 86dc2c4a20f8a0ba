package wsman

import (
	"crypto/rand"
	mrand "math/rand/v2"
	"strings"
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
	var u uuid.UUID
	ids.mu.Lock()
	_, _ = ids.rng.Read(u[:])
	ids.mu.Unlock()
	u[6] = u[6]&0x0f | 0x40 // version 4
	u[8] = u[8]&0x3f | 0x80 // RFC 4122 variant
	return strings.ToUpper(u.String())
}
