/**
 * @file rng.h
 * @brief Counter-based random streams (Philox4x32-10) as a GSL generator.
 *
 * Every random draw in socap comes from a stream keyed by
 * (seed, task, agent, step, purpose). A stream is a position in the Philox
 * counter space: the key holds a hash of (seed, task), and the counter holds
 * (agent, step, purpose, draw index). Streams are therefore independent of
 * thread scheduling and of the order in which agents are processed, which is
 * what makes results bit-identical for any thread or rank count.
 *
 * socap_rng_type is a gsl_rng_type, so every GSL distribution
 * (gsl_ran_poisson, gsl_ran_gaussian, ...) runs on these streams.
 */
#ifndef SOCAP_RNG_H
#define SOCAP_RNG_H

#include <gsl/gsl_rng.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Purposes: one stream family per kind of decision. */
typedef enum {
  SOCAP_RNG_INIT = 1,      /**< population set-up */
  SOCAP_RNG_WORK = 2,      /**< work encounters */
  SOCAP_RNG_EVENT = 3,     /**< event meetings */
  SOCAP_RNG_INTRO = 4,     /**< introductions */
  SOCAP_RNG_REACT = 5,     /**< reactivation order */
  SOCAP_RNG_JUDGE = 6,     /**< tie decisions */
  SOCAP_RNG_INFO = 7,      /**< information cascades (agent = item) */
  SOCAP_RNG_TURNOVER = 8,  /**< turnover */
  SOCAP_RNG_METRICS = 9,   /**< sampled betweenness pivots */
  SOCAP_RNG_TEST = 15      /**< tests */
} socap_rng_purpose;

/** The Philox4x32-10 generator type (min 0, max 2^32-1). */
extern const gsl_rng_type *socap_rng_philox;

/**
 * The raw Philox4x32-10 block function: encrypt counter @p ctr with key
 * @p key (Salmon et al. 2011, Random123). Exposed for known-answer tests.
 */
void socap_philox4x32_10(const uint32_t ctr[4], const uint32_t key[2], uint32_t out[4]);

/** 64-bit mixing hash (splitmix64 finaliser) used to derive keys and seeds. */
uint64_t socap_hash64(uint64_t x);

/** Hash two 64-bit words into one (order-sensitive). */
uint64_t socap_hash_combine(uint64_t a, uint64_t b);

/**
 * Position @p r (allocated with gsl_rng_alloc(socap_rng_philox)) at the start
 * of the stream (seed, task, agent, step, purpose). Cheap: no allocation.
 * Each stream yields up to 2^32 blocks of 4 draws.
 */
void socap_rng_stream(gsl_rng *r, uint64_t seed, uint64_t task, uint32_t agent, uint32_t step,
                      uint32_t purpose);

/** Sub-stream: like socap_rng_stream with an extra 8-bit sub-purpose index (e.g. proposal side). */
void socap_rng_substream(gsl_rng *r, uint64_t seed, uint64_t task, uint32_t agent, uint32_t step,
                         uint32_t purpose, uint32_t sub);

/**
 * The first block (4 draws) of each of the @p n sub-streams (seed, task,
 * agent[i], step, purpose, sub[i]), into out[i]: the same words that
 * socap_rng_substream followed by four gsl_rng_get calls would give, computed
 * 16 streams at a time with AVX-512 where the CPU has it. For loops that open
 * one short stream per item (judging opens one per proposal).
 */
void socap_rng_first_blocks(uint64_t seed, uint64_t task, uint32_t step, uint32_t purpose, size_t n,
                            const uint32_t *agent, const uint32_t *sub, uint32_t (*out)[4]);

/**
 * socap_rng_substream, given the stream's first block (from
 * socap_rng_first_blocks): the draws that follow are identical, and the
 * first four cost no block computation.
 */
void socap_rng_substream_from(gsl_rng *r, uint64_t seed, uint64_t task, uint32_t agent, uint32_t step,
                              uint32_t purpose, uint32_t sub, const uint32_t first[4]);

#ifdef __cplusplus
}
#endif
#endif
