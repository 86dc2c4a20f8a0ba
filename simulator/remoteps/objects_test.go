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
