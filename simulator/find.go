package simulator

import (
	"net/mail"
	"strconv"
	"strings"
	"unicode"

	"github.com/easlab/easlab/eas"
)

// Find (MS-ASCMD 2.2.1.2, protocol 16.1): a KQL search of the mailbox or
// the GAL.
//
// No Exchange source for Find was available, so its answers follow
// MS-ASCMD and protocol.md 3.2: Find/Status 1 says the request was read;
// a request without SearchId or ExecuteSearch, or with both or neither
// criterion, gets Find/Status 2 and no Response. Otherwise the Response
// carries the store searched (itemoperations:Store "Mailbox" or "GAL") and
// its own Status: 2 for invalid search parameters (no query, a Class other
// than Email, a malformed Range), 4 for a Range that does not begin at 0.
// A folder hierarchy out of date (no FolderSync yet, or an unknown
// CollectionId) is Find/Status 3 and no Response: MS-ASCMD defines 3 for
// the Find element only, and MSASCMD_S23_TC08 (R72172515) expects it
// there for CollectionId -1. Range (0-N) and Total come with every non-empty
// result; the mailbox and GAL limits are those of Search (100 results). As
// in Search, a mailbox query without CollectionId searches from the root,
// so it finds something only with DeepTraversal (protocol.md 3.2).

// findPreviewLength is the length of a mailbox result's Preview.
const findPreviewLength = 255

func handleFind(c *call) error {
	var req eas.FindRequest
	if err := c.decode(&req); err != nil {
		return err
	}
	invalid := &eas.FindResponse{Status: int(eas.FindStatusInvalidRequest)}
	es := req.ExecuteSearch
	if strings.TrimSpace(req.SearchId) == "" || es == nil || len(req.Extra) > 0 || len(es.Extra) > 0 ||
		(es.MailBoxSearchCriterion == nil) == (es.GalSearchCriterion == nil) {
		return c.reply(invalid)
	}
	var body *eas.FindResponseBody
	if es.MailBoxSearchCriterion != nil {
		body = c.findMailbox(es.MailBoxSearchCriterion)
	} else {
		body = c.findGAL(es.GalSearchCriterion)
	}
	if body.Status == int(eas.FindStatusFolderSyncRequired) {
		return c.reply(&eas.FindResponse{Status: body.Status})
	}
	return c.reply(&eas.FindResponse{Status: int(eas.FindStatusSuccess), Response: body})
}

// findRange reads a Find Range, which must begin at 0.
func findRange(o *eas.FindOptions, def int) (hi int, st eas.FindStatus) {
	if o == nil || o.Range == "" {
		return def, eas.FindStatusSuccess
	}
	lo, hi, ok := parseSearchRange(o.Range)
	switch {
	case !ok:
		return 0, eas.FindStatusInvalidRequest
	case lo != 0:
		return 0, eas.FindStatusInvalidRange
	}
	return hi, eas.FindStatusSuccess
}

func (c *call) findMailbox(cr *eas.FindCriterion) *eas.FindResponseBody {
	body := &eas.FindResponseBody{Store: eas.SearchStoreMailbox}
	fail := func(s eas.FindStatus) *eas.FindResponseBody { body.Status = int(s); return body }
	q := cr.Query
	if q == nil || len(cr.Extra) > 0 || len(q.Extra) > 0 || q.Class != "Email" || strings.TrimSpace(q.FreeText) == "" {
		return fail(eas.FindStatusInvalidRequest)
	}
	hi, st := findRange(cr.Options, maxMailboxSearchResults-1)
	if st != eas.FindStatusSuccess {
		return fail(st)
	}
	deep := cr.Options != nil && cr.Options.DeepTraversal
	match := parseKQL(q.FreeText)
	m := c.mb
	m.lock()
	defer m.unlock()
	if !c.searchHierarchyKnownLocked() {
		return fail(eas.FindStatusFolderSyncRequired)
	}
	var ids []string
	if q.CollectionId != "" {
		ids = []string{q.CollectionId}
	}
	scope, ok := m.searchScopeLocked(ids, deep)
	if !ok {
		return fail(eas.FindStatusFolderSyncRequired)
	}
	found := m.searchMatchLocked(scope, func(it *Item) bool { return it.Class == "Email" && match(it) })
	if len(found) > maxMailboxSearchResults {
		found = found[:maxMailboxSearchResults]
	}
	body.Status = int(eas.FindStatusSuccess)
	for i := 0; i <= hi && i < len(found); i++ {
		it := found[i]
		props, err := eas.NewFindResultProperties(m.findPropertiesLocked(it))
		if err != nil {
			return fail(eas.FindStatusInvalidRequest)
		}
		body.Result = append(body.Result, eas.FindResult{Class: it.Class, ServerId: it.ServerID, CollectionId: it.FolderID, Properties: props})
	}
	setFindTotals(body, len(found))
	return body
}

func setFindTotals(body *eas.FindResponseBody, total int) {
	if n := len(body.Result); n > 0 {
		body.Range = "0-" + strconv.Itoa(n-1)
	}
	body.Total = &total
}

// findPropertiesLocked summarizes an e-mail as a Find result.
func (m *Mailbox) findPropertiesLocked(it *Item) *eas.FindProperties {
	p := &eas.FindProperties{
		Subject:      it.Prop(tEmailSubject),
		DateReceived: it.Prop(tEmailDateReceived),
		DisplayTo:    it.Prop(lkEmailDisplayTo),
		From:         it.Prop(tEmailFrom),
		Preview:      findPreview(it.Body.Plain, findPreviewLength),
	}
	cc, bcc := findDisplayNames(it.Prop(lkEmailCc)), findDisplayNames(it.Prop(lkEmail2Bcc))
	p.DisplayCc, p.DisplayBcc = &cc, &bcc
	imp := 1
	if n, err := strconv.Atoi(it.Prop(lkEmailImportance)); err == nil {
		imp = n
	}
	p.Importance = &imp
	read := it.Prop(tEmailRead) == "1"
	p.Read = &read
	draft := it.Prop(lkEmail2IsDraft) == "1"
	if f := m.folderLocked(it.FolderID); f != nil && f.Type == eas.FolderTypeDrafts {
		draft = true
	}
	p.IsDraft = &draft
	att := len(it.Attachments) > 0
	p.HasAttachments = &att
	return p
}

// findDisplayNames turns an address list into the names a Display* property
// shows ("Bob Kelly; katie@fabrikam.com").
func findDisplayNames(list string) string {
	if strings.TrimSpace(list) == "" {
		return ""
	}
	addrs, err := mail.ParseAddressList(list)
	if err != nil {
		return list
	}
	names := make([]string, len(addrs))
	for i, a := range addrs {
		names[i] = a.Name
		if names[i] == "" {
			names[i] = a.Address
		}
	}
	return strings.Join(names, "; ")
}

// findPreview is the first n characters of a body, its white space collapsed.
func findPreview(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > n {
		s = string(r[:n])
	}
	return s
}

// kqlFields maps the KQL property restrictions the simulator knows to the
// properties they look in.
var kqlFields = map[string][]string{
	"subject":      {"Subject"},
	"from":         {"From"},
	"to":           {"To", "DisplayTo"},
	"cc":           {"Cc"},
	"participants": {"From", "To", "Cc", "DisplayTo"},
	"body":         {"body"},
}

// parseKQL turns Find's FreeText into a matcher: a small subset of the
// Keyword Query Language. Terms (words or "quoted phrases") must all occur,
// case-insensitively, as substrings of the subject, the addresses or the
// body; a term "subject:x", "from:x", "to:x", "cc:x", "participants:x" or
// "body:x" looks only there; AND between terms is implied (and may be
// written); OR separates alternatives. Other KQL (NOT, ranges, dates) is
// taken as plain words.
func parseKQL(text string) func(*Item) bool {
	type term struct {
		fields []string // nil: anywhere
		word   string
	}
	var alts [][]term
	var cur []term
	for _, tok := range kqlTokens(text) {
		switch tok {
		case "AND":
			continue
		case "OR":
			alts = append(alts, cur)
			cur = nil
			continue
		}
		t := term{word: strings.ToLower(tok)}
		if name, val, ok := strings.Cut(tok, ":"); ok {
			if fields, known := kqlFields[strings.ToLower(name)]; known {
				t = term{fields: fields, word: strings.ToLower(strings.Trim(val, `"`))}
			}
		}
		t.word = strings.Trim(t.word, `"`)
		if t.word != "" {
			cur = append(cur, t)
		}
	}
	alts = append(alts, cur)
	return func(it *Item) bool {
		for _, alt := range alts {
			if len(alt) == 0 {
				continue
			}
			ok := true
			for _, t := range alt {
				if !strings.Contains(kqlFieldText(it, t.fields), t.word) {
					ok = false
					break
				}
			}
			if ok {
				return true
			}
		}
		return false
	}
}

// kqlFieldText returns the lower-cased text of the named properties ("body"
// for the body), or the searchable text when fields is nil.
func kqlFieldText(it *Item, fields []string) string {
	if fields == nil {
		return searchItemText(it)
	}
	var b strings.Builder
	for _, f := range fields {
		if f == "body" {
			b.WriteString(it.Body.Plain)
			b.WriteByte('\n')
			continue
		}
		for _, p := range it.Props {
			if p.Tag.Name == f {
				b.WriteString(p.Text())
				b.WriteByte('\n')
			}
		}
	}
	return strings.ToLower(b.String())
}

// kqlTokens splits KQL on white space, keeping "quoted phrases" (also
// after a property name: subject:"two words") whole.
func kqlTokens(s string) []string {
	var out []string
	var b strings.Builder
	quoted := false
	for _, r := range s {
		switch {
		case r == '"':
			quoted = !quoted
			b.WriteRune(r)
		case unicode.IsSpace(r) && !quoted:
			if b.Len() > 0 {
				out = append(out, b.String())
				b.Reset()
			}
		default:
			b.WriteRune(r)
		}
	}
	if b.Len() > 0 {
		out = append(out, b.String())
	}
	return out
}

func (c *call) findGAL(cr *eas.FindCriterion) *eas.FindResponseBody {
	body := &eas.FindResponseBody{Store: eas.SearchStoreGAL}
	fail := func(s eas.FindStatus) *eas.FindResponseBody { body.Status = int(s); return body }
	q := cr.Query
	if q == nil || len(cr.Extra) > 0 || len(q.Extra) > 0 || q.Class != "" || q.CollectionId != "" || q.FreeText != "" {
		return fail(eas.FindStatusInvalidRequest)
	}
	if n := galUTF16Len(q.Text); n == 0 || n > maxGALQueryLength {
		return fail(eas.FindStatusInvalidRequest)
	}
	hi, st := findRange(cr.Options, maxGALSearchResults-1)
	if st != eas.FindStatusSuccess {
		return fail(st)
	}
	var pic *eas.PictureOptions
	if cr.Options != nil {
		pic = cr.Options.Picture
	}
	found := c.s.dir.galLookup(q.Text, maxGALSearchResults)
	body.Status = int(eas.FindStatusSuccess)
	for i := 0; i <= hi && i < len(found); i++ {
		props, err := eas.NewFindResultProperties(galProperties(found[i], c.s.dir.Org, pic))
		if err != nil {
			return fail(eas.FindStatusInvalidRequest)
		}
		body.Result = append(body.Result, eas.FindResult{Properties: props})
	}
	setFindTotals(body, len(found))
	return body
}
