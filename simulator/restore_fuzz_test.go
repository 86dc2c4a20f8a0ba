package simulator

import (
	"bytes"
	"testing"
	"time"

	"github.com/easlab/easlab/eas"
	"github.com/easlab/easlab/simulator/store"
)

// FuzzRestoreDirectory: a state file, however hostile (`easlab serve
// --state`, harness.FromStateFile), restores to a directory or to an
// error, and every mailbox of a directory it restores to decodes or is
// served empty: never a panic.
func FuzzRestoreDirectory(f *testing.F) {
	d := NewDirectory(Organization{Name: "Contoso", Domain: "contoso.com", NetBIOS: "CONTOSO"})
	mb := NewMailbox()
	if err := d.AddUser(User{Alias: "alice", Password: "p"}, mb); err != nil {
		f.Fatal(err)
	}
	inbox, _ := mb.FolderByType(eas.FolderTypeInbox)
	raw, _ := BuildMail(&MailAddress{Name: "Bob", Address: "bob@contoso.com"}, []*MailAddress{{Address: "alice@contoso.com"}}, "Hello", "Hi there", "<p>Hi there</p>", time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC))
	m, _ := ParseMail(raw)
	mb.AddItem(inbox.ServerID, EmailItem(m, time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC), false))
	mb.mu.Lock()
	dev := mb.deviceLocked("DEV1", "iPhone", "Apple-iPhone15C2/2201.1", time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC))
	dev.collections.set(inbox.ServerID, initialState())
	mb.mu.Unlock()
	mem := store.NewMemory()
	if err := d.Snapshot(mem); err != nil {
		f.Fatal(err)
	}
	var buf bytes.Buffer
	if err := store.Export(mem, &buf); err != nil {
		f.Fatal(err)
	}
	f.Add(buf.Bytes())
	f.Add([]byte(`{"format":"easlab-state","version":1,"org":{"Org":{"Domain":"x"}},"mailboxes":[{"address":"a@x","data":{"User":{"Alias":""}}}]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		st, err := store.ReadFile(bytes.NewReader(b))
		if err != nil {
			return
		}
		d, err := RestoreDirectory(st)
		if err != nil {
			return
		}
		for _, a := range d.users {
			a.mailbox.Folders() // decodes its records
			a.mailbox.Devices()
		}
	})
}
