package sandbox

import (
	"encoding/json"
	"net/http"
	"strconv"
)

// contentType is the media type the real API answers with.
const contentType = "application/json; charset=UTF-8"

// envelope is the body of every V1 answer. A nil Message or Response is
// written as JSON null, as the real API does.
type envelope struct {
	Code     int     `json:"code"`
	Message  *string `json:"message"`
	Response any     `json:"response"`
}

// writeEnvelope answers w with status and an envelope holding code, message
// ("" is written as null) and response.
func writeEnvelope(w http.ResponseWriter, status, code int, message string, response any) {
	env := envelope{Code: code, Response: response}
	if message != "" {
		env.Message = &message
	}
	body, err := json.Marshal(env)
	if err != nil {
		// Only values built by this package are marshalled, so this is a
		// programming error; answer with a fixed body rather than nothing.
		status = http.StatusInternalServerError
		body = []byte(`{"code":-1,"message":"sandbox: encoding the answer failed","response":null}`)
	}
	writeRaw(w, status, body)
}

// writeError answers w with status and an envelope carrying code -1 and
// message.
func writeError(w http.ResponseWriter, status int, message string) {
	writeEnvelope(w, status, -1, message, nil)
}

// writeRaw answers w with status and body as JSON, without inspecting body.
func writeRaw(w http.ResponseWriter, status int, body []byte) {
	h := w.Header()
	h.Set("Content-Type", contentType)
	h.Set("Content-Length", strconv.Itoa(len(body)))
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// writeJSON answers w with status and v encoded as plain JSON (no envelope);
// the control endpoints use it.
func writeJSON(w http.ResponseWriter, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		writeError(w, http.StatusInternalServerError, "sandbox: encoding the answer failed")
		return
	}
	writeRaw(w, status, body)
}
