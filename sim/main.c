/* socap command line: a thin client of libsocap.
 *
 * Exit codes: 0 ok, 1 runtime failure, 2 usage or configuration error,
 * 3 I/O error (see docs/cli.md). */
#include <errno.h>
#include <gsl/gsl_errno.h>
#include <omp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "socap/config.h"
#include "socap/error.h"
#include "socap/h5out.h"
#include "socap/metrics.h"
#include "socap/run.h"
#include "socap/sweep.h"
#include "yaml_tree.h"

static const char *usage_text =
    "usage: socap <command> [options]\n"
    "\n"
    "commands:\n"
    "  run SCENARIO.yaml [-o OUT.h5] [--seed S] [--threads N] [--set key=value ...]\n"
    "                    [--force] [--quiet]     run one scenario, write HDF5, print a summary\n"
    "  sweep SWEEP.yaml -o DIR [--shard i/n] [--resume] [--threads N] [--dry-run] [--quiet]\n"
    "                                            run a parameter sweep (see docs/sweeps.md)\n"
    "  merge DIR -o ALL.h5 [--force] [--allow-missing]\n"
    "                                            merge a sweep's batch files into one file\n"
    "  validate SCENARIO.yaml [--set key=value ...]  check a scenario (or a sweep file) only\n"
    "  params [--markdown]                       list every parameter: name, type, default, range, unit\n"
    "  metrics EDGES.csv -o NODES.h5|.csv [...]  social-capital metrics of an edge list\n"
    "  --version, --help\n"
    "'socap <command> --help' shows a command's options.\n"
    "\n"
    "exit codes: 0 ok, 1 runtime failure, 2 usage or configuration error, 3 I/O error\n";

static const char *run_usage =
    "usage: socap run SCENARIO.yaml [options]\n"
    "  -o, --output F      output HDF5 file (default: the scenario's name with .h5, here)\n"
    "  --seed S            master seed (overrides the scenario's seed:)\n"
    "  --set key=value     override a parameter (repeatable; see 'socap params')\n"
    "  --threads N         OpenMP threads\n"
    "  --force             replace an existing output (never an input, a directory or a device)\n"
    "  -q, --quiet         no progress, summary or timing\n"
    "SIGINT/SIGTERM stop at the next step and remove F.part (exit 1); a second signal kills at once.\n"
    "exit codes: 0 ok, 1 runtime failure or interrupted, 2 usage or configuration error, 3 I/O error\n";
static const char *validate_usage =
    "usage: socap validate SCENARIO.yaml [--set key=value ...]\n"
    "  check a scenario (or a sweep file, with its sweep: block) without running it;\n"
    "  errors name file:line:col and the parameter\n"
    "exit codes: 0 ok, 2 configuration error, 3 I/O error\n";
static const char *params_usage =
    "usage: socap params [--markdown]\n"
    "  every parameter: name, type, default, range, unit and meaning\n"
    "  --markdown          as a Markdown table\n";

static int is_help(const char *a) { return !strcmp(a, "--help") || !strcmp(a, "-h"); }

/* Load a scenario with --set overrides; print every error (file:line:col). */
static int load_scenario(const char *path, const char **sets, int nsets, socap_params *p) {
  socap_config_errors errs;
  int rc = socap_config_load(path, sets, nsets, p, &errs);
  if (rc) {
    if (errs.n) socap_config_errors_print(stderr, &errs);
    else fprintf(stderr, "socap: %s\n", socap_error_message());
  }
  return rc;
}

/* 1 if the file parses and has a top-level sweep: block (a sweep file). */
static int has_sweep_block(const char *path) {
  socap_yt_doc *doc = NULL;
  socap_config_errors errs;
  if (socap_yt_parse_file(path, &doc, &errs) || !doc) return 0;
  int yes = doc->root && doc->root->kind == SOCAP_YT_MAPPING && socap_yt_get(doc->root, "sweep") != NULL;
  socap_yt_free(doc);
  return yes;
}

/* ---- run ---------------------------------------------------------------------- */

/* SIGINT/SIGTERM: the run stops at the next step boundary and removes its
 * .part (exit 1). The handler is reset on delivery: a second signal kills. */
static volatile sig_atomic_t run_signal;

static void on_run_signal(int sig) { run_signal = sig; }

static int interrupted(int tty) {
  fflush(stdout);
  fprintf(stderr, "%ssocap: interrupted by signal %d; no output written\n", tty ? "\n" : "", (int)run_signal);
  return SOCAP_ERUNTIME;
}

typedef struct {
  socap_cli_progress pg;
  socap_h5file **f;
} run_ctx;

/* Called after every step. The recorder has no way to stop half-way, so on a
 * signal the output is discarded here (HDF5 file closed, .part removed) and
 * the process exits; _exit skips HDF5's atexit handler, which has nothing
 * left to close. */
static void run_progress(void *ctx, int64_t done, int64_t total) {
  run_ctx *c = ctx;
  if (run_signal) {
    socap_h5_abort(*c->f);
    *c->f = NULL;
    int rc = interrupted(c->pg.tty && !c->pg.quiet);
    fflush(stderr);
    _exit(rc);
  }
  socap_cli_progress_cb(&c->pg, done, total);
}

/* Before each record's network metrics: at a million agents the final one
 * takes tens of seconds after the last step's progress line, so say so
 * (always for the final step, else as often as progress lines). */
static void run_metrics_note(void *ctx, int step, int steps, int64_t n_agents) {
  run_ctx *c = ctx;
  char note[128];
  snprintf(note, sizeof note, "step %d/%d: computing the network metrics of %lld agents", step, steps,
           (long long)n_agents);
  socap_cli_progress_note(&c->pg, note, step == steps);
}

static int cmd_run(int argc, char **argv) {
  const char *scenario = NULL, *out = NULL;
  const char **sets = calloc((size_t)argc + 1, sizeof *sets);
  char *seedset = NULL, *cmdline = NULL, *yaml = NULL, *outbuf = NULL;
  int nsets = 0, force = 0, quiet = 0, rc = SOCAP_OK;
  socap_h5file *f = NULL;
  socap_recorder *rec = NULL;
  if (!sets) return SOCAP_ERUNTIME;
  for (int k = 1; k < argc; k++) {
    const char *a = argv[k];
    if (is_help(a)) {
      fputs(run_usage, stdout);
      goto done;
    } else if (!strcmp(a, "-o") || !strcmp(a, "--output")) {
      if (!(out = socap_cli_value(argc, argv, k++, "a file name"))) { rc = SOCAP_ECONFIG; goto done; }
    } else if (!strcmp(a, "--set")) {
      if (!(sets[nsets++] = socap_cli_value(argc, argv, k++, "key=value"))) { rc = SOCAP_ECONFIG; goto done; }
    } else if (!strcmp(a, "--seed")) {
      if (!socap_cli_value(argc, argv, k++, "a value")) { rc = SOCAP_ECONFIG; goto done; }
      free(seedset);
      seedset = malloc(strlen(argv[k]) + 6);
      if (!seedset) { rc = SOCAP_ERUNTIME; goto done; }
      sprintf(seedset, "seed=%s", argv[k]);
    } else if (!strcmp(a, "--threads")) {
      if (!socap_cli_value(argc, argv, k++, "a value")) { rc = SOCAP_ECONFIG; goto done; }
      if ((rc = socap_cli_set_threads(argv[k]))) goto done;
    } else if (!strcmp(a, "--force")) force = 1;
    else if (!strcmp(a, "--quiet") || !strcmp(a, "-q")) quiet = 1;
    else if (a[0] == '-') { rc = socap_cli_usage("run: unknown option '%s'", a); goto done; }
    else if (!scenario) scenario = a;
    else { rc = socap_cli_usage("run: unexpected argument '%s'", a); goto done; }
  }
  if (!scenario) { rc = socap_cli_usage("%s", "run: missing SCENARIO.yaml"); goto done; }
  if (!out) {
    /* default: the scenario's stem with .h5, in the current directory */
    const char *b = strrchr(scenario, '/');
    b = b ? b + 1 : scenario;
    outbuf = malloc(strlen(b) + 4);
    if (!outbuf) { rc = SOCAP_ERUNTIME; goto done; }
    strcpy(outbuf, b);
    char *dot = strrchr(outbuf, '.');
    if (dot) *dot = 0;
    strcat(outbuf, ".h5");
    out = outbuf;
  }
  /* never the scenario itself, a directory or a device, even with --force */
  if ((rc = socap_output_check(out, (const char *const[]){scenario}, 1))) goto fail_msg;
  /* the output is HDF5 whatever its name: a name that promises text is a
   * mistake (a researcher expecting a CSV would get an HDF5 file) */
  static const char *const text_ext[] = {".csv", ".tsv", ".txt", ".yaml", ".yml", ".json"};
  const char *ext = strrchr(out, '.');
  for (size_t e = 0; ext && !strchr(ext, '/') && e < sizeof text_ext / sizeof *text_ext; e++)
    if (!strcasecmp(ext, text_ext[e])) {
      rc = socap_cli_usage("run: the output is an HDF5 file; name it .h5, not '%s' (tables can be read into pandas "
                       "or R with scripts/socap.py or scripts/socap.R, see docs/analysis.md)", out);
      goto done;
    }
  if (seedset) {
    /* --seed S is applied as --set seed=S; its errors are labelled --seed */
    socap_params tmp;
    socap_config_errors se;
    socap_params_default(&tmp);
    memset(&se, 0, sizeof se);
    if (socap_config_apply_set(&tmp, seedset, &se)) {
      for (int i = 0; i < se.n && i < SOCAP_CONFIG_MAX_ERRORS; i++) {
        snprintf(se.e[i].file, sizeof se.e[i].file, "--seed");
        se.e[i].line = se.e[i].col = 0;
      }
      /* the scenario's own errors first, then the seed's */
      socap_params p0;
      load_scenario(scenario, sets, nsets, &p0);
      socap_config_errors_print(stderr, &se);
      if (!se.n) fprintf(stderr, "socap: --seed: %s\n", socap_error_message());
      rc = SOCAP_ECONFIG;
      goto done;
    }
    sets[nsets++] = seedset;
  }
  socap_params p;
  if ((rc = load_scenario(scenario, sets, nsets, &p))) goto done;
  if (!quiet && has_sweep_block(scenario))
    fprintf(stderr, "socap: note: %s has a sweep: block; 'socap run' runs its base scenario only "
                    "(use 'socap sweep' to run the design)\n", scenario);
  if ((rc = socap_config_to_yaml(&p, &yaml))) goto fail_msg;
  char t_start[32], t_end[32];
  socap_now_iso(t_start, sizeof t_start);
  socap_cli_on_stop_signals(on_run_signal);
  if ((rc = socap_h5_create(out, force, &f))) goto fail_msg;
  hid_t root = socap_h5_root(f);
  if ((rc = socap_h5_attr_str(root, "socap_schema_version", SOCAP_SCHEMA_VERSION))) goto fail_msg;
  if ((rc = socap_recorder_open(root, &p, &rec))) goto fail_msg;
  run_ctx rctx = {.f = &f};
  socap_cli_progress_init(&rctx.pg, "run", quiet);
  socap_recorder_on_metrics(rec, run_metrics_note, &rctx);
  if ((rc = socap_recorder_run(rec, &p, 0, run_progress, &rctx))) goto fail_msg;
  if (run_signal) {
    rc = interrupted(0);
    goto done;
  }
  socap_recorder *keep = rec;
  socap_now_iso(t_end, sizeof t_end);
  cmdline = socap_cli_command_line(argc + 1, argv - 1);
  socap_provenance pv = {yaml, cmdline, t_start, t_end, "run", omp_get_max_threads(), 1, p.seed};
  if ((rc = socap_write_provenance(root, &pv))) goto fail_msg;
  if (!quiet) socap_recorder_print_summary(keep, stdout);
  if (!quiet) socap_recorder_print_timing(keep, stdout);
  rc = socap_recorder_close(rec);
  rec = NULL;
  if (rc) goto fail_msg;
  /* a signal from here on: either no output or a complete one */
  sigset_t block, old;
  sigemptyset(&block);
  sigaddset(&block, SIGINT);
  sigaddset(&block, SIGTERM);
  sigprocmask(SIG_BLOCK, &block, &old);
  int stopped = run_signal != 0;
  if (stopped) {
    rc = interrupted(0);
  } else {
    rc = socap_h5_commit(f);
    f = NULL;
  }
  sigprocmask(SIG_SETMASK, &old, NULL);
  if (stopped) goto done;
  if (rc) goto fail_msg;
  if (!quiet) printf("wrote %s\n", out);
  goto done;
fail_msg:
  fprintf(stderr, "socap: error: %s\n", socap_error_message()[0] ? socap_error_message() : "failed");
done:
  socap_recorder_close(rec);
  socap_h5_abort(f);
  free(sets); free(seedset); free(cmdline); free(yaml); free(outbuf);
  return rc;
}

static int cmd_validate(int argc, char **argv) {
  const char *scenario = NULL;
  const char **sets = calloc((size_t)argc + 1, sizeof *sets);
  int nsets = 0, rc = SOCAP_OK;
  if (!sets) return SOCAP_ERUNTIME;
  for (int k = 1; k < argc; k++) {
    if (is_help(argv[k])) {
      fputs(validate_usage, stdout);
      goto done;
    } else if (!strcmp(argv[k], "--set")) {
      if (!(sets[nsets++] = socap_cli_value(argc, argv, k++, "key=value"))) { rc = SOCAP_ECONFIG; goto done; }
    } else if (argv[k][0] == '-') { rc = socap_cli_usage("validate: unknown option '%s'", argv[k]); goto done; }
    else if (!scenario) scenario = argv[k];
    else { rc = socap_cli_usage("validate: unexpected argument '%s'", argv[k]); goto done; }
  }
  if (!scenario) { rc = socap_cli_usage("%s", "validate: missing SCENARIO.yaml"); goto done; }
  socap_params p;
  rc = load_scenario(scenario, sets, nsets, &p);
  if (!rc && has_sweep_block(scenario)) {
    /* a sweep file: its sweep: block (axes, design, ranges) is checked too */
    socap_sweep *sw = NULL;
    socap_config_errors errs;
    if ((rc = socap_sweep_load(scenario, sets, nsets, &sw, &errs))) {
      if (errs.n) socap_config_errors_print(stderr, &errs);
      else fprintf(stderr, "socap: %s\n", socap_error_message());
    } else {
      printf("%s: ok (%d agents, %d steps, %d strategies, %d cohorts; sweep: %lld points x %d replicates = %lld "
             "tasks, %d axes)\n",
             scenario, p.n_agents, p.steps, p.n_strategies, p.n_cohorts, (long long)socap_sweep_n_points(sw),
             socap_sweep_replicates(sw), (long long)socap_sweep_n_tasks(sw), socap_sweep_n_axes(sw));
    }
    socap_sweep_free(sw);
  } else if (!rc) {
    printf("%s: ok (%d agents, %d steps, %d strategies, %d cohorts)\n", scenario, p.n_agents, p.steps,
           p.n_strategies, p.n_cohorts);
  }
done:
  free(sets);
  return rc;
}

static int cmd_params(int argc, char **argv) {
  int md = 0;
  for (int k = 1; k < argc; k++) {
    if (!strcmp(argv[k], "--markdown")) md = 1;
    else if (is_help(argv[k])) return fputs(params_usage, stdout) < 0 ? SOCAP_EIO : SOCAP_OK;
    else return socap_cli_usage("params: unknown argument '%s'", argv[k]);
  }
  return socap_params_print(stdout, md);
}

int main(int argc, char **argv) {
  gsl_set_error_handler_off();
  if (argc < 2) { fputs(usage_text, stderr); return SOCAP_ECONFIG; }
  const char *cmd = argv[1];
  if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h") || !strcmp(cmd, "help")) { fputs(usage_text, stdout); return 0; }
  if (!strcmp(cmd, "--version")) {
    printf("socap %s (commit %s)\n", socap_version(), socap_git_commit());
    return 0;
  }
  int rc = socap_cli_check_default_threads(argc, argv);
  if (rc) return rc;
  if (!strcmp(cmd, "run")) return cmd_run(argc - 1, argv + 1);
  if (!strcmp(cmd, "validate")) return cmd_validate(argc - 1, argv + 1);
  if (!strcmp(cmd, "params")) return cmd_params(argc - 1, argv + 1);
  if (!strcmp(cmd, "metrics")) return socap_metrics_main(argc - 1, argv + 1);
  if (!strcmp(cmd, "sweep")) return socap_cli_sweep(argc - 1, argv + 1);
  if (!strcmp(cmd, "merge")) return socap_cli_merge(argc - 1, argv + 1);
  return socap_cli_usage("unknown command '%s'", cmd);
}
