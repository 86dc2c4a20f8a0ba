package ecp

import (
	"bytes"
	"context"
	"embed"
	"encoding/json"
	"errors"
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/easlab/easlab/simulator/admin"
)

//go:embed templates/*.tmpl templates/ecp.css
var files embed.FS

// pages are parsed once: each page with the layout.
var pages = func() map[string]*template.Template {
	css, err := files.ReadFile("templates/ecp.css")
	if err != nil {
		panic(err)
	}
	funcs := template.FuncMap{
		"css":  func() template.CSS { return template.CSS(css) },
		"list": func(v ...string) []string { return v },
		"deviceURL": func(guid string) string {
			return Prefix + "devices/" + url.PathEscape(guid)
		},
		"mailboxURL": func(id string) string {
			return Prefix + "mailboxes/" + url.PathEscape(id)
		},
		"itemURL": func(mailbox, item string) string {
			return Prefix + "mailboxes/" + url.PathEscape(mailbox) + "/" + url.PathEscape(item)
		},
	}
	out := make(map[string]*template.Template)
	for _, name := range []string{"signin", "devices", "device", "error", "mailboxes", "mailbox", "message", "organization"} {
		out[name] = template.Must(template.New("layout.tmpl").Funcs(funcs).ParseFS(files, "templates/layout.tmpl", "templates/actions.tmpl", "templates/"+name+".tmpl"))
	}
	return out
}()

// pageData is what every page's template reads.
type pageData struct {
	Session *session
	CSRF    string
	Account string
	Title   string
	Message string // the error page's text, or the sign-in form's refusal
	Flash   *flash
	Return  string
	User    string

	// The devices page.
	Queue      []device
	Devices    []device
	States     []string
	State      string
	FilterUser string
	Mailbox    *mailbox
	Self       string // the page's own URL, where actions come back to
	Live       bool   // the page loads live.js (its CSP allows it)

	// The device page.
	Device   *device
	Stats    []field
	Events   []Event
	Requests []string // the device's latest requests, IIS log lines

	// The mailboxes, mailbox and message pages.
	Mailboxes []mailboxRow
	MailboxID string // the mailbox as its URL names it
	Folders   []MailFolder
	Folder    *MailFolder
	Item      *MailItem

	// The organization page.
	Org             *orgSettings
	Rules           []accessRule
	Policies        []policy
	Faults          []Fault
	AccessLevels    []string
	Characteristics []string
}

type field struct{ Name, Value string }

// page renders a page with status.
func (h *Handler) page(w http.ResponseWriter, r *http.Request, status int, name string, d pageData) {
	if d.Session != nil {
		h.mu.Lock()
		d.CSRF, d.Account = d.Session.csrf, d.Session.account
		h.mu.Unlock()
		if d.Flash == nil {
			d.Flash = h.takeFlash(d.Session)
		}
	}
	var buf bytes.Buffer
	if err := pages[name].Execute(&buf, d); err != nil {
		h.log.Error("ecp: rendering a page", "page", name, "err", err)
		http.Error(w, "Internal Server Error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	if r.Method != http.MethodHead {
		w.Write(buf.Bytes())
	}
}

// cmdletError is the message a failed cmdlet gives, as Exchange words it.
func cmdletError(err error) string {
	var ae *admin.Error
	if errors.As(err, &ae) {
		return ae.Message
	}
	return err.Error()
}

// run runs a cmdlet through the backend and decodes its objects into out
// (a pointer to a slice, or nil).
func (h *Handler) run(ctx context.Context, name string, params map[string]any, out any) error {
	raw, err := json.Marshal(params)
	if err != nil {
		return err
	}
	res, err := h.b.Run(ctx, name, raw)
	if err != nil {
		return err
	}
	if out == nil || res.Objects == nil {
		return nil
	}
	b, err := json.Marshal(res.Objects)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, out)
}

// device is one partnership as Get-MobileDevice shows it, with its last
// sync from Get-MobileDeviceStatistics.
type device struct {
	Identity                string
	Guid                    string
	DeviceId                string
	DeviceType              string
	DeviceModel             string
	DeviceOS                string
	DeviceUserAgent         string
	FriendlyName            string
	DeviceImei              string
	DeviceTelephoneNumber   string
	DeviceMobileOperator    string
	DeviceOSLanguage        string
	ClientVersion           string
	UserDisplayName         string
	UserPrincipalName       string
	DeviceAccessState       string
	DeviceAccessStateReason string
	DeviceAccessControlRule *string
	FirstSyncTime           *string

	LastSync string `json:"-"` // LastSuccessSync of the statistics
}

// Rule is the device's access rule, or "".
func (d device) Rule() string {
	if d.DeviceAccessControlRule == nil {
		return ""
	}
	return *d.DeviceAccessControlRule
}

// FirstSync is the first sync time, or "".
func (d device) FirstSync() string {
	if d.FirstSyncTime == nil {
		return ""
	}
	return *d.FirstSyncTime
}

type statistics struct {
	DeviceID        string
	Identity        string
	LastSuccessSync *string
}

type mailbox struct {
	DisplayName        string
	UserPrincipalName  string
	PrimarySmtpAddress string
	ExchangeGuid       string
}

// accessStates are the states the filter offers (DeviceAccessState).
var accessStates = []string{"Allowed", "Blocked", "Quarantined", "DeviceDiscovery"}

// listDevices runs Get-MobileDevice (of one mailbox when user is set, of
// one state when state is set) and adds each device's last sync.
func (h *Handler) listDevices(ctx context.Context, user, state string) ([]device, error) {
	params := map[string]any{"ResultSize": "Unlimited"}
	if user != "" {
		params["Mailbox"] = user
	}
	if state != "" {
		params["Filter"] = "DeviceAccessState -eq '" + state + "'"
	}
	var devs []device
	if err := h.run(ctx, "Get-MobileDevice", params, &devs); err != nil {
		return nil, err
	}
	// Last syncs, one Get-MobileDeviceStatistics per owner.
	last := make(map[string]string)
	seen := make(map[string]bool)
	for _, d := range devs {
		if seen[d.UserPrincipalName] {
			continue
		}
		seen[d.UserPrincipalName] = true
		var st []statistics
		if err := h.run(ctx, "Get-MobileDeviceStatistics", map[string]any{"Mailbox": d.UserPrincipalName}, &st); err != nil {
			return nil, err
		}
		for _, s := range st {
			if s.LastSuccessSync != nil {
				last[strings.ToLower(d.UserPrincipalName+"\x00"+s.DeviceID)] = *s.LastSuccessSync
			}
		}
	}
	for i := range devs {
		devs[i].LastSync = last[strings.ToLower(devs[i].UserPrincipalName+"\x00"+devs[i].DeviceId)]
	}
	return devs, nil
}

// serveDevices is the devices page: the quarantine queue, then every
// partnership, filtered by ?state= and ?user=.
func (h *Handler) serveDevices(w http.ResponseWriter, r *http.Request, sess *session) {
	q := r.URL.Query()
	d := pageData{Session: sess, Title: "Mobile devices", States: accessStates, FilterUser: strings.TrimSpace(q.Get("user")), Self: r.URL.RequestURI()}
	if st := q.Get("state"); st != "" {
		i := slices.IndexFunc(accessStates, func(s string) bool { return strings.EqualFold(s, st) })
		if i < 0 {
			d.Title, d.Message = "Bad filter", "The access state '"+st+"' isn't one of "+strings.Join(accessStates, ", ")+"."
			h.page(w, r, http.StatusBadRequest, "error", d)
			return
		}
		d.State = accessStates[i]
	}
	h.renderDevices(w, r, d)
}

// renderDevices fills the queue and the list for d's filters and shows
// the devices page.
func (h *Handler) renderDevices(w http.ResponseWriter, r *http.Request, d pageData) {
	devs, err := h.listDevices(r.Context(), d.FilterUser, d.State)
	if err != nil {
		// A cmdlet's refusal (an unknown user) is shown as Exchange words it.
		d.Flash = &flash{Text: cmdletError(err), Error: true}
		h.live(w, &d)
		h.page(w, r, http.StatusOK, "devices", d)
		return
	}
	for _, dv := range devs {
		if dv.DeviceAccessState == "Quarantined" {
			d.Queue = append(d.Queue, dv)
		}
	}
	// Quarantined first, then as the cmdlet ordered them.
	slices.SortStableFunc(devs, func(a, b device) int {
		qa, qb := a.DeviceAccessState == "Quarantined", b.DeviceAccessState == "Quarantined"
		switch {
		case qa && !qb:
			return -1
		case qb && !qa:
			return 1
		}
		return 0
	})
	d.Devices = devs
	h.live(w, &d)
	h.page(w, r, http.StatusOK, "devices", d)
}

// serveMailboxDevices is the admin notice mail's link,
// UsersGroups/EditMobileMailbox.aspx?id=<ExchangeGuid>: that mailbox's
// partnerships, quarantined first.
func (h *Handler) serveMailboxDevices(w http.ResponseWriter, r *http.Request, sess *session) {
	id := strings.TrimSpace(r.URL.Query().Get("id"))
	if id == "" {
		h.page(w, r, http.StatusNotFound, "error", pageData{Session: sess, Title: "Mailbox not found", Message: "The link names no mailbox (its id is missing)."})
		return
	}
	var mbs []mailbox
	if err := h.run(r.Context(), "Get-Mailbox", map[string]any{"Identity": id}, &mbs); err != nil || len(mbs) != 1 {
		msg := "The mailbox couldn't be found."
		if err != nil {
			msg = cmdletError(err)
		}
		h.page(w, r, http.StatusNotFound, "error", pageData{Session: sess, Title: "Mailbox not found", Message: msg})
		return
	}
	mb := mbs[0]
	d := pageData{Session: sess, Title: "Mobile devices of " + mb.DisplayName, States: accessStates, FilterUser: mb.UserPrincipalName, Mailbox: &mb, Self: r.URL.RequestURI()}
	h.renderDevices(w, r, d)
}

// findDevice runs Get-MobileDevice -Identity id; a device that isn't
// there is (nil, nil).
func (h *Handler) findDevice(ctx context.Context, id string) (*device, error) {
	var devs []device
	if err := h.run(ctx, "Get-MobileDevice", map[string]any{"Identity": id}, &devs); err != nil {
		var ae *admin.Error
		if errors.As(err, &ae) && ae.Status == http.StatusNotFound {
			return nil, nil
		}
		return nil, err
	}
	if len(devs) != 1 {
		return nil, nil
	}
	return &devs[0], nil
}

// serveDevice is a device's page: /ecp/devices/<Guid or Identity>.
func (h *Handler) serveDevice(w http.ResponseWriter, r *http.Request, sess *session) {
	// The original case of the id (the route matched a lower-cased path).
	const prefix = "/ecp/devices/"
	id := r.URL.Path[len(prefix):]
	if ep := r.URL.EscapedPath(); len(ep) > len(prefix) && strings.EqualFold(ep[:len(prefix)], prefix) {
		if p, err := url.PathUnescape(ep[len(prefix):]); err == nil {
			id = p
		}
	}
	id = strings.TrimSuffix(id, "/")
	dev, err := h.findDevice(r.Context(), id)
	if err != nil {
		h.page(w, r, http.StatusInternalServerError, "error", pageData{Session: sess, Title: "Device", Message: cmdletError(err)})
		return
	}
	if dev == nil {
		h.page(w, r, http.StatusNotFound, "error", pageData{Session: sess, Title: "Device not found", Message: "There is no mobile device '" + id + "'. It may have been removed."})
		return
	}
	d := pageData{Session: sess, Title: dev.DeviceType + " " + dev.DeviceId, Device: dev, Self: r.URL.RequestURI()}
	var stats []map[string]any
	if err := h.run(r.Context(), "Get-MobileDeviceStatistics", map[string]any{"Identity": dev.Guid, "ShowRecoveryPassword": true}, &stats); err != nil {
		d.Flash = &flash{Text: cmdletError(err), Error: true}
	} else if len(stats) == 1 {
		d.Stats = statFields(stats[0])
	}
	var mbs []mailbox
	smtp := dev.UserPrincipalName
	if err := h.run(r.Context(), "Get-Mailbox", map[string]any{"Identity": dev.UserPrincipalName}, &mbs); err == nil && len(mbs) == 1 {
		smtp = mbs[0].PrimarySmtpAddress
	}
	evs := h.b.Events()
	for i := len(evs) - 1; i >= 0 && len(d.Events) < 100; i-- {
		e := evs[i]
		if strings.EqualFold(e.DeviceID, dev.DeviceId) && strings.EqualFold(e.Mailbox, smtp) {
			d.Events = append(d.Events, e)
		}
	}
	d.Requests = h.b.Requests(smtp, dev.DeviceId, 50)
	h.live(w, &d)
	h.page(w, r, http.StatusOK, "device", d)
}

// statOrder is the order Exchange's Format-List shows the statistics in.
var statOrder = []string{"FirstSyncTime", "LastPolicyUpdateTime", "LastSyncAttemptTime", "LastSuccessSync", "DeviceType", "DeviceID",
	"DeviceUserAgent", "DeviceWipeSentTime", "DeviceWipeRequestTime", "DeviceWipeAckTime", "AccountOnlyDeviceWipeSentTime",
	"AccountOnlyDeviceWipeRequestTime", "AccountOnlyDeviceWipeAckTime", "LastPingHeartbeat", "RecoveryPassword", "DeviceModel",
	"DeviceImei", "DeviceFriendlyName", "DeviceOS", "DeviceOSLanguage", "DevicePhoneNumber", "MailboxLogReport",
	"DeviceEnableOutboundSMS", "DeviceMobileOperator", "Identity", "Guid", "IsRemoteWipeSupported", "Status",
	"StatusNote", "DeviceAccessState", "DeviceAccessStateReason", "DeviceAccessControlRule", "DevicePolicyApplied",
	"DevicePolicyApplicationStatus", "LastDeviceWipeRequestor", "LastAccountOnlyDeviceWipeRequestor", "ClientVersion",
	"NumberOfFoldersSynced", "SyncStateUpgradeTime", "ClientType", "IsValid", "ObjectState"}

// statFields lists a statistics object's properties: the known ones in
// Exchange's order, then any others by name.
func statFields(o map[string]any) []field {
	var out []field
	done := make(map[string]bool)
	add := func(k string) {
		v, ok := o[k]
		if !ok || done[k] {
			return
		}
		done[k] = true
		s := ""
		switch v := v.(type) {
		case nil:
		case string:
			s = v
		default:
			b, _ := json.Marshal(v)
			s = string(b)
		}
		out = append(out, field{k, s})
	}
	for _, k := range statOrder {
		add(k)
	}
	keys := make([]string, 0, len(o))
	for k := range o {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		add(k)
	}
	return out
}

// actions are the device actions: the cmdlet each runs, as an admin would
// type it, and what the page says after.
var actions = map[string]struct {
	done string
	run  func(h *Handler, ctx context.Context, d *device) error
}{
	"allow": {"allowed", func(h *Handler, ctx context.Context, d *device) error {
		return h.run(ctx, "Set-CASMailbox", map[string]any{"Identity": d.UserPrincipalName, "ActiveSyncAllowedDeviceIDs": map[string]any{"Add": d.DeviceId}}, nil)
	}},
	"block": {"blocked", func(h *Handler, ctx context.Context, d *device) error {
		return h.run(ctx, "Set-CASMailbox", map[string]any{"Identity": d.UserPrincipalName, "ActiveSyncBlockedDeviceIDs": map[string]any{"Add": d.DeviceId}}, nil)
	}},
	"remove": {"removed", func(h *Handler, ctx context.Context, d *device) error {
		return h.run(ctx, "Remove-MobileDevice", map[string]any{"Identity": d.Identity, "Confirm": false}, nil)
	}},
	"wipe": {"sent a remote wipe", func(h *Handler, ctx context.Context, d *device) error {
		return h.run(ctx, "Clear-MobileDevice", map[string]any{"Identity": d.Identity, "Confirm": false}, nil)
	}},
	"accountonlywipe": {"sent an account-only wipe", func(h *Handler, ctx context.Context, d *device) error {
		return h.run(ctx, "Clear-MobileDevice", map[string]any{"Identity": d.Identity, "AccountOnly": true, "Confirm": false}, nil)
	}},
	"cancelwipe": {"cancelled the wipe", func(h *Handler, ctx context.Context, d *device) error {
		return h.run(ctx, "Clear-MobileDevice", map[string]any{"Identity": d.Identity, "Cancel": true, "Confirm": false}, nil)
	}},
}

// serveAction runs a device action (POST /ecp/devices/action with action,
// device: the device's Guid, and back: the page to return to), then
// redirects back with the outcome.
func (h *Handler) serveAction(w http.ResponseWriter, r *http.Request, sess *session) {
	f := r.PostForm
	back := safeReturn(f.Get("back"))
	a, ok := actions[strings.ToLower(f.Get("action"))]
	if !ok {
		h.page(w, r, http.StatusBadRequest, "error", pageData{Session: sess, Title: "Bad request", Message: "The action '" + f.Get("action") + "' isn't one of the admin center's."})
		return
	}
	id := f.Get("device")
	dev, err := h.findDevice(r.Context(), id)
	switch {
	case err != nil:
		h.setFlash(sess, flash{Text: cmdletError(err), Error: true})
	case dev == nil || id == "":
		h.setFlash(sess, flash{Text: "The operation couldn't be performed because the mobile device '" + id + "' couldn't be found.", Error: true})
	default:
		if err := a.run(h, r.Context(), dev); err != nil {
			h.setFlash(sess, flash{Text: cmdletError(err), Error: true})
		} else {
			h.setFlash(sess, flash{Text: "You " + a.done + ": " + dev.DeviceType + " " + dev.DeviceId + " of " + dev.UserPrincipalName + "."})
		}
	}
	h.mu.Lock()
	account := sess.account
	h.mu.Unlock()
	h.log.Info("ecp action", "account", account, "action", f.Get("action"), "device", id)
	http.Redirect(w, r, back, http.StatusSeeOther)
}

// live makes a page follow the event stream (live.go).
func (h *Handler) live(w http.ResponseWriter, d *pageData) {
	d.Live = true
	w.Header().Set("Content-Security-Policy", liveCSP)
}
