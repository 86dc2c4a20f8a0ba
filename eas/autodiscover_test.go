package eas

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

const testAutodiscoverRequest = `<?xml version="1.0" encoding="utf-8"?>
<Autodiscover xmlns="http://schemas.microsoft.com/exchange/autodiscover/mobilesync/requestschema/2006">
  <Request>
    <EMailAddress>kenji.sato@contoso.com</EMailAddress>
    <AcceptableResponseSchema>http://schemas.microsoft.com/exchange/autodiscover/mobilesync/responseschema/2006</AcceptableResponseSchema>
  </Request>
</Autodiscover>
`

func TestParseAutodiscoverRequest(t *testing.T) {
	req, err := ParseAutodiscoverRequest(strings.NewReader(testAutodiscoverRequest))
	if err != nil {
		t.Fatal(err)
	}
	want := AutodiscoverRequest{EMailAddress: "kenji.sato@contoso.com", AcceptableResponseSchema: AutodiscoverResponseSchema}
	if *req != want {
		t.Errorf("got %+v", *req)
	}
	b, err := req.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != testAutodiscoverRequest {
		t.Errorf("Marshal:\n%s\nwant:\n%s", b, testAutodiscoverRequest)
	}

	// Padded values are trimmed.
	padded := strings.Replace(testAutodiscoverRequest, "<EMailAddress>kenji", "<EMailAddress>\n      kenji", 1)
	if req, err := ParseAutodiscoverRequest(strings.NewReader(padded)); err != nil || req.EMailAddress != "kenji.sato@contoso.com" {
		t.Errorf("padded: %+v, %v", req, err)
	}
}

func TestParseAutodiscoverRequestErrors(t *testing.T) {
	request := "<Request><EMailAddress>a@b.c</EMailAddress><AcceptableResponseSchema>" + AutodiscoverResponseSchema + "</AcceptableResponseSchema></Request>"
	for _, tt := range []struct {
		name, body string
		code       int
	}{
		{"not XML", "hello", AutodiscoverErrorInvalidRequest},
		{"no Request", `<Autodiscover xmlns="` + AutodiscoverRequestSchema + `"/>`, AutodiscoverErrorInvalidRequest},
		{"two Requests", `<Autodiscover>` + request + request + `</Autodiscover>`, AutodiscoverErrorInvalidRequest},
		{"no address", `<Autodiscover><Request><AcceptableResponseSchema>` + AutodiscoverResponseSchema + `</AcceptableResponseSchema></Request></Autodiscover>`, AutodiscoverErrorInvalidRequest},
		{"Outlook schema", strings.Replace(testAutodiscoverRequest, "mobilesync/responseschema/2006", "outlook/responseschema/2006a", 1), AutodiscoverErrorProviderUnavailable},
		{"too large", `<Autodiscover>` + strings.Repeat(" ", maxAutodiscoverRequest) + request + `</Autodiscover>`, AutodiscoverErrorInvalidRequest},
	} {
		_, err := ParseAutodiscoverRequest(strings.NewReader(tt.body))
		ae, ok := AsAutodiscoverError(err)
		if !ok || ae.ErrorCode != tt.code {
			t.Errorf("%s: got %v, want error code %d", tt.name, err, tt.code)
		}
	}
}

const testAutodiscoverResponse = `<?xml version="1.0" encoding="utf-8"?>
<Autodiscover xmlns="http://schemas.microsoft.com/exchange/autodiscover/responseschema/2006">
  <Response xmlns="http://schemas.microsoft.com/exchange/autodiscover/mobilesync/responseschema/2006">
    <Culture>en:us</Culture>
    <User>
      <DisplayName>Kenji Sato</DisplayName>
      <EMailAddress>kenji.sato@contoso.com</EMailAddress>
    </User>
    <Action>
      <Settings>
        <Server>
          <Type>MobileSync</Type>
          <Url>https://mail.contoso.com/Microsoft-Server-ActiveSync</Url>
          <Name>https://mail.contoso.com/Microsoft-Server-ActiveSync</Name>
        </Server>
        <Server>
          <Type>CertEnroll</Type>
          <Url>https://mail.contoso.com/CertEnroll</Url>
          <ServerData>EASUser</ServerData>
        </Server>
      </Settings>
    </Action>
  </Response>
</Autodiscover>
`

func TestAutodiscoverResponse(t *testing.T) {
	const eas = "https://mail.contoso.com/Microsoft-Server-ActiveSync"
	resp := &AutodiscoverResponse{
		Culture: "en:us",
		User:    &AutodiscoverUser{DisplayName: "Kenji Sato", EMailAddress: "kenji.sato@contoso.com"},
		Action: &AutodiscoverAction{Settings: &AutodiscoverSettings{Server: []AutodiscoverServer{
			{Type: AutodiscoverServerMobileSync, Url: eas, Name: eas},
			{Type: AutodiscoverServerCertEnroll, Url: "https://mail.contoso.com/CertEnroll", ServerData: "EASUser"},
		}}},
	}
	b, err := resp.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != testAutodiscoverResponse {
		t.Errorf("Marshal:\n%s\nwant:\n%s", b, testAutodiscoverResponse)
	}
	back, err := ParseAutodiscoverResponse(strings.NewReader(testAutodiscoverResponse))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back, resp) {
		t.Errorf("ParseAutodiscoverResponse: %+v", back)
	}
}

func TestAutodiscoverRedirect(t *testing.T) {
	resp := &AutodiscoverResponse{Action: &AutodiscoverAction{Redirect: "kenji.sato@fabrikam.com"}}
	b, err := resp.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	want := `<?xml version="1.0" encoding="utf-8"?>
<Autodiscover xmlns="http://schemas.microsoft.com/exchange/autodiscover/responseschema/2006">
  <Response xmlns="http://schemas.microsoft.com/exchange/autodiscover/mobilesync/responseschema/2006">
    <Action>
      <Redirect>kenji.sato@fabrikam.com</Redirect>
    </Action>
  </Response>
</Autodiscover>
`
	if string(b) != want {
		t.Errorf("Marshal:\n%s\nwant:\n%s", b, want)
	}
}

func TestAutodiscoverError(t *testing.T) {
	_, err := ParseAutodiscoverRequest(strings.NewReader(`<Autodiscover/>`))
	ae, ok := AsAutodiscoverError(err)
	if !ok {
		t.Fatalf("got %v", err)
	}
	ae.Time, ae.Id, ae.DebugData = "16:56:32.6762694", "1054084152", ""
	b, err := ae.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	want := `<?xml version="1.0" encoding="utf-8"?>
<Autodiscover xmlns="http://schemas.microsoft.com/exchange/autodiscover/responseschema/2006">
  <Response>
    <Error Time="16:56:32.6762694" Id="1054084152">
      <ErrorCode>600</ErrorCode>
      <Message>Invalid Request</Message>
      <DebugData></DebugData>
    </Error>
  </Response>
</Autodiscover>
`
	if string(b) != want {
		t.Errorf("Marshal:\n%s\nwant:\n%s", b, want)
	}
	_, err = ParseAutodiscoverResponse(strings.NewReader(want))
	var got *AutodiscoverError
	if !errors.As(err, &got) || *got != *ae {
		t.Errorf("ParseAutodiscoverResponse: %v", err)
	}
	if !strings.Contains(ae.Error(), "600: Invalid Request") {
		t.Errorf("Error() = %q", ae.Error())
	}
}
