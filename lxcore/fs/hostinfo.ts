// Host facts the pseudo filesystems report as they are (proc(5): memory, uptime, load, CPUs,
// boot id): wasl runs on this machine, so a guest comparing them with native sees the same.
// Each has a fallback for hosts without a Linux /proc (another OS, a browser).

import * as fs from 'node:fs';
import * as os from 'node:os';

/** The text of a host file, or `fallback()` when it cannot be read. */
export function hostText(path: string, fallback: () => string): string {
  try {
    return fs.readFileSync(path, 'latin1');
  } catch {
    return fallback();
  }
}

/**
 * CPUs the guest is told about: the ones the host lets this process run on. Guest threads share
 * one JS thread, but programs size their thread pools and GOMAXPROCS from this, and a count
 * that differs from native would make their output differ (docs/quirks.md).
 */
export function cpuCount(): number {
  return Math.max(1, Math.min(typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length, 64));
}

/** When the host booted, in ns since the epoch (/proc/PID/stat's starttime counts from it). */
export const BOOT_NS = (() => {
  const btime = /^btime (\d+)$/m.exec(hostText('/proc/stat', () => ''));
  return btime ? Number(btime[1]) * 1e9 : Date.now() * 1e6 - os.uptime() * 1e9;
})();

/** Clock ticks per second of /proc's times (USER_HZ). */
export const USER_HZ = 100;
