package simulator

import (
	"net/http"
	"time"

	"github.com/easlab/easlab/eas"
)

// Ping (MS-ASCMD 2.2.1.13): wait up to the heartbeat for changes in the
// listed folders.

// maxPingFolders is how many folders one Ping may watch. Exchange's
// default is UNCONFIRMED (protocol.md 3.2 Ping); 300 is what Z-Push
// allows and more than any real client sends.
const maxPingFolders = 300

func handlePing(c *call) error {
	var req eas.PingRequest
	if len(c.body) > 0 {
		if err := c.decode(&req); err != nil {
			return err
		}
	}
	m := c.mb
	m.lock()
	dev := c.deviceLocked()
	if dev.hierarchy == nil {
		// Exchange's PingCommand answers 7 to a device with no hierarchy
		// sync state before it reads the request (Interop MS-ASCMD
		// S11_TC04 R4258).
		m.unlock()
		return c.reply(&eas.PingResponse{Status: int(eas.PingStatusFolderSyncRequired)})
	}
	if len(c.body) > 0 && req.HeartbeatInterval == 0 && req.Folders == nil && len(req.Extra) == 0 {
		if root := c.requestTree(); root != nil && len(root.Children) == 0 {
			// <Ping/>: Exchange refuses an empty Ping element as a
			// validation error, Status 4, where an empty body takes the
			// cached parameters (PingCommand.ReadXmlRequest; Interop
			// MS-ASCMD S11_TC02 R4244/R4228).
			m.unlock()
			return c.reply(&eas.PingResponse{Status: int(eas.PingStatusSyntaxError)})
		}
	}
	cached := dev.ping
	ps := pingState{}
	if cached != nil {
		ps = *cached
	}
	if req.HeartbeatInterval != 0 {
		if req.HeartbeatInterval < minHeartbeat || req.HeartbeatInterval > maxHeartbeat {
			m.unlock()
			return c.reply(&eas.PingResponse{Status: int(eas.PingStatusHeartbeatOutOfBounds), HeartbeatInterval: clamp(req.HeartbeatInterval, minHeartbeat, maxHeartbeat)})
		}
		ps.heartbeat = time.Duration(req.HeartbeatInterval) * time.Second
	}
	if req.Folders != nil {
		if len(req.Folders.Folder) > maxPingFolders {
			m.unlock()
			return c.reply(&eas.PingResponse{Status: int(eas.PingStatusTooManyFolders), MaxFolders: maxPingFolders})
		}
		ps.folders = ps.folders[:0:0]
		for _, f := range req.Folders.Folder {
			ps.folders = append(ps.folders, pingFolder{id: f.Id, class: f.Class})
		}
	}
	if ps.heartbeat == 0 || len(ps.folders) == 0 {
		m.unlock()
		return c.reply(&eas.PingResponse{Status: int(eas.PingStatusMissingParameters)})
	}
	for _, f := range ps.folders {
		if m.folderLocked(f.id) == nil || !dev.hierarchy.held[f.id] {
			// A folder the device's FolderSync did not give it: Exchange
			// finds no mapping for its id and answers 7.
			m.unlock()
			return c.reply(&eas.PingResponse{Status: int(eas.PingStatusFolderSyncRequired)})
		}
	}
	dev.ping = &ps
	m.unlock()
	c.s.metrics.pings.Add(1)
	ids := make([]string, len(ps.folders))
	for i, f := range ps.folders {
		ids[i] = f.id
	}
	h := c.newHold(ps.heartbeat, func(h *hold) (bool, error) {
		if c.quarantined && h.passes > 0 && c.s.opts.ReleaseHangingOnApproval {
			// Woken by a change (an approval?): decide again.
			if err := c.s.redecide(c); err != nil {
				return true, err
			}
		}
		m.lock()
		if h.w == nil {
			h.watchLocked(ids)
		}
		changed, hierarchy := m.pingChangesLocked(dev, ps.folders)
		if c.quarantined {
			// Only the quarantine notice counts (exchange-admin.md 2.1).
			changed = m.pendingNoticeLocked(dev, ps.folders)
		}
		m.unlock()
		switch {
		case hierarchy:
			return true, c.reply(&eas.PingResponse{Status: int(eas.PingStatusFolderSyncRequired)})
		case len(changed) > 0:
			return true, c.reply(&eas.PingResponse{Status: int(eas.PingStatusChangesOccurred), Folders: &eas.PingChangedFolders{Folder: changed}})
		}
		return false, nil
	}, func(r wakeReason) error {
		switch r {
		case wakeStolen:
			// A newer Ping or hanging Sync of this device took over:
			// Exchange answers this one "no changes" (see hangLocked).
			c.extra().logError = "NMStolen"
			return c.reply(&eas.PingResponse{Status: int(eas.PingStatusHeartbeatExpired)})
		case wakeGone:
			return eas.NewHTTPError(http.StatusRequestTimeout, "client went away during Ping")
		}
		return c.reply(&eas.PingResponse{Status: int(eas.PingStatusHeartbeatExpired)})
	})
	h.onEnd = append(h.onEnd, func() { c.s.metrics.pings.Add(-1) })
	return h.loop()
}

// pendingNoticeLocked lists the watched Inbox when the device has not
// synced its quarantine notice yet.
func (m *Mailbox) pendingNoticeLocked(dev *Device, folders []pingFolder) []string {
	for _, pf := range folders {
		f := m.folderLocked(pf.id)
		if f == nil {
			continue
		}
		st := dev.collections.get(pf.id)
		if st == nil {
			st = &syncState{held: map[string]bool{}}
		}
		if m.quarantineNoticeLocked(dev, f, st) != nil {
			return []string{pf.id}
		}
	}
	return nil
}

// pingChangesLocked lists the watched folders with changes the device has
// not synced: beyond its collection's sync state; a folder it never
// synced is changed at once, as Exchange's Ping takes the InvalidSyncKey
// of a folder without a sync state for changes (PingCommand
// .FolderChangedSinceLastSync; MSASHTTP_S01_TC12 R504). It also reports
// whether a watched folder is gone (the device must FolderSync).
func (m *Mailbox) pingChangesLocked(dev *Device, folders []pingFolder) ([]string, bool) {
	if m.hierarchyChangedLocked(dev) {
		return nil, true
	}
	var out []string
	for _, f := range folders {
		if m.folderLocked(f.id) == nil {
			return nil, true
		}
		st := dev.collections.get(f.id)
		if st == nil {
			out = append(out, f.id)
			continue
		}
		since := st.seen
		for it := range m.changesLocked(f.id, since) {
			if v, ok := st.echo[it.ServerID]; ok && v == it.ModSeq {
				continue
			}
			if it.Deleted && !st.held[it.ServerID] {
				continue
			}
			out = append(out, f.id)
			break
		}
	}
	return out, false
}

// hierarchyChangedLocked reports whether the folder hierarchy changed
// since the device's last FolderSync, other than by its own FolderCreate,
// FolderUpdate or FolderDelete: Exchange's Ping then answers 7, at once or
// when the change comes (PingCommand.FolderHierarchyChangedSinceLastSync;
// Interop MS-ASCMD S11_TC05 R4257).
func (m *Mailbox) hierarchyChangedLocked(dev *Device) bool {
	st := dev.hierarchy
	if st == nil {
		return true
	}
	for _, f := range m.folders {
		if f.ModSeq <= st.seen {
			continue
		}
		if v, ok := st.echo[f.ServerID]; ok && v == f.ModSeq {
			continue
		}
		if f.Deleted && !st.held[f.ServerID] {
			continue
		}
		return true
	}
	return false
}
