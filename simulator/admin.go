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
	"reflect"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/easlab/easlab/simulator/access"
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
// ("Quarantined", "Global"), times in ISO 8601 UTC (null when unset), lists
// as arrays. Set-, Remove- cmdlets write no objects. "warnings" holds
// PowerShell's WARNING lines, when there are any (the default ResultSize
// cut, a Set- that changed nothing).
//
// An error is {"error": {"category": ..., "message": ..., "cmdlet": ...}}
// with PowerShell's wording, and "position" for an invalid -Filter:
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
// ExchangeGuid. A device: "<mailbox>\ExchangeActiveSyncDevices\<DeviceType>§<DeviceId>"
// (the Identity Get-MobileDevice shows, with the mailbox in any form above,
// and / accepted for \), its Guid, its Name "<DeviceType>§<DeviceId>" or
// its DeviceId alone, the last two when they are unique in the
// organization. A device access rule: its Name or Guid.
//
// # Filters
//
// -Filter takes the OPATH subset of filter.go over the properties
// Exchange lets the cmdlet filter on: for Get-MobileDevice ClientType,
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
		writeAdminError(w, &cmdletError{Status: http.StatusMethodNotAllowed, Category: "InvalidOperation", Message: "The method " + r.Method + " is not allowed; use POST."})
	})
	api.NewRoute().HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeAdminError(w, &cmdletError{Status: http.StatusNotFound, Category: "ObjectNotFound", Message: "There is no admin API at " + r.URL.Path + "; use POST /api/cmdlet."})
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
			writeAdminError(w, &cmdletError{Status: http.StatusUnauthorized, Category: "AuthenticationError", Message: "Access is denied: a valid bearer token is required."})
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

// cmdletOutput is a successful reply: the objects a cmdlet writes and its
// warnings.
type cmdletOutput struct {
	Output   any      `json:"output"`
	Warnings []string `json:"warnings,omitempty"`
}

// outputOf makes the reply of items, never null.
func outputOf[T any](items []T, warnings ...string) cmdletOutput {
	if items == nil {
		items = []T{}
	}
	return cmdletOutput{Output: items, Warnings: warnings}
}

// noOutput is the reply of a cmdlet that writes no objects.
func noOutput(warnings ...string) cmdletOutput { return outputOf[struct{}](nil, warnings...) }

// cmdletError is a failed cmdlet, rendered as the error envelope.
type cmdletError struct {
	Status   int    // HTTP status
	Category string // PowerShell's error category, or Exchange's exception name for directory errors
	Message  string
	Cmdlet   string
	Position int // the 1-based position of an invalid -Filter
}

func (e *cmdletError) Error() string { return e.Category + ": " + e.Message }

// errInvalidArgument is a parameter binding error.
func errInvalidArgument(format string, args ...any) *cmdletError {
	return &cmdletError{Status: http.StatusBadRequest, Category: "InvalidArgument", Message: fmt.Sprintf(format, args...)}
}

// errNotFound is Exchange's ManagementObjectNotFoundException.
func (s *Server) errNotFound(identity string) *cmdletError {
	return &cmdletError{Status: http.StatusNotFound, Category: "ManagementObjectNotFound",
		Message: fmt.Sprintf("The operation couldn't be performed because object '%s' couldn't be found on '%s'.", identity, s.domainController())}
}

// errAmbiguous is Exchange's ManagementObjectAmbiguousException.
func errAmbiguous(identity string) *cmdletError {
	return &cmdletError{Status: http.StatusBadRequest, Category: "ManagementObjectAmbiguous",
		Message: fmt.Sprintf("The operation couldn't be performed because '%s' matches multiple entries.", identity)}
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

func writeAdminError(w http.ResponseWriter, e *cmdletError) {
	writeAdminJSON(w, e.Status, adminErrorBody{Error: adminErrorJSON{Category: e.Category, Message: e.Message, Cmdlet: e.Cmdlet, Position: e.Position}})
}

// serveCmdlet handles POST /api/cmdlet.
func (s *Server) serveCmdlet(w http.ResponseWriter, r *http.Request) {
	start := s.clock.Now()
	name, out, err := s.runCmdlet(w, r)
	if err == nil {
		// What the cmdlet changed is in the store before it says so.
		if serr := s.dir.storeErr(); serr != nil {
			err = &cmdletError{Status: http.StatusServiceUnavailable, Category: "WriteError", Message: "The change could not be stored: " + serr.Error()}
		}
	}
	attrs := []any{"remote", r.RemoteAddr, "cmdlet", name, "duration", s.clock.Since(start).String()}
	if errors.Is(err, errDropped) {
		s.log.Info("admin", append(attrs, "fault", "connection dropped")...)
		return
	}
	if err != nil {
		var ce *cmdletError
		if !errors.As(err, &ce) {
			s.log.Error("admin cmdlet", "cmdlet", name, "error", err)
			ce = &cmdletError{Status: http.StatusInternalServerError, Category: "NotSpecified", Message: err.Error()}
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
func (s *Server) runCmdlet(w http.ResponseWriter, r *http.Request) (string, cmdletOutput, error) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxAdminRequestBytes))
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return "", cmdletOutput{}, &cmdletError{Status: http.StatusRequestEntityTooLarge, Category: "LimitsExceeded", Message: fmt.Sprintf("The request body is larger than %d bytes.", maxAdminRequestBytes)}
		}
		return "", cmdletOutput{}, &cmdletError{Status: http.StatusBadRequest, Category: "ParserError", Message: "Reading the request body: " + err.Error()}
	}
	var req cmdletRequest
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil || dec.More() {
		msg := "the body must be one JSON object {\"cmdlet\": \"<Name>\", \"parameters\": {...}}"
		if err != nil {
			msg += ": " + err.Error()
		}
		return "", cmdletOutput{}, &cmdletError{Status: http.StatusBadRequest, Category: "ParserError", Message: "The request couldn't be read: " + msg + "."}
	}
	name := strings.TrimSpace(req.Cmdlet)
	def := cmdletIndex[strings.ToLower(name)]
	if def == nil {
		return name, cmdletOutput{}, &cmdletError{Status: http.StatusNotFound, Category: "ObjectNotFound",
			Message: fmt.Sprintf("The term '%s' is not recognized as the name of a cmdlet, function, script file, or operable program. Check the spelling of the name, or if a path was included, verify that the path is correct and try again.", name)}
	}
	name = def.names[strings.ToLower(name)]
	if f := s.cmdletFault(name); f != nil {
		if f.Action.Latency > 0 {
			if err := s.clock.Sleep(r.Context(), time.Duration(f.Action.Latency)); err != nil {
				return name, cmdletOutput{}, err
			}
		}
		switch {
		case f.Action.Drop:
			dropConnection(w)
			return name, cmdletOutput{}, errDropped
		case f.Action.HTTPStatus != 0:
			if f.Action.RetryAfter > 0 {
				w.Header().Set("Retry-After", strconv.Itoa(f.Action.RetryAfter))
			}
			return name, cmdletOutput{}, &cmdletError{Status: f.Action.HTTPStatus, Category: "ResourceUnavailable",
				Message: "The server is busy and cannot run " + name + " now (injected fault " + f.ID + "). Try again later."}
		}
	}
	params, err := def.bind(req.Parameters)
	if err != nil {
		return name, cmdletOutput{}, err
	}
	out, err := def.run(s, params)
	return name, out, err
}

// cmdletDef is one entry of the dispatch table: a cmdlet, its aliases, its
// parameter struct and its handler.
type cmdletDef struct {
	name    string
	aliases []string
	names   map[string]string // lower-case name or alias → as spelt
	params  reflect.Type      // the parameter struct
	fields  []paramField
	run     func(s *Server, params any) (cmdletOutput, error)
}

// paramField is one parameter: a field of the parameter struct, named as
// the parameter, whose pointer is a paramValue. A field tagged
// `ps:"mandatory"` must be given.
type paramField struct {
	name      string
	index     []int // for reflect.Value.FieldByIndex: fields of embedded structs count
	mandatory bool
}

// paramValue is the type of a parameter: it binds the JSON value given.
type paramValue interface {
	bind(name string, raw json.RawMessage) error
}

// cmdlet defines a cmdlet whose parameters are the fields of P. The
// parameter struct is checked here, when the table is built.
func cmdlet[P any](name string, aliases []string, run func(*Server, *P) (cmdletOutput, error)) *cmdletDef {
	t := reflect.TypeFor[P]()
	d := &cmdletDef{name: name, aliases: aliases, params: t, names: map[string]string{}}
	for _, n := range append([]string{name}, aliases...) {
		d.names[strings.ToLower(n)] = n
	}
	pv := reflect.TypeFor[paramValue]()
	// An embedded struct lends its fields, so that cmdlets sharing
	// parameters (New- and Set-MobileDeviceMailboxPolicy) declare them once.
	for _, f := range reflect.VisibleFields(t) {
		if f.Anonymous && f.Type.Kind() == reflect.Struct {
			continue
		}
		if !f.IsExported() || !reflect.PointerTo(f.Type).Implements(pv) {
			panic(fmt.Sprintf("simulator: parameter %s of %s is not a parameter type", f.Name, name))
		}
		d.fields = append(d.fields, paramField{name: f.Name, index: f.Index, mandatory: f.Tag.Get("ps") == "mandatory"})
	}
	d.run = func(s *Server, p any) (cmdletOutput, error) { return run(s, p.(*P)) }
	return d
}

// commonParameters are PowerShell's common parameters and Exchange's
// -DomainController: accepted by every cmdlet, and ignored.
var commonParameters = []string{"Confirm", "Debug", "DomainController", "ErrorAction", "Verbose", "WarningAction"}

// bind decodes the parameters object into a new parameter struct, as
// PowerShell's binder does: names ignore case and may be unambiguous
// prefixes; unknown, ambiguous, repeated and missing mandatory parameters
// are errors.
func (d *cmdletDef) bind(raw json.RawMessage) (any, error) {
	pv := reflect.New(d.params)
	given := map[string]bool{}
	raw = bytes.TrimSpace(raw)
	if len(raw) > 0 && !bytes.Equal(raw, []byte("null")) {
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.UseNumber()
		if t, err := dec.Token(); err != nil || t != json.Delim('{') {
			return nil, &cmdletError{Status: http.StatusBadRequest, Category: "ParserError", Message: "The request couldn't be read: \"parameters\" must be a JSON object."}
		}
		for dec.More() {
			t, err := dec.Token()
			if err != nil {
				return nil, &cmdletError{Status: http.StatusBadRequest, Category: "ParserError", Message: "The request couldn't be read: " + err.Error()}
			}
			key := t.(string)
			var value json.RawMessage
			if err := dec.Decode(&value); err != nil {
				return nil, &cmdletError{Status: http.StatusBadRequest, Category: "ParserError", Message: "The request couldn't be read: " + err.Error()}
			}
			name, field, err := d.match(key)
			if err != nil {
				return nil, err
			}
			if given[name] {
				return nil, errInvalidArgument("Cannot bind parameter because parameter '%s' is specified more than once. To provide multiple values to parameters that can accept multiple values, use the array syntax. For example, \"-parameter value1,value2,value3\".", name)
			}
			given[name] = true
			if field == nil {
				continue // a common parameter
			}
			ptr := pv.Elem().FieldByIndex(field.index).Addr().Interface()
			if err := ptr.(paramValue).bind(name, value); err != nil {
				return nil, err
			}
			if ps, ok := ptr.(*pString); ok && field.mandatory {
				switch {
				case ps.Null:
					return nil, errInvalidArgument("Cannot bind argument to parameter '%s' because it is null.", name)
				case strings.TrimSpace(ps.V) == "":
					return nil, errInvalidArgument("Cannot bind argument to parameter '%s' because it is an empty string.", name)
				}
			}
		}
	}
	var missing []string
	for _, f := range d.fields {
		if f.mandatory && !given[f.name] {
			missing = append(missing, f.name)
		}
	}
	if len(missing) > 0 {
		return nil, errInvalidArgument("Cannot process command because of one or more missing mandatory parameters: %s.", strings.Join(missing, " "))
	}
	return pv.Interface(), nil
}

// match finds the parameter key names: exactly, ignoring case, or as the
// prefix of one parameter. field is nil for a common parameter.
func (d *cmdletDef) match(key string) (string, *paramField, error) {
	for i := range d.fields {
		if strings.EqualFold(d.fields[i].name, key) {
			return d.fields[i].name, &d.fields[i], nil
		}
	}
	for _, c := range commonParameters {
		if strings.EqualFold(c, key) {
			return c, nil, nil
		}
	}
	var names []string
	var field *paramField
	lower := strings.ToLower(key)
	if key != "" {
		for i := range d.fields {
			if strings.HasPrefix(strings.ToLower(d.fields[i].name), lower) {
				names, field = append(names, d.fields[i].name), &d.fields[i]
			}
		}
		for _, c := range commonParameters {
			if strings.HasPrefix(strings.ToLower(c), lower) {
				names, field = append(names, c), nil
			}
		}
	}
	switch len(names) {
	case 0:
		return "", nil, errInvalidArgument("A parameter cannot be found that matches parameter name '%s'.", key)
	case 1:
		return names[0], field, nil
	}
	sort.Strings(names)
	return "", nil, errInvalidArgument("Parameter cannot be processed because the parameter name '%s' is ambiguous. Possible matches include: -%s.", key, strings.Join(names, " -"))
}

// The dispatch table. To add a cmdlet, add its entry here: the name,
// the 2010 aliases, and a handler func(*Server, *Params) whose Params
// struct declares the parameters.
var cmdletTable = []*cmdletDef{
	cmdlet("Get-MobileDevice", []string{"Get-ActiveSyncDevice"}, (*Server).getMobileDevice),
	cmdlet("Get-MobileDeviceStatistics", []string{"Get-ActiveSyncDeviceStatistics"}, (*Server).getMobileDeviceStatistics),
	cmdlet("Remove-MobileDevice", []string{"Remove-ActiveSyncDevice"}, (*Server).removeMobileDevice),
	cmdlet("Clear-MobileDevice", []string{"Clear-ActiveSyncDevice"}, (*Server).clearMobileDevice),
	cmdlet("Get-ActiveSyncDeviceAutoblockThreshold", nil, (*Server).getAutoblockThreshold),
	cmdlet("Set-ActiveSyncDeviceAutoblockThreshold", nil, (*Server).setAutoblockThreshold),
	cmdlet("Get-CASMailbox", nil, (*Server).getCASMailbox),
	cmdlet("Set-CASMailbox", nil, (*Server).setCASMailbox),
	cmdlet("Get-Mailbox", nil, (*Server).getMailbox),
	cmdlet("Get-ActiveSyncOrganizationSettings", nil, (*Server).getOrganizationSettings),
	cmdlet("Set-ActiveSyncOrganizationSettings", nil, (*Server).setOrganizationSettings),
	cmdlet("New-ActiveSyncDeviceAccessRule", nil, (*Server).newDeviceAccessRule),
	cmdlet("Get-ActiveSyncDeviceAccessRule", nil, (*Server).getDeviceAccessRule),
	cmdlet("Set-ActiveSyncDeviceAccessRule", nil, (*Server).setDeviceAccessRule),
	cmdlet("Remove-ActiveSyncDeviceAccessRule", nil, (*Server).removeDeviceAccessRule),
	cmdlet("New-MobileDeviceMailboxPolicy", []string{"New-ActiveSyncMailboxPolicy"}, (*Server).newMobileDeviceMailboxPolicy),
	cmdlet("Get-MobileDeviceMailboxPolicy", []string{"Get-ActiveSyncMailboxPolicy"}, (*Server).getMobileDeviceMailboxPolicy),
	cmdlet("Set-MobileDeviceMailboxPolicy", []string{"Set-ActiveSyncMailboxPolicy"}, (*Server).setMobileDeviceMailboxPolicy),
	cmdlet("Remove-MobileDeviceMailboxPolicy", []string{"Remove-ActiveSyncMailboxPolicy"}, (*Server).removeMobileDeviceMailboxPolicy),
}

// cmdletIndex finds a table entry by lower-case name or alias.
var cmdletIndex = indexCmdlets(cmdletTable)

func indexCmdlets(table []*cmdletDef) map[string]*cmdletDef {
	m := map[string]*cmdletDef{}
	for _, d := range table {
		for n := range d.names {
			if m[n] != nil {
				panic("simulator: cmdlet " + n + " defined twice")
			}
			m[n] = d
		}
	}
	return m
}

// Parameter types. Each records whether it was given (Set); the binder
// fills it from the JSON value.

// pString is a string parameter (also an identity or a filter). Null: it
// was given as null ($null).
type pString struct {
	Set, Null bool
	V         string
}

func (p *pString) bind(name string, raw json.RawMessage) error {
	p.Set = true
	switch v := decodeParam(raw).(type) {
	case nil:
		p.Null = true
	case string:
		p.V = v
	case json.Number:
		p.V = v.String()
	case bool:
		p.V = map[bool]string{true: "True", false: "False"}[v]
	default:
		return errInvalidArgument("Cannot bind parameter '%s'. Cannot convert the \"%s\" value of type \"%s\" to type \"System.String\".", name, psTypeOf(v), psTypeOf(v))
	}
	return nil
}

// pBool is a Boolean parameter or a switch.
type pBool struct {
	Set bool
	V   bool
}

func (p *pBool) bind(name string, raw json.RawMessage) error {
	p.Set = true
	switch v := decodeParam(raw).(type) {
	case bool:
		p.V = v
		return nil
	case json.Number:
		f, err := v.Float64()
		if err == nil {
			p.V = f != 0
			return nil
		}
	case string:
		if b, ok := map[string]bool{"$true": true, "$false": false}[strings.ToLower(strings.TrimSpace(v))]; ok {
			p.V = b
			return nil
		}
	case nil:
		return errInvalidArgument("Cannot process argument transformation on parameter '%s'. Cannot convert null to type \"System.Boolean\".", name)
	}
	return errInvalidArgument("Cannot process argument transformation on parameter '%s'. Cannot convert value \"%s\" to type \"System.Boolean\". Boolean parameters accept only Boolean values and numbers, such as $True, $False, 1 or 0.", name, psTypeOf(decodeParam(raw)))
}

// pResultSize is -ResultSize: a number or Unlimited. Without it a Get-
// cmdlet returns at most defaultResultSize objects.
type pResultSize struct {
	Set       bool
	Unlimited bool
	N         int
}

// defaultResultSize is how many objects a Get- cmdlet returns without
// -ResultSize.
const defaultResultSize = 1000

// resultSizeWarning is the warning of a default ResultSize that cut the
// output.
const resultSizeWarning = `By default, only the first 1000 items are returned. Use the ResultSize parameter to specify the number of items returned. To return all items, specify "-ResultSize Unlimited". Be aware that, depending upon the actual number of items, returning all items can take a long time and consume a large amount of memory. Also, we don't recommend storing the results in a variable. Instead, pipe the results to another task or script to perform batch changes.`

func (p *pResultSize) bind(name string, raw json.RawMessage) error {
	p.Set = true
	v := decodeParam(raw)
	text := ""
	switch v := v.(type) {
	case string:
		text = strings.TrimSpace(v)
	case json.Number:
		text = v.String()
	}
	if strings.EqualFold(text, "Unlimited") {
		p.Unlimited = true
		return nil
	}
	if n, err := strconv.ParseUint(text, 10, 32); err == nil {
		p.N = int(n)
		return nil
	}
	return errInvalidArgument("Cannot bind parameter '%s'. Cannot convert value \"%s\" to type \"Microsoft.Exchange.Data.Unlimited`1[System.UInt32]\". Error: \"The value must be \"Unlimited\" or a number from 0 to 4294967295.\"", name, paramText(v))
}

// limit is the most objects to return; -1 means all.
func (p *pResultSize) limit() int {
	switch {
	case p.Unlimited:
		return -1
	case p.Set:
		return p.N
	}
	return defaultResultSize
}

// cut truncates items to the result size; it warns when the default cut
// them.
func cutResults[T any](items []T, rs *pResultSize) ([]T, []string) {
	n := rs.limit()
	if n < 0 || len(items) <= n {
		return items, nil
	}
	var warnings []string
	if !rs.Set {
		warnings = []string{resultSizeWarning}
	}
	return items[:n], warnings
}

// pMulti is a multi-valued string parameter: a replacement list (also
// null, which clears it) or changes (@{Add=...; Remove=...}).
type pMulti struct {
	Set     bool
	Delta   bool
	Replace []string // the new value, unless Delta
	Add     []string // Delta: values to add
	Remove  []string // Delta: values to remove
}

func (p *pMulti) bind(name string, raw json.RawMessage) error {
	p.Set = true
	v := decodeParam(raw)
	if v == nil {
		p.Replace = []string{}
		return nil
	}
	if _, ok := v.(map[string]any); ok {
		return p.bindChanges(name, raw)
	}
	list, err := multiValues(name, v)
	if err != nil {
		return err
	}
	for i, a := range list {
		for _, b := range list[:i] {
			if strings.EqualFold(a, b) {
				return errInvalidArgument("Cannot bind parameter '%s' to the target. Exception setting \"%s\": \"The value \"%s\" is already present in the collection.\"", name, name, a)
			}
		}
	}
	p.Replace = list
	return nil
}

// bindChanges reads @{Add=...; Remove=...} in order, as Exchange's
// changes-only copy does: a value added then removed (or removed then
// added) cancels out.
func (p *pMulti) bindChanges(name string, raw json.RawMessage) error {
	p.Delta = true
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	dec.Token() // {
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return errInvalidArgument("Cannot bind parameter '%s': %v", name, err)
		}
		key := strings.TrimSpace(t.(string))
		var value json.RawMessage
		if err := dec.Decode(&value); err != nil {
			return errInvalidArgument("Cannot bind parameter '%s': %v", name, err)
		}
		var add bool
		switch strings.ToLower(key) {
		case "add", "+":
			add = true
		case "remove", "-":
		default:
			return errInvalidArgument("Cannot bind parameter '%s' to the target. Exception setting \"%s\": \"The operation \"%s\" isn't supported. Use one of 'Add', '+' to add values or 'Remove', '-' to remove values.\"", name, name, key)
		}
		list, err := multiValues(name, decodeParam(value))
		if err != nil {
			return err
		}
		for _, x := range list {
			if add {
				if i := indexExact(p.Remove, x); i >= 0 {
					p.Remove = append(p.Remove[:i], p.Remove[i+1:]...)
				} else {
					p.Add = append(p.Add, x)
				}
			} else {
				if i := indexExact(p.Add, x); i >= 0 {
					p.Add = append(p.Add[:i], p.Add[i+1:]...)
				} else {
					p.Remove = append(p.Remove, x)
				}
			}
		}
	}
	return nil
}

// apply returns the parameter's new value of a property whose value is
// cur. cur is not modified.
func (p *pMulti) apply(cur []string) []string {
	if !p.Delta {
		return append([]string{}, p.Replace...)
	}
	out := append([]string{}, cur...)
	for _, r := range p.Remove {
		if i := indexFoldIn(out, r); i >= 0 {
			out = append(out[:i], out[i+1:]...)
		}
	}
	for _, a := range p.Add {
		if indexFoldIn(out, a) < 0 {
			out = append(out, a)
		}
	}
	return out
}

// values lists every value the parameter names, for validation.
func (p *pMulti) values() []string {
	if !p.Delta {
		return p.Replace
	}
	return append(append([]string{}, p.Add...), p.Remove...)
}

func indexExact(list []string, s string) int {
	for i, x := range list {
		if x == s {
			return i
		}
	}
	return -1
}

// indexFoldIn finds s in list ignoring case, as MultiValuedProperty does.
func indexFoldIn(list []string, s string) int {
	for i, x := range list {
		if strings.EqualFold(x, s) {
			return i
		}
	}
	return -1
}

// multiValues reads a list or a single value of a multi-valued parameter.
func multiValues(name string, v any) ([]string, error) {
	items, ok := v.([]any)
	if !ok {
		items = []any{v}
	}
	out := make([]string, 0, len(items))
	for _, it := range items {
		var s string
		switch it := it.(type) {
		case string:
			s = strings.TrimSpace(it)
		case json.Number:
			s = it.String()
		default:
			return nil, errInvalidArgument("Cannot bind parameter '%s'. Cannot convert the \"%s\" value of type \"%s\" to type \"System.String\".", name, paramText(it), psTypeOf(it))
		}
		if s == "" {
			return nil, errInvalidArgument("Cannot bind parameter '%s' to the target. Exception setting \"%s\": \"The value can't be empty.\"", name, name)
		}
		out = append(out, s)
	}
	return out, nil
}

// pAccessLevel is an access.Level parameter (Exchange's DeviceAccessLevel).
type pAccessLevel struct {
	Set bool
	V   access.Level
}

func (p *pAccessLevel) bind(name string, raw json.RawMessage) error {
	p.Set = true
	n, err := bindEnum(name, raw, "Microsoft.Exchange.Data.Directory.SystemConfiguration.DeviceAccessLevel",
		enumNames(access.LevelAllow, access.LevelBlock, access.LevelQuarantine))
	p.V = access.Level(n)
	return err
}

// pCharacteristic is an access.Characteristic parameter (Exchange's
// DeviceAccessCharacteristic).
type pCharacteristic struct {
	Set bool
	V   access.Characteristic
}

func (p *pCharacteristic) bind(name string, raw json.RawMessage) error {
	p.Set = true
	n, err := bindEnum(name, raw, "Microsoft.Exchange.Data.Directory.SystemConfiguration.DeviceAccessCharacteristic",
		enumNames(access.CharacteristicDeviceType, access.CharacteristicDeviceModel, access.CharacteristicDeviceOS, access.CharacteristicUserAgent, access.CharacteristicXMSWLHeader))
	p.V = access.Characteristic(n)
	return err
}

// enumNames returns the names of an enumeration's values, which must be
// 0, 1, 2, ... in order, as bindEnum takes them.
func enumNames[T interface {
	~int
	String() string
}](values ...T) []string {
	names := make([]string, len(values))
	for i, v := range values {
		if int(v) != i {
			panic("simulator: enumNames: values out of order")
		}
		names[i] = v.String()
	}
	return names
}

// bindEnum reads an enumeration value by name (ignoring case) or number,
// with PowerShell's error for anything else.
func bindEnum(name string, raw json.RawMessage, typeName string, names []string) (int, error) {
	v := decodeParam(raw)
	switch v := v.(type) {
	case string:
		for i, n := range names {
			if strings.EqualFold(strings.TrimSpace(v), n) {
				return i, nil
			}
		}
	case json.Number:
		if n, err := v.Int64(); err == nil && n >= 0 && n < int64(len(names)) {
			return int(n), nil
		}
	}
	return 0, errInvalidArgument("Cannot bind parameter '%s'. Cannot convert value \"%s\" to type \"%s\". Error: \"Unable to match the identifier name %s to a valid enumerator name. Specify one of the following enumerator names and try again:\n%s\"", name, paramText(v), typeName, paramText(v), strings.Join(names, ", "))
}

// decodeParam decodes a JSON value with numbers kept as json.Number.
func decodeParam(raw json.RawMessage) any {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if dec.Decode(&v) != nil {
		return nil
	}
	return v
}

// psTypeOf names a JSON value's type as PowerShell would see it.
func psTypeOf(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case string:
		return "System.String"
	case bool:
		return "System.Boolean"
	case json.Number:
		return "System.Int32"
	case []any:
		return "System.Object[]"
	}
	return "System.Collections.Hashtable"
}

// paramText renders a value in an error message.
func paramText(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case json.Number:
		return v.String()
	case nil:
		return ""
	case bool:
		return map[bool]string{true: "True", false: "False"}[v]
	}
	return psTypeOf(v)
}
