package simulator

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/easlab/easlab/simulator/admin"
	"github.com/gorilla/mux"
)

// maxAdminRequestBytes bounds the body of an admin API request.
const maxAdminRequestBytes = 1 << 20

// adminRoutes mounts the admin API: Exchange's management cmdlets as JSON
// over HTTP, which MFA agents call where they would call PowerShell.
//
// # Request
//
//	POST /api/cmdlet
//	Authorization: Bearer <token>
//	Content-Type: application/json
//
//	{"cmdlet": "Get-MobileDevice",
//	 "parameters": {"ResultSize": "Unlimited", "Filter": "DeviceAccessState -eq 'Quarantined'"}}
//
// The token is Options.AdminToken (Server.AdminToken). Cmdlet and
// parameter names ignore case; a parameter may be shortened to an
// unambiguous prefix, as in PowerShell. Values are PowerShell's, in JSON:
//   - strings ("Identity": "alice"), numbers ("ResultSize": 50 or
//     "Unlimited"), booleans ("ActiveSyncEnabled": false; "$true" and
//     "$false" are accepted too) and switches ("ShowRecoveryPassword": true);
//   - enumerations by name, ignoring case ("AccessLevel": "Quarantine");
//   - multi-valued parameters: a list replaces the value
//     ("ActiveSyncAllowedDeviceIDs": ["id1", "id2"]), a single string is a
//     one-element list, null clears it, and {"Add": [...], "Remove": [...]}
//     (also "+" and "-"; a single string for a one-element list) changes it
//     as @{Add=...; Remove=...} does: adding a present value or removing an
//     absent one is no error;
//   - the common parameters Confirm, Verbose, Debug, ErrorAction,
//     WarningAction and DomainController are accepted and ignored.
//
// # Reply
//
// 200 {"output": [...], "warnings": [...]}: the objects the cmdlet writes,
// with Exchange's property names and value spellings: enumerations by name
// ("Quarantined", "Global"), times in .NET's round-trip format with seven
// fractional digits (null when unset): in UTC ("2026-11-23T09:00:00.0000000Z"),
// except WhenCreated and WhenChanged, which are in the server's time zone
// (Options.TimeZone) with its offset ("2026-11-23T10:00:00.0000000+01:00")
// beside WhenCreatedUTC and WhenChangedUTC; lists as arrays. Set-, Remove-
// cmdlets write no objects. "warnings" holds PowerShell's WARNING lines,
// when there are any (a ResultSize, default or given, that cut the list;
// a Set- that changed nothing).
//
// An error is {"error": {"category": ..., "message": ..., "cmdlet": ...,
// "exception": ..., "categoryInfo": ...}} with PowerShell's wording,
// "position" for an invalid -Filter, and, for an error of a cmdlet, the
// .NET exception and the CategoryInfo Remote PowerShell's ErrorRecord of
// the same error carries ("NotSpecified: (:) [Get-MobileDevice],
// ManagementObjectNotFoundException"):
//   - 400 InvalidArgument: an unknown, ambiguous, repeated or missing
//     parameter, a value of the wrong type, an invalid -Filter (with its
//     1-based position), conflicting parameter sets;
//   - 400 InvalidData: the same device ID in both Set-CASMailbox lists;
//   - 404 ManagementObjectNotFound: "The operation couldn't be performed
//     because object 'x' couldn't be found on 'DC01.contoso.com'.";
//   - 400 ManagementObjectAmbiguous: an identity matching several objects;
//   - 409 ADObjectAlreadyExists: New-ActiveSyncDeviceAccessRule of an
//     existing rule;
//   - 404 ObjectNotFound: an unknown cmdlet ("The term 'X' is not
//     recognized as the name of a cmdlet, ...");
//   - 401 AuthenticationError: no or a wrong bearer token (any /api/ path);
//   - 400 ParserError: a body that is not the JSON above;
//   - 413 LimitsExceeded: a body over 1 MiB;
//   - 405 InvalidOperation: a method other than POST.
//
// # Cmdlets
//
// The 2013+ names and, where Exchange 2010 named them otherwise, the 2010
// aliases (see cmdletTable):
//
//	Get-MobileDevice (Get-ActiveSyncDevice)  -Identity | -Mailbox, -Filter, -ResultSize, -ActiveSync, -OWAforDevices, -RestApi, -UniversalOutlook
//	Get-MobileDeviceStatistics (Get-ActiveSyncDeviceStatistics)  -Identity | -Mailbox, -ShowRecoveryPassword, -ActiveSync, ...
//	Remove-MobileDevice (Remove-ActiveSyncDevice)  -Identity
//	Clear-MobileDevice (Clear-ActiveSyncDevice)  -Identity, -AccountOnly, -Cancel
//	Get/Set-ActiveSyncDeviceAutoblockThreshold  -Identity <behaviour>, -BehaviorTypeIncidenceLimit, -BehaviorTypeIncidenceDuration, -DeviceBlockDuration, -AdminEmailInsert
//	Get-CASMailbox  [-Identity], -Filter, -ResultSize
//	Set-CASMailbox  -Identity, -ActiveSyncEnabled, -ActiveSyncAllowedDeviceIDs, -ActiveSyncBlockedDeviceIDs
//	Get-Mailbox  [-Identity], -Filter, -ResultSize
//	Set-Mailbox  -Identity, -Languages (also -Language, by PowerShell's prefix binding)
//	Get-ActiveSyncOrganizationSettings  [-Identity]
//	Set-ActiveSyncOrganizationSettings  [-Identity], -DefaultAccessLevel, -AdminMailRecipients, -UserMailInsert, -OtaNotificationMailInsert
//	New-ActiveSyncDeviceAccessRule  -QueryString, -Characteristic, -AccessLevel
//	Get-ActiveSyncDeviceAccessRule  [-Identity]
//	Set-ActiveSyncDeviceAccessRule  -Identity, -AccessLevel
//	Remove-ActiveSyncDeviceAccessRule  -Identity
//	New/Get/Set/Remove-MobileDeviceMailboxPolicy (*-ActiveSyncMailboxPolicy)  -Name/-Identity, -IsDefault, the policy's parameters
//
// Without -ResultSize a Get- cmdlet returns at most 1000 objects and warns
// as Exchange does when there were more; "Unlimited" returns all.
//
// # Identities
//
// A mailbox (-Identity of the mailbox cmdlets, -Mailbox): its alias,
// UserPrincipalName, primary SMTP address, DOMAIN\alias, Name (the display
// name), canonical name ("contoso.com/Users/Alice Wilber"), Guid or
// ExchangeGuid. A device, as Exchange's MobileDeviceIdParameter takes it
// (identity.go): the Identity Get-MobileDevice shows (the canonical name
// "contoso.com/Users/Alice Wilber/ExchangeActiveSyncDevices/iPhone§<DeviceId>"),
// its DistinguishedName, its Guid, or "<user>\<anything>\<DeviceType>§<DeviceId>"
// where <user> is the Name of the user's object ("Alice Wilber"; the
// last part may start or end with a "*" wildcard). A bare DeviceId or Name
// is not an identity (404 ManagementObjectNotFound, as on Exchange). A
// device access rule: its Name or Guid.
//
// # Filters
//
// -Filter takes the OPATH subset of admin.FilterSchema over the
// properties Exchange lets the cmdlet filter on: for Get-MobileDevice ClientType,
// DeviceAccessControlRule, DeviceAccessState, DeviceAccessStateReason,
// DeviceActiveSyncVersion, DeviceId, DeviceImei, DeviceMobileOperator,
// DeviceModel, DeviceOS, DeviceOSLanguage, DeviceTelephoneNumber,
// DeviceType, DeviceUserAgent, FirstSyncTime, FriendlyName,
// ProvisioningFlags and UserDisplayName.
func (s *Server) adminRoutes(r *mux.Router) {
	if s.opts.AdminToken == "" {
		s.opts.AdminToken = newAdminToken()
	}
	api := r.PathPrefix("/api/").Subrouter()
	api.Use(s.requireAdminToken)
	isCmdlet := func(r *http.Request, _ *mux.RouteMatch) bool { return r.URL.Path == "/api/cmdlet" }
	api.NewRoute().MatcherFunc(isCmdlet).Methods(http.MethodPost).HandlerFunc(s.serveCmdlet)
	api.NewRoute().MatcherFunc(func(r *http.Request, _ *mux.RouteMatch) bool { return r.URL.Path == "/api/events" }).Methods(http.MethodGet).HandlerFunc(s.serveEvents)
	api.NewRoute().MatcherFunc(func(r *http.Request, _ *mux.RouteMatch) bool { return r.URL.Path == "/api/state" }).Methods(http.MethodGet).HandlerFunc(s.serveState)

	isFaults := func(r *http.Request, _ *mux.RouteMatch) bool {
		return r.URL.Path == "/api/faults" || strings.HasPrefix(r.URL.Path, "/api/faults/")
	}
	api.NewRoute().MatcherFunc(isFaults).HandlerFunc(s.serveFaults)
	api.NewRoute().MatcherFunc(isCmdlet).HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Allow", http.MethodPost)
		writeAdminError(w, &admin.Error{Status: http.StatusMethodNotAllowed, Category: "InvalidOperation", Message: "The method " + r.Method + " is not allowed; use POST."})
	})
	api.NewRoute().HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeAdminError(w, &admin.Error{Status: http.StatusNotFound, Category: "ObjectNotFound", Message: "There is no admin API at " + r.URL.Path + "; use POST /api/cmdlet."})
	})
}

// newAdminToken returns a random bearer token.
func newAdminToken() string {
	var b [24]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic("simulator: no randomness for the admin token: " + err.Error())
	}
	return hex.EncodeToString(b[:])
}

// requireAdminToken answers 401 unless the request carries the admin
// token. The comparison takes the same time whatever the token given.
func (s *Server) requireAdminToken(next http.Handler) http.Handler {
	want := sha256.Sum256([]byte(s.opts.AdminToken))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		auth := r.Header.Get("Authorization")
		scheme, token, _ := strings.Cut(auth, " ")
		got := sha256.Sum256([]byte(strings.TrimSpace(token)))
		ok := subtle.ConstantTimeCompare(got[:], want[:]) == 1
		if !strings.EqualFold(scheme, "Bearer") || !ok {
			w.Header().Set("WWW-Authenticate", `Bearer realm="easlab admin"`)
			writeAdminError(w, &admin.Error{Status: http.StatusUnauthorized, Category: "AuthenticationError", Message: "Access is denied: a valid bearer token is required."})
			s.log.Info("admin", "remote", r.RemoteAddr, "path", r.URL.Path, "status", http.StatusUnauthorized)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// cmdletRequest is the body of POST /api/cmdlet.
type cmdletRequest struct {
	Cmdlet     string          `json:"cmdlet"`
	Parameters json.RawMessage `json:"parameters"`
}

// errNotFound is Exchange's ManagementObjectNotFoundException.
func (s *Server) errNotFound(identity string) *admin.Error {
	return &admin.Error{Status: http.StatusNotFound, Category: "ManagementObjectNotFound",
		Message: fmt.Sprintf("The operation couldn't be performed because object '%s' couldn't be found on '%s'.", identity, s.domainController())}
}

// domainController is the name errors give for the directory server.
func (s *Server) domainController() string { return "DC01." + s.dir.Org.Domain }

type adminErrorBody struct {
	Error adminErrorJSON `json:"error"`
}

type adminErrorJSON struct {
	Category string `json:"category"`
	Message  string `json:"message"`
	Cmdlet   string `json:"cmdlet,omitempty"`
	Position int    `json:"position,omitempty"`
	// The ErrorRecord's exception and CategoryInfo, as Remote PowerShell
	// reports the same error (admin.Error.Exception, CategoryInfo).
	Exception    string `json:"exception,omitempty"`
	CategoryInfo string `json:"categoryInfo,omitempty"`
}

func writeAdminJSON(w http.ResponseWriter, status int, v any) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		w.WriteHeader(http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Length", fmt.Sprint(buf.Len()))
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

func writeAdminError(w http.ResponseWriter, e *admin.Error) {
	body := adminErrorJSON{Category: e.Category, Message: e.Message, Cmdlet: e.Cmdlet, Position: e.Position}
	switch e.Category {
	case "ParserError", "LimitsExceeded", "AuthenticationError":
		// the transport's own refusals, before any cmdlet
	default:
		if e.Cmdlet != "" {
			body.Exception, body.CategoryInfo = e.Exception(), e.CategoryInfo(e.Cmdlet)
		}
	}
	writeAdminJSON(w, e.Status, adminErrorBody{Error: body})
}

// serveCmdlet handles POST /api/cmdlet.
func (s *Server) serveCmdlet(w http.ResponseWriter, r *http.Request) {
	start := s.clock.Now()
	name, out, err := s.runCmdlet(w, r)
	if err == nil {
		// What the cmdlet changed is in the store before it says so.
		if serr := s.dir.storeErr(); serr != nil {
			err = &admin.Error{Status: http.StatusServiceUnavailable, Category: "WriteError", Message: "The change could not be stored: " + serr.Error()}
		}
	}
	attrs := []any{"remote", r.RemoteAddr, "cmdlet", name, "duration", s.clock.Since(start).String()}
	if errors.Is(err, errDropped) {
		s.log.Info("admin", append(attrs, "fault", "connection dropped")...)
		return
	}
	if err != nil {
		var ce *admin.Error
		if !errors.As(err, &ce) {
			s.log.Error("admin cmdlet", "cmdlet", name, "error", err)
			ce = &admin.Error{Status: http.StatusInternalServerError, Category: "NotSpecified", Message: err.Error()}
		}
		if ce.Cmdlet == "" {
			ce.Cmdlet = name
		}
		writeAdminError(w, ce)
		s.log.Info("admin", append(attrs, "status", ce.Status, "error", ce.Message)...)
		return
	}
	writeAdminJSON(w, http.StatusOK, out)
	s.log.Info("admin", append(attrs, "status", http.StatusOK)...)
}

// runCmdlet reads the request, binds the parameters and runs the cmdlet.
func (s *Server) runCmdlet(w http.ResponseWriter, r *http.Request) (string, admin.Output, error) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxAdminRequestBytes))
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return "", admin.Output{}, &admin.Error{Status: http.StatusRequestEntityTooLarge, Category: "LimitsExceeded", Message: fmt.Sprintf("The request body is larger than %d bytes.", maxAdminRequestBytes)}
		}
		return "", admin.Output{}, &admin.Error{Status: http.StatusBadRequest, Category: "ParserError", Message: "Reading the request body: " + err.Error()}
	}
	var req cmdletRequest
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil || dec.More() {
		msg := "the body must be one JSON object {\"cmdlet\": \"<Name>\", \"parameters\": {...}}"
		if err != nil {
			msg += ": " + err.Error()
		}
		return "", admin.Output{}, &admin.Error{Status: http.StatusBadRequest, Category: "ParserError", Message: "The request couldn't be read: " + msg + "."}
	}
	def, name, err := cmdlets.Lookup(req.Cmdlet)
	if err != nil {
		return name, admin.Output{}, err
	}
	if f := s.cmdletFault(name); f != nil {
		if f.Action.Latency > 0 {
			if err := s.clock.Sleep(r.Context(), time.Duration(f.Action.Latency)); err != nil {
				return name, admin.Output{}, err
			}
		}
		switch {
		case f.Action.Drop:
			dropConnection(w)
			return name, admin.Output{}, errDropped
		case f.Action.HTTPStatus != 0:
			if f.Action.RetryAfter > 0 {
				w.Header().Set("Retry-After", strconv.Itoa(f.Action.RetryAfter))
			}
			return name, admin.Output{}, &admin.Error{Status: f.Action.HTTPStatus, Category: "ResourceUnavailable",
				Message: "The server is busy and cannot run " + name + " now (injected fault " + f.ID + "). Try again later."}
		}
	}
	out, err := def.Run(s, req.Parameters)
	return name, out, err
}

// The dispatch table. To add a cmdlet, add its entry here: the name,
// the 2010 aliases, and a handler func(*Server, *Params) whose Params
// struct declares the parameters (admin.Cmdlet).

var cmdletTable = []*admin.Def[*Server]{
	admin.Cmdlet("Get-MobileDevice", []string{"Get-ActiveSyncDevice"}, (*Server).getMobileDevice),
	admin.Cmdlet("Get-MobileDeviceStatistics", []string{"Get-ActiveSyncDeviceStatistics"}, (*Server).getMobileDeviceStatistics),
	admin.Cmdlet("Remove-MobileDevice", []string{"Remove-ActiveSyncDevice"}, (*Server).removeMobileDevice),
	admin.Cmdlet("Clear-MobileDevice", []string{"Clear-ActiveSyncDevice"}, (*Server).clearMobileDevice),
	admin.Cmdlet("Get-ActiveSyncDeviceAutoblockThreshold", nil, (*Server).getAutoblockThreshold),
	admin.Cmdlet("Set-ActiveSyncDeviceAutoblockThreshold", nil, (*Server).setAutoblockThreshold),
	admin.Cmdlet("Get-CASMailbox", nil, (*Server).getCASMailbox),
	admin.Cmdlet("Set-CASMailbox", nil, (*Server).setCASMailbox),
	admin.Cmdlet("Get-Mailbox", nil, (*Server).getMailbox),
	admin.Cmdlet("Set-Mailbox", nil, (*Server).setMailbox),
	admin.Cmdlet("Set-User", nil, (*Server).setUser),
	admin.Cmdlet("Get-ActiveSyncOrganizationSettings", nil, (*Server).getOrganizationSettings),
	admin.Cmdlet("Set-ActiveSyncOrganizationSettings", nil, (*Server).setOrganizationSettings),
	admin.Cmdlet("New-ActiveSyncDeviceAccessRule", nil, (*Server).newDeviceAccessRule),
	admin.Cmdlet("Get-ActiveSyncDeviceAccessRule", nil, (*Server).getDeviceAccessRule),
	admin.Cmdlet("Set-ActiveSyncDeviceAccessRule", nil, (*Server).setDeviceAccessRule),
	admin.Cmdlet("Remove-ActiveSyncDeviceAccessRule", nil, (*Server).removeDeviceAccessRule),
	admin.Cmdlet("New-MobileDeviceMailboxPolicy", []string{"New-ActiveSyncMailboxPolicy"}, (*Server).newMobileDeviceMailboxPolicy),
	admin.Cmdlet("Get-MobileDeviceMailboxPolicy", []string{"Get-ActiveSyncMailboxPolicy"}, (*Server).getMobileDeviceMailboxPolicy),
	admin.Cmdlet("Set-MobileDeviceMailboxPolicy", []string{"Set-ActiveSyncMailboxPolicy"}, (*Server).setMobileDeviceMailboxPolicy),
	admin.Cmdlet("Remove-MobileDeviceMailboxPolicy", []string{"Remove-ActiveSyncMailboxPolicy"}, (*Server).removeMobileDeviceMailboxPolicy),
}

// cmdlets finds a table entry by name or alias, ignoring case.
var cmdlets = admin.NewRegistry(cmdletTable...)
