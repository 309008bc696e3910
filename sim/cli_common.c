/* CLI helpers shared by the commands: progress reporting and options. */
#include <ctype.h>
#include <errno.h>
#include <omp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "socap/error.h"

int socap_cli_usage(const char *fmt, const char *arg) {
  fprintf(stderr, "socap: ");
  fprintf(stderr, fmt, arg);
  fprintf(stderr, "\nrun 'socap --help' for usage\n");
  return SOCAP_ECONFIG;
}

const char *socap_cli_value(int argc, char **argv, int k, const char *what) {
  const char *v = k + 1 < argc ? argv[k + 1] : NULL;
  const int option = v && v[0] == '-' && (v[1] == '-' || isalpha((unsigned char)v[1]));
  if (v && v[0] && !option) return v;
  char msg[256];
  if (option)
    snprintf(msg, sizeof msg, "%s needs %s, not the option '%.64s'%s", argv[k], what, v,
             strstr(what, "name") || strstr(what, "directory") ? " (a name that starts with '-' is written ./NAME)" : "");
  else
    snprintf(msg, sizeof msg, "%s needs %s", argv[k], what);
  socap_cli_usage("%s", msg);
  return NULL;
}

/* ---- progress ------------------------------------------------------------ */

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec * 1e-9;
}

void socap_cli_progress_init(socap_cli_progress *pg, const char *what, int quiet) {
  memset(pg, 0, sizeof *pg);
  pg->what = what;
  pg->quiet = quiet;
  pg->tty = isatty(STDERR_FILENO);
  pg->t0 = now_s();
  pg->last = -1e9;
  const char *iv = getenv("SOCAP_PROGRESS_INTERVAL");
  pg->interval = 10.0;
  if (iv && *iv) {
    char *end;
    double v = strtod(iv, &end);
    if (*end || !(v >= 0))
      fprintf(stderr, "socap: warning: SOCAP_PROGRESS_INTERVAL='%s' is not a number of seconds >= 0; using 10\n", iv);
    else
      pg->interval = v;
  }
}

static void fmt_duration(char *buf, size_t n, double s) {
  if (!(s >= 0) || s > 1e7) { snprintf(buf, n, "--:--"); return; }
  int t = (int)(s + 0.5);
  if (t >= 3600) snprintf(buf, n, "%d:%02d:%02d", t / 3600, (t / 60) % 60, t % 60);
  else snprintf(buf, n, "%02d:%02d", t / 60, t % 60);
}

void socap_cli_progress_cb(void *ctx, int64_t done, int64_t total) {
  socap_cli_progress *pg = ctx;
  if (pg->quiet || total <= 0) return;
  double t = now_s(), el = t - pg->t0;
  int finished = done >= total;
  if (!finished && t - pg->last < (pg->tty ? 0.1 : pg->interval)) return;
  pg->last = t;
  double eta = done > 0 ? el * (double)(total - done) / (double)done : -1;
  char e1[32], e2[32];
  fmt_duration(e1, sizeof e1, el);
  fmt_duration(e2, sizeof e2, eta);
  if (pg->tty) {
    int width = 30, fill = (int)(width * (double)done / (double)total);
    char bar[64];
    for (int k = 0; k < width; k++) bar[k] = k < fill ? '#' : '.';
    bar[width] = 0;
    fprintf(stderr, "\r%s [%s] %lld/%lld %3.0f%% elapsed %s ETA %s%s\033[K", pg->what, bar, (long long)done,
            (long long)total, 100.0 * (double)done / (double)total, e1, e2, pg->extra); /* ESC[K: a longer note's rest */
    if (finished) fputc('\n', stderr);
  } else {
    fprintf(stderr, "socap: %s %lld/%lld (%.0f%%) elapsed %s ETA %s%s\n", pg->what, (long long)done,
            (long long)total, 100.0 * (double)done / (double)total, e1, e2, pg->extra);
  }
  fflush(stderr);
}

void socap_cli_progress_note(socap_cli_progress *pg, const char *note, int always) {
  if (pg->quiet) return;
  double t = now_s();
  char e1[32];
  fmt_duration(e1, sizeof e1, t - pg->t0);
  if (pg->tty) {
    fprintf(stderr, "\r%s: %s, elapsed %s\033[K", pg->what, note, e1); /* ESC[K: clear the bar's rest */
  } else {
    if (!always && t - pg->last < pg->interval) return;
    fprintf(stderr, "socap: %s: %s, elapsed %s\n", pg->what, note, e1);
    pg->last = t;
  }
  fflush(stderr);
}

/* ---- shared option handling ------------------------------------------------- */

int socap_cli_set_threads(const char *arg) {
  char *end;
  errno = 0;
  long v = strtol(arg, &end, 10);
  if (end == arg || *end || errno || v < 1 || v > SOCAP_CLI_MAX_THREADS)
    return socap_cli_usage("--threads expects an integer from 1 to " SOCAP_CLI_MAX_THREADS_STR ", got '%s'", arg);
  omp_set_num_threads((int)v);
  return SOCAP_OK;
}

int socap_cli_check_default_threads(int argc, char **argv) {
  for (int k = 1; k < argc; k++)
    if (!strcmp(argv[k], "--threads")) return SOCAP_OK; /* the option sets them */
  if (omp_get_max_threads() <= SOCAP_CLI_MAX_THREADS) return SOCAP_OK;
  const char *e = getenv("OMP_NUM_THREADS");
  return socap_cli_usage("OMP_NUM_THREADS=%s asks for more threads than socap's limit of " SOCAP_CLI_MAX_THREADS_STR
                     " (set a smaller value, or give --threads N)", e ? e : "?");
}

char *socap_cli_command_line(int argc, char **argv) {
  size_t len = 1;
  for (int k = 0; k < argc; k++) len += strlen(argv[k]) + 1;
  char *s = malloc(len);
  if (!s) return NULL;
  s[0] = 0;
  for (int k = 0; k < argc; k++) {
    if (k) strcat(s, " ");
    strcat(s, argv[k]);
  }
  return s;
}


void socap_cli_on_stop_signals(void (*handler)(int)) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = handler;
  sa.sa_flags = (int)SA_RESETHAND; /* a second signal kills at once */
  sigaction(SIGTERM, &sa, NULL);
  sigaction(SIGINT, &sa, NULL);
}
