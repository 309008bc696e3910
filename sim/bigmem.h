/* Large zeroed buffers backed by transparent huge pages where the kernel
 * allows it (internal to libsocap).
 *
 * On virtual machines a first touch of a 4 KiB page can cost tens of
 * microseconds (measured 0.2 GB/s on the benchmark machine, against 11 GB/s
 * with 2 MiB pages), so the big, short-lived or often re-made buffers (the
 * tie arena, the metric graph, per-thread scratch) ask for huge pages with
 * madvise(MADV_HUGEPAGE). Falls back to calloc where mmap is unavailable. */
#ifndef SOCAP_BIGMEM_H
#define SOCAP_BIGMEM_H
#include <stddef.h>
#include <stdint.h>

/** @p bytes of zeroed memory, 64-byte aligned, or NULL. */
void *socap_big_alloc(size_t bytes);
/** Free a buffer from socap_big_alloc (NULL is allowed). */
void socap_big_free(void *p);
/** Grow a buffer from socap_big_alloc (or NULL) to at least @p bytes,
 * keeping its first @p keep bytes: a new buffer, the bytes copied, the old
 * one freed. Returns the new buffer, or NULL (the old one is then kept). */
void *socap_big_grow(void *p, size_t keep, size_t bytes);
/** Usable bytes of a buffer from socap_big_alloc: at least what was asked
 * for, more when the mapping was rounded up to whole huge pages. */
size_t socap_big_capacity(const void *p);

/** Prefetch every cache line of [p, p + bytes) (a no-op where the compiler
 * has no prefetch builtin). */
static inline void socap_prefetch_range(const void *p, size_t bytes) {
#if defined(__GNUC__)
  const uintptr_t e = (uintptr_t)p + bytes;
  for (uintptr_t a = (uintptr_t)p & ~(uintptr_t)63; a < e; a += 64) __builtin_prefetch((const void *)a);
#else
  (void)p;
  (void)bytes;
#endif
}

#endif
