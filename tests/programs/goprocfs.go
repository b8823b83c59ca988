// What Go's runtime and os package read from /proc and /sys at start and on request: the CPU
// count (sched_getaffinity, cgroup files), the working directory, the executable
// (/proc/self/exe), the hostname, descriptors. Printed so native and wasl runs can be compared.
package main

import (
	"fmt"
	"os"
	"runtime"
	"strings"
)

func main() {
	fmt.Println("NumCPU:", runtime.NumCPU())
	fmt.Println("GOMAXPROCS:", runtime.GOMAXPROCS(0))
	wd, err := os.Getwd()
	fmt.Println("Getwd:", wd, err)
	exe, err := os.Executable()
	fmt.Println("Executable:", exe, err)
	h, err := os.Hostname()
	proc, _ := os.ReadFile("/proc/sys/kernel/hostname")
	fmt.Println("Hostname = /proc/sys/kernel/hostname:", h+"\n" == string(proc), err)
	done := make(chan int)
	for i := 0; i < 8; i++ {
		go func(i int) { done <- i * i }(i)
	}
	sum := 0
	for i := 0; i < 8; i++ {
		sum += <-done
	}
	fmt.Println("goroutines:", sum)
	cmdline, _ := os.ReadFile("/proc/self/cmdline")
	fmt.Printf("cmdline args: %q\n", strings.Split(string(cmdline), "\x00")[1:])
	entries, err := os.ReadDir("/proc/self/fd")
	fmt.Println("/proc/self/fd has stdio:", len(entries) >= 3, err)
	st, _ := os.ReadFile("/proc/self/stat")
	fields := strings.Fields(string(st[strings.LastIndexByte(string(st), ')')+2:]))
	// The state is the thread group leader's: R when the goroutine reading runs on it, S when it
	// runs on another of Go's threads and the leader sleeps — either, from one run to the next.
	fmt.Println("stat fields after comm:", len(fields), "state R or S:", fields[0] == "R" || fields[0] == "S", "ppid ok:", fields[1] == fmt.Sprint(os.Getppid()))
	thp, err := os.ReadFile("/sys/kernel/mm/transparent_hugepage/hpage_pmd_size")
	fmt.Printf("hpage_pmd_size: %q %v\n", thp, err)
}
