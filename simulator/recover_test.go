package simulator

import (
	"bytes"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestRecoverPanics proves the recovery middleware: a handler that panics
// gives the client a bare 500, and the log gets the stack.
func TestRecoverPanics(t *testing.T) {
	var logs bytes.Buffer
	s := &Server{log: slog.New(slog.NewTextHandler(&logs, nil))}
	h := s.recoverPanics(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {
		var m map[string]int
		m["boom"]++ // nil map: a real runtime panic
	}))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/Microsoft-Server-ActiveSync?Cmd=Sync", nil))
	if rec.Code != http.StatusInternalServerError || rec.Body.Len() != 0 {
		t.Fatalf("got %d %q, want a bare 500", rec.Code, rec.Body.String())
	}
	if !strings.Contains(logs.String(), "assignment to entry in nil map") || !strings.Contains(logs.String(), "recover_test.go") {
		t.Errorf("log lacks the panic and its stack:\n%s", logs.String())
	}
}
