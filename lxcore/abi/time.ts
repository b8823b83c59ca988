// Clocks and timers (linux/time.h, linux/time_types.h): CLOCK_* ids, TIMER_ABSTIME, ITIMER_*,
// and the 64-bit struct timespec / timeval layouts.
import { nameTable } from './xlat.js';

export const CLOCK_REALTIME = 0, CLOCK_MONOTONIC = 1, CLOCK_PROCESS_CPUTIME_ID = 2,
  CLOCK_THREAD_CPUTIME_ID = 3, CLOCK_MONOTONIC_RAW = 4, CLOCK_REALTIME_COARSE = 5,
  CLOCK_MONOTONIC_COARSE = 6, CLOCK_BOOTTIME = 7, CLOCK_REALTIME_ALARM = 8,
  CLOCK_BOOTTIME_ALARM = 9, CLOCK_SGI_CYCLE = 10, CLOCK_TAI = 11;
export const clockNames = nameTable({
  CLOCK_REALTIME, CLOCK_MONOTONIC, CLOCK_PROCESS_CPUTIME_ID, CLOCK_THREAD_CPUTIME_ID,
  CLOCK_MONOTONIC_RAW, CLOCK_REALTIME_COARSE, CLOCK_MONOTONIC_COARSE, CLOCK_BOOTTIME,
  CLOCK_REALTIME_ALARM, CLOCK_BOOTTIME_ALARM, CLOCK_SGI_CYCLE, CLOCK_TAI,
});

/** clock_nanosleep(2), timer_settime(2), timerfd_settime(2) flag. */
export const TIMER_ABSTIME = 0x1;
export const timerFlagNames = nameTable({ TIMER_ABSTIME });

export const ITIMER_REAL = 0, ITIMER_VIRTUAL = 1, ITIMER_PROF = 2;
export const itimerNames = nameTable({ ITIMER_REAL, ITIMER_VIRTUAL, ITIMER_PROF });

/** struct timespec / __kernel_timespec: tv_sec (8) tv_nsec (8). struct timeval: tv_sec, tv_usec. */
export const TIMESPEC_SIZE = 16, TIMEVAL_SIZE = 16;
