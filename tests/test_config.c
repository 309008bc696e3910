/* Tests of the YAML config loader: good configs, defaults, --set, suggestions,
   round trip through socap_config_to_yaml, `socap params`, and every invalid
   config in tests/bad_configs (argv[1]) with its expected location. */
#define _POSIX_C_SOURCE 200809L
#include <dirent.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "socap/config.h"
#include "socap/error.h"
#include "yaml_tree.h"

/* Everything printed by socap_config_errors_print, as one string (static buffer). */
static const char *errs_text(const socap_config_errors *e) {
  static char buf[32768];
  FILE *f = tmpfile();
  buf[0] = 0;
  if (!f) return buf;
  socap_config_errors_print(f, e);
  rewind(f);
  size_t n = fread(buf, 1, sizeof buf - 1, f);
  buf[n] = 0;
  fclose(f);
  return buf;
}

#define CHECK_HAS(text, frag) CHECK_MSG(strstr((text), (frag)) != NULL, "'%s' not found in:\n%s", (frag), (text))

/* Field-by-field equality of two parameter sets, driven by the table. */
static int params_equal(const socap_params *a, const socap_params *b, char *why, size_t wlen) {
  for (const socap_param_def *d = socap_param_table; d->name; d++) {
    const void *ba, *bb;
    int count = 1;
    if (d->scope == SOCAP_PS_GLOBAL) {
      ba = a;
      bb = b;
    } else if (d->scope == SOCAP_PS_STRATEGY) {
      if (a->n_strategies != b->n_strategies) { snprintf(why, wlen, "n_strategies"); return 0; }
      count = a->n_strategies;
      ba = a->strategies;
      bb = b->strategies;
    } else {
      if (a->n_cohorts != b->n_cohorts) { snprintf(why, wlen, "n_cohorts"); return 0; }
      count = a->n_cohorts;
      ba = a->cohorts;
      bb = b->cohorts;
    }
    size_t stride = d->scope == SOCAP_PS_STRATEGY ? sizeof(socap_strategy) : sizeof(socap_cohort);
    for (int i = 0; i < count; i++) {
      const char *fa = (const char *)ba + (size_t)i * stride + d->offset;
      const char *fb = (const char *)bb + (size_t)i * stride + d->offset;
      int eq = 1;
      switch (d->type) {
      case SOCAP_PT_INT:
      case SOCAP_PT_BOOL:
      case SOCAP_PT_ENUM: eq = *(const int *)fa == *(const int *)fb; break;
      case SOCAP_PT_U64: eq = *(const uint64_t *)fa == *(const uint64_t *)fb; break;
      case SOCAP_PT_DOUBLE: eq = *(const double *)fa == *(const double *)fb; break;
      case SOCAP_PT_STRING: eq = strcmp(fa, fb) == 0; break;
      case SOCAP_PT_DLIST:
        for (int l = 0; l < d->list_len; l++) eq &= ((const double *)fa)[l] == ((const double *)fb)[l];
        break;
      case SOCAP_PT_ILIST: {
        int na = *(const int *)((const char *)a + d->count_offset);
        int nb = *(const int *)((const char *)b + d->count_offset);
        eq = na == nb;
        for (int l = 0; eq && l < na; l++) eq = ((const int *)fa)[l] == ((const int *)fb)[l];
        break;
      }
      }
      if (!eq) { snprintf(why, wlen, "%s [%d]", d->name, i); return 0; }
    }
  }
  for (int i = 0; i < a->n_strategies; i++)
    if (strcmp(a->strategies[i].name, b->strategies[i].name) || a->strategies[i].defined != b->strategies[i].defined) {
      snprintf(why, wlen, "strategy %d name", i);
      return 0;
    }
  for (int k = 0; k < a->n_cohorts; k++)
    if (a->cohorts[k].strategy != b->cohorts[k].strategy) { snprintf(why, wlen, "cohort %d strategy index", k); return 0; }
  return 1;
}

static const char *good_yaml =
    "# a complete scenario\n"
    "name: good\n"
    "seed: 18446744073709551615\n"
    "steps: 1e3\n"
    "population:\n"
    "  n_agents: 2000\n"
    "  group_size: 40\n"
    "  group_dist: poisson\n"
    "model:\n"
    "  half_life: 13\n"
    "  p_pass: 0.4\n"
    "  intro_cross_group: no\n"
    "  homophily: -0.25\n"
    "output:\n"
    "  layers: [0.9, 0.6, 0.3, 0.1]\n"
    "  snapshots: [0, 500, 1000]\n"
    "  agents_history: yes\n"
    "metrics: {betweenness: on, betweenness_samples: 64}\n"
    "strategies:\n"
    "  broker: {selectivity: 0.2, reactivation_order: recent}\n"
    "  mine:\n"
    "    explore: 0.5\n"
    "    maintain: 0.3\n"
    "    reactivate: 0.1\n"
    "    broker: 0.1\n"
    "    focus: 1.5\n"
    "cohorts:\n"
    "  - {name: juniors, strategy: mine, share: 0.25, time_budget: 8}\n"
    "  - name: seniors\n"
    "    strategy: broker\n"
    "    share: 0.75\n"
    "    skill: 0.9\n"
    "sweep:\n"
    "  replicates: 3\n"
    "  axes: {model.p_pass: [0.1, 0.2]}\n";

static void test_good(void) {
  socap_params p, d;
  socap_config_errors e;
  socap_params_default(&d);
  int rc = socap_config_load_string(good_yaml, "good.yaml", &p, &e);
  CHECK_MSG(rc == SOCAP_OK, "rc %d:\n%s", rc, errs_text(&e));
  CHECK(e.n == 0);
  CHECK(p.seed == UINT64_MAX);
  CHECK(p.steps == 1000);
  CHECK(p.n_agents == 2000 && p.group_size == 40 && p.group_dist == SOCAP_GROUPS_POISSON);
  CHECK(p.group_size_sd == d.group_size_sd); /* absent -> default */
  CHECK(p.half_life == 13.0 && p.p_pass == 0.4 && p.intro_cross_group == 0 && p.homophily == -0.25);
  CHECK(p.mu_in == d.mu_in && p.tau == d.tau && p.dunbar_limit == d.dunbar_limit);
  CHECK(p.layers[0] == 0.9 && p.layers[1] == 0.6 && p.layers[2] == 0.3 && p.layers[3] == 0.1);
  CHECK(p.n_snapshots == 3 && p.snapshots[0] == 0 && p.snapshots[1] == 500 && p.snapshots[2] == 1000);
  CHECK(p.agents_history == 1 && p.betweenness == 1 && p.betweenness_samples == 64);
  CHECK(p.record_every == d.record_every);
  /* preset override keeps the other preset fields */
  int b = socap_params_strategy_index(&p, "broker");
  CHECK(b == 4);
  CHECK(p.strategies[b].selectivity == 0.2 && p.strategies[b].reactivation_order == SOCAP_REACT_RECENT);
  CHECK(p.strategies[b].explore == d.strategies[b].explore && p.strategies[b].focus == d.strategies[b].focus);
  /* new strategy: given fields, the rest from the table defaults */
  int m = socap_params_strategy_index(&p, "mine");
  CHECK(m == 6 && p.n_strategies == 7);
  CHECK(p.strategies[m].explore == 0.5 && p.strategies[m].maintain == 0.3 && p.strategies[m].reactivate == 0.1 &&
        p.strategies[m].broker == 0.1 && p.strategies[m].focus == 1.5);
  CHECK(p.strategies[m].selectivity == socap_param_find("strategies.*.selectivity")->def);
  CHECK(p.strategies[m].reactivation_order == SOCAP_REACT_PEAK);
  /* cohorts replace the default list; strategy indices resolved */
  CHECK(p.n_cohorts == 2);
  CHECK(strcmp(p.cohorts[0].name, "juniors") == 0 && strcmp(p.cohorts[0].strategy_name, "mine") == 0);
  CHECK(p.cohorts[0].strategy == m && p.cohorts[0].share == 0.25 && p.cohorts[0].time_budget == 8);
  CHECK(p.cohorts[0].skill == socap_param_find("cohorts.*.skill")->def);
  CHECK(p.cohorts[1].strategy == b && p.cohorts[1].share == 0.75 && p.cohorts[1].skill == 0.9);
  CHECK(p.cohorts[1].time_budget == socap_param_find("cohorts.*.time_budget")->def);
}

static void test_defaults(void) {
  socap_params p, d;
  socap_config_errors e;
  char why[128] = "";
  socap_params_default(&d);
  CHECK(socap_config_check(&d, NULL) == SOCAP_OK); /* the defaults are valid */
  CHECK(socap_config_load_string("seed: 1\n", NULL, &p, &e) == SOCAP_OK);
  CHECK_MSG(params_equal(&p, &d, why, sizeof why), "differs at %s", why);
  /* a sweep block is skipped; an empty section is an error (see test_audit_fixes) */
  CHECK(socap_config_load_string("seed: 1\nsweep: {anything: [1, 2]}\n", NULL, &p, &e) == SOCAP_OK);
  CHECK_MSG(params_equal(&p, &d, why, sizeof why), "differs at %s", why);
  /* table defaults reach the struct */
  for (const socap_param_def *r = socap_param_table; r->name; r++)
    if (r->scope == SOCAP_PS_GLOBAL && r->type == SOCAP_PT_DOUBLE)
      CHECK_MSG(*(const double *)((const char *)&p + r->offset) == r->def, "%s", r->name);
}

static void test_sets(void) {
  socap_params p;
  socap_config_errors e;
  e.n = 0;
  CHECK(socap_config_load_string(good_yaml, "good.yaml", &p, &e) == SOCAP_OK);
  CHECK(socap_config_apply_set(&p, "model.half_life=7.5", &e) == SOCAP_OK && p.half_life == 7.5);
  CHECK(socap_config_apply_set(&p, "seed=0", &e) == SOCAP_OK && p.seed == 0);
  CHECK(socap_config_apply_set(&p, "strategies.broker.selectivity=0.35", &e) == SOCAP_OK);
  CHECK(p.strategies[4].selectivity == 0.35);
  CHECK(socap_config_apply_set(&p, "cohorts.0.share=0.5", &e) == SOCAP_OK && p.cohorts[0].share == 0.5);
  CHECK(socap_config_apply_set(&p, "cohorts.seniors.share=0.5", &e) == SOCAP_OK && p.cohorts[1].share == 0.5);
  CHECK(socap_config_apply_set(&p, "output.layers=[0.95,0.7,0.4,0.2]", &e) == SOCAP_OK);
  CHECK(p.layers[0] == 0.95 && p.layers[3] == 0.2);
  CHECK(socap_config_apply_set(&p, "output.snapshots=[]", &e) == SOCAP_OK && p.n_snapshots == 0);
  CHECK(socap_config_apply_set(&p, "model={p_pass: 0.1, w0: 0.25}", &e) == SOCAP_OK);
  CHECK(p.p_pass == 0.1 && p.w0 == 0.25);
  CHECK(socap_config_apply_set(&p, "strategies.solo={explore: 1, maintain: 0, reactivate: 0, broker: 0}", &e) ==
        SOCAP_OK);
  CHECK(socap_params_strategy_index(&p, "solo") == 7);
  CHECK(socap_config_apply_set(&p, "cohorts=[{name: x, strategy: solo, share: 1}]", &e) == SOCAP_OK);
  CHECK(p.n_cohorts == 1 && strcmp(p.cohorts[0].strategy_name, "solo") == 0);
  CHECK_MSG(e.n == 0, "%s", errs_text(&e));
  CHECK(socap_config_check(&p, &e) == SOCAP_OK && p.cohorts[0].strategy == 7);

  /* errors: file "--set", line 1, column within the assignment */
  e.n = 0;
  CHECK(socap_config_apply_set(&p, "model.p_pass=1.5", &e) == SOCAP_ECONFIG);
  CHECK_HAS(errs_text(&e), "--set:1:14: error: model.p_pass: model.p_pass = 1.5 is outside [0, 1]");
  CHECK(p.p_pass == 0.1); /* unchanged */
  e.n = 0;
  CHECK(socap_config_apply_set(&p, "model.p_pas=0.3", &e) == SOCAP_ECONFIG);
  CHECK_HAS(errs_text(&e), "--set:1:7: error: model.p_pas: unknown key in model (did you mean 'model.p_pass'?)");
  e.n = 0;
  CHECK(socap_config_apply_set(&p, "strategies.brokr.focus=1", &e) == SOCAP_ECONFIG);
  CHECK_HAS(errs_text(&e), "--set:1:12: error: strategies.brokr: unknown strategy 'brokr' (did you mean "
                           "'strategies.broker'?)");
  e.n = 0;
  CHECK(socap_config_apply_set(&p, "cohorts.3.share=0.5", &e) == SOCAP_ECONFIG);
  CHECK_HAS(errs_text(&e), "--set:1:9: error: cohorts.3: no cohort '3'");
  e.n = 0;
  CHECK(socap_config_apply_set(&p, "output.layers=[0.9, 0.5", &e) == SOCAP_ECONFIG);
  CHECK_HAS(errs_text(&e), "--set:1:24: error: syntax: did not find expected ',' or ']'");
  e.n = 0;
  CHECK(socap_config_apply_set(&p, "steps", &e) == SOCAP_ECONFIG);
  CHECK_HAS(errs_text(&e), "expected key=value");
  e.n = 0;
  CHECK(socap_config_apply_set(&p, "model..p_pass=1", &e) == SOCAP_ECONFIG);
  CHECK_HAS(errs_text(&e), "--set:1:7: error: model..p_pass: empty key part");
  e.n = 0;
  CHECK(socap_config_apply_set(&p, "strategies.new2={explore: 1}", &e) == SOCAP_ECONFIG);
  CHECK_HAS(errs_text(&e), "--set:1:12: error: strategies.new2: new strategy 'new2' must give all four fractions");
  e.n = 0;
  CHECK(socap_config_apply_set(&p, "sweep.replicates=3", &e) == SOCAP_ECONFIG);
  CHECK_HAS(errs_text(&e), "--set:1:1: error: sweep.replicates: the sweep block cannot be set");
  e.n = 0;
  CHECK(socap_config_apply_set(&p, "modle.p_pass=0.3", &e) == SOCAP_ECONFIG);
  CHECK_HAS(errs_text(&e), "--set:1:1: error: modle: unknown key (did you mean 'model'?)");
  e.n = 0;
  CHECK(socap_config_apply_set(&p, "model.p_pass=", &e) == SOCAP_ECONFIG);
  CHECK_HAS(errs_text(&e), "--set:1:14: error: model.p_pass: missing value");
  e.n = 0;
  CHECK(socap_config_apply_set(&p, "strategies.broker.explore=x", &e) == SOCAP_ECONFIG);
  CHECK_HAS(errs_text(&e), "--set:1:27: error: strategies.broker.explore: expected a number, got 'x'");

  /* socap_config_load: file + sets, checked once at the end */
  const char *path = "test_config_sets.yaml";
  FILE *f = fopen(path, "w");
  CHECK(f != NULL);
  if (!f) return;
  /* invalid alone (fractions sum to 1.3), repaired by an override */
  fputs("steps: 20\nstrategies:\n  broker:\n    explore: 0.5\n", f);
  fclose(f);
  CHECK(socap_config_load_file(path, &p, &e) == SOCAP_ECONFIG);
  CHECK_HAS(errs_text(&e), "test_config_sets.yaml:3:3: error: strategies.broker: explore + maintain");
  const char *fix[] = {"strategies.broker.maintain=0.1", "model.half_life=3"};
  CHECK(socap_config_load(path, fix, 2, &p, &e) == SOCAP_OK);
  CHECK(p.half_life == 3 && p.strategies[4].maintain == 0.1 && p.steps == 20);
  /* a cross-field error caused by an override points at the override */
  const char *bad[] = {"strategies.broker.maintain=0.1", "output.snapshots=[0, 30]"};
  CHECK(socap_config_load(path, bad, 2, &p, &e) == SOCAP_ECONFIG);
  CHECK_MSG(e.n == 1, "%s", errs_text(&e));
  CHECK_HAS(errs_text(&e), "--set:1:18: error: output.snapshots: step 30 is outside 0..steps (20)");
  const char *bad2[] = {"population.n_agents=10"};
  CHECK(socap_config_load(path, bad2, 1, &p, &e) == SOCAP_ECONFIG);
  CHECK_HAS(errs_text(&e), "--set:1:21: error: population.group_size: 50 does not fit in population.n_agents = 10");
  remove(path);

  /* unreadable file: SOCAP_EIO naming the file */
  CHECK(socap_config_load_file("/nonexistent/x.yaml", &p, &e) == SOCAP_EIO);
  CHECK_HAS(errs_text(&e), "/nonexistent/x.yaml: error: cannot open file: No such file or directory");
}

static void test_messages(void) {
  socap_params p;
  socap_config_errors e;
  /* several independent errors are all reported */
  const char *y = "modle: {}\n"
                  "population: {n_agnets: 5}\n"
                  "model: {halflife: 3, p_pass: 2}\n"
                  "strategies: {broker: {explor: 0.1}}\n"
                  "cohorts: [{nme: a}]\n";
  CHECK(socap_config_load_string(y, "m.yaml", &p, &e) == SOCAP_ECONFIG);
  const char *t = errs_text(&e);
  CHECK_HAS(t, "m.yaml:1:1: error: modle: unknown key (did you mean 'model'?)");
  CHECK_HAS(t, "m.yaml:2:14: error: population.n_agnets: unknown key in population (did you mean "
               "'population.n_agents'?)");
  CHECK_HAS(t, "m.yaml:3:9: error: model.halflife: unknown key in model (did you mean 'model.half_life'?)");
  CHECK_HAS(t, "m.yaml:3:30: error: model.p_pass: model.p_pass = 2 is outside [0, 1]");
  CHECK_HAS(t, "m.yaml:4:23: error: strategies.broker.explor: unknown key in a strategy (did you mean "
               "'strategies.broker.explore'?)");
  CHECK_HAS(t, "m.yaml:5:12: error: cohorts.0.nme: unknown key in a cohort (did you mean 'cohorts.0.name'?)");
  CHECK_HAS(t, "m.yaml:5:11: error: cohorts.0.name: missing required key 'name'");
  CHECK_HAS(t, "cohorts.0.strategy: missing required key");
  CHECK_HAS(t, "cohorts.0.share: missing required key");
  CHECK_MSG(e.n == 9, "%d errors:\n%s", e.n, t);
  /* prefix suggestion, and no suggestion for something unrelated */
  CHECK(socap_config_load_string("model: {dunbar: 3, zzzzzz: 1}\n", "s.yaml", &p, &e) == SOCAP_ECONFIG);
  t = errs_text(&e);
  CHECK_HAS(t, "model.dunbar: unknown key in model (did you mean 'model.dunbar_limit'?)");
  CHECK_HAS(t, "model.zzzzzz: unknown key in model\n");
  /* a misspelt preset becomes a new strategy: missing fractions, with a hint */
  CHECK(socap_config_load_string("strategies: {brokr: {selectivity: 0.1}}\n", "s.yaml", &p, &e) == SOCAP_ECONFIG);
  CHECK_HAS(errs_text(&e), "missing: explore, maintain, reactivate, broker (did you mean 'strategies.broker'?)");
  /* no more than 32 errors are kept */
  char big[4096] = "model:\n";
  for (int i = 0; i < 40; i++) {
    size_t l = strlen(big);
    snprintf(big + l, sizeof big - l, "  bogus_%d: 1\n", i);
  }
  CHECK(socap_config_load_string(big, "big.yaml", &p, &e) == SOCAP_ECONFIG);
  CHECK(e.n == SOCAP_CONFIG_MAX_ERRORS);
  /* NULL errs is allowed */
  CHECK(socap_config_load_string("model: {p_pass: 7}\n", NULL, &p, NULL) == SOCAP_ECONFIG);
  /* print format without location / param */
  socap_config_errors x = {0};
  x.n = 2;
  snprintf(x.e[0].file, sizeof x.e[0].file, "f.yaml");
  snprintf(x.e[0].msg, sizeof x.e[0].msg, "m0");
  snprintf(x.e[1].param, sizeof x.e[1].param, "model.w0");
  snprintf(x.e[1].msg, sizeof x.e[1].msg, "m1");
  CHECK(strcmp(errs_text(&x), "f.yaml: error: m0\nerror: model.w0: m1\n") == 0);
  /* socap_params_check_each reports every violation */
  socap_params_default(&p);
  p.w_intro = 0.1;
  p.cohorts[0].share = 0.5;
  p.p_pass = 3;
  CHECK(socap_params_check_each(&p, NULL, NULL) == 3);
  char buf[256];
  CHECK(socap_params_check(&p, buf, sizeof buf) != 0);
  CHECK_HAS(buf, "model.p_pass: model.p_pass = 3 is outside [0, 1]");
  e.n = 0;
  CHECK(socap_config_check(&p, &e) == SOCAP_ECONFIG && e.n == 3);
}

static void test_values(void) {
  socap_params p;
  socap_config_errors e;
  CHECK(socap_config_load_string("steps: +12\nmetrics: {betweenness: TRUE}\nmodel: {mu_in: 1.5e-1, mu_out: .5}\n",
                                 NULL, &p, &e) == SOCAP_OK);
  CHECK(p.steps == 12 && p.betweenness == 1 && p.mu_in == 0.15 && p.mu_out == 0.5);
  CHECK(socap_config_load_string("steps: 100.0\n", NULL, &p, &e) == SOCAP_OK && p.steps == 100);
  CHECK(socap_config_load_string("steps: 0x10\n", NULL, &p, &e) == SOCAP_ECONFIG);
  CHECK(socap_config_load_string("model: {p_pass: -.inf}\n", NULL, &p, &e) == SOCAP_ECONFIG);
  CHECK(socap_config_load_string("model: {p_pass: nan}\n", NULL, &p, &e) == SOCAP_ECONFIG);
  CHECK(socap_config_load_string("model: {p_pass: 1e400}\n", NULL, &p, &e) == SOCAP_ECONFIG);
  CHECK_HAS(errs_text(&e), "too large for a double");
  CHECK(socap_config_load_string("steps: 2147483648\n", NULL, &p, &e) == SOCAP_ECONFIG);
  CHECK(socap_config_load_string("seed: 1.0\n", NULL, &p, &e) == SOCAP_ECONFIG);
  CHECK(socap_config_load_string("seed: 12345678901234567890\n", NULL, &p, &e) == SOCAP_OK);
  CHECK(p.seed == UINT64_C(12345678901234567890));
  CHECK(socap_config_load_string("---\n", NULL, &p, &e) == SOCAP_ECONFIG);
  CHECK_HAS(errs_text(&e), "empty configuration");
  CHECK(socap_config_load_string("just a string\n", NULL, &p, &e) == SOCAP_ECONFIG);
  CHECK_HAS(errs_text(&e), "top level must be a mapping");
}

static void test_round_trip(void) {
  socap_params p, q;
  socap_config_errors e;
  char *y = NULL, *y2 = NULL, why[128] = "";
  CHECK(socap_config_load_string(good_yaml, "good.yaml", &p, &e) == SOCAP_OK);
  /* values that need all 17 digits */
  p.mu_in = 1.0 / 3.0;
  p.homophily = -0.1 - 0.2;
  p.tau = 1e-5 + 1e-21;
  p.strategies[6].focus = 2.0 / 3.0;
  p.cohorts[0].skill = 0.7000000000000001;
  p.cohorts[0].share = 0.1 + 0.15;
  p.cohorts[1].share = 1 - p.cohorts[0].share;
  CHECK(socap_config_check(&p, NULL) == SOCAP_OK);
  CHECK(socap_config_to_yaml(&p, &y) == SOCAP_OK && y != NULL);
  if (!y) return;
  int rc = socap_config_load_string(y, "resolved.yaml", &q, &e);
  CHECK_MSG(rc == SOCAP_OK, "%s\n%s", errs_text(&e), y);
  CHECK_MSG(params_equal(&p, &q, why, sizeof why), "round trip differs at %s", why);
  CHECK(socap_config_to_yaml(&q, &y2) == SOCAP_OK && y2 && strcmp(y, y2) == 0);
  /* every table row appears in the text */
  for (const socap_param_def *d = socap_param_table; d->name; d++) {
    const char *leaf = strrchr(d->name, '.');
    char k[96];
    snprintf(k, sizeof k, "%s: ", leaf ? leaf + 1 : d->name);
    CHECK_MSG(strstr(y, k) != NULL, "%s missing", d->name);
  }
  free(y);
  free(y2);
  /* the defaults round-trip too */
  socap_params_default(&p);
  CHECK(socap_config_check(&p, NULL) == SOCAP_OK);
  CHECK(socap_config_to_yaml(&p, &y) == SOCAP_OK);
  CHECK(y && socap_config_load_string(y, NULL, &q, &e) == SOCAP_OK);
  CHECK_MSG(params_equal(&p, &q, why, sizeof why), "default round trip differs at %s", why);
  free(y);
}

static void test_params_print(void) {
  for (int md = 0; md <= 1; md++) {
    FILE *f = tmpfile();
    CHECK(f != NULL);
    if (!f) return;
    CHECK(socap_params_print(f, md) == SOCAP_OK);
    long n = ftell(f);
    rewind(f);
    char *buf = calloc(1, (size_t)n + 1);
    CHECK(buf && fread(buf, 1, (size_t)n, f) == (size_t)n);
    fclose(f);
    if (!buf) return;
    size_t rows = 0;
    for (const socap_param_def *d = socap_param_table; d->name; d++) {
      char pat[160];
      snprintf(pat, sizeof pat, md ? "\n| `%s` |" : "\n%s ", d->name);
      CHECK_MSG(strstr(buf, pat) != NULL, "row %s missing", d->name);
      if (d->doc) CHECK_HAS(buf, d->doc);
      rows++;
    }
    CHECK(rows == socap_param_count());
    if (md) {
      CHECK_HAS(buf, "| `model.p_pass` | double | `0.5` | 0 | 1 | 1 |");
      CHECK_HAS(buf, "| `output.layers` | double[4] | `[0.8, 0.5, 0.25, 0.1]` |");
      CHECK_HAS(buf, "| `seed` | uint64 | `1` | 0 | 18446744073709551615 |");
      CHECK_HAS(buf, "| `cohorts.*.share` | double | `required` |");
      CHECK_HAS(buf, "(equal\\|poisson\\|lognormal)");
    } else {
      CHECK_HAS(buf, "population.group_dist");
      CHECK_HAS(buf, "equal");
    }
    free(buf);
  }
}

static void test_tree(void) {
  socap_yt_doc *doc = NULL;
  socap_config_errors e = {0};
  const char *y = "a:\n  b: [10, {c: x}]\n  'd': \"q\"\n";
  CHECK(socap_yt_parse_string(y, strlen(y), "t.yaml", 0, &doc, &e) == SOCAP_OK && doc);
  if (!doc) return;
  const socap_yt_node *n = socap_yt_get_path(doc->root, "a.b.1.c");
  CHECK(n && n->kind == SOCAP_YT_SCALAR && strcmp(n->value, "x") == 0 && n->line == 2 && n->col == 15);
  char path[64];
  CHECK(n && strcmp(socap_yt_path(n, path, sizeof path), "a.b.1.c") == 0);
  CHECK(socap_yt_get_path(doc->root, "a.b.2") == NULL && socap_yt_get_path(doc->root, "a.x") == NULL);
  n = socap_yt_get(socap_yt_get(doc->root, "a"), "d");
  CHECK(n && n->quoted && strcmp(n->value, "q") == 0);
  CHECK(socap_yt_key_at(doc->root, 0) && strcmp(socap_yt_key_at(doc->root, 0)->value, "a") == 0);
  CHECK(strcmp(doc->root->file, "t.yaml") == 0);
  socap_yt_free(doc);
  /* the sweep module can load the scenario from its own parsed tree */
  CHECK(socap_yt_parse_string(good_yaml, strlen(good_yaml), "g.yaml", 0, &doc, &e) == SOCAP_OK);
  socap_params p;
  const char *sets[] = {"steps=10", "output.snapshots=[0, 10]"};
  CHECK(doc && socap_config_load_doc(doc, sets, 2, &p, &e) == SOCAP_OK && p.steps == 10);
  const socap_yt_node *sw = socap_yt_get_path(doc ? doc->root : NULL, "sweep.replicates");
  CHECK(sw && strcmp(sw->value, "3") == 0);
  socap_yt_free(doc);
  /* tree errors */
  e.n = 0;
  CHECK(socap_yt_parse_string("a: 1\nb: *x\n", 10, "t", 0, &doc, &e) == SOCAP_ECONFIG && doc == NULL);
  CHECK_HAS(errs_text(&e), "t:2:4: error: syntax:");
  e.n = 0;
  CHECK(socap_yt_parse_string("a: {b: 1, b: 2, b: 3}\n", 22, "t", 0, &doc, &e) == SOCAP_ECONFIG);
  CHECK(e.n == 2);
  CHECK_HAS(errs_text(&e), "t:1:11: error: a.b: duplicate key 'b' (first at 1:5)");
}

/* configs/example_full.yaml is valid and shows every table row. */
static void test_example(const char *path) {
  socap_params p;
  socap_config_errors e;
  socap_yt_doc *doc = NULL;
  int rc = socap_config_load_file(path, &p, &e);
  CHECK_MSG(rc == SOCAP_OK, "%s", errs_text(&e));
  CHECK(socap_yt_parse_file(path, &doc, &e) == SOCAP_OK && doc);
  if (!doc) return;
  const socap_yt_node *strat = socap_yt_get_path(doc->root, "strategies.curious");
  const socap_yt_node *coh = socap_yt_get_path(doc->root, "cohorts.0");
  CHECK(socap_yt_get(doc->root, "name") != NULL);
  for (const socap_param_def *d = socap_param_table; d->name; d++) {
    const socap_yt_node *n = NULL;
    if (d->scope == SOCAP_PS_GLOBAL) n = socap_yt_get_path(doc->root, d->name);
    else if (d->scope == SOCAP_PS_STRATEGY) n = socap_yt_get(strat, d->name + strlen("strategies.*."));
    else n = socap_yt_get(coh, d->name + strlen("cohorts.*."));
    CHECK_MSG(n != NULL, "%s: %s not shown", path, d->name);
  }
  socap_yt_free(doc);
}

/* Every tests/bad_configs/NN_name.yaml fails with the location, parameter and
   message fragment given in NN_name.expect. */
static void test_bad_configs(const char *dir) {
  DIR *dp = opendir(dir);
  CHECK_MSG(dp != NULL, "cannot open %s", dir);
  if (!dp) return;
  int n = 0;
  struct dirent *de;
  while ((de = readdir(dp))) {
    size_t l = strlen(de->d_name);
    if (l < 6 || strcmp(de->d_name + l - 5, ".yaml") != 0) continue;
    char path[1024], epath[1024], expect[512] = "", want[1600];
    snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
    snprintf(epath, sizeof epath, "%s/%.*s.expect", dir, (int)(l - 5), de->d_name);
    FILE *f = fopen(epath, "r");
    CHECK_MSG(f != NULL, "no %s", epath);
    if (!f) continue;
    if (!fgets(expect, sizeof expect, f)) expect[0] = 0;
    fclose(f);
    expect[strcspn(expect, "\n")] = 0;
    CHECK_MSG(expect[0] != 0, "empty %s", epath);
    socap_params p;
    socap_config_errors e;
    int rc = socap_config_load_file(path, &p, &e);
    CHECK_MSG(rc == SOCAP_ECONFIG, "%s: rc %d", path, rc);
    CHECK_MSG(e.n >= 1, "%s: no errors", path);
    snprintf(want, sizeof want, "%s:%s", path, expect);
    CHECK_HAS(errs_text(&e), want);
    n++;
  }
  closedir(dp);
  CHECK_MSG(n >= 30, "only %d bad configs", n);
  printf("%d bad configs checked\n", n);
}

/* Size limits and kinds of files. */
static void test_files(void) {
  socap_params p;
  socap_config_errors e;
  /* a regular file over the cap is refused from its size, without reading it */
  const char *big = "test_config_big.yaml";
  FILE *f = fopen(big, "w");
  CHECK(f != NULL);
  if (f) {
    fputs("steps: 3\n#", f);
    CHECK(fseek(f, (long)SOCAP_CONFIG_MAX_BYTES, SEEK_SET) == 0);
    fputc('\n', f);
    fclose(f);
    CHECK(socap_config_load_file(big, &p, &e) == SOCAP_ECONFIG);
    CHECK_HAS(errs_text(&e), "test_config_big.yaml: error: too large (16777217 bytes; a scenario is at most 16 MiB)");
    /* just at the cap is read */
    f = fopen(big, "r+");
    CHECK(f != NULL);
    if (f) fclose(f);
    CHECK(truncate(big, (off_t)SOCAP_CONFIG_MAX_BYTES) == 0);
    CHECK_MSG(socap_config_load_file(big, &p, &e) == SOCAP_ECONFIG, "%s", errs_text(&e));
    CHECK(strstr(errs_text(&e), "too large") == NULL); /* the NUL bytes are a syntax error, but it was read */
    remove(big);
  }
  /* a device without a size (used to read 2 GB, then fail with an empty message) */
  FILE *z = fopen("/dev/zero", "rb");
  if (z) {
    fclose(z);
    CHECK(socap_config_load_file("/dev/zero", &p, &e) == SOCAP_ECONFIG);
    CHECK_HAS(errs_text(&e), "/dev/zero: error: too large (more than 16777216 bytes; a scenario is at most 16 MiB)");
  }
  /* a directory */
  CHECK(socap_config_load_file(".", &p, &e) == SOCAP_ECONFIG);
  CHECK_HAS(errs_text(&e), ".: error: is a directory, not a YAML scenario file");
  /* a pipe is read like a file */
  const char *fifo = "test_config_fifo";
  remove(fifo);
  if (mkfifo(fifo, 0600) == 0) {
    pid_t pid = fork();
    if (pid == 0) {
      FILE *w = fopen(fifo, "w");
      if (w) { fputs("steps: 7\n", w); fclose(w); }
      _exit(0);
    }
    if (pid > 0) {
      CHECK(socap_config_load_file(fifo, &p, &e) == SOCAP_OK && p.steps == 7);
      waitpid(pid, NULL, 0);
    }
    remove(fifo);
  }
}

/* Fixes of the configuration audit (cross-field caps, reserved names, hints,
   tags, empty keys and values, sums). */
static void test_audit_fixes(void) {
  socap_params p;
  socap_config_errors e;
  const char *t;
  /* expected actions per agent and step are capped */
  CHECK(socap_config_load_string("model: {cost_meet: 1e-6, cost_intro: 1e-6, cost_react: 1e-6}\n", "c.yaml", &p, &e) ==
        SOCAP_ECONFIG);
  t = errs_text(&e);
  CHECK_HAS(t, "c.yaml:1:20: error: model.cost_meet: 1e-06 h gives 2.4e+06 expected event meetings per agent and "
               "step in cohort 'all' (strategy 'broad_active': explore 0.6 x propensity 0.8 x time_budget 5 h / "
               "1e-06 h); at most 10000 are allowed: raise model.cost_meet");
  CHECK_MSG(e.n == 1, "%s", t); /* broad_active neither introduces nor reactivates */
  const char *mix = "strategies:\n  solo: {explore: 1, maintain: 0, reactivate: 0, broker: 0}\n"
                    "cohorts:\n  - {name: a, strategy: solo, share: 0.5, time_budget: 78.125, propensity: 1}\n"
                    "  - {name: b, strategy: broker, share: 0.5}\n";
  char y[1024];
  /* exactly 10000 (78.125 h / 2^-7 h) is allowed, a little more is not */
  snprintf(y, sizeof y, "%smodel: {cost_meet: 0.0078125, cost_react: 0.0078125}\n", mix);
  CHECK_MSG(socap_config_load_string(y, "c.yaml", &p, &e) == SOCAP_OK, "%s", errs_text(&e));
  snprintf(y, sizeof y, "%smodel: {cost_meet: 0.0078, cost_react: 0.0078, cost_intro: 1e-5}\n", mix);
  CHECK(socap_config_load_string(y, "c.yaml", &p, &e) == SOCAP_ECONFIG);
  t = errs_text(&e);
  CHECK_HAS(t, "model.cost_meet: 0.0078 h gives 10016 expected event meetings per agent and step in cohort 'a' "
               "(strategy 'solo': explore 1 x propensity 1 x time_budget 78.125 h / 0.0078 h); at most 10000 are "
               "allowed");
  CHECK_HAS(t, "model.cost_intro: 1e-05 h gives 160000 expected introductions per agent and step in cohort 'b'");
  CHECK_MSG(e.n == 2, "%s", t);
  socap_params_default(&p);
  p.cost_react = 1e-7; /* below its own minimum too: the range and the cap are both reported */
  p.strategies[0].reactivate = 0.5;
  p.strategies[0].explore = 0.1;
  CHECK(socap_params_check_each(&p, NULL, NULL) == 2);

  /* 'all' is the all-agents row of /timeseries: a strategy cannot take the name */
  CHECK(socap_config_load_string("strategies:\n  all: {explore: 1, maintain: 0, reactivate: 0, broker: 0}\n", "a.yaml",
                                 &p, &e) == SOCAP_ECONFIG);
  CHECK_HAS(errs_text(&e), "a.yaml:2:3: error: strategies.all: the name 'all' is reserved for the all-agents row");
  socap_params_default(&p);
  e.n = 0;
  CHECK(socap_config_apply_set(&p, "strategies.all={explore: 1, maintain: 0, reactivate: 0, broker: 0}", &e) ==
        SOCAP_ECONFIG);
  CHECK_HAS(errs_text(&e), "--set:1:12: error: strategies.all: the name 'all' is reserved");
  socap_params_default(&p);
  snprintf(p.strategies[5].name, sizeof p.strategies[5].name, "all");
  snprintf(p.cohorts[0].strategy_name, sizeof p.cohorts[0].strategy_name, "all");
  char buf[256];
  CHECK(socap_params_check(&p, buf, sizeof buf) != 0);
  CHECK_HAS(buf, "strategies.all: the name 'all' is reserved");
  /* a cohort may be called 'all' (the default cohort is): no cohort row is called 'all' */
  CHECK(socap_config_load_string("cohorts: [{name: all, strategy: broker, share: 1}]\n", NULL, &p, &e) == SOCAP_OK);

  /* sums: enough digits to see why 0.500001 + 0.5 is not 1 */
  CHECK(socap_config_load_string("cohorts: [{name: a, strategy: broker, share: 0.500001}, "
                                 "{name: b, strategy: broker, share: 0.5}]\n", "s.yaml", &p, &e) == SOCAP_ECONFIG);
  CHECK_HAS(errs_text(&e), "s.yaml:1:1: error: cohorts: shares sum to 1.000001, must sum to 1");
  CHECK(socap_config_load_string("strategies: {broker: {explore: 0.200001}}\n", "s.yaml", &p, &e) == SOCAP_ECONFIG);
  CHECK_HAS(errs_text(&e), "strategies.broker: explore + maintain + reactivate + broker = 1.000001, must sum to 1");
  /* within the tolerance of 1e-6 is fine */
  CHECK(socap_config_load_string("strategies: {broker: {explore: 0.2000001}}\n", "s.yaml", &p, &e) == SOCAP_OK);

  /* hints: a missing space after ':' */
  CHECK(socap_config_load_string("model:\n  p_pass:0.3\n", "h.yaml", &p, &e) == SOCAP_ECONFIG);
  CHECK_HAS(errs_text(&e), "h.yaml:2:3: error: model: expected a mapping of model parameters, got a scalar (missing "
                           "space after ':' in 'p_pass:0.3'?)");
  CHECK(socap_config_load_string("seed:1\n", "h.yaml", &p, &e) == SOCAP_ECONFIG);
  CHECK_HAS(errs_text(&e), "got a scalar (missing space after ':' in 'seed:1'?)");
  CHECK(socap_config_load_string("strategies: {broker: explore:0.3}\n", "h.yaml", &p, &e) == SOCAP_ECONFIG);
  CHECK_HAS(errs_text(&e), "(missing space after ':' in 'explore:0.3'?)");
  CHECK(socap_config_load_string("model:\n  w0: 0.2\n  p_pass:0.3\n", "h.yaml", &p, &e) == SOCAP_ECONFIG);
  CHECK_HAS(errs_text(&e), "h.yaml:3:3: error: syntax: could not find expected ':' while scanning a simple key "
                           "(missing space after ':' in 'p_pass:0.3'?)");
  /* no hint for a URL-like or a quoted value */
  CHECK(socap_config_load_string("model: \"p_pass:0.3\"\n", "h.yaml", &p, &e) == SOCAP_ECONFIG);
  CHECK(strstr(errs_text(&e), "missing space") == NULL);
  /* hints: a tab */
  CHECK(socap_config_load_string("steps: 3\npopulation:\n\tn_agents: 100\n", "h.yaml", &p, &e) == SOCAP_ECONFIG);
  CHECK_HAS(errs_text(&e), "h.yaml:3:1: error: syntax: tab character: YAML indentation must use spaces");
  CHECK(socap_config_load_string("model:\n  w0: 0.2\n\tp_pass: 0.3\n", "h.yaml", &p, &e) == SOCAP_ECONFIG);
  CHECK_HAS(errs_text(&e), "h.yaml:3:1: error: syntax: tab character: YAML indentation must use spaces");
  CHECK(socap_config_load_string("steps: 3\n\x01\n", "h.yaml", &p, &e) == SOCAP_ECONFIG);
  CHECK(strstr(errs_text(&e), "tab character") == NULL);

  /* tags */
  CHECK(socap_config_load_string("seed: !custom 5\n", "g.yaml", &p, &e) == SOCAP_ECONFIG);
  CHECK_HAS(errs_text(&e), "g.yaml:1:7: error: seed: unsupported YAML tag '!custom'");
  CHECK(socap_config_load_string("seed: !!str 5\n", "g.yaml", &p, &e) == SOCAP_ECONFIG);
  CHECK_HAS(errs_text(&e), "g.yaml:1:7: error: seed: expected a non-negative integer, got '5' tagged !!str");
  CHECK(socap_config_load_string("model: {p_pass: !!str 0.3}\n", "g.yaml", &p, &e) == SOCAP_ECONFIG);
  CHECK_HAS(errs_text(&e), "g.yaml:1:17: error: model.p_pass: expected a number, got '0.3' tagged !!str");
  CHECK(socap_config_load_string("model: !!seq {p_pass: 0.3}\n", "g.yaml", &p, &e) == SOCAP_ECONFIG);
  CHECK_HAS(errs_text(&e), "g.yaml:1:8: error: model: YAML tag '!!seq' does not fit a mapping");
  CHECK(socap_config_load_string("output: {layers: [0.9, !local 0.5, 0.2, 0.1]}\n", "g.yaml", &p, &e) ==
        SOCAP_ECONFIG);
  CHECK_HAS(errs_text(&e), "g.yaml:1:24: error: output.layers.1: unsupported YAML tag '!local'");
  /* standard tags that fit are accepted */
  CHECK(socap_config_load_string("seed: !!int 5\nmodel: !!map {p_pass: !!float 0.25}\n"
                                 "cohorts: [{name: !!str a, strategy: broker, share: 1}]\n", NULL, &p, &e) == SOCAP_OK);
  CHECK(p.seed == 5 && p.p_pass == 0.25 && strcmp(p.cohorts[0].name, "a") == 0);

  /* empty keys */
  CHECK(socap_config_load_string("steps: 3\n\"\": 2\n", "k.yaml", &p, &e) == SOCAP_ECONFIG);
  CHECK_HAS(errs_text(&e), "k.yaml:2:1: error: empty key (every key needs a name)");
  CHECK(socap_config_load_string("model: {\"\": 2}\n", "k.yaml", &p, &e) == SOCAP_ECONFIG);
  CHECK_HAS(errs_text(&e), "k.yaml:1:9: error: model.: empty key in model");
  CHECK(socap_config_load_string("strategies: {\"\": {explore: 1}}\n", "k.yaml", &p, &e) == SOCAP_ECONFIG);
  CHECK_HAS(errs_text(&e), "empty strategy name");
  CHECK(socap_config_load_string("cohorts: [{name: a, strategy: broker, share: 1, \"\": 1}]\n", "k.yaml", &p, &e) ==
        SOCAP_ECONFIG);
  CHECK_HAS(errs_text(&e), "cohorts.0.: empty key in a cohort");

  /* explicit empty values for sections and strategies */
  CHECK(socap_config_load_string("steps: 3\npopulation:\n", "n.yaml", &p, &e) == SOCAP_ECONFIG);
  CHECK_HAS(errs_text(&e), "n.yaml:2:1: error: population: empty value for 'population'; remove the key or give a "
                           "mapping of population parameters");
  CHECK(socap_config_load_string("model: ~\n", "n.yaml", &p, &e) == SOCAP_ECONFIG);
  CHECK_HAS(errs_text(&e), "empty value for 'model'");
  CHECK(socap_config_load_string("strategies:\n", "n.yaml", &p, &e) == SOCAP_ECONFIG);
  CHECK_HAS(errs_text(&e), "empty value for 'strategies'");
  CHECK(socap_config_load_string("strategies: {broker: null}\n", "n.yaml", &p, &e) == SOCAP_ECONFIG);
  CHECK_HAS(errs_text(&e), "n.yaml:1:14: error: strategies.broker: empty value for 'strategies.broker'");
  CHECK(socap_config_load_string("model: {}\nstrategies: {broker: {}}\n", NULL, &p, &e) == SOCAP_OK);

  /* --set with an empty key names the whole argument */
  socap_params_default(&p);
  e.n = 0;
  CHECK(socap_config_apply_set(&p, "=0.3", &e) == SOCAP_ECONFIG);
  CHECK_HAS(errs_text(&e), "--set:1:1: error: empty key in '=0.3' (expected key=value)");
  e.n = 0;
  CHECK(socap_config_apply_set(&p, "model.=0.3", &e) == SOCAP_ECONFIG);
  CHECK_HAS(errs_text(&e), "--set:1:7: error: model.: empty key part in 'model.=0.3'");

  /* socap_config_apply_node: a tree value at a dotted name, located in its file */
  socap_yt_doc *doc = NULL;
  const char *v = "x: [abc, 0.5, 7]\n";
  CHECK(socap_yt_parse_string(v, strlen(v), "v.yaml", 0, &doc, &e) == SOCAP_OK && doc);
  if (doc) {
    const socap_yt_node *seq = socap_yt_get(doc->root, "x");
    socap_params_default(&p);
    e.n = 0;
    CHECK(socap_config_apply_node(&p, "model.p_pass", doc->root->keys[0], seq->items[0], &e) == SOCAP_ECONFIG);
    CHECK_HAS(errs_text(&e), "v.yaml:1:5: error: model.p_pass: expected a number, got 'abc'");
    CHECK(socap_config_apply_node(&p, "model.p_pass", doc->root->keys[0], seq->items[1], &e) == SOCAP_OK);
    CHECK(p.p_pass == 0.5);
    e.n = 0;
    CHECK(socap_config_apply_node(&p, "model.p_pass", doc->root->keys[0], seq->items[2], &e) == SOCAP_ECONFIG);
    CHECK_HAS(errs_text(&e), "v.yaml:1:15: error: model.p_pass: model.p_pass = 7 is outside [0, 1]");
    CHECK(socap_config_apply_node(&p, "strategies.broker.focus", doc->root->keys[0], seq->items[2], &e) == SOCAP_OK);
    CHECK(p.strategies[4].focus == 7);
    socap_yt_free(doc);
  }
}

int main(int argc, char **argv) {
  test_good();
  test_defaults();
  test_sets();
  test_messages();
  test_values();
  test_round_trip();
  test_params_print();
  test_tree();
  test_files();
  test_audit_fixes();
#ifdef SOCAP_BAD_CONFIG_DIR
  test_bad_configs(argc > 1 ? argv[1] : SOCAP_BAD_CONFIG_DIR);
#else
  if (argc > 1) test_bad_configs(argv[1]);
  else CHECK_MSG(0, "usage: test_config BAD_CONFIG_DIR [EXAMPLE_YAML]");
#endif
#ifdef SOCAP_EXAMPLE_FULL
  test_example(argc > 2 ? argv[2] : SOCAP_EXAMPLE_FULL);
#else
  if (argc > 2) test_example(argv[2]);
#endif
  CHECK_DONE();
}
