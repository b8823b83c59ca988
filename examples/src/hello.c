/* The first program anyone runs: one line on stdout. */
#include <stdio.h>

int main(void) {
    printf("Hello from Linux, running in WebAssembly!\n");
    return 0;
}
