package conformance

import (
	"testing"

	"github.com/easlab/easlab/eas"
)

// MS-ASCMD S02: FolderCreate.

// cmdMustCreate is a FolderCreate that must succeed.
func (c *cmdSuite) mustCreate(key string, typ eas.FolderType, name, parent string) *eas.FolderCreateResponse {
	c.s.t.Helper()
	r := c.folderCreate(key, typ, name, parent)
	if r.Status != 1 {
		c.s.t.Fatalf("FolderCreate of %q under %q has Status %d, want 1", name, parent, r.Status)
	}
	return r
}

// MSASCMD_S02_TC01: a created folder has a ServerId and a new key, and
// the next FolderSync adds it.
func TestMSASCMD_S02_TC01_FolderCreate_Success(t *testing.T) {
	atVersions(t, cmdSpec, from(eas.Version121), func(t *testing.T, s *site) {
		c := cmdLab(s)
		fc := c.mustCreate(c.folderSyncKey, eas.FolderTypeUserMail, c.name("FolderCreate"), "0")
		fs := c.folderSync0()
		added := false
		for _, a := range fs.Changes.Add {
			added = added || a.ServerId == fc.ServerId
		}
		s.capture(4011, added, "the FolderSync adds no folder %s", fc.ServerId)
		s.capture(79, added, "the FolderSync adds no folder %s", fc.ServerId)
		s.capture(3903, fc.ServerId != "", "the FolderCreate's answer has no ServerId")
		s.capture(4569, fc.SyncKey != "", "the FolderCreate's answer has no SyncKey")
	})
}

// MSASCMD_S02_TC02: a FolderCreate without a name fails with neither
// ServerId nor SyncKey.
func TestMSASCMD_S02_TC02_FolderCreate_Fail(t *testing.T) {
	atVersions(t, cmdSpec, from(eas.Version121), func(t *testing.T, s *site) {
		c := cmdLab(s)
		fc := c.folderCreate(c.folderSyncKey, eas.FolderTypeUserMail, "", "0")
		if fc.Status == 0 {
			t.Fatalf("the FolderCreate's answer has no Status")
		}
		s.capture(3904, fc.ServerId == "", "the failed FolderCreate (Status %d) returns ServerId %q", fc.Status, fc.ServerId)
		s.capture(4570, fc.SyncKey == "", "the failed FolderCreate (Status %d) returns SyncKey %q", fc.Status, fc.SyncKey)
	})
}

// MSASCMD_S02_TC03: a second folder of the same name under the same
// parent is refused with Status 2.
func TestMSASCMD_S02_TC03_FolderCreate_Status2(t *testing.T) {
	atVersions(t, cmdSpec, from(eas.Version121), func(t *testing.T, s *site) {
		c := cmdLab(s)
		name := c.name("FolderCreate")
		fc := c.mustCreate(c.folderSyncKey, eas.FolderTypeUserMail, name, "0")
		again := c.folderCreate(fc.SyncKey, eas.FolderTypeUserMail, name, "0")
		s.equal(4013, "the Status of a FolderCreate of an existing name", 2, again.Status)
	})
}

// MSASCMD_S02_TC04: a parent that does not exist is Status 5.
func TestMSASCMD_S02_TC04_FolderCreate_Status5(t *testing.T) {
	atVersions(t, cmdSpec, from(eas.Version121), func(t *testing.T, s *site) {
		c := cmdLab(s)
		fc := c.folderCreate(c.folderSyncKey, eas.FolderTypeUserMail, c.name("FolderCreate"), "InvalidParentId")
		s.equal(4019, "the Status of a FolderCreate under a missing parent", 5, fc.Status)
		s.equal(4018, "the Status of a FolderCreate under a missing parent", 5, fc.Status)
	})
}

// MSASCMD_S02_TC05: a key the server did not issue is Status 9.
func TestMSASCMD_S02_TC05_FolderCreate_Status9(t *testing.T) {
	atVersions(t, cmdSpec, from(eas.Version121), func(t *testing.T, s *site) {
		c := cmdLab(s)
		fc := c.folderCreate("InvalidFolderSyncKey", eas.FolderTypeUserMail, c.name("FolderCreate"), "0")
		s.equal(4032, "the Status of a FolderCreate with a wrong key", 9, fc.Status)
		s.equal(4573, "the Status of a FolderCreate with a wrong key", 9, fc.Status)
	})
}

// MSASCMD_S02_TC06: a FolderCreate without SyncKey, and one of a default
// folder's type, are Status 10.
func TestMSASCMD_S02_TC06_FolderCreate_Status10(t *testing.T) {
	atVersions(t, cmdSpec, from(eas.Version121), func(t *testing.T, s *site) {
		c := cmdLab(s)
		var fc eas.FolderCreateResponse
		c.call(eas.CommandFolderCreate, c.tree(cmdNode("FolderHierarchy:FolderCreate",
			cmdText("FolderHierarchy:ParentId", "0"), cmdText("FolderHierarchy:DisplayName", c.name("FolderCreate")), cmdText("FolderHierarchy:Type", "12"))), &fc)
		if fc.Status != 10 {
			// The original asserts this before its capture: the capture
			// below is what the run records.
			s.capture(4035, false, "the Status of a FolderCreate without SyncKey is %d, want 10", fc.Status)
			return
		}
		inbox := c.folderCreate(c.folderSyncKey, eas.FolderTypeInbox, c.name("FolderCreate"), "0")
		s.equal(4035, "the Status of a FolderCreate of type Inbox", 10, inbox.Status)
	})
}

// MSASCMD_S02_TC07: a folder cannot be created under the recipient
// information cache (Status 3).
func TestMSASCMD_S02_TC07_FolderCreate_Status3(t *testing.T) {
	atVersions(t, cmdSpec, from(eas.Version140), func(t *testing.T, s *site) {
		c := cmdLab(s)
		fc := c.folderCreate(c.folderSyncKey, eas.FolderTypeUserMail, c.name("FolderCreate"), c.my().ric)
		s.equal(4016, "the Status of a FolderCreate under the recipient information cache", 3, fc.Status)
		s.equal(5769, "the Status of a FolderCreate under the recipient information cache", 3, fc.Status)
	})
}

// MSASCMD_S02_TC08: a recipient information cache cannot be created
// (Status 3).
func TestMSASCMD_S02_TC08_FolderCreate_RecipientInformationCache_Status3(t *testing.T) {
	atVersions(t, cmdSpec, from(eas.Version140), func(t *testing.T, s *site) {
		c := cmdLab(s)
		fc := c.folderCreate(c.folderSyncKey, eas.FolderTypeRecipientInfoCache, c.name("FolderCreate"), c.my().inbox)
		s.equal(81, "the Status of a FolderCreate of a recipient information cache", 3, fc.Status)
	})
}
