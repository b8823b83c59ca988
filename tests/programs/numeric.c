/* Numeric code as compilers and libcs emit it (issue #3's "real programs"): libm in float,
 * double and long double (under all four rounding modes for the basic ones), __int128
 * arithmetic, and SSE2..SSE4.2 intrinsics. Built plainly and with -msse4.2 -O3 (vectorised
 * loops); printed in hex or %a so any difference in a last bit shows. */
#define _GNU_SOURCE
#include <fenv.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <emmintrin.h>
#include <tmmintrin.h>
#include <smmintrin.h>
#include <nmmintrin.h>

static volatile double dv[] = {0.5, 1.0, -2.75, 3.141592653589793, 1e-300, 1e300, 123456.789, -0.0, 7.0 / 3.0, 1e-310};
static volatile long double lv[] = {0.5L, 1.0L, -2.75L, 3.14159265358979323846264L, 1e-4000L, 1e4000L, 123456.789L, 7.0L / 3.0L};

static void libm(void) {
  for (unsigned i = 0; i < sizeof dv / sizeof dv[0]; i++) {
    double x = dv[i];
    printf("d %a: sin %a cos %a tan %a exp %a log %a sqrt %a cbrt %a atan2 %a\n", x, sin(x), cos(x), tan(x), exp(x),
           log(fabs(x)), sqrt(fabs(x)), cbrt(x), atan2(x, 0.75));
    printf("  pow %a hypot %a fma %a erf %a lgamma %a expm1 %a log1p %a rint %a nextafter %a\n", pow(fabs(x), 1.5),
           hypot(x, 3.0), fma(x, x, -1.0), erf(x), lgamma(x), expm1(x), log1p(fabs(x)), rint(x), nextafter(x, 0.0));
    float f = (float)x;
    printf("  f: sinf %a expf %a logf %a sqrtf %a powf %a\n", sinf(f), expf(f), logf(fabsf(f)), sqrtf(fabsf(f)), powf(fabsf(f), 0.3f));
  }
  for (unsigned i = 0; i < sizeof lv / sizeof lv[0]; i++) {
    long double x = lv[i];
    printf("l %La: sinl %La expl %La logl %La sqrtl %La powl %La atan2l %La\n", x, sinl(x), expl(x), logl(fabsl(x)),
           sqrtl(fabsl(x)), powl(fabsl(x), 0.3L), atan2l(x, 2.0L));
    printf("  %.30Lg %.25Le\n", x, x * 3);
  }
  const int modes[] = {FE_TONEAREST, FE_DOWNWARD, FE_UPWARD, FE_TOWARDZERO};
  for (int m = 0; m < 4; m++) {
    fesetround(modes[m]);
    volatile double a = 1.0, b = 3.0;
    volatile long double la = 1.0L, lb = 3.0L;
    volatile float fa = 2.0f, fb = 7.0f;
    printf("mode %d: %a %a %La %a rint %a nearbyint %a lrint %ld sqrt %a\n", m, a / b, -a / b, la / lb, (double)(fa / fb),
           rint(2.5), nearbyint(-3.5), lrint(5.5), sqrt(2.0));
  }
  fesetround(FE_TONEAREST);
  feclearexcept(FE_ALL_EXCEPT);
  volatile double z = 0.0, one = 1.0;
  volatile double r = one / z;
  printf("1/0 = %a, flags %#x\n", r, fetestexcept(FE_ALL_EXCEPT));
  feclearexcept(FE_ALL_EXCEPT);
  r = sqrt(-one);
  printf("sqrt(-1) sign %d nan %d, flags %#x\n", signbit(r) != 0, isnan(r) != 0, fetestexcept(FE_ALL_EXCEPT));
}

static void put128(const char *name, unsigned __int128 v) {
  char buf[48];
  int n = 0;
  do { buf[n++] = '0' + (int)(v % 10); v /= 10; } while (v);
  printf("%s=", name);
  while (n) putchar(buf[--n]);
  putchar('\n');
}

static void int128(void) {
  volatile unsigned __int128 a = ((unsigned __int128)0xfedcba9876543210ull << 64) | 0x0123456789abcdefull;
  volatile unsigned __int128 b = 0xffffffffffffull;
  volatile __int128 s = -(__int128)a / 3;
  put128("a", a);
  put128("a*b", a * b);
  put128("a/b", a / b);
  put128("a%b", a % b);
  put128("a>>67", a >> 67);
  put128("a<<13", a << 13);
  put128("-s", (unsigned __int128)-s);
  printf("s<0 %d, s%%7=%d, clz %d ctz %d\n", s < 0, (int)(s % 7), __builtin_clzll((uint64_t)(a >> 64)), __builtin_ctzll((uint64_t)a));
  uint64_t acc = 1;
  for (int i = 1; i < 200; i++) acc = (uint64_t)(((unsigned __int128)acc * 6364136223846793005ull + i) % 0xfffffffffffffc5ull);
  printf("mulmod chain %llx\n", (unsigned long long)acc);
}

static void intrinsics(void) {
  __m128i x = _mm_setr_epi8(1, -2, 3, -4, 5, -6, 7, -8, 9, -10, 11, -12, 13, -14, 15, -16);
  __m128i y = _mm_setr_epi32(0x7fffffff, -5, 1 << 20, 12345);
  __m128i shuf = _mm_shuffle_epi8(x, _mm_setr_epi8(15, 14, 13, 12, 0x80, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11));
  __m128i mul = _mm_mullo_epi32(y, y);
  __m128i mn = _mm_min_epi8(x, _mm_abs_epi8(x));
  __m128i pk = _mm_packus_epi32(y, mul);
  __m128i sad = _mm_sad_epu8(x, shuf);
  __m128i hadd = _mm_hadd_epi16(x, y);
  __m128i mp = _mm_minpos_epu16(_mm_setr_epi16(9, 4, 7, 4, 100, 3, 3, 8));
  __m128i cgt = _mm_cmpgt_epi64(_mm_set_epi64x(-1, 5), _mm_set_epi64x(3, -7));
  uint64_t v[8][2];
  _mm_storeu_si128((__m128i *)v[0], shuf);
  _mm_storeu_si128((__m128i *)v[1], mul);
  _mm_storeu_si128((__m128i *)v[2], mn);
  _mm_storeu_si128((__m128i *)v[3], pk);
  _mm_storeu_si128((__m128i *)v[4], sad);
  _mm_storeu_si128((__m128i *)v[5], hadd);
  _mm_storeu_si128((__m128i *)v[6], mp);
  _mm_storeu_si128((__m128i *)v[7], cgt);
  for (int i = 0; i < 8; i++) printf("i%d %016llx%016llx\n", i, (unsigned long long)v[i][1], (unsigned long long)v[i][0]);
  __m128 p = _mm_setr_ps(1.5f, -2.25f, 3.75f, 1e-40f), q = _mm_setr_ps(0.1f, 7.0f, -0.0f, 2.5f);
  float f[6][4];
  _mm_storeu_ps(f[0], _mm_dp_ps(p, q, 0xf1));
  _mm_storeu_ps(f[1], _mm_round_ps(_mm_mul_ps(p, q), _MM_FROUND_TO_NEG_INF | _MM_FROUND_NO_EXC));
  _mm_storeu_ps(f[2], _mm_blendv_ps(p, q, _mm_cmplt_ps(p, q)));
  _mm_storeu_ps(f[3], _mm_hadd_ps(p, q));
  _mm_storeu_ps(f[4], _mm_sqrt_ps(_mm_max_ps(p, q)));
  _mm_storeu_ps(f[5], _mm_insert_ps(p, q, 0x9c));
  for (int i = 0; i < 6; i++) printf("f%d %a %a %a %a\n", i, f[i][0], f[i][1], f[i][2], f[i][3]);
  __m128d dp = _mm_dp_pd(_mm_setr_pd(1.0 / 3, 2.5), _mm_setr_pd(3.0, -1e308), 0x31);
  double d[2];
  _mm_storeu_pd(d, _mm_add_pd(dp, _mm_round_pd(_mm_setr_pd(-2.5, 2.5), _MM_FROUND_TO_NEAREST_INT)));
  printf("d %a %a\n", d[0], d[1]);
  const char *hay = "The quick brown fox jumps over the lazy dog";
  __m128i h = _mm_loadu_si128((const __m128i *)hay), n = _mm_loadu_si128((const __m128i *)"fox\0\0\0\0\0\0\0\0\0\0\0\0");
  printf("pcmpistri %d %d pcmpestri %d mask %llx\n", _mm_cmpistri(h, n, _SIDD_CMP_EQUAL_ORDERED),
         _mm_cmpistri(n, h, _SIDD_CMP_EQUAL_ANY | _SIDD_MOST_SIGNIFICANT), _mm_cmpestri(n, 3, h, 16, _SIDD_CMP_EQUAL_ORDERED),
         (unsigned long long)_mm_cvtsi128_si64(_mm_cmpistrm(h, n, _SIDD_CMP_EQUAL_ANY | _SIDD_BIT_MASK)));
  uint64_t crc = 0;
  for (const char *c = hay; *c; c++) crc = _mm_crc32_u8((uint32_t)crc, (uint8_t)*c);
  crc = _mm_crc32_u64(crc, 0x0123456789abcdefull);
  printf("crc32c %llx popcnt %d\n", (unsigned long long)crc, _mm_popcnt_u64(0xf0f0f0f0f0f0f0f1ull));
  /* RCPPS/RSQRTPS differ between CPU models in the last bits: print them to 8 bits only. */
  float rc[4];
  _mm_storeu_ps(rc, _mm_rsqrt_ps(_mm_setr_ps(4.0f, 2.0f, 0.0f, -1.0f)));
  printf("rsqrt ~ %.2f %.2f %f %f\n", rc[0], rc[1], rc[2], rc[3]);
}

/* Loops GCC vectorises at -O3 (with -msse4.2: pmulld, pminsd, blendv, ptest …). */
static void loops(void) {
  static int32_t a[1000], b[1000];
  static float fa[1000];
  static double da[1000];
  for (int i = 0; i < 1000; i++) { a[i] = i * 2654435761u; b[i] = (i * 40503) ^ 0x5555; fa[i] = i * 0.37f - 100; da[i] = i / 7.0; }
  int64_t s = 0;
  int32_t mn = 0x7fffffff;
  float fs = 0;
  double ds = 0;
  for (int i = 0; i < 1000; i++) { a[i] = a[i] * b[i] + (a[i] >> 3); s += a[i]; mn = a[i] < mn ? a[i] : mn; }
  for (int i = 0; i < 1000; i++) { fs += fa[i] * fa[i]; ds += da[i] * da[i] - da[i]; }
  uint8_t bytes[333];
  for (int i = 0; i < 333; i++) bytes[i] = (uint8_t)(i * 7 + 3);
  unsigned cnt = 0;
  for (int i = 0; i < 333; i++) cnt += bytes[i] > 100;
  printf("loops s=%lld min=%d fs=%a ds=%a cnt=%u\n", (long long)s, mn, fs, ds, cnt);
}

int main(void) {
  libm();
  int128();
  intrinsics();
  loops();
  return 0;
}
