// Flag sequences the compiler tier's liveness scan and inline conditions handle
// (cpu/jit/host/compiler.ts flagEffect, cond; forms.ts incDec): rotates that pass flags through,
// shifts that overwrite them, INC/DEC that keep an ADD's carry, NOT between, and ADD's carry read
// at each operand size. Each sequence is straight-line code (one block) run on many inputs; the
// flags that survive are read with pushf or setcc and folded into a checksum compared with the
// native run.
#include <stdio.h>
#include <stdint.h>

#define FLAGS 0x8d5ul /* CF PF AF ZF SF OF */
// Flags x86 leaves undefined are masked: OF after a rotate or shift by more than 1, AF after a
// shift or a logic op.
#define OF 0x800ul
#define AF 0x10ul

static uint64_t s = 88172645463325252ull;
static uint64_t next(void) { s ^= s << 13; s ^= s >> 7; s ^= s << 17; return s; }

static uint64_t sum;
static void mix(uint64_t v) { sum = (sum ^ v) * 0x100000001b3ull; }

int main(void) {
  static uint64_t mem[4] = { 1, 2, 3, 4 };
  for (int i = 0; i < 20000; i++) {
    uint64_t a = next(), b = next(), c = next(), d = next(), f;
    // ADD, two rotates: CF/OF from the last rotate, ZF SF PF AF from the ADD.
    { uint64_t x = a, y = b, z = c;
      __asm__ volatile("addq %3, %0\n\trolq $13, %1\n\trorl $7, %k2\n\tpushfq\n\tpopq %3"
                       : "+r"(x), "+r"(y), "+r"(z), "=r"(f) : "3"(d) : "cc");
      mix(x); mix(y); mix(z); mix(f & FLAGS & ~OF); }
    // ADD then INC: CF is the ADD's (the INC keeps it), the rest the INC's.
    { uint32_t x = (uint32_t)a, y = (uint32_t)c; uint8_t cf, zf;
      __asm__ volatile("addl %4, %0\n\tincl %1\n\tsetc %2\n\tsetz %3"
                       : "+r"(x), "+r"(y), "=q"(cf), "=q"(zf) : "r"((uint32_t)b) : "cc");
      mix(x); mix(y); mix(cf); mix(zf); }
    // ADD, INC, a rotate: ZF SF PF AF are the INC's, seen through the rotate.
    { uint64_t x = a, y = i & 7 ? c : (uint64_t)-1, z = d;
      __asm__ volatile("addq %4, %0\n\tincq %1\n\trolq $3, %2\n\tpushfq\n\tpopq %3"
                       : "+r"(x), "+r"(y), "+r"(z), "=r"(f) : "r"(b) : "cc");
      mix(x); mix(y); mix(z); mix(f & FLAGS & ~OF); }
    // ADD then DEC then a branch on CF.
    { uint64_t x = a, y = i & 3, r;
      __asm__ volatile("addq %3, %0\n\tdecq %1\n\tmovq $5, %2\n\tjnc 1f\n\tmovq $9, %2\n1:"
                       : "+r"(x), "+r"(y), "=r"(r) : "r"(b) : "cc");
      mix(x); mix(y); mix(r); }
    // ADD's carry at each size, read by setc, setae, seta, setbe.
    { uint8_t x8 = (uint8_t)a; uint16_t x16 = (uint16_t)b; uint32_t x32 = (uint32_t)c; uint64_t x64 = d;
      uint8_t c8, c16, c32, c64, ae, ab, be;
      __asm__ volatile("addb %b8, %0\n\tsetc %4\n\taddw %w9, %1\n\tsetc %5\n\taddl %k10, %2\n\tsetc %6\n\taddq %11, %3\n\tsetc %7"
                       : "+q"(x8), "+r"(x16), "+r"(x32), "+r"(x64), "=q"(c8), "=q"(c16), "=q"(c32), "=q"(c64)
                       : "q"(b), "r"(c), "r"(d), "r"(a) : "cc");
      __asm__ volatile("addl %4, %3\n\tsetae %0\n\tseta %1\n\tsetbe %2"
                       : "=q"(ae), "=q"(ab), "=q"(be), "+r"(x32) : "r"((uint32_t)(i & 1 ? 0 : -x32)) : "cc");
      mix(x8); mix(x16); mix(x32); mix(x64); mix(c8 | c16 << 1 | c32 << 2 | c64 << 3 | ae << 4 | ab << 5 | be << 6); }
    // Dead flags: ROR, INC, NOT and a shift between an ADD and an AND that overwrites them all.
    { uint64_t x = a, y = b, z = c, w = d;
      __asm__ volatile("addq %4, %0\n\trorl $5, %k1\n\tincq %2\n\tnotq %3\n\tshlq $3, %1\n\tandq %3, %0\n\tpushfq\n\tpopq %4"
                       : "+r"(x), "+r"(y), "+r"(z), "+r"(w), "=r"(f) : "4"(b) : "cc");
      mix(x); mix(y); mix(z); mix(w); mix(f & FLAGS & ~AF); }
    // A shift whose flags are read (ZF after SHR), and one whose count masks to 0 (flags kept).
    { uint64_t x = a & 0xff0, y = b; uint8_t zf;
      __asm__ volatile("shrq $4, %0\n\tsetz %2\n\tsubq %3, %1\n\troll $32, %k1\n\tpushfq\n\tpopq %3"
                       : "+r"(x), "+r"(y), "=q"(zf), "=r"(f) : "3"(c) : "cc");
      mix(x); mix(y); mix(zf); mix(f & FLAGS); }
    // A rotate by 1 (its own OF) and a memory load after a rotate: the rotate's flags stay live
    // there (the load could leave the block), then an XOR overwrites them.
    { uint64_t x = a, y = b, z;
      __asm__ volatile("subq %3, %0\n\trolq $1, %1\n\tpushfq\n\tpopq %3\n\trorq $9, %0\n\tmovq %4, %2\n\txorq %2, %1"
                       : "+r"(x), "+r"(y), "=r"(z), "=r"(f) : "m"(mem[i & 3]), "3"(c) : "cc");
      mix(x); mix(y); mix(z); mix(f & FLAGS); }
    // RCR/RCL by 1 through an ADD's, a SUB's, an INC's carry (Go's division by a constant: add,
    // rcr 1, shr), their flags read and not.
    { uint64_t x = a, y = b, z = c; uint32_t w = (uint32_t)d; uint64_t g;
      __asm__ volatile("addq %6, %0\n\trcrq $1, %0\n\tshrq $7, %0\n\tsubl %k6, %3\n\trcll $1, %3\n\tpushfq\n\tpopq %4\n\t"
                       "cmpq %1, %2\n\tincq %2\n\trcrl %k1\n\tpushfq\n\tpopq %5\n\taddl %k6, %k2\n\trclq $1, %2"
                       : "+r"(x), "+r"(y), "+r"(z), "+r"(w), "=r"(f), "=r"(g) : "r"(c) : "cc");
      mix(x); mix(y); mix(z); mix(w); mix(f & FLAGS); mix(g & FLAGS); }
    // Shifts and rotates by CL (counts 0, 1, 31, 32, 33, 63, 64 and up: masked to 5 or 6 bits),
    // their flags overwritten by an AND, or read (ZF after SHL by CL, with a count of 0 too).
    { uint64_t x = a, y = b, z = c, w = i & 1 ? d : (uint64_t)-1; uint8_t n = (uint8_t)(i % 70), zf;
      __asm__ volatile("shlq %%cl, %0\n\tshrl %%cl, %k1\n\tsarq %%cl, %2\n\trolq %%cl, %3\n\trorl %%cl, %k0\n\tandq %3, %2\n\t"
                       "pushfq\n\tpopq %5\n\tincq %3\n\tshlq %%cl, %1\n\tsetz %4"
                       : "+r"(x), "+r"(y), "+r"(z), "+r"(w), "=q"(zf), "=r"(f) : "c"(n) : "cc");
      mix(x); mix(y); mix(z); mix(w); mix(zf); mix(f & FLAGS & ~AF); }
    // SAR and SHL by constants with every flag read.
    { int64_t x = (int64_t)a; uint32_t y = (uint32_t)b;
      __asm__ volatile("sarq $63, %0\n\tpushfq\n\tpopq %2\n\tshll $31, %1\n\tpushfq\n\tpopq %3"
                       : "+r"(x), "+r"(y), "=r"(f), "=r"(c) : : "cc");
      mix((uint64_t)x); mix(y); mix(f & FLAGS & ~(AF | OF)); mix(c & FLAGS & ~(AF | OF)); }
  }
  printf("%016llx\n", (unsigned long long)sum);
  return 0;
}
