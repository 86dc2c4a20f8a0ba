package eas

import (
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Path is the path of the ActiveSync virtual directory.
const Path = "/Microsoft-Server-ActiveSync"

// HTTP header names used by EAS (MS-ASHTTP 2.2.2).
const (
	HeaderProtocolVersion  = "MS-ASProtocolVersion"  // request: the version spoken
	HeaderPolicyKey        = "X-MS-PolicyKey"        // request: decimal policy key
	HeaderAcceptMultiPart  = "MS-ASAcceptMultiPart"  // request: "T" for multipart ItemOperations
	HeaderServerVersion    = "MS-Server-ActiveSync"  // response
	HeaderProtocolVersions = "MS-ASProtocolVersions" // response: supported versions
	HeaderProtocolCommands = "MS-ASProtocolCommands" // response: supported commands
	HeaderResetPartnership = "X-MS-RP"               // response: resync everything
	HeaderLocation         = "X-MS-Location"         // response, with 451
	HeaderThrottle         = "X-MS-ASThrottle"       // response: autoblock reason
)

// SetHeader sets the header name to value in h with name spelled exactly
// as given on the wire (MS-ASProtocolVersions, X-MS-PolicyKey), as
// Exchange and the devices write them: http.Header.Set would store it
// canonicalized (Ms-Asprotocolversions), and net/http writes a header's
// key as it is stored. Any canonical entry of the same name is removed
// first, so the header goes once. A header set so is not found by
// h.Get; net/http canonicalizes what it reads, so the other side's Get
// finds it.
func SetHeader(h http.Header, name, value string) {
	h.Del(name)
	h[name] = []string{value}
}

// Content types used by EAS.
const (
	ContentTypeWBXML     = "application/vnd.ms-sync.wbxml"
	ContentTypeMultipart = "application/vnd.ms-sync.multipart"
	ContentTypeMIME      = "message/rfc822" // SendMail, SmartReply, SmartForward up to 12.1
)

// Limits on the device identity (Exchange 2013 Constants.MaxDeviceIDLength,
// MaxDeviceTypeLength), counted in UTF-16 code units as .NET does.
const (
	MaxDeviceIDLength   = 32
	MaxDeviceTypeLength = 32
)

// QueryForm is the form of a request's query string (MS-ASHTTP 2.2.1.1.1).
type QueryForm uint8

// The two query forms.
const (
	// PlainQuery is Cmd=...&User=...&DeviceId=...&DeviceType=... with the
	// version, policy key and multipart flag in headers. All versions.
	PlainQuery QueryForm = iota
	// Base64Query is the whole query as base64 of a binary layout that
	// carries everything itself. Versions 12.1 and later.
	Base64Query
)

// String returns "plain" or "base64".
func (f QueryForm) String() string {
	switch f {
	case PlainQuery:
		return "plain"
	case Base64Query:
		return "base64"
	}
	return fmt.Sprintf("QueryForm(%d)", uint8(f))
}

// Options are the bits of the base64 query's Options parameter (tag 7). In
// the plain form OptionSaveInSent is SaveInSent=T and OptionAcceptMultiPart
// is the header MS-ASAcceptMultiPart: T; other bits cannot be sent there.
type Options uint8

// The defined option bits.
const (
	OptionSaveInSent      Options = 0x01 // SendMail, SmartForward, SmartReply
	OptionAcceptMultiPart Options = 0x02 // ItemOperations
)

// Request is what an EAS POST says outside its body: the command, who sends
// it from which device, in which protocol version, with which policy key, and
// the command parameters of the query string.
//
// Request is comparable with ==.
type Request struct {
	// Form is the query form the request came in, or is to be sent in.
	Form QueryForm
	// Command is the command (Cmd, or the base64 command code).
	Command Command
	// User is the User parameter: the user name as the device typed it. The
	// base64 form may omit it (tag 8).
	User string
	// DeviceID is the DeviceId parameter. In the base64 form, device id
	// bytes that are letters and digits are taken as text; other bytes (a
	// binary GUID, say) are written as lower-case hex, as Z-Push and Horde
	// do.
	DeviceID string
	// DeviceType is the DeviceType parameter, as sent. Exchange identifies
	// the device by [NormalizeDeviceType] of it.
	DeviceType string
	// ProtocolVersion comes from the MS-ASProtocolVersion header (plain) or
	// the version byte (base64).
	ProtocolVersion ProtocolVersion
	// PolicyKey is the policy key, from the X-MS-PolicyKey header or the
	// base64 policy key field; HasPolicyKey says whether one was sent. A
	// header that is not a decimal uint32 counts as no key, as in Exchange.
	PolicyKey    uint32
	HasPolicyKey bool
	// Locale is the base64 form's locale (a Windows LCID, e.g. 0x0409);
	// the plain form has none.
	Locale uint16
	// UserAgent is the User-Agent header.
	UserAgent string
	// AcceptLanguage is the Accept-Language header (used by Search, Find).
	AcceptLanguage string

	// Command parameters of SendMail, SmartForward, SmartReply and
	// GetAttachment up to 12.1, and of the legacy *Collection commands
	// (MS-ASHTTP 2.2.1.1.1.1.3, 2.2.1.1.1.2.5). Empty means absent.
	AttachmentName string // tag 0
	CollectionID   string // tag 1
	CollectionName string // tag 2 (legacy)
	ItemID         string // tag 3
	LongID         string // tag 4
	ParentID       string // tag 5 (legacy)
	Occurrence     string // tag 6
	// Options holds SaveInSent and AcceptMultiPart (tag 7).
	Options Options
}

// SaveInSent reports whether the sent message is to be saved in Sent Items.
func (r *Request) SaveInSent() bool { return r.Options&OptionSaveInSent != 0 }

// AcceptMultiPart reports whether an ItemOperations response may be
// multipart.
func (r *Request) AcceptMultiPart() bool { return r.Options&OptionAcceptMultiPart != 0 }

// The base64 command-parameter tags (MS-ASHTTP 2.2.1.1.1.1.3).
const (
	tagAttachmentName = 0
	tagCollectionID   = 1
	tagCollectionName = 2
	tagItemID         = 3
	tagLongID         = 4
	tagParentID       = 5
	tagOccurrence     = 6
	tagOptions        = 7
	tagUser           = 8
)

// stringParams maps the string parameters to their plain-query names and
// base64 tags, in tag order.
func (r *Request) stringParams() []struct {
	name string
	tag  byte
	val  *string
} {
	return []struct {
		name string
		tag  byte
		val  *string
	}{
		{"AttachmentName", tagAttachmentName, &r.AttachmentName},
		{"CollectionId", tagCollectionID, &r.CollectionID},
		{"CollectionName", tagCollectionName, &r.CollectionName},
		{"ItemId", tagItemID, &r.ItemID},
		{"LongId", tagLongID, &r.LongID},
		{"ParentId", tagParentID, &r.ParentID},
		{"Occurrence", tagOccurrence, &r.Occurrence},
	}
}

// NormalizeDeviceType returns the device type Exchange files a device under:
// any type starting with "IMEI" (in any case) becomes "IMEI".
func NormalizeDeviceType(t string) string {
	if len(t) >= 4 && strings.EqualFold(t[:4], "IMEI") {
		return "IMEI"
	}
	return t
}

// ValidDeviceID reports whether id is a device id Exchange accepts: 1 to 32
// characters, each a letter or a digit. Like Exchange (.NET's
// char.IsLetterOrDigit) it accepts non-ASCII letters and digits, though
// MS-ASHTTP's grammar allows only ASCII ones.
func ValidDeviceID(id string) bool {
	n, ok := utf16Len(id, func(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) })
	return ok && n >= 1 && n <= MaxDeviceIDLength
}

// ValidDeviceType reports whether t is a device type Exchange accepts: after
// [NormalizeDeviceType], 1 to 32 characters, none of them '-'.
func ValidDeviceType(t string) bool {
	n, ok := utf16Len(NormalizeDeviceType(t), func(r rune) bool { return r != '-' })
	return ok && n >= 1 && n <= MaxDeviceTypeLength
}

// utf16Len returns the length of s in UTF-16 code units and whether every
// character passes ok. Invalid UTF-8 fails, as its replacement character
// would in .NET; so do characters outside the BMP when ok is a letter test,
// since .NET tests their surrogate halves one by one.
func utf16Len(s string, ok func(rune) bool) (int, bool) {
	n := 0
	for i, r := range s {
		if r == utf8.RuneError {
			if _, size := utf8.DecodeRuneInString(s[i:]); size == 1 {
				return n, false
			}
		}
		if r > 0xFFFF {
			n += 2
			if !ok(0xD800) { // a lone surrogate stands for the pair
				return n, false
			}
			continue
		}
		n++
		if !ok(r) {
			return n, false
		}
	}
	return n, true
}

// ParseRequest reads the EAS request r, in either query form, and checks it
// as Exchange does. It reads only the URL's query and headers, never the
// body, and does not look at the method: OPTIONS is for the router.
//
// It always returns a Request holding what it could read, even with an
// error, so that the caller can choose how to send the error
// ([StatusError.Outcome] needs the command and version). The error is a
// *StatusError naming the field at fault:
//
//   - undecodable base64, a base64 field cut short, a bad policy key length
//     or an unknown parameter tag: HTTP 400;
//   - Cmd missing or unknown, or an unknown command code: HTTP 501, status
//     137 CommandNotSupported (Exchange 2013 Handler);
//   - DeviceId missing, longer than 32 or not letters and digits: HTTP 400,
//     status 108;
//   - DeviceType missing, longer than 32 or containing '-': HTTP 400,
//     status 109;
//   - User missing from a plain query: HTTP 400;
//   - MS-ASProtocolVersion missing or not a known version, a base64 version
//     byte that is unknown or below 12.1, or a command the version does not
//     define: HTTP 400, status 138 VersionNotSupported.
//
// In a plain query, parameter names are matched without regard to case and
// repeated parameters are joined with commas, as ASP.NET does; unknown
// parameters are ignored. In the base64 form the MS-ASProtocolVersion header
// is ignored, X-MS-PolicyKey is used only if the layout has no key, and
// MS-ASAcceptMultiPart: T adds [OptionAcceptMultiPart] in either form.
func ParseRequest(r *http.Request) (*Request, error) {
	req := &Request{}
	if r == nil || r.URL == nil {
		return req, &StatusError{HTTPStatus: http.StatusBadRequest, Field: "query", Message: "no request URL"}
	}
	h := r.Header
	req.UserAgent = h.Get("User-Agent")
	req.AcceptLanguage = h.Get("Accept-Language")

	raw := r.URL.RawQuery
	var p parseState
	if q, ok := base64Query(raw); ok {
		req.Form = Base64Query
		if err := req.decodeBase64(q, &p); err != nil {
			return req, err
		}
		if !req.HasPolicyKey {
			req.PolicyKey, req.HasPolicyKey = parsePolicyKey(h.Get(HeaderPolicyKey))
		}
	} else {
		req.decodePlain(raw, &p)
		p.version = h.Get(HeaderProtocolVersion)
		p.versionSet = len(h.Values(HeaderProtocolVersion)) > 0
		if v, err := ParseProtocolVersion(p.version); err == nil {
			req.ProtocolVersion = v
		}
		req.PolicyKey, req.HasPolicyKey = parsePolicyKey(h.Get(HeaderPolicyKey))
	}
	if mp := h.Get(HeaderAcceptMultiPart); mp == "T" || mp == "t" {
		req.Options |= OptionAcceptMultiPart
	}
	if err := req.validate(&p); err != nil {
		return req, err
	}
	return req, nil
}

// Validate checks r as ParseRequest does: a known command, a valid device id
// and type, a user in the plain form, and a known version that defines the
// command and, in the base64 form, allows it. A client can build and send a
// request that fails Validate, to see how a server takes it.
func (r *Request) Validate() error {
	p := parseState{cmdSet: r.Command != 0, versionSet: r.ProtocolVersion != 0}
	p.cmd = r.Command.String()
	if r.Form == Base64Query {
		p.cmd = strconv.Itoa(int(r.Command))
	}
	p.version = r.ProtocolVersion.String()
	return r.validate(&p)
}

// parseState keeps raw values that did not parse, for validate's messages.
type parseState struct {
	cmd, version       string // as sent
	cmdSet, versionSet bool   // whether sent at all
}

// validate applies the checks in Exchange's order, as far as it is known:
// command, device identity, user, version.
func (r *Request) validate(p *parseState) error {
	fail := func(s Status, field, format string, args ...any) error {
		e := NewStatusError(s, fmt.Sprintf(format, args...))
		e.Field = field
		return e
	}
	b64 := r.Form == Base64Query
	switch {
	case r.Command.Valid():
	case b64:
		return fail(StatusCommandNotSupported, "base64 query: command code", "unknown command code %s", p.cmd)
	case !p.cmdSet:
		return fail(StatusCommandNotSupported, "Cmd", "missing")
	default:
		return fail(StatusCommandNotSupported, "Cmd", "unknown command %q", p.cmd)
	}
	if !ValidDeviceID(r.DeviceID) {
		if r.DeviceID == "" {
			return fail(StatusDeviceIDMissingOrInvalid, "DeviceId", "missing")
		}
		return fail(StatusDeviceIDMissingOrInvalid, "DeviceId",
			"must be 1 to %d letters or digits, got %q", MaxDeviceIDLength, r.DeviceID)
	}
	if !ValidDeviceType(r.DeviceType) {
		if r.DeviceType == "" {
			return fail(StatusDeviceTypeMissingOrInvalid, "DeviceType", "missing")
		}
		return fail(StatusDeviceTypeMissingOrInvalid, "DeviceType",
			"must be 1 to %d characters without '-', got %q", MaxDeviceTypeLength, r.DeviceType)
	}
	if !b64 && r.User == "" {
		return &StatusError{HTTPStatus: http.StatusBadRequest, Field: "User", Message: "missing"}
	}
	versionField := HeaderProtocolVersion
	if b64 {
		versionField = "base64 query: protocol version"
	}
	switch {
	case b64 && !r.ProtocolVersion.Valid():
		return fail(StatusVersionNotSupported, versionField, "unknown version byte %s", p.version)
	case b64 && !r.ProtocolVersion.Base64Allowed():
		return fail(StatusVersionNotSupported, versionField,
			"version %s must use the plain query form", r.ProtocolVersion)
	case !r.ProtocolVersion.Valid() && !p.versionSet:
		return fail(StatusVersionNotSupported, HeaderProtocolVersion, "missing")
	case !r.ProtocolVersion.Valid():
		return fail(StatusVersionNotSupported, HeaderProtocolVersion, "unsupported version %q", p.version)
	case !r.Command.DefinedIn(r.ProtocolVersion):
		return fail(StatusVersionNotSupported, versionField,
			"%s is defined in versions %s to %s, not %s", r.Command,
			r.Command.MinVersion(), r.Command.MaxVersion(), r.ProtocolVersion)
	}
	return nil
}

// parsePolicyKey reads an X-MS-PolicyKey value as Exchange does (.NET
// uint.TryParse): surrounding spaces and a leading '+' are allowed; anything
// that is not a uint32 counts as no key.
func parsePolicyKey(s string) (uint32, bool) {
	s = strings.TrimSpace(s)
	s = strings.TrimPrefix(s, "+")
	if s == "" || s[0] < '0' || s[0] > '9' {
		return 0, false
	}
	n, err := strconv.ParseUint(s, 10, 32)
	if err != nil {
		return 0, false
	}
	return uint32(n), true
}

// decodePlain reads a plain query, ASP.NET style: names are matched without
// regard to case, repeated values are joined with commas, '+' is a space and
// malformed %-escapes are kept as they are.
func (r *Request) decodePlain(raw string, p *parseState) {
	values := map[string]string{}
	seen := map[string]bool{}
	for part := range strings.SplitSeq(raw, "&") {
		name, value, ok := strings.Cut(part, "=")
		if !ok {
			continue // a bare word has no name
		}
		key := strings.ToLower(unescapeQuery(name))
		value = unescapeQuery(value)
		if seen[key] {
			values[key] += "," + value
		} else {
			values[key] = value
			seen[key] = true
		}
	}
	p.cmd, p.cmdSet = values["cmd"], seen["cmd"]
	if c, ok := ParseCommand(p.cmd); ok {
		r.Command = c
	}
	r.User = values["user"]
	r.DeviceID = values["deviceid"]
	r.DeviceType = values["devicetype"]
	for _, sp := range r.stringParams() {
		*sp.val = values[strings.ToLower(sp.name)]
	}
	if s := values["saveinsent"]; s == "T" || s == "t" {
		r.Options |= OptionSaveInSent
	}
}

// unescapeQuery decodes a query component: '+' is a space, %XX a byte, and
// a '%' not followed by two hex digits stays as it is.
func unescapeQuery(s string) string {
	if !strings.ContainsAny(s, "+%") {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '+':
			b.WriteByte(' ')
		case c == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]):
			b.WriteByte(unhex(s[i+1])<<4 | unhex(s[i+2]))
			i += 2
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case c <= '9':
		return c - '0'
	case c <= 'F':
		return c - 'A' + 10
	}
	return c - 'a' + 10
}

// base64Query reports whether raw is a base64 query and returns it
// %-decoded. It is one when, after decoding %-escapes (some clients escape
// '+', '/' and '='), it is made only of base64 characters with '=' only as
// padding at the end; a plain query always has a '=' or '&' elsewhere.
func base64Query(raw string) (string, bool) {
	s := raw
	if strings.Contains(s, "%") {
		s = unescapePercent(s)
	}
	body := strings.TrimRight(s, "=")
	if body == "" || len(s)-len(body) > 2 {
		return "", false
	}
	for i := 0; i < len(body); i++ {
		c := body[i]
		if !('A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '+' || c == '/') {
			return "", false
		}
	}
	return s, true
}

// unescapePercent decodes valid %XX escapes only ('+' stays '+').
func unescapePercent(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]) {
			b.WriteByte(unhex(s[i+1])<<4 | unhex(s[i+2]))
			i += 2
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// reader reads the base64 layout, naming the field it was reading when the
// bytes ran out.
type reader struct {
	b   []byte
	off int
}

func (rd *reader) bytes(n int, field string) ([]byte, error) {
	if left := len(rd.b) - rd.off; n > left {
		return nil, &StatusError{
			HTTPStatus: http.StatusBadRequest,
			Field:      "base64 query: " + field,
			Message:    fmt.Sprintf("truncated at byte %d: need %d bytes, %d left", rd.off, n, left),
		}
	}
	b := rd.b[rd.off : rd.off+n]
	rd.off += n
	return b, nil
}

func (rd *reader) byte(field string) (byte, error) {
	b, err := rd.bytes(1, field)
	if err != nil {
		return 0, err
	}
	return b[0], nil
}

// lenPrefixed reads a length byte then that many bytes.
func (rd *reader) lenPrefixed(field string) ([]byte, error) {
	n, err := rd.byte(field + " length")
	if err != nil {
		return nil, err
	}
	return rd.bytes(int(n), field)
}

// decodeBase64 reads the base64 query layout (MS-ASHTTP 2.2.1.1.1.1):
// version, command code, locale, device id, policy key, device type, then
// tagged parameters up to the end.
func (r *Request) decodeBase64(q string, p *parseState) error {
	data, err := base64.StdEncoding.DecodeString(q)
	if err != nil {
		return &StatusError{HTTPStatus: http.StatusBadRequest, Field: "query",
			Message: "neither a plain query nor valid base64", Err: err}
	}
	rd := &reader{b: data}
	vb, err := rd.byte("protocol version")
	if err != nil {
		return err
	}
	p.versionSet = true
	p.version = fmt.Sprintf("%d (0x%02X)", vb, vb)
	if v, ok := ProtocolVersionFromByte(vb); ok {
		r.ProtocolVersion = v
	}
	cb, err := rd.byte("command code")
	if err != nil {
		return err
	}
	p.cmdSet = true
	p.cmd = strconv.Itoa(int(cb))
	if c, ok := CommandByCode(cb); ok {
		r.Command = c
	}
	loc, err := rd.bytes(2, "locale")
	if err != nil {
		return err
	}
	r.Locale = binary.LittleEndian.Uint16(loc)
	id, err := rd.lenPrefixed("device ID")
	if err != nil {
		return err
	}
	r.DeviceID = deviceIDFromBytes(id)
	klen, err := rd.byte("policy key length")
	if err != nil {
		return err
	}
	switch klen {
	case 0:
	case 4:
		key, err := rd.bytes(4, "policy key")
		if err != nil {
			return err
		}
		r.PolicyKey, r.HasPolicyKey = binary.LittleEndian.Uint32(key), true
	default:
		return &StatusError{HTTPStatus: http.StatusBadRequest, Field: "base64 query: policy key length",
			Message: fmt.Sprintf("must be 0 or 4, got %d", klen)}
	}
	typ, err := rd.lenPrefixed("device type")
	if err != nil {
		return err
	}
	r.DeviceType = string(typ)
	for rd.off < len(rd.b) {
		tagOff := rd.off
		tag, err := rd.byte("parameter tag")
		if err != nil {
			return err
		}
		val, err := rd.lenPrefixed(fmt.Sprintf("parameter %d value", tag))
		if err != nil {
			return err
		}
		switch tag {
		case tagOptions:
			if len(val) != 1 {
				return &StatusError{HTTPStatus: http.StatusBadRequest, Field: "base64 query: Options",
					Message: fmt.Sprintf("must be 1 byte, got %d", len(val))}
			}
			r.Options = Options(val[0])
		case tagUser:
			r.User = string(val)
		default:
			found := false
			for _, sp := range r.stringParams() {
				if sp.tag == tag {
					*sp.val, found = string(val), true
				}
			}
			if !found {
				return &StatusError{HTTPStatus: http.StatusBadRequest, Field: "base64 query: parameter tag",
					Message: fmt.Sprintf("unknown tag %d at byte %d", tag, tagOff)}
			}
		}
	}
	return nil
}

// deviceIDFromBytes turns the base64 form's device id bytes into the device
// id: the bytes as text when they are letters and digits (the spec's own
// example, "v140Device", is such text), else lower-case hex, as Z-Push and
// Horde render every device id (a binary GUID becomes 32 hex digits).
func deviceIDFromBytes(b []byte) string {
	s := string(b)
	if _, ok := utf16Len(s, func(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }); ok {
		return s
	}
	return hex.EncodeToString(b)
}
