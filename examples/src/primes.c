/* Counts primes below N with a sieve, then prints the last few: a compute-heavy loop. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv) {
    long n = argc > 1 ? atol(argv[1]) : 2000000;
    unsigned char *composite = calloc(n + 1, 1);
    long count = 0, last[5] = {0};
    for (long i = 2; i <= n; i++) {
        if (composite[i]) continue;
        count++;
        memmove(last, last + 1, sizeof last - sizeof last[0]);
        last[4] = i;
        for (long j = i * i; j <= n; j += i) composite[j] = 1;
    }
    printf("%ld primes below %ld; the largest: %ld %ld %ld %ld %ld\n",
           count, n, last[0], last[1], last[2], last[3], last[4]);
    free(composite);
    return 0;
}
