package eas

import (
	"context"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// Query returns r's query string (without the '?') in r.Form.
//
// It fails only when r cannot be written in that form: an unknown command;
// in the plain form, option bits other than SaveInSent and AcceptMultiPart;
// in the base64 form, a version before 12.1 or unknown, a command without a
// command code (the legacy commands), or a field longer than 255 bytes. It
// does not otherwise [Request.Validate] r, so a client can send a malformed
// request on purpose. The plain form has no place for Locale, so it is not
// written there.
func (r *Request) Query() (string, error) {
	if !r.Command.Valid() {
		return "", fmt.Errorf("eas: cannot write %v: unknown command", r.Command)
	}
	switch r.Form {
	case PlainQuery:
		return r.plainQuery()
	case Base64Query:
		return r.base64Query()
	}
	return "", fmt.Errorf("eas: unknown query form %v", r.Form)
}

// plainQuery writes Cmd, User, DeviceId and DeviceType, then the non-empty
// parameters in tag order.
func (r *Request) plainQuery() (string, error) {
	if extra := r.Options &^ (OptionSaveInSent | OptionAcceptMultiPart); extra != 0 {
		return "", fmt.Errorf("eas: option bits %#02x cannot be sent in the plain query form", uint8(extra))
	}
	var b strings.Builder
	add := func(name, value string) {
		if b.Len() > 0 {
			b.WriteByte('&')
		}
		b.WriteString(name)
		b.WriteByte('=')
		b.WriteString(url.QueryEscape(value))
	}
	add("Cmd", r.Command.String())
	add("User", r.User)
	add("DeviceId", r.DeviceID)
	add("DeviceType", r.DeviceType)
	for _, sp := range r.stringParams() {
		if *sp.val != "" {
			add(sp.name, *sp.val)
		}
	}
	if r.SaveInSent() {
		add("SaveInSent", "T")
	}
	return b.String(), nil
}

// base64Query writes the binary layout and encodes it.
func (r *Request) base64Query() (string, error) {
	if !r.ProtocolVersion.Base64Allowed() {
		return "", fmt.Errorf("eas: protocol version %v cannot use the base64 query form (12.1 and later only)", r.ProtocolVersion)
	}
	code, ok := r.Command.Code()
	if !ok {
		return "", fmt.Errorf("eas: %v has no base64 command code; use the plain query form", r.Command)
	}
	b := make([]byte, 0, 64)
	b = append(b, r.ProtocolVersion.Byte(), code)
	b = binary.LittleEndian.AppendUint16(b, r.Locale)
	var err error
	field := func(name, value string) {
		if err == nil && len(value) > 255 {
			err = fmt.Errorf("eas: %s is %d bytes; the base64 query form allows 255", name, len(value))
		}
		b = append(b, byte(len(value)))
		b = append(b, value...)
	}
	field("DeviceId", r.DeviceID)
	if r.HasPolicyKey {
		b = append(b, 4)
		b = binary.LittleEndian.AppendUint32(b, r.PolicyKey)
	} else {
		b = append(b, 0)
	}
	field("DeviceType", r.DeviceType)
	for _, sp := range r.stringParams() {
		if *sp.val != "" {
			b = append(b, sp.tag)
			field(sp.name, *sp.val)
		}
	}
	if r.Options != 0 {
		b = append(b, tagOptions, 1, byte(r.Options))
	}
	if r.User != "" {
		b = append(b, tagUser)
		field("User", r.User)
	}
	if err != nil {
		return "", err
	}
	return base64.StdEncoding.EncodeToString(b), nil
}

// URL returns base with r's query (see [Request.Query]). base is the
// ActiveSync endpoint, e.g. "https://mail.contoso.com/Microsoft-Server-ActiveSync";
// a query it already has is replaced. The base64 query is written as is:
// '+', '/' and '=' are legal in a URL query.
func (r *Request) URL(base string) (string, error) {
	u, err := url.Parse(base)
	if err != nil {
		return "", fmt.Errorf("eas: bad base URL: %w", err)
	}
	q, err := r.Query()
	if err != nil {
		return "", err
	}
	u.RawQuery = q
	u.ForceQuery = false
	return u.String(), nil
}

// ContentType returns the Content-Type of r's body: message/rfc822 for
// SendMail, SmartForward and SmartReply up to 12.1, WBXML otherwise.
func (r *Request) ContentType() string {
	switch r.Command {
	case CommandSendMail, CommandSmartForward, CommandSmartReply:
		if r.ProtocolVersion.Valid() && r.ProtocolVersion <= Version121 {
			return ContentTypeMIME
		}
	}
	return ContentTypeWBXML
}

// NewHTTPRequest returns a POST of req to base (see [Request.URL]) with the
// headers of req's form: MS-ASProtocolVersion, X-MS-PolicyKey (when
// HasPolicyKey) and MS-ASAcceptMultiPart: T (when set) in the plain form
// only, since the base64 form carries them itself; User-Agent and
// Accept-Language when set; and, when body is not nil, Content-Type from
// [Request.ContentType]. With no UserAgent, no User-Agent header is sent
// (Go's default is suppressed). The caller adds Authorization.
func NewHTTPRequest(ctx context.Context, base string, req *Request, body io.Reader) (*http.Request, error) {
	u, err := req.URL(base)
	if err != nil {
		return nil, err
	}
	hr, err := http.NewRequestWithContext(ctx, http.MethodPost, u, body)
	if err != nil {
		return nil, err
	}
	h := hr.Header
	if req.Form == PlainQuery {
		if req.ProtocolVersion != 0 {
			h.Set(HeaderProtocolVersion, req.ProtocolVersion.String())
		}
		if req.HasPolicyKey {
			h.Set(HeaderPolicyKey, strconv.FormatUint(uint64(req.PolicyKey), 10))
		}
		if req.AcceptMultiPart() {
			h.Set(HeaderAcceptMultiPart, "T")
		}
	}
	// An empty User-Agent value keeps net/http from sending its own.
	h["User-Agent"] = []string{req.UserAgent}
	if req.AcceptLanguage != "" {
		h.Set("Accept-Language", req.AcceptLanguage)
	}
	if body != nil {
		h.Set("Content-Type", req.ContentType())
	}
	return hr, nil
}
