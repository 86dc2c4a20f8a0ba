package simulator

import (
	"fmt"
	"github.com/easlab/easlab/eas"
	"html"
	"strconv"
	"strings"
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
	prefs    []eas.BodyPreference
	parts    []eas.BodyPartPreference // BodyPartPreference, 14.1+
	mime     int                      // MIMESupport: 0 never, 1 S/MIME only, 2 always
	version  string
	withBody bool
	key      string // cacheKey, once computed (withKey)
}

// withKey returns o with its cache key computed, for options used for
// many items (a Sync's collection).
func (o renderOptions) withKey() renderOptions {
	o.key = ""
	o.key = o.cacheKey()
	return o
}

// chooseBody picks the body type to send: the preferred types in the order
// the client listed them, the first one the item can offer. E-mail offers
// plain text, HTML when it has some, and MIME; other items plain text. A
// preference with AllOrNone whose data is larger than its TruncationSize
// gives way to the next one the item can offer (MS-ASAIRS 2.2.2.1.1,
// MSASAIRS_S02_TC08 R80); when none is left, the first such preference
// is answered, with its data left out.
func chooseBody(it *Item, o renderOptions) (eas.BodyPreference, bool) {
	var tooLarge *eas.BodyPreference
	for i, p := range o.prefs {
		if !offersBody(it, o, p.Type) {
			continue
		}
		if p.AllOrNone != nil && *p.AllOrNone && p.TruncationSize > 0 && len(bodyData(it, p.Type)) > p.TruncationSize {
			if tooLarge == nil {
				tooLarge = &o.prefs[i]
			}
			continue
		}
		return p, true
	}
	if tooLarge != nil {
		return *tooLarge, true
	}
	return eas.BodyPreference{Type: bodyPlain}, len(o.prefs) == 0
}

// offersBody reports whether an item can be sent with a body of type t.
func offersBody(it *Item, o renderOptions, t int) bool {
	switch t {
	case bodyPlain:
		return true
	case bodyHTML:
		return it.Body.HTML != "" || it.Class == "Email"
	case bodyMIME:
		return it.Body.MIME != nil && o.mime == 2
	}
	return false
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
	for _, p := range it.Props {
		// Exchange sends attachments and the body just before the message
		// class of an e-mail; other classes get them at the end.
		if !placed && p.Tag == tEmailMessageClass {
			app.Children = append(app.Children, renderAttachments(it)...)
			if body != nil {
				app.Children = append(app.Children, body)
			}
			placed = true
		}
		app.Children = append(app.Children, p)
	}
	if !placed {
		app.Children = append(app.Children, renderAttachments(it)...)
		if body != nil {
			app.Children = append(app.Children, body)
		}
	}
	if it.Class == "Email" {
		native := bodyPlain
		if it.Body.HTML != "" {
			native = bodyHTML
		}
		app.Children = append(app.Children, wbxml.NewText(tNativeBodyType, strconv.Itoa(native)))
		// From 14.0 Exchange names each message's conversation after
		// NativeBodyType (MS-ASEMAIL 2.2.2.14), which is how a device can
		// move a conversation (ItemOperations Move) or search one.
		if v, err := eas.ParseProtocolVersion(o.version); err == nil && v.AtLeast(eas.Version140) && it.Prop(ioConversationIDTag) == "" {
			app.Children = append(app.Children, wbxml.NewOpaque(ioConversationIDTag, itemConversationID(it)))
		}
		if part := renderBodyPart(it, o); part != nil {
			app.Children = append(app.Children, part)
		}
	}
	return app
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

// versionAtLeast reports whether the protocol version v (as the request
// named it) is w or later.
func versionAtLeast(v string, w eas.ProtocolVersion) bool {
	pv, err := eas.ParseProtocolVersion(v)
	return err == nil && pv.AtLeast(w)
}

func renderAttachments(it *Item) []*wbxml.Node {
	if len(it.Attachments) == 0 {
		return nil
	}
	atts := &wbxml.Node{Tag: tAttachments}
	for i, a := range it.Attachments {
		// An attached message is an embedded message, Method 5, whose
		// file has the .eml extension (MS-ASAIRS 2.2.2.31,
		// MSASAIRS_S03_TC03 R2299); any other file is a normal
		// attachment, Method 1.
		name, method := a.Name, eas.AttachmentMethodNormal
		if strings.EqualFold(a.ContentType, "message/rfc822") {
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
		atts.Children = append(atts.Children, n)
	}
	return []*wbxml.Node{atts}
}

// renderBody builds AirSyncBase:Body with truncation (MS-ASAIRS 2.2.2.9).
func renderBody(it *Item, o renderOptions) *wbxml.Node {
	p, _ := chooseBody(it, o)
	if p.Type != bodyHTML && p.Type != bodyMIME {
		p.Type = bodyPlain
	}
	data := bodyData(it, p.Type)
	size := len(data)
	data, truncated := truncateBody(data, p.TruncationSize, p.AllOrNone)
	body := wbxml.NewElement(tBody,
		wbxml.NewText(tBodyType, strconv.Itoa(p.Type)),
		wbxml.NewText(tEstimatedDataSize, strconv.Itoa(size)),
	)
	if truncated {
		body.Children = append(body.Children, wbxml.NewText(tTruncated, "1"))
	}
	if data != "" {
		body.Children = append(body.Children, wbxml.NewText(tData, data))
	}
	// A plain-text body whose Data is sent has no Preview: the data is
	// the preview (MS-ASAIRS 2.2.2.35.1, MSASAIRS_S02_TC09 R1001036).
	// Preview is a 14.0 element.
	if p.Preview > 0 && versionAtLeast(o.version, eas.Version140) && (p.Type != bodyPlain || data == "") {
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
