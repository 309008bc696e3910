/* Run-time choice of the vector inner loops (see simd.h). */
#include <stdint.h>

#include "simd.h"
#include "socap/metrics.h"

/* -1: not chosen yet (the best forms the CPU has), else the level in use. */
static int simd_mode = -1;

static int simd_available(void) {
#ifdef SOCAP_HAVE_AVX512
  __builtin_cpu_init();
  if (!__builtin_cpu_supports("popcnt")) return SOCAP_SIMD_SCALAR;
  if (__builtin_cpu_supports("avx512f")) return SOCAP_SIMD_AVX512;
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("bmi2")) return SOCAP_SIMD_AVX2;
#endif
  return SOCAP_SIMD_SCALAR;
}

int socap_set_simd_level(int max_level) {
  const int have = simd_available();
  const int mode = max_level < SOCAP_SIMD_SCALAR ? SOCAP_SIMD_SCALAR : max_level < have ? max_level : have;
  __atomic_store_n(&simd_mode, mode, __ATOMIC_RELAXED);
  return mode;
}

int socap_set_simd(int enable) { return socap_set_simd_level(enable ? SOCAP_SIMD_AVX512 : SOCAP_SIMD_SCALAR) > 0; }

/* Concurrent first calls all find the same answer. */
int socap_simd_level(void) {
  int mode = __atomic_load_n(&simd_mode, __ATOMIC_RELAXED);
  if (mode < 0) {
    mode = simd_available();
    __atomic_store_n(&simd_mode, mode, __ATOMIC_RELAXED);
  }
  return mode;
}
