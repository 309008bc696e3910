# Tests of scripts/socap.R on real socap output.
#   SOCAP=/path/to/socap Rscript tests/R/run_tests.R
# The input files (a run and a merged sweep with 4 failed tasks) are made by
# tests/python/make_fixtures.py (with PYTHON, default /usr/bin/python3), the
# same files the Python tests use; raw values are read with hdf5r directly.
args_file <- sub("^--file=", "", grep("^--file=", commandArgs(), value = TRUE))
here <- normalizePath(dirname(args_file))
root <- normalizePath(file.path(here, "..", ".."))
source(file.path(root, "scripts", "socap.R"))

socap_bin <- Sys.getenv("SOCAP")
if (!nzchar(socap_bin)) stop("set SOCAP to the socap executable (ctest does this)")
python <- Sys.getenv("PYTHON", "/usr/bin/python3")
if (!nzchar(python)) python <- "/usr/bin/python3"

failures <- 0L
n_tests <- 0L
check <- function(name, expr) {
  n_tests <<- n_tests + 1L
  r <- tryCatch({ force(expr); NULL }, error = function(e) conditionMessage(e))
  if (is.null(r)) cat("ok  ", name, "\n") else { failures <<- failures + 1L; cat("FAIL", name, ":", r, "\n") }
}
expect <- function(cond, msg = deparse(substitute(cond))) if (!isTRUE(cond)) stop(msg, call. = FALSE)
expect_error <- function(expr, pattern) {
  e <- tryCatch({ force(expr); NULL }, error = function(e) conditionMessage(e))
  if (is.null(e)) stop("no error raised", call. = FALSE)
  if (!grepl(pattern, e)) stop(sprintf("error '%s' does not match '%s'", e, pattern), call. = FALSE)
}

tmp <- tempfile("socap_r_")
dir.create(tmp)
on.exit(unlink(tmp, recursive = TRUE))
out <- system2(python, c("-B", file.path(root, "tests", "python", "make_fixtures.py"), tmp), stdout = TRUE,
               stderr = TRUE, env = paste0("SOCAP=", socap_bin))
if (!is.null(attr(out, "status"))) stop(paste(c("make_fixtures failed:", out), collapse = "\n"))
run_file <- file.path(tmp, "run.h5")
sweep_file <- file.path(tmp, "sweep.h5")

raw <- function(path, table, col) {
  f <- H5File$new(path, mode = "r"); on.exit(f$close_all())
  v <- f[[table]][[col]]$read()
  if (inherits(v, "integer64")) v <- bit64::as.double.integer64(v)
  v
}
raw_attr <- function(path, obj, name) {
  f <- H5File$new(path, mode = "r"); on.exit(f$close_all())
  as.character(h5attr(f[[obj]], name))
}
same <- function(a, b) isTRUE(all.equal(a, b, tolerance = 0)) || identical(a, b)

check_table <- function(d, path, t, extra = character(0)) {
  force(extra)  # before opening the file: close_all() elsewhere would close this handle too
  df <- d[[t]]
  f <- H5File$new(path, mode = "r")
  on.exit(f$close_all())
  g <- f[[t]]
  cols <- as.character(h5attr(g, "columns"))
  expect(identical(names(df), c(cols, extra)), sprintf("/%s columns: %s", t, paste(names(df), collapse = ",")))
  for (col in cols) {
    ds <- g[[col]]
    v <- ds$read()
    if (inherits(v, "integer64")) v <- bit64::as.double.integer64(v)
    expect(length(v) == nrow(df), sprintf("/%s rows", t))
    cb <- if (ds$attr_exists("codebook")) as.character(h5attr(ds, "codebook")) else
      SOCAP_FALLBACK_CODEBOOKS[[paste0(t, "/", col)]]
    if (!is.null(cb)) {
      expect(is.factor(df[[col]]), sprintf("/%s/%s is a factor", t, col))
      expect(identical(levels(df[[col]]), cb), sprintf("/%s/%s levels", t, col))
      expect(identical(as.integer(df[[col]]) - 1L, as.integer(v)), sprintf("/%s/%s codes", t, col))
    } else {
      expect(same(df[[col]], v), sprintf("/%s/%s values", t, col))
    }
  }
}

run <- socap_load(run_file)
check("run: tables", expect(identical(names(run), c("timeseries", "global", "agents", "agents_history", "network"))))
for (t in names(run)) check(paste("run: /", t, " matches raw", sep = ""), check_table(run, run_file, t))
check("run: categories", {
  s <- c("broad_active", "selective_active", "broad_dormant", "selective_dormant", "broker", "passive")
  expect(identical(levels(run$timeseries$strategy), c(s, "all")))
  expect(identical(levels(run$agents$strategy), s))
  expect(identical(levels(run$agents$cohort), s))
  expect(identical(levels(run$network$state), c("dormant", "active")))
  expect(all(run$timeseries$n_agents[run$timeseries$strategy == "all"] == 240L))
  expect(nrow(run$agents) == 240L && is.integer(run$agents$degree) && is.double(run$agents$constraint))
  # 64-bit counters are doubles even when every value fits in 32 bits
  expect(is.double(run$global$proposals) && max(run$global$proposals) < 2^31 && is.integer(run$global$step))
})
check("run: degree consistency (timeseries all, agents, global)", {
  ts <- run$timeseries
  last <- ts[ts$step == max(ts$step) & ts$strategy == "all", ]
  m <- mean(run$agents$degree)
  expect(nrow(last) == 1 && abs(last$degree_mean - m) <= 1e-12 * m)
  g <- run$global
  expect(abs(g$mean_degree[which.max(g$step)] - m) <= 1e-12 * m)
})
check("run: provenance and config", {
  p <- socap_provenance(run_file)
  expect(p$kind == "run" && p$seed == "7")
  expect(grepl("n_agents: 240", socap_config(run_file)))
})
check("run: tables/columns/tasks selection", {
  d <- socap_load(run_file, tables = "agents", columns = c("strategy", "degree"))
  expect(identical(names(d), "agents") && identical(names(d$agents), c("task", "strategy", "degree")))
  expect(nrow(socap_load(run_file, tables = "agents", tasks = 5)$agents) == 0)
  expect_error(socap_load(run_file, tables = "design"), "no table")
})
check("version refusal", {
  bad <- file.path(tmp, "v2.h5")
  file.copy(run_file, bad)
  f <- H5File$new(bad, mode = "r+"); h5attr(f, "socap_schema_version") <- "2.0"; f$close_all()
  expect_error(socap_load(bad), "schema version 2.0 is not supported")
  expect_error(socap_provenance(bad), "not supported")
  f <- H5File$new(bad, mode = "r+"); f$attr_delete("socap_schema_version"); f$close_all()
  expect_error(socap_load(bad), "not a socap output file")
  f <- H5File$new(bad, mode = "r+"); h5attr(f, "socap_schema_version") <- "1.4"; f$close_all()
  expect(nrow(socap_load(bad, tables = "agents")$agents) == 240)
})

sw <- socap_load(sweep_file)
dcols <- raw_attr(sweep_file, "design", "columns")
extra <- setdiff(dcols, "task")
check("sweep: tables and design params", {
  expect(identical(names(sw), c("timeseries", "global", "agents", "network", "design", "failures")))
  expect(identical(attr(sw, "design_params"), c("model.half_life", "model.w_intro")))
  expect(nrow(sw$design) == 12)
  expect(identical(sw$failures$task, c(4L, 5L, 10L, 11L)))  # w_intro = 0.1 < w0: these tasks fail
  expect(is.character(sw$failures$message) && all(grepl("model.w_intro: 0.1 must be at least model.w0 = 0.2", sw$failures$message, fixed = TRUE)))
  expect(all(sw$failures$model.w_intro == 0.1))
  expect(identical(names(sw$failures), c("task", "point", "replicate", "message", "seed", "model.half_life",
                                         "model.w_intro")))
  expect(identical(sort(unique(sw$agents$task)), c(0:3, 6:9)))
  expect(is.double(sw$design$seed) && length(unique(sw$design$seed)) == 12)
})
check("sweep: /design matches raw", check_table(sw, sweep_file, "design"))
for (t in c("timeseries", "global", "agents", "network", "failures"))
  check(sprintf("sweep: /%s matches raw, design joined", t), {
    own <- raw_attr(sweep_file, t, "columns")
    check_table(sw, sweep_file, t, setdiff(extra, own))
    i <- match(sw[[t]]$task, raw(sweep_file, "design", "task"))
    for (col in extra) expect(same(sw[[t]][[col]], raw(sweep_file, "design", col)[i]), paste("joined", col))
  })
check("sweep: task filter", {
  d <- socap_load(sweep_file, tables = c("agents", "network"), tasks = c(0, 5, 7))
  for (t in names(d)) {
    full <- sw[[t]][sw[[t]]$task %in% c(0, 5, 7), ]
    rownames(full) <- NULL
    expect(isTRUE(all.equal(d[[t]], full)), t)
  }
  expect(identical(sort(unique(d$agents$task)), c(0L, 7L)))  # task 5 failed
})
check("sweep: degree consistency per task", {
  for (k in unique(sw$agents$task)) {
    m <- mean(sw$agents$degree[sw$agents$task == k])
    ts <- sw$timeseries[sw$timeseries$task == k & sw$timeseries$strategy == "all", ]
    expect(abs(ts$degree_mean[which.max(ts$step)] - m) <= 1e-12 * m)
  }
})
check("plot: base-graphics figure", {
  png_file <- file.path(tmp, "capital.png")
  socap_plot_capital(run_file, png_file)
  expect(file.size(png_file) > 5000)
  con <- file(png_file, "rb"); h <- readBin(con, "raw", 24); close(con)
  w <- sum(as.integer(h[17:20]) * 256^(3:0)); hh <- sum(as.integer(h[21:24]) * 256^(3:0))
  expect(w == 1000 && hh == 700, sprintf("size %dx%d", w, hh))
})

check("plot: NaN task means (a strategy with no agents in some tasks) are left out", {
  d <- socap_load(sweep_file, tables = "timeseries")
  ts <- d$timeseries
  gone <- ts$strategy == "broker" & ts$task %in% c(0, 1)  # as if broker had no agents in tasks 0 and 1
  for (m in c("info_window", "support", "constraint", "degree")) ts[gone, paste0(m, c("_mean", "_p10", "_p90"))] <- NaN
  d$timeseries <- ts
  png_file <- file.path(tmp, "capital_nan.png")
  socap_plot_capital(d, png_file)  # used to fail: quantile() of NaN
  expect(file.size(png_file) > 5000)
  p <- .socap_capital_series(ts, "degree", c("broker", "all"))$broker
  keep <- ts[ts$strategy == "broker" & !gone, ]
  expect(isTRUE(all.equal(p$y, as.vector(tapply(keep$degree_mean, keep$step, mean)))), "mean without the NaN tasks")
  expect(isTRUE(all.equal(p$hi, as.vector(tapply(keep$degree_mean, keep$step, quantile, 0.9)))), "band without NaN")
  # a strategy with no agents in any task at some step: NA there, the rest drawn
  ts$degree_mean[ts$strategy == "broker" & ts$step == max(ts$step)] <- NaN
  p <- .socap_capital_series(ts, "degree", "broker")$broker
  expect(is.na(p$y[length(p$y)]) && all(is.finite(p$y[-length(p$y)])))
})
check("plot: no /timeseries rows is a clear error, and no file is left", {
  png_file <- file.path(tmp, "none.png")
  expect_error(socap_plot_capital(sweep_file, png_file, tasks = c(4, 5)),
               "sweep.h5: no /timeseries rows to plot for tasks 4, 5: 2 of them failed")
  expect(!file.exists(png_file))
  expect_error(socap_plot_capital(run_file, png_file, tasks = 99), "no /timeseries rows .*tasks 99: no such task")
  d <- socap_load(sweep_file, tables = c("timeseries", "failures"))
  d$timeseries <- d$timeseries[0, ]  # as when every task failed
  expect_error(socap_plot_capital(d, png_file), "no /timeseries rows to plot: every task failed \\(4 tasks")
  expect(!file.exists(png_file))
})
check("plot: several tasks: y-limits from what is drawn, title 'across N tasks'", {
  ts <- sw$timeseries
  s <- .socap_capital_series(ts, "support", c(setdiff(levels(ts$strategy), "all"), "all"))
  yl <- .socap_capital_ylim(s)
  drawn <- unlist(lapply(s, function(p) c(p$y, if (p$band) c(p$lo, p$hi))))
  expect(identical(yl, range(drawn[is.finite(drawn)])))
  # the per-agent p90 (which used to set the limits) is far above the task means
  expect(yl[2] < max(ts$support_p90, na.rm = TRUE))
  expect(identical(.socap_capital_title(8), "Social capital by strategy over time (line: mean; band: 10-90 % across 8 tasks)"))
  expect(grepl("across agents", .socap_capital_title(1)))
})
check("tasks selection: same rows as a full read, with few reads", {
  tabs <- c("agents", "global")
  full <- socap_load(sweep_file, tables = tabs)
  # every column of the tables and of /design (joined) but task, which is read once
  ncol_read <- sum(sapply(c(tabs, "design"), function(t) length(raw_attr(sweep_file, t, "columns")) - 1L))
  reads <- integer(0)
  real <- .socap_read_range
  .socap_read_range <<- function(ds, lo, hi) { reads <<- c(reads, hi - lo + 1); real(ds, lo, hi) }
  on.exit(.socap_read_range <<- real)
  old_max <- SOCAP_MAX_RUN_READS
  on.exit(SOCAP_MAX_RUN_READS <<- old_max, add = TRUE)
  # (no row; one run; two short runs read one by one; many runs: one span read per column)
  for (case in list(list(99, 8L), list(0, 8L), list(c(0, 9), 8L), list(c(1, 3, 6, 8, 9), 8L), list(c(0, 2, 3, 7), 1L))) {
    tk <- case[[1]]
    SOCAP_MAX_RUN_READS <<- case[[2]]
    reads <- integer(0)
    d <- socap_load(sweep_file, tables = tabs, tasks = tk)
    for (t in tabs) {
      want <- full[[t]][full[[t]]$task %in% tk, ]
      rownames(want) <- NULL
      expect(identical(d[[t]], want), sprintf("tasks %s /%s", paste(tk, collapse = ","), t))
    }
    if (!nrow(d$agents)) {
      # no matching rows: one element per column, not the whole column
      expect(length(reads) == ncol_read && all(reads == 1), "empty selection reads columns")
    } else if (length(tk) > 2) {
      expect(length(reads) == ncol_read, sprintf("%d reads for tasks %s", length(reads), paste(tk, collapse = ",")))
    }
  }
})
check("unreadable files: one short error naming the path", {
  short <- function(expr, pattern) {
    e <- tryCatch({ force(expr); NULL }, error = function(e) conditionMessage(e))
    if (is.null(e)) stop("no error raised", call. = FALSE)
    if (!grepl(pattern, e)) stop(sprintf("error '%s' does not match '%s'", e, pattern), call. = FALSE)
    if (grepl("\n|HDF5-API|error #", e) || nchar(e) > 400) stop(sprintf("not short: %s", e), call. = FALSE)
  }
  bytes <- readBin(run_file, "raw", file.size(run_file))
  trunc <- file.path(tmp, "trunc.h5"); writeBin(bytes[1:20000], trunc)
  short(socap_load(trunc), "trunc.h5: truncated HDF5 file \\(20000 bytes, its header says [0-9]+\\)")
  text <- file.path(tmp, "text.h5"); writeLines("not hdf5", text)
  short(socap_load(text), "text.h5: not an HDF5 file")
  empty <- file.path(tmp, "empty.h5"); file.create(empty)
  short(socap_tables(empty), "empty.h5: empty file")
  short(socap_load(tmp), paste0(basename(tmp), ": is a directory"))
  part <- file.path(tmp, "partial.h5.part"); writeBin(bytes[1:20000], part)
  short(socap_load(part), "partial.h5.part: a partial output file: socap is still writing it, or a run that was killed left it \\(the finished file is .*partial.h5, which does not exist\\)")
  short(socap_provenance(file.path(tmp, "partial.h5")), "partial.h5: no such file, but .*partial.h5.part exists: socap is still writing it")
  short(socap_load(file.path(tmp, "nothing.h5")), "nothing.h5: no such file$")
})
check("columns = list(...) with an unknown table name is an error (as socap.py's load)", {
  e <- tryCatch({ socap_load(run_file, columns = list(agent = "degree")); "" }, error = conditionMessage)
  expect(grepl("columns names unknown table\\(s\\) agent; socap's tables: timeseries", e))
})
check("tables are returned in the order asked for (as socap.py's load)", {
  d <- socap_load(run_file, tables = c("agents", "timeseries"))
  expect(identical(names(d), c("agents", "timeseries")))
})

cat(sprintf("%d tests, %d failed\n", n_tests, failures))
if (n_tests == 0L || failures > 0L) quit(status = 1)
