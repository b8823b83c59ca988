// The host-CPU side of the instruction oracle (tests/cpu/oracle.ts): runs batches of raw x86-64
// instruction bytes natively and reports the architectural state they leave. Built by the oracle
// with gcc into tests/.build/; reads cases on stdin and writes results on stdout (the binary
// layout is described in oracle.ts and must match it). Every case ends in a signal — the int3
// after the bytes, or the fault they raise — and the state is read from the signal's ucontext.
#define _GNU_SOURCE
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/time.h>
#include <ucontext.h>
#include <unistd.h>

// Fixed guest addresses, the same under wasl. The pages on both sides of DATA stay unmapped so
// page-crossing accesses fault with a known si_addr.
#define CODE_ADDR 0x10000000UL
#define DATA_ADDR 0x10002000UL
#define PAGE 4096
#define MAX_CODE 256

#define F_DATA_READONLY 1u

// Input state, loaded by wasl_enter below from these offsets (gpr 0, rflags 128, xmm 136,
// mxcsr 392, x87 image 400). Registers are in encoding order: rax rcx rdx rbx rsp rbp rsi rdi
// r8..r15. `fx` is an FXSAVE image the oracle fills with the x87 part only (FCW, FSW, abridged
// FTW, ST0-7, MXCSR 0x1f80): fxrstor64 loads it first, the movdqu/ldmxcsr below then set SSE.
struct in_state {
  uint64_t gpr[16];
  uint64_t rflags;
  uint8_t xmm[16][16];
  uint32_t mxcsr;
  uint32_t pad;
  uint8_t fx[512] __attribute__((aligned(16)));
};
struct case_hdr { uint32_t code_len, data_len, flags, reserved; };
struct out_rec {
  int32_t signo, code;
  uint64_t fault_addr, rip;
  uint64_t gpr[16];
  uint64_t rflags;
  uint8_t xmm[16][16];
  uint32_t mxcsr, data_changed;
  uint8_t fx[160];  // the signal frame's FXSAVE-format x87 area: FCW..MXCSR_MASK, ST0-7
};

_Static_assert(sizeof(struct in_state) == 912, "in_state layout");
_Static_assert(sizeof(struct out_rec) == 584, "out_rec layout");

struct in_state g_in __attribute__((aligned(16)));
uint64_t g_code_ptr = CODE_ADDR;

// Loads every register from g_in and jumps to the code: rsp last, flags before the GPRs (popfq
// needs a stack), so nothing of the harness survives in the guest's registers.
__asm__(
  ".text\n"
  ".globl wasl_enter\n"
  "wasl_enter:\n"
  "  fxrstor64 g_in+400(%rip)\n"
  "  movdqu g_in+136(%rip), %xmm0\n"
  "  movdqu g_in+152(%rip), %xmm1\n"
  "  movdqu g_in+168(%rip), %xmm2\n"
  "  movdqu g_in+184(%rip), %xmm3\n"
  "  movdqu g_in+200(%rip), %xmm4\n"
  "  movdqu g_in+216(%rip), %xmm5\n"
  "  movdqu g_in+232(%rip), %xmm6\n"
  "  movdqu g_in+248(%rip), %xmm7\n"
  "  movdqu g_in+264(%rip), %xmm8\n"
  "  movdqu g_in+280(%rip), %xmm9\n"
  "  movdqu g_in+296(%rip), %xmm10\n"
  "  movdqu g_in+312(%rip), %xmm11\n"
  "  movdqu g_in+328(%rip), %xmm12\n"
  "  movdqu g_in+344(%rip), %xmm13\n"
  "  movdqu g_in+360(%rip), %xmm14\n"
  "  movdqu g_in+376(%rip), %xmm15\n"
  "  ldmxcsr g_in+392(%rip)\n"
  "  pushq g_in+128(%rip)\n"
  "  popfq\n"
  "  movq g_in+0(%rip), %rax\n"
  "  movq g_in+8(%rip), %rcx\n"
  "  movq g_in+16(%rip), %rdx\n"
  "  movq g_in+24(%rip), %rbx\n"
  "  movq g_in+40(%rip), %rbp\n"
  "  movq g_in+48(%rip), %rsi\n"
  "  movq g_in+56(%rip), %rdi\n"
  "  movq g_in+64(%rip), %r8\n"
  "  movq g_in+72(%rip), %r9\n"
  "  movq g_in+80(%rip), %r10\n"
  "  movq g_in+88(%rip), %r11\n"
  "  movq g_in+96(%rip), %r12\n"
  "  movq g_in+104(%rip), %r13\n"
  "  movq g_in+112(%rip), %r14\n"
  "  movq g_in+120(%rip), %r15\n"
  "  movq g_in+32(%rip), %rsp\n"
  "  jmp *g_code_ptr(%rip)\n");
void wasl_enter(void);

static sigjmp_buf g_jb;
static volatile sig_atomic_t g_in_guest;
static struct out_rec g_out;

// ucontext gregs index for each register in encoding order.
static const int GREG[16] = {
  REG_RAX, REG_RCX, REG_RDX, REG_RBX, REG_RSP, REG_RBP, REG_RSI, REG_RDI,
  REG_R8, REG_R9, REG_R10, REG_R11, REG_R12, REG_R13, REG_R14, REG_R15,
};

// The watchdog: a periodic SIGALRM; a case still running after WATCHDOG_TICKS ticks is stopped.
// (One timer for the whole batch costs nothing per case, unlike arming one per case.)
#define WATCHDOG_TICKS 5
static volatile uint64_t g_case_no, g_seen_case;
static volatile int g_ticks;

static void on_signal(int sig, siginfo_t *si, void *ctx) {
  if (sig == SIGALRM) {
    if (!g_in_guest) return; // between cases (SA_RESTART resumes the harness's read)
    if (g_seen_case != g_case_no) { g_seen_case = g_case_no; g_ticks = 0; return; }
    if (++g_ticks < WATCHDOG_TICKS) return;
  }
  if (!g_in_guest) {
    // A fault in the harness itself: die with it so the oracle reports a crash, not a result.
    signal(sig, SIG_DFL);
    raise(sig);
    return;
  }
  g_in_guest = 0;
  ucontext_t *uc = ctx;
  greg_t *g = uc->uc_mcontext.gregs;
  g_out.signo = sig;
  g_out.code = si->si_code;
  g_out.fault_addr = (uint64_t)(uintptr_t)si->si_addr;
  g_out.rip = (uint64_t)g[REG_RIP];
  for (int i = 0; i < 16; i++) g_out.gpr[i] = (uint64_t)g[GREG[i]];
  g_out.rflags = (uint64_t)g[REG_EFL];
  if (uc->uc_mcontext.fpregs) {
    memcpy(g_out.xmm, uc->uc_mcontext.fpregs->_xmm, sizeof g_out.xmm);
    g_out.mxcsr = uc->uc_mcontext.fpregs->mxcsr;
    memcpy(g_out.fx, uc->uc_mcontext.fpregs, sizeof g_out.fx);
  }
  siglongjmp(g_jb, 1);
}

static void die(const char *what) { fprintf(stderr, "harness: %s: %s\n", what, strerror(errno)); exit(2); }

static void read_exact(void *p, size_t n) {
  if (n && fread(p, 1, n, stdin) != n) { fprintf(stderr, "harness: truncated input\n"); exit(2); }
}

int main(void) {
  static uint8_t altstack[1 << 16];
  stack_t ss = { .ss_sp = altstack, .ss_size = sizeof altstack, .ss_flags = 0 };
  if (sigaltstack(&ss, NULL)) die("sigaltstack");
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = on_signal;
  // SA_NODEFER: the handler leaves by siglongjmp without restoring a mask, so nothing may be
  // left blocked; SA_RESTART: watchdog ticks must not break the harness's own reads and writes.
  sa.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_NODEFER | SA_RESTART;
  sigemptyset(&sa.sa_mask);
  const int sigs[] = { SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGTRAP, SIGALRM };
  for (unsigned i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
    if (sigaction(sigs[i], &sa, NULL)) die("sigaction");

  uint8_t *code = mmap((void *)CODE_ADDR, PAGE, PROT_READ | PROT_WRITE | PROT_EXEC,
                       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
  uint8_t *data = mmap((void *)DATA_ADDR, PAGE, PROT_READ | PROT_WRITE,
                       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
  if (code != (void *)CODE_ADDR || data != (void *)DATA_ADDR) die("mmap at the fixed guest addresses");
  memset(code, 0xcc, PAGE); // any fall-through or branch inside the page ends on an int3

  // An endless loop in the guest ends as SIGALRM after about WATCHDOG_TICKS × 0.1 s.
  struct itimerval tick = { .it_interval = { .tv_usec = 100000 }, .it_value = { .tv_usec = 100000 } };
  if (setitimer(ITIMER_REAL, &tick, NULL)) die("setitimer");

  static uint8_t before[PAGE];
  static uint8_t out_buf[1 << 20];
  setvbuf(stdout, (char *)out_buf, _IOFBF, sizeof out_buf);
  int readonly = 0;

  for (;;) {
    struct case_hdr h;
    size_t got = fread(&h, 1, sizeof h, stdin);
    if (got == 0) break;
    if (got != sizeof h) { fprintf(stderr, "harness: truncated header\n"); return 2; }
    if (h.code_len > MAX_CODE || h.data_len > PAGE) { fprintf(stderr, "harness: case too large\n"); return 2; }
    read_exact(&g_in, sizeof g_in);
    read_exact(code, h.code_len);
    if (readonly && mprotect(data, PAGE, PROT_READ | PROT_WRITE)) die("mprotect");
    memset(data, 0, PAGE);
    read_exact(data, h.data_len);
    memcpy(before, data, PAGE);
    readonly = (h.flags & F_DATA_READONLY) != 0;
    if (readonly && mprotect(data, PAGE, PROT_READ)) die("mprotect");

    memset(&g_out, 0, sizeof g_out);
    g_case_no++;
    if (sigsetjmp(g_jb, 0) == 0) {
      g_in_guest = 1;
      wasl_enter();
    }
    // The guest's MXCSR and x87 state are still live in the harness: reset them.
    __asm__ volatile("fninit");
    uint32_t mxcsr = 0x1f80;
    __asm__ volatile("ldmxcsr %0" : : "m"(mxcsr));

    g_out.data_changed = memcmp(before, data, PAGE) != 0;
    fwrite(&g_out, sizeof g_out, 1, stdout);
    if (g_out.data_changed) fwrite(data, PAGE, 1, stdout);
    memset(code, 0xcc, h.code_len);
  }
  fflush(stdout);
  return 0;
}
