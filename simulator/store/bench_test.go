package store_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/easlab/easlab/simulator/store"
)

// BenchmarkUpdate measures one small transaction, as the simulator makes
// for most requests: one device and one item put.
func BenchmarkUpdate(b *testing.B) {
	for _, impl := range []struct {
		name string
		open func(b *testing.B) store.Store
	}{
		{"Memory", func(b *testing.B) store.Store { return store.NewMemory() }},
		{"SQLite", func(b *testing.B) store.Store {
			s, err := store.OpenSQLite(b.TempDir())
			if err != nil {
				b.Fatal(err)
			}
			return s
		}},
	} {
		b.Run(impl.name, func(b *testing.B) {
			s := impl.open(b)
			defer s.Close()
			const mb = "alice@contoso.com"
			if err := s.Update(func(tx store.Tx) error { return tx.PutMailbox(store.Mailbox{Address: mb}) }); err != nil {
				b.Fatal(err)
			}
			data := []byte(`{"body":"` + strings.Repeat("x", 1000) + `"}`)
			now := time.Now()
			b.ResetTimer()
			for i := 0; b.Loop(); i++ {
				err := s.Update(func(tx store.Tx) error {
					if err := tx.PutDevice(store.Device{Mailbox: mb, DeviceID: fmt.Sprint("dev", i%10), AccessState: "Allowed", Data: data[:100]}); err != nil {
						return err
					}
					return tx.PutItem(store.Item{Mailbox: mb, ServerID: fmt.Sprint("1:", i), FolderID: "1", Subject: "s", Received: now, ModSeq: uint64(i), Data: data})
				})
				if err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkLoad loads 1,000 mailboxes, 10,000 devices and 100,000 items
// of about 1 KB each from SQLite.
func BenchmarkLoad(b *testing.B) {
	dir := b.TempDir()
	s, err := store.OpenSQLite(dir)
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	body := `{"body":"` + strings.Repeat("lorem ipsum ", 83) + `"}`
	now := time.Now()
	for m := range 1000 {
		mb := fmt.Sprintf("user%04d@contoso.com", m)
		err := s.Update(func(tx store.Tx) error {
			if err := tx.PutMailbox(store.Mailbox{Address: mb, Alias: mb[:8], DisplayName: mb, ModSeq: 100, Data: []byte(`{"oof":false}`)}); err != nil {
				return err
			}
			for d := range 10 {
				if err := tx.PutDevice(store.Device{Mailbox: mb, DeviceID: fmt.Sprintf("DEVICE%02d", d), DeviceType: "iPhone", UserAgent: "Apple-iPhone/1", AccessState: "Allowed", PolicyKey: 1, Data: []byte(`{"model":"x"}`)}); err != nil {
					return err
				}
			}
			for i := range 100 {
				if err := tx.PutItem(store.Item{Mailbox: mb, ServerID: fmt.Sprintf("1:%d", i), FolderID: "1", Class: "Email", Subject: "Hello", Received: now, ModSeq: uint64(i + 1), Data: []byte(body)}); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	b.ResetTimer()
	for b.Loop() {
		st, err := s.Load()
		if err != nil {
			b.Fatal(err)
		}
		if len(st.Items) != 100_000 || len(st.Devices) != 10_000 || len(st.Mailboxes) != 1000 || len(st.Items[0].Data) < 1000 {
			b.Fatalf("loaded %d items, %d devices, %d mailboxes", len(st.Items), len(st.Devices), len(st.Mailboxes))
		}
	}
}
