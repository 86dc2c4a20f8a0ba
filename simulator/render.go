package simulator

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"github.com/easlab/easlab/eas"
	"html"
	"net/mail"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/easlab/easlab/wbxml"
)

// tags used when rendering items, looked up once.
var (
	tApplicationData   = mustTag("AirSync:ApplicationData")
	tBody              = mustTag("AirSyncBase:Body")
	tBodyType          = mustTag("AirSyncBase:Type")
	tEstimatedDataSize = mustTag("AirSyncBase:EstimatedDataSize")
	tTruncated         = mustTag("AirSyncBase:Truncated")
	tData              = mustTag("AirSyncBase:Data")
	tPreview           = mustTag("AirSyncBase:Preview")
	tNativeBodyType    = mustTag("AirSyncBase:NativeBodyType")
	tBodyPart          = mustTag("AirSyncBase:BodyPart")
	tConversationIndex = mustTag("Email2:ConversationIndex")
	tCategories        = mustTag("Email:Categories")
	tBodyPartStatus    = mustTag("AirSyncBase:Status")
	tAttachments       = mustTag("AirSyncBase:Attachments")
	tAttachment        = mustTag("AirSyncBase:Attachment")
	tAttDisplayName    = mustTag("AirSyncBase:DisplayName")
	tFileReference     = mustTag("AirSyncBase:FileReference")
	tMethod            = mustTag("AirSyncBase:Method")
	tContentID         = mustTag("AirSyncBase:ContentId")
	tIsInline          = mustTag("AirSyncBase:IsInline")
	tEmailMessageClass = mustTag("Email:MessageClass")
	tEmailSubject      = mustTag("Email:Subject")
	tEmailReplyTo      = mustTag("Email:ReplyTo")
	tEmailFrom         = mustTag("Email:From")
	tEmailTo           = mustTag("Email:To")
	tEmailRead         = mustTag("Email:Read")
	tEmailDateReceived = mustTag("Email:DateReceived")
)

func mustTag(q string) *wbxml.Tag {
	t := wbxml.LookupQualified(q)
	if t == nil {
		panic("simulator: unknown tag " + q)
	}
	return t
}

// Body types of AirSyncBase (MS-ASAIRS 2.2.2.22.1).
const (
	bodyPlain = 1
	bodyHTML  = 2
	bodyRTF   = 3
	bodyMIME  = 4
)

// renderOptions say how a device wants items rendered.
type renderOptions struct {
	prefs []eas.BodyPreference
	parts []eas.BodyPartPreference // BodyPartPreference, 14.1+
	mime  int                      // MIMESupport: 0 never, 1 S/MIME only, 2 always
	// mimeTruncation is the byte size MIMETruncation names (Sync, 12.1+),
	// nil when absent or 8 (no truncation).
	mimeTruncation *int
	version        string
	withBody       bool
	key            string // cacheKey, once computed (withKey)
}

// withKey returns o with its cache key computed, for options used for
// many items (a Sync's collection).
func (o renderOptions) withKey() renderOptions {
	o.key = ""
	o.key = o.cacheKey()
	return o
}

// bodyChoice is the body a request gets: its type, its data (cut or
// left out), the size of the whole, whether it was cut, and the
// preference it answers (nil when none did).
type bodyChoice struct {
	typ       int
	data      string
	size      int
	truncated bool
	pref      *eas.BodyPreference
}

// chooseBody picks the body to send as Exchange's AirSyncContentProperty
// does. Without preferences it is the whole plain text. MIME is sent when
// MIMESupport asks for it (2: every message) and a preference of Type 4
// is there, cut to MIMETruncation or else to that preference's
// TruncationSize (MS-ASCMD 2.2.3.108, MSASCMD_S19_TC43 R3418-R3425). Else
// the types are tried from the item's native one down, then up (plain
// text: 1, 2, 3; HTML: 2, 1, 3), and the first the client has a
// preference for is sent, cut to its TruncationSize; a preference with
// AllOrNone whose data is larger is passed over (MS-ASAIRS 2.2.2.1.1,
// MSASAIRS_S02_TC08 R80). When no preference is met, the body has the
// native type, the native size and Truncated, and no data (MSASCMD_S08
// R3360). A body kept as text or HTML is converted to RTF for Type 3,
// as Exchange converts it (see rtf.go).
func chooseBody(it *Item, o renderOptions) bodyChoice {
	if len(o.prefs) == 0 {
		return bodyChoice{typ: bodyPlain, data: it.Body.Plain, size: len(it.Body.Plain)}
	}
	pref := func(t int) *eas.BodyPreference {
		for i := range o.prefs {
			if o.prefs[i].Type == t {
				return &o.prefs[i]
			}
		}
		return nil
	}
	if p := pref(bodyMIME); p != nil && it.Body.MIME != nil && o.mime == 2 {
		limit := -1
		if p.TruncationSize > 0 {
			limit = p.TruncationSize
		}
		if o.mimeTruncation != nil {
			limit = *o.mimeTruncation
		}
		c := bodyChoice{typ: bodyMIME, data: string(it.Body.MIME), size: len(it.Body.MIME), pref: p}
		if limit >= 0 && limit < len(c.data) {
			c.data, c.truncated = truncateUTF8(c.data, limit), true
		}
		return c
	}
	native := nativeBodyType(it)
	order := []int{bodyPlain, bodyHTML, bodyRTF}
	switch native {
	case bodyHTML:
		order = []int{bodyHTML, bodyPlain, bodyRTF}
	case bodyRTF:
		order = []int{bodyRTF, bodyHTML, bodyPlain}
	}
	for _, t := range order {
		p := pref(t)
		if p == nil {
			continue
		}
		data := bodyData(it, t)
		if p.AllOrNone != nil && *p.AllOrNone && p.TruncationSize > 0 && len(data) > p.TruncationSize {
			continue
		}
		cut, truncated := truncateBody(data, p.TruncationSize, nil)
		return bodyChoice{typ: t, data: cut, size: len(data), truncated: truncated, pref: p}
	}
	return bodyChoice{typ: native, size: len(bodyData(it, native)), truncated: true}
}

// nativeBodyType is the type an item's body is kept in: RTF when it came
// in a winmail.dat (tnef.go), HTML when it has some, else plain text.
func nativeBodyType(it *Item) int {
	if msg, ok := itemTNEF(it); ok && msg.rtf != nil {
		return bodyRTF
	}
	if it.Body.HTML != "" {
		return bodyHTML
	}
	return bodyPlain
}

// bodyData is an item's body as type t (plain text for a type it cannot
// offer).
func bodyData(it *Item, t int) string {
	switch t {
	case bodyHTML:
		if it.Body.HTML != "" {
			return it.Body.HTML
		}
		return "<html><body><pre>" + html.EscapeString(it.Body.Plain) + "</pre></body></html>"
	case bodyMIME:
		return string(it.Body.MIME)
	case bodyRTF:
		// RTF data is the compressed RTF, base64-encoded (MS-ASAIRS
		// 2.2.2.20.1; Exchange's ConvertToRtfStream, see rtf.go): the
		// RTF of a winmail.dat as it came, else the text made RTF
		// (Exchange converts an HTML body with its HtmlToRtf; easlab
		// converts its text alternative).
		var rtf []byte
		if msg, ok := itemTNEF(it); ok && msg.rtf != nil {
			rtf = msg.rtf
		} else {
			rtf = []byte(textToRTF(it.Body.Plain))
		}
		return base64.StdEncoding.EncodeToString(compressRTF(rtf))
	}
	return it.Body.Plain
}

// renderItem returns the ApplicationData of an item for a device. The
// result is cached on the item for its current change counter and the
// options, so that many devices syncing the same mail share one rendering;
// callers must treat it as read-only.
func renderItem(it *Item, o renderOptions) *wbxml.Node {
	key := o.cacheKey()
	if c := it.rendered; c != nil && c.modseq == it.ModSeq && c.key == key {
		return c.node
	}
	n := buildItem(it, o)
	// Encoded once: a Sync that sends the item again, to this device or
	// another with the same options, copies the bytes. Callers never
	// change a rendering (it is shared already).
	n.Freeze()
	it.rendered = &renderCache{modseq: it.ModSeq, key: key, node: n}
	return n
}

// renderCache is the last rendering of an item.
type renderCache struct {
	modseq uint64
	key    string
	node   *wbxml.Node
}

func (o renderOptions) cacheKey() string {
	if o.key != "" {
		return o.key
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%d|%s|%v|", o.mime, o.version, o.withBody)
	if o.mimeTruncation != nil {
		fmt.Fprintf(&b, "mt%d|", *o.mimeTruncation)
	}
	for _, p := range o.prefs {
		fmt.Fprintf(&b, "%d,%d,%v,%d;", p.Type, p.TruncationSize, p.AllOrNone != nil && *p.AllOrNone, p.Preview)
	}
	b.WriteString("|")
	for _, p := range o.parts {
		fmt.Fprintf(&b, "%d,%d,%v,%d;", p.Type, p.TruncationSize, p.AllOrNone != nil && *p.AllOrNone, p.Preview)
	}
	return b.String()
}

// buildItem renders an item's ApplicationData.
func buildItem(it *Item, o renderOptions) *wbxml.Node {
	app := &wbxml.Node{Tag: tApplicationData}
	var body *wbxml.Node
	if o.withBody {
		body = renderBody(it, o)
	}
	placed := false
	for _, p := range propsAtVersion(it.Props, o.version) {
		// Exchange sends attachments and the body just before the message
		// class of an e-mail; other classes get them at the end.
		if !placed && p.Tag == tEmailMessageClass {
			app.Children = append(app.Children, renderAttachments(it, o.version)...)
			if body != nil {
				app.Children = append(app.Children, body)
			}
			placed = true
		}
		app.Children = append(app.Children, p)
		// An e-mail's Reply-To, its addresses separated by semicolons,
		// follows its Subject (MS-ASEMAIL 2.2.2.60, MSASEMAIL_S01_TC15
		// R711).
		if p.Tag == tEmailSubject && it.Class == "Email" && !hasProp(it, tEmailReplyTo) {
			if rt := replyToOf(it); rt != "" {
				app.Children = append(app.Children, wbxml.NewText(tEmailReplyTo, rt))
			}
		}
	}
	if !placed {
		app.Children = append(app.Children, renderAttachments(it, o.version)...)
		if body != nil {
			app.Children = append(app.Children, body)
		}
	}
	if it.Class == "Email" {
		app.Children = append(app.Children, wbxml.NewText(tNativeBodyType, strconv.Itoa(nativeBodyType(it))))
		// From 14.0 Exchange names each message's conversation after
		// NativeBodyType (MS-ASEMAIL 2.2.2.14), which is how a device can
		// move a conversation (ItemOperations Move) or search one.
		if v, err := eas.ParseProtocolVersion(o.version); err == nil && v.AtLeast(eas.Version140) && it.Prop(ioConversationIDTag) == "" {
			app.Children = append(app.Children, wbxml.NewOpaque(ioConversationIDTag, itemConversationID(it)))
		}
		if versionAtLeast(o.version, eas.Version140) {
			// ConversationIndex is required in server responses from
			// 14.0 (MS-ASEMAIL 2.2.2.21, MSASEMAIL_S01_TC01 R350): the
			// time the message arrived, as the five high-order bytes of
			// its FILETIME.
			if !hasProp(it, tConversationIndex) {
				app.Children = append(app.Children, wbxml.NewOpaque(tConversationIndex, itemConversationIndex(it)))
			}
			// A message without categories has an empty Categories
			// (MS-ASEMAIL 2.2.2.13, MSASEMAIL_S01_TC02 R318).
			if !hasProp(it, tCategories) {
				app.Children = append(app.Children, wbxml.NewElement(tCategories))
			}
		}
		if part := renderBodyPart(it, o); part != nil {
			app.Children = append(app.Children, part)
		}
	}
	return app
}

// replyToOf is the Reply-To of an e-mail's message, its addresses
// separated by semicolons, or "".
func replyToOf(it *Item) string {
	if len(it.Body.MIME) == 0 {
		return ""
	}
	m, err := mail.ReadMessage(bytes.NewReader(it.Body.MIME))
	if err != nil {
		return ""
	}
	l, err := m.Header.AddressList("Reply-To")
	if err != nil || len(l) == 0 {
		return ""
	}
	parts := make([]string, len(l))
	for i, a := range l {
		parts[i] = a.Address
		if a.Name != "" {
			parts[i] = strconv.Quote(a.Name) + " <" + a.Address + ">"
		}
	}
	return strings.Join(parts, "; ")
}

// hasProp reports whether an item has a property tag.
func hasProp(it *Item, tag *wbxml.Tag) bool {
	for _, p := range it.Props {
		if p.Tag == tag {
			return true
		}
	}
	return false
}

// The ConversationIndex of a message (MS-ASEMAIL 2.2.2.21) is what
// Exchange sends of the message's conversation index (MS-OXOMSG 2.2.1.3:
// a 22-byte header block, a reserved byte, five bytes of time and a
// GUID, then a five-byte child block for each reply or forward): the
// five bytes of time, then each child block (Exchange 2013's
// XsoConversationIndexProperty sends ConversationIndex.Components). A
// message's index travels in its Thread-Index header; a message without
// one starts a conversation at the time it arrived. A reply or forward
// sent with SmartReply or SmartForward gets its original's index with a
// child block added (see smartThreadIndex), so its ConversationIndex is
// its original's one level longer (MSASEMAIL_S01_TC15 R1054, TC16 R352).

// conversationIndexHeaderLen is the size of a conversation index's header
// block; conversationIndexChildLen that of each child block.
const (
	conversationIndexHeaderLen = 22
	conversationIndexChildLen  = 5
)

// validConversationIndex reports whether b is a conversation index: a
// header block and whole child blocks (as Exchange's
// ConversationIndex.IsValidConversationIndex).
func validConversationIndex(b []byte) bool {
	return len(b) >= conversationIndexHeaderLen && (len(b)-conversationIndexHeaderLen)%conversationIndexChildLen == 0
}

// fileTime is t as a Windows FILETIME (100 ns since 1601-01-01 UTC).
func fileTime(t time.Time) uint64 {
	return uint64(t.UnixNano()/100) + 116444736000000000
}

// conversationIndex is the ConversationIndex of a message that starts a
// conversation at t: the header block's five bytes of time, which are
// bits 16 to 55 of the FILETIME (its top byte is the reserved byte).
func conversationIndex(t time.Time) []byte {
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], fileTime(t))
	return append([]byte(nil), b[1:6]...)
}

// itemConversationIndex is the ConversationIndex an e-mail is sent with:
// the blocks of time of its Thread-Index, or a new conversation's from
// when it arrived.
func itemConversationIndex(it *Item) []byte {
	if full := threadIndexOf(it); full != nil {
		return append(append([]byte(nil), full[1:6]...), full[conversationIndexHeaderLen:]...)
	}
	return conversationIndex(it.Received)
}

// threadIndexOf is the conversation index in an e-mail's Thread-Index
// header, nil when it has none that is valid.
func threadIndexOf(it *Item) []byte {
	if len(it.Body.MIME) == 0 {
		return nil
	}
	h, _, err := splitMessage(it.Body.MIME)
	if err != nil {
		return nil
	}
	v := strings.TrimSpace(h.Get("Thread-Index"))
	if v == "" {
		return nil
	}
	b, err := base64.StdEncoding.DecodeString(v)
	if err != nil || !validConversationIndex(b) {
		return nil
	}
	return b
}

// fullConversationIndex is an e-mail's whole conversation index: its
// Thread-Index, or a header block made of when it arrived and its
// ConversationId.
func fullConversationIndex(it *Item) []byte {
	if b := threadIndexOf(it); b != nil {
		return b
	}
	b := make([]byte, conversationIndexHeaderLen)
	binary.BigEndian.PutUint64(b[:8], fileTime(it.Received))
	clear(b[6:])
	copy(b[6:], itemConversationID(it))
	return b
}

// childConversationIndex is the index of a message answering the one of
// index parent, sent at t: parent with a child block (MS-OXOMSG 2.2.1.3)
// holding the time since the last block, in the short form (bits 18 to
// 48 of the difference) when it fits and else the long one (bits 23 to
// 53, the top bit set), and the low byte of t in .NET ticks. A parent that is not an index
// starts a new conversation.
func childConversationIndex(parent []byte, t time.Time) []byte {
	if !validConversationIndex(parent) {
		return fullConversationIndex(&Item{Received: t})
	}
	now := fileTime(t) &^ 0xFFFF
	var last uint64
	for _, c := range parent[1:6] {
		last = last<<8 | uint64(c)
	}
	last <<= 16
	for j := conversationIndexHeaderLen; j+conversationIndexChildLen <= len(parent); j += conversationIndexChildLen {
		b := parent[j : j+conversationIndexChildLen]
		v := uint64(b[0]&0x7F)<<24 | uint64(b[1])<<16 | uint64(b[2])<<8 | uint64(b[3])
		if b[0]&0x80 != 0 {
			last += v << 23
		} else {
			last += v << 18
		}
	}
	delta := now - last
	if last > now {
		delta = last - now
	}
	child := make([]byte, conversationIndexChildLen)
	var v uint32
	// The form is chosen by bits 49 to 55 alone, as Exchange's
	// ConversationIndex.CreateFromParent does.
	if delta>>49&0x7F == 0 {
		v = uint32(delta >> 18 & 0x7FFFFFFF)
	} else {
		v = uint32(delta>>23&0x7FFFFFFF) | 0x80000000
	}
	binary.BigEndian.PutUint32(child, v)
	child[4] = byte(t.UnixNano()/100 + 621355968000000000) // the low byte of t in .NET ticks
	return append(append([]byte(nil), parent...), child...)
}

// renderBodyPart builds AirSyncBase:BodyPart, the message part of an
// e-mail, when the request asked for it with BodyPartPreference (MS-ASAIRS
// 2.2.2.10, 14.1 and later; MSASAIRS_S01 R120). The message part of a
// message is its own HTML text (the part a reply adds, which for a message
// that quotes nothing is all of it); Exchange offers it only as HTML, so
// the first preference of Type 2 is honoured, and nil is returned when
// there is none to honour.
func renderBodyPart(it *Item, o renderOptions) *wbxml.Node {
	if len(o.parts) == 0 || !versionAtLeast(o.version, eas.Version141) {
		return nil
	}
	var p *eas.BodyPartPreference
	for i := range o.parts {
		if o.parts[i].Type == bodyHTML {
			p = &o.parts[i]
			break
		}
	}
	if p == nil {
		return nil
	}
	data := bodyData(it, bodyHTML)
	size := len(data)
	part := wbxml.NewElement(tBodyPart,
		wbxml.NewText(tBodyPartStatus, "1"),
		wbxml.NewText(tBodyType, strconv.Itoa(bodyHTML)),
		wbxml.NewText(tEstimatedDataSize, strconv.Itoa(size)),
	)
	data, truncated := truncateBody(data, p.TruncationSize, p.AllOrNone)
	if truncated {
		part.Children = append(part.Children, wbxml.NewText(tTruncated, "1"))
	}
	if data != "" {
		part.Children = append(part.Children, wbxml.NewText(tData, data))
	}
	if p.Preview > 0 {
		part.Children = append(part.Children, wbxml.NewText(tPreview, previewText(it, p.Preview)))
	}
	return part
}

// truncateBody cuts data to limit bytes (0: no limit), or to nothing when
// allOrNone is set and data is longer (MS-ASAIRS 2.2.2.1.1 and 2.2.2.1.2:
// AllOrNone; its absence is as if it were 0). It reports whether it cut.
func truncateBody(data string, limit int, allOrNone *bool) (string, bool) {
	if limit <= 0 || len(data) <= limit {
		return data, false
	}
	if allOrNone != nil && *allOrNone {
		return "", true
	}
	return truncateUTF8(data, limit), true
}

// previewText is the plain-text preview of an item in at most n
// characters (MS-ASAIRS 2.2.2.35: Preview holds Unicode characters, not
// bytes): its text with runs of white space made one space, as a preview
// pane shows it.
func previewText(it *Item, n int) string {
	r := []rune(strings.Join(strings.Fields(it.Body.Plain), " "))
	if len(r) > n {
		r = r[:n]
	}
	return string(r)
}

// mimeTruncationSizes are the byte sizes of MIMETruncation 0 to 7 (MS-ASCMD
// 2.2.3.108); 8 is the whole message.
var mimeTruncationSizes = []int{0, 4096, 5120, 7168, 10240, 20480, 51200, 102400}

// mimeTruncationSize is the byte size a MIMETruncation value names, nil
// for none (absent, 8, or a value out of range).
func mimeTruncationSize(v *int) *int {
	if v == nil || *v < 0 || *v >= len(mimeTruncationSizes) {
		return nil
	}
	n := mimeTruncationSizes[*v]
	return &n
}

// versionAtLeast reports whether the protocol version v (as the request
// named it) is w or later.
func versionAtLeast(v string, w eas.ProtocolVersion) bool {
	pv, err := eas.ParseProtocolVersion(v)
	return err == nil && pv.AtLeast(w)
}

func renderAttachments(it *Item, version string) []*wbxml.Node {
	list := itemAttachments(it)
	if len(list) == 0 {
		return nil
	}
	names := make([]string, len(list))
	for i, a := range list {
		names[i] = a.Name
	}
	// A voice mail's recordings have their order and the most recent its
	// duration (voicemail.go).
	voice := voiceAttachmentProps(it, names, version)
	atts := &wbxml.Node{Tag: tAttachments}
	for i, a := range list {
		// An attached message is an embedded message, Method 5, whose
		// file has the .eml extension (MS-ASAIRS 2.2.2.31,
		// MSASAIRS_S03_TC03 R2299); an OLE object from a winmail.dat is
		// Method 6 (S03_TC04 R230); any other file is a normal
		// attachment, Method 1.
		name, method := a.Name, eas.AttachmentMethodNormal
		switch {
		case a.method == attachOLE:
			method = eas.AttachmentMethodOLE
		case a.method == attachEmbedded || strings.EqualFold(a.ContentType, "message/rfc822"):
			method = eas.AttachmentMethodEmbeddedEML
			if !strings.HasSuffix(strings.ToLower(name), ".eml") {
				name += ".eml"
			}
		}
		n := wbxml.NewElement(tAttachment,
			wbxml.NewText(tAttDisplayName, name),
			wbxml.NewText(tFileReference, it.ServerID+":"+strconv.Itoa(i)),
			wbxml.NewText(tMethod, strconv.Itoa(method)),
			wbxml.NewText(tEstimatedDataSize, strconv.Itoa(len(a.Data))),
		)
		if a.ContentID != "" {
			n.Children = append(n.Children, wbxml.NewText(tContentID, a.ContentID))
		}
		if a.Inline {
			n.Children = append(n.Children, wbxml.NewText(tIsInline, "1"))
		}
		if voice != nil {
			n.Children = append(n.Children, voice[i]...)
		}
		atts.Children = append(atts.Children, n)
	}
	return []*wbxml.Node{atts}
}

// renderBody builds AirSyncBase:Body (MS-ASAIRS 2.2.2.9) with the body
// chooseBody picks.
func renderBody(it *Item, o renderOptions) *wbxml.Node {
	c := chooseBody(it, o)
	body := wbxml.NewElement(tBody,
		wbxml.NewText(tBodyType, strconv.Itoa(c.typ)),
		wbxml.NewText(tEstimatedDataSize, strconv.Itoa(c.size)),
	)
	if c.truncated {
		body.Children = append(body.Children, wbxml.NewText(tTruncated, "1"))
	}
	if c.data != "" {
		body.Children = append(body.Children, wbxml.NewText(tData, c.data))
	}
	// A plain-text body whose Data is sent has no Preview: the data is
	// the preview (MS-ASAIRS 2.2.2.35.1, MSASAIRS_S02_TC09 R1001036).
	// Preview is a 14.0 element.
	if p := c.pref; p != nil && p.Preview > 0 && versionAtLeast(o.version, eas.Version140) && (c.typ != bodyPlain || c.data == "") {
		body.Children = append(body.Children, wbxml.NewText(tPreview, previewText(it, p.Preview)))
	}
	body.Empty = false
	return body
}

// truncateUTF8 cuts s to at most n bytes without splitting a character.
func truncateUTF8(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
