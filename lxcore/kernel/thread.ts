// Threads ending (kernel/exit.c do_exit, exit_notify; kernel/fork.c mm_release; fs/exec.c
// de_thread): exit(2) ends only the calling thread, the process ends with its last thread, and
// execve from any thread leaves that thread alone, as the leader. exit_group and fatal signals
// end every thread at once (Kernel.exitProcess).

import { exitedStatus } from './task.js';
import { exitRobustList, exitPiStates, futexKey, futexWake } from './futex.js';
import { signalWakeUp } from './signals.js';
import type { Task, Process } from './task.js';

const ALL_SIGNALS = (1n << 64n) - 1n;

/** The thread group leader (its tid is the pid); it stays in `threads` as a zombie when it exits first. */
export function leaderOf(p: Process): Task | undefined {
  return p.threads.find((x) => x.tid === p.pid);
}

/** The threads of `p` still alive. */
export function liveThreads(p: Process): Task[] {
  return p.threads.filter((x) => x.state !== 'dead');
}

/** Takes `t` out of scheduling and every wait, as a thread that will never run again. */
function kill(t: Task): void {
  t.state = 'dead';
  t.waiting?.cancel();
  t.waiting = undefined;
  t.signals.interrupt = undefined;
  t.process.signals.stoppedTasks.delete(t);
  t.kernel.dropTask(t);
}

/**
 * exit(2) from thread `t`. With other threads alive it dies alone: its robust futexes are
 * released (exit_robust_list), CLONE_CHILD_CLEARTID's word is zeroed and one waiter on it woken
 * (mm_release: how pthread_join learns of the exit), its own pending signals go, and a process
 * signal it would have taken is offered to the others. The last thread's exit ends the process
 * with the leader's exit code (wait_task_zombie reads the leader's exit_code when there was no
 * group exit); so a leader that called exit(0) first leaves 0 whatever the last thread says.
 */
export function exitThread(t: Task, code: number): void {
  const p = t.process, k = t.kernel;
  t.exitCode = code & 0xff;
  if (!liveThreads(p).some((x) => x !== t)) {
    const leader = leaderOf(p) ?? t;
    k.exitProcess(p, exitedStatus(leader.exitCode));
    return;
  }
  exitRobustList(t);
  exitPiStates(t);
  if (t.clearChildTid) {
    try {
      p.mm.write(t.clearChildTid, new Uint8Array(4));
      futexWake(futexKey(p.mm, t.clearChildTid, false), 1); // mm_release wakes with a shared key
    } catch { /* EFAULT: ignored, as mm_release does */ }
    t.clearChildTid = 0;
  }
  kill(t);
  p.signals.queued -= t.signals.pending.flush(ALL_SIGNALS);
  // A non-leader is released at once (release_task); the leader lingers until the group ends.
  if (t.tid !== p.pid) p.threads.splice(p.threads.indexOf(t), 1);
  // retarget_shared_pending(): shared signals this thread might have taken go to another.
  const shared = p.signals.shared.set;
  if (shared) for (const o of liveThreads(p)) if (shared & ~o.sigmask) signalWakeUp(k, o);
}

/**
 * de_thread(): execve in a multi-threaded process kills every other thread, and a non-leader
 * caller takes over the leader's tid (the pid), so the new image runs as a one-thread process
 * whose gettid() equals getpid().
 */
export function deThread(t: Task): void {
  const p = t.process;
  for (const o of [...p.threads]) {
    if (o === t) continue;
    if (o.state !== 'dead') kill(o);
    p.signals.queued -= o.signals.pending.flush(ALL_SIGNALS);
  }
  p.threads.length = 0;
  p.threads.push(t);
  t.tid = p.pid;
}
