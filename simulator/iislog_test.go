package simulator

import (
	"bytes"
	"github.com/easlab/easlab/simulator/access"
	"strings"
	"testing"
	"time"
)

func TestIISLogLine(t *testing.T) {
	at := time.Date(2026, 11, 23, 9, 30, 5, 0, time.UTC)
	tests := []struct {
		name string
		e    iisEntry
		want string
	}{
		{"blocked by a rule, 14.1", iisEntry{time: at, serverIP: "127.0.0.1", method: "POST", query: "Cmd=Sync&User=alice&DeviceId=ABC&DeviceType=Android", port: "8080", username: "alice", clientIP: "127.0.0.1",
			userAgent: "Android/4.4.2-EAS-1.3", status: 200, timeTaken: 20003 * time.Millisecond, version: 141, easStatus: 129, errorToken: "DeviceIsBlockedForThisUser", access: accessLogValue(access.Blocked, access.ReasonDeviceRule)},
			"2026-11-23 09:30:05 127.0.0.1 POST /Microsoft-Server-ActiveSync/default.eas Cmd=Sync&User=alice&DeviceId=ABC&DeviceType=Android&Log=V141_S129_Error:DeviceIsBlockedForThisUser_As:BlockedD_ 8080 alice 127.0.0.1 Android/4.4.2-EAS-1.3 - 200 0 0 20003"},
		{"quarantine transition", iisEntry{time: at, method: "POST", query: "Cmd=FolderSync", status: 200, version: 161, access: accessLogValue(access.Quarantined, access.ReasonGlobal), mailSent: "ABQ", userAgent: "Apple-iPhone15C2/2201.1 x"},
			"2026-11-23 09:30:05 - POST /Microsoft-Server-ActiveSync/default.eas Cmd=FolderSync&Log=V161_As:QuarantinedG_Ms:ABQ_ - - - Apple-iPhone15C2/2201.1+x - 200 0 0 0"},
		{"policy refresh", iisEntry{time: at, method: "POST", query: "Cmd=Ping", status: 200, version: 141, policyKey: 3609689902, devOS: "Android 4.1.2", easStatus: 143, errorToken: "PolicyRefresh", access: "AllowedG"},
			"2026-11-23 09:30:05 - POST /Microsoft-Server-ActiveSync/default.eas Cmd=Ping&Log=V141_Pk:3609689902_DevOS:Android+4.1.2_S143_Error:PolicyRefresh_As:AllowedG_ - - - - - 200 0 0 0"},
		{"autoblocked", iisEntry{time: at, method: "POST", status: 503, access: accessLogValue(access.Blocked, access.ReasonUserAgentsChanges), errorToken: "Device_Is_AutoBlocked"},
			"2026-11-23 09:30:05 - POST /Microsoft-Server-ActiveSync/default.eas Log=Error:Device%5FIs%5FAutoBlocked_As:BlockedABU_ - - - - - 503 0 0 0"},
	}
	for _, tc := range tests {
		if got := tc.e.line(); got != tc.want {
			t.Errorf("%s:\n got %s\nwant %s", tc.name, got, tc.want)
		}
	}
	var buf bytes.Buffer
	l := NewIISLog(&buf)
	l.write(&tests[0].e)
	l.write(&tests[1].e)
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 6 || lines[3] != "#Fields: "+iisFields || lines[4] != tests[0].want {
		t.Errorf("log:\n%s", buf.String())
	}
}
