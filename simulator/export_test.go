package simulator

import (
	"context"
	"crypto/x509"
	"strings"
	"time"

	"github.com/easlab/easlab/eas"
	"github.com/easlab/easlab/wbxml"
)

// Internals that the external tests (package simulator_test, which may
// use simtest) check against. Only _test.go files see them.

// DefaultFolderCount is how many folders a new mailbox has.
var DefaultFolderCount = len(defaultFolders)

// RecipientTypeGAL is ResolveRecipients' Type of a directory entry.
const RecipientTypeGAL = recipientTypeGAL

// ValidateCertificate is validateCertificate with a fresh budget and no
// cancellation.
func ValidateCertificate(der []byte, pool, roots []*x509.Certificate, now time.Time) eas.ValidateCertStatus {
	st, _ := validateCertificate(&certChecker{ctx: context.Background()}, der, pool, roots, now)
	return st
}

// ValidateCertificateContext is validateCertificate with a fresh budget,
// stopped when ctx is done.
func ValidateCertificateContext(ctx context.Context, der []byte, pool, roots []*x509.Certificate, now time.Time) (eas.ValidateCertStatus, error) {
	return validateCertificate(&certChecker{ctx: ctx}, der, pool, roots, now)
}

// AddFolderForTest adds a folder under parent, as a FolderCreate does
// without a device.
func (m *Mailbox) AddFolderForTest(parent, name string, t eas.FolderType) *Folder {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.addFolderLocked(parent, name, t)
}

// AddDeviceForTest inserts a partnership directly, as the EAS path
// records one.
func (m *Mailbox) AddDeviceForTest(d Device) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.devices[strings.ToLower(d.DeviceID)] = &d
}

// SetSyncingForTest gives a partnership a hanging Ping's heartbeat and
// synced collections, as Get-MobileDeviceStatistics reports them.
func (d *Device) SetSyncingForTest(heartbeat time.Duration, collections ...string) {
	d.ping = &pingState{heartbeat: heartbeat}
	d.collections = nil
	for _, c := range collections {
		d.collections.set(c, nil)
	}
}

// ParseGuid is parseGuid.
var ParseGuid = parseGuid

// MaxAdminRequestBytes is the admin API's limit on a request body.
const MaxAdminRequestBytes = maxAdminRequestBytes

// PolicyFor is the policy a mailbox with that ActiveSyncMailboxPolicy is
// under.
func (d *Directory) PolicyFor(name string) MobileDeviceMailboxPolicy { return d.policyFor(name) }

// PolicyVersion is a policy's version, which every change bumps.
func PolicyVersion(p MobileDeviceMailboxPolicy) int { return p.version }

// MultipartBody is multipartBody.
var MultipartBody = multipartBody

// ItemConversationID is itemConversationID.
var ItemConversationID = itemConversationID

// RenderItemForTest renders an item as a Sync or Fetch does, with no
// options.
func RenderItemForTest(it *Item) *wbxml.Node { return renderItem(it, renderOptions{}) }

// SetPropsForTest changes an item's properties, as ChangeItem does to a
// stored one.
func (it *Item) SetPropsForTest(changes []*wbxml.Node) { it.setProps(changes) }

// MustTag is mustTag: the tag of a qualified name ("Email:Subject").
var MustTag = mustTag
