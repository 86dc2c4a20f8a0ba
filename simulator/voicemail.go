package simulator

import (
	"strconv"
	"strings"

	"github.com/easlab/easlab/eas"
	"github.com/easlab/easlab/wbxml"
)

// Electronic voice mail (MS-ASEMAIL 2.2.2.80 to 2.2.2.83). Exchange makes
// a message a voice mail from headers any message can carry, not only
// one its Unified Messaging server records: a Content-Class of "voice"
// whose attachments are all audio gets the class
// IPM.Note.Microsoft.Voicemail.UM (PureMimeMessage.DetectVoiceMessage,
// Exchange 2013 Data.Transport; "voice-ca", "voice-uc" and "missedcall"
// give the other classes), and X-CallingTelephoneNumber,
// X-AttachmentOrder and X-VoiceMessageDuration become its caller's number
// and the order and duration of its recordings (InboundMimeHeadersParser,
// Data.Storage). ActiveSync sends the number as UmCallerID and, on the
// attachments of a voice mail, the order as UmAttOrder (1 the most
// recent: the last name of the header) and the duration as UmAttDuration
// on the most recent one only (Xso14AttachmentsProperty,
// Exchange 2013 AirSync; MSASEMAIL_S02_TC01: R799, R803 to R812, R829,
// R933).

var (
	tEmailUmCallerID  = mustTag("Email2:UmCallerID")
	tEmailUmUserNotes = mustTag("Email2:UmUserNotes")
	tUmAttOrder       = mustTag("Email2:UmAttOrder")
	tUmAttDuration    = mustTag("Email2:UmAttDuration")
)

// voiceClasses are the message classes of the Content-Class values
// Exchange reads as voice messages.
var voiceClasses = map[string]string{
	"voice":      "IPM.Note.Microsoft.Voicemail.UM",
	"voice-ca":   "IPM.Note.Microsoft.Voicemail.UM.CA",
	"voice-uc":   "IPM.Note.Microsoft.Conversation.Voice",
	"missedcall": "IPM.Note.Microsoft.Missed.Voice",
}

// evmClassPrefixes are the classes whose attachments carry UmAttOrder
// and UmAttDuration (MS-ASEMAIL 2.2.2.82, 2.2.2.83).
var evmClassPrefixes = []string{"IPM.Note.Microsoft.Voicemail", "IPM.Note.RPMSG.Microsoft.Voicemail", "IPM.Note.Microsoft.Missed.Voice"}

// isVoiceContentType reports whether an attachment is a recording
// (PureMimeMessage.IsVoiceContentType).
func isVoiceContentType(ct string) bool {
	switch strings.ToLower(ct) {
	case "audio/wav", "audio/wma", "audio/mp3", "audio/gsm":
		return true
	}
	return false
}

// voiceHeaders are the voice mail headers of a message's MIME.
type voiceHeaders struct {
	contentClass, callerID, order, duration string
}

func voiceHeadersOf(raw []byte) (voiceHeaders, bool) {
	if len(raw) == 0 {
		return voiceHeaders{}, false
	}
	h, _, err := splitMessage(raw)
	if err != nil {
		return voiceHeaders{}, false
	}
	return voiceHeaders{
		contentClass: strings.TrimSpace(h.Get("Content-Class")),
		callerID:     strings.TrimSpace(h.Get("X-CallingTelephoneNumber")),
		order:        h.Get("X-AttachmentOrder"),
		duration:     strings.TrimSpace(h.Get("X-VoiceMessageDuration")),
	}, true
}

// dressVoiceMail makes a delivered message a voice mail when its headers
// say it is one: its message class and UmCallerID.
func dressVoiceMail(it *Item) {
	vh, ok := voiceHeadersOf(it.Body.MIME)
	if !ok {
		return
	}
	class, ok := voiceClasses[strings.ToLower(vh.contentClass)]
	if !ok {
		return
	}
	for _, a := range it.Attachments {
		if !isVoiceContentType(a.ContentType) {
			return
		}
	}
	it.setProps([]*wbxml.Node{wbxml.NewText(tEmailMessageClass, class)})
	if vh.callerID != "" {
		it.setProps([]*wbxml.Node{wbxml.NewText(tEmailUmCallerID, vh.callerID)})
	}
}

// isVoiceMail reports whether an item's class is a voice mail's.
func isVoiceMail(it *Item) bool {
	class := it.Prop(tEmailMessageClass)
	for _, p := range evmClassPrefixes {
		if len(class) >= len(p) && strings.EqualFold(class[:len(p)], p) {
			return true
		}
	}
	return false
}

// voiceAttachmentOrder is the UmAttOrder of the attachment name in an
// X-AttachmentOrder list: its place counted from the end, 1 the last
// (the most recent recording), or -1 when it is not listed.
func voiceAttachmentOrder(order, name string) int {
	if order == "" || name == "" {
		return -1
	}
	names := strings.Split(order, ";")
	n := 1
	for i := len(names) - 1; i >= 0; i-- {
		if i == len(names)-1 && names[i] == "" {
			// A trailing separator names no recording.
			continue
		}
		if strings.TrimSpace(names[i]) == name {
			return n
		}
		n++
	}
	return -1
}

// voiceAttachmentProps are the UmAttOrder and UmAttDuration elements of
// a voice mail's attachments in order (nil entries for none), from 14.0.
func voiceAttachmentProps(it *Item, names []string, version string) [][]*wbxml.Node {
	if !isVoiceMail(it) || !versionAtLeast(version, eas.Version140) {
		return nil
	}
	vh, ok := voiceHeadersOf(it.Body.MIME)
	if !ok {
		return nil
	}
	out := make([][]*wbxml.Node, len(names))
	seen := map[int]bool{}
	for i, name := range names {
		o := voiceAttachmentOrder(vh.order, name)
		if o < 0 || seen[o] {
			continue
		}
		seen[o] = true
		out[i] = append(out[i], wbxml.NewText(tUmAttOrder, strconv.Itoa(o)))
		if d, err := strconv.Atoi(vh.duration); err == nil && o == 1 {
			out[i] = append(out[i], wbxml.NewText(tUmAttDuration, strconv.Itoa(d)))
		}
	}
	return out
}
