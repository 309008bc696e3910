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
 * @return SOCAP_OK or SOCAP_ERUNTIME. Free with socap_node_metrics_free()
 * only: the arrays are not from malloc (large ones are on huge pages), so
 * they must not be passed to free() or realloc() one by one.
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

/** Vector levels of socap_set_simd_level. */
enum { SOCAP_SIMD_SCALAR = 0, SOCAP_SIMD_AVX2 = 1, SOCAP_SIMD_AVX512 = 2 };

/**
 * Use the vector forms of socap's inner loops (the metric pass's walk over
 * neighbour lists, maintenance's per-tie update, judging's first random
 * blocks) that the CPU has (the default: AVX-512 where there is one, else
 * AVX2), or their portable scalar twins (@p enable = 0). All forms give
 * bit-identical results; this exists so that tests can compare them.
 * Returns 1 if a vector form is now in use. Call it before computing or
 * stepping, not while a model steps or metrics are being computed.
 */
int socap_set_simd(int enable);

/**
 * As socap_set_simd, with the highest level to use: SOCAP_SIMD_SCALAR,
 * SOCAP_SIMD_AVX2 or SOCAP_SIMD_AVX512 (capped at what the CPU has).
 * Returns the level now in use.
 */
int socap_set_simd_level(int max_level);

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

/**
 * An edge list read from a file, with node labels. Exactly one of @p label
 * (integer ids, HDF5 input) and @p name (text ids) is set.
 */
typedef struct {
  int32_t n;      /**< nodes (distinct ids) */
  int64_t m;      /**< edges as read (self loops and duplicates included) */
  int64_t *label; /**< integer ids: original id of node i, ascending; NULL for text ids */
  char **name;    /**< text ids: original id of node i, ascending byte order (strcmp); NULL for integer ids */
  char *name_buf; /**< storage of the @p name strings (owned, one block) */
  int32_t *src;   /**< m endpoints, node indices 0..n-1 */
  int32_t *dst;   /**< m endpoints */
  double *w;      /**< m weights (1 when the file has none) */
  int64_t *line;  /**< m source line numbers (CSV) or row numbers (HDF5), for messages */
  int32_t *group; /**< n group ids from the simulator's /agents table, or NULL */
  char ids_note[192]; /**< SOCAP_IDS_AUTO found text ids: where ("file:line: field F: 'x' is not an integer"); else "" */
} socap_edgelist;

/** Free the arrays of @p el. Safe on a zeroed struct. */
void socap_edgelist_free(socap_edgelist *el);

/** How the node ids of a CSV edge list are read. */
typedef enum {
  SOCAP_IDS_AUTO = 0, /**< integer if every id field of the file is one, else text */
  SOCAP_IDS_INT = 1,  /**< non-negative integers, remapped in ascending numeric order */
  SOCAP_IDS_TEXT = 2  /**< any non-empty strings, remapped in ascending byte order */
} socap_id_mode;

/** Whether the first data line of a CSV edge list is a header. */
typedef enum {
  SOCAP_HEADER_DETECT = 0, /**< integer ids: a header if its first field is not an integer; text ids: an error */
  SOCAP_HEADER_YES = 1,    /**< always a header (skipped unread) */
  SOCAP_HEADER_NO = 2      /**< always data */
} socap_header_mode;

/** Options of socap_edgelist_read_csv_opts(). Initialise with socap_edgelist_opts_default(). */
typedef struct {
  socap_id_mode ids;        /**< id mode (default SOCAP_IDS_AUTO) */
  socap_header_mode header; /**< header rule (default SOCAP_HEADER_DETECT) */
  int64_t extra_nodes;      /**< > 0: also declare integer ids 0..extra_nodes-1 (integer ids only) */
} socap_edgelist_opts;

/** Set @p o to the defaults: auto ids, detected header, no extra nodes. */
void socap_edgelist_opts_default(socap_edgelist_opts *o);

/**
 * Read an edge list CSV: lines `src,dst[,weight]` or `id` (declares a node,
 * possibly isolated). Blank lines and lines starting with `#` are skipped;
 * the first remaining line is a header if its first field is not an integer.
 * Ids are non-negative integers (up to INT64_MAX) and are remapped to
 * 0..n-1 in ascending id order; @p extra_nodes > 0 also declares ids
 * 0..extra_nodes-1. Weights must be finite and > 0. This is
 * socap_edgelist_read_csv_opts() with SOCAP_IDS_INT and SOCAP_HEADER_DETECT.
 * @return SOCAP_OK, SOCAP_EIO (cannot open/read) or SOCAP_ECONFIG (bad line;
 * the message names file:line).
 */
int socap_edgelist_read_csv(const char *path, int64_t extra_nodes, socap_edgelist *el);

/**
 * Read an edge list CSV with integer or text ids (docs/metrics.md, "socap
 * metrics"). Lines are `src,dst[,weight]` or `id`; fields are trimmed of
 * spaces and tabs and may be quoted as in RFC 4180 (`"Smith, J."`, `""` for
 * a quote; a quoted field cannot span lines). With SOCAP_IDS_AUTO the ids
 * are integers if every id field (after the header rule) is one, else text;
 * the file is then read a second time, so it must be seekable. Integer ids
 * fill el->label exactly as socap_edgelist_read_csv() does; text ids fill
 * el->name, remapped to 0..n-1 in ascending byte order (strcmp). With text
 * ids, SOCAP_HEADER_DETECT is an error naming the first data line (a header
 * cannot be told from data), and o->extra_nodes > 0 is an error. @p o may
 * be NULL (defaults).
 * @return SOCAP_OK, SOCAP_EIO, SOCAP_ECONFIG (bad line or options; the
 * message names file:line and the field) or SOCAP_ERUNTIME (out of memory).
 */
int socap_edgelist_read_csv_opts(const char *path, const socap_edgelist_opts *o, socap_edgelist *el);

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
 * snapshot, anything else is a CSV edge list (integer ids, as
 * socap_edgelist_read_csv()).
 */
int socap_edgelist_read(const char *spec, int64_t extra_nodes, socap_edgelist *el);

/**
 * As socap_edgelist_read(), with the CSV options @p o (NULL: defaults). For
 * an HDF5 snapshot only o->extra_nodes is used: its ids are agent ids.
 */
int socap_edgelist_read_opts(const char *spec, const socap_edgelist_opts *o, socap_edgelist *el);

/**
 * Read a group assignment CSV (`id,group` lines, optional header, `#`
 * comments) for the nodes of @p el into @p group (el->n entries). Every node
 * must be listed; group ids are non-negative integers. Integer ids (el->label):
 * the first line is a header if its first field is not an integer, and ids
 * that are not nodes of @p el are ignored. Text ids (el->name): ids are
 * matched as strings, the first line is a header if its group field is not
 * an integer, and an id that is not a node is an error naming file:line.
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
 * [--samples K] [--seed S] [--groups G.csv] [--nodes N]
 * [--ids int|text|auto] [--header|--no-header] [--force] [--quiet]
 * [--timing]`.
 * @return an exit code (socap_status).
 */
int socap_metrics_main(int argc, char **argv);

#ifdef __cplusplus
}
#endif
#endif
