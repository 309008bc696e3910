/* A generic YAML tree built from libyaml parser events. */
#define _POSIX_C_SOURCE 200809L
#include "yaml_tree.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <yaml.h>

#include "socap/error.h"

#define YT_MAX_DEPTH 64

/* Copy message m into dst (room cap), shortening the longest
   space-free token to its first 40 and last 8 bytes around "..." while m
   does not fit and that token is longer than 64 bytes. */
static void fit_message(char *dst, size_t cap, char *m) {
  for (size_t len = strlen(m); len >= cap;) {
    size_t best = 0, blen = 0;
    for (size_t i = 0; i < len;) {
      size_t j = i;
      while (j < len && m[j] != ' ') j++;
      if (j - i > blen) { best = i; blen = j - i; }
      i = j + 1;
    }
    if (blen <= 64) break;
    memcpy(m + best + 40, "...", 3);
    memmove(m + best + 43, m + best + blen - 8, len - (best + blen - 8) + 1);
    len = strlen(m);
  }
  snprintf(dst, cap, "%s", m);
}

void socap_config_error_addv(socap_config_errors *errs, const char *file, int line, int col, const char *param,
                             const char *fmt, va_list ap) {
  if (!errs || errs->n < 0 || errs->n >= SOCAP_CONFIG_MAX_ERRORS) return;
  socap_config_error *e = &errs->e[errs->n++];
  snprintf(e->file, sizeof e->file, "%s", file ? file : "");
  e->line = line;
  e->col = col;
  snprintf(e->param, sizeof e->param, "%s", param ? param : "");
  va_list aq;
  va_copy(aq, ap);
  int n = vsnprintf(e->msg, sizeof e->msg, fmt, ap);
  if (n >= (int)sizeof e->msg) {
    char *m = malloc((size_t)n + 1);
    if (m) {
      vsnprintf(m, (size_t)n + 1, fmt, aq);
      fit_message(e->msg, sizeof e->msg, m);
      free(m);
    }
  }
  va_end(aq);
}

void socap_config_error_add(socap_config_errors *errs, const char *file, int line, int col,
                            const char *param, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  socap_config_error_addv(errs, file, line, col, param, fmt, ap);
  va_end(ap);
}

/* Out of memory while reading `file`: an error entry and the thread's error
   message, so that the CLI always has something to print. */
static int yt_oom(socap_config_errors *errs, const char *file, const char *what) {
  socap_config_error_add(errs, file, 0, 0, "", "out of memory %s", what);
  return SOCAP_ERROR(SOCAP_ERUNTIME, "%s: out of memory %s", file ? file : "<string>", what);
}

static void node_free(socap_yt_node *n) {
  if (!n) return;
  for (size_t i = 0; i < n->n; i++) {
    node_free(n->items[i]);
    if (n->keys) node_free(n->keys[i]);
  }
  free(n->items);
  free(n->keys);
  free(n->value);
  free(n->tag);
  free(n);
}

void socap_yt_free(socap_yt_doc *doc) {
  if (!doc) return;
  node_free(doc->root);
  free(doc->file);
  free(doc);
}

/* Builder state: a stack of open collections, each with its pending key. */
typedef struct {
  socap_yt_node *node;
  socap_yt_node *key; /* mapping: key waiting for its value */
} yt_frame;

typedef struct {
  socap_yt_doc *doc;
  yt_frame stack[YT_MAX_DEPTH];
  size_t depth;
  int col_offset;
  int single_line; /* --set value without newlines: clamp marks to line 1 */
  int failed; /* a non-fatal tree error was reported; keep parsing, return ECONFIG */
  socap_config_errors *errs;
} yt_builder;

static int mark_col(const yt_builder *b, const yaml_mark_t *m) {
  return (int)m->column + 1 + (m->line == 0 ? b->col_offset : 0);
}

static socap_yt_node *node_new(yt_builder *b, socap_yt_kind kind, const yaml_mark_t *m) {
  socap_yt_node *n = calloc(1, sizeof *n);
  if (!n) return NULL;
  n->kind = kind;
  n->line = (int)m->line + 1;
  n->col = mark_col(b, m);
  n->file = b->doc->file;
  return n;
}

static int grow(socap_yt_node *n) {
  if (n->n < n->cap) return 0;
  size_t cap = n->cap ? 2 * n->cap : 8;
  socap_yt_node **items = realloc(n->items, cap * sizeof *items);
  if (!items) return -1;
  n->items = items;
  if (n->kind == SOCAP_YT_MAPPING) {
    socap_yt_node **keys = realloc(n->keys, cap * sizeof *keys);
    if (!keys) return -1;
    n->keys = keys;
  }
  n->cap = cap;
  return 0;
}

char *socap_yt_path(const socap_yt_node *node, char *buf, size_t buflen) {
  if (!buf || buflen == 0) return buf;
  buf[0] = 0;
  const socap_yt_node *chain[YT_MAX_DEPTH + 2];
  size_t k = 0;
  for (const socap_yt_node *n = node; n && n->parent && k < YT_MAX_DEPTH + 2; n = n->parent) chain[k++] = n;
  size_t used = 0;
  while (k-- > 0) {
    const socap_yt_node *n = chain[k];
    const socap_yt_node *par = n->parent;
    int w;
    if (par->kind == SOCAP_YT_MAPPING)
      w = snprintf(buf + used, buflen - used, "%s%s", used ? "." : "", par->keys[n->index]->value);
    else
      w = snprintf(buf + used, buflen - used, "%s%zu", used ? "." : "", n->index);
    if (w < 0 || (size_t)w >= buflen - used) break;
    used += (size_t)w;
  }
  return buf;
}

/* Attach a new node to the open collection on top of the stack (or make it
   the root). Returns SOCAP_OK, SOCAP_ECONFIG (fatal tree error, n freed) or
   SOCAP_ERUNTIME. */
static int attach(yt_builder *b, socap_yt_node *n) {
  if (b->depth == 0) {
    b->doc->root = n;
    return SOCAP_OK;
  }
  yt_frame *top = &b->stack[b->depth - 1];
  socap_yt_node *par = top->node;
  if (par->kind == SOCAP_YT_SEQUENCE) {
    if (grow(par)) { node_free(n); return yt_oom(b->errs, b->doc->file, "while parsing"); }
    n->parent = par;
    n->index = par->n;
    par->items[par->n++] = n;
    return SOCAP_OK;
  }
  if (!top->key) {
    if (n->kind != SOCAP_YT_SCALAR) {
      char path[256];
      socap_config_error_add(b->errs, b->doc->file, n->line, n->col, socap_yt_path(par, path, sizeof path),
                             "mapping keys must be plain scalars, got %s", socap_yt_kind_name(n));
      node_free(n);
      return SOCAP_ECONFIG;
    }
    for (size_t i = 0; i < par->n; i++) {
      const socap_yt_node *k = par->keys[i];
      if (k->len == n->len && memcmp(k->value, n->value, n->len) == 0) {
        char path[256], full[512];
        socap_yt_path(par, path, sizeof path);
        snprintf(full, sizeof full, "%s%s%s", path, path[0] ? "." : "", n->value);
        socap_config_error_add(b->errs, b->doc->file, n->line, n->col, full,
                               "duplicate key '%s' (first at %d:%d)", n->value, k->line, k->col);
        b->failed = 1;
        break;
      }
    }
    top->key = n;
    return SOCAP_OK;
  }
  if (grow(par)) { node_free(n); return yt_oom(b->errs, b->doc->file, "while parsing"); }
  n->parent = par;
  n->index = par->n;
  top->key->parent = par;
  top->key->index = par->n;
  par->keys[par->n] = top->key;
  par->items[par->n] = n;
  par->n++;
  top->key = NULL;
  return SOCAP_OK;
}

static void offset_to_mark(const char *text, size_t len, size_t off, yaml_mark_t *m) {
  m->line = 0;
  m->column = 0;
  for (size_t i = 0; i < off && i < len; i++) {
    if (text[i] == '\n') { m->line++; m->column = 0; } else m->column++;
  }
}

/* Byte offset of the character at 0-based (line, column) as libyaml counts
   them (columns in characters; '\n', '\r\n' and '\r' end a line); len when
   past the end. */
static size_t mark_offset(const char *text, size_t len, size_t line, size_t column) {
  size_t i = 0;
  while (line > 0 && i < len) {
    if (text[i] == '\r' && i + 1 < len && text[i + 1] == '\n') i++;
    if (text[i] == '\n' || text[i] == '\r') line--;
    i++;
  }
  for (; column > 0 && i < len; column--) {
    i++;
    while (i < len && ((unsigned char)text[i] & 0xC0) == 0x80) i++; /* UTF-8 continuation bytes */
  }
  return i < len ? i : len;
}

/* 1 if the line holding byte `off` has a "key:value" pair with no space
   after the colon, outside quotes and comments; copies that word to buf. */
static int line_colon_word(const char *text, size_t len, size_t off, char *buf, size_t blen) {
  size_t a = off < len ? off : len;
  while (a > 0 && text[a - 1] != '\n' && text[a - 1] != '\r') a--;
  for (size_t i = a; i < len && text[i] != '\n' && text[i] != '\r'; i++) {
    char c = text[i];
    if (c == '#' || c == '"' || c == '\'') return 0;
    if (c == ':' && i > a && i + 1 < len && text[i + 1] != ' ' && text[i + 1] != '\t' && text[i + 1] != '\n' &&
        text[i + 1] != '\r' && text[i - 1] != ' ') {
      size_t s = i, e = i + 1;
      while (s > a && text[s - 1] != ' ' && text[s - 1] != '\t' && text[s - 1] != '-' && text[s - 1] != '{' &&
             text[s - 1] != '[' && text[s - 1] != ',')
        s--;
      while (e < len && text[e] != ' ' && text[e] != '\t' && text[e] != '\n' && text[e] != '\r' && text[e] != ',' &&
             text[e] != '}' && text[e] != ']')
        e++;
      snprintf(buf, blen, "%.*s", (int)(e - s), text + s);
      return 1;
    }
  }
  return 0;
}

static void syntax_error(yt_builder *b, const yaml_parser_t *ps, const char *text, size_t len) {
  yaml_mark_t m = ps->problem_mark;
  if (ps->error == YAML_READER_ERROR) offset_to_mark(text, len, ps->problem_offset, &m);
  if (b->single_line && m.line > 0) {
    m.line = 0;
    m.column = len; /* past the end of the value */
  }
  const char *problem = ps->problem ? ps->problem : "invalid YAML";
  char msg[400], word[96];
  size_t at = ps->error == YAML_READER_ERROR ? len : mark_offset(text, len, m.line, m.column);
  if (at < len && text[at] == '\t') {
    /* libyaml: "found character that cannot start any token" or "found a tab
       character that violates indentation" */
    socap_config_error_add(b->errs, b->doc->file, (int)m.line + 1, mark_col(b, &m), "syntax",
                           "tab character: YAML indentation must use spaces");
    return;
  }
  if (ps->context && strstr(problem, "could not find expected ':'") &&
      line_colon_word(text, len, mark_offset(text, len, ps->context_mark.line, ps->context_mark.column), word,
                      sizeof word)) {
    socap_config_error_add(b->errs, b->doc->file, (int)ps->context_mark.line + 1, mark_col(b, &ps->context_mark),
                           "syntax", "%s %s (missing space after ':' in '%s'?)", problem, ps->context, word);
    return;
  }
  if (ps->context)
    snprintf(msg, sizeof msg, "%s %s (at %d:%d)", problem, ps->context, (int)ps->context_mark.line + 1,
             (int)ps->context_mark.column + 1 + (ps->context_mark.line == 0 ? b->col_offset : 0));
  else
    snprintf(msg, sizeof msg, "%s", problem);
  socap_config_error_add(b->errs, b->doc->file, (int)m.line + 1, mark_col(b, &m), "syntax", "%s", msg);
}

/* Explicit tags: the standard ones that fit the node kind are kept in
   short form (n->tag; "!!str" also marks a scalar as a string); any other
   tag is an error (reported, parsing goes on). Returns SOCAP_ERUNTIME when
   out of memory, else SOCAP_OK. */
static int take_tag(yt_builder *b, const yaml_event_t *ev, const yaml_char_t *tagp, socap_yt_node *n) {
  static const char std[] = "tag:yaml.org,2002:";
  static const char *const scalar_tags[] = {"str", "int", "float", "bool", "null"};
  const char *tag = (const char *)tagp;
  if (!tag) return SOCAP_OK;
  int line = (int)ev->start_mark.line + 1, col = mark_col(b, &ev->start_mark);
  /* the parameter: dotted path of the place the node is about to take */
  char path[256] = "syntax";
  if (b->depth > 0) {
    const yt_frame *top = &b->stack[b->depth - 1];
    char par[200];
    socap_yt_path(top->node, par, sizeof par);
    if (top->node->kind == SOCAP_YT_SEQUENCE)
      snprintf(path, sizeof path, "%s%s%zu", par, par[0] ? "." : "", top->node->n);
    else if (top->key)
      snprintf(path, sizeof path, "%s%s%s", par, par[0] ? "." : "", top->key->value);
  }
  if (strncmp(tag, std, sizeof std - 1) != 0) {
    socap_config_error_add(b->errs, b->doc->file, line, col, path,
                           "unsupported YAML tag '%s' (socap reads plain values; remove the tag)", tag);
    b->failed = 1;
    return SOCAP_OK;
  }
  const char *t = tag + sizeof std - 1;
  int fits = 0;
  if (n->kind == SOCAP_YT_SCALAR) {
    for (size_t i = 0; i < sizeof scalar_tags / sizeof *scalar_tags; i++) fits |= strcmp(t, scalar_tags[i]) == 0;
  } else {
    fits = strcmp(t, n->kind == SOCAP_YT_SEQUENCE ? "seq" : "map") == 0;
  }
  if (!fits) {
    socap_config_error_add(b->errs, b->doc->file, line, col, path, "YAML tag '!!%s' does not fit %s", t,
                           n->kind == SOCAP_YT_SCALAR ? "a scalar" : socap_yt_kind_name(n));
    b->failed = 1;
    return SOCAP_OK;
  }
  size_t l = strlen(t);
  n->tag = malloc(l + 3);
  if (!n->tag) return yt_oom(b->errs, b->doc->file, "while parsing");
  memcpy(n->tag, "!!", 2);
  memcpy(n->tag + 2, t, l + 1);
  if (n->kind == SOCAP_YT_SCALAR && strcmp(t, "str") == 0) n->quoted = 1;
  return SOCAP_OK;
}

static int has_anchor(yt_builder *b, const yaml_event_t *ev, const yaml_char_t *anchor) {
  if (!anchor) return 0;
  socap_config_error_add(b->errs, b->doc->file, (int)ev->start_mark.line + 1, mark_col(b, &ev->start_mark), "syntax",
                         "anchors (&%s) and aliases are not supported", (const char *)anchor);
  return 1;
}

int socap_yt_parse_string(const char *text, size_t len, const char *file, int col_offset,
                          socap_yt_doc **out, socap_config_errors *errs) {
  int rc = SOCAP_OK;
  yaml_parser_t ps;
  yaml_event_t ev;
  int have_parser = 0, have_event = 0, ndocs = 0, done = 0;
  yt_builder b;
  memset(&b, 0, sizeof b);
  *out = NULL;
  b.errs = errs;
  b.col_offset = col_offset;
  b.single_line = col_offset > 0 && memchr(text, '\n', len) == NULL;
  const char *name = file ? file : "<string>";
  b.doc = calloc(1, sizeof *b.doc);
  if (!b.doc) { rc = yt_oom(errs, name, "while parsing"); goto cleanup; }
  b.doc->file = malloc(strlen(name) + 1);
  if (!b.doc->file) { rc = yt_oom(errs, name, "while parsing"); goto cleanup; }
  memcpy(b.doc->file, name, strlen(name) + 1);

  if (!yaml_parser_initialize(&ps)) { rc = yt_oom(errs, name, "while parsing"); goto cleanup; }
  have_parser = 1;
  yaml_parser_set_input_string(&ps, (const unsigned char *)text, len);

  while (!done) {
    if (!yaml_parser_parse(&ps, &ev)) {
      if (ps.error == YAML_MEMORY_ERROR) { rc = yt_oom(errs, name, "while parsing"); goto cleanup; }
      syntax_error(&b, &ps, text, len);
      rc = SOCAP_ECONFIG;
      goto cleanup;
    }
    have_event = 1;
    socap_yt_node *n = NULL;
    switch (ev.type) {
    case YAML_STREAM_END_EVENT: done = 1; break;
    case YAML_DOCUMENT_START_EVENT:
      if (++ndocs > 1) {
        socap_config_error_add(errs, b.doc->file, (int)ev.start_mark.line + 1, mark_col(&b, &ev.start_mark), "",
                               "multiple YAML documents are not supported (use one document per file)");
        rc = SOCAP_ECONFIG;
        goto cleanup;
      }
      break;
    case YAML_ALIAS_EVENT:
      socap_config_error_add(errs, b.doc->file, (int)ev.start_mark.line + 1, mark_col(&b, &ev.start_mark), "syntax",
                             "aliases (*%s) and anchors are not supported", (const char *)ev.data.alias.anchor);
      rc = SOCAP_ECONFIG;
      goto cleanup;
    case YAML_SCALAR_EVENT:
      if (has_anchor(&b, &ev, ev.data.scalar.anchor)) { rc = SOCAP_ECONFIG; goto cleanup; }
      n = node_new(&b, SOCAP_YT_SCALAR, &ev.start_mark);
      if (!n) { rc = yt_oom(errs, name, "while parsing"); goto cleanup; }
      n->len = ev.data.scalar.length;
      n->value = malloc(n->len + 1);
      if (!n->value) { node_free(n); rc = yt_oom(errs, name, "while parsing"); goto cleanup; }
      memcpy(n->value, ev.data.scalar.value, n->len);
      n->value[n->len] = 0;
      for (size_t i = 0; i < n->len; i++) {
        /* a "\0" escape would end the C string early (a 64-character limit
           was then reported for "a\0b"), and no value needs control
           characters: only tab and newline pass */
        const unsigned char c = (unsigned char)n->value[i];
        if ((c < 0x20 && c != '\t' && c != '\n') || c == 0x7f) {
          socap_config_error_add(errs, b.doc->file, (int)ev.start_mark.line + 1, mark_col(&b, &ev.start_mark),
                                 "syntax", "control character U+%04X in a value (values are plain text)", c);
          node_free(n);
          rc = SOCAP_ECONFIG;
          goto cleanup;
        }
      }
      n->quoted = ev.data.scalar.style != YAML_PLAIN_SCALAR_STYLE;
      if ((rc = take_tag(&b, &ev, ev.data.scalar.tag, n))) { node_free(n); goto cleanup; }
      rc = attach(&b, n);
      if (rc) goto cleanup;
      break;
    case YAML_SEQUENCE_START_EVENT:
    case YAML_MAPPING_START_EVENT: {
      const yaml_char_t *anchor = ev.type == YAML_SEQUENCE_START_EVENT ? ev.data.sequence_start.anchor
                                                                       : ev.data.mapping_start.anchor;
      if (has_anchor(&b, &ev, anchor)) { rc = SOCAP_ECONFIG; goto cleanup; }
      if (b.depth >= YT_MAX_DEPTH) {
        socap_config_error_add(errs, b.doc->file, (int)ev.start_mark.line + 1, mark_col(&b, &ev.start_mark), "syntax",
                               "nesting deeper than %d levels", YT_MAX_DEPTH);
        rc = SOCAP_ECONFIG;
        goto cleanup;
      }
      n = node_new(&b, ev.type == YAML_SEQUENCE_START_EVENT ? SOCAP_YT_SEQUENCE : SOCAP_YT_MAPPING, &ev.start_mark);
      if (!n) { rc = yt_oom(errs, name, "while parsing"); goto cleanup; }
      if ((rc = take_tag(&b, &ev,
                         ev.type == YAML_SEQUENCE_START_EVENT ? ev.data.sequence_start.tag : ev.data.mapping_start.tag,
                         n))) {
        node_free(n);
        goto cleanup;
      }
      rc = attach(&b, n);
      if (rc) goto cleanup;
      b.stack[b.depth].node = n;
      b.stack[b.depth].key = NULL;
      b.depth++;
      break;
    }
    case YAML_SEQUENCE_END_EVENT:
    case YAML_MAPPING_END_EVENT:
      if (b.depth > 0) {
        b.depth--;
        node_free(b.stack[b.depth].key); /* cannot normally happen */
        b.stack[b.depth].key = NULL;
      }
      break;
    default: break;
    }
    yaml_event_delete(&ev);
    have_event = 0;
  }
  if (b.failed) rc = SOCAP_ECONFIG;

cleanup:
  if (have_event) yaml_event_delete(&ev);
  if (have_parser) yaml_parser_delete(&ps);
  /* Keys still pending in open frames are not yet owned by the tree. */
  for (size_t i = 0; i < b.depth; i++) node_free(b.stack[i].key);
  if (rc == SOCAP_OK) {
    *out = b.doc;
  } else {
    socap_yt_free(b.doc);
  }
  return rc;
}

/* A pipe or device (/dev/stdin) can be read only once, but a file may be
 * parsed twice (validate reads a sweep file as a scenario, then its sweep
 * block): the text last read from such a path is kept for the process and
 * parsed again when the same path is opened again. */
static struct {
  char *path, *text;
  size_t len;
} yt_stream_text;

static void yt_keep_stream_text(const char *path, const char *buf, size_t len) {
  char *p = strdup(path), *t = malloc(len + 1);
  if (!p || !t) { free(p); free(t); return; } /* not kept: a second read sees what is left */
  if (len) memcpy(t, buf, len);
  t[len] = 0;
  free(yt_stream_text.path);
  free(yt_stream_text.text);
  yt_stream_text.path = p;
  yt_stream_text.text = t;
  yt_stream_text.len = len;
}

int socap_yt_parse_file(const char *path, socap_yt_doc **out, socap_config_errors *errs) {
  const size_t max = SOCAP_CONFIG_MAX_BYTES;
  int rc = SOCAP_OK;
  char *buf = NULL;
  size_t len = 0, cap = 0;
  struct stat st;
  *out = NULL;
  FILE *f = fopen(path, "rb");
  if (!f) {
    socap_config_error_add(errs, path, 0, 0, "", "cannot open file: %s", strerror(errno));
    return SOCAP_EIO;
  }
  if (fstat(fileno(f), &st) != 0) {
    socap_config_error_add(errs, path, 0, 0, "", "cannot read file: %s", strerror(errno));
    rc = SOCAP_EIO;
    goto cleanup;
  }
  if (S_ISDIR(st.st_mode)) {
    socap_config_error_add(errs, path, 0, 0, "", "is a directory, not a YAML scenario file");
    rc = SOCAP_ECONFIG;
    goto cleanup;
  }
  if (!S_ISREG(st.st_mode) && !S_ISFIFO(st.st_mode) && !S_ISCHR(st.st_mode)) {
    socap_config_error_add(errs, path, 0, 0, "", "not a regular file (expected a YAML scenario file, a pipe or stdin)");
    rc = SOCAP_ECONFIG;
    goto cleanup;
  }
  if (!S_ISREG(st.st_mode) && yt_stream_text.path && strcmp(yt_stream_text.path, path) == 0) {
    rc = socap_yt_parse_string(yt_stream_text.text, yt_stream_text.len, path, 0, out, errs);
    goto cleanup;
  }
  if (S_ISREG(st.st_mode) && (unsigned long long)st.st_size > max) {
    socap_config_error_add(errs, path, 0, 0, "", "too large (%lld bytes; a scenario is at most %u MiB)",
                           (long long)st.st_size, SOCAP_CONFIG_MAX_BYTES >> 20);
    rc = SOCAP_ECONFIG;
    goto cleanup;
  }
  /* read at most max + 1 bytes: pipes and devices (/dev/zero) have no size */
  for (;;) {
    if (cap - len < 4096 && cap <= max) {
      size_t ncap = cap ? 2 * cap : 8192;
      if (ncap > max + 1) ncap = max + 1;
      char *nb = realloc(buf, ncap);
      if (!nb) { rc = yt_oom(errs, path, "while reading the file"); goto cleanup; }
      buf = nb;
      cap = ncap;
    }
    if (len == cap) break;
    size_t got = fread(buf + len, 1, cap - len, f);
    len += got;
    if (got == 0) break;
  }
  if (ferror(f)) {
    socap_config_error_add(errs, path, 0, 0, "", "cannot read file: %s", strerror(errno ? errno : EIO));
    rc = SOCAP_EIO;
    goto cleanup;
  }
  if (len > max) {
    socap_config_error_add(errs, path, 0, 0, "", "too large (more than %zu bytes; a scenario is at most %u MiB)", max,
                           SOCAP_CONFIG_MAX_BYTES >> 20);
    rc = SOCAP_ECONFIG;
    goto cleanup;
  }
  if (!S_ISREG(st.st_mode)) yt_keep_stream_text(path, buf ? buf : "", len);
  rc = socap_yt_parse_string(buf ? buf : "", len, path, 0, out, errs);

cleanup:
  free(buf);
  fclose(f);
  return rc;
}

const socap_yt_node *socap_yt_get(const socap_yt_node *map, const char *key) {
  if (!map || map->kind != SOCAP_YT_MAPPING) return NULL;
  for (size_t i = 0; i < map->n; i++)
    if (strcmp(map->keys[i]->value, key) == 0) return map->items[i];
  return NULL;
}

const socap_yt_node *socap_yt_key_at(const socap_yt_node *map, size_t i) {
  if (!map || map->kind != SOCAP_YT_MAPPING || i >= map->n) return NULL;
  return map->keys[i];
}

const socap_yt_node *socap_yt_get_path(const socap_yt_node *node, const char *path) {
  char part[256];
  const char *s = path;
  while (node && *s) {
    const char *dot = strchr(s, '.');
    size_t l = dot ? (size_t)(dot - s) : strlen(s);
    if (l >= sizeof part) return NULL;
    memcpy(part, s, l);
    part[l] = 0;
    if (node->kind == SOCAP_YT_MAPPING) {
      node = socap_yt_get(node, part);
    } else if (node->kind == SOCAP_YT_SEQUENCE) {
      char *end;
      errno = 0;
      unsigned long long k = strtoull(part, &end, 10);
      if (l == 0 || *end || errno || part[0] == '-' || part[0] == '+' || k >= node->n) return NULL;
      node = node->items[k];
    } else {
      return NULL;
    }
    s = dot ? dot + 1 : s + l;
  }
  return node;
}

int socap_yt_is_null(const socap_yt_node *n) {
  if (!n || n->kind != SOCAP_YT_SCALAR || n->quoted) return 0;
  return n->len == 0 || strcmp(n->value, "~") == 0 || strcmp(n->value, "null") == 0 ||
         strcmp(n->value, "Null") == 0 || strcmp(n->value, "NULL") == 0;
}

const char *socap_yt_colon_hint(const socap_yt_node *n, char *buf, size_t len) {
  if (!buf || len == 0) return buf;
  buf[0] = 0;
  if (!n || n->kind != SOCAP_YT_SCALAR || n->quoted || !n->value) return buf;
  const char *c = strchr(n->value, ':');
  if (c && c > n->value && c[1] && c[1] != ' ' && c[1] != '\t')
    snprintf(buf, len, " (missing space after ':' in '%.60s'?)", n->value);
  return buf;
}

const char *socap_yt_kind_name(const socap_yt_node *n) {
  if (!n) return "nothing";
  switch (n->kind) {
  case SOCAP_YT_MAPPING: return "a mapping";
  case SOCAP_YT_SEQUENCE: return "a sequence";
  default: return socap_yt_is_null(n) ? "an empty value" : "a scalar";
  }
}
