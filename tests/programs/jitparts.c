// Generated code that exercises what the compiler tier's fifth stage added (docs/architecture.md,
// "The compiler tier, fifth stage"): a block whose code after its first Jcc is rewritten while
// the code before it stays (each part of a block is checked where it is first reached), and a
// loop on one page calling a function on the next (a direct link between blocks of one batch,
// across pages), whose callee is rewritten in place and then unmapped and mapped again with
// other code at the same address; and a loop over two pages that share an entry of the core's
// direct-mapped TLB (their page numbers differ in bit 17 only, which the TLB's index ignores),
// whose misses compiled code fills itself. Every result depends on running the current bytes.
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

//   test edi, edi ; je L ; mov eax, edi ; add eax, imm32 ; ret ; L: mov eax, 77 ; ret
static const unsigned char parts[] = {
  0x85, 0xff, 0x74, 0x08, 0x89, 0xf8, 0x05, 0, 0, 0, 0, 0xc3, 0xb8, 0x4d, 0x00, 0x00, 0x00, 0xc3 };
//   xor eax, eax ; mov ecx, edi ; L: call B ; dec ecx ; jnz L ; ret   (B: the next page)
static const unsigned char caller[] = { 0x31, 0xc0, 0x89, 0xf9, 0xe8, 0, 0, 0, 0, 0xff, 0xc9, 0x75, 0xf7, 0xc3 };

static void callee(unsigned char *b, unsigned imm) {
  b[0] = 0x05; memcpy(b + 1, &imm, 4); b[5] = 0xc3; // add eax, imm32 ; ret
}

int main(void) {
  unsigned char *p = mmap(0, 3 * 4096, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) return 1;
  unsigned long s = 0;
  memcpy(p, parts, sizeof parts);
  for (unsigned round = 0; round < 40; round++) {
    unsigned imm = round * 1000 + 13;
    memcpy(p + 7, &imm, 4); // the add after the je: the block's second part
    for (unsigned i = 0; i < 300; i++) s = s * 31 + ((unsigned (*)(unsigned))p)(i % 50);
  }
  printf("later part rewritten: %lu\n", s);

  unsigned char *a = p + 4096, *b = p + 8192;
  memcpy(a, caller, sizeof caller);
  int rel = (int)(b - (a + 9));
  memcpy(a + 5, &rel, 4);
  for (unsigned round = 0; round < 30; round++) {
    callee(b, round * 7 + 1);
    for (unsigned i = 0; i < 20; i++) s = s * 31 + ((unsigned (*)(unsigned))a)(200 + i);
  }
  printf("callee on the next page rewritten: %lu\n", s);

  for (unsigned round = 0; round < 6; round++) {
    munmap(b, 4096);
    unsigned char *q = mmap(b, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
    if (q != b) return 2;
    memset(q, 0xcc, 64);
    callee(q + (round & 1) * 0, 100003 * (round + 1));
    mprotect(q, 4096, PROT_READ | PROT_EXEC);
    for (unsigned i = 0; i < 20; i++) s = s * 31 + ((unsigned (*)(unsigned))a)(300 + i);
    mprotect(q, 4096, PROT_READ | PROT_WRITE | PROT_EXEC);
  }
  printf("callee unmapped and mapped again: %lu\n", s);

  unsigned long *x = mmap((void *)0x10000000, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
  unsigned long *y = mmap((void *)(0x10000000 ^ (0x20000ul << 12)), 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
  if (x == MAP_FAILED || y == MAP_FAILED) return 3;
  for (unsigned i = 0; i < 512; i++) { x[i] = i * 2654435761u; y[i] = ~(unsigned long)i << 7; }
  for (unsigned i = 0; i < 200000; i++) {
    unsigned j = i & 511, k = (i * 7) & 511;
    x[j] += y[k] ^ s;
    y[k] = (y[k] >> 3) + x[j];
    s += x[(j + 1) & 511];
  }
  printf("two pages sharing a TLB entry: %lu\n", s);
  return 0;
}
