package conformance

import (
	"bytes"
	"encoding/xml"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/easlab/easlab/eas"
	"github.com/easlab/easlab/wbxml"
)

// MS-ASCMD S01: Autodiscover (the plain XML request to
// /autodiscover/autodiscover.xml, as User01).

// cmdAutodiscoverRequest is the suite's Autodiscover request, with its
// Request element repeated n times.
func cmdAutodiscoverRequest(email, schema string, n int) string {
	req := "<Request><EMailAddress>" + email + "</EMailAddress><AcceptableResponseSchema>" + schema + "</AcceptableResponseSchema></Request>"
	return `<?xml version="1.0" encoding="utf-8"?><Autodiscover xmlns="` + eas.AutodiscoverRequestSchema + `">` + strings.Repeat(req, n) + "</Autodiscover>"
}

// cmdXML is an Autodiscover answer read as elements: the namespace and
// text of the first element of each local name, and which names occur
// inside Action/Error.
type cmdXML struct {
	ns, text map[string]string
	inError  map[string]string // Action's Error children
}

func (c *cmdSuite) autodiscover(body, contentType string) *cmdXML {
	c.s.t.Helper()
	hr, err := http.NewRequestWithContext(c.l.ctx, http.MethodPost, c.l.env.URL+"/autodiscover/autodiscover.xml", strings.NewReader(body))
	c.s.must(err, "building the Autodiscover request")
	hr.Header.Set("Content-Type", contentType)
	hr.SetBasicAuth(cmdUser1, password)
	resp, err := c.l.env.HTTP.Client().Do(hr)
	c.s.must(err, "Autodiscover")
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	c.s.must(err, "reading the Autodiscover answer")
	if resp.StatusCode != http.StatusOK {
		c.s.t.Fatalf("Autodiscover answered HTTP %d", resp.StatusCode)
	}
	c.verifyAutodiscover(b)
	x := &cmdXML{ns: map[string]string{}, text: map[string]string{}, inError: map[string]string{}}
	d := xml.NewDecoder(bytes.NewReader(b))
	var path []string
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		c.s.must(err, "reading the Autodiscover answer's XML")
		switch t := tok.(type) {
		case xml.StartElement:
			path = append(path, t.Name.Local)
			if _, ok := x.ns[t.Name.Local]; !ok {
				x.ns[t.Name.Local] = t.Name.Space
			}
			if len(path) >= 3 && path[len(path)-3] == "Action" && path[len(path)-2] == "Error" {
				x.inError[t.Name.Local] = ""
			}
			if len(path) >= 2 && path[len(path)-2] == "Action" && t.Name.Local == "Error" {
				x.inError["Error"] = ""
			}
		case xml.CharData:
			if len(path) > 0 {
				name := path[len(path)-1]
				if _, ok := x.text[name]; !ok {
					x.text[name] = strings.TrimSpace(string(t))
				}
				if _, ok := x.inError[name]; ok && len(path) >= 3 && path[len(path)-2] == "Error" {
					x.inError[name] = strings.TrimSpace(string(t))
				}
			}
		case xml.EndElement:
			path = path[:len(path)-1]
		}
	}
	return x
}

// MSASCMD_S01_TC01: the answer is in the schema asked for, names the
// MobileSync URL, and says culture en:us.
func TestMSASCMD_S01_TC01_Autodiscover_TypeIsMobileSync(t *testing.T) {
	atVersions(t, cmdSpec, from(eas.Version121), func(t *testing.T, s *site) {
		c := cmdLab(s)
		x := c.autodiscover(cmdAutodiscoverRequest(mailAddress(cmdUser1), eas.AutodiscoverResponseSchema, 1), "text/xml")
		s.equal(703, "the Response element's namespace", eas.AutodiscoverResponseSchema, x.ns["Response"])
		if x.text["Type"] != "MobileSync" {
			t.Fatalf("the first Server's Type is %q, want MobileSync", x.text["Type"])
		}
		s.equal(3482, "the MobileSync Server's Name", x.text["Url"], x.text["Name"])
		s.equal(3484, "the MobileSync Server's Name", x.text["Url"], x.text["Name"])
		// R5160 (en:en) and R5123 (text/html) are Exchange 2007's: the
		// suite's Exchange 2016 and 2019 settings disable them.
		s.equal(5823, "the Culture", "en:us", x.text["Culture"])
		_, hasError := x.inError["Error"]
		s.capture(5718, !hasError, "the answer to a text/xml request has an Action Error")
	})
}

// MSASCMD_S01_TC02: an address with no mailbox gets an Action Error
// whose Status is not 1.
func TestMSASCMD_S01_TC02_Autodiscover_Fail(t *testing.T) {
	atVersions(t, cmdSpec, from(eas.Version121), func(t *testing.T, s *site) {
		s.gap("issue 15: easlab's Action Error for an address with no mailbox has Status 1 (with ErrorCode 500), where the suite expects a Status other than 1", 4001)
		c := cmdLab(s)
		x := c.autodiscover(cmdAutodiscoverRequest("InvallidEmailAddress@contoso.com", eas.AutodiscoverResponseSchema, 1), "text/xml")
		_, hasError := x.inError["Error"]
		s.capture(3818, hasError, "the answer for an unknown address has no Action Error")
		s.capture(4001, x.inError["Status"] != "1", "the Action Error's Status is %q", x.inError["Status"])
	})
}

// MSASCMD_S01_TC03: two Request elements are ErrorCode 600.
func TestMSASCMD_S01_TC03_ErrorCode_600(t *testing.T) {
	atVersions(t, cmdSpec, from(eas.Version121), func(t *testing.T, s *site) {
		c := cmdLab(s)
		x := c.autodiscover(cmdAutodiscoverRequest(mailAddress(cmdUser1), eas.AutodiscoverResponseSchema, 2), "text/xml")
		for _, id := range []int{3799, 2286, 2287} {
			s.equal(id, "the ErrorCode of a request with two Request elements", "600", x.text["ErrorCode"])
		}
	})
}

// MSASCMD_S01_TC04: a response schema no provider serves is ErrorCode
// 601.
func TestMSASCMD_S01_TC04_ErrorCode_601(t *testing.T) {
	atVersions(t, cmdSpec, from(eas.Version121), func(t *testing.T, s *site) {
		c := cmdLab(s)
		x := c.autodiscover(cmdAutodiscoverRequest(mailAddress(cmdUser1), eas.AutodiscoverResponseSchema+"XX", 1), "text/xml")
		s.equal(2285, "the ErrorCode for an unknown response schema", "601", x.text["ErrorCode"])
		s.equal(2288, "the ErrorCode for an unknown response schema", "601", x.text["ErrorCode"])
	})
}

// cmdXMLTree reads an XML answer into element nodes (local names, text
// content) so that the schema rules can be checked on it; attributes are
// left out.
func cmdXMLTree(b []byte) (*wbxml.Node, error) {
	d := xml.NewDecoder(bytes.NewReader(b))
	var stack []*wbxml.Node
	var root *wbxml.Node
	for {
		tok, err := d.Token()
		if err == io.EOF {
			return root, nil
		}
		if err != nil {
			return nil, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			n := &wbxml.Node{Tag: &wbxml.Tag{Namespace: t.Name.Space, Name: t.Name.Local}}
			if len(stack) > 0 {
				p := stack[len(stack)-1]
				p.Children = append(p.Children, n)
			} else {
				root = n
			}
			stack = append(stack, n)
		case xml.CharData:
			if len(stack) > 0 && strings.TrimSpace(string(t)) != "" {
				p := stack[len(stack)-1]
				p.Children = append(p.Children, &wbxml.Node{Data: []byte(strings.TrimSpace(string(t)))})
			}
		case xml.EndElement:
			stack = stack[:len(stack)-1]
		}
	}
}

// The adapter's checks of an Autodiscover answer: those of the
// mobilesync Response, or of the generic error Response. The Time and Id
// attributes of the generic Error (R5698, R5545) are not checked.
var (
	cmdAutodiscoverShape = []cmdRule{
		{path: "Autodiscover", min: 1, max: 1, ids: []int{806, 1083, 1084, 1085, 1086}},
		{path: "Autodiscover/Response", min: 1, max: 1, ids: []int{3815, 2479, 2480, 2481, 2482}},
		{path: "Autodiscover/Response/Culture", leaf: true, max: 1, ids: []int{1458, 1459, 1460, 1461}},
		{path: "Autodiscover/Response/User", min: 1, max: 1, ids: []int{4693, 2887, 2888, 2889, 2890}},
		{path: "Autodiscover/Response/User/DisplayName", leaf: true, max: 1, ids: []int{1518, 1519, 1520, 1521}},
		{path: "Autodiscover/Response/User/EMailAddress", leaf: true, min: 1, max: 1, ids: []int{2225, 1583, 1584, 1585, 1586}},
		{path: "Autodiscover/Response/Action", max: 1, ids: []int{1027, 1028, 1029, 1030}},
		{path: "Autodiscover/Response/Action/Settings", max: 1, ids: []int{2623, 2624, 2625, 2626}},
		{path: "Autodiscover/Response/Action/Settings/Server", min: 1, ids: []int{3890, 2561, 2562, 2563, 2564}},
		{path: "Autodiscover/Response/Action/Settings/Server/Type", leaf: true, max: 1, ids: []int{2859, 2860, 2861, 2862}},
		{path: "Autodiscover/Response/Action/Settings/Server/Type", values: []string{"MobileSync", "CertEnroll"}, ids: []int{4648}},
		{path: "Autodiscover/Response/Action/Settings/Server/Url", leaf: true, max: 1, ids: []int{2883, 2884, 2885, 2886}},
		{path: "Autodiscover/Response/Action/Settings/Server/Name", leaf: true, max: 1, ids: []int{1979, 1980, 1981, 1982}},
		{path: "Autodiscover/Response/Action/Error", max: 1, ids: []int{1631, 1632, 1633, 1634}},
		{path: "Autodiscover/Response/Action/Error/Status", leaf: true, max: 1, ids: []int{2691, 2692, 2693, 2694}},
		{path: "Autodiscover/Response/Action/Error/Status", values: []string{"1", "2"}, ids: []int{3998}},
	}
	cmdAutodiscoverErrorShape = []cmdRule{
		{path: "Autodiscover/Response/Error", max: 1, ids: []int{1635, 1636, 1637, 1638}},
	}
)

// verifyAutodiscover checks an Autodiscover answer as the adapter does.
func (c *cmdSuite) verifyAutodiscover(b []byte) {
	c.s.t.Helper()
	root, err := cmdXMLTree(b)
	if err != nil || root == nil {
		return
	}
	rules := cmdAutodiscoverErrorShape
	for _, e := range root.Elements() {
		if e.Tag.Name == "Response" && e.Tag.Namespace == eas.AutodiscoverResponseSchema {
			rules = cmdAutodiscoverShape
		}
	}
	for _, r := range rules {
		ok, what, present := cmdCheckRule(root, r)
		if !present {
			continue
		}
		for _, id := range r.ids {
			c.s.capture(id, ok, "%s: %s", r.path, what)
		}
	}
}
