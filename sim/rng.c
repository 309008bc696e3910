/* Philox4x32-10 (Salmon, Moraes, Dror & Shaw 2011) as a gsl_rng_type. */
#include "socap/rng.h"

#include <string.h>

#include "simd.h"

#define PHILOX_M0 0xD2511F53u
#define PHILOX_M1 0xCD9E8D57u
#define PHILOX_W0 0x9E3779B9u
#define PHILOX_W1 0xBB67AE85u

static inline void mulhilo(uint32_t a, uint32_t b, uint32_t *hi, uint32_t *lo) {
  uint64_t p = (uint64_t)a * b;
  *hi = (uint32_t)(p >> 32);
  *lo = (uint32_t)p;
}

void socap_philox4x32_10(const uint32_t ctr[4], const uint32_t key[2], uint32_t out[4]) {
  uint32_t c0 = ctr[0], c1 = ctr[1], c2 = ctr[2], c3 = ctr[3];
  uint32_t k0 = key[0], k1 = key[1];
  for (int r = 0; r < 10; r++) {
    uint32_t hi0, lo0, hi1, lo1;
    mulhilo(PHILOX_M0, c0, &hi0, &lo0);
    mulhilo(PHILOX_M1, c2, &hi1, &lo1);
    uint32_t n0 = hi1 ^ c1 ^ k0, n1 = lo1, n2 = hi0 ^ c3 ^ k1, n3 = lo0;
    c0 = n0; c1 = n1; c2 = n2; c3 = n3;
    k0 += PHILOX_W0;
    k1 += PHILOX_W1;
  }
  out[0] = c0; out[1] = c1; out[2] = c2; out[3] = c3;
}

uint64_t socap_hash64(uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

uint64_t socap_hash_combine(uint64_t a, uint64_t b) {
  return socap_hash64(socap_hash64(a) ^ (b + 0x632BE59BD9B4E019ull + (a << 6) + (a >> 2)));
}

/* State: key, the fixed counter words (agent, step, purpose), the block index
 * in ctr[3], and a buffer of the current block's 4 outputs. */
typedef struct {
  uint32_t key[2];
  uint32_t ctr[4];
  uint32_t buf[4];
  int pos; /* next unused buffer slot; 4 = empty */
} philox_state;

static inline uint32_t philox_next(philox_state *s) {
  if (s->pos == 4) {
    socap_philox4x32_10(s->ctr, s->key, s->buf);
    s->ctr[3]++;
    s->pos = 0;
  }
  return s->buf[s->pos++];
}

static unsigned long philox_get(void *vs) { return philox_next((philox_state *)vs); }

/* 53-bit doubles in (0,1): GSL's uniform must exclude 0 for some samplers,
 * and gsl_rng_uniform_pos relies on get_double never returning 1. */
static double philox_get_double(void *vs) {
  philox_state *s = vs;
  uint64_t a = philox_next(s) >> 5, b = philox_next(s) >> 6;
  return ((double)(a * 67108864u + b) + 0.5) / 9007199254740992.0;
}

/* gsl_rng_set(r, seed): stream (seed, 0, 0, 0, 0). */
static void philox_set(void *vs, unsigned long seed) {
  philox_state *s = vs;
  uint64_t k = socap_hash64((uint64_t)seed);
  memset(s, 0, sizeof *s);
  s->key[0] = (uint32_t)k;
  s->key[1] = (uint32_t)(k >> 32);
  s->pos = 4;
}

static const gsl_rng_type philox_type = {"socap-philox4x32-10", 0xffffffffUL, 0, sizeof(philox_state),
                                         philox_set, philox_get, philox_get_double};

const gsl_rng_type *socap_rng_philox = &philox_type;

/* A stream's key, and the counter word holding its purpose and sub-purpose:
 * the layout of socap_rng_substream, shared with socap_rng_first_blocks. */
static void stream_key(uint64_t seed, uint64_t task, uint32_t key[2]) {
  const uint64_t k = socap_hash_combine(seed, task);
  key[0] = (uint32_t)k;
  key[1] = (uint32_t)(k >> 32);
}

static inline uint32_t purpose_word(uint32_t purpose, uint32_t sub) { return (purpose << 24) | (sub & 0xffffffu); }

void socap_rng_substream(gsl_rng *r, uint64_t seed, uint64_t task, uint32_t agent, uint32_t step,
                         uint32_t purpose, uint32_t sub) {
  philox_state *s = r->state;
  stream_key(seed, task, s->key);
  s->ctr[0] = agent;
  s->ctr[1] = step;
  s->ctr[2] = purpose_word(purpose, sub);
  s->ctr[3] = 0;
  s->pos = 4;
}

void socap_rng_stream(gsl_rng *r, uint64_t seed, uint64_t task, uint32_t agent, uint32_t step,
                      uint32_t purpose) {
  socap_rng_substream(r, seed, task, agent, step, purpose, 0);
}

void socap_rng_substream_from(gsl_rng *r, uint64_t seed, uint64_t task, uint32_t agent, uint32_t step,
                              uint32_t purpose, uint32_t sub, const uint32_t first[4]) {
  socap_rng_substream(r, seed, task, agent, step, purpose, sub);
  philox_state *s = r->state;
  memcpy(s->buf, first, sizeof s->buf);
  s->ctr[3] = 1;
  s->pos = 0;
}

#ifdef SOCAP_HAVE_AVX512
/* 16 Philox4x32-10 blocks at once: lane l encrypts the counter
 * (c0[l], c1, c2[l], 0) with the key (k0, k1). _mm512_mul_epu32 multiplies
 * the even 32-bit lanes into 64-bit products; the odd lanes go through a
 * second multiply of the vectors shifted down by 32 bits. */
SOCAP_TARGET_AVX512 static void philox_x16(__m512i c0, __m512i c1, __m512i c2, __m512i c3, uint32_t k0,
                                           uint32_t k1, uint32_t (*out)[4], int nl) {
  const __m512i m0 = _mm512_set1_epi32((int)PHILOX_M0), m1 = _mm512_set1_epi32((int)PHILOX_M1);
  const __mmask16 odd = 0xAAAA;
  for (int r = 0; r < 10; r++) {
    const __m512i pe0 = _mm512_mul_epu32(c0, m0), po0 = _mm512_mul_epu32(_mm512_srli_epi64(c0, 32), m0);
    const __m512i pe1 = _mm512_mul_epu32(c2, m1), po1 = _mm512_mul_epu32(_mm512_srli_epi64(c2, 32), m1);
    const __m512i lo0 = _mm512_mask_blend_epi32(odd, pe0, _mm512_slli_epi64(po0, 32));
    const __m512i hi0 = _mm512_mask_blend_epi32(odd, _mm512_srli_epi64(pe0, 32), po0);
    const __m512i lo1 = _mm512_mask_blend_epi32(odd, pe1, _mm512_slli_epi64(po1, 32));
    const __m512i hi1 = _mm512_mask_blend_epi32(odd, _mm512_srli_epi64(pe1, 32), po1);
    c0 = _mm512_xor_si512(_mm512_xor_si512(hi1, c1), _mm512_set1_epi32((int)k0));
    c1 = lo1;
    c2 = _mm512_xor_si512(_mm512_xor_si512(hi0, c3), _mm512_set1_epi32((int)k1));
    c3 = lo0;
    k0 += PHILOX_W0;
    k1 += PHILOX_W1;
  }
  uint32_t w[4][16];
  _mm512_storeu_si512(w[0], c0);
  _mm512_storeu_si512(w[1], c1);
  _mm512_storeu_si512(w[2], c2);
  _mm512_storeu_si512(w[3], c3);
  for (int l = 0; l < nl; l++)
    for (int q = 0; q < 4; q++) out[l][q] = w[q][l];
}

SOCAP_TARGET_AVX512 static void first_blocks_avx512(const uint32_t key[2], uint32_t step, uint32_t hi, size_t n,
                                                    const uint32_t *agent, const uint32_t *sub,
                                                    uint32_t (*out)[4]) {
  const __m512i c1 = _mm512_set1_epi32((int)step), c3 = _mm512_setzero_si512();
  const __m512i hiv = _mm512_set1_epi32((int)hi), subm = _mm512_set1_epi32(0xffffff);
  for (size_t i = 0; i < n; i += 16) {
    const __mmask16 k = socap_lanes((int64_t)(n - i));
    const __m512i c0 = _mm512_maskz_loadu_epi32(k, agent + i);
    const __m512i c2 = _mm512_or_si512(hiv, _mm512_and_si512(_mm512_maskz_loadu_epi32(k, sub + i), subm));
    philox_x16(c0, c1, c2, c3, key[0], key[1], out + i, n - i < 16 ? (int)(n - i) : 16);
  }
}
#endif

#ifdef SOCAP_HAVE_AVX2
/* The same, 8 blocks at once with AVX2 (philox_x16's operations on
 * 256-bit vectors). */
SOCAP_TARGET_AVX2 static void philox_x8(__m256i c0, __m256i c1, __m256i c2, __m256i c3, uint32_t k0, uint32_t k1,
                                        uint32_t (*out)[4], int nl) {
  const __m256i m0 = _mm256_set1_epi32((int)PHILOX_M0), m1 = _mm256_set1_epi32((int)PHILOX_M1);
  for (int r = 0; r < 10; r++) {
    const __m256i pe0 = _mm256_mul_epu32(c0, m0), po0 = _mm256_mul_epu32(_mm256_srli_epi64(c0, 32), m0);
    const __m256i pe1 = _mm256_mul_epu32(c2, m1), po1 = _mm256_mul_epu32(_mm256_srli_epi64(c2, 32), m1);
    /* 0xAA: the odd 32-bit lanes from the second operand */
    const __m256i lo0 = _mm256_blend_epi32(pe0, _mm256_slli_epi64(po0, 32), 0xAA);
    const __m256i hi0 = _mm256_blend_epi32(_mm256_srli_epi64(pe0, 32), po0, 0xAA);
    const __m256i lo1 = _mm256_blend_epi32(pe1, _mm256_slli_epi64(po1, 32), 0xAA);
    const __m256i hi1 = _mm256_blend_epi32(_mm256_srli_epi64(pe1, 32), po1, 0xAA);
    c0 = _mm256_xor_si256(_mm256_xor_si256(hi1, c1), _mm256_set1_epi32((int)k0));
    c1 = lo1;
    c2 = _mm256_xor_si256(_mm256_xor_si256(hi0, c3), _mm256_set1_epi32((int)k1));
    c3 = lo0;
    k0 += PHILOX_W0;
    k1 += PHILOX_W1;
  }
  uint32_t w[4][8];
  _mm256_storeu_si256((__m256i *)(void *)w[0], c0);
  _mm256_storeu_si256((__m256i *)(void *)w[1], c1);
  _mm256_storeu_si256((__m256i *)(void *)w[2], c2);
  _mm256_storeu_si256((__m256i *)(void *)w[3], c3);
  for (int l = 0; l < nl; l++)
    for (int q = 0; q < 4; q++) out[l][q] = w[q][l];
}

SOCAP_TARGET_AVX2 static void first_blocks_avx2(const uint32_t key[2], uint32_t step, uint32_t hi, size_t n,
                                                const uint32_t *agent, const uint32_t *sub, uint32_t (*out)[4]) {
  const __m256i c1 = _mm256_set1_epi32((int)step), c3 = _mm256_setzero_si256();
  const __m256i hiv = _mm256_set1_epi32((int)hi), subm = _mm256_set1_epi32(0xffffff);
  const __m256i iota = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
  for (size_t i = 0; i < n; i += 8) {
    const int nl = n - i < 8 ? (int)(n - i) : 8;
    const __m256i k = _mm256_cmpgt_epi32(_mm256_set1_epi32(nl), iota);
    const __m256i c0 = _mm256_maskload_epi32((const int *)(const void *)(agent + i), k);
    const __m256i c2 =
        _mm256_or_si256(hiv, _mm256_and_si256(_mm256_maskload_epi32((const int *)(const void *)(sub + i), k), subm));
    philox_x8(c0, c1, c2, c3, key[0], key[1], out + i, nl);
  }
}
#endif

void socap_rng_first_blocks(uint64_t seed, uint64_t task, uint32_t step, uint32_t purpose, size_t n,
                            const uint32_t *agent, const uint32_t *sub, uint32_t (*out)[4]) {
  uint32_t key[2];
  stream_key(seed, task, key);
#ifdef SOCAP_HAVE_AVX512
  if (socap_simd_avx512()) {
    first_blocks_avx512(key, step, purpose_word(purpose, 0), n, agent, sub, out);
    return;
  }
  if (socap_simd_avx2()) {
    first_blocks_avx2(key, step, purpose_word(purpose, 0), n, agent, sub, out);
    return;
  }
#endif
  for (size_t i = 0; i < n; i++) {
    const uint32_t ctr[4] = {agent[i], step, purpose_word(purpose, sub[i]), 0};
    socap_philox4x32_10(ctr, key, out[i]);
  }
}
