// The Go hot loop of `npm run bench:ips` (issue #11): a CGO_ENABLED=0 static program whose time
// is all compute in Go's own code generation — bounds-checked slice indexing, a map-free hash
// table probe, integer division and a sieve — so the compiler tier meets Go's calling convention
// and code shapes rather than gcc's. Prints a checksum the bench compares with native.
package main

import (
	"fmt"
	"os"
	"strconv"
)

func sieve(n int) []int {
	composite := make([]bool, n+1)
	var primes []int
	for i := 2; i <= n; i++ {
		if composite[i] {
			continue
		}
		primes = append(primes, i)
		for j := i * i; j <= n; j += i {
			composite[j] = true
		}
	}
	return primes
}

// An open-addressing table of uint32 keys: insert and probe, the shape of a Go hash workload
// without the runtime's map (whose time would be the runtime's, not the loop's).
func probe(keys []uint32, table []uint32) uint64 {
	mask := uint32(len(table) - 1)
	for i := range table {
		table[i] = 0
	}
	for _, k := range keys {
		h := (k * 2654435761) & mask
		for table[h] != 0 && table[h] != k {
			h = (h + 1) & mask
		}
		table[h] = k
	}
	var s uint64
	for _, k := range keys {
		h := (k*2654435761 ^ 0x5bd1e995) & mask
		for table[h] != 0 {
			s += uint64(table[h] % 1000003)
			if table[h] == k {
				break
			}
			h = (h + 1) & mask
		}
	}
	return s
}

func main() {
	rounds := 20
	if len(os.Args) > 1 {
		rounds, _ = strconv.Atoi(os.Args[1])
	}
	primes := sieve(200000)
	keys := make([]uint32, 4096)
	table := make([]uint32, 8192)
	var sum uint64
	x := uint32(2463534242)
	for r := 0; r < rounds; r++ {
		for i := range keys {
			x ^= x << 13
			x ^= x >> 17
			x ^= x << 5
			keys[i] = x | 1
		}
		sum += probe(keys, table)
		for i, p := range primes {
			sum += uint64(p) * uint64(i+r) % 65521
		}
	}
	fmt.Println(len(primes), sum)
}
