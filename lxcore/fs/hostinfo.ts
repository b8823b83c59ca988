// Host facts the pseudo filesystems report as they are (proc(5): memory, uptime, load, CPUs,
// boot id): wasl runs on this machine, so a guest comparing them with native sees the same.
// Each has a fallback for hosts without a Linux /proc (another OS, a browser).

import { fs, os } from '../host.js';

/** The text of a host file, or `fallback()` when it cannot be read. */
export function hostText(path: string, fallback: () => string): string {
  try {
    return fs.readFileSync(path, 'latin1');
  } catch {
    return fallback();
  }
}

/** Parses a CPU list as sysfs and status print it ("0-3,8,10-11"). */
export function parseCpuList(text: string): number[] {
  const out: number[] = [];
  for (const part of text.trim().split(',')) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part);
    if (!m) continue;
    for (let i = Number(m[1]); i <= Number(m[2] ?? m[1]) && out.length < 4096; i++) out.push(i);
  }
  return out;
}

/** Formats CPU numbers as a list ("0-3,8"). */
export function cpuListText(cpus: number[]): string {
  const parts: string[] = [];
  for (let i = 0; i < cpus.length;) {
    let j = i;
    while (j + 1 < cpus.length && cpus[j + 1] === cpus[j] + 1) j++;
    parts.push(i === j ? `${cpus[i]}` : `${cpus[i]}-${cpus[j]}`);
    i = j + 1;
  }
  return parts.join(',');
}

const fallbackCpus = () => Array.from({ length: Math.max(1, os.cpus().length) }, (_, i) => i);

/**
 * The CPUs the guest is told about: the host's online CPUs (cpuinfo, /sys), and among them those
 * the host process may run on (sched_getaffinity, status's Cpus_allowed). Guest threads share one
 * JS thread, but programs size thread pools and GOMAXPROCS from these, and figures that differ
 * from native would make their output differ (docs/quirks.md).
 */
export function onlineCpus(): number[] {
  const l = parseCpuList(hostText('/sys/devices/system/cpu/online', () => ''));
  return l.length ? l : fallbackCpus();
}
export function possibleCpus(): number[] {
  const l = parseCpuList(hostText('/sys/devices/system/cpu/possible', () => ''));
  return l.length ? l : onlineCpus();
}
export function allowedCpus(): number[] {
  const m = /^Cpus_allowed_list:\t(.*)$/m.exec(hostText('/proc/self/status', () => ''));
  const l = m ? parseCpuList(m[1]) : [];
  return l.length ? l : onlineCpus();
}

// Host facts are read at their first use, not while the module initialises: every start paid for
// these reads of /proc (~0.3 ms of a hello's start-up, issue #11), and most runs never need them.
let bootNsValue: number | undefined;
/** When the host booted, in ns since the epoch (/proc/PID/stat's starttime counts from it). */
export function bootNs(): number {
  if (bootNsValue === undefined) {
    const btime = /^btime (\d+)$/m.exec(hostText('/proc/stat', () => ''));
    bootNsValue = btime ? Number(btime[1]) * 1e9 : Date.now() * 1e6 - os.uptime() * 1e9;
  }
  return bootNsValue;
}

/** Clock ticks per second of /proc's times (USER_HZ). */
export const USER_HZ = 100;

let suidDumpableValue: number | undefined;
/** fs.suid_dumpable: what get_dumpable() becomes after a change of identity (0 unless set). */
export function suidDumpable(): number {
  if (suidDumpableValue === undefined) {
    const v = Number(hostText('/proc/sys/fs/suid_dumpable', () => '0').trim());
    suidDumpableValue = v === 1 || v === 2 ? v : 0;
  }
  return suidDumpableValue;
}

/** The host process's timer slack (inherited from whoever started it), 50 µs by default. */
let timerSlackValue: number | undefined;
export function hostTimerSlackNs(): number {
  if (timerSlackValue === undefined) {
    const v = Number(hostText('/proc/self/timerslack_ns', () => '50000').trim());
    timerSlackValue = Number.isFinite(v) && v > 0 ? v : 50000;
  }
  return timerSlackValue;
}
