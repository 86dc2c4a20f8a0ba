package simulator

import (
	"net/http"

	"github.com/easlab/easlab/simulator/admin"

	"github.com/easlab/easlab/simulator/store"
)

// serveState answers GET /api/state with the whole state of the running
// server as a state file (store.WriteFile): what `easlab state export
// --url` saves for a support case.
func (s *Server) serveState(w http.ResponseWriter, r *http.Request) {
	mem := store.NewMemory()
	defer mem.Close()
	if err := s.dir.Snapshot(mem); err != nil {
		s.log.Error("simulator: state export", "err", err)
		writeAdminError(w, &admin.Error{Status: http.StatusInternalServerError, Category: "WriteError", Message: "The state could not be read: " + err.Error()})
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Disposition", `attachment; filename="easlab-state.json"`)
	if err := store.Export(mem, w); err != nil {
		s.log.Error("simulator: state export", "err", err)
	}
}
