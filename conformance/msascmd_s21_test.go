package conformance

import (
	"net/http"
	"testing"

	"github.com/easlab/easlab/eas"
	"github.com/easlab/easlab/wbxml"
)

// MS-ASCMD S21: the common status codes.

// cmd2DeviceInformation is TestSuiteBase.GenerateDeviceInformation.
func cmd2DeviceInformation() *eas.DeviceInformation {
	return &eas.DeviceInformation{Set: &eas.DeviceInformationSet{
		FriendlyName: "test device", UserAgent: "test user agent", IMEI: "123456789012345", MobileOperator: "Microsoft",
		Model: "test model", OS: "windows7", OSLanguage: "en-us", PhoneNumber: "88888888888",
	}}
}

// cmd2Provision is TestSuiteBase.GenerateDefaultProvisionRequest.
func cmd2Provision() *eas.ProvisionRequest {
	return &eas.ProvisionRequest{
		DeviceInformation: cmd2DeviceInformation(),
		Policies:          &eas.ProvisionRequestPolicies{Policy: eas.ProvisionRequestPolicy{PolicyType: "MS-EAS-Provisioning-WBXML"}},
	}
}

// cmd2From141 are the versions from 14.1 (the tests that assume neither 12.1
// nor 14.0).
func cmd2From141() []eas.ProtocolVersion { return from(eas.Version141) }

// MSASCMD_S21_TC01: SendMail with an AccountId that names no account is
// Status 166.
func TestMSASCMD_S21_TC01_CommonStatusCode_166(t *testing.T) {
	atVersions(t, cmdSpec, cmd2From141(), func(t *testing.T, s *site) {
		c := cmd2Lab(s)
		mime := plainMIME(mailAddress(cmdUser1), mailAddress(cmdUser2), "", "MSASCMD_subject1", "Default Email")
		a := c.send(eas.CommandSendMail, &eas.SendMailRequest{ClientId: "cmd2-m1", AccountId: "InvalidAccountID", Mime: mime})
		st := cmd2SendMailStatus(s, a)
		s.equal(4956, "the SendMail Status for an unknown AccountId", 166, st)
	})
}

// MSASCMD_S21_TC02: a recipient without a photo is answered Picture
// Status 173.
func TestMSASCMD_S21_TC02_CommonStatusCode_173(t *testing.T) {
	atVersions(t, cmdSpec, cmd2From141(), func(t *testing.T, s *site) {
		c := cmd2Lab(s)
		a := c.send(eas.CommandResolveRecipients, &eas.ResolveRecipientsRequest{
			To: []string{cmdUser3}, Options: &eas.ResolveRecipientsOptions{Picture: &eas.PictureOptions{MaxPictures: 3}},
		})
		var resp eas.ResolveRecipientsResponse
		a.decode(s, &resp)
		st := 0
		if len(resp.Response) > 0 && len(resp.Response[0].Recipient) > 0 && len(resp.Response[0].Recipient[0].Picture) > 0 {
			st = resp.Response[0].Recipient[0].Picture[0].Status
		}
		s.equal(4970, "the Picture Status of a user without a photo", 173, st)
	})
}

// MSASCMD_S21_TC03: Provision without DeviceInformation is Status 165.
func TestMSASCMD_S21_TC03_CommonStatusCode_165(t *testing.T) {
	atVersions(t, cmdSpec, cmd2From141(), func(t *testing.T, s *site) {
		c := cmd2Lab(s)
		req := cmd2Provision()
		req.DeviceInformation = nil
		var resp eas.ProvisionResponse
		c.send(eas.CommandProvision, req).decode(s, &resp)
		s.equal(4954, "the Provision Status without DeviceInformation", 165, resp.Status)
	})
}

// MSASCMD_S21_TC04: MoveItems into the recipient information cache is
// Status 105.
func TestMSASCMD_S21_TC04_CommonStatusCode_105(t *testing.T) {
	atVersions(t, cmdSpec, from(eas.Version140), func(t *testing.T, s *site) {
		c := cmd2Lab(s)
		subject := "MSASCMD_subject1"
		c.sendPlainText(subject, cmdUser2, cmdUser1, "The content of the body.")
		c.switchUser(cmdUser1)
		serverID := cmd2FindServerID(c.checkEmail(c.inbox(), subject, nil), "Subject", subject)
		var resp eas.MoveItemsResponse
		c.send(eas.CommandMoveItems, &eas.MoveItemsRequest{Move: []eas.MoveItem{{
			SrcMsgId: serverID, SrcFldId: c.inbox(), DstFldId: c.folder(eas.FolderTypeRecipientInfoCache),
		}}}).decode(s, &resp)
		st := resp.Status
		if len(resp.Response) > 0 {
			st = resp.Response[0].Status
		}
		s.equal(4821, "the MoveItems Status into the recipient information cache", 105, st)
	})
}

// MSASCMD_S21_TC05: a BodyPartPreference of Type 3 is Status 164.
func TestMSASCMD_S21_TC05_CommonStatusCode_164(t *testing.T) {
	atVersions(t, cmdSpec, cmd2From141(), func(t *testing.T, s *site) {
		c := cmd2Lab(s)
		req := cmd2EmptySync(c.inbox(), -1)
		c.sync(req)
		cmd2Collection(req).Options = []eas.SyncOptions{{BodyPartPreference: []eas.BodyPartPreference{{Type: 3}}}}
		cmd2Collection(req).SyncKey = c.lastSyncKey
		r := c.sync(req)
		s.equal(5412, "the Sync Status for a BodyPartPreference of Type 3", 164, r.status())
	})
}

// MSASCMD_S21_TC06: a second SendMail with the same ClientId is Status
// 118.
func TestMSASCMD_S21_TC06_CommonStatusCode_118(t *testing.T) {
	atVersions(t, cmdSpec, from(eas.Version140), func(t *testing.T, s *site) {
		c := cmd2Lab(s)
		subject := "MSASCMD_subject1"
		mime := plainMIME(mailAddress(cmdUser1), mailAddress(cmdUser2), "", subject, "MSASCMD_Default Email1")
		a := c.sendMail(mime, "cmd2-same-client-id")
		s.must(cmd2ok(a.Status == 200 && len(a.Body) == 0, "HTTP %d, %d bytes", a.Status, len(a.Body)), "the first SendMail")
		c.switchUser(cmdUser2)
		c.syncChanges(c.inbox())
		c.switchUser(cmdUser1)
		a = c.sendMail(mime, "cmd2-same-client-id")
		st := cmd2SendMailStatus(s, a)
		s.equal(4848, "the Status of a SendMail with a ClientId already sent", 118, st)
	})
}

// MSASCMD_S21_TC07: FolderSync with an element FolderSync does not define
// is Status 102.
func TestMSASCMD_S21_TC07_CommonStatusCode_102(t *testing.T) {
	atVersions(t, cmdSpec, from(eas.Version140), func(t *testing.T, s *site) {
		c := cmd2Lab(s)
		// FolderSync defines no FileReference: the suite's encoder finds
		// no token for it on the FolderHierarchy page, so the server
		// receives a token that page does not define (0x3F here).
		if wbxml.LookupToken(7, 0x3F) != nil {
			s.t.Fatalf("token 0x3F is defined on the FolderHierarchy page")
		}
		raw := []byte{0x03, 0x01, 0x6A, 0x00, 0x00, 0x07, 0x56, 0x7F, 0x03, '0', 0x00, 0x01, 0x01}
		a := c.send(eas.CommandFolderSync, raw)
		var resp eas.FolderSyncResponse
		a.decode(s, &resp)
		s.equal(4815, "the FolderSync Status for a FileReference element", 102, resp.Status)
	})
}

// MSASCMD_S21_TC08: SendMail without Mime is HTTP 400 at 12.1 and Status
// 103 at 14.0, 14.1 and 16.0.
func TestMSASCMD_S21_TC08_CommonStatusCode_103(t *testing.T) {
	atVersions(t, cmdSpec, from(eas.Version121), func(t *testing.T, s *site) {
		c := cmd2Lab(s)
		body := cmdNode("ComposeMail:SendMail", cmdText("ComposeMail:ClientId", "cmd2-m1"))
		switch s.version {
		case eas.Version121:
			// The suite's client sends the request as WBXML; at 12.1 the
			// server expects the message itself.
			a := c.send(eas.CommandSendMail, nil)
			s.equal(7547, "the HTTP status of a SendMail without a message at 12.1", http.StatusBadRequest, a.Status)
		case eas.Version140, eas.Version141, eas.Version160:
			a := c.send(eas.CommandSendMail, body)
			st := cmd2SendMailStatus(s, a)
			s.equal(4817, "the SendMail Status without Mime", 103, st)
		}
	})
}

// MSASCMD_S21_TC09: a message without recipients is Status 119.
func TestMSASCMD_S21_TC09_CommonStatusCode_119(t *testing.T) {
	atVersions(t, cmdSpec, from(eas.Version140), func(t *testing.T, s *site) {
		c := cmd2Lab(s)
		a := c.sendMail(plainMIME(mailAddress(cmdUser1), "", "", "MSASCMD_subject1", "MSASCMD_Default Email1"), "cmd2-m1")
		st := cmd2SendMailStatus(s, a)
		s.equal(4853, "the SendMail Status of a message without recipients", 119, st)
	})
}

// cmd2PlainFolderSync sends FolderSync in the plain query form with the
// given device id and type.
func (c *cmd2Client) plainFolderSync(deviceID, deviceType string) *answer {
	c.s.t.Helper()
	req := c.l.request(c.user, eas.CommandFolderSync)
	req.Form, req.DeviceID, req.DeviceType = eas.PlainQuery, deviceID, deviceType
	return c.l.send(req, password, &eas.FolderSyncRequest{SyncKey: "0"})
}

// cmd2FolderSyncStatus is the Status of a FolderSync answer (0 when it
// has no body).
func cmd2FolderSyncStatus(s *site, a *answer) int {
	if len(a.Body) == 0 {
		return 0
	}
	var resp eas.FolderSyncResponse
	a.decode(s, &resp)
	return resp.Status
}

// MSASCMD_S21_TC10: a DeviceType of 35 characters is Status 109.
func TestMSASCMD_S21_TC10_CommonStatusCode_109(t *testing.T) {
	atVersions(t, cmdSpec, from(eas.Version140), func(t *testing.T, s *site) {
		c := cmd2Lab(s)
		a := c.plainFolderSync("TestSuite", "123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ")
		s.equal(4830, "the FolderSync Status for a 35-character DeviceType", 109, cmd2FolderSyncStatus(s, a))
	})
}

// MSASCMD_S21_TC11: a DeviceId of 35 characters is Status 108.
func TestMSASCMD_S21_TC11_CommonStatusCode_108(t *testing.T) {
	atVersions(t, cmdSpec, from(eas.Version140), func(t *testing.T, s *site) {
		c := cmd2Lab(s)
		a := c.plainFolderSync("123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ", "SP")
		s.equal(4828, "the FolderSync Status for a 35-character DeviceId", 108, cmd2FolderSyncStatus(s, a))
	})
}

// MSASCMD_S21_TC12: a user with ActiveSync disabled is HTTP 403 at 12.1
// and Status 126 at 14.0, 14.1 and 16.0.
func TestMSASCMD_S21_TC12_CommonStatusCode_126(t *testing.T) {
	atVersions(t, cmdSpec, from(eas.Version121), func(t *testing.T, s *site) {
		c := cmd2Lab(s)
		c.user = cmdUser4
		a := c.send(eas.CommandFolderSync, &eas.FolderSyncRequest{SyncKey: "0"})
		switch s.version {
		case eas.Version121:
			s.equal(7555, "the HTTP status of a FolderSync of a user without ActiveSync at 12.1", http.StatusForbidden, a.Status)
		case eas.Version140, eas.Version141, eas.Version160:
			s.equal(4869, "the FolderSync Status of a user without ActiveSync", 126, cmd2FolderSyncStatus(s, a))
		}
	})
}

// MSASCMD_S21_TC13: SmartForward of a deleted message is Status 150.
func TestMSASCMD_S21_TC13_CommonStatusCode_150(t *testing.T) {
	atVersions(t, cmdSpec, from(eas.Version140), func(t *testing.T, s *site) {
		c := cmd2Lab(s)
		subject := "MSASCMD_subject1"
		c.sendPlainText(subject, cmdUser1, cmdUser2, "")
		c.switchUser(cmdUser2)
		r := c.syncChanges(c.inbox())
		serverID := cmd2FindServerID(r, "Subject", subject)
		s.must(cmd2ok(serverID != "", "not found"), "finding the email")
		c.sync(cmd2SyncDelete(c.lastSyncKey, c.inbox(), serverID, eas.NewBool(false), eas.NewBool(true)))
		mime := plainMIME(mailAddress(cmdUser2), mailAddress(cmdUser3), "", "FW:"+subject, "MSASCMD_forward:body1")
		a := c.send(eas.CommandSmartForward, &eas.SmartForwardRequest{ClientId: "cmd2-f1", Source: &eas.Source{FolderId: c.inbox(), ItemId: serverID}, Mime: mime})
		st := 0
		if len(a.Body) > 0 {
			var resp eas.SmartForwardResponse
			a.decode(s, &resp)
			st = resp.Status
		}
		s.equal(4930, "the SmartForward Status for a deleted message", 150, st)
	})
}

// MSASCMD_S21_TC14: acknowledging a policy with Status 4 (externally
// managed) is Status 145.
func TestMSASCMD_S21_TC14_CommonStatusCode_145(t *testing.T) {
	atVersions(t, cmdSpec, from(eas.Version140), func(t *testing.T, s *site) {
		c := cmd2Lab(s)
		var resp eas.ProvisionResponse
		c.send(eas.CommandProvision, cmd2Provision()).decode(s, &resp)
		s.must(cmd2ok(resp.Policies != nil, "no Policies (Status %d)", resp.Status), "the initial Provision")
		ack := cmd2Provision()
		ack.Policies.Policy.PolicyKey, ack.Policies.Policy.Status = resp.Policies.Policy.PolicyKey, 4
		var ackResp eas.ProvisionResponse
		c.send(eas.CommandProvision, ack).decode(s, &ackResp)
		s.equal(4917, "the Provision Status of an externally managed acknowledgment", 145, ackResp.Status)
	})
}
