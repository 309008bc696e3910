/**
 * @file sweep.h
 * @brief Parameter sweeps: designs, task ids and seeds, batch files, resume, merge.
 *
 * A sweep file is a scenario plus a `sweep:` block (see docs/sweeps.md):
 *
 * @code{.yaml}
 * sweep:
 *   replicates: 10
 *   design: grid                  # grid | list | lhs | sobol
 *   axes:
 *     strategies.broker.selectivity: [0.0, 0.25, 0.5]
 *     model.half_life: {range: [4, 52], steps: 5, log: true}
 * @endcode
 *
 * Tasks: task = point * replicates + replicate; the task's seed is
 * socap_sweep_seed(master seed, point, replicate). Both depend only on the
 * design, never on how the sweep is split over threads, shards or ranks.
 *
 * Output: a directory of batch files `batch-TAG-SEQ.h5`, each written as
 * `.part` and renamed when complete, holding /design, /failures, the run
 * tables (with the `task` column) and /provenance; plus `sweep.yaml`, the
 * resolved scenario and design. socap_sweep_merge() joins them.
 *
 * Nothing here keeps global state. HDF5 is only called from one thread at a
 * time (tasks are computed with capture recorders, see run.h).
 */
#ifndef SOCAP_SWEEP_H
#define SOCAP_SWEEP_H

#include <signal.h>
#include <stdint.h>
#include <stdio.h>

#include "socap/config.h"
#include "socap/params.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Design kinds. */
typedef enum {
  SOCAP_DESIGN_GRID = 0,  /**< Cartesian product of the axes' values (first axis varies slowest) */
  SOCAP_DESIGN_LIST = 1,  /**< explicit points */
  SOCAP_DESIGN_LHS = 2,   /**< Latin hypercube of n points */
  SOCAP_DESIGN_SOBOL = 3  /**< first n points of GSL's Sobol sequence */
} socap_design_kind;

#define SOCAP_SWEEP_MAX_AXES 40 /**< gsl_qrng_sobol supports up to 40 dimensions */
#define SOCAP_SWEEP_MSG_LEN 256 /**< fixed length of /failures/message */

/** A loaded sweep: base scenario, axes and the materialised design. */
typedef struct socap_sweep socap_sweep;

/**
 * Load a sweep file: the scenario (with @p nsets `--set` overrides) and its
 * `sweep:` block. Every problem is reported in @p errs with file:line:col
 * and the parameter; unknown axis names get a "did you mean".
 * @return SOCAP_OK (then *out is owned by the caller: socap_sweep_free),
 *         SOCAP_ECONFIG, SOCAP_EIO or SOCAP_ERUNTIME.
 */
int socap_sweep_load(const char *path, const char *const *sets, int nsets, socap_sweep **out,
                     socap_config_errors *errs);

/** Like socap_sweep_load() from YAML text; @p name is used in messages. */
int socap_sweep_load_string(const char *text, const char *name, socap_sweep **out, socap_config_errors *errs);

/** Free a sweep. NULL is allowed. */
void socap_sweep_free(socap_sweep *sw);

socap_design_kind socap_sweep_design(const socap_sweep *sw); /**< design kind */
int64_t socap_sweep_n_points(const socap_sweep *sw);          /**< design points */
int socap_sweep_replicates(const socap_sweep *sw);            /**< replicates per point */
int64_t socap_sweep_n_tasks(const socap_sweep *sw);           /**< points * replicates */
int socap_sweep_n_axes(const socap_sweep *sw);                /**< swept parameters */
const char *socap_sweep_axis_name(const socap_sweep *sw, int axis); /**< dotted parameter name */
/** 1 if the axis is stored as an int32 column in /design (int, bool, enum, or a code into `values`). */
int socap_sweep_axis_is_int(const socap_sweep *sw, int axis);
const socap_params *socap_sweep_base(const socap_sweep *sw); /**< the resolved base scenario */

/**
 * Value of @p axis at @p point as stored in /design: the number for numeric
 * parameters (rounded for integers), 0/1 for booleans, the choice index for
 * enums, and the index into the axis's value list for strings and lists.
 * NaN (or -1) when a listed value cannot be read as the parameter's type;
 * such a point fails per task.
 */
double socap_sweep_value(const socap_sweep *sw, int64_t point, int axis);

/** The value as YAML text, as applied with `--set NAME=TEXT`. Returns @p buf. */
const char *socap_sweep_value_text(const socap_sweep *sw, int64_t point, int axis, char *buf, size_t len);

/** Task seed: hash of (master seed, point, replicate), 53 bits so it is exact as a double. */
uint64_t socap_sweep_seed(uint64_t master, int64_t point, int64_t replicate);

/** Seed of @p task of @p sw. */
uint64_t socap_sweep_task_seed(const socap_sweep *sw, int64_t task);

/**
 * The parameters of @p task: the base scenario, every axis value applied as
 * `--set` would, the task seed, then the cross-field check. On failure
 * returns SOCAP_ECONFIG and writes "PARAM: message" into @p err.
 */
int socap_sweep_task_params(const socap_sweep *sw, int64_t task, socap_params *p, char *err, size_t errlen);

/** Design hash (16 hex digits) of the resolved scenario and sweep block. */
const char *socap_sweep_hash(const socap_sweep *sw);

/** The resolved sweep as YAML (scenario + canonical sweep block); written to DIR/sweep.yaml. */
const char *socap_sweep_yaml(const socap_sweep *sw);

/** Print counts and the first @p rows design rows (the `--dry-run` output). */
void socap_sweep_print(const socap_sweep *sw, FILE *f, int rows);

/** Progress: tasks finished (done + failed) so far, of which failed, out of total. */
typedef void (*socap_sweep_progress_fn)(void *ctx, int64_t finished, int64_t failed, int64_t total);

/** Options of a sweep run. */
typedef struct {
  const char *dir;        /**< output directory (created if missing) */
  int shard, nshards;     /**< run tasks with task % nshards == shard - 1 (1-based shard) */
  const char *tag;        /**< batch file tag; NULL: "<shard>of<nshards>" */
  int resume;             /**< 1: skip tasks already in finished batch files */
  int batch_tasks;        /**< close a batch after this many tasks (<= 0: 200) */
  double batch_seconds;   /**< ... or this many seconds after it was opened (<= 0: 300) */
  int threads;            /**< OpenMP threads (<= 0: omp_get_max_threads()) */
  int ranks;              /**< for provenance */
  const char *command;    /**< for provenance */
  socap_sweep_progress_fn progress; /**< may be NULL */
  void *progress_ctx;
  volatile sig_atomic_t *stop; /**< if non-NULL and set: hand out no more tasks, close the batch, return */
} socap_sweep_opts;

/** Fill @p o with defaults (shard 1 of 1, no resume). */
void socap_sweep_opts_default(socap_sweep_opts *o);

/** Summary of a run (or of a directory scan). */
typedef struct {
  int64_t total;       /**< tasks of this shard */
  int64_t skipped;     /**< already finished in DIR (resume) */
  int64_t prev_failed; /**< of which failed */
  int64_t done;        /**< completed now */
  int64_t failed;      /**< failed now */
  int stopped;         /**< 1 if opts.stop ended the run early */
  double task_seconds; /**< time spent computing tasks (model + metrics), summed over threads */
  double wall_seconds; /**< wall time of socap_sweep_execute() */
  double task_cpu_seconds; /**< CPU time of the threads computing tasks, summed */
  double cpu_seconds;  /**< CPU time of the process during socap_sweep_execute() */
  char failures[512];  /**< the first failures, "task N: message; ..." */
} socap_sweep_result;

/**
 * Prepare @p o->dir for this sweep: create it, refuse a directory of another
 * sweep (design hash) or unrelated files (SOCAP_ECONFIG), refuse existing
 * results of this shard without @p o->resume (SOCAP_ECONFIG, nothing is
 * changed), remove this tag's stale `.part` files, write sweep.yaml, and
 * list the tasks still to do in *pending (malloc'ed, ascending; caller frees).
 */
int socap_sweep_prepare(const socap_sweep *sw, const socap_sweep_opts *o, int64_t **pending, int64_t *npending,
                        socap_sweep_result *res);

/** Source of tasks for socap_sweep_execute: 1 and *task set, or 0 when there are no more. */
typedef int (*socap_sweep_next_fn)(void *ctx, int64_t *task);

/**
 * Run the tasks handed out by @p next (always called from one thread at a
 * time) with OpenMP over tasks when there are at least as many tasks as
 * threads, writing batch files tagged @p o->tag. Failing tasks are recorded
 * in /failures and counted in @p res; the return value is non-zero only for
 * errors that stop the sweep (I/O).
 */
int socap_sweep_execute(const socap_sweep *sw, const socap_sweep_opts *o, int64_t ntasks_hint,
                        socap_sweep_next_fn next, void *ctx, socap_sweep_result *res);

/** socap_sweep_prepare() then socap_sweep_execute() over the pending tasks. */
int socap_sweep_run(const socap_sweep *sw, const socap_sweep_opts *o, socap_sweep_result *res);

#ifdef SOCAP_HAVE_MPI
/**
 * socap_sweep_run() over MPI ranks (MPI must be initialised with at least
 * MPI_THREAD_SERIALIZED). Rank 0 prepares the directory and hands out tasks
 * one at a time on request; every other rank runs them (OpenMP over tasks
 * inside the rank) and writes its own batch files tagged r<rank>of<size>.
 * With one rank this is socap_sweep_run(). On rank 0, @p res sums all ranks;
 * on the others res->total is -1.
 */
int socap_sweep_run_mpi(const socap_sweep *sw, const socap_sweep_opts *o, socap_sweep_result *res);
#endif

/** Result of a merge. */
typedef struct {
  int nbatches;
  int64_t n_tasks;    /**< tasks of the sweep */
  int64_t present;    /**< tasks found (done or failed) */
  int64_t failed;     /**< of which failed */
  int64_t duplicates; /**< tasks found in more than one batch (kept once) */
  char missing[512];  /**< the first missing task ids */
} socap_sweep_merge_result;

/**
 * Merge the batch files of @p dir into @p out (written as .part and renamed;
 * an existing @p out needs @p force): every table, rows ordered by task id,
 * so the result does not depend on sharding or interruptions. All batches
 * must share one design hash (SOCAP_ECONFIG otherwise).
 */
int socap_sweep_merge(const char *dir, const char *out, int force, const char *command,
                      socap_sweep_merge_result *res);

#ifdef __cplusplus
}
#endif
#endif
