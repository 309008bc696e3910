/* Running a model and recording it: per-agent metrics, per-strategy
 * aggregates, global measures, network snapshots and provenance. */
#include "socap/run.h"

#include <gsl/gsl_statistics_double.h>
#include <gsl/gsl_version.h>
#include <math.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "socap/error.h"
#include "socap/h5out.h"
#include "socap/metrics.h"
#include "socap/rng.h"
#include "bigmem.h"
#include "sort.h"

#ifndef SOCAP_VERSION
#define SOCAP_VERSION "0.0.0"
#endif
#ifdef SOCAP_HAVE_GIT_HEADER
#include "socap_git.h" /* written at build time by scripts/git_commit.cmake */
#endif
#ifndef SOCAP_GIT_COMMIT
#define SOCAP_GIT_COMMIT "unknown"
#endif

const char *socap_version(void) { return SOCAP_VERSION; }
const char *socap_git_commit(void) { return SOCAP_GIT_COMMIT; }

static const struct {
  const char *name, *units, *doc;
} metric_info[SOCAP_M_COUNT] = {
    {"degree", "tie", "active ties"},
    {"strength", "1", "sum of active tie strengths"},
    {"n_dormant", "tie", "dormant ties"},
    {"layer5", "tie", "active ties with strength >= output.layers[0]"},
    {"layer15", "tie", "active ties with strength >= output.layers[1]"},
    {"layer50", "tie", "active ties with strength >= output.layers[2]"},
    {"layer150", "tie", "active ties with strength >= output.layers[3]"},
    {"constraint", "1", "Burt constraint, weighted (igraph convention); NaN for isolates"},
    {"eff_size", "1", "Burt effective size, weighted (NetworkX form); NaN for isolates"},
    {"efficiency", "1", "effective size / degree; NaN for isolates"},
    {"clustering", "1", "local clustering, unweighted; NaN if degree < 2"},
    {"reach2", "agent", "distinct agents within two hops over active ties"},
    {"n_groups", "group", "distinct groups among active contacts"},
    {"blau", "1", "Blau index of contacts' groups, 1 - sum p_g^2; NaN for isolates"},
    {"support", "1", "sum of squared active tie strengths (bonding capital)"},
    {"info_window", "item", "items first received since the previous recorded step"},
    {"info_total", "item", "items first received since step 0 (or since joining)"},
    {"info_outside_share", "1", "share of info_total whose origin is in another group; NaN if none"},
    {"betweenness", "1", "hop-count betweenness (Brandes; sampled if configured); NaN when off"},
};

const char *socap_metric_name(int k) { return metric_info[k].name; }
const char *socap_metric_units(int k) { return metric_info[k].units; }
const char *socap_metric_doc(int k) { return metric_info[k].doc; }

static const char *stat_names[5] = {"mean", "sd", "p10", "p50", "p90"};

/* Counters written to /global (cumulative since step 0). */
#define N_GLOBAL_COUNTERS 13
static const char *global_counter_names[N_GLOBAL_COUNTERS] = {
    "formed_work", "formed_event", "formed_intro", "formed_react", "proposals", "rejected", "went_dormant",
    "displaced", "revived", "forgotten", "left", "info_received", "n_dormant_ties"};

/* A table the recorder writes: an HDF5 table or, in capture mode, an
 * in-memory copy of the rows that socap_recorder_transfer() later appends to
 * an HDF5 table. Capture mode makes no HDF5 call, so tasks can be computed on
 * many threads while the (not thread-safe) HDF5 library is used by one. */
typedef struct {
  int on;                /* the table exists */
  socap_table *h5;       /* HDF5 mode */
  int ncols;             /* capture mode: */
  socap_coltype *types;
  unsigned char **col;   /* per column, cap rows */
  size_t rows, cap;      /* finished rows; the current row is at index rows */
  int err;
} rtable;

static size_t rt_size(socap_coltype t) {
  return t == SOCAP_COL_I64 || t == SOCAP_COL_F64 ? 8 : t == SOCAP_COL_U8 ? 1 : 4;
}

static int rt_init_capture(rtable *t, const socap_colspec *cols, int ncols) {
  memset(t, 0, sizeof *t);
  t->on = 1;
  t->ncols = ncols;
  t->types = malloc((size_t)ncols * sizeof *t->types);
  t->col = calloc((size_t)ncols, sizeof *t->col);
  if (!t->types || !t->col) return SOCAP_ERROR(SOCAP_ERUNTIME, "out of memory");
  for (int c = 0; c < ncols; c++) t->types[c] = cols[c].type;
  return SOCAP_OK;
}

static void rt_free(rtable *t) {
  if (t->col)
    for (int c = 0; c < t->ncols; c++) free(t->col[c]);
  free(t->col);
  free(t->types);
  memset(t, 0, sizeof *t);
}

/* Make room for @p need rows in capture mode (doubling). */
static int rt_reserve(rtable *t, size_t need) {
  if (t->err) return t->err;
  if (need <= t->cap) return SOCAP_OK;
  size_t ncap = t->cap ? t->cap : 256;
  while (ncap < need) ncap *= 2;
  for (int c = 0; c < t->ncols; c++) {
    unsigned char *b = realloc(t->col[c], ncap * rt_size(t->types[c]));
    if (!b) return t->err = SOCAP_ERROR(SOCAP_ERUNTIME, "out of memory for captured rows");
    t->col[c] = b;
  }
  t->cap = ncap;
  return SOCAP_OK;
}

/* Make room for the current row (index rows). */
static int rt_room(rtable *t) { return rt_reserve(t, t->rows + 1); }

#define RT_SETTER(suffix, ctype)                                         \
  static void rt_##suffix(rtable *t, int c, ctype v) {                   \
    if (t->h5) { socap_table_set_##suffix(t->h5, c, v); return; }        \
    if (rt_room(t)) return;                                              \
    memcpy(t->col[c] + t->rows * sizeof v, &v, sizeof v);                \
  }
RT_SETTER(i32, int32_t)
RT_SETTER(i64, int64_t)
RT_SETTER(f64, double)
RT_SETTER(u8, uint8_t)
#undef RT_SETTER

static int rt_next_row(rtable *t) {
  if (t->h5) return socap_table_next_row(t->h5);
  if (rt_room(t)) return t->err;
  t->rows++;
  return SOCAP_OK;
}

struct socap_recorder {
  hid_t root;
  int n_strategies;
  char strategy_names[SOCAP_MAX_STRATEGIES + 1][SOCAP_NAME_LEN];
  int capture; /* 1: rows are kept in memory (socap_recorder_open_capture) */
  int64_t tasks_hint; /* expected tasks per file, to size chunks (0: default chunks) */
  rtable ts, glob, agents, hist, net;
  /* final per-strategy means of the last task, for the summary */
  int have_summary;
  int64_t sum_n[SOCAP_MAX_STRATEGIES + 1];
  double sum_mean[SOCAP_MAX_STRATEGIES + 1][SOCAP_M_COUNT];
  int last_step;
  /* wall-clock seconds: model phases, records (all tasks run so far) */
  double t_phase[SOCAP_N_PHASES], t_steps, t_record;
  double t_metrics, t_stats; /* parts of t_record; the rest is table rows */
  int64_t n_records;
  socap_metrics_fn on_metrics; /* called before each record's metrics, or NULL */
  void *on_metrics_ctx;
};

/* Per-agent values of one recorded step. */
typedef struct {
  int32_t n;
  double *v[SOCAP_M_COUNT];
} agent_values;

static void values_free(agent_values *a) {
  for (int k = 0; k < SOCAP_M_COUNT; k++) socap_big_free(a->v[k]);
}

static int values_alloc(agent_values *a, int32_t n) {
  memset(a, 0, sizeof *a);
  a->n = n;
  for (int k = 0; k < SOCAP_M_COUNT; k++)
    if (!(a->v[k] = socap_big_alloc((size_t)(n ? n : 1) * sizeof(double)))) {
      values_free(a);
      return SOCAP_ERROR(SOCAP_ERUNTIME, "out of memory for per-agent metrics");
    }
  return SOCAP_OK;
}

/* ---- table layout -------------------------------------------------------- */

/* Attach a `codebook` attribute (code -> name) to the column dataset at @p path. */
static int set_codebook(hid_t root, const char *path, const char *const *names, int n) {
  hid_t d = H5Oopen(root, path, H5P_DEFAULT);
  if (d < 0) return SOCAP_ERROR(SOCAP_EIO, "cannot open %s", path);
  int rc = socap_h5_attr_strlist(d, "codebook", names, n);
  H5Oclose(d);
  return rc;
}

static int make_strategy_codebook(hid_t root, const char *path, socap_recorder *r, int with_all) {
  const char *names[SOCAP_MAX_STRATEGIES + 1];
  int n = r->n_strategies + (with_all ? 1 : 0);
  for (int k = 0; k < n; k++) names[k] = r->strategy_names[k];
  return set_codebook(root, path, names, n);
}

/* Create table @p name: an HDF5 table, or only the column layout in capture mode. */
static int rt_create(socap_recorder *r, const char *name, const char *desc, const socap_colspec *cols, int ncols,
                     size_t chunk_rows, rtable *out) {
  if (r->capture) return rt_init_capture(out, cols, ncols);
  memset(out, 0, sizeof *out);
  int rc = socap_table_create(r->root, name, desc, cols, ncols, chunk_rows, &out->h5);
  out->on = rc == SOCAP_OK;
  return rc;
}

/* Chunk length for a table with about @p rows_per_task rows per task: the
 * default, or (with a tasks hint) about the rows the file will hold, so a
 * small sweep batch does not allocate and compress mostly empty chunks. */
static size_t chunk_for(const socap_recorder *r, double rows_per_task, size_t deflt) {
  if (deflt == 0) deflt = 65536;
  if (r->tasks_hint <= 0) return deflt;
  double v = rows_per_task * (double)r->tasks_hint;
  if (v < 256) v = 256;
  return v < (double)deflt ? (size_t)v : deflt;
}

/* Metrics stored as int32 columns (counts); the others are float64. */
static int is_int_metric(int k) {
  return k == SOCAP_M_DEGREE || k == SOCAP_M_N_DORMANT || (k >= SOCAP_M_LAYER5 && k <= SOCAP_M_LAYER150) ||
         k == SOCAP_M_REACH2 || k == SOCAP_M_N_GROUPS || k == SOCAP_M_INFO_WINDOW || k == SOCAP_M_INFO_TOTAL;
}

static int table_with_agents_cols(socap_recorder *r, const char *name, const char *desc, int with_step, size_t chunk,
                                  rtable *out) {
  socap_colspec cols[6 + SOCAP_M_COUNT + 2];
  int c = 0;
  cols[c++] = (socap_colspec){"task", SOCAP_COL_I32, "1", "task id (0 for a single run)"};
  if (with_step) cols[c++] = (socap_colspec){"step", SOCAP_COL_I32, "step", "recorded step"};
  cols[c++] = (socap_colspec){"agent", SOCAP_COL_I32, "1", "agent id 0..N-1"};
  cols[c++] = (socap_colspec){"group", SOCAP_COL_I32, "1", "organisational group id"};
  cols[c++] = (socap_colspec){"cohort", SOCAP_COL_I32, "1", "cohort code (codebook attribute)"};
  cols[c++] = (socap_colspec){"strategy", SOCAP_COL_I32, "1", "strategy code (codebook attribute)"};
  for (int k = 0; k < SOCAP_M_COUNT; k++)
    cols[c++] = (socap_colspec){metric_info[k].name, is_int_metric(k) ? SOCAP_COL_I32 : SOCAP_COL_F64,
                                metric_info[k].units, metric_info[k].doc};
  cols[c++] = (socap_colspec){"info_hops_mean", SOCAP_COL_F64, "hop", "mean hops travelled by items received; NaN if none"};
  return rt_create(r, name, desc, cols, c, chunk, out);
}

static int recorder_open(hid_t root, int capture, int64_t tasks_hint, const socap_params *p, socap_recorder **out) {
  *out = NULL;
  socap_recorder *r = calloc(1, sizeof *r);
  if (!r) return SOCAP_ERROR(SOCAP_ERUNTIME, "out of memory");
  r->root = root;
  r->capture = capture;
  r->tasks_hint = tasks_hint;
  double records = (double)p->steps / p->record_every + 1;
  r->n_strategies = p->n_strategies;
  for (int k = 0; k < p->n_strategies; k++) snprintf(r->strategy_names[k], SOCAP_NAME_LEN, "%s", p->strategies[k].name);
  snprintf(r->strategy_names[p->n_strategies], SOCAP_NAME_LEN, "all");
  int rc;
  /* /timeseries */
  {
    int ncol = 4 + 5 * SOCAP_M_COUNT;
    socap_colspec *cols = calloc((size_t)ncol, sizeof *cols);
    char (*names)[48] = calloc((size_t)ncol, 48);
    char (*docs)[160] = calloc((size_t)ncol, 160);
    if (!cols || !names || !docs) { free(cols); free(names); free(docs); rc = SOCAP_ERROR(SOCAP_ERUNTIME, "out of memory"); goto fail; }
    int c = 0;
    cols[c++] = (socap_colspec){"task", SOCAP_COL_I32, "1", "task id (0 for a single run)"};
    cols[c++] = (socap_colspec){"step", SOCAP_COL_I32, "step", "recorded step"};
    cols[c++] = (socap_colspec){"strategy", SOCAP_COL_I32, "1", "strategy code (codebook attribute); the last code is 'all'"};
    cols[c++] = (socap_colspec){"n_agents", SOCAP_COL_I32, "agent", "agents following the strategy"};
    for (int k = 0; k < SOCAP_M_COUNT; k++)
      for (int s = 0; s < 5; s++) {
        snprintf(names[c], 48, "%s_%s", metric_info[k].name, stat_names[s]);
        snprintf(docs[c], 160, "%s of %s over agents (NaN values excluded)", stat_names[s], metric_info[k].name);
        cols[c] = (socap_colspec){names[c], SOCAP_COL_F64, metric_info[k].units, docs[c]};
        c++;
      }
    rc = rt_create(r, "timeseries", "per recorded step and strategy: aggregates of per-agent metrics", cols,
                            c, chunk_for(r, (p->n_strategies + 1) * records, 4096), &r->ts);
    free(cols); free(names); free(docs);
    if (rc) goto fail;
    if (!capture && (rc = make_strategy_codebook(root, "timeseries/strategy", r, 1))) goto fail;
  }
  /* /global */
  {
    socap_colspec cols[8 + N_GLOBAL_COUNTERS + SOCAP_OVERLAP_BINS + 1];
    char names[SOCAP_OVERLAP_BINS][24];
    int c = 0;
    cols[c++] = (socap_colspec){"task", SOCAP_COL_I32, "1", "task id"};
    cols[c++] = (socap_colspec){"step", SOCAP_COL_I32, "step", "recorded step"};
    cols[c++] = (socap_colspec){"mean_degree", SOCAP_COL_F64, "tie", "mean number of active ties"};
    cols[c++] = (socap_colspec){"transitivity", SOCAP_COL_F64, "1", "global transitivity of active ties (unweighted)"};
    cols[c++] = (socap_colspec){"largest_component", SOCAP_COL_I32, "agent", "size of the largest connected component"};
    cols[c++] = (socap_colspec){"n_components", SOCAP_COL_I32, "1", "connected components, isolates included"};
    cols[c++] = (socap_colspec){"n_active_ties", SOCAP_COL_I64, "tie", "active ties"};
    for (int k = 0; k < N_GLOBAL_COUNTERS; k++)
      cols[c++] = (socap_colspec){global_counter_names[k], SOCAP_COL_I64, k == 12 ? "tie" : "1",
                                  k == 12 ? "dormant ties" : "cumulative count since step 0"};
    for (int b = 0; b < SOCAP_OVERLAP_BINS; b++) {
      snprintf(names[b], sizeof names[b], "overlap_d%02d", b + 1);
      cols[c++] = (socap_colspec){names[b], SOCAP_COL_F64, "1",
                                  "mean neighbourhood overlap of active ties in this strength decile (1 = weakest)"};
    }
    /* schema 1.1: added at the end of the table, as the change policy asks */
    cols[c++] = (socap_colspec){"ended_by_turnover", SOCAP_COL_I64, "1",
                                "cumulative count since step 0: active ties that ended because one end left "
                                "(turnover); dormant ones count in forgotten"};
    if ((rc = rt_create(r, "global", "per recorded step: network-wide measures and event counts", cols, c,
                        chunk_for(r, records, 4096), &r->glob)))
      goto fail;
  }
  if ((rc = table_with_agents_cols(r, "agents", "per agent: metrics at the final step", 0,
                                    chunk_for(r, p->n_agents, 0), &r->agents))) goto fail;
  if (!capture && (rc = make_strategy_codebook(root, "agents/strategy", r, 0))) goto fail;
  if (p->agents_history) {
    if ((rc = table_with_agents_cols(r, "agents_history", "per agent and recorded step: metrics", 1,
                                    chunk_for(r, p->n_agents * records, 0), &r->hist)))
      goto fail;
    if (!capture && (rc = make_strategy_codebook(root, "agents_history/strategy", r, 0))) goto fail;
  }
  if (p->n_snapshots > 0) {
    socap_colspec cols[] = {
        {"task", SOCAP_COL_I32, "1", "task id"},
        {"step", SOCAP_COL_I32, "step", "snapshot step"},
        {"src", SOCAP_COL_I32, "1", "agent id (src < dst; each tie once)"},
        {"dst", SOCAP_COL_I32, "1", "agent id"},
        {"w", SOCAP_COL_F64, "1", "strength at the snapshot step"},
        {"peak", SOCAP_COL_F64, "1", "peak strength"},
        {"state", SOCAP_COL_U8, "1", "0 dormant, 1 active"},
        {"origin", SOCAP_COL_U8, "1", "0 work, 1 event, 2 introduction, 3 reactivation"},
        {"last", SOCAP_COL_I32, "step", "step of the last update"},
    };
    if ((rc = rt_create(r, "network", "tie snapshots at output.snapshots steps", cols, 9,
                        chunk_for(r, 8.0 * p->n_agents * p->n_snapshots, 0), &r->net)))
      goto fail;
    static const char *const states[] = {"dormant", "active"};
    static const char *const origins[] = {"work", "event", "introduction", "reactivation"};
    if (!capture && ((rc = set_codebook(root, "network/state", states, 2)) ||
                     (rc = set_codebook(root, "network/origin", origins, 4))))
      goto fail;
  }
  if (!capture) {
    /* cohort codebooks */
    const char *cn[SOCAP_MAX_COHORTS];
    for (int k = 0; k < p->n_cohorts; k++) cn[k] = p->cohorts[k].name;
    if ((rc = set_codebook(root, "agents/cohort", cn, p->n_cohorts))) goto fail;
    if (r->hist.on && (rc = set_codebook(root, "agents_history/cohort", cn, p->n_cohorts))) goto fail;
  }
  *out = r;
  return SOCAP_OK;
fail:
  socap_recorder_close(r);
  return rc ? rc : SOCAP_EIO;
}

int socap_recorder_open(hid_t root, const socap_params *p, socap_recorder **out) {
  return recorder_open(root, 0, 0, p, out);
}

int socap_recorder_open_sized(hid_t root, const socap_params *p, int64_t tasks_hint, socap_recorder **out) {
  return recorder_open(root, 0, tasks_hint, p, out);
}

int socap_recorder_open_capture(const socap_params *p, socap_recorder **out) {
  return recorder_open(H5I_INVALID_HID, 1, 0, p, out);
}

int socap_recorder_transfer(socap_recorder *src, socap_recorder *dst) {
  if (!src || !dst || !src->capture || dst->capture)
    return SOCAP_ERROR(SOCAP_ERUNTIME, "socap_recorder_transfer: needs a capture and an HDF5 recorder");
  rtable *s[5] = {&src->ts, &src->glob, &src->agents, &src->hist, &src->net};
  rtable *d[5] = {&dst->ts, &dst->glob, &dst->agents, &dst->hist, &dst->net};
  int rc = SOCAP_OK;
  for (int k = 0; k < 5 && !rc; k++) {
    if (s[k]->err) rc = s[k]->err;
    else if (s[k]->rows && !d[k]->h5)
      rc = SOCAP_ERROR(SOCAP_ERUNTIME, "socap_recorder_transfer: tables of different shapes");
    else if (s[k]->rows)
      rc = socap_table_append(d[k]->h5, s[k]->rows, (const void *const *)s[k]->col);
  }
  socap_recorder_clear(src);
  return rc;
}

void socap_recorder_clear(socap_recorder *r) {
  if (!r || !r->capture) return;
  rtable *tabs[5] = {&r->ts, &r->glob, &r->agents, &r->hist, &r->net};
  for (int k = 0; k < 5; k++) {
    tabs[k]->rows = 0;
    tabs[k]->err = 0;
  }
}

int socap_recorder_close(socap_recorder *r) {
  if (!r) return SOCAP_OK;
  int rc = 0;
  rtable *tabs[5] = {&r->ts, &r->glob, &r->agents, &r->hist, &r->net};
  for (int k = 0; k < 5; k++) {
    rc |= socap_table_close(tabs[k]->h5);
    rt_free(tabs[k]);
  }
  free(r);
  return rc ? SOCAP_EIO : SOCAP_OK;
}

/* ---- computing a record --------------------------------------------------- */

/* @p last: nothing reads the model's ties after this record (the last step,
 * no snapshot at it): they are freed once the graph is built, which lowers
 * the peak memory of the final metrics by the size of the tie store. */
static int compute_values(socap_model *m, agent_values *a, socap_global_metrics *gm, int last) {
  const socap_params *p = socap_model_params(m);
  socap_graph g;
  socap_node_metrics nm;
  int rc = socap_model_graph(m, &g);
  if (rc) return rc;
  if (last) socap_model_release_ties(m);
  if ((rc = socap_node_metrics_alloc(&nm, g.n, p->betweenness))) { socap_graph_free(&g); return rc; }
  socap_metrics_opts o;
  socap_metrics_opts_default(&o);
  o.betweenness = p->betweenness;
  o.betweenness_samples = p->betweenness_samples;
  o.seed = socap_hash_combine(p->seed, (uint64_t)socap_model_t(m));
  if ((rc = gm ? socap_metrics_compute(&g, &o, &nm, gm) : socap_metrics_nodes(&g, &o, &nm))) goto done;
  socap_agents_view av = socap_model_agents(m);
  int32_t n = g.n;
#pragma omp parallel for schedule(dynamic, 1024)
  for (int32_t i = 0; i < n; i++) {
    int32_t act, dor;
    socap_model_degree(m, i, &act, &dor);
    int32_t lay[SOCAP_N_LAYERS] = {0};
    for (int64_t e = g.off[i]; e < g.off[i + 1]; e++)
      for (int l = 0; l < SOCAP_N_LAYERS; l++) lay[l] += g.w[e] >= p->layers[l];
    a->v[SOCAP_M_DEGREE][i] = nm.degree[i];
    a->v[SOCAP_M_STRENGTH][i] = nm.strength[i];
    a->v[SOCAP_M_N_DORMANT][i] = dor;
    for (int l = 0; l < SOCAP_N_LAYERS; l++) a->v[SOCAP_M_LAYER5 + l][i] = lay[l];
    a->v[SOCAP_M_CONSTRAINT][i] = nm.constraint[i];
    a->v[SOCAP_M_EFF_SIZE][i] = nm.eff_size[i];
    a->v[SOCAP_M_EFFICIENCY][i] = nm.efficiency[i];
    a->v[SOCAP_M_CLUSTERING][i] = nm.clustering[i];
    a->v[SOCAP_M_REACH2][i] = nm.reach2[i];
    a->v[SOCAP_M_N_GROUPS][i] = nm.n_groups[i];
    a->v[SOCAP_M_BLAU][i] = nm.blau[i];
    a->v[SOCAP_M_SUPPORT][i] = nm.support[i];
    a->v[SOCAP_M_INFO_WINDOW][i] = av.info[i].window;
    a->v[SOCAP_M_INFO_TOTAL][i] = av.info[i].total;
    a->v[SOCAP_M_INFO_OUTSIDE_SHARE][i] = av.info[i].total ? (double)av.info[i].outside / av.info[i].total : NAN;
    a->v[SOCAP_M_BETWEENNESS][i] = nm.betweenness ? nm.betweenness[i] : NAN;
  }
done:
  socap_node_metrics_free(&nm);
  socap_graph_free(&g);
  return rc;
}

/* mean, sample sd, and type-7 quantiles (numpy's default) of the non-NaN values. */
static int five_stats(double *buf, size_t n, double out[5]) {
  if (n == 0) { for (int s = 0; s < 5; s++) out[s] = NAN; return SOCAP_OK; }
  if (socap_sort_doubles(buf, n)) return SOCAP_ERUNTIME; /* the same order as gsl_sort, faster at 10^6 */
  out[0] = gsl_stats_mean(buf, 1, n);
  out[1] = n > 1 ? gsl_stats_sd_m(buf, 1, n, out[0]) : NAN;
  out[2] = gsl_stats_quantile_from_sorted_data(buf, 1, n, 0.1);
  out[3] = gsl_stats_quantile_from_sorted_data(buf, 1, n, 0.5);
  out[4] = gsl_stats_quantile_from_sorted_data(buf, 1, n, 0.9);
  return SOCAP_OK;
}

/* Append @p nrows rows given column-wise (data[c]: nrows values of column
 * c's type), as nrows rounds of the setters and rt_next_row would. */
static int rt_append(rtable *t, size_t nrows, const void *const *data) {
  if (t->h5) return socap_table_append(t->h5, nrows, data);
  if (rt_reserve(t, t->rows + nrows)) return t->err;
  for (int c = 0; c < t->ncols; c++) {
    const size_t es = rt_size(t->types[c]);
    memcpy(t->col[c] + t->rows * es, data[c], nrows * es);
  }
  t->rows += nrows;
  return SOCAP_OK;
}

/* The agents' rows, column-wise in blocks of AGENT_BLOCK rows (one call per
 * block instead of one setter call per cell: a million rows have 33
 * million cells). */
#define AGENT_BLOCK 16384

static int write_agent_rows(rtable *t, int with_step, int32_t task, int step, socap_model *m,
                            const agent_values *a) {
  socap_agents_view av = socap_model_agents(m);
  enum { NCOL = 6 + SOCAP_M_COUNT + 1 };
  int32_t *ib = malloc(sizeof *ib * (size_t)AGENT_BLOCK * (3 + SOCAP_M_COUNT)); /* int columns of a block */
  double *hops = malloc(sizeof *hops * (size_t)AGENT_BLOCK);
  int rc = SOCAP_OK;
  if (!ib || !hops) { rc = SOCAP_ERROR(SOCAP_ERUNTIME, "out of memory for the agents' rows"); goto done; }
  int32_t *taskc = ib, *stepc = ib + AGENT_BLOCK, *idc = ib + 2 * AGENT_BLOCK, *metc = ib + 3 * AGENT_BLOCK;
  for (int32_t b0 = 0; b0 < a->n && !rc; b0 += AGENT_BLOCK) {
    const int32_t nb = a->n - b0 < AGENT_BLOCK ? a->n - b0 : AGENT_BLOCK;
    const void *col[NCOL];
    int c = 0;
    for (int32_t x = 0; x < nb; x++) {
      taskc[x] = task;
      stepc[x] = step;
      idc[x] = b0 + x;
      const socap_info_counts *in = &av.info[b0 + x];
      hops[x] = in->total ? (double)in->hops / in->total : NAN;
    }
    col[c++] = taskc;
    if (with_step) col[c++] = stepc;
    col[c++] = idc;
    col[c++] = av.group + b0;
    col[c++] = av.cohort + b0;
    col[c++] = av.strategy + b0;
    for (int k = 0; k < SOCAP_M_COUNT; k++) {
      if (is_int_metric(k)) {
        int32_t *dst = metc + (size_t)k * AGENT_BLOCK;
        for (int32_t x = 0; x < nb; x++) dst[x] = (int32_t)a->v[k][b0 + x];
        col[c++] = dst;
      } else {
        col[c++] = a->v[k] + b0;
      }
    }
    col[c++] = hops;
    rc = rt_append(t, (size_t)nb, col);
  }
done:
  free(ib);
  free(hops);
  return rc;
}

static int record(socap_recorder *r, socap_model *m, int32_t task, int final, int last) {
  const socap_params *p = socap_model_params(m);
  int step = socap_model_t(m);
  agent_values a;
  socap_global_metrics gm;
  int rc = values_alloc(&a, p->n_agents);
  if (rc) return rc;
  if (r->on_metrics) r->on_metrics(r->on_metrics_ctx, step, p->steps, p->n_agents);
  double c0 = omp_get_wtime();
  if ((rc = compute_values(m, &a, &gm, last))) goto done;
  double c1 = omp_get_wtime();
  r->t_metrics += c1 - c0;
  socap_agents_view av = socap_model_agents(m);
  /* /timeseries: one row per strategy, then "all". Each (strategy, metric)
   * cell is independent: computed in parallel, each with its own buffer. */
  {
    int ns = r->n_strategies + 1, ncell = ns * SOCAP_M_COUNT, bad = 0;
    double(*st)[5] = malloc((size_t)ncell * sizeof *st);
    if (!st) { rc = SOCAP_ERROR(SOCAP_ERUNTIME, "out of memory"); goto done; }
#pragma omp parallel reduction(| : bad)
    {
      double *cb = malloc((size_t)(a.n ? a.n : 1) * sizeof(double));
      if (!cb) bad = 1;
#pragma omp for schedule(dynamic, 1)
      for (int cell = 0; cell < ncell; cell++) {
        if (!cb) continue;
        int s = cell / SOCAP_M_COUNT, k = cell % SOCAP_M_COUNT, all = s == r->n_strategies;
        size_t nb = 0;
        for (int32_t i = 0; i < a.n; i++)
          if ((all || av.strategy[i] == s) && !isnan(a.v[k][i])) cb[nb++] = a.v[k][i];
        if (five_stats(cb, nb, st[cell])) bad = 1;
      }
      free(cb);
    }
    if (bad) { free(st); rc = SOCAP_ERROR(SOCAP_ERUNTIME, "out of memory"); goto done; }
    for (int s = 0; s < ns && !rc; s++) {
      int32_t count = 0;
      for (int32_t i = 0; i < a.n; i++) count += s == r->n_strategies || av.strategy[i] == s;
      rt_i32(&r->ts, 0, task);
      rt_i32(&r->ts, 1, step);
      rt_i32(&r->ts, 2, s);
      rt_i32(&r->ts, 3, count);
      for (int k = 0; k < SOCAP_M_COUNT; k++) {
        const double *x = st[s * SOCAP_M_COUNT + k];
        for (int q = 0; q < 5; q++) rt_f64(&r->ts, 4 + 5 * k + q, x[q]);
        if (final) { r->sum_mean[s][k] = x[0]; r->sum_n[s] = count; }
      }
      rc = rt_next_row(&r->ts);
    }
    free(st);
    r->t_stats += omp_get_wtime() - c1;
    if (rc) goto done;
  }
  /* /global */
  {
    socap_counters tot;
    socap_model_counters(m, &tot, NULL);
    int64_t n_dorm = 0;
    for (int32_t i = 0; i < a.n; i++) n_dorm += (int64_t)a.v[SOCAP_M_N_DORMANT][i];
    int64_t cnt[N_GLOBAL_COUNTERS] = {tot.formed[0], tot.formed[1], tot.formed[2], tot.formed[3], tot.proposals,
                                      tot.rejected, tot.went_dormant, tot.displaced, tot.revived, tot.forgotten,
                                      tot.left, tot.info_received, n_dorm / 2};
    int c = 0;
    rt_i32(&r->glob, c++, task);
    rt_i32(&r->glob, c++, step);
    rt_f64(&r->glob, c++, gm.mean_degree);
    rt_f64(&r->glob, c++, gm.transitivity);
    rt_i32(&r->glob, c++, gm.largest_component);
    rt_i32(&r->glob, c++, gm.n_components);
    rt_i64(&r->glob, c++, gm.n_edges);
    for (int k = 0; k < N_GLOBAL_COUNTERS; k++) rt_i64(&r->glob, c++, cnt[k]);
    for (int b = 0; b < SOCAP_OVERLAP_BINS; b++) rt_f64(&r->glob, c++, gm.overlap_by_decile[b]);
    rt_i64(&r->glob, c++, tot.ended_by_turnover);
    if ((rc = rt_next_row(&r->glob))) goto done;
  }
  if (r->hist.on && (rc = write_agent_rows(&r->hist, 1, task, step, m, &a))) goto done;
  if (final) {
    if ((rc = write_agent_rows(&r->agents, 0, task, step, m, &a))) goto done;
    r->have_summary = 1;
    r->last_step = step;
  }
done:
  values_free(&a);
  return rc;
}

static int snapshot(socap_recorder *r, socap_model *m, int32_t task) {
  const socap_params *p = socap_model_params(m);
  int step = socap_model_t(m);
  socap_tie_info *buf = malloc(sizeof(socap_tie_info) * (size_t)(p->dunbar_limit + p->dormant_limit + 1));
  if (!buf) return SOCAP_ERROR(SOCAP_ERUNTIME, "out of memory");
  int rc = SOCAP_OK;
  for (int32_t i = 0; i < p->n_agents && !rc; i++) {
    int32_t k = socap_model_ties(m, i, buf, p->dunbar_limit + p->dormant_limit + 1);
    for (int32_t x = 0; x < k && !rc; x++) {
      if (buf[x].nbr < i) continue;
      rt_i32(&r->net, 0, task);
      rt_i32(&r->net, 1, step);
      rt_i32(&r->net, 2, i);
      rt_i32(&r->net, 3, buf[x].nbr);
      rt_f64(&r->net, 4, buf[x].w);
      rt_f64(&r->net, 5, buf[x].peak);
      rt_u8(&r->net, 6, (uint8_t)buf[x].state);
      rt_u8(&r->net, 7, (uint8_t)buf[x].origin);
      rt_i32(&r->net, 8, buf[x].last);
      rc = rt_next_row(&r->net);
    }
  }
  free(buf);
  return rc;
}

void socap_recorder_on_metrics(socap_recorder *r, socap_metrics_fn fn, void *ctx) {
  r->on_metrics = fn;
  r->on_metrics_ctx = ctx;
}

int socap_recorder_run(socap_recorder *r, const socap_params *p, uint64_t task, socap_progress_fn progress,
                       void *ctx) {
  socap_model *m = NULL;
  int rc = socap_model_create(p, task, &m);
  if (rc) return rc;
  int32_t tid = (int32_t)task;
  for (int k = 0; k < p->n_snapshots && r->net.on; k++)
    if (p->snapshots[k] == 0 && (rc = snapshot(r, m, tid))) goto done;
  for (int t = 1; t <= p->steps; t++) {
    int snap_now = 0;
    for (int k = 0; k < p->n_snapshots && r->net.on; k++) snap_now |= p->snapshots[k] == t;
    double c0 = omp_get_wtime();
    if ((rc = socap_model_step(m))) goto done;
    r->t_steps += omp_get_wtime() - c0;
    int final = t == p->steps;
    if (final) socap_model_trim(m); /* the final record needs the memory more */
    if (final || t % p->record_every == 0) {
      c0 = omp_get_wtime();
      if ((rc = record(r, m, tid, final, final && !snap_now))) goto done; /* keep the ties for a snapshot */
      r->t_record += omp_get_wtime() - c0;
      r->n_records++;
      socap_model_reset_window(m);
    }
    if (snap_now && (rc = snapshot(r, m, tid))) goto done;
    if (progress) progress(ctx, t, p->steps);
  }
done:
  if (m) {
    double ph[SOCAP_N_PHASES];
    socap_model_phase_times(m, ph);
    for (int k = 0; k < SOCAP_N_PHASES; k++) r->t_phase[k] += ph[k];
  }
  socap_model_free(m);
  return rc;
}

void socap_recorder_print_timing(const socap_recorder *r, FILE *f) {
  static const char *const names[SOCAP_N_PHASES] = {"propose", "judge", "resolve", "maintain",
                                                    "info",    "turnover", "layout"};
  fprintf(f, "time: steps %.1f s (", r->t_steps);
  for (int k = 0; k < SOCAP_N_PHASES; k++) fprintf(f, "%s%s %.1f", k ? ", " : "", names[k], r->t_phase[k]);
  fprintf(f, "), %lld record%s %.1f s (graph and metrics %.1f, statistics %.1f, table rows %.1f)\n",
          (long long)r->n_records, r->n_records == 1 ? "" : "s", r->t_record, r->t_metrics, r->t_stats,
          r->t_record - r->t_metrics - r->t_stats);
}

void socap_recorder_print_summary(const socap_recorder *r, FILE *f) {
  if (!r->have_summary) return;
  static const int cols[] = {SOCAP_M_DEGREE,     SOCAP_M_N_DORMANT, SOCAP_M_CONSTRAINT, SOCAP_M_EFF_SIZE,
                             SOCAP_M_CLUSTERING, SOCAP_M_REACH2,    SOCAP_M_SUPPORT,    SOCAP_M_INFO_TOTAL,
                             SOCAP_M_INFO_OUTSIDE_SHARE};
  int nc = (int)(sizeof cols / sizeof cols[0]);
  fprintf(f, "Social capital by strategy at step %d (means over agents)\n", r->last_step);
  fprintf(f, "%-18s %6s", "strategy", "agents");
  for (int c = 0; c < nc; c++) fprintf(f, " %12.12s", metric_info[cols[c]].name);
  fputc('\n', f);
  for (int s = 0; s <= r->n_strategies; s++) {
    if (r->sum_n[s] == 0) continue;
    fprintf(f, "%-18s %6lld", r->strategy_names[s], (long long)r->sum_n[s]);
    for (int c = 0; c < nc; c++) fprintf(f, " %12.3f", r->sum_mean[s][cols[c]]);
    fputc('\n', f);
  }
}

/* ---- provenance ------------------------------------------------------------- */

void socap_now_iso(char *buf, size_t len) {
  time_t t = time(NULL);
  struct tm tm;
  gmtime_r(&t, &tm);
  strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

int socap_write_provenance(hid_t root, const socap_provenance *pv) {
  hid_t g = H5Gcreate2(root, "provenance", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  if (g < 0) return SOCAP_ERROR(SOCAP_EIO, "cannot create /provenance");
  char host[256] = "unknown", hdf5v[64], buf[64];
  gethostname(host, sizeof host - 1);
  unsigned maj, min, rel;
  H5get_libversion(&maj, &min, &rel);
  snprintf(hdf5v, sizeof hdf5v, "%u.%u.%u", maj, min, rel);
  int rc = 0;
  rc |= socap_h5_write_text(g, "config", pv->config_text ? pv->config_text : "", "resolved configuration (YAML)");
  rc |= socap_h5_attr_str(g, "socap_version", socap_version());
  rc |= socap_h5_attr_str(g, "git_commit", socap_git_commit());
  rc |= socap_h5_attr_str(g, "compiler", "gcc-compatible " __VERSION__);
  rc |= socap_h5_attr_str(g, "gsl_version", GSL_VERSION);
  rc |= socap_h5_attr_str(g, "hdf5_version", hdf5v);
  rc |= socap_h5_attr_str(g, "host", host);
  rc |= socap_h5_attr_str(g, "command", pv->command ? pv->command : "");
  rc |= socap_h5_attr_str(g, "kind", pv->kind ? pv->kind : "run");
  rc |= socap_h5_attr_str(g, "start_time", pv->start_time ? pv->start_time : "");
  rc |= socap_h5_attr_str(g, "end_time", pv->end_time ? pv->end_time : "");
  rc |= socap_h5_attr_i64(g, "threads", pv->threads);
  rc |= socap_h5_attr_i64(g, "ranks", pv->ranks);
  snprintf(buf, sizeof buf, "%llu", (unsigned long long)pv->seed);
  rc |= socap_h5_attr_str(g, "seed", buf);
  rc |= socap_h5_attr_str(g, "rng", "philox4x32-10, streams keyed by (seed, task, agent, step, purpose)");
  H5Gclose(g);
  return rc ? SOCAP_EIO : SOCAP_OK;
}
