package simulator_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/easlab/easlab/simulator"
	"github.com/easlab/easlab/simulator/simtest"
)

func policyNamed(t *testing.T, d *simulator.Directory, name string) simulator.MobileDeviceMailboxPolicy {
	t.Helper()
	for _, p := range d.Policies() {
		if p.Name == name {
			return p
		}
	}
	t.Fatalf("no policy %q", name)
	return simulator.MobileDeviceMailboxPolicy{}
}

func TestPolicyCmdletsNewGet(t *testing.T) {
	e := simtest.New(t, simulator.Options{})
	out := e.Cmdlet("Get-MobileDeviceMailboxPolicy", nil)
	if len(out) != 1 || out[0]["Name"] != "Default" || out[0]["IsDefault"] != true ||
		out[0]["MaxPasswordFailedAttempts"] != "Unlimited" || out[0]["MaxInactivityTimeLock"] != "Unlimited" ||
		out[0]["PasswordExpiration"] != "Unlimited" || out[0]["MinPasswordLength"] != nil ||
		out[0]["AllowBluetooth"] != "Allow" || out[0]["MaxEmailAgeFilter"] != "All" ||
		out[0]["DevicePolicyRefreshInterval"] != "Unlimited" || out[0]["MaxAttachmentSize"] != "Unlimited" {
		t.Fatalf("default policy: %v", out)
	}

	out = e.Cmdlet("New-MobileDeviceMailboxPolicy", map[string]any{
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
	p := policyNamed(t, e.Server.Directory(), "Strict")
	if p.MaxInactivityTimeLock != 900 || p.PasswordExpiration != 30 || p.MaxCalendarAgeFilter != 7 || p.MaxEmailAgeFilter != 4 ||
		p.AllowBluetooth != 1 || p.DevicePolicyRefreshInterval != 24*time.Hour || p.MinPasswordLength != 8 {
		t.Errorf("stored policy %+v", p)
	}

	// Get by name and by Guid; the default first in the list.
	if out := e.Cmdlet("Get-MobileDeviceMailboxPolicy", map[string]any{"Identity": "strict"}); len(out) != 1 || out[0]["Name"] != "Strict" {
		t.Fatalf("by name: %v", out)
	}
	if out := e.Cmdlet("Get-MobileDeviceMailboxPolicy", map[string]any{"Identity": o["Guid"]}); len(out) != 1 || out[0]["Name"] != "Strict" {
		t.Fatalf("by guid: %v", out)
	}
	if out := e.Cmdlet("Get-MobileDeviceMailboxPolicy", nil); len(out) != 2 || out[0]["Name"] != "Default" {
		t.Fatalf("list: %v", out)
	}
	e.CmdletFails("Get-MobileDeviceMailboxPolicy", map[string]any{"Identity": "nope"}, http.StatusNotFound, "ManagementObjectNotFound")
	e.CmdletFails("New-MobileDeviceMailboxPolicy", map[string]any{"Name": "STRICT"}, http.StatusConflict, "ADObjectAlreadyExists")
	e.CmdletFails("New-MobileDeviceMailboxPolicy", nil, http.StatusBadRequest, "InvalidArgument")

	// A new default is the only one.
	e.Cmdlet("New-MobileDeviceMailboxPolicy", map[string]any{"Name": "Corp", "IsDefault": true})
	out = e.Cmdlet("Get-MobileDeviceMailboxPolicy", nil)
	if out[0]["Name"] != "Corp" || out[0]["IsDefault"] != true {
		t.Fatalf("new default: %v", out)
	}
	for _, x := range out[1:] {
		if x["IsDefault"] != false {
			t.Fatalf("two defaults: %v", out)
		}
	}
	if e.Server.Directory().PolicyFor("").Name != "Corp" {
		t.Fatal("policyFor does not see the new default")
	}
}

func TestPolicyCmdletsSetRemove(t *testing.T) {
	e := simtest.New(t, simulator.Options{})
	d := e.Server.Directory()
	e.Cmdlet("New-ActiveSyncMailboxPolicy", map[string]any{"Name": "P1"})
	v0 := simulator.PolicyVersion(policyNamed(t, d, "P1"))
	e.Cmdlet("Set-ActiveSyncMailboxPolicy", map[string]any{"Identity": "P1", "PasswordEnabled": true, "MaxInactivityTimeLock": "01:00:00", "MinPasswordLength": nil})
	p := policyNamed(t, d, "P1")
	if !p.PasswordEnabled || p.MaxInactivityTimeLock != 3600 || p.MinPasswordLength != simulator.Unlimited || simulator.PolicyVersion(p) == v0 {
		t.Fatalf("after Set: %+v (version %d, was %d)", p, simulator.PolicyVersion(p), v0)
	}
	dv := simulator.PolicyVersion(policyNamed(t, d, "Default"))
	// Nothing changed: a warning, and no new version.
	_, warnings := e.CmdletReply("Set-MobileDeviceMailboxPolicy", map[string]any{"Identity": "P1", "PasswordEnabled": true})
	if len(warnings) != 1 || simulator.PolicyVersion(policyNamed(t, d, "P1")) != simulator.PolicyVersion(p) {
		t.Fatalf("no-op Set: warnings %q", warnings)
	}
	// Unlimited back.
	e.Cmdlet("Set-MobileDeviceMailboxPolicy", map[string]any{"Identity": "P1", "MaxInactivityTimeLock": "Unlimited", "MaxPasswordFailedAttempts": "unlimited"})
	if out := e.Cmdlet("Get-MobileDeviceMailboxPolicy", map[string]any{"Identity": "P1"}); out[0]["MaxInactivityTimeLock"] != "Unlimited" || out[0]["MaxPasswordFailedAttempts"] != "Unlimited" {
		t.Fatalf("Unlimited: %v", out)
	}

	// The default can't be removed nor made non-default directly.
	e.CmdletFails("Remove-MobileDeviceMailboxPolicy", map[string]any{"Identity": "Default"}, http.StatusBadRequest, "InvalidOperation")
	e.CmdletFails("Set-MobileDeviceMailboxPolicy", map[string]any{"Identity": "Default", "IsDefault": false}, http.StatusBadRequest, "InvalidOperation")
	e.CmdletFails("Set-MobileDeviceMailboxPolicy", map[string]any{"Identity": "nope", "PasswordEnabled": true}, http.StatusNotFound, "ManagementObjectNotFound")

	// Making P1 the default: Default loses the flag and its version moves.
	e.Cmdlet("Set-MobileDeviceMailboxPolicy", map[string]any{"Identity": "P1", "IsDefault": true})
	if def := policyNamed(t, d, "Default"); def.IsDefault || simulator.PolicyVersion(def) == dv || !policyNamed(t, d, "P1").IsDefault {
		t.Fatalf("IsDefault: %+v", d.Policies())
	}
	e.Cmdlet("Remove-ActiveSyncMailboxPolicy", map[string]any{"Identity": "Default"})
	if ps := d.Policies(); len(ps) != 1 || ps[0].Name != "P1" {
		t.Fatalf("after Remove: %+v", ps)
	}
	e.CmdletFails("Remove-MobileDeviceMailboxPolicy", map[string]any{"Identity": "Default"}, http.StatusNotFound, "ManagementObjectNotFound")
	e.CmdletFails("Remove-MobileDeviceMailboxPolicy", map[string]any{"Identity": "P1"}, http.StatusBadRequest, "InvalidOperation")
}

func TestPolicyCmdletsValidation(t *testing.T) {
	e := simtest.New(t, simulator.Options{})
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
		err := e.CmdletFails("New-MobileDeviceMailboxPolicy", map[string]any{"Name": "X", c.param: c.value}, http.StatusBadRequest, "InvalidArgument")
		if !strings.Contains(err.Message, c.msg) || !strings.Contains(err.Message, "'"+c.param+"'") {
			t.Errorf("%s=%v: %q, want %q", c.param, c.value, err.Message, c.msg)
		}
		e.CmdletFails("Set-MobileDeviceMailboxPolicy", map[string]any{"Identity": "Default", c.param: c.value}, http.StatusBadRequest, "InvalidArgument")
	}
	if len(e.Server.Directory().Policies()) != 1 {
		t.Fatalf("a failed New- stored a policy: %+v", e.Server.Directory().Policies())
	}
	// The edges are accepted; a number means days, as TimeSpan.Parse does.
	e.Cmdlet("New-MobileDeviceMailboxPolicy", map[string]any{"Name": "Edges", "MinPasswordLength": 16, "MaxPasswordFailedAttempts": 4,
		"MaxInactivityTimeLock": "00:01", "PasswordExpiration": 730, "PasswordHistory": 0, "MinPasswordComplexCharacters": 4, "MaxCalendarAgeFilter": 4})
	p := policyNamed(t, e.Server.Directory(), "Edges")
	if p.MaxInactivityTimeLock != 60 || p.PasswordExpiration != 730 || p.MaxCalendarAgeFilter != 4 {
		t.Fatalf("edges: %+v", p)
	}
}

// Set-CASMailbox -ActiveSyncMailboxPolicy assigns a policy to a mailbox:
// its devices re-provision (144) and get that policy's settings.
func TestSetCASMailboxPolicy(t *testing.T) {
	e := simtest.New(t, simulator.Options{})
	e.Cmdlet("New-MobileDeviceMailboxPolicy", map[string]any{"Name": "Strict", "PasswordEnabled": true, "MinPasswordLength": 8})
	e.CmdletFails("Set-CASMailbox", map[string]any{"Identity": "alice", "ActiveSyncMailboxPolicy": "Nope"}, http.StatusNotFound, "ManagementObjectNotFound")
	e.Cmdlet("Set-CASMailbox", map[string]any{"Identity": "alice", "ActiveSyncMailboxPolicy": "strict"})
	o := e.Cmdlet("Get-CASMailbox", map[string]any{"Identity": "alice"})[0]
	if o["ActiveSyncMailboxPolicy"] != "Strict" || o["ActiveSyncMailboxPolicyIsDefaulted"] != false {
		t.Fatalf("Get-CASMailbox: %v %v", o["ActiveSyncMailboxPolicy"], o["ActiveSyncMailboxPolicyIsDefaulted"])
	}
	if p := e.Server.Directory().PolicyFor(e.Mailbox("alice").CASMailbox().ActiveSyncMailboxPolicy); !p.PasswordEnabled || p.MinPasswordLength != 8 {
		t.Errorf("alice's policy: %+v", p)
	}
	e.Cmdlet("Set-CASMailbox", map[string]any{"Identity": "alice", "ActiveSyncMailboxPolicy": nil})
	if o := e.Cmdlet("Get-CASMailbox", map[string]any{"Identity": "alice"})[0]; o["ActiveSyncMailboxPolicy"] != "Default" || o["ActiveSyncMailboxPolicyIsDefaulted"] != true {
		t.Errorf("back to the default: %v", o["ActiveSyncMailboxPolicy"])
	}
}

// The boolean and size parameters of section 4.7 reach the policy and the
// EASProvisionDoc built from it.
func TestPolicyMoreParameters(t *testing.T) {
	e := simtest.New(t, simulator.Options{})
	e.Cmdlet("New-MobileDeviceMailboxPolicy", map[string]any{"Name": "Locked", "AllowWiFi": false, "AllowBrowser": false, "RequireSignedSMIMEMessages": true, "MaxAttachmentSize": 1048576, "MaxEmailBodyTruncationSize": "Unlimited"})
	var locked simulator.MobileDeviceMailboxPolicy
	for _, p := range e.Server.Directory().Policies() {
		if p.Name == "Locked" {
			locked = p
		}
	}
	if locked.AllowWiFi || locked.AllowBrowser || !locked.RequireSignedSMIMEMessages || locked.MaxAttachmentSize != 1048576 || locked.MaxEmailBodyTruncationSize != simulator.Unlimited {
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
