package main

import (
	"bytes"
	"encoding/json"
	"reflect"
	"testing"
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
