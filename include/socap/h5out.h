/**
 * @file h5out.h
 * @brief HDF5 output: durable files and column tables.
 *
 * Files are written as NAME.part and, on socap_h5_commit(), flushed, fsynced,
 * renamed to NAME and the directory fsynced (the Redis order), so a crash
 * leaves either no file or a complete one. The writer holds a lock on
 * NAME.part (an fcntl OFD lock) from socap_h5_create() to commit or abort: a second
 * writer of the same NAME refuses, and only a .part nobody holds (left by a
 * killed process) is replaced. An existing NAME that is not a regular file
 * (directory, FIFO, device) is never replaced, and without `force` neither is
 * a NAME that appears while the file is written.
 *
 * A table is an HDF5 group of equal-length 1-D datasets, one per column, with
 * a `columns` attribute listing the column names in order. Every dataset has
 * `units` and `description` string attributes. Datasets are chunked, with
 * shuffle + deflate; rows are buffered in memory and written one chunk at a
 * time.
 */
#ifndef SOCAP_H5OUT_H
#define SOCAP_H5OUT_H

#include <hdf5.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** An output file being written. */
typedef struct socap_h5file socap_h5file;

/**
 * Check an output name before any work: SOCAP_ECONFIG if @p output is empty
 * or is the same file (device and inode) as one of the @p n @p inputs (NULL
 * entries are skipped; "FILE.h5:/path" means FILE.h5), SOCAP_EIO if it exists
 * and is not a regular file, or if the directory it would be created in does
 * not exist, is not a directory or cannot be written (so that a long
 * computation does not end in that error). The message is in
 * socap_error_message().
 */
int socap_output_check(const char *output, const char *const *inputs, int n);

/**
 * Create @p path + ".part" for writing and lock it. Fails with SOCAP_ECONFIG
 * if @p path is empty, and with SOCAP_EIO (nothing is touched) if @p path
 * exists and @p force is 0, if @p path exists and is not a regular file,
 * if another process holds @p path.part, or if the .part cannot be created
 * (the message names the missing directory or the system error). A stale
 * .part from a killed run is replaced.
 * On success *out is owned by the caller: finish with socap_h5_commit() or
 * socap_h5_abort().
 */
int socap_h5_create(const char *path, int force, socap_h5file **out);

/**
 * Reserve @p bytes of disk space for the file (fallocate, or a check of the
 * free space where that is not supported), so that a full disk is reported
 * now, before HDF5 writes. Unused space is given back at commit. Returns
 * SOCAP_OK or SOCAP_EIO ("No space left on device").
 */
int socap_h5_reserve(socap_h5file *f, uint64_t bytes);

/** The HDF5 file id (root group "/") of an open output file. */
hid_t socap_h5_root(const socap_h5file *f);

/**
 * Close the file, fsync it, rename NAME.part to NAME, fsync the directory,
 * and free @p f. Returns SOCAP_OK or SOCAP_EIO; the .part is then removed,
 * except when NAME was created by someone else while the file was written
 * (without force) or became a non-regular file: NAME is left alone and the
 * complete file stays as NAME.part (the message says so).
 */
int socap_h5_commit(socap_h5file *f);

/**
 * Close and delete the .part file and free @p f. Safe with NULL. Closing
 * cannot fail even on a full disk (HDF5's last writes go to memory), so no
 * half-closed HDF5 file is left behind.
 */
void socap_h5_abort(socap_h5file *f);

/** Column element types (all little-endian). */
typedef enum {
  SOCAP_COL_I32 = 0, /**< int32_t; what R reads as integer */
  SOCAP_COL_I64 = 1, /**< int64_t */
  SOCAP_COL_F64 = 2, /**< double */
  SOCAP_COL_F32 = 3, /**< float */
  SOCAP_COL_U8 = 4   /**< uint8_t (states, small categories) */
} socap_coltype;

/** One column of a table. Strings are borrowed during socap_table_create(). */
typedef struct {
  const char *name;
  socap_coltype type;
  const char *units;       /**< e.g. "1", "step", "hour" */
  const char *description; /**< one line */
} socap_colspec;

/** A table being appended to. */
typedef struct socap_table socap_table;

/**
 * Create table group @p name (may contain '/', intermediate groups are
 * created) under @p loc with the given columns. @p chunk_rows is the chunk
 * length and the buffer size (0 = 65536). The group gets a `description`
 * attribute. On success *out is owned by the caller; finish with
 * socap_table_close().
 */
int socap_table_create(hid_t loc, const char *name, const char *description,
                       const socap_colspec *cols, int ncols, size_t chunk_rows,
                       socap_table **out);

/**
 * Append @p nrows rows given column-wise: data[c] points to nrows values of
 * column c's type. Rows are buffered; full chunks are written.
 */
int socap_table_append(socap_table *t, size_t nrows, const void *const *data);

/** Row-at-a-time interface: set column @p c of the current row. */
void socap_table_set_i32(socap_table *t, int c, int32_t v);
void socap_table_set_i64(socap_table *t, int c, int64_t v);
void socap_table_set_f64(socap_table *t, int c, double v);
void socap_table_set_f32(socap_table *t, int c, float v);
void socap_table_set_u8(socap_table *t, int c, uint8_t v);
/** Finish the current row (all columns must have been set). */
int socap_table_next_row(socap_table *t);

/** Rows appended so far. */
size_t socap_table_rows(const socap_table *t);

/** Flush buffered rows, close datasets and the group, free @p t. Safe with NULL. */
int socap_table_close(socap_table *t);

/** Write (or replace) a scalar string attribute on object @p obj. */
int socap_h5_attr_str(hid_t obj, const char *name, const char *value);
/** Write a 1-D fixed-length string array attribute (codebooks, column lists). */
int socap_h5_attr_strlist(hid_t obj, const char *name, const char *const *values, int n);
/** Write a scalar int64 attribute. */
int socap_h5_attr_i64(hid_t obj, const char *name, int64_t value);
/** Write a scalar double attribute. */
int socap_h5_attr_f64(hid_t obj, const char *name, double value);

/**
 * Write a scalar fixed-length string dataset @p name under @p loc (for
 * provenance text such as the resolved config), with a `description`.
 */
int socap_h5_write_text(hid_t loc, const char *name, const char *text, const char *description);

#ifdef __cplusplus
}
#endif
#endif
