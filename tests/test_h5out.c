/* Tests for the HDF5 output module (sim/h5out.c).
 *
 * Without arguments: run the unit tests in a fresh temporary directory.
 * With one argument PATH: write the sample file to PATH (overwriting) and
 * exit; tests/h5out_read.py then checks it with h5py. */
#define _POSIX_C_SOURCE 200809L

#include "socap/error.h"
#include "socap/h5out.h"

#include "check.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define NROWS 2500
#define CHUNK 1000
#define NCOLS 5
#define TEXT_LEN 40000

static const socap_colspec sample_cols[NCOLS] = {
    {"id", SOCAP_COL_I32, "1", "agent id"},
    {"big", SOCAP_COL_I64, "step", "a 64-bit counter"},
    {"x", SOCAP_COL_F64, "hour", "a double"},
    {"y", SOCAP_COL_F32, "1", "a float"},
    {"state", SOCAP_COL_U8, "1", "a state code"},
};

/* Column values of row i; h5out_read.py uses the same formulas. */
static int32_t v_i32(size_t i) { return (int32_t)i * 7 - 5000; }
static int64_t v_i64(size_t i) { return (int64_t)i * INT64_C(4294967311) - 3; }
static double v_f64(size_t i) { return (double)i * 0.125 - 100.0; }
static float v_f32(size_t i) { return (float)i * 0.5f; }
static uint8_t v_u8(size_t i) { return (uint8_t)(i % 251); }

/* The provenance text: TEXT_LEN characters of printable ASCII lines. */
static char *make_text(void) {
  char *s = malloc(TEXT_LEN + 1);
  if (!s) return NULL;
  for (size_t i = 0; i < TEXT_LEN; i++) s[i] = (i % 64 == 63) ? '\n' : (char)('a' + i % 26);
  s[TEXT_LEN] = 0;
  return s;
}

/* Append rows [from, from+n) column-wise. */
static int append_rows(socap_table *t, size_t from, size_t n) {
  int32_t *a = malloc(n * sizeof *a);
  int64_t *b = malloc(n * sizeof *b);
  double *x = malloc(n * sizeof *x);
  float *y = malloc(n * sizeof *y);
  uint8_t *s = malloc(n ? n : 1);
  int rc = SOCAP_ERUNTIME;
  if (a && b && x && y && s) {
    for (size_t k = 0; k < n; k++) {
      a[k] = v_i32(from + k);
      b[k] = v_i64(from + k);
      x[k] = v_f64(from + k);
      y[k] = v_f32(from + k);
      s[k] = v_u8(from + k);
    }
    const void *data[NCOLS] = {a, b, x, y, s};
    rc = socap_table_append(t, n, data);
  }
  free(a);
  free(b);
  free(x);
  free(y);
  free(s);
  return rc;
}

/* Write the sample file: a nested table crossing chunk boundaries with both
 * APIs, an empty table, root attributes and a long text dataset. */
static int write_sample(const char *path, int force) {
  socap_h5file *f = NULL;
  socap_table *t = NULL;
  char *text = NULL;
  int rc = socap_h5_create(path, force, &f);
  if (rc) goto done;
  hid_t root = socap_h5_root(f);
  if ((rc = socap_table_create(root, "results/run0/agents", "per-agent sample", sample_cols, NCOLS,
                               CHUNK, &t)))
    goto done;
  /* 0..699 appended, 700..1699 row by row (crosses the 1000 boundary),
   * 1700..1999 and 2000..2499 appended (the first fills chunk 2 exactly). */
  if ((rc = append_rows(t, 0, 700))) goto done;
  for (size_t i = 700; i < 1700; i++) {
    socap_table_set_u8(t, 4, v_u8(i)); /* any order */
    socap_table_set_i32(t, 0, v_i32(i));
    socap_table_set_i64(t, 1, v_i64(i));
    socap_table_set_f64(t, 2, v_f64(i));
    socap_table_set_f32(t, 3, v_f32(i));
    if ((rc = socap_table_next_row(t))) goto done;
  }
  if ((rc = append_rows(t, 1700, 300))) goto done;
  if ((rc = append_rows(t, 2000, 0))) goto done;
  if ((rc = append_rows(t, 2000, 500))) goto done;
  if (socap_table_rows(t) != NROWS) {
    rc = SOCAP_ERUNTIME;
    goto done;
  }
  rc = socap_table_close(t);
  t = NULL;
  if (rc) goto done;

  if ((rc = socap_table_create(root, "/empty", "no rows", sample_cols + 2, 2, 0, &t))) goto done;
  rc = socap_table_close(t);
  t = NULL;
  if (rc) goto done;

  text = make_text();
  const char *states[] = {"susceptible", "I", "recovered"};
  if (!text) {
    rc = SOCAP_ERUNTIME;
    goto done;
  }
  if ((rc = socap_h5_attr_str(root, "title", "first value, to be replaced")) ||
      (rc = socap_h5_attr_str(root, "title", "socap sample")) ||
      (rc = socap_h5_attr_i64(root, "seed", INT64_C(-1234567890123))) ||
      (rc = socap_h5_attr_f64(root, "lambda", 0.1)) ||
      (rc = socap_h5_attr_strlist(root, "states", states, 3)) ||
      (rc = socap_h5_write_text(root, "provenance/config", text, "resolved config")))
    goto done;
  rc = socap_h5_commit(f);
  f = NULL;
done:
  if (rc) fprintf(stderr, "write_sample: %s (%s)\n", socap_error_message(), socap_error_where());
  socap_table_close(t);
  socap_h5_abort(f);
  free(text);
  return rc;
}

/* ---- reading helpers ---------------------------------------------------- */

/* Read a scalar fixed-length NULLTERM ASCII string attribute into buf. */
static int read_attr_str(hid_t obj, const char *name, char *buf, size_t bufsz) {
  int ok = 0;
  hid_t a = H5Aopen(obj, name, H5P_DEFAULT);
  hid_t t = a >= 0 ? H5Aget_type(a) : -1;
  hid_t s = a >= 0 ? H5Aget_space(a) : -1;
  if (t >= 0 && s >= 0 && H5Tget_class(t) == H5T_STRING && H5Tis_variable_str(t) == 0 &&
      H5Tget_strpad(t) == H5T_STR_NULLTERM && H5Tget_cset(t) == H5T_CSET_ASCII &&
      H5Sget_simple_extent_type(s) == H5S_SCALAR && H5Tget_size(t) <= bufsz &&
      H5Aread(a, t, buf) >= 0)
    ok = buf[H5Tget_size(t) - 1] == 0 && strlen(buf) + 1 == H5Tget_size(t);
  if (s >= 0) H5Sclose(s);
  if (t >= 0) H5Tclose(t);
  if (a >= 0) H5Aclose(a);
  return ok;
}

static int attr_is(hid_t obj, const char *name, const char *want) {
  char buf[256] = {0};
  if (!read_attr_str(obj, name, buf, sizeof buf)) {
    fprintf(stderr, "attribute '%s' unreadable\n", name);
    return 0;
  }
  if (strcmp(buf, want) != 0) fprintf(stderr, "attribute '%s' = '%s', want '%s'\n", name, buf, want);
  return strcmp(buf, want) == 0;
}

/* Check a 1-D fixed-length string array attribute. */
static int strlist_is(hid_t obj, const char *name, const char *const *want, int n) {
  int ok = 0;
  char *buf = NULL;
  hid_t a = H5Aopen(obj, name, H5P_DEFAULT);
  hid_t t = a >= 0 ? H5Aget_type(a) : -1;
  hid_t s = a >= 0 ? H5Aget_space(a) : -1;
  if (t < 0 || s < 0 || H5Tget_class(t) != H5T_STRING || H5Tis_variable_str(t) != 0 ||
      H5Sget_simple_extent_ndims(s) != 1 || H5Sget_simple_extent_npoints(s) != n)
    goto out;
  size_t w = H5Tget_size(t), maxw = 1;
  for (int i = 0; i < n; i++)
    if (strlen(want[i]) + 1 > maxw) maxw = strlen(want[i]) + 1;
  if (w != maxw) goto out; /* width is the longest string + 1 */
  buf = calloc((size_t)n + 1, w);
  if (!buf || H5Aread(a, t, buf) < 0) goto out;
  ok = 1;
  for (int i = 0; i < n; i++)
    if (strncmp(buf + (size_t)i * w, want[i], w) != 0) ok = 0;
out:
  free(buf);
  if (s >= 0) H5Sclose(s);
  if (t >= 0) H5Tclose(t);
  if (a >= 0) H5Aclose(a);
  return ok;
}

static herr_t check_untimed(hid_t obj, const char *name, const H5O_info_t *info, void *data) {
  (void)obj;
  int *n = data;
  (*n)++;
  CHECK_MSG(info->atime == 0 && info->mtime == 0 && info->ctime == 0 && info->btime == 0,
            "object '%s' has timestamps", name);
  return 0;
}

/* Check a column dataset: type, length, chunking, filters and attributes. */
static void check_column(hid_t g, const socap_colspec *col, hid_t want_type, hsize_t nrows,
                         hsize_t chunk) {
  hid_t d = H5Dopen2(g, col->name, H5P_DEFAULT);
  CHECK_MSG(d >= 0, "column %s", col->name);
  if (d < 0) return;
  hid_t t = H5Dget_type(d), s = H5Dget_space(d), p = H5Dget_create_plist(d);
  CHECK_MSG(H5Tequal(t, want_type) > 0, "column %s type", col->name);
  hsize_t dims[1] = {0}, maxdims[1] = {0}, cdims[1] = {0};
  CHECK(H5Sget_simple_extent_dims(s, dims, maxdims) == 1);
  CHECK_MSG(dims[0] == nrows, "column %s has %llu rows", col->name, (unsigned long long)dims[0]);
  CHECK(maxdims[0] == H5S_UNLIMITED);
  CHECK(H5Pget_layout(p) == H5D_CHUNKED);
  CHECK(H5Pget_chunk(p, 1, cdims) == 1 && cdims[0] == chunk);
  CHECK(H5Pget_nfilters(p) == 2);
  unsigned flags = 0, cd[8] = {0};
  size_t ncd = 8;
  char fname[64];
  unsigned fconf = 0;
  CHECK(H5Pget_filter2(p, 0, &flags, &ncd, cd, sizeof fname, fname, &fconf) == H5Z_FILTER_SHUFFLE);
  ncd = 8;
  CHECK(H5Pget_filter2(p, 1, &flags, &ncd, cd, sizeof fname, fname, &fconf) == H5Z_FILTER_DEFLATE);
  CHECK(ncd >= 1 && cd[0] == 4);
  CHECK(attr_is(d, "units", col->units));
  CHECK(attr_is(d, "description", col->description));
  H5Pclose(p);
  H5Sclose(s);
  H5Tclose(t);
  H5Dclose(d);
}

/* Read a whole column into a new buffer of n elements of type mt. */
static void *read_column(hid_t g, const char *name, hid_t mt, size_t n) {
  void *buf = malloc(n * H5Tget_size(mt) + 1);
  hid_t d = H5Dopen2(g, name, H5P_DEFAULT);
  if (!buf || d < 0 || H5Dread(d, mt, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf) < 0) {
    free(buf);
    buf = NULL;
  }
  if (d >= 0) H5Dclose(d);
  return buf;
}

static void check_sample(const char *path) {
  hid_t fid = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
  CHECK_MSG(fid >= 0, "open %s", path);
  if (fid < 0) return;

  hid_t g = H5Gopen2(fid, "results/run0/agents", H5P_DEFAULT);
  CHECK(g >= 0);
  const char *names[NCOLS];
  for (int c = 0; c < NCOLS; c++) names[c] = sample_cols[c].name;
  CHECK(strlist_is(g, "columns", names, NCOLS));
  CHECK(attr_is(g, "description", "per-agent sample"));
  const hid_t types[NCOLS] = {H5T_STD_I32LE, H5T_STD_I64LE, H5T_IEEE_F64LE, H5T_IEEE_F32LE,
                              H5T_STD_U8LE};
  for (int c = 0; c < NCOLS; c++) check_column(g, &sample_cols[c], types[c], NROWS, CHUNK);

  int32_t *a = read_column(g, "id", H5T_NATIVE_INT32, NROWS);
  int64_t *b = read_column(g, "big", H5T_NATIVE_INT64, NROWS);
  double *x = read_column(g, "x", H5T_NATIVE_DOUBLE, NROWS);
  float *y = read_column(g, "y", H5T_NATIVE_FLOAT, NROWS);
  uint8_t *s = read_column(g, "state", H5T_NATIVE_UINT8, NROWS);
  CHECK(a && b && x && y && s);
  if (a && b && x && y && s) {
    size_t bad = 0, first_bad = NROWS;
    for (size_t i = 0; i < NROWS; i++)
      if (a[i] != v_i32(i) || b[i] != v_i64(i) || x[i] != v_f64(i) || y[i] != v_f32(i) ||
          s[i] != v_u8(i)) {
        if (!bad) first_bad = i;
        bad++;
      }
    CHECK_MSG(bad == 0, "%zu wrong rows, first %zu", bad, first_bad);
  }
  free(a);
  free(b);
  free(x);
  free(y);
  free(s);
  H5Gclose(g);

  /* Empty table: datasets exist with length 0; default chunk is 65536. */
  g = H5Gopen2(fid, "empty", H5P_DEFAULT);
  CHECK(g >= 0);
  const char *enames[] = {"x", "y"};
  CHECK(strlist_is(g, "columns", enames, 2));
  check_column(g, &sample_cols[2], H5T_IEEE_F64LE, 0, 65536);
  check_column(g, &sample_cols[3], H5T_IEEE_F32LE, 0, 65536);
  H5Gclose(g);

  /* Root attributes; "title" was replaced. */
  CHECK(attr_is(fid, "title", "socap sample"));
  const char *states[] = {"susceptible", "I", "recovered"};
  CHECK(strlist_is(fid, "states", states, 3));
  int64_t seed = 0;
  double lambda = 0;
  hid_t at = H5Aopen(fid, "seed", H5P_DEFAULT);
  hid_t atype = H5Aget_type(at);
  CHECK(H5Tequal(atype, H5T_STD_I64LE) > 0);
  CHECK(H5Aread(at, H5T_NATIVE_INT64, &seed) >= 0 && seed == INT64_C(-1234567890123));
  H5Tclose(atype);
  H5Aclose(at);
  at = H5Aopen(fid, "lambda", H5P_DEFAULT);
  atype = H5Aget_type(at);
  CHECK(H5Tequal(atype, H5T_IEEE_F64LE) > 0);
  CHECK(H5Aread(at, H5T_NATIVE_DOUBLE, &lambda) >= 0 && lambda == 0.1);
  H5Tclose(atype);
  H5Aclose(at);

  /* Text dataset: scalar fixed-length string holding the whole text. */
  hid_t d = H5Dopen2(fid, "provenance/config", H5P_DEFAULT);
  CHECK(d >= 0);
  hid_t tt = H5Dget_type(d), ts = H5Dget_space(d);
  CHECK(H5Tget_class(tt) == H5T_STRING && H5Tis_variable_str(tt) == 0);
  CHECK(H5Tget_size(tt) == TEXT_LEN + 1);
  CHECK(H5Sget_simple_extent_type(ts) == H5S_SCALAR);
  char *text = make_text(), *got = calloc(TEXT_LEN + 1, 1);
  CHECK(text && got && H5Dread(d, tt, H5S_ALL, H5S_ALL, H5P_DEFAULT, got) >= 0 &&
        strcmp(text, got) == 0);
  CHECK(attr_is(d, "description", "resolved config"));
  free(text);
  free(got);
  H5Sclose(ts);
  H5Tclose(tt);
  H5Dclose(d);

  /* No object carries timestamps (including intermediate groups). */
  int nobj = 0;
  CHECK(H5Ovisit(fid, H5_INDEX_NAME, H5_ITER_INC, check_untimed, &nobj) >= 0);
  CHECK_MSG(nobj == 14, "visited %d objects", nobj);
  H5Fclose(fid);
}

/* ---- file helpers -------------------------------------------------------- */

static int exists(const char *p) {
  struct stat st;
  return stat(p, &st) == 0;
}

static char *slurp(const char *p, size_t *n) {
  FILE *fp = fopen(p, "rb");
  if (!fp) return NULL;
  size_t cap = 1 << 16, len = 0;
  char *buf = malloc(cap);
  while (buf) {
    len += fread(buf + len, 1, cap - len, fp);
    if (len < cap) break;
    char *nb = realloc(buf, cap *= 2);
    if (!nb) free(buf);
    buf = nb;
  }
  fclose(fp);
  *n = len;
  return buf;
}

static int same_bytes(const char *p, const char *q) {
  size_t n1 = 0, n2 = 0;
  char *a = slurp(p, &n1), *b = slurp(q, &n2);
  int same = a && b && n1 == n2 && memcmp(a, b, n1) == 0;
  free(a);
  free(b);
  return same;
}

static int write_bytes(const char *p, const char *s) {
  FILE *fp = fopen(p, "wb");
  if (!fp) return 0;
  int ok = fputs(s, fp) >= 0;
  return fclose(fp) == 0 && ok;
}

static char tmpdir[512];

/* Path of @p name in the test directory. The result lives in a small ring of
 * buffers, so only use it immediately; keep long-lived paths in tpath(). */
static const char *tp(const char *name) {
  static char buf[4][1024];
  static int k = 0;
  k = (k + 1) % 4;
  snprintf(buf[k], sizeof buf[k], "%s/%s", tmpdir, name);
  return buf[k];
}

#define TPATH(var, name) \
  char var[1024];        \
  snprintf(var, sizeof var, "%s/%s", tmpdir, name)

/* ---- tests ---------------------------------------------------------------- */

static void test_roundtrip(void) {
  CHECK(write_sample(tp("sample.h5"), 0) == SOCAP_OK);
  CHECK(!exists(tp("sample.h5.part")));
  CHECK(H5Fis_hdf5(tp("sample.h5")) > 0);
  check_sample(tp("sample.h5"));
}

static int small_table(hid_t loc, const char *name, int nrows) {
  socap_table *t = NULL;
  int rc = socap_table_create(loc, name, "small", sample_cols, 1, 0, &t);
  for (int i = 0; rc == SOCAP_OK && i < nrows; i++) {
    socap_table_set_i32(t, 0, i);
    rc = socap_table_next_row(t);
  }
  int rc2 = socap_table_close(t);
  return rc ? rc : rc2;
}

static void test_exists_force_abort(void) {
  TPATH(p, "exists.h5");
  TPATH(part, "exists.h5.part");
  const char *old = "not an HDF5 file\n";
  CHECK(write_bytes(p, old));
  CHECK(write_bytes(tp("old.copy"), old));

  /* No force: fails, message, nothing touched. */
  socap_h5file *f = (socap_h5file *)&f; /* must be reset to NULL */
  CHECK(socap_h5_create(p, 0, &f) == SOCAP_EIO);
  CHECK(f == NULL);
  char want[1200];
  snprintf(want, sizeof want, "output file '%s' exists (use --force to overwrite)", p);
  CHECK_MSG(strcmp(socap_error_message(), want) == 0, "message '%s'", socap_error_message());
  CHECK(same_bytes(p, tp("old.copy")));
  CHECK(!exists(part));

  /* Force, with a stale .part lying around: the old file survives until commit. */
  CHECK(write_bytes(part, "stale junk"));
  CHECK(socap_h5_create(p, 1, &f) == SOCAP_OK);
  CHECK(f != NULL);
  if (f) {
    CHECK(small_table(socap_h5_root(f), "t", 3) == SOCAP_OK);
    CHECK(same_bytes(p, tp("old.copy")));
    CHECK(exists(part));
    CHECK(socap_h5_commit(f) == SOCAP_OK);
  }
  CHECK(!exists(part));
  CHECK(H5Fis_hdf5(p) > 0);
  hid_t fid = H5Fopen(p, H5F_ACC_RDONLY, H5P_DEFAULT);
  hid_t d = H5Dopen2(fid, "t/id", H5P_DEFAULT);
  hid_t s = H5Dget_space(d);
  CHECK(H5Sget_simple_extent_npoints(s) == 3);
  H5Sclose(s);
  H5Dclose(d);
  H5Fclose(fid);

  /* Abort: no .part, no final file. */
  TPATH(q, "aborted.h5");
  TPATH(qpart, "aborted.h5.part");
  CHECK(socap_h5_create(q, 0, &f) == SOCAP_OK);
  if (f) {
    CHECK(small_table(socap_h5_root(f), "t", 5) == SOCAP_OK);
    CHECK(exists(qpart));
    socap_h5_abort(f);
  }
  CHECK(!exists(q));
  CHECK(!exists(qpart));
  socap_h5_abort(NULL);

  /* Abort with a table still open: handles are closed, the table then fails to close. */
  CHECK(socap_h5_create(q, 0, &f) == SOCAP_OK);
  if (f) {
    socap_table *t = NULL;
    CHECK(socap_table_create(socap_h5_root(f), "t", "", sample_cols, 1, 0, &t) == SOCAP_OK);
    socap_h5_abort(f);
    CHECK(!exists(qpart));
    CHECK(socap_table_close(t) == SOCAP_EIO);
  }

  /* Commit with an object still open fails and removes the .part. */
  CHECK(socap_h5_create(q, 0, &f) == SOCAP_OK);
  if (f) {
    hid_t g = H5Gcreate2(socap_h5_root(f), "open", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    CHECK(g >= 0);
    CHECK(socap_h5_commit(f) == SOCAP_EIO);
    CHECK(strstr(socap_error_message(), "still open") != NULL);
    H5Gclose(g); /* already closed by the failed commit; harmless */
  }
  CHECK(!exists(q));
  CHECK(!exists(qpart));

  /* An existing directory is never replaced, even with force: EIO, no .part. */
  TPATH(dir, "adir");
  CHECK(mkdir(dir, 0700) == 0);
  CHECK(socap_h5_create(dir, 1, &f) == SOCAP_EIO && f == NULL);
  CHECK(strstr(socap_error_message(), "not a regular file") != NULL);
  CHECK(!exists(tp("adir.part")));
  CHECK(rmdir(dir) == 0);

  /* Unwritable location. */
  CHECK(socap_h5_create(tp("no/such/dir.h5"), 1, &f) == SOCAP_EIO);
  CHECK(f == NULL);
}

static void test_deterministic(void) {
  /* Cross a second boundary so any timestamp would differ. */
  time_t t0 = time(NULL);
  CHECK(write_sample(tp("det1.h5"), 0) == SOCAP_OK);
  while (time(NULL) == t0) {
    struct timespec ts = {0, 20 * 1000 * 1000};
    nanosleep(&ts, NULL);
  }
  CHECK(write_sample(tp("det2.h5"), 0) == SOCAP_OK);
  CHECK(same_bytes(tp("det1.h5"), tp("det2.h5")));
}

static void test_misuse(void) {
  socap_h5file *f = NULL;
  socap_table *t = NULL;
  CHECK(socap_h5_create(tp("misuse.h5"), 0, &f) == SOCAP_OK);
  if (!f) return;
  hid_t root = socap_h5_root(f);

  /* Bad specs are rejected. */
  socap_colspec bad[1] = {{"a/b", SOCAP_COL_I32, "1", ""}};
  CHECK(socap_table_create(root, "bad", "", bad, 1, 0, &t) == SOCAP_ERUNTIME && t == NULL);
  bad[0].name = "ok";
  bad[0].type = (socap_coltype)99;
  CHECK(socap_table_create(root, "bad", "", bad, 1, 0, &t) == SOCAP_ERUNTIME && t == NULL);
  CHECK(socap_table_create(root, "bad", "", bad, 0, 0, &t) == SOCAP_ERUNTIME && t == NULL);

  /* An unfinished row is reported by next_row. */
  CHECK(socap_table_create(root, "t1", "", sample_cols, 2, 4, &t) == SOCAP_OK);
  socap_table_set_i32(t, 0, 1);
  CHECK(socap_table_next_row(t) == SOCAP_ERUNTIME);
  CHECK(socap_table_close(t) == SOCAP_ERUNTIME);

  /* Wrong setter type / column index is sticky. */
  CHECK(socap_table_create(root, "t2", "", sample_cols, 2, 4, &t) == SOCAP_OK);
  socap_table_set_f64(t, 0, 1.0);
  socap_table_set_i64(t, 1, 2);
  CHECK(socap_table_next_row(t) == SOCAP_ERUNTIME);
  CHECK(strstr(socap_error_message(), "set_f64") != NULL);
  const void *data[2] = {NULL, NULL};
  CHECK(socap_table_append(t, 0, data) == SOCAP_ERUNTIME);
  CHECK(socap_table_close(t) == SOCAP_ERUNTIME);

  CHECK(socap_table_create(root, "t3", "", sample_cols, 2, 4, &t) == SOCAP_OK);
  socap_table_set_i32(t, 7, 1);
  CHECK(socap_table_next_row(t) == SOCAP_ERUNTIME);
  CHECK(socap_table_close(t) == SOCAP_ERUNTIME);

  /* Append while a row is half set. */
  CHECK(socap_table_create(root, "t4", "", sample_cols, 1, 4, &t) == SOCAP_OK);
  int32_t v[3] = {1, 2, 3};
  const void *d1[1] = {v};
  socap_table_set_i32(t, 0, 9);
  CHECK(socap_table_append(t, 3, d1) == SOCAP_ERUNTIME);
  CHECK(socap_table_close(t) == SOCAP_ERUNTIME);

  /* Creating a table that already exists fails with EIO. */
  CHECK(small_table(root, "dup", 1) == SOCAP_OK);
  CHECK(small_table(root, "dup", 1) == SOCAP_EIO);
  CHECK(strstr(socap_error_message(), "dup") != NULL);
  CHECK(socap_table_close(NULL) == SOCAP_OK);

  /* Zero-length string list and empty text are valid. */
  CHECK(socap_h5_attr_strlist(root, "none", NULL, 0) == SOCAP_OK);
  CHECK(socap_h5_write_text(root, "empty_text", "", "") == SOCAP_OK);
  CHECK(socap_h5_commit(f) == SOCAP_OK);

  hid_t fid = H5Fopen(tp("misuse.h5"), H5F_ACC_RDONLY, H5P_DEFAULT);
  CHECK(fid >= 0);
  CHECK(strlist_is(fid, "none", NULL, 0));
  H5Fclose(fid);
}

int main(int argc, char **argv) {
  if (argc == 2) return write_sample(argv[1], 1) == SOCAP_OK ? 0 : 1;
  if (argc > 2) {
    fprintf(stderr, "usage: %s [SAMPLE.h5]\n", argv[0]);
    return 2;
  }
  const char *base = getenv("TMPDIR");
  snprintf(tmpdir, sizeof tmpdir, "%s/socap_h5out_XXXXXX", base && base[0] ? base : "/tmp");
  if (!mkdtemp(tmpdir)) {
    perror("mkdtemp");
    return 1;
  }
  test_roundtrip();
  test_exists_force_abort();
  test_deterministic();
  test_misuse();

  const char *files[] = {"sample.h5", "exists.h5", "old.copy", "det1.h5", "det2.h5", "misuse.h5"};
  for (size_t i = 0; i < sizeof files / sizeof *files; i++) unlink(tp(files[i]));
  if (rmdir(tmpdir) != 0) {
    fprintf(stderr, "leftover files in %s: %s\n", tmpdir, strerror(errno));
    check_failures++;
  }
  CHECK_DONE();
}
