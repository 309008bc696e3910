/* Social-capital metrics (see socap/metrics.h and docs/metrics.md). */
#include "socap/metrics.h"

#include "socap/error.h"
#include "socap/rng.h"
#include "bigmem.h"
#include "simd.h"
#include "sort.h"

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <math.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>

void socap_metrics_opts_default(socap_metrics_opts *o) {
  memset(o, 0, sizeof *o);
  o->seed = 1;
}

/* Threads for our parallel regions. Inside an enclosing parallel region
 * without nested parallelism (e.g. a sweep running tasks in parallel) the
 * regions get one thread, so only one workspace is allocated. */
static int nthreads(int requested) {
  if (omp_get_active_level() >= omp_get_max_active_levels()) return 1;
  return requested > 0 ? requested : omp_get_max_threads();
}

void socap_node_metrics_free(socap_node_metrics *m) {
  if (!m) return;
  socap_big_free(m->degree);
  socap_big_free(m->strength);
  socap_big_free(m->support);
  socap_big_free(m->constraint);
  socap_big_free(m->eff_size);
  socap_big_free(m->efficiency);
  socap_big_free(m->clustering);
  socap_big_free(m->reach2);
  socap_big_free(m->n_groups);
  socap_big_free(m->blau);
  socap_big_free(m->betweenness);
  memset(m, 0, sizeof *m);
}

int socap_node_metrics_alloc(socap_node_metrics *m, int32_t n, int with_betweenness) {
  memset(m, 0, sizeof *m);
  if (n < 0) return SOCAP_ERROR(SOCAP_ECONFIG, "negative node count");
  size_t k = (size_t)(n > 0 ? n : 1);
  m->n = n;
  /* on huge pages: at 10^6 nodes these are some 80 MB, written at random
   * by the node pass (4 KiB faults are slow on virtual machines) */
  m->degree = socap_big_alloc(k * sizeof(int32_t));
  m->strength = socap_big_alloc(k * sizeof(double));
  m->support = socap_big_alloc(k * sizeof(double));
  m->constraint = socap_big_alloc(k * sizeof(double));
  m->eff_size = socap_big_alloc(k * sizeof(double));
  m->efficiency = socap_big_alloc(k * sizeof(double));
  m->clustering = socap_big_alloc(k * sizeof(double));
  m->reach2 = socap_big_alloc(k * sizeof(int32_t));
  m->n_groups = socap_big_alloc(k * sizeof(int32_t));
  m->blau = socap_big_alloc(k * sizeof(double));
  if (with_betweenness) m->betweenness = socap_big_alloc(k * sizeof(double));
  if (!m->degree || !m->strength || !m->support || !m->constraint || !m->eff_size || !m->efficiency || !m->clustering ||
      !m->reach2 || !m->n_groups || !m->blau || (with_betweenness && !m->betweenness)) {
    socap_node_metrics_free(m);
    return SOCAP_ERROR(SOCAP_ERUNTIME, "out of memory for metrics of %d nodes", (int)n);
  }
  return SOCAP_OK;
}

/* Connected components by BFS labelling: O(n + m), serial. It runs as an
 * OpenMP `single nowait` task inside the parallel node (or common-neighbour)
 * pass, so it overlaps with the per-node work instead of adding a serial
 * phase. */
typedef struct {
  int32_t *comp, *queue;
  int32_t n_components, largest;
} comp_ws;

static void components(const socap_graph *g, comp_ws *c) {
  const int32_t n = g->n;
  c->n_components = 0;
  c->largest = 0;
  for (int32_t i = 0; i < n; i++) c->comp[i] = -1;
  for (int32_t s = 0; s < n; s++) {
    if (c->comp[s] >= 0) continue;
    int32_t head = 0, tail = 0, id = c->n_components++;
    c->comp[s] = id;
    c->queue[tail++] = s;
    while (head < tail) {
      const int32_t v = c->queue[head++];
      for (int64_t t = g->off[v]; t < g->off[v + 1]; t++) {
        const int32_t x = g->adj[t];
        if (c->comp[x] < 0) {
          c->comp[x] = id;
          c->queue[tail++] = x;
        }
      }
    }
    if (tail > c->largest) c->largest = tail;
  }
}

static void comp_ws_free(comp_ws *c) {
  free(c->comp);
  free(c->queue);
  memset(c, 0, sizeof *c);
}

static int comp_ws_init(comp_ws *c, int32_t n) {
  memset(c, 0, sizeof *c);
  c->comp = malloc(sizeof *c->comp * (size_t)(n > 0 ? n : 1));
  c->queue = malloc(sizeof *c->queue * (size_t)(n > 0 ? n : 1));
  if (!c->comp || !c->queue) {
    comp_ws_free(c);
    return SOCAP_ERROR(SOCAP_ERUNTIME, "out of memory for components");
  }
  return SOCAP_OK;
}

/* ------------------------------------------------------------------------ */
/* Ego pass: constraint, effective size, clustering, reach2 in one sweep     */
/* ------------------------------------------------------------------------ */

/* What the ego pass needs of a neighbour j, packed into one 32-byte record
 * so that a neighbour costs one random cache line instead of four (strength,
 * max weight, offset, group). */
typedef struct {
  double s;   /* strength */
  double mx;  /* largest tie weight */
  int64_t b;  /* off[j] */
  int32_t k;  /* degree */
  int32_t gr; /* group id, or 0 without groups */
} node_info;

/* Per-thread workspace.
 * mark: two bits per node, 32 nodes a word (n/4 bytes, so that the randomly
 * accessed marks stay in cache): bit 0 = a neighbour of the ego, bit 1 = the
 * ego, a neighbour, or already counted in reach2. All zero between egos:
 * the nodes newly counted for an ego are listed in reached[], and clearing
 * the words of all marked nodes (or all words, when that is fewer stores)
 * clears every mark.
 * pos[q]: position of q in the ego's neighbour list (valid for neighbours).
 * pa[x], pb[x], mw[x], jb[x], jk[x]: for the neighbour at position x of the
 * ego, a = p_iq / s_q (so that a * w_qj = p_iq p_qj, the constraint's
 * indirect term), b = p_iq (so that b * w_jq / max_k w_jk = p_iq m_jq, the
 * effective size's redundancy), its largest weight, offset and degree. */
typedef struct {
  uint64_t *mark;
  int32_t *pos;
  int32_t *reached;
  int32_t *hit;  /* offsets in N(j) of the ego's neighbours: two halves of hstride */
  size_t hstride;
  uint64_t *old; /* kmax + 8: each entry's mark word (scan_list_scalar, scan_list_avx2) */
  int32_t kmax;
  size_t nwords; /* of mark */
  double *pa, *pb, *mw;
  int64_t *jb;
  int32_t *jk;
  int32_t *gcount;  /* per group id: neighbours in that group */
  int32_t *touched; /* group ids with gcount > 0 */
} ego_ws;

static void ego_ws_free(ego_ws *ws) {
  socap_big_free(ws->mark);
  socap_big_free(ws->pos);
  socap_big_free(ws->reached);
  free(ws->hit);
  free(ws->old);
  free(ws->pa);
  free(ws->pb);
  free(ws->mw);
  free(ws->jb);
  free(ws->jk);
  free(ws->gcount);
  free(ws->touched);
}

static int ego_ws_init(ego_ws *ws, int32_t n, int32_t kmax, int32_t gmax) {
  memset(ws, 0, sizeof *ws);
  const size_t k = (size_t)(n > 0 ? n : 1), km = (size_t)(kmax > 0 ? kmax : 1);
  ws->nwords = k / 32 + 1;
  /* the per-node arrays on huge pages: touched at random, they would
   * otherwise be faulted in 4 KiB at a time (slow on virtual machines) */
  ws->mark = socap_big_alloc(ws->nwords * sizeof *ws->mark);
  ws->pos = socap_big_alloc(k * sizeof *ws->pos);
  ws->reached = socap_big_alloc((k + 8) * sizeof *ws->reached); /* + 8: scan_list_avx2's stores */
  ws->kmax = (int32_t)km;
  ws->hstride = km + 8; /* + 8: scan_list_avx2's stores */
  ws->hit = malloc(2 * ws->hstride * sizeof *ws->hit);
  ws->old = malloc((km + 8) * sizeof *ws->old);
  ws->pa = malloc(km * sizeof *ws->pa);
  ws->pb = malloc(km * sizeof *ws->pb);
  ws->mw = malloc(km * sizeof *ws->mw);
  ws->jb = malloc(km * sizeof *ws->jb);
  ws->jk = malloc(km * sizeof *ws->jk);
  if (gmax >= 0) {
    ws->gcount = calloc((size_t)gmax + 1, sizeof *ws->gcount);
    ws->touched = malloc(km * sizeof *ws->touched);
  }
  if (!ws->mark || !ws->pos || !ws->reached || !ws->hit || !ws->old || !ws->pa || !ws->pb || !ws->mw || !ws->jb ||
      !ws->jk || (gmax >= 0 && (!ws->gcount || !ws->touched))) {
    ego_ws_free(ws);
    return SOCAP_ERROR(SOCAP_ERUNTIME, "out of memory for metrics workspace");
  }
  return SOCAP_OK;
}

#if defined(__GNUC__)
#define PREFETCH(p) __builtin_prefetch(p)
#else
#define PREFETCH(p) ((void)0)
#endif

/* What an ego's set-up loop reads of neighbour q (its record) and writes
 * (its position), ahead of it. */
static inline void prefetch_setup(const node_info *info, const int32_t *pos, int32_t q) {
#if defined(__GNUC__)
  __builtin_prefetch(&info[q]);
  __builtin_prefetch(&pos[q], 1);
#else
  (void)info;
  (void)pos;
  (void)q;
#endif
}

/* Neighbour lists ahead of the one being walked whose ids and weights are
 * prefetched (the lists of an ego's neighbours are scattered over memory). */
#define EGO_AHEAD 4

/* Pass 1 over one neighbour list q[0..len): for every entry, read its two
 * mark bits (bit 0: a neighbour of the ego, bit 1: already counted) and set
 * bit 1; append the entry's offset to hit[] if it is a neighbour of the ego,
 * and the node to reached[*nr] if it was not yet counted. Returns the
 * number of hits. Integer work only: every implementation below gives the
 * same hits in the same order, the same reached nodes and the same marks. */
static int32_t scan_list_scalar(const int32_t *restrict q, int32_t len, uint64_t *restrict mark,
                                int32_t *restrict hit, int32_t *restrict reached, int32_t *nr_io,
                                uint64_t *restrict old) {
  int32_t lj = 0, nr = *nr_io;
  /* Two passes, so that no load waits for a store: an entry's own two bits
   * are not changed by the list's other entries (a list holds each node
   * once), so they can be read from the words as they were before the
   * list; the first pass reads them (and keeps the words), the second
   * writes each word's update, ORed up in a register over the run of
   * entries that share the word (entries are sorted, so a word's entries
   * are adjacent, and the run's last store holds them all). In one pass,
   * entries of one group share words and each load waited for the store
   * before it. */
  for (int32_t u = 0; u < len; u++) { /* branch-free compaction */
    const int32_t x = q[u];
    const uint64_t mw2 = mark[x >> 5];
    const uint32_t mq = (uint32_t)(mw2 >> (2 * (x & 31))) & 3;
    old[u] = mw2;
    hit[lj] = u;
    lj += (int32_t)(mq & 1);
    reached[nr] = x;
    nr += (int32_t)((mq >> 1) ^ 1);
  }
  uint64_t acc = 0;
  int32_t pw = -1;
  for (int32_t u = 0; u < len; u++) {
    const int32_t x = q[u], wi = x >> 5;
    const uint64_t same = -(uint64_t)(wi == pw);
    acc = ((acc & same) | (old[u] & ~same)) | (uint64_t)2 << (2 * (x & 31));
    mark[wi] = acc;
    pw = wi;
  }
  *nr_io = nr;
  return lj;
}

#ifdef SOCAP_HAVE_AVX512
/* The same, 16 entries at a time with AVX-512F: gather the 32-bit mark
 * words (16 nodes each; on a little-endian machine the same bits as the
 * 64-bit words above), compress-store the hits and the new nodes, and
 * scatter the updated words. Entries are sorted, so lanes that share a
 * word are adjacent: an OR-scan over each run of equal words leaves the
 * run's full update in its last lane (a scatter with repeated addresses
 * keeps only one lane's write: the highest). The scalar loop is bound by
 * instructions (about 12 cycles an entry at a million nodes, where a loop
 * that only streams the lists takes a quarter of the time); this form
 * takes the whole node pass from about 21 s to 17 s there (2 threads). */
SOCAP_TARGET_AVX512 static int32_t scan_list_avx512(const int32_t *restrict q, int32_t len, uint64_t *restrict mark,
                                                    int32_t *restrict hit, int32_t *restrict reached, int32_t *nr_io) {
  int32_t lj = 0, nr = *nr_io;
  int *const m32 = (int *)(void *)mark;
  const __m512i zero = _mm512_setzero_si512(), one = _mm512_set1_epi32(1), two = _mm512_set1_epi32(2),
                fifteen = _mm512_set1_epi32(15);
  __m512i lane = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
  const __m512i sixteen = _mm512_set1_epi32(16);
  for (int32_t o = 0; o < len; o += 16, lane = _mm512_add_epi32(lane, sixteen)) {
    const __mmask16 m = socap_lanes(len - o);
    const __m512i x = _mm512_maskz_loadu_epi32(m, q + o);
    const __m512i wi = _mm512_srli_epi32(x, 4);
    const __m512i sh = _mm512_slli_epi32(_mm512_and_si512(x, fifteen), 1);
    const __m512i w = _mm512_mask_i32gather_epi32(zero, m, wi, m32, 4);
    const __m512i mq = _mm512_srlv_epi32(w, sh);
    const __mmask16 h = _mm512_mask_test_epi32_mask(m, mq, one);
    const __mmask16 fresh = m & (__mmask16)~_mm512_test_epi32_mask(mq, two);
    _mm512_mask_compressstoreu_epi32(hit + lj, h, lane);
    lj += __builtin_popcount(h);
    _mm512_mask_compressstoreu_epi32(reached + nr, fresh, x);
    nr += __builtin_popcount(fresh);
    /* updated words, OR-scanned over runs of equal word index */
    __m512i nw = _mm512_or_si512(w, _mm512_sllv_epi32(two, sh));
    __mmask16 eq;
    eq = _mm512_mask_cmpeq_epi32_mask(0xFFFEu, wi, _mm512_alignr_epi32(wi, zero, 15));
    nw = _mm512_mask_or_epi32(nw, eq, nw, _mm512_alignr_epi32(nw, zero, 15));
    eq = _mm512_mask_cmpeq_epi32_mask(0xFFFCu, wi, _mm512_alignr_epi32(wi, zero, 14));
    nw = _mm512_mask_or_epi32(nw, eq, nw, _mm512_alignr_epi32(nw, zero, 14));
    eq = _mm512_mask_cmpeq_epi32_mask(0xFFF0u, wi, _mm512_alignr_epi32(wi, zero, 12));
    nw = _mm512_mask_or_epi32(nw, eq, nw, _mm512_alignr_epi32(nw, zero, 12));
    eq = _mm512_mask_cmpeq_epi32_mask(0xFF00u, wi, _mm512_alignr_epi32(wi, zero, 8));
    nw = _mm512_mask_or_epi32(nw, eq, nw, _mm512_alignr_epi32(nw, zero, 8));
    /* lanes that share a word are written from the lowest to the highest
     * (Intel SDM, VPSCATTERDD), so the run's last lane, with the full
     * update, is what stays */
    _mm512_mask_i32scatter_epi32(m32, m, wi, nw, 4);
  }
  *nr_io = nr;
  return lj;
}
#endif

#ifdef SOCAP_HAVE_AVX2
/* 32-bit views of the mark words (little-endian: the same bits) */
typedef uint32_t __attribute__((may_alias)) mark32_t;

/* The lane numbers of the set bits of an 8-bit mask, packed in order (the
 * permutation that compresses those lanes to the front). */
SOCAP_TARGET_AVX2 static inline __m256i compress_perm(unsigned bits) {
  const uint64_t idx = _pext_u64(0x0706050403020100ull, _pdep_u64(bits, 0x0101010101010101ull) * 0xFFu);
  return _mm256_cvtepu8_epi32(_mm_cvtsi64_si128((long long)idx));
}

/* The same with AVX2, 8 entries at a time, in the two passes of the scalar
 * form: the first gathers the 32-bit mark words (16 nodes each), writes the
 * hits and the new nodes compressed with a permutation (each store writes
 * eight lanes, so hit[] and reached[] have eight entries of slack), and
 * keeps each entry's updated word; the second stores those words, ORed up
 * over each run of entries that share a word. */
SOCAP_TARGET_AVX2 static int32_t scan_list_avx2(const int32_t *restrict q, int32_t len, uint64_t *restrict mark,
                                                int32_t *restrict hit, int32_t *restrict reached, int32_t *nr_io,
                                                uint64_t *restrict old) {
  int32_t lj = 0, nr = *nr_io;
  mark32_t *const m32 = (mark32_t *)mark;
  uint32_t *const nw32 = (uint32_t *)old;
  const __m256i fifteen = _mm256_set1_epi32(15), two = _mm256_set1_epi32(2), eight = _mm256_set1_epi32(8);
  const __m256i iota = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
  __m256i lane = iota;
  for (int32_t o = 0; o < len; o += 8, lane = _mm256_add_epi32(lane, eight)) {
    const int32_t left = len - o;
    const unsigned valid = left >= 8 ? 0xFFu : (1u << left) - 1u;
    const __m256i lm = _mm256_cmpgt_epi32(_mm256_set1_epi32(left), iota);
    const __m256i x = _mm256_maskload_epi32(q + o, lm);
    const __m256i wi = _mm256_srli_epi32(x, 4);
    const __m256i sh = _mm256_slli_epi32(_mm256_and_si256(x, fifteen), 1);
    const __m256i w = _mm256_mask_i32gather_epi32(_mm256_setzero_si256(), (const int *)(const void *)m32, wi, lm, 4);
    const __m256i mq = _mm256_srlv_epi32(w, sh);
    const unsigned h = valid & (unsigned)_mm256_movemask_ps(_mm256_castsi256_ps(_mm256_slli_epi32(mq, 31)));
    const unsigned fresh = valid & ~(unsigned)_mm256_movemask_ps(_mm256_castsi256_ps(_mm256_slli_epi32(mq, 30)));
    _mm256_storeu_si256((__m256i *)(void *)(hit + lj), _mm256_permutevar8x32_epi32(lane, compress_perm(h)));
    lj += __builtin_popcount(h);
    _mm256_storeu_si256((__m256i *)(void *)(reached + nr), _mm256_permutevar8x32_epi32(x, compress_perm(fresh)));
    nr += __builtin_popcount(fresh);
    _mm256_storeu_si256((__m256i *)(void *)(nw32 + o), _mm256_or_si256(w, _mm256_sllv_epi32(two, sh)));
  }
  uint32_t acc = 0;
  int32_t pw = -1;
  for (int32_t u = 0; u < len; u++) {
    const int32_t wi = q[u] >> 4;
    const uint32_t same = -(uint32_t)(wi == pw);
    acc = (acc & same) | nw32[u];
    m32[wi] = acc;
    pw = wi;
  }
  *nr_io = nr;
  return lj;
}
#endif

static inline int32_t scan_list(int simd, const int32_t *q, int32_t len, uint64_t *mark, int32_t *hit,
                                int32_t *reached, int32_t *nr_io, uint64_t *old) {
#ifdef SOCAP_HAVE_AVX512
  if (simd == SOCAP_SIMD_AVX512) return scan_list_avx512(q, len, mark, hit, reached, nr_io);
  if (simd == SOCAP_SIMD_AVX2) return scan_list_avx2(q, len, mark, hit, reached, nr_io, old);
#else
  (void)simd;
#endif
  return scan_list_scalar(q, len, mark, hit, reached, nr_io, old);
}

/* What the global metrics keep per arc t = (i, j): the number of common
 * neighbours c and, when every degree fits in 16 bits ("packed"), the
 * degree of j in the high half (c < k_j), so that the overlap of each tie
 * needs no random read of j's offsets in the four passes over the ties. */
static int degrees_fit16(const socap_graph *g) {
  for (int32_t i = 0; i < g->n; i++)
    if (g->off[i + 1] - g->off[i] > 0xFFFF) return 0;
  return 1;
}

static inline uint32_t arc_rec(int32_t c, int32_t kj, int packed) {
  return packed ? (uint32_t)c | (uint32_t)kj << 16 : (uint32_t)c;
}

static inline int64_t rec_common(uint32_t r, int packed) { return packed ? (int64_t)(r & 0xFFFFu) : (int64_t)r; }

/* One ego i: walk N(j) for every neighbour j once, without data-dependent
 * branches: marks are updated arithmetically, and the positions of the
 * common neighbours are compacted into ws->hit; the weighted sums then run
 * over those only, in adjacency order (two accumulators per sum halve the
 * floating-point dependency chain). The summation order, and hence every bit
 * of the result, is fixed by the graph alone. If @p common is not NULL,
 * common[t] = arc_rec(|N(i) ∩ N(j)|, k_j) for each arc t = (i, j). */
static void ego_metrics(const socap_graph *g, const node_info *info, int32_t i, ego_ws *ws, socap_node_metrics *m,
                        uint32_t *common, int packed, int simd) {
  const int64_t b0 = g->off[i], b1 = g->off[i + 1];
  const int32_t k = (int32_t)(b1 - b0);
  const int32_t *restrict adj = g->adj;
  const double *restrict w = g->w;
  uint64_t *restrict mark = ws->mark;
  int32_t *restrict pos = ws->pos;
  int32_t *restrict reached = ws->reached;
  double *restrict pa = ws->pa, *restrict pb = ws->pb, *restrict mw = ws->mw;
  int64_t *restrict jb = ws->jb;
  int32_t *restrict jk = ws->jk;

  if (k == 0) {
    m->constraint[i] = NAN;
    m->eff_size[i] = NAN;
    m->efficiency[i] = NAN;
    m->clustering[i] = NAN;
    m->reach2[i] = 0;
    m->n_groups[i] = 0;
    m->blau[i] = g->group ? NAN : 0.0;
    return;
  }
  const double si = info[i].s;
  const int32_t *restrict ni = adj + b0;

  for (int32_t x = 0; x < k; x++) {
    const int32_t q = ni[x];
    const node_info nq = info[q];
    const double p = w[b0 + x] / si;
    pa[x] = p / nq.s;
    pb[x] = p;
    mw[x] = nq.mx;
    jb[x] = nq.b;
    jk[x] = nq.k;
    pos[q] = x;
    mark[q >> 5] |= (uint64_t)3 << (2 * (q & 31));
  }
  for (int32_t x = 0; x < k && x < EGO_AHEAD; x++) socap_prefetch_range(adj + jb[x], sizeof *adj * (size_t)jk[x]);
  mark[i >> 5] |= (uint64_t)2 << (2 * (i & 31));

  int64_t links2 = 0; /* twice the ties among neighbours */
  int32_t nr = 0;     /* nodes at distance exactly 2 */
  double cons = 0.0, eff = 0.0;
  int32_t *restrict hit = ws->hit;
  /* The next ego's set-up reads its neighbours' records and writes their
   * positions, at random (32 and 4 MB at 10^6 nodes): fetched here, one
   * neighbour per neighbour walked, and the first of its neighbour lists
   * in the last few steps (their records are in by then). A thread's next
   * ego is usually i + 1 (dynamic chunks of consecutive egos). */
  const int32_t *restrict nn = i + 1 < g->n ? adj + g->off[i + 1] : adj;
  const int32_t kn = i + 1 < g->n ? (int32_t)(g->off[i + 2] - g->off[i + 1]) : 0;
  /* Software pipeline: pass 1 of neighbour x (ids only) finds the common
   * neighbours and prefetches just their weights; pass 2 of x (the weighted
   * sums) runs after pass 1 of x + 1, when those lines have arrived. The
   * pass is bound by random cache-line fetches, and fetching only the
   * weights that are used halves the lines fetched when few are used (a
   * million-agent model network). When many are (a clustered ego network:
   * more than one entry in eight so far), whole weight lists are prefetched
   * a few neighbours ahead instead, which is cheaper there. */
  int32_t lprev = 0;   /* common neighbours of x - 1 (its hits are in the other half) */
  int64_t visited = 0; /* entries of neighbour lists walked so far */
  for (int32_t x = 0; x <= k; x++) {
    int32_t *restrict hx = hit + (size_t)(x & 1) * ws->hstride;
    int32_t lj = 0;
    if (x < kn) prefetch_setup(info, pos, nn[x]);
    if (x < k && x >= k - EGO_AHEAD) {
      const int32_t y = x - (k - EGO_AHEAD); /* the next ego's neighbour y < x, whose record came at step y */
      if (y < kn && y < x) socap_prefetch_range(adj + info[nn[y]].b, sizeof *adj * (size_t)info[nn[y]].k);
    }
    if (x < k) {
      const int64_t ub = jb[x], ue = ub + jk[x];
      const int dense = links2 * 8 > visited;
      if (x + EGO_AHEAD < k) {
        socap_prefetch_range(adj + jb[x + EGO_AHEAD], sizeof *adj * (size_t)jk[x + EGO_AHEAD]);
        if (dense) socap_prefetch_range(w + jb[x + EGO_AHEAD], sizeof *w * (size_t)jk[x + EGO_AHEAD]);
      }
      /* pass 1 over N(j), integer only: marks, reach2, and the offsets of
       * j's ties to the ego's neighbours */
      lj = scan_list(simd, adj + ub, (int32_t)(ue - ub), mark, hx, reached, &nr, ws->old);
      if (!dense)
        for (int32_t y = 0; y < lj; y++)
          if (y == 0 || ((ub + hx[y]) >> 3) != ((ub + hx[y - 1]) >> 3)) PREFETCH(w + ub + hx[y]);
      links2 += lj;
      visited += jk[x];
      if (common) common[b0 + x] = arc_rec(lj, jk[x], packed);
    }
    if (x == 0) {
      lprev = lj;
      continue;
    }
    /* pass 2 for neighbour x - 1, over its common neighbours q only, in
     * adjacency order */
    const int32_t xp = x - 1;
    const int32_t *restrict hp = hit + (size_t)(xp & 1) * ws->hstride;
    const int64_t bp = jb[xp];
    double A0 = 0.0, A1 = 0.0, B0 = 0.0, B1 = 0.0;
    int32_t y = 0;
    for (; y + 1 < lprev; y += 2) {
      const int64_t u0 = bp + hp[y], u1 = bp + hp[y + 1];
      const int32_t p0 = pos[adj[u0]], p1 = pos[adj[u1]];
      A0 += pa[p0] * w[u0];
      B0 += pb[p0] * w[u0];
      A1 += pa[p1] * w[u1];
      B1 += pb[p1] * w[u1];
    }
    if (y < lprev) {
      const int64_t u0 = bp + hp[y];
      const int32_t p0 = pos[adj[u0]];
      A0 += pa[p0] * w[u0];
      B0 += pb[p0] * w[u0];
    }
    const double c = w[b0 + xp] / si + (A0 + A1);
    cons += c * c;
    eff += 1.0 - (B0 + B1) / mw[xp];
    lprev = lj;
  }
  for (int32_t x = k + 1; x < kn; x++) prefetch_setup(info, pos, nn[x]); /* the rest of the next ego's */
  m->constraint[i] = cons;
  m->eff_size[i] = eff;
  m->efficiency[i] = eff / k;
  m->clustering[i] = k >= 2 ? (double)links2 / ((double)k * (double)(k - 1)) : NAN;
  m->reach2[i] = k + nr;

  /* Reset the marks: word by word where that stores less than clearing the
   * whole array would (one store per marked node against one per 8 words,
   * a cache line), else all of it at once. At mean degree 83 an ego marks
   * some 7,500 nodes: 10^5 nodes are 3,126 words, 10^6 are 31,251, and
   * clearing node by node took about a tenth of the pass (perf, 10^5). */
  if ((size_t)(nr + k + 1) * 8 > ws->nwords) {
    memset(mark, 0, ws->nwords * sizeof *mark);
  } else {
    for (int32_t x = 0; x < nr; x++) mark[reached[x] >> 5] = 0;
    for (int32_t x = 0; x < k; x++) mark[ni[x] >> 5] = 0;
    mark[i >> 5] = 0;
  }

  if (g->group) {
    int32_t nt = 0;
    int64_t sq = 0;
    for (int32_t x = 0; x < k; x++) {
      const int32_t gq = info[ni[x]].gr;
      if (ws->gcount[gq]++ == 0) ws->touched[nt++] = gq;
    }
    for (int32_t x = 0; x < nt; x++) {
      const int64_t c = ws->gcount[ws->touched[x]];
      sq += c * c;
      ws->gcount[ws->touched[x]] = 0;
    }
    m->n_groups[i] = nt;
    m->blau[i] = 1.0 - (double)sq / ((double)k * (double)k);
  } else {
    m->n_groups[i] = 0;
    m->blau[i] = 0.0;
  }
}

/* Node pass; fills common[] (per arc) and runs components() if not NULL.
 * Betweenness not included. */
static int nodes_pass(const socap_graph *g, int T, socap_node_metrics *m, uint32_t *common, int packed,
                      comp_ws *cw) {
  const int32_t n = g->n;
  const int simd = socap_simd_level();
  int rc = SOCAP_OK;
  node_info *info = socap_big_alloc(sizeof *info * (size_t)(n > 0 ? n : 1));
  ego_ws *ws = calloc((size_t)T, sizeof *ws);
  int nws = 0;
  if (!info || !ws) {
    rc = SOCAP_ERROR(SOCAP_ERUNTIME, "out of memory for metrics");
    goto cleanup;
  }
  int32_t gmax = -1, kmax = 0;
  for (int32_t i = 0; i < n; i++) {
    if (g->group && g->group[i] > gmax) gmax = g->group[i];
    if (socap_graph_degree(g, i) > kmax) kmax = socap_graph_degree(g, i);
  }
  for (; nws < T; nws++)
    if ((rc = ego_ws_init(&ws[nws], n, kmax, gmax))) goto cleanup;

      /* Node-local sums, in adjacency order (deterministic). */
#pragma omp parallel for num_threads(T) schedule(static)
  for (int32_t i = 0; i < n; i++) {
    double s = 0.0, s2 = 0.0, mx = 0.0;
    for (int64_t t = g->off[i]; t < g->off[i + 1]; t++) {
      const double x = g->w[t];
      s += x;
      s2 += x * x;
      if (x > mx) mx = x;
    }
    m->degree[i] = (int32_t)(g->off[i + 1] - g->off[i]);
    m->strength[i] = s;
    m->support[i] = s2;
    info[i].s = s;
    info[i].mx = mx;
    info[i].b = g->off[i];
    info[i].k = (int32_t)(g->off[i + 1] - g->off[i]);
    info[i].gr = g->group ? g->group[i] : 0;
  }

#pragma omp parallel num_threads(T)
  {
    ego_ws *my = &ws[omp_get_thread_num()];
    if (cw) {
#pragma omp single nowait
      components(g, cw);
    }
#pragma omp for schedule(dynamic, 32)
    for (int32_t i = 0; i < n; i++) ego_metrics(g, info, i, my, m, common, packed, simd);
  }

cleanup:
  for (int t = 0; t < nws; t++) ego_ws_free(&ws[t]);
  free(ws);
  socap_big_free(info);
  return rc;
}

static int check_alloc(const socap_graph *g, const socap_metrics_opts *o, const socap_node_metrics *m) {
  if (m->n != g->n)
    return SOCAP_ERROR(SOCAP_ECONFIG, "metrics allocated for %d nodes, graph has %d", (int)m->n, (int)g->n);
  if (o->betweenness && !m->betweenness) return SOCAP_ERROR(SOCAP_ECONFIG, "betweenness requested but not allocated");
  return SOCAP_OK;
}

int socap_metrics_nodes(const socap_graph *g, const socap_metrics_opts *o, socap_node_metrics *m) {
  socap_metrics_opts def;
  if (!o) {
    socap_metrics_opts_default(&def);
    o = &def;
  }
  int rc = check_alloc(g, o, m);
  if (!rc) rc = nodes_pass(g, nthreads(o->threads), m, NULL, 0, NULL);
  if (!rc && o->betweenness) rc = socap_metrics_betweenness(g, o, m->betweenness);
  return rc;
}

/* ------------------------------------------------------------------------ */
/* Betweenness                                                              */
/* ------------------------------------------------------------------------ */

/* Sources per block. Blocks are the unit of deterministic reduction, so this
 * must not depend on the thread count. */
#define BC_BLOCK 32

typedef struct {
  int32_t *dist, *order;
  double *sigma, *delta;
} bfs_ws;

static void bfs_ws_free(bfs_ws *b) {
  free(b->dist);
  free(b->order);
  free(b->sigma);
  free(b->delta);
}

static int bfs_ws_init(bfs_ws *b, int32_t n) {
  size_t k = (size_t)(n > 0 ? n : 1);
  b->dist = malloc(k * sizeof *b->dist);
  b->order = malloc(k * sizeof *b->order);
  b->sigma = malloc(k * sizeof *b->sigma);
  b->delta = malloc(k * sizeof *b->delta);
  if (!b->dist || !b->order || !b->sigma || !b->delta) {
    bfs_ws_free(b);
    return SOCAP_ERROR(SOCAP_ERUNTIME, "out of memory for betweenness workspace");
  }
  for (int32_t i = 0; i < n; i++) b->dist[i] = -1;
  return SOCAP_OK;
}

/* Brandes' dependency accumulation from source s (hop counts), added to acc. */
static void brandes_source(const socap_graph *g, int32_t s, bfs_ws *b, double *acc) {
  int32_t *restrict dist = b->dist, *restrict order = b->order;
  double *restrict sigma = b->sigma, *restrict delta = b->delta;
  int32_t head = 0, tail = 0;
  dist[s] = 0;
  sigma[s] = 1.0;
  delta[s] = 0.0;
  order[tail++] = s;
  while (head < tail) {
    const int32_t v = order[head++];
    const int32_t dv = dist[v] + 1;
    for (int64_t t = g->off[v]; t < g->off[v + 1]; t++) {
      const int32_t x = g->adj[t];
      if (dist[x] < 0) {
        dist[x] = dv;
        sigma[x] = 0.0;
        delta[x] = 0.0;
        order[tail++] = x;
      }
      if (dist[x] == dv) sigma[x] += sigma[v];
    }
  }
  for (int32_t r = tail - 1; r > 0; r--) {
    const int32_t x = order[r];
    const int32_t dp = dist[x] - 1;
    const double cx = (1.0 + delta[x]) / sigma[x];
    for (int64_t t = g->off[x]; t < g->off[x + 1]; t++) {
      const int32_t v = g->adj[t];
      if (dist[v] == dp) delta[v] += sigma[v] * cx;
    }
    acc[x] += delta[x];
  }
  for (int32_t r = 0; r < tail; r++) dist[order[r]] = -1;
}

int socap_metrics_betweenness(const socap_graph *g, const socap_metrics_opts *o, double *out) {
  socap_metrics_opts def;
  if (!o) {
    socap_metrics_opts_default(&def);
    o = &def;
  }
  const int32_t n = g->n;
  const int T = nthreads(o->threads);
  int rc = SOCAP_OK;
  int32_t *src = NULL;
  double *part = NULL;
  bfs_ws *bw = NULL;
  int nbw = 0;
  int64_t nsrc = n;
  double scale = 0.5;

  if (n <= 0) return SOCAP_OK;
  for (int32_t i = 0; i < n; i++) out[i] = 0.0;

  src = malloc(sizeof *src * (size_t)n);
  if (!src) {
    rc = SOCAP_ERROR(SOCAP_ERUNTIME, "out of memory for betweenness");
    goto cleanup;
  }
  for (int32_t i = 0; i < n; i++) src[i] = i;
  if (o->betweenness_samples < 0) {
    rc = SOCAP_ERROR(SOCAP_ECONFIG, "negative betweenness sample count");
    goto cleanup;
  }
  if (o->betweenness_samples > 0 && o->betweenness_samples < n) {
    gsl_rng *r = gsl_rng_alloc(socap_rng_philox);
    if (!r) {
      rc = SOCAP_ERROR(SOCAP_ERUNTIME, "cannot allocate a GSL rng");
      goto cleanup;
    }
    socap_rng_stream(r, o->seed, 0, 0, 0, SOCAP_RNG_METRICS);
    int32_t *all = src;
    src = malloc(sizeof *src * (size_t)o->betweenness_samples);
    if (!src) {
      src = all;
      gsl_rng_free(r);
      rc = SOCAP_ERROR(SOCAP_ERUNTIME, "out of memory for betweenness");
      goto cleanup;
    }
    /* sorted sample without replacement */
    gsl_ran_choose(r, src, (size_t)o->betweenness_samples, all, (size_t)n, sizeof *src);
    gsl_rng_free(r);
    free(all);
    nsrc = o->betweenness_samples;
    scale = 0.5 * (double)n / (double)nsrc;
  }

  const int64_t nblocks = (nsrc + BC_BLOCK - 1) / BC_BLOCK;
  const int W = (int)(nblocks < 2 * T ? nblocks : 2 * T); /* blocks in flight; does not affect the result */
  part = malloc(sizeof *part * (size_t)W * (size_t)n);
  bw = calloc((size_t)T, sizeof *bw);
  if (!part || !bw) {
    rc = SOCAP_ERROR(SOCAP_ERUNTIME, "out of memory for betweenness (%d x %d doubles)", W, (int)n);
    goto cleanup;
  }
  for (; nbw < T; nbw++)
    if ((rc = bfs_ws_init(&bw[nbw], n))) goto cleanup;

  for (int64_t wave = 0; wave < nblocks; wave += W) {
    const int inwave = (int)(nblocks - wave < W ? nblocks - wave : W);
#pragma omp parallel num_threads(T)
    {
      bfs_ws *my = &bw[omp_get_thread_num()];
#pragma omp for schedule(dynamic, 1)
      for (int bi = 0; bi < inwave; bi++) {
        double *acc = part + (size_t)bi * (size_t)n;
        memset(acc, 0, sizeof *acc * (size_t)n);
        const int64_t s0 = (wave + bi) * BC_BLOCK;
        const int64_t s1 = s0 + BC_BLOCK < nsrc ? s0 + BC_BLOCK : nsrc;
        for (int64_t s = s0; s < s1; s++) brandes_source(g, src[s], my, acc);
      }
      /* add the wave's blocks in block order */
#pragma omp for schedule(static)
      for (int32_t v = 0; v < n; v++) {
        double x = out[v];
        for (int bi = 0; bi < inwave; bi++) x += part[(size_t)bi * (size_t)n + (size_t)v];
        out[v] = x;
      }
    }
  }
  for (int32_t v = 0; v < n; v++) out[v] *= scale;

cleanup:
  for (int t = 0; t < nbw; t++) bfs_ws_free(&bw[t]);
  free(bw);
  free(part);
  free(src);
  return rc;
}

/* ------------------------------------------------------------------------ */
/* Global metrics                                                           */
/* ------------------------------------------------------------------------ */

/* common[t] = arc_rec(|N(i) ∩ N(j)|, k_j) for the arcs t = (i, j) with
 * j > i (other entries are left alone): mark N(i), count the marks in N(j). */
static int common_pass(const socap_graph *g, int T, uint32_t *common, int packed, comp_ws *cw) {
  const int32_t n = g->n;
  uint32_t **marks = calloc((size_t)T, sizeof *marks);
  int rc = SOCAP_OK;
  if (!marks) return SOCAP_ERROR(SOCAP_ERUNTIME, "out of memory for common neighbours");
  for (int t = 0; t < T; t++)
    if (!(marks[t] = calloc((size_t)n, sizeof **marks))) {
      rc = SOCAP_ERROR(SOCAP_ERUNTIME, "out of memory for common neighbours");
      goto cleanup;
    }
#pragma omp parallel num_threads(T)
  {
    uint32_t *restrict mk = marks[omp_get_thread_num()];
    if (cw) {
#pragma omp single nowait
      components(g, cw);
    }
#pragma omp for schedule(dynamic, 32)
    for (int32_t i = 0; i < n; i++) {
      const uint32_t stamp = (uint32_t)i + 1;
      for (int64_t t = g->off[i]; t < g->off[i + 1]; t++) mk[g->adj[t]] = stamp;
      for (int64_t t = g->off[i]; t < g->off[i + 1]; t++) {
        const int32_t j = g->adj[t];
        if (j < i) continue;
        int32_t c = 0;
        for (int64_t u = g->off[j]; u < g->off[j + 1]; u++) c += mk[g->adj[u]] == stamp;
        common[t] = arc_rec(c, socap_graph_degree(g, j), packed);
      }
    }
  }
cleanup:
  for (int t = 0; t < T; t++) free(marks[t]);
  free(marks);
  return rc;
}

/* Position of j in i's sorted neighbour list (j must be there). */
static int64_t arc_index(const socap_graph *g, int32_t i, int32_t j) {
  int64_t lo = g->off[i], hi = g->off[i + 1];
  while (lo < hi) {
    int64_t mid = lo + (hi - lo) / 2;
    if (g->adj[mid] < j)
      lo = mid + 1;
    else
      hi = mid;
  }
  return lo;
}

/* Overlap of the tie (i, j) from its arc record r (arc_rec). */
static double overlap_of(const socap_graph *g, int32_t i, int32_t j, uint32_t r, int packed) {
  const int64_t c = rec_common(r, packed), ki = g->off[i + 1] - g->off[i],
                kj = packed ? (int64_t)(r >> 16) : g->off[j + 1] - g->off[j];
  const int64_t den = (ki - 1) + (kj - 1) - c;
  return den > 0 ? (double)c / (double)den : NAN;
}

int socap_metrics_overlap(const socap_graph *g, int threads, double *ov) {
  const int32_t n = g->n;
  const int T = nthreads(threads);
  const int64_t arcs = n > 0 ? g->off[n] : 0;
  const int packed = degrees_fit16(g);
  uint32_t *common = socap_big_alloc(sizeof *common * (size_t)(arcs > 0 ? arcs : 1));
  if (!common) return SOCAP_ERROR(SOCAP_ERUNTIME, "out of memory for overlap");
  int rc = common_pass(g, T, common, packed, NULL);
  if (!rc) {
#pragma omp parallel for num_threads(T) schedule(dynamic, 64)
    for (int32_t i = 0; i < n; i++)
      for (int64_t t = g->off[i]; t < g->off[i + 1]; t++) {
        const int32_t j = g->adj[t];
        ov[t] = j > i ? overlap_of(g, i, j, common[t], packed)
                      : overlap_of(g, j, i, common[arc_index(g, j, i)], packed);
      }
  }
  socap_big_free(common);
  return rc;
}

/* w > 0, so the IEEE bits of w order like the values */
static inline uint64_t weight_key(double w) {
  uint64_t k;
  memcpy(&k, &w, sizeof k);
  return k;
}

/* Fixed node ranges for the decile sums; a constant, so that the floating-
 * point sums do not depend on the thread count. */
#define OV_CHUNKS 256

typedef struct {
  int64_t tie[SOCAP_OVERLAP_BINS]; /* ties with w == v_b: count, then first index */
  double sum[SOCAP_OVERLAP_BINS];
  int64_t cnt[SOCAP_OVERLAP_BINS];
} ov_chunk;

/* Global metrics from per-arc common-neighbour counts (valid for j > i) and
 * the components. Integer sums, or floating-point sums in a fixed order, so
 * nothing depends on T. */
static int global_finish(const socap_graph *g, const uint32_t *common, int packed, const comp_ws *cw, int T,
                         socap_global_metrics *out) {
  const int32_t n = g->n;
  int rc = SOCAP_OK;
  int64_t *first = NULL;
  uint64_t *keys = NULL;
  ov_chunk *chunk = NULL;

  out->n_components = cw->n_components;
  out->largest_component = cw->largest;
  first = socap_big_alloc(sizeof *first * ((size_t)n + 1));
  if (!first) {
    rc = SOCAP_ERROR(SOCAP_ERUNTIME, "out of memory for global metrics");
    goto cleanup;
  }

  /* transitivity (each triangle is counted once by each of its three ties)
   * and the number of ties with a defined overlap, per node */
  int64_t tri3 = 0, triples = 0;
#pragma omp parallel for num_threads(T) schedule(dynamic, 256) reduction(+ : tri3, triples)
  for (int32_t i = 0; i < n; i++) {
    const int64_t k = g->off[i + 1] - g->off[i];
    int64_t c = 0;
    triples += k * (k - 1) / 2;
    for (int64_t t = g->off[i]; t < g->off[i + 1]; t++)
      if (g->adj[t] > i) {
        tri3 += rec_common(common[t], packed);
        c += !isnan(overlap_of(g, i, g->adj[t], common[t], packed));
      }
    first[i + 1] = c;
  }
  if (triples > 0) out->transitivity = (double)tri3 / (double)triples;
  first[0] = 0;
  for (int32_t i = 0; i < n; i++) first[i + 1] += first[i];
  const int64_t ne = first[n];
  out->overlap_edges = ne;
  if (ne == 0) goto cleanup;

  /* Overlap by strength decile. Ties are ranked by w, then (min id, max id),
   * which is the enumeration order below; the tie of rank r is in bin
   * floor(10 r / ne), so bin b starts at rank r_b = ceil(b ne / 10). With
   * the weights sorted, v_b = sorted[r_b] and lt_b = #{w < v_b}: a tie is at
   * or past r_b iff w > v_b, or w == v_b and at least r_b - lt_b ties with
   * w == v_b come before it in enumeration order. */
  keys = socap_big_alloc(sizeof *keys * (size_t)ne);
  if (!keys) {
    rc = SOCAP_ERROR(SOCAP_ERUNTIME, "out of memory for overlap");
    goto cleanup;
  }
#pragma omp parallel for num_threads(T) schedule(dynamic, 256)
  for (int32_t i = 0; i < n; i++) {
    int64_t e = first[i];
    for (int64_t t = g->off[i]; t < g->off[i + 1]; t++)
      if (g->adj[t] > i && !isnan(overlap_of(g, i, g->adj[t], common[t], packed))) keys[e++] = weight_key(g->w[t]);
  }
  if ((rc = socap_sort_u64(keys, ne, T))) goto cleanup;
  uint64_t v[SOCAP_OVERLAP_BINS];
  int64_t quota[SOCAP_OVERLAP_BINS];
  int nb = 0; /* boundaries b = 1..nb exist (r_b < ne) */
  for (int b = 1; b < SOCAP_OVERLAP_BINS; b++) {
    const int64_t rb = (b * ne + SOCAP_OVERLAP_BINS - 1) / SOCAP_OVERLAP_BINS;
    if (rb >= ne) break;
    int64_t lo = 0, hi = rb; /* lt_b: first index of v_b */
    while (lo < hi) {
      const int64_t mid = lo + (hi - lo) / 2;
      if (keys[mid] < keys[rb])
        lo = mid + 1;
      else
        hi = mid;
    }
    v[b] = keys[rb];
    quota[b] = rb - lo;
    nb = b;
  }
  /* Bins in parallel over OV_CHUNKS fixed node ranges (independent of T):
   * count each chunk's ties equal to each v_b, prefix them in chunk order,
   * then bin each chunk's ties and add the chunk sums in chunk order. */
  chunk = calloc(OV_CHUNKS, sizeof *chunk);
  if (!chunk) {
    rc = SOCAP_ERROR(SOCAP_ERUNTIME, "out of memory for overlap");
    goto cleanup;
  }
#pragma omp parallel for num_threads(T) schedule(dynamic, 1)
  for (int c = 0; c < OV_CHUNKS; c++) {
    const int32_t i0 = (int32_t)((int64_t)n * c / OV_CHUNKS), i1 = (int32_t)((int64_t)n * (c + 1) / OV_CHUNKS);
    int64_t tie[SOCAP_OVERLAP_BINS] = {0};
    for (int32_t i = i0; i < i1; i++)
      for (int64_t t = g->off[i]; t < g->off[i + 1]; t++) {
        if (g->adj[t] <= i || isnan(overlap_of(g, i, g->adj[t], common[t], packed))) continue;
        const uint64_t k = weight_key(g->w[t]);
        for (int b = 1; b <= nb; b++) tie[b] += k == v[b];
      }
    memcpy(chunk[c].tie, tie, sizeof tie);
  }
  for (int b = 1; b <= nb; b++) {
    int64_t before = 0;
    for (int c = 0; c < OV_CHUNKS; c++) {
      const int64_t x = chunk[c].tie[b];
      chunk[c].tie[b] = before;
      before += x;
    }
  }
#pragma omp parallel for num_threads(T) schedule(dynamic, 1)
  for (int c = 0; c < OV_CHUNKS; c++) {
    const int32_t i0 = (int32_t)((int64_t)n * c / OV_CHUNKS), i1 = (int32_t)((int64_t)n * (c + 1) / OV_CHUNKS);
    int64_t tie[SOCAP_OVERLAP_BINS], cnt[SOCAP_OVERLAP_BINS] = {0};
    double sum[SOCAP_OVERLAP_BINS] = {0};
    memcpy(tie, chunk[c].tie, sizeof tie);
    for (int32_t i = i0; i < i1; i++)
      for (int64_t t = g->off[i]; t < g->off[i + 1]; t++) {
        if (g->adj[t] <= i) continue;
        const double o = overlap_of(g, i, g->adj[t], common[t], packed);
        if (isnan(o)) continue;
        const uint64_t k = weight_key(g->w[t]);
        int bin = 0;
        for (int b = 1; b <= nb; b++) { /* branch-free: weights are in random order */
          const int eq = k == v[b];
          bin += (k > v[b]) | (eq & (tie[b] >= quota[b]));
          tie[b] += eq;
        }
        sum[bin] += o;
        cnt[bin]++;
      }
    memcpy(chunk[c].sum, sum, sizeof sum);
    memcpy(chunk[c].cnt, cnt, sizeof cnt);
  }
  for (int b = 0; b < SOCAP_OVERLAP_BINS; b++) {
    double sum = 0.0;
    int64_t cnt = 0;
    for (int c = 0; c < OV_CHUNKS; c++) {
      sum += chunk[c].sum[b];
      cnt += chunk[c].cnt[b];
    }
    if (cnt > 0) out->overlap_by_decile[b] = sum / (double)cnt;
  }

cleanup:
  socap_big_free(first);
  socap_big_free(keys);
  free(chunk);
  return rc;
}

static void global_init(const socap_graph *g, socap_global_metrics *out) {
  memset(out, 0, sizeof *out);
  out->n_nodes = g->n;
  out->n_edges = g->n > 0 ? g->off[g->n] / 2 : 0;
  out->mean_degree = g->n > 0 ? (double)g->off[g->n] / (double)g->n : NAN;
  out->transitivity = NAN;
  for (int b = 0; b < SOCAP_OVERLAP_BINS; b++) out->overlap_by_decile[b] = NAN;
}

int socap_metrics_global(const socap_graph *g, int threads, socap_global_metrics *out) {
  global_init(g, out);
  if (g->n <= 0) return SOCAP_OK;
  const int64_t arcs = g->off[g->n];
  comp_ws cw;
  int rc = comp_ws_init(&cw, g->n);
  if (rc) return rc;
  const int packed = degrees_fit16(g);
  uint32_t *common = socap_big_alloc(sizeof *common * (size_t)(arcs > 0 ? arcs : 1));
  if (!common) rc = SOCAP_ERROR(SOCAP_ERUNTIME, "out of memory for global metrics");
  if (!rc) rc = common_pass(g, nthreads(threads), common, packed, &cw);
  if (!rc) rc = global_finish(g, common, packed, &cw, nthreads(threads), out);
  socap_big_free(common);
  comp_ws_free(&cw);
  return rc;
}

int socap_metrics_compute(const socap_graph *g, const socap_metrics_opts *o, socap_node_metrics *m,
                          socap_global_metrics *gm) {
  socap_metrics_opts def;
  if (!o) {
    socap_metrics_opts_default(&def);
    o = &def;
  }
  int rc = check_alloc(g, o, m);
  if (rc) return rc;
  uint32_t *common = NULL;
  const int packed = gm ? degrees_fit16(g) : 0;
  comp_ws cw = {0};
  if (gm) {
    global_init(g, gm);
    const int64_t arcs = g->n > 0 ? g->off[g->n] : 0;
    if ((rc = comp_ws_init(&cw, g->n))) return rc;
    common = socap_big_alloc(sizeof *common * (size_t)(arcs > 0 ? arcs : 1));
    if (!common) {
      comp_ws_free(&cw);
      return SOCAP_ERROR(SOCAP_ERUNTIME, "out of memory for global metrics");
    }
  }
  rc = nodes_pass(g, nthreads(o->threads), m, common, packed, gm ? &cw : NULL);
  if (!rc && gm && g->n > 0) rc = global_finish(g, common, packed, &cw, nthreads(o->threads), gm);
  socap_big_free(common);
  comp_ws_free(&cw);
  if (!rc && o->betweenness) rc = socap_metrics_betweenness(g, o, m->betweenness);
  return rc;
}
