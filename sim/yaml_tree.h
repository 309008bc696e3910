/*
 * yaml_tree.h - a small generic YAML tree built from libyaml's event parser
 * (library-private).
 *
 * Nodes are scalars, sequences or mappings, each with the 1-based line and
 * column where it starts and the source file name. Mapping keys must be
 * scalars; duplicate keys, anchors, aliases and multiple documents are
 * errors. The config loader and the sweep module both read this tree.
 */
#ifndef SOCAP_YAML_TREE_H
#define SOCAP_YAML_TREE_H

#include <stdarg.h>
#include <stddef.h>

#include "socap/config.h"

typedef enum {
  SOCAP_YT_SCALAR = 0,
  SOCAP_YT_SEQUENCE = 1,
  SOCAP_YT_MAPPING = 2
} socap_yt_kind;

typedef struct socap_yt_node socap_yt_node;

/** One node. Children are owned by their parent; the doc owns the root. */
struct socap_yt_node {
  socap_yt_kind kind;
  int line, col;        /**< 1-based start of the node */
  const char *file;     /**< source name, owned by the doc */
  /* scalar */
  char *value;          /**< NUL-terminated text (scalars and mapping keys) */
  size_t len;           /**< length of value (may contain NULs in theory) */
  int quoted;           /**< 1 unless a plain (unquoted) scalar (also for a !!str tag) */
  char *tag;            /**< short standard tag ("!!str", "!!int", ...) or NULL */
  /* sequence / mapping */
  size_t n;             /**< number of items (sequence) or pairs (mapping) */
  size_t cap;
  socap_yt_node **items; /**< sequence items, or mapping values */
  socap_yt_node **keys;  /**< mapping keys (scalar nodes); NULL for sequences */
  /* position in the parent */
  socap_yt_node *parent;
  size_t index;          /**< index in the parent's items */
};

/** A parsed document. */
typedef struct socap_yt_doc {
  char *file;          /**< source name used in messages */
  socap_yt_node *root; /**< NULL for an empty stream */
} socap_yt_doc;

/**
 * Parse @p len bytes of YAML. Errors (syntax, duplicate keys, aliases,
 * multiple documents) are appended to @p errs, with param "syntax" for
 * libyaml errors. @p col_offset is added to the column of everything on the
 * first line (used for `--set key=value`, where the value starts mid-string).
 * On success *out holds a new doc (free with socap_yt_free); it may have a
 * NULL root for an empty stream.
 * @return SOCAP_OK, SOCAP_ECONFIG (no doc is returned) or SOCAP_ERUNTIME.
 */
int socap_yt_parse_string(const char *text, size_t len, const char *file, int col_offset,
                          socap_yt_doc **out, socap_config_errors *errs);

/**
 * Read and parse a file. SOCAP_EIO with an error naming the file and
 * strerror when it cannot be read; SOCAP_ECONFIG when it is a directory or
 * another kind of file that is not a regular file, FIFO or character device
 * (stdin), or holds more than SOCAP_CONFIG_MAX_BYTES; otherwise as
 * socap_yt_parse_string(). Out of memory gives SOCAP_ERUNTIME with an
 * error naming the file (and socap_error_message() set).
 */
int socap_yt_parse_file(const char *path, socap_yt_doc **out, socap_config_errors *errs);

/** Free a doc and all its nodes. NULL is allowed. */
void socap_yt_free(socap_yt_doc *doc);

/** Value for @p key in mapping @p map, or NULL (also when map is not a mapping). */
const socap_yt_node *socap_yt_get(const socap_yt_node *map, const char *key);

/**
 * Follow a dotted path from @p node: mapping keys, or decimal indices into
 * sequences ("cohorts.0.share"). NULL when any step is missing.
 */
const socap_yt_node *socap_yt_get_path(const socap_yt_node *node, const char *path);

/** Key node of pair @p i of mapping @p map (NULL if out of range). */
const socap_yt_node *socap_yt_key_at(const socap_yt_node *map, size_t i);

/**
 * Write the dotted path of @p node from the root ("model.p_pass",
 * "cohorts.2.share") into @p buf; "" for the root. Returns buf.
 */
char *socap_yt_path(const socap_yt_node *node, char *buf, size_t buflen);

/** 1 if @p node is a plain scalar meaning null ("", "~", "null"). */
int socap_yt_is_null(const socap_yt_node *node);

/** Human name of the node's kind for messages: "a mapping", "a sequence", "a scalar". */
const char *socap_yt_kind_name(const socap_yt_node *node);

/**
 * Hint for a plain scalar where a mapping was expected: when its text has a
 * ':' followed by a non-space ("p_pass:0.3", YAML reads it as one string),
 * writes " (missing space after ':' in 'p_pass:0.3'?)" into @p buf;
 * otherwise "". Returns buf.
 */
const char *socap_yt_colon_hint(const socap_yt_node *node, char *buf, size_t len);

/**
 * Append an error to @p errs (ignored when NULL or full). @p file may be NULL.
 * Format string for the message.
 */
void socap_config_error_add(socap_config_errors *errs, const char *file, int line, int col,
                            const char *param, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));
/** The same with a va_list. A message longer than the entry's room keeps
 *  its words: overlong tokens (a quoted 600-digit value) lose their middle
 *  first, so the reason after them is not cut off. */
void socap_config_error_addv(socap_config_errors *errs, const char *file, int line, int col, const char *param,
                             const char *fmt, va_list ap) __attribute__((format(printf, 6, 0)));

#endif
