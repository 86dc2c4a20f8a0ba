package clients

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unique"

	"github.com/easlab/easlab/clock"
	"github.com/easlab/easlab/eas"
	"github.com/easlab/easlab/wbxml"
)

// Sentinel errors; test with errors.Is.
var (
	// ErrWiped: the server ordered a remote wipe; the device acknowledged it
	// and forgot all its data.
	ErrWiped = errors.New("clients: device was remotely wiped")
	// ErrUnauthorized: HTTP 401.
	ErrUnauthorized = errors.New("clients: unauthorized (401)")
	// ErrBlocked: HTTP 403 or status 129 (device blocked for this user).
	ErrBlocked = errors.New("clients: device blocked")
)

// ServerError is a refusal the device did not recover from: an HTTP status
// other than 200, or a command or common Status in the body.
type ServerError struct {
	Command    eas.Command // 0 for OPTIONS and Autodiscover
	Request    string      // "OPTIONS" or "Autodiscover" when Command is 0
	HTTPStatus int
	Status     int           // body Status; 0 when none
	RetryAfter time.Duration // from Retry-After on 503
}

func (e *ServerError) Error() string {
	cmd := e.Request
	if e.Command != 0 {
		cmd = e.Command.String()
	}
	s := fmt.Sprintf("clients: %s: HTTP %d", cmd, e.HTTPStatus)
	if e.Status != 0 {
		s += fmt.Sprintf(", Status %d", e.Status)
		if e.Status > 100 && eas.Status(e.Status).Valid() {
			s += " (" + eas.Status(e.Status).String() + ")"
		}
	}
	if e.RetryAfter > 0 {
		s += fmt.Sprintf(", retry after %v", e.RetryAfter)
	}
	return s
}

// Is makes errors.Is(err, ErrBlocked) and ErrUnauthorized work.
func (e *ServerError) Is(target error) bool {
	switch target {
	case ErrBlocked:
		return e.HTTPStatus == http.StatusForbidden || e.Status == int(eas.StatusDeviceIsBlockedForThisUser)
	case ErrUnauthorized:
		return e.HTTPStatus == http.StatusUnauthorized
	}
	return false
}

// Options configure a Device.
type Options struct {
	// BaseURL is the ActiveSync endpoint, e.g.
	// https://mail.contoso.com/Microsoft-Server-ActiveSync.
	BaseURL, User, Password string
	// HTTPClient defaults to http.DefaultClient.
	HTTPClient *http.Client
	// Rand mints the DeviceId; if nil, one seeded with Seed (random when 0).
	Rand *rand.Rand
	Seed uint64
	// Clock stamps the transcript; default the real clock.
	Clock clock.Clock
	// DeviceID overrides the minted DeviceId.
	DeviceID string
	// TranscriptLimit keeps only the last n exchanges in the transcript
	// (0: all; negative: none, as fleets of thousands of devices want).
	TranscriptLimit int
	// NoItemData keeps of each synced item its ServerId, subject and
	// attachment references, not its ApplicationData: what a device needs
	// to go on syncing, without the content a phone shows its owner (a
	// fleet of thousands sets it; Items then has no Data).
	NoItemData bool
	// Observe, if set, is called with every exchange as it completes (a
	// fleet counts requests and latencies with it).
	Observe func(Exchange)
}

// Item is one synced item in the local store.
type Item struct {
	ServerID string
	Subject  string      // for e-mail
	Data     *wbxml.Node // raw ApplicationData
	// FileReferences name the e-mail's attachments, for FetchAttachment.
	FileReferences []string
}

// Change is one server change a Sync applied.
type Change struct {
	Kind     eas.SyncCommandKind
	FolderID string
	ServerID string
	Subject  string
}

// Device is one simulated client. Its methods are safe for use by one
// goroutine at a time.
type Device struct {
	Profile  Profile
	DeviceID string

	// opts are New's, with the defaults filled in: its Rand mints
	// DeviceIds (New, FactoryReset), its HTTPClient and Clock are the
	// device's.
	opts       Options
	transcript *Transcript

	mu           sync.Mutex
	policyKey    uint32
	hasPolicyKey bool
	hierarchyKey string
	// folders is the hierarchy in the order it came, each folder a
	// handle to its canonical value: a fleet's devices share a handful of
	// hierarchies, so a device keeps 8 bytes a folder (a map of
	// eas.Folder was some 2 KB a device). folderExtra keeps the unknown
	// elements of the folders that had some (nil when none had).
	folders     []unique.Handle[folderKey]
	folderExtra map[string][]*wbxml.Node
	// synced are the folders the device has a SyncKey or items of.
	synced    []syncedFolder
	clientIDs int
}

// folderKey is a folder of the hierarchy without its unknown elements:
// comparable, so that unique.Make shares it between devices.
type folderKey struct {
	serverID, parentID, displayName string
	typ                             eas.FolderType
}

// syncedFolder is a folder's sync state: its SyncKey ("" when never
// synced) and its local store by ServerId (nil when empty).
type syncedFolder struct {
	id, key string
	items   map[string]Item
}

// folderLocked returns the hierarchy's folder h as eas.Folder. d.mu is
// held.
func (d *Device) folderLocked(h unique.Handle[folderKey]) eas.Folder {
	k := h.Value()
	return eas.Folder{ServerId: k.serverID, ParentId: k.parentID, DisplayName: k.displayName, Type: k.typ, Extra: d.folderExtra[k.serverID]}
}

// putFolderLocked adds f to the hierarchy, or replaces the folder of its
// ServerId. d.mu is held.
func (d *Device) putFolderLocked(f eas.Folder) {
	h := unique.Make(folderKey{serverID: f.ServerId, parentID: f.ParentId, displayName: f.DisplayName, typ: f.Type})
	if len(f.Extra) > 0 {
		if d.folderExtra == nil {
			d.folderExtra = map[string][]*wbxml.Node{}
		}
		d.folderExtra[f.ServerId] = f.Extra
	} else {
		delete(d.folderExtra, f.ServerId)
	}
	for i, o := range d.folders {
		if o.Value().serverID == f.ServerId {
			d.folders[i] = h
			return
		}
	}
	d.folders = append(d.folders, h)
}

// deleteFolderLocked removes the folder id from the hierarchy and its
// sync state. d.mu is held.
func (d *Device) deleteFolderLocked(id string) {
	d.folders = slices.DeleteFunc(d.folders, func(h unique.Handle[folderKey]) bool { return h.Value().serverID == id })
	delete(d.folderExtra, id)
	d.forgetSyncLocked(id)
}

// syncedLocked returns the sync state of folder id, nil if it has none.
// d.mu is held.
func (d *Device) syncedLocked(id string) *syncedFolder {
	for i := range d.synced {
		if d.synced[i].id == id {
			return &d.synced[i]
		}
	}
	return nil
}

// syncedOrNewLocked returns the sync state of folder id, added if it had
// none. d.mu is held.
func (d *Device) syncedOrNewLocked(id string) *syncedFolder {
	if sf := d.syncedLocked(id); sf != nil {
		return sf
	}
	d.synced = append(d.synced, syncedFolder{id: id})
	return &d.synced[len(d.synced)-1]
}

// forgetSyncLocked drops folder id's SyncKey and local store. d.mu is
// held.
func (d *Device) forgetSyncLocked(id string) {
	d.synced = slices.DeleteFunc(d.synced, func(sf syncedFolder) bool { return sf.id == id })
}

// New returns a device of profile p that has never talked to the server.
func New(p Profile, opts Options) *Device {
	r := opts.Rand
	if r == nil {
		seed := opts.Seed
		if seed == 0 {
			seed = rand.Uint64()
		}
		r = rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	}
	opts.Rand = r
	if opts.HTTPClient == nil {
		opts.HTTPClient = http.DefaultClient
	}
	if opts.Clock == nil {
		opts.Clock = clock.Real()
	}
	d := &Device{Profile: p, opts: opts, transcript: &Transcript{}}
	d.DeviceID = opts.DeviceID
	if d.DeviceID == "" {
		d.DeviceID = p.NewDeviceID(r)
	}
	d.forget()
	return d
}

// forget drops everything the device knows of the mailbox.
func (d *Device) forget() {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.policyKey, d.hasPolicyKey = 0, false
	d.hierarchyKey = "0"
	d.folders, d.folderExtra, d.synced = nil, nil, nil
}

// BaseURL returns the ActiveSync URL the device uses now (Autodiscover and
// 451 redirects change it).
func (d *Device) BaseURL() string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.opts.BaseURL
}

// User returns the user name the device signs in with.
func (d *Device) User() string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.opts.User
}

// Transcript returns the device's request/response log.
func (d *Device) Transcript() *Transcript { return d.transcript }

// PolicyKey returns the policy key and whether the device has one.
func (d *Device) PolicyKey() (uint32, bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.policyKey, d.hasPolicyKey
}

// HierarchySyncKey returns the FolderSync SyncKey ("0" before the first).
func (d *Device) HierarchySyncKey() string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.hierarchyKey
}

// Folders returns the folder hierarchy by ServerId.
func (d *Device) Folders() map[string]eas.Folder {
	d.mu.Lock()
	defer d.mu.Unlock()
	out := make(map[string]eas.Folder, len(d.folders))
	for _, h := range d.folders {
		out[h.Value().serverID] = d.folderLocked(h)
	}
	return out
}

// FolderByType returns the first folder of type t, in the order the
// hierarchy listed them.
func (d *Device) FolderByType(t eas.FolderType) (eas.Folder, bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, h := range d.folders {
		if h.Value().typ == t {
			return d.folderLocked(h), true
		}
	}
	return eas.Folder{}, false
}

// SyncKey returns a folder's SyncKey ("" when never synced).
func (d *Device) SyncKey(folderID string) string {
	d.mu.Lock()
	defer d.mu.Unlock()
	if sf := d.syncedLocked(folderID); sf != nil {
		return sf.key
	}
	return ""
}

// Items returns the local store of a folder by ServerId.
func (d *Device) Items(folderID string) map[string]Item {
	d.mu.Lock()
	defer d.mu.Unlock()
	out := map[string]Item{}
	if sf := d.syncedLocked(folderID); sf != nil {
		for k, v := range sf.items {
			out[k] = v
		}
	}
	return out
}

// ItemCount returns the number of items in the whole local store.
func (d *Device) ItemCount() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	n := 0
	for _, sf := range d.synced {
		n += len(sf.items)
	}
	return n
}

// result is one HTTP round trip.
type result struct {
	status int
	header http.Header
	body   []byte
}

// retryAfter reads Retry-After in seconds (Exchange sends it with 503).
func retryAfter(h http.Header) time.Duration {
	if s, err := strconv.Atoi(h.Get("Retry-After")); err == nil && s > 0 {
		return time.Duration(s) * time.Second
	}
	return 0
}

// maxRedirects bounds the 451 redirects one command follows.
const maxRedirects = 5

// query is what a command carries in the URL besides the device's
// identity.
type query struct {
	options              eas.Options
	collectionID, itemID string // SmartReply and SmartForward up to 12.1
	attachmentName       string // GetAttachment up to 12.1
}

// roundTrip sends one command and records it.
func (d *Device) roundTrip(ctx context.Context, cmd eas.Command, body []byte, q query) (*result, error) {
	hr, err := d.newRequest(ctx, cmd, body, q)
	if err != nil {
		return nil, err
	}
	return d.send(hr, cmd, body)
}

// newRequest builds one command's HTTP request, signed in.
func (d *Device) newRequest(ctx context.Context, cmd eas.Command, body []byte, q query) (*http.Request, error) {
	d.mu.Lock()
	req := &eas.Request{Form: d.Profile.QueryForm, Command: cmd, User: d.opts.User, DeviceID: d.DeviceID,
		DeviceType: d.Profile.DeviceType, ProtocolVersion: d.Profile.ProtocolVersion,
		PolicyKey: d.policyKey, HasPolicyKey: !d.Profile.NoPolicyKey, UserAgent: d.Profile.UserAgent,
		Options: q.options, CollectionID: q.collectionID, ItemID: q.itemID, AttachmentName: q.attachmentName}
	d.mu.Unlock()
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	hr, err := eas.NewHTTPRequest(ctx, d.opts.BaseURL, req, rd)
	if err != nil {
		return nil, err
	}
	hr.SetBasicAuth(d.opts.User, d.opts.Password)
	return hr, nil
}

// maxResponse bounds what a device reads of one response.
const maxResponse = 64 << 20

// send performs one HTTP request and records it in the transcript and
// with the observer.
func (d *Device) send(hr *http.Request, cmd eas.Command, body []byte) (*result, error) {
	at, start := d.opts.Clock.Now(), time.Now()
	resp, err := d.opts.HTTPClient.Do(hr)
	return d.received(hr, cmd, body, at, start, resp, err)
}

// received reads the answer to hr (sent at at on the device's clock, start
// on the wall clock) whole, or takes err, and records the exchange. The
// fleet's held Ping ends here too, its answer read when it came.
func (d *Device) received(hr *http.Request, cmd eas.Command, body []byte, at, start time.Time, resp *http.Response, err error) (*result, error) {
	ex := Exchange{Time: at, Method: hr.Method, URL: hr.URL.String(), Command: cmd, RequestHeader: hr.Header.Clone(), RequestBody: body}
	if err != nil {
		ex.Err, ex.Duration = err, time.Since(start)
		d.record(ex)
		return nil, err
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxResponse))
	resp.Body.Close()
	ex.StatusCode, ex.ResponseHeader, ex.ResponseBody, ex.Err, ex.Duration = resp.StatusCode, resp.Header.Clone(), b, err, time.Since(start)
	d.record(ex)
	if err != nil {
		return nil, err
	}
	return &result{status: resp.StatusCode, header: resp.Header, body: b}, nil
}

// record keeps ex as Options.TranscriptLimit says and hands it to
// Options.Observe.
func (d *Device) record(ex Exchange) {
	if d.opts.Observe != nil {
		d.opts.Observe(ex)
	}
	if d.opts.TranscriptLimit >= 0 {
		d.transcript.add(ex, d.opts.TranscriptLimit)
	}
}

// ServerInfo is what the server told a device in answer to OPTIONS.
type ServerInfo struct {
	Server   string                // MS-Server-ActiveSync, e.g. 15.1 or 15.20
	Versions []eas.ProtocolVersion // MS-ASProtocolVersions, the ones easlab knows
	// Offered is MS-ASProtocolVersions as the server wrote it, each
	// version (2.0, 2.5... too, which easlab does not speak).
	Offered  []string
	Commands []eas.Command // MS-ASProtocolCommands, the ones easlab knows
}

// Options asks the server which protocol versions and commands it offers
// (OPTIONS, MS-ASHTTP 2.2.4), as clients do before their first command. When
// the profile's version is not offered, the device goes down to the highest
// offered version below it, as iOS and Outlook do against an older
// Exchange (an iPhone speaks 14.1 to Exchange 2010); with none it fails.
// A refusal is a *ServerError with Command 0.
func (d *Device) Options(ctx context.Context) (ServerInfo, error) {
	var info ServerInfo
	hr, err := http.NewRequestWithContext(ctx, http.MethodOptions, d.opts.BaseURL, nil)
	if err != nil {
		return info, fmt.Errorf("clients: OPTIONS: %w", err)
	}
	hr.SetBasicAuth(d.opts.User, d.opts.Password)
	hr.Header.Set("User-Agent", d.Profile.UserAgent)
	r, err := d.send(hr, 0, nil)
	if err != nil {
		return info, err
	}
	if r.status != http.StatusOK {
		return info, &ServerError{HTTPStatus: r.status, Request: "OPTIONS", RetryAfter: retryAfter(r.header)}
	}
	info.Server = r.header.Get("MS-Server-ActiveSync")
	for _, f := range strings.Split(r.header.Get("MS-ASProtocolVersions"), ",") {
		if f = strings.TrimSpace(f); f != "" {
			info.Offered = append(info.Offered, f)
		}
		if v, err := eas.ParseProtocolVersion(f); err == nil {
			info.Versions = append(info.Versions, v)
		}
	}
	for _, f := range strings.Split(r.header.Get("MS-ASProtocolCommands"), ",") {
		if c, ok := eas.ParseCommand(strings.TrimSpace(f)); ok {
			info.Commands = append(info.Commands, c)
		}
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	var best eas.ProtocolVersion
	for _, v := range info.Versions {
		if v == d.Profile.ProtocolVersion {
			return info, nil
		}
		if v < d.Profile.ProtocolVersion && v > best {
			best = v
		}
	}
	if best == 0 {
		return info, fmt.Errorf("clients: the server offers no protocol version up to %s (%q)", d.Profile.ProtocolVersion, r.header.Get("MS-ASProtocolVersions"))
	}
	d.Profile.ProtocolVersion = best
	if !best.Base64Allowed() {
		d.Profile.QueryForm = eas.PlainQuery // MS-ASHTTP 2.2.1.1.1.1: base64 from 12.1 only
	}
	return info, nil
}

// topStatus returns the Status child of the response's root element.
func topStatus(b []byte) int {
	n, err := wbxml.Parse(b)
	if err != nil || n == nil {
		return 0
	}
	for _, c := range n.Children {
		if c.Tag != nil && c.Tag.Name == "Status" {
			s, _ := strconv.Atoi(c.Text())
			return s
		}
	}
	return 0
}

// call sends cmd with in (a WBXML message, or raw bytes for a MIME body)
// and decodes a 200 response into out, reacting as a client does: 449 and
// statuses 142-144 provision again and retry once; 140 acknowledges the
// wipe and returns ErrWiped; 165 sends DeviceInformation and retries once;
// 451 with X-MS-Location moves the device to that URL and retries.
func (d *Device) call(ctx context.Context, cmd eas.Command, in any, out any, q query) error {
	body, err := encodeBody(in)
	if err != nil {
		return err
	}
	var st callState
	for {
		r, err := d.roundTrip(ctx, cmd, body, q)
		if err != nil {
			return err
		}
		if again, err := d.answer(ctx, cmd, r, out, &st); !again {
			return err
		}
	}
}

// encodeBody is a command's body: nil, raw bytes, or an eas message in
// WBXML.
func encodeBody(in any) ([]byte, error) {
	switch v := in.(type) {
	case nil:
		return nil, nil
	case []byte:
		return v, nil
	}
	return wbxml.Marshal(in)
}

// callState is what one command carries from one attempt to the next.
type callState struct {
	retried   bool // provisioned (or sent Settings) and retried once
	redirects int  // 451s followed
}

// answer reacts to one attempt's response r as call describes: again
// when the command is to be sent again (after a Provision, Settings or
// redirect), else the command's outcome, with a 200's body decoded into
// out.
func (d *Device) answer(ctx context.Context, cmd eas.Command, r *result, out any, cs *callState) (again bool, err error) {
	serr := &ServerError{Command: cmd, HTTPStatus: r.status}
	switch r.status {
	case http.StatusOK:
	case eas.HTTPRetryWith:
		if !cs.retried && cmd != eas.CommandProvision {
			cs.retried = true
			if err := d.Provision(ctx); err != nil {
				return false, err
			}
			return true, nil
		}
		return false, serr
	case eas.HTTPRedirect:
		// 451: the mailbox is served elsewhere; X-MS-Location is the URL
		// for this and every later request (MS-ASHTTP 3.2.5.2). Without
		// it the client must run Autodiscover again, which is the
		// caller's to do.
		loc := r.header.Get(eas.HeaderLocation)
		if loc != "" && cs.redirects < maxRedirects {
			cs.redirects++
			d.mu.Lock()
			d.opts.BaseURL = loc
			d.mu.Unlock()
			return true, nil
		}
		return false, serr
	case http.StatusServiceUnavailable:
		serr.RetryAfter = retryAfter(r.header)
		return false, serr
	default:
		if len(r.body) > 0 && hasWBXML(r.header) {
			serr.Status = topStatus(r.body)
		}
		return false, serr
	}
	if len(r.body) == 0 {
		return false, nil
	}
	st := topStatus(r.body)
	switch eas.Status(st) {
	case eas.StatusRemoteWipeRequested:
		if cmd != eas.CommandProvision {
			if err := d.Provision(ctx); err != nil {
				return false, err
			}
			return false, ErrWiped
		}
	case eas.StatusDeviceNotProvisioned, eas.StatusPolicyRefresh, eas.StatusInvalidPolicyKey:
		if !cs.retried && cmd != eas.CommandProvision {
			cs.retried = true
			if err := d.Provision(ctx); err != nil {
				return false, err
			}
			return true, nil
		}
		serr.Status = st
		return false, serr
	case eas.StatusDeviceInformationRequired:
		if !cs.retried && cmd != eas.CommandSettings && cmd != eas.CommandProvision {
			cs.retried = true
			if err := d.Settings(ctx); err != nil {
				return false, err
			}
			return true, nil
		}
	}
	if st > 100 {
		serr.Status = st
		return false, serr
	}
	if out != nil {
		if err := wbxml.Unmarshal(r.body, out); err != nil {
			return false, fmt.Errorf("clients: %v response: %w", cmd, err)
		}
	}
	return false, nil
}

func hasWBXML(h http.Header) bool {
	return bytes.HasPrefix([]byte(h.Get("Content-Type")), []byte(eas.ContentTypeWBXML))
}

// Provision runs the two-phase Provision: the initial request (with
// DeviceInformation where the profile sends it there), then the
// acknowledgment with Status 1, keeping the final policy key. If the server
// orders a wipe, the device acknowledges it (RemoteWipe Status 1), forgets
// all local data and returns ErrWiped.
func (d *Device) Provision(ctx context.Context) error {
	req := &eas.ProvisionRequest{Policies: &eas.ProvisionRequestPolicies{Policy: eas.ProvisionRequestPolicy{PolicyType: eas.PolicyTypeWBXML}}}
	if d.Profile.infoInProvision() {
		req.DeviceInformation = d.Profile.deviceInfo(d.DeviceID)
	}
	var r1 eas.ProvisionResponse
	err := d.call(ctx, eas.CommandProvision, req, &r1, query{})
	var serr *ServerError
	if errors.As(err, &serr) && serr.Status == int(eas.StatusDeviceInformationRequired) &&
		req.DeviceInformation == nil && d.Profile.DeviceInfoIn != InfoNever {
		// 165: the server wants DeviceInformation in the Provision itself
		// (Exchange from 14.1, exchange-admin.md 2.2; MS-ASCMD's common
		// status 165). A client that knows it sends the request again with
		// it; one that never sends it cannot provision.
		req.DeviceInformation = d.Profile.deviceInfo(d.DeviceID)
		r1 = eas.ProvisionResponse{}
		err = d.call(ctx, eas.CommandProvision, req, &r1, query{})
	}
	if err != nil {
		return err
	}
	if r1.RemoteWipe || r1.AccountOnlyRemoteWipe {
		return d.ackWipe(ctx, r1.AccountOnlyRemoteWipe)
	}
	if r1.Status != 1 {
		return &ServerError{Command: eas.CommandProvision, HTTPStatus: http.StatusOK, Status: r1.Status}
	}
	if r1.Policies == nil {
		return fmt.Errorf("clients: Provision response has no Policies")
	}
	p := r1.Policies.Policy
	if p.Status == 2 { // no policy: nothing to acknowledge
		d.setPolicyKey(0)
		return nil
	}
	if p.Status != 1 {
		return &ServerError{Command: eas.CommandProvision, HTTPStatus: http.StatusOK, Status: p.Status}
	}
	ack := &eas.ProvisionRequest{Policies: &eas.ProvisionRequestPolicies{Policy: eas.ProvisionRequestPolicy{
		PolicyType: eas.PolicyTypeWBXML, PolicyKey: p.PolicyKey, Status: 1}}}
	var r2 eas.ProvisionResponse
	if err := d.call(ctx, eas.CommandProvision, ack, &r2, query{}); err != nil {
		return err
	}
	if r2.RemoteWipe || r2.AccountOnlyRemoteWipe {
		return d.ackWipe(ctx, r2.AccountOnlyRemoteWipe)
	}
	if r2.Status != 1 || r2.Policies == nil || r2.Policies.Policy.Status != 1 {
		st := r2.Status
		if st == 1 && r2.Policies != nil {
			st = r2.Policies.Policy.Status
		}
		return &ServerError{Command: eas.CommandProvision, HTTPStatus: http.StatusOK, Status: st}
	}
	key, err := strconv.ParseUint(r2.Policies.Policy.PolicyKey, 10, 32)
	if err != nil {
		return fmt.Errorf("clients: bad final policy key %q", r2.Policies.Policy.PolicyKey)
	}
	d.setPolicyKey(uint32(key))
	return nil
}

func (d *Device) setPolicyKey(k uint32) {
	d.mu.Lock()
	d.policyKey, d.hasPolicyKey = k, true
	d.mu.Unlock()
}

// ackWipe acknowledges a wipe, forgets everything and returns ErrWiped.
func (d *Device) ackWipe(ctx context.Context, accountOnly bool) error {
	req := &eas.ProvisionRequest{}
	if accountOnly {
		req.AccountOnlyRemoteWipe = &eas.WipeAcknowledgment{Status: 1}
	} else {
		req.RemoteWipe = &eas.WipeAcknowledgment{Status: 1}
	}
	var r eas.ProvisionResponse
	err := d.call(ctx, eas.CommandProvision, req, &r, query{})
	d.forget()
	if err != nil {
		return errors.Join(ErrWiped, err)
	}
	return ErrWiped
}

// Settings sends the profile's DeviceInformation.
func (d *Device) Settings(ctx context.Context) error {
	var r eas.SettingsResponse
	if err := d.call(ctx, eas.CommandSettings, &eas.SettingsRequest{DeviceInformation: d.Profile.deviceInfo(d.DeviceID)}, &r, query{}); err != nil {
		return err
	}
	if r.Status != 1 {
		return &ServerError{Command: eas.CommandSettings, HTTPStatus: http.StatusOK, Status: r.Status}
	}
	return nil
}

// FolderSync brings the folder hierarchy up to date (from SyncKey 0 the
// first time; again from 0 once if the server says the key is invalid).
func (d *Device) FolderSync(ctx context.Context) error {
	for attempt := 0; ; attempt++ {
		var r eas.FolderSyncResponse
		if err := d.call(ctx, eas.CommandFolderSync, &eas.FolderSyncRequest{SyncKey: d.HierarchySyncKey()}, &r, query{}); err != nil {
			return err
		}
		if r.Status == 9 && attempt == 0 { // invalid sync key: start over
			d.mu.Lock()
			d.hierarchyKey, d.folders, d.folderExtra = "0", nil, nil
			d.mu.Unlock()
			continue
		}
		if r.Status != 1 {
			return &ServerError{Command: eas.CommandFolderSync, HTTPStatus: http.StatusOK, Status: r.Status}
		}
		d.mu.Lock()
		d.hierarchyKey = r.SyncKey
		if c := r.Changes; c != nil {
			for _, f := range c.Update {
				d.putFolderLocked(f)
			}
			for _, f := range c.Delete {
				d.deleteFolderLocked(f.ServerId)
			}
			for _, f := range c.Add {
				d.putFolderLocked(f)
			}
		}
		d.mu.Unlock()
		return nil
	}
}

// Sync synchronizes one folder: from SyncKey 0 the first time, then pages
// of WindowSize while MoreAvailable. On Status 3 (invalid sync key) it
// resets the collection to 0 and syncs again, once. It returns the changes
// applied to the local store.
func (d *Device) Sync(ctx context.Context, folderID string) ([]Change, error) {
	var changes []Change
	reset := false
	for pages := 0; pages < 10000; pages++ {
		key := d.SyncKey(folderID)
		col := eas.SyncCollection{SyncKey: key, CollectionId: folderID}
		if key == "" {
			col.SyncKey = "0"
		} else {
			col.GetChanges = eas.BoolTrue
			col.WindowSize = d.Profile.WindowSize
			col.Options = []eas.SyncOptions{{BodyPreference: []eas.BodyPreference{{Type: 1, TruncationSize: 32768}}}}
		}
		var r eas.SyncResponse
		if err := d.call(ctx, eas.CommandSync, &eas.SyncRequest{Collections: &eas.SyncCollections{Collection: []eas.SyncCollection{col}}}, &r, query{}); err != nil {
			return changes, err
		}
		if r.Status != 0 && r.Status != 1 {
			return changes, &ServerError{Command: eas.CommandSync, HTTPStatus: http.StatusOK, Status: r.Status}
		}
		if r.Collections == nil || len(r.Collections.Collection) == 0 {
			return changes, nil // nothing changed
		}
		c := r.Collections.Collection[0]
		if c.Status == 3 && !reset {
			reset = true
			d.mu.Lock()
			d.forgetSyncLocked(folderID)
			d.mu.Unlock()
			continue
		}
		if c.Status != 1 {
			return changes, &ServerError{Command: eas.CommandSync, HTTPStatus: http.StatusOK, Status: c.Status}
		}
		d.mu.Lock()
		sf := d.syncedOrNewLocked(folderID)
		sf.key = c.SyncKey
		if sf.items == nil && len(c.Commands) > 0 {
			sf.items = map[string]Item{}
		}
		st := sf.items
		for _, cmd := range c.Commands {
			ch := Change{Kind: cmd.Kind, FolderID: folderID, ServerID: cmd.ServerId}
			switch cmd.Kind {
			case eas.SyncAdd, eas.SyncChange:
				it := Item{ServerID: cmd.ServerId, Data: cmd.ApplicationData}
				if old, ok := st[cmd.ServerId]; ok && cmd.Kind == eas.SyncChange {
					it.Subject = old.Subject
				}
				if cmd.ApplicationData != nil {
					var e eas.Email
					if eas.DecodeItem(cmd.ApplicationData, &e) == nil {
						if e.Subject != "" {
							it.Subject = e.Subject
						}
						if e.Attachments != nil {
							for _, a := range e.Attachments.Attachment {
								it.FileReferences = append(it.FileReferences, a.FileReference)
							}
						}
					}
				}
				if d.opts.NoItemData {
					it.Data = nil
				}
				st[cmd.ServerId] = it
				ch.Subject = it.Subject
			case eas.SyncDelete, eas.SyncSoftDelete:
				ch.Subject = st[cmd.ServerId].Subject
				delete(st, cmd.ServerId)
			}
			changes = append(changes, ch)
		}
		d.mu.Unlock()
		if key != "" && !c.MoreAvailable {
			return changes, nil
		}
	}
	return changes, fmt.Errorf("clients: Sync of %s did not finish", folderID)
}

// Ping waits for changes in folders (ServerIds; the class is taken from
// the folder type) for the profile's heartbeat, and returns the folders
// that changed (none when the heartbeat expired).
func (d *Device) Ping(ctx context.Context, folders []string) ([]string, error) {
	var r eas.PingResponse
	if err := d.call(ctx, eas.CommandPing, d.pingRequest(folders), &r, query{}); err != nil {
		return nil, err
	}
	return pingResult(&r)
}

// pingRequest is the Ping on folders for the profile's heartbeat.
func (d *Device) pingRequest(folders []string) *eas.PingRequest {
	pf := &eas.PingFolders{}
	all := d.Folders()
	for _, id := range folders {
		pf.Folder = append(pf.Folder, eas.PingFolder{Id: id, Class: classOf(all[id].Type)})
	}
	return &eas.PingRequest{HeartbeatInterval: d.Profile.Heartbeat, Folders: pf}
}

// pingResult reads a Ping's answer: the folders that changed.
func pingResult(r *eas.PingResponse) ([]string, error) {
	switch r.Status {
	case 1:
		return nil, nil
	case 2:
		if r.Folders == nil {
			return nil, nil
		}
		return r.Folders.Folder, nil
	}
	return nil, &ServerError{Command: eas.CommandPing, HTTPStatus: http.StatusOK, Status: r.Status}
}

// heldCall is a command whose request is written now and whose answer is
// read when it comes, with no goroutine waiting for it: the fleet's held
// Ping (pinger_linux.go). Its answer goes through the same rules as call's.
type heldCall struct {
	cmd       eas.Command
	body      []byte
	q         query
	cs        callState
	at, start time.Time // sent, on the device's clock and the wall clock
}

// heldPing starts a held Ping on folders.
func (d *Device) heldPing(folders []string) (*heldCall, error) {
	body, err := encodeBody(d.pingRequest(folders))
	if err != nil {
		return nil, err
	}
	return &heldCall{cmd: eas.CommandPing, body: body}, nil
}

// request builds the held command's next attempt and stamps its start.
func (h *heldCall) request(ctx context.Context, d *Device) (*http.Request, error) {
	hr, err := d.newRequest(ctx, h.cmd, h.body, h.q)
	h.at, h.start = d.opts.Clock.Now(), time.Now()
	return hr, err
}

// sent builds the request of the attempt in flight again, the same as
// request did (nothing the request is made of changes while the device
// waits), so that the held device keeps no request while it waits.
func (h *heldCall) sent(ctx context.Context, d *Device) (*http.Request, error) {
	return d.newRequest(ctx, h.cmd, h.body, h.q)
}

// finishPing takes the answer to a held Ping's attempt hr (or the error
// that ended it), records it as send does and reacts as call and Ping do:
// again when the Ping is to be sent again, else the folders that changed.
func (d *Device) finishPing(ctx context.Context, h *heldCall, hr *http.Request, resp *http.Response, err error) (changed []string, again bool, _ error) {
	r, err := d.received(hr, h.cmd, h.body, h.at, h.start, resp, err)
	if err != nil {
		return nil, false, err
	}
	var pr eas.PingResponse
	if again, err := d.answer(ctx, h.cmd, r, &pr, &h.cs); again || err != nil {
		return nil, again, err
	}
	changed, err = pingResult(&pr)
	return changed, false, err
}

func classOf(t eas.FolderType) string {
	switch t {
	case eas.FolderTypeCalendar, eas.FolderTypeUserCalendar:
		return "Calendar"
	case eas.FolderTypeContacts, eas.FolderTypeUserContacts:
		return "Contacts"
	case eas.FolderTypeTasks, eas.FolderTypeUserTasks:
		return "Tasks"
	case eas.FolderTypeNotes, eas.FolderTypeUserNotes:
		return "Notes"
	}
	return "Email"
}

// SendMail sends a whole RFC 5322 message, saving it in Sent Items:
// ComposeMail SendMail from 14.0, the raw MIME body (SaveInSent in the
// query) up to 12.1.
func (d *Device) SendMail(ctx context.Context, rawMIME []byte) error {
	if d.Profile.ProtocolVersion.AtLeast(eas.Version140) {
		return d.call(ctx, eas.CommandSendMail, &eas.SendMailRequest{ClientId: d.newClientID(), SaveInSentItems: true, Mime: rawMIME}, nil, query{})
	}
	return d.call(ctx, eas.CommandSendMail, rawMIME, nil, query{options: eas.OptionSaveInSent})
}

// SmartReply replies to the item serverID of folderID with rawMIME, the
// reply's own text; the server appends the original (MS-ASCMD 2.2.1.19).
// From 14.0 it is ComposeMail SmartReply with a Source; up to 12.1 the raw
// MIME body with CollectionId and ItemId in the query. Sent Items keeps a
// copy.
func (d *Device) SmartReply(ctx context.Context, folderID, serverID string, rawMIME []byte) error {
	return d.smart(ctx, eas.CommandSmartReply, folderID, serverID, rawMIME)
}

// SmartForward forwards the item serverID of folderID with rawMIME, the
// forward's own text and recipients; the server attaches or appends the
// original (MS-ASCMD 2.2.1.18). The wire forms are SmartReply's.
func (d *Device) SmartForward(ctx context.Context, folderID, serverID string, rawMIME []byte) error {
	return d.smart(ctx, eas.CommandSmartForward, folderID, serverID, rawMIME)
}

func (d *Device) smart(ctx context.Context, cmd eas.Command, folderID, serverID string, rawMIME []byte) error {
	if !d.Profile.ProtocolVersion.AtLeast(eas.Version140) {
		return d.call(ctx, cmd, rawMIME, nil, query{options: eas.OptionSaveInSent, collectionID: folderID, itemID: serverID})
	}
	src := &eas.Source{FolderId: folderID, ItemId: serverID}
	var in any = &eas.SmartReplyRequest{ClientId: d.newClientID(), Source: src, SaveInSentItems: true, Mime: rawMIME}
	if cmd == eas.CommandSmartForward {
		in = &eas.SmartForwardRequest{ClientId: d.newClientID(), Source: src, SaveInSentItems: true, Mime: rawMIME}
	}
	return d.call(ctx, cmd, in, nil, query{})
}

// newClientID returns a ClientId unique to this device (at most 40
// characters, MS-ASCMD 2.2.3.27).
func (d *Device) newClientID() string {
	d.mu.Lock()
	d.clientIDs++
	id := fmt.Sprintf("%s-%d", d.DeviceID, d.clientIDs)
	d.mu.Unlock()
	if len(id) > 40 {
		id = id[len(id)-40:]
	}
	return id
}

// Setup runs the profile's first-time flow: OPTIONS (and version
// negotiation), Provision (unless the profile never provisions, NoPolicyKey),
// Settings (where the profile sends DeviceInformation there), FolderSync
// and the Inbox Sync.
func (d *Device) Setup(ctx context.Context) error {
	if _, err := d.Options(ctx); err != nil {
		return fmt.Errorf("options: %w", err)
	}
	if !d.Profile.NoPolicyKey {
		if err := d.Provision(ctx); err != nil {
			return fmt.Errorf("provision: %w", err)
		}
	}
	if d.Profile.infoInSettings() {
		if err := d.Settings(ctx); err != nil {
			return fmt.Errorf("settings: %w", err)
		}
	}
	if err := d.FolderSync(ctx); err != nil {
		return fmt.Errorf("foldersync: %w", err)
	}
	inbox, ok := d.FolderByType(eas.FolderTypeInbox)
	if !ok {
		return errors.New("clients: the hierarchy has no Inbox")
	}
	if _, err := d.Sync(ctx, inbox.ServerId); err != nil {
		return fmt.Errorf("inbox sync: %w", err)
	}
	return nil
}

// FetchAttachment gets an attachment's bytes by its FileReference with
// ItemOperations Fetch (12.0+), as a client does when its user opens it.
func (d *Device) FetchAttachment(ctx context.Context, fileReference string) ([]byte, error) {
	props, err := d.fetch(ctx, &eas.Fetch{Store: "Mailbox", FileReference: fileReference})
	if err != nil {
		return nil, err
	}
	var p eas.FetchProperties
	if err := eas.DecodeItem(props, &p); err != nil {
		return nil, fmt.Errorf("clients: attachment properties: %w", err)
	}
	b, err := base64.StdEncoding.DecodeString(p.Data)
	if err != nil {
		return nil, fmt.Errorf("clients: attachment data: %w", err)
	}
	return b, nil
}

// Fetch gets one item in full with ItemOperations Fetch (12.0+, MS-ASCMD
// 2.2.1.10), its body as plain text, and returns its Properties, as a
// client does when the user opens a message whose body Sync truncated.
func (d *Device) Fetch(ctx context.Context, folderID, serverID string) (*wbxml.Node, error) {
	return d.fetch(ctx, &eas.Fetch{
		Store: "Mailbox", CollectionId: folderID, ServerId: serverID,
		Options: &eas.FetchOptions{BodyPreference: []eas.BodyPreference{{Type: 1}}},
	})
}

// fetch runs one ItemOperations Fetch and returns the Properties of its
// result, checking both Status levels.
func (d *Device) fetch(ctx context.Context, f *eas.Fetch) (*wbxml.Node, error) {
	req := &eas.ItemOperationsRequest{Operations: []eas.ItemOperation{{Fetch: f}}}
	var r eas.ItemOperationsResponse
	if err := d.call(ctx, eas.CommandItemOperations, req, &r, query{}); err != nil {
		return nil, err
	}
	if r.Status != 1 || r.Response == nil || len(r.Response.Results) != 1 || r.Response.Results[0].Fetch == nil {
		return nil, &ServerError{Command: eas.CommandItemOperations, HTTPStatus: http.StatusOK, Status: r.Status}
	}
	res := r.Response.Results[0].Fetch
	if res.Status != 1 || res.Properties == nil {
		return nil, &ServerError{Command: eas.CommandItemOperations, HTTPStatus: http.StatusOK, Status: res.Status}
	}
	return res.Properties, nil
}
