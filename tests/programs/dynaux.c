// What the kernel tells a dynamically linked program about its start: the auxiliary vector
// entries ld.so reads (AT_BASE, AT_ENTRY, AT_PHDR …), where the program and its interpreter
// are, /proc/self/exe and AT_EXECFN. Run natively under `setarch -R` (no ASLR) and under wasl,
// the output must be the same. With "exec PATH", it first re-executes PATH (itself, usually)
// with argv[1] = "child": exec of a dynamic program from a guest.

#define _GNU_SOURCE
#include <elf.h>
#include <errno.h>
#include <link.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <unistd.h>

extern char **environ;

static int phdr_cb(struct dl_phdr_info *info, size_t size, void *data) {
  (void)size;
  int *n = data;
  // The first object is the program itself: its load bias must be where AT_PHDR says it is.
  // The vDSO is an object too (glibc names it linux-vdso.so.1, musl leaves its name empty).
  if (info->dlpi_addr && info->dlpi_addr == getauxval(AT_SYSINFO_EHDR))
    printf("vdso object: name \"%s\", %d headers\n", info->dlpi_name, info->dlpi_phnum);
  if ((*n)++ == 0) {
    unsigned long phdr = getauxval(AT_PHDR);
    printf("first object: phdr %s AT_PHDR, %d headers\n",
           (unsigned long)info->dlpi_phdr == phdr ? "==" : "!=", info->dlpi_phnum);
  }
  return 0;
}

int main(int argc, char **argv) {
  if (argc > 2 && !strcmp(argv[1], "exec")) {
    char *args[] = { argv[2], "child", NULL };
    execve(argv[2], args, environ);
    printf("execve %s: %s\n", argv[2], strerror(errno));
    return 1;
  }
  printf("argv[1]: %s\n", argc > 1 ? argv[1] : "(none)");
  printf("AT_BASE   %#lx\n", getauxval(AT_BASE));
  printf("AT_ENTRY  %#lx\n", getauxval(AT_ENTRY));
  printf("AT_PHDR   %#lx\n", getauxval(AT_PHDR));
  printf("AT_PHENT  %lu\n", getauxval(AT_PHENT));
  printf("AT_PHNUM  %lu\n", getauxval(AT_PHNUM));
  printf("AT_PAGESZ %lu\n", getauxval(AT_PAGESZ));
  printf("AT_SECURE %lu\n", getauxval(AT_SECURE));
  printf("AT_EXECFN %s\n", (const char *)getauxval(AT_EXECFN));
  printf("AT_SYSINFO_EHDR %#lx\n", getauxval(AT_SYSINFO_EHDR));
  char exe[4096];
  ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
  exe[n < 0 ? 0 : n] = 0;
  printf("/proc/self/exe %s\n", exe);
  printf("main %s AT_ENTRY's image\n",
         (unsigned long)&main - (getauxval(AT_PHDR) & ~0xfffUL) < 0x100000 ? "is in" : "is outside");
  int objects = 0;
  dl_iterate_phdr(phdr_cb, &objects);
  printf("objects: %s\n", objects >= 2 ? "program and libraries" : "program only");
  return 0;
}
