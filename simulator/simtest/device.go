package simtest

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"strconv"

	"github.com/easlab/easlab/eas"
	"github.com/easlab/easlab/simulator/demo"
	"github.com/easlab/easlab/wbxml"
)

// DefaultUserAgent is the User-Agent of a Device that sets none: an
// iPhone's.
const DefaultUserAgent = "Apple-iPhone15C2/2201.1"

// Device speaks EAS to the simulator: a minimal client for tests. Its
// fields are the request's; change them between calls to send what a
// test needs.
type Device struct {
	Env       *Env
	User      string // the Basic credentials' user, and the User query value
	QueryUser string // the User query value, when it differs from User
	Password  string
	ID, Type  string
	Version   eas.ProtocolVersion
	Form      eas.QueryForm // plain or base64
	PolicyKey uint32
	HasKey    bool   // whether to send PolicyKey
	UserAgent string // "" is DefaultUserAgent
}

// Device returns a device of user, with the demo password, of type
// iPhone, speaking version v. It has sent nothing yet.
func (e *Env) Device(user, id string, v eas.ProtocolVersion) *Device {
	return &Device{Env: e, User: user, Password: demo.Password, ID: id, Type: "iPhone", Version: v}
}

// Request returns the EAS request the device sends for cmd.
func (d *Device) Request(cmd eas.Command) *eas.Request {
	qu := d.User
	if d.QueryUser != "" {
		qu = d.QueryUser
	}
	req := &eas.Request{Form: d.Form, Command: cmd, User: qu, DeviceID: d.ID, DeviceType: d.Type,
		ProtocolVersion: d.Version, PolicyKey: d.PolicyKey, HasPolicyKey: d.HasKey, UserAgent: d.UserAgent}
	if req.UserAgent == "" {
		req.UserAgent = DefaultUserAgent
	}
	return req
}

// Post sends a command with a verbatim body (nil for none) and returns
// the response with its body read.
func (d *Device) Post(cmd eas.Command, body []byte) (*http.Response, []byte) {
	d.Env.tb.Helper()
	return d.PostRequest(d.Request(cmd), body)
}

// PostRequest sends req (see Request; a test may edit it first) with a
// verbatim body and returns the response with its body read.
func (d *Device) PostRequest(req *eas.Request, body []byte) (*http.Response, []byte) {
	d.Env.tb.Helper()
	return d.Do(d.HTTPRequest(req, body))
}

// HTTPRequest builds the HTTP request for req with a verbatim body (nil
// for none) and the device's Basic credentials, for a test that changes
// it further (a header, say) before Do.
func (d *Device) HTTPRequest(req *eas.Request, body []byte) *http.Request {
	tb := d.Env.tb
	tb.Helper()
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	hr, err := eas.NewHTTPRequest(context.Background(), d.Env.EASURL, req, rd)
	if err != nil {
		tb.Fatalf("simtest: %s: %v", req.Command, err)
	}
	hr.SetBasicAuth(d.User, d.Password)
	return hr
}

// Do sends an HTTP request to the server and returns the response with
// its body read.
func (d *Device) Do(hr *http.Request) (*http.Response, []byte) {
	tb := d.Env.tb
	tb.Helper()
	resp, err := d.Env.HTTP.Client().Do(hr)
	if err != nil {
		tb.Fatalf("simtest: %s %s: %v", hr.Method, hr.URL, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		tb.Fatalf("simtest: %s %s: reading the response: %v", hr.Method, hr.URL, err)
	}
	return resp, b
}

// Call marshals in (nil for no body), posts it and unmarshals a 200
// response into out; it fails the test if that response does not decode.
func (d *Device) Call(cmd eas.Command, in, out any) *http.Response {
	tb := d.Env.tb
	tb.Helper()
	var body []byte
	if in != nil {
		var err error
		if body, err = wbxml.Marshal(in); err != nil {
			tb.Fatalf("simtest: %s: %v", cmd, err)
		}
	}
	resp, b := d.Post(cmd, body)
	if resp.StatusCode == http.StatusOK && len(b) > 0 && out != nil {
		if err := wbxml.Unmarshal(b, out); err != nil {
			tb.Fatalf("simtest: %s: %v; response:\n%s", cmd, err, XML(b))
		}
	}
	return resp
}

// CallOK is Call for a command that must answer HTTP 200: any other
// status fails the test.
func (d *Device) CallOK(cmd eas.Command, in, out any) {
	tb := d.Env.tb
	tb.Helper()
	if resp := d.Call(cmd, in, out); resp.StatusCode != http.StatusOK {
		tb.Fatalf("simtest: %s: HTTP %d", cmd, resp.StatusCode)
	}
}

// XML renders WBXML as XML for failure messages, leniently (a response
// may use legacy tags).
func XML(b []byte) string {
	var buf bytes.Buffer
	dec := wbxml.NewBytesDecoder(b)
	dec.Lenient = true
	if err := wbxml.WriteXML(&buf, dec); err != nil {
		return fmt.Sprintf("% X (%v)", b, err)
	}
	return buf.String()
}

// DeviceInfo is the DeviceInformation a Device sends in Provision from
// 14.1 on.
func DeviceInfo() *eas.DeviceInformation {
	return &eas.DeviceInformation{Set: &eas.DeviceInformationSet{Model: "iPhone15C2", IMEI: "356789012345678", FriendlyName: "Alice's iPhone", OS: "iOS 18.1 22B83", OSLanguage: "en", PhoneNumber: "+14255550101", UserAgent: DefaultUserAgent}}
}

// Provision runs the two-phase Provision (with DeviceInfo from 14.1 on)
// and keeps the final policy key. Anything but a granted policy and a new
// final key fails the test. It returns d.
func (d *Device) Provision() *Device {
	tb := d.Env.tb
	tb.Helper()
	req := &eas.ProvisionRequest{Policies: &eas.ProvisionRequestPolicies{Policy: eas.ProvisionRequestPolicy{PolicyType: eas.PolicyTypeWBXML}}}
	if d.Version.AtLeast(eas.Version141) {
		req.DeviceInformation = DeviceInfo()
	}
	var r1 eas.ProvisionResponse
	if resp := d.Call(eas.CommandProvision, req, &r1); resp.StatusCode != http.StatusOK {
		tb.Fatalf("simtest: Provision: HTTP %d", resp.StatusCode)
	}
	if r1.Status != 1 || r1.Policies == nil || r1.Policies.Policy.PolicyKey == "" {
		tb.Fatalf("simtest: Provision: status %d, policies %+v", r1.Status, r1.Policies)
	}
	temp := r1.Policies.Policy.PolicyKey
	var r2 eas.ProvisionResponse
	ack := &eas.ProvisionRequest{Policies: &eas.ProvisionRequestPolicies{Policy: eas.ProvisionRequestPolicy{PolicyType: eas.PolicyTypeWBXML, PolicyKey: temp, Status: 1}}}
	if resp := d.Call(eas.CommandProvision, ack, &r2); resp.StatusCode != http.StatusOK {
		tb.Fatalf("simtest: Provision acknowledgement: HTTP %d", resp.StatusCode)
	}
	if r2.Status != 1 || r2.Policies == nil || r2.Policies.Policy.Status != 1 {
		tb.Fatalf("simtest: Provision acknowledgement: status %d, policies %+v", r2.Status, r2.Policies)
	}
	key, err := strconv.ParseUint(r2.Policies.Policy.PolicyKey, 10, 32)
	if err != nil {
		tb.Fatalf("simtest: final policy key %q: %v", r2.Policies.Policy.PolicyKey, err)
	}
	if r2.Policies.Policy.PolicyKey == temp {
		tb.Fatalf("simtest: the final policy key is the temporary one, %s", temp)
	}
	d.PolicyKey, d.HasKey = uint32(key), true
	return d
}

// FolderSync runs an initial FolderSync and returns the folders by
// display name; anything but HTTP 200 and Status 1 fails the test.
func (d *Device) FolderSync() map[string]eas.Folder {
	tb := d.Env.tb
	tb.Helper()
	var r eas.FolderSyncResponse
	if resp := d.Call(eas.CommandFolderSync, &eas.FolderSyncRequest{SyncKey: "0"}, &r); resp.StatusCode != http.StatusOK {
		tb.Fatalf("simtest: FolderSync: HTTP %d", resp.StatusCode)
	}
	if r.Status != 1 {
		tb.Fatalf("simtest: FolderSync: status %d", r.Status)
	}
	out := map[string]eas.Folder{}
	if r.Changes != nil {
		for _, f := range r.Changes.Add {
			out[f.DisplayName] = f
		}
	}
	return out
}

// SyncOnce sends one Sync of a collection and returns its collection
// response, or nil for an empty response. Anything but HTTP 200 with at
// most one collection fails the test.
func (d *Device) SyncOnce(col eas.SyncCollection) *eas.SyncCollection {
	tb := d.Env.tb
	tb.Helper()
	var r eas.SyncResponse
	if resp := d.Call(eas.CommandSync, &eas.SyncRequest{Collections: &eas.SyncCollections{Collection: []eas.SyncCollection{col}}}, &r); resp.StatusCode != http.StatusOK {
		tb.Fatalf("simtest: Sync: HTTP %d", resp.StatusCode)
	}
	if r.Collections == nil {
		return nil
	}
	if n := len(r.Collections.Collection); n != 1 {
		tb.Fatalf("simtest: Sync of one collection answered %d", n)
	}
	return &r.Collections.Collection[0]
}

// SyncAll syncs a folder from SyncKey 0 until nothing more is available
// and returns its latest SyncKey: the device then holds the whole folder,
// so a Ping of it waits for a change (Exchange reports a folder the
// device never synced as changed at once).
func (d *Device) SyncAll(folderID string) string {
	tb := d.Env.tb
	tb.Helper()
	col := d.SyncOnce(eas.SyncCollection{SyncKey: "0", CollectionId: folderID})
	if col == nil {
		tb.Fatalf("simtest: Sync of %s with SyncKey 0 answered nothing", folderID)
	}
	key := col.SyncKey
	for i := 0; i < 1000; i++ {
		col := d.SyncOnce(eas.SyncCollection{SyncKey: key, CollectionId: folderID, GetChanges: eas.NewBool(true), WindowSize: 512})
		if col == nil {
			return key
		}
		key = col.SyncKey
		if !col.MoreAvailable {
			return key
		}
	}
	tb.Fatalf("simtest: Sync of %s did not end", folderID)
	return ""
}
