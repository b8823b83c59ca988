// Linux errno values (asm-generic/errno-base.h, errno.h) and LinuxError, the one way lxcore fails.
// Handlers throw a LinuxError; the syscall dispatcher is the only place that turns it into -errno.

export const EPERM = 1, ENOENT = 2, ESRCH = 3, EINTR = 4, EIO = 5, ENXIO = 6, E2BIG = 7,
  ENOEXEC = 8, EBADF = 9, ECHILD = 10, EAGAIN = 11, ENOMEM = 12, EACCES = 13, EFAULT = 14,
  ENOTBLK = 15, EBUSY = 16, EEXIST = 17, EXDEV = 18, ENODEV = 19, ENOTDIR = 20, EISDIR = 21,
  EINVAL = 22, ENFILE = 23, EMFILE = 24, ENOTTY = 25, ETXTBSY = 26, EFBIG = 27, ENOSPC = 28,
  ESPIPE = 29, EROFS = 30, EMLINK = 31, EPIPE = 32, EDOM = 33, ERANGE = 34, EDEADLK = 35,
  ENAMETOOLONG = 36, ENOLCK = 37, ENOSYS = 38, ENOTEMPTY = 39, ELOOP = 40, ENOMSG = 42,
  EIDRM = 43, ENOSTR = 60, ENODATA = 61, ETIME = 62, ENOSR = 63, ENOLINK = 67, EPROTO = 71,
  EMULTIHOP = 72, EBADMSG = 74, EOVERFLOW = 75, ELIBBAD = 80, EILSEQ = 84, EUSERS = 87, ENOTSOCK = 88,
  EDESTADDRREQ = 89, EMSGSIZE = 90, EPROTOTYPE = 91, ENOPROTOOPT = 92, EPROTONOSUPPORT = 93,
  ESOCKTNOSUPPORT = 94, EOPNOTSUPP = 95, EPFNOSUPPORT = 96, EAFNOSUPPORT = 97, EADDRINUSE = 98,
  EADDRNOTAVAIL = 99, ENETDOWN = 100, ENETUNREACH = 101, ENETRESET = 102, ECONNABORTED = 103,
  ECONNRESET = 104, ENOBUFS = 105, EISCONN = 106, ENOTCONN = 107, ESHUTDOWN = 108,
  ETOOMANYREFS = 109, ETIMEDOUT = 110, ECONNREFUSED = 111, EHOSTDOWN = 112, EHOSTUNREACH = 113,
  EALREADY = 114, EINPROGRESS = 115, ESTALE = 116, EDQUOT = 122, ECANCELED = 125,
  EOWNERDEAD = 130, ENOTRECOVERABLE = 131;

/** errno → symbolic name, for strace output and messages. */
export const errnoName: Record<number, string> = {};
for (const [k, v] of Object.entries({
  EPERM, ENOENT, ESRCH, EINTR, EIO, ENXIO, E2BIG, ENOEXEC, EBADF, ECHILD, EAGAIN, ENOMEM, EACCES,
  EFAULT, ENOTBLK, EBUSY, EEXIST, EXDEV, ENODEV, ENOTDIR, EISDIR, EINVAL, ENFILE, EMFILE, ENOTTY,
  ETXTBSY, EFBIG, ENOSPC, ESPIPE, EROFS, EMLINK, EPIPE, EDOM, ERANGE, EDEADLK, ENAMETOOLONG,
  ENOLCK, ENOSYS, ENOTEMPTY, ELOOP, ENOMSG, EIDRM, ENOSTR, ENODATA, ETIME, ENOSR, ENOLINK, EPROTO,
  EMULTIHOP, EBADMSG, EOVERFLOW, ELIBBAD, EILSEQ, EUSERS, ENOTSOCK, EDESTADDRREQ, EMSGSIZE, EPROTOTYPE,
  ENOPROTOOPT, EPROTONOSUPPORT, ESOCKTNOSUPPORT, EOPNOTSUPP, EPFNOSUPPORT, EAFNOSUPPORT,
  EADDRINUSE, EADDRNOTAVAIL, ENETDOWN, ENETUNREACH, ENETRESET, ECONNABORTED, ECONNRESET, ENOBUFS,
  EISCONN, ENOTCONN, ESHUTDOWN, ETOOMANYREFS, ETIMEDOUT, ECONNREFUSED, EHOSTDOWN, EHOSTUNREACH,
  EALREADY, EINPROGRESS, ESTALE, EDQUOT, ECANCELED, EOWNERDEAD, ENOTRECOVERABLE,
})) errnoName[v] = k;

/** strerror(3) texts as glibc prints them, for the messages wasl itself prints. */
export const errnoText: Record<number, string> = {
  [EPERM]: 'Operation not permitted', [ENOENT]: 'No such file or directory',
  [ENOEXEC]: 'Exec format error', [EBADF]: 'Bad file descriptor', [ENOMEM]: 'Cannot allocate memory',
  [EACCES]: 'Permission denied', [EFAULT]: 'Bad address', [EINVAL]: 'Invalid argument',
  [ENOTDIR]: 'Not a directory', [EISDIR]: 'Is a directory', [ENOSYS]: 'Function not implemented',
  [E2BIG]: 'Argument list too long', [ELOOP]: 'Too many levels of symbolic links',
  [ENAMETOOLONG]: 'File name too long', [ETXTBSY]: 'Text file busy',
  [ESRCH]: 'No such process', [EINTR]: 'Interrupted system call', [EIO]: 'Input/output error',
  [ENXIO]: 'No such device or address', [ECHILD]: 'No child processes',
  [EAGAIN]: 'Resource temporarily unavailable', [ENOTBLK]: 'Block device required',
  [EBUSY]: 'Device or resource busy', [EEXIST]: 'File exists', [EXDEV]: 'Invalid cross-device link',
  [ENODEV]: 'No such device', [ENFILE]: 'Too many open files in system',
  [EMFILE]: 'Too many open files', [ENOTTY]: 'Inappropriate ioctl for device',
  [EFBIG]: 'File too large', [ENOSPC]: 'No space left on device', [ESPIPE]: 'Illegal seek',
  [EROFS]: 'Read-only file system', [EMLINK]: 'Too many links', [EPIPE]: 'Broken pipe',
  [EDOM]: 'Numerical argument out of domain', [ERANGE]: 'Numerical result out of range',
  [EDEADLK]: 'Resource deadlock avoided', [ENOLCK]: 'No locks available',
  [ENOTEMPTY]: 'Directory not empty', [ENOMSG]: 'No message of desired type',
  [EIDRM]: 'Identifier removed', [ENOSTR]: 'Device not a stream', [ENODATA]: 'No data available',
  [ETIME]: 'Timer expired', [ENOSR]: 'Out of streams resources', [ENOLINK]: 'Link has been severed',
  [EPROTO]: 'Protocol error', [EMULTIHOP]: 'Multihop attempted', [EBADMSG]: 'Bad message',
  [EOVERFLOW]: 'Value too large for defined data type', [ELIBBAD]: 'Accessing a corrupted shared library',
  [EILSEQ]: 'Invalid or incomplete multibyte or wide character', [EUSERS]: 'Too many users',
  [ENOTSOCK]: 'Socket operation on non-socket', [EDESTADDRREQ]: 'Destination address required',
  [EMSGSIZE]: 'Message too long', [EPROTOTYPE]: 'Protocol wrong type for socket',
  [ENOPROTOOPT]: 'Protocol not available', [EPROTONOSUPPORT]: 'Protocol not supported',
  [ESOCKTNOSUPPORT]: 'Socket type not supported', [EOPNOTSUPP]: 'Operation not supported',
  [EPFNOSUPPORT]: 'Protocol family not supported',
  [EAFNOSUPPORT]: 'Address family not supported by protocol',
  [EADDRINUSE]: 'Address already in use', [EADDRNOTAVAIL]: 'Cannot assign requested address',
  [ENETDOWN]: 'Network is down', [ENETUNREACH]: 'Network is unreachable',
  [ENETRESET]: 'Network dropped connection on reset',
  [ECONNABORTED]: 'Software caused connection abort', [ECONNRESET]: 'Connection reset by peer',
  [ENOBUFS]: 'No buffer space available', [EISCONN]: 'Transport endpoint is already connected',
  [ENOTCONN]: 'Transport endpoint is not connected',
  [ESHUTDOWN]: 'Cannot send after transport endpoint shutdown',
  [ETOOMANYREFS]: 'Too many references: cannot splice', [ETIMEDOUT]: 'Connection timed out',
  [ECONNREFUSED]: 'Connection refused', [EHOSTDOWN]: 'Host is down',
  [EHOSTUNREACH]: 'No route to host', [EALREADY]: 'Operation already in progress',
  [EINPROGRESS]: 'Operation now in progress', [ESTALE]: 'Stale file handle',
  [EDQUOT]: 'Disk quota exceeded', [ECANCELED]: 'Operation canceled', [EOWNERDEAD]: 'Owner died',
  [ENOTRECOVERABLE]: 'State not recoverable',
};

/**
 * A Linux error. Handlers `throw new LinuxError(EFAULT)` (or one of the shared instances below on
 * hot paths: no stack trace is captured for them). The syscall dispatcher converts it to -errno.
 */
export class LinuxError extends Error {
  constructor(readonly errno: number, detail?: string) {
    super(detail ?? `${errnoName[errno] ?? 'errno ' + errno}: ${errnoText[errno] ?? ''}`.trim());
    this.name = 'LinuxError';
  }
}

/** Throws without allocating: for errors raised on hot paths (EFAULT from a bad guest pointer …). */
const shared = new Map<number, LinuxError>();
export function fail(errno: number): never {
  let e = shared.get(errno);
  if (!e) {
    const saved = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    e = new LinuxError(errno);
    Error.stackTraceLimit = saved;
    shared.set(errno, e);
  }
  throw e;
}
