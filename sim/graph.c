/* CSR graph construction from an edge list (see socap/graph.h). */
#include "socap/graph.h"

#include "socap/error.h"
#include "bigmem.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void socap_graph_free(socap_graph *g) {
  if (!g) return;
  void (*release)(void *) = g->big_ ? socap_big_free : free;
  release(g->off);
  release(g->adj);
  release(g->w);
  release(g->group);
  memset(g, 0, sizeof *g);
}

static int count_groups(socap_graph *g, int32_t n, const int32_t *group) {
  int32_t gmax = -1;
  for (int32_t i = 0; i < n; i++) {
    if (group[i] < 0) return SOCAP_ERROR(SOCAP_ECONFIG, "node %d has a negative group id %d", (int)i, (int)group[i]);
    if (group[i] > gmax) gmax = group[i];
  }
  g->group = socap_big_alloc(sizeof(int32_t) * (size_t)(n > 0 ? n : 1));
  unsigned char *seen = calloc((size_t)gmax + 2, 1);
  if (!g->group || !seen) {
    free(seen);
    return SOCAP_ERROR(SOCAP_ERUNTIME, "out of memory (group ids)");
  }
  if (n > 0) memcpy(g->group, group, sizeof(int32_t) * (size_t)n);
  int32_t ng = 0;
  for (int32_t i = 0; i < n; i++)
    if (!seen[group[i]]) {
      seen[group[i]] = 1;
      ng++;
    }
  free(seen);
  g->n_groups = ng;
  return SOCAP_OK;
}

/*
 * Construction is two stable counting sorts, so it is O(n + m) and the result
 * is a pure function of the input order:
 *  1. arcs (both directions of every non-loop edge) are bucketed by source, in
 *     edge order ("raw" CSR);
 *  2. walking sources x = 0..n-1 and their raw arcs x->y in edge order, the arc
 *     y->x is appended to y's final list, so every final list is sorted by
 *     neighbour, with duplicates in edge order.
 * Duplicates are then merged by summing their weights in edge order. Both
 * directions of a pair see the same edges in the same order, so the merged
 * weights are bitwise symmetric.
 */
int socap_graph_from_edges(socap_graph *g, int32_t n, int64_t m, const int32_t *u, const int32_t *v, const double *w,
                           const int32_t *group) {
  int rc = SOCAP_OK;
  int64_t *roff = NULL, *pos = NULL;
  int32_t *radj = NULL, *sadj = NULL;
  double *rw = NULL, *sw = NULL;

  memset(g, 0, sizeof *g);
  if (n < 0 || m < 0) return SOCAP_ERROR(SOCAP_ECONFIG, "negative node or edge count");
  if (m > 0 && (!u || !v)) return SOCAP_ERROR(SOCAP_ECONFIG, "edge arrays are NULL");
  int64_t arcs = 0;
  for (int64_t e = 0; e < m; e++) {
    if (u[e] < 0 || u[e] >= n || v[e] < 0 || v[e] >= n)
      return SOCAP_ERROR(SOCAP_ECONFIG, "edge %lld (%d,%d) has an id outside 0..%d", (long long)e, (int)u[e], (int)v[e],
                         (int)n - 1);
    if (w && !(w[e] > 0.0 && isfinite(w[e])))
      return SOCAP_ERROR(SOCAP_ECONFIG, "edge %lld (%d,%d) has weight %g; weights must be finite and > 0", (long long)e,
                         (int)u[e], (int)v[e], w[e]);
    if (u[e] != v[e]) arcs += 2;
  }

  size_t na = (size_t)(arcs > 0 ? arcs : 1);
  /* Huge pages (bigmem.h): fewer page faults while building, fewer TLB
   * misses in the metric pass, which reads the lists at random. */
  roff = socap_big_alloc(((size_t)n + 1) * sizeof *roff);
  pos = socap_big_alloc(sizeof *pos * ((size_t)n + 1));
  radj = socap_big_alloc(sizeof *radj * na);
  rw = socap_big_alloc(sizeof *rw * na);
  sadj = socap_big_alloc(sizeof *sadj * na);
  sw = socap_big_alloc(sizeof *sw * na);
  if (!roff || !pos || !radj || !rw || !sadj || !sw) {
    rc = SOCAP_ERROR(SOCAP_ERUNTIME, "out of memory building a graph with %lld arcs", (long long)arcs);
    goto cleanup;
  }

  /* 1. raw CSR by source, in edge order */
  for (int64_t e = 0; e < m; e++)
    if (u[e] != v[e]) {
      roff[u[e] + 1]++;
      roff[v[e] + 1]++;
    }
  for (int32_t i = 0; i < n; i++) roff[i + 1] += roff[i];
  memcpy(pos, roff, sizeof *pos * ((size_t)n + 1));
  for (int64_t e = 0; e < m; e++) {
    if (u[e] == v[e]) continue;
    double we = w ? w[e] : 1.0;
    int64_t a = pos[u[e]]++, b = pos[v[e]]++;
    radj[a] = v[e];
    rw[a] = we;
    radj[b] = u[e];
    rw[b] = we;
  }

  /* 2. transpose: sorted by neighbour, duplicates in edge order */
  memcpy(pos, roff, sizeof *pos * ((size_t)n + 1));
  for (int32_t x = 0; x < n; x++)
    for (int64_t a = roff[x]; a < roff[x + 1]; a++) {
      int32_t y = radj[a];
      int64_t b = pos[y]++;
      sadj[b] = x;
      sw[b] = rw[a];
    }

  /* 3. merge duplicates in place; roff becomes the final offsets */
  int64_t out = 0;
  for (int32_t x = 0; x < n; x++) {
    int64_t start = roff[x], end = roff[x + 1];
    roff[x] = out;
    for (int64_t a = start; a < end; a++) {
      if (out > roff[x] && sadj[out - 1] == sadj[a]) {
        sw[out - 1] += sw[a];
      } else {
        sadj[out] = sadj[a];
        sw[out] = sw[a];
        out++;
      }
    }
  }
  roff[n] = out;

  g->n = n;
  g->big_ = 1;
  g->off = roff;
  roff = NULL;
  /* Merged duplicates leave unused room at the end of adj and w; it is only
   * worth a copy when it is large. */
  if ((size_t)out < na / 2) {
    size_t nout = (size_t)(out > 0 ? out : 1);
    int32_t *a2 = socap_big_alloc(sizeof *a2 * nout);
    double *w2 = socap_big_alloc(sizeof *w2 * nout);
    if (a2 && w2) {
      memcpy(a2, sadj, sizeof *a2 * (size_t)out);
      memcpy(w2, sw, sizeof *w2 * (size_t)out);
      socap_big_free(sadj);
      socap_big_free(sw);
      sadj = a2;
      sw = w2;
    } else {
      socap_big_free(a2);
      socap_big_free(w2);
    }
  }
  g->adj = sadj;
  g->w = sw;
  sadj = NULL;
  sw = NULL;
  if (group) {
    rc = count_groups(g, n, group);
    if (rc) {
      socap_graph_free(g);
      goto cleanup;
    }
  }

cleanup:
  socap_big_free(roff);
  socap_big_free(pos);
  socap_big_free(radj);
  socap_big_free(rw);
  socap_big_free(sadj);
  socap_big_free(sw);
  return rc;
}
