package conformance

import (
	"strconv"
	"testing"

	"github.com/easlab/easlab/eas"
)

// MS-ASCMD S05: FolderUpdate.

// MSASCMD_S05_TC01: a renamed folder keeps its ServerId under its new
// name, and the rename returns a key.
func TestMSASCMD_S05_TC01_FolderUpdate_Success(t *testing.T) {
	atVersions(t, cmdSpec, from(eas.Version121), func(t *testing.T, s *site) {
		c := cmdLab(s)
		fc := c.mustCreate(c.folderSyncKey, eas.FolderTypeUserMail, c.name("FolderCreate"), "0")
		name := c.name("FolderUpdate")
		fu := c.folderUpdate(fc.SyncKey, fc.ServerId, name, "0")
		fs := c.folderSync0()
		renamed := false
		for _, a := range fs.Changes.Add {
			renamed = renamed || (a.DisplayName == name && a.ServerId == fc.ServerId)
		}
		s.capture(140, renamed, "the FolderSync has no folder %s named %q", fc.ServerId, name)
		s.equal(4100, "the FolderUpdate's Status", 1, fu.Status)
		s.capture(5784, fu.SyncKey != "", "the FolderUpdate's answer has no SyncKey")
	})
}

// MSASCMD_S05_TC02: a default folder cannot be renamed (Status 2, no
// key).
func TestMSASCMD_S05_TC02_FolderUpdate_Status2(t *testing.T) {
	atVersions(t, cmdSpec, from(eas.Version121), func(t *testing.T, s *site) {
		c := cmdLab(s)
		fu := c.folderUpdate(c.folderSyncKey, c.my().calendar, "Notes", "0")
		for _, id := range []int{4101, 4102, 4096} {
			s.equal(id, "the Status of a FolderUpdate of the Calendar", 2, fu.Status)
		}
		s.capture(5786, fu.SyncKey == "", "the failed FolderUpdate returns SyncKey %q", fu.SyncKey)
	})
}

// MSASCMD_S05_TC03: a folder that does not exist is Status 4.
func TestMSASCMD_S05_TC03_FolderUpdate_Status4(t *testing.T) {
	atVersions(t, cmdSpec, from(eas.Version121), func(t *testing.T, s *site) {
		c := cmdLab(s)
		fu := c.folderUpdate(c.folderSyncKey, "InvalidServerId", c.name("FolderUpdate"), "0")
		s.equal(4105, "the Status of a FolderUpdate of a missing folder", 4, fu.Status)
		s.equal(4106, "the Status of a FolderUpdate of a missing folder", 4, fu.Status)
	})
}

// MSASCMD_S05_TC04: a parent that does not exist is Status 5.
func TestMSASCMD_S05_TC04_FolderUpdate_Status5(t *testing.T) {
	atVersions(t, cmdSpec, from(eas.Version121), func(t *testing.T, s *site) {
		c := cmdLab(s)
		fc := c.folderCreate(c.folderSyncKey, eas.FolderTypeUserMail, c.name("FolderCreate"), "0")
		fu := c.folderUpdate(fc.SyncKey, fc.ServerId, c.name("FolderUpdate"), "InvalidParentId")
		s.equal(4108, "the Status of a FolderUpdate under a missing parent", 5, fu.Status)
		s.equal(4109, "the Status of a FolderUpdate under a missing parent", 5, fu.Status)
	})
}

// MSASCMD_S05_TC05: a key the server did not issue is Status 9.
func TestMSASCMD_S05_TC05_FolderUpdate_Status9(t *testing.T) {
	atVersions(t, cmdSpec, from(eas.Version121), func(t *testing.T, s *site) {
		c := cmdLab(s)
		fc := c.mustCreate(c.folderSyncKey, eas.FolderTypeUserMail, c.name("FolderCreate"), "0")
		fu := c.folderUpdate("InvalidSyncKey", fc.ServerId, c.name("FolderUpdate"), "0")
		s.equal(4120, "the Status of a FolderUpdate with a wrong key", 9, fu.Status)
	})
}

// MSASCMD_S05_TC06: a FolderUpdate without SyncKey is Status 10.
func TestMSASCMD_S05_TC06_FolderUpdate_Status10(t *testing.T) {
	atVersions(t, cmdSpec, from(eas.Version121), func(t *testing.T, s *site) {
		c := cmdLab(s)
		fc := c.mustCreate(c.folderSyncKey, eas.FolderTypeUserMail, c.name("FolderCreate"), "0")
		var fu eas.FolderUpdateResponse
		c.call(eas.CommandFolderUpdate, c.tree(cmdNode("FolderHierarchy:FolderUpdate",
			cmdText("FolderHierarchy:ServerId", fc.ServerId), cmdText("FolderHierarchy:ParentId", "0"), cmdText("FolderHierarchy:DisplayName", c.name("FolderUpdate")))), &fu)
		for _, id := range []int{3102, 4123, 4568} {
			s.equal(id, "the Status of a FolderUpdate without SyncKey", 10, fu.Status)
		}
	})
}

// MSASCMD_S05_TC07: a folder moves under another parent; a second folder
// of the same name cannot move there (Status 2).
func TestMSASCMD_S05_TC07_FolderUpdate_Moves(t *testing.T) {
	atVersions(t, cmdSpec, from(eas.Version121), func(t *testing.T, s *site) {
		c := cmdLab(s)
		name := c.name("FolderCreate")
		// The original moves the folder under ServerId "5", the number of
		// the Sent Items type; it is a folder in both Exchange and easlab.
		parent := strconv.Itoa(int(eas.FolderTypeSentItems))
		fc := c.folderCreate(c.folderSyncKey, eas.FolderTypeUserMail, name, "0")
		if fu := c.folderUpdate(fc.SyncKey, fc.ServerId, name, parent); fu.Status != 1 {
			t.Fatalf("FolderUpdate moving the folder has Status %d, want 1", fu.Status)
		}
		fs := c.folderSync0()
		moved := false
		for _, a := range fs.Changes.Add {
			moved = moved || (a.ServerId == fc.ServerId && a.ParentId == parent)
		}
		s.capture(139, moved, "the FolderSync has no folder %s under %s", fc.ServerId, parent)
		fc2 := c.folderCreate(fs.SyncKey, eas.FolderTypeUserMail, name, "0")
		fu := c.folderUpdate(fc2.SyncKey, fc2.ServerId, name, parent)
		s.equal(5438, "the Status of a FolderUpdate onto an existing name", 2, fu.Status)
	})
}

// MSASCMD_S05_TC08: the recipient information cache cannot be updated
// (Status 3).
func TestMSASCMD_S05_TC08_FolderUpdate_Status3(t *testing.T) {
	atVersions(t, cmdSpec, from(eas.Version140), func(t *testing.T, s *site) {
		c := cmdLab(s)
		fu := c.folderUpdate(c.folderSyncKey, "RI", c.name("FolderUpdate"), c.my().ric)
		for _, id := range []int{143, 4103, 4104, 141} {
			s.equal(id, "the Status of a FolderUpdate of RI", 3, fu.Status)
		}
	})
}
