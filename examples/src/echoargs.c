/* Prints its arguments and selected environment variables, one per line. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern char **environ;

int main(int argc, char **argv) {
    printf("argc=%d\n", argc);
    for (int i = 0; i < argc; i++) printf("argv[%d]=%s\n", i, argv[i]);
    /* Only WASL_* variables: the rest of the environment differs between runs. */
    for (char **e = environ; *e; e++)
        if (strncmp(*e, "WASL_", 5) == 0) printf("env %s\n", *e);
    return 0;
}
