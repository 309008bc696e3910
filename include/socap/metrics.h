/**
 * @file metrics.h
 * @brief Social-capital metrics of a weighted undirected graph.
 *
 * Per-node metrics (degree, strength, support, Burt's constraint, effective
 * size and efficiency, local clustering, two-step reach, group diversity and,
 * optionally, betweenness) and global ones (mean degree, transitivity,
 * components, the Onnela overlap-strength relation). Conventions (isolates,
 * degree < 2, weights, hop-count betweenness) are documented in
 * docs/metrics.md.
 *
 * Every result is a pure function of the graph (and, for sampled
 * betweenness, the seed): values are bit-identical for any thread count.
 *
 * The second half of the header is the I/O used by `socap metrics`: reading
 * an edge list (CSV, or a socap HDF5 `/network` snapshot) and writing node
 * tables (CSV or HDF5).
 */
#ifndef SOCAP_METRICS_H
#define SOCAP_METRICS_H

#include "socap/graph.h"

#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Options of socap_metrics_nodes(). Initialise with socap_metrics_opts_default(). */
typedef struct {
  int betweenness;             /**< nonzero: compute betweenness (off by default) */
  int64_t betweenness_samples; /**< number of sampled source pivots K; 0 or >= n means exact */
  uint64_t seed;               /**< seed of the pivot sample (socap Philox stream, purpose SOCAP_RNG_METRICS) */
  int threads;                 /**< OpenMP threads; 0 = the OpenMP default */
} socap_metrics_opts;

/** Set @p o to the defaults: no betweenness, exact if enabled, seed 1, default threads. */
void socap_metrics_opts_default(socap_metrics_opts *o);

/** Per-node metrics; every array has n entries, indexed by node. */
typedef struct {
  int32_t n;           /**< number of nodes */
  int32_t *degree;     /**< number of ties */
  double *strength;    /**< sum of tie weights */
  double *support;     /**< sum of squared tie weights */
  double *constraint;  /**< Burt's constraint (igraph convention); NaN for isolates */
  double *eff_size;    /**< Burt's effective size (NetworkX weighted form); NaN for isolates */
  double *efficiency;  /**< eff_size / degree; NaN for isolates */
  double *clustering;  /**< unweighted local clustering; NaN if degree < 2 */
  int32_t *reach2;     /**< distinct nodes within two hops, excluding the node */
  int32_t *n_groups;   /**< distinct groups among neighbours (0 without groups) */
  double *blau;        /**< Blau index of neighbours' groups; NaN for isolates, 0 without groups */
  double *betweenness; /**< hop-count betweenness, undirected (igraph scale); NULL if off */
} socap_node_metrics;

/**
 * Allocate the arrays of @p m for @p n nodes (betweenness only if
 * @p with_betweenness). On failure nothing is left allocated.
 * @return SOCAP_OK or SOCAP_ERUNTIME. Free with socap_node_metrics_free().
 */
int socap_node_metrics_alloc(socap_node_metrics *m, int32_t n, int with_betweenness);

/** Free the arrays of @p m (not @p m itself). Safe on a zeroed struct. */
void socap_node_metrics_free(socap_node_metrics *m);

/**
 * Compute all per-node metrics of @p g into @p m, which must have been
 * allocated for g->n nodes (with a betweenness array iff o->betweenness).
 * Constraint, effective size, clustering and reach2 come from one pass over
 * each node's two-step neighbourhood; nodes are processed in parallel with
 * per-thread workspaces. @p o may be NULL (defaults).
 * @return SOCAP_OK, SOCAP_ECONFIG (size mismatch) or SOCAP_ERUNTIME.
 */
int socap_metrics_nodes(const socap_graph *g, const socap_metrics_opts *o, socap_node_metrics *m);

/**
 * Betweenness alone into @p out (n doubles): Brandes' algorithm on hop
 * counts, exact over all sources divided by 2 (igraph's undirected scale), or
 * estimated from K = o->betweenness_samples pivots drawn without replacement
 * and scaled by n/K. Sources are summed in fixed blocks in block order, so the
 * result does not depend on the thread count.
 */
int socap_metrics_betweenness(const socap_graph *g, const socap_metrics_opts *o, double *out);

/** Number of strength bins of the overlap-strength relation. */
#define SOCAP_OVERLAP_BINS 10

/** Global metrics of a graph. */
typedef struct {
  int32_t n_nodes;           /**< nodes */
  int64_t n_edges;           /**< undirected edges */
  double mean_degree;        /**< 2 n_edges / n_nodes (NaN if no nodes) */
  double transitivity;       /**< 3 x triangles / connected triples; NaN without triples */
  int32_t largest_component; /**< nodes in the largest connected component */
  int32_t n_components;      /**< connected components, isolates included */
  int64_t overlap_edges;     /**< edges with a defined overlap (not both ends of degree 1) */
  /** Mean neighbourhood overlap per strength decile (bin 0 = weakest); NaN if empty. */
  double overlap_by_decile[SOCAP_OVERLAP_BINS];
} socap_global_metrics;

/**
 * Compute the global metrics of @p g. @p threads as in socap_metrics_opts
 * (0 = default); the result does not depend on it.
 * @return SOCAP_OK or SOCAP_ERUNTIME.
 */
int socap_metrics_global(const socap_graph *g, int threads, socap_global_metrics *out);

/**
 * Node and global metrics together: the same results as
 * socap_metrics_nodes() and socap_metrics_global(), but the common-neighbour
 * counts of the node pass are reused for transitivity and overlap, which
 * saves a second walk over every two-step neighbourhood. @p gm may be NULL.
 */
int socap_metrics_compute(const socap_graph *g, const socap_metrics_opts *o, socap_node_metrics *m,
                          socap_global_metrics *gm);

/**
 * Use the AVX-512 form of the metric pass's inner loop (the walk over
 * neighbour lists) when the CPU has it (the default), or its portable
 * scalar twin (@p enable = 0). Both give bit-identical results; this exists
 * so that tests can compare them. Returns 1 if the vector form is now in
 * use. Call it before computing, not while metrics are being computed.
 */
int socap_set_simd(int enable);

/**
 * Neighbourhood overlap of every edge, O_ij = n_ij / ((k_i-1) + (k_j-1) - n_ij)
 * with n_ij common neighbours, in CSR order (entry a of g->adj gets
 * ov[a]; both directions hold the same value). Edges whose ends both have
 * degree 1 (0/0) get NaN. @p ov has g->off[n] entries.
 */
int socap_metrics_overlap(const socap_graph *g, int threads, double *ov);

/* ------------------------------------------------------------------------ */
/* I/O for `socap metrics`                                                  */
/* ------------------------------------------------------------------------ */

/** An edge list read from a file, with node labels. */
typedef struct {
  int32_t n;      /**< nodes (distinct ids) */
  int64_t m;      /**< edges as read (self loops and duplicates included) */
  int64_t *label; /**< original id of node i, ascending */
  int32_t *src;   /**< m endpoints, node indices 0..n-1 */
  int32_t *dst;   /**< m endpoints */
  double *w;      /**< m weights (1 when the file has none) */
  int64_t *line;  /**< m source line numbers (CSV) or row numbers (HDF5), for messages */
  int32_t *group; /**< n group ids from the simulator's /agents table, or NULL */
} socap_edgelist;

/** Free the arrays of @p el. Safe on a zeroed struct. */
void socap_edgelist_free(socap_edgelist *el);

/**
 * Read an edge list CSV: lines `src,dst[,weight]` or `id` (declares a node,
 * possibly isolated). Blank lines and lines starting with `#` are skipped;
 * the first remaining line is a header if its first field is not an integer.
 * Ids are non-negative integers (up to INT64_MAX) and are remapped to
 * 0..n-1 in ascending id order; @p extra_nodes > 0 also declares ids
 * 0..extra_nodes-1. Weights must be finite and > 0.
 * @return SOCAP_OK, SOCAP_EIO (cannot open/read) or SOCAP_ECONFIG (bad line;
 * the message names file:line).
 */
int socap_edgelist_read_csv(const char *path, int64_t extra_nodes, socap_edgelist *el);

/**
 * Read active ties from a socap HDF5 file. @p object is either a group with
 * equal-length datasets src, dst, w and state (one snapshot), or
 * `TABLE/step_N` or `TABLE/task_T/step_N` selecting the rows of a table with
 * step (and task) columns, such as the simulator's `/network` table
 * (`/network/step_000052`). The task may be omitted when the selected step
 * holds one task only. Only rows with state == 1 (active) are kept; weights
 * must be finite and > 0. Node ids are agent ids, used as they are (labels
 * 0..n-1). n is the number of agents of the task in the file's `/agents`
 * table (whose `group` column also fills el->group), else an integer
 * attribute `n_agents` or `n_nodes` of the group or the root, else
 * max id + 1; @p extra_nodes raises n.
 */
int socap_edgelist_read_h5(const char *path, const char *group, int64_t extra_nodes, socap_edgelist *el);

/**
 * Read either input form: `FILE.h5:/group/path` (or .hdf5) is an HDF5
 * snapshot, anything else is a CSV edge list.
 */
int socap_edgelist_read(const char *spec, int64_t extra_nodes, socap_edgelist *el);

/**
 * Read a group assignment CSV (`id,group` lines, optional header, `#`
 * comments) for the nodes of @p el into @p group (el->n entries). Every node
 * must be listed; group ids are non-negative integers.
 */
int socap_groups_read_csv(const char *path, const socap_edgelist *el, int32_t *group);

/**
 * Write the node table as CSV (header line; NaN written as `NaN`; doubles
 * with 17 significant digits) to @p path via @p path.part and an atomic
 * rename. Fails with SOCAP_EIO if @p path exists and @p force is 0.
 * @p label may be NULL (ids 0..n-1).
 */
int socap_metrics_write_csv(const char *path, int force, const int64_t *label, const socap_node_metrics *m);

/**
 * Write the node table to HDF5 @p path as table `/nodes` (column `id` first,
 * int32 if every label fits, else int64) and, if @p gm is not NULL, a
 * one-row table `/global`. @p source is recorded as an attribute (may be
 * NULL). Uses the durable writer of h5out.h.
 */
int socap_metrics_write_h5(const char *path, int force, const char *source, const int64_t *label,
                           const socap_node_metrics *m, const socap_global_metrics *gm);

/** Print the global metrics as `key value` lines (17 significant digits). */
void socap_metrics_global_print(FILE *f, const socap_global_metrics *gm);

/**
 * The `socap metrics` subcommand; argv[0] is "metrics".
 * `metrics EDGES -o OUT.h5|OUT.csv [--threads N] [--betweenness]
 * [--samples K] [--seed S] [--groups G.csv] [--nodes N] [--force] [--quiet]
 * [--timing]`.
 * @return an exit code (socap_status).
 */
int socap_metrics_main(int argc, char **argv);

#ifdef __cplusplus
}
#endif
#endif
