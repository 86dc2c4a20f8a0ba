package simulator

import (
	"crypto/rand"
	"encoding/binary"
	"net/http"
	"strconv"
	"strings"

	"github.com/easlab/easlab/eas"
	"github.com/easlab/easlab/wbxml"
)

// Provisioning (MS-ASPROV): the two-phase Provision exchange and the policy
// key check on every other command.

// newPolicyKey returns a random non-zero policy key. Exchange 2007+ sends
// decimal uint32 keys (protocol.md 4.1).
func newPolicyKey() uint32 {
	for {
		var b [4]byte
		rand.Read(b[:])
		if k := binary.LittleEndian.Uint32(b[:]); k != 0 {
			return k
		}
	}
}

// policyExempt lists the commands Exchange does not check against the
// mailbox policy: Provision itself and Ping (Exchange's IsPolicyCompliant
// runs for every command but OPTIONS, Provision and Ping,
// exchange-admin.md 1.3 step 4).
var policyExempt = map[eas.Command]bool{eas.CommandProvision: true, eas.CommandPing: true}

// checkPolicy refuses a command from a device that has not provisioned,
// or that sends a key other than the one it was given: HTTP 449 up to
// 12.1, status 142 or 144 from 14.0 (exchange-admin.md 2.2). A device that
// sends no key at all is served when the policy allows non-provisionable
// devices, and refused with 403/141 when it does not.
func (s *Server) checkPolicy(c *call) error {
	if policyExempt[c.req.Command] {
		return nil
	}
	policy := c.s.dir.policyFor(c.mb.CASMailbox().ActiveSyncMailboxPolicy)
	switch {
	case c.dev.wipe.pending():
		// 449 when the device sent a key, 403 when it sent none, up to
		// 12.1; status 140 from 14.0 (exchange-admin.md 2.2).
		h := eas.HTTPRetryWith
		if !c.req.HasPolicyKey {
			h = http.StatusForbidden
		}
		return &eas.StatusError{Status: int(eas.StatusRemoteWipeRequested), HTTPStatus: h, Message: "a remote wipe is pending"}
	case !c.req.HasPolicyKey && !policy.AllowNonProvisionableDevices:
		// A device that sends no key at all, under a policy that does not
		// allow non-provisionable devices (exchange-admin.md 2.2).
		return &eas.StatusError{Status: int(eas.StatusLegacyDeviceOnStrictPolicy), HTTPStatus: http.StatusForbidden, Message: "no policy key, and the policy requires provisionable devices"}
	case !c.req.HasPolicyKey:
		// No X-MS-PolicyKey header at all: a non-provisionable device,
		// which Exchange serves without provisioning while the policy
		// allows such devices (AllowNonProvisionableDevices, $true by
		// default; Exchange's IsPolicyCompliant, exchange-admin.md 1.3
		// step 4). Microsoft's MS-ASCMD test suite runs this way against
		// Exchange, never provisioning.
		return nil
	case c.req.PolicyKey == 0 || c.dev.PolicyKey == 0:
		// A key of 0 (the device knows it must provision), or a key from a
		// device that never finished provisioning.
		return &eas.StatusError{Status: int(eas.StatusDeviceNotProvisioned), HTTPStatus: eas.HTTPRetryWith, Message: "the device has not provisioned"}
	case c.req.PolicyKey != c.dev.PolicyKey || c.dev.policyVersion != policy.version:
		return &eas.StatusError{Status: int(eas.StatusInvalidPolicyKey), HTTPStatus: eas.HTTPRetryWith, Message: "the policy key is not the current one"}
	case policy.DevicePolicyRefreshInterval > 0 && c.s.clock.Since(c.dev.LastPolicyUpdate) >= policy.DevicePolicyRefreshInterval:
		return &eas.StatusError{Status: int(eas.StatusPolicyRefresh), HTTPStatus: eas.HTTPRetryWith, Message: "the policy is due for a refresh"}
	}
	return nil
}

func handleProvision(c *call) error {
	var req eas.ProvisionRequest
	if err := c.decode(&req); err != nil {
		return err
	}
	v := c.req.ProtocolVersion
	m := c.mb
	m.lock()
	defer m.unlock()
	dev := c.deviceLocked()
	resp := &eas.ProvisionResponse{Status: int(eas.ProvisionStatusSuccess)}
	if req.DeviceInformation != nil {
		resp.DeviceInformation = &eas.DeviceInformation{Status: int(setDeviceInformation(dev, req.DeviceInformation, c.mb.names))}
		// DeviceInformation without a Model is refused as a missing one
		// (Exchange 2013's ProvisionCommand.ProcessDeviceInformationSettings,
		// "DeviceModelMissingInDeviceInformation"; exchange-admin.md 2.2).
		if dev.Info.Model == "" && v.AtLeast(c.s.deviceInformationRequiredFrom()) {
			c.extra().logError = "DeviceModelMissingInDeviceInformation"
			return eas.NewStatusError(eas.StatusDeviceInformationRequired, "Provision with DeviceInformation but no Model")
		}
	}
	if ack := req.RemoteWipe; ack != nil || req.AccountOnlyRemoteWipe != nil {
		if ack == nil {
			ack = req.AccountOnlyRemoteWipe
		}
		if !dev.wipe.pending() || dev.wipe.sent.IsZero() {
			resp.Status = int(eas.ProvisionStatusProtocolError)
			return c.reply(resp)
		}
		// The device reports the wipe (MS-ASPROV 3.2.5.1.2.1). Exchange
		// 2013 and later answer a success with Status 1 alone, a failure
		// with Status 2 and the directive again (protocol.md 4.5).
		w := *dev.wipe
		w.acked, w.failed = c.s.clock.Now(), ack.Status != 1
		dev.wipe = &w
		c.mb.emit(Event{Kind: EventWipeAcknowledged, DeviceID: dev.DeviceID, DeviceType: dev.DeviceType, Status: strconv.Itoa(ack.Status)})
		if !dev.wipe.failed {
			to := append([]string{c.mb.owner.PrimarySmtpAddress}, dev.wipe.notify...)
			if raw, err := wipeConfirmation(c.s.dir.Org, c.mb.owner, dev, to, dev.wipe.acked); err == nil {
				c.mb.postLocked(raw, dev.wipe.acked)
				c.s.relay(raw, to)
			}
		}
		if dev.wipe.failed {
			resp.Status = int(eas.ProvisionStatusProtocolError)
			resp.RemoteWipe = req.RemoteWipe != nil
			resp.AccountOnlyRemoteWipe = req.AccountOnlyRemoteWipe != nil
		}
		return c.reply(resp)
	}
	if dev.wipe.pending() && (req.Policies == nil || req.Policies.Policy.PolicyKey == "") {
		// The wipe directive goes with the first phase of Provision, or
		// with an empty <Provision/>, as MS-ASPROV's suite sends it
		// (MSASPROV_S02_TC01, R653, R702; S02_TC02, R66613, R66611).
		w := *dev.wipe
		w.sent = c.s.clock.Now()
		dev.wipe = &w
		c.mb.emit(Event{Kind: EventWipeSent, DeviceID: dev.DeviceID, DeviceType: dev.DeviceType})
		if dev.wipe.accountOnly && v.AtLeast(eas.Version161) {
			resp.AccountOnlyRemoteWipe = true
		} else {
			resp.RemoteWipe = true
		}
	}
	if req.Policies == nil {
		// An empty Provision is Status 1: with the wipe directive while a
		// wipe is pending, without it after the device was removed
		// (MSASPROV_S02_TC01, R653, R654; S02_TC02, R66613, R66615). One
		// with DeviceInformation alone or an unknown child (S03_TC03,
		// R395), and no wipe to send, stays a protocol error.
		if (req.DeviceInformation != nil || len(req.Extra) > 0) && !resp.RemoteWipe && !resp.AccountOnlyRemoteWipe {
			resp.Status = int(eas.ProvisionStatusProtocolError)
		}
		return c.reply(resp)
	}
	pol := req.Policies.Policy
	if pol.PolicyKey == "" && req.DeviceInformation == nil && v.AtLeast(c.s.deviceInformationRequiredFrom()) {
		// Phase one of a device at or above
		// Options.DeviceInformationRequiredFrom (default 14.1) must carry
		// DeviceInformation in this very request, or gets 165
		// DeviceInformationRequired, before its PolicyType is looked at:
		// Exchange 2013's ProvisionCommandPhaseOne.ProcessPolicy ("if
		// (this.deviceInformationNode == null && ProtocolVersion >= 141)",
		// logged Error:DeviceInfoRequiredInProvision; exchange-admin.md
		// 2.2), and Microsoft's Interop suite expects it at 14.1, 16.0 and
		// 16.1 (MS-ASCMD MSASCMD_S21_TC03_CommonStatusCode_165). A
		// DeviceInformation sent earlier in Settings does not count.
		// field-notes.md reports 165 at 16.1 only (EAS-4-TbSync #312,
		// #315, #353); Options.DeviceInformationRequiredFrom = 16.1 keeps
		// that lenient behaviour.
		c.extra().logError = "DeviceInfoRequiredInProvision"
		return eas.NewStatusError(eas.StatusDeviceInformationRequired, "Provision without DeviceInformation")
	}
	want := eas.PolicyTypeWBXML
	if !v.AtLeast(eas.Version120) {
		want = eas.PolicyTypeXML
	}
	if pol.PolicyKey == "" && pol.PolicyType == "" {
		// An initial Provision without PolicyType is Provision Status 2
		// (MSASCMD_S12_TC02, R4989).
		resp.Status = int(eas.ProvisionStatusProtocolError)
		return c.reply(resp)
	}
	out := eas.ProvisionResponsePolicy{PolicyType: pol.PolicyType}
	resp.Policies = &eas.ProvisionResponsePolicies{Policy: out}
	if pol.PolicyType != want {
		resp.Policies.Policy.Status = int(eas.PolicyStatusUnknownPolicyType)
		return c.reply(resp)
	}
	if pol.PolicyKey == "" {
		// Phase one: the policy and a temporary key (DeviceInformation was
		// checked above).
		policy := c.s.dir.policyFor(c.mb.cas.ActiveSyncMailboxPolicy)
		dev.TempPolicyKey = newPolicyKey()
		resp.Policies.Policy.Status = int(eas.PolicyStatusSuccess)
		resp.Policies.Policy.PolicyKey = strconv.FormatUint(uint64(dev.TempPolicyKey), 10)
		resp.Policies.Policy.Data = &eas.PolicyData{Extra: []*wbxml.Node{policy.ProvisionDoc(v)}}
		return c.reply(resp)
	}
	// Phase two: the device acknowledges the temporary key with its
	// compliance status and gets the final key.
	key, err := strconv.ParseUint(pol.PolicyKey, 10, 32)
	if err != nil || dev.TempPolicyKey == 0 || uint32(key) != dev.TempPolicyKey {
		resp.Policies.Policy.Status = int(eas.PolicyStatusWrongPolicyKey)
		return c.reply(resp)
	}
	switch pol.Status {
	case 1:
	case 4:
		resp.Status = int(eas.StatusExternallyManagedDevicesNotAllowed)
		resp.Policies = nil
		return c.reply(resp)
	default:
		// Partly (2) or not (3) applied: accepted unless the policy wants
		// devices that comply in full (139, Exchange 2013+, protocol.md 4.2).
		if !c.s.dir.policyFor(c.mb.cas.ActiveSyncMailboxPolicy).AllowNonProvisionableDevices {
			resp.Status = int(eas.StatusDeviceNotFullyProvisionable)
			resp.Policies = nil
			return c.reply(resp)
		}
	}
	dev.PolicyKey = newPolicyKey()
	dev.policyVersion = c.s.dir.policyFor(c.mb.cas.ActiveSyncMailboxPolicy).version
	dev.PolicyApplied = c.s.dir.policyFor(c.mb.cas.ActiveSyncMailboxPolicy).Name
	dev.TempPolicyKey = 0
	dev.LastPolicyUpdate = c.s.clock.Now()
	resp.Policies.Policy.Status = int(eas.PolicyStatusSuccess)
	resp.Policies.Policy.PolicyKey = strconv.FormatUint(uint64(dev.PolicyKey), 10)
	return c.reply(resp)
}

// maxDeviceInformationField bounds each DeviceInformation value the
// partnership keeps (issue 12: a 20 MB Model was stored, and
// Get-MobileDevice returned 80 MB for four devices). Exchange keeps the
// values (DeviceInformationSetting.ProcessSet stores them in the device's
// GlobalInfo and answers Status 1, whatever their length; its IIS log
// trims each to 50 characters, MaxParamLength) and writes them to the
// msExchActiveSyncDevice object's msExchDevice* attributes, whose
// rangeUpper is UNCONFIRMED. The simulator answers as Exchange does and
// keeps the first 1,024 characters of each value.
const maxDeviceInformationField = 1024

// truncateField keeps the first maxDeviceInformationField characters of v.
func truncateField(v string) string {
	if len(v) <= maxDeviceInformationField {
		return v
	}
	n := 0
	for i := range v {
		if n == maxDeviceInformationField {
			return strings.Clone(v[:i])
		}
		n++
	}
	return v
}

// setDeviceInformation records what a device says of itself; the fields
// devices share (model, OS, language, User-Agent, operator, friendly
// name) through names.
func setDeviceInformation(dev *Device, di *eas.DeviceInformation, names *interner) eas.SettingsStatus {
	if di.Set == nil {
		return eas.SettingsStatusProtocolError
	}
	s := di.Set
	t := truncateField
	n := func(v string) string { return names.intern(t(v)) }
	dev.Info = DeviceInformation{
		Model: n(s.Model), IMEI: t(s.IMEI), FriendlyName: n(s.FriendlyName), OS: n(s.OS), OSLanguage: n(s.OSLanguage),
		PhoneNumber: t(s.PhoneNumber), UserAgent: n(s.UserAgent), MobileOperator: n(s.MobileOperator),
		EnableOutboundSMS: s.EnableOutboundSMS != nil && *s.EnableOutboundSMS,
	}
	dev.HasInfo = true
	return eas.SettingsStatusSuccess
}

// deviceInformationRequiredFrom is the first protocol version whose
// Provision must carry DeviceInformation.
func (s *Server) deviceInformationRequiredFrom() eas.ProtocolVersion {
	if s.opts.DeviceInformationRequiredFrom != 0 {
		return s.opts.DeviceInformationRequiredFrom
	}
	return eas.Version141
}
