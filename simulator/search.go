package simulator

import (
	"bytes"
	"fmt"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/easlab/easlab/eas"
	"github.com/easlab/easlab/wbxml"
)

// Search (MS-ASCMD 2.2.1.16): the mailbox (12.0+), the global address list
// and document libraries.
//
// The behaviour follows Exchange 2013's SearchCommand and its three
// providers (decompiled CU23 sources, exchange-admin.md S1):
//
//   - Search/Status is always 1; a provider's failure goes in
//     Response/Store/Status, with no results. A request that does not
//     follow the schema, or names an unknown store, gets Store Status 2.
//   - When nothing matches, the Store holds one empty <Result/>.
//   - Range and Total are sent only when the request gave a Range.
//   - The mailbox provider searches at most MaxMailboxSearchResults (100)
//     items, newest first; a Range starting at or past that cap, or ending
//     on it, gets Store Status 12 (end of retrievable range).
//   - The GAL provider resolves the query as Active Directory's ambiguous
//     name resolution (ANR) does, by prefix, returns at most
//     MaxGALSearchResults (100) entries and nothing for a query shorter
//     than MinGALSearchLength (4) characters.

// Exchange's defaults for the search limits (GlobalSettingsSchema).
const (
	maxMailboxSearchResults = 100
	maxGALSearchResults     = 100
	minGALSearchLength      = 4
	maxGALQueryLength       = 256 // UTF-16 code units, as .NET counts
)

var (
	lkSearchProperties = mustTag("Search:Properties")
	lkSearchResult     = mustTag("Search:Result")
	lkEmailCc          = mustTag("Email:Cc")
	lkEmailDisplayTo   = mustTag("Email:DisplayTo")
	lkEmailImportance  = mustTag("Email:Importance")
	lkEmail2Bcc        = mustTag("Email2:Bcc")
	lkEmail2IsDraft    = mustTag("Email2:IsDraft")
	lkEmail2ConvID     = mustTag("Email2:ConversationId")
)

func handleSearch(c *call) error {
	var req eas.SearchRequest
	if err := c.decode(&req); err != nil {
		return err
	}
	reply := func(r *eas.SearchStoreResult) error {
		return c.reply(&eas.SearchResponse{
			Status:   int(eas.SearchStatusSuccess),
			Response: &eas.SearchResponseBody{Store: r},
		})
	}
	fail := func(s eas.SearchStatus) error { return reply(&eas.SearchStoreResult{Status: int(s)}) }
	st := req.Store
	if st == nil || len(req.Extra) > 0 || len(st.Extra) > 0 {
		return fail(eas.SearchStatusInvalidRequest)
	}
	if c.quarantined {
		// A quarantined or discovering device's Search succeeds with the
		// store's Status 3 (Exchange 2013's SearchCommand.HandleQuarantinedState:
		// GetProviderErrorXml(3), a <Search><Status>1</Status><Response>
		// <Store><Status>3</Status> answer; exchange-admin.md 2.1).
		return fail(eas.SearchStatusServerError)
	}
	// A Query with two And elements is too complex, Status 8
	// (MS-ASCMD_S14_TC02, R772); the decoder would merge them into one.
	if searchQueryAnds(c.body) > 1 {
		return fail(eas.SearchStatusQueryTooComplex)
	}
	var (
		res    *eas.SearchStoreResult
		status eas.SearchStatus
	)
	// Exchange lowers the store name before choosing the provider.
	switch strings.ToLower(st.Name) {
	case "mailbox":
		res, status = c.searchMailbox(st)
	case "gal":
		res, status = c.searchGAL(st)
	case "documentlibrary":
		status = c.searchDocumentLibrary(st)
	default:
		status = eas.SearchStatusInvalidRequest
	}
	if status != eas.SearchStatusSuccess {
		return fail(status)
	}
	return reply(res)
}

// searchQueryAnds counts the And elements of a Search request's Query.
func searchQueryAnds(body []byte) int {
	root, err := wbxml.Parse(body)
	if err != nil {
		return 0
	}
	q := root.Path(wbxml.Lookup("Search", "Store"), wbxml.Lookup("Search", "Query"))
	if q == nil {
		return 0
	}
	return len(q.FindAll(wbxml.Lookup("Search", "And")))
}

// parseSearchRange reads a Range "m-n". Exchange splits on '-' and int.Parses
// both halves (an unparsable Range is an unhandled error there, a protocol
// error here); m > n is a protocol error.
func parseSearchRange(s string) (lo, hi int, ok bool) {
	a, b, found := strings.Cut(s, "-")
	if !found || !searchRangeDigits(a) || !searchRangeDigits(b) {
		return 0, 0, false
	}
	lo, err1 := strconv.Atoi(a)
	hi, err2 := strconv.Atoi(b)
	if err1 != nil || err2 != nil || lo > hi {
		return 0, 0, false
	}
	return lo, hi, true
}

func searchRangeDigits(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// hasSearchNamespace reports whether any node is in namespace ns.
func hasSearchNamespace(nodes []*wbxml.Node, ns string) bool {
	for _, n := range nodes {
		if n.Tag != nil && n.Tag.Namespace == ns {
			return true
		}
	}
	return false
}

// Mailbox search.

// mailMatch is one condition of a mailbox query.
type mailMatch func(it *Item) bool

// mailboxQuery is a parsed mailbox Search query.
type mailboxQuery struct {
	classes      map[string]bool
	collections  []string
	conds        []mailMatch
	conversation bool // the query names a ConversationId
}

// defaultSearchClasses are the classes searched when the query names none
// (Exchange's MailboxSearchCriteriaBuilder); Notes and SMS from 14.0.
func defaultSearchClasses(v eas.ProtocolVersion) []string {
	cs := []string{"Email", "Calendar", "Contacts", "Tasks"}
	if v.AtLeast(eas.Version140) {
		cs = append(cs, "Notes", "SMS")
	}
	return cs
}

// parseMailboxQuery checks a mailbox query as Exchange does: the Query
// holds exactly one And (else 8, too complex); the And holds Class and
// CollectionId elements and at least one condition (else 2); conditions
// are FreeText, GreaterThan, LessThan, ConversationId and Or, anything else
// being a protocol error (2); a comparison must compare
// email:DateReceived (else 8).
func parseMailboxQuery(q *eas.SearchQuery, v eas.ProtocolVersion) (*mailboxQuery, eas.SearchStatus) {
	if q == nil {
		return nil, eas.SearchStatusInvalidRequest
	}
	others := len(q.Class) + len(q.CollectionId) + len(q.FreeText) + len(q.Extra)
	if strings.TrimSpace(q.Text) != "" || len(q.ConversationId) > 0 || q.Or != nil ||
		q.EqualTo != nil || q.GreaterThan != nil || q.LessThan != nil {
		others++
	}
	if q.And == nil || others > 0 {
		return nil, eas.SearchStatusQueryTooComplex
	}
	and := q.And
	mq := &mailboxQuery{classes: map[string]bool{}}
	for _, id := range and.CollectionId {
		if id == "" {
			return nil, eas.SearchStatusInvalidRequest
		}
		mq.collections = append(mq.collections, id)
	}
	classes := and.Class
	for _, cl := range classes {
		if cl == "" {
			return nil, eas.SearchStatusInvalidRequest
		}
	}
	if len(classes) == 0 {
		classes = defaultSearchClasses(v)
	}
	for _, cl := range classes {
		switch cl {
		case "Email", "Calendar", "Contacts", "Tasks":
		case "Notes", "SMS":
			if !v.AtLeast(eas.Version140) {
				return nil, eas.SearchStatusInvalidRequest
			}
		default:
			return nil, eas.SearchStatusInvalidRequest
		}
		mq.classes[cl] = true
	}
	if and.And != nil || and.EqualTo != nil || len(and.Extra) > 0 || strings.TrimSpace(and.Text) != "" {
		return nil, eas.SearchStatusInvalidRequest
	}
	conds, st := parseSearchConditions(and, mq)
	if st != eas.SearchStatusSuccess {
		return nil, st
	}
	if len(conds) == 0 {
		return nil, eas.SearchStatusInvalidRequest
	}
	mq.conds = conds
	return mq, eas.SearchStatusSuccess
}

// parseSearchConditions reads the conditions of an And or Or.
func parseSearchConditions(q *eas.SearchQuery, mq *mailboxQuery) ([]mailMatch, eas.SearchStatus) {
	var conds []mailMatch
	for _, ft := range q.FreeText {
		conds = append(conds, searchFreeText(ft))
	}
	for _, cmp := range []struct {
		c    *eas.SearchComparison
		less bool
	}{{q.GreaterThan, false}, {q.LessThan, true}} {
		if cmp.c == nil {
			continue
		}
		m, st := parseSearchDateComparison(cmp.c, cmp.less)
		if st != eas.SearchStatusSuccess {
			return nil, st
		}
		conds = append(conds, m)
	}
	for _, id := range q.ConversationId {
		// A query names one conversation: a second ConversationId, in
		// the same And or an Or, is too complex (Exchange 2013's
		// MailboxSearchCriteriaBuilder.ParseConversationId;
		// MSASCMD_S14_TC29, R5815).
		if mq.conversation {
			return nil, eas.SearchStatusQueryTooComplex
		}
		mq.conversation = true
		conds = append(conds, func(it *Item) bool {
			for _, p := range it.Props {
				if p.Tag == lkEmail2ConvID && bytes.Equal([]byte(p.Text()), id) {
					return true
				}
			}
			return false
		})
	}
	if q.Or != nil {
		or := q.Or
		if len(or.Class) > 0 || len(or.CollectionId) > 0 || or.And != nil || or.EqualTo != nil ||
			len(or.Extra) > 0 || strings.TrimSpace(or.Text) != "" {
			return nil, eas.SearchStatusInvalidRequest
		}
		alts, st := parseSearchConditions(or, mq)
		if st != eas.SearchStatusSuccess {
			return nil, st
		}
		conds = append(conds, func(it *Item) bool {
			for _, a := range alts {
				if a(it) {
					return true
				}
			}
			return false
		})
	}
	return conds, eas.SearchStatusSuccess
}

// parseSearchDateComparison reads GreaterThan or LessThan: exactly
// email:DateReceived and Value, the value an EAS date.
func parseSearchDateComparison(c *eas.SearchComparison, less bool) (mailMatch, eas.SearchStatus) {
	n := 1 + len(c.Extra) // Value
	if c.DateReceived {
		n++
	}
	if c.LinkId {
		n++
	}
	if n != 2 {
		return nil, eas.SearchStatusInvalidRequest
	}
	if !c.DateReceived {
		return nil, eas.SearchStatusQueryTooComplex
	}
	at, err := eas.ParseDate(strings.TrimSpace(c.Value))
	if err != nil {
		return nil, eas.SearchStatusInvalidRequest
	}
	return func(it *Item) bool {
		// Items without a received time (appointments, contacts) never
		// match a date comparison, as a missing property never does.
		if it.Received.IsZero() {
			return false
		}
		if less {
			return it.Received.Before(at)
		}
		return it.Received.After(at)
	}, eas.SearchStatusSuccess
}

// searchableProps are the properties FreeText looks in, besides the body.
var searchableProps = map[string]bool{
	"Subject": true, "From": true, "To": true, "Cc": true, "DisplayTo": true,
	"Location": true, "OrganizerName": true, "OrganizerEmail": true,
	"FileAs": true, "FirstName": true, "LastName": true, "CompanyName": true,
	"Email1Address": true, "Email2Address": true, "Email3Address": true,
}

// searchItemText returns the searchable text of an item, lower-cased.
func searchItemText(it *Item) string {
	var b strings.Builder
	for _, p := range it.Props {
		if searchableProps[p.Tag.Name] {
			b.WriteString(p.Text())
			b.WriteByte('\n')
		}
	}
	b.WriteString(it.Body.Plain)
	return strings.ToLower(b.String())
}

// searchFreeText matches FreeText. Exchange hands it to the content index,
// which matches every word; here every whitespace-separated word must occur
// (case-insensitively, as a substring) in the subject, the addresses or the
// body. An empty FreeText matches nothing: Exchange builds no filter for it
// and answers an empty result.
func searchFreeText(text string) mailMatch {
	words := strings.Fields(strings.ToLower(text))
	if len(words) == 0 {
		return func(*Item) bool { return false }
	}
	return func(it *Item) bool {
		t := searchItemText(it)
		for _, w := range words {
			if !strings.Contains(t, w) {
				return false
			}
		}
		return true
	}
}

// searchScopeLocked returns the folders a query searches: the named ones
// and, with DeepTraversal, their subfolders. A query naming none searches
// the root ("0"), as Exchange does, which holds no items: without
// DeepTraversal it finds nothing, with it the whole mailbox. It reports
// false when a collection is unknown, which Exchange answers with 11
// (FolderSync required). The Recipient Information Cache is hidden and
// never searched.
func (m *Mailbox) searchScopeLocked(ids []string, deep bool) (map[string]bool, bool) {
	scope := map[string]bool{}
	var add func(id string)
	add = func(id string) {
		for _, f := range m.folders {
			if !f.Deleted && f.ParentID == id && f.Type != eas.FolderTypeRecipientInfoCache {
				scope[f.ServerID] = true
				add(f.ServerID)
			}
		}
	}
	if len(ids) == 0 {
		ids = []string{"0"}
	}
	for _, id := range ids {
		if id == "0" {
			if deep {
				add("0")
			}
			continue
		}
		f := m.folderLocked(id)
		if f == nil {
			return nil, false
		}
		if f.Type == eas.FolderTypeRecipientInfoCache {
			continue
		}
		scope[id] = true
		if deep {
			add(id)
		}
	}
	return scope, true
}

// searchMatchLocked returns the live items in scope that match, newest
// first (Exchange sorts by creation time, descending).
func (m *Mailbox) searchMatchLocked(scope map[string]bool, keep func(*Item) bool) []*Item {
	var out []*Item
	for _, it := range m.items {
		if !it.Deleted && scope[it.FolderID] && keep(it) {
			out = append(out, it)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if !a.Received.Equal(b.Received) {
			return a.Received.After(b.Received)
		}
		if a.FolderID != b.FolderID {
			return a.FolderID < b.FolderID
		}
		return itemLess(b, a)
	})
	return out
}

// searchHierarchyKnownLocked reports whether the device has the folder
// hierarchy, which Exchange needs to map folder ids (else 11 in Search, 3
// in Find). Devices up to 12.1 may have used GetHierarchy instead, which
// leaves no trace here, so they always pass.
func (c *call) searchHierarchyKnownLocked() bool {
	if !c.req.ProtocolVersion.AtLeast(eas.Version140) {
		return true
	}
	dev := c.deviceLocked()
	return dev != nil && dev.hierarchy != nil
}

func (c *call) searchMailbox(st *eas.SearchStore) (*eas.SearchStoreResult, eas.SearchStatus) {
	v := c.req.ProtocolVersion
	if !v.AtLeast(eas.Version120) {
		return nil, eas.SearchStatusInvalidRequest
	}
	lo, hi, ranged := 0, maxMailboxSearchResults-1, false
	deep := false
	ro := renderOptions{withBody: true, version: v.String()}
	if o := st.Options; o != nil {
		// Search-namespace options other than Range, DeepTraversal and
		// RebuildResults are a protocol error for the mailbox.
		if o.UserName != "" || o.Password != "" || o.Picture != nil || hasSearchNamespace(o.Extra, "Search") {
			return nil, eas.SearchStatusInvalidRequest
		}
		if o.Range != "" {
			var ok bool
			if lo, hi, ok = parseSearchRange(o.Range); !ok {
				return nil, eas.SearchStatusInvalidRequest
			}
			ranged = true
		}
		deep = o.DeepTraversal
		// RebuildResults makes Exchange rebuild its search folder; the
		// simulator searches afresh every time, so it changes nothing.
		ro.prefs = o.BodyPreference
		if o.MIMESupport != nil {
			ro.mime = *o.MIMESupport
		}
	}
	mq, status := parseMailboxQuery(st.Query, v)
	if status != eas.SearchStatusSuccess {
		return nil, status
	}
	if o := st.Options; o != nil && len(o.BodyPartPreference) > 0 && !mq.conversation {
		// Body parts are only for a conversation search (Exchange's
		// "BodyPartNotSupported", status 8).
		return nil, eas.SearchStatusQueryTooComplex
	}
	m := c.mb
	m.lock()
	defer m.unlock()
	if !c.searchHierarchyKnownLocked() {
		return nil, eas.SearchStatusFolderSyncRequired
	}
	scope, ok := m.searchScopeLocked(mq.collections, deep)
	if !ok {
		return nil, eas.SearchStatusFolderSyncRequired
	}
	found := m.searchMatchLocked(scope, func(it *Item) bool {
		if !mq.classes[it.Class] {
			return false
		}
		for _, cond := range mq.conds {
			if !cond(it) {
				return false
			}
		}
		return true
	})
	if len(found) > maxMailboxSearchResults {
		found = found[:maxMailboxSearchResults]
	}
	res := &eas.SearchStoreResult{Status: int(eas.SearchStatusSuccess)}
	total := len(found)
	if lo >= total {
		res.Extra = emptySearchResult()
		if lo >= maxMailboxSearchResults {
			res.Status = int(eas.SearchStatusEndOfRangeExceeded)
		}
		return res, eas.SearchStatusSuccess
	}
	end := min(hi, total-1)
	for _, it := range found[lo : end+1] {
		res.Result = append(res.Result, eas.SearchResult{
			Class:        it.Class,
			LongId:       searchLongID(it),
			CollectionId: it.FolderID,
			Properties:   searchRetag(renderItem(it, ro), lkSearchProperties),
		})
	}
	if ranged {
		n := end - lo + 1
		res.Range = fmt.Sprintf("%d-%d", lo, end)
		res.Total = &total
		if lo+n == maxMailboxSearchResults {
			res.Status = int(eas.SearchStatusEndOfRangeExceeded)
		}
	}
	return res, eas.SearchStatusSuccess
}

// emptySearchResult is the one empty <Result/> Exchange sends when nothing
// matches. (A zero SearchResult would not be written at all.)
func emptySearchResult() []*wbxml.Node { return []*wbxml.Node{wbxml.NewElement(lkSearchResult)} }

// searchLongID is the LongId of a mailbox search result, with which
// ItemOperations Fetch (and, up to 12.1, SmartReply/SmartForward) find the
// item again. Exchange sends a URL-encoded store id; the simulator sends
// the item's ServerId, which names the item mailbox-wide.
func searchLongID(it *Item) string { return it.ServerID }

// searchRetag returns a node with n's children under tag t.
func searchRetag(n *wbxml.Node, t *wbxml.Tag) *wbxml.Node {
	return &wbxml.Node{Tag: t, Children: n.Children}
}

// GAL search.

// galSplitName derives a first and last name from a display name of
// two or more words; the directory keeps no givenName or sn.
func galSplitName(name string) (first, last string) {
	w := strings.Fields(name)
	if len(w) < 2 {
		return "", ""
	}
	return w[0], strings.Join(w[1:], " ")
}

// anrMatch reports whether query q finds user u as Active Directory's
// ambiguous name resolution does: q is a prefix (case-insensitively) of the
// display name or any of its words, the first or last name, "first last",
// "last first" or "last, first", the alias, the SMTP address or the UPN.
func anrMatch(u User, q string) bool {
	q = strings.ToLower(strings.Join(strings.Fields(q), " "))
	if q == "" {
		return false
	}
	first, last := u.galNames()
	cands := []string{u.DisplayName, u.Alias, u.PrimarySmtpAddress, u.UserPrincipalName}
	cands = append(cands, strings.Fields(u.DisplayName)...)
	if first != "" {
		cands = append(cands, first+" "+last, last+" "+first, last+", "+first, last)
	}
	for _, cand := range cands {
		if strings.HasPrefix(strings.ToLower(cand), q) {
			return true
		}
	}
	return false
}

// galLookup returns the users query finds, sorted by display name, at most
// limit. A query shorter than MinGALSearchLength finds nothing, unless it
// starts with an ideographic letter (Exchange's OtherLetter exception).
func (d *Directory) galLookup(query string, limit int) []User {
	r, _ := utf8.DecodeRuneInString(query)
	if galUTF16Len(query) < minGALSearchLength && !unicode.Is(unicode.Lo, r) {
		return nil
	}
	var out []User
	for _, u := range d.Users() {
		if anrMatch(u, query) {
			out = append(out, u)
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		return strings.ToLower(out[i].DisplayName) < strings.ToLower(out[j].DisplayName)
	})
	if len(out) > limit {
		out = out[:limit]
	}
	return out
}

func galUTF16Len(s string) int { return len(utf16.Encode([]rune(s))) }

// galProperties are the GAL properties of a user, in Exchange's order;
// empty ones are left out. Company is the user's, else the
// organization's name.
func galProperties(u User, org Organization, pic *eas.PictureOptions) *eas.GALProperties {
	first, last := u.galNames()
	company := u.Company
	if company == "" {
		company = org.Name
	}
	p := &eas.GALProperties{
		DisplayName:  u.DisplayName,
		Phone:        u.Phone,
		Office:       u.Office,
		Title:        u.Title,
		Company:      company,
		Alias:        u.Alias,
		FirstName:    first,
		LastName:     last,
		HomePhone:    u.HomePhone,
		MobilePhone:  u.MobilePhone,
		EmailAddress: u.PrimarySmtpAddress,
	}
	if pic != nil {
		// The directory holds no photos.
		p.Picture = &eas.Picture{Status: int(eas.StatusNoPicture)}
	}
	return p
}

// galQueryText checks a GAL query: text alone, 1 to 256 characters.
func galQueryText(q *eas.SearchQuery) (string, bool) {
	if q == nil || len(q.Class)+len(q.CollectionId)+len(q.FreeText)+len(q.Extra) > 0 || len(q.ConversationId) > 0 ||
		q.And != nil || q.Or != nil || q.EqualTo != nil || q.GreaterThan != nil || q.LessThan != nil {
		return "", false
	}
	n := galUTF16Len(q.Text)
	return q.Text, n > 0 && n <= maxGALQueryLength
}

func (c *call) searchGAL(st *eas.SearchStore) (*eas.SearchStoreResult, eas.SearchStatus) {
	lo, hi, ranged := 0, maxGALSearchResults, false
	var pic *eas.PictureOptions
	if o := st.Options; o != nil {
		if o.Range != "" {
			var ok bool
			lo, hi, ok = parseSearchRange(o.Range)
			if !ok || (!c.req.ProtocolVersion.AtLeast(eas.Version120) && lo != 0) {
				return nil, eas.SearchStatusInvalidRequest
			}
			ranged = true
		}
		pic = o.Picture
	}
	text, ok := galQueryText(st.Query)
	if !ok {
		return nil, eas.SearchStatusInvalidRequest
	}
	var found []User
	if lo < maxGALSearchResults {
		found = c.s.dir.galLookup(text, maxGALSearchResults)
	}
	res := &eas.SearchStoreResult{Status: int(eas.SearchStatusSuccess)}
	for i := lo; i <= hi && i < len(found); i++ {
		props, err := eas.NewSearchResultProperties(galProperties(found[i], c.s.dir.Org, pic))
		if err != nil {
			return nil, eas.SearchStatusServerError
		}
		res.Result = append(res.Result, eas.SearchResult{Properties: props})
	}
	n := len(res.Result)
	if n == 0 {
		res.Extra = emptySearchResult()
	} else if ranged {
		total := len(found)
		res.Range = fmt.Sprintf("%d-%d", lo, lo+n-1)
		res.Total = &total
	}
	return res, eas.SearchStatusSuccess
}

// Document libraries.

// searchDocumentLibrary answers a document library search as Exchange
// does on a server whose mailbox policy turns UNC and SharePoint access
// off (UNCAccessEnabled and WSSAccessEnabled $false), the simulator having
// no file servers: after checking the request, a link Exchange would
// follow gets Store Status 13, "access blocked" (DocumentLibrarySearchProvider
// throws Sync_InvalidParameters = 13 for "AccessDeniedInDocSearch" and
// "WssDeniedInDocSearch"). Before that, as in Exchange: a query without
// EqualTo, options other than Range and UserName+Password, or a Range with
// its start past its end are a protocol error (2); a link that is no
// absolute URI is a bad link (4); a scheme other than http, https or file
// is refused (13). Explicit UserName and Password are never checked: any
// credentials get 13, as the access policy refuses the link before they
// would be used, so the search is no password oracle; the attempt is
// logged.
func (c *call) searchDocumentLibrary(st *eas.SearchStore) eas.SearchStatus {
	if o := st.Options; o != nil {
		if o.Range != "" {
			if _, _, ok := parseSearchRange(o.Range); !ok {
				return eas.SearchStatusInvalidRequest
			}
		}
		if o.DeepTraversal || o.RebuildResults || o.MIMESupport != nil || len(o.BodyPreference) > 0 ||
			len(o.BodyPartPreference) > 0 || o.RightsManagementSupport != nil || o.Picture != nil || len(o.Extra) > 0 {
			return eas.SearchStatusInvalidRequest
		}
		if (o.UserName == "") != (o.Password == "") {
			return eas.SearchStatusInvalidRequest
		}
	}
	q := st.Query
	if q == nil || q.EqualTo == nil {
		return eas.SearchStatusInvalidRequest
	}
	link := strings.TrimSpace(q.EqualTo.Value)
	if strings.HasPrefix(link, `\\`) {
		host, _, _ := strings.Cut(strings.TrimPrefix(link, `\\`), `\`)
		if host == "" {
			return eas.SearchStatusBadLink
		}
	} else {
		u, err := url.Parse(link)
		if err != nil || !u.IsAbs() || (u.Host == "" && u.Scheme != "file") {
			return eas.SearchStatusBadLink
		}
		switch strings.ToLower(u.Scheme) {
		case "http", "https", "file":
		default:
			return eas.SearchStatusAccessBlocked
		}
	}
	if o := st.Options; o != nil && o.UserName != "" {
		// The credentials are never checked against the directory: with
		// UNC and SharePoint access off, Exchange refuses before it would
		// use them, so any credentials get the same 13, and a right
		// password cannot be told from a wrong one. The attempt is logged
		// (without the password), as a probe of the directory would be.
		c.s.log.Warn("document library search with explicit credentials refused", "mailbox", c.user.PrimarySmtpAddress, "device", c.req.DeviceID, "username", o.UserName, "link", link)
	}
	return eas.SearchStatusAccessBlocked
}
