/* Minimal test assertions shared by the C unit tests. */
#ifndef SOCAP_TEST_CHECK_H
#define SOCAP_TEST_CHECK_H
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

static int check_failures = 0;
static int check_count = 0;

#define CHECK(cond) do { check_count++; if (!(cond)) { check_failures++; \
  fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); } } while (0)
#define CHECK_MSG(cond, ...) do { check_count++; if (!(cond)) { check_failures++; \
  fprintf(stderr, "%s:%d: CHECK failed: %s: ", __FILE__, __LINE__, #cond); \
  fprintf(stderr, __VA_ARGS__); fputc('\n', stderr); } } while (0)
/* |a-b| <= tol * max(1, |b|) */
#define CHECK_CLOSE(a, b, tol) do { double a_ = (a), b_ = (b); check_count++; \
  if (!(fabs(a_ - b_) <= (tol) * fmax(1.0, fabs(b_)))) { check_failures++; \
  fprintf(stderr, "%s:%d: CHECK_CLOSE failed: %s = %.17g, %s = %.17g\n", __FILE__, __LINE__, \
          #a, a_, #b, b_); } } while (0)
#define CHECK_DONE() do { printf("%d checks, %d failed\n", check_count, check_failures); \
  return check_failures ? 1 : 0; } while (0)
#endif
