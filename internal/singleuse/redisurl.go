package singleuse

import (
	"crypto/tls"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"github.com/redis/go-redis/v9"
)

// RedisForm is the kind of Redis deployment a URL names.
type RedisForm int

const (
	// RedisSingle is one server (or a proxy that looks like one).
	RedisSingle RedisForm = iota
	// RedisSentinel is a master found through Redis Sentinel.
	RedisSentinel
	// RedisCluster is a Redis Cluster.
	RedisCluster
)

func (f RedisForm) String() string {
	switch f {
	case RedisSentinel:
		return "sentinel"
	case RedisCluster:
		return "cluster"
	default:
		return "single"
	}
}

// maxWaitReplicas bounds wait_replicas; no deployment has more replicas
// per master than this.
const maxWaitReplicas = 16

// RedisURL is a parsed single_use redis URL. ParseRedisURL makes one;
// NewRedis builds a store from it.
type RedisURL struct {
	// Form says which client the store uses.
	Form RedisForm
	// WaitReplicas is the URL's wait_replicas: when above zero, a
	// reservation only counts once that many replicas have acknowledged it
	// (Redis's WAIT command). Zero, the default, does not wait.
	WaitReplicas int

	single   *redis.Options
	sentinel *redis.FailoverOptions
	cluster  *redis.ClusterOptions
}

// Query parameters of our own, taken out of the URL before go-redis's
// parsers see it (they refuse parameters they do not know).
const (
	paramSentinelUsername = "sentinel_username"
	paramSentinelPassword = "sentinel_password"
	paramWaitReplicas     = "wait_replicas"
	paramCluster          = "cluster"
	paramSkipVerify       = "skip_verify"
)

// unsupported lists go-redis parameters refused in a form, with the
// reason: each would send commands to replicas (a reservation must be
// written to the master) or, in the Sentinel form, are go-redis's own
// spelling of the master's credentials, which this parser takes from the
// URL's user information instead (see ParseRedisURL).
var unsupported = map[RedisForm]map[string]string{
	RedisSentinel: {
		"route_by_latency":          "reservations are written to the master",
		"route_randomly":            "reservations are written to the master",
		"replica_only":              "reservations are written to the master",
		"use_disconnected_replicas": "reservations are written to the master",
		"username":                  "put the master's user name in the URL's user information (sentinel_username is the sentinels')",
		"password":                  "put the master's password in the URL's user information (sentinel_password is the sentinels')",
	},
	RedisCluster: {
		"read_only":        "reservations are written to the masters",
		"route_by_latency": "reservations are written to the masters",
		"route_randomly":   "reservations are written to the masters",
	},
}

// ParseRedisURL reads a single_use redis URL without making a network
// call. It takes three forms, told apart by the query:
//
//   - Sentinel, when master_name is given:
//     redis[s]://[user:password@]sentinel1:26379[/db]?master_name=mymaster&addr=sentinel2:26379&...
//     The host and every addr are sentinels. The user information
//     authenticates to the master (and is what a single server's URL
//     holds); sentinel_username and sentinel_password authenticate to the
//     sentinels when they require it.
//   - Cluster, when addr is given without master_name, or cluster=true:
//     redis[s]://[user:password@]node1:6379?addr=node2:6379&...
//     The host and every addr are seed nodes; the others are discovered. A
//     cluster has only database 0.
//   - Single server otherwise: redis[s]://[user:password@]host[:port][/db]
//     or unix:///path/to/socket?db=N.
//
// rediss means TLS to every node, checked against the system's roots with
// TLS 1.2 at least; in the Sentinel and Cluster forms each node's
// certificate is checked against the address it is reached at, and
// skip_verify=true turns checking off. wait_replicas=N makes each
// reservation wait for N replicas (see Redis). Other query parameters are
// go-redis's (dial_timeout, pool_size, ...); unknown ones are an error.
//
// Errors never repeat the URL or its passwords.
func ParseRedisURL(raw string) (*RedisURL, error) {
	if !strings.Contains(raw, "://") {
		return nil, errors.New("want a URL such as redis://host:6379/0")
	}
	u, err := url.Parse(raw)
	if err != nil {
		// url.Parse's errors quote the URL, or parts of it that may be a
		// password with characters that needed percent-encoding.
		return nil, errors.New("not a valid URL (percent-encode special characters in the user name and password)")
	}
	var secrets []string
	if p, ok := u.User.Password(); ok && p != "" {
		secrets = append(secrets, p)
	}
	q, err := url.ParseQuery(u.RawQuery)
	if err != nil {
		return nil, errors.New("the query is not valid (percent-encode special characters in parameter values)")
	}
	if p := q.Get(paramSentinelPassword); p != "" {
		secrets = append(secrets, p)
	}
	out, err := parseRedisURL(u, q)
	if err != nil {
		return nil, redact(err, secrets)
	}
	return out, nil
}

func parseRedisURL(u *url.URL, q url.Values) (*RedisURL, error) {
	switch u.Scheme {
	case "redis", "rediss", "unix":
	default:
		return nil, fmt.Errorf("unknown scheme %q: want redis, rediss (TLS) or unix", u.Scheme)
	}
	own := map[string]string{}
	for _, name := range []string{paramSentinelUsername, paramSentinelPassword, paramWaitReplicas, paramCluster, paramSkipVerify} {
		vs, ok := q[name]
		if !ok {
			continue
		}
		if len(vs) > 1 {
			return nil, fmt.Errorf("%s is given more than once", name)
		}
		own[name] = vs[0]
		q.Del(name)
	}

	out := &RedisURL{Form: RedisSingle}
	isCluster, err := boolParam(own, paramCluster)
	if err != nil {
		return nil, err
	}
	_, hasMaster := q["master_name"]
	switch {
	case hasMaster:
		if q.Get("master_name") == "" {
			return nil, errors.New("master_name is empty")
		}
		if isCluster {
			return nil, errors.New("cluster=true and master_name do not go together: a URL names a cluster or a master found through sentinels")
		}
		out.Form = RedisSentinel
	case isCluster || len(q["addr"]) > 0:
		out.Form = RedisCluster
	}
	if out.Form != RedisSentinel {
		for _, name := range []string{paramSentinelUsername, paramSentinelPassword} {
			if _, ok := own[name]; ok {
				return nil, fmt.Errorf("%s is only for the Sentinel form, which needs master_name", name)
			}
		}
	}
	if out.Form != RedisSingle {
		if u.Scheme == "unix" {
			return nil, fmt.Errorf("the %s form needs redis or rediss, not unix", out.Form)
		}
		if u.Hostname() == "" || u.Port() == "" {
			return nil, fmt.Errorf("the %s form needs a host and a port in the URL, such as redis://10.0.0.1:%s", out.Form, map[RedisForm]string{RedisSentinel: "26379", RedisCluster: "6379"}[out.Form])
		}
		if _, err := strconv.ParseUint(u.Port(), 10, 16); err != nil {
			return nil, fmt.Errorf("invalid port %q", u.Port())
		}
		for name, why := range unsupported[out.Form] {
			if _, ok := q[name]; ok {
				return nil, fmt.Errorf("%s is not supported in the %s form: %s", name, out.Form, why)
			}
		}
	}
	if out.Form == RedisCluster {
		if p := strings.Trim(u.Path, "/"); p != "" && p != "0" {
			return nil, fmt.Errorf("a cluster has only database 0, not %q", p)
		}
	}
	if v, ok := own[paramWaitReplicas]; ok {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 || n > maxWaitReplicas {
			return nil, fmt.Errorf("invalid wait_replicas %q: want a whole number from 0 to %d", v, maxWaitReplicas)
		}
		out.WaitReplicas = n
	}
	skipVerify, err := boolParam(own, paramSkipVerify)
	if err != nil {
		return nil, err
	}
	if _, ok := own[paramSkipVerify]; ok && u.Scheme != "rediss" {
		return nil, errors.New("skip_verify is only for rediss (TLS) URLs")
	}

	// What go-redis's parser is given: the URL without our parameters and,
	// for Sentinel, without the user information, which go-redis would
	// give to the sentinels (we give it to the master instead).
	rest := *u
	rest.RawQuery = q.Encode()
	if out.Form == RedisSentinel {
		rest.User = nil
	}
	var tlsConf *tls.Config
	if u.Scheme == "rediss" {
		// ServerName is left empty in the Sentinel and Cluster forms: the
		// TLS dialler then checks each node against its own address.
		tlsConf = &tls.Config{MinVersion: tls.VersionTLS12, InsecureSkipVerify: skipVerify} //nolint:gosec // skip_verify is the operator's explicit choice
	}
	switch out.Form {
	case RedisSentinel:
		o, err := redis.ParseFailoverURL(rest.String())
		if err != nil {
			return nil, goRedisError(err)
		}
		o.Username, o.Password = userPassword(u)
		o.SentinelUsername = own[paramSentinelUsername]
		o.SentinelPassword = own[paramSentinelPassword]
		o.TLSConfig = tlsConf
		out.sentinel = o
	case RedisCluster:
		o, err := redis.ParseClusterURL(rest.String())
		if err != nil {
			return nil, goRedisError(err)
		}
		o.TLSConfig = tlsConf
		out.cluster = o
	default:
		o, err := redis.ParseURL(rest.String())
		if err != nil {
			return nil, goRedisError(err)
		}
		if o.TLSConfig != nil {
			o.TLSConfig.InsecureSkipVerify = skipVerify
		}
		out.single = o
	}
	return out, nil
}

// boolParam reads one of our boolean parameters; absent is false.
func boolParam(own map[string]string, name string) (bool, error) {
	v, ok := own[name]
	if !ok {
		return false, nil
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		return false, fmt.Errorf("invalid %s %q: want true or false", name, v)
	}
	return b, nil
}

func userPassword(u *url.URL) (string, string) {
	if u.User == nil {
		return "", ""
	}
	p, _ := u.User.Password()
	return u.User.Username(), p
}

// goRedisError strips go-redis's "redis: " prefix and any *url.Error,
// whose message quotes the URL.
func goRedisError(err error) error {
	err = withoutURL(err)
	return errors.New(strings.TrimPrefix(err.Error(), "redis: "))
}

// redact replaces every secret in err's message. go-redis's messages are
// not meant to hold them, but a password written in the wrong place (a
// path, an addr) would otherwise be echoed.
func redact(err error, secrets []string) error {
	msg := err.Error()
	for _, s := range secrets {
		msg = strings.ReplaceAll(msg, s, "[redacted]")
	}
	if msg == err.Error() {
		return err
	}
	return errors.New(msg)
}
