package harness

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/easlab/easlab/clients"
	"github.com/easlab/easlab/eas"
	"github.com/easlab/easlab/wbxml"
)

// The leak probes: every command that returns, changes or sends mailbox
// data, each asking for something that is there. A device its owner has
// not approved must get nothing from any of them; an approved one gets
// something from each (which is how a probe shows it does not pass by
// asking for something absent).

// ProbeTargets are the ids of the mailbox content the probes ask for, as
// a device that may see them learned them (LearnProbeTargets).
type ProbeTargets struct {
	Owner                                   string // the mailbox's SMTP address: sends go there
	Inbox, Calendar, Contacts, DeletedItems string // folder ServerIds
	// Message is a message in the Inbox with an attachment: FileReference,
	// whose bytes are Attachment.
	Message, FileReference string
	Attachment             []byte
	// Meeting is a calendar item the probes answer (MeetingResponse).
	Meeting string
	// MoveMe is a message an approved device may move (MoveItems), and
	// Conversation the ConversationId of another ("Move this thread") it
	// may move with ItemOperations Move (14.0+). MessageConversation is
	// Message's.
	MoveMe                            string
	Conversation, MessageConversation []byte
	// SearchText finds Message in a mailbox search; GALText finds a
	// colleague in the address book.
	SearchText, GALText string
	// Colleague is an address ResolveRecipients resolves.
	Colleague string
}

// Probe is one attempt to get, change or send mailbox data.
type Probe struct {
	Name string
	// ServedInQuarantine marks what Exchange itself serves a quarantined
	// device (FolderSync, Settings, GetItemEstimate and Ping proceed,
	// exchange-admin.md 2.1): only a gateway can hold it.
	ServedInQuarantine bool
	// Mutates marks a probe that changes or sends: an approved device
	// runs it after every read, so that what it moves or deletes is not
	// missed by a read.
	Mutates bool
	// Min and Max are the protocol versions the command exists in (zero:
	// no bound).
	Min, Max eas.ProtocolVersion
	// Run returns what the device got of the mailbox ("" nothing): the
	// data, or the success of a change or a send. tag names the run, so
	// that what a send delivers can be told apart.
	Run func(ctx context.Context, d *clients.Device, t ProbeTargets, tag string) (string, error)
}

// Applies reports whether the probe's command exists at version v.
func (p Probe) Applies(v eas.ProtocolVersion) bool {
	return (p.Min == 0 || v.AtLeast(p.Min)) && (p.Max == 0 || !v.AtLeast(p.Max+1))
}

// LearnProbeTargets reads the ids the probes need with an approved device
// of the mailbox's owner: it syncs the Inbox and the Calendar (not the
// Contacts, which the approved device's own probe syncs first).
// Deliver the message with an attachment (subject "Payslip"), a message
// "Move me" and a message "Move this thread" first.
func LearnProbeTargets(ctx context.Context, d *clients.Device, owner, colleague string) (ProbeTargets, error) {
	t := ProbeTargets{Owner: owner, SearchText: "Payslip", GALText: "Kelly", Colleague: colleague}
	if err := d.FolderSync(ctx); err != nil {
		return t, fmt.Errorf("FolderSync: %w", err)
	}
	for _, f := range []struct {
		typ eas.FolderType
		id  *string
	}{{eas.FolderTypeInbox, &t.Inbox}, {eas.FolderTypeCalendar, &t.Calendar}, {eas.FolderTypeContacts, &t.Contacts}, {eas.FolderTypeDeletedItems, &t.DeletedItems}} {
		fo, ok := d.FolderByType(f.typ)
		if !ok {
			return t, fmt.Errorf("no folder of type %d", f.typ)
		}
		*f.id = fo.ServerId
	}
	for _, id := range []string{t.Inbox, t.Calendar} {
		if _, err := d.Sync(ctx, id); err != nil {
			return t, fmt.Errorf("Sync of %s: %w", id, err)
		}
	}
	for id, it := range d.Items(t.Inbox) {
		switch it.Subject {
		case "Payslip":
			if len(it.FileReferences) > 0 {
				t.Message, t.FileReference = id, it.FileReferences[0]
			}
		case "Move me":
			t.MoveMe = id
		case "Move this thread":
			if d.Profile.ProtocolVersion.AtLeast(eas.Version140) {
				c, err := conversationOf(ctx, d, t.Inbox, id)
				if err != nil {
					return t, fmt.Errorf("the conversation of %q: %w", it.Subject, err)
				}
				t.Conversation = c
			}
		}
	}
	if t.Message != "" && d.Profile.ProtocolVersion.AtLeast(eas.Version140) {
		c, err := conversationOf(ctx, d, t.Inbox, t.Message)
		if err != nil {
			return t, fmt.Errorf("the conversation of the message: %w", err)
		}
		t.MessageConversation = c
	}
	for id := range d.Items(t.Calendar) {
		t.Meeting = id
		break
	}
	var missing []string
	for name, ok := range map[string]bool{"a message with an attachment (Payslip)": t.FileReference != "", "a message to move (Move me)": t.MoveMe != "", "a calendar item": t.Meeting != "",
		"a thread to move (Move this thread)": t.Conversation != nil || !d.Profile.ProtocolVersion.AtLeast(eas.Version140)} {
		if !ok {
			missing = append(missing, name)
		}
	}
	if len(missing) > 0 {
		slices.Sort(missing)
		return t, fmt.Errorf("the mailbox has no %s", strings.Join(missing, ", "))
	}
	b, err := d.FetchAttachment(ctx, t.FileReference)
	if err != nil && d.Profile.ProtocolVersion.AtLeast(eas.Version120) {
		return t, fmt.Errorf("the attachment: %w", err)
	}
	t.Attachment = b
	return t, nil
}

// MailboxProbes returns the probes, in the order an approved device runs
// them: the reads (Ping and GetItemEstimate before the Sync that would
// take their news), then, in the order their targets allow, what changes
// the mailbox.
func MailboxProbes() []Probe {
	return []Probe{
		{Name: "Ping of the Inbox (a change notification)", ServedInQuarantine: true, Run: probePing},
		{Name: "GetItemEstimate of the Inbox", ServedInQuarantine: true, Run: probeEstimate},
		{Name: "Sync of the Inbox (new mail)", Run: probeSync(func(t ProbeTargets) string { return t.Inbox })},
		{Name: "Sync of another folder (Contacts)", Run: probeSync(func(t ProbeTargets) string { return t.Contacts })},
		{Name: "FolderSync (the folder hierarchy)", ServedInQuarantine: true, Run: probeFolderSync},
		{Name: "ItemOperations Fetch of a message", Min: eas.Version120, Run: func(ctx context.Context, d *clients.Device, t ProbeTargets, _ string) (string, error) {
			p, err := d.Fetch(ctx, t.Inbox, t.Message)
			if err != nil {
				return "", err
			}
			return "the message's properties: " + subjectOf(p), nil
		}},
		{Name: "ItemOperations Fetch of an attachment", Min: eas.Version120, Run: func(ctx context.Context, d *clients.Device, t ProbeTargets, _ string) (string, error) {
			b, err := d.FetchAttachment(ctx, t.FileReference)
			return gotBytes(b, t.Attachment), err
		}},
		{Name: "GetAttachment", Max: eas.Version121, Run: func(ctx context.Context, d *clients.Device, t ProbeTargets, _ string) (string, error) {
			b, err := d.GetAttachment(ctx, t.FileReference)
			return gotBytes(b, t.Attachment), err
		}},
		{Name: "Search of the mailbox", Run: func(ctx context.Context, d *clients.Device, t ProbeTargets, _ string) (string, error) {
			r, err := d.SearchMailbox(ctx, t.Inbox, t.SearchText)
			if len(r) == 0 {
				return "", err
			}
			return fmt.Sprintf("%d messages, the first %q", len(r), r[0].Subject), err
		}},
		{Name: "Search of the address book (GAL)", Run: func(ctx context.Context, d *clients.Device, t ProbeTargets, _ string) (string, error) {
			r, err := d.SearchGAL(ctx, t.GALText)
			if len(r) == 0 {
				return "", err
			}
			return fmt.Sprintf("%d address book entries, the first %q", len(r), r[0].DisplayName), err
		}},
		{Name: "Find of the mailbox", Min: eas.Version161, Run: probeFind(false)},
		{Name: "Find in the address book", Min: eas.Version161, Run: probeFind(true)},
		{Name: "ResolveRecipients with certificates", Run: probeResolve(false)},
		{Name: "ResolveRecipients with availability", Min: eas.Version140, Run: probeResolve(true)},
		{Name: "Settings UserInformation", ServedInQuarantine: true, Min: eas.Version120, Run: func(ctx context.Context, d *clients.Device, t ProbeTargets, _ string) (string, error) {
			var r eas.SettingsResponse
			if err := d.Do(ctx, eas.CommandSettings, &eas.SettingsRequest{UserInformation: &eas.UserInformation{Get: &eas.UserInformationGet{}}}, &r); err != nil {
				return "", err
			}
			if ui := r.UserInformation; ui != nil && ui.Status == 1 && ui.Get != nil {
				return "the user's addresses", nil
			}
			return "", nil
		}},
		{Name: "Settings Oof", ServedInQuarantine: true, Min: eas.Version120, Run: func(ctx context.Context, d *clients.Device, t ProbeTargets, _ string) (string, error) {
			var r eas.SettingsResponse
			if err := d.Do(ctx, eas.CommandSettings, &eas.SettingsRequest{Oof: &eas.Oof{Get: &eas.OofSettings{BodyType: "Text"}}}, &r); err != nil {
				return "", err
			}
			if o := r.Oof; o != nil && o.Status == 1 && o.Get != nil {
				return "the out-of-office settings", nil
			}
			return "", nil
		}},
		{Name: "ItemOperations EmptyFolderContents of Deleted Items", Mutates: true, Min: eas.Version120, Run: func(ctx context.Context, d *clients.Device, t ProbeTargets, _ string) (string, error) {
			var r eas.ItemOperationsResponse
			err := d.Do(ctx, eas.CommandItemOperations, &eas.ItemOperationsRequest{Operations: []eas.ItemOperation{{EmptyFolderContents: &eas.EmptyFolderContents{CollectionId: t.DeletedItems}}}}, &r)
			if err != nil {
				return "", err
			}
			if r.Status == 1 && r.Response != nil && len(r.Response.Results) > 0 && r.Response.Results[0].EmptyFolderContents != nil && r.Response.Results[0].EmptyFolderContents.Status == 1 {
				return "Deleted Items emptied", nil
			}
			return "", nil
		}},
		{Name: "ItemOperations Move of a conversation", Mutates: true, Min: eas.Version140, Run: func(ctx context.Context, d *clients.Device, t ProbeTargets, _ string) (string, error) {
			var r eas.ItemOperationsResponse
			mv := &eas.ConversationMove{ConversationId: t.Conversation, DstFldId: t.DeletedItems, Options: &eas.ConversationMoveOptions{MoveAlways: true}}
			if err := d.Do(ctx, eas.CommandItemOperations, &eas.ItemOperationsRequest{Operations: []eas.ItemOperation{{Move: mv}}}, &r); err != nil {
				return "", err
			}
			if r.Status == 1 && r.Response != nil && len(r.Response.Results) > 0 && r.Response.Results[0].Move != nil && r.Response.Results[0].Move.Status == 1 {
				return "a conversation moved to Deleted Items", nil
			}
			return "", nil
		}},
		{Name: "MoveItems", Mutates: true, Run: func(ctx context.Context, d *clients.Device, t ProbeTargets, _ string) (string, error) {
			var r eas.MoveItemsResponse
			if err := d.Do(ctx, eas.CommandMoveItems, &eas.MoveItemsRequest{Move: []eas.MoveItem{{SrcMsgId: t.MoveMe, SrcFldId: t.Inbox, DstFldId: t.DeletedItems}}}, &r); err != nil {
				return "", err
			}
			if len(r.Response) > 0 && r.Response[0].Status == 3 {
				return "a message moved to Deleted Items", nil
			}
			return "", nil
		}},
		{Name: "MeetingResponse", Mutates: true, Run: func(ctx context.Context, d *clients.Device, t ProbeTargets, _ string) (string, error) {
			var r eas.MeetingResponseResponse
			if err := d.Do(ctx, eas.CommandMeetingResponse, &eas.MeetingResponseRequest{Request: []eas.MeetingReply{{UserResponse: eas.UserResponseTentative, CollectionId: t.Calendar, RequestId: t.Meeting}}}, &r); err != nil {
				return "", err
			}
			if len(r.Result) > 0 && r.Result[0].Status == 1 {
				return "a meeting answered", nil
			}
			return "", nil
		}},
		{Name: "SendMail", Mutates: true, Run: func(ctx context.Context, d *clients.Device, t ProbeTargets, tag string) (string, error) {
			return sent(d.SendMail(ctx, probeMIME(t.Owner, "SendMail "+tag)))
		}},
		{Name: "SmartReply", Mutates: true, Run: func(ctx context.Context, d *clients.Device, t ProbeTargets, tag string) (string, error) {
			return sent(d.SmartReply(ctx, t.Inbox, t.Message, probeMIME(t.Owner, "SmartReply "+tag)))
		}},
		{Name: "SmartForward of a message (it carries the message out)", Mutates: true, Run: func(ctx context.Context, d *clients.Device, t ProbeTargets, tag string) (string, error) {
			return sent(d.SmartForward(ctx, t.Inbox, t.Message, probeMIME(t.Owner, "SmartForward "+tag)))
		}},
	}
}

// ProbeSubjectPrefix starts the subject of everything a probe sends.
const ProbeSubjectPrefix = "easlab probe: "

func probeMIME(to, subject string) []byte {
	return []byte("From: " + to + "\r\nTo: " + to + "\r\nSubject: " + ProbeSubjectPrefix + subject +
		"\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nsent by a leak probe\r\n")
}

func sent(err error) (string, error) {
	if err != nil {
		return "", err
	}
	return "the server accepted the message for sending", nil
}

func gotBytes(b, want []byte) string {
	switch {
	case len(b) == 0:
		return ""
	case bytes.Equal(b, want):
		return fmt.Sprintf("the attachment (%d bytes)", len(b))
	}
	return fmt.Sprintf("%d bytes, not the attachment", len(b))
}

func subjectOf(n *wbxml.Node) string {
	if n == nil {
		return ""
	}
	if c := n.Find(wbxml.Lookup("Email", "Subject")); c != nil {
		return fmt.Sprintf("%q", c.Text())
	}
	return fmt.Sprintf("%d properties", len(n.Children))
}

// probeSync syncs one folder from the device's sync key (a roaming phone
// carries on where it left off; a new one starts at 0) and returns the
// owner's items it got.
func probeSync(folder func(ProbeTargets) string) func(context.Context, *clients.Device, ProbeTargets, string) (string, error) {
	return func(ctx context.Context, d *clients.Device, t ProbeTargets, _ string) (string, error) {
		changes, err := d.Sync(ctx, folder(t))
		var got []string
		for _, c := range changes {
			if c.Kind == eas.SyncAdd && !isNotice(c.Subject) {
				got = append(got, fmt.Sprintf("%q", c.Subject))
			}
		}
		if len(got) == 0 {
			return "", err
		}
		return fmt.Sprintf("%d items: %s", len(got), strings.Join(got, ", ")), err
	}
}

// probeFolderSync asks for the whole hierarchy again (SyncKey 0), as a
// device does after an error.
func probeFolderSync(ctx context.Context, d *clients.Device, _ ProbeTargets, _ string) (string, error) {
	var r eas.FolderSyncResponse
	if err := d.Do(ctx, eas.CommandFolderSync, &eas.FolderSyncRequest{SyncKey: "0"}, &r); err != nil {
		return "", err
	}
	if r.Status == 1 && r.Changes != nil && len(r.Changes.Add) > 0 {
		return fmt.Sprintf("%d folders", len(r.Changes.Add)), nil
	}
	return "", nil
}

// probeEstimate asks how much new mail the Inbox holds since the device's
// last Sync.
func probeEstimate(ctx context.Context, d *clients.Device, t ProbeTargets, _ string) (string, error) {
	col := eas.GetItemEstimateCollection{SyncKey: d.SyncKey(t.Inbox), CollectionId: t.Inbox}
	if col.SyncKey == "" {
		return "", errors.New("the device never synced its Inbox")
	}
	if !d.Profile.ProtocolVersion.AtLeast(eas.Version140) {
		col.Class = "Email"
	}
	var r eas.GetItemEstimateResponse
	if err := d.Do(ctx, eas.CommandGetItemEstimate, &eas.GetItemEstimateRequest{Collections: &eas.GetItemEstimateCollections{Collection: []eas.GetItemEstimateCollection{col}}}, &r); err != nil {
		return "", err
	}
	for _, res := range r.Response {
		if res.Status == 1 && res.Collection != nil && res.Collection.Estimate != nil && *res.Collection.Estimate > 0 {
			return fmt.Sprintf("an estimate of %d new items", *res.Collection.Estimate), nil
		}
	}
	return "", nil
}

// probePing holds a Ping on the Inbox, where new mail waits.
func probePing(ctx context.Context, d *clients.Device, t ProbeTargets, _ string) (string, error) {
	changed, err := d.Ping(ctx, []string{t.Inbox})
	if slices.Contains(changed, t.Inbox) {
		return "a notification that the Inbox changed", err
	}
	return "", err
}

func probeFind(gal bool) func(context.Context, *clients.Device, ProbeTargets, string) (string, error) {
	return func(ctx context.Context, d *clients.Device, t ProbeTargets, _ string) (string, error) {
		ex := &eas.FindExecuteSearch{MailBoxSearchCriterion: &eas.FindCriterion{
			Query:   &eas.FindQuery{Class: "Email", CollectionId: t.Inbox, FreeText: t.SearchText},
			Options: &eas.FindOptions{Range: "0-9"}}}
		if gal {
			ex = &eas.FindExecuteSearch{GalSearchCriterion: &eas.FindCriterion{Query: &eas.FindQuery{Text: t.GALText}, Options: &eas.FindOptions{Range: "0-9"}}}
		}
		var r eas.FindResponse
		if err := d.Do(ctx, eas.CommandFind, &eas.FindRequest{SearchId: "7C3B9D2A-53B0-4F31-9B6E-0E1C2A4E5F60", ExecuteSearch: ex}, &r); err != nil {
			return "", err
		}
		if r.Status == 1 && r.Response != nil && r.Response.Status == 1 && len(r.Response.Result) > 0 {
			return fmt.Sprintf("%d results", len(r.Response.Result)), nil
		}
		return "", nil
	}
}

func probeResolve(availability bool) func(context.Context, *clients.Device, ProbeTargets, string) (string, error) {
	return func(ctx context.Context, d *clients.Device, t ProbeTargets, _ string) (string, error) {
		opts := &eas.ResolveRecipientsOptions{CertificateRetrieval: 2}
		if availability {
			start := time.Now().UTC().Truncate(time.Hour)
			opts = &eas.ResolveRecipientsOptions{Availability: &eas.AvailabilityWindow{
				StartTime: start.Format("2006-01-02T15:04:05.000Z"), EndTime: start.Add(24 * time.Hour).Format("2006-01-02T15:04:05.000Z")}}
		}
		var r eas.ResolveRecipientsResponse
		if err := d.Do(ctx, eas.CommandResolveRecipients, &eas.ResolveRecipientsRequest{To: []string{t.Colleague}, Options: opts}, &r); err != nil {
			return "", err
		}
		if r.Status != 1 {
			return "", nil
		}
		for _, res := range r.Response {
			for _, rc := range res.Recipient {
				switch {
				case availability && rc.Availability != nil && rc.Availability.MergedFreeBusy != "":
					return fmt.Sprintf("%s's free/busy", rc.EmailAddress), nil
				case !availability:
					return fmt.Sprintf("%s resolved from the address book", rc.EmailAddress), nil
				}
			}
		}
		return "", nil
	}
}

// conversationOf reads a message's ConversationId with ItemOperations Fetch.
func conversationOf(ctx context.Context, d *clients.Device, folder, id string) ([]byte, error) {
	p, err := d.Fetch(ctx, folder, id)
	if err != nil {
		return nil, err
	}
	c := p.Find(wbxml.Lookup("Email2", "ConversationId"))
	if c == nil || len(c.Children) == 0 || len(c.Children[0].Data) == 0 {
		return nil, errors.New("the message has no ConversationId")
	}
	return c.Children[0].Data, nil
}
