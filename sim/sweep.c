/* Parameter sweeps: the sweep block, designs, task ids and seeds, batch
 * files, resume and merge. See include/socap/sweep.h and docs/sweeps.md. */
#define _POSIX_C_SOURCE 200809L

#include "socap/sweep.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <gsl/gsl_qrng.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <hdf5.h>
#include <math.h>
#include <omp.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "socap/error.h"
#include "socap/h5out.h"
#include "socap/rng.h"
#include "socap/run.h"
#include "outpart.h"
#include "yaml_tree.h"

#define TEXT_LEN 256             /* max YAML text of one axis value */
#define DESIGN_PURPOSE 13u       /* Philox purpose of the LHS streams */
#define DESIGN_TASK UINT64_MAX   /* LHS streams use a task id no task has */

typedef enum { AX_VALUES = 0, AX_RANGE = 1, AX_MINMAX = 2 } axis_kind;

typedef struct {
  char name[128];
  const socap_param_def *def;
  axis_kind kind;
  int log;
  int nvalues;   /* AX_VALUES */
  char **values; /* YAML text of each value */
  double lo, hi; /* AX_RANGE / AX_MINMAX */
  int steps;     /* AX_RANGE */
  int coded;     /* 1: /design stores the index into values (strings, lists) */
} sw_axis;

struct socap_sweep {
  socap_params base;
  socap_design_kind design;
  int replicates;
  int64_t npoints;
  int naxes;
  sw_axis axes[SOCAP_SWEEP_MAX_AXES];
  /* design matrix, npoints x naxes: value index (value axes) or the number */
  double *num;   /* number stored in /design */
  int32_t *idx;  /* index into axis values, -1 for generated numbers */
  char hash[17];
  char *yaml;
};

/* ---- small helpers ----------------------------------------------------------- */

static char *xstrdup(const char *s) {
  size_t n = strlen(s) + 1;
  char *d = malloc(n);
  if (d) memcpy(d, s, n);
  return d;
}

typedef struct {
  char *s;
  size_t n, cap;
  int oom;
} sbuf;

static void sb_add(sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sb_add(sbuf *b, const char *fmt, ...) {
  if (b->oom) return;
  for (;;) {
    va_list ap;
    va_start(ap, fmt);
    size_t room = b->cap - b->n;
    int k = vsnprintf(b->s ? b->s + b->n : NULL, b->s ? room : 0, fmt, ap);
    va_end(ap);
    if (k < 0) { b->oom = 1; return; }
    if (b->s && (size_t)k < room) { b->n += (size_t)k; return; }
    size_t ncap = (b->cap ? b->cap * 2 : 1024) + (size_t)k;
    char *ns = realloc(b->s, ncap);
    if (!ns) { b->oom = 1; return; }
    b->s = ns;
    b->cap = ncap;
  }
}

/* Shortest %g text that reads back as exactly v. */
static void fmt_double(char *buf, size_t len, double v) {
  for (int prec = 15; prec <= 17; prec++) {
    snprintf(buf, len, "%.*g", prec, v);
    if (strtod(buf, NULL) == v) return;
  }
}

static int osa(const char *a, const char *b) {
  size_t n = strlen(a), m = strlen(b);
  if (n > 60 || m > 60) return 99;
  int d[61][61];
  for (size_t i = 0; i <= n; i++) d[i][0] = (int)i;
  for (size_t j = 0; j <= m; j++) d[0][j] = (int)j;
  for (size_t i = 1; i <= n; i++)
    for (size_t j = 1; j <= m; j++) {
      int c = a[i - 1] != b[j - 1];
      int v = d[i - 1][j] + 1;
      if (d[i][j - 1] + 1 < v) v = d[i][j - 1] + 1;
      if (d[i - 1][j - 1] + c < v) v = d[i - 1][j - 1] + c;
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] && d[i - 2][j - 2] + 1 < v)
        v = d[i - 2][j - 2] + 1;
      d[i][j] = v;
    }
  return d[n][m];
}

static uint64_t fnv1a(const char *s, uint64_t h) {
  for (; *s; s++) h = (h ^ (unsigned char)*s) * 1099511628211ull;
  return h;
}

/* ---- accessors ----------------------------------------------------------------- */

socap_design_kind socap_sweep_design(const socap_sweep *sw) { return sw->design; }
int64_t socap_sweep_n_points(const socap_sweep *sw) { return sw->npoints; }
int socap_sweep_replicates(const socap_sweep *sw) { return sw->replicates; }
int64_t socap_sweep_n_tasks(const socap_sweep *sw) { return sw->npoints * sw->replicates; }
int socap_sweep_n_axes(const socap_sweep *sw) { return sw->naxes; }
const char *socap_sweep_axis_name(const socap_sweep *sw, int axis) { return sw->axes[axis].name; }
const socap_params *socap_sweep_base(const socap_sweep *sw) { return &sw->base; }
const char *socap_sweep_hash(const socap_sweep *sw) { return sw->hash; }
const char *socap_sweep_yaml(const socap_sweep *sw) { return sw->yaml; }

int socap_sweep_axis_is_int(const socap_sweep *sw, int axis) {
  const sw_axis *a = &sw->axes[axis];
  if (a->coded) return 1;
  socap_ptype t = a->def->type;
  return t == SOCAP_PT_INT || t == SOCAP_PT_BOOL || t == SOCAP_PT_ENUM;
}

double socap_sweep_value(const socap_sweep *sw, int64_t point, int axis) {
  return sw->num[point * sw->naxes + axis];
}

const char *socap_sweep_value_text(const socap_sweep *sw, int64_t point, int axis, char *buf, size_t len) {
  const sw_axis *a = &sw->axes[axis];
  int32_t k = sw->idx[point * sw->naxes + axis];
  double v = sw->num[point * sw->naxes + axis];
  if (k >= 0) snprintf(buf, len, "%s", a->values[k]);
  else if (a->def->type == SOCAP_PT_INT) snprintf(buf, len, "%.0f", v);
  else fmt_double(buf, len, v);
  return buf;
}

uint64_t socap_sweep_seed(uint64_t master, int64_t point, int64_t replicate) {
  return socap_hash_combine(socap_hash_combine(master, (uint64_t)point), (uint64_t)replicate) >> 11;
}

uint64_t socap_sweep_task_seed(const socap_sweep *sw, int64_t task) {
  return socap_sweep_seed(sw->base.seed, task / sw->replicates, task % sw->replicates);
}

void socap_sweep_free(socap_sweep *sw) {
  if (!sw) return;
  for (int a = 0; a < sw->naxes; a++) {
    for (int k = 0; k < sw->axes[a].nvalues; k++) free(sw->axes[a].values[k]);
    free(sw->axes[a].values);
  }
  free(sw->num);
  free(sw->idx);
  free(sw->yaml);
  free(sw);
}

/* ---- parsing the sweep block ------------------------------------------------------ */

typedef struct {
  socap_sweep *sw;
  socap_config_errors *errs;
  int nerr;
  int oom; /* out of memory: the load fails with SOCAP_ERUNTIME */
} sparse;

/* Out of memory while loading: an error entry plus the thread's message. */
static int sw_oom(sparse *S) {
  S->oom = 1;
  socap_config_error_add(S->errs, NULL, 0, 0, "", "out of memory while loading the sweep");
  SOCAP_ERROR(SOCAP_ERUNTIME, "out of memory while loading the sweep");
  return -1;
}

static void serr(sparse *S, const socap_yt_node *at, const char *param, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void serr(sparse *S, const socap_yt_node *at, const char *param, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  socap_config_error_addv(S->errs, at ? at->file : NULL, at ? at->line : 0, at ? at->col : 0, param, fmt, ap);
  va_end(ap);
  S->nerr++;
}

static int read_number(sparse *S, const socap_yt_node *n, const char *param, double *out) {
  char *end;
  if (!n || n->kind != SOCAP_YT_SCALAR || n->quoted || !n->value[0]) goto bad;
  *out = strtod(n->value, &end);
  if (*end || !isfinite(*out)) goto bad;
  return 0;
bad:
  serr(S, n, param, "expected a number, got %s%s%s", n && n->kind == SOCAP_YT_SCALAR ? "'" : "",
       n ? (n->kind == SOCAP_YT_SCALAR ? n->value : socap_yt_kind_name(n)) : "nothing",
       n && n->kind == SOCAP_YT_SCALAR ? "'" : "");
  return -1;
}

static int read_int(sparse *S, const socap_yt_node *n, const char *param, long lo, long hi, long *out) {
  double v;
  if (read_number(S, n, param, &v)) return -1;
  if (v != floor(v) || v < lo || v > hi) {
    serr(S, n, param, "expected an integer in [%ld, %ld], got %s", lo, hi, n->value);
    return -1;
  }
  *out = (long)v;
  return 0;
}

/* YAML flow text of a value node (scalars and flat sequences). */
static int node_text(sparse *S, const socap_yt_node *n, const char *param, char *buf, size_t len) {
  if (n->kind == SOCAP_YT_SCALAR) {
    if (!n->quoted) {
      snprintf(buf, len, "%s", n->value);
    } else {
      size_t o = 0;
      buf[o++] = '"';
      for (const char *c = n->value; *c && o + 3 < len; c++) {
        if (*c == '"' || *c == '\\') buf[o++] = '\\';
        buf[o++] = *c;
      }
      buf[o++] = '"';
      buf[o] = 0;
    }
    return 0;
  }
  if (n->kind == SOCAP_YT_SEQUENCE) {
    size_t o = 0;
    o += (size_t)snprintf(buf + o, len - o, "[");
    for (size_t i = 0; i < n->n && o < len; i++) {
      char item[TEXT_LEN];
      if (n->items[i]->kind != SOCAP_YT_SCALAR) {
        serr(S, n->items[i], param, "list values may only hold scalars");
        return -1;
      }
      node_text(S, n->items[i], param, item, sizeof item);
      o += (size_t)snprintf(buf + o, len - o, "%s%s", i ? ", " : "", item);
    }
    if (o < len) snprintf(buf + o, len - o, "]");
    if (o + 1 >= len) {
      serr(S, n, param, "value too long");
      return -1;
    }
    return 0;
  }
  serr(S, n, param, "an axis value must be a scalar or a list, got %s", socap_yt_kind_name(n));
  return -1;
}

/* Section names that are not parameters themselves. */
static int is_section_name(const char *name) {
  static const char *const sec[] = {"population", "model", "output", "metrics", "strategies", "cohorts"};
  for (size_t i = 0; i < sizeof sec / sizeof *sec; i++)
    if (!strcmp(name, sec[i])) return 1;
  return 0;
}

/* An axis named after a section ("model:" with parameters nested under it):
   axes use dotted names. `val` (may be NULL) is the axis value. */
static void nested_axis_error(sparse *S, const socap_yt_node *key, const char *name, const socap_yt_node *val) {
  char ex[200];
  snprintf(ex, sizeof ex, "%s", name);
  /* the dotted name of what is nested: model: {p_pass: [...]} -> model.p_pass */
  for (const socap_yt_node *n = val; n && n->kind == SOCAP_YT_MAPPING && n->n > 0; n = n->items[0]) {
    const char *k = n->keys[0]->value;
    if (!strcmp(k, "range") || !strcmp(k, "steps") || !strcmp(k, "min") || !strcmp(k, "max") || !strcmp(k, "log"))
      break;
    size_t l = strlen(ex);
    snprintf(ex + l, sizeof ex - l, ".%s", k);
  }
  if (!strcmp(ex, name)) {
    if (!strcmp(name, "strategies")) snprintf(ex, sizeof ex, "strategies.broker.selectivity");
    else if (!strcmp(name, "cohorts")) snprintf(ex, sizeof ex, "cohorts.0.share");
    else if (!strcmp(name, "model")) snprintf(ex, sizeof ex, "model.p_pass");
    else {
      size_t l = strlen(name);
      for (const socap_param_def *r = socap_param_table; r->name; r++)
        if (!strncmp(r->name, name, l) && r->name[l] == '.') {
          snprintf(ex, sizeof ex, "%s", r->name);
          break;
        }
    }
  }
  serr(S, key, name, "'%s' is a section, not a parameter: axes use dotted names, e.g. %s: [...]", name, ex);
}

/* Resolve a dotted axis name to its table row, with "did you mean". */
/* The scenario's strategy nearest to @p name (edit distance below 4), or NULL. */
static const char *closest_strategy(const socap_params *p, const char *name) {
  const char *best = NULL;
  int bd = 4;
  for (int k = 0; k < p->n_strategies; k++) {
    int dd = osa(name, p->strategies[k].name);
    if (dd < bd) { bd = dd; best = p->strategies[k].name; }
  }
  return best;
}

static const socap_param_def *resolve_axis(sparse *S, const socap_yt_node *key, const char *name) {
  const socap_params *p = &S->sw->base;
  char tmpl[160], mid[64] = "";
  const char *first = strchr(name, '.');
  const char *last = strrchr(name, '.');
  if (strncmp(name, "strategies.", 11) == 0 || strncmp(name, "cohorts.", 8) == 0) {
    if (first && last > first) {
      size_t ml = (size_t)(last - first - 1);
      if (ml >= sizeof mid) ml = sizeof mid - 1;
      memcpy(mid, first + 1, ml);
      mid[ml] = 0;
      snprintf(tmpl, sizeof tmpl, "%.*s.*%s", (int)(first - name), name, last);
    } else {
      snprintf(tmpl, sizeof tmpl, "%s", name);
    }
  } else {
    snprintf(tmpl, sizeof tmpl, "%s", name);
  }
  const socap_param_def *d = socap_param_find(tmpl);
  if (d && d->scope == SOCAP_PS_STRATEGY && socap_params_strategy_index(p, mid) < 0) {
    const char *best = closest_strategy(p, mid);
    serr(S, key, name, "unknown strategy '%s'%s%s%s (axes may only vary strategies of the scenario)", mid,
         best ? " (did you mean '" : "", best ? best : "", best ? "'?)" : "");
    return NULL;
  }
  if (d && d->scope == SOCAP_PS_COHORT) {
    char *end;
    long k = strtol(mid, &end, 10);
    int ok = 0;
    if (mid[0] && !*end) ok = k >= 0 && k < p->n_cohorts;
    else
      for (int c = 0; c < p->n_cohorts; c++) ok |= strcmp(p->cohorts[c].name, mid) == 0;
    if (!ok) {
      serr(S, key, name, "no cohort '%s' (give an index 0..%d or a cohort name)", mid, p->n_cohorts - 1);
      return NULL;
    }
  }
  if (d && d->type == SOCAP_PT_U64) {
    serr(S, key, name, "the seed cannot be an axis: each task's seed is derived from the master seed "
                       "(use replicates)");
    return NULL;
  }
  if (d) return d;
  /* did you mean: compare with every table row, the wildcard filled in */
  const char *best = NULL;
  char bestbuf[160];
  int bd = 5;
  for (const socap_param_def *r = socap_param_table; r->name; r++) {
    char cand[160];
    const char *star = strchr(r->name, '*');
    if (r->type == SOCAP_PT_U64) continue; /* the seed cannot be an axis: never suggest it */
    if (star) snprintf(cand, sizeof cand, "%.*s%s%s", (int)(star - r->name), r->name, mid[0] ? mid : "NAME", star + 1);
    else snprintf(cand, sizeof cand, "%s", r->name);
    int dd = osa(name, cand);
    if (dd < bd) {
      bd = dd;
      snprintf(bestbuf, sizeof bestbuf, "%s", cand);
      best = bestbuf;
    }
  }
  serr(S, key, name, "unknown parameter '%s'%s%s%s (see 'socap params')", name, best ? " (did you mean '" : "",
       best ? best : "", best ? "'?)" : "");
  return NULL;
}

static int axis_add_values(sparse *S, sw_axis *a, const socap_yt_node *seq) {
  if (seq->n == 0) {
    serr(S, seq, a->name, "an axis needs at least one value");
    return -1;
  }
  a->values = calloc(seq->n, sizeof *a->values);
  if (!a->values) return sw_oom(S);
  for (size_t i = 0; i < seq->n; i++) {
    char t[TEXT_LEN];
    if (node_text(S, seq->items[i], a->name, t, sizeof t)) return -1;
    if (!(a->values[i] = xstrdup(t))) return sw_oom(S);
    a->nvalues++;
  }
  return 0;
}

/* Apply one axis value to a copy of the base scenario, as the task will: a
   wrong type or a value outside the parameter's own [min, max] is impossible
   at every point, so it is an error at load, located at the value. Cross-field
   rules depend on the point and stay per-task failures. */
static int check_axis_value(sparse *S, const sw_axis *a, const socap_yt_node *key, const socap_yt_node *val) {
  socap_params *tmp = malloc(sizeof *tmp);
  if (!tmp) return sw_oom(S);
  *tmp = S->sw->base;
  int rc = socap_config_apply_node(tmp, a->name, key, val, S->errs);
  free(tmp);
  if (rc == SOCAP_ERUNTIME) return sw_oom(S);
  if (rc) {
    S->nerr++;
    return -1;
  }
  /* a cohort's strategy must be one of the scenario's (axes cannot add
     strategies, so an unknown name fails at every point) */
  const socap_params *b = &S->sw->base;
  if (!strcmp(a->def->name, "cohorts.*.strategy") && val->kind == SOCAP_YT_SCALAR &&
      socap_params_strategy_index(b, val->value) < 0) {
    const char *best = closest_strategy(b, val->value);
    serr(S, val, a->name, "unknown strategy '%s'%s%s%s (axes may only use strategies of the scenario)", val->value,
         best ? " (did you mean '" : "", best ? best : "", best ? "'?)" : "");
    return -1;
  }
  return 0;
}

/* An end of a numeric axis ({range: [lo, hi]}, min or max) must lie within
   the parameter's own range (after rounding, for integers). */
static int check_axis_bound(sparse *S, const sw_axis *a, const socap_yt_node *at, double v, const char *what) {
  double x = a->def->type == SOCAP_PT_INT ? nearbyint(v) : v;
  if (x >= a->def->min && x <= a->def->max) return 0;
  char rounded[64] = "";
  if (x != v) snprintf(rounded, sizeof rounded, ", rounded to %.15g", x);
  serr(S, at, a->name, "%s = %s (%s%s) is outside [%.15g, %.15g]", a->name, at->value, what, rounded, a->def->min,
       a->def->max);
  return -1;
}

static double axis_map(const sw_axis *a, double u);

/* A grid range of an integer parameter: its ends are exact, so they must be
   integers, and its points must be distinct (rounding 1..2 in 5 steps gave
   1, 1, 2, 2, 2: the same point run again under other point ids). */
static int check_int_range(sparse *S, const sw_axis *a, const socap_yt_node *v, const socap_yt_node *lo_at,
                           const socap_yt_node *hi_at) {
  if (a->lo != nearbyint(a->lo) || a->hi != nearbyint(a->hi)) {
    const socap_yt_node *at = a->lo != nearbyint(a->lo) ? lo_at : hi_at;
    serr(S, at, a->name, "%s is an integer parameter: the ends of its range must be integers, got %s", a->name,
         at->value);
    return -1;
  }
  double prev = 0;
  for (int k = 0; k < a->steps; k++) {
    const double x = axis_map(a, a->steps > 1 ? (double)k / (double)(a->steps - 1) : 0.0);
    if (k > 0 && x == prev) {
      serr(S, v, a->name, "%s is an integer parameter: %d steps over [%.15g, %.15g]%s give the value %.15g twice "
           "(use fewer steps, or list the values)", a->name, a->steps, a->lo, a->hi, a->log ? " on a log scale" : "",
           x);
      return -1;
    }
    prev = x;
  }
  return 0;
}

static int parse_axis(sparse *S, const socap_yt_node *key, const socap_yt_node *v, sw_axis *a) {
  socap_design_kind dk = S->sw->design;
  snprintf(a->name, sizeof a->name, "%s", key->value);
  if (is_section_name(a->name)) {
    nested_axis_error(S, key, a->name, v);
    return -1;
  }
  if (!(a->def = resolve_axis(S, key, a->name))) return -1;
  socap_ptype t = a->def->type;
  int numeric = t == SOCAP_PT_INT || t == SOCAP_PT_DOUBLE;
  a->coded = t == SOCAP_PT_STRING || t == SOCAP_PT_DLIST || t == SOCAP_PT_ILIST;
  if (v->kind == SOCAP_YT_SEQUENCE) {
    if (dk == SOCAP_DESIGN_LHS || dk == SOCAP_DESIGN_SOBOL) {
      serr(S, v, a->name, "%s axes take {min: LO, max: HI}, not a list of values",
           dk == SOCAP_DESIGN_LHS ? "lhs" : "sobol");
      return -1;
    }
    a->kind = AX_VALUES;
    if (axis_add_values(S, a, v)) return -1;
    int bad = 0;
    for (size_t i = 0; i < v->n; i++) bad |= check_axis_value(S, a, key, v->items[i]) != 0;
    return bad ? -1 : 0;
  }
  if (v->kind != SOCAP_YT_MAPPING) {
    serr(S, v, a->name, "expected a list of values [a, b, ...], {range: [lo, hi], steps: k} or {min: lo, max: hi}");
    return -1;
  }
  const socap_yt_node *range = socap_yt_get(v, "range"), *steps = socap_yt_get(v, "steps");
  const socap_yt_node *mn = socap_yt_get(v, "min"), *mx = socap_yt_get(v, "max"), *lg = socap_yt_get(v, "log");
  const socap_yt_node *lo_at = NULL, *hi_at = NULL;
  for (size_t i = 0; i < v->n; i++) {
    const char *k = v->keys[i]->value;
    if (strcmp(k, "range") && strcmp(k, "steps") && strcmp(k, "min") && strcmp(k, "max") && strcmp(k, "log")) {
      char param[200];
      snprintf(param, sizeof param, "%s.%s", a->name, k);
      serr(S, v->keys[i], param, "unknown axis key '%s' (expected range, steps, min, max or log)", k);
      return -1;
    }
  }
  if (lg) {
    if (lg->kind != SOCAP_YT_SCALAR || (strcmp(lg->value, "true") && strcmp(lg->value, "false"))) {
      serr(S, lg, a->name, "log must be true or false");
      return -1;
    }
    a->log = strcmp(lg->value, "true") == 0;
  }
  if (!numeric) {
    serr(S, v, a->name, "%s is not numeric: give its values as a list", a->name);
    return -1;
  }
  if (range || steps) {
    if (dk != SOCAP_DESIGN_GRID) {
      serr(S, range ? range : steps, a->name, "{range, steps} axes are for grid designs; %s axes take {min, max}",
           dk == SOCAP_DESIGN_LIST ? "list designs take points:, not" : "use");
      return -1;
    }
    if (!range || !steps || mn || mx) {
      serr(S, v, a->name, "a range axis needs exactly range: [lo, hi] and steps: k");
      return -1;
    }
    if (range->kind != SOCAP_YT_SEQUENCE || range->n != 2) {
      serr(S, range, a->name, "range must be [lo, hi]");
      return -1;
    }
    long k;
    if (read_number(S, range->items[0], a->name, &a->lo) || read_number(S, range->items[1], a->name, &a->hi) ||
        read_int(S, steps, a->name, 1, 1000000, &k))
      return -1;
    a->steps = (int)k;
    a->kind = AX_RANGE;
    lo_at = range->items[0];
    hi_at = range->items[1];
  } else if (mn || mx) {
    if (dk != SOCAP_DESIGN_LHS && dk != SOCAP_DESIGN_SOBOL) {
      serr(S, mn ? mn : mx, a->name, "{min, max} axes are for lhs and sobol designs; grid axes take a list or "
                                     "{range: [lo, hi], steps: k}");
      return -1;
    }
    if (!mn || !mx) {
      serr(S, v, a->name, "give both min and max");
      return -1;
    }
    if (read_number(S, mn, a->name, &a->lo) || read_number(S, mx, a->name, &a->hi)) return -1;
    a->kind = AX_MINMAX;
    lo_at = mn;
    hi_at = mx;
  } else {
    serr(S, v, a->name, "expected {range: [lo, hi], steps: k} or {min: lo, max: hi}");
    return -1;
  }
  if (a->hi < a->lo) {
    serr(S, v, a->name, "the upper bound %g is below the lower bound %g", a->hi, a->lo);
    return -1;
  }
  if (a->log && !(a->lo > 0)) {
    serr(S, v, a->name, "log scale needs positive bounds, got %g", a->lo);
    return -1;
  }
  int bad = check_axis_bound(S, a, lo_at, a->lo, a->kind == AX_RANGE ? "range start" : "min") != 0;
  bad |= check_axis_bound(S, a, hi_at, a->hi, a->kind == AX_RANGE ? "range end" : "max") != 0;
  if (!bad && a->kind == AX_RANGE && t == SOCAP_PT_INT) bad = check_int_range(S, a, v, lo_at, hi_at) != 0;
  return bad ? -1 : 0;
}

/* Map u in [0,1] onto the axis (linear or log), rounded for integers. */
static double axis_map(const sw_axis *a, double u) {
  double v;
  if (a->log) v = exp(log(a->lo) + u * (log(a->hi) - log(a->lo)));
  else v = a->lo + u * (a->hi - a->lo);
  if (u >= 1.0) v = a->hi;
  if (u <= 0.0) v = a->lo;
  if (a->def->type == SOCAP_PT_INT) v = nearbyint(v);
  return v;
}

/* Number stored in /design for value text t of axis a. */
static double text_number(const sw_axis *a, const char *t, int32_t k) {
  char *end;
  switch (a->def->type) {
  case SOCAP_PT_INT:
  case SOCAP_PT_DOUBLE: {
    double v = strtod(t, &end);
    return *end || end == t ? NAN : v;
  }
  case SOCAP_PT_BOOL:
    if (!strcmp(t, "true") || !strcmp(t, "yes") || !strcmp(t, "on")) return 1;
    if (!strcmp(t, "false") || !strcmp(t, "no") || !strcmp(t, "off")) return 0;
    return -1;
  case SOCAP_PT_ENUM: {
    const char *c = a->def->choices;
    for (int i = 0; c && *c; i++) {
      const char *e = strchr(c, ',');
      size_t n = e ? (size_t)(e - c) : strlen(c);
      if (strlen(t) == n && !strncmp(t, c, n)) return i;
      c = e ? e + 1 : c + n;
    }
    return -1;
  }
  default:
    return k;
  }
}

static int build_design(sparse *S, const socap_yt_node *sweep_node) {
  socap_sweep *sw = S->sw;
  int na = sw->naxes;
  int64_t np = 1;
  if (sw->design == SOCAP_DESIGN_GRID) {
    for (int a = 0; a < na; a++) {
      int64_t k = sw->axes[a].kind == AX_VALUES ? sw->axes[a].nvalues : sw->axes[a].steps;
      if (np > INT32_MAX / k) {
        serr(S, sweep_node, "sweep.axes", "the grid has more than 2^31 points");
        return -1;
      }
      np *= k;
    }
  } else if (sw->design == SOCAP_DESIGN_LIST) {
    np = sw->npoints;
  } else {
    np = sw->npoints;
  }
  if (np * sw->replicates > INT32_MAX) {
    serr(S, sweep_node, "sweep.replicates", "the sweep has more than 2^31 tasks");
    return -1;
  }
  sw->npoints = np;
  size_t cells = np * na > 0 ? (size_t)(np * na) : 1;
  sw->num = malloc(cells * sizeof *sw->num);
  sw->idx = malloc(cells * sizeof *sw->idx);
  if (!sw->num || !sw->idx) return SOCAP_ERROR(SOCAP_ERUNTIME, "out of memory for the design");
  if (sw->design == SOCAP_DESIGN_GRID || sw->design == SOCAP_DESIGN_LIST) {
    for (int64_t p = 0; p < np; p++) {
      int64_t rest = p;
      for (int a = na - 1; a >= 0; a--) {
        const sw_axis *ax = &sw->axes[a];
        int64_t k, cnt = ax->kind == AX_VALUES ? ax->nvalues : ax->steps;
        if (sw->design == SOCAP_DESIGN_LIST) {
          k = p;
        } else {
          k = rest % cnt;
          rest /= cnt;
        }
        if (ax->kind == AX_VALUES) {
          sw->idx[p * na + a] = (int32_t)k;
          sw->num[p * na + a] = text_number(ax, ax->values[k], (int32_t)k);
        } else {
          sw->idx[p * na + a] = -1;
          sw->num[p * na + a] = axis_map(ax, cnt > 1 ? (double)k / (double)(cnt - 1) : 0.0);
        }
      }
    }
    return 0;
  }
  if (sw->design == SOCAP_DESIGN_SOBOL) {
    gsl_qrng *q = gsl_qrng_alloc(gsl_qrng_sobol, (unsigned)na);
    if (!q) return SOCAP_ERROR(SOCAP_ERUNTIME, "cannot allocate the Sobol generator");
    double u[SOCAP_SWEEP_MAX_AXES];
    for (int64_t p = 0; p < np; p++) {
      gsl_qrng_get(q, u);
      for (int a = 0; a < na; a++) {
        sw->idx[p * na + a] = -1;
        sw->num[p * na + a] = axis_map(&sw->axes[a], u[a]);
      }
    }
    gsl_qrng_free(q);
    return 0;
  }
  /* LHS: per axis a random permutation of the strata and a uniform offset in
   * each stratum, from a Philox stream keyed by the master seed and axis. */
  gsl_rng *r = gsl_rng_alloc(socap_rng_philox);
  size_t *perm = malloc((size_t)np * sizeof *perm);
  if (!r || !perm) {
    gsl_rng_free(r);
    free(perm);
    return SOCAP_ERROR(SOCAP_ERUNTIME, "out of memory for the design");
  }
  for (int a = 0; a < na; a++) {
    socap_rng_stream(r, sw->base.seed, DESIGN_TASK, (uint32_t)a, 0, DESIGN_PURPOSE);
    for (int64_t p = 0; p < np; p++) perm[p] = (size_t)p;
    gsl_ran_shuffle(r, perm, (size_t)np, sizeof *perm);
    for (int64_t p = 0; p < np; p++) {
      double u = ((double)perm[p] + gsl_rng_uniform(r)) / (double)np;
      sw->idx[p * na + a] = -1;
      sw->num[p * na + a] = axis_map(&sw->axes[a], u);
    }
  }
  free(perm);
  gsl_rng_free(r);
  return 0;
}

static const char *design_name(socap_design_kind k) {
  static const char *n[] = {"grid", "list", "lhs", "sobol"};
  return n[k];
}

/* Hash of every parameter value of @p p (through the parameter table), so
 * the design hash does not depend on how the resolved YAML is formatted. */
static uint64_t hash_bytes(uint64_t h, const void *data, size_t n) {
  const unsigned char *b = data;
  for (size_t i = 0; i < n; i++) h = (h ^ b[i]) * 1099511628211ull;
  return h;
}

static uint64_t hash_row(uint64_t h, const socap_param_def *d, const void *base) {
  const char *f = (const char *)base + d->offset;
  h = hash_bytes(h, d->name, strlen(d->name) + 1);
  switch (d->type) {
  case SOCAP_PT_INT:
  case SOCAP_PT_BOOL:
  case SOCAP_PT_ENUM: return hash_bytes(h, f, sizeof(int));
  case SOCAP_PT_U64: return hash_bytes(h, f, sizeof(uint64_t));
  case SOCAP_PT_DOUBLE: return hash_bytes(h, f, sizeof(double));
  case SOCAP_PT_STRING: return hash_bytes(h, f, strnlen(f, SOCAP_NAME_LEN));
  case SOCAP_PT_DLIST: return hash_bytes(h, f, sizeof(double) * (size_t)d->list_len);
  case SOCAP_PT_ILIST: {
    int n = *(const int *)((const char *)base + d->count_offset);
    h = hash_bytes(h, &n, sizeof n);
    return hash_bytes(h, f, sizeof(int) * (size_t)n);
  }
  }
  return h;
}

static uint64_t hash_params(const socap_params *p) {
  uint64_t h = 14695981039346656037ull;
  for (const socap_param_def *d = socap_param_table; d->name; d++)
    if (d->scope == SOCAP_PS_GLOBAL) h = hash_row(h, d, p);
  h = hash_bytes(h, &p->n_strategies, sizeof p->n_strategies);
  for (int k = 0; k < p->n_strategies; k++) {
    h = hash_bytes(h, p->strategies[k].name, strnlen(p->strategies[k].name, SOCAP_NAME_LEN) + 1);
    for (const socap_param_def *d = socap_param_table; d->name; d++)
      if (d->scope == SOCAP_PS_STRATEGY) h = hash_row(h, d, &p->strategies[k]);
  }
  h = hash_bytes(h, &p->n_cohorts, sizeof p->n_cohorts);
  for (int k = 0; k < p->n_cohorts; k++)
    for (const socap_param_def *d = socap_param_table; d->name; d++)
      if (d->scope == SOCAP_PS_COHORT) h = hash_row(h, d, &p->cohorts[k]);
  return h;
}

/* Canonical text of the sweep block: the hash input and sweep.yaml. */
static int make_yaml(socap_sweep *sw) {
  char *scen = NULL;
  int rc = socap_config_to_yaml(&sw->base, &scen);
  if (rc) return rc;
  sbuf b = {0};
  sb_add(&b, "sweep:\n  replicates: %d\n  design: %s\n", sw->replicates, design_name(sw->design));
  if (sw->design == SOCAP_DESIGN_LHS || sw->design == SOCAP_DESIGN_SOBOL) sb_add(&b, "  n: %lld\n", (long long)sw->npoints);
  if (sw->design == SOCAP_DESIGN_LIST) {
    sb_add(&b, "  points:\n");
    for (int64_t p = 0; p < sw->npoints; p++) {
      sb_add(&b, "    - {");
      for (int a = 0; a < sw->naxes; a++) {
        char t[TEXT_LEN];
        sb_add(&b, "%s%s: %s", a ? ", " : "", sw->axes[a].name, socap_sweep_value_text(sw, p, a, t, sizeof t));
      }
      sb_add(&b, "}\n");
    }
  } else {
    sb_add(&b, "  axes:\n");
    for (int a = 0; a < sw->naxes; a++) {
      const sw_axis *ax = &sw->axes[a];
      char lo[40], hi[40];
      fmt_double(lo, sizeof lo, ax->lo);
      fmt_double(hi, sizeof hi, ax->hi);
      sb_add(&b, "    %s: ", ax->name);
      if (ax->kind == AX_VALUES) {
        sb_add(&b, "[");
        for (int k = 0; k < ax->nvalues; k++) sb_add(&b, "%s%s", k ? ", " : "", ax->values[k]);
        sb_add(&b, "]\n");
      } else if (ax->kind == AX_RANGE) {
        sb_add(&b, "{range: [%s, %s], steps: %d%s}\n", lo, hi, ax->steps, ax->log ? ", log: true" : "");
      } else {
        sb_add(&b, "{min: %s, max: %s%s}\n", lo, hi, ax->log ? ", log: true" : "");
      }
    }
  }
  if (b.oom) {
    free(b.s);
    free(scen);
    return SOCAP_ERROR(SOCAP_ERUNTIME, "out of memory");
  }
  uint64_t h = fnv1a(b.s, hash_params(&sw->base));
  snprintf(sw->hash, sizeof sw->hash, "%016llx", (unsigned long long)socap_hash64(h));
  sbuf y = {0};
  sb_add(&y, "# socap sweep, resolved (scenario with every parameter, then the design)\n"
             "# design_hash: %s\n%s%s", sw->hash, scen, b.s);
  free(b.s);
  free(scen);
  if (y.oom) {
    free(y.s);
    return SOCAP_ERROR(SOCAP_ERUNTIME, "out of memory");
  }
  sw->yaml = y.s;
  return SOCAP_OK;
}

static int parse_sweep(sparse *S, const socap_yt_node *root) {
  socap_sweep *sw = S->sw;
  const socap_yt_node *sn = socap_yt_get(root, "sweep");
  if (!sn) {
    socap_config_error_add(S->errs, root ? root->file : NULL, 1, 1, "sweep",
                           "no sweep: block (a sweep file is a scenario plus a sweep: block; see docs/sweeps.md)");
    return -1;
  }
  if (sn->kind != SOCAP_YT_MAPPING) {
    char hint[120];
    serr(S, sn, "sweep", "expected a mapping, got %s%s", socap_yt_kind_name(sn),
         socap_yt_colon_hint(sn, hint, sizeof hint));
    return -1;
  }
  static const char *known[] = {"replicates", "design", "axes", "n", "points", NULL};
  for (size_t i = 0; i < sn->n; i++) {
    const char *k = sn->keys[i]->value, *best = NULL;
    int ok = 0, bd = 4;
    for (int j = 0; known[j]; j++) {
      if (!strcmp(k, known[j])) ok = 1;
      int d = osa(k, known[j]);
      if (d < bd) { bd = d; best = known[j]; }
    }
    if (!ok) {
      char param[160];
      snprintf(param, sizeof param, "sweep.%s", k);
      serr(S, sn->keys[i], param, "unknown key '%s'%s%s%s (expected replicates, design, axes, n or points)", k,
           best ? " (did you mean '" : "", best ? best : "", best ? "'?)" : "");
    }
  }
  if (S->nerr) return -1;
  const socap_yt_node *rep = socap_yt_get(sn, "replicates"), *des = socap_yt_get(sn, "design");
  const socap_yt_node *axes = socap_yt_get(sn, "axes"), *nn = socap_yt_get(sn, "n"), *pts = socap_yt_get(sn, "points");
  long v;
  sw->replicates = 1;
  if (rep) {
    if (read_int(S, rep, "sweep.replicates", 1, 1000000000L, &v)) return -1;
    sw->replicates = (int)v;
  }
  sw->design = SOCAP_DESIGN_GRID;
  if (des) {
    int found = 0;
    for (int k = 0; k < 4; k++)
      if (des->kind == SOCAP_YT_SCALAR && !strcmp(des->value, design_name((socap_design_kind)k))) {
        sw->design = (socap_design_kind)k;
        found = 1;
      }
    if (!found) {
      serr(S, des, "sweep.design", "expected grid, list, lhs or sobol, got '%s'",
           des->kind == SOCAP_YT_SCALAR ? des->value : socap_yt_kind_name(des));
      return -1;
    }
  }
  int qmc = sw->design == SOCAP_DESIGN_LHS || sw->design == SOCAP_DESIGN_SOBOL;
  if (qmc) {
    if (!nn) {
      serr(S, sn, "sweep.n", "%s designs need n: the number of points", design_name(sw->design));
      return -1;
    }
    if (read_int(S, nn, "sweep.n", 1, INT32_MAX, &v)) return -1;
    sw->npoints = v;
  } else if (nn) {
    serr(S, nn, "sweep.n", "n is for lhs and sobol designs (a %s design has its points from the axes)",
         design_name(sw->design));
    return -1;
  }
  if (sw->design == SOCAP_DESIGN_LIST) {
    if (axes) {
      serr(S, axes, "sweep.axes", "a list design gives points:, not axes:");
      return -1;
    }
    if (!pts || pts->kind != SOCAP_YT_SEQUENCE || pts->n == 0) {
      serr(S, pts ? pts : sn, "sweep.points", "a list design needs points: a list of mappings parameter: value");
      return -1;
    }
    const socap_yt_node *p0 = pts->items[0];
    for (size_t i = 0; i < pts->n; i++) {
      const socap_yt_node *pt = pts->items[i];
      if (pt->kind != SOCAP_YT_MAPPING || pt->n == 0) {
        serr(S, pt, "sweep.points", "each point must be a mapping parameter: value");
        return -1;
      }
      if (pt->n != p0->n) goto keys_differ;
      for (size_t k = 0; k < pt->n; k++)
        if (strcmp(pt->keys[k]->value, p0->keys[k]->value)) goto keys_differ;
      continue;
    keys_differ:
      serr(S, pt, "sweep.points", "every point must set the same parameters in the same order as the first");
      return -1;
    }
    if (p0->n > SOCAP_SWEEP_MAX_AXES) {
      serr(S, p0, "sweep.points", "at most %d parameters", SOCAP_SWEEP_MAX_AXES);
      return -1;
    }
    for (size_t a = 0; a < p0->n; a++) {
      sw_axis *ax = &sw->axes[sw->naxes++];
      snprintf(ax->name, sizeof ax->name, "%s", p0->keys[a]->value);
      if (is_section_name(ax->name)) {
        nested_axis_error(S, p0->keys[a], ax->name, p0->items[a]);
        continue;
      }
      if (!(ax->def = resolve_axis(S, p0->keys[a], ax->name))) continue;
      ax->coded = ax->def->type == SOCAP_PT_STRING || ax->def->type == SOCAP_PT_DLIST || ax->def->type == SOCAP_PT_ILIST;
      ax->kind = AX_VALUES;
      ax->values = calloc(pts->n, sizeof *ax->values);
      if (!ax->values) return sw_oom(S);
      for (size_t i = 0; i < pts->n; i++) {
        char t[TEXT_LEN];
        if (node_text(S, pts->items[i]->items[a], ax->name, t, sizeof t)) return -1;
        if (!(ax->values[i] = xstrdup(t))) return sw_oom(S);
        ax->nvalues++;
        if (check_axis_value(S, ax, pts->items[i]->keys[a], pts->items[i]->items[a]) && S->oom) return -1;
      }
    }
    sw->npoints = (int64_t)pts->n;
    return S->nerr ? -1 : 0;
  }
  if (pts) {
    serr(S, pts, "sweep.points", "points: is for list designs (design: list)");
    return -1;
  }
  if (!axes || axes->kind != SOCAP_YT_MAPPING || axes->n == 0) {
    char hint[120];
    serr(S, axes ? axes : sn, "sweep.axes", "expected axes: a mapping of parameter names to values%s",
         socap_yt_colon_hint(axes, hint, sizeof hint));
    return -1;
  }
  if (axes->n > SOCAP_SWEEP_MAX_AXES) {
    serr(S, axes, "sweep.axes", "at most %d axes (gsl_qrng_sobol's limit)", SOCAP_SWEEP_MAX_AXES);
    return -1;
  }
  for (size_t i = 0; i < axes->n; i++) {
    sw_axis *ax = &sw->axes[sw->naxes++];
    parse_axis(S, axes->keys[i], axes->items[i], ax);
  }
  return S->nerr ? -1 : 0;
}

static int load_doc(const socap_yt_doc *doc, const char *const *sets, int nsets, socap_sweep **out,
                    socap_config_errors *errs) {
  int rc;
  socap_sweep *sw = calloc(1, sizeof *sw);
  if (!sw) return SOCAP_ERROR(SOCAP_ERUNTIME, "out of memory");
  if ((rc = socap_config_load_doc(doc, sets, nsets, &sw->base, errs))) goto fail;
  sparse S = {sw, errs, 0, 0};
  if (parse_sweep(&S, doc->root) || S.nerr || S.oom) {
    rc = S.oom ? SOCAP_ERUNTIME : SOCAP_ECONFIG;
    goto fail;
  }
  /* --set of a swept parameter would be overridden at every point by the
     axis (while changing the design hash): say so instead */
  for (int k = 0; k < nsets; k++)
    for (int a = 0; a < sw->naxes; a++) {
      const size_t l = strlen(sw->axes[a].name);
      if (!strncmp(sets[k], sw->axes[a].name, l) && sets[k][l] == '=') {
        socap_config_error_add(errs, "--set", 1, 1, sw->axes[a].name,
                               "%s is an axis of this sweep, whose values override --set at every point; change "
                               "the axis instead", sw->axes[a].name);
        S.nerr++;
      }
    }
  if (S.nerr) {
    rc = SOCAP_ECONFIG;
    goto fail;
  }
  if (build_design(&S, socap_yt_get(doc->root, "sweep")) || S.nerr) {
    rc = S.nerr ? SOCAP_ECONFIG : SOCAP_ERUNTIME;
    goto fail;
  }
  if ((rc = make_yaml(sw))) goto fail;
  *out = sw;
  return SOCAP_OK;
fail:
  socap_sweep_free(sw);
  return rc;
}

int socap_sweep_load(const char *path, const char *const *sets, int nsets, socap_sweep **out,
                     socap_config_errors *errs) {
  socap_yt_doc *doc = NULL;
  *out = NULL;
  if (errs) errs->n = 0;
  int rc = socap_yt_parse_file(path, &doc, errs);
  if (rc) return rc;
  if (!doc->root || doc->root->kind != SOCAP_YT_MAPPING) {
    socap_config_error_add(errs, path, 1, 1, "", "a sweep file must be a mapping (a scenario plus a sweep: block)");
    socap_yt_free(doc);
    return SOCAP_ECONFIG;
  }
  rc = load_doc(doc, sets, nsets, out, errs);
  socap_yt_free(doc);
  return rc;
}

int socap_sweep_load_string(const char *text, const char *name, socap_sweep **out, socap_config_errors *errs) {
  socap_yt_doc *doc = NULL;
  *out = NULL;
  if (errs) errs->n = 0;
  int rc = socap_yt_parse_string(text, strlen(text), name ? name : "<string>", 0, &doc, errs);
  if (rc) return rc;
  if (!doc->root || doc->root->kind != SOCAP_YT_MAPPING) {
    socap_config_error_add(errs, name, 1, 1, "", "a sweep must be a mapping (a scenario plus a sweep: block)");
    socap_yt_free(doc);
    return SOCAP_ECONFIG;
  }
  rc = load_doc(doc, NULL, 0, out, errs);
  socap_yt_free(doc);
  return rc;
}

/* ---- tasks ------------------------------------------------------------------------- */

int socap_sweep_task_params(const socap_sweep *sw, int64_t task, socap_params *p, char *err, size_t errlen) {
  int64_t point = task / sw->replicates;
  *p = sw->base;
  socap_config_errors *errs = malloc(sizeof *errs);
  if (!errs) {
    snprintf(err, errlen, "out of memory");
    return SOCAP_ERUNTIME;
  }
  int rc = SOCAP_OK;
  for (int a = 0; a < sw->naxes; a++) {
    char t[TEXT_LEN], set[TEXT_LEN + 160];
    snprintf(set, sizeof set, "%s=%s", sw->axes[a].name, socap_sweep_value_text(sw, point, a, t, sizeof t));
    errs->n = 0;
    if ((rc = socap_config_apply_set(p, set, errs))) {
      if (errs->n) {
        const char *param = errs->e[0].param[0] ? errs->e[0].param : sw->axes[a].name;
        if (strstr(errs->e[0].msg, param)) snprintf(err, errlen, "%s", errs->e[0].msg);
        else snprintf(err, errlen, "%s: %s", param, errs->e[0].msg);
      }
      else snprintf(err, errlen, "%s: cannot apply value %s", sw->axes[a].name, t);
      goto done;
    }
  }
  p->seed = socap_sweep_task_seed(sw, task);
  if ((rc = socap_params_check(p, err, errlen))) rc = SOCAP_ECONFIG;
done:
  free(errs);
  return rc;
}

void socap_sweep_print(const socap_sweep *sw, FILE *f, int rows) {
  fprintf(f, "design %s: %lld points x %d replicates = %lld tasks, %d axes, design hash %s\n",
          design_name(sw->design), (long long)sw->npoints, sw->replicates, (long long)socap_sweep_n_tasks(sw),
          sw->naxes, sw->hash);
  fprintf(f, "%8s %8s %9s %20s", "task", "point", "replicate", "seed");
  for (int a = 0; a < sw->naxes; a++) fprintf(f, " %s", sw->axes[a].name);
  fputc('\n', f);
  int64_t nt = socap_sweep_n_tasks(sw);
  for (int64_t t = 0; t < nt && t < rows; t++) {
    fprintf(f, "%8lld %8lld %9lld %20llu", (long long)t, (long long)(t / sw->replicates),
            (long long)(t % sw->replicates), (unsigned long long)socap_sweep_task_seed(sw, t));
    for (int a = 0; a < sw->naxes; a++) {
      char buf[TEXT_LEN];
      fprintf(f, " %*s", (int)strlen(sw->axes[a].name), socap_sweep_value_text(sw, t / sw->replicates, a, buf, sizeof buf));
    }
    fputc('\n', f);
  }
  if (nt > rows) fprintf(f, "... (%lld more tasks)\n", (long long)(nt - rows));
}

/* ---- batch files ---------------------------------------------------------------------- */

void socap_sweep_opts_default(socap_sweep_opts *o) {
  memset(o, 0, sizeof *o);
  o->shard = o->nshards = 1;
  o->batch_tasks = 200;
  o->batch_seconds = 300;
  o->ranks = 1;
}

static double cpu_s(clockid_t id) {
  struct timespec ts;
  clock_gettime(id, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

typedef struct {
  int32_t task, point, rep;
  char msg[SOCAP_SWEEP_MSG_LEN];
} failure_row;

typedef struct {
  socap_h5file *f;
  socap_recorder *rec;
  socap_table *design;
  failure_row *fail;
  size_t nfail, capfail;
  int ntasks;
  double t_open;
  char t_start[32];
} batch;

static hid_t untimed(hid_t cls) {
  hid_t p = H5Pcreate(cls);
  if (p >= 0) H5Pset_obj_track_times(p, 0);
  return p;
}

/* One chunked 1-D dataset of @p n elements of @p type, with units and description. */
static int write_column(hid_t g, const char *name, hid_t type, size_t n, const void *data, const char *units,
                        const char *desc) {
  int rc = SOCAP_OK;
  hsize_t dims[1] = {n}, maxd[1] = {H5S_UNLIMITED}, chunk[1] = {256};
  hid_t s = H5Screate_simple(1, dims, maxd), dcpl = untimed(H5P_DATASET_CREATE), d = H5I_INVALID_HID;
  if (s < 0 || dcpl < 0 || H5Pset_chunk(dcpl, 1, chunk) < 0 || H5Pset_shuffle(dcpl) < 0 || H5Pset_deflate(dcpl, 4) < 0 ||
      (d = H5Dcreate2(g, name, type, s, H5P_DEFAULT, dcpl, H5P_DEFAULT)) < 0 ||
      (n && H5Dwrite(d, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data) < 0))
    rc = SOCAP_ERROR(SOCAP_EIO, "HDF5: cannot write column %s", name);
  if (!rc) rc = socap_h5_attr_str(d, "units", units);
  if (!rc) rc = socap_h5_attr_str(d, "description", desc);
  if (d >= 0) H5Dclose(d);
  if (dcpl >= 0) H5Pclose(dcpl);
  if (s >= 0) H5Sclose(s);
  return rc;
}

static hid_t msg_type(void) {
  hid_t t = H5Tcopy(H5T_C_S1);
  H5Tset_size(t, SOCAP_SWEEP_MSG_LEN);
  H5Tset_strpad(t, H5T_STR_NULLTERM);
  return t;
}

static int write_failures(hid_t root, const failure_row *f, size_t n) {
  int rc = SOCAP_OK;
  hid_t gcpl = untimed(H5P_GROUP_CREATE), g = H5I_INVALID_HID, mt = msg_type();
  int32_t *col = malloc((n ? n : 1) * sizeof *col);
  char *msg = calloc(n ? n : 1, SOCAP_SWEEP_MSG_LEN);
  if (!col || !msg) {
    rc = SOCAP_ERROR(SOCAP_ERUNTIME, "out of memory");
    goto done;
  }
  if ((g = H5Gcreate2(root, "failures", H5P_DEFAULT, gcpl, H5P_DEFAULT)) < 0) {
    rc = SOCAP_ERROR(SOCAP_EIO, "HDF5: cannot create /failures");
    goto done;
  }
  static const char *cols[] = {"task", "point", "replicate", "message"};
  if ((rc = socap_h5_attr_strlist(g, "columns", cols, 4)) ||
      (rc = socap_h5_attr_str(g, "description", "tasks that failed, with the error message")))
    goto done;
  for (size_t i = 0; i < n; i++) col[i] = f[i].task;
  if ((rc = write_column(g, "task", H5T_NATIVE_INT32, n, col, "1", "task id"))) goto done;
  for (size_t i = 0; i < n; i++) col[i] = f[i].point;
  if ((rc = write_column(g, "point", H5T_NATIVE_INT32, n, col, "1", "design point"))) goto done;
  for (size_t i = 0; i < n; i++) col[i] = f[i].rep;
  if ((rc = write_column(g, "replicate", H5T_NATIVE_INT32, n, col, "1", "replicate"))) goto done;
  for (size_t i = 0; i < n; i++) memcpy(msg + i * SOCAP_SWEEP_MSG_LEN, f[i].msg, SOCAP_SWEEP_MSG_LEN);
  rc = write_column(g, "message", mt, n, msg, "1", "error message (fixed-length string)");
done:
  free(col);
  free(msg);
  if (g >= 0) H5Gclose(g);
  if (gcpl >= 0) H5Pclose(gcpl);
  H5Tclose(mt);
  return rc;
}

static int batch_open(const socap_sweep *sw, const socap_sweep_opts *o, const char *tag, int seq, batch *b) {
  char path[4096];
  memset(b, 0, sizeof *b);
  snprintf(path, sizeof path, "%s/batch-%s-%06d.h5", o->dir, tag, seq);
  int rc = socap_h5_create(path, 0, &b->f);
  if (rc) return rc;
  hid_t root = socap_h5_root(b->f);
  socap_colspec *cols = calloc((size_t)sw->naxes + 4, sizeof *cols);
  if (!cols) return SOCAP_ERROR(SOCAP_ERUNTIME, "out of memory");
  cols[0] = (socap_colspec){"task", SOCAP_COL_I32, "1", "task id = point * replicates + replicate"};
  cols[1] = (socap_colspec){"point", SOCAP_COL_I32, "1", "design point"};
  cols[2] = (socap_colspec){"replicate", SOCAP_COL_I32, "1", "replicate 0..replicates-1"};
  cols[3] = (socap_colspec){"seed", SOCAP_COL_I64, "1", "task seed (53 bits): hash of (master seed, point, replicate)"};
  for (int a = 0; a < sw->naxes; a++) {
    const sw_axis *ax = &sw->axes[a];
    cols[4 + a] = (socap_colspec){ax->name, socap_sweep_axis_is_int(sw, a) ? SOCAP_COL_I32 : SOCAP_COL_F64,
                                  ax->coded ? "1" : ax->def->unit,
                                  ax->coded ? "index into the column's `values` attribute" : ax->def->doc};
  }
  if ((rc = socap_h5_attr_str(root, "socap_schema_version", SOCAP_SCHEMA_VERSION)) ||
      (rc = socap_h5_attr_str(root, "design_hash", sw->hash)) ||
      (rc = socap_table_create(root, "design", "one row per task: design point, replicate, seed and swept parameters",
                               cols, sw->naxes + 4, 1024, &b->design)))
    goto done;
  {
    hid_t g = H5Gopen2(root, "design", H5P_DEFAULT);
    if (g < 0) { rc = SOCAP_ERROR(SOCAP_EIO, "HDF5: cannot open /design"); goto done; }
    rc |= socap_h5_attr_str(g, "design", design_name(sw->design));
    rc |= socap_h5_attr_str(g, "design_hash", sw->hash);
    rc |= socap_h5_attr_i64(g, "n_points", sw->npoints);
    rc |= socap_h5_attr_i64(g, "replicates", sw->replicates);
    rc |= socap_h5_attr_i64(g, "n_tasks", socap_sweep_n_tasks(sw));
    for (int a = 0; a < sw->naxes && !rc; a++) {
      const sw_axis *ax = &sw->axes[a];
      hid_t d = H5Dopen2(g, ax->name, H5P_DEFAULT);
      if (d < 0) { rc = SOCAP_EIO; break; }
      if (ax->kind == AX_VALUES) {
        rc = socap_h5_attr_strlist(d, "values", (const char *const *)ax->values, ax->nvalues);
        /* index columns decode like every other category column */
        if (!rc && ax->coded) rc = socap_h5_attr_strlist(d, "codebook", (const char *const *)ax->values, ax->nvalues);
      } else {
        /* generated numbers: the bounds, and for a grid range its values as text */
        rc = socap_h5_attr_f64(d, "min", ax->lo);
        if (!rc) rc = socap_h5_attr_f64(d, "max", ax->hi);
        if (!rc) rc = socap_h5_attr_i64(d, "log", ax->log);
        if (!rc && ax->kind == AX_RANGE) {
          char (*txt)[40] = calloc((size_t)ax->steps, sizeof *txt);
          const char **ptr = calloc((size_t)ax->steps, sizeof *ptr);
          if (!txt || !ptr) rc = SOCAP_ERROR(SOCAP_ERUNTIME, "out of memory");
          for (int k = 0; !rc && k < ax->steps; k++) {
            double v = axis_map(ax, ax->steps > 1 ? (double)k / (double)(ax->steps - 1) : 0.0);
            if (ax->def->type == SOCAP_PT_INT) snprintf(txt[k], sizeof txt[k], "%.0f", v);
            else fmt_double(txt[k], sizeof txt[k], v);
            ptr[k] = txt[k];
          }
          if (!rc) rc = socap_h5_attr_strlist(d, "values", ptr, ax->steps);
          free(txt);
          free(ptr);
        }
      }
      if (!rc && ax->def->type == SOCAP_PT_ENUM) {
        const char *ch[32];
        char buf[256];
        int n = 0;
        snprintf(buf, sizeof buf, "%s", ax->def->choices);
        for (char *s = strtok(buf, ","); s && n < 32; s = strtok(NULL, ",")) ch[n++] = s;
        rc = socap_h5_attr_strlist(d, "codebook", ch, n);
      }
      H5Dclose(d);
    }
    H5Gclose(g);
    if (rc) goto done;
  }
  rc = socap_recorder_open_sized(root, &sw->base, o->batch_tasks > 0 ? o->batch_tasks : 200, &b->rec);
  b->t_open = now_s();
  socap_now_iso(b->t_start, sizeof b->t_start);
done:
  free(cols);
  return rc;
}

static void batch_abort(batch *b) {
  socap_table_close(b->design);
  socap_recorder_close(b->rec);
  socap_h5_abort(b->f);
  free(b->fail);
  memset(b, 0, sizeof *b);
}

static int batch_add(const socap_sweep *sw, batch *b, int64_t task, socap_recorder *cap, const char *fail_msg) {
  int64_t point = task / sw->replicates, rep = task % sw->replicates;
  int rc;
  socap_table_set_i32(b->design, 0, (int32_t)task);
  socap_table_set_i32(b->design, 1, (int32_t)point);
  socap_table_set_i32(b->design, 2, (int32_t)rep);
  socap_table_set_i64(b->design, 3, (int64_t)socap_sweep_task_seed(sw, task));
  for (int a = 0; a < sw->naxes; a++) {
    double v = socap_sweep_value(sw, point, a);
    if (socap_sweep_axis_is_int(sw, a)) socap_table_set_i32(b->design, 4 + a, isfinite(v) ? (int32_t)v : -1);
    else socap_table_set_f64(b->design, 4 + a, v);
  }
  if ((rc = socap_table_next_row(b->design))) return rc;
  if (fail_msg) {
    if (b->nfail == b->capfail) {
      size_t nc = b->capfail ? 2 * b->capfail : 16;
      failure_row *nf = realloc(b->fail, nc * sizeof *nf);
      if (!nf) return SOCAP_ERROR(SOCAP_ERUNTIME, "out of memory");
      b->fail = nf;
      b->capfail = nc;
    }
    failure_row *f = &b->fail[b->nfail++];
    memset(f, 0, sizeof *f);
    f->task = (int32_t)task;
    f->point = (int32_t)point;
    f->rep = (int32_t)rep;
    snprintf(f->msg, sizeof f->msg, "%s", fail_msg);
  } else if ((rc = socap_recorder_transfer(cap, b->rec))) {
    return rc;
  }
  b->ntasks++;
  return SOCAP_OK;
}

static int batch_close(const socap_sweep *sw, const socap_sweep_opts *o, batch *b) {
  int rc = socap_table_close(b->design);
  b->design = NULL;
  int rc2 = socap_recorder_close(b->rec);
  b->rec = NULL;
  if (!rc) rc = rc2;
  hid_t root = socap_h5_root(b->f);
  if (!rc) rc = write_failures(root, b->fail, b->nfail);
  if (!rc) {
    char t_end[32];
    socap_now_iso(t_end, sizeof t_end);
    socap_provenance pv = {sw->yaml, o->command, b->t_start, t_end, "sweep", o->threads, o->ranks, sw->base.seed};
    rc = socap_write_provenance(root, &pv);
    hid_t g = rc ? H5I_INVALID_HID : H5Gopen2(root, "provenance", H5P_DEFAULT);
    if (g >= 0) {
      rc |= socap_h5_attr_str(g, "design_hash", sw->hash);
      rc |= socap_h5_attr_i64(g, "tasks", b->ntasks);
      char shard[64];
      snprintf(shard, sizeof shard, "%d/%d", o->shard, o->nshards);
      rc |= socap_h5_attr_str(g, "shard", shard);
      H5Gclose(g);
    }
  }
  if (rc) {
    batch_abort(b);
    return rc;
  }
  rc = socap_h5_commit(b->f);
  b->f = NULL;
  free(b->fail);
  memset(b, 0, sizeof *b);
  return rc;
}

/* ---- reading batch files -------------------------------------------------------------- */

static int read_attr_str(hid_t obj, const char *name, char *buf, size_t len) {
  buf[0] = 0;
  if (H5Aexists(obj, name) <= 0) return -1;
  hid_t a = H5Aopen(obj, name, H5P_DEFAULT);
  hid_t t = a >= 0 ? H5Aget_type(a) : H5I_INVALID_HID;
  int rc = -1;
  if (t >= 0 && H5Tget_class(t) == H5T_STRING && !H5Tis_variable_str(t)) {
    size_t n = H5Tget_size(t);
    char *tmp = calloc(1, n + 1);
    if (tmp && H5Aread(a, t, tmp) >= 0) {
      snprintf(buf, len, "%s", tmp);
      rc = 0;
    }
    free(tmp);
  }
  if (t >= 0) H5Tclose(t);
  if (a >= 0) H5Aclose(a);
  return rc;
}

/* Read a whole int32 column; *out malloc'ed. Missing dataset: 0 rows. */
static int read_i32_column(hid_t f, const char *path, int32_t **out, size_t *n) {
  *out = NULL;
  *n = 0;
  if (H5Lexists(f, path, H5P_DEFAULT) <= 0) return 0;
  hid_t d = H5Dopen2(f, path, H5P_DEFAULT);
  if (d < 0) return -1;
  hid_t s = H5Dget_space(d);
  hssize_t k = H5Sget_simple_extent_npoints(s);
  int rc = -1;
  *out = malloc((size_t)(k > 0 ? k : 1) * sizeof **out);
  if (*out && k >= 0 && (k == 0 || H5Dread(d, H5T_NATIVE_INT32, H5S_ALL, H5S_ALL, H5P_DEFAULT, *out) >= 0)) {
    *n = (size_t)k;
    rc = 0;
  }
  H5Sclose(s);
  H5Dclose(d);
  return rc;
}

static int is_batch_name(const char *n, int part) {
  size_t l = strlen(n);
  const char *suf = part ? ".h5.part" : ".h5";
  size_t sl = strlen(suf);
  return strncmp(n, "batch-", 6) == 0 && l > 6 + sl && strcmp(n + l - sl, suf) == 0;
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* Sorted list of finished batch file names in dir. */
static int list_batches(const char *dir, char ***names, int *n) {
  *names = NULL;
  *n = 0;
  DIR *d = opendir(dir);
  if (!d) return SOCAP_ERROR(SOCAP_EIO, "cannot open directory '%s': %s", dir, strerror(errno));
  int cap = 0, rc = SOCAP_OK;
  struct dirent *e;
  while ((e = readdir(d))) {
    if (!is_batch_name(e->d_name, 0)) continue;
    if (*n == cap) {
      cap = cap ? 2 * cap : 64;
      char **nn = realloc(*names, (size_t)cap * sizeof *nn);
      if (!nn) { rc = SOCAP_ERROR(SOCAP_ERUNTIME, "out of memory"); break; }
      *names = nn;
    }
    if (!((*names)[*n] = xstrdup(e->d_name))) { rc = SOCAP_ERROR(SOCAP_ERUNTIME, "out of memory"); break; }
    (*n)++;
  }
  closedir(d);
  if (*n) qsort(*names, (size_t)*n, sizeof **names, cmp_str);
  return rc;
}

static void free_names(char **names, int n) {
  for (int i = 0; i < n; i++) free(names[i]);
  free(names);
}

/* Open a finished batch read-only and check its design hash (if @p hash). */
/* Open batch file @p name of @p dir and check it. @p hash: the design hash it
 * must have (NULL: any; the file's goes to @p got_hash if not NULL).
 * @p schema (NULL: not checked): the output schema version it must have, or
 * "" to take the file's; batches of two schema versions have different
 * columns, so a sweep must not mix them. @p schema_from says where the
 * expected version came from, for the message. */
static int open_batch(const char *dir, const char *name, const char *hash, hid_t *fid, char *got_hash,
                      char schema[16], const char *schema_from) {
  char path[4096];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
  *fid = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
  if (*fid < 0) return SOCAP_ERROR(SOCAP_EIO, "cannot read batch file '%s' (not HDF5 or damaged)", path);
  char h[64], v[16];
  if (read_attr_str(*fid, "design_hash", h, sizeof h)) {
    H5Fclose(*fid);
    return SOCAP_ERROR(SOCAP_EIO, "'%s' has no design_hash: not a socap sweep batch", path);
  }
  if (got_hash) snprintf(got_hash, 17, "%.16s", h);
  if (hash && strcmp(h, hash)) {
    H5Fclose(*fid);
    return SOCAP_ERROR(SOCAP_ECONFIG,
                       "'%s' belongs to a different sweep (design hash %s, this sweep %s): use a new output "
                       "directory",
                       path, h, hash);
  }
  if (schema) {
    if (read_attr_str(*fid, "socap_schema_version", v, sizeof v)) {
      H5Fclose(*fid);
      return SOCAP_ERROR(SOCAP_EIO, "'%s' has no socap_schema_version: not a socap sweep batch", path);
    }
    if (!schema[0]) {
      snprintf(schema, 16, "%s", v);
    } else if (strcmp(v, schema)) {
      H5Fclose(*fid);
      return SOCAP_ERROR(SOCAP_ECONFIG,
                         "'%s' has output schema %s where %s was expected (%s): batches of two schema "
                         "versions have different columns and cannot be mixed; finish or merge this sweep "
                         "with the socap version that started it, or start a new output directory",
                         path, v, schema, schema_from ? schema_from : "");
    }
  }
  return SOCAP_OK;
}

/* ---- preparing the directory ----------------------------------------------------------- */

static int write_file_durably(const char *dir, const char *name, const char *text) {
  char tmp[4096], path[4096];
  snprintf(tmp, sizeof tmp, "%s/.%s.%ld.tmp", dir, name, (long)getpid());
  snprintf(path, sizeof path, "%s/%s", dir, name);
  int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return SOCAP_ERROR(SOCAP_EIO, "cannot create '%s': %s", tmp, strerror(errno));
  size_t len = strlen(text), off = 0;
  while (off < len) {
    ssize_t w = write(fd, text + off, len - off);
    if (w < 0) {
      if (errno == EINTR) continue;
      close(fd);
      unlink(tmp);
      return SOCAP_ERROR(SOCAP_EIO, "cannot write '%s': %s", tmp, strerror(errno));
    }
    off += (size_t)w;
  }
  if (fsync(fd) != 0 || close(fd) != 0 || rename(tmp, path) != 0) {
    unlink(tmp);
    return SOCAP_ERROR(SOCAP_EIO, "cannot write '%s': %s", path, strerror(errno));
  }
  int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    fsync(dfd);
    close(dfd);
  }
  return SOCAP_OK;
}

/* Design hash from the second line of DIR/sweep.yaml ("" if absent). */
static int dir_hash(const char *dir, char *hash) {
  char path[4096], line[256];
  hash[0] = 0;
  snprintf(path, sizeof path, "%s/sweep.yaml", dir);
  FILE *f = fopen(path, "r");
  if (!f) return errno == ENOENT ? 0 : SOCAP_ERROR(SOCAP_EIO, "cannot read '%s': %s", path, strerror(errno));
  while (fgets(line, sizeof line, f)) {
    const char *k = strstr(line, "# design_hash: ");
    if (k) {
      snprintf(hash, 17, "%.*s", (int)strcspn(k + 15, " \t\r\n"), k + 15); /* at most 16 characters */
      break;
    }
    if (line[0] != '#') break;
  }
  fclose(f);
  return 0;
}

/* The design hash of @p dir's sweep.yaml into @p h ("" if none yet): an
 * error if it is another sweep's. */
static int this_sweep_dir(const char *dir, const char *hash, char h[32]) {
  int rc = dir_hash(dir, h);
  if (rc) return rc;
  if (h[0] && strcmp(h, hash))
    return SOCAP_ERROR(SOCAP_ECONFIG,
                       "'%s' holds a different sweep (design hash %s, this sweep %s); nothing was changed: use a "
                       "new output directory",
                       dir, h, hash);
  return SOCAP_OK;
}

/* Each worker (tag) holds DIR/.socap-lock-TAG locked while it runs. */
#define LOCK_PREFIX ".socap-lock-"

static void default_tag(const socap_sweep_opts *o, char *tag, size_t len);

/* 1 if directory @p dir holds an entry that a sweep does not write (its
 * name into @p name), else 0: a directory that is not a sweep's. */
static int foreign_entry(const char *dir, char *name, size_t len) {
  DIR *d = opendir(dir);
  struct dirent *e;
  int found = 0;
  while (!found && d && (e = readdir(d)))
    if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..") && !is_batch_name(e->d_name, 0) &&
        !is_batch_name(e->d_name, 1) && strncmp(e->d_name, ".sweep.yaml.", 12) &&
        strncmp(e->d_name, LOCK_PREFIX, strlen(LOCK_PREFIX)) && strcmp(e->d_name, "sweep.yaml")) {
      snprintf(name, len, "%s", e->d_name);
      found = 1;
    }
  if (d) closedir(d);
  return found;
}

/* Lock this worker's lock file in o->dir (made if need be) for as long as
 * *fd stays open: the same shard started twice is refused before any work
 * (a check for a locked .part alone missed a worker between two batches,
 * and the two then raced for the next batch name). The lock goes with the
 * process, so a killed worker leaves nothing to clean. A file system
 * without locks: no lock, as for the .part files. */
static int lock_worker(const socap_sweep_opts *o, int *fd) {
  char tag[64], path[4200];
  *fd = -1;
  default_tag(o, tag, sizeof tag);
  if (mkdir(o->dir, 0777) != 0 && errno != EEXIST) return SOCAP_OK; /* socap_sweep_prepare reports it */
  char other[256];
  snprintf(path, sizeof path, "%s/sweep.yaml", o->dir);
  if (access(path, F_OK) != 0 && foreign_entry(o->dir, other, sizeof other))
    return SOCAP_OK; /* not a sweep's directory: socap_sweep_prepare refuses it, and it is left untouched */
  snprintf(path, sizeof path, "%s/" LOCK_PREFIX "%s", o->dir, tag);
  *fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0666);
  if (*fd < 0) return SOCAP_OK; /* a read-only directory: socap_sweep_prepare reports it */
  if (socap_lock_fd(*fd) == 0) return SOCAP_OK;
  close(*fd);
  *fd = -1;
  return SOCAP_ERROR(SOCAP_EIO,
                     "another sweep worker with the same shard (%s) is running in '%s'; nothing was changed (run "
                     "each shard once, or wait for that worker to finish)", tag, o->dir);
}

static void default_tag(const socap_sweep_opts *o, char *tag, size_t len) {
  if (o->tag) snprintf(tag, len, "%s", o->tag);
  else snprintf(tag, len, "%dof%d", o->shard, o->nshards);
}

/* Is @p name a batch of an MPI rank of shard @p shard of @p nshards:
 * "batch-r<K>of<N>-s<shard>of<nshards>-SEQ..." with shards, else
 * "batch-r<K>of<N>-SEQ..." (the batches of MPI jobs of other shards are
 * theirs)? */
static int is_rank_batch(const char *name, int shard, int nshards) {
  const char *s = name + strlen("batch-");
  if (strncmp(name, "batch-r", 7) != 0 || !isdigit((unsigned char)s[1])) return 0;
  for (s++; isdigit((unsigned char)*s); s++) {}
  if (strncmp(s, "of", 2) != 0 || !isdigit((unsigned char)s[2])) return 0;
  for (s += 2; isdigit((unsigned char)*s); s++) {}
  if (*s++ != '-') return 0;
  if (nshards <= 1) return isdigit((unsigned char)*s);
  char sh[32];
  snprintf(sh, sizeof sh, "s%dof%d-", shard, nshards);
  return strncmp(s, sh, strlen(sh)) == 0;
}

static int mine(const socap_sweep_opts *o, int64_t task) { return task % o->nshards == o->shard - 1; }

static void add_failure_text(char *buf, size_t len, int64_t task, const char *msg) {
  size_t l = strlen(buf);
  if (l + 40 >= len) return;
  snprintf(buf + l, len - l, "%stask %lld: %s", l ? "; " : "", (long long)task, msg);
}

int socap_sweep_prepare(const socap_sweep *sw, const socap_sweep_opts *o, int64_t **pending, int64_t *npending,
                        socap_sweep_result *res) {
  int rc = SOCAP_OK, nb = 0;
  char **names = NULL, tag[64], h[32];
  uint8_t *seen = NULL;
  int64_t nt = socap_sweep_n_tasks(sw);
  *pending = NULL;
  *npending = 0;
  memset(res, 0, sizeof *res);
  if (o->nshards < 1 || o->shard < 1 || o->shard > o->nshards)
    return SOCAP_ERROR(SOCAP_ECONFIG, "bad shard %d/%d (expected i/n with 1 <= i <= n)", o->shard, o->nshards);
  default_tag(o, tag, sizeof tag);
  if (mkdir(o->dir, 0777) != 0 && errno != EEXIST)
    return SOCAP_ERROR(SOCAP_EIO, "cannot create directory '%s': %s", o->dir, strerror(errno));
  /* batches are created as tasks finish: a directory we cannot write into
   * (a read-only file system, say) is reported now, not after the first task */
  if (access(o->dir, W_OK | X_OK) != 0)
    return SOCAP_ERROR(SOCAP_EIO, "cannot write into '%s': %s", o->dir, strerror(errno));
  if ((rc = this_sweep_dir(o->dir, sw->hash, h))) return rc;
  if ((rc = list_batches(o->dir, &names, &nb))) goto done;
  if (!h[0]) {
    /* no sweep.yaml: the directory must be new or hold only batches */
    char other[256];
    if (foreign_entry(o->dir, other, sizeof other)) {
      rc = SOCAP_ERROR(SOCAP_ECONFIG, "'%s' is not empty and is not a socap sweep directory (found '%s')", o->dir,
                       other);
      goto done;
    }
    /* a shard started at the same time may have written sweep.yaml since */
    if ((rc = this_sweep_dir(o->dir, sw->hash, h))) goto done;
  }
  seen = calloc((size_t)(nt ? nt : 1), 1);
  if (!seen) { rc = SOCAP_ERROR(SOCAP_ERUNTIME, "out of memory"); goto done; }
  for (int i = 0; i < nb; i++) {
    hid_t fid;
    int32_t *tasks = NULL, *ftasks = NULL;
    size_t n = 0, nf = 0;
    char want[16];
    snprintf(want, sizeof want, "%s", SOCAP_SCHEMA_VERSION);
    if ((rc = open_batch(o->dir, names[i], sw->hash, &fid, NULL, want, "the version this socap writes"))) goto done;
    if (read_i32_column(fid, "design/task", &tasks, &n) || read_i32_column(fid, "failures/task", &ftasks, &nf)) {
      rc = SOCAP_ERROR(SOCAP_EIO, "cannot read the task ids of '%s/%s'", o->dir, names[i]);
    }
    for (size_t k = 0; k < n && !rc; k++)
      if (tasks[k] >= 0 && tasks[k] < nt) seen[tasks[k]] = 1;
    for (size_t k = 0; k < nf && !rc; k++)
      if (ftasks[k] >= 0 && ftasks[k] < nt && seen[ftasks[k]] == 1) {
        seen[ftasks[k]] = 2;
        if (mine(o, ftasks[k])) {
          char msg[SOCAP_SWEEP_MSG_LEN] = "";
          hid_t d = H5Dopen2(fid, "failures/message", H5P_DEFAULT);
          if (d >= 0) {
            hid_t mt = msg_type(), fs = H5Dget_space(d);
            hsize_t st[1] = {k}, cnt[1] = {1};
            hid_t ms = H5Screate_simple(1, cnt, NULL);
            H5Sselect_hyperslab(fs, H5S_SELECT_SET, st, NULL, cnt, NULL);
            H5Dread(d, mt, ms, fs, H5P_DEFAULT, msg);
            H5Sclose(ms);
            H5Sclose(fs);
            H5Tclose(mt);
            H5Dclose(d);
          }
          add_failure_text(res->failures, sizeof res->failures, ftasks[k], msg);
        }
      }
    free(tasks);
    free(ftasks);
    H5Fclose(fid);
    if (rc) goto done;
  }
  int64_t nmine = 0;
  for (int64_t t = 0; t < nt; t++)
    if (mine(o, t)) {
      nmine++;
      if (seen[t]) {
        res->skipped++;
        if (seen[t] == 2) res->prev_failed++;
      }
    }
  res->total = nmine;
  if (res->skipped && !o->resume) {
    rc = SOCAP_ERROR(SOCAP_ECONFIG,
                     "'%s' already holds %lld finished tasks of this sweep%s; pass --resume to run only the "
                     "missing ones (nothing was changed)",
                     o->dir, (long long)res->skipped, o->nshards > 1 ? " and shard" : "");
    goto done;
  }
  /* stale .part files of this tag: left by a killed run of this worker. One
   * that a live process holds locked (sim/outpart.h) is being written by the
   * same worker started twice: then nothing is removed. Under MPI (o->ranks
   * > 1, rank 0 preparing) the ranks' batches are tagged rKofN: the stale
   * ones of any earlier MPI run are removed. */
  if (o->ranks > 1 && o->nshards > 1)
    snprintf(tag, sizeof tag, "rKof%d-s%dof%d (an MPI rank)", o->ranks, o->shard, o->nshards);
  else if (o->ranks > 1)
    snprintf(tag, sizeof tag, "rKof%d (an MPI rank)", o->ranks);
  {
    DIR *d = opendir(o->dir);
    struct dirent *e;
    char prefix[96], **parts = NULL;
    int np = 0, held = -1;
    snprintf(prefix, sizeof prefix, "batch-%s-", tag);
    while (!rc && d && (e = readdir(d)))
      if (is_batch_name(e->d_name, 1) &&
          (o->ranks > 1 ? is_rank_batch(e->d_name, o->shard, o->nshards)
                        : !strncmp(e->d_name, prefix, strlen(prefix)))) {
        char **pp = realloc(parts, (size_t)(np + 1) * sizeof *pp);
        size_t len = strlen(o->dir) + strlen(e->d_name) + 2;
        if (pp) parts = pp;
        if (!pp || !(parts[np] = malloc(len))) {
          rc = SOCAP_ERROR(SOCAP_ERUNTIME, "out of memory");
          break;
        }
        snprintf(parts[np++], len, "%s/%s", o->dir, e->d_name);
      }
    if (d) closedir(d);
    if (!rc) rc = socap_outpart_remove_stale(parts, np, &held);
    if (!rc && held >= 0)
      rc = SOCAP_ERROR(SOCAP_EIO,
                       "'%s' is being written by a live process: another sweep worker with the same tag/shard "
                       "(%s) seems to be writing into '%s'; nothing was changed (run each shard once, or wait "
                       "for that worker to finish)",
                       parts[held], tag, o->dir);
    free_names(parts, np);
    if (rc) goto done;
  }
  if (!h[0] && (rc = write_file_durably(o->dir, "sweep.yaml", sw->yaml))) goto done;
  *pending = malloc((size_t)(nmine - res->skipped + 1) * sizeof **pending);
  if (!*pending) { rc = SOCAP_ERROR(SOCAP_ERUNTIME, "out of memory"); goto done; }
  for (int64_t t = 0; t < nt; t++)
    if (mine(o, t) && !seen[t]) (*pending)[(*npending)++] = t;
done:
  free(seen);
  free_names(names, nb);
  return rc;
}

/* Next sequence number for batch files of this tag. */
static int next_seq(const char *dir, const char *tag) {
  char prefix[96];
  int seq = 0;
  snprintf(prefix, sizeof prefix, "batch-%s-", tag);
  DIR *d = opendir(dir);
  struct dirent *e;
  while (d && (e = readdir(d)))
    if (!strncmp(e->d_name, prefix, strlen(prefix))) {
      int s = atoi(e->d_name + strlen(prefix));
      if (s + 1 > seq) seq = s + 1;
    }
  if (d) closedir(d);
  return seq;
}

/* ---- running ------------------------------------------------------------------------- */

/* Compute one task into @p cap; on failure write the message into @p msg. */
static int run_task(const socap_sweep *sw, int64_t task, socap_params *p, socap_recorder *cap, char *msg,
                    size_t len) {
  int rc = socap_sweep_task_params(sw, task, p, msg, len);
  if (rc) return rc;
  socap_error_clear();
  if ((rc = socap_recorder_run(cap, p, (uint64_t)task, NULL, NULL))) {
    snprintf(msg, len, "%s", socap_error_message()[0] ? socap_error_message() : "the model failed");
    socap_recorder_clear(cap);
  }
  return rc;
}

int socap_sweep_execute(const socap_sweep *sw, const socap_sweep_opts *o, int64_t ntasks_hint,
                        socap_sweep_next_fn next, void *ctx, socap_sweep_result *res) {
  char tag[64], fatal[512] = "";
  int rc = SOCAP_OK, seq, stop = 0;
  batch b;
  memset(&b, 0, sizeof b);
  default_tag(o, tag, sizeof tag);
  seq = next_seq(o->dir, tag);
  int nthreads = o->threads > 0 ? o->threads : omp_get_max_threads();
  int bt = o->batch_tasks > 0 ? o->batch_tasks : 200;
  double bs = o->batch_seconds > 0 ? o->batch_seconds : 300;
  int par = nthreads > 1 && ntasks_hint >= nthreads;
  socap_sweep_opts oo = *o;
  oo.threads = nthreads;
  int64_t total = res->total, base_done = res->skipped, base_failed = res->prev_failed;
  double wall0 = now_s(), cpu0 = cpu_s(CLOCK_PROCESS_CPUTIME_ID);

#pragma omp parallel num_threads(par ? nthreads : 1)
  {
    /* HDF5's error printing is per thread in a thread-safe build: off on
     * each worker too, or a full disk prints HDF5's stack before our one line */
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    socap_recorder *cap = NULL;
    socap_params *p = malloc(sizeof *p);
    int lrc = p ? socap_recorder_open_capture(&sw->base, &cap) : SOCAP_ERUNTIME;
    if (lrc) {
#pragma omp critical(socap_sweep_io)
      {
        if (!rc) {
          rc = lrc;
          snprintf(fatal, sizeof fatal, "%s", socap_error_message());
        }
        stop = 1;
      }
    }
    for (;;) {
      int64_t task = -1;
      int got = 0;
#pragma omp critical(socap_sweep_io)
      {
        if (!stop && o->stop && *o->stop) {
          stop = 1;
          res->stopped = 1;
        }
        if (!stop) got = next(ctx, &task);
      }
      if (!got) break;
      char msg[SOCAP_SWEEP_MSG_LEN];
      double t0 = now_s(), c0 = cpu_s(CLOCK_THREAD_CPUTIME_ID);
      int trc = run_task(sw, task, p, cap, msg, sizeof msg);
      double dt = now_s() - t0, dc = cpu_s(CLOCK_THREAD_CPUTIME_ID) - c0;
#pragma omp critical(socap_sweep_io)
      {
        res->task_seconds += dt;
        res->task_cpu_seconds += dc;
        if (!stop) {
          int e = SOCAP_OK;
          if (!b.f) e = batch_open(sw, &oo, tag, seq++, &b);
          if (!e) e = batch_add(sw, &b, task, cap, trc ? msg : NULL);
          if (!e && (b.ntasks >= bt || now_s() - b.t_open >= bs)) e = batch_close(sw, &oo, &b);
          if (e) {
            rc = e;
            snprintf(fatal, sizeof fatal, "%s", socap_error_message());
            stop = 1;
          } else {
            if (trc) {
              res->failed++;
              add_failure_text(res->failures, sizeof res->failures, task, msg);
            } else {
              res->done++;
            }
            if (o->progress)
              o->progress(o->progress_ctx, base_done + res->done + res->failed, base_failed + res->failed, total);
          }
        }
      }
      socap_recorder_clear(cap);
    }
    socap_recorder_close(cap);
    free(p);
  }
  if (b.f) {
    if (rc) batch_abort(&b);
    else if ((rc = batch_close(sw, &oo, &b))) snprintf(fatal, sizeof fatal, "%s", socap_error_message());
  }
  res->wall_seconds = now_s() - wall0;
  res->cpu_seconds = cpu_s(CLOCK_PROCESS_CPUTIME_ID) - cpu0;
  if (rc) SOCAP_ERROR(rc, "%s", fatal[0] ? fatal : "sweep failed");
  return rc;
}

typedef struct {
  const int64_t *t;
  int64_t n, i;
} list_src;

static int list_next(void *ctx, int64_t *task) {
  list_src *s = ctx;
  if (s->i >= s->n) return 0;
  *task = s->t[s->i++];
  return 1;
}

int socap_sweep_run(const socap_sweep *sw, const socap_sweep_opts *o, socap_sweep_result *res) {
  int64_t *pending = NULL, np = 0;
  int lockfd = -1;
  memset(res, 0, sizeof *res);
  int rc = lock_worker(o, &lockfd);
  if (!rc) rc = socap_sweep_prepare(sw, o, &pending, &np, res);
  if (!rc) {
    list_src src = {pending, np, 0};
    if (o->progress && res->total) o->progress(o->progress_ctx, res->skipped, res->prev_failed, res->total);
    rc = socap_sweep_execute(sw, o, np, list_next, &src, res);
  }
  free(pending);
  if (lockfd >= 0) close(lockfd);
  return rc;
}

/* ---- merge ------------------------------------------------------------------------------ */

typedef struct {
  int32_t task, file;
  int64_t row;
} row_key;

static int cmp_key(const void *a, const void *b) {
  const row_key *x = a, *y = b;
  if (x->task != y->task) return x->task < y->task ? -1 : 1;
  if (x->file != y->file) return x->file < y->file ? -1 : 1;
  return x->row < y->row ? -1 : x->row > y->row;
}

/* Read the whole dataset @p path of file @p fid as raw elements of its own type. */
static int read_raw(hid_t fid, const char *path, void **buf, size_t *n, size_t *esize) {
  *buf = NULL;
  *n = 0;
  hid_t d = H5Dopen2(fid, path, H5P_DEFAULT);
  if (d < 0) return SOCAP_ERROR(SOCAP_EIO, "HDF5: cannot open %s", path);
  hid_t t = H5Dget_type(d), s = H5Dget_space(d);
  hssize_t k = H5Sget_simple_extent_npoints(s);
  int rc = SOCAP_OK;
  *esize = H5Tget_size(t);
  *buf = malloc((size_t)(k > 0 ? k : 1) * *esize);
  if (!*buf) rc = SOCAP_ERROR(SOCAP_ERUNTIME, "out of memory");
  else if (k > 0 && H5Dread(d, t, H5S_ALL, H5S_ALL, H5P_DEFAULT, *buf) < 0)
    rc = SOCAP_ERROR(SOCAP_EIO, "HDF5: cannot read %s", path);
  *n = (size_t)(k > 0 ? k : 0);
  H5Tclose(t);
  H5Sclose(s);
  H5Dclose(d);
  return rc;
}

/* Names of the column datasets of table group @p g (its `columns` attribute). */
static int table_columns(hid_t g, char ***cols, int *ncols) {
  *cols = NULL;
  *ncols = 0;
  if (H5Aexists(g, "columns") <= 0) return SOCAP_OK;
  hid_t a = H5Aopen(g, "columns", H5P_DEFAULT), t = H5Aget_type(a), s = H5Aget_space(a);
  hssize_t n = H5Sget_simple_extent_npoints(s);
  size_t w = H5Tget_size(t);
  char *buf = calloc((size_t)(n > 0 ? n : 1), w + 1);
  int rc = SOCAP_OK;
  hid_t mt = H5Tcopy(H5T_C_S1);
  H5Tset_size(mt, w + 1);
  if (!buf || H5Aread(a, mt, buf) < 0) rc = SOCAP_ERROR(SOCAP_EIO, "HDF5: cannot read a columns attribute");
  if (!rc) {
    *cols = calloc((size_t)(n > 0 ? n : 1), sizeof **cols);
    if (!*cols) rc = SOCAP_ERROR(SOCAP_ERUNTIME, "out of memory");
    for (hssize_t i = 0; i < n && !rc; i++) {
      if (!((*cols)[i] = xstrdup(buf + i * (w + 1)))) rc = SOCAP_ERROR(SOCAP_ERUNTIME, "out of memory");
      else (*ncols)++;
    }
  }
  H5Tclose(mt);
  free(buf);
  H5Sclose(s);
  H5Tclose(t);
  H5Aclose(a);
  return rc;
}

typedef struct {
  const char *dir;
  char **names;
  int nb;
  int32_t *owner;          /* per task: file index that provides it, -1 if none */
  int64_t nt;
} merge_ctx;

/* Merge table @p tname from all batches into @p out, ordered by task. */
static int merge_table(merge_ctx *M, const char *tname, hid_t out) {
  int rc = SOCAP_OK, first = -1, ncols = 0;
  char **cols = NULL, path[512];
  row_key *keys = NULL;
  int64_t nkeys = 0, capk = 0;
  int64_t **dest = NULL; /* per file, per row: destination, -1 to drop */
  size_t *frows = NULL;
  hid_t g = H5I_INVALID_HID, fid = H5I_INVALID_HID;
  unsigned char *obuf = NULL;
  dest = calloc((size_t)M->nb, sizeof *dest);
  frows = calloc((size_t)M->nb, sizeof *frows);
  if (!dest || !frows) { rc = SOCAP_ERROR(SOCAP_ERUNTIME, "out of memory"); goto done; }
  snprintf(path, sizeof path, "%s/task", tname);
  for (int i = 0; i < M->nb && !rc; i++) {
    int32_t *tasks = NULL;
    size_t n = 0;
    if ((rc = open_batch(M->dir, M->names[i], NULL, &fid, NULL, NULL, NULL))) goto done;
    if (H5Lexists(fid, tname, H5P_DEFAULT) > 0) {
      if (first < 0) first = i;
      if (read_i32_column(fid, path, &tasks, &n)) rc = SOCAP_ERROR(SOCAP_EIO, "cannot read %s of '%s'", path, M->names[i]);
    }
    H5Fclose(fid);
    fid = H5I_INVALID_HID;
    frows[i] = n;
    dest[i] = malloc((n ? n : 1) * sizeof **dest);
    if (!dest[i]) rc = SOCAP_ERROR(SOCAP_ERUNTIME, "out of memory");
    for (size_t r = 0; r < n && !rc; r++) {
      dest[i][r] = -1;
      int32_t t = tasks[r];
      if (t < 0 || t >= M->nt || M->owner[t] != i) continue;
      if (nkeys == capk) {
        capk = capk ? 2 * capk : 4096;
        row_key *nk = realloc(keys, (size_t)capk * sizeof *nk);
        if (!nk) { rc = SOCAP_ERROR(SOCAP_ERUNTIME, "out of memory"); break; }
        keys = nk;
      }
      keys[nkeys++] = (row_key){t, i, (int64_t)r};
    }
    free(tasks);
  }
  if (rc || first < 0) goto done;
  if (nkeys) qsort(keys, (size_t)nkeys, sizeof *keys, cmp_key);
  for (int64_t k = 0; k < nkeys; k++) dest[keys[k].file][keys[k].row] = k;
  /* structure and attributes: copy the group of the first batch that has it */
  {
    char src[4096];
    snprintf(src, sizeof src, "%s/%s", M->dir, M->names[first]);
    if ((fid = H5Fopen(src, H5F_ACC_RDONLY, H5P_DEFAULT)) < 0 ||
        H5Ocopy(fid, tname, out, tname, H5P_DEFAULT, H5P_DEFAULT) < 0) {
      rc = SOCAP_ERROR(SOCAP_EIO, "HDF5: cannot copy /%s from '%s'", tname, src);
      goto done;
    }
    g = H5Gopen2(fid, tname, H5P_DEFAULT);
    rc = g < 0 ? SOCAP_EIO : table_columns(g, &cols, &ncols);
    H5Gclose(g);
    H5Fclose(fid);
    fid = H5I_INVALID_HID;
    if (rc) goto done;
  }
  for (int c = 0; c < ncols && !rc; c++) {
    char cpath[512];
    snprintf(cpath, sizeof cpath, "%s/%s", tname, cols[c]);
    size_t es = 0;
    for (int i = 0; i < M->nb && !rc; i++) {
      if (!frows[i]) continue;
      void *buf = NULL;
      size_t n = 0, e = 0;
      if ((rc = open_batch(M->dir, M->names[i], NULL, &fid, NULL, NULL, NULL))) break;
      rc = read_raw(fid, cpath, &buf, &n, &e);
      H5Fclose(fid);
      fid = H5I_INVALID_HID;
      if (!rc && n != frows[i]) rc = SOCAP_ERROR(SOCAP_EIO, "'%s': %s has %zu rows, expected %zu", M->names[i], cpath, n, frows[i]);
      if (!rc && !obuf) {
        es = e;
        obuf = malloc((size_t)(nkeys ? nkeys : 1) * es);
        if (!obuf) rc = SOCAP_ERROR(SOCAP_ERUNTIME, "out of memory");
      }
      if (!rc && e != es) rc = SOCAP_ERROR(SOCAP_EIO, "'%s': %s has another element size", M->names[i], cpath);
      for (size_t r = 0; r < n && !rc; r++)
        if (dest[i][r] >= 0) memcpy(obuf + (size_t)dest[i][r] * es, (unsigned char *)buf + r * es, es);
      free(buf);
    }
    if (rc) break;
    hid_t d = H5Dopen2(out, cpath, H5P_DEFAULT);
    hsize_t size[1] = {(hsize_t)nkeys};
    hid_t t = d >= 0 ? H5Dget_type(d) : H5I_INVALID_HID;
    if (d < 0 || t < 0 || H5Dset_extent(d, size) < 0 ||
        (nkeys && (!obuf || H5Dwrite(d, t, H5S_ALL, H5S_ALL, H5P_DEFAULT, obuf) < 0)))
      rc = SOCAP_ERROR(SOCAP_EIO, "HDF5: cannot write merged %s", cpath);
    if (t >= 0) H5Tclose(t);
    if (d >= 0) H5Dclose(d);
    free(obuf);
    obuf = NULL;
  }
done:
  if (fid >= 0) H5Fclose(fid);
  free(obuf);
  if (dest)
    for (int i = 0; i < M->nb; i++) free(dest[i]);
  free(dest);
  free(frows);
  free(keys);
  free_names(cols, ncols);
  return rc;
}

/* Names of the top-level table groups of a batch (all groups except provenance). */
static herr_t collect_group(hid_t g, const char *name, const H5L_info_t *info, void *data) {
  (void)info;
  hid_t o = H5Oopen(g, name, H5P_DEFAULT);
  if (o < 0) return -1;
  int is_group = H5Iget_type(o) == H5I_GROUP;
  H5Oclose(o);
  if (!is_group || !strcmp(name, "provenance")) return 0;
  char ***list = data;
  int n = 0;
  while ((*list)[n]) n++;
  if (n >= 31) return 0;
  (*list)[n] = xstrdup(name);
  return 0;
}

static int in_list(char **list, const char *s) {
  for (int k = 0; list[k]; k++)
    if (!strcmp(list[k], s)) return 1;
  return 0;
}

/* Every batch of a sweep has the same tables, the run tables always (a
   batch of failed tasks has them empty): a batch without one was damaged,
   and merging would drop its rows, or the whole table, silently. Checks
   batch i (open as fid) against the tables of the first, @p first. */
static int check_batch_tables(const char *dir, char **names, int i, hid_t fid, char **first) {
  static const char *const always[] = {"timeseries", "global", "agents", NULL};
  char **mine = calloc(32, sizeof *mine);
  if (!mine) return SOCAP_ERROR(SOCAP_ERUNTIME, "out of memory");
  H5Literate(fid, H5_INDEX_NAME, H5_ITER_INC, NULL, collect_group, &mine);
  const char *x = NULL, *has = NULL, *lacks = names[i];
  for (int q = 0; !x && always[q]; q++)
    if (!in_list(mine, always[q])) x = always[q];
  for (int q = 0; !x && i > 0 && first[q]; q++)
    if (!in_list(mine, first[q])) { x = first[q]; has = names[0]; }
  for (int q = 0; !x && i > 0 && mine[q]; q++)
    if (!in_list(first, mine[q])) { x = mine[q]; has = names[i]; lacks = names[0]; }
  int rc = SOCAP_OK;
  if (x)
    rc = SOCAP_ERROR(SOCAP_EIO, "'%s/%s' has no table /%s%s%s%s: a damaged batch file (every batch of a sweep has "
                                "the same tables); move it away and rerun its tasks with socap sweep --resume",
                     dir, lacks, x, has ? " (which '" : "", has ? has : "", has ? "' has)" : "");
  for (int q = 0; mine[q]; q++) free(mine[q]);
  free(mine);
  return rc;
}

static char *read_text_dataset(hid_t fid, const char *path) {
  void *buf = NULL;
  size_t n = 0, es = 0;
  if (H5Lexists(fid, "provenance", H5P_DEFAULT) <= 0 || read_raw(fid, path, &buf, &n, &es)) {
    free(buf);
    return NULL;
  }
  char *s = calloc(1, es + 1);
  if (s) memcpy(s, buf, es);
  free(buf);
  return s;
}

/* The master seed recorded in a batch's /provenance (0 if absent). */
static uint64_t read_seed_attr(hid_t fid) {
  uint64_t seed = 0;
  if (H5Aexists_by_name(fid, "provenance", "seed", H5P_DEFAULT) <= 0) return 0;
  hid_t a = H5Aopen_by_name(fid, "provenance", "seed", H5P_DEFAULT, H5P_DEFAULT);
  if (a < 0) return 0;
  hid_t t = H5Aget_type(a);
  size_t len = t >= 0 ? H5Tget_size(t) : 0;
  char *buf = len ? calloc(len + 1, 1) : NULL;
  if (buf && H5Aread(a, t, buf) >= 0) seed = strtoull(buf, NULL, 10);
  free(buf);
  if (t >= 0) H5Tclose(t);
  H5Aclose(a);
  return seed;
}

int socap_sweep_merge(const char *dir, const char *out, int force, const char *command,
                      socap_sweep_merge_result *res) {
  uint64_t master_seed = 0; /* the sweep's master seed, from the batches' provenance */
  int rc = SOCAP_OK, nb = 0;
  char **names = NULL, hash[32] = "", dh[32] = "", schema[16] = "", *config = NULL, t_start[32], t_end[32];
  char **tables = calloc(32, sizeof *tables);
  int32_t *owner = NULL;
  socap_h5file *f = NULL;
  hid_t fid = H5I_INVALID_HID;
  int64_t nt = -1;
  memset(res, 0, sizeof *res);
  socap_now_iso(t_start, sizeof t_start);
  if (!tables) return SOCAP_ERROR(SOCAP_ERUNTIME, "out of memory");
  if ((rc = list_batches(dir, &names, &nb))) goto done;
  {
    /* the output must not be an input: a batch file, sweep.yaml, or a new
     * batch-*.h5 in DIR (the next merge or --resume would read it) */
    char p[4096];
    const char *in[1] = {p};
    for (int i = 0; i < nb && !rc; i++) {
      snprintf(p, sizeof p, "%s/%s", dir, names[i]);
      rc = socap_output_check(out, in, 1);
    }
    snprintf(p, sizeof p, "%s/sweep.yaml", dir);
    if (!rc) rc = socap_output_check(out, in, 1);
    if (rc) goto done;
    const char *base = strrchr(out, '/');
    base = base ? base + 1 : out;
    snprintf(p, sizeof p, "%.*s", base == out ? 1 : (int)(base - out), base == out ? "." : out);
    struct stat a, b;
    if ((is_batch_name(base, 0) || is_batch_name(base, 1)) && stat(p, &a) == 0 && stat(dir, &b) == 0 &&
        a.st_dev == b.st_dev && a.st_ino == b.st_ino) {
      rc = SOCAP_ERROR(SOCAP_ECONFIG, "output '%s' is a batch file name in '%s', an input of the merge; choose another "
                                      "name or directory", out, dir);
      goto done;
    }
  }
  if (nb == 0) {
    rc = SOCAP_ERROR(SOCAP_ECONFIG, "'%s' holds no finished batch files (batch-*.h5)", dir);
    goto done;
  }
  res->nbatches = nb;
  if ((rc = dir_hash(dir, dh))) goto done;
  /* pass 1: hashes, task counts, owners */
  for (int i = 0; i < nb; i++) {
    char h[32];
    int32_t *tasks = NULL, *ft = NULL;
    size_t n = 0, nf = 0;
    char from[300];
    snprintf(from, sizeof from, "the version of '%s', the first batch read", names[0]);
    if ((rc = open_batch(dir, names[i], hash[0] ? hash : NULL, &fid, h, schema, from))) goto done;
    if (!hash[0]) {
      snprintf(hash, sizeof hash, "%s", h);
      if (dh[0] && strcmp(dh, hash)) {
        rc = SOCAP_ERROR(SOCAP_ECONFIG, "'%s/%s' has design hash %s but '%s/sweep.yaml' has %s: mixed sweeps", dir,
                         names[i], hash, dir, dh);
        goto done;
      }
      hid_t g = H5Gopen2(fid, "design", H5P_DEFAULT);
      if (g >= 0) {
        hid_t a = H5Aopen(g, "n_tasks", H5P_DEFAULT);
        long long v = -1;
        if (a >= 0) {
          H5Aread(a, H5T_NATIVE_LLONG, &v);
          H5Aclose(a);
        }
        H5Gclose(g);
        nt = v;
      }
      if (nt < 0 || nt > INT32_MAX) {
        rc = SOCAP_ERROR(SOCAP_EIO, "'%s/%s': /design has no valid n_tasks attribute", dir, names[i]);
        goto done;
      }
      owner = malloc((size_t)(nt ? nt : 1) * sizeof *owner);
      if (!owner) { rc = SOCAP_ERROR(SOCAP_ERUNTIME, "out of memory"); goto done; }
      for (int64_t t = 0; t < nt; t++) owner[t] = -1;
      H5Literate(fid, H5_INDEX_NAME, H5_ITER_INC, NULL, collect_group, &tables);
      config = read_text_dataset(fid, "provenance/config");
      master_seed = read_seed_attr(fid);
    }
    if ((rc = check_batch_tables(dir, names, i, fid, tables))) goto done;
    if (read_i32_column(fid, "design/task", &tasks, &n) || read_i32_column(fid, "failures/task", &ft, &nf))
      rc = SOCAP_ERROR(SOCAP_EIO, "cannot read the task ids of '%s/%s'", dir, names[i]);
    for (size_t k = 0; k < n && !rc; k++) {
      if (tasks[k] < 0 || tasks[k] >= nt) continue;
      if (owner[tasks[k]] >= 0) res->duplicates++;
      else owner[tasks[k]] = i;
    }
    for (size_t k = 0; k < nf && !rc; k++)
      if (ft[k] >= 0 && ft[k] < nt && owner[ft[k]] == i) res->failed++;
    free(tasks);
    free(ft);
    H5Fclose(fid);
    fid = H5I_INVALID_HID;
    if (rc) goto done;
  }
  res->n_tasks = nt;
  for (int64_t t = 0; t < nt; t++) {
    if (owner[t] >= 0) {
      res->present++;
    } else {
      size_t l = strlen(res->missing);
      if (l + 24 < sizeof res->missing) snprintf(res->missing + l, sizeof res->missing - l, "%s%lld", l ? ", " : "", (long long)t);
      else if (!strstr(res->missing, "...")) snprintf(res->missing + l, sizeof res->missing - l, ", ...");
    }
  }
  if ((rc = socap_h5_create(out, force, &f))) goto done;
  {
    /* HDF5 1.10 crashes in H5Ocopy when the disk fills during the copy:
     * reserve room for the merged file first (all batches, plus the largest,
     * whose tables H5Ocopy copies before their rows are rewritten) */
    uint64_t need = (uint64_t)1 << 16, big = 0;
    for (int i = 0; i < nb; i++) {
      char p[4096];
      struct stat st;
      snprintf(p, sizeof p, "%s/%s", dir, names[i]);
      if (stat(p, &st) == 0) {
        need += (uint64_t)st.st_size;
        if ((uint64_t)st.st_size > big) big = (uint64_t)st.st_size;
      }
    }
    if ((rc = socap_h5_reserve(f, need + big))) goto done;
  }
  {
    hid_t root = socap_h5_root(f);
    /* the batches' version: a sweep run by an older socap merges as what it is */
    if ((rc = socap_h5_attr_str(root, "socap_schema_version", schema)) ||
        (rc = socap_h5_attr_str(root, "design_hash", hash)))
      goto done;
    merge_ctx M = {dir, names, nb, owner, nt};
    for (int k = 0; tables[k] && !rc; k++) rc = merge_table(&M, tables[k], root);
    if (rc) goto done;
    socap_now_iso(t_end, sizeof t_end);
    socap_provenance pv = {config ? config : "", command, t_start, t_end, "merge", 1, 1, master_seed};
    if ((rc = socap_write_provenance(root, &pv))) goto done;
    hid_t g = H5Gopen2(root, "provenance", H5P_DEFAULT);
    if (g < 0) { rc = SOCAP_ERROR(SOCAP_EIO, "HDF5: cannot open /provenance"); goto done; }
    rc |= socap_h5_attr_str(g, "design_hash", hash);
    rc |= socap_h5_attr_i64(g, "batches", nb);
    rc |= socap_h5_attr_i64(g, "tasks_present", res->present);
    rc |= socap_h5_attr_i64(g, "tasks_missing", nt - res->present);
    rc |= socap_h5_attr_i64(g, "tasks_failed", res->failed);
    H5Gclose(g);
    if (rc) goto done;
  }
  rc = socap_h5_commit(f);
  f = NULL;
done:
  if (fid >= 0) H5Fclose(fid);
  socap_h5_abort(f);
  free_names(names, nb);
  for (int k = 0; tables[k]; k++) free(tables[k]);
  free(tables);
  free(owner);
  free(config);
  return rc;
}
