/* Run-time choice of the AVX-512 inner loops (see simd.h). */
#include <stdint.h>

#include "simd.h"
#include "socap/metrics.h"

/* -1: not chosen yet (the vector forms if the CPU has them), 0: scalar,
 * 1: AVX-512. */
static int simd_mode = -1;

static int simd_available(void) {
#ifdef SOCAP_HAVE_AVX512
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("popcnt");
#else
  return 0;
#endif
}

int socap_set_simd(int enable) {
  const int mode = enable && simd_available();
  __atomic_store_n(&simd_mode, mode, __ATOMIC_RELAXED);
  return mode;
}

/* Concurrent first calls all find the same answer. */
int socap_simd_avx512(void) {
  int mode = __atomic_load_n(&simd_mode, __ATOMIC_RELAXED);
  if (mode < 0) {
    mode = simd_available();
    __atomic_store_n(&simd_mode, mode, __ATOMIC_RELAXED);
  }
  return mode;
}
