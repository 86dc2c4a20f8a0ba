package simulator

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	_ "github.com/emersion/go-message/charset" // decode non-UTF-8 parts
	"github.com/emersion/go-message/mail"

	"github.com/easlab/easlab/internal/htmltext"
	"github.com/easlab/easlab/wbxml"
)

// MailAddress is an RFC 5322 address with its display name.
type MailAddress = mail.Address

// ParseAddress parses "Name <address>" or a bare address.
func ParseAddress(s string) (*MailAddress, error) { return mail.ParseAddress(s) }

// Mail is what the simulator needs to know of an RFC 5322 message.
type Mail struct {
	Subject     string
	From        []*mail.Address
	To, Cc, Bcc []*mail.Address
	Date        time.Time
	MessageID   string
	Plain, HTML string
	Attachments []Attachment
	Raw         []byte
	// Importance as EAS has it: 0 low, 1 normal, 2 high, from the
	// Importance or X-Priority header.
	Importance int
}

// Recipients returns every To, Cc and Bcc address.
func (m *Mail) Recipients() []*mail.Address {
	out := append([]*mail.Address{}, m.To...)
	out = append(out, m.Cc...)
	return append(out, m.Bcc...)
}

// errInvalidMIME marks a message that cannot be parsed (status 107).
var errInvalidMIME = errors.New("invalid MIME")

// maxMIMEParts bounds the parts read from one message.
const maxMIMEParts = 256

// ParseMail parses a MIME message as a client submits it with SendMail.
func ParseMail(raw []byte) (*Mail, error) {
	if len(bytes.TrimSpace(raw)) == 0 {
		return nil, fmt.Errorf("%w: empty message", errInvalidMIME)
	}
	r, err := mail.CreateReader(bytes.NewReader(raw))
	if err != nil && r == nil {
		return nil, fmt.Errorf("%w: %v", errInvalidMIME, err)
	}
	defer r.Close()
	if r.Header.Len() == 0 {
		return nil, fmt.Errorf("%w: no header fields", errInvalidMIME)
	}
	m := &Mail{Raw: raw}
	m.Subject, _ = r.Header.Subject()
	m.From, _ = r.Header.AddressList("From")
	m.To, _ = r.Header.AddressList("To")
	m.Cc, _ = r.Header.AddressList("Cc")
	m.Bcc, _ = r.Header.AddressList("Bcc")
	m.Date, _ = r.Header.Date()
	m.MessageID, _ = r.Header.MessageID()
	m.Importance = importanceOf(r.Header.Get("Importance"), r.Header.Get("X-Priority"))
	for i := 0; ; i++ {
		if i == maxMIMEParts {
			return nil, fmt.Errorf("%w: more than %d parts", errInvalidMIME, maxMIMEParts)
		}
		p, err := r.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%w: %v", errInvalidMIME, err)
		}
		body, err := io.ReadAll(io.LimitReader(p.Body, 64<<20))
		last := false
		if err != nil {
			// A multipart message without its closing delimiter ends with
			// its last part, as Exchange reads it: the Interop suites'
			// meeting requests (Common.CreateMeetingRequestMime) end so,
			// and Exchange delivers them (MSASCMD_S09, MSASHTTP_S01_TC09).
			if !errors.Is(err, io.ErrUnexpectedEOF) {
				return nil, fmt.Errorf("%w: %v", errInvalidMIME, err)
			}
			last = true
		}
		switch h := p.Header.(type) {
		case *mail.InlineHeader:
			ct, _, _ := h.ContentType()
			switch {
			case ct == "text/html" && m.HTML == "":
				m.HTML = string(body)
			case (ct == "text/plain" || ct == "") && m.Plain == "":
				m.Plain = string(body)
			default:
				cid := strings.Trim(h.Get("Content-Id"), "<>")
				m.Attachments = append(m.Attachments, Attachment{Name: "inline", ContentType: ct, ContentID: cid, Inline: true, Data: body})
			}
		case *mail.AttachmentHeader:
			name, _ := h.Filename()
			ct, _, _ := h.ContentType()
			m.Attachments = append(m.Attachments, Attachment{Name: name, ContentType: ct, Data: body})
		}
		if last {
			break
		}
	}
	if m.Plain == "" && m.HTML != "" {
		m.Plain = htmltext.StripTags(m.HTML)
	}
	return m, nil
}

// importanceOf maps the Importance (RFC 2156) or X-Priority header to
// EAS's Email:Importance.
func importanceOf(importance, priority string) int {
	switch strings.ToLower(strings.TrimSpace(importance)) {
	case "high":
		return 2
	case "low":
		return 0
	}
	switch p := strings.TrimSpace(priority); {
	case strings.HasPrefix(p, "1"), strings.HasPrefix(p, "2"):
		return 2
	case strings.HasPrefix(p, "4"), strings.HasPrefix(p, "5"):
		return 0
	}
	return 1
}

// BuildMail writes an RFC 5322 message with a text and, when html is not
// empty, an HTML alternative.
func BuildMail(from *mail.Address, to []*mail.Address, subject, plain, html string, date time.Time) ([]byte, error) {
	var h mail.Header
	h.SetDate(date)
	h.SetAddressList("From", []*mail.Address{from})
	h.SetAddressList("To", to)
	h.SetSubject(subject)
	if err := h.GenerateMessageIDWithHostname("easlab.local"); err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if html == "" {
		h.SetContentType("text/plain", map[string]string{"charset": "utf-8"})
		w, err := mail.CreateSingleInlineWriter(&buf, h)
		if err != nil {
			return nil, err
		}
		io.WriteString(w, plain)
		if err := w.Close(); err != nil {
			return nil, err
		}
		return buf.Bytes(), nil
	}
	w, err := mail.CreateInlineWriter(&buf, h)
	if err != nil {
		return nil, err
	}
	for _, part := range []struct{ ct, body string }{{"text/plain", plain}, {"text/html", html}} {
		var ph mail.InlineHeader
		ph.SetContentType(part.ct, map[string]string{"charset": "utf-8"})
		pw, err := w.CreatePart(ph)
		if err != nil {
			return nil, err
		}
		io.WriteString(pw, part.body)
		pw.Close()
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// EmailItem turns a parsed message into an Inbox or Sent Items item with
// the properties Exchange sends for an e-mail (MS-ASEMAIL 2.2.2).
func EmailItem(m *Mail, received time.Time, read bool) *Item {
	t := func(q, v string) *wbxml.Node { return wbxml.NewText(mustTag(q), v) }
	readFlag := "0"
	if read {
		readFlag = "1"
	}
	var displayTo []string
	for _, a := range m.To {
		if a.Name != "" {
			displayTo = append(displayTo, a.Name)
		} else {
			displayTo = append(displayTo, a.Address)
		}
	}
	props := []*wbxml.Node{
		t("Email:To", formatAddresses(m.To)),
	}
	if len(m.Cc) > 0 {
		props = append(props, t("Email:Cc", formatAddresses(m.Cc)))
	}
	props = append(props,
		t("Email:From", formatAddresses(m.From)),
		t("Email:Subject", m.Subject),
		t("Email:DateReceived", received.UTC().Format("2006-01-02T15:04:05.000Z")),
		t("Email:DisplayTo", strings.Join(displayTo, "; ")),
		t("Email:ThreadTopic", m.Subject),
		t("Email:Importance", strconv.Itoa(m.Importance)),
		t("Email:Read", readFlag),
		t("Email:MessageClass", "IPM.Note"),
		t("Email:InternetCPID", "65001"),
		wbxml.NewElement(mustTag("Email:Flag")),
		t("Email:ContentClass", "urn:content-classes:message"),
	)
	return &Item{
		Class:       "Email",
		Props:       props,
		Body:        Body{Plain: m.Plain, HTML: m.HTML, MIME: m.Raw},
		Attachments: m.Attachments,
		Received:    received,
	}
}

func formatAddresses(l []*mail.Address) string {
	parts := make([]string, len(l))
	for i, a := range l {
		if a.Name != "" {
			parts[i] = fmt.Sprintf("%q <%s>", a.Name, a.Address)
		} else {
			parts[i] = a.Address
		}
	}
	return strings.Join(parts, ", ")
}
