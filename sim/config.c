/* YAML scenario loader with strict validation, driven by socap_param_table. */
#include "socap/config.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "socap/error.h"
#include "yaml_tree.h"

#define STRAT_PREFIX "strategies.*."
#define COHORT_PREFIX "cohorts.*."

/* Top-level keys that are not table rows. */
static const char *const top_sections[] = {"population", "model", "output", "metrics"};
static const char *const top_keys[] = {"name", "seed", "steps", "population", "model", "output",
                                       "metrics", "strategies", "cohorts", "sweep"};
static const char *const fraction_fields[] = {"explore", "maintain", "reactivate", "broker"};
static const char *const cohort_required[] = {"name", "strategy", "share"};

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* ------------------------------------------------------------------------ */
/* Loader state                                                              */

/* Where a parameter (or section) was last given, for locating cross-field
   errors. `source` is 0 for the file and k for the k-th --set. */
typedef struct {
  char name[128];
  char file[256];
  int line, col;
  int source;
} cfg_loc;

typedef struct {
  socap_params *p;
  socap_config_errors *errs;
  int nerr; /* errors reported (also those dropped when errs is full) */
  int oom;
  cfg_loc *locs;
  size_t nlocs, cap;
  int source;
} loader;

static void lerr(loader *L, const socap_yt_node *at, const char *param, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void lerr(loader *L, const socap_yt_node *at, const char *param, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  socap_config_error_addv(L->errs, at ? at->file : "", at ? at->line : 0, at ? at->col : 0, param, fmt, ap);
  va_end(ap);
  L->nerr++;
}

static void loc_add(loader *L, const char *name, const socap_yt_node *at) {
  if (!at) return;
  if (L->nlocs == L->cap) {
    size_t cap = L->cap ? 2 * L->cap : 64;
    cfg_loc *nl = realloc(L->locs, cap * sizeof *nl);
    if (!nl) { L->oom = 1; return; }
    L->locs = nl;
    L->cap = cap;
  }
  cfg_loc *c = &L->locs[L->nlocs++];
  snprintf(c->name, sizeof c->name, "%s", name);
  snprintf(c->file, sizeof c->file, "%s", at->file ? at->file : "");
  c->line = at->line;
  c->col = at->col;
  c->source = L->source;
}

/* 1 if `name` equals `param` or lies below it ("model" / "model.p_pass"). */
static int name_under(const char *name, const char *param) {
  size_t l = strlen(param);
  if (l == 0) return name[0] == 0;
  return strncmp(name, param, l) == 0 && (name[l] == 0 || name[l] == '.');
}

/* The best-known location for a cross-field error on `param`: the latest
   source that gave it (or something below it), preferring the exact key;
   otherwise the enclosing section, up to the document root. */
static const cfg_loc *loc_find(const loader *L, const char *param) {
  char p[128];
  snprintf(p, sizeof p, "%s", param);
  for (;;) {
    int best_src = -1;
    for (size_t i = 0; i < L->nlocs; i++)
      if (name_under(L->locs[i].name, p) && L->locs[i].source > best_src) best_src = L->locs[i].source;
    if (best_src >= 0) {
      const cfg_loc *first = NULL;
      for (size_t i = 0; i < L->nlocs; i++) {
        const cfg_loc *c = &L->locs[i];
        if (c->source != best_src || !name_under(c->name, p)) continue;
        if (strcmp(c->name, p) == 0) return c;
        if (!first) first = c;
      }
      return first;
    }
    if (p[0] == 0) return NULL;
    char *dot = strrchr(p, '.');
    if (dot) *dot = 0; else p[0] = 0;
  }
}

/* ------------------------------------------------------------------------ */
/* "Did you mean" suggestions                                                */

/* Optimal string alignment (restricted Damerau-Levenshtein), case-insensitive. */
static int osa_distance(const char *a, const char *b) {
  size_t la = strlen(a), lb = strlen(b);
  if (la > 63 || lb > 63) return 99;
  int d[64][64];
  for (size_t i = 0; i <= la; i++) d[i][0] = (int)i;
  for (size_t j = 0; j <= lb; j++) d[0][j] = (int)j;
  for (size_t i = 1; i <= la; i++)
    for (size_t j = 1; j <= lb; j++) {
      int cost = tolower((unsigned char)a[i - 1]) != tolower((unsigned char)b[j - 1]);
      int v = d[i - 1][j] + 1;
      if (d[i][j - 1] + 1 < v) v = d[i][j - 1] + 1;
      if (d[i - 1][j - 1] + cost < v) v = d[i - 1][j - 1] + cost;
      if (i > 1 && j > 1 && tolower((unsigned char)a[i - 1]) == tolower((unsigned char)b[j - 2]) &&
          tolower((unsigned char)a[i - 2]) == tolower((unsigned char)b[j - 1]) && d[i - 2][j - 2] + 1 < v)
        v = d[i - 2][j - 2] + 1;
      d[i][j] = v;
    }
  return d[la][lb];
}

/* Collects the best candidate for an unknown key. */
typedef struct {
  const char *key;
  int best_dist;
  char best[128];
} suggester;

static void sug_init(suggester *s, const char *key) {
  s->key = key;
  s->best_dist = 100;
  s->best[0] = 0;
}

/* Offer candidate `cand` (compared with the key) whose full dotted name is
   `full`. Accept an edit distance <= 2 (and smaller than the key) or a prefix
   match of at least 3 characters (ranked after any edit match). */
static void sug_offer(suggester *s, const char *cand, const char *full) {
  size_t lk = strlen(s->key), lc = strlen(cand);
  int d = osa_distance(s->key, cand);
  int score = 100;
  if (d <= 2 && (size_t)d < lk && (size_t)d < lc) score = d;
  else if ((lk >= 3 && strncmp(cand, s->key, lk) == 0) || (lc >= 3 && strncmp(s->key, cand, lc) == 0)) score = 3;
  if (score < s->best_dist) {
    s->best_dist = score;
    snprintf(s->best, sizeof s->best, "%s", full);
  }
}

/* " (did you mean 'X'?)" or "". */
static const char *sug_text(const suggester *s, char *buf, size_t len) {
  if (s->best[0]) snprintf(buf, len, " (did you mean '%s'?)", s->best);
  else buf[0] = 0;
  return buf;
}

/* Offer every table row under `prefix` ("model.", "strategies.*.") with its
   last component; `full_prefix` replaces `prefix` in the suggestion. */
static void sug_offer_rows(suggester *s, const char *prefix, const char *full_prefix) {
  size_t lp = strlen(prefix);
  for (const socap_param_def *d = socap_param_table; d->name; d++) {
    if (strncmp(d->name, prefix, lp) != 0 || strchr(d->name + lp, '.')) continue;
    char full[128];
    snprintf(full, sizeof full, "%s%s", full_prefix, d->name + lp);
    sug_offer(s, d->name + lp, full);
  }
}

/* ------------------------------------------------------------------------ */
/* Scalar parsing                                                            */

static void lower_copy(char *dst, size_t n, const char *s) {
  size_t i = 0;
  for (; s[i] && i + 1 < n; i++) dst[i] = (char)tolower((unsigned char)s[i]);
  dst[i] = 0;
}

/* YAML's .nan/.inf and C's nan/inf spellings. */
static int is_nonfinite_word(const char *s) {
  char b[32];
  if (*s == '+' || *s == '-') s++;
  if (*s == '.') s++;
  lower_copy(b, sizeof b, s);
  return strcmp(b, "nan") == 0 || strcmp(b, "inf") == 0 || strcmp(b, "infinity") == 0;
}

/* Decimal number: [+-]? (digits [. digits*] | . digits) ([eE][+-]?digits)?
   Sets *integral when there is neither a point nor an exponent. */
static int is_decimal(const char *s, int *integral) {
  int digits = 0, point = 0, expo = 0;
  if (*s == '+' || *s == '-') s++;
  while (isdigit((unsigned char)*s)) { s++; digits++; }
  if (*s == '.') {
    point = 1;
    s++;
    while (isdigit((unsigned char)*s)) { s++; digits++; }
  }
  if (!digits) return 0;
  if (*s == 'e' || *s == 'E') {
    expo = 1;
    s++;
    if (*s == '+' || *s == '-') s++;
    if (!isdigit((unsigned char)*s)) return 0;
    while (isdigit((unsigned char)*s)) s++;
  }
  if (*s) return 0;
  if (integral) *integral = !point && !expo;
  return 1;
}

/* Common checks for a node that must be a plain scalar holding a number or
   bool: returns 0 when ok, else reports and returns 1. */
static int want_plain_scalar(loader *L, const socap_yt_node *n, const char *param, const char *what) {
  if (n->kind != SOCAP_YT_SCALAR) {
    lerr(L, n, param, "expected %s, got %s", what, socap_yt_kind_name(n));
    return 1;
  }
  if (socap_yt_is_null(n)) {
    lerr(L, n, param, "missing value (expected %s)", what);
    return 1;
  }
  if (n->tag && strcmp(n->tag, "!!str") == 0) {
    lerr(L, n, param, "expected %s, got '%s' tagged !!str (remove the tag)", what, n->value);
    return 1;
  }
  if (n->quoted) {
    lerr(L, n, param, "expected %s, got the quoted string '%s' (remove the quotes)", what, n->value);
    return 1;
  }
  if (strlen(n->value) != n->len) {
    lerr(L, n, param, "expected %s, got text containing a NUL byte", what);
    return 1;
  }
  return 0;
}

static int parse_double(loader *L, const socap_yt_node *n, const char *param, double *out) {
  if (want_plain_scalar(L, n, param, "a number")) return 1;
  if (is_nonfinite_word(n->value)) {
    lerr(L, n, param, "'%s' is not allowed: values must be finite numbers", n->value);
    return 1;
  }
  if (!is_decimal(n->value, NULL)) {
    lerr(L, n, param, "expected a number, got '%s'", n->value);
    return 1;
  }
  errno = 0;
  double v = strtod(n->value, NULL);
  if (!isfinite(v)) {
    lerr(L, n, param, "%s is too large for a double", n->value);
    return 1;
  }
  *out = v;
  return 0;
}

static int parse_int(loader *L, const socap_yt_node *n, const char *param, long long *out) {
  int integral = 0;
  if (want_plain_scalar(L, n, param, "an integer")) return 1;
  if (is_nonfinite_word(n->value)) {
    lerr(L, n, param, "'%s' is not allowed: expected an integer", n->value);
    return 1;
  }
  if (!is_decimal(n->value, &integral)) {
    lerr(L, n, param, "expected an integer, got '%s'", n->value);
    return 1;
  }
  if (integral) {
    errno = 0;
    long long v = strtoll(n->value, NULL, 10);
    if (errno == ERANGE) {
      lerr(L, n, param, "integer %s is too large", n->value);
      return 1;
    }
    *out = v;
    return 0;
  }
  /* 1e6 or 100.0: accepted when the value is an exact integer */
  double v = strtod(n->value, NULL);
  if (!isfinite(v) || fabs(v) > 9007199254740992.0) {
    lerr(L, n, param, "integer %s is too large", n->value);
    return 1;
  }
  if (v != floor(v)) {
    lerr(L, n, param, "expected an integer, got '%s'", n->value);
    return 1;
  }
  *out = (long long)v;
  return 0;
}

static int parse_u64(loader *L, const socap_yt_node *n, const char *param, uint64_t *out) {
  int integral = 0;
  if (want_plain_scalar(L, n, param, "a non-negative integer")) return 1;
  const char *s = n->value;
  if (*s == '-' && is_decimal(s, NULL)) {
    lerr(L, n, param, "%s must be a non-negative integer, got %s", param, s);
    return 1;
  }
  if (!is_decimal(s, &integral) || !integral) {
    lerr(L, n, param, "expected a non-negative integer, got '%s'", s);
    return 1;
  }
  errno = 0;
  unsigned long long v = strtoull(s, NULL, 10);
  if (errno == ERANGE || v > UINT64_MAX) {
    lerr(L, n, param, "%s does not fit in 64 bits (maximum 18446744073709551615)", s);
    return 1;
  }
  *out = (uint64_t)v;
  return 0;
}

static int parse_bool(loader *L, const socap_yt_node *n, const char *param, int *out) {
  static const char *const t[] = {"true", "yes", "on"};
  static const char *const f[] = {"false", "no", "off"};
  char b[16];
  if (want_plain_scalar(L, n, param, "true or false")) return 1;
  lower_copy(b, sizeof b, n->value);
  for (size_t i = 0; i < NELEM(t); i++) {
    if (strlen(n->value) < sizeof b && strcmp(b, t[i]) == 0) { *out = 1; return 0; }
    if (strlen(n->value) < sizeof b && strcmp(b, f[i]) == 0) { *out = 0; return 0; }
  }
  lerr(L, n, param, "expected true or false, got '%s'", n->value);
  return 1;
}

static int parse_enum(loader *L, const socap_yt_node *n, const char *param, const socap_param_def *d, int *out) {
  char tok[64], sug[160], list[256];
  if (want_plain_scalar(L, n, param, "a name")) return 1;
  suggester s;
  sug_init(&s, n->value);
  list[0] = 0;
  const char *c = d->choices ? d->choices : "";
  for (int idx = 0; *c; idx++) {
    size_t l = strcspn(c, ",");
    snprintf(tok, sizeof tok, "%.*s", (int)l, c);
    if (strcmp(tok, n->value) == 0) { *out = idx; return 0; }
    sug_offer(&s, tok, tok);
    size_t ll = strlen(list);
    snprintf(list + ll, sizeof list - ll, "%s%s", ll ? ", " : "", tok);
    c += l;
    if (*c == ',') c++;
  }
  lerr(L, n, param, "'%s' is not one of: %s%s", n->value, list, sug_text(&s, sug, sizeof sug));
  return 1;
}

/* A name for strategies and cohorts: [A-Za-z_][A-Za-z0-9_-]*, < SOCAP_NAME_LEN. */
static int valid_name(const char *s, size_t len) {
  if (len == 0 || len >= SOCAP_NAME_LEN || strlen(s) != len) return 0;
  if (!isalpha((unsigned char)s[0]) && s[0] != '_') return 0;
  for (size_t i = 0; i < len; i++)
    if (!isalnum((unsigned char)s[i]) && s[i] != '_' && s[i] != '-') return 0;
  return 1;
}

static int check_name(loader *L, const socap_yt_node *n, const char *param) {
  if (n->kind != SOCAP_YT_SCALAR) {
    lerr(L, n, param, "expected a name, got %s", socap_yt_kind_name(n));
    return 1;
  }
  if (socap_yt_is_null(n)) {
    lerr(L, n, param, "missing value (expected a name)");
    return 1;
  }
  if (!valid_name(n->value, n->len)) {
    lerr(L, n, param,
         "invalid name '%s': use 1-%d letters, digits, '_' or '-', starting with a letter or '_'", n->value,
         SOCAP_NAME_LEN - 1);
    return 1;
  }
  return 0;
}

/* ------------------------------------------------------------------------ */
/* Applying values                                                           */

static void *field_of(void *base, const socap_param_def *d) { return (char *)base + d->offset; }

static int range_ok(loader *L, const socap_yt_node *n, const char *param, const char *label,
                    const socap_param_def *d, double v) {
  if (v >= d->min && v <= d->max) return 0;
  lerr(L, n, param, "%s = %s is outside [%.15g, %.15g]", label, n->value, d->min, d->max);
  return 1;
}

/* Apply one table row `d` from node `n` into the struct `base` of its scope.
   `param` is the full dotted name for messages. Returns 1 on error. */
static int apply_row(loader *L, const socap_param_def *d, void *base, const socap_yt_node *n, const char *param) {
  void *f = field_of(base, d);
  switch (d->type) {
  case SOCAP_PT_INT: {
    long long v;
    if (parse_int(L, n, param, &v)) return 1;
    if (v < d->min || v > d->max || v > INT_MAX || v < INT_MIN) {
      lerr(L, n, param, "%s = %s is outside [%.15g, %.15g]", param, n->value, d->min, d->max);
      return 1;
    }
    *(int *)f = (int)v;
    break;
  }
  case SOCAP_PT_U64: {
    uint64_t v;
    if (parse_u64(L, n, param, &v)) return 1;
    *(uint64_t *)f = v;
    break;
  }
  case SOCAP_PT_DOUBLE: {
    double v;
    if (parse_double(L, n, param, &v) || range_ok(L, n, param, param, d, v)) return 1;
    *(double *)f = v;
    break;
  }
  case SOCAP_PT_BOOL: {
    int v;
    if (parse_bool(L, n, param, &v)) return 1;
    *(int *)f = v;
    break;
  }
  case SOCAP_PT_ENUM: {
    int v;
    if (parse_enum(L, n, param, d, &v)) return 1;
    *(int *)f = v;
    break;
  }
  case SOCAP_PT_STRING:
    if (check_name(L, n, param)) return 1;
    snprintf((char *)f, SOCAP_NAME_LEN, "%s", n->value);
    break;
  case SOCAP_PT_DLIST: {
    double v[16];
    int bad = 0;
    if (n->kind != SOCAP_YT_SEQUENCE || (int)n->n != d->list_len) {
      if (n->kind == SOCAP_YT_SEQUENCE)
        lerr(L, n, param, "expected a sequence of exactly %d numbers, got %zu", d->list_len, n->n);
      else
        lerr(L, n, param, "expected a sequence of %d numbers, got %s", d->list_len, socap_yt_kind_name(n));
      return 1;
    }
    if (d->list_len > (int)NELEM(v)) return 1;
    for (size_t i = 0; i < n->n; i++) {
      char label[160];
      snprintf(label, sizeof label, "%s[%zu]", param, i);
      if (parse_double(L, n->items[i], param, &v[i]) || range_ok(L, n->items[i], param, label, d, v[i])) bad = 1;
    }
    if (bad) return 1;
    memcpy(f, v, (size_t)d->list_len * sizeof *v);
    break;
  }
  case SOCAP_PT_ILIST: {
    int tmp[SOCAP_MAX_SNAPSHOTS];
    int bad = 0;
    if (n->kind != SOCAP_YT_SEQUENCE) {
      lerr(L, n, param, "expected a sequence of integers, got %s", socap_yt_kind_name(n));
      return 1;
    }
    if ((int)n->n > d->list_len || n->n > NELEM(tmp)) {
      lerr(L, n, param, "at most %d entries allowed, got %zu", d->list_len, n->n);
      return 1;
    }
    for (size_t i = 0; i < n->n; i++) {
      long long v;
      const socap_yt_node *it = n->items[i];
      if (parse_int(L, it, param, &v)) { bad = 1; continue; }
      if (v < d->min || v > d->max) {
        lerr(L, it, param, "%s[%zu] = %s is outside [%.15g, %.15g]", param, i, it->value, d->min, d->max);
        bad = 1;
        continue;
      }
      tmp[i] = (int)v;
    }
    if (bad) return 1;
    memcpy(f, tmp, n->n * sizeof *tmp);
    *(int *)((char *)L->p + d->count_offset) = (int)n->n;
    break;
  }
  default:
    lerr(L, n, param, "internal error: unsupported parameter type %d", (int)d->type);
    return 1;
  }
  loc_add(L, param, n);
  return 0;
}

static void set_row_default(void *base, const socap_param_def *d) {
  void *f = field_of(base, d);
  switch (d->type) {
  case SOCAP_PT_INT:
  case SOCAP_PT_BOOL:
  case SOCAP_PT_ENUM: *(int *)f = (int)d->def; break;
  case SOCAP_PT_DOUBLE: *(double *)f = d->def; break;
  default: break;
  }
}

static void scope_defaults(void *base, socap_pscope scope) {
  for (const socap_param_def *d = socap_param_table; d->name; d++)
    if (d->scope == scope) set_row_default(base, d);
}

static int is_section(const char *k) {
  for (size_t i = 0; i < NELEM(top_sections); i++)
    if (strcmp(k, top_sections[i]) == 0) return 1;
  return 0;
}

/* A key that is not allowed at this level: report it with a suggestion. */
static void unknown_key(loader *L, const socap_yt_node *at, const char *full, const suggester *s, const char *where) {
  char sug[200];
  if (at && at->kind == SOCAP_YT_SCALAR && at->value && at->value[0] == 0) {
    lerr(L, at, full, "empty key%s%s (every key needs a name)", where ? " in " : "", where ? where : "");
    return;
  }
  lerr(L, at, full, "unknown key%s%s%s", where ? " in " : "", where ? where : "", sug_text(s, sug, sizeof sug));
}

/* One key of a section ("model", key "p_pass"). */
static void apply_section_key(loader *L, const char *section, const socap_yt_node *key, const socap_yt_node *val) {
  char full[160];
  snprintf(full, sizeof full, "%s.%s", section, key->value);
  const socap_param_def *d = socap_param_find(full);
  if (!d || d->scope != SOCAP_PS_GLOBAL) {
    suggester s;
    char prefix[64];
    sug_init(&s, key->value);
    snprintf(prefix, sizeof prefix, "%s.", section);
    sug_offer_rows(&s, prefix, prefix);
    unknown_key(L, key, full, &s, section);
    return;
  }
  apply_row(L, d, L->p, val, full);
}

/* An explicit null where a mapping belongs ("population:" with nothing
   under it, "broker: null"): an error, as it may hide a lost indentation. */
static int null_mapping(loader *L, const socap_yt_node *n, const char *param, const char *what) {
  if (!socap_yt_is_null(n)) return 0;
  /* point at the key: an empty value has no text of its own */
  const socap_yt_node *at = n->parent && n->parent->kind == SOCAP_YT_MAPPING ? n->parent->keys[n->index] : n;
  lerr(L, at, param, "empty value for '%s'; remove the key or give a mapping of %s", param, what);
  return 1;
}

static void apply_section(loader *L, const char *section, const socap_yt_node *n) {
  char what[64], hint[120];
  snprintf(what, sizeof what, "%s parameters", section);
  if (null_mapping(L, n, section, what)) return;
  if (n->kind != SOCAP_YT_MAPPING) {
    lerr(L, n, section, "expected a mapping of %s parameters, got %s%s", section, socap_yt_kind_name(n),
         socap_yt_colon_hint(n, hint, sizeof hint));
    return;
  }
  for (size_t i = 0; i < n->n; i++) apply_section_key(L, section, n->keys[i], n->items[i]);
}

/* Fields of one strategy or cohort (`base`) from mapping `n`: template rows
 * start with `tmpl_prefix`, full names with `full_prefix` (e.g.
 * "strategies.broker." or "cohorts.2."); `what` names the kind in messages. */
static void apply_scoped_fields(loader *L, void *base, const char *tmpl_prefix, const char *full_prefix,
                                const char *what, const socap_yt_node *n) {
  for (size_t i = 0; i < n->n; i++) {
    const socap_yt_node *key = n->keys[i];
    char tmpl[160], full[160];
    snprintf(tmpl, sizeof tmpl, "%s%s", tmpl_prefix, key->value);
    snprintf(full, sizeof full, "%s%s", full_prefix, key->value);
    const socap_param_def *d = socap_param_find(tmpl);
    if (!d) {
      suggester sg;
      sug_init(&sg, key->value);
      sug_offer_rows(&sg, tmpl_prefix, full_prefix);
      unknown_key(L, key, full, &sg, what);
      continue;
    }
    apply_row(L, d, base, n->items[i], full);
  }
}

/* Fields of strategy `s` from mapping `n`. `name` is the strategy name. */
static void apply_strategy_fields(loader *L, socap_strategy *s, const char *name, const socap_yt_node *n) {
  char fp[96];
  snprintf(fp, sizeof fp, "strategies.%s.", name);
  apply_scoped_fields(L, s, STRAT_PREFIX, fp, "a strategy", n);
}

/* strategies.NAME: override a preset/existing strategy, or create a new one
   (which must give all four fractions). `key` locates the name. */
static void apply_strategy(loader *L, const socap_yt_node *key, const char *name, const socap_yt_node *n) {
  char param[96];
  snprintf(param, sizeof param, "strategies.%s", name);
  if (name[0] == 0) {
    lerr(L, key, param, "empty strategy name (every strategy needs a name)");
    return;
  }
  if (!valid_name(name, strlen(name))) {
    lerr(L, key, param,
         "invalid strategy name '%s': use 1-%d letters, digits, '_' or '-', starting with a letter or '_'", name,
         SOCAP_NAME_LEN - 1);
    return;
  }
  if (strcmp(name, SOCAP_STRATEGY_ALL) == 0) {
    lerr(L, key, param, "the name '%s' is reserved for the all-agents row of /timeseries; choose another strategy name",
         SOCAP_STRATEGY_ALL);
    return;
  }
  if (null_mapping(L, n, param, "strategy fields")) return;
  if (n->kind != SOCAP_YT_MAPPING) {
    char hint[120];
    lerr(L, n, param, "expected a mapping of strategy fields, got %s%s", socap_yt_kind_name(n),
         socap_yt_colon_hint(n, hint, sizeof hint));
    return;
  }
  loc_add(L, param, key);
  socap_params *p = L->p;
  int idx = socap_params_strategy_index(p, name);
  if (idx < 0) {
    if (p->n_strategies >= SOCAP_MAX_STRATEGIES) {
      lerr(L, key, param, "too many strategies (at most %d, including the presets)", SOCAP_MAX_STRATEGIES);
      return;
    }
    idx = p->n_strategies++;
    socap_strategy *s = &p->strategies[idx];
    memset(s, 0, sizeof *s);
    scope_defaults(s, SOCAP_PS_STRATEGY);
    snprintf(s->name, sizeof s->name, "%s", name);
    s->defined = 1;
    char missing[128] = "";
    for (size_t f = 0; f < NELEM(fraction_fields); f++)
      if (!socap_yt_get(n, fraction_fields[f])) {
        size_t l = strlen(missing);
        snprintf(missing + l, sizeof missing - l, "%s%s", l ? ", " : "", fraction_fields[f]);
      }
    if (missing[0]) {
      suggester sg;
      char sug[200];
      sug_init(&sg, name);
      for (int i = 0; i < idx; i++) {
        char full[96];
        snprintf(full, sizeof full, "strategies.%s", p->strategies[i].name);
        sug_offer(&sg, p->strategies[i].name, full);
      }
      lerr(L, key, param, "new strategy '%s' must give all four fractions (explore, maintain, reactivate, broker); "
           "missing: %s%s", name, missing, sug_text(&sg, sug, sizeof sug));
    }
  }
  if (n->kind == SOCAP_YT_MAPPING) apply_strategy_fields(L, &p->strategies[idx], name, n);
}

static void apply_strategies(loader *L, const socap_yt_node *n) {
  char hint[120];
  if (null_mapping(L, n, "strategies", "strategy name -> fields")) return;
  if (n->kind != SOCAP_YT_MAPPING) {
    lerr(L, n, "strategies", "expected a mapping of strategy name -> fields, got %s%s", socap_yt_kind_name(n),
         socap_yt_colon_hint(n, hint, sizeof hint));
    return;
  }
  for (size_t i = 0; i < n->n; i++) apply_strategy(L, n->keys[i], n->keys[i]->value, n->items[i]);
}

/* Fields of cohort `c` (index k) from mapping `n`. */
static void apply_cohort_fields(loader *L, socap_cohort *c, int k, const socap_yt_node *n) {
  char fp[48];
  snprintf(fp, sizeof fp, "cohorts.%d.", k);
  apply_scoped_fields(L, c, COHORT_PREFIX, fp, "a cohort", n);
}

/* cohorts: a sequence that replaces the cohort list. */
static void apply_cohorts(loader *L, const socap_yt_node *n) {
  if (n->kind != SOCAP_YT_SEQUENCE) {
    lerr(L, n, "cohorts", "expected a sequence of cohorts (- {name: ..., strategy: ..., share: ...}), got %s",
         socap_yt_kind_name(n));
    return;
  }
  if (n->n == 0) {
    lerr(L, n, "cohorts", "at least one cohort is needed");
    return;
  }
  if (n->n > SOCAP_MAX_COHORTS) {
    lerr(L, n, "cohorts", "too many cohorts: %zu (at most %d)", n->n, SOCAP_MAX_COHORTS);
    return;
  }
  socap_params *p = L->p;
  for (size_t k = 0; k < n->n; k++) {
    const socap_yt_node *it = n->items[k];
    socap_cohort *c = &p->cohorts[k];
    char param[48];
    snprintf(param, sizeof param, "cohorts.%zu", k);
    memset(c, 0, sizeof *c);
    scope_defaults(c, SOCAP_PS_COHORT);
    loc_add(L, param, it);
    if (it->kind != SOCAP_YT_MAPPING) {
      char hint[120];
      lerr(L, it, param, "expected a mapping with name, strategy and share, got %s%s", socap_yt_kind_name(it),
           socap_yt_colon_hint(it, hint, sizeof hint));
      continue;
    }
    apply_cohort_fields(L, c, (int)k, it);
    for (size_t r = 0; r < NELEM(cohort_required); r++)
      if (!socap_yt_get(it, cohort_required[r])) {
        char full[64];
        snprintf(full, sizeof full, "cohorts.%zu.%s", k, cohort_required[r]);
        lerr(L, it, full, "missing required key '%s' (each cohort needs name, strategy and share)",
             cohort_required[r]);
      }
  }
  p->n_cohorts = (int)n->n;
}

static void check_scenario_name(loader *L, const socap_yt_node *n) {
  if (n->kind != SOCAP_YT_SCALAR || socap_yt_is_null(n)) {
    lerr(L, n, "name", "expected a scenario name, got %s", socap_yt_kind_name(n));
    return;
  }
  if (n->len >= SOCAP_SCENARIO_NAME_LEN) /* (a NUL in a value is refused by the YAML reader) */
    lerr(L, n, "name", "scenario name must be shorter than %d characters", SOCAP_SCENARIO_NAME_LEN);
  else
    memcpy(L->p->name, n->value, n->len + 1); /* kept in the resolved config */
}

static void unknown_top_key(loader *L, const socap_yt_node *key, const char *k) {
  if (strchr(k, '.')) {
    const socap_param_def *d = socap_param_find(k);
    if (d && d->scope == SOCAP_PS_GLOBAL) {
      char sec[64];
      snprintf(sec, sizeof sec, "%.*s", (int)(strchr(k, '.') - k), k);
      lerr(L, key, k, "dotted keys are not allowed in files; write '%s:' with '%s' nested under it", sec,
           strchr(k, '.') + 1);
      return;
    }
  }
  suggester s;
  sug_init(&s, k);
  for (size_t i = 0; i < NELEM(top_keys); i++) sug_offer(&s, top_keys[i], top_keys[i]);
  if (!s.best[0]) {
    /* a section parameter written at the top level ("p_pass:")? */
    for (const socap_param_def *d = socap_param_table; d->name; d++) {
      const char *dot = strrchr(d->name, '.');
      if (d->scope == SOCAP_PS_GLOBAL && dot && osa_distance(k, dot + 1) <= 1) {
        snprintf(s.best, sizeof s.best, "%s", d->name);
        break;
      }
    }
  }
  unknown_key(L, key, k, &s, NULL);
}

/* The whole document. */
static void apply_root(loader *L, const socap_yt_doc *doc) {
  const socap_yt_node *r = doc->root;
  socap_yt_node start = {0};
  start.file = doc->file;
  start.line = 1;
  start.col = 1;
  if (!r || socap_yt_is_null(r)) {
    lerr(L, r ? r : &start, "", "empty configuration (expected a mapping of parameters)");
    return;
  }
  if (r->kind != SOCAP_YT_MAPPING) {
    char hint[120];
    lerr(L, r, "", "the top level must be a mapping of parameters, got %s%s", socap_yt_kind_name(r),
         socap_yt_colon_hint(r, hint, sizeof hint));
    return;
  }
  loc_add(L, "", r);
  for (size_t i = 0; i < r->n; i++) {
    const socap_yt_node *key = r->keys[i], *val = r->items[i];
    const char *k = key->value;
    if (strcmp(k, "sweep") == 0) continue; /* read by the sweep module */
    if (strcmp(k, "name") == 0) { check_scenario_name(L, val); continue; }
    if (strcmp(k, "seed") == 0 || strcmp(k, "steps") == 0) {
      apply_row(L, socap_param_find(k), L->p, val, k);
      continue;
    }
    if (is_section(k)) {
      loc_add(L, k, key);
      apply_section(L, k, val);
      continue;
    }
    if (strcmp(k, "strategies") == 0) {
      loc_add(L, k, key);
      apply_strategies(L, val);
      continue;
    }
    if (strcmp(k, "cohorts") == 0) {
      loc_add(L, k, key);
      apply_cohorts(L, val);
      continue;
    }
    unknown_top_key(L, key, k);
  }
}

/* ------------------------------------------------------------------------ */
/* --set                                                                      */

#define MAX_PARTS 8

/* Resolve a cohort reference (index or name) to an index, or -1. */
static int cohort_ref(const socap_params *p, const char *ref) {
  int integral = 0;
  if (is_decimal(ref, &integral) && integral && ref[0] != '-' && ref[0] != '+') {
    long v = strtol(ref, NULL, 10);
    return v >= 0 && v < p->n_cohorts ? (int)v : -1;
  }
  for (int k = 0; k < p->n_cohorts; k++)
    if (strcmp(p->cohorts[k].name, ref) == 0) return k;
  return -1;
}

/* Apply `val` at the dotted path parts[0..np-1]; key_at[i] locate each part. */
static void apply_path(loader *L, char **parts, int np, const socap_yt_node *key_at, const socap_yt_node *val,
                       const char *fullkey) {
  socap_params *p = L->p;
  const char *top = parts[0];
  const socap_yt_node *k0 = &key_at[0];
  if (strcmp(top, "seed") == 0 || strcmp(top, "steps") == 0) {
    if (np > 1) { lerr(L, &key_at[1], fullkey, "'%s' has no sub-keys", top); return; }
    apply_row(L, socap_param_find(top), p, val, top);
    return;
  }
  if (strcmp(top, "name") == 0 && np == 1) { check_scenario_name(L, val); return; }
  if (strcmp(top, "sweep") == 0) { lerr(L, k0, fullkey, "the sweep block cannot be set with --set"); return; }
  if (is_section(top)) {
    if (np == 1) { loc_add(L, top, val); apply_section(L, top, val); return; }
    char full[160];
    snprintf(full, sizeof full, "%s.%s", top, parts[1]);
    if (np > 2 && socap_param_find(full)) {
      lerr(L, &key_at[2], fullkey, "'%s' has no sub-keys", full);
      return;
    }
    socap_yt_node key = key_at[1];
    key.value = parts[1];
    key.len = strlen(parts[1]);
    apply_section_key(L, top, &key, val); /* np > 2: reports the unknown key */
    return;
  }
  if (strcmp(top, "strategies") == 0) {
    if (np == 1) { loc_add(L, top, val); apply_strategies(L, val); return; }
    if (np == 2) { apply_strategy(L, &key_at[1], parts[1], val); return; }
    int idx = socap_params_strategy_index(p, parts[1]);
    if (idx < 0) {
      suggester s;
      char sug[200], param[96];
      sug_init(&s, parts[1]);
      for (int i = 0; i < p->n_strategies; i++) {
        char full[96];
        snprintf(full, sizeof full, "strategies.%s", p->strategies[i].name);
        sug_offer(&s, p->strategies[i].name, full);
      }
      snprintf(param, sizeof param, "strategies.%s", parts[1]);
      lerr(L, &key_at[1], param, "unknown strategy '%s'%s; define a new one with "
           "strategies.%s={explore: ..., maintain: ..., reactivate: ..., broker: ...}",
           parts[1], sug_text(&s, sug, sizeof sug), parts[1]);
      return;
    }
    if (np > 3) { lerr(L, &key_at[3], fullkey, "strategy fields have no sub-keys"); return; }
    /* reuse the mapping code path with a one-pair mapping */
    socap_yt_node key = key_at[2];
    key.value = parts[2];
    key.len = strlen(parts[2]);
    socap_yt_node *keys[1] = {&key};
    socap_yt_node *items[1] = {(socap_yt_node *)val};
    socap_yt_node map = {0};
    map.kind = SOCAP_YT_MAPPING;
    map.n = 1;
    map.keys = keys;
    map.items = items;
    apply_strategy_fields(L, &p->strategies[idx], parts[1], &map);
    return;
  }
  if (strcmp(top, "cohorts") == 0) {
    if (np == 1) { loc_add(L, top, val); apply_cohorts(L, val); return; }
    int k = cohort_ref(p, parts[1]);
    if (k < 0) {
      char param[96];
      snprintf(param, sizeof param, "cohorts.%s", parts[1]);
      lerr(L, &key_at[1], param, "no cohort '%s' (give an index 0..%d or a cohort name)", parts[1],
           p->n_cohorts - 1);
      return;
    }
    if (np > 3) { lerr(L, &key_at[3], fullkey, "cohort fields have no sub-keys"); return; }
    char param[48];
    snprintf(param, sizeof param, "cohorts.%d", k);
    if (np == 2) {
      if (val->kind != SOCAP_YT_MAPPING) {
        char hint[120];
        lerr(L, val, param, "expected a mapping of cohort fields, got %s%s", socap_yt_kind_name(val),
             socap_yt_colon_hint(val, hint, sizeof hint));
        return;
      }
      loc_add(L, param, val);
      apply_cohort_fields(L, &p->cohorts[k], k, val);
      return;
    }
    socap_yt_node key = key_at[2];
    key.value = parts[2];
    key.len = strlen(parts[2]);
    socap_yt_node *keys[1] = {&key};
    socap_yt_node *items[1] = {(socap_yt_node *)val};
    socap_yt_node map = {0};
    map.kind = SOCAP_YT_MAPPING;
    map.n = 1;
    map.keys = keys;
    map.items = items;
    apply_cohort_fields(L, &p->cohorts[k], k, &map);
    return;
  }
  unknown_top_key(L, k0, top);
}

static int apply_set_impl(loader *L, const char *assignment) {
  int rc = SOCAP_OK;
  char *key = NULL;
  socap_yt_doc *doc = NULL;
  socap_yt_node at[MAX_PARTS];
  char *parts[MAX_PARTS];
  socap_yt_node start = {0};
  start.file = "--set";
  start.line = 1;
  start.col = 1;

  const char *eq = strchr(assignment, '=');
  if (!eq) {
    lerr(L, &start, "", "expected key=value, got '%s'", assignment);
    return SOCAP_ECONFIG;
  }
  size_t klen = (size_t)(eq - assignment);
  key = malloc(klen + 1);
  if (!key) {
    L->oom = 1;
    return SOCAP_ERUNTIME;
  }
  memcpy(key, assignment, klen);
  key[klen] = 0;
  /* split the key into parts, remembering each part's column */
  int np = 0;
  size_t pos = 0;
  for (;;) {
    size_t e = pos;
    while (e < klen && key[e] != '.') e++;
    if (np == MAX_PARTS || e == pos) {
      socap_yt_node here = start;
      here.col = (int)pos + 1;
      char whole[256];
      snprintf(whole, sizeof whole, "%.*s", (int)klen, assignment);
      if (np == MAX_PARTS) lerr(L, &here, whole, "key has more than %d parts", MAX_PARTS);
      else if (klen == 0) lerr(L, &here, "", "empty key in '%s' (expected key=value)", assignment);
      else lerr(L, &here, whole, "empty key part in '%s'", assignment);
      rc = SOCAP_ECONFIG;
      goto cleanup;
    }
    memset(&at[np], 0, sizeof at[np]);
    at[np].kind = SOCAP_YT_SCALAR;
    at[np].file = "--set";
    at[np].line = 1;
    at[np].col = (int)pos + 1;
    parts[np++] = key + pos;
    if (e == klen) break;
    key[e] = 0;
    pos = e + 1;
  }
  char fullkey[256];
  fullkey[0] = 0;
  for (int i = 0; i < np; i++) {
    size_t l = strlen(fullkey);
    snprintf(fullkey + l, sizeof fullkey - l, "%s%s", i ? "." : "", parts[i]);
  }

  const char *val = eq + 1;
  int before = L->errs ? L->errs->n : 0;
  rc = socap_yt_parse_string(val, strlen(val), "--set", (int)(klen + 1), &doc, L->errs);
  if (rc != SOCAP_OK) {
    if (L->errs) L->nerr += L->errs->n - before;
    else L->nerr++;
    goto cleanup;
  }
  socap_yt_node empty = start;
  empty.kind = SOCAP_YT_SCALAR;
  empty.col = (int)klen + 2;
  empty.value = (char *)"";
  const socap_yt_node *v = doc->root ? doc->root : &empty;
  int nerr = L->nerr;
  apply_path(L, parts, np, at, v, fullkey);
  if (L->nerr != nerr) rc = SOCAP_ECONFIG;

cleanup:
  socap_yt_free(doc);
  free(key);
  return rc;
}

/* ------------------------------------------------------------------------ */
/* Final check                                                               */

/* 1 if an earlier (value) error is about `param` or a parameter related to
   it, so the cross-field error would only be a consequence. */
static int already_reported(const loader *L, const char *param, int upto) {
  if (!L->errs) return 0;
  for (int i = 0; i < upto && i < L->errs->n; i++) {
    const char *q = L->errs->e[i].param;
    if (name_under(q, param) || (q[0] && name_under(param, q))) return 1;
  }
  return 0;
}

typedef struct {
  loader *L;
  int prior; /* number of errors before the check */
  int reported;
} xf_ctx;

static void on_cross_field(void *ctx, const char *param, const char *msg) {
  xf_ctx *x = ctx;
  loader *L = x->L;
  if (x->prior > 0 && already_reported(L, param, x->prior)) return;
  const cfg_loc *c = loc_find(L, param);
  socap_yt_node at = {0};
  if (c) {
    at.file = c->file;
    at.line = c->line;
    at.col = c->col;
  }
  x->reported++;
  lerr(L, c ? &at : NULL, param, "%s", msg);
}

static void final_check(loader *L) {
  xf_ctx x = {L, L->nerr, 0};
  socap_params_check_each(L->p, on_cross_field, &x);
}

/* ------------------------------------------------------------------------ */
/* Public loaders                                                            */

static int finish(loader *L, int rc) {
  free(L->locs);
  L->locs = NULL;
  if (L->oom) {
    /* make sure an out-of-memory failure always has a message */
    socap_config_error_add(L->errs, "", 0, 0, "", "out of memory while loading the configuration");
    SOCAP_ERROR(SOCAP_ERUNTIME, "out of memory while loading the configuration");
    return SOCAP_ERUNTIME;
  }
  if (rc != SOCAP_OK) return rc;
  return L->nerr ? SOCAP_ECONFIG : SOCAP_OK;
}

static void loader_init(loader *L, socap_params *p, socap_config_errors *errs) {
  memset(L, 0, sizeof *L);
  L->p = p;
  L->errs = errs;
  if (errs) errs->n = 0;
  socap_params_default(p);
}

static int load_doc_sets(loader *L, const socap_yt_doc *doc, const char *const *sets, int nsets) {
  apply_root(L, doc);
  for (int i = 0; i < nsets; i++) {
    L->source = i + 1;
    int rc = apply_set_impl(L, sets[i]);
    if (rc == SOCAP_ERUNTIME) return rc;
  }
  final_check(L);
  return SOCAP_OK;
}

int socap_config_load_doc(const struct socap_yt_doc *doc, const char *const *sets, int nsets, socap_params *p,
                          socap_config_errors *errs) {
  loader L;
  loader_init(&L, p, errs);
  return finish(&L, load_doc_sets(&L, doc, sets, nsets));
}

int socap_config_load(const char *path, const char *const *sets, int nsets, socap_params *p,
                      socap_config_errors *errs) {
  loader L;
  socap_yt_doc *doc = NULL;
  loader_init(&L, p, errs);
  int rc = socap_yt_parse_file(path, &doc, errs);
  if (rc != SOCAP_OK) goto cleanup;
  rc = load_doc_sets(&L, doc, sets, nsets);
cleanup:
  socap_yt_free(doc);
  return finish(&L, rc);
}

int socap_config_load_file(const char *path, socap_params *p, socap_config_errors *errs) {
  return socap_config_load(path, NULL, 0, p, errs);
}

int socap_config_load_string(const char *text, const char *name_for_messages, socap_params *p,
                             socap_config_errors *errs) {
  loader L;
  socap_yt_doc *doc = NULL;
  loader_init(&L, p, errs);
  int rc = socap_yt_parse_string(text, strlen(text), name_for_messages ? name_for_messages : "<string>", 0, &doc,
                                 errs);
  if (rc == SOCAP_OK) rc = load_doc_sets(&L, doc, NULL, 0);
  socap_yt_free(doc);
  return finish(&L, rc);
}

int socap_config_apply_set(socap_params *p, const char *assignment, socap_config_errors *errs) {
  loader L;
  memset(&L, 0, sizeof L);
  L.p = p;
  L.errs = errs;
  L.source = 1;
  int rc = apply_set_impl(&L, assignment);
  return finish(&L, rc);
}

int socap_config_apply_node(socap_params *p, const char *name, const struct socap_yt_node *key,
                            const struct socap_yt_node *val, socap_config_errors *errs) {
  loader L;
  memset(&L, 0, sizeof L);
  L.p = p;
  L.errs = errs;
  L.source = 1;
  if (!key) key = val;
  char buf[256];
  char *parts[MAX_PARTS];
  socap_yt_node at[MAX_PARTS];
  int np = 0;
  snprintf(buf, sizeof buf, "%s", name);
  for (char *s = buf;;) {
    char *dot = strchr(s, '.');
    if (np == MAX_PARTS || s[0] == 0 || s == dot) {
      lerr(&L, key, name, "invalid parameter name '%s'", name);
      return finish(&L, SOCAP_ECONFIG);
    }
    at[np] = *key;
    at[np].kind = SOCAP_YT_SCALAR;
    at[np].col = key->col + (key->quoted ? 1 : 0) + (int)(s - buf);
    parts[np++] = s;
    if (!dot) break;
    *dot = 0;
    s = dot + 1;
  }
  for (int i = 0; i < np; i++) {
    at[i].value = parts[i];
    at[i].len = strlen(parts[i]);
  }
  apply_path(&L, parts, np, at, val, name);
  return finish(&L, SOCAP_OK);
}

int socap_config_check(socap_params *p, socap_config_errors *errs) {
  loader L;
  memset(&L, 0, sizeof L);
  L.p = p;
  L.errs = errs;
  final_check(&L);
  return finish(&L, SOCAP_OK);
}

void socap_config_errors_print(FILE *f, const socap_config_errors *errs) {
  if (!errs) return;
  for (int i = 0; i < errs->n && i < SOCAP_CONFIG_MAX_ERRORS; i++) {
    const socap_config_error *e = &errs->e[i];
    if (e->file[0]) fputs(e->file, f);
    if (e->line > 0) fprintf(f, "%s%d:%d", e->file[0] ? ":" : "", e->line, e->col);
    fputs(e->file[0] || e->line > 0 ? ": error: " : "error: ", f);
    if (e->param[0]) fprintf(f, "%s: ", e->param);
    fprintf(f, "%s\n", e->msg);
  }
}

/* ------------------------------------------------------------------------ */
/* Output: resolved YAML and the parameter table                            */

typedef struct {
  char *s;
  size_t len, cap;
  int oom;
} sbuf;

static void sb_printf(sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void sb_printf(sbuf *b, const char *fmt, ...) {
  if (b->oom) return;
  for (;;) {
    va_list ap;
    va_start(ap, fmt);
    int w = vsnprintf(b->s ? b->s + b->len : NULL, b->s ? b->cap - b->len : 0, fmt, ap);
    va_end(ap);
    if (w < 0) { b->oom = 1; return; }
    if (b->s && (size_t)w < b->cap - b->len) { b->len += (size_t)w; return; }
    size_t cap = b->cap ? b->cap : 1024;
    while (cap < b->len + (size_t)w + 1) cap *= 2;
    char *ns = realloc(b->s, cap);
    if (!ns) { b->oom = 1; return; }
    b->s = ns;
    b->cap = cap;
  }
}

/* A YAML double-quoted string. */
static void sb_quoted(sbuf *b, const char *s) {
  sb_printf(b, "\"");
  for (; *s; s++) {
    unsigned char c = (unsigned char)*s;
    if (c == '"' || c == '\\') sb_printf(b, "\\%c", c);
    else if (c < 0x20) sb_printf(b, "\\x%02x", c);
    else sb_printf(b, "%c", c);
  }
  sb_printf(b, "\"");
}

/* Nth (0-based) comma-separated choice of an enum row into buf. */
static const char *enum_name(const socap_param_def *d, int v, char *buf, size_t len) {
  const char *s = d->choices;
  for (int i = 0; s && i < v; i++) {
    s = strchr(s, ',');
    if (s) s++;
  }
  if (!s || v < 0) { snprintf(buf, len, "%d", v); return buf; }
  size_t l = strcspn(s, ",");
  snprintf(buf, len, "%.*s", (int)l, s);
  return buf;
}

/* Shortest "%.Ng" (N = 15..17) that reads back as exactly v: 0.2 prints as
 * 0.2, not 0.20000000000000001, and every value still round-trips. */
static const char *fmt_double(char *buf, size_t len, double v) {
  for (int prec = 15; prec <= 17; prec++) {
    snprintf(buf, len, "%.*g", prec, v);
    if (strtod(buf, NULL) == v) break;
  }
  return buf;
}

/* The value of row `d` in `base`, as YAML text. */
static void sb_value(sbuf *b, const socap_param_def *d, const void *base, const socap_params *p) {
  const void *f = (const char *)base + d->offset;
  char tmp[64];
  switch (d->type) {
  case SOCAP_PT_INT: sb_printf(b, "%d", *(const int *)f); break;
  case SOCAP_PT_U64: sb_printf(b, "%" PRIu64, *(const uint64_t *)f); break;
  case SOCAP_PT_DOUBLE: sb_printf(b, "%s", fmt_double(tmp, sizeof tmp, *(const double *)f)); break;
  case SOCAP_PT_BOOL: sb_printf(b, "%s", *(const int *)f ? "true" : "false"); break;
  case SOCAP_PT_ENUM: sb_printf(b, "%s", enum_name(d, *(const int *)f, tmp, sizeof tmp)); break;
  case SOCAP_PT_STRING: sb_quoted(b, (const char *)f); break;
  case SOCAP_PT_DLIST:
    sb_printf(b, "[");
    for (int i = 0; i < d->list_len; i++)
      sb_printf(b, "%s%s", i ? ", " : "", fmt_double(tmp, sizeof tmp, ((const double *)f)[i]));
    sb_printf(b, "]");
    break;
  case SOCAP_PT_ILIST: {
    int n = *(const int *)((const char *)p + d->count_offset);
    sb_printf(b, "[");
    for (int i = 0; i < n && i < d->list_len; i++) sb_printf(b, "%s%d", i ? ", " : "", ((const int *)f)[i]);
    sb_printf(b, "]");
    break;
  }
  default: sb_printf(b, "null"); break;
  }
}

int socap_config_to_yaml(const socap_params *p, char **out) {
  sbuf b = {0};
  char section[64] = "";
  *out = NULL;
  sb_printf(&b, "# socap resolved configuration\n");
  if (p->name[0]) {
    sb_printf(&b, "name: ");
    sb_quoted(&b, p->name);
    sb_printf(&b, "\n");
  }
  for (const socap_param_def *d = socap_param_table; d->name; d++) {
    if (d->scope != SOCAP_PS_GLOBAL) continue;
    const char *dot = strchr(d->name, '.');
    if (!dot) {
      section[0] = 0;
      sb_printf(&b, "%s: ", d->name);
    } else {
      if (strncmp(section, d->name, (size_t)(dot - d->name)) != 0 || section[dot - d->name] != 0) {
        snprintf(section, sizeof section, "%.*s", (int)(dot - d->name), d->name);
        sb_printf(&b, "%s:\n", section);
      }
      sb_printf(&b, "  %s: ", dot + 1);
    }
    sb_value(&b, d, p, p);
    sb_printf(&b, "\n");
  }
  sb_printf(&b, "strategies:\n");
  for (int i = 0; i < p->n_strategies && i < SOCAP_MAX_STRATEGIES; i++) {
    const socap_strategy *s = &p->strategies[i];
    if (!s->defined) continue;
    sb_printf(&b, "  ");
    sb_quoted(&b, s->name);
    sb_printf(&b, ":\n");
    for (const socap_param_def *d = socap_param_table; d->name; d++) {
      if (d->scope != SOCAP_PS_STRATEGY) continue;
      sb_printf(&b, "    %s: ", d->name + strlen(STRAT_PREFIX));
      sb_value(&b, d, s, p);
      sb_printf(&b, "\n");
    }
  }
  sb_printf(&b, "cohorts:\n");
  for (int k = 0; k < p->n_cohorts && k < SOCAP_MAX_COHORTS; k++) {
    int first = 1;
    for (const socap_param_def *d = socap_param_table; d->name; d++) {
      if (d->scope != SOCAP_PS_COHORT) continue;
      sb_printf(&b, "%s%s: ", first ? "  - " : "    ", d->name + strlen(COHORT_PREFIX));
      sb_value(&b, d, &p->cohorts[k], p);
      sb_printf(&b, "\n");
      first = 0;
    }
  }
  if (b.oom) {
    free(b.s);
    return SOCAP_ERROR(SOCAP_ERUNTIME, "out of memory writing the resolved configuration");
  }
  *out = b.s;
  return SOCAP_OK;
}

static const char *type_name(const socap_param_def *d, char *buf, size_t len) {
  switch (d->type) {
  case SOCAP_PT_INT: return "int";
  case SOCAP_PT_U64: return "uint64";
  case SOCAP_PT_DOUBLE: return "double";
  case SOCAP_PT_BOOL: return "bool";
  case SOCAP_PT_ENUM: return "enum";
  case SOCAP_PT_STRING: return "name";
  case SOCAP_PT_DLIST: snprintf(buf, len, "double[%d]", d->list_len); return buf;
  case SOCAP_PT_ILIST: snprintf(buf, len, "int[<=%d]", d->list_len); return buf;
  }
  return "?";
}

/* Columns of one row of `socap params`. */
typedef struct {
  char name[64], type[32], def[96], min[32], max[32], unit[32], doc[256];
} prow;

static int is_required(const socap_param_def *d) {
  for (size_t i = 0; i < NELEM(fraction_fields); i++) {
    char n[64];
    snprintf(n, sizeof n, STRAT_PREFIX "%s", fraction_fields[i]);
    if (strcmp(d->name, n) == 0) return 1;
  }
  for (size_t i = 0; i < NELEM(cohort_required); i++) {
    char n[64];
    snprintf(n, sizeof n, COHORT_PREFIX "%s", cohort_required[i]);
    if (strcmp(d->name, n) == 0) return 1;
  }
  return 0;
}

static void fill_row(prow *r, const socap_param_def *d, const socap_params *defs) {
  socap_strategy s;
  socap_cohort c;
  const void *base = defs;
  char tmp[32];
  memset(r, 0, sizeof *r);
  snprintf(r->name, sizeof r->name, "%s", d->name);
  snprintf(r->type, sizeof r->type, "%s", type_name(d, tmp, sizeof tmp));
  if (d->scope == SOCAP_PS_STRATEGY) {
    memset(&s, 0, sizeof s);
    scope_defaults(&s, SOCAP_PS_STRATEGY);
    base = &s;
  } else if (d->scope == SOCAP_PS_COHORT) {
    memset(&c, 0, sizeof c);
    scope_defaults(&c, SOCAP_PS_COHORT);
    base = &c;
  }
  if (is_required(d)) {
    snprintf(r->def, sizeof r->def, "required");
  } else {
    sbuf b = {0};
    sb_value(&b, d, base, defs);
    snprintf(r->def, sizeof r->def, "%s", b.s && !b.oom ? b.s : "?");
    free(b.s);
  }
  switch (d->type) {
  case SOCAP_PT_INT:
  case SOCAP_PT_DOUBLE:
  case SOCAP_PT_DLIST:
  case SOCAP_PT_ILIST:
    snprintf(r->min, sizeof r->min, "%.15g", d->min);
    snprintf(r->max, sizeof r->max, "%.15g", d->max);
    break;
  case SOCAP_PT_U64:
    snprintf(r->min, sizeof r->min, "0");
    snprintf(r->max, sizeof r->max, "%" PRIu64, UINT64_MAX);
    break;
  default:
    snprintf(r->min, sizeof r->min, "-");
    snprintf(r->max, sizeof r->max, "-");
    break;
  }
  snprintf(r->unit, sizeof r->unit, "%s", d->unit ? d->unit : "");
  if (d->type == SOCAP_PT_ENUM && d->choices) {
    char ch[128];
    snprintf(ch, sizeof ch, "%s", d->choices);
    for (char *q = ch; *q; q++)
      if (*q == ',') *q = '|';
    snprintf(r->doc, sizeof r->doc, "%s (%s)", d->doc ? d->doc : "", ch);
  } else {
    snprintf(r->doc, sizeof r->doc, "%s", d->doc ? d->doc : "");
  }
}

/* Markdown cell text: '|' escaped. */
static void md_cell(FILE *f, const char *s, int code) {
  fputs(code ? "| `" : "| ", f);
  for (; *s; s++) {
    if (*s == '|' && !code) fputc('\\', f);
    fputc(*s, f);
  }
  fputs(code ? "` " : " ", f);
}

int socap_params_print(FILE *f, int markdown) {
  socap_params defs;
  socap_params_default(&defs);
  size_t n = socap_param_count();
  static const char *const head[7] = {"name", "type", "default", "min", "max", "unit", "doc"};
  int w[7];
  for (int i = 0; i < 7; i++) w[i] = (int)strlen(head[i]);
  prow r;
  for (size_t i = 0; i < n; i++) {
    fill_row(&r, &socap_param_table[i], &defs);
    const char *cols[7] = {r.name, r.type, r.def, r.min, r.max, r.unit, r.doc};
    for (int c = 0; c < 7; c++)
      if ((int)strlen(cols[c]) > w[c]) w[c] = (int)strlen(cols[c]);
  }
  if (markdown) {
    fputs("| name | type | default | min | max | unit | doc |\n", f);
    fputs("|------|------|---------|-----|-----|------|-----|\n", f);
  } else {
    fprintf(f, "%-*s  %-*s  %-*s  %-*s  %-*s  %-*s  %s\n", w[0], head[0], w[1], head[1], w[2], head[2], w[3],
            head[3], w[4], head[4], w[5], head[5], head[6]);
  }
  for (size_t i = 0; i < n; i++) {
    fill_row(&r, &socap_param_table[i], &defs);
    if (markdown) {
      md_cell(f, r.name, 1);
      md_cell(f, r.type, 0);
      md_cell(f, r.def, 1);
      md_cell(f, r.min, 0);
      md_cell(f, r.max, 0);
      md_cell(f, r.unit, 0);
      md_cell(f, r.doc, 0);
      fputs("|\n", f);
    } else {
      fprintf(f, "%-*s  %-*s  %-*s  %-*s  %-*s  %-*s  %s\n", w[0], r.name, w[1], r.type, w[2], r.def, w[3], r.min,
              w[4], r.max, w[5], r.unit, r.doc);
    }
  }
  if (!markdown)
    fputs("\n`*` in strategies.*.X is a strategy name; in cohorts.*.X a cohort index (or name with --set).\n"
          "A scenario's top-level name: (a label, at most 63 characters) is not a parameter: the model does not\n"
          "use it; it is kept in the resolved configuration (/provenance/config).\n", f);
  return ferror(f) ? SOCAP_EIO : SOCAP_OK;
}
