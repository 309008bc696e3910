/* Model tests: tie-store invariants after every step of randomized runs,
 * decay and maintenance against closed forms, each mechanism shown to act,
 * and thread-count independence of the whole tie store. */
#include <math.h>
#include <omp.h>
#include <stddef.h>
#include <string.h>

#include "check.h"
#include "socap/error.h"
#include "socap/model.h"

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

/* The whole tie store and the counters are identical for 1, 2 and 4
 * threads, also when the judging threads hand chunks of proposals to the
 * resolving thread every few proposals (chunk 1 and 7), and when judging
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
      socap_model_test_chunk(m, chunk[k]);
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
 * round of speed work in docs/performance.md). When a
 * change alters the model's results on purpose, say so in its commit and
 * docs/ODD.md, and pin the new values printed here. */
static uint64_t fingerprint(const socap_params *p, int threads) {
  omp_set_num_threads(threads);
  socap_model *m = NULL;
  if (socap_model_create(p, 5, &m)) return 0;
  for (int t = 0; t < 30; t++) socap_model_step(m);
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
  test_invariants();
  test_decay_closed_form();
  test_maintenance_closed_form();
  test_mechanisms();
  test_threads();
  CHECK_DONE();
}
