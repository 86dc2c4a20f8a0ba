package conformance

import (
	"fmt"
	"net/http"
	"strconv"
	"testing"

	"github.com/easlab/easlab/eas"
	"github.com/easlab/easlab/wbxml"
)

// provClient is the MS-ASPROV adapter's state: the user it acts as, the
// DeviceType it sends and the policy key it applies to every request
// (ApplyPolicyKey), with no reaction to what the server answers.
type provClient struct {
	s          *site
	l          *lab
	user       string
	deviceType string
	policyKey  string
}

func provNewClient(s *site, l *lab, user string) *provClient {
	return &provClient{s: s, l: l, user: user, deviceType: "SP"}
}

// send sends cmd with body as the adapter does: the client's DeviceType
// and, when it has one, its policy key.
func (c *provClient) send(cmd eas.Command, body any) *answer {
	c.s.t.Helper()
	req := c.l.request(c.user, cmd)
	req.DeviceType = c.deviceType
	if c.policyKey != "" {
		k, err := strconv.ParseUint(c.policyKey, 10, 32)
		c.s.must(err, "reading the policy key "+c.policyKey)
		req.PolicyKey, req.HasPolicyKey = uint32(k), true
	}
	return c.l.send(req, password, body)
}

// provision sends a Provision request and reads its answer, which must
// be an HTTP 200 with a body.
func (c *provClient) provision(body any) *eas.ProvisionResponse {
	c.s.t.Helper()
	a := c.send(eas.CommandProvision, body)
	if a.Status != http.StatusOK {
		c.s.t.Fatalf("Provision answered HTTP %d, want 200", a.Status)
	}
	var resp eas.ProvisionResponse
	a.decode(c.s, &resp)
	provVerifyResponse(c.s, a.Body, &resp)
	return &resp
}

// provSchema checks a Provision answer's structure as the adapter's
// schema validation does: Provision holds DeviceInformation, Status,
// Policies, RemoteWipe and AccountOnlyRemoteWipe in that order, the wipe
// directives are empty, Policies holds Policy elements, and Policy holds
// PolicyType, Status, PolicyKey and Data in that order. It says what is
// wrong, or "".
func provSchema(root *wbxml.Node) string {
	if root == nil || root.Tag.Name != "Provision" {
		return "the answer is not a Provision element"
	}
	order := func(n *wbxml.Node, names ...string) string {
		i := 0
		for _, c := range n.Elements() {
			for i < len(names) && names[i] != c.Tag.Name {
				i++
			}
			if i == len(names) {
				return fmt.Sprintf("%s holds %s out of place", n.Tag.Name, c.Tag.Name)
			}
		}
		return ""
	}
	if why := order(root, "DeviceInformation", "Status", "Policies", "RemoteWipe", "AccountOnlyRemoteWipe"); why != "" {
		return why
	}
	for _, c := range root.Elements() {
		switch c.Tag.Name {
		case "RemoteWipe", "AccountOnlyRemoteWipe":
			if len(c.Elements()) > 0 {
				return c.Tag.Name + " has child elements"
			}
		case "Policies":
			for _, p := range c.Elements() {
				if p.Tag.Name != "Policy" {
					return "Policies holds " + p.Tag.Name
				}
				if why := order(p, "PolicyType", "Status", "PolicyKey", "Data"); why != "" {
					return why
				}
			}
		}
	}
	return ""
}

// provVerifyResponse is the adapter's capture code for a Provision answer
// (VerifyProvisionCommandRequirements), but for the children of
// EASProvisionDoc and the MS-ASDTYPE and MS-ASWBXML requirements.
func provVerifyResponse(s *site, body []byte, r *eas.ProvisionResponse) {
	s.t.Helper()
	root, err := wbxml.Parse(body)
	s.must(err, "reading the Provision answer")
	why := provSchema(root)
	schema := func(ids ...int) {
		s.t.Helper()
		for _, id := range ids {
			s.capture(id, why == "", "the Provision answer breaks the schema: %s", why)
		}
	}
	schema(60010)
	if r.AccountOnlyRemoteWipe {
		schema(6901, 6903, 66605)
	}
	s.capture(319, root.Tag.Name == "Provision", "the answer's root is %s", root.Tag.Name)
	schema(320, 759)
	if r.DeviceInformation != nil {
		schema(366)
	}
	s.capture(390, root.Find(wbxml.LookupQualified("Provision:Status")) != nil, "the Provision answer has no Status")
	if r.Status < 100 {
		s.capture(393, r.Status >= 1 && r.Status <= 3, "the Provision Status is %d", r.Status)
	}
	schema(391)
	if r.Policies != nil {
		schema(303, 304)
		p := r.Policies.Policy
		s.capture(307, root.Find(wbxml.LookupQualified("Provision:Policies")).Find(wbxml.LookupQualified("Provision:Policy")) != nil, "Policies holds no Policy")
		schema(306, 308)
		if p.PolicyType != "" {
			schema(317)
			if p.Status != 3 {
				s.capture(318, p.PolicyType == eas.PolicyTypeWBXML || p.PolicyType == eas.PolicyTypeXML, "the PolicyType is %q", p.PolicyType)
			}
		}
		if p.PolicyKey != "" {
			schema(313)
			_, err := strconv.ParseUint(p.PolicyKey, 10, 32)
			s.capture(711, err == nil, "the PolicyKey %q is not a 32-bit unsigned integer", p.PolicyKey)
		}
		schema(374, 370, 375)
		s.capture(377, p.Status >= 1 && p.Status <= 5, "the Policy's Status is %d", p.Status)
		if p.Data != nil {
			schema(208)
			s.equal(966, "the PolicyType of a policy with Data", eas.PolicyTypeWBXML, p.PolicyType)
			s.equal(971, "the PolicyType of a policy with Data", eas.PolicyTypeWBXML, p.PolicyType)
			schema(210)
			s.capture(232, p.Data.EASProvisionDoc != nil, "the Data holds no EASProvisionDoc")
			schema(233, 234, 235)
			s.capture(535, !r.RemoteWipe, "the answer carrying a policy also carries RemoteWipe")
		} else {
			s.capture(661, !r.RemoteWipe, "the answer to an acknowledgment carries RemoteWipe")
		}
	}
	if r.RemoteWipe {
		schema(321, 322, 760, 758, 666)
	}
}

// call is TestSuiteBase.CallProvisionCommand: with a policy key, an
// acknowledgment with status; without one, the initial request, carrying
// DeviceInformation (Model ASPROVTest) from 14.1.
func (c *provClient) call(policyKey, policyType string, status int) *eas.ProvisionResponse {
	c.s.t.Helper()
	return c.provision(provRequest(c.s, policyKey, policyType, status))
}

func provRequest(s *site, policyKey, policyType string, status int) *eas.ProvisionRequest {
	req := &eas.ProvisionRequest{Policies: &eas.ProvisionRequestPolicies{Policy: eas.ProvisionRequestPolicy{PolicyType: policyType}}}
	if policyKey != "" {
		req.Policies.Policy.PolicyKey, req.Policies.Policy.Status = policyKey, status
	} else if s.version.AtLeast(eas.Version141) {
		req.DeviceInformation = &eas.DeviceInformation{Set: &eas.DeviceInformationSet{Model: "ASPROVTest"}}
	}
	return req
}

// acknowledge is TestSuiteBase.AcknowledgeSecurityPolicySettings: the
// initial request, its acknowledgment, and the final key applied.
func (c *provClient) acknowledge() {
	c.s.t.Helper()
	r := c.call("", wbxmlPolicy, 1)
	if r.Status != 1 || r.Policies == nil {
		c.s.t.Fatalf("the initial Provision has Status %d and Policies %v, want 1 and a policy", r.Status, r.Policies != nil)
	}
	r = c.call(r.Policies.Policy.PolicyKey, wbxmlPolicy, 1)
	if r.Status != 1 || r.Policies == nil {
		c.s.t.Fatalf("the acknowledgment has Status %d and Policies %v, want 1 and a policy", r.Status, r.Policies != nil)
	}
	c.policyKey = r.Policies.Policy.PolicyKey
}

// folderSync sends FolderSync with SyncKey 0.
func (c *provClient) folderSync() (*answer, *eas.FolderSyncResponse) {
	c.s.t.Helper()
	a := c.send(eas.CommandFolderSync, &eas.FolderSyncRequest{SyncKey: "0"})
	if a.Status != http.StatusOK || len(a.Body) == 0 {
		return a, nil
	}
	var resp eas.FolderSyncResponse
	a.decode(c.s, &resp)
	return a, &resp
}

// provDevices runs the SUT control adapter's scripts: the user's devices
// of deviceType, as lister (Get-ActiveSyncDeviceStatistics or
// Get-MobileDevice) lists them, each passed to cmdlet with params.
//
// Exchange keeps a partnership per DeviceType and DeviceId, so the
// suite's change of DeviceType makes a new device; easlab keeps one per
// DeviceId (simulator/device.go, deviceLocked), under the DeviceType of
// its first request. When no device has the type, the one with the
// suite's DeviceId stands for it, and the test logs the difference.
func provDevices(l *lab, user, deviceType, lister, cmdlet string, params map[string]any) {
	l.s.t.Helper()
	devs := l.cmdlet(lister, map[string]any{"Mailbox": mailAddress(user)})
	var match []map[string]any
	for _, d := range devs {
		if dt, _ := d["DeviceType"].(string); dt == deviceType {
			match = append(match, d)
		}
	}
	if len(match) == 0 {
		for _, d := range devs {
			id, _ := d["DeviceID"].(string)
			if id == "" {
				id, _ = d["DeviceId"].(string)
			}
			if id == "TestSuite" {
				l.s.t.Logf("difference: %s lists no device of type %s after its requests: the partnership of DeviceId TestSuite (type %v) is used", lister, deviceType, d["DeviceType"])
				match = append(match, d)
			}
		}
	}
	if len(match) == 0 {
		l.s.t.Fatalf("%s has no device of type %s to %s", user, deviceType, cmdlet)
	}
	for _, d := range match {
		p := map[string]any{"Identity": d["Identity"], "Confirm": false}
		for k, v := range params {
			p[k] = v
		}
		l.cmdlet(cmdlet, p)
	}
}

// MSASPROV_S01_TC02: a user under a policy that lets devices that cannot
// provision synchronize: FolderSync without a policy key succeeds.
func TestMSASPROV_S01_TC02_WithoutAcknowledgingSecurityPolicySettings(t *testing.T) {
	atVersions(t, specPROV, from(eas.Version121), func(t *testing.T, s *site) {
		l := provLab(s)
		c := provNewClient(s, l, provUser3)
		a, fs := c.folderSync()
		if a.Status != http.StatusOK {
			s.t.Fatalf("FolderSync without a policy key answered HTTP %d, want 200", a.Status)
		}
		status := 0
		if fs != nil {
			status = fs.Status
		}
		s.capture(509, status == 1, "FolderSync without provisioning, under a policy that allows devices that do not provision, has Status %d", status)
	})
}

// MSASPROV_S01_TC03: a user whose policy allows attachments and sets no
// password length or history gets AttachmentsEnabled 1, an empty
// MinDevicePasswordLength and a DevicePasswordHistory of 0.
func TestMSASPROV_S01_TC03_InitialPreviouslySettingUnset(t *testing.T) {
	atVersions(t, specPROV, from(eas.Version121), func(t *testing.T, s *site) {
		l := provLab(s)
		c := provNewClient(s, l, provUser1)
		r := c.call("", wbxmlPolicy, 1)
		if r.Policies == nil || r.Policies.Policy.Data == nil || r.Policies.Policy.Data.EASProvisionDoc == nil {
			s.t.Fatalf("the initial Provision (Status %d) carries no EASProvisionDoc", r.Status)
		}
		doc := r.Policies.Policy.Data.EASProvisionDoc
		s.capture(207, doc.AttachmentsEnabled != nil && *doc.AttachmentsEnabled, "AttachmentsEnabled is %s under a policy that allows attachments", fmtBool(doc.AttachmentsEnabled))
		minLen := "absent"
		if v := doc.MinDevicePasswordLength; v != nil && v.Empty {
			minLen = "empty"
		} else if v != nil {
			minLen = strconv.Itoa(v.Value)
		}
		s.capture(1044, minLen == "absent" || minLen == "empty", "MinDevicePasswordLength, unset in the policy, is %s", minLen)
		hist := 0
		if doc.DevicePasswordHistory != nil {
			hist = *doc.DevicePasswordHistory
		}
		s.equal(1045, "DevicePasswordHistory, unset in the policy", 0, hist)
	})
}

// provWipeSteps is the remote wipe both S02 tests run: User01 provisions
// a device of a new DeviceType, an administrator orders a wipe of it
// (account only when accountOnly), and the device provisions again.
func provWipeSteps(s *site, accountOnly bool) (*lab, *provClient) {
	l := provLab(s)
	c := provNewClient(s, l, provUser1)
	// SwitchUser(User1, true): provision and sync the hierarchy as SP.
	c.acknowledge()
	if _, fs := c.folderSync(); fs == nil || fs.Status != 1 {
		s.t.Fatalf("User01's FolderSync failed")
	}
	c.deviceType = "ASPROV0001"
	c.acknowledge()
	if accountOnly {
		provDevices(l, provUser1, c.deviceType, "Get-MobileDevice", "Clear-MobileDevice",
			map[string]any{"AccountOnly": true, "NotificationEmailAddresses": mailAddress(provUser1)})
	} else {
		provDevices(l, provUser1, c.deviceType, "Get-ActiveSyncDeviceStatistics", "Clear-ActiveSyncDevice", nil)
	}
	return l, c
}

// provWipe is one kind of wipe as Provision carries it: its directive in
// an answer, its acknowledgment in a request, and the requirement ids the
// five steps of provWipeSequence capture (sent, failure answered,
// resent, success answered, no longer sent).
type provWipe struct {
	name      string
	directive func(*eas.ProvisionResponse) bool
	ack       func(status int) *eas.ProvisionRequest
	ids       [5]int
}

// provWipeSequence runs S02's steps: the wiped device's empty Provision
// gets the directive; its report of a failed wipe is answered with 2 and
// the directive comes again; its report of success is answered with 1;
// once the partnership is removed, no directive.
func provWipeSequence(s *site, accountOnly bool, w provWipe) {
	l, c := provWipeSteps(s, accountOnly)

	r := c.provision(&eas.ProvisionRequest{})
	sent := r.Status == 1 && w.directive(r)
	s.capture(w.ids[0], sent, "the empty Provision of a device being wiped has Status %d and %s %v, want 1 and the directive", r.Status, w.name, w.directive(r))

	r = c.provision(w.ack(2))
	s.capture(w.ids[1], sent && r.Status == 2, "the report of a failed wipe (the directive sent: %v) is answered with Status %d, want 2", sent, r.Status)

	r = c.provision(&eas.ProvisionRequest{})
	s.capture(w.ids[2], r.Status == 1 && w.directive(r), "the empty Provision after a failed wipe has Status %d and %s %v, want 1 and the directive", r.Status, w.name, w.directive(r))

	r = c.provision(w.ack(1))
	s.equal(w.ids[3], "the Status answering a successful wipe", 1, r.Status)

	provDevices(l, provUser1, c.deviceType, "Get-ActiveSyncDeviceStatistics", "Remove-ActiveSyncDevice", nil)
	r = c.provision(&eas.ProvisionRequest{})
	s.capture(w.ids[4], r.Status == 1 && !w.directive(r), "the empty Provision of a device no longer being wiped has Status %d and %s %v, want 1 and no directive", r.Status, w.name, w.directive(r))
}

// MSASPROV_S02_TC01: a device an administrator wiped receives RemoteWipe
// in answer to an empty Provision, again after reporting the wipe failed,
// and no more once it reported success and was removed. R1041 and R1042
// (Exchange 2007 and 2010) are disabled for Exchange 2019; R1047 and
// R1048 apply.
func TestMSASPROV_S02_TC01_RemoteWipe(t *testing.T) {
	atVersions(t, specPROV, from(eas.Version121), func(t *testing.T, s *site) {
		provWipeSequence(s, false, provWipe{
			name:      "RemoteWipe",
			directive: func(r *eas.ProvisionResponse) bool { return r.RemoteWipe },
			ack: func(status int) *eas.ProvisionRequest {
				return &eas.ProvisionRequest{RemoteWipe: &eas.WipeAcknowledgment{Status: status}}
			},
			ids: [5]int{653, 1048, 702, 1047, 654},
		})
	})
}

// MSASPROV_S02_TC02: the same with an account-only wipe, at 16.1.
func TestMSASPROV_S02_TC02_AccountOnlyRemoteWipe(t *testing.T) {
	atVersions(t, specPROV, from(eas.Version161), func(t *testing.T, s *site) {
		provWipeSequence(s, true, provWipe{
			name:      "AccountOnlyRemoteWipe",
			directive: func(r *eas.ProvisionResponse) bool { return r.AccountOnlyRemoteWipe },
			ack: func(status int) *eas.ProvisionRequest {
				return &eas.ProvisionRequest{AccountOnlyRemoteWipe: &eas.WipeAcknowledgment{Status: status}}
			},
			ids: [5]int{66613, 66610, 66611, 66609, 66615},
		})
	})
}

// MSASPROV_S03_TC01: a Policy of an unknown PolicyType has Status 3.
func TestMSASPROV_S03_TC01_VerifyPolicyStatus3(t *testing.T) {
	atVersions(t, specPROV, from(eas.Version121), func(t *testing.T, s *site) {
		l := provLab(s)
		c := provNewClient(s, l, provUser1)
		r := c.call("", "InvalidMS-EAS-Provisioning-WBXML", 1)
		if r.Policies == nil {
			s.t.Fatalf("the answer (Status %d) has no Policies", r.Status)
		}
		st := r.Policies.Policy.Status
		for _, id := range []int{380, 471, 502} {
			s.equal(id, "the Policy's Status for an unknown PolicyType", 3, st)
		}
	})
}

// MSASPROV_S03_TC02: acknowledging with a key of another user's policy,
// or with a key the server never issued, has Policy Status 5.
func TestMSASPROV_S03_TC02_VerifyPolicyStatus5(t *testing.T) {
	atVersions(t, specPROV, from(eas.Version121), func(t *testing.T, s *site) {
		l := provLab(s)
		c := provNewClient(s, l, provUser1)
		r := c.call("", wbxmlPolicy, 1)
		if r.Policies == nil {
			s.t.Fatalf("the initial Provision (Status %d) has no Policies", r.Status)
		}
		temporary := r.Policies.Policy.PolicyKey
		c.call(temporary, wbxmlPolicy, 1)

		c.user = provUser2
		r = c.call(temporary, wbxmlPolicy, 1)
		if r.Policies == nil {
			s.t.Fatalf("the acknowledgment with an out-of-date key (Status %d) has no Policies", r.Status)
		}
		s.equal(475, "the Policy's Status acknowledging an out-of-date key", 5, r.Policies.Policy.Status)

		r = c.call("1234567890", wbxmlPolicy, 1)
		if r.Policies == nil {
			s.t.Fatalf("the acknowledgment with an invalid key (Status %d) has no Policies", r.Status)
		}
		for _, id := range []int{761, 382, 692, 507, 708, 695} {
			s.equal(id, "the Policy's Status acknowledging an invalid key", 5, r.Policies.Policy.Status)
		}
	})
}

// MSASPROV_S03_TC03: a Provision whose Policy is not inside Policies is
// a protocol error (Status 2).
func TestMSASPROV_S03_TC03_VerifyProvisionStatus2(t *testing.T) {
	atVersions(t, specPROV, from(eas.Version121), func(t *testing.T, s *site) {
		l := provLab(s)
		c := provNewClient(s, l, provUser1)
		// The original removes the Policies tags from the serialized
		// request, leaving Policy directly under Provision.
		tag := wbxml.LookupQualified
		root := wbxml.NewElement(tag("Provision:Provision"))
		if s.version.AtLeast(eas.Version141) {
			root.Children = append(root.Children, wbxml.NewElement(tag("Settings:DeviceInformation"),
				wbxml.NewElement(tag("Settings:Set"), wbxml.NewText(tag("Settings:Model"), "ASPROVTest"))))
		}
		root.Children = append(root.Children, wbxml.NewElement(tag("Provision:Policy"),
			wbxml.NewText(tag("Provision:PolicyType"), wbxmlPolicy)))
		// SendProvisionStringRequest: the adapter's checks of a Provision
		// answer do not run.
		a := c.send(eas.CommandProvision, root)
		if a.Status != http.StatusOK {
			s.t.Fatalf("Provision answered HTTP %d, want 200", a.Status)
		}
		r := &eas.ProvisionResponse{}
		a.decode(s, r)
		for _, id := range []int{395, 679, 450, 497} {
			s.equal(id, "the Provision Status of a request with Policy outside Policies", 2, r.Status)
		}
		s.equal(697, "the Provision Status of a request the server cannot accept", 2, r.Status)
	})
}

// MSASPROV_S03_TC04: a command with a policy key other than the one the
// server issued is refused: HTTP 449 at 12.1, Status 144 later.
func TestMSASPROV_S03_TC04_VerifyInvalidPolicyKey(t *testing.T) {
	atVersions(t, specPROV, from(eas.Version121), func(t *testing.T, s *site) {
		l := provLab(s)
		c := provNewClient(s, l, provUser1)
		c.acknowledge()
		c.policyKey = c.policyKey[:1]
		a, fs := c.folderSync()
		if s.version == eas.Version121 {
			s.capture(537, a.Status >= 400, "FolderSync with a wrong policy key at 12.1 answered HTTP %d, want an error (449)", a.Status)
			return
		}
		status := 0
		if fs != nil {
			status = fs.Status
		}
		s.capture(537, status == 144, "FolderSync with a wrong policy key answered HTTP %d with Status %d, want 144", a.Status, status)
	})
}

// MSASPROV_S03_TC05: acknowledging a policy with Status 2 (partly
// applied) has Provision Status 139.
func TestMSASPROV_S03_TC05_VerifyPolicyStatus139(t *testing.T) {
	atVersions(t, specPROV, from(eas.Version121), func(t *testing.T, s *site) {
		l := provLab(s)
		c := provNewClient(s, l, provUser1)
		r := c.call("", wbxmlPolicy, 1)
		if r.Policies == nil {
			s.t.Fatalf("the initial Provision (Status %d) has no Policies", r.Status)
		}
		r = c.call(r.Policies.Policy.PolicyKey, wbxmlPolicy, 2)
		for _, id := range []int{1046, 681, 684} {
			s.equal(id, "the Provision Status acknowledging a policy partly applied", 139, r.Status)
		}
	})
}

// MSASPROV_S03_TC06: acknowledging a policy with Status 4 (externally
// managed) has Provision Status 145, from 14.0.
func TestMSASPROV_S03_TC06_VerifyPolicyStatus145(t *testing.T) {
	atVersions(t, specPROV, from(eas.Version140), func(t *testing.T, s *site) {
		l := provLab(s)
		c := provNewClient(s, l, provUser1)
		r := c.call("", wbxmlPolicy, 1)
		if r.Policies == nil {
			s.t.Fatalf("the initial Provision (Status %d) has no Policies", r.Status)
		}
		r = c.call(r.Policies.Policy.PolicyKey, wbxmlPolicy, 4)
		for _, id := range []int{686, 461, 687} {
			s.equal(id, "the Provision Status acknowledging a policy as externally managed", 145, r.Status)
		}
	})
}

// MSASPROV_S03_TC07: a provisioned device that sends no policy key, under
// a policy that does not allow devices that cannot provision, gets
// Status 141, from 14.0.
func TestMSASPROV_S03_TC07_VerifyStatus141(t *testing.T) {
	atVersions(t, specPROV, from(eas.Version140), func(t *testing.T, s *site) {
		l := provLab(s)
		c := provNewClient(s, l, provUser1)
		c.acknowledge()
		c.policyKey = ""
		a, fs := c.folderSync()
		status := 0
		if fs != nil {
			status = fs.Status
		}
		for _, id := range []int{682, 458, 685} {
			s.capture(id, status == 141, "FolderSync without a policy key answered HTTP %d with Status %d, want 141", a.Status, status)
		}
	})
}
