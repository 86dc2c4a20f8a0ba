package simulator_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/easlab/easlab/simulator"
	"github.com/easlab/easlab/simulator/simtest"
	"github.com/easlab/easlab/simulator/store"
)

// GET /api/state answers the running server's state file (what `easlab
// state export --url` saves), behind the admin token.
func TestServeState(t *testing.T) {
	e := simtest.New(t, simulator.Options{})
	r := rawAdmin(t, e, http.MethodGet, "/api/state", e.Admin.Token, nil)
	if r.Status != http.StatusOK {
		t.Fatalf("GET /api/state: HTTP %d %s", r.Status, r.Raw)
	}
	st, err := store.ReadFile(strings.NewReader(r.Raw))
	if err != nil {
		t.Fatalf("GET /api/state is not a state file: %v", err)
	}
	if st.Org == nil || len(st.Mailboxes) == 0 {
		t.Errorf("the state has no organization or no mailboxes: %d mailboxes", len(st.Mailboxes))
	}
	if r := rawAdmin(t, e, http.MethodGet, "/api/state", "wrong", nil); r.Status != http.StatusUnauthorized {
		t.Errorf("GET /api/state with a wrong token: HTTP %d, want 401", r.Status)
	}
}
