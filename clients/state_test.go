package clients_test

import (
	"encoding/json"
	"slices"
	"testing"

	"github.com/easlab/easlab/clients"
	"github.com/easlab/easlab/eas"
	"github.com/easlab/easlab/simulator"
	"github.com/easlab/easlab/simulator/demo"
)

// A device restored from its state file carries on where it stopped: no
// new Provision, no new FolderSync, an incremental Sync that brings only
// the new mail.
func TestStateRestoreContinuesIncrementally(t *testing.T) {
	e := newEnv(t)
	p, _ := clients.ProfileByName(clients.SamsungEmail)
	d := e.device(p, 31)
	c := ctx(t)
	if err := d.Setup(c); err != nil {
		t.Fatal(err)
	}
	d.UpdateOS("SAMSUNG-SM-S918B/101.70117", "Android 15.0.0")
	raw, err := json.Marshal(d.State())
	if err != nil {
		t.Fatal(err)
	}
	var st clients.State
	if err := json.Unmarshal(raw, &st); err != nil {
		t.Fatal(err)
	}
	r, err := clients.Restore(st, clients.Options{Password: demo.Password, Clock: e.clk})
	if err != nil {
		t.Fatal(err)
	}
	if r.DeviceID != d.DeviceID || r.Profile.UserAgent != "SAMSUNG-SM-S918B/101.70117" || r.Profile.ProtocolVersion != d.Profile.ProtocolVersion {
		t.Fatalf("restored %s %q %s, want %s and the updated User-Agent", r.DeviceID, r.Profile.UserAgent, r.Profile.ProtocolVersion, d.DeviceID)
	}
	if k1, _ := d.PolicyKey(); func() bool { k2, ok := r.PolicyKey(); return !ok || k2 != k1 }() {
		t.Fatal("the policy key was not restored")
	}
	in, _ := r.FolderByType(eas.FolderTypeInbox)
	if r.SyncKey(in.ServerId) != d.SyncKey(in.ServerId) || len(r.Items(in.ServerId)) != len(d.Items(in.ServerId)) {
		t.Fatalf("Inbox restored with key %q and %d items, want %q and %d", r.SyncKey(in.ServerId), len(r.Items(in.ServerId)), d.SyncKey(in.ServerId), len(d.Items(in.ServerId)))
	}
	if err := demo.AddMail(e.mailbox(t), demo.Mail{From: "bob@contoso.com", Subject: "after the restart"}, e.clk.Now()); err != nil {
		t.Fatal(err)
	}
	before := len(r.Transcript().Entries())
	changes, err := r.Sync(c, in.ServerId)
	if err != nil {
		t.Fatalf("Sync after restore: %v\n%s", err, r.Transcript())
	}
	if len(changes) != 1 || changes[0].Subject != "after the restart" {
		t.Fatalf("Sync after restore brought %+v, want the one new mail", changes)
	}
	for _, ex := range r.Transcript().Entries()[before:] {
		if ex.Command != eas.CommandSync {
			t.Errorf("the restored device sent %s; it should only Sync", ex.Command)
		}
	}
	if _, err := clients.Restore(clients.State{Profile: "nokia-n95"}, clients.Options{}); err == nil {
		t.Error("Restore of an unknown profile did not fail")
	}
}

func TestSearchGALAndMailbox(t *testing.T) {
	e := newEnv(t)
	p, _ := clients.ProfileByName(clients.IPhone)
	d := e.device(p, 41)
	c := ctx(t)
	if err := d.Setup(c); err != nil {
		t.Fatal(err)
	}
	gal, err := d.SearchGAL(c, "Kelly")
	if err != nil {
		t.Fatalf("SearchGAL: %v\n%s", err, d.Transcript())
	}
	if len(gal) != 1 || gal[0].EmailAddress != "bob@contoso.com" || gal[0].DisplayName != "Bob Kelly" {
		t.Errorf("GAL search for Kelly: %+v\n%s", gal, d.Transcript())
	}
	in, _ := d.FolderByType(eas.FolderTypeInbox)
	mails, err := d.SearchMailbox(c, in.ServerId, "Rotterdam")
	if err != nil {
		t.Fatalf("SearchMailbox: %v\n%s", err, d.Transcript())
	}
	var subjects []string
	for _, m := range mails {
		subjects = append(subjects, m.Subject)
	}
	if !slices.Equal(subjects, []string{"Re: Shipping schedule"}) {
		t.Errorf("mailbox search for Rotterdam found %q", subjects)
	}
	none, err := d.SearchMailbox(c, in.ServerId, "no-such-word-anywhere")
	if err != nil || len(none) != 0 {
		t.Errorf("a search without hits: %d results, %v", len(none), err)
	}
}

// A synced message's attachment opens by its FileReference.
func TestFetchAttachment(t *testing.T) {
	e := newEnv(t)
	raw := "From: hr@contoso.com\r\nTo: alice@contoso.com\r\nSubject: Payslip\r\nMIME-Version: 1.0\r\n" +
		"Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nSee attached.\r\n" +
		"--b\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment; filename=payslip.pdf\r\nContent-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQgc2FsYXJ5\r\n--b--\r\n"
	parsed, err := simulator.ParseMail([]byte(raw))
	if err != nil {
		t.Fatal(err)
	}
	mb := e.mailbox(t)
	in, _ := mb.FolderByType(eas.FolderTypeInbox)
	if _, err := mb.AddItem(in.ServerID, simulator.EmailItem(parsed, e.clk.Now(), false)); err != nil {
		t.Fatal(err)
	}
	p, _ := clients.ProfileByName(clients.Gmail)
	d := e.device(p, 51)
	c := ctx(t)
	if err := d.Setup(c); err != nil {
		t.Fatal(err)
	}
	din, _ := d.FolderByType(eas.FolderTypeInbox)
	var ref string
	for _, it := range d.Items(din.ServerId) {
		if it.Subject == "Payslip" && len(it.FileReferences) == 1 {
			ref = it.FileReferences[0]
		}
	}
	if ref == "" {
		t.Fatalf("no FileReference for the attachment\n%s", d.Transcript())
	}
	b, err := d.FetchAttachment(c, ref)
	if err != nil || string(b) != "%PDF-1.4 salary" {
		t.Fatalf("FetchAttachment: %q, %v\n%s", b, err, d.Transcript())
	}
	if _, err := d.FetchAttachment(c, ref+"9"); err == nil {
		t.Error("a FileReference that names nothing opened")
	}
}
