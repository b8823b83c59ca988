// crashwrite ID: the guest side of the volfs crash test (tests/volfs-crash.test.ts). Appends
// 64-byte self-describing records ("R<id>:<n>:<filler>:<checksum>\n") to /log/run-ID, calling
// fsync (or fdatasync) after each and printing "r N" only once it returned. Every 8th record
// it also creates /log/m-ID-K, removes /log/m-ID-(K-2), fsyncs the new file and prints "m K":
// after that, both metadata changes must have survived. Every 50 records it calls sync(). It
// also keeps writing to a file it unlinked while open (an orphan, freed when the store reopens).
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

static void record(char *rec, int id, long n) {
  int len = snprintf(rec, 64, "R%06d:%08ld:", id, n);
  unsigned x = (unsigned)id * 2654435761u ^ (unsigned)n * 40503u;
  for (; len < 54; len++) { x = x * 1103515245u + 12345u; rec[len] = 'a' + (x >> 16) % 26; }
  unsigned h = 5381;
  for (int i = 0; i < 54; i++) h = h * 33 + (unsigned char)rec[i];
  snprintf(rec + 54, 10, ":%08x", h);
  rec[63] = '\n';
}

int main(int argc, char **argv) {
  if (argc != 2) return 2;
  int id = atoi(argv[1]);
  if (mkdir("/log", 0755) < 0 && errno != EEXIST) { perror("mkdir"); return 1; }
  char path[64];
  snprintf(path, sizeof path, "/log/run-%d", id);
  int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0644);
  if (fd < 0) { perror("open"); return 1; }
  snprintf(path, sizeof path, "/log/orphan-%d", id);
  int orphan = open(path, O_RDWR | O_CREAT | O_EXCL, 0600);
  if (orphan < 0 || unlink(path) < 0) { perror("orphan"); return 1; }
  for (long n = 0; n < 1000000; n++) {
    char rec[64];
    record(rec, id, n);
    if (pwrite(fd, rec, 64, n * 64) != 64) { perror("pwrite"); return 1; }
    if (pwrite(orphan, rec, 64, n * 64) != 64) { perror("pwrite orphan"); return 1; }
    if ((n % 3 == 2 ? fdatasync(fd) : fsync(fd)) < 0) { perror("fsync"); return 1; }
    dprintf(1, "r %ld\n", n);
    if (n % 8 == 7) {
      long k = n / 8;
      char m[64];
      snprintf(m, sizeof m, "/log/m-%d-%ld", id, k);
      int mf = open(m, O_WRONLY | O_CREAT | O_EXCL, 0600);
      if (mf < 0) { perror("open m"); return 1; }
      dprintf(mf, "%ld\n", k);
      if (k >= 2) {
        snprintf(m, sizeof m, "/log/m-%d-%ld", id, k - 2);
        if (unlink(m) < 0) { perror("unlink m"); return 1; }
      }
      if (fsync(mf) < 0) { perror("fsync m"); return 1; }
      close(mf);
      dprintf(1, "m %ld\n", k);
    }
    if (n % 50 == 49) sync();
  }
  return 0;
}
