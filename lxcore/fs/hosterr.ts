// Host error → Linux errno, in one table (DESIGN.md §5). Node reports host errors by their
// POSIX names; on a Linux host they are the same numbers, but the browser's memfs and other
// hosts only give names, so translate by name.

import * as E from '../abi/errno.js';

const byCode: Record<string, number> = {};
for (const [name, value] of Object.entries(E)) {
  if (/^E[A-Z0-9]+$/.test(name) && typeof value === 'number') byCode[name] = value;
}
// Names some hosts use for the same conditions.
byCode.EWOULDBLOCK = E.EAGAIN;
byCode.ENOTSUP = E.EOPNOTSUPP;

/** The Linux errno for a host exception (EIO if it carries none we know). */
export function hostErrno(e: unknown): number {
  const code = (e as { code?: unknown })?.code;
  if (typeof code === 'string' && code in byCode) return byCode[code];
  return E.EIO;
}
