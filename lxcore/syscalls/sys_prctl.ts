// prctl(2) (kernel/sys.c, security/commoncap.c cap_task_prctl): the options programs use —
// names, parent-death signal, dumpability, no_new_privs, keep-caps and securebits, child
// subreaper, the capability bounding set and ambient set, transparent huge pages, timer slack,
// the clear-child-tid address, seccomp's mode, the saved auxv — with Linux's argument checks.
// What is left (PR_SET_MM, PR_SET_VMA, speculation control, MCE, Yama's PR_SET_PTRACER, arm and
// powerpc options) fails with EINVAL, or EPERM where Linux checks a capability first.

import { fail, EINVAL, EPERM } from '../abi/errno.js';
import {
  PR_SET_NAME, PR_GET_NAME, PR_GET_DUMPABLE, PR_SET_DUMPABLE, PR_SET_PDEATHSIG, PR_GET_PDEATHSIG,
  PR_GET_KEEPCAPS, PR_SET_KEEPCAPS, PR_GET_SECUREBITS, PR_SET_SECUREBITS, PR_CAPBSET_READ,
  PR_CAPBSET_DROP, PR_SET_TIMERSLACK, PR_GET_TIMERSLACK, PR_SET_CHILD_SUBREAPER,
  PR_GET_CHILD_SUBREAPER, PR_SET_NO_NEW_PRIVS, PR_GET_NO_NEW_PRIVS, PR_GET_TID_ADDRESS,
  PR_SET_THP_DISABLE, PR_GET_THP_DISABLE, PR_GET_SECCOMP, PR_SET_SECCOMP, PR_CAP_AMBIENT, PR_SET_MM,
} from '../abi/prctl.js';
import { setTaskComm, taskComm } from './sys_process.js';
import { hasCap, CAP_LAST_CAP, rootCaps, CAP_SYS_RESOURCE } from './sys_cred.js';
import type { Task } from '../kernel/task.js';

export const PR_GET_AUXV = 0x41555856;
const PR_CAP_AMBIENT_IS_SET = 1, PR_CAP_AMBIENT_RAISE = 2, PR_CAP_AMBIENT_LOWER = 3, PR_CAP_AMBIENT_CLEAR_ALL = 4;
const CAP_SETPCAP = 8;
/** SECBIT_KEEP_CAPS and SECBIT_KEEP_CAPS_LOCKED (linux/securebits.h); all six defined bits. */
export const SECBIT_KEEP_CAPS = 1 << 4;
const SECBIT_KEEP_CAPS_LOCKED = 1 << 5, SECURE_ALL_BITS = 0x55, SECURE_ALL_LOCKS = 0xaa;
/** sizeof(mm->saved_auxv) on x86-64: AT_VECTOR_SIZE (2 × (3 + 22 + 1)) words. */
const SAVED_AUXV_SIZE = 52 * 8;
const NSIG = 64;

const u64 = (v: number): bigint => BigInt.asUintN(64, BigInt(v));
const capValid = (cap: number): boolean => cap >= 0 && cap <= CAP_LAST_CAP;

function putU32(t: Task, addr: number, v: number): void {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, v >>> 0, true);
  t.process.mm.write(addr, b);
}

/** The bounding set of `t`'s process: what it has dropped from root's capabilities. */
const bset = (t: Task): bigint => t.process.capBset ?? rootCaps();

export function sysPrctl(t: Task, option: number, arg2: number, arg3: number, arg4: number, arg5: number): number {
  const p = t.process;
  const a2 = u64(arg2);
  switch (option | 0) {
    case PR_SET_NAME: {
      setTaskComm(t, p.mm.read(arg2, 16));
      return 0;
    }
    case PR_GET_NAME: {
      const out = new Uint8Array(16);
      out.set(Buffer.from(taskComm(t)).subarray(0, 15));
      p.mm.write(arg2, out);
      return 0;
    }
    case PR_SET_PDEATHSIG:
      if (a2 > BigInt(NSIG)) fail(EINVAL); // valid_signal(): 0 clears it
      t.pdeathSignal = Number(a2);
      return 0;
    case PR_GET_PDEATHSIG:
      putU32(t, arg2, t.pdeathSignal);
      return 0;
    case PR_GET_DUMPABLE:
      return p.dumpable;
    case PR_SET_DUMPABLE:
      if (a2 !== 0n && a2 !== 1n) fail(EINVAL); // SUID_DUMP_DISABLE or SUID_DUMP_USER only
      p.dumpable = Number(a2);
      return 0;
    case PR_SET_NO_NEW_PRIVS:
      if (a2 !== 1n || arg3 || arg4 || arg5) fail(EINVAL); // it can be set, never cleared
      p.noNewPrivs = true;
      return 0;
    case PR_GET_NO_NEW_PRIVS:
      if (arg2 || arg3 || arg4 || arg5) fail(EINVAL);
      return p.noNewPrivs ? 1 : 0;
    case PR_GET_KEEPCAPS:
      return p.securebits & SECBIT_KEEP_CAPS ? 1 : 0;
    case PR_SET_KEEPCAPS:
      if (a2 > 1n) fail(EINVAL);
      if (p.securebits & SECBIT_KEEP_CAPS_LOCKED) fail(EPERM);
      p.securebits = a2 ? p.securebits | SECBIT_KEEP_CAPS : p.securebits & ~SECBIT_KEEP_CAPS;
      return 0;
    case PR_GET_SECUREBITS:
      return p.securebits;
    case PR_SET_SECUREBITS: {
      // cap_task_prctl: a locked bit may not change, unknown bits are refused, CAP_SETPCAP needed.
      const want = Number(a2 & 0xffffffffn);
      const locked = (p.securebits & SECURE_ALL_LOCKS) >>> 1;
      if ((((p.securebits ^ want) & locked) !== 0) || (want & ~(SECURE_ALL_BITS | SECURE_ALL_LOCKS)) ||
        a2 > 0xffffffffn || !hasCap(p.creds, CAP_SETPCAP)) fail(EPERM);
      p.securebits = want;
      return 0;
    }
    case PR_CAPBSET_READ:
      if (!capValid(arg2)) fail(EINVAL);
      return (bset(t) >> BigInt(arg2)) & 1n ? 1 : 0;
    case PR_CAPBSET_DROP:
      if (!hasCap(p.creds, CAP_SETPCAP)) fail(EPERM);
      if (!capValid(arg2)) fail(EINVAL);
      p.capBset = bset(t) & ~(1n << BigInt(arg2));
      return 0;
    case PR_CAP_AMBIENT: {
      // wasl keeps no inheritable set, so the ambient set is always empty and cannot be raised.
      if (a2 === BigInt(PR_CAP_AMBIENT_CLEAR_ALL)) {
        if (arg3 || arg4 || arg5) fail(EINVAL);
        return 0;
      }
      if (!capValid(arg3) || arg4 || arg5) fail(EINVAL);
      if (a2 === BigInt(PR_CAP_AMBIENT_IS_SET)) return 0;
      if (a2 === BigInt(PR_CAP_AMBIENT_LOWER)) return 0;
      if (a2 === BigInt(PR_CAP_AMBIENT_RAISE)) return fail(EPERM);
      return fail(EINVAL);
    }
    case PR_SET_CHILD_SUBREAPER:
      p.childSubreaper = a2 !== 0n;
      return 0;
    case PR_GET_CHILD_SUBREAPER:
      putU32(t, arg2, p.childSubreaper ? 1 : 0);
      return 0;
    case PR_SET_THP_DISABLE:
      if (arg3 || arg4 || arg5) fail(EINVAL);
      p.thpDisable = a2 !== 0n;
      return 0;
    case PR_GET_THP_DISABLE:
      if (arg2 || arg3 || arg4 || arg5) fail(EINVAL);
      return p.thpDisable ? 1 : 0;
    case PR_SET_TIMERSLACK:
      t.timerSlackNs = a2 === 0n ? t.defaultTimerSlackNs : Number(a2);
      return 0;
    case PR_GET_TIMERSLACK:
      return t.timerSlackNs;
    case PR_GET_TID_ADDRESS: {
      const b = new Uint8Array(8);
      new DataView(b.buffer).setBigUint64(0, BigInt(t.clearChildTid), true);
      p.mm.write(arg2, b);
      return 0;
    }
    case PR_GET_SECCOMP:
      return 0; // SECCOMP_MODE_DISABLED: wasl has no seccomp
    case PR_SET_SECCOMP:
      return fail(EINVAL); // as a kernel built without CONFIG_SECCOMP
    case PR_GET_AUXV: {
      if (arg4 || arg5) fail(EINVAL);
      const out = new Uint8Array(SAVED_AUXV_SIZE);
      out.set(p.mm.savedAuxv.subarray(0, SAVED_AUXV_SIZE));
      const n = Number(u64(arg3) < BigInt(SAVED_AUXV_SIZE) ? u64(arg3) : BigInt(SAVED_AUXV_SIZE));
      if (n) p.mm.write(arg2, out.subarray(0, n));
      return SAVED_AUXV_SIZE;
    }
    case PR_SET_MM:
      return fail(hasCap(p.creds, CAP_SYS_RESOURCE) ? EINVAL : EPERM);
    default:
      return fail(EINVAL);
  }
}
