/* Social-capital metrics (see socap/metrics.h and docs/metrics.md). */
#include "socap/metrics.h"

#include "socap/error.h"
#include "socap/rng.h"

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <math.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>

void socap_metrics_opts_default(socap_metrics_opts *o) {
  memset(o, 0, sizeof *o);
  o->seed = 1;
}

static int nthreads(int requested) { return requested > 0 ? requested : omp_get_max_threads(); }

void socap_node_metrics_free(socap_node_metrics *m) {
  if (!m) return;
  free(m->degree);
  free(m->strength);
  free(m->support);
  free(m->constraint);
  free(m->eff_size);
  free(m->efficiency);
  free(m->clustering);
  free(m->reach2);
  free(m->n_groups);
  free(m->blau);
  free(m->betweenness);
  memset(m, 0, sizeof *m);
}

int socap_node_metrics_alloc(socap_node_metrics *m, int32_t n, int with_betweenness) {
  memset(m, 0, sizeof *m);
  if (n < 0) return SOCAP_ERROR(SOCAP_ECONFIG, "negative node count");
  size_t k = (size_t)(n > 0 ? n : 1);
  m->n = n;
  m->degree = malloc(k * sizeof(int32_t));
  m->strength = malloc(k * sizeof(double));
  m->support = malloc(k * sizeof(double));
  m->constraint = malloc(k * sizeof(double));
  m->eff_size = malloc(k * sizeof(double));
  m->efficiency = malloc(k * sizeof(double));
  m->clustering = malloc(k * sizeof(double));
  m->reach2 = malloc(k * sizeof(int32_t));
  m->n_groups = malloc(k * sizeof(int32_t));
  m->blau = malloc(k * sizeof(double));
  if (with_betweenness) m->betweenness = malloc(k * sizeof(double));
  if (!m->degree || !m->strength || !m->support || !m->constraint || !m->eff_size || !m->efficiency ||
      !m->clustering || !m->reach2 || !m->n_groups || !m->blau || (with_betweenness && !m->betweenness)) {
    socap_node_metrics_free(m);
    return SOCAP_ERROR(SOCAP_ERUNTIME, "out of memory for metrics of %d nodes", (int)n);
  }
  return SOCAP_OK;
}

/* ------------------------------------------------------------------------ */
/* Ego pass: constraint, effective size, clustering, reach2 in one sweep     */
/* ------------------------------------------------------------------------ */

/* Scatter entry for a neighbour q of the current ego i:
 * a = p_iq / s_q (so that a * w_qj = p_iq p_qj, the constraint's indirect
 * term) and b = p_iq (so that b * w_jq / max_k w_jk = p_iq m_jq, the
 * effective size's redundancy). */
typedef struct {
  double a, b;
} scatter;

/* Per-thread workspace. mark[q] == stamp + 1: q is a neighbour of the ego;
 * mark[q] == stamp + 2: q is the ego or was already counted in reach2. The
 * stamp grows by 2 per ego, so no reset is needed between egos. */
typedef struct {
  scatter *sc;
  uint32_t *mark;
  uint32_t stamp;
  int32_t *gcount;  /* per group id: neighbours in that group */
  int32_t *touched; /* group ids with gcount > 0 */
} ego_ws;

static void ego_ws_free(ego_ws *ws) {
  free(ws->sc);
  free(ws->mark);
  free(ws->gcount);
  free(ws->touched);
}

static int ego_ws_init(ego_ws *ws, int32_t n, int32_t gmax) {
  memset(ws, 0, sizeof *ws);
  size_t k = (size_t)(n > 0 ? n : 1);
  ws->sc = malloc(k * sizeof *ws->sc);
  ws->mark = calloc(k, sizeof *ws->mark);
  if (gmax >= 0) {
    ws->gcount = calloc((size_t)gmax + 1, sizeof *ws->gcount);
    ws->touched = malloc(k * sizeof *ws->touched);
  }
  if (!ws->sc || !ws->mark || (gmax >= 0 && (!ws->gcount || !ws->touched))) {
    ego_ws_free(ws);
    return SOCAP_ERROR(SOCAP_ERUNTIME, "out of memory for metrics workspace");
  }
  return SOCAP_OK;
}

static void ego_metrics(const socap_graph *g, const double *strength, const double *maxw, int32_t i, ego_ws *ws,
                        socap_node_metrics *m) {
  const int64_t b0 = g->off[i], b1 = g->off[i + 1];
  const int32_t k = (int32_t)(b1 - b0);
  const int32_t *restrict adj = g->adj;
  const double *restrict w = g->w;
  scatter *restrict sc = ws->sc;
  uint32_t *restrict mark = ws->mark;

  if (k == 0) {
    m->constraint[i] = NAN;
    m->eff_size[i] = NAN;
    m->efficiency[i] = NAN;
    m->clustering[i] = NAN;
    m->reach2[i] = 0;
    m->n_groups[i] = 0;
    m->blau[i] = g->group ? NAN : 0.0;
    return;
  }
  const uint32_t nb = ws->stamp + 1, seen = ws->stamp + 2;
  ws->stamp += 2;
  const double si = strength[i];

  for (int64_t t = b0; t < b1; t++) {
    const int32_t q = adj[t];
    const double p = w[t] / si;
    sc[q].a = p / strength[q];
    sc[q].b = p;
    mark[q] = nb;
  }
  mark[i] = seen;

  int64_t links2 = 0; /* twice the ties among neighbours */
  int32_t reach = k;
  double cons = 0.0, eff = 0.0;
  for (int64_t t = b0; t < b1; t++) {
    const int32_t j = adj[t];
    double A = 0.0, B = 0.0;
    int64_t lj = 0;
    for (int64_t u = g->off[j], ue = g->off[j + 1]; u < ue; u++) {
      const int32_t q = adj[u];
      const uint32_t mq = mark[q];
      if (mq == nb) {
        A += sc[q].a * w[u];
        B += sc[q].b * w[u];
        lj++;
      } else if (mq != seen) {
        mark[q] = seen;
        reach++;
      }
    }
    links2 += lj;
    const double c = w[t] / si + A;
    cons += c * c;
    eff += 1.0 - B / maxw[j];
  }
  m->constraint[i] = cons;
  m->eff_size[i] = eff;
  m->efficiency[i] = eff / k;
  m->clustering[i] = k >= 2 ? (double)links2 / ((double)k * (double)(k - 1)) : NAN;
  m->reach2[i] = reach;

  if (g->group) {
    int32_t nt = 0;
    int64_t sq = 0;
    for (int64_t t = b0; t < b1; t++) {
      const int32_t gq = g->group[adj[t]];
      if (ws->gcount[gq]++ == 0) ws->touched[nt++] = gq;
    }
    for (int32_t x = 0; x < nt; x++) {
      const int64_t c = ws->gcount[ws->touched[x]];
      sq += c * c;
      ws->gcount[ws->touched[x]] = 0;
    }
    m->n_groups[i] = nt;
    m->blau[i] = 1.0 - (double)sq / ((double)k * (double)k);
  } else {
    m->n_groups[i] = 0;
    m->blau[i] = 0.0;
  }
}

int socap_metrics_nodes(const socap_graph *g, const socap_metrics_opts *o, socap_node_metrics *m) {
  socap_metrics_opts def;
  if (!o) {
    socap_metrics_opts_default(&def);
    o = &def;
  }
  if (m->n != g->n) return SOCAP_ERROR(SOCAP_ECONFIG, "metrics allocated for %d nodes, graph has %d", (int)m->n, (int)g->n);
  if (o->betweenness && !m->betweenness)
    return SOCAP_ERROR(SOCAP_ECONFIG, "betweenness requested but not allocated");

  const int32_t n = g->n;
  const int T = nthreads(o->threads);
  int rc = SOCAP_OK;
  double *maxw = malloc(sizeof(double) * (size_t)(n > 0 ? n : 1));
  ego_ws *ws = calloc((size_t)T, sizeof *ws);
  int nws = 0;
  if (!maxw || !ws) {
    rc = SOCAP_ERROR(SOCAP_ERUNTIME, "out of memory for metrics");
    goto cleanup;
  }
  int32_t gmax = -1;
  if (g->group)
    for (int32_t i = 0; i < n; i++)
      if (g->group[i] > gmax) gmax = g->group[i];
  for (; nws < T; nws++)
    if ((rc = ego_ws_init(&ws[nws], n, gmax))) goto cleanup;

  /* Node-local sums, in adjacency order (deterministic). */
#pragma omp parallel for num_threads(T) schedule(static)
  for (int32_t i = 0; i < n; i++) {
    double s = 0.0, s2 = 0.0, mx = 0.0;
    for (int64_t t = g->off[i]; t < g->off[i + 1]; t++) {
      const double x = g->w[t];
      s += x;
      s2 += x * x;
      if (x > mx) mx = x;
    }
    m->degree[i] = (int32_t)(g->off[i + 1] - g->off[i]);
    m->strength[i] = s;
    m->support[i] = s2;
    maxw[i] = mx;
  }

#pragma omp parallel num_threads(T)
  {
    ego_ws *my = &ws[omp_get_thread_num()];
#pragma omp for schedule(dynamic, 64)
    for (int32_t i = 0; i < n; i++) ego_metrics(g, m->strength, maxw, i, my, m);
  }

  if (o->betweenness) rc = socap_metrics_betweenness(g, o, m->betweenness);

cleanup:
  for (int t = 0; t < nws; t++) ego_ws_free(&ws[t]);
  free(ws);
  free(maxw);
  return rc;
}

/* ------------------------------------------------------------------------ */
/* Betweenness                                                              */
/* ------------------------------------------------------------------------ */

/* Sources per block. Blocks are the unit of deterministic reduction, so this
 * must not depend on the thread count. */
#define BC_BLOCK 32

typedef struct {
  int32_t *dist, *order;
  double *sigma, *delta;
} bfs_ws;

static void bfs_ws_free(bfs_ws *b) {
  free(b->dist);
  free(b->order);
  free(b->sigma);
  free(b->delta);
}

static int bfs_ws_init(bfs_ws *b, int32_t n) {
  size_t k = (size_t)(n > 0 ? n : 1);
  b->dist = malloc(k * sizeof *b->dist);
  b->order = malloc(k * sizeof *b->order);
  b->sigma = malloc(k * sizeof *b->sigma);
  b->delta = malloc(k * sizeof *b->delta);
  if (!b->dist || !b->order || !b->sigma || !b->delta) {
    bfs_ws_free(b);
    return SOCAP_ERROR(SOCAP_ERUNTIME, "out of memory for betweenness workspace");
  }
  for (int32_t i = 0; i < n; i++) b->dist[i] = -1;
  return SOCAP_OK;
}

/* Brandes' dependency accumulation from source s (hop counts), added to acc. */
static void brandes_source(const socap_graph *g, int32_t s, bfs_ws *b, double *acc) {
  int32_t *restrict dist = b->dist, *restrict order = b->order;
  double *restrict sigma = b->sigma, *restrict delta = b->delta;
  int32_t head = 0, tail = 0;
  dist[s] = 0;
  sigma[s] = 1.0;
  delta[s] = 0.0;
  order[tail++] = s;
  while (head < tail) {
    const int32_t v = order[head++];
    const int32_t dv = dist[v] + 1;
    for (int64_t t = g->off[v]; t < g->off[v + 1]; t++) {
      const int32_t x = g->adj[t];
      if (dist[x] < 0) {
        dist[x] = dv;
        sigma[x] = 0.0;
        delta[x] = 0.0;
        order[tail++] = x;
      }
      if (dist[x] == dv) sigma[x] += sigma[v];
    }
  }
  for (int32_t r = tail - 1; r > 0; r--) {
    const int32_t x = order[r];
    const int32_t dp = dist[x] - 1;
    const double cx = (1.0 + delta[x]) / sigma[x];
    for (int64_t t = g->off[x]; t < g->off[x + 1]; t++) {
      const int32_t v = g->adj[t];
      if (dist[v] == dp) delta[v] += sigma[v] * cx;
    }
    acc[x] += delta[x];
  }
  for (int32_t r = 0; r < tail; r++) dist[order[r]] = -1;
}

int socap_metrics_betweenness(const socap_graph *g, const socap_metrics_opts *o, double *out) {
  socap_metrics_opts def;
  if (!o) {
    socap_metrics_opts_default(&def);
    o = &def;
  }
  const int32_t n = g->n;
  const int T = nthreads(o->threads);
  int rc = SOCAP_OK;
  int32_t *src = NULL;
  double *part = NULL;
  bfs_ws *bw = NULL;
  int nbw = 0;
  int64_t nsrc = n;
  double scale = 0.5;

  if (n <= 0) return SOCAP_OK;
  for (int32_t i = 0; i < n; i++) out[i] = 0.0;

  src = malloc(sizeof *src * (size_t)n);
  if (!src) {
    rc = SOCAP_ERROR(SOCAP_ERUNTIME, "out of memory for betweenness");
    goto cleanup;
  }
  for (int32_t i = 0; i < n; i++) src[i] = i;
  if (o->betweenness_samples < 0) {
    rc = SOCAP_ERROR(SOCAP_ECONFIG, "negative betweenness sample count");
    goto cleanup;
  }
  if (o->betweenness_samples > 0 && o->betweenness_samples < n) {
    gsl_rng *r = gsl_rng_alloc(socap_rng_philox);
    if (!r) {
      rc = SOCAP_ERROR(SOCAP_ERUNTIME, "cannot allocate a GSL rng");
      goto cleanup;
    }
    socap_rng_stream(r, o->seed, 0, 0, 0, SOCAP_RNG_METRICS);
    int32_t *all = src;
    src = malloc(sizeof *src * (size_t)o->betweenness_samples);
    if (!src) {
      src = all;
      gsl_rng_free(r);
      rc = SOCAP_ERROR(SOCAP_ERUNTIME, "out of memory for betweenness");
      goto cleanup;
    }
    /* sorted sample without replacement */
    gsl_ran_choose(r, src, (size_t)o->betweenness_samples, all, (size_t)n, sizeof *src);
    gsl_rng_free(r);
    free(all);
    nsrc = o->betweenness_samples;
    scale = 0.5 * (double)n / (double)nsrc;
  }

  const int64_t nblocks = (nsrc + BC_BLOCK - 1) / BC_BLOCK;
  const int W = 2 * T; /* blocks in flight; does not affect the result */
  part = malloc(sizeof *part * (size_t)W * (size_t)n);
  bw = calloc((size_t)T, sizeof *bw);
  if (!part || !bw) {
    rc = SOCAP_ERROR(SOCAP_ERUNTIME, "out of memory for betweenness (%d x %d doubles)", W, (int)n);
    goto cleanup;
  }
  for (; nbw < T; nbw++)
    if ((rc = bfs_ws_init(&bw[nbw], n))) goto cleanup;

  for (int64_t wave = 0; wave < nblocks; wave += W) {
    const int inwave = (int)(nblocks - wave < W ? nblocks - wave : W);
#pragma omp parallel num_threads(T)
    {
      bfs_ws *my = &bw[omp_get_thread_num()];
#pragma omp for schedule(dynamic, 1)
      for (int bi = 0; bi < inwave; bi++) {
        double *acc = part + (size_t)bi * (size_t)n;
        memset(acc, 0, sizeof *acc * (size_t)n);
        const int64_t s0 = (wave + bi) * BC_BLOCK;
        const int64_t s1 = s0 + BC_BLOCK < nsrc ? s0 + BC_BLOCK : nsrc;
        for (int64_t s = s0; s < s1; s++) brandes_source(g, src[s], my, acc);
      }
      /* add the wave's blocks in block order */
#pragma omp for schedule(static)
      for (int32_t v = 0; v < n; v++) {
        double x = out[v];
        for (int bi = 0; bi < inwave; bi++) x += part[(size_t)bi * (size_t)n + (size_t)v];
        out[v] = x;
      }
    }
  }
  for (int32_t v = 0; v < n; v++) out[v] *= scale;

cleanup:
  for (int t = 0; t < nbw; t++) bfs_ws_free(&bw[t]);
  free(bw);
  free(part);
  free(src);
  return rc;
}

/* ------------------------------------------------------------------------ */
/* Global metrics                                                           */
/* ------------------------------------------------------------------------ */

/* Common neighbours of i and j by merging their sorted lists. */
static int32_t common_neighbours(const socap_graph *g, int32_t i, int32_t j) {
  int64_t a = g->off[i], ae = g->off[i + 1], b = g->off[j], be = g->off[j + 1];
  int32_t c = 0;
  while (a < ae && b < be) {
    const int32_t x = g->adj[a], y = g->adj[b];
    c += x == y;
    a += x <= y;
    b += y <= x;
  }
  return c;
}

int socap_metrics_overlap(const socap_graph *g, int threads, double *ov) {
  const int32_t n = g->n;
  const int T = nthreads(threads);
#pragma omp parallel for num_threads(T) schedule(dynamic, 64)
  for (int32_t i = 0; i < n; i++) {
    const int32_t ki = (int32_t)(g->off[i + 1] - g->off[i]);
    for (int64_t t = g->off[i]; t < g->off[i + 1]; t++) {
      const int32_t j = g->adj[t];
      if (j < i) continue;
      const int32_t kj = (int32_t)(g->off[j + 1] - g->off[j]);
      const int32_t c = common_neighbours(g, i, j);
      const int64_t den = (int64_t)(ki - 1) + (kj - 1) - c;
      ov[t] = den > 0 ? (double)c / (double)den : NAN;
    }
  }
  /* mirror to the j -> i entries: find i in j's sorted list */
#pragma omp parallel for num_threads(T) schedule(dynamic, 64)
  for (int32_t j = 0; j < n; j++) {
    for (int64_t t = g->off[j]; t < g->off[j + 1]; t++) {
      const int32_t i = g->adj[t];
      if (i >= j) break;
      int64_t lo = g->off[i], hi = g->off[i + 1];
      while (lo < hi) {
        int64_t mid = lo + (hi - lo) / 2;
        if (g->adj[mid] < j)
          lo = mid + 1;
        else
          hi = mid;
      }
      ov[t] = ov[lo];
    }
  }
  return SOCAP_OK;
}

typedef struct {
  double w, ov;
  int32_t a, b;
} ovedge;

static int ovedge_cmp(const void *x, const void *y) {
  const ovedge *p = x, *q = y;
  if (p->w != q->w) return p->w < q->w ? -1 : 1;
  if (p->a != q->a) return p->a < q->a ? -1 : 1;
  return (p->b > q->b) - (p->b < q->b);
}

int socap_metrics_global(const socap_graph *g, int threads, socap_global_metrics *out) {
  const int32_t n = g->n;
  const int T = nthreads(threads);
  const int64_t arcs = g->off[n];
  int rc = SOCAP_OK;
  int32_t *comp = NULL, *queue = NULL;
  int64_t *links = NULL;
  uint32_t **marks = NULL;
  double *ov = NULL;
  ovedge *oe = NULL;

  memset(out, 0, sizeof *out);
  out->n_nodes = n;
  out->n_edges = arcs / 2;
  out->mean_degree = n > 0 ? (double)arcs / (double)n : NAN;
  out->transitivity = NAN;
  for (int b = 0; b < SOCAP_OVERLAP_BINS; b++) out->overlap_by_decile[b] = NAN;
  if (n <= 0) return SOCAP_OK;

  size_t nn = (size_t)n;
  comp = malloc(nn * sizeof *comp);
  queue = malloc(nn * sizeof *queue);
  links = malloc(nn * sizeof *links);
  marks = calloc((size_t)T, sizeof *marks);
  ov = malloc((size_t)(arcs > 0 ? arcs : 1) * sizeof *ov);
  if (!comp || !queue || !links || !marks || !ov) {
    rc = SOCAP_ERROR(SOCAP_ERUNTIME, "out of memory for global metrics");
    goto cleanup;
  }
  for (int t = 0; t < T; t++)
    if (!(marks[t] = calloc(nn, sizeof **marks))) {
      rc = SOCAP_ERROR(SOCAP_ERUNTIME, "out of memory for global metrics");
      goto cleanup;
    }

  /* components: BFS labelling */
  for (int32_t i = 0; i < n; i++) comp[i] = -1;
  for (int32_t s = 0; s < n; s++) {
    if (comp[s] >= 0) continue;
    int32_t head = 0, tail = 0, id = out->n_components++;
    comp[s] = id;
    queue[tail++] = s;
    while (head < tail) {
      const int32_t v = queue[head++];
      for (int64_t t = g->off[v]; t < g->off[v + 1]; t++) {
        const int32_t x = g->adj[t];
        if (comp[x] < 0) {
          comp[x] = id;
          queue[tail++] = x;
        }
      }
    }
    if (tail > out->largest_component) out->largest_component = tail;
  }

  /* transitivity: ties among each node's neighbours (each triangle is seen
   * once per corner), integer sums so the order does not matter */
#pragma omp parallel num_threads(T)
  {
    uint32_t *mk = marks[omp_get_thread_num()];
#pragma omp for schedule(dynamic, 64)
    for (int32_t i = 0; i < n; i++) {
      const uint32_t stamp = (uint32_t)i + 1;
      int64_t l = 0;
      for (int64_t t = g->off[i]; t < g->off[i + 1]; t++) mk[g->adj[t]] = stamp;
      for (int64_t t = g->off[i]; t < g->off[i + 1]; t++) {
        const int32_t j = g->adj[t];
        for (int64_t u = g->off[j]; u < g->off[j + 1]; u++) {
          const int32_t q = g->adj[u];
          if (q > j) break;
          l += mk[q] == stamp;
        }
      }
      links[i] = l;
    }
  }
  int64_t tri3 = 0, triples = 0;
  for (int32_t i = 0; i < n; i++) {
    const int64_t k = g->off[i + 1] - g->off[i];
    tri3 += links[i];
    triples += k * (k - 1) / 2;
  }
  if (triples > 0) out->transitivity = (double)tri3 / (double)triples;

  /* overlap by strength decile */
  if ((rc = socap_metrics_overlap(g, T, ov))) goto cleanup;
  int64_t ne = 0;
  for (int32_t i = 0; i < n; i++)
    for (int64_t t = g->off[i]; t < g->off[i + 1]; t++)
      if (g->adj[t] > i && !isnan(ov[t])) ne++;
  out->overlap_edges = ne;
  if (ne > 0) {
    oe = malloc((size_t)ne * sizeof *oe);
    if (!oe) {
      rc = SOCAP_ERROR(SOCAP_ERUNTIME, "out of memory for overlap");
      goto cleanup;
    }
    int64_t e = 0;
    for (int32_t i = 0; i < n; i++)
      for (int64_t t = g->off[i]; t < g->off[i + 1]; t++)
        if (g->adj[t] > i && !isnan(ov[t])) oe[e++] = (ovedge){g->w[t], ov[t], i, g->adj[t]};
    qsort(oe, (size_t)ne, sizeof *oe, ovedge_cmp);
    double sum[SOCAP_OVERLAP_BINS] = {0};
    int64_t cnt[SOCAP_OVERLAP_BINS] = {0};
    for (int64_t r = 0; r < ne; r++) {
      const int b = (int)((r * SOCAP_OVERLAP_BINS) / ne);
      sum[b] += oe[r].ov;
      cnt[b]++;
    }
    for (int b = 0; b < SOCAP_OVERLAP_BINS; b++)
      if (cnt[b] > 0) out->overlap_by_decile[b] = sum[b] / (double)cnt[b];
  }

cleanup:
  if (marks)
    for (int t = 0; t < T; t++) free(marks[t]);
  free(marks);
  free(comp);
  free(queue);
  free(links);
  free(ov);
  free(oe);
  return rc;
}
