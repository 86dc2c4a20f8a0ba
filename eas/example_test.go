package eas_test

import (
	"context"
	"fmt"
	"log"
	"net/http/httptest"
	"strings"

	"github.com/easlab/easlab/eas"
)

// A server reads a request in the base64 query form: the example from
// MS-ASHTTP, a Sync in version 14.0 from device "v140Device".
func ExampleParseRequest() {
	r := httptest.NewRequest("POST", "/Microsoft-Server-ActiveSync?jAAJBAp2MTQwRGV2aWNlAApTbWFydFBob25l", nil)
	req, err := eas.ParseRequest(r)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(req.Form, req.Command, req.ProtocolVersion, req.DeviceID, req.DeviceType)
	fmt.Printf("locale %#04x, policy key sent: %v\n", req.Locale, req.HasPolicyKey)
	// Output:
	// base64 Sync 14.0 v140Device SmartPhone
	// locale 0x0409, policy key sent: false
}

// A request with an invalid device id fails with status 108. Since Sync has a
// response body in 14.1, the status goes in the body with HTTP 200.
func ExampleParseRequest_error() {
	r := httptest.NewRequest("POST", "/Microsoft-Server-ActiveSync?Cmd=Sync&User=jo&DeviceId=not-valid&DeviceType=iPhone", nil)
	r.Header.Set(eas.HeaderProtocolVersion, "14.1")
	req, err := eas.ParseRequest(r)
	fmt.Println(err)
	if se, ok := eas.AsStatusError(err); ok {
		fmt.Println(se.Outcome(req.ProtocolVersion, req.Command))
	}
	// Output:
	// eas: DeviceId: must be 1 to 32 letters or digits, got "not-valid" (status 108 DeviceIdMissingOrInvalid, HTTP 400)
	// 200 108
}

// A client builds a FolderSync POST in the plain query form, with its
// headers, then the same request in the base64 form.
func ExampleNewHTTPRequest() {
	const base = "https://mail.contoso.com/Microsoft-Server-ActiveSync"
	req := &eas.Request{
		Form:            eas.PlainQuery,
		Command:         eas.CommandFolderSync,
		User:            "jo@contoso.com",
		DeviceID:        "ApplDNPHG6NVDT9V",
		DeviceType:      "iPhone",
		ProtocolVersion: eas.Version141,
		PolicyKey:       3609689902,
		HasPolicyKey:    true,
		UserAgent:       "Apple-iPhone13C4/2307.71",
	}
	hr, err := eas.NewHTTPRequest(context.Background(), base, req, strings.NewReader("..."))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(hr.URL)
	for _, name := range []string{"MS-ASProtocolVersion", "X-MS-PolicyKey", "User-Agent", "Content-Type"} {
		fmt.Printf("%s: %s\n", name, hr.Header.Get(name))
	}

	req.Form = eas.Base64Query
	u, err := req.URL(base)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(u)
	// Output:
	// https://mail.contoso.com/Microsoft-Server-ActiveSync?Cmd=FolderSync&User=jo%40contoso.com&DeviceId=ApplDNPHG6NVDT9V&DeviceType=iPhone
	// MS-ASProtocolVersion: 14.1
	// X-MS-PolicyKey: 3609689902
	// User-Agent: Apple-iPhone13C4/2307.71
	// Content-Type: application/vnd.ms-sync.wbxml
	// https://mail.contoso.com/Microsoft-Server-ActiveSync?jQkAABBBcHBsRE5QSEc2TlZEVDlWBC5/J9cGaVBob25lCA5qb0Bjb250b3NvLmNvbQ==
}

// Outcome decides how an error is sent: status 142 is a body status from
// 14.0 on, but before that the device is told to provision with HTTP 449. A
// command's own status always goes in the body.
func ExampleStatusError_Outcome() {
	e := eas.NewStatusError(eas.StatusDeviceNotProvisioned, "no policy key")
	for _, v := range []eas.ProtocolVersion{eas.Version121, eas.Version141} {
		h, s := e.Outcome(v, eas.CommandFolderSync)
		fmt.Printf("%v: HTTP %d, Status %d\n", v, h, s)
	}

	e = eas.NewCommandError(eas.SyncStatusInvalidSyncKey, "unknown SyncKey")
	fmt.Println(e.Outcome(eas.Version141, eas.CommandSync))
	// Output:
	// 12.1: HTTP 449, Status 0
	// 14.1: HTTP 200, Status 142
	// 200 3
}

// ParseCommand matches command names without regard to case; a Command
// knows its base64 code, namespace and versions.
func ExampleParseCommand() {
	c, ok := eas.ParseCommand("foldersync")
	if !ok {
		log.Fatal("unknown command")
	}
	code, _ := c.Code()
	fmt.Println(c, code, c.Namespace(), c.Versions())

	fmt.Println(eas.CommandFind, eas.CommandFind.DefinedIn(eas.Version141), eas.CommandFind.DefinedIn(eas.Version161))
	// Output:
	// FolderSync 9 FolderHierarchy [2.5 12.0 12.1 14.0 14.1 16.0 16.1]
	// Find false true
}

// Versions are ordered, so AtLeast compares them.
func ExampleProtocolVersion_AtLeast() {
	v, err := eas.ParseProtocolVersion("14.1")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(v, v.Byte(), v.AtLeast(eas.Version140), v.AtLeast(eas.Version160))
	// Output:
	// 14.1 141 true false
}

// The default server profile is Exchange 2019, with the versions and
// commands it announces in its OPTIONS response.
func ExampleDefaultProfile() {
	p := eas.DefaultProfile()
	fmt.Println(p.Name, p.ServerVersion)
	fmt.Println(strings.Join(p.ProtocolVersions, ","))
	fmt.Println(len(p.ProtocolCommands), p.ProtocolCommands[len(p.ProtocolCommands)-1])
	// Output:
	// Exchange2019 15.2
	// 2.0,2.1,2.5,12.0,12.1,14.0,14.1,16.0,16.1
	// 24 Find
}

// A Status prints its MS-ASCMD name. A command's status prints its own name,
// or the common status name for a value above 100.
func ExampleStatus_String() {
	fmt.Println(eas.StatusMaximumDevicesReached, int(eas.StatusMaximumDevicesReached))
	fmt.Println(eas.PingStatusHeartbeatOutOfBounds, eas.PingStatus(eas.StatusInvalidPolicyKey))
	// Output:
	// MaximumDevicesReached 177
	// HeartbeatOutOfBounds InvalidPolicyKey
}
