package harness

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"time"

	. "github.com/onsi/ginkgo/v2"
)

// The mock MFA push provider. Its contract (stable; products under test
// speak it):
//
//	POST /v1/push            {"user": "<UPN, SMTP address or display name>",
//	                          "displayName": "...",
//	                          "device": {"id", "type", "model", "os", "userAgent", "friendlyName"}}
//	  201 {"pushId": "..."}
//	  400 a body that is not that JSON, or no user or device id
//	  404 {"error": "unknown user"}: nobody is known by that name
//	  409 {"error": "ambiguous user"}: a display name several people share
//	  503 the provider is down (MFAProvider.SetDown)
//	GET  /v1/push/{pushId}[?wait=<seconds>]
//	  200 {"status": "pending" | "approved" | "denied" | "expired"}; with
//	      wait, the answer comes as soon as the status is not pending, or
//	      after that many seconds (at most 60)
//	  404 an unknown pushId
//
// The person a push reaches is looked up by UPN or SMTP address (ignoring
// case), else by display name when exactly one person has it. The spec
// decides each push (Approve, Deny, Expire, or OnPush for a rule), and
// reads every push back (Pushes), so it can assert one push per device.
//
// The test-control side (not part of the products' contract; what an MFA
// adapter fronting this mock uses, as examples/mfaadapter does):
//
//	GET  /_internal/pushes
//	  200 {"pushes": [Push, ...]}: every push, oldest first, as Push
//	      marshals it (pushId, user, person, displayName, device,
//	      created, status, decided, polls)
//	POST /_internal/push/{pushId}/decision   {"status": "approved" | "denied" | "expired"}
//	  200 {"status": "..."}; 404 an unknown pushId; 409 a push already
//	      decided; 400 another status
//	PUT  /_internal/down   {"down": true | false}
//	  204: as SetDown
//
// With Config.MFAAdapter the provider the specs see is the vendor's cloud
// behind its adapter (adapter.go): Pushes, Approve, Deny, Expire, OnPush
// and SetDown go through the adapter, and this mock only serves
// EASLAB_MFA_URL (which a reference adapter may front).

// Push states.
const (
	PushPending  = "pending"
	PushApproved = "approved"
	PushDenied   = "denied"
	PushExpired  = "expired"
)

// PushDevice is the device a push asks about, as the product sent it.
type PushDevice struct {
	ID           string `json:"id"`
	Type         string `json:"type"`
	Model        string `json:"model"`
	OS           string `json:"os"`
	UserAgent    string `json:"userAgent"`
	FriendlyName string `json:"friendlyName"`
}

// Push is one push notification a product sent.
type Push struct {
	ID          string     `json:"pushId"`
	User        string     `json:"user"`        // as sent
	Person      string     `json:"person"`      // the UPN it reached
	DisplayName string     `json:"displayName"` // as sent
	Device      PushDevice `json:"device"`
	Created     time.Time  `json:"created"`
	Status      string     `json:"status"`
	Decided     time.Time  `json:"decided,omitzero"` // when the status left pending
	Polls       int        `json:"polls"`            // GETs of its status
}

// Person is someone the MFA provider can push to.
type Person struct {
	UPN, SMTP, DisplayName string
}

// Decision is how the user answers a push: Action after Delay (real
// time). The zero Decision leaves the push pending until the spec decides.
type Decision struct {
	Action string // PushApproved, PushDenied, PushExpired, or "" (no answer)
	Delay  time.Duration
}

// MFAProvider is the mock push provider, an HTTP server on loopback.
type MFAProvider struct {
	srv *httptest.Server

	mu       sync.Mutex
	people   []Person
	pushes   []*Push
	byID     map[string]*Push
	decide   func(Push) Decision
	down     bool
	changed  chan struct{}
	refused  int // pushes refused (unknown, ambiguous, down)
	refusals []Refusal

	adapter *adapterBackend // nil: the specs see this mock
}

// Refusal is a push the provider turned away: the evidence a vendor needs
// when its product names the user wrongly or sends a bad body.
type Refusal struct {
	Time   time.Time
	Status int    // 400, 404, 409 or 503
	Error  string // the provider's answer
	Body   string // what the product sent (at most 1 KiB)
}

// Refusals returns every push the provider turned away, oldest first.
func (m *MFAProvider) Refusals() []Refusal {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]Refusal(nil), m.refusals...)
}

// refuse records a refusal, releases m.mu (held by the caller) and answers.
func (m *MFAProvider) refuse(w http.ResponseWriter, status int, msg string, body []byte) {
	if len(body) > 1024 {
		body = append(body[:1024:1024], "..."...)
	}
	m.refusals = append(m.refusals, Refusal{Time: time.Now(), Status: status, Error: msg, Body: string(body)})
	m.mu.Unlock()
	writeJSONError(w, status, msg)
}

// NewMFAProvider starts a provider that knows people, on a free loopback
// port.
func NewMFAProvider(people []Person) *MFAProvider {
	m, _ := NewMFAProviderAt("", people)
	return m
}

// NewMFAProviderAt starts a provider listening on addr ("host:port"; ""
// for a free loopback port): a product that runs before the specs (a
// gateway appliance, --gateway-url) is configured once with that address.
func NewMFAProviderAt(addr string, people []Person) (*MFAProvider, error) {
	m := &MFAProvider{people: people, byID: map[string]*Push{}, changed: make(chan struct{})}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v1/push", m.servePush)
	mux.HandleFunc("GET /v1/push/{id}", m.serveStatus)
	mux.HandleFunc("GET /_internal/pushes", m.serveList)
	mux.HandleFunc("POST /_internal/push/{id}/decision", m.serveDecision)
	mux.HandleFunc("PUT /_internal/down", m.serveDown)
	if addr == "" {
		m.srv = httptest.NewServer(mux)
		return m, nil
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("harness: the MFA provider cannot listen on %s: %w", addr, err)
	}
	m.srv = httptest.NewUnstartedServer(mux)
	m.srv.Listener.Close()
	m.srv.Listener = ln
	m.srv.Start()
	return m, nil
}

// URL is the provider's base URL (EASLAB_MFA_URL).
func (m *MFAProvider) URL() string { return m.srv.URL }

// Close stops the provider (and its adapter).
func (m *MFAProvider) Close() {
	if m.adapter != nil {
		m.adapter.close()
	}
	m.srv.Close()
}

// SetDown makes the provider answer 503 to everything (true) or serve
// again (false). Through an adapter, the adapter's setDown; a spec whose
// adapter cannot is skipped.
func (m *MFAProvider) SetDown(down bool) {
	if m.adapter != nil {
		GinkgoHelper()
		m.adapter.setDown(down)
		return
	}
	m.setDown(down)
}

func (m *MFAProvider) setDown(down bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.down = down
}

// OnPush sets how the user answers every new push. Through an adapter,
// the harness watches for new pushes (every 100 ms) and decides them.
func (m *MFAProvider) OnPush(f func(Push) Decision) {
	if m.adapter != nil {
		GinkgoHelper()
		m.adapter.onPush(f)
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.decide = f
}

// Approve, Deny and Expire decide a pending push now.
func (m *MFAProvider) Approve(id string) error { return m.set(id, PushApproved) }

// Deny refuses a pending push.
func (m *MFAProvider) Deny(id string) error { return m.set(id, PushDenied) }

// Expire lets a pending push time out.
func (m *MFAProvider) Expire(id string) error { return m.set(id, PushExpired) }

func (m *MFAProvider) set(id, status string) error {
	if m.adapter != nil {
		GinkgoHelper()
		return m.adapter.decide(id, status)
	}
	return m.setLocal(id, status)
}

func (m *MFAProvider) setLocal(id, status string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	p := m.byID[id]
	if p == nil {
		return fmt.Errorf("mfa: no push %q", id)
	}
	if p.Status != PushPending {
		return fmt.Errorf("mfa: push %s is already %s", id, p.Status)
	}
	p.Status, p.Decided = status, time.Now()
	close(m.changed)
	m.changed = make(chan struct{})
	return nil
}

// Pushes returns every push received so far, oldest first. Through an
// adapter, every push the vendor's cloud reports; an adapter that fails
// fails the spec.
func (m *MFAProvider) Pushes() []Push {
	if m.adapter != nil {
		GinkgoHelper()
		return m.adapter.list()
	}
	return m.mockPushes()
}

func (m *MFAProvider) mockPushes() []Push {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]Push, len(m.pushes))
	for i, p := range m.pushes {
		out[i] = *p
	}
	return out
}

// PushesFor returns the pushes about one device.
func (m *MFAProvider) PushesFor(deviceID string) []Push {
	GinkgoHelper()
	var out []Push
	for _, p := range m.Pushes() {
		if strings.EqualFold(p.Device.ID, deviceID) {
			out = append(out, p)
		}
	}
	return out
}

// Refused is how many pushes the provider turned away (unknown or
// ambiguous user, or down); through an adapter, only the mock's count.
func (m *MFAProvider) Refused() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.refused
}

// resolve finds the person a push names.
func (m *MFAProvider) resolve(name string) (Person, int) {
	for _, p := range m.people {
		if strings.EqualFold(p.UPN, name) || strings.EqualFold(p.SMTP, name) {
			return p, 1
		}
	}
	var found Person
	n := 0
	for _, p := range m.people {
		if p.DisplayName != "" && p.DisplayName == name {
			found, n = p, n+1
		}
	}
	return found, n
}

type pushRequest struct {
	User        string     `json:"user"`
	DisplayName string     `json:"displayName"`
	Device      PushDevice `json:"device"`
}

func (m *MFAProvider) servePush(w http.ResponseWriter, r *http.Request) {
	var req pushRequest
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err == nil {
		err = json.Unmarshal(body, &req)
	}
	if err == nil && (req.User == "" || req.Device.ID == "") {
		err = errors.New("user and device.id are required")
	}
	m.mu.Lock()
	if m.down {
		m.refused++
		m.refuse(w, http.StatusServiceUnavailable, "the MFA service is unavailable", body)
		return
	}
	if err != nil {
		m.refuse(w, http.StatusBadRequest, err.Error(), body)
		return
	}
	person, n := m.resolve(req.User)
	if n != 1 {
		m.refused++
		if n == 0 {
			m.refuse(w, http.StatusNotFound, "unknown user", body)
		} else {
			m.refuse(w, http.StatusConflict, "ambiguous user", body)
		}
		return
	}
	p := &Push{ID: newPushID(), User: req.User, Person: person.UPN, DisplayName: req.DisplayName, Device: req.Device, Created: time.Now(), Status: PushPending}
	m.pushes = append(m.pushes, p)
	m.byID[p.ID] = p
	decide := m.decide
	m.mu.Unlock()
	if decide != nil {
		if d := decide(*p); d.Action != "" {
			id := p.ID
			time.AfterFunc(d.Delay, func() { m.setLocal(id, d.Action) })
		}
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusCreated)
	json.NewEncoder(w).Encode(map[string]string{"pushId": p.ID})
}

func (m *MFAProvider) serveStatus(w http.ResponseWriter, r *http.Request) {
	wait := 0
	if v := r.URL.Query().Get("wait"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			writeJSONError(w, http.StatusBadRequest, "wait must be a number of seconds")
			return
		}
		wait = min(n, 60)
	}
	deadline := time.NewTimer(time.Duration(wait) * time.Second)
	defer deadline.Stop()
	first := true
	for {
		m.mu.Lock()
		if m.down {
			m.mu.Unlock()
			writeJSONError(w, http.StatusServiceUnavailable, "the MFA service is unavailable")
			return
		}
		p := m.byID[r.PathValue("id")]
		if p == nil {
			m.mu.Unlock()
			writeJSONError(w, http.StatusNotFound, "unknown push")
			return
		}
		if first {
			p.Polls++
			first = false
		}
		status, changed := p.Status, m.changed
		m.mu.Unlock()
		if status != PushPending || wait == 0 {
			w.Header().Set("Content-Type", "application/json")
			json.NewEncoder(w).Encode(map[string]string{"status": status})
			return
		}
		select {
		case <-changed:
		case <-deadline.C:
			wait = 0
		case <-r.Context().Done():
			return
		}
	}
}

// serveList is the test-control list of every push.
func (m *MFAProvider) serveList(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string][]Push{"pushes": m.mockPushes()})
}

// serveDecision is the test-control answer to a push.
func (m *MFAProvider) serveDecision(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Status string `json:"status"`
	}
	if err := json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(&req); err != nil || (req.Status != PushApproved && req.Status != PushDenied && req.Status != PushExpired) {
		writeJSONError(w, http.StatusBadRequest, `status must be "approved", "denied" or "expired"`)
		return
	}
	id := r.PathValue("id")
	m.mu.Lock()
	p := m.byID[id]
	m.mu.Unlock()
	if p == nil {
		writeJSONError(w, http.StatusNotFound, "unknown push")
		return
	}
	if err := m.setLocal(id, req.Status); err != nil {
		writeJSONError(w, http.StatusConflict, err.Error())
		return
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]string{"status": req.Status})
}

// serveDown is the test-control SetDown.
func (m *MFAProvider) serveDown(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Down *bool `json:"down"`
	}
	if err := json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(&req); err != nil || req.Down == nil {
		writeJSONError(w, http.StatusBadRequest, `want {"down": true | false}`)
		return
	}
	m.setDown(*req.Down)
	w.WriteHeader(http.StatusNoContent)
}

func writeJSONError(w http.ResponseWriter, code int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(map[string]string{"error": msg})
}

func newPushID() string {
	var b [8]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
