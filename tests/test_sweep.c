/* Sweep designs, task ids and seeds (sim/sweep.c): known answers and
 * properties checked against independent computations. */
#include <gsl/gsl_errno.h>
#include <gsl/gsl_qrng.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "check.h"
#include "socap/config.h"
#include "socap/error.h"
#include "socap/sweep.h"

static socap_sweep *load(const char *text) {
  socap_sweep *sw = NULL;
  socap_config_errors errs;
  int rc = socap_sweep_load_string(text, "t.yaml", &sw, &errs);
  if (rc) socap_config_errors_print(stderr, &errs);
  CHECK_MSG(rc == SOCAP_OK, "load failed");
  return sw;
}

static int load_error(const char *text, const char *want) {
  socap_sweep *sw = NULL;
  socap_config_errors errs;
  int rc = socap_sweep_load_string(text, "t.yaml", &sw, &errs);
  socap_sweep_free(sw);
  char line[1024] = "";
  if (errs.n)
    snprintf(line, sizeof line, "%s:%d:%d: %s: %s", errs.e[0].file, errs.e[0].line, errs.e[0].col, errs.e[0].param,
             errs.e[0].msg);
  int ok = rc == SOCAP_ECONFIG && strstr(line, want) != NULL;
  if (!ok) fprintf(stderr, "expected '%s', got rc %d '%s'\n", want, rc, line);
  return ok;
}

#define SCEN "seed: 11\nsteps: 3\npopulation: {n_agents: 40, group_size: 10}\n"

static void test_grid(void) {
  socap_sweep *sw = load(SCEN "sweep:\n  replicates: 2\n  axes:\n"
                              "    model.half_life: [4, 8, 16]\n"
                              "    model.dunbar_limit: {range: [10, 20], steps: 3}\n"
                              "    model.p_pass: {range: [0.01, 1], steps: 3, log: true}\n"
                              "    strategies.broker.reactivation_order: [peak, recent]\n");
  if (!sw) return;
  CHECK(socap_sweep_n_points(sw) == 3 * 3 * 3 * 2);
  CHECK(socap_sweep_n_tasks(sw) == 108);
  CHECK(socap_sweep_axis_is_int(sw, 1) && !socap_sweep_axis_is_int(sw, 0) && socap_sweep_axis_is_int(sw, 3));
  /* exactly the Cartesian product, first axis slowest, each combination once */
  const double hl[3] = {4, 8, 16}, dl[3] = {10, 15, 20}, pp[3] = {0.01, 0.1, 1}, ro[2] = {0, 2};
  int seen[3][3][3][2];
  memset(seen, 0, sizeof seen);
  int64_t p = 0;
  for (int a = 0; a < 3; a++)
    for (int b = 0; b < 3; b++)
      for (int c = 0; c < 3; c++)
        for (int d = 0; d < 2; d++, p++) {
          CHECK(socap_sweep_value(sw, p, 0) == hl[a]);
          CHECK(socap_sweep_value(sw, p, 1) == dl[b]);
          CHECK_CLOSE(socap_sweep_value(sw, p, 2), pp[c], 1e-12);
          CHECK(socap_sweep_value(sw, p, 3) == ro[d]);
        }
  for (p = 0; p < socap_sweep_n_points(sw); p++) {
    int a = 0, b = 0, c = 0, d = 0;
    for (int k = 0; k < 3; k++) {
      a += socap_sweep_value(sw, p, 0) == hl[k] ? k : 0;
      b += socap_sweep_value(sw, p, 1) == dl[k] ? k : 0;
      c += fabs(socap_sweep_value(sw, p, 2) - pp[k]) < 1e-9 ? k : 0;
    }
    d = socap_sweep_value(sw, p, 3) == 2;
    seen[a][b][c][d]++;
  }
  int all_once = 1;
  for (int i = 0; i < 54; i++) all_once &= ((int *)seen)[i] == 1;
  CHECK(all_once);
  /* the ends of a range are exact */
  CHECK(socap_sweep_value(sw, 53, 2) == 1.0 && socap_sweep_value(sw, 0, 2) == 0.01);
  /* task params: axis values applied, seed from the hash */
  socap_params q;
  char err[256];
  int64_t task = 2 * 33 + 1; /* point 33 = (a=1, b=2, c=1, d=1) */
  CHECK(socap_sweep_task_params(sw, task, &q, err, sizeof err) == SOCAP_OK);
  CHECK(q.half_life == 8 && q.dunbar_limit == 20 && fabs(q.p_pass - 0.1) < 1e-12);
  int bi = socap_params_strategy_index(&q, "broker");
  CHECK(bi >= 0 && q.strategies[bi].reactivation_order == SOCAP_REACT_RECENT);
  CHECK(q.seed == socap_sweep_seed(11, 33, 1));
  socap_sweep_free(sw);
}

static void test_seeds(void) {
  /* stable known answers: task seed = hash(hash(master, point), replicate) >> 11 */
  CHECK(socap_sweep_seed(7, 0, 0) == 7961946411332130ull);
  CHECK(socap_sweep_seed(7, 5, 2) == 2795815284726005ull);
  int distinct = 1;
  for (int i = 0; i < 50; i++)
    for (int j = 0; j < i; j++) distinct &= socap_sweep_seed(1, i / 5, i % 5) != socap_sweep_seed(1, j / 5, j % 5);
  CHECK(distinct);
  CHECK(socap_sweep_seed(1, 3, 0) < (1ull << 53));
  socap_sweep *sw = load("seed: 7\nsweep:\n  replicates: 3\n  axes: {model.half_life: [1, 2, 3, 4, 5, 6]}\n");
  if (!sw) return;
  for (int64_t t = 0; t < 18; t++) CHECK(socap_sweep_task_seed(sw, t) == socap_sweep_seed(7, t / 3, t % 3));
  socap_sweep_free(sw);
}

static void test_sobol(void) {
  socap_sweep *sw = load(SCEN "sweep:\n  design: sobol\n  n: 64\n  axes:\n"
                              "    model.p_pass: {min: 0.1, max: 0.9}\n"
                              "    model.half_life: {min: 1, max: 100, log: true}\n"
                              "    model.info_hops: {min: 1, max: 9}\n");
  if (!sw) return;
  gsl_qrng *q = gsl_qrng_alloc(gsl_qrng_sobol, 3);
  double u[3];
  for (int64_t p = 0; p < 64; p++) {
    gsl_qrng_get(q, u);
    CHECK_CLOSE(socap_sweep_value(sw, p, 0), 0.1 + u[0] * 0.8, 1e-15);
    CHECK_CLOSE(socap_sweep_value(sw, p, 1), exp(log(1.0) + u[1] * (log(100.0) - log(1.0))), 1e-12);
    CHECK(socap_sweep_value(sw, p, 2) == nearbyint(1 + u[2] * 8));
  }
  gsl_qrng_free(q);
  socap_sweep_free(sw);
}

static void test_lhs(void) {
  const int n = 50;
  socap_sweep *sw = load(SCEN "sweep:\n  design: lhs\n  n: 50\n  replicates: 2\n  axes:\n"
                              "    model.p_pass: {min: 0, max: 1}\n"
                              "    model.rho: {min: 0.2, max: 0.7}\n"
                              "    model.half_life: {min: 1, max: 1000, log: true}\n");
  if (!sw) return;
  CHECK(socap_sweep_n_tasks(sw) == 100);
  /* one point per stratum per axis */
  for (int a = 0; a < 3; a++) {
    int count[50] = {0};
    for (int p = 0; p < n; p++) {
      double v = socap_sweep_value(sw, p, a), u;
      if (a == 0) u = v;
      else if (a == 1) u = (v - 0.2) / 0.5;
      else u = log(v) / log(1000.0);
      int s = (int)floor(u * n);
      if (s >= 0 && s < n) count[s]++;
    }
    int ok = 1;
    for (int s = 0; s < n; s++) ok &= count[s] == 1;
    CHECK_MSG(ok, "axis %d: not one point per stratum", a);
  }
  /* reproducible from the master seed; another seed gives another design */
  socap_sweep *again = load(SCEN "sweep:\n  design: lhs\n  n: 50\n  replicates: 2\n  axes:\n"
                                 "    model.p_pass: {min: 0, max: 1}\n"
                                 "    model.rho: {min: 0.2, max: 0.7}\n"
                                 "    model.half_life: {min: 1, max: 1000, log: true}\n");
  socap_sweep *other = load("seed: 12\nsweep:\n  design: lhs\n  n: 50\n  axes:\n"
                            "    model.p_pass: {min: 0, max: 1}\n");
  if (again && other) {
    int same = 1, diff = 0;
    for (int p = 0; p < n; p++) {
      same &= socap_sweep_value(sw, p, 0) == socap_sweep_value(again, p, 0);
      diff += socap_sweep_value(sw, p, 0) != socap_sweep_value(other, p, 0);
    }
    CHECK(same && diff > 40);
    CHECK(!strcmp(socap_sweep_hash(sw), socap_sweep_hash(again)));
    CHECK(strcmp(socap_sweep_hash(sw), socap_sweep_hash(other)) != 0);
  }
  socap_sweep_free(again);
  socap_sweep_free(other);
  socap_sweep_free(sw);
}

static void test_list_and_failures(void) {
  socap_sweep *sw = load(SCEN "sweep:\n  design: list\n  points:\n"
                              "    - {model.w0: 0.3, output.layers: [0.9, 0.6, 0.3, 0.1]}\n"
                              "    - {model.w0: 0.25, output.layers: [0.8, 0.5, 0.2, 0.05]}\n"
                              "    - {model.w0: 0.01, output.layers: [0.8, 0.5, 0.2, 0.05]}\n"
                              "    - {model.w0: 0.25, output.layers: [0.1, 0.5, 0.2, 0.05]}\n");
  if (!sw) return;
  CHECK(socap_sweep_n_points(sw) == 4 && socap_sweep_n_tasks(sw) == 4);
  CHECK(socap_sweep_value(sw, 1, 0) == 0.25 && socap_sweep_value(sw, 1, 1) == 1);
  socap_params q;
  char err[256];
  CHECK(socap_sweep_task_params(sw, 1, &q, err, sizeof err) == SOCAP_OK && q.layers[3] == 0.05);
  /* a broken cross-field rule depends on the point: it fails per task, with the parameter named
     (w0 = 0.01 is in w0's range but below theta_dormant; layers are in range but not decreasing) */
  CHECK(socap_sweep_task_params(sw, 2, &q, err, sizeof err) != SOCAP_OK && strstr(err, "model.w0"));
  CHECK(socap_sweep_task_params(sw, 3, &q, err, sizeof err) != SOCAP_OK && strstr(err, "output.layers"));
  socap_sweep_free(sw);
}

/* Values impossible at every point are errors at load, located at the value. */
static void test_value_errors(void) {
  /* a wrong type in a value list (used to pass validate and fail every such task) */
  CHECK(load_error(SCEN "sweep:\n  axes: {model.p_pass: [abc, 0.5]}\n",
                   "t.yaml:5:25: model.p_pass: expected a number, got 'abc'"));
  CHECK(load_error(SCEN "sweep:\n  axes:\n    model.p_pass: [0.1, abc]\n",
                   "t.yaml:6:25: model.p_pass: expected a number"));
  /* outside the parameter's own range */
  CHECK(load_error(SCEN "sweep:\n  axes: {model.p_pass: [0.5, 1.5]}\n",
                   "t.yaml:5:30: model.p_pass: model.p_pass = 1.5 is outside [0, 1]"));
  CHECK(load_error(SCEN "sweep:\n  axes: {population.n_agents: [50, 1]}\n",
                   "t.yaml:5:36: population.n_agents: population.n_agents = 1 is outside [2, 200000000]"));
  CHECK(load_error(SCEN "sweep:\n  axes: {population.n_agents: [50, 2.5]}\n", "t.yaml:5:36: population.n_agents: "
                                                                               "expected an integer, got '2.5'"));
  /* range axes: both ends must lie in the parameter's range */
  CHECK(load_error(SCEN "sweep:\n  axes: {model.p_pass: {range: [0.2, 5], steps: 3}}\n",
                   "t.yaml:5:38: model.p_pass: model.p_pass = 5 (range end) is outside [0, 1]"));
  CHECK(load_error(SCEN "sweep:\n  axes: {model.p_pass: {range: [-1, 0.5], steps: 3}}\n",
                   "t.yaml:5:33: model.p_pass: model.p_pass = -1 (range start) is outside [0, 1]"));
  CHECK(load_error(SCEN "sweep:\n  axes: {population.n_agents: {range: [1.4, 60], steps: 2}}\n",
                   "population.n_agents = 1.4 (range start, rounded to 1) is outside [2, 200000000]"));
  /* an integer parameter's range: integer ends, distinct rounded values */
  CHECK(load_error(SCEN "sweep:\n  axes: {population.n_agents: {range: [2.5, 60], steps: 2}}\n",
                   "t.yaml:5:40: population.n_agents: population.n_agents is an integer parameter: the ends of its "
                   "range must be integers, got 2.5"));
  CHECK(load_error(SCEN "sweep:\n  axes: {model.dunbar_limit: {range: [10, 12], steps: 4}}\n",
                   "4 steps over [10, 12] give the value 11 twice"));
  CHECK(load_error(SCEN "sweep:\n  axes: {model.dunbar_limit: {range: [10, 100], steps: 40, log: true}}\n",
                   "on a log scale give the value 11 twice"));
  CHECK(load_error(SCEN "sweep:\n  design: sobol\n  n: 4\n  axes: {model.rho: {min: 0.1, max: 1.5}}\n",
                   "t.yaml:7:37: model.rho: model.rho = 1.5 (max) is outside [0, 1]"));
  /* list values, enum names, list-valued parameters, tags */
  CHECK(load_error(SCEN "sweep:\n  design: list\n  points:\n    - {model.rho: 0.1}\n    - {model.rho: 2}\n",
                   "t.yaml:8:19: model.rho: model.rho = 2 is outside [0, 1]"));
  CHECK(load_error(SCEN "sweep:\n  axes: {strategies.broker.reactivation_order: [peak, bogus]}\n",
                   "'bogus' is not one of: peak, random, recent"));
  CHECK(load_error(SCEN "sweep:\n  axes: {output.layers: [[0.9, 0.6, 0.3, 0.1], [0.9, 2, 0.1, 0.1]]}\n",
                   "output.layers[1] = 2 is outside [0, 1]"));
  CHECK(load_error(SCEN "sweep:\n  axes: {model.p_pass: [!!str 0.5]}\n", "tagged !!str"));
  /* a cohort's strategy must be one of the scenario's at every point (it was a per-task failure) */
  CHECK(load_error(SCEN "sweep:\n  axes: {cohorts.0.strategy: [broker, brokr]}\n",
                   "t.yaml:5:39: cohorts.0.strategy: unknown strategy 'brokr' (did you mean 'broker'?)"));
  /* what depends on the point still loads: w0 = 0.01 breaks w0 > theta_dormant only at that point */
  socap_sweep *sw =
      load(SCEN "sweep:\n  axes: {model.w0: [0.01, 0.2], population.n_agents: {range: [2, 60], steps: 2}}\n");
  if (sw) CHECK(socap_sweep_value(sw, 0, 1) == 2 && socap_sweep_n_points(sw) == 4);
  socap_sweep_free(sw);
}

static void test_errors(void) {
  CHECK(load_error(SCEN "sweep:\n  axes:\n    model.halflife: [1, 2]\n",
                   "t.yaml:6:5: model.halflife: unknown parameter 'model.halflife' (did you mean 'model.half_life'?)"));
  CHECK(load_error(SCEN "sweep:\n  axes:\n    strategies.brokr.selectivity: [0.1]\n",
                   "unknown strategy 'brokr' (did you mean 'broker'?)"));
  CHECK(load_error(SCEN "sweep:\n  axes:\n    seed: [1, 2]\n", "the seed cannot be an axis"));
  CHECK(load_error(SCEN "sweep:\n  design: sobol\n  n: 4\n  axes:\n    model.rho: {min: 0.5, max: 0.1}\n",
                   "upper bound"));
  CHECK(load_error(SCEN "sweep:\n  axes:\n    model.rho: {min: 0.1, max: 0.5}\n", "{min, max} axes are for lhs"));
  CHECK(load_error(SCEN "sweep:\n  axes:\n    model.rho: {range: [0, 1], steps: 0}\n", "t.yaml:6:39"));
  CHECK(load_error(SCEN "sweep:\n  design: lhs\n  n: 5\n  axes:\n    model.rho: {min: 0, max: 1, log: true}\n",
                   "log scale needs positive bounds"));
  CHECK(load_error(SCEN "sweep:\n  design: list\n  points:\n    - {model.rho: 0.1}\n    - {model.tau: 2}\n",
                   "same parameters"));
  CHECK(load_error(SCEN "steps: 4\n", "duplicate"));
  CHECK(load_error(SCEN, "no sweep: block"));
  /* nested axes: dotted names are needed */
  CHECK(load_error(SCEN "sweep:\n  axes:\n    model:\n      p_pass: [0.1, 0.2]\n",
                   "t.yaml:6:5: model: 'model' is a section, not a parameter: axes use dotted names, e.g. "
                   "model.p_pass: [...]"));
  CHECK(load_error(SCEN "sweep:\n  axes: {strategies: {broker: {explore: [0.1]}}}\n",
                   "axes use dotted names, e.g. strategies.broker.explore"));
  CHECK(load_error(SCEN "sweep:\n  design: list\n  points:\n    - {model: {p_pass: 0.1}}\n",
                   "'model' is a section, not a parameter"));
  /* the seed is not sweepable, so it is never suggested */
  CHECK(load_error(SCEN "sweep:\n  axes: {sed: [1, 2]}\n", "unknown parameter 'sed' (did you mean 'steps'?)"));
  CHECK(load_error(SCEN "sweep: p_pass:0.3\n", "(missing space after ':' in 'p_pass:0.3'?)"));
}

int main(void) {
  gsl_set_error_handler_off();
  test_grid();
  test_seeds();
  test_sobol();
  test_lhs();
  test_list_and_failures();
  test_value_errors();
  test_errors();
  CHECK_DONE();
}
