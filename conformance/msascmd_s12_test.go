package conformance

import (
	"strconv"
	"testing"

	"github.com/easlab/easlab/eas"
	"github.com/easlab/easlab/wbxml"
)

// MS-ASCMD S12: the Provision command.

// provisionAs sends a Provision as the current user and decodes it.
func (c *cmd2Client) provisionAs(req *eas.ProvisionRequest) *eas.ProvisionResponse {
	c.s.t.Helper()
	var resp eas.ProvisionResponse
	c.send(eas.CommandProvision, req).decode(c.s, &resp)
	return &resp
}

// cmd2PolicyKey is the answer's PolicyKey, or "".
func cmd2PolicyKey(resp *eas.ProvisionResponse) string {
	if resp.Policies == nil {
		return ""
	}
	return resp.Policies.Policy.PolicyKey
}

// MSASCMD_S12_TC01: the initial Provision answers the policy type, key
// and data; the acknowledgment answers the type, a key and Status 1.
func TestMSASCMD_S12_TC01_Provision_DownloadPolicy(t *testing.T) {
	atVersions(t, cmdSpec, from(eas.Version121), func(t *testing.T, s *site) {
		c := cmd2Lab(s)
		resp := c.provisionAs(cmd2Provision())
		s.must(cmd2ok(resp.Policies != nil, "no Policies (Status %d)", resp.Status), "the initial Provision")
		p := resp.Policies.Policy
		s.capture(5026, p.PolicyKey != "" && p.PolicyType != "" && p.Data != nil && resp.Status == 1, "the Policy has type %q, key %q, Data %v and the Status is %d", p.PolicyType, p.PolicyKey, p.Data != nil, resp.Status)
		s.capture(4990, p.PolicyKey != "" && p.PolicyType != "" && p.Data != nil, "the Policy has type %q, key %q, Data %v", p.PolicyType, p.PolicyKey, p.Data != nil)
		s.capture(4992, p.PolicyType != "" && p.Data != nil, "the Policy has type %q and Data %v", p.PolicyType, p.Data != nil)

		ack := cmd2Provision()
		ack.Policies.Policy.PolicyKey, ack.Policies.Policy.Status = p.PolicyKey, 1
		resp = c.provisionAs(ack)
		s.must(cmd2ok(resp.Policies != nil, "no Policies (Status %d)", resp.Status), "the acknowledgment")
		p = resp.Policies.Policy
		s.capture(5028, p.PolicyKey != "" && p.PolicyType != "" && p.Status == 1, "the acknowledged Policy has type %q, key %q, Status %d", p.PolicyType, p.PolicyKey, p.Status)
	})
}

// MSASCMD_S12_TC02: an initial Provision without PolicyType is Status 2.
func TestMSASCMD_S12_TC02_Provision_WithoutPolicyTypeElement(t *testing.T) {
	atVersions(t, cmdSpec, from(eas.Version121), func(t *testing.T, s *site) {
		c := cmd2Lab(s)
		info, err := eas.EncodeItemAs(wbxml.LookupQualified("Settings:DeviceInformation"), cmd2DeviceInformation())
		s.must(err, "encoding DeviceInformation")
		body := cmdNode("Provision:Provision", info, cmdNode("Provision:Policies", cmdNode("Provision:Policy")))
		var resp eas.ProvisionResponse
		c.send(eas.CommandProvision, body).decode(s, &resp)
		s.equal(4989, "the Provision Status without PolicyType", 2, resp.Status)
	})
}

// MSASCMD_S12_TC03: a FolderSync with a policy key other than the one
// acknowledged is HTTP 449 at 12.1 and Status 144 after.
func TestMSASCMD_S12_TC03_Provision_Status144(t *testing.T) {
	atVersions(t, cmdSpec, from(eas.Version121), func(t *testing.T, s *site) {
		c := cmd2Lab(s)
		resp := c.provisionAs(cmd2Provision())
		s.must(cmd2ok(resp.Status == 1, "Status %d", resp.Status), "the initial Provision")
		ack := cmd2Provision()
		ack.Policies.Policy.PolicyKey, ack.Policies.Policy.Status = cmd2PolicyKey(resp), 1
		final := cmd2PolicyKey(c.provisionAs(ack))
		s.must(cmd2ok(final != "", "no PolicyKey"), "the acknowledgment")
		wrong, err := strconv.ParseUint(final[:1], 10, 32)
		s.must(err, "reading the policy key")
		req := c.l.request(c.user, eas.CommandFolderSync)
		req.PolicyKey, req.HasPolicyKey = uint32(wrong), true
		a := c.l.send(req, password, &eas.FolderSyncRequest{SyncKey: "0"})
		if s.version == eas.Version121 {
			s.must(cmd2ok(a.Status == 449, "HTTP %d", a.Status), "the FolderSync with a wrong policy key at 12.1 (HTTP 449 expected)")
			return
		}
		s.equal(4912, "the FolderSync Status with a wrong policy key", 144, cmd2FolderSyncStatus(s, a))
	})
}
