package caddymodule

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/caddyserver/caddy/v2"
	"go.uber.org/zap"

	"github.com/verigate/caddy-iamport/internal/certification"
	"github.com/verigate/caddy-iamport/internal/policy"
	"github.com/verigate/caddy-iamport/internal/problem"
)

// This file is what the operator's commands (package iamportcmd: `caddy
// iamport check`, `lookup`, `hash-ci`) use of the handler, so that they read
// a configuration exactly as a running handler does.

// ResolveSecret resolves a secret exactly as Provision resolves api_key,
// api_secret and ci_hash_key: {env.*} and {file.*} placeholders are
// replaced (a file's final line break is dropped, and then any trailing
// "\r" and "\n"), and an empty result or an unknown placeholder is an
// error that names the setting but never repeats a value. name is the
// setting's name for errors.
func ResolveSecret(name, raw string) (string, error) {
	return resolveSecret(caddy.NewReplacer(), name, raw)
}

// Standalone is one iamport_verify handler provisioned outside a running
// Caddy: its placeholders resolved, its defaults, policy and verification
// source built by Provision itself. It never serves a request and never
// touches the single-use store.
type Standalone struct {
	v      *Verify
	cancel context.CancelFunc
}

// LoadStandalone provisions the handler whose JSON, as found in an adapted
// config (with or without its "handler" member), is raw, the way `caddy
// run` loads it: strict decoding (an unknown field is an error),
// Provision, then Validate; all but its assertion settings, since it never
// signs. Like Provision it makes no network call. The
// handler and its source log nowhere. Close releases it.
func LoadStandalone(raw json.RawMessage) (*Standalone, error) {
	// The assertion settings are left out: the commands never sign, and
	// generated keys live in Caddy's storage, which only a running config
	// has (key files would need the signing key's permissions).
	body, err := moduleBody(raw, "assertion")
	if err != nil {
		return nil, err
	}
	// A context of its own: cancelling it cleans the handler up, which
	// releases its share of the pooled client and store.
	ctx, cancel := caddy.NewContext(caddy.Context{Context: context.Background()})
	mod, err := ctx.LoadModuleByID(string(Verify{}.CaddyModule().ID), body)
	if err != nil {
		cancel()
		return nil, err
	}
	v := mod.(*Verify)
	v.logger = zap.NewNop()
	if l, ok := unwrapSource(v.source).(interface{ SetLogger(*zap.Logger) }); ok {
		l.SetLogger(v.logger)
	}
	return &Standalone{v: v, cancel: cancel}, nil
}

// unwrapSource returns the client under the wrappers around a source (the
// lookup limiter's), which forward lookups only.
func unwrapSource(src certification.Source) certification.Source {
	for {
		w, ok := src.(interface{ Unwrap() certification.Source })
		if !ok {
			return src
		}
		src = w.Unwrap()
	}
}

// SourceOf returns the verification source the handler whose JSON is raw
// selects (certification.SourceIamport or certification.SourcePortOne), by
// the rule Provision follows, without provisioning it.
func SourceOf(raw json.RawMessage) (string, error) {
	body, err := moduleBody(raw)
	if err != nil {
		return "", err
	}
	var v Verify
	if err := caddy.StrictUnmarshalJSON(body, &v); err != nil {
		return "", fmt.Errorf("decoding handler: %w", err)
	}
	return v.sourceName(), nil
}

// moduleBody returns a handler's JSON as Caddy decodes it into the module:
// without meta fields (@id) and without the "handler" member naming it;
// and without the members named in leave.
func moduleBody(raw json.RawMessage, leave ...string) ([]byte, error) {
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(caddy.RemoveMetaFields(raw), &fields); err != nil {
		return nil, fmt.Errorf("decoding handler: %w", err)
	}
	if name, ok := fields["handler"]; ok {
		var s string
		if json.Unmarshal(name, &s) != nil || s != "iamport_verify" {
			return nil, errors.New("decoding handler: not an iamport_verify handler")
		}
		delete(fields, "handler")
	}
	for _, name := range leave {
		delete(fields, name)
	}
	body, err := json.Marshal(fields)
	if err != nil {
		return nil, fmt.Errorf("decoding handler: %w", err)
	}
	return body, nil
}

// Close releases the handler's share of the pooled client and store.
func (s *Standalone) Close() { s.cancel() }

// SourceName returns the name of the handler's verification source:
// certification.SourceIamport or certification.SourcePortOne.
func (s *Standalone) SourceName() string { return s.v.source.Name() }

// Policy returns the policy the handler applies.
func (s *Standalone) Policy() policy.Policy { return s.v.policy }

// CheckCredentials proves the source's credentials with one authenticated
// request within the handler's timeout (see certification.Checker).
func (s *Standalone) CheckCredentials(ctx context.Context) (certification.CredentialCheck, error) {
	c, ok := unwrapSource(s.v.source).(certification.Checker)
	if !ok {
		return certification.CredentialCheck{}, errors.New("this verification source cannot check its credentials")
	}
	ctx, cancel := context.WithTimeout(ctx, s.v.timeout)
	defer cancel()
	return c.CheckCredentials(ctx)
}

// Judgement is the decision the handler would make on one verification
// id today, short of reserving it.
type Judgement struct {
	// Record is the verification as the source gave it; it is zero when
	// the id was invalid or the lookup failed.
	Record certification.Record
	// CIHash is the X-Verified-CI-Hash the handler would send for Record,
	// or "" when Record carries no CI.
	CIHash string
	// Decision is the age and birth year the handler would forward; it
	// is set only when Refusal is nil.
	Decision policy.Decision
	// Refusal is the refusal the handler would answer, or nil when the
	// verification would pass (before single use, which Judge never
	// consults).
	Refusal *problem.Error
}

// Judge looks id up and applies the policy by the code ServeHTTP runs,
// without reserving the id or consulting the single-use store. An id the
// request parser would refuse (one failing the source's ValidID) is
// refused the same way, imp_uid_invalid, before any network call.
func (s *Standalone) Judge(ctx context.Context, id string) Judgement {
	if !s.v.source.ValidID([]byte(id)) {
		return Judgement{Refusal: problem.New(problem.ImpUIDInvalid,
			"the id is not a valid "+sourceNames[s.v.source.Name()]+" verification id")}
	}
	rec, decision, perr := s.v.decide(ctx, id)
	j := Judgement{Record: rec, Decision: decision, Refusal: perr}
	if rec.CI != "" {
		j.CIHash = s.v.ciHash.Hash(rec.CI)
	}
	return j
}
