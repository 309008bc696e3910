#include "socap/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static _Thread_local char err_msg[1024];
static _Thread_local char err_where[256];

int socap_error_set(int code, const char *file, int line, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(err_msg, sizeof err_msg, fmt, ap);
  va_end(ap);
  const char *base = strrchr(file, '/');
  snprintf(err_where, sizeof err_where, "%s:%d", base ? base + 1 : file, line);
  return code;
}

const char *socap_error_message(void) { return err_msg; }
const char *socap_error_where(void) { return err_where; }
void socap_error_clear(void) { err_msg[0] = 0; err_where[0] = 0; }
