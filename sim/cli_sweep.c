/* `socap sweep` and `socap merge`: thin clients of sim/sweep.c (docs/sweeps.md). */
#define _POSIX_C_SOURCE 200809L
#include <omp.h>
#include <signal.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef SOCAP_HAVE_MPI
#include <mpi.h>
#endif

#include "cli.h"
#include "socap/config.h"
#include "socap/error.h"
#include "socap/sweep.h"

static const char *sweep_usage =
    "usage: socap sweep SWEEP.yaml -o DIR [options]\n"
    "  -o, --output DIR     output directory (batch files, sweep.yaml)\n"
    "  --resume             run only the tasks missing from DIR (after a kill or time-out)\n"
    "  --shard i/n          run tasks with task % n == i-1 (default: from SLURM_ARRAY_TASK_*)\n"
    "  --threads N          OpenMP threads (tasks run in parallel when there are >= N)\n"
    "  --batch-tasks B      close a batch file after B tasks (default 200)\n"
    "  --batch-seconds T    ... or T seconds after it was opened (default 300)\n"
    "  --set key=value      override a scenario parameter (changes the design hash)\n"
    "  --dry-run            print the number of tasks and the first design rows\n"
    "  -q, --quiet          no progress or summary\n"
    "SIGINT/SIGTERM stop after the tasks in flight (rerun with --resume); a second signal kills at once.\n"
    "see docs/sweeps.md; exit codes: 0 ok, 1 tasks failed or stopped, 2 config/usage, 3 I/O\n";

static const char *merge_usage =
    "usage: socap merge DIR -o ALL.h5 [options]\n"
    "  -o, --output F       the merged file: every table of DIR's batch files, one row per task, in task order\n"
    "                       (not one of DIR's batch-*.h5 names)\n"
    "  --force              replace an existing F (never an input, a directory or a device)\n"
    "  --allow-missing      exit 0 even if tasks are missing (the file says which)\n"
    "  -q, --quiet          no summary\n"
    "see docs/sweeps.md; exit codes: 0 ok, 1 tasks missing, 2 config/usage, 3 I/O\n";

static volatile sig_atomic_t stop_flag;

static void on_signal(int sig) {
  (void)sig;
  stop_flag = 1;
}

static void progress_cb(void *ctx, int64_t finished, int64_t failed, int64_t total) {
  socap_cli_progress *pg = ctx;
  if (failed) snprintf(pg->extra, sizeof pg->extra, "  failed %lld", (long long)failed);
  socap_cli_progress_cb(pg, finished, total);
}

static int parse_int_arg(const char *opt, const char *s, long lo, long hi, long *out) {
  char *end;
  long v = strtol(s, &end, 10);
  if (!s[0] || *end || v < lo || v > hi) {
    fprintf(stderr, "socap: %s expects an integer in [%ld, %ld], got '%s'\n", opt, lo, hi, s);
    return SOCAP_ECONFIG;
  }
  *out = v;
  return SOCAP_OK;
}

static int parse_shard(const char *s, int *i, int *n) {
  char *end;
  long a = strtol(s, &end, 10);
  if (*end != '/') return socap_cli_usage("--shard expects i/n (1 <= i <= n), got '%s'", s);
  long b = strtol(end + 1, &end, 10);
  if (*end || b < 1 || a < 1 || a > b || b > 1000000) return socap_cli_usage("--shard expects i/n (1 <= i <= n), got '%s'", s);
  *i = (int)a;
  *n = (int)b;
  return SOCAP_OK;
}

/* Shard from a Slurm job array: SLURM_ARRAY_TASK_ID runs from
 * SLURM_ARRAY_TASK_MIN (0 or 1, or anything) in steps of
 * SLURM_ARRAY_TASK_STEP; SLURM_ARRAY_TASK_COUNT is the number of array tasks. */
static int shard_from_slurm(int *i, int *n) {
  const char *id = getenv("SLURM_ARRAY_TASK_ID"), *cnt = getenv("SLURM_ARRAY_TASK_COUNT");
  if (!id || !cnt) return 0;
  const char *mn = getenv("SLURM_ARRAY_TASK_MIN"), *st = getenv("SLURM_ARRAY_TASK_STEP");
  long vid, vcnt, vmin = 0, vst = 1;
  const char *names[4] = {"SLURM_ARRAY_TASK_ID", "SLURM_ARRAY_TASK_COUNT", "SLURM_ARRAY_TASK_MIN",
                          "SLURM_ARRAY_TASK_STEP"};
  const char *vals[4] = {id, cnt, mn, st};
  long *outs[4] = {&vid, &vcnt, &vmin, &vst};
  for (int q = 0; q < 4; q++) {
    if (!vals[q]) continue;
    char *end;
    errno = 0;
    *outs[q] = strtol(vals[q], &end, 10);
    if (end == vals[q] || *end || errno || *outs[q] > INT_MAX || *outs[q] < -INT_MAX) {
      fprintf(stderr, "socap: %s='%s' is not an integer from %d to %d; pass --shard i/n\n", names[q], vals[q],
              -INT_MAX, INT_MAX);
      return -1;
    }
  }
  if (vst < 1) vst = 1;
  long k = (vid - vmin) / vst;
  if (vcnt < 1 || k < 0 || k >= vcnt || (vid - vmin) % vst) {
    fprintf(stderr, "socap: cannot derive a shard from SLURM_ARRAY_TASK_ID=%s SLURM_ARRAY_TASK_COUNT=%s "
                    "SLURM_ARRAY_TASK_MIN=%s; pass --shard i/n\n", id, cnt, mn ? mn : "(unset)");
    return -1;
  }
  *i = (int)k + 1;
  *n = (int)vcnt;
  return 1;
}

static int cli_sweep(int argc, char **argv);

int socap_cli_sweep(int argc, char **argv) {
#ifdef SOCAP_HAVE_MPI
  int provided = 0;
  if (MPI_Init_thread(NULL, NULL, MPI_THREAD_SERIALIZED, &provided) != MPI_SUCCESS) {
    fprintf(stderr, "socap: cannot initialise MPI\n");
    return SOCAP_ERUNTIME;
  }
  int rc = provided >= MPI_THREAD_SERIALIZED ? cli_sweep(argc, argv) : SOCAP_ERUNTIME;
  if (provided < MPI_THREAD_SERIALIZED) fprintf(stderr, "socap: MPI does not provide MPI_THREAD_SERIALIZED\n");
  MPI_Finalize();
  return rc;
#else
  return cli_sweep(argc, argv);
#endif
}

static int cli_sweep(int argc, char **argv) {
  const char *file = NULL, *dir = NULL;
  const char **sets = calloc((size_t)argc + 1, sizeof *sets);
  int nsets = 0, rc = SOCAP_OK, dry = 0, quiet = 0, have_shard = 0;
  long v;
  char *cmdline = NULL;
  socap_sweep *sw = NULL;
  socap_sweep_opts o;
  socap_sweep_opts_default(&o);
  if (!sets) return SOCAP_ERUNTIME;
  for (int k = 1; k < argc; k++) {
    const char *a = argv[k];
    if (!strcmp(a, "-o") || !strcmp(a, "--output")) {
      if (!(dir = socap_cli_value(argc, argv, k++, "a directory"))) { rc = SOCAP_ECONFIG; goto done; }
    } else if (!strcmp(a, "--set")) {
      if (!(sets[nsets++] = socap_cli_value(argc, argv, k++, "key=value"))) { rc = SOCAP_ECONFIG; goto done; }
    } else if (!strcmp(a, "--shard")) {
      const char *v = socap_cli_value(argc, argv, k++, "i/n");
      if (!v) { rc = SOCAP_ECONFIG; goto done; }
      if ((rc = parse_shard(v, &o.shard, &o.nshards))) goto done;
      have_shard = 1;
    } else if (!strcmp(a, "--threads")) {
      const char *v = socap_cli_value(argc, argv, k++, "a value");
      if (!v) { rc = SOCAP_ECONFIG; goto done; }
      if ((rc = socap_cli_set_threads(v))) goto done;
    } else if (!strcmp(a, "--batch-tasks")) {
      const char *s = socap_cli_value(argc, argv, k++, "a value");
      if (!s) { rc = SOCAP_ECONFIG; goto done; }
      if ((rc = parse_int_arg(a, s, 1, 100000000, &v))) goto done;
      o.batch_tasks = (int)v;
    } else if (!strcmp(a, "--batch-seconds")) {
      const char *s = socap_cli_value(argc, argv, k++, "a value");
      if (!s) { rc = SOCAP_ECONFIG; goto done; }
      if ((rc = parse_int_arg(a, s, 1, 100000000, &v))) goto done;
      o.batch_seconds = (double)v;
    } else if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
      fputs(sweep_usage, stdout);
      goto done;
    } else if (!strcmp(a, "--resume")) o.resume = 1;
    else if (!strcmp(a, "--dry-run")) dry = 1;
    else if (!strcmp(a, "--quiet") || !strcmp(a, "-q")) quiet = 1;
    else if (a[0] == '-') { rc = socap_cli_usage("sweep: unknown option '%s'", a); goto done; }
    else if (!file) file = a;
    else { rc = socap_cli_usage("sweep: unexpected argument '%s'", a); goto done; }
  }
  if (!file) { rc = socap_cli_usage("%s", "sweep: missing SWEEP.yaml"); goto done; }
  if (!dir && !dry) { rc = socap_cli_usage("%s", "sweep: missing -o DIR (the output directory)"); goto done; }
  if (!have_shard && shard_from_slurm(&o.shard, &o.nshards) < 0) { rc = SOCAP_ECONFIG; goto done; }
  socap_config_errors errs;
  if ((rc = socap_sweep_load(file, sets, nsets, &sw, &errs))) {
    if (errs.n) socap_config_errors_print(stderr, &errs);
    else fprintf(stderr, "socap: %s\n", socap_error_message());
    goto done;
  }
  if (dry) {
    socap_sweep_print(sw, stdout, 20);
    if (o.nshards > 1) {
      int64_t mine = 0;
      for (int64_t t = 0; t < socap_sweep_n_tasks(sw); t++) mine += t % o.nshards == o.shard - 1;
      printf("shard %d/%d: %lld tasks\n", o.shard, o.nshards, (long long)mine);
    }
    goto done;
  }
  cmdline = socap_cli_command_line(argc + 1, argv - 1);
  o.dir = dir;
  o.command = cmdline;
  o.threads = omp_get_max_threads();
  o.stop = &stop_flag;
  socap_cli_progress pg;
  socap_cli_progress_init(&pg, "sweep", quiet);
  o.progress = progress_cb;
  o.progress_ctx = &pg;
  socap_cli_on_stop_signals(on_signal);
  socap_sweep_result res;
#ifdef SOCAP_HAVE_MPI
  rc = socap_sweep_run_mpi(sw, &o, &res);
#else
  rc = socap_sweep_run(sw, &o, &res);
#endif
  if (rc) {
    if (res.total != -2) fprintf(stderr, "socap: error: %s\n", socap_error_message());
    goto done;
  }
  if (res.total < 0) goto done; /* MPI worker rank: rank 0 reports */
  int64_t failed = res.failed + res.prev_failed;
  if (!quiet)
    fprintf(stderr, "socap: sweep %s: %lld tasks: %lld done now, %lld skipped (already in %s), %lld failed%s\n",
            res.stopped ? "stopped" : "finished", (long long)res.total, (long long)res.done, (long long)res.skipped,
            dir, (long long)failed, res.prev_failed ? " (incl. earlier runs)" : "");
  if (!quiet && res.done + res.failed > 0) {
    double n = (double)(res.done + res.failed);
    fprintf(stderr,
            "socap: time: %.3f s wall on %d threads; tasks %.3f s wall, %.3f s CPU (%.3f ms each); outside the "
            "tasks %.3f ms CPU per task (scheduling, HDF5, files)\n",
            res.wall_seconds, o.threads, res.task_seconds, res.task_cpu_seconds, 1e3 * res.task_cpu_seconds / n,
            1e3 * (res.cpu_seconds - res.task_cpu_seconds) / n);
  }
  if (res.stopped) {
    fprintf(stderr, "socap: stopped by a signal; finished tasks are saved, rerun with --resume to complete\n");
    rc = SOCAP_ERUNTIME;
  }
  if (failed) {
    fprintf(stderr, "socap: %lld task%s failed: %s%s\n", (long long)failed, failed == 1 ? "" : "s", res.failures,
            failed > 3 ? " ... (see /failures)" : "");
    rc = SOCAP_ERUNTIME;
  }
done:
  socap_sweep_free(sw);
  free(sets);
  free(cmdline);
  return rc;
}

int socap_cli_merge(int argc, char **argv) {
  const char *dir = NULL, *out = NULL;
  int force = 0, allow_missing = 0, quiet = 0, rc;
  for (int k = 1; k < argc; k++) {
    const char *a = argv[k];
    if (!strcmp(a, "-o") || !strcmp(a, "--output")) {
      if (!(out = socap_cli_value(argc, argv, k++, "a file name"))) return SOCAP_ECONFIG;
    } else if (!strcmp(a, "--force")) force = 1;
    else if (!strcmp(a, "--allow-missing")) allow_missing = 1;
    else if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
      fputs(merge_usage, stdout);
      return SOCAP_OK;
    }
    else if (!strcmp(a, "--quiet") || !strcmp(a, "-q")) quiet = 1;
    else if (a[0] == '-') return socap_cli_usage("merge: unknown option '%s'", a);
    else if (!dir) dir = a;
    else return socap_cli_usage("merge: unexpected argument '%s'", a);
  }
  if (!dir) return socap_cli_usage("%s", "merge: missing DIR (a sweep output directory)");
  if (!out) return socap_cli_usage("%s", "merge: missing -o ALL.h5");
  char *cmdline = socap_cli_command_line(argc + 1, argv - 1);
  socap_sweep_merge_result res;
  rc = socap_sweep_merge(dir, out, force, cmdline, &res);
  free(cmdline);
  if (rc) {
    fprintf(stderr, "socap: error: %s\n", socap_error_message());
    return rc;
  }
  int64_t missing = res.n_tasks - res.present;
  if (!quiet)
    printf("merged %d batch files: %lld of %lld tasks (%lld failed) into %s\n", res.nbatches,
           (long long)res.present, (long long)res.n_tasks, (long long)res.failed, out);
  if (res.duplicates)
    fprintf(stderr, "socap: warning: %lld tasks were found in more than one batch file (kept once)\n",
            (long long)res.duplicates);
  if (missing) {
    fprintf(stderr, "socap: warning: %lld tasks missing: %s\n", (long long)missing, res.missing);
    if (!allow_missing) {
      fprintf(stderr, "socap: the merged file is incomplete (exit 1); rerun the sweep with --resume, or pass "
                      "--allow-missing\n");
      return SOCAP_ERUNTIME;
    }
  }
  return SOCAP_OK;
}
