package apiclient

import (
	"errors"
	"net/url"
	"strings"
)

// ParseBaseURL checks raw (defaultURL when empty) and returns it without a
// trailing slash. It must be an http or https URL without user
// information, query or fragment; a path prefix is kept. what starts every
// error ("iamport config"); errors never repeat the URL, which could hold a
// password.
func ParseBaseURL(raw, defaultURL, what string) (string, error) {
	if raw == "" {
		raw = defaultURL
	}
	u, err := url.Parse(raw)
	if err != nil {
		return "", errors.New(what + ": base url does not parse")
	}
	switch {
	case u.Scheme != "http" && u.Scheme != "https":
		return "", errors.New(what + ": base url scheme must be http or https")
	case u.Host == "":
		return "", errors.New(what + ": base url has no host")
	case u.User != nil:
		return "", errors.New(what + ": base url must not carry user information")
	case u.RawQuery != "" || u.ForceQuery || u.Fragment != "":
		return "", errors.New(what + ": base url must not carry a query or fragment")
	}
	return strings.TrimRight(u.String(), "/"), nil
}
