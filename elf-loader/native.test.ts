// Differential test against the host kernel: hand-made ELF files are exec'd natively (execve(2)
// from a small C helper) and parsed + loaded by wasl. Where Linux says ENOEXEC, wasl must too;
// where wasl is stricter (a file Linux runs, or starts and then kills), the case says why. This
// table is the evidence behind docs/elf-loader.md. Skipped without gcc or off x86-64 Linux.

import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { execFileSync } from 'node:child_process';
import { arch, platform } from 'node:os';
import { LinuxError } from '../lxcore/abi/errno.js';
import { parseElf, PT_INTERP, PT_NULL } from './elf.js';
import { loadElf } from './load.js';
import {
  compileC, have, removeTempDirs, minimalElf, RangeTarget, tempDir, writeExecutable, EHDR, EXIT42, PHDR,
} from './test-support.js';

afterAll(removeTempDirs);

const EXEC_PROBE_C = `#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <errno.h>
#include <sys/wait.h>
/* For each path: execve it with an empty environment; print "errno NAME", "exit N" or "signal N". */
int main(int argc, char **argv) {
  for (int i = 1; i < argc; i++) {
    int fd[2], e = 0, st;
    if (pipe(fd)) return 1;
    pid_t pid = fork();
    if (pid == 0) {
      char *av[] = { argv[i], NULL }, *ev[] = { NULL };
      close(fd[0]);
      execve(argv[i], av, ev);
      e = errno; write(fd[1], &e, sizeof e); _exit(127);
    }
    close(fd[1]);
    ssize_t n = read(fd[0], &e, sizeof e);
    close(fd[0]);
    waitpid(pid, &st, 0);
    if (n == sizeof e) printf("errno %s\\n", strerrorname_np(e));
    else if (WIFEXITED(st)) printf("exit %d\\n", WEXITSTATUS(st));
    else printf("signal %d\\n", WTERMSIG(st));
  }
  return 0;
}
`;

type Linux = 'exit 42' | 'errno ENOEXEC' | 'signal 7' | 'signal 11';
interface Case { name: string; file: Uint8Array; linux: Linux; wasl: 'ok' | 'ENOEXEC'; why?: string }

const ph = (i: number, field: keyof typeof PHDR) => 64 + i * 56 + PHDR[field];
function edit(f: (file: Uint8Array, dv: DataView) => void, file = minimalElf()): Uint8Array {
  f(file, new DataView(file.buffer));
  return file;
}
/** minimalElf with its program header table moved to 0x1100 and padded to `n` entries. */
function withPhnum(n: number): Uint8Array {
  const base = minimalElf(), file = new Uint8Array(0x1100 + n * 56);
  file.set(base);
  file.set(base.subarray(64, 64 + 4 * 56), 0x1100);
  const dv = new DataView(file.buffer);
  dv.setBigUint64(EHDR.phoff, 0x1100n, true);
  dv.setUint16(EHDR.phnum, n, true);
  return file;
}

const STRICTER = 'wasl checks what Linux leaves unchecked';
const CASES: Case[] = [
  { name: 'minimal program', file: minimalElf(), linux: 'exit 42', wasl: 'ok' },
  { name: 'bad magic', file: edit((f) => { f[0] = 0; }), linux: 'errno ENOEXEC', wasl: 'ENOEXEC' },
  { name: 'ET_REL', file: edit((f, dv) => dv.setUint16(EHDR.type, 1, true)), linux: 'errno ENOEXEC', wasl: 'ENOEXEC' },
  { name: 'EM_AARCH64', file: edit((f, dv) => dv.setUint16(EHDR.machine, 183, true)), linux: 'errno ENOEXEC', wasl: 'ENOEXEC' },
  { name: 'e_phentsize 57', file: edit((f, dv) => dv.setUint16(EHDR.phentsize, 57, true)), linux: 'errno ENOEXEC', wasl: 'ENOEXEC' },
  { name: 'phdr table past EOF', file: edit((f, dv) => dv.setBigUint64(EHDR.phoff, 0xff0n, true)), linux: 'errno ENOEXEC', wasl: 'ENOEXEC' },
  { name: 'e_phnum 1171 (> 64 KiB)', file: withPhnum(1171), linux: 'errno ENOEXEC', wasl: 'ENOEXEC' },
  { name: 'PT_INTERP of 1 byte', file: minimalElf([{ type: PT_INTERP, offset: 0x1c0, filesz: 1 }]), linux: 'errno ENOEXEC', wasl: 'ENOEXEC' },
  { name: 'PT_INTERP without NUL', file: minimalElf([{ type: PT_INTERP, offset: 0x800, filesz: 8 }]), linux: 'errno ENOEXEC', wasl: 'ENOEXEC' },
  { name: 'entry outside every segment', file: edit((f, dv) => dv.setBigUint64(EHDR.entry, 0x500000n, true)), linux: 'signal 11', wasl: 'ok',
    why: 'Linux only checks BAD_ADDR(e_entry); the first instruction fetch faults' },
  { name: 'EI_CLASS 1', file: edit((f) => { f[4] = 1; }), linux: 'exit 42', wasl: 'ENOEXEC', why: STRICTER },
  { name: 'EI_DATA 2', file: edit((f) => { f[5] = 2; }), linux: 'exit 42', wasl: 'ENOEXEC', why: STRICTER },
  { name: 'e_version 0', file: edit((f, dv) => dv.setUint32(EHDR.version, 0, true)), linux: 'exit 42', wasl: 'ENOEXEC', why: STRICTER },
  { name: 'p_align 3', file: edit((f, dv) => dv.setBigUint64(ph(2, 'align'), 3n, true)), linux: 'exit 42', wasl: 'ENOEXEC', why: STRICTER },
  { name: 'unsorted PT_LOADs', file: edit((f) => { const a = f.slice(120, 176); f.copyWithin(120, 176, 232); f.set(a, 176); }),
    linux: 'exit 42', wasl: 'ENOEXEC', why: 'the gABI requires ascending p_vaddr; Linux ET_EXEC loading happens not to need it' },
  { name: 'overlapping PT_LOADs', file: edit((f, dv) => dv.setBigUint64(ph(1, 'memsz'), 0x1900n, true)),
    linux: 'exit 42', wasl: 'ENOEXEC', why: 'Linux lets the later MAP_FIXED mapping win' },
  { name: 'p_filesz > p_memsz', file: edit((f, dv) => dv.setBigUint64(ph(1, 'filesz'), 0x1900n, true)),
    linux: 'signal 11', wasl: 'ENOEXEC', why: 'Linux fails with EINVAL past the point of no return: SIGSEGV' },
  { name: 'p_vaddr ≢ p_offset mod 4096', file: edit((f, dv) => { dv.setBigUint64(ph(2, 'offset'), 0xff0n, true); f.set(EXIT42, 0xff0); }),
    linux: 'signal 11', wasl: 'ENOEXEC', why: 'Linux\'s mmap() fails with EINVAL past the point of no return' },
  { name: 'segment past EOF', file: edit((f, dv) => dv.setBigUint64(ph(2, 'offset'), 0x3000n, true)),
    linux: 'signal 7', wasl: 'ENOEXEC', why: 'Linux maps it and the access past EOF raises SIGBUS' },
  { name: 'no PT_LOAD', file: edit((f, dv) => { for (const i of [0, 1, 2]) dv.setUint32(ph(i, 'type'), PT_NULL, true); }),
    linux: 'signal 11', wasl: 'ENOEXEC', why: 'Linux starts a process with nothing mapped at the entry point' },
  { name: 'entry at TASK_SIZE', file: edit((f, dv) => dv.setBigUint64(EHDR.entry, 0x7ffffffff000n, true)),
    linux: 'signal 11', wasl: 'ENOEXEC', why: 'Linux fails BAD_ADDR(e_entry) past the point of no return' },
];

function wasl(file: Uint8Array): 'ok' | 'ENOEXEC' | string {
  try { loadElf(file, parseElf(file), new RangeTarget()); return 'ok'; } catch (e) {
    return e instanceof LinuxError && e.errno === 8 ? 'ENOEXEC' : String(e);
  }
}

describe('wasl and the host kernel on the same hand-made files', () => {
  const canRun = platform() === 'linux' && arch() === 'x64' && have('gcc');
  let linux = new Map<string, string>();
  beforeAll(() => {
    if (!canRun) return;
    const dir = tempDir();
    const probe = compileC(dir, 'execprobe', EXEC_PROBE_C, 'gcc', ['-O2']);
    const paths = CASES.map((c, i) => writeExecutable(dir, `case${i}`, c.file));
    const out = execFileSync(probe, paths, { encoding: 'utf8' }).trim().split('\n');
    linux = new Map(CASES.map((c, i) => [c.name, out[i]]));
  });

  for (const c of CASES) {
    it(`${c.name}: wasl ${c.wasl}${c.why ? ` (${c.why})` : ''}`, () => expect(wasl(c.file)).toBe(c.wasl));
    it.skipIf(!canRun)(`${c.name}: Linux ${c.linux} (needs gcc on x86-64 Linux)`, () => {
      const got = linux.get(c.name);
      // The invariant: whatever Linux refuses at execve() time, wasl refuses too.
      if (got === 'errno ENOEXEC') expect(c.wasl).toBe('ENOEXEC');
      expect(got).toBe(c.linux);
    });
  }
});
