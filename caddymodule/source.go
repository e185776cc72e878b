package caddymodule

import (
	"github.com/caddyserver/caddy/v2"

	"github.com/verigate/caddy-iamport/internal/certification"
)

// source is the verification source a handler provisioned: the client,
// the default id field, and the parts that identify its account, which
// scope the memory single-use store.
type source struct {
	src   certification.Source
	field string
	id    []string
}

// sourceNames are the words detail texts use for each source.
var sourceNames = map[string]string{
	certification.SourceIamport: "i'mport",
	certification.SourcePortOne: "PortOne",
}

// lookupConcurrency is lookup_concurrency or its default.
func (v *Verify) lookupConcurrency() int {
	if v.LookupConcurrency == 0 {
		return DefaultLookupConcurrency
	}
	return v.LookupConcurrency
}

// sourceName names the one verification source the handler's settings
// select: PortOne V2 with a portone block, i'mport V1 otherwise.
func (v *Verify) sourceName() string {
	if v.PortOne != nil {
		return certification.SourcePortOne
	}
	return certification.SourceIamport
}

// provisionIamport sets up the i'mport V1 source from api_key, api_secret
// and api_base.
func (v *Verify) provisionIamport(repl *caddy.Replacer) (source, error) {
	key, err := resolveSecret(repl, "api_key", v.APIKey)
	if err != nil {
		return source{}, err
	}
	secret, err := resolveSecret(repl, "api_secret", v.APISecret)
	if err != nil {
		return source{}, err
	}
	base, err := resolveBaseURL(repl, v.APIBase, DefaultAPIBase)
	if err != nil {
		return source{}, err
	}
	client, ref, err := loadClient(base, key, secret, v.timeout, v.lookupConcurrency(), v.logger)
	if err != nil {
		return source{}, err
	}
	v.poolKeys = append(v.poolKeys, ref)
	return source{src: client, field: DefaultField, id: []string{base, key}}, nil
}
