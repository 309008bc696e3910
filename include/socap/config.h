/**
 * @file config.h
 * @brief YAML scenario loading with strict validation, `--set` overrides,
 *        the `socap params` table and the resolved-config writer.
 *
 * A scenario is a YAML mapping whose keys are the dotted names of the
 * parameter table (socap_param_table):
 *
 * @code{.yaml}
 * name: demo                 # optional scenario name (checked, not stored)
 * seed: 42
 * steps: 104
 * population: {n_agents: 2000, group_size: 40}
 * model: {half_life: 13, p_pass: 0.4}
 * output: {layers: [0.9, 0.6, 0.3, 0.1], snapshots: [0, 104]}
 * metrics: {betweenness: true}
 * strategies:
 *   broker: {selectivity: 0.2}          # a preset: fields override it
 *   mine:                               # a new strategy: all 4 fractions
 *     {explore: 0.5, maintain: 0.3, reactivate: 0.1, broker: 0.1}
 * cohorts:                              # replaces the default cohort list
 *   - {name: a, strategy: mine, share: 0.5}
 *   - {name: b, strategy: broker, share: 0.5, time_budget: 8}
 * sweep: ...                            # skipped here; read by the sweep module
 * @endcode
 *
 * Every problem is collected (up to SOCAP_CONFIG_MAX_ERRORS) with the file,
 * 1-based line and column, the full dotted parameter name and a message.
 *
 * Typical use by the CLI (`socap run FILE --set a=b --set c=d`): call
 * socap_config_load() once with the file and the list of assignments. It
 * fills defaults, applies the file, then every `--set` in order, and runs
 * the cross-field check exactly once at the end, so an override can repair
 * a file that would be invalid on its own.
 *
 * No function here keeps global state; all are thread-safe on distinct
 * arguments.
 */
#ifndef SOCAP_CONFIG_H
#define SOCAP_CONFIG_H

#include <stdio.h>

#include "socap/params.h"

#ifdef __cplusplus
extern "C" {
#endif

#define SOCAP_CONFIG_MAX_ERRORS 32 /**< errors kept per load; further ones are dropped */

/** Largest scenario or sweep file read (16 MiB); a larger one is a
    configuration error ("FILE: too large"). */
#define SOCAP_CONFIG_MAX_BYTES (16u * 1024u * 1024u)

/** One configuration error with its source location. */
typedef struct {
  char file[256];  /**< file name, "--set" for overrides, "" if unknown */
  int line, col;   /**< 1-based; 0 when unknown */
  char param[128]; /**< full dotted parameter name ("cohorts.2.share"), "syntax", or "" */
  char msg[512];   /**< what is wrong */
} socap_config_error;

/** A list of up to SOCAP_CONFIG_MAX_ERRORS errors. */
typedef struct {
  int n; /**< number of errors stored in e */
  socap_config_error e[SOCAP_CONFIG_MAX_ERRORS];
} socap_config_errors;

struct socap_yt_doc; /* parsed YAML tree, see sim/yaml_tree.h (library-private) */

/**
 * Load a scenario file, apply @p nsets `--set` assignments (each
 * "dotted.key=value", see socap_config_apply_set()) in order, then run the
 * cross-field check once.
 *
 * @param path  scenario file
 * @param sets  @p nsets assignments (may be NULL when nsets == 0)
 * @param p     filled with the resolved parameters (defaults + file + sets);
 *              its contents are unspecified on failure
 * @param errs  receives the errors (reset first); may be NULL
 * @return SOCAP_OK, SOCAP_ECONFIG on any configuration error, SOCAP_EIO if
 *         the file cannot be read (the error names the file and strerror),
 *         SOCAP_ERUNTIME when out of memory.
 */
int socap_config_load(const char *path, const char *const *sets, int nsets, socap_params *p,
                      socap_config_errors *errs);

/** socap_config_load() without overrides. */
int socap_config_load_file(const char *path, socap_params *p, socap_config_errors *errs);

/**
 * Load a scenario from the NUL-terminated YAML @p text; @p name_for_messages
 * is used as the file name in errors (NULL: "<string>"). Defaults, range
 * checks and cross-field checks as socap_config_load_file().
 */
int socap_config_load_string(const char *text, const char *name_for_messages, socap_params *p,
                             socap_config_errors *errs);

/**
 * Like socap_config_load() but from an already parsed tree (for the sweep
 * module, which parses the file once and reads its `sweep:` block itself).
 * The `sweep` key is skipped. @p doc is not modified or freed.
 */
int socap_config_load_doc(const struct socap_yt_doc *doc, const char *const *sets, int nsets,
                          socap_params *p, socap_config_errors *errs);

struct socap_yt_node; /* one node of a parsed YAML tree (library-private) */

/**
 * Apply the YAML value @p val (a node of a parsed tree) at the dotted
 * parameter @p name to @p p, exactly as `--set name=VALUE` would, but with
 * errors located at @p val (or at @p key for problems with the name) in its
 * file. Type and range are checked; cross-field rules are not. Used by the
 * sweep module to reject impossible axis values at load time.
 * @param errs  errors are appended (not reset); may be NULL
 * @return SOCAP_OK, SOCAP_ECONFIG or SOCAP_ERUNTIME (out of memory).
 */
int socap_config_apply_node(socap_params *p, const char *name, const struct socap_yt_node *key,
                            const struct socap_yt_node *val, socap_config_errors *errs);

/**
 * Apply one override "key=value" to @p p, as if the value were written at
 * that path in the file. The key is a dotted name:
 *   - `model.half_life=13`, `seed=7`, `output.layers=[0.9,0.6,0.3,0.1]`
 *   - `strategies.broker.selectivity=0.2` (the strategy must exist)
 *   - `strategies.mine={explore: 1, maintain: 0, reactivate: 0, broker: 0}`
 *     (whole mapping: overrides a strategy or creates a new one)
 *   - `cohorts.0.share=0.5` or `cohorts.NAME.share=0.5` (existing cohort)
 *   - `cohorts=[{name: a, strategy: passive, share: 1}]` (replaces the list)
 *   - `model={half_life: 13, p_pass: 0.3}` (section mapping)
 * The value is parsed as a YAML flow scalar/sequence/mapping. Type and range
 * of the value are checked here; cross-field rules are NOT: run
 * socap_config_check() after the last override (socap_config_load() does
 * all of this for you). Errors have file "--set", line 1 and the 1-based
 * column within @p assignment.
 *
 * @param errs  errors are appended (not reset); may be NULL
 * @return SOCAP_OK or SOCAP_ECONFIG (p may be partly modified on error),
 *         SOCAP_ERUNTIME when out of memory.
 */
int socap_config_apply_set(socap_params *p, const char *assignment, socap_config_errors *errs);

/**
 * Run the cross-field rules of socap_params_check() on @p p (resolving each
 * cohort's strategy index) and append every violation to @p errs (may be
 * NULL). No source locations are known here (line 0).
 * @return SOCAP_OK or SOCAP_ECONFIG.
 */
int socap_config_check(socap_params *p, socap_config_errors *errs);

/**
 * Print each error on one line as `FILE:LINE:COL: error: PARAM: MESSAGE`.
 * Missing parts are left out (no location: `FILE: error: ...`; no param:
 * `...: error: MESSAGE`).
 */
void socap_config_errors_print(FILE *f, const socap_config_errors *errs);

/**
 * Print the parameter table (`socap params`): name, type, default, min, max,
 * unit and doc of every row. @p markdown != 0 writes a Markdown table,
 * otherwise aligned plain text.
 * @return SOCAP_OK, or SOCAP_EIO on a write error.
 */
int socap_params_print(FILE *f, int markdown);

/**
 * Write the fully resolved configuration of @p p as YAML: every table
 * parameter, every strategy and every cohort, doubles with %.17g so that
 * loading the text back gives identical values.
 *
 * @param out  receives a malloc'ed NUL-terminated string; the caller frees
 *             it with free(). Set to NULL on failure.
 * @return SOCAP_OK or SOCAP_ERUNTIME (out of memory).
 */
int socap_config_to_yaml(const socap_params *p, char **out);

#ifdef __cplusplus
}
#endif
#endif
