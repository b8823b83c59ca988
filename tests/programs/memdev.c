// The memory devices' read and write (drivers/char/mem.c) at the edges: write_null and
// write_full never read the buffer (an unmapped one is no EFAULT; vfs_write's access_ok still
// refuses one past user space), read_zero clears as much as it can, urandom's write reads it.

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <sys/uio.h>

#ifndef RWF_APPEND
#define RWF_APPEND 0x10
#endif
#ifndef RWF_NOAPPEND
#define RWF_NOAPPEND 0x20
#endif

static void show(const char *what, long r) {
  printf("%-40s %ld %s\n", what, r, r < 0 ? strerror(errno) : "");
}

int main(void) {
  int nul = open("/dev/null", O_RDWR), zero = open("/dev/zero", O_RDWR), full = open("/dev/full", O_RDWR),
      urnd = open("/dev/urandom", O_RDWR);
  char buf[64];
  void *unmapped = (void *)8, *kernel = (void *)0x7ffffffff000UL;
  // Raw syscalls: libc and the compiler may not see through a bad pointer.
  show("write /dev/null, 100 from 8", syscall(SYS_write, nul, unmapped, 100));
  show("write /dev/null, 100 from past user space", syscall(SYS_write, nul, kernel, 100));
  show("write /dev/null, 0 from past user space", syscall(SYS_write, nul, kernel, 0));
  show("write /dev/null, 64 from buf", syscall(SYS_write, nul, buf, 64));
  show("write /dev/null, 2^40 from buf", syscall(SYS_write, nul, buf, 1L << 40));
  show("write /dev/zero, 5 from 8", syscall(SYS_write, zero, unmapped, 5));
  show("write /dev/full, 1 from 8", syscall(SYS_write, full, unmapped, 1));
  show("write /dev/full, 1 from buf", syscall(SYS_write, full, buf, 1));
  show("write /dev/urandom, 4 from 8", syscall(SYS_write, urnd, unmapped, 4));
  show("read /dev/null, 100 into 8", syscall(SYS_read, nul, unmapped, 100));
  show("read /dev/zero, 100 into 8", syscall(SYS_read, zero, unmapped, 100));
  memset(buf, 'x', sizeof buf);
  show("read /dev/zero, 64 into buf", syscall(SYS_read, zero, buf, 64));
  printf("buf after: %s\n", buf[0] == 0 && buf[63] == 0 ? "zeros" : "not zeros");
  // The vectored and positional forms: import_iovec reads the iovec array (EFAULT if it is
  // unmapped) and checks each range with access_ok; write_iter of /dev/null reads no data.
  struct iovec bad[2] = {{unmapped, 10}, {(void *)16, 20}}, past[1] = {{kernel, 10}}, neg[1] = {{buf, (size_t)-1}};
  show("writev /dev/null, 2 unmapped iovecs", syscall(SYS_writev, nul, bad, 2));
  show("writev /dev/null, iovec past user space", syscall(SYS_writev, nul, past, 1));
  show("writev /dev/null, iovec array unmapped", syscall(SYS_writev, nul, unmapped, 2));
  show("writev /dev/null, negative length", syscall(SYS_writev, nul, neg, 1));
  show("writev /dev/null, 0 iovecs", syscall(SYS_writev, nul, bad, 0));
  show("writev /dev/full, 2 unmapped iovecs", syscall(SYS_writev, full, bad, 2));
  show("pwrite64 /dev/null, 100 from 8 at 5", syscall(SYS_pwrite64, nul, unmapped, 100, 5));
  show("pwrite64 /dev/null, at -1", syscall(SYS_pwrite64, nul, buf, 1, -1L));
  show("pwrite64 -1 fd, at -1", syscall(SYS_pwrite64, -1, buf, 1, -1L));
  show("pwrite64 /dev/full, 1 from 8 at 0", syscall(SYS_pwrite64, full, unmapped, 1, 0));
  show("pwritev /dev/null, 2 unmapped iovecs at 0", syscall(SYS_pwritev, nul, bad, 2, 0, 0));
  // pwritev2's RWF_APPEND and RWF_NOAPPEND: write_iter_null takes the bytes unread and leaves
  // both the position it was given and the file position alone.
  show("pwritev2 /dev/null, unmapped, RWF_APPEND at -1", syscall(SYS_pwritev2, nul, bad, 2, -1L, 0L, RWF_APPEND));
  printf("%-40s %ld\n", "  position after", (long)lseek(nul, 0, SEEK_CUR));
  show("pwritev2 /dev/null, unmapped, RWF_APPEND at 7", syscall(SYS_pwritev2, nul, bad, 2, 7L, 0L, RWF_APPEND));
  int nulapp = open("/dev/null", O_WRONLY | O_APPEND);
  show("pwritev2 /dev/null O_APPEND, RWF_NOAPPEND at 3", syscall(SYS_pwritev2, nulapp, bad, 2, 3L, 0L, RWF_NOAPPEND));
  // /dev/full has no write_iter: do_loop_readv_writev refuses every flag but RWF_HIPRI.
  show("pwritev2 /dev/full, unmapped, RWF_APPEND", syscall(SYS_pwritev2, full, bad, 2, -1L, 0L, RWF_APPEND));
  show("pwritev2 /dev/full, unmapped, RWF_DSYNC", syscall(SYS_pwritev2, full, bad, 2, -1L, 0L, 2L));
  show("pwritev2 /dev/full, unmapped, RWF_HIPRI", syscall(SYS_pwritev2, full, bad, 2, -1L, 0L, 1L));
  show("pwritev2 /dev/full, unmapped, no flags", syscall(SYS_pwritev2, full, bad, 2, 0L, 0L, 0L));
  show("pwritev2 /dev/null, unmapped, RWF_NOWAIT", syscall(SYS_pwritev2, nul, bad, 2, -1L, 0L, 8L));
  show("pwritev2 /dev/zero, unmapped, RWF_DSYNC", syscall(SYS_pwritev2, zero, bad, 2, 5L, 0L, 2L));
  show("write -1 fd, 1 from 8", syscall(SYS_write, -1, unmapped, 1));
  show("write /dev/null O_RDONLY, 1 from 8", syscall(SYS_write, open("/dev/null", O_RDONLY), unmapped, 1));
  return 0;
}
