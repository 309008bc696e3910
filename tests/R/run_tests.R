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

cat(sprintf("%d tests, %d failed\n", n_tests, failures))
if (n_tests == 0L || failures > 0L) quit(status = 1)
