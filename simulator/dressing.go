package simulator

import (
	"crypto/rand"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/easlab/easlab/eas"
)

// HTTP dressing: the headers IIS, ASP.NET and Exchange's front end put on
// every answer of /Microsoft-Server-ActiveSync and Autodiscover, spelled
// as Exchange spells them (gateways and agents read them).
//
// Sources: captured answers of Exchange 2019 (Server: Microsoft-IIS/10.0,
// request-id, X-CalculatedBETarget: <back end FQDN>, X-AspNet-Version:
// 4.0.30319, X-Powered-By: ASP.NET, X-FEServer: <front end NetBIOS name>;
// a public capture, index id 32908556497) and Exchange 2016 (the same,
// with X-BEServer: <back end NetBIOS name>; index id 52150575262);
// protocol.md 1.6 lists X-BEServer, X-FEServer and request-id as
// informational. The headers come from Exchange 2013's front end/back end
// split (the HttpProxy module), so Exchange 2010 sends none of them.
// UNCONFIRMED, for want of a capture: the IIS and ASP.NET versions of
// Exchange 2010 SP3 (IIS 7.5 on Windows Server 2008 R2, ASP.NET 2.0's
// 2.0.50727) and Exchange 2013 (IIS 8.5 on Windows Server 2012 R2);
// whether X-BEServer goes on ActiveSync answers (it does on OWA's and
// MAPI's); the Set-Cookie Exchange puts on ActiveSync answers (MS-ASHTTP
// 2.2.4.1.2's example is "X-Cookie=value; ...", the captures show only
// X-BackEndCookie being cleared on other virtual directories), so easlab
// sets no cookie.
type dressing struct {
	server        string // the Server header, IIS's
	aspNetVersion string // X-AspNet-Version
	frontEnd      bool   // X-FEServer, X-BEServer, X-CalculatedBETarget, request-id
}

// dressings are the profiles' dressings, by profile name.
var dressings = map[string]dressing{
	eas.ProfileExchange2010SP3: {server: "Microsoft-IIS/7.5", aspNetVersion: "2.0.50727"},
	eas.ProfileExchange2013:    {server: "Microsoft-IIS/8.5", aspNetVersion: "4.0.30319", frontEnd: true},
	eas.ProfileExchange2016:    {server: "Microsoft-IIS/10.0", aspNetVersion: "4.0.30319", frontEnd: true},
	eas.ProfileExchange2019:    {server: "Microsoft-IIS/10.0", aspNetVersion: "4.0.30319", frontEnd: true},
}

// DefaultServerName is the NetBIOS name of the Exchange server easlab
// plays (X-FEServer, X-BEServer) when Options.ServerName is empty.
const DefaultServerName = "EXCH01"

// The dressing headers, spelled as Exchange writes them.
const (
	headerServer              = "Server"
	headerAspNetVersion       = "X-AspNet-Version"
	headerPoweredBy           = "X-Powered-By"
	headerFEServer            = "X-FEServer"
	headerBEServer            = "X-BEServer"
	headerCalculatedBETarget  = "X-CalculatedBETarget"
	headerRequestID           = "request-id"
	headerWWWAuthenticate     = "WWW-Authenticate"
	headerRetryAfter          = "Retry-After"
	reasonRetryWithProvision  = "Retry after sending a PROVISION command"
	reasonRedirectUnspecified = ""
)

// dress sets the profile's dressing on h: one server plays front end and
// back end, as a single Exchange 2013+ server does.
func (s *Server) dress(h http.Header) {
	d, ok := dressings[s.profile.Name]
	if !ok {
		d = dressings[eas.ProfileExchange2019]
	}
	if d.frontEnd {
		eas.SetHeader(h, headerRequestID, newRequestID())
	}
	pairs := s.dressPairs
	if pairs == nil {
		pairs = s.dressPairsOf()
	}
	for i := 0; i+1 < len(pairs); i += 2 {
		eas.SetHeader(h, pairs[i], pairs[i+1])
	}
}

// dressPairsOf is the dressing but request-id as name and value pairs,
// at most 8 (packDressed keeps which were set in a byte).
func (s *Server) dressPairsOf() []string {
	d, ok := dressings[s.profile.Name]
	if !ok {
		d = dressings[eas.ProfileExchange2019]
	}
	name := s.serverName()
	var out []string
	if d.frontEnd {
		out = append(out, headerCalculatedBETarget, strings.ToLower(name)+"."+strings.ToLower(s.dir.Org.Domain), headerBEServer, name)
	}
	out = append(out, headerServer, d.server, headerAspNetVersion, d.aspNetVersion, headerPoweredBy, "ASP.NET")
	if d.frontEnd {
		out = append(out, headerFEServer, name)
	}
	return out
}

// packDressed packs h as packHeader does, less the headers of the
// dressing that h has as dress set them (all of them on most answers),
// which it marks in the byte it returns; unpackDressed adds them back.
// A parked call keeps 2 strings rather than 14.
func (s *Server) packDressed(h http.Header) ([]string, uint8) {
	var mask uint8
	pairs := s.dressPairs
	for i := 0; i+1 < len(pairs) && i < 16; i += 2 {
		if vs := h[pairs[i]]; len(vs) == 1 && vs[0] == pairs[i+1] {
			mask |= 1 << (i / 2)
		}
	}
	dressed := func(k string) bool {
		for i := 0; i+1 < len(pairs) && i < 16; i += 2 {
			if mask&(1<<(i/2)) != 0 && pairs[i] == k {
				return true
			}
		}
		return false
	}
	n := 0
	for k, vs := range h {
		if !dressed(k) {
			n += len(vs)
		}
	}
	if n == 0 {
		return nil, mask
	}
	out := make([]string, 0, 2*n)
	for k, vs := range h {
		if dressed(k) {
			continue
		}
		for _, v := range vs {
			out = append(out, k, v)
		}
	}
	return out, mask
}

// unpackDressed adds to h what packDressed packed.
func (s *Server) unpackDressed(h http.Header, pairs []string, mask uint8) {
	unpackHeader(h, pairs)
	d := s.dressPairs
	for i := 0; i+1 < len(d) && i < 16; i += 2 {
		if mask&(1<<(i/2)) != 0 {
			h[d[i]] = []string{d[i+1]}
		}
	}
}

// serverName is the server's NetBIOS name, upper case as Exchange writes
// it in X-FEServer.
func (s *Server) serverName() string {
	if s.opts.ServerName != "" {
		return strings.ToUpper(s.opts.ServerName)
	}
	return DefaultServerName
}

// dressed sets the dressing on every answer of next.
func (s *Server) dressed(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if resumedCall(r) == nil {
			// A parked call's answer wears the dressing it got when it
			// arrived (resume).
			s.dress(w.Header())
		}
		next(w, r)
	}
}

// newRequestID is a request-id: a random GUID in .NET's "D" form.
func newRequestID() string {
	var b [16]byte
	rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}

// retryAfterValue is Retry-After as Exchange writes it for an autoblocked
// device: the remaining block time's TimeSpan.TotalSeconds, a .NET double
// formatted by ToString() (Exchange 2013's Command.DetermineDeviceAccessState:
// AppendHeader("Retry-After", t.TotalSeconds.ToString(), false)), so
// "3593.4151234" rather than an integer. TimeSpan counts 100 ns ticks, and
// .NET's default double format has 15 significant digits.
func retryAfterValue(d time.Duration) string {
	if d < 0 {
		d = 0
	}
	ticks := d / 100
	return strconv.FormatFloat(float64(ticks)/1e7, 'g', 15, 64)
}
