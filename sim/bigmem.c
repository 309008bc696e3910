/* Large buffers on transparent huge pages: see bigmem.h. */
#include "bigmem.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#if defined(__linux__)
#include <sys/mman.h>
#endif

#define BIG_HEADER 64 /* keeps the mapping size; keeps the payload 64-byte aligned */
#define BIG_MIN ((size_t)1 << 21)

void *socap_big_alloc(size_t bytes) {
#if defined(__linux__) && defined(MADV_HUGEPAGE)
  if (bytes >= BIG_MIN - BIG_HEADER && bytes <= SIZE_MAX / 2) {
    /* Whole, aligned 2 MiB pages: a partial page at either end would be
     * faulted in 4 KiB at a time. Map one page extra and trim to alignment. */
    size_t len = (bytes + BIG_HEADER + BIG_MIN - 1) & ~(BIG_MIN - 1);
    char *p = mmap(NULL, len + BIG_MIN, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) return NULL;
    char *a = (char *)(((uintptr_t)p + BIG_MIN - 1) & ~(uintptr_t)(BIG_MIN - 1));
    if (a > p) munmap(p, (size_t)(a - p));
    if (p + len + BIG_MIN > a + len) munmap(a + len, (size_t)(p + len + BIG_MIN - (a + len)));
    (void)madvise(a, len, MADV_HUGEPAGE); /* advice only: ignore failure */
    *(size_t *)a = len;
    return a + BIG_HEADER;
  }
#endif
  char *p = calloc(1, bytes + BIG_HEADER);
  if (!p) return NULL;
  *(size_t *)p = 0; /* 0 = from calloc */
  ((size_t *)p)[1] = bytes;
  return p + BIG_HEADER;
}

void socap_big_free(void *q) {
  if (!q) return;
  char *p = (char *)q - BIG_HEADER;
  size_t len = *(size_t *)p;
#if defined(__linux__) && defined(MADV_HUGEPAGE)
  if (len) { munmap(p, len); return; }
#endif
  free(p);
}

void *socap_big_grow(void *p, size_t keep, size_t bytes) {
  void *q = socap_big_alloc(bytes);
  if (!q) return NULL;
  if (p && keep) memcpy(q, p, keep);
  socap_big_free(p);
  return q;
}

size_t socap_big_capacity(const void *q) {
  if (!q) return 0;
  const char *p = (const char *)q - BIG_HEADER;
  const size_t len = *(const size_t *)p;
  return len ? len - BIG_HEADER : ((const size_t *)p)[1];
}
