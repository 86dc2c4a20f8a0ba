package remoteps

import (
	"encoding/json"
	"reflect"
	"testing"
)

// TestStructObjectMatchesJSON: the direct conversion of an output struct
// gives the object the JSON path gives.
func TestStructObjectMatchesJSON(t *testing.T) {
	when := "2026-12-01T10:00:00Z"
	type row struct {
		Identity    string   `json:"Identity"`
		Guid        string   `json:"Guid"`
		FirstSync   *string  `json:"FirstSyncTime"`
		Never       *string  `json:"LastSyncAttemptTime"`
		Enabled     bool     `json:"ActiveSyncEnabled"`
		Count       int      `json:"NumberOfFoldersSynced"`
		Big         int64    `json:"Big"`
		Allowed     []string `json:"ActiveSyncAllowedDeviceIDs"`
		None        []string `json:"ActiveSyncBlockedDeviceIDs"`
		State       string   `json:"DeviceAccessState"`
		Heartbeat   *int     `json:"LastPingHeartbeat"`
		notExported string
	}
	hb := 900
	r := row{Identity: `alice\ExchangeActiveSyncDevices\iPhone§A1`, Guid: "5f1b2f7e-3a51-4d0e-9d1b-0a6d6b0a7c11", FirstSync: &when,
		Enabled: true, Count: 7, Big: 1 << 40, Allowed: []string{"A1", "B2"}, State: "Quarantined", Heartbeat: &hb}
	got, ok := structObject(r, []string{"T"})
	if !ok {
		t.Fatal("a plain struct was not converted")
	}
	raw, _ := json.Marshal(r)
	want, err := objectFrom(raw, []string{"T"})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("direct:\n%+v\nthrough JSON:\n%+v", got, want)
	}
	if _, ok := structObject(struct{ M map[string]int }{}, nil); ok {
		t.Fatal("a map field must go through JSON")
	}
}

// TestAppendJSONMatchesMarshal holds appendJSON to json.Marshal: the
// binder must read the same parameters whichever wrote them.
func TestAppendJSONMatchesMarshal(t *testing.T) {
	for _, v := range []any{
		map[string]any{},
		map[string]any{"Identity": "alice", "Confirm": false, "ResultSize": "Unlimited"},
		map[string]any{"ActiveSyncAllowedDeviceIDs": map[string]any{"Add": []any{"androidc1", "ApplDNQX"}, "Remove": nil}},
		map[string]any{"Filter": `DeviceAccessState -eq 'Quarantined' -and Name -like "a*"`},
		map[string]any{"Text": "tab\there, quote \" backslash \\ <b>&amp;</b> é 日本 \u2028 \x7f"},
		map[string]any{"N": int32(-7), "M": int64(1) << 40, "I": 3, "F": 1.5, "Num": json.Number("12.50")},
		map[string]any{"Z": []any{}, "Nested": []any{[]any{"a", true}, map[string]any{"b": nil}}},
		map[string]any{"Other": uint16(9), "Time": "2026-12-05T04:00:00Z"},
	} {
		want, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		got, err := appendJSON(nil, v)
		if err != nil {
			t.Fatalf("appendJSON(%v): %v", v, err)
		}
		var a, b any
		if err := json.Unmarshal(want, &a); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(got, &b); err != nil {
			t.Fatalf("appendJSON wrote invalid JSON %s: %v", got, err)
		}
		if !reflect.DeepEqual(a, b) {
			t.Errorf("appendJSON wrote %s, json.Marshal %s", got, want)
		}
	}
	if _, err := appendJSON(nil, map[string]any{"Bad": json.Number("x")}); err == nil {
		t.Error("appendJSON wrote an invalid number, which json.Marshal refuses")
	}
}
