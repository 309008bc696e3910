/* Radix sorts (internal to libsocap). */
#ifndef SOCAP_SORT_H
#define SOCAP_SORT_H
#include <stddef.h>
#include <stdint.h>

/* Sort n 64-bit keys ascending with T threads (the result does not depend
 * on T). SOCAP_OK, or an error if the buffers cannot be allocated. */
int socap_sort_u64(uint64_t *a, int64_t n, int T);

/* Sort n doubles ascending (no NaNs), one thread: the same sequence as any
 * comparison sort (bar the order of -0 and +0), by radix passes for large
 * n. SOCAP_OK or an error. */
int socap_sort_doubles(double *a, size_t n);

#endif
