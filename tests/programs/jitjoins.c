// Forward branches inside one compiled block (docs/architecture.md, "The compiler tier, seventh
// stage"): a Jcc or JMP to a later instruction of the same block is a branch inside its wasm
// function. What must stay right at the join: the flags (each way in may come from a different
// writer, and the code after the join reads them), the registers written on one way only, and
// the instruction count (a signal or the run's budget can land anywhere). Each function below is
// called with many inputs from a loop, so its block is compiled after a few calls.
#include <stdio.h>

// cmp; jb over an add: after the join, setc/sbb read CF from the cmp (taken) or the add (not).
static unsigned long diamond_flags(unsigned long a, unsigned long b) {
  unsigned long r = a, c;
  __asm__ volatile(
    "cmp %[b], %[r]\n\t"
    "jb 1f\n\t"
    "add %[b], %[r]\n\t"
    "1:\n\t"
    "setc %b[c]\n\t"
    "movzbl %b[c], %k[c]\n\t"
    "sbb $0, %[r]\n\t"
    : [r] "+r"(r), [c] "=&q"(c) : [b] "r"(b) : "cc");
  return r * 3 + c;
}

// if/else with a JMP over the else arm; each arm writes different registers and flags, and the
// code after the join reads ZF/SF (cmovs) and both registers.
static unsigned long if_else(unsigned long a, unsigned long b) {
  unsigned long x = a, y = b;
  __asm__ volatile(
    "test $1, %[x]\n\t"
    "jz 1f\n\t"
    "sub %[y], %[x]\n\t"       // then arm: ZF/SF of the sub
    "lea 7(%[y]), %[y]\n\t"
    "jmp 2f\n\t"
    "1:\n\t"
    "xor $0x55, %[y]\n\t"      // else arm: ZF/SF of the xor
    "add $3, %[x]\n\t"
    "and %[y], %[y]\n\t"
    "2:\n\t"
    "cmovz %[y], %[x]\n\t"
    "cmovs %[y], %[x]\n\t"
    : [x] "+r"(x), [y] "+r"(y) : : "cc");
  return x ^ (y << 1);
}

// Two forward branches to one join and one past it, a nested diamond and a chain of joins.
static unsigned long chain(unsigned long a) {
  unsigned long r = a;
  __asm__ volatile(
    "cmp $100, %[r]\n\t"
    "ja 3f\n\t"
    "cmp $50, %[r]\n\t"
    "jb 2f\n\t"
    "add $1000, %[r]\n\t"
    "test $2, %[r]\n\t"
    "jnz 2f\n\t"
    "shl $1, %[r]\n\t"
    "2:\n\t"
    "adc $5, %[r]\n\t"
    "jmp 4f\n\t"
    "3:\n\t"
    "sub $7, %[r]\n\t"
    "4:\n\t"
    "rcl $1, %[r]\n\t"
    : [r] "+r"(r) : : "cc");
  return r;
}

int main(void) {
  unsigned long s = 0;
  for (unsigned long i = 0; i < 20000; i++) {
    unsigned long a = i * 0x9e3779b97f4a7c15ul, b = (i * 7919) ^ (a >> 17);
    s = s * 31 + diamond_flags(a, b);
    s = s * 31 + diamond_flags(b, a | 1);
    s = s * 31 + if_else(a >> (i & 63), b);
    s = s * 31 + if_else(i, i * 3);
    s = s * 31 + chain(i % 160);
    s = s * 31 + chain(a);
  }
  printf("%lu\n", s);
  return 0;
}
