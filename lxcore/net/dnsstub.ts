// wasl's DNS stub: the address 10.255.255.254, port 53 (the one WSL's DNS tunnelling uses), is
// answered by the host's resolver. A guest's UDP datagram to it goes to the host's first
// nameserver (or the instance's dnsUpstream), and the replies come back as from the stub — so
// an instance's own /etc/resolv.conf can name one fixed resolver whatever the host's network is,
// and `nameserver 127.0.0.53` on the host (systemd-resolved) still serves the guest. The stub
// forwards the guest's packets as they are: the answers are the host resolver's own.

import { hostText } from '../fs/hostinfo.js';
import type { InetAddr } from './sockaddr.js';
import type { Kernel } from '../kernel/kernel.js';

export const DNS_STUB_ADDR = '10.255.255.254';
export const DNS_PORT = 53;
const AF_INET = 2;

/** Whether `a` is the stub's address. */
export const isDnsStub = (a: InetAddr): boolean => a.family === AF_INET && a.addr === DNS_STUB_ADDR && a.port === DNS_PORT;

/** Parses "HOST", "HOST:PORT", "[V6]:PORT". */
function parseServer(text: string): { addr: string; port: number } | undefined {
  const m = /^\[([^\]]+)\](?::(\d+))?$/.exec(text) ?? /^([^:]+)(?::(\d+))?$/.exec(text) ?? /^([0-9a-fA-F:]+)()$/.exec(text);
  if (!m) return undefined;
  return { addr: m[1], port: m[2] ? Number(m[2]) : DNS_PORT };
}

/** Where the stub forwards: the instance's dnsUpstream, else the host's first IPv4 nameserver. */
export function dnsUpstream(k: Kernel): { addr: string; port: number } | undefined {
  if (k.options.dnsUpstream) return parseServer(k.options.dnsUpstream);
  const conf = hostText('/etc/resolv.conf', () => '');
  for (const line of conf.split('\n')) {
    const m = /^\s*nameserver\s+(\d+\.\d+\.\d+\.\d+)\s*$/.exec(line);
    if (m) return { addr: m[1], port: DNS_PORT };
  }
  return undefined;
}
