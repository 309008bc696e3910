# Read socap HDF5 output into R data.frames (needs Debian's r-cran-hdf5r).
#
#   source("scripts/socap.R")
#   d <- socap_load("run.h5")                  # named list of data.frames
#   aggregate(degree ~ strategy, d$agents, mean)
#   d <- socap_load("all.h5", tables = "timeseries", tasks = 0:3)
#   socap_provenance("run.h5"); cat(socap_config("run.h5"))
#   socap_plot_capital("run.h5", "capital.png")  # base graphics
#
# The result has the same table names, columns (in the same order) and
# decoded categories as the Python reader scripts/socap.py: a column with a
# `codebook` attribute becomes a factor whose levels are the codebook names in
# code order; for a merged sweep the /design columns (point, replicate, seed
# and one column per swept parameter, e.g. `model.half_life`) are joined onto
# every other table by `task`. 64-bit integer columns (the counters of
# /global, the seeds of /design) are always doubles, whatever their values
# (exact below 2^53); 32-bit ones are integers. The layout is documented in docs/schema.md.

suppressPackageStartupMessages(library(hdf5r))

SOCAP_SUPPORTED_MAJOR <- 1L
SOCAP_TABLES <- c("timeseries", "global", "agents", "agents_history", "network", "design", "failures")
SOCAP_DESIGN_FIXED <- c("task", "point", "replicate", "seed")
# Codebooks of columns that carry none in schema 1.0 (see docs/schema.md).
SOCAP_FALLBACK_CODEBOOKS <- list(
  "network/state" = c("dormant", "active"),
  "network/origin" = c("work", "event", "introduction", "reactivation")
)

.socap_open <- function(path) {
  if (!file.exists(path)) stop(sprintf("%s: no such file", path), call. = FALSE)
  f <- H5File$new(path, mode = "r")
  ok <- FALSE
  on.exit(if (!ok) f$close_all())
  .socap_check_version(f, path)
  ok <- TRUE
  f
}

.socap_check_version <- function(f, path) {
  if (!f$attr_exists("socap_schema_version"))
    stop(sprintf("%s: not a socap output file (no 'socap_schema_version' attribute on the root group)", path),
         call. = FALSE)
  v <- as.character(h5attr(f, "socap_schema_version"))
  major <- suppressWarnings(as.integer(strsplit(v, ".", fixed = TRUE)[[1]][1]))
  if (is.na(major) || major != SOCAP_SUPPORTED_MAJOR)
    stop(sprintf(paste0("%s: socap schema version %s is not supported by this reader (it reads %d.x); ",
                        "use the socap.R that matches the socap that wrote the file"),
                 path, v, SOCAP_SUPPORTED_MAJOR), call. = FALSE)
  v
}

#' The file's socap_schema_version (an error if this reader does not support it).
socap_schema_version <- function(path) {
  f <- .socap_open(path)
  on.exit(f$close_all())
  as.character(h5attr(f, "socap_schema_version"))
}

.socap_table_names <- function(f) {
  present <- Filter(function(n) {
    inherits(f[[n]], "H5Group") && f[[n]]$attr_exists("columns")
  }, names(f))
  c(intersect(SOCAP_TABLES, present), sort(setdiff(present, SOCAP_TABLES)))
}

#' Names of the tables in a file, in the standard order.
socap_tables <- function(path) {
  f <- .socap_open(path)
  on.exit(f$close_all())
  .socap_table_names(f)
}

.socap_columns <- function(g) as.character(h5attr(g, "columns"))

.socap_to_plain <- function(v) {
  if (inherits(v, "integer64")) return(bit64::as.double.integer64(v))
  if (is.array(v)) dim(v) <- NULL
  v
}

.socap_is_int64 <- function(ds) {
  t <- ds$get_type()
  inherits(t, "H5T_INTEGER") && t$get_size() == 8
}

.socap_decode <- function(table, ds, col, v) {
  cb <- NULL
  if (ds$attr_exists("codebook")) cb <- as.character(h5attr(ds, "codebook"))
  else cb <- SOCAP_FALLBACK_CODEBOOKS[[paste0(table, "/", col)]]
  v <- .socap_to_plain(v)
  # hdf5r gives a 64-bit integer column as integer when every value fits in
  # 32 bits: make it double always, so a column's type does not depend on
  # its values (exact below 2^53)
  if (is.integer(v) && .socap_is_int64(ds)) v <- as.double(v)
  if (!is.null(cb) && (is.integer(v) || is.numeric(v))) {
    bad <- !is.na(v) & (v < -1 | v >= length(cb))
    if (any(bad)) stop(sprintf("/%s/%s: code %s outside its codebook of %d names", table, col, v[bad][1],
                               length(cb)), call. = FALSE)
    v[v == -1] <- NA
    return(factor(cb[v + 1L], levels = cb))
  }
  v
}

# Row runs (1-based, inclusive) of the rows whose task is in `tasks`.
.socap_runs <- function(task, tasks) {
  idx <- which(task %in% tasks)
  if (!length(idx)) return(matrix(integer(0), ncol = 2))
  brk <- c(0L, which(diff(idx) != 1L), length(idx))
  cbind(idx[brk[-length(brk)] + 1L], idx[brk[-1]])
}

.socap_read_group <- function(f, table, tasks = NULL, columns = NULL) {
  g <- f[[table]]
  all_cols <- .socap_columns(g)
  cols <- all_cols
  if (!is.null(columns)) {
    want <- if (is.list(columns)) columns[[table]] else intersect(columns, all_cols)
    if (is.list(columns) && !is.null(want)) {
      miss <- setdiff(want, all_cols)
      if (length(miss)) stop(sprintf("/%s has no column(s) %s", table, paste(miss, collapse = ", ")), call. = FALSE)
    }
    if (!is.null(want)) cols <- all_cols[all_cols %in% union(want, "task")]
  }
  runs <- NULL
  if (!is.null(tasks) && "task" %in% all_cols) runs <- .socap_runs(g[["task"]]$read(), tasks)
  out <- lapply(cols, function(col) {
    ds <- g[[col]]
    if (is.null(runs)) {
      v <- if (ds$dims == 0) ds$read() else ds[]
    } else if (nrow(runs) == 0) {
      v <- ds$read()[0]
    } else {
      v <- do.call(base::c, lapply(seq_len(nrow(runs)), function(i)
        .socap_to_plain(ds$read(args = list(runs[i, 1]:runs[i, 2])))))
    }
    .socap_decode(table, ds, col, v)
  })
  names(out) <- cols
  as.data.frame(out, stringsAsFactors = FALSE, check.names = FALSE, optional = TRUE)
}

# Add the /design columns (other than task) by task; columns the table already
# has (point and replicate in /failures) are not added again and must agree.
.socap_join_design <- function(df, design, table) {
  if (is.null(design) || !("task" %in% names(df)) || table == "design") return(df)
  if (anyDuplicated(design$task)) stop("/design has duplicate task ids", call. = FALSE)
  i <- match(df$task, design$task)
  for (col in setdiff(names(design), "task")) {
    v <- design[[col]][i]
    if (col %in% names(df)) {
      if (!isTRUE(all.equal(df[[col]], v, check.attributes = FALSE)))
        stop(sprintf("/%s column '%s' disagrees with /design", table, col), call. = FALSE)
      next
    }
    df[[col]] <- v
  }
  df
}

#' Read a socap output file (a run or a merged sweep).
#'
#' @param path    HDF5 file written by `socap run` or `socap merge`
#' @param tables  table names to read (default: all present)
#' @param tasks   task ids to keep (default: all)
#' @param columns character vector applied to every table, or a named list per table;
#'                `task` is always kept
#' @param join_design add the /design columns to every other table by task (sweeps)
#' @return a named list of data.frames, in the order of SOCAP_TABLES, with
#'   attributes `path`, `schema_version` and `design_params`.
socap_load <- function(path, tables = NULL, tasks = NULL, columns = NULL, join_design = TRUE) {
  f <- .socap_open(path)
  on.exit(f$close_all())
  present <- .socap_table_names(f)
  want <- if (is.null(tables)) present else tables
  miss <- setdiff(want, present)
  if (length(miss)) stop(sprintf("%s: no table(s) %s; tables present: %s", path, paste(miss, collapse = ", "),
                                 paste(present, collapse = ", ")), call. = FALSE)
  design <- NULL
  params <- character(0)
  if ("design" %in% present) {
    params <- setdiff(.socap_columns(f[["design"]]), SOCAP_DESIGN_FIXED)
    if (join_design || "design" %in% want) design <- .socap_read_group(f, "design", tasks = tasks)
  }
  out <- list()
  for (t in want) {
    if (t == "design") {
      df <- design
      if (!is.null(columns)) df <- .socap_read_group(f, "design", tasks = tasks, columns = columns)
    } else {
      df <- .socap_read_group(f, t, tasks = tasks, columns = columns)
      if (join_design) df <- .socap_join_design(df, design, t)
    }
    out[[t]] <- df
  }
  attr(out, "path") <- path
  attr(out, "schema_version") <- as.character(h5attr(f, "socap_schema_version"))
  attr(out, "design_params") <- params
  out
}

#' Attributes of /provenance as a named list.
socap_provenance <- function(path) {
  f <- .socap_open(path)
  on.exit(f$close_all())
  if (!f$exists("provenance")) return(list())
  g <- f[["provenance"]]
  n <- sort(h5attr_names(g))
  out <- lapply(n, function(k) .socap_to_plain(h5attr(g, k)))
  names(out) <- n
  out
}

#' The resolved configuration (YAML text) of a file.
socap_config <- function(path) {
  f <- .socap_open(path)
  on.exit(f$close_all())
  if (!f$exists("provenance/config")) stop(sprintf("%s: no /provenance/config", path), call. = FALSE)
  as.character(f[["provenance/config"]]$read())
}

#' Social capital by strategy over time (base graphics): mean information
#' received per window, support, constraint and degree, one line per strategy,
#' band: 10-90 % across agents (one task) or across tasks (several).
socap_plot_capital <- function(data, file = NULL, width = 1000, height = 700) {
  if (is.character(data)) data <- socap_load(data, tables = "timeseries")
  ts <- data$timeseries
  if (!is.null(file)) { png(file, width = width, height = height); on.exit(dev.off()) }
  strategies <- setdiff(levels(ts$strategy), "all")
  strategies <- strategies[strategies %in% as.character(ts$strategy)]
  cols <- setNames(c(grDevices::palette.colors(length(strategies) + 1)[-1], "black"), c(strategies, "all"))
  ntask <- length(unique(ts$task))
  op <- par(mfrow = c(2, 2), mar = c(4, 4.5, 1.5, 1), oma = c(3, 0, 2, 0))
  if (is.null(file)) on.exit(par(op), add = TRUE)  # (with a file, dev.off() discards the settings)
  for (m in c("info_window", "support", "constraint", "degree")) {
    rng <- range(c(ts[[paste0(m, "_p10")]], ts[[paste0(m, "_p90")]]), na.rm = TRUE)
    plot(NA, xlim = range(ts$step), ylim = rng, xlab = "step (week)", ylab = m)
    for (s in c(strategies, "all")) {
      sub <- ts[ts$strategy == s, ]
      if (ntask > 1) {
        x <- sort(unique(sub$step))
        v <- split(sub[[paste0(m, "_mean")]], sub$step)
        y <- sapply(v, mean); lo <- sapply(v, quantile, 0.1); hi <- sapply(v, quantile, 0.9)
      } else {
        sub <- sub[order(sub$step), ]
        x <- sub$step; y <- sub[[paste0(m, "_mean")]]
        lo <- sub[[paste0(m, "_p10")]]; hi <- sub[[paste0(m, "_p90")]]
      }
      if (s != "all") polygon(c(x, rev(x)), c(lo, rev(hi)), col = adjustcolor(cols[[s]], 0.15), border = NA)
      lines(x, y, col = cols[[s]], lwd = 2, lty = if (s == "all") 2 else 1)
    }
  }
  mtext("Social capital by strategy over time (line: mean; band: 10-90 %)", outer = TRUE, line = 0.5)
  par(fig = c(0, 1, 0, 1), oma = c(0, 0, 0, 0), mar = c(0, 0, 0, 0), new = TRUE)
  plot(0, 0, type = "n", bty = "n", xaxt = "n", yaxt = "n")
  legend("bottom", legend = names(cols), col = cols, lty = c(rep(1, length(strategies)), 2), lwd = 2,
         horiz = TRUE, bty = "n", cex = 0.8)
  invisible(NULL)
}
