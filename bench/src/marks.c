/*
 * A CoreMark-class integer workload for `npm run bench:ips` (issue #11), written for wasl: the
 * mix of work CoreMark measures — linked-list search and reordering, a small matrix multiply,
 * a character state machine and a CRC over the results — with its own code and data. Each
 * round's results feed the next round's input, so nothing can be folded away, and the final
 * checksum is printed (the bench compares it with the native run's).
 *   usage: marks [ROUNDS]
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

/* CRC-16/CCITT, bit by bit (the data-dependent branch per bit is part of the load). */
static uint16_t crc16(uint16_t crc, uint8_t byte) {
  crc ^= (uint16_t)byte << 8;
  for (int i = 0; i < 8; i++) crc = (crc & 0x8000) ? (uint16_t)((crc << 1) ^ 0x1021) : (uint16_t)(crc << 1);
  return crc;
}
static uint16_t crc16w(uint16_t crc, uint32_t w) {
  for (int i = 0; i < 4; i++) crc = crc16(crc, (uint8_t)(w >> (8 * i)));
  return crc;
}

/* ---- linked list: search, reverse, insertion-sort by key ---- */
struct node { struct node *next; int16_t key; int16_t val; };
#define NODES 64

static struct node *list_reverse(struct node *h) {
  struct node *r = NULL;
  while (h) { struct node *n = h->next; h->next = r; r = h; h = n; }
  return r;
}
static struct node *list_find(struct node *h, int16_t key) {
  while (h && h->key != key) h = h->next;
  return h;
}
static struct node *list_sort(struct node *h, int byval) {
  struct node *out = NULL;
  while (h) {
    struct node *n = h; h = h->next;
    int k = byval ? n->val : n->key;
    struct node **p = &out;
    while (*p && (byval ? (*p)->val : (*p)->key) < k) p = &(*p)->next;
    n->next = *p; *p = n;
  }
  return out;
}
static uint16_t list_work(struct node *pool, uint32_t seed, uint16_t crc) {
  struct node *h = NULL;
  for (int i = 0; i < NODES; i++) {
    seed = seed * 1103515245u + 12345u;
    pool[i].key = (int16_t)(seed >> 16 & 0x3ff); pool[i].val = (int16_t)(seed >> 5);
    pool[i].next = h; h = &pool[i];
  }
  for (int i = 0; i < 16; i++) {
    struct node *f = list_find(h, (int16_t)((seed >> i) & 0x3ff));
    crc = crc16w(crc, f ? (uint32_t)f->val : 0xffffu);
    h = list_reverse(h);
  }
  h = list_sort(h, 0);
  crc = crc16w(crc, (uint32_t)h->key);
  h = list_sort(h, 1);
  for (struct node *n = h; n; n = n->next) crc = crc16(crc, (uint8_t)n->key);
  return crc;
}

/* ---- matrix: C = A * B on 16-bit inputs, plus constant and bit-extract passes ---- */
#define N 16
static uint16_t matrix_work(int16_t a[N][N], int16_t b[N][N], int32_t c[N][N], int16_t k, uint16_t crc) {
  for (int i = 0; i < N; i++)
    for (int j = 0; j < N; j++) a[i][j] = (int16_t)(a[i][j] + k), b[i][j] = (int16_t)(b[i][j] ^ k);
  for (int i = 0; i < N; i++)
    for (int j = 0; j < N; j++) {
      int32_t s = 0;
      for (int x = 0; x < N; x++) s += (int32_t)a[i][x] * b[x][j];
      c[i][j] = s;
    }
  int32_t acc = 0;
  for (int i = 0; i < N; i++)
    for (int j = 0; j < N; j++) acc += (c[i][j] >> 3) & 0x7f, acc ^= c[i][j] * k;
  return crc16w(crc, (uint32_t)acc);
}

/* ---- state machine: classify comma-separated tokens (int, float, sci, hex, invalid) ---- */
enum { S_START, S_INT, S_FLOAT, S_EXP, S_EXPSIGN, S_SCI, S_HEX0, S_HEX, S_BAD, S_COUNT };
static uint16_t state_work(char *text, int len, uint32_t seed, uint16_t crc) {
  static const char alphabet[] = "0123456789.eE+-xXabf,,";
  for (int i = 0; i < len; i++) {
    seed = seed * 1664525u + 1013904223u;
    text[i] = alphabet[(seed >> 24) % (sizeof alphabet - 1)];
  }
  unsigned counts[S_COUNT] = {0};
  int s = S_START;
  for (int i = 0; i <= len; i++) {
    char ch = i < len ? text[i] : ',';
    if (ch == ',') { counts[s]++; s = S_START; continue; }
    int digit = ch >= '0' && ch <= '9';
    switch (s) {
      case S_START: s = ch == '0' ? S_HEX0 : digit ? S_INT : (ch == '+' || ch == '-') ? S_INT : ch == '.' ? S_FLOAT : S_BAD; break;
      case S_HEX0: s = (ch == 'x' || ch == 'X') ? S_HEX : digit ? S_INT : ch == '.' ? S_FLOAT : S_BAD; break;
      case S_HEX: s = (digit || (ch >= 'a' && ch <= 'f')) ? S_HEX : S_BAD; break;
      case S_INT: s = digit ? S_INT : ch == '.' ? S_FLOAT : (ch == 'e' || ch == 'E') ? S_EXP : S_BAD; break;
      case S_FLOAT: s = digit ? S_FLOAT : (ch == 'e' || ch == 'E') ? S_EXP : S_BAD; break;
      case S_EXP: s = (ch == '+' || ch == '-') ? S_EXPSIGN : digit ? S_SCI : S_BAD; break;
      case S_EXPSIGN: s = digit ? S_SCI : S_BAD; break;
      case S_SCI: s = digit ? S_SCI : S_BAD; break;
      default: break;
    }
  }
  for (int i = 0; i < S_COUNT; i++) crc = crc16w(crc, counts[i]);
  return crc;
}

int main(int argc, char **argv) {
  long rounds = argc > 1 ? atol(argv[1]) : 2000;
  static struct node pool[NODES];
  static int16_t a[N][N], b[N][N];
  static int32_t c[N][N];
  static char text[512];
  for (int i = 0; i < N; i++)
    for (int j = 0; j < N; j++) a[i][j] = (int16_t)(i * 7 - j * 3), b[i][j] = (int16_t)(i ^ (j * 5));
  uint16_t crc = 0xffff;
  for (long r = 0; r < rounds; r++) {
    crc = list_work(pool, (uint32_t)r ^ crc, crc);
    crc = matrix_work(a, b, c, (int16_t)(crc & 0xff), crc);
    crc = state_work(text, sizeof text, (uint32_t)r * 2654435761u ^ crc, crc);
  }
  printf("%04x\n", crc);
  return 0;
}
