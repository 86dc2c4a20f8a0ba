package conformance

import (
	"testing"

	"github.com/easlab/easlab/eas"
	"github.com/easlab/easlab/wbxml"
)

// MS-ASCMD S14: the Search command. The requests are built as trees, in
// the order the suite writes them (Name, Options, Query), so that the
// tests that move an element out of And can say where it goes.

// cmd2SearchStore is a Mailbox Store with options and query children.
func cmd2SearchStore(options []*wbxml.Node, query ...*wbxml.Node) *wbxml.Node {
	store := cmdNode("Search:Store", cmdText("Search:Name", "Mailbox"))
	if options != nil {
		store.Children = append(store.Children, cmdNode("Search:Options", options...))
	}
	store.Children = append(store.Children, cmdNode("Search:Query", query...))
	return store
}

// cmd2Search is a Search request with stores.
func cmd2Search(stores ...*wbxml.Node) *wbxml.Node { return cmdNode("Search:Search", stores...) }

// cmd2DeepTraversal is the default Options: DeepTraversal.
func cmd2DeepTraversal() []*wbxml.Node { return []*wbxml.Node{cmdNode("Search:DeepTraversal")} }

// cmd2DefaultQuery is the suite's default And: Class Email, the Inbox and
// FreeText "FreeText".
func (c *cmd2Client) cmd2DefaultQuery(freeText string) []*wbxml.Node {
	return []*wbxml.Node{cmdText("AirSync:Class", "Email"), cmdText("AirSync:CollectionId", c.inbox()), cmdText("Search:FreeText", freeText)}
}

// cmd2DefaultSearch is S14's CreateDefaultSearchRequest.
func (c *cmd2Client) cmd2DefaultSearch() *wbxml.Node {
	return cmd2Search(cmd2SearchStore(cmd2DeepTraversal(), cmdNode("Search:And", c.cmd2DefaultQuery("FreeText")...)))
}

// search sends a Search as the current user.
func (c *cmd2Client) search(body *wbxml.Node) *eas.SearchResponse {
	c.s.t.Helper()
	var resp eas.SearchResponse
	c.send(eas.CommandSearch, body).decode(c.s, &resp)
	return &resp
}

// cmd2StoreStatus is the Store's Status (0 when there is none), as
// Common.GetSearchStatusCode reads it.
func cmd2StoreStatus(resp *eas.SearchResponse) int {
	if resp.Response == nil || resp.Response.Store == nil {
		return 0
	}
	return resp.Response.Store.Status
}

// cmd2Results are the Store's results.
func cmd2Results(resp *eas.SearchResponse) []eas.SearchResult {
	if resp.Response == nil || resp.Response.Store == nil {
		return nil
	}
	return resp.Response.Store.Result
}

// MSASCMD_S14_TC01: the default search succeeds.
func TestMSASCMD_S14_TC01_Search_Success(t *testing.T) {
	atVersions(t, cmdSpec, from(eas.Version121), func(t *testing.T, s *site) {
		c := cmd2Lab(s)
		resp := c.search(c.cmd2DefaultSearch())
		s.equal(4327, "the Store Status of the default search", 1, cmd2StoreStatus(resp))
	})
}

// MSASCMD_S14_TC02: two And elements in a Query are Status 8.
func TestMSASCMD_S14_TC02_Search_MultipleAndElements(t *testing.T) {
	atVersions(t, cmdSpec, from(eas.Version121), func(t *testing.T, s *site) {
		c := cmd2Lab(s)
		resp := c.search(cmd2Search(cmd2SearchStore(cmd2DeepTraversal(), cmdNode("Search:And", c.cmd2DefaultQuery("FreeText")...), cmdNode("Search:And"))))
		s.equal(772, "the Store Status with two And elements", 8, cmd2StoreStatus(resp))
	})
}

// cmd2TooComplex sends the default search with element moved out of And,
// before it, and returns the Store Status.
func (c *cmd2Client) cmd2Outside(element *wbxml.Node, rest []*wbxml.Node) int {
	c.s.t.Helper()
	resp := c.search(cmd2Search(cmd2SearchStore(cmd2DeepTraversal(), element, cmdNode("Search:And", rest...))))
	return cmd2StoreStatus(resp)
}

// MSASCMD_S14_TC03: a Class outside And is Status 8.
func TestMSASCMD_S14_TC03_Search_TooComplex_Status8_Class(t *testing.T) {
	atVersions(t, cmdSpec, from(eas.Version121), func(t *testing.T, s *site) {
		c := cmd2Lab(s)
		q := c.cmd2DefaultQuery("FreeText")
		s.equal(923, "the Store Status with Class outside And", 8, c.cmd2Outside(q[0], q[1:]))
	})
}

// MSASCMD_S14_TC04: a CollectionId outside And is Status 8.
func TestMSASCMD_S14_TC04_Search_TooComplex_Status8_CollectionId(t *testing.T) {
	atVersions(t, cmdSpec, from(eas.Version121), func(t *testing.T, s *site) {
		c := cmd2Lab(s)
		q := c.cmd2DefaultQuery("FreeText")
		s.equal(2032, "the Store Status with CollectionId outside And", 8, c.cmd2Outside(q[1], []*wbxml.Node{q[0], q[2]}))
	})
}

// MSASCMD_S14_TC05: a FreeText outside And is Status 8.
func TestMSASCMD_S14_TC05_Search_TooComplex_Status8_FreeText(t *testing.T) {
	atVersions(t, cmdSpec, from(eas.Version121), func(t *testing.T, s *site) {
		c := cmd2Lab(s)
		q := c.cmd2DefaultQuery("FreeText")
		s.equal(3105, "the Store Status with FreeText outside And", 8, c.cmd2Outside(q[2], q[:2]))
	})
}

// cmd2WithOptions sends the default query with options and returns the
// Store Status.
func (c *cmd2Client) cmd2WithOptions(options ...*wbxml.Node) int {
	c.s.t.Helper()
	return cmd2StoreStatus(c.search(cmd2Search(cmd2SearchStore(options, cmdNode("Search:And", c.cmd2DefaultQuery("FreeText")...)))))
}

// MSASCMD_S14_TC06: two DeepTraversal elements are accepted.
func TestMSASCMD_S14_TC06_Search_MultipleDeepTraversal(t *testing.T) {
	atVersions(t, cmdSpec, from(eas.Version121), func(t *testing.T, s *site) {
		c := cmd2Lab(s)
		s.equal(2143, "the Store Status with two DeepTraversal", 1, c.cmd2WithOptions(cmdNode("Search:DeepTraversal"), cmdNode("Search:DeepTraversal")))
	})
}

// MSASCMD_S14_TC07: two MIMESupport elements are accepted.
func TestMSASCMD_S14_TC07_Search_MoreThanOneMIMESupport(t *testing.T) {
	atVersions(t, cmdSpec, from(eas.Version121), func(t *testing.T, s *site) {
		c := cmd2Lab(s)
		s.equal(3374, "the Store Status with two MIMESupport", 1, c.cmd2WithOptions(cmdNode("Search:DeepTraversal"), cmdText("AirSync:MIMESupport", "2"), cmdText("AirSync:MIMESupport", "2")))
	})
}

// MSASCMD_S14_TC08: two Range elements are accepted.
func TestMSASCMD_S14_TC08_Search_MultipleRange(t *testing.T) {
	atVersions(t, cmdSpec, from(eas.Version121), func(t *testing.T, s *site) {
		c := cmd2Lab(s)
		s.equal(3723, "the Store Status with two Range", 1, c.cmd2WithOptions(cmdNode("Search:DeepTraversal"), cmdText("Search:Range", "0-9"), cmdText("Search:Range", "0-9")))
	})
}

// MSASCMD_S14_TC09: two RebuildResults elements are accepted.
func TestMSASCMD_S14_TC09_Search_MoreThanOneRebuildResults(t *testing.T) {
	atVersions(t, cmdSpec, from(eas.Version121), func(t *testing.T, s *site) {
		c := cmd2Lab(s)
		s.equal(3747, "the Store Status with two RebuildResults", 1, c.cmd2WithOptions(cmdNode("Search:RebuildResults"), cmdNode("Search:RebuildResults")))
	})
}

// MSASCMD_S14_TC10: two Store elements are accepted.
func TestMSASCMD_S14_TC10_Search_MoreThanOneStores(t *testing.T) {
	atVersions(t, cmdSpec, from(eas.Version121), func(t *testing.T, s *site) {
		c := cmd2Lab(s)
		store := func() *wbxml.Node {
			return cmd2SearchStore(cmd2DeepTraversal(), cmdNode("Search:And", c.cmd2DefaultQuery("FreeText")...))
		}
		resp := c.search(cmd2Search(store(), store()))
		s.equal(4535, "the Store Status with two Stores", 1, cmd2StoreStatus(resp))
	})
}

// MSASCMD_S14_TC11: an Email property in the query is Status 2.
func TestMSASCMD_S14_TC11_Search_Invalid_Status2(t *testing.T) {
	atVersions(t, cmdSpec, from(eas.Version121), func(t *testing.T, s *site) {
		c := cmd2Lab(s)
		q := append(c.cmd2DefaultQuery("FreeText"), cmdText("Email:To", mailAddress(cmdUser1)))
		resp := c.search(cmd2Search(cmd2SearchStore(cmd2DeepTraversal(), cmdNode("Search:And", q...))))
		s.equal(4329, "the Store Status with an Email:To in the query", 2, cmd2StoreStatus(resp))
	})
}

// MSASCMD_S14_TC12: a search that matches nothing answers one empty
// Result.
func TestMSASCMD_S14_TC12_Search_Result_NoItemMatched(t *testing.T) {
	atVersions(t, cmdSpec, from(eas.Version121), func(t *testing.T, s *site) {
		c := cmd2Lab(s)
		subject := "MSASCMD_3f2a91"
		c.sendPlainText(subject, cmdUser1, cmdUser2, "")
		c.switchUser(cmdUser2)
		c.checkEmail(c.inbox(), subject, nil)
		q := []*wbxml.Node{cmdText("AirSync:Class", "Email"), cmdText("AirSync:CollectionId", c.inbox()), cmdText("Search:FreeText", "MSASCMD_search1")}
		a := c.send(eas.CommandSearch, cmd2Search(cmd2SearchStore(cmd2DeepTraversal(), cmdNode("Search:And", q...))))
		var resp eas.SearchResponse
		a.decode(s, &resp)
		s.must(cmd2ok(cmd2StoreStatus(&resp) == 1, "Store Status %d", cmd2StoreStatus(&resp)), "the search")
		root, err := wbxml.Parse(a.Body)
		s.must(err, "reading the answer")
		var results []*wbxml.Node
		if store := root.Path(cmdTag("Search:Response"), cmdTag("Search:Store")); store != nil {
			results = store.FindAll(cmdTag("Search:Result"))
		}
		empty := resp.Status == 1 && len(results) == 1 && len(results[0].Children) == 0
		s.capture(3847, empty, "the search that matches nothing answered Status %d and %d Results", resp.Status, len(results))
		s.capture(3850, empty, "the search that matches nothing answered Status %d and %d Results", resp.Status, len(results))
	})
}

// MSASCMD_S14_TC13: two matching messages answer two Results in the
// Inbox with properties.
func TestMSASCMD_S14_TC13_Search_Result_MultipleMatchedItems(t *testing.T) {
	atVersions(t, cmdSpec, from(eas.Version121), func(t *testing.T, s *site) {
		c := cmd2Lab(s)
		keyword := "c7d1e"
		c.sendPlainText(keyword+"MSASCMD_search1", cmdUser1, cmdUser2, "")
		c.sendPlainText(keyword+"MSASCMD_search2", cmdUser1, cmdUser2, "")
		c.switchUser(cmdUser2)
		c.checkEmail(c.inbox(), keyword+"MSASCMD_search1", nil)
		q := []*wbxml.Node{cmdText("AirSync:Class", "Email"), cmdText("AirSync:CollectionId", c.inbox()), cmdText("Search:FreeText", keyword)}
		options := []*wbxml.Node{cmdNode("Search:DeepTraversal"), cmdNode("Search:RebuildResults"), cmdText("Search:Range", "0-2")}
		resp := c.search(cmd2Search(cmd2SearchStore(options, cmdNode("Search:And", q...))))
		st, results := cmd2StoreStatus(resp), cmd2Results(resp)
		s.must(cmd2ok(st == 1 && len(results) == 2, "Store Status %d, %d results", st, len(results)), "the search for two messages")
		s.capture(3846, st == 1 && len(results) == 2, "the search answered Store Status %d and %d results", st, len(results))
		inInbox := results[0].CollectionId == c.inbox() && results[1].CollectionId == c.inbox()
		s.capture(3849, inInbox, "the results are in folders %q and %q, not the Inbox %q", results[0].CollectionId, results[1].CollectionId, c.inbox())
		props := results[0].Properties != nil && len(results[0].Properties.Elements()) > 0
		s.capture(3862, props, "the first result has no properties")
		s.capture(3851, results[0].CollectionId == c.inbox() && props, "the first result is in %q with properties %v", results[0].CollectionId, props)
	})
}

// MSASCMD_S14_TC27: a ConversationId outside And is Status 8.
func TestMSASCMD_S14_TC27_Search_TooComplex_Status8_ConversationId(t *testing.T) {
	atVersions(t, cmdSpec, []eas.ProtocolVersion{eas.Version140, eas.Version141}, func(t *testing.T, s *site) {
		c := cmd2Lab(s)
		conv := &wbxml.Node{Tag: cmdTag("Search:ConversationId"), Children: []*wbxml.Node{{IsOpaque: true, Data: []byte(" BBA4726D4399D44C83297D4BD904ED2D")}}}
		options := []*wbxml.Node{cmdText("Search:Range", "0-0"), cmdNode("Search:RebuildResults")}
		resp := c.search(cmd2Search(cmd2SearchStore(options, conv, cmdNode("Search:And", cmdText("AirSync:CollectionId", c.inbox())))))
		s.equal(2086, "the Store Status with ConversationId outside And", 8, cmd2StoreStatus(resp))
	})
}

// MSASCMD_S14_TC28: a lower-case keyword finds upper-case subjects; Range
// 0-0 answers one of them.
func TestMSASCMD_S14_TC28_Search_CaseInsensitiveMatch(t *testing.T) {
	atVersions(t, cmdSpec, from(eas.Version121), func(t *testing.T, s *site) {
		c := cmd2Lab(s)
		keyword := "KEYWORD7B3C"
		subjects := []string{keyword + "MSASCMD_search1", keyword + "MSASCMD_search2"}
		for _, subject := range subjects {
			c.sendPlainText(subject, cmdUser1, cmdUser2, "")
		}
		c.switchUser(cmdUser2)
		c.checkEmail(c.inbox(), subjects[1], nil)
		options := []*wbxml.Node{cmdText("Search:Range", "0-0"), cmdNode("Search:RebuildResults")}
		q := []*wbxml.Node{cmdText("AirSync:CollectionId", c.inbox()), cmdText("Search:FreeText", "keyword7b3c")}
		resp := c.search(cmd2Search(cmd2SearchStore(options, cmdNode("Search:And", q...))))
		results := cmd2Results(resp)
		s.must(cmd2ok(cmd2StoreStatus(resp) == 1 && len(results) > 0 && results[0].Properties != nil, "Store Status %d, %d results", cmd2StoreStatus(resp), len(results)), "the search")
		total := 0
		if resp.Response.Store.Total != nil {
			total = *resp.Response.Store.Total
		}
		s.capture(3729, len(results) == 1 && total >= 2, "Range 0-0 answered %d results of Total %d", len(results), total)
		subject, _ := cmdChild(results[0].Properties, "Subject")
		s.capture(3699, subject == subjects[0] || subject == subjects[1], "the result's subject is %q", subject)
	})
}

// MSASCMD_S14_TC29: two ConversationId elements are an error.
func TestMSASCMD_S14_TC29_Search_MoreThanOneConversationId(t *testing.T) {
	atVersions(t, cmdSpec, []eas.ProtocolVersion{eas.Version140, eas.Version141}, func(t *testing.T, s *site) {
		c := cmd2Lab(s)
		conv := func() *wbxml.Node {
			return &wbxml.Node{Tag: cmdTag("Search:ConversationId"), Children: []*wbxml.Node{{IsOpaque: true, Data: []byte("5f0e8c2b9a7d4e61b3c2a1f0e9d8c7b6")}}}
		}
		resp := c.search(cmd2Search(cmd2SearchStore(nil, cmdNode("Search:And", conv(), conv(), cmdText("Search:FreeText", "KeyWord")))))
		s.capture(5815, cmd2StoreStatus(resp) != 1, "the search with two ConversationIds answered Store Status 1")
	})
}

// MSASCMD_S14_TC30: an Or query is sent (the original checks nothing of
// the answer).
func TestMSASCMD_S14_TC30_Search_TooComplex_Status8_Or(t *testing.T) {
	atVersions(t, cmdSpec, from(eas.Version121), func(t *testing.T, s *site) {
		c := cmd2Lab(s)
		c.search(cmd2Search(cmd2SearchStore(nil, cmdNode("Search:Or", cmdText("AirSync:Class", "Email"), cmdText("Search:FreeText", "KeyWord")))))
	})
}

// MSASCMD_S14_TC31: a GreaterThan outside And is Status 8.
func TestMSASCMD_S14_TC31_Search_TooComplex_Status8_GreaterThan(t *testing.T) {
	atVersions(t, cmdSpec, from(eas.Version121), func(t *testing.T, s *site) {
		c := cmd2Lab(s)
		gt := cmdNode("Search:GreaterThan", cmdNode("Email:DateReceived"), cmdText("Search:Value", "2012-03-28T07:31:09.314Z"))
		s.equal(3143, "the Store Status with GreaterThan outside And", 8, c.cmd2Outside(gt, c.cmd2DefaultQuery("FreeText")))
	})
}

// MSASCMD_S14_TC32: a LessThan outside And is Status 8.
func TestMSASCMD_S14_TC32_Search_TooComplex_Status8_LessThan(t *testing.T) {
	atVersions(t, cmdSpec, from(eas.Version121), func(t *testing.T, s *site) {
		c := cmd2Lab(s)
		lt := cmdNode("Search:LessThan", cmdNode("Email:DateReceived"), cmdText("Search:Value", "50"))
		s.equal(3220, "the Store Status with LessThan outside And", 8, c.cmd2Outside(lt, c.cmd2DefaultQuery("FreeText")))
	})
}

// MSASCMD_S14_TC33: MIMESupport 1 and 2 answer a Body; with 2 it is MIME
// (Type 4) with EstimatedDataSize, Truncated and Data.
func TestMSASCMD_S14_TC33_Search_MIMESupport(t *testing.T) {
	atVersions(t, cmdSpec, from(eas.Version121), func(t *testing.T, s *site) {
		c := cmd2Lab(s)
		subject := "MSASCMD_subject1"
		c.sendPlainText(subject, cmdUser2, cmdUser1, "The content of the body.")
		c.switchUser(cmdUser1)
		c.checkEmail(c.inbox(), subject, nil)
		search := func(mime string) *eas.SearchResponse {
			options := []*wbxml.Node{cmdNode("Search:RebuildResults"), cmdNode("Search:DeepTraversal"), cmdText("AirSync:MIMESupport", mime),
				cmdNode("AirSyncBase:BodyPreference", cmdText("AirSyncBase:Type", "4"), cmdText("AirSyncBase:TruncationSize", "100"))}
			resp := c.search(cmd2Search(cmd2SearchStore(options, cmdNode("Search:And", c.cmd2DefaultQuery(subject)...))))
			results := cmd2Results(resp)
			s.must(cmd2ok(cmd2StoreStatus(resp) == 1 && len(results) > 0 && results[0].Properties != nil, "Store Status %d, %d results", cmd2StoreStatus(resp), len(results)), "the search")
			return resp
		}
		bodies := func(resp *eas.SearchResponse) bool {
			for _, r := range cmd2Results(resp) {
				if r.Properties == nil || r.Properties.Find(cmdTag("AirSyncBase:Body")) == nil {
					return false
				}
			}
			return true
		}
		resp := search("1")
		s.capture(3383, cmd2StoreStatus(resp) == 1 && bodies(resp), "a result has no Body under MIMESupport 1")
		resp = search("2")
		s.capture(3384, resp.Status == 1 && bodies(resp), "the search answered Status %d, bodies %v", resp.Status, bodies(resp))
		body := cmd2Results(resp)[0].Properties.Find(cmdTag("AirSyncBase:Body"))
		typ, _ := cmdChild(body, "Type")
		s.equal(3388, "the Body's Type under MIMESupport 2", "4", typ)
		_, size := cmdChild(body, "EstimatedDataSize")
		_, truncated := cmdChild(body, "Truncated")
		_, data := cmdChild(body, "Data")
		s.capture(3387, typ == "4" && size && truncated && data, "the Body has Type %s, EstimatedDataSize %v, Truncated %v, Data %v", typ, size, truncated, data)
	})
}

// MSASCMD_S14_TC14: a GAL search for the suite's users answers the
// Range asked, ordered by display name, with the users' properties.
func TestMSASCMD_S14_TC14_Search_GAL_Success(t *testing.T) {
	atVersions(t, cmdSpec, from(eas.Version121), func(t *testing.T, s *site) {
		c := cmd2Lab(s)
		const rangeEnd = 2
		body := cmd2Search(cmdNode("Search:Store", cmdText("Search:Name", "GAL"),
			cmdNode("Search:Options", cmdText("Search:Range", "0-2")),
			cmdText("Search:Query", "MSASCMD_User")))
		resp := c.search(body)
		s.must(cmd2ok(cmd2StoreStatus(resp) == 1, "Store Status %d", cmd2StoreStatus(resp)), "the GAL search")
		results := cmd2Results(resp)
		g := cmd2GAL{has: map[string]bool{}}
		for _, r := range results {
			g.add(r.Properties)
		}
		has, names, aliases := g.has, g.names, g.aliases
		for id, name := range map[int]string{5353: "MobilePhone", 5368: "Phone", 5391: "Title", 5360: "Office", 5337: "LastName", 5330: "HomePhone",
			5323: "FirstName", 5286: "Alias", 5287: "Alias", 5293: "Company", 5300: "DisplayName", 5316: "EmailAddress"} {
			s.capture(id, has[name], "no GAL result has %s", name)
		}
		s.capture(419, len(results) > rangeEnd, "Range 0-2 answered %d results", len(results))
		total := 0
		if resp.Response.Store.Total != nil {
			total = *resp.Response.Store.Total
		}
		s.capture(420, total >= len(results), "Total %d is below the %d results", total, len(results))
		s.equal(4638, "the results beyond the Range's last index", 1, len(results)-rangeEnd)
		s.capture(5711, len(names) == len(results) && len(aliases) == len(results), "%d results have %d display names and %d aliases", len(results), len(names), len(aliases))
		s.capture(421, true, "")
		s.equal(431, "the Range answered", "0-2", resp.Response.Store.Range)
		ordered := len(names) > rangeEnd
		for i := 1; ordered && i < rangeEnd; i++ {
			if (names[0] < names[1]) != (names[i] < names[i+1]) {
				ordered = false
			}
		}
		s.capture(426, ordered, "the display names %q are not in one order", names)
	})
}

// The document library tests search the deployment's UNC share.
const cmd2NoShare = "the test searches the UNC share MSASCMD_SharedFolder and its documents, which the deployment creates on the server; easlab has no file servers (it refuses every link with Store Status 13 by design)"

func TestMSASCMD_S14_TC18_Search_DocumentLibraryFolder(t *testing.T) {
	atVersions(t, cmdSpec, from(eas.Version121), func(t *testing.T, s *site) { s.notApplicable(cmd2NoShare, 3853, 3855) })
}

func TestMSASCMD_S14_TC19_Search_DocumentLibraryItem(t *testing.T) {
	atVersions(t, cmdSpec, from(eas.Version121), func(t *testing.T, s *site) { s.notApplicable(cmd2NoShare, 3858) })
}

func TestMSASCMD_S14_TC24_Search_DocumentLibraryStatus5(t *testing.T) {
	atVersions(t, cmdSpec, from(eas.Version121), func(t *testing.T, s *site) { s.notApplicable(cmd2NoShare, 4339) })
}

func TestMSASCMD_S14_TC25_Search_DocumentLibraryStatus6(t *testing.T) {
	atVersions(t, cmdSpec, from(eas.Version121), func(t *testing.T, s *site) { s.notApplicable(cmd2NoShare, 4342) })
}

// The GAL picture tests read the photos the deployment uploads.
const cmd2NoPhotos = "the test reads the photos the deployment uploads for User01 and User02 (Set-UserPhoto); easlab's users have no photos and no cmdlet sets one"

func TestMSASCMD_S14_TC20_Search_GAL_Status174(t *testing.T) {
	atVersions(t, cmdSpec, cmd2From141(), func(t *testing.T, s *site) { s.notApplicable(cmd2NoPhotos, 4374, 4972) })
}

func TestMSASCMD_S14_TC21_Search_Status175(t *testing.T) {
	atVersions(t, cmdSpec, cmd2From141(), func(t *testing.T, s *site) { s.notApplicable(cmd2NoPhotos, 4375, 4974, 4371) })
}

func TestMSASCMD_S14_TC26_Search_GAL_Status173(t *testing.T) {
	atVersions(t, cmdSpec, cmd2From141(), func(t *testing.T, s *site) {
		s.notApplicable(cmd2NoPhotos, 3667, 2135, 3674, 3311, 3310, 4372, 4373, 3691, 3692)
	})
}

// moveItem moves item from src to dst; the move must succeed (Status 3).
func (c *cmd2Client) moveItem(item, src, dst string) {
	c.s.t.Helper()
	var resp eas.MoveItemsResponse
	c.send(eas.CommandMoveItems, &eas.MoveItemsRequest{Move: []eas.MoveItem{{SrcMsgId: item, SrcFldId: src, DstFldId: dst}}}).decode(c.s, &resp)
	c.s.must(cmd2ok(len(resp.Response) == 1 && resp.Response[0].Status == 3, "the MoveItems answered %+v", resp.Response), "moving the message")
}

// cmd2DeepTraversalSetup sends two messages to User02 and moves the
// first into a new subfolder of the Inbox; it returns their subjects and
// the keyword they share.
func cmd2DeepTraversalSetup(c *cmd2Client, syncFolder bool) (keyword, first, second string) {
	keyword = "keyWordcmd2c4d1"
	first, second = keyword+"MSASCMD_subject11", keyword+"MSASCMD_subject22"
	c.sendPlainText(first, cmdUser1, cmdUser2, "")
	c.sendPlainText(second, cmdUser1, cmdUser2, "")
	c.switchUser(cmdUser2)
	r := c.syncChanges(c.inbox())
	id := cmd2FindServerID(r, "Subject", first)
	c.s.must(cmd2ok(id != "" && cmd2FindServerID(r, "Subject", second) != "", "not found"), "finding the two messages")
	fs := c.folderSync("0")
	folder := c.folderCreate(fs.SyncKey, eas.FolderTypeUserMail, "MSASCMD_FolderCreate1", c.inbox())
	if syncFolder {
		c.syncChanges(folder)
	}
	c.moveItem(id, c.inbox(), folder)
	c.s.must(cmd2ok(cmd2FindServerID(c.syncChanges(folder), "Subject", first) != "", "not found"), "finding the moved message")
	return keyword, first, second
}

// cmd2Subjects are the Subjects of a search's results.
func cmd2Subjects(resp *eas.SearchResponse) map[string]bool {
	out := map[string]bool{}
	for _, r := range cmd2Results(resp) {
		if r.Properties != nil {
			if v, ok := cmdChild(r.Properties, "Subject"); ok {
				out[v] = true
			}
		}
	}
	return out
}

// MSASCMD_S14_TC22: with DeepTraversal a search of the Inbox finds the
// message in its subfolder too.
func TestMSASCMD_S14_TC22_Search_WithDeepTraversal(t *testing.T) {
	atVersions(t, cmdSpec, from(eas.Version121), func(t *testing.T, s *site) {
		c := cmd2Lab(s)
		keyword, first, second := cmd2DeepTraversalSetup(c, false)
		q := []*wbxml.Node{cmdText("AirSync:CollectionId", c.inbox()), cmdText("Search:FreeText", keyword)}
		resp := c.search(cmd2Search(cmd2SearchStore([]*wbxml.Node{cmdNode("Search:DeepTraversal"), cmdNode("Search:RebuildResults")}, cmdNode("Search:And", q...))))
		s.must(cmd2ok(cmd2StoreStatus(resp) == 1, "Store Status %d", cmd2StoreStatus(resp)), "the search")
		got := cmd2Subjects(resp)
		both := got[first] && got[second]
		s.capture(2031, both, "the search with DeepTraversal found %v", got)
		s.capture(5856, both, "the search with DeepTraversal found %v", got)
	})
}

// MSASCMD_S14_TC23: without DeepTraversal a search of the Inbox does not
// find the message in its subfolder.
func TestMSASCMD_S14_TC23_Search_WithoutDeepTraversal(t *testing.T) {
	atVersions(t, cmdSpec, from(eas.Version121), func(t *testing.T, s *site) {
		c := cmd2Lab(s)
		keyword, first, second := cmd2DeepTraversalSetup(c, true)
		q := []*wbxml.Node{cmdText("AirSync:CollectionId", c.inbox()), cmdText("Search:FreeText", keyword)}
		resp := c.search(cmd2Search(cmd2SearchStore([]*wbxml.Node{cmdNode("Search:RebuildResults")}, cmdNode("Search:And", q...))))
		results := cmd2Results(resp)
		s.must(cmd2ok(cmd2StoreStatus(resp) == 1 && len(results) > 0 && results[0].Properties != nil, "Store Status %d, %d results", cmd2StoreStatus(resp), len(results)), "the search")
		got := cmd2Subjects(resp)
		s.capture(2146, !got[first] && got[second], "the search without DeepTraversal found %v", got)
	})
}

// createItemsWithKeyword is S14's CreateItemsWithKeyword: a meeting
// request from User01 to User02 (in User02's Inbox and Calendar) and a
// contact in a new subfolder of User02's Contacts, all named with
// prefix. When the meeting does not reach User02 it records ids as not
// met and returns false.
func (c *cmd2Client) createItemsWithKeyword(prefix string, ids ...int) bool {
	c.s.t.Helper()
	subject := prefix + "MSASCMD_subject1"
	m := c.createCalendar(subject, mailAddress(cmdUser2), nil, nil, nil)
	c.sendMeetingRequest(m)
	c.switchUser(cmdUser2)
	inInbox := cmd2FindServerID(c.syncChanges(c.inbox()), "Subject", subject) != ""
	inCalendar := cmd2FindServerID(c.syncChanges(c.calendar()), "Subject", subject) != ""
	if !inInbox || !inCalendar {
		for _, id := range ids {
			c.s.capture(id, false, "the meeting request is in User02's Inbox %v, the meeting in User02's Calendar %v", inInbox, inCalendar)
		}
		return false
	}
	fs := c.folderSync("0")
	folder := c.folderCreate(fs.SyncKey, eas.FolderTypeUserContacts, "MSASCMD_FolderCreate1", c.contacts())
	c.initialSync(folder)
	c.sync(cmd2SyncAdd(c.lastSyncKey, folder, c.cmd2ContactAdd("cmd2-c1", prefix+"MSASCMD_Contact1", "")))
	c.syncChanges(folder)
	return true
}

// cmd2AllFolders are the And children of S14 TC15 to TC17: User02's
// Inbox, Calendar and Contacts, the classes given and FreeText prefix.
func (c *cmd2Client) cmd2AllFolders(prefix string, classes ...string) []*wbxml.Node {
	q := []*wbxml.Node{cmdText("AirSync:CollectionId", c.inbox()), cmdText("AirSync:CollectionId", c.calendar()), cmdText("AirSync:CollectionId", c.contacts())}
	for _, cl := range classes {
		q = append(q, cmdText("AirSync:Class", cl))
	}
	return append(q, cmdText("Search:FreeText", prefix))
}

func cmd2Supported(class string) bool {
	switch class {
	case "Email", "Tasks", "Calendar", "Contacts", "Notes", "SMS":
		return true
	}
	return false
}

// MSASCMD_S14_TC15: a search of every class answers Status 1 with each
// result's Class.
func TestMSASCMD_S14_TC15_Search_WithAllClass(t *testing.T) {
	atVersions(t, cmdSpec, []eas.ProtocolVersion{eas.Version140, eas.Version141}, func(t *testing.T, s *site) {
		c := cmd2Lab(s)
		prefix := "keyWordcmd2a1"
		if !c.createItemsWithKeyword(prefix, 920, 1322) {
			return
		}
		resp := c.search(cmd2Search(cmd2SearchStore([]*wbxml.Node{cmdNode("Search:DeepTraversal"), cmdNode("Search:RebuildResults")},
			cmdNode("Search:And", c.cmd2AllFolders(prefix, "Tasks", "Email", "Calendar", "Contacts", "Notes", "SMS")...))))
		s.equal(920, "the Store Status of a search of every class", 1, cmd2StoreStatus(resp))
		all := false
		for _, r := range cmd2Results(resp) {
			// As the original: the last result decides.
			all = r.Class != "" && cmd2Supported(r.Class)
		}
		s.capture(1322, all, "a result has no supported Class")
	})
}

// MSASCMD_S14_TC16: a search of the classes but Notes and SMS (the
// original checks nothing of the answer).
func TestMSASCMD_S14_TC16_Search_WithoutNoteAndSmsClass(t *testing.T) {
	atVersions(t, cmdSpec, from(eas.Version140), func(t *testing.T, s *site) {
		c := cmd2Lab(s)
		prefix := "keyWordcmd2a2"
		if !c.createItemsWithKeyword(prefix) {
			return
		}
		c.search(cmd2Search(cmd2SearchStore([]*wbxml.Node{cmdNode("Search:DeepTraversal"), cmdNode("Search:RebuildResults")},
			cmdNode("Search:And", c.cmd2AllFolders(prefix, "Tasks", "Email", "Calendar", "Contacts")...))))
	})
}

// MSASCMD_S14_TC17: a search without Class answers each result's Class.
func TestMSASCMD_S14_TC17_Search_WithoutClass(t *testing.T) {
	atVersions(t, cmdSpec, from(eas.Version121), func(t *testing.T, s *site) {
		c := cmd2Lab(s)
		prefix := "keyWordcmd2a3"
		if !c.createItemsWithKeyword(prefix, 922) {
			return
		}
		resp := c.search(cmd2Search(cmd2SearchStore([]*wbxml.Node{cmdNode("Search:DeepTraversal"), cmdNode("Search:RebuildResults")},
			cmdNode("Search:And", c.cmd2AllFolders(prefix)...))))
		results := cmd2Results(resp)
		s.must(cmd2ok(cmd2StoreStatus(resp) == 1 && len(results) > 0 && results[0].Properties != nil, "Store Status %d, %d results", cmd2StoreStatus(resp), len(results)), "the search")
		ok := false
		for _, r := range results {
			ok = r.Class != "" && cmd2Supported(r.Class)
		}
		s.capture(922, ok, "a result has no supported Class")
	})
}
