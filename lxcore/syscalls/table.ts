// The syscall table as data (DESIGN.md §4): for each x86-64 syscall number, its ABI (from
// lxcore/abi/syscalls.ts) and, if lxcore implements it, the handler and how completely.
// Dispatch, --strace and docs/compat.md (tools/gen-compat.mjs) all read this one table.

import { SYSCALLS, SyscallAbi, syscallByNr } from '../abi/syscalls.js';
import type { Task } from '../kernel/task.js';
import * as io from './sys_io.js';
import * as path from './sys_path.js';
import * as fsops from './sys_fsops.js';
import * as xattr from './sys_xattr.js';
import * as mm from './sys_mm.js';
import * as proc from './sys_process.js';
import * as time from './sys_time.js';
import * as futex from './sys_futex.js';
import * as prctl from './sys_prctl.js';
import * as sched from './sys_sched.js';
import * as sig from './sys_signal.js';
import * as timer from './sys_timer.js';
import * as fork from './sys_fork.js';
import * as exec from './sys_exec.js';
import * as wait from './sys_wait.js';
import * as pipe from './sys_pipe.js';
import * as poll from './sys_poll.js';
import * as cred from './sys_cred.js';
import * as net from './sys_socket.js';
import * as mnt from './sys_mount.js';
import * as splice from './sys_splice.js';
import * as inotify from './sys_inotify.js';
import * as pidfd from './sys_pidfd.js';
import * as shm from './sys_shm.js';
import * as sem from './sys_sem.js';
import * as msg from './sys_msg.js';
import * as openat2 from './sys_openat2.js';

/** A handler gets the six argument registers as signed 64-bit numbers (−1 stays −1). */
export type Handler = (t: Task, a0: number, a1: number, a2: number, a3: number, a4: number, a5: number) => number | Promise<number>;

export type Support = 'full' | 'partial';
export interface Impl {
  handler: Handler;
  support: Support;
  /** For 'partial': what is missing or different from Linux (shown in docs/compat.md). */
  note?: string;
}

const full = (handler: Handler): Impl => ({ handler, support: 'full' });
const partial = (handler: Handler, note: string): Impl => ({ handler, support: 'partial', note });
const H = (f: unknown) => f as Handler;
const PASSTHROUGH = 'paths resolve to wasl\'s own /proc, /dev, /sys (a first slice) or else to the host passthrough at /; the VFS of issue #5 replaces the split';
/** What opening /proc/PID/fd/N does not do as Linux (docs/quirks.md). */
const REOPEN = '/proc/PID/fd/N of a socket, terminal, device or synthetic file hands back N\'s own description (files, directories, pipes and FIFOs are opened anew)';
const XATTR_NOTE = 'volfs (--isolated, --root) keeps user., trusted. and security. attributes; host files (passthrough, drvfs) show none (get: ENODATA, list: empty) and refuse set/remove with EOPNOTSUPP: Node has no xattr calls';

const SCHED = 'kept and reported with Linux\'s rules and permissions; the scheduler itself stays round-robin on one host thread';
const IDENTITY = "Linux's rules with capabilities as root's (euid 0); the guest's identity governs lxcore's VFS (isolated, mounts), while host passthrough files are checked by the host against wasl's own uid";

const IMPLEMENTED: Record<string, Impl> = {
  read: full(H(io.sysRead)),
  write: full(H(io.sysWrite)),
  readv: full(H(io.sysReadv)),
  writev: full(H(io.sysWritev)),
  pread64: full(H(io.sysPread64)),
  pwrite64: full(H(io.sysPwrite64)),
  lseek: partial(H(io.sysLseek), 'SEEK_DATA/SEEK_HOLE see a host file as one without holes (Node cannot ask the host where they are)'),
  close: full(H(io.sysClose)),
  dup: full(H(io.sysDup)),
  dup2: full(H(io.sysDup2)),
  dup3: full(H(io.sysDup3)),
  fcntl: partial(H(io.sysFcntl), 'F_DUPFD(_CLOEXEC), F_GETFD/SETFD, F_GETFL/SETFL, POSIX and OFD record locks (F_GETLK/SETLK/SETLKW, F_OFD_*: the instance\'s own, unseen by host processes outside it), F_GETPIPE_SZ/F_SETPIPE_SZ, F_ADD_SEALS/F_GET_SEALS (memfds; other tmpfs files answer F_SEAL_SEAL, host files EINVAL); no leases, F_NOTIFY, F_SETOWN/F_SETSIG (SIGIO)'),
  flock: partial(H(io.sysFlock), 'Linux\'s rules (per open file description, conversions not atomic, LOCK_MAND ignored); locks are the instance\'s own: host processes outside wasl do not see them'),
  openat2: partial(H(openat2.sysOpenat2), 'open_how checked as Linux does; RESOLVE_BENEATH, IN_ROOT, NO_SYMLINKS, NO_MAGICLINKS and NO_XDEV walk the path one component at a time in lxcore (a race with a host process changing the tree between that walk and the open is not excluded, as it is by Linux\'s single walk); RESOLVE_CACHED behaves as a lookup that found everything cached'),
  preadv: full(H(io.sysPreadv)),
  pwritev: full(H(io.sysPwritev)),
  preadv2: partial(H(io.sysPreadv2), 'RWF_NOWAIT, RWF_APPEND, RWF_NOAPPEND, RWF_DSYNC/RWF_SYNC (an fsync after the write) and RWF_HIPRI (ignored); RWF_ATOMIC and RWF_DONTCACHE: EOPNOTSUPP'),
  pwritev2: partial(H(io.sysPwritev2), 'as preadv2'),
  fadvise64: partial(H(io.sysFadvise64), 'checked (EBADF, ESPIPE, EINVAL) and otherwise a no-op: wasl keeps no page cache for read(2)/write(2) to advise'),
  readahead: partial(H(io.sysReadahead), 'checked (EBADF, EINVAL) and otherwise a no-op, as fadvise64'),
  mlock: partial(H(mm.sysMlock), 'VM_LOCKED kept per mapping (VmLck, smaps Locked/lo, RLIMIT_MEMLOCK, CAP_IPC_LOCK) but pages are not faulted in: wasl never swaps, so every page is as good as locked'),
  mlock2: partial(H(mm.sysMlock2), 'as mlock; MLOCK_ONFAULT kept'),
  munlock: full(H(mm.sysMunlock)),
  mlockall: partial(H(mm.sysMlockall), 'as mlock; MCL_FUTURE applies to every later mapping'),
  munlockall: full(H(mm.sysMunlockall)),
  membarrier: partial(H(mm.sysMembarrier), 'the instance runs one task at a time on one host thread, so every barrier holds at once; registrations, QUERY and GET_REGISTRATIONS as Linux; the rseq commands are not offered (no rseq)'),
  shmget: partial(H(shm.sysShmget), 'segments are shmem files of the instance (its own IPC namespace); SHM_HUGETLB gives EINVAL (no hugetlbfs)'),
  shmat: full(H(shm.sysShmat)),
  shmdt: full(H(shm.sysShmdt)),
  shmctl: partial(H(shm.sysShmctl), 'IPC_STAT/SET/RMID, IPC_INFO, SHM_INFO, SHM_STAT(_ANY), SHM_LOCK/UNLOCK (a flag: pages are never swapped); shm_swp and the swap counters stay 0'),
  semget: full(H(sem.sysSemget)),
  semop: full(H(sem.sysSemop)),
  semtimedop: full(H(sem.sysSemtimedop)),
  semctl: partial(H(sem.sysSemctl), 'every command; SEM_INFO\'s semusz and semaem count sets and semaphores as Linux does, IPC_INFO\'s semusz is 20'),
  msgget: full(H(msg.sysMsgget)),
  msgsnd: full(H(msg.sysMsgsnd)),
  msgrcv: full(H(msg.sysMsgrcv)),
  msgctl: full(H(msg.sysMsgctl)),
  memfd_create: partial(H(mm.sysMemfdCreate), 'shmem files with Linux\'s seals (F_SEAL_SEAL/SHRINK/GROW/WRITE/FUTURE_WRITE/EXEC) and MFD_NOEXEC_SEAL/MFD_EXEC; MFD_HUGETLB gives ENOSYS, as a kernel without hugetlbfs'),
  ioctl: partial(H(io.sysIoctl), 'FIOCLEX/FIONCLEX/FIONBIO; lxcore ttys (ptys, the CLI\'s terminal): TCGETS/TCSETS*/TCGETA/TCSETA*/TCGETS2/TCSETS2*, TIOCGWINSZ/TIOCSWINSZ, TIOCGPGRP/TIOCSPGRP/TIOCGSID/TIOCSCTTY/TIOCNOTTY, FIONREAD (also pipes and sockets), TIOCOUTQ, TCFLSH, TCXONC, TCSBRK, TIOCSBRK/TIOCCBRK, TIOCSTI, TIOCGETD/TIOCSETD, TIOCGPTN/TIOCSPTLCK/TIOCGPTLCK/TIOCGPTPEER/TIOCSIG, TIOCPKT/TIOCGPKT, TIOCEXCL/TIOCNXCL/TIOCGEXCL, TIOCGSOFTCAR/TIOCSSOFTCAR; modem and serial requests ENOTTY as on a pty. A host terminal passed through (--host-tty) answers TCGETS/TCSETS*, TIOCGWINSZ, TIOCGPGRP only (termios not applied to it). Sockets: SIOCGIFCONF and the SIOCGIF* reads from the host\'s interfaces; SIOCSIF* changes EPERM'),
  getdents64: full(H(io.sysGetdents64)),
  openat: partial(H(path.sysOpenat), `${PASSTHROUGH}; O_TMPFILE on lxcore's filesystems (volfs, tmpfs), EOPNOTSUPP on host directories; ${REOPEN}`),
  open: partial(H(path.sysOpen), `${PASSTHROUGH}; ${REOPEN}`),
  creat: partial(H(path.sysCreat), PASSTHROUGH),
  newfstatat: partial(H(path.sysNewfstatat), PASSTHROUGH),
  stat: partial(H(path.sysStat), PASSTHROUGH),
  lstat: partial(H(path.sysLstat), PASSTHROUGH),
  fstat: full(H(path.sysFstat)),
  statx: partial(H(path.sysStatx), 'the basic fields (STATX_BASIC_STATS); no birth time, attributes or mount id'),
  readlink: partial(H(path.sysReadlink), PASSTHROUGH),
  readlinkat: partial(H(path.sysReadlinkat), PASSTHROUGH),
  access: partial(H(path.sysAccess), `${PASSTHROUGH}; checked with the host's credentials`),
  faccessat: partial(H(path.sysFaccessat), `${PASSTHROUGH}; checked with the host's credentials`),
  faccessat2: partial(H(path.sysFaccessat2), `${PASSTHROUGH}; checked with the host's credentials`),
  getcwd: full(H(path.sysGetcwd)),
  mkdir: full(H(fsops.sysMkdir)),
  mkdirat: full(H(fsops.sysMkdirat)),
  mknod: partial(H(fsops.sysMknod), 'FIFOs, sockets and device nodes on volfs; on host paths only regular files (Node has no mknod)'),
  mknodat: partial(H(fsops.sysMknodat), 'see mknod'),
  symlink: full(H(fsops.sysSymlink)),
  symlinkat: full(H(fsops.sysSymlinkat)),
  link: full(H(fsops.sysLink)),
  linkat: partial(H(fsops.sysLinkat), 'AT_EMPTY_PATH (root only, as CAP_DAC_READ_SEARCH) and /proc/self/fd/N with AT_SYMLINK_FOLLOW link the open file itself on lxcore\'s filesystems (an O_TMPFILE file too), a host file by the path it was opened by'),
  unlink: full(H(fsops.sysUnlink)),
  unlinkat: full(H(fsops.sysUnlinkat)),
  rmdir: full(H(fsops.sysRmdir)),
  rename: full(H(fsops.sysRename)),
  renameat: full(H(fsops.sysRenameat)),
  renameat2: partial(H(fsops.sysRenameat2), 'RENAME_EXCHANGE works on volfs; on host paths it fails with EINVAL (Node has no renameat2); RENAME_NOREPLACE on host paths is check-then-rename'),
  chmod: full(H(fsops.sysChmod)),
  fchmod: full(H(fsops.sysFchmod)),
  fchmodat: full(H(fsops.sysFchmodat)),
  chown: full(H(fsops.sysChown)),
  lchown: full(H(fsops.sysLchown)),
  fchown: full(H(fsops.sysFchown)),
  fchownat: full(H(fsops.sysFchownat)),
  utimensat: partial(H(fsops.sysUtimensat), 'host files take times through utimes(2), so nanoseconds beyond double precision are rounded'),
  truncate: full(H(fsops.sysTruncate)),
  ftruncate: full(H(fsops.sysFtruncate)),
  close_range: full(H(fsops.sysCloseRange)),
  fallocate: partial(H(fsops.sysFallocate), 'modes 0, KEEP_SIZE, PUNCH_HOLE|KEEP_SIZE and ZERO_RANGE: the size and the zeros are Linux\'s, but no space is reserved ahead (host files: Node has no fallocate); COLLAPSE, INSERT, UNSHARE: EOPNOTSUPP'),
  umask: full(H(fsops.sysUmask)),
  statfs: partial(H(fsops.sysStatfs), 'host paths report the host filesystem; wasl\'s /proc and /sys their magic with no blocks, its /dev the host\'s devtmpfs figures'),
  fstatfs: partial(H(fsops.sysFstatfs), 'see statfs'),
  fsync: full(H(fsops.sysFsync)),
  fdatasync: partial(H(fsops.sysFdatasync), 'syncs data and metadata, as fsync'),
  sync: partial(H(fsops.sysSync), 'a --root volfs commits and fsyncs; host files are left to the host kernel\'s writeback'),
  syncfs: full(H(fsops.sysSyncfs)),
  setxattr: partial(H(xattr.sysSetxattr), XATTR_NOTE),
  lsetxattr: partial(H(xattr.sysLsetxattr), XATTR_NOTE),
  fsetxattr: partial(H(xattr.sysFsetxattr), XATTR_NOTE),
  getxattr: partial(H(xattr.sysGetxattr), XATTR_NOTE),
  lgetxattr: partial(H(xattr.sysLgetxattr), XATTR_NOTE),
  fgetxattr: partial(H(xattr.sysFgetxattr), XATTR_NOTE),
  listxattr: partial(H(xattr.sysListxattr), XATTR_NOTE),
  llistxattr: partial(H(xattr.sysLlistxattr), XATTR_NOTE),
  flistxattr: partial(H(xattr.sysFlistxattr), XATTR_NOTE),
  removexattr: partial(H(xattr.sysRemovexattr), XATTR_NOTE),
  lremovexattr: partial(H(xattr.sysLremovexattr), XATTR_NOTE),
  fremovexattr: partial(H(xattr.sysFremovexattr), XATTR_NOTE),
  chdir: partial(H(path.sysChdir), PASSTHROUGH),
  fchdir: full(H(path.sysFchdir)),
  pivot_root: partial(H(mnt.sysPivotRoot), 'Linux\'s checks and move; the root mount never counts as unattached (wasl has no rootfs below it), and propagation types are not looked at (nothing is shared)'),
  chroot: partial(H(mnt.sysChroot), 'a cwd outside the new root moves to it (Linux leaves it outside); wasl\'s /proc, /dev, /sys appear in every root'),
  mount: partial(H(mnt.sysMount), 'types tmpfs and drvfs (the latter only over the host passthrough), MS_BIND (MS_REC), MS_REMOUNT, MS_MOVE, mount flags ro/nosuid/nodev/noexec/atime; proc, sysfs, devtmpfs, devpts only at /proc, /sys, /dev, /dev/pts where wasl\'s own trees are (a no-op); propagation types accepted and ignored (one namespace)'),
  umount2: partial(H(mnt.sysUmount2), 'MNT_DETACH, UMOUNT_NOFOLLOW; MNT_FORCE acts as a plain umount; MNT_EXPIRE answers EAGAIN; EBUSY counts open files of lxcore\'s filesystems and cwds/roots, not host files open on a drvfs mount'),
  brk: full(H(mm.sysBrk)),
  mmap: partial(H(mm.sysMmap), 'file mappings are private snapshots (pages past the end of a regular file are SIGBUS, as on Linux); writable MAP_SHARED file mappings fail with ENODEV'),
  munmap: full(H(mm.sysMunmap)),
  mprotect: full(H(mm.sysMprotect)),
  madvise: partial(H(mm.sysMadvise), "Linux's validation and per-VMA walk (EINVAL, ENOMEM for holes); DONTNEED/FREE, DONTFORK/DOFORK, WIPEONFORK/KEEPONFORK; DONTNEED keeps a private file mapping's pages (a snapshot); MADV_REMOVE is EOPNOTSUPP; HWPOISON/SOFT_OFFLINE are EINVAL; the rest are hints"),
  mremap: full(H(mm.sysMremap)),
  msync: partial(H(mm.sysMsync), 'writes shared file mappings back at once (MS_ASYNC too); MS_SYNC also fsyncs; MS_INVALIDATE has nothing to drop'),
  exit: full(H(proc.sysExit)),
  exit_group: full(H(proc.sysExitGroup)),
  getpid: full(H(proc.sysGetpid)),
  gettid: full(H(proc.sysGettid)),
  getppid: full(H(proc.sysGetppid)),
  getuid: full(H(proc.sysGetuid)),
  geteuid: full(H(proc.sysGeteuid)),
  getgid: full(H(proc.sysGetgid)),
  getegid: full(H(proc.sysGetegid)),
  getresuid: full(H(proc.sysGetresuid)),
  getresgid: full(H(proc.sysGetresgid)),
  getgroups: full(H(proc.sysGetgroups)),
  personality: partial(H(proc.sysPersonality), 'stored, inherited and reported; the flags change nothing (wasl never randomizes its layout; READ_IMPLIES_EXEC, UNAME26 and ADDR_LIMIT_32BIT are not applied)'),
  setuid: partial(H(cred.sysSetuid), IDENTITY),
  setgid: partial(H(cred.sysSetgid), IDENTITY),
  setreuid: partial(H(cred.sysSetreuid), IDENTITY),
  setregid: partial(H(cred.sysSetregid), IDENTITY),
  setresuid: partial(H(cred.sysSetresuid), IDENTITY),
  setresgid: partial(H(cred.sysSetresgid), IDENTITY),
  setfsuid: partial(H(cred.sysSetfsuid), IDENTITY),
  setfsgid: partial(H(cred.sysSetfsgid), IDENTITY),
  setgroups: partial(H(cred.sysSetgroups), IDENTITY),
  capget: partial(H(cred.sysCapget), 'the root model: every capability (0..40) while euid is 0, none otherwise'),
  capset: partial(H(cred.sysCapset), 'the root model: a request that keeps the sets as they are succeeds; splitting capabilities from the uid is EPERM'),
  getpgrp: full(H(proc.sysGetpgrp)),
  getpgid: full(H(proc.sysGetpgid)),
  getsid: full(H(proc.sysGetsid)),
  setpgid: full(H(proc.sysSetpgid)),
  setsid: partial(H(proc.sysSetsid), 'no controlling terminals yet, so none is detached'),
  clone: partial(H(fork.sysClone), 'new processes (fork, vfork, posix_spawn: CLONE_VM, CLONE_VFORK, CLONE_FILES, CLONE_PARENT, tid and TLS options); threads: CLONE_THREAD with CLONE_VM|CLONE_FS|CLONE_FILES|CLONE_SIGHAND); CLONE_PIDFD for processes; a thread without CLONE_FS or CLONE_FILES, CLONE_FS/CLONE_SIGHAND without threads, CLONE_PIDFD with CLONE_THREAD and namespaces fail with EINVAL'),
  clone3: partial(H(fork.sysClone3), 'as clone; set_tid and CLONE_INTO_CGROUP fail with EINVAL'),
  fork: full(H(fork.sysFork)),
  vfork: full(H(fork.sysVfork)),
  execve: partial(H(exec.sysExecve), 'static and dynamically linked ELF programs (PT_INTERP) and #! scripts, set-user-ID and set-group-ID files; argument bytes that are not valid UTF-8 are replaced; no ETXTBSY'),
  execveat: partial(H(exec.sysExecveat), 'see execve'),
  wait4: partial(H(wait.sysWait4), "rusage carries the child's CPU time (all of it as ru_utime) and nothing else"),
  waitid: full(H(wait.sysWaitid)),
  pidfd_open: full(H(pidfd.sysPidfdOpen)),
  pidfd_send_signal: full(H(pidfd.sysPidfdSendSignal)),
  pidfd_getfd: full(H(pidfd.sysPidfdGetfd)),
  pipe: full(H(pipe.sysPipe)),
  pipe2: partial(H(pipe.sysPipe2), 'O_NOTIFICATION_PIPE (watch queues) fails with EINVAL'),
  sendfile: full(H(pipe.sysSendfile)),
  copy_file_range: partial(H(splice.sysCopyFileRange), 'copies through a buffer, also across filesystems (Linux answers EXDEV between some); at most 1 MiB per call'),
  splice: partial(H(splice.sysSplice), 'pipe to pipe, pipe to regular file, regular file to pipe (not sockets or devices: EINVAL); bytes are copied, SPLICE_F_MOVE/GIFT are hints'),
  tee: full(H(splice.sysTee)),
  inotify_init: full(H(inotify.sysInotifyInit)),
  inotify_init1: full(H(inotify.sysInotifyInit1)),
  inotify_add_watch: partial(H(inotify.sysInotifyAddWatch), 'events for changes made inside the instance (not by host processes); IN_DELETE_SELF comes at the last unlink even while the file is open (Linux: at its last close); no IN_UNMOUNT; permission to read the watched inode is not checked'),
  inotify_rm_watch: full(H(inotify.sysInotifyRmWatch)),
  poll: full(H(poll.sysPoll)),
  ppoll: full(H(poll.sysPpoll)),
  select: full(H(poll.sysSelect)),
  pselect6: full(H(poll.sysPselect6)),
  epoll_create: full(H(poll.sysEpollCreate)),
  epoll_create1: full(H(poll.sysEpollCreate1)),
  epoll_ctl: partial(H(poll.sysEpollCtl), 'EPOLLEXCLUSIVE is accepted and wakes every waiter; EPOLLWAKEUP is ignored; an EPOLLET item may report an edge after a wake-up of its file that carried no new event'),
  epoll_wait: full(H(poll.sysEpollWait)),
  epoll_pwait: full(H(poll.sysEpollPwait)),
  eventfd: full(H(poll.sysEventfd)),
  eventfd2: full(H(poll.sysEventfd2)),
  set_tid_address: full(H(proc.sysSetTidAddress)),
  set_robust_list: full(H(proc.sysSetRobustList)),
  get_robust_list: full(H(proc.sysGetRobustList)),
  rseq: partial(H(proc.sysRseq), 'returns ENOSYS on purpose: libcs then run without restartable sequences'),
  prlimit64: partial(H(proc.sysPrlimit64), "only for the caller (other pids: ESRCH); enforced: RLIMIT_NOFILE, RLIMIT_CPU (SIGXCPU, SIGKILL), RLIMIT_NPROC (fork/clone EAGAIN, root exempt); the others are recorded and reported; RLIMIT_NOFILE's hard limit cannot pass the instance's --max-files, even for root"),
  getrlimit: partial(H(proc.sysGetrlimit), 'see prlimit64'),
  setrlimit: partial(H(proc.sysSetrlimit), 'see prlimit64'),
  uname: full(H(proc.sysUname)),
  sethostname: partial(H(proc.sysSethostname), 'the instance\'s own UTS name (each instance is its own UTS namespace; the host\'s is never changed)'),
  setdomainname: partial(H(proc.sysSetdomainname), 'see sethostname'),
  arch_prctl: partial(H(proc.sysArchPrctl), 'ARCH_SET/GET_FS/GS; CPUID faulting, CET and AMX controls return EINVAL'),
  prctl: partial(H(prctl.sysPrctl), 'names, PDEATHSIG, DUMPABLE, NO_NEW_PRIVS, KEEPCAPS, SECUREBITS, CHILD_SUBREAPER, CAPBSET, CAP_AMBIENT (empty), THP_DISABLE, TIMERSLACK, GET_TID_ADDRESS, GET_SECCOMP (0), GET_AUXV; PR_SET_SECCOMP, PR_SET_MM, PR_SET_VMA and the rest EINVAL'),
  sched_getaffinity: partial(H(sched.sysSchedGetaffinity), "the host process's CPUs unless set, though guest threads share one host thread"),
  sched_setaffinity: partial(H(sched.sysSchedSetaffinity), SCHED),
  getcpu: partial(H(sched.sysGetcpu), 'the first CPU the thread may use; node 0'),
  getpriority: partial(H(sched.sysGetpriority), SCHED),
  setpriority: partial(H(sched.sysSetpriority), SCHED),
  sched_setscheduler: partial(H(sched.sysSchedSetscheduler), SCHED + '; SCHED_DEADLINE is EINVAL'),
  sched_getscheduler: full(H(sched.sysSchedGetscheduler)),
  sched_setparam: partial(H(sched.sysSchedSetparam), SCHED),
  sched_getparam: full(H(sched.sysSchedGetparam)),
  sched_get_priority_max: full(H(sched.sysSchedGetPriorityMax)),
  sched_get_priority_min: full(H(sched.sysSchedGetPriorityMin)),
  sched_rr_get_interval: partial(H(sched.sysSchedRrGetInterval), 'SCHED_RR 100 ms, others 0 (Linux reports the CFS slice of the moment)'),
  sched_yield: full(H(proc.sysSchedYield)),
  getrandom: full(H(proc.sysGetrandom)),
  sysinfo: full(H(proc.sysSysinfo)),
  rt_sigaction: full(H(sig.sysRtSigaction)),
  rt_sigprocmask: full(H(sig.sysRtSigprocmask)),
  rt_sigpending: full(H(sig.sysRtSigpending)),
  rt_sigsuspend: full(H(sig.sysRtSigsuspend)),
  rt_sigtimedwait: full(H(sig.sysRtSigtimedwait)),
  rt_sigqueueinfo: full(H(sig.sysRtSigqueueinfo)),
  rt_tgsigqueueinfo: full(H(sig.sysRtTgsigqueueinfo)),
  rt_sigreturn: full(H(sig.sysRtSigreturn)),
  restart_syscall: full(H(sig.sysRestartSyscall)),
  pause: full(H(sig.sysPause)),
  sigaltstack: full(H(sig.sysSigaltstack)),
  kill: partial(H(sig.sysKill), 'reaches the processes of this wasl instance only, never host processes'),
  tkill: full(H(sig.sysTkill)),
  tgkill: full(H(sig.sysTgkill)),
  signalfd: partial(H(sig.sysSignalfd), 'reads and readiness (poll, select, epoll); no SIGIO'),
  signalfd4: partial(H(sig.sysSignalfd4), 'see signalfd'),
  alarm: full(H(timer.sysAlarm)),
  setitimer: partial(H(timer.sysSetitimer), 'ITIMER_VIRTUAL and ITIMER_PROF count guest instructions as nanoseconds'),
  getitimer: partial(H(timer.sysGetitimer), 'see setitimer'),
  timer_create: partial(H(timer.sysTimerCreate), 'CPU-time clocks are timed by the host\'s wall clock; SIGEV_THREAD_ID only for threads of the caller'),
  timer_settime: partial(H(timer.sysTimerSettime), 'overruns are counted when the pending signal is dequeued, from the host timer\'s expiries'),
  timer_gettime: full(H(timer.sysTimerGettime)),
  timer_getoverrun: full(H(timer.sysTimerGetoverrun)),
  timer_delete: full(H(timer.sysTimerDelete)),
  timerfd_create: full(H(timer.sysTimerfdCreate)),
  timerfd_settime: partial(H(timer.sysTimerfdSettime), 'TFD_TIMER_CANCEL_ON_SET is accepted but never fires: the guest cannot set the realtime clock'),
  timerfd_gettime: full(H(timer.sysTimerfdGettime)),
  futex: partial(H(futex.sysFutex), 'every command but FUTEX_FD (gone from Linux); PI futexes without priorities: blocked lockers are served in arrival order'),
  clock_gettime: full(H(time.sysClockGettime)),
  clock_getres: full(H(time.sysClockGetres)),
  gettimeofday: full(H(time.sysGettimeofday)),
  time: full(H(time.sysTime)),
  nanosleep: full(H(time.sysNanosleep)),
  clock_nanosleep: partial(H(time.sysClockNanosleep), 'CPU-time clocks sleep by the host\'s wall clock'),
  times: partial(H(time.sysTimes), 'per-process CPU time from the scheduler, all of it counted as user time'),
  getrusage: partial(H(time.sysGetrusage), "CPU time per process, thread and reaped children, all of it as ru_utime; ru_maxrss is the instance's resident guest memory; the other fields are zero"),
  socket: partial(H(net.sysSocket), 'AF_UNIX (stream, datagram, seqpacket) inside the instance; AF_INET/AF_INET6 TCP onto Node\'s net and UDP onto dgram; other families EAFNOSUPPORT (no netlink, no raw sockets)'),
  socketpair: full(H(net.sysSocketpair)),
  bind: partial(H(net.sysBind), 'TCP: bind starts the host listener at once (Node cannot bind without listening), so connections arriving before listen() wait instead of being refused; AF_UNIX path names on host directories are plain empty files'),
  listen: partial(H(net.sysListen), 'TCP: the host listener\'s backlog is SOMAXCONN whatever the guest asks'),
  accept: full(H(net.sysAccept)),
  accept4: full(H(net.sysAccept4)),
  connect: partial(H(net.sysConnect), 'AF_UNIX names reach sockets of this instance only, never host sockets'),
  getsockname: partial(H(net.sysGetsockname), 'an unbound UDP socket that connected reports the wildcard address, not the route\'s'),
  getpeername: full(H(net.sysGetpeername)),
  sendto: partial(H(net.sysSendto), 'UDP send errors (ICMP) are not reported'),
  recvfrom: full(H(net.sysRecvfrom)),
  sendmsg: partial(H(net.sysSendmsg), 'SCM_RIGHTS and SCM_CREDENTIALS (checked against the sender unless its euid is 0); other control messages are ignored'),
  recvmsg: partial(H(net.sysRecvmsg), 'SCM_RIGHTS and SCM_CREDENTIALS (SO_PASSCRED); no timestamps or IP_PKTINFO; MSG_OOB unsupported'),
  sendmmsg: full(H(net.sysSendmmsg)),
  recvmmsg: partial(H(net.sysRecvmmsg), 'the timeout is ignored'),
  shutdown: full(H(net.sysShutdown)),
  setsockopt: partial(H(net.sysSetsockopt), 'common SOL_SOCKET, IPPROTO_TCP, IPPROTO_IP and IPV6 options are stored and reported as Linux reports them; TCP_NODELAY and SO_KEEPALIVE reach the host socket; SO_RCVTIMEO/SO_SNDTIMEO time blocking calls out; others ENOPROTOOPT'),
  getsockopt: partial(H(net.sysGetsockopt), 'see setsockopt; SO_SNDBUF of a connected TCP socket does not grow with autotuning'),
};

export interface SyscallRow extends SyscallAbi { impl?: Impl }

/** Rows by syscall number, each made at its number's first call (null: no such syscall). */
const rows: (SyscallRow | null)[] = [];

function makeRow(abi: SyscallAbi): SyscallRow {
  const impl = IMPLEMENTED[abi.name];
  // Calls that change files also queue inotify events (sys_inotify.ts).
  return { ...abi, impl: impl && { ...impl, handler: inotify.withEvents(abi.name, impl.handler) } };
}

/**
 * The row of syscall `nr`, or undefined. Rows are made on first use, not all ~450 at start-up:
 * copying them was allocation enough to cost a static hello a young-generation GC (issue #11).
 */
export function syscallRow(nr: number): SyscallRow | undefined {
  if (!(nr >= 0 && nr < syscallByNr.length)) return undefined;
  let row = rows[nr];
  if (row === undefined) {
    const abi = syscallByNr[nr];
    row = rows[nr] = abi ? makeRow(abi) : null;
  }
  return row ?? undefined;
}

/**
 * Every row in number order (tools/gen-compat.mjs writes docs/compat.md from it, and a test runs
 * that), after checking that every implemented name is a syscall of the ABI.
 */
export function syscallTable(): SyscallRow[] {
  const named = new Set(SYSCALLS.map((abi) => abi.name));
  for (const name of Object.keys(IMPLEMENTED)) {
    if (!named.has(name)) throw new Error(`syscall table: no ABI entry for ${name}`);
  }
  return [...SYSCALLS].sort((a, b) => a.nr - b.nr).map((abi) => syscallRow(abi.nr)!);
}
