/* Edge list input, node table output and the `socap metrics` subcommand. */
#define _POSIX_C_SOURCE 200809L

#include "socap/error.h"
#include "socap/h5out.h"
#include "socap/metrics.h"

#include <errno.h>
#include <fcntl.h>
#include <hdf5.h>
#include <limits.h>
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

void socap_edgelist_free(socap_edgelist *el) {
  if (!el) return;
  free(el->label);
  free(el->src);
  free(el->dst);
  free(el->w);
  free(el->line);
  free(el->group);
  memset(el, 0, sizeof *el);
}

/* ---- growable arrays ----------------------------------------------------- */

typedef struct {
  int64_t *u, *v, *line; /* raw ids of edges, line numbers */
  double *w;
  int64_t m, cap;
  int64_t *decl; /* declared node ids */
  int64_t ndecl, capdecl;
} raw_edges;

static void raw_free(raw_edges *r) {
  free(r->u);
  free(r->v);
  free(r->line);
  free(r->w);
  free(r->decl);
  memset(r, 0, sizeof *r);
}

static int raw_push_edge(raw_edges *r, int64_t u, int64_t v, double w, int64_t line) {
  if (r->m == r->cap) {
    int64_t cap = r->cap ? 2 * r->cap : 4096;
    int64_t *nu = realloc(r->u, sizeof *nu * (size_t)cap);
    if (nu) r->u = nu;
    int64_t *nv = realloc(r->v, sizeof *nv * (size_t)cap);
    if (nv) r->v = nv;
    int64_t *nl = realloc(r->line, sizeof *nl * (size_t)cap);
    if (nl) r->line = nl;
    double *nw = realloc(r->w, sizeof *nw * (size_t)cap);
    if (nw) r->w = nw;
    if (!nu || !nv || !nl || !nw) return SOCAP_ERROR(SOCAP_ERUNTIME, "out of memory reading edges");
    r->cap = cap;
  }
  r->u[r->m] = u;
  r->v[r->m] = v;
  r->w[r->m] = w;
  r->line[r->m] = line;
  r->m++;
  return SOCAP_OK;
}

static int raw_push_decl(raw_edges *r, int64_t id) {
  if (r->ndecl == r->capdecl) {
    int64_t cap = r->capdecl ? 2 * r->capdecl : 1024;
    int64_t *nd = realloc(r->decl, sizeof *nd * (size_t)cap);
    if (!nd) return SOCAP_ERROR(SOCAP_ERUNTIME, "out of memory reading nodes");
    r->decl = nd;
    r->capdecl = cap;
  }
  r->decl[r->ndecl++] = id;
  return SOCAP_OK;
}

static int cmp_i64(const void *a, const void *b) {
  const int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
  return (x > y) - (x < y);
}

static int32_t find_label(const int64_t *label, int32_t n, int64_t id) {
  int32_t lo = 0, hi = n;
  while (lo < hi) {
    int32_t mid = lo + (hi - lo) / 2;
    if (label[mid] < id)
      lo = mid + 1;
    else
      hi = mid;
  }
  return lo;
}

/* Remap raw ids to 0..n-1 in ascending id order (plus 0..extra-1). */
static int raw_to_edgelist(raw_edges *r, int64_t extra, socap_edgelist *el) {
  int rc = SOCAP_OK;
  int64_t *ids = NULL;
  int32_t *dense = NULL;
  memset(el, 0, sizeof *el);

  int64_t maxid = extra - 1;
  for (int64_t e = 0; e < r->m; e++) {
    if (r->u[e] > maxid) maxid = r->u[e];
    if (r->v[e] > maxid) maxid = r->v[e];
  }
  for (int64_t d = 0; d < r->ndecl; d++)
    if (r->decl[d] > maxid) maxid = r->decl[d];
  const int64_t total = 2 * r->m + r->ndecl + extra;
  int64_t n = 0;

  if (maxid >= 0 && maxid < (total > ((int64_t)1 << 22) ? 4 * total : ((int64_t)1 << 22))) {
    /* dense: presence flags, then ranks */
    dense = calloc((size_t)maxid + 1, sizeof *dense);
    if (!dense) goto oom;
    for (int64_t e = 0; e < r->m; e++) dense[r->u[e]] = dense[r->v[e]] = 1;
    for (int64_t d = 0; d < r->ndecl; d++) dense[r->decl[d]] = 1;
    for (int64_t x = 0; x < extra; x++) dense[x] = 1;
    for (int64_t x = 0; x <= maxid; x++) n += dense[x];
    if (n > INT32_MAX) goto toomany;
    el->label = malloc(sizeof *el->label * (size_t)(n > 0 ? n : 1));
    if (!el->label) goto oom;
    int32_t k = 0;
    for (int64_t x = 0; x <= maxid; x++)
      if (dense[x]) {
        el->label[k] = x;
        dense[x] = k++;
      } else {
        dense[x] = -1;
      }
  } else if (maxid >= 0) {
    ids = malloc(sizeof *ids * (size_t)total);
    if (!ids) goto oom;
    int64_t t = 0;
    for (int64_t e = 0; e < r->m; e++) {
      ids[t++] = r->u[e];
      ids[t++] = r->v[e];
    }
    for (int64_t d = 0; d < r->ndecl; d++) ids[t++] = r->decl[d];
    for (int64_t x = 0; x < extra; x++) ids[t++] = x;
    qsort(ids, (size_t)total, sizeof *ids, cmp_i64);
    for (int64_t x = 0; x < total; x++)
      if (x == 0 || ids[x] != ids[x - 1]) ids[n++] = ids[x];
    if (n > INT32_MAX) goto toomany;
    el->label = realloc(ids, sizeof *ids * (size_t)n);
    if (!el->label) goto oom;
    ids = NULL;
  }
  el->n = (int32_t)n;
  el->m = r->m;
  size_t mm = (size_t)(r->m > 0 ? r->m : 1);
  el->src = malloc(sizeof *el->src * mm);
  el->dst = malloc(sizeof *el->dst * mm);
  if (!el->src || !el->dst) goto oom;
  for (int64_t e = 0; e < r->m; e++) {
    el->src[e] = dense ? dense[r->u[e]] : find_label(el->label, el->n, r->u[e]);
    el->dst[e] = dense ? dense[r->v[e]] : find_label(el->label, el->n, r->v[e]);
  }
  /* hand over weights and line numbers */
  el->w = r->w;
  el->line = r->line;
  r->w = NULL;
  r->line = NULL;
  goto cleanup;

toomany:
  rc = SOCAP_ERROR(SOCAP_ECONFIG, "more than %d distinct node ids", INT32_MAX);
  goto fail;
oom:
  rc = SOCAP_ERROR(SOCAP_ERUNTIME, "out of memory remapping node ids");
fail:
  socap_edgelist_free(el);
cleanup:
  free(ids);
  free(dense);
  return rc;
}

/* ---- CSV ---------------------------------------------------------------- */

/* Split @p s at commas into at most @p max trimmed fields; returns the count
 * (max + 1 if there are more). */
static int split_fields(char *s, char **f, int max) {
  int nf = 0;
  for (;;) {
    while (*s == ' ' || *s == '\t') s++;
    char *end = strchr(s, ',');
    char *stop = end ? end : s + strlen(s);
    char *t = stop;
    while (t > s && (t[-1] == ' ' || t[-1] == '\t' || t[-1] == '\r' || t[-1] == '\n')) t--;
    *t = 0;
    if (nf == max) return max + 1;
    f[nf++] = s;
    if (!end) return nf;
    s = end + 1;
  }
}

static int parse_id(const char *s, int64_t *out) {
  if (!*s || *s == '-' || *s == '+') return -1;
  for (const char *p = s; *p; p++)
    if (*p < '0' || *p > '9') return -1;
  errno = 0;
  char *end;
  long long v = strtoll(s, &end, 10);
  if (errno || *end) return -1;
  *out = (int64_t)v;
  return 0;
}

static int parse_weight(const char *s, double *out) {
  if (!*s) return -1;
  errno = 0;
  char *end;
  double v = strtod(s, &end);
  if (errno || *end) return -1;
  *out = v;
  return 0;
}

/* Read a CSV of 1-3 integer/weight fields; calls back per data line. */
typedef int (*csv_line_fn)(void *ctx, const char *path, int64_t line, char **f, int nf);

static int csv_scan(const char *path, int maxf, csv_line_fn fn, void *ctx) {
  FILE *fp = fopen(path, "r");
  if (!fp) return SOCAP_ERROR(SOCAP_EIO, "cannot open %s: %s", path, strerror(errno));
  char *buf = NULL;
  size_t cap = 0;
  int64_t line = 0;
  int first = 1, rc = SOCAP_OK;
  char *f[8];
  while (getline(&buf, &cap, fp) >= 0) {
    line++;
    char *s = buf;
    while (*s == ' ' || *s == '\t') s++;
    if (*s == '#' || *s == 0 || *s == '\n' || (*s == '\r' && s[1] == '\n') || (*s == '\r' && !s[1])) continue;
    int nf = split_fields(s, f, maxf);
    if (first) {
      first = 0;
      int64_t dummy;
      if (parse_id(f[0], &dummy)) continue; /* header */
    }
    if (nf > maxf) {
      rc = SOCAP_ERROR(SOCAP_ECONFIG, "%s:%lld: expected at most %d fields", path, (long long)line, maxf);
      break;
    }
    if ((rc = fn(ctx, path, line, f, nf))) break;
  }
  if (!rc && ferror(fp)) rc = SOCAP_ERROR(SOCAP_EIO, "error reading %s: %s", path, strerror(errno));
  free(buf);
  fclose(fp);
  return rc;
}

static int edge_line(void *ctx, const char *path, int64_t line, char **f, int nf) {
  raw_edges *r = ctx;
  int64_t u, v;
  double w = 1.0;
  if (parse_id(f[0], &u))
    return SOCAP_ERROR(SOCAP_ECONFIG, "%s:%lld: bad node id '%s' (expected a non-negative integer)", path,
                       (long long)line, f[0]);
  if (nf == 1) return raw_push_decl(r, u);
  if (parse_id(f[1], &v))
    return SOCAP_ERROR(SOCAP_ECONFIG, "%s:%lld: bad node id '%s' (expected a non-negative integer)", path,
                       (long long)line, f[1]);
  if (nf == 3) {
    if (parse_weight(f[2], &w))
      return SOCAP_ERROR(SOCAP_ECONFIG, "%s:%lld: bad weight '%s'", path, (long long)line, f[2]);
    if (!(w > 0.0) || !isfinite(w))
      return SOCAP_ERROR(SOCAP_ECONFIG, "%s:%lld: weight %s is not finite and > 0", path, (long long)line, f[2]);
  }
  return raw_push_edge(r, u, v, w, line);
}

int socap_edgelist_read_csv(const char *path, int64_t extra_nodes, socap_edgelist *el) {
  raw_edges r = {0};
  memset(el, 0, sizeof *el);
  if (extra_nodes < 0) return SOCAP_ERROR(SOCAP_ECONFIG, "negative node count");
  int rc = csv_scan(path, 3, edge_line, &r);
  if (!rc) rc = raw_to_edgelist(&r, extra_nodes, el);
  raw_free(&r);
  return rc;
}

typedef struct {
  const socap_edgelist *el;
  int32_t *group;
} group_ctx;

static int group_line(void *ctx, const char *path, int64_t line, char **f, int nf) {
  group_ctx *c = ctx;
  int64_t id, gid;
  if (nf != 2) return SOCAP_ERROR(SOCAP_ECONFIG, "%s:%lld: expected 'id,group'", path, (long long)line);
  if (parse_id(f[0], &id) || parse_id(f[1], &gid) || gid > INT32_MAX)
    return SOCAP_ERROR(SOCAP_ECONFIG, "%s:%lld: bad id or group (non-negative integers)", path, (long long)line);
  int32_t k = find_label(c->el->label, c->el->n, id);
  if (k >= c->el->n || c->el->label[k] != id) return SOCAP_OK; /* not a node of this graph */
  c->group[k] = (int32_t)gid;
  return SOCAP_OK;
}

int socap_groups_read_csv(const char *path, const socap_edgelist *el, int32_t *group) {
  for (int32_t i = 0; i < el->n; i++) group[i] = -1;
  group_ctx c = {el, group};
  int rc = csv_scan(path, 2, group_line, &c);
  if (rc) return rc;
  for (int32_t i = 0; i < el->n; i++)
    if (group[i] < 0) return SOCAP_ERROR(SOCAP_ECONFIG, "%s: node %lld has no group", path, (long long)el->label[i]);
  return SOCAP_OK;
}

/* ---- HDF5 snapshot input ------------------------------------------------- */

static int h5_exists(hid_t loc, const char *name) {
  htri_t r = -1;
  H5E_BEGIN_TRY { r = H5Lexists(loc, name, H5P_DEFAULT); }
  H5E_END_TRY;
  return r > 0;
}

/* Read 1-D dataset @p name of @p grp converted to @p memtype. *len is the
 * expected length, or (hsize_t)-1 to take the dataset's. */
static int h5_read_column(hid_t grp, const char *name, hid_t memtype, size_t elsize, hsize_t *len, void **out,
                          const char *path, const char *group) {
  hid_t d = H5I_INVALID_HID, sp = H5I_INVALID_HID;
  int rc = SOCAP_OK;
  *out = NULL;
  if (h5_exists(grp, name)) {
    H5E_BEGIN_TRY { d = H5Dopen2(grp, name, H5P_DEFAULT); }
    H5E_END_TRY;
  }
  if (d < 0) return SOCAP_ERROR(SOCAP_EIO, "%s:%s: no dataset '%s'", path, group, name);
  sp = H5Dget_space(d);
  if (sp < 0 || H5Sget_simple_extent_ndims(sp) != 1) {
    rc = SOCAP_ERROR(SOCAP_EIO, "%s:%s/%s: not a 1-D dataset", path, group, name);
    goto cleanup;
  }
  hsize_t n = 0;
  H5Sget_simple_extent_dims(sp, &n, NULL);
  if (*len != (hsize_t)-1 && n != *len) {
    rc = SOCAP_ERROR(SOCAP_EIO, "%s:%s/%s: length %llu differs from the other columns (%llu)", path, group, name,
                     (unsigned long long)n, (unsigned long long)*len);
    goto cleanup;
  }
  *len = n;
  *out = malloc(elsize * (size_t)(n > 0 ? n : 1));
  if (!*out) {
    rc = SOCAP_ERROR(SOCAP_ERUNTIME, "out of memory reading %s", name);
    goto cleanup;
  }
  if (n > 0 && H5Dread(d, memtype, H5S_ALL, H5S_ALL, H5P_DEFAULT, *out) < 0) {
    rc = SOCAP_ERROR(SOCAP_EIO, "%s:%s/%s: read failed", path, group, name);
    free(*out);
    *out = NULL;
  }
cleanup:
  if (sp >= 0) H5Sclose(sp);
  H5Dclose(d);
  return rc;
}

static int h5_int_attr(hid_t obj, const char *name, int64_t *out) {
  htri_t ex;
  H5E_BEGIN_TRY { ex = H5Aexists(obj, name); }
  H5E_END_TRY;
  if (ex <= 0) return 0;
  hid_t a = H5Aopen(obj, name, H5P_DEFAULT);
  if (a < 0) return 0;
  long long v = 0;
  herr_t e = H5Aread(a, H5T_NATIVE_LLONG, &v);
  H5Aclose(a);
  if (e < 0) return 0;
  *out = (int64_t)v;
  return 1;
}

/* "prefix_123" -> 123, else -1 */
static int64_t component_number(const char *s, const char *prefix) {
  size_t k = strlen(prefix);
  int64_t v;
  if (strncmp(s, prefix, k) != 0 || parse_id(s + k, &v)) return -1;
  return v;
}

/* Agents of @p task (all rows if task < 0 or there is no task column) from
 * the simulator's /agents table: n = max agent + 1, and their groups (NULL
 * if some agent is missing or there is no group column). */
static int h5_agents(hid_t f, const char *path, int64_t task, int64_t *n, int32_t **group) {
  int64_t *agent = NULL, *tk = NULL, *grp = NULL;
  hsize_t len = (hsize_t)-1;
  int rc = SOCAP_OK;
  *n = 0;
  *group = NULL;
  if (!h5_exists(f, "agents") || !h5_exists(f, "agents/agent")) return SOCAP_OK;
  hid_t a = H5Gopen2(f, "agents", H5P_DEFAULT);
  if (a < 0) return SOCAP_OK;
  if ((rc = h5_read_column(a, "agent", H5T_NATIVE_INT64, 8, &len, (void **)&agent, path, "/agents"))) goto cleanup;
  if (h5_exists(a, "task") &&
      (rc = h5_read_column(a, "task", H5T_NATIVE_INT64, 8, &len, (void **)&tk, path, "/agents")))
    goto cleanup;
  if (h5_exists(a, "group") &&
      (rc = h5_read_column(a, "group", H5T_NATIVE_INT64, 8, &len, (void **)&grp, path, "/agents")))
    goto cleanup;
  int64_t nmax = 0;
  for (hsize_t r = 0; r < len; r++)
    if ((!tk || task < 0 || tk[r] == task) && agent[r] >= 0 && agent[r] + 1 > nmax) nmax = agent[r] + 1;
  if (nmax > INT32_MAX) goto cleanup;
  *n = nmax;
  if (grp && nmax > 0) {
    int32_t *g = malloc(sizeof *g * (size_t)nmax);
    if (!g) {
      rc = SOCAP_ERROR(SOCAP_ERUNTIME, "out of memory");
      goto cleanup;
    }
    for (int64_t i = 0; i < nmax; i++) g[i] = -1;
    for (hsize_t r = 0; r < len; r++)
      if ((!tk || task < 0 || tk[r] == task) && agent[r] >= 0 && grp[r] >= 0 && grp[r] <= INT32_MAX)
        g[agent[r]] = (int32_t)grp[r];
    for (int64_t i = 0; i < nmax; i++)
      if (g[i] < 0) {
        free(g);
        g = NULL;
        break;
      }
    *group = g;
  }
cleanup:
  free(agent);
  free(tk);
  free(grp);
  H5Gclose(a);
  return rc;
}

int socap_edgelist_read_h5(const char *path, const char *object, int64_t extra_nodes, socap_edgelist *el) {
  int rc = SOCAP_OK;
  hid_t f = H5I_INVALID_HID, g = H5I_INVALID_HID;
  int64_t *src = NULL, *dst = NULL, *state = NULL, *stp = NULL, *tk = NULL;
  double *w = NULL;
  int32_t *agroup = NULL;
  char *tbl = NULL;
  int64_t step = -1, task = -1;
  memset(el, 0, sizeof *el);

  H5E_BEGIN_TRY { f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT); }
  H5E_END_TRY;
  if (f < 0) return SOCAP_ERROR(SOCAP_EIO, "cannot open HDF5 file %s", path);

  /* OBJECT is a table group, or TABLE[/task_T]/step_N selecting its rows */
  tbl = strdup(object);
  if (!tbl) {
    rc = SOCAP_ERROR(SOCAP_ERUNTIME, "out of memory");
    goto cleanup;
  }
  if (!h5_exists(f, tbl)) {
    char *slash = strrchr(tbl, '/');
    if (slash && (step = component_number(slash + 1, "step_")) >= 0) {
      *slash = 0;
      slash = strrchr(tbl, '/');
      if (slash && (task = component_number(slash + 1, "task_")) >= 0) *slash = 0;
    }
    if (step < 0 || !tbl[0] || !h5_exists(f, tbl)) {
      rc = SOCAP_ERROR(SOCAP_EIO, "%s: no table '%s' (expected e.g. /network/step_000052)", path, object);
      goto cleanup;
    }
  }
  H5E_BEGIN_TRY { g = H5Gopen2(f, tbl, H5P_DEFAULT); }
  H5E_END_TRY;
  if (g < 0) {
    rc = SOCAP_ERROR(SOCAP_EIO, "%s: '%s' is not a group", path, tbl);
    goto cleanup;
  }
  hsize_t len = (hsize_t)-1;
  if ((rc = h5_read_column(g, "src", H5T_NATIVE_INT64, 8, &len, (void **)&src, path, tbl)) ||
      (rc = h5_read_column(g, "dst", H5T_NATIVE_INT64, 8, &len, (void **)&dst, path, tbl)) ||
      (rc = h5_read_column(g, "w", H5T_NATIVE_DOUBLE, 8, &len, (void **)&w, path, tbl)) ||
      (rc = h5_read_column(g, "state", H5T_NATIVE_INT64, 8, &len, (void **)&state, path, tbl)))
    goto cleanup;
  if (h5_exists(g, "step") && (rc = h5_read_column(g, "step", H5T_NATIVE_INT64, 8, &len, (void **)&stp, path, tbl)))
    goto cleanup;
  if (h5_exists(g, "task") && (rc = h5_read_column(g, "task", H5T_NATIVE_INT64, 8, &len, (void **)&tk, path, tbl)))
    goto cleanup;
  if (step >= 0 && !stp) {
    rc = SOCAP_ERROR(SOCAP_EIO, "%s:%s has no step column to select step %lld", path, tbl, (long long)step);
    goto cleanup;
  }
  if (task >= 0 && !tk) {
    rc = SOCAP_ERROR(SOCAP_EIO, "%s:%s has no task column to select task %lld", path, tbl, (long long)task);
    goto cleanup;
  }
  /* without an explicit selection, the table must hold one step of one task */
  int64_t rows = 0;
  for (hsize_t r = 0; r < len; r++) {
    if (stp && step >= 0 && stp[r] != step) continue;
    if (tk && task >= 0 && tk[r] != task) continue;
    if (stp && step < 0 && stp[r] != stp[0]) {
      rc = SOCAP_ERROR(SOCAP_ECONFIG, "%s:%s holds several steps (%lld, %lld, ...); select one as %s/step_N", path, tbl,
                       (long long)stp[0], (long long)stp[r], tbl);
      goto cleanup;
    }
    if (tk && task < 0) {
      if (rows == 0) {
        task = tk[r];
      } else if (tk[r] != task) {
        rc = SOCAP_ERROR(SOCAP_ECONFIG, "%s:%s holds several tasks (%lld, %lld, ...); select one as %s/task_T/step_N",
                         path, tbl, (long long)task, (long long)tk[r], tbl);
        goto cleanup;
      }
    }
    rows++;
  }
  if (step >= 0 && rows == 0) {
    rc = SOCAP_ERROR(SOCAP_ECONFIG, "%s:%s has no rows for step %lld%s", path, tbl, (long long)step,
                     task >= 0 ? " of that task" : "");
    goto cleanup;
  }

  int64_t n = 0, na = 0;
  if ((rc = h5_agents(f, path, tk ? task : -1, &na, &agroup))) goto cleanup;
  n = na;
  if (n == 0 && !h5_int_attr(g, "n_agents", &n) && !h5_int_attr(g, "n_nodes", &n) && !h5_int_attr(f, "n_agents", &n) &&
      !h5_int_attr(f, "n_nodes", &n))
    n = 0;
  if (extra_nodes > n) n = extra_nodes;
  int64_t m = 0;
  for (hsize_t r = 0; r < len; r++) {
    if ((stp && step >= 0 && stp[r] != step) || (tk && tk[r] != task) || state[r] != 1) continue;
    if (src[r] < 0 || dst[r] < 0 || src[r] > INT32_MAX || dst[r] > INT32_MAX) {
      rc = SOCAP_ERROR(SOCAP_ECONFIG, "%s:%s row %llu: node id out of range", path, tbl, (unsigned long long)r);
      goto cleanup;
    }
    if (!(w[r] > 0.0) || !isfinite(w[r])) {
      rc = SOCAP_ERROR(SOCAP_ECONFIG, "%s:%s row %llu: active tie with weight %g (must be finite and > 0)", path, tbl,
                       (unsigned long long)r, w[r]);
      goto cleanup;
    }
    if (src[r] >= n) n = src[r] + 1;
    if (dst[r] >= n) n = dst[r] + 1;
    m++;
  }
  if (n > INT32_MAX) {
    rc = SOCAP_ERROR(SOCAP_ECONFIG, "%s: too many nodes", path);
    goto cleanup;
  }
  size_t mm = (size_t)(m > 0 ? m : 1);
  el->n = (int32_t)n;
  el->m = m;
  el->label = malloc(sizeof *el->label * (size_t)(n > 0 ? n : 1));
  el->src = malloc(sizeof *el->src * mm);
  el->dst = malloc(sizeof *el->dst * mm);
  el->w = malloc(sizeof *el->w * mm);
  el->line = malloc(sizeof *el->line * mm);
  if (!el->label || !el->src || !el->dst || !el->w || !el->line) {
    socap_edgelist_free(el);
    rc = SOCAP_ERROR(SOCAP_ERUNTIME, "out of memory reading %s", path);
    goto cleanup;
  }
  for (int64_t i = 0; i < n; i++) el->label[i] = i;
  int64_t e = 0;
  for (hsize_t r = 0; r < len; r++) {
    if ((stp && step >= 0 && stp[r] != step) || (tk && tk[r] != task) || state[r] != 1) continue;
    el->src[e] = (int32_t)src[r];
    el->dst[e] = (int32_t)dst[r];
    el->w[e] = w[r];
    el->line[e] = (int64_t)r;
    e++;
  }
  /* the simulator's agent groups, if they cover every node */
  if (agroup && na == n) {
    el->group = agroup;
    agroup = NULL;
  }

cleanup:
  free(src);
  free(dst);
  free(w);
  free(state);
  free(stp);
  free(tk);
  free(agroup);
  free(tbl);
  if (g >= 0) H5Gclose(g);
  if (f >= 0) H5Fclose(f);
  return rc;
}

int socap_edgelist_read(const char *spec, int64_t extra_nodes, socap_edgelist *el) {
  const char *suffixes[] = {".h5:", ".hdf5:"};
  for (int s = 0; s < 2; s++) {
    const char *p = strstr(spec, suffixes[s]);
    if (!p) continue;
    size_t flen = (size_t)(p - spec) + strlen(suffixes[s]) - 1;
    char *file = malloc(flen + 1);
    if (!file) return SOCAP_ERROR(SOCAP_ERUNTIME, "out of memory");
    memcpy(file, spec, flen);
    file[flen] = 0;
    int rc = socap_edgelist_read_h5(file, spec + flen + 1, extra_nodes, el);
    free(file);
    return rc;
  }
  return socap_edgelist_read_csv(spec, extra_nodes, el);
}

/* ---- output -------------------------------------------------------------- */

static int file_exists(const char *path) {
  struct stat st;
  return stat(path, &st) == 0;
}

static void put_double(FILE *fp, double x) {
  if (isnan(x))
    fputs("NaN", fp);
  else
    fprintf(fp, "%.17g", x);
}

static int fsync_dir_of(const char *path) {
  char *dir = strdup(path);
  if (!dir) return -1;
  char *slash = strrchr(dir, '/');
  const char *d = ".";
  if (slash) {
    if (slash == dir)
      slash[1] = 0;
    else
      *slash = 0;
    d = dir;
  }
  int fd = open(d, O_RDONLY);
  int rc = -1;
  if (fd >= 0) {
    rc = fsync(fd);
    close(fd);
  }
  free(dir);
  return rc;
}

int socap_metrics_write_csv(const char *path, int force, const int64_t *label, const socap_node_metrics *m) {
  if (!force && file_exists(path)) return SOCAP_ERROR(SOCAP_EIO, "%s exists (use --force to overwrite)", path);
  size_t len = strlen(path);
  char *part = malloc(len + 6);
  if (!part) return SOCAP_ERROR(SOCAP_ERUNTIME, "out of memory");
  memcpy(part, path, len);
  memcpy(part + len, ".part", 6);
  int rc = SOCAP_OK;
  FILE *fp = fopen(part, "w");
  if (!fp) {
    rc = SOCAP_ERROR(SOCAP_EIO, "cannot create %s: %s", part, strerror(errno));
    free(part);
    return rc;
  }
  fputs("id,degree,strength,support,constraint,eff_size,efficiency,clustering,reach2,n_groups,blau", fp);
  if (m->betweenness) fputs(",betweenness", fp);
  fputc('\n', fp);
  for (int32_t i = 0; i < m->n; i++) {
    fprintf(fp, "%lld,%d,", (long long)(label ? label[i] : i), (int)m->degree[i]);
    put_double(fp, m->strength[i]);
    fputc(',', fp);
    put_double(fp, m->support[i]);
    fputc(',', fp);
    put_double(fp, m->constraint[i]);
    fputc(',', fp);
    put_double(fp, m->eff_size[i]);
    fputc(',', fp);
    put_double(fp, m->efficiency[i]);
    fputc(',', fp);
    put_double(fp, m->clustering[i]);
    fprintf(fp, ",%d,%d,", (int)m->reach2[i], (int)m->n_groups[i]);
    put_double(fp, m->blau[i]);
    if (m->betweenness) {
      fputc(',', fp);
      put_double(fp, m->betweenness[i]);
    }
    fputc('\n', fp);
  }
  if (fflush(fp) != 0 || ferror(fp) || fsync(fileno(fp)) != 0) {
    rc = SOCAP_ERROR(SOCAP_EIO, "cannot write %s: %s", part, strerror(errno));
    fclose(fp);
    remove(part);
    free(part);
    return rc;
  }
  if (fclose(fp) != 0 || rename(part, path) != 0) {
    rc = SOCAP_ERROR(SOCAP_EIO, "cannot finish %s: %s", path, strerror(errno));
    remove(part);
  } else {
    fsync_dir_of(path);
  }
  free(part);
  return rc;
}

int socap_metrics_write_h5(const char *path, int force, const char *source, const int64_t *label,
                           const socap_node_metrics *m, const socap_global_metrics *gm) {
  socap_h5file *f = NULL;
  socap_table *t = NULL;
  void *ids = NULL;
  int rc = SOCAP_OK;
  const int32_t n = m->n;
  int id64 = 0;
  if (label)
    for (int32_t i = 0; i < n; i++)
      if (label[i] > INT32_MAX) id64 = 1;

  if ((rc = socap_h5_create(path, force, &f))) return rc;
  hid_t root = socap_h5_root(f);

  socap_colspec cols[] = {
      {"id", id64 ? SOCAP_COL_I64 : SOCAP_COL_I32, "1", "node id (agent id, or the id in the input edge list)"},
      {"degree", SOCAP_COL_I32, "ties", "number of active ties"},
      {"strength", SOCAP_COL_F64, "1", "sum of tie weights"},
      {"support", SOCAP_COL_F64, "1", "sum of squared tie weights (bonding capital)"},
      {"constraint", SOCAP_COL_F64, "1", "Burt's constraint, weighted (igraph convention); NaN for isolates"},
      {"eff_size", SOCAP_COL_F64, "ties", "Burt's effective size, weighted (NetworkX form); NaN for isolates"},
      {"efficiency", SOCAP_COL_F64, "1", "effective size / degree; NaN for isolates"},
      {"clustering", SOCAP_COL_F64, "1", "unweighted local clustering; NaN if degree < 2"},
      {"reach2", SOCAP_COL_I32, "nodes", "distinct nodes within two hops, excluding the node"},
      {"n_groups", SOCAP_COL_I32, "groups", "distinct groups among neighbours (0 without groups)"},
      {"blau", SOCAP_COL_F64, "1", "Blau index of neighbours' groups; NaN for isolates, 0 without groups"},
      {"betweenness", SOCAP_COL_F64, "paths", "hop-count betweenness, undirected (igraph scale)"},
  };
  int ncols = m->betweenness ? 12 : 11;
  size_t nn = (size_t)(n > 0 ? n : 1);
  ids = malloc(nn * (id64 ? 8 : 4));
  if (!ids) {
    rc = SOCAP_ERROR(SOCAP_ERUNTIME, "out of memory");
    goto fail;
  }
  for (int32_t i = 0; i < n; i++) {
    int64_t l = label ? label[i] : i;
    if (id64)
      ((int64_t *)ids)[i] = l;
    else
      ((int32_t *)ids)[i] = (int32_t)l;
  }
  const void *data[] = {ids,           m->degree,     m->strength, m->support,  m->constraint, m->eff_size,
                        m->efficiency, m->clustering, m->reach2,   m->n_groups, m->blau,       m->betweenness};
  if ((rc = socap_table_create(root, "nodes", "per-node social-capital metrics (socap metrics)", cols, ncols, 0, &t)))
    goto fail;
  if (n > 0 && (rc = socap_table_append(t, (size_t)n, data))) goto fail;
  rc = socap_table_close(t);
  t = NULL;
  if (rc) goto fail;
  if (source) {
    hid_t g = H5Gopen2(root, "nodes", H5P_DEFAULT);
    if (g < 0) {
      rc = SOCAP_ERROR(SOCAP_EIO, "cannot reopen /nodes in %s", path);
      goto fail;
    }
    rc = socap_h5_attr_str(g, "source", source);
    H5Gclose(g);
    if (rc) goto fail;
  }

  if (gm) {
    socap_colspec gc[6 + SOCAP_OVERLAP_BINS] = {
        {"n_nodes", SOCAP_COL_I32, "nodes", "number of nodes"},
        {"n_edges", SOCAP_COL_I64, "ties", "number of undirected ties"},
        {"mean_degree", SOCAP_COL_F64, "ties", "mean degree"},
        {"transitivity", SOCAP_COL_F64, "1", "global transitivity, 3 x triangles / connected triples"},
        {"largest_component", SOCAP_COL_I32, "nodes", "size of the largest connected component"},
        {"n_components", SOCAP_COL_I32, "1", "number of connected components (isolates included)"},
    };
    static const char *const names[SOCAP_OVERLAP_BINS] = {"overlap_d01", "overlap_d02", "overlap_d03", "overlap_d04",
                                                          "overlap_d05", "overlap_d06", "overlap_d07", "overlap_d08",
                                                          "overlap_d09", "overlap_d10"};
    for (int b = 0; b < SOCAP_OVERLAP_BINS; b++)
      gc[6 + b] = (socap_colspec){names[b], SOCAP_COL_F64, "1",
                                  "mean neighbourhood overlap of the ties in this strength decile (d01 weakest)"};
    if ((rc = socap_table_create(root, "global", "global network metrics (socap metrics)", gc, 6 + SOCAP_OVERLAP_BINS,
                                 1, &t)))
      goto fail;
    socap_table_set_i32(t, 0, gm->n_nodes);
    socap_table_set_i64(t, 1, gm->n_edges);
    socap_table_set_f64(t, 2, gm->mean_degree);
    socap_table_set_f64(t, 3, gm->transitivity);
    socap_table_set_i32(t, 4, gm->largest_component);
    socap_table_set_i32(t, 5, gm->n_components);
    for (int b = 0; b < SOCAP_OVERLAP_BINS; b++) socap_table_set_f64(t, 6 + b, gm->overlap_by_decile[b]);
    if ((rc = socap_table_next_row(t))) goto fail;
    rc = socap_table_close(t);
    t = NULL;
    if (rc) goto fail;
  }
  free(ids);
  return socap_h5_commit(f);

fail:
  socap_table_close(t);
  socap_h5_abort(f);
  free(ids);
  return rc;
}

void socap_metrics_global_print(FILE *f, const socap_global_metrics *gm) {
  fprintf(f, "n_nodes %d\n", (int)gm->n_nodes);
  fprintf(f, "n_edges %lld\n", (long long)gm->n_edges);
  fprintf(f, "mean_degree %.17g\n", gm->mean_degree);
  fprintf(f, "transitivity %.17g\n", gm->transitivity);
  fprintf(f, "largest_component %d\n", (int)gm->largest_component);
  fprintf(f, "n_components %d\n", (int)gm->n_components);
  fprintf(f, "overlap_edges %lld\n", (long long)gm->overlap_edges);
  for (int b = 0; b < SOCAP_OVERLAP_BINS; b++) fprintf(f, "overlap_d%02d %.17g\n", b + 1, gm->overlap_by_decile[b]);
}

/* ---- subcommand ------------------------------------------------------------ */

static double cpu_seconds(void) {
  struct timespec ts;
  if (clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts) != 0) return NAN;
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static void usage(FILE *f) {
  fputs("usage: socap metrics EDGES -o OUT.h5|OUT.csv [options]\n"
        "  EDGES            edge list CSV (src,dst[,weight]; '#' comments; optional header;\n"
        "                   a line with one id declares a node) or FILE.h5:/network/step_NNNNNN\n"
        "  -o, --output F   output: .h5/.hdf5 (tables /nodes and /global) or .csv (node table)\n"
        "  --threads N      OpenMP threads (default: OMP_NUM_THREADS or all cores)\n"
        "  --betweenness    also compute hop-count betweenness (exact)\n"
        "  --samples K      estimate betweenness from K sampled pivots (implies --betweenness)\n"
        "  --seed S         seed of the pivot sample (default 1)\n"
        "  --groups G.csv   group of every node (id,group) for n_groups and blau\n"
        "  --nodes N        also declare nodes with ids 0..N-1 (isolates)\n"
        "  --force          overwrite an existing output\n"
        "  --quiet          do not print the global metrics on stdout\n"
        "  --timing         print the time of each phase on stderr\n"
        "exit codes: 0 ok, 1 runtime failure, 2 usage or input error, 3 I/O error\n",
        f);
}

static int parse_i64_opt(const char *name, const char *s, int64_t min, int64_t *out) {
  char *end;
  errno = 0;
  long long v = s ? strtoll(s, &end, 10) : 0;
  if (!s || errno || *end || !*s || v < min)
    return SOCAP_ERROR(SOCAP_ECONFIG, "%s expects an integer >= %lld", name, (long long)min);
  *out = (int64_t)v;
  return SOCAP_OK;
}

static int ends_with(const char *s, const char *suf) {
  size_t a = strlen(s), b = strlen(suf);
  return a >= b && strcmp(s + a - b, suf) == 0;
}

int socap_metrics_main(int argc, char **argv) {
  const char *input = NULL, *output = NULL, *groups = NULL;
  int force = 0, quiet = 0, timing = 0, rc = SOCAP_OK;
  double t0 = omp_get_wtime(), t[6] = {0}; /* read, build, metrics, betweenness, -, write */
  double cpu0 = 0, cpu1 = 0;
  int64_t nodes = 0, v = 0;
  socap_metrics_opts o;
  socap_metrics_opts_default(&o);
  socap_edgelist el = {0};
  socap_graph g = {0};
  socap_node_metrics m = {0};
  socap_global_metrics gm;
  int32_t *grp = NULL;

  for (int a = 1; a < argc; a++) {
    const char *s = argv[a];
    const char *next = a + 1 < argc ? argv[a + 1] : NULL;
    if (!strcmp(s, "-h") || !strcmp(s, "--help")) {
      usage(stdout);
      return SOCAP_OK;
    } else if (!strcmp(s, "-o") || !strcmp(s, "--output")) {
      if (!next) {
        rc = SOCAP_ERROR(SOCAP_ECONFIG, "option '%s' needs a value", s);
        goto usage_error;
      }
      output = next;
      a++;
    } else if (!strcmp(s, "--threads")) {
      if ((rc = parse_i64_opt(s, next, 1, &v))) goto usage_error;
      o.threads = v > 4096 ? 4096 : (int)v;
      a++;
    } else if (!strcmp(s, "--betweenness")) {
      o.betweenness = 1;
    } else if (!strcmp(s, "--samples")) {
      if ((rc = parse_i64_opt(s, next, 1, &v))) goto usage_error;
      o.betweenness = 1;
      o.betweenness_samples = v;
      a++;
    } else if (!strcmp(s, "--seed")) {
      if ((rc = parse_i64_opt(s, next, 0, &v))) goto usage_error;
      o.seed = (uint64_t)v;
      a++;
    } else if (!strcmp(s, "--groups")) {
      if (!next) {
        rc = SOCAP_ERROR(SOCAP_ECONFIG, "option '%s' needs a value", s);
        goto usage_error;
      }
      groups = next;
      a++;
    } else if (!strcmp(s, "--nodes")) {
      if ((rc = parse_i64_opt(s, next, 0, &v))) goto usage_error;
      nodes = v;
      a++;
    } else if (!strcmp(s, "--force")) {
      force = 1;
    } else if (!strcmp(s, "--quiet")) {
      quiet = 1;
    } else if (!strcmp(s, "--timing")) {
      timing = 1;
    } else if (s[0] == '-' && s[1]) {
      rc = SOCAP_ERROR(SOCAP_ECONFIG, "unknown option '%s'", s);
      goto usage_error;
    } else if (!input) {
      input = s;
    } else {
      rc = SOCAP_ERROR(SOCAP_ECONFIG, "unexpected argument '%s'", s);
      goto usage_error;
    }
  }
  if (!input || !output) {
    rc = SOCAP_ERROR(SOCAP_ECONFIG, "an input edge list and -o OUTPUT are required");
    goto usage_error;
  }
  int csv = ends_with(output, ".csv");
  if (!csv && !ends_with(output, ".h5") && !ends_with(output, ".hdf5")) {
    rc = SOCAP_ERROR(SOCAP_ECONFIG, "output '%s' must end in .csv, .h5 or .hdf5", output);
    goto usage_error;
  }
  if (!force && file_exists(output)) {
    rc = SOCAP_ERROR(SOCAP_EIO, "%s exists (use --force to overwrite)", output);
    goto fail;
  }

  if ((rc = socap_edgelist_read(input, nodes, &el))) goto fail;
  if (!groups && el.group) {
    grp = el.group; /* groups from the simulator's /agents table */
    el.group = NULL;
  } else if (groups) {
    grp = malloc(sizeof *grp * (size_t)(el.n > 0 ? el.n : 1));
    if (!grp) {
      rc = SOCAP_ERROR(SOCAP_ERUNTIME, "out of memory");
      goto fail;
    }
    if ((rc = socap_groups_read_csv(groups, &el, grp))) goto fail;
  }
  t[0] = omp_get_wtime();
  if ((rc = socap_graph_from_edges(&g, el.n, el.m, el.src, el.dst, el.w, grp))) goto fail;
  t[1] = omp_get_wtime();
  if ((rc = socap_node_metrics_alloc(&m, g.n, o.betweenness))) goto fail;
  {
    socap_metrics_opts ob = o;
    ob.betweenness = 0; /* timed separately */
    cpu0 = cpu_seconds();
    if ((rc = socap_metrics_compute(&g, &ob, &m, &gm))) goto fail;
    t[2] = omp_get_wtime();
    cpu1 = cpu_seconds();
    if (o.betweenness && (rc = socap_metrics_betweenness(&g, &o, m.betweenness))) goto fail;
    t[3] = omp_get_wtime();
  }
  if (csv)
    rc = socap_metrics_write_csv(output, force, el.label, &m);
  else
    rc = socap_metrics_write_h5(output, force, input, el.label, &m, &gm);
  if (rc) goto fail;
  t[5] = omp_get_wtime();
  if (timing)
    fprintf(stderr,
            "timing (s): read %.3f build %.3f metrics %.3f metrics_cpu %.3f betweenness %.3f write %.3f "
            "(n %d, edges %lld, threads %d)\n",
            t[0] - t0, t[1] - t[0], t[2] - t[1], cpu1 - cpu0, t[3] - t[2], t[5] - t[3], (int)g.n,
            (long long)(g.off[g.n] / 2), o.threads > 0 ? o.threads : omp_get_max_threads());
  if (!quiet) socap_metrics_global_print(stdout, &gm);
  goto cleanup;

usage_error:
  fprintf(stderr, "socap metrics: %s\n", socap_error_message());
  usage(stderr);
  goto cleanup;
fail:
  fprintf(stderr, "socap metrics: %s\n", socap_error_message());
cleanup:
  free(grp);
  socap_node_metrics_free(&m);
  socap_graph_free(&g);
  socap_edgelist_free(&el);
  return rc;
}
