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
/** Parse --threads; returns 0 or SOCAP_ECONFIG after printing a message. */
int socap_cli_set_threads(const char *arg);
/** argv joined by spaces; caller frees. */
char *socap_cli_command_line(int argc, char **argv);

/** `socap sweep` and `socap merge` (sim/sweep_cli.c). argv[0] is the command. */
int socap_cli_sweep(int argc, char **argv);
int socap_cli_merge(int argc, char **argv);
#endif
