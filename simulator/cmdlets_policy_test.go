package simulator

import (
	"net/http"
	"strings"
	"testing"
	"time"
)

func policyNamed(t *testing.T, d *Directory, name string) MobileDeviceMailboxPolicy {
	t.Helper()
	for _, p := range d.Policies() {
		if p.Name == name {
			return p
		}
	}
	t.Fatalf("no policy %q", name)
	return MobileDeviceMailboxPolicy{}
}

func TestPolicyCmdletsNewGet(t *testing.T) {
	e := newAdminEnv(t)
	out := e.ok("Get-MobileDeviceMailboxPolicy", nil)
	if len(out) != 1 || out[0]["Name"] != "Default" || out[0]["IsDefault"] != true ||
		out[0]["MaxPasswordFailedAttempts"] != "Unlimited" || out[0]["MaxInactivityTimeLock"] != "Unlimited" ||
		out[0]["PasswordExpiration"] != "Unlimited" || out[0]["MinPasswordLength"] != nil ||
		out[0]["AllowBluetooth"] != "Allow" || out[0]["MaxEmailAgeFilter"] != "All" ||
		out[0]["DevicePolicyRefreshInterval"] != "Unlimited" || out[0]["MaxAttachmentSize"] != "Unlimited" {
		t.Fatalf("default policy: %v", out)
	}

	out = e.ok("New-MobileDeviceMailboxPolicy", map[string]any{
		"Name": "Strict", "PasswordEnabled": true, "AlphanumericPasswordRequired": "$true",
		"MinPasswordLength": 8, "MaxPasswordFailedAttempts": "10", "MaxInactivityTimeLock": "00:15:00",
		"PasswordExpiration": "30.00:00:00", "PasswordHistory": 5, "MinPasswordComplexCharacters": 3,
		"AllowCamera": false, "AllowBluetooth": "handsfreeonly", "MaxEmailAgeFilter": "TwoWeeks",
		"MaxCalendarAgeFilter": "SixMonths", "DevicePolicyRefreshInterval": "1.00:00:00",
		"RequireDeviceEncryption": true, "AllowNonProvisionableDevices": false,
	})
	o := out[0]
	want := map[string]any{
		"Name": "Strict", "Identity": "Strict", "IsDefault": false, "PasswordEnabled": true,
		"AlphanumericPasswordRequired": true, "MinPasswordLength": float64(8), "MaxPasswordFailedAttempts": float64(10),
		"MaxInactivityTimeLock": "00:15:00", "PasswordExpiration": "30.00:00:00", "PasswordHistory": float64(5),
		"MinPasswordComplexCharacters": float64(3), "AllowCamera": false, "AllowBluetooth": "HandsfreeOnly",
		"MaxEmailAgeFilter": "TwoWeeks", "MaxCalendarAgeFilter": "SixMonths", "DevicePolicyRefreshInterval": "1.00:00:00",
		"RequireDeviceEncryption": true, "AllowNonProvisionableDevices": false, "AttachmentsEnabled": true,
	}
	for k, v := range want {
		if o[k] != v {
			t.Errorf("%s = %#v, want %#v", k, o[k], v)
		}
	}
	if dn, _ := o["DistinguishedName"].(string); !strings.HasPrefix(dn, "CN=Strict,CN=Mobile Mailbox Policies,") {
		t.Errorf("DistinguishedName %q", dn)
	}
	p := policyNamed(t, e.srv.Directory(), "Strict")
	if p.MaxInactivityTimeLock != 900 || p.PasswordExpiration != 30 || p.MaxCalendarAgeFilter != 7 || p.MaxEmailAgeFilter != 4 ||
		p.AllowBluetooth != 1 || p.DevicePolicyRefreshInterval != 24*time.Hour || p.MinPasswordLength != 8 {
		t.Errorf("stored policy %+v", p)
	}

	// Get by name and by Guid; the default first in the list.
	if out := e.ok("Get-MobileDeviceMailboxPolicy", map[string]any{"Identity": "strict"}); len(out) != 1 || out[0]["Name"] != "Strict" {
		t.Fatalf("by name: %v", out)
	}
	if out := e.ok("Get-MobileDeviceMailboxPolicy", map[string]any{"Identity": o["Guid"]}); len(out) != 1 || out[0]["Name"] != "Strict" {
		t.Fatalf("by guid: %v", out)
	}
	if out := e.ok("Get-MobileDeviceMailboxPolicy", nil); len(out) != 2 || out[0]["Name"] != "Default" {
		t.Fatalf("list: %v", out)
	}
	e.fail("Get-MobileDeviceMailboxPolicy", map[string]any{"Identity": "nope"}, http.StatusNotFound, "ManagementObjectNotFound")
	e.fail("New-MobileDeviceMailboxPolicy", map[string]any{"Name": "STRICT"}, http.StatusConflict, "ADObjectAlreadyExists")
	e.fail("New-MobileDeviceMailboxPolicy", nil, http.StatusBadRequest, "InvalidArgument")

	// A new default is the only one.
	e.ok("New-MobileDeviceMailboxPolicy", map[string]any{"Name": "Corp", "IsDefault": true})
	out = e.ok("Get-MobileDeviceMailboxPolicy", nil)
	if out[0]["Name"] != "Corp" || out[0]["IsDefault"] != true {
		t.Fatalf("new default: %v", out)
	}
	for _, x := range out[1:] {
		if x["IsDefault"] != false {
			t.Fatalf("two defaults: %v", out)
		}
	}
	if e.srv.Directory().policyFor("").Name != "Corp" {
		t.Fatal("policyFor does not see the new default")
	}
}

func TestPolicyCmdletsSetRemove(t *testing.T) {
	e := newAdminEnv(t)
	d := e.srv.Directory()
	e.ok("New-ActiveSyncMailboxPolicy", map[string]any{"Name": "P1"})
	v0 := policyNamed(t, d, "P1").version
	e.ok("Set-ActiveSyncMailboxPolicy", map[string]any{"Identity": "P1", "PasswordEnabled": true, "MaxInactivityTimeLock": "01:00:00", "MinPasswordLength": nil})
	p := policyNamed(t, d, "P1")
	if !p.PasswordEnabled || p.MaxInactivityTimeLock != 3600 || p.MinPasswordLength != Unlimited || p.version == v0 {
		t.Fatalf("after Set: %+v (version %d, was %d)", p, p.version, v0)
	}
	dv := policyNamed(t, d, "Default").version
	// Nothing changed: a warning, and no new version.
	r := e.run("Set-MobileDeviceMailboxPolicy", map[string]any{"Identity": "P1", "PasswordEnabled": true})
	if r.Status != http.StatusOK || len(r.Warnings) != 1 || policyNamed(t, d, "P1").version != p.version {
		t.Fatalf("no-op Set: %s", r.Raw)
	}
	// Unlimited back.
	e.ok("Set-MobileDeviceMailboxPolicy", map[string]any{"Identity": "P1", "MaxInactivityTimeLock": "Unlimited", "MaxPasswordFailedAttempts": "unlimited"})
	if out := e.ok("Get-MobileDeviceMailboxPolicy", map[string]any{"Identity": "P1"}); out[0]["MaxInactivityTimeLock"] != "Unlimited" || out[0]["MaxPasswordFailedAttempts"] != "Unlimited" {
		t.Fatalf("Unlimited: %v", out)
	}

	// The default can't be removed nor made non-default directly.
	e.fail("Remove-MobileDeviceMailboxPolicy", map[string]any{"Identity": "Default"}, http.StatusBadRequest, "InvalidOperation")
	e.fail("Set-MobileDeviceMailboxPolicy", map[string]any{"Identity": "Default", "IsDefault": false}, http.StatusBadRequest, "InvalidOperation")
	e.fail("Set-MobileDeviceMailboxPolicy", map[string]any{"Identity": "nope", "PasswordEnabled": true}, http.StatusNotFound, "ManagementObjectNotFound")

	// Making P1 the default: Default loses the flag and its version moves.
	e.ok("Set-MobileDeviceMailboxPolicy", map[string]any{"Identity": "P1", "IsDefault": true})
	if def := policyNamed(t, d, "Default"); def.IsDefault || def.version == dv || !policyNamed(t, d, "P1").IsDefault {
		t.Fatalf("IsDefault: %+v", d.Policies())
	}
	e.ok("Remove-ActiveSyncMailboxPolicy", map[string]any{"Identity": "Default"})
	if ps := d.Policies(); len(ps) != 1 || ps[0].Name != "P1" {
		t.Fatalf("after Remove: %+v", ps)
	}
	e.fail("Remove-MobileDeviceMailboxPolicy", map[string]any{"Identity": "Default"}, http.StatusNotFound, "ManagementObjectNotFound")
	e.fail("Remove-MobileDeviceMailboxPolicy", map[string]any{"Identity": "P1"}, http.StatusBadRequest, "InvalidOperation")
}

func TestPolicyCmdletsValidation(t *testing.T) {
	e := newAdminEnv(t)
	cases := []struct {
		param string
		value any
		msg   string
	}{
		{"MinPasswordLength", 17, "The 17 argument is greater than the maximum allowed range of 16."},
		{"MinPasswordLength", 0, "The 0 argument is less than the minimum allowed range of 1."},
		{"MaxPasswordFailedAttempts", 3, "less than the minimum allowed range of 4"},
		{"MaxPasswordFailedAttempts", "many", "Cannot convert value \"many\" to type \"Microsoft.Exchange.Data.Unlimited`1[System.Int32]\""},
		{"PasswordHistory", 51, "greater than the maximum allowed range of 50"},
		{"PasswordHistory", "Unlimited", "to type \"System.Int32\""},
		{"MinPasswordComplexCharacters", 5, "greater than the maximum allowed range of 4"},
		{"MaxInactivityTimeLock", "00:00:30", "The 00:00:30 argument is less than the minimum allowed range of 00:01:00."},
		{"MaxInactivityTimeLock", "02:00:00", "greater than the maximum allowed range of 01:00:00"},
		{"MaxInactivityTimeLock", "soon", "String was not recognized as a valid TimeSpan."},
		{"PasswordExpiration", "731.00:00:00", "greater than the maximum allowed range of 730.00:00:00"},
		{"AllowBluetooth", "Sometimes", "Disable, HandsfreeOnly, Allow"},
		{"MaxEmailAgeFilter", "ThreeMonths", "All, OneDay, ThreeDays, OneWeek, TwoWeeks, OneMonth"},
		{"MaxCalendarAgeFilter", 1, "All, TwoWeeks, OneMonth, ThreeMonths, SixMonths"},
		{"PasswordEnabled", "yes", "Boolean parameters accept only"},
	}
	for _, c := range cases {
		err := e.fail("New-MobileDeviceMailboxPolicy", map[string]any{"Name": "X", c.param: c.value}, http.StatusBadRequest, "InvalidArgument")
		if !strings.Contains(err.Message, c.msg) || !strings.Contains(err.Message, "'"+c.param+"'") {
			t.Errorf("%s=%v: %q, want %q", c.param, c.value, err.Message, c.msg)
		}
		e.fail("Set-MobileDeviceMailboxPolicy", map[string]any{"Identity": "Default", c.param: c.value}, http.StatusBadRequest, "InvalidArgument")
	}
	if len(e.srv.Directory().Policies()) != 1 {
		t.Fatalf("a failed New- stored a policy: %+v", e.srv.Directory().Policies())
	}
	// The edges are accepted; a number means days, as TimeSpan.Parse does.
	e.ok("New-MobileDeviceMailboxPolicy", map[string]any{"Name": "Edges", "MinPasswordLength": 16, "MaxPasswordFailedAttempts": 4,
		"MaxInactivityTimeLock": "00:01", "PasswordExpiration": 730, "PasswordHistory": 0, "MinPasswordComplexCharacters": 4, "MaxCalendarAgeFilter": 4})
	p := policyNamed(t, e.srv.Directory(), "Edges")
	if p.MaxInactivityTimeLock != 60 || p.PasswordExpiration != 730 || p.MaxCalendarAgeFilter != 4 {
		t.Fatalf("edges: %+v", p)
	}
}

func TestParseTimeSpan(t *testing.T) {
	for in, want := range map[string]time.Duration{
		"00:15:00": 15 * time.Minute, "30.00:00:00": 30 * 24 * time.Hour, "30": 30 * 24 * time.Hour,
		"1:02": time.Hour + 2*time.Minute, "00:00:01.5": 1500 * time.Millisecond, "-1": -24 * time.Hour,
	} {
		if got, ok := parseTimeSpan(in); !ok || got != want {
			t.Errorf("parseTimeSpan(%q) = %v, %v; want %v", in, got, ok, want)
		}
	}
	for _, in := range []string{"", "x", "24:00", "00:60", "1:2:3:4", "00:00:00.", "1.5"} {
		if _, ok := parseTimeSpan(in); ok {
			t.Errorf("parseTimeSpan(%q) ok", in)
		}
	}
	for d, want := range map[time.Duration]string{15 * time.Minute: "00:15:00", 30 * 24 * time.Hour: "30.00:00:00", 1500 * time.Millisecond: "00:00:01.5000000"} {
		if got := formatTimeSpan(d); got != want {
			t.Errorf("formatTimeSpan(%v) = %q, want %q", d, got, want)
		}
	}
	if got := formatByteSize(1572864); got != "1.5 MB (1,572,864 bytes)" {
		t.Errorf("formatByteSize: %q", got)
	}
}

// Set-CASMailbox -ActiveSyncMailboxPolicy assigns a policy to a mailbox:
// its devices re-provision (144) and get that policy's settings.
func TestSetCASMailboxPolicy(t *testing.T) {
	e := newAdminEnv(t)
	e.ok("New-MobileDeviceMailboxPolicy", map[string]any{"Name": "Strict", "PasswordEnabled": true, "MinPasswordLength": 8})
	e.fail("Set-CASMailbox", map[string]any{"Identity": "alice", "ActiveSyncMailboxPolicy": "Nope"}, http.StatusNotFound, "ManagementObjectNotFound")
	e.ok("Set-CASMailbox", map[string]any{"Identity": "alice", "ActiveSyncMailboxPolicy": "strict"})
	o := e.ok("Get-CASMailbox", map[string]any{"Identity": "alice"})[0]
	if o["ActiveSyncMailboxPolicy"] != "Strict" || o["ActiveSyncMailboxPolicyIsDefaulted"] != false {
		t.Fatalf("Get-CASMailbox: %v %v", o["ActiveSyncMailboxPolicy"], o["ActiveSyncMailboxPolicyIsDefaulted"])
	}
	if p := e.srv.dir.policyFor(e.mailbox("alice").CASMailbox().ActiveSyncMailboxPolicy); !p.PasswordEnabled || p.MinPasswordLength != 8 {
		t.Errorf("alice's policy: %+v", p)
	}
	e.ok("Set-CASMailbox", map[string]any{"Identity": "alice", "ActiveSyncMailboxPolicy": nil})
	if o := e.ok("Get-CASMailbox", map[string]any{"Identity": "alice"})[0]; o["ActiveSyncMailboxPolicy"] != "Default" || o["ActiveSyncMailboxPolicyIsDefaulted"] != true {
		t.Errorf("back to the default: %v", o["ActiveSyncMailboxPolicy"])
	}
}

// The boolean and size parameters of section 4.7 reach the policy and the
// EASProvisionDoc built from it.
func TestPolicyMoreParameters(t *testing.T) {
	e := newAdminEnv(t)
	e.ok("New-MobileDeviceMailboxPolicy", map[string]any{"Name": "Locked", "AllowWiFi": false, "AllowBrowser": false, "RequireSignedSMIMEMessages": true, "MaxAttachmentSize": 1048576, "MaxEmailBodyTruncationSize": "Unlimited"})
	var locked MobileDeviceMailboxPolicy
	for _, p := range e.srv.dir.Policies() {
		if p.Name == "Locked" {
			locked = p
		}
	}
	if locked.AllowWiFi || locked.AllowBrowser || !locked.RequireSignedSMIMEMessages || locked.MaxAttachmentSize != 1048576 || locked.MaxEmailBodyTruncationSize != Unlimited {
		t.Fatalf("policy: %+v", locked)
	}
	doc := locked.ProvisionDoc(161)
	want := map[string]string{"AllowWiFi": "0", "AllowBrowser": "0", "RequireSignedSMIMEMessages": "1", "MaxAttachmentSize": "1048576"}
	for _, n := range doc.Elements() {
		if v, ok := want[n.Tag.Name]; ok && n.Text() != v {
			t.Errorf("%s = %q, want %q", n.Tag.Name, n.Text(), v)
		}
	}
}
