package clients_test

import (
	"errors"
	"regexp"
	"testing"
	"time"

	"github.com/easlab/easlab/clients"
	"github.com/easlab/easlab/eas"
	"github.com/easlab/easlab/simulator"
	"github.com/easlab/easlab/simulator/access"
	"github.com/easlab/easlab/simulator/demo"
)

// partnership returns user's partnership with deviceID, failing when absent.
func partnership(t *testing.T, e *env, user, deviceID string) simulator.Device {
	t.Helper()
	_, mb, ok := e.srv.Directory().Resolve(user)
	if !ok {
		t.Fatalf("no mailbox %s", user)
	}
	for _, d := range mb.Devices() {
		if d.DeviceID == deviceID {
			return d
		}
	}
	t.Fatalf("%s has no partnership with %s", user, deviceID)
	return simulator.Device{}
}

func TestFactoryResetIsANewDeviceToApprove(t *testing.T) {
	e := newEnv(t)
	e.srv.Directory().SetOrganizationSettings(func(s *simulator.OrganizationSettings) {
		s.DefaultAccessLevel = access.LevelQuarantine
	})
	p, _ := clients.ProfileByName(clients.IPhone)
	d := e.device(p, 11)
	c := ctx(t)
	if err := d.Setup(c); err != nil {
		t.Fatal(err)
	}
	old := d.DeviceID
	if st := partnership(t, e, "alice", old).DeviceAccessState; st != access.Quarantined {
		t.Fatalf("new iPhone is %v, want Quarantined", st)
	}
	e.mailbox(t).SetCASMailbox(func(cas *simulator.CASMailbox) {
		cas.ActiveSyncAllowedDeviceIDs = append(cas.ActiveSyncAllowedDeviceIDs, old)
	})
	e.clk.Advance(2 * time.Minute)
	in, _ := d.FolderByType(eas.FolderTypeInbox)
	if _, err := d.Sync(c, in.ServerId); err != nil {
		t.Fatal(err)
	}
	if st := partnership(t, e, "alice", old).DeviceAccessState; st != access.Allowed {
		t.Fatalf("approved iPhone is %v, want Allowed", st)
	}

	id := d.FactoryReset()
	if id == old || id != d.DeviceID || !regexp.MustCompile(idFormats[clients.IPhone]).MatchString(id) {
		t.Fatalf("DeviceId after reset %q (was %q)", id, old)
	}
	if d.ItemCount() != 0 || len(d.Folders()) != 0 {
		t.Error("a reset device kept its data")
	}
	if _, ok := d.PolicyKey(); ok {
		t.Error("a reset device kept its policy key")
	}
	if err := d.Setup(c); err != nil {
		t.Fatal(err)
	}
	if st := partnership(t, e, "alice", id).DeviceAccessState; st != access.Quarantined {
		t.Errorf("the reset iPhone is %v, want Quarantined again", st)
	}
	if n := len(e.mailbox(t).Devices()); n != 2 {
		t.Errorf("%d partnerships, want the old and the new", n)
	}
}

func TestRemoveAndReAddKeepsThePartnership(t *testing.T) {
	e := newEnv(t)
	p, _ := clients.ProfileByName(clients.IPhone)
	d := e.device(p, 12)
	c := ctx(t)
	if err := d.Setup(c); err != nil {
		t.Fatal(err)
	}
	id := d.DeviceID
	d.RemoveAccount()
	if d.ItemCount() != 0 || d.HierarchySyncKey() != "0" {
		t.Fatal("a removed account kept its data")
	}
	if err := d.Setup(c); err != nil {
		t.Fatal(err)
	}
	if d.DeviceID != id || len(e.mailbox(t).Devices()) != 1 || len(inboxSubjects(d)) != 4 {
		t.Errorf("re-added account: DeviceId %q (was %q), %d partnerships, inbox %q", d.DeviceID, id, len(e.mailbox(t).Devices()), inboxSubjects(d))
	}
}

func TestUpdateOSChangesTheUserAgent(t *testing.T) {
	e := newEnv(t)
	p, _ := clients.ProfileByName(clients.IPhone)
	d := e.device(p, 13)
	c := ctx(t)
	if err := d.Setup(c); err != nil {
		t.Fatal(err)
	}
	d.UpdateOS("Apple-iPhone15C2/2202.1", "iOS 18.2 22C152")
	d.RemoveAccount() // provisions again, sending the new DeviceInformation
	if err := d.Setup(c); err != nil {
		t.Fatal(err)
	}
	got := partnership(t, e, "alice", d.DeviceID)
	if got.DeviceUserAgent != "Apple-iPhone15C2/2202.1" || got.Info.OS != "iOS 18.2 22C152" {
		t.Errorf("after the update Exchange has User-Agent %q, OS %q", got.DeviceUserAgent, got.Info.OS)
	}
}

func TestChangedPasswordIsUnauthorizedUntilRetyped(t *testing.T) {
	e := newEnv(t)
	p, _ := clients.ProfileByName(clients.Gmail)
	d := e.device(p, 14)
	c := ctx(t)
	if err := d.Setup(c); err != nil {
		t.Fatal(err)
	}
	in, _ := d.FolderByType(eas.FolderTypeInbox)
	d.ChangePassword("stale")
	if _, err := d.Sync(c, in.ServerId); !errors.Is(err, clients.ErrUnauthorized) {
		t.Fatalf("Sync with a stale password: %v", err)
	}
	d.ChangePassword(demo.Password)
	if _, err := d.Sync(c, in.ServerId); err != nil {
		t.Fatalf("Sync after retyping: %v", err)
	}
}

func TestSecondAccountSharesTheDeviceId(t *testing.T) {
	e := newEnv(t)
	p, _ := clients.ProfileByName(clients.IPhone)
	d := e.device(p, 15)
	c := ctx(t)
	if err := d.Setup(c); err != nil {
		t.Fatal(err)
	}
	bob := d.AddAccount("bob@contoso.com", demo.Password)
	if err := bob.Setup(c); err != nil {
		t.Fatal(err)
	}
	if bob.DeviceID != d.DeviceID {
		t.Fatalf("second account DeviceId %q, want %q", bob.DeviceID, d.DeviceID)
	}
	partnership(t, e, "alice", d.DeviceID)
	partnership(t, e, "bob", d.DeviceID)
	if bob.ItemCount() == 0 {
		t.Error("bob's account synced nothing")
	}
}
