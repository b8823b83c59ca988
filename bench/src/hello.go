// The Go start-up workload of `npm run bench`: a CGO_ENABLED=0 static hello, so what is timed is
// the Go runtime's own start-up (its threads, signal handlers, memory arenas) and one write.
package main

import "os"

func main() {
	os.Stdout.WriteString("hello from Go\n")
}
