// The vDSO as a program finds and uses it: AT_SYSINFO_EHDR, the ELF object behind it parsed the
// way musl (DT_HASH, versym/verdef) and Go (hash chains, LINUX_2.6) parse it, /proc/self/maps'
// [vdso] and [vvar], and each function called directly: results against the syscalls', the
// clock ids it serves and those it hands to the kernel, and what a bad pointer does (SIGSEGV at
// that address from inside the vDSO, or the syscall's EFAULT). Native and wasl must print the
// same; nothing printed depends on the time, the CPU or where things are mapped.

#define _GNU_SOURCE
#include <elf.h>
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>

static unsigned char *base;          // the vDSO's ELF header (AT_SYSINFO_EHDR)
static uintptr_t bias;               // load address - p_vaddr of its PT_LOAD
static const char *strtab;
static const Elf64_Sym *symtab;
static const uint32_t *hashtab;
static const uint16_t *versym;
static const Elf64_Verdef *verdef;
static size_t vdso_size;

static void parse(void) {
  Elf64_Ehdr *eh = (Elf64_Ehdr *)base;
  printf("elf: class %d data %d type %s machine %s phentsize %d\n", eh->e_ident[EI_CLASS], eh->e_ident[EI_DATA],
         eh->e_type == ET_DYN ? "ET_DYN" : "other", eh->e_machine == EM_X86_64 ? "x86-64" : "other", eh->e_phentsize);
  Elf64_Dyn *dyn = 0;
  int loads = 0;
  for (int i = 0; i < eh->e_phnum; i++) {
    Elf64_Phdr *ph = (Elf64_Phdr *)(base + eh->e_phoff + i * eh->e_phentsize);
    if (ph->p_type == PT_LOAD) { loads++; bias = (uintptr_t)base + ph->p_offset - ph->p_vaddr; vdso_size = ph->p_memsz; }
    if (ph->p_type == PT_DYNAMIC) dyn = (Elf64_Dyn *)(base + ph->p_offset);
    if (ph->p_type == PT_LOAD) printf("PT_LOAD: flags %c%c%c, offset %lu\n", ph->p_flags & PF_R ? 'r' : '-',
                                      ph->p_flags & PF_W ? 'w' : '-', ph->p_flags & PF_X ? 'x' : '-', (unsigned long)ph->p_offset);
  }
  printf("PT_LOAD count %d, PT_DYNAMIC %s\n", loads, dyn ? "yes" : "no");
  if (!dyn) exit(1);
  long soname = -1, verdefnum = 0;
  for (; dyn->d_tag != DT_NULL; dyn++) {
    void *p = (void *)(bias + dyn->d_un.d_ptr);
    switch (dyn->d_tag) {
    case DT_STRTAB: strtab = p; break;
    case DT_SYMTAB: symtab = p; break;
    case DT_HASH: hashtab = p; break;
    case DT_VERSYM: versym = p; break;
    case DT_VERDEF: verdef = p; break;
    case DT_SONAME: soname = dyn->d_un.d_val; break;
    case DT_VERDEFNUM: verdefnum = dyn->d_un.d_val; break;
    }
  }
  printf("DT_STRTAB %s DT_SYMTAB %s DT_HASH %s DT_VERSYM %s DT_VERDEF %s DT_VERDEFNUM %ld\n", strtab ? "yes" : "no",
         symtab ? "yes" : "no", hashtab ? "yes" : "no", versym ? "yes" : "no", verdef ? "yes" : "no", verdefnum);
  if (!strtab || !symtab || !hashtab) exit(1);
  printf("soname %s\n", soname >= 0 ? strtab + soname : "(none)");
  const Elf64_Verdef *d = verdef;
  for (long i = 0; d && i < verdefnum; i++) {
    const Elf64_Verdaux *a = (const Elf64_Verdaux *)((const char *)d + d->vd_aux);
    printf("verdef %d: flags %d name %s hash %s\n", d->vd_ndx, d->vd_flags, strtab + a->vda_name,
           d->vd_hash == 0 ? "zero" : "set");
    if (!d->vd_next) break;
    d = (const Elf64_Verdef *)((const char *)d + d->vd_next);
  }
}

static unsigned long elf_hash(const char *s) {
  unsigned long h = 0, g;
  while (*s) { h = (h << 4) + (unsigned char)*s++; if ((g = h & 0xf0000000)) h ^= g >> 24; h &= ~g; }
  return h;
}

static const char *version_of(uint32_t i) {
  if (!versym || !verdef) return "(none)";
  const Elf64_Verdef *d = verdef;
  for (;;) {
    if (d->vd_ndx == (versym[i] & 0x7fff)) return strtab + ((const Elf64_Verdaux *)((const char *)d + d->vd_aux))->vda_name;
    if (!d->vd_next) return "(unknown)";
    d = (const Elf64_Verdef *)((const char *)d + d->vd_next);
  }
}

/** Looks `name` up through the hash table's bucket and chain, as Go's runtime does. */
static void *lookup(const char *name) {
  uint32_t nbucket = hashtab[0];
  const uint32_t *bucket = hashtab + 2, *chain = bucket + nbucket;
  for (uint32_t i = bucket[elf_hash(name) % nbucket]; i; i = chain[i]) {
    const Elf64_Sym *s = &symtab[i];
    if (strcmp(strtab + s->st_name, name)) continue;
    printf("sym %-22s %s %s %s %s\n", name, ELF64_ST_TYPE(s->st_info) == STT_FUNC ? "FUNC" : "other",
           ELF64_ST_BIND(s->st_info) == STB_GLOBAL ? "GLOBAL" : ELF64_ST_BIND(s->st_info) == STB_WEAK ? "WEAK" : "other",
           s->st_shndx ? "defined" : "undefined", version_of(i));
    return (void *)(bias + s->st_value);
  }
  printf("sym %-22s missing\n", name);
  return 0;
}

#ifdef __GLIBC__
// libgcc's unwinder (linked into static glibc programs): finds the FDE covering a pc through
// dl_iterate_phdr and PT_GNU_EH_FRAME, as a backtrace through a frame in the vDSO would.
struct dwarf_eh_bases { void *tbase, *dbase, *func; };
extern const void *_Unwind_Find_FDE(void *pc, struct dwarf_eh_bases *bases);
#endif

typedef long (*cgt_fn)(long, struct timespec *);
typedef long (*gtod_fn)(struct timeval *, void *);
typedef long (*time_fn)(time_t *);
typedef long (*getcpu_fn)(unsigned *, unsigned *, void *);
static cgt_fn v_cgt, v_res;
static gtod_fn v_gtod;
static time_fn v_time;
static getcpu_fn v_getcpu;

static long long ns(struct timespec t) { return t.tv_sec * 1000000000LL + t.tv_nsec; }

static void maps(void) {
  FILE *f = fopen("/proc/self/maps", "r");
  char line[512], prev[512] = "";
  while (fgets(line, sizeof line, f)) {
    unsigned long a, b;
    char perms[8];
    if (sscanf(line, "%lx-%lx %7s", &a, &b, perms) != 3) continue;
    if (strstr(line, "[vdso]")) {
      printf("maps: [vdso] %s, %lu pages, %s AT_SYSINFO_EHDR\n", perms, (b - a) / 4096, a == (unsigned long)base ? "at" : "not at");
      unsigned long pa, pb;
      char pperms[8];
      if (sscanf(prev, "%lx-%lx %7s", &pa, &pb, pperms) == 3 && strstr(prev, "[vvar"))
        printf("maps: [vvar] %s right below: %s\n", pperms, pb == a ? "yes" : "no");
    }
    strcpy(prev, line);
  }
  fclose(f);
}

// ---- bad pointers: each case in a child; SIGSEGV's address and where it was raised ----------
static void on_segv(int sig, siginfo_t *si, void *uc) {
  uintptr_t rip = ((ucontext_t *)uc)->uc_mcontext.gregs[REG_RIP];
  printf("  SIGSEGV %d code %s addr %#lx from %s\n", sig, si->si_code == SEGV_MAPERR ? "MAPERR" : "other",
         (unsigned long)si->si_addr, rip - (uintptr_t)base < 8192 ? "the vDSO" : "elsewhere");
  fflush(stdout);
  _exit(0);
}

static void bad(const char *what, long (*call)(void)) {
  fflush(stdout);
  pid_t p = fork();
  if (p == 0) {
    struct sigaction sa = { .sa_sigaction = on_segv, .sa_flags = SA_SIGINFO };
    sigaction(SIGSEGV, &sa, 0);
    printf("%s:\n", what);
    long r = call();
    printf("  returned %ld\n", r);
    fflush(stdout);
    _exit(0);
  }
  int st;
  waitpid(p, &st, 0);
}
static long bad_cgt_null(void) { return v_cgt(CLOCK_MONOTONIC, 0); }
static long bad_cgt_8(void) { return v_cgt(CLOCK_REALTIME, (struct timespec *)8); }
static long bad_cgt_coarse(void) { return v_cgt(CLOCK_MONOTONIC_COARSE, (struct timespec *)16); }
static long bad_cgt_cpu(void) { return v_cgt(CLOCK_PROCESS_CPUTIME_ID, 0); }
static long bad_cgt_id(void) { return v_cgt(100, 0); }
static long bad_gtod(void) { return v_gtod((struct timeval *)8, 0); }
static long bad_gtod_tz(void) { struct timeval tv; return v_gtod(&tv, (void *)24); }
static long bad_time(void) { return v_time((time_t *)8); }
static long bad_getcpu(void) { return v_getcpu((unsigned *)8, 0, 0); }
static long bad_res(void) { return v_res(CLOCK_MONOTONIC, (struct timespec *)8); }
static long bad_res_null(void) { return v_res(CLOCK_BOOTTIME, 0); }
static long bad_res_cpu(void) { return v_res(CLOCK_THREAD_CPUTIME_ID, (struct timespec *)8); }

int main(void) {
  base = (unsigned char *)getauxval(AT_SYSINFO_EHDR);
  printf("AT_SYSINFO_EHDR: %s, %s\n", base ? "present" : "absent", ((uintptr_t)base & 4095) ? "unaligned" : "page-aligned");
  if (!base) return 1;
  parse();
  const char *names[] = { "clock_gettime", "gettimeofday", "time", "getcpu", "clock_getres" };
  void *fns[5];
  for (int i = 0; i < 5; i++) {
    char full[64];
    snprintf(full, sizeof full, "__vdso_%s", names[i]);
    fns[i] = lookup(full);
    void *alias = lookup(names[i]);
    if (alias != fns[i]) printf("  %s is not %s\n", names[i], full);
    if (fns[i] && ((uintptr_t)fns[i] < (uintptr_t)base || (uintptr_t)fns[i] >= (uintptr_t)base + vdso_size))
      printf("  %s outside the image\n", full);
  }
  v_cgt = (cgt_fn)fns[0]; v_gtod = (gtod_fn)fns[1]; v_time = (time_fn)fns[2]; v_getcpu = (getcpu_fn)fns[3]; v_res = (cgt_fn)fns[4];
  if (!v_cgt || !v_gtod || !v_time || !v_getcpu || !v_res) return 1;
  maps();
#ifdef __GLIBC__
  for (int i = 0; i < 5; i++) {
    struct dwarf_eh_bases eb = { 0 };
    const void *fde = _Unwind_Find_FDE((char *)fns[i] + 1, &eb);
    printf("unwind: %s: FDE %s, function start %s\n", names[i], fde ? "found" : "missing",
           !fde ? "-" : (uintptr_t)eb.func <= (uintptr_t)fns[i] ? "at or before it" : "after it");
  }
#endif

  // Each clock: the vDSO's reading lies between two syscall readings of the same clock (coarse
  // clocks too: both sides read the same coarse value source).
  int ids[] = { 0, 1, 2, 3, 4, 5, 6, 7, 11, 100, -1 };
  for (unsigned i = 0; i < sizeof ids / sizeof ids[0]; i++) {
    struct timespec a = { 0 }, v = { 0 }, b = { 0 }, rs = { 0 }, rv = { 0 };
    long ra = syscall(SYS_clock_gettime, ids[i], &a);
    long rvd = v_cgt(ids[i], &v);
    syscall(SYS_clock_gettime, ids[i], &b);
    long gs = syscall(SYS_clock_getres, ids[i], &rs);
    long gv = v_res(ids[i], &rv);
    int cpu = ids[i] == 2 || ids[i] == 3;
    printf("clock %d: syscall %ld vdso %ld; %s; getres syscall %ld vdso %ld, %s\n", ids[i], ra, rvd,
           ra != 0 ? "no reading" : cpu ? (ns(v) > 0 ? "cpu time positive" : "cpu time zero") :
           (ns(a) <= ns(v) && ns(v) <= ns(b) ? "ordered" : "NOT ordered"),
           gs == 0 ? 0L : -(long)errno, gv, gs == 0 && gv == 0 ? (ns(rs) == ns(rv) ? "same" : "DIFFERENT") : "-");
  }
  // The libc path (which goes through the vDSO where the libc uses one).
  struct timespec l1, l2;
  clock_gettime(CLOCK_MONOTONIC, &l1);
  for (int i = 0; i < 100000; i++) clock_gettime(CLOCK_MONOTONIC, &l2);
  printf("libc clock_gettime: %s\n", ns(l2) >= ns(l1) ? "monotonic" : "went back");

  struct timeval t1, tv, t2;
  struct { int mw, dst; } tz = { 77, 77 }, tzs = { 66, 66 };
  syscall(SYS_gettimeofday, &t1, 0);
  long rg = v_gtod(&tv, &tz);
  syscall(SYS_gettimeofday, &t2, &tzs);
  long long u1 = t1.tv_sec * 1000000LL + t1.tv_usec, uv = tv.tv_sec * 1000000LL + tv.tv_usec, u2 = t2.tv_sec * 1000000LL + t2.tv_usec;
  printf("gettimeofday: %ld, %s, usec < 1e6 %s, tz %s; NULL, NULL: %ld\n", rg, u1 <= uv && uv <= u2 ? "ordered" : "NOT ordered",
         tv.tv_usec < 1000000 ? "yes" : "no", tz.mw == tzs.mw && tz.dst == tzs.dst ? "as the syscall's" : "different", v_gtod(0, 0));
  time_t s1 = syscall(SYS_time, 0), tt = 0;
  long rt = v_time(&tt);
  time_t s2 = syscall(SYS_time, 0);
  printf("time: %s, stored %s; NULL: %s\n", s1 <= rt && rt <= s2 ? "ordered" : "NOT ordered", tt == rt ? "the result" : "something else",
         v_time(0) >= s1 ? "ok" : "back");
  unsigned c = 99, n = 99;
  long rc = v_getcpu(&c, &n, 0);
  printf("getcpu: %ld, cpu %s, node %u; NULL, NULL: %ld\n", rc, c < (unsigned)sysconf(_SC_NPROCESSORS_CONF) ? "in range" : "out of range", n,
         v_getcpu(0, 0, 0));

  // After fork the child has the same vDSO at the same address.
  fflush(stdout);
  pid_t p = fork();
  if (p == 0) {
    struct timespec x;
    printf("child: AT_SYSINFO_EHDR %s, vdso clock_gettime %ld\n", (unsigned char *)getauxval(AT_SYSINFO_EHDR) == base ? "same" : "moved",
           v_cgt(CLOCK_MONOTONIC, &x));
    fflush(stdout);
    _exit(0);
  }
  int st;
  waitpid(p, &st, 0);

  // madvise over the special mappings: [vvar] is a PFN mapping (EINVAL); [vdso]'s pages are the
  // kernel's, so after MADV_DONTNEED they come back as they were.
  errno = 0;
  long a1 = madvise(base - 4096, 4096, MADV_DONTNEED);
  printf("madvise DONTNEED the page below the vDSO: %ld %s\n", a1, a1 ? strerror(errno) : "");
  long a2 = madvise(base, 8192, MADV_DONTNEED);
  printf("madvise DONTNEED the vDSO: %ld %s\n", a2, a2 ? strerror(errno) : "");
  long a3 = madvise(base, 8192, MADV_FREE);
  printf("madvise FREE the vDSO: %ld %s\n", a3, a3 ? strerror(errno) : "");
  struct timespec again;
  printf("after: ELF magic %s, vdso clock_gettime %ld\n", memcmp(base, ELFMAG, SELFMAG) ? "gone" : "there", v_cgt(CLOCK_MONOTONIC, &again));

  bad("clock_gettime(MONOTONIC, NULL)", bad_cgt_null);
  bad("clock_gettime(REALTIME, 8)", bad_cgt_8);
  bad("clock_gettime(MONOTONIC_COARSE, 16)", bad_cgt_coarse);
  bad("clock_gettime(PROCESS_CPUTIME_ID, NULL)", bad_cgt_cpu);
  bad("clock_gettime(100, NULL)", bad_cgt_id);
  bad("gettimeofday(8, NULL)", bad_gtod);
  bad("gettimeofday(&tv, 24)", bad_gtod_tz);
  bad("time(8)", bad_time);
  bad("getcpu(8, NULL)", bad_getcpu);
  bad("clock_getres(MONOTONIC, 8)", bad_res);
  bad("clock_getres(BOOTTIME, NULL)", bad_res_null);
  bad("clock_getres(THREAD_CPUTIME_ID, 8)", bad_res_cpu);
  return 0;
}
