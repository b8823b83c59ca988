// Host error → Linux errno, in one table (DESIGN.md §5). Node reports host errors by their
// POSIX names; on a Linux host they are the same numbers, but the browser's memfs and other
// hosts only give names, so translate by name.

import { errnoName, EAGAIN, EIO, EOPNOTSUPP } from '../abi/errno.js';

// From errnoName, a plain object: enumerating the module's namespace instead (`import * as E`)
// called one bundled getter per export, ~2 ms of every start-up (issue #11).
const byCode: Record<string, number> = {};
for (const [value, name] of Object.entries(errnoName)) byCode[name] = Number(value);
// Names some hosts use for the same conditions.
byCode.EWOULDBLOCK = EAGAIN;
byCode.ENOTSUP = EOPNOTSUPP;

/** The Linux errno for a host exception (EIO if it carries none we know). */
export function hostErrno(e: unknown): number {
  const code = (e as { code?: unknown })?.code;
  if (typeof code === 'string' && code in byCode) return byCode[code];
  return EIO;
}
