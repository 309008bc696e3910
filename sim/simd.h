/* Run-time choice of AVX-512 forms of integer inner loops (so far the
 * metric pass's walk over neighbour lists). Each has a portable scalar twin
 * with the same results, bit for bit; tests compare the two
 * (socap_set_simd). Internal header. */
#ifndef SOCAP_SIMD_H
#define SOCAP_SIMD_H

#include <stdint.h>

#if defined(__x86_64__) && defined(__GNUC__) && !defined(SOCAP_NO_AVX512)
#define SOCAP_HAVE_AVX512 1
#include <immintrin.h>
/* for functions that use AVX-512F; call them only when socap_simd_avx512() */
#define SOCAP_TARGET_AVX512 __attribute__((target("avx512f,popcnt")))

/* Mask of the first min(left, 16) lanes. */
static inline __mmask16 socap_lanes(int64_t left) {
  return left >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << left) - 1);
}
#endif

/* 1 if the AVX-512 forms are to run: by default when the CPU (and OS) has
 * AVX-512F; socap_set_simd(0) selects the scalar forms. Cheap: cached. */
int socap_simd_avx512(void);

#endif
