package simulator

import (
	"net/mail"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/easlab/easlab/eas"
	"github.com/easlab/easlab/wbxml"
)

// ResolveRecipients (MS-ASCMD 2.2.1.15): resolve names and addresses
// against the directory, with certificates, free/busy and photos.
//
// The behaviour follows Exchange 2013's ResolveRecipientsCommand,
// AnrManager and ResolvedRecipient (exchange-admin.md S1):
//
//   - A request Exchange cannot take gets the top-level Status 5 and no
//     Response: no To, an empty To or one longer than 256 characters,
//     100 To elements or more (Exchange stops at MaxRetrievedItems, 100,
//     counting "count >= 100", so 99 is the most it resolves), an empty or unknown Options child, a
//     CertificateRetrieval other than 1 to 3, an Availability StartTime or
//     EndTime not written yyyy-MM-ddTHH:mm:ss.fffZ, or a window shorter
//     than 30 minutes or longer than 62 days (EndTime defaults to StartTime
//     plus 7 days).
//   - Each To is resolved against the directory: an SMTP address, UPN,
//     alias or DOMAIN\alias (also inside "Name <address>") names one user
//     exactly; any other text is resolved by ambiguous name resolution
//     (prefix of the display name or one of its words, the first or last
//     name, alias or address, as Search's GAL does). One match is a
//     resolution (1); several are ambiguous: all of them listed (2), or,
//     past MaxAmbiguousRecipients (default 65535), that many with
//     RecipientCount giving the number found (3); none is 4. An address
//     outside the directory is not resolved (4): the user's contacts are
//     not searched.
//   - Recipient Type is 1, a GAL entry (MS-ASCMD 2.2.3.186.5: 1 GAL, 2
//     contact; Exchange writes 1 for a directory address).
//   - Only exact resolutions get Certificates and Availability. The
//     directory holds no S/MIME certificates, so CertificateRetrieval 2 or
//     3 gets Certificates Status 7 (no valid certificate). Availability
//     gives the user's merged free/busy from their Calendar folder.
//   - Picture gets Status 173 (NoPicture) for every recipient listed, or
//     175 (PictureLimitReached) when MaxPictures is 0.
const (
	maxResolveRecipients      = 100 // the To count Exchange refuses
	maxResolveToLength        = 256 // the longest To, in characters
	defaultMaxAmbiguous       = 65535
	freeBusySlot              = 30 * time.Minute
	minAvailabilityWindow     = 30 * time.Minute
	maxAvailabilityWindow     = 62 * 24 * time.Hour // MaximumQueryIntervalDays
	defaultAvailabilityWindow = 7 * 24 * time.Hour
)

// ResolveRecipients Type values (MS-ASCMD 2.2.3.186.5).
const (
	recipientTypeGAL     = 1
	recipientTypeContact = 2
)

var (
	lkCalStartTime  = mustTag("Calendar:StartTime")
	lkCalEndTime    = mustTag("Calendar:EndTime")
	lkCalBusyStatus = mustTag("Calendar:BusyStatus")
)

func handleResolveRecipients(c *call) error {
	var req eas.ResolveRecipientsRequest
	if err := c.decode(&req); err != nil {
		return err
	}
	protocolError := func() error {
		return c.reply(&eas.ResolveRecipientsResponse{Status: int(eas.ResolveRecipientsStatusProtocolError)})
	}
	if len(req.To) == 0 || len(req.To) >= maxResolveRecipients || len(req.Extra) > 0 {
		return protocolError()
	}
	for _, to := range req.To {
		// A To longer than 256 characters is Status 5 (MSASCMD_S13_TC06,
		// R5873).
		if to == "" || len([]rune(to)) > maxResolveToLength {
			return protocolError()
		}
	}
	opts := eas.ResolveRecipientsOptions{}
	var window *availabilityWindow
	if o := req.Options; o != nil {
		opts = *o
		empty := o.CertificateRetrieval == 0 && o.MaxCertificates == 0 && o.MaxAmbiguousRecipients == nil &&
			o.Availability == nil && o.Picture == nil
		if empty || len(o.Extra) > 0 || o.CertificateRetrieval < 0 || o.CertificateRetrieval > 3 {
			return protocolError()
		}
		if o.Availability != nil {
			w, ok := parseAvailabilityWindow(o.Availability)
			if !ok {
				return protocolError()
			}
			window = &w
		}
	}
	maxAmbiguous := defaultMaxAmbiguous
	if opts.MaxAmbiguousRecipients != nil {
		maxAmbiguous = max(*opts.MaxAmbiguousRecipients, 0)
	}
	noPictures := opts.Picture != nil && opts.Picture.MaxPictures == 0 && resolveMaxPicturesZero(c.body)
	resp := &eas.ResolveRecipientsResponse{Status: int(eas.ResolveRecipientsStatusSuccess)}
	for _, to := range req.To {
		found, exact := c.resolveName(to)
		r := eas.ResolveRecipientsResult{To: to}
		n := len(found)
		if n == 0 {
			r.Status = int(eas.ResolveRecipientsStatusNotResolved)
			resp.Response = append(resp.Response, r)
			continue
		}
		listed := found
		switch {
		case exact:
			r.Status = int(eas.ResolveRecipientsStatusSuccess)
		case n <= maxAmbiguous:
			r.Status = int(eas.ResolveRecipientsStatusAmbiguous)
		default:
			r.Status = int(eas.ResolveRecipientsStatusAmbiguousPartial)
			listed = found[:maxAmbiguous]
		}
		r.RecipientCount = &n
		for _, u := range listed {
			rc := eas.Recipient{Type: recipientTypeGAL, DisplayName: u.DisplayName, EmailAddress: u.PrimarySmtpAddress}
			if exact {
				if window != nil {
					rc.Availability = c.resolveAvailability(u, *window)
				}
				if opts.CertificateRetrieval == 2 || opts.CertificateRetrieval == 3 {
					rc.Certificates = &eas.RecipientCertificates{Status: int(eas.ResolveRecipientsStatusNoValidCertificate)}
				}
			}
			if opts.Picture != nil {
				st := eas.StatusNoPicture
				if noPictures {
					// MaxPictures 0: the limit is reached before the first
					// picture, Status 175 (MSASCMD_S13_TC19, R4313).
					st = eas.StatusPictureLimitReached
				}
				rc.Picture = []eas.Picture{{Status: int(st)}}
			}
			r.Recipient = append(r.Recipient, rc)
		}
		resp.Response = append(resp.Response, r)
	}
	return c.reply(resp)
}

// resolveName finds the users a To names, and whether it named one
// exactly.
func (c *call) resolveName(to string) ([]User, bool) {
	name := strings.TrimSpace(to)
	addr := name
	if a, err := mail.ParseAddress(name); err == nil {
		addr = a.Address
	}
	if u, _, ok := c.s.dir.Resolve(addr); ok {
		return []User{u}, true
	}
	if strings.Contains(addr, "@") {
		return nil, false
	}
	var found []User
	for _, u := range c.s.dir.Users() {
		if anrMatch(u, name) {
			found = append(found, u)
		}
	}
	sort.SliceStable(found, func(i, j int) bool {
		return strings.ToLower(found[i].DisplayName) < strings.ToLower(found[j].DisplayName)
	})
	return found, len(found) == 1
}

// availabilityWindow is the free/busy window asked for.
type availabilityWindow struct{ start, end time.Time }

// parseAvailabilityWindow reads StartTime and EndTime as Exchange does:
// exactly yyyy-MM-ddTHH:mm:ss.fffZ, EndTime defaulting to a week after
// StartTime, the window 30 minutes to 62 days long.
func parseAvailabilityWindow(a *eas.AvailabilityWindow) (availabilityWindow, bool) {
	if len(a.Extra) > 0 {
		return availabilityWindow{}, false
	}
	start, err := time.Parse(eas.DateLayout, a.StartTime)
	if err != nil {
		return availabilityWindow{}, false
	}
	end := start.Add(defaultAvailabilityWindow)
	if a.EndTime != "" {
		if end, err = time.Parse(eas.DateLayout, a.EndTime); err != nil {
			return availabilityWindow{}, false
		}
	}
	d := end.Sub(start)
	if d < minAvailabilityWindow || d > maxAvailabilityWindow {
		return availabilityWindow{}, false
	}
	return availabilityWindow{start.UTC(), end.UTC()}, true
}

// resolveAvailability returns a user's merged free/busy over w.
func (c *call) resolveAvailability(u User, w availabilityWindow) *eas.RecipientAvailability {
	_, mb, ok := c.s.dir.Resolve(u.PrimarySmtpAddress)
	if !ok {
		return &eas.RecipientAvailability{Status: int(eas.StatusAvailabilityFailure)}
	}
	return &eas.RecipientAvailability{Status: int(eas.ResolveRecipientsStatusSuccess), MergedFreeBusy: mb.mergedFreeBusy(w)}
}

// mergedFreeBusy is the mailbox's free/busy from its default Calendar
// folder: one digit per 30 minutes from w.start (a last partial slot
// counts), the highest status of the appointments overlapping the slot: 0
// free, 1 tentative, 2 busy, 3 out of office. Recurring appointments count
// only their first occurrence.
func (m *Mailbox) mergedFreeBusy(w availabilityWindow) string {
	slots := int((w.end.Sub(w.start) + freeBusySlot - 1) / freeBusySlot)
	digits := make([]byte, slots)
	for i := range digits {
		digits[i] = '0'
	}
	cal, ok := m.FolderByType(eas.FolderTypeCalendar)
	if !ok {
		return string(digits)
	}
	for _, it := range m.Items(cal.ServerID) {
		s, e, ok := freeBusySpan(it)
		if !ok || !s.Before(w.end) || !e.After(w.start) {
			continue
		}
		d := byte('0' + freeBusyStatusOf(it))
		for i := range digits {
			slotStart := w.start.Add(time.Duration(i) * freeBusySlot)
			slotEnd := slotStart.Add(freeBusySlot)
			if slotEnd.After(w.end) {
				slotEnd = w.end
			}
			if s.Before(slotEnd) && e.After(slotStart) && d > digits[i] {
				digits[i] = d
			}
		}
	}
	return string(digits)
}

// freeBusyStatusOf returns the free/busy digit of an appointment: its
// Calendar:BusyStatus (0 free, 1 tentative, 2 busy, 3 out of office; 4,
// working elsewhere, counts as tentative), busy when it has none.
func freeBusyStatusOf(it *Item) int {
	n, err := strconv.Atoi(it.Prop(lkCalBusyStatus))
	switch {
	case err != nil:
		return 2
	case n == 4:
		return 1
	case n < 0 || n > 3:
		return 2
	}
	return n
}

// freeBusySpan returns an appointment's start and end.
func freeBusySpan(it *Item) (time.Time, time.Time, bool) {
	s, err1 := eas.ParseDate(it.Prop(lkCalStartTime))
	e, err2 := eas.ParseDate(it.Prop(lkCalEndTime))
	if err1 != nil || err2 != nil || !e.After(s) {
		return time.Time{}, time.Time{}, false
	}
	return s, e, true
}

// resolveMaxPicturesZero reports whether a ResolveRecipients request's
// Picture options carry MaxPictures 0, which the decoder cannot tell from
// no MaxPictures.
func resolveMaxPicturesZero(body []byte) bool {
	root, err := wbxml.Parse(body)
	if err != nil {
		return false
	}
	n := root.Path(wbxml.Lookup("ResolveRecipients", "Options"), wbxml.Lookup("ResolveRecipients", "Picture"), wbxml.Lookup("ResolveRecipients", "MaxPictures"))
	return n != nil && strings.TrimSpace(n.Text()) == "0"
}
