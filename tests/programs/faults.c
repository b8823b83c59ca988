/* Dies the way its first argument says; the parent sees the signal in the exit status. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

volatile int zero = 0;

int main(int argc, char **argv) {
    const char *how = argc > 1 ? argv[1] : "segv";
    printf("about to %s\n", how);
    fflush(stdout);
    if (!strcmp(how, "segv")) { *(volatile int *)16 = 1; }
    if (!strcmp(how, "ud2")) { __builtin_trap(); }
    if (!strcmp(how, "div")) { printf("%d\n", 1 / zero); }
    if (!strcmp(how, "int3")) { __asm__ volatile("int3"); }
    if (!strcmp(how, "hlt")) { __asm__ volatile("hlt"); }
    if (!strcmp(how, "exec-data")) { static unsigned char code[] = {0xc3}; ((void (*)(void))code)(); }
    if (!strcmp(how, "write-text")) { *(volatile char *)main = 0; }
    if (!strcmp(how, "abort")) { abort(); }
    return 0;
}
