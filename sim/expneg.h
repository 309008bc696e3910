/* socap's own e^x for x <= 0, used by maintenance (w += (1 - w)(1 - e^(-h/tau)))
 * in a scalar and an AVX-512 form that give the same bits: both use only
 * IEEE multiplications, additions and subtractions, in the same order, and
 * the same table (sim/expneg_table.h, made by scripts/gen_exp_table.py
 * without any libm). So the result does not depend on the C library or on
 * which CPU features glibc's exp picks at run time (docs/odd.md).
 *
 * Method (the usual table-driven one): x = k ln2/128 + r with |r| <= ln2/256,
 * e^x = 2^(k/128) e^r, 2^(j/128) = H[j] (1 + T[j]), e^r - 1 by its Taylor
 * series to r^5 (truncation below 2^-70 relative). Error under 1 ulp.
 * Arguments below -700 are taken as -700 (e^-700 ~ 1e-304; 1 - e^x is 1
 * in double precision already for x < -38). Internal header. */
#ifndef SOCAP_EXPNEG_H
#define SOCAP_EXPNEG_H

#include <stdint.h>
#include <string.h>

#include "expneg_table.h"
#include "simd.h"

#define EXPNEG_SHIFT 0x1.8p52
#define EXPNEG_MIN (-700.0)
#define EXPNEG_C3 (1.0 / 6.0)
#define EXPNEG_C4 (1.0 / 24.0)
#define EXPNEG_C5 (1.0 / 120.0)

static inline double socap_expneg(double x) {
  x = x < EXPNEG_MIN ? EXPNEG_MIN : x;
  double kd = x * EXPNEG_INVLN2N;
  kd = kd + EXPNEG_SHIFT;
  uint64_t ki;
  memcpy(&ki, &kd, 8);
  kd = kd - EXPNEG_SHIFT;
  const double r = (x - kd * EXPNEG_LN2HI_N) - kd * EXPNEG_LN2LO_N;
  const uint64_t j = 2 * (ki & 127u), sb = socap_expneg_tab[j + 1] + (ki << 45);
  double tail, scale;
  memcpy(&tail, &socap_expneg_tab[j], 8);
  memcpy(&scale, &sb, 8);
  const double r2 = r * r;
  const double p = (r + r2 * (0.5 + r * EXPNEG_C3)) + (r2 * r2) * (EXPNEG_C4 + r * EXPNEG_C5);
  return scale + scale * (tail + p);
}

#ifdef SOCAP_HAVE_AVX512
/* Eight at once: the same operations, lane by lane. */
SOCAP_TARGET_AVX512 static inline __m512d socap_expneg8(__m512d x) {
  const __m512d shift = _mm512_set1_pd(EXPNEG_SHIFT);
  x = _mm512_max_pd(x, _mm512_set1_pd(EXPNEG_MIN));
  __m512d kd = _mm512_add_pd(_mm512_mul_pd(x, _mm512_set1_pd(EXPNEG_INVLN2N)), shift);
  const __m512i ki = _mm512_castpd_si512(kd);
  kd = _mm512_sub_pd(kd, shift);
  const __m512d r = _mm512_sub_pd(_mm512_sub_pd(x, _mm512_mul_pd(kd, _mm512_set1_pd(EXPNEG_LN2HI_N))),
                                  _mm512_mul_pd(kd, _mm512_set1_pd(EXPNEG_LN2LO_N)));
  const __m512i j = _mm512_slli_epi64(_mm512_and_si512(ki, _mm512_set1_epi64(127)), 1);
  const __m512d tail = _mm512_castsi512_pd(_mm512_i64gather_epi64(j, (const void *)socap_expneg_tab, 8));
  const __m512i hb = _mm512_i64gather_epi64(j, (const void *)(socap_expneg_tab + 1), 8);
  const __m512d scale = _mm512_castsi512_pd(_mm512_add_epi64(hb, _mm512_slli_epi64(ki, 45)));
  const __m512d r2 = _mm512_mul_pd(r, r);
  const __m512d p = _mm512_add_pd(
      _mm512_add_pd(r,
                    _mm512_mul_pd(r2, _mm512_add_pd(_mm512_set1_pd(0.5), _mm512_mul_pd(r, _mm512_set1_pd(EXPNEG_C3))))),
      _mm512_mul_pd(_mm512_mul_pd(r2, r2),
                    _mm512_add_pd(_mm512_set1_pd(EXPNEG_C4), _mm512_mul_pd(r, _mm512_set1_pd(EXPNEG_C5)))));
  return _mm512_add_pd(scale, _mm512_mul_pd(scale, _mm512_add_pd(tail, p)));
}
#endif

#ifdef SOCAP_HAVE_AVX2
/* Four at once with AVX2: the same operations, lane by lane. The table's
 * (tail, high bits) pairs are read with one 16-byte load per lane. */
SOCAP_TARGET_AVX2 static inline __m256d socap_expneg4(__m256d x) {
  const __m256d shift = _mm256_set1_pd(EXPNEG_SHIFT);
  x = _mm256_max_pd(x, _mm256_set1_pd(EXPNEG_MIN));
  __m256d kd = _mm256_add_pd(_mm256_mul_pd(x, _mm256_set1_pd(EXPNEG_INVLN2N)), shift);
  const __m256i ki = _mm256_castpd_si256(kd);
  kd = _mm256_sub_pd(kd, shift);
  const __m256d r = _mm256_sub_pd(_mm256_sub_pd(x, _mm256_mul_pd(kd, _mm256_set1_pd(EXPNEG_LN2HI_N))),
                                  _mm256_mul_pd(kd, _mm256_set1_pd(EXPNEG_LN2LO_N)));
  uint64_t kk[4];
  _mm256_storeu_si256((__m256i *)(void *)kk, ki);
  const __m128i e0 = _mm_loadu_si128((const __m128i *)(const void *)(socap_expneg_tab + 2 * (kk[0] & 127u)));
  const __m128i e1 = _mm_loadu_si128((const __m128i *)(const void *)(socap_expneg_tab + 2 * (kk[1] & 127u)));
  const __m128i e2 = _mm_loadu_si128((const __m128i *)(const void *)(socap_expneg_tab + 2 * (kk[2] & 127u)));
  const __m128i e3 = _mm_loadu_si128((const __m128i *)(const void *)(socap_expneg_tab + 2 * (kk[3] & 127u)));
  const __m256i e02 = _mm256_inserti128_si256(_mm256_castsi128_si256(e0), e2, 1); /* t0 h0 | t2 h2 */
  const __m256i e13 = _mm256_inserti128_si256(_mm256_castsi128_si256(e1), e3, 1); /* t1 h1 | t3 h3 */
  const __m256d tail = _mm256_castsi256_pd(_mm256_unpacklo_epi64(e02, e13));
  const __m256i hb = _mm256_unpackhi_epi64(e02, e13);
  const __m256d scale = _mm256_castsi256_pd(_mm256_add_epi64(hb, _mm256_slli_epi64(ki, 45)));
  const __m256d r2 = _mm256_mul_pd(r, r);
  const __m256d p = _mm256_add_pd(
      _mm256_add_pd(r,
                    _mm256_mul_pd(r2, _mm256_add_pd(_mm256_set1_pd(0.5), _mm256_mul_pd(r, _mm256_set1_pd(EXPNEG_C3))))),
      _mm256_mul_pd(_mm256_mul_pd(r2, r2),
                    _mm256_add_pd(_mm256_set1_pd(EXPNEG_C4), _mm256_mul_pd(r, _mm256_set1_pd(EXPNEG_C5)))));
  return _mm256_add_pd(scale, _mm256_mul_pd(scale, _mm256_add_pd(tail, p)));
}
#endif

#endif
