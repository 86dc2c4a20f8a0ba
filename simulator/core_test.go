package simulator_test

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/easlab/easlab/eas"
	"github.com/easlab/easlab/simulator"
	"github.com/easlab/easlab/simulator/demo"
	"github.com/easlab/easlab/simulator/simtest"
	"github.com/easlab/easlab/wbxml"
)

var _ = Describe("OPTIONS", func() {
	It("advertises the configured Exchange's versions and commands", func() {
		for _, p := range eas.Profiles() {
			env := newTestEnv(simulator.Options{Profile: p})
			req, _ := http.NewRequest(http.MethodOptions, env.EASURL, nil)
			req.SetBasicAuth("alice@contoso.com", demo.Password)
			resp, err := http.DefaultClient.Do(req)
			Expect(err).NotTo(HaveOccurred())
			resp.Body.Close()
			Expect(resp.StatusCode).To(Equal(http.StatusOK))
			Expect(resp.Header.Get("MS-Server-ActiveSync")).To(Equal(p.ServerVersion))
			Expect(resp.Header.Get("MS-ASProtocolVersions")).To(Equal(strings.Join(p.ProtocolVersions, ",")))
			Expect(resp.Header.Get("MS-ASProtocolCommands")).To(Equal(strings.Join(p.ProtocolCommands, ",")))
		}
	})

	It("authenticates like any request and refuses a user disabled for ActiveSync", func() {
		env := newTestEnv(simulator.Options{})
		options := func(user, password string) *http.Response {
			req, _ := http.NewRequest(http.MethodOptions, env.EASURL, nil)
			if user != "" {
				req.SetBasicAuth(user, password)
			}
			resp, err := http.DefaultClient.Do(req)
			Expect(err).NotTo(HaveOccurred())
			resp.Body.Close()
			return resp
		}
		for _, creds := range [][2]string{{"", ""}, {"alice@contoso.com", "wrong"}, {"nobody@contoso.com", demo.Password}} {
			resp := options(creds[0], creds[1])
			Expect(resp.StatusCode).To(Equal(http.StatusUnauthorized), "credentials %q", creds)
			Expect(resp.Header.Get("WWW-Authenticate")).To(HavePrefix("Basic realm="))
			Expect(resp.Header.Get("MS-ASProtocolVersions")).To(BeEmpty())
		}
		env.Cmdlet("Set-CASMailbox", map[string]any{"Identity": "alice", "ActiveSyncEnabled": false})
		resp := options("alice@contoso.com", demo.Password)
		Expect(resp.StatusCode).To(Equal(http.StatusForbidden))
		Expect(resp.Header.Get("MS-ASProtocolVersions")).To(BeEmpty())
		Expect(options("bob@contoso.com", demo.Password).StatusCode).To(Equal(http.StatusOK))
	})
})

var _ = Describe("Authentication", func() {
	var env *simtest.Env
	BeforeEach(func() { env = newTestEnv(simulator.Options{}) })

	It("answers 401 with a Basic challenge to missing or wrong credentials", func() {
		d := env.Device("alice@contoso.com", "AUTH1", eas.Version141)
		d.Password = "wrong"
		resp, _ := d.Post(eas.CommandFolderSync, nil)
		Expect(resp.StatusCode).To(Equal(http.StatusUnauthorized))
		Expect(resp.Header.Get("WWW-Authenticate")).To(HavePrefix("Basic realm="))
		d.User, d.Password = "nobody@contoso.com", demo.Password
		resp, _ = d.Post(eas.CommandFolderSync, nil)
		Expect(resp.StatusCode).To(Equal(http.StatusUnauthorized))
	})

	It("accepts a UPN, DOMAIN\\alias and a bare alias", func() {
		for _, name := range []string{"alice@contoso.com", `CONTOSO\alice`, "alice", "ALICE@CONTOSO.COM"} {
			d := env.Device(name, "AUTH2", eas.Version141)
			d.Provision()
		}
	})

	It("always opens the authenticated user's own mailbox, whatever User names", func() {
		d := env.Device("alice@contoso.com", "AUTH3", eas.Version141)
		d.Provision()
		// The User query value names bob; the credentials are alice's.
		d.QueryUser = "bob@contoso.com"
		folders := d.FolderSync()
		Expect(folders).To(HaveKey("Inbox"))
		Expect(env.Mailbox("alice").Devices()).To(ContainElement(HaveField("DeviceID", "AUTH3")))
		Expect(env.Mailbox("bob").Devices()).To(BeEmpty())
	})
})

var _ = Describe("Provisioning", func() {
	var env *simtest.Env
	BeforeEach(func() { env = newTestEnv(simulator.Options{}) })

	// Three cases, per protocol version (exchange-admin.md 1.3 step 4 and
	// 2.2; MS-ASPROV 3.2.5.1): no X-MS-PolicyKey header at all is a
	// non-provisionable device, served while the policy allows such
	// devices (AllowNonProvisionableDevices, $true by default, which is how
	// Microsoft's MS-ASCMD test suite runs against Exchange) and refused
	// with 403/141 when it does not; a key of 0 must provision: 142 in the
	// body from 14.0, a bare 449 up to 12.1.
	for _, v := range []eas.ProtocolVersion{eas.Version121, eas.Version141, eas.Version161} {
		body := v.AtLeast(eas.Version140)
		It(fmt.Sprintf("serves a %v device that sends no policy key under the default policy, without provisioning", v), func() {
			d := env.Device("alice", fmt.Sprintf("NOKEY%d", v), v)
			folders := d.FolderSync()
			Expect(folders).To(HaveKey("Inbox"))
			Expect(d.SyncOnce(eas.SyncCollection{SyncKey: "0", CollectionId: folders["Inbox"].ServerId})).NotTo(BeNil())
		})
		It(fmt.Sprintf("asks a %v device that sends policy key 0 to provision (142 from 14.0, HTTP 449 up to 12.1)", v), func() {
			d := env.Device("alice", fmt.Sprintf("KEY0%d", v), v)
			d.HasKey = true
			var r eas.FolderSyncResponse
			resp := d.Call(eas.CommandFolderSync, &eas.FolderSyncRequest{SyncKey: "0"}, &r)
			if body {
				Expect(resp.StatusCode).To(Equal(http.StatusOK))
				Expect(r.Status).To(Equal(int(eas.StatusDeviceNotProvisioned)))
			} else {
				Expect(resp.StatusCode).To(Equal(eas.HTTPRetryWith))
			}
		})
		It(fmt.Sprintf("refuses a %v device that sends no policy key when the policy requires provisionable devices (141)", v), func() {
			env.Cmdlet("Set-MobileDeviceMailboxPolicy", map[string]any{"Identity": "Default", "AllowNonProvisionableDevices": false})
			d := env.Device("alice", fmt.Sprintf("STRICT%d", v), v)
			var r eas.FolderSyncResponse
			resp := d.Call(eas.CommandFolderSync, &eas.FolderSyncRequest{SyncKey: "0"}, &r)
			if body {
				Expect(resp.StatusCode).To(Equal(http.StatusOK))
				Expect(r.Status).To(Equal(int(eas.StatusLegacyDeviceOnStrictPolicy)))
			} else {
				Expect(resp.StatusCode).To(Equal(http.StatusForbidden))
			}
		})
	}

	It("hands out a temporary key with the policy, then a final key; a wrong key gets 144", func() {
		d := env.Device("alice", "PROV3", eas.Version141)
		var r1 eas.ProvisionResponse
		d.Call(eas.CommandProvision, &eas.ProvisionRequest{DeviceInformation: simtest.DeviceInfo(), Policies: &eas.ProvisionRequestPolicies{Policy: eas.ProvisionRequestPolicy{PolicyType: eas.PolicyTypeWBXML}}}, &r1)
		Expect(r1.DeviceInformation.Status).To(Equal(1))
		Expect(r1.Policies.Policy.Status).To(Equal(1))
		doc := r1.Policies.Policy.Data
		Expect(doc).NotTo(BeNil())
		d.Provision()
		var fs eas.FolderSyncResponse
		d.Call(eas.CommandFolderSync, &eas.FolderSyncRequest{SyncKey: "0"}, &fs)
		Expect(fs.Status).To(Equal(1))
		d.PolicyKey++
		d.Call(eas.CommandFolderSync, &eas.FolderSyncRequest{SyncKey: "0"}, &fs)
		Expect(fs.Status).To(Equal(int(eas.StatusInvalidPolicyKey)))
	})

	It("sends the EASProvisionDoc elements the device's version knows", func() {
		elements := func(v eas.ProtocolVersion) []string {
			d := env.Device("alice", fmt.Sprintf("PROVDOC%d", v), v)
			req := &eas.ProvisionRequest{Policies: &eas.ProvisionRequestPolicies{Policy: eas.ProvisionRequestPolicy{PolicyType: eas.PolicyTypeWBXML}}}
			if v.AtLeast(eas.Version141) {
				req.DeviceInformation = simtest.DeviceInfo()
			}
			body, err := wbxml.Marshal(req)
			Expect(err).NotTo(HaveOccurred())
			_, b := d.Post(eas.CommandProvision, body)
			tree, err := wbxml.Parse(b)
			Expect(err).NotTo(HaveOccurred())
			doc := tree.Path(wbxml.LookupQualified("Provision:Policies"), wbxml.LookupQualified("Provision:Policy"), wbxml.LookupQualified("Provision:Data"), wbxml.LookupQualified("Provision:EASProvisionDoc"))
			Expect(doc).NotTo(BeNil(), simtest.XML(b))
			var names []string
			for _, e := range doc.Elements() {
				names = append(names, e.Tag.Name)
			}
			return names
		}
		Expect(elements(eas.Version120)).To(HaveLen(12))
		Expect(elements(eas.Version120)).NotTo(ContainElement("AllowCamera"))
		Expect(elements(eas.Version161)).To(ContainElements("AllowCamera", "MaxEmailAgeFilter", "AllowInternetSharing"))
	})

	// Exchange 2013's ProvisionCommandPhaseOne.ProcessPolicy refuses a
	// phase one without DeviceInformation from 14.1 on, and
	// ProcessDeviceInformationSettings one whose DeviceInformation has no
	// Model (exchange-admin.md 2.2); Microsoft's Interop suite expects 165
	// at 14.1, 16.0 and 16.1 (MSASCMD_S21_TC03_CommonStatusCode_165).
	It("refuses a 14.1, 16.0 or 16.1 Provision without DeviceInformation with status 165, and 16.1 only when lenient", func() {
		bare := &eas.ProvisionRequest{Policies: &eas.ProvisionRequestPolicies{Policy: eas.ProvisionRequestPolicy{PolicyType: eas.PolicyTypeWBXML}}}
		for i, v := range []eas.ProtocolVersion{eas.Version141, eas.Version160, eas.Version161} {
			var r eas.ProvisionResponse
			d := env.Device("alice", fmt.Sprintf("PROV4%d", i), v)
			// DeviceInformation sent earlier in Settings does not count: the
			// Provision itself must carry it.
			var sr eas.SettingsResponse
			d.Call(eas.CommandSettings, &eas.SettingsRequest{DeviceInformation: simtest.DeviceInfo()}, &sr)
			Expect(sr.Status).To(Equal(1))
			d.Call(eas.CommandProvision, bare, &r)
			Expect(r.Status).To(Equal(int(eas.StatusDeviceInformationRequired)), "at %s", v)
			Expect(r.Policies).To(BeNil())
		}
		var r eas.ProvisionResponse
		env.Device("alice", "PROV40", eas.Version140).Call(eas.CommandProvision, bare, &r)
		Expect(r.Status).To(Equal(1), "14.0 has no DeviceInformation in Provision")
		noModel := &eas.ProvisionRequest{DeviceInformation: &eas.DeviceInformation{Set: &eas.DeviceInformationSet{OS: "iOS 18.1 22B83"}}, Policies: bare.Policies}
		r = eas.ProvisionResponse{}
		env.Device("alice", "PROV4M", eas.Version141).Call(eas.CommandProvision, noModel, &r)
		Expect(r.Status).To(Equal(int(eas.StatusDeviceInformationRequired)), "DeviceInformation without a Model")
		lenient := newTestEnv(simulator.Options{DeviceInformationRequiredFrom: eas.Version161})
		r = eas.ProvisionResponse{}
		lenient.Device("alice", "PROV5", eas.Version141).Call(eas.CommandProvision, bare, &r)
		Expect(r.Status).To(Equal(1), "the lenient option lets a 14.1 device provision without it")
		r = eas.ProvisionResponse{}
		lenient.Device("alice", "PROV6", eas.Version161).Call(eas.CommandProvision, bare, &r)
		Expect(r.Status).To(Equal(int(eas.StatusDeviceInformationRequired)))
	})

	It("answers Policy status 5 to an acknowledgement of a key it did not issue", func() {
		d := env.Device("alice", "PROV5", eas.Version141)
		var r eas.ProvisionResponse
		d.Call(eas.CommandProvision, &eas.ProvisionRequest{DeviceInformation: simtest.DeviceInfo(), Policies: &eas.ProvisionRequestPolicies{Policy: eas.ProvisionRequestPolicy{PolicyType: eas.PolicyTypeWBXML}}}, &r)
		d.Call(eas.CommandProvision, &eas.ProvisionRequest{Policies: &eas.ProvisionRequestPolicies{Policy: eas.ProvisionRequestPolicy{PolicyType: eas.PolicyTypeWBXML, PolicyKey: "12345", Status: 1}}}, &r)
		Expect(r.Policies.Policy.Status).To(Equal(int(eas.PolicyStatusWrongPolicyKey)))
	})
})

var _ = Describe("FolderSync", func() {
	It("returns the default folders, then nothing new, and 9 for an unknown key", func() {
		env := newTestEnv(simulator.Options{})
		d := env.Device("alice", "FS1", eas.Version161)
		d.Provision()
		var r eas.FolderSyncResponse
		d.Call(eas.CommandFolderSync, &eas.FolderSyncRequest{SyncKey: "0"}, &r)
		Expect(r.Status).To(Equal(1))
		names := map[string]eas.FolderType{}
		for _, f := range r.Changes.Add {
			names[f.DisplayName] = f.Type
			Expect(f.ParentId).To(Equal("0"))
		}
		Expect(names).To(HaveKeyWithValue("Inbox", eas.FolderTypeInbox))
		Expect(names).To(HaveKeyWithValue("Sent Items", eas.FolderTypeSentItems))
		Expect(names).To(HaveKeyWithValue("Calendar", eas.FolderTypeCalendar))
		Expect(names).To(HaveKeyWithValue("Contacts", eas.FolderTypeContacts))
		Expect(names).To(HaveKeyWithValue("Junk E-Mail", eas.FolderTypeUserMail))
		Expect(*r.Changes.Count).To(Equal(len(r.Changes.Add)))

		var again eas.FolderSyncResponse
		d.Call(eas.CommandFolderSync, &eas.FolderSyncRequest{SyncKey: r.SyncKey}, &again)
		Expect(again.Status).To(Equal(1))
		Expect(*again.Changes.Count).To(Equal(0))
		Expect(again.SyncKey).NotTo(Equal(r.SyncKey))

		var bad eas.FolderSyncResponse
		d.Call(eas.CommandFolderSync, &eas.FolderSyncRequest{SyncKey: "{bogus}7"}, &bad)
		Expect(bad.Status).To(Equal(int(eas.FolderSyncStatusInvalidSyncKey)))
	})

	It("creates, renames and deletes user folders, and tells other devices", func() {
		env := newTestEnv(simulator.Options{})
		a := env.Device("alice", "FS2", eas.Version141)
		b := env.Device("alice", "FS3", eas.Version141)
		a.Provision()
		b.Provision()
		var ra, rb eas.FolderSyncResponse
		a.Call(eas.CommandFolderSync, &eas.FolderSyncRequest{SyncKey: "0"}, &ra)
		b.Call(eas.CommandFolderSync, &eas.FolderSyncRequest{SyncKey: "0"}, &rb)
		var cr eas.FolderCreateResponse
		a.Call(eas.CommandFolderCreate, &eas.FolderCreateRequest{SyncKey: ra.SyncKey, ParentId: "0", DisplayName: "Projects", Type: eas.FolderTypeUserMail}, &cr)
		Expect(cr.Status).To(Equal(1))
		Expect(cr.ServerId).NotTo(BeEmpty())
		var dup eas.FolderCreateResponse
		a.Call(eas.CommandFolderCreate, &eas.FolderCreateRequest{SyncKey: cr.SyncKey, ParentId: "0", DisplayName: "projects", Type: eas.FolderTypeUserMail}, &dup)
		Expect(dup.Status).To(Equal(int(eas.FolderCreateStatusFolderExists)))
		var ur eas.FolderUpdateResponse
		a.Call(eas.CommandFolderUpdate, &eas.FolderUpdateRequest{SyncKey: cr.SyncKey, ServerId: cr.ServerId, ParentId: "0", DisplayName: "Projects 2026"}, &ur)
		Expect(ur.Status).To(Equal(1))
		var own eas.FolderSyncResponse
		a.Call(eas.CommandFolderSync, &eas.FolderSyncRequest{SyncKey: ur.SyncKey}, &own)
		Expect(*own.Changes.Count).To(Equal(0), "a device is not told of its own changes")
		var other eas.FolderSyncResponse
		b.Call(eas.CommandFolderSync, &eas.FolderSyncRequest{SyncKey: rb.SyncKey}, &other)
		Expect(other.Changes.Add).To(ConsistOf(HaveField("DisplayName", "Projects 2026")))
		var inboxDel eas.FolderDeleteResponse
		a.Call(eas.CommandFolderDelete, &eas.FolderDeleteRequest{SyncKey: own.SyncKey, ServerId: "1"}, &inboxDel)
		Expect(inboxDel.Status).To(Equal(int(eas.FolderDeleteStatusSpecialFolder)))
		var del eas.FolderDeleteResponse
		a.Call(eas.CommandFolderDelete, &eas.FolderDeleteRequest{SyncKey: own.SyncKey, ServerId: cr.ServerId}, &del)
		Expect(del.Status).To(Equal(1))
		b.Call(eas.CommandFolderSync, &eas.FolderSyncRequest{SyncKey: other.SyncKey}, &other)
		Expect(other.Changes.Delete).To(ConsistOf(HaveField("ServerId", cr.ServerId)))
	})
})

var _ = Describe("Sync", func() {
	var (
		env   *simtest.Env
		d     *simtest.Device
		inbox string
	)
	BeforeEach(func() {
		env = newTestEnv(simulator.Options{})
		d = env.Device("alice", "SYNC1", eas.Version161)
		d.Provision()
		inbox = d.FolderSync()["Inbox"].ServerId
	})

	prime := func() string {
		GinkgoHelper()
		col := d.SyncOnce(eas.SyncCollection{SyncKey: "0", CollectionId: inbox})
		Expect(col.Status).To(Equal(1))
		Expect(col.Commands).To(BeEmpty())
		return col.SyncKey
	}
	bodyPref := []eas.SyncOptions{{BodyPreference: []eas.BodyPreference{{Type: 2, TruncationSize: 20000}}}}

	It("starts with SyncKey 0 and no items, then brings the Inbox with bodies", func() {
		key := prime()
		col := d.SyncOnce(eas.SyncCollection{SyncKey: key, CollectionId: inbox, Options: bodyPref})
		Expect(col.Status).To(Equal(1))
		Expect(col.Commands).To(HaveLen(4))
		var subjects []string
		for _, c := range col.Commands {
			Expect(c.Kind).To(Equal(eas.SyncAdd))
			var m eas.Email
			Expect(eas.DecodeItem(c.ApplicationData, &m)).To(Succeed())
			subjects = append(subjects, m.Subject)
			Expect(m.Body).NotTo(BeNil())
			Expect(m.Body.Type).To(Equal(2))
			Expect(m.Body.Data).NotTo(BeEmpty())
		}
		Expect(subjects).To(ContainElements("Quarterly report draft", "Lunch on Thursday?"))
		// Nothing changed since: an empty response.
		Expect(d.SyncOnce(eas.SyncCollection{SyncKey: col.SyncKey, CollectionId: inbox})).To(BeNil())
	})

	It("pages with WindowSize and MoreAvailable", func() {
		key := prime()
		col := d.SyncOnce(eas.SyncCollection{SyncKey: key, CollectionId: inbox, WindowSize: 3})
		Expect(col.Commands).To(HaveLen(3))
		Expect(col.MoreAvailable).To(BeTrue())
		col = d.SyncOnce(eas.SyncCollection{SyncKey: col.SyncKey, CollectionId: inbox, WindowSize: 3})
		Expect(col.Commands).To(HaveLen(1))
		Expect(col.MoreAvailable).To(BeFalse())
	})

	It("truncates bodies to the TruncationSize asked for", func() {
		key := prime()
		col := d.SyncOnce(eas.SyncCollection{SyncKey: key, CollectionId: inbox, Options: []eas.SyncOptions{{BodyPreference: []eas.BodyPreference{{Type: 1, TruncationSize: 10}}}}})
		for _, c := range col.Commands {
			var m eas.Email
			Expect(eas.DecodeItem(c.ApplicationData, &m)).To(Succeed())
			Expect(len(m.Body.Data)).To(BeNumerically("<=", 10))
			if *m.Body.EstimatedDataSize > 10 {
				Expect(*m.Body.Truncated).To(BeTrue())
			}
		}
	})

	It("answers status 3 to an unknown SyncKey and the same changes again to the previous one", func() {
		key := prime()
		first := d.SyncOnce(eas.SyncCollection{SyncKey: key, CollectionId: inbox})
		Expect(first.Commands).To(HaveLen(4))
		// The response was lost: the device resends the previous key.
		again := d.SyncOnce(eas.SyncCollection{SyncKey: key, CollectionId: inbox})
		Expect(again.Commands).To(HaveLen(4))
		Expect(again.SyncKey).To(Equal(first.SyncKey))
		bad := d.SyncOnce(eas.SyncCollection{SyncKey: "{00000000-0000-0000-0000-000000000000}9", CollectionId: inbox})
		Expect(bad.Status).To(Equal(int(eas.SyncStatusInvalidSyncKey)))
	})

	It("sends mail delivered after the last sync, and not the device's own changes", func() {
		key := prime()
		col := d.SyncOnce(eas.SyncCollection{SyncKey: key, CollectionId: inbox})
		env.Deliver("alice", "New order 4711")
		col = d.SyncOnce(eas.SyncCollection{SyncKey: col.SyncKey, CollectionId: inbox})
		Expect(col.Commands).To(HaveLen(1))
		newID := col.Commands[0].ServerId
		// Mark it read and delete another: the server applies both and does
		// not echo them back.
		yes := true
		read, err := eas.EncodeItem(&eas.Email{Read: &yes})
		Expect(err).NotTo(HaveOccurred())
		col = d.SyncOnce(eas.SyncCollection{SyncKey: col.SyncKey, CollectionId: inbox, Commands: eas.SyncCommands{
			{Kind: eas.SyncChange, ServerId: newID, ApplicationData: read},
			{Kind: eas.SyncDelete, ServerId: inbox + ":1"},
		}})
		Expect(col.Status).To(Equal(1))
		Expect(col.Commands).To(BeEmpty())
		it, ok := env.Mailbox("alice").Item(newID)
		Expect(ok).To(BeTrue())
		Expect(it.Prop(wbxml.LookupQualified("Email:Read"))).To(Equal("1"))
		deleted, _ := env.Mailbox("alice").FolderByType(eas.FolderTypeDeletedItems)
		Expect(env.Mailbox("alice").Items(deleted.ServerID)).To(HaveLen(1), "DeletesAsMoves is the default")
	})

	It("lets the server win a conflicting change unless the device asks for Conflict 0", func() {
		key := prime()
		col := d.SyncOnce(eas.SyncCollection{SyncKey: key, CollectionId: inbox})
		id := col.Commands[0].ServerId
		other := env.Device("alice", "SYNC2", eas.Version161)
		other.Provision()
		okey := other.SyncOnce(eas.SyncCollection{SyncKey: "0", CollectionId: inbox}).SyncKey
		okey = other.SyncOnce(eas.SyncCollection{SyncKey: okey, CollectionId: inbox}).SyncKey
		yes, no := true, false
		read, _ := eas.EncodeItem(&eas.Email{Read: &yes})
		unread, _ := eas.EncodeItem(&eas.Email{Read: &no})
		// The other device marks it read first.
		oc := other.SyncOnce(eas.SyncCollection{SyncKey: okey, CollectionId: inbox, Commands: eas.SyncCommands{{Kind: eas.SyncChange, ServerId: id, ApplicationData: read}}})
		Expect(oc.Status).To(Equal(1))
		// This device, not yet told, marks it unread: a conflict.
		col = d.SyncOnce(eas.SyncCollection{SyncKey: col.SyncKey, CollectionId: inbox, Commands: eas.SyncCommands{{Kind: eas.SyncChange, ServerId: id, ApplicationData: unread}}})
		Expect(col.Responses).To(ConsistOf(And(HaveField("ServerId", id), HaveField("Status", int(eas.SyncStatusConflict)))))
		Expect(col.Commands).To(ContainElement(And(HaveField("Kind", eas.SyncChange), HaveField("ServerId", id))), "the server's version follows")
		it, _ := env.Mailbox("alice").Item(id)
		Expect(it.Prop(wbxml.LookupQualified("Email:Read"))).To(Equal("1"))
		// With Conflict 0 the device's change wins.
		oc = other.SyncOnce(eas.SyncCollection{SyncKey: oc.SyncKey, CollectionId: inbox, Commands: eas.SyncCommands{{Kind: eas.SyncChange, ServerId: id, ApplicationData: read}}})
		zero := 0
		col = d.SyncOnce(eas.SyncCollection{SyncKey: col.SyncKey, CollectionId: inbox, Options: []eas.SyncOptions{{Conflict: &zero}}, Commands: eas.SyncCommands{{Kind: eas.SyncChange, ServerId: id, ApplicationData: unread}}})
		Expect(col.Responses).To(BeEmpty())
		it, _ = env.Mailbox("alice").Item(id)
		Expect(it.Prop(wbxml.LookupQualified("Email:Read"))).To(Equal("0"))
	})

	It("answers a hanging Sync when mail arrives, and empty when the wait ends", func() {
		key := prime()
		col := d.SyncOnce(eas.SyncCollection{SyncKey: key, CollectionId: inbox})
		done := make(chan *eas.SyncResponse, 1)
		go func() {
			defer GinkgoRecover()
			var r eas.SyncResponse
			d.Call(eas.CommandSync, &eas.SyncRequest{Wait: eas.NewInt(5), Collections: &eas.SyncCollections{Collection: []eas.SyncCollection{{SyncKey: col.SyncKey, CollectionId: inbox}}}}, &r)
			done <- &r
		}()
		Expect(env.Clock.BlockUntil(ctx(), 1)).To(Succeed())
		env.Deliver("alice", "Urgent")
		var r *eas.SyncResponse
		Eventually(done).Should(Receive(&r))
		Expect(r.Collections.Collection[0].Commands).To(HaveLen(1))

		next := r.Collections.Collection[0].SyncKey
		go func() {
			defer GinkgoRecover()
			var r eas.SyncResponse
			d.Call(eas.CommandSync, &eas.SyncRequest{Wait: eas.NewInt(5), Collections: &eas.SyncCollections{Collection: []eas.SyncCollection{{SyncKey: next, CollectionId: inbox}}}}, &r)
			done <- &r
		}()
		Expect(env.Clock.BlockUntil(ctx(), 1)).To(Succeed())
		env.Clock.Advance(5 * time.Minute)
		Eventually(done).Should(Receive(&r))
		Expect(r.Collections).To(BeNil(), "an expired wait is an empty response")
	})

	It("rejects an out-of-range Wait with status 14 and the limit", func() {
		var r eas.SyncResponse
		d.Call(eas.CommandSync, &eas.SyncRequest{Wait: eas.NewInt(90), Collections: &eas.SyncCollections{Collection: []eas.SyncCollection{{SyncKey: "0", CollectionId: inbox}}}}, &r)
		Expect(r.Status).To(Equal(int(eas.SyncStatusInvalidWaitOrHeartbeat)))
		Expect(r.Limit).To(Equal(59))
	})

	It("adds a device's new contact and answers with its ServerId", func() {
		contacts := d.FolderSync()["Contacts"].ServerId
		col := d.SyncOnce(eas.SyncCollection{SyncKey: "0", CollectionId: contacts})
		app, err := eas.EncodeItem(&eas.Contact{FirstName: "Don", LastName: "Funk", FileAs: "Funk, Don"})
		Expect(err).NotTo(HaveOccurred())
		col = d.SyncOnce(eas.SyncCollection{SyncKey: col.SyncKey, CollectionId: contacts, GetChanges: eas.NewBool(false), Commands: eas.SyncCommands{{Kind: eas.SyncAdd, ClientId: "c1", ApplicationData: app}}})
		Expect(col.Responses).To(HaveLen(1))
		Expect(col.Responses[0].Status).To(Equal(1))
		Expect(col.Responses[0].ClientId).To(Equal("c1"))
		_, ok := env.Mailbox("alice").Item(col.Responses[0].ServerId)
		Expect(ok).To(BeTrue())
	})
})

var _ = Describe("Ping", func() {
	It("reports changed folders, expires on the heartbeat, and bounds it", func() {
		env := newTestEnv(simulator.Options{})
		d := env.Device("alice", "PING1", eas.Version141)
		d.Provision()
		inbox := d.FolderSync()["Inbox"].ServerId
		col := d.SyncOnce(eas.SyncCollection{SyncKey: "0", CollectionId: inbox})
		d.SyncOnce(eas.SyncCollection{SyncKey: col.SyncKey, CollectionId: inbox})

		ping := &eas.PingRequest{HeartbeatInterval: 480, Folders: &eas.PingFolders{Folder: []eas.PingFolder{{Id: inbox, Class: "Email"}}}}
		done := make(chan eas.PingResponse, 1)
		send := func(req *eas.PingRequest) {
			go func() {
				defer GinkgoRecover()
				var r eas.PingResponse
				if req == nil {
					d.Call(eas.CommandPing, nil, &r)
				} else {
					d.Call(eas.CommandPing, req, &r)
				}
				done <- r
			}()
		}
		send(ping)
		Expect(env.Clock.BlockUntil(ctx(), 1)).To(Succeed())
		env.Clock.Advance(480 * time.Second)
		var r eas.PingResponse
		Eventually(done).Should(Receive(&r))
		Expect(r.Status).To(Equal(int(eas.PingStatusHeartbeatExpired)))

		send(nil) // an empty Ping reuses the last one
		Expect(env.Clock.BlockUntil(ctx(), 1)).To(Succeed())
		env.Deliver("alice", "Ping me")
		Eventually(done).Should(Receive(&r))
		Expect(r.Status).To(Equal(int(eas.PingStatusChangesOccurred)))
		Expect(r.Folders.Folder).To(ConsistOf(inbox))

		r = eas.PingResponse{}
		d.Call(eas.CommandPing, &eas.PingRequest{HeartbeatInterval: 10, Folders: ping.Folders}, &r)
		Expect(r.Status).To(Equal(int(eas.PingStatusHeartbeatOutOfBounds)))
		Expect(r.HeartbeatInterval).To(Equal(60))
		r = eas.PingResponse{}
		d.Call(eas.CommandPing, &eas.PingRequest{HeartbeatInterval: 480, Folders: &eas.PingFolders{Folder: []eas.PingFolder{{Id: "999", Class: "Email"}}}}, &r)
		Expect(r.Status).To(Equal(int(eas.PingStatusFolderSyncRequired)))
	})

	It("asks for the parameters when a first Ping is empty", func() {
		env := newTestEnv(simulator.Options{})
		d := env.Device("bob", "PING2", eas.Version141)
		d.Provision()
		d.FolderSync() // without a hierarchy, Exchange answers any Ping 7
		var r eas.PingResponse
		d.Call(eas.CommandPing, nil, &r)
		Expect(r.Status).To(Equal(int(eas.PingStatusMissingParameters)))
	})
})

var _ = Describe("GetItemEstimate and Settings", func() {
	It("estimates what a Sync would bring", func() {
		env := newTestEnv(simulator.Options{})
		d := env.Device("alice", "GIE1", eas.Version141)
		d.Provision()
		inbox := d.FolderSync()["Inbox"].ServerId
		var r eas.GetItemEstimateResponse
		req := func(key string) *eas.GetItemEstimateRequest {
			return &eas.GetItemEstimateRequest{Collections: &eas.GetItemEstimateCollections{Collection: []eas.GetItemEstimateCollection{{SyncKey: key, CollectionId: inbox}}}}
		}
		d.Call(eas.CommandGetItemEstimate, req("0"), &r)
		Expect(r.Response[0].Status).To(Equal(int(eas.GetItemEstimateStatusNotPrimed)))
		col := d.SyncOnce(eas.SyncCollection{SyncKey: "0", CollectionId: inbox})
		r = eas.GetItemEstimateResponse{}
		d.Call(eas.CommandGetItemEstimate, req(col.SyncKey), &r)
		Expect(r.Response[0].Status).To(Equal(1))
		Expect(*r.Response[0].Collection.Estimate).To(Equal(4))
	})

	It("records DeviceInformation and answers UserInformation and Oof", func() {
		env := newTestEnv(simulator.Options{})
		d := env.Device("alice", "SET1", eas.Version141)
		d.Provision()
		var r eas.SettingsResponse
		state := 1
		d.Call(eas.CommandSettings, &eas.SettingsRequest{
			DeviceInformation: simtest.DeviceInfo(),
			UserInformation:   &eas.UserInformation{Get: &eas.UserInformationGet{}},
			Oof:               &eas.Oof{Set: &eas.OofSettings{OofState: &state, OofMessage: []eas.OofMessage{{AppliesToInternal: true, Enabled: true, ReplyMessage: "Back Monday"}}}},
		}, &r)
		Expect(r.Status).To(Equal(1))
		Expect(r.DeviceInformation.Status).To(Equal(1))
		Expect(r.Oof.Status).To(Equal(1))
		Expect(r.UserInformation.Get.Accounts.Account[0].EmailAddresses.PrimarySmtpAddress).To(Equal("alice@contoso.com"))
		r = eas.SettingsResponse{}
		d.Call(eas.CommandSettings, &eas.SettingsRequest{Oof: &eas.Oof{Get: &eas.OofSettings{BodyType: "Text"}}}, &r)
		Expect(*r.Oof.Get.OofState).To(Equal(1))
		Expect(r.Oof.Get.OofMessage[0].ReplyMessage).To(Equal("Back Monday"))
		devs := env.Mailbox("alice").Devices()
		Expect(devs).To(ContainElement(And(HaveField("DeviceID", "SET1"), HaveField("Info.Model", "iPhone15C2"), HaveField("Info.FriendlyName", "Alice's iPhone"))))
	})
})

var _ = Describe("Autodiscover", func() {
	post := func(env *simtest.Env, path, user, body string) (*http.Response, string) {
		GinkgoHelper()
		req, _ := http.NewRequest(http.MethodPost, env.URL+path, strings.NewReader(body))
		req.Header.Set("Content-Type", "text/xml")
		if user != "" {
			req.SetBasicAuth(user, demo.Password)
		}
		resp, err := http.DefaultClient.Do(req)
		Expect(err).NotTo(HaveOccurred())
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp, string(b)
	}
	request := func(addr, schema string) string {
		return `<?xml version="1.0" encoding="utf-8"?><Autodiscover xmlns="http://schemas.microsoft.com/exchange/autodiscover/mobilesync/requestschema/2006"><Request><EMailAddress>` +
			addr + `</EMailAddress><AcceptableResponseSchema>` + schema + `</AcceptableResponseSchema></Request></Autodiscover>`
	}
	It("gives the ActiveSync URL of a known address, case-insensitively on the path", func() {
		env := newTestEnv(simulator.Options{})
		resp, body := post(env, "/Autodiscover/Autodiscover.xml", "alice@contoso.com", request("alice@contoso.com", eas.AutodiscoverResponseSchema))
		Expect(resp.StatusCode).To(Equal(http.StatusOK))
		r, err := eas.ParseAutodiscoverResponse(strings.NewReader(body))
		Expect(err).NotTo(HaveOccurred())
		Expect(r.User.DisplayName).To(Equal("Alice Wilber"))
		Expect(r.Action.Settings.Server[0].Type).To(Equal("MobileSync"))
		Expect(r.Action.Settings.Server[0].Url).To(Equal(env.EASURL))
	})
	It("answers an error for an unknown address, 600 for a bad request and 601 for another schema, 401 without credentials", func() {
		env := newTestEnv(simulator.Options{})
		_, body := post(env, "/autodiscover/autodiscover.xml", "alice", request("nobody@contoso.com", eas.AutodiscoverResponseSchema))
		r, err := eas.ParseAutodiscoverResponse(strings.NewReader(body))
		Expect(err).NotTo(HaveOccurred())
		Expect(r.Action.Error).NotTo(BeNil())
		Expect(r.Action.Error.Message).To(ContainSubstring("can't be found"))

		_, body = post(env, "/autodiscover/autodiscover.xml", "alice", "<Autodiscover>garbage")
		Expect(body).To(ContainSubstring("<ErrorCode>600</ErrorCode>"))
		_, body = post(env, "/autodiscover/autodiscover.xml", "alice", request("alice@contoso.com", "http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a"))
		Expect(body).To(ContainSubstring("<ErrorCode>601</ErrorCode>"))
		resp, _ := post(env, "/autodiscover/autodiscover.xml", "", request("alice@contoso.com", eas.AutodiscoverResponseSchema))
		Expect(resp.StatusCode).To(Equal(http.StatusUnauthorized))
	})
})

var _ = Describe("Health and robustness", func() {
	It("answers /healthz", func() {
		env := newTestEnv(simulator.Options{})
		resp, err := http.Get(env.URL + "/healthz")
		Expect(err).NotTo(HaveOccurred())
		resp.Body.Close()
		Expect(resp.StatusCode).To(Equal(http.StatusOK))
	})
})

var _ = Describe("Policy exemptions", func() {
	It("lets an unprovisioned device Ping, as Exchange does, but not Sync", func() {
		env := newTestEnv(simulator.Options{})
		d := env.Device("alice", "EXEMPT1", eas.Version141)
		var r eas.PingResponse
		d.Call(eas.CommandPing, &eas.PingRequest{HeartbeatInterval: 10, Folders: &eas.PingFolders{Folder: []eas.PingFolder{{Id: "1", Class: "Email"}}}}, &r)
		// The Ping is answered, not refused for the policy: with Ping's
		// Status 7, as the device has no hierarchy yet (Exchange's
		// PingCommand answers that before it reads the request).
		Expect(r.Status).To(Equal(int(eas.PingStatusFolderSyncRequired)))
		d.HasKey = true // policy key 0: it knows it must provision
		var s eas.SyncResponse
		d.Call(eas.CommandSync, &eas.SyncRequest{Collections: &eas.SyncCollections{Collection: []eas.SyncCollection{{SyncKey: "0", CollectionId: "1"}}}}, &s)
		Expect(s.Status).To(Equal(int(eas.StatusDeviceNotProvisioned)))
	})
})

var _ = Describe("Empty and Partial Sync", func() {
	It("repeats the last request at the current keys, and merges a Partial one", func() {
		env := newTestEnv(simulator.Options{})
		d := env.Device("alice", "PART1", eas.Version141)
		d.Provision()
		folders := d.FolderSync()
		inbox, cal := folders["Inbox"].ServerId, folders["Calendar"].ServerId
		var r eas.SyncResponse
		d.Call(eas.CommandSync, &eas.SyncRequest{Collections: &eas.SyncCollections{Collection: []eas.SyncCollection{{SyncKey: "0", CollectionId: inbox}, {SyncKey: "0", CollectionId: cal}}}}, &r)
		Expect(r.Collections.Collection).To(HaveLen(2))
		// Exchange keeps no initial request: an empty Sync after it is 13
		// (MSASCMD_S19_TC06, R4456).
		keys := map[string]string{}
		for _, col := range r.Collections.Collection {
			keys[col.CollectionId] = col.SyncKey
		}
		r = eas.SyncResponse{}
		d.Call(eas.CommandSync, nil, &r)
		Expect(r.Status).To(Equal(int(eas.SyncStatusIncompleteRequest)))
		// Then a request at the keys; an empty request after it repeats it
		// at the keys the server now holds.
		r = eas.SyncResponse{}
		d.Call(eas.CommandSync, &eas.SyncRequest{Collections: &eas.SyncCollections{Collection: []eas.SyncCollection{{SyncKey: keys[inbox], CollectionId: inbox}, {SyncKey: keys[cal], CollectionId: cal}}}}, &r)
		Expect(r.Collections.Collection).To(HaveLen(2))
		counts := map[string]int{}
		for _, col := range r.Collections.Collection {
			Expect(col.Status).To(Equal(1))
			counts[col.CollectionId] = len(col.Commands)
		}
		Expect(counts).To(Equal(map[string]int{inbox: 4, cal: 3}))
		env.Deliver("alice", "After the empty Sync")
		r = eas.SyncResponse{}
		d.Call(eas.CommandSync, nil, &r)
		Expect(r.Collections.Collection).To(ContainElement(And(HaveField("CollectionId", inbox), HaveField("Commands", HaveLen(1)))))
		Expect(r.Collections.Collection).To(ContainElement(And(HaveField("CollectionId", cal), HaveField("Commands", BeEmpty()))))
		// A Partial request naming only the Inbox, with a change: the
		// Calendar stays in the set.
		env.Deliver("alice", "Partial")
		var p eas.SyncResponse
		var inboxKey string
		for _, col := range r.Collections.Collection {
			if col.CollectionId == inbox {
				inboxKey = col.SyncKey
			}
		}
		d.Call(eas.CommandSync, &eas.SyncRequest{Partial: true, Collections: &eas.SyncCollections{Collection: []eas.SyncCollection{{SyncKey: inboxKey, CollectionId: inbox}}}}, &p)
		Expect(p.Collections.Collection).To(ContainElement(And(HaveField("CollectionId", inbox), HaveField("Commands", HaveLen(1)))))
		Expect(p.Collections.Collection).To(ContainElement(HaveField("CollectionId", cal)), "the cached Calendar stays in the set")
	})

	It("answers 13 to an empty or Partial Sync with nothing cached", func() {
		env := newTestEnv(simulator.Options{})
		d := env.Device("bob", "PART2", eas.Version141)
		d.Provision()
		var r eas.SyncResponse
		d.Call(eas.CommandSync, &eas.SyncRequest{Partial: true, Collections: &eas.SyncCollections{Collection: []eas.SyncCollection{{SyncKey: "0", CollectionId: "1"}}}}, &r)
		Expect(r.Status).To(Equal(int(eas.SyncStatusIncompleteRequest)))
	})
})

var _ = Describe("FilterType", func() {
	It("keeps what the filter window asks for, per class, and refuses values a class does not accept", func() {
		env := newTestEnv(simulator.Options{})
		Expect(demo.AddEvent(env.Mailbox("alice"), demo.Event{Subject: "Last month's offsite", In: -30 * 24 * time.Hour}, start)).To(Succeed())
		d := env.Device("alice", "FILTER1", eas.Version141)
		d.Provision()
		folders := d.FolderSync()
		count := func(id string, ft int) (int, int) {
			GinkgoHelper()
			col := d.SyncOnce(eas.SyncCollection{SyncKey: "0", CollectionId: id})
			// A FilterType the class does not take fails the whole Sync
			// with the top-level Status 4, as Exchange answers it
			// (MSASCMD_S19_TC11, R3080).
			var r eas.SyncResponse
			d.Call(eas.CommandSync, &eas.SyncRequest{Collections: &eas.SyncCollections{Collection: []eas.SyncCollection{
				{SyncKey: col.SyncKey, CollectionId: id, Options: []eas.SyncOptions{{FilterType: &ft}}}}}}, &r)
			if r.Collections == nil || len(r.Collections.Collection) == 0 {
				if r.Status != 0 {
					return 0, r.Status
				}
				return 0, 1
			}
			return len(r.Collections.Collection[0].Commands), r.Collections.Collection[0].Status
		}
		n, st := count(folders["Inbox"].ServerId, eas.FilterTypeOneDay)
		Expect(st).To(Equal(1))
		Expect(n).To(Equal(2), "mail of the last day only")
		n, _ = count(folders["Inbox"].ServerId, eas.FilterTypeAll)
		Expect(n).To(Equal(4))
		_, st = count(folders["Inbox"].ServerId, eas.FilterTypeIncompleteTasks)
		Expect(st).To(Equal(int(eas.SyncStatusProtocolError)))
		n, _ = count(folders["Calendar"].ServerId, eas.FilterTypeTwoWeeks)
		Expect(n).To(Equal(3), "the past offsite is out of the window")
		_, st = count(folders["Calendar"].ServerId, eas.FilterTypeOneDay)
		Expect(st).To(Equal(int(eas.SyncStatusProtocolError)))
		n, _ = count(folders["Tasks"].ServerId, eas.FilterTypeIncompleteTasks)
		Expect(n).To(Equal(2))
	})
})

var _ = Describe("Conversations", func() {
	// MS-ASEMAIL 2.2.2.14: Email2:ConversationId is sent from 14.0, so a
	// device can name a conversation to ItemOperations Move.
	It("names each message's conversation from 14.0 and moves it by that name", func() {
		env := newTestEnv(simulator.Options{})
		tag := wbxml.Lookup("Email2", "ConversationId")
		convOf := func(v eas.ProtocolVersion) []byte {
			d := env.Device("alice", fmt.Sprintf("CONV%d", v), v)
			d.Provision()
			inbox := d.FolderSync()["Inbox"].ServerId
			col := d.SyncOnce(eas.SyncCollection{SyncKey: "0", CollectionId: inbox})
			col = d.SyncOnce(eas.SyncCollection{SyncKey: col.SyncKey, CollectionId: inbox})
			Expect(col.Commands).NotTo(BeEmpty())
			n := col.Commands[0].ApplicationData.Find(tag)
			if n == nil {
				return nil
			}
			return n.Children[0].Data
		}
		Expect(convOf(eas.Version121)).To(BeNil(), "12.1 knows no ConversationId")
		id := convOf(eas.Version141)
		Expect(id).To(HaveLen(16))
		d := env.Device("alice", "CONVMOVE", eas.Version141)
		d.Provision()
		folders := d.FolderSync()
		var r eas.ItemOperationsResponse
		d.Call(eas.CommandItemOperations, &eas.ItemOperationsRequest{Operations: []eas.ItemOperation{{Move: &eas.ConversationMove{
			ConversationId: id, DstFldId: folders["Deleted Items"].ServerId, Options: &eas.ConversationMoveOptions{MoveAlways: true}}}}}, &r)
		Expect(r.Status).To(Equal(1))
		Expect(r.Response.Results[0].Move.Status).To(Equal(1))
		deleted, _ := env.Mailbox("alice").FolderByName("Deleted Items")
		Expect(env.Mailbox("alice").Items(deleted.ServerID)).NotTo(BeEmpty(), "the conversation is not in Deleted Items")
	})
})
