// xattrs: the xattr calls' answers, errno by errno (xattr(7), getxattr(2), setxattr(2),
// listxattr(2), removexattr(2)) in the current directory; tests/volfs-persist.test.ts compares
// them natively, under wasl --isolated and under wasl --root. Values stay small: ext4 keeps all
// of an inode's attributes in one block, a limit that is ext4's and not Linux's.
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

static void show(const char *what, ssize_t r) {
  if (r < 0) printf("%s: -1 %s\n", what, strerror(errno));
  else printf("%s: %zd\n", what, r);
}

int main(void) {
  char buf[256], big[70000], longname[300];
  memset(big, 'v', sizeof big);
  memset(longname, 'n', sizeof longname);
  memcpy(longname, "user.", 5);
  longname[299] = 0;
  close(open("f", O_CREAT | O_WRONLY, 0644));
  mkdir("d", 0755);
  symlink("f", "l");
  mkfifo("p", 0644);
  show("set user.a", setxattr("f", "user.a", "one", 3, 0));
  show("set create existing", setxattr("f", "user.a", "two", 3, XATTR_CREATE));
  show("set replace missing", setxattr("f", "user.b", "two", 3, XATTR_REPLACE));
  show("set bad flags", setxattr("f", "user.a", "x", 1, 4));
  show("set empty name", setxattr("f", "", "x", 1, 0));
  show("set long name", setxattr("f", longname, "x", 1, 0));
  show("set too big", setxattr("f", "user.big", big, sizeof big, 0));
  show("set unknown namespace", setxattr("f", "bogus.a", "x", 1, 0));
  show("set no namespace", setxattr("f", "plain", "x", 1, 0));
  show("set trusted", setxattr("f", "trusted.t", "tt", 2, 0));
  show("set on dir", setxattr("d", "user.d", "", 0, 0));
  show("lset user on symlink", lsetxattr("l", "user.s", "x", 1, 0));
  show("set through symlink", setxattr("l", "user.via", "vv", 2, 0));
  show("set user on fifo", setxattr("p", "user.p", "x", 1, 0));
  show("get size", getxattr("f", "user.a", NULL, 0));
  show("get", getxattr("f", "user.a", buf, sizeof buf));
  show("get small buffer", getxattr("f", "user.a", buf, 2));
  show("get missing", getxattr("f", "user.zz", buf, sizeof buf));
  show("lget on symlink", lgetxattr("l", "user.via", buf, sizeof buf));
  show("get user on fifo", getxattr("p", "user.p", buf, sizeof buf));
  show("get missing file", getxattr("nofile", "user.a", buf, sizeof buf));
  show("list size", listxattr("f", NULL, 0));
  ssize_t n = listxattr("f", buf, sizeof buf);
  show("list", n);
  show("list small buffer", listxattr("f", buf, 3));
  show("llist symlink", llistxattr("l", buf, sizeof buf));
  int fd = open("f", O_RDONLY);
  show("fget", fgetxattr(fd, "user.via", buf, sizeof buf));
  show("fset", fsetxattr(fd, "user.f", "ff", 2, 0));
  show("fremove", fremovexattr(fd, "user.f"));
  show("fremove again", fremovexattr(fd, "user.f"));
  close(fd);
  show("remove", removexattr("f", "user.a"));
  show("remove missing", removexattr("f", "user.a"));
  show("lremove symlink", lremovexattr("l", "user.s"));
  show("list after", listxattr("f", NULL, 0));
  show("fget bad fd", fgetxattr(99, "user.a", buf, sizeof buf));
  return 0;
}
