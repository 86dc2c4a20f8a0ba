package simulator_test

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/easlab/easlab/eas"
	"github.com/easlab/easlab/simulator"
	"github.com/easlab/easlab/simulator/simtest"
	"github.com/easlab/easlab/wbxml"
)

// mailTestItemOps posts an ItemOperations request and decodes its WBXML answer.
func mailTestItemOps(t *testing.T, d *mailTestDev, ops ...eas.ItemOperation) *eas.ItemOperationsResponse {
	t.Helper()
	var resp eas.ItemOperationsResponse
	rr := d.call(eas.CommandItemOperations, &eas.ItemOperationsRequest{Operations: ops}, &resp)
	if rr.Code != http.StatusOK || rr.Header().Get("Content-Type") != eas.ContentTypeWBXML {
		t.Fatalf("ItemOperations: HTTP %d %s", rr.Code, rr.Header().Get("Content-Type"))
	}
	return &resp
}

func mailTestFetch(t *testing.T, resp *eas.ItemOperationsResponse, i int) *eas.FetchResult {
	t.Helper()
	if resp.Status != 1 || resp.Response == nil || len(resp.Response.Results) <= i || resp.Response.Results[i].Fetch == nil {
		t.Fatalf("no Fetch result %d in %+v", i, resp)
	}
	return resp.Response.Results[i].Fetch
}

func mailTestFetchProps(t *testing.T, r *eas.FetchResult) *eas.FetchProperties {
	t.Helper()
	var p eas.FetchProperties
	if r.Properties == nil {
		t.Fatalf("no Properties in %+v", r)
	}
	if err := eas.DecodeItem(r.Properties, &p); err != nil {
		t.Fatal(err)
	}
	return &p
}

func TestItemOperationsFetchInline(t *testing.T) {
	env := simtest.New(t, simulator.Options{})
	d := mailTestDevice(t, env, "alice", "IOINLINE", eas.Version141)
	att := bytes.Repeat([]byte("0123456789"), 10)
	it := mailTestSeed(t, d.mb, "With attachment", "See the report.", att)
	inbox := d.folder(eas.FolderTypeInbox)

	resp := mailTestItemOps(t, d,
		eas.ItemOperation{Fetch: &eas.Fetch{Store: "Mailbox", CollectionId: inbox, ServerId: it.ServerID,
			Options: &eas.FetchOptions{BodyPreference: []eas.BodyPreference{{Type: eas.BodyTypePlainText}}}}},
		eas.ItemOperation{Fetch: &eas.Fetch{Store: "Mailbox", FileReference: it.ServerID + ":0"}},
		eas.ItemOperation{Fetch: &eas.Fetch{Store: "Mailbox", CollectionId: inbox, ServerId: inbox + ":999"}},
		eas.ItemOperation{Fetch: &eas.Fetch{Store: "Mailbox", FileReference: it.ServerID + ":7"}},
		eas.ItemOperation{Fetch: &eas.Fetch{Store: "Mailbox", FileReference: "InvalidAttachmentID"}},
		eas.ItemOperation{Fetch: &eas.Fetch{Store: "InvalidStore", CollectionId: inbox, ServerId: it.ServerID}},
		eas.ItemOperation{Fetch: &eas.Fetch{Store: "Mailbox", LongId: it.ServerID}},
	)
	item := mailTestFetch(t, resp, 0)
	if item.Status != 1 || item.ServerId != it.ServerID || item.CollectionId != inbox || item.Class != "Email" {
		t.Fatalf("item fetch: %+v", item)
	}
	var e eas.Email
	if err := eas.DecodeItem(item.Properties, &e); err != nil {
		t.Fatal(err)
	}
	if e.Subject != "With attachment" || e.Body == nil || e.Body.Type != 1 || !strings.Contains(e.Body.Data, "See the report.") {
		t.Errorf("item properties: %+v body %+v", e, e.Body)
	}
	if e.Attachments == nil || len(e.Attachments.Attachment) != 1 {
		t.Errorf("item attachments: %+v", e.Attachments)
	}
	a := mailTestFetch(t, resp, 1)
	p := mailTestFetchProps(t, a)
	if a.Status != 1 || a.FileReference != it.ServerID+":0" || p.ContentType != "application/pdf" {
		t.Fatalf("attachment fetch: %+v %+v", a, p)
	}
	if data, err := base64.StdEncoding.DecodeString(p.Data); err != nil || !bytes.Equal(data, att) || p.Range != "" || p.Total != nil {
		t.Errorf("attachment data %q, %v", p.Data, err)
	}
	for i, want := range map[int]eas.ItemOperationsStatus{
		2: eas.ItemOperationsStatusDocumentLibraryNotFound, // 6: no such item
		3: eas.ItemOperationsStatusInvalidAttachment,       // 15
		4: eas.ItemOperationsStatusInvalidAttachment,
		5: eas.ItemOperationsStatusUnknownStore, // 9
	} {
		if r := mailTestFetch(t, resp, i); r.Status != int(want) || r.Properties != nil {
			t.Errorf("fetch %d: status %d, want %d", i, r.Status, want)
		}
	}
	if r := mailTestFetch(t, resp, 6); r.Status != 1 || r.LongId != it.ServerID || r.Properties == nil {
		t.Errorf("fetch by LongId: %+v", r)
	}

	// MIME with MIMESupport 2.
	resp = mailTestItemOps(t, d, eas.ItemOperation{Fetch: &eas.Fetch{Store: "Mailbox", CollectionId: inbox, ServerId: it.ServerID,
		Options: &eas.FetchOptions{MIMESupport: new(int(2)), BodyPreference: []eas.BodyPreference{{Type: eas.BodyTypeMIME}}}}})
	e = eas.Email{}
	eas.DecodeItem(mailTestFetch(t, resp, 0).Properties, &e)
	if e.Body == nil || e.Body.Type != 4 || !strings.Contains(e.Body.Data, "Subject: With attachment") {
		t.Errorf("MIME fetch: %+v", e.Body)
	}

	// Schema keeps only the properties named.
	resp = mailTestItemOps(t, d, eas.ItemOperation{Fetch: &eas.Fetch{Store: "Mailbox", CollectionId: inbox, ServerId: it.ServerID,
		Options: &eas.FetchOptions{Schema: eas.TagList{mustTag("Email:Subject")}}}})
	if ps := mailTestFetch(t, resp, 0).Properties.Elements(); len(ps) != 1 || ps[0].Tag != tEmailSubject {
		t.Errorf("Schema: %d properties", len(ps))
	}

	// Protocol errors: the global Status 2 and no Response.
	for name, op := range map[string]eas.ItemOperation{
		"two identifiers": {Fetch: &eas.Fetch{Store: "Mailbox", ServerId: it.ServerID, FileReference: it.ServerID + ":0"}},
		"no identifier":   {Fetch: &eas.Fetch{Store: "Mailbox"}},
		"bad range":       {Fetch: &eas.Fetch{Store: "Mailbox", FileReference: it.ServerID + ":0", Options: &eas.FetchOptions{Range: "ten-twenty"}}},
	} {
		resp := mailTestItemOps(t, d, op)
		if resp.Status != 2 || resp.Response != nil {
			t.Errorf("%s: %+v", name, resp)
		}
	}
}

func TestItemOperationsRange(t *testing.T) {
	env := simtest.New(t, simulator.Options{})
	d := mailTestDevice(t, env, "alice", "IORANGE", eas.Version141)
	att := make([]byte, 100)
	for i := range att {
		att[i] = byte(i)
	}
	it := mailTestSeed(t, d.mb, "Ranges", "x", att)
	ref := it.ServerID + ":0"
	fetch := func(r string) (*eas.FetchResult, *eas.FetchProperties) {
		t.Helper()
		res := mailTestFetch(t, mailTestItemOps(t, d, eas.ItemOperation{Fetch: &eas.Fetch{Store: "Mailbox", FileReference: ref, Options: &eas.FetchOptions{Range: r}}}), 0)
		if res.Status != 1 {
			return res, nil
		}
		return res, mailTestFetchProps(t, res)
	}
	for _, tc := range []struct {
		rng, want string
		first     int
		n         int
	}{{"0-9", "0-9", 0, 10}, {"0-0", "0-0", 0, 1}, {"95-200", "95-99", 95, 5}, {"10-99", "10-99", 10, 90}} {
		_, p := fetch(tc.rng)
		if p == nil {
			t.Errorf("range %s failed", tc.rng)
			continue
		}
		data, _ := base64.StdEncoding.DecodeString(p.Data)
		if p.Range != tc.want || p.Total == nil || *p.Total != 100 || !bytes.Equal(data, att[tc.first:tc.first+tc.n]) {
			t.Errorf("range %s: Range %q Total %v data % x", tc.rng, p.Range, p.Total, data)
		}
	}
	if r, _ := fetch("100-100"); r.Status != int(eas.ItemOperationsStatusInvalidByteRange) {
		t.Errorf("range past the end: status %d", r.Status)
	}
	if r, _ := fetch("0-10240000"); r.Status != int(eas.ItemOperationsStatusDataTooLarge) {
		t.Errorf("range too large: status %d", r.Status)
	}
}

func TestItemOperationsMultipart(t *testing.T) {
	env := simtest.New(t, simulator.Options{})
	d := mailTestDevice(t, env, "alice", "IOMULTI", eas.Version141)
	att := []byte("%PDF-1.4 attachment bytes")
	it := mailTestSeed(t, d.mb, "Multipart", "The body text.", att)
	inbox := d.folder(eas.FolderTypeInbox)
	req := &eas.ItemOperationsRequest{Operations: []eas.ItemOperation{
		{Fetch: &eas.Fetch{Store: "Mailbox", FileReference: it.ServerID + ":0"}},
		{Fetch: &eas.Fetch{Store: "Mailbox", CollectionId: inbox, ServerId: it.ServerID, Options: &eas.FetchOptions{BodyPreference: []eas.BodyPreference{{Type: eas.BodyTypePlainText}}}}},
	}}
	body, _ := wbxml.Marshal(req)
	for _, form := range []eas.QueryForm{eas.PlainQuery, eas.Base64Query} {
		rr := d.post(eas.CommandItemOperations, body, func(r *eas.Request) { r.Form, r.Options = form, eas.OptionAcceptMultiPart })
		if rr.Code != http.StatusOK || rr.Header().Get("Content-Type") != eas.ContentTypeMultipart {
			t.Fatalf("%v: HTTP %d, Content-Type %q", form, rr.Code, rr.Header().Get("Content-Type"))
		}
		b := rr.Body.Bytes()
		if len(b) < 4 {
			t.Fatalf("%v: body % X", form, b)
		}
		n := int(binary.LittleEndian.Uint32(b))
		if n != 3 || len(b) < 4+8*n {
			t.Fatalf("%v: %d parts", form, n)
		}
		part := func(i int) []byte {
			off := binary.LittleEndian.Uint32(b[4+8*i:])
			ln := binary.LittleEndian.Uint32(b[8+8*i:])
			return b[off : off+ln]
		}
		// Part 0 is the WBXML response; the attachment and the body text
		// follow in the order the Fetches ask for them.
		var resp eas.ItemOperationsResponse
		if err := wbxml.Unmarshal(part(0), &resp); err != nil {
			t.Fatalf("part 0: %v", err)
		}
		p := mailTestFetchProps(t, mailTestFetch(t, &resp, 0))
		if p.Part != 1 || p.Data != "" || p.ContentType != "application/pdf" {
			t.Errorf("attachment properties: %+v", p)
		}
		var e eas.Email
		eas.DecodeItem(mailTestFetch(t, &resp, 1).Properties, &e)
		if e.Body == nil || e.Body.Part != 2 || e.Body.Data != "" || e.Body.Type != 1 {
			t.Errorf("item body: %+v", e.Body)
		}
		// The whole layout, byte for byte: count, (offset, length) for
		// each part from the start of the body, then the parts.
		wb := part(0)
		text := []byte(strings.TrimSpace(string(part(2))))
		if !bytes.Contains(text, []byte("The body text.")) {
			t.Errorf("part 2 %q", part(2))
		}
		var want []byte
		want = binary.LittleEndian.AppendUint32(want, 3)
		head := 4 + 8*3
		for _, p := range []struct{ off, n int }{{head, len(wb)}, {head + len(wb), len(att)}, {head + len(wb) + len(att), len(part(2))}} {
			want = binary.LittleEndian.AppendUint32(want, uint32(p.off))
			want = binary.LittleEndian.AppendUint32(want, uint32(p.n))
		}
		want = append(want, wb...)
		want = append(want, att...)
		want = append(want, part(2)...)
		if !bytes.Equal(b, want) {
			t.Errorf("%v: multipart layout\n got % X\nwant % X", form, b, want)
		}
		if rr.Header().Get("Content-Length") != strconv.Itoa(len(b)) {
			t.Errorf("Content-Length %q for %d bytes", rr.Header().Get("Content-Length"), len(b))
		}
	}
	// Exactly this layout for a known body.
	got := simulator.MultipartBody([][]byte{[]byte("AB"), []byte("C")})
	want := []byte{2, 0, 0, 0, 20, 0, 0, 0, 2, 0, 0, 0, 22, 0, 0, 0, 1, 0, 0, 0, 'A', 'B', 'C'}
	if !bytes.Equal(got, want) {
		t.Errorf("multipartBody: % X", got)
	}
}

func TestItemOperationsEmptyFolderContents(t *testing.T) {
	env := simtest.New(t, simulator.Options{})
	d := mailTestDevice(t, env, "alice", "IOEMPTY", eas.Version141)
	m := d.mb
	inbox := d.folder(eas.FolderTypeInbox)
	sub := m.AddFolderForTest(inbox, "Projects", eas.FolderTypeUserMail)
	if _, err := m.AddItem(sub.ServerID, &simulator.Item{Class: "Email", Props: simulator.EmailItem(&simulator.Mail{Subject: "In the subfolder"}, mailTestStart, true).Props}); err != nil {
		t.Fatal(err)
	}
	if len(m.Items(inbox)) == 0 {
		t.Fatal("the demo Inbox is empty")
	}
	resp := mailTestItemOps(t, d, eas.ItemOperation{EmptyFolderContents: &eas.EmptyFolderContents{CollectionId: inbox}})
	if resp.Status != 1 || len(resp.Response.Results) != 1 {
		t.Fatalf("%+v", resp)
	}
	if r := resp.Response.Results[0].EmptyFolderContents; r == nil || r.Status != 1 || r.CollectionId != inbox {
		t.Fatalf("result %+v", r)
	}
	if n := len(m.Items(inbox)); n != 0 {
		t.Errorf("%d items left in the Inbox", n)
	}
	if _, ok := m.Folder(sub.ServerID); !ok || len(m.Items(sub.ServerID)) != 1 {
		t.Errorf("the subfolder was touched without DeleteSubFolders")
	}
	resp = mailTestItemOps(t, d, eas.ItemOperation{EmptyFolderContents: &eas.EmptyFolderContents{CollectionId: inbox, Options: &eas.EmptyFolderContentsOptions{DeleteSubFolders: true}}})
	if r := resp.Response.Results[0].EmptyFolderContents; r.Status != 1 {
		t.Errorf("with DeleteSubFolders: %+v", r)
	}
	if _, ok := m.Folder(sub.ServerID); ok {
		t.Errorf("the subfolder survived DeleteSubFolders")
	}
	// Not the Recipient Information Cache: 16.
	ri := d.folder(eas.FolderTypeRecipientInfoCache)
	resp = mailTestItemOps(t, d, eas.ItemOperation{EmptyFolderContents: &eas.EmptyFolderContents{CollectionId: ri}}, eas.ItemOperation{EmptyFolderContents: &eas.EmptyFolderContents{CollectionId: "RI"}})
	for i, r := range resp.Response.Results {
		if r.EmptyFolderContents.Status != int(eas.ItemOperationsStatusAccessDenied) {
			t.Errorf("RI %d: %+v", i, r.EmptyFolderContents)
		}
	}
}

func TestItemOperationsConversationMove(t *testing.T) {
	env := simtest.New(t, simulator.Options{})
	d := mailTestDevice(t, env, "bob", "IOMOVE", eas.Version141)
	first := mailTestSeed(t, d.mb, "Project Falcon", "kick-off", nil)
	second := mailTestSeed(t, d.mb, "RE: Project Falcon", "agreed", nil)
	other := mailTestSeed(t, d.mb, "Something else", "x", nil)
	conv := simulator.ItemConversationID(first)
	if !bytes.Equal(conv, simulator.ItemConversationID(second)) || bytes.Equal(conv, simulator.ItemConversationID(other)) {
		t.Fatal("conversation ids do not group by normalized subject")
	}
	m := d.mb
	inbox := d.folder(eas.FolderTypeInbox)
	dst := m.AddFolderForTest(inbox, "Falcon", eas.FolderTypeUserMail)
	resp := mailTestItemOps(t, d,
		eas.ItemOperation{Move: &eas.ConversationMove{ConversationId: conv, DstFldId: dst.ServerID}},
		eas.ItemOperation{Move: &eas.ConversationMove{ConversationId: conv, DstFldId: d.folder(eas.FolderTypeNotes), Options: &eas.ConversationMoveOptions{MoveAlways: true}}},
	)
	if r := resp.Response.Results[0].Move; r.Status != int(eas.StatusMoveCommandDisallowedForNonPersistentMoveAction) {
		t.Errorf("without MoveAlways: %+v", r)
	}
	if r := resp.Response.Results[1].Move; r.Status != int(eas.StatusMoveCommandInvalidDestinationFolder) {
		t.Errorf("to Notes: %+v", r)
	}
	resp = mailTestItemOps(t, d, eas.ItemOperation{Move: &eas.ConversationMove{ConversationId: conv, DstFldId: dst.ServerID, Options: &eas.ConversationMoveOptions{MoveAlways: true}}})
	if r := resp.Response.Results[0].Move; r.Status != 1 || !bytes.Equal(r.ConversationId, conv) {
		t.Fatalf("move: %+v", r)
	}
	if n := len(m.Items(dst.ServerID)); n != 2 {
		t.Errorf("%d items moved", n)
	}
	if len(mailTestFind(m, inbox, "Something else")) != 1 {
		t.Error("an unrelated message moved")
	}
	// MoveAlways: later messages of the conversation land there too.
	alice := mailTestDevice(t, env, "alice", "IOMOVEA", eas.Version141)
	alice.call(eas.CommandSendMail, &eas.SendMailRequest{ClientId: "falcon", Mime: mailTestMIME("alice@contoso.com", "bob@contoso.com", "", "", "RE: Project Falcon", "me too")}, nil)
	if len(mailTestFind(m, dst.ServerID, "RE: Project Falcon")) != 2 || len(mailTestFind(m, inbox, "RE: Project Falcon")) != 0 {
		t.Errorf("a new message of the conversation did not follow the rule")
	}
	// 12.1 has no conversation Move: a protocol error.
	old := mailTestDevice(t, env, "bob", "IOMOVE121", eas.Version121)
	if resp := mailTestItemOps(t, old, eas.ItemOperation{Move: &eas.ConversationMove{ConversationId: conv, DstFldId: dst.ServerID, Options: &eas.ConversationMoveOptions{MoveAlways: true}}}); resp.Status != 2 {
		t.Errorf("12.1 Move: %+v", resp)
	}
}

func TestGetAttachment(t *testing.T) {
	env := simtest.New(t, simulator.Options{})
	d := mailTestDevice(t, env, "alice", "GETATT", eas.Version121)
	att := []byte("%PDF-1.4 legacy")
	it := mailTestSeed(t, d.mb, "Legacy", "x", att)
	rr := d.post(eas.CommandGetAttachment, nil, func(r *eas.Request) { r.AttachmentName = it.ServerID + ":0" })
	if rr.Code != http.StatusOK || rr.Header().Get("Content-Type") != "application/pdf" || !bytes.Equal(rr.Body.Bytes(), att) {
		t.Fatalf("GetAttachment: HTTP %d %q % X", rr.Code, rr.Header().Get("Content-Type"), rr.Body.Bytes())
	}
	// Gone from the server: 500 (MS-ASCMD S06 TC02).
	if err := d.mb.DeleteItem(it.ServerID, false); err != nil {
		t.Fatal(err)
	}
	if rr := d.post(eas.CommandGetAttachment, nil, func(r *eas.Request) { r.AttachmentName = it.ServerID + ":0" }); rr.Code != http.StatusInternalServerError {
		t.Errorf("deleted attachment: HTTP %d", rr.Code)
	}
}
