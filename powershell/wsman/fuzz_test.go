package wsman

import (
	"errors"
	"strings"
	"testing"
)

// FuzzParseRequest checks that no envelope makes ParseRequest panic and
// that every error wraps ErrInvalidXML. The corpus in
// testdata/fuzz/FuzzParseRequest holds every request envelope of the
// recorded pypsrp sessions (../shared/vectors/psrp).
func FuzzParseRequest(f *testing.F) {
	const head = `<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:wsa="http://schemas.xmlsoap.org/ws/2004/08/addressing" xmlns:wsman="http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd">`
	for _, s := range []string{
		`<!DOCTYPE x [<!ENTITY a "b">]>` + head + `<s:Header><wsa:Action>&a;</wsa:Action></s:Header><s:Body/></s:Envelope>`,
		head + strings.Repeat("<a>", 100) + strings.Repeat("</a>", 100) + `</s:Envelope>`,
		head + `<s:Header><wsa:Action>http://schemas.microsoft.com/wbem/wsman/1/windows/shell/Receive</wsa:Action>`,
		head + `<s:Header><wsman:MaxEnvelopeSize>-1</wsman:MaxEnvelopeSize><wsman:OperationTimeout>PT99999999999S</wsman:OperationTimeout></s:Header><s:Body/></s:Envelope>`,
		head + `<s:Header><wsman:OperationTimeout>P1Y</wsman:OperationTimeout></s:Header><s:Body/></s:Envelope>`,
		``, `<`, `<?xml version="1.0"?>`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := ParseRequest(data)
		if err != nil {
			if !errors.Is(err, ErrInvalidXML) {
				t.Fatalf("error does not wrap ErrInvalidXML: %v", err)
			}
			return
		}
		if r == nil {
			t.Fatal("nil request without an error")
		}
		_ = r.ShellID()
	})
}
