// Generated code that exercises what the compiler tier's seventh stage added (docs/architecture.md,
// "The compiler tier, seventh stage"):
//  - a block's part after its Jcc is checked up to the block's last instruction (its `ret`) and
//    no further: the `ret` itself is rewritten into a jump to other code (a check that stopped
//    short of it would keep returning), and bytes after the `ret` are rewritten often (a check
//    that went past it would find the block stale at every rewrite);
//  - a link from a block to a block of an earlier module (run with one block per module): the
//    callee is rewritten in place, so the translation the link calls goes stale and a new one
//    must take over (its alive cell is cleared), three times, with thousands of calls after each.
// Every result depends on running the current bytes.
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

//  0: test edi, edi ; je 15 ; lea eax, [rdi + 1] ; ret ;
//  8: mov eax, imm32 (data: never run, its imm32 rewritten) ; jne +0 (where the decoded run's
//     next Jcc is) ; 15: mov eax, 77 ; ret ; 21: add eax, 1000 ; ret   (the ret at 7 becomes jmp 21)
static const unsigned char parts[] = {
  0x85, 0xff, 0x74, 0x0b, 0x8d, 0x47, 0x01, 0xc3,
  0xb8, 0, 0, 0, 0, 0x75, 0x00,
  0xb8, 0x4d, 0x00, 0x00, 0x00, 0xc3,
  0x05, 0xe8, 0x03, 0x00, 0x00, 0xc3 };
//   xor eax, eax ; mov ecx, edi ; L: call B ; dec ecx ; jnz L ; ret   (B: the next page)
static const unsigned char caller[] = { 0x31, 0xc0, 0x89, 0xf9, 0xe8, 0, 0, 0, 0, 0xff, 0xc9, 0x75, 0xf7, 0xc3 };

int main(void) {
  unsigned char *p = mmap(0, 3 * 4096, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) return 1;
  unsigned long s = 0;
  memcpy(p, parts, sizeof parts);
  unsigned (*f)(unsigned) = (unsigned (*)(unsigned))p;
  for (unsigned round = 0; round < 2000; round++) {
    memcpy(p + 9, &round, 4); // after the ret: not part of the block
    for (unsigned i = 0; i < 40; i++) s = s * 31 + f(i % 7);
  }
  printf("bytes after the block's ret rewritten: %lu\n", s);
  for (unsigned round = 0; round < 6; round++) {
    if (round & 1) { p[7] = 0xeb; p[8] = 21 - 9; } // jmp 21: the block's last instruction rewritten
    else { p[7] = 0xc3; p[8] = 0xb8; }
    for (unsigned i = 0; i < 300; i++) s = s * 31 + f(i % 7);
  }
  printf("the block's ret rewritten: %lu\n", s);

  unsigned char *a = p + 4096, *b = p + 8192;
  memcpy(a, caller, sizeof caller);
  int rel = (int)(b - (a + 9));
  memcpy(a + 5, &rel, 4);
  b[0] = 0x05; b[5] = 0xc3; // add eax, imm32 ; ret
  for (unsigned round = 0; round < 3; round++) {
    unsigned imm = round * 7 + 1;
    memcpy(b + 1, &imm, 4);
    for (unsigned i = 0; i < 400; i++) s = s * 31 + ((unsigned (*)(unsigned))a)(20 + (i & 7));
  }
  printf("linked callee in an earlier module rewritten: %lu\n", s);
  return 0;
}
