package simulator

import (
	"strconv"
	"strings"
	"time"

	"github.com/emersion/go-message/mail"

	"github.com/easlab/easlab/wbxml"
)

// The recipient information cache (the virtual folder "RI", listed from
// 14.0) holds the people the user mailed, as contacts with Email1Address,
// FileAs and WeightedRank and never an Alias (MS-ASCNTC 2.2.2.31,
// MSASCNTC_S01_TC04 R415, R410, R236, R219, R1010).
//
// Exchange fills it when a device sends mail: SendMail, SmartReply and
// SmartForward end with Command.UpdateRecipientInfoCache (Exchange 2013
// SendMailBase.SendMessage), which adds every recipient not in the cache
// as a one-off entry named by its display name and SMTP address, and
// renews the timestamp of those already there; the cache keeps 100
// entries (RecipientInfoCache.Save). The WeightedRank Exchange sends is
// bits 23 to 53 of the entry's timestamp in .NET ticks
// (RecipientInfoCacheIntProperty), so the most recently mailed rank
// highest.

var (
	tRIEmail1Address = mustTag("Contacts:Email1Address")
	tRIFileAs        = mustTag("Contacts:FileAs")
	tRIWeightedRank  = mustTag("Contacts:WeightedRank")
)

// recipientInfoCacheSize is how many entries the cache keeps (Exchange's
// UpdateRecipientInfoCache saves the cache with a size of 100).
const recipientInfoCacheSize = 100

// weightedRank is the WeightedRank of an entry last used at t: bits 23
// to 53 of t in .NET ticks (100 ns since 0001-01-01 UTC).
func weightedRank(t time.Time) int {
	const unixEpochTicks = 621355968000000000
	ticks := t.UnixNano()/100 + unixEpochTicks
	return int((ticks & 0x3FFFFFFF800000) >> 23)
}

// rememberRecipients adds the recipients of a message the owner of mb
// sent to mb's recipient information cache, or renews their entries. A
// recipient of the organization is named by its directory display name,
// as Exchange resolves it; another by the name its address carried, or
// the address.
func (s *Server) rememberRecipients(mb *Mailbox, recipients []*mail.Address, now time.Time) {
	type entry struct{ name, addr string }
	var entries []entry
	seen := map[string]bool{}
	for _, a := range recipients {
		addr := strings.TrimSpace(a.Address)
		if addr == "" || seen[strings.ToLower(addr)] {
			continue
		}
		seen[strings.ToLower(addr)] = true
		name := a.Name
		if u, _, ok := s.dir.Resolve(addr); ok {
			addr = u.PrimarySmtpAddress
			if u.DisplayName != "" {
				name = u.DisplayName
			}
		}
		if name == "" {
			name = addr
		}
		entries = append(entries, entry{name, addr})
	}
	if len(entries) == 0 {
		return
	}
	rank := wbxml.NewText(tRIWeightedRank, strconv.Itoa(weightedRank(now)))
	mb.lock()
	defer mb.unlock()
	if mb.folderLocked(recipientInfoCacheID) == nil {
		return
	}
	var live []*Item
	for it := range mb.changesLocked(recipientInfoCacheID, 0) {
		if !it.Deleted {
			live = append(live, it)
		}
	}
	for _, e := range entries {
		var found *Item
		for _, it := range live {
			if strings.EqualFold(it.Prop(tRIEmail1Address), e.addr) {
				found = it
				break
			}
		}
		if found != nil {
			found.setProps([]*wbxml.Node{rank})
			mb.stampLocked(found, true)
			continue
		}
		it, err := mb.addItemLocked(recipientInfoCacheID, &Item{
			Class:    "Contacts",
			Props:    []*wbxml.Node{wbxml.NewText(tRIEmail1Address, e.addr), wbxml.NewText(tRIFileAs, e.name), rank},
			Received: now,
		})
		if err != nil {
			s.log.Error("updating the recipient information cache", "mailbox", mb.owner.PrimarySmtpAddress, "error", err)
			return
		}
		live = append(live, mb.items[it.ServerID])
	}
	// Over the limit, the entries used longest ago go. (Exchange sorts
	// by a usage count first, then by time; easlab keeps no count, so
	// the time decides.)
	for len(live) > recipientInfoCacheSize {
		oldest := 0
		for i, it := range live {
			if it.ModSeq < live[oldest].ModSeq {
				oldest = i
			}
		}
		live[oldest].Deleted = true
		mb.stampLocked(live[oldest], true)
		live = append(live[:oldest], live[oldest+1:]...)
	}
}
