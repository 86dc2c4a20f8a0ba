package wbxml

import (
	"bytes"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"testing/iotest"
)

// mtHex turns "03 01 6A 00 45 03 "text" 00 01" into bytes: pairs of hex
// digits, and quoted strings taken literally.
func mtHex(s string) []byte {
	var out []byte
	for {
		s = strings.TrimLeft(s, " \t\n")
		if s == "" {
			return out
		}
		if s[0] == '"' {
			end := strings.IndexByte(s[1:], '"')
			if end < 0 {
				panic("mtHex: unterminated string")
			}
			out = append(out, s[1:end+1]...)
			s = s[end+2:]
			continue
		}
		b, err := hex.DecodeString(s[:2])
		if err != nil {
			panic("mtHex: bad hex " + s[:2])
		}
		out = append(out, b...)
		s = s[2:]
	}
}

// mtVector reads a file of ../shared/vectors, skipping the test when the
// folder is not beside the repository (failing when
// EASLAB_REQUIRE_ORACLES=1).
func mtVector(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "shared", "vectors", name))
	if err != nil {
		if os.Getenv("EASLAB_REQUIRE_ORACLES") == "1" {
			t.Fatalf("vector %s: %v", name, err)
		}
		t.Skipf("vector %s: %v", name, err)
	}
	return b
}

// The Sync structs, enough for the MS-ASWBXML example and the Creme
// requests.

type mtSync struct {
	WBXMLName   Name           `wbxml:"AirSync:Sync"`
	Status      int            `wbxml:"Status,omitempty"`
	Collections *mtCollections `wbxml:"Collections"`
}

type mtCollections struct {
	Collection []mtCollection `wbxml:"Collection"`
}

type mtCollection struct {
	Class          string      `wbxml:"Class,omitempty"`
	SyncKey        string      `wbxml:"SyncKey"`
	CollectionID   string      `wbxml:"CollectionId"`
	Status         int         `wbxml:"Status,omitempty"`
	DeletesAsMoves bool        `wbxml:"DeletesAsMoves,empty"`
	GetChanges     bool        `wbxml:"GetChanges,empty"`
	Commands       *mtCommands `wbxml:"Commands"`
}

type mtCommands struct {
	Add    []mtItem  `wbxml:"Add"`
	Change []mtItem  `wbxml:"Change"`
	Delete []*mtItem `wbxml:"Delete"`
}

type mtItem struct {
	ServerID        string     `wbxml:"ServerId"`
	ApplicationData *mtContact `wbxml:"ApplicationData"`
}

type mtContact struct {
	Body           *mtBody `wbxml:"AirSyncBase:Body"`
	FileAs         string  `wbxml:"Contacts:FileAs,omitempty"`
	FirstName      string  `wbxml:"Contacts:FirstName,omitempty"`
	LastName       string  `wbxml:"Contacts:LastName,omitempty"`
	NativeBodyType int     `wbxml:"AirSyncBase:NativeBodyType,omitempty"`
}

type mtBody struct {
	Type              int    `wbxml:"Type"`
	EstimatedDataSize int64  `wbxml:"EstimatedDataSize"`
	Truncated         bool   `wbxml:"Truncated"`
	Data              string `wbxml:"Data,omitempty"`
}

// The MS-ASWBXML section 3 example: a Sync response adding a contact.
var mtSpecSync = mtHex(`03 01 6A 00 45 5C 4F 50 03 "Contacts" 00 01 4B 03 "2" 00 01
	52 03 "2" 00 01 4E 03 "1" 00 01 56 47 4D 03 "2:1" 00 01 5D 00 11 4A 46 03 "1" 00 01
	4C 03 "0" 00 01 4D 03 "1" 00 01 01 00 01 5E 03 "Funk, Don" 00 01 5F 03 "Don" 00 01
	69 03 "Funk" 00 01 00 11 56 03 "1" 00 01 01 01 01 01 01 01`)

var mtSpecSyncValue = &mtSync{Collections: &mtCollections{Collection: []mtCollection{{
	Class: "Contacts", SyncKey: "2", CollectionID: "2", Status: 1,
	Commands: &mtCommands{Add: []mtItem{{
		ServerID: "2:1",
		ApplicationData: &mtContact{
			Body:   &mtBody{Type: 1, EstimatedDataSize: 0, Truncated: true},
			FileAs: "Funk, Don", FirstName: "Don", LastName: "Funk", NativeBodyType: 1,
		},
	}}},
}}}}

type mtPing struct {
	WBXMLName         Name       `wbxml:"Ping:Ping"`
	Status            int        `wbxml:"Status,omitempty"`
	HeartbeatInterval int        `wbxml:"HeartbeatInterval,omitempty"`
	Folders           *mtFolders `wbxml:"Folders"`
	MaxFolders        int        `wbxml:"MaxFolders,omitempty"`
}

type mtFolders struct {
	Folder []mtFolder `wbxml:"Folder"`
}

type mtFolder struct {
	ID    string `wbxml:"Id"`
	Class string `wbxml:"Class"`
}

// Scalars of every kind.
type mtScalars struct {
	WBXMLName Name     `wbxml:"AirSync:Sync"`
	Key       string   `wbxml:"SyncKey"`
	Client    string   `wbxml:"ClientId"`
	Status    int8     `wbxml:"Status"`
	Window    uint64   `wbxml:"WindowSize"`
	Partial   bool     `wbxml:"Partial"`
	Conv      bool     `wbxml:"ConversationMode"`
	Limit     *int     `wbxml:"Limit"`
	Server    *string  `wbxml:"ServerId"`
	Classes   []string `wbxml:"Class"`
	Wait      float64  `wbxml:"Wait"`
}

type mtOptions struct {
	FilterType int `wbxml:"FilterType"`
}

type mtOmit struct {
	WBXMLName Name          `wbxml:"AirSync:Sync"`
	Key       string        `wbxml:"SyncKey,omitempty"`
	Status    int           `wbxml:"Status,omitempty"`
	More      bool          `wbxml:"MoreAvailable,omitempty"`
	Options   mtOptions     `wbxml:"Options,omitempty"`
	Coll      *mtCollection `wbxml:"Collection,omitempty"`
	Classes   []string      `wbxml:"Class,omitempty"`
}

type mtBools struct {
	WBXMLName Name `wbxml:"AirSync:Sync"`
	A         bool `wbxml:"DeletesAsMoves"`
	B         bool `wbxml:"GetChanges"`
	C         bool `wbxml:"MoreAvailable,empty"`
	D         bool `wbxml:"Partial"`
}

type mtSendMail struct {
	WBXMLName Name   `wbxml:"ComposeMail:SendMail"`
	ClientID  string `wbxml:"ClientId"`
	Save      bool   `wbxml:"SaveInSentItems,empty"`
	Mime      []byte `wbxml:"Mime"`
	AccountID []byte `wbxml:"AccountId,opaque"`
}

type mtRaw struct {
	WBXMLName Name    `wbxml:"AirSync:Sync"`
	Key       string  `wbxml:"SyncKey"`
	Data      *Node   `wbxml:"ApplicationData"`
	Options   []*Node `wbxml:"Options"`
}

type mtCharData struct {
	WBXMLName Name   `wbxml:"AirSync:Sync"`
	Text      string `wbxml:",chardata"`
	Key       string `wbxml:"SyncKey,omitempty"`
}

type mtCharOpaque struct {
	WBXMLName Name   `wbxml:"ComposeMail:Mime"`
	Data      []byte `wbxml:",chardata"`
}

// mtClassOnly names its field without a namespace: AirSync:Class inside
// an AirSync element, Ping:Class inside a Ping one.
type mtClassOnly struct {
	Class string `wbxml:"Class"`
}

type mtRelative struct {
	WBXMLName  Name        `wbxml:"AirSync:Sync"`
	Collection mtClassOnly `wbxml:"Collection"`
	Folder     mtClassOnly `wbxml:"Ping:Folder"`
}

// mtCommon is embedded: its fields count as the outer struct's.
type mtCommon struct {
	SyncKey string `wbxml:"SyncKey"`
	Status  int    `wbxml:"Status"`
}

type mtEmbeds struct {
	WBXMLName Name `wbxml:"AirSync:Sync"`
	mtCommon
	Class  string `wbxml:"Class"`
	Ignore string // no tag: ignored
	Skip   string `wbxml:"-"`
}

// mtDate is a text type through encoding.TextMarshaler.
type mtDate struct{ Y, M, D int }

func (d mtDate) MarshalText() ([]byte, error) {
	return fmt.Appendf(nil, "%04d-%02d-%02d", d.Y, d.M, d.D), nil
}

func (d *mtDate) UnmarshalText(b []byte) error {
	_, err := fmt.Sscanf(string(b), "%4d-%2d-%2d", &d.Y, &d.M, &d.D)
	return err
}

type mtDated struct {
	WBXMLName Name     `wbxml:"Email:DateReceived"`
	Text      string   `wbxml:",chardata"`
	Date      mtDate   `wbxml:"Email:DateReceived"`
	Dates     []mtDate `wbxml:"Email:Subject"`
}

// mtCommand and mtCommandList model Sync's ordered commands as a sum type
// with a Marshaler and an Unmarshaler.
type mtCommand struct {
	Op       string // Add, Change or Delete: the element's name
	ServerID string `wbxml:"ServerId"`
}

type mtCommandList []mtCommand

func (l mtCommandList) MarshalWBXML(e *Encoder, t *Tag) error {
	e.Start(t)
	for _, c := range l {
		op := Lookup("AirSync", c.Op)
		if op == nil {
			return fmt.Errorf("bad op %q", c.Op)
		}
		e.Start(op)
		e.Element(Lookup("AirSync", "ServerId"), c.ServerID)
		e.End()
	}
	e.End()
	return e.Err()
}

func (l *mtCommandList) UnmarshalWBXML(d *Decoder, start Token) error {
	for {
		t, err := d.Token()
		if err != nil {
			return err
		}
		switch t.Kind {
		case EndElement:
			return nil
		case StartElement:
			c := mtCommand{Op: t.Tag.Name}
			if err := d.DecodeElement(&c, t); err != nil {
				return err
			}
			*l = append(*l, c)
		}
	}
}

type mtOrdered struct {
	WBXMLName Name          `wbxml:"AirSync:Sync"`
	Commands  mtCommandList `wbxml:"Commands,omitempty"`
}

func intPtr(i int) *int       { return &i }
func strPtr(s string) *string { return &s }

func mtTag(ns, name string) *Tag {
	t := Lookup(ns, name)
	if t == nil {
		panic("no tag " + ns + ":" + name)
	}
	return t
}

var marshalTests = []struct {
	Name          string
	Value         any // a pointer
	Expect        []byte
	MarshalOnly   bool
	UnmarshalOnly bool
}{
	{Name: "MS-ASWBXML example", Value: mtSpecSyncValue, Expect: mtSpecSync},
	{
		Name: "Creme Sync request, empty elements",
		Value: &mtSync{Collections: &mtCollections{Collection: []mtCollection{{
			Class: "Contacts", SyncKey: "0", CollectionID: "2e9ce20a99cc4bc39804d5ee956855311b00000000000000",
			DeletesAsMoves: true, GetChanges: true,
		}}}},
		Expect: mtHex(`03 01 6A 00 45 5C 4F 50 03 "Contacts" 00 01 4B 03 "0" 00 01
			52 03 "2e9ce20a99cc4bc39804d5ee956855311b00000000000000" 00 01 1E 13 01 01 01`),
	},
	{
		Name:   "empty elements false",
		Value:  &mtSync{Collections: &mtCollections{Collection: []mtCollection{{SyncKey: "0", CollectionID: "1"}}}},
		Expect: mtHex(`03 01 6A 00 45 5C 4F 4B 03 "0" 00 01 52 03 "1" 00 01 01 01 01`),
	},
	{
		Name: "slices of structs and pointers",
		Value: &mtSync{Collections: &mtCollections{Collection: []mtCollection{
			{SyncKey: "1", CollectionID: "a", Commands: &mtCommands{
				Add:    []mtItem{{ServerID: "1:1"}, {ServerID: "1:2"}},
				Delete: []*mtItem{{ServerID: "1:3"}},
			}},
			{SyncKey: "2", CollectionID: "b"},
		}}},
		Expect: mtHex(`03 01 6A 00 45 5C 4F 4B 03 "1" 00 01 52 03 "a" 00 01 56
			47 4D 03 "1:1" 00 01 01 47 4D 03 "1:2" 00 01 01 49 4D 03 "1:3" 00 01 01 01 01
			4F 4B 03 "2" 00 01 52 03 "b" 00 01 01 01 01`),
	},
	{
		Name:  "Ping request (plync)",
		Value: &mtPing{HeartbeatInterval: 80, Folders: &mtFolders{Folder: []mtFolder{{ID: "5", Class: "Email"}}}},
		Expect: mtHex(`03 01 6A 00 00 0D 45 48 03 "80" 00 01 49 4A 4B 03 "5" 00 01
			4C 03 "Email" 00 01 01 01 01`),
	},
	{
		Name: "scalars",
		Value: &mtScalars{Key: "k", Status: -5, Window: 1<<64 - 1, Conv: true, Limit: intPtr(0),
			Classes: []string{"Email", "Calendar"}, Wait: 1.5},
		Expect: mtHex(`03 01 6A 00 45 4B 03 "k" 00 01 0C 4E 03 "-5" 00 01
			55 03 "18446744073709551615" 00 01 66 03 "0" 00 01 67 03 "1" 00 01 65 03 "0" 00 01
			50 03 "Email" 00 01 50 03 "Calendar" 00 01 64 03 "1.5" 00 01 01`),
	},
	{
		Name:   "pointer to empty string",
		Value:  &mtScalars{Server: strPtr("")},
		Expect: mtHex(`03 01 6A 00 45 0B 0C 4E 03 "0" 00 01 55 03 "0" 00 01 66 03 "0" 00 01 67 03 "0" 00 01 0D 64 03 "0" 00 01 01`),
	},
	{Name: "omitempty, all empty", Value: &mtOmit{}, Expect: mtHex(`03 01 6A 00 05`)},
	{
		Name:   "omitempty, all set",
		Value:  &mtOmit{Key: "1", Status: 3, More: true, Options: mtOptions{FilterType: 3}, Coll: &mtCollection{}, Classes: []string{"Email"}},
		Expect: mtHex(`03 01 6A 00 45 4B 03 "1" 00 01 4E 03 "3" 00 01 54 03 "1" 00 01 57 58 03 "3" 00 01 01 4F 0B 12 01 50 03 "Email" 00 01 01`),
	},
	{
		Name:   "bools",
		Value:  &mtBools{A: true, C: true, D: true},
		Expect: mtHex(`03 01 6A 00 45 5E 03 "1" 00 01 53 03 "0" 00 01 14 66 03 "1" 00 01 01`),
	},
	{
		Name:          "bools true, false, content in an empty element, empty",
		Value:         &mtBools{A: true, C: true, D: true},
		Expect:        mtHex(`03 01 6A 00 45 5E 03 "true" 00 01 53 03 "false" 00 01 54 03 "1" 00 01 26 01`),
		UnmarshalOnly: true,
	},
	{
		Name:   "opaque",
		Value:  &mtSendMail{ClientID: "c1", Save: true, Mime: []byte("hello"), AccountID: []byte{1, 0, 2}},
		Expect: mtHex(`03 01 6A 00 00 15 45 51 03 "c1" 00 01 08 50 C3 05 "hello" 01 53 C3 03 01 00 02 01 01`),
	},
	{
		Name:          "opaque and inline strings accepted alike",
		Value:         &mtSendMail{ClientID: "c1", Mime: []byte("MIME"), AccountID: []byte("a")},
		Expect:        mtHex(`03 01 6A 00 00 15 45 51 C3 02 "c1" 01 50 03 "MI" 00 03 "ME" 00 01 53 03 "a" 00 01 01`),
		UnmarshalOnly: true,
	},
	{
		Name: "Node fields",
		Value: &mtRaw{Key: "1",
			Data:    NewElement(mtTag("AirSync", "ApplicationData"), NewText(mtTag("Contacts", "FileAs"), "hi")),
			Options: []*Node{NewElement(mtTag("AirSync", "Options")), NewElement(mtTag("AirSync", "Options"))},
		},
		Expect: mtHex(`03 01 6A 00 45 4B 03 "1" 00 01 5D 00 01 5E 03 "hi" 00 01 01 00 00 17 17 01`),
	},
	{
		Name:   "chardata",
		Value:  &mtCharData{Text: "abc", Key: "1"},
		Expect: mtHex(`03 01 6A 00 45 03 "abc" 00 4B 03 "1" 00 01 01`),
	},
	{
		Name:          "chardata around a child",
		Value:         &mtCharData{Text: "abcdef", Key: "1"},
		Expect:        mtHex(`03 01 6A 00 45 03 "abc" 00 4B 03 "1" 00 01 03 "def" 00 01`),
		UnmarshalOnly: true,
	},
	{
		Name:   "chardata opaque by the table",
		Value:  &mtCharOpaque{Data: []byte{0, 1}},
		Expect: mtHex(`03 01 6A 00 00 15 50 C3 02 00 01 01`),
	},
	{
		Name:   "names relative to the enclosing element",
		Value:  &mtRelative{Collection: mtClassOnly{Class: "a"}, Folder: mtClassOnly{Class: "b"}},
		Expect: mtHex(`03 01 6A 00 45 4F 50 03 "a" 00 01 01 00 0D 4A 4C 03 "b" 00 01 01 01`),
	},
	{
		Name:   "embedded struct",
		Value:  &mtEmbeds{mtCommon: mtCommon{SyncKey: "1", Status: 2}, Class: "Email"},
		Expect: mtHex(`03 01 6A 00 45 4B 03 "1" 00 01 4E 03 "2" 00 01 50 03 "Email" 00 01 01`),
	},
	{
		Name:   "TextMarshaler",
		Value:  &mtDated{Text: "x", Date: mtDate{2009, 11, 10}, Dates: []mtDate{{2010, 1, 2}}},
		Expect: mtHex(`03 01 6A 00 00 02 4F 03 "x" 00 4F 03 "2009-11-10" 00 01 54 03 "2010-01-02" 00 01 01`),
	},
	{
		Name:   "Marshaler and Unmarshaler",
		Value:  &mtOrdered{Commands: mtCommandList{{"Add", "1"}, {"Delete", "2"}, {"Add", "3"}}},
		Expect: mtHex(`03 01 6A 00 45 56 47 4D 03 "1" 00 01 01 49 4D 03 "2" 00 01 01 47 4D 03 "3" 00 01 01 01 01`),
	},
	{
		Name:          "unknown elements skipped",
		Value:         &mtPing{HeartbeatInterval: 80},
		Expect:        mtHex(`03 01 6A 00 00 0D 45 4B 03 "9" 00 01 48 03 "80" 00 01 01`),
		UnmarshalOnly: true,
	},
	{
		Name:          "empty number",
		Value:         &mtPing{},
		Expect:        mtHex(`03 01 6A 00 00 0D 45 08 01`),
		UnmarshalOnly: true,
	},
}

// mtCase returns the bytes of the marshalTests case named name.
func mtCase(name string) []byte {
	for _, tt := range marshalTests {
		if tt.Name == name {
			return tt.Expect
		}
	}
	panic("no marshal test " + name)
}

func TestMarshal(t *testing.T) {
	for _, tt := range marshalTests {
		if tt.UnmarshalOnly {
			continue
		}
		t.Run(tt.Name, func(t *testing.T) {
			got, err := Marshal(tt.Value)
			if err != nil {
				t.Fatalf("Marshal: %v", err)
			}
			if !bytes.Equal(got, tt.Expect) {
				t.Errorf("Marshal:\n got % X\nwant % X", got, tt.Expect)
			}
		})
	}
}

func TestUnmarshal(t *testing.T) {
	for _, tt := range marshalTests {
		if tt.MarshalOnly {
			continue
		}
		t.Run(tt.Name, func(t *testing.T) {
			got := reflect.New(reflect.TypeOf(tt.Value).Elem())
			if err := Unmarshal(tt.Expect, got.Interface()); err != nil {
				t.Fatalf("Unmarshal: %v", err)
			}
			if !reflect.DeepEqual(got.Interface(), tt.Value) {
				t.Errorf("Unmarshal:\n got %+v\nwant %+v", got.Elem(), reflect.ValueOf(tt.Value).Elem())
			}
			// The same through a streaming decoder reading a byte at a
			// time, whose buffer moves under the tokens.
			got2 := reflect.New(reflect.TypeOf(tt.Value).Elem())
			if err := NewDecoder(iotest.OneByteReader(bytes.NewReader(tt.Expect))).Decode(got2.Interface()); err != nil {
				t.Fatalf("Decode from a reader: %v", err)
			}
			if !reflect.DeepEqual(got2.Interface(), tt.Value) {
				t.Errorf("Decode from a reader:\n got %+v\nwant %+v", got2.Elem(), reflect.ValueOf(tt.Value).Elem())
			}
		})
	}
}

func TestMarshalSpecVector(t *testing.T) {
	vec := mtVector(t, "hex/msaswbxml-example-sync-contacts.wbxml")
	if !bytes.Equal(vec, mtSpecSync) {
		t.Fatalf("the vector file differs from the hex in the test:\n file % X\n test % X", vec, mtSpecSync)
	}
	var s mtSync
	if err := Unmarshal(vec, &s); err != nil {
		t.Fatal(err)
	}
	out, err := Marshal(&s)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(out, vec) {
		t.Errorf("re-marshaled:\n got % X\nwant % X", out, vec)
	}
}

// Creme's test_6 (a Sync request changing a contact with a 4 KB picture)
// through structs naming only some fields: the catch-all keeps the rest.

type mt6Sync struct {
	WBXMLName   Name           `wbxml:"AirSync:Sync"`
	Collections mt6Collections `wbxml:"Collections"`
}

type mt6Collections struct {
	Collection []mt6Collection `wbxml:"Collection"`
}

type mt6Collection struct {
	Class        string      `wbxml:"Class"`
	SyncKey      string      `wbxml:"SyncKey"`
	CollectionID string      `wbxml:"CollectionId"`
	Commands     mt6Commands `wbxml:"Commands"`
}

type mt6Commands struct {
	Change []mt6Change `wbxml:"Change"`
}

type mt6Change struct {
	ServerID        string     `wbxml:"ServerId"`
	ApplicationData mt6Contact `wbxml:"ApplicationData"`
}

type mt6Contact struct {
	LastName string  `wbxml:"Contacts:LastName"`
	JobTitle string  `wbxml:"Contacts:JobTitle"`
	Rest     []*Node `wbxml:",any"`
}

func TestMarshalCatchAllVector(t *testing.T) {
	vec := mtVector(t, "creme/test_6.wbxml")
	var s mt6Sync
	if err := Unmarshal(vec, &s); err != nil {
		t.Fatal(err)
	}
	c := s.Collections.Collection[0].Commands.Change[0]
	if c.ServerID != "3830364049385079147" || c.ApplicationData.LastName != "Bros" || c.ApplicationData.JobTitle != "Plombier" {
		t.Errorf("named fields: %+v", c)
	}
	var names []string
	for _, n := range c.ApplicationData.Rest {
		names = append(names, n.Tag.String())
	}
	want := "Contacts:FirstName Contacts:Picture Contacts:Email1Address Contacts:CompanyName Contacts:Title Contacts:FileAs"
	if strings.Join(names, " ") != want {
		t.Errorf("catch-all: %s\nwant %s", strings.Join(names, " "), want)
	}
	if pic := c.ApplicationData.Rest[1].Text(); len(pic) < 3900 || !strings.HasPrefix(pic, "/9j/4AAQ") {
		t.Errorf("picture: %d bytes %.20q", len(pic), pic)
	}
	out, err := Marshal(&s)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(out, vec) {
		t.Errorf("re-marshaled bytes differ from the input")
	}

	// A streaming decoder, a byte at a time, gives the same values.
	var s2 mt6Sync
	if err := NewDecoder(iotest.OneByteReader(bytes.NewReader(vec))).Decode(&s2); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(s, s2) {
		t.Errorf("streaming decode differs")
	}
}

type mtPartialItem struct {
	WBXMLName Name    `wbxml:"AirSync:Change"`
	ServerID  string  `wbxml:"ServerId"`
	Rest      []*Node `wbxml:",any"`
}

func TestMarshalCatchAll(t *testing.T) {
	in := mtHex(`03 01 6A 00 48 4D 03 "s1" 00 01 5D 00 01 69 03 "Bros" 00 01 01 00 00 4E C3 01 "1" 01 01`)
	var it mtPartialItem
	if err := Unmarshal(in, &it); err != nil {
		t.Fatal(err)
	}
	if it.ServerID != "s1" || len(it.Rest) != 2 || it.Rest[0].Tag != mtTag("AirSync", "ApplicationData") ||
		it.Rest[0].Children[0].Text() != "Bros" || !it.Rest[1].Children[0].IsOpaque {
		t.Fatalf("got %+v", it)
	}
	out, err := Marshal(&it)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(out, in) {
		t.Errorf("re-marshaled:\n got % X\nwant % X", out, in)
	}

	// Unknown elements before named ones come out after them: the same
	// tree but for the order.
	in2 := mtHex(`03 01 6A 00 48 0E 4D 03 "s1" 00 01 01`)
	it = mtPartialItem{}
	if err := Unmarshal(in2, &it); err != nil {
		t.Fatal(err)
	}
	out, err = Marshal(&it)
	if err != nil {
		t.Fatal(err)
	}
	if want := mtHex(`03 01 6A 00 48 4D 03 "s1" 00 01 0E 01`); !bytes.Equal(out, want) {
		t.Errorf("re-marshaled:\n got % X\nwant % X", out, want)
	}
}

// Invalid tags.

type mtBadElement struct {
	WBXMLName Name   `wbxml:"AirSync:Sync"`
	Subject   string `wbxml:"Email:Subjekt"`
}

type mtBadNamespace struct {
	WBXMLName Name   `wbxml:"AirSync:Sync"`
	Subject   string `wbxml:"Emial:Subject"`
}

type mtBadOption struct {
	WBXMLName Name   `wbxml:"AirSync:Sync"`
	Subject   string `wbxml:"Email:Subject,omitempy"`
}

type mtBadEmptyOption struct {
	WBXMLName Name   `wbxml:"AirSync:Sync"`
	Subject   string `wbxml:"Email:Subject,,omitempty"`
}

type mtBadOpaque struct {
	WBXMLName Name   `wbxml:"AirSync:Sync"`
	Subject   string `wbxml:"Email:Subject,opaque"`
}

type mtBadEmpty struct {
	WBXMLName Name `wbxml:"AirSync:Sync"`
	Status    int  `wbxml:"Status,empty"`
}

type mtBadDuplicate struct {
	WBXMLName Name   `wbxml:"AirSync:Sync"`
	A         string `wbxml:"Email:Subject"`
	B         string `wbxml:"Email:Subject"`
}

type mtBadRelativeDuplicate struct {
	WBXMLName Name   `wbxml:"AirSync:Sync"`
	A         string `wbxml:"SyncKey"`
	B         string `wbxml:"AirSync:SyncKey"`
}

type mtBadRelative struct {
	WBXMLName Name   `wbxml:"AirSync:Sync"`
	Subject   string `wbxml:"Subject"`
}

type mtBadAnyType struct {
	WBXMLName Name   `wbxml:"AirSync:Sync"`
	Rest      []Node `wbxml:",any"`
}

type mtBadAnyName struct {
	WBXMLName Name    `wbxml:"AirSync:Sync"`
	Rest      []*Node `wbxml:"Options,any"`
}

type mtBadTwoAny struct {
	WBXMLName Name    `wbxml:"AirSync:Sync"`
	Rest      []*Node `wbxml:",any"`
	More      []*Node `wbxml:",any"`
}

type mtBadCharData struct {
	WBXMLName Name `wbxml:"AirSync:Sync"`
	Text      int  `wbxml:",chardata"`
}

type mtBadNoName struct {
	WBXMLName Name   `wbxml:"AirSync:Sync"`
	Subject   string `wbxml:",omitempty"`
}

type mtBadNameType struct {
	WBXMLName string `wbxml:"AirSync:Sync"`
}

type mtBadNameUnqualified struct {
	WBXMLName Name `wbxml:"Sync"`
}

type mtBadType struct {
	WBXMLName Name           `wbxml:"AirSync:Sync"`
	Map       map[string]int `wbxml:"Options"`
}

type mtBadUnexported struct {
	WBXMLName Name   `wbxml:"AirSync:Sync"`
	key       string `wbxml:"SyncKey"`
}

type mtBadInterface struct {
	WBXMLName Name `wbxml:"AirSync:Sync"`
	Any       any  `wbxml:"SyncKey"`
}

type mtBadEmbeddedPointer struct {
	WBXMLName Name `wbxml:"AirSync:Sync"`
	*mtCommon
}

func TestInvalidTags(t *testing.T) {
	tests := []struct {
		value any
		want  string
	}{
		{&mtBadElement{}, "wbxml: invalid tag in field Subject of type wbxml.mtBadElement: unknown element Email:Subjekt"},
		{&mtBadNamespace{}, "wbxml: invalid tag in field Subject of type wbxml.mtBadNamespace: unknown namespace Emial"},
		{&mtBadOption{}, `wbxml: invalid tag in field Subject of type wbxml.mtBadOption: unknown option "omitempy"`},
		{&mtBadEmptyOption{}, `wbxml: invalid tag in field Subject of type wbxml.mtBadEmptyOption: empty option in "Email:Subject,,omitempty"`},
		{&mtBadOpaque{}, "wbxml: invalid tag in field Subject of type wbxml.mtBadOpaque: option opaque needs a []byte, not string"},
		{&mtBadEmpty{}, "wbxml: invalid tag in field Status of type wbxml.mtBadEmpty: option empty needs a bool, not int"},
		{&mtBadDuplicate{}, "wbxml: invalid tag in field B of type wbxml.mtBadDuplicate: element Email:Subject is also named by field A"},
		{&mtBadRelativeDuplicate{}, "wbxml: invalid tag in field B of type wbxml.mtBadRelativeDuplicate: element AirSync:SyncKey is also named by field A"},
		{&mtBadRelative{}, "wbxml: invalid tag in field Subject of type wbxml.mtBadRelative: unknown element AirSync:Subject (no namespace in the tag: the enclosing element's, AirSync, applies)"},
		{&mtBadAnyType{}, "wbxml: invalid tag in field Rest of type wbxml.mtBadAnyType: an any field must have type []*wbxml.Node, not []wbxml.Node"},
		{&mtBadAnyName{}, "wbxml: invalid tag in field Rest of type wbxml.mtBadAnyName: an any field takes no element name"},
		{&mtBadTwoAny{}, "wbxml: invalid tag in field More of type wbxml.mtBadTwoAny: a second any field (the first is Rest)"},
		{&mtBadCharData{}, "wbxml: invalid tag in field Text of type wbxml.mtBadCharData: a chardata field must be a string or []byte, not int"},
		{&mtBadNoName{}, "wbxml: invalid tag in field Subject of type wbxml.mtBadNoName: missing element name"},
		{&mtBadNameType{}, "wbxml: invalid tag in field WBXMLName of type wbxml.mtBadNameType: WBXMLName must have type wbxml.Name, not string"},
		{&mtBadNameUnqualified{}, `wbxml: invalid tag in field WBXMLName of type wbxml.mtBadNameUnqualified: WBXMLName takes a qualified element name (Namespace:Name) and no options, not "Sync"`},
		{&mtBadType{}, "wbxml: invalid tag in field Map of type wbxml.mtBadType: unsupported type map[string]int"},
		{&mtBadUnexported{}, "wbxml: invalid tag in field key of type wbxml.mtBadUnexported: tagged field is not exported"},
		{&mtBadInterface{}, "wbxml: invalid tag in field Any of type wbxml.mtBadInterface: unsupported type interface {} (interfaces cannot be unmarshaled)"},
		{&mtBadEmbeddedPointer{}, "wbxml: invalid tag in field mtCommon of type wbxml.mtBadEmbeddedPointer: embedded pointer *wbxml.mtCommon is not supported; embed the struct itself or give the field a tag"},
	}
	doc := mtHex(`03 01 6A 00 45 4B 03 "1" 00 01 01`)
	for _, tt := range tests {
		_, err := Marshal(tt.value)
		if err == nil || err.Error() != tt.want {
			t.Errorf("Marshal(%T):\n got %v\nwant %s", tt.value, err, tt.want)
			continue
		}
		var te *TagError
		if !errors.As(err, &te) || te.Type != reflect.TypeOf(tt.value).Elem() {
			t.Errorf("Marshal(%T): error %#v is not a *TagError for the type", tt.value, err)
		}
		// Reported once per type: the same error every time.
		if _, err2 := Marshal(tt.value); err2 != err {
			t.Errorf("Marshal(%T) again: %v, not the cached error", tt.value, err2)
		}
		if err := Unmarshal(doc, tt.value); err == nil || err.Error() != tt.want {
			t.Errorf("Unmarshal(%T):\n got %v\nwant %s", tt.value, err, tt.want)
		}
	}
}

type mtLegacy struct {
	WBXMLName Name   `wbxml:"AirSync:Sync"`
	Version   string `wbxml:"AirSync:Version,omitempty"`
}

func TestMarshalLegacy(t *testing.T) {
	if _, err := Marshal(&mtLegacy{Version: "2.5"}); err == nil || !strings.Contains(err.Error(), "legacy tag AirSync:Version") {
		t.Errorf("Marshal of a legacy element: %v", err)
	}
	if _, err := Marshal(&mtLegacy{}); err != nil {
		t.Errorf("Marshal without the legacy element: %v", err)
	}
	// A lenient decoder reads it.
	d := NewBytesDecoder(mtHex(`03 01 6A 00 45 51 03 "2.5" 00 01 01`))
	d.Lenient = true
	var v mtLegacy
	if err := d.Decode(&v); err != nil || v.Version != "2.5" {
		t.Errorf("lenient Decode: %v %+v", err, v)
	}
}

func TestUnmarshalErrors(t *testing.T) {
	tests := []struct {
		name  string
		in    []byte
		value any
		want  string
	}{
		{"wrong root", mtHex(`03 01 6A 00 00 0D 45 48 03 "80" 00 01 01`), &mtSync{},
			"wbxml: offset 6: expected element AirSync:Sync for wbxml.mtSync, found Ping:Ping (in Ping:Ping)"},
		{"bad number", mtHex(`03 01 6A 00 45 4E 03 "abc" 00 01 01`), &mtScalars{},
			`wbxml: offset 6: element AirSync:Status: cannot unmarshal "abc" into int8: invalid syntax (in AirSync:Sync/AirSync:Status)`},
		{"overflow", mtHex(`03 01 6A 00 45 4B 03 "1" 00 01 4E 03 "300" 00 01 01`), &mtScalars{},
			`wbxml: offset 11: element AirSync:Status: cannot unmarshal "300" into int8: value out of range (in AirSync:Sync/AirSync:Status)`},
		{"negative unsigned", mtHex(`03 01 6A 00 45 55 03 "-1" 00 01 01`), &mtScalars{},
			`wbxml: offset 6: element AirSync:WindowSize: cannot unmarshal "-1" into uint64: invalid syntax (in AirSync:Sync/AirSync:WindowSize)`},
		{"bad bool", mtHex(`03 01 6A 00 45 66 03 "yes" 00 01 01`), &mtScalars{},
			`wbxml: offset 6: element AirSync:Partial: cannot unmarshal "yes" into bool: want "1", "0", "true" or "false" (in AirSync:Sync/AirSync:Partial)`},
		{"bad float", mtHex(`03 01 6A 00 45 64 03 "x" 00 01 01`), &mtScalars{},
			`wbxml: offset 6: element AirSync:Wait: cannot unmarshal "x" into float64: invalid syntax (in AirSync:Sync/AirSync:Wait)`},
		{"bad text", mtHex(`03 01 6A 00 00 02 4F 4F 03 "soon" 00 01 01`), &mtDated{},
			`wbxml: offset 8: element Email:DateReceived: cannot unmarshal "soon" into wbxml.mtDate: expected integer (in Email:DateReceived/Email:DateReceived)`},
		{"trailing data", append(mtHex(`03 01 6A 00 05`), 0x05), &mtOmit{},
			"wbxml: offset 5: data after the root element"},
		{"not a pointer", mtHex(`03 01 6A 00 05`), mtOmit{},
			"wbxml: cannot unmarshal into wbxml.mtOmit: need a non-nil pointer"},
		{"nil pointer", mtHex(`03 01 6A 00 05`), (*mtOmit)(nil),
			"wbxml: cannot unmarshal into *wbxml.mtOmit: need a non-nil pointer"},
		{"interface", mtHex(`03 01 6A 00 05`), new(any),
			"wbxml: cannot unmarshal element AirSync:Sync into interface {}"},
		{"unknown token", mtHex(`03 01 6A 00 45 3F 01`), &mtOmit{},
			"wbxml: offset 5: unknown token 0x3F on code page 0 (AirSync) (in AirSync:Sync)"},
	}
	for _, tt := range tests {
		err := Unmarshal(tt.in, tt.value)
		if err == nil || err.Error() != tt.want {
			t.Errorf("%s:\n got %v\nwant %s", tt.name, err, tt.want)
		}
	}
	var ue *UnmarshalError
	if err := Unmarshal(tests[2].in, &mtScalars{}); !errors.As(err, &ue) || ue.Offset != 11 || ue.Err == nil {
		t.Errorf("overflow error: %#v", err)
	}
}

func TestUnmarshalTruncated(t *testing.T) {
	docs := [][]byte{mtSpecSync, mtCase("opaque"), mtCase("Node fields")}
	for _, doc := range docs {
		for n := 0; n < len(doc); n++ {
			for _, v := range []any{&mtSync{}, &mtSendMail{}, &mtRaw{}, &mt6Sync{}, &mtPartialItem{}} {
				err := Unmarshal(doc[:n], v)
				if err == nil {
					t.Errorf("Unmarshal(%T) of %d of %d bytes: no error", v, n, len(doc))
					continue
				}
				var se *SyntaxError
				if errors.As(err, &se) && !errors.Is(err, io.ErrUnexpectedEOF) {
					t.Errorf("Unmarshal(%T) of %d of %d bytes: %v is not ErrUnexpectedEOF", v, n, len(doc), err)
				}
			}
		}
	}
}

// Unmarshal must never panic, whatever the input.
func TestUnmarshalGarbage(t *testing.T) {
	seeds := [][]byte{mtSpecSync, mtCase("scalars"), mtCase("opaque"), mtCase("Marshaler and Unmarshaler"), mtCase("TextMarshaler")}
	for _, seed := range seeds {
		for i := 4; i < len(seed); i++ {
			for _, b := range []byte{0x00, 0x01, 0x03, 0x45, 0x4E, 0xC3, 0xFF} {
				doc := bytes.Clone(seed)
				doc[i] = b
				for _, v := range []any{&mtSync{}, &mtScalars{}, &mtSendMail{}, &mtRaw{}, &mtOrdered{}, &mtDated{}, &mtCharData{}} {
					_ = Unmarshal(doc, v)
				}
			}
		}
	}
}

type mtLazy struct{}

func (*mtLazy) UnmarshalWBXML(d *Decoder, start Token) error { return nil }

type mtGreedy struct{}

func (*mtGreedy) UnmarshalWBXML(d *Decoder, start Token) error {
	if err := d.Skip(); err != nil {
		return err
	}
	_, err := d.Token()
	return err
}

type mtUnclosed struct{}

func (mtUnclosed) MarshalWBXML(e *Encoder, t *Tag) error {
	e.Start(t)
	return nil
}

type mtFailing struct{}

func (mtFailing) MarshalWBXML(e *Encoder, t *Tag) error { return errors.New("no way") }

func TestCustomMarshalerChecks(t *testing.T) {
	doc := mtHex(`03 01 6A 00 45 56 47 01 01 4B 03 "1" 00 01 01`)
	var lazy struct {
		WBXMLName Name   `wbxml:"AirSync:Sync"`
		Commands  mtLazy `wbxml:"Commands"`
	}
	err := Unmarshal(doc, &lazy)
	if err == nil || err.Error() != "wbxml: *wbxml.mtLazy.UnmarshalWBXML did not consume entire element AirSync:Commands" {
		t.Errorf("lazy Unmarshaler: %v", err)
	}
	var greedy struct {
		WBXMLName Name     `wbxml:"AirSync:Sync"`
		Commands  mtGreedy `wbxml:"Commands"`
	}
	// The element is fenced: reading past its end gives io.EOF, so a
	// greedy Unmarshaler cannot swallow what follows.
	err = Unmarshal(doc, &greedy)
	if !errors.Is(err, io.EOF) {
		t.Errorf("greedy Unmarshaler: %v", err)
	}

	var unclosed struct {
		WBXMLName Name       `wbxml:"AirSync:Sync"`
		Commands  mtUnclosed `wbxml:"Commands"`
	}
	if _, err := Marshal(&unclosed); err == nil || err.Error() != "wbxml: wbxml.mtUnclosed.MarshalWBXML left 1 element(s) open" {
		t.Errorf("unclosed Marshaler: %v", err)
	}
	var failing struct {
		WBXMLName Name      `wbxml:"AirSync:Sync"`
		Commands  mtFailing `wbxml:"Commands"`
	}
	if _, err := Marshal(&failing); err == nil || err.Error() != "no way" {
		t.Errorf("failing Marshaler: %v", err)
	}
}

func TestMarshalErrors(t *testing.T) {
	type noName struct {
		Key string `wbxml:"AirSync:SyncKey"`
	}
	type conflict struct {
		WBXMLName Name   `wbxml:"AirSync:Sync"`
		Ping      mtPing `wbxml:"AirSync:Collection"`
	}
	tests := []struct {
		value any
		want  string
	}{
		{&noName{}, "wbxml: cannot marshal wbxml.noName: no element name (give the struct a WBXMLName field, or marshal it as a tagged field)"},
		{42, "wbxml: cannot marshal int: no element name (give the struct a WBXMLName field, or marshal it as a tagged field)"},
		{&conflict{}, "wbxml: cannot marshal wbxml.mtPing as element AirSync:Collection: its WBXMLName is Ping:Ping"},
		{&mtScalars{Key: "a\x00b"}, "wbxml: encode: text in AirSync:SyncKey contains a NUL byte at 1; inline strings cannot hold one"},
		{&Node{}, "wbxml: cannot marshal a Node without a Tag as the root"},
		{nil, "wbxml: encode: no root element"},
	}
	for _, tt := range tests {
		if _, err := Marshal(tt.value); err == nil || err.Error() != tt.want {
			t.Errorf("Marshal(%T):\n got %v\nwant %s", tt.value, err, tt.want)
		}
	}
}

type mtAdd struct {
	WBXMLName Name   `wbxml:"AirSync:Add"`
	ServerID  string `wbxml:"ServerId"`
	Class     string `wbxml:"Class,omitempty"`
}

// TestEncodeDecodeElement writes items one by one inside an open element
// with Encode, and reads them back one by one with Token and DecodeElement,
// as the Sync handler walks <Commands>.
func TestEncodeDecodeElement(t *testing.T) {
	var buf bytes.Buffer
	e := NewEncoder(&buf)
	e.Start(mtTag("AirSync", "Commands"))
	for i := range 3 {
		if err := e.Encode(&mtAdd{ServerID: fmt.Sprint("1:", i)}); err != nil {
			t.Fatal(err)
		}
	}
	e.Encode(NewElement(mtTag("AirSync", "Fetch"), NewText(mtTag("AirSync", "ServerId"), "9")))
	e.End()
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}
	want := mtHex(`03 01 6A 00 56 47 4D 03 "1:0" 00 01 01 47 4D 03 "1:1" 00 01 01 47 4D 03 "1:2" 00 01 01 4A 4D 03 "9" 00 01 01 01`)
	if !bytes.Equal(buf.Bytes(), want) {
		t.Fatalf("Encode:\n got % X\nwant % X", buf.Bytes(), want)
	}

	d := NewDecoder(iotest.HalfReader(bytes.NewReader(want)))
	if tok, err := d.Token(); err != nil || tok.Tag != mtTag("AirSync", "Commands") {
		t.Fatalf("first token %v %v", tok, err)
	}
	var got []string
	for {
		tok, err := d.Token()
		if err != nil {
			t.Fatal(err)
		}
		if tok.Kind == EndElement {
			break
		}
		switch tok.Tag.Name {
		case "Add":
			var a mtAdd
			if err := d.DecodeElement(&a, tok); err != nil {
				t.Fatal(err)
			}
			got = append(got, "Add "+a.ServerID)
		default:
			var n Node
			if err := d.DecodeElement(&n, tok); err != nil {
				t.Fatal(err)
			}
			got = append(got, n.Tag.Name+" "+n.Find(mtTag("AirSync", "ServerId")).Text())
		}
	}
	if s := strings.Join(got, ", "); s != "Add 1:0, Add 1:1, Add 1:2, Fetch 9" {
		t.Errorf("decoded %s", s)
	}
	if _, err := d.Token(); err != io.EOF {
		t.Errorf("after the root: %v", err)
	}

	// Decode reads the next element, skipping into it; at the end of the
	// enclosing element it says so; at the end of the document, io.EOF.
	d = NewBytesDecoder(want)
	d.Token() // Commands
	var a mtAdd
	for i := 0; i < 3; i++ {
		if err := d.Decode(&a); err != nil || a.ServerID != fmt.Sprint("1:", i) {
			t.Fatalf("Decode %d: %v %+v", i, err, a)
		}
	}
	var n *Node
	if err := d.Decode(&n); err != nil || n.Tag.Name != "Fetch" {
		t.Fatalf("Decode of the Fetch: %v", err)
	}
	if err := d.Decode(&a); err == nil || err.Error() != "wbxml: offset 39: no element to decode: AirSync:Commands ended" {
		t.Errorf("Decode at the end of Commands: %v", err)
	}
	if err := d.Decode(&a); err != io.EOF {
		t.Errorf("Decode at the end of the document: %v", err)
	}
	if err := d.DecodeElement(&a, Token{Kind: Text}); err == nil {
		t.Errorf("DecodeElement of a Text token: no error")
	}
}

func TestUnmarshalIntoExisting(t *testing.T) {
	// Slices append; other fields are overwritten; absent fields are left
	// alone, as with encoding/xml.
	v := mtScalars{Key: "old", Classes: []string{"Tasks"}, Limit: intPtr(7)}
	if err := Unmarshal(mtHex(`03 01 6A 00 45 4B 03 "new" 00 01 50 03 "Email" 00 01 01`), &v); err != nil {
		t.Fatal(err)
	}
	if v.Key != "new" || !reflect.DeepEqual(v.Classes, []string{"Tasks", "Email"}) || *v.Limit != 7 {
		t.Errorf("got %+v", v)
	}
	// Decode into a root that is not a struct.
	var s string
	if err := Unmarshal(mtHex(`03 01 6A 00 4B 03 "k" 00 01`), &s); err != nil || s != "k" {
		t.Errorf("string root: %q %v", s, err)
	}
	var list []int
	if err := Unmarshal(mtHex(`03 01 6A 00 4E 03 "3" 00 01`), &list); err != nil || !reflect.DeepEqual(list, []int{3}) {
		t.Errorf("slice root: %v %v", list, err)
	}
	// A struct without a WBXMLName reads any root, its relative names
	// resolved against it.
	var c mtClassOnly
	if err := Unmarshal(mtHex(`03 01 6A 00 00 0D 4A 4C 03 "Email" 00 01 01`), &c); err != nil || c.Class != "Email" {
		t.Errorf("nameless struct: %+v %v", c, err)
	}
}

// TestMarshalConcurrent resolves the same types from many goroutines (run
// with -race).
func TestMarshalConcurrent(t *testing.T) {
	type fresh struct {
		Class string `wbxml:"Class"`
	}
	type outer struct {
		WBXMLName Name  `wbxml:"AirSync:Sync"`
		A         fresh `wbxml:"Collection"`
		B         fresh `wbxml:"Ping:Folder"`
	}
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := 0; j < 50; j++ {
				b, err := Marshal(&outer{A: fresh{"a"}, B: fresh{"b"}})
				if err != nil {
					t.Error(err)
					return
				}
				var o outer
				if err := Unmarshal(b, &o); err != nil || o.A.Class != "a" || o.B.Class != "b" {
					t.Error(err, o)
					return
				}
			}
		}()
	}
	wg.Wait()
}

type mtNumbers struct {
	WBXMLName         Name `wbxml:"Ping:Ping"`
	Status            int  `wbxml:"Status"`
	HeartbeatInterval int  `wbxml:"HeartbeatInterval"`
	MaxFolders        uint `wbxml:"MaxFolders,omitempty"`
}

func TestMarshalAllocations(t *testing.T) {
	if testing.Short() {
		t.Skip("allocation counts")
	}
	doc := mtHex(`03 01 6A 00 00 0D 45 47 03 "1" 00 01 48 03 "80" 00 01 01`)
	var v mtNumbers
	// No allocation per token: a reused decoder and encoder allocate
	// nothing for a struct of numbers.
	d := NewBytesDecoder(nil)
	if n := testing.AllocsPerRun(100, func() {
		d.Reset(doc)
		if err := d.Decode(&v); err != nil {
			t.Fatal(err)
		}
	}); n != 0 {
		t.Errorf("Decode of numbers: %v allocations, want 0", n)
	}
	e := NewEncoder(nil)
	if n := testing.AllocsPerRun(100, func() {
		e.Reset(nil)
		if err := e.Encode(&v); err != nil {
			t.Fatal(err)
		}
	}); n != 0 {
		t.Errorf("Encode of numbers: %v allocations, want 0", n)
	}
	if !bytes.Equal(e.Bytes(), doc) {
		t.Errorf("Encode: % X", e.Bytes())
	}
	// Unmarshal and Marshal pool their decoders and encoders: Marshal
	// allocates the result. (Loose bounds: the race detector drops pooled
	// items on purpose.)
	if n := testing.AllocsPerRun(100, func() {
		if err := Unmarshal(doc, &v); err != nil {
			t.Fatal(err)
		}
	}); n > 1 {
		t.Errorf("Unmarshal of numbers: %v allocations, want 0", n)
	}
	if n := testing.AllocsPerRun(100, func() {
		if _, err := Marshal(&v); err != nil {
			t.Fatal(err)
		}
	}); n > 2 {
		t.Errorf("Marshal of numbers: %v allocations, want 1 (the result)", n)
	}
	// Strings cost their own allocation and nothing more.
	var p mtPing
	ping := mtCase("Ping request (plync)")
	if n := testing.AllocsPerRun(100, func() {
		p = mtPing{}
		d.Reset(ping)
		if err := d.Decode(&p); err != nil {
			t.Fatal(err)
		}
	}); n > 3 {
		t.Errorf("Decode of a Ping: %v allocations, want at most 3 (Folders, the Folder slice, \"Email\")", n)
	}
}

func BenchmarkUnmarshalSync(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		var s mtSync
		if err := Unmarshal(mtSpecSync, &s); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkMarshalSync(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Marshal(mtSpecSyncValue); err != nil {
			b.Fatal(err)
		}
	}
}

// FuzzUnmarshal checks that Unmarshal never panics and that what it accepts
// marshals again, reads back and marshals to the same bytes.
func FuzzUnmarshal(f *testing.F) {
	for _, tt := range marshalTests {
		f.Add(tt.Expect)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		for _, v := range []any{&mtSync{}, &mtScalars{}, &mtSendMail{}, &mtRaw{}, &mtOrdered{}, &mtDated{}, &mtCharData{}, &mt6Sync{}} {
			if Unmarshal(b, v) != nil {
				continue
			}
			out, err := Marshal(v)
			if err != nil {
				continue // e.g. text with a NUL that came in as OPAQUE
			}
			v2 := reflect.New(reflect.TypeOf(v).Elem()).Interface()
			if err := Unmarshal(out, v2); err != nil {
				t.Fatalf("%T: re-marshaled % X does not unmarshal: %v", v, out, err)
			}
			// Compared as bytes, not with DeepEqual: NaN != NaN.
			if out2, err := Marshal(v2); err != nil || !bytes.Equal(out, out2) {
				t.Fatalf("%T: round trip changed % X\nto % X (%v)", v, out, out2, err)
			}
		}
	})
}
