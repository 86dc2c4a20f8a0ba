package conformance

import (
	"testing"

	"github.com/easlab/easlab/clients"
	"github.com/easlab/easlab/eas"
)

// MS-ASPROV: the Provision command (Interop-TestSuites
// ExchangeActiveSync/Source/MS-ASPROV). Its suite runs at every
// ActiveSyncProtocolVersion from 12.1.

const specPROV = "MS-ASPROV"

// provUsers are the suite's users: User01 under a default mobile device
// mailbox policy, User02 under a restrictive one, User03 under the
// organization's default (ExchangeSUTConfiguration.ps1).
const (
	provUser1 = "MSASPROV_User01"
	provUser2 = "MSASPROV_User02"
	provUser3 = "MSASPROV_User03"
)

// provLab deploys the suite: two policies, the second restricted as the
// deployment guide (section 5.1.2) describes, and User01 and User02 put
// under them.
func provLab(s *site) *lab {
	l := newLab(s, provUser1, provUser2, provUser3)
	policy := map[string]any{
		"AllowNonProvisionableDevices": false, "PasswordEnabled": false, "AlphanumericPasswordRequired": false,
		"MaxInactivityTimeLock": "unlimited", "PasswordRecoveryEnabled": false, "RequireDeviceEncryption": false,
		"AttachmentsEnabled": true, "AllowSimplePassword": true, "PasswordExpiration": "unlimited", "PasswordHistory": 0,
	}
	for _, name := range []string{"MSASPROV_UserPolicy01", "MSASPROV_UserPolicy02"} {
		p := map[string]any{"Name": name}
		for k, v := range policy {
			p[k] = v
		}
		l.cmdlet("New-MobileDeviceMailboxPolicy", p)
	}
	l.cmdlet("Set-MobileDeviceMailboxPolicy", map[string]any{
		"Identity": "MSASPROV_UserPolicy02", "AttachmentsEnabled": false, "AllowNonProvisionableDevices": false,
		"PasswordExpiration": "730.00:00:00", "MaxAttachmentSize": "2097151",
	})
	l.cmdlet("Set-CASMailbox", map[string]any{"Identity": provUser1, "ActiveSyncMailboxPolicy": "MSASPROV_UserPolicy01"})
	l.cmdlet("Set-CASMailbox", map[string]any{"Identity": provUser2, "ActiveSyncMailboxPolicy": "MSASPROV_UserPolicy02"})
	return l
}

// provision sends the suite's Provision request (TestSuiteBase
// CallProvisionCommand): with a policy key, an acknowledgment with
// status; without one, the initial request, carrying DeviceInformation
// (Model "ASPROVTest") from 14.1.
func provision(s *site, d *clients.Device, policyKey, policyType string, status int) *eas.ProvisionResponse {
	s.t.Helper()
	req := &eas.ProvisionRequest{Policies: &eas.ProvisionRequestPolicies{Policy: eas.ProvisionRequestPolicy{PolicyType: policyType}}}
	if policyKey != "" {
		req.Policies.Policy.PolicyKey, req.Policies.Policy.Status = policyKey, status
	} else if s.version.AtLeast(eas.Version141) {
		req.DeviceInformation = &eas.DeviceInformation{Set: &eas.DeviceInformationSet{Model: "ASPROVTest"}}
	}
	var resp eas.ProvisionResponse
	s.must(d.Do(s.t.Context(), eas.CommandProvision, req, &resp), "Provision")
	return &resp
}

const wbxmlPolicy = "MS-EAS-Provisioning-WBXML"

// MSASPROV_S01_TC01: the initial Provision of a user under a custom
// policy, then its acknowledgment.
func TestMSASPROV_S01_TC01_AcknowledgeSecurityPolicySettings(t *testing.T) {
	atVersions(t, specPROV, from(eas.Version121), func(t *testing.T, s *site) {
		l := provLab(s)
		d := l.device(provUser2)

		resp := provision(s, d, "", wbxmlPolicy, 1)
		s.equal(394, "the initial Provision's Status", 1, resp.Status)
		if resp.Policies == nil {
			s.capture(310, false, "the initial Provision's answer has no Policies")
			return
		}
		policy := resp.Policies.Policy
		complete := policy.Data != nil && policy.PolicyKey != "" && policy.PolicyType != "" && policy.Status != 0
		s.capture(310, complete, "the Policy has PolicyType %q, PolicyKey %q, Status %d and Data %v", policy.PolicyType, policy.PolicyKey, policy.Status, policy.Data != nil)
		s.capture(417, complete, "the Policy has PolicyType %q, PolicyKey %q, Status %d and Data %v", policy.PolicyType, policy.PolicyKey, policy.Status, policy.Data != nil)
		s.equal(378, "the Policy's Status", 1, policy.Status)
		s.capture(209, policy.Data != nil, "the Policy has no Data")
		if policy.Data == nil || policy.Data.EASProvisionDoc == nil {
			s.capture(888, false, "the Data holds no EASProvisionDoc")
			return
		}
		doc := policy.Data.EASProvisionDoc
		s.capture(206, doc.AttachmentsEnabled != nil && !*doc.AttachmentsEnabled, "AttachmentsEnabled is %v under a policy that disables attachments", fmtBool(doc.AttachmentsEnabled))
		s.capture(888, policy.PolicyType == wbxmlPolicy, "the PolicyType of an EASProvisionDoc is %q", policy.PolicyType)
		s.capture(486, policy.PolicyKey != "", "the answer carries no PolicyKey")
		temporary := policy.PolicyKey

		ack := provision(s, d, temporary, wbxmlPolicy, 1)
		s.equal(678, "the acknowledgment's Status", 1, ack.Status)
		s.capture(441, ack.Policies != nil && ack.Status == 1, "the acknowledgment's answer has Status %d and Policies %v", ack.Status, ack.Policies != nil)
		s.capture(650, temporary != "", "the initial answer's PolicyKey is empty")
		// The acknowledgment with the temporary key succeeded: the server
		// matched it against the key it issued.
		s.capture(657, ack.Status == 1, "the acknowledgment with the temporary key has Status %d", ack.Status)
		if ack.Policies == nil {
			s.capture(605, false, "the acknowledgment's answer has no Policies")
			return
		}
		final := ack.Policies.Policy
		s.capture(605, final.PolicyKey != "" && final.PolicyType != "" && final.Status != 0, "the acknowledged Policy has PolicyType %q, PolicyKey %q, Status %d", final.PolicyType, final.PolicyKey, final.Status)
		s.capture(419, final.PolicyKey != "" && final.PolicyType != "" && final.Status != 0, "the acknowledged Policy has PolicyType %q, PolicyKey %q, Status %d", final.PolicyType, final.PolicyKey, final.Status)
	})
}

func fmtBool(b *bool) string {
	if b == nil {
		return "absent"
	}
	if *b {
		return "1"
	}
	return "0"
}
