package eas

import (
	"bytes"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/easlab/easlab/wbxml"
)

// The class of each corpus collection, by CollectionId.
var corpusCollectionClass = map[string]func() any{
	"1":  func() any { return new(Calendar) },
	"2":  func() any { return new(Contact) },
	"4":  func() any { return new(Email) },
	"5":  func() any { return new(Email) },
	"8":  func() any { return new(Note) },
	"11": func() any { return new(Task) },
	"13": func() any { return new(Contact) },
}

type corpusItem struct {
	name   string // where it is, for messages
	node   *wbxml.Node
	newV   func() any
	server bool // written by a server: its order is the canonical one
}

// corpusItems collects the ApplicationData of every Sync document of the
// corpus and the Properties of every Search, ItemOperations and Find
// result.
func corpusItems(t *testing.T) []corpusItem {
	t.Helper()
	files := corpusFiles(t)
	var nums []string
	for num := range files {
		nums = append(nums, num)
	}
	sort.Strings(nums)
	var items []corpusItem
	for _, num := range nums {
		newMsg, ok := corpusTypes[num]
		if !ok {
			continue
		}
		base := filepath.Base(files[num])
		msg := newMsg()
		if err := wbxml.Unmarshal(corpusWBXML(t, files[num]), msg); err != nil {
			t.Fatalf("%s: %v", base, err)
		}
		server := strings.Contains(base, "-response")
		var colls *SyncCollections
		switch m := msg.(type) {
		case *SyncRequest:
			colls = m.Collections
		case *SyncResponse:
			colls = m.Collections
		case *SearchResponse:
			for i, r := range m.Response.Store.Result {
				var newV func() any
				switch {
				case r.Class == "Email":
					newV = func() any { return new(Email) }
				case strings.Contains(base, "gal"):
					newV = func() any { return new(GALProperties) }
				default:
					newV = func() any { return new(DocumentLibraryProperties) }
				}
				items = append(items, corpusItem{name: base + " result " + string(rune('0'+i)), node: r.Properties, newV: newV, server: true})
			}
		case *FindResponse:
			for i, r := range m.Response.Result {
				newV := func() any { return new(GALProperties) }
				if r.Class == "Email" {
					newV = func() any { return new(FindProperties) }
				}
				items = append(items, corpusItem{name: base + " result " + string(rune('0'+i)), node: r.Properties, newV: newV, server: true})
			}
		case *ItemOperationsResponse:
			for i, r := range m.Response.Results {
				if r.Fetch == nil || r.Fetch.Properties == nil {
					continue
				}
				newV := func() any { return new(FetchProperties) }
				if r.Fetch.Class == "Email" {
					newV = func() any { return new(Email) }
				}
				items = append(items, corpusItem{name: base + " fetch " + string(rune('0'+i)), node: r.Fetch.Properties, newV: newV, server: true})
			}
		}
		if colls == nil {
			continue
		}
		for _, c := range colls.Collection {
			newV := corpusCollectionClass[c.CollectionId]
			if newV == nil {
				t.Fatalf("%s: collection %s has no class", base, c.CollectionId)
			}
			for _, list := range []SyncCommands{c.Commands, c.Responses} {
				for _, cmd := range list {
					if cmd.ApplicationData == nil {
						continue
					}
					id := cmd.ServerId
					if id == "" {
						id = cmd.ClientId
					}
					items = append(items, corpusItem{name: base + " " + cmd.Kind.String() + " " + id, node: cmd.ApplicationData, newV: newV, server: server})
				}
			}
		}
	}
	return items
}

// TestCorpusItems: every item of the corpus decodes with every element
// named by a field, and re-encodes to the same bytes. Items that clients
// wrote, whose order varies from client to client, must decode to the same
// value again after re-encoding.
func TestCorpusItems(t *testing.T) {
	items := corpusItems(t)
	seen := map[string]int{}
	for _, it := range items {
		v := it.newV()
		seen[reflect.TypeOf(v).Elem().Name()]++
		if err := DecodeItem(it.node, v); err != nil {
			t.Errorf("%s: DecodeItem: %v", it.name, err)
			continue
		}
		for _, c := range caughtElements(reflect.ValueOf(v), reflect.TypeOf(v).Elem().Name()) {
			t.Errorf("%s: element not named by a field: %s", it.name, c)
		}
		n, err := EncodeItemAs(it.node.Tag, v)
		if err != nil {
			t.Errorf("%s: EncodeItem: %v", it.name, err)
			continue
		}
		want, _ := it.node.MarshalBinary()
		got, _ := n.MarshalBinary()
		if it.server {
			if !bytes.Equal(got, want) {
				t.Errorf("%s: EncodeItem(DecodeItem(n)) differs from n.\ngot:\n%s\nwant:\n%s", it.name, toXML(got), toXML(want))
			}
			continue
		}
		again := it.newV()
		if err := DecodeItem(n, again); err != nil {
			t.Errorf("%s: DecodeItem of the re-encoded item: %v", it.name, err)
		} else if !reflect.DeepEqual(again, v) {
			t.Errorf("%s: item changed through EncodeItem", it.name)
		}
	}
	for _, class := range []string{"Email", "Calendar", "Contact", "Task", "Note", "GALProperties", "DocumentLibraryProperties", "FindProperties", "FetchProperties"} {
		if seen[class] == 0 {
			t.Errorf("no corpus item of class %s", class)
		}
	}
}

// TestEncodeItem builds items in Go and checks their encoding.
func TestEncodeItem(t *testing.T) {
	n, err := EncodeItem(&Email{
		Subject: "Hi",
		Read:    new(false),
		Body:    &Body{Type: BodyTypePlainText, EstimatedDataSize: new(2), Data: "Yo"},
		Flag:    &Flag{},
	})
	if err != nil {
		t.Fatal(err)
	}
	if n.Tag != applicationDataTag {
		t.Fatalf("EncodeItem made a %s", n.Tag)
	}
	b, err := n.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	// ApplicationData, page 2 Subject "Hi", Read "0", page 17 Body (Type 1,
	// EstimatedDataSize 2, Data "Yo"), page 2 empty Flag.
	want := []byte{
		0x03, 0x01, 0x6A, 0x00,
		0x5D,
		0x00, 0x02, 0x54, 0x03, 'H', 'i', 0x00, 0x01,
		0x55, 0x03, '0', 0x00, 0x01,
		0x00, 0x11, 0x4A, 0x46, 0x03, '1', 0x00, 0x01, 0x4C, 0x03, '2', 0x00, 0x01, 0x4B, 0x03, 'Y', 'o', 0x00, 0x01, 0x01,
		0x00, 0x02, 0x3A,
		0x01,
	}
	if !bytes.Equal(b, want) {
		t.Errorf("got  % X\nwant % X\n%s", b, want, toXML(b))
	}

	var back Email
	if err := DecodeItem(n, &back); err != nil {
		t.Fatal(err)
	}
	if back.Subject != "Hi" || back.Read == nil || *back.Read || back.Flag == nil || back.Body.Data != "Yo" {
		t.Errorf("DecodeItem: %+v", back)
	}

	for _, tt := range []struct {
		f     func(any) (*wbxml.Node, error)
		v     any
		want  string
		count int
	}{
		{NewFetchResultProperties, &FetchProperties{ContentType: "text/plain", Data: "aGk="}, "ItemOperations:Properties", 2},
		{NewSearchResultProperties, &GALProperties{DisplayName: "Sato, Kenji"}, "Search:Properties", 1},
		{NewFindResultProperties, &FindProperties{Subject: "Hi", DisplayCc: new("")}, "Find:Properties", 2},
	} {
		n, err := tt.f(tt.v)
		if err != nil || n.Tag.String() != tt.want || len(n.Elements()) != tt.count {
			t.Errorf("%T: %v, %v", tt.v, n, err)
		}
	}

	if _, err := EncodeItem(nil); err == nil {
		t.Error("EncodeItem(nil) succeeded")
	}
	if _, err := EncodeItem(42); err == nil {
		t.Error("EncodeItem(42) succeeded")
	}
	if err := DecodeItem(&wbxml.Node{}, &back); err == nil {
		t.Error("DecodeItem of a content node succeeded")
	}
}

func TestDates(t *testing.T) {
	want := time.Date(2026, 11, 23, 9, 30, 0, 0, time.UTC)
	if got := FormatDate(want); got != "2026-11-23T09:30:00.000Z" {
		t.Errorf("FormatDate = %s", got)
	}
	if got := FormatCompactDate(want.In(time.FixedZone("CET", 3600))); got != "20261123T093000Z" {
		t.Errorf("FormatCompactDate = %s", got)
	}
	for _, s := range []string{"2026-11-23T09:30:00.000Z", "20261123T093000Z", "2026-11-23T09:30:00Z", "2026-11-23T10:30:00+01:00"} {
		got, err := ParseDate(s)
		if err != nil || !got.Equal(want) || got.Location() != time.UTC {
			t.Errorf("ParseDate(%q) = %v, %v", s, got, err)
		}
	}
	for _, s := range []string{"", "2026-11-23", "20261123T0930Z", "yesterday"} {
		if _, err := ParseDate(s); err == nil {
			t.Errorf("ParseDate(%q) succeeded", s)
		}
	}
}
