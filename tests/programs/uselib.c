// Linked against dlib.c's library (not in any system directory): ld.so must find it through
// LD_LIBRARY_PATH or a DT_RUNPATH, bind its symbols (lazily, or at once with LD_BIND_NOW), and
// run its constructor before main.

#include <stdio.h>

extern int dlib_loaded;
int dlib_count(void);
unsigned long dlib_len(const char *);

int main(void) {
  printf("loaded %d, count %d %d, len %lu\n", dlib_loaded, dlib_count(), dlib_count(), dlib_len("library"));
  return 0;
}
