// A static Go HTTP server (net/http, CGO_ENABLED=0) for tests/gohttp.test.ts: it listens on a
// loopback port the kernel picks, prints "listening PORT", answers GET /echo?n=N with a body
// derived from N (so a corrupted or misrouted response shows), POST /sum with the byte sum of
// the body, and exits when asked for /quit. Go's runtime drives it all through epoll and
// non-blocking sockets: accept4, read/write with EAGAIN, EPOLLET readiness.
package main

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
)

func main() {
	addr := "127.0.0.1:0"
	if len(os.Args) > 1 {
		addr = os.Args[1]
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		fmt.Println("listen:", err)
		os.Exit(1)
	}
	fmt.Printf("listening %d\n", ln.Addr().(*net.TCPAddr).Port)
	done := make(chan struct{})
	mux := http.NewServeMux()
	mux.HandleFunc("/echo", func(w http.ResponseWriter, r *http.Request) {
		n, _ := strconv.Atoi(r.URL.Query().Get("n"))
		fmt.Fprintf(w, "echo %d %s", n, strings.Repeat(strconv.Itoa(n%10), n%200))
	})
	mux.HandleFunc("/sum", func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		s := 0
		for _, c := range b {
			s += int(c)
		}
		fmt.Fprintf(w, "sum %d %d", len(b), s)
	})
	mux.HandleFunc("/quit", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, "bye")
		close(done)
	})
	srv := &http.Server{Handler: mux}
	go srv.Serve(ln)
	<-done
	srv.Close()
	fmt.Println("served")
}
