package clients

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/easlab/easlab/eas"
)

// maxAutodiscoverRedirects bounds Action/Redirect hops, as Outlook and
// Exchange's own clients stop after ten.
const maxAutodiscoverRedirects = 10

// Autodiscover runs mobilesync POX Autodiscover (MS-ASCMD 2.2.1.1) against
// endpoint (e.g. https://mail.contoso.com/autodiscover/autodiscover.xml)
// for email, with the device's credentials, following Action/Redirect to
// a new address, and sets the device's ActiveSync URL to the MobileSync
// server it names, which it returns. A refusal over HTTP is a
// *ServerError with Request "Autodiscover"; an Autodiscover error
// response is an *eas.AutodiscoverError or an error naming the Action
// Error.
func (d *Device) Autodiscover(ctx context.Context, endpoint, email string) (string, error) {
	for hop := 0; hop <= maxAutodiscoverRedirects; hop++ {
		body, err := (&eas.AutodiscoverRequest{EMailAddress: email}).Marshal()
		if err != nil {
			return "", err
		}
		hr, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, bytes.NewReader(body))
		if err != nil {
			return "", fmt.Errorf("clients: Autodiscover: %w", err)
		}
		d.mu.Lock()
		hr.SetBasicAuth(d.opts.User, d.opts.Password)
		hr.Header.Set("User-Agent", d.Profile.UserAgent)
		d.mu.Unlock()
		hr.Header.Set("Content-Type", "text/xml")
		r, err := d.send(hr, 0, body)
		if err != nil {
			return "", err
		}
		if r.status != http.StatusOK {
			return "", &ServerError{HTTPStatus: r.status, Request: "Autodiscover", RetryAfter: retryAfter(r.header)}
		}
		resp, err := eas.ParseAutodiscoverResponse(bytes.NewReader(r.body))
		if err != nil {
			return "", err
		}
		switch a := resp.Action; {
		case a == nil:
			return "", errors.New("clients: Autodiscover response without an Action")
		case a.Error != nil:
			return "", fmt.Errorf("clients: Autodiscover for %s: status %d: %s (%s)", email, a.Error.Status, a.Error.Message, a.Error.DebugData)
		case a.Redirect != "":
			if strings.EqualFold(a.Redirect, email) {
				return "", fmt.Errorf("clients: Autodiscover redirects %s to itself", email)
			}
			email = a.Redirect
			continue
		case a.Settings != nil:
			for _, s := range a.Settings.Server {
				if s.Type == eas.AutodiscoverServerMobileSync && s.Url != "" {
					d.mu.Lock()
					d.opts.BaseURL = s.Url
					d.mu.Unlock()
					return s.Url, nil
				}
			}
			return "", fmt.Errorf("clients: Autodiscover for %s names no MobileSync server", email)
		}
		return "", errors.New("clients: Autodiscover Action is empty")
	}
	return "", fmt.Errorf("clients: Autodiscover: more than %d redirects", maxAutodiscoverRedirects)
}
