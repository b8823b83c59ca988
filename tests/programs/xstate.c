/* The XSAVE-format signal frame, checked against what the CPU itself reports (CPUID leaf 0xD,
 * XGETBV) so that the output is the same on any XSAVE machine, whatever its state components:
 * uc_flags, the fpstate's software-reserved bytes (FP_XSTATE_MAGIC1, extended_size, xfeatures,
 * xstate_size), FP_XSTATE_MAGIC2 after the area, the XSAVE header, where the area sits on the
 * stack, AT_MINSIGSTKSZ; then rt_sigreturn taking back an XSAVE frame a handler edited, the
 * fxsave-only fallback when magic2 is gone, and bad frames (SIGSEGV).
 *   xstate            the frame and the good returns
 *   xstate badheader  XCOMP_BV set in the frame's header: XRSTOR faults, sigreturn kills
 *   xstate badmxcsr   a reserved MXCSR bit: the same */
#define _GNU_SOURCE
#include <cpuid.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/auxv.h>
#include <ucontext.h>
#include <unistd.h>

#define MAGIC1 0x46505853u
#define MAGIC2 0x46505845u

static unsigned xsave_size, xcr0;
static char altstack[65536] __attribute__((aligned(64)));
static int mode; /* what the handler does to the frame */
enum { LOOK, CLEAR_SSE_BV, DROP_MAGIC2, X87_ONLY, BAD_HEADER, BAD_MXCSR };

static void handler(int sig, siginfo_t *si, void *ucv) {
  (void)sig; (void)si;
  ucontext_t *uc = ucv;
  unsigned char *fp = (unsigned char *)uc->uc_mcontext.fpregs;
  uint32_t *sw = (uint32_t *)(fp + 464);
  uint64_t *hdr = (uint64_t *)(fp + 512);
  if (mode == LOOK) {
    printf("uc_flags=%#lx\n", uc->uc_flags);
    printf("fpstate %%64=%lu, at round_down(stack top - (xstate_size + 4), 64): %d\n", (unsigned long)((uintptr_t)fp % 64),
           (uintptr_t)fp == (((uintptr_t)altstack + sizeof altstack - xsave_size - 4) & ~(uintptr_t)63));
    printf("magic1 ok: %d extended_size == xstate_size + 4: %d xfeatures == XCR0: %d xstate_size == CPUID.(0xD,0).EBX: %d\n",
           sw[0] == MAGIC1, sw[1] == sw[4] + 4, *(uint64_t *)&sw[2] == xcr0, sw[4] == xsave_size);
    int pad0 = 1;
    for (int i = 488; i < 512; i++) pad0 &= fp[i] == 0;
    int gap = 1;
    for (int i = 416; i < 464; i++) gap &= fp[i] == 0xa5;
    printf("legacy bytes 416..463 untouched: %d\n", gap);
    printf("sw_reserved padding zero: %d magic2 after the area: %d\n", pad0, *(uint32_t *)(fp + xsave_size) == MAGIC2);
    printf("xstate_bv has x87|SSE: %d, within XCR0: %d; xcomp_bv=%#llx\n", (hdr[0] & 3) == 3, (hdr[0] & ~(uint64_t)xcr0) == 0,
           (unsigned long long)hdr[1]);
    int rest0 = 1, restpat = 1;
    for (int i = 16; i < 64; i++) { rest0 &= fp[512 + i] == 0; restpat &= fp[512 + i] == 0xa5; }
    printf("header bytes 16..63: zero %d, untouched %d\n", rest0, restpat);
    /* Stack bytes between the area's end (after magic2) and the stack top are not written. */
    int above = 1;
    for (unsigned char *p = fp + xsave_size + 4; p < (unsigned char *)altstack + sizeof altstack; p++) above &= *p == 0xa5;
    printf("bytes above the area untouched: %d\n", above);
  }
  /* Edits sigreturn must take back: xmm7 in the legacy region, and MXCSR. */
  memset(fp + 160 + 7 * 16, 0x5a, 16);
  *(uint32_t *)(fp + 24) = 0x1f80 | 0x6000;
  if (mode == CLEAR_SSE_BV) hdr[0] &= ~(uint64_t)2; /* XRSTOR initialises SSE: xmm 0, MXCSR still loaded */
  if (mode == DROP_MAGIC2) { hdr[0] &= ~(uint64_t)2; *(uint32_t *)(fp + xsave_size) = 0; } /* fxrstor only */
  if (mode == BAD_HEADER) hdr[1] = 1;
  if (mode == BAD_MXCSR) *(uint32_t *)(fp + 24) = 0x40000;
  if (mode == X87_ONLY) *(uint64_t *)&sw[2] = 1; /* restore x87 alone: SSE is initialised */
}

static void round_trip(const char *what) {
  unsigned char xmm7[16], xmm3[16];
  unsigned mx, dflt = 0x1f80;
  static const unsigned char ones[16] = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1};
  __asm__ volatile("movdqu %[o], %%xmm3\n movdqu %[o], %%xmm7\n" : : [o] "m"(ones) : "xmm3", "xmm7");
  raise(SIGUSR1);
  __asm__ volatile("movdqu %%xmm7, %[a]\n movdqu %%xmm3, %[b]\n stmxcsr %[m]\n ldmxcsr %[d]\n"
                   : [a] "=m"(xmm7), [b] "=m"(xmm3), [m] "=m"(mx) : [d] "m"(dflt) : "memory");
  printf("%s: xmm7[0]=%#x xmm3[0]=%#x mxcsr=%#x\n", what, xmm7[0], xmm3[0], mx);
}

int main(int argc, char **argv) {
  setvbuf(stdout, 0, _IONBF, 0);
  unsigned a, b, c, d;
  __cpuid(1, a, b, c, d);
  if (!((c >> 27) & 1)) { printf("no OSXSAVE: nothing to check\n"); return 0; }
  __cpuid_count(0xd, 0, a, b, c, d);
  xsave_size = b;
  unsigned lo, hi;
  __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
  xcr0 = lo;
  printf("XCR0 has x87|SSE: %d\n", (xcr0 & 3) == 3);
  /* Linux: sizeof(struct sigframe_ia32) + 15 + xstate_size + magic2 + fsave header + 63, to 16. */
  unsigned long want = (736 + 15 + xsave_size + 4 + 112 + 63 + 15) & ~15ul;
  printf("AT_MINSIGSTKSZ as Linux computes it from CPUID: %d\n", getauxval(AT_MINSIGSTKSZ) == want);

  memset(altstack, 0xa5, sizeof altstack);
  stack_t ss = {.ss_sp = altstack, .ss_size = sizeof altstack, .ss_flags = 0};
  sigaltstack(&ss, 0);
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = handler;
  sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
  sigaction(SIGUSR1, &sa, 0);
  if (argc > 1 && !strcmp(argv[1], "badheader")) { mode = BAD_HEADER; round_trip("bad header"); return 0; }
  if (argc > 1 && !strcmp(argv[1], "badmxcsr")) { mode = BAD_MXCSR; round_trip("bad mxcsr"); return 0; }
  mode = LOOK;
  round_trip("edited frame");
  mode = CLEAR_SSE_BV;
  round_trip("SSE bit cleared in xstate_bv");
  mode = DROP_MAGIC2;
  round_trip("magic2 gone (fxsave-only restore)");
  mode = X87_ONLY;
  round_trip("sw xfeatures = x87 only");
  return 0;
}
