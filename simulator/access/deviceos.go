package access

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// derivedOS is a DeviceOS read from the User-Agent, kept as pieces so that
// matching it allocates nothing: prefix, then body with every byte from
// read as to.
type derivedOS struct {
	prefix, body string
	from, to     byte
	ok           bool
}

// derivedOS returns the DeviceOS Exchange derives from the User-Agent when
// the stored one is empty or just "Android" (Command.
// CompleteDeviceAccessProcessing and TryParseDeviceOSFromUserAgent), or
// ok false if it derives none.
//
// Exchange derives it when it completes a request and stores it, so it
// weighs from the device's next request on; deriving it here already
// differs only on a device's very first request, which rules rarely judge
// (no DeviceInformation yet, so discovery).
func (in *Input) derivedOS(ua string) derivedOS {
	if in.DeviceOS != "" && !strings.EqualFold(in.DeviceOS, "Android") {
		return derivedOS{}
	}
	return parseDeviceOS(in.DeviceType, ua)
}

// parseDeviceOS is TryParseDeviceOSFromUserAgent. The device types come
// from web.config DeviceTypesToParseOSVersion (default "samsung,android"),
// compared ignoring case.
//   - SAMSUNG: the digits after the last '.' of the User-Agent, with every
//     '0' read as '.', after "Android ": "SAMSUNG-SM-N9005/101.40402" gives
//     "Android 4.4.2". Exchange accepts what int.TryParse accepts; here an
//     optional sign and ASCII digits within int32.
//   - Android: the User-Agent before its first '-', with '/' read as ' ':
//     "Android/4.4.2-EAS-1.3" gives "Android 4.4.2".
func parseDeviceOS(deviceType, ua string) derivedOS {
	switch {
	case ua == "":
		return derivedOS{}
	case strings.EqualFold(deviceType, "samsung"):
		i := strings.LastIndexByte(ua, '.')
		if i <= 0 || !isInt32(ua[i+1:]) {
			return derivedOS{}
		}
		return derivedOS{prefix: "Android ", body: ua[i+1:], from: '0', to: '.', ok: true}
	case strings.EqualFold(deviceType, "android"):
		i := strings.IndexByte(ua, '-')
		if i <= 0 {
			return derivedOS{}
		}
		return derivedOS{body: ua[:i], from: '/', to: ' ', ok: true}
	}
	return derivedOS{}
}

// isInt32 reports whether s is an optionally signed decimal int32.
func isInt32(s string) bool {
	limit := int64(1<<31 - 1)
	if s != "" && (s[0] == '+' || s[0] == '-') {
		if s[0] == '-' {
			limit++
		}
		s = s[1:]
	}
	if s == "" || len(s) > 10 {
		return false
	}
	var n int64
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
		n = n*10 + int64(s[i]-'0')
	}
	return n <= limit
}

// String builds the derived DeviceOS.
func (d derivedOS) String() string {
	if !d.ok {
		return ""
	}
	return d.prefix + strings.ReplaceAll(d.body, string(rune(d.from)), string(rune(d.to)))
}

// equalFold reports whether q equals the derived DeviceOS, ignoring case
// as strings.EqualFold does.
func (d derivedOS) equalFold(q string) bool {
	q, ok := foldPrefix(q, d.prefix, 0, 0)
	if !ok {
		return false
	}
	q, ok = foldPrefix(q, d.body, d.from, d.to)
	return ok && q == ""
}

// foldPrefix reports whether q starts with s, whose from bytes read as to,
// ignoring case; it returns the rest of q.
func foldPrefix(q, s string, from, to byte) (string, bool) {
	for _, r := range s {
		if from != 0 && r == rune(from) {
			r = rune(to)
		}
		if q == "" {
			return "", false
		}
		qr, n := utf8.DecodeRuneInString(q)
		if !runeEqualFold(qr, r) {
			return "", false
		}
		q = q[n:]
	}
	return q, true
}

// runeEqualFold reports whether a and b are equal under simple Unicode case
// folding.
func runeEqualFold(a, b rune) bool {
	if a == b {
		return true
	}
	for f := unicode.SimpleFold(a); f != a; f = unicode.SimpleFold(f) {
		if f == b {
			return true
		}
	}
	return false
}

// DeviceOS returns the DeviceOS Exchange derives from the
// User-Agent of an Android or SAMSUNG device (TryParseDeviceOSFromUserAgent),
// for the caller to store when it completes a request whose device has no
// DeviceOS or just "Android", as Exchange does.
func DeviceOS(deviceType, userAgent string) (string, bool) {
	d := parseDeviceOS(deviceType, userAgent)
	return d.String(), d.ok
}
