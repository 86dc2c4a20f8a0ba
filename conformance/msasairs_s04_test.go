package conformance

import (
	"testing"

	"github.com/easlab/easlab/eas"
	"github.com/easlab/easlab/wbxml"
)

// MS-ASAIRS S04: requests whose AirSyncBase elements break the schema (a
// value of the wrong type, an element twice, out of order or misplaced):
// Sync answers Status 4 for bad options and Status 6 for a bad item,
// ItemOperations Status 2.

// airsPrefNode is the suite's BodyPreference: Type 1, TruncationSize 100,
// AllOrNone 1, in the schema's order.
func airsPrefNode() *wbxml.Node {
	return cmdNode("AirSyncBase:BodyPreference", cmdText("AirSyncBase:Type", "1"),
		cmdText("AirSyncBase:TruncationSize", "100"), cmdText("AirSyncBase:AllOrNone", "1"))
}

// airsAddBodyNode is the Body of CreateSyncAddCommands' item: Type 1 and
// its data.
func airsAddBodyNode() *wbxml.Node {
	return cmdNode("AirSyncBase:Body", cmdText("AirSyncBase:Type", "1"), cmdText("AirSyncBase:Data", "Test sync add"))
}

// airsSyncTree is a Sync of one collection with key, with the options
// (nil: none) and the commands (nil: none) given.
func airsSyncTree(key, collectionID string, options, commands *wbxml.Node) *wbxml.Node {
	col := cmdNode("AirSync:Collection", cmdText("AirSync:SyncKey", key), cmdText("AirSync:CollectionId", collectionID))
	for _, n := range []*wbxml.Node{options, commands} {
		if n != nil {
			col.Children = append(col.Children, n)
		}
	}
	return cmdNode("AirSync:Sync", cmdNode("AirSync:Collections", col))
}

// airsAddTree is CreateSyncAddCommands in a Sync: an Add whose item is
// the Body given.
func airsAddTree(key, collectionID string, body *wbxml.Node) *wbxml.Node {
	add := cmdNode("AirSync:Add", cmdText("AirSync:ClientId", airsClientID()), cmdNode("AirSync:ApplicationData", body))
	return airsSyncTree(key, collectionID, nil, cmdNode("AirSync:Commands", add))
}

// airsFetchTree is an ItemOperations fetching an item with the
// BodyPreference given.
func airsFetchTree(collectionID, serverID string, pref *wbxml.Node) *wbxml.Node {
	return cmdNode("ItemOperations:ItemOperations", cmdNode("ItemOperations:Fetch",
		cmdText("ItemOperations:Store", "Mailbox"), cmdText("AirSync:CollectionId", collectionID), cmdText("AirSync:ServerId", serverID),
		cmdNode("ItemOperations:Options", pref)))
}

// syncStatus sends a Sync tree and returns the Sync's own Status.
func (c *airsClient) syncStatus(tree *wbxml.Node) int {
	c.s.t.Helper()
	return c.sync(tree).Status
}

// addStatus sends a Sync tree with one Add and returns its Status in the
// answer's Responses (0 when there is none).
func (c *airsClient) addStatus(tree *wbxml.Node) int {
	c.s.t.Helper()
	col := cmdCollection(c.sync(tree))
	if col == nil || len(col.Responses) == 0 {
		return 0
	}
	return col.Responses[0].Status
}

// itemOperationsStatus sends an ItemOperations tree and returns its
// global Status.
func (c *airsClient) itemOperationsStatus(tree *wbxml.Node) int {
	c.s.t.Helper()
	raw, err := tree.MarshalBinary()
	c.s.must(err, "encoding the request")
	var r eas.ItemOperationsResponse
	c.send(eas.CommandItemOperations, raw).decode(c.s, &r)
	return r.Status
}

// airsMoveFirstToEnd moves n's first child after its last.
func airsMoveFirstToEnd(n *wbxml.Node) *wbxml.Node {
	n.Children = append(n.Children[1:], n.Children[0])
	return n
}

// airsSetText gives n's child named name the text v.
func airsSetText(n *wbxml.Node, name, v string) *wbxml.Node {
	for i, ch := range n.Children {
		if ch.Tag != nil && ch.Tag.Name == name {
			n.Children[i] = wbxml.NewText(ch.Tag, v)
		}
	}
	return n
}

// airsRepeat adds a copy of n's child named name at n's end.
func airsRepeat(n *wbxml.Node, name string) *wbxml.Node {
	for _, ch := range n.Children {
		if ch.Tag != nil && ch.Tag.Name == name {
			n.Children = append(n.Children, wbxml.NewText(ch.Tag, ch.Text()))
			return n
		}
	}
	return n
}

// s04Setup is what each S04 test does first: a plain text message to
// User02, found in its Inbox; it returns the message's ServerId.
func (c *airsClient) s04Setup() string {
	c.s.t.Helper()
	subject, body := c.name("Subject"), c.name("Body")
	c.sendEmail(airsPlain, subject, body)
	return c.getSyncResult(subject, c.inbox(), []eas.BodyPreference{{Type: eas.BodyTypePlainText, TruncationSize: 100, AllOrNone: airsPtr(true)}}, nil).serverID
}

// MSASAIRS_S04_TC01: a Sync whose BodyPreference is out of order, has a
// non-boolean AllOrNone, or two AllOrNone answers Status 4.
func TestMSASAIRS_S04_TC01_Sync_Status4(t *testing.T) {
	atVersions(t, airsSpec, from(eas.Version121), func(t *testing.T, s *site) {
		c := airsLab(s)
		c.s04Setup()
		options := func(pref *wbxml.Node) *wbxml.Node { return cmdNode("AirSync:Options", pref) }
		s.equal(348, "the Sync Status for a BodyPreference out of order", 4,
			c.syncStatus(airsSyncTree(c.initialSyncKey(c.inbox()), c.inbox(), options(airsMoveFirstToEnd(airsPrefNode())), nil)))
		s.equal(350, "the Sync Status for an AllOrNone of \"a\"", 4,
			c.syncStatus(airsSyncTree(c.initialSyncKey(c.inbox()), c.inbox(), options(airsSetText(airsPrefNode(), "AllOrNone", "a")), nil)))
		s.equal(351, "the Sync Status for two AllOrNone", 4,
			c.syncStatus(airsSyncTree(c.initialSyncKey(c.inbox()), c.inbox(), options(airsRepeat(airsPrefNode(), "AllOrNone")), nil)))
	})
}

// MSASAIRS_S04_TC02: a Type that is not a number: ItemOperations answers
// Status 2, a Sync Add Status 6.
func TestMSASAIRS_S04_TC02_IncorrectDataType(t *testing.T) {
	atVersions(t, airsSpec, from(eas.Version121), func(t *testing.T, s *site) {
		c := airsLab(s)
		id := c.s04Setup()
		s.equal(346, "the ItemOperations Status for a Type of \"a\"", 2,
			c.itemOperationsStatus(airsFetchTree(c.inbox(), id, airsSetText(airsPrefNode(), "Type", "a"))))
		s.equal(10014, "the Add's Status for a Body Type of \"a\"", 6,
			c.addStatus(airsAddTree(c.initialSyncKey(c.inbox()), c.inbox(), airsSetText(airsAddBodyNode(), "Type", "a"))))
	})
}

// MSASAIRS_S04_TC03: an element twice: ItemOperations answers Status 2, a
// Sync Add Status 6.
func TestMSASAIRS_S04_TC03_IncorrectNumberOfInstances(t *testing.T) {
	atVersions(t, airsSpec, from(eas.Version121), func(t *testing.T, s *site) {
		c := airsLab(s)
		id := c.s04Setup()
		s.equal(10030, "the ItemOperations Status for two AllOrNone", 2,
			c.itemOperationsStatus(airsFetchTree(c.inbox(), id, airsRepeat(airsPrefNode(), "AllOrNone"))))
		body := airsAddBodyNode()
		body.Children = append([]*wbxml.Node{wbxml.NewText(cmdTag("AirSyncBase:Type"), "1")}, body.Children...)
		s.equal(10037, "the Add's Status for a Body with two Type", 6,
			c.addStatus(airsAddTree(c.initialSyncKey(c.inbox()), c.inbox(), body)))
	})
}

// MSASAIRS_S04_TC04: elements out of order: ItemOperations answers
// Status 2, a Sync Add Status 6.
func TestMSASAIRS_S04_TC04_IncorrectOrder(t *testing.T) {
	atVersions(t, airsSpec, from(eas.Version121), func(t *testing.T, s *site) {
		c := airsLab(s)
		id := c.s04Setup()
		s.equal(10031, "the ItemOperations Status for a BodyPreference out of order", 2,
			c.itemOperationsStatus(airsFetchTree(c.inbox(), id, airsMoveFirstToEnd(airsPrefNode()))))
		s.equal(10038, "the Add's Status for a Body out of order", 6,
			c.addStatus(airsAddTree(c.initialSyncKey(c.inbox()), c.inbox(), airsMoveFirstToEnd(airsAddBodyNode()))))
	})
}

// MSASAIRS_S04_TC05: an element inside itself: ItemOperations answers
// Status 2, a Sync Add Status 6.
func TestMSASAIRS_S04_TC05_IncorrectPlacement(t *testing.T) {
	atVersions(t, airsSpec, from(eas.Version121), func(t *testing.T, s *site) {
		c := airsLab(s)
		id := c.s04Setup()
		pref := airsPrefNode()
		pref.Children = append(pref.Children, airsSetText(airsPrefNode(), "Type", "2"))
		s.equal(10032, "the ItemOperations Status for a BodyPreference in a BodyPreference", 2,
			c.itemOperationsStatus(airsFetchTree(c.inbox(), id, pref)))
		body := airsAddBodyNode()
		body.Children = append(body.Children, airsSetText(airsAddBodyNode(), "Type", "2"))
		s.equal(10039, "the Add's Status for a Body in a Body", 6,
			c.addStatus(airsAddTree(c.initialSyncKey(c.inbox()), c.inbox(), body)))
	})
}

// MSASAIRS_S04_TC06: two BodyPreference of the same Type: the Sync
// answers Status 4 (R10016; the deployment's Exchange 2016 and 2019
// settings leave R10015, an HTTP 500 instead, off).
func TestMSASAIRS_S04_TC06_MultipleBodyPreferenceHaveSameTypeValue(t *testing.T) {
	atVersions(t, airsSpec, from(eas.Version121), func(t *testing.T, s *site) {
		c := airsLab(s)
		c.s04Setup()
		options := cmdNode("AirSync:Options", airsPrefNode(), airsPrefNode())
		s.equal(10016, "the Sync Status for two BodyPreference of Type 1", 4,
			c.syncStatus(airsSyncTree(c.initialSyncKey(c.inbox()), c.inbox(), options, nil)))
	})
}
