package store_test

import (
	"testing"

	"github.com/easlab/easlab/simulator/store"
	"github.com/easlab/easlab/simulator/store/storetest"
)

func TestMemory(t *testing.T) {
	storetest.Run(t, storetest.Suite{
		New: func(t *testing.T) func() (store.Store, error) {
			m := store.NewMemory()
			return func() (store.Store, error) { return m, nil }
		},
	})
}

func TestSQLite(t *testing.T) {
	storetest.Run(t, storetest.Suite{
		New: func(t *testing.T) func() (store.Store, error) {
			dir := t.TempDir()
			return func() (store.Store, error) { return store.OpenSQLite(dir) }
		},
		Durable: true,
	})
}
