package simulator

import (
	"errors"
	"net/http"
	"net/url"
	"strings"
)

// The URLs the server gives out. Exchange takes them from its virtual
// directories' ExternalUrl (Set-ActiveSyncVirtualDirectory -ExternalUrl),
// never from a request: Options.ExternalURL is that setting. A server
// without one (a lab reached by whatever name) falls back on the Host
// header, which net/http has already checked against RFC 7230's grammar.

// publicBase returns the scheme and host a response names: those of
// Options.ExternalURL, or the request's.
func (s *Server) publicBase(r *http.Request) (scheme, host string) {
	if u := s.external; u != nil {
		return u.Scheme, u.Host
	}
	scheme = "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme, r.Host
}

// parseExternalURL checks Options.ExternalURL: an absolute http or https
// URL with a host and nothing after it but an optional "/".
func parseExternalURL(raw string) (*url.URL, error) {
	if raw == "" {
		return nil, nil
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || strings.Trim(u.Path, "/") != "" || u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return nil, &url.Error{Op: "ExternalURL", URL: raw, Err: errExternalURL}
	}
	return &url.URL{Scheme: u.Scheme, Host: u.Host}, nil
}

var errExternalURL = errors.New("want an absolute http or https URL with a host only, e.g. https://mail.contoso.com")
