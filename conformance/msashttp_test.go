package conformance

import (
	"bytes"
	"compress/gzip"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/easlab/easlab/eas"
	"github.com/easlab/easlab/wbxml"
)

// MS-ASHTTP: the HTTP transport of ActiveSync (Interop-TestSuites
// ExchangeActiveSync/Source/MS-ASHTTP). Its suite runs at every
// ActiveSyncProtocolVersion from 12.1, over HTTP, with the base64 query
// unless a test asks for the plain one.

const specHTTP = "MS-ASHTTP"

// httpUsers are the suite's users (ExchangeSUTConfiguration.ps1); User04
// administers the server's SSL setting.
const (
	httpUser1 = "MSASHTTP_User01"
	httpUser2 = "MSASHTTP_User02"
	httpUser3 = "MSASHTTP_User03"
	httpUser4 = "MSASHTTP_User04"
)

// httpLab deploys the suite: its four users and, as the script does from
// Exchange 2013, the UserAgentsChanges autoblock threshold (two changes a
// minute, a block of a minute).
func httpLab(s *site) *lab {
	l := newLab(s, httpUser1, httpUser2, httpUser3, httpUser4)
	l.cmdlet("Set-ActiveSyncDeviceAutoblockThreshold", map[string]any{
		"Identity": "UserAgentsChanges", "BehaviorTypeIncidenceLimit": 2,
		"BehaviorTypeIncidenceDuration": "00:01:00", "DeviceBlockDuration": "00:01:00",
	})
	return l
}

// httpClient is the suites' ActiveSyncClient as the MS-ASHTTP adapter
// drives it: every field of a request's prefix (ConfigureRequestPrefixFields)
// set by the test, nothing done in reaction to an answer.
type httpClient struct {
	s  *site
	l  *lab
	hc *http.Client

	user, password  string
	base64          bool   // the base64 query; otherwise the plain one
	version         string // ActiveSyncProtocolVersion as the client holds it: "121", "141"...
	acceptEncoding  bool   // Accept-Encoding: gzip
	acceptMultiPart string // MS-ASAcceptMultiPart (plain query), "" for none
	userAgent       string // "" for none
	policyKey       string
	host            string // the URL's host part: the server, or more
	deviceType      string

	ids map[string]map[eas.FolderType]string // each user's default folders
}

func httpNewClient(s *site, l *lab) *httpClient {
	tr := l.env.HTTP.Client().Transport.(*http.Transport).Clone()
	// The suites' client asks for compression only when a test says so,
	// and reads what comes as it comes.
	tr.DisableCompression = true
	u, err := url.Parse(l.env.URL)
	s.must(err, "reading the server's URL")
	return &httpClient{
		s: s, l: l, hc: &http.Client{Transport: tr, Timeout: 30 * time.Second},
		user: httpUser1, password: password, base64: true,
		version: strings.ReplaceAll(s.version.String(), ".", ""),
		host:    u.Host, deviceType: "SP",
		ids: map[string]map[eas.FolderType]string{},
	}
}

// httpParam is a command parameter: by name in the plain query, by tag in
// the base64 one; Options is one byte there.
type httpParam struct {
	name  string
	value string
}

var httpParamTags = map[string]byte{
	"AttachmentName": 0, "CollectionId": 1, "CollectionName": 2, "ItemId": 3,
	"LongId": 4, "ParentId": 5, "Occurrence": 6, "Options": 7, "User": 8,
}

// httpResp is an answer as the wire carried it.
type httpResp struct {
	status int
	proto  string
	header http.Header
	body   []byte
}

// url is the request's URL, in the client's query form.
func (c *httpClient) url(cmd string, params []httpParam) string {
	base := "http://" + c.host + "/Microsoft-Server-ActiveSync"
	if !c.base64 {
		q := fmt.Sprintf("?Cmd=%s&User=%s&DeviceId=TestSuite&DeviceType=%s", cmd, c.user, c.deviceType)
		for _, p := range params {
			q += "&" + p.name + "=" + url.QueryEscape(p.value)
		}
		return base + q
	}
	v, err := strconv.Atoi(c.version)
	c.s.must(err, "reading the protocol version "+c.version)
	command, ok := eas.ParseCommand(cmd)
	code, ok2 := command.Code()
	if !ok || !ok2 {
		c.s.t.Fatalf("%s has no base64 command code", cmd)
	}
	b := []byte{byte(v), code}
	b = binary.LittleEndian.AppendUint16(b, 0x0409)
	b = append(b, byte(len("TestSuite")))
	b = append(b, "TestSuite"...)
	if k, err := strconv.ParseUint(c.policyKey, 10, 32); err == nil && c.policyKey != "" {
		b = append(b, 4)
		b = binary.LittleEndian.AppendUint32(b, uint32(k))
	} else {
		b = append(b, 0)
	}
	b = append(b, byte(len(c.deviceType)))
	b = append(b, c.deviceType...)
	for _, p := range params {
		tag, ok := httpParamTags[p.name]
		if !ok {
			c.s.t.Fatalf("the base64 query has no tag for %s", p.name)
		}
		b = append(b, tag)
		if p.name == "Options" {
			n, err := strconv.Atoi(p.value)
			c.s.must(err, "reading Options")
			b = append(b, 1, byte(n))
			continue
		}
		b = append(b, byte(len(p.value)))
		b = append(b, p.value...)
	}
	return base + "?" + base64.StdEncoding.EncodeToString(b)
}

// try sends a POST of cmd and returns the answer, whatever it is.
func (c *httpClient) try(cmd string, params []httpParam, body any) *httpResp {
	c.s.t.Helper()
	return c.do(c.build(cmd, params, body))
}

// build is the POST of cmd with the client's query, headers and
// credentials.
func (c *httpClient) build(cmd string, params []httpParam, body any) *http.Request {
	c.s.t.Helper()
	var raw []byte
	contentType := eas.ContentTypeWBXML
	switch b := body.(type) {
	case nil:
	case []byte:
		raw, contentType = b, eas.ContentTypeMIME
	default:
		var err error
		raw, err = wbxml.Marshal(b)
		c.s.must(err, "encoding the "+cmd+" request")
	}
	var rd io.Reader
	if raw != nil {
		rd = bytes.NewReader(raw)
	}
	hr, err := http.NewRequestWithContext(c.s.t.Context(), http.MethodPost, c.url(cmd, params), rd)
	c.s.must(err, "building the "+cmd+" request")
	if raw != nil {
		hr.Header.Set("Content-Type", contentType)
	}
	if !c.base64 {
		hr.Header.Set("Accept-Language", "en-us")
		v, err := strconv.Atoi(c.version)
		c.s.must(err, "reading the protocol version")
		hr.Header.Set(eas.HeaderProtocolVersion, fmt.Sprintf("%d.%d", v/10, v%10))
		if c.policyKey != "" {
			hr.Header.Set(eas.HeaderPolicyKey, c.policyKey)
		}
		if c.acceptMultiPart != "" {
			hr.Header.Set(eas.HeaderAcceptMultiPart, c.acceptMultiPart)
		}
	}
	if c.acceptEncoding {
		hr.Header.Set("Accept-Encoding", "gzip")
	}
	hr.Header["User-Agent"] = []string{c.userAgent}
	if c.user != "" {
		hr.SetBasicAuth(c.user, c.password)
	}
	return hr
}

func (c *httpClient) do(hr *http.Request) *httpResp {
	c.s.t.Helper()
	resp, err := c.hc.Do(hr)
	c.s.must(err, hr.Method+" "+hr.URL.Path)
	defer resp.Body.Close()
	var body io.Reader = resp.Body
	if resp.Header.Get("Content-Encoding") == "gzip" {
		// The suite's HTTP client reads a compressed answer decompressed,
		// its headers as they came (DisableCompression keeps them).
		zr, err := gzip.NewReader(resp.Body)
		c.s.must(err, "reading the compressed answer")
		body = zr
	}
	b, err := io.ReadAll(body)
	c.s.must(err, "reading the answer")
	return &httpResp{status: resp.StatusCode, proto: resp.Proto, header: resp.Header, body: b}
}

// post is the adapter's HTTPPOST: the command must answer HTTP 200, and
// the adapter's checks of a response run on the answer.
func (c *httpClient) post(cmd string, params []httpParam, body any) *httpResp {
	c.s.t.Helper()
	r := c.try(cmd, params, body)
	if r.status != http.StatusOK {
		c.s.t.Fatalf("%s answered HTTP %d, want 200", cmd, r.status)
	}
	httpVerifyPOST(c.s, r)
	return r
}

// httpVerifyPOST is the adapter's capture code for an HTTP POST response
// (VerifyHTTPPOSTResponse, VerifyHTTPPOSTHeaders, VerifyTransportType).
func httpVerifyPOST(s *site, r *httpResp) {
	s.t.Helper()
	s.equal(175, "the HTTP status of a command that succeeded", http.StatusOK, r.status)
	s.capture(476, r.status == http.StatusOK, "the command's answer has HTTP %d", r.status)
	s.capture(261, r.status != 0, "no response came to the request")
	httpStatusLine(s, r, 1, 167, 170, 172, 228, 281)
	if isWBXML(r.header.Get("Content-Type")) && len(r.body) > 0 {
		s.capture(169, httpUTF8(r.body), "the WBXML body does not declare UTF-8 (charset %v)", r.body[:min(len(r.body), 4)])
	}
	cl := r.header.Get("Content-Length")
	n, clErr := strconv.Atoi(cl)
	hasCL := len(r.header.Values("Content-Length")) > 0
	s.capture(199, hasCL && clErr == nil, "the answer's Content-Length is %q", cl)
	s.capture(521, hasCL && clErr == nil && n >= 0 && strings.Trim(cl, "0123456789") == "", "the answer's Content-Length is %q", cl)
	s.capture(216, hasCL, "the answer has no Content-Length header")
	hasCT := len(r.header.Values("Content-Type")) > 0
	if n > 0 {
		s.capture(201, hasCT, "an answer of %d bytes has no Content-Type", n)
		s.capture(218, hasCT, "an answer of %d bytes has no Content-Type", n)
		s.capture(522, hasCT && r.header.Get("Content-Type") != "", "an answer of %d bytes has Content-Type %q", n, r.header.Get("Content-Type"))
		s.capture(212, hasCL && hasCT, "the answer has Content-Length %v and Content-Type %v", hasCL, hasCT)
	} else {
		s.capture(212, hasCL, "the empty answer has no Content-Length")
	}
	// The lab is reached over HTTP (TransportType HTTP): R518, HTTPS, is
	// not reached.
	s.capture(401, r.status == http.StatusOK, "the command sent over HTTP answered HTTP %d", r.status)
}

// httpStatusLine captures the requirements a readable HTTP response meets
// by being one.
func httpStatusLine(s *site, r *httpResp, ids ...int) {
	s.t.Helper()
	for _, id := range ids {
		s.capture(id, strings.HasPrefix(r.proto, "HTTP/") && r.status != 0, "the answer's status line is %q %d", r.proto, r.status)
	}
}

func isWBXML(ct string) bool { return strings.HasPrefix(ct, eas.ContentTypeWBXML) }

// httpUTF8 reads a WBXML header: version, public id, charset (106 is
// UTF-8), each public id and charset a multi-byte integer.
func httpUTF8(b []byte) bool {
	i := 1
	mb := func() (int, bool) {
		v := 0
		for ; i < len(b); i++ {
			v = v<<7 | int(b[i]&0x7f)
			if b[i]&0x80 == 0 {
				i++
				return v, true
			}
		}
		return 0, false
	}
	pub, ok := mb()
	if !ok {
		return false
	}
	if pub == 0 {
		if _, ok := mb(); !ok {
			return false
		}
	}
	cs, ok := mb()
	return ok && cs == 106
}

// httpTree reads a WBXML answer as a tree; an answer with no WBXML body
// is nil.
func httpTree(s *site, r *httpResp) *wbxml.Node {
	s.t.Helper()
	if !isWBXML(r.header.Get("Content-Type")) || len(r.body) == 0 {
		return nil
	}
	n, err := wbxml.Parse(r.body)
	s.must(err, "reading the WBXML answer")
	return n
}

// httpFirst is the first element named name in document order.
func httpFirst(n *wbxml.Node, name string) *wbxml.Node {
	if n == nil {
		return nil
	}
	for _, c := range n.Elements() {
		if c.Tag.Name == name {
			return c
		}
		if f := httpFirst(c, name); f != nil {
			return f
		}
	}
	return nil
}

// httpCheckStatus is TestSuiteBase.CheckResponseStatus: the first Status
// of a WBXML answer is 3 for MoveItems, 2 for Ping, 1 otherwise.
func httpCheckStatus(s *site, cmd string, r *httpResp) {
	s.t.Helper()
	root := httpTree(s, r)
	if root == nil {
		return
	}
	want := "1"
	switch cmd {
	case "MoveItems":
		want = "3"
	case "Ping":
		want = "2"
	}
	got := ""
	if st := httpFirst(root, "Status"); st != nil {
		got = st.Text()
	}
	if got != want {
		s.t.Fatalf("%s answered Status %q, want %s", cmd, got, want)
	}
}

// httpBlocked ends a test whose next step easlab refuses, where Exchange
// goes on: the requirements the rest of the test checks are declared
// gaps for reason, and recorded as missed with the step's evidence.
func httpBlocked(s *site, reason, evidence string, ids ...int) {
	s.t.Helper()
	s.gap(reason, ids...)
	for _, id := range ids {
		s.capture(id, false, "%s", evidence)
	}
}

// switchUser is TestSuiteBase.SwitchUser: the credentials, and with sync
// the user's default folders from a FolderSync.
func (c *httpClient) switchUser(user string, sync bool) {
	c.s.t.Helper()
	c.user, c.password = user, password
	if sync {
		c.folderSync()
	}
}

// folderSync is CallFolderSyncCommand: FolderSync with SyncKey 0, its
// answer checked; it notes the user's default folders.
func (c *httpClient) folderSync() (*httpResp, *eas.FolderSyncResponse) {
	c.s.t.Helper()
	r := c.post("FolderSync", nil, &eas.FolderSyncRequest{SyncKey: "0"})
	httpCheckStatus(c.s, "FolderSync", r)
	var fs eas.FolderSyncResponse
	c.s.must(wbxml.Unmarshal(r.body, &fs), "reading FolderSync")
	if c.ids[c.user] == nil {
		c.ids[c.user] = map[eas.FolderType]string{}
	}
	if fs.Changes != nil {
		for _, f := range fs.Changes.Add {
			if _, ok := c.ids[c.user][f.Type]; !ok {
				c.ids[c.user][f.Type] = f.ServerId
			}
		}
	}
	return r, &fs
}

// folder is a default folder of the current user, known from a FolderSync.
func (c *httpClient) folder(t eas.FolderType) string {
	c.s.t.Helper()
	id, ok := c.ids[c.user][t]
	if !ok {
		c.s.t.Fatalf("%s's FolderSync listed no folder of type %v", c.user, t)
	}
	return id
}

func httpFolderIn(fs *eas.FolderSyncResponse, serverID string) *eas.Folder {
	if fs.Changes == nil {
		return nil
	}
	for i := range fs.Changes.Add {
		if fs.Changes.Add[i].ServerId == serverID {
			return &fs.Changes.Add[i]
		}
	}
	return nil
}

// httpItem is an item a Sync added: its ServerId and data.
type httpItem struct {
	serverID string
	data     *wbxml.Node
}

func (it httpItem) field(name string) string {
	if it.data == nil {
		return ""
	}
	for _, c := range it.data.Elements() {
		if c.Tag.Name == name {
			return c.Text()
		}
	}
	return ""
}

func (c *httpClient) syncOnce(req *eas.SyncRequest) *eas.SyncCollection {
	c.s.t.Helper()
	r := c.post("Sync", nil, req)
	if len(r.body) == 0 {
		return nil
	}
	httpCheckStatus(c.s, "Sync", r)
	var resp eas.SyncResponse
	c.s.must(wbxml.Unmarshal(r.body, &resp), "reading Sync")
	if resp.Collections == nil || len(resp.Collections.Collection) == 0 {
		c.s.t.Fatalf("the Sync answer (Status %d) has no Collection", resp.Status)
	}
	return &resp.Collections.Collection[0]
}

// sync is CallSyncCommand: the initial Sync of a folder, then Syncs of
// 512 items while more are available; the SyncKey is the last one a Sync
// after the initial one returned, "" when those had no body.
func (c *httpClient) sync(folder string) (string, []httpItem) {
	c.s.t.Helper()
	first := c.syncOnce(&eas.SyncRequest{Collections: &eas.SyncCollections{Collection: []eas.SyncCollection{{SyncKey: "0", CollectionId: folder}}}})
	if first == nil {
		c.s.t.Fatalf("the initial Sync of %s has no body", folder)
	}
	key, last := "", first.SyncKey
	var items []httpItem
	for {
		col := c.syncOnce(&eas.SyncRequest{WindowSize: 512, Collections: &eas.SyncCollections{Collection: []eas.SyncCollection{{SyncKey: last, CollectionId: folder}}}})
		if col == nil {
			return key, items
		}
		key, last = col.SyncKey, col.SyncKey
		for _, cmd := range col.Commands {
			if cmd.Kind == eas.SyncAdd {
				items = append(items, httpItem{cmd.ServerId, cmd.ApplicationData})
			}
		}
		if !col.MoreAvailable {
			return key, items
		}
	}
}

// find is LoopToSyncItem: the ServerId of the item with subject in folder
// ("" if none); when it must be there, the test stops without it.
func (c *httpClient) find(folder, subject string, mustFind bool) string {
	c.s.t.Helper()
	it := c.findItem(folder, subject, mustFind)
	return it.serverID
}

func (c *httpClient) findItem(folder, subject string, mustFind bool) httpItem {
	c.s.t.Helper()
	tries := 1
	if mustFind {
		tries = 3
	}
	for i := 0; i < tries; i++ {
		_, items := c.sync(folder)
		for _, it := range items {
			if it.field("Subject") == subject {
				return it
			}
		}
	}
	if mustFind {
		c.s.t.Fatalf("%s has no item %q in folder %s", c.user, subject, folder)
	}
	return httpItem{}
}

// search is LoopToSearchItem: the mailbox Search for subject in a
// folder, which must find exactly one result.
func (c *httpClient) search(folder, subject string) *eas.SearchResult {
	c.s.t.Helper()
	for i := 0; i < 3; i++ {
		req := &eas.SearchRequest{Store: &eas.SearchStore{
			Name:    "Mailbox",
			Query:   &eas.SearchQuery{And: &eas.SearchQuery{CollectionId: []string{folder}, FreeText: []string{subject}}},
			Options: &eas.SearchOptions{RebuildResults: true, Range: "0-9", DeepTraversal: true},
		}}
		r := c.post("Search", nil, req)
		var resp eas.SearchResponse
		c.s.must(wbxml.Unmarshal(r.body, &resp), "reading Search")
		if resp.Status == 10 {
			continue
		}
		if resp.Status != 1 || resp.Response == nil || resp.Response.Store == nil {
			c.s.t.Fatalf("Search answered Status %d with Response %v", resp.Status, resp.Response != nil)
		}
		res := resp.Response.Store.Result
		if len(res) > 0 && res[0].Properties != nil {
			if len(res) != 1 {
				c.s.t.Fatalf("Search for %q found %d results, want 1", subject, len(res))
			}
			return &res[0]
		}
	}
	c.s.t.Fatalf("Search finds no item %q in folder %s", subject, folder)
	return nil
}

var httpClientIDs atomic.Int64

func httpClientID() string {
	return fmt.Sprintf("ASHTTP%08d", httpClientIDs.Add(1))
}

// saveParam turns the tests' SaveInSent argument into the command
// parameter: "0"/"1" the Options bitmask, "T"/"F" the SaveInSent
// parameter; it says whether SaveInSentItems goes in the body.
func httpSaveParam(saveInSent string) ([]httpParam, bool) {
	switch saveInSent {
	case "":
		return nil, false
	case "0", "1":
		return []httpParam{{"Options", saveInSent}}, saveInSent == "1"
	}
	return []httpParam{{"SaveInSent", saveInSent}}, saveInSent == "T"
}

// sendMail is CallSendMailCommand; at 12.1 the body is the MIME itself.
func (c *httpClient) sendMail(mime []byte, saveInSent string) {
	c.s.t.Helper()
	params, save := httpSaveParam(saveInSent)
	var body any = &eas.SendMailRequest{ClientId: httpClientID(), SaveInSentItems: save, Mime: mime}
	if c.s.version == eas.Version121 {
		body = mime
	}
	r := c.post("SendMail", params, body)
	httpCheckStatus(c.s, "SendMail", r)
}

// smart is CallSmartForwardCommand and CallSmartReplyCommand: the
// original named by ServerId (its folder the part before ':') or LongId,
// with an occurrence when given.
func (c *httpClient) smart(cmd string, mime []byte, itemServerID, saveInSent, longID, occurrence string) {
	c.s.t.Helper()
	var params []httpParam
	src := &eas.Source{}
	save := false
	if longID == "" {
		collection, _, _ := strings.Cut(itemServerID, ":")
		params, save = httpSaveParam(saveInSent)
		if occurrence != "" {
			src.InstanceId = occurrence
			params = append(params, httpParam{"Occurrence", occurrence})
		}
		src.FolderId, src.ItemId = collection, itemServerID
		params = append(params, httpParam{"CollectionId", collection}, httpParam{"ItemId", itemServerID})
	} else {
		src.LongId = longID
		params = append(params, httpParam{"LongId", longID})
	}
	var body any
	switch {
	case c.s.version == eas.Version121:
		body = mime
	case cmd == "SmartForward":
		body = &eas.SmartForwardRequest{ClientId: httpClientID(), Source: src, SaveInSentItems: save, Mime: mime}
	default:
		body = &eas.SmartReplyRequest{ClientId: httpClientID(), Source: src, SaveInSentItems: save, Mime: mime}
	}
	r := c.post(cmd, params, body)
	httpCheckStatus(c.s, cmd, r)
}

// itemOperations is CallItemOperationsCommand: a Fetch of a mailbox item,
// with the AcceptMultiPart option (base64 Options 2) when asked.
func (c *httpClient) itemOperations(folder, serverID string, acceptMultiPart bool) *httpResp {
	c.s.t.Helper()
	var params []httpParam
	if acceptMultiPart {
		params = []httpParam{{"Options", "2"}}
	}
	req := eas.ItemOperationsRequest{Operations: []eas.ItemOperation{{Fetch: &eas.Fetch{Store: "Mailbox", CollectionId: folder, ServerId: serverID}}}}
	r := c.post("ItemOperations", params, req)
	if !strings.HasPrefix(r.header.Get("Content-Type"), eas.ContentTypeMultipart) {
		httpCheckStatus(c.s, "ItemOperations", r)
	}
	return r
}

func (c *httpClient) folderCreate(syncKey, name, parent string) *eas.FolderCreateResponse {
	c.s.t.Helper()
	r := c.post("FolderCreate", nil, &eas.FolderCreateRequest{SyncKey: syncKey, ParentId: parent, DisplayName: name, Type: 12})
	httpCheckStatus(c.s, "FolderCreate", r)
	var resp eas.FolderCreateResponse
	c.s.must(wbxml.Unmarshal(r.body, &resp), "reading FolderCreate")
	return &resp
}

// httpOptions sends an HTTP OPTIONS to the ActiveSync endpoint.
func (c *httpClient) options() *httpResp {
	c.s.t.Helper()
	hr, err := http.NewRequestWithContext(c.s.t.Context(), http.MethodOptions, "http://"+c.host+"/Microsoft-Server-ActiveSync", nil)
	c.s.must(err, "building OPTIONS")
	hr.SetBasicAuth(c.user, c.password)
	return c.do(hr)
}

// MSASHTTP_S01_TC01: a WBXML answer has Content-Type
// application/vnd.ms-sync.wbxml.
func TestMSASHTTP_S01_TC01_VerifyContentTypeResponseHeader(t *testing.T) {
	atVersions(t, specHTTP, from(eas.Version121), func(t *testing.T, s *site) {
		c := httpNewClient(s, httpLab(s))
		r, _ := c.folderSync()
		ct := r.header.Get("Content-Type")
		if ct == "" {
			s.t.Fatalf("FolderSync's answer has no Content-Type")
		}
		s.equal(219, "FolderSync's Content-Type", eas.ContentTypeWBXML, ct)
		s.equal(229, "FolderSync's Content-Type", eas.ContentTypeWBXML, ct)
	})
}

// MSASHTTP_S01_TC02: an answer is compressed, with Content-Encoding
// gzip, only when the client accepts it.
func TestMSASHTTP_S01_TC02_VerifyContentEncodingResponseHeader(t *testing.T) {
	atVersions(t, specHTTP, from(eas.Version121), func(t *testing.T, s *site) {
		c := httpNewClient(s, httpLab(s))
		r, _ := c.folderSync()
		ce := r.header.Values("Content-Encoding")
		s.capture(412, len(ce) == 0, "an answer to a client that accepts no encoding has Content-Encoding %v", ce)
		s.capture(215, len(ce) == 0, "an answer to a client that accepts no encoding has Content-Encoding %v", ce)

		// LoopCallFolderSyncCommand: FolderSync until the answer is
		// compressed.
		c.acceptEncoding = true
		for i := 0; i < 3; i++ {
			if r, _ = c.folderSync(); r.header.Get("Content-Encoding") != "" {
				break
			}
		}
		c.acceptEncoding = false
		got := r.header.Get("Content-Encoding")
		s.equal(197, "the Content-Encoding of an answer to a client that accepts gzip", "gzip", got)
		s.equal(214, "the Content-Encoding of an answer to a client that accepts gzip", "gzip", got)
	})
}

// httpAttachmentMime is a message with a small PNG attached.
func httpAttachmentMime(to, subject string) []byte {
	png := base64.StdEncoding.EncodeToString([]byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89\x00\x00\x00\nIDATx\x9cc\x00\x01\x00\x00\x05\x00\x01\r\n-\xb4\x00\x00\x00\x00IEND\xaeB`\x82"))
	return []byte("To: " + to + "\r\nSubject: " + subject + "\r\nMIME-Version: 1.0\r\n" +
		"Content-Type: multipart/mixed; boundary=\"ashttp-part\"\r\n\r\n" +
		"--ashttp-part\r\nContent-Type: text/plain; charset=\"us-ascii\"\r\n\r\nAn image is attached.\r\n" +
		"--ashttp-part\r\nContent-Type: image/png; name=\"image001.png\"\r\nContent-Disposition: attachment; filename=\"image001.png\"\r\nContent-Transfer-Encoding: base64\r\n\r\n" +
		png + "\r\n--ashttp-part--\r\n")
}

// httpGetAttachment is VerifyGetAttachmentsCommandParameter: User01 mails
// User02 an attachment, and User02 fetches it with GetAttachment, its
// FileReference from a Search as the AttachmentName parameter.
// It returns nil, after declaring ids gaps, when easlab refuses the
// message.
func httpGetAttachment(s *site, base64Query bool, ids ...int) *httpResp {
	c := httpNewClient(s, httpLab(s))
	c.base64 = base64Query
	c.folderSync()
	subject := "EmailWithAttachment" + s.version.String()
	// The original addresses the message to the bare user name, which
	// Exchange resolves in its directory.
	mime := httpAttachmentMime(httpUser2, subject)
	if r := c.try("SendMail", nil, mime); r.status != http.StatusOK || len(r.body) > 0 {
		ev := fmt.Sprintf("SendMail of a message to the bare user name %s answered HTTP %d with %d bytes", httpUser2, r.status, len(r.body))
		s.t.Logf("difference: %s", ev)
		httpBlocked(s, "issue 15: a message addressed to a bare user name (To: MSASHTTP_User02) is not resolved: SendMail fails (HTTP 500 at 12.1, simulator/sendmail.go)", ev, ids...)
		return nil
	}
	c.switchUser(httpUser2, true)
	res := c.search(c.folder(eas.FolderTypeInbox), subject)
	ref := ""
	if res.Properties != nil {
		if atts := httpFirst(res.Properties, "Attachments"); atts != nil {
			list := atts.Elements()
			if len(list) != 1 {
				s.t.Fatalf("the message has %d attachments, want 1", len(list))
			}
			if fr := httpFirst(list[0], "FileReference"); fr != nil {
				ref = fr.Text()
			}
		}
	}
	if ref == "" {
		s.t.Fatalf("the Search result of %q has no attachment FileReference", subject)
	}
	r := c.post("GetAttachment", []httpParam{{"AttachmentName", ref}}, nil)
	httpCheckStatus(s, "GetAttachment", r)
	return r
}

// MSASHTTP_S01_TC03: GetAttachment with the AttachmentName parameter in
// the base64 query (12.1 only).
func TestMSASHTTP_S01_TC03_CommandParameter_AttachmentName_Base64(t *testing.T) {
	atVersions(t, specHTTP, []eas.ProtocolVersion{eas.Version121}, func(t *testing.T, s *site) {
		httpGetAttachment(s, true)
	})
}

// MSASHTTP_S01_TC04: GetAttachment with the AttachmentName parameter in
// the plain query (12.1 only); its answer is the attachment, not XML.
func TestMSASHTTP_S01_TC04_CommandParameter_AttachmentName_PlainText(t *testing.T) {
	atVersions(t, specHTTP, []eas.ProtocolVersion{eas.Version121}, func(t *testing.T, s *site) {
		r := httpGetAttachment(s, false, 115, 487, 230, 490)
		if r == nil {
			return
		}
		s.capture(115, r.status == http.StatusOK, "GetAttachment with AttachmentName answered HTTP %d", r.status)
		s.capture(487, r.status == http.StatusOK && len(r.body) > 0, "GetAttachment with AttachmentName answered HTTP %d with %d bytes", r.status, len(r.body))
		s.capture(230, !isWBXML(r.header.Get("Content-Type")), "GetAttachment answered WBXML (%s)", r.header.Get("Content-Type"))
		s.capture(490, bytes.HasPrefix(r.body, []byte("\x89PNG")), "GetAttachment answered %d bytes that are not the attached image", len(r.body))
	})
}

// httpSaveInSent is VerifySaveInSentCommandParameter: SendMail,
// SmartForward and SmartReply, each with its SaveInSent setting, and
// where each message is (or is not) kept.
func httpSaveInSent(s *site, base64Query bool, sendMailSave, forwardSave, replySave string) {
	c := httpNewClient(s, httpLab(s))
	c.base64 = base64Query
	v := s.version.String()
	sendSubject, fwdSubject, replySubject := "SendMail"+v, "SmartForward"+v, "SmartReply"+v

	r, _ := c.folderSync()
	c.sync(c.folder(eas.FolderTypeSentItems))
	_, rp := r.header["X-Ms-Rp"]
	_, pc := r.header["Ms-Asprotocolcommands"]
	_, pv := r.header["Ms-Asprotocolversions"]
	s.capture(1202, rp && pc && pv, "the answer to FolderSync with SyncKey 0 has X-MS-RP %v, MS-ASProtocolCommands %v, MS-ASProtocolVersions %v", rp, pc, pv)

	c.sendMail(plainMIME(mailAddress(httpUser1), mailAddress(httpUser2), "", sendSubject, "SendMail content"), sendMailSave)
	c.switchUser(httpUser2, true)
	c.switchUser(httpUser1, true)
	id := c.find(c.folder(eas.FolderTypeSentItems), sendSubject, sendMailSave == "T" || sendMailSave == "1")
	if base64Query {
		s.capture(92, id != "", "the message sent with Options 1 is not in Sent Items")
		s.capture(93, true, "")
		s.capture(533, true, "")
		s.capture(486, id != "", "the message sent with Options 1 is not in Sent Items")
	} else {
		s.capture(531, true, "")
		s.capture(121, id != "", "the message sent with SaveInSent=T is not in Sent Items")
	}

	c.switchUser(httpUser2, false)
	id = c.find(c.folder(eas.FolderTypeInbox), sendSubject, true)
	c.smart("SmartForward", plainMIME(mailAddress(httpUser2), mailAddress(httpUser3), "", fwdSubject, "SmartForward content"), id, forwardSave, "", "")
	c.switchUser(httpUser3, true)
	c.switchUser(httpUser2, false)
	id = c.find(c.folder(eas.FolderTypeSentItems), fwdSubject, forwardSave == "T" || forwardSave == "1")
	if base64Query {
		s.capture(532, true, "")
		s.capture(524, true, "")
	} else {
		s.capture(437, id == "", "the message forwarded with SaveInSent=F is in Sent Items")
		s.capture(120, true, "")
	}

	c.switchUser(httpUser3, false)
	id = c.find(c.folder(eas.FolderTypeInbox), fwdSubject, true)
	if !base64Query {
		s.capture(517, id != "", "the forwarded message did not arrive")
		s.capture(511, id != "", "the forwarded message did not arrive")
		s.capture(116, true, "")
		s.capture(117, true, "")
	}
	c.smart("SmartReply", plainMIME(mailAddress(httpUser3), mailAddress(httpUser2), "", replySubject, "SmartReply content"), id, replySave, "", "")
	id = c.find(c.folder(eas.FolderTypeSentItems), replySubject, replySave == "T" || replySave == "1")
	if base64Query {
		s.capture(88, true, "")
		s.capture(525, true, "")
	} else {
		s.capture(530, true, "")
		s.capture(122, id == "", "the reply sent without SaveInSent is in Sent Items")
	}

	c.switchUser(httpUser2, false)
	id = c.find(c.folder(eas.FolderTypeInbox), replySubject, true)
	if !base64Query {
		s.capture(526, true, "")
		s.capture(527, true, "")
		s.capture(435, id != "", "the reply did not arrive")
		s.capture(436, id != "", "the reply did not arrive")
	}
}

// MSASHTTP_S01_TC05: the SaveInSent flag of the base64 Options parameter
// keeps sent, forwarded and replied messages in Sent Items.
func TestMSASHTTP_S01_TC05_CommandParameter_SaveInSent_Base64(t *testing.T) {
	atVersions(t, specHTTP, from(eas.Version121), func(t *testing.T, s *site) {
		httpSaveInSent(s, true, "1", "1", "1")
	})
}

// MSASHTTP_S01_TC06: the plain SaveInSent parameter: T keeps the sent
// message, F and its absence do not.
func TestMSASHTTP_S01_TC06_CommandParameter_SaveInSent_PlainText(t *testing.T) {
	atVersions(t, specHTTP, from(eas.Version121), func(t *testing.T, s *site) {
		httpSaveInSent(s, false, "T", "F", "")
	})
}

// httpLongID is VerifyLongIdCommandParameter: a message found by Search
// is forwarded, and in the plain query replied to, by its LongId.
func httpLongID(s *site, base64Query bool) {
	c := httpNewClient(s, httpLab(s))
	c.base64 = base64Query
	v := s.version.String()
	sendSubject, fwdSubject, replySubject := "SendMail"+v, "SmartForward"+v, "SmartReply"+v
	c.folderSync()
	c.sendMail(plainMIME(mailAddress(httpUser1), mailAddress(httpUser2), "", sendSubject, "SendMail content"), "")
	c.switchUser(httpUser2, true)
	res := c.search(c.folder(eas.FolderTypeInbox), sendSubject)
	s.capture(484, res != nil, "the sent message is not in the recipient's Inbox")

	c.smart("SmartForward", plainMIME(mailAddress(httpUser2), mailAddress(httpUser3), "", fwdSubject, "SmartForward content"), "", "", res.LongId, "")
	c.switchUser(httpUser3, true)
	id := c.find(c.folder(eas.FolderTypeInbox), fwdSubject, true)
	s.capture(488, id != "", "the message forwarded by LongId did not arrive")
	s.capture(118, true, "")

	if !base64Query {
		res = c.search(c.folder(eas.FolderTypeInbox), fwdSubject)
		s.capture(512, res.LongId != "", "the Search result has no LongId")
		c.smart("SmartReply", plainMIME(mailAddress(httpUser3), mailAddress(httpUser2), "", replySubject, "SmartReply content"), "", "", res.LongId, "")
		c.switchUser(httpUser2, false)
		id = c.find(c.folder(eas.FolderTypeInbox), replySubject, true)
		s.capture(489, id != "", "the reply by LongId did not arrive")
		s.capture(528, true, "")
	}
}

// MSASHTTP_S01_TC07: SmartForward by the LongId parameter, base64 query.
func TestMSASHTTP_S01_TC07_CommandParameter_LongId_Base64(t *testing.T) {
	atVersions(t, specHTTP, from(eas.Version121), func(t *testing.T, s *site) {
		httpLongID(s, true)
	})
}

// MSASHTTP_S01_TC08: SmartForward and SmartReply by the LongId parameter,
// plain query.
func TestMSASHTTP_S01_TC08_CommandParameter_LongId_PlainText(t *testing.T) {
	atVersions(t, specHTTP, from(eas.Version121), func(t *testing.T, s *site) {
		httpLongID(s, false)
	})
}

// meetingRequest is SendMeetingRequest: the current user invites to to a
// daily meeting of four occurrences, starting in an hour. It returns
// what went wrong when easlab refuses it, or "".
func (c *httpClient) meetingRequest(from, to, subject string) string {
	c.s.t.Helper()
	now := c.l.env.Clock.Now().UTC()
	var ics strings.Builder
	for _, line := range []string{
		"BEGIN:VCALENDAR", "PRODID:-//easlab conformance", "VERSION:2.0", "METHOD:REQUEST",
		"BEGIN:VTIMEZONE", "TZID:Universal Time",
		"BEGIN:STANDARD", "DTSTART:16011104T020000", "RRULE:FREQ=YEARLY;BYDAY=1SU;BYMONTH=11", "TZOFFSETFROM:-0000", "TZOFFSETTO:+0000", "END:STANDARD",
		"BEGIN:DAYLIGHT", "DTSTART:16010311T020000", "RRULE:FREQ=YEARLY;BYDAY=2SU;BYMONTH=3", "TZOFFSETFROM:-0000", "TZOFFSETTO:+0000", "END:DAYLIGHT",
		"END:VTIMEZONE",
		"BEGIN:VEVENT",
		"DTSTART:" + now.Add(time.Hour).Format("20060102T150000Z"),
		"DTSTAMP:" + now.Format("20060102T150405Z"),
		"DTEND:" + now.Add(2*time.Hour).Format("20060102T150000Z"),
		"LOCATION:Meeting room one",
		"UID:" + fmt.Sprintf("ashttp-%s-%d", subject, now.UnixNano()),
		"DESCRIPTION:Meeting Request",
		"SUMMARY:" + subject,
		"ORGANIZER:MAILTO:" + from,
		fmt.Sprintf("ATTENDEE;CN=\"%s\";RSVP=TRUE:mailto:%s", strings.Split(to, "@")[0], to),
		"RRULE:FREQ=DAILY;COUNT=4",
		"BEGIN:VALARM", "TRIGGER:-PT15M", "ACTION:DISPLAY", "DESCRIPTION:Reminder", "END:VALARM",
		"END:VEVENT", "END:VCALENDAR",
	} {
		ics.WriteString(line + "\r\n")
	}
	mime := fmt.Sprintf("From: %s\r\nTo: %s\r\nSubject: %s\r\nContent-Type: multipart/alternative;\r\n    boundary=\"---Next Part---\"\r\nMIME-Version: 1.0\r\n\r\n"+
		"-----Next Part---\r\nContent-Type: text/plain; charset=\"us-ascii\"\r\n\r\nMeeting Request\r\n\r\n"+
		"-----Next Part---\r\nContent-Type: text/calendar; charset=\"us-ascii\"; method=REQUEST\r\n\r\n%s\r\n\r\n", from, to, subject, ics.String())
	var body any = &eas.SendMailRequest{ClientId: httpClientID(), Mime: []byte(mime)}
	if c.s.version == eas.Version121 {
		body = []byte(mime)
	}
	r := c.try("SendMail", nil, body)
	if r.status != http.StatusOK || len(r.body) > 0 {
		st := ""
		if root := httpTree(c.s, r); root != nil {
			if n := httpFirst(root, "Status"); n != nil {
				st = n.Text()
			}
		}
		return fmt.Sprintf("SendMail of the meeting request answered HTTP %d, Status %q", r.status, st)
	}
	httpVerifyPOST(c.s, r)
	return ""
}

// httpInstanceID is ConvertInstanceIdFormat: a compact StartTime
// (20261123T100000Z) as an instance id (2026-11-23T10:00:00.000Z).
func httpInstanceID(start string) string {
	if len(start) < 16 {
		return start
	}
	return start[:4] + "-" + start[4:6] + "-" + start[6:11] + ":" + start[11:13] + ":" + start[13:15] + ".000" + start[15:]
}

// MSASHTTP_S01_TC09: User02 accepts a recurring meeting of User03's and
// forwards one occurrence to User01 with the Occurrence parameter, base64
// query; User03 is notified of the forward.
func TestMSASHTTP_S01_TC09_CommandParameter_Occurrence_Base64(t *testing.T) {
	atVersions(t, specHTTP, from(eas.Version121), func(t *testing.T, s *site) {
		c := httpNewClient(s, httpLab(s))
		v := s.version.String()
		subject, fwdSubject := "SendMail"+v, "SmartForward"+v
		c.switchUser(httpUser3, true)
		if ev := c.meetingRequest(mailAddress(httpUser3), mailAddress(httpUser2), subject); ev != "" {
			s.t.Fatalf("sending the meeting request: %s", ev)
		}

		c.switchUser(httpUser2, true)
		id := c.find(c.folder(eas.FolderTypeInbox), subject, true)
		if c.find(c.folder(eas.FolderTypeCalendar), subject, false) == "" {
			s.t.Fatalf("the invitee's Calendar has no item for the meeting request")
		}
		r := c.post("MeetingResponse", nil, &eas.MeetingResponseRequest{Request: []eas.MeetingReply{{UserResponse: 1, CollectionId: c.folder(eas.FolderTypeInbox), RequestId: id}}})
		httpCheckStatus(s, "MeetingResponse", r)
		id = c.find(c.folder(eas.FolderTypeDeletedItems), subject, true)
		s.capture(432, id != "", "the accepted meeting request is not in Deleted Items")

		occurrence := httpInstanceID(c.findItem(c.folder(eas.FolderTypeCalendar), subject, true).field("StartTime"))
		c.smart("SmartForward", plainMIME(mailAddress(httpUser2), mailAddress(httpUser1), "", fwdSubject, "SmartForward content"), id, "", "", occurrence)
		s.capture(513, true, "")

		c.switchUser(httpUser1, true)
		c.find(c.folder(eas.FolderTypeInbox), fwdSubject, true)
		c.find(c.folder(eas.FolderTypeCalendar), fwdSubject, true)
		c.switchUser(httpUser3, false)
		note := c.find(c.folder(eas.FolderTypeDeletedItems), "Meeting Forward Notification: "+fwdSubject, false)
		s.capture(119, note != "", "the organizer has no Meeting Forward Notification in Deleted Items")
	})
}

// MSASHTTP_S01_TC10: User02 replies to one occurrence of User03's
// recurring meeting with the Occurrence parameter, plain query.
func TestMSASHTTP_S01_TC10_CommandParameter_Occurrence_PlainText(t *testing.T) {
	atVersions(t, specHTTP, from(eas.Version121), func(t *testing.T, s *site) {
		c := httpNewClient(s, httpLab(s))
		c.base64 = false
		v := s.version.String()
		subject, replySubject := "SendMail"+v, "SmartReply"+v
		c.switchUser(httpUser3, true)
		if ev := c.meetingRequest(mailAddress(httpUser3), mailAddress(httpUser2), subject); ev != "" {
			s.t.Fatalf("sending the meeting request: %s", ev)
		}

		c.switchUser(httpUser2, true)
		id := c.find(c.folder(eas.FolderTypeInbox), subject, true)
		cal := c.findItem(c.folder(eas.FolderTypeCalendar), subject, false)
		if cal.serverID == "" {
			s.t.Fatalf("the invitee's Calendar has no item for the meeting request")
		}
		occurrence := httpInstanceID(cal.field("StartTime"))
		c.smart("SmartReply", plainMIME(mailAddress(httpUser2), mailAddress(httpUser3), "", replySubject, "SmartReply content"), id, "", "", occurrence)
		s.capture(513, true, "")

		c.switchUser(httpUser3, false)
		reply := c.find(c.folder(eas.FolderTypeInbox), replySubject, true)
		s.capture(529, reply != "", "the reply to the occurrence did not arrive")
	})
}

// MSASHTTP_S01_TC11: FolderCreate, FolderUpdate (rename and move) and
// FolderDelete, each seen in the next FolderSync; a Sync with nothing new
// has no body.
func TestMSASHTTP_S01_TC11_CommandCode_FolderRelatedCommands(t *testing.T) {
	atVersions(t, specHTTP, from(eas.Version121), func(t *testing.T, s *site) {
		c := httpNewClient(s, httpLab(s))
		created, updated := "CreatedFolder"+s.version.String(), "UpdatedFolder"+s.version.String()
		_, fs := c.folderSync()
		fc := c.folderCreate(fs.SyncKey, created, c.folder(eas.FolderTypeInbox))

		_, fs = c.folderSync()
		name := ""
		if f := httpFolderIn(fs, fc.ServerId); f != nil {
			name = f.DisplayName
		}
		s.equal(493, "the created folder's name in FolderSync", created, name)
		s.capture(491, name == created, "FolderSync does not list the created folder")

		key, _ := c.sync(fc.ServerId)
		s.capture(482, key == "", "a Sync of an empty folder after the initial one has a body (SyncKey %q)", key)

		r := c.post("FolderUpdate", nil, &eas.FolderUpdateRequest{SyncKey: fs.SyncKey, ServerId: fc.ServerId, DisplayName: updated, ParentId: c.folder(eas.FolderTypeSentItems)})
		httpCheckStatus(s, "FolderUpdate", r)
		_, fs = c.folderSync()
		name, parent := "", ""
		if f := httpFolderIn(fs, fc.ServerId); f != nil {
			name, parent = f.DisplayName, f.ParentId
		}
		s.equal(431, "the updated folder's name", updated, name)
		s.equal(68, "the updated folder's parent", c.folder(eas.FolderTypeSentItems), parent)

		r = c.post("FolderDelete", nil, &eas.FolderDeleteRequest{SyncKey: fs.SyncKey, ServerId: fc.ServerId})
		httpCheckStatus(s, "FolderDelete", r)
		_, fs = c.folderSync()
		s.capture(496, httpFolderIn(fs, fc.ServerId) == nil, "FolderSync still lists the deleted folder")
	})
}

// MSASHTTP_S01_TC12: Ping reports a folder with a new message, MoveItems
// moves it, and ItemOperations with the AcceptMultiPart option answers in
// multipart (base64 query).
func TestMSASHTTP_S01_TC12_CommandCode_ItemRelatedCommands(t *testing.T) {
	atVersions(t, specHTTP, from(eas.Version121), func(t *testing.T, s *site) {
		c := httpNewClient(s, httpLab(s))
		subject, folderName := "SendMail"+s.version.String(), "CreatedFolder"+s.version.String()
		c.sendMail(plainMIME(mailAddress(httpUser1), mailAddress(httpUser2), "", subject, "SendMail content"), "")

		c.switchUser(httpUser2, true)
		r, fs := c.folderSync()
		s.capture(428, !bytes.Contains(r.body, []byte(subject)), "FolderSync's answer carries the message %q", subject)
		inbox := c.folder(eas.FolderTypeInbox)
		r = c.ping(inbox)
		var ping eas.PingResponse
		s.must(wbxml.Unmarshal(r.body, &ping), "reading Ping")
		s.equal(504, "Ping's Status for a folder with a new message", 2, ping.Status)

		id := c.find(inbox, subject, true)
		fc := c.folderCreate(fs.SyncKey, folderName, inbox)
		r = c.post("MoveItems", nil, &eas.MoveItemsRequest{Move: []eas.MoveItem{{SrcMsgId: id, SrcFldId: inbox, DstFldId: fc.ServerId}}})
		httpCheckStatus(s, "MoveItems", r)
		id = c.find(fc.ServerId, subject, true)
		s.capture(499, id != "", "the moved message is not in the new folder")

		r = c.itemOperations(fc.ServerId, id, true)
		ct := r.header.Get("Content-Type")
		if ct == "" {
			s.t.Fatalf("ItemOperations' answer has no Content-Type")
		}
		for _, id := range []int{94, 95, 534} {
			s.equal(id, "the Content-Type of ItemOperations with AcceptMultiPart", eas.ContentTypeMultipart, ct)
		}
		r = c.post("FolderDelete", nil, &eas.FolderDeleteRequest{SyncKey: fc.SyncKey, ServerId: fc.ServerId})
		httpCheckStatus(s, "FolderDelete", r)
	})
}

// ping is CallPingCommand (80 s heartbeat). A Ping that is still
// waiting after a few seconds has its heartbeat run out on the lab's clock.
func (c *httpClient) ping(folder string) *httpResp {
	c.s.t.Helper()
	hr := c.build("Ping", nil, &eas.PingRequest{HeartbeatInterval: 80, Folders: &eas.PingFolders{Folder: []eas.PingFolder{{Id: folder, Class: "Email"}}}})
	type result struct {
		r   *httpResp
		err error
	}
	done := make(chan result, 1)
	go func() {
		resp, err := c.hc.Do(hr)
		if err != nil {
			done <- result{err: err}
			return
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		done <- result{&httpResp{status: resp.StatusCode, proto: resp.Proto, header: resp.Header, body: b}, err}
	}()
	var res result
	for waited := false; ; {
		select {
		case res = <-done:
		case <-time.After(3 * time.Second):
			if !waited {
				c.s.t.Logf("difference: the Ping is still waiting; its heartbeat is run out")
				waited = true
			}
			c.l.env.Clock.Advance(81 * time.Second)
			continue
		}
		break
	}
	c.s.must(res.err, "Ping")
	if res.r.status != http.StatusOK {
		c.s.t.Fatalf("Ping answered HTTP %d, want 200", res.r.status)
	}
	httpVerifyPOST(c.s, res.r)
	return res.r
}

// MSASHTTP_S01_TC13: ResolveRecipients and Settings succeed.
func TestMSASHTTP_S01_TC13_CommandCode_UserRelatedCommands(t *testing.T) {
	atVersions(t, specHTTP, from(eas.Version121), func(t *testing.T, s *site) {
		c := httpNewClient(s, httpLab(s))
		r := c.post("ResolveRecipients", nil, &eas.ResolveRecipientsRequest{To: []string{httpUser1}})
		httpCheckStatus(s, "ResolveRecipients", r)
		r = c.post("Settings", nil, &eas.SettingsRequest{})
		httpCheckStatus(s, "Settings", r)
	})
}

// MSASHTTP_S01_TC14: ValidateCert succeeds.
func TestMSASHTTP_S01_TC14_CommandCode_ValidateCert(t *testing.T) {
	atVersions(t, specHTTP, from(eas.Version121), func(t *testing.T, s *site) {
		c := httpNewClient(s, httpLab(s))
		r := c.post("ValidateCert", nil, &eas.ValidateCertRequest{})
		httpCheckStatus(s, "ValidateCert", r)
	})
}

// MSASHTTP_S02_TC01: a request of an unknown protocol version (19.1) is
// refused with HTTP 400, and again when repeated.
func TestMSASHTTP_S02_TC01_Verify400StatusCode(t *testing.T) {
	atVersions(t, specHTTP, from(eas.Version121), func(t *testing.T, s *site) {
		c := httpNewClient(s, httpLab(s))
		c.version = "191"
		r := c.try("FolderSync", nil, &eas.FolderSyncRequest{SyncKey: "0"})
		s.equal(176, "the HTTP status of a request of version 19.1", http.StatusBadRequest, r.status)
		s.equal(188, "the HTTP status of a request of version 19.1", http.StatusBadRequest, r.status)
		r = c.try("FolderSync", nil, &eas.FolderSyncRequest{SyncKey: "0"})
		s.equal(177, "the HTTP status of the same request repeated", http.StatusBadRequest, r.status)
	})
}

// MSASHTTP_S02_TC02: a request without credentials, and one with a wrong
// password, are refused with HTTP 401.
func TestMSASHTTP_S02_TC02_Verify401StatusCode(t *testing.T) {
	atVersions(t, specHTTP, from(eas.Version121), func(t *testing.T, s *site) {
		c := httpNewClient(s, httpLab(s))
		c.user, c.password = "", ""
		r := c.try("FolderSync", nil, &eas.FolderSyncRequest{SyncKey: "0"})
		s.equal(178, "the HTTP status of a request without credentials", http.StatusUnauthorized, r.status)
		c.user, c.password = httpUser1, password+"InvalidPassword"
		r = c.try("FolderSync", nil, &eas.FolderSyncRequest{SyncKey: "0"})
		s.equal(523, "the HTTP status of a request with a wrong password", http.StatusUnauthorized, r.status)
	})
}

// MSASHTTP_S02_TC03: a plain HTTP request to a server that requires SSL
// is refused with HTTP 403 (run over HTTPS only).
func TestMSASHTTP_S02_TC03_Verify403StatusCode(t *testing.T) {
	atVersions(t, specHTTP, from(eas.Version121), func(t *testing.T, s *site) {
		s.notApplicable("the test runs only over HTTPS and turns on the ActiveSync virtual directory's Require SSL setting (ConfigureSSLSetting), which easlab, served over HTTP, does not model", 180)
	})
}

// MSASHTTP_S02_TC04: a request to a URI the server does not serve is
// refused with HTTP 404.
func TestMSASHTTP_S02_TC04_Verify404StatusCode(t *testing.T) {
	atVersions(t, specHTTP, from(eas.Version121), func(t *testing.T, s *site) {
		c := httpNewClient(s, httpLab(s))
		c.host += "/NotSupport"
		r := c.try("FolderSync", nil, &eas.FolderSyncRequest{SyncKey: "0"})
		s.equal(182, "the HTTP status of a request to an unknown URI", http.StatusNotFound, r.status)
		s.equal(441, "the HTTP status of a request to an unknown URI", http.StatusNotFound, r.status)
	})
}

// MSASHTTP_S02_TC05: a command the server does not know is refused with
// HTTP 501 (plain query).
func TestMSASHTTP_S02_TC05_Verify501StatusCode(t *testing.T) {
	atVersions(t, specHTTP, from(eas.Version121), func(t *testing.T, s *site) {
		c := httpNewClient(s, httpLab(s))
		c.base64 = false
		r := c.try("NotExist", nil, &eas.FolderSyncRequest{SyncKey: "0"})
		s.equal(186, "the HTTP status of an unknown command", http.StatusNotImplemented, r.status)
		s.equal(465, "the HTTP status of an unknown command", http.StatusNotImplemented, r.status)
	})
}

// MSASHTTP_S03_TC01: MS-ASAcceptMultiPart T asks for a multipart
// ItemOperations answer; F, or no header, for an inline one (plain query).
func TestMSASHTTP_S03_TC01_SetASAcceptMultiPartRequestHeader(t *testing.T) {
	atVersions(t, specHTTP, from(eas.Version121), func(t *testing.T, s *site) {
		c := httpNewClient(s, httpLab(s))
		c.base64 = false
		c.folderSync()
		subject := "SendMail" + s.version.String()
		c.sendMail(plainMIME(mailAddress(httpUser1), mailAddress(httpUser2), "", subject, "SendMail content"), "")
		c.switchUser(httpUser2, true)
		inbox := c.folder(eas.FolderTypeInbox)
		id := c.find(inbox, subject, true)

		c.acceptMultiPart = "T"
		ct := c.itemOperations(inbox, id, false).header.Get("Content-Type")
		s.equal(154, "the Content-Type of ItemOperations with MS-ASAcceptMultiPart T", eas.ContentTypeMultipart, ct)
		c.acceptMultiPart = "F"
		ct = c.itemOperations(inbox, id, false).header.Get("Content-Type")
		s.capture(440, ct != "" && !strings.HasPrefix(ct, eas.ContentTypeMultipart), "ItemOperations with MS-ASAcceptMultiPart F answered %q", ct)
		c.acceptMultiPart = ""
		ct = c.itemOperations(inbox, id, false).header.Get("Content-Type")
		s.capture(155, ct != "" && !strings.HasPrefix(ct, eas.ContentTypeMultipart), "ItemOperations without MS-ASAcceptMultiPart answered %q", ct)
	})
}

// MSASHTTP_S03_TC02: a request with a User-Agent header succeeds.
func TestMSASHTTP_S03_TC02_SetUserAgentRequestHeader(t *testing.T) {
	atVersions(t, specHTTP, from(eas.Version121), func(t *testing.T, s *site) {
		c := httpNewClient(s, httpLab(s))
		c.userAgent = "ASOM"
		r := c.post("FolderSync", nil, &eas.FolderSyncRequest{SyncKey: "0"})
		httpCheckStatus(s, "FolderSync", r)
	})
}

// MSASHTTP_S03_TC03: the policy key is carried by X-MS-PolicyKey in the
// plain query and by the query itself in the base64 one.
func TestMSASHTTP_S03_TC03_SetPolicyKeyRequestHeader(t *testing.T) {
	atVersions(t, specHTTP, from(eas.Version121), func(t *testing.T, s *site) {
		c := httpNewClient(s, httpLab(s))
		for _, b64 := range []bool{false, true} {
			c.base64 = b64
			c.policyKey = ""
			key := c.provision("")
			c.policyKey = key
			c.provision(key)
		}
		c.policyKey = ""
	})
}

// provision is CallProvisionCommand: the initial request (with
// DeviceInformation, Model ASHTTPTest, from 14.1) or the acknowledgment of
// policyKey; it returns the answer's policy key.
func (c *httpClient) provision(policyKey string) string {
	c.s.t.Helper()
	req := provRequest(c.s, policyKey, wbxmlPolicy, 1)
	if req.DeviceInformation != nil {
		req.DeviceInformation.Set.Model = "ASHTTPTest"
	}
	r := c.post("Provision", nil, req)
	httpCheckStatus(c.s, "Provision", r)
	var resp eas.ProvisionResponse
	c.s.must(wbxml.Unmarshal(r.body, &resp), "reading Provision")
	if resp.Policies == nil {
		return ""
	}
	return resp.Policies.Policy.PolicyKey
}

// MSASHTTP_S03_TC04: under the UserAgentsChanges threshold (two changes
// a minute, a block of a minute), a third User-Agent within the minute is
// refused with HTTP 503, and the block ends after a minute.
func TestMSASHTTP_S03_TC04_LimitChangesToUserAgentHeader(t *testing.T) {
	atVersions(t, specHTTP, from(eas.Version121), func(t *testing.T, s *site) {
		l := httpLab(s)
		c := httpNewClient(s, l)
		l.env.Clock.Advance(time.Minute)
		fs := &eas.FolderSyncRequest{SyncKey: "0"}
		for _, ua := range []string{"ASOM1", "ASOM2"} {
			c.userAgent = ua
			httpCheckStatus(s, "FolderSync", c.post("FolderSync", nil, fs))
		}
		c.userAgent = "ASOM3"
		r := c.try("FolderSync", nil, fs)
		s.equal(456, "the HTTP status of the third User-Agent change in a minute", http.StatusServiceUnavailable, r.status)

		c.userAgent = "ASOM4"
		blocked := c.try("FolderSync", nil, fs).status != http.StatusOK
		l.env.Clock.Advance(time.Minute)
		c.userAgent = "ASOM5"
		r = c.try("FolderSync", nil, fs)
		s.capture(457, blocked && r.status == http.StatusOK, "a fourth change within the minute was refused: %v; a change after the block's minute answered HTTP %d", blocked, r.status)
	})
}

// MSASHTTP_S04_TC01: HTTP OPTIONS answers with the commands and the
// protocol versions the server supports.
func TestMSASHTTP_S04_TC01_HTTPOPTIONS(t *testing.T) {
	atVersions(t, specHTTP, from(eas.Version121), func(t *testing.T, s *site) {
		c := httpNewClient(s, httpLab(s))
		r := c.options()
		if r.status != http.StatusOK {
			s.t.Fatalf("OPTIONS answered HTTP %d, want 200", r.status)
		}
		// VerifyHTTPOPTIONSResponse and VerifyHTTPOPTIONSHeaders.
		s.capture(261, true, "")
		httpStatusLine(s, r, 319, 239, 240, 241, 244, 450)
		cmds, vers := r.header.Get(eas.HeaderProtocolCommands), r.header.Get(eas.HeaderProtocolVersions)
		list := strings.Split(vers, ",")
		has := func(v string) bool {
			for _, x := range list {
				if strings.TrimSpace(x) == v {
					return true
				}
			}
			return false
		}
		s.capture(459, has("12.1"), "MS-ASProtocolVersions is %q", vers)
		s.capture(460, has("14.0"), "MS-ASProtocolVersions is %q", vers)
		s.capture(461, has("14.1"), "MS-ASProtocolVersions is %q", vers)
		s.capture(1201, has("16.0"), "MS-ASProtocolVersions is %q", vers)
		s.capture(12011, has("16.1"), "MS-ASProtocolVersions is %q", vers)
		s.capture(249, vers != "", "MS-ASProtocolVersions is empty")
		s.capture(1107, cmds != "" && vers != "", "MS-ASProtocolCommands is %q and MS-ASProtocolVersions %q", cmds, vers)
		s.capture(247, len(strings.Split(cmds, ",")) > 1, "MS-ASProtocolCommands is %q", cmds)
		s.capture(238, vers != "", "the OPTIONS answer names no protocol version")
		s.capture(296, len(list) > 1, "MS-ASProtocolVersions is %q", vers)
		s.capture(401, true, "")
	})
}
