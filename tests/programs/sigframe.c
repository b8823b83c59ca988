/* The rt_sigframe as a handler receives it: offsets of the ucontext, siginfo and FPU state
 * relative to each other and to the stack pointer at entry, every sigcontext field that does
 * not depend on addresses, the saved FPU/SSE state and the state a handler starts with, and the
 * kernel's sigaction record; x87 registers pushed before the signal and edited by the handler.
 * Whether the frame carries XSAVE state depends on the CPU, so that part is checked against CPUID
 * rather than printed (xstate.c looks at the XSAVE frame itself). */
#define _GNU_SOURCE
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <ucontext.h>
#include <unistd.h>
#include <cpuid.h>
#include <sys/syscall.h>

/* The handler's first instructions record rsp, MXCSR and xmm8 before any C code runs. */
unsigned long long entry_rsp, entry_xmm8[2];
unsigned entry_mxcsr;
unsigned short entry_fpenv[14];
void c_handler(int sig, siginfo_t *si, void *uc);
void asm_handler(int, siginfo_t *, void *);
__asm__(".text\n.globl asm_handler\nasm_handler:\n"
        " mov %rsp, entry_rsp(%rip)\n"
        " stmxcsr entry_mxcsr(%rip)\n"
        " movdqu %xmm8, entry_xmm8(%rip)\n"
        " fnstenv entry_fpenv(%rip)\n"
        " fldcw entry_fpenv(%rip)\n"
        " jmp c_handler\n");

struct ksigaction { unsigned long handler, flags, restorer, mask; };

static int osxsave(void) {
  unsigned a, b, c, d;
  __cpuid(1, a, b, c, d);
  return (c >> 27) & 1;
}

static int with_altstack;
static char altstack[65536] __attribute__((aligned(16)));

void c_handler(int sig, siginfo_t *si, void *ucv) {
  ucontext_t *uc = ucv;
  char *sp = (char *)entry_rsp;
  unsigned char *fp = (unsigned char *)uc->uc_mcontext.fpregs;
  greg_t *g = uc->uc_mcontext.gregs;
  struct ksigaction k;
  syscall(SYS_rt_sigaction, sig, 0, &k, 8);
  printf("sig=%d entry rsp%%16=%ld pretcode==restorer:%d flags=%#lx\n", sig, (long)(entry_rsp % 16),
         *(unsigned long *)sp == k.restorer, k.flags);
  printf("uc-rsp=%ld si-uc=%ld fp-(si+128)=%ld fp%%64=%ld\n", (long)((char *)uc - sp), (long)((char *)si - (char *)uc),
         (long)((char *)fp - ((char *)si + 128)), (long)((uintptr_t)fp % 64));
  printf("uc_flags&~1=%#lx xstate bit matches cpuid: %d uc_link=%p\n", uc->uc_flags & ~1ul,
         (int)(uc->uc_flags & 1) == osxsave(), (void *)uc->uc_link);
  if (with_altstack)
    printf("uc_stack sp-alt=%ld flags=%#x size=%zu on alt: %d\n", (long)((char *)uc->uc_stack.ss_sp - altstack),
           uc->uc_stack.ss_flags, uc->uc_stack.ss_size, sp > altstack && sp < altstack + sizeof altstack);
  else
    printf("uc_stack sp=%p flags=%#x size=%zu\n", uc->uc_stack.ss_sp, uc->uc_stack.ss_flags, uc->uc_stack.ss_size);
  printf("csgsfs=%#llx err=%lld trapno=%lld oldmask=%#llx sigmask=%#lx cr2=%#llx\n", g[REG_CSGSFS], g[REG_ERR], g[REG_TRAPNO],
         g[REG_OLDMASK], *(unsigned long *)&uc->uc_sigmask, g[REG_CR2]);
  printf("regs: rbx=%#llx rbp=%#llx r12=%#llx r13=%#llx r14=%#llx r15=%#llx rsi=%lld r8=%#llx r9=%#llx r10=%#llx\n",
         g[REG_RBX], g[REG_RBP], g[REG_R12], g[REG_R13], g[REG_R14], g[REG_R15], g[REG_RSI], g[REG_R8], g[REG_R9], g[REG_R10]);
  printf("saved: rsp above fpstate:%d eflags&0xcd5=%#llx rax=%lld rcx==rip:%d\n", g[REG_RSP] > (greg_t)(uintptr_t)fp,
         g[REG_EFL] & 0xcd5, g[REG_RAX], g[REG_RCX] == g[REG_RIP]);
  printf("siginfo: signo=%d errno=%d code=%d pid==getpid:%d uid==getuid:%d tail zero:", si->si_signo, si->si_errno,
         si->si_code, si->si_pid == getpid(), si->si_uid == getuid());
  int zero = 1;
  for (int i = 48; i < 128; i++) zero &= ((unsigned char *)si)[i] == 0;
  printf("%d\n", zero);
  __typeof__(*uc->uc_mcontext.fpregs) *f = uc->uc_mcontext.fpregs;
  /* fop, rip and rdp are left out: AMD hosts save them only with an exception pending. */
  printf("fpstate: cwd=%#x swd=%#x ftw=%#x mxcsr=%#x mxcsr_mask&0xffff=%#x\n", f->cwd, f->swd, f->ftw, f->mxcsr,
         f->mxcr_mask & 0xffff);
  for (int i = 8; i < 16; i++) printf("  xmm%d=%08x%08x%08x%08x\n", i, f->_xmm[i].element[3], f->_xmm[i].element[2], f->_xmm[i].element[1], f->_xmm[i].element[0]);
  uint32_t *sw = (uint32_t *)(fp + 464);
  int swok;
  if (uc->uc_flags & 1) swok = sw[0] == 0x46505853 && *(uint32_t *)(fp + sw[4]) == 0x46505845 && sw[1] == sw[4] + 4;
  else swok = sw[0] == 0x46505853 && sw[1] == 516 && sw[2] == 0 && sw[3] == 0 && sw[4] == 512;
  printf("sw_reserved consistent: %d\n", swok);
  printf("handler starts with: mxcsr=%#x xmm8=%llx%llx fcw=%#x fsw=%#x ftw=%#x\n", entry_mxcsr, entry_xmm8[1], entry_xmm8[0],
         entry_fpenv[0], entry_fpenv[2], entry_fpenv[4]);
  for (int i = 0; i < 2; i++) {
    unsigned short *st = (unsigned short *)&f->_st[i];
    printf("  st%d=%04x %04x%04x%04x%04x\n", i, st[4], st[3], st[2], st[1], st[0]);
  }
  /* Edit the saved state: sigreturn must take it back. */
  f->_xmm[10].element[0] = 0xabcdef;
  f->mxcsr = 0x1f80 | 0x6000; /* round toward zero */
  ((unsigned short *)&f->_st[0])[4] += 1; /* pi -> 2pi */
}

unsigned long long sf_pattern[16] = {
    0x0101010101010101ull, 0x0202020202020202ull, 0x1111111111111111ull, 0x2222222222222222ull,
    0x3333333333333333ull, 0x4444444444444444ull, 0x5555555555555555ull, 0x6666666666666666ull,
    0x7777777777777777ull, 0x8888888888888888ull, 0x9999999999999999ull, 0xaaaaaaaaaaaaaaaaull,
    0xbbbbbbbbbbbbbbbbull, 0xccccccccccccccccull, 0xddddddddddddddddull, 0xeeeeeeeeeeeeeeeeull};
int sf_pid, sf_sig;

/* kill(getpid(), sig) from asm, with known values in callee-saved and SSE registers. */
static void raise_with_state(int sig) {
  unsigned long long out[2], xmm10;
  long double st0;
  unsigned mx = 0x1f80 | 0x2000 | 0x1; /* round down, IE flag set */
  unsigned mxafter;
  sf_pid = getpid();
  sf_sig = sig;
  __asm__ volatile(
      "ldmxcsr %[mx]\n"
      "movdqu sf_pattern+0(%%rip), %%xmm8\n movdqu sf_pattern+16(%%rip), %%xmm9\n"
      "movdqu sf_pattern+32(%%rip), %%xmm10\n movdqu sf_pattern+48(%%rip), %%xmm11\n"
      "movdqu sf_pattern+64(%%rip), %%xmm12\n movdqu sf_pattern+80(%%rip), %%xmm13\n"
      "movdqu sf_pattern+96(%%rip), %%xmm14\n movdqu sf_pattern+112(%%rip), %%xmm15\n"
      "fld1\n fldpi\n"
      "push %%rbx\n push %%rbp\n"
      "mov $0xb0b0, %%ebx\n mov $0xb1b1, %%ebp\n mov $0xc0c0, %%r12d\n mov $0xc1c1, %%r13d\n"
      "mov $0xc2c2, %%r14d\n mov $0xc3c3, %%r15d\n mov $0xd8d8, %%r8d\n mov $0xd9d9, %%r9d\n mov $0xdada, %%r10d\n"
      "mov sf_pid(%%rip), %%edi\n mov sf_sig(%%rip), %%esi\n xor %%eax, %%eax\n stc\n mov $62, %%eax\n"
      "syscall\n"
      "pop %%rbp\n pop %%rbx\n"
      "fstpt %[st0]\n fstp %%st(0)\n"
      "movdqu %%xmm8, %[out]\n movq %%xmm10, %[x10]\n stmxcsr %[mxa]\n"
      : [out] "=m"(out), [x10] "=m"(xmm10), [mxa] "=m"(mxafter), [st0] "=m"(st0)
      : [mx] "m"(mx)
      : "rax", "rcx", "rdx", "rsi", "rdi", "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15", "xmm8", "xmm9", "xmm10",
        "xmm11", "xmm12", "xmm13", "xmm14", "xmm15", "memory", "cc");
  unsigned dflt = 0x1f80;
  __asm__ volatile("ldmxcsr %0" ::"m"(dflt));
  unsigned short *w = (unsigned short *)&st0;
  printf("after sigreturn: xmm8=%llx%llx xmm10=%#llx mxcsr=%#x st0=%04x %04x%04x%04x%04x\n", out[1], out[0], xmm10, mxafter,
         w[4], w[3], w[2], w[1], w[0]);
}

int main(void) {
  setvbuf(stdout, 0, _IONBF, 0);
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = asm_handler;
  sa.sa_flags = SA_SIGINFO;
  sigemptyset(&sa.sa_mask);
  sigaddset(&sa.sa_mask, SIGINT);
  sigaction(SIGUSR1, &sa, 0);
  sigset_t b;
  sigemptyset(&b);
  sigaddset(&b, SIGUSR2);
  sigaddset(&b, SIGRTMIN + 3);
  sigprocmask(SIG_BLOCK, &b, 0);
  raise_with_state(SIGUSR1);

  /* On the alternate stack. */
  stack_t ss = {.ss_sp = altstack, .ss_size = sizeof altstack, .ss_flags = 0};
  sigaltstack(&ss, 0);
  sa.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_RESTART | SA_NODEFER;
  sigaction(SIGUSR1, &sa, 0);
  with_altstack = 1;
  raise_with_state(SIGUSR1);
  return 0;
}
