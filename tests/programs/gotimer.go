// Timers in Go's runtime: time.Sleep, time.After, time.NewTicker and select with a timeout all
// park goroutines in the netpoller (epoll_pwait with a timeout, woken through an eventfd or a
// pipe). Prints only what scheduling cannot change.
package main

import (
	"fmt"
	"os"
	"time"
)

func main() {
	start := time.Now()
	time.Sleep(30 * time.Millisecond)
	fmt.Println("slept >= 30ms:", time.Since(start) >= 30*time.Millisecond)

	select {
	case <-time.After(20 * time.Millisecond):
		fmt.Println("time.After fired")
	case <-time.After(5 * time.Second):
		fmt.Println("wrong timer")
	}

	// Which goroutine reports first depends on the scheduler when timers fire together under
	// load (natively too), so check what doesn't: all wake, none before its deadline.
	done := make(chan int)
	for i := 0; i < 4; i++ {
		go func(i int) {
			d := time.Duration(20*(4-i)) * time.Millisecond
			t0 := time.Now()
			time.Sleep(d)
			if time.Since(t0) >= d {
				done <- i
			} else {
				done <- -1
			}
		}(i)
	}
	woke := make([]bool, 4)
	early := 0
	for i := 0; i < 4; i++ {
		if v := <-done; v >= 0 {
			woke[v] = true
		} else {
			early++
		}
	}
	fmt.Println("all woke, none early:", woke, early)

	t := time.NewTicker(10 * time.Millisecond)
	n := 0
	for range t.C {
		n++
		if n == 3 {
			break
		}
	}
	t.Stop()
	fmt.Println("ticks:", n)

	c := make(chan struct{})
	go func() { time.Sleep(10 * time.Millisecond); close(c) }()
	select {
	case <-c:
		fmt.Println("channel before timeout")
	case <-time.After(5 * time.Second):
		fmt.Println("timeout")
	}
	timer := time.AfterFunc(time.Hour, func() { fmt.Println("never") })
	fmt.Println("stopped:", timer.Stop())
	fmt.Fprintln(os.Stderr, "done")
}
