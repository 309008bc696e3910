/* `socap sweep` and `socap merge`. */
#include <stdio.h>

#include "cli.h"
#include "socap/error.h"

int socap_cli_sweep(int argc, char **argv) {
  (void)argc; (void)argv;
  fprintf(stderr, "socap: sweep is not available in this build yet\n");
  return SOCAP_ERUNTIME;
}

int socap_cli_merge(int argc, char **argv) {
  (void)argc; (void)argv;
  fprintf(stderr, "socap: merge is not available in this build yet\n");
  return SOCAP_ERUNTIME;
}
