// wasl's own /sys (sysfs(5)): the few files common programs probe — the CPU topology glibc's
// get_nprocs and Go's runtime read, transparent huge page settings (Go), and empty
// directories where programs look for cgroups and network interfaces (wasl has neither).

import { staticDir, dir, file, SynNode, SynMount } from './synthetic.js';
import { hostText, onlineCpus, possibleCpus, cpuListText } from './hostinfo.js';

export const SYS_DEV = 0x14;

/** A CPU list file of the host's (online, possible, present), or wasl's idea of it. */
const hostList = (name: string, cpus: () => number[]) => file(() => hostText(`/sys/devices/system/cpu/${name}`, () => cpuListText(cpus()) + '\n'));
const onlineList = () => cpuListText(onlineCpus()) + '\n';
/** A CPU mask as sysfs prints it: hex words of 32 bits, most significant first, comma-separated. */
function cpuMask(cpus: number[]): string {
  const words = new Array(Math.floor(Math.max(...possibleCpus(), ...cpus) / 32) + 1).fill(0);
  for (const c of cpus) words[c >> 5] |= 1 << (c & 31);
  return words.reverse().map((w) => (w >>> 0).toString(16).padStart(8, '0')).join(',') + '\n';
}

/** cpuN: its topology as one package of cores without SMT siblings. */
function cpu(i: number): SynNode {
  const entries: Record<string, SynNode> = {
    topology: staticDir({
      core_id: file(() => `${i}\n`),
      physical_package_id: file(() => '0\n'),
      die_id: file(() => '0\n'),
      core_cpus_list: file(() => `${i}\n`),
      thread_siblings_list: file(() => `${i}\n`),
      core_siblings_list: file(onlineList),
      package_cpus_list: file(onlineList),
      core_siblings: file(() => cpuMask(onlineCpus())),
    }),
  };
  if (i > 0) entries.online = file(() => '1\n'); // cpu0 cannot go offline: it has no such file
  return staticDir(entries);
}

export function sysfs(): SynMount {
  const cpus = dir(() => {
    const m = new Map<string, SynNode>([
      ['online', hostList('online', onlineCpus)], ['possible', hostList('possible', possibleCpus)],
      ['present', hostList('present', possibleCpus)], ['offline', hostList('offline', () => [])],
      ['kernel_max', hostList('kernel_max', () => [8191])],
    ]);
    for (const i of onlineCpus()) m.set(`cpu${i}`, cpuNodes[i] ??= cpu(i));
    return m;
  });
  const cpuNodes: SynNode[] = [];
  const root = staticDir({
    devices: staticDir({ system: staticDir({ cpu: cpus }) }),
    kernel: staticDir({
      mm: staticDir({
        // wasl never backs memory with huge pages: THP is off (MADV_HUGEPAGE is a no-op).
        transparent_hugepage: staticDir({
          enabled: file(() => 'always madvise [never]\n'),
          defrag: file(() => 'always defer defer+madvise madvise [never]\n'),
          hpage_pmd_size: file(() => '2097152\n'),
        }),
      }),
    }),
    fs: staticDir({ cgroup: staticDir({}) }),
    class: staticDir({ net: staticDir({}) }),
  });
  return { root, dev: SYS_DEV };
}
