/* Private helpers shared by the CLI commands (main.c, sweep). */
#ifndef SOCAP_CLI_H
#define SOCAP_CLI_H
#include <stdint.h>

/** Progress reporter: a bar with ETA on a terminal, periodic lines otherwise. */
typedef struct {
  const char *what;
  int quiet, tty;
  double t0, last, interval;
  char extra[96]; /* appended text, e.g. "failed 2" */
} socap_cli_progress;

void socap_cli_progress_init(socap_cli_progress *pg, const char *what, int quiet);
/** socap_progress_fn-compatible callback; ctx is a socap_cli_progress. */
void socap_cli_progress_cb(void *ctx, int64_t done, int64_t total);
/** Say what a long stretch without progress calls is doing: on a terminal
 *  in place of the bar (the next progress call redraws it), otherwise as a
 *  line, if @p always or the interval has passed since the last line. */
void socap_cli_progress_note(socap_cli_progress *pg, const char *note, int always);
/** Route SIGINT and SIGTERM to @p handler once: the handler is reset on
 *  delivery, so a second signal kills at once. */
void socap_cli_on_stop_signals(void (*handler)(int));
/** Print "socap: " fmt (with one string argument) and a pointer to --help
 *  to stderr; returns SOCAP_ECONFIG (exit 2). */
int socap_cli_usage(const char *fmt, const char *arg);
/** argv[k + 1] as the value of option argv[k] (@p what: "a file name"), or
 *  NULL after a usage message if it is missing, empty or another option
 *  ("-o --quiet" would otherwise write a file named --quiet). */
const char *socap_cli_value(int argc, char **argv, int k, const char *what);
/** The most threads a command runs (--threads, OMP_NUM_THREADS). */
#define SOCAP_CLI_MAX_THREADS 4096
#define SOCAP_CLI_MAX_THREADS_STR "4096"
/** Parse --threads; returns 0 or SOCAP_ECONFIG after printing a message. */
int socap_cli_set_threads(const char *arg);
/** Without --threads in argv, the OpenMP default (OMP_NUM_THREADS) must be
 *  within SOCAP_CLI_MAX_THREADS (libgomp overflows its stack on 10^5);
 *  returns 0 or SOCAP_ECONFIG after printing a message. */
int socap_cli_check_default_threads(int argc, char **argv);
/** argv joined by spaces; caller frees. */
char *socap_cli_command_line(int argc, char **argv);

/** `socap sweep` and `socap merge` (sim/sweep_cli.c). argv[0] is the command. */
int socap_cli_sweep(int argc, char **argv);
int socap_cli_merge(int argc, char **argv);
#endif
