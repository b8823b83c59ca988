// ioctl(2) request numbers: the _IOC encoding (asm-generic/ioctl.h) and the terminal and generic
// file requests of asm-generic/ioctls.h (x86-64 uses the generic values).
import { nameTable } from './xlat.js';

/**
 * A request number:  31..30 dir  29..16 size  15..8 type  7..0 nr
 * (dir: _IOC_WRITE = the caller writes to the kernel, _IOC_READ = the kernel fills the buffer).
 */
export const _IOC_NRBITS = 8, _IOC_TYPEBITS = 8, _IOC_SIZEBITS = 14, _IOC_DIRBITS = 2;
export const _IOC_NRSHIFT = 0, _IOC_TYPESHIFT = _IOC_NRSHIFT + _IOC_NRBITS,
  _IOC_SIZESHIFT = _IOC_TYPESHIFT + _IOC_TYPEBITS, _IOC_DIRSHIFT = _IOC_SIZESHIFT + _IOC_SIZEBITS;
export const _IOC_NONE = 0, _IOC_WRITE = 1, _IOC_READ = 2;
export function _IOC(dir: number, type: number, nr: number, size: number): number {
  // >>> 0: dir 2 lands in bit 31, which must stay an unsigned 32-bit value.
  return ((dir << _IOC_DIRSHIFT) | (type << _IOC_TYPESHIFT) | (nr << _IOC_NRSHIFT) |
    (size << _IOC_SIZESHIFT)) >>> 0;
}
export const _IO = (type: number, nr: number): number => _IOC(_IOC_NONE, type, nr, 0);
export const _IOR = (type: number, nr: number, size: number): number => _IOC(_IOC_READ, type, nr, size);
export const _IOW = (type: number, nr: number, size: number): number => _IOC(_IOC_WRITE, type, nr, size);
export const _IOWR = (type: number, nr: number, size: number): number =>
  _IOC(_IOC_READ | _IOC_WRITE, type, nr, size);
export const _IOC_DIR = (req: number): number => (req >>> _IOC_DIRSHIFT) & 0x3;
export const _IOC_TYPE = (req: number): number => (req >>> _IOC_TYPESHIFT) & 0xff;
export const _IOC_NR = (req: number): number => (req >>> _IOC_NRSHIFT) & 0xff;
export const _IOC_SIZE = (req: number): number => (req >>> _IOC_SIZESHIFT) & 0x3fff;

const T = 0x54; // 'T'
/** sizeof(struct termios2) on x86-64: 4 tcflag_t, c_line, c_cc[19], 2 speed_t. */
const TERMIOS2_SIZE = 44, INT_SIZE = 4, SERIAL_ISO7816_SIZE = 32;

export const TCGETS = 0x5401, TCSETS = 0x5402, TCSETSW = 0x5403, TCSETSF = 0x5404,
  TCGETA = 0x5405, TCSETA = 0x5406, TCSETAW = 0x5407, TCSETAF = 0x5408, TCSBRK = 0x5409,
  TCXONC = 0x540a, TCFLSH = 0x540b, TIOCEXCL = 0x540c, TIOCNXCL = 0x540d, TIOCSCTTY = 0x540e,
  TIOCGPGRP = 0x540f, TIOCSPGRP = 0x5410, TIOCOUTQ = 0x5411, TIOCSTI = 0x5412,
  TIOCGWINSZ = 0x5413, TIOCSWINSZ = 0x5414, TIOCMGET = 0x5415, TIOCMBIS = 0x5416,
  TIOCMBIC = 0x5417, TIOCMSET = 0x5418, TIOCGSOFTCAR = 0x5419, TIOCSSOFTCAR = 0x541a,
  FIONREAD = 0x541b, TIOCINQ = FIONREAD, TIOCLINUX = 0x541c, TIOCCONS = 0x541d,
  TIOCGSERIAL = 0x541e, TIOCSSERIAL = 0x541f, TIOCPKT = 0x5420, FIONBIO = 0x5421,
  TIOCNOTTY = 0x5422, TIOCSETD = 0x5423, TIOCGETD = 0x5424, TCSBRKP = 0x5425, TIOCSBRK = 0x5427,
  TIOCCBRK = 0x5428, TIOCGSID = 0x5429, TIOCGRS485 = 0x542e, TIOCSRS485 = 0x542f,
  TCGETX = 0x5432, TCSETX = 0x5433, TCSETXF = 0x5434, TCSETXW = 0x5435, TIOCVHANGUP = 0x5437,
  FIONCLEX = 0x5450, FIOCLEX = 0x5451, FIOASYNC = 0x5452, TIOCSERCONFIG = 0x5453,
  TIOCSERGWILD = 0x5454, TIOCSERSWILD = 0x5455, TIOCGLCKTRMIOS = 0x5456, TIOCSLCKTRMIOS = 0x5457,
  TIOCSERGSTRUCT = 0x5458, TIOCSERGETLSR = 0x5459, TIOCSERGETMULTI = 0x545a,
  TIOCSERSETMULTI = 0x545b, TIOCMIWAIT = 0x545c, TIOCGICOUNT = 0x545d, FIOQSIZE = 0x5460;
export const TCGETS2 = _IOR(T, 0x2a, TERMIOS2_SIZE), TCSETS2 = _IOW(T, 0x2b, TERMIOS2_SIZE),
  TCSETSW2 = _IOW(T, 0x2c, TERMIOS2_SIZE), TCSETSF2 = _IOW(T, 0x2d, TERMIOS2_SIZE),
  TIOCGPTN = _IOR(T, 0x30, INT_SIZE), TIOCSPTLCK = _IOW(T, 0x31, INT_SIZE),
  TIOCGDEV = _IOR(T, 0x32, INT_SIZE), TIOCSIG = _IOW(T, 0x36, INT_SIZE),
  TIOCGPKT = _IOR(T, 0x38, INT_SIZE), TIOCGPTLCK = _IOR(T, 0x39, INT_SIZE),
  TIOCGEXCL = _IOR(T, 0x40, INT_SIZE), TIOCGPTPEER = _IO(T, 0x41),
  TIOCGISO7816 = _IOR(T, 0x42, SERIAL_ISO7816_SIZE), TIOCSISO7816 = _IOWR(T, 0x43, SERIAL_ISO7816_SIZE);

export const ioctlNames = nameTable({
  TCGETS, TCSETS, TCSETSW, TCSETSF, TCGETA, TCSETA, TCSETAW, TCSETAF, TCSBRK, TCXONC, TCFLSH,
  TIOCEXCL, TIOCNXCL, TIOCSCTTY, TIOCGPGRP, TIOCSPGRP, TIOCOUTQ, TIOCSTI, TIOCGWINSZ, TIOCSWINSZ,
  TIOCMGET, TIOCMBIS, TIOCMBIC, TIOCMSET, TIOCGSOFTCAR, TIOCSSOFTCAR, FIONREAD, TIOCLINUX,
  TIOCCONS, TIOCGSERIAL, TIOCSSERIAL, TIOCPKT, FIONBIO, TIOCNOTTY, TIOCSETD, TIOCGETD, TCSBRKP,
  TIOCSBRK, TIOCCBRK, TIOCGSID, TIOCGRS485, TIOCSRS485, TCGETX, TCSETX, TCSETXF, TCSETXW,
  TIOCVHANGUP, FIONCLEX, FIOCLEX, FIOASYNC, TIOCSERCONFIG, TIOCSERGWILD, TIOCSERSWILD,
  TIOCGLCKTRMIOS, TIOCSLCKTRMIOS, TIOCSERGSTRUCT, TIOCSERGETLSR, TIOCSERGETMULTI, TIOCSERSETMULTI,
  TIOCMIWAIT, TIOCGICOUNT, FIOQSIZE, TCGETS2, TCSETS2, TCSETSW2, TCSETSF2, TIOCGPTN, TIOCSPTLCK,
  TIOCGDEV, TIOCSIG, TIOCGPKT, TIOCGPTLCK, TIOCGEXCL, TIOCGPTPEER, TIOCGISO7816, TIOCSISO7816,
});

/** TCXONC and TCFLSH arguments (asm-generic/termbits.h). */
export const TCOOFF = 0, TCOON = 1, TCIOFF = 2, TCION = 3;
export const TCIFLUSH = 0, TCOFLUSH = 1, TCIOFLUSH = 2;
export const tcxoncNames = nameTable({ TCOOFF, TCOON, TCIOFF, TCION });
export const tcflshNames = nameTable({ TCIFLUSH, TCOFLUSH, TCIOFLUSH });

/** struct winsize: ws_row, ws_col, ws_xpixel, ws_ypixel, each u16. */
export const WINSIZE_SIZE = 8;

/** TIOCPKT's status byte (the first byte of a packet-mode read from a pty master). */
export const TIOCPKT_DATA = 0, TIOCPKT_FLUSHREAD = 1, TIOCPKT_FLUSHWRITE = 2, TIOCPKT_STOP = 4,
  TIOCPKT_START = 8, TIOCPKT_NOSTOP = 16, TIOCPKT_DOSTOP = 32, TIOCPKT_IOCTL = 64;
