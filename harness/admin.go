package harness

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
)

// AdminClient calls the simulator's admin API (cmdlets as JSON over
// HTTP), as an Exchange administrator would run them in the management
// shell. The scenarios judge a product only by what it shows.
type AdminClient struct {
	URL, Token string
	HTTP       *http.Client
}

// CmdletError is a cmdlet's error, with PowerShell's category.
type CmdletError struct {
	Cmdlet, Category, Message string
	HTTPStatus                int
}

func (e *CmdletError) Error() string {
	return fmt.Sprintf("%s: %s (%s, HTTP %d)", e.Cmdlet, e.Message, e.Category, e.HTTPStatus)
}

// Run runs cmdlet with params and decodes its output objects into out (a
// pointer to a slice), when out is not nil.
func (a *AdminClient) Run(ctx context.Context, cmdlet string, params map[string]any, out any) error {
	if params == nil {
		params = map[string]any{}
	}
	body, _ := json.Marshal(map[string]any{"cmdlet": cmdlet, "parameters": params})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimSuffix(a.URL, "/")+"/api/cmdlet", bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+a.Token)
	req.Header.Set("Content-Type", "application/json")
	c := a.HTTP
	if c == nil {
		c = http.DefaultClient
	}
	resp, err := c.Do(req)
	if err != nil {
		return fmt.Errorf("%s: %w", cmdlet, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return fmt.Errorf("%s: %w", cmdlet, err)
	}
	if resp.StatusCode != http.StatusOK {
		var e struct {
			Error struct{ Category, Message string } `json:"error"`
		}
		json.Unmarshal(raw, &e)
		return &CmdletError{Cmdlet: cmdlet, Category: e.Error.Category, Message: e.Error.Message, HTTPStatus: resp.StatusCode}
	}
	if out == nil {
		return nil
	}
	var r struct {
		Output json.RawMessage `json:"output"`
	}
	if err := json.Unmarshal(raw, &r); err != nil {
		return fmt.Errorf("%s: %w", cmdlet, err)
	}
	if len(r.Output) == 0 || string(r.Output) == "null" {
		return nil
	}
	return json.Unmarshal(r.Output, out)
}

// MobileDevice is a device partnership as Get-MobileDevice shows it (the
// properties the scenarios judge by).
type MobileDevice struct {
	Identity                string
	DeviceId                string
	DeviceType              string
	DeviceUserAgent         string
	DeviceModel             string
	DeviceOS                string
	FriendlyName            string
	UserDisplayName         string
	UserPrincipalName       string
	DeviceAccessState       string
	DeviceAccessStateReason string
	DeviceAccessControlRule *string
}

// CASMailbox is the ActiveSync part of a mailbox (Get-CASMailbox).
type CASMailbox struct {
	Identity                   string
	PrimarySmtpAddress         string
	ActiveSyncEnabled          bool
	ActiveSyncAllowedDeviceIDs []string
	ActiveSyncBlockedDeviceIDs []string
}

// OrgSettings are the ActiveSync organization settings.
type OrgSettings struct {
	DefaultAccessLevel  string
	AdminMailRecipients []string
	UserMailInsert      string
}

// AccessRule is a device access rule.
type AccessRule struct {
	Name, QueryString, Characteristic, AccessLevel string
}

// Devices lists the partnerships of a mailbox (all when mailbox is "").
func (a *AdminClient) Devices(ctx context.Context, mailbox string) ([]MobileDevice, error) {
	p := map[string]any{"ResultSize": "Unlimited"}
	if mailbox != "" {
		p = map[string]any{"Mailbox": mailbox}
	}
	var out []MobileDevice
	return out, a.Run(ctx, "Get-MobileDevice", p, &out)
}

// CASMailbox returns one mailbox's ActiveSync settings.
func (a *AdminClient) CASMailbox(ctx context.Context, identity string) (CASMailbox, error) {
	var out []CASMailbox
	if err := a.Run(ctx, "Get-CASMailbox", map[string]any{"Identity": identity}, &out); err != nil {
		return CASMailbox{}, err
	}
	if len(out) != 1 {
		return CASMailbox{}, fmt.Errorf("Get-CASMailbox %s: %d objects", identity, len(out))
	}
	return out[0], nil
}

// OrgSettings returns the ActiveSync organization settings.
func (a *AdminClient) OrgSettings(ctx context.Context) (OrgSettings, error) {
	var out []OrgSettings
	if err := a.Run(ctx, "Get-ActiveSyncOrganizationSettings", nil, &out); err != nil {
		return OrgSettings{}, err
	}
	if len(out) != 1 {
		return OrgSettings{}, fmt.Errorf("Get-ActiveSyncOrganizationSettings: %d objects", len(out))
	}
	return out[0], nil
}

// Rules lists the device access rules.
func (a *AdminClient) Rules(ctx context.Context) ([]AccessRule, error) {
	var out []AccessRule
	return out, a.Run(ctx, "Get-ActiveSyncDeviceAccessRule", nil, &out)
}
