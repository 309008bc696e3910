/* The parameter table: the single source of truth for every parameter. */
#include "socap/params.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#define G(field) SOCAP_PS_GLOBAL, offsetof(socap_params, field)
#define S(field) SOCAP_PS_STRATEGY, offsetof(socap_strategy, field)
#define C(field) SOCAP_PS_COHORT, offsetof(socap_cohort, field)
#define BIG 1e300

const socap_param_def socap_param_table[] = {
  /* name, type, scope+offset, default, min, max, unit, doc, choices, list_len, count_offset */
  {"seed", SOCAP_PT_U64, G(seed), 1, 0, 18446744073709551615.0, "1", "master random seed", NULL, 0, 0},
  {"steps", SOCAP_PT_INT, G(steps), 52, 1, 1e7, "step", "number of steps to simulate (one step = one week)", NULL, 0, 0},

  {"population.n_agents", SOCAP_PT_INT, G(n_agents), 3000, 2, 2e8, "agent", "number of agents N", NULL, 0, 0},
  {"population.group_size", SOCAP_PT_INT, G(group_size), 50, 1, 2e8, "agent", "mean size of an organisational group", NULL, 0, 0},
  {"population.group_dist", SOCAP_PT_ENUM, G(group_dist), 0, 0, 2, "1", "distribution of group sizes", "equal,poisson,lognormal", 0, 0},
  {"population.group_size_sd", SOCAP_PT_DOUBLE, G(group_size_sd), 10, 0, 1e8, "agent", "sd of group sizes (lognormal only)", NULL, 0, 0},

  {"model.mu_in", SOCAP_PT_DOUBLE, G(mu_in), 1.0, 0, 1000, "1/step", "Poisson mean of within-group work encounters per agent and step", NULL, 0, 0},
  {"model.mu_out", SOCAP_PT_DOUBLE, G(mu_out), 0.2, 0, 1000, "1/step", "Poisson mean of cross-group work encounters per agent and step", NULL, 0, 0},
  {"model.cost_meet", SOCAP_PT_DOUBLE, G(cost_meet), 1.0, 1e-6, 1e6, "hour", "time cost of one meeting at an event", NULL, 0, 0},
  {"model.cost_intro", SOCAP_PT_DOUBLE, G(cost_intro), 0.5, 1e-6, 1e6, "hour", "time cost of one introduction", NULL, 0, 0},
  {"model.cost_react", SOCAP_PT_DOUBLE, G(cost_react), 0.5, 1e-6, 1e6, "hour", "time cost of one reactivation (at most cost_meet)", NULL, 0, 0},
  {"model.w0", SOCAP_PT_DOUBLE, G(w0), 0.2, 1e-6, 1, "1", "starting strength of a new tie", NULL, 0, 0},
  {"model.w_intro", SOCAP_PT_DOUBLE, G(w_intro), 0.35, 1e-6, 1, "1", "starting strength of a tie from an introduction (>= w0)", NULL, 0, 0},
  {"model.w_react", SOCAP_PT_DOUBLE, G(w_react), 0.2, 1e-6, 1, "1", "minimum strength of a revived tie", NULL, 0, 0},
  {"model.rho", SOCAP_PT_DOUBLE, G(rho), 0.5, 0, 1, "1", "revived strength as a fraction of the tie's peak", NULL, 0, 0},
  {"model.gratitude", SOCAP_PT_DOUBLE, G(gratitude), 0.05, 0, 1, "1", "strength the broker's ties gain per successful introduction", NULL, 0, 0},
  {"model.homophily", SOCAP_PT_DOUBLE, G(homophily), 0.1, -1, 1, "1", "value bonus h for a contact in the same group", NULL, 0, 0},
  {"model.value_noise", SOCAP_PT_DOUBLE, G(value_noise), 0.1, 0, 10, "1", "sd of the Gaussian noise on a contact's value", NULL, 0, 0},
  {"model.quantile_rate", SOCAP_PT_DOUBLE, G(quantile_rate), 0.05, 1e-6, 1, "1", "learning rate of each agent's running acceptance quantile", NULL, 0, 0},
  {"model.intro_cross_group", SOCAP_PT_BOOL, G(intro_cross_group), 1, 0, 1, "1", "introductions prefer pairs from different groups", NULL, 0, 0},
  {"model.tau", SOCAP_PT_DOUBLE, G(tau), 5.0, 1e-6, 1e6, "hour", "maintenance time constant: w += (1-w)(1-exp(-h/tau))", NULL, 0, 0},
  {"model.half_life", SOCAP_PT_DOUBLE, G(half_life), 26, 1e-3, 1e9, "step", "half-life of tie strength without maintenance (lambda = ln2/half_life)", NULL, 0, 0},
  {"model.theta_dormant", SOCAP_PT_DOUBLE, G(theta_dormant), 0.05, 1e-9, 1, "1", "strength below which a tie goes dormant", NULL, 0, 0},
  {"model.dunbar_limit", SOCAP_PT_INT, G(dunbar_limit), 150, 1, 10000, "tie", "maximum number of active ties per agent", NULL, 0, 0},
  {"model.dormant_limit", SOCAP_PT_INT, G(dormant_limit), 300, 0, 60000, "tie", "maximum number of dormant ties per agent", NULL, 0, 0},
  {"model.info_items", SOCAP_PT_INT, G(info_items), 100, 0, 100000000, "item/step", "information items seeded at random agents each step", NULL, 0, 0},
  {"model.p_pass", SOCAP_PT_DOUBLE, G(p_pass), 0.5, 0, 1, "1", "probability per unit strength that a holder passes an item on", NULL, 0, 0},
  {"model.info_hops", SOCAP_PT_INT, G(info_hops), 3, 0, 1000, "hop", "maximum hops of an information cascade", NULL, 0, 0},
  {"model.p_leave", SOCAP_PT_DOUBLE, G(p_leave), 0, 0, 1, "1/step", "turnover: probability per step that an agent is replaced", NULL, 0, 0},

  {"output.record_every", SOCAP_PT_INT, G(record_every), 4, 1, 1e7, "step", "record aggregates every k steps (and at the last step)", NULL, 0, 0},
  {"output.layers", SOCAP_PT_DLIST, G(layers), 0, 0, 1, "1", "strength thresholds of the 4 Dunbar layers (5/15/50/150), decreasing", NULL, SOCAP_N_LAYERS, 0},
  {"output.snapshots", SOCAP_PT_ILIST, G(snapshots), 0, 0, 1e7, "step", "steps at which the tie network is written to /network", NULL, SOCAP_MAX_SNAPSHOTS, offsetof(socap_params, n_snapshots)},
  {"output.agents_history", SOCAP_PT_BOOL, G(agents_history), 0, 0, 1, "1", "write the per-agent panel /agents_history at every recorded step", NULL, 0, 0},

  {"metrics.betweenness", SOCAP_PT_BOOL, G(betweenness), 0, 0, 1, "1", "compute betweenness centrality (Brandes)", NULL, 0, 0},
  {"metrics.betweenness_samples", SOCAP_PT_INT, G(betweenness_samples), 0, 0, 2e8, "agent", "pivots sampled for betweenness; 0 or >= N means exact", NULL, 0, 0},

  {"strategies.*.explore", SOCAP_PT_DOUBLE, S(explore), 0.5, 0, 1, "1", "fraction of spent time meeting strangers at events", NULL, 0, 0},
  {"strategies.*.maintain", SOCAP_PT_DOUBLE, S(maintain), 0.5, 0, 1, "1", "fraction of spent time keeping active ties warm", NULL, 0, 0},
  {"strategies.*.reactivate", SOCAP_PT_DOUBLE, S(reactivate), 0, 0, 1, "1", "fraction of spent time reviving dormant ties", NULL, 0, 0},
  {"strategies.*.broker", SOCAP_PT_DOUBLE, S(broker), 0, 0, 1, "1", "fraction of spent time introducing contacts to each other", NULL, 0, 0},
  {"strategies.*.selectivity", SOCAP_PT_DOUBLE, S(selectivity), 0, 0, 1, "1", "acceptance quantile of contact value; 0 accepts everyone", NULL, 0, 0},
  {"strategies.*.focus", SOCAP_PT_DOUBLE, S(focus), 0, 0, 20, "1", "exponent gamma: maintenance time split in proportion to w^gamma", NULL, 0, 0},
  {"strategies.*.reactivation_order", SOCAP_PT_ENUM, S(reactivation_order), 0, 0, 2, "1", "which dormant ties are revived first", "peak,random,recent", 0, 0},

  {"cohorts.*.name", SOCAP_PT_STRING, C(name), 0, 0, 0, "1", "cohort name", NULL, 0, 0},
  {"cohorts.*.strategy", SOCAP_PT_STRING, C(strategy_name), 0, 0, 0, "1", "name of the cohort's strategy", NULL, 0, 0},
  {"cohorts.*.share", SOCAP_PT_DOUBLE, C(share), 1, 0, 1, "1", "share of the population; shares sum to 1", NULL, 0, 0},
  {"cohorts.*.time_budget", SOCAP_PT_DOUBLE, C(time_budget), 5, 0, 168, "hour/step", "weekly networking time budget T", NULL, 0, 0},
  {"cohorts.*.skill", SOCAP_PT_DOUBLE, C(skill), 0.7, 1e-9, 1, "1", "skill s in (0,1]: a tie forms with probability s_i*s_j", NULL, 0, 0},
  {"cohorts.*.propensity", SOCAP_PT_DOUBLE, C(propensity), 0.8, 0, 1, "1", "fraction of the time budget actually spent", NULL, 0, 0},

  {NULL, 0, 0, 0, 0, 0, 0, NULL, NULL, NULL, 0, 0}};

size_t socap_param_count(void) {
  size_t n = 0;
  while (socap_param_table[n].name) n++;
  return n;
}

const socap_param_def *socap_param_find(const char *name) {
  for (const socap_param_def *d = socap_param_table; d->name; d++)
    if (strcmp(d->name, name) == 0) return d;
  return NULL;
}

static void *field_ptr(void *base, const socap_param_def *d) { return (char *)base + d->offset; }

/* Set one numeric default into the struct of its scope. */
static void set_default(void *base, const socap_param_def *d) {
  void *f = field_ptr(base, d);
  switch (d->type) {
  case SOCAP_PT_INT:
  case SOCAP_PT_BOOL:
  case SOCAP_PT_ENUM: *(int *)f = (int)d->def; break;
  case SOCAP_PT_U64: *(uint64_t *)f = (uint64_t)d->def; break;
  case SOCAP_PT_DOUBLE: *(double *)f = d->def; break;
  default: break;
  }
}

static void strategy_preset(socap_strategy *s, const char *name, double ex, double ma, double re,
                            double br, double sel, double foc, int order) {
  memset(s, 0, sizeof *s);
  snprintf(s->name, sizeof s->name, "%s", name);
  s->explore = ex; s->maintain = ma; s->reactivate = re; s->broker = br;
  s->selectivity = sel; s->focus = foc; s->reactivation_order = order; s->defined = 1;
}

void socap_params_default(socap_params *p) {
  memset(p, 0, sizeof *p);
  for (const socap_param_def *d = socap_param_table; d->name; d++)
    if (d->scope == SOCAP_PS_GLOBAL) set_default(p, d);
  p->layers[0] = 0.8; p->layers[1] = 0.5; p->layers[2] = 0.25; p->layers[3] = 0.1;
  /* Presets (see docs/ODD.md, "Strategies"). */
  strategy_preset(&p->strategies[0], "broad_active", 0.6, 0.4, 0.0, 0.0, 0.0, 0.0, SOCAP_REACT_PEAK);
  strategy_preset(&p->strategies[1], "selective_active", 0.3, 0.7, 0.0, 0.0, 0.6, 2.0, SOCAP_REACT_PEAK);
  strategy_preset(&p->strategies[2], "broad_dormant", 0.3, 0.3, 0.4, 0.0, 0.0, 0.0, SOCAP_REACT_PEAK);
  strategy_preset(&p->strategies[3], "selective_dormant", 0.1, 0.5, 0.4, 0.0, 0.6, 2.0, SOCAP_REACT_PEAK);
  strategy_preset(&p->strategies[4], "broker", 0.2, 0.4, 0.0, 0.4, 0.3, 1.0, SOCAP_REACT_PEAK);
  strategy_preset(&p->strategies[5], "passive", 0.0, 1.0, 0.0, 0.0, 0.0, 0.0, SOCAP_REACT_PEAK);
  p->n_strategies = 6;
  /* One default cohort; scenarios normally list their own. */
  socap_cohort *c = &p->cohorts[0];
  for (const socap_param_def *d = socap_param_table; d->name; d++)
    if (d->scope == SOCAP_PS_COHORT) set_default(c, d);
  snprintf(c->name, sizeof c->name, "all");
  snprintf(c->strategy_name, sizeof c->strategy_name, "broad_active");
  c->strategy = 0;
  p->n_cohorts = 1;
}

int socap_params_strategy_index(const socap_params *p, const char *name) {
  for (int i = 0; i < p->n_strategies; i++)
    if (p->strategies[i].defined && strcmp(p->strategies[i].name, name) == 0) return i;
  return -1;
}

double socap_params_lambda(const socap_params *p) { return log(2.0) / p->half_life; }

/* Report one violation; `param` is the full dotted name. */
#define REPORT(param_fmt_args, ...) do { char param_[128], msg_[512]; \
  snprintf param_fmt_args; snprintf(msg_, sizeof msg_, __VA_ARGS__); \
  if (fn) { fn(ctx, param_, msg_); } \
  nerr++; } while (0)
#define PNAME(...) (param_, sizeof param_, __VA_ARGS__)

/* Range check of one numeric table row against its [min, max]; NaN fails. */
static int row_in_range(const socap_param_def *d, const void *base, char *val, size_t vlen) {
  const void *f = (const char *)base + d->offset;
  double v;
  switch (d->type) {
  case SOCAP_PT_INT: v = *(const int *)f; snprintf(val, vlen, "%d", *(const int *)f); break;
  case SOCAP_PT_DOUBLE: v = *(const double *)f; snprintf(val, vlen, "%g", v); break;
  case SOCAP_PT_BOOL:
  case SOCAP_PT_ENUM: v = *(const int *)f; snprintf(val, vlen, "%d", *(const int *)f); break;
  default: return 1;
  }
  return !isnan(v) && v >= d->min && v <= d->max;
}

int socap_params_check_each(socap_params *p, socap_params_error_fn fn, void *ctx) {
  const double tol = 1e-6;
  int nerr = 0;
  char val[64];
  /* per-row ranges (the YAML loader rejects these earlier, with locations) */
  for (const socap_param_def *d = socap_param_table; d->name; d++) {
    if (d->scope == SOCAP_PS_GLOBAL) {
      if (!row_in_range(d, p, val, sizeof val))
        REPORT(PNAME("%s", d->name), "%s = %s is outside [%g, %g]", d->name, val, d->min, d->max);
      if (d->type == SOCAP_PT_DLIST) {
        for (int l = 0; l < d->list_len; l++) {
          double v = ((const double *)((const char *)p + d->offset))[l];
          if (isnan(v) || v < d->min || v > d->max)
            REPORT(PNAME("%s", d->name), "%s[%d] = %g is outside [%g, %g]", d->name, l, v, d->min, d->max);
        }
      }
    } else if (d->scope == SOCAP_PS_STRATEGY) {
      for (int i = 0; i < p->n_strategies && i < SOCAP_MAX_STRATEGIES; i++)
        if (!row_in_range(d, &p->strategies[i], val, sizeof val))
          REPORT(PNAME("strategies.%s.%s", p->strategies[i].name, d->name + 13), "%s = %s is outside [%g, %g]",
                 d->name + 13, val, d->min, d->max);
    } else {
      for (int k = 0; k < p->n_cohorts && k < SOCAP_MAX_COHORTS; k++)
        if (!row_in_range(d, &p->cohorts[k], val, sizeof val))
          REPORT(PNAME("cohorts.%d.%s", k, d->name + 10), "%s = %s is outside [%g, %g]", d->name + 10, val, d->min,
                 d->max);
    }
  }
  if (p->n_strategies < 1 || p->n_strategies > SOCAP_MAX_STRATEGIES)
    REPORT(PNAME("strategies"), "%d strategies; between 1 and %d are needed", p->n_strategies, SOCAP_MAX_STRATEGIES);
  for (int i = 0; i < p->n_strategies && i < SOCAP_MAX_STRATEGIES; i++) {
    const socap_strategy *s = &p->strategies[i];
    double sum = s->explore + s->maintain + s->reactivate + s->broker;
    if (!(fabs(sum - 1.0) <= tol))
      REPORT(PNAME("strategies.%s", s->name), "explore + maintain + reactivate + broker = %.10g, must sum to 1", sum);
    if (s->defined && strcmp(s->name, SOCAP_STRATEGY_ALL) == 0)
      REPORT(PNAME("strategies.%s", s->name), "the name '%s' is reserved for the all-agents row of /timeseries",
             SOCAP_STRATEGY_ALL);
  }
  if (p->n_cohorts < 1 || p->n_cohorts > SOCAP_MAX_COHORTS)
    REPORT(PNAME("cohorts"), "%d cohorts; between 1 and %d are needed", p->n_cohorts, SOCAP_MAX_COHORTS);
  double share = 0;
  for (int k = 0; k < p->n_cohorts && k < SOCAP_MAX_COHORTS; k++) {
    socap_cohort *c = &p->cohorts[k];
    if (c->name[0] == 0) REPORT(PNAME("cohorts.%d.name", k), "cohort %d has no name", k);
    int si = socap_params_strategy_index(p, c->strategy_name);
    if (si < 0) REPORT(PNAME("cohorts.%d.strategy", k), "unknown strategy '%s'", c->strategy_name);
    c->strategy = si;
    for (int m = 0; m < k; m++)
      if (c->name[0] && strcmp(p->cohorts[m].name, c->name) == 0) {
        REPORT(PNAME("cohorts.%d.name", k), "duplicate cohort name '%s' (also cohorts.%d)", c->name, m);
        break;
      }
    share += c->share;
  }
  if (p->n_cohorts >= 1 && !(fabs(share - 1.0) <= tol))
    REPORT(PNAME("cohorts"), "shares sum to %.10g, must sum to 1", share);
  /* Expected actions per agent and step, budget / cost (model.c: events
     Poisson(e / cost_meet), b / cost_intro introductions, r / cost_react
     reactivations): tiny costs would make a step loop for hours. */
  static const struct {
    const char *param, *what, *frac;
  } acts[3] = {{"model.cost_meet", "event meetings", "explore"},
               {"model.cost_intro", "introductions", "broker"},
               {"model.cost_react", "reactivations", "reactivate"}};
  for (int a = 0; a < 3; a++) {
    double cost = a == 0 ? p->cost_meet : a == 1 ? p->cost_intro : p->cost_react;
    if (!(cost > 0)) continue; /* reported by the range check */
    double worst = -1, wfrac = 0;
    int wk = -1;
    for (int k = 0; k < p->n_cohorts && k < SOCAP_MAX_COHORTS; k++) {
      const socap_cohort *c = &p->cohorts[k];
      if (c->strategy < 0 || c->strategy >= p->n_strategies) continue;
      const socap_strategy *s = &p->strategies[c->strategy];
      double f = a == 0 ? s->explore : a == 1 ? s->broker : s->reactivate;
      double x = f * c->propensity * c->time_budget / cost;
      if (x > worst) { worst = x; wk = k; wfrac = f; }
    }
    if (wk >= 0 && worst > SOCAP_MAX_ACTIONS_PER_STEP) {
      const socap_cohort *c = &p->cohorts[wk];
      REPORT(PNAME("%s", acts[a].param),
             "%g h gives %.6g expected %s per agent and step in cohort '%s' (strategy '%s': %s %g x propensity %g "
             "x time_budget %g h / %g h); at most %.0f are allowed: raise %s",
             cost, worst, acts[a].what, c->name, c->strategy_name, acts[a].frac, wfrac, c->propensity,
             c->time_budget, cost, SOCAP_MAX_ACTIONS_PER_STEP, acts[a].param);
    }
  }
  if (p->group_size > p->n_agents)
    REPORT(PNAME("population.group_size"), "%d does not fit in population.n_agents = %d", p->group_size, p->n_agents);
  if (p->w_intro < p->w0) REPORT(PNAME("model.w_intro"), "%g must be at least model.w0 = %g", p->w_intro, p->w0);
  if (p->w0 <= p->theta_dormant)
    REPORT(PNAME("model.w0"), "%g must exceed model.theta_dormant = %g (new ties would be born dormant)", p->w0,
           p->theta_dormant);
  if (p->w_react <= p->theta_dormant)
    REPORT(PNAME("model.w_react"), "%g must exceed model.theta_dormant = %g", p->w_react, p->theta_dormant);
  if (p->cost_react > p->cost_meet)
    REPORT(PNAME("model.cost_react"), "%g must not exceed model.cost_meet = %g", p->cost_react, p->cost_meet);
  for (int l = 1; l < SOCAP_N_LAYERS; l++)
    if (p->layers[l] > p->layers[l - 1]) {
      REPORT(PNAME("output.layers"), "thresholds must be non-increasing (inner layer first), but %g > %g",
             p->layers[l], p->layers[l - 1]);
      break;
    }
  if (p->n_snapshots < 0 || p->n_snapshots > SOCAP_MAX_SNAPSHOTS)
    REPORT(PNAME("output.snapshots"), "%d snapshots; at most %d", p->n_snapshots, SOCAP_MAX_SNAPSHOTS);
  for (int k = 0; k < p->n_snapshots && k < SOCAP_MAX_SNAPSHOTS; k++) {
    if (p->snapshots[k] < 0 || p->snapshots[k] > p->steps)
      REPORT(PNAME("output.snapshots"), "step %d is outside 0..steps (%d)", p->snapshots[k], p->steps);
    else if (k > 0 && p->snapshots[k] <= p->snapshots[k - 1])
      REPORT(PNAME("output.snapshots"), "steps must be strictly increasing (%d after %d)", p->snapshots[k],
             p->snapshots[k - 1]);
  }
  return nerr;
}

/* Keeps the first violation as "param: message". */
typedef struct {
  char *err;
  size_t errlen;
  int n;
} first_error;

static void keep_first(void *ctx, const char *param, const char *msg) {
  first_error *fe = ctx;
  if (fe->n++ == 0 && fe->err && fe->errlen) snprintf(fe->err, fe->errlen, "%s: %s", param, msg);
}

int socap_params_check(socap_params *p, char *err, size_t errlen) {
  first_error fe = {err, errlen, 0};
  if (err && errlen) err[0] = 0;
  return socap_params_check_each(p, keep_first, &fe) ? 1 : 0;
}
