/* MPI sweeps: rank 0 hands out tasks one at a time on request, the other
 * ranks run them and write their own batch files (docs/sweeps.md).
 * Compiled only with -DSOCAP_MPI=ON. */
#ifdef SOCAP_HAVE_MPI
#define _POSIX_C_SOURCE 200809L
#include <mpi.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "socap/error.h"
#include "socap/sweep.h"

enum { TAG_REQ = 101, TAG_TASK = 102 };

static void nap(void) {
  struct timespec ts = {0, 1000000}; /* 1 ms: rank 0 polls instead of spinning in MPI_Recv */
  nanosleep(&ts, NULL);
}

/* Wait for all ranks without busy-polling (ranks that finish early do not
 * steal CPU from those still computing). */
static void quiet_barrier(MPI_Comm comm) {
  MPI_Request rq;
  int done = 0;
  MPI_Ibarrier(comm, &rq);
  for (;;) {
    MPI_Test(&rq, &done, MPI_STATUS_IGNORE);
    if (done) break;
    nap();
  }
}

typedef struct {
  socap_sweep_result *res;
  int finished; /* rank 0 said there are no more tasks */
} worker_ctx;

static int worker_next(void *ctx, int64_t *task) {
  worker_ctx *w = ctx;
  if (w->finished) return 0;
  int64_t msg[2] = {w->res->done, w->res->failed}, t = -1;
  MPI_Send(msg, 2, MPI_INT64_T, 0, TAG_REQ, MPI_COMM_WORLD);
  MPI_Recv(&t, 1, MPI_INT64_T, 0, TAG_TASK, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
  if (t < 0) {
    w->finished = 1;
    return 0;
  }
  *task = t;
  return 1;
}

/* Rank 0: serve requests until every worker has been told to stop. */
static void serve(const socap_sweep_opts *o, const int64_t *pending, int64_t np, int size, socap_sweep_result *res) {
  int64_t next = 0, *done = calloc((size_t)size, sizeof *done), *failed = calloc((size_t)size, sizeof *failed);
  int active = size - 1;
  while (active > 0) {
    int flag = 0;
    MPI_Status st;
    MPI_Iprobe(MPI_ANY_SOURCE, TAG_REQ, MPI_COMM_WORLD, &flag, &st);
    if (!flag) {
      nap();
      continue;
    }
    int64_t msg[2], t = -1;
    MPI_Recv(msg, 2, MPI_INT64_T, st.MPI_SOURCE, TAG_REQ, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    if (msg[0] < 0) { /* a worker that stopped on an error says goodbye */
      active--;
      continue;
    }
    if (done && failed) {
      done[st.MPI_SOURCE] = msg[0];
      failed[st.MPI_SOURCE] = msg[1];
    }
    if (o->stop && *o->stop) res->stopped = 1;
    if (!res->stopped && next < np) t = pending[next++];
    else active--;
    MPI_Send(&t, 1, MPI_INT64_T, st.MPI_SOURCE, TAG_TASK, MPI_COMM_WORLD);
    if (o->progress && done && failed) {
      int64_t d = 0, f = 0;
      for (int r = 1; r < size; r++) {
        d += done[r];
        f += failed[r];
      }
      o->progress(o->progress_ctx, res->skipped + d + f, res->prev_failed + f, res->total);
    }
  }
  free(done);
  free(failed);
}

int socap_sweep_run_mpi(const socap_sweep *sw, const socap_sweep_opts *o, socap_sweep_result *res) {
  int inited = 0, rank = 0, size = 1;
  MPI_Initialized(&inited);
  if (inited) {
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
  }
  if (size == 1) return socap_sweep_run(sw, o, res);
  int rc = SOCAP_OK;
  int64_t *pending = NULL, np = 0;
  memset(res, 0, sizeof *res);
  socap_sweep_opts po = *o;
  po.ranks = size; /* rank 0 prepares for the ranks' batches (rKofN) */
  if (rank == 0) rc = socap_sweep_prepare(sw, &po, &pending, &np, res);
  MPI_Bcast(&rc, 1, MPI_INT, 0, MPI_COMM_WORLD);
  if (rc) {
    free(pending);
    if (rank != 0) res->total = -2; /* rank 0 reports the error */
    return rc;
  }
  socap_sweep_opts wo = *o;
  char tag[64];
  /* with shards, the shard too: MPI jobs of different shards may then write
   * into one directory at the same time (their rank K would collide) */
  if (o->nshards > 1) snprintf(tag, sizeof tag, "r%dof%d-s%dof%d", rank, size, o->shard, o->nshards);
  else snprintf(tag, sizeof tag, "r%dof%d", rank, size);
  wo.tag = tag;
  wo.ranks = size;
  wo.progress = NULL;
  int64_t hint = 0;
  if (rank == 0) {
    if (o->progress && res->total) o->progress(o->progress_ctx, res->skipped, res->prev_failed, res->total);
    hint = np;
  }
  MPI_Bcast(&hint, 1, MPI_INT64_T, 0, MPI_COMM_WORLD);
  socap_sweep_result mine;
  memset(&mine, 0, sizeof mine);
  if (rank == 0) {
    serve(o, pending, np, size, res);
  } else {
    worker_ctx w = {&mine, 0};
    rc = socap_sweep_execute(sw, &wo, hint / (size - 1) + 1, worker_next, &w, &mine);
    if (!w.finished) { /* stopped by an error: tell rank 0 this rank is gone */
      int64_t bye[2] = {-1, -1};
      MPI_Send(bye, 2, MPI_INT64_T, 0, TAG_REQ, MPI_COMM_WORLD);
    }
  }
  free(pending);
  quiet_barrier(MPI_COMM_WORLD);
  int64_t loc[2] = {mine.done, mine.failed}, tot[2] = {0, 0};
  MPI_Reduce(loc, tot, 2, MPI_INT64_T, MPI_SUM, 0, MPI_COMM_WORLD);
  char *all = rank == 0 ? calloc((size_t)size, sizeof mine.failures) : NULL;
  MPI_Gather(mine.failures, (int)sizeof mine.failures, MPI_CHAR, all, (int)sizeof mine.failures, MPI_CHAR, 0,
             MPI_COMM_WORLD);
  int worst = rc;
  MPI_Allreduce(&rc, &worst, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
  if (rank == 0) {
    res->done = tot[0];
    res->failed = tot[1];
    for (int r = 1; all && r < size; r++) {
      const char *f = all + (size_t)r * sizeof mine.failures;
      size_t l = strlen(res->failures);
      if (f[0] && l + 8 < sizeof res->failures)
        snprintf(res->failures + l, sizeof res->failures - l, "%s%s", l ? "; " : "", f);
    }
    free(all);
    if (worst && !rc) rc = SOCAP_ERROR(worst, "a worker rank failed (see its message above)");
  } else {
    res->total = -1;
  }
  return rc;
}
#endif
