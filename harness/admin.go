package harness

import (
	"context"
	"fmt"

	"github.com/easlab/easlab/adminapi"
)

// AdminClient calls the simulator's admin API (cmdlets as JSON over
// HTTP), as an Exchange administrator would run them in the management
// shell. The scenarios judge a product only by what it shows.
type AdminClient struct {
	adminapi.Client
}

// CmdletError is a cmdlet's error, with PowerShell's category.
type CmdletError = adminapi.Error

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
