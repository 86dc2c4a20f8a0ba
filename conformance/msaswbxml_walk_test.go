package conformance

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/easlab/easlab/eas"
	"github.com/easlab/easlab/wbxml"
)

// MS-ASWBXML: the WBXML algorithm and its code pages. It has no suite of
// its own: every other suite's adapter captures its requirements whenever
// it decodes a response (CaptureCode.cs, VerifyWBXMLCapture): the global
// tokens and the algorithm once a response decodes, and for each tag a
// response carries, the code page's namespace and the tag's token. This
// file reads responses with a WBXML walker of its own, independent of
// package wbxml, and checks what it reads against the facts of those
// requirements (msaswbxml_table_test.go, generated from the adapters).

//go:generate go run ./internal/wbxmlgen -o msaswbxml_table_test.go

const wbxSpec = "MS-ASWBXML"

// wbxPageReq is a code page requirement: code page page indicates
// namespace ns.
type wbxPageReq struct {
	id   int
	page byte
	ns   string
}

// wbxTagReq is a tag requirement: on code page page, tag name has token
// token, in the protocol versions listed ("All", versions joined by
// commas, or "" where the requirement states none: the DocumentLibrary
// and Notes pages have no versions column).
type wbxTagReq struct {
	id       int
	page     byte
	name     string
	token    byte
	versions string
}

// definedAt reports whether the requirement states its tag at version v.
// A list that stops at 16.0 was written before MS-ASWBXML added 16.1,
// which kept every tag of 16.0 (some adapters' later texts add 16.1 to
// the very same lists): it holds at 16.1 too.
func (r *wbxTagReq) definedAt(v string) bool {
	if r.versions == "All" || r.versions == "" {
		return true
	}
	list := strings.Split(r.versions, ",")
	if slices.Contains(list, v) {
		return true
	}
	return v == "16.1" && list[len(list)-1] == "16.0"
}

// wbxPageOf and wbxTagOf index the table.
var (
	wbxPageOf = map[byte]*wbxPageReq{}
	wbxTagOf  = map[[2]byte]*wbxTagReq{}
)

func init() {
	for i := range wbxSpecPages {
		wbxPageOf[wbxSpecPages[i].page] = &wbxSpecPages[i]
	}
	for i := range wbxSpecTags {
		r := &wbxSpecTags[i]
		wbxTagOf[[2]byte{r.page, r.token}] = r
	}
}

// The global tokens of WBXML 1.2 (MS-ASWBXML 2.1.2.2 lists them).
const (
	wbxSwitchPage = 0x00
	wbxEnd        = 0x01
	wbxEntity     = 0x02
	wbxStrI       = 0x03
	wbxLiteral    = 0x04
	wbxStrT       = 0x83
	wbxOpaque     = 0xC3
)

// wbxTagSeen is one tag a response carries: its code page and token, and
// where it is (the path of page/token pairs from the root).
type wbxTagSeen struct {
	page, token byte
	path        string
}

// wbxWalk reads a WBXML document as MS-ASWBXML uses WBXML 1.2: the header
// (version 1.3, public id 1, UTF-8, an empty string table), then one
// element whose tags switch code pages, carry content (bit 0x40) and no
// attributes (bit 0x80), and hold inline strings, opaque data and other
// tags, each ended by END. It returns every tag in document order, or
// says where the document breaks these rules.
func wbxWalk(b []byte) ([]wbxTagSeen, error) {
	pos := 0
	byteAt := func() (byte, error) {
		if pos >= len(b) {
			return 0, fmt.Errorf("the document ends at byte %d inside an element", pos)
		}
		pos++
		return b[pos-1], nil
	}
	mbUint := func() (int, error) {
		n := 0
		for i := 0; i < 5; i++ {
			c, err := byteAt()
			if err != nil {
				return 0, err
			}
			n = n<<7 | int(c&0x7F)
			if c&0x80 == 0 {
				return n, nil
			}
		}
		return 0, fmt.Errorf("a multi-byte integer at byte %d is longer than 5 bytes", pos)
	}
	if len(b) < 4 {
		return nil, fmt.Errorf("%d bytes are too short for a WBXML header", len(b))
	}
	if b[0] != 0x03 {
		return nil, fmt.Errorf("the WBXML version byte is 0x%02X, want 0x03 (1.3)", b[0])
	}
	pos = 1
	if id, err := mbUint(); err != nil || id != 1 {
		return nil, fmt.Errorf("the public id is %d (%v), want 1 (unknown)", id, err)
	}
	if cs, err := mbUint(); err != nil || cs != 106 {
		return nil, fmt.Errorf("the charset is %d (%v), want 106 (UTF-8)", cs, err)
	}
	if n, err := mbUint(); err != nil || n != 0 {
		return nil, fmt.Errorf("the string table is %d bytes (%v), want none", n, err)
	}
	var (
		seen  []wbxTagSeen
		page  byte
		stack []string // the open elements' page/token
		roots int
	)
	for pos < len(b) {
		at := pos
		c, _ := byteAt()
		switch c {
		case wbxSwitchPage:
			p, err := byteAt()
			if err != nil {
				return nil, err
			}
			page = p
		case wbxEnd:
			if len(stack) == 0 {
				return nil, fmt.Errorf("END at byte %d closes no element", at)
			}
			stack = stack[:len(stack)-1]
		case wbxStrI:
			if len(stack) == 0 {
				return nil, fmt.Errorf("an inline string at byte %d is outside the root element", at)
			}
			end := pos
			for end < len(b) && b[end] != 0 {
				end++
			}
			if end == len(b) {
				return nil, fmt.Errorf("the inline string at byte %d has no terminating NUL", at)
			}
			pos = end + 1
		case wbxOpaque:
			if len(stack) == 0 {
				return nil, fmt.Errorf("opaque data at byte %d is outside the root element", at)
			}
			n, err := mbUint()
			if err != nil {
				return nil, err
			}
			if n > len(b)-pos {
				return nil, fmt.Errorf("opaque data at byte %d claims %d bytes, %d are left", at, n, len(b)-pos)
			}
			pos += n
		case wbxEntity, wbxLiteral, wbxStrT, 0x40, 0x41, 0x42, 0x43, 0x44, 0x80, 0x81, 0x82, 0x84, 0xC0, 0xC1, 0xC2, 0xC4:
			return nil, fmt.Errorf("global token 0x%02X at byte %d is one MS-ASWBXML does not use (no entities, literals, string table, extensions, processing instructions or attributes)", c, at)
		default:
			tok := c & 0x3F
			if c&0x80 != 0 {
				return nil, fmt.Errorf("tag 0x%02X at byte %d has attributes, which MS-ASWBXML does not use", c, at)
			}
			if len(stack) == 0 {
				if roots++; roots > 1 {
					return nil, fmt.Errorf("a second root element at byte %d", at)
				}
			}
			here := fmt.Sprintf("%d/0x%02X", page, tok)
			seen = append(seen, wbxTagSeen{page: page, token: tok, path: strings.Join(append(slices.Clone(stack), here), " ")})
			if c&0x40 != 0 {
				stack = append(stack, here)
			}
		}
	}
	switch {
	case len(stack) > 0:
		return nil, fmt.Errorf("the document ends with %d elements open", len(stack))
	case roots == 0:
		return nil, fmt.Errorf("the document has no element")
	}
	return seen, nil
}

// wbxGlobalTokens are the global-token requirements (R801 to R820): the
// adapters capture them whenever a response decodes.
var wbxGlobalTokens = []int{801, 802, 803, 804, 805, 806, 807, 808, 809, 810, 811, 812, 813, 814, 815, 816, 817, 818, 819, 820}

// wbxAlgorithm are the algorithm and initialization requirements the
// adapters capture for each response they decode: the body is WBXML (R1),
// its tags are tokens (R6) of the specified code pages (R8), with the
// features of [WBXML1.2] it uses (R655).
var wbxAlgorithm = []int{1, 6, 8, 655}

// wbxSession gathers what several responses of one session show, for the
// requirements the adapters capture across responses (R825).
type wbxSession struct {
	airSyncClass, estimateClass bool
}

// check walks a response to cmd and captures the requirements of every
// tag it carries, as the adapters' VerifyWBXMLCapture does. An empty body
// (a success that answers nothing) carries none.
func (w *wbxSession) check(s *site, cmd eas.Command, body []byte) {
	s.t.Helper()
	if len(body) == 0 {
		return
	}
	seen, err := wbxWalk(body)
	for _, id := range wbxGlobalTokens {
		s.capture(id, err == nil, "the %v response cannot be read as WBXML 1.2: %v", cmd, err)
	}
	for _, id := range wbxAlgorithm {
		s.capture(id, err == nil, "the %v response cannot be read as WBXML 1.2: %v", cmd, err)
	}
	if err != nil {
		return
	}
	v := s.version.String()
	done := map[[2]byte]bool{}
	var location2, location17, globalObjID2, uid4 bool
	for _, t := range seen {
		key := [2]byte{t.page, t.token}
		// The tag the server means: easlab encodes with package wbxml's
		// code pages, so the token's entry there is the element it wrote.
		meant := wbxml.LookupToken(t.page, t.token)
		switch {
		case t.page == 0 && meant != nil && meant.Name == "Class":
			w.airSyncClass = true
		case t.page == 6 && meant != nil && meant.Name == "Class":
			w.estimateClass = true
		case t.page == 2 && meant != nil && meant.Name == "Location":
			location2 = true
		case t.page == 17 && meant != nil && meant.Name == "Location":
			location17 = true
		case t.page == 2 && meant != nil && meant.Name == "GlobalObjId":
			globalObjID2 = true
		case t.page == 4 && meant != nil && meant.Name == "UID":
			uid4 = true
		}
		if done[key] {
			continue
		}
		done[key] = true
		meantName := "no element of easlab's code pages"
		if meant != nil {
			meantName = meant.String()
		}
		if p := wbxPageOf[t.page]; p != nil {
			s.capture(p.id, strings.EqualFold(p.ns, wbxml.Namespace(t.page)),
				"the %v response's code page %d holds easlab's %q elements, the requirement names namespace %s", cmd, t.page, wbxml.Namespace(t.page), p.ns)
		}
		if r := wbxTagOf[key]; r != nil {
			ok := meant != nil && meant.Name == r.name && r.definedAt(v)
			if r.versions == "" {
				// The requirement states no versions: the tag must be
				// one of the code pages' at this one.
				ok = ok && wbxDefinedAt(meant, s.version)
			}
			s.capture(r.id, ok, "the %v response carries token 0x%02X of code page %d (at %s) for %s; the requirement defines it as %s in versions %s, this is %s",
				cmd, t.token, t.page, t.path, meantName, r.name, r.versions, v)
			continue
		}
		// A tag no requirement of the adapters names: it must still be
		// one of the code pages' tags at this version (R8).
		ok := meant != nil && !meant.Legacy && wbxDefinedAt(meant, s.version)
		s.capture(8, ok, "the %v response carries token 0x%02X of code page %d (at %s), which is %s, not a tag of the code pages at %s", cmd, t.token, t.page, t.path, meantName, v)
	}
	if s.version == eas.Version160 || s.version == eas.Version161 {
		// Notes 3 and 4 of code page 2: from 16.0 Location is
		// AirSyncBase's and the meeting's id Calendar's UID.
		if location2 || location17 {
			s.capture(821, location17 && !location2, "the %v response carries Location on code page 17: %v, on code page 2: %v", cmd, location17, location2)
		}
		if uid4 {
			s.capture(822, !globalObjID2, "the %v response carries Calendar's UID and Email's GlobalObjId", cmd)
		}
	}
}

// finish captures what the session showed across its responses: from
// 14.0 GetItemEstimate's Class is AirSync's (R825, which the adapter
// captures at 14.0, 14.1 and 16.0 once AirSync's Class was seen).
func (w *wbxSession) finish(s *site) {
	s.t.Helper()
	switch s.version {
	case eas.Version140, eas.Version141, eas.Version160:
		if w.airSyncClass {
			s.capture(825, !w.estimateClass, "a response carries GetItemEstimate's Class (code page 6) at %s", s.version)
		}
	}
}

// wbxDefinedAt reports whether package wbxml's code pages define t at v.
func wbxDefinedAt(t *wbxml.Tag, v eas.ProtocolVersion) bool {
	bits := map[string]wbxml.Version{"2.5": wbxml.V25, "12.0": wbxml.V120, "12.1": wbxml.V121, "14.0": wbxml.V140, "14.1": wbxml.V141, "16.0": wbxml.V160, "16.1": wbxml.V161}
	return t.Versions&bits[v.String()] != 0
}

// TestWBXSpecTableMatchesCodePages holds package wbxml's code pages to
// the facts of the requirements the Interop adapters capture: each
// requirement's tag is at its token on its page, in the versions the
// requirement states, and each page's namespace is the requirement's;
// and the other requirements the adapters capture are those this port
// captures.
func TestWBXSpecTableMatchesCodePages(t *testing.T) {
	for _, p := range wbxSpecPages {
		if got := wbxml.Namespace(p.page); !strings.EqualFold(got, p.ns) {
			t.Errorf("MS-ASWBXML_R%d: code page %d is %q in package wbxml, the requirement names %q", p.id, p.page, got, p.ns)
		}
	}
	// The other requirements the adapters capture are the ones check and
	// finish capture.
	captured := append(append([]int{821, 822, 825}, wbxGlobalTokens...), wbxAlgorithm...)
	for _, id := range wbxOtherReqs {
		if !slices.Contains(captured, id) {
			t.Errorf("MS-ASWBXML_R%d, which the adapters capture, is captured by no check here", id)
		}
	}
	for _, id := range captured {
		if !slices.Contains(wbxOtherReqs, id) {
			t.Errorf("MS-ASWBXML_R%d is captured here but by no adapter", id)
		}
	}
	all := []string{"2.5", "12.0", "12.1", "14.0", "14.1", "16.0", "16.1"}
	for _, r := range wbxSpecTags {
		tag := wbxml.LookupToken(r.page, r.token)
		if tag == nil || tag.Name != r.name || tag.Legacy {
			t.Errorf("MS-ASWBXML_R%d: token 0x%02X of code page %d is %v in package wbxml, the requirement names %s", r.id, r.token, r.page, tag, r.name)
			continue
		}
		var want, got []string
		for _, v := range all {
			if r.definedAt(v) {
				want = append(want, v)
			}
			if tag.Versions.String() != "none" && strings.Contains(","+tag.Versions.String()+",", ","+v+",") {
				got = append(got, v)
			}
		}
		if r.versions != "" && !slices.Equal(want, got) {
			t.Errorf("MS-ASWBXML_R%d: %s (code page %d, token 0x%02X) is defined in %v in package wbxml, the requirement states %v", r.id, r.name, r.page, r.token, got, want)
		}
	}
}
