package assertion

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/go-jose/go-jose/v4"
)

// maxKeySet is the largest key set answer read.
const maxKeySet = 1 << 20

// keySet is one fetched key set.
type keySet struct {
	keys    map[string]jose.JSONWebKey
	expires time.Time
}

// key returns the public key with this id, fetching the key set when none
// is cached, when the cached one has expired, or when it lacks kid and the
// last fetch is at least RefetchInterval ago.
func (v *Verifier) key(ctx context.Context, kid string) (jose.JSONWebKey, error) {
	now := v.cfg.Now()
	set := v.keys.Load()
	if set == nil || !now.Before(set.expires) {
		fresh, err := v.refresh(ctx)
		switch {
		case err == nil:
			set = fresh
		case set != nil && now.Before(set.expires.Add(StaleLimit)):
			// Keep using the last key set while the URL is unreachable.
		default:
			return jose.JSONWebKey{}, err
		}
	}
	if k, ok := set.keys[kid]; ok {
		return k, nil
	}
	if now.Sub(time.Unix(0, v.lastTry.Load())) < v.cfg.RefetchInterval {
		return jose.JSONWebKey{}, fmt.Errorf("%w: unknown key id %q", ErrInvalid, kid)
	}
	fresh, err := v.refresh(ctx)
	if err != nil {
		return jose.JSONWebKey{}, err
	}
	if k, ok := fresh.keys[kid]; ok {
		return k, nil
	}
	return jose.JSONWebKey{}, fmt.Errorf("%w: unknown key id %q", ErrInvalid, kid)
}

// refresh fetches the key set once for all concurrent callers.
func (v *Verifier) refresh(ctx context.Context) (*keySet, error) {
	ch := v.fetching.DoChan("", func() (any, error) {
		v.lastTry.Store(v.cfg.Now().UnixNano())
		set, err := v.fetch(context.WithoutCancel(ctx))
		if err != nil {
			return nil, err
		}
		v.keys.Store(set)
		return set, nil
	})
	select {
	case res := <-ch:
		if res.Err != nil {
			return nil, res.Err
		}
		return res.Val.(*keySet), nil
	case <-ctx.Done():
		return nil, fmt.Errorf("%w: %v", ErrKeysUnavailable, ctx.Err())
	}
}

func (v *Verifier) fetch(ctx context.Context) (*keySet, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, v.cfg.JWKSURL, nil)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrKeysUnavailable, err)
	}
	req.Header.Set("Accept", "application/jwk-set+json, application/json")
	resp, err := v.cfg.HTTPClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("%w: fetching key set: %v", ErrKeysUnavailable, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%w: key set answered status %d", ErrKeysUnavailable, resp.StatusCode)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxKeySet+1))
	if err != nil {
		return nil, fmt.Errorf("%w: reading key set: %v", ErrKeysUnavailable, err)
	}
	if len(body) > maxKeySet {
		return nil, fmt.Errorf("%w: key set larger than %d bytes", ErrKeysUnavailable, maxKeySet)
	}
	var raw jose.JSONWebKeySet
	if err := json.Unmarshal(body, &raw); err != nil {
		return nil, fmt.Errorf("%w: decoding key set: %v", ErrKeysUnavailable, err)
	}
	set := &keySet{keys: make(map[string]jose.JSONWebKey, len(raw.Keys))}
	for _, k := range raw.Keys {
		// Only public signature keys with an id can verify an assertion.
		if k.KeyID == "" || !k.IsPublic() || (k.Use != "" && k.Use != "sig") {
			continue
		}
		set.keys[k.KeyID] = k
	}
	set.expires = v.cfg.Now().Add(v.lifetime(resp.Header.Get("Cache-Control")))
	return set, nil
}

// lifetime is CacheLifetime when configured, else the answer's max-age
// clamped to [RefetchInterval, 1 h], else DefaultCacheLifetime.
func (v *Verifier) lifetime(cacheControl string) time.Duration {
	if v.cfg.CacheLifetime > 0 {
		return v.cfg.CacheLifetime
	}
	for _, part := range strings.Split(cacheControl, ",") {
		name, val, _ := strings.Cut(strings.TrimSpace(part), "=")
		if !strings.EqualFold(name, "max-age") {
			continue
		}
		secs, err := strconv.Atoi(strings.Trim(val, `"`))
		if err != nil || secs < 0 {
			break
		}
		d := time.Duration(secs) * time.Second
		return min(max(d, v.cfg.RefetchInterval), time.Hour)
	}
	return DefaultCacheLifetime
}
