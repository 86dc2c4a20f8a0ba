package simulator

import (
	"bytes"
	"errors"
	"io"
	"net/http"

	"github.com/easlab/easlab/eas"
)

// maxAutodiscoverBytes bounds an Autodiscover request, as Z-Push does; a
// real one is a few hundred bytes.
const maxAutodiscoverBytes = 8192

// serveAutodiscover answers the mobilesync Autodiscover POX request
// (MS-ASCMD 2.2.1.1, protocol.md 5) with the EAS endpoint on the host the
// request came to.
func (s *Server) serveAutodiscover(w http.ResponseWriter, r *http.Request) {
	if _, _, ok := s.authenticate(r); !ok {
		s.challenge(w, r)
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxAutodiscoverBytes+1))
	if err != nil || len(body) > maxAutodiscoverBytes {
		s.writeAutodiscoverError(w, &eas.AutodiscoverError{ErrorCode: eas.AutodiscoverErrorInvalidRequest, Message: "Invalid Request", DebugData: "request too large or unreadable"})
		return
	}
	req, err := eas.ParseAutodiscoverRequest(bytes.NewReader(body))
	if err != nil {
		var ae *eas.AutodiscoverError
		if !errors.As(err, &ae) {
			ae = &eas.AutodiscoverError{ErrorCode: eas.AutodiscoverErrorInvalidRequest, Message: "Invalid Request", DebugData: err.Error()}
		}
		s.writeAutodiscoverError(w, ae)
		return
	}
	resp := &eas.AutodiscoverResponse{Culture: "en:us"}
	user, _, found := s.dir.Resolve(req.EMailAddress)
	if !found {
		// Exchange's answer for an address it has no mailbox for.
		resp.User = &eas.AutodiscoverUser{EMailAddress: req.EMailAddress}
		resp.Action = &eas.AutodiscoverAction{Error: &eas.AutodiscoverActionError{Status: 1, Message: "The email address can't be found.", DebugData: "MailUser", ErrorCode: 500}}
	} else {
		scheme, host := s.publicBase(r)
		endpoint := scheme + "://" + host + "/Microsoft-Server-ActiveSync"
		resp.User = &eas.AutodiscoverUser{DisplayName: user.DisplayName, EMailAddress: user.PrimarySmtpAddress}
		resp.Action = &eas.AutodiscoverAction{Settings: &eas.AutodiscoverSettings{Server: []eas.AutodiscoverServer{{Type: eas.AutodiscoverServerMobileSync, Url: endpoint, Name: endpoint}}}}
	}
	b, err := resp.Marshal()
	if err != nil {
		s.log.Error("autodiscover", "error", err)
		w.WriteHeader(http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/xml; charset=utf-8")
	w.Write(b)
}

func (s *Server) writeAutodiscoverError(w http.ResponseWriter, e *eas.AutodiscoverError) {
	e.Time = s.clock.Now().UTC().Format("15:04:05.0000000")
	b, err := e.Marshal()
	if err != nil {
		w.WriteHeader(http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/xml; charset=utf-8")
	w.Write(b)
}
