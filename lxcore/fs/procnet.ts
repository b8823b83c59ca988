// /proc/PID/net (and /proc/net, a link to self/net): the network files programs read to list
// interfaces and routes — dev, if_inet6, route, ipv6_route. A guest shares the host's network
// namespace (its IP sockets are the host's), so these are the host's own files; an instance
// without a network (--network=none, the browser) sees a namespace holding only lo, in the
// kernel's formats. The socket tables (tcp, udp, unix) are not offered: the host's would list
// the host's sockets under inode numbers the guest does not know (docs/quirks.md).

import { staticDir, file, SynNode } from './synthetic.js';
import { hostText } from './hostinfo.js';
import { interfaces, ifaOfScope } from '../net/ifaces.js';
import type { Task } from '../kernel/task.js';

const DEV_HEADER = 'Inter-|   Receive                                                |  Transmit\n' +
  ' face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed\n';
/** The route file's header, padded to 127 columns as fib_route_seq_show pads every line. */
const ROUTE_HEADER = 'Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT'.padEnd(127) + '\n';

const isolated = (t: Task): boolean => t.kernel.options.network === 'none';

/** dev_seq_printf_stats() for a device with no traffic counted. */
function devLine(name: string): string {
  const z = (w: number) => '0'.padStart(w);
  return `${name.padStart(6)}:${z(8)} ${z(7)} ${z(4)} ${z(4)} ${z(4)} ${z(5)} ${z(10)} ${z(9)} ${z(8)} ${z(7)} ${z(4)} ${z(4)} ${z(4)} ${z(5)} ${z(7)} ${z(10)}\n`;
}

function ifInet6(t: Task): string {
  let out = '';
  for (const i of interfaces(t.kernel)) {
    for (const a of i.addrs) {
      if (a.family !== 10) continue;
      const hex = [...a.addr].map((b) => b.toString(16).padStart(2, '0')).join('');
      const scope = ifaOfScope(a.scope);
      const h2 = (n: number) => n.toString(16).padStart(2, '0');
      out += `${hex} ${h2(i.index)} ${h2(a.prefixlen)} ${h2(scope)} ${h2(a.flags)} ${i.name.padStart(8)}\n`;
    }
  }
  return out;
}

export function netDir(): SynNode {
  return staticDir({
    dev: file((t) => (isolated(t) ? DEV_HEADER + devLine('lo') : hostText('/proc/net/dev', () => DEV_HEADER + devLine('lo')))),
    if_inet6: file((t) => (isolated(t) ? ifInet6(t) : hostText('/proc/net/if_inet6', () => ifInet6(t)))),
    route: file((t) => (isolated(t) ? ROUTE_HEADER : hostText('/proc/net/route', () => ROUTE_HEADER))),
    ipv6_route: file((t) => (isolated(t) ? '' : hostText('/proc/net/ipv6_route', () => ''))),
  });
}
