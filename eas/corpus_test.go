package eas

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/easlab/easlab/wbxml"
)

const corpusDir = "../wbxml/testdata/corpus"

// corpusTypes maps every corpus document (by its number) to the message
// type it is an instance of. 88 and 89 (EAS 2.5) and 90 (AirNotify) are
// left out: the types model 12.0 and later.
var corpusTypes = map[string]func() any{
	"01": func() any { return new(FolderSyncRequest) },
	"02": func() any { return new(FolderSyncResponse) },
	"03": func() any { return new(FolderSyncRequest) },
	"04": func() any { return new(FolderSyncResponse) },
	"05": func() any { return new(FolderCreateRequest) },
	"06": func() any { return new(FolderCreateResponse) },
	"07": func() any { return new(FolderUpdateRequest) },
	"08": func() any { return new(FolderUpdateResponse) },
	"09": func() any { return new(FolderDeleteRequest) },
	"10": func() any { return new(FolderDeleteResponse) },
	"11": func() any { return new(GetHierarchyResponse) },
	"12": func() any { return new(SyncRequest) },
	"13": func() any { return new(SyncResponse) },
	"14": func() any { return new(SyncRequest) },
	"15": func() any { return new(SyncResponse) },
	"16": func() any { return new(SyncResponse) },
	"17": func() any { return new(SyncRequest) },
	"18": func() any { return new(SyncResponse) },
	"19": func() any { return new(SyncResponse) },
	"20": func() any { return new(SyncResponse) },
	"21": func() any { return new(SyncRequest) },
	"22": func() any { return new(SyncResponse) },
	"23": func() any { return new(SyncResponse) },
	"24": func() any { return new(SyncResponse) },
	"25": func() any { return new(SyncRequest) },
	"26": func() any { return new(SyncRequest) },
	"27": func() any { return new(SyncResponse) },
	"28": func() any { return new(SyncRequest) },
	"29": func() any { return new(SyncResponse) },
	"30": func() any { return new(SyncRequest) },
	"31": func() any { return new(SyncResponse) },
	"32": func() any { return new(SyncResponse) },
	"33": func() any { return new(GetItemEstimateRequest) },
	"34": func() any { return new(GetItemEstimateResponse) },
	"35": func() any { return new(GetItemEstimateRequest) },
	"36": func() any { return new(PingRequest) },
	"37": func() any { return new(PingResponse) },
	"38": func() any { return new(PingResponse) },
	"39": func() any { return new(PingResponse) },
	"40": func() any { return new(ProvisionRequest) },
	"41": func() any { return new(ProvisionResponse) },
	"42": func() any { return new(ProvisionRequest) },
	"43": func() any { return new(ProvisionResponse) },
	"44": func() any { return new(ProvisionResponse) },
	"45": func() any { return new(ProvisionRequest) },
	"46": func() any { return new(ProvisionResponse) },
	"47": func() any { return new(ProvisionRequest) },
	"48": func() any { return new(SettingsRequest) },
	"49": func() any { return new(SettingsResponse) },
	"50": func() any { return new(SettingsRequest) },
	"51": func() any { return new(SettingsResponse) },
	"52": func() any { return new(SettingsRequest) },
	"53": func() any { return new(SettingsResponse) },
	"54": func() any { return new(SettingsRequest) },
	"55": func() any { return new(SettingsResponse) },
	"56": func() any { return new(SettingsRequest) },
	"57": func() any { return new(SettingsResponse) },
	"58": func() any { return new(SearchRequest) },
	"59": func() any { return new(SearchResponse) },
	"60": func() any { return new(SearchRequest) },
	"61": func() any { return new(SearchRequest) },
	"62": func() any { return new(SearchResponse) },
	"63": func() any { return new(SearchRequest) },
	"64": func() any { return new(SearchResponse) },
	"65": func() any { return new(ItemOperationsRequest) },
	"66": func() any { return new(ItemOperationsResponse) },
	"67": func() any { return new(ItemOperationsResponse) },
	"68": func() any { return new(ItemOperationsRequest) },
	"69": func() any { return new(ItemOperationsResponse) },
	"70": func() any { return new(MoveItemsRequest) },
	"71": func() any { return new(MoveItemsResponse) },
	"72": func() any { return new(MeetingResponseRequest) },
	"73": func() any { return new(MeetingResponseResponse) },
	"74": func() any { return new(MeetingResponseRequest) },
	"75": func() any { return new(SendMailRequest) },
	"76": func() any { return new(SmartReplyRequest) },
	"77": func() any { return new(SmartForwardRequest) },
	"78": func() any { return new(SmartForwardRequest) },
	"79": func() any { return new(SendMailResponse) },
	"80": func() any { return new(ResolveRecipientsRequest) },
	"81": func() any { return new(ResolveRecipientsResponse) },
	"82": func() any { return new(ValidateCertRequest) },
	"83": func() any { return new(ValidateCertResponse) },
	"84": func() any { return new(FindRequest) },
	"85": func() any { return new(FindResponse) },
	"86": func() any { return new(FindRequest) },
	"87": func() any { return new(FindResponse) },
}

// corpusSkipped are the documents no message type covers.
var corpusSkipped = map[string]string{
	"88": "EAS 2.5",
	"89": "EAS 2.5",
	"90": "legacy AirNotify page",
}

// corpusFiles returns the corpus documents by number.
func corpusFiles(t *testing.T) map[string]string {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join(corpusDir, "*.xml"))
	if err != nil {
		t.Fatal(err)
	}
	files := map[string]string{}
	for _, p := range paths {
		num, _, _ := strings.Cut(filepath.Base(p), "-")
		files[num] = p
	}
	if len(files) < 90 {
		t.Fatalf("corpus has %d documents, want 90", len(files))
	}
	return files
}

// corpusWBXML encodes a corpus document.
func corpusWBXML(t *testing.T, path string) []byte {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var buf bytes.Buffer
	if err := wbxml.EncodeXML(&buf, f); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return buf.Bytes()
}

func toXML(b []byte) string {
	var buf strings.Builder
	if err := wbxml.WriteXML(&buf, wbxml.NewBytesDecoder(b)); err != nil {
		return "(invalid WBXML: " + err.Error() + ")"
	}
	return buf.String()
}

// caughtElements returns the paths of the elements that landed in a
// catch-all (`wbxml:",any"`) field anywhere in v. Raw *wbxml.Node fields
// such as ApplicationData are not catch-alls and are not searched.
func caughtElements(v reflect.Value, path string) []string {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			return nil
		}
		if v.Type() == reflect.TypeFor[*wbxml.Node]() {
			return nil
		}
		return caughtElements(v.Elem(), path)
	case reflect.Slice:
		if v.Type().Elem().Kind() == reflect.Uint8 || v.Type() == reflect.TypeFor[TagList]() {
			return nil
		}
		var out []string
		for i := 0; i < v.Len(); i++ {
			out = append(out, caughtElements(v.Index(i), path)...)
		}
		return out
	case reflect.Struct:
		var out []string
		t := v.Type()
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			if !f.IsExported() {
				continue
			}
			fv := v.Field(i)
			if f.Tag.Get("wbxml") == ",any" || (f.Name == "Extra" && f.Type == reflect.TypeFor[[]*wbxml.Node]()) {
				for _, n := range fv.Interface().([]*wbxml.Node) {
					out = append(out, path+"."+f.Name+": "+n.Tag.String())
				}
				continue
			}
			out = append(out, caughtElements(fv, path+"."+f.Name)...)
		}
		return out
	}
	return nil
}

// TestCorpusMessages: every corpus document unmarshals into its message
// type with every element named by a field, and marshals back to the same
// bytes.
func TestCorpusMessages(t *testing.T) {
	files := corpusFiles(t)
	var nums []string
	for num := range files {
		nums = append(nums, num)
	}
	sort.Strings(nums)
	for _, num := range nums {
		path := files[num]
		newMsg, ok := corpusTypes[num]
		if !ok {
			if _, skip := corpusSkipped[num]; !skip {
				t.Errorf("%s: no message type", filepath.Base(path))
			}
			continue
		}
		t.Run(filepath.Base(path), func(t *testing.T) {
			in := corpusWBXML(t, path)
			msg := newMsg()
			if err := wbxml.Unmarshal(in, msg); err != nil {
				t.Fatalf("Unmarshal into %T: %v", msg, err)
			}
			for _, c := range caughtElements(reflect.ValueOf(msg), reflect.TypeOf(msg).Elem().Name()) {
				t.Errorf("element not named by a field: %s", c)
			}
			out, err := wbxml.Marshal(msg)
			if err != nil {
				t.Fatalf("Marshal %T: %v", msg, err)
			}
			if !bytes.Equal(out, in) {
				t.Errorf("Marshal(Unmarshal(d)) differs from d.\ngot:\n%s\nwant:\n%s", toXML(out), toXML(in))
			}
		})
	}
}
