/* Run-time choice of vector forms of inner loops: AVX-512 and AVX2 forms of
 * the metric pass's walk over neighbour lists, of maintenance's per-tie
 * update and of the first Philox blocks of judging. Each has a portable
 * scalar twin with the same results, bit for bit; tests compare them
 * (socap_set_simd, socap_set_simd_level). Internal header. */
#ifndef SOCAP_SIMD_H
#define SOCAP_SIMD_H

#include <stdint.h>

#if defined(__x86_64__) && defined(__GNUC__) && !defined(SOCAP_NO_AVX512)
#define SOCAP_HAVE_AVX512 1
#define SOCAP_HAVE_AVX2 1
#include <immintrin.h>
/* for functions that use AVX-512F; call them only when socap_simd_avx512() */
#define SOCAP_TARGET_AVX512 __attribute__((target("avx512f,popcnt")))
/* for functions that use AVX2 and BMI2 (no FMA: nothing may be contracted);
 * call them only when socap_simd_avx2() */
#define SOCAP_TARGET_AVX2 __attribute__((target("avx2,bmi2,popcnt")))

/* Mask of the first min(left, 16) lanes. */
static inline __mmask16 socap_lanes(int64_t left) {
  return left >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << left) - 1);
}
#endif

/* The vector level in use: 0 scalar, 1 AVX2, 2 AVX-512 (SOCAP_SIMD_*).
 * By default the highest the CPU (and OS) has; socap_set_simd_level caps
 * it. Cheap: cached. */
int socap_simd_level(void);
/* 1 if the AVX-512 forms are to run. */
static inline int socap_simd_avx512(void) { return socap_simd_level() >= 2; }
/* 1 if the AVX2 forms are to run (where there is no AVX-512 form, or the
 * level is capped at AVX2). */
static inline int socap_simd_avx2(void) { return socap_simd_level() >= 1; }

#endif
