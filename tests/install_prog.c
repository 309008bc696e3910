/* Built by install_check.cmake against the installed headers and libsocap
 * only (pkg-config socap): a program of its own that runs two small models
 * in one process through the public API and checks that they agree. */
#include <socap/error.h>
#include <socap/model.h>
#include <socap/params.h>
#include <stdio.h>

static int run(socap_counters *c) {
  socap_params p;
  socap_params_default(&p);
  p.n_agents = 200;
  p.group_size = 20;
  p.steps = 5;
  p.seed = 3;
  socap_model *m = NULL;
  if (socap_model_create(&p, 0, &m) != SOCAP_OK) return 1;
  for (int t = 0; t < p.steps; t++)
    if (socap_model_step(m) != SOCAP_OK) return 1;
  socap_counters last;
  socap_model_counters(m, c, &last);
  socap_model_free(m);
  return 0;
}

int main(void) {
  socap_counters a, b;
  if (run(&a) || run(&b)) return 1;
  long long fa = a.formed[0] + a.formed[1] + a.formed[2] + a.formed[3];
  long long fb = b.formed[0] + b.formed[1] + b.formed[2] + b.formed[3];
  printf("formed %lld ties\n", fa);
  return fa > 0 && fa == fb && a.proposals == b.proposals ? 0 : 1;
}
