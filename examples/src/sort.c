/* Sorts pseudo-random numbers with qsort and prints a checksum and a few of them. */
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>

static int cmp(const void *a, const void *b) {
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

int main(int argc, char **argv) {
    size_t n = argc > 1 ? strtoul(argv[1], 0, 10) : 200000;
    uint64_t *v = malloc(n * sizeof *v), s = 88172645463325252ull, sum = 0;
    for (size_t i = 0; i < n; i++) { s ^= s << 13; s ^= s >> 7; s ^= s << 17; v[i] = s; }
    qsort(v, n, sizeof *v, cmp);
    for (size_t i = 0; i < n; i++) sum = sum * 31 + v[i];
    for (size_t i = 1; i < n; i++) if (v[i - 1] > v[i]) { printf("NOT SORTED at %zu\n", i); return 1; }
    printf("sorted %zu numbers, checksum %016llx\n", n, (unsigned long long)sum);
    printf("min %llu\nmax %llu\n", (unsigned long long)v[0], (unsigned long long)v[n - 1]);
    free(v);
    return 0;
}
