# Read socap HDF5 output into R data.frames (needs Debian's r-cran-hdf5r).
#
#   source("scripts/socap.R")
#   d <- socap_load("run.h5")                  # named list of data.frames
#   aggregate(degree ~ strategy, d$agents, mean)
#   d <- socap_load("all.h5", tables = "timeseries", tasks = 0:3)
#   socap_provenance("run.h5"); cat(socap_config("run.h5"))
#   socap_plot_capital("run.h5", "capital.png")  # base graphics (tasks= to select)
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

# A short reason from an hdf5r error message (which holds the whole HDF5
# error stack): the description of the innermost HDF5 error.
.socap_hdf5_reason <- function(msg) {
  m <- regmatches(msg, gregexpr("error #[0-9]+:[^\n]*", msg))[[1]]
  if (!length(m)) return(trimws(strsplit(msg, "\n", fixed = TRUE)[[1]][1]))
  r <- sub("^error #[0-9]+: .* line [0-9]+: ", "", m[length(m)])
  if (nchar(r) > 160) r <- paste0(substr(r, 1, 157), "...")
  r
}

.socap_part_note <- function(part, final) {
  sprintf(paste0("%s: a partial output file: socap is still writing it, or a run that was killed left it ",
                 "(the finished file is %s%s)"), part, final,
          if (file.exists(final)) "" else ", which does not exist")
}

.socap_open <- function(path) {
  if (!is.character(path) || length(path) != 1L || is.na(path))
    stop("path must be a single file name", call. = FALSE)
  part <- paste0(path, ".part")
  if (!file.exists(path)) {
    if (file.exists(part)) stop(sprintf("%s: no such file, but %s exists: socap is still writing it, or a run that was killed left it",
                                        path, part), call. = FALSE)
    stop(sprintf("%s: no such file", path), call. = FALSE)
  }
  if (dir.exists(path)) stop(sprintf("%s: is a directory, not a socap output file", path), call. = FALSE)
  size <- file.size(path)
  if (isTRUE(size == 0)) stop(sprintf("%s: empty file (0 bytes), not a socap output file", path), call. = FALSE)
  f <- tryCatch(H5File$new(path, mode = "r"), error = function(e) {
    # a complete NAME.part (kept when NAME appeared meanwhile) reads as any file
    if (grepl("\\.part$", path)) stop(.socap_part_note(path, sub("\\.part$", "", path)), call. = FALSE)
    msg <- conditionMessage(e)
    why <- if (grepl("file signature not found|unable to locate file signature|Not an HDF5 file", msg))
      "not an HDF5 file" else if (grepl("truncated file", msg)) {
        eof <- regmatches(msg, regexpr("stored_eof = [0-9]+", msg))
        sprintf("truncated HDF5 file (%.0f bytes%s): an incomplete copy or an interrupted write",
                size, if (length(eof)) paste0(", its header says ", sub("stored_eof = ", "", eof)) else "")
      } else if (grepl("lock", msg, ignore.case = TRUE))
        sprintf("cannot be opened: it is locked (is socap still writing it?): %s", .socap_hdf5_reason(msg))
      else sprintf("cannot be opened as HDF5 (damaged?): %s", .socap_hdf5_reason(msg))
    stop(sprintf("%s: %s", path, why), call. = FALSE)
  })
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

# Row runs (1-based, inclusive) of the selected rows `idx` (increasing).
.socap_runs <- function(idx) {
  if (!length(idx)) return(matrix(integer(0), ncol = 2))
  brk <- c(0L, which(diff(idx) != 1L), length(idx))
  cbind(idx[brk[-length(brk)] + 1L], idx[brk[-1]])
}

# At most this many runs are read one by one; beyond, the span from the first
# to the last selected row is read once and subset in memory (each hdf5r read
# has a fixed cost, and the span costs at most a full read of the column).
SOCAP_MAX_RUN_READS <- 8L

# Rows lo..hi (1-based, inclusive) of a dataset. The range is passed to hdf5r
# as an unevaluated `lo:hi` call: hdf5r then sees a regular range at once,
# where an evaluated index vector costs it about twice the read itself.
.socap_read_range <- function(ds, lo, hi) .socap_to_plain(ds$read(args = list(bquote(.(lo):.(hi)))))

# The selected rows `idx` (1-based, increasing; `runs` their runs) of a dataset.
.socap_read_rows <- function(ds, idx, runs) {
  n <- ds$dims
  if (!length(idx)) {
    # an empty vector of the column's type, without reading the column
    v <- if (length(n) && n[1] > 0) .socap_read_range(ds, 1L, 1L) else .socap_to_plain(ds$read())
    return(v[0])
  }
  lo <- idx[1]; hi <- idx[length(idx)]
  if (nrow(runs) == 1L) return(.socap_read_range(ds, lo, hi))
  if (nrow(runs) <= SOCAP_MAX_RUN_READS && length(idx) * 2 < hi - lo + 1)
    return(do.call(base::c, lapply(seq_len(nrow(runs)), function(i) .socap_read_range(ds, runs[i, 1], runs[i, 2]))))
  .socap_read_range(ds, lo, hi)[idx - (lo - 1L)]
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
  idx <- NULL
  if (!is.null(tasks) && "task" %in% all_cols) {
    task <- .socap_to_plain(g[["task"]]$read())
    idx <- which(task %in% tasks)
    runs <- .socap_runs(idx)
  }
  out <- lapply(cols, function(col) {
    ds <- g[[col]]
    if (is.null(idx)) {
      v <- if (ds$dims == 0) ds$read() else ds[]
    } else if (col == "task") {
      v <- task[idx]  # already read
    } else {
      v <- .socap_read_rows(ds, idx, runs)
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
#' @return a named list of data.frames, in the order of `tables` (by default
#'   every table present, in the order of SOCAP_TABLES; socap.py's load() too
#'   returns the tables in the order asked for), with attributes `path`,
#'   `schema_version`, `design_params` and `tasks` (the `tasks` argument).
socap_load <- function(path, tables = NULL, tasks = NULL, columns = NULL, join_design = TRUE) {
  if (is.list(columns)) {
    # a misspelt table name in columns = list(...) was silently ignored
    bad <- setdiff(names(columns), SOCAP_TABLES)
    if (length(bad)) stop(sprintf("columns names unknown table(s) %s; socap's tables: %s", paste(bad, collapse = ", "),
                                  paste(SOCAP_TABLES, collapse = ", ")), call. = FALSE)
  }
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
  attr(out, "tasks") <- tasks
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

# What socap_plot_capital draws for metric m: per strategy, x (steps), the
# line y and the band lo..hi. Several tasks: mean and 10-90 % quantiles of the
# per-task means, leaving out NaN ones (the strategy has no agents in that
# task); one task: the mean and the p10/p90 across agents.
.socap_capital_series <- function(ts, m, strategies) {
  ntask <- length(unique(ts$task))
  out <- lapply(strategies, function(s) {
    sub <- ts[ts$strategy == s, ]
    if (ntask > 1) {
      v <- split(sub[[paste0(m, "_mean")]], sub$step)
      v <- lapply(v, function(z) z[!is.na(z)])
      x <- as.numeric(names(v))
      q <- function(z, p) if (length(z)) unname(quantile(z, p)) else NA_real_
      y <- vapply(v, function(z) if (length(z)) mean(z) else NA_real_, 0)
      lo <- vapply(v, q, 0, 0.1); hi <- vapply(v, q, 0, 0.9)
    } else {
      sub <- sub[order(sub$step), ]
      x <- sub$step; y <- sub[[paste0(m, "_mean")]]
      lo <- sub[[paste0(m, "_p10")]]; hi <- sub[[paste0(m, "_p90")]]
    }
    list(x = x, y = unname(y), lo = unname(lo), hi = unname(hi), band = s != "all")
  })
  setNames(out, strategies)
}

# y-limits of a panel: the range of what is drawn (lines, and bands but 'all''s).
.socap_capital_ylim <- function(series) {
  drawn <- unlist(lapply(series, function(p) c(p$y, if (p$band) c(p$lo, p$hi))))
  drawn <- drawn[is.finite(drawn)]
  if (!length(drawn)) return(c(0, 1))
  range(drawn)
}

.socap_capital_title <- function(ntask) {
  band <- if (ntask > 1) sprintf("10-90 %% across %d tasks", ntask) else "10-90 % across agents"
  sprintf("Social capital by strategy over time (line: mean; band: %s)", band)
}

#' Social capital by strategy over time (base graphics): mean information
#' received per window, support, constraint and degree, one line per strategy,
#' band: 10-90 % across agents (one task) or across tasks (several: the spread
#' of the per-task means; a task where a strategy has no agents, whose mean is
#' NaN, is left out of that strategy's line and band, as in socap.py).
#' `tasks` selects tasks when `data` is a path. An error if there is nothing
#' to plot (no /timeseries rows); no file is then left behind.
socap_plot_capital <- function(data, file = NULL, width = 1000, height = 700, tasks = NULL) {
  if (is.character(data)) {
    path <- data
    # (socap_tables() first: its close_all() would close socap_load()'s handle)
    present <- socap_tables(path)
    data <- socap_load(path, tables = intersect(c("timeseries", "failures"), present), tasks = tasks)
    attr(data, "tasks") <- tasks
  }
  ts <- data$timeseries
  if (is.null(ts)) stop("no /timeseries table to plot", call. = FALSE)
  if (!nrow(ts)) stop(.socap_no_rows_message(data), call. = FALSE)
  strategies <- setdiff(levels(ts$strategy), "all")
  strategies <- strategies[strategies %in% as.character(ts$strategy)]
  cols <- setNames(c(grDevices::palette.colors(length(strategies) + 1)[-1], "black"), c(strategies, "all"))
  ntask <- length(unique(ts$task))
  metrics <- c("info_window", "support", "constraint", "degree")
  series <- lapply(setNames(metrics, metrics), function(m) .socap_capital_series(ts, m, names(cols)))
  ok <- FALSE
  if (!is.null(file)) {
    png(file, width = width, height = height)
    on.exit({ dev.off(); if (!ok) unlink(file) })
  }
  op <- par(mfrow = c(2, 2), mar = c(4, 4.5, 1.5, 1), oma = c(3, 0, 2, 0))
  if (is.null(file)) on.exit(par(op), add = TRUE)  # (with a file, dev.off() discards the settings)
  for (m in metrics) {
    plot(NA, xlim = range(ts$step), ylim = .socap_capital_ylim(series[[m]]), xlab = "step (week)", ylab = m)
    for (s in names(cols)) {
      p <- series[[m]][[s]]
      if (p$band) {
        # one polygon per run of steps with a finite band (NA would break it up badly)
        fin <- is.finite(p$lo) & is.finite(p$hi)
        r <- rle(fin); ends <- cumsum(r$lengths); starts <- ends - r$lengths + 1
        for (k in which(r$values)) {
          i <- starts[k]:ends[k]
          polygon(c(p$x[i], rev(p$x[i])), c(p$lo[i], rev(p$hi[i])), col = adjustcolor(cols[[s]], 0.15), border = NA)
        }
      }
      lines(p$x, p$y, col = cols[[s]], lwd = 2, lty = if (s == "all") 2 else 1)
    }
  }
  mtext(.socap_capital_title(ntask), outer = TRUE, line = 0.5)
  par(fig = c(0, 1, 0, 1), oma = c(0, 0, 0, 0), mar = c(0, 0, 0, 0), new = TRUE)
  plot(0, 0, type = "n", bty = "n", xaxt = "n", yaxt = "n")
  legend("bottom", legend = names(cols), col = cols, lty = c(rep(1, length(strategies)), 2), lwd = 2,
         horiz = TRUE, bty = "n", cex = 0.8)
  ok <- TRUE
  invisible(NULL)
}

# Why a socap_load() result has no /timeseries rows: the task selection, and
# the tasks that failed (/failures).
.socap_no_rows_message <- function(data) {
  path <- attr(data, "path")
  tasks <- attr(data, "tasks")
  what <- if (is.null(path)) "no /timeseries rows to plot" else sprintf("%s: no /timeseries rows to plot", path)
  fl <- data$failures
  if (is.null(fl) && !is.null(path) && file.exists(path))
    fl <- tryCatch({
      if ("failures" %in% socap_tables(path)) socap_load(path, tables = "failures", tasks = tasks, join_design = FALSE)$failures
    }, error = function(e) NULL)
  nfail <- if (is.null(fl)) 0L else length(unique(fl$task))
  sel <- if (!is.null(tasks)) {
    shown <- paste(utils::head(tasks, 10), collapse = ", ")
    if (length(tasks) > 10) shown <- paste0(shown, ", ... (", length(tasks), " tasks)")
    if (length(tasks)) sprintf(" for tasks %s", shown) else ""
  } else ""
  why <- if (is.null(tasks)) {
    if (nfail > 0) sprintf("every task failed (%d task%s; see /failures)", nfail, if (nfail > 1) "s" else "")
    else "the file has no timeseries rows"
  } else if (nfail > 0) {
    sprintf("%d of them failed (see /failures)%s", nfail,
            if (nfail < length(unique(tasks))) " and the others are not in the file" else "")
  } else if (!length(tasks)) "the task selection is empty" else "no such task in the file"
  sprintf("%s%s: %s", what, sel, why)
}
