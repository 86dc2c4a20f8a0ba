package simulator

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"html"
	"io"
	"mime"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/emersion/go-message"
	"github.com/emersion/go-message/mail"
	"github.com/emersion/go-message/textproto"

	"github.com/easlab/easlab/eas"
	"github.com/easlab/easlab/wbxml"
)

// SendMail, SmartReply and SmartForward (MS-ASCMD 2.2.1.17, 2.2.1.19,
// 2.2.1.20; protocol.md 3.2).
//
// Up to 12.1 the body is the RFC 5322 message itself (message/rfc822) and
// SaveInSent, ItemId, CollectionId, LongId and Occurrence come in the
// query; from 14.0 the body is a WBXML ComposeMail request. Success is HTTP
// 200 with no body; a failure is a common status (<SendMail><Status>),
// or a bare HTTP code up to 12.1.
//
// The message goes to every recipient who has a mailbox in the directory,
// as an unread Inbox item (which wakes their Ping and hanging Sync), with
// its Bcc header removed; other recipients are only logged. The sender's
// copy, Bcc included, goes to Sent Items when asked.

func handleSendMail(c *call) error     { return c.submitMail(eas.CommandSendMail) }
func handleSmartReply(c *call) error   { return c.submitMail(eas.CommandSmartReply) }
func handleSmartForward(c *call) error { return c.submitMail(eas.CommandSmartForward) }

// submission is a SendMail, SmartReply or SmartForward request in either
// form.
type submission struct {
	cmd         eas.Command
	clientID    string // 14.0+ only
	accountID   string
	saveInSent  bool
	folderID    string // the source of a SmartReply or SmartForward
	itemID      string
	longID      string
	instanceID  string
	replaceMime bool
	forwardees  []eas.Forwardee
	mime        []byte
}

// readSubmission reads the request in the form its Content-Type and
// protocol version say.
func (c *call) readSubmission(cmd eas.Command) (*submission, error) {
	sub := &submission{cmd: cmd}
	mt, _, _ := mime.ParseMediaType(c.r.Header.Get("Content-Type"))
	legacy := !c.req.ProtocolVersion.AtLeast(eas.Version140)
	switch {
	case legacy && strings.EqualFold(mt, eas.ContentTypeWBXML):
		// A 12.1 client must send the MIME message itself (protocol.md 3.3,
		// status 101).
		return nil, eas.NewStatusError(eas.StatusInvalidContent, cmd.String()+" up to 12.1 carries message/rfc822, not WBXML")
	case legacy || strings.EqualFold(mt, eas.ContentTypeMIME):
		// From 14.0 a message/rfc822 body with the parameters in the query
		// is accepted too, as Z-Push and older clients use it.
		// (Exchange's behaviour here is UNCONFIRMED.)
		sub.saveInSent = c.req.SaveInSent()
		sub.folderID, sub.itemID, sub.longID, sub.instanceID = c.req.CollectionID, c.req.ItemID, c.req.LongID, c.req.Occurrence
		sub.mime = c.body
		return sub, nil
	}
	var src *eas.Source
	switch cmd {
	case eas.CommandSendMail:
		var req eas.SendMailRequest
		if err := c.decode(&req); err != nil {
			return nil, err
		}
		sub.clientID, sub.accountID, sub.saveInSent, sub.mime = req.ClientId, req.AccountId, req.SaveInSentItems, req.Mime
	case eas.CommandSmartReply:
		var req eas.SmartReplyRequest
		if err := c.decode(&req); err != nil {
			return nil, err
		}
		sub.clientID, sub.accountID, sub.saveInSent, sub.mime = req.ClientId, req.AccountId, req.SaveInSentItems, req.Mime
		sub.replaceMime, src = req.ReplaceMime, req.Source
	case eas.CommandSmartForward:
		var req eas.SmartForwardRequest
		if err := c.decode(&req); err != nil {
			return nil, err
		}
		sub.clientID, sub.accountID, sub.saveInSent, sub.mime = req.ClientId, req.AccountId, req.SaveInSentItems, req.Mime
		sub.replaceMime, src = req.ReplaceMime, req.Source
		if req.Forwardees != nil {
			sub.forwardees = req.Forwardees.Forwardee
		}
	}
	// The base64 query may carry SaveInSent as well.
	sub.saveInSent = sub.saveInSent || c.req.SaveInSent()
	if sub.clientID == "" || len(sub.clientID) > 40 {
		return nil, eas.NewStatusError(eas.StatusInvalidXML, cmd.String()+" needs a ClientId of 1 to 40 characters")
	}
	// Mime is required by the ComposeMail schema: a request without it
	// is Status 103, InvalidXML (MSASCMD_S21_TC08, R4817), not 107.
	if sub.mime == nil {
		return nil, eas.NewStatusError(eas.StatusInvalidXML, cmd.String()+" without Mime")
	}
	if cmd != eas.CommandSendMail {
		if src == nil {
			return nil, eas.NewStatusError(eas.StatusInvalidXML, cmd.String()+" without Source")
		}
		sub.folderID, sub.itemID, sub.longID, sub.instanceID = src.FolderId, src.ItemId, src.LongId, src.InstanceId
	}
	return sub, nil
}

func (c *call) submitMail(cmd eas.Command) error {
	sub, err := c.readSubmission(cmd)
	if err != nil {
		return err
	}
	// A message over MaxSendSize is refused before it is parsed, so that
	// nothing of it is kept (see DefaultMaxSendSize).
	if err := c.checkSendSize(len(sub.mime)); err != nil {
		return err
	}
	c.body, sub.mime = nil, append([]byte(nil), sub.mime...)
	if sub.accountID != "" {
		// The simulator's users have one account each: their own
		// (Settings UserInformation lists no others).
		if _, mb, ok := c.s.dir.Resolve(sub.accountID); !ok || mb != c.mb {
			return eas.NewStatusError(eas.StatusInvalidAccountID, "unknown AccountId "+sub.accountID)
		}
	}
	now := c.s.clock.Now()
	// The source of a SmartReply or SmartForward, copied under the lock.
	var src *Item
	if cmd != eas.CommandSendMail {
		if src, err = c.mailSource(sub); err != nil {
			return err
		}
	}
	raw, err := completeHeader(sub.mime, c.user, now)
	if err != nil {
		return eas.NewStatusError(eas.StatusInvalidMIME, err.Error())
	}
	msg, err := ParseMail(raw)
	if err != nil {
		return eas.NewStatusError(eas.StatusInvalidMIME, err.Error())
	}
	if src != nil && (!sub.replaceMime || src.Class == "Calendar" && cmd == eas.CommandSmartForward) {
		raw, err = composeSmart(raw, msg, src, cmd == eas.CommandSmartForward, !sub.replaceMime, sub.instanceID)
		if err != nil {
			return eas.NewStatusError(eas.StatusMessageReplyFailed, err.Error())
		}
		if msg, err = ParseMail(raw); err != nil {
			return eas.NewStatusError(eas.StatusMessageReplyFailed, err.Error())
		}
		if err := c.checkSendSize(len(raw)); err != nil {
			return err
		}
	}
	if src != nil && src.Class == "Email" {
		if raw, err = smartThreadIndex(raw, src, now); err != nil {
			return eas.NewStatusError(eas.StatusMessageReplyFailed, err.Error())
		}
		if msg, err = ParseMail(raw); err != nil {
			return eas.NewStatusError(eas.StatusMessageReplyFailed, err.Error())
		}
	}
	recipients := msg.Recipients()
	for _, f := range sub.forwardees {
		if f.Email != "" {
			recipients = append(recipients, &mail.Address{Name: f.Name, Address: f.Email})
		}
	}
	if len(recipients) == 0 {
		return eas.NewStatusError(eas.StatusMessageHasNoRecipient, "the message has no To, Cc or Bcc")
	}
	delivered, err := stripBcc(raw)
	if err != nil {
		return eas.NewStatusError(eas.StatusMailSubmissionFailed, err.Error())
	}
	deliveredMsg, err := ParseMail(delivered)
	if err != nil {
		return eas.NewStatusError(eas.StatusMailSubmissionFailed, err.Error())
	}
	// The ClientId is taken once every check has passed, so that a client
	// may retry a refused message with the same ClientId.
	if sub.clientID != "" {
		if !mailSide(c.mb).reserveClientID(c.dev.DeviceID, sub.clientID, now) {
			return eas.NewStatusError(eas.StatusMessagePreviouslySent, "ClientId "+sub.clientID+" was used by a recent message")
		}
	}
	external := c.s.deliverMail(deliveredMsg, recipients, now)
	c.reportUndeliverable(msg, external, now)
	// The recipients go to the sender's recipient information cache, as
	// Exchange's SendMailBase.SendMessage does (MSASCNTC_S01_TC04; see
	// recipientcache.go).
	c.s.rememberRecipients(c.mb, recipients, now)
	if src != nil && src.Class == "Email" {
		c.recordVerb(src, cmd, now)
	}
	if cmd == eas.CommandSmartForward {
		c.notifyMeetingForward(deliveredMsg, now)
	}
	if len(external) > 0 {
		c.s.log.Info("mail sent outside the organization", "from", c.user.PrimarySmtpAddress, "subject", msg.Subject, "to", strings.Join(external, ", "))
	}
	if sub.saveInSent {
		if sent, ok := c.mb.FolderByType(eas.FolderTypeSentItems); ok {
			if _, err := c.mb.AddItem(sent.ServerID, EmailItem(msg, now, true)); err != nil {
				return eas.NewStatusError(eas.StatusServerError, err.Error())
			}
		}
	}
	c.replyEmpty()
	return nil
}

// smartThreadIndex gives the reply or forward raw of the message src the
// conversation index of an answer to it (its Thread-Index header): src's
// index with a child block for now, as Exchange's CreateReply and
// CreateForward make it (ConversationIndex.CreateFromParent;
// MSASEMAIL_S01_TC15 R1054, TC16 R352). A Thread-Index the client wrote
// is kept.
func smartThreadIndex(raw []byte, src *Item, now time.Time) ([]byte, error) {
	h, body, err := splitMessage(raw)
	if err != nil {
		return nil, err
	}
	if h.Has("Thread-Index") {
		return raw, nil
	}
	h.Set("Thread-Index", base64.StdEncoding.EncodeToString(childConversationIndex(fullConversationIndex(src), now)))
	return joinMessage(h, body)
}

// Values of Email2:LastVerbExecuted (MS-ASEMAIL 2.2.2.46).
const (
	verbReplyToSender = 1
	verbForward       = 3
)

// recordVerb marks the message src as replied to or forwarded, with
// LastVerbExecuted and LastVerbExecutionTime, once the answer is sent
// (MSASEMAIL_S01_TC15 R510). Exchange's SmartReply always makes a reply
// to the sender (CreateReply; a reply to all only for a protected
// message, which easlab does not model), so the verb is 1 for a reply
// and 3 for a forward (XsoLastVerbExecutedProperty maps the store's 102
// and 104 to them); the store sets them on the original when the answer
// is submitted (ReplyForwardUtils.UpdateOriginalItemProperties). A
// message deleted meanwhile is left alone.
func (c *call) recordVerb(src *Item, cmd eas.Command, now time.Time) {
	verb := verbReplyToSender
	if cmd == eas.CommandSmartForward {
		verb = verbForward
	}
	props := []*wbxml.Node{
		wbxml.NewText(tLastVerbExecuted, strconv.Itoa(verb)),
		wbxml.NewText(tLastVerbExecutionTime, eas.FormatDate(now)),
	}
	if err := c.mb.ChangeItem(src.ServerID, props, nil); err != nil && !errors.Is(err, errNotFound) {
		c.s.log.Error("recording the verb on the original", "item", src.ServerID, "error", err)
	}
}

var (
	tLastVerbExecuted      = mustTag("Email2:LastVerbExecuted")
	tLastVerbExecutionTime = mustTag("Email2:LastVerbExecutionTime")
)

// checkSendSize refuses a message of size bytes over MaxSendSize.
func (c *call) checkSendSize(size int) error {
	if max := c.s.opts.MaxSendSize; max > 0 && int64(size) > max {
		return eas.NewStatusError(eas.StatusMailSubmissionFailed, fmt.Sprintf("the message's %d bytes exceed MaxSendSize (%d bytes)", size, max))
	}
	return nil
}

// mailSource finds the item a SmartReply or SmartForward names: by ItemId
// (in FolderId when given) or by a Search LongId; 150 when it is gone.
func (c *call) mailSource(sub *submission) (*Item, error) {
	if sub.itemID == "" && sub.longID == "" {
		return nil, eas.NewStatusError(eas.StatusItemNotFound, sub.cmd.String()+" names no source item")
	}
	if sub.instanceID != "" {
		if _, err := eas.ParseDate(sub.instanceID); err != nil {
			return nil, eas.NewStatusError(eas.StatusInvalidDateTime, "bad InstanceId "+sub.instanceID)
		}
	}
	m := c.mb
	m.lock()
	defer m.unlock()
	var it *Item
	if sub.itemID != "" {
		it = m.items[sub.itemID]
		if it != nil && sub.folderID != "" && it.FolderID != sub.folderID {
			it = nil
		}
	} else {
		it = itemByLongIDLocked(m, sub.longID)
	}
	if it == nil || it.Deleted {
		return nil, eas.NewStatusError(eas.StatusItemNotFound, "the source item of "+sub.cmd.String()+" is not in the mailbox")
	}
	if sub.instanceID != "" && it.Class == "Calendar" && !itemHasProp(it, "Calendar:Recurrence") {
		return nil, eas.NewStatusError(eas.StatusNoRecurrenceInCalendar, "InstanceId names an occurrence of a meeting that does not recur")
	}
	return it.clone(), nil
}

// itemByLongIDLocked resolves a Search LongId. The simulator's Search
// hands out an item's ServerId as its LongId (UNCONFIRMED what Exchange's
// LongIds look like; clients treat them as opaque).
func itemByLongIDLocked(m *Mailbox, longID string) *Item {
	it := m.items[longID]
	if it == nil || it.Deleted {
		return nil
	}
	return it
}

func itemHasProp(it *Item, q string) bool {
	t := mustTag(q)
	for _, p := range it.Props {
		if p.Tag == t {
			return true
		}
	}
	return false
}

// deliverMail puts msg into the Inbox of every recipient who has a mailbox
// here, each mailbox locked in turn, and returns the other addresses.
//
// A meeting invitation or cancellation (a text/calendar part) arrives as a
// meeting message and updates the recipient's Calendar (see
// meetingrequest.go).
func (s *Server) deliverMail(msg *Mail, recipients []*mail.Address, now time.Time) (external []string) {
	seen := map[*Mailbox]bool{}
	invitation, part := invitationOf(msg)
	var organizer *Mailbox
	if invitation != nil && invitation.organizer != nil {
		_, organizer, _ = s.dir.Resolve(invitation.organizer.Address)
	}
	for _, a := range recipients {
		_, mb, ok := s.dir.Resolve(a.Address)
		if !ok {
			external = append(external, a.Address)
			continue
		}
		if seen[mb] {
			continue
		}
		seen[mb] = true
		it := EmailItem(msg, now, false)
		dressVoiceMail(it)
		if invitation != nil {
			messageType := 1
			switch {
			case invitation.method == "REPLY":
				mb.lock()
				mb.recordReplyLocked(invitation)
				mb.unlock()
			case mb != organizer:
				mb.lock()
				messageType = mb.placeInvitationLocked(invitation, a.Address, Body{Plain: msg.Plain, HTML: msg.HTML}, now)
				mb.unlock()
			}
			if err := dressInvitation(it, invitation, part, a.Address, messageType); err != nil {
				// Delivered as the message it is.
				s.log.Error("delivering a meeting request", "to", a.Address, "error", err)
			}
		}
		// A conversation the user always moves (ItemOperations Move with
		// MoveAlways) lands in its folder, if that still exists.
		if dst, ok := mailSide(mb).conversationRule(itemConversationID(it)); ok {
			if _, err := mb.AddItem(dst, it); err == nil {
				continue
			}
		}
		inbox, ok := mb.FolderByType(eas.FolderTypeInbox)
		if !ok {
			s.log.Error("delivering mail", "to", a.Address, "error", "no Inbox")
			continue
		}
		if _, err := mb.AddItem(inbox.ServerID, it); err != nil {
			s.log.Error("delivering mail", "to", a.Address, "error", err)
		}
	}
	return external
}

// completeHeader sets the sender and adds what a submitting client may
// leave out, as Exchange does: Date and Message-ID.
//
// The From is always the authenticated user. Exchange's SendMail clears
// the From the client wrote (SendMailBase.ParseMimeToMessage sets
// message.From to null after converting the MIME; Exchange 2013
// AirSync), so the store submits the message from the mailbox's owner: a
// device cannot send as another user, whatever its From says, and the
// message is not refused either. A Sender header goes too, as the store
// sets the sender properties itself.
func completeHeader(raw []byte, u User, now time.Time) ([]byte, error) {
	h, body, err := splitMessage(raw)
	if err != nil {
		return nil, err
	}
	mh := mail.Header{Header: message.Header{Header: h}}
	changed := false
	owner := []*mail.Address{{Name: u.DisplayName, Address: u.PrimarySmtpAddress}}
	if from, err := mh.AddressList("From"); err != nil || len(from) != 1 || !strings.EqualFold(from[0].Address, u.PrimarySmtpAddress) || from[0].Name != u.DisplayName || mh.Has("Sender") {
		mh.SetAddressList("From", owner)
		mh.Del("Sender")
		changed = true
	}
	if !mh.Has("Date") {
		mh.SetDate(now)
		changed = true
	}
	if !mh.Has("Message-Id") {
		if err := mh.GenerateMessageIDWithHostname(mailHost(u)); err != nil {
			return nil, err
		}
		changed = true
	}
	if !changed {
		return raw, nil
	}
	return joinMessage(mh.Header.Header, body)
}

func mailHost(u User) string {
	if _, dom, ok := strings.Cut(u.PrimarySmtpAddress, "@"); ok && dom != "" {
		return dom
	}
	return "easlab.local"
}

// stripBcc returns raw without its Bcc header: recipients' copies must not
// show the blind copies.
func stripBcc(raw []byte) ([]byte, error) {
	h, body, err := splitMessage(raw)
	if err != nil {
		return nil, err
	}
	if !h.Has("Bcc") {
		return raw, nil
	}
	h.Del("Bcc")
	return joinMessage(h, body)
}

// splitMessage splits an RFC 5322 message into its header and body.
func splitMessage(raw []byte) (textproto.Header, []byte, error) {
	if len(bytes.TrimSpace(raw)) == 0 {
		return textproto.Header{}, nil, fmt.Errorf("%w: empty message", errInvalidMIME)
	}
	br := bufio.NewReader(bytes.NewReader(raw))
	h, err := textproto.ReadHeader(br)
	if err != nil && !(errors.Is(err, io.EOF) && h.Len() > 0) {
		return h, nil, fmt.Errorf("%w: %v", errInvalidMIME, err)
	}
	if h.Len() == 0 {
		return h, nil, fmt.Errorf("%w: no header fields", errInvalidMIME)
	}
	body, _ := io.ReadAll(br)
	return h, body, nil
}

func joinMessage(h textproto.Header, body []byte) ([]byte, error) {
	var buf bytes.Buffer
	if err := textproto.WriteHeader(&buf, h); err != nil {
		return nil, err
	}
	buf.Write(body)
	return buf.Bytes(), nil
}

// composeSmart builds the message a SmartReply or SmartForward sends: the
// client's new text with, when withOriginal, the original message below it
// (verbatim, after an Outlook-style "Original Message" block, so the
// recipient sees the whole text); a forward also carries the original's
// attachments, and a forwarded appointment is attached as an .eml file
// (MS-ASCMD 2.2.1.19: "the original message is included as an attachment").
// A forwarded meeting is also a meeting request to the new attendees, as
// Exchange forwards one: the message carries the meeting, or the
// occurrence instance names, as a text/calendar alternative, so that it
// reaches their Calendar (MSASCMD_S17_TC05, TC06; R538, R5834).
func composeSmart(raw []byte, msg *Mail, src *Item, forward, withOriginal bool, instance string) ([]byte, error) {
	h, _, err := splitMessage(raw)
	if err != nil {
		return nil, err
	}
	for _, k := range []string{"Content-Type", "Content-Transfer-Encoding", "Content-Disposition", "Mime-Version"} {
		h.Del(k)
	}
	mh := mail.Header{Header: message.Header{Header: h}}
	plain, htmlBody := msg.Plain, msg.HTML
	atts := append([]Attachment(nil), msg.Attachments...)
	calendar := src.Class == "Calendar"
	if withOriginal {
		block := originalBlock(src)
		plain = strings.TrimRight(plain, "\r\n") + "\r\n\r\n" + strings.Join(block, "\r\n") + "\r\n\r\n" + src.Body.Plain
		if htmlBody != "" || src.Body.HTML != "" {
			if htmlBody == "" {
				htmlBody = "<html><body><pre>" + html.EscapeString(msg.Plain) + "</pre></body></html>"
			}
			orig := htmlInner(src.Body.HTML)
			if orig == "" {
				orig = "<pre>" + html.EscapeString(src.Body.Plain) + "</pre>"
			}
			var b strings.Builder
			b.WriteString("<hr><div>")
			for _, l := range block[1:] {
				b.WriteString(html.EscapeString(l) + "<br>")
			}
			b.WriteString("</div><br>")
			if forward {
				b.WriteString(orig)
			} else {
				b.WriteString("<blockquote>" + orig + "</blockquote>")
			}
			htmlBody = insertBeforeBodyEnd(htmlBody, b.String())
		}
		if forward && !calendar {
			atts = append(atts, src.Attachments...)
		}
	}
	if forward && calendar {
		eml, err := BuildMail(&mail.Address{Name: src.Prop(mustTag("Calendar:OrganizerName")), Address: src.Prop(mustTag("Calendar:OrganizerEmail"))}, nil, src.Prop(mustTag("Calendar:Subject")), src.Body.Plain, src.Body.HTML, src.Received)
		if err != nil {
			return nil, err
		}
		name := src.Prop(mustTag("Calendar:Subject"))
		if name == "" {
			name = "Appointment"
		}
		atts = append(atts, Attachment{Name: name + ".eml", ContentType: "message/rfc822", Data: eml})
	}
	var forwarded *meeting
	switch {
	case forward && calendar:
		forwarded = forwardedMeeting(src, msg, instance)
	case forward && src.Class == "Email":
		// A forwarded meeting request is one to the new attendees too.
		if forwarded = meetingOfRequest(src); forwarded != nil {
			forwarded.attendees = nil
			for _, a := range msg.Recipients() {
				forwarded.attendees = append(forwarded.attendees, meetingAttendee{email: a.Address, name: a.Name, rsvp: true})
			}
		}
	}
	sentFromOrganizer(&mh, forwarded, src)
	var buf bytes.Buffer
	w, err := mail.CreateWriter(&buf, mh)
	if err != nil {
		return nil, err
	}
	iw, err := w.CreateInline()
	if err != nil {
		return nil, err
	}
	parts := []struct{ ct, body string }{{"text/plain", plain}}
	if htmlBody != "" {
		parts = append(parts, struct{ ct, body string }{"text/html", htmlBody})
	}
	if forwarded != nil {
		parts = append(parts, struct{ ct, body string }{"text/calendar", forwarded.iCalendar()})
	}
	for _, p := range parts {
		var ph mail.InlineHeader
		params := map[string]string{"charset": "utf-8"}
		if p.ct == "text/calendar" {
			params["method"] = forwarded.method
		}
		ph.SetContentType(p.ct, params)
		pw, err := iw.CreatePart(ph)
		if err != nil {
			return nil, err
		}
		io.WriteString(pw, p.body)
		pw.Close()
	}
	if err := iw.Close(); err != nil {
		return nil, err
	}
	for _, a := range atts {
		ct := a.ContentType
		if ct == "" {
			ct = "application/octet-stream"
		}
		var pw io.WriteCloser
		if a.Inline {
			var ah mail.InlineHeader
			ah.SetContentType(ct, nil)
			ah.Set("Content-Transfer-Encoding", "base64")
			if a.ContentID != "" {
				ah.Set("Content-Id", "<"+a.ContentID+">")
			}
			pw, err = w.CreateSingleInline(ah)
		} else {
			var ah mail.AttachmentHeader
			ah.SetContentType(ct, nil)
			ah.SetFilename(a.Name)
			if a.ContentID != "" {
				ah.Set("Content-Id", "<"+a.ContentID+">")
			}
			pw, err = w.CreateAttachment(ah)
		}
		if err != nil {
			return nil, err
		}
		pw.Write(a.Data)
		pw.Close()
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// originalBlock is the header block Outlook and Exchange put above a
// quoted original.
func originalBlock(src *Item) []string {
	if src.Class == "Calendar" {
		lines := []string{"-----Original Appointment-----"}
		if org := src.Prop(mustTag("Calendar:OrganizerEmail")); org != "" {
			lines = append(lines, "From: "+org)
		}
		lines = append(lines, "Subject: "+src.Prop(mustTag("Calendar:Subject")))
		if t, err := eas.ParseDate(src.Prop(mustTag("Calendar:StartTime"))); err == nil {
			lines = append(lines, "When: "+t.Format("Monday, January 2, 2006 15:04 MST"))
		}
		if loc := src.Prop(mustTag("Calendar:Location")); loc != "" {
			lines = append(lines, "Where: "+loc)
		}
		return lines
	}
	lines := []string{"-----Original Message-----", "From: " + src.Prop(tEmailFrom)}
	if t, err := eas.ParseDate(src.Prop(tEmailDateReceived)); err == nil {
		lines = append(lines, "Sent: "+t.Format("Monday, January 2, 2006 15:04 MST"))
	}
	lines = append(lines, "To: "+src.Prop(tEmailTo))
	if cc := src.Prop(mustTag("Email:Cc")); cc != "" {
		lines = append(lines, "Cc: "+cc)
	}
	return append(lines, "Subject: "+src.Prop(tEmailSubject))
}

// htmlInner returns the content of an HTML document's body element, or
// the whole text when it has none.
func htmlInner(s string) string {
	lower := strings.ToLower(s)
	if i := strings.Index(lower, "<body"); i >= 0 {
		if j := strings.IndexByte(lower[i:], '>'); j >= 0 {
			s, lower = s[i+j+1:], lower[i+j+1:]
		}
	}
	if i := strings.LastIndex(lower, "</body>"); i >= 0 {
		s = s[:i]
	}
	return s
}

// insertBeforeBodyEnd puts extra before </body>, or at the end.
func insertBeforeBodyEnd(doc, extra string) string {
	if i := strings.LastIndex(strings.ToLower(doc), "</body>"); i >= 0 {
		return doc[:i] + extra + doc[i:]
	}
	return doc + extra
}

// mailSideState is a mailbox's state of mail handling: the ClientIds of
// recent submissions, per device, and the "always move" rules of
// conversations (ItemOperations Move). It has its own lock, never held
// while the mailbox lock is taken.
type mailSideState struct {
	mu        sync.Mutex
	clientIDs map[string]time.Time // device|ClientId -> when sent
	order     []string             // clientIDs keys, oldest first
	convRules map[string]string    // hex ConversationId -> folder ServerId
	gen       uint64               // bumped by every change, for the store
}

// Limits on the remembered ClientIds. How long Exchange remembers them is
// UNCONFIRMED; a day and a thousand messages cover any client's retries.
const (
	clientIDMemory   = 24 * time.Hour
	maxClientIDsKept = 1000
)

// mailSide returns mb's mail-handling state.
func mailSide(mb *Mailbox) *mailSideState { return &mb.mail }

// reserveClientID records a submission's ClientId; false when the device
// used it recently.
func (st *mailSideState) reserveClientID(device, clientID string, now time.Time) bool {
	st.mu.Lock()
	defer st.mu.Unlock()
	for len(st.order) > 0 {
		k := st.order[0]
		if len(st.order) <= maxClientIDsKept && now.Sub(st.clientIDs[k]) < clientIDMemory {
			break
		}
		delete(st.clientIDs, k)
		st.order = st.order[1:]
	}
	key := strings.ToLower(device) + "|" + clientID
	if _, dup := st.clientIDs[key]; dup {
		return false
	}
	st.clientIDs[key] = now
	st.order = append(st.order, key)
	st.gen++
	return true
}

func (st *mailSideState) setConversationRule(id []byte, folder string) {
	st.mu.Lock()
	defer st.mu.Unlock()
	st.convRules[hex.EncodeToString(id)] = folder
	st.gen++
}

func (st *mailSideState) conversationRule(id []byte) (string, bool) {
	st.mu.Lock()
	defer st.mu.Unlock()
	f, ok := st.convRules[hex.EncodeToString(id)]
	return f, ok
}
