package wbxml

import (
	"fmt"
	"strings"
)

// NumPages is the number of EAS code pages (0 AirSync .. 25 Find).
const NumPages = 26

// Version is a bit set of EAS protocol versions, used to record in which
// versions a tag is defined (MS-ASWBXML's "protocol versions" column).
type Version uint8

// The EAS protocol versions.
const (
	V25 Version = 1 << iota
	V120
	V121
	V140
	V141
	V160
	V161
)

// Version ranges used by the tag table.
const (
	vAll   = V25 | V120 | V121 | V140 | V141 | V160 | V161
	v120Up = V120 | V121 | V140 | V141 | V160 | V161
	v121Up = V121 | V140 | V141 | V160 | V161
	v140Up = V140 | V141 | V160 | V161
	v141Up = V141 | V160 | V161
	v160Up = V160 | V161
)

// String returns the versions as a comma-separated list such as "14.0,14.1".
func (v Version) String() string {
	names := [...]string{"2.5", "12.0", "12.1", "14.0", "14.1", "16.0", "16.1"}
	var parts []string
	for i, n := range names {
		if v&(1<<i) != 0 {
			parts = append(parts, n)
		}
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, ",")
}

// tagFlags qualify a table entry.
type tagFlags uint8

const (
	// fOpaque marks an element whose content is binary and is sent as
	// OPAQUE; in XML it is written as base64 text.
	fOpaque tagFlags = 1 << iota
	// fLegacy marks a token that the current MS-ASWBXML no longer defines
	// but older specs, libwbxml or Z-Push do. It is decoded only when the
	// decoder is lenient and is never emitted.
	fLegacy
)

// tagDef is one row of the code page table: the only hand-written source of
// the EAS vocabulary. Every lookup is derived from it.
type tagDef struct {
	page  byte
	token byte
	name  string
	vers  Version
	flags tagFlags
	// alias is another XML name other implementations use for the same
	// token (libwbxml's, mostly). FromXML accepts it; nothing emits it.
	alias string
}

// Tag describes one element of the EAS vocabulary.
type Tag struct {
	Page      byte    // code page number, 0..25
	Token     byte    // token within the page, 0x05..0x3F
	Namespace string  // the page's namespace, e.g. "Email"
	Name      string  // the element name, e.g. "Subject"
	Versions  Version // protocol versions that define the tag
	Opaque    bool    // binary content, sent as OPAQUE
	Legacy    bool    // dropped from the current spec; never emitted
	Alias     string  // another implementation's name for it, if any
}

// String returns the tag as "Namespace:Name".
func (t *Tag) String() string { return t.Namespace + ":" + t.Name }

// tables holds the lookups derived from tagDefs.
type tables struct {
	byToken [NumPages][64]*Tag
	byName  map[nsName]*Tag
	pageOf  map[string]byte
	all     []*Tag
}

type nsName struct{ ns, name string }

var tab = buildTables(pageNamespaces[:], tagDefs)

func buildTables(namespaces []string, defs []tagDef) *tables {
	t := &tables{byName: make(map[nsName]*Tag, 2*len(defs)), pageOf: make(map[string]byte, len(namespaces))}
	for i, ns := range namespaces {
		t.pageOf[ns] = byte(i)
	}
	t.all = make([]*Tag, 0, len(defs))
	for _, d := range defs {
		if int(d.page) >= len(namespaces) || d.token < 0x05 || d.token > 0x3F {
			panic(fmt.Sprintf("wbxml: bad table row %d/0x%02X %s", d.page, d.token, d.name))
		}
		tag := &Tag{
			Page: d.page, Token: d.token, Namespace: namespaces[d.page], Name: d.name,
			Versions: d.vers, Opaque: d.flags&fOpaque != 0, Legacy: d.flags&fLegacy != 0, Alias: d.alias,
		}
		if t.byToken[d.page][d.token] != nil {
			panic(fmt.Sprintf("wbxml: duplicate token %d/0x%02X", d.page, d.token))
		}
		t.byToken[d.page][d.token] = tag
		key := nsName{tag.Namespace, d.name}
		if _, dup := t.byName[key]; dup {
			panic("wbxml: duplicate tag name " + tag.String())
		}
		t.byName[key] = tag
		t.all = append(t.all, tag)
	}
	// Aliases only where they do not shadow a real name on the same page.
	for _, tag := range t.all {
		if tag.Alias == "" {
			continue
		}
		key := nsName{tag.Namespace, tag.Alias}
		if _, taken := t.byName[key]; !taken {
			t.byName[key] = tag
		}
	}
	return t
}

// Namespace returns the namespace of code page p ("" if p is not a page).
func Namespace(p byte) string {
	if int(p) >= NumPages {
		return ""
	}
	return pageNamespaces[p]
}

// PageOf returns the code page of namespace ns ("Email", not "Email:").
func PageOf(ns string) (byte, bool) {
	p, ok := tab.pageOf[ns]
	return p, ok
}

// LookupToken returns the tag for token tok on page p, or nil. Legacy tags are
// returned too; callers that must not accept them check Tag.Legacy.
func LookupToken(p, tok byte) *Tag {
	if int(p) >= NumPages || tok >= 64 {
		return nil
	}
	return tab.byToken[p][tok]
}

// Lookup returns the tag named name in namespace ns, accepting the spec's
// name and other implementations' aliases, or nil.
func Lookup(ns, name string) *Tag {
	return tab.byName[nsName{ns, name}]
}

// LookupQualified returns the tag for "Namespace:Name", or nil.
func LookupQualified(qname string) *Tag {
	ns, name, ok := strings.Cut(qname, ":")
	if !ok {
		return nil
	}
	return Lookup(ns, name)
}

// Tags returns every tag of the table in table order (page, then token).
// The slice is shared: do not modify it.
func Tags() []*Tag { return tab.all }
