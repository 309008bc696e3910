/* Metrics: closed forms (model.md), hand-made graphs, determinism across
 * thread counts, edge list I/O.
 *
 *   test_metrics                      run the unit tests
 *   test_metrics metrics ARGS...      same as `socap metrics ARGS...`
 *   test_metrics --write-graph PATH N SEED [unit]
 *                                     write a clustered weighted random graph
 *                                     with isolates (edge list CSV) and its
 *                                     groups (PATH.groups.csv) for the oracle
 */
#define _POSIX_C_SOURCE 200809L
#include "check.h"
#include "socap/error.h"
#include "socap/graph.h"
#include "socap/metrics.h"

#include <gsl/gsl_rng.h>
#include <hdf5.h>
#include <math.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#define TOL 1e-12

typedef struct {
  int32_t *u, *v;
  double *w;
  int64_t m, cap;
} edges;

static void add(edges *e, int32_t u, int32_t v, double w) {
  if (e->m == e->cap) {
    e->cap = e->cap ? 2 * e->cap : 64;
    e->u = realloc(e->u, sizeof *e->u * (size_t)e->cap);
    e->v = realloc(e->v, sizeof *e->v * (size_t)e->cap);
    e->w = realloc(e->w, sizeof *e->w * (size_t)e->cap);
    if (!e->u || !e->v || !e->w) abort();
  }
  e->u[e->m] = u;
  e->v[e->m] = v;
  e->w[e->m] = w;
  e->m++;
}

static void edges_free(edges *e) {
  free(e->u);
  free(e->v);
  free(e->w);
  memset(e, 0, sizeof *e);
}

/* Build, compute node and global metrics with @p threads threads. */
static void compute(const edges *e, int32_t n, const int32_t *group, int betw, int64_t samples, int threads,
                    socap_graph *g, socap_node_metrics *m, socap_global_metrics *gm) {
  int rc = socap_graph_from_edges(g, n, e->m, e->u, e->v, e->w, group);
  CHECK_MSG(rc == 0, "graph: %s", socap_error_message());
  socap_metrics_opts o;
  socap_metrics_opts_default(&o);
  o.betweenness = betw;
  o.betweenness_samples = samples;
  o.threads = threads;
  o.seed = 7;
  CHECK(socap_node_metrics_alloc(m, n, betw) == 0);
  rc = socap_metrics_nodes(g, &o, m);
  CHECK_MSG(rc == 0, "nodes: %s", socap_error_message());
  if (gm) CHECK(socap_metrics_global(g, threads, gm) == 0);
}

static void clique(edges *e, const int32_t *ids, int k, double w) {
  for (int a = 0; a < k; a++)
    for (int b = a + 1; b < k; b++) add(e, ids[a], ids[b], w);
}

/* Ego 0 with n = gc*s contacts of weight 1 in gc cliques of size s. */
static void test_closed_form_cliques(void) {
  static const int cases[][2] = {{1, 1}, {5, 1}, {12, 1}, {1, 3}, {1, 4},  {2, 3},
                                 {3, 3}, {4, 2}, {2, 5},  {3, 7}, {10, 4}, {1, 10}};
  for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
    const int gc = cases[c][0], s = cases[c][1], n = gc * s;
    edges e = {0};
    for (int j = 1; j <= n; j++) add(&e, 0, j, 1.0);
    for (int b = 0; b < gc; b++) {
      int32_t ids[64];
      for (int x = 0; x < s; x++) ids[x] = 1 + b * s + x;
      clique(&e, ids, s, 1.0);
    }
    socap_graph g;
    socap_node_metrics m;
    compute(&e, n + 1, NULL, 0, 0, 1, &g, &m, NULL);
    const double want_c = (double)((2 * s - 1) * (2 * s - 1)) / ((double)n * s * s);
    CHECK_CLOSE(m.constraint[0], want_c, TOL);
    CHECK_CLOSE(m.eff_size[0], (double)(n - (s - 1)), TOL);
    CHECK_CLOSE(m.efficiency[0], (double)(n - (s - 1)) / n, TOL);
    CHECK(m.degree[0] == n);
    CHECK(m.reach2[0] == n);
    if (s == 1) {
      CHECK_CLOSE(m.constraint[0], 1.0 / n, TOL); /* star */
      CHECK_CLOSE(m.eff_size[0], (double)n, TOL);
      for (int j = 1; j <= n; j++) CHECK_CLOSE(m.constraint[j], 1.0, TOL); /* pendant */
    }
    socap_node_metrics_free(&m);
    socap_graph_free(&g);
    edges_free(&e);
  }
}

static void test_closed_form_small(void) {
  socap_graph g;
  socap_node_metrics m;
  edges e = {0};
  /* triangle: 9/8 */
  int32_t tri[3] = {0, 1, 2};
  clique(&e, tri, 3, 1.0);
  compute(&e, 3, NULL, 0, 0, 1, &g, &m, NULL);
  for (int i = 0; i < 3; i++) {
    CHECK_CLOSE(m.constraint[i], 9.0 / 8.0, TOL);
    CHECK_CLOSE(m.clustering[i], 1.0, TOL);
    CHECK_CLOSE(m.eff_size[i], 1.0, TOL);
  }
  socap_node_metrics_free(&m);
  socap_graph_free(&g);
  edges_free(&e);

  /* K4: 25/27 = 0.925926 */
  int32_t k4[4] = {0, 1, 2, 3};
  clique(&e, k4, 4, 2.5); /* uniform weights: scale-free */
  compute(&e, 4, NULL, 0, 0, 1, &g, &m, NULL);
  for (int i = 0; i < 4; i++) {
    CHECK_CLOSE(m.constraint[i], 25.0 / 27.0, TOL);
    CHECK(fabs(m.constraint[i] - 0.925926) < 5e-7);
  }
  socap_node_metrics_free(&m);
  socap_graph_free(&g);
  edges_free(&e);

  /* ego with two non-adjacent contacts, weights 3 and 1: 0.625 */
  add(&e, 0, 1, 3.0);
  add(&e, 0, 2, 1.0);
  compute(&e, 3, NULL, 0, 0, 1, &g, &m, NULL);
  CHECK_CLOSE(m.constraint[0], 0.625, TOL);
  CHECK_CLOSE(m.constraint[1], 1.0, TOL);
  CHECK_CLOSE(m.eff_size[0], 2.0, TOL);
  CHECK_CLOSE(m.strength[0], 4.0, TOL);
  CHECK_CLOSE(m.support[0], 10.0, TOL);
  CHECK(isnan(m.clustering[0]) == 0 && m.clustering[0] == 0.0);
  CHECK(isnan(m.clustering[1])); /* degree 1 */
  socap_node_metrics_free(&m);
  socap_graph_free(&g);
  edges_free(&e);

  /* weighted ego 0 with contacts 1(w=2), 2(w=1), 3(w=1); tie 1-2 (w=4).
   * s0=4, s1=6, s2=5, s3=1. p01=1/2, p02=1/4, p03=1/4.
   * c(1) = 1/2 + p02*p21 = 1/2 + 1/4*4/5 = 0.7; c(2) = 1/4 + p01*p12 = 1/4 + 1/2*4/6
   * c(3) = 1/4. Effective size: m_12 = 4/4 = 1 (max of 1 is 4), m_21 = 4/4 = 1;
   * 3 - p02*m_12 - p01*m_21 = 3 - 1/4 - 1/2. */
  add(&e, 0, 1, 2.0);
  add(&e, 0, 2, 1.0);
  add(&e, 0, 3, 1.0);
  add(&e, 1, 2, 4.0);
  compute(&e, 4, NULL, 0, 0, 1, &g, &m, NULL);
  double c1 = 0.7, c2 = 0.25 + 0.5 * 4.0 / 6.0, c3 = 0.25;
  CHECK_CLOSE(m.constraint[0], c1 * c1 + c2 * c2 + c3 * c3, TOL);
  CHECK_CLOSE(m.eff_size[0], 3.0 - 0.25 - 0.5, TOL);
  CHECK_CLOSE(m.clustering[0], 1.0 / 3.0, TOL);
  socap_node_metrics_free(&m);
  socap_graph_free(&g);
  edges_free(&e);
}

/* Triangle 0-1-2 plus pendant 3 on 0, and isolate 4. */
static void test_hand_graph(void) {
  socap_graph g;
  socap_node_metrics m;
  socap_global_metrics gm;
  edges e = {0};
  add(&e, 0, 1, 1.0);
  add(&e, 0, 2, 2.0);
  add(&e, 1, 2, 3.0);
  add(&e, 0, 3, 4.0);
  int32_t group[5] = {7, 7, 2, 9, 2};
  compute(&e, 5, group, 1, 0, 2, &g, &m, &gm);
  CHECK(g.n_groups == 3);
  CHECK_CLOSE(m.clustering[0], 1.0 / 3.0, TOL);
  CHECK_CLOSE(m.clustering[1], 1.0, TOL);
  CHECK(isnan(m.clustering[3]));
  CHECK(isnan(m.clustering[4]));
  CHECK(m.reach2[0] == 3 && m.reach2[1] == 3 && m.reach2[3] == 3 && m.reach2[4] == 0);
  /* node 0: neighbours 1 (g7), 2 (g2), 3 (g9) */
  CHECK(m.n_groups[0] == 3);
  CHECK_CLOSE(m.blau[0], 1.0 - 3.0 / 9.0, TOL);
  /* node 1: neighbours 0 (g7), 2 (g2) */
  CHECK(m.n_groups[1] == 2);
  CHECK_CLOSE(m.blau[1], 0.5, TOL);
  CHECK(m.n_groups[3] == 1);
  CHECK_CLOSE(m.blau[3], 0.0, TOL);
  CHECK(m.n_groups[4] == 0 && isnan(m.blau[4]));
  CHECK(isnan(m.constraint[4]) && isnan(m.eff_size[4]) && isnan(m.efficiency[4]));
  CHECK(m.degree[4] == 0 && m.strength[4] == 0.0);
  /* betweenness: 0 lies on 3-1 and 3-2 */
  CHECK_CLOSE(m.betweenness[0], 2.0, TOL);
  CHECK_CLOSE(m.betweenness[1], 0.0, TOL);
  CHECK_CLOSE(m.betweenness[3], 0.0, TOL);
  /* global */
  CHECK(gm.n_nodes == 5 && gm.n_edges == 4);
  CHECK_CLOSE(gm.mean_degree, 8.0 / 5.0, TOL);
  CHECK_CLOSE(gm.transitivity, 3.0 / 5.0, TOL);
  CHECK(gm.n_components == 2 && gm.largest_component == 4);
  /* overlap: (0,1) 1/2, (0,2) 1/2, (1,2) 1, (0,3) 0; ranks by w: (0,1)
   * (0,2) (1,2) (0,3) -> bins 0, 2, 5, 7 */
  CHECK(gm.overlap_edges == 4);
  CHECK_CLOSE(gm.overlap_by_decile[0], 0.5, TOL);
  CHECK_CLOSE(gm.overlap_by_decile[2], 0.5, TOL);
  CHECK_CLOSE(gm.overlap_by_decile[5], 1.0, TOL);
  CHECK_CLOSE(gm.overlap_by_decile[7], 0.0, TOL);
  CHECK(isnan(gm.overlap_by_decile[1]) && isnan(gm.overlap_by_decile[9]));
  double *ov = malloc(sizeof *ov * (size_t)g.off[g.n]);
  CHECK(socap_metrics_overlap(&g, 1, ov) == 0);
  for (int32_t i = 0; i < g.n; i++)
    for (int64_t t = g.off[i]; t < g.off[i + 1]; t++) {
      int32_t j = g.adj[t];
      double want = (i == 1 && j == 2) || (i == 2 && j == 1) ? 1.0 : (i == 3 || j == 3) ? 0.0 : 0.5;
      CHECK_CLOSE(ov[t], want, TOL);
    }
  free(ov);
  socap_node_metrics_free(&m);
  socap_graph_free(&g);
  edges_free(&e);

  /* no groups: diversity 0; an isolated dyad has no overlap */
  add(&e, 0, 1, 1.0);
  add(&e, 2, 3, 5.0);
  add(&e, 3, 4, 1.0);
  compute(&e, 5, NULL, 0, 0, 1, &g, &m, &gm);
  CHECK(m.n_groups[0] == 0 && m.blau[0] == 0.0);
  CHECK(isnan(gm.transitivity) == 0 && gm.transitivity == 0.0);
  CHECK(gm.overlap_edges == 2); /* (0,1) is 0/0 */
  CHECK(gm.n_components == 2 && gm.largest_component == 3);
  socap_node_metrics_free(&m);
  socap_graph_free(&g);
  edges_free(&e);

  /* no triples at all: transitivity NaN */
  add(&e, 0, 1, 1.0);
  compute(&e, 3, NULL, 0, 0, 1, &g, &m, &gm);
  CHECK(isnan(gm.transitivity));
  CHECK(gm.n_components == 2 && gm.largest_component == 2);
  CHECK(gm.overlap_edges == 0 && isnan(gm.overlap_by_decile[0]));
  socap_node_metrics_free(&m);
  socap_graph_free(&g);
  edges_free(&e);
}

static void test_betweenness(void) {
  socap_graph g;
  socap_node_metrics m;
  edges e = {0};
  /* path 0-1-2-3-4 */
  for (int i = 0; i < 4; i++) add(&e, i, i + 1, 1.0 + i); /* weights do not matter (hops) */
  compute(&e, 5, NULL, 1, 0, 1, &g, &m, NULL);
  const double path[5] = {0, 3, 4, 3, 0};
  for (int i = 0; i < 5; i++) CHECK_CLOSE(m.betweenness[i], path[i], TOL);
  socap_node_metrics_free(&m);
  /* samples >= n is exact */
  socap_metrics_opts o;
  socap_metrics_opts_default(&o);
  o.betweenness_samples = 5;
  double b[5];
  CHECK(socap_metrics_betweenness(&g, &o, b) == 0);
  for (int i = 0; i < 5; i++) CHECK_CLOSE(b[i], path[i], TOL);
  socap_graph_free(&g);
  edges_free(&e);

  /* star with 6 leaves: centre C(6,2) = 15 */
  for (int j = 1; j <= 6; j++) add(&e, 0, j, 1.0);
  compute(&e, 7, NULL, 1, 0, 3, &g, &m, NULL);
  CHECK_CLOSE(m.betweenness[0], 15.0, TOL);
  for (int j = 1; j <= 6; j++) CHECK_CLOSE(m.betweenness[j], 0.0, TOL);
  socap_node_metrics_free(&m);
  /* sampled: pivot = a leaf gives delta(centre) = 5, scaled by 7/K/2 */
  socap_metrics_opts_default(&o);
  o.betweenness_samples = 3;
  o.seed = 11;
  double bs[7];
  CHECK(socap_metrics_betweenness(&g, &o, bs) == 0);
  /* centre: each leaf pivot contributes 5, the centre pivot 0 */
  double x = bs[0] / (7.0 / 3.0 / 2.0);
  CHECK(fabs(x - 15.0) < 1e-9 || fabs(x - 10.0) < 1e-9);
  socap_graph_free(&g);
  edges_free(&e);

  /* 4-cycle: each node 0.5 */
  add(&e, 0, 1, 1);
  add(&e, 1, 2, 1);
  add(&e, 2, 3, 1);
  add(&e, 3, 0, 1);
  compute(&e, 4, NULL, 1, 0, 2, &g, &m, NULL);
  for (int i = 0; i < 4; i++) CHECK_CLOSE(m.betweenness[i], 0.5, TOL);
  socap_node_metrics_free(&m);
  socap_graph_free(&g);
  edges_free(&e);
}

static void test_graph_build(void) {
  socap_graph g;
  edges e = {0};
  add(&e, 2, 0, 1.0);
  add(&e, 0, 2, 0.5); /* duplicate: summed */
  add(&e, 1, 1, 3.0); /* self loop: dropped */
  add(&e, 0, 1, 2.0);
  add(&e, 3, 1, 1.0);
  CHECK(socap_graph_from_edges(&g, 4, e.m, e.u, e.v, e.w, NULL) == 0);
  CHECK(g.off[4] == 6);
  CHECK(socap_graph_degree(&g, 0) == 2 && socap_graph_degree(&g, 1) == 2);
  CHECK(g.adj[0] == 1 && g.adj[1] == 2);
  CHECK_CLOSE(g.w[1], 1.5, TOL);
  for (int32_t i = 0; i < g.n; i++)
    for (int64_t t = g.off[i]; t < g.off[i + 1]; t++) {
      if (t > g.off[i]) CHECK(g.adj[t - 1] < g.adj[t]);
      CHECK(g.adj[t] != i);
    }
  socap_graph_free(&g);
  CHECK(socap_graph_from_edges(&g, 0, 0, NULL, NULL, NULL, NULL) == 0 && g.n == 0 && g.off[0] == 0);
  socap_graph_free(&g);
  CHECK(socap_graph_from_edges(&g, 3, e.m, e.u, e.v, e.w, NULL) == SOCAP_ECONFIG); /* id 3 out of range */
  e.w[0] = 0.0;
  CHECK(socap_graph_from_edges(&g, 4, e.m, e.u, e.v, e.w, NULL) == SOCAP_ECONFIG);
  e.w[0] = NAN;
  CHECK(socap_graph_from_edges(&g, 4, e.m, e.u, e.v, e.w, NULL) == SOCAP_ECONFIG);
  edges_free(&e);
}

/* Clustered weighted random graph: groups of 20, ~p_in within, some across,
 * the last ~3% of nodes isolated; weights rounded to 0.05 (many ties) or
 * unit. */
static void random_graph(edges *e, int32_t n, unsigned long seed, int unit, int32_t *group) {
  gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
  gsl_rng_set(r, seed);
  const int32_t active = n - n / 33;
  for (int32_t i = 0; i < n; i++) group[i] = i / 20;
  for (int32_t i = 0; i < active; i++) {
    int32_t g0 = (i / 20) * 20;
    for (int32_t j = i + 1; j < g0 + 20 && j < active; j++)
      if (gsl_rng_uniform(r) < 0.3) add(e, i, j, unit ? 1.0 : 0.05 * (1 + (int)gsl_rng_uniform_int(r, 20)));
    int extra = (int)gsl_rng_uniform_int(r, 4);
    for (int x = 0; x < extra; x++) {
      int32_t j = (int32_t)gsl_rng_uniform_int(r, (unsigned long)active);
      if (j != i) add(e, i, j, unit ? 1.0 : 0.05 * (1 + (int)gsl_rng_uniform_int(r, 20)));
    }
  }
  gsl_rng_free(r);
}

/* The AVX-512, AVX2 and scalar forms of the node pass give the same bits.
 * Dense groups of consecutive ids make runs of entries that share a mark
 * word (the case the vector forms must merge before they store), hubs give
 * lists many vectors long, and degrees of every size give every tail. */
static void test_simd_identical(void) {
  const int32_t n = 4000;
  edges e = {0};
  int32_t *group = malloc(sizeof *group * (size_t)n);
  gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
  gsl_rng_set(r, 5);
  for (int32_t i = 0; i < n; i++) group[i] = i / 40;
  for (int32_t i = 0; i < n; i++) {
    const double dens = 0.1 + 0.8 * (double)(i % 7) / 6.0; /* 0.1 .. 0.9 inside the group */
    for (int32_t j = i + 1; j < (i / 40 + 1) * 40 && j < n; j++)
      if (gsl_rng_uniform(r) < dens) add(&e, i, j, 0.01 * (1 + (int)gsl_rng_uniform_int(r, 100)));
    const int extra = (int)gsl_rng_uniform_int(r, 8);
    for (int x = 0; x < extra; x++) {
      const int32_t j = (int32_t)gsl_rng_uniform_int(r, (unsigned long)n);
      if (j != i) add(&e, i, j, 0.01 * (1 + (int)gsl_rng_uniform_int(r, 100)));
    }
  }
  for (int32_t h = 0; h < 5; h++) /* hubs */
    for (int32_t j = 0; j < n; j += 1 + h)
      if (j != h * 777) add(&e, h * 777, j, 0.5);
  gsl_rng_free(r);
  socap_graph g;
  CHECK(socap_graph_from_edges(&g, n, e.m, e.u, e.v, e.w, group) == 0);
  /* v = 0: scalar, 1: AVX2, 2: AVX-512 (those the CPU has) */
  socap_node_metrics m[3];
  socap_global_metrics gm[3];
  int have[3] = {1, 0, 0};
  for (int v = 0; v < 3; v++) {
    have[v] = socap_set_simd_level(v) == v;
    if (!have[v]) {
      printf("note: no %s on this CPU; that node pass was not run\n", v == 1 ? "AVX2" : "AVX-512");
      continue;
    }
    socap_metrics_opts o;
    socap_metrics_opts_default(&o);
    o.threads = 2;
    CHECK(socap_node_metrics_alloc(&m[v], n, 0) == 0);
    CHECK(socap_metrics_compute(&g, &o, &m[v], &gm[v]) == 0);
  }
  socap_set_simd(1);
  const size_t dn = sizeof(double) * (size_t)n, in = sizeof(int32_t) * (size_t)n;
  for (int v = 1; v < 3; v++) {
    if (!have[v]) continue;
    CHECK_MSG(memcmp(m[0].constraint, m[v].constraint, dn) == 0, "level %d", v);
    CHECK_MSG(memcmp(m[0].eff_size, m[v].eff_size, dn) == 0, "level %d", v);
    CHECK_MSG(memcmp(m[0].efficiency, m[v].efficiency, dn) == 0, "level %d", v);
    CHECK_MSG(memcmp(m[0].clustering, m[v].clustering, dn) == 0, "level %d", v);
    CHECK_MSG(memcmp(m[0].reach2, m[v].reach2, in) == 0, "level %d", v);
    CHECK_MSG(memcmp(m[0].blau, m[v].blau, dn) == 0, "level %d", v);
    CHECK_MSG(memcmp(&gm[0], &gm[v], sizeof gm[0]) == 0, "level %d", v);
  }
  /* and the graph is the kind meant: many ties inside the groups, hubs */
  int64_t inside = 0;
  for (int32_t i = 0; i < n; i++)
    for (int64_t t = g.off[i]; t < g.off[i + 1]; t++) inside += group[g.adj[t]] == group[i];
  CHECK(inside * 2 > g.off[n]);
  CHECK(socap_graph_degree(&g, 0) > 1000);
  /* reach2 of a hub next to everyone is everyone else */
  CHECK(m[0].reach2[0] == n - 1);
  for (int v = 0; v < 3; v++)
    if (have[v]) socap_node_metrics_free(&m[v]);
  socap_graph_free(&g);
  edges_free(&e);
  free(group);
}

/* Global metrics keep each tie's common-neighbour count with the degree of
 * its higher-id end packed beside it while every degree fits in 16 bits, and
 * read the degree from the offsets otherwise. A star with m leaves and p
 * ties between pairs of leaves has closed forms for both: transitivity
 * 3p / (m(m-1)/2 + 2p); overlap 1/(m-1) on the spokes to paired leaves, 0
 * on the others, 1 on the pair ties. m = 60,000 is packed, 70,000 is not.
 * (The centre has id 0: with the highest id, every leaf would walk its list
 * in the common-neighbour pass, m^2 steps.) */
static void test_overlap_star(void) {
  const int32_t ms[2] = {60000, 70000}, p = 10;
  for (int v = 0; v < 2; v++) {
    const int32_t m = ms[v], n = m + 1; /* centre 0, leaves 1..m */
    edges e = {0};
    for (int32_t l = 1; l <= m; l++) add(&e, 0, l, 1.0);
    for (int32_t a = 0; a < p; a++) add(&e, 2 * a + 1, 2 * a + 2, 1.0);
    socap_graph g;
    CHECK(socap_graph_from_edges(&g, n, e.m, e.u, e.v, e.w, NULL) == 0);
    socap_global_metrics gm;
    CHECK(socap_metrics_global(&g, 2, &gm) == 0);
    const double triples = (double)m * (m - 1) / 2 + 2.0 * p;
    CHECK_CLOSE(gm.transitivity, 3.0 * p / triples, TOL);
    const int64_t ne = (int64_t)m + p;
    CHECK(gm.overlap_edges == ne);
    /* all weights equal: ties ranked by (min id, max id), the spokes first */
    double sum[SOCAP_OVERLAP_BINS] = {0};
    int64_t cnt[SOCAP_OVERLAP_BINS] = {0};
    for (int64_t r = 0; r < ne; r++) {
      const double o = r < m ? (r + 1 <= 2 * p ? 1.0 / (m - 1) : 0.0) : 1.0;
      sum[10 * r / ne] += o;
      cnt[10 * r / ne]++;
    }
    for (int b = 0; b < SOCAP_OVERLAP_BINS; b++) CHECK_CLOSE(gm.overlap_by_decile[b], sum[b] / cnt[b], TOL);
    double *ov = malloc(sizeof *ov * (size_t)g.off[n]);
    CHECK(ov && socap_metrics_overlap(&g, 2, ov) == 0);
    CHECK_CLOSE(ov[g.off[0]], 1.0 / (m - 1), TOL);         /* 0-1: leaf 1 is paired */
    CHECK_CLOSE(ov[g.off[0] + 2 * p], 0.0, TOL);           /* 0-(2p+1): not paired */
    CHECK_CLOSE(ov[g.off[1]], 1.0 / (m - 1), TOL);         /* 1-0 */
    CHECK_CLOSE(ov[g.off[1] + 1], 1.0, TOL);               /* 1-2 */
    free(ov);
    socap_graph_free(&g);
    edges_free(&e);
  }
}

/* The ego pass clears its marks either word by word or all at once,
 * whichever stores less; every ego must start from clear marks either way.
 * A large sparse graph (egos that mark a few dozen nodes: word by word) with
 * a clique inside (egos that mark hundreds: all at once), ordered so that
 * the two kinds alternate, against brute-force reach2 and triangle counts,
 * with the scalar and the vector pass. */
static void test_mark_reset(void) {
  const int32_t n = 100000, kc = 400; /* clique on 0, 2, 4, ..., 2(kc-1) */
  edges e = {0};
  gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
  gsl_rng_set(r, 11);
  for (int32_t i = 0; i < n; i++) { /* a ring and a random chord or two */
    add(&e, i, (i + 1) % n, 0.5);
    const int extra = (int)gsl_rng_uniform_int(r, 3);
    for (int x = 0; x < extra; x++) {
      const int32_t j = (int32_t)gsl_rng_uniform_int(r, (unsigned long)n);
      if (j != i) add(&e, i, j, 0.25);
    }
  }
  for (int32_t a = 0; a < kc; a++)
    for (int32_t b = a + 1; b < kc; b++) add(&e, 2 * a, 2 * b, 1.0);
  gsl_rng_free(r);
  socap_graph g;
  CHECK(socap_graph_from_edges(&g, n, e.m, e.u, e.v, e.w, NULL) == 0);
  /* brute force: distinct nodes within two steps, and ties among neighbours */
  int32_t *rb = malloc(sizeof *rb * (size_t)n), *stamp = calloc((size_t)n, sizeof *stamp),
          *nb = calloc((size_t)n, sizeof *nb);
  int64_t *tri = malloc(sizeof *tri * (size_t)n);
  CHECK(rb && stamp && nb && tri);
  for (int32_t i = 0; i < n; i++) {
    int32_t c = 0;
    stamp[i] = i + 1;
    for (int64_t t = g.off[i]; t < g.off[i + 1]; t++) {
      const int32_t j = g.adj[t];
      if (stamp[j] != i + 1) { stamp[j] = i + 1; c++; }
    }
    for (int64_t t = g.off[i]; t < g.off[i + 1]; t++)
      for (int64_t u = g.off[g.adj[t]]; u < g.off[g.adj[t] + 1]; u++)
        if (stamp[g.adj[u]] != i + 1) { stamp[g.adj[u]] = i + 1; c++; }
    rb[i] = c;
    for (int64_t t = g.off[i]; t < g.off[i + 1]; t++) nb[g.adj[t]] = i + 1;
    int64_t l2 = 0; /* twice the ties among the neighbours */
    for (int64_t t = g.off[i]; t < g.off[i + 1]; t++)
      for (int64_t u = g.off[g.adj[t]]; u < g.off[g.adj[t] + 1]; u++) l2 += nb[g.adj[u]] == i + 1;
    tri[i] = l2;
  }
  /* both ways of clearing: an ego that marks reach2 + 1 nodes clears them
   * all at once when 8 stores a node are more than the n / 32 + 1 words */
  int32_t small = 0, big = 0;
  for (int32_t i = 0; i < n; i++) {
    if ((int64_t)(rb[i] + 1) * 8 > n / 32 + 1) big++;
    else small++;
  }
  CHECK(small > n / 2 && big >= kc);
  for (int v = 0; v < 3; v++) { /* scalar, AVX2, AVX-512 (those the CPU has) */
    if (socap_set_simd_level(v) != v) continue;
    socap_node_metrics m;
    socap_metrics_opts o;
    socap_metrics_opts_default(&o);
    o.threads = 2;
    CHECK(socap_node_metrics_alloc(&m, n, 0) == 0);
    CHECK(socap_metrics_nodes(&g, &o, &m) == 0);
    int32_t bad_r = 0, bad_c = 0;
    for (int32_t i = 0; i < n; i++) {
      const int32_t k = socap_graph_degree(&g, i);
      bad_r += m.reach2[i] != rb[i];
      if (k >= 2) bad_c += fabs(m.clustering[i] - (double)tri[i] / ((double)k * (k - 1))) > TOL;
    }
    CHECK_MSG(bad_r == 0 && bad_c == 0, "simd %d: %d reach2 and %d clustering values differ from brute force", v,
              (int)bad_r, (int)bad_c);
    socap_node_metrics_free(&m);
  }
  socap_set_simd(1);
  free(rb);
  free(stamp);
  free(nb);
  free(tri);
  socap_graph_free(&g);
  edges_free(&e);
}

static void test_threads_identical(void) {
  const int32_t n = 3000;
  edges e = {0};
  int32_t *group = malloc(sizeof *group * (size_t)n);
  random_graph(&e, n, 42, 0, group);
  socap_graph g[3];
  socap_node_metrics m[3];
  socap_global_metrics gm[3];
  double *bs[3];
  const int th[3] = {1, 2, 4};
  for (int t = 0; t < 3; t++) {
    compute(&e, n, group, 1, 0, th[t], &g[t], &m[t], &gm[t]);
    socap_metrics_opts o;
    socap_metrics_opts_default(&o);
    o.threads = th[t];
    o.betweenness_samples = 500;
    o.seed = 99;
    bs[t] = malloc(sizeof(double) * (size_t)n);
    CHECK(socap_metrics_betweenness(&g[t], &o, bs[t]) == 0);
  }
  size_t dn = sizeof(double) * (size_t)n, in = sizeof(int32_t) * (size_t)n;
  /* socap_metrics_compute (shared pass) gives the same bits as nodes + global */
  for (int t = 0; t < 3; t++) {
    socap_node_metrics mc;
    socap_global_metrics gc;
    socap_metrics_opts o;
    socap_metrics_opts_default(&o);
    o.threads = th[t];
    CHECK(socap_node_metrics_alloc(&mc, n, 0) == 0);
    CHECK(socap_metrics_compute(&g[0], &o, &mc, &gc) == 0);
    CHECK(memcmp(m[0].constraint, mc.constraint, dn) == 0);
    CHECK(memcmp(m[0].eff_size, mc.eff_size, dn) == 0);
    CHECK(memcmp(m[0].clustering, mc.clustering, dn) == 0);
    CHECK(memcmp(m[0].reach2, mc.reach2, in) == 0);
    CHECK(memcmp(m[0].blau, mc.blau, dn) == 0);
    CHECK(memcmp(&gm[0], &gc, sizeof gc) == 0);
    socap_node_metrics_free(&mc);
  }
  for (int t = 1; t < 3; t++) {
    CHECK(memcmp(m[0].degree, m[t].degree, in) == 0);
    CHECK(memcmp(m[0].strength, m[t].strength, dn) == 0);
    CHECK(memcmp(m[0].support, m[t].support, dn) == 0);
    CHECK(memcmp(m[0].constraint, m[t].constraint, dn) == 0);
    CHECK(memcmp(m[0].eff_size, m[t].eff_size, dn) == 0);
    CHECK(memcmp(m[0].efficiency, m[t].efficiency, dn) == 0);
    CHECK(memcmp(m[0].clustering, m[t].clustering, dn) == 0);
    CHECK(memcmp(m[0].reach2, m[t].reach2, in) == 0);
    CHECK(memcmp(m[0].n_groups, m[t].n_groups, in) == 0);
    CHECK(memcmp(m[0].blau, m[t].blau, dn) == 0);
    CHECK(memcmp(m[0].betweenness, m[t].betweenness, dn) == 0);
    CHECK(memcmp(bs[0], bs[t], dn) == 0);
    CHECK(memcmp(&gm[0], &gm[t], sizeof gm[0]) == 0);
  }
  /* sanity of the graph itself */
  CHECK(gm[0].n_components > n / 33);
  int isolates = 0;
  for (int32_t i = 0; i < n; i++) isolates += m[0].degree[i] == 0;
  CHECK(isolates >= n / 33);
  /* the sampled estimate is in the right range on average */
  double se = 0, sx = 0;
  for (int32_t i = 0; i < n; i++) {
    se += bs[0][i];
    sx += m[0].betweenness[i];
  }
  CHECK_MSG(fabs(se / sx - 1.0) < 0.2, "sampled total %g vs exact %g", se, sx);
  for (int t = 0; t < 3; t++) {
    socap_node_metrics_free(&m[t]);
    socap_graph_free(&g[t]);
    free(bs[t]);
  }
  free(group);
  edges_free(&e);
}

static void write_file(const char *path, const char *text) {
  FILE *f = fopen(path, "w");
  if (!f) abort();
  fputs(text, f);
  fclose(f);
}

static void test_io(void) {
  char dir[] = "/tmp/socap_test_metrics_XXXXXX";
  if (!mkdtemp(dir)) abort();
  char path[256], out[256], grp[256];
  snprintf(path, sizeof path, "%s/e.csv", dir);
  snprintf(out, sizeof out, "%s/nodes.csv", dir);
  snprintf(grp, sizeof grp, "%s/g.csv", dir);

  write_file(path,
             "# a comment\nsrc,dst,weight\n\n100, 7,2\n7,5000000000,0.5\r\n  # indented comment\n42\n100,100,1\n");
  socap_edgelist el;
  int rc = socap_edgelist_read_csv(path, 0, &el);
  CHECK_MSG(rc == 0, "%s", socap_error_message());
  CHECK(el.n == 4 && el.m == 3);
  CHECK(el.label[0] == 7 && el.label[1] == 42 && el.label[2] == 100 && el.label[3] == 5000000000LL);
  CHECK(el.src[0] == 2 && el.dst[0] == 0 && el.w[0] == 2.0 && el.line[0] == 4);
  CHECK(el.src[1] == 0 && el.dst[1] == 3 && el.w[1] == 0.5);
  socap_edgelist_free(&el);
  /* --nodes style extra ids and dense remap */
  write_file(path, "0,1,1\n1,2,3\n");
  CHECK(socap_edgelist_read_csv(path, 5, &el) == 0);
  CHECK(el.n == 5 && el.label[4] == 4 && el.w[0] == 1.0 && el.w[1] == 3.0);
  write_file(grp, "id,group\n0,1\n1,1\n2,0\n3,5\n4,5\n99,3\n");
  int32_t gv[5];
  CHECK(socap_groups_read_csv(grp, &el, gv) == 0);
  CHECK(gv[0] == 1 && gv[2] == 0 && gv[4] == 5);
  write_file(grp, "0,1\n1,1\n");
  CHECK(socap_groups_read_csv(grp, &el, gv) == SOCAP_ECONFIG);
  /* a node listed twice: the same group is harmless, another is an error */
  write_file(grp, "id,group\n0,1\n1,1\n2,0\n3,5\n4,5\n2,0\n");
  CHECK(socap_groups_read_csv(grp, &el, gv) == 0 && gv[2] == 0);
  write_file(grp, "id,group\n0,1\n1,1\n2,0\n3,5\n4,5\n2,7\n");
  CHECK(socap_groups_read_csv(grp, &el, gv) == SOCAP_ECONFIG);
  char dupwant[600];
  snprintf(dupwant, sizeof dupwant, "%s:7: node '2' is listed again with group 7 (it had group 0)", grp);
  CHECK_MSG(strstr(socap_error_message(), dupwant) != NULL, "%s", socap_error_message());
  socap_edgelist_free(&el);

  /* errors name file:line */
  static const char *bad[] = {"0,1\nfoo,2\n",   "0,1\n1,2,0\n",   "0,1\n1,-2\n",
                              "0,1\n1,2,abc\n", "0,1\n1,2,3,4\n", "a,b\n0,1\n1,x\n"};
  for (size_t b = 0; b < sizeof bad / sizeof bad[0]; b++) {
    write_file(path, bad[b]);
    rc = socap_edgelist_read_csv(path, 0, &el);
    CHECK_MSG(rc == SOCAP_ECONFIG, "case %zu", b);
    char want[300];
    snprintf(want, sizeof want, "%s:%d:", path, b == 5 ? 3 : 2);
    CHECK_MSG(strstr(socap_error_message(), want) != NULL, "case %zu: %s", b, socap_error_message());
  }
  CHECK(socap_edgelist_read_csv("/nonexistent/x.csv", 0, &el) == SOCAP_EIO);

  /* input checks (tests/metrics_input.sh has the CLI side): node ids are
   * int32, so 2^62 extra nodes is an error, not an overflow; decimal weights
   * only; every edge weighted or none; CR line ends; a line of 1 MiB at most */
  write_file(path, "0,1\n");
  CHECK(socap_edgelist_read_csv(path, (int64_t)1 << 62, &el) == SOCAP_ECONFIG);
  CHECK(socap_edgelist_read_csv(path, INT64_MAX, &el) == SOCAP_ECONFIG);
  CHECK(socap_edgelist_read_csv(path, (int64_t)INT32_MAX + 1, &el) == SOCAP_ECONFIG);
  static const struct {
    const char *text, *what;
  } bad_in[] = {
      {"0,1,1\n1,2,0x1p3\n", ":2: field 3: bad weight '0x1p3' (expected a decimal number)"},
      {"0,1,1\n1,2,0x10\n", ":2: field 3: bad weight '0x10'"},
      {"0,1\n7\n1,2,3\n", ":3: edge with a weight, but line 1 has none"},
      {"0,1,2\n1,2\n", ":2: edge without a weight, but line 1 has one"},
      {"0,1\r1,2\r", ":1: CR line endings are not supported"},
      {"0 1\n1 2\n",
       ":2: field 1: bad node id '1 2' (expected a non-negative integer); fields are separated by commas"},
  };
  for (size_t b = 0; b < sizeof bad_in / sizeof bad_in[0]; b++) {
    write_file(path, bad_in[b].text);
    rc = socap_edgelist_read_csv(path, 0, &el);
    char want[300];
    snprintf(want, sizeof want, "%s%s", path, bad_in[b].what);
    CHECK_MSG(rc == SOCAP_ECONFIG && strstr(socap_error_message(), want), "case %zu: %s", b, socap_error_message());
  }
  FILE *lf = fopen(path, "w");
  if (lf) {
    fputs("0,1\n", lf);
    for (int i = 0; i < (1 << 20) + 1; i++) fputc('7', lf);
    fputs(",1\n", lf);
    fclose(lf);
  }
  CHECK(socap_edgelist_read_csv(path, 0, &el) == SOCAP_ECONFIG);
  CHECK_MSG(strstr(socap_error_message(), ":2: line longer than 1048576 bytes"), "%s", socap_error_message());
  /* CR LF is a line end, and so is a CR that ends the file */
  write_file(path, "0,1\r\n1,2\r");
  CHECK_MSG(socap_edgelist_read_csv(path, 0, &el) == 0, "%s", socap_error_message());
  CHECK(el.n == 3 && el.m == 2);
  socap_edgelist_free(&el);

  /* CSV output: written, not overwritten without force */
  write_file(path, "0,1,1\n1,2,1\n0,2,1\n3\n");
  char *argv[] = {"metrics", path, "-o", out, "--quiet", "--betweenness", "--threads", "2"};
  CHECK(socap_metrics_main(8, argv) == 0);
  FILE *f = fopen(out, "r");
  CHECK(f != NULL);
  if (f) {
    char line[512];
    CHECK(fgets(line, sizeof line, f) != NULL);
    CHECK(strncmp(line, "id,degree,strength,support,constraint", 37) == 0);
    CHECK(fgets(line, sizeof line, f) != NULL);
    CHECK(strcmp(line, "0,2,2,2,1.125,1,0.5,1,2,0,0,0\n") == 0);
    int rows = 1;
    while (fgets(line, sizeof line, f)) rows++;
    CHECK(rows == 4);
    CHECK(strstr(line, "3,0,0,0,NaN,NaN,NaN,NaN,0,0,0,0") == line);
    fclose(f);
  }
  CHECK(socap_metrics_main(8, argv) == SOCAP_EIO);
  char *argv_bad[] = {"metrics", path, "-o", out, "--bogus"};
  CHECK(socap_metrics_main(5, argv_bad) == SOCAP_ECONFIG);
  char *argv_noout[] = {"metrics", path};
  CHECK(socap_metrics_main(2, argv_noout) == SOCAP_ECONFIG);
  remove(out);
  remove(path);
  remove(grp);
  rmdir(dir);
}

/* ---- text node ids (`--ids`, `--header`/`--no-header`) -------------------- */

static char *slurp(const char *path) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  char *buf = calloc(1, 1 << 16);
  if (buf) {
    size_t k = fread(buf, 1, (1 << 16) - 1, f);
    buf[k] = 0;
  }
  fclose(f);
  return buf;
}

/* The text of every node id of el (integer or text), joined with '|'. */
static void join_ids(const socap_edgelist *el, char *out, size_t cap) {
  size_t k = 0;
  out[0] = 0;
  for (int32_t i = 0; i < el->n && k < cap; i++) {
    if (el->name)
      k += (size_t)snprintf(out + k, cap - k, "%s%s", i ? "|" : "", el->name[i]);
    else
      k += (size_t)snprintf(out + k, cap - k, "%s%lld", i ? "|" : "", (long long)el->label[i]);
  }
}

static int read_with(const char *path, socap_id_mode ids, socap_header_mode header, int64_t extra, socap_edgelist *el) {
  socap_edgelist_opts o;
  socap_edgelist_opts_default(&o);
  o.ids = ids;
  o.header = header;
  o.extra_nodes = extra;
  return socap_edgelist_read_csv_opts(path, &o, el);
}

/* Edge e as "src>dst" node texts. */
static int edge_is(const socap_edgelist *el, int64_t e, const char *u, const char *v) {
  return e < el->m && el->name && strcmp(el->name[el->src[e]], u) == 0 && strcmp(el->name[el->dst[e]], v) == 0;
}

static void test_text_ids_read(const char *dir) {
  char path[256], path2[256], want[600], ids[1024];
  snprintf(path, sizeof path, "%s/t.csv", dir);
  snprintf(path2, sizeof path2, "%s/t2.csv", dir);
  socap_edgelist el, el2;
  int rc;

  /* byte order (uppercase before lowercase, "10" before "2"), not line order;
   * spaces inside an id are kept, around it trimmed; declarations */
  write_file(path, "# people\nzoe , Bob,1\nbob,alice,2\n  Alice\nann lee,10,1\n10,2,0.5\n");
  rc = read_with(path, SOCAP_IDS_TEXT, SOCAP_HEADER_NO, 0, &el);
  CHECK_MSG(rc == 0, "%s", socap_error_message());
  join_ids(&el, ids, sizeof ids);
  CHECK_MSG(strcmp(ids, "10|2|Alice|Bob|alice|ann lee|bob|zoe") == 0, "%s", ids);
  CHECK(el.label == NULL && el.n == 8 && el.m == 4);
  CHECK(edge_is(&el, 0, "zoe", "Bob") && edge_is(&el, 1, "bob", "alice") && edge_is(&el, 2, "ann lee", "10") &&
        edge_is(&el, 3, "10", "2"));
  CHECK(el.src[0] == 7 && el.dst[0] == 3 && el.w[0] == 1.0 && el.w[1] == 2.0 && el.w[3] == 0.5);
  CHECK(el.line[0] == 2 && el.line[3] == 6);
  /* the same lines in another order give the same nodes and ties */
  write_file(path2, "10,2,0.5\n  Alice\nbob,alice,2\nann lee,10,1\nzoe , Bob,1\n");
  CHECK(read_with(path2, SOCAP_IDS_TEXT, SOCAP_HEADER_NO, 0, &el2) == 0);
  join_ids(&el2, want, sizeof want);
  CHECK(strcmp(ids, want) == 0);
  CHECK(edge_is(&el2, 0, "10", "2") && edge_is(&el2, 3, "zoe", "Bob") && el2.src[3] == el.src[0]);
  socap_edgelist_free(&el2);
  socap_edgelist_free(&el);

  /* auto: integers stay integers (labels, numeric order, the header rule) */
  write_file(path, "src,dst,w\n10,2,1\n2,3,1.5\n7\n");
  CHECK(read_with(path, SOCAP_IDS_AUTO, SOCAP_HEADER_DETECT, 0, &el) == 0);
  CHECK(el.name == NULL && el.label != NULL && el.n == 4 && el.m == 2);
  join_ids(&el, ids, sizeof ids);
  CHECK_MSG(strcmp(ids, "2|3|7|10") == 0, "%s", ids);
  CHECK(el.src[0] == 3 && el.dst[0] == 0 && el.w[1] == 1.5);
  CHECK(el.ids_note[0] == 0); /* integers: nothing to note */
  socap_edgelist_free(&el);
  /* auto: one text id anywhere makes every id text (byte order, "007" kept),
   * and the switch is noted with where it happened (the CLI prints it) */
  write_file(path, "10,2\n2,007\n007,x\n");
  CHECK(read_with(path, SOCAP_IDS_AUTO, SOCAP_HEADER_NO, 0, &el) == 0);
  join_ids(&el, ids, sizeof ids);
  CHECK_MSG(el.name && strcmp(ids, "007|10|2|x") == 0, "%s", ids);
  snprintf(want, sizeof want, "%s:3: field 2: 'x' is not an integer", path);
  CHECK_MSG(strcmp(el.ids_note, want) == 0, "%s", el.ids_note);
  CHECK(edge_is(&el, 1, "2", "007") && edge_is(&el, 2, "007", "x"));
  socap_edgelist_free(&el);
  /* --ids int rejects what auto reads as text */
  CHECK(read_with(path, SOCAP_IDS_INT, SOCAP_HEADER_NO, 0, &el) == SOCAP_ECONFIG);
  snprintf(want, sizeof want, "%s:3: field 2: bad node id 'x'", path);
  CHECK_MSG(strstr(socap_error_message(), want) != NULL, "%s", socap_error_message());
  /* a UTF-8 byte-order mark before the first line is skipped, with text and
   * with integer ids (it used to turn an integer first line into a header) */
  write_file(path, "\xEF\xBB\xBF" "alice,bob\nbob,carol\n");
  CHECK(read_with(path, SOCAP_IDS_TEXT, SOCAP_HEADER_NO, 0, &el) == 0);
  join_ids(&el, ids, sizeof ids);
  CHECK_MSG(strcmp(ids, "alice|bob|carol") == 0 && el.m == 2, "%s", ids);
  socap_edgelist_free(&el);
  write_file(path, "\xEF\xBB\xBF" "0,1\n1,2\n");
  CHECK(read_with(path, SOCAP_IDS_AUTO, SOCAP_HEADER_DETECT, 0, &el) == 0);
  CHECK(el.name == NULL && el.n == 3 && el.m == 2);
  socap_edgelist_free(&el);

  /* text ids need --header or --no-header: the message names the first data
   * line, the id that made the ids text, and both options */
  write_file(path, "# comment\n\nsource,target\n1,2\nalice,bob\n");
  CHECK(read_with(path, SOCAP_IDS_AUTO, SOCAP_HEADER_DETECT, 0, &el) == SOCAP_ECONFIG);
  snprintf(want, sizeof want, "%s:3: cannot tell whether this line is a header", path);
  const char *msg = socap_error_message();
  CHECK_MSG(strstr(msg, want) && strstr(msg, "--header") && strstr(msg, "--no-header") &&
                strstr(msg, "line 5, field 1: 'alice'"),
            "%s", msg);
  CHECK(read_with(path, SOCAP_IDS_TEXT, SOCAP_HEADER_DETECT, 0, &el) == SOCAP_ECONFIG);
  CHECK_MSG(strstr(socap_error_message(), want) && strstr(socap_error_message(), "--ids text"), "%s",
            socap_error_message());
  /* --header skips that line, --no-header reads it as a tie */
  CHECK(read_with(path, SOCAP_IDS_AUTO, SOCAP_HEADER_YES, 0, &el) == 0);
  join_ids(&el, ids, sizeof ids);
  CHECK_MSG(strcmp(ids, "1|2|alice|bob") == 0 && el.m == 2 && el.line[0] == 4, "%s", ids);
  socap_edgelist_free(&el);
  CHECK(read_with(path, SOCAP_IDS_AUTO, SOCAP_HEADER_NO, 0, &el) == 0);
  join_ids(&el, ids, sizeof ids);
  CHECK_MSG(strcmp(ids, "1|2|alice|bob|source|target") == 0 && el.m == 3 && edge_is(&el, 0, "source", "target"), "%s",
            ids);
  socap_edgelist_free(&el);
  /* integer ids: --header skips even an integer line, --no-header makes a
   * non-integer first line an error like any other */
  write_file(path, "0,1\n1,2\n");
  CHECK(read_with(path, SOCAP_IDS_INT, SOCAP_HEADER_YES, 0, &el) == 0);
  CHECK(el.n == 2 && el.m == 1 && el.label[0] == 1 && el.label[1] == 2);
  socap_edgelist_free(&el);
  CHECK(read_with(path, SOCAP_IDS_AUTO, SOCAP_HEADER_YES, 0, &el) == 0);
  CHECK(el.name == NULL && el.n == 2 && el.m == 1);
  socap_edgelist_free(&el);
  write_file(path, "src,dst\n0,1\n");
  CHECK(read_with(path, SOCAP_IDS_INT, SOCAP_HEADER_NO, 0, &el) == SOCAP_ECONFIG);
  snprintf(want, sizeof want, "%s:1: field 1: bad node id 'src'", path);
  CHECK_MSG(strstr(socap_error_message(), want) != NULL, "%s", socap_error_message());
  /* a file with no data line needs no header decision, but a graph
   * without nodes is an error (an empty export, a wrong file); with
   * --nodes it is N isolates */
  write_file(path, "# nothing\n");
  CHECK(read_with(path, SOCAP_IDS_TEXT, SOCAP_HEADER_DETECT, 0, &el) == SOCAP_ECONFIG);
  snprintf(want, sizeof want, "%s: no edges and no nodes", path);
  CHECK_MSG(strstr(socap_error_message(), want) != NULL, "%s", socap_error_message());
  write_file(path, "src,dst\n");
  CHECK(read_with(path, SOCAP_IDS_AUTO, SOCAP_HEADER_DETECT, 0, &el) == SOCAP_ECONFIG);
  CHECK(read_with(path, SOCAP_IDS_INT, SOCAP_HEADER_DETECT, 3, &el) == 0 && el.n == 3 && el.m == 0);
  socap_edgelist_free(&el);
  /* a first line whose first field is a number is data, not a header:
   * a negative, fractional or huge id is an error there as on any line */
  static const char *numeric_first[][2] = {{"-1,2\n3,4\n", "'-1'"}, {"1.5,2\n3,4\n", "'1.5'"},
                                           {"99999999999999999999,1\n3,4\n", "'99999999999999999999'"}};
  for (int q = 0; q < 3; q++) {
    write_file(path, numeric_first[q][0]);
    CHECK(read_with(path, SOCAP_IDS_INT, SOCAP_HEADER_DETECT, 0, &el) == SOCAP_ECONFIG);
    snprintf(want, sizeof want, "%s:1: field 1: bad node id %s", path, numeric_first[q][1]);
    CHECK_MSG(strstr(socap_error_message(), want) != NULL, "%s", socap_error_message());
  }
  write_file(path, "node_a,node_b\n3,4\n");
  CHECK(read_with(path, SOCAP_IDS_INT, SOCAP_HEADER_DETECT, 0, &el) == 0 && el.n == 2 && el.m == 1);
  socap_edgelist_free(&el);

  /* --nodes declares integer ids: an error with text ids, explicit or detected */
  write_file(path, "a,b\n");
  CHECK(read_with(path, SOCAP_IDS_TEXT, SOCAP_HEADER_NO, 3, &el) == SOCAP_ECONFIG);
  CHECK(strstr(socap_error_message(), "--nodes") != NULL);
  CHECK(read_with(path, SOCAP_IDS_AUTO, SOCAP_HEADER_NO, 3, &el) == SOCAP_ECONFIG);
  snprintf(want, sizeof want, "%s:1: field 1: node id 'a' is not an integer", path);
  CHECK_MSG(strstr(socap_error_message(), want) && strstr(socap_error_message(), "--nodes"), "%s",
            socap_error_message());

  /* quoted fields (RFC 4180): commas, quotes and outer spaces kept */
  write_file(path, "\"Smith, J.\",\"say \"\"hi\"\"\" ,2\n \" pad \",\"#x\",1\n\"7\",8,1\n");
  CHECK(read_with(path, SOCAP_IDS_TEXT, SOCAP_HEADER_NO, 0, &el) == 0);
  join_ids(&el, ids, sizeof ids);
  CHECK_MSG(strcmp(ids, " pad |#x|7|8|Smith, J.|say \"hi\"") == 0, "%s", ids);
  CHECK(edge_is(&el, 0, "Smith, J.", "say \"hi\"") && el.w[0] == 2.0);
  socap_edgelist_free(&el);
  /* quotes are removed before an id is read as an integer */
  write_file(path, "\"7\",8\n");
  CHECK(read_with(path, SOCAP_IDS_AUTO, SOCAP_HEADER_NO, 0, &el) == 0);
  CHECK(el.name == NULL && el.n == 2 && el.label[0] == 7);
  socap_edgelist_free(&el);

  /* bad lines name file:line and the field */
  static const struct {
    const char *text;
    int line;
    const char *what;
  } bad[] = {
      {"a,b\nc,\n", 2, "field 2: empty node id"},
      {"a,b\n,c\n", 2, "field 1: empty node id"},
      {"a,b\nc,d,0\n", 2, "field 3: weight 0 is not finite"},
      {"a,b\nc,d,x\n", 2, "field 3: bad weight 'x'"},
      {"a,b\nc,d,1,2\n", 2, "expected at most 3 fields"},
      {"a,b\n\"c,d\n", 2, "field 1: bad quoted field"},
      {"a,b\nc,\"d\"e\n", 2, "field 2: bad quoted field"},
      {"a,b\nc,d\n\"x\"\"\n", 3, "field 1: bad quoted field"},
  };
  for (size_t b = 0; b < sizeof bad / sizeof bad[0]; b++) {
    write_file(path, bad[b].text);
    rc = read_with(path, SOCAP_IDS_AUTO, SOCAP_HEADER_NO, 0, &el);
    snprintf(want, sizeof want, "%s:%d: %s", path, bad[b].line, bad[b].what);
    CHECK_MSG(rc == SOCAP_ECONFIG && strstr(socap_error_message(), want), "case %zu: %s", b, socap_error_message());
  }
  FILE *f = fopen(path, "wb");
  if (f) {
    fwrite("a,b\nc\0d,e\n", 1, 10, f);
    fclose(f);
  }
  CHECK(read_with(path, SOCAP_IDS_TEXT, SOCAP_HEADER_NO, 0, &el) == SOCAP_ECONFIG);
  snprintf(want, sizeof want, "%s:2: NUL byte", path);
  CHECK_MSG(strstr(socap_error_message(), want) != NULL, "%s", socap_error_message());
  remove(path);
  remove(path2);
}

static void test_text_ids_groups(const char *dir) {
  char path[256], grp[256], want[600];
  snprintf(path, sizeof path, "%s/t.csv", dir);
  snprintf(grp, sizeof grp, "%s/g.csv", dir);
  socap_edgelist el;
  int32_t gv[4];
  write_file(path, "bob,alice\ncarol,bob\n10\n");
  CHECK(read_with(path, SOCAP_IDS_AUTO, SOCAP_HEADER_NO, 0, &el) == 0);
  CHECK(el.n == 4 && strcmp(el.name[0], "10") == 0 && strcmp(el.name[3], "carol") == 0);
  /* header recognised by its group field; ids matched as strings */
  write_file(grp, "name,group\n\"carol\",7\nalice,1\n10,0\nbob , 2\n");
  CHECK_MSG(socap_groups_read_csv(grp, &el, gv) == 0, "%s", socap_error_message());
  CHECK(gv[0] == 0 && gv[1] == 1 && gv[2] == 2 && gv[3] == 7);
  /* no header: the first line is data */
  write_file(grp, "alice,1\n10,0\nbob,2\ncarol,3\n");
  CHECK(socap_groups_read_csv(grp, &el, gv) == 0 && gv[1] == 1 && gv[3] == 3);
  /* an unknown id, a bad group, a missing node */
  write_file(grp, "id,group\nalice,1\nAlice,2\n");
  CHECK(socap_groups_read_csv(grp, &el, gv) == SOCAP_ECONFIG);
  snprintf(want, sizeof want, "%s:3: field 1: node id 'Alice' is not in the edge list", grp);
  CHECK_MSG(strstr(socap_error_message(), want) != NULL, "%s", socap_error_message());
  write_file(grp, "id,group\nalice,1\nbob,-1\n");
  CHECK(socap_groups_read_csv(grp, &el, gv) == SOCAP_ECONFIG);
  snprintf(want, sizeof want, "%s:3: field 2: bad group '-1'", grp);
  CHECK_MSG(strstr(socap_error_message(), want) != NULL, "%s", socap_error_message());
  write_file(grp, "alice,1\n10,0\nbob,2\n");
  CHECK(socap_groups_read_csv(grp, &el, gv) == SOCAP_ECONFIG);
  CHECK_MSG(strstr(socap_error_message(), "node 'carol' has no group") != NULL, "%s", socap_error_message());
  write_file(grp, "alice,1\n10,0\nbob,2\ncarol,3\nalice,2\n");
  CHECK(socap_groups_read_csv(grp, &el, gv) == SOCAP_ECONFIG);
  snprintf(want, sizeof want, "%s:5: node 'alice' is listed again with group 2 (it had group 1)", grp);
  CHECK_MSG(strstr(socap_error_message(), want) != NULL, "%s", socap_error_message());
  /* a first line without the group field is bad data, not a header */
  write_file(grp, "carol\nalice,1\n10,0\nbob,2\n");
  CHECK(socap_groups_read_csv(grp, &el, gv) == SOCAP_ECONFIG);
  snprintf(want, sizeof want, "%s:1: expected 'id,group'", grp);
  CHECK_MSG(strstr(socap_error_message(), want) != NULL, "%s", socap_error_message());
  write_file(grp, "\"carol,3\nalice,1\n10,0\nbob,2\n");
  CHECK(socap_groups_read_csv(grp, &el, gv) == SOCAP_ECONFIG);
  snprintf(want, sizeof want, "%s:1: field 1: bad quoted field", grp);
  CHECK_MSG(strstr(socap_error_message(), want) != NULL, "%s", socap_error_message());
  socap_edgelist_free(&el);
  remove(path);
  remove(grp);
}

static void test_text_ids_cli(const char *dir) {
  char path[256], out[256], outh5[256], grp[256], part[300];
  snprintf(path, sizeof path, "%s/t.csv", dir);
  snprintf(out, sizeof out, "%s/nodes.csv", dir);
  snprintf(outh5, sizeof outh5, "%s/nodes.h5", dir);
  snprintf(grp, sizeof grp, "%s/g.csv", dir);
  snprintf(part, sizeof part, "%s.part", out);

  /* a triangle of names that need quoting, and a declared isolate */
  write_file(path, "src,dst,w\n\"a,b\",\"q\"\"x\",1\n\"q\"\"x\",plain,1\nplain,\"a,b\",1\n\" sp\"\n");
  write_file(grp, "id,group\n\"a,b\",0\n\"q\"\"x\",1\nplain,1\n\" sp\",2\n");
  char *argv[] = {"metrics", path, "-o", out, "--quiet", "--header", "--groups", grp};
  CHECK_MSG(socap_metrics_main(8, argv) == 0, "%s", socap_error_message());
  char *text = slurp(out);
  CHECK_MSG(text && strcmp(text, "id,degree,strength,support,constraint,eff_size,efficiency,clustering,reach2,"
                                 "n_groups,blau\n"
                                 "\" sp\",0,0,0,NaN,NaN,NaN,NaN,0,0,NaN\n"
                                 "\"a,b\",2,2,2,1.125,1,0.5,1,2,1,0\n"
                                 "plain,2,2,2,1.125,1,0.5,1,2,2,0.5\n"
                                 "\"q\"\"x\",2,2,2,1.125,1,0.5,1,2,2,0.5\n") == 0,
            "%s", text ? text : "(none)");
  free(text);

  /* HDF5: /nodes/id is a fixed-length UTF-8 string column, listed first */
  char *argv_h5[] = {"metrics", path, "-o", outh5, "--quiet", "--header", "--ids", "text"};
  CHECK_MSG(socap_metrics_main(8, argv_h5) == 0, "%s", socap_error_message());
  hid_t f = H5Fopen(outh5, H5F_ACC_RDONLY, H5P_DEFAULT);
  CHECK(f >= 0);
  if (f >= 0) {
    hid_t d = H5Dopen2(f, "/nodes/id", H5P_DEFAULT);
    hid_t t = H5Dget_type(d);
    CHECK(H5Tget_class(t) == H5T_STRING && H5Tis_variable_str(t) == 0 && H5Tget_cset(t) == H5T_CSET_UTF8);
    size_t width = H5Tget_size(t);
    CHECK(width == 5);
    hid_t sp = H5Dget_space(d);
    hssize_t rows = H5Sget_simple_extent_npoints(sp);
    CHECK(rows == 4);
    char buf[4][6];
    memset(buf, 0, sizeof buf);
    hid_t mt = H5Tcopy(H5T_C_S1);
    H5Tset_size(mt, 6);
    H5Tset_strpad(mt, H5T_STR_NULLTERM);
    H5Tset_cset(mt, H5T_CSET_UTF8);
    CHECK(H5Dread(d, mt, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf) >= 0);
    CHECK(strcmp(buf[0], " sp") == 0 && strcmp(buf[1], "a,b") == 0 && strcmp(buf[2], "plain") == 0 &&
          strcmp(buf[3], "q\"x") == 0);
    H5Tclose(mt);
    H5Sclose(sp);
    H5Tclose(t);
    H5Dclose(d);
    /* the metric columns are unchanged: degree of "plain" */
    int32_t deg[4] = {-1, -1, -1, -1};
    d = H5Dopen2(f, "/nodes/degree", H5P_DEFAULT);
    CHECK(H5Dread(d, H5T_NATIVE_INT32, H5S_ALL, H5S_ALL, H5P_DEFAULT, deg) >= 0);
    CHECK(deg[0] == 0 && deg[2] == 2);
    H5Dclose(d);
    /* `columns` lists id first */
    hid_t g = H5Gopen2(f, "/nodes", H5P_DEFAULT);
    hid_t a = H5Aopen(g, "columns", H5P_DEFAULT);
    hid_t at = H5Aget_type(a), as = H5Aget_space(a);
    size_t aw = H5Tget_size(at);
    hssize_t na = H5Sget_simple_extent_npoints(as);
    char *cols = calloc((size_t)na, aw);
    CHECK(cols && H5Aread(a, at, cols) >= 0);
    CHECK(na == 11 && cols && strcmp(cols, "id") == 0 && strcmp(cols + aw, "degree") == 0);
    free(cols);
    H5Sclose(as);
    H5Tclose(at);
    H5Aclose(a);
    H5Gclose(g);
    H5Fclose(f);
  }
  /* integer ids keep an integer id column */
  write_file(path, "0,1\n1,2\n");
  char *argv_h5i[] = {"metrics", path, "-o", outh5, "--quiet", "--force"};
  CHECK(socap_metrics_main(6, argv_h5i) == 0);
  f = H5Fopen(outh5, H5F_ACC_RDONLY, H5P_DEFAULT);
  if (f >= 0) {
    hid_t d = H5Dopen2(f, "/nodes/id", H5P_DEFAULT);
    hid_t t = H5Dget_type(d);
    CHECK(H5Tget_class(t) == H5T_INTEGER && H5Tget_size(t) == 4);
    H5Tclose(t);
    H5Dclose(d);
    H5Fclose(f);
  }

  /* errors exit 2 and leave an existing output untouched (no .part) */
  write_file(out, "old\n");
  write_file(path, "alice,bob\nbob,carol\n");
  char *argv_nohdr[] = {"metrics", path, "-o", out, "--quiet", "--force"};
  CHECK(socap_metrics_main(6, argv_nohdr) == SOCAP_ECONFIG);
  CHECK(strstr(socap_error_message(), "--no-header") != NULL);
  char *argv_nodes[] = {"metrics", path, "-o", out, "--quiet", "--force", "--ids", "text", "--nodes", "3"};
  CHECK(socap_metrics_main(10, argv_nodes) == SOCAP_ECONFIG);
  CHECK(strstr(socap_error_message(), "--nodes") != NULL);
  char *argv_nodes_auto[] = {"metrics", path, "-o", out, "--quiet", "--force", "--no-header", "--nodes", "3"};
  CHECK(socap_metrics_main(9, argv_nodes_auto) == SOCAP_ECONFIG);
  char *argv_both[] = {"metrics", path, "-o", out, "--force", "--header", "--no-header"};
  CHECK(socap_metrics_main(7, argv_both) == SOCAP_ECONFIG);
  char *argv_ids[] = {"metrics", path, "-o", out, "--force", "--ids", "names"};
  CHECK(socap_metrics_main(7, argv_ids) == SOCAP_ECONFIG);
  char h5in[300];
  snprintf(h5in, sizeof h5in, "%s:/network/step_000001", outh5);
  char *argv_h5text[] = {"metrics", h5in, "-o", out, "--force", "--ids", "text"};
  CHECK(socap_metrics_main(7, argv_h5text) == SOCAP_ECONFIG);
  write_file(grp, "alice,1\nbob,1\ndave,2\n");
  char *argv_grp[] = {"metrics", path, "-o", out, "--quiet", "--force", "--no-header", "--groups", grp};
  CHECK(socap_metrics_main(9, argv_grp) == SOCAP_ECONFIG);
  CHECK(strstr(socap_error_message(), ":3: field 1: node id 'dave' is not in the edge list") != NULL);
  text = slurp(out);
  CHECK(text && strcmp(text, "old\n") == 0);
  free(text);
  CHECK(access(part, F_OK) != 0);
  remove(out);
  remove(outh5);
  remove(path);
  remove(grp);
}

/* Many names, several rehashes of the intern table: text ids "v<id>" give
 * the same ties as the integer ids they were made from. */
static void test_text_ids_many(const char *dir) {
  char ipath[256], tpath[256];
  snprintf(ipath, sizeof ipath, "%s/int.csv", dir);
  snprintf(tpath, sizeof tpath, "%s/text.csv", dir);
  FILE *fi = fopen(ipath, "w"), *ft = fopen(tpath, "w");
  if (!fi || !ft) abort();
  gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
  gsl_rng_set(r, 11);
  const int64_t m = 200000;
  for (int64_t e = 0; e < m; e++) {
    unsigned long u = gsl_rng_uniform_int(r, 60000), v = gsl_rng_uniform_int(r, 60000);
    fprintf(fi, "%lu,%lu\n", u, v);
    fprintf(ft, "v%lu,v%lu\n", u, v);
  }
  fclose(fi);
  fclose(ft);
  gsl_rng_free(r);
  socap_edgelist ei, et;
  CHECK(read_with(ipath, SOCAP_IDS_AUTO, SOCAP_HEADER_DETECT, 0, &ei) == 0);
  CHECK(read_with(tpath, SOCAP_IDS_AUTO, SOCAP_HEADER_NO, 0, &et) == 0);
  CHECK(ei.label && et.name && ei.n == et.n && ei.m == m && et.m == m);
  int ok = 1;
  char buf[32];
  for (int64_t e = 0; ok && e < m && ei.n == et.n; e++) {
    snprintf(buf, sizeof buf, "v%lld", (long long)ei.label[ei.src[e]]);
    ok = strcmp(buf, et.name[et.src[e]]) == 0;
    snprintf(buf, sizeof buf, "v%lld", (long long)ei.label[ei.dst[e]]);
    ok = ok && strcmp(buf, et.name[et.dst[e]]) == 0;
  }
  CHECK(ok);
  for (int32_t i = 1; i < et.n; i++) ok = ok && strcmp(et.name[i - 1], et.name[i]) < 0;
  CHECK(ok);
  socap_edgelist_free(&ei);
  socap_edgelist_free(&et);
  remove(ipath);
  remove(tpath);
}

static void test_text_ids(void) {
  char dir[] = "/tmp/socap_test_metrics_text_XXXXXX";
  if (!mkdtemp(dir)) abort();
  test_text_ids_read(dir);
  test_text_ids_groups(dir);
  test_text_ids_cli(dir);
  test_text_ids_many(dir);
  rmdir(dir);
}

/* Generator for the oracle test. */
static int write_graph(const char *path, int32_t n, unsigned long seed, int unit) {
  edges e = {0};
  int32_t *group = malloc(sizeof *group * (size_t)n);
  random_graph(&e, n, seed, unit, group);
  FILE *f = fopen(path, "w");
  if (!f) return 3;
  fprintf(f, "# clustered weighted random graph, n=%d seed=%lu; isolates declared by single ids\nsrc,dst,w\n", (int)n,
          seed);
  for (int64_t k = 0; k < e.m; k++) fprintf(f, "%d,%d,%.17g\n", (int)e.u[k], (int)e.v[k], e.w[k]);
  /* conventions: a duplicate (summed) and a self loop (dropped) */
  if (e.m > 2) {
    fprintf(f, "%d,%d,%.17g\n", (int)e.v[1], (int)e.u[1], 0.25);
    fprintf(f, "%d,%d,1\n", (int)e.u[2], (int)e.u[2]);
  }
  for (int32_t i = 0; i < n; i++) fprintf(f, "%d\n", (int)i);
  fclose(f);
  char gpath[1024];
  snprintf(gpath, sizeof gpath, "%s.groups.csv", path);
  f = fopen(gpath, "w");
  if (!f) return 3;
  fputs("id,group\n", f);
  for (int32_t i = 0; i < n; i++) fprintf(f, "%d,%d\n", (int)i, (int)(group[i] % 7));
  fclose(f);
  free(group);
  edges_free(&e);
  return 0;
}

int main(int argc, char **argv) {
  /* stand-in for `socap metrics ...` so the oracle does not need the CLI */
  if (argc >= 2 && strcmp(argv[1], "metrics") == 0) return socap_metrics_main(argc - 1, argv + 1);
  if (argc >= 5 && strcmp(argv[1], "--write-graph") == 0)
    return write_graph(argv[2], (int32_t)atoi(argv[3]), strtoul(argv[4], NULL, 10),
                       argc >= 6 && strcmp(argv[5], "unit") == 0);
  test_graph_build();
  test_closed_form_cliques();
  test_closed_form_small();
  test_hand_graph();
  test_betweenness();
  test_threads_identical();
  test_simd_identical();
  test_mark_reset();
  test_overlap_star();
  test_io();
  test_text_ids();
  CHECK_DONE();
}
