package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"reflect"
	"strings"
	"testing"

	"github.com/easlab/easlab/simulator"
)

func TestParseCmdletArgs(t *testing.T) {
	tests := []struct {
		args []string
		want map[string]any
	}{
		{[]string{"-Identity", "alice", "-ActiveSyncEnabled", "$false"}, map[string]any{"Identity": "alice", "ActiveSyncEnabled": false}},
		{[]string{"-ActiveSyncAllowedDeviceIDs", "@{Add='id1','id2'; Remove=\"id3\"}"}, map[string]any{"ActiveSyncAllowedDeviceIDs": map[string]any{"Add": []any{"id1", "id2"}, "Remove": []any{"id3"}}}},
		{[]string{"-ActiveSyncBlockedDeviceIDs", "a,b", "-AccountOnly"}, map[string]any{"ActiveSyncBlockedDeviceIDs": []any{"a", "b"}, "AccountOnly": true}},
		{[]string{"-Filter", "DeviceAccessState -eq 'Quarantined'", "-ResultSize", "Unlimited"}, map[string]any{"Filter": "DeviceAccessState -eq 'Quarantined'", "ResultSize": "Unlimited"}},
		{[]string{"-ActiveSyncAllowedDeviceIDs", "$null", "-Confirm:$false"}, map[string]any{"ActiveSyncAllowedDeviceIDs": nil, "Confirm": false}},
	}
	for _, tc := range tests {
		got, err := parseCmdletArgs(tc.args)
		if err != nil || !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%q: got %#v, %v; want %#v", tc.args, got, err, tc.want)
		}
	}
	for _, bad := range [][]string{{"alice"}, {"-X", "@{Add='a'"}, {"-X", "@{Add}"}} {
		if _, err := parseCmdletArgs(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestFormatList(t *testing.T) {
	out := json.RawMessage(`[{"DeviceId":"ABC","DeviceAccessState":"Quarantined","ActiveSyncAllowedDeviceIDs":["a","b"],"IsManaged":false,"FirstSyncTime":null}]`)
	var buf bytes.Buffer
	if err := formatList(&buf, out); err != nil {
		t.Fatal(err)
	}
	want := "\nDeviceId                   : ABC\nDeviceAccessState          : Quarantined\nActiveSyncAllowedDeviceIDs : {a, b}\nIsManaged                  : False\nFirstSyncTime              : \n\n"
	if buf.String() != want {
		t.Errorf("got\n%q\nwant\n%q", buf.String(), want)
	}
}

// TestAdminAgainstServe runs `easlab admin` against a running `easlab
// serve`, as an agent's developer would.
func TestAdminAgainstServe(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ready := make(chan string, 1)
	go runServe(ctx, serveConfig{listen: "127.0.0.1:0", demoPassword: "Passw0rd!", profile: "Exchange2019", logFormat: "text", logLevel: "error", adminToken: "tok"}, io.Discard, io.Discard, ready)
	base := <-ready
	t.Setenv("EASLAB_ADMIN_URL", base)
	t.Setenv("EASLAB_ADMIN_TOKEN", "tok")
	if _, err := run(t, nil, "admin", "Set-ActiveSyncOrganizationSettings", "-DefaultAccessLevel", "Quarantine", "-AdminMailRecipients", "admin@contoso.com"); err != nil {
		t.Fatal(err)
	}
	out, err := run(t, nil, "admin", "Get-ActiveSyncOrganizationSettings")
	if err != nil || !bytes.Contains(out, []byte("DefaultAccessLevel")) || !bytes.Contains(out, []byte(": Quarantine")) {
		t.Fatalf("Get-ActiveSyncOrganizationSettings: %v\n%s", err, out)
	}
	if _, err := run(t, nil, "admin", "Set-CASMailbox", "-Identity", "alice", "-ActiveSyncAllowedDeviceIDs", "@{Add='ApplABC123'}"); err != nil {
		t.Fatal(err)
	}
	// easlab's own --flags go before the cmdlet or anywhere after it (its
	// parameters take one dash), as the command's help shows them.
	for _, args := range [][]string{
		{"admin", "--json", "Get-CASMailbox", "-Identity", "alice"},
		{"admin", "Get-CASMailbox", "-Identity", "alice", "--json"},
		{"admin", "Get-CASMailbox", "--json", "-Identity", "alice", "--url=" + base},
		{"admin", "Get-CASMailbox", "-Identity", "alice", "--url", base, "--json=true"},
	} {
		out, err := run(t, nil, args...)
		var objs []map[string]any
		if err != nil || json.Unmarshal(out, &objs) != nil || len(objs) != 1 || !reflect.DeepEqual(objs[0]["ActiveSyncAllowedDeviceIDs"], []any{"ApplABC123"}) {
			t.Fatalf("%q: %v\n%s", args, err, out)
		}
	}
	if _, err := run(t, nil, "admin", "Get-CASMailbox", "--jsn"); err == nil || !strings.Contains(err.Error(), "unknown flag --jsn") {
		t.Errorf("a misspelt flag after the cmdlet: %v", err)
	}
	if _, err := run(t, nil, "admin", "Get-CASMailbox", "--url"); err == nil || !strings.Contains(err.Error(), "needs a value") {
		t.Errorf("--url without a value: %v", err)
	}
	if _, err := run(t, nil, "admin", "Get-MobileDevice", "-Identity", "nope"); err == nil || !strings.Contains(err.Error(), "ManagementObjectNotFound") {
		t.Errorf("unknown device: %v", err)
	}
	t.Setenv("EASLAB_ADMIN_TOKEN", "wrong")
	if _, err := run(t, nil, "admin", "Get-Mailbox"); err == nil || !strings.Contains(err.Error(), "AuthenticationError") {
		t.Errorf("wrong token: %v", err)
	}
}

// TestServeZoneAndIdentityStyle: --time-zone takes an IANA name (UTC by
// default) and --identity-style on-premises (the default) or online.
func TestServeZoneAndIdentityStyle(t *testing.T) {
	for _, c := range []struct {
		zone, style string
		wantZone    string
		wantStyle   simulator.IdentityStyle
		ok          bool
	}{
		{"", "", "UTC", simulator.IdentityOnPremises, true},
		{"UTC", "on-premises", "UTC", simulator.IdentityOnPremises, true},
		{"UTC", "Online", "UTC", simulator.IdentityExchangeOnline, true},
		{"Nowhere/Atlantis", "", "", 0, false},
		{"UTC", "tenant", "", 0, false},
	} {
		zone, style, err := zoneAndStyle(serveConfig{timeZone: c.zone, identityStyle: c.style})
		if (err == nil) != c.ok || c.ok && (zone.String() != c.wantZone || style != c.wantStyle) {
			t.Errorf("%q %q: %v %v %v", c.zone, c.style, zone, style, err)
		}
	}
}
