/* Synchronous signals and handler contexts: SIGSEGV (MAPERR, ACCERR, #GP), SIGFPE (integer and
 * SSE), SIGILL, SIGTRAP caught with their siginfo; handlers that leave by siglongjmp or that edit
 * the interrupted context (rip, registers, flags, saved SSE state) and return through
 * rt_sigreturn; SA_RESETHAND, SA_NODEFER and sa_mask. The output must match a native run. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <ucontext.h>
#include <unistd.h>
#include <sys/syscall.h>

static sigjmp_buf env;
static volatile int caught;
static volatile int last_sig, last_code;
static void *volatile last_addr;
static volatile unsigned long long last_rip, last_trapno, last_err, last_cr2;

extern char ud2_insn[], int3_insn[], divss_insn[], fwait_insn[];
void do_ud2(void);
void do_int3(void);
float do_divss(float a, float b);
void do_x87_div0(void);
__asm__(".text\n"
        /* x87 1/0 with ZE unmasked: the fdivp only flags it; the next waiting insn raises #MF. */
        ".globl do_x87_div0\ndo_x87_div0:\n sub $8, %rsp\n fnstcw (%rsp)\n andw $0xfffb, (%rsp)\n fldcw (%rsp)\n"
        " fld1\n fldz\n fdivrp %st, %st(1)\n.globl fwait_insn\nfwait_insn: fwait\n fninit\n add $8, %rsp\n ret\n"
        ".globl do_ud2\ndo_ud2:\n.globl ud2_insn\nud2_insn: ud2\n ret\n"
        ".globl do_int3\ndo_int3:\n.globl int3_insn\nint3_insn: int3\n ret\n"
        ".globl do_divss\ndo_divss:\n.globl divss_insn\ndivss_insn: divss %xmm1, %xmm0\n ret\n");

static void record(int sig, siginfo_t *si, void *ucv) {
  ucontext_t *uc = ucv;
  last_sig = sig;
  last_code = si->si_code;
  last_addr = si->si_addr;
  last_rip = uc->uc_mcontext.gregs[REG_RIP];
  last_trapno = uc->uc_mcontext.gregs[REG_TRAPNO];
  last_err = uc->uc_mcontext.gregs[REG_ERR];
  last_cr2 = uc->uc_mcontext.gregs[REG_CR2];
  caught++;
}

static void jump_handler(int sig, siginfo_t *si, void *uc) {
  record(sig, si, uc);
  siglongjmp(env, 1);
}

/* Skips the faulting instruction (ud2: 2 bytes) by editing the saved rip. */
static void skip_handler(int sig, siginfo_t *si, void *ucv) {
  ucontext_t *uc = ucv;
  record(sig, si, ucv);
  if (sig == SIGILL) uc->uc_mcontext.gregs[REG_RIP] += 2;
}

/* Masks SSE exceptions in the saved MXCSR so the divss re-executes without faulting. */
static void fpe_sse_handler(int sig, siginfo_t *si, void *ucv) {
  ucontext_t *uc = ucv;
  record(sig, si, ucv);
  uc->uc_mcontext.fpregs->mxcsr = (uc->uc_mcontext.fpregs->mxcsr | 0x1f80) & ~0x3f;
}

/* Clears the pending x87 exception in the saved FSW and masks it, so fwait runs clean. */
static unsigned saved_swd;
static void fpe_x87_handler(int sig, siginfo_t *si, void *ucv) {
  ucontext_t *uc = ucv;
  record(sig, si, ucv);
  saved_swd = uc->uc_mcontext.fpregs->swd;
  uc->uc_mcontext.fpregs->swd &= ~0x80ff;
  uc->uc_mcontext.fpregs->cwd |= 0x3f;
}

static void install(int sig, void (*h)(int, siginfo_t *, void *), int flags) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = h;
  sa.sa_flags = SA_SIGINFO | flags;
  sigemptyset(&sa.sa_mask);
  sigaction(sig, &sa, 0);
}

static void report(const char *what) {
  printf("%s: caught=%d sig=%d code=%d trapno=%llu err=%llu\n", what, caught, last_sig, last_code, last_trapno, last_err);
  caught = 0;
}

/* Through pointer variables: a constant address would compile to movabs (A1 moffs64). */
static volatile long *volatile noncanonical = (long *)0x8000000000000000ull, *volatile kernelhalf = (long *)0xffffffffff600000ull;
volatile int zero = 0, seven = 7, minus1 = -1, intmin = -2147483647 - 1;

static void faults(void) {
  install(SIGSEGV, jump_handler, 0);
  if (!sigsetjmp(env, 1)) *(volatile int *)16 = 1;
  report("write to 16");
  printf("  addr=%p cr2=%#llx\n", last_addr, last_cr2);
  if (!sigsetjmp(env, 1)) (void)*(volatile int *)0x7000;
  report("read of 0x7000");
  printf("  addr=%p\n", last_addr);

  char *ro = mmap(0, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (!sigsetjmp(env, 1)) ro[100] = 1;
  report("write to PROT_READ");
  printf("  addr-page=%ld\n", (long)((char *)last_addr - ro));
  char *none = mmap(0, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (!sigsetjmp(env, 1)) (void)*(volatile char *)(none + 8);
  report("read of PROT_NONE");
  printf("  addr-page=%ld\n", (long)((char *)last_addr - none));
  if (!sigsetjmp(env, 1)) *(volatile char *)faults = 0;
  report("write to text");
  printf("  addr==faults: %d\n", last_addr == (void *)faults);
  if (!sigsetjmp(env, 1)) (void)*noncanonical;
  report("non-canonical read (#GP)");
  printf("  addr=%p\n", last_addr);
  if (!sigsetjmp(env, 1)) (void)*kernelhalf;
  report("kernel-half read");
  printf("  addr=%p\n", last_addr);
  /* The handler was reset by nothing: SIGSEGV is still caught. A blocked fault is forced. */
  sigset_t s;
  sigemptyset(&s);
  sigaddset(&s, SIGSEGV);

  install(SIGFPE, jump_handler, 0);
  if (!sigsetjmp(env, 1)) printf("%d\n", seven / zero);
  report("7/0");
  printf("  addr==rip: %d\n", (unsigned long long)last_addr == last_rip);
  if (!sigsetjmp(env, 1)) printf("%d\n", intmin / minus1);
  report("INT_MIN/-1");

  install(SIGILL, skip_handler, 0);
  do_ud2();
  report("ud2 skipped");
  printf("  addr==ud2: %d rip==ud2: %d\n", last_addr == (void *)ud2_insn, last_rip == (unsigned long long)ud2_insn);

  install(SIGTRAP, skip_handler, 0);
  do_int3();
  report("int3");
  printf("  addr=%p rip==after: %d\n", last_addr, last_rip == (unsigned long long)int3_insn + 1);

  /* SSE: unmask divide-by-zero, divide, let the handler mask it in the saved MXCSR. */
  install(SIGFPE, fpe_sse_handler, 0);
  unsigned mx = 0x1f80 & ~0x200, after;
  __asm__ volatile("ldmxcsr %0" ::"m"(mx));
  float r = do_divss(1.0f, 0.0f);
  __asm__ volatile("stmxcsr %0" : "=m"(after));
  report("divss by zero");
  printf("  addr==divss: %d result=%s mxcsr=%#x\n", last_addr == (void *)divss_insn, r > 1e30f ? "inf" : "?", after);

  install(SIGFPE, fpe_x87_handler, 0);
  do_x87_div0();
  report("x87 1/0 (#MF)");
  printf("  addr==fwait: %d saved swd=%#x\n", last_addr == (void *)fwait_insn, saved_swd);
}

/* ---- contexts edited by handlers ---------------------------------------------------------- */
static volatile unsigned long long seen_rax, seen_r12, seen_flags, handler_flags;

static void edit_handler(int sig, siginfo_t *si, void *ucv) {
  ucontext_t *uc = ucv;
  unsigned long long f;
  __asm__ volatile("pushfq; pop %0" : "=r"(f));
  handler_flags = f;
  seen_rax = uc->uc_mcontext.gregs[REG_RAX];
  seen_r12 = uc->uc_mcontext.gregs[REG_R12];
  seen_flags = uc->uc_mcontext.gregs[REG_EFL];
  uc->uc_mcontext.gregs[REG_R12] = 0x2222;
  uc->uc_mcontext.gregs[REG_RAX] = 0x123456789abcdef1ll;
  uc->uc_mcontext.gregs[REG_EFL] ^= 1;           /* flip CF */
  uc->uc_mcontext.fpregs->_xmm[9].element[0] = 0xfeedface;
}

static void contexts(void) {
  install(SIGUSR1, edit_handler, 0);
  unsigned long long rax, r12, cf, df;
  unsigned x9;
  pid_t pid = getpid();
  __asm__ volatile(
      "mov $0x1111, %%r12\n"
      "mov $7, %%eax\n movd %%eax, %%xmm9\n"
      "mov %[pid], %%edi\n mov %[sig], %%esi\n mov $62, %%eax\n"
      "stc\n std\n syscall\n"
      "setc %%cl\n movzbq %%cl, %%rcx\n mov %%rcx, %[cf]\n"
      "pushfq\n pop %[df]\n cld\n"
      "mov %%rax, %[rax]\n mov %%r12, %[r12]\n movd %%xmm9, %[x9]\n"
      : [rax] "=m"(rax), [r12] "=m"(r12), [cf] "=m"(cf), [df] "=m"(df), [x9] "=m"(x9)
      : [pid] "r"(pid), [sig] "r"(SIGUSR1)
      : "rax", "rcx", "rdx", "rsi", "rdi", "r8", "r9", "r10", "r11", "r12", "xmm9", "memory", "cc");
  printf("in handler: ctx rax=%llu r12=%#llx CF=%llu DF=%llu; own DF=%llu\n", seen_rax, seen_r12,
         seen_flags & 1, (seen_flags >> 10) & 1, (handler_flags >> 10) & 1);
  printf("after sigreturn: rax=%#llx r12=%#llx CF=%llu DF=%llu xmm9=%#x\n", rax, r12, cf, (df >> 10) & 1, x9);
}

/* ---- SA_RESETHAND, SA_NODEFER, sa_mask ---------------------------------------------------- */
static volatile int depth, maxdepth, calls, usr2_blocked_inside, usr1_blocked_inside;

static void nest_handler(int sig) {
  sigset_t cur;
  sigprocmask(SIG_BLOCK, 0, &cur);
  usr1_blocked_inside = sigismember(&cur, SIGUSR1);
  usr2_blocked_inside = sigismember(&cur, SIGUSR2);
  if (++depth > maxdepth) maxdepth = depth;
  if (++calls < 3) raise(sig);
  depth--;
}

static void count_handler(int sig) { calls++; }

static void flags(void) {
  struct sigaction sa, old;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = nest_handler;
  sigemptyset(&sa.sa_mask);
  sigaddset(&sa.sa_mask, SIGUSR2);
  sigaction(SIGUSR1, &sa, 0);
  /* Without SA_NODEFER a raise inside the handler waits until the handler returns. */
  raise(SIGUSR1);
  printf("default: calls=%d maxdepth=%d usr1 blocked inside=%d usr2 blocked inside=%d\n", calls, maxdepth,
         usr1_blocked_inside, usr2_blocked_inside);
  calls = maxdepth = 0;
  sa.sa_flags = SA_NODEFER;
  sigaction(SIGUSR1, &sa, 0);
  raise(SIGUSR1);
  printf("SA_NODEFER: calls=%d maxdepth=%d usr1 blocked inside=%d\n", calls, maxdepth, usr1_blocked_inside);
  calls = 0;
  sa.sa_handler = count_handler;
  sa.sa_flags = SA_RESETHAND;
  sigaction(SIGUSR1, &sa, 0);
  raise(SIGUSR1);
  sigaction(SIGUSR1, 0, &old);
  printf("SA_RESETHAND: calls=%d handler now %s, flags kept %d\n", calls, old.sa_handler == SIG_DFL ? "SIG_DFL" : "set",
         (old.sa_flags & SA_RESETHAND) != 0);
}

int main(void) {
  setvbuf(stdout, 0, _IONBF, 0);
  faults();
  contexts();
  flags();
  /* A fault while its signal is blocked is forced: handler reset, process killed. */
  sigset_t s;
  sigemptyset(&s);
  sigaddset(&s, SIGSEGV);
  sigprocmask(SIG_BLOCK, &s, 0);
  printf("blocked SIGSEGV fault next\n");
  *(volatile int *)16 = 1;
  printf("not reached\n");
  return 0;
}
