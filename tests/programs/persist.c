// persist: builds a tree with every kind of Linux metadata (`persist write DIR`), or prints one
// (`persist list DIR`: type, mode, links, owner, size, rdev, times to the nanosecond, symlink
// targets, a checksum of the contents, sorted xattrs). tests/volfs-persist.test.ts writes with
// one wasl run on a --root store and lists with another, and compares with the same program
// run natively in a host directory. ctime and inode numbers are not printed: no program can set
// them, so they cannot be the same.
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

static char base[4096];
static const char *at(const char *rel) {
  static char buf[2][4096];
  static int which;
  which ^= 1;
  snprintf(buf[which], sizeof buf[which], "%s/%s", base, rel);
  return buf[which];
}
static void step(const char *what, int r) { printf("%s: %s\n", what, r < 0 ? strerror(errno) : "ok"); }

static void put(const char *rel, const char *text, size_t reps, off_t offset) {
  int fd = open(at(rel), O_WRONLY | O_CREAT, 0600);
  if (fd < 0) { step(rel, -1); return; }
  for (size_t i = 0; i < reps; i++) if (pwrite(fd, text, strlen(text), offset + (off_t)(i * strlen(text))) < 0) step("pwrite", -1);
  step("fsync", fsync(fd));
  close(fd);
}

static void times(const char *rel, long as, long ans, long ms, long mns, int flags) {
  struct timespec ts[2] = {{as, ans}, {ms, mns}};
  step(rel, utimensat(AT_FDCWD, at(rel), ts, flags));
}

static int writeTree(void) {
  umask(022);
  step("mkdir", mkdir(base, 0755));
  step("mkdir dir", mkdir(at("dir"), 0750));
  step("mkdir dir/sub", mkdir(at("dir/sub"), 0700));
  step("mkdir empty", mkdir(at("empty"), 01777));
  put("dir/f", "hello, persistent world\n", 1, 0);
  put("big", "0123456789abcdefghijklmnopqrstuvwxyz\n", 40000, 0); // ~1.5 MB
  put("sparse", "tail!", 1, 1 << 20);
  put("gone", "deleted before the end", 1, 0);
  put("tmpname", "renamed", 1, 0);
  step("chmod dir/f", chmod(at("dir/f"), 04751));
  step("chown dir/f", chown(at("dir/f"), 1234, 5678));
  step("link hl", link(at("dir/f"), at("hl")));
  step("link hl2", link(at("dir/f"), at("hl2")));
  step("unlink hl2", unlink(at("hl2")));
  step("unlink gone", unlink(at("gone")));
  step("rename", rename(at("tmpname"), at("dir/sub/renamed")));
  step("symlink", symlink("dir/f", at("sl")));
  step("symlink dangling", symlink("/nowhere/at/all", at("dangling")));
  step("lchown sl", lchown(at("sl"), 42, 43));
  step("mkfifo", mkfifo(at("fifo"), 0620));
  step("mknod chr", mknod(at("null"), S_IFCHR | 0640, makedev(1, 3)));
  step("mknod blk", mknod(at("blk"), S_IFBLK | 0600, makedev(8, 17)));
  step("mknod sock", mknod(at("sock"), S_IFSOCK | 0755, 0));
  step("setxattr user.color", setxattr(at("dir/f"), "user.color", "blue", 4, XATTR_CREATE));
  step("setxattr user.empty", setxattr(at("dir"), "user.empty", "", 0, 0));
  step("setxattr trusted.k", setxattr(at("big"), "trusted.k", "\x01\x02\x00\x03", 4, 0));
  step("setxattr user.tmp", setxattr(at("big"), "user.tmp", "x", 1, 0));
  step("removexattr user.tmp", removexattr(at("big"), "user.tmp"));
  step("setxattr replace", setxattr(at("dir/f"), "user.color", "green", 5, XATTR_REPLACE));
  // Times last: every change above moved them.
  times("dir/f", 1000000000, 123456789, 1100000000, 987654321, 0);
  times("big", 1500000000, 1, 1500000001, 999999999, 0);
  times("sparse", 0, 0, 86400, 500, 0);
  times("sl", 1234567890, 111111111, 1234567891, 222222222, AT_SYMLINK_NOFOLLOW);
  times("fifo", 1600000000, 5, 1600000000, 6, 0);
  times("null", 1700000000, 7, 1700000000, 8, 0);
  times("dir/sub/renamed", 2000000000, 0, 2100000000, 0, 0);
  times("dir/sub", 1300000000, 13, 1300000000, 14, 0);
  times("dir", 1400000000, 15, 1400000000, 16, 0);
  times("empty", 1, 2, 3, 4, 0);
  times("blk", 5, 6, 7, 8, 0);
  times("sock", 9, 10, 11, 12, 0);
  times("dangling", 13, 14, 15, 16, AT_SYMLINK_NOFOLLOW);
  return 0;
}

static int cmp(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static void listOne(const char *rel) {
  struct stat st;
  if (lstat(at(rel), &st) < 0) { printf("%s: %s\n", rel, strerror(errno)); return; }
  const char *type = S_ISREG(st.st_mode) ? "file" : S_ISDIR(st.st_mode) ? "dir" : S_ISLNK(st.st_mode) ? "symlink"
    : S_ISFIFO(st.st_mode) ? "fifo" : S_ISCHR(st.st_mode) ? "chr" : S_ISBLK(st.st_mode) ? "blk" : "sock";
  printf("%s %s mode=%o nlink=%lu uid=%u gid=%u", rel, type, (unsigned)st.st_mode & 07777, (unsigned long)st.st_nlink, st.st_uid, st.st_gid);
  if (!S_ISDIR(st.st_mode)) printf(" size=%lld", (long long)st.st_size); // a directory's size is the filesystem's own
  if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode)) printf(" rdev=%u,%u", major(st.st_rdev), minor(st.st_rdev));
  printf(" atime=%ld.%09ld mtime=%ld.%09ld", (long)st.st_atim.tv_sec, st.st_atim.tv_nsec, (long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
  if (S_ISLNK(st.st_mode)) {
    char t[4096];
    ssize_t n = readlink(at(rel), t, sizeof t - 1);
    t[n < 0 ? 0 : n] = 0;
    printf(" -> %s", t);
  }
  char names[4096];
  ssize_t n = llistxattr(at(rel), names, sizeof names);
  if (n > 0) {
    char *v[64];
    int k = 0;
    for (char *p = names; p < names + n && k < 64; p += strlen(p) + 1) v[k++] = p;
    qsort(v, k, sizeof v[0], cmp);
    for (int i = 0; i < k; i++) {
      if (strncmp(v[i], "security.", 9) == 0) continue; // the host's LSM may add its own
      unsigned char val[256];
      ssize_t m = lgetxattr(at(rel), v[i], val, sizeof val);
      printf(" %s=", v[i]);
      for (ssize_t j = 0; j < m; j++) printf("%02x", val[j]);
    }
  }
  if (S_ISREG(st.st_mode)) {
    // Read last: reading moves atime, printed above.
    int fd = open(at(rel), O_RDONLY);
    unsigned long sum = 5381, len = 0;
    char buf[65536];
    ssize_t r;
    while (fd >= 0 && (r = read(fd, buf, sizeof buf)) > 0) {
      for (ssize_t j = 0; j < r; j++) sum = sum * 33 + (unsigned char)buf[j];
      len += r;
    }
    if (fd >= 0) close(fd);
    printf(" read=%lu sum=%08lx", len, sum & 0xffffffff);
    // Put atime back, so another name of the same inode (a hard link) prints what was stored.
    struct timespec ts[2] = {st.st_atim, {0, UTIME_OMIT}};
    if (utimensat(AT_FDCWD, at(rel), ts, 0) < 0) printf(" utimensat: %s", strerror(errno));
  }
  printf("\n");
  if (S_ISDIR(st.st_mode)) {
    DIR *d = opendir(at(rel));
    char *names2[256];
    int k = 0;
    struct dirent *e;
    while (d && (e = readdir(d)) && k < 256) {
      if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) names2[k++] = strdup(e->d_name);
    }
    if (d) closedir(d);
    qsort(names2, k, sizeof names2[0], cmp);
    for (int i = 0; i < k; i++) {
      char child[4096];
      snprintf(child, sizeof child, "%s/%s", rel, names2[i]);
      listOne(child);
      free(names2[i]);
    }
  }
}

int main(int argc, char **argv) {
  if (argc != 3) { fprintf(stderr, "usage: persist write|list DIR\n"); return 2; }
  snprintf(base, sizeof base, "%s", argv[2]);
  if (!strcmp(argv[1], "write")) return writeTree();
  // The top directory itself is the host's temporary directory natively: not compared.
  DIR *d = opendir(base);
  char *names[256];
  int k = 0;
  struct dirent *e;
  while (d && (e = readdir(d)) && k < 256) if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) names[k++] = strdup(e->d_name);
  if (d) closedir(d);
  qsort(names, k, sizeof names[0], cmp);
  for (int i = 0; i < k; i++) listOne(names[i]);
  return 0;
}
