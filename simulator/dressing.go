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
	name := s.serverName()
	if d.frontEnd {
		eas.SetHeader(h, headerRequestID, newRequestID())
		eas.SetHeader(h, headerCalculatedBETarget, strings.ToLower(name)+"."+strings.ToLower(s.dir.Org.Domain))
		eas.SetHeader(h, headerBEServer, name)
	}
	eas.SetHeader(h, headerServer, d.server)
	eas.SetHeader(h, headerAspNetVersion, d.aspNetVersion)
	eas.SetHeader(h, headerPoweredBy, "ASP.NET")
	if d.frontEnd {
		eas.SetHeader(h, headerFEServer, name)
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
