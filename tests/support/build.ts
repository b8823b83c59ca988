// Builds test programs from C source at test time (never committed binaries), cached under
// tests/.build by compiler, flags and source hash so repeated runs are fast.

import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync } from 'node:fs';
import { join, basename } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CACHE = join(ROOT, 'tests/.build');

export type Toolchain = 'musl' | 'glibc';
const COMPILER: Record<Toolchain, string> = { musl: 'musl-gcc', glibc: 'gcc' };

export function hasCommand(cmd: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

/** Whether a static binary can be built with this toolchain here (glibc needs libc.a). */
export function canBuild(tc: Toolchain): boolean {
  if (!hasCommand(COMPILER[tc])) return false;
  if (tc === 'glibc') return existsSync('/usr/lib/x86_64-linux-gnu/libc.a');
  return true;
}

/** Compiles `src` statically with the toolchain; returns the binary's path. */
export function buildStatic(src: string, tc: Toolchain, extraFlags: string[] = []): string {
  const flags = extraFlags.includes('-static-pie') ? ['-O2', '-w', ...extraFlags] : ['-static', '-O2', '-w', ...extraFlags];
  const hash = createHash('sha256').update(readFileSync(src)).update(tc).update(flags.join(' ')).digest('hex').slice(0, 12);
  mkdirSync(CACHE, { recursive: true });
  const out = join(CACHE, `${basename(src, '.c')}-${tc}-${hash}`);
  // libraries (-lm) go after the source: a static link resolves symbols in command-line order
  const libs = flags.filter((f) => f.startsWith('-l'));
  const opts = flags.filter((f) => !f.startsWith('-l'));
  if (!existsSync(out)) execFileSync(COMPILER[tc], [...opts, '-o', out, src, ...libs], { stdio: 'pipe' });
  return out;
}

/**
 * Compiles `src` as a dynamically linked program (no -static): gcc links against glibc with
 * PT_INTERP /lib64/ld-linux-x86-64.so.2, musl-gcc against musl's libc.so with
 * /lib/ld-musl-x86_64.so.1. Cached like buildStatic.
 */
export function buildDynamic(src: string, tc: Toolchain, extraFlags: string[] = []): string {
  const flags = ['-O2', '-w', ...extraFlags];
  const hash = createHash('sha256').update(readFileSync(src)).update(tc).update('dynamic').update(flags.join(' ')).digest('hex').slice(0, 12);
  mkdirSync(CACHE, { recursive: true });
  const out = join(CACHE, `${basename(src, '.c')}-${tc}-dyn-${hash}`);
  if (!existsSync(out)) {
    const tmp = `${out}.${process.pid}`;  // test files build concurrently: publish by rename
    execFileSync(COMPILER[tc], [...flags, '-o', tmp, src], { stdio: 'pipe' });
    renameSync(tmp, out);
  }
  return out;
}

/** Whether a dynamically linked program can be built and run here with this toolchain. */
export function canBuildDynamic(tc: Toolchain): boolean {
  if (!hasCommand(COMPILER[tc])) return false;
  return existsSync(tc === 'musl' ? '/lib/ld-musl-x86_64.so.1' : '/lib64/ld-linux-x86-64.so.2');
}

/**
 * The native runner's descriptor-closing exec wrapper (tests/support/closefds.c), built once with
 * the host's cc; undefined when no C compiler is installed (native runs then inherit what Node has).
 */
let closefds: string | null | undefined;
export function closefdsWrapper(): string | undefined {
  if (closefds === undefined) {
    const src = join(ROOT, 'tests/support/closefds.c');
    const hash = createHash('sha256').update(readFileSync(src)).digest('hex').slice(0, 12);
    const out = join(CACHE, `closefds-${hash}`);
    closefds = out;
    if (!existsSync(out)) {
      if (!hasCommand('gcc')) closefds = null;
      else {
        mkdirSync(CACHE, { recursive: true });
        const tmp = `${out}.${process.pid}`;  // workers build it concurrently: publish by rename
        execFileSync('gcc', ['-O2', '-o', tmp, src], { stdio: 'pipe' });
        renameSync(tmp, out);
      }
    }
  }
  return closefds ?? undefined;
}
