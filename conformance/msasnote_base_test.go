package conformance

import (
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"

	"github.com/easlab/easlab/eas"
	"github.com/easlab/easlab/wbxml"
)

// The content suites (MS-ASNOTE, MS-ASTASK, MS-ASCNTC) drive one kind of
// client: a user's default folders learned by an initial FolderSync, Sync
// requests that add, change and read items of one folder, and the
// ItemOperations and Search that fetch them back. noteClient is that
// client; each suite's file adds what its TestSuiteBase does on top.

// noteClient is a content suite's client: its lab, the user it acts as,
// and each user's default folders.
type noteClient struct {
	s       *site
	l       *lab
	user    string
	folders map[string]map[eas.FolderType]string
}

// newNoteClient deploys users (each with an empty mailbox) and switches
// to the first, as the suites' TestInitialize does.
func newNoteClient(s *site, users ...string) *noteClient {
	s.t.Helper()
	c := &noteClient{s: s, l: newLab(s, users...), folders: map[string]map[eas.FolderType]string{}}
	c.switchUser(users[0])
	return c
}

// switchUser makes user the client's user and, the first time, learns its
// default folders with an initial FolderSync.
func (c *noteClient) switchUser(user string) {
	c.s.t.Helper()
	c.user = user
	if c.folders[user] != nil {
		return
	}
	var fs eas.FolderSyncResponse
	c.send(eas.CommandFolderSync, &eas.FolderSyncRequest{SyncKey: "0"}).decode(c.s, &fs)
	if fs.Status != 1 {
		c.s.t.Fatalf("the initial FolderSync of %s has Status %d, want 1", user, fs.Status)
	}
	c.folders[user] = cmdDefaultFolders(&fs)
}

// folder is the current user's default folder of type t.
func (c *noteClient) folder(t eas.FolderType) string {
	c.s.t.Helper()
	id := c.folders[c.user][t]
	if id == "" {
		c.s.t.Fatalf("%s has no default folder of type %d", c.user, t)
	}
	return id
}

// send sends cmd as the current user and returns the answer, stopping the
// test on anything but HTTP 200.
func (c *noteClient) send(cmd eas.Command, body any) *answer {
	c.s.t.Helper()
	a := c.l.send(c.l.request(c.user, cmd), password, body)
	if a.Status != http.StatusOK {
		c.s.t.Fatalf("%v answered HTTP %d, want 200", cmd, a.Status)
	}
	return a
}

// sync sends a Sync request (a message or a node tree) and decodes its
// answer; an empty answer is a Sync with no collections.
func (c *noteClient) sync(req any) *eas.SyncResponse {
	c.s.t.Helper()
	a := c.send(eas.CommandSync, req)
	var r eas.SyncResponse
	if len(a.Body) > 0 {
		a.decode(c.s, &r)
	}
	return &r
}

// collection is a Sync answer's first collection; it stops the test when
// there is none.
func (c *noteClient) collection(r *eas.SyncResponse) *eas.SyncCollection {
	c.s.t.Helper()
	col := cmdCollection(r)
	if col == nil {
		c.s.t.Fatalf("the Sync answer (Status %d) has no collection", r.Status)
	}
	return col
}

// initialKey is an initial Sync of collection (with supported, the
// Supported element, when not nil), which must succeed; it returns the
// first SyncKey.
func (c *noteClient) initialKey(collection string, supported eas.TagList) string {
	c.s.t.Helper()
	col := c.collection(c.sync(&eas.SyncRequest{Collections: &eas.SyncCollections{Collection: []eas.SyncCollection{
		{SyncKey: "0", CollectionId: collection, Supported: supported},
	}}}))
	if col.Status != 1 {
		c.s.t.Fatalf("the initial Sync of %s has Status %d, want 1", collection, col.Status)
	}
	return col.SyncKey
}

// noteSyncOptions is the suites' Options: prefs, when any, as
// BodyPreferences.
func noteSyncOptions(prefs ...eas.BodyPreference) []eas.SyncOptions {
	return []eas.SyncOptions{{BodyPreference: prefs}}
}

// changes is a Sync of collection from key that asks for the server's
// changes with the body preferences prefs.
func (c *noteClient) changes(collection, key string, prefs ...eas.BodyPreference) *eas.SyncResponse {
	c.s.t.Helper()
	return c.sync(&eas.SyncRequest{Collections: &eas.SyncCollections{Collection: []eas.SyncCollection{{
		SyncKey: key, CollectionId: collection, GetChanges: eas.NewBool(true), WindowSize: 512,
		Options: noteSyncOptions(prefs...),
	}}}})
}

// commands is a Sync of collection from key that sends cmds, as the
// suites' CreateSyncRequest with data does: DeletesAsMoves 0, GetChanges,
// WindowSize 512 and the Options opts.
func (c *noteClient) commands(collection, key string, opts []eas.SyncOptions, cmds ...eas.SyncCommand) *eas.SyncResponse {
	c.s.t.Helper()
	return c.sync(&eas.SyncRequest{Collections: &eas.SyncCollections{Collection: []eas.SyncCollection{{
		SyncKey: key, CollectionId: collection, DeletesAsMoves: eas.NewBool(false), GetChanges: eas.NewBool(true),
		WindowSize: 512, Options: opts, Commands: cmds,
	}}}})
}

// add is an Add of item (an eas item struct) with a new ClientId.
func (c *noteClient) add(item any) eas.SyncCommand {
	c.s.t.Helper()
	app, err := eas.EncodeItem(item)
	c.s.must(err, "encoding the item")
	return eas.SyncCommand{Kind: eas.SyncAdd, ClientId: noteClientID(), ApplicationData: app}
}

// change is a Change of serverID to the properties of item.
func (c *noteClient) change(serverID string, item any) eas.SyncCommand {
	c.s.t.Helper()
	app, err := eas.EncodeItem(item)
	c.s.must(err, "encoding the change")
	return eas.SyncCommand{Kind: eas.SyncChange, ServerId: serverID, ApplicationData: app}
}

// noteAddStatus is the Status of the first Add of a Sync answer's
// Responses, or 0 when there is none.
func noteAddStatus(r *eas.SyncResponse) int {
	if col := cmdCollection(r); col != nil {
		for _, x := range col.Responses {
			if x.Kind == eas.SyncAdd {
				return x.Status
			}
		}
	}
	return 0
}

// noteCommands are a Sync answer's server commands of kind (its Adds or
// its Changes).
func noteCommands(r *eas.SyncResponse, kind eas.SyncCommandKind) []eas.SyncCommand {
	var out []eas.SyncCommand
	if col := cmdCollection(r); col != nil {
		for _, x := range col.Commands {
			if x.Kind == kind {
				out = append(out, x)
			}
		}
	}
	return out
}

// itemOperations sends an ItemOperations request and decodes its answer.
func (c *noteClient) itemOperations(req *eas.ItemOperationsRequest) *eas.ItemOperationsResponse {
	c.s.t.Helper()
	var r eas.ItemOperationsResponse
	c.send(eas.CommandItemOperations, req).decode(c.s, &r)
	return &r
}

// noteFetches are the Fetch results of an ItemOperations answer.
func noteFetches(r *eas.ItemOperationsResponse) []*eas.FetchResult {
	var out []*eas.FetchResult
	if r.Response != nil {
		for _, res := range r.Response.Results {
			if res.Fetch != nil {
				out = append(out, res.Fetch)
			}
		}
	}
	return out
}

// search sends a Search request and decodes its answer.
func (c *noteClient) search(req any) *eas.SearchResponse {
	c.s.t.Helper()
	var r eas.SearchResponse
	c.send(eas.CommandSearch, req).decode(c.s, &r)
	return &r
}

// mailboxSearch is a Search of the mailbox for the items of class in
// collection whose text holds freeText, results 0 to 9 (or rng), with
// prefs as body preferences.
func mailboxSearch(class, collection, freeText, rng string, prefs ...eas.BodyPreference) *eas.SearchRequest {
	if rng == "" {
		rng = "0-9"
	}
	return &eas.SearchRequest{Store: &eas.SearchStore{
		Name:    eas.SearchStoreMailbox,
		Query:   &eas.SearchQuery{And: &eas.SearchQuery{Class: []string{class}, CollectionId: []string{collection}, FreeText: []string{freeText}}},
		Options: &eas.SearchOptions{Range: rng, DeepTraversal: true, RebuildResults: true, BodyPreference: prefs},
	}}
}

// noteResults are the results of a Search answer that carry an item (an
// answer with none has one empty Result).
func noteResults(r *eas.SearchResponse) []eas.SearchResult {
	if r.Response == nil || r.Response.Store == nil {
		return nil
	}
	var out []eas.SearchResult
	for _, res := range r.Response.Store.Result {
		if res.Properties != nil {
			out = append(out, res)
		}
	}
	return out
}

// decode reads an ApplicationData or Properties node into item (an eas
// item struct), stopping the test when it cannot.
func (c *noteClient) decode(n *wbxml.Node, item any) {
	c.s.t.Helper()
	c.s.must(eas.DecodeItem(n, item), "decoding the item")
}

// name is a resource name unique in the run, as Common.GenerateResourceName
// makes them.
func (c *noteClient) name(prefix string) string {
	return fmt.Sprintf("%s_%s_%d", testName(c.s.t), prefix, noteNames.Add(1))
}

// noteNames numbers the content suites' names and ClientIds (a counter of
// their own, so that the names other suites make do not depend on them).
var noteNames atomic.Int64

// noteClientID is a new ClientId, a GUID as the suites make them.
func noteClientID() string {
	return fmt.Sprintf("00000000-0000-4000-9000-%012x", noteNames.Add(1))
}

// noteHasElement reports whether an ApplicationData or Properties node has
// a child named name (any code page).
func noteHasElement(n *wbxml.Node, name string) bool {
	_, ok := cmdChild(n, name)
	return ok
}

// noteElementNames lists the names of a node's children.
func noteElementNames(n *wbxml.Node) string {
	if n == nil {
		return ""
	}
	var names []string
	for _, e := range n.Elements() {
		names = append(names, e.Tag.Name)
	}
	return strings.Join(names, ",")
}
