package negotiate

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Lookup returns the password of a user; ok is false for an unknown user.
// domain and user are as the client sent them in the AUTHENTICATE_MESSAGE:
// "CONTOSO\alice" arrives as ("CONTOSO", "alice") (python3-winrm upper-cases
// the domain), a bare "alice" as ("", "alice") or with the client's own
// choice of domain, and a UPN as ("", "alice@contoso.com").
type Lookup func(domain, user string) (password string, ok bool)

// DefaultMaxEncryptedBody is the default limit on a request body on an
// authenticated connection: IIS's request filtering default
// maxAllowedContentLength (30000000 bytes).
const DefaultMaxEncryptedBody = 30000000

// Handler authenticates requests carrying "Authorization: Negotiate ..." or
// "Authorization: NTLM ..." (NTLMv2 only, raw or inside SPNEGO) and, once
// the connection is authenticated, decrypts multipart/encrypted request
// bodies (MS-WSMV 2.2.9.1.1) and encrypts the responses to them. It calls
// Next with the authenticated user (see User) and the plain body. Requests
// with no Authorization header on a connection that is not authenticated,
// and requests with another scheme (Basic), go to Fallback unchanged; when
// Fallback is nil they get 401 with the WWW-Authenticate headers of
// AddChallenge.
//
// The http.Server must have ConnContext installed: NTLM authenticates a
// connection, not a request.
type Handler struct {
	// Next serves authenticated requests.
	Next http.Handler
	// Fallback serves requests without Negotiate or NTLM authorization on
	// connections that are not authenticated; nil means 401.
	Fallback http.Handler
	// Lookup finds a user's password.
	Lookup Lookup
	// NetBIOSDomain, DNSDomain and ComputerName go into the CHALLENGE's
	// target name and target info (MS-NLMP 2.2.1.2); empty fields default
	// to "EASLAB", "easlab.test" and "EXCH01".
	NetBIOSDomain, DNSDomain, ComputerName string
	// Schemes are the WWW-Authenticate schemes offered on a 401; nil means
	// "Negotiate" then "NTLM", as IIS's Windows Authentication does with its
	// default providers. (requests_ntlm picks NTLM when both are offered.)
	Schemes []string
	// MaxEncryptedBody bounds a request body read on an authenticated
	// connection; zero means DefaultMaxEncryptedBody. A longer body gets
	// 413 Request Entity Too Large (RFC 9110 15.5.14; IIS's own request
	// filtering would say 404.13, which clients report less clearly).
	MaxEncryptedBody int64
	// Logger receives handshake and decryption failures; nil discards.
	Logger *slog.Logger
	// Result, when set, learns the outcome of each AUTHENTICATE whose
	// user Lookup knows (ok false: a wrong password or a refused
	// response), so that the caller can keep an account lockout policy
	// as Active Directory counts failed NTLM logons.
	Result func(domain, user string, ok bool)
}

// connKey is the context key of the per-connection state.
type connKey struct{}

// userKey is the context key of the authenticated identity.
type userKey struct{}

type identity struct{ domain, user string }

// Phases of a connection's handshake.
const (
	phaseNone = iota
	phaseChallenged
	phaseAuthenticated
)

// connState is one TCP connection's NTLM state.
type connState struct {
	mu              sync.Mutex
	phase           int
	spnego          bool   // the handshake is wrapped in SPNEGO
	mechTypes       []byte // SPNEGO MechTypeList as sent, for the mechListMIC
	ntlmFirst       bool   // NTLM was the client's preferred mechanism
	negotiate       []byte // raw NEGOTIATE_MESSAGE, for the MIC
	challenge       []byte // raw CHALLENGE_MESSAGE
	serverChallenge [8]byte
	sess            *session
	id              identity
}

// resetLocked forgets the handshake and session; st.mu is held and kept.
func (st *connState) resetLocked() {
	st.phase, st.spnego, st.mechTypes, st.ntlmFirst = phaseNone, false, nil, false
	st.negotiate, st.challenge, st.serverChallenge = nil, nil, [8]byte{}
	st.sess, st.id = nil, identity{}
}

// ConnContext is to be installed as http.Server.ConnContext; it gives each
// TCP connection a place for its NTLM state.
func ConnContext(ctx context.Context, _ net.Conn) context.Context {
	return context.WithValue(ctx, connKey{}, &connState{})
}

// User returns the user authenticated on the request's connection, with
// the domain as the client sent it.
func User(ctx context.Context) (domain, user string, ok bool) {
	id, ok := ctx.Value(userKey{}).(identity)
	return id.domain, id.user, ok
}

// AddChallenge adds the WWW-Authenticate headers this handler offers (see
// Handler.Schemes), for a Fallback that wants to offer Negotiate and NTLM
// beside its own scheme.
func (h *Handler) AddChallenge(hdr http.Header) {
	schemes := h.Schemes
	if schemes == nil {
		schemes = []string{"Negotiate", "NTLM"}
	}
	for _, s := range schemes {
		hdr.Add("WWW-Authenticate", s)
	}
}

func (h *Handler) log() *slog.Logger {
	if h.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return h.Logger
}

func (h *Handler) maxBody() int64 {
	if h.MaxEncryptedBody > 0 {
		return h.MaxEncryptedBody
	}
	return DefaultMaxEncryptedBody
}

func (h *Handler) info() serverInfo {
	i := serverInfo{h.NetBIOSDomain, h.DNSDomain, h.ComputerName}
	if i.NetBIOSDomain == "" {
		i.NetBIOSDomain = "EASLAB"
	}
	if i.DNSDomain == "" {
		i.DNSDomain = "easlab.test"
	}
	if i.ComputerName == "" {
		i.ComputerName = "EXCH01"
	}
	return i
}

// unauthorized answers 401 with the offered schemes.
func (h *Handler) unauthorized(w http.ResponseWriter) {
	h.AddChallenge(w.Header())
	w.Header().Set("Content-Length", "0")
	w.WriteHeader(http.StatusUnauthorized)
}

// drain discards a request body up to the limit, so the connection can be
// reused for the next handshake leg (clients that send the body with each
// leg); a longer body closes the connection.
func (h *Handler) drain(w http.ResponseWriter, r *http.Request) {
	n, _ := io.Copy(io.Discard, io.LimitReader(r.Body, h.maxBody()+1))
	if n > h.maxBody() {
		w.Header().Set("Connection", "close")
	}
}

// splitAuthorization returns the scheme and token of a Negotiate or NTLM
// Authorization header.
func splitAuthorization(v string) (scheme, token string, ok bool) {
	scheme, token, _ = strings.Cut(strings.TrimSpace(v), " ")
	if !strings.EqualFold(scheme, "Negotiate") && !strings.EqualFold(scheme, "NTLM") {
		return "", "", false
	}
	return scheme, strings.TrimSpace(token), true
}

// ServeHTTP implements http.Handler.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	st, _ := r.Context().Value(connKey{}).(*connState)
	authz := r.Header.Get("Authorization")
	scheme, token, ours := splitAuthorization(authz)
	if !ours {
		if st != nil && authz == "" {
			st.mu.Lock()
			authed := st.phase == phaseAuthenticated
			st.mu.Unlock()
			if authed {
				h.serveAuthenticated(w, r, st, false)
				return
			}
		}
		if h.Fallback != nil {
			h.Fallback.ServeHTTP(w, r)
			return
		}
		h.drain(w, r)
		h.unauthorized(w)
		return
	}
	if st == nil {
		h.log().Error("negotiate: http.Server.ConnContext is not negotiate.ConnContext")
		http.Error(w, "server misconfigured", http.StatusInternalServerError)
		return
	}
	if base64.StdEncoding.DecodedLen(len(token)) > maxTokenSize {
		h.badRequest(w, r, st, "token too large")
		return
	}
	raw, err := base64.StdEncoding.DecodeString(token)
	if err != nil || len(raw) == 0 {
		h.badRequest(w, r, st, "token is not base64")
		return
	}
	var sp *spnegoToken
	msg := raw
	if !bytes.HasPrefix(raw, ntlmSignature) {
		if sp, err = parseSPNEGO(raw); err != nil {
			h.badRequest(w, r, st, "token is neither NTLM nor SPNEGO")
			return
		}
		msg = sp.MechToken
	}

	st.mu.Lock()
	if sp != nil && sp.Init {
		// A new SPNEGO exchange restarts the connection's state.
		st.resetLocked()
		if !sp.HasNTLM {
			st.mu.Unlock()
			h.log().Info("negotiate: SPNEGO without NTLM (Kerberos only?) refused")
			h.drain(w, r)
			h.challengeReply(w, scheme, buildNegTokenResp(negReject, false, nil, nil))
			return
		}
		st.spnego, st.mechTypes, st.ntlmFirst = true, append([]byte{}, sp.MechTypes...), sp.NTLMFirst
		if !bytes.HasPrefix(msg, ntlmSignature) {
			// The optimistic token is for another mechanism: select NTLM
			// and wait for its NEGOTIATE (RFC 4178 4.2.2).
			st.mu.Unlock()
			h.drain(w, r)
			h.challengeReply(w, scheme, buildNegTokenResp(negAcceptIncomplete, true, nil, nil))
			return
		}
	} else if sp != nil && !st.spnego {
		st.mu.Unlock()
		h.badRequest(w, r, st, "SPNEGO NegTokenResp without a NegTokenInit")
		return
	}
	t, err := messageType(msg)
	if err != nil {
		st.mu.Unlock()
		h.badRequest(w, r, st, "not an NTLM message")
		return
	}
	switch t {
	case ntlmNegotiate:
		h.handleNegotiate(w, r, st, scheme, sp, msg)
	case ntlmAuthenticate:
		h.handleAuthenticate(w, r, st, scheme, sp, msg)
	default:
		st.mu.Unlock()
		h.badRequest(w, r, st, "unexpected NTLM message type")
	}
}

// badRequest answers 400 and forgets the connection's state.
func (h *Handler) badRequest(w http.ResponseWriter, r *http.Request, st *connState, why string) {
	h.log().Info("negotiate: bad request", "why", why, "remote", r.RemoteAddr)
	if st != nil {
		st.mu.Lock()
		st.resetLocked()
		st.mu.Unlock()
	}
	h.drain(w, r)
	w.Header().Set("Connection", "close")
	http.Error(w, "Bad Request", http.StatusBadRequest)
}

// challengeReply answers 401 with one WWW-Authenticate token.
func (h *Handler) challengeReply(w http.ResponseWriter, scheme string, token []byte) {
	w.Header().Set("WWW-Authenticate", scheme+" "+base64.StdEncoding.EncodeToString(token))
	w.Header().Set("Content-Length", "0")
	w.WriteHeader(http.StatusUnauthorized)
}

// handleNegotiate answers a NEGOTIATE_MESSAGE with a CHALLENGE. st.mu is
// held on entry and released here.
func (h *Handler) handleNegotiate(w http.ResponseWriter, r *http.Request, st *connState, scheme string, sp *spnegoToken, msg []byte) {
	neg, err := parseNegotiate(msg)
	if err != nil {
		st.mu.Unlock()
		h.badRequest(w, r, st, "malformed NEGOTIATE")
		return
	}
	spnego, mechTypes, ntlmFirst := st.spnego && sp != nil, st.mechTypes, st.ntlmFirst
	st.resetLocked()
	st.spnego, st.mechTypes, st.ntlmFirst = spnego, mechTypes, ntlmFirst
	if _, err := rand.Read(st.serverChallenge[:]); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	// MS-NLMP 2.2.2.1 MsvAvTimestamp is a FILETIME: 100 ns since 1601.
	ft := uint64(time.Now().UnixNano()/100) + 116444736000000000
	chal, _ := buildChallenge(neg.Flags, st.serverChallenge, h.info(), ft)
	st.negotiate = append([]byte{}, msg...)
	st.challenge = chal
	st.phase = phaseChallenged
	st.mu.Unlock()

	h.drain(w, r)
	token := chal
	if spnego {
		token = buildNegTokenResp(negAcceptIncomplete, true, chal, nil)
	}
	h.challengeReply(w, scheme, token)
}

// handleAuthenticate verifies an AUTHENTICATE_MESSAGE and serves the
// request it came with. st.mu is held on entry and released here.
func (h *Handler) handleAuthenticate(w http.ResponseWriter, r *http.Request, st *connState, scheme string, sp *spnegoToken, msg []byte) {
	fail := func(why string, args ...any) {
		st.resetLocked()
		st.mu.Unlock()
		h.log().Info("negotiate: authentication failed", append([]any{"why", why, "remote", r.RemoteAddr}, args...)...)
		h.drain(w, r)
		h.unauthorized(w)
	}
	if st.phase != phaseChallenged || (sp != nil) != st.spnego {
		fail("AUTHENTICATE without a CHALLENGE on this connection")
		return
	}
	a, err := ParseAuthenticate(msg)
	if err != nil {
		st.resetLocked()
		st.mu.Unlock()
		h.badRequest(w, r, st, "malformed AUTHENTICATE")
		return
	}
	password, ok := "", false
	if h.Lookup != nil && a.User != "" {
		password, ok = h.Lookup(a.Domain, a.User)
	}
	if !ok {
		// Verify against a random password anyway so an unknown user takes
		// as long as a wrong password.
		password = base64.StdEncoding.EncodeToString(st.serverChallenge[:])
	}
	sess, err := verifyAuthenticate(a, msg, password, st.serverChallenge[:], st.negotiate, st.challenge)
	if ok && h.Result != nil {
		h.Result(a.Domain, a.User, err == nil)
	}
	if err != nil || !ok {
		fail("bad credentials or NTLMv1", "domain", a.Domain, "user", a.User)
		return
	}
	var final []byte
	if st.spnego {
		var serverMIC []byte
		if sp.MechListMIC != nil {
			if sess.verify(st.mechTypes, sp.MechListMIC) != nil {
				fail("bad SPNEGO mechListMIC", "user", a.User)
				return
			}
			// MS-SPNG 3.3.5.1: the RC4 state used for the mechListMIC is
			// the state of the first application message.
			sess.in.reset()
		}
		if sp.MechListMIC != nil || !st.ntlmFirst {
			serverMIC = sess.sign(st.mechTypes)
			sess.out.reset()
		}
		final = buildNegTokenResp(negAcceptCompleted, false, nil, serverMIC)
	}
	st.sess = sess
	st.id = identity{a.Domain, a.User}
	st.phase = phaseAuthenticated
	st.negotiate, st.challenge = nil, nil
	st.mu.Unlock()
	h.log().Debug("negotiate: authenticated", "domain", a.Domain, "user", a.User)

	if final != nil {
		w.Header().Set("WWW-Authenticate", scheme+" "+base64.StdEncoding.EncodeToString(final))
	}
	h.serveAuthenticated(w, r, st, true)
}

// bufferedWriter collects Next's response so it can be sealed.
type bufferedWriter struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (b *bufferedWriter) Header() http.Header { return b.header }
func (b *bufferedWriter) WriteHeader(code int) {
	if b.status == 0 {
		b.status = code
	}
}
func (b *bufferedWriter) Write(p []byte) (int, error) {
	if b.status == 0 {
		b.status = http.StatusOK
	}
	return b.body.Write(p)
}

// serveAuthenticated serves a request on an authenticated connection:
// decrypts an encrypted body, calls Next and encrypts its response.
// authLeg is true for the request that carried the AUTHENTICATE.
func (h *Handler) serveAuthenticated(w http.ResponseWriter, r *http.Request, st *connState, authLeg bool) {
	st.mu.Lock()
	id := st.id
	st.mu.Unlock()
	ctx := context.WithValue(r.Context(), userKey{}, id)

	encrypted, supported := isEncrypted(r.Header.Get("Content-Type"))
	if !encrypted {
		if authLeg && r.Method == http.MethodPost && r.ContentLength == 0 {
			// python3-winrm (transport.py setup_encryption) and WinRM clients
			// establish the context with an empty POST before sending any
			// encrypted message; WinRM answers it 200 with no body.
			w.Header().Set("Content-Length", "0")
			w.WriteHeader(http.StatusOK)
			return
		}
		h.Next.ServeHTTP(w, r.WithContext(ctx))
		return
	}
	if !supported {
		h.log().Info("negotiate: unsupported encryption protocol", "content-type", r.Header.Get("Content-Type"))
		h.drain(w, r)
		http.Error(w, "only application/HTTP-SPNEGO-session-encrypted with NTLM is supported", http.StatusUnsupportedMediaType)
		return
	}
	limit := h.maxBody()
	if r.ContentLength > limit {
		w.Header().Set("Connection", "close")
		http.Error(w, "Request Entity Too Large", http.StatusRequestEntityTooLarge)
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, limit+1))
	if err != nil {
		h.badRequest(w, r, st, "reading body: "+err.Error())
		return
	}
	if int64(len(body)) > limit {
		w.Header().Set("Connection", "close")
		http.Error(w, "Request Entity Too Large", http.StatusRequestEntityTooLarge)
		return
	}
	st.mu.Lock()
	if st.phase != phaseAuthenticated || st.sess == nil || st.sess.flags&flagSeal == 0 {
		st.mu.Unlock()
		h.badRequest(w, r, st, "encrypted body but sealing was not negotiated")
		return
	}
	plain, origType, err := decryptBody(st.sess, body)
	if err != nil {
		// The RC4 stream may have advanced: the context is unusable.
		st.resetLocked()
		st.mu.Unlock()
		h.badRequest(w, r, nil, "decrypting body: "+err.Error())
		return
	}
	st.mu.Unlock()

	r2 := r.Clone(ctx)
	r2.Body = io.NopCloser(bytes.NewReader(plain))
	r2.ContentLength = int64(len(plain))
	r2.Header.Set("Content-Type", origType)
	r2.Header.Set("Content-Length", strconv.Itoa(len(plain)))
	bw := &bufferedWriter{header: http.Header{}}
	h.Next.ServeHTTP(bw, r2)
	if bw.status == 0 {
		bw.status = http.StatusOK
	}
	for k, v := range bw.header {
		w.Header()[k] = v
	}
	if bw.body.Len() == 0 {
		w.Header().Del("Content-Type")
		w.Header().Set("Content-Length", "0")
		w.WriteHeader(bw.status)
		return
	}
	outType := bw.header.Get("Content-Type")
	if outType == "" {
		outType = defaultOrigType
	}
	st.mu.Lock()
	if st.sess == nil {
		st.mu.Unlock()
		http.Error(w, "security context lost", http.StatusInternalServerError)
		return
	}
	sealed, sig := st.sess.seal(bw.body.Bytes())
	st.mu.Unlock()
	out := buildEncrypted(strings.ReplaceAll(outType, " ", ""), bw.body.Len(), sig, sealed)
	w.Header().Set("Content-Type", encContentType)
	w.Header().Set("Content-Length", strconv.Itoa(len(out)))
	w.WriteHeader(bw.status)
	if _, err := w.Write(out); err != nil && !errors.Is(err, http.ErrHandlerTimeout) {
		h.log().Debug("negotiate: writing response", "err", err)
	}
}
