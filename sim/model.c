/* The socap model: population set-up, the tie store and the nine phases of a
 * step. See docs/ODD.md for the model description. */
#include "socap/model.h"

#include <float.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <math.h>
#include <omp.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>

#include "bigmem.h"
#include "expneg.h"
#include "simd.h"
#include "socap/error.h"
#include "socap/metrics.h" /* SOCAP_SIMD_* */
#include "socap/rng.h"

/* ---- tie store -------------------------------------------------------
 * Each undirected tie is stored at both ends, in per-agent arrays sorted by
 * neighbour id. A record is 16 bytes: 32 bytes per tie for both ends.
 * Both ends are always updated with the same arithmetic, so they agree
 * bit for bit. */
typedef struct {
  uint32_t nbr;
  float w;    /* strength at step `last` (lazy decay) */
  float peak; /* peak strength ever reached */
  uint32_t meta;
} tie_t;

#define META_LAST_BITS 28u
#define META_LAST_MASK ((1u << META_LAST_BITS) - 1u)
#define META_DORMANT (1u << 28)
#define META_ORIGIN_SHIFT 29u

static inline uint32_t meta_last(uint32_t m) { return m & META_LAST_MASK; }
static inline int meta_dormant(uint32_t m) { return (m & META_DORMANT) != 0; }
static inline int meta_origin(uint32_t m) { return (int)((m >> META_ORIGIN_SHIFT) & 3u); }
static inline uint32_t meta_make(uint32_t last, int dormant, int origin) {
  return (last & META_LAST_MASK) | (dormant ? META_DORMANT : 0u) | ((uint32_t)origin << META_ORIGIN_SHIFT);
}

/* Entries [0, ns) are sorted by neighbour id. Ties formed during a step's
 * serial resolution are appended unsorted at [ns, n), which keeps binary
 * searches and memmoves out of the serial loop; the next parallel phase
 * (maintenance) sorts them into place. Outside the resolution ns == n. */
typedef struct {
  tie_t *t;
  uint32_t n, cap, ns;
  /* The agent's counts and acceptance quantile, beside the list header:
   * the serial resolution reads all of them for the second person of a
   * proposal, at random, and one 32-byte record is one cache line
   * (performance-log.md item 58). */
  int32_t nact, ndor; /* active and dormant ties */
  float q;            /* running acceptance quantile */
} tlist_t;
_Static_assert(sizeof(tlist_t) == 32, "an agent's list header is 32 bytes");

/* A proposal: an encounter between a and b, or a reactivation request. */
typedef struct {
  uint32_t a, b;
  uint32_t proposer; /* whose stream judges it (the broker for introductions) */
  uint32_t seq;      /* index among the proposer's proposals this step */
  uint8_t origin : 2;   /* SOCAP_ORIGIN_* */
  uint8_t skip : 1;     /* already acquainted at the start of the step: ignored */
  uint8_t skill_ok : 1; /* the skill test u < skill_a * skill_b passed */
  uint8_t vok : 1;      /* va and vb are set (judging leaves them out when neither side needed them then) */
  uint8_t sa, sb;    /* strategies of a and b (read in the parallel phase) */
  /* Introductions: where the broker (proposer) stood in a's and b's tie
   * lists when judged (NO_HINT if unknown), so that the resolution's
   * gratitude update finds those entries without a search (tie_find_hint). */
  uint16_t ha, hb;
  float va, vb;      /* values, computed in the parallel judging phase (or late: resolve_values) */
  /* 32 bytes in all */
} prop_t;
_Static_assert(sizeof(prop_t) == 32, "a proposal is 32 bytes");
#define NO_HINT UINT16_MAX

_Static_assert(sizeof(socap_info_counts) == 32, "an agent's information counters fill half a cache line");

typedef struct {
  prop_t *p;
  size_t n, cap;
} pbuf_t;

/* Agents per unit of work in the proposal phase: threads take chunks as
 * they finish (a static split left one thread idle for a tenth of the
 * phase), and each chunk's proposals are copied to their place in agent
 * order afterwards. */
#define PR_CHUNK 1024

/* Where a chunk's proposals are: in thread tid's buffer from off, n of
 * them; dst is their place in the step's list. */
typedef struct {
  size_t off, n, dst;
  int tid;
} pchunk_t;

/* Per-thread scratch, allocated once per model (re-making it every step costs
 * page faults, which are slow on virtual machines). */
typedef struct {
  uint64_t *any, *act;   /* judging: bitsets of the current proposer's contacts, interleaved (MW) */
  uint32_t *seen;        /* information flow: visit stamps */
  int32_t *front, *next; /* information flow: BFS frontiers */
  uint32_t stamp;
  struct inf_rx *rx;     /* information flow: this thread's receipts per agent (zero between steps) */
} tscratch_t;

/* One thread's receipts of one agent in a step's information flow, added
 * into the agent's counters after the cascades (integer sums). */
struct inf_rx {
  uint32_t recv, outside;
  uint64_t hops;
};

/* Agents per tie arena: repacking one block at a time keeps the extra memory
 * of a repack small (a block's arena, not the whole store's). */
#define ARENA_BLOCK 16384

/* Arenas kept for reuse after a repack (each some megabytes). */
#define ARENA_POOL 4

/* Proposals per unit of work in the judge-and-resolve phase (default). */
#define JR_CHUNK 2048

/* Room for the lists of a block that outgrew their arena slots: chunks of
 * one huge page, filled in order (a list that grows again leaves its old
 * copy behind) and handed back together when the block is repacked. */
typedef struct ochunk {
  struct ochunk *next;
  size_t used, cap; /* ties */
  char pad_[64 - sizeof(void *) - 2 * sizeof(size_t)];
} ochunk_t;
#define OV_BYTES (((size_t)1 << 21) - 64) /* one huge page with socap_big_alloc's header */

typedef struct {
  tie_t *base;     /* the block's arena (socap_big_alloc), or NULL */
  size_t len;      /* slots in it */
  int32_t n_moved; /* lists of the block outside it */
  ochunk_t *ov;    /* where those lists are: the chunk in use first */
} ablock_t;

/* What judging reads about each person of a proposal, in one 16-byte
 * record (one random read): copies of group, cohort and strategy (fixed for
 * the run), and where the person's packed list is (set by every maintenance
 * pass; entry n holds the end of the last slot). */
typedef struct {
  int64_t joff; /* where the packed list starts (jn_list) */
  int32_t group;
  uint8_t cohort, strategy;
  uint8_t jlen;  /* its slot in words, saturated at 255 (for prefetching the first lines) */
  uint8_t vneed; /* selective, or near the Dunbar limit: judging computes the values of their proposals */
} who_t;
_Static_assert(sizeof(who_t) == 16, "a person's judging record is 16 bytes");

/* A person at or within this many active ties of the Dunbar limit after
 * the maintenance pass may reach it during the next resolution: judging
 * computes their proposals' values in advance (else the resolution
 * computes them late, which is exact but serial). */
#define NEAR_CAP_SLACK 8

/* An agent's maintenance factor and exponent (the own end's, passed to the
 * per-list functions). */
typedef struct {
  double mfac;  /* m_i / sum_k w_ik^gamma_i, this step */
  double focus; /* gamma_i */
} maint_t;

struct socap_model {
  socap_params p;
  uint64_t task;
  double lambda;
  double decay_tab[64]; /* exp(-lambda * dt) for dt < 64, the common case */
  int t; /* steps done */
  int32_t n;
  int32_t n_groups;
  int32_t *group, *cohort, *strategy;
  who_t *who; /* the same three, packed (judging) */
  int32_t *gstart, *gsize; /* group ranges: agents are contiguous by group */
  tlist_t *ties;
  /* What maintenance reads about the other end of each tie, at random: its
   * factor (8 bytes) and its strategy (1 byte), whose exponent is in
   * sfocus. Two arrays of 9 MB in all at 10^6 agents are read faster than
   * one of 16 MB with the exponent beside the factor (performance-log.md
   * item 57). */
  double *mfac;     /* per agent: m_i / sum_k w_ik^gamma_i, this step */
  uint8_t *strat8;  /* per agent: the strategy (fixed for the run) */
  double sfocus[SOCAP_MAX_STRATEGIES]; /* per strategy: gamma */
  socap_info_counts *info; /* per agent: information counters (and group) */
  uint8_t *leaving;
  int nthreads;
  pbuf_t *tbuf; /* per-thread proposal buffers */
  pchunk_t *pch; /* per chunk of pr_chunk agents: where its proposals are */
  int64_t n_pch;
  int32_t pr_chunk; /* agents per chunk of the proposal phase (PR_CHUNK) */
  int64_t repacks[2]; /* blocks repacked, and of those in parallel rounds (test hook) */
  pbuf_t props; /* all proposals of the step, in agent order */
  socap_counters total, last;
  double phase_s[SOCAP_N_PHASES]; /* wall-clock seconds per phase */
  /* Tie lists live in arenas in agent order, so that agents close in id
   * (the same group) have their lists close in memory: one arena per block
   * of ARENA_BLOCK agents. A list that outgrows its slot moves to its own
   * heap block; a block whose lists have moved out enough is repacked. */
  ablock_t *blocks;
  int32_t n_blocks;
  ochunk_t *ov_pool; /* chunks handed back by repacked blocks, for reuse (no fresh pages to zero) */
  tie_t *apool[ARENA_POOL]; /* arenas left by repacks, for the next repacks (no fresh pages to zero) */
  int n_apool;
  size_t ov_chunks;  /* chunks in all, in blocks and in the pool */
  /* Judging reads only the neighbour ids and states of two lists per
   * proposal: a packed copy of every list (id | JN_DORMANT), written by the
   * maintenance pass in agent order, keeps that to 4 bytes a tie instead of
   * a 16-byte record. Lists changed after it was written (forgetting,
   * turnover) are flagged in jdirty and rewritten at the start of the next
   * step (jn_refresh), so that proposing and judging never read the store,
   * which the resolution changes while judging runs. */
  uint32_t *jn;     /* packed lists: agent i's at jn + who[i].joff (jn_list) */
  size_t jcap;      /* entries allocated in jn */
  uint8_t *jdirty;  /* per agent: the packed copy is stale */
  int jvalid;       /* jn/who[].joff describe the store (bar jdirty agents, made current by jn_refresh) */
  int ties_released; /* socap_model_release_ties was called */
  int64_t jr_chunk;  /* proposals per chunk of the judge-and-resolve phase */
  int no_packed;     /* test hook: never use the packed lists */
  int eager_values;  /* test hook: judging computes every proposal's values */
  int64_t late_values; /* proposals whose values the resolution computed (resolve_values) */
  int g012;          /* every strategy's focus is 0, 1 or 2: maintenance uses pow012 */
  tscratch_t *scr; /* per-thread scratch, made once */
};

/* The arena block of list l (agent l - m->ties). */
#define JN_DORMANT 0x80000000u

/* A tie's packed entry: the neighbour id, with the dormant flag. */
static inline uint32_t jn_entry(const tie_t *e) { return e->nbr | (meta_dormant(e->meta) ? JN_DORMANT : 0u); }

/* Mark agent i's packed neighbour list stale (its tie list changed). */
static inline void jn_stale(socap_model *m, int32_t i) { m->jdirty[i] = 1; }

/* Agent i's packed list: a header of JN_HDR words (the list's length, then
 * its active ties) and the entries, in a slot of who[i + 1].joff - who[i].joff words.
 * The header puts the counts judging needs on the line it fetches anyway. */
#define JN_HDR 2
static inline const uint32_t *jn_list(const socap_model *m, int32_t i) { return m->jn + m->who[i].joff; }

static inline ablock_t *block_of(const socap_model *m, const tlist_t *l) {
  return &m->blocks[(l - m->ties) / ARENA_BLOCK];
}

/* Is list l in its block's arena? */
static inline int in_arena(const socap_model *m, const tlist_t *l) {
  const ablock_t *b = block_of(m, l);
  uintptr_t x = (uintptr_t)l->t, lo = (uintptr_t)b->base;
  return b->base && x >= lo && x < lo + b->len * sizeof(tie_t);
}

static double strat_spent(const socap_model *m, int32_t i, double frac) {
  const socap_cohort *c = &m->p.cohorts[m->cohort[i]];
  return frac * c->propensity * c->time_budget;
}

static inline const socap_strategy *strat_of(const socap_model *m, int32_t i) {
  return &m->p.strategies[m->strategy[i]];
}

/* The strength of an active tie, without a branch for a tie formed in this
 * step (dt = 0: decay_tab[0] = 1, so w * 1 is w). */
static inline double tie_w_active(const socap_model *m, const tie_t *e, int t) {
  const int dt = t - (int)meta_last(e->meta);
  return e->w * ((unsigned)dt < 64u ? m->decay_tab[dt] : dt < 0 ? 1.0 : exp(-m->lambda * dt));
}

/* Strength of a tie at step t (lazy decay; a dormant tie keeps its
 * strength). Double precision throughout; stored as float. */
static inline double tie_w_at(const socap_model *m, const tie_t *e, int t) {
  return meta_dormant(e->meta) ? e->w : tie_w_active(m, e, t);
}

/* w^gamma with exact shortcuts for the common exponents (pow is correctly
 * rounded in glibc, so these give the same bits). */
static inline double powg(double w, double g) {
  if (g == 0.0) return 1.0;
  if (g == 1.0) return w;
  if (g == 2.0) return w * w;
  return pow(w, g);
}

/* w^gamma for gamma in {0, 1, 2} without branches (the exponents of the
 * preset strategies; the partner's exponent is random from tie to tie, so a
 * branch on it is mispredicted often). Same bits as powg. */
static inline double pow012(double w, double g) {
  /* selected with bit masks: compilers turn the plain ternaries into branches */
  const double w2 = w * w, one = 1.0;
  uint64_t bw, bw2, b1, r;
  memcpy(&bw, &w, 8);
  memcpy(&bw2, &w2, 8);
  memcpy(&b1, &one, 8);
  const uint64_t m1 = -(uint64_t)(g == 1.0), m2 = -(uint64_t)(g == 2.0);
  r = (bw & m1) | (bw2 & m2) | (b1 & ~(m1 | m2));
  double out;
  memcpy(&out, &r, 8);
  return out;
}

/* First index in the sorted range [0, hi) whose neighbour is >= j. */
static inline uint32_t tie_lower_bound(const tie_t *t, uint32_t hi, uint32_t j) {
  uint32_t lo = 0;
  while (lo < hi) {
    uint32_t mid = (lo + hi) / 2;
    if (t[mid].nbr < j) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/* The same without branches (the comparisons are unpredictable), for lists
 * in cache (sorting new entries in): halve the range, moving its base with
 * a conditional move. A search of a list not in cache keeps the branches,
 * which let the processor fetch ahead along the predicted path. */
static inline uint32_t tie_lower_bound_cmov(const tie_t *t, uint32_t hi, uint32_t j) {
  if (hi == 0) return 0;
  const tie_t *base = t;
  uint32_t len = hi;
  while (len > 1) {
    const uint32_t half = len / 2;
    base = base[half].nbr < j ? base + half : base;
    len -= half;
  }
  return (uint32_t)(base - t) + (base->nbr < j);
}

/* Tie to j among the entries formed in this step's resolution, or NULL. */
static inline tie_t *tie_find_new(const tlist_t *l, uint32_t j) {
  for (uint32_t k = l->ns; k < l->n; k++)
    if (l->t[k].nbr == j) return &l->t[k];
  return NULL;
}

static tie_t *tie_find(const tlist_t *l, uint32_t j) {
  uint32_t lo = tie_lower_bound(l->t, l->ns, j);
  if (lo < l->ns && l->t[lo].nbr == j) return &l->t[lo];
  return tie_find_new(l, j);
}

/* tie_find, trying index @p h first (a position judging saw; entries of the
 * sorted part only move down during the resolution, when a tie is erased). */
static inline tie_t *tie_find_hint(const tlist_t *l, uint32_t j, uint32_t h) {
  if (h < l->ns && l->t[h].nbr == j) return &l->t[h];
  return tie_find(l, j);
}

/* @p nc ties of room in block b's chunks (serial callers only). */
static tie_t *ov_alloc(socap_model *m, ablock_t *b, uint32_t nc) {
  ochunk_t *c = b->ov;
  if (!c || c->used + nc > c->cap) {
    if (m->ov_pool) {
      c = m->ov_pool;
      m->ov_pool = c->next;
    } else {
      c = socap_big_alloc(OV_BYTES);
      if (!c) return NULL;
      m->ov_chunks++;
    }
    c->cap = (OV_BYTES - sizeof *c) / sizeof(tie_t);
    c->used = 0;
    c->next = b->ov;
    b->ov = c;
    if (nc > c->cap) return NULL; /* a list longer than a chunk: cannot happen (dunbar + dormant limits) */
  }
  tie_t *t = (tie_t *)(c + 1) + c->used;
  c->used += nc;
  return t;
}

static int tie_reserve(socap_model *m, tlist_t *l) {
  if (l->n < l->cap) return SOCAP_OK;
  uint32_t nc = l->cap ? l->cap + l->cap / 2 + 1 : 8;
  ablock_t *blk = block_of(m, l);
  if (!l->t || in_arena(m, l)) blk->n_moved++; /* leaves the arena (or never was in it) */
  tie_t *nt = ov_alloc(m, blk, nc);
  if (!nt) return SOCAP_ERROR(SOCAP_ERUNTIME, "out of memory growing a tie list");
  if (l->n) memcpy(nt, l->t, (size_t)l->n * sizeof *nt);
  l->t = nt;
  l->cap = nc;
  return SOCAP_OK;
}

/* Block b's chunks go to the pool (b's lists are all in its arena now, or
 * released). Called from parallel repacks. */
static void ov_release(socap_model *m, ablock_t *b) {
  if (!b->ov) return;
  ochunk_t *last = b->ov;
  while (last->next) last = last->next;
#pragma omp critical(socap_ov_pool)
  {
    last->next = m->ov_pool;
    m->ov_pool = b->ov;
  }
  b->ov = NULL;
}

/* Append a tie formed during the resolution (unsorted until tie_sort_new). */
static int tie_append(socap_model *m, tlist_t *l, tie_t e) {
  if (tie_reserve(m, l)) return SOCAP_ERUNTIME;
  l->t[l->n++] = e;
  return SOCAP_OK;
}

/* Insert in sorted position (only while the list has no unsorted entries). */
static int tie_insert(socap_model *m, tlist_t *l, tie_t e) {
  if (tie_reserve(m, l)) return SOCAP_ERUNTIME;
  uint32_t lo = tie_lower_bound(l->t, l->n, e.nbr);
  memmove(&l->t[lo + 1], &l->t[lo], (size_t)(l->n - lo) * sizeof(tie_t));
  l->t[lo] = e;
  l->n++;
  l->ns = l->n;
  return SOCAP_OK;
}

/* Sort the entries appended in the resolution into place. */
static void tie_sort_new(tlist_t *l) {
  for (uint32_t k = l->ns; k < l->n; k++) {
    tie_t e = l->t[k];
    uint32_t lo = tie_lower_bound_cmov(l->t, k, e.nbr);
    memmove(&l->t[lo + 1], &l->t[lo], (size_t)(k - lo) * sizeof(tie_t));
    l->t[lo] = e;
  }
  l->ns = l->n;
}

static void tie_erase(tlist_t *l, uint32_t j) {
  tie_t *e = tie_find(l, j);
  if (!e) return;
  size_t k = (size_t)(e - l->t);
  memmove(e, e + 1, (l->n - k - 1) * sizeof(tie_t));
  if (k < l->ns) l->ns--;
  l->n--;
}

/* Set both ends' entries of one tie to the same record values. */
static inline void tie_set_ends(tie_t *a, tie_t *b, float w, float peak, uint32_t meta) {
  a->w = b->w = w;
  a->peak = b->peak = peak;
  a->meta = b->meta = meta;
}

/* Set both ends of tie (i,j) to the same record values. */
static void tie_set_both(socap_model *m, int32_t i, int32_t j, float w, float peak, uint32_t meta) {
  tie_set_ends(tie_find(&m->ties[i], (uint32_t)j), tie_find(&m->ties[j], (uint32_t)i), w, peak, meta);
}

/* ---- set-up ------------------------------------------------------------ */

static int setup_groups(socap_model *m, gsl_rng *r) {
  const socap_params *p = &m->p;
  int32_t n = p->n_agents, cap = n;
  int32_t *sizes = malloc((size_t)cap * sizeof *sizes);
  if (!sizes) return SOCAP_ERROR(SOCAP_ERUNTIME, "out of memory");
  int32_t ng = 0, sum = 0;
  if (p->group_dist == SOCAP_GROUPS_EQUAL) {
    ng = (int32_t)fmax(1.0, floor((double)n / p->group_size + 0.5));
    for (int32_t g = 0; g < ng; g++) sizes[g] = (int32_t)(((int64_t)(g + 1) * n) / ng - ((int64_t)g * n) / ng);
    sum = n;
  } else {
    socap_rng_stream(r, p->seed, m->task, 0, 0, SOCAP_RNG_INIT);
    double mu = 0, sg = 0;
    if (p->group_dist == SOCAP_GROUPS_LOGNORMAL) {
      double mean = p->group_size, sd = p->group_size_sd > 0 ? p->group_size_sd : 1e-9;
      sg = sqrt(log(1.0 + sd * sd / (mean * mean)));
      mu = log(mean) - sg * sg / 2;
    }
    while (sum < n) {
      int32_t s;
      if (p->group_dist == SOCAP_GROUPS_POISSON) s = 1 + (int32_t)gsl_ran_poisson(r, p->group_size - 1.0);
      else s = (int32_t)fmax(1.0, floor(gsl_ran_lognormal(r, mu, sg) + 0.5));
      if (s > n - sum) s = n - sum;
      sizes[ng++] = s;
      sum += s;
    }
  }
  m->n_groups = ng;
  m->gstart = malloc((size_t)ng * sizeof(int32_t));
  m->gsize = malloc((size_t)ng * sizeof(int32_t));
  if (!m->gstart || !m->gsize) { free(sizes); return SOCAP_ERROR(SOCAP_ERUNTIME, "out of memory"); }
  int32_t at = 0;
  for (int32_t g = 0; g < ng; g++) {
    m->gstart[g] = at;
    m->gsize[g] = sizes[g];
    for (int32_t k = 0; k < sizes[g]; k++) m->group[at + k] = g;
    at += sizes[g];
  }
  free(sizes);
  return SOCAP_OK;
}

/* Cohort counts by largest remainder; assignment by a seeded shuffle so that
 * cohorts mix across groups. */
static int setup_cohorts(socap_model *m, gsl_rng *r) {
  const socap_params *p = &m->p;
  int32_t n = m->n, assigned = 0;
  int32_t cnt[SOCAP_MAX_COHORTS];
  double rem[SOCAP_MAX_COHORTS];
  for (int k = 0; k < p->n_cohorts; k++) {
    double x = p->cohorts[k].share * n;
    cnt[k] = (int32_t)floor(x);
    rem[k] = x - cnt[k];
    assigned += cnt[k];
  }
  while (assigned < n) {
    int best = 0;
    for (int k = 1; k < p->n_cohorts; k++)
      if (rem[k] > rem[best]) best = k;
    cnt[best]++;
    rem[best] = -1;
    assigned++;
  }
  int32_t at = 0;
  for (int k = 0; k < p->n_cohorts; k++)
    for (int32_t c = 0; c < cnt[k]; c++) m->cohort[at++] = k;
  socap_rng_stream(r, p->seed, m->task, 1, 0, SOCAP_RNG_INIT);
  gsl_ran_shuffle(r, m->cohort, (size_t)n, sizeof(int32_t));
  for (int32_t i = 0; i < n; i++) {
    m->strategy[i] = p->cohorts[m->cohort[i]].strategy;
    m->strat8[i] = (uint8_t)m->strategy[i];
    m->who[i] = (who_t){.group = m->group[i], .cohort = (uint8_t)m->cohort[i], .strategy = (uint8_t)m->strategy[i]};
    m->info[i].group = m->group[i];
  }
  return SOCAP_OK;
}

int socap_model_create(const socap_params *p, uint64_t task, socap_model **out) {
  *out = NULL;
  socap_model *m = calloc(1, sizeof *m);
  gsl_rng *r = gsl_rng_alloc(socap_rng_philox);
  int rc = SOCAP_OK;
  if (!m || !r) { rc = SOCAP_ERROR(SOCAP_ERUNTIME, "out of memory"); goto fail; }
  m->p = *p;
  m->task = task;
  m->lambda = socap_params_lambda(p);
  for (int dt = 0; dt < 64; dt++) m->decay_tab[dt] = exp(-m->lambda * dt);
  m->g012 = 1;
  for (int k = 0; k < p->n_strategies; k++) {
    const double g = p->strategies[k].focus;
    m->sfocus[k] = g;
    if (g != 0.0 && g != 1.0 && g != 2.0) m->g012 = 0;
  }
  m->n = p->n_agents;
  size_t n = (size_t)m->n;
  m->group = socap_big_alloc(n * sizeof(int32_t));
  m->cohort = socap_big_alloc(n * sizeof(int32_t));
  m->strategy = socap_big_alloc(n * sizeof(int32_t));
  m->who = socap_big_alloc((n + 1) * sizeof(who_t));
  m->ties = socap_big_alloc(n * sizeof(tlist_t));
  m->mfac = socap_big_alloc(n * sizeof(double));
  m->strat8 = socap_big_alloc(n);
  m->info = socap_big_alloc(n * sizeof(socap_info_counts));
  m->leaving = socap_big_alloc(n * 1);
  m->jdirty = socap_big_alloc(n * 1);
  m->n_blocks = (int32_t)((n + ARENA_BLOCK - 1) / ARENA_BLOCK);
  m->blocks = calloc((size_t)(m->n_blocks ? m->n_blocks : 1), sizeof(ablock_t));
  m->nthreads = omp_get_max_threads();
  m->jr_chunk = JR_CHUNK;
  m->tbuf = calloc((size_t)m->nthreads, sizeof(pbuf_t));
  m->pr_chunk = PR_CHUNK;
  m->n_pch = ((int64_t)n + PR_CHUNK - 1) / PR_CHUNK;
  m->pch = calloc((size_t)(m->n_pch ? m->n_pch : 1), sizeof(pchunk_t));
  m->scr = calloc((size_t)m->nthreads, sizeof(tscratch_t));
  int scratch_fail = !m->scr;
  for (int k = 0; m->scr && k < m->nthreads; k++) {
    tscratch_t *s = &m->scr[k];
    size_t nw = ((size_t)n + 63) / 64;
    s->any = socap_big_alloc(2 * nw * sizeof(uint64_t)); /* interleaved with act (MW) */
    s->act = s->any ? s->any + 1 : NULL;
    s->seen = socap_big_alloc((size_t)n * sizeof(uint32_t));
    s->front = socap_big_alloc((size_t)n * sizeof(int32_t));
    s->next = socap_big_alloc((size_t)n * sizeof(int32_t));
    s->rx = socap_big_alloc((size_t)n * sizeof(struct inf_rx));
    if (!s->any || !s->act || !s->seen || !s->front || !s->next || !s->rx) scratch_fail = 1;
  }
  if (!m->group || !m->cohort || !m->strategy || !m->who || !m->ties ||
      !m->mfac || !m->strat8 || !m->info || !m->leaving || !m->jdirty || !m->tbuf || !m->pch || !m->blocks || scratch_fail) {
    rc = SOCAP_ERROR(SOCAP_ERUNTIME, "out of memory allocating %zu agents", n);
    goto fail;
  }
  for (size_t i = 0; i < n; i++) m->ties[i].q = 0.5f;
  if ((rc = setup_groups(m, r)) != SOCAP_OK) goto fail;
  if ((rc = setup_cohorts(m, r)) != SOCAP_OK) goto fail;
  gsl_rng_free(r);
  *out = m;
  return SOCAP_OK;
fail:
  gsl_rng_free(r);
  socap_model_free(m);
  return rc;
}

void socap_model_free(socap_model *m) {
  if (!m) return;
  if (m->ties && m->blocks) socap_model_release_ties(m);
  free(m->blocks);
  if (m->tbuf)
    for (int k = 0; k < m->nthreads; k++) socap_big_free(m->tbuf[k].p);
  if (m->scr)
    for (int k = 0; k < m->nthreads; k++) {
      tscratch_t *s = &m->scr[k];
      socap_big_free(s->any); socap_big_free(s->seen); socap_big_free(s->rx);
      socap_big_free(s->front); socap_big_free(s->next);
    }
  free(m->scr);
  socap_big_free(m->props.p);
  free(m->tbuf);
  free(m->pch);
  socap_big_free(m->ties);
  socap_big_free(m->group); socap_big_free(m->cohort); socap_big_free(m->strategy); socap_big_free(m->who); free(m->gstart); free(m->gsize);
  socap_big_free(m->mfac); socap_big_free(m->strat8);
  socap_big_free(m->info); socap_big_free(m->leaving);
  socap_big_free(m->jn); socap_big_free(m->jdirty);
  free(m);
}

/* ---- proposals (steps 1-4) ---------------------------------------------- */

static int pbuf_push(pbuf_t *b, uint32_t a, uint32_t bb, uint32_t proposer, uint32_t seq, int origin) {
  if (b->n == b->cap) {
    /* on huge pages (grown by copying: rare, as the buffer is kept from
     * step to step): faulting in tens of megabytes 4 KiB at a time cost
     * more than the copies (performance-log.md item 56) */
    prop_t *np = socap_big_grow(b->p, b->n * sizeof *np, (b->cap ? 2 * b->cap : 1024) * sizeof *np);
    if (!np) return SOCAP_ERUNTIME;
    b->p = np;
    b->cap = socap_big_capacity(np) / sizeof *np;
  }
  prop_t *x = &b->p[b->n++];
  memset(x, 0, sizeof *x);
  x->a = a; x->b = bb; x->proposer = proposer; x->seq = seq; x->origin = (uint8_t)origin & 3u;
  x->ha = x->hb = NO_HINT;
  return SOCAP_OK;
}

/* Integer count for a fractional budget: floor plus a Bernoulli remainder, so
 * the expected count equals budget/cost exactly. */
static unsigned budget_count(gsl_rng *r, double budget, double cost) {
  double x = budget / cost;
  double f = floor(x);
  unsigned k = (unsigned)f;
  if (gsl_rng_uniform(r) < x - f) k++;
  return k;
}

static uint32_t draw_in_group(const socap_model *m, gsl_rng *r, int32_t i) {
  int32_t g = m->group[i], s = m->gsize[g];
  if (s < 2) return (uint32_t)i;
  int32_t x = (int32_t)gsl_rng_uniform_int(r, (unsigned long)(s - 1));
  int32_t j = m->gstart[g] + x;
  if (j >= i) j++;
  return (uint32_t)j;
}

static uint32_t draw_out_group(const socap_model *m, gsl_rng *r, int32_t i) {
  int32_t g = m->group[i], s = m->gsize[g];
  if (m->n - s < 1) return (uint32_t)i;
  int32_t j = (int32_t)gsl_rng_uniform_int(r, (unsigned long)(m->n - s));
  if (j >= m->gstart[g]) j += s;
  return (uint32_t)j;
}

static uint32_t draw_anyone(const socap_model *m, gsl_rng *r, int32_t i) {
  int32_t j = (int32_t)gsl_rng_uniform_int(r, (unsigned long)(m->n - 1));
  if (j >= i) j++;
  return (uint32_t)j;
}

/* Index of k in j's packed list (current: m->jvalid), or UINT32_MAX. */
static uint32_t jn_index(const socap_model *m, uint32_t j, uint32_t k) {
  const uint32_t *h = jn_list(m, (int32_t)j), *e = h + JN_HDR;
  uint32_t lo = 0, hi = h[0];
  while (lo < hi) {
    uint32_t mid = (lo + hi) / 2;
    if ((e[mid] & ~JN_DORMANT) < k) lo = mid + 1;
    else hi = mid;
  }
  return lo < h[0] && (e[lo] & ~JN_DORMANT) == k ? lo : UINT32_MAX;
}

/* Does j have a tie (active or dormant) to k? Searches j's packed list when
 * it is current (4-byte entries: fewer cache lines than the store's). */
static int acquainted(const socap_model *m, uint32_t j, uint32_t k) {
  if (!m->jvalid) return tie_find(&m->ties[j], k) != NULL;
  return jn_index(m, j, k) != UINT32_MAX;
}

#define INTRO_TRIES 16
/* Candidate pairs drawn ahead of the one examined, and how far ahead the
 * first person's packed list is fetched (it needs their record first). */
#define PAIR_AHEAD 6
#define PAIR_LIST_AHEAD 3
#define PAIR_RING 8 /* a power of two above PAIR_AHEAD */

/* A broker's candidate pairs, in stream order. An introduction examines up
 * to INTRO_TRIES pairs: the first untied cross-group pair wins if preferred,
 * else the first untied one (after all the tries). Each pair is two draws of
 * the broker's stream, which nothing else draws from between the
 * introductions, so the pairs are one fixed sequence, consumed in order by
 * the broker's introductions one after the other. They are drawn
 * PAIR_AHEAD ahead of the one examined, and their groups, records and
 * packed lists fetched meanwhile (each a random read). */
typedef struct {
  gsl_rng *r;
  const uint32_t *act;
  int32_t na;
  uint64_t drawn, used;
  uint32_t j[PAIR_RING], k[PAIR_RING];
} pairs_t;

static void pairs_draw(const socap_model *m, pairs_t *ps) {
  const uint32_t x = (uint32_t)gsl_rng_uniform_int(ps->r, (unsigned long)ps->na);
  uint32_t y = (uint32_t)gsl_rng_uniform_int(ps->r, (unsigned long)(ps->na - 1));
  if (y >= x) y++;
  const uint32_t j = ps->act[x], k = ps->act[y], d = (uint32_t)(ps->drawn++ % PAIR_RING);
  ps->j[d] = j;
  ps->k[d] = k;
  __builtin_prefetch(&m->group[j]);
  __builtin_prefetch(&m->group[k]);
  if (m->jvalid) __builtin_prefetch(&m->who[j].joff);
}

/* The next pair, with the data of those behind it on the way. */
static void pairs_next(const socap_model *m, pairs_t *ps, uint32_t *j, uint32_t *k) {
  while (ps->drawn <= ps->used + PAIR_AHEAD) {
    pairs_draw(m, ps);
    if (m->jvalid && ps->drawn > PAIR_LIST_AHEAD + ps->used) {
      /* a pair drawn a while ago: its first person's whole packed list (the
       * search probes it at random; its first line alone, before, left the
       * other probes to miss: performance-log.md item 60) */
      const int32_t j = (int32_t)ps->j[(ps->drawn - 1 - PAIR_LIST_AHEAD) % PAIR_RING];
      socap_prefetch_range(jn_list(m, j), sizeof(uint32_t) * m->who[j].jlen);
    }
  }
  const uint32_t u = (uint32_t)(ps->used++ % PAIR_RING);
  *j = ps->j[u];
  *k = ps->k[u];
}

/* One introduction: its pair, or 0 if none of INTRO_TRIES pairs is untied. */
static int pick_intro_pair(const socap_model *m, pairs_t *ps, uint32_t *pj, uint32_t *pk) {
  int found = 0;
  for (int tries = 0; tries < INTRO_TRIES; tries++) {
    uint32_t j, k;
    pairs_next(m, ps, &j, &k);
    int cross = m->group[j] != m->group[k];
    /* a same-group pair cannot win once a fallback is found: skip the
     * (cache-missing) search of j's ties */
    if (m->p.intro_cross_group && !cross && found) continue;
    if (acquainted(m, j, k)) continue;
    if (!m->p.intro_cross_group || cross) {
      *pj = j;
      *pk = k;
      return 1;
    }
    if (!found) { *pj = j; *pk = k; found = 1; }
  }
  return found;
}

typedef struct {
  uint32_t nbr;
  double key;
} dsel_t;

static int dsel_cmp(const void *a, const void *b) {
  const dsel_t *x = a, *y = b;
  if (x->key != y->key) return x->key > y->key ? -1 : 1; /* descending */
  return x->nbr < y->nbr ? -1 : (x->nbr > y->nbr);
}

/* Workspace per thread for the proposal phase. */
typedef struct {
  uint32_t *act;
  dsel_t *dor;
  size_t cap_act, cap_dor;
} pws_t;

/* Make a workspace array hold at least @p need elements (contents not kept). */
static int ws_reserve(void **buf, size_t *cap, size_t need, size_t elem) {
  if (*cap >= need) return 0;
  free(*buf);
  *buf = malloc(need * elem);
  *cap = *buf ? need : 0;
  return *buf ? 0 : 1;
}

static int propose_agent(socap_model *m, gsl_rng *r, pws_t *ws, pbuf_t *out, int32_t i, int t) {
  const socap_params *p = &m->p;
  const socap_strategy *s = strat_of(m, i);
  uint32_t seq = 0;
  int rc = 0;
  /* 1. work encounters */
  socap_rng_stream(r, p->seed, m->task, (uint32_t)i, (uint32_t)t, SOCAP_RNG_WORK);
  unsigned kin = p->mu_in > 0 ? gsl_ran_poisson(r, p->mu_in) : 0;
  unsigned kout = p->mu_out > 0 ? gsl_ran_poisson(r, p->mu_out) : 0;
  for (unsigned k = 0; k < kin; k++) {
    uint32_t j = draw_in_group(m, r, i);
    if (j != (uint32_t)i) rc |= pbuf_push(out, (uint32_t)i, j, (uint32_t)i, seq++, SOCAP_ORIGIN_WORK);
  }
  for (unsigned k = 0; k < kout; k++) {
    uint32_t j = draw_out_group(m, r, i);
    if (j != (uint32_t)i) rc |= pbuf_push(out, (uint32_t)i, j, (uint32_t)i, seq++, SOCAP_ORIGIN_WORK);
  }
  /* 2. events */
  double e = strat_spent(m, i, s->explore);
  if (e > 0) {
    socap_rng_stream(r, p->seed, m->task, (uint32_t)i, (uint32_t)t, SOCAP_RNG_EVENT);
    unsigned ke = gsl_ran_poisson(r, e / p->cost_meet);
    for (unsigned k = 0; k < ke; k++)
      rc |= pbuf_push(out, (uint32_t)i, draw_anyone(m, r, i), (uint32_t)i, seq++, SOCAP_ORIGIN_EVENT);
  }
  const tlist_t *l = &m->ties[i];
  /* 3. introductions */
  double b = strat_spent(m, i, s->broker);
  if (b > 0 && m->ties[i].nact >= 2) {
    socap_rng_stream(r, p->seed, m->task, (uint32_t)i, (uint32_t)t, SOCAP_RNG_INTRO);
    unsigned kb = budget_count(r, b, p->cost_intro);
    if (kb > 0) {
      if (ws_reserve((void **)&ws->act, &ws->cap_act, l->n, sizeof *ws->act)) return SOCAP_ERUNTIME;
      int32_t na = 0;
      for (uint32_t k = 0; k < l->n; k++)
        if (!meta_dormant(l->t[k].meta)) ws->act[na++] = l->t[k].nbr;
      pairs_t ps = {.r = r, .act = ws->act, .na = na};
      for (unsigned k = 0; k < kb; k++) {
        uint32_t j = 0, q = 0;
        if (!pick_intro_pair(m, &ps, &j, &q)) break;
        rc |= pbuf_push(out, j, q, (uint32_t)i, seq++, SOCAP_ORIGIN_INTRO);
      }
    }
  }
  /* 4. reactivation requests */
  double rr = strat_spent(m, i, s->reactivate);
  if (rr > 0 && m->ties[i].ndor > 0) {
    socap_rng_stream(r, p->seed, m->task, (uint32_t)i, (uint32_t)t, SOCAP_RNG_REACT);
    unsigned kr = budget_count(r, rr, p->cost_react);
    if (kr > 0) {
      if (ws_reserve((void **)&ws->dor, &ws->cap_dor, l->n, sizeof *ws->dor)) return SOCAP_ERUNTIME;
      size_t nd = 0;
      for (uint32_t k = 0; k < l->n; k++) {
        const tie_t *e = &l->t[k];
        if (!meta_dormant(e->meta)) continue;
        double key = 0;
        switch (s->reactivation_order) {
        case SOCAP_REACT_PEAK: key = e->peak; break;
        case SOCAP_REACT_RECENT: key = (double)meta_last(e->meta); break;
        default: key = gsl_rng_uniform(r); break;
        }
        ws->dor[nd].nbr = e->nbr;
        ws->dor[nd].key = key;
        nd++;
      }
      qsort(ws->dor, nd, sizeof *ws->dor, dsel_cmp);
      for (size_t k = 0; k < nd && k < kr; k++)
        rc |= pbuf_push(out, (uint32_t)i, ws->dor[k].nbr, (uint32_t)i, seq++, SOCAP_ORIGIN_REACT);
    }
  }
  return rc ? SOCAP_ERROR(SOCAP_ERUNTIME, "out of memory in proposals") : SOCAP_OK;
}

/* ---- judging (step 5) ---------------------------------------------------- */

/* Word of contact c in judging's bitsets: any[] and act[] are one array of
 * word pairs (act = any + 1), so that marking a contact in both, clearing
 * it, and the two tests touch one cache line instead of two. */
#define MW(c) ((size_t)((c) >> 6) * 2)

/* Set (on = 1) or clear (on = 0) the bits of l's neighbours: in any[] for
 * every tie, in act[] for active ties. Clearing zeroes whole words, which is
 * exact because only l's neighbours were set. */
static void mark_contacts(const tlist_t *l, uint64_t *any, uint64_t *act, int on) {
  for (uint32_t k = 0; k < l->n; k++) {
    uint32_t c = l->t[k].nbr;
    if (on) {
      uint64_t bit = (uint64_t)1 << (c & 63);
      any[MW(c)] |= bit;
      act[MW(c)] |= meta_dormant(l->t[k].meta) ? 0 : bit;
    } else {
      any[MW(c)] = act[MW(c)] = 0;
    }
  }
}

/* Number of active ties in l whose neighbour is marked in act[]: the common
 * active contacts of l's owner and the marked person. */
static uint32_t count_marked_active(const tlist_t *l, const uint64_t *act) {
  uint32_t common = 0;
  for (uint32_t k = 0; k < l->n; k++) {
    uint32_t c = l->t[k].nbr;
    common += (uint32_t)(act[MW(c)] >> (c & 63) & 1u) & !meta_dormant(l->t[k].meta);
  }
  return common;
}

/* The same two operations on a packed list (id | JN_DORMANT). */
static void mark_packed(const uint32_t *e, int64_t ne, uint64_t *any, uint64_t *act, int on) {
  for (int64_t k = 0; k < ne; k++) {
    uint32_t c = e[k] & ~JN_DORMANT;
    if (on) {
      uint64_t bit = (uint64_t)1 << (c & 63);
      any[MW(c)] |= bit;
      act[MW(c)] |= (e[k] & JN_DORMANT) ? 0 : bit;
    } else {
      any[MW(c)] = act[MW(c)] = 0;
    }
  }
}

static uint32_t count_packed(const uint32_t *e, int64_t ne, const uint64_t *act) {
  uint32_t common = 0;
  for (int64_t k = 0; k < ne; k++) {
    uint32_t c = e[k]; /* a dormant entry's id has bit 31 set: mask it, then drop it */
    uint32_t id = c & ~JN_DORMANT;
    common += (uint32_t)(act[MW(id)] >> (id & 63) & 1u) & (c >> 31 ^ 1u);
  }
  return common;
}

/* Judging's view of agent i's contacts: the packed copy (made current at
 * the start of the step by jn_refresh) if there is one, else the store. */
static void mark_agent(const socap_model *m, int32_t i, uint64_t *any, uint64_t *act, int on) {
  if (m->jvalid)
    mark_packed(jn_list(m, i) + JN_HDR, jn_list(m, i)[0], any, act, on);
  else
    mark_contacts(&m->ties[i], any, act, on);
}

static uint32_t count_agent(const socap_model *m, int32_t i, const uint64_t *act) {
  if (m->jvalid) return count_packed(jn_list(m, i) + JN_HDR, jn_list(m, i)[0], act);
  return count_marked_active(&m->ties[i], act);
}

/* Active ties of agent i at the start of the step, as judging sees them. */
static inline int32_t active_at_start(const socap_model *m, int32_t i) {
  return m->jvalid ? (int32_t)jn_list(m, i)[1] : m->ties[i].nact;
}

/* Writes agent i's packed list from the store into its slot of @p slot
 * words; 0 if it does not fit. */
static int jn_write(socap_model *m, int32_t i, int64_t slot) {
  const tlist_t *l = &m->ties[i];
  if ((int64_t)l->n + JN_HDR > slot) return 0;
  uint32_t *h = m->jn + m->who[i].joff;
  h[0] = l->n;
  h[1] = (uint32_t)m->ties[i].nact;
  for (uint32_t k = 0; k < l->n; k++) h[JN_HDR + k] = jn_entry(&l->t[k]);
  return 1;
}

/* At the start of a step: rewrite the packed lists changed since the
 * maintenance pass wrote them (forgetting, turnover). Those changes only
 * remove ties, so each list fits its slot; if one did not, judging would
 * read the store for the whole step. */
static void jn_refresh(socap_model *m) {
  if (!m->jvalid) return;
  int bad = 0;
#pragma omp parallel for schedule(dynamic, 4096) num_threads(m->nthreads) reduction(| : bad)
  for (int32_t i = 0; i < m->n; i++) {
    if (!m->jdirty[i]) continue;
    if (!jn_write(m, i, m->who[i + 1].joff - m->who[i].joff)) bad = 1;
    m->jdirty[i] = 0;
  }
  if (bad) m->jvalid = 0;
}

/* Active-tie count of c in list l (1 if l has an active tie to c). */
static inline uint32_t has_active(const tlist_t *l, uint32_t c) {
  const tie_t *e = tie_find(l, c);
  return e && !meta_dormant(e->meta);
}

/* Number of common active contacts of i and j, also while the lists hold
 * entries appended in this step's resolution: a branch-free merge of the
 * sorted parts, then a lookup of each side's new entries (those of j only in
 * i's sorted part, so no pair is counted twice). */
static uint32_t common_active(const socap_model *m, int32_t i, int32_t j) {
  const tlist_t *a = &m->ties[i], *b = &m->ties[j];
  if (m->ties[i].nact == 0 || m->ties[j].nact == 0) return 0;
  const tie_t *ta = a->t, *tb = b->t;
  uint32_t x = 0, y = 0, common = 0;
  while (x < a->ns && y < b->ns) {
    uint32_t u = ta[x].nbr, v = tb[y].nbr;
    common += (u == v) & !((ta[x].meta | tb[y].meta) & META_DORMANT);
    x += u <= v;
    y += v <= u;
  }
  for (uint32_t k = a->ns; k < a->n; k++)
    if (!meta_dormant(ta[k].meta)) common += has_active(b, ta[k].nbr);
  for (uint32_t k = b->ns; k < b->n; k++) {
    if (meta_dormant(tb[k].meta)) continue;
    uint32_t lo = tie_lower_bound(ta, a->ns, tb[k].nbr);
    common += lo < a->ns && ta[lo].nbr == tb[k].nbr && !meta_dormant(ta[lo].meta);
  }
  return common;
}

/* Value of j to i without noise: non-redundancy 1 - |N(i)∩N(j)| / max(1,|N(j)|)
 * over active ties, plus the homophily bonus. */
static inline double nonredundancy(uint32_t common, int32_t dj) {
  return 1.0 - (double)common / (dj > 1 ? dj : 1);
}

static double value_from_common(const socap_model *m, int32_t i, int32_t j, uint32_t common) {
  return nonredundancy(common, m->ties[j].nact) + (m->group[i] == m->group[j] ? m->p.homophily : 0.0);
}

static double base_value(const socap_model *m, int32_t i, int32_t j) {
  return value_from_common(m, i, j, common_active(m, i, j));
}

/* Acceptance by the running quantile: accept if v >= q_i, then move q_i
 * toward the selectivity-quantile of the values i has judged
 * (Robbins-Monro: q += rate * (sel - 1[v < q])). Selectivity 0 accepts all. */
static int accept_value(socap_model *m, int32_t i, int strategy, double v) {
  /* Without branches on the strategy (random from proposal to proposal in
   * the serial resolution): a person who is not selective gets their
   * quantile written back unchanged, (float)(double)q == q. */
  const double sel = m->p.strategies[strategy].selectivity;
  const double q = m->ties[i].q;
  const double qn = q + m->p.quantile_rate * (sel - (v < q ? 1.0 : 0.0));
  m->ties[i].q = (float)(sel > 0 ? qn : q);
  return (sel <= 0) | (v >= q);
}

/* At capacity: index of the weakest active tie (lowest current strength,
 * ties broken by neighbour id), or -1. */
static int32_t weakest_active(const socap_model *m, int32_t i, int t) {
  const tlist_t *l = &m->ties[i];
  int32_t best = -1;
  double bw = DBL_MAX;
  for (uint32_t k = 0; k < l->n; k++) {
    if (meta_dormant(l->t[k].meta)) continue;
    double w = tie_w_at(m, &l->t[k], t);
    int32_t nb = (int32_t)l->t[k].nbr; /* explicit tie-break: new entries are unsorted */
    if (w < bw || (w == bw && nb < best)) { bw = w; best = nb; }
  }
  return best;
}

static void count_after_change(socap_model *m, int32_t i, int d_active, int d_dormant) {
  m->ties[i].nact += d_active;
  m->ties[i].ndor += d_dormant;
}

/* Tie (i,j) goes dormant for both ends at step t. */
static void make_dormant(socap_model *m, int32_t i, int32_t j, int t) {
  tie_t *e = tie_find(&m->ties[i], (uint32_t)j);
  double w = tie_w_at(m, e, t);
  tie_set_both(m, i, j, (float)w, e->peak, meta_make((uint32_t)t, 1, meta_origin(e->meta)));
  count_after_change(m, i, -1, +1);
  count_after_change(m, j, -1, +1);
  m->last.went_dormant++;
}

static void forget(socap_model *m, int32_t i, int32_t j) {
  tie_erase(&m->ties[i], (uint32_t)j);
  tie_erase(&m->ties[j], (uint32_t)i);
  jn_stale(m, i);
  jn_stale(m, j);
  count_after_change(m, i, 0, -1);
  count_after_change(m, j, 0, -1);
  m->last.forgotten++;
}

/* Enforce the dormant limit on agent i: forget the weakest-at-peak dormant
 * ties (ties broken by neighbour id). */
static void enforce_dormant_limit(socap_model *m, int32_t i) {
  while (m->ties[i].ndor > m->p.dormant_limit) {
    const tlist_t *l = &m->ties[i];
    int32_t best = -1;
    float bp = FLT_MAX;
    for (uint32_t k = 0; k < l->n; k++) {
      const tie_t *e = &l->t[k];
      if (meta_dormant(e->meta) && (e->peak < bp || (e->peak == bp && (int32_t)e->nbr < best))) {
        bp = e->peak;
        best = (int32_t)e->nbr;
      }
    }
    if (best < 0) break;
    forget(m, i, best);
  }
}

/* Capacity rule for one side; returns 1 if i can take the new tie, and the
 * tie to displace in *drop (or -1). */
static int capacity_ok(socap_model *m, int32_t i, double v, int t, int32_t *drop) {
  *drop = -1;
  if (m->ties[i].nact < m->p.dunbar_limit) return 1;
  int32_t k = weakest_active(m, i, t);
  if (k < 0) return 0;
  if (v > base_value(m, i, k)) { *drop = k; return 1; }
  return 0;
}

static void set_values(const socap_model *m, prop_t *x, const uint64_t *act, double na, double nb);

/* The values that judging left out (x->vok == 0), computed when the
 * resolution needs them: the same draws from the proposal's stream and the
 * same count on the packed lists, which hold the network as judging saw it
 * (the resolution never writes them), so the values are those judging would
 * have given. Serial; uses the resolving thread's bitsets, which are clear
 * between the chunks it judges. */
static void resolve_values(socap_model *m, prop_t *x, int t, gsl_rng *r, uint64_t *any, uint64_t *act) {
  socap_rng_substream(r, m->p.seed, m->task, x->proposer, (uint32_t)t, SOCAP_RNG_JUDGE, x->seq);
  double na = gsl_ran_gaussian_ziggurat(r, 1.0), nb = gsl_ran_gaussian_ziggurat(r, 1.0);
  mark_agent(m, (int32_t)x->a, any, act, 1);
  set_values(m, x, act, na, nb);
  mark_agent(m, (int32_t)x->a, any, act, 0);
  m->late_values++;
}

static int resolve(socap_model *m, prop_t *x, int t, gsl_rng *r, uint64_t *any, uint64_t *act) {
  const socap_params *p = &m->p;
  int32_t a = (int32_t)x->a, b = (int32_t)x->b;
  if (x->skip || a == b) return SOCAP_OK;
  /* Not tied at the start of the step (else skipped), and the sorted part
   * only loses entries during the resolution: only new entries can hold b. */
  tie_t *e = x->origin == SOCAP_ORIGIN_REACT ? tie_find(&m->ties[a], (uint32_t)b)
                                             : tie_find_new(&m->ties[a], (uint32_t)b);
  if (x->origin == SOCAP_ORIGIN_REACT) {
    if (!e || !meta_dormant(e->meta)) return SOCAP_OK; /* revived or forgotten meanwhile */
  } else if (e) {
    return SOCAP_OK; /* already acquainted */
  }
  m->last.proposals++;
  /* the values decide for a selective person, and at the Dunbar limit */
  if (!x->vok && (p->strategies[x->sa].selectivity > 0 || p->strategies[x->sb].selectivity > 0 ||
                  (x->skill_ok && (m->ties[a].nact >= p->dunbar_limit || m->ties[b].nact >= p->dunbar_limit))))
    resolve_values(m, x, t, r, any, act);
  int acc_a = accept_value(m, a, x->sa, x->va);
  int acc_b = accept_value(m, b, x->sb, x->vb);
  int32_t drop_a = -1, drop_b = -1;
  int ok = (acc_a & acc_b & x->skill_ok) && capacity_ok(m, a, x->va, t, &drop_a) &&
           capacity_ok(m, b, x->vb, t, &drop_b);
  if (!ok) { m->last.rejected++; return SOCAP_OK; }
  if (drop_a >= 0) { make_dormant(m, a, drop_a, t); m->last.displaced++; }
  if (drop_b >= 0 && tie_find(&m->ties[b], (uint32_t)drop_b) &&
      !meta_dormant(tie_find(&m->ties[b], (uint32_t)drop_b)->meta)) {
    make_dormant(m, b, drop_b, t);
    m->last.displaced++;
  }
  if (x->origin == SOCAP_ORIGIN_REACT) {
    double w = fmax(p->w_react, p->rho * e->peak);
    float peak = e->peak > (float)w ? e->peak : (float)w;
    tie_set_both(m, a, b, (float)w, peak, meta_make((uint32_t)t, 0, SOCAP_ORIGIN_REACT));
    count_after_change(m, a, +1, -1);
    count_after_change(m, b, +1, -1);
    m->last.revived++;
  } else {
    double w = x->origin == SOCAP_ORIGIN_INTRO ? p->w_intro : p->w0;
    tie_t ea = {(uint32_t)b, (float)w, (float)w, meta_make((uint32_t)t, 0, x->origin)};
    tie_t eb = ea;
    eb.nbr = (uint32_t)a;
    if (tie_append(m, &m->ties[a], ea) || tie_append(m, &m->ties[b], eb)) return SOCAP_ERUNTIME;
    count_after_change(m, a, +1, 0);
    count_after_change(m, b, +1, 0);
    if (x->origin == SOCAP_ORIGIN_INTRO) {
      /* The broker's ties to both gain gratitude. */
      int32_t br = (int32_t)x->proposer;
      int32_t ends[2] = {a, b};
      const uint32_t hint[2] = {x->ha, x->hb};
      for (int k = 0; k < 2; k++) {
        tie_t *g = tie_find(&m->ties[br], (uint32_t)ends[k]);
        if (!g || meta_dormant(g->meta)) continue;
        double wg = fmin(1.0, tie_w_at(m, g, t) + p->gratitude);
        float pk = g->peak > (float)wg ? g->peak : (float)wg;
        /* as tie_set_both, with the other end's entry where judging saw it */
        tie_set_ends(g, tie_find_hint(&m->ties[ends[k]], (uint32_t)br, hint[k]), (float)wg, pk,
                     meta_make((uint32_t)t, 0, meta_origin(g->meta)));
      }
    }
  }
  m->last.formed[x->origin]++;
  /* Displacement adds a dormant tie at both of its ends. */
  if (drop_a >= 0) { enforce_dormant_limit(m, a); enforce_dormant_limit(m, drop_a); }
  if (drop_b >= 0) { enforce_dormant_limit(m, b); enforce_dormant_limit(m, drop_b); }
  return SOCAP_OK;
}

/* ---- memory layout ------------------------------------------------------- */

/* Slot size for a list of n ties when repacking: room to grow a few steps. */
static inline uint32_t slot_for(uint32_t n) { return n + 4 + n / 8; }

/* Block k is due for repacking: more than an eighth of its lists have left
 * its arena. */
static int block_due(const socap_model *m, int32_t k) {
  const int32_t lo = k * ARENA_BLOCK, hi = lo + ARENA_BLOCK < m->n ? lo + ARENA_BLOCK : m->n;
  return m->blocks[k].n_moved > (hi - lo) / 8;
}

/* Lists ahead whose entries the repacking copy prefetches. */
#define REPACK_AHEAD 4

/* Repack block k's tie lists into a fresh arena in agent order once it is
 * due. Memory layout only: results do not depend on it. If the new arena
 * cannot be allocated the lists simply stay where they are. */
static void compact_block(socap_model *m, int32_t k) {
  ablock_t *blk = &m->blocks[k];
  int32_t lo = k * ARENA_BLOCK, hi = lo + ARENA_BLOCK < m->n ? lo + ARENA_BLOCK : m->n;
  if (!block_due(m, k)) return;
  size_t len = 0;
  for (int32_t i = lo; i < hi; i++) len += slot_for(m->ties[i].n);
  if (!len) return;
  /* the smallest pooled arena that is big enough, else a new one with an
   * eighth more room (pages it never touches cost nothing), so that the
   * arena this repack leaves fits another block's next repack */
  tie_t *na = NULL;
#pragma omp critical(socap_arena_pool)
  {
    int best = -1;
    for (int q = 0; q < m->n_apool; q++)
      if (socap_big_capacity(m->apool[q]) >= len * sizeof *na &&
          (best < 0 || socap_big_capacity(m->apool[q]) < socap_big_capacity(m->apool[best])))
        best = q;
    if (best >= 0) {
      na = m->apool[best];
      m->apool[best] = m->apool[--m->n_apool];
    }
  }
  if (!na) na = socap_big_alloc((len + len / 8) * sizeof *na);
  if (!na) return;
  size_t at = 0;
  for (int32_t i = lo; i < hi; i++) {
    tlist_t *l = &m->ties[i];
    /* lists that left the arena are scattered over the heap */
    if (i + REPACK_AHEAD < hi)
      socap_prefetch_range(m->ties[i + REPACK_AHEAD].t, (size_t)m->ties[i + REPACK_AHEAD].n * sizeof(tie_t));
    if (l->n) memcpy(na + at, l->t, (size_t)l->n * sizeof(tie_t));
    l->t = na + at;
    l->cap = slot_for(l->n);
    at += l->cap;
  }
  tie_t *old = blk->base;
#pragma omp critical(socap_arena_pool)
  if (old && m->n_apool < ARENA_POOL) {
    m->apool[m->n_apool++] = old;
    old = NULL;
  }
  socap_big_free(old);
  ov_release(m, blk);
  blk->base = na;
  blk->len = len;
  blk->n_moved = 0;
}

/* Blocks are repacked in parallel whenever two or more are due. (Until
 * repacks reused arenas and lists that left an arena went to per-block
 * chunks instead of malloc, two threads repacking together contended in the
 * kernel and in malloc's lock, and fewer than 8 due blocks went on one
 * thread; now two threads halve the repacking time at 5*10^4-10^5 agents:
 * performance-log.md item 63.) */
#define REPACK_PARALLEL_MIN 2

static void compact_ties(socap_model *m) {
  int32_t due = 0;
  for (int32_t k = 0; k < m->n_blocks; k++) due += block_due(m, k);
  if (due == 0) return;
  const int threads = due >= REPACK_PARALLEL_MIN ? m->nthreads : 1;
  m->repacks[0] += due;
  m->repacks[1] += threads > 1 ? due : 0;
#pragma omp parallel for schedule(dynamic, 1) num_threads(threads)
  for (int32_t k = 0; k < m->n_blocks; k++) compact_block(m, k);
}

/* ---- maintenance and decay (steps 6-7) ----------------------------------- */

/* Ties ahead whose other end's factor and strategy are prefetched: 9 MB at
 * N = 10^6, read at random, one of each per tie end. */
#define MT_AHEAD 16
/* the same for the vector form: longer distances measured slower (16, 32
 * and 64 against 8 at 10^6 agents) */
#define MT_AHEAD_VEC 8

/* The factor and strategy of the other end of tie ka of the list t (n
 * ties), ahead of their use; past its end, of tie ka - n of the next list
 * ln (nn ties). */
static inline void maint_prefetch(const socap_model *m, const tie_t *t, uint32_t n, const tlist_t *ln, uint32_t nn,
                                  uint32_t ka) {
  uint32_t j;
  if (ka < n) j = t[ka].nbr;
  else if (ka - n < nn) j = ln->t[ka - n].nbr;
  else return;
  __builtin_prefetch(&m->mfac[j]);
  __builtin_prefetch(&m->strat8[j]);
}

/* Phase B for one active tie end e (index k of its list): the symmetric
 * update w <- w + (1 - w)(1 - e^(-(h_i + h_j) / tau)), then the dormancy
 * test. Returns 1 if the tie went dormant. The factor and exponent of the
 * own end are @p own. */
static inline int maintain_entry(const socap_model *m, int t, maint_t own, tie_t *e) {
  const int32_t j = (int32_t)e->nbr;
  const double gi = own.focus, gj = m->sfocus[m->strat8[j]];
  double w = tie_w_active(m, e, t);
  /* Both ends compute the same sum (IEEE addition is commutative). */
  const double hi = own.mfac * (m->g012 ? pow012(w, gi) : powg(w, gi)),
               hj = m->mfac[j] * (m->g012 ? pow012(w, gj) : powg(w, gj));
  const double h = hi + hj;
  int changed = 0;
  if (h > 0) {
    w = w + (1.0 - w) * (1.0 - socap_expneg(-h / m->p.tau));
    changed = 1;
  }
  if (w < m->p.theta_dormant) {
    e->w = (float)w;
    e->meta = meta_make((uint32_t)t, 1, meta_origin(e->meta));
    return 1;
  }
  if (changed) {
    const float fw = (float)w;
    e->w = fw;
    e->peak = fw > e->peak ? fw : e->peak;
    e->meta = meta_make((uint32_t)t, 0, meta_origin(e->meta));
  }
  return 0;
}

/* Phase B, scalar, for the n ties at e (a vector form's group that it hands
 * over), writing their packed entries to ji if not NULL. Returns the number
 * that went dormant. */
static int32_t maintain_group(const socap_model *m, int t, maint_t own, tie_t *e, uint32_t n, uint32_t *ji) {
  int32_t da = 0;
  for (uint32_t q = 0; q < n; q++) {
    if (!meta_dormant(e[q].meta)) da += maintain_entry(m, t, own, &e[q]);
    if (ji) ji[q] = jn_entry(&e[q]);
  }
  return da;
}

/* Phase B over list l (the next list, ln with nn entries, is prefetched
 * into), writing the packed copy ji if there is one. Returns the number of
 * ties that went dormant. */
static int32_t maintain_list(const socap_model *m, int t, maint_t own, tlist_t *l, const tlist_t *ln, uint32_t nn,
                             uint32_t *ji) {
  int32_t da = 0;
  for (uint32_t k = 0; k < l->n; k++) {
    tie_t *e = &l->t[k];
    maint_prefetch(m, l->t, l->n, ln, nn, k + MT_AHEAD);
    if (!meta_dormant(e->meta)) da += maintain_entry(m, t, own, e);
    if (ji) ji[k] = jn_entry(e);
  }
  return da;
}

#ifdef SOCAP_HAVE_AVX512
/* maintain_list, eight ties at a time, for exponents in {0, 1, 2}: the same
 * operations lane by lane (socap_expneg8 is socap_expneg's twin), so the
 * same bits. A group of eight with a tie not updated for 64 steps or more
 * (the decay table ends there) goes through maintain_entry. */
SOCAP_TARGET_AVX512 static int32_t maintain_list_avx512(const socap_model *m, int t, maint_t own, tlist_t *l,
                                                        const tlist_t *ln, uint32_t nn, uint32_t *ji) {
  int32_t da = 0;
  const uint32_t n = l->n;
  /* dword k of a group of 8 records: field f of record r is at 4r + f */
  const __m512i pick_nbr = _mm512_setr_epi32(0, 4, 8, 12, 16, 20, 24, 28, 0, 0, 0, 0, 0, 0, 0, 0);
  const __m512i pick_w = _mm512_add_epi32(pick_nbr, _mm512_set1_epi32(1));
  const __m512i pick_pk = _mm512_add_epi32(pick_nbr, _mm512_set1_epi32(2));
  const __m512i pick_mt = _mm512_add_epi32(pick_nbr, _mm512_set1_epi32(3));
  /* back: record r's fields from lanes r of the four field vectors (nbr in
   * a, w in a's high half, peak in b, meta in b's high half) */
  const __m512i put_lo = _mm512_setr_epi32(0, 8, 16, 24, 1, 9, 17, 25, 2, 10, 18, 26, 3, 11, 19, 27);
  const __m512i put_hi = _mm512_setr_epi32(4, 12, 20, 28, 5, 13, 21, 29, 6, 14, 22, 30, 7, 15, 23, 31);
  const __m512d one = _mm512_set1_pd(1.0), two = _mm512_set1_pd(2.0), zero = _mm512_setzero_pd();
  const __m512d tau = _mm512_set1_pd(m->p.tau), theta = _mm512_set1_pd(m->p.theta_dormant);
  const __m512d fi = _mm512_set1_pd(own.mfac);
  const int gi1 = own.focus == 1.0, gi2 = own.focus == 2.0;
  const __m512i tv = _mm512_set1_epi32(t);
  const __m512i tmeta = _mm512_set1_epi32((int)((uint32_t)t & META_LAST_MASK));
  const __m512i lastmask = _mm512_set1_epi32((int)META_LAST_MASK), dorm = _mm512_set1_epi32((int)META_DORMANT);
  const __m512i orig = _mm512_set1_epi32((int)(3u << META_ORIGIN_SHIFT));
  for (uint32_t k = 0; k < n; k += 8) {
    const uint32_t left = n - k < 8 ? n - k : 8;
    const __mmask16 m8 = (__mmask16)((1u << left) - 1u);
    const __mmask16 m16a = (__mmask16)(left >= 4 ? 0xFFFFu : (1u << (4 * left)) - 1u);
    const __mmask16 m16b = (__mmask16)(left <= 4 ? 0u : left >= 8 ? 0xFFFFu : (1u << (4 * (left - 4))) - 1u);
    for (uint32_t q = 0; q < 8; q++) maint_prefetch(m, l->t, n, ln, nn, k + q + MT_AHEAD_VEC);
    tie_t *e = l->t + k;
    const __m512i ra = _mm512_maskz_loadu_epi32(m16a, e), rb = _mm512_maskz_loadu_epi32(m16b, e + 4);
    const __m512i nbr = _mm512_permutex2var_epi32(ra, pick_nbr, rb);
    const __m512i wv = _mm512_permutex2var_epi32(ra, pick_w, rb);
    const __m512i pk = _mm512_permutex2var_epi32(ra, pick_pk, rb);
    const __m512i meta = _mm512_permutex2var_epi32(ra, pick_mt, rb);
    const __mmask16 act = _mm512_mask_testn_epi32_mask(m8, meta, dorm);
    __m512i jv = _mm512_mask_or_epi32(nbr, m8 & ~act, nbr, _mm512_set1_epi32((int)JN_DORMANT));
    if (act) {
      const __m512i dt = _mm512_sub_epi32(tv, _mm512_and_si512(meta, lastmask));
      if (_mm512_mask_cmpge_epu32_mask(act, dt, _mm512_set1_epi32(64))) {
        /* a tie left alone for 64 steps or more, or from the future: the scalar form */
        da += maintain_group(m, t, own, e, left, ji ? ji + k : NULL);
        continue;
      }
      const __mmask8 a8 = (__mmask8)act;
      /* the other ends' factors and exponents */
      uint32_t nb[16];
      _mm512_storeu_si512(nb, nbr);
      double mf[8], gg[8];
      for (int q = 0; q < 8; q++) {
        mf[q] = m->mfac[nb[q]];
        gg[q] = m->sfocus[m->strat8[nb[q]]];
      }
      const __m512d mfj = _mm512_maskz_mov_pd(a8, _mm512_loadu_pd(mf));
      const __m512d gj = _mm512_maskz_mov_pd(a8, _mm512_loadu_pd(gg));
      const __m512d dec = _mm512_mask_i32gather_pd(one, a8, _mm512_castsi512_si256(dt), m->decay_tab, 8);
      __m512d w = _mm512_mul_pd(_mm512_cvtps_pd(_mm256_castsi256_ps(_mm512_castsi512_si256(wv))), dec);
      const __m512d w2 = _mm512_mul_pd(w, w);
      const __m512d pi = gi1 ? w : gi2 ? w2 : one;
      __m512d pj = _mm512_mask_blend_pd(_mm512_cmp_pd_mask(gj, one, _CMP_EQ_OQ), one, w);
      pj = _mm512_mask_blend_pd(_mm512_cmp_pd_mask(gj, two, _CMP_EQ_OQ), pj, w2);
      const __m512d h = _mm512_add_pd(_mm512_mul_pd(fi, pi), _mm512_mul_pd(mfj, pj));
      const __mmask8 ch = _mm512_mask_cmp_pd_mask(a8, h, zero, _CMP_GT_OQ);
      if (ch) {
        const __m512d x =
            _mm512_div_pd(_mm512_castsi512_pd(_mm512_xor_si512(_mm512_castpd_si512(h),
                                                               _mm512_set1_epi64((long long)0x8000000000000000ull))),
                          tau);
        const __m512d g = _mm512_sub_pd(one, socap_expneg8(x));
        w = _mm512_mask_add_pd(w, ch, w, _mm512_mul_pd(_mm512_sub_pd(one, w), g));
      }
      const __mmask8 dn = _mm512_mask_cmp_pd_mask(a8, w, theta, _CMP_LT_OQ);
      const __mmask8 up = (__mmask8)(dn | ch); /* records written */
      if (up) {
        const __m512i fw = _mm512_castsi256_si512(_mm256_castps_si256(_mm512_cvtpd_ps(w)));
        const __m512i nw = _mm512_mask_mov_epi32(wv, up, fw);
        const __m512i mx = _mm512_castps_si512(_mm512_max_ps(_mm512_castsi512_ps(fw), _mm512_castsi512_ps(pk)));
        const __m512i npk = _mm512_mask_mov_epi32(pk, ch & ~dn, mx);
        __m512i nmeta = _mm512_or_si512(tmeta, _mm512_and_si512(meta, orig));
        nmeta = _mm512_mask_or_epi32(nmeta, dn, nmeta, dorm);
        nmeta = _mm512_mask_mov_epi32(meta, up, nmeta);
        const __m512i a = _mm512_inserti64x4(nbr, _mm512_castsi512_si256(nw), 1);
        const __m512i b = _mm512_inserti64x4(npk, _mm512_castsi512_si256(nmeta), 1);
        _mm512_mask_storeu_epi32(e, m16a, _mm512_permutex2var_epi32(a, put_lo, b));
        if (m16b) _mm512_mask_storeu_epi32(e + 4, m16b, _mm512_permutex2var_epi32(a, put_hi, b));
        jv = _mm512_mask_or_epi32(jv, dn, jv, _mm512_set1_epi32((int)JN_DORMANT));
        da += __builtin_popcount(dn);
      }
    }
    if (ji) _mm512_mask_storeu_epi32(ji + k, m8, jv);
  }
  return da;
}
#endif

#ifdef SOCAP_HAVE_AVX2
/* Lane masks for four 32-bit and four 64-bit lanes from a 4-bit mask. */
SOCAP_TARGET_AVX2 static inline __m128i lanes4_32(unsigned b) {
  return _mm_set_epi32(-(int)((b >> 3) & 1u), -(int)((b >> 2) & 1u), -(int)((b >> 1) & 1u), -(int)(b & 1u));
}
SOCAP_TARGET_AVX2 static inline __m256d lanes4_64(unsigned b) {
  return _mm256_castsi256_pd(_mm256_cvtepi32_epi64(lanes4_32(b)));
}

/* maintain_list, four ties at a time with AVX2, for exponents in {0, 1, 2}:
 * the same operations lane by lane as maintain_entry (socap_expneg4 is
 * socap_expneg's twin), so the same bits. A group of four with a tie not
 * updated for 64 steps or more (the decay table ends there) goes through
 * maintain_entry. The records are transposed in registers: two 32-byte
 * loads give the four fields of four ties. */
SOCAP_TARGET_AVX2 static int32_t maintain_list_avx2(const socap_model *m, int t, maint_t own, tlist_t *l,
                                                    const tlist_t *ln, uint32_t nn, uint32_t *ji) {
  int32_t da = 0;
  const uint32_t n = l->n;
  /* records r0 r1 in a register: r0.f0 r1.f0 r0.f1 r1.f1 ... and back */
  const __m256i gather_f = _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7);
  const __m256i scatter_f = _mm256_setr_epi32(0, 2, 4, 6, 1, 3, 5, 7);
  const __m256d one = _mm256_set1_pd(1.0), two = _mm256_set1_pd(2.0), zero = _mm256_setzero_pd();
  const __m256d tau = _mm256_set1_pd(m->p.tau), theta = _mm256_set1_pd(m->p.theta_dormant);
  const __m256d fi = _mm256_set1_pd(own.mfac);
  const __m256d sign = _mm256_castsi256_pd(_mm256_set1_epi64x((long long)0x8000000000000000ull));
  const int gi1 = own.focus == 1.0, gi2 = own.focus == 2.0;
  const __m128i tv = _mm_set1_epi32(t);
  const __m128i tmeta = _mm_set1_epi32((int)((uint32_t)t & META_LAST_MASK));
  const __m128i lastmask = _mm_set1_epi32((int)META_LAST_MASK), dorm = _mm_set1_epi32((int)META_DORMANT);
  const __m128i orig = _mm_set1_epi32((int)(3u << META_ORIGIN_SHIFT)), jdorm = _mm_set1_epi32((int)JN_DORMANT);
  const __m128i big = _mm_set1_epi32(63);
  for (uint32_t k = 0; k < n; k += 4) {
    const uint32_t left = n - k < 4 ? n - k : 4;
    const unsigned m4 = (1u << left) - 1u;
    for (uint32_t q = 0; q < 4; q++) maint_prefetch(m, l->t, n, ln, nn, k + q + MT_AHEAD_VEC);
    tie_t *e = l->t + k;
    /* dwords of records 0-1 and 2-3: plain loads and stores for a whole
     * group, masked ones only for a short last group (a masked store is
     * slow on AMD's Zen 3: plain ones made maintenance some 15% faster at
     * 10^5 agents, performance-log.md item 55) */
    const __m256i lv = _mm256_set1_epi32((int)left);
    const __m256i ma = _mm256_cmpgt_epi32(lv, _mm256_setr_epi32(0, 0, 0, 0, 1, 1, 1, 1));
    const __m256i mb = _mm256_cmpgt_epi32(lv, _mm256_setr_epi32(2, 2, 2, 2, 3, 3, 3, 3));
    __m256i ra, rb;
    if (left == 4) {
      ra = _mm256_permutevar8x32_epi32(_mm256_loadu_si256((const __m256i *)(void *)e), gather_f);
      rb = _mm256_permutevar8x32_epi32(_mm256_loadu_si256((const __m256i *)(void *)(e + 2)), gather_f);
    } else {
      ra = _mm256_permutevar8x32_epi32(_mm256_maskload_epi32((const int *)(void *)e, ma), gather_f);
      rb = left > 2 ? _mm256_permutevar8x32_epi32(_mm256_maskload_epi32((const int *)(void *)(e + 2), mb), gather_f)
                    : _mm256_setzero_si256();
    }
    const __m256i x = _mm256_unpacklo_epi64(ra, rb); /* nbr | peak */
    const __m256i y = _mm256_unpackhi_epi64(ra, rb); /* w | meta */
    const __m128i nbr = _mm256_castsi256_si128(x), pk = _mm256_extracti128_si256(x, 1);
    const __m128i wv = _mm256_castsi256_si128(y), meta = _mm256_extracti128_si256(y, 1);
    const unsigned act = m4 & ~(unsigned)_mm_movemask_ps(_mm_castsi128_ps(_mm_slli_epi32(meta, 31 - 28)));
    __m128i jv = _mm_or_si128(nbr, _mm_andnot_si128(lanes4_32(act), jdorm));
    if (act) {
      const __m128i dt = _mm_sub_epi32(tv, _mm_and_si128(meta, lastmask));
      /* dt >= 64 as unsigned (dt < 0 too): the scalar form */
      const __m128i near = _mm_cmpeq_epi32(_mm_min_epu32(dt, big), dt);
      if (~(unsigned)_mm_movemask_ps(_mm_castsi128_ps(near)) & act) {
        da += maintain_group(m, t, own, e, left, ji ? ji + k : NULL);
        continue;
      }
      const __m256d a64 = lanes4_64(act);
      /* the other ends' factors and exponents (a lane past the list's end
       * holds neighbour 0) */
      uint32_t nb[4];
      _mm_storeu_si128((__m128i *)(void *)nb, nbr);
      const __m256d mfj =
          _mm256_and_pd(a64, _mm256_setr_pd(m->mfac[nb[0]], m->mfac[nb[1]], m->mfac[nb[2]], m->mfac[nb[3]]));
      const __m256d gj = _mm256_and_pd(a64, _mm256_setr_pd(m->sfocus[m->strat8[nb[0]]], m->sfocus[m->strat8[nb[1]]],
                                                            m->sfocus[m->strat8[nb[2]]], m->sfocus[m->strat8[nb[3]]]));
      const __m256d dec = _mm256_mask_i32gather_pd(one, m->decay_tab, _mm_and_si128(dt, big), a64, 8);
      __m256d w = _mm256_mul_pd(_mm256_cvtps_pd(_mm_castsi128_ps(wv)), dec);
      const __m256d w2 = _mm256_mul_pd(w, w);
      const __m256d pi = gi1 ? w : gi2 ? w2 : one;
      __m256d pj = _mm256_blendv_pd(one, w, _mm256_cmp_pd(gj, one, _CMP_EQ_OQ));
      pj = _mm256_blendv_pd(pj, w2, _mm256_cmp_pd(gj, two, _CMP_EQ_OQ));
      const __m256d h = _mm256_add_pd(_mm256_mul_pd(fi, pi), _mm256_mul_pd(mfj, pj));
      const unsigned ch = act & (unsigned)_mm256_movemask_pd(_mm256_cmp_pd(h, zero, _CMP_GT_OQ));
      if (ch) {
        const __m256d xx = _mm256_div_pd(_mm256_xor_pd(h, sign), tau);
        const __m256d g = _mm256_sub_pd(one, socap_expneg4(xx));
        w = _mm256_blendv_pd(w, _mm256_add_pd(w, _mm256_mul_pd(_mm256_sub_pd(one, w), g)), lanes4_64(ch));
      }
      const unsigned dn = act & (unsigned)_mm256_movemask_pd(_mm256_cmp_pd(w, theta, _CMP_LT_OQ));
      const unsigned up = dn | ch; /* records written */
      if (up) {
        const __m128i upm = lanes4_32(up), dnm = lanes4_32(dn);
        const __m128i fw = _mm_castps_si128(_mm256_cvtpd_ps(w));
        const __m128i nw = _mm_blendv_epi8(wv, fw, upm);
        const __m128i mx = _mm_castps_si128(_mm_max_ps(_mm_castsi128_ps(fw), _mm_castsi128_ps(pk)));
        const __m128i npk = _mm_blendv_epi8(pk, mx, lanes4_32(ch & ~dn));
        __m128i nmeta = _mm_or_si128(tmeta, _mm_and_si128(meta, orig));
        nmeta = _mm_or_si128(nmeta, _mm_and_si128(dnm, dorm));
        nmeta = _mm_blendv_epi8(meta, nmeta, upm);
        const __m256i xo = _mm256_inserti128_si256(_mm256_castsi128_si256(nbr), npk, 1);
        const __m256i yo = _mm256_inserti128_si256(_mm256_castsi128_si256(nw), nmeta, 1);
        const __m256i o0 = _mm256_permutevar8x32_epi32(_mm256_unpacklo_epi64(xo, yo), scatter_f);
        const __m256i o1 = _mm256_permutevar8x32_epi32(_mm256_unpackhi_epi64(xo, yo), scatter_f);
        if (left == 4) {
          _mm256_storeu_si256((__m256i *)(void *)e, o0);
          _mm256_storeu_si256((__m256i *)(void *)(e + 2), o1);
        } else {
          _mm256_maskstore_epi32((int *)(void *)e, ma, o0);
          if (left > 2) _mm256_maskstore_epi32((int *)(void *)(e + 2), mb, o1);
        }
        jv = _mm_or_si128(jv, _mm_and_si128(dnm, jdorm));
        da += __builtin_popcount(dn);
      }
    }
    if (ji) {
      if (left == 4) _mm_storeu_si128((__m128i *)(void *)(ji + k), jv);
      else _mm_maskstore_epi32((int *)(void *)(ji + k), lanes4_32(m4), jv);
    }
  }
  return da;
}
#endif

static void maintain_and_decay(socap_model *m, int t) {
  int32_t n = m->n;
  /* Phase A: each agent's time per unit of w^gamma. */
#pragma omp parallel for schedule(dynamic, 256)
  for (int32_t i = 0; i < n; i++) {
    const socap_strategy *s = strat_of(m, i);
    double mt = strat_spent(m, i, s->maintain), sum = 0;
    tlist_t *l = &m->ties[i];
    /* the whole list four agents ahead, and its header eight ahead: the
     * sort's binary searches probe the list at random, each probe a miss
     * when only its first line was fetched (performance-log.md item 59) */
    if (i + 4 < n) socap_prefetch_range(m->ties[i + 4].t, sizeof(tie_t) * m->ties[i + 4].n);
    if (i + 8 < n) __builtin_prefetch(&m->ties[i + 8]);
    tie_sort_new(l);
    if (mt > 0)
      for (uint32_t k = 0; k < l->n; k++)
        if (!meta_dormant(l->t[k].meta)) sum += powg(tie_w_active(m, &l->t[k], t), s->focus);
    m->mfac[i] = (mt > 0 && sum > 0) ? mt / sum : 0.0;
  }
  double c0 = omp_get_wtime();
  compact_ties(m);
  double dt = omp_get_wtime() - c0; /* booked as layout, not maintenance */
  m->phase_s[SOCAP_PHASE_LAYOUT] += dt;
  m->phase_s[SOCAP_PHASE_MAINTAIN] -= dt;
  /* Offsets of the packed lists that phase B writes (list lengths are final
   * now). Without memory for them judging reads the store. */
  int64_t tot = 0;
  for (int32_t i = 0; i < n; i++) {
    m->who[i].joff = tot;
    m->who[i].jlen = m->ties[i].n + JN_HDR < 255 ? (uint8_t)(m->ties[i].n + JN_HDR) : 255;
    m->who[i].vneed = m->p.strategies[m->who[i].strategy].selectivity > 0 ||
                      m->ties[i].nact >= m->p.dunbar_limit - NEAR_CAP_SLACK;
    tot += m->ties[i].n + JN_HDR;
  }
  m->who[n].joff = tot;
  if ((size_t)tot > m->jcap) {
    socap_big_free(m->jn);
    m->jcap = (size_t)tot + (size_t)tot / 4 + 1024;
    m->jn = socap_big_alloc(m->jcap * sizeof *m->jn);
    if (!m->jn) m->jcap = 0;
  }
  uint32_t *jn = m->no_packed ? NULL : m->jn;
  m->jvalid = jn != NULL;
  /* Phase B: each end updates its own copy with the same symmetric formula.
   * The other ends' factors are random reads: prefetched a few ties ahead. */
  int64_t dormant2 = 0;
#ifdef SOCAP_HAVE_AVX512
  const int vec = m->g012 ? socap_simd_level() : 0;
#endif
#pragma omp parallel for schedule(dynamic, 256) reduction(+ : dormant2)
  for (int32_t i = 0; i < n; i++) {
    tlist_t *l = &m->ties[i];
    const maint_t own = {m->mfac[i], m->sfocus[m->strat8[i]]};
    /* the next list (for the prefetches that run past this one's end) */
    const tlist_t *ln = i + 1 < n ? &m->ties[i + 1] : l;
    const uint32_t nn = i + 1 < n ? ln->n : 0;
    if (i + 2 < n) {
      socap_prefetch_range(m->ties[i + 2].t, sizeof(tie_t) * (m->ties[i + 2].n < MT_AHEAD ? m->ties[i + 2].n : MT_AHEAD));
    }
    if (i + 4 < n) __builtin_prefetch(&m->ties[i + 4]);
    uint32_t *jh = jn ? jn + m->who[i].joff : NULL, *ji = jh ? jh + JN_HDR : NULL; /* header, entries */
    m->jdirty[i] = 0;
    int32_t da;
#ifdef SOCAP_HAVE_AVX512
    if (vec == SOCAP_SIMD_AVX512)
      da = maintain_list_avx512(m, t, own, l, ln, nn, ji);
    else if (vec == SOCAP_SIMD_AVX2)
      da = maintain_list_avx2(m, t, own, l, ln, nn, ji);
    else
#endif
      da = maintain_list(m, t, own, l, ln, nn, ji);
    count_after_change(m, i, -da, +da);
    dormant2 += da;
    if (jh) {
      jh[0] = l->n;
      jh[1] = (uint32_t)l->nact;
    }
  }
  m->last.went_dormant += dormant2 / 2;
  for (int32_t i = 0; i < n; i++)
    if (m->ties[i].ndor > m->p.dormant_limit) enforce_dormant_limit(m, i);
}

/* ---- information flow (step 8) ------------------------------------------- */

/* Entries ahead whose stamp, or receipts ahead whose counters, are prefetched. */
#define INFO_AHEAD 8

static int info_flow(socap_model *m, int t) {
  const socap_params *p = &m->p;
  int32_t n = m->n;
  int items = p->info_items;
  if (items <= 0 || p->info_hops <= 0) return SOCAP_OK;
  int64_t received = 0;
  int fail = 0;
#pragma omp parallel num_threads(m->nthreads) reduction(+ : received) reduction(| : fail)
  {
    gsl_rng *r = gsl_rng_alloc(socap_rng_philox);
    tscratch_t *sc = &m->scr[omp_get_thread_num()];
    uint32_t *seen = sc->seen;
    int32_t *front = sc->front, *next = sc->next;
    struct inf_rx *rx = sc->rx;
    uint32_t stamp = sc->stamp; /* private while running: no false sharing */
    if (!r) fail = 1;
    if (r) {
#pragma omp for schedule(dynamic, 4)
      for (int c = 0; c < items; c++) {
        socap_rng_stream(r, p->seed, m->task, (uint32_t)c, (uint32_t)t, SOCAP_RNG_INFO);
        int32_t src = (int32_t)gsl_rng_uniform_int(r, (unsigned long)n);
        int32_t gsrc = m->group[src];
        if (++stamp == 0) { /* wrapped: forget all stamps */
          memset(seen, 0, (size_t)n * sizeof *seen);
          stamp = 1;
        }
        seen[src] = stamp;
        int32_t nf = 1;
        front[0] = src;
        for (int hop = 1; hop <= p->info_hops && nf > 0; hop++) {
          int32_t nn = 0;
          for (int32_t f = 0; f < nf; f++) {
            if (f + 4 < nf) __builtin_prefetch(&m->ties[front[f + 4]]);
            if (f + 2 < nf) socap_prefetch_range(m->ties[front[f + 2]].t, 4 * sizeof(tie_t));
            int32_t u = front[f];
            const tlist_t *l = &m->ties[u];
            for (uint32_t k = 0; k < l->n; k++) {
              const tie_t *e = &l->t[k];
              if (k + INFO_AHEAD < l->n) __builtin_prefetch(&seen[l->t[k + INFO_AHEAD].nbr]);
              if (meta_dormant(e->meta) || seen[e->nbr] == stamp) continue;
              /* one 32-bit draw per attempt: P(u < p w 2^32) = p w */
              if ((double)gsl_rng_get(r) < p->p_pass * tie_w_at(m, e, t) * 4294967296.0) {
                seen[e->nbr] = stamp;
                next[nn++] = (int32_t)e->nbr;
              }
            }
          }
          /* the receipts go to this thread's own counters (no atomics, no
           * cache line shared with the other threads), fetched ahead; the
           * agents' groups are read from their records */
          for (int32_t f = 0; f < nn; f++) {
            if (f + INFO_AHEAD < nn) {
              __builtin_prefetch(&rx[next[f + INFO_AHEAD]], 1);
              __builtin_prefetch(&m->info[next[f + INFO_AHEAD]].group);
            }
            struct inf_rx *x = &rx[next[f]];
            x->recv++;
            x->hops += (uint64_t)hop;
            x->outside += m->info[next[f]].group != gsrc;
          }
          received += nn;
          int32_t *tmp = front; front = next; next = tmp;
          nf = nn;
        }
      }
    }
    sc->stamp = stamp;
    gsl_rng_free(r);
  }
  /* every thread's receipts into the agents' counters (integer sums: the
   * same for any thread count), clearing them for the next step */
  if (received > 0) {
    const int nt = m->nthreads;
#pragma omp parallel for schedule(static) num_threads(m->nthreads)
    for (int32_t i = 0; i < n; i++) {
      uint32_t recv = 0, outside = 0;
      uint64_t hops = 0;
      for (int k = 0; k < nt; k++) {
        struct inf_rx *x = &m->scr[k].rx[i];
        if (x->recv == 0) continue;
        recv += x->recv;
        outside += x->outside;
        hops += x->hops;
        *x = (struct inf_rx){0, 0, 0};
      }
      if (recv == 0) continue;
      socap_info_counts *iv = &m->info[i];
      iv->window += recv;
      iv->total += recv;
      iv->hops += hops;
      iv->outside += outside;
      iv->outside_window += outside;
    }
  }
  m->last.info_received += received;
  return fail ? SOCAP_ERROR(SOCAP_ERUNTIME, "out of memory in the information flow") : SOCAP_OK;
}

/* ---- turnover (step 9) ----------------------------------------------------- */

static void turnover(socap_model *m, int t) {
  const socap_params *p = &m->p;
  if (p->p_leave <= 0) return;
  int32_t n = m->n;
#pragma omp parallel
  {
    gsl_rng *r = gsl_rng_alloc(socap_rng_philox);
#pragma omp for schedule(static)
    for (int32_t i = 0; i < n; i++) {
      socap_rng_stream(r, p->seed, m->task, (uint32_t)i, (uint32_t)t, SOCAP_RNG_TURNOVER);
      m->leaving[i] = gsl_rng_uniform(r) < p->p_leave;
    }
    gsl_rng_free(r);
  }
  for (int32_t i = 0; i < n; i++) {
    if (!m->leaving[i]) continue;
    tlist_t *l = &m->ties[i];
    for (uint32_t k = 0; k < l->n; k++) {
      int32_t j = (int32_t)l->t[k].nbr;
      int dormant = meta_dormant(l->t[k].meta);
      tie_erase(&m->ties[j], (uint32_t)i);
      jn_stale(m, j);
      count_after_change(m, j, dormant ? 0 : -1, dormant ? -1 : 0);
      if (dormant) m->last.forgotten++;
      else m->last.ended_by_turnover++;
    }
    l->n = l->ns = 0;
    jn_stale(m, i);
    m->ties[i].nact = m->ties[i].ndor = 0;
    m->ties[i].q = 0.5f;
    m->info[i].window = m->info[i].total = m->info[i].outside = m->info[i].outside_window = 0;
    m->info[i].hops = 0;
    m->last.left++;
  }
}

/* ---- the step ----------------------------------------------------------- */

/* Prefetch distances (proposals ahead) for the latency-bound judging loop. */
#define PF_FAR 24
#define PF_NEAR 12
/* and for the serial resolution */
#define RS_FAR 16
/* proposals whose first stream blocks judging computes together */
#define JB_BATCH 64
#define RS_NEAR 8

/* The values of both sides of proposal x, given x->a's active contacts
 * marked in act[] and the two value-noise draws: the non-redundancy (the
 * common-contact count is symmetric: one count serves both sides), the
 * homophily bonus and the noise, on the network as judging sees it. */
static void set_values(const socap_model *m, prop_t *x, const uint64_t *act, double na, double nb) {
  const socap_params *p = &m->p;
  const int32_t act_a = active_at_start(m, (int32_t)x->a), act_b = active_at_start(m, (int32_t)x->b);
  uint32_t common = act_a ? count_agent(m, (int32_t)x->b, act) : 0;
  const double h = m->who[x->a].group == m->who[x->b].group ? p->homophily : 0.0;
  x->va = (float)(nonredundancy(common, act_b) + h + p->value_noise * na);
  x->vb = (float)(nonredundancy(common, act_a) + h + p->value_noise * nb);
  x->vok = 1;
}

/* Step 5a for proposals [k0, k1): values of both sides and the skill draw,
 * on the network as it stood after step 4. Each proposal has its own
 * stream. Proposals come grouped by their first person a (the proposer, or a
 * broker's contact), so a's contacts are marked in two bitsets (any tie,
 * active tie) once per run of proposals with the same a; then "already tied"
 * is one bit test and the common-contact count one pass over b's list. */
static void judge_range(socap_model *m, gsl_rng *r, uint64_t *any, uint64_t *act, int64_t k0, int64_t k1, int t) {
  const socap_params *p = &m->p;
  const int64_t np = (int64_t)m->props.n;
  const int jvalid = m->jvalid;
  int64_t cur = -1;
  /* the first block of each proposal's stream, JB_BATCH proposals at a time */
  uint32_t blk[JB_BATCH][4], who_[JB_BATCH], seq_[JB_BATCH];
  for (int64_t k = k0; k < k1; k++) {
    if ((k - k0) % JB_BATCH == 0) {
      const int64_t nb = k1 - k < JB_BATCH ? k1 - k : JB_BATCH;
      for (int64_t q = 0; q < nb; q++) {
        who_[q] = m->props.p[k + q].proposer;
        seq_[q] = m->props.p[k + q].seq;
      }
      socap_rng_first_blocks(p->seed, m->task, (uint32_t)t, SOCAP_RNG_JUDGE, (size_t)nb, who_, seq_, blk);
    }
    /* memory-latency bound: fetch b's list header, then its first lines, ahead */
    if (k + PF_FAR < np) {
      uint32_t bf = m->props.p[k + PF_FAR].b;
      __builtin_prefetch(&m->who[bf]); /* with the offset of b's packed list */
      if (!jvalid) {
        __builtin_prefetch(&m->ties[bf]); /* with b's counts */
      }
      /* a new first person (a broker's contact can be anyone): their offset,
       * then below their whole list, which is marked */
      const uint32_t af = m->props.p[k + PF_FAR].a;
      if (jvalid && af != m->props.p[k + PF_FAR - 1].a) __builtin_prefetch(&m->who[af].joff);
    }
    if (k + PF_NEAR < np) {
      uint32_t bn = m->props.p[k + PF_NEAR].b;
      if (jvalid) {
        const uint32_t an = m->props.p[k + PF_NEAR].a;
        if (m->who[bn].vneed || m->who[an].vneed || m->props.p[k + PF_NEAR].origin == SOCAP_ORIGIN_INTRO) {
          /* b's list is counted, or searched for the broker: its first lines */
          const uint32_t *e = m->jn + m->who[bn].joff;
          int64_t ne = m->who[bn].jlen; /* the slot: the header and at least the list */
          for (int64_t x = 0; x < ne && x < 130; x += 16) __builtin_prefetch(e + x);
        }
        if (an != m->props.p[k + PF_NEAR - 1].a)
          socap_prefetch_range(m->jn + m->who[an].joff, sizeof(uint32_t) * (size_t)(m->who[an + 1].joff - m->who[an].joff));
      } else {
        const tie_t *tb = m->ties[bn].t;
        __builtin_prefetch(tb);
        __builtin_prefetch(tb + 4);
        __builtin_prefetch(tb + 8);
        __builtin_prefetch(tb + 12);
      }
    }
    prop_t *x = &m->props.p[k];
    if (x->a == x->b) { x->skip = 1; continue; }
    if ((int64_t)x->a != cur) {
      if (cur >= 0) mark_agent(m, (int32_t)cur, any, act, 0);
      cur = x->a;
      mark_agent(m, (int32_t)cur, any, act, 1);
    }
    /* Encounters with someone already tied (active or dormant) at the start
     * of the step change nothing; finding them here, in parallel, keeps
     * them out of the serial resolution. */
    if (x->origin != SOCAP_ORIGIN_REACT && (any[MW(x->b)] >> (x->b & 63) & 1u)) {
      x->skip = 1;
      continue;
    }
    socap_rng_substream_from(r, p->seed, m->task, x->proposer, (uint32_t)t, SOCAP_RNG_JUDGE, x->seq,
                             blk[(k - k0) % JB_BATCH]);
    double na = gsl_ran_gaussian_ziggurat(r, 1.0), nb = gsl_ran_gaussian_ziggurat(r, 1.0);
    float u = (float)gsl_rng_uniform(r); /* the skill draw */
    /* what the serial resolution would otherwise read at random: strategies
     * and the skill test (both fixed during the step) */
    const who_t wa = m->who[x->a], wb = m->who[x->b];
    x->sa = wa.strategy;
    x->sb = wb.strategy;
    x->skill_ok = u < p->cohorts[wa.cohort].skill * p->cohorts[wb.cohort].skill;
    /* The values decide only for a selective person, or at the Dunbar
     * limit: otherwise they are left for the resolution to compute if it
     * turns out to need them (resolve_values; with the store as judging's
     * view, which the resolution changes, they are always computed here). */
    x->vok = !jvalid || wa.vneed || wb.vneed || m->eager_values;
    if (x->vok) set_values(m, x, act, na, nb);
    /* an introduction that may form a tie: where the broker is in a's and
     * b's lists (the packed lists are in the store's order) */
    if (jvalid && x->origin == SOCAP_ORIGIN_INTRO && x->skill_ok) {
      const uint32_t ia = jn_index(m, x->a, x->proposer), ib = jn_index(m, x->b, x->proposer);
      x->ha = ia < NO_HINT ? (uint16_t)ia : NO_HINT;
      x->hb = ib < NO_HINT ? (uint16_t)ib : NO_HINT;
    }
  }
  if (cur >= 0) mark_agent(m, (int32_t)cur, any, act, 0); /* leave the bitsets clear */
}

/* Step 5b for proposals [k0, k1), in order; those before @p lim are judged
 * and may be read ahead. The loop is bound by cache misses on b (its
 * quantile, counts, list header, and the end of its list, where a new tie is
 * appended): fetched in two stages ahead. */
static int resolve_range(socap_model *m, int64_t k0, int64_t k1, int64_t lim, int t, gsl_rng *r, uint64_t *any,
                         uint64_t *act) {
  int rc = SOCAP_OK;
  for (int64_t k = k0; k < k1 && rc == SOCAP_OK; k++) {
    /* Both headers (with the counts and quantiles) are fetched for every
     * proposal; a proposal that failed the skill test is rejected whatever
     * the state (it reads only the quantiles and a's new entries), so the
     * ends of the lists are fetched only for the others. */
    if (k + RS_FAR < lim && !m->props.p[k + RS_FAR].skip) {
      const prop_t *y = &m->props.p[k + RS_FAR];
      __builtin_prefetch(&m->ties[y->a]);
      __builtin_prefetch(&m->ties[y->b]); /* with b's counts and quantile */
    }
    if (k + RS_NEAR < lim && !m->props.p[k + RS_NEAR].skip && m->props.p[k + RS_NEAR].skill_ok) {
      const prop_t *y = &m->props.p[k + RS_NEAR];
      const tlist_t *lb = &m->ties[y->b], *la = &m->ties[y->a];
      if (lb->t) __builtin_prefetch(lb->t + lb->n, 1);
      if (la->t) __builtin_prefetch(la->t + la->ns, 1);
      if (y->origin == SOCAP_ORIGIN_INTRO) { /* the entries that gratitude updates */
        if (y->ha < la->n) __builtin_prefetch(la->t + y->ha, 1);
        if (y->hb < lb->n) __builtin_prefetch(lb->t + y->hb, 1);
      }
    }
    rc = resolve(m, &m->props.p[k], t, r, any, act);
  }
  return rc;
}


#if defined(__x86_64__) || defined(__i386__)
#define CPU_RELAX() __builtin_ia32_pause()
#else
#define CPU_RELAX() ((void)0)
#endif

/* Steps 5a and 5b together. The proposals are judged in chunks, in
 * parallel; thread 0 resolves them in order as their chunks are done, and
 * judges a chunk itself whenever the next one to resolve is not ready. The
 * serial resolution thus runs alongside the judging instead of after it.
 * Judging reads only what the resolution does not write (the packed lists,
 * with their counts, and the per-agent records), so its results, and hence
 * the resolution's, are those of running the two one after the other. When
 * the packed lists are missing judging reads the tie store, and then all
 * chunks are judged before thread 0 resolves any. Books the resolver's time
 * as resolution, the rest of the phase as judging. */
static int judge_and_resolve(socap_model *m, int t, double *resolve_s) {
  const int64_t np = (int64_t)m->props.n, CH = m->jr_chunk;
  const int64_t nch = (np + CH - 1) / CH;
#define CHUNK_END(c) ((c) + 1 < nch ? ((c) + 1) * CH : np) /* one past chunk c's last proposal */
  const int overlap = m->jvalid;
  uint8_t *done = calloc((size_t)(nch > 0 ? nch : 1), 1);
  if (!done) return SOCAP_ERROR(SOCAP_ERUNTIME, "out of memory in the judging phase");
  int64_t next = 0, ndone = 0; /* chunks claimed, chunks judged (atomics) */
  int fail = 0, rc = SOCAP_OK; /* fail: a thread could not judge (atomic) */
  double rs = 0;
#pragma omp parallel num_threads(m->nthreads)
  {
    gsl_rng *r = gsl_rng_alloc(socap_rng_philox);
    uint64_t *any = m->scr[omp_get_thread_num()].any, *act = m->scr[omp_get_thread_num()].act;
    const int resolver = omp_get_thread_num() == 0;
    if (!r) __atomic_store_n(&fail, 1, __ATOMIC_RELAXED);
    int64_t k = 0; /* the resolver's next proposal */
    unsigned spins = 0;
    for (;;) {
      if (resolver && rc == SOCAP_OK && !__atomic_load_n(&fail, __ATOMIC_RELAXED) && k < np) {
        const int64_t c = k / CH;
        const int ready = overlap ? __atomic_load_n(&done[c], __ATOMIC_ACQUIRE)
                                  : __atomic_load_n(&ndone, __ATOMIC_ACQUIRE) == nch;
        if (ready) {
          /* resolve the chunk; read ahead into the next one if it is done */
          int64_t k1 = CHUNK_END(c), lim = k1;
          if (c + 1 < nch && (!overlap || __atomic_load_n(&done[c + 1], __ATOMIC_ACQUIRE)))
            lim = CHUNK_END(c + 1);
          double t0 = omp_get_wtime();
          rc = resolve_range(m, k, k1, lim, t, r, any, act);
          rs += omp_get_wtime() - t0;
          k = k1;
          continue;
        }
      }
      const int64_t j = __atomic_fetch_add(&next, 1, __ATOMIC_RELAXED);
      if (j < nch) {
        if (r) judge_range(m, r, any, act, j * CH, CHUNK_END(j), t);
        __atomic_store_n(&done[j], 1, __ATOMIC_RELEASE);
        __atomic_fetch_add(&ndone, 1, __ATOMIC_ACQ_REL);
        continue;
      }
      /* nothing left to claim */
      if (!resolver || rc != SOCAP_OK || __atomic_load_n(&fail, __ATOMIC_RELAXED) || k >= np) break;
      /* the chunk to resolve is being judged by another thread: spin briefly,
       * then yield the core (it may be shared with that thread) */
      if (++spins % 1024 == 0) sched_yield();
      else CPU_RELAX();
    }
    gsl_rng_free(r);
  }
#undef CHUNK_END
  free(done);
  *resolve_s = rs;
  if (fail) return SOCAP_ERROR(SOCAP_ERUNTIME, "out of memory in the judging phase");
  if (rc) return SOCAP_ERROR(SOCAP_ERUNTIME, "out of memory resolving proposals");
  return SOCAP_OK;
}

int socap_model_step(socap_model *m) {
  int t = m->t + 1;
  int32_t n = m->n;
  int rc = SOCAP_OK;
  memset(&m->last, 0, sizeof m->last);
  double clk = omp_get_wtime(), clk2;
#define PHASE_DONE(ph) (clk2 = omp_get_wtime(), m->phase_s[ph] += clk2 - clk, clk = clk2)
  if (m->ties_released) return SOCAP_ERROR(SOCAP_ERUNTIME, "the model's ties were released: it cannot step");
  if (t > (int)META_LAST_MASK) return SOCAP_ERROR(SOCAP_ERUNTIME, "step %d exceeds the tie store's step range", t);
  jn_refresh(m); /* booked with the proposals */

  /* Steps 1-4: proposals, in parallel, by chunks of agents taken as
   * threads finish; each thread's buffer holds its chunks in the order it
   * took them, and copying every chunk's proposals to its place in chunk
   * order yields agent order for any thread count and schedule. */
  int nth = m->nthreads;
  int fail = 0;
  /* A team may be smaller than nth (nested in a parallel sweep): start empty. */
  for (int k = 0; k < nth; k++) m->tbuf[k].n = 0;
#pragma omp parallel num_threads(nth) reduction(| : fail)
  {
    int tid = omp_get_thread_num();
    /* a private copy of the buffer header: the threads' headers share a
     * cache line, and every push writes the count */
    pbuf_t out = m->tbuf[tid];
    gsl_rng *r = gsl_rng_alloc(socap_rng_philox);
    pws_t ws = {0};
    if (!r) fail = 1;
#pragma omp for schedule(dynamic, 1)
    for (int64_t c = 0; c < m->n_pch; c++) {
      const int32_t i0 = (int32_t)(c * m->pr_chunk), i1 = n - i0 > m->pr_chunk ? i0 + m->pr_chunk : n;
      const size_t off = out.n;
      for (int32_t i = i0; i < i1; i++)
        if (!fail && propose_agent(m, r, &ws, &out, i, t) != SOCAP_OK) fail = 1;
      m->pch[c] = (pchunk_t){.off = off, .n = out.n - off, .tid = tid};
    }
    m->tbuf[tid] = out;
    free(ws.act);
    free(ws.dor);
    gsl_rng_free(r);
  }
  if (fail) return SOCAP_ERROR(SOCAP_ERUNTIME, "out of memory in the proposal phase");
  size_t total = 0;
  for (int64_t c = 0; c < m->n_pch; c++) {
    m->pch[c].dst = total;
    total += m->pch[c].n;
  }
  if (m->props.cap < total) { /* room to grow for some steps (rewritten whole every step: nothing to keep) */
    prop_t *np = socap_big_grow(m->props.p, 0, (total + total / 4) * sizeof *np);
    if (!np) return SOCAP_ERROR(SOCAP_ERUNTIME, "out of memory");
    m->props.p = np;
    m->props.cap = socap_big_capacity(np) / sizeof *np;
  }
  /* the chunks in agent order */
  m->props.n = total;
#pragma omp parallel for schedule(static) num_threads(nth)
  for (int64_t c = 0; c < m->n_pch; c++) {
    const pchunk_t *h = &m->pch[c];
    if (h->n) memcpy(m->props.p + h->dst, m->tbuf[h->tid].p + h->off, h->n * sizeof(prop_t));
  }

  PHASE_DONE(SOCAP_PHASE_PROPOSE);
  /* Steps 5a and 5b: judging in parallel, the resolution in agent order
   * alongside it. */
  double resolve_s = 0;
  rc = judge_and_resolve(m, t, &resolve_s);
  if (rc) return rc;
  clk2 = omp_get_wtime();
  m->phase_s[SOCAP_PHASE_JUDGE] += clk2 - clk - resolve_s;
  m->phase_s[SOCAP_PHASE_RESOLVE] += resolve_s;
  clk = clk2;

  maintain_and_decay(m, t); /* steps 6-7 */
  PHASE_DONE(SOCAP_PHASE_MAINTAIN);
  if ((rc = info_flow(m, t))) return rc; /* step 8 */
  PHASE_DONE(SOCAP_PHASE_INFO);
  turnover(m, t);           /* step 9 */
  PHASE_DONE(SOCAP_PHASE_TURNOVER);
#undef PHASE_DONE

  m->t = t;
  /* cumulative counters */
  for (int o = 0; o < 4; o++) m->total.formed[o] += m->last.formed[o];
  m->total.proposals += m->last.proposals;
  m->total.rejected += m->last.rejected;
  m->total.went_dormant += m->last.went_dormant;
  m->total.displaced += m->last.displaced;
  m->total.revived += m->last.revived;
  m->total.forgotten += m->last.forgotten;
  m->total.left += m->last.left;
  m->total.info_received += m->last.info_received;
  m->total.ended_by_turnover += m->last.ended_by_turnover;
  return SOCAP_OK;
}

/* ---- accessors ------------------------------------------------------------ */

int socap_model_t(const socap_model *m) { return m->t; }
const socap_params *socap_model_params(const socap_model *m) { return &m->p; }

socap_agents_view socap_model_agents(const socap_model *m) {
  socap_agents_view v = {m->n, m->group, m->cohort, m->strategy, m->info};
  return v;
}

void socap_model_counters(const socap_model *m, socap_counters *total, socap_counters *last_step) {
  if (total) *total = m->total;
  if (last_step) *last_step = m->last;
}

void socap_model_reset_window(socap_model *m) {
  for (int32_t i = 0; i < m->n; i++) m->info[i].window = m->info[i].outside_window = 0;
}

void socap_model_degree(const socap_model *m, int32_t i, int32_t *active, int32_t *dormant) {
  if (active) *active = m->ties[i].nact;
  if (dormant) *dormant = m->ties[i].ndor;
}

int32_t socap_model_ties(const socap_model *m, int32_t i, socap_tie_info *out, int32_t cap) {
  const tlist_t *l = &m->ties[i];
  for (uint32_t k = 0; k < l->n && (int32_t)k < cap; k++) {
    const tie_t *e = &l->t[k];
    out[k].nbr = (int32_t)e->nbr;
    out[k].w = tie_w_at(m, e, m->t);
    out[k].peak = e->peak;
    out[k].last = (int32_t)meta_last(e->meta);
    out[k].state = meta_dormant(e->meta) ? SOCAP_TIE_DORMANT : SOCAP_TIE_ACTIVE;
    out[k].origin = meta_origin(e->meta);
  }
  return (int32_t)l->n;
}

int socap_model_graph(const socap_model *m, socap_graph *g) {
  memset(g, 0, sizeof *g);
  int32_t n = m->n;
  g->n = n;
  g->big_ = 1; /* a big, fresh graph: huge pages (see bigmem.h) */
  g->off = socap_big_alloc(((size_t)n + 1) * sizeof(int64_t));
  g->group = socap_big_alloc((size_t)(n ? n : 1) * sizeof(int32_t));
  if (!g->off || !g->group) goto oom;
  g->off[0] = 0;
  for (int32_t i = 0; i < n; i++) g->off[i + 1] = g->off[i] + m->ties[i].nact;
  int64_t nnz = g->off[n];
  g->adj = socap_big_alloc((size_t)(nnz ? nnz : 1) * sizeof(int32_t));
  g->w = socap_big_alloc((size_t)(nnz ? nnz : 1) * sizeof(double));
  if (!g->adj || !g->w) goto oom;
  memcpy(g->group, m->group, (size_t)n * sizeof(int32_t));
  g->n_groups = m->n_groups;
#pragma omp parallel for schedule(dynamic, 1024)
  for (int32_t i = 0; i < n; i++) {
    const tlist_t *l = &m->ties[i];
    int64_t at = g->off[i];
    for (uint32_t k = 0; k < l->n; k++) {
      if (meta_dormant(l->t[k].meta)) continue;
      g->adj[at] = (int32_t)l->t[k].nbr;
      g->w[at] = tie_w_at(m, &l->t[k], m->t);
      at++;
    }
  }
  return SOCAP_OK;
oom:
  socap_graph_free(g);
  return SOCAP_ERROR(SOCAP_ERUNTIME, "out of memory building the tie graph");
}

int socap_model_check(const socap_model *m, char *err, size_t errlen) {
#define BAD(...) do { snprintf(err, errlen, __VA_ARGS__); return 1; } while (0)
  for (int32_t i = 0; i < m->n; i++) {
    const tlist_t *l = &m->ties[i];
    int32_t na = 0, nd = 0;
    for (uint32_t k = 0; k < l->n; k++) {
      const tie_t *e = &l->t[k];
      if (e->nbr == (uint32_t)i) BAD("agent %d has a self tie", i);
      if (e->nbr >= (uint32_t)m->n) BAD("agent %d has a tie to out-of-range %u", i, e->nbr);
      if (k > 0 && l->t[k - 1].nbr >= e->nbr) BAD("agent %d: ties not sorted or duplicate (%u)", i, e->nbr);
      if (!(e->w > 0 && e->w <= 1.0f)) BAD("agent %d tie %u: strength %g outside (0,1]", i, e->nbr, e->w);
      if (e->peak < e->w) BAD("agent %d tie %u: peak %g below strength %g", i, e->nbr, e->peak, e->w);
      if ((int)meta_last(e->meta) > m->t) BAD("agent %d tie %u: last update in the future", i, e->nbr);
      const tie_t *f = tie_find(&m->ties[e->nbr], (uint32_t)i);
      if (!f) BAD("tie %d-%u has no mirror", i, e->nbr);
      if (f->w != e->w || f->peak != e->peak || f->meta != e->meta)
        BAD("tie %d-%u: ends disagree (w %g/%g, peak %g/%g, meta %x/%x)", i, e->nbr, e->w, f->w, e->peak, f->peak,
            e->meta, f->meta);
      if (!meta_dormant(e->meta) && tie_w_at(m, e, m->t) < m->p.theta_dormant)
        BAD("tie %d-%u is active below theta_dormant", i, e->nbr);
      if (meta_dormant(e->meta)) nd++;
      else na++;
    }
    if (l->ns != l->n) BAD("agent %d: %u of %u ties left unsorted after the step", i, l->n - l->ns, l->n);
    /* judging's packed copy must match the store wherever it is used */
    if (m->jvalid && !m->jdirty[i]) {
      const uint32_t *h = jn_list(m, i);
      if (h[0] != l->n) BAD("agent %d: packed list length differs from the store", i);
      if ((int32_t)h[1] != m->ties[i].nact) BAD("agent %d: packed active count differs from the store", i);
      if (m->who[i + 1].joff - m->who[i].joff < (int64_t)l->n + JN_HDR) BAD("agent %d: packed list overruns its slot", i);
      for (uint32_t k = 0; k < l->n; k++)
        if (h[JN_HDR + k] != jn_entry(&l->t[k]))
          BAD("agent %d: packed list entry %u differs from the store", i, k);
    }
    if (na != m->ties[i].nact || nd != m->ties[i].ndor)
      BAD("agent %d: counts %d/%d but store has %d/%d", i, m->ties[i].nact, m->ties[i].ndor, na, nd);
    if (na > m->p.dunbar_limit) BAD("agent %d has %d active ties > dunbar_limit %d", i, na, m->p.dunbar_limit);
    if (nd > m->p.dormant_limit) BAD("agent %d has %d dormant ties > dormant_limit %d", i, nd, m->p.dormant_limit);
  }
  return 0;
#undef BAD
}

size_t socap_model_memory(const socap_model *m) {
  /* per agent: the list header (with the counts and quantile), group,
   * cohort and strategy, the maintenance factor and strategy byte, the
   * information counters, the leaving flag */
  size_t b = sizeof *m + (size_t)m->n * (sizeof(tlist_t) + 3 * sizeof(int32_t) + sizeof(double) + 1 +
                                        sizeof(socap_info_counts) + 1);
  for (int32_t k = 0; k < m->n_blocks; k++) b += m->blocks[k].len * sizeof(tie_t);
  for (int q = 0; q < m->n_apool; q++) b += socap_big_capacity(m->apool[q]); /* touched when used */
  /* judging's packed lists and per-agent records */
  b += m->jcap * sizeof(uint32_t) + ((size_t)m->n + 1) * sizeof(who_t) + (size_t)m->n;
  b += m->ov_chunks * OV_BYTES; /* lists outside their arenas */
  /* per-thread scratch: judging's bitsets, the cascades' stamps, frontiers
   * and receipts */
  b += (size_t)m->nthreads * (2 * (((size_t)m->n + 63) / 64) * sizeof(uint64_t) +
                              (size_t)m->n * (3 * sizeof(uint32_t) + sizeof(struct inf_rx)));
  return b;
}

void socap_model_release_ties(socap_model *m) {
  for (int32_t i = 0; i < m->n; i++) { /* the lists go; the counts stay (socap_model_degree) */
    m->ties[i].t = NULL;
    m->ties[i].n = m->ties[i].cap = m->ties[i].ns = 0;
  }
  for (int32_t k = 0; k < m->n_blocks; k++) {
    socap_big_free(m->blocks[k].base);
    ov_release(m, &m->blocks[k]);
    memset(&m->blocks[k], 0, sizeof m->blocks[k]);
  }
  while (m->n_apool > 0) socap_big_free(m->apool[--m->n_apool]);
  while (m->ov_pool) {
    ochunk_t *c = m->ov_pool;
    m->ov_pool = c->next;
    socap_big_free(c);
  }
  m->ov_chunks = 0;
  m->ties_released = 1;
  m->jvalid = 0;
}

void socap_model_trim(socap_model *m) {
  socap_big_free(m->jn);
  m->jn = NULL;
  m->jcap = 0;
  m->jvalid = 0;
  for (int k = 0; k < m->nthreads; k++) {
    socap_big_free(m->tbuf[k].p);
    memset(&m->tbuf[k], 0, sizeof m->tbuf[k]);
  }
  socap_big_free(m->props.p);
  memset(&m->props, 0, sizeof m->props);
}

void socap_model_phase_times(const socap_model *m, double out[SOCAP_N_PHASES]) {
  for (int k = 0; k < SOCAP_N_PHASES; k++) out[k] = m->phase_s[k];
}

int socap_model_test_chunk(socap_model *m, int32_t chunk) {
  const int32_t pc = chunk > 0 ? chunk : PR_CHUNK;
  const int64_t np = ((int64_t)m->n + pc - 1) / pc;
  pchunk_t *h = calloc((size_t)(np ? np : 1), sizeof *h);
  if (!h) return SOCAP_ERROR(SOCAP_ERUNTIME, "out of memory");
  free(m->pch);
  m->pch = h;
  m->n_pch = np;
  m->pr_chunk = pc;
  m->jr_chunk = chunk > 0 ? chunk : JR_CHUNK;
  return SOCAP_OK;
}

void socap_model_test_eager_values(socap_model *m) { m->eager_values = 1; }

int64_t socap_model_test_late_values(const socap_model *m) { return m->late_values; }

int64_t socap_model_test_repacks(const socap_model *m, int64_t *parallel) {
  if (parallel) *parallel = m->repacks[1];
  return m->repacks[0];
}

void socap_model_test_no_packed(socap_model *m) {
  m->no_packed = 1;
  m->jvalid = 0;
}

int socap_model_test_add_tie(socap_model *m, int32_t i, int32_t j, double w, int origin) {
  if (i == j || tie_find(&m->ties[i], (uint32_t)j)) return SOCAP_ERROR(SOCAP_ECONFIG, "tie exists or self tie");
  tie_t e = {(uint32_t)j, (float)w, (float)w, meta_make((uint32_t)m->t, 0, origin)};
  tie_t f = e;
  f.nbr = (uint32_t)i;
  if (tie_insert(m, &m->ties[i], e) || tie_insert(m, &m->ties[j], f)) return SOCAP_ERUNTIME;
  m->jvalid = 0;
  m->ties[i].nact++;
  m->ties[j].nact++;
  return SOCAP_OK;
}
