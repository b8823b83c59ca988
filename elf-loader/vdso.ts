// The vDSO: the small shared object Linux maps into every x86-64 process and announces with
// AT_SYSINFO_EHDR (arch/x86/entry/vdso/). glibc, musl and Go look up __vdso_clock_gettime and its
// siblings in it and call them instead of making the syscall. wasl builds its own image here,
// byte by byte, as an ELF64 ET_DYN object with the parts those three parsers read: PT_LOAD and
// PT_DYNAMIC, a SysV hash table (musl reads only DT_HASH), .dynsym/.dynstr, symbol versions
// (LINUX_2.6, which glibc and Go ask for), DT_SONAME "linux-vdso.so.1", the "Linux" note, unwind
// tables (.eh_frame and PT_GNU_EH_FRAME, so a backtrace from a signal taken inside it goes on),
// and section headers for readelf and gdb.
//
// Each function ends in `mov eax, NR; syscall; ret`: Linux's own vDSO takes that path too when
// its clock cannot be read in user space (vclock_mode none), and it returns the syscall's result
// as is (-EINVAL for a bad clock id, which musl checks for). The image is made once and is the
// same for every process; lxcore/kernel/exec.ts maps it with [vvar] below it, as Linux 6.1 lays
// them out.
//
// clock_gettime, gettimeofday and time begin with a *fast entry*, `mov eax, NR; syscall`, at fixed
// places (VDSO_TEXT + k * VDSO_FAST_STRIDE): wasl's core knows that SYSCALL by its address
// (FASTSYS's FS_VDSO, written by lxcore while the [vdso] mapping is intact) and either answers the
// whole call there — the clock read, the result stored, and the `ret` taken, one step instead of
// the ~4 guest blocks of the code below it (cpu/ops/fastsys.ts) — or, when it cannot (a result
// buffer or the stack top not already in the TLB, another clock id, a timezone, the shortcut off
// under --strace), lets the SYSCALL fall through without a call, into the ordinary code after it,
// which stores to the pointers and makes the real syscall as before. On a real CPU the fast entry
// would simply be one more syscall whose result the code after it replaces.

import { EHDR_SIZE, PHDR_SIZE, ET_DYN, EM_X86_64, PT_LOAD, PT_DYNAMIC, PT_NOTE, PT_GNU_EH_FRAME, PF_R, PF_X } from './elf.js';

/** The [vdso] mapping's size (two pages, as Linux's) and the [vvar] pages below it (6.1: four). */
export const VDSO_PAGES = 2, VVAR_PAGES = 4;

/**
 * What the vDSO exports (Linux 6.1's x86-64 set; getrandom came with 6.11) and each function's
 * code. Where Linux's vDSO would store through a pointer itself — the clocks it reads in user
 * space (REALTIME, MONOTONIC, MONOTONIC_RAW, the COARSE pair, BOOTTIME, TAI: mask 0x8f3), the
 * non-NULL arguments of gettimeofday, time and getcpu — the code stores to it first, so a bad
 * pointer is SIGSEGV at that address as on Linux, not the syscall's EFAULT; the syscall then
 * writes the real values. Other clock ids go straight to the syscall, as Linux's fallback does.
 */
const FUNCTIONS: Array<[name: string, code: string]> = [
  // The three with a fast entry come first, each in its VDSO_FAST_STRIDE-byte slot:
  // mov eax,228; syscall (the fast entry); then the ordinary code:
  // cmp edi,1; ja .other; .probe: mov [rsi],rdi; mov [rsi+8],rdi; .call: mov eax,228; syscall; ret
  // .other: cmp edi,11; ja .call; mov eax,0x8f3; bt eax,edi; jc .probe; jmp .call
  ['clock_gettime', 'b8e4000000 0f05 83ff01 770f 48893e 48897e08 b8e4000000 0f05 c3 83ff0b 77f3 b8f3080000 0fa3f8 72e2 ebe7'],
  // mov eax,96; syscall (the fast entry);
  // test rdi,rdi; jz 1f; mov [rdi],rdi; mov [rdi+8],rdi; 1: test rsi,rsi; jz 2f; mov [rsi],rsi
  // 2: mov eax,96; syscall; ret
  ['gettimeofday', 'b860000000 0f05 4885ff 7407 48893f 48897f08 4885f6 7403 488936 b860000000 0f05 c3'],
  // mov eax,201; syscall (the fast entry); test rdi,rdi; jz 1f; mov [rdi],rdi; 1: mov eax,201; syscall; ret
  ['time', 'b8c9000000 0f05 4885ff 7403 48893f b8c9000000 0f05 c3'],
  // test rdi,rdi; jz 1f; mov [rdi],edi; 1: test rsi,rsi; jz 2f; mov [rsi],esi; 2: mov eax,309; syscall; ret
  ['getcpu', '4885ff 7402 893f 4885f6 7402 8936 b835010000 0f05 c3'],
  // cmp edi,11; ja 2f; test rsi,rsi; jz 2f; mov eax,0x8f3; bt eax,edi; jnc 2f;
  // mov [rsi],rsi; mov [rsi+8],rsi; 2: mov eax,229; syscall; ret
  ['clock_getres', '83ff0b 7716 4885f6 7411 b8f3080000 0fa3f8 7307 488936 48897608 b8e5000000 0f05 c3'],
];
/**
 * Where .text starts in the image (fixed, so the fast entries' places are known without the
 * image: the CLI's bundle carries a prebuilt one), how many functions begin with a fast entry, and
 * the size of their slots. The fast entry of function k ends (its SYSCALL's next rip) at
 * VDSO_TEXT + k * VDSO_FAST_STRIDE + VDSO_FAST_END.
 */
export const VDSO_TEXT = 0x500, VDSO_FAST_COUNT = 3, VDSO_FAST_STRIDE = 64, VDSO_FAST_END = 7;
const VERSION = 'LINUX_2.6', SONAME = 'linux-vdso.so.1';
/** LINUX_VERSION_CODE of the release uname reports (lxcore/syscalls/sys_process.ts: 6.1). */
const LINUX_VERSION_CODE = (6 << 16) | (1 << 8);

// ELF constants (elf(5)) not needed elsewhere in the loader.
const SHT_PROGBITS = 1, SHT_STRTAB = 3, SHT_HASH = 5, SHT_DYNAMIC = 6, SHT_NOTE = 7, SHT_DYNSYM = 11,
  SHT_GNU_verdef = 0x6ffffffd, SHT_GNU_versym = 0x6fffffff;
const SHF_WRITE = 1, SHF_ALLOC = 2, SHF_EXECINSTR = 4;
const DT_NULL = 0, DT_HASH = 4, DT_STRTAB = 5, DT_SYMTAB = 6, DT_STRSZ = 10, DT_SYMENT = 11, DT_SONAME = 14,
  DT_FLAGS = 30, DT_VERSYM = 0x6ffffff0, DT_FLAGS_1 = 0x6ffffffb, DT_VERDEF = 0x6ffffffc, DT_VERDEFNUM = 0x6ffffffd;
const DF_SYMBOLIC = 2, DF_BIND_NOW = 8, DF_1_NOW = 1, VER_FLG_BASE = 1;
const STB_GLOBAL = 1, STB_WEAK = 2, STT_OBJECT = 1, STT_FUNC = 2, SHN_ABS = 0xfff1;
const DW_EH_PE_udata4 = 0x03, DW_EH_PE_sdata4 = 0x0b, DW_EH_PE_pcrel = 0x10, DW_EH_PE_datarel = 0x30;

/** The System V ABI's ELF hash (the DT_HASH table's and a Verdef's vd_hash). */
function elfHash(name: string): number {
  let h = 0;
  for (let i = 0; i < name.length; i++) {
    h = ((h << 4) + name.charCodeAt(i)) >>> 0;
    const g = h & 0xf0000000;
    if (g) h ^= g >>> 24;
    h = (h & ~g) >>> 0;
  }
  return h;
}

/** A little-endian byte writer over the mapping's 8 KiB (buildImage checks the image fits). */
class Out {
  b = new Uint8Array(8192);
  dv = new DataView(this.b.buffer);
  at = 0;
  align(n: number): number { this.at = Math.ceil(this.at / n) * n; return this.at; }
  u8(...v: number[]): this { for (const x of v) this.b[this.at++] = x; return this; }
  u16(v: number): this { this.dv.setUint16(this.at, v, true); this.at += 2; return this; }
  u32(v: number): this { this.dv.setUint32(this.at, v >>> 0, true); this.at += 4; return this; }
  i32(v: number): this { this.dv.setInt32(this.at, v, true); this.at += 4; return this; }
  u64(v: number): this { this.dv.setBigUint64(this.at, BigInt(v), true); this.at += 8; return this; }
  str(s: string): this { for (let i = 0; i < s.length; i++) this.b[this.at++] = s.charCodeAt(i); this.b[this.at++] = 0; return this; }
  /** Writes `fill` at `pos` later (a forward reference), keeping the cursor. */
  patch(pos: number, fill: (o: Out) => void): void { const at = this.at; this.at = pos; fill(this); this.at = at; }
}

/** A string table: offsets of the strings added, with the empty string at 0. */
class StrTab {
  text = '\0';
  private seen = new Map<string, number>([['', 0]]);
  add(s: string): number {
    let o = this.seen.get(s);
    if (o === undefined) { o = this.text.length; this.text += s + '\0'; this.seen.set(s, o); }
    return o;
  }
}

interface Section { name: string; type: number; flags: number; off: number; size: number; link?: string; info?: number; align: number; entsize?: number }

let image: Uint8Array | undefined;

/**
 * The vDSO image: its bytes from offset 0, to be mapped at a page boundary (p_vaddr 0). The CLI's
 * bundle carries the image this module made at build time (tools/bundle-cli.mjs, base64 under
 * Symbol.for('wasl.vdsoImage')): building it at start-up was ~0.7 ms of still-cold code in every
 * static hello (issue #11).
 */
export function vdsoImage(): Uint8Array {
  if (!image) {
    const built = (globalThis as Record<symbol, unknown>)[Symbol.for('wasl.vdsoImage')];
    image = typeof built === 'string' ? new Uint8Array(Buffer.from(built, 'base64')) : buildImage();
  }
  return image;
}

function buildImage(): Uint8Array {
  const o = new Out();
  const PHNUM = 4;
  o.at = EHDR_SIZE + PHNUM * PHDR_SIZE;
  const sections: Section[] = [];
  const section = (s: Section) => { sections.push(s); return s; };

  // The symbols: each function as __vdso_NAME (global) and NAME (weak), then the version's own
  // absolute symbol, as Linux's linker script gives them. Their values are filled in below.
  const dynstr = new StrTab();
  const syms: Array<{ text: string; name: number; info: number; shndx: number; fn?: number }> = [];
  const sym = (text: string, info: number, shndx: number, fn?: number) => syms.push({ text, name: dynstr.add(text), info, shndx, fn });
  FUNCTIONS.forEach(([name], fn) => {
    sym(`__vdso_${name}`, (STB_GLOBAL << 4) | STT_FUNC, 0, fn);
    sym(name, (STB_WEAK << 4) | STT_FUNC, 0, fn);
  });
  sym(VERSION, (STB_GLOBAL << 4) | STT_OBJECT, SHN_ABS);
  const verName = dynstr.add(VERSION), soname = dynstr.add(SONAME); // the verdefs' names too
  const nsym = syms.length + 1;

  // .hash: nbucket, nchain, buckets, chains (symbol 0 is the undefined one and is never hashed).
  const nbucket = 5;
  const hash = section({ name: '.hash', type: SHT_HASH, flags: SHF_ALLOC, off: o.align(8), size: 0, link: '.dynsym', align: 8, entsize: 4 });
  const bucket = new Array<number>(nbucket).fill(0), chain = new Array<number>(nsym).fill(0);
  for (let k = nsym - 1; k >= 1; k--) {
    const b = elfHash(syms[k - 1].text) % nbucket;
    chain[k] = bucket[b]; bucket[b] = k;
  }
  o.u32(nbucket).u32(nsym);
  for (const v of bucket) o.u32(v);
  for (const v of chain) o.u32(v);
  hash.size = o.at - hash.off;

  // .dynsym, written once .text's offsets are known.
  const dynsym = section({ name: '.dynsym', type: SHT_DYNSYM, flags: SHF_ALLOC, off: o.align(8), size: nsym * 24, link: '.dynstr', info: 1, align: 8, entsize: 24 });
  o.at += nsym * 24;
  // .dynstr
  const strtab = section({ name: '.dynstr', type: SHT_STRTAB, flags: SHF_ALLOC, off: o.at, size: dynstr.text.length, align: 1 });
  o.str(dynstr.text.slice(0, -1));
  // .gnu.version: every defined symbol is LINUX_2.6 (index 2); index 0 for the undefined one.
  const versym = section({ name: '.gnu.version', type: SHT_GNU_versym, flags: SHF_ALLOC, off: o.align(2), size: nsym * 2, link: '.dynsym', align: 2, entsize: 2 });
  o.u16(0);
  for (let k = 1; k < nsym; k++) o.u16(2);
  // .gnu.version_d: the base version (the soname) and LINUX_2.6, each a Verdef + one Verdaux.
  const verdef = section({ name: '.gnu.version_d', type: SHT_GNU_verdef, flags: SHF_ALLOC, off: o.align(8), size: 56, link: '.dynstr', info: 2, align: 8 });
  o.u16(1).u16(VER_FLG_BASE).u16(1).u16(1).u32(elfHash(SONAME)).u32(20).u32(28).u32(soname).u32(0);
  o.u16(1).u16(0).u16(2).u16(1).u32(elfHash(VERSION)).u32(20).u32(0).u32(verName).u32(0);
  // .dynamic
  const dyn: Array<[number, number]> = [
    [DT_SONAME, soname], [DT_HASH, hash.off], [DT_STRTAB, strtab.off], [DT_SYMTAB, dynsym.off],
    [DT_STRSZ, strtab.size], [DT_SYMENT, 24], [DT_VERDEF, verdef.off], [DT_VERDEFNUM, 2],
    [DT_FLAGS, DF_SYMBOLIC | DF_BIND_NOW], [DT_FLAGS_1, DF_1_NOW], [DT_VERSYM, versym.off], [DT_NULL, 0],
  ];
  const dynamic = section({ name: '.dynamic', type: SHT_DYNAMIC, flags: SHF_ALLOC | SHF_WRITE, off: o.align(8), size: dyn.length * 16, link: '.dynstr', align: 8, entsize: 16 });
  for (const [t, v] of dyn) o.u64(t).u64(v);
  // .note: "Linux", type 0, LINUX_VERSION_CODE (what glibc once read the kernel's version from).
  const note = section({ name: '.note', type: SHT_NOTE, flags: SHF_ALLOC, off: o.align(4), size: 0, align: 4 });
  o.u32(6).u32(4).u32(0).str('Linux'); o.align(4); o.u32(LINUX_VERSION_CODE);
  note.size = o.at - note.off;
  // .eh_frame_hdr and .eh_frame: one CIE (CFA = rsp + 8, return address at CFA - 8) and one FDE
  // covering all of .text — no function here moves rsp, so that rule holds at every instruction.
  const ehHdr = section({ name: '.eh_frame_hdr', type: SHT_PROGBITS, flags: SHF_ALLOC, off: o.align(4), size: 20, align: 4 });
  o.at += 20;
  const ehFrame = section({ name: '.eh_frame', type: SHT_PROGBITS, flags: SHF_ALLOC, off: o.align(8), size: 0, align: 8 });
  const cie = o.at;
  o.u32(0).u32(0).u8(1).str('zR').u8(1, 0x78 /* sleb -8 */, 16, 1, DW_EH_PE_pcrel | DW_EH_PE_sdata4);
  o.u8(0x0c, 7, 8, 0x80 | 16, 1); // DW_CFA_def_cfa rsp+8; DW_CFA_offset r16 (rip) at CFA-8
  while ((o.at - cie) % 8) o.u8(0); // DW_CFA_nop
  const cieLen = o.at - cie - 4;
  o.patch(cie, (p) => p.u32(cieLen));
  const fde = o.at;
  o.u32(0).u32(fde + 4 - cie); // length (patched), CIE pointer (from this field back to the CIE)
  const fdeStart = o.at;
  o.i32(0).u32(0).u8(0);       // pc_begin, pc_range (patched), no augmentation data
  while ((o.at - fde) % 8) o.u8(0);
  const fdeLen = o.at - fde - 4;
  o.patch(fde, (p) => p.u32(fdeLen));
  o.u32(0);                    // the terminator
  ehFrame.size = o.at - ehFrame.off;
  // .text at VDSO_TEXT: the functions with a fast entry in their fixed slots, the others on 16
  // bytes after them, int3 between them.
  if (o.at > VDSO_TEXT) throw new Error('vdso headers run past VDSO_TEXT');
  o.at = VDSO_TEXT;
  const text = section({ name: '.text', type: SHT_PROGBITS, flags: SHF_ALLOC | SHF_EXECINSTR, off: o.at, size: 0, align: 16 });
  const starts: number[] = [];
  const sizes: number[] = [];
  FUNCTIONS.forEach(([, code], k) => {
    const at = k < VDSO_FAST_COUNT ? VDSO_TEXT + k * VDSO_FAST_STRIDE : Math.ceil(o.at / 16) * 16;
    if (at < o.at) throw new Error('vdso function larger than its fast-entry slot');
    o.b.fill(0xcc, o.at, at);
    o.at = at;
    starts.push(o.at);
    const hex = code.replace(/ /g, '');
    for (let i = 0; i < hex.length; i += 2) o.u8(parseInt(hex.slice(i, i + 2), 16));
    sizes.push(hex.length / 2);
    // The fast entry, where the core looks for it: mov eax, imm32 (b8), then syscall (0f 05).
    if (k < VDSO_FAST_COUNT && (o.b[at] !== 0xb8 || o.b[at + VDSO_FAST_END - 2] !== 0x0f || o.b[at + VDSO_FAST_END - 1] !== 0x05)) {
      throw new Error('vdso fast entry not where the core looks for it');
    }
  });
  text.size = o.at - text.off;
  o.patch(fdeStart, (p) => p.i32(text.off - fdeStart).u32(text.size));
  o.patch(ehHdr.off, (p) => {
    p.u8(1, DW_EH_PE_pcrel | DW_EH_PE_sdata4, DW_EH_PE_udata4, DW_EH_PE_datarel | DW_EH_PE_sdata4);
    p.i32(ehFrame.off - (ehHdr.off + 4)).u32(1).i32(text.off - ehHdr.off).i32(fde - ehHdr.off);
  });
  const loadEnd = o.at;
  // .shstrtab and the section headers: not loaded (past PT_LOAD's bytes) but in the mapping.
  const shstr = new StrTab();
  const shstrtab = section({ name: '.shstrtab', type: SHT_STRTAB, flags: 0, off: o.at, size: 0, align: 1 });
  for (const s of sections) shstr.add(s.name);
  o.str(shstr.text.slice(0, -1));
  shstrtab.size = o.at - shstrtab.off;
  const index = (name?: string) => name === undefined ? 0 : sections.findIndex((s) => s.name === name) + 1;
  const textIndex = index('.text');

  // The symbols, now that .text is placed.
  o.patch(dynsym.off + 24, (p) => {
    for (const s of syms) {
      const fn = s.fn !== undefined;
      p.u32(s.name).u8(s.info, 0).u16(fn ? textIndex : s.shndx).u64(fn ? starts[s.fn!] : 0).u64(fn ? sizes[s.fn!] : 0);
    }
  });

  const shoff = o.align(8);
  o.u64(0).u64(0).u64(0).u64(0).u64(0).u64(0).u64(0).u64(0); // section 0
  for (const s of sections) {
    const alloc = (s.flags & SHF_ALLOC) !== 0;
    o.u32(shstr.add(s.name)).u32(s.type).u64(s.flags).u64(alloc ? s.off : 0).u64(s.off).u64(s.size)
      .u32(index(s.link)).u32(s.info ?? 0).u64(s.align).u64(s.entsize ?? 0);
  }
  const end = o.at;

  // The ELF header and the program headers.
  o.at = 0;
  o.u8(0x7f, 0x45, 0x4c, 0x46, 2 /* ELFCLASS64 */, 1 /* LSB */, 1 /* EV_CURRENT */, 0, 0, 0, 0, 0, 0, 0, 0, 0);
  o.u16(ET_DYN).u16(EM_X86_64).u32(1).u64(0).u64(EHDR_SIZE).u64(shoff).u32(0)
    .u16(EHDR_SIZE).u16(PHDR_SIZE).u16(PHNUM).u16(64).u16(sections.length + 1).u16(index('.shstrtab'));
  const phdr = (type: number, flags: number, off: number, size: number, align: number) =>
    o.u32(type).u32(flags).u64(off).u64(off).u64(off).u64(size).u64(size).u64(align);
  phdr(PT_LOAD, PF_R | PF_X, 0, loadEnd, 0x1000);
  phdr(PT_DYNAMIC, PF_R, dynamic.off, dynamic.size, 8);
  phdr(PT_NOTE, PF_R, note.off, note.size, 4);
  phdr(PT_GNU_EH_FRAME, PF_R, ehHdr.off, ehHdr.size, 4);
  if (end > VDSO_PAGES * 4096) throw new Error('vdso image larger than its mapping');
  return o.b.slice(0, end);
}
