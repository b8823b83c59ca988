// Terminal attributes (asm-generic/termbits.h, termbits-common.h): the kernel's struct termios
// as TCGETS/TCSETS* pass it, its c_iflag/c_oflag/c_cflag/c_lflag bits and the baud-rate codes.
import { nameTable } from './xlat.js';

/**
 * struct termios (kernel, 36 bytes):
 *   0 c_iflag  4 c_oflag  8 c_cflag  12 c_lflag  16 c_line  17 c_cc[NCCS = 19]
 */
export const NCCS = 19;
export const TERMIOS_IFLAG = 0, TERMIOS_OFLAG = 4, TERMIOS_CFLAG = 8, TERMIOS_LFLAG = 12,
  TERMIOS_LINE = 16, TERMIOS_CC = 17, TERMIOS_SIZE = 36;
export const VINTR = 0, VQUIT = 1, VERASE = 2, VKILL = 3, VEOF = 4, VTIME = 5, VMIN = 6,
  VSWTC = 7, VSTART = 8, VSTOP = 9, VSUSP = 10, VEOL = 11, VREPRINT = 12, VDISCARD = 13,
  VWERASE = 14, VLNEXT = 15, VEOL2 = 16;

export const IGNBRK = 0x1, BRKINT = 0x2, IGNPAR = 0x4, PARMRK = 0x8, INPCK = 0x10, ISTRIP = 0x20,
  INLCR = 0x40, IGNCR = 0x80, ICRNL = 0x100, IUCLC = 0x200, IXON = 0x400, IXANY = 0x800,
  IXOFF = 0x1000, IMAXBEL = 0x2000, IUTF8 = 0x4000;
export const iflagNames = nameTable({
  IGNBRK, BRKINT, IGNPAR, PARMRK, INPCK, ISTRIP, INLCR, IGNCR, ICRNL, IUCLC, IXON, IXANY, IXOFF,
  IMAXBEL, IUTF8,
});

export const OPOST = 0x1, OLCUC = 0x2, ONLCR = 0x4, OCRNL = 0x8, ONOCR = 0x10, ONLRET = 0x20,
  OFILL = 0x40, OFDEL = 0x80;
export const oflagNames = nameTable({ OPOST, OLCUC, ONLCR, OCRNL, ONOCR, ONLRET, OFILL, OFDEL });
/** c_oflag delay fields: a mask and its values each. */
export const NLDLY = 0x100, NL0 = 0x0, NL1 = 0x100;
export const CRDLY = 0x600, CR0 = 0x0, CR1 = 0x200, CR2 = 0x400, CR3 = 0x600;
export const TABDLY = 0x1800, TAB0 = 0x0, TAB1 = 0x800, TAB2 = 0x1000, TAB3 = 0x1800, XTABS = 0x1800;
export const BSDLY = 0x2000, BS0 = 0x0, BS1 = 0x2000;
export const VTDLY = 0x4000, VT0 = 0x0, VT1 = 0x4000;
export const FFDLY = 0x8000, FF0 = 0x0, FF1 = 0x8000;
export const oflagDelayFields: ReadonlyArray<readonly [number, ReturnType<typeof nameTable>]> = [
  [NLDLY, nameTable({ NL0, NL1 })],
  [CRDLY, nameTable({ CR0, CR1, CR2, CR3 })],
  [TABDLY, nameTable({ TAB0, TAB1, TAB2, XTABS })], // TAB3 and XTABS share 0x1800; strace says XTABS
  [BSDLY, nameTable({ BS0, BS1 })],
  [VTDLY, nameTable({ VT0, VT1 })],
  [FFDLY, nameTable({ FF0, FF1 })],
];

export const CBAUD = 0x100f, CBAUDEX = 0x1000, BOTHER = 0x1000, CIBAUD = 0x100f0000, IBSHIFT = 16;
export const CSIZE = 0x30, CS5 = 0x0, CS6 = 0x10, CS7 = 0x20, CS8 = 0x30;
export const CSTOPB = 0x40, CREAD = 0x80, PARENB = 0x100, PARODD = 0x200, HUPCL = 0x400,
  CLOCAL = 0x800, ADDRB = 0x20000000, CMSPAR = 0x40000000, CRTSCTS = 0x80000000;
export const csizeNames = nameTable({ CS5, CS6, CS7, CS8 });
/** c_cflag bits outside CBAUD, CIBAUD and CSIZE; ADDRB is left out as strace 6.1 does not name it. */
export const cflagNames = nameTable({ CSTOPB, CREAD, PARENB, PARODD, HUPCL, CLOCAL, CMSPAR, CRTSCTS });
export const B0 = 0x0, B50 = 0x1, B75 = 0x2, B110 = 0x3, B134 = 0x4, B150 = 0x5, B200 = 0x6,
  B300 = 0x7, B600 = 0x8, B1200 = 0x9, B1800 = 0xa, B2400 = 0xb, B4800 = 0xc, B9600 = 0xd,
  B19200 = 0xe, B38400 = 0xf, B57600 = 0x1001, B115200 = 0x1002, B230400 = 0x1003,
  B460800 = 0x1004, B500000 = 0x1005, B576000 = 0x1006, B921600 = 0x1007, B1000000 = 0x1008,
  B1152000 = 0x1009, B1500000 = 0x100a, B2000000 = 0x100b, B2500000 = 0x100c, B3000000 = 0x100d,
  B3500000 = 0x100e, B4000000 = 0x100f;
export const baudNames = nameTable({
  B0, B50, B75, B110, B134, B150, B200, B300, B600, B1200, B1800, B2400, B4800, B9600, B19200,
  B38400, BOTHER, B57600, B115200, B230400, B460800, B500000, B576000, B921600, B1000000, B1152000,
  B1500000, B2000000, B2500000, B3000000, B3500000, B4000000,
});

export const ISIG = 0x1, ICANON = 0x2, XCASE = 0x4, ECHO = 0x8, ECHOE = 0x10, ECHOK = 0x20,
  ECHONL = 0x40, NOFLSH = 0x80, TOSTOP = 0x100, ECHOCTL = 0x200, ECHOPRT = 0x400, ECHOKE = 0x800,
  FLUSHO = 0x1000, PENDIN = 0x4000, IEXTEN = 0x8000, EXTPROC = 0x10000;
/** In strace's print order (IEXTEN and TOSTOP are out of bit order there). */
export const lflagNames = nameTable({
  ISIG, ICANON, XCASE, ECHO, ECHOE, ECHOK, ECHONL, NOFLSH, IEXTEN, ECHOCTL, ECHOPRT, ECHOKE, FLUSHO,
  PENDIN, TOSTOP, EXTPROC,
});

export const TCSANOW = 0, TCSADRAIN = 1, TCSAFLUSH = 2;
