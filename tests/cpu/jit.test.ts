// The compiler tier (cpu/jit) against the host CPU: every block is compiled the first time it
// is reached (WASL_JIT_HOT=1) and the code cache has only a few slots (WASL_JIT_SLOTS), so the
// cases below, the oracle's own self-test and the self-modifying-code cases all run through
// compiled blocks, with evictions. The loops are written in assembly, assembled at test time.
import { describe, it, expect } from 'vitest';

process.env.WASL_JIT = '1';
process.env.WASL_JIT_HOT = '1';
process.env.WASL_JIT_SLOTS = '8';
const { assemble, haveAssembler, check, compare, formatFailures, nativeAvailable, regs, DATA_ADDR, oracleCore, runNative, runWasl, runSlices } = await import('./oracle.js');
await import('./smc.test.js');
await import('./oracle.test.js');


const D = DATA_ADDR;
// name, source, registers, status flags the SDM leaves undefined at the end
const CASES: Array<[string, string, Record<string, bigint>, bigint?]> = [
  // Thousands of iterations: longer than one run() budget (the oracle runs 10 000 at a time),
  // so the in-function loop must stop on the budget and resume exactly.
  ['a loop: shifts with dead flags, imul, RMW memory, push/pop, call/ret, cmov, setcc, movzx', `
    xor ecx, ecx
    mov rax, 0x123456789
  1:
    mov rdx, rax
    shl rdx, 13
    xor rax, rdx
    mov rdx, rax
    shr rdx, 7
    xor rax, rdx
    imul rbx, rax, 31
    add [rsi + rcx*8], rax
    movzx edx, byte ptr [rsi + rcx]
    add rbx, rdx
    push rbx
    call 2f
    pop rbx
    cmp rbx, rax
    cmovb rbx, rax
    setg dl
    movsx r9d, dl
    inc rcx
    and rcx, 31
    dec r8
    jnz 1b
    jmp 3f
  2:
    lea rdi, [rbx + rax*2 + 5]
    ror rdi, 9
    mov [rsi + 0x200], rdi
    ret
  3:`, { rsi: D, rsp: D + 0x1000n, r8: 3000n }],
  // Forward branches inside a block (joins, seventh stage): if/else diamonds in a loop, one arm
  // ending in a jmp over the other; at the joins the flags come from different writers (a shift's
  // eager flags on one way, a compare's lazy record on the other), one arm writes registers the
  // other does not, and the budget slices below stop the loop anywhere in them.
  ['forward branches inside a block: diamonds, a jmp over an else arm, flags and counts at the joins', `
    xor ecx, ecx
    mov rax, 0x9e3779b97f4a7c15
  1:
    mov rdx, rax
    shr rdx, 11
    xor rax, rdx
    cmp rax, rdi
    jb 2f
    shl rdx, 3
    add rbx, rdx
  2:
    adc rbx, 5
    test al, 2
    jz 3f
    sub rbx, rcx
    lea r9, [rbx + 7]
    jmp 4f
  3:
    xor rbx, 0x55
    add r10, 3
  4:
    cmovs r11, rbx
    setz dl
    add ecx, 1
    cmp ecx, 2500
    jne 1b`, { rdi: 0x8000000000000000n }],
  ['flags live across blocks: a shift read by setcc elsewhere, inc keeping CF for adc', `
    mov rax, -1
    shl rax, 1
    jmp 1f
  1:
    setc bl
    seto bh
    cmp rcx, rax
    inc rdx
    jmp 2f
  2:
    adc rdx, 0
    sbb rbp, rbp
    sar rax, 3
    rol r10d, 5`, { rcx: 1n, r10: 0x80000001n }, 0x10n], // AF after a shift is undefined (SDM)
  ['32-bit forms zero-extend; cdqe, cqo, neg, not; flags of the last one left for the int3', `
    mov eax, -5
    cdqe
    cqo
    mov r11, rdx
    mov ecx, eax
    neg ecx
    not r12
    lea r13d, [rax + rcx*4]
    sub r13d, 7`, { rdx: 0x1111n, r12: 0x55n }],
  ['a fault in the middle of a block: the state of the instructions before it', `
    mov rax, 5
    add rbx, rax
    push rax
    cmp rax, rbx
    mov rcx, [rsi + 0xffc]`, { rsi: D, rsp: D + 0x800n, rbx: 2n }],
  ['indirect calls and jumps through a register and through memory', `
    lea rax, [rip + 2f]
    mov [rsi + 0x300], rax
    mov ecx, 50
  1:
    call rax
    call qword ptr [rsi + 0x300]
    dec ecx
    jnz 1b
    lea rdx, [rip + 3f]
    mov [rsi + 0x308], rdx
    jmp qword ptr [rsi + 0x308]
  2:
    add rbx, rcx
    ret
  3:
    lea rdx, [rip + 4f]
    jmp rdx
  4:`, { rsi: D, rsp: D + 0x1000n }],
  ['8- and 16-bit operands: moves with AH..BH and SPL..DIL, ALU, test, inc/dec, neg/not, setcc, byte compares + jcc', `
    mov r8d, 400
    mov rax, 0x8081828384858687
    mov rbx, 0x7f7e7d7c7b7a7978
  1:
    movzx ecx, byte ptr [rsi + r8]
    cmp cl, 0x80
    jb 2f
    add al, cl
    sub ah, bl
    xor bh, ah
    cmp al, bh
    jl 2f
    or dil, al
    and sil, 0xf7
    inc bpl
    dec word ptr [rsi + 0x402]
    neg dx
    not byte ptr [rsi + 0x404]
  2:
    mov byte ptr [rsi + r8 + 0x100], cl
    cmp byte ptr [rsi + r8], 0x40
    setg r9b
    setbe byte ptr [rsi + 0x408]
    adc al, 0
    test al, 0x81
    sete ah
    test byte ptr [rsi + r8], 3
    setnz dh
    mov r10w, word ptr [rsi + r8 + 1]
    add r10w, 0x7ff1
    seto cl
    add bx, r10w
    cmp bx, r10w
    setl r11b
    cmp r10w, 0x8000
    setae r12b
    cmp r11b, r12b
    jge 3f
    mov ch, al
    mov byte ptr [rsi + 0x40c], ch
    mov word ptr [rsi + 0x40e], 0x1234
    mov dl, 0x77
    sub dl, byte ptr [rsi + r8 + 2]
    xor dl, byte ptr [rsi + r8 + 3]
    inc r9b
    dec dx
  3:
    test r12w, 0x8001
    sets r13b
    mov r14b, 5
    mov bh, 0x40
    dec r8
    jnz 1b`, { rsi: D, rdi: 0x11n, rdx: 0x8001n, rbp: 0x7fn }],
  ['imul and mul with live CF/OF (read by setc/seto/jo; SF ZF PF are undefined), 32 and 64 bits, the overflow edges; rcl/rcr', `
    mov r15, 0x8000000000000000
    mov rax, -1
    imul rax, r15
    seto bl
    setc bh
    setno r8b
    mov rcx, 0x100000000
    imul rcx, rcx
    setc r9b
    setnc r10b
    mov rdx, -3
    imul rdx, rdx, 0x7fffffff
    setno r11b
    setc r12b
    imul edi, esi, -7
    seto r13b
    imul esi, esi
    setc r14b
    mov rax, -2
    mov rbp, 0x7fffffffffffffff
    mul rbp
    seto cl
    setc ch
    mov [rsp - 8], rdx
    mov rax, -2
    imul rbp
    setc byte ptr [rsp - 9]
    mov rbp, rdx
    mov eax, 0x89abcdef
    mov edx, 0x12345
    mul edx
    seto byte ptr [rsp - 10]
    mov r15, rax
    mov eax, -9
    mov r14d, 0x40000000
    imul r14d
    jo 1f
    imul rax, qword ptr [rsp - 8], 3
  1:
    setc byte ptr [rsp - 11]
    mov r15, [rsp - 16]
    imul r15, qword ptr [rsp - 8]
    add rbx, rcx
    rcr rbx, 1
    rcl esi, 1
    stc
    rcr rdi, 3
    rcl rdx, cl
    setc al`, { rsi: 0x12345678n, rdi: 0x9abcdefn, rsp: D + 0x800n }, 0x810n], // AF (add), OF (rcl by CL) undefined
  ['SSE2 integer forms in a loop, part 1: moves, logic, add/sub, compares', `
    mov ecx, 300
    movdqu xmm0, [rsi + 3]
    movdqa xmm1, [rsi + 0x10]
    movups xmm2, [rsi + 0x21]
    movaps xmm9, [rsi + 0x40]
  1:
    movdqa xmm3, xmm0
    paddd xmm3, xmm1
    psubq xmm3, [rsi + 0x50]
    pxor xmm0, xmm3
    pand xmm3, xmm2
    por xmm1, xmm3
    pandn xmm2, xmm9
    paddb xmm2, xmm0
    paddw xmm9, xmm1
    psubb xmm9, xmm3
    psubw xmm0, xmm9
    psubd xmm1, xmm0
    paddq xmm10, xmm2
    pmullw xmm10, xmm1
    pcmpeqb xmm4, xmm0
    pcmpeqw xmm5, xmm10
    pcmpeqd xmm6, xmm1
    movdqa [rsi + 0x100], xmm0
    movdqu [rsi + 0x113], xmm1
    movups [rsi + 0x125], xmm2
    movaps [rsi + 0x130], xmm3
    dec ecx
    jnz 1b`, { rsi: D }],
  ['SSE2 integer forms, part 2: unpacks, pshufd, shifts, movd/movq, pmovmskb; a misaligned movdqa', `
    mov ecx, 300
    movdqu xmm0, [rsi + 3]
    movdqa xmm1, [rsi + 0x10]
    movups xmm2, [rsi + 0x21]
    movaps xmm9, [rsi + 0x40]
  1:
    movdqa xmm3, xmm0
    punpcklbw xmm4, xmm0
    punpckhwd xmm5, xmm1
    punpckldq xmm6, [rsi + 0x60]
    punpckhqdq xmm11, xmm2
    punpcklqdq xmm12, xmm9
    punpcklwd xmm13, xmm3
    punpckhbw xmm14, xmm5
    punpckhdq xmm15, xmm6
    pshufd xmm7, xmm0, 0x1b
    pshufd xmm8, [rsi + 0x70], 0xd2
    psrld xmm7, 3
    pslld xmm8, 31
    psrad xmm3, 7
    psraw xmm4, 20
    psrlw xmm5, 16
    psllq xmm6, 33
    psrlq xmm11, 64
    psllw xmm12, 1
    xorps xmm13, xmm7
    andps xmm14, xmm8
    orps xmm15, xmm4
    andnps xmm12, xmm1
    movd eax, xmm0
    movq rdx, xmm1
    add rbx, rax
    xor rbx, rdx
    movd xmm11, ebx
    movq xmm12, rbx
    movq xmm13, qword ptr [rsi + 0x80]
    movq xmm14, xmm15
    pmovmskb r8d, xmm7
    add rbp, r8
    paddd xmm0, xmm7
    paddq xmm1, xmm13
    movq qword ptr [rsi + 0x148], xmm4
    movd dword ptr [rsi + 0x150], xmm5
    movq [rsi + 0x158], xmm6
    dec ecx
    jnz 1b
    movdqa xmm0, [rsi + 0x208]`, { rsi: D }], // ends with a misaligned movdqa: #GP
  ['a TLB miss: the block stops, the interpreter fills it and goes on', `
    mov rax, [rsi]
    add rax, [rsi + 0x10]
    mov [rsi + 0x20], rax
    add qword ptr [rsi + 0x28], 3`, { rsi: D }],
];

// Small blocks that reach each other through call, ret, jcc, jmp and fall-through: with chaining
// they tail-call each other instead of returning to the run loop after each.
const CHAIN = `
    mov r8, 3000
  1:
    mov rax, r8
    call 2f
    add rbx, rax
    test r8, 1
    jz 3f
    xor rbx, 0x55
  3:
    dec r8
    jnz 1b
    jmp 9f
  2:
    imul rax, rax, 7
    cmp rax, 1000
    jb 4f
    shr rax, 3
  4:
    ret
  9:`;
CASES.push(['chained blocks: call, ret, jcc and jmp between small blocks', CHAIN, { rsp: D + 0x1000n }]);
// A block follows a direct jmp or call into the same page, and a ret of a call it followed to
// the return address: a backward jump (the block's code starts before its entry), a callee that
// moves its return address on (the prediction fails), stores into code the block followed.
CASES.push(['followed jumps and calls: backward jmp, a ret to a moved return address', `
    mov ecx, 300
    jmp 5f
  4:
    add rax, rcx
    jmp 6f
  5:
    xor eax, eax
    jmp 4b
  6:
    call 7f
    inc rax
    add rbx, rax
    dec ecx
    jnz 6b
    jmp 8f
  7:
    test cl, 1
    jz 9f
    add qword ptr [rsp], 3
  9:
    ret
  8:`, { rsp: D + 0x1000n }]);
CASES.push(['followed jumps: stores into the code a block followed, before and after its entry', `
    mov ecx, 5
    jmp 2f
  5:
    mov eax, 0
    add ebx, eax
    mov byte ptr [rip + 6f + 1], cl
    jmp 6f
  6:
    mov edx, 0
    add ebx, edx
    dec ecx
    jnz 2f
    jmp 8f
  2:
    mov byte ptr [rip + 5b + 1], cl
    jmp 5b
  8:`, {}]);

const skip = nativeAvailable() ?? (haveAssembler ? null : 'no assembler (as)');
/** CASES[i] as an oracle case: its code assembled, its registers, a patterned data page. */
function caseOf(i: number, src: string, r: Parameters<typeof regs>[0], undefinedFlags?: bigint) {
  const data = new Uint8Array(4096).map((_, j) => (j * 29 + 3) & 0xff);
  return { code: assemble(`case${i}`, src), state: regs(r), data, undefinedFlags };
}
describe('compiled blocks vs the host CPU', () => {
  CASES.forEach(([name, src, r, undefinedFlags], i) => {
    it.skipIf(skip !== null)(`${name}${skip ? ` (skipped: ${skip})` : ''}`, () => {
      const c = caseOf(i, src, r, undefinedFlags);
      const fails = check([c, c]); // twice: the second run finds the blocks compiled
      if (fails.length) throw new Error(formatFailures(fails, name));
    });
  });
});

// run(budget) must stay exact with blocks chained to each other: each case again, in slices of
// odd sizes (1 instruction, primes, ...) so that a budget runs out at every kind of point — inside
// an in-function loop, before a chained block that no longer fits, in the interpreter. The oracle
// checks that every slice retired exactly its size; the state must match the host CPU's, and the
// total must be the interpreter's (the tier off) for the same code.
const SLICES = [1, 2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 64, 97, 250, 1000];
describe('chained blocks keep run(budget) exact', () => {
  CASES.forEach(([name, src, r, undefinedFlags], i) => {
    it.skipIf(skip !== null)(`${name}${skip ? ` (skipped: ${skip})` : ''}`, () => {
      const c = caseOf(i, src, r, undefinedFlags);
      const [want] = runNative([c]);
      const core = oracleCore();
      runSlices.budgets = SLICES;
      try {
        const [got] = runWasl([c]);
        const compiled = runSlices.insns;
        expect(compare(c, want, got)).toEqual([]);
        core.setJit(false);
        runWasl([c]);
        expect(compiled).toBe(runSlices.insns);
      } finally {
        runSlices.budgets = [10_000];
        core.setJit(true, 1);
      }
    });
  });
  it.skipIf(skip !== null)('block transitions stay in compiled code: far fewer run-loop entries than blocks run', () => {
    const c = { code: assemble('chain', CHAIN), state: regs({ rsp: D + 0x1000n }) };
    const ex = oracleCore().exports as unknown as { jitProfile(i: number): bigint };
    runWasl([c]); // compiles the blocks
    const entries0 = ex.jitProfile(2);
    const [got] = runWasl([c]);
    expect(compare(c, runNative([c])[0], got)).toEqual([]);
    // 3000 iterations, each through at least four blocks (loop top, the callee, the return
    // point, the loop's tail): without chaining that is 12 000 entries from the run loop.
    expect(Number(ex.jitProfile(2) - entries0)).toBeLessThan(3000);
  });
});

describe('the cases above really ran compiled', () => {
  it.skipIf(skip !== null)('blocks were compiled and evicted, none failed to build', () => {
    const st = oracleCore().jit!.stats;
    expect(st.compiled).toBeGreaterThan(10);
    // Blocks share modules (batches of up to half the 8-slot cache).
    expect(st.modules).toBeGreaterThan(0);
    expect(st.modules).toBeLessThan(st.compiled);
    expect(st.evicted).toBeGreaterThan(0);
    expect(st.errors).toBe(0);
  });
});
