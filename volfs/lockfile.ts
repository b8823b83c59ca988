// Lock files holding their owner's pid: a persistent volfs store and the distribution registry
// each allow one owner at a time. A lock whose owner is gone (exited, killed, a zombie) is taken
// over, so a SIGKILL never leaves a store or the registry locked for good.

import { fs } from '../lxcore/host.js';

/** Whether process `pid` runs (EPERM: it does, under another user); a zombie holds nothing. */
export function alive(pid: number): boolean {
  try { process.kill(pid, 0); } catch (e) { return (e as NodeJS.ErrnoException).code === 'EPERM'; }
  try { return !/^\d+ \(.*\) Z/s.test(fs.readFileSync(`/proc/${pid}/stat`, 'utf8')); } catch { return true; }
}

/**
 * Creates lock file `path` (O_EXCL) holding this process's pid. Returns 0 once it holds the lock,
 * or the pid of the live process that does; a stale lock is removed and tried again.
 */
export function takeLockFile(path: string): number {
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fd = fs.openSync(path, 'wx');
      fs.writeSync(fd, `${process.pid}\n`);
      fs.closeSync(fd);
      return 0;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    let pid = NaN;
    try { pid = parseInt(fs.readFileSync(path, 'utf8'), 10); } catch { /* gone meanwhile */ }
    if (pid > 0 && alive(pid)) return pid;
    try { fs.unlinkSync(path); } catch { /* someone else took it over first */ }
  }
  throw new Error(`could not take the lock ${path}`);
}
