package caddymodule

import (
	"errors"
	"strings"
)

// checkPlaceholders checks what can be checked about the placeholders in a
// value without resolving them: every '{' (other than an escaped "\{")
// closes, and every placeholder is one Caddy knows when a config is
// provisioned: {env.NAME}, {file.PATH}, {system.*} or {time.*}, with a
// non-empty NAME or PATH. Request placeholders such as {http.request.*} do
// not exist then. Whether {env.NAME} is set, or {file.PATH} readable, is
// only known when the config is provisioned, on the machine that runs it:
// resolveSecret checks that. UnmarshalCaddyfile calls it to point at the
// line; Provision calls it for configs written in JSON.
//
// Its errors never repeat the value, which may be a literal secret.
func checkPlaceholders(value string) error {
	for i := 0; i < len(value); i++ {
		if value[i] == '\\' && i+1 < len(value) && (value[i+1] == '{' || value[i+1] == '}') {
			i++
			continue
		}
		if value[i] != '{' {
			continue
		}
		end := strings.IndexByte(value[i:], '}')
		if end < 0 {
			return errors.New(`unclosed placeholder: a '{' without '}' (write \{ for a literal brace)`)
		}
		key := value[i+1 : i+end]
		switch {
		case key == "env." || key == "file.":
			return errors.New("a placeholder {env.} or {file.} names no variable or file")
		case strings.HasPrefix(key, "env."), strings.HasPrefix(key, "file."),
			strings.HasPrefix(key, "system."), strings.HasPrefix(key, "time."):
		default:
			return errors.New("unknown placeholder: only {env.NAME}, {file.PATH}, {system.*} and {time.*} are known when the config loads")
		}
		i += end
	}
	return nil
}
