/**
 * @file params.h
 * @brief The socap parameter structs and the single parameter table.
 *
 * One table (socap_param_table) is the single source of truth for every
 * scalar parameter: its dotted name, type, default, range, unit and doc.
 * It drives YAML parsing, validation, `socap params`, `--set`, and the
 * parameters written into the HDF5 provenance.
 *
 * Names are dotted paths as they appear in YAML:
 *   - `seed`, `model.lambda`, `population.n_agents`, `output.record_every`
 *   - `strategies.<name>.<field>` : per-strategy fields; the table holds one
 *     template row with the name `strategies.*.<field>`.
 *   - `cohorts.<k>.<field>` : per-cohort fields (k = 0-based index); the table
 *     holds one template row with the name `cohorts.*.<field>`.
 */
#ifndef SOCAP_PARAMS_H
#define SOCAP_PARAMS_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define SOCAP_MAX_STRATEGIES 16 /**< built-in presets plus user-defined ones */
#define SOCAP_MAX_COHORTS 16
#define SOCAP_NAME_LEN 32       /**< fixed-length names (incl. NUL) */
#define SOCAP_N_LAYERS 4        /**< Dunbar layer thresholds */
#define SOCAP_MAX_SNAPSHOTS 64  /**< network snapshot steps */

/** Reserved strategy name: /timeseries uses it for its all-agents row. */
#define SOCAP_STRATEGY_ALL "all"

/** Largest expected number of event meetings, introductions or
    reactivations per agent and step (fraction * propensity * time_budget /
    cost) a scenario may ask for; checked by socap_params_check_each(), see
    docs/ODD.md section 3.5. */
#define SOCAP_MAX_ACTIONS_PER_STEP 10000.0

/** Order in which dormant ties are revived. */
typedef enum {
  SOCAP_REACT_PEAK = 0,   /**< highest peak strength first */
  SOCAP_REACT_RANDOM = 1, /**< uniformly random order */
  SOCAP_REACT_RECENT = 2  /**< most recently active first */
} socap_react_order;

/** How group sizes are drawn. */
typedef enum {
  SOCAP_GROUPS_EQUAL = 0,    /**< round(N/group_size) groups whose sizes differ by at most one */
  SOCAP_GROUPS_POISSON = 1,  /**< sizes 1 + Poisson(group_size - 1) */
  SOCAP_GROUPS_LOGNORMAL = 2 /**< lognormal with mean group_size and sd group_size_sd */
} socap_group_dist;

/** A networking strategy: fractions of spent time plus judging parameters. */
typedef struct {
  char name[SOCAP_NAME_LEN];
  double explore;         /**< fraction of spent time meeting strangers at events */
  double maintain;        /**< fraction keeping active ties warm */
  double reactivate;      /**< fraction reconnecting dormant ties */
  double broker;          /**< fraction introducing contacts to each other */
  double selectivity;     /**< acceptance quantile in [0,1]; 0 = accept all */
  double focus;           /**< exponent gamma of maintenance split w^gamma */
  int reactivation_order; /**< socap_react_order */
  int defined;            /**< 1 when this slot holds a strategy */
} socap_strategy;

/** A cohort: one entry of the configured population. */
typedef struct {
  char name[SOCAP_NAME_LEN];
  char strategy_name[SOCAP_NAME_LEN]; /**< resolved to strategy index */
  int strategy;                       /**< index into socap_params.strategies */
  double share;                       /**< share of the population, sums to 1 */
  double time_budget;                 /**< weekly hours T */
  double skill;                       /**< s in (0,1] */
  double propensity;                  /**< fraction of T actually spent, in [0,1] */
} socap_cohort;

/** Room for a scenario's name (the top-level `name:` key), NUL included. */
#define SOCAP_SCENARIO_NAME_LEN 64

/** All parameters of one scenario (one task). Plain data; copy freely. */
typedef struct {
  /* run */
  char name[SOCAP_SCENARIO_NAME_LEN]; /**< the scenario's `name:`, a label ("" if none) */
  uint64_t seed;   /**< master seed */
  int steps;       /**< number of steps (weeks) */
  /* population */
  int n_agents;         /**< N */
  int group_size;       /**< mean group size */
  int group_dist;       /**< socap_group_dist */
  double group_size_sd; /**< sd for lognormal sizes */
  /* model */
  double mu_in;          /**< Poisson mean of within-group work encounters per step */
  double mu_out;         /**< Poisson mean of cross-group work encounters per step */
  double cost_meet;      /**< hours per event meeting */
  double cost_intro;     /**< hours per introduction */
  double cost_react;     /**< hours per reactivation */
  double w0;             /**< starting strength of a new tie */
  double w_intro;        /**< starting strength of an introduced tie */
  double w_react;        /**< minimum strength of a revived tie */
  double rho;            /**< revived strength as fraction of peak */
  double gratitude;      /**< strength gained by broker's ties on an introduction */
  double homophily;      /**< value bonus h for a same-group contact */
  double value_noise;    /**< sd of Gaussian noise on contact value */
  double quantile_rate;  /**< learning rate of the per-agent acceptance quantile */
  int intro_cross_group; /**< 1: introductions prefer pairs from different groups */
  double tau;            /**< maintenance time constant (hours) */
  double half_life;      /**< decay half-life in steps; lambda = ln 2 / half_life */
  double theta_dormant;  /**< strength below which a tie goes dormant */
  int dunbar_limit;      /**< max active ties per agent */
  int dormant_limit;     /**< max dormant ties per agent */
  int info_items;        /**< information items seeded per step */
  double p_pass;         /**< pass probability per unit strength */
  int info_hops;         /**< max hops of a cascade */
  double p_leave;        /**< turnover probability per agent per step */
  /* output */
  int record_every;                 /**< record aggregates every k steps */
  double layers[SOCAP_N_LAYERS];    /**< strength thresholds of the Dunbar layers */
  int n_snapshots;                  /**< number of network snapshot steps */
  int snapshots[SOCAP_MAX_SNAPSHOTS]; /**< steps at which /network is written */
  int agents_history;               /**< 1: write /agents_history panel */
  /* metrics */
  int betweenness;         /**< 1: compute betweenness */
  int betweenness_samples; /**< pivots; exact when >= N or 0 */
  /* strategies and cohorts */
  int n_strategies;
  socap_strategy strategies[SOCAP_MAX_STRATEGIES];
  int n_cohorts;
  socap_cohort cohorts[SOCAP_MAX_COHORTS];
} socap_params;

/** Types of table rows. */
typedef enum {
  SOCAP_PT_INT = 0,    /**< int (stored in an int field) */
  SOCAP_PT_U64 = 1,    /**< uint64_t (seed) */
  SOCAP_PT_DOUBLE = 2, /**< double */
  SOCAP_PT_BOOL = 3,   /**< int 0/1; YAML true/false */
  SOCAP_PT_ENUM = 4,   /**< int; YAML one of the names in `choices` */
  SOCAP_PT_STRING = 5, /**< char[SOCAP_NAME_LEN] */
  SOCAP_PT_DLIST = 6,  /**< fixed-size double list (layers) */
  SOCAP_PT_ILIST = 7   /**< variable int list with count field (snapshots) */
} socap_ptype;

/** Where a row's value lives. */
typedef enum {
  SOCAP_PS_GLOBAL = 0,   /**< offset into socap_params */
  SOCAP_PS_STRATEGY = 1, /**< offset into socap_strategy */
  SOCAP_PS_COHORT = 2    /**< offset into socap_cohort */
} socap_pscope;

/** One row of the parameter table. */
typedef struct {
  const char *name;    /**< dotted name; `*` stands for strategy name / cohort index */
  socap_ptype type;
  socap_pscope scope;
  size_t offset;       /**< offsetof within the scope struct */
  double def;          /**< default (numeric types; enum: index) */
  double min, max;     /**< inclusive range (numeric types) */
  const char *unit;    /**< unit, "1" for dimensionless */
  const char *doc;     /**< one-line meaning */
  const char *choices; /**< enum: comma-separated names, index = value */
  int list_len;        /**< DLIST: fixed length; ILIST: max length */
  size_t count_offset; /**< ILIST: offset of the int count field */
} socap_param_def;

/** The parameter table, terminated by a row with name == NULL. */
extern const socap_param_def socap_param_table[];

/** Number of rows in socap_param_table. */
size_t socap_param_count(void);

/** Find a table row by exact (template) name; NULL if absent. */
const socap_param_def *socap_param_find(const char *name);

/**
 * Fill @p p with all defaults: the global defaults from the table, the six
 * strategy presets (broad_active, selective_active, broad_dormant,
 * selective_dormant, broker, passive) and a default cohort mix using them.
 */
void socap_params_default(socap_params *p);

/** Index of strategy @p name in @p p, or -1. */
int socap_params_strategy_index(const socap_params *p, const char *name);

/** Decay rate lambda = ln 2 / half_life. */
double socap_params_lambda(const socap_params *p);

/**
 * Check cross-field rules (fractions sum to 1, shares sum to 1, cohorts name
 * existing strategies, group sizes fit N, w0 < w_intro, no strategy named
 * SOCAP_STRATEGY_ALL, at most SOCAP_MAX_ACTIONS_PER_STEP expected actions
 * per agent and step, ...). Resolves each
 * cohort's strategy index. On failure writes a message naming the
 * parameter into @p err (size @p errlen) and returns non-zero.
 */
int socap_params_check(socap_params *p, char *err, size_t errlen);

/** Callback receiving one cross-field violation (see socap_params_check_each). */
typedef void (*socap_params_error_fn)(void *ctx, const char *param, const char *msg);

/**
 * Check every rule of socap_params_check() (plus each table row's range) and
 * report every violation, not just the first, through @p fn (may be NULL)
 * with the full dotted parameter name ("strategies.broker", "cohorts.2.name",
 * "model.w_intro") and a message. Resolves each cohort's strategy index
 * (-1 when unknown). Returns the number of violations (0 = valid).
 */
int socap_params_check_each(socap_params *p, socap_params_error_fn fn, void *ctx);

#ifdef __cplusplus
}
#endif
#endif
