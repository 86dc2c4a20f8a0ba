package simulator_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"io"
	"net/http"
	"runtime"
	"strings"
	"testing"

	"github.com/easlab/easlab/powershell/client"
	"github.com/easlab/easlab/powershell/psrp"
	"github.com/easlab/easlab/simulator"
	"github.com/easlab/easlab/simulator/demo"
	"github.com/easlab/easlab/simulator/simtest"
)

// Hostile clients of /PowerShell: each gets WinRM's fault or refusal,
// never a panic, and the server's memory stays bounded.

// postEnvelope sends body to /PowerShell as admin and returns the status
// and the answer.
func postEnvelope(t *testing.T, env *simtest.Env, body []byte) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, env.URL+"/PowerShell/", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/soap+xml;charset=UTF-8")
	req.SetBasicAuth("admin", demo.Password)
	resp, err := env.HTTP.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// envelope is a request as a WinRM client writes it.
func envelope(action, shellID, body string) []byte {
	sel := ""
	if shellID != "" {
		sel = `<w:SelectorSet><w:Selector Name="ShellId">` + shellID + `</w:Selector></w:SelectorSet>`
	}
	return []byte(`<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:a="http://schemas.xmlsoap.org/ws/2004/08/addressing" xmlns:w="http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd" xmlns:rsp="http://schemas.microsoft.com/wbem/wsman/1/windows/shell"><s:Header><a:Action>` + action +
		`</a:Action><a:MessageID>uuid:1</a:MessageID><w:MaxEnvelopeSize>153600</w:MaxEnvelopeSize><w:OperationTimeout>PT1S</w:OperationTimeout><w:ResourceURI>http://schemas.microsoft.com/powershell/Microsoft.Exchange</w:ResourceURI>` + sel + `</s:Header><s:Body>` + body + `</s:Body></s:Envelope>`)
}

func TestHostilePowerShellEnvelopes(t *testing.T) {
	env := simtest.New(t, simulator.Options{ErrorResponseDelay: -1})
	ps := openPS(t, env, "admin")
	for _, c := range []struct {
		name  string
		body  []byte
		code  int
		fault string
	}{
		{"not XML", []byte("hello"), 400, "2150858819"},
		{"truncated", envelope("http://schemas.microsoft.com/wbem/wsman/1/windows/shell/Receive", "X", "")[:200], 400, "2150858819"},
		{"a DTD", append([]byte(`<!DOCTYPE s [<!ENTITY a "b">]>`), envelope("x", "", "")...), 400, "2150858819"},
		{"deep nesting", []byte(strings.Repeat("<a>", 20000) + strings.Repeat("</a>", 20000)), 400, "2150858819"},
		{"over MaxEnvelopeSize", envelope("x", "", strings.Repeat("A", 600<<10)), 500, "2150858805"},
		{"an unsupported action", envelope("http://schemas.xmlsoap.org/ws/2004/09/enumeration/Enumerate", "", ""), 500, "2150858771"},
		{"an unknown shell", envelope("http://schemas.microsoft.com/wbem/wsman/1/windows/shell/Receive", "00000000-0000-0000-0000-000000000001", `<rsp:Receive><rsp:DesiredStream>stdout</rsp:DesiredStream></rsp:Receive>`), 500, "2150858843"},
		{"no shell selector", envelope("http://schemas.microsoft.com/wbem/wsman/1/windows/shell/Signal", "", `<rsp:Signal CommandId="1"><rsp:Code>x</rsp:Code></rsp:Signal>`), 500, "2150858843"},
		{"a Create without creationXml", envelope("http://schemas.xmlsoap.org/ws/2004/09/transfer/Create", "", `<rsp:Shell ShellId="not-a-guid"/>`), 400, "2150858819"},
	} {
		code, body := postEnvelope(t, env, c.body)
		if code != c.code || !strings.Contains(body, `Code="`+c.fault+`"`) {
			t.Errorf("%s: want HTTP %d with WinRM's fault %s, got HTTP %d: %.300s", c.name, c.code, c.fault, code, body)
		}
	}
	// The session still works.
	if res := invoke(t, ps, cmd("Get-Mailbox", arg("Identity", "alice"))); res.Failed != nil || len(res.Output) != 1 {
		t.Fatalf("after the hostile envelopes: %+v", res.Failed)
	}
}

// fragment is one PSRP fragment of a message to the server.
func fragment(objectID, fragmentID uint64, start, end bool, msg []byte) []byte {
	var h [21]byte
	binary.BigEndian.PutUint64(h[0:], objectID)
	binary.BigEndian.PutUint64(h[8:], fragmentID)
	if start {
		h[16] |= 1
	}
	if end {
		h[16] |= 2
	}
	binary.BigEndian.PutUint32(h[17:], uint32(len(msg)))
	return append(h[:], msg...)
}

func TestHostilePowerShellFragmentsAndCLIXML(t *testing.T) {
	env := simtest.New(t, simulator.Options{ErrorResponseDelay: -1})
	ps := openPS(t, env, "admin")
	shell := ps.ShellID()
	send := func(cmdID string, stream []byte) (int, string) {
		body := `<rsp:Send><rsp:Stream Name="stdin"` + cmdID + `>` + base64.StdEncoding.EncodeToString(stream) + `</rsp:Stream></rsp:Send>`
		return postEnvelope(t, env, envelope("http://schemas.microsoft.com/wbem/wsman/1/windows/shell/Send", shell, body))
	}
	command := func(id string, args []byte) (int, string) {
		body := `<rsp:CommandLine CommandId="` + id + `"><rsp:Command/><rsp:Arguments>` + base64.StdEncoding.EncodeToString(args) + `</rsp:Arguments></rsp:CommandLine>`
		return postEnvelope(t, env, envelope("http://schemas.microsoft.com/wbem/wsman/1/windows/shell/Command", shell, body))
	}
	header := func(t psrp.MessageType, clixml string) []byte {
		m := &psrp.Message{Destination: psrp.ToServer, Type: t, Data: []byte(clixml)}
		return m.Bytes()
	}
	for _, c := range []struct {
		name string
		do   func() (int, string)
	}{
		{"a fragment without its start", func() (int, string) { return send("", fragment(900, 3, false, true, []byte("x"))) }},
		{"a short fragment header", func() (int, string) { return send("", []byte{0, 0, 1}) }},
		{"a length past the data", func() (int, string) { return send("", fragment(901, 0, true, true, []byte("x"))[:25]) }},
		{"a message shorter than its header", func() (int, string) { return send("", fragment(902, 0, true, true, []byte("abc"))) }},
		{"a CLIXML bomb (deep nesting)", func() (int, string) {
			return command("11111111-1111-1111-1111-111111111111", fragment(903, 0, true, true, header(psrp.CreatePipeline, strings.Repeat("<Obj><LST>", 5000)+strings.Repeat("</LST></Obj>", 5000))))
		}},
		{"a CLIXML reference loop", func() (int, string) {
			return command("22222222-2222-2222-2222-222222222222", fragment(904, 0, true, true, header(psrp.CreatePipeline, `<Obj RefId="0"><MS><Ref N="PowerShell" RefId="0"/></MS></Obj>`)))
		}},
		{"input for an unknown pipeline", func() (int, string) {
			return send(` CommandId="33333333-3333-3333-3333-333333333333"`, fragment(905, 0, true, true, header(psrp.PipelineInput, "<S>x</S>")))
		}},
	} {
		code, body := c.do()
		if code != 500 || !strings.Contains(body, "<s:Fault>") {
			t.Errorf("%s: want a WS-Management fault, got HTTP %d: %.300s", c.name, code, body)
		}
	}
	if res := invoke(t, ps, cmd("Get-Mailbox", arg("Identity", "alice"))); res.Failed != nil || len(res.Output) != 1 {
		t.Fatalf("after the hostile fragments: %+v", res.Failed)
	}
}

// TestHostilePowerShellCreateFlood: one user opening shells without end
// gets the quota fault after PowerShellMaxConcurrency; the refused ones
// cost nothing that stays.
func TestHostilePowerShellCreateFlood(t *testing.T) {
	env := simtest.New(t, simulator.Options{ErrorResponseDelay: -1})
	ctx := context.Background()
	runtime.GC()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	refused := 0
	for i := range 500 {
		_, err := client.Open(ctx, client.Config{URL: env.URL + "/PowerShell/", User: "admin", Password: demo.Password})
		var f *client.Fault
		switch {
		case err == nil && i < simulator.DefaultPowerShellMaxConcurrency:
		case errors.As(err, &f) && f.Code == "2150859173":
			refused++
		default:
			t.Fatalf("Create %d: %v", i, err)
		}
	}
	if want := 500 - simulator.DefaultPowerShellMaxConcurrency; refused != want {
		t.Fatalf("%d Creates refused, want %d", refused, want)
	}
	if n := env.Server.PowerShellSessions("admin"); n != simulator.DefaultPowerShellMaxConcurrency {
		t.Fatalf("%d shells open, want %d", n, simulator.DefaultPowerShellMaxConcurrency)
	}
	runtime.GC()
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	if grew := int64(after.HeapAlloc) - int64(before.HeapAlloc); grew > 16<<20 {
		t.Errorf("500 Creates left %d MiB on the heap", grew>>20)
	}
}
