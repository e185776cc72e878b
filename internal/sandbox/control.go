package sandbox

import (
	"encoding/json"
	"net/http"
)

// serveFaults answers /__sandbox/faults: GET returns the active fault (or
// null), POST sets one from a JSON Fault body, DELETE clears it.
func (s *Server) serveFaults(w http.ResponseWriter, r *http.Request) {
	switch r.Method {
	case http.MethodGet:
		f, ok := s.ActiveFault()
		if !ok {
			writeJSON(w, http.StatusOK, nil)
			return
		}
		writeJSON(w, http.StatusOK, f)
	case http.MethodPost:
		var f Fault
		dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxBodyBytes))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&f); err != nil {
			writeError(w, http.StatusBadRequest, "decoding sandbox fault: "+err.Error())
			return
		}
		if err := s.SetFault(f); err != nil {
			writeError(w, http.StatusBadRequest, err.Error())
			return
		}
		f, _ = s.ActiveFault()
		writeJSON(w, http.StatusOK, f)
	case http.MethodDelete:
		s.ClearFaults()
		w.WriteHeader(http.StatusNoContent)
	}
}
