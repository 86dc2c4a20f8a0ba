package simulator

import "github.com/easlab/easlab/eas"

// Internals that the external tests (package simulator_test, which may
// use simtest) check against. Only _test.go files see them.

// DefaultFolderCount is how many folders a new mailbox has.
var DefaultFolderCount = len(defaultFolders)

// RecipientTypeGAL is ResolveRecipients' Type of a directory entry.
const RecipientTypeGAL = recipientTypeGAL

// ValidateCertificate is validateCertificate.
var ValidateCertificate = validateCertificate

// AddFolderForTest adds a folder under parent, as a FolderCreate does
// without a device.
func (m *Mailbox) AddFolderForTest(parent, name string, t eas.FolderType) *Folder {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.addFolderLocked(parent, name, t)
}
