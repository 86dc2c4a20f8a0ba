package conformance

import (
	"testing"

	"github.com/easlab/easlab/eas"
)

// MS-ASCMD S03: FolderDelete.

// MSASCMD_S03_TC01: a deleted folder is gone from the next FolderSync,
// and the deletion returns a key.
func TestMSASCMD_S03_TC01_FolderDelete_Success(t *testing.T) {
	atVersions(t, cmdSpec, from(eas.Version121), func(t *testing.T, s *site) {
		c := cmdLab(s)
		fc := c.mustCreate(c.folderSyncKey, eas.FolderTypeUserMail, c.name("FolderDelete"), "0")
		fd := c.folderDelete(fc.SyncKey, fc.ServerId)
		if fd.Status != 1 {
			t.Fatalf("FolderDelete has Status %d, want 1", fd.Status)
		}
		fs := c.folderSync0()
		if fs.Status != 1 {
			t.Fatalf("FolderSync has Status %d, want 1", fs.Status)
		}
		gone := true
		for _, a := range fs.Changes.Add {
			gone = gone && a.ServerId != fc.ServerId
		}
		for _, id := range []int{97, 98, 4045} {
			s.capture(id, gone, "the FolderSync after the deletion still adds folder %s", fc.ServerId)
		}
		s.capture(5783, fd.SyncKey != "", "the FolderDelete's answer has no SyncKey")
	})
}

// MSASCMD_S03_TC02: a default folder, and the recipient information
// cache, cannot be deleted (Status 3, no key).
func TestMSASCMD_S03_TC02_FolderDelete_Status3(t *testing.T) {
	atVersions(t, cmdSpec, from(eas.Version121), func(t *testing.T, s *site) {
		c := cmdLab(s)
		fd := c.folderDelete(c.folderSyncKey, c.my().calendar)
		if fd.Status == 0 {
			t.Fatalf("the FolderDelete's answer has no Status")
		}
		s.capture(99, true, "")
		for _, id := range []int{101, 4046, 4047, 4040} {
			s.equal(id, "the Status of a FolderDelete of the Calendar", 3, fd.Status)
		}
		s.capture(5785, fd.SyncKey == "", "the failed FolderDelete returns SyncKey %q", fd.SyncKey)
		if s.version != eas.Version121 {
			ri := c.folderDelete(c.folderSyncKey, "RI")
			if ri.Status == 0 {
				t.Fatalf("the FolderDelete's answer has no Status")
			}
			s.equal(100, "the Status of a FolderDelete of RI", 3, ri.Status)
		}
	})
}

// MSASCMD_S03_TC03: a folder that does not exist is Status 4.
func TestMSASCMD_S03_TC03_FolderDelete_Status4(t *testing.T) {
	atVersions(t, cmdSpec, from(eas.Version121), func(t *testing.T, s *site) {
		c := cmdLab(s)
		fd := c.folderDelete(c.folderSyncKey, "InvalidServerId")
		s.equal(4048, "the Status of a FolderDelete of a missing folder", 4, fd.Status)
		s.equal(4049, "the Status of a FolderDelete of a missing folder", 4, fd.Status)
	})
}

// MSASCMD_S03_TC04: an empty SyncKey is Status 9; the right one deletes.
func TestMSASCMD_S03_TC04_FolderDelete_Status9(t *testing.T) {
	atVersions(t, cmdSpec, from(eas.Version121), func(t *testing.T, s *site) {
		c := cmdLab(s)
		fc := c.mustCreate(c.folderSyncKey, eas.FolderTypeUserMail, c.name("FolderDelete"), "0")
		fd := c.folderDelete("", fc.ServerId)
		s.equal(4060, "the Status of a FolderDelete with an empty key", 9, fd.Status)
		if fd := c.folderDelete(fc.SyncKey, fc.ServerId); fd.Status != 1 {
			t.Errorf("FolderDelete with the right key has Status %d, want 1", fd.Status)
		}
	})
}

// MSASCMD_S03_TC05: a FolderDelete without SyncKey is Status 10; with
// the key it deletes.
func TestMSASCMD_S03_TC05_FolderDelete_Status10(t *testing.T) {
	atVersions(t, cmdSpec, from(eas.Version121), func(t *testing.T, s *site) {
		c := cmdLab(s)
		fc := c.mustCreate(c.folderSyncKey, eas.FolderTypeUserMail, c.name("FolderDelete"), "0")
		var fd eas.FolderDeleteResponse
		c.call(eas.CommandFolderDelete, c.tree(cmdNode("FolderHierarchy:FolderDelete", cmdText("FolderHierarchy:ServerId", fc.ServerId))), &fd)
		s.equal(4063, "the Status of a FolderDelete without SyncKey", 10, fd.Status)
		if fd := c.folderDelete(fc.SyncKey, fc.ServerId); fd.Status != 1 {
			t.Errorf("FolderDelete with the right key has Status %d, want 1", fd.Status)
		}
	})
}
