package simulator

import (
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
	resp := &eas.SettingsResponse{Status: int(eas.SettingsStatusSuccess)}
	if req.DeviceInformation != nil {
		resp.DeviceInformation = &eas.DeviceInformation{Status: int(setDeviceInformation(dev, req.DeviceInformation))}
	}
	if req.Oof != nil {
		resp.Oof = m.oofLocked(req.Oof)
	}
	if req.DevicePassword != nil {
		st := eas.SettingsStatusSuccess
		if req.DevicePassword.Set == nil || req.DevicePassword.Set.Password == "" {
			st = eas.SettingsStatusProtocolError
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
			get.Accounts = &eas.Accounts{Account: []eas.Account{{UserDisplayName: u.DisplayName, EmailAddresses: addrs}}}
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
			msg := eas.OofMessage{Enabled: m.oof.enabled[i], ReplyMessage: m.oof.message[i], BodyType: bodyType}
			applies(&msg)
			out.OofMessage = append(out.OofMessage, msg)
		}
		return &eas.Oof{Status: int(eas.SettingsStatusSuccess), Get: out}
	case req.Set != nil:
		set := req.Set
		m.metaGen++
		if set.OofState != nil {
			if *set.OofState < 0 || *set.OofState > 2 {
				return &eas.Oof{Status: int(eas.SettingsStatusInvalidArguments)}
			}
			m.oof.state = *set.OofState
		}
		if *orZero(set.OofState) == 2 && (set.StartTime == "" || set.EndTime == "") {
			return &eas.Oof{Status: int(eas.SettingsStatusInvalidArguments)}
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
