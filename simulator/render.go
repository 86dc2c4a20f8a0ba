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
	mime     int // MIMESupport: 0 never, 1 S/MIME only, 2 always
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
// plain text, HTML when it has some, and MIME; other items plain text.
func chooseBody(it *Item, o renderOptions) (eas.BodyPreference, bool) {
	for _, p := range o.prefs {
		switch p.Type {
		case bodyPlain:
			return p, true
		case bodyHTML:
			if it.Body.HTML != "" || it.Class == "Email" {
				return p, true
			}
		case bodyMIME:
			if it.Body.MIME != nil && o.mime == 2 {
				return p, true
			}
		}
	}
	return eas.BodyPreference{Type: bodyPlain}, len(o.prefs) == 0
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
	}
	return app
}

func renderAttachments(it *Item) []*wbxml.Node {
	if len(it.Attachments) == 0 {
		return nil
	}
	atts := &wbxml.Node{Tag: tAttachments}
	for i, a := range it.Attachments {
		n := wbxml.NewElement(tAttachment,
			wbxml.NewText(tAttDisplayName, a.Name),
			wbxml.NewText(tFileReference, it.ServerID+":"+strconv.Itoa(i)),
			wbxml.NewText(tMethod, "1"),
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
	var data string
	switch p.Type {
	case bodyHTML:
		data = it.Body.HTML
		if data == "" {
			data = "<html><body><pre>" + html.EscapeString(it.Body.Plain) + "</pre></body></html>"
		}
	case bodyMIME:
		data = string(it.Body.MIME)
	default:
		p.Type = bodyPlain
		data = it.Body.Plain
	}
	size := len(data)
	truncated := false
	if p.TruncationSize > 0 && size > p.TruncationSize {
		if p.AllOrNone != nil && *p.AllOrNone {
			data = ""
		} else {
			data = truncateUTF8(data, p.TruncationSize)
		}
		truncated = true
	}
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
	if p.Preview > 0 {
		body.Children = append(body.Children, wbxml.NewText(tPreview, truncateUTF8(it.Body.Plain, p.Preview)))
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
