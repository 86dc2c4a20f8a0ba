package simulator

import (
	"strings"

	"github.com/easlab/easlab/eas"
)

// Settings (MS-ASCMD 2.2.1.18): DeviceInformation, Oof, UserInformation,
// DevicePassword and RightsManagementInformation.

func handleSettings(c *call) error {
	var req eas.SettingsRequest
	if err := c.decode(&req); err != nil {
		return err
	}
	m := c.mb
	m.lock()
	defer m.unlock()
	dev := c.deviceLocked()
	// A DevicePassword Set without Password fails the whole command with
	// Status 2 and no part: processing does not begin (MS-ASCMD_S16_TC02,
	// R4398, R5845, R483).
	if req.DevicePassword != nil && (req.DevicePassword.Set == nil || req.DevicePassword.Set.Password == "") {
		return c.reply(&eas.SettingsResponse{Status: int(eas.SettingsStatusProtocolError)})
	}
	resp := &eas.SettingsResponse{Status: int(eas.SettingsStatusSuccess)}
	if req.DeviceInformation != nil {
		resp.DeviceInformation = &eas.DeviceInformation{Status: int(setDeviceInformation(dev, req.DeviceInformation, c.mb.names))}
	}
	if req.Oof != nil {
		resp.Oof = m.oofLocked(req.Oof)
	}
	if req.DevicePassword != nil {
		st := eas.SettingsStatusSuccess
		if len(req.DevicePassword.Set.Password) > maxRecoveryPassword {
			// MS-ASCMD_S16_TC16, R4400: a 256-character password is Status 5.
			st = eas.SettingsStatusInvalidArguments
		} else {
			dev.RecoveryPassword = req.DevicePassword.Set.Password
		}
		resp.DevicePassword = &eas.DevicePassword{Status: int(st)}
	}
	if req.UserInformation != nil {
		u := m.owner
		addrs := &eas.EmailAddresses{SMTPAddress: []string{u.PrimarySmtpAddress}}
		get := &eas.UserInformationGet{}
		if c.req.ProtocolVersion.AtLeast(eas.Version141) {
			addrs.PrimarySmtpAddress = u.PrimarySmtpAddress
			// Exchange returns no UserDisplayName (MS-ASCMD_S16_TC04,
			// R5915: Appendix A, Exchange 2007 and above).
			get.Accounts = &eas.Accounts{Account: []eas.Account{{EmailAddresses: addrs}}}
		} else {
			get.EmailAddresses = addrs
		}
		resp.UserInformation = &eas.UserInformation{Status: int(eas.SettingsStatusSuccess), Get: get}
	}
	if req.RightsManagementInformation != nil {
		resp.RightsManagementInformation = &eas.RightsManagementInformation{Status: int(eas.SettingsStatusSuccess), Get: &eas.RightsManagementInformationGet{}}
	}
	return c.reply(resp)
}

// oofLocked reads or sets the mailbox's automatic replies.
func (m *Mailbox) oofLocked(req *eas.Oof) *eas.Oof {
	switch {
	case req.Get != nil:
		state := m.oof.state
		out := &eas.OofSettings{OofState: &state, StartTime: m.oof.start, EndTime: m.oof.end}
		bodyType := req.Get.BodyType
		if bodyType == "" {
			bodyType = "Text"
		}
		for i, applies := range []func(*eas.OofMessage){
			func(o *eas.OofMessage) { o.AppliesToInternal = true },
			func(o *eas.OofMessage) { o.AppliesToExternalKnown = true },
			func(o *eas.OofMessage) { o.AppliesToExternalUnknown = true },
		} {
			msg := eas.OofMessage{Enabled: m.oof.enabled[i], ReplyMessage: m.oof.message[i]}
			// A message without ReplyMessage is answered without BodyType
			// (MS-ASCMD_S16_TC09, R5677).
			if msg.ReplyMessage != "" {
				msg.BodyType = bodyType
			}
			applies(&msg)
			out.OofMessage = append(out.OofMessage, msg)
		}
		return &eas.Oof{Status: int(eas.SettingsStatusSuccess), Get: out}
	case req.Set != nil:
		set := req.Set
		if set.OofState != nil && (*set.OofState < 0 || *set.OofState > 2) {
			return &eas.Oof{Status: int(eas.SettingsStatusInvalidArguments)}
		}
		// OofState 2 with neither time is accepted; with only one of them
		// it is Status 2 (MS-ASCMD_S16_TC01, R4396; S16_TC03, R2272,
		// R5681).
		if *orZero(set.OofState) == 2 && (set.StartTime == "") != (set.EndTime == "") {
			return &eas.Oof{Status: int(eas.SettingsStatusProtocolError)}
		}
		var known, unknown *eas.OofMessage
		for i, msg := range set.OofMessage {
			// A BodyType other than TEXT or HTML is Status 5
			// (MS-ASCMD_S16_TC11, R5702, R5582).
			if b := msg.BodyType; b != "" && !strings.EqualFold(b, "TEXT") && !strings.EqualFold(b, "HTML") {
				return &eas.Oof{Status: int(eas.SettingsStatusInvalidArguments)}
			}
			if msg.AppliesToExternalKnown {
				known = &set.OofMessage[i]
			}
			if msg.AppliesToExternalUnknown {
				unknown = &set.OofMessage[i]
			}
		}
		// Exchange keeps one external message: different messages for
		// known and unknown external senders are Status 6
		// (MS-ASCMD_S16_TC12, R5385, R5583).
		if known != nil && unknown != nil && known.Enabled && unknown.Enabled && known.ReplyMessage != unknown.ReplyMessage {
			return &eas.Oof{Status: int(eas.SettingsStatusConflictingArguments)}
		}
		m.metaGen++
		if set.OofState != nil {
			m.oof.state = *set.OofState
		}
		m.oof.start, m.oof.end = set.StartTime, set.EndTime
		for _, msg := range set.OofMessage {
			for i, applies := range []bool{msg.AppliesToInternal, msg.AppliesToExternalKnown, msg.AppliesToExternalUnknown} {
				if applies {
					m.oof.enabled[i] = msg.Enabled
					m.oof.message[i] = msg.ReplyMessage
				}
			}
		}
		return &eas.Oof{Status: int(eas.SettingsStatusSuccess)}
	}
	return &eas.Oof{Status: int(eas.SettingsStatusProtocolError)}
}

// maxRecoveryPassword is the longest recovery password Exchange stores.
const maxRecoveryPassword = 255

func orZero(p *int) *int {
	if p == nil {
		return new(int)
	}
	return p
}

// oofSettings are a mailbox's automatic replies: state 0 disabled, 1
// enabled, 2 scheduled; messages for internal, known external and unknown
// external senders.
type oofSettings struct {
	state      int
	start, end string
	enabled    [3]bool
	message    [3]string
}
