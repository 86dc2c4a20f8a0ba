package main

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"html"
	"regexp"
	"strings"

	"github.com/easlab/easlab/clients"
	"github.com/easlab/easlab/eas"
	"github.com/easlab/easlab/internal/htmltext"
	"github.com/easlab/easlab/simulator/access"
	"github.com/easlab/easlab/simulator/notice"
	"github.com/easlab/easlab/wbxml"
)

// Exit statuses of the device commands (documented in their help and the
// README): 0 when the device syncs, 1 when a step failed or the server
// refused the device, exitHeld when the server holds it (quarantined, or
// in device discovery) until an administrator or an MFA product acts.
const exitHeld = 3

// errDeviceHeld makes a device command exit with exitHeld after its
// report is printed.
var errDeviceHeld = &exitError{code: exitHeld, msg: "the server holds the device until it is allowed"}

// exitError is an error with its own exit status.
type exitError struct {
	code int
	msg  string
}

func (e *exitError) Error() string { return e.msg }

// ExitCode is the process's exit status for e.
func (e *exitError) ExitCode() int { return e.code }

// exitCode is the exit status for err: its own, or 1.
func exitCode(err error) int {
	var c interface{ ExitCode() int }
	if errors.As(err, &c) {
		return c.ExitCode()
	}
	return 1
}

// noticeSeen is a notice Exchange put in the device's Inbox, as the
// device shows it.
type noticeSeen struct {
	Subject string `json:"subject"`
	Body    string `json:"body,omitempty"`
}

// accessAsSeen is the device's access state as the device itself can tell
// it: a quarantined or discovering device sees only Exchange's notice in
// its Inbox (exchange-admin.md §2.1), a blocked one is refused (Status
// 129, HTTP 403), any other one syncs mail. ok is false when the Inbox
// holds nothing to tell by.
func accessAsSeen(d *clients.Device) (state string, n *noticeSeen, ok bool) {
	inbox, found := d.FolderByType(eas.FolderTypeInbox)
	if !found {
		return "", nil, false
	}
	items := d.Items(inbox.ServerId)
	if len(items) == 0 {
		return "", nil, false
	}
	var held access.State
	for _, it := range items {
		st, isNotice := notice.StateOfSubject(it.Subject)
		if !isNotice || st == access.Blocked {
			return access.Allowed.String(), nil, true // the device syncs mail
		}
		if held == 0 || st == access.Quarantined {
			held, n = st, &noticeSeen{Subject: it.Subject, Body: bodyText(it.Data)}
		}
	}
	return held.String(), n, true
}

// refusedState is the access state a server's refusal tells: Blocked for
// Status 129 (DeviceIsBlockedForThisUser) or HTTP 403.
func refusedState(err error) (string, bool) {
	var se *clients.ServerError
	if errors.As(err, &se) && (se.Status == int(eas.StatusDeviceIsBlockedForThisUser) || se.HTTPStatus == 403) {
		return access.Blocked.String(), true
	}
	return "", false
}

var (
	htmlBreaks = regexp.MustCompile(`(?i)<br\s*/?>|</p>|</div>|</tr>|</h[1-6]>`)
	blankLines = regexp.MustCompile(`\n[ \t]*(\n[ \t]*)+`)
)

// bodyText is the text of an e-mail's body in its ApplicationData, HTML
// turned into lines as a phone's reader shows them.
func bodyText(data *wbxml.Node) string {
	if data == nil {
		return ""
	}
	var body, typ string
	for _, c := range data.Elements() {
		switch c.Tag.Name {
		case "Body":
			for _, b := range c.Elements() {
				switch b.Tag.Name {
				case "Data":
					body = b.Text()
				case "Type":
					typ = b.Text()
				}
			}
			if len(c.Elements()) == 0 {
				body = c.Text() // 12.x: email:Body
			}
		}
	}
	if typ == "2" || strings.Contains(body, "<html") || strings.Contains(body, "<HTML") {
		body = htmlBreaks.ReplaceAllString(body, "\n")
		body = html.UnescapeString(htmltext.StripTags(body))
	}
	body = strings.ReplaceAll(body, "\r\n", "\n")
	return strings.TrimSpace(blankLines.ReplaceAllString(body, "\n\n"))
}

// withTLSHint adds to a certificate error the flag that accepts easlab
// serve --tls's self-signed certificate.
func withTLSHint(err error) error {
	var unknown x509.UnknownAuthorityError
	var invalid x509.CertificateInvalidError
	var host x509.HostnameError
	var verify *tls.CertificateVerificationError
	if errors.As(err, &unknown) || errors.As(err, &invalid) || errors.As(err, &host) || errors.As(err, &verify) {
		return fmt.Errorf("%w (for easlab serve --tls's self-signed certificate, pass --insecure)", err)
	}
	return err
}
