// Package benchkit holds what the benchmark programs (bench/load and
// bench/flood) share to drive a running gateway: waiting for its sites,
// reading its sandbox's call counters and Caddy's /metrics, drawing fresh
// sandbox adults, and taking quantiles of latencies. It is no part of the
// plugin.
package benchkit

import (
	"encoding/json"
	"fmt"
	"io"
	"log"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

// WaitReady waits until url answers at all (any status), trying every
// 100 ms, and exits the program when it still does not by deadline.
func WaitReady(url string, deadline time.Time) {
	for {
		resp, err := http.Get(url)
		if err == nil {
			_, _ = io.Copy(io.Discard, resp.Body)
			_ = resp.Body.Close()
			return
		}
		if time.Now().After(deadline) {
			log.Fatalf("%s not ready: %v", url, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// SandboxStats decodes the call counters of the sandbox at base
// (GET /__sandbox/stats) into a T, whose fields name the counters the
// caller wants. It exits the program when they cannot be read.
func SandboxStats[T any](base string) T {
	var s T
	resp, err := http.Get(base + "/__sandbox/stats")
	if err != nil {
		log.Fatalf("sandbox stats: %v", err)
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(&s); err != nil {
		log.Fatalf("sandbox stats: %v", err)
	}
	return s
}

// Metrics reads the Prometheus text at url (Caddy's admin /metrics) and
// returns the values of the unlabelled series named names that it holds.
func Metrics(url string, names ...string) (map[string]float64, error) {
	resp, err := http.Get(url)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	out := make(map[string]float64, len(names))
	for _, line := range strings.Split(string(body), "\n") {
		name, val, ok := strings.Cut(line, " ")
		if !ok || !slices.Contains(names, name) {
			continue
		}
		if v, err := strconv.ParseFloat(val, 64); err == nil {
			out[name] = v
		}
	}
	return out, nil
}

var adultSeq atomic.Int64

// NextAdultID returns a sandbox generated adult (imp_2 and 11 digits) that
// this program has not used before.
func NextAdultID() string { return fmt.Sprintf("imp_2%011d", adultSeq.Add(1)) }

// Quantile returns the q quantile (0 to 1) of sorted latencies, nearest
// rank, or 0 when there are none.
func Quantile(sorted []time.Duration, q float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(q*float64(len(sorted))+0.5) - 1
	return sorted[max(0, min(i, len(sorted)-1))]
}
