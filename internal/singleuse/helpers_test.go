package singleuse

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/verigate/caddy-iamport/internal/clocktest"
)

func newFakeClock() *clocktest.Clock {
	return clocktest.New(time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC))
}

// raceReserve has n goroutines reserve id at the same moment, each on the
// store stores[i%len(stores)], and returns how many won.
func raceReserve(t *testing.T, stores []Store, id string, n int) int {
	t.Helper()
	var (
		wins  atomic.Int32
		start = make(chan struct{})
		wg    sync.WaitGroup
		errs  = make(chan error, n)
	)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			ok, err := stores[i%len(stores)].Reserve(context.Background(), id, time.Minute)
			if err != nil {
				errs <- err
				return
			}
			if ok {
				wins.Add(1)
			}
		}()
	}
	close(start)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("Reserve: %v", err)
	}
	return int(wins.Load())
}

// quietRedis drops go-redis's process-wide log lines (hundreds of
// "connection refused" while a failover test's master is down).
type quietRedis struct{}

func (quietRedis) Printf(context.Context, string, ...any) {}

func init() { redis.SetLogger(quietRedis{}) }
