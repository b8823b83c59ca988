// A small shared library for dlopen.c: a constructor and destructor, a thread-local counter
// (dynamic TLS: __tls_get_addr in a dlopen'ed module), and a function that calls back into libc.

#include <stdio.h>
#include <string.h>

static __thread int calls = 40;
int dlib_loaded;

__attribute__((constructor)) static void init(void) { dlib_loaded = 1; printf("dlib: constructor\n"); }
__attribute__((destructor)) static void fini(void) { printf("dlib: destructor\n"); fflush(stdout); }

int dlib_count(void) { return ++calls; }

size_t dlib_len(const char *s) { return strlen(s); }
