/* Model tests: tie-store invariants after every step of randomized runs,
 * decay and maintenance against closed forms, each mechanism shown to act,
 * exact checks in small built worlds (information counters, reactivation
 * order, introductions, turnover's counters), the population set-up (group
 * sizes, cohort counts), and thread-count independence of the whole tie
 * store. */
#include <math.h>
#include <omp.h>
#include <stddef.h>
#include <string.h>

#include "check.h"
#include "socap/error.h"
#include "socap/metrics.h" /* socap_set_simd */
#include "socap/model.h"
#include "socap/rng.h"

static socap_params base(int n, uint64_t seed) {
  socap_params p;
  socap_params_default(&p);
  p.n_agents = n;
  p.group_size = 25;
  p.seed = seed;
  p.info_items = 20;
  p.n_cohorts = 6;
  const char *names[6] = {"broad_active", "selective_active", "broad_dormant", "selective_dormant", "broker", "passive"};
  for (int k = 0; k < 6; k++) {
    socap_cohort *c = &p.cohorts[k];
    snprintf(c->name, sizeof c->name, "c%d", k);
    snprintf(c->strategy_name, sizeof c->strategy_name, "%s", names[k]);
    c->share = k < 5 ? 0.17 : 0.15;
    c->time_budget = 6;
    c->skill = 0.8;
    c->propensity = 0.9;
  }
  char err[256];
  if (socap_params_check(&p, err, sizeof err)) { fprintf(stderr, "params: %s\n", err); exit(2); }
  return p;
}

/* Invariants after every step, with tight limits so that displacement,
 * dormancy and forgetting all happen; with and without turnover. */
static void test_invariants(void) {
  for (int variant = 0; variant < 4; variant++) {
    socap_params p = base(300, 11 + variant);
    p.steps = 60;
    if (variant & 1) { p.dunbar_limit = 6; p.dormant_limit = 4; p.half_life = 4; }
    if (variant & 2) p.p_leave = 0.02;
    socap_model *m = NULL;
    CHECK(socap_model_create(&p, (uint64_t)variant, &m) == SOCAP_OK);
    char err[512] = "";
    int bad = 0, maxa = 0, maxd = 0;
    for (int t = 0; t < p.steps && !bad; t++) {
      CHECK(socap_model_step(m) == SOCAP_OK);
      if (socap_model_check(m, err, sizeof err)) { bad = 1; fprintf(stderr, "step %d: %s\n", t + 1, err); }
      int64_t sa = 0, sd = 0;
      for (int32_t i = 0; i < p.n_agents; i++) {
        int32_t a, d;
        socap_model_degree(m, i, &a, &d);
        if (a > maxa) maxa = a;
        if (d > maxd) maxd = d;
        sa += a;
        sd += d;
      }
      /* The counters account for every tie: active ties are those formed or
       * revived, less those gone dormant or ended by turnover; dormant ties
       * are those gone dormant, less those revived or forgotten. */
      socap_counters c;
      socap_model_counters(m, &c, NULL);
      const int64_t formed = c.formed[0] + c.formed[1] + c.formed[2] + c.formed[3];
      if (formed - c.went_dormant - c.ended_by_turnover != sa / 2 || c.went_dormant - c.revived - c.forgotten != sd / 2) {
        bad = 1;
        snprintf(err, sizeof err, "step %d: counters do not balance: formed %lld, went dormant %lld, ended by turnover %lld, "
                 "active %lld; revived %lld, forgotten %lld, dormant %lld", t + 1, (long long)formed,
                 (long long)c.went_dormant, (long long)c.ended_by_turnover, (long long)(sa / 2), (long long)c.revived,
                 (long long)c.forgotten, (long long)(sd / 2));
      }
    }
    CHECK_MSG(!bad, "variant %d: %s", variant, err);
    socap_counters tot;
    socap_model_counters(m, &tot, NULL);
    if (variant & 1) {
      /* the limits were actually reached and enforced */
      CHECK(maxa == p.dunbar_limit);
      CHECK(maxd == p.dormant_limit);
      CHECK(tot.displaced > 0);
      CHECK(tot.forgotten > 0);
    }
    if (variant & 2) CHECK(tot.left > 0 && tot.ended_by_turnover > 0);
    if (variant & 1) CHECK(tot.went_dormant > 0);
    socap_model_free(m);
  }
}

/* A two-agent world with no encounters: only decay and maintenance act. */
static socap_model *pair_world(double maintain, double focus, double T, int n) {
  socap_params p;
  socap_params_default(&p);
  p.n_agents = n;
  p.group_size = n;
  p.mu_in = p.mu_out = 0;
  p.info_items = 0;
  socap_strategy *s = &p.strategies[0];
  s->explore = 1 - maintain; s->maintain = maintain; s->reactivate = 0; s->broker = 0; s->focus = focus;
  p.cohorts[0].time_budget = T;
  p.cohorts[0].propensity = 1;
  p.cohorts[0].skill = 1;
  p.cost_meet = 1e6; /* events: Poisson(~0) */
  char err[256];
  if (socap_params_check(&p, err, sizeof err)) { fprintf(stderr, "%s\n", err); exit(2); }
  socap_model *m = NULL;
  if (socap_model_create(&p, 0, &m)) exit(1);
  return m;
}

static double tie_w(socap_model *m, int i, int j, int *state) {
  socap_tie_info t[16];
  int32_t k = socap_model_ties(m, i, t, 16);
  for (int32_t x = 0; x < k && x < 16; x++)
    if (t[x].nbr == j) { if (state) *state = t[x].state; return t[x].w; }
  if (state) *state = -1;
  return -1;
}

static void test_decay_closed_form(void) {
  socap_model *m = pair_world(0.0, 0.0, 0.0, 2);
  const socap_params *p = socap_model_params(m);
  double lambda = log(2.0) / p->half_life;
  double w0 = 0.8;
  CHECK(socap_model_test_add_tie(m, 0, 1, w0, SOCAP_ORIGIN_WORK) == SOCAP_OK);
  double wf = (double)(float)w0;
  /* first step at which w0 exp(-lambda t) < theta */
  int tstar = (int)ceil(log(wf / p->theta_dormant) / lambda);
  if (wf * exp(-lambda * tstar) >= p->theta_dormant) tstar++;
  int ok_decay = 1, state = 0;
  for (int t = 1; t <= tstar + 3; t++) {
    socap_model_step(m);
    double w = tie_w(m, 0, 1, &state);
    int expect_state = t < tstar ? SOCAP_TIE_ACTIVE : SOCAP_TIE_DORMANT;
    if (state != expect_state) { ok_decay = 0; fprintf(stderr, "t=%d state %d expected %d\n", t, state, expect_state); }
    if (t < tstar && fabs(w - wf * exp(-lambda * t)) > 1e-6 * wf) {
      ok_decay = 0;
      fprintf(stderr, "t=%d w=%.9g expected %.9g\n", t, w, wf * exp(-lambda * t));
    }
    if (t == 26) CHECK_CLOSE(w, wf / 2, 1e-6); /* the half-life is 26 steps */
  }
  CHECK(ok_decay);
  /* float(0.8) -> 0.05 at half-life 26 takes four half-lives (104 steps) and a bit */
  CHECK(tstar == 105);
  socap_model_free(m);
}

static void test_maintenance_closed_form(void) {
  /* Both ends give their whole budget T=1.5h to their only tie: h = 3h. */
  socap_model *m = pair_world(1.0, 0.0, 1.5, 2);
  const socap_params *p = socap_model_params(m);
  double lambda = log(2.0) / p->half_life;
  CHECK(socap_model_test_add_tie(m, 0, 1, 0.3, SOCAP_ORIGIN_WORK) == SOCAP_OK);
  double w = (double)(float)0.3;
  for (int t = 1; t <= 5; t++) {
    socap_model_step(m);
    w = w * exp(-lambda);
    w = w + (1 - w) * (1 - exp(-3.0 / p->tau));
    w = (double)(float)w;
    CHECK_CLOSE(tie_w(m, 0, 1, NULL), w, 1e-6);
    CHECK_CLOSE(tie_w(m, 1, 0, NULL), w, 0); /* both ends see the same strength */
  }
  socap_model_free(m);

  /* Focus: agent 0 splits T=2h over ties of strength 0.8 and 0.2 as w^2;
   * agents 1 and 2 give 2h each to their only tie. */
  m = pair_world(1.0, 2.0, 2.0, 3);
  p = socap_model_params(m);
  CHECK(socap_model_test_add_tie(m, 0, 1, 0.8, SOCAP_ORIGIN_WORK) == SOCAP_OK);
  CHECK(socap_model_test_add_tie(m, 0, 2, 0.2, SOCAP_ORIGIN_WORK) == SOCAP_OK);
  socap_model_step(m);
  double wa = (double)(float)0.8 * exp(-lambda), wb = (double)(float)0.2 * exp(-lambda);
  double den = wa * wa + wb * wb;
  double ha = 2.0 * wa * wa / den + 2.0, hb = 2.0 * wb * wb / den + 2.0;
  CHECK_CLOSE(tie_w(m, 0, 1, NULL), wa + (1 - wa) * (1 - exp(-ha / p->tau)), 1e-6);
  CHECK_CLOSE(tie_w(m, 0, 2, NULL), wb + (1 - wb) * (1 - exp(-hb / p->tau)), 1e-6);
  socap_model_free(m);

  /* The same with focus 1.5, an exponent without a shortcut (pow): the
   * maintenance pass must not take the branch-free form for 0, 1 and 2. */
  m = pair_world(1.0, 1.5, 2.0, 3);
  p = socap_model_params(m);
  CHECK(socap_model_test_add_tie(m, 0, 1, 0.8, SOCAP_ORIGIN_WORK) == SOCAP_OK);
  CHECK(socap_model_test_add_tie(m, 0, 2, 0.2, SOCAP_ORIGIN_WORK) == SOCAP_OK);
  socap_model_step(m);
  den = pow(wa, 1.5) + pow(wb, 1.5);
  ha = 2.0 * pow(wa, 1.5) / den + 2.0;
  hb = 2.0 * pow(wb, 1.5) / den + 2.0;
  CHECK_CLOSE(tie_w(m, 0, 1, NULL), wa + (1 - wa) * (1 - exp(-ha / p->tau)), 1e-6);
  CHECK_CLOSE(tie_w(m, 0, 2, NULL), wb + (1 - wb) * (1 - exp(-hb / p->tau)), 1e-6);
  socap_model_free(m);
}

static socap_counters run_counts(socap_params *p, int steps, socap_model **keep) {
  socap_model *m = NULL;
  socap_counters tot;
  memset(&tot, 0, sizeof tot);
  if (socap_model_create(p, 0, &m)) return tot;
  for (int t = 0; t < steps; t++) socap_model_step(m);
  socap_model_counters(m, &tot, NULL);
  if (keep) *keep = m;
  else socap_model_free(m);
  return tot;
}

static void one_strategy(socap_params *p, const char *name) {
  p->n_cohorts = 1;
  snprintf(p->cohorts[0].strategy_name, sizeof p->cohorts[0].strategy_name, "%s", name);
  p->cohorts[0].share = 1;
  char err[256];
  if (socap_params_check(p, err, sizeof err)) { fprintf(stderr, "%s\n", err); exit(2); }
}

static void test_mechanisms(void) {
  /* Brokers produce introduced ties, and only brokers do. */
  socap_params p = base(400, 5);
  one_strategy(&p, "broker");
  socap_model *m = NULL;
  socap_counters c = run_counts(&p, 30, &m);
  CHECK(c.formed[SOCAP_ORIGIN_INTRO] > 0);
  int intro_ties = 0;
  socap_tie_info buf[512];
  for (int i = 0; i < p.n_agents; i++) {
    int32_t k = socap_model_ties(m, i, buf, 512);
    for (int32_t x = 0; x < k && x < 512; x++) intro_ties += buf[x].origin == SOCAP_ORIGIN_INTRO;
  }
  CHECK(intro_ties > 0);
  socap_model_free(m);
  p = base(400, 5);
  one_strategy(&p, "broad_active");
  c = run_counts(&p, 30, NULL);
  CHECK(c.formed[SOCAP_ORIGIN_INTRO] == 0);
  CHECK(c.formed[SOCAP_ORIGIN_EVENT] > 0 && c.formed[SOCAP_ORIGIN_WORK] > 0);

  /* Dormant strategies revive ties; active ones never do. Short half-life so
   * that ties go dormant within the run. */
  p = base(400, 6);
  p.half_life = 3;
  one_strategy(&p, "broad_dormant");
  p.cohorts[0].time_budget = 1.5; /* too little maintenance to keep every tie */
  c = run_counts(&p, 40, NULL);
  printf("broad_dormant: formed %lld/%lld/%lld/%lld dormant %lld revived %lld proposals %lld rejected %lld\n", (long long)c.formed[0], (long long)c.formed[1], (long long)c.formed[2], (long long)c.formed[3], (long long)c.went_dormant, (long long)c.revived, (long long)c.proposals, (long long)c.rejected);
  CHECK(c.revived > 0 && c.formed[SOCAP_ORIGIN_REACT] == c.revived);
  p = base(400, 6);
  p.half_life = 3;
  one_strategy(&p, "broad_active");
  p.cohorts[0].time_budget = 1.5;
  c = run_counts(&p, 40, NULL);
  CHECK(c.revived == 0 && c.went_dormant > 0);

  /* Selective agents reject more contacts than broad ones. */
  p = base(400, 7);
  one_strategy(&p, "broad_active");
  socap_counters cb = run_counts(&p, 20, NULL);
  p.strategies[0].selectivity = 0.9;
  socap_counters cs = run_counts(&p, 20, NULL);
  double rb = (double)cb.rejected / cb.proposals, rs = (double)cs.rejected / cs.proposals;
  CHECK_MSG(rs > rb + 0.2, "rejection share broad %.3f selective %.3f", rb, rs);
  /* With skill 1 and selectivity 0 nobody rejects (capacity not reached). */
  p = base(200, 8);
  one_strategy(&p, "broad_active");
  p.cohorts[0].skill = 1;
  cb = run_counts(&p, 3, NULL);
  CHECK(cb.proposals > 0 && cb.rejected == 0);

  /* Turnover removes every tie when everyone leaves. */
  p = base(200, 9);
  p.p_leave = 1.0;
  c = run_counts(&p, 1, &m);
  CHECK(c.left == 200);
  int any = 0;
  for (int i = 0; i < p.n_agents; i++) { int32_t a, d; socap_model_degree(m, i, &a, &d); any += a + d; }
  CHECK(any == 0);
  socap_model_free(m);
  /* Information flows only over ties. */
  p = base(300, 10);
  c = run_counts(&p, 10, NULL);
  CHECK(c.info_received > 0);
}

/* ---- exact tests of single mechanisms in small built worlds ---------------- */

/* A quiet world: no work encounters, events, information or turnover unless
 * a test turns them on, and one extra strategy "t" (all time to maintenance
 * until the test changes it) shared by two cohorts: "on" (propensity 1) and
 * "off" (propensity 0: spends no time at all, so has no maintenance, events,
 * introductions or reactivations). Skill 1, so every judged proposal passes
 * the skill test. The cohorts are shuffled over the agents: tests find the
 * members of each with cohort_members(). */
static socap_params quiet(int n, int group_size, uint64_t seed, double share_on) {
  socap_params p;
  socap_params_default(&p);
  p.n_agents = n;
  p.group_size = group_size;
  p.seed = seed;
  p.mu_in = p.mu_out = 0;
  p.info_items = 0;
  socap_strategy *s = &p.strategies[p.n_strategies++];
  memset(s, 0, sizeof *s);
  snprintf(s->name, sizeof s->name, "t");
  s->defined = 1;
  s->maintain = 1;
  p.n_cohorts = 2;
  for (int k = 0; k < 2; k++) {
    socap_cohort *c = &p.cohorts[k];
    memset(c, 0, sizeof *c);
    snprintf(c->name, sizeof c->name, "%s", k ? "off" : "on");
    snprintf(c->strategy_name, sizeof c->strategy_name, "t");
    c->share = k ? 1 - share_on : share_on;
    c->time_budget = 1;
    c->skill = 1;
    c->propensity = k ? 0 : 1;
  }
  return p;
}

static socap_strategy *tstrat(socap_params *p) { return &p->strategies[p->n_strategies - 1]; }

static socap_model *make_model(socap_params *p) {
  char err[256];
  if (socap_params_check(p, err, sizeof err)) { fprintf(stderr, "params: %s\n", err); exit(2); }
  socap_model *m = NULL;
  if (socap_model_create(p, 0, &m) != SOCAP_OK) exit(1);
  return m;
}

/* The members of cohort k in id order; returns their number. */
static int cohort_members(const socap_model *m, int k, int32_t *out, int cap) {
  socap_agents_view v = socap_model_agents(m);
  int c = 0;
  for (int32_t i = 0; i < v.n; i++)
    if (v.cohort[i] == k && c < cap) out[c++] = i;
  return c;
}

/* Tie (i,j) as seen from i; 0 if there is none. */
static int get_tie(const socap_model *m, int32_t i, int32_t j, socap_tie_info *out) {
  socap_tie_info t[64];
  int32_t k = socap_model_ties(m, i, t, 64);
  for (int32_t x = 0; x < k && x < 64; x++)
    if (t[x].nbr == j) { *out = t[x]; return 1; }
  return 0;
}

/* Expected information counters of one step when every pass succeeds
 * (p_pass w = 1): item c's origin is the first draw of its stream (ODD 3.6:
 * purpose information, agent word = item index), and every other agent within
 * H hops of the origin over the edges of adj receives it once, at its
 * shortest-path distance; the origin does not count. A plain BFS, written
 * independently of the model's cascade. */
#define IW_MAX 16
typedef struct { uint32_t total, outside; uint64_t hops; } info_exp;
static void expect_info(const socap_params *p, int t, int n, unsigned char adj[IW_MAX][IW_MAX], const int32_t *group,
                        int H, info_exp *e) {
  int dist[IW_MAX][IW_MAX];
  for (int s = 0; s < n; s++) {
    int q[IW_MAX], qh = 0, qt = 0;
    for (int j = 0; j < n; j++) dist[s][j] = -1;
    dist[s][s] = 0;
    q[qt++] = s;
    while (qh < qt) {
      int u = q[qh++];
      for (int v = 0; v < n; v++)
        if (adj[u][v] && dist[s][v] < 0) { dist[s][v] = dist[s][u] + 1; q[qt++] = v; }
    }
  }
  memset(e, 0, sizeof *e * (size_t)n);
  gsl_rng *r = gsl_rng_alloc(socap_rng_philox);
  for (int c = 0; c < p->info_items; c++) {
    socap_rng_stream(r, p->seed, 0, (uint32_t)c, (uint32_t)t, SOCAP_RNG_INFO);
    int src = (int)gsl_rng_uniform_int(r, (unsigned long)n);
    for (int j = 0; j < n; j++) {
      int d = dist[src][j];
      if (j == src || d < 0 || d > H) continue;
      e[j].total++;
      e[j].hops += (uint64_t)d;
      e[j].outside += group[j] != group[src];
    }
  }
  gsl_rng_free(r);
}

/* Did agent i leave at step t (turnover draw, ODD 3.6: purpose turnover)? */
static int leaves(const socap_params *p, int32_t i, int t) {
  gsl_rng *r = gsl_rng_alloc(socap_rng_philox);
  socap_rng_stream(r, p->seed, 0, (uint32_t)i, (uint32_t)t, SOCAP_RNG_TURNOVER);
  int x = gsl_rng_uniform(r) < p->p_leave;
  gsl_rng_free(r);
  return x;
}

/* The 8-agent information world: two groups of 4 ({0..3}, {4..7}); "on"
 * agents maintain with tau = 1e-6 h, so every tie with an "on" end is back at
 * w = 1 exactly before the cascades (and a pass, u < p_pass w 2^32 with a
 * 32-bit u, is certain with p_pass = 1); ties between two "off" agents get
 * no time and, with half-life 1, go dormant in step 1 (0.06 -> 0.03).
 * Built: the path on0-off0-on1-off1-on2-off2-on3-off3 (7 active ties) and
 * the shortcuts off0-off3, off1-off3 (2 dormant ties). adj gets the active
 * ties, adj_all all of them. */
static socap_model *info_world(socap_params *p, int32_t *group, unsigned char adj[IW_MAX][IW_MAX],
                               unsigned char adj_all[IW_MAX][IW_MAX]) {
  socap_model *m = make_model(p);
  int32_t on[4], off[4];
  CHECK(cohort_members(m, 0, on, 4) == 4 && cohort_members(m, 1, off, 4) == 4);
  const int32_t path[8] = {on[0], off[0], on[1], off[1], on[2], off[2], on[3], off[3]};
  memset(adj, 0, IW_MAX * IW_MAX);
  memset(adj_all, 0, IW_MAX * IW_MAX);
  for (int k = 0; k + 1 < 8; k++) {
    CHECK(socap_model_test_add_tie(m, path[k], path[k + 1], 0.06, SOCAP_ORIGIN_WORK) == SOCAP_OK);
    adj[path[k]][path[k + 1]] = adj[path[k + 1]][path[k]] = 1;
  }
  memcpy(adj_all, adj, IW_MAX * IW_MAX);
  const int32_t sc[2][2] = {{off[0], off[3]}, {off[1], off[3]}};
  for (int k = 0; k < 2; k++) {
    CHECK(socap_model_test_add_tie(m, sc[k][0], sc[k][1], 0.06, SOCAP_ORIGIN_WORK) == SOCAP_OK);
    adj_all[sc[k][0]][sc[k][1]] = adj_all[sc[k][1]][sc[k][0]] = 1;
  }
  socap_agents_view v = socap_model_agents(m);
  memcpy(group, v.group, sizeof(int32_t) * 8);
  return m;
}

/* Counters c hold the totals tot and the window win. */
static int info_equal(const socap_info_counts *c, const info_exp *tot, const info_exp *win) {
  return c->total == tot->total && c->outside == tot->outside && c->hops == tot->hops && c->window == win->total &&
         c->outside_window == win->outside;
}

/* Information counters, exactly: first receipts (total and window), hops
 * summed over first receipts, items from another group's origin, the hop
 * limit, no passing over dormant ties, the origin not counting itself; the
 * window reset leaves the totals alone; a leaver's counters are zeroed while
 * a stayer's are kept; and turnover's tie counters balance exactly. */
static void test_info_counters(void) {
  socap_params p = quiet(8, 4, 21, 0.5);
  p.half_life = 1;
  p.tau = 1e-6;
  p.p_pass = 1;
  p.info_hops = 2;
  p.info_items = 12;
  int32_t group[8];
  unsigned char adj[IW_MAX][IW_MAX], adj_all[IW_MAX][IW_MAX];
  socap_model *m = info_world(&p, group, adj, adj_all);
  CHECK(group[0] == 0 && group[3] == 0 && group[4] == 1 && group[7] == 1); /* two equal groups of 4 */
  CHECK(socap_model_step(m) == SOCAP_OK);
  /* the world is as designed: active ties at w = 1 exactly, the others dormant */
  int design_ok = 1;
  for (int32_t i = 0; i < 8; i++)
    for (int32_t j = 0; j < 8; j++) {
      if (!adj_all[i][j]) continue;
      socap_tie_info ti;
      if (!get_tie(m, i, j, &ti)) { design_ok = 0; continue; }
      if (adj[i][j] ? (ti.state != SOCAP_TIE_ACTIVE || ti.w != 1.0) : ti.state != SOCAP_TIE_DORMANT) design_ok = 0;
    }
  CHECK_MSG(design_ok, "the information world is not as designed");
  info_exp e1[8], e2[8], x[8];
  expect_info(&p, 1, 8, adj, group, p.info_hops, e1);
  /* the expectation exercises what it should: receipts from both groups, at
   * hop 2, and it would differ without the hop limit or with the dormant
   * shortcuts passing */
  uint32_t sum_tot = 0, sum_out = 0;
  uint64_t sum_hops = 0;
  for (int i = 0; i < 8; i++) { sum_tot += e1[i].total; sum_out += e1[i].outside; sum_hops += e1[i].hops; }
  CHECK(sum_out > 0 && sum_out < sum_tot && sum_hops > sum_tot);
  expect_info(&p, 1, 8, adj, group, 7, x);
  int differs = 0;
  for (int i = 0; i < 8; i++) differs += x[i].total != e1[i].total;
  CHECK_MSG(differs > 0, "the hop limit does not matter in this world (choose another seed)");
  expect_info(&p, 1, 8, adj_all, group, p.info_hops, x);
  differs = 0;
  for (int i = 0; i < 8; i++) differs += x[i].total != e1[i].total || x[i].hops != e1[i].hops;
  CHECK_MSG(differs > 0, "the dormant shortcuts do not matter in this world (choose another seed)");

  socap_agents_view v = socap_model_agents(m);
  socap_counters tot, last;
  socap_model_counters(m, &tot, &last);
  CHECK(last.info_received == (int64_t)sum_tot);
  for (int i = 0; i < 8; i++)
    CHECK_MSG(info_equal(&v.info[i], &e1[i], &e1[i]),
              "step 1 agent %d: total %u window %u outside %u outside_window %u hops %llu; expected total %u "
              "outside %u hops %llu", i, v.info[i].total, v.info[i].window, v.info[i].outside, v.info[i].outside_window,
              (unsigned long long)v.info[i].hops, e1[i].total, e1[i].outside, (unsigned long long)e1[i].hops);
  /* the window reset clears the window counters only */
  socap_model_reset_window(m);
  info_exp zero[8];
  memset(zero, 0, sizeof zero);
  for (int i = 0; i < 8; i++) CHECK_MSG(info_equal(&v.info[i], &e1[i], &zero[i]), "after the reset, agent %d", i);
  /* step 2: the window holds step 2's receipts, the totals both steps' */
  CHECK(socap_model_step(m) == SOCAP_OK);
  expect_info(&p, 2, 8, adj, group, p.info_hops, e2);
  for (int i = 0; i < 8; i++) {
    info_exp both = {e1[i].total + e2[i].total, e1[i].outside + e2[i].outside, e1[i].hops + e2[i].hops};
    CHECK_MSG(info_equal(&v.info[i], &both, &e2[i]),
              "step 2 agent %d: total %u window %u outside %u outside_window %u hops %llu; expected total %u window "
              "%u outside %u/%u hops %llu", i, v.info[i].total, v.info[i].window, v.info[i].outside,
              v.info[i].outside_window, (unsigned long long)v.info[i].hops, both.total, e2[i].total, both.outside,
              e2[i].outside, (unsigned long long)both.hops);
  }
  char err[256] = "";
  CHECK_MSG(!socap_model_check(m, err, sizeof err), "%s", err);
  socap_model_free(m);

  /* Turnover in the same world: the leavers of step 1 (p_leave 0.5; the draws
   * recomputed from their streams) have all counters zeroed and no ties, the
   * stayers keep step 1's receipts; every active tie with a leaving end is
   * counted once in ended_by_turnover, every such dormant one in forgotten. */
  p.p_leave = 0.5;
  m = info_world(&p, group, adj, adj_all);
  CHECK(socap_model_step(m) == SOCAP_OK);
  v = socap_model_agents(m);
  int n_left = 0, ended = 0, forgot = 0, ok = 1;
  for (int32_t i = 0; i < 8; i++) {
    int li = leaves(&p, i, 1);
    n_left += li;
    for (int32_t j = i + 1; j < 8; j++)
      if (adj_all[i][j] && (li || leaves(&p, j, 1))) {
        if (adj[i][j]) ended++;
        else forgot++;
      }
    int32_t a, d;
    socap_model_degree(m, i, &a, &d);
    if (li ? (a + d != 0 || !info_equal(&v.info[i], &zero[i], &zero[i])) : !info_equal(&v.info[i], &e1[i], &e1[i])) {
      ok = 0;
      fprintf(stderr, "turnover: agent %d (left %d): total %u window %u outside %u hops %llu, ties %d/%d\n", i, li,
              v.info[i].total, v.info[i].window, v.info[i].outside, (unsigned long long)v.info[i].hops, a, d);
    }
  }
  CHECK_MSG(n_left > 0 && n_left < 8, "%d of 8 left: choose a seed where some leave and some stay", n_left);
  CHECK(ok);
  socap_model_counters(m, &tot, NULL);
  CHECK_MSG(tot.left == n_left && tot.ended_by_turnover == ended && tot.forgotten == forgot,
            "left %lld ended %lld forgotten %lld; expected %d %d %d", (long long)tot.left,
            (long long)tot.ended_by_turnover, (long long)tot.forgotten, n_left, ended, forgot);
  CHECK(tot.info_received == (int64_t)sum_tot); /* the global counter is not undone by turnover */
  CHECK_MSG(!socap_model_check(m, err, sizeof err), "%s", err);
  socap_model_free(m);

  /* Everyone leaves: all 7 active ties ended by turnover, both dormant ones
   * forgotten, every counter zero. */
  p.p_leave = 1;
  m = info_world(&p, group, adj, adj_all);
  CHECK(socap_model_step(m) == SOCAP_OK);
  v = socap_model_agents(m);
  socap_model_counters(m, &tot, NULL);
  CHECK(tot.left == 8 && tot.ended_by_turnover == 7 && tot.forgotten == 2 && tot.went_dormant == 2);
  CHECK(tot.info_received == (int64_t)sum_tot);
  ok = 1;
  for (int i = 0; i < 8; i++) ok &= info_equal(&v.info[i], &zero[i], &zero[i]);
  CHECK(ok);
  socap_model_free(m);

  /* No ties: no receipts, not even by an item's origin. */
  p = quiet(40, 10, 22, 0.5);
  p.p_pass = 1;
  p.info_items = 50;
  p.info_hops = 3;
  m = make_model(&p);
  for (int t = 0; t < 2; t++) CHECK(socap_model_step(m) == SOCAP_OK);
  v = socap_model_agents(m);
  socap_model_counters(m, &tot, NULL);
  CHECK(tot.info_received == 0);
  ok = 1;
  for (int i = 0; i < 40; i++) ok &= info_equal(&v.info[i], &zero[0], &zero[0]);
  CHECK(ok);
  socap_model_free(m);
}

/* A pass succeeds with probability p_pass w: one tie of strength 0.5 (no
 * maintenance, half-life 1e9 so it stays at 0.5), p_pass 0.6, 4000 items:
 * the non-origin end receives each with probability 0.3, so the receipts are
 * Binomial(4000, 0.3) (mean 1200, sd 29); 150 is over 5 sd, while ignoring w
 * (2400) or p_pass (2000) is far outside. */
static void test_info_pass_probability(void) {
  socap_params p = quiet(2, 1, 23, 0.5);
  p.cohorts[0].propensity = 0;
  p.half_life = 1e9;
  p.p_pass = 0.6;
  p.info_items = 4000;
  socap_model *m = make_model(&p);
  CHECK(socap_model_test_add_tie(m, 0, 1, 0.5, SOCAP_ORIGIN_WORK) == SOCAP_OK);
  CHECK(socap_model_step(m) == SOCAP_OK);
  socap_counters last;
  socap_model_counters(m, NULL, &last);
  socap_agents_view v = socap_model_agents(m);
  CHECK_MSG(fabs((double)last.info_received - 1200) < 150, "received %lld of 4000, expected about 1200",
            (long long)last.info_received);
  CHECK(v.info[0].total + v.info[1].total == last.info_received);
  CHECK(v.info[0].hops == v.info[0].total && v.info[1].hops == v.info[1].total); /* all at hop 1 */
  CHECK(v.info[0].outside == v.info[0].total && v.info[1].outside == v.info[1].total); /* groups of 1 */
  socap_model_free(m);
}

/* The reactivation world: agent X (cohort "on", all time to reactivation,
 * T = 0.5 h, cost_react = 0.5 h: exactly one request per step) and four
 * "off" partners o0 < o1 < o2 < o3 (by id) that spend no time. Half-life 1.
 * Ties X-o0, X-o1, X-o2 of strengths 0.07, 0.08, 0.09 (the peaks) added at
 * step 0 all go dormant in step 1 (last = 1); X-o3 (0.06) added after step 1
 * goes dormant in step 2 (last = 2). So at step 2 three dormant ties share
 * last = 1 with distinct peaks, and at step 3 the latest dormant tie (o3)
 * has the lowest peak. Returns X and the partners in who[0..4]. */
static socap_model *react_world(int order, uint64_t seed, int32_t who[5]) {
  socap_params p = quiet(10, 5, seed, 0.5);
  socap_strategy *s = tstrat(&p);
  s->maintain = 0;
  s->reactivate = 1;
  s->reactivation_order = order;
  p.cohorts[0].time_budget = p.cohorts[1].time_budget = 0.5;
  p.cost_react = 0.5;
  p.half_life = 1;
  p.w_react = 0.3;
  p.rho = 0.5;
  socap_model *m = make_model(&p);
  int32_t on[5], off[5];
  CHECK(cohort_members(m, 0, on, 5) == 5 && cohort_members(m, 1, off, 5) == 5);
  who[0] = on[0];
  for (int k = 0; k < 4; k++) who[1 + k] = off[k];
  const double w[3] = {0.07, 0.08, 0.09};
  for (int k = 0; k < 3; k++)
    CHECK(socap_model_test_add_tie(m, who[0], who[1 + k], w[k], SOCAP_ORIGIN_WORK) == SOCAP_OK);
  CHECK(socap_model_step(m) == SOCAP_OK);
  int ok = 1;
  for (int k = 0; k < 3; k++) {
    socap_tie_info ti;
    ok &= get_tie(m, who[0], who[1 + k], &ti) && ti.state == SOCAP_TIE_DORMANT && ti.last == 1 &&
          ti.peak == (double)(float)w[k];
  }
  CHECK_MSG(ok, "the reactivation world is not as designed after step 1");
  CHECK(socap_model_test_add_tie(m, who[0], who[4], 0.06, SOCAP_ORIGIN_WORK) == SOCAP_OK);
  return m;
}

/* Which of X's partners (index 1..4 in who) have a tie revived at step t
 * (active, origin reactivation, last = t)? A bit set; also checks the
 * revived strength max(w_react, rho peak) = w_react here. */
static unsigned revived_at(const socap_model *m, const int32_t who[5], int t) {
  unsigned set = 0;
  for (int k = 1; k <= 4; k++) {
    socap_tie_info ti;
    if (get_tie(m, who[0], who[k], &ti) && ti.state == SOCAP_TIE_ACTIVE && ti.origin == SOCAP_ORIGIN_REACT &&
        ti.last == t) {
      set |= 1u << k;
      CHECK_CLOSE(ti.w, 0.3, 1e-6);
    }
  }
  return set;
}

/* reactivation_order: with one request per step, 'peak' revives o2 (peak
 * 0.09) at step 2 and o1 (0.08) at step 3; 'recent' revives o0 at step 2
 * (all three dormant since step 1: ties go to the lower id) and o3 at step 3
 * (dormant since step 2, although its peak is the lowest); 'random' revives
 * one of the three candidates at step 2, the same one for the same seed, and
 * each about a third of the time over 300 seeds. */
static void test_reactivation_order(void) {
  const int orders[2] = {SOCAP_REACT_PEAK, SOCAP_REACT_RECENT};
  const char *oname[2] = {"peak", "recent"};
  const unsigned want2[2] = {1u << 3, 1u << 1}, want3[2] = {1u << 2, 1u << 4};
  for (int o = 0; o < 2; o++) {
    int32_t who[5];
    socap_model *m = react_world(orders[o], 31, who);
    CHECK(socap_model_step(m) == SOCAP_OK);
    unsigned r2 = revived_at(m, who, 2);
    CHECK_MSG(r2 == want2[o], "order %s step 2: revived set 0x%x, expected 0x%x", oname[o], r2, want2[o]);
    CHECK(socap_model_step(m) == SOCAP_OK);
    unsigned r3 = revived_at(m, who, 3);
    CHECK_MSG(r3 == want3[o], "order %s step 3: revived set 0x%x, expected 0x%x", oname[o], r3, want3[o]);
    socap_counters tot;
    socap_model_counters(m, &tot, NULL);
    CHECK(tot.revived == 2 && tot.formed[SOCAP_ORIGIN_REACT] == 2 && tot.went_dormant == 4);
    char err[256] = "";
    CHECK_MSG(!socap_model_check(m, err, sizeof err), "%s", err);
    socap_model_free(m);
  }
  int count[5] = {0}, bad = 0;
  for (uint64_t seed = 1; seed <= 300; seed++) {
    unsigned r[2];
    for (int rep = 0; rep < (seed <= 20 ? 2 : 1); rep++) { /* reruns of the first 20 */
      int32_t who[5];
      socap_model *m = react_world(SOCAP_REACT_RANDOM, seed, who);
      CHECK(socap_model_step(m) == SOCAP_OK);
      r[rep] = revived_at(m, who, 2);
      socap_model_free(m);
    }
    if (seed > 20) r[1] = r[0];
    /* exactly one of the dormant three, and the same on a rerun */
    if (r[0] != r[1] || !(r[0] == 2u || r[0] == 4u || r[0] == 8u)) bad++;
    else count[r[0] == 2u ? 1 : r[0] == 4u ? 2 : 3]++;
  }
  CHECK_MSG(bad == 0, "random order: %d seeds revived not exactly one dormant tie, or differently on a rerun", bad);
  /* Binomial(300, 1/3): mean 100, sd 8.2 */
  for (int k = 1; k <= 3; k++)
    CHECK_MSG(count[k] > 60 && count[k] < 140, "random order: o%d revived %d/300", k - 1, count[k]);
}

/* Introductions: brokers (cohort "on", all time to brokering, T = 0.5 h,
 * cost_intro = 0.5 h: exactly one introduction per step) whose contacts are
 * "off" agents (no time: they introduce nobody) and that know nobody else.
 * 60 regular brokers have two contacts in one group and two in another, no
 * ties among them: with intro_cross_group true every introduction is
 * cross-group ((1/3)^16 chance per broker that all 16 sampled pairs are
 * same-group); with false the first sampled pair is taken, same-group with
 * probability 4/12 = 1/3 (Binomial(60, 1/3): mean 20, sd 3.7, and [8, 32]
 * is over 3 sd either side). A fallback broker whose cross-group pairs are
 * all tied introduces a same-group pair either way; a broker whose contacts
 * are all tied introduces nobody. The broker's ties to the introduced pair
 * gain gratitude; its other ties do not. */
static void test_intro_cross_group(void) {
  for (int cross = 1; cross >= 0; cross--) {
    socap_params p = quiet(500, 25, 41, 0.2);
    socap_strategy *s = tstrat(&p);
    s->maintain = 0;
    s->broker = 1;
    p.cohorts[0].time_budget = p.cohorts[1].time_budget = 0.5;
    p.cost_intro = 0.5;
    p.intro_cross_group = cross;
    socap_model *m = make_model(&p);
    int32_t on[100], off[400];
    CHECK(cohort_members(m, 0, on, 100) == 100 && cohort_members(m, 1, off, 400) == 400);
    socap_agents_view v = socap_model_agents(m);
    unsigned char used[500] = {0};
    int32_t con[62][4];
    int cursor = 0, short_of_agents = 0;
    /* each broker: two unused "off" agents from the next group (cyclically)
     * that still has two, then two from another such group */
    for (int b = 0; b < 62; b++) {
      int g_prev = -1;
      for (int half = 0; half < 2; half++) {
        int got = 0;
        for (int tries = 0; tries < 20 && got < 2; tries++, cursor = (cursor + 1) % 20) {
          if (cursor == g_prev) continue;
          int32_t pick[2];
          int np = 0;
          for (int k = 0; k < 400 && np < 2; k++)
            if (!used[off[k]] && v.group[off[k]] == cursor) pick[np++] = off[k];
          if (np < 2) continue;
          for (int u = 0; u < 2; u++) { used[pick[u]] = 1; con[b][2 * half + u] = pick[u]; }
          g_prev = cursor;
          got = 2;
        }
        if (got < 2) short_of_agents = 1;
      }
    }
    CHECK(!short_of_agents);
    if (short_of_agents) { socap_model_free(m); continue; }
    for (int b = 0; b < 62; b++)
      for (int k = 0; k < 4; k++)
        CHECK(socap_model_test_add_tie(m, on[b], con[b][k], 0.5, SOCAP_ORIGIN_WORK) == SOCAP_OK);
    /* broker 60: all four cross-group pairs tied; broker 61: all six pairs */
    for (int x = 0; x < 2; x++)
      for (int y = 2; y < 4; y++) {
        CHECK(socap_model_test_add_tie(m, con[60][x], con[60][y], 1, SOCAP_ORIGIN_WORK) == SOCAP_OK);
        CHECK(socap_model_test_add_tie(m, con[61][x], con[61][y], 1, SOCAP_ORIGIN_WORK) == SOCAP_OK);
      }
    CHECK(socap_model_test_add_tie(m, con[61][0], con[61][1], 1, SOCAP_ORIGIN_WORK) == SOCAP_OK);
    CHECK(socap_model_test_add_tie(m, con[61][2], con[61][3], 1, SOCAP_ORIGIN_WORK) == SOCAP_OK);
    CHECK(socap_model_step(m) == SOCAP_OK);
    const double lambda = socap_params_lambda(&p), wg = (double)(float)0.5 * exp(-lambda) + p.gratitude;
    int same = 0, n_intro[62] = {0}, grat_ok = 1;
    for (int b = 0; b < 62; b++)
      for (int x = 0; x < 4; x++)
        for (int y = x + 1; y < 4; y++) {
          socap_tie_info ti;
          if (!get_tie(m, con[b][x], con[b][y], &ti) || ti.origin != SOCAP_ORIGIN_INTRO) continue;
          n_intro[b]++;
          if (b < 60) same += v.group[con[b][x]] == v.group[con[b][y]];
          else CHECK_MSG(b == 60 && v.group[con[b][x]] == v.group[con[b][y]], "cross %d broker %d: pair %d-%d",
                         cross, b, x, y);
          /* gratitude on the broker's ties to the pair, not to the others */
          for (int z = 0; z < 4; z++) {
            socap_tie_info tb;
            if (!get_tie(m, on[b], con[b][z], &tb)) { grat_ok = 0; continue; }
            double want = (z == x || z == y) ? wg : (double)(float)0.5 * exp(-lambda);
            if (fabs(tb.w - want) > 1e-6) grat_ok = 0;
          }
        }
    int one_each = 1;
    for (int b = 0; b < 61; b++) one_each &= n_intro[b] == 1;
    CHECK_MSG(one_each && n_intro[61] == 0, "cross %d: not exactly one introduction per broker with an untied pair",
              cross);
    CHECK(grat_ok);
    socap_counters tot;
    socap_model_counters(m, &tot, NULL);
    CHECK(tot.formed[SOCAP_ORIGIN_INTRO] == 61 && tot.formed[SOCAP_ORIGIN_WORK] == 0 &&
          tot.formed[SOCAP_ORIGIN_EVENT] == 0 && tot.rejected == 0);
    if (cross) CHECK_MSG(same == 0, "intro_cross_group true: %d of 60 introductions within a group", same);
    else
      CHECK_MSG(same >= 8 && same <= 32, "intro_cross_group false: %d of 60 within a group, expected about 20", same);
    socap_model_free(m);
  }
}

/* Group sizes of a model, in group order, counted from the agents' group
 * ids (so they sum to N by construction); also checks that groups are
 * numbered 0.. and contiguous, and that the model holds no empty group.
 * Returns the number of groups. */
static int group_sizes(const socap_model *m, int32_t *sizes, int cap) {
  socap_agents_view v = socap_model_agents(m);
  int ng = 0, ok = 1;
  for (int32_t i = 0; i < v.n; i++) {
    if (i == 0 || v.group[i] != v.group[i - 1]) {
      if (v.group[i] != ng || ng >= cap) { ok = 0; break; }
      sizes[ng++] = 0;
    }
    sizes[ng - 1]++;
  }
  CHECK_MSG(ok, "groups are not numbered 0.. in agent order");
  /* and the model has no empty groups besides */
  socap_graph gr;
  CHECK(socap_model_graph(m, &gr) == SOCAP_OK);
  CHECK_MSG(gr.n_groups == ng, "%d groups in the model, %d with agents", (int)gr.n_groups, ng);
  socap_graph_free(&gr);
  return ok ? ng : 0;
}

static socap_params groups_params(int n, int g, int dist, double sd, uint64_t seed) {
  socap_params p = quiet(n, g, seed, 0.5);
  p.group_dist = dist;
  p.group_size_sd = sd;
  return p;
}

/* Mean, sd (n - 1) and skewness of the sizes of all groups but the last
 * (which is truncated to fit N), and mean and sd of their logarithms. */
static void size_moments(const int32_t *s, int ng, double mom[5]) {
  int k = ng - 1;
  double a = 0, b = 0, c = 0, la = 0, lb = 0;
  for (int i = 0; i < k; i++) { a += s[i]; la += log(s[i]); }
  a /= k;
  la /= k;
  for (int i = 0; i < k; i++) {
    double d = s[i] - a, ld = log(s[i]) - la;
    b += d * d;
    c += d * d * d;
    lb += ld * ld;
  }
  mom[0] = a;
  mom[1] = sqrt(b / (k - 1));
  mom[2] = (c / k) / pow(b / k, 1.5);
  mom[3] = la;
  mom[4] = sqrt(lb / (k - 1));
}

/* Group sizes: 'equal' exactly by its rule (G = max(1, floor(N/g + 1/2)),
 * group k has floor((k+1)N/G) - floor(kN/G)); 'poisson' (1 + Poisson(g-1):
 * mean g, sd sqrt(g-1), skewness 1/sqrt(g-1)) and 'lognormal' (sizes
 * max(1, round(X)), X lognormal with mean g and sd group_size_sd, so
 * log X has mean mu = ln g - s2/2 and sd sqrt(s2), s2 = ln(1 + sd^2/g^2),
 * and skewness (e^s2 + 2) sqrt(e^s2 - 1)) on 200,000 agents; every group
 * non-empty. Rounding adds about 1/12 to the
 * variance (Sheppard), which only matters in the g = 3, sd = 1 case, the one
 * that checks the rounding (floor instead would give mean 2.5).
 * Tolerances are 5 standard errors of the estimates over the G - 1
 * untruncated groups: mean sd/sqrt(G), sd sd*sqrt((kurtosis - 1)/(4G)), log
 * mean sqrt(s2/G), log sd sqrt(s2/(2G)); for the skewness (checked where its
 * estimate is stable) the standard error at G = 4000 measured by simulating
 * each distribution (150 samples of 4000 sizes, Python's random): 0.038
 * (Poisson), 0.054 (lognormal, sd 10), 0.098 (sd 20), scaled by
 * sqrt(4000/G). The skewness tells the lognormal from a symmetric
 * distribution with the same mean and sd; the log moments and the sd 50 case
 * check the lognormal's parameters (sigma = sd/g instead of sqrt(s2) gives
 * sd 76 there). */
static void test_group_sizes(void) {
  static int32_t sizes[200000], sizes2[200000];
  /* equal: small cases by hand, then the rule on a larger N */
  const int cases[4][2] = {{10, 4}, {10, 6}, {9, 6}, {7, 7}};
  const int want[4][4] = {{3, 3, 4, 0}, {5, 5, 0, 0}, {4, 5, 0, 0}, {7, 0, 0, 0}};
  const int want_ng[4] = {3, 2, 2, 1};
  for (int c = 0; c < 4; c++) {
    socap_params p = groups_params(cases[c][0], cases[c][1], SOCAP_GROUPS_EQUAL, 0, 1);
    socap_model *m = make_model(&p);
    int ng = group_sizes(m, sizes, 200000);
    int ok = ng == want_ng[c];
    for (int g = 0; ok && g < ng; g++) ok = sizes[g] == want[c][g];
    CHECK_MSG(ok, "equal groups, N=%d g=%d: %d groups", cases[c][0], cases[c][1], ng);
    socap_model_free(m);
  }
  {
    socap_params p = groups_params(1000, 30, SOCAP_GROUPS_EQUAL, 0, 1);
    socap_model *m = make_model(&p);
    int ng = group_sizes(m, sizes, 200000), ok = ng == 33; /* floor(1000/30 + 1/2) */
    for (int g = 0; ok && g < ng; g++) ok = sizes[g] == (g + 1) * 1000 / 33 - g * 1000 / 33;
    CHECK(ok);
    socap_model_free(m);
  }
  const int N = 200000;
  const struct { int dist, g; double sd, se_skew; } dc[5] = {
    {SOCAP_GROUPS_POISSON, 50, 0, 0.038},
    {SOCAP_GROUPS_LOGNORMAL, 50, 10, 0.054},
    {SOCAP_GROUPS_LOGNORMAL, 50, 20, 0.098},
    {SOCAP_GROUPS_LOGNORMAL, 50, 50, 0},
    {SOCAP_GROUPS_LOGNORMAL, 3, 1, 0},
  };
  for (int d = 0; d < 5; d++) {
    const int g = dc[d].g;
    double want_sd, want_skew, kurt, s2 = 0;
    if (dc[d].dist == SOCAP_GROUPS_POISSON) {
      want_sd = sqrt(g - 1.0);
      want_skew = 1 / want_sd;
      kurt = 3 + 1 / (g - 1.0);
    } else {
      s2 = log(1 + dc[d].sd * dc[d].sd / (g * g));
      want_sd = sqrt(dc[d].sd * dc[d].sd + (g < 10 ? 1 / 12.0 : 0));
      want_skew = (exp(s2) + 2) * sqrt(exp(s2) - 1);
      kurt = exp(4 * s2) + 2 * exp(3 * s2) + 3 * exp(2 * s2) - 3;
    }
    socap_params p = groups_params(N, g, dc[d].dist, dc[d].sd, 7);
    socap_model *m = make_model(&p);
    int ng = group_sizes(m, sizes, N);
    int64_t sum = 0;
    int min = N;
    for (int k = 0; k < ng; k++) { sum += sizes[k]; if (sizes[k] < min) min = sizes[k]; }
    CHECK(sum == N && min >= 1);
    double mom[5];
    size_moments(sizes, ng, mom);
    const double G = ng - 1;
    printf("group sizes case %d: %d groups, mean %.3f sd %.3f skew %.3f log mean %.4f log sd %.4f\n", d, ng, mom[0],
           mom[1], mom[2], mom[3], mom[4]);
    CHECK_MSG(fabs(mom[0] - g) < 5 * want_sd / sqrt(G), "case %d: mean size %.3f, expected %d", d, mom[0], g);
    CHECK_MSG(fabs(mom[1] - want_sd) < 5 * want_sd * sqrt((kurt - 1) / (4 * G)), "case %d: sd %.3f, expected %.3f",
              d, mom[1], want_sd);
    if (dc[d].se_skew > 0)
      CHECK_MSG(fabs(mom[2] - want_skew) < 5 * dc[d].se_skew * sqrt(4000 / G), "case %d: skewness %.3f, expected %.3f",
                d, mom[2], want_skew);
    if (dc[d].dist == SOCAP_GROUPS_LOGNORMAL && g > 10) {
      const double mu = log(g) - s2 / 2, sg = sqrt(s2);
      CHECK_MSG(fabs(mom[3] - mu) < 5 * sg / sqrt(G), "case %d: mean log size %.4f, expected %.4f", d, mom[3], mu);
      CHECK_MSG(fabs(mom[4] - sg) < 5 * sg / sqrt(2 * G), "case %d: sd of log size %.4f, expected %.4f", d, mom[4], sg);
    }
    if (d == 0) { /* another seed gives other sizes */
      socap_params q = groups_params(N, g, dc[d].dist, dc[d].sd, 8);
      socap_model *m2 = make_model(&q);
      int ng2 = group_sizes(m2, sizes2, N);
      CHECK(ng2 != ng || memcmp(sizes, sizes2, sizeof(int32_t) * (size_t)ng) != 0);
      socap_model_free(m2);
    }
    socap_model_free(m);
  }
  /* lognormal with sd 0: every group but the last has exactly g agents */
  socap_params p = groups_params(1000, 30, SOCAP_GROUPS_LOGNORMAL, 0, 3);
  socap_model *m = make_model(&p);
  int ng = group_sizes(m, sizes, 1000), ok = ng == 34 && sizes[33] == 10;
  for (int k = 0; ok && k < 33; k++) ok = sizes[k] == 30;
  CHECK_MSG(ok, "lognormal sd 0: %d groups", ng);
  socap_model_free(m);
}

/* Cohort counts by the largest-remainder method (floor(share N) each, then
 * one agent at a time to the largest remainders, ties to the lower cohort),
 * every agent's strategy its cohort's, and cohorts shuffled across groups. */
static void test_cohort_counts(void) {
  struct { int n, k; double share[6]; int want[6]; } cases[] = {
    {3000, 6, {0.2, 0.2, 0.15, 0.15, 0.15, 0.15}, {600, 600, 450, 450, 450, 450}},
    {20, 3, {0.125, 0.375, 0.5}, {3, 7, 10}},       /* remainders .5 .5 0: the tie goes to cohort 0 */
    {12, 3, {0.25, 0.375, 0.375}, {3, 5, 4}},       /* .0 .5 .5: to cohort 1, not 2 */
    {10, 3, {0.125, 0.625, 0.25}, {1, 6, 3}},       /* .25 .25 .5: to the largest, cohort 2 */
    {7, 4, {0.25, 0.25, 0.25, 0.25}, {2, 2, 2, 1}}, /* 1.75 each: three extra agents, in cohort order */
  };
  for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
    socap_params p = base(cases[0].n, 3); /* six cohorts with six strategies */
    p.n_agents = cases[c].n;
    p.group_size = cases[c].n < 50 ? cases[c].n : 50;
    p.n_cohorts = cases[c].k;
    for (int k = 0; k < cases[c].k; k++) p.cohorts[k].share = cases[c].share[k];
    socap_model *m = make_model(&p);
    socap_agents_view v = socap_model_agents(m);
    int cnt[6] = {0}, strat_ok = 1;
    for (int32_t i = 0; i < v.n; i++) {
      cnt[v.cohort[i]]++;
      strat_ok &= v.strategy[i] == p.cohorts[v.cohort[i]].strategy;
    }
    int ok = 1;
    for (int k = 0; k < cases[c].k; k++) ok &= cnt[k] == cases[c].want[k];
    CHECK_MSG(ok, "N=%d: cohort counts %d %d %d %d %d %d", cases[c].n, cnt[0], cnt[1], cnt[2], cnt[3], cnt[4], cnt[5]);
    CHECK(strat_ok);
    if (c == 0) {
      /* 60 groups of 50, about 10 agents of cohort 0 in each: in order they
       * would fill the first 12 groups only */
      unsigned char seen[60] = {0};
      int groups = 0;
      for (int32_t i = 0; i < v.n; i++)
        if (v.cohort[i] == 0 && !seen[v.group[i]]) { seen[v.group[i]] = 1; groups++; }
      CHECK_MSG(groups >= 55, "cohort 0 is in %d of 60 groups", groups);
    }
    socap_model_free(m);
  }
}

/* Turnover's counters in a world the model built itself: step 1 of a run
 * with p_leave = 1 against the same run with p_leave = 0 (phases 1-8 do not
 * depend on p_leave, so the second shows the ties as they were just before
 * the turnover). Everyone leaves; every active tie is counted once in
 * ended_by_turnover and every dormant one in forgotten (tight limits make
 * some dormant by displacement), and the counters balance with no ties
 * left. */
static void test_turnover_counters(void) {
  socap_params p = base(300, 51);
  p.dunbar_limit = 2;
  p.mu_in = 3;
  socap_model *a = make_model(&p);
  p.p_leave = 1;
  socap_model *b = make_model(&p);
  CHECK(socap_model_step(a) == SOCAP_OK && socap_model_step(b) == SOCAP_OK);
  int64_t act = 0, dor = 0, left_ties = 0;
  for (int32_t i = 0; i < 300; i++) {
    int32_t x, y;
    socap_model_degree(a, i, &x, &y);
    act += x;
    dor += y;
    socap_model_degree(b, i, &x, &y);
    left_ties += x + y;
  }
  act /= 2;
  dor /= 2;
  socap_counters ca, cb;
  socap_model_counters(a, &ca, NULL);
  socap_model_counters(b, &cb, NULL);
  CHECK_MSG(act > 0 && dor > 0, "active %lld dormant %lld before the turnover", (long long)act, (long long)dor);
  CHECK(cb.left == 300 && left_ties == 0);
  CHECK_MSG(cb.ended_by_turnover == act && cb.forgotten == ca.forgotten + dor,
            "ended_by_turnover %lld (active ties %lld), forgotten %lld (%lld + dormant %lld)",
            (long long)cb.ended_by_turnover, (long long)act, (long long)cb.forgotten, (long long)ca.forgotten,
            (long long)dor);
  const int64_t formed = cb.formed[0] + cb.formed[1] + cb.formed[2] + cb.formed[3];
  CHECK(formed - cb.went_dormant - cb.ended_by_turnover == 0 && cb.went_dormant - cb.revived - cb.forgotten == 0);
  CHECK(cb.went_dormant == ca.went_dormant && cb.info_received == ca.info_received && ca.info_received > 0);
  socap_agents_view v = socap_model_agents(b);
  int zero = 1;
  for (int32_t i = 0; i < 300; i++)
    zero &= v.info[i].total == 0 && v.info[i].window == 0 && v.info[i].outside == 0 && v.info[i].outside_window == 0 &&
            v.info[i].hops == 0;
  CHECK(zero);
  socap_model_free(a);
  socap_model_free(b);
}

/* The whole tie store and the counters are identical for 1, 2 and 4
 * threads, also when the judging threads hand chunks of proposals to the
 * resolving thread every few proposals and the proposal phase runs in
 * chunks of a few agents (chunk 1 and 7), and when judging
 * reads the tie store instead of the packed lists; with default and with
 * tight limits (displacement and forgetting during the resolution). */
static void test_threads(void) {
  socap_tie_info *ref = malloc(sizeof(socap_tie_info) * 600 * 460), *cur = malloc(sizeof(socap_tie_info) * 600 * 460);
  int32_t *refn = calloc(600, sizeof(int32_t));
  const int threads[6] = {1, 2, 4, 2, 4, 2}, chunk[6] = {0, 0, 0, 7, 1, 0};
  for (int tight = 0; tight < 2; tight++) {
    socap_params p = base(600, 77);
    p.p_leave = 0.01;
    if (tight) { p.dunbar_limit = 10; p.dormant_limit = 3; }
    socap_counters c0 = {0};
    for (int k = 0; k < 6; k++) { /* the last: judging from the tie store, not the packed lists */
      omp_set_num_threads(threads[k]);
      socap_model *m = NULL;
      socap_model_create(&p, 3, &m);
      CHECK(socap_model_test_chunk(m, chunk[k]) == SOCAP_OK);
      if (k == 5) socap_model_test_no_packed(m);
      for (int t = 0; t < 25; t++) socap_model_step(m);
      int same = 1;
      for (int i = 0; i < 600; i++) {
        int32_t nt = socap_model_ties(m, i, cur + (size_t)i * 460, 460);
        if (k == 0) { memcpy(ref + (size_t)i * 460, cur + (size_t)i * 460, sizeof(socap_tie_info) * 460); refn[i] = nt; }
        else if (nt != refn[i] || memcmp(ref + (size_t)i * 460, cur + (size_t)i * 460, sizeof(socap_tie_info) * (size_t)nt))
          same = 0;
      }
      socap_counters c;
      socap_model_counters(m, &c, NULL);
      if (k == 0) {
        c0 = c;
        if (tight) CHECK(c.displaced > 0 && c.forgotten > 0);
      }
      CHECK_MSG(same, "tight=%d threads=%d chunk=%d packed=%d: ties differ from threads=1", tight, threads[k], chunk[k], k != 5);
      CHECK_MSG(!memcmp(&c, &c0, sizeof c), "tight=%d threads=%d chunk=%d packed=%d: counters differ", tight, threads[k],
                chunk[k], k != 5);
      socap_model_free(m);
    }
  }
  omp_set_num_threads(2);
  free(ref); free(cur); free(refn);
}

/* Judging leaves out the values of proposals that decide nothing at that
 * point (neither person selective, neither near the Dunbar limit), and the
 * resolution computes them if a person has reached the limit meanwhile.
 * With many meetings a step and a low limit that happens often; the ties
 * and counters must be those of computing every value in judging, on any
 * thread count. */
static void test_late_values(void) {
  enum { N = 600, CAP = 60 };
  socap_tie_info *ref = malloc(sizeof(socap_tie_info) * N * CAP), *cur = malloc(sizeof(socap_tie_info) * N * CAP);
  int32_t *refn = calloc(N, sizeof(int32_t));
  socap_params p = base(N, 91);
  p.dunbar_limit = 30;
  p.dormant_limit = 20;
  p.cost_meet = 0.1; /* about 32 events a step for the broad_active cohort */
  const int threads[4] = {1, 1, 2, 2}, eager[4] = {1, 0, 0, 1};
  socap_counters c0 = {0};
  for (int k = 0; k < 4; k++) {
    omp_set_num_threads(threads[k]);
    socap_model *m = NULL;
    socap_model_create(&p, 4, &m);
    if (eager[k]) socap_model_test_eager_values(m);
    for (int t = 0; t < 25; t++) socap_model_step(m);
    int same = 1;
    for (int i = 0; i < N; i++) {
      int32_t nt = socap_model_ties(m, i, cur + (size_t)i * CAP, CAP);
      CHECK(nt <= CAP);
      if (k == 0) { memcpy(ref + (size_t)i * CAP, cur + (size_t)i * CAP, sizeof(socap_tie_info) * CAP); refn[i] = nt; }
      else if (nt != refn[i] || memcmp(ref + (size_t)i * CAP, cur + (size_t)i * CAP, sizeof(socap_tie_info) * (size_t)nt))
        same = 0;
    }
    socap_counters c;
    socap_model_counters(m, &c, NULL);
    if (k == 0) c0 = c;
    const int64_t late = socap_model_test_late_values(m);
    /* the late path must have run (else this test shows nothing), and only without the hook */
    if (eager[k]) CHECK_MSG(late == 0, "eager judging left %lld values late", (long long)late);
    else CHECK_MSG(late > 50, "threads=%d: only %lld values computed late", threads[k], (long long)late);
    CHECK(c.displaced > 0);
    CHECK_MSG(same, "threads=%d eager=%d: ties differ from eager judging on 1 thread", threads[k], eager[k]);
    CHECK_MSG(!memcmp(&c, &c0, sizeof c), "threads=%d eager=%d: counters differ", threads[k], eager[k]);
    socap_model_free(m);
  }
  omp_set_num_threads(2);
  free(ref); free(cur); free(refn);
}

/* Releasing the tie store after the last graph: counts stay, memory goes,
 * and the model refuses to step on. */
static void test_release_ties(void) {
  socap_params p = base(400, 5);
  socap_model *m = NULL;
  CHECK(socap_model_create(&p, 0, &m) == SOCAP_OK);
  for (int t = 0; t < 8; t++) CHECK(socap_model_step(m) == SOCAP_OK);
  int32_t a0, d0;
  socap_model_degree(m, 7, &a0, &d0);
  size_t before = socap_model_memory(m);
  socap_model_release_ties(m);
  int32_t a1, d1;
  socap_model_degree(m, 7, &a1, &d1);
  CHECK(a0 > 0 && a1 == a0 && d1 == d0);
  CHECK_MSG(socap_model_memory(m) + 16u * (size_t)a0 <= before, "memory %zu -> %zu", before, socap_model_memory(m));
  CHECK(socap_model_ties(m, 7, NULL, 0) == 0);
  CHECK(socap_model_step(m) != SOCAP_OK);
  socap_model_free(m);
}

/* FNV-1a over bytes. */
static uint64_t fnv(uint64_t h, const void *p, size_t n) {
  const unsigned char *b = p;
  for (size_t k = 0; k < n; k++) h = (h ^ b[k]) * 0x100000001b3ull;
  return h;
}

/* Pinned results: a fingerprint of the whole tie store and the counters
 * after 30 steps of two small scenarios (default limits, and tight limits
 * with turnover), with every strategy. Speed work on the model must leave
 * every result bit-identical; this test fails when it does not (the values
 * are the same with 1 and 2 threads, and were the same before the fourth
 * round of speed work in docs/performance-log.md). When a
 * change alters the model's results on purpose, say so in its commit and
 * docs/ODD.md, and pin the new values printed here. */
static uint64_t fingerprint_steps(const socap_params *p, int threads, int steps) {
  omp_set_num_threads(threads);
  socap_model *m = NULL;
  if (socap_model_create(p, 5, &m)) return 0;
  for (int t = 0; t < steps; t++) socap_model_step(m);
  uint64_t h = 0xcbf29ce484222325ull;
  socap_tie_info *buf = malloc(sizeof *buf * (size_t)(p->dunbar_limit + p->dormant_limit + 1));
  for (int32_t i = 0; i < p->n_agents; i++) {
    int32_t nt = socap_model_ties(m, i, buf, p->dunbar_limit + p->dormant_limit + 1);
    h = fnv(h, &nt, sizeof nt);
    for (int32_t k = 0; k < nt; k++) {
      h = fnv(h, &buf[k].nbr, sizeof buf[k].nbr);
      h = fnv(h, &buf[k].w, sizeof buf[k].w);
      h = fnv(h, &buf[k].peak, sizeof buf[k].peak);
      h = fnv(h, &buf[k].last, sizeof buf[k].last);
      h = fnv(h, &buf[k].state, sizeof buf[k].state);
      h = fnv(h, &buf[k].origin, sizeof buf[k].origin);
    }
  }
  socap_counters c;
  socap_model_counters(m, &c, NULL);
  /* the counters as they were when the values were pinned (added later:
   * ended_by_turnover, checked by test_invariants) */
  h = fnv(h, &c, offsetof(socap_counters, ended_by_turnover));
  free(buf);
  socap_model_free(m);
  omp_set_num_threads(2);
  return h;
}

static uint64_t fingerprint(const socap_params *p, int threads) { return fingerprint_steps(p, threads, 30); }

/* The tie store repacks its blocks of 16,384 agents on several threads
 * when two or more are due. Layout only: with 34,000 agents (three blocks)
 * the ties and counters after 8 steps are those of one thread, the store
 * passes socap_model_check after every step, and blocks were repacked in
 * parallel rounds (else this test shows nothing). */
static void test_repack_threads(void) {
  enum { N = 34000, STEPS = 8, CAP = 460 };
  socap_params p = base(N, 29);
  p.p_leave = 0.005;
  socap_tie_info *cur = malloc(sizeof(socap_tie_info) * CAP);
  uint64_t h[2] = {0, 0};
  socap_counters c[2];
  for (int k = 0; k < 2; k++) {
    omp_set_num_threads(k + 1);
    socap_model *m = NULL;
    CHECK(socap_model_create(&p, 6, &m) == SOCAP_OK);
    int bad = 0;
    char err[256];
    for (int t = 0; t < STEPS; t++) {
      socap_model_step(m);
      if (!bad && socap_model_check(m, err, sizeof err)) {
        bad = 1;
        fprintf(stderr, "threads=%d step %d: %s\n", k + 1, t + 1, err);
      }
    }
    CHECK_MSG(!bad, "threads=%d: the tie store fails its check", k + 1);
    h[k] = 0xcbf29ce484222325ull;
    for (int32_t i = 0; i < N; i++) {
      int32_t nt = socap_model_ties(m, i, cur, CAP);
      CHECK(nt <= CAP);
      h[k] = fnv(h[k], &nt, sizeof nt);
      h[k] = fnv(h[k], cur, sizeof(socap_tie_info) * (size_t)(nt < CAP ? nt : CAP));
    }
    socap_model_counters(m, &c[k], NULL);
    int64_t par = 0, all = socap_model_test_repacks(m, &par);
    printf("repack threads=%d: %lld blocks repacked, %lld in parallel rounds\n", k + 1, (long long)all,
           (long long)par);
    if (k == 0) CHECK_MSG(all > 0 && par == 0, "1 thread: %lld blocks repacked, %lld in parallel", (long long)all, (long long)par);
    else CHECK_MSG(par >= 2, "2 threads: only %lld blocks repacked in parallel rounds", (long long)par);
    socap_model_free(m);
  }
  CHECK_MSG(h[0] == h[1], "ties differ between 1 and 2 threads with parallel repacking");
  CHECK(!memcmp(&c[0], &c[1], sizeof c[0]));
  omp_set_num_threads(2);
  free(cur);
}

/* Maintenance has vector forms (eight tie ends at a time with AVX-512, four
 * with AVX2) and a scalar one; they must give the same bits. Scenarios: the default mix;
 * tight limits with turnover; and slow decay with a cohort that spends no
 * time, so that some ties go unmaintained for 64 steps and more (past the
 * decay table: the vector form hands those groups to the scalar one). */
static void test_simd_maintenance(void) {
  for (int sc = 0; sc < 3; sc++) {
    socap_params p = base(sc == 2 ? 300 : 500, 11 + (uint64_t)sc);
    int steps = 30;
    if (sc == 1) { p.dunbar_limit = 12; p.dormant_limit = 4; p.p_leave = 0.01; }
    if (sc == 2) {
      p.half_life = 400;
      p.cohorts[5].propensity = 0;
      p.cohorts[5].share = 0.5;
      for (int k = 0; k < 5; k++) p.cohorts[k].share = 0.1;
      steps = 90;
      char err[256];
      CHECK_MSG(socap_params_check(&p, err, sizeof err) == 0, "%s", err);
    }
    socap_set_simd(0);
    const uint64_t hs = fingerprint_steps(&p, 2, steps);
    for (int lv = SOCAP_SIMD_AVX2; lv <= SOCAP_SIMD_AVX512; lv++) {
      const char *name = lv == SOCAP_SIMD_AVX2 ? "AVX2" : "AVX-512";
      if (socap_set_simd_level(lv) != lv) {
        printf("simd maintenance, scenario %d: no %s on this CPU, not compared\n", sc, name);
        continue;
      }
      const uint64_t hv = fingerprint_steps(&p, 2, steps);
      printf("simd maintenance, scenario %d: %s 0x%016llx, scalar 0x%016llx\n", sc, name, (unsigned long long)hv,
             (unsigned long long)hs);
      CHECK_MSG(hv == hs, "scenario %d: %s and scalar maintenance differ", sc, name);
    }
    socap_set_simd(1);
  }
}

/* The pinned values depend on the bits of libm's exp, log and pow (glibc
 * picks its exp by CPU: with or without FMA). Those rarely differ, and tie
 * strengths are stored as floats, so the fingerprint usually matches on
 * other machines too; where it does not and this probe (those functions
 * hashed on 20,000 inputs like the model's) also differs from the platform
 * the values were pinned on, the mismatch says nothing about the model, and
 * it is reported as skipped instead of failing. */
static uint64_t libm_probe(void) {
  uint64_t h = 0xcbf29ce484222325ull, s = 12345;
  for (int k = 0; k < 20000; k++) {
    s = s * 6364136223846793005ull + 1442695040888963407ull;
    double u = (double)(s >> 11) * 0x1p-53;
    double v[4] = {exp(-40.0 * u), log(u + 1e-300), pow(u, 0.5 + 2.0 * u), exp(10.0 * u)};
    h = fnv(h, v, sizeof v);
  }
  return h;
}

/* Returns the number of scenarios skipped (0: both compared). */
static int test_pinned(void) {
  int skipped = 0;
  const uint64_t want[2] = {0xc8bfd8be8fba9e4cull, 0xc39ac1a507e87b87ull}; /* as at commit 2ab2c28; x86-64, glibc libm */
  const uint64_t probe_want = 0x02b0a7b0f7361085ull; /* libm_probe() there (glibc 2.36, exp with FMA) */
  const uint64_t probe = libm_probe();
  for (int tight = 0; tight < 2; tight++) {
    socap_params p = base(500, 11);
    if (tight) { p.dunbar_limit = 12; p.dormant_limit = 4; p.p_leave = 0.01; }
    uint64_t h = fingerprint(&p, 2);
    if (h != want[tight] && probe != probe_want) {
      printf("test_pinned: scenario %d SKIPPED: fingerprint 0x%016llx differs from the pinned one, but so does this "
             "libm (exp/log/pow probe 0x%016llx, pinned on 0x%016llx), so the difference may be the libm's "
             "(docs/ODD.md, section 3.6)\n",
             tight, (unsigned long long)h, (unsigned long long)probe, (unsigned long long)probe_want);
      skipped++;
      continue;
    }
    CHECK_MSG(h == want[tight], "scenario %d: results changed: fingerprint 0x%016llx, pinned 0x%016llx", tight,
              (unsigned long long)h, (unsigned long long)want[tight]);
  }
  return skipped;
}

/* `test_model --pinned` runs only the pinned comparison (ctest
 * test_model_pinned), and exits 77, which ctest reports as skipped, when it
 * could not compare on this machine's libm. */
int main(int argc, char **argv) {
  if (argc > 1 && strcmp(argv[1], "--pinned") == 0) {
    int skipped = test_pinned();
    if (skipped && !check_failures) {
      printf("%d checks, 0 failed; %d pinned scenario(s) skipped\n", check_count, skipped);
      return 77;
    }
    CHECK_DONE();
  }
  test_release_ties();
  test_simd_maintenance();
  test_late_values();
  test_invariants();
  test_decay_closed_form();
  test_maintenance_closed_form();
  test_mechanisms();
  test_info_counters();
  test_info_pass_probability();
  test_reactivation_order();
  test_intro_cross_group();
  test_group_sizes();
  test_cohort_counts();
  test_turnover_counters();
  test_threads();
  test_repack_threads();
  CHECK_DONE();
}
