// Command load is the load benchmark of caddy-iamport (see bench/run.sh and
// BENCHMARKS.md). It serves the fast upstream on 127.0.0.1:18099, waits for
// the Caddy started by run.sh (bench/Caddyfile), and then:
//
//  1. cold start: fires 200 verifications at once at a site whose i'mport
//     client has never fetched a token, and reads its sandbox's call counts;
//  2. runs rounds of the four configurations (a) plain reverse_proxy,
//     (b) iamport_verify with exempt requests, (c) verifications with
//     single_use off, (d) verifications with single_use on, alternating the
//     order (a b c d, then d c b a, ...), each for a fixed duration over a
//     fixed number of keep-alive connections;
//  3. prints requests/s, p50 and p99 latency per configuration (medians over
//     the rounds), the ratios to (a), Caddy's CPU time per request, and the
//     i'mport calls per verification.
//
// Everything is on 127.0.0.1 and bounded by -rounds × 4 × -duration.
package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/verigate/caddy-iamport/bench/benchkit"
)

// passingIDs are the sandbox identities that pass a policy without age
// limits: one per connection, so that with single_use on no two
// connections ever hold the same id at once.
var passingIDs = []string{
	"imp_100000000001", "imp_100000000002", "imp_100000000003", "imp_100000000004",
	"imp_100000000006", "imp_100000000009", "imp_100000000010",
}

type config struct {
	key, name string
	port      int
	verify    bool   // POST /signup with an id, else GET /profile
	query     string // appended to the path
	fresh     bool   // a new, never used id on every request
	want      int    // the status a request must get to count as done
}

var configs = []config{
	{key: "a", name: "plain reverse_proxy", port: 18081, want: 200},
	{key: "b", name: "iamport_verify, exempt request", port: 18082, want: 200},
	{key: "c", name: "verification, single_use off", port: 18083, verify: true, want: 200},
	// Every request carries a generated adult's id never used before, so
	// each one makes a reservation that stays, as in production.
	{key: "d", name: "verification, single_use on (fresh id each request)", port: 18084, verify: true,
		fresh: true, want: 200},
}

func main() {
	var (
		rounds     = flag.Int("rounds", 5, "rounds over the four configurations")
		duration   = flag.Duration("duration", 3*time.Second, "duration of one configuration in one round")
		warmup     = flag.Duration("warmup", time.Second, "warm-up per configuration before the rounds")
		conns      = flag.Int("conns", len(passingIDs), "keep-alive connections (at most one per sandbox identity)")
		cold       = flag.Int("cold", 200, "concurrent first verifications on the cold-start site (0: skip)")
		upstream   = flag.String("upstream", "127.0.0.1:18099", "address the fast upstream listens on")
		sandboxURL = flag.String("sandbox", "http://127.0.0.1:18090", "the sandbox of (b)-(d)")
		coldSite   = flag.String("cold-site", "http://127.0.0.1:18085", "the cold-start gateway site")
		coldSbx    = flag.String("cold-sandbox", "http://127.0.0.1:18091", "the cold-start site's sandbox")
		caddyPID   = flag.Int("caddy-pid", 0, "Caddy's pid, to report its CPU time per request (0: skip)")
		clkTck     = flag.Int("clk-tck", 100, "clock ticks per second of /proc/<pid>/stat (getconf CLK_TCK)")
		readyWait  = flag.Duration("ready", 20*time.Second, "how long to wait for Caddy's sites")
		only       = flag.String("configs", "abcd", "the configurations to run, e.g. ab")
		adminURL   = flag.String("admin", "http://127.0.0.1:18019", "Caddy's admin endpoint, for its Go allocation counters (empty: skip)")
	)
	flag.Parse()
	log.SetFlags(0)
	log.SetPrefix("load: ")
	if *conns < 1 || *conns > len(passingIDs) {
		log.Fatalf("-conns must be 1..%d", len(passingIDs))
	}
	for _, hp := range []string{*upstream} {
		if h, _, err := net.SplitHostPort(hp); err != nil || h != "127.0.0.1" {
			log.Fatalf("%s: the upstream must listen on 127.0.0.1", hp)
		}
	}

	configs = slices.DeleteFunc(configs, func(c config) bool { return !strings.Contains(*only, c.key) })
	if len(configs) == 0 {
		log.Fatal("-configs selects no configuration")
	}

	up, err := startUpstream(*upstream)
	if err != nil {
		log.Fatal(err)
	}
	defer up.Close()

	deadline := time.Now().Add(*readyWait)
	for _, c := range configs {
		benchkit.WaitReady(fmt.Sprintf("http://127.0.0.1:%d/profile", c.port), deadline)
	}
	benchkit.WaitReady(*coldSite+"/profile", deadline)

	if *cold > 0 {
		coldStart(*cold, *coldSite, *coldSbx, up)
	}

	cpu := cpuReader{pid: *caddyPID, tck: *clkTck}
	mem := newMallocReader(*adminURL)
	fmt.Printf("\nwarm-up: %v per configuration\n", *warmup)
	for _, c := range configs {
		_ = runOnce(c, *conns, *warmup, *sandboxURL, cpu, mem)
	}
	sbxStart := sandboxStats(*sandboxURL)

	results := map[string][]result{}
	fmt.Printf("\n%d rounds × %d configurations × %v, %d connections each\n", *rounds, len(configs), *duration, *conns)
	fmt.Printf("%-5s %-3s %9s %9s %9s %8s %11s %9s %8s %s\n", "round", "cfg", "req/s", "p50", "p99", "cpu/req", "allocs/req", "B/req", "cert/ver", "statuses")
	for r := 0; r < *rounds; r++ {
		order := slices.Clone(configs)
		if r%2 == 1 {
			slices.Reverse(order)
		}
		for _, c := range order {
			res := runOnce(c, *conns, *duration, *sandboxURL, cpu, mem)
			results[c.key] = append(results[c.key], res)
			fmt.Printf("%-5d %-3s %9.0f %9s %9s %8s %11.1f %9.0f %8s %s\n", r+1, c.key, res.rps,
				round(res.p50), round(res.p99), cpuString(res.cpuPerReq), res.allocsPerReq, res.bytesPerReq,
				perVer(res.certCalls, res.done, c.verify), res.statuses)
		}
	}
	sbxEnd := sandboxStats(*sandboxURL)

	fmt.Printf("\nsummary (median over %d rounds)\n", *rounds)
	fmt.Printf("%-3s %-55s %9s %9s %9s %8s %11s %9s\n", "cfg", "configuration", "req/s", "p50", "p99", "cpu/req", "allocs/req", "B/req")
	med := map[string]result{}
	for _, c := range configs {
		med[c.key] = median(results[c.key])
	}
	for _, c := range configs {
		m := med[c.key]
		fmt.Printf("%-3s %-55s %9.0f %9s %9s %8s %11.1f %9.0f\n", c.key, c.name, m.rps, round(m.p50), round(m.p99),
			cpuString(m.cpuPerReq), m.allocsPerReq, m.bytesPerReq)
	}
	// Within a round the configurations run back to back, so the ratio of
	// two of them in the same round is little affected by the machine's
	// drift from round to round; its median over the rounds is the figure
	// to compare with a target.
	if base, ok := results["a"]; ok {
		fmt.Printf("ratios to (a), median over rounds of the same-round ratio:")
		for _, c := range configs[1:] {
			rs := results[c.key]
			rps := make([]float64, len(rs))
			cpu := make([]float64, len(rs))
			allocs := make([]float64, len(rs))
			for i := range rs {
				rps[i] = rs[i].rps / base[i].rps
				cpu[i] = float64(rs[i].cpuPerReq) / float64(base[i].cpuPerReq)
				allocs[i] = rs[i].allocsPerReq - base[i].allocsPerReq
			}
			fmt.Printf("\n  %s/a: req/s %.3f", c.key, medianOf(rps))
			if base[0].cpuPerReq > 0 {
				fmt.Printf(", Caddy CPU per request %.2f×", medianOf(cpu))
			}
			if base[0].allocsPerReq >= 0 {
				fmt.Printf(", Caddy allocations per request %+.1f", medianOf(allocs))
			}
		}
		fmt.Println()
	}

	var ver, cert, tok, refused int64
	for _, k := range []string{"c", "d"} {
		if _, ok := results[k]; !ok {
			continue
		}
		for _, r := range results[k] {
			ver += r.done
			cert += r.certCalls
			tok += r.tokenCalls
			refused += r.requests - r.done
		}
	}
	if ver == 0 {
		return
	}
	fmt.Printf("i'mport calls over every timed (c) and (d) run: %d verifications (%d other answers), %d certification calls (%.4f per verification), %d getToken calls (%.6f per verification)\n",
		ver, refused, cert, float64(cert)/float64(ver), tok, float64(tok)/float64(ver))
	fmt.Printf("sandbox totals since Caddy started: get_token %d, certifications %d (timed rounds: +%d, +%d)\n",
		sbxEnd.GetToken, sbxEnd.Certifications, sbxEnd.GetToken-sbxStart.GetToken, sbxEnd.Certifications-sbxStart.Certifications)
	fmt.Printf("upstream: %d requests with an X-Verified-Ci-Hash header, %d without\n", up.withID.Load(), up.withoutID.Load())
}

// upstreamServer is the fast upstream: it answers "ok" with status 200, or
// with the status in ?upstream_status=, and counts whether requests carried
// the gateway's identity header.
type upstreamServer struct {
	srv       *http.Server
	withID    atomic.Int64
	withoutID atomic.Int64
}

var okBody = []byte("ok\n")

func startUpstream(addr string) (*upstreamServer, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("upstream: %w", err)
	}
	u := &upstreamServer{}
	u.srv = &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("X-Verified-Ci-Hash") != "" {
			u.withID.Add(1)
		} else {
			u.withoutID.Add(1)
		}
		_, _ = io.Copy(io.Discard, r.Body)
		status := http.StatusOK
		if s := r.URL.Query().Get("upstream_status"); s != "" {
			status, _ = strconv.Atoi(s)
		}
		w.Header().Set("Content-Type", "text/plain")
		w.Header().Set("Content-Length", strconv.Itoa(len(okBody)))
		w.Header().Set("X-Bench-Upstream", "1")
		w.WriteHeader(status)
		_, _ = w.Write(okBody)
	}), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = u.srv.Serve(ln) }()
	return u, nil
}

func (u *upstreamServer) Close() { _ = u.srv.Close() }

type stats struct {
	GetToken       int64 `json:"get_token"`
	Certifications int64 `json:"certifications"`
}

func sandboxStats(base string) stats { return benchkit.SandboxStats[stats](base) }

// coldStart opens n connections, then sends one verification on each at
// the same moment to a site whose i'mport client has no token yet.
func coldStart(n int, site, sbx string, up *upstreamServer) {
	before := sandboxStats(sbx)
	withBefore := up.withID.Load()
	clients := make([]*http.Client, n)
	for i := range clients {
		clients[i] = newClient(1)
		// Open the connection first, so that the verifications really
		// start together.
		resp, err := clients[i].Get(site + "/profile")
		if err != nil {
			log.Fatalf("cold start: %v", err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		_ = resp.Body.Close()
	}
	start := make(chan struct{})
	var wg sync.WaitGroup
	statuses := make([]int, n)
	lat := make([]time.Duration, n)
	for i := range clients {
		wg.Go(func() {
			<-start
			t := time.Now()
			statuses[i] = do(clients[i], http.MethodPost, site+"/signup", passingIDs[i%len(passingIDs)])
			lat[i] = time.Since(t)
		})
	}
	t0 := time.Now()
	close(start)
	wg.Wait()
	wall := time.Since(t0)
	after := sandboxStats(sbx)
	ok := 0
	for _, s := range statuses {
		if s == http.StatusOK {
			ok++
		}
	}
	slices.Sort(lat)
	fmt.Printf("cold start: %d verifications at once on a cold token cache: %d answered 200 (upstream saw %d with identity headers) in %v (slowest %v)\n",
		n, ok, up.withID.Load()-withBefore, round(wall), round(lat[len(lat)-1]))
	fmt.Printf("cold start: sandbox calls: get_token %d, certifications %d\n",
		after.GetToken-before.GetToken, after.Certifications-before.Certifications)
	for _, c := range clients {
		c.CloseIdleConnections()
	}
}

// newClient returns a client that keeps at most conns keep-alive
// connections to a host and never more.
func newClient(conns int) *http.Client {
	return &http.Client{
		Transport: &http.Transport{
			DialContext:         (&net.Dialer{Timeout: 5 * time.Second}).DialContext,
			MaxIdleConns:        conns,
			MaxIdleConnsPerHost: conns,
			MaxConnsPerHost:     conns,
			IdleConnTimeout:     time.Minute,
			DisableCompression:  true,
		},
		Timeout: 10 * time.Second,
	}
}

// do sends one request and reads the whole answer. It returns the status,
// or 0 when no answer came.
func do(c *http.Client, method, url, id string) int {
	var body io.Reader
	if id != "" {
		body = strings.NewReader(`{"imp_uid":"` + id + `","nick":"kim","email":"kim@example.com"}`)
	}
	req, err := http.NewRequest(method, url, body)
	if err != nil {
		return 0
	}
	req.Header.Set("User-Agent", "caddy-iamport-bench")
	req.Header.Set("Accept", "text/html,*/*")
	req.Header.Set("Cookie", "session=0123456789abcdef0123456789abcdef")
	if id != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.Do(req)
	if err != nil {
		return 0
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	_ = resp.Body.Close()
	if resp.Header.Get("X-Bench-Upstream") == "" && resp.StatusCode >= 500 {
		return -resp.StatusCode // a 5xx from the gateway itself, not the upstream
	}
	return resp.StatusCode
}

type result struct {
	requests, done        int64
	rps                   float64
	p50, p99              time.Duration
	cpuPerReq             time.Duration // -1 when unknown
	allocsPerReq          float64       // Caddy's heap allocations per request, -1 when unknown
	bytesPerReq           float64       // Caddy's heap bytes allocated per request, -1 when unknown
	certCalls, tokenCalls int64
	statuses              string
}

// runOnce runs config c for d over conns connections.
func runOnce(c config, conns int, d time.Duration, sbx string, cpu cpuReader, mem *mallocReader) result {
	method, path := http.MethodGet, "/profile"
	if c.verify {
		method, path = http.MethodPost, "/signup"
	}
	url := fmt.Sprintf("http://127.0.0.1:%d%s%s", c.port, path, c.query)
	before := sandboxStats(sbx)
	m0 := mem.read()
	cpu0 := cpu.read()

	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	lats := make([][]time.Duration, conns)
	codes := make([]map[int]int64, conns)
	var wg sync.WaitGroup
	start := time.Now()
	for i := range conns {
		wg.Go(func() {
			cl := newClient(1)
			defer cl.CloseIdleConnections()
			id := ""
			if c.verify {
				id = passingIDs[i]
			}
			l := make([]time.Duration, 0, 1<<16)
			m := map[int]int64{}
			for ctx.Err() == nil {
				if c.fresh {
					id = benchkit.NextAdultID() // a fresh verification every request
				}
				t := time.Now()
				s := do(cl, method, url, id)
				l = append(l, time.Since(t))
				m[s]++
			}
			lats[i], codes[i] = l, m
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	cpu1 := cpu.read()
	m1 := mem.read()
	after := sandboxStats(sbx)

	var all []time.Duration
	tally := map[int]int64{}
	for i := range conns {
		all = append(all, lats[i]...)
		for s, n := range codes[i] {
			tally[s] += n
		}
	}
	slices.Sort(all)
	res := result{
		requests:   int64(len(all)),
		done:       tally[c.want],
		rps:        float64(len(all)) / elapsed.Seconds(),
		p50:        benchkit.Quantile(all, 0.50),
		p99:        benchkit.Quantile(all, 0.99),
		cpuPerReq:  -1,
		certCalls:  after.Certifications - before.Certifications,
		tokenCalls: after.GetToken - before.GetToken,
	}
	if cpu0 >= 0 && cpu1 >= 0 && len(all) > 0 {
		res.cpuPerReq = (cpu1 - cpu0) / time.Duration(len(all))
	}
	res.allocsPerReq, res.bytesPerReq = -1, -1
	if m0.ok && m1.ok && len(all) > 0 {
		n := float64(len(all))
		res.allocsPerReq = (m1.mallocs - m0.mallocs - mem.overhead.mallocs) / n
		res.bytesPerReq = (m1.bytes - m0.bytes - mem.overhead.bytes) / n
	}
	var parts []string
	keys := make([]int, 0, len(tally))
	for s := range tally {
		keys = append(keys, s)
	}
	sort.Ints(keys)
	for _, s := range keys {
		name := strconv.Itoa(s)
		switch {
		case s == 0:
			name = "error"
		case s < 0:
			name = "gateway" + strconv.Itoa(-s)
		}
		parts = append(parts, fmt.Sprintf("%s:%d", name, tally[s]))
	}
	res.statuses = strings.Join(parts, " ")
	return res
}

func medianOf(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	v = slices.Clone(v)
	slices.Sort(v)
	if len(v)%2 == 1 {
		return v[len(v)/2]
	}
	return (v[len(v)/2-1] + v[len(v)/2]) / 2
}

// median takes each figure's median separately over the rounds.
func median(rs []result) result {
	pick := func(f func(result) float64) float64 {
		v := make([]float64, len(rs))
		for i, r := range rs {
			v[i] = f(r)
		}
		return medianOf(v)
	}
	return result{
		rps:          pick(func(r result) float64 { return r.rps }),
		p50:          time.Duration(pick(func(r result) float64 { return float64(r.p50) })),
		p99:          time.Duration(pick(func(r result) float64 { return float64(r.p99) })),
		cpuPerReq:    time.Duration(pick(func(r result) float64 { return float64(r.cpuPerReq) })),
		allocsPerReq: pick(func(r result) float64 { return r.allocsPerReq }),
		bytesPerReq:  pick(func(r result) float64 { return r.bytesPerReq }),
	}
}

func round(d time.Duration) string {
	switch {
	case d >= time.Second:
		return d.Round(time.Millisecond).String()
	case d >= time.Millisecond:
		return d.Round(10 * time.Microsecond).String()
	default:
		return d.Round(time.Microsecond).String()
	}
}

func cpuString(d time.Duration) string {
	if d < 0 {
		return "-"
	}
	return fmt.Sprintf("%.0fµs", float64(d)/float64(time.Microsecond))
}

func perVer(calls, done int64, verify bool) string {
	if !verify {
		return "-"
	}
	if done == 0 {
		return "n/a"
	}
	return fmt.Sprintf("%.4f", float64(calls)/float64(done))
}

// mallocReader reads Caddy's cumulative Go heap allocation counters from
// the admin endpoint's /metrics.
type mallocReader struct {
	url      string
	overhead mallocs // what one read of /metrics itself allocates
}

type mallocs struct {
	mallocs, bytes float64
	ok             bool
}

func newMallocReader(admin string) *mallocReader {
	m := &mallocReader{}
	if admin == "" {
		return m
	}
	m.url = strings.TrimRight(admin, "/") + "/metrics"
	// Two reads in a row: the difference is the cost of a read, taken off
	// every measurement.
	a, b := m.read(), m.read()
	if !a.ok || !b.ok {
		log.Printf("no allocation counters at %s; allocs/req will show -1", m.url)
		m.url = ""
		return m
	}
	m.overhead = mallocs{mallocs: b.mallocs - a.mallocs, bytes: b.bytes - a.bytes}
	return m
}

func (m *mallocReader) read() mallocs {
	if m.url == "" {
		return mallocs{}
	}
	v, err := benchkit.Metrics(m.url, "go_memstats_mallocs_total", "go_memstats_alloc_bytes_total")
	if err != nil {
		return mallocs{}
	}
	n, ok1 := v["go_memstats_mallocs_total"]
	b, ok2 := v["go_memstats_alloc_bytes_total"]
	return mallocs{mallocs: n, bytes: b, ok: ok1 && ok2}
}

// cpuReader reads a process's user+system CPU time from /proc.
type cpuReader struct{ pid, tck int }

// read returns the CPU time used so far, or -1 when unknown.
func (c cpuReader) read() time.Duration {
	if c.pid <= 0 {
		return -1
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", c.pid))
	if err != nil {
		return -1
	}
	// The command name, in parentheses, may hold spaces: split after it.
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return -1
	}
	f := strings.Fields(string(b[i+1:]))
	// Fields after the name start at field 3 (state); utime and stime are
	// fields 14 and 15.
	if len(f) < 13 {
		return -1
	}
	ut, err1 := strconv.ParseInt(f[11], 10, 64)
	st, err2 := strconv.ParseInt(f[12], 10, 64)
	if err := errors.Join(err1, err2); err != nil {
		return -1
	}
	return time.Duration(ut+st) * time.Second / time.Duration(c.tck)
}
