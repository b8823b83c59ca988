// long double through libc and the x87 directly: printf's %Lf %Le %Lg %La and strtold (musl and
// glibc format and parse through long double), then x87 instructions by inline asm (no libm,
// which glibc keeps out of libc.a): fsqrt, frndint under each rounding mode (fldcw), fprem,
// fprem1, fxtract, fscale, fistp, and the transcendentals. Run natively and under wasl by
// tests/differential.test.ts; the output must match byte for byte. Transcendentals are printed
// to 15 digits only: their last bit is model-specific on real CPUs too (docs/quirks.md).
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

static void show(const char *what, long double x) {
  printf("%-10s %Lf | %.21Le | %Lg | %La\n", what, x, x, x, x);
}

static long double x87_1(const char *op, long double x) {
  long double r = x;
  if (op[0] == 'q') __asm__("fsqrt" : "+t"(r));
  else if (op[0] == 'r') __asm__("frndint" : "+t"(r));
  else if (op[0] == 's') __asm__("fsin" : "+t"(r));
  else if (op[0] == 'c') __asm__("fcos" : "+t"(r));
  else if (op[0] == 'e') __asm__("f2xm1" : "+t"(r));
  return r;
}
static long double fprem_(long double a, long double b, int ieee) {
  unsigned short sw;
  do {
    if (ieee) __asm__("fprem1; fnstsw %%ax" : "+t"(a), "=a"(sw) : "u"(b));
    else __asm__("fprem; fnstsw %%ax" : "+t"(a), "=a"(sw) : "u"(b));
  } while (sw & 0x400);
  return a;
}
static long double fscale_(long double x, long double n) {
  __asm__("fscale" : "+t"(x) : "u"(n));
  return x;
}
static long double fyl2x_(long double y, long double x) {
  long double r;
  __asm__("fyl2x" : "=t"(r) : "0"(x), "u"(y) : "st(1)");
  return r;
}
static long double fpatan_(long double y, long double x) {
  long double r;
  __asm__("fpatan" : "=t"(r) : "0"(x), "u"(y) : "st(1)");
  return r;
}
static long double fptan_(long double x) {
  long double t, one;
  __asm__("fptan" : "=t"(one), "=u"(t) : "0"(x));
  return t / one;
}
static void fldcw(unsigned short cw) { __asm__ volatile("fldcw %0" : : "m"(cw)); }
static long long fistp(long double x) { long long v; __asm__("fistpll %0" : "=m"(v) : "t"(x) : "st"); return v; }

int main(void) {
  volatile long double third = 1.0L / 3.0L;
  show("1/3", third);
  show("pi", 3.14159265358979323846264338327950288L);
  show("max", LDBL_MAX);
  show("min", LDBL_MIN);
  show("denorm", LDBL_MIN / 1e10L);
  show("tiny", LDBL_TRUE_MIN);
  show("-0", -0.0L);
  show("inf", -(long double)INFINITY);
  show("nan", (long double)NAN);
  show("2^64", 18446744073709551616.0L);
  show("1e300", 1e300L * 1e300L);
  show("sqrt2", x87_1("q", 2.0L));
  show("fprem", fprem_(1e30L, 7.25L, 0));
  show("fprem1", fprem_(1e20L, 3.0L, 1));
  show("fscale", fscale_(0.75L, 1000.0L));
  long double sig, ex;
  __asm__("fxtract" : "=t"(sig), "=u"(ex) : "0"(123456.789L));
  printf("fxtract %La %Lg\n", sig, ex);

  const char *inputs[] = { "0.1", "1e-4950", "3.362103143112093506e-4932", "-12345678901234567890", "0x1.fffffffffffffffep+16383", "1e4000" };
  for (unsigned i = 0; i < sizeof inputs / sizeof inputs[0]; i++) {
    long double v = strtold(inputs[i], NULL);
    printf("%-28s %.21Le %La\n", inputs[i], v, v);
  }

  // the four rounding modes through the control word (RC = bits 11:10), 64-bit precision
  for (int k = 0; k < 4; k++) {
    fldcw(0x37f | k << 10);
    volatile long double a = 1.0L, b = 3.0L;
    long double q = a / b;
    printf("RC %d: %La %La %La %lld %lld\n", k, q, -q, x87_1("r", 2.5L * a), fistp(-2.5L * a), fistp(7.5L * a));
  }
  fldcw(0x27f); // 53-bit precision control
  volatile long double a = 1.0L, b = 3.0L;
  printf("PC 53: %La\n", a / b);
  fldcw(0x07f); // 24-bit
  printf("PC 24: %La\n", a / b);
  fldcw(0x37f);

  // a sum that needs the 64-bit significand: exact in long double, not in double
  long double acc = 0;
  for (int i = 1; i <= 1000; i++) acc += 1.0L / i;
  show("H(1000)", acc);
  long long big = 9007199254740993LL; // 2^53 + 1
  printf("ll %lld -> %.0Lf -> %lld\n", big, (long double)big, (long long)(long double)big);

  printf("fsin %.15Lg fcos %.15Lg fptan %.15Lg f2xm1 %.15Lg\n", x87_1("s", 0.5L), x87_1("c", 0.5L), fptan_(0.5L), x87_1("e", 0.5L));
  printf("fyl2x %.15Lg fpatan %.15Lg fsin(1e18) %.15Lg\n", fyl2x_(3.0L, 10.0L), fpatan_(1.0L, -1.0L), x87_1("s", 1e18L));
  return 0;
}
