// Package ecp is easlab's admin center, served at /ecp/ as Exchange serves
// its Exchange Control Panel: server-rendered pages (html/template, the
// stylesheet embedded) that need no JavaScript.
//
// It signs in the directory's administrators (users in a role group, as
// Remote PowerShell requires) or the holder of the admin API's token, keeps
// sessions on the server behind a random cookie, and checks a per-session
// token on every form. Everything it shows or changes goes through the
// Backend's cmdlets, so an approval made here is an approval as an agent
// makes it: the same cmdlet, the same events.
//
// ecp imports simulator/admin and the standard library, never simulator:
// the simulator implements Backend.
package ecp

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// Prefix is where the admin center is served (any case, as IIS).
const Prefix = "/ecp/"

// Session limits: a session ends after SessionIdle without a request, and
// at most maxSessions are kept (the oldest goes first).
const (
	SessionIdle  = 8 * time.Hour
	maxSessions  = 1000
	maxFormBytes = 64 << 10
	cookieName   = "easlab-ecp"
)

// Handler serves the admin center. Create it with New.
type Handler struct {
	b   Backend
	log *slog.Logger

	mu       sync.Mutex
	sessions map[string]*session
}

// session is a signed-in administrator's.
type session struct {
	account string
	csrf    string
	expires time.Time
	flash   *flash
}

// flash is the message a POST leaves for the page it redirects to.
type flash struct {
	Text  string
	Error bool
}

// New returns the admin center over b. A nil logger discards.
func New(b Backend, log *slog.Logger) *Handler {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Handler{b: b, log: log, sessions: make(map[string]*session)}
}

// IsPath says whether a request path is the admin center's (/ecp or
// under /ecp/, in any case).
func IsPath(p string) bool {
	return len(p) >= 4 && strings.EqualFold(p[:4], "/ecp") && (len(p) == 4 || p[4] == '/')
}

// ServeHTTP serves a path under /ecp/.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	hdr := w.Header()
	hdr.Set("Cache-Control", "no-store")
	hdr.Set("X-Frame-Options", "DENY")
	hdr.Set("X-Content-Type-Options", "nosniff")
	hdr.Set("Referrer-Policy", "same-origin")
	hdr.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
	if !IsPath(r.URL.Path) {
		h.notFound(w, r, nil)
		return
	}
	// IIS takes the path in any case, but a browser sends the cookie (Path
	// /ecp/) only to /ecp/ as spelt: other spellings go there first.
	if p := r.URL.Path; (p[:4] != "/ecp" || p == "/ecp") && (r.Method == http.MethodGet || r.Method == http.MethodHead) {
		to := &url.URL{Path: "/ecp" + p[4:], RawQuery: r.URL.RawQuery}
		if len(p) == 4 {
			to.Path = Prefix
		}
		http.Redirect(w, r, to.String(), http.StatusMovedPermanently)
		return
	}
	rest := strings.ToLower(strings.TrimSuffix(r.URL.Path[4:], "/"))
	if rest == "/signin" {
		h.serveSignIn(w, r)
		return
	}
	sess, id := h.session(r)
	if sess == nil {
		if r.Method == http.MethodPost {
			h.page(w, r, http.StatusForbidden, "error", pageData{Title: "Sign-in required", Message: "Your session has ended or you are not signed in. Sign in to the admin center, then try again."})
			return
		}
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			h.methodNotAllowed(w, r, sess)
			return
		}
		http.Redirect(w, r, Prefix+"signin?return="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
		return
	}
	if r.Method == http.MethodPost {
		r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
		if err := r.ParseForm(); err != nil {
			h.page(w, r, http.StatusBadRequest, "error", pageData{Session: sess, Title: "Bad request", Message: "The form couldn't be read."})
			return
		}
		if !h.checkCSRF(sess, r.PostForm.Get("csrf")) {
			h.page(w, r, http.StatusForbidden, "error", pageData{Session: sess, Title: "Form expired", Message: "The form has expired or didn't come from this admin center (its security token is missing or stale). Reload the page and try again."})
			return
		}
	}
	switch {
	case rest == "" || rest == "/devices":
		h.onlyGet(w, r, sess, h.serveDevices)
	case rest == "/signout":
		if r.Method != http.MethodPost {
			h.methodNotAllowed(w, r, sess)
			return
		}
		h.mu.Lock()
		delete(h.sessions, id)
		h.mu.Unlock()
		http.SetCookie(w, &http.Cookie{Name: cookieName, Value: "", Path: Prefix, MaxAge: -1, HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: r.TLS != nil})
		http.Redirect(w, r, Prefix+"signin", http.StatusSeeOther)
	case rest == "/devices/action":
		if r.Method != http.MethodPost {
			h.methodNotAllowed(w, r, sess)
			return
		}
		h.serveAction(w, r, sess)
	case strings.HasPrefix(rest, "/devices/"):
		h.onlyGet(w, r, sess, h.serveDevice)
	case rest == "/events":
		h.onlyGet(w, r, sess, func(w http.ResponseWriter, r *http.Request, _ *session) { h.serveEvents(w, r) })
	case rest == "/live.js":
		h.onlyGet(w, r, sess, func(w http.ResponseWriter, r *http.Request, _ *session) { h.serveLiveJS(w, r) })
	case rest == "/mailboxes":
		h.onlyGet(w, r, sess, h.serveMailboxes)
	case strings.HasPrefix(rest, "/mailboxes/"):
		h.onlyGet(w, r, sess, h.serveMailbox)
	case rest == "/organization":
		h.onlyGet(w, r, sess, h.serveOrganization)
	case strings.HasPrefix(rest, "/organization/"):
		form, ok := isOrgForm(rest)
		switch {
		case !ok:
			h.notFound(w, r, sess)
		case r.Method != http.MethodPost:
			h.methodNotAllowed(w, r, sess)
		default:
			h.serveOrgPost(w, r, sess, form)
		}
	case rest == "/usersgroups/editmobilemailbox.aspx":
		h.onlyGet(w, r, sess, h.serveMailboxDevices)
	default:
		h.notFound(w, r, sess)
	}
}

func (h *Handler) onlyGet(w http.ResponseWriter, r *http.Request, sess *session, f func(http.ResponseWriter, *http.Request, *session)) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		h.methodNotAllowed(w, r, sess)
		return
	}
	f(w, r, sess)
}

func (h *Handler) methodNotAllowed(w http.ResponseWriter, r *http.Request, sess *session) {
	h.page(w, r, http.StatusMethodNotAllowed, "error", pageData{Session: sess, Title: "Method not allowed", Message: "The method " + r.Method + " isn't allowed here."})
}

func (h *Handler) notFound(w http.ResponseWriter, r *http.Request, sess *session) {
	h.page(w, r, http.StatusNotFound, "error", pageData{Session: sess, Title: "Page not found", Message: "There is no admin center page at " + r.URL.Path + "."})
}

// session returns the request's live session and its id, or nil. A live
// session's idle time starts again.
func (h *Handler) session(r *http.Request) (*session, string) {
	c, err := r.Cookie(cookieName)
	if err != nil || c.Value == "" {
		return nil, ""
	}
	now := h.b.Now()
	h.mu.Lock()
	defer h.mu.Unlock()
	s := h.sessions[c.Value]
	if s == nil {
		return nil, ""
	}
	if !now.Before(s.expires) {
		delete(h.sessions, c.Value)
		return nil, ""
	}
	s.expires = now.Add(SessionIdle)
	return s, c.Value
}

// newSession starts a session for account and sets its cookie.
func (h *Handler) newSession(w http.ResponseWriter, r *http.Request, account string) {
	id, csrf := randomToken(), randomToken()
	now := h.b.Now()
	h.mu.Lock()
	for k, s := range h.sessions {
		if !now.Before(s.expires) {
			delete(h.sessions, k)
		}
	}
	for len(h.sessions) >= maxSessions {
		var oldest string
		for k, s := range h.sessions {
			if oldest == "" || s.expires.Before(h.sessions[oldest].expires) {
				oldest = k
			}
		}
		delete(h.sessions, oldest)
	}
	h.sessions[id] = &session{account: account, csrf: csrf, expires: now.Add(SessionIdle)}
	h.mu.Unlock()
	http.SetCookie(w, &http.Cookie{Name: cookieName, Value: id, Path: Prefix, HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: r.TLS != nil})
}

// checkCSRF compares a form's token with the session's in constant time.
func (h *Handler) checkCSRF(s *session, token string) bool {
	h.mu.Lock()
	want := s.csrf
	h.mu.Unlock()
	return token != "" && subtle.ConstantTimeCompare([]byte(token), []byte(want)) == 1
}

// setFlash leaves a message for the session's next page.
func (h *Handler) setFlash(s *session, f flash) {
	h.mu.Lock()
	s.flash = &f
	h.mu.Unlock()
}

// takeFlash returns and clears the session's message.
func (h *Handler) takeFlash(s *session) *flash {
	h.mu.Lock()
	defer h.mu.Unlock()
	f := s.flash
	s.flash = nil
	return f
}

func randomToken() string {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic("ecp: no randomness for a session: " + err.Error())
	}
	return hex.EncodeToString(b[:])
}

// safeReturn is where to go after signing in: a path of the admin center
// only, never another site.
func safeReturn(s string) string {
	if !IsPath(s) || strings.HasPrefix(s, "//") || strings.ContainsAny(s, "\\\r\n") {
		return Prefix
	}
	if u, err := url.Parse(s); err != nil || u.Host != "" || u.Scheme != "" {
		return Prefix
	}
	return s
}

// serveSignIn shows the sign-in form (GET) or signs in (POST).
func (h *Handler) serveSignIn(w http.ResponseWriter, r *http.Request) {
	switch r.Method {
	case http.MethodGet, http.MethodHead:
		h.page(w, r, http.StatusOK, "signin", pageData{Title: "Sign in", Return: safeReturn(r.URL.Query().Get("return"))})
		return
	case http.MethodPost:
	default:
		h.methodNotAllowed(w, r, nil)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	if err := r.ParseForm(); err != nil {
		h.page(w, r, http.StatusBadRequest, "error", pageData{Title: "Bad request", Message: "The form couldn't be read."})
		return
	}
	// No session yet, so no form token: a cross-site sign-in is refused by
	// its Origin instead.
	if o := r.Header.Get("Origin"); o != "" {
		if u, err := url.Parse(o); err != nil || !strings.EqualFold(u.Host, r.Host) {
			h.page(w, r, http.StatusForbidden, "error", pageData{Title: "Form expired", Message: "The sign-in form didn't come from this admin center."})
			return
		}
	}
	f := r.PostForm
	ret := safeReturn(f.Get("return"))
	data := pageData{Title: "Sign in", Return: ret, User: f.Get("username")}
	if token := f.Get("token"); token != "" {
		if !h.b.CheckToken(token) {
			data.Message = "The admin API token isn't correct."
			h.log.Info("ecp sign-in refused", "remote", r.RemoteAddr, "with", "token")
			h.page(w, r, http.StatusUnauthorized, "signin", data)
			return
		}
		h.newSession(w, r, "admin API token")
		h.log.Info("ecp sign-in", "remote", r.RemoteAddr, "with", "token")
		http.Redirect(w, r, ret, http.StatusSeeOther)
		return
	}
	account, groups, ok := h.b.SignIn(f.Get("username"), f.Get("password"))
	if !ok {
		data.Message = "The user name or password you entered isn't correct. Try entering it again."
		h.log.Info("ecp sign-in refused", "remote", r.RemoteAddr, "user", f.Get("username"))
		h.page(w, r, http.StatusUnauthorized, "signin", data)
		return
	}
	if len(groups) == 0 {
		data.Message = "You don't have permission to open this page. " + account + " isn't a member of an Exchange role group."
		h.log.Info("ecp sign-in refused: no role group", "remote", r.RemoteAddr, "user", account)
		h.page(w, r, http.StatusForbidden, "signin", data)
		return
	}
	h.newSession(w, r, account)
	h.log.Info("ecp sign-in", "remote", r.RemoteAddr, "user", account)
	http.Redirect(w, r, ret, http.StatusSeeOther)
}
