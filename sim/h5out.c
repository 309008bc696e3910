/* HDF5 output: durable files (write NAME.part, fsync, rename) and column tables. */
#define _GNU_SOURCE /* renameat2, memfd_create, fallocate, F_OFD_SETLK */

#include "socap/h5out.h"
#include "socap/error.h"
#include "outpart.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>
#include <zlib.h>

/* H5Pset_file_locking: HDF5 1.10.7+ and 1.12.1+. */
#if (H5_VERS_MAJOR == 1 && H5_VERS_MINOR == 10 && H5_VERS_RELEASE >= 7) || H5_VERSION_GE(1, 12, 1)
#define SOCAP_H5_FILE_LOCKING_PROP 1
#else
#define SOCAP_H5_FILE_LOCKING_PROP 0
#endif

#define DEFAULT_CHUNK_ROWS ((size_t)65536)
#define DEFLATE_LEVEL 4u

struct socap_h5file {
  hid_t fid;
  socap_outpart out; /* NAME.part, locked for the file's lifetime (sim/outpart.h) */
  uint64_t reserved; /* bytes reserved by socap_h5_reserve(): unused space is given back at commit */
};

struct socap_table {
  hid_t group;
  int ncols;
  hid_t *dsets;
  socap_coltype *types;
  unsigned char **buf;   /* per column, chunk_rows elements */
  unsigned char *is_set; /* per column: set in the current row */
  size_t chunk_rows;
  size_t nbuf;     /* rows buffered, always < chunk_rows between calls */
  size_t nwritten; /* rows already in the file */
  int err;         /* sticky: first failure, reported by later calls */
  /* whole chunks are filtered here, all columns in parallel, and written
   * as they are (table_write_chunks): per column, room for a shuffled and a
   * deflated chunk, and the deflated size */
  unsigned char **zbuf;
  uLongf *zlen;
};

/* ---- helpers ------------------------------------------------------------ */

/* What the HDF5 error stack says: the innermost message, and the system
 * error of a failed read or write if the file driver recorded one (its
 * message reads "... filename = 'F', ..., errno = N, ..."). */
typedef struct {
  char desc[160];
  int err;      /* errno of the failed system call, 0 if none */
  int reading;  /* it was a read */
  char file[1024];
} h5_err_info;

static herr_t scan_h5_error(unsigned n, const H5E_error2_t *e, void *data) {
  (void)n;
  h5_err_info *in = data;
  if (!e->desc || !e->desc[0]) return 0;
  if (!in->desc[0]) {
    /* first line, without the driver's long key = value list */
    size_t k = strcspn(e->desc, "\n");
    const char *colon = strstr(e->desc, ": time = ");
    if (colon && (size_t)(colon - e->desc) < k) k = (size_t)(colon - e->desc);
    snprintf(in->desc, sizeof in->desc, "%.*s", (int)k, e->desc);
  }
  const char *p = strstr(e->desc, "errno = ");
  if (!in->err && p && atoi(p + 8) > 0) {
    in->err = atoi(p + 8);
    in->reading = strstr(e->desc, "read failed") != NULL;
    const char *f = strstr(e->desc, "filename = '");
    if (f) {
      f += strlen("filename = '");
      size_t k = strcspn(f, "'");
      snprintf(in->file, sizeof in->file, "%.*s", (int)k, f);
    }
  }
  return 0;
}

/* The name the user gave: NAME for NAME.part. */
static void strip_part(char *s) {
  size_t n = strlen(s);
  if (n > 5 && !strcmp(s + n - 5, ".part")) s[n - 5] = 0;
}

/* Record an EIO error from the HDF5 error stack (automatic printing is turned
 * off, so this is where the detail goes): "cannot write 'F': <system error>"
 * when a read or write failed (a full disk, a quota), else the innermost
 * HDF5 message. */
static int h5_fail(const char *what, const char *name) {
  h5_err_info in;
  memset(&in, 0, sizeof in);
  H5Ewalk2(H5E_DEFAULT, H5E_WALK_UPWARD, scan_h5_error, &in);
  H5Eclear2(H5E_DEFAULT);
  if (in.err) {
    strip_part(in.file);
    return SOCAP_ERROR(SOCAP_EIO, "cannot %s '%s': %s", in.reading ? "read" : "write",
                       in.file[0] ? in.file : name ? name : "", strerror(in.err));
  }
  return SOCAP_ERROR(SOCAP_EIO, "HDF5: %s '%s' failed%s%s", what, name ? name : "",
                     in.desc[0] ? ": " : "", in.desc);
}

static size_t coltype_size(socap_coltype t) {
  switch (t) {
  case SOCAP_COL_I32: return 4;
  case SOCAP_COL_I64: return 8;
  case SOCAP_COL_F64: return 8;
  case SOCAP_COL_F32: return 4;
  case SOCAP_COL_U8: return 1;
  }
  return 0;
}

static hid_t coltype_h5(socap_coltype t) {
  switch (t) {
  case SOCAP_COL_I32: return H5T_STD_I32LE;
  case SOCAP_COL_I64: return H5T_STD_I64LE;
  case SOCAP_COL_F64: return H5T_IEEE_F64LE;
  case SOCAP_COL_F32: return H5T_IEEE_F32LE;
  case SOCAP_COL_U8: return H5T_STD_U8LE;
  }
  return H5I_INVALID_HID;
}

/* Fixed-length, null-terminated ASCII string type of @p size bytes. */
static hid_t str_type(size_t size) {
  hid_t t = H5Tcopy(H5T_C_S1);
  if (t < 0) return t;
  if (H5Tset_size(t, size) < 0 || H5Tset_strpad(t, H5T_STR_NULLTERM) < 0 ||
      H5Tset_cset(t, H5T_CSET_ASCII) < 0) {
    H5Tclose(t);
    return H5I_INVALID_HID;
  }
  return t;
}

/* Group creation plist without timestamps: times in object headers would make
 * two identical runs produce different bytes. */
static hid_t untimed_gcpl(void) {
  hid_t p = H5Pcreate(H5P_GROUP_CREATE);
  if (p >= 0 && H5Pset_obj_track_times(p, 0) < 0) {
    H5Pclose(p);
    return H5I_INVALID_HID;
  }
  return p;
}

static char *str_dup(const char *s) {
  size_t n = strlen(s) + 1;
  char *d = malloc(n);
  if (d) memcpy(d, s, n);
  return d;
}

/* Create (or open) every group along @p path below @p loc. We do not use
 * H5Pset_create_intermediate_group: HDF5 creates those groups with the default
 * gcpl (timestamps on). The v1 object headers we write happen not to store
 * them, but with libver bounds >= V110 they would break byte-identical output. */
static hid_t open_or_create_groups(hid_t loc, const char *path, hid_t gcpl) {
  char *buf = str_dup(path);
  if (!buf) {
    SOCAP_ERROR(SOCAP_ERUNTIME, "out of memory");
    return H5I_INVALID_HID;
  }
  hid_t cur = H5Iinc_ref(loc) >= 0 ? loc : H5I_INVALID_HID;
  if (cur < 0) {
    h5_fail("open location for", path);
    goto fail;
  }
  char *save = NULL;
  for (char *tok = strtok_r(buf, "/", &save); tok; tok = strtok_r(NULL, "/", &save)) {
    htri_t ex = H5Lexists(cur, tok, H5P_DEFAULT);
    hid_t next = H5I_INVALID_HID;
    if (ex > 0)
      next = H5Gopen2(cur, tok, H5P_DEFAULT);
    else if (ex == 0)
      next = H5Gcreate2(cur, tok, H5P_DEFAULT, gcpl, H5P_DEFAULT);
    if (next < 0) {
      h5_fail("create group", path);
      H5Idec_ref(cur);
      goto fail;
    }
    H5Idec_ref(cur);
    cur = next;
  }
  free(buf);
  return cur;
fail:
  free(buf);
  return H5I_INVALID_HID;
}

/* Split "a/b/c" into the parent group (created as needed) and "c". */
static hid_t parent_group(hid_t loc, const char *name, const char **leaf) {
  const char *slash = strrchr(name, '/');
  if (!slash) {
    *leaf = name;
    if (H5Iinc_ref(loc) < 0) {
      h5_fail("open location for", name);
      return H5I_INVALID_HID;
    }
    return loc;
  }
  *leaf = slash + 1;
  size_t n = (size_t)(slash - name);
  char *dir = malloc(n + 1);
  hid_t gcpl = untimed_gcpl();
  hid_t g = H5I_INVALID_HID;
  if (!dir) {
    SOCAP_ERROR(SOCAP_ERUNTIME, "out of memory");
  } else if (gcpl < 0) {
    h5_fail("create group plist for", name);
  } else {
    memcpy(dir, name, n);
    dir[n] = 0;
    /* A leading '/' means absolute: start from the file's root group. */
    if (name[0] == '/') {
      hid_t root = H5Gopen2(loc, "/", H5P_DEFAULT);
      if (root < 0) {
        h5_fail("open root group for", name);
      } else {
        g = open_or_create_groups(root, dir, gcpl);
        H5Gclose(root);
      }
    } else {
      g = open_or_create_groups(loc, dir, gcpl);
    }
  }
  if (gcpl >= 0) H5Pclose(gcpl);
  free(dir);
  return g;
}

/* ---- files -------------------------------------------------------------- */

static const char *file_kind(mode_t m) {
  if (S_ISDIR(m)) return "a directory";
  if (S_ISFIFO(m)) return "a FIFO";
  if (S_ISCHR(m)) return "a character device";
  if (S_ISBLK(m)) return "a block device";
  if (S_ISSOCK(m)) return "a socket";
  return "a special file";
}

/* SOCAP_EIO if @p path exists and is not a regular file (or a symbolic link
 * to one): renaming over it would replace a directory, a device or a FIFO. */
static int check_regular(const char *path) {
  struct stat st;
  if (stat(path, &st) != 0 || S_ISREG(st.st_mode)) return SOCAP_OK;
  return SOCAP_ERROR(SOCAP_EIO, "output '%s' exists and is not a regular file (%s); refusing to replace it",
                     path, file_kind(st.st_mode));
}

/* stat() an input; "FILE.h5:/group/dataset" names a dataset of FILE.h5. */
static int stat_input(const char *in, struct stat *st) {
  if (stat(in, st) == 0) return 0;
  const char *c = strrchr(in, ':');
  if (!c || c == in) return -1;
  char *file = str_dup(in);
  if (!file) return -1;
  file[c - in] = 0;
  int r = stat(file, st);
  free(file);
  return r;
}

static int check_dir(const char *path);

int socap_output_check(const char *output, const char *const *inputs, int n) {
  if (!output || !output[0]) return SOCAP_ERROR(SOCAP_ECONFIG, "the output file name is empty");
  struct stat so, si;
  if (stat(output, &so) == 0)
    for (int i = 0; i < n; i++)
      if (inputs && inputs[i] && stat_input(inputs[i], &si) == 0 && si.st_dev == so.st_dev &&
          si.st_ino == so.st_ino)
        return SOCAP_ERROR(SOCAP_ECONFIG, "output '%s' is the input '%s'; refusing to overwrite it (even with --force)",
                           output, inputs[i]);
  int rc = check_regular(output);
  return rc ? rc : check_dir(output);
}

/* The directory part of @p path ("." if it has none); caller frees. */
static char *dir_of(const char *path) {
  char *d = str_dup(path);
  char *slash = d ? strrchr(d, '/') : NULL;
  if (!d) return NULL;
  if (!slash) {
    free(d);
    return str_dup(".");
  }
  if (slash == d) slash[1] = 0;
  else *slash = 0;
  return d;
}

/* "cannot create 'PATH': ..." for errno @p err of creating PATH.part. */
static int create_error(const char *path, int err) {
  if (err == ENOENT || err == ENOTDIR) { /* the directory part is wrong: say which */
    char *d = dir_of(path);
    struct stat st;
    int rc;
    if (d && stat(d, &st) != 0 && errno == ENOENT)
      rc = SOCAP_ERROR(SOCAP_EIO, "cannot create '%s': directory '%s' does not exist", path, d);
    else if (d && stat(d, &st) == 0 && !S_ISDIR(st.st_mode))
      rc = SOCAP_ERROR(SOCAP_EIO, "cannot create '%s': '%s' is not a directory", path, d);
    else
      rc = SOCAP_ERROR(SOCAP_EIO, "cannot create '%s': %s", path, strerror(err));
    free(d);
    return rc;
  }
  return SOCAP_ERROR(SOCAP_EIO, "cannot create '%s': %s", path, strerror(err));
}

/* The directory @p path would be created in exists and can be written:
 * checked before any work, so that a mistyped or read-only directory is
 * reported at once, not after a long computation (`socap metrics` reads and
 * computes before it creates its output). Same messages as creating the
 * .part would give. */
static int check_dir(const char *path) {
  char *d = dir_of(path);
  if (!d) return SOCAP_ERROR(SOCAP_ERUNTIME, "out of memory");
  struct stat st;
  int rc = SOCAP_OK;
  if (stat(d, &st) != 0)
    rc = create_error(path, errno);
  else if (!S_ISDIR(st.st_mode))
    rc = create_error(path, ENOTDIR);
  else if (access(d, W_OK | X_OK) != 0)
    rc = create_error(path, errno);
  free(d);
  return rc;
}

/* Lock @p fd exclusively, without waiting. Returns -1 only when another
 * writer holds the lock; a file system without locks counts as success.
 * An open-file-description lock (fcntl), not flock(): HDF5 flock()s the files
 * it opens, and on a local file system the two kinds do not collide, so this
 * works even where HDF5_USE_FILE_LOCKING=TRUE overrides the fapl's "no file
 * locking" below. */
int socap_lock_fd(int fd) {
#ifdef F_OFD_SETLK
  struct flock fl;
  memset(&fl, 0, sizeof fl);
  fl.l_type = F_WRLCK;
  fl.l_whence = SEEK_SET;
  if (fcntl(fd, F_OFD_SETLK, &fl) == 0) return 0;
  return errno == EAGAIN || errno == EACCES ? -1 : 0;
#else
  if (flock(fd, LOCK_EX | LOCK_NB) == 0) return 0;
  return errno == EWOULDBLOCK ? -1 : 0;
#endif
}

/* Open and lock NAME.part (created if absent). The lock is held until commit
 * or abort, so a second writer of the same output refuses instead of deleting
 * our file, and only a .part that no process holds (left by a killed run) is
 * reused (HDF5 truncates it). */
static int open_part(socap_outpart *o) {
  for (int tries = 0; tries < 20; tries++) {
    int fd = open(o->part, O_RDWR | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC, 0666);
    struct stat a, b;
    if (fd < 0 && (errno == ELOOP || errno == EISDIR || errno == ENXIO || errno == EOPNOTSUPP))
      return SOCAP_ERROR(SOCAP_EIO, "cannot create '%s': '%s' exists and is not a regular file", o->path, o->part);
    if (fd < 0) return create_error(o->path, errno);
    if (fstat(fd, &a) != 0 || !S_ISREG(a.st_mode)) {
      close(fd);
      return SOCAP_ERROR(SOCAP_EIO, "cannot create '%s': '%s' exists and is not a regular file", o->path, o->part);
    }
    if (socap_lock_fd(fd) != 0) {
      close(fd);
      return SOCAP_ERROR(SOCAP_EIO, "cannot write '%s': another socap process is writing '%s'", o->path, o->part);
    }
    /* The .part we locked may have been renamed or removed by its writer just
     * before; a stale one with other links must not be truncated in place. */
    if (stat(o->part, &b) == 0 && b.st_dev == a.st_dev && b.st_ino == a.st_ino) {
      if (a.st_nlink <= 1) {
        o->fd = fd;
        return SOCAP_OK;
      }
      unlink(o->part);
    }
    close(fd);
  }
  return SOCAP_ERROR(SOCAP_EIO, "cannot create '%s': '%s' keeps changing", o->path, o->part);
}

/* Close our descriptor (dropping the lock) and free the names. */
static void outpart_release(socap_outpart *o) {
  if (o->fd >= 0) close(o->fd);
  free(o->path);
  free(o->part);
  o->path = o->part = NULL;
  o->fd = -1;
}

int socap_outpart_open(socap_outpart *o, const char *path, int force) {
  struct stat st;
  int rc;
  memset(o, 0, sizeof *o);
  o->fd = -1;
  o->force = force;
  if (!path || !path[0]) return SOCAP_ERROR(SOCAP_ECONFIG, "the output file name is empty");
  if ((rc = check_regular(path))) return rc;
  if (!force && lstat(path, &st) == 0)
    return SOCAP_ERROR(SOCAP_EIO, "output file '%s' exists (use --force to overwrite)", path);
  size_t n = strlen(path);
  o->path = str_dup(path);
  o->part = malloc(n + sizeof ".part");
  if (!o->path || !o->part) {
    outpart_release(o);
    return SOCAP_ERROR(SOCAP_ERUNTIME, "out of memory");
  }
  memcpy(o->part, path, n);
  memcpy(o->part + n, ".part", sizeof ".part");
  if ((rc = open_part(o))) outpart_release(o);
  return rc;
}

void socap_outpart_abort(socap_outpart *o) {
  /* the .part is ours while we hold its lock */
  if (o->fd >= 0) unlink(o->part);
  outpart_release(o);
}

/* Lock the existing file @p part as its writer does (open_part), to remove
 * it: 0 with *fd holding the lock (*fd = -1 if it cannot be opened: gone, or
 * not writable by us, and then removed without a lock as before); 1 if a
 * live process holds it (or its name keeps changing). */
static int lock_stale(const char *part, int *fd) {
  *fd = -1;
  for (int tries = 0; tries < 20; tries++) {
    struct stat a, b;
    int d = open(part, O_RDWR | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
    if (d < 0) return 0;
    if (socap_lock_fd(d) != 0) {
      close(d);
      return 1;
    }
    /* still the file that has this name (its writer may have replaced it) */
    if (fstat(d, &a) == 0 && stat(part, &b) == 0 && a.st_dev == b.st_dev && a.st_ino == b.st_ino) {
      *fd = d;
      return 0;
    }
    close(d);
  }
  return 1;
}

int socap_outpart_remove_stale(char *const *parts, int n, int *held) {
  *held = -1;
  if (n <= 0) return SOCAP_OK;
  int *fds = malloc((size_t)n * sizeof *fds);
  if (!fds) return SOCAP_ERROR(SOCAP_ERUNTIME, "out of memory");
  int k = 0;
  /* hold all their locks before removing any, so that nothing is removed
   * when one of them is live */
  for (; k < n; k++)
    if (lock_stale(parts[k], &fds[k])) {
      *held = k;
      break;
    }
  for (int i = 0; i < k; i++) {
    if (*held < 0) unlink(parts[i]);
    if (fds[i] >= 0) close(fds[i]);
  }
  free(fds);
  return SOCAP_OK;
}

int socap_h5_create(const char *path, int force, socap_h5file **out) {
  int rc = SOCAP_OK;
  hid_t fapl = H5I_INVALID_HID, fcpl = H5I_INVALID_HID;
  socap_h5file *f = NULL;

  if (out) *out = NULL;
  if (!out) return SOCAP_ERROR(SOCAP_ERUNTIME, "socap_h5_create: bad arguments");
  if (!path || !path[0]) return SOCAP_ERROR(SOCAP_ECONFIG, "the output file name is empty");
  H5Eset_auto2(H5E_DEFAULT, NULL, NULL);

  f = calloc(1, sizeof *f);
  if (!f) return SOCAP_ERROR(SOCAP_ERUNTIME, "out of memory");
  f->fid = H5I_INVALID_HID;
  if ((rc = socap_outpart_open(&f->out, path, force))) {
    free(f);
    return rc;
  }
  /* A disk that is already full is reported here, before HDF5 (which leaks
   * when H5Fcreate fails); HDF5 truncates the file, freeing the space again. */
  if ((rc = socap_h5_reserve(f, (uint64_t)1 << 16))) goto cleanup;

  fapl = H5Pcreate(H5P_FILE_ACCESS);
  fcpl = H5Pcreate(H5P_FILE_CREATE);
  /* Earliest format readable by HDF5 1.8, so h5py and R hdf5r builds of any
   * age can read the files. SEMI close degree: H5Fclose fails (rather than
   * silently staying open) if objects are still open, so commit cannot
   * rename a file whose data has not been written. The sec2 driver (the
   * default, named because socap_h5_abort() uses its descriptor). HDF5's own
   * file lock is off: we hold ours (open_part), and a .part is not shared
   * with readers. The fcpl is a gcpl: this
   * keeps timestamps off the root group. */
  if (fapl < 0 || fcpl < 0 || H5Pset_fapl_sec2(fapl) < 0 ||
      H5Pset_libver_bounds(fapl, H5F_LIBVER_EARLIEST, H5F_LIBVER_V18) < 0 ||
      H5Pset_fclose_degree(fapl, H5F_CLOSE_SEMI) < 0 || H5Pset_obj_track_times(fcpl, 0) < 0
#if SOCAP_H5_FILE_LOCKING_PROP
      || H5Pset_file_locking(fapl, 0, 1) < 0
#endif
  ) {
    rc = h5_fail("set up file plists for", f->out.part);
    goto cleanup;
  }
  f->fid = H5Fcreate(f->out.part, H5F_ACC_TRUNC, fcpl, fapl);
  if (f->fid < 0) {
    rc = h5_fail("create file", f->out.path);
    goto cleanup;
  }
  *out = f;
  f = NULL;

cleanup:
  if (fapl >= 0) H5Pclose(fapl);
  if (fcpl >= 0) H5Pclose(fcpl);
  if (f) socap_h5_abort(f);
  return rc;
}

hid_t socap_h5_root(const socap_h5file *f) { return f ? f->fid : H5I_INVALID_HID; }

int socap_h5_reserve(socap_h5file *f, uint64_t bytes) {
  if (!f || f->out.fd < 0 || bytes == 0) return SOCAP_OK;
  const double mib = (double)bytes / 1048576.0;
  if (fallocate(f->out.fd, FALLOC_FL_KEEP_SIZE, 0, (off_t)bytes) == 0) {
    if (bytes > f->reserved) f->reserved = bytes;
    return SOCAP_OK;
  }
  int e = errno;
  if (e == ENOSPC || e == EDQUOT || e == EFBIG) {
    if (bytes < ((uint64_t)1 << 20)) return SOCAP_ERROR(SOCAP_EIO, "cannot write '%s': %s", f->out.path, strerror(e));
    return SOCAP_ERROR(SOCAP_EIO, "cannot write '%s': %s (%.1f MiB needed)", f->out.path, strerror(e), mib);
  }
  /* no fallocate on this file system: at least compare with the free space */
  struct statvfs v;
  struct stat st;
  double have = fstat(f->out.fd, &st) == 0 ? 512.0 * (double)st.st_blocks : 0.0;
  if (fstatvfs(f->out.fd, &v) == 0 && (double)v.f_bavail * (double)v.f_frsize + have < (double)bytes)
    return SOCAP_ERROR(SOCAP_EIO, "cannot write '%s': %s (%.1f MiB needed, %.1f MiB free)", f->out.path,
                       strerror(ENOSPC), mib, (double)v.f_bavail * (double)v.f_frsize / 1048576.0);
  return SOCAP_OK;
}

/* Close everything still open in the file, then the file. Used when giving
 * up, where leaking an fd to a deleted .part is worse than invalidating
 * handles the caller forgot to close. */
static void force_close(hid_t fid) {
  ssize_t n = H5Fget_obj_count(fid, H5F_OBJ_LOCAL | H5F_OBJ_DATASET | H5F_OBJ_GROUP |
                                        H5F_OBJ_DATATYPE | H5F_OBJ_ATTR);
  if (n > 0) {
    hid_t *ids = malloc((size_t)n * sizeof *ids);
    if (ids) {
      ssize_t got = H5Fget_obj_ids(fid, H5F_OBJ_LOCAL | H5F_OBJ_DATASET | H5F_OBJ_GROUP |
                                            H5F_OBJ_DATATYPE | H5F_OBJ_ATTR,
                                   (size_t)n, ids);
      for (ssize_t i = 0; i < got; i++)
        while (H5Iis_valid(ids[i]) > 0 && H5Idec_ref(ids[i]) > 0) {
        }
      free(ids);
    }
  }
  H5Eclear2(H5E_DEFAULT);
  H5Fclose(fid);
  H5Eclear2(H5E_DEFAULT);
}

/* Before closing a file we are throwing away: point HDF5's descriptor at an
 * anonymous memory file. HDF5 writes its metadata when a file is closed; if
 * that write fails (a full disk) H5Fclose fails after freeing the file but
 * leaves its id registered, and HDF5's atexit handler then crashes on it.
 * Writes to memory do not fail, and the .part is deleted anyway. */
static void divert_to_memory(hid_t fid) {
#ifdef MFD_CLOEXEC
  void *h = NULL;
  if (H5Fget_vfd_handle(fid, H5P_DEFAULT, &h) < 0 || !h) {
    H5Eclear2(H5E_DEFAULT);
    return;
  }
  int m = memfd_create("socap-discarded", MFD_CLOEXEC);
  if (m < 0) return;
  dup2(m, *(int *)h);
  close(m);
#else
  (void)fid;
#endif
}

void socap_h5_abort(socap_h5file *f) {
  if (!f) return;
  if (f->fid >= 0) {
    divert_to_memory(f->fid);
    force_close(f->fid);
  }
  socap_outpart_abort(&f->out);
  free(f);
}

static int fsync_path(const char *path, int flags) {
  int fd = open(path, flags | O_CLOEXEC);
  if (fd < 0) return -1;
  int r = fsync(fd);
  int e = errno;
  if (close(fd) != 0 && r == 0) return -1;
  errno = e;
  return r;
}

/* rename(@p from, @p to) that fails with EEXIST if @p to exists. */
static int rename_noreplace(const char *from, const char *to) {
#ifdef RENAME_NOREPLACE
  if (renameat2(AT_FDCWD, from, AT_FDCWD, to, RENAME_NOREPLACE) == 0) return 0;
  if (errno != EINVAL && errno != ENOSYS && errno != ENOTSUP && errno != EOPNOTSUPP) return -1;
#endif
  /* no renameat2 here: a hard link is not made over an existing name */
  if (link(from, to) == 0) {
    if (unlink(from) == 0) return 0;
    int e = errno;
    unlink(to); /* two names for the output: a later run would truncate it as a stale .part */
    errno = e;
    return -1;
  }
  if (errno != EPERM && errno != EOPNOTSUPP && errno != ENOSYS && errno != EMLINK) return -1;
  /* no hard links either: check, then rename (a small window remains) */
  struct stat st;
  if (lstat(to, &st) == 0) {
    errno = EEXIST;
    return -1;
  }
  return rename(from, to);
}

int socap_outpart_commit(socap_outpart *o) {
  int rc = SOCAP_OK;
  char *dir = NULL;
  if ((o->fd >= 0 ? fsync(o->fd) : fsync_path(o->part, O_RDONLY)) != 0) {
    rc = SOCAP_ERROR(SOCAP_EIO, "cannot write '%s': %s", o->path, strerror(errno));
    goto fail;
  }
  /* Without --force, an output that appeared while we wrote is not replaced
   * (another program made it): our complete file is kept as NAME.part. */
  int r;
  if (o->force) {
    struct stat st;
    if (stat(o->path, &st) == 0 && !S_ISREG(st.st_mode)) {
      rc = SOCAP_ERROR(SOCAP_EIO, "output '%s' became %s while this run was writing it and was not replaced; the "
                       "complete output is kept as '%s'", o->path, file_kind(st.st_mode), o->part);
      goto keep;
    }
    r = rename(o->part, o->path);
  } else {
    r = rename_noreplace(o->part, o->path);
  }
  if (r != 0 && errno == EEXIST) {
    rc = SOCAP_ERROR(SOCAP_EIO, "'%s' appeared while this run was writing it and was not replaced; the complete output "
                     "is kept as '%s' (rename it, or rerun with --force)", o->path, o->part);
    goto keep;
  }
  if (r != 0) {
    rc = SOCAP_ERROR(SOCAP_EIO, "cannot rename '%s' to '%s': %s", o->part, o->path, strerror(errno));
    goto fail;
  }
  /* Make the rename itself durable. */
  dir = dir_of(o->path);
  if (!dir) {
    rc = SOCAP_ERROR(SOCAP_ERUNTIME, "out of memory");
  } else if (fsync_path(dir, O_RDONLY | O_DIRECTORY) != 0) {
    /* The complete file is in place; only its durability is in doubt. */
    rc = SOCAP_ERROR(SOCAP_EIO, "cannot fsync directory '%s': %s", dir, strerror(errno));
  }
  free(dir);
keep:
  outpart_release(o);
  return rc;
fail:
  socap_outpart_abort(o);
  return rc;
}

int socap_h5_commit(socap_h5file *f) {
  int rc = SOCAP_OK;
  if (!f) return SOCAP_ERROR(SOCAP_ERUNTIME, "socap_h5_commit: NULL file");

  ssize_t open_objs = H5Fget_obj_count(f->fid, H5F_OBJ_LOCAL | H5F_OBJ_DATASET | H5F_OBJ_GROUP |
                                                   H5F_OBJ_DATATYPE | H5F_OBJ_ATTR);
  if (open_objs != 0) {
    rc = open_objs < 0 ? h5_fail("count open objects in", f->out.part)
                       : SOCAP_ERROR(SOCAP_EIO, "cannot commit '%s': %zd HDF5 objects still open",
                                     f->out.path, open_objs);
    goto fail;
  }
  /* HDF5 1.10 cannot recover from a failed flush (a full disk): the file can
   * no longer be closed, and its id crashes HDF5's atexit handler. So the
   * space for everything HDF5 may still write (all of it lies below the end
   * of its allocated space, plus a margin) is reserved first; if that fails
   * the file is discarded before any flush. */
  hsize_t size = 0;
  if (H5Fget_filesize(f->fid, &size) < 0) {
    rc = h5_fail("get the size of", f->out.path);
    goto fail;
  }
  if ((rc = socap_h5_reserve(f, (uint64_t)size + ((uint64_t)1 << 16)))) goto fail;
  if (H5Fflush(f->fid, H5F_SCOPE_LOCAL) < 0) {
    rc = h5_fail("flush", f->out.path);
    goto fail;
  }
  herr_t cr = H5Fclose(f->fid);
  f->fid = H5I_INVALID_HID;
  if (cr < 0) {
    rc = h5_fail("close", f->out.path);
    goto fail;
  }
  if (f->reserved) {
    /* give back the space reserved beyond the end of the file */
    struct stat st;
    if (fstat(f->out.fd, &st) == 0) {
      if (ftruncate(f->out.fd, st.st_size) != 0) {
        rc = SOCAP_ERROR(SOCAP_EIO, "cannot write '%s': %s", f->out.path, strerror(errno));
        goto fail;
      }
      /* ext4 and tmpfs free it on truncation, XFS may keep it: punch it out
       * too (where that is not supported, the space stays allocated) */
      if ((uint64_t)st.st_size < f->reserved &&
          fallocate(f->out.fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, st.st_size,
                    (off_t)(f->reserved - (uint64_t)st.st_size)) != 0)
        errno = 0;
    }
  }
  /* fsync, rename (not over an output that appeared meanwhile, unless
   * --force), fsync the directory */
  rc = socap_outpart_commit(&f->out);
  free(f);
  return rc;
fail:
  socap_h5_abort(f);
  return rc;
}

/* ---- attributes --------------------------------------------------------- */

static int write_attr(hid_t obj, const char *name, hid_t type, hid_t space, const void *buf) {
  int rc = SOCAP_OK;
  hid_t a = H5I_INVALID_HID;
  htri_t ex = H5Aexists(obj, name);
  if (ex < 0 || (ex > 0 && H5Adelete(obj, name) < 0)) {
    rc = h5_fail("replace attribute", name);
    goto cleanup;
  }
  a = H5Acreate2(obj, name, type, space, H5P_DEFAULT, H5P_DEFAULT);
  if (a < 0 || H5Awrite(a, type, buf) < 0) rc = h5_fail("write attribute", name);
cleanup:
  if (a >= 0) H5Aclose(a);
  return rc;
}

int socap_h5_attr_str(hid_t obj, const char *name, const char *value) {
  if (!name) return SOCAP_ERROR(SOCAP_ERUNTIME, "socap_h5_attr_str: NULL name");
  if (!value) value = "";
  int rc = SOCAP_OK;
  hid_t t = str_type(strlen(value) + 1);
  hid_t s = H5Screate(H5S_SCALAR);
  if (t < 0 || s < 0)
    rc = h5_fail("create type for attribute", name);
  else
    rc = write_attr(obj, name, t, s, value);
  if (t >= 0) H5Tclose(t);
  if (s >= 0) H5Sclose(s);
  return rc;
}

int socap_h5_attr_strlist(hid_t obj, const char *name, const char *const *values, int n) {
  if (!name || n < 0 || (n > 0 && !values))
    return SOCAP_ERROR(SOCAP_ERUNTIME, "socap_h5_attr_strlist: bad arguments");
  int rc = SOCAP_OK;
  size_t width = 1;
  for (int i = 0; i < n; i++) {
    size_t len = values[i] ? strlen(values[i]) + 1 : 1;
    if (len > width) width = len;
  }
  /* calloc: bytes after each terminator are zero, so output is deterministic. */
  char *buf = calloc(n > 0 ? (size_t)n : 1, width);
  hid_t t = H5I_INVALID_HID, s = H5I_INVALID_HID;
  if (!buf) {
    rc = SOCAP_ERROR(SOCAP_ERUNTIME, "out of memory");
    goto cleanup;
  }
  for (int i = 0; i < n; i++)
    if (values[i]) memcpy(buf + (size_t)i * width, values[i], strlen(values[i]));
  hsize_t dims[1] = {(hsize_t)n};
  t = str_type(width);
  s = H5Screate_simple(1, dims, NULL);
  if (t < 0 || s < 0)
    rc = h5_fail("create type for attribute", name);
  else
    rc = write_attr(obj, name, t, s, buf);
cleanup:
  if (t >= 0) H5Tclose(t);
  if (s >= 0) H5Sclose(s);
  free(buf);
  return rc;
}

static int attr_scalar(hid_t obj, const char *name, hid_t type, const void *v) {
  if (!name) return SOCAP_ERROR(SOCAP_ERUNTIME, "attribute: NULL name");
  hid_t s = H5Screate(H5S_SCALAR);
  if (s < 0) return h5_fail("create dataspace for attribute", name);
  int rc = write_attr(obj, name, type, s, v);
  H5Sclose(s);
  return rc;
}

int socap_h5_attr_i64(hid_t obj, const char *name, int64_t value) {
  return attr_scalar(obj, name, H5T_STD_I64LE, &value);
}
/* The memory types are native; HDF5 converts to the little-endian file type. */
int socap_h5_attr_f64(hid_t obj, const char *name, double value) {
  return attr_scalar(obj, name, H5T_IEEE_F64LE, &value);
}

/* ---- text --------------------------------------------------------------- */

int socap_h5_write_text(hid_t loc, const char *name, const char *text, const char *description) {
  if (!name || !name[0]) return SOCAP_ERROR(SOCAP_ERUNTIME, "socap_h5_write_text: NULL name");
  if (!text) text = "";
  int rc = SOCAP_OK;
  const char *leaf = name;
  hid_t parent = H5I_INVALID_HID, t = H5I_INVALID_HID, s = H5I_INVALID_HID;
  hid_t dcpl = H5I_INVALID_HID, d = H5I_INVALID_HID;

  parent = parent_group(loc, name, &leaf);
  if (parent < 0) {
    rc = SOCAP_EIO;
    goto cleanup;
  }
  t = str_type(strlen(text) + 1);
  s = H5Screate(H5S_SCALAR);
  dcpl = H5Pcreate(H5P_DATASET_CREATE);
  if (t < 0 || s < 0 || dcpl < 0 || H5Pset_obj_track_times(dcpl, 0) < 0) {
    rc = h5_fail("set up text dataset", name);
    goto cleanup;
  }
  d = H5Dcreate2(parent, leaf, t, s, H5P_DEFAULT, dcpl, H5P_DEFAULT);
  if (d < 0 || H5Dwrite(d, t, H5S_ALL, H5S_ALL, H5P_DEFAULT, text) < 0) {
    rc = h5_fail("write text dataset", name);
    goto cleanup;
  }
  rc = socap_h5_attr_str(d, "description", description);

cleanup:
  if (d >= 0) H5Dclose(d);
  if (dcpl >= 0) H5Pclose(dcpl);
  if (s >= 0) H5Sclose(s);
  if (t >= 0) H5Tclose(t);
  if (parent >= 0) H5Idec_ref(parent);
  return rc;
}

/* ---- tables ------------------------------------------------------------- */

static void table_free(socap_table *t) {
  if (!t) return;
  for (int c = 0; c < t->ncols; c++) {
    if (t->dsets && t->dsets[c] >= 0) H5Dclose(t->dsets[c]);
    if (t->buf) free(t->buf[c]);
  }
  if (t->group >= 0) H5Gclose(t->group);
  free(t->dsets);
  free(t->types);
  free(t->buf);
  free(t->is_set);
  if (t->zbuf)
    for (int c = 0; c < t->ncols; c++) free(t->zbuf[c]);
  free(t->zbuf);
  free(t->zlen);
  free(t);
}

int socap_table_create(hid_t loc, const char *name, const char *description,
                       const socap_colspec *cols, int ncols, size_t chunk_rows,
                       socap_table **out) {
  int rc = SOCAP_OK;
  socap_table *t = NULL;
  const char **names = NULL;
  const char *leaf = name;
  hid_t parent = H5I_INVALID_HID, gcpl = H5I_INVALID_HID, dcpl = H5I_INVALID_HID;
  hid_t dapl = H5I_INVALID_HID, space = H5I_INVALID_HID;

  if (out) *out = NULL;
  if (!out || !name || !name[0] || !cols || ncols <= 0)
    return SOCAP_ERROR(SOCAP_ERUNTIME, "socap_table_create: bad arguments");
  if (chunk_rows == 0) chunk_rows = DEFAULT_CHUNK_ROWS;
  for (int c = 0; c < ncols; c++) {
    if (!cols[c].name || !cols[c].name[0] || strchr(cols[c].name, '/') ||
        coltype_size(cols[c].type) == 0)
      return SOCAP_ERROR(SOCAP_ERUNTIME, "table '%s': bad column %d ('%s')", name, c,
                         cols[c].name ? cols[c].name : "(null)");
  }
  /* HDF5 chunks are limited to 4 GiB. */
  if (chunk_rows > (size_t)0xFFFFFFFFu / 8)
    return SOCAP_ERROR(SOCAP_ERUNTIME, "table '%s': chunk_rows %zu too large", name, chunk_rows);

  t = calloc(1, sizeof *t);
  if (!t) return SOCAP_ERROR(SOCAP_ERUNTIME, "out of memory");
  t->group = H5I_INVALID_HID;
  t->chunk_rows = chunk_rows;
  t->dsets = malloc((size_t)ncols * sizeof *t->dsets);
  t->types = malloc((size_t)ncols * sizeof *t->types);
  t->buf = calloc((size_t)ncols, sizeof *t->buf);
  t->is_set = calloc((size_t)ncols, 1);
  names = malloc((size_t)ncols * sizeof *names);
  if (!t->dsets || !t->types || !t->buf || !t->is_set || !names) {
    rc = SOCAP_ERROR(SOCAP_ERUNTIME, "out of memory");
    goto cleanup;
  }
  for (int c = 0; c < ncols; c++) t->dsets[c] = H5I_INVALID_HID;
  t->ncols = ncols;
  for (int c = 0; c < ncols; c++) {
    t->types[c] = cols[c].type;
    names[c] = cols[c].name;
    /* calloc: a chunk is never written with uninitialised bytes. */
    t->buf[c] = calloc(chunk_rows, coltype_size(cols[c].type));
    if (!t->buf[c]) {
      rc = SOCAP_ERROR(SOCAP_ERUNTIME, "out of memory");
      goto cleanup;
    }
  }

  parent = parent_group(loc, name, &leaf);
  if (parent < 0) {
    rc = SOCAP_EIO;
    goto cleanup;
  }
  gcpl = untimed_gcpl();
  if (gcpl < 0) {
    rc = h5_fail("create group plist for", name);
    goto cleanup;
  }
  t->group = H5Gcreate2(parent, leaf, H5P_DEFAULT, gcpl, H5P_DEFAULT);
  if (t->group < 0) {
    rc = h5_fail("create table group", name);
    goto cleanup;
  }
  if ((rc = socap_h5_attr_strlist(t->group, "columns", names, ncols)) != SOCAP_OK ||
      (rc = socap_h5_attr_str(t->group, "description", description)) != SOCAP_OK)
    goto cleanup;

  hsize_t dims[1] = {0}, maxdims[1] = {H5S_UNLIMITED}, chunk[1] = {chunk_rows};
  space = H5Screate_simple(1, dims, maxdims);
  dcpl = H5Pcreate(H5P_DATASET_CREATE);
  dapl = H5Pcreate(H5P_DATASET_ACCESS);
  /* Chunks are written whole (except the last), so the chunk cache only
   * costs memory: a zero-byte cache writes each chunk through at once. */
  if (space < 0 || dcpl < 0 || dapl < 0 || H5Pset_chunk(dcpl, 1, chunk) < 0 ||
      H5Pset_shuffle(dcpl) < 0 || H5Pset_deflate(dcpl, DEFLATE_LEVEL) < 0 ||
      H5Pset_obj_track_times(dcpl, 0) < 0 ||
      H5Pset_chunk_cache(dapl, H5D_CHUNK_CACHE_NSLOTS_DEFAULT, 0, H5D_CHUNK_CACHE_W0_DEFAULT) < 0) {
    rc = h5_fail("set up dataset plists for table", name);
    goto cleanup;
  }
  for (int c = 0; c < ncols; c++) {
    t->dsets[c] = H5Dcreate2(t->group, cols[c].name, coltype_h5(cols[c].type), space,
                             H5P_DEFAULT, dcpl, dapl);
    if (t->dsets[c] < 0) {
      rc = h5_fail("create column", cols[c].name);
      goto cleanup;
    }
    if ((rc = socap_h5_attr_str(t->dsets[c], "units", cols[c].units)) != SOCAP_OK ||
        (rc = socap_h5_attr_str(t->dsets[c], "description", cols[c].description)) != SOCAP_OK)
      goto cleanup;
  }
  *out = t;
  t = NULL;

cleanup:
  if (space >= 0) H5Sclose(space);
  if (dcpl >= 0) H5Pclose(dcpl);
  if (dapl >= 0) H5Pclose(dapl);
  if (gcpl >= 0) H5Pclose(gcpl);
  if (parent >= 0) H5Idec_ref(parent);
  free(names);
  table_free(t);
  return rc;
}

/* Filter one column's chunk as the dataset's pipeline would (shuffle, then
 * deflate at DEFLATE_LEVEL: HDF5's filters are a byte transpose and zlib's
 * compress2) into out, which has room for the shuffled bytes followed by
 * compressBound(nbytes). Returns the deflated size, or 0 on failure. */
static uLongf filter_chunk(const unsigned char *in, size_t es, size_t nrows, unsigned char *out) {
  const size_t nbytes = es * nrows;
  unsigned char *sh = out, *z = out + nbytes;
  for (size_t b = 0; b < es; b++)
    for (size_t r = 0; r < nrows; r++) sh[b * nrows + r] = in[r * es + b];
  uLongf zl = compressBound((uLong)nbytes);
  if (compress2(z, &zl, sh, (uLong)nbytes, (int)DEFLATE_LEVEL) != Z_OK) return 0;
  return zl;
}

/* Write one whole chunk of every column (t->nbuf == t->chunk_rows, at a
 * chunk boundary): the columns are compressed in parallel (deflate is most
 * of the cost of writing a table) and handed to HDF5 already filtered
 * (H5Dwrite_chunk), so the file holds the same chunks as H5Dwrite would
 * write. Returns NOT_FILTERED if it could not filter (no memory: the
 * caller then writes through HDF5), else a status. */
#define NOT_FILTERED (-1)
static int table_write_chunks(socap_table *t) {
  if (!t->zbuf) {
    size_t maxes = 0;
    for (int c = 0; c < t->ncols; c++)
      if (coltype_size(t->types[c]) > maxes) maxes = coltype_size(t->types[c]);
    const size_t need = maxes * t->chunk_rows + compressBound((uLong)(maxes * t->chunk_rows));
    unsigned char **zb = calloc((size_t)t->ncols, sizeof *zb);
    uLongf *zl = calloc((size_t)t->ncols, sizeof *zl);
    int ok = zb && zl;
    for (int c = 0; ok && c < t->ncols; c++) ok = (zb[c] = malloc(need)) != NULL;
    if (!ok) { /* all or nothing: the next chunk tries again */
      for (int c = 0; zb && c < t->ncols; c++) free(zb[c]);
      free(zb);
      free(zl);
      return NOT_FILTERED;
    }
    t->zbuf = zb;
    t->zlen = zl;
  }
  int bad = 0;
#pragma omp parallel for schedule(dynamic, 1) reduction(| : bad)
  for (int c = 0; c < t->ncols; c++) {
    t->zlen[c] = filter_chunk(t->buf[c], coltype_size(t->types[c]), t->chunk_rows, t->zbuf[c]);
    bad |= t->zlen[c] == 0;
  }
  if (bad) return NOT_FILTERED;
  const hsize_t size[1] = {t->nwritten + t->nbuf}, offset[1] = {t->nwritten};
  for (int c = 0; c < t->ncols; c++) {
    const size_t nbytes = coltype_size(t->types[c]) * t->chunk_rows;
    if (H5Dset_extent(t->dsets[c], size) < 0 ||
        H5Dwrite_chunk(t->dsets[c], H5P_DEFAULT, 0, offset, (size_t)t->zlen[c], t->zbuf[c] + nbytes) < 0) {
      char col[64];
      snprintf(col, sizeof col, "column %d", c);
      return t->err = h5_fail("write", col);
    }
  }
  t->nwritten += t->nbuf;
  t->nbuf = 0;
  return SOCAP_OK;
}

/* Write the buffered rows as one block per column. */
static int table_flush(socap_table *t) {
  if (t->err) return t->err;
  if (t->nbuf == 0) return SOCAP_OK;
  if (t->nbuf == t->chunk_rows && t->nwritten % t->chunk_rows == 0) {
    const int rc = table_write_chunks(t);
    if (rc != NOT_FILTERED) return rc;
  }
  int rc = SOCAP_OK;
  hid_t mspace = H5I_INVALID_HID, fspace = H5I_INVALID_HID;
  hsize_t start[1] = {t->nwritten}, count[1] = {t->nbuf}, size[1] = {t->nwritten + t->nbuf};
  const char *what = "allocate dataspace for";
  int c = 0;

  mspace = H5Screate_simple(1, count, NULL);
  if (mspace < 0) goto h5fail;
  for (c = 0; c < t->ncols; c++) {
    what = "extend";
    if (H5Dset_extent(t->dsets[c], size) < 0) goto h5fail;
    what = "select rows in";
    fspace = H5Dget_space(t->dsets[c]);
    if (fspace < 0 || H5Sselect_hyperslab(fspace, H5S_SELECT_SET, start, NULL, count, NULL) < 0)
      goto h5fail;
    what = "write";
    if (H5Dwrite(t->dsets[c], coltype_h5(t->types[c]), mspace, fspace, H5P_DEFAULT, t->buf[c]) < 0)
      goto h5fail;
    H5Sclose(fspace);
    fspace = H5I_INVALID_HID;
  }
  t->nwritten += t->nbuf;
  t->nbuf = 0;
  goto cleanup;

h5fail: {
  char col[64];
  snprintf(col, sizeof col, "column %d", c);
  rc = t->err = h5_fail(what, col);
}
cleanup:
  if (fspace >= 0) H5Sclose(fspace);
  if (mspace >= 0) H5Sclose(mspace);
  return rc;
}

static int row_in_progress(const socap_table *t) {
  for (int c = 0; c < t->ncols; c++)
    if (t->is_set[c]) return 1;
  return 0;
}

int socap_table_append(socap_table *t, size_t nrows, const void *const *data) {
  if (!t) return SOCAP_ERROR(SOCAP_ERUNTIME, "socap_table_append: NULL table");
  if (t->err) return t->err;
  if (nrows == 0) return SOCAP_OK;
  if (!data) return t->err = SOCAP_ERROR(SOCAP_ERUNTIME, "socap_table_append: NULL data");
  if (row_in_progress(t))
    return t->err = SOCAP_ERROR(SOCAP_ERUNTIME, "socap_table_append: a row is half set");
  size_t done = 0;
  while (done < nrows) {
    size_t n = t->chunk_rows - t->nbuf;
    if (n > nrows - done) n = nrows - done;
    for (int c = 0; c < t->ncols; c++) {
      size_t es = coltype_size(t->types[c]);
      memcpy(t->buf[c] + t->nbuf * es, (const unsigned char *)data[c] + done * es, n * es);
    }
    t->nbuf += n;
    done += n;
    if (t->nbuf == t->chunk_rows) {
      int rc = table_flush(t);
      if (rc) return rc;
    }
  }
  return SOCAP_OK;
}

/* The setters cannot return a status; misuse is recorded in t->err and
 * reported by socap_table_next_row() and every later call. */
#define DEFINE_SETTER(suffix, ctype, coltype)                                                 \
  void socap_table_set_##suffix(socap_table *t, int c, ctype v) {                            \
    if (!t || t->err) return;                                                                \
    if (c < 0 || c >= t->ncols || t->types[c] != (coltype)) {                                \
      t->err = SOCAP_ERROR(SOCAP_ERUNTIME, "socap_table_set_" #suffix ": column %d is not " \
                                           "a valid " #ctype " column",                     \
                           c);                                                               \
      return;                                                                                \
    }                                                                                        \
    memcpy(t->buf[c] + t->nbuf * sizeof v, &v, sizeof v);                                    \
    t->is_set[c] = 1;                                                                        \
  }
DEFINE_SETTER(i32, int32_t, SOCAP_COL_I32)
DEFINE_SETTER(i64, int64_t, SOCAP_COL_I64)
DEFINE_SETTER(f64, double, SOCAP_COL_F64)
DEFINE_SETTER(f32, float, SOCAP_COL_F32)
DEFINE_SETTER(u8, uint8_t, SOCAP_COL_U8)
#undef DEFINE_SETTER

int socap_table_next_row(socap_table *t) {
  if (!t) return SOCAP_ERROR(SOCAP_ERUNTIME, "socap_table_next_row: NULL table");
  if (t->err) return t->err;
  for (int c = 0; c < t->ncols; c++)
    if (!t->is_set[c])
      return t->err = SOCAP_ERROR(SOCAP_ERUNTIME, "socap_table_next_row: column %d not set", c);
  memset(t->is_set, 0, (size_t)t->ncols);
  if (++t->nbuf == t->chunk_rows) return table_flush(t);
  return SOCAP_OK;
}

size_t socap_table_rows(const socap_table *t) { return t ? t->nwritten + t->nbuf : 0; }

int socap_table_close(socap_table *t) {
  if (!t) return SOCAP_OK;
  int rc = table_flush(t);
  if (rc == SOCAP_OK && row_in_progress(t))
    rc = SOCAP_ERROR(SOCAP_ERUNTIME, "socap_table_close: last row was not finished");
  for (int c = 0; c < t->ncols; c++) {
    if (H5Dclose(t->dsets[c]) < 0 && rc == SOCAP_OK) rc = h5_fail("close column", "");
    t->dsets[c] = H5I_INVALID_HID;
  }
  if (H5Gclose(t->group) < 0 && rc == SOCAP_OK) rc = h5_fail("close table group", "");
  t->group = H5I_INVALID_HID;
  table_free(t);
  return rc;
}
