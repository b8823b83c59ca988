// Name resolution through /etc/resolv.conf (issue #9): writes a resolv.conf naming `server`
// (the instance is --isolated, so this is its own /etc), then resolves names with getaddrinfo.
//   resolve SERVER NAME...
#include <arpa/inet.h>
#include <netdb.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

int main(int argc, char **argv) {
  if (argc < 3) { fprintf(stderr, "usage: resolve SERVER NAME...\n"); return 2; }
  FILE *f = fopen("/etc/resolv.conf", "w");
  if (!f) { perror("/etc/resolv.conf"); return 1; }
  fprintf(f, "nameserver %s\noptions attempts:1 timeout:2\n", argv[1]);
  fclose(f);
  for (int i = 2; i < argc; i++) {
    struct addrinfo hints, *res;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_INET;
    hints.ai_socktype = SOCK_STREAM;
    int r = getaddrinfo(argv[i], NULL, &hints, &res);
    if (r) { printf("%s: %s\n", argv[i], r == EAI_NONAME ? "EAI_NONAME" : gai_strerror(r)); continue; }
    for (struct addrinfo *a = res; a; a = a->ai_next) {
      char b[64];
      inet_ntop(AF_INET, &((struct sockaddr_in *)a->ai_addr)->sin_addr, b, sizeof b);
      printf("%s: %s\n", argv[i], b);
    }
    freeaddrinfo(res);
  }
  return 0;
}
