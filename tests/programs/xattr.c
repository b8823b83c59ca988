// Reading extended attributes as `ls -l` and libacl/libselinux do: getxattr, lgetxattr,
// fgetxattr, listxattr, llistxattr, flistxattr on files without attributes, and their errors.
// Prints results and errno names; the output must match the host kernel's (on a filesystem with
// xattr support and no SELinux labels, such as this host's ext4 /tmp).

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/xattr.h>
#include <unistd.h>

static void show(const char *what, long r) {
  if (r < 0) printf("%-44s -1 %s\n", what, strerror(errno));
  else printf("%-44s %ld\n", what, r);
}

int main(void) {
  char buf[256], longname[300];
  int fd = open("file", O_RDWR | O_CREAT | O_TRUNC, 0644);
  if (symlink("file", "link") != 0 && errno != EEXIST) return 1;
  if (symlink("missing", "dangling") != 0 && errno != EEXIST) return 1;
  show("getxattr posix_acl_access", getxattr("file", "system.posix_acl_access", NULL, 0));
  show("getxattr user.none", getxattr("file", "user.none", buf, sizeof buf));
  show("lgetxattr security.selinux (file)", lgetxattr("file", "security.selinux", buf, sizeof buf));
  show("lgetxattr security.selinux (dir)", lgetxattr(".", "security.selinux", buf, sizeof buf));
  show("getxattr through a symlink", getxattr("link", "user.none", buf, sizeof buf));
  show("getxattr through a dangling symlink", getxattr("dangling", "user.none", buf, sizeof buf));
  show("lgetxattr of a dangling symlink", lgetxattr("dangling", "trusted.none", buf, sizeof buf));
  show("getxattr of a missing file", getxattr("nothing", "user.none", buf, sizeof buf));
  show("getxattr below a file", getxattr("file/x", "user.none", buf, sizeof buf));
  show("getxattr unknown namespace", getxattr("file", "bogus.name", buf, sizeof buf));
  show("getxattr empty name", getxattr("file", "", buf, sizeof buf));
  memset(longname, 'a', sizeof longname - 1);
  memcpy(longname, "user.", 5);
  longname[sizeof longname - 1] = 0;
  show("getxattr 299-byte name", getxattr("file", longname, buf, sizeof buf));
  show("fgetxattr", fgetxattr(fd, "user.none", buf, sizeof buf));
  show("fgetxattr bad fd", fgetxattr(99, "user.none", buf, sizeof buf));
  show("listxattr (size query)", listxattr("file", NULL, 0));
  show("listxattr", listxattr("file", buf, sizeof buf));
  show("llistxattr of a symlink", llistxattr("link", buf, sizeof buf));
  show("listxattr of a missing file", listxattr("nothing", buf, sizeof buf));
  show("flistxattr", flistxattr(fd, buf, sizeof buf));
  show("flistxattr bad fd", flistxattr(99, buf, sizeof buf));
  close(fd);
  unlink("file");
  unlink("link");
  unlink("dangling");
  return 0;
}
