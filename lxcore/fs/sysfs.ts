// wasl's own /sys (sysfs(5)): the few files common programs probe — the CPU topology glibc's
// get_nprocs and Go's runtime read, transparent huge page settings (Go), and empty
// directories where programs look for cgroups and network interfaces (wasl has neither).

import { staticDir, dir, file, SynNode, SynMount } from './synthetic.js';
import { cpuCount } from './hostinfo.js';

export const SYS_DEV = 0x14;

/** A CPU list as sysfs prints it ("0", "0-3"). */
const cpuList = () => (cpuCount() === 1 ? '0\n' : `0-${cpuCount() - 1}\n`);
/** A CPU mask as sysfs prints it: hex words of 32 bits, most significant first, comma-separated. */
function cpuMask(n: number): string {
  const words: string[] = [];
  for (let lo = 0; lo < n; lo += 32) {
    const bits = Math.min(32, n - lo);
    words.unshift(((bits === 32 ? 0xffffffff : (1 << bits) - 1) >>> 0).toString(16).padStart(8, '0'));
  }
  return words.join(',') + '\n';
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
      core_siblings_list: file(cpuList),
      package_cpus_list: file(cpuList),
      core_siblings: file(() => cpuMask(cpuCount())),
    }),
  };
  if (i > 0) entries.online = file(() => '1\n'); // cpu0 cannot go offline: it has no such file
  return staticDir(entries);
}

export function sysfs(): SynMount {
  const cpus = dir(() => {
    const m = new Map<string, SynNode>([
      ['online', file(cpuList)], ['possible', file(cpuList)], ['present', file(cpuList)],
      ['offline', file(() => '\n')], ['kernel_max', file(() => '8191\n')],
    ]);
    for (let i = 0; i < cpuCount(); i++) m.set(`cpu${i}`, cpuNodes[i] ??= cpu(i));
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
