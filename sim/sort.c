/* Sorting for the metrics and the per-record statistics (see sort.h). */
#include "sort.h"

#include <gsl/gsl_sort.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>

#include "socap/error.h"
#include "bigmem.h"

/* LSD radix sort of 64-bit keys, 11 bits a pass (passes whose digit is the
 * same for every key are skipped). Parallel: each of T chunks is
 * histogrammed and scattered by its own thread, with offsets laid out
 * digit-major then chunk; the sorted keys are the same whatever T is. */
#define RADIX_BITS 11
#define RADIX_SIZE (1 << RADIX_BITS)

int socap_sort_u64(uint64_t *a, int64_t n, int T) {
  uint64_t *tmp = socap_big_alloc(sizeof *tmp * (size_t)(n > 0 ? n : 1));
  int64_t *hist = malloc(sizeof *hist * (size_t)T * RADIX_SIZE);
  if (!tmp || !hist) {
    socap_big_free(tmp);
    free(hist);
    return SOCAP_ERROR(SOCAP_ERUNTIME, "out of memory sorting %lld values", (long long)n);
  }
  uint64_t *src = a, *dst = tmp;
  for (int shift = 0; shift < 64; shift += RADIX_BITS) {
    int single = 0;
#pragma omp parallel num_threads(T)
    {
      const int c = omp_get_thread_num();
      const int64_t r0 = n * c / T, r1 = n * (c + 1) / T;
      int64_t *h = hist + (size_t)c * RADIX_SIZE;
      memset(h, 0, sizeof *h * RADIX_SIZE);
      for (int64_t r = r0; r < r1; r++) h[(src[r] >> shift) & (RADIX_SIZE - 1)]++;
#pragma omp barrier
#pragma omp single
      {
        const size_t d0 = (size_t)((src[0] >> shift) & (RADIX_SIZE - 1));
        int64_t tot0 = 0;
        for (int cc = 0; cc < T; cc++) tot0 += hist[(size_t)cc * RADIX_SIZE + d0];
        single = tot0 == n;
        int64_t sum = 0;
        for (size_t d = 0; d < RADIX_SIZE && !single; d++)
          for (int cc = 0; cc < T; cc++) {
            int64_t *x = &hist[(size_t)cc * RADIX_SIZE + d];
            const int64_t k = *x;
            *x = sum;
            sum += k;
          }
      } /* implicit barrier */
      if (!single)
        for (int64_t r = r0; r < r1; r++) dst[h[(src[r] >> shift) & (RADIX_SIZE - 1)]++] = src[r];
    }
    if (single) continue;
    uint64_t *x = src;
    src = dst;
    dst = x;
  }
  if (src != a) memcpy(a, src, sizeof *a * (size_t)n);
  socap_big_free(tmp);
  free(hist);
  return SOCAP_OK;
}

/* Doubles map to unsigned keys that order like the values: flip the sign
 * bit of a non-negative number, every bit of a negative one. */
static inline uint64_t double_key(double x) {
  uint64_t k;
  memcpy(&k, &x, sizeof k);
  return k >> 63 ? ~k : k | (uint64_t)1 << 63;
}

static inline double key_double(uint64_t k) {
  k = k >> 63 ? k & ~((uint64_t)1 << 63) : ~k;
  double x;
  memcpy(&x, &k, sizeof x);
  return x;
}

/* Below this gsl_sort is kept: the radix passes have a fixed cost (six
 * histograms of 2,048 counts each) that small arrays, such as the many small
 * tasks of a sweep, would pay on every record. */
#define RADIX_MIN 16384

int socap_sort_doubles(double *a, size_t n) {
  if (n < RADIX_MIN) {
    gsl_sort(a, 1, n);
    return SOCAP_OK;
  }
  /* in place: a double and its key have the same size (memcpy keeps the
   * type punning defined) */
  for (size_t i = 0; i < n; i++) {
    const uint64_t k = double_key(a[i]);
    memcpy(&a[i], &k, sizeof k);
  }
  uint64_t *keys = (uint64_t *)(void *)a;
  int rc = socap_sort_u64(keys, (int64_t)n, 1);
  for (size_t i = 0; i < n; i++) {
    uint64_t k;
    memcpy(&k, &a[i], sizeof k);
    a[i] = key_double(k);
  }
  return rc;
}
