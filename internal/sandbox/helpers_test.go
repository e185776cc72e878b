package sandbox

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/verigate/caddy-iamport/internal/clocktest"
)

// baseTime is an ordinary instant used where the date does not matter.
var baseTime = time.Date(2026, time.June, 15, 3, 0, 0, 0, time.UTC)

func newTestServer(t *testing.T, now time.Time) (*Server, *clocktest.Clock) {
	t.Helper()
	clock := clocktest.New(now)
	return New(Config{Now: clock.Now}), clock
}

// reply is a decoded answer: its status, headers, raw body and envelope
// (numbers kept as json.Number so that floats would be noticed).
type reply struct {
	status  int
	header  http.Header
	body    string
	code    json.Number
	message any
	resp    map[string]any
	respRaw json.RawMessage
}

func do(t *testing.T, s *Server, method, path, body string, header map[string]string) reply {
	t.Helper()
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	for k, v := range header {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, req)
	return decodeReply(t, rec.Result().StatusCode, rec.Result().Header, rec.Body.Bytes())
}

func decodeReply(t *testing.T, status int, header http.Header, body []byte) reply {
	t.Helper()
	r := reply{status: status, header: header, body: string(body)}
	if len(body) == 0 || !json.Valid(body) {
		return r
	}
	var env struct {
		Code     json.Number     `json:"code"`
		Message  any             `json:"message"`
		Response json.RawMessage `json:"response"`
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if err := dec.Decode(&env); err != nil {
		return r
	}
	r.code, r.message, r.respRaw = env.Code, env.Message, env.Response
	if len(env.Response) > 0 && env.Response[0] == '{' {
		dec := json.NewDecoder(bytes.NewReader(env.Response))
		dec.UseNumber()
		if err := dec.Decode(&r.resp); err != nil {
			t.Fatalf("decoding response member %s: %v", env.Response, err)
		}
	}
	return r
}

const validJSONCreds = `{"imp_key":"sandbox_key","imp_secret":"sandbox_secret"}`

var jsonHeader = map[string]string{"Content-Type": "application/json"}

// getToken asks s for a token with the default credentials and returns
// the token and its expired_at, failing the test on any other answer.
func getToken(t *testing.T, s *Server) (string, int64) {
	t.Helper()
	r := do(t, s, http.MethodPost, "/users/getToken", validJSONCreds, jsonHeader)
	if r.status != http.StatusOK || r.code != "0" {
		t.Fatalf("getToken: status %d body %s", r.status, r.body)
	}
	tok, _ := r.resp["access_token"].(string)
	exp, err := r.resp["expired_at"].(json.Number).Int64()
	if err != nil {
		t.Fatalf("getToken: expired_at %v is not an integer: %v", r.resp["expired_at"], err)
	}
	return tok, exp
}

// certify looks id up with a Bearer token.
func certify(t *testing.T, s *Server, token, id string) reply {
	t.Helper()
	return do(t, s, http.MethodGet, "/certifications/"+id, "", map[string]string{"Authorization": "Bearer " + token})
}

// wantEnvelopeError checks that r is an error envelope with status and code.
func wantEnvelopeError(t *testing.T, r reply, status int, code string) {
	t.Helper()
	if r.status != status {
		t.Errorf("status = %d, want %d (body %s)", r.status, status, r.body)
	}
	if r.code != json.Number(code) {
		t.Errorf("code = %q, want %s (body %s)", r.code, code, r.body)
	}
	if string(r.respRaw) != "null" {
		t.Errorf("response = %s, want null", r.respRaw)
	}
	if got := r.header.Get("Content-Type"); got != contentType {
		t.Errorf("Content-Type = %q, want %q", got, contentType)
	}
}
