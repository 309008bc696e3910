/* STREAM-like triad a = b + s*c with OpenMP; prints the best GB/s of 5. */
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>

int main(void) {
  const long n = 40L * 1000 * 1000; /* 3 x 320 MB, far beyond cache */
  double *a = malloc(n * sizeof *a), *b = malloc(n * sizeof *b), *c = malloc(n * sizeof *c);
  if (!a || !b || !c) return 1;
#pragma omp parallel for schedule(static)
  for (long i = 0; i < n; i++) { a[i] = 0; b[i] = 1; c[i] = 2; }
  double best = 0;
  for (int r = 0; r < 5; r++) {
    double t = omp_get_wtime();
#pragma omp parallel for schedule(static)
    for (long i = 0; i < n; i++) a[i] = b[i] + 3.0 * c[i];
    t = omp_get_wtime() - t;
    double gbs = 3.0 * n * sizeof(double) / t / 1e9;
    if (gbs > best) best = gbs;
  }
  printf("%.2f %.1f\n", best, a[n / 2]);
  free(a); free(b); free(c);
  return 0;
}
