package benchkit

import (
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

func TestQuantileTakesTheNearestRank(t *testing.T) {
	ms := func(n ...int) []time.Duration {
		out := make([]time.Duration, len(n))
		for i, v := range n {
			out[i] = time.Duration(v) * time.Millisecond
		}
		return out
	}
	for _, tc := range []struct {
		name   string
		sorted []time.Duration
		q      float64
		want   time.Duration
	}{
		{"none", nil, 0.5, 0},
		{"median of four", ms(1, 2, 3, 4), 0.5, 2 * time.Millisecond},
		{"median of five rounds up to the middle", ms(1, 2, 3, 4, 5), 0.5, 3 * time.Millisecond},
		{"p99 of a hundred is the 99th", ms(seq(100)...), 0.99, 99 * time.Millisecond},
		{"max", ms(1, 2, 3), 1, 3 * time.Millisecond},
		{"min", ms(1, 2, 3), 0, 1 * time.Millisecond},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := Quantile(tc.sorted, tc.q); got != tc.want {
				t.Errorf("Quantile(%v, %v) = %v, want %v", tc.sorted, tc.q, got, tc.want)
			}
		})
	}
}

func TestMetricsReadsOnlyTheNamedUnlabelledSeries(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, "# HELP go_goroutines x\ngo_goroutines 12\ngo_memstats_heap_inuse_bytes 1.5e+06\n"+
			"caddy_http_requests_total{code=\"200\"} 7\ngo_memstats_mallocs_total not-a-number\n")
	}))
	defer srv.Close()
	got, err := Metrics(srv.URL, "go_goroutines", "go_memstats_heap_inuse_bytes", "go_memstats_mallocs_total", "absent")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]float64{"go_goroutines": 12, "go_memstats_heap_inuse_bytes": 1.5e6}
	if len(got) != len(want) || got["go_goroutines"] != 12 || got["go_memstats_heap_inuse_bytes"] != 1.5e6 {
		t.Errorf("Metrics = %v, want %v", got, want)
	}
}

func TestSandboxStatsDecodesTheCountersAsked(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/__sandbox/stats" {
			http.NotFound(w, r)
			return
		}
		_, _ = io.WriteString(w, `{"get_token":2,"certifications":5,"certifications_in_flight":1}`)
	}))
	defer srv.Close()
	type stats struct {
		Certifications int64 `json:"certifications"`
		InFlight       int64 `json:"certifications_in_flight"`
	}
	if got := SandboxStats[stats](srv.URL); got != (stats{Certifications: 5, InFlight: 1}) {
		t.Errorf("SandboxStats = %+v", got)
	}
}

func TestNextAdultIDNeverRepeats(t *testing.T) {
	a, b := NextAdultID(), NextAdultID()
	if a == b || len(a) != len("imp_2")+11 || a[:5] != "imp_2" {
		t.Errorf("NextAdultID gave %q then %q", a, b)
	}
}

// seq returns 1 to n.
func seq(n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = i + 1
	}
	return out
}
