package simtest

import (
	"fmt"
	"os"
	"sync/atomic"

	"github.com/easlab/easlab/simulator"
	"github.com/easlab/easlab/simulator/store"
)

// StoreEnv names the environment variable that makes every Env keep its
// state in a store: "memory" (store.Memory) or "sqlite" (store.SQLite in
// a temporary directory). Unset or empty: no store, the simulator's state
// lives in its mailboxes only. CI runs the simulator's suite once more
// with EASLAB_TEST_STORE=sqlite.
const StoreEnv = "EASLAB_TEST_STORE"

// Durable is a store an Env can close and open again, as a restarted
// `easlab serve --data` does.
type Durable struct {
	kind    string
	dir     string        // sqlite
	mem     *store.Memory // memory
	cur     store.Store
	fail    atomic.Pointer[error] // FailWrites
	updates atomic.Int64          // Updates
}

// Updates returns how many store transactions the simulator has committed
// (or tried) so far.
func (d *Durable) Updates() int64 { return d.updates.Load() }

// FailWrites makes every later Update of the store fail with err, as a
// full disk would; nil makes them work again.
func (d *Durable) FailWrites(err error) {
	if err == nil {
		d.fail.Store(nil)
		return
	}
	d.fail.Store(&err)
}

// failing is the store as the simulator sees it: Update fails while
// FailWrites says so.
type failing struct {
	store.Store
	d *Durable
}

func (f failing) Update(fn func(store.Tx) error) error {
	f.d.updates.Add(1)
	if err := f.d.fail.Load(); err != nil {
		return *err
	}
	return f.Store.Update(fn)
}

// NewDurable returns a store of kind "memory" or "sqlite", removed when
// the test ends.
func NewDurable(tb TB, kind string) *Durable {
	tb.Helper()
	d := &Durable{kind: kind}
	switch kind {
	case "memory":
		d.mem = store.NewMemory()
	case "sqlite":
		dir, err := os.MkdirTemp("", "easlab-simtest-")
		if err != nil {
			tb.Fatalf("simtest: %v", err)
		}
		tb.Cleanup(func() { os.RemoveAll(dir) })
		d.dir = dir
	default:
		tb.Fatalf("simtest: unknown store %q (want memory or sqlite)", kind)
	}
	tb.Cleanup(func() { d.close() })
	return d
}

// open opens the store, closing it first if it is open.
func (d *Durable) open() (store.Store, error) {
	d.close()
	if d.mem != nil {
		d.cur = d.mem
		return failing{d.mem, d}, nil
	}
	st, err := store.OpenSQLite(d.dir)
	if err != nil {
		return nil, err
	}
	d.cur = st
	return failing{st, d}, nil
}

func (d *Durable) close() {
	if d.cur != nil && d.mem == nil {
		d.cur.Close()
	}
	d.cur = nil
}

// directory opens the store and the directory kept in it, seeded with dir
// when the store is new.
func (d *Durable) directory(dir *simulator.Directory) (*simulator.Directory, error) {
	st, err := d.open()
	if err != nil {
		return nil, fmt.Errorf("simtest: opening the %s store: %w", d.kind, err)
	}
	return simulator.OpenDirectory(st, func() (*simulator.Directory, error) {
		if dir == nil {
			return nil, fmt.Errorf("simtest: the %s store holds no organization to restart from", d.kind)
		}
		return dir, nil
	})
}
