/**
 * @file run.h
 * @brief Running a model and recording it into HDF5 tables.
 *
 * A recorder owns the output tables of one HDF5 file (/timeseries, /global,
 * /agents, optional /agents_history and /network). It can record many tasks
 * into the same file (sweeps); every row carries a `task` column. The layout
 * is documented in docs/schema.md.
 */
#ifndef SOCAP_RUN_H
#define SOCAP_RUN_H

#include <hdf5.h>
#include <stdint.h>
#include <stdio.h>

#include "socap/model.h"
#include "socap/params.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Version of the HDF5 layout written (root attribute `socap_schema_version`). */
#define SOCAP_SCHEMA_VERSION "1.1"

/** Per-agent metric columns, in the order used by /agents and /timeseries. */
typedef enum {
  SOCAP_M_DEGREE = 0,
  SOCAP_M_STRENGTH,
  SOCAP_M_N_DORMANT,
  SOCAP_M_LAYER5,
  SOCAP_M_LAYER15,
  SOCAP_M_LAYER50,
  SOCAP_M_LAYER150,
  SOCAP_M_CONSTRAINT,
  SOCAP_M_EFF_SIZE,
  SOCAP_M_EFFICIENCY,
  SOCAP_M_CLUSTERING,
  SOCAP_M_REACH2,
  SOCAP_M_N_GROUPS,
  SOCAP_M_BLAU,
  SOCAP_M_SUPPORT,
  SOCAP_M_INFO_WINDOW,
  SOCAP_M_INFO_TOTAL,
  SOCAP_M_INFO_OUTSIDE_SHARE,
  SOCAP_M_BETWEENNESS,
  SOCAP_M_COUNT
} socap_metric_id;

/** Name, units and description of metric @p k. */
const char *socap_metric_name(int k);
const char *socap_metric_units(int k);
const char *socap_metric_doc(int k);

/** Progress callback: @p done of @p total units (steps or tasks). */
typedef void (*socap_progress_fn)(void *ctx, int64_t done, int64_t total);

/** A recorder writing tables into an open HDF5 location. */
typedef struct socap_recorder socap_recorder;

/**
 * Metrics callback: the recorder is about to compute the network metrics
 * (constraint, effective size, clustering, reach2, ...) of step @p step of
 * @p steps, for @p n_agents agents. Their cost grows with the agents times
 * their mean degree squared: at a million agents they take tens of
 * seconds, with no progress call in between.
 */
typedef void (*socap_metrics_fn)(void *ctx, int step, int steps, int64_t n_agents);

/** Have @p fn (NULL: nothing) called with @p ctx before every record's network metrics. */
void socap_recorder_on_metrics(socap_recorder *rec, socap_metrics_fn fn, void *ctx);

/**
 * Create the tables under @p root for scenarios shaped like @p p (strategy
 * codebook, snapshot and history options are taken from it).
 * *out is owned by the caller (socap_recorder_close).
 */
int socap_recorder_open(hid_t root, const socap_params *p, socap_recorder **out);

/**
 * socap_recorder_open() for a file that will hold about @p tasks_hint tasks
 * (sweep batches): chunks are sized for that many rows, up to the defaults,
 * instead of the defaults, which are large for a few small tasks. Same data.
 */
int socap_recorder_open_sized(hid_t root, const socap_params *p, int64_t tasks_hint, socap_recorder **out);

/**
 * Create a recorder for scenarios shaped like @p p that keeps every row in
 * memory instead of writing HDF5 (it makes no HDF5 call at all). Sweeps use
 * one per task so that tasks can run on many threads while the HDF5 library,
 * which is not thread-safe, is only used by one thread at a time
 * (socap_recorder_transfer). *out is owned by the caller (socap_recorder_close).
 */
int socap_recorder_open_capture(const socap_params *p, socap_recorder **out);

/**
 * Append the rows captured by @p src (from socap_recorder_open_capture) to
 * the HDF5 tables of @p dst (from socap_recorder_open, same scenario shape),
 * then clear @p src. Calls HDF5: one thread at a time.
 */
int socap_recorder_transfer(socap_recorder *src, socap_recorder *dst);

/** Drop the rows captured so far (e.g. of a task that failed half-way). No-op for HDF5 recorders. */
void socap_recorder_clear(socap_recorder *rec);

/**
 * Run task @p task of scenario @p p to the end, recording into @p rec.
 * @p progress may be NULL. Returns SOCAP_OK or an error code.
 */
int socap_recorder_run(socap_recorder *rec, const socap_params *p, uint64_t task, socap_progress_fn progress,
                       void *ctx);

/** Print the final per-strategy summary of the last recorded task. */
void socap_recorder_print_summary(const socap_recorder *rec, FILE *f);

/**
 * Print where the wall-clock time of the runs so far went: the model's
 * phases (socap_model_phase_times) and the records (metrics, statistics,
 * table rows). One line, for the end of `socap run`.
 */
void socap_recorder_print_timing(const socap_recorder *rec, FILE *f);

/** Flush and close all tables; free @p rec. Safe with NULL. */
int socap_recorder_close(socap_recorder *rec);

/** Provenance fields filled by the caller. */
typedef struct {
  const char *config_text; /**< resolved YAML */
  const char *command;     /**< command line */
  const char *start_time;  /**< ISO 8601 UTC */
  const char *end_time;    /**< ISO 8601 UTC */
  const char *kind;        /**< "run" or "sweep" */
  int threads;
  int ranks;
  uint64_t seed;
} socap_provenance;

/** Write the /provenance group (version, commit, compiler, libraries, host, ...). */
int socap_write_provenance(hid_t root, const socap_provenance *pv);

/** Current UTC time as ISO 8601 into @p buf (at least 32 bytes). */
void socap_now_iso(char *buf, size_t len);

/** Library version string and git commit. */
const char *socap_version(void);
const char *socap_git_commit(void);

#ifdef __cplusplus
}
#endif
#endif
