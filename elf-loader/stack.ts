// The initial process stack of a new x86-64 program: the System V AMD64 psABI §3.4.1 layout, laid
// out byte for byte as Linux does it (fs/exec.c copy_strings() and bprm_stack_limits(),
// fs/binfmt_elf.c create_elf_tables()). Checked against a native process in stack.test.ts.
//
//   stackTop ─► ┌──────────────────────────────┐ high addresses
//               │ 8 zero bytes                 │ bprm->p starts at vm_end - sizeof(void *)
//               │ execfn "path\0"              │ ◄─ AT_EXECFN
//               │ envp strings "K=V\0" …       │ ◄─ envp[0] … (mm->env_start)
//   argStart ─► │ argv strings "arg\0" …       │ ◄─ argv[0] …  (mm->arg_start)
//               ├──────────────────────────────┤ rounded down to 16 (arch_align_stack)
//               │ platform "x86_64\0"          │ ◄─ AT_PLATFORM
//               │ 16 random bytes              │ ◄─ AT_RANDOM
//               │ padding 0‥15 bytes           │ so that sp ends up 16-aligned
//   auxvAddr ─► │ auxv: (type, value) pairs …, │ caller's entries, then AT_RANDOM, the caller's
//               │       AT_NULL, 0             │ afterRandom ones, AT_EXECFN, AT_PLATFORM, AT_NULL
//   envpAddr ─► │ envp[0] … envp[envc-1], NULL │
//   argvAddr ─► │ argv[0] … argv[argc-1], NULL │
//         sp ─► │ argc                         │ 16-byte aligned
//               └──────────────────────────────┘ low addresses: the rest of the stack mapping

import { LinuxError, E2BIG, EINVAL } from '../lxcore/abi/errno.js';
import { PAGE_SIZE, PROT_READ, PROT_WRITE, TASK_SIZE } from '../lxcore/abi/mman.js';
import { AT_EXECFN, AT_NULL, AT_PLATFORM, AT_RANDOM } from './auxv.js';
import type { LoaderTarget } from './load.js';

/** Longest single argument or environment string, NUL included (include/uapi/linux/binfmts.h). */
export const MAX_ARG_STRLEN = 32 * PAGE_SIZE;
/** ARG_MAX: the floor of the argument space whatever the stack rlimit (include/uapi/linux/limits.h). */
export const ARG_MAX = 131072;
/** _STK_LIM: 8 MiB, the default stack rlimit; at most 3/4 of it goes to arguments. */
export const _STK_LIM = 8 * 1024 * 1024;

export interface InitialStackParams {
  stackTop: number;        // page-aligned end of the stack mapping (Linux: 0x7ffffffff000 without ASLR)
  stackSize: number;       // bytes mapped below stackTop, page multiple
  argv: string[];
  envp: string[];
  execfn: string;          // the path given to execve(2)
  auxv: Array<[number, number]>;  // entries besides AT_RANDOM, AT_EXECFN, AT_PLATFORM and AT_NULL
  afterRandom?: Array<[number, number]>; // entries between AT_RANDOM and AT_EXECFN (Linux: AT_HWCAP2)
  random16: Uint8Array;    // AT_RANDOM bytes
  platform?: string;       // AT_PLATFORM, default "x86_64"
  rlimitStack?: number;    // RLIMIT_STACK soft limit for the argument-size limit; default stackSize
}

export interface InitialStack {
  sp: number;              // rsp at the entry point: points at argc
  argvAddr: number;        // the argv pointer array (sp + 8)
  envpAddr: number;        // the envp pointer array
  auxvAddr: number;        // the auxiliary vector
  argStart: number; argEnd: number;   // argv strings (mm->arg_start/arg_end: /proc/pid/cmdline)
  envStart: number; envEnd: number;   // envp strings (mm->env_start/env_end: /proc/pid/environ)
  execfnAddr: number; platformAddr: number; randomAddr: number;
}

const e2big = (why: string): never => { throw new LinuxError(E2BIG, `initial stack: ${why}`); };
const einval = (why: string): never => { throw new LinuxError(EINVAL, `initial stack: ${why}`); };

/**
 * Maps [stackTop - stackSize, stackTop) read/write and writes the initial stack into it.
 * Errors: E2BIG when a string exceeds MAX_ARG_STRLEN, the strings exceed Linux's limit
 * (max(ARG_MAX, min(rlimit/4, 3/4 of _STK_LIM)) minus the pointers), or the layout does not fit
 * the mapping (Linux would grow the stack instead); EINVAL for a malformed request.
 * As Linux ≥ 5.18 does, an empty argv becomes [""] so that argv[0] always exists.
 */
export function buildInitialStack(target: LoaderTarget, p: InitialStackParams): InitialStack {
  const { stackTop, stackSize } = p;
  if (!Number.isSafeInteger(stackTop) || !Number.isSafeInteger(stackSize) || stackSize <= 0 ||
      stackTop % PAGE_SIZE !== 0 || stackSize % PAGE_SIZE !== 0 || stackTop > TASK_SIZE ||
      stackSize > stackTop) einval(`bad stack region ${stackTop}/${stackSize}`);
  if (p.random16.length !== 16) einval('AT_RANDOM needs exactly 16 bytes');
  for (const [type, value] of [...p.auxv, ...p.afterRandom ?? []]) {
    if (type === AT_NULL || type === AT_RANDOM || type === AT_EXECFN || type === AT_PLATFORM)
      einval(`auxv entry ${type} is supplied by buildInitialStack`);
    if (!Number.isSafeInteger(type) || type < 0 || !Number.isSafeInteger(value) || value < 0)
      einval(`auxv entry (${type}, ${value}) is not a pair of unsigned integers`);
  }

  const enc = new TextEncoder();
  const cstr = (s: string) => {
    const b = enc.encode(s + '\0');
    if (b.length > MAX_ARG_STRLEN) e2big(`a string of ${b.length} bytes exceeds MAX_ARG_STRLEN`);
    return b;
  };
  const argv = (p.argv.length ? p.argv : ['']).map(cstr);
  const envp = p.envp.map(cstr);
  const execfn = cstr(p.execfn);
  const platform = enc.encode((p.platform ?? 'x86_64') + '\0');

  const argBytes = argv.reduce((n, b) => n + b.length, 0);
  const envBytes = envp.reduce((n, b) => n + b.length, 0);
  // bprm_stack_limits(): the strings (execfn included) plus one pointer per string must fit.
  const rlim = p.rlimitStack ?? stackSize;
  const limit = Math.max(ARG_MAX, Math.min(Math.floor(rlim / 4), _STK_LIM / 4 * 3));
  const ptrBytes = (argv.length + envp.length) * 8;
  if (ptrBytes >= limit || argBytes + envBytes + execfn.length > limit - ptrBytes)
    e2big(`${argv.length} arguments and ${envp.length} environment strings exceed ${limit} bytes`);

  // Addresses, from the top down (see the diagram).
  const execfnAddr = stackTop - 8 - execfn.length;
  const envStart = execfnAddr - envBytes;
  const argStart = envStart - argBytes;
  let p16 = argStart - (argStart % 16);
  const platformAddr = p16 - platform.length;
  const randomAddr = platformAddr - 16;
  const auxv: Array<[number, number]> = [...p.auxv, [AT_RANDOM, randomAddr], ...p.afterRandom ?? [],
    [AT_EXECFN, execfnAddr], [AT_PLATFORM, platformAddr], [AT_NULL, 0]];
  const words = auxv.length * 2 + (envp.length + 1) + (argv.length + 1) + 1;
  p16 = randomAddr - words * 8;
  const sp = p16 - (p16 % 16);
  if (sp < stackTop - stackSize) e2big(`arguments need ${stackTop - sp} bytes, the stack has ${stackSize}`);

  // Build the image of [sp, stackTop) locally, then copy it in with one poke.
  const buf = new Uint8Array(stackTop - sp);
  const dv = new DataView(buf.buffer);
  let w = 0;                                   // next word offset in buf
  const word = (v: number) => {
    dv.setUint32(w, v % 0x1_0000_0000, true);
    dv.setUint32(w + 4, Math.floor(v / 0x1_0000_0000), true);
    w += 8;
  };
  const put = (addr: number, bytes: Uint8Array) => buf.set(bytes, addr - sp);

  word(argv.length);
  let at = argStart;
  for (const b of argv) { word(at); put(at, b); at += b.length; }
  word(0);
  const envpAddr = sp + w;
  for (const b of envp) { word(at); put(at, b); at += b.length; }
  word(0);
  const auxvAddr = sp + w;
  for (const [type, value] of auxv) { word(type); word(value); }
  put(execfnAddr, execfn);
  put(platformAddr, platform);
  put(randomAddr, p.random16);

  target.mapFixed(stackTop - stackSize, stackSize, PROT_READ | PROT_WRITE);
  target.poke(sp, buf);
  return {
    sp, argvAddr: sp + 8, envpAddr, auxvAddr,
    argStart, argEnd: envStart, envStart, envEnd: execfnAddr,
    execfnAddr, platformAddr, randomAddr,
  };
}
