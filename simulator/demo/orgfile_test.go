package demo

import (
	"strings"
	"testing"
	"time"

	"github.com/easlab/easlab/eas"
	"github.com/easlab/easlab/wbxml"
)

const fabrikam = `
organization: {name: Fabrikam, domain: fabrikam.com, netbios: FABRIKAM}
users:
  - alias: katie
    displayName: Katie Jordan
    password: S3cret!
    mail:
      - {from: "Bob Kelly <bob@contoso.com>", subject: Hello Katie, body: Hi, age: 2h}
      - {from: it@fabrikam.com, subject: Filed, body: x, folder: Junk E-Mail, read: true}
    calendar:
      - {subject: Review, location: Room 1, in: 33h, duration: 1h}
    contacts:
      - {firstName: Bob, lastName: Kelly, email: bob@contoso.com}
    tasks: [{subject: Expenses, due: 168h}]
    notes: [{subject: Wi-Fi, body: ask reception}]
  - alias: dan
    password: x
    language: de-de
`

func TestLoadOrgFile(t *testing.T) {
	now := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	d, err := LoadOrgFile(strings.NewReader(fabrikam), now)
	if err != nil {
		t.Fatal(err)
	}
	u, mb, ok := d.Authenticate(`FABRIKAM\katie`, "S3cret!")
	if !ok || u.PrimarySmtpAddress != "katie@fabrikam.com" || u.DisplayName != "Katie Jordan" {
		t.Fatalf("katie: %+v %v", u, ok)
	}
	count := func(t eas.FolderType) int {
		f, _ := mb.FolderByType(t)
		return len(mb.Items(f.ServerID))
	}
	junk, _ := mb.FolderByName("junk e-mail")
	if count(eas.FolderTypeInbox) != 1 || len(mb.Items(junk.ServerID)) != 1 || count(eas.FolderTypeCalendar) != 1 ||
		count(eas.FolderTypeContacts) != 1 || count(eas.FolderTypeTasks) != 1 || count(eas.FolderTypeNotes) != 1 {
		t.Error("content not where the file put it")
	}
	inbox, _ := mb.FolderByType(eas.FolderTypeInbox)
	it := mb.Items(inbox.ServerID)[0]
	if !it.Received.Equal(now.Add(-2*time.Hour)) || it.Prop(wbxml.LookupQualified("Email:Subject")) != "Hello Katie" || !strings.Contains(string(it.Body.MIME), "Subject: Hello Katie") {
		t.Errorf("mail: %v %q", it.Received, it.Prop(wbxml.LookupQualified("Email:Subject")))
	}
	// A mailbox's language, as Get-Mailbox Languages writes it: its notices
	// are written in it (exchange-admin.md 3.2).
	if dan, _, _ := d.Resolve("dan"); len(dan.Languages) != 1 || dan.Languages[0] != "de-DE" {
		t.Errorf("dan's Languages = %q, want [de-DE]", dan.Languages)
	}
	if len(u.Languages) != 0 {
		t.Errorf("katie's Languages = %q, want none", u.Languages)
	}
	for _, bad := range []string{
		"organization: {domain: x.com}\nusers: [{alias: a, password: p, language: 'not a culture'}]\n",
		"organization: {name: X}\n",
		"organization: {domain: x.com}\nusers: [{alias: a}]\n",
		"organization: {domain: x.com}\nusers: [{alias: a, password: p, colour: red}]\n",
		"organization: {domain: x.com}\nusers: [{alias: a, password: p, mail: [{from: 'not an address', subject: s}]}]\n",
		"organization: {domain: x.com}\nusers: [{alias: a, password: p}, {alias: A, password: q}]\n",
	} {
		if _, err := LoadOrgFile(strings.NewReader(bad), now); err == nil {
			t.Errorf("accepted:\n%s", bad)
		}
	}
}

// TestOrgFileErrorsNameTheProblem: an empty file, a file without users
// and misspelt fields get an error that says what is wrong and what the
// part takes, not yaml.v3's Go type names.
func TestOrgFileErrorsNameTheProblem(t *testing.T) {
	for _, c := range []struct{ file, want string }{
		{"", "the file is empty"},
		{"organization: {domain: x.com}\nusers: []\n", "no users"},
		{"usrs: []\n", `line 1: unknown field "usrs" in the file (its fields: organization, users)`},
		{"organization: {domain: x.com}\nusers:\n  - alias: a\n    pasword: p\n", `line 4: unknown field "pasword" in a user (its fields: alias, displayName`},
		{"organization: {domain: x.com}\nusers:\n  - alias: a\n    password: p\n    mail: [{subjct: hi}]\n", `unknown field "subjct" in a mail (its fields: from, subject`},
	} {
		_, err := LoadOrgFile(strings.NewReader(c.file), time.Now())
		if err == nil || !strings.Contains(err.Error(), c.want) || strings.Contains(err.Error(), "demo.") {
			t.Errorf("%q: %v; want an error containing %q", c.file, err, c.want)
		}
	}
}
