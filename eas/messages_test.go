package eas

import (
	"bytes"
	"encoding/hex"
	"reflect"
	"strings"
	"testing"

	"github.com/easlab/easlab/wbxml"
)

// hexBytes decodes hex written with spaces and line breaks, and quoted
// strings ("Email") for inline text.
func hexBytes(t *testing.T, s string) []byte {
	t.Helper()
	var out []byte
	for len(s) > 0 {
		s = strings.TrimLeft(s, " \t\n")
		if s == "" {
			break
		}
		if s[0] == '"' {
			end := strings.IndexByte(s[1:], '"')
			if end < 0 {
				t.Fatalf("unterminated string in %q", s)
			}
			out = append(out, s[1:1+end]...)
			s = s[end+2:]
			continue
		}
		b, err := hex.DecodeString(s[:2])
		if err != nil {
			t.Fatalf("bad hex %q: %v", s[:2], err)
		}
		out = append(out, b...)
		s = s[2:]
	}
	return out
}

// Messages built in Go, with their encoding written by hand from the code
// pages of protocol.md §2.4. Each is also decoded and re-encoded.
var messageTests = []struct {
	name string
	msg  any
	want string
}{
	{
		name: "Ping request",
		msg: &PingRequest{
			HeartbeatInterval: 480,
			Folders:           &PingFolders{Folder: []PingFolder{{Id: "5", Class: "Email"}, {Id: "1", Class: "Calendar"}}},
		},
		want: `03 01 6A 00
			00 0D 45                    Ping, page 13
			48 03 "480" 00 01           HeartbeatInterval
			49                          Folders
			4A 4B 03 "5" 00 01 4C 03 "Email" 00 01 01
			4A 4B 03 "1" 00 01 4C 03 "Calendar" 00 01 01
			01 01`,
	},
	{
		name: "initial Sync request",
		msg: &SyncRequest{Collections: &SyncCollections{Collection: []SyncCollection{{
			SyncKey:      "0",
			CollectionId: "5",
			WindowSize:   100,
			Options: []SyncOptions{{
				FilterType:     new(FilterTypeOneWeek),
				BodyPreference: []BodyPreference{{Type: BodyTypeHTML, TruncationSize: 51200}},
			}},
		}}}},
		want: `03 01 6A 00
			45 5C 4F                    Sync, Collections, Collection (page 0)
			4B 03 "0" 00 01             SyncKey
			52 03 "5" 00 01             CollectionId
			55 03 "100" 00 01           WindowSize
			57                          Options
			58 03 "3" 00 01             FilterType
			00 11 45                    BodyPreference, page 17
			46 03 "2" 00 01             Type
			47 03 "51200" 00 01         TruncationSize
			01 01 01 01 01`,
	},
	{
		name: "Sync response with ordered commands",
		msg: &SyncResponse{Collections: &SyncCollections{Collection: []SyncCollection{{
			SyncKey:      "2",
			CollectionId: "5",
			Status:       1,
			Commands: SyncCommands{
				{Kind: SyncDelete, ServerId: "5:1"},
				{Kind: SyncAdd, ServerId: "5:2", ApplicationData: wbxml.NewElement(applicationDataTag,
					wbxml.NewText(wbxml.Lookup("Email", "Subject"), "Hi"))},
				{Kind: SyncSoftDelete, ServerId: "5:3"},
			},
			MoreAvailable: true,
		}}}},
		want: `03 01 6A 00
			45 5C 4F
			4B 03 "2" 00 01             SyncKey
			52 03 "5" 00 01             CollectionId
			4E 03 "1" 00 01             Status
			56                          Commands
			49 4D 03 "5:1" 00 01 01     Delete
			47 4D 03 "5:2" 00 01        Add
			5D 00 02 54 03 "Hi" 00 01 01   ApplicationData, Email:Subject
			01                          end of Add
			00 00 61 4D 03 "5:3" 00 01 01  SoftDelete, back on page 0
			01
			14                          MoreAvailable, empty
			01 01 01`,
	},
	{
		name: "Provision request with DeviceInformation",
		msg: &ProvisionRequest{
			DeviceInformation: &DeviceInformation{Set: &DeviceInformationSet{
				Model: "SM-S928B", FriendlyName: "Galaxy", OS: "Android 15", UserAgent: "UA/1",
				EnableOutboundSMS: new(false),
			}},
			Policies: &ProvisionRequestPolicies{Policy: ProvisionRequestPolicy{PolicyType: PolicyTypeWBXML}},
		},
		want: `03 01 6A 00
			00 0E 45                    Provision, page 14
			00 12 56 48                 DeviceInformation, Set (page 18)
			57 03 "SM-S928B" 00 01      Model
			59 03 "Galaxy" 00 01        FriendlyName
			5A 03 "Android 15" 00 01    OS
			60 03 "UA/1" 00 01          UserAgent
			61 03 "0" 00 01             EnableOutboundSMS
			01 01
			00 0E 46 47                 Policies, Policy (page 14)
			48 03 "MS-EAS-Provisioning-WBXML" 00 01
			01 01 01`,
	},
	{
		// The EASProvisionDoc is byte for byte Horde's fixture
		// default_policies.wbxml (protocol.md §4.3), after its page switch.
		name: "Provision response with policy",
		msg: &ProvisionResponse{
			Status: 1,
			Policies: &ProvisionResponsePolicies{Policy: ProvisionResponsePolicy{
				PolicyType: PolicyTypeWBXML, Status: 1, PolicyKey: "1307199584",
				Data: &PolicyData{EASProvisionDoc: &EASProvisionDoc{
					DevicePasswordEnabled:        new(false),
					RequireStorageCardEncryption: new(false),
					AttachmentsEnabled:           new(true),
					MaxAttachmentSize:            &IntOrEmpty{Value: 5000000},
				}},
			}},
		},
		want: `03 01 6A 00
			00 0E 45 4B 03 "1" 00 01    Provision, Status
			46 47                       Policies, Policy
			48 03 "MS-EAS-Provisioning-WBXML" 00 01
			4B 03 "1" 00 01             Status
			49 03 "1307199584" 00 01    PolicyKey
			4A                          Data
			4D 4E 03 "0" 00 01 50 03 "0" 00 01 53 03 "1" 00 01 57 03 "5000000" 00 01 01
			01 01 01 01`,
	},
	{
		name: "remote wipe directive",
		msg:  &ProvisionResponse{Status: 1, RemoteWipe: true},
		want: `03 01 6A 00 00 0E 45 4B 03 "1" 00 01 0C 01`,
	},
	{
		name: "GetItemEstimate 12.1 form",
		msg: &GetItemEstimateRequest{Collections: &GetItemEstimateCollections{Collection: []GetItemEstimateCollection{{
			Class: "Email", SyncKey: "7", CollectionId: "5", FilterType: new(FilterTypeAll),
		}}}},
		want: `03 01 6A 00
			00 06 45 47 48              GetItemEstimate, Collections, Collection (page 6)
			49 03 "Email" 00 01         Class
			4A 03 "5" 00 01             CollectionId
			00 00 58 03 "0" 00 01       AirSync:FilterType
			4B 03 "7" 00 01             AirSync:SyncKey
			01 01 01`,
	},
}

func TestMessages(t *testing.T) {
	for _, tt := range messageTests {
		t.Run(tt.name, func(t *testing.T) {
			want := hexBytes(t, stripComments(tt.want))
			got, err := wbxml.Marshal(tt.msg)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				t.Fatalf("Marshal:\ngot  % X\nwant % X\n%s", got, want, toXML(got))
			}
			back := reflect.New(reflect.TypeOf(tt.msg).Elem()).Interface()
			if err := wbxml.Unmarshal(got, back); err != nil {
				t.Fatal(err)
			}
			again, err := wbxml.Marshal(back)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(again, want) {
				t.Errorf("Marshal(Unmarshal(b)):\ngot  % X\nwant % X", again, want)
			}
		})
	}
}

// stripComments removes the words after the hex on each line: anything
// from the first token that is neither two hex digits nor a quoted string.
func stripComments(s string) string {
	var out []string
	for _, line := range strings.Split(s, "\n") {
		var keep []string
		rest := strings.TrimSpace(line)
		for rest != "" {
			if rest[0] == '"' {
				end := strings.IndexByte(rest[1:], '"')
				keep = append(keep, rest[:end+2])
				rest = strings.TrimSpace(rest[end+2:])
				continue
			}
			tok, after, _ := strings.Cut(rest, " ")
			if len(tok) != 2 {
				break
			}
			if _, err := hex.DecodeString(tok); err != nil {
				break
			}
			keep = append(keep, tok)
			rest = strings.TrimSpace(after)
		}
		out = append(out, strings.Join(keep, " "))
	}
	return strings.Join(out, "\n")
}

func TestSyncCommandsOrder(t *testing.T) {
	b := corpusWBXML(t, corpusDir+"/18-sync-response-client-changes.xml")
	var resp SyncResponse
	if err := wbxml.Unmarshal(b, &resp); err != nil {
		t.Fatal(err)
	}
	c := resp.Collections.Collection[0]
	var kinds []string
	for _, cmd := range c.Commands {
		kinds = append(kinds, cmd.Kind.String()+" "+cmd.ServerId)
	}
	if got := strings.Join(kinds, ", "); got != "Change 5:11, Delete 5:4, SoftDelete 5:2, SoftDelete 5:3" {
		t.Errorf("Commands: %s", got)
	}
	kinds = nil
	for _, cmd := range c.Responses {
		kinds = append(kinds, cmd.Kind.String()+" "+cmd.ServerId)
	}
	if got := strings.Join(kinds, ", "); got != "Change 5:10, Fetch 5:13" {
		t.Errorf("Responses: %s", got)
	}
	if c.Responses[0].Status != 7 || c.Responses[1].ApplicationData == nil {
		t.Errorf("Responses: %+v", c.Responses)
	}
	if resp.Collections.Collection[1].Commands != nil {
		t.Error("absent Commands decoded as non-nil")
	}
}

func TestSyncCommandsErrors(t *testing.T) {
	_, err := wbxml.Marshal(&SyncResponse{Collections: &SyncCollections{Collection: []SyncCollection{{
		SyncKey: "1", CollectionId: "1", Commands: SyncCommands{{ServerId: "1:1"}},
	}}}})
	if err == nil {
		t.Error("a SyncCommand without Kind was marshaled")
	}
	// <Sync><Collections><Collection><Commands><Status/>...: Status is not
	// a command.
	b := hexBytes(t, `03 01 6A 00 45 5C 4F 56 0E 01 01 01 01`)
	var resp SyncResponse
	if err := wbxml.Unmarshal(b, &resp); err == nil || !strings.Contains(err.Error(), "unexpected element AirSync:Status") {
		t.Errorf("Unmarshal: %v", err)
	}
}

func TestBoolForms(t *testing.T) {
	for _, tt := range []struct {
		b     Bool
		xml   string
		value bool
	}{
		{BoolEmpty, "<GetChanges/>", true},
		{BoolTrue, "<GetChanges>1</GetChanges>", true},
		{BoolFalse, "<GetChanges>0</GetChanges>", false},
	} {
		req := SyncRequest{Collections: &SyncCollections{Collection: []SyncCollection{{SyncKey: "1", CollectionId: "2", GetChanges: tt.b}}}}
		b, err := wbxml.Marshal(&req)
		if err != nil {
			t.Fatal(err)
		}
		if x := toXML(b); !strings.Contains(x, tt.xml) {
			t.Errorf("%v: %s", tt.b, x)
		}
		var back SyncRequest
		if err := wbxml.Unmarshal(b, &back); err != nil {
			t.Fatal(err)
		}
		got := back.Collections.Collection[0].GetChanges
		if got != tt.b || got.Value() != tt.value || !got.IsSet() {
			t.Errorf("decoded %v as %v", tt.b, got)
		}
	}
	if NewBool(true) != BoolTrue || NewBool(false) != BoolFalse || BoolAbsent.IsSet() {
		t.Error("NewBool/IsSet")
	}
}

func TestTagList(t *testing.T) {
	req := SyncRequest{Collections: &SyncCollections{Collection: []SyncCollection{
		{SyncKey: "1", CollectionId: "2", Supported: TagList{}},
		{SyncKey: "1", CollectionId: "3"},
	}}}
	b, err := wbxml.Marshal(&req)
	if err != nil {
		t.Fatal(err)
	}
	if x := toXML(b); strings.Count(x, "<Supported/>") != 1 {
		t.Errorf("an empty TagList is not one <Supported/>:\n%s", x)
	}
	var back SyncRequest
	if err := wbxml.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if s := back.Collections.Collection[0].Supported; s == nil || len(s) != 0 {
		t.Errorf("<Supported/> decoded as %#v", s)
	}
	if s := back.Collections.Collection[1].Supported; s != nil {
		t.Errorf("absent Supported decoded as %#v", s)
	}
}

// fill sets every field of v that a tag names, recursively: strings "x",
// numbers 1, bools true, one element per slice, pointers allocated. Raw
// nodes and catch-alls are left empty. Recursive types stop at depth 3.
func fill(v reflect.Value, depth int) {
	switch v.Type() {
	case reflect.TypeFor[*wbxml.Node](), reflect.TypeFor[[]*wbxml.Node](), reflect.TypeFor[wbxml.Name]():
		return
	case reflect.TypeFor[TagList]():
		v.Set(reflect.ValueOf(TagList{wbxml.Lookup("Email", "Subject")}))
		return
	}
	switch v.Kind() {
	case reflect.String:
		v.SetString("x")
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		v.SetInt(1)
	case reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		v.SetUint(1)
	case reflect.Float64:
		v.SetFloat(1.5)
	case reflect.Pointer:
		if depth > 3 {
			return
		}
		p := reflect.New(v.Type().Elem())
		fill(p.Elem(), depth+1)
		v.Set(p)
	case reflect.Slice:
		if v.Type().Elem().Kind() == reflect.Uint8 {
			v.SetBytes([]byte{1, 2})
			return
		}
		s := reflect.MakeSlice(v.Type(), 1, 1)
		fill(s.Index(0), depth)
		v.Set(s)
	case reflect.Struct:
		for i := 0; i < v.NumField(); i++ {
			if v.Type().Field(i).IsExported() {
				fill(v.Field(i), depth)
			}
		}
	}
}

// TestSweep fills every message and item type completely and checks that
// it marshals (every tag resolves), and that decoding and re-encoding gives
// the same bytes.
func TestSweep(t *testing.T) {
	messages := []any{
		new(FolderSyncRequest), new(FolderSyncResponse), new(GetHierarchyResponse),
		new(FolderCreateRequest), new(FolderCreateResponse), new(FolderUpdateRequest), new(FolderUpdateResponse),
		new(FolderDeleteRequest), new(FolderDeleteResponse),
		new(SyncRequest), new(SyncResponse), new(GetItemEstimateRequest), new(GetItemEstimateResponse),
		new(PingRequest), new(PingResponse), new(ProvisionRequest), new(ProvisionResponse),
		new(SettingsRequest), new(SettingsResponse),
		new(SendMailRequest), new(SmartReplyRequest), new(SmartForwardRequest),
		new(SendMailResponse), new(SmartReplyResponse), new(SmartForwardResponse),
		new(ItemOperationsRequest), new(ItemOperationsResponse), new(MoveItemsRequest), new(MoveItemsResponse),
		new(MeetingResponseRequest), new(MeetingResponseResponse), new(SearchRequest), new(SearchResponse),
		new(ResolveRecipientsRequest), new(ResolveRecipientsResponse), new(ValidateCertRequest), new(ValidateCertResponse),
		new(FindRequest), new(FindResponse),
	}
	for _, m := range messages {
		name := reflect.TypeOf(m).Elem().Name()
		fill(reflect.ValueOf(m).Elem(), 0)
		b, err := wbxml.Marshal(m)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		back := reflect.New(reflect.TypeOf(m).Elem()).Interface()
		if err := wbxml.Unmarshal(b, back); err != nil {
			t.Errorf("%s: Unmarshal: %v", name, err)
			continue
		}
		if c := caughtElements(reflect.ValueOf(back), name); len(c) > 0 {
			t.Errorf("%s: caught %v", name, c)
		}
		again, err := wbxml.Marshal(back)
		if err != nil || !bytes.Equal(again, b) {
			t.Errorf("%s: second Marshal differs (%v):\n%s\n%s", name, err, toXML(b), toXML(again))
		}
	}

	items := []any{
		new(Email), new(Calendar), new(Contact), new(Task), new(Note),
		new(GALProperties), new(DocumentLibraryProperties), new(FindProperties), new(FetchProperties),
	}
	for _, it := range items {
		name := reflect.TypeOf(it).Elem().Name()
		fill(reflect.ValueOf(it).Elem(), 0)
		n, err := EncodeItem(it)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		back := reflect.New(reflect.TypeOf(it).Elem()).Interface()
		if err := DecodeItem(n, back); err != nil {
			t.Errorf("%s: DecodeItem: %v", name, err)
			continue
		}
		if c := caughtElements(reflect.ValueOf(back), name); len(c) > 0 {
			t.Errorf("%s: caught %v", name, c)
		}
		if !reflect.DeepEqual(back, it) {
			t.Errorf("%s: DecodeItem(EncodeItem(v)) differs from v", name)
		}
	}
}
