/* Exits with the status given as its first argument (default 42), writing to stderr first. */
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv) {
    int code = argc > 1 ? atoi(argv[1]) : 42;
    fprintf(stderr, "exiting with status %d\n", code);
    return code;
}
