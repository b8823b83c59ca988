// Network interfaces (issue #9): getifaddrs(3), if_nameindex(3), the SIOCGIF* ioctls and
// SIOCGIFCONF, and raw rtnetlink RTM_GETLINK/RTM_GETADDR requests (tests/programs/ifaces.c,
// musl-gcc and gcc), and busybox `ip addr` / `ip link`, natively and under wasl, which answers
// from the host's own interfaces. Address lifetimes are normalised away in busybox's output: wasl
// shows the host's addresses as permanent ("forever"), and a host with DHCP counts its
// lifetimes down between the two runs anyway.

import { describe, it, expect } from 'vitest';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, buildStatic, canBuild, Toolchain } from './support/build.js';
import { runNative, runWasl } from './support/run.js';

const SRC = join(ROOT, 'tests/programs/ifaces.c');
const BUSYBOX = '/bin/busybox';

const MODES: Array<[string, string]> = [
  ['ifaddrs', 'getifaddrs (link, IPv4 and IPv6 entries, masks, broadcast, scope ids), if_nameindex, if_nametoindex'],
  ['ioctl', 'SIOCGIFCONF (length probe, short buffer), SIOCGIFINDEX/FLAGS/MTU/HWADDR/TXQLEN/ADDR/NETMASK/BRDADDR/NAME on inet and unix sockets, ENODEV, EFAULT'],
  ['netlink', 'AF_NETLINK sockets: bind and port ids, SOL_NETLINK options, RTM_GETLINK and RTM_GETADDR dumps and single requests, ENODEV'],
];

for (const tc of ['musl', 'glibc'] as Toolchain[]) {
  describe.skipIf(!canBuild(tc))(`network interfaces, ${tc} static (skipped only if ${tc === 'musl' ? 'musl-gcc' : 'gcc with libc.a'} is missing)`, () => {
    for (const [mode, what] of MODES) {
      it(`${mode}: ${what}`, () => {
        const bin = buildStatic(SRC, tc);
        const native = runNative(bin, { args: [mode] });
        const wasl = runWasl(bin, { args: [mode] });
        expect(wasl).toEqual(native);
      });
    }
  });
}

describe.skipIf(!existsSync(BUSYBOX))('busybox ip over rtnetlink, route and /proc/net (skipped only if /bin/busybox is missing)', () => {
  const normalise = (s: string) => s.split('\n').filter((l) => !/valid_lft/.test(l)).map((l) => l.replace(/ dynamic\b/, '')).join('\n');
  for (const args of [['ip', 'addr'], ['ip', 'link'], ['ip', '-4', 'addr', 'show', 'dev', 'lo'], ['route', '-n'],
    ['cat', '/proc/net/if_inet6', '/proc/net/route']]) {
    it(`busybox ${args.join(' ')}`, () => {
      const native = runNative(BUSYBOX, { args });
      const wasl = runWasl(BUSYBOX, { args });
      expect({ ...wasl, stdout: normalise(wasl.stdout) }).toEqual({ ...native, stdout: normalise(native.stdout) });
    });
  }
});
