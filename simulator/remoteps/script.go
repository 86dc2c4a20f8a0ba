package remoteps

import (
	"strconv"
	"strings"
	"unicode"

	"github.com/easlab/easlab/powershell/clixml"
	"github.com/easlab/easlab/powershell/psrp"
)

// errNoLanguage is PowerShell's refusal of a script in a no-language
// runspace, as a Windows server sends it (recorded:
// test_psrp_with_jea_configuration.yml).
func errNoLanguage(script string) *psrp.ErrorRecord {
	return &psrp.ErrorRecord{
		Message:               "The syntax is not supported by this runspace. This can occur if the runspace is in no-language mode.",
		ExceptionTypes:        []string{"System.Management.Automation.ParseException", "System.Management.Automation.RuntimeException", "System.SystemException"},
		FullyQualifiedErrorID: "ScriptsNotAllowed",
		Category:              psrp.ParserError,
		TargetName:            script,
		TargetType:            "String",
		TargetObject:          script,
	}
}

// parseSimpleScript turns a script into the pipeline of commands it
// names, when it is one: commands separated by |, each with parameters
// and constant arguments (strings without expansion, numbers, $true,
// $false, $null, comma lists and @{...} of constants). That is what a
// no-language runspace still runs, as when Invoke-Command sends
// { Get-MobileDevice -Mailbox alice }; anything else is refused.
func parseSimpleScript(src string) ([]psrp.Command, bool) {
	p := &scriptParser{s: []rune(strings.TrimSpace(src))}
	var cmds []psrp.Command
	for {
		p.space()
		c, ok := p.command()
		if !ok {
			return nil, false
		}
		cmds = append(cmds, c)
		p.space()
		if p.eof() {
			return cmds, len(cmds) > 0
		}
		if p.peek() != '|' {
			return nil, false
		}
		p.i++
	}
}

type scriptParser struct {
	s []rune
	i int
}

func (p *scriptParser) eof() bool  { return p.i >= len(p.s) }
func (p *scriptParser) peek() rune { return p.s[p.i] }
func (p *scriptParser) space() {
	for !p.eof() && (p.peek() == ' ' || p.peek() == '\t' || p.peek() == '\r' || p.peek() == '\n') {
		p.i++
	}
}

func isBare(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsDigit(r) || strings.ContainsRune("-_.\\/:§@*?", r)
}

func (p *scriptParser) bare() string {
	start := p.i
	for !p.eof() && isBare(p.peek()) {
		if p.peek() == '@' && p.i == start {
			return ""
		}
		p.i++
	}
	return string(p.s[start:p.i])
}

func (p *scriptParser) command() (psrp.Command, bool) {
	name := p.bare()
	if name == "" || strings.HasPrefix(name, "-") {
		return psrp.Command{}, false
	}
	c := psrp.Command{Name: name}
	for {
		p.space()
		if p.eof() || p.peek() == '|' {
			return c, true
		}
		if p.peek() == '-' && p.i+1 < len(p.s) && unicode.IsLetter(p.s[p.i+1]) {
			p.i++
			start := p.i
			for !p.eof() && (unicode.IsLetter(p.peek()) || unicode.IsDigit(p.peek()) || p.peek() == '_') {
				p.i++
			}
			arg := psrp.Argument{Name: string(p.s[start:p.i])}
			if !p.eof() && p.peek() == ':' {
				p.i++
				v, ok := p.list()
				if !ok {
					return c, false
				}
				arg.Value = v
				c.Args = append(c.Args, arg)
				continue
			}
			p.space()
			// A value follows unless the next token is a parameter, a
			// pipe or the end: then the parameter is a switch.
			if p.eof() || p.peek() == '|' || (p.peek() == '-' && p.i+1 < len(p.s) && unicode.IsLetter(p.s[p.i+1])) {
				c.Args = append(c.Args, arg)
				continue
			}
			v, ok := p.list()
			if !ok {
				return c, false
			}
			arg.Value = v
			c.Args = append(c.Args, arg)
			continue
		}
		v, ok := p.list()
		if !ok {
			return c, false
		}
		c.Args = append(c.Args, psrp.Argument{Value: v})
	}
}

// list reads a value or a comma list of values.
func (p *scriptParser) list() (any, bool) {
	v, ok := p.value()
	if !ok {
		return nil, false
	}
	p.space()
	if p.eof() || p.peek() != ',' {
		return v, true
	}
	items := []any{v}
	for !p.eof() && p.peek() == ',' {
		p.i++
		p.space()
		v, ok := p.value()
		if !ok {
			return nil, false
		}
		items = append(items, v)
		p.space()
	}
	return &clixml.Object{TypeNames: []string{"System.Object[]", "System.Array", "System.Object"}, ListKind: "LST", List: items}, true
}

func (p *scriptParser) value() (any, bool) {
	if p.eof() {
		return nil, false
	}
	switch r := p.peek(); {
	case r == '\'':
		p.i++
		var b strings.Builder
		for !p.eof() {
			if p.peek() == '\'' {
				if p.i+1 < len(p.s) && p.s[p.i+1] == '\'' {
					b.WriteRune('\'')
					p.i += 2
					continue
				}
				p.i++
				return b.String(), true
			}
			b.WriteRune(p.peek())
			p.i++
		}
		return nil, false
	case r == '"':
		p.i++
		var b strings.Builder
		for !p.eof() {
			switch p.peek() {
			case '"':
				p.i++
				return b.String(), true
			case '$', '`':
				return nil, false // expansion and escapes are language
			}
			b.WriteRune(p.peek())
			p.i++
		}
		return nil, false
	case r == '$':
		p.i++
		name := strings.ToLower(p.bare())
		switch name {
		case "true":
			return true, true
		case "false":
			return false, true
		case "null":
			return nil, true
		}
		return nil, false // variables are language
	case r == '@' && p.i+1 < len(p.s) && p.s[p.i+1] == '{':
		p.i += 2
		h := &clixml.Object{TypeNames: []string{"System.Collections.Hashtable", "System.Object"}, Dict: []clixml.Entry{}}
		for {
			p.space()
			if p.eof() {
				return nil, false
			}
			if p.peek() == '}' {
				p.i++
				return h, true
			}
			if p.peek() == ';' {
				p.i++
				continue
			}
			key := p.bare()
			if key == "" {
				k, ok := p.value()
				s, isStr := k.(string)
				if !ok || !isStr {
					return nil, false
				}
				key = s
			}
			p.space()
			if p.eof() || p.peek() != '=' {
				return nil, false
			}
			p.i++
			p.space()
			v, ok := p.list()
			if !ok {
				return nil, false
			}
			h.Dict = append(h.Dict, clixml.Entry{Key: key, Value: v})
		}
	default:
		word := p.bare()
		if word == "" {
			return nil, false
		}
		if n, err := strconv.ParseInt(word, 10, 32); err == nil {
			return int32(n), true
		}
		return word, true
	}
}
