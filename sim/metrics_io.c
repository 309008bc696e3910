/* Edge list input, node table output and the `socap metrics` subcommand. */
#define _POSIX_C_SOURCE 200809L

#include "socap/error.h"
#include "socap/h5out.h"
#include "socap/metrics.h"
#include "outpart.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <hdf5.h>
#include <limits.h>
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

void socap_edgelist_free(socap_edgelist *el) {
  if (!el) return;
  free(el->label);
  free(el->name);
  free(el->name_buf);
  free(el->src);
  free(el->dst);
  free(el->w);
  free(el->line);
  free(el->group);
  memset(el, 0, sizeof *el);
}

/* ---- growable arrays ----------------------------------------------------- */

typedef struct {
  int64_t *u, *v, *line; /* raw ids of edges, line numbers */
  double *w;
  int64_t m, cap;
  int64_t line2, line3; /* first line of an edge without / with a weight (0: none yet) */
  int64_t *decl;        /* declared node ids */
  int64_t ndecl, capdecl;
} raw_edges;

static void raw_free(raw_edges *r) {
  free(r->u);
  free(r->v);
  free(r->line);
  free(r->w);
  free(r->decl);
  memset(r, 0, sizeof *r);
}

static int raw_push_edge(raw_edges *r, int64_t u, int64_t v, double w, int64_t line) {
  if (r->m == r->cap) {
    int64_t cap = r->cap ? 2 * r->cap : 4096;
    int64_t *nu = realloc(r->u, sizeof *nu * (size_t)cap);
    if (nu) r->u = nu;
    int64_t *nv = realloc(r->v, sizeof *nv * (size_t)cap);
    if (nv) r->v = nv;
    int64_t *nl = realloc(r->line, sizeof *nl * (size_t)cap);
    if (nl) r->line = nl;
    double *nw = realloc(r->w, sizeof *nw * (size_t)cap);
    if (nw) r->w = nw;
    if (!nu || !nv || !nl || !nw) return SOCAP_ERROR(SOCAP_ERUNTIME, "out of memory reading edges");
    r->cap = cap;
  }
  r->u[r->m] = u;
  r->v[r->m] = v;
  r->w[r->m] = w;
  r->line[r->m] = line;
  r->m++;
  return SOCAP_OK;
}

static int raw_push_decl(raw_edges *r, int64_t id) {
  if (r->ndecl == r->capdecl) {
    int64_t cap = r->capdecl ? 2 * r->capdecl : 1024;
    int64_t *nd = realloc(r->decl, sizeof *nd * (size_t)cap);
    if (!nd) return SOCAP_ERROR(SOCAP_ERUNTIME, "out of memory reading nodes");
    r->decl = nd;
    r->capdecl = cap;
  }
  r->decl[r->ndecl++] = id;
  return SOCAP_OK;
}

static int cmp_i64(const void *a, const void *b) {
  const int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
  return (x > y) - (x < y);
}

static int32_t find_label(const int64_t *label, int32_t n, int64_t id) {
  int32_t lo = 0, hi = n;
  while (lo < hi) {
    int32_t mid = lo + (hi - lo) / 2;
    if (label[mid] < id)
      lo = mid + 1;
    else
      hi = mid;
  }
  return lo;
}

/* Remap raw ids to 0..n-1 in ascending id order (plus 0..extra-1). */
static int raw_to_edgelist(raw_edges *r, int64_t extra, socap_edgelist *el) {
  int rc = SOCAP_OK;
  int64_t *ids = NULL;
  int32_t *dense = NULL;
  memset(el, 0, sizeof *el);
  if (extra < 0 || extra > INT32_MAX) goto toomany;

  int64_t maxid = extra - 1;
  for (int64_t e = 0; e < r->m; e++) {
    if (r->u[e] > maxid) maxid = r->u[e];
    if (r->v[e] > maxid) maxid = r->v[e];
  }
  for (int64_t d = 0; d < r->ndecl; d++)
    if (r->decl[d] > maxid) maxid = r->decl[d];
  /* m and ndecl count allocated 8-byte elements and extra < 2^31, so total
   * fits; 4 total and the byte size of ids need not */
  const int64_t total = 2 * r->m + r->ndecl + extra;
  const int64_t dense_max = total <= ((int64_t)1 << 22) ? ((int64_t)1 << 22)
                            : total > INT64_MAX / 4     ? INT64_MAX
                                                        : 4 * total;
  int64_t n = 0;

  if (maxid >= 0 && maxid < dense_max) {
    /* dense: presence flags, then ranks */
    dense = calloc((size_t)maxid + 1, sizeof *dense);
    if (!dense) goto oom;
    for (int64_t e = 0; e < r->m; e++) dense[r->u[e]] = dense[r->v[e]] = 1;
    for (int64_t d = 0; d < r->ndecl; d++) dense[r->decl[d]] = 1;
    for (int64_t x = 0; x < extra; x++) dense[x] = 1;
    for (int64_t x = 0; x <= maxid; x++) n += dense[x];
    if (n > INT32_MAX) goto toomany;
    el->label = malloc(sizeof *el->label * (size_t)(n > 0 ? n : 1));
    if (!el->label) goto oom;
    int32_t k = 0;
    for (int64_t x = 0; x <= maxid; x++)
      if (dense[x]) {
        el->label[k] = x;
        dense[x] = k++;
      } else {
        dense[x] = -1;
      }
  } else if (maxid >= 0) {
    if ((uint64_t)total > SIZE_MAX / sizeof *ids) goto oom;
    ids = malloc(sizeof *ids * (size_t)total);
    if (!ids) goto oom;
    int64_t t = 0;
    for (int64_t e = 0; e < r->m; e++) {
      ids[t++] = r->u[e];
      ids[t++] = r->v[e];
    }
    for (int64_t d = 0; d < r->ndecl; d++) ids[t++] = r->decl[d];
    for (int64_t x = 0; x < extra; x++) ids[t++] = x;
    qsort(ids, (size_t)total, sizeof *ids, cmp_i64);
    for (int64_t x = 0; x < total; x++)
      if (x == 0 || ids[x] != ids[x - 1]) ids[n++] = ids[x];
    if (n > INT32_MAX) goto toomany;
    el->label = realloc(ids, sizeof *ids * (size_t)n);
    if (!el->label) goto oom;
    ids = NULL;
  }
  el->n = (int32_t)n;
  el->m = r->m;
  size_t mm = (size_t)(r->m > 0 ? r->m : 1);
  el->src = malloc(sizeof *el->src * mm);
  el->dst = malloc(sizeof *el->dst * mm);
  if (!el->src || !el->dst) goto oom;
  for (int64_t e = 0; e < r->m; e++) {
    el->src[e] = dense ? dense[r->u[e]] : find_label(el->label, el->n, r->u[e]);
    el->dst[e] = dense ? dense[r->v[e]] : find_label(el->label, el->n, r->v[e]);
  }
  /* hand over weights and line numbers */
  el->w = r->w;
  el->line = r->line;
  r->w = NULL;
  r->line = NULL;
  goto cleanup;

toomany:
  rc = SOCAP_ERROR(SOCAP_ECONFIG, "more than %d distinct node ids", INT32_MAX);
  goto fail;
oom:
  rc = SOCAP_ERROR(SOCAP_ERUNTIME, "out of memory remapping node ids");
fail:
  socap_edgelist_free(el);
cleanup:
  free(ids);
  free(dense);
  return rc;
}

/* ---- CSV ---------------------------------------------------------------- */

/* Split @p s at commas into at most @p max fields, trimmed of spaces and tabs
 * (and of the line end). A field that starts with a double quote is quoted as
 * in RFC 4180: its content is kept as it is, commas and spaces included, and
 * "" stands for one quote; only spaces and tabs may follow the closing quote.
 * Returns the count (max + 1 if there are more), or -1 for a malformed quoted
 * field, whose 1-based number goes to *bad. */
static int split_fields(char *s, char **f, int max, int *bad) {
  int nf = 0;
  for (;;) {
    while (*s == ' ' || *s == '\t') s++;
    char *field = s, *end;
    if (*s == '"') {
      /* unescape in place: the write position never passes the read one */
      char *r = s + 1, *w = s;
      for (;;) {
        if (!*r) {
          *bad = nf + 1;
          return -1;
        }
        if (*r == '"') {
          if (r[1] != '"') break;
          r++;
        }
        *w++ = *r++;
      }
      r++;
      while (*r == ' ' || *r == '\t' || *r == '\r' || *r == '\n') r++;
      if (*r && *r != ',') {
        *bad = nf + 1;
        return -1;
      }
      end = *r ? r : NULL;
      *w = 0;
    } else {
      end = strchr(s, ',');
      char *t = end ? end : s + strlen(s);
      while (t > s && (t[-1] == ' ' || t[-1] == '\t' || t[-1] == '\r' || t[-1] == '\n')) t--;
      *t = 0;
    }
    if (nf == max) return max + 1;
    f[nf++] = field;
    if (!end) return nf;
    s = end + 1;
  }
}

static int parse_id(const char *s, int64_t *out) {
  if (!*s || *s == '-' || *s == '+') return -1;
  for (const char *p = s; *p; p++)
    if (*p < '0' || *p > '9') return -1;
  errno = 0;
  char *end;
  long long v = strtoll(s, &end, 10);
  if (errno || *end) return -1;
  *out = (int64_t)v;
  return 0;
}

/* 1 if the whole of @p s reads as a number (strtod: sign, fraction,
 * exponent, inf, nan): such a first field is data, never a header. */
static int looks_numeric(const char *s) {
  char *end;
  if (!*s) return 0;
  (void)strtod(s, &end);
  return end != s && *end == 0;
}

/* 1 if @p path starts with the HDF5 signature (a socap output given
 * without the ":/table" part). */
static int is_hdf5_file(const char *path) {
  unsigned char b[8];
  FILE *fp = fopen(path, "rb");
  if (!fp) return 0;
  size_t n = fread(b, 1, sizeof b, fp);
  fclose(fp);
  return n == sizeof b && memcmp(b, "\211HDF\r\n\032\n", 8) == 0;
}

/* A field in a message is shown as '%.*s%s', FIELD_SHOWN, f, more(f): at
 * most FIELD_SHOWN bytes (a line may hold 1 MiB), then "..." if cut. */
#define FIELD_SHOWN 64
static const char *more(const char *s) { return strlen(s) > FIELD_SHOWN ? "..." : ""; }

/* Decimal number, as the YAML reader takes them (sim/config.c):
 * [+-]? (digits [. digits*] | . digits) ([eE][+-]?digits)?; strtod alone
 * would also take hex (0x1p3), inf and nan. */
static int is_decimal(const char *s) {
  int digits = 0;
  if (*s == '+' || *s == '-') s++;
  for (; *s >= '0' && *s <= '9'; s++) digits++;
  if (*s == '.')
    for (s++; *s >= '0' && *s <= '9'; s++) digits++;
  if (!digits) return 0;
  if (*s == 'e' || *s == 'E') {
    s++;
    if (*s == '+' || *s == '-') s++;
    if (*s < '0' || *s > '9') return 0;
    while (*s >= '0' && *s <= '9') s++;
  }
  return *s == 0;
}

static int parse_weight(const char *s, double *out) {
  if (!is_decimal(s)) return -1;
  errno = 0;
  char *end;
  double v = strtod(s, &end);
  if (errno || *end) return -1;
  *out = v;
  return 0;
}

/* Where auto mode first met an id that is not an integer (for messages). */
typedef struct {
  int64_t line; /* 0: none (the ids are text because of --ids text) */
  int field;
  int spaced;  /* the line is one field with spaces or tabs: not comma-separated? */
  char id[72]; /* the id, shortened */
} text_hint;

/* Added to messages about a line that is one field with spaces or tabs in
 * it, as lines separated by spaces or tabs are read. */
static const char sep_hint[] = "; fields are separated by commas: is this file separated by spaces or tabs?";

static int one_spaced_field(char **f, int nf) { return nf == 1 && strpbrk(f[0], " \t") != NULL; }

static void hint_set(text_hint *h, int64_t line, int field, const char *id) {
  h->line = line;
  h->field = field;
  size_t len = strlen(id);
  if (len < sizeof h->id) {
    memcpy(h->id, id, len + 1);
  } else {
    memcpy(h->id, id, sizeof h->id - 4);
    memcpy(h->id + sizeof h->id - 4, "...", 4);
  }
}

/* Internal header mode of csv_scan(): with text ids and no --header or
 * --no-header, the first data line is an error. */
#define HEADER_ASK 3

/* Stops the integer scan of auto mode: the ids are text. */
#define SCAN_TEXT (-1)

typedef int (*csv_line_fn)(void *ctx, const char *path, int64_t line, char **f, int nf);

typedef struct {
  const char *path;
  int maxf;              /* fields per line at most */
  int header;            /* socap_header_mode or HEADER_ASK */
  int header_field;      /* DETECT: the first line is a header if this field is not an integer */
  const text_hint *hint; /* HEADER_ASK: why the ids are text (NULL: --ids text) */
  csv_line_fn fn;        /* called per data line; a nonzero return stops the scan */
  void *ctx;
} csv_scan_spec;

static int header_required(const char *path, int64_t line, const text_hint *h) {
  if (h && h->line > 0)
    return SOCAP_ERROR(SOCAP_ECONFIG,
                       "%s:%lld: cannot tell whether this line is a header: the node ids are text "
                       "(line %lld, field %d: '%s' is not an integer%s); pass --header if it is a header "
                       "or --no-header if it is data",
                       path, (long long)line, (long long)h->line, h->field, h->id, h->spaced ? sep_hint : "");
  return SOCAP_ERROR(SOCAP_ECONFIG,
                     "%s:%lld: cannot tell whether this line is a header: the node ids are text (--ids text); "
                     "pass --header if it is a header or --no-header if it is data",
                     path, (long long)line);
}

/* Longest line of a CSV input (edge list, --groups), line end excluded: a
 * longer one is an error, not a buffer that grows without bound (a binary
 * file, /dev/zero). */
#define CSV_LINE_MAX ((size_t)1 << 20)

/* Read one line of @p fp into *buf (with its '\n', if any; NUL-terminated).
 * Returns its length, or -1 at the end of the file or on a read error, -2 at
 * a NUL byte and -3 for a line longer than CSV_LINE_MAX, each as soon as it
 * is met. */
static ssize_t read_line(FILE *fp, char **buf, size_t *cap) {
  size_t len = 0;
  int c = EOF;
  while ((c = getc_unlocked(fp)) != EOF) {
    if (c == 0) return -2;
    if (c != '\n' && (len > CSV_LINE_MAX || (len == CSV_LINE_MAX && c != '\r'))) return -3;
    if (len + 2 > *cap) { /* room for c and the NUL; at most CSV_LINE_MAX, CR, LF, NUL */
      size_t ncap = *cap ? 2 * *cap : 256;
      if (ncap > CSV_LINE_MAX + 3) ncap = CSV_LINE_MAX + 3;
      char *b = realloc(*buf, ncap);
      if (!b) return -4;
      *buf = b;
      *cap = ncap;
    }
    (*buf)[len++] = (char)c;
    if (c == '\n') break;
  }
  if (len == 0) return -1;
  (*buf)[len] = 0;
  return (ssize_t)len;
}

/* The offset of the first CR of @p s that does not end the line (CR LF, or
 * CR at the end of the file) and is not inside a quoted field; -1 if none. */
static ssize_t bare_cr(const char *s) {
  const char *p = s;
  for (;;) {
    while (*p == ' ' || *p == '\t') p++;
    if (*p == '"') /* skip the quoted content ("" is two quotes) */
      for (p++; *p && *p != '\n'; p++)
        if (*p == '"' && *++p != '"') break;
    for (; *p && *p != ','; p++)
      if (*p == '\r' && p[1] != '\n' && p[1] != 0) return p - s;
    if (!*p) return -1;
    p++;
  }
}

/* Read the lines of @p fp: blank lines and '#' comments are skipped, the
 * first remaining line is handled by the header rule, every other one is
 * split and handed to sp->fn. */
static int csv_scan(FILE *fp, const csv_scan_spec *sp) {
  const char *path = sp->path;
  char *buf = NULL;
  size_t cap = 0;
  ssize_t len;
  int64_t line = 0;
  int first = 1, rc = SOCAP_OK;
  char *f[8];
  while ((len = read_line(fp, &buf, &cap)) >= 0 || len < -1) {
    line++;
    if (len == -2) {
      rc = SOCAP_ERROR(SOCAP_ECONFIG, "%s:%lld: NUL byte in the line (is this a text file?)", path, (long long)line);
      break;
    }
    if (len == -3) {
      rc = SOCAP_ERROR(SOCAP_ECONFIG, "%s:%lld: line longer than %zu bytes (1 MiB, the limit of one CSV line)", path,
                       (long long)line, CSV_LINE_MAX);
      break;
    }
    if (len < 0) {
      rc = SOCAP_ERROR(SOCAP_ERUNTIME, "out of memory reading %s", path);
      break;
    }
    if (bare_cr(buf) >= 0) {
      rc = SOCAP_ERROR(SOCAP_ECONFIG,
                       "%s:%lld: CR line endings are not supported (a CR not followed by LF); convert the file "
                       "to LF or CR LF line ends",
                       path, (long long)line);
      break;
    }
    char *s = buf;
    /* a UTF-8 byte-order mark (spreadsheet "CSV UTF-8" exports) is not data */
    if (line == 1 && len >= 3 && memcmp(s, "\xEF\xBB\xBF", 3) == 0) s += 3;
    while (*s == ' ' || *s == '\t') s++;
    if (*s == '#' || *s == 0 || *s == '\n' || (*s == '\r' && s[1] == '\n') || (*s == '\r' && !s[1])) continue;
    if (first && sp->header == SOCAP_HEADER_YES) {
      first = 0;
      continue;
    }
    if (first && sp->header == HEADER_ASK) {
      rc = header_required(path, line, sp->hint);
      break;
    }
    int bad = 0;
    int nf = split_fields(s, f, sp->maxf, &bad);
    if (first) {
      first = 0;
      int64_t dummy;
      /* a header has the field that is tested; a line without it (too few
       * fields, or a bad quote) is data, so that its error is reported */
      if (sp->header == SOCAP_HEADER_DETECT && nf > sp->header_field && parse_id(f[sp->header_field], &dummy) &&
          !looks_numeric(f[sp->header_field]))
        continue; /* header: a name there, not a number (a negative, fractional or huge id is bad data) */
    }
    if (nf < 0) {
      rc = SOCAP_ERROR(SOCAP_ECONFIG,
                       "%s:%lld: field %d: bad quoted field (no closing quote, or text after it; "
                       "a quoted field cannot span lines)",
                       path, (long long)line, bad);
      break;
    }
    if (nf > sp->maxf) {
      rc = SOCAP_ERROR(SOCAP_ECONFIG, "%s:%lld: expected at most %d fields", path, (long long)line, sp->maxf);
      break;
    }
    if ((rc = sp->fn(sp->ctx, path, line, f, nf))) break;
  }
  if (!rc && ferror(fp)) rc = SOCAP_ERROR(SOCAP_EIO, "error reading %s: %s", path, strerror(errno));
  free(buf);
  return rc;
}

static int csv_scan_path(const csv_scan_spec *sp) {
  FILE *fp = fopen(sp->path, "r");
  if (!fp) return SOCAP_ERROR(SOCAP_EIO, "cannot open %s: %s", sp->path, strerror(errno));
  int rc = csv_scan(fp, sp);
  fclose(fp);
  return rc;
}

/* The weight of an edge line of @p nf (2 or 3) fields; every edge of a file
 * has a weight or none does: a missing one is not taken for 1. */
static int parse_edge_weight(raw_edges *r, const char *path, int64_t line, char **f, int nf, double *w) {
  *w = 1.0;
  if (nf == 3 && parse_weight(f[2], w))
    return SOCAP_ERROR(SOCAP_ECONFIG, "%s:%lld: field 3: bad weight '%.*s%s' (expected a decimal number)", path,
                       (long long)line, FIELD_SHOWN, f[2], more(f[2]));
  if (nf == 3 && (!(*w > 0.0) || !isfinite(*w)))
    return SOCAP_ERROR(SOCAP_ECONFIG, "%s:%lld: field 3: weight %.*s%s is not finite and > 0", path, (long long)line,
                       FIELD_SHOWN, f[2], more(f[2]));
  int64_t *mine = nf < 3 ? &r->line2 : &r->line3, other = nf < 3 ? r->line3 : r->line2;
  if (!*mine) *mine = line;
  if (other)
    return SOCAP_ERROR(SOCAP_ECONFIG,
                       "%s:%lld: edge %s a weight, but line %lld has %s: give every edge a weight or none (a line "
                       "with one id declares a node)",
                       path, (long long)line, nf < 3 ? "without" : "with", (long long)other, nf < 3 ? "one" : "none");
  return SOCAP_OK;
}

/* ---- integer ids ---- */

typedef struct {
  raw_edges r;
  text_hint *hint; /* auto mode: where to note the first text id; NULL: --ids int */
} int_ctx;

static int int_edge_line(void *ctx, const char *path, int64_t line, char **f, int nf) {
  int_ctx *c = ctx;
  int64_t id[2];
  double w;
  for (int k = 0; k < (nf < 2 ? nf : 2); k++)
    if (parse_id(f[k], &id[k])) {
      if (c->hint && *f[k]) {
        hint_set(c->hint, line, k + 1, f[k]);
        c->hint->spaced = one_spaced_field(f, nf);
        return SCAN_TEXT;
      }
      return SOCAP_ERROR(SOCAP_ECONFIG, "%s:%lld: field %d: bad node id '%.*s%s' (expected a non-negative integer)%s",
                         path, (long long)line, k + 1, FIELD_SHOWN, f[k], more(f[k]),
                         one_spaced_field(f, nf) ? sep_hint : "");
    }
  if (nf == 1) return raw_push_decl(&c->r, id[0]);
  int rc = parse_edge_weight(&c->r, path, line, f, nf, &w);
  return rc ? rc : raw_push_edge(&c->r, id[0], id[1], w, line);
}

/* ---- text ids ---- */

/* Distinct ids, interned with an open-addressing hash table: one arena for
 * the strings and a few arrays, so memory grows with the distinct ids, not
 * with the edges, and nothing is allocated per edge. */
typedef struct {
  char *buf;       /* the ids, each NUL-terminated, in first-seen order */
  size_t len, cap; /* bytes used / allocated in buf */
  size_t *off;     /* id k is buf + off[k]; off[n] = len */
  uint64_t *hash;  /* hash of id k */
  int64_t n, capn; /* distinct ids; capacity of hash (off has capn + 1) */
  int32_t *slot;   /* hash slots: an id index or -1 */
  size_t nslot;    /* a power of two, at least 2 n */
} intern;

static void intern_free(intern *in) {
  free(in->buf);
  free(in->off);
  free(in->hash);
  free(in->slot);
  memset(in, 0, sizeof *in);
}

/* FNV-1a, then the murmur3 finaliser so that the low bits (the slot) mix well. */
static uint64_t hash_bytes(const char *s, size_t len) {
  uint64_t h = 14695981039346656037ull;
  for (size_t i = 0; i < len; i++) {
    h ^= (unsigned char)s[i];
    h *= 1099511628211ull;
  }
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdull;
  h ^= h >> 33;
  h *= 0xc4ceb9fe1a85ec53ull;
  h ^= h >> 33;
  return h;
}

static int intern_rehash(intern *in, size_t nslot) {
  int32_t *slot = malloc(sizeof *slot * nslot);
  if (!slot) return SOCAP_ERROR(SOCAP_ERUNTIME, "out of memory reading node ids");
  for (size_t i = 0; i < nslot; i++) slot[i] = -1;
  for (int64_t k = 0; k < in->n; k++) {
    size_t i = (size_t)in->hash[k] & (nslot - 1);
    while (slot[i] >= 0) i = (i + 1) & (nslot - 1);
    slot[i] = (int32_t)k;
  }
  free(in->slot);
  in->slot = slot;
  in->nslot = nslot;
  return SOCAP_OK;
}

/* The index of id @p s (added if new). */
static int intern_get(intern *in, const char *s, int64_t *out) {
  size_t len = strlen(s);
  uint64_t h = hash_bytes(s, len);
  if (2 * (size_t)(in->n + 1) > in->nslot) {
    int rc = intern_rehash(in, in->nslot ? 2 * in->nslot : 4096);
    if (rc) return rc;
  }
  size_t mask = in->nslot - 1, i = (size_t)h & mask;
  for (;; i = (i + 1) & mask) {
    int32_t k = in->slot[i];
    if (k < 0) break;
    if (in->hash[k] == h && in->off[k + 1] - in->off[k] == len + 1 && memcmp(in->buf + in->off[k], s, len) == 0) {
      *out = k;
      return SOCAP_OK;
    }
  }
  if (in->n == INT32_MAX) return SOCAP_ERROR(SOCAP_ECONFIG, "more than %d distinct node ids", INT32_MAX);
  if (in->len + len + 1 > in->cap) {
    size_t cap = in->cap ? 2 * in->cap : 65536;
    while (cap < in->len + len + 1) cap *= 2;
    char *b = realloc(in->buf, cap);
    if (!b) return SOCAP_ERROR(SOCAP_ERUNTIME, "out of memory reading node ids");
    in->buf = b;
    in->cap = cap;
  }
  if (in->n == in->capn) {
    int64_t capn = in->capn ? 2 * in->capn : 4096;
    size_t *o = realloc(in->off, sizeof *o * (size_t)(capn + 1));
    if (o) in->off = o;
    uint64_t *hh = realloc(in->hash, sizeof *hh * (size_t)capn);
    if (hh) in->hash = hh;
    if (!o || !hh) return SOCAP_ERROR(SOCAP_ERUNTIME, "out of memory reading node ids");
    if (in->capn == 0) in->off[0] = 0;
    in->capn = capn;
  }
  memcpy(in->buf + in->len, s, len + 1);
  in->len += len + 1;
  in->hash[in->n] = h;
  in->off[in->n + 1] = in->len;
  in->slot[i] = (int32_t)in->n;
  *out = in->n++;
  return SOCAP_OK;
}

typedef struct {
  raw_edges r; /* u, v are intern indices */
  intern in;
} text_ctx;

static int text_edge_line(void *ctx, const char *path, int64_t line, char **f, int nf) {
  text_ctx *c = ctx;
  int64_t id[2];
  double w;
  int rc;
  for (int k = 0; k < (nf < 2 ? nf : 2); k++) {
    if (!*f[k]) return SOCAP_ERROR(SOCAP_ECONFIG, "%s:%lld: field %d: empty node id", path, (long long)line, k + 1);
    if ((rc = intern_get(&c->in, f[k], &id[k]))) return rc;
  }
  if (nf == 1) return SOCAP_OK; /* a declaration: interning is all it takes */
  if ((rc = parse_edge_weight(&c->r, path, line, f, nf, &w))) return rc;
  return raw_push_edge(&c->r, id[0], id[1], w, line);
}

typedef struct {
  const char *s;
  int32_t k;
} name_ref;

/* strcmp compares as unsigned char: byte order, independent of the locale */
static int cmp_name_ref(const void *a, const void *b) {
  return strcmp(((const name_ref *)a)->s, ((const name_ref *)b)->s);
}

/* Nodes are the interned ids in ascending byte order; edges are mapped
 * through the rank of their intern index. */
static int text_to_edgelist(text_ctx *c, socap_edgelist *el) {
  int rc = SOCAP_OK;
  intern *in = &c->in;
  name_ref *ref = NULL;
  int32_t *rank = NULL;
  const int64_t n = in->n;
  size_t nn = (size_t)(n > 0 ? n : 1), mm = (size_t)(c->r.m > 0 ? c->r.m : 1);
  memset(el, 0, sizeof *el);

  if (in->buf && in->len < in->cap) { /* give back the arena's slack before pointing into it */
    char *b = realloc(in->buf, in->len);
    if (b) in->buf = b;
  }
  ref = malloc(sizeof *ref * nn);
  rank = malloc(sizeof *rank * nn);
  el->name = malloc(sizeof *el->name * nn);
  el->src = malloc(sizeof *el->src * mm);
  el->dst = malloc(sizeof *el->dst * mm);
  if (!ref || !rank || !el->name || !el->src || !el->dst) {
    rc = SOCAP_ERROR(SOCAP_ERUNTIME, "out of memory remapping node ids");
    socap_edgelist_free(el);
    goto cleanup;
  }
  for (int64_t k = 0; k < n; k++) ref[k] = (name_ref){in->buf + in->off[k], (int32_t)k};
  qsort(ref, (size_t)n, sizeof *ref, cmp_name_ref);
  for (int64_t i = 0; i < n; i++) {
    el->name[i] = (char *)ref[i].s;
    rank[ref[i].k] = (int32_t)i;
  }
  for (int64_t e = 0; e < c->r.m; e++) {
    el->src[e] = rank[c->r.u[e]];
    el->dst[e] = rank[c->r.v[e]];
  }
  el->n = (int32_t)n;
  el->m = c->r.m;
  el->name_buf = in->buf;
  in->buf = NULL;
  el->w = c->r.w;
  el->line = c->r.line;
  c->r.w = NULL;
  c->r.line = NULL;
cleanup:
  free(ref);
  free(rank);
  return rc;
}

static int read_text(FILE *fp, const char *path, socap_header_mode header, const text_hint *hint, socap_edgelist *el) {
  text_ctx c = {0};
  csv_scan_spec sp = {path, 3, header == SOCAP_HEADER_DETECT ? HEADER_ASK : (int)header, 0, hint, text_edge_line, &c};
  int rc = csv_scan(fp, &sp);
  if (!rc) rc = text_to_edgelist(&c, el);
  raw_free(&c.r);
  intern_free(&c.in);
  return rc;
}

void socap_edgelist_opts_default(socap_edgelist_opts *o) {
  o->ids = SOCAP_IDS_AUTO;
  o->header = SOCAP_HEADER_DETECT;
  o->extra_nodes = 0;
}

static const char nodes_with_text[] =
    "--nodes declares integer ids 0..N-1 and cannot be used with text ids (declare isolates as lines with "
    "a single id instead)";

int socap_edgelist_read_csv_opts(const char *path, const socap_edgelist_opts *o, socap_edgelist *el) {
  socap_edgelist_opts def;
  if (!o) {
    socap_edgelist_opts_default(&def);
    o = &def;
  }
  memset(el, 0, sizeof *el);
  if (o->extra_nodes < 0) return SOCAP_ERROR(SOCAP_ECONFIG, "negative node count");
  if (o->extra_nodes > INT32_MAX)
    return SOCAP_ERROR(SOCAP_ECONFIG, "--nodes %lld is more than %d (node ids are 32-bit)", (long long)o->extra_nodes,
                       INT32_MAX);
  if ((unsigned)o->ids > SOCAP_IDS_TEXT || (unsigned)o->header > SOCAP_HEADER_NO)
    return SOCAP_ERROR(SOCAP_ECONFIG, "bad edge list options");
  if (o->ids == SOCAP_IDS_TEXT && o->extra_nodes > 0) return SOCAP_ERROR(SOCAP_ECONFIG, "%s", nodes_with_text);
  FILE *fp = fopen(path, "r");
  if (!fp) return SOCAP_ERROR(SOCAP_EIO, "cannot open %s: %s", path, strerror(errno));
  int rc = SOCAP_OK, text = o->ids == SOCAP_IDS_TEXT;
  text_hint hint = {0};
  if (!text) {
    int_ctx c = {{0}, o->ids == SOCAP_IDS_AUTO ? &hint : NULL};
    csv_scan_spec sp = {path, 3, (int)o->header, 0, NULL, int_edge_line, &c};
    rc = csv_scan(fp, &sp);
    if (!rc) {
      rc = raw_to_edgelist(&c.r, o->extra_nodes, el);
    } else if (rc == SCAN_TEXT) {
      text = 1;
      rc = SOCAP_OK;
      if (o->extra_nodes > 0)
        rc = SOCAP_ERROR(SOCAP_ECONFIG, "%s:%lld: field %d: node id '%s' is not an integer, so the ids are text; %s",
                         path, (long long)hint.line, hint.field, hint.id, nodes_with_text);
      else if (fseeko(fp, 0, SEEK_SET) != 0)
        rc = SOCAP_ERROR(SOCAP_ECONFIG,
                         "%s:%lld: field %d: node id '%s' is not an integer, and the input cannot be read again "
                         "as text ids; pass --ids text",
                         path, (long long)hint.line, hint.field, hint.id);
      clearerr(fp);
    }
    raw_free(&c.r);
  }
  if (!rc && text) rc = read_text(fp, path, o->header, hint.line > 0 ? &hint : NULL, el);
  if (!rc && el->n == 0) {
    socap_edgelist_free(el);
    rc = SOCAP_ERROR(SOCAP_ECONFIG, "%s: no edges and no nodes (only comments, blank lines or a header)", path);
  }
  if (!rc && text && hint.line > 0) {
    int k = snprintf(el->ids_note, sizeof el->ids_note, "%s:%lld: field %d: '%s' is not an integer", path,
                     (long long)hint.line, hint.field, hint.id);
    if (hint.spaced && k >= 0 && (size_t)k + sizeof sep_hint <= sizeof el->ids_note)
      memcpy(el->ids_note + k, sep_hint, sizeof sep_hint);
  }
  fclose(fp);
  return rc;
}

int socap_edgelist_read_csv(const char *path, int64_t extra_nodes, socap_edgelist *el) {
  socap_edgelist_opts o = {SOCAP_IDS_INT, SOCAP_HEADER_DETECT, extra_nodes};
  return socap_edgelist_read_csv_opts(path, &o, el);
}

/* ---- groups ---- */

typedef struct {
  const socap_edgelist *el;
  int32_t *group;
} group_ctx;

/* Node k's group; a node listed again with another group is an error. */
static int set_group(group_ctx *c, const char *path, int64_t line, int32_t k, const char *id, int64_t gid) {
  if (c->group[k] >= 0 && c->group[k] != (int32_t)gid)
    return SOCAP_ERROR(SOCAP_ECONFIG, "%s:%lld: node '%.*s%s' is listed again with group %lld (it had group %d)", path,
                       (long long)line, FIELD_SHOWN, id, more(id), (long long)gid, (int)c->group[k]);
  c->group[k] = (int32_t)gid;
  return SOCAP_OK;
}

static int group_line(void *ctx, const char *path, int64_t line, char **f, int nf) {
  group_ctx *c = ctx;
  int64_t id, gid;
  if (nf != 2) return SOCAP_ERROR(SOCAP_ECONFIG, "%s:%lld: expected 'id,group'", path, (long long)line);
  if (parse_id(f[0], &id) || parse_id(f[1], &gid) || gid > INT32_MAX)
    return SOCAP_ERROR(SOCAP_ECONFIG, "%s:%lld: bad id or group (non-negative integers)", path, (long long)line);
  int32_t k = find_label(c->el->label, c->el->n, id);
  if (k >= c->el->n || c->el->label[k] != id) return SOCAP_OK; /* not a node of this graph */
  return set_group(c, path, line, k, f[0], gid);
}

/* Node of text id @p s, or -1: binary search of the sorted names. */
static int32_t find_name(char *const *name, int32_t n, const char *s) {
  int32_t lo = 0, hi = n;
  while (lo < hi) {
    int32_t mid = lo + (hi - lo) / 2;
    int c = strcmp(name[mid], s);
    if (c == 0) return mid;
    if (c < 0)
      lo = mid + 1;
    else
      hi = mid;
  }
  return -1;
}

static int group_line_text(void *ctx, const char *path, int64_t line, char **f, int nf) {
  group_ctx *c = ctx;
  int64_t gid;
  if (nf != 2) return SOCAP_ERROR(SOCAP_ECONFIG, "%s:%lld: expected 'id,group'", path, (long long)line);
  if (parse_id(f[1], &gid) || gid > INT32_MAX)
    return SOCAP_ERROR(SOCAP_ECONFIG, "%s:%lld: field 2: bad group '%.*s%s' (expected a non-negative integer)", path,
                       (long long)line, FIELD_SHOWN, f[1], more(f[1]));
  int32_t k = find_name(c->el->name, c->el->n, f[0]);
  if (k < 0)
    return SOCAP_ERROR(SOCAP_ECONFIG, "%s:%lld: field 1: node id '%.*s%s' is not in the edge list", path,
                       (long long)line, FIELD_SHOWN, f[0], more(f[0]));
  return set_group(c, path, line, k, f[0], gid);
}

int socap_groups_read_csv(const char *path, const socap_edgelist *el, int32_t *group) {
  for (int32_t i = 0; i < el->n; i++) group[i] = -1;
  group_ctx c = {el, group};
  const int text = el->name != NULL;
  /* with text ids the first line is a header if its group field is not an integer */
  csv_scan_spec sp = {path, 2, SOCAP_HEADER_DETECT, text ? 1 : 0, NULL, text ? group_line_text : group_line, &c};
  int rc = csv_scan_path(&sp);
  if (rc) return rc;
  for (int32_t i = 0; i < el->n; i++)
    if (group[i] < 0) {
      if (text)
        return SOCAP_ERROR(SOCAP_ECONFIG, "%s: node '%.*s%s' has no group", path, FIELD_SHOWN, el->name[i],
                           more(el->name[i]));
      return SOCAP_ERROR(SOCAP_ECONFIG, "%s: node %lld has no group", path, (long long)(el->label ? el->label[i] : i));
    }
  return SOCAP_OK;
}

/* ---- HDF5 snapshot input ------------------------------------------------- */

static int h5_exists(hid_t loc, const char *name) {
  htri_t r = -1;
  H5E_BEGIN_TRY { r = H5Lexists(loc, name, H5P_DEFAULT); }
  H5E_END_TRY;
  return r > 0;
}

/* What a dataset or attribute of type class @p c holds, for messages. */
static const char *h5_class_name(H5T_class_t c) {
  return c == H5T_INTEGER  ? "integers"
         : c == H5T_FLOAT  ? "floating-point numbers"
         : c == H5T_STRING ? "strings"
                           : "non-numbers";
}

/* Read 1-D dataset @p name of @p grp converted to @p memtype: an integer
 * @p memtype needs an integer dataset (ids, states, steps are not rounded),
 * a floating-point one a numeric dataset. *len is the expected length, or
 * (hsize_t)-1 to take the dataset's. */
static int h5_read_column(hid_t grp, const char *name, hid_t memtype, size_t elsize, hsize_t *len, void **out,
                          const char *path, const char *group) {
  hid_t d = H5I_INVALID_HID, sp = H5I_INVALID_HID;
  int rc = SOCAP_OK;
  *out = NULL;
  if (h5_exists(grp, name)) {
    H5E_BEGIN_TRY { d = H5Dopen2(grp, name, H5P_DEFAULT); }
    H5E_END_TRY;
  }
  if (d < 0) return SOCAP_ERROR(SOCAP_EIO, "%s:%s: no dataset '%s'", path, group, name);
  sp = H5Dget_space(d);
  if (sp < 0 || H5Sget_simple_extent_ndims(sp) != 1) {
    rc = SOCAP_ERROR(SOCAP_EIO, "%s:%s/%s: not a 1-D dataset", path, group, name);
    goto cleanup;
  }
  hid_t ft = H5Dget_type(d);
  H5T_class_t fc = ft >= 0 ? H5Tget_class(ft) : H5T_NO_CLASS;
  if (ft >= 0) H5Tclose(ft);
  const int want_int = H5Tget_class(memtype) == H5T_INTEGER;
  if (fc != H5T_INTEGER && (want_int || fc != H5T_FLOAT)) {
    rc = SOCAP_ERROR(SOCAP_ECONFIG, "%s:%s/%s holds %s, not %s", path, group, name, h5_class_name(fc),
                     want_int ? "integers (ids, states, steps and tasks must be integers)" : "numbers");
    goto cleanup;
  }
  hsize_t n = 0;
  H5Sget_simple_extent_dims(sp, &n, NULL);
  if (*len != (hsize_t)-1 && n != *len) {
    rc = SOCAP_ERROR(SOCAP_EIO, "%s:%s/%s: length %llu differs from the other columns (%llu)", path, group, name,
                     (unsigned long long)n, (unsigned long long)*len);
    goto cleanup;
  }
  *len = n;
  *out = malloc(elsize * (size_t)(n > 0 ? n : 1));
  if (!*out) {
    rc = SOCAP_ERROR(SOCAP_ERUNTIME, "out of memory reading %s", name);
    goto cleanup;
  }
  herr_t e = 0;
  if (n > 0) {
    H5E_BEGIN_TRY { e = H5Dread(d, memtype, H5S_ALL, H5S_ALL, H5P_DEFAULT, *out); }
    H5E_END_TRY;
  }
  if (e < 0) {
    rc = SOCAP_ERROR(SOCAP_EIO, "%s:%s/%s: read failed", path, group, name);
    free(*out);
    *out = NULL;
  }
cleanup:
  if (sp >= 0) H5Sclose(sp);
  H5Dclose(d);
  return rc;
}

/* Node count attribute @p name of @p obj (@p where in messages): *found is 1
 * and *out its value if there is one. Anything but one integer in
 * 0..INT32_MAX is an error, not an absent attribute. */
static int h5_count_attr(hid_t obj, const char *name, const char *path, const char *where, int64_t *out, int *found) {
  htri_t ex;
  hid_t a = H5I_INVALID_HID, t = H5I_INVALID_HID, sp = H5I_INVALID_HID;
  long long v = 0;
  herr_t e = -1;
  *found = 0;
  H5E_BEGIN_TRY {
    ex = H5Aexists(obj, name);
    if (ex > 0) a = H5Aopen(obj, name, H5P_DEFAULT);
    if (a >= 0) t = H5Aget_type(a);
    if (a >= 0) sp = H5Aget_space(a);
  }
  H5E_END_TRY;
  if (ex <= 0) return SOCAP_OK;
  H5T_class_t c = t >= 0 ? H5Tget_class(t) : H5T_NO_CLASS;
  if (c == H5T_INTEGER && sp >= 0 && H5Sget_simple_extent_npoints(sp) == 1) {
    H5E_BEGIN_TRY { e = H5Aread(a, H5T_NATIVE_LLONG, &v); }
    H5E_END_TRY;
  }
  if (sp >= 0) H5Sclose(sp);
  if (t >= 0) H5Tclose(t);
  if (a >= 0) H5Aclose(a);
  if (c != H5T_INTEGER)
    return SOCAP_ERROR(SOCAP_ECONFIG, "%s:%s: attribute '%s' holds %s; expected one integer (the number of nodes)",
                       path, where, name, h5_class_name(c));
  if (e < 0)
    return SOCAP_ERROR(SOCAP_ECONFIG, "%s:%s: attribute '%s' is not one integer (the number of nodes)", path, where,
                       name);
  if (v < 0 || v > INT32_MAX)
    return SOCAP_ERROR(SOCAP_ECONFIG, "%s:%s: attribute '%s' is %lld; expected a number of nodes 0..%d", path, where,
                       name, v, INT32_MAX);
  *out = (int64_t)v;
  *found = 1;
  return SOCAP_OK;
}

/* "prefix_123" -> 123, else -1 */
static int64_t component_number(const char *s, const char *prefix) {
  size_t k = strlen(prefix);
  int64_t v;
  if (strncmp(s, prefix, k) != 0 || parse_id(s + k, &v)) return -1;
  return v;
}

/* Agents of @p task (all rows if task < 0 or there is no task column) from
 * the simulator's /agents table: n = max agent + 1 (0 without /agents), and
 * their groups (NULL if there is no group column). An agent id out of
 * 0..INT32_MAX-1, a negative group or an agent without a row when there are
 * groups is an error. */
static int h5_agents(hid_t f, const char *path, int64_t task, int64_t *n, int32_t **group) {
  int64_t *agent = NULL, *tk = NULL, *grp = NULL;
  hsize_t len = (hsize_t)-1;
  int rc = SOCAP_OK;
  *n = 0;
  *group = NULL;
  if (!h5_exists(f, "agents") || !h5_exists(f, "agents/agent")) return SOCAP_OK;
  hid_t a = H5Gopen2(f, "agents", H5P_DEFAULT);
  if (a < 0) return SOCAP_OK;
  if ((rc = h5_read_column(a, "agent", H5T_NATIVE_INT64, 8, &len, (void **)&agent, path, "/agents"))) goto cleanup;
  if (h5_exists(a, "task") &&
      (rc = h5_read_column(a, "task", H5T_NATIVE_INT64, 8, &len, (void **)&tk, path, "/agents")))
    goto cleanup;
  if (h5_exists(a, "group") &&
      (rc = h5_read_column(a, "group", H5T_NATIVE_INT64, 8, &len, (void **)&grp, path, "/agents")))
    goto cleanup;
  int64_t nmax = 0;
  for (hsize_t r = 0; r < len; r++) {
    if (tk && task >= 0 && tk[r] != task) continue;
    if (agent[r] < 0 || agent[r] >= INT32_MAX) {
      rc = SOCAP_ERROR(SOCAP_ECONFIG, "%s:/agents row %llu: agent id %lld out of range (0..%d)", path,
                       (unsigned long long)r, (long long)agent[r], INT32_MAX - 1);
      goto cleanup;
    }
    if (grp && (grp[r] < 0 || grp[r] > INT32_MAX)) {
      rc = SOCAP_ERROR(SOCAP_ECONFIG, "%s:/agents row %llu: group %lld of agent %lld (groups are integers 0..%d)", path,
                       (unsigned long long)r, (long long)grp[r], (long long)agent[r], INT32_MAX);
      goto cleanup;
    }
    if (agent[r] + 1 > nmax) nmax = agent[r] + 1;
  }
  *n = nmax;
  if (grp && nmax > 0) {
    int32_t *g = malloc(sizeof *g * (size_t)nmax);
    if (!g) {
      rc = SOCAP_ERROR(SOCAP_ERUNTIME, "out of memory");
      goto cleanup;
    }
    for (int64_t i = 0; i < nmax; i++) g[i] = -1;
    for (hsize_t r = 0; r < len; r++)
      if (!tk || task < 0 || tk[r] == task) g[agent[r]] = (int32_t)grp[r];
    for (int64_t i = 0; i < nmax; i++)
      if (g[i] < 0) {
        rc = SOCAP_ERROR(SOCAP_ECONFIG, "%s:/agents has no row for agent %lld (agents 0..%lld have groups)", path,
                         (long long)i, (long long)nmax - 1);
        free(g);
        goto cleanup;
      }
    *group = g;
  }
cleanup:
  free(agent);
  free(tk);
  free(grp);
  H5Gclose(a);
  return rc;
}

int socap_edgelist_read_h5(const char *path, const char *object, int64_t extra_nodes, socap_edgelist *el) {
  int rc = SOCAP_OK;
  hid_t f = H5I_INVALID_HID, g = H5I_INVALID_HID;
  int64_t *src = NULL, *dst = NULL, *state = NULL, *stp = NULL, *tk = NULL;
  double *w = NULL;
  int32_t *agroup = NULL;
  char *tbl = NULL;
  int64_t step = -1, task = -1;
  memset(el, 0, sizeof *el);
  if (extra_nodes < 0 || extra_nodes > INT32_MAX)
    return SOCAP_ERROR(SOCAP_ECONFIG, "--nodes %lld is not in 0..%d (node ids are 32-bit)", (long long)extra_nodes,
                       INT32_MAX);

  H5E_BEGIN_TRY { f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT); }
  H5E_END_TRY;
  if (f < 0) return SOCAP_ERROR(SOCAP_EIO, "cannot open HDF5 file %s", path);

  /* OBJECT is a table group, or TABLE[/task_T]/step_N selecting its rows */
  tbl = strdup(object);
  if (!tbl) {
    rc = SOCAP_ERROR(SOCAP_ERUNTIME, "out of memory");
    goto cleanup;
  }
  if (!h5_exists(f, tbl)) {
    char *slash = strrchr(tbl, '/');
    if (slash && (step = component_number(slash + 1, "step_")) >= 0) {
      *slash = 0;
      slash = strrchr(tbl, '/');
      if (slash && (task = component_number(slash + 1, "task_")) >= 0) *slash = 0;
    }
    if (step < 0 || !tbl[0] || !h5_exists(f, tbl)) {
      rc = SOCAP_ERROR(SOCAP_EIO, "%s: no table '%s' (expected e.g. /network/step_000052)", path, object);
      goto cleanup;
    }
  }
  H5E_BEGIN_TRY { g = H5Gopen2(f, tbl, H5P_DEFAULT); }
  H5E_END_TRY;
  if (g < 0) {
    rc = SOCAP_ERROR(SOCAP_EIO, "%s: '%s' is not a group", path, tbl);
    goto cleanup;
  }
  hsize_t len = (hsize_t)-1;
  if ((rc = h5_read_column(g, "src", H5T_NATIVE_INT64, 8, &len, (void **)&src, path, tbl)) ||
      (rc = h5_read_column(g, "dst", H5T_NATIVE_INT64, 8, &len, (void **)&dst, path, tbl)) ||
      (rc = h5_read_column(g, "w", H5T_NATIVE_DOUBLE, 8, &len, (void **)&w, path, tbl)) ||
      (rc = h5_read_column(g, "state", H5T_NATIVE_INT64, 8, &len, (void **)&state, path, tbl)))
    goto cleanup;
  if (h5_exists(g, "step") && (rc = h5_read_column(g, "step", H5T_NATIVE_INT64, 8, &len, (void **)&stp, path, tbl)))
    goto cleanup;
  if (h5_exists(g, "task") && (rc = h5_read_column(g, "task", H5T_NATIVE_INT64, 8, &len, (void **)&tk, path, tbl)))
    goto cleanup;
  if (step >= 0 && !stp) {
    rc = SOCAP_ERROR(SOCAP_EIO, "%s:%s has no step column to select step %lld", path, tbl, (long long)step);
    goto cleanup;
  }
  if (task >= 0 && !tk) {
    rc = SOCAP_ERROR(SOCAP_EIO, "%s:%s has no task column to select task %lld", path, tbl, (long long)task);
    goto cleanup;
  }
  /* without an explicit selection, the table must hold one step of one task */
  const int pick_task = tk && task < 0; /* the task is the rows' only one */
  int64_t rows = 0;
  for (hsize_t r = 0; r < len; r++) {
    if (stp && step >= 0 && stp[r] != step) continue;
    if (tk && !pick_task && tk[r] != task) continue;
    if (stp && step < 0 && stp[r] != stp[0]) {
      rc = SOCAP_ERROR(SOCAP_ECONFIG, "%s:%s holds several steps (%lld, %lld, ...); select one as %s/step_N", path, tbl,
                       (long long)stp[0], (long long)stp[r], tbl);
      goto cleanup;
    }
    if (pick_task) {
      if (rows == 0) {
        task = tk[r];
      } else if (tk[r] != task) {
        rc = SOCAP_ERROR(SOCAP_ECONFIG, "%s:%s holds several tasks (%lld, %lld, ...); select one as %s/task_T/step_N",
                         path, tbl, (long long)task, (long long)tk[r], tbl);
        goto cleanup;
      }
    }
    rows++;
  }
  if (step >= 0 && rows == 0) {
    rc = SOCAP_ERROR(SOCAP_ECONFIG, "%s:%s has no rows for step %lld%s", path, tbl, (long long)step,
                     task >= 0 ? " of that task" : "");
    goto cleanup;
  }

  /* the number of agents, if the file gives it: /agents, else an n_agents
   * or n_nodes attribute of the table, else of the file */
  int64_t n = 0, na = 0;
  const char *nfrom = NULL;
  if ((rc = h5_agents(f, path, tk ? task : -1, &na, &agroup))) goto cleanup;
  n = na;
  if (n > 0) nfrom = "/agents";
  static const char *const count_attr[] = {"n_agents", "n_nodes"};
  for (int k = 0; k < 4 && !nfrom; k++) {
    int found = 0;
    if ((rc = h5_count_attr(k < 2 ? g : f, count_attr[k % 2], path, k < 2 ? tbl : "/", &n, &found))) goto cleanup;
    if (found) nfrom = count_attr[k % 2];
  }
  const int64_t ndecl = n;
  if (extra_nodes > n) n = extra_nodes;
  int64_t m = 0;
  for (hsize_t r = 0; r < len; r++) {
    if ((stp && step >= 0 && stp[r] != step) || (tk && tk[r] != task)) continue;
    if (state[r] != 0 && state[r] != 1) {
      rc = SOCAP_ERROR(SOCAP_ECONFIG, "%s:%s row %llu: state %lld (expected 0 = dormant or 1 = active)", path, tbl,
                       (unsigned long long)r, (long long)state[r]);
      goto cleanup;
    }
    if (state[r] != 1) continue;
    if (src[r] < 0 || dst[r] < 0 || src[r] > INT32_MAX || dst[r] > INT32_MAX) {
      rc = SOCAP_ERROR(SOCAP_ECONFIG, "%s:%s row %llu: node id out of range", path, tbl, (unsigned long long)r);
      goto cleanup;
    }
    if (nfrom && (src[r] >= ndecl || dst[r] >= ndecl)) {
      rc = SOCAP_ERROR(SOCAP_ECONFIG,
                       "%s:%s row %llu: active tie %lld-%lld names agent %lld, but %s%s gives %lld "
                       "agents (ids 0..%lld)",
                       path, tbl, (unsigned long long)r, (long long)src[r], (long long)dst[r],
                       (long long)(src[r] >= ndecl ? src[r] : dst[r]), nfrom[0] == '/' ? "" : "the attribute ", nfrom,
                       (long long)ndecl, (long long)ndecl - 1);
      goto cleanup;
    }
    if (!(w[r] > 0.0) || !isfinite(w[r])) {
      rc = SOCAP_ERROR(SOCAP_ECONFIG, "%s:%s row %llu: active tie with weight %g (must be finite and > 0)", path, tbl,
                       (unsigned long long)r, w[r]);
      goto cleanup;
    }
    if (src[r] >= n) n = src[r] + 1;
    if (dst[r] >= n) n = dst[r] + 1;
    m++;
  }
  if (n > INT32_MAX) {
    rc = SOCAP_ERROR(SOCAP_ECONFIG, "%s: too many nodes", path);
    goto cleanup;
  }
  size_t mm = (size_t)(m > 0 ? m : 1);
  el->n = (int32_t)n;
  el->m = m;
  el->label = malloc(sizeof *el->label * (size_t)(n > 0 ? n : 1));
  el->src = malloc(sizeof *el->src * mm);
  el->dst = malloc(sizeof *el->dst * mm);
  el->w = malloc(sizeof *el->w * mm);
  el->line = malloc(sizeof *el->line * mm);
  if (!el->label || !el->src || !el->dst || !el->w || !el->line) {
    socap_edgelist_free(el);
    rc = SOCAP_ERROR(SOCAP_ERUNTIME, "out of memory reading %s", path);
    goto cleanup;
  }
  for (int64_t i = 0; i < n; i++) el->label[i] = i;
  int64_t e = 0;
  for (hsize_t r = 0; r < len; r++) {
    if ((stp && step >= 0 && stp[r] != step) || (tk && tk[r] != task) || state[r] != 1) continue;
    el->src[e] = (int32_t)src[r];
    el->dst[e] = (int32_t)dst[r];
    el->w[e] = w[r];
    el->line[e] = (int64_t)r;
    e++;
  }
  /* the simulator's agent groups, if they cover every node */
  if (agroup && na == n) {
    el->group = agroup;
    agroup = NULL;
  }

cleanup:
  free(src);
  free(dst);
  free(w);
  free(state);
  free(stp);
  free(tk);
  free(agroup);
  free(tbl);
  if (g >= 0) H5Gclose(g);
  if (f >= 0) H5Fclose(f);
  return rc;
}

/* Length of the file part of an HDF5 input spec `FILE.h5:/object`, or 0 if
 * @p spec names a CSV file. */
static size_t h5_spec_file_len(const char *spec) {
  const char *suffixes[] = {".h5:", ".hdf5:"};
  for (int s = 0; s < 2; s++) {
    const char *p = strstr(spec, suffixes[s]);
    if (p) return (size_t)(p - spec) + strlen(suffixes[s]) - 1;
  }
  return 0;
}

int socap_edgelist_read_opts(const char *spec, const socap_edgelist_opts *o, socap_edgelist *el) {
  socap_edgelist_opts def;
  if (!o) {
    socap_edgelist_opts_default(&def);
    o = &def;
  }
  size_t flen = h5_spec_file_len(spec);
  if (!flen) return socap_edgelist_read_csv_opts(spec, o, el);
  char *file = malloc(flen + 1);
  if (!file) return SOCAP_ERROR(SOCAP_ERUNTIME, "out of memory");
  memcpy(file, spec, flen);
  file[flen] = 0;
  int rc = socap_edgelist_read_h5(file, spec + flen + 1, o->extra_nodes, el);
  free(file);
  return rc;
}

int socap_edgelist_read(const char *spec, int64_t extra_nodes, socap_edgelist *el) {
  socap_edgelist_opts o = {SOCAP_IDS_INT, SOCAP_HEADER_DETECT, extra_nodes};
  return socap_edgelist_read_opts(spec, &o, el);
}

/* ---- output -------------------------------------------------------------- */

static int file_exists(const char *path) {
  struct stat st;
  return stat(path, &st) == 0;
}

static void put_double(FILE *fp, double x) {
  if (isnan(x))
    fputs("NaN", fp);
  else
    fprintf(fp, "%.17g", x);
}

/* A text id as a CSV field: quoted as in RFC 4180 ("" for a quote) if it
 * holds a comma, quote, CR or LF, starts with '#' or starts or ends with a
 * space or tab (which socap's reader would take for a comment or trim). */
static void put_csv_text(FILE *fp, const char *s) {
  size_t len = strlen(s);
  int quote = strpbrk(s, ",\"\r\n") != NULL || s[0] == '#' || s[0] == ' ' || s[0] == '\t' ||
              (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t'));
  if (!quote) {
    fputs(s, fp);
    return;
  }
  fputc('"', fp);
  for (; *s; s++) {
    if (*s == '"') fputc('"', fp);
    fputc(*s, fp);
  }
  fputc('"', fp);
}

/* The node table as CSV; the id column is name[i] if @p name is set, else
 * label[i] (or i). Written as PATH.part under the lock of the HDF5 outputs
 * (sim/outpart.h): a second writer of PATH is refused, and an output that
 * appears meanwhile is not replaced without @p force. */
static int write_csv(const char *path, int force, const int64_t *label, char *const *name,
                     const socap_node_metrics *m) {
  socap_outpart out;
  int rc = socap_outpart_open(&out, path, force);
  if (rc) return rc;
  /* a stale .part we reuse may be longer; stdio writes through a duplicate,
   * so that closing the stream keeps our lock until the commit */
  FILE *fp = NULL;
  int fd = ftruncate(out.fd, 0) == 0 ? dup(out.fd) : -1;
  if (fd >= 0 && !(fp = fdopen(fd, "w"))) close(fd);
  if (!fp) {
    rc = SOCAP_ERROR(SOCAP_EIO, "cannot write '%s': %s", path, strerror(errno));
    socap_outpart_abort(&out);
    return rc;
  }
  fputs("id,degree,strength,support,constraint,eff_size,efficiency,clustering,reach2,n_groups,blau", fp);
  if (m->betweenness) fputs(",betweenness", fp);
  fputc('\n', fp);
  for (int32_t i = 0; i < m->n; i++) {
    if (name)
      put_csv_text(fp, name[i]);
    else
      fprintf(fp, "%lld", (long long)(label ? label[i] : i));
    fprintf(fp, ",%d,", (int)m->degree[i]);
    put_double(fp, m->strength[i]);
    fputc(',', fp);
    put_double(fp, m->support[i]);
    fputc(',', fp);
    put_double(fp, m->constraint[i]);
    fputc(',', fp);
    put_double(fp, m->eff_size[i]);
    fputc(',', fp);
    put_double(fp, m->efficiency[i]);
    fputc(',', fp);
    put_double(fp, m->clustering[i]);
    fprintf(fp, ",%d,%d,", (int)m->reach2[i], (int)m->n_groups[i]);
    put_double(fp, m->blau[i]);
    if (m->betweenness) {
      fputc(',', fp);
      put_double(fp, m->betweenness[i]);
    }
    fputc('\n', fp);
  }
  int bad = fflush(fp) != 0 || ferror(fp);
  int e = errno;
  if (fclose(fp) != 0 && !bad) {
    bad = 1;
    e = errno;
  }
  if (bad) {
    rc = SOCAP_ERROR(SOCAP_EIO, "cannot write '%s': %s", path, strerror(e ? e : EIO));
    socap_outpart_abort(&out);
    return rc;
  }
  /* fsync, rename (not over an output that appeared meanwhile, unless
   * --force), fsync the directory */
  return socap_outpart_commit(&out);
}

int socap_metrics_write_csv(const char *path, int force, const int64_t *label, const socap_node_metrics *m) {
  return write_csv(path, force, label, NULL, m);
}

/* Rows of the string id column written per chunk: about 1 MiB, at most
 * the tables' 65536. */
static size_t name_chunk_rows(size_t width) {
  size_t r = ((size_t)1 << 20) / width;
  return r < 1 ? 1 : r > 65536 ? 65536 : r;
}

/* Dataset `id` of group @p grp: the text ids as fixed-length, NUL-padded
 * UTF-8 strings as wide as the longest id (h5py reads them as numpy bytes,
 * hdf5r as character), chunked and deflated (level 4) like the table
 * columns of h5out.c. Fixed rather than variable length: the padding
 * compresses away, and readers get one flat array instead of a heap
 * lookup per row. */
static int h5_write_names(hid_t grp, char *const *name, int32_t n) {
  int rc = SOCAP_OK;
  hid_t t = H5I_INVALID_HID, space = H5I_INVALID_HID, dcpl = H5I_INVALID_HID, d = H5I_INVALID_HID;
  hid_t mspace = H5I_INVALID_HID, fspace = H5I_INVALID_HID;
  char *buf = NULL;
  size_t width = 1;
  for (int32_t i = 0; i < n; i++) {
    size_t len = strlen(name[i]);
    if (len > width) width = len;
  }
  size_t rows = name_chunk_rows(width);
  if (n > 0 && (size_t)n < rows) rows = (size_t)n;
  hsize_t dims[1] = {(hsize_t)n}, maxdims[1] = {H5S_UNLIMITED}, chunk[1] = {rows};
  buf = malloc(rows * width);
  if (!buf) return SOCAP_ERROR(SOCAP_ERUNTIME, "out of memory");
  t = H5Tcopy(H5T_C_S1);
  space = H5Screate_simple(1, dims, maxdims);
  dcpl = H5Pcreate(H5P_DATASET_CREATE);
  if (t < 0 || space < 0 || dcpl < 0 || H5Tset_size(t, width) < 0 || H5Tset_strpad(t, H5T_STR_NULLPAD) < 0 ||
      H5Tset_cset(t, H5T_CSET_UTF8) < 0 || H5Pset_chunk(dcpl, 1, chunk) < 0 || H5Pset_deflate(dcpl, 4) < 0 ||
      H5Pset_obj_track_times(dcpl, 0) < 0) {
    rc = SOCAP_ERROR(SOCAP_EIO, "cannot set up the id column");
    goto cleanup;
  }
  d = H5Dcreate2(grp, "id", t, space, H5P_DEFAULT, dcpl, H5P_DEFAULT);
  if (d < 0) {
    rc = SOCAP_ERROR(SOCAP_EIO, "cannot create the id column");
    goto cleanup;
  }
  for (int32_t start = 0; start < n; start += (int32_t)rows) {
    hsize_t off[1] = {(hsize_t)start}, count[1] = {(hsize_t)(n - start < (int32_t)rows ? n - start : (int32_t)rows)};
    memset(buf, 0, (size_t)count[0] * width);
    for (hsize_t r = 0; r < count[0]; r++) {
      const char *s = name[start + (int32_t)r];
      memcpy(buf + r * width, s, strlen(s));
    }
    mspace = H5Screate_simple(1, count, NULL);
    fspace = H5Dget_space(d);
    if (mspace < 0 || fspace < 0 || H5Sselect_hyperslab(fspace, H5S_SELECT_SET, off, NULL, count, NULL) < 0 ||
        H5Dwrite(d, t, mspace, fspace, H5P_DEFAULT, buf) < 0) {
      rc = SOCAP_ERROR(SOCAP_EIO, "cannot write the id column");
      goto cleanup;
    }
    H5Sclose(mspace);
    H5Sclose(fspace);
    mspace = fspace = H5I_INVALID_HID;
  }
  if ((rc = socap_h5_attr_str(d, "units", "1")) ||
      (rc = socap_h5_attr_str(d, "description", "node id (the text id in the input edge list)")))
    goto cleanup;
cleanup:
  if (fspace >= 0) H5Sclose(fspace);
  if (mspace >= 0) H5Sclose(mspace);
  if (d >= 0) H5Dclose(d);
  if (dcpl >= 0) H5Pclose(dcpl);
  if (space >= 0) H5Sclose(space);
  if (t >= 0) H5Tclose(t);
  free(buf);
  return rc;
}

/* The node (and global) tables as HDF5; the id column holds name[i] as
 * strings if @p name is set, else label[i] (or i) as integers. */
static int write_h5(const char *path, int force, const char *source, const int64_t *label, char *const *name,
                    const socap_node_metrics *m, const socap_global_metrics *gm) {
  socap_h5file *f = NULL;
  socap_table *t = NULL;
  void *ids = NULL;
  int rc = SOCAP_OK;
  const int32_t n = m->n;
  int id64 = 0;
  if (label && !name)
    for (int32_t i = 0; i < n; i++)
      if (label[i] > INT32_MAX) id64 = 1;

  if ((rc = socap_h5_create(path, force, &f))) return rc;
  hid_t root = socap_h5_root(f);

  socap_colspec cols[] = {
      {"id", id64 ? SOCAP_COL_I64 : SOCAP_COL_I32, "1", "node id (agent id, or the id in the input edge list)"},
      {"degree", SOCAP_COL_I32, "ties", "number of active ties"},
      {"strength", SOCAP_COL_F64, "1", "sum of tie weights"},
      {"support", SOCAP_COL_F64, "1", "sum of squared tie weights (bonding capital)"},
      {"constraint", SOCAP_COL_F64, "1", "Burt's constraint, weighted (igraph convention); NaN for isolates"},
      {"eff_size", SOCAP_COL_F64, "ties", "Burt's effective size, weighted (NetworkX form); NaN for isolates"},
      {"efficiency", SOCAP_COL_F64, "1", "effective size / degree; NaN for isolates"},
      {"clustering", SOCAP_COL_F64, "1", "unweighted local clustering; NaN if degree < 2"},
      {"reach2", SOCAP_COL_I32, "nodes", "distinct nodes within two hops, excluding the node"},
      {"n_groups", SOCAP_COL_I32, "groups", "distinct groups among neighbours (0 without groups)"},
      {"blau", SOCAP_COL_F64, "1", "Blau index of neighbours' groups; NaN for isolates, 0 without groups"},
      {"betweenness", SOCAP_COL_F64, "paths", "hop-count betweenness, undirected (igraph scale)"},
  };
  int ncols = m->betweenness ? 12 : 11;
  size_t nn = (size_t)(n > 0 ? n : 1);
  if (!name) {
    ids = malloc(nn * (id64 ? 8 : 4));
    if (!ids) {
      rc = SOCAP_ERROR(SOCAP_ERUNTIME, "out of memory");
      goto fail;
    }
    for (int32_t i = 0; i < n; i++) {
      int64_t l = label ? label[i] : i;
      if (id64)
        ((int64_t *)ids)[i] = l;
      else
        ((int32_t *)ids)[i] = (int32_t)l;
    }
  }
  const void *data[] = {ids,           m->degree,     m->strength, m->support,  m->constraint, m->eff_size,
                        m->efficiency, m->clustering, m->reach2,   m->n_groups, m->blau,       m->betweenness};
  /* text ids: the table takes the numeric columns, the string id column is
   * added beside them and listed first in `columns` */
  const int skip = name ? 1 : 0;
  if ((rc = socap_table_create(root, "nodes", "per-node social-capital metrics (socap metrics)", cols + skip,
                               ncols - skip, 0, &t)))
    goto fail;
  if (n > 0 && (rc = socap_table_append(t, (size_t)n, data + skip))) goto fail;
  rc = socap_table_close(t);
  t = NULL;
  if (rc) goto fail;
  if (source || name) {
    hid_t g = H5Gopen2(root, "nodes", H5P_DEFAULT);
    if (g < 0) {
      rc = SOCAP_ERROR(SOCAP_EIO, "cannot reopen /nodes in %s", path);
      goto fail;
    }
    if (name) {
      const char *colnames[12];
      for (int c = 0; c < ncols; c++) colnames[c] = cols[c].name;
      rc = h5_write_names(g, name, n);
      if (!rc) rc = socap_h5_attr_strlist(g, "columns", colnames, ncols);
    }
    if (!rc && source) rc = socap_h5_attr_str(g, "source", source);
    H5Gclose(g);
    if (rc) goto fail;
  }

  if (gm) {
    socap_colspec gc[6 + SOCAP_OVERLAP_BINS] = {
        {"n_nodes", SOCAP_COL_I32, "nodes", "number of nodes"},
        {"n_edges", SOCAP_COL_I64, "ties", "number of undirected ties"},
        {"mean_degree", SOCAP_COL_F64, "ties", "mean degree"},
        {"transitivity", SOCAP_COL_F64, "1", "global transitivity, 3 x triangles / connected triples"},
        {"largest_component", SOCAP_COL_I32, "nodes", "size of the largest connected component"},
        {"n_components", SOCAP_COL_I32, "1", "number of connected components (isolates included)"},
    };
    static const char *const names[SOCAP_OVERLAP_BINS] = {"overlap_d01", "overlap_d02", "overlap_d03", "overlap_d04",
                                                          "overlap_d05", "overlap_d06", "overlap_d07", "overlap_d08",
                                                          "overlap_d09", "overlap_d10"};
    for (int b = 0; b < SOCAP_OVERLAP_BINS; b++)
      gc[6 + b] = (socap_colspec){names[b], SOCAP_COL_F64, "1",
                                  "mean neighbourhood overlap of the ties in this strength decile (d01 weakest)"};
    if ((rc = socap_table_create(root, "global", "global network metrics (socap metrics)", gc, 6 + SOCAP_OVERLAP_BINS,
                                 1, &t)))
      goto fail;
    socap_table_set_i32(t, 0, gm->n_nodes);
    socap_table_set_i64(t, 1, gm->n_edges);
    socap_table_set_f64(t, 2, gm->mean_degree);
    socap_table_set_f64(t, 3, gm->transitivity);
    socap_table_set_i32(t, 4, gm->largest_component);
    socap_table_set_i32(t, 5, gm->n_components);
    for (int b = 0; b < SOCAP_OVERLAP_BINS; b++) socap_table_set_f64(t, 6 + b, gm->overlap_by_decile[b]);
    if ((rc = socap_table_next_row(t))) goto fail;
    rc = socap_table_close(t);
    t = NULL;
    if (rc) goto fail;
  }
  free(ids);
  return socap_h5_commit(f);

fail:
  socap_table_close(t);
  socap_h5_abort(f);
  free(ids);
  return rc;
}

int socap_metrics_write_h5(const char *path, int force, const char *source, const int64_t *label,
                           const socap_node_metrics *m, const socap_global_metrics *gm) {
  return write_h5(path, force, source, label, NULL, m, gm);
}

void socap_metrics_global_print(FILE *f, const socap_global_metrics *gm) {
  fprintf(f, "n_nodes %d\n", (int)gm->n_nodes);
  fprintf(f, "n_edges %lld\n", (long long)gm->n_edges);
  fprintf(f, "mean_degree %.17g\n", gm->mean_degree);
  fprintf(f, "transitivity %.17g\n", gm->transitivity);
  fprintf(f, "largest_component %d\n", (int)gm->largest_component);
  fprintf(f, "n_components %d\n", (int)gm->n_components);
  fprintf(f, "overlap_edges %lld\n", (long long)gm->overlap_edges);
  for (int b = 0; b < SOCAP_OVERLAP_BINS; b++) fprintf(f, "overlap_d%02d %.17g\n", b + 1, gm->overlap_by_decile[b]);
}

/* ---- subcommand ------------------------------------------------------------ */

static double cpu_seconds(void) {
  struct timespec ts;
  if (clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts) != 0) return NAN;
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static void usage(FILE *f) {
  fputs("usage: socap metrics EDGES -o OUT.h5|OUT.csv [options]\n"
        "  EDGES            edge list CSV (src,dst[,weight]; '#' comments; optional header;\n"
        "                   a line with one id declares a node; fields may be \"quoted\")\n"
        "                   or FILE.h5:/network/step_NNNNNN\n"
        "  -o, --output F   output: .h5/.hdf5 (tables /nodes and /global) or .csv (node table)\n"
        "  --threads N      OpenMP threads, 1..4096 (default: OMP_NUM_THREADS or all cores)\n"
        "  --betweenness    also compute hop-count betweenness (exact)\n"
        "  --samples K      estimate betweenness from K sampled pivots (implies --betweenness)\n"
        "  --seed S         seed of the pivot sample (default 1)\n"
        "  --groups G.csv   group of every node (id,group) for n_groups and blau\n"
        "  --nodes N        also declare nodes with ids 0..N-1 (isolates; integer ids only;\n"
        "                   N <= 2147483647)\n"
        "  --ids MODE       CSV node ids: int (non-negative integers, numeric order),\n"
        "                   text (any strings, byte order) or auto (int if every id is\n"
        "                   an integer, else text; the default)\n"
        "  --header         the first CSV line (after comments) is a header\n"
        "  --no-header      the first CSV line is data; with text ids one of the two\n"
        "                   is required (integer ids: a header if its first field is\n"
        "                   not a number)\n"
        "  --force          overwrite an existing output\n"
        "  -q, --quiet      do not print the global metrics on stdout\n"
        "  --timing         print the time of each phase on stderr\n"
        "exit codes: 0 ok, 1 runtime failure, 2 usage or input error, 3 I/O error\n",
        f);
}

/* Largest --threads (the simulator's limit too). */
#define METRICS_MAX_THREADS 4096

/* An option, not a value: "-o --quiet" must not write a file named --quiet
 * (a file whose name starts with '-' is written ./NAME). */
static int is_option(const char *s) { return s[0] == '-' && (s[1] == '-' || isalpha((unsigned char)s[1])); }

static int parse_i64_opt(const char *name, const char *s, int64_t min, int64_t max, const char *why, int64_t *out) {
  char *end;
  errno = 0;
  long long v = s ? strtoll(s, &end, 10) : 0;
  if (!s || errno || *end || !*s || v < min || v > max) {
    if (max == INT64_MAX) return SOCAP_ERROR(SOCAP_ECONFIG, "%s expects an integer >= %lld", name, (long long)min);
    return SOCAP_ERROR(SOCAP_ECONFIG, "%s expects an integer from %lld to %lld%s", name, (long long)min, (long long)max,
                       why);
  }
  *out = (int64_t)v;
  return SOCAP_OK;
}

static int ends_with(const char *s, const char *suf) {
  size_t a = strlen(s), b = strlen(suf);
  return a >= b && strcmp(s + a - b, suf) == 0;
}

int socap_metrics_main(int argc, char **argv) {
  const char *input = NULL, *output = NULL, *groups = NULL;
  int force = 0, quiet = 0, timing = 0, rc = SOCAP_OK;
  double t0 = omp_get_wtime(), t[6] = {0}; /* read, build, metrics, betweenness, -, write */
  double cpu0 = 0, cpu1 = 0;
  int64_t nodes = 0, v = 0;
  int header_flags = 0;
  socap_edgelist_opts eo;
  socap_edgelist_opts_default(&eo);
  socap_metrics_opts o;
  socap_metrics_opts_default(&o);
  socap_edgelist el = {0};
  socap_graph g = {0};
  socap_node_metrics m = {0};
  socap_global_metrics gm;
  int32_t *grp = NULL;

  for (int a = 1; a < argc; a++) {
    const char *s = argv[a];
    const char *next = a + 1 < argc ? argv[a + 1] : NULL;
    if (!strcmp(s, "-h") || !strcmp(s, "--help")) {
      usage(stdout);
      return SOCAP_OK;
    } else if (!strcmp(s, "-o") || !strcmp(s, "--output")) {
      if (!next || is_option(next)) {
        rc = SOCAP_ERROR(SOCAP_ECONFIG, "option '%s' needs a value%s", s, next ? " (a file name, not an option)" : "");
        goto usage_error;
      }
      output = next;
      a++;
    } else if (!strcmp(s, "--threads")) {
      if ((rc = parse_i64_opt(s, next, 1, METRICS_MAX_THREADS, "", &v))) goto usage_error;
      o.threads = (int)v;
      a++;
    } else if (!strcmp(s, "--betweenness")) {
      o.betweenness = 1;
    } else if (!strcmp(s, "--samples")) {
      if ((rc = parse_i64_opt(s, next, 1, INT64_MAX, "", &v))) goto usage_error;
      o.betweenness = 1;
      o.betweenness_samples = v;
      a++;
    } else if (!strcmp(s, "--seed")) {
      if ((rc = parse_i64_opt(s, next, 0, INT64_MAX, "", &v))) goto usage_error;
      o.seed = (uint64_t)v;
      a++;
    } else if (!strcmp(s, "--groups")) {
      if (!next || is_option(next)) {
        rc = SOCAP_ERROR(SOCAP_ECONFIG, "option '%s' needs a value%s", s, next ? " (a file name, not an option)" : "");
        goto usage_error;
      }
      groups = next;
      a++;
    } else if (!strcmp(s, "--nodes")) {
      if ((rc = parse_i64_opt(s, next, 0, INT32_MAX, " (node ids are 32-bit)", &v))) goto usage_error;
      nodes = v;
      a++;
    } else if (!strcmp(s, "--ids")) {
      if (next && !strcmp(next, "int"))
        eo.ids = SOCAP_IDS_INT;
      else if (next && !strcmp(next, "text"))
        eo.ids = SOCAP_IDS_TEXT;
      else if (next && !strcmp(next, "auto"))
        eo.ids = SOCAP_IDS_AUTO;
      else {
        rc = SOCAP_ERROR(SOCAP_ECONFIG, "--ids expects int, text or auto");
        goto usage_error;
      }
      a++;
    } else if (!strcmp(s, "--header") || !strcmp(s, "--no-header")) {
      eo.header = s[2] == 'h' ? SOCAP_HEADER_YES : SOCAP_HEADER_NO;
      header_flags |= s[2] == 'h' ? 1 : 2;
    } else if (!strcmp(s, "--force")) {
      force = 1;
    } else if (!strcmp(s, "--quiet") || !strcmp(s, "-q")) {
      quiet = 1;
    } else if (!strcmp(s, "--timing")) {
      timing = 1;
    } else if (s[0] == '-' && s[1]) {
      rc = SOCAP_ERROR(SOCAP_ECONFIG, "unknown option '%s'", s);
      goto usage_error;
    } else if (!input) {
      input = s;
    } else {
      rc = SOCAP_ERROR(SOCAP_ECONFIG, "unexpected argument '%s'", s);
      goto usage_error;
    }
  }
  if (!input || !output) {
    rc = SOCAP_ERROR(SOCAP_ECONFIG, "an input edge list and -o OUTPUT are required");
    goto usage_error;
  }
  if (header_flags == 3) {
    rc = SOCAP_ERROR(SOCAP_ECONFIG, "--header and --no-header exclude each other");
    goto usage_error;
  }
  if (eo.ids == SOCAP_IDS_TEXT && nodes > 0) {
    rc = SOCAP_ERROR(SOCAP_ECONFIG, "--nodes declares integer ids 0..N-1 and cannot be used with --ids text "
                                    "(declare isolates as lines with a single id instead)");
    goto usage_error;
  }
  if (h5_spec_file_len(input) && (eo.ids == SOCAP_IDS_TEXT || header_flags)) {
    rc = SOCAP_ERROR(SOCAP_ECONFIG, "--ids text, --header and --no-header apply to CSV edge lists only "
                                    "(the ids of an HDF5 snapshot are agent ids)");
    goto usage_error;
  }
  if (!h5_spec_file_len(input) && is_hdf5_file(input)) {
    rc = SOCAP_ERROR(SOCAP_ECONFIG, "'%s' is an HDF5 file, not a CSV edge list: name its tie table, e.g. "
                                    "'%s:/network/step_000052' (see docs/metrics.md)", input, input);
    goto usage_error;
  }
  eo.extra_nodes = nodes;
  int csv = ends_with(output, ".csv");
  if (!csv && !ends_with(output, ".h5") && !ends_with(output, ".hdf5")) {
    rc = SOCAP_ERROR(SOCAP_ECONFIG, "output '%s' must end in .csv, .h5 or .hdf5", output);
    goto usage_error;
  }
  /* never an input, a directory or a device, even with --force (sim/h5out.c) */
  if ((rc = socap_output_check(output, (const char *const[]){input, groups}, 2))) goto fail;
  if (!force && file_exists(output)) {
    rc = SOCAP_ERROR(SOCAP_EIO, "output file '%s' exists (use --force to overwrite)", output);
    goto fail;
  }

  if ((rc = socap_edgelist_read_opts(input, &eo, &el))) goto fail;
  /* auto mode turned to text ids: say so, since it changes the node order
   * and the id column's type (a typo in an integer file would too) */
  if (el.ids_note[0] && !quiet)
    fprintf(stderr,
            "socap metrics: note: the node ids are read as text (%s); nodes are numbered in byte order. Pass "
            "--ids int to require integer ids\n",
            el.ids_note);
  if (!groups && el.group) {
    grp = el.group; /* groups from the simulator's /agents table */
    el.group = NULL;
  } else if (groups) {
    grp = malloc(sizeof *grp * (size_t)(el.n > 0 ? el.n : 1));
    if (!grp) {
      rc = SOCAP_ERROR(SOCAP_ERUNTIME, "out of memory");
      goto fail;
    }
    if ((rc = socap_groups_read_csv(groups, &el, grp))) goto fail;
  }
  t[0] = omp_get_wtime();
  if ((rc = socap_graph_from_edges(&g, el.n, el.m, el.src, el.dst, el.w, grp))) goto fail;
  t[1] = omp_get_wtime();
  if ((rc = socap_node_metrics_alloc(&m, g.n, o.betweenness))) goto fail;
  {
    socap_metrics_opts ob = o;
    ob.betweenness = 0; /* timed separately */
    cpu0 = cpu_seconds();
    if ((rc = socap_metrics_compute(&g, &ob, &m, &gm))) goto fail;
    t[2] = omp_get_wtime();
    cpu1 = cpu_seconds();
    if (o.betweenness && (rc = socap_metrics_betweenness(&g, &o, m.betweenness))) goto fail;
    t[3] = omp_get_wtime();
  }
  if (csv)
    rc = write_csv(output, force, el.label, el.name, &m);
  else
    rc = write_h5(output, force, input, el.label, el.name, &m, &gm);
  if (rc) goto fail;
  t[5] = omp_get_wtime();
  if (timing)
    fprintf(stderr,
            "timing (s): read %.3f build %.3f metrics %.3f metrics_cpu %.3f betweenness %.3f write %.3f "
            "(n %d, edges %lld, threads %d)\n",
            t[0] - t0, t[1] - t[0], t[2] - t[1], cpu1 - cpu0, t[3] - t[2], t[5] - t[3], (int)g.n,
            (long long)(g.off[g.n] / 2), o.threads > 0 ? o.threads : omp_get_max_threads());
  if (!quiet) socap_metrics_global_print(stdout, &gm);
  goto cleanup;

usage_error:
  /* one line and a pointer to the options, as the other commands do */
  fprintf(stderr, "socap metrics: %s\nrun 'socap metrics --help' for usage\n", socap_error_message());
  goto cleanup;
fail:
  fprintf(stderr, "socap metrics: %s\n", socap_error_message());
cleanup:
  free(grp);
  socap_node_metrics_free(&m);
  socap_graph_free(&g);
  socap_edgelist_free(&el);
  return rc;
}
