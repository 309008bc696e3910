/**
 * @file graph.h
 * @brief A read-only weighted undirected graph in CSR form.
 *
 * This is the input of every metric: the simulation builds one from its
 * active ties at a recording step, and `socap metrics` builds one from an
 * edge list. Each undirected edge {u,v} appears twice (u->v and v->u) with
 * the same weight. Neighbour lists are sorted ascending, with no self loops
 * and no duplicates.
 */
#ifndef SOCAP_GRAPH_H
#define SOCAP_GRAPH_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** CSR graph. The owner of the arrays is whoever filled the struct. */
typedef struct {
  int32_t n;        /**< number of nodes */
  int64_t *off;     /**< n+1 offsets into adj/w */
  int32_t *adj;     /**< neighbour ids, sorted ascending per node */
  double *w;        /**< edge weights (> 0), symmetric */
  int32_t *group;   /**< group id per node, or NULL (diversity metrics then 0) */
  int32_t n_groups; /**< number of distinct group ids (0 if group == NULL) */
  int32_t big_;     /**< internal: nonzero if the library allocated the arrays on huge pages */
} socap_graph;

/**
 * Build a graph from an edge list (u[i], v[i], w[i]), i < m. Self loops are
 * dropped; duplicate edges keep the sum of their weights; w may be NULL
 * (all weights 1). @p group may be NULL; it is copied. On success the caller
 * owns @p g and frees it with socap_graph_free().
 * @return SOCAP_OK, or an error code (SOCAP_ECONFIG for ids outside 0..n-1
 * or non-positive weights).
 */
int socap_graph_from_edges(socap_graph *g, int32_t n, int64_t m, const int32_t *u, const int32_t *v,
                           const double *w, const int32_t *group);

/** Free the arrays of a graph built by this library; g itself is not freed. */
void socap_graph_free(socap_graph *g);

/** Degree of node i. */
static inline int32_t socap_graph_degree(const socap_graph *g, int32_t i) {
  return (int32_t)(g->off[i + 1] - g->off[i]);
}

#ifdef __cplusplus
}
#endif
#endif
