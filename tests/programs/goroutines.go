// Goroutines, channels, a mutex and asynchronous preemption (issue #4): built with
// CGO_ENABLED=0 at test time (tests/threads.test.ts) and compared with the native run.
package main

import (
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
)

func main() {
	// Producers and one consumer over an unbuffered channel.
	ch := make(chan int)
	var wg sync.WaitGroup
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func(id int) {
			defer wg.Done()
			for i := 0; i < 1000; i++ {
				ch <- id*1000 + i
			}
		}(w)
	}
	go func() { wg.Wait(); close(ch) }()
	sum := 0
	for v := range ch {
		sum += v
	}
	fmt.Println("channel sum", sum)

	// A mutex-protected counter.
	var mu sync.Mutex
	n := 0
	var wg2 sync.WaitGroup
	for i := 0; i < 50; i++ {
		wg2.Add(1)
		go func() {
			defer wg2.Done()
			for j := 0; j < 100; j++ {
				mu.Lock()
				n++
				mu.Unlock()
				runtime.Gosched()
			}
		}()
	}
	wg2.Wait()
	fmt.Println("mutex counter", n)

	// A goroutine spinning without a preemption point: with one P, the main goroutine runs
	// again only once sysmon preempts the spinner with a signal to its thread (tgkill SIGURG).
	// (No timers: Go's timers need epoll, which wasl lacks yet.)
	runtime.GOMAXPROCS(1)
	var stop int32
	spun := make(chan bool)
	go func() {
		for atomic.LoadInt32(&stop) == 0 {
		}
		spun <- true
	}()
	runtime.Gosched()
	atomic.StoreInt32(&stop, 1)
	fmt.Println("preempted spinner stopped", <-spun)
}
