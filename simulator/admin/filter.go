package admin

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// The -Filter parameter of the Get-* cmdlets: the subset of OPATH that
// admins and MFA agents write (exchange-admin.md 4.1, 4.10), parsed once
// by a small recursive-descent parser into a predicate over the cmdlet's
// row type.
//
//	filter     = or
//	or         = and { "-or" and }
//	and        = not { "-and" not }
//	not        = "-not" not | "(" or ")" | comparison
//	comparison = property operator value
//	operator   = -eq | -ne | -like | -notlike | -lt | -le | -gt | -ge
//	value      = 'single' | "double" | $true | $false | $null | bareword
//
// Operators and property names ignore case. A quote inside a string is
// doubled ('it''s'); a double-quoted string also takes `". Comparisons
// ignore case as Exchange's do; -like takes * wildcards, matches nothing
// on an empty value (an absent attribute) and is allowed on string and
// enumeration properties; -eq $null matches an empty value. A
// multi-valued property matches when any of its values does. -lt, -le,
// -gt and -ge are beyond the subset agents use, and order times, numbers,
// enumeration values and strings.
//
// Errors carry the 1-based character position of the offending token and
// are worded as Exchange words them.

// filterKind is the type of a filterable property.
type filterKind uint8

const (
	filterString  filterKind = iota // a single string
	filterStrings                   // a multi-valued string
	filterEnum                      // an enumeration: by name or number
	filterBool
	filterInt
	filterTime
)

// Prop is one filterable property of rows of type T. Make one with
// StringProp, StringsProp, EnumProp, BoolProp, IntProp or TimeProp.
type Prop[T any] struct {
	name string
	kind filterKind
	// typeName is the .NET type named in conversion errors; empty means
	// the kind's default.
	typeName string

	// Exactly the accessor that fits kind is set.
	str     func(*T) string
	strs    func(*T) []string
	num     func(*T) int64 // filterEnum and filterInt
	boolean func(*T) bool
	time    func(*T) time.Time

	// enumName and enumParse convert an enumeration value to and from
	// its name.
	enumName  func(int64) string
	enumParse func(string) (int64, bool)
}

// StringProp is a string property: -eq, -like and the ordering operators
// compare it ignoring case, and -eq $null matches the empty string.
func StringProp[T any](name string, get func(*T) string) Prop[T] {
	return Prop[T]{name: name, kind: filterString, str: get}
}

// StringsProp is a multi-valued string property: a comparison matches
// when any value does, and -eq $null matches no values.
func StringsProp[T any](name string, get func(*T) []string) Prop[T] {
	return Prop[T]{name: name, kind: filterStrings, strs: get}
}

// EnumProp is an enumeration property of the .NET type typeName. A value
// is given by name (as nameOf spells it and parse reads it, ignoring
// case) or by number; -like matches the name.
func EnumProp[T any](name, typeName string, get func(*T) int64, nameOf func(int64) string, parse func(string) (int64, bool)) Prop[T] {
	return Prop[T]{name: name, kind: filterEnum, typeName: typeName, num: get, enumName: nameOf, enumParse: parse}
}

// BoolProp is a Boolean property: $true, $false, 'True' or 'False'.
func BoolProp[T any](name string, get func(*T) bool) Prop[T] {
	return Prop[T]{name: name, kind: filterBool, boolean: get}
}

// IntProp is an integer property (System.Int32 in errors).
func IntProp[T any](name string, get func(*T) int64) Prop[T] {
	return Prop[T]{name: name, kind: filterInt, num: get}
}

// TimeProp is a time property, compared at second precision; values are
// read as UTC, and -eq $null matches the zero time.
func TimeProp[T any](name string, get func(*T) time.Time) Prop[T] {
	return Prop[T]{name: name, kind: filterTime, time: get}
}

// EnumParser returns a parse function for EnumProp that reads the names
// (as name spells them, ignoring case) of the values given.
func EnumParser(values []int64, name func(int64) string) func(string) (int64, bool) {
	return func(s string) (int64, bool) {
		for _, v := range values {
			if strings.EqualFold(name(v), s) {
				return v, true
			}
		}
		return 0, false
	}
}

// FilterSchema is the set of filterable properties of a cmdlet's rows,
// of type T.
type FilterSchema[T any] struct {
	props map[string]*Prop[T] // by lower-case name
	names []string            // sorted, as spelt
}

// NewFilterSchema returns the schema of props.
func NewFilterSchema[T any](props ...Prop[T]) *FilterSchema[T] {
	s := &FilterSchema[T]{props: make(map[string]*Prop[T], len(props))}
	for i := range props {
		p := &props[i]
		s.props[strings.ToLower(p.name)] = p
		s.names = append(s.names, p.name)
	}
	sort.Strings(s.names)
	return s
}

// Names returns the names of the schema's properties, sorted, as the
// error for an unknown property lists them.
func (s *FilterSchema[T]) Names() []string { return append([]string(nil), s.names...) }

// Parse compiles an OPATH filter into a predicate over rows. Its error is
// a *FilterError.
func (s *FilterSchema[T]) Parse(filter string) (func(*T) bool, error) {
	f, err := parseFilter(s, filter)
	if err != nil {
		return nil, err
	}
	return f, nil
}

// filterFunc is a compiled filter.
type filterFunc[T any] func(*T) bool

// FilterError is an invalid filter. Pos is the 1-based character
// position of the offending token; Msg is Exchange's wording of the
// problem, which Error wraps as the parameter binder does.
type FilterError struct {
	Filter string
	Pos    int
	Msg    string
}

// Error is the message of Exchange's binding error for -Filter.
func (e *FilterError) Error() string {
	return `Cannot bind parameter 'Filter' to the target. Exception setting "Filter": "` + e.Msg + `"`
}

// filterTokenKind is a lexical token's kind.
type filterTokenKind uint8

const (
	tokEOF filterTokenKind = iota
	tokLParen
	tokRParen
	tokOperator // -eq, -and, ...: text is lower case without the dash
	tokString   // a quoted string: text is unquoted
	tokVariable // $true, $false, $null: text is lower case without the dollar
	tokWord     // a bare word: a property name or an unquoted value
)

type filterToken struct {
	kind filterTokenKind
	text string
	off  int // byte offset in the source
}

// filterParser is the state of one parse.
type filterParser[T any] struct {
	schema *FilterSchema[T]
	src    string
	toks   []filterToken
	i      int
}

// parseFilter compiles an OPATH filter over schema.
func parseFilter[T any](schema *FilterSchema[T], src string) (filterFunc[T], error) {
	p := &filterParser[T]{schema: schema, src: src}
	if err := p.lex(); err != nil {
		return nil, err
	}
	if p.peek().kind == tokEOF {
		return nil, p.syntaxError(p.peek())
	}
	f, err := p.parseOr()
	if err != nil {
		return nil, err
	}
	if t := p.peek(); t.kind != tokEOF {
		return nil, p.syntaxError(t)
	}
	return f, nil
}

// pos converts a byte offset to a 1-based character position.
func (p *filterParser[T]) pos(off int) int {
	return utf8.RuneCountInString(p.src[:off]) + 1
}

// syntaxError is Exchange's "Invalid filter syntax" at the token.
func (p *filterParser[T]) syntaxError(t filterToken) *FilterError {
	pos := p.pos(t.off)
	return &FilterError{Filter: p.src, Pos: pos, Msg: fmt.Sprintf("Invalid filter syntax. For a description of the filter parameter syntax see the command help.\n\"%s\" at position %d.", p.src, pos)}
}

func (p *filterParser[T]) errorAt(off int, format string, args ...any) *FilterError {
	pos := p.pos(off)
	return &FilterError{Filter: p.src, Pos: pos, Msg: fmt.Sprintf(format, args...) + fmt.Sprintf(" \"%s\" at position %d.", p.src, pos)}
}

func (p *filterParser[T]) peek() filterToken { return p.toks[p.i] }

func (p *filterParser[T]) next() filterToken {
	t := p.toks[p.i]
	if t.kind != tokEOF {
		p.i++
	}
	return t
}

// isWordByte reports whether c may continue a bare word.
func isWordByte(c byte) bool {
	return c != ' ' && c != '\t' && c != '\r' && c != '\n' && c != '(' && c != ')' && c != '\'' && c != '"'
}

// lex splits the source into tokens.
func (p *filterParser[T]) lex() error {
	src := p.src
	i := 0
	for {
		for i < len(src) && (src[i] == ' ' || src[i] == '\t' || src[i] == '\r' || src[i] == '\n') {
			i++
		}
		if i == len(src) {
			p.toks = append(p.toks, filterToken{kind: tokEOF, off: i})
			return nil
		}
		start := i
		switch c := src[i]; {
		case c == '(':
			p.toks = append(p.toks, filterToken{kind: tokLParen, off: i})
			i++
		case c == ')':
			p.toks = append(p.toks, filterToken{kind: tokRParen, off: i})
			i++
		case c == '\'' || c == '"':
			var b strings.Builder
			i++
			closed := false
			for i < len(src) {
				d := src[i]
				if c == '"' && d == '`' && i+1 < len(src) {
					b.WriteByte(src[i+1])
					i += 2
					continue
				}
				if d == c {
					if i+1 < len(src) && src[i+1] == c {
						b.WriteByte(c)
						i += 2
						continue
					}
					i++
					closed = true
					break
				}
				b.WriteByte(d)
				i++
			}
			if !closed {
				return p.syntaxError(filterToken{off: start})
			}
			p.toks = append(p.toks, filterToken{kind: tokString, text: b.String(), off: start})
		case c == '-' && i+1 < len(src) && isASCIILetter(src[i+1]):
			i++
			for i < len(src) && isASCIILetter(src[i]) {
				i++
			}
			p.toks = append(p.toks, filterToken{kind: tokOperator, text: strings.ToLower(src[start+1 : i]), off: start})
		case c == '$':
			i++
			for i < len(src) && (isASCIILetter(src[i]) || src[i] >= '0' && src[i] <= '9' || src[i] == '_') {
				i++
			}
			name := strings.ToLower(src[start+1 : i])
			if name != "true" && name != "false" && name != "null" {
				return p.errorAt(start, "Variables other than $true, $false and $null aren't supported in a filter.")
			}
			p.toks = append(p.toks, filterToken{kind: tokVariable, text: name, off: start})
		default:
			for i < len(src) && isWordByte(src[i]) {
				i++
			}
			p.toks = append(p.toks, filterToken{kind: tokWord, text: src[start:i], off: start})
		}
	}
}

func isASCIILetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

func (p *filterParser[T]) isOperator(text string) bool {
	t := p.peek()
	return t.kind == tokOperator && t.text == text
}

func (p *filterParser[T]) parseOr() (filterFunc[T], error) {
	left, err := p.parseAnd()
	if err != nil {
		return nil, err
	}
	for p.isOperator("or") {
		p.next()
		right, err := p.parseAnd()
		if err != nil {
			return nil, err
		}
		l := left
		left = func(x *T) bool { return l(x) || right(x) }
	}
	return left, nil
}

func (p *filterParser[T]) parseAnd() (filterFunc[T], error) {
	left, err := p.parseNot()
	if err != nil {
		return nil, err
	}
	for p.isOperator("and") {
		p.next()
		right, err := p.parseNot()
		if err != nil {
			return nil, err
		}
		l := left
		left = func(x *T) bool { return l(x) && right(x) }
	}
	return left, nil
}

func (p *filterParser[T]) parseNot() (filterFunc[T], error) {
	switch t := p.peek(); {
	case t.kind == tokOperator && t.text == "not":
		p.next()
		inner, err := p.parseNot()
		if err != nil {
			return nil, err
		}
		return func(x *T) bool { return !inner(x) }, nil
	case t.kind == tokLParen:
		p.next()
		inner, err := p.parseOr()
		if err != nil {
			return nil, err
		}
		if p.peek().kind != tokRParen {
			return nil, p.syntaxError(p.peek())
		}
		p.next()
		return inner, nil
	}
	return p.parseComparison()
}

// filterOps are the comparison operators.
var filterOps = map[string]bool{"eq": true, "ne": true, "like": true, "notlike": true, "lt": true, "le": true, "gt": true, "ge": true}

func (p *filterParser[T]) parseComparison() (filterFunc[T], error) {
	name := p.next()
	if name.kind != tokWord {
		return nil, p.syntaxError(name)
	}
	prop := p.schema.props[strings.ToLower(name.text)]
	if prop == nil {
		return nil, p.errorAt(name.off, "\"%s\" is not a recognized filterable property. Valid property names are: %s.", name.text, strings.Join(p.schema.names, ", "))
	}
	op := p.next()
	if op.kind != tokOperator || !filterOps[op.text] {
		return nil, p.syntaxError(op)
	}
	val := p.next()
	if val.kind != tokString && val.kind != tokVariable && val.kind != tokWord {
		return nil, p.syntaxError(val)
	}
	return p.compile(prop, op, val)
}

// compile builds the predicate of one comparison, converting the value to
// the property's type once.
func (p *filterParser[T]) compile(prop *Prop[T], op, val filterToken) (filterFunc[T], error) {
	isNull := val.kind == tokVariable && val.text == "null"
	text := val.text
	if val.kind == tokVariable && !isNull {
		text = strings.ToUpper(text[:1]) + text[1:] // "True", "False"
	}
	negate := op.text == "ne" || op.text == "notlike"
	var f filterFunc[T]
	switch op.text {
	case "like", "notlike":
		if isNull {
			return nil, p.errorAt(val.off, "The value $null can't be used with the -%s operator.", op.text)
		}
		m := newLikeMatcher(text)
		switch prop.kind {
		case filterString:
			get := prop.str
			f = func(x *T) bool { return m.match(get(x)) }
		case filterStrings:
			get := prop.strs
			f = func(x *T) bool {
				for _, s := range get(x) {
					if m.match(s) {
						return true
					}
				}
				return false
			}
		case filterEnum:
			get, name := prop.num, prop.enumName
			f = func(x *T) bool { return m.match(name(get(x))) }
		default:
			return nil, p.errorAt(op.off, "The -%s operator can only be used with string properties; %s is not one.", op.text, prop.name)
		}
	case "eq", "ne":
		var err error
		if f, err = p.compileEqual(prop, val, text, isNull); err != nil {
			return nil, err
		}
	default: // lt, le, gt, ge
		if isNull {
			return nil, p.errorAt(val.off, "The value $null can't be used with the -%s operator.", op.text)
		}
		cmp, err := p.compileCompare(prop, val, text)
		if err != nil {
			return nil, err
		}
		switch op.text {
		case "lt":
			f = func(x *T) bool { return cmp(x) < 0 }
		case "le":
			f = func(x *T) bool { return cmp(x) <= 0 }
		case "gt":
			f = func(x *T) bool { return cmp(x) > 0 }
		case "ge":
			f = func(x *T) bool { return cmp(x) >= 0 }
		}
	}
	if negate {
		inner := f
		f = func(x *T) bool { return !inner(x) }
	}
	return f, nil
}

// compileEqual builds -eq.
func (p *filterParser[T]) compileEqual(prop *Prop[T], val filterToken, text string, isNull bool) (filterFunc[T], error) {
	switch prop.kind {
	case filterString:
		get := prop.str
		if isNull {
			return func(x *T) bool { return get(x) == "" }, nil
		}
		return func(x *T) bool { return strings.EqualFold(get(x), text) }, nil
	case filterStrings:
		get := prop.strs
		if isNull {
			return func(x *T) bool { return len(get(x)) == 0 }, nil
		}
		return func(x *T) bool {
			for _, s := range get(x) {
				if strings.EqualFold(s, text) {
					return true
				}
			}
			return false
		}, nil
	case filterEnum, filterInt:
		want := int64(0)
		if !isNull {
			n, err := p.convertNumber(prop, val, text)
			if err != nil {
				return nil, err
			}
			want = n
		}
		get := prop.num
		return func(x *T) bool { return get(x) == want }, nil
	case filterBool:
		want := false
		if !isNull {
			b, ok := parseFilterBool(text)
			if !ok {
				return nil, p.conversionError(prop, val, text)
			}
			want = b
		}
		get := prop.boolean
		return func(x *T) bool { return get(x) == want }, nil
	case filterTime:
		get := prop.time
		if isNull {
			return func(x *T) bool { return get(x).IsZero() }, nil
		}
		want, ok := parseFilterTime(text)
		if !ok {
			return nil, p.conversionError(prop, val, text)
		}
		return func(x *T) bool {
			t := get(x)
			return !t.IsZero() && t.Truncate(time.Second).Equal(want.Truncate(time.Second))
		}, nil
	}
	return nil, p.syntaxError(val)
}

// compileCompare builds a three-way comparison of the property with the
// value, for -lt, -le, -gt and -ge.
func (p *filterParser[T]) compileCompare(prop *Prop[T], val filterToken, text string) (func(*T) int, error) {
	switch prop.kind {
	case filterString:
		get := prop.str
		want := strings.ToLower(text)
		return func(x *T) int { return strings.Compare(strings.ToLower(get(x)), want) }, nil
	case filterEnum, filterInt:
		want, err := p.convertNumber(prop, val, text)
		if err != nil {
			return nil, err
		}
		get := prop.num
		return func(x *T) int {
			switch n := get(x); {
			case n < want:
				return -1
			case n > want:
				return 1
			}
			return 0
		}, nil
	case filterTime:
		want, ok := parseFilterTime(text)
		if !ok {
			return nil, p.conversionError(prop, val, text)
		}
		get := prop.time
		return func(x *T) int { return get(x).Compare(want) }, nil
	}
	return nil, p.errorAt(val.off, "The property %s can't be compared with an ordering operator.", prop.name)
}

// convertNumber converts a value for an enumeration or integer property.
func (p *filterParser[T]) convertNumber(prop *Prop[T], val filterToken, text string) (int64, error) {
	if n, err := strconv.ParseInt(strings.TrimSpace(text), 10, 64); err == nil {
		return n, nil
	}
	if prop.kind == filterEnum {
		if n, ok := prop.enumParse(strings.TrimSpace(text)); ok {
			return n, nil
		}
	}
	return 0, p.conversionError(prop, val, text)
}

func (p *filterParser[T]) conversionError(prop *Prop[T], val filterToken, text string) *FilterError {
	typ := prop.typeName
	if typ == "" {
		typ = map[filterKind]string{filterBool: "System.Boolean", filterInt: "System.Int32", filterTime: "System.DateTime", filterEnum: prop.name}[prop.kind]
	}
	return p.errorAt(val.off, "The value \"%s\" could not be converted to type %s.", text, typ)
}

// parseFilterBool reads True or False, ignoring case.
func parseFilterBool(s string) (bool, bool) {
	switch {
	case strings.EqualFold(s, "true"):
		return true, true
	case strings.EqualFold(s, "false"):
		return false, true
	}
	return false, false
}

// filterTimeLayouts are the date forms a filter value may take; they are
// read as UTC.
var filterTimeLayouts = []string{
	time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02 15:04:05", "2006-01-02",
	"1/2/2006 3:04:05 PM", "1/2/2006 15:04:05", "1/2/2006",
}

func parseFilterTime(s string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	for _, l := range filterTimeLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}

// likeMatcher matches a -like pattern: literal parts separated by *,
// compared ignoring case.
type likeMatcher struct {
	parts         []string
	anchorStart   bool // the pattern does not start with *
	anchorEnd     bool // the pattern does not end with *
	hasWildcard   bool
	literalLength int
}

func newLikeMatcher(pattern string) likeMatcher {
	m := likeMatcher{
		parts:       strings.Split(pattern, "*"),
		anchorStart: !strings.HasPrefix(pattern, "*"),
		anchorEnd:   !strings.HasSuffix(pattern, "*"),
		hasWildcard: strings.Contains(pattern, "*"),
	}
	for _, s := range m.parts {
		m.literalLength += len(s)
	}
	return m
}

// match reports whether s matches. An empty value matches nothing: in the
// directory it is an absent attribute, which no substring filter matches.
func (m likeMatcher) match(s string) bool {
	if s == "" {
		return false
	}
	if !m.hasWildcard {
		return strings.EqualFold(s, m.parts[0])
	}
	if len(s) < m.literalLength {
		return false
	}
	parts := m.parts
	if m.anchorStart {
		if !hasPrefixFold(s, parts[0]) {
			return false
		}
		s = s[len(parts[0]):]
	}
	parts = parts[1:]
	last := len(parts) - 1
	for i, part := range parts {
		if part == "" {
			continue
		}
		if i == last && m.anchorEnd {
			return len(s) >= len(part) && strings.EqualFold(s[len(s)-len(part):], part)
		}
		j := indexFold(s, part)
		if j < 0 {
			return false
		}
		s = s[j+len(part):]
	}
	return true
}

func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}

// indexFold is strings.Index ignoring case.
func indexFold(s, sub string) int {
	for i := 0; i+len(sub) <= len(s); i++ {
		if strings.EqualFold(s[i:i+len(sub)], sub) {
			return i
		}
	}
	return -1
}
