package conformance

import (
	"strings"
	"testing"

	"github.com/easlab/easlab/eas"
	"github.com/easlab/easlab/wbxml"
)

// MS-ASCMD S16: the Settings command.

// settings sends a Settings request (an eas message or a tree) as the
// current user.
func (c *cmd2Client) settings(body any) *eas.SettingsResponse {
	c.s.t.Helper()
	var resp eas.SettingsResponse
	c.send(eas.CommandSettings, body).decode(c.s, &resp)
	return &resp
}

// cmd2OofSet is an Oof Set request with state (nil: none) and messages.
func cmd2OofSet(state *int, start, end string, messages ...eas.OofMessage) *eas.SettingsRequest {
	return &eas.SettingsRequest{Oof: &eas.Oof{Set: &eas.OofSettings{OofState: state, StartTime: start, EndTime: end, OofMessage: messages}}}
}

func cmd2Int(v int) *int { return &v }

// cmd2OofStatus is the Oof Status of a Settings answer, 0 when it has
// no Oof.
func cmd2OofStatus(resp *eas.SettingsResponse) int {
	if resp.Oof == nil {
		return 0
	}
	return resp.Oof.Status
}

// oofMessages gets the Oof settings (BodyType TEXT) as TestSuiteBase's
// GetOofSettings does.
func (c *cmd2Client) oofMessages() []eas.OofMessage {
	c.s.t.Helper()
	resp := c.settings(&eas.SettingsRequest{Oof: &eas.Oof{Get: &eas.OofSettings{BodyType: "TEXT"}}})
	if resp.Oof == nil || resp.Oof.Get == nil {
		c.s.t.Fatalf("the Oof Get answered no settings (Status %d)", resp.Status)
	}
	return resp.Oof.Get.OofMessage
}

// cmd2Audience picks the message for one audience.
func cmd2Audience(msgs []eas.OofMessage, pick func(eas.OofMessage) bool) *eas.OofMessage {
	for i := range msgs {
		if pick(msgs[i]) {
			return &msgs[i]
		}
	}
	return nil
}

var (
	cmd2Internal        = func(m eas.OofMessage) bool { return m.AppliesToInternal }
	cmd2ExternalKnown   = func(m eas.OofMessage) bool { return m.AppliesToExternalKnown }
	cmd2ExternalUnknown = func(m eas.OofMessage) bool { return m.AppliesToExternalUnknown }
)

// oofFor sets one audience's message (TEXT, enabled, "Out of office") with
// OofState 2 and gets it back. When the server refuses the Set, it
// records ids as not met with the evidence and returns nil.
func (c *cmd2Client) oofFor(audience eas.OofMessage, pick func(eas.OofMessage) bool, ids ...int) *eas.OofMessage {
	c.s.t.Helper()
	audience.BodyType, audience.Enabled, audience.ReplyMessage = "TEXT", true, "Out of office"
	resp := c.settings(cmd2OofSet(cmd2Int(2), "", "", audience))
	if !c.oofSetOK(resp, ids...) {
		return nil
	}
	m := cmd2Audience(c.oofMessages(), pick)
	c.s.must(cmd2ok(m != nil && m.Enabled && strings.TrimSpace(m.ReplyMessage) == "Out of office" && m.BodyType == "TEXT", "the audience's message is %+v", m), "reading the Oof message back")
	return m
}

// oofSetOK reports whether an Oof Set succeeded; when it did not, the
// requirements ids the test would check after it are recorded as not met.
func (c *cmd2Client) oofSetOK(resp *eas.SettingsResponse, ids ...int) bool {
	c.s.t.Helper()
	if resp.Oof != nil && resp.Oof.Status == 1 {
		return true
	}
	for _, id := range ids {
		c.s.capture(id, false, "the Oof Set the check depends on answered %+v", resp.Oof)
	}
	if len(ids) == 0 {
		c.s.t.Fatalf("the Oof Set answered %+v", resp.Oof)
	}
	return false
}

func cmd2TextOrHTML(b string) bool {
	return strings.EqualFold(b, "TEXT") || strings.EqualFold(b, "HTML")
}

// MSASCMD_S16_TC01: an Oof Set succeeds with Status 1 and Oof Status 1.
func TestMSASCMD_S16_TC01_Settings_Oof_Success(t *testing.T) {
	atVersions(t, cmdSpec, from(eas.Version121), func(t *testing.T, s *site) {
		c := cmd2Lab(s)
		resp := c.settings(cmd2OofSet(cmd2Int(2), "", ""))
		s.equal(4392, "the Settings Status", 1, resp.Status)
		st := cmd2OofStatus(resp)
		s.equal(4396, "the Oof Status", 1, st)
	})
}

// MSASCMD_S16_TC02: a DevicePassword Set without Password is Status 2,
// with nothing else in the answer.
func TestMSASCMD_S16_TC02_Settings_DevicePassword_Status2(t *testing.T) {
	atVersions(t, cmdSpec, from(eas.Version121), func(t *testing.T, s *site) {
		c := cmd2Lab(s)
		resp := c.settings(cmdNode("Settings:Settings", cmdNode("Settings:DevicePassword", cmdNode("Settings:Set"))))
		s.equal(4398, "the Settings Status of an empty DevicePassword Set", 2, resp.Status)
		s.equal(5845, "the Settings Status of an empty DevicePassword Set", 2, resp.Status)
		s.capture(483, resp.Status != 1 && resp.DeviceInformation == nil && resp.DevicePassword == nil && resp.Oof == nil && resp.UserInformation == nil,
			"the failed Settings answered Status %d, DeviceInformation %v, DevicePassword %v, Oof %v, UserInformation %v",
			resp.Status, resp.DeviceInformation != nil, resp.DevicePassword != nil, resp.Oof != nil, resp.UserInformation != nil)
	})
}

// MSASCMD_S16_TC03: OofState 2 with only a StartTime, or only an EndTime,
// is Oof Status 2.
func TestMSASCMD_S16_TC03_Settings_OofState(t *testing.T) {
	atVersions(t, cmdSpec, from(eas.Version121), func(t *testing.T, s *site) {
		c := cmd2Lab(s)
		today := eas.FormatDate(cmd2Now.Truncate(24 * 60 * 60 * 1e9))
		oofStatus := func(resp *eas.SettingsResponse) int {
			if resp.Oof == nil {
				return 0
			}
			return resp.Oof.Status
		}
		st := oofStatus(c.settings(cmd2OofSet(cmd2Int(2), today, "")))
		s.equal(2272, "the Oof Status with only a StartTime", 2, st)
		s.equal(3992, "the Oof Status with only a StartTime", 2, st)
		st = oofStatus(c.settings(cmd2OofSet(cmd2Int(2), "", today)))
		s.equal(5681, "the Oof Status with only an EndTime", 2, st)
		s.equal(5827, "the Oof Status with only an EndTime", 2, st)
	})
}

// MSASCMD_S16_TC04: UserInformation Get answers the user's addresses:
// in Accounts from 14.1, directly in Get at 12.1, without AccountId,
// AccountName, SendDisabled or UserDisplayName.
func TestMSASCMD_S16_TC04_Settings_UserInformation(t *testing.T) {
	atVersions(t, cmdSpec, from(eas.Version121), func(t *testing.T, s *site) {
		c := cmd2Lab(s)
		resp := c.settings(cmdNode("Settings:Settings", cmdNode("Settings:UserInformation", cmdNode("Settings:Get"))))
		s.must(cmd2ok(resp.UserInformation != nil, "no UserInformation (Status %d)", resp.Status), "the UserInformation Get")
		ui := resp.UserInformation
		s.equal(4387, "the UserInformation Status", 1, ui.Status)
		var accounts []eas.Account
		if ui.Get != nil && ui.Get.Accounts != nil {
			accounts = ui.Get.Accounts.Account
		}
		has := func(f func(eas.Account) bool) bool {
			for _, a := range accounts {
				if f(a) {
					return true
				}
			}
			return false
		}
		s.capture(5898, !has(func(a eas.Account) bool { return a.AccountId != "" }), "the answer has an AccountId")
		s.capture(5901, !has(func(a eas.Account) bool { return a.AccountName != "" }), "the answer has an AccountName")
		s.capture(5905, !has(func(a eas.Account) bool { return a.SendDisabled != nil }), "the answer has SendDisabled")
		s.capture(5915, !has(func(a eas.Account) bool { return a.UserDisplayName != "" }), "the answer has a UserDisplayName")
		switch s.version {
		case eas.Version121, eas.Version140:
			if s.version == eas.Version121 {
				in := ui.Get != nil && ui.Get.EmailAddresses != nil
				s.capture(5178, in, "the Get has no EmailAddresses at 12.1")
				s.capture(5169, in, "the Get has no EmailAddresses at 12.1")
			}
		default:
			s.capture(733, ui.Get != nil && ui.Get.Accounts != nil, "the Get has no Accounts")
			s.must(cmd2ok(len(accounts) == 1, "%d accounts", len(accounts)), "reading the account")
			s.capture(3679, accounts[0].EmailAddresses != nil && accounts[0].EmailAddresses.PrimarySmtpAddress != "", "the account has no PrimarySmtpAddress")
		}
	})
}

// MSASCMD_S16_TC05: an Oof message for known external senders is kept.
func TestMSASCMD_S16_TC05_Settings_OofSetToExternalKnown(t *testing.T) {
	atVersions(t, cmdSpec, from(eas.Version121), func(t *testing.T, s *site) {
		c := cmd2Lab(s)
		ids := []int{783, 785, 786, 787, 2251}
		m := c.oofFor(eas.OofMessage{AppliesToExternalKnown: true}, cmd2ExternalKnown, ids...)
		if m == nil {
			return
		}
		s.capture(783, m.AppliesToExternalKnown && m.ReplyMessage != "" && m.BodyType != "", "the message is %+v", *m)
		s.equal(785, "the message's Enabled", true, m.Enabled)
		s.equal(786, "the message's ReplyMessage", "Out of office", strings.TrimSpace(m.ReplyMessage))
		s.capture(787, cmd2TextOrHTML(m.BodyType), "the message's BodyType is %q", m.BodyType)
		s.equal(2251, "the message's Enabled", true, m.Enabled)
	})
}

// MSASCMD_S16_TC06: an Oof message for unknown external senders is kept.
func TestMSASCMD_S16_TC06_Settings_OofSetToExternalUnknown(t *testing.T) {
	atVersions(t, cmdSpec, from(eas.Version121), func(t *testing.T, s *site) {
		c := cmd2Lab(s)
		ids := []int{5867, 793, 794, 795, 796}
		m := c.oofFor(eas.OofMessage{AppliesToExternalUnknown: true}, cmd2ExternalUnknown, ids...)
		if m == nil {
			return
		}
		s.capture(5867, m.AppliesToExternalUnknown && m.Enabled, "the message is %+v", *m)
		s.capture(793, m.AppliesToExternalUnknown && m.ReplyMessage != "" && m.BodyType != "", "the message is %+v", *m)
		s.equal(794, "the message's Enabled", true, m.Enabled)
		s.equal(795, "the message's ReplyMessage", "Out of office", strings.TrimSpace(m.ReplyMessage))
		s.capture(796, cmd2TextOrHTML(m.BodyType), "the message's BodyType is %q", m.BodyType)
	})
}

// MSASCMD_S16_TC07: an Oof message for internal senders is kept.
func TestMSASCMD_S16_TC07_Settings_OofSetToInternal(t *testing.T) {
	atVersions(t, cmdSpec, from(eas.Version121), func(t *testing.T, s *site) {
		c := cmd2Lab(s)
		ids := []int{5866, 802, 803, 804, 805, 826, 1106}
		m := c.oofFor(eas.OofMessage{AppliesToInternal: true}, cmd2Internal, ids...)
		if m == nil {
			return
		}
		s.capture(5866, m.AppliesToInternal && m.Enabled, "the message is %+v", *m)
		s.capture(802, m.AppliesToInternal && m.ReplyMessage != "" && m.BodyType != "", "the message is %+v", *m)
		s.equal(803, "the message's Enabled", true, m.Enabled)
		s.equal(804, "the message's ReplyMessage", "Out of office", strings.TrimSpace(m.ReplyMessage))
		s.capture(805, cmd2TextOrHTML(m.BodyType), "the message's BodyType is %q", m.BodyType)
		s.capture(826, m.ReplyMessage != "" && m.BodyType != "", "the message has ReplyMessage %q and BodyType %q", m.ReplyMessage, m.BodyType)
		s.capture(1106, m.ReplyMessage != "" && m.BodyType != "", "the message has ReplyMessage %q and BodyType %q", m.ReplyMessage, m.BodyType)
	})
}

// MSASCMD_S16_TC08: a ReplyMessage is kept with its BodyType.
func TestMSASCMD_S16_TC08_Settings_OofSetBodyTypeIsRequiredWithReplyMessage(t *testing.T) {
	atVersions(t, cmdSpec, from(eas.Version121), func(t *testing.T, s *site) {
		c := cmd2Lab(s)
		resp := c.settings(cmd2OofSet(cmd2Int(2), "", "", eas.OofMessage{AppliesToInternal: true, Enabled: true, ReplyMessage: "Out of office", BodyType: "TEXT"}))
		if !c.oofSetOK(resp, 816) {
			return
		}
		m := cmd2Audience(c.oofMessages(), cmd2Internal)
		s.must(cmd2ok(m != nil && m.Enabled && strings.TrimSpace(m.ReplyMessage) == "Out of office" && m.BodyType == "TEXT", "the message is %+v", m), "reading the Oof message back")
		s.capture(816, resp.Oof.Status == 1 && m.BodyType != "" && m.ReplyMessage != "", "the message has ReplyMessage %q and BodyType %q", m.ReplyMessage, m.BodyType)
	})
}

// MSASCMD_S16_TC09: a disabled message without ReplyMessage and BodyType
// is kept without them.
func TestMSASCMD_S16_TC09_Settings_OofSetBodyTypeOptional(t *testing.T) {
	atVersions(t, cmdSpec, from(eas.Version121), func(t *testing.T, s *site) {
		c := cmd2Lab(s)
		resp := c.settings(cmd2OofSet(cmd2Int(2), "", "", eas.OofMessage{AppliesToInternal: true}))
		if !c.oofSetOK(resp, 5677, 2252) {
			return
		}
		m := cmd2Audience(c.oofMessages(), cmd2Internal)
		s.must(cmd2ok(m != nil, "no internal message"), "reading the Oof message back")
		s.must(cmd2ok(!m.Enabled && m.ReplyMessage == "" && m.BodyType == "", "the message is %+v", *m), "reading the disabled message")
		s.capture(5677, m.ReplyMessage == "" && m.BodyType == "", "the message has ReplyMessage %q and BodyType %q", m.ReplyMessage, m.BodyType)
		s.equal(2252, "the message's Enabled", false, m.Enabled)
	})
}

// MSASCMD_S16_TC10: messages for the three audiences are set together.
func TestMSASCMD_S16_TC10_Settings_OofSetForThreeTypeAudiences(t *testing.T) {
	atVersions(t, cmdSpec, from(eas.Version121), func(t *testing.T, s *site) {
		c := cmd2Lab(s)
		resp := c.settings(cmd2OofSet(cmd2Int(2), "", "",
			eas.OofMessage{AppliesToInternal: true, Enabled: true, ReplyMessage: "Out of office", BodyType: "TEXT"},
			eas.OofMessage{AppliesToExternalKnown: true, Enabled: true, ReplyMessage: "Call my mobile", BodyType: "TEXT"},
			eas.OofMessage{AppliesToExternalUnknown: true, Enabled: true, ReplyMessage: "Call my mobile", BodyType: "TEXT"}))
		s.must(cmd2ok(resp.Oof != nil, "no Oof (Status %d)", resp.Status), "setting the Oof messages")
		s.equal(5194, "the Oof Status with the same message for both external audiences", 1, resp.Oof.Status)
		if resp.Oof.Status != 1 {
			return
		}
		msgs := c.oofMessages()
		for _, want := range []struct {
			pick  func(eas.OofMessage) bool
			reply string
		}{{cmd2Internal, "Out of office"}, {cmd2ExternalKnown, "Call my mobile"}, {cmd2ExternalUnknown, "Call my mobile"}} {
			m := cmd2Audience(msgs, want.pick)
			s.must(cmd2ok(m != nil && m.Enabled && strings.TrimSpace(m.ReplyMessage) == want.reply && m.BodyType == "TEXT", "the message is %+v", m), "reading the Oof messages back")
		}
	})
}

// MSASCMD_S16_TC11: a BodyType that is neither TEXT nor HTML is Oof
// Status 5.
func TestMSASCMD_S16_TC11_Settings_Status5(t *testing.T) {
	atVersions(t, cmdSpec, from(eas.Version121), func(t *testing.T, s *site) {
		c := cmd2Lab(s)
		resp := c.settings(cmd2OofSet(nil, "", "", eas.OofMessage{AppliesToExternalKnown: true, Enabled: true, ReplyMessage: "Oof", BodyType: "InvalidValue"}))
		st := cmd2OofStatus(resp)
		s.equal(5702, "the Oof Status for BodyType InvalidValue", 5, st)
		s.equal(5582, "the Oof Status for BodyType InvalidValue", 5, st)
		s.capture(484, st != 2, "the Oof Status for BodyType InvalidValue is 2")
	})
}

// MSASCMD_S16_TC12: different messages for known and unknown external
// senders are Oof Status 6.
func TestMSASCMD_S16_TC12_Settings_Status6(t *testing.T) {
	atVersions(t, cmdSpec, from(eas.Version121), func(t *testing.T, s *site) {
		c := cmd2Lab(s)
		resp := c.settings(cmd2OofSet(nil, "", "",
			eas.OofMessage{AppliesToExternalKnown: true, Enabled: true, ReplyMessage: "Message to external known", BodyType: "TEXT"},
			eas.OofMessage{AppliesToExternalUnknown: true, Enabled: true, ReplyMessage: "Message to unknown external users", BodyType: "TEXT"}))
		st := cmd2OofStatus(resp)
		s.equal(5385, "the Oof Status for different external messages", 6, st)
		s.equal(5583, "the Oof Status for different external messages", 6, st)
	})
}

// MSASCMD_S16_TC13: the answer lists Oof and UserInformation in the
// request's order, and nothing else.
func TestMSASCMD_S16_TC13_Settings_ResponseInOrder(t *testing.T) {
	atVersions(t, cmdSpec, from(eas.Version121), func(t *testing.T, s *site) {
		c := cmd2Lab(s)
		body := cmdNode("Settings:Settings",
			cmdNode("Settings:Oof", cmdNode("Settings:Get", cmdText("Settings:BodyType", "TEXT"))),
			cmdNode("Settings:UserInformation", cmdNode("Settings:Get")))
		a := c.send(eas.CommandSettings, body)
		var resp eas.SettingsResponse
		a.decode(s, &resp)
		s.must(cmd2ok(resp.Oof != nil && resp.Oof.Status == 1, "Oof %+v", resp.Oof), "the Settings with Oof and UserInformation")
		s.must(cmd2ok(resp.UserInformation != nil && resp.DeviceInformation == nil && resp.DevicePassword == nil && resp.RightsManagementInformation == nil, "the answer has other parts"), "reading the answer's parts")
		root, err := wbxml.Parse(a.Body)
		s.must(err, "reading the answer")
		oof, ui := -1, -1
		for i, e := range root.Elements() {
			switch e.Tag.Name {
			case "Oof":
				oof = i
			case "UserInformation":
				ui = i
			}
		}
		inOrder := oof >= 0 && ui > oof
		for _, id := range []int{469, 5713, 480, 481} {
			s.capture(id, inOrder, "Oof is child %d and UserInformation child %d of the answer", oof, ui)
		}
		resp2 := c.settings(cmd2OofSet(cmd2Int(0), "", ""))
		s.must(cmd2ok(resp2.Oof != nil && resp2.Oof.Status == 1, "Oof %+v", resp2.Oof), "disabling the Oof")
	})
}

// MSASCMD_S16_TC14: RightsManagementInformation Get answers the element.
func TestMSASCMD_S16_TC14_Settings_GetRightManagementInformation(t *testing.T) {
	atVersions(t, cmdSpec, cmd2From141(), func(t *testing.T, s *site) {
		c := cmd2Lab(s)
		c.switchUser(cmdUser3)
		resp := c.settings(cmdNode("Settings:Settings", cmdNode("Settings:RightsManagementInformation", cmdNode("Settings:Get"))))
		if resp.RightsManagementInformation != nil {
			s.capture(3863, true, "")
		}
	})
}

// MSASCMD_S16_TC15: the original runs only against the first release of
// Exchange 2010 (R5201), which mails an SMS notice.
func TestMSASCMD_S16_TC15_Settings_SetDeviceInformationPhoneNumber(t *testing.T) {
	atVersions(t, cmdSpec, []eas.ProtocolVersion{eas.Version140, eas.Version160, eas.Version161}, func(t *testing.T, s *site) {
		s.notApplicable("the original runs only where R5201 is enabled (the first release of Exchange 2010, which requires PhoneNumber with EnableOutboundSMS and mails an SMS notice); the Exchange 2013 to 2019 configurations disable it", 5201)
	})
}

// MSASCMD_S16_TC16: a recovery password of 256 characters is
// DevicePassword Status 5.
func TestMSASCMD_S16_TC16_Settings_DevicePassword_LongPassword(t *testing.T) {
	atVersions(t, cmdSpec, from(eas.Version121), func(t *testing.T, s *site) {
		c := cmd2Lab(s)
		password := "password" + strings.Repeat("a", 248)
		resp := c.settings(&eas.SettingsRequest{DevicePassword: &eas.DevicePassword{Set: &eas.DevicePasswordSet{Password: password}}})
		st := 0
		if resp.DevicePassword != nil {
			st = resp.DevicePassword.Status
		}
		s.equal(4400, "the DevicePassword Status of a 256-character password", 5, st)
	})
}

// MSASCMD_S16_TC17: StartTime and EndTime with OofState 1 are accepted.
func TestMSASCMD_S16_TC17_Settings_OofStateNotTwo(t *testing.T) {
	atVersions(t, cmdSpec, from(eas.Version121), func(t *testing.T, s *site) {
		c := cmd2Lab(s)
		today := cmd2Now.Truncate(24 * 60 * 60 * 1e9)
		resp := c.settings(cmd2OofSet(cmd2Int(1), eas.FormatDate(today), eas.FormatDate(today.AddDate(0, 0, 1))))
		st := cmd2OofStatus(resp)
		s.equal(3535, "the Oof Status with times and OofState 1", 1, st)
	})
}
