// Command flood is the flood benchmark of issue 12 (see bench/flood.sh and
// BENCHMARKS.md). It serves the upstream on 127.0.0.1:18199, waits for the
// Caddy started by flood.sh (bench/flood.Caddyfile), makes each site's
// sandbox answer certification calls after -delay (i'mport far away), and
// runs each scenario for -duration:
//
//   - -attackers clients from 127.0.0.1, each one connection, posting
//     well-formed random ids (imp_9 + 11 digits, unknown to the sandbox) as
//     fast as they are answered;
//   - beside them, -people clients posting a fresh sandbox adult (imp_2 +
//     11 digits) one after the other, as real signups: each signup from a
//     loopback address of its own (127.1.x.y), as another person.
//
// Meanwhile it samples, every 50 ms, the sandbox's certification calls in
// flight and Caddy's resident memory, Go heap in use and goroutines, and
// prints per scenario: the attackers' answers, the legitimate
// verifications' answers and latency, the most calls in flight at i'mport
// against the cap, and the gateway's peak memory.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log"
	"math/rand/v2"
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

type scenario struct {
	name      string
	site      string // the gateway site
	sandbox   string // its sandbox
	attackers int
}

func main() {
	var (
		duration  = flag.Duration("duration", 10*time.Second, "duration of each scenario")
		delay     = flag.Duration("delay", 300*time.Millisecond, "how long the sandbox takes to answer a certification call")
		attackers = flag.String("attackers", "500,1500", "attacker counts of the cap-only scenarios (comma-separated)")
		rlAttack  = flag.Int("rl-attackers", 1500, "attackers of the scenario behind the rate limit (0: skip)")
		people    = flag.Int("people", 4, "legitimate clients, each verifying one after the other")
		think     = flag.Duration("think", 200*time.Millisecond, "pause of a legitimate client between verifications")
		capacity  = flag.Int("cap", 64, "lookup_concurrency of the sites (as in flood.Caddyfile)")
		budget    = flag.Duration("budget", 5*time.Second, "the sites' timeout (as in flood.Caddyfile)")
		admin     = flag.String("admin", "http://127.0.0.1:18119", "Caddy's admin endpoint")
		caddyPID  = flag.Int("caddy-pid", 0, "Caddy's pid, for its resident memory")
	)
	flag.Parse()
	log.SetFlags(0)
	log.SetPrefix("flood: ")

	up := startUpstream("127.0.0.1:18199")
	defer up.Close()

	var scenarios []scenario
	for _, s := range strings.Split(*attackers, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n < 0 {
			log.Fatalf("-attackers %q", *attackers)
		}
		scenarios = append(scenarios, scenario{fmt.Sprintf("cap only, %d attackers", n), "http://127.0.0.1:18180", "http://127.0.0.1:18190", n})
	}
	if *rlAttack > 0 {
		scenarios = append(scenarios, scenario{fmt.Sprintf("cap + rate_limit, %d attackers", *rlAttack), "http://127.0.0.1:18181", "http://127.0.0.1:18191", *rlAttack})
	}

	deadline := time.Now().Add(20 * time.Second)
	for _, s := range scenarios {
		benchkit.WaitReady(s.site+"/profile", deadline)
		setSlow(s.sandbox, *delay)
		// Warm the token, from an address no scenario uses.
		if st, _ := verify(newClient("127.0.0.3"), s.site, benchkit.NextAdultID()); st != http.StatusOK {
			log.Fatalf("%s: warm-up verification answered %d", s.site, st)
		}
	}

	mem := sampleMemory(*admin, *caddyPID)
	fmt.Printf("idle after warm-up: Caddy RSS %s, Go heap in use %s, %d goroutines\n",
		mib(mem.rss), mib(mem.heap), int(mem.goroutines))
	fmt.Printf("sandbox delay %v per certification call, lookup_concurrency %d, timeout %v, %v per scenario, %d legitimate clients\n\n",
		*delay, *capacity, *budget, *duration, *people)
	for _, s := range scenarios {
		run(s, *duration, *people, *think, *budget, *capacity, *admin, *caddyPID)
	}
	mem = sampleMemory(*admin, *caddyPID)
	fmt.Printf("idle after the scenarios: Caddy RSS %s, Go heap in use %s, %d goroutines\n",
		mib(mem.rss), mib(mem.heap), int(mem.goroutines))
}

func run(s scenario, d time.Duration, people int, think, budget time.Duration, capacity int, admin string, pid int) {
	before := sandboxStats(s.sandbox)
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()

	// Sampler: calls in flight at the sandbox, Caddy's memory.
	var peak memory
	var mostInFlight int64
	samplerDone := make(chan struct{})
	go func() {
		defer close(samplerDone)
		t := time.NewTicker(50 * time.Millisecond)
		defer t.Stop()
		for {
			st := sandboxStats(s.sandbox)
			mostInFlight = max(mostInFlight, st.InFlight)
			m := sampleMemory(admin, pid)
			peak.rss, peak.heap, peak.goroutines = max(peak.rss, m.rss), max(peak.heap, m.heap), max(peak.goroutines, m.goroutines)
			select {
			case <-t.C:
			case <-ctx.Done():
				return
			}
		}
	}()

	var wg sync.WaitGroup
	attack := newTally()
	start := time.Now()
	for range s.attackers {
		wg.Go(func() {
			c := newClient("127.0.0.1")
			defer c.CloseIdleConnections()
			for ctx.Err() == nil {
				st, _ := verify(c, s.site, guessedID())
				attack.add(st, 0)
			}
		})
	}
	legit := newTally()
	for range people {
		wg.Go(func() {
			for ctx.Err() == nil {
				// Every signup is another person, from an address of
				// their own.
				c := newClient(personAddr())
				st, took := verify(c, s.site, benchkit.NextAdultID())
				c.CloseIdleConnections()
				legit.add(st, took)
				select {
				case <-time.After(think):
				case <-ctx.Done():
				}
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	<-samplerDone
	after := sandboxStats(s.sandbox)

	fmt.Printf("== %s (%s)\n", s.name, s.site)
	fmt.Printf("  attackers: %d requests (%.0f/s): %s\n", attack.n(), float64(attack.n())/elapsed.Seconds(), attack.statuses())
	lat := legit.sorted()
	fmt.Printf("  legitimate: %d verifications: %s; latency p50 %v, p99 %v, max %v (budget %v)\n",
		legit.n(), legit.statuses(), q(lat, 0.5), q(lat, 0.99), q(lat, 1), budget)
	fmt.Printf("  i'mport: %d certification calls (%.0f/s), at most %d in flight in the 50 ms samples, at most %d ever (the sandbox's own count since Caddy started); cap %d\n",
		after.Certifications-before.Certifications, float64(after.Certifications-before.Certifications)/elapsed.Seconds(),
		mostInFlight, after.Most, capacity)
	fmt.Printf("  gateway peak: RSS %s, Go heap in use %s, %d goroutines\n\n", mib(peak.rss), mib(peak.heap), int(peak.goroutines))
}

// tally counts answers by status and keeps latencies of those that have one.
type tally struct {
	mu    sync.Mutex
	codes map[int]int64
	lat   []time.Duration
	total atomic.Int64
}

func newTally() *tally { return &tally{codes: map[int]int64{}} }

func (t *tally) add(status int, took time.Duration) {
	t.total.Add(1)
	t.mu.Lock()
	defer t.mu.Unlock()
	t.codes[status]++
	if took > 0 {
		t.lat = append(t.lat, took)
	}
}

func (t *tally) n() int64 { return t.total.Load() }

func (t *tally) statuses() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	keys := make([]int, 0, len(t.codes))
	for k := range t.codes {
		keys = append(keys, k)
	}
	sort.Ints(keys)
	var parts []string
	for _, k := range keys {
		name := strconv.Itoa(k)
		if k == 0 {
			name = "no answer"
		}
		parts = append(parts, fmt.Sprintf("%s ×%d", name, t.codes[k]))
	}
	return strings.Join(parts, ", ")
}

func (t *tally) sorted() []time.Duration {
	t.mu.Lock()
	defer t.mu.Unlock()
	s := slices.Clone(t.lat)
	slices.Sort(s)
	return s
}

// q returns the p quantile of sorted, to the millisecond.
func q(sorted []time.Duration, p float64) time.Duration {
	return benchkit.Quantile(sorted, p).Round(time.Millisecond)
}

var personSeq atomic.Int64

// personAddr is a loopback address no other client used: 127.1.0.0 on.
func personAddr() string {
	n := personSeq.Add(1)
	return fmt.Sprintf("127.1.%d.%d", (n>>8)&255, n&255)
}

// guessedID is a well-formed id the sandbox does not know.
func guessedID() string { return fmt.Sprintf("imp_9%011d", rand.Int64N(1e11)) }

// newClient returns a client with one connection to the gateway, made from
// the loopback address local.
func newClient(local string) *http.Client {
	d := &net.Dialer{Timeout: 5 * time.Second, LocalAddr: &net.TCPAddr{IP: net.ParseIP(local)}}
	return &http.Client{
		Transport: &http.Transport{DialContext: d.DialContext, MaxConnsPerHost: 1, MaxIdleConnsPerHost: 1},
		Timeout:   30 * time.Second,
	}
}

// verify posts id and returns the status (0 when no answer came) and the
// time the answer took.
func verify(c *http.Client, site, id string) (int, time.Duration) {
	req, _ := http.NewRequest(http.MethodPost, site+"/signup", strings.NewReader(`{"imp_uid":"`+id+`"}`))
	req.Header.Set("Content-Type", "application/json")
	start := time.Now()
	resp, err := c.Do(req)
	if err != nil {
		return 0, time.Since(start)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	_ = resp.Body.Close()
	return resp.StatusCode, time.Since(start)
}

type stats struct {
	Certifications int64 `json:"certifications"`
	InFlight       int64 `json:"certifications_in_flight"`
	Most           int64 `json:"max_certifications_in_flight"`
}

func sandboxStats(base string) stats { return benchkit.SandboxStats[stats](base) }

func post(url, body string) {
	resp, err := http.Post(url, "application/json", strings.NewReader(body))
	if err != nil {
		log.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		log.Fatalf("POST %s: status %d", url, resp.StatusCode)
	}
}

func setSlow(sandbox string, d time.Duration) {
	post(sandbox+"/__sandbox/faults", fmt.Sprintf(`{"fault":"slow","endpoint":"certification","delay":%q}`, d.String()))
}

type memory struct{ rss, heap, goroutines float64 }

// sampleMemory reads Caddy's resident set from /proc and its Go heap in use
// and goroutines from the admin endpoint's /metrics.
func sampleMemory(admin string, pid int) memory {
	var m memory
	if pid > 0 {
		if b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid)); err == nil {
			for _, line := range strings.Split(string(b), "\n") {
				if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
					kb, _ := strconv.ParseFloat(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 64)
					m.rss = kb * 1024
				}
			}
		}
	}
	if v, err := benchkit.Metrics(admin+"/metrics", "go_memstats_heap_inuse_bytes", "go_goroutines"); err == nil {
		m.heap, m.goroutines = v["go_memstats_heap_inuse_bytes"], v["go_goroutines"]
	}
	return m
}

func mib(b float64) string {
	if b == 0 {
		return "-"
	}
	return fmt.Sprintf("%.1f MiB", b/(1<<20))
}

type upstream struct{ srv *http.Server }

func startUpstream(addr string) *upstream {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		log.Fatalf("upstream: %v", err)
	}
	u := &upstream{srv: &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		_, _ = io.WriteString(w, "ok\n")
	}), ReadHeaderTimeout: 10 * time.Second}}
	go func() { _ = u.srv.Serve(ln) }()
	return u
}

func (u *upstream) Close() { _ = u.srv.Close() }
