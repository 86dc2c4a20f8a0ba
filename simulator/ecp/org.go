package ecp

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
)

// orgSettings is what the organization page shows of
// Get-ActiveSyncOrganizationSettings.
type orgSettings struct {
	Identity            string
	DefaultAccessLevel  string
	AdminMailRecipients []string
	UserMailInsert      *string
}

// Recipients is AdminMailRecipients as the form edits them.
func (o orgSettings) Recipients() string { return strings.Join(o.AdminMailRecipients, ", ") }

// Insert is UserMailInsert, or "".
func (o orgSettings) Insert() string {
	if o.UserMailInsert == nil {
		return ""
	}
	return *o.UserMailInsert
}

// accessRule is one row of Get-ActiveSyncDeviceAccessRule.
type accessRule struct {
	Identity       string
	Name           string
	QueryString    string
	Characteristic string
	AccessLevel    string
}

// policy is one mobile device mailbox policy: its name, every property
// as Get-MobileDeviceMailboxPolicy gives it, and the common settings the
// form edits.
type policy struct {
	Name      string
	Identity  string
	IsDefault bool
	Fields    []field
	Settings  []policySetting
}

// policySetting is one editable setting and its value as text.
type policySetting struct {
	Name  string
	Bool  bool // a $true/$false setting (a select)
	Value string
}

// policySettings are the settings the policy form edits, all parameters
// of the simulator's Set-MobileDeviceMailboxPolicy; true marks a Boolean.
var policySettings = []struct {
	name    string
	boolean bool
}{
	{"PasswordEnabled", true},
	{"AllowSimplePassword", true},
	{"AlphanumericPasswordRequired", true},
	{"MinPasswordLength", false},
	{"MaxPasswordFailedAttempts", false},
	{"MaxInactivityTimeLock", false},
	{"PasswordExpiration", false},
	{"PasswordHistory", false},
	{"RequireDeviceEncryption", true},
	{"AllowNonProvisionableDevices", true},
	{"AttachmentsEnabled", true},
	{"MaxAttachmentSize", false},
	{"AllowCamera", true},
	{"AllowHTMLEmail", true},
	{"MaxEmailAgeFilter", false},
	{"MaxCalendarAgeFilter", false},
	{"DevicePolicyRefreshInterval", false},
}

// accessLevels and characteristics are what the forms offer.
var (
	accessLevels    = []string{"Allow", "Block", "Quarantine"}
	characteristics = []string{"DeviceType", "DeviceModel", "DeviceOS", "UserAgent", "XMSWLHeader"}
)

// text is a property's value as the page shows it.
func text(v any) string {
	switch v := v.(type) {
	case nil:
		return ""
	case string:
		return v
	case bool:
		if v {
			return "True"
		}
		return "False"
	case []any:
		parts := make([]string, len(v))
		for i, e := range v {
			parts[i] = text(e)
		}
		return strings.Join(parts, ", ")
	default:
		b, _ := json.Marshal(v)
		return string(b)
	}
}

// listPolicies runs Get-MobileDeviceMailboxPolicy.
func (h *Handler) listPolicies(ctx context.Context) ([]policy, []map[string]any, error) {
	var raw []map[string]any
	if err := h.run(ctx, "Get-MobileDeviceMailboxPolicy", map[string]any{}, &raw); err != nil {
		return nil, nil, err
	}
	out := make([]policy, len(raw))
	for i, o := range raw {
		p := policy{Name: text(o["Name"]), Identity: text(o["Identity"]), Fields: statFields(o)}
		p.IsDefault, _ = o["IsDefault"].(bool)
		for _, s := range policySettings {
			p.Settings = append(p.Settings, policySetting{Name: s.name, Bool: s.boolean, Value: text(o[s.name])})
		}
		out[i] = p
	}
	return out, raw, nil
}

// serveOrganization is the organization page: the organization settings,
// the device access rules, the mobile device mailbox policies, the faults
// in force and the latest events.
func (h *Handler) serveOrganization(w http.ResponseWriter, r *http.Request, sess *session) {
	d := pageData{Session: sess, Title: "Organization", AccessLevels: accessLevels, Characteristics: characteristics}
	var errs []string
	var org []orgSettings
	if err := h.run(r.Context(), "Get-ActiveSyncOrganizationSettings", map[string]any{}, &org); err != nil {
		errs = append(errs, cmdletError(err))
	} else if len(org) == 1 {
		d.Org = &org[0]
	}
	if err := h.run(r.Context(), "Get-ActiveSyncDeviceAccessRule", map[string]any{}, &d.Rules); err != nil {
		errs = append(errs, cmdletError(err))
	}
	if ps, _, err := h.listPolicies(r.Context()); err != nil {
		errs = append(errs, cmdletError(err))
	} else {
		d.Policies = ps
	}
	d.Faults = h.b.Faults()
	evs := h.b.Events()
	for i := len(evs) - 1; i >= 0 && len(d.Events) < 200; i-- {
		d.Events = append(d.Events, evs[i])
	}
	if len(errs) > 0 {
		d.Flash = &flash{Text: strings.Join(errs, " "), Error: true}
	}
	h.page(w, r, http.StatusOK, "organization", d)
}

// serveOrgPost runs one of the organization page's forms (POST
// /ecp/organization/<form>) through its cmdlet, then goes back to the
// page with the outcome.
func (h *Handler) serveOrgPost(w http.ResponseWriter, r *http.Request, sess *session, form string) {
	f := r.PostForm
	ctx := r.Context()
	var err error
	var done string
	switch form {
	case "settings":
		var org []orgSettings
		if err = h.run(ctx, "Get-ActiveSyncOrganizationSettings", map[string]any{}, &org); err == nil && len(org) == 1 {
			params := map[string]any{}
			if v := f.Get("DefaultAccessLevel"); v != "" && v != org[0].DefaultAccessLevel {
				params["DefaultAccessLevel"] = v
			}
			if v := strings.TrimSpace(f.Get("AdminMailRecipients")); v != org[0].Recipients() {
				var list []string
				for _, a := range strings.Split(v, ",") {
					if a = strings.TrimSpace(a); a != "" {
						list = append(list, a)
					}
				}
				if list == nil {
					params["AdminMailRecipients"] = nil
				} else {
					params["AdminMailRecipients"] = list
				}
			}
			// A browser sends a textarea's line breaks as CRLF.
			if v := strings.ReplaceAll(f.Get("UserMailInsert"), "\r\n", "\n"); v != org[0].Insert() {
				if v == "" {
					params["UserMailInsert"] = nil
				} else {
					params["UserMailInsert"] = v
				}
			}
			err = h.run(ctx, "Set-ActiveSyncOrganizationSettings", params, nil)
			done = "You saved the organization settings."
		}
	case "rules/new":
		err = h.run(ctx, "New-ActiveSyncDeviceAccessRule", map[string]any{"QueryString": f.Get("QueryString"), "Characteristic": f.Get("Characteristic"), "AccessLevel": f.Get("AccessLevel")}, nil)
		done = "You added the device access rule " + f.Get("QueryString") + " (" + f.Get("Characteristic") + ")."
	case "rules/remove":
		err = h.run(ctx, "Remove-ActiveSyncDeviceAccessRule", map[string]any{"Identity": f.Get("rule"), "Confirm": false}, nil)
		done = "You removed the device access rule " + f.Get("rule") + "."
	case "policy":
		var raw []map[string]any
		id := f.Get("policy")
		if id == "" {
			err = errors.New("The form names no mobile device mailbox policy.")
			break
		}
		if err = h.run(ctx, "Get-MobileDeviceMailboxPolicy", map[string]any{"Identity": id}, &raw); err == nil {
			if len(raw) != 1 {
				err = fmt.Errorf("The mobile device mailbox policy '%s' couldn't be found.", id)
				break
			}
			params := map[string]any{"Identity": id}
			for _, s := range policySettings {
				v, ok := f[s.name]
				if !ok || len(v) != 1 || strings.EqualFold(v[0], text(raw[0][s.name])) {
					continue
				}
				switch {
				case s.boolean:
					params[s.name] = strings.EqualFold(v[0], "true")
				case v[0] == "":
					params[s.name] = nil
				default:
					params[s.name] = v[0]
				}
			}
			err = h.run(ctx, "Set-MobileDeviceMailboxPolicy", params, nil)
			done = "You saved the mobile device mailbox policy " + id + "."
		}
	default:
		h.notFound(w, r, sess)
		return
	}
	if err != nil {
		h.setFlash(sess, flash{Text: cmdletError(err), Error: true})
	} else {
		h.setFlash(sess, flash{Text: done})
	}
	h.mu.Lock()
	account := sess.account
	h.mu.Unlock()
	h.log.Info("ecp organization", "account", account, "form", form)
	http.Redirect(w, r, Prefix+"organization", http.StatusSeeOther)
}

// orgForms are the organization page's forms.
var orgForms = []string{"settings", "rules/new", "rules/remove", "policy"}

// isOrgForm says whether rest (the lower-case path after /ecp) is one.
func isOrgForm(rest string) (string, bool) {
	f, ok := strings.CutPrefix(rest, "/organization/")
	return f, ok && slices.Contains(orgForms, f)
}
