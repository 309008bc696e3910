/* Benchmark driver: times the model's steps and the metric pass separately.
 * Built and run by scripts/bench.sh against the build's libsocap.
 *   bench_model SCENARIO.yaml N STEPS THREADS
 * prints: n steps threads model_s metrics_s active_ties tie_bytes_per_active_tie
 *         tie_updates, then the seconds of each phase (socap_model_phase_times) */
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "socap/config.h"
#include "socap/error.h"
#include "socap/metrics.h"
#include "socap/model.h"

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + 1e-9 * t.tv_nsec;
}

int main(int argc, char **argv) {
  if (argc != 5) { fprintf(stderr, "usage: bench_model SCENARIO N STEPS THREADS\n"); return 2; }
  char setn[64], sets[64], seti[64];
  snprintf(setn, sizeof setn, "population.n_agents=%s", argv[2]);
  snprintf(sets, sizeof sets, "steps=%s", argv[3]);
  /* same per-agent load at every N: one information item per 1,000 agents */
  long items = atol(argv[2]) / 1000;
  snprintf(seti, sizeof seti, "model.info_items=%ld", items > 0 ? items : 1);
  const char *ov[3] = {setn, sets, seti};
  socap_params p;
  socap_config_errors errs;
  if (socap_config_load(argv[1], ov, 3, &p, &errs)) { socap_config_errors_print(stderr, &errs); return 2; }
  omp_set_num_threads(atoi(argv[4]));
  socap_model *m = NULL;
  if (socap_model_create(&p, 0, &m)) { fprintf(stderr, "%s\n", socap_error_message()); return 1; }
  double t0 = now(), tie_updates = 0;
  for (int t = 0; t < p.steps; t++) {
    if (socap_model_step(m)) { fprintf(stderr, "%s\n", socap_error_message()); return 1; }
    int64_t act = 0;
    for (int32_t i = 0; i < p.n_agents; i++) { int32_t a; socap_model_degree(m, i, &a, NULL); act += a; }
    tie_updates += (double)act; /* each active tie end is visited by maintenance and decay */
  }
  double t1 = now();
  socap_graph g;
  socap_node_metrics nm;
  socap_metrics_opts o;
  socap_metrics_opts_default(&o);
  socap_model_graph(m, &g);
  socap_node_metrics_alloc(&nm, g.n, 0);
  double t2 = now();
  socap_metrics_nodes(&g, &o, &nm);
  double t3 = now();
  int64_t act = g.off[g.n] / 2;
  double ph[SOCAP_N_PHASES];
  socap_model_phase_times(m, ph);
  if (getenv("BENCH_PHASES")) {
    socap_counters tot;
    socap_model_counters(m, &tot, NULL);
    fprintf(stderr, "counters: proposals %lld rejected %lld formed %lld displaced %lld went_dormant %lld\n",
            (long long)tot.proposals, (long long)tot.rejected,
            (long long)(tot.formed[0] + tot.formed[1] + tot.formed[2] + tot.formed[3]), (long long)tot.displaced,
            (long long)tot.went_dormant);
  }
  /* the phase seconds follow, in socap_model_phase_times order */
  printf("%d %d %s %.6f %.6f %lld %.1f %.0f", p.n_agents, p.steps, argv[4], t1 - t0, t3 - t2, (long long)act,
         act ? (double)socap_model_memory(m) / (double)act : 0.0, tie_updates);
  for (int k = 0; k < SOCAP_N_PHASES; k++) printf(" %.4f", ph[k]);
  printf("\n");
  socap_node_metrics_free(&nm);
  socap_graph_free(&g);
  socap_model_free(m);
  return 0;
}
