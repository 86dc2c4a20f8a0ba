package psrp_test

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/easlab/easlab/powershell/clixml"
	"github.com/easlab/easlab/powershell/psrp"
	"github.com/easlab/easlab/powershell/wsman"
)

// varied are pipelines easlab's client may send: arguments of every
// primitive type, switches, positional arguments, piped commands, several
// statements, merged errors; and values the fast path leaves to the
// generic one (arrays, hashtables, objects).
func varied() []*psrp.PipelineRequest {
	cmd := func(name string, args ...psrp.Argument) psrp.Command { return psrp.Command{Name: name, Args: args} }
	arg := func(n string, v any) psrp.Argument { return psrp.Argument{Name: n, Value: v} }
	when := time.Date(2026, 12, 5, 10, 0, 0, 0, time.UTC)
	return []*psrp.PipelineRequest{
		{Statements: [][]psrp.Command{{cmd("Get-CASMailbox", arg("Identity", "alice"))}}},
		{Statements: [][]psrp.Command{{cmd("Get-MobileDevice")}}, NoInput: true},
		{Statements: [][]psrp.Command{{cmd("Get-MobileDevice", arg("Mailbox", "bob@contoso.com"), arg("ResultSize", 10))}}, IsNested: true},
		{Statements: [][]psrp.Command{{cmd("Set-CASMailbox", arg("Identity", "alice"), arg("ActiveSyncEnabled", false), arg("Confirm", nil), arg("WhatIf", true))}}},
		{Statements: [][]psrp.Command{{cmd("Write-Output", arg("", "positional"), arg("", int32(-7)), arg("", int64(1)<<40))}}},
		{Statements: [][]psrp.Command{{cmd("Get-MobileDevice"), cmd("Where-Object", arg("Property", "DeviceAccessState"), arg("EQ", nil), arg("Value", "Quarantined")), cmd("Select-Object", arg("First", 1))}}},
		{Statements: [][]psrp.Command{{cmd("Get-Date")}, {cmd("Get-Mailbox", arg("Identity", "alice"))}, {cmd("Write-Output", arg("", "three"))}}},
		{Statements: [][]psrp.Command{{{Name: "Get-Item x; Write-Error e 2>&1", IsScript: true, MergeErrorToOutput: true}}}},
		{Statements: [][]psrp.Command{{cmd("New-Thing", arg("Password", clixml.SecureString{1, 2, 3, 250}), arg("Data", []byte("bytes")),
			arg("Id", clixml.GUID{1, 2, 3}), arg("When", when), arg("Span", clixml.Duration(90*time.Second)), arg("Ratio", 0.25),
			arg("Single", float32(1.5)), arg("Char", clixml.Char('x')), arg("Big", uint64(1)<<63), arg("Small", int8(-3)), arg("Byte", uint8(200)),
			arg("I16", int16(-300)), arg("U16", uint16(60000)), arg("U32", uint32(4e9)), arg("Dec", clixml.Decimal("-12.50")),
			arg("Uri", clixml.URI("https://contoso.com/")), arg("Ver", clixml.Version("15.2.1118.7")), arg("Xml", clixml.XMLDocument("<a/>")),
			arg("Script", clixml.ScriptBlock("{ $_ }")))}}},
		{Statements: [][]psrp.Command{{cmd("Set-Odd_xName", arg("Na&me <_x0041_>", "tab\there \"quoted\" 'single' \u00e9 \U0001F600 _x0041_ \x01"))}}},
		// The generic path's: an array, a hashtable, an object.
		{Statements: [][]psrp.Command{{cmd("Set-CASMailbox", arg("Identity", "alice"), arg("ActiveSyncAllowedDeviceIDs", []any{"a", "b"}))}}},
		{Statements: [][]psrp.Command{{cmd("Set-CASMailbox", arg("ActiveSyncAllowedDeviceIDs", map[string]any{"Add": "dev1", "Remove": []any{"dev2"}}))}}},
		{Statements: [][]psrp.Command{{cmd("Set-Thing", arg("Obj", &clixml.Object{TypeNames: []string{"Some.Type", "System.Object"}, ToString: "x", HasToString: true, Value: int32(3)}))}}},
	}
}

// vectorPipelines are the CREATE_PIPELINE messages the recorded sessions
// hold: from the fragment streams of FuzzAssembler's corpus (in this
// repository), and from the recordings themselves when present.
func vectorPipelines(t testing.TB) map[string][]byte {
	out := map[string][]byte{}
	feed := func(name string, data []byte, asm *psrp.Assembler) {
		msgs, err := asm.Feed(data)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		for i, m := range msgs {
			if m.Type == psrp.CreatePipeline {
				out[fmt.Sprintf("%s#%d", name, i)] = m.Data
			}
		}
	}
	seeds, err := filepath.Glob(filepath.Join("testdata", "fuzz", "FuzzAssembler", "*_req_*"))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range seeds {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(string(raw), "\n")
		if len(lines) < 2 || !strings.HasPrefix(lines[1], "[]byte(") {
			t.Fatalf("%s: not a fuzz corpus file", f)
		}
		stream, err := strconv.Unquote(strings.TrimSuffix(strings.TrimPrefix(lines[1], "[]byte("), ")"))
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		feed(filepath.Base(f), []byte(stream), &psrp.Assembler{Limits: psrp.Limits{MaxMessageBytes: 64 << 20, MaxPending: 64}})
	}
	files, _ := filepath.Glob(filepath.Join(vectorDir, "*.yml"))
	for _, f := range files {
		msgs := readSession(t, f)
		asm := &psrp.Assembler{Limits: psrp.Limits{MaxMessageBytes: 64 << 20, MaxPending: 64}}
		for i, ex := range msgs {
			req, err := wsman.ParseRequest([]byte(ex.Request))
			if err != nil {
				t.Fatalf("%s #%d: %v", f, i, err)
			}
			name := fmt.Sprintf("%s/%d", filepath.Base(f), i)
			switch {
			case req.Command != nil:
				for _, a := range req.Command.Arguments {
					feed(name, unbase64(t, a), asm)
				}
			case req.Send != nil:
				for _, s := range req.Send.Streams {
					feed(name, unbase64(t, s.Data), asm)
				}
			}
		}
	}
	return out
}

func unbase64(t testing.TB, s string) []byte {
	b, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(s), ""))
	if err != nil {
		t.Fatalf("base64: %v", err)
	}
	return b
}

// checkAgree parses data on both paths: the fast path, when it takes a
// document, gives what the generic path gives; ParsePipeline gives the
// generic path's result or error. It reports whether the fast path took
// the document.
func checkAgree(t *testing.T, name string, data []byte) bool {
	t.Helper()
	want, wantErr := psrp.ParsePipelineGeneric(data)
	fast, ok := psrp.ParsePipelineFast(data)
	if ok {
		if wantErr != nil {
			t.Errorf("%s: the fast path read a document the generic path refuses (%v): %+v", name, wantErr, fast)
		} else if !reflect.DeepEqual(fast, want) {
			t.Errorf("%s: the fast path read\n%+v\nthe generic path\n%+v", name, fast, want)
		}
	}
	got, err := psrp.ParsePipeline(data)
	if (err == nil) != (wantErr == nil) || err != nil && err.Error() != wantErr.Error() {
		t.Errorf("%s: ParsePipeline's error %v, the generic path's %v", name, err, wantErr)
	}
	if err == nil && !reflect.DeepEqual(got, want) {
		t.Errorf("%s: ParsePipeline read\n%+v\nthe generic path\n%+v", name, got, want)
	}
	return ok
}

// TestPipelineFastMatchesGeneric holds ParsePipeline's fast path to the
// generic decoder on every CREATE_PIPELINE of the recorded sessions and
// on easlab's client's for varied pipelines, and checks that the fast
// path takes all of those but the ones with object arguments.
func TestPipelineFastMatchesGeneric(t *testing.T) {
	vectors := vectorPipelines(t)
	if len(vectors) == 0 {
		t.Fatal("no CREATE_PIPELINE in the corpus")
	}
	for name, data := range vectors {
		if !checkAgree(t, name, data) {
			t.Errorf("%s: the fast path left a recorded CREATE_PIPELINE to the generic path", name)
		}
	}
	t.Logf("%d recorded CREATE_PIPELINE messages", len(vectors))
	for i, p := range varied() {
		data, err := clixml.Marshal(p.Object())
		if err != nil {
			t.Fatal(err)
		}
		objectArg := false
		for _, st := range p.Statements {
			for _, c := range st {
				for _, a := range c.Args {
					switch a.Value.(type) {
					case []any, map[string]any, *clixml.Object:
						objectArg = true
					}
				}
			}
		}
		if ok := checkAgree(t, fmt.Sprintf("varied #%d", i), data); ok == objectArg {
			t.Errorf("varied #%d: fast path taken %v, want %v", i, ok, !objectArg)
		}
	}
}

// mutations are edits of a CREATE_PIPELINE that the fast path must either
// read as the generic path does or leave to it: each old string is
// replaced once ("$": new is appended).
var mutations = []struct{ name, old, new string }{
	{"BOM", "<Obj RefId=\"0\">", "\xef\xbb\xbf<Obj RefId=\"0\">"},
	{"declaration and comment", "<Obj RefId=\"0\">", "<?xml version=\"1.0\"?><!-- c --> <Obj RefId=\"0\">"},
	{"whitespace between members", "<B N=\"AddToHistory\">", "\n  <B N=\"AddToHistory\">"},
	{"trailing whitespace and comment", "$", "\n<!-- c -->"},
	{"trailing text", "$", "x"},
	{"trailing element", "$", "<Nil/>"},
	{"doctype", "<Obj RefId=\"0\">", "<!DOCTYPE x><Obj RefId=\"0\">"},
	{"NoInput true", "<B N=\"NoInput\">false</B>", "<B N=\"NoInput\">true</B>"},
	{"NoInput as 1", "<B N=\"NoInput\">false</B>", "<B N=\"NoInput\"> 1 </B>"},
	{"NoInput not a boolean", "<B N=\"NoInput\">false</B>", "<S N=\"NoInput\">yes</S>"},
	{"NoInput bad boolean", "<B N=\"NoInput\">false</B>", "<B N=\"NoInput\">yes</B>"},
	{"NoInput twice", "<B N=\"NoInput\">false</B>", "<B N=\"NoInput\">true</B><B N=\"NoInput\">false</B>"},
	{"NoInput in other case", "<B N=\"NoInput\">false</B>", "<B N=\"noinput\">true</B>"},
	{"NoInput escaped name", "<B N=\"NoInput\">false</B>", "<B N=\"_x004E_oInput\">true</B>"},
	{"unknown member", "<B N=\"AddToHistory\">", "<S N=\"Extra\">x</S><B N=\"AddToHistory\">"},
	{"Props", "<B N=\"AddToHistory\">false</B>", "</MS><Props><B N=\"AddToHistory\">false</B></Props><MS>"},
	{"prefixed element", "<B N=\"AddToHistory\">false</B>", "<x:B xmlns:x=\"u\" N=\"AddToHistory\">false</x:B>"},
	{"comment in text", ">Get-CASMailbox<", ">Get-<!-- c -->CASMailbox<"},
	{"CDATA", ">Get-CASMailbox<", "><![CDATA[Get-CASMailbox]]><"},
	{"entity in name", ">Get-CASMailbox<", ">Get&#45;CASMailbox<"},
	{"escape in name", ">Get-CASMailbox<", ">Get_x002D_CASMailbox<"},
	{"Cmd not a string", "<S N=\"Cmd\">Get-CASMailbox</S>", "<I32 N=\"Cmd\">3</I32>"},
	{"Cmd Nil", "<S N=\"Cmd\">Get-CASMailbox</S>", "<Nil N=\"Cmd\" />"},
	{"Cmd missing", "<S N=\"Cmd\">Get-CASMailbox</S>", ""},
	{"merged error", "<Obj N=\"MergeMyResult\" RefId=\"7\"><TN RefId=\"3\"><T>System.Management.Automation.Runspaces.PipelineResultTypes</T><T>System.Enum</T><T>System.ValueType</T><T>System.Object</T></TN><ToString>None</ToString><I32>0</I32>",
		"<Obj N=\"MergeMyResult\" RefId=\"7\"><TN RefId=\"3\"><T>System.Management.Automation.Runspaces.PipelineResultTypes</T><T>System.Enum</T><T>System.ValueType</T><T>System.Object</T></TN><ToString>Error</ToString><I32>2</I32>"},
	{"merge as a long", "<ToString>None</ToString><I32>0</I32></Obj><Obj N=\"MergeToResult\"", "<ToString>None</ToString><I64>2</I64></Obj><Obj N=\"MergeToResult\""},
	{"merge Nil", "<Obj N=\"MergeToResult\" RefId=\"8\"><TNRef RefId=\"3\" /><ToString>None</ToString><I32>0</I32></Obj>", "<Nil N=\"MergeToResult\" />"},
	{"TNRef unknown", "<TNRef RefId=\"3\" />", "<TNRef RefId=\"9\" />"},
	{"TNRef without RefId", "<TNRef RefId=\"3\" />", "<TNRef />"},
	{"TN twice", "<TNRef RefId=\"3\" />", "<TNRef RefId=\"3\" /><TNRef RefId=\"3\" />"},
	{"ToString twice", "<ToString>UNKNOWN</ToString>", "<ToString>UNKNOWN</ToString><ToString>x</ToString>"},
	{"value twice", "<I32>2</I32>", "<I32>2</I32><I32>3</I32>"},
	{"TN RefId out of order", "<TN RefId=\"1\">", "<TN RefId=\"7\">"},
	{"TN RefId repeated", "<TN RefId=\"1\">", "<TN RefId=\"0\">"},
	{"TN without RefId", "<TN RefId=\"1\">", "<TN>"},
	{"Obj RefId repeated", "<Obj N=\"HostInfo\" RefId=\"3\">", "<Obj N=\"HostInfo\" RefId=\"2\">"},
	{"Obj RefId skipped", "<Obj N=\"HostInfo\" RefId=\"3\">", "<Obj N=\"HostInfo\" RefId=\"30\">"},
	{"Obj RefId leading zero", "<Obj N=\"HostInfo\" RefId=\"3\">", "<Obj N=\"HostInfo\" RefId=\"03\">"},
	{"Obj without RefId", "<Obj N=\"HostInfo\" RefId=\"3\">", "<Obj N=\"HostInfo\">"},
	{"Ref", "<Obj N=\"HostInfo\" RefId=\"3\"><MS><B N=\"_isHostNull\">true</B><B N=\"_isHostUINull\">true</B><B N=\"_isHostRawUINull\">true</B><B N=\"_useRunspaceHost\">true</B></MS></Obj>", "<Ref N=\"HostInfo\" RefId=\"1\" />"},
	{"host data", "<B N=\"_useRunspaceHost\">true</B>", "<B N=\"_useRunspaceHost\">true</B><Obj N=\"_hostDefaultData\"><MS /></Obj>"},
	{"T not T", "<T>System.Enum</T>", "<S>System.Enum</S>"},
	{"PowerShell missing", "<Obj N=\"PowerShell\"", "<Obj N=\"NotPowerShell\""},
	{"PowerShell Nil", "<B N=\"IsNested\">false</B></MS></Obj>", "<B N=\"IsNested\">false</B><Nil N=\"PowerShell\" /></MS></Obj>"},
	{"ExtraCmds Nil", "<B N=\"RedirectShellErrorOutputPipe\">", "<Nil N=\"ExtraCmds\" /><B N=\"RedirectShellErrorOutputPipe\">"},
	{"ExtraCmds empty", "<B N=\"RedirectShellErrorOutputPipe\">", "<Obj N=\"ExtraCmds\"><LST /></Obj><B N=\"RedirectShellErrorOutputPipe\">"},
	{"ExtraCmds no list", "<B N=\"RedirectShellErrorOutputPipe\">", "<Obj N=\"ExtraCmds\" /><B N=\"RedirectShellErrorOutputPipe\">"},
	{"ExtraCmds item not an object", "<B N=\"RedirectShellErrorOutputPipe\">", "<Obj N=\"ExtraCmds\"><LST><S>x</S></LST></Obj><B N=\"RedirectShellErrorOutputPipe\">"},
	{"ExtraCmds statement without Cmds", "<B N=\"RedirectShellErrorOutputPipe\">", "<Obj N=\"ExtraCmds\"><LST><Obj><MS /></Obj></LST></Obj><B N=\"RedirectShellErrorOutputPipe\">"},
	{"Cmds empty", "<LST><Obj RefId=\"6\">", "<LST></LST></Obj><Obj N=\"X\"><LST><Obj RefId=\"6\">"},
	{"Cmds Nil", "<Obj N=\"Cmds\" RefId=\"5\">", "<Nil N=\"Cmds\" /><Obj N=\"NotCmds\" RefId=\"5\">"},
	{"Cmds IE", "<LST><Obj RefId=\"6\">", "<IE><Obj RefId=\"6\">"},
	{"Args Nil", "<Obj N=\"Args\" RefId=\"10\"><TNRef RefId=\"2\" /><LST><Obj RefId=\"11\"><MS><S N=\"N\">Identity</S><S N=\"V\">alice</S></MS></Obj></LST></Obj>", "<Nil N=\"Args\" />"},
	{"Args no list", "<LST><Obj RefId=\"11\"><MS><S N=\"N\">Identity</S><S N=\"V\">alice</S></MS></Obj></LST>", ""},
	{"argument not an object", "<Obj RefId=\"11\"><MS><S N=\"N\">Identity</S><S N=\"V\">alice</S></MS></Obj>", "<S>alice</S>"},
	{"argument positional", "<S N=\"N\">Identity</S>", "<Nil N=\"N\" />"},
	{"argument N missing", "<S N=\"N\">Identity</S>", ""},
	{"argument V missing", "<S N=\"V\">alice</S>", ""},
	{"argument N not a string", "<S N=\"N\">Identity</S>", "<I32 N=\"N\">1</I32>"},
	{"argument V a list", "<S N=\"V\">alice</S>", "<Obj N=\"V\" RefId=\"12\"><LST><S>a</S></LST></Obj>"},
	{"argument V a bad int", "<S N=\"V\">alice</S>", "<I32 N=\"V\">x</I32>"},
	{"argument V empty string", "<S N=\"V\">alice</S>", "<S N=\"V\" />"},
	{"argument V empty int", "<S N=\"V\">alice</S>", "<I32 N=\"V\"></I32>"},
	{"argument V unknown element", "<S N=\"V\">alice</S>", "<Foo N=\"V\">alice</Foo>"},
	{"argument V Nil with text", "<S N=\"V\">alice</S>", "<Nil N=\"V\">x</Nil>"},
	{"argument V Nil with space", "<S N=\"V\">alice</S>", "<Nil N=\"V\"> </Nil>"},
	{"text with an element", "<S N=\"V\">alice</S>", "<S N=\"V\">al<B>true</B>ice</S>"},
	{"unclosed", "$", "<Obj>"},
	{"mismatched", "</LST></Obj><Nil N=\"History\" />", "</LST></Ob><Nil N=\"History\" />"},
	{"root not an object", "<Obj RefId=\"0\">", "<S>x</S><Obj RefId=\"0\">"},
	{"root a string", "", ""},
}

// TestPipelineFastMutations holds the two paths to each other on edits
// of a client's CREATE_PIPELINE: shapes the fast path reads, shapes it
// leaves to the generic path, and malformed documents.
func TestPipelineFastMutations(t *testing.T) {
	base, err := clixml.Marshal(varied()[0].Object())
	if err != nil {
		t.Fatal(err)
	}
	fastTaken := 0
	for _, m := range mutations {
		data := base
		switch {
		case m.name == "root a string":
			data = []byte("<S>x</S>")
		case m.old == "$":
			data = append(bytes.Clone(base), m.new...)
		default:
			if !bytes.Contains(base, []byte(m.old)) {
				t.Fatalf("%s: %q is not in the document", m.name, m.old)
			}
			data = bytes.Replace(base, []byte(m.old), []byte(m.new), 1)
		}
		if checkAgree(t, m.name, data) {
			fastTaken++
		}
	}
	// Some of the edits keep the shape the fast path reads: a test where it
	// never ran would hold nothing.
	if fastTaken < 10 {
		t.Errorf("the fast path took %d of the %d edited documents, want at least 10", fastTaken, len(mutations))
	}
}

// TestPipelineFastLimits checks that the fast path keeps clixml's
// DefaultLimits: a document with more values than MaxObjects, or a text
// longer than MaxStringBytes, is the generic path's error.
func TestPipelineFastLimits(t *testing.T) {
	base, err := clixml.Marshal(varied()[0].Object())
	if err != nil {
		t.Fatal(err)
	}
	arg := `<Obj RefId="11"><MS><S N="N">Identity</S><S N="V">alice</S></MS></Obj>`
	if !bytes.Contains(base, []byte(arg)) {
		t.Fatal("no argument in the document")
	}
	// Arguments without RefIds, two values each: past MaxObjects within
	// MaxBytes.
	many := bytes.Replace(base, []byte(arg), bytes.Repeat([]byte(`<Obj><MS><Nil N="V" /></MS></Obj>`), clixml.DefaultLimits.MaxObjects/2+1), 1)
	long := bytes.Replace(base, []byte(">alice<"), []byte(">"+strings.Repeat("x", clixml.DefaultLimits.MaxStringBytes+1)+"<"), 1)
	deep := bytes.Replace(base, []byte(`<B N="AddToHistory">false</B>`), []byte(`<B N="AddToHistory">false</B>`+strings.Repeat(`<Obj N="X">`, 60)+strings.Repeat(`</Obj>`, 60)), 1)
	for name, data := range map[string][]byte{"MaxObjects": many, "MaxStringBytes": long, "MaxDepth": deep} {
		if _, ok := psrp.ParsePipelineFast(data); ok {
			t.Errorf("%s: the fast path took a document over the limit", name)
		}
		_, err := psrp.ParsePipeline(data)
		if !errors.Is(err, clixml.ErrLimit) {
			t.Errorf("%s: ParsePipeline's error %v, want one wrapping clixml.ErrLimit", name, err)
		}
	}
	// Under the limits the same arguments are the fast path's.
	fewer := bytes.Replace(base, []byte(arg), bytes.Repeat([]byte(`<Obj><MS><Nil N="V" /></MS></Obj>`), 1000), 1)
	if !checkAgree(t, "1000 arguments", fewer) {
		t.Error("the fast path left 1000 arguments to the generic path")
	}
}

// FuzzParsePipeline holds the fast path to the generic one: whatever the
// fast path takes, the generic path reads the same. The seeds are the
// recorded CREATE_PIPELINE messages up to 8 KB (the fuzzer spends its
// time minimizing the larger ones) and easlab's client's for varied
// pipelines.
func FuzzParsePipeline(f *testing.F) {
	for _, data := range vectorPipelines(f) {
		if len(data) <= 8<<10 {
			f.Add(data)
		}
	}
	for _, p := range varied() {
		data, err := clixml.Marshal(p.Object())
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		checkAgree(t, "input", data)
	})
}

// TestAppendCLIXMLMatchesObject holds the client's direct writer of
// CREATE_PIPELINE to the object tree it replaces: the same bytes for
// varied pipelines (one statement and several, piped commands, switches,
// every primitive type, SecureStrings, text that needs escaping, and the
// arrays, hashtables and objects it writes through the tree), after a
// prefix of the caller's.
func TestAppendCLIXMLMatchesObject(t *testing.T) {
	prefix := []byte("header")
	for i, p := range varied() {
		want, err := clixml.AppendMarshal(bytes.Clone(prefix), p.Object())
		if err != nil {
			t.Fatal(err)
		}
		got, err := p.AppendCLIXML(bytes.Clone(prefix))
		if err != nil {
			t.Fatalf("#%d: %v", i, err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("#%d: AppendCLIXML wrote\n%s\nclixml.Marshal of Object\n%s", i, got, want)
		}
	}
	// What CLIXML cannot carry is an error on both.
	bad := &psrp.PipelineRequest{Statements: [][]psrp.Command{{{Name: "x", Args: []psrp.Argument{{Name: "D", Value: clixml.Decimal("1e5")}}}}}}
	if _, err := clixml.Marshal(bad.Object()); err == nil {
		t.Fatal("Marshal took an invalid decimal")
	}
	if _, err := bad.AppendCLIXML(nil); err == nil {
		t.Error("AppendCLIXML took an invalid decimal")
	}
	if _, err := (&psrp.PipelineRequest{}).AppendCLIXML(nil); err == nil {
		t.Error("AppendCLIXML took a pipeline without statements")
	}
}
