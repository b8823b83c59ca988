// Run-time loading through the dynamic linker: dlopen of a library given by path (its
// constructor, dynamic TLS, symbols), dlopen errors (missing file, not an ELF file), dlclose
// running the destructor, and dladdr. argv[1] is the library built from dlib.c.

#define _GNU_SOURCE
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

static int (*count)(void);

static void *thread(void *arg) {
  (void)arg;
  // A new thread gets its own copy of the library's TLS block, starting from the initial value.
  int a = count(), b = count();
  printf("thread: %d %d\n", a, b);
  return NULL;
}

int main(int argc, char **argv) {
  if (argc < 2) return 2;
  void *h = dlopen(argv[1], RTLD_NOW);
  if (!h) { printf("dlopen: %s\n", dlerror()); return 1; }
  count = (int (*)(void))dlsym(h, "dlib_count");
  size_t (*len)(const char *) = (size_t (*)(const char *))dlsym(h, "dlib_len");
  int *loaded = dlsym(h, "dlib_loaded");
  printf("symbols: %s %s %s\n", count ? "count" : "-", len ? "len" : "-", loaded ? "loaded" : "-");
  printf("loaded flag %d, len %zu\n", *loaded, len("dynamic"));
  int a = count(), b = count();
  printf("main: %d %d\n", a, b);
  pthread_t t;
  pthread_create(&t, NULL, thread, NULL);
  pthread_join(t, NULL);
  printf("main again: %d\n", count());
  Dl_info info;
  if (dladdr((void *)count, &info) && info.dli_sname) printf("dladdr: %s in %s\n", info.dli_sname, strrchr(info.dli_fname, '/') + 1);
  printf("missing symbol: %s\n", dlsym(h, "no_such_symbol") ? "found" : "not found");
  void *bad = dlopen("/no/such/lib.so", RTLD_NOW);
  printf("missing library: %s\n", bad ? "loaded" : "error");
  bad = dlopen(argv[0], RTLD_NOW);   // an executable (PIE): glibc refuses, musl may accept
  if (bad) dlclose(bad);
  printf("closing\n");
  fflush(stdout);
  dlclose(h);
  printf("closed\n");
  return 0;
}
