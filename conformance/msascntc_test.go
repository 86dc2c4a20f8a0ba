package conformance

import (
	"encoding/base64"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/easlab/easlab/eas"
	"github.com/easlab/easlab/wbxml"
)

// MS-ASCNTC: the Contact class (Interop-TestSuites
// ExchangeActiveSync/Source/MS-ASCNTC). Its suite runs at every
// ActiveSyncProtocolVersion from 12.1; the test of the recipient
// information cache runs from 14.0, as its Assume says.

const specCNTC = "MS-ASCNTC"

// The suite's users: User1 adds the contacts, User2 receives mail from
// User1.
const (
	cntcUser1 = "MSASCNTC_User01"
	cntcUser2 = "MSASCNTC_User02"
)

// cntcSuite is a running MS-ASCNTC test: its client, User1's Contacts
// folder and the last SyncKey GetSyncAddResult got.
type cntcSuite struct {
	*noteClient
	contacts string
	syncKey  string
}

// cntcLab deploys the suite's users and switches to User1.
func cntcLab(s *site) *cntcSuite {
	s.t.Helper()
	c := newNoteClient(s, cntcUser1, cntcUser2)
	return &cntcSuite{noteClient: c, contacts: c.folder(eas.FolderTypeContacts)}
}

// cntcProp is a contact property of SetContactProperties: its element,
// the value sent, the requirement VerifyContactClassElements captures
// when it comes back, and the one S01_TC02 captures when a Change that
// leaves it out keeps it (0: none).
type cntcProp struct {
	qname       string
	value       string
	verify      int
	ghostedKept int
}

// cntcProps are SetContactProperties' simple properties (FileAs, Body,
// Categories, Children and Picture are the contact's own).
var cntcProps = []cntcProp{
	{"Contacts2:AccountName", "Contact1", 97, 100},
	{"Contacts:Anniversary", "2012-10-01T00:00:00.000Z", 107, 110},
	{"Contacts:AssistantName", "Assistant", 112, 0},
	{"Contacts:AssistantPhoneNumber", "54689733", 117, 120},
	{"Contacts:Birthday", "1980-04-12T00:00:00.000Z", 122, 125},
	{"Contacts:BusinessPhoneNumber", "987654321", 158, 161},
	{"Contacts:Business2PhoneNumber", "123456789", 163, 166},
	{"Contacts:BusinessAddressCity", "Beijing", 130, 133},
	{"Contacts:BusinessAddressCountry", "China", 135, 138},
	{"Contacts:BusinessAddressPostalCode", "100080", 140, 700},
	{"Contacts:BusinessAddressState", "Haidian", 143, 146},
	{"Contacts:BusinessAddressStreet", "Danling", 148, 151},
	{"Contacts:BusinessFaxNumber", "0123456", 153, 156},
	{"Contacts:CarPhoneNumber", "123456789", 168, 171},
	{"Contacts2:CompanyMainPhone", "23456987", 195, 198},
	{"Contacts:CompanyName", "Microsoft", 200, 203},
	{"Contacts2:CustomerId", "Customer1", 205, 208},
	{"Contacts:Department", "Testing", 209, 212},
	{"Contacts:Email1Address", "Email1@contoso.com", 214, 217},
	{"Contacts:Email2Address", "Email2@contoso.com", 221, 224},
	{"Contacts:Email3Address", "Email3@contoso.com", 226, 229},
	{"Contacts:FirstName", "Aaron", 238, 241},
	{"Contacts2:GovernmentId", "99910819810809502X", 243, 246},
	{"Contacts:Home2PhoneNumber", "1234568742", 283, 286},
	{"Contacts:HomeAddressCity", "Princeton", 248, 251},
	{"Contacts:HomeAddressCountry", "United States", 253, 256},
	{"Contacts:HomeAddressPostalCode", "08989", 258, 261},
	{"Contacts:HomeAddressState", "New Jersey", 263, 266},
	{"Contacts:HomeAddressStreet", "Nassauy", 268, 271},
	{"Contacts:HomeFaxNumber", "012345678", 273, 276},
	{"Contacts:HomePhoneNumber", "014578932", 278, 281},
	{"Contacts2:IMAddress", "InstantIMAddress", 288, 291},
	{"Contacts2:IMAddress2", "AlternativeIMAddress", 293, 296},
	{"Contacts2:IMAddress3", "TertiaryIMAddress", 298, 301},
	{"Contacts:JobTitle", "Tester", 303, 306},
	{"Contacts:LastName", "Clinton", 308, 311},
	{"Contacts2:ManagerName", "Jodge", 313, 316},
	{"Contacts:MiddleName", "Jafferson", 318, 321},
	{"Contacts2:MMS", "mms://enmms.chinabroadcast.cn", 323, 326},
	{"Contacts:MobilePhoneNumber", "12345678932", 328, 331},
	{"Contacts2:NickName", "Ara", 333, 336},
	{"Contacts:OfficeLocation", "Beijing", 338, 341},
	{"Contacts:OtherAddressCity", "Toronto", 343, 346},
	{"Contacts:OtherAddressCountry", "Canada", 348, 351},
	{"Contacts:OtherAddressPostalCode", "K1N5H3", 353, 356},
	{"Contacts:OtherAddressState", "Ontario", 358, 361},
	{"Contacts:OtherAddressStreet", "Avenue", 363, 366},
	{"Contacts:PagerNumber", "1", 368, 371},
	{"Contacts:RadioPhoneNumber", "1234562589", 385, 388},
	{"Contacts:Spouse", "Emily", 390, 393},
	{"Contacts:Suffix", "CL.", 395, 398},
	{"Contacts:Title", "Test", 400, 403},
	{"Contacts:WebPage", "http://Test.html", 405, 408},
	{"Contacts:YomiCompanyName", "Sony", 417, 420},
	{"Contacts:YomiFirstName", "Hanasaki", 422, 425},
	{"Contacts:YomiLastName", "Tsuki", 427, 430},
}

// The sizes of the suite's photos (Resources/SmallPhoto.jpg and
// BigPhoto.jpg): one under the 48 KB a contact's Picture may have, one
// over.
const (
	cntcSmallPhoto = 2278
	cntcBigPhoto   = 62488
)

// cntcPhoto is a photo of size bytes, base64-encoded.
func cntcPhoto(size int) string {
	b := make([]byte, size)
	for i := range b {
		b[i] = byte(i * 7)
	}
	copy(b, []byte{0xFF, 0xD8, 0xFF, 0xE0})
	return base64.StdEncoding.EncodeToString(b)
}

// cntcContact is a contact SetContactProperties makes: its FileAs, body,
// category, child, photo and ApplicationData.
type cntcContact struct {
	fileAs, body, category, child, picture string
	app                                    *wbxml.Node
}

// setContactProperties is the suite's SetContactProperties: every simple
// property, a FileAs, a body, a category, a child and, when photo is not
// 0, a photo of that size.
func (c *cntcSuite) setContactProperties(photo int) *cntcContact {
	k := &cntcContact{fileAs: c.name("Contact"), body: c.name("Body"), category: specCNTC + "Category", child: c.name("Child")}
	app := cmdNode("AirSync:ApplicationData", cmdText("Contacts:FileAs", k.fileAs))
	for _, p := range cntcProps {
		app.Children = append(app.Children, cmdText(p.qname, p.value))
	}
	app.Children = append(app.Children,
		cmdNode("AirSyncBase:Body", cmdText("AirSyncBase:Type", "1"), cmdText("AirSyncBase:Data", k.body)),
		cmdNode("Contacts:Categories", cmdText("Contacts:Category", k.category)),
		cmdNode("Contacts:Children", cmdText("Contacts:Child", k.child)))
	if photo > 0 {
		k.picture = cntcPhoto(photo)
		app.Children = append(app.Children, cmdText("Contacts:Picture", k.picture))
	}
	k.app = app
	return k
}

// addContact is the suite's AddContact: an initial Sync of collection,
// then the Add of app, whose collection must succeed; it returns the
// Add's Status.
func (c *cntcSuite) addContact(app *wbxml.Node) int {
	c.s.t.Helper()
	key := c.initialKey(c.contacts, nil)
	r := c.commands(c.contacts, key, nil, eas.SyncCommand{Kind: eas.SyncAdd, ClientId: noteClientID(), ApplicationData: app})
	col := c.collection(r)
	if col.Status != 1 || len(col.Responses) != 1 {
		c.s.t.Fatalf("adding a contact: the collection has Status %d and %d responses", col.Status, len(col.Responses))
	}
	return noteAddStatus(r)
}

// getSyncAddResult is the suite's GetSyncAddResult: an initial Sync of
// collection (with supported), then a Sync of its items with prefs; it
// returns the Add of the item whose FileAs (or Subject) is name, which
// must be there, and keeps the answer's SyncKey.
func (c *cntcSuite) getSyncAddResult(name, collection string, supported eas.TagList, prefs ...eas.BodyPreference) eas.SyncCommand {
	c.s.t.Helper()
	key := c.initialKey(collection, supported)
	r := c.changes(collection, key, prefs...)
	col := c.collection(r)
	for _, a := range noteCommands(r, eas.SyncAdd) {
		if collection == c.contacts {
			c.verifyContact(a.ApplicationData, 493)
		}
		if v, _ := cmdChild(a.ApplicationData, "FileAs"); v == name || cmdSubject(a.ApplicationData) == name {
			c.syncKey = col.SyncKey
			return a
		}
	}
	c.s.t.Fatalf("the item %q is not in folder %s", name, collection)
	return eas.SyncCommand{}
}

// verifyContactClassElements is the suite's VerifyContactClassElements:
// each property of k comes back in props as it was sent.
func (c *cntcSuite) verifyContactClassElements(k *cntcContact, props *wbxml.Node) {
	c.s.t.Helper()
	s := c.s
	for _, p := range cntcProps {
		got := cmdField(props, p.qname)
		switch {
		case strings.HasSuffix(p.qname, "Anniversary"), strings.HasSuffix(p.qname, "Birthday"):
			s.capture(p.verify, cntcSameDate(p.value, got), "%s is %q, want %q", p.qname, got, p.value)
		case strings.Contains(p.qname, "Email"):
			s.capture(p.verify, strings.Contains(got, p.value), "%s is %q, want it to hold %q", p.qname, got, p.value)
		default:
			s.equal(p.verify, p.qname, p.value, got)
		}
	}
	s.equal(231, "FileAs", k.fileAs, cmdField(props, "Contacts:FileAs"))
	var body string
	if b := props.Find(cmdTag("AirSyncBase:Body")); b != nil {
		body = cmdField(b, "AirSyncBase:Data")
	}
	s.equal(1120, "the body's Data", k.body, body)
	s.capture(1030, props.Find(cmdTag("Contacts:Categories")) != nil, "the contact has no Categories")
	children := props.Find(cmdTag("Contacts:Children"))
	s.capture(10040, children != nil, "the contact has no Children")
	s.equal(190, "the first Child", k.child, cmdField(children, "Contacts:Child"))
	if k.picture != "" {
		got := cmdField(props, "Contacts:Picture")
		s.capture(373, got == k.picture, "the Picture (%d characters) is not the one sent (%d)", len(got), len(k.picture))
		s.capture(1021, got != "", "the contact added with a photo has no Picture")
		pic, err := base64.StdEncoding.DecodeString(got)
		s.capture(381, err == nil && len(pic) <= 48*1024, "the Picture is %d bytes (decoding: %v)", len(pic), err)
	}
}

// cntcStringIDs are the requirements the suite's adapter captures for a
// contact element of the string type, when the element is there
// (CaptureCode VerifyContactClassElements).
var cntcStringIDs = map[string]int{
	"AccountName": 99, "AssistantName": 114, "AssistantPhoneNumber": 119, "BusinessAddressCity": 132,
	"BusinessAddressCountry": 137, "BusinessAddressPostalCode": 142, "BusinessAddressState": 145,
	"BusinessAddressStreet": 150, "BusinessFaxNumber": 155, "BusinessPhoneNumber": 160,
	"Business2PhoneNumber": 165, "CarPhoneNumber": 170, "CompanyMainPhone": 197, "CompanyName": 202,
	"CustomerId": 207, "Department": 211, "Email1Address": 216, "Email2Address": 223, "Email3Address": 228,
	"FileAs": 233, "FirstName": 240, "GovernmentId": 245, "HomeAddressCity": 250, "HomeAddressCountry": 255,
	"HomeAddressPostalCode": 260, "HomeAddressState": 265, "HomeAddressStreet": 270, "HomeFaxNumber": 275,
	"HomePhoneNumber": 280, "Home2PhoneNumber": 285, "IMAddress": 290, "IMAddress2": 295, "IMAddress3": 300,
	"JobTitle": 305, "LastName": 310, "ManagerName": 315, "MiddleName": 320, "MMS": 325,
	"MobilePhoneNumber": 330, "NickName": 335, "OfficeLocation": 340, "OtherAddressCity": 345,
	"OtherAddressCountry": 350, "OtherAddressPostalCode": 355, "OtherAddressState": 360,
	"OtherAddressStreet": 365, "PagerNumber": 370, "RadioPhoneNumber": 387, "Spouse": 392, "Suffix": 397,
	"Title": 402, "WebPage": 407, "YomiCompanyName": 419, "YomiFirstName": 424, "YomiLastName": 429,
}

// verifyContact is what the suite's adapter checks of every contact an
// answer carries: each element of the Contact class (id, when not 0,
// that the contact holds only those) has its type: strings are text,
// Anniversary and Birthday dates, Body, Categories and Children
// containers (Categories of at least one Category), Picture base64 and
// WeightedRank an integer.
func (c *cntcSuite) verifyContact(props *wbxml.Node, id int) {
	c.s.t.Helper()
	s := c.s
	leaf := func(e *wbxml.Node) bool { return len(e.Elements()) == 0 }
	var others []string
	for _, e := range props.Elements() {
		name := e.Tag.Name
		switch ns := e.Tag.Namespace; {
		case ns != "Contacts" && ns != "Contacts2" && ns != "AirSyncBase":
			others = append(others, e.Tag.String())
		case cntcStringIDs[name] != 0:
			s.capture(cntcStringIDs[name], leaf(e), "the contact's %s has child elements", name)
		case name == "Anniversary" || name == "Birthday":
			_, err := time.Parse("2006-01-02T15:04:05.000Z", e.Text())
			s.capture(map[string]int{"Anniversary": 109, "Birthday": 124}[name], leaf(e) && err == nil, "the contact's %s is %q", name, e.Text())
		case name == "Body":
			s.capture(127, e.Find(cmdTag("AirSyncBase:Type")) != nil, "the contact's Body (%s) has no Type", noteElementNames(e))
		case name == "Categories":
			cats := e.FindAll(cmdTag("Contacts:Category"))
			s.capture(173, len(cats) == len(e.Elements()), "the contact's Categories holds %s", noteElementNames(e))
			s.capture(517, len(cats) > 0, "the contact's Categories has no Category")
		case name == "Children":
			kids := e.FindAll(cmdTag("Contacts:Child"))
			s.capture(184, len(kids) == len(e.Elements()), "the contact's Children holds %s", noteElementNames(e))
		case name == "Picture":
			_, err := base64.StdEncoding.DecodeString(e.Text())
			s.capture(379, leaf(e), "the contact's Picture has child elements")
			s.capture(506, err == nil, "the contact's Picture is not base64: %v", err)
		case name == "WeightedRank":
			_, err := strconv.Atoi(e.Text())
			s.capture(412, err == nil, "the WeightedRank is %q", e.Text())
		}
	}
	if id != 0 {
		s.capture(id, len(others) == 0, "the contact holds elements of other classes: %s", strings.Join(others, ", "))
	}
}

// cntcSameDate reports whether two dates are the same instant.
func cntcSameDate(want, got string) bool {
	w, err1 := time.Parse("2006-01-02T15:04:05.000Z", want)
	g, err2 := time.Parse("2006-01-02T15:04:05.000Z", got)
	return err1 == nil && err2 == nil && w.Equal(g)
}

// MSASCNTC_S01_TC01: a contact added with Sync comes back with every
// property, and without WeightedRank.
func TestMSASCNTC_S01_TC01_Sync_AddContact(t *testing.T) {
	atVersions(t, specCNTC, versions, func(t *testing.T, s *site) {
		c := cntcLab(s)
		k := c.setContactProperties(cntcSmallPhoto)
		if st := c.addContact(k.app); st != 1 {
			s.t.Fatalf("adding the contact: Status %d, want 1", st)
		}
		added := c.getSyncAddResult(k.fileAs, c.contacts, nil, eas.BodyPreference{Type: 1})
		if noteHasElement(added.ApplicationData, "WeightedRank") {
			s.t.Errorf("the contact synced from the Contacts folder has a WeightedRank")
		}
		c.verifyContactClassElements(k, added.ApplicationData)
	})
}

// cntcGhosted adds a contact, syncs it with Supported naming supported,
// changes that property alone to edited, and returns the contact as added
// and as changed.
func cntcGhosted(c *cntcSuite, supported, edited string, prefs ...eas.BodyPreference) (k *cntcContact, added, changed *wbxml.Node) {
	c.s.t.Helper()
	k = c.setContactProperties(0)
	if st := c.addContact(k.app); st != 1 {
		c.s.t.Fatalf("adding the contact: Status %d, want 1", st)
	}
	a := c.getSyncAddResult(k.fileAs, c.contacts, eas.TagList{cmdTag(supported)}, prefs...)
	change := eas.SyncCommand{Kind: eas.SyncChange, ServerId: a.ServerId, ApplicationData: cmdNode("AirSync:ApplicationData", cmdText(supported, edited))}
	r := c.sync(&eas.SyncRequest{Collections: &eas.SyncCollections{Collection: []eas.SyncCollection{{
		SyncKey: c.syncKey, CollectionId: c.contacts, GetChanges: eas.NewBool(true), Commands: eas.SyncCommands{change},
	}}}})
	if col := c.collection(r); col.Status != 1 {
		c.s.t.Fatalf("changing the contact: Status %d", col.Status)
	}
	// GetSyncChangeResult: the changes since the key the Change was sent
	// with.
	r = c.changes(c.contacts, c.syncKey, prefs...)
	for _, ch := range noteCommands(r, eas.SyncChange) {
		c.verifyContact(ch.ApplicationData, 494)
		if v, _ := cmdChild(ch.ApplicationData, "FileAs"); v == k.fileAs {
			changed = ch.ApplicationData
		}
	}
	if changed == nil {
		c.s.t.Fatalf("the changed contact %q is not among the changes", k.fileAs)
	}
	if got := cmdField(changed, supported); got != edited {
		c.s.t.Errorf("the changed %s is %q, want %q", supported, got, edited)
	}
	return k, a.ApplicationData, changed
}

// MSASCNTC_S01_TC02: properties that are not in Supported and that a
// Change leaves out keep their values.
func TestMSASCNTC_S01_TC02_Sync_GhostedElements_ExceptAssistantName(t *testing.T) {
	atVersions(t, specCNTC, versions, func(t *testing.T, s *site) {
		c := cntcLab(s)
		_, added, changed := cntcGhosted(c, "Contacts:AssistantName", "EditedAssistantName")
		all := true
		for _, p := range cntcProps {
			if p.ghostedKept == 0 {
				continue
			}
			before, after := cmdField(added, p.qname), cmdField(changed, p.qname)
			s.equal(p.ghostedKept, p.qname+" after a Change that leaves it out", before, after)
			all = all && before == after
		}
		first := func(n *wbxml.Node, list, item string) string {
			return cmdField(n.Find(cmdTag(list)), item)
		}
		cat := first(added, "Contacts:Categories", "Contacts:Category") == first(changed, "Contacts:Categories", "Contacts:Category")
		s.capture(177, cat, "the Category after the Change is %q, was %q", first(changed, "Contacts:Categories", "Contacts:Category"), first(added, "Contacts:Categories", "Contacts:Category"))
		child := first(added, "Contacts:Children", "Contacts:Child") == first(changed, "Contacts:Children", "Contacts:Child")
		s.capture(188, child, "the Child after the Change is %q, was %q", first(changed, "Contacts:Children", "Contacts:Child"), first(added, "Contacts:Children", "Contacts:Child"))
		s.equal(234, "FileAs after a Change that leaves it out", cmdField(added, "Contacts:FileAs"), cmdField(changed, "Contacts:FileAs"))
		s.capture(499, all && cat && child, "a ghosted property lost its value in the Change")
	})
}

// MSASCNTC_S01_TC03: AssistantName, not in Supported, and the body keep
// their values when a Change leaves them out.
func TestMSASCNTC_S01_TC03_Sync_GhostedElement_AssistantName(t *testing.T) {
	atVersions(t, specCNTC, versions, func(t *testing.T, s *site) {
		c := cntcLab(s)
		_, added, changed := cntcGhosted(c, "Contacts:JobTitle", "EditedJobTitle", eas.BodyPreference{Type: 1})
		s.equal(115, "AssistantName after a Change that leaves it out", cmdField(added, "Contacts:AssistantName"), cmdField(changed, "Contacts:AssistantName"))
		body := func(n *wbxml.Node) string { return cmdField(n.Find(cmdTag("AirSyncBase:Body")), "AirSyncBase:Data") }
		s.equal(461, "the body after a Change that leaves it out", body(added), body(changed))
	})
}

// MSASCNTC_S01_TC04: the recipient information cache holds the people
// the user mailed, with WeightedRank, FileAs and Email1Address and no
// Alias (from 14.0).
func TestMSASCNTC_S01_TC04_Sync_RefreshRecipientInformationCache(t *testing.T) {
	atVersions(t, specCNTC, from(eas.Version140), func(t *testing.T, s *site) {
		c := cntcLab(s)
		ric := c.folder(eas.FolderTypeRecipientInfoCache)
		subject := c.name("Subject")
		mime := cmdAttachmentMIME(mailAddress(cntcUser1), mailAddress(cntcUser2), subject, c.name("Body"))
		a := c.send(eas.CommandSendMail, &eas.SendMailRequest{ClientId: noteClientID(), Mime: []byte(mime)})
		if len(a.Body) != 0 {
			s.t.Fatalf("SendMail answered a body, want none")
		}
		c.switchUser(cntcUser2)
		c.getSyncAddResult(subject, c.folder(eas.FolderTypeInbox), nil)
		c.switchUser(cntcUser1)

		key := c.initialKey(ric, nil)
		r := c.changes(ric, key)
		adds := noteCommands(r, eas.SyncAdd)
		if len(adds) == 0 {
			for _, id := range []int{415, 410, 236, 219, 1010} {
				s.capture(id, false, "the recipient information cache has no item after a mail to %s", cntcUser2)
			}
			return
		}
		for _, x := range adds {
			s.capture(415, noteHasElement(x.ApplicationData, "WeightedRank"), "a recipient (%s) has no WeightedRank", noteElementNames(x.ApplicationData))
			s.capture(410, noteHasElement(x.ApplicationData, "WeightedRank"), "a recipient (%s) has no WeightedRank", noteElementNames(x.ApplicationData))
			s.capture(236, noteHasElement(x.ApplicationData, "FileAs"), "a recipient (%s) has no FileAs", noteElementNames(x.ApplicationData))
			s.capture(219, noteHasElement(x.ApplicationData, "Email1Address"), "a recipient (%s) has no Email1Address", noteElementNames(x.ApplicationData))
			s.capture(1010, !noteHasElement(x.ApplicationData, "Alias"), "a recipient has an Alias")
		}
	})
}

// MSASCNTC_S01_TC05: a contact whose Picture is over 48 KB is refused.
func TestMSASCNTC_S01_TC05_Sync_Status6_PictureExceeds48KB(t *testing.T) {
	atVersions(t, specCNTC, versions, func(t *testing.T, s *site) {
		c := cntcLab(s)
		k := c.setContactProperties(cntcBigPhoto)
		s.equal(384, "the Status of the Add of a contact with a 61 KB photo", 6, c.addContact(k.app))
	})
}

// cntcMany adds a contact with a FileAs and 300 children of list (each
// item+number) and captures id when all 300 come back.
func cntcMany(t *testing.T, id int, list, item string) {
	atVersions(t, specCNTC, versions, func(t *testing.T, s *site) {
		c := cntcLab(s)
		fileAs := c.name("Contact")
		l := cmdNode(list)
		short := item[strings.IndexByte(item, ':')+1:]
		for i := 1; i <= 300; i++ {
			l.Children = append(l.Children, cmdText(item, short+strconv.Itoa(i)))
		}
		if st := c.addContact(cmdNode("AirSync:ApplicationData", l, cmdText("Contacts:FileAs", fileAs))); st != 1 {
			s.t.Fatalf("adding the contact: Status %d, want 1", st)
		}
		added := c.getSyncAddResult(fileAs, c.contacts, nil)
		n := 0
		if got := added.ApplicationData.Find(cmdTag(list)); got != nil {
			n = len(got.FindAll(cmdTag(item)))
		}
		s.equal(id, "the number of "+short+" elements", 300, n)
	})
}

// MSASCNTC_S01_TC06: a contact keeps 300 categories.
func TestMSASCNTC_S01_TC06_Sync_AddContact_300CategoryElements(t *testing.T) {
	cntcMany(t, 183, "Contacts:Categories", "Contacts:Category")
}

// MSASCNTC_S01_TC07: a contact keeps 300 children.
func TestMSASCNTC_S01_TC07_Sync_AddContact_300ChildElements(t *testing.T) {
	cntcMany(t, 194, "Contacts:Children", "Contacts:Child")
}

// cntcBodyData is the body data of a contact's ApplicationData.
func cntcBodyData(n *wbxml.Node) string {
	return cmdField(n.Find(cmdTag("AirSyncBase:Body")), "AirSyncBase:Data")
}

// MSASCNTC_S01_TC08: a body longer than TruncationSize is truncated.
func TestMSASCNTC_S01_TC08_Sync_TruncatedBody(t *testing.T) {
	atVersions(t, specCNTC, versions, func(t *testing.T, s *site) {
		c := cntcLab(s)
		k := c.setContactProperties(0)
		if st := c.addContact(k.app); st != 1 {
			s.t.Fatalf("adding the contact: Status %d, want 1", st)
		}
		added := c.getSyncAddResult(k.fileAs, c.contacts, nil, eas.BodyPreference{Type: 1, TruncationSize: 8})
		s.equal(512, "the body truncated to 8 bytes", k.body[:8], cntcBodyData(added.ApplicationData))
	})
}

// MSASCNTC_S01_TC09: a body no longer than TruncationSize is whole.
func TestMSASCNTC_S01_TC09_Sync_NonTruncatedBody(t *testing.T) {
	atVersions(t, specCNTC, versions, func(t *testing.T, s *site) {
		c := cntcLab(s)
		k := c.setContactProperties(0)
		if st := c.addContact(k.app); st != 1 {
			s.t.Fatalf("adding the contact: Status %d, want 1", st)
		}
		added := c.getSyncAddResult(k.fileAs, c.contacts, nil, eas.BodyPreference{Type: 1})
		s.equal(460, "the body", k.body, cntcBodyData(added.ApplicationData))
	})
}

// getItemOperationsResult is the suite's GetItemOperationsResult: a Fetch
// of serverID with prefs and schema, whose single result must hold the
// contact; it returns the result's Properties.
func (c *cntcSuite) getItemOperationsResult(serverID string, schema eas.TagList, prefs ...eas.BodyPreference) *wbxml.Node {
	c.s.t.Helper()
	var opts *eas.FetchOptions
	if schema != nil || len(prefs) > 0 {
		opts = &eas.FetchOptions{Schema: schema, BodyPreference: prefs}
	}
	r := c.itemOperations(&eas.ItemOperationsRequest{Operations: []eas.ItemOperation{{Fetch: &eas.Fetch{
		Store: eas.SearchStoreMailbox, CollectionId: c.contacts, ServerId: serverID, Options: opts,
	}}}})
	f := noteFetches(r)
	if len(f) != 1 || f[0].Properties == nil {
		c.s.t.Fatalf("the Fetch of the contact answered %d results", len(f))
	}
	c.verifyContact(f[0].Properties, 486)
	return f[0].Properties
}

// MSASCNTC_S02_TC01: an ItemOperations Fetch returns the contact with
// every property.
func TestMSASCNTC_S02_TC01_ItemOperations_RetrieveContact(t *testing.T) {
	atVersions(t, specCNTC, versions, func(t *testing.T, s *site) {
		c := cntcLab(s)
		k := c.setContactProperties(cntcSmallPhoto)
		if st := c.addContact(k.app); st != 1 {
			s.t.Fatalf("adding the contact: Status %d, want 1", st)
		}
		added := c.getSyncAddResult(k.fileAs, c.contacts, nil)
		c.verifyContactClassElements(k, c.getItemOperationsResult(added.ServerId, nil, eas.BodyPreference{Type: 1}))
	})
}

// MSASCNTC_S02_TC02: an ItemOperations Fetch truncates the body to
// TruncationSize.
func TestMSASCNTC_S02_TC02_ItemOperations_TruncateBody(t *testing.T) {
	atVersions(t, specCNTC, versions, func(t *testing.T, s *site) {
		c := cntcLab(s)
		k := c.setContactProperties(cntcSmallPhoto)
		if st := c.addContact(k.app); st != 1 {
			s.t.Fatalf("adding the contact: Status %d, want 1", st)
		}
		added := c.getSyncAddResult(k.fileAs, c.contacts, nil)
		props := c.getItemOperationsResult(added.ServerId, nil, eas.BodyPreference{Type: 1, TruncationSize: 8})
		if got := cntcBodyData(props); got != k.body[:8] {
			s.t.Errorf("the fetched body truncated to 8 bytes is %q, want %q", got, k.body[:8])
		}
	})
}

// MSASCNTC_S02_TC03: an ItemOperations Fetch with a Schema of FileAs
// returns FileAs alone.
func TestMSASCNTC_S02_TC03_ItemOperations_SchemaViewFetch(t *testing.T) {
	atVersions(t, specCNTC, versions, func(t *testing.T, s *site) {
		c := cntcLab(s)
		k := c.setContactProperties(0)
		if st := c.addContact(k.app); st != 1 {
			s.t.Fatalf("adding the contact: Status %d, want 1", st)
		}
		added := c.getSyncAddResult(k.fileAs, c.contacts, nil)
		props := c.getItemOperationsResult(added.ServerId, eas.TagList{cmdTag("Contacts:FileAs")})
		names := noteElementNames(props)
		s.capture(485, names == "FileAs", "the contact fetched with a Schema of FileAs has %s", names)
	})
}

// MSASCNTC_S03_TC01: a Search of the Contacts folder returns the contact
// with every property.
func TestMSASCNTC_S03_TC01_Search_RetrieveContact(t *testing.T) {
	atVersions(t, specCNTC, versions, func(t *testing.T, s *site) {
		c := cntcLab(s)
		k := c.setContactProperties(cntcSmallPhoto)
		if st := c.addContact(k.app); st != 1 {
			s.t.Fatalf("adding the contact: Status %d, want 1", st)
		}
		// The query is the FileAs up to its first underscore; the Search
		// has no Class.
		query := k.fileAs[:strings.IndexByte(k.fileAs, '_')]
		req := mailboxSearch("", c.contacts, query, "0-9", eas.BodyPreference{Type: 1})
		req.Store.Query.And.Class = nil
		var found *wbxml.Node
		for _, res := range noteResults(c.search(req)) {
			c.verifyContact(res.Properties, 490)
			if cmdField(res.Properties, "Contacts:FileAs") == k.fileAs {
				found = res.Properties
			}
		}
		if found == nil {
			s.t.Fatalf("the Search for %q did not find the contact %q", query, k.fileAs)
		}
		c.verifyContactClassElements(k, found)
	})
}
