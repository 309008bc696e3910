/* Known answers for Philox4x32-10 (Random123 kat_vectors) and statistical
 * sanity of GSL distributions running on socap streams. */
#include <gsl/gsl_cdf.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_statistics_double.h>
#include <string.h>

#include "check.h"
#include "expneg.h"
#include "socap/metrics.h" /* socap_set_simd */
#include "socap/rng.h"

static void kat(uint32_t c0, uint32_t c1, uint32_t c2, uint32_t c3, uint32_t k0, uint32_t k1, uint32_t e0,
                uint32_t e1, uint32_t e2, uint32_t e3) {
  uint32_t ctr[4] = {c0, c1, c2, c3}, key[2] = {k0, k1}, out[4];
  socap_philox4x32_10(ctr, key, out);
  CHECK(out[0] == e0 && out[1] == e1 && out[2] == e2 && out[3] == e3);
}

#ifdef SOCAP_HAVE_AVX512
SOCAP_TARGET_AVX512 static void expneg8_array(const double *x, double *y) {
  _mm512_storeu_pd(y, socap_expneg8(_mm512_loadu_pd(x)));
}
SOCAP_TARGET_AVX2 static void expneg4x2_array(const double *x, double *y) {
  _mm256_storeu_pd(y, socap_expneg4(_mm256_loadu_pd(x)));
  _mm256_storeu_pd(y + 4, socap_expneg4(_mm256_loadu_pd(x + 4)));
}
#endif

int main(void) {
  kat(0, 0, 0, 0, 0, 0, 0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8);
  kat(0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff, 0x408f276d, 0x41c83b0e,
      0xa20bc7c6, 0x6d5451fd);
  kat(0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344, 0xa4093822, 0x299f31d0, 0xd16cfe09, 0x94fdcceb,
      0x5001e420, 0x24126ea1);

  gsl_rng *r = gsl_rng_alloc(socap_rng_philox);
  gsl_rng *r2 = gsl_rng_alloc(socap_rng_philox);
  CHECK(strcmp(gsl_rng_name(r), "socap-philox4x32-10") == 0);
  CHECK(gsl_rng_max(r) == 0xffffffffUL && gsl_rng_min(r) == 0);

  /* Streams are pure functions of their key: re-positioning repeats them,
   * and any key component changes them. */
  socap_rng_stream(r, 42, 7, 1000, 3, SOCAP_RNG_TEST);
  unsigned long first[16];
  for (int i = 0; i < 16; i++) first[i] = gsl_rng_get(r);
  socap_rng_stream(r2, 42, 7, 1000, 3, SOCAP_RNG_TEST);
  int same = 1;
  for (int i = 0; i < 16; i++) same &= (gsl_rng_get(r2) == first[i]);
  CHECK(same);
  uint64_t keys[5][5] = {{43, 7, 1000, 3, SOCAP_RNG_TEST}, {42, 8, 1000, 3, SOCAP_RNG_TEST},
                         {42, 7, 1001, 3, SOCAP_RNG_TEST}, {42, 7, 1000, 4, SOCAP_RNG_TEST},
                         {42, 7, 1000, 3, SOCAP_RNG_JUDGE}};
  for (int k = 0; k < 5; k++) {
    socap_rng_stream(r2, keys[k][0], keys[k][1], (uint32_t)keys[k][2], (uint32_t)keys[k][3], (uint32_t)keys[k][4]);
    int eq = 0;
    for (int i = 0; i < 16; i++) eq += (gsl_rng_get(r2) == first[i]);
    CHECK_MSG(eq < 2, "key variant %d shares %d of 16 draws", k, eq);
  }
  /* A fixed known answer for our own stream derivation, so that a change in
   * key derivation (which would silently change every result) is caught. */
  socap_rng_stream(r, 1, 0, 0, 0, SOCAP_RNG_TEST);
  unsigned long golden = gsl_rng_get(r);
  printf("golden stream(1,0,0,0,TEST) first draw = %lu\n", golden);
  CHECK(golden == 0UL + GOLDEN_FIRST);

  /* First blocks computed together (16 streams a vector with AVX-512, 8
   * with AVX2, and the scalar form): the words that opening each sub-stream and drawing gives, for
   * counts that leave partial vectors; and a stream opened from its first
   * block goes on with the same draws. */
  for (int simd = 0; simd < 3; simd++) { /* scalar, AVX2, AVX-512: those the CPU has */
    int mode = socap_set_simd_level(simd);
    if (mode != simd) {
      printf("first blocks: no %s on this CPU\n", simd == 1 ? "AVX2" : "AVX-512");
      continue;
    }
    printf("first blocks: %s form\n", mode == 2 ? "AVX-512" : mode == 1 ? "AVX2" : "scalar");
    enum { NB = 37 };
    uint32_t ag[NB], sb[NB], blk[NB][4];
    for (int n = 0; n <= NB; n += (n < 17 ? 1 : 10)) {
      for (int i = 0; i < NB; i++) {
        ag[i] = 0xfffffff0u + (uint32_t)i * 7919u;
        sb[i] = (uint32_t)(i * 0x9e3779u) ^ 0x5a000000u; /* bits above 24 must be dropped */
      }
      memset(blk, 0xab, sizeof blk);
      socap_rng_first_blocks(2026, 3, 51, SOCAP_RNG_JUDGE, (size_t)n, ag, sb, blk);
      int eq = 1, untouched = 1, cont = 1;
      for (int i = 0; i < n; i++) {
        socap_rng_substream(r, 2026, 3, ag[i], 51, SOCAP_RNG_JUDGE, sb[i]);
        for (int q = 0; q < 4; q++) eq &= gsl_rng_get(r) == blk[i][q];
        socap_rng_substream_from(r2, 2026, 3, ag[i], 51, SOCAP_RNG_JUDGE, sb[i], blk[i]);
        socap_rng_substream(r, 2026, 3, ag[i], 51, SOCAP_RNG_JUDGE, sb[i]);
        for (int q = 0; q < 11; q++) cont &= gsl_rng_get(r) == gsl_rng_get(r2);
      }
      for (int i = n; i < NB; i++) untouched &= blk[i][0] == 0xababababu;
      CHECK_MSG(eq && cont && untouched, "first blocks, n=%d, simd=%d: eq %d cont %d untouched %d", n, mode, eq,
                cont, untouched);
    }
  }
  socap_set_simd(1);

  /* socap_expneg (maintenance's e^x, x <= 0): within 1 ulp of the C
   * library's exp, and its AVX2 and AVX-512 twins give the same bits; tiny, ordinary
   * and large arguments, the table's bucket edges, and the clamp at -700. */
  {
    double maxulp = 0;
    long vdiff = 0, n = 0;
    uint64_t sx = 99;
    const int lv = socap_simd_level(); /* the vector forms compared: those up to this level */
    printf("expneg: comparing the scalar form with%s%s\n", lv >= 1 ? " the AVX2 form" : " itself",
           lv >= 2 ? " and the AVX-512 form" : "");
    for (int i = 0; i < 400000; i += 8) {
      double x[8], y[8], y2[8];
      for (int l = 0; l < 8; l++) {
        sx = sx * 6364136223846793005ull + 1442695040888963407ull;
        const double u = (double)(sx >> 11) * 0x1p-53;
        const int kind = (i / 8 + l) % 5;
        x[l] = kind == 0   ? -u * 1e-12
               : kind == 1 ? -u
               : kind == 2 ? -40.0 * u
               : kind == 3 ? -705.0 * u
                           : -(double)(i / 8 % 5000) * 0x1.62e42fefa39efp-8;
      }
      for (int l = 0; l < 8; l++) y[l] = y2[l] = socap_expneg(x[l]);
#ifdef SOCAP_HAVE_AVX512
      if (lv >= 1) expneg4x2_array(x, y);
      if (lv >= 2) expneg8_array(x, y2);
#endif
      for (int l = 0; l < 8; l++) {
        const double s1 = socap_expneg(x[l]);
        vdiff += (memcmp(&s1, &y[l], sizeof s1) != 0) + (memcmp(&s1, &y2[l], sizeof s1) != 0);
        const double want = exp(x[l] < -700.0 ? -700.0 : x[l]);
        const double ulp = fabs(s1 - want) / (nextafter(want, INFINITY) - want);
        if (ulp > maxulp) maxulp = ulp;
        n++;
      }
    }
    printf("expneg: %ld arguments, max %.3f ulp from exp, %ld differ between the forms\n", n, maxulp, vdiff);
    CHECK_MSG(maxulp <= 1.0 && vdiff == 0, "expneg: max %.3f ulp, %ld vector differences", maxulp, vdiff);
    CHECK(socap_expneg(0.0) == 1.0 && socap_expneg(-1e-300) == 1.0);
    CHECK(socap_expneg(-800.0) == socap_expneg(-700.0) && socap_expneg(-700.0) > 0);
  }

  /* Uniform doubles: in (0,1), mean 1/2, variance 1/12, chi-square over 100 bins. */
  enum { N = 1000000, B = 100 };
  socap_rng_stream(r, 2026, 0, 0, 0, SOCAP_RNG_TEST);
  static double x[N];
  long bins[B] = {0};
  int in_range = 1;
  for (int i = 0; i < N; i++) {
    x[i] = gsl_rng_uniform(r);
    in_range &= (x[i] > 0.0 && x[i] < 1.0);
    bins[(int)(x[i] * B)]++;
  }
  CHECK(in_range);
  CHECK(fabs(gsl_stats_mean(x, 1, N) - 0.5) < 5 * sqrt(1.0 / 12 / N));
  CHECK(fabs(gsl_stats_variance(x, 1, N) - 1.0 / 12) < 0.002);
  double chi2 = 0;
  for (int b = 0; b < B; b++) chi2 += (bins[b] - N / (double)B) * (bins[b] - N / (double)B) / (N / (double)B);
  double pval = gsl_cdf_chisq_Q(chi2, B - 1);
  CHECK_MSG(pval > 1e-4, "uniform chi2=%g p=%g", chi2, pval);

  /* GSL distributions on top of the stream. */
  double mu = 3.7, s = 0;
  for (int i = 0; i < N; i++) x[i] = gsl_ran_poisson(r, mu);
  CHECK(fabs(gsl_stats_mean(x, 1, N) - mu) < 5 * sqrt(mu / N));
  CHECK(fabs(gsl_stats_variance(x, 1, N) - mu) < 0.05);
  for (int i = 0; i < N; i++) x[i] = gsl_ran_gaussian(r, 2.0);
  CHECK(fabs(gsl_stats_mean(x, 1, N)) < 5 * 2.0 / sqrt(N));
  CHECK(fabs(gsl_stats_sd(x, 1, N) - 2.0) < 0.01);
  /* Kolmogorov-Smirnov-style check on the Gaussian through its CDF. */
  for (int i = 0; i < N; i++) s += (gsl_cdf_gaussian_P(x[i], 2.0) < 0.25);
  CHECK(fabs(s / N - 0.25) < 5 * sqrt(0.25 * 0.75 / N));
  for (int i = 0; i < N; i++) x[i] = gsl_ran_exponential(r, 1.5);
  CHECK(fabs(gsl_stats_mean(x, 1, N) - 1.5) < 5 * 1.5 / sqrt(N));
  /* Integer draws without bias: gsl_rng_uniform_int. */
  long cnt[7] = {0};
  for (int i = 0; i < N; i++) cnt[gsl_rng_uniform_int(r, 7)]++;
  chi2 = 0;
  for (int b = 0; b < 7; b++) chi2 += (cnt[b] - N / 7.0) * (cnt[b] - N / 7.0) / (N / 7.0);
  CHECK_MSG(gsl_cdf_chisq_Q(chi2, 6) > 1e-4, "uniform_int chi2=%g", chi2);
  /* Serial correlation of consecutive uniforms. */
  for (int i = 0; i < N; i++) x[i] = gsl_rng_uniform(r);
  double c = gsl_stats_lag1_autocorrelation(x, 1, N);
  CHECK(fabs(c) < 5 / sqrt(N));

  gsl_rng_free(r);
  gsl_rng_free(r2);
  CHECK_DONE();
}
