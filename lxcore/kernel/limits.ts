// Per-instance resource caps (issue #10): what one wasl instance may take from its host, each
// enforced with the answer a Linux program gets from the same shortage — the OOM killer's SIGKILL
// when guest memory runs out (as under a cgroup's memory.max), EAGAIN from fork/clone past the
// task cap (cgroup pids.max), EMFILE past the open-file cap (RLIMIT_NOFILE's ceiling), SIGKILL when
// the instance's CPU time is spent (RLIMIT_CPU's hard limit). Per-process rlimits (setrlimit)
// work inside these caps; RLIMIT_CPU and RLIMIT_NPROC are enforced per process as Linux does.
// The output cap answers as RLIMIT_FSIZE does for a file that reached its size limit (SIGXFSZ,
// then EFBIG), since the instance's output is, to its host, a file that must not grow forever.

import * as L from '../../cpu/shared/layout.js';

export interface InstanceLimits {
  /** Bytes of guest memory (pages and page tables). Default: what wasm32 can address. */
  memory?: number;
  /** Tasks (processes and threads) alive at once. Default: Linux's default pid_max, 32768. */
  tasks?: number;
  /** Open file descriptors per process: the ceiling of RLIMIT_NOFILE. Default 4096. */
  files?: number;
  /** CPU seconds for the whole instance; every process is killed when they are spent. */
  cpuSeconds?: number;
  /**
   * Bytes the instance may write to its stdout, stderr and terminal, all processes together.
   * Past it a write is refused as one past RLIMIT_FSIZE is: SIGXFSZ, and EFBIG if that signal is
   * ignored or caught; a write that crosses it is cut short. Default: no cap.
   */
  output?: number;
}

/** All wasm32 linear memory above the core's own areas (the state block, TLB, decode cache). */
export const MAX_GUEST_MEMORY = 0xffff0000 - L.FRAMES;

export function resolveLimits(l: InstanceLimits = {}): Required<InstanceLimits> {
  const positive = (v: number | undefined, name: string, dflt: number): number => {
    if (v === undefined) return dflt;
    if (!(v > 0) || !Number.isFinite(v)) throw new RangeError(`limit ${name} must be a positive number, not ${v}`);
    return v;
  };
  return {
    memory: Math.min(positive(l.memory, 'memory', MAX_GUEST_MEMORY), MAX_GUEST_MEMORY),
    tasks: Math.floor(positive(l.tasks, 'tasks', 32768)),
    files: Math.min(Math.floor(positive(l.files, 'files', 4096)), 1 << 20), // fs.nr_open
    cpuSeconds: positive(l.cpuSeconds, 'cpuSeconds', Infinity),
    output: Math.floor(positive(l.output, 'output', Infinity)),
  };
}

/** "512M", "2G", "65536", "1.5g" → bytes (powers of 1024, as ulimit and cgroups read them). */
export function parseSize(s: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([kmgt]?)i?b?$/i.exec(s.trim());
  if (!m) throw new RangeError(`not a size: "${s}" (use e.g. 512M or 2G)`);
  const scale = { '': 1, k: 2 ** 10, m: 2 ** 20, g: 2 ** 30, t: 2 ** 40 }[m[2].toLowerCase() as '' | 'k' | 'm' | 'g' | 't'];
  return Math.floor(Number(m[1]) * scale);
}
