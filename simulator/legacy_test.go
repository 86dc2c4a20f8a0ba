package simulator_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/easlab/easlab/eas"
	"github.com/easlab/easlab/simulator"
	"github.com/easlab/easlab/simulator/simtest"
	"github.com/easlab/easlab/wbxml"
)

// legacyResponse is the answer of the *Collection commands.
type legacyResponse struct {
	WBXMLName wbxml.Name `wbxml:"FolderHierarchy:Response"`
	Status    int        `wbxml:"Status"`
	Folder    *struct {
		ServerId string `wbxml:"ServerId"`
	} `wbxml:"Folder"`
}

// collection posts a *Collection command with its query arguments and
// returns the HTTP status and, for 200, the decoded Response.
func collection(t *testing.T, d *simtest.Device, cmd eas.Command, id, parent, name string) (int, *legacyResponse) {
	t.Helper()
	req := d.Request(cmd)
	req.CollectionID, req.ParentID, req.CollectionName = id, parent, name
	resp, b := d.PostRequest(req, nil)
	code := resp.StatusCode
	if code != http.StatusOK {
		return code, nil
	}
	dec := wbxml.NewBytesDecoder(b)
	dec.Lenient = true // Response is a legacy tag
	var r legacyResponse
	if err := dec.Decode(&r); err != nil {
		t.Fatalf("%s: %v\n%s", cmd, err, simtest.XML(b))
	}
	return code, &r
}

func getHierarchy(t *testing.T, d *simtest.Device) []eas.HierarchyFolder {
	t.Helper()
	resp, b := d.Post(eas.CommandGetHierarchy, nil)
	code := resp.StatusCode
	if code != http.StatusOK {
		t.Fatalf("GetHierarchy: HTTP %d", code)
	}
	var r eas.GetHierarchyResponse
	if err := wbxml.Unmarshal(b, &r); err != nil {
		t.Fatalf("GetHierarchy: %v\n%s", err, simtest.XML(b))
	}
	return r.Folder
}

func TestLegacyHierarchy(t *testing.T) {
	env := simtest.New(t, simulator.Options{})
	d := env.Device("alice", "LEGACY1", eas.Version121).Provision()
	folders := getHierarchy(t, d)
	byName := map[string]eas.HierarchyFolder{}
	for _, f := range folders {
		byName[f.DisplayName] = f
		if f.ParentId != "0" {
			t.Errorf("%s: ParentId %q", f.DisplayName, f.ParentId)
		}
	}
	// The mail folders only, as Exchange lists them: Inbox, Drafts,
	// Deleted Items, Sent Items, Outbox and Junk E-Mail.
	if len(folders) != 6 || byName["Inbox"].Type != eas.FolderTypeInbox || byName["Junk E-Mail"].Type != eas.FolderTypeUserMail {
		t.Fatalf("hierarchy: %+v", folders)
	}
	if _, ok := byName["Calendar"]; ok {
		t.Error("GetHierarchy lists the Calendar, which is no mail folder")
	}
	if _, ok := byName["RecipientInfo"]; ok {
		t.Error("GetHierarchy lists the Recipient Information Cache, which 12.1 does not know")
	}
	inbox := byName["Inbox"].ServerId

	code, r := collection(t, d, eas.CommandCreateCollection, "", inbox, "Projects")
	if code != http.StatusOK || r.Status != 1 || r.Folder == nil || r.Folder.ServerId == "" {
		t.Fatalf("CreateCollection: HTTP %d %+v", code, r)
	}
	projects := r.Folder.ServerId
	code, r = collection(t, d, eas.CommandCreateCollection, "", projects, "2026")
	if code != http.StatusOK || r.Status != 1 {
		t.Fatalf("CreateCollection 2026: HTTP %d %+v", code, r)
	}
	sub := r.Folder.ServerId
	// Shallowest first.
	folders = getHierarchy(t, d)
	last := folders[len(folders)-2:]
	if last[0].DisplayName != "Projects" || last[0].ParentId != inbox || last[0].Type != eas.FolderTypeUserMail ||
		last[1].DisplayName != "2026" || last[1].ParentId != projects {
		t.Errorf("hierarchy after create: %+v", last)
	}
	// A FolderSync device sees the new folders.
	if f, ok := env.Device("alice", "LEGACY2", eas.Version141).Provision().FolderSync()["Projects"]; !ok || f.ParentId != inbox {
		t.Errorf("FolderSync does not show Projects: %+v", f)
	}

	for _, tc := range []struct {
		name             string
		cmd              eas.Command
		id, parent, coll string
		want             int
	}{
		{"create: name taken", eas.CommandCreateCollection, "", inbox, "projects", 6},
		{"create: no parent", eas.CommandCreateCollection, "", "4711", "X", 5},
		{"move: same name and parent", eas.CommandMoveCollection, projects, inbox, "Projects", 2},
		{"move: unknown folder", eas.CommandMoveCollection, "4711", "0", "X", 4},
		{"move: unknown parent", eas.CommandMoveCollection, projects, "4711", "X", 5},
		{"move: default folder", eas.CommandMoveCollection, inbox, projects, "Inbox", 6},
		{"move: into itself", eas.CommandMoveCollection, projects, sub, "Projects", 6},
		{"delete: unknown", eas.CommandDeleteCollection, "4711", "", "", 4},
		{"delete: default folder", eas.CommandDeleteCollection, inbox, "", "", 6},
	} {
		code, r := collection(t, d, tc.cmd, tc.id, tc.parent, tc.coll)
		if code != http.StatusOK || r.Status != tc.want || r.Folder != nil {
			t.Errorf("%s: HTTP %d %+v, want status %d", tc.name, code, r, tc.want)
		}
	}

	code, r = collection(t, d, eas.CommandMoveCollection, projects, "0", "Archive")
	if code != http.StatusOK || r.Status != 1 {
		t.Fatalf("MoveCollection: HTTP %d %+v", code, r)
	}
	if f, ok := env.Mailbox("alice").Folder(projects); !ok || f.DisplayName != "Archive" || f.ParentID != "0" {
		t.Errorf("after move: %+v", f)
	}
	code, r = collection(t, d, eas.CommandDeleteCollection, projects, "", "")
	if code != http.StatusOK || r.Status != 1 {
		t.Fatalf("DeleteCollection: HTTP %d %+v", code, r)
	}
	for _, id := range []string{projects, sub} {
		if _, ok := env.Mailbox("alice").Folder(id); ok {
			t.Errorf("folder %s survives the delete", id)
		}
	}
}

func TestLegacyBadRequests(t *testing.T) {
	env := simtest.New(t, simulator.Options{})
	d := env.Device("alice", "LEGACY3", eas.Version121).Provision()
	long := strings.Repeat("x", 257)
	for _, tc := range []struct {
		name             string
		cmd              eas.Command
		id, parent, coll string
	}{
		{"create without name", eas.CommandCreateCollection, "", "0", ""},
		{"create without parent", eas.CommandCreateCollection, "", "", "X"},
		{"create with a long name", eas.CommandCreateCollection, "", "0", long},
		{"delete without id", eas.CommandDeleteCollection, "", "", ""},
		{"move without name", eas.CommandMoveCollection, "1", "0", ""},
	} {
		if code, _ := collection(t, d, tc.cmd, tc.id, tc.parent, tc.coll); code != http.StatusBadRequest {
			t.Errorf("%s: HTTP %d, want 400", tc.name, code)
		}
	}
	// The legacy commands end at 12.1.
	d14 := env.Device("alice", "LEGACY4", eas.Version141).Provision()
	if resp, _ := d14.Post(eas.CommandGetHierarchy, nil); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("GetHierarchy at 14.1: HTTP %d", resp.StatusCode)
	}
}
