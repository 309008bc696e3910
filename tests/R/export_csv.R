# Cross-language check, R side: load FILE with socap_load() and write every
# table as OUTDIR/<table>.csv (numbers with 17 significant digits, factors as
# their labels, NA/NaN as "NA"/"NaN") and OUTDIR/meta.csv (table, column,
# R class, factor levels joined by "|"). tests/python/test_cross_language.py
# compares these with socap.load() of the same file.
#   Rscript tests/R/export_csv.R FILE OUTDIR
args <- commandArgs(trailingOnly = TRUE)
if (length(args) != 2) stop("usage: Rscript export_csv.R FILE OUTDIR")
src <- Sys.getenv("SRC", "")
here <- if (nzchar(src)) file.path(src, "tests", "R") else dirname(sub("^--file=", "", grep("^--file=", commandArgs(), value = TRUE)))
source(file.path(here, "..", "..", "scripts", "socap.R"))

d <- socap_load(args[1])
dir.create(args[2], showWarnings = FALSE, recursive = TRUE)
meta <- data.frame(table = character(0), column = character(0), class = character(0), levels = character(0))
fmt <- function(v) {
  if (is.factor(v)) return(as.character(v))
  if (is.double(v)) return(ifelse(is.nan(v), "NaN", ifelse(is.na(v), "NA", sprintf("%.17g", v))))
  v
}
for (t in names(d)) {
  df <- d[[t]]
  out <- as.data.frame(lapply(df, fmt), stringsAsFactors = FALSE, check.names = FALSE)
  write.csv(out, file.path(args[2], paste0(t, ".csv")), row.names = FALSE, na = "NA")
  for (c in names(df)) {
    v <- df[[c]]
    meta[nrow(meta) + 1, ] <- list(t, c, class(v)[1], if (is.factor(v)) paste(levels(v), collapse = "|") else "")
  }
}
write.csv(meta, file.path(args[2], "meta.csv"), row.names = FALSE)
writeLines(c(attr(d, "schema_version"), paste(attr(d, "design_params"), collapse = "|")),
           file.path(args[2], "attrs.txt"))
