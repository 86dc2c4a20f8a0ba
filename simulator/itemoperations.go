package simulator

import (
	"bytes"
	"crypto/md5"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"

	"github.com/easlab/easlab/eas"
	"github.com/easlab/easlab/wbxml"
)

// ItemOperations (MS-ASCMD 2.2.1.10, 12.0+; protocol.md 1.9 and 3.2):
// Fetch of items and attachments, EmptyFolderContents, and (14.0+) the
// conversation Move. The legacy GetAttachment (up to 12.1) is here too.
//
// Statuses, as the Microsoft test suite (MS-ASCMD S08) observes them on
// Exchange: a request that breaks the protocol (no operation, an unknown
// element, two identifiers in one Fetch, a malformed Range) gets the
// global Status 2; a Store other than Mailbox 9; an item that is not there
// 6; a bad FileReference 15; a Range past the data 8, one longer than
// maxFetchRange 11; EmptyFolderContents of the Recipient Information Cache
// 16; a conversation Move without MoveAlways 155, to a folder that is not
// a mail folder 156.

// maxFetchRange is the largest byte Range a Fetch may ask for: Exchange's
// MaxDocumentDataSize (10,240,000 bytes by default); larger gets status 11.
const maxFetchRange = 10240000

var (
	ioPropertiesTag     = mustTag("ItemOperations:Properties")
	ioFetchTag          = mustTag("ItemOperations:Fetch")
	ioPartTag           = mustTag("ItemOperations:Part")
	ioConversationIDTag = mustTag("Email2:ConversationId")
	ioThreadTopicTag    = mustTag("Email:ThreadTopic")
)

// The Store of a mailbox Fetch.
const storeMailbox = "Mailbox"

func handleItemOperations(c *call) error {
	var req eas.ItemOperationsRequest
	err := c.decode(&req)
	if c.fetchBodyPreferenceError() != "" {
		// A Fetch whose body preferences break the schema: the global
		// Status 2 (see bodyprefs.go).
		return c.reply(&eas.ItemOperationsResponse{Status: int(eas.ItemOperationsStatusProtocolError)})
	}
	if err != nil {
		return err
	}
	// A mailbox Fetch with a FileReference element is an attachment's,
	// even when the element is empty; an empty one names no attachment:
	// Status 15 (Exchange's ItemOperationsCommand picks its attachment
	// provider by the element; MS-ASAIRS 2.2.2.24.2, MSASAIRS_S03_TC01
	// R214).
	emptyRef := c.fetchesWithEmptyFileReference()
	for i := range req.Operations {
		if f := req.Operations[i].Fetch; f != nil && emptyRef[i] && f.ServerId == "" && f.LongId == "" && f.LinkId == "" && f.CollectionId == "" {
			f.FileReference = emptyFileReference
		}
	}
	if !validItemOperations(&req, c.req.ProtocolVersion) || c.fetchHasRepeatedChild() {
		return c.reply(&eas.ItemOperationsResponse{Status: int(eas.ItemOperationsStatusProtocolError)})
	}
	multipart := c.req.AcceptMultiPart()
	m := c.mb
	out := &itemOpsOutput{multipart: multipart}
	m.lock()
	for _, op := range req.Operations {
		var res eas.ItemOperationResult
		switch {
		case op.Fetch != nil:
			r := c.fetchLocked(op.Fetch, out)
			res.Fetch = &r
		case op.EmptyFolderContents != nil:
			r := c.emptyFolderLocked(op.EmptyFolderContents)
			res.EmptyFolderContents = &r
		case op.Move != nil:
			r := c.moveConversationLocked(op.Move, out)
			res.Move = &r
		}
		out.results = append(out.results, res)
	}
	resp := &eas.ItemOperationsResponse{Status: int(eas.ItemOperationsStatusSuccess), Response: &eas.ItemOperationsResults{Results: out.results}}
	b, err := wbxml.Marshal(resp)
	m.unlock()
	if err != nil {
		return fmt.Errorf("marshal ItemOperations response: %w", err)
	}
	for _, r := range out.rules {
		mailSide(m).setConversationRule(r.id, r.folder)
	}
	if !multipart {
		c.out = b
		return nil
	}
	c.replyRaw(eas.ContentTypeMultipart, multipartBody(append([][]byte{b}, out.parts...)))
	return nil
}

// itemOpsOutput collects what the operations produce besides their
// results: the data parts of a multipart response (part 1 is parts[0])
// and the conversation rules to record.
type itemOpsOutput struct {
	multipart bool
	results   []eas.ItemOperationResult
	parts     [][]byte
	rules     []struct {
		id     []byte
		folder string
	}
}

// addPart adds a multipart data part and returns its index.
func (o *itemOpsOutput) addPart(b []byte) int {
	o.parts = append(o.parts, b)
	return len(o.parts)
}

// validItemOperations reports whether the request keeps to the protocol;
// if not, Exchange answers only the global Status 2.
func validItemOperations(req *eas.ItemOperationsRequest, v eas.ProtocolVersion) bool {
	if len(req.Operations) == 0 || len(req.Extra) > 0 {
		return false
	}
	for _, op := range req.Operations {
		switch {
		case op.Fetch != nil:
			f := op.Fetch
			if f.Store == "" || len(f.Extra) > 0 {
				return false
			}
			if !strings.EqualFold(f.Store, storeMailbox) && !strings.EqualFold(f.Store, "DocumentLibrary") {
				// Exchange answers a Fetch from a store it does not know
				// with the Fetch's Status 9 before it reads the rest of
				// the Fetch (ItemOperationsCommand; Interop MS-ASCMD
				// S08_TC03 R4161, whose Fetch has an empty ServerId).
				continue
			}
			ids := 0
			for _, id := range []string{f.ServerId, f.LongId, f.LinkId, f.FileReference} {
				if id != "" {
					ids++
				}
			}
			if ids != 1 || f.CollectionId != "" && f.ServerId == "" {
				return false
			}
			if o := f.Options; o != nil {
				if len(o.Extra) > 0 {
					return false
				}
				if o.Range != "" {
					if _, _, ok := parseByteRange(o.Range); !ok {
						return false
					}
				}
			}
		case op.EmptyFolderContents != nil:
			e := op.EmptyFolderContents
			if e.CollectionId == "" || len(e.Extra) > 0 || e.Options != nil && len(e.Options.Extra) > 0 {
				return false
			}
		case op.Move != nil:
			mv := op.Move
			if !v.AtLeast(eas.Version140) || len(mv.ConversationId) == 0 || mv.DstFldId == "" || len(mv.Extra) > 0 {
				return false
			}
		}
	}
	return true
}

// emptyFileReference stands for a FileReference element sent empty, which
// decoding cannot tell from one not sent; no attachment has it.
const emptyFileReference = "\x00"

// fetchesWithEmptyFileReference reports, by the index of the operation,
// the Fetches of the request whose AirSyncBase:FileReference is present
// and empty.
func (c *call) fetchesWithEmptyFileReference() map[int]bool {
	root := c.requestTree()
	if root == nil {
		return nil
	}
	var out map[int]bool
	for i, op := range root.Elements() {
		if op.Tag != ioFetchTag {
			continue
		}
		for _, e := range op.Elements() {
			if e.Tag == tFileReference && e.Text() == "" {
				if out == nil {
					out = map[int]bool{}
				}
				out[i] = true
			}
		}
	}
	return out
}

// fetchHasRepeatedChild reports whether a Fetch of the request has an
// element twice, such as two FileReferences: the schema allows each once,
// and Exchange refuses the request with the global Status 2 (Interop
// MS-ASCMD S08_TC18 R765). Decoding keeps only the last, so the request's
// tree is read again.
func (c *call) fetchHasRepeatedChild() bool {
	root := c.requestTree()
	if root == nil {
		return false
	}
	for _, op := range root.Elements() {
		if op.Tag != ioFetchTag {
			continue
		}
		seen := map[*wbxml.Tag]bool{}
		for _, e := range op.Elements() {
			if seen[e.Tag] {
				return true
			}
			seen[e.Tag] = true
		}
	}
	return false
}

// parseByteRange parses a Range "first-last" (zero-based, inclusive).
func parseByteRange(s string) (first, last int, ok bool) {
	a, b, found := strings.Cut(s, "-")
	if !found {
		return 0, 0, false
	}
	first, err1 := strconv.Atoi(a)
	last, err2 := strconv.Atoi(b)
	if err1 != nil || err2 != nil || first < 0 || last < first {
		return 0, 0, false
	}
	return first, last, true
}

// fetchLocked answers one Fetch.
func (c *call) fetchLocked(f *eas.Fetch, out *itemOpsOutput) eas.FetchResult {
	res := eas.FetchResult{CollectionId: f.CollectionId, ServerId: f.ServerId, LongId: f.LongId, LinkId: f.LinkId, FileReference: f.FileReference}
	if !strings.EqualFold(f.Store, storeMailbox) {
		// Document libraries (LinkId) are not served: Exchange 2013 and
		// later dropped them too.
		res.Status = int(eas.ItemOperationsStatusUnknownStore)
		return res
	}
	if f.FileReference != "" {
		return c.fetchAttachmentLocked(f, res, out)
	}
	m := c.mb
	var it *Item
	if f.ServerId != "" {
		it = m.items[f.ServerId]
		if it != nil && f.CollectionId != "" && it.FolderID != f.CollectionId {
			it = nil
		}
	} else {
		it = itemByLongIDLocked(m, f.LongId)
	}
	if it == nil || it.Deleted {
		res.Status = int(eas.ItemOperationsStatusDocumentLibraryNotFound) // 6: object not found
		return res
	}
	if f.ServerId != "" {
		res.CollectionId = it.FolderID
	}
	res.Class = it.Class
	ro := renderOptions{withBody: true, version: c.req.ProtocolVersion.String()}
	var schema eas.TagList
	if o := f.Options; o != nil {
		ro.prefs = o.BodyPreference
		ro.parts = o.BodyPartPreference
		if o.MIMESupport != nil {
			ro.mime = *o.MIMESupport
		}
		schema = o.Schema
	}
	app := renderItem(it, ro)
	props := &wbxml.Node{Tag: ioPropertiesTag}
	for _, n := range app.Children {
		if len(schema) > 0 && !inTagList(schema, n.Tag) {
			continue
		}
		if n.Tag == tBody && out.multipart {
			n = bodyToPart(n, out)
		}
		props.Children = append(props.Children, n)
	}
	props.Empty = len(props.Children) == 0
	res.Status = int(eas.ItemOperationsStatusSuccess)
	res.Properties = props
	return res
}

func inTagList(l eas.TagList, t *wbxml.Tag) bool {
	for _, x := range l {
		if x == t {
			return true
		}
	}
	return false
}

// bodyToPart moves the Data of a rendered Body into a multipart part and
// puts ItemOperations:Part in its place (protocol.md 1.9).
func bodyToPart(body *wbxml.Node, out *itemOpsOutput) *wbxml.Node {
	nb := &wbxml.Node{Tag: body.Tag}
	for _, ch := range body.Children {
		if ch.Tag == tData {
			ch = wbxml.NewText(ioPartTag, strconv.Itoa(out.addPart([]byte(ch.Text()))))
		}
		nb.Children = append(nb.Children, ch)
	}
	return nb
}

// parseFileReference splits a FileReference "<ServerId>:<index>" (see
// renderAttachments).
func parseFileReference(ref string) (serverID string, index int, ok bool) {
	i := strings.LastIndexByte(ref, ':')
	if i <= 0 {
		return "", 0, false
	}
	n, err := strconv.Atoi(ref[i+1:])
	if err != nil || n < 0 {
		return "", 0, false
	}
	return ref[:i], n, true
}

// attachmentLocked returns the attachment a FileReference names.
func attachmentLocked(m *Mailbox, ref string) (Attachment, bool) {
	id, n, ok := parseFileReference(ref)
	if !ok {
		return Attachment{}, false
	}
	it := m.items[id]
	if it == nil || it.Deleted {
		return Attachment{}, false
	}
	// The attachments as renderAttachments numbers them (a winmail.dat's
	// in its place, tnef.go).
	list := itemAttachments(it)
	if n >= len(list) {
		return Attachment{}, false
	}
	return list[n].Attachment, true
}

func (c *call) fetchAttachmentLocked(f *eas.Fetch, res eas.FetchResult, out *itemOpsOutput) eas.FetchResult {
	if f.FileReference == emptyFileReference {
		res.FileReference = ""
	}
	a, ok := attachmentLocked(c.mb, f.FileReference)
	if !ok {
		res.Status = int(eas.ItemOperationsStatusInvalidAttachment)
		return res
	}
	data := a.Data
	p := &eas.FetchProperties{ContentType: a.ContentType}
	if p.ContentType == "" {
		p.ContentType = "application/octet-stream"
	}
	if f.Options != nil && f.Options.Range != "" {
		first, last, _ := parseByteRange(f.Options.Range)
		switch {
		case last-first+1 > maxFetchRange:
			res.Status = int(eas.ItemOperationsStatusDataTooLarge)
			return res
		case first >= len(data):
			res.Status = int(eas.ItemOperationsStatusInvalidByteRange)
			return res
		}
		last = min(last, len(data)-1)
		total := len(data)
		data = data[first : last+1]
		p.Range = fmt.Sprintf("%d-%d", first, last)
		p.Total = &total
	}
	if out.multipart {
		p.Part = out.addPart(data)
	} else {
		p.Data = base64.StdEncoding.EncodeToString(data)
	}
	props, err := eas.NewFetchResultProperties(p)
	if err != nil {
		res.Status = int(eas.ItemOperationsStatusServerError)
		return res
	}
	res.Status = int(eas.ItemOperationsStatusSuccess)
	res.Properties = props
	return res
}

// multipartBody lays out a multipart response (MS-ASCMD 2.2.1.10.1.1): the
// part count, then each part's offset from the start of the body and its
// length, all little-endian int32, then the parts.
func multipartBody(parts [][]byte) []byte {
	head := 4 + 8*len(parts)
	size := head
	for _, p := range parts {
		size += len(p)
	}
	b := make([]byte, 0, size)
	b = binary.LittleEndian.AppendUint32(b, uint32(len(parts)))
	off := head
	for _, p := range parts {
		b = binary.LittleEndian.AppendUint32(b, uint32(off))
		b = binary.LittleEndian.AppendUint32(b, uint32(len(p)))
		off += len(p)
	}
	for _, p := range parts {
		b = append(b, p...)
	}
	return b
}

// emptyFolderLocked deletes the items of a folder, and its subfolders
// with DeleteSubFolders (which are otherwise kept, with their items).
func (c *call) emptyFolderLocked(e *eas.EmptyFolderContents) eas.EmptyFolderContentsResult {
	res := eas.EmptyFolderContentsResult{CollectionId: e.CollectionId}
	m := c.mb
	f := m.folderLocked(e.CollectionId)
	switch {
	case strings.EqualFold(e.CollectionId, "RI") || f != nil && f.Type == eas.FolderTypeRecipientInfoCache:
		// "The ItemOperations command cannot perform operations on items
		// in the recipient information cache" (MS-ASCMD S08 TC09, TC20).
		res.Status = int(eas.ItemOperationsStatusAccessDenied)
		return res
	case f == nil:
		// UNCONFIRMED which status Exchange gives an unknown folder.
		res.Status = int(eas.ItemOperationsStatusDocumentLibraryNotFound)
		return res
	}
	var doomed []*Item
	for _, it := range m.items {
		if it.FolderID == f.ServerID && !it.Deleted {
			doomed = append(doomed, it)
		}
	}
	sort.Slice(doomed, func(i, j int) bool { return itemLess(doomed[i], doomed[j]) })
	for _, it := range doomed {
		it.Deleted = true
		m.stampLocked(it, true)
	}
	if e.Options != nil && e.Options.DeleteSubFolders {
		var children []*Folder
		for _, child := range m.folders {
			if !child.Deleted && child.ParentID == f.ServerID {
				children = append(children, child)
			}
		}
		for _, child := range children {
			m.deleteFolderLocked(child)
		}
	}
	res.Status = int(eas.ItemOperationsStatusSuccess)
	return res
}

// moveConversationLocked moves every message of a conversation to a mail
// folder and, with MoveAlways, records that later ones go there too.
// Sent Items, Deleted Items, Drafts and the Outbox are left alone, as
// Outlook's "Always Move" leaves them.
func (c *call) moveConversationLocked(mv *eas.ConversationMove, out *itemOpsOutput) eas.ConversationMoveResult {
	res := eas.ConversationMoveResult{ConversationId: mv.ConversationId}
	m := c.mb
	if mv.Options == nil || !mv.Options.MoveAlways {
		res.Status = int(eas.StatusMoveCommandDisallowedForNonPersistentMoveAction)
		return res
	}
	dst := m.folderLocked(mv.DstFldId)
	if dst == nil || folderClass(dst.Type) != "Email" || dst.Type == eas.FolderTypeOutbox {
		res.Status = int(eas.StatusMoveCommandInvalidDestinationFolder)
		return res
	}
	var moving []*Item
	for _, it := range m.items {
		if it.Deleted || it.Class != "Email" || it.FolderID == dst.ServerID {
			continue
		}
		f := m.folderLocked(it.FolderID)
		if f == nil || folderClass(f.Type) != "Email" {
			continue
		}
		switch f.Type {
		case eas.FolderTypeSentItems, eas.FolderTypeDeletedItems, eas.FolderTypeDrafts, eas.FolderTypeOutbox:
			continue
		}
		if bytes.Equal(itemConversationID(it), mv.ConversationId) {
			moving = append(moving, it)
		}
	}
	sort.Slice(moving, func(i, j int) bool { return itemLess(moving[i], moving[j]) })
	for _, it := range moving {
		if _, err := m.moveLocked(it, dst.ServerID); err != nil {
			res.Status = int(eas.StatusFailureInMoveOperation)
			return res
		}
	}
	out.rules = append(out.rules, struct {
		id     []byte
		folder string
	}{append([]byte(nil), mv.ConversationId...), dst.ServerID})
	res.Status = int(eas.ItemOperationsStatusSuccess)
	return res
}

// itemConversationID returns an e-mail's Email2:ConversationId: the stored
// one, or else one derived as Exchange derives conversations, from the
// normalized subject (thread topic): the MD5 of it, lower-cased, which is
// 16 bytes like Exchange's. Whatever renders ConversationId to devices
// must use this function too, so that devices can name conversations.
func itemConversationID(it *Item) []byte {
	for _, p := range it.Props {
		if p.Tag == ioConversationIDTag {
			for _, ch := range p.Children {
				if ch.Tag == nil && len(ch.Data) > 0 {
					return ch.Data
				}
			}
		}
	}
	topic := it.Prop(ioThreadTopicTag)
	if topic == "" {
		topic = it.Prop(tEmailSubject)
	}
	sum := md5.Sum([]byte(strings.ToLower(conversationTopic(topic))))
	return sum[:]
}

// conversationTopic strips reply and forward prefixes ("RE: FW: x" is x).
func conversationTopic(s string) string {
	for {
		s = strings.TrimSpace(s)
		i := strings.IndexByte(s, ':')
		if i <= 0 || i > 4 {
			return s
		}
		switch strings.ToUpper(s[:i]) {
		case "RE", "FW", "FWD", "AW", "WG", "SV", "VS", "TR":
			s = s[i+1:]
		default:
			return s
		}
	}
}

// GetAttachment (up to 12.1): the attachment named by the AttachmentName
// query parameter (a FileReference), as raw bytes with its Content-Type;
// HTTP 500 when it is gone (MS-ASCMD S06 TC02).
func handleGetAttachment(c *call) error {
	m := c.mb
	m.lock()
	a, ok := attachmentLocked(m, c.req.AttachmentName)
	m.unlock()
	if !ok {
		return eas.NewHTTPError(http.StatusInternalServerError, "no attachment "+c.req.AttachmentName)
	}
	ct := a.ContentType
	if ct == "" {
		ct = "application/octet-stream"
	}
	c.replyRaw(ct, a.Data)
	return nil
}

// replyRaw writes a response that is not WBXML (a multipart ItemOperations
// response, an attachment) at once, with the common headers. Call it
// without holding a mailbox lock.
func (c *call) replyRaw(contentType string, b []byte) {
	c.s.setCommonHeaders(c)
	h := c.w.Header()
	h.Set("Content-Type", contentType)
	h.Set("Content-Length", strconv.Itoa(len(b)))
	c.w.WriteHeader(http.StatusOK)
	c.w.Write(b)
	c.written = true
}
