// A guest that generates code at run time, as JITs do: it writes a small function into an
// executable mapping, calls it until the compiler tier has compiled it, then rewrites its
// immediates in place, remaps the page with other code at the same address (munmap + mmap +
// mprotect), and runs a loop whose own body patches the immediate it executes next.
// Every result depends on running the current bytes.
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

typedef unsigned long (*fn)(unsigned long);

// mov rax, k; imul rax, rdi; add rax, c; ret
static void emit(unsigned char *p, unsigned long k, unsigned c) {
  static const unsigned char tmpl[] = { 0x48, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0x48, 0x0f, 0xaf, 0xc7,
                                        0x48, 0x05, 0, 0, 0, 0, 0xc3 };
  memcpy(p, tmpl, sizeof tmpl);
  memcpy(p + 2, &k, 8);
  memcpy(p + 16, &c, 4);
}

// A loop that stores its counter into the imm32 of the `add` right after the store:
//   xor ecx, ecx; xor eax, eax; lea rdi, [rip+0]
//   L: mov [rdi+n], ecx ; add eax, imm32 ; inc ecx ; cmp ecx, 1000 ; jne L ; ret
static const unsigned char selfpatch[] = {
  0x31, 0xc9, 0x31, 0xc0, 0x48, 0x8d, 0x3d, 0x00, 0x00, 0x00, 0x00,
  0x89, 0x4f, 0x04,             // mov [rdi+4], ecx: rdi points at this mov; +4 is add's imm32
  0x05, 0x00, 0x00, 0x00, 0x00, // add eax, imm32
  0xff, 0xc1, 0x81, 0xf9, 0xe8, 0x03, 0x00, 0x00, 0x75, 0xee, 0xc3 };

int main(void) {
  unsigned char *p = mmap(0, 4096, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) return 1;
  unsigned long s = 0;
  for (int round = 0; round < 40; round++) {
    emit(p, 3 + round, 7 * round);
    for (unsigned long i = 0; i < 500; i++) s = s * 31 + ((fn)p)(i);
  }
  printf("rewritten in place: %lu\n", s);

  munmap(p, 4096);
  unsigned char *q = mmap(p, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
  emit(q, 1000003, 11);
  mprotect(q, 4096, PROT_READ | PROT_EXEC);
  for (unsigned long i = 0; i < 2000; i++) s = s * 31 + ((fn)q)(i);
  printf("remapped at the same address: %lu %d\n", s, q == p);

  mprotect(q, 4096, PROT_READ | PROT_WRITE | PROT_EXEC);
  memcpy(q, selfpatch, sizeof selfpatch);
  // rip-relative lea: rdi = address of the mov (offset 11)
  for (int round = 0; round < 50; round++) s = s * 31 + ((unsigned (*)(void))q)();
  printf("self-patching loop: %lu\n", s);
  return 0;
}
