package simulator_test

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/easlab/easlab/adminapi"
	"github.com/easlab/easlab/eas"
	"github.com/easlab/easlab/powershell/clixml"
	"github.com/easlab/easlab/simulator"
	"github.com/easlab/easlab/simulator/simtest"
)

// TestBareDeviceIdIsNoIdentity: Remove-MobileDevice -Identity <DeviceId>
// fails, over the JSON API and over Remote PowerShell alike, with the
// error Exchange gives (ManagementObjectNotFoundException in the category
// NotSpecified), and the Identity Get-MobileDevice shows removes the
// partnership. Exchange 2013 CU23 MobileDeviceIdParameter.GetObjects
// matches the GUID, the distinguished name, the canonical name and
// "<user>\<anything>\<Type§Id>" only; Microsoft's Get-MobileDevice
// documentation lists the same identities (exchange-admin.md 4.1, 4.6).
func TestBareDeviceIdIsNoIdentity(t *testing.T) {
	env := simtest.New(t, simulator.Options{ErrorResponseDelay: -1})
	env.Device("alice", "androidc534113082", eas.Version141).Provision()

	const bare = "androidc534113082"
	const want = "The operation couldn't be performed because object 'androidc534113082' couldn't be found on 'DC01.contoso.com'."
	var ae *adminapi.Error
	err := env.Admin.Run(context.Background(), "Remove-MobileDevice", map[string]any{"Identity": bare, "Confirm": false}, nil)
	if !errors.As(err, &ae) || ae.HTTPStatus != http.StatusNotFound || ae.Category != "ManagementObjectNotFound" || ae.Message != want ||
		ae.Exception != "Microsoft.Exchange.Configuration.Tasks.ManagementObjectNotFoundException" ||
		ae.CategoryInfo != "NotSpecified: (:) [Remove-MobileDevice], ManagementObjectNotFoundException" {
		t.Fatalf("JSON API, a bare DeviceId: %+v", err)
	}

	ps := openPS(t, env, "admin")
	res := invoke(t, ps, cmd("Remove-MobileDevice", arg("Identity", bare), arg("Confirm", false)))
	if res.Failed != nil || len(res.Errors) != 1 {
		t.Fatalf("Remote PowerShell, a bare DeviceId: failed %+v errors %+v", res.Failed, res.Errors)
	}
	if e := res.Errors[0]; e.Message != want || e.CategoryMessage() != ae.CategoryInfo || e.ExceptionTypes[0] != ae.Exception {
		t.Errorf("Remote PowerShell's record differs from the JSON API's error: %q, %q, %v", e.Message, e.CategoryMessage(), e.ExceptionTypes)
	}

	identity := env.DeviceIdentity(bare)
	if identity != `contoso.com/Users/Alice Wilber/ExchangeActiveSyncDevices/iPhone§androidc534113082` {
		t.Errorf("Identity %q", identity)
	}
	res = invoke(t, ps, cmd("Remove-MobileDevice", arg("Identity", identity), arg("Confirm", false)))
	if res.Failed != nil || len(res.Errors) != 0 {
		t.Fatalf("Remove-MobileDevice of the Identity shown: %+v %+v", res.Failed, res.Errors)
	}
	if out := env.Cmdlet("Get-MobileDevice", map[string]any{"Mailbox": "alice"}); len(out) != 0 {
		t.Errorf("left: %v", out)
	}
}

// TestDeviceIdentityExchangeOnline: with IdentityExchangeOnline a
// partnership's Identity is the path below the tenant,
// "<mailbox name>\ExchangeActiveSyncDevices\<Type>§<Id>" (exchange-admin.md
// 2.4; ADObjectId.ToString's BuildHierarchicalIdentity for a tenant's
// object), and that form finds it.
func TestDeviceIdentityExchangeOnline(t *testing.T) {
	env := simtest.New(t, simulator.Options{ErrorResponseDelay: -1, IdentityStyle: simulator.IdentityExchangeOnline})
	env.Device("alice", "ONLINE1", eas.Version161).Provision()
	identity := env.DeviceIdentity("ONLINE1")
	if identity != `alice\ExchangeActiveSyncDevices\iPhone§ONLINE1` {
		t.Fatalf("Identity %q", identity)
	}
	o := env.Cmdlet("Get-MobileDevice", map[string]any{"Identity": identity})[0]
	if o["DeviceId"] != "ONLINE1" || o["DistinguishedName"] != "CN=iPhone§ONLINE1,CN=ExchangeActiveSyncDevices,CN=alice,OU=contoso.com,OU=Microsoft Exchange Hosted Organizations,DC=contoso,DC=com" {
		t.Errorf("object: %v", o)
	}
	env.CmdletFails("Get-MobileDevice", map[string]any{"Identity": "ONLINE1"}, http.StatusNotFound, "ManagementObjectNotFound")
}

// TestWhenChangedAndLocalTimes: Get-MobileDevice shows WhenChanged,
// stamped when the AD object is written (at its creation, when what it
// shows changes, and at the device's request once ADDataSyncInterval, 24 h,
// has passed: exchange-admin.md 2.4), and WhenCreated/WhenChanged in the
// server's time zone beside WhenCreatedUTC/WhenChangedUTC, all with .NET's
// seven fractional digits (the round-trip format of a DateTime of kind
// Local and Utc); over Remote PowerShell the local times keep their
// offset in the <DT> (exchange-admin.md 4.1: WhenCreated(UTC), WhenChanged(UTC)).
func TestWhenChangedAndLocalTimes(t *testing.T) {
	zone := time.FixedZone("W. Europe Standard Time", 3600)
	env := simtest.New(t, simulator.Options{ErrorResponseDelay: -1, TimeZone: zone, CASMailboxCacheDelay: 0})
	d := env.Device("alice", "WHEN1", eas.Version141).Provision()
	identity := env.DeviceIdentity("WHEN1")
	get := func() map[string]any {
		t.Helper()
		return env.Cmdlet("Get-MobileDevice", map[string]any{"Identity": identity})[0]
	}
	o := get()
	for k, v := range map[string]string{
		"WhenCreated": "2026-11-23T10:00:00.0000000+01:00", "WhenCreatedUTC": "2026-11-23T09:00:00.0000000Z",
		"WhenChanged": "2026-11-23T10:00:00.0000000+01:00", "WhenChangedUTC": "2026-11-23T09:00:00.0000000Z",
	} {
		if o[k] != v {
			t.Errorf("%s = %v, want %s", k, o[k], v)
		}
	}

	// A request that changes nothing the object shows leaves it alone.
	env.Clock.Advance(time.Minute + 1234567*time.Nanosecond)
	d.FolderSync()
	if o := get(); o["WhenChangedUTC"] != "2026-11-23T09:00:00.0000000Z" {
		t.Errorf("after an unchanged request: %v", o["WhenChangedUTC"])
	}
	// An approval writes the access state: WhenChanged moves, to the tick.
	env.Cmdlet("Set-CASMailbox", map[string]any{"Identity": "alice", "ActiveSyncAllowedDeviceIDs": map[string]any{"Add": "WHEN1"}})
	if o := get(); o["WhenChangedUTC"] != "2026-11-23T09:01:00.0012345Z" || o["WhenChanged"] != "2026-11-23T10:01:00.0012345+01:00" || o["WhenCreatedUTC"] != "2026-11-23T09:00:00.0000000Z" {
		t.Errorf("after the approval: %v, %v", o["WhenChangedUTC"], o["WhenChanged"])
	}
	// A day later the device's request writes the object again.
	env.Clock.Advance(24 * time.Hour)
	d.FolderSync()
	if o := get(); o["WhenChangedUTC"] != "2026-11-24T09:01:00.0012345Z" {
		t.Errorf("after ADDataSyncInterval: %v", o["WhenChangedUTC"])
	}

	ps := openPS(t, env, "admin")
	res := invoke(t, ps, cmd("Get-MobileDevice", arg("Identity", identity)))
	if res.Failed != nil || len(res.Output) != 1 {
		t.Fatalf("Remote PowerShell: %+v %d", res.Failed, len(res.Output))
	}
	dev := res.Output[0].(*clixml.Object)
	local, _ := dev.Get("WhenCreated")
	utc, _ := dev.Get("WhenCreatedUTC")
	lt, ok1 := local.(time.Time)
	ut, ok2 := utc.(time.Time)
	if !ok1 || !ok2 || !lt.Equal(ut) || ut.Location() != time.UTC {
		t.Fatalf("WhenCreated %v (%T), WhenCreatedUTC %v (%T)", local, local, utc, utc)
	}
	if _, off := lt.Zone(); off != 3600 {
		t.Errorf("WhenCreated's offset %d, want +01:00", off)
	}
}
