package notice

import (
	"bytes"
	"html"
	"io"
	"strings"

	"github.com/emersion/go-message"
	"github.com/emersion/go-message/mail"

	"github.com/easlab/easlab/internal/htmltext"
)

// abqStyle is the style sheet at the top of every notice (Tahoma, x-small,
// 600 px wide body, indented borderless table), as Exchange's notices have.
const abqStyle = "<style>\r\n" +
	"body { font-family: Tahoma; background-color: rgb(255,255,255); color: #000000; font-size: x-small; width: 600px; }\r\n" +
	"p { margin-left: 0px; margin-bottom: 8px; }\r\n" +
	"table { font-family: Tahoma; background-color: rgb(255,255,255); color: #000000; font-size: x-small; border: 0px; text-align: left; margin-left: 20px; }\r\n" +
	"</style>"

// row is one table row: label and unescaped value.
type row struct{ label, value string }

// body accumulates a notice's HTML body and its plain-text rendering.
type body struct {
	html, text strings.Builder
}

// para adds a paragraph of text, escaped.
func (b *body) para(s string) { b.rawPara(htmlEncode(s), s) }

// rawPara adds a paragraph of HTML, as it is, with its text rendering.
func (b *body) rawPara(h, text string) {
	b.html.WriteString("<p>" + h + "</p>")
	b.text.WriteString(text + "\n\n")
}

// table adds the heading and the device table, in one paragraph as
// Exchange writes it ("<p>heading<table>...</table></p>").
func (b *body) table(heading string, rows []row) {
	b.html.WriteString("<p>" + htmlEncode(heading) + "<table>")
	b.text.WriteString(heading + "\n")
	for _, r := range rows {
		b.html.WriteString("<tr><td>" + htmlEncode(r.label) + "</td><td>" + htmlEncode(r.value) + "</td></tr>")
		b.text.WriteString(r.label + "\t" + r.value + "\n")
	}
	b.html.WriteString("</table></p>")
	b.text.WriteString("\n")
}

// htmlEncode escapes as .NET's HttpUtility.HtmlEncode does for the
// characters that matter: & < > " '.
func htmlEncode(s string) string {
	return htmlEncoder.Replace(s)
}

var htmlEncoder = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;", "'", "&#39;")

// htmlToText is a rough text rendering of an HTML fragment (for the plain
// part): tags dropped, entities decoded.
func htmlToText(s string) string {
	return html.UnescapeString(htmltext.StripTags(s))
}

// writeNotice writes the message: multipart/alternative with a text/plain
// rendering and the text/html body, both UTF-8 and quoted-printable. The
// user notices are HTML-only items in the mailbox; Exchange's content
// conversion gives an HTML item this shape whenever it becomes MIME (an
// EAS MIME fetch, transport for the admin mail). The boundary is derived
// from the Message-ID, in Exchange's "_000_..._" style, to keep the
// function pure. important adds Importance: high and X-Priority: 1.
func writeNotice(h mail.Header, b body, important bool) ([]byte, error) {
	id, _ := h.MessageID()
	boundary := "_000_" + strings.SplitN(id, "@", 2)[0] + "_"
	if important {
		h.Set("Importance", "high")
		h.Set("X-Priority", "1")
	}
	h.SetContentType("multipart/alternative", map[string]string{"boundary": boundary})

	htmlBody := "<html>" + abqStyle + "<body>" + b.html.String() + "</body></html>"
	var buf bytes.Buffer
	w, err := message.CreateWriter(&buf, h.Header)
	if err != nil {
		return nil, err
	}
	for _, part := range []struct{ ct, body string }{
		{"text/plain", strings.TrimRight(b.text.String(), "\n") + "\n"},
		{"text/html", htmlBody},
	} {
		var ph message.Header
		ph.SetContentType(part.ct, map[string]string{"charset": "utf-8"})
		ph.Set("Content-Transfer-Encoding", "quoted-printable")
		pw, err := w.CreatePart(ph)
		if err != nil {
			return nil, err
		}
		if _, err := io.WriteString(pw, part.body); err != nil {
			return nil, err
		}
		if err := pw.Close(); err != nil {
			return nil, err
		}
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
