/**
 * @file model.h
 * @brief The socap agent-based model: population, ties, and one step.
 *
 * A socap_model holds one simulation (one task). It has no global state, so
 * a program may run many models at once. All randomness comes from streams
 * keyed by (seed, task, agent, step, purpose) (see rng.h), and every phase in
 * which agents touch each other is split into a parallel proposal phase and a
 * deterministic resolution, so results do not depend on the thread count.
 */
#ifndef SOCAP_MODEL_H
#define SOCAP_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include "socap/graph.h"
#include "socap/params.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Origin of a tie. */
typedef enum {
  SOCAP_ORIGIN_WORK = 0,  /**< work encounter (step 1) */
  SOCAP_ORIGIN_EVENT = 1, /**< event meeting (step 2) */
  SOCAP_ORIGIN_INTRO = 2, /**< introduction by a broker (step 3) */
  SOCAP_ORIGIN_REACT = 3  /**< revived dormant tie (step 4) */
} socap_origin;

/** Tie states as written to /network. */
typedef enum { SOCAP_TIE_DORMANT = 0, SOCAP_TIE_ACTIVE = 1 } socap_tie_state;

/** Event counters. */
typedef struct {
  int64_t formed[4];     /**< new or revived ties by origin (socap_origin) */
  int64_t proposals;     /**< encounters and requests judged */
  int64_t rejected;      /**< proposals rejected by either side */
  int64_t went_dormant;  /**< ties that went dormant (decay or displacement) */
  int64_t displaced;     /**< of which displaced at capacity */
  int64_t revived;       /**< dormant ties revived (= formed[REACT]) */
  int64_t forgotten;     /**< dormant ties forgotten (dormant limit or turnover) */
  int64_t left;          /**< agents replaced by turnover */
  int64_t info_received; /**< first receipts of information items */
  int64_t ended_by_turnover; /**< active ties that ended because one end left (turnover) */
} socap_counters;

/**
 * One agent's information counters. They are kept in one 32-byte record per
 * agent because the information flow updates all of them at once (adding a
 * step's receipts) and reads the group with them: one cache line instead of
 * five.
 */
typedef struct {
  uint32_t window;         /**< items first received since the last recording */
  uint32_t total;          /**< items first received in total */
  uint32_t outside;        /**< of total, items from another group's origin */
  uint32_t outside_window; /**< of window, from another group */
  uint64_t hops;           /**< hops travelled summed over total */
  int32_t group;           /**< the agent's group id (a copy of group[], read with the counters) */
  uint32_t reserved;
} socap_info_counts;

/** Per-agent state visible to recorders and tests (arrays of length N). */
typedef struct {
  int32_t n;
  const int32_t *group;      /**< group id */
  const int32_t *cohort;     /**< cohort index */
  const int32_t *strategy;   /**< strategy index */
  const socap_info_counts *info; /**< information counters */
} socap_agents_view;

/** One tie as seen from one end, for tests and exports. */
typedef struct {
  int32_t nbr;
  double w;      /**< strength at the model's current step (decay applied) */
  double peak;   /**< peak strength */
  int32_t last;  /**< step of the last update */
  int state;     /**< socap_tie_state */
  int origin;    /**< socap_origin */
} socap_tie_info;

/** A simulation. */
typedef struct socap_model socap_model;

/**
 * Create a model for @p p (checked with socap_params_check by the caller) and
 * task id @p task (0 for a single run). The model copies @p p.
 * @return SOCAP_OK or an error code; *out is owned by the caller (socap_model_free).
 */
int socap_model_create(const socap_params *p, uint64_t task, socap_model **out);

/** Free a model. Safe with NULL. */
void socap_model_free(socap_model *m);

/** Advance one step (all nine phases). The first step is step 1. */
int socap_model_step(socap_model *m);

/** Steps done so far. */
int socap_model_t(const socap_model *m);

/** The model's parameters. */
const socap_params *socap_model_params(const socap_model *m);

/** Per-agent arrays. */
socap_agents_view socap_model_agents(const socap_model *m);

/** Counters: cumulative (since step 0) and of the last step. */
void socap_model_counters(const socap_model *m, socap_counters *total, socap_counters *last_step);

/** Reset the per-agent information window counters (called after recording). */
void socap_model_reset_window(socap_model *m);

/** Number of active and dormant ties of agent @p i. */
void socap_model_degree(const socap_model *m, int32_t i, int32_t *active, int32_t *dormant);

/**
 * Copy agent @p i's ties into @p out (capacity @p cap), sorted by neighbour.
 * @return the number of ties of i (may exceed cap; then only cap are copied).
 */
int32_t socap_model_ties(const socap_model *m, int32_t i, socap_tie_info *out, int32_t cap);

/**
 * Build the graph of active ties with strengths at the current step. Group ids
 * are included. The caller owns @p g (socap_graph_free).
 */
int socap_model_graph(const socap_model *m, socap_graph *g);

/**
 * Check the tie-store invariants: sorted, no self ties, no duplicates, limits
 * respected, both ends agree on strength, peak, step, state and origin, and
 * counts match. Returns 0 if all hold, else writes the first violation.
 */
int socap_model_check(const socap_model *m, char *err, size_t errlen);

/** Bytes allocated for ties (capacity, both ends) and per-agent state. */
size_t socap_model_memory(const socap_model *m);

/**
 * Release the buffers a step keeps for the next one (the proposals: about
 * 100 bytes per agent). Call before a memory-hungry final record; the next
 * step, if any, makes them again.
 */
void socap_model_trim(socap_model *m);

/**
 * Free the tie store (most of the model's memory) once it is no longer
 * needed: after the last step's graph has been built (socap_model_graph).
 * Counts, groups, strategies and information counters stay readable; tie
 * queries then see no ties, and socap_model_step fails.
 */
void socap_model_release_ties(socap_model *m);

/** Phases of a step, for the wall-clock timers of socap_model_phase_times. */
enum {
  SOCAP_PHASE_PROPOSE,  /**< steps 1-4: encounters, events, introductions, reactivation requests */
  SOCAP_PHASE_JUDGE,    /**< step 5a: values and draws, in parallel */
  SOCAP_PHASE_RESOLVE,  /**< step 5b: serial resolution in agent order */
  SOCAP_PHASE_MAINTAIN, /**< steps 6-7: maintenance and decay */
  SOCAP_PHASE_INFO,     /**< step 8: information flow */
  SOCAP_PHASE_TURNOVER, /**< step 9: turnover */
  SOCAP_PHASE_LAYOUT,   /**< repacking tie lists in agent order (memory layout only) */
  SOCAP_N_PHASES
};

/** Wall-clock seconds spent in each phase over all steps so far. */
void socap_model_phase_times(const socap_model *m, double out[SOCAP_N_PHASES]);

/**
 * Test hooks: insert an active tie (i,j) with strength @p w at the current
 * step, bypassing decisions; set both ends' strength and step.
 */
int socap_model_test_add_tie(socap_model *m, int32_t i, int32_t j, double w, int origin);

/**
 * Test hook: proposals per chunk of the judge-and-resolve phase (default
 * 2048; small values make the judging threads and the resolving thread
 * hand over chunks often), and as many agents per chunk of the proposal
 * phase (default 1024; small values make many chunks, taken by the threads
 * in any order). Returns 0, or SOCAP_ERUNTIME if memory for the chunk
 * table runs out (the sizes are then unchanged). Results do not depend on
 * it.
 */
int socap_model_test_chunk(socap_model *m, int32_t chunk);

/**
 * Test hook: proposing and judging read the tie store instead of the packed
 * neighbour lists (and judging runs before the resolution, not alongside
 * it). Results do not depend on it.
 */
void socap_model_test_no_packed(socap_model *m);

/**
 * Test hook: judging computes the values of every proposal, instead of
 * leaving those that decide nothing at that point for the resolution to
 * compute if it needs them. Results do not depend on it.
 */
void socap_model_test_eager_values(socap_model *m);

/** Test hook: proposals whose values the resolution computed (late). */
int64_t socap_model_test_late_values(const socap_model *m);

/**
 * Test hook: how many blocks of the tie store (16,384 agents each) have been
 * repacked so far, and in *parallel (if not NULL) how many of those in
 * rounds that ran on more than one thread.
 */
int64_t socap_model_test_repacks(const socap_model *m, int64_t *parallel);

#ifdef __cplusplus
}
#endif
#endif
