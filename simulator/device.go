package simulator

import (
	"github.com/easlab/easlab/eas"
	"github.com/easlab/easlab/simulator/access"
	"strings"
	"time"
)

// DeviceInformation is what a device tells about itself through Settings
// or Provision (MS-ASCMD 2.2.3.47.1).
type DeviceInformation struct {
	Model             string
	IMEI              string
	FriendlyName      string
	OS                string
	OSLanguage        string
	PhoneNumber       string
	UserAgent         string
	MobileOperator    string
	EnableOutboundSMS bool
}

// Device is a device partnership: one device of one user, recorded on its
// first contact, with the properties Get-MobileDevice and
// Get-MobileDeviceStatistics show and the device's protocol state.
type Device struct {
	DeviceID        string
	DeviceType      string
	DeviceUserAgent string
	ProtocolVersion string
	Info            DeviceInformation
	HasInfo         bool // DeviceInformation received

	FirstSyncTime       time.Time
	LastSyncAttemptTime time.Time
	LastSuccessSync     time.Time
	LastPolicyUpdate    time.Time
	// WhenChanged is when the partnership's AD object was last written
	// (Get-MobileDevice's WhenChanged): at its creation, when what it
	// shows changes, and at least every ADDataSyncInterval (adobject.go).
	WhenChanged time.Time `json:",omitzero"`

	// Provisioning: the key the device holds once it has acknowledged the
	// policy, and the temporary key handed out in the first phase.
	PolicyKey     uint32
	TempPolicyKey uint32
	// PolicyApplied names the policy the device last acknowledged
	// (DevicePolicyApplied).
	PolicyApplied string
	policyVersion int

	// RecoveryPassword is the device password recovery key the device
	// stored with Settings DevicePassword.
	RecoveryPassword string

	// The access decision stamped at the device's last request, as
	// Get-MobileDevice shows it.
	DeviceAccessState       access.State
	DeviceAccessStateReason access.Reason
	DeviceAccessControlRule string
	// InformationPromoted: a hanging request ended device discovery, and
	// DeviceType stands for the model.
	InformationPromoted bool

	// (The flags go together, the struct being a size class smaller.)
	announced  bool   // the DeviceCreated event went out
	uaChanged  bool   // this request's User-Agent differs from the last
	noticeItem string // ServerId of the quarantine notice in the Inbox
	// wipe is Clear-MobileDevice's, nil when none was asked: most
	// partnerships never have one. It is replaced, never changed in
	// place, since the snapshots of Device share it.
	wipe    *wipeState
	stamped access.State // the state the EAS side stamped at the last request
	// adminStamped is when a cmdlet (Set-CASMailbox) last stamped the
	// partnership's access: a decision made from settings older than that
	// (the directory cache) must not overwrite it.
	adminStamped time.Time
	adHash       uint64    // the hash of what the AD object shows, as last written (adobject.go)
	behaviour    behaviour // for autoblock

	hierarchy   *syncState  // FolderSync: the folders the device has
	collections collections // the folders' sync states
	ping        *pingState
	lastSync    *eas.SyncRequest // the last Sync request, for empty and Partial ones
}

// deviceLocked returns the partnership for id, creating it on first contact.
func (m *Mailbox) deviceLocked(id, typ, ua string, now time.Time) *Device {
	key := strings.ToLower(id)
	d := m.devices[key]
	if d == nil {
		// The strings are copies: id and typ are slices of the request's
		// line, which the partnership must not keep.
		id = strings.Clone(id)
		key = strings.ToLower(id)
		d = &Device{DeviceID: id, DeviceType: m.names.intern(typ), FirstSyncTime: now}
		m.devices[key] = d
	}
	if ua != "" && ua != d.DeviceUserAgent {
		d.uaChanged = d.DeviceUserAgent != ""
		d.DeviceUserAgent = m.names.intern(ua)
	}
	d.LastSyncAttemptTime = now
	m.touchLocked(key)
	// A device's own request: what its sections change of its partnership
	// is written once, at the request's end (commitDevices), before it
	// answers; changes of shared state (items, folders, the mailbox's
	// record) are written at the end of each section, where others see
	// them.
	m.deferDevices = m.store != nil
	return d
}

// Devices returns copies of the mailbox's device partnerships.
func (m *Mailbox) Devices() []Device {
	m.lock()
	defer m.unlock()
	out := make([]Device, 0, len(m.devices))
	for _, d := range m.devices {
		c := *d
		c.hierarchy, c.collections, c.ping, c.lastSync = nil, nil, nil, nil
		out = append(out, c)
	}
	return out
}

// collections are a partnership's sync states by CollectionId: a slice,
// since a device syncs a few folders (a fleet's, the Inbox alone), and a
// map of one entry is some 250 bytes.
type collections []collection

type collection struct {
	id string
	st *syncState
}

// get returns the state of collection id, nil if it has none.
func (cs collections) get(id string) *syncState {
	for _, c := range cs {
		if c.id == id {
			return c.st
		}
	}
	return nil
}

// set makes st the state of collection id.
func (cs *collections) set(id string, st *syncState) {
	for i := range *cs {
		if (*cs)[i].id == id {
			(*cs)[i].st = st
			return
		}
	}
	*cs = append(*cs, collection{id: id, st: st})
}

// pingState is the cached Ping of a device: an empty Ping reuses it.
type pingState struct {
	heartbeat time.Duration
	folders   []pingFolder
}

type pingFolder struct{ id, class string }
