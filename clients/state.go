package clients

import (
	"cmp"
	"fmt"
	"slices"

	"github.com/easlab/easlab/eas"
)

// State is what a device remembers between two runs of a program: its
// identity, the negotiated protocol version, the policy key, the folder
// hierarchy, the sync keys and the subjects of the items it holds. A phone
// keeps exactly this across app restarts; `easlab device --state FILE`
// keeps it in a JSON file so that setup, sync and ping can be separate
// invocations. Item bodies are not kept.
type State struct {
	Profile          string                 `json:"profile"`
	DeviceID         string                 `json:"deviceId"`
	BaseURL          string                 `json:"baseUrl"`
	User             string                 `json:"user"`
	ProtocolVersion  string                 `json:"protocolVersion"`
	UserAgent        string                 `json:"userAgent"`
	OS               string                 `json:"os"`
	PolicyKey        *uint32                `json:"policyKey,omitempty"`
	HierarchySyncKey string                 `json:"hierarchySyncKey"`
	Folders          []StateFolder          `json:"folders,omitempty"`
	Items            map[string][]StateItem `json:"items,omitempty"` // by folder ServerId
	// ClientIDs counts the ClientIds the device has used (SendMail,
	// SmartReply, SmartForward, Sync Add): a restored device goes on from
	// it, as a phone never reuses one (Exchange answers a reused
	// ClientId with Status 118, MessagePreviouslySent).
	ClientIDs int `json:"clientIds,omitempty"`
}

// StateFolder is one folder of the hierarchy and its SyncKey.
type StateFolder struct {
	ServerID    string         `json:"serverId"`
	ParentID    string         `json:"parentId,omitempty"`
	DisplayName string         `json:"displayName"`
	Type        eas.FolderType `json:"type"`
	SyncKey     string         `json:"syncKey,omitempty"`
}

// StateItem is one item of the local store.
type StateItem struct {
	ServerID string `json:"serverId"`
	Subject  string `json:"subject,omitempty"`
}

// State returns what the device remembers (see State).
func (d *Device) State() State {
	d.mu.Lock()
	defer d.mu.Unlock()
	st := State{
		Profile: d.Profile.Name, DeviceID: d.DeviceID, BaseURL: d.opts.BaseURL, User: d.opts.User,
		ProtocolVersion: d.Profile.ProtocolVersion.String(), UserAgent: d.Profile.UserAgent, OS: d.Profile.OS,
		HierarchySyncKey: d.hierarchyKey, ClientIDs: d.clientIDs,
	}
	if d.hasPolicyKey {
		k := d.policyKey
		st.PolicyKey = &k
	}
	for _, h := range d.folders {
		f := h.Value()
		key := ""
		if sf := d.syncedLocked(f.serverID); sf != nil {
			key = sf.key
		}
		st.Folders = append(st.Folders, StateFolder{ServerID: f.serverID, ParentID: f.parentID, DisplayName: f.displayName, Type: f.typ, SyncKey: key})
	}
	slices.SortFunc(st.Folders, func(a, b StateFolder) int { return cmp.Compare(a.ServerID, b.ServerID) })
	for _, sf := range d.synced {
		id, items := sf.id, sf.items
		if len(items) == 0 {
			continue
		}
		if st.Items == nil {
			st.Items = map[string][]StateItem{}
		}
		list := make([]StateItem, 0, len(items))
		for _, it := range items {
			list = append(list, StateItem{ServerID: it.ServerID, Subject: it.Subject})
		}
		slices.SortFunc(list, func(a, b StateItem) int { return cmp.Compare(a.ServerID, b.ServerID) })
		st.Items[id] = list
	}
	return st
}

// Restore returns the device st describes, talking with opts (whose
// BaseURL, User and DeviceID, when empty, are taken from st). The profile
// is looked up by name and then carries the remembered protocol version,
// User-Agent and OS, so that a device updated with UpdateOS stays updated.
func Restore(st State, opts Options) (*Device, error) {
	p, ok := ProfileByName(st.Profile)
	if !ok {
		return nil, fmt.Errorf("clients: state of unknown profile %q", st.Profile)
	}
	if st.ProtocolVersion != "" {
		v, err := eas.ParseProtocolVersion(st.ProtocolVersion)
		if err != nil {
			return nil, fmt.Errorf("clients: state: %w", err)
		}
		p.ProtocolVersion = v
	}
	if st.UserAgent != "" {
		p.UserAgent = st.UserAgent
	}
	if st.OS != "" {
		p.OS = st.OS
	}
	if opts.BaseURL == "" {
		opts.BaseURL = st.BaseURL
	}
	if opts.User == "" {
		opts.User = st.User
	}
	if opts.DeviceID == "" {
		opts.DeviceID = st.DeviceID
	}
	if opts.DeviceID == "" {
		return nil, fmt.Errorf("clients: state has no DeviceId")
	}
	d := New(p, opts)
	d.mu.Lock()
	defer d.mu.Unlock()
	if st.PolicyKey != nil {
		d.policyKey, d.hasPolicyKey = *st.PolicyKey, true
	}
	if st.HierarchySyncKey != "" {
		d.hierarchyKey = st.HierarchySyncKey
	}
	d.clientIDs = st.ClientIDs
	for _, f := range st.Folders {
		d.putFolderLocked(eas.Folder{ServerId: f.ServerID, ParentId: f.ParentID, DisplayName: f.DisplayName, Type: f.Type})
		if f.SyncKey != "" {
			d.syncedOrNewLocked(f.ServerID).key = f.SyncKey
		}
	}
	for id, items := range st.Items {
		m := make(map[string]Item, len(items))
		for _, it := range items {
			m[it.ServerID] = Item{ServerID: it.ServerID, Subject: it.Subject}
		}
		d.syncedOrNewLocked(id).items = m
	}
	return d, nil
}
