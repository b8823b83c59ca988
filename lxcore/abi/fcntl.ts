// File-control constants: O_* open flags, AT_* *at() flags, F_* fcntl commands and their
// arguments, LOCK_* flock operations (asm-generic/fcntl.h, linux/fcntl.h — x86-64 values), plus
// the access(2) modes and lseek(2) whences that userspace spells in unistd.h (linux/fs.h: SEEK_*).
import { nameTable } from './xlat.js';

export const O_ACCMODE = 0o3, O_RDONLY = 0o0, O_WRONLY = 0o1, O_RDWR = 0o2;
export const O_CREAT = 0o100, O_EXCL = 0o200, O_NOCTTY = 0o400, O_TRUNC = 0o1000,
  O_APPEND = 0o2000, O_NONBLOCK = 0o4000, O_DSYNC = 0o10000, FASYNC = 0o20000,
  O_DIRECT = 0o40000, O_LARGEFILE = 0o100000, O_DIRECTORY = 0o200000, O_NOFOLLOW = 0o400000,
  O_NOATIME = 0o1000000, O_CLOEXEC = 0o2000000, __O_SYNC = 0o4000000, O_PATH = 0o10000000,
  __O_TMPFILE = 0o20000000;
export const O_SYNC = __O_SYNC | O_DSYNC;
export const O_TMPFILE = __O_TMPFILE | O_DIRECTORY;
export const O_NDELAY = O_NONBLOCK;

/**
 * O_* bits other than the access mode, in strace's print order: composite flags (O_SYNC,
 * O_TMPFILE) come before their parts so `O_SYNC` is printed rather than `O_DSYNC|__O_SYNC`.
 */
export const openFlagNames = nameTable({
  O_CREAT, O_EXCL, O_NOCTTY, O_TRUNC, O_APPEND, O_NONBLOCK, O_SYNC, O_DSYNC, __O_SYNC, O_DIRECT,
  O_LARGEFILE, O_NOFOLLOW, O_NOATIME, O_CLOEXEC, O_PATH, O_TMPFILE, __O_TMPFILE, O_DIRECTORY,
  FASYNC,
});
/** The access mode (O_ACCMODE bits); 3 is not a valid mode but is printed as O_ACCMODE. */
export const openAccessNames = nameTable({ O_RDONLY, O_WRONLY, O_RDWR, O_ACCMODE });

/** AT_FDCWD: the dirfd meaning "relative to the current directory" (an int, compared as int32). */
export const AT_FDCWD = -100;
export const AT_SYMLINK_NOFOLLOW = 0x100, AT_EACCESS = 0x200, AT_REMOVEDIR = 0x200,
  AT_SYMLINK_FOLLOW = 0x400, AT_NO_AUTOMOUNT = 0x800, AT_EMPTY_PATH = 0x1000,
  AT_STATX_SYNC_TYPE = 0x6000, AT_STATX_SYNC_AS_STAT = 0x0000, AT_STATX_FORCE_SYNC = 0x2000,
  AT_STATX_DONT_SYNC = 0x4000, AT_RECURSIVE = 0x8000;
/** AT_* flags of the *at() calls that take them (fstatat, unlinkat, linkat, fchownat …). */
export const atFlagNames = nameTable({
  AT_SYMLINK_NOFOLLOW, AT_REMOVEDIR, AT_SYMLINK_FOLLOW, AT_NO_AUTOMOUNT, AT_EMPTY_PATH, AT_RECURSIVE,
});
/** faccessat2(2) reads 0x200 as AT_EACCESS, not AT_REMOVEDIR. */
export const faccessatFlagNames = nameTable({ AT_SYMLINK_NOFOLLOW, AT_EACCESS, AT_EMPTY_PATH });

export const F_DUPFD = 0, F_GETFD = 1, F_SETFD = 2, F_GETFL = 3, F_SETFL = 4, F_GETLK = 5,
  F_SETLK = 6, F_SETLKW = 7, F_SETOWN = 8, F_GETOWN = 9, F_SETSIG = 10, F_GETSIG = 11,
  F_GETLK64 = 12, F_SETLK64 = 13, F_SETLKW64 = 14, F_SETOWN_EX = 15, F_GETOWN_EX = 16,
  F_GETOWNER_UIDS = 17, F_OFD_GETLK = 36, F_OFD_SETLK = 37, F_OFD_SETLKW = 38;
export const F_LINUX_SPECIFIC_BASE = 1024;
export const F_SETLEASE = F_LINUX_SPECIFIC_BASE + 0, F_GETLEASE = F_LINUX_SPECIFIC_BASE + 1,
  F_NOTIFY = F_LINUX_SPECIFIC_BASE + 2, F_CANCELLK = F_LINUX_SPECIFIC_BASE + 5,
  F_DUPFD_CLOEXEC = F_LINUX_SPECIFIC_BASE + 6, F_SETPIPE_SZ = F_LINUX_SPECIFIC_BASE + 7,
  F_GETPIPE_SZ = F_LINUX_SPECIFIC_BASE + 8, F_ADD_SEALS = F_LINUX_SPECIFIC_BASE + 9,
  F_GET_SEALS = F_LINUX_SPECIFIC_BASE + 10, F_GET_RW_HINT = F_LINUX_SPECIFIC_BASE + 11,
  F_SET_RW_HINT = F_LINUX_SPECIFIC_BASE + 12, F_GET_FILE_RW_HINT = F_LINUX_SPECIFIC_BASE + 13,
  F_SET_FILE_RW_HINT = F_LINUX_SPECIFIC_BASE + 14;
/** fcntl commands strace names; the RW_HINT commands are left out because strace 6.1 prints them as numbers. */
export const fcntlCmdNames = nameTable({
  F_DUPFD, F_GETFD, F_SETFD, F_GETFL, F_SETFL, F_GETLK, F_SETLK, F_SETLKW, F_SETOWN, F_GETOWN,
  F_SETSIG, F_GETSIG, F_GETLK64, F_SETLK64, F_SETLKW64, F_SETOWN_EX, F_GETOWN_EX, F_GETOWNER_UIDS,
  F_OFD_GETLK, F_OFD_SETLK, F_OFD_SETLKW, F_SETLEASE, F_GETLEASE, F_NOTIFY, F_CANCELLK,
  F_DUPFD_CLOEXEC, F_SETPIPE_SZ, F_GETPIPE_SZ, F_ADD_SEALS, F_GET_SEALS,
});

export const FD_CLOEXEC = 1;
export const fdFlagNames = nameTable({ FD_CLOEXEC });
export const F_OWNER_TID = 0, F_OWNER_PID = 1, F_OWNER_PGRP = 2;
/** Record-lock and lease types (struct flock l_type, F_SETLEASE argument). */
export const F_RDLCK = 0, F_WRLCK = 1, F_UNLCK = 2, F_EXLCK = 4, F_SHLCK = 8;
export const lockTypeNames = nameTable({ F_RDLCK, F_WRLCK, F_UNLCK, F_EXLCK, F_SHLCK });
export const F_SEAL_SEAL = 0x1, F_SEAL_SHRINK = 0x2, F_SEAL_GROW = 0x4, F_SEAL_WRITE = 0x8,
  F_SEAL_FUTURE_WRITE = 0x10;
export const sealNames = nameTable({
  F_SEAL_SEAL, F_SEAL_SHRINK, F_SEAL_GROW, F_SEAL_WRITE, F_SEAL_FUTURE_WRITE,
});
export const DN_ACCESS = 0x1, DN_MODIFY = 0x2, DN_CREATE = 0x4, DN_DELETE = 0x8,
  DN_RENAME = 0x10, DN_ATTRIB = 0x20, DN_MULTISHOT = 0x80000000;
export const dnotifyNames = nameTable({
  DN_ACCESS, DN_MODIFY, DN_CREATE, DN_DELETE, DN_RENAME, DN_ATTRIB, DN_MULTISHOT,
});

/** flock(2) operations (LOCK_MAND and its modes: obsolete, still named). */
export const LOCK_SH = 1, LOCK_EX = 2, LOCK_NB = 4, LOCK_UN = 8, LOCK_MAND = 32, LOCK_READ = 64,
  LOCK_WRITE = 128, LOCK_RW = 192;
export const flockOpNames = nameTable({ LOCK_SH, LOCK_EX, LOCK_NB, LOCK_UN, LOCK_MAND, LOCK_READ, LOCK_WRITE });

/** access(2)/faccessat(2) modes (unistd.h; the kernel checks MAY_READ… with the same bits). */
export const F_OK = 0, X_OK = 1, W_OK = 2, R_OK = 4;
export const accessModeNames = nameTable({ R_OK, W_OK, X_OK });

/** lseek(2) whence (linux/fs.h). */
export const SEEK_SET = 0, SEEK_CUR = 1, SEEK_END = 2, SEEK_DATA = 3, SEEK_HOLE = 4;
export const whenceNames = nameTable({ SEEK_SET, SEEK_CUR, SEEK_END, SEEK_DATA, SEEK_HOLE });
