// The in-core syscall shortcut (issue #11): a few syscalls whose answer needs no kernel decision
// are answered at the SYSCALL instruction without leaving run(): clock_gettime for the clocks
// Linux's vDSO serves, gettimeofday and time (from the host clock, as a vDSO would), and the
// getpid class (from values lxcore writes into FASTSYS whenever a task goes on the core and after
// each syscall it dispatches — lxcore/kernel/fastsys.ts). Anything unusual — another clock id, a
// result buffer not already writable in the TLB, a timezone argument — returns false and the
// syscall exits to lxcore as always, which gives the Linux answer (EINVAL, EFAULT, ...). lxcore
// clears FS_ENABLE when every call must be seen (--strace, --syscall-stats).
//
// The vDSO's fast entries (elf-loader/vdso.ts): a SYSCALL whose next rip is one of the places
// FS_VDSO names is the start of the vDSO's clock_gettime, gettimeofday or time. There the core
// does the whole call when it can — the answer as above, then the function's `ret` (the return
// address popped from a stack page already in the TLB) — so the guest runs one block for the
// vDSO instead of four; when it cannot, the SYSCALL does nothing and the vDSO's ordinary code
// after it runs (stores to the pointers, SIGSEGV for a bad one, and the real syscall). Such a
// SYSCALL never goes to lxcore itself: its own call would be seen twice by --strace.

import { reg64, setReg64 } from '../state';
import { R_AX, R_DI, R_SI, R_SP } from '../state';
import { tlbEntry } from '../mmu/tlb';
import {
  FASTSYS, FS_ENABLE, FS_PID, FS_TID, FS_PPID, FS_UID, FS_EUID, FS_GID, FS_EGID, FS_REAL_OFFSET,
  FS_COUNT, FS_CLOCK_OUT, FS_CLOCK_WASI, FS_VDSO, FS_VDSO_STRIDE, FS_VDSO_COUNT, FSE_CLOCK, FSE_IDS, TLBE_READ_TAG, TLBE_WRITE_TAG, TLBE_FRAME,
} from '../shared/layout';

/**
 * The host's monotonic clock (CLOCK_MONOTONIC's source): hostNanos, process.hrtime() in
 * JavaScript, until lxcore puts node:wasi's clock_time_get in a slot of this module's table and
 * names it in FS_CLOCK_WASI (lxcore/kernel/fastsys.ts coreClock, once the core has read the clock
 * a few hundred times); that one writes the nanoseconds at `out` (uv_hrtime, as process.hrtime
 * reads) without a JavaScript frame.
 */
@external("env", "hostNanos") declare function jsNanos(): f64;
const WASI_CLOCK_MONOTONIC = 1;

function hostNanos(): i64 {
  const slot = load<i32>(FASTSYS + FS_CLOCK_WASI);
  if (slot == 0) return <i64>jsNanos();
  call_indirect<i32>(<u32>slot, WASI_CLOCK_MONOTONIC, <i64>1, <i32>(FASTSYS + FS_CLOCK_OUT));
  return load<i64>(FASTSYS + FS_CLOCK_OUT);
}

// Linux's syscall numbers (arch/x86/entry/syscalls/syscall_64.tbl) and clock ids (linux/time.h).
const NR_getpid = 39, NR_gettimeofday = 96, NR_getuid = 102, NR_getgid = 104, NR_geteuid = 107,
  NR_getegid = 108, NR_getppid = 110, NR_gettid = 186, NR_time = 201, NR_clock_gettime = 228;
const CLOCK_REALTIME = 0, CLOCK_MONOTONIC = 1, CLOCK_MONOTONIC_RAW = 4, CLOCK_REALTIME_COARSE = 5,
  CLOCK_MONOTONIC_COARSE = 6, CLOCK_BOOTTIME = 7;
const NS: i64 = 1_000_000_000;

/**
 * The linear-memory address of guest [va, va+size) if it lies in one page that the TLB already
 * holds as writable, else 0. Never fills the TLB or faults: a miss is left to lxcore's path.
 */
function writablePtr(va: u64, size: i32): usize {
  if (((<i32>va & 0xfff) + size) > 0x1000) return 0;
  const vpn = va >> 12;
  const e = tlbEntry(vpn);
  if (load<u64>(e, TLBE_WRITE_TAG) != vpn) return 0;
  return <usize>load<u32>(e, TLBE_FRAME) + (<usize>va & 0xfff);
}

/** As writablePtr, for a read: the page in the TLB as readable or writable. */
function readablePtr(va: u64, size: i32): usize {
  if (((<i32>va & 0xfff) + size) > 0x1000) return 0;
  const vpn = va >> 12;
  const e = tlbEntry(vpn);
  if (load<u64>(e, TLBE_READ_TAG) != vpn && load<u64>(e, TLBE_WRITE_TAG) != vpn) return 0;
  return <usize>load<u32>(e, TLBE_FRAME) + (<usize>va & 0xfff);
}

function realNanos(): i64 {
  return hostNanos() + load<i64>(FASTSYS + FS_REAL_OFFSET);
}

function answer(v: i64): bool {
  setReg64(R_AX, <u64>v);
  store<u64>(FASTSYS + FS_COUNT, load<u64>(FASTSYS + FS_COUNT) + 1);
  return true;
}

/** fastSyscall's answers. */
export const FAST_NO = 0;    // not answered: the syscall goes to lxcore
export const FAST_DONE = 1;  // answered (rax): go on at the next instruction
export const FAST_RET = 2;   // a vDSO fast entry answered and returned: go on at fastRet (rsp popped)
export const FAST_SKIP = 3;  // a vDSO fast entry not answered: go on at the next instruction, no call
/** Where FAST_RET goes on: the vDSO function's return address. */
export let fastRet: u64 = 0;

/** Called by SYSCALL with the next rip (rcx/r11 set, or set after a FAST_* other than FAST_NO). */
export function fastSyscall(next: u64): i32 {
  const vdso = load<u64>(FASTSYS + FS_VDSO);
  const d = next - vdso;
  if (vdso == 0 || d >= <u64>(FS_VDSO_STRIDE * FS_VDSO_COUNT) || (d & (FS_VDSO_STRIDE - 1)) != 0) {
    return answered() ? FAST_DONE : FAST_NO;
  }
  // A vDSO fast entry: the ret is checked first, so nothing is written unless all of it is done.
  const sp = reg64(R_SP);
  const ra = readablePtr(sp, 8);
  if (ra == 0 || !answered()) return FAST_SKIP;
  fastRet = load<u64>(ra);
  setReg64(R_SP, sp + 8);
  return FAST_RET;
}

/** True if the core answered the syscall in rax (rax now holds the result). */
function answered(): bool {
  const on = load<i32>(FASTSYS + FS_ENABLE);
  if (on == 0) return false;
  const nr = reg64(R_AX);
  if (nr > 255) return false;
  if (on & FSE_IDS) {
    switch (<i32>nr) {
      case NR_getpid: return answer(<i64>load<i32>(FASTSYS + FS_PID));
      case NR_gettid: return answer(<i64>load<i32>(FASTSYS + FS_TID));
      case NR_getppid: return answer(<i64>load<i32>(FASTSYS + FS_PPID));
      case NR_getuid: return answer(<i64>load<u32>(FASTSYS + FS_UID));
      case NR_geteuid: return answer(<i64>load<u32>(FASTSYS + FS_EUID));
      case NR_getgid: return answer(<i64>load<u32>(FASTSYS + FS_GID));
      case NR_getegid: return answer(<i64>load<u32>(FASTSYS + FS_EGID));
      default: break;
    }
  }
  if ((on & FSE_CLOCK) == 0) return false;
  switch (<i32>nr) {
    case NR_clock_gettime: {
      const id = <i32>reg64(R_DI);
      let ns: i64;
      if (id == CLOCK_REALTIME || id == CLOCK_REALTIME_COARSE) ns = realNanos();
      else if (id == CLOCK_MONOTONIC || id == CLOCK_MONOTONIC_RAW || id == CLOCK_MONOTONIC_COARSE || id == CLOCK_BOOTTIME) ns = hostNanos();
      else return false; // CPU-time, alarm, TAI and dynamic clocks: lxcore
      const p = writablePtr(reg64(R_SI), 16);
      if (p == 0) return false;
      store<i64>(p, ns / NS);
      store<i64>(p, ns % NS, 8);
      return answer(0);
    }
    case NR_gettimeofday: {
      if (reg64(R_SI) != 0) return false; // a timezone to fill: lxcore
      const tv = reg64(R_DI);
      if (tv != 0) {
        const p = writablePtr(tv, 16);
        if (p == 0) return false;
        const ns = realNanos();
        store<i64>(p, ns / NS);
        store<i64>(p, (ns % NS) / 1000, 8);
      }
      return answer(0);
    }
    case NR_time: {
      const tloc = reg64(R_DI);
      const s = realNanos() / NS;
      if (tloc != 0) {
        const p = writablePtr(tloc, 8);
        if (p == 0) return false;
        store<i64>(p, s);
      }
      return answer(s);
    }
    default: return false;
  }
}
