package warmup

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/verigate/caddy-iamport/internal/clocktest"
)

func TestNothingRunsUntilStarted(t *testing.T) {
	var runs atomic.Int32
	task := New(func(context.Context) error { runs.Add(1); return nil }, Options{})
	defer task.Stop()
	if runs.Load() != 0 || task.Ready() {
		t.Fatal("New ran the function")
	}
	if err := task.Wait(context.Background()); err != nil || runs.Load() != 1 || !task.Ready() {
		t.Fatalf("Wait = %v after %d runs", err, runs.Load())
	}
}

func TestConcurrentCallersShareOneRun(t *testing.T) {
	var runs atomic.Int32
	release := make(chan struct{})
	task := New(func(context.Context) error { runs.Add(1); <-release; return nil }, Options{})
	defer task.Stop()
	var wg sync.WaitGroup
	errs := make(chan error, 20)
	for range 20 {
		wg.Go(func() {
			task.Start()
			errs <- task.Wait(context.Background())
		})
	}
	close(release)
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if runs.Load() != 1 {
		t.Fatalf("%d runs, want 1", runs.Load())
	}
	task.Start()
	_ = task.Wait(context.Background())
	if runs.Load() != 1 {
		t.Fatal("a succeeded task ran again")
	}
}

func TestAFailedRunIsRetriedAfterTheDelayOnly(t *testing.T) {
	clock := clocktest.New(time.Unix(0, 0))
	var runs atomic.Int32
	fail := errors.New("storage down")
	task := New(func(context.Context) error {
		if runs.Add(1) < 3 {
			return fail
		}
		return nil
	}, Options{RetryDelay: 5 * time.Second, Now: clock.Now})
	defer task.Stop()

	if err := task.Wait(context.Background()); !errors.Is(err, fail) {
		t.Fatalf("first Wait = %v, want the failure", err)
	}
	clock.Advance(4 * time.Second)
	task.Start()
	if err := task.Wait(context.Background()); !errors.Is(err, fail) || runs.Load() != 1 {
		t.Fatalf("within the delay: Wait = %v after %d runs, want the old failure and 1 run", err, runs.Load())
	}
	clock.Advance(time.Second)
	if err := task.Wait(context.Background()); !errors.Is(err, fail) || runs.Load() != 2 {
		t.Fatalf("after the delay: Wait = %v after %d runs, want a second run", err, runs.Load())
	}
	clock.Advance(5 * time.Second)
	if err := task.Wait(context.Background()); err != nil || runs.Load() != 3 || !task.Ready() {
		t.Fatalf("third run: Wait = %v after %d runs", err, runs.Load())
	}
}

func TestWaitGivesUpWithItsContext(t *testing.T) {
	release := make(chan struct{})
	task := New(func(context.Context) error { <-release; return nil }, Options{})
	defer func() { close(release); task.Stop() }()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := task.Wait(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("Wait = %v, want context.Canceled", err)
	}
}

func TestStopCancelsTheRunContext(t *testing.T) {
	stopped := make(chan struct{})
	task := New(func(ctx context.Context) error {
		go func() { <-ctx.Done(); close(stopped) }()
		return nil
	}, Options{})
	if err := task.Wait(context.Background()); err != nil {
		t.Fatal(err)
	}
	task.Stop()
	<-stopped // blocks forever (test timeout) if Stop did not cancel

	var runs atomic.Int32
	idle := New(func(context.Context) error { runs.Add(1); return nil }, Options{})
	idle.Stop()
	idle.Start()
	if err := idle.Wait(context.Background()); !errors.Is(err, ErrStopped) || runs.Load() != 0 {
		t.Fatalf("after Stop: Wait = %v with %d runs", err, runs.Load())
	}
}
