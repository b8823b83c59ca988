// Resource limits and usage (asm-generic/resource.h, linux/resource.h): RLIMIT_*, RUSAGE_*,
// PRIO_*. RLIM64_INFINITY is all ones in 64 bits, so it is a bigint.
import { nameTable } from './xlat.js';

export const RLIMIT_CPU = 0, RLIMIT_FSIZE = 1, RLIMIT_DATA = 2, RLIMIT_STACK = 3, RLIMIT_CORE = 4,
  RLIMIT_RSS = 5, RLIMIT_NPROC = 6, RLIMIT_NOFILE = 7, RLIMIT_MEMLOCK = 8, RLIMIT_AS = 9,
  RLIMIT_LOCKS = 10, RLIMIT_SIGPENDING = 11, RLIMIT_MSGQUEUE = 12, RLIMIT_NICE = 13,
  RLIMIT_RTPRIO = 14, RLIMIT_RTTIME = 15, RLIM_NLIMITS = 16;
export const rlimitNames = nameTable({
  RLIMIT_CPU, RLIMIT_FSIZE, RLIMIT_DATA, RLIMIT_STACK, RLIMIT_CORE, RLIMIT_RSS, RLIMIT_NPROC,
  RLIMIT_NOFILE, RLIMIT_MEMLOCK, RLIMIT_AS, RLIMIT_LOCKS, RLIMIT_SIGPENDING, RLIMIT_MSGQUEUE,
  RLIMIT_NICE, RLIMIT_RTPRIO, RLIMIT_RTTIME,
});
/** RLIM_INFINITY (~0UL) and RLIM64_INFINITY (~0ULL) are the same on x86-64. */
export const RLIM64_INFINITY = 0xffff_ffff_ffff_ffffn, RLIM_INFINITY = RLIM64_INFINITY;
/** struct rlimit / rlimit64: rlim_cur (8) rlim_max (8). */
export const RLIMIT_STRUCT_SIZE = 16;

export const RUSAGE_SELF = 0, RUSAGE_CHILDREN = -1, RUSAGE_BOTH = -2, RUSAGE_THREAD = 1;
export const rusageWhoNames = nameTable({ RUSAGE_SELF, RUSAGE_CHILDREN, RUSAGE_BOTH, RUSAGE_THREAD });

export const PRIO_MIN = -20, PRIO_MAX = 20;
export const PRIO_PROCESS = 0, PRIO_PGRP = 1, PRIO_USER = 2;
export const prioWhichNames = nameTable({ PRIO_PROCESS, PRIO_PGRP, PRIO_USER });
