/**
 * @file error.h
 * @brief Status codes and error reporting.
 *
 * Every library function that can fail returns an int status (SOCAP_OK = 0).
 * The status values double as the CLI's documented exit codes. The message of
 * the most recent failure is kept per thread (no shared mutable state) and is
 * read with socap_error_message().
 */
#ifndef SOCAP_ERROR_H
#define SOCAP_ERROR_H

#ifdef __cplusplus
extern "C" {
#endif

/** Status codes; equal to the CLI exit codes. */
typedef enum {
  SOCAP_OK = 0,       /**< success */
  SOCAP_ERUNTIME = 1, /**< runtime failure (out of memory, internal error) */
  SOCAP_ECONFIG = 2,  /**< usage or configuration error */
  SOCAP_EIO = 3       /**< I/O error (file exists, cannot write, HDF5 failure) */
} socap_status;

/** Record an error for this thread and return @p code. Use SOCAP_ERROR(). */
int socap_error_set(int code, const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/** The message of this thread's most recent error ("" if none). */
const char *socap_error_message(void);

/** Source location "file:line" of this thread's most recent error. */
const char *socap_error_where(void);

/** Clear this thread's error. */
void socap_error_clear(void);

/** Record an error with the caller's source location and return its code. */
#define SOCAP_ERROR(code, ...) socap_error_set((code), __FILE__, __LINE__, __VA_ARGS__)

#ifdef __cplusplus
}
#endif
#endif
