# Reference values for rtdelay.stats rank and contingency tests
# (tests/stats/test_rank.py, tests/stats/test_contingency.py).
# Run from the repository root:  Rscript tests/reference/rank_contingency.R
# R 4.2 (stats), jsonlite. Writes tests/reference/rank_contingency.json (data + results).
suppressPackageStartupMessages(library(jsonlite))
set.seed(20210121)

mw <- function(x, y, exact) {
  t <- suppressWarnings(wilcox.test(x, y, exact = exact, correct = FALSE))
  list(x = x, y = y, exact = exact, W = unname(t$statistic), p = t$p.value)
}
sr <- function(before, after, exact) {
  t <- suppressWarnings(wilcox.test(after, before, paired = TRUE, exact = exact, correct = FALSE))
  list(before = before, after = after, exact = exact, V = unname(t$statistic), p = t$p.value)
}

# Mann-Whitney: many ties (ordinal scores), continuous, small samples without ties (exact)
x_ties <- sample(0:6, 23, replace = TRUE)
y_ties <- sample(1:8, 31, replace = TRUE)
x_cont <- round(rnorm(40, 10, 3), 2)
y_cont <- round(rnorm(35, 12, 3), 2)
x_small <- c(1.83, 0.50, 1.62, 2.48, 1.68, 1.88, 1.55, 3.06, 1.30)
y_small <- c(0.878, 0.647, 0.598, 2.05, 1.06, 1.29, 1.06, 3.14, 1.29)
y_small <- y_small[!duplicated(y_small)]
mann_whitney <- list(
  ties = mw(x_ties, y_ties, FALSE),
  continuous = mw(x_cont, y_cont, FALSE),
  small_asymptotic = mw(x_small, y_small, FALSE),
  small_exact = mw(x_small, y_small, TRUE),
  tiny_exact = mw(c(3.1, 4.2, 5.5), c(1.0, 2.2, 6.3, 7.4), TRUE)
)

# Signed rank: with ties and zero differences; small without ties (exact)
b_ties <- sample(0:10, 30, replace = TRUE)
a_ties <- pmax(0, b_ties + sample(-3:4, 30, replace = TRUE))
b_small <- c(1.83, 0.50, 1.62, 2.48, 1.68, 1.88, 1.55, 3.06, 1.30)
a_small <- c(0.878, 0.647, 0.598, 2.05, 1.06, 1.29, 1.06, 3.14, 1.29)
signed_rank <- list(
  ties_zeros = sr(b_ties, a_ties, FALSE),
  small_asymptotic = sr(b_small, a_small, FALSE),
  small_exact = sr(b_small, a_small, TRUE),
  twelve_exact = sr(c(125, 115, 130, 140, 140, 115, 140, 125, 140, 135, 128, 126),
                    c(110, 122, 125, 120, 141, 124, 123, 137, 142, 118, 131, 119), TRUE)
)
signed_rank$twelve_exact_note <- "ties in |d| present: R falls back to the normal approximation"

tab <- function(m) {
  cs <- suppressWarnings(chisq.test(m, correct = FALSE))
  out <- list(table = unname(lapply(seq_len(nrow(m)), function(i) m[i, ])),
              chisq = unname(cs$statistic), df = unname(cs$parameter), chisq_p = cs$p.value,
              expected = unname(lapply(seq_len(nrow(m)), function(i) cs$expected[i, ])),
              fisher_p = fisher.test(m)$p.value)
  if (all(dim(m) == 2)) {
    cy <- chisq.test(m, correct = TRUE)
    ft <- fisher.test(m)
    out$yates_chisq <- unname(cy$statistic)
    out$yates_p <- cy$p.value
    out$fisher_or <- unname(ft$estimate)
    out$fisher_ci <- unname(ft$conf.int)
  }
  out
}
tables <- list(
  t2x2 = tab(matrix(c(12, 5, 7, 14), 2, byrow = TRUE)),
  t2x2_small = tab(matrix(c(3, 1, 1, 3), 2, byrow = TRUE)),
  t2x2_zero = tab(matrix(c(0, 6, 5, 4), 2, byrow = TRUE)),
  t2x3 = tab(matrix(c(8, 3, 5, 2, 9, 4), 2, byrow = TRUE)),
  t3x3 = tab(matrix(c(5, 2, 1, 3, 6, 2, 1, 2, 7), 3, byrow = TRUE)),
  t3x4 = tab(matrix(c(4, 1, 0, 2, 2, 5, 1, 1, 0, 2, 6, 3), 3, byrow = TRUE)),
  t2x2_large = tab(matrix(c(45, 38, 22, 51), 2, byrow = TRUE))
)

out <- list(r_version = R.version.string, mann_whitney = mann_whitney,
            signed_rank = signed_rank, tables = tables)
writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, pretty = TRUE),
           "tests/reference/rank_contingency.json")

# larger r x c tables (speed and accuracy of the enumeration); workspace raised for FEXACT
big <- list(
  t3x3_n153 = matrix(c(20, 15, 10, 12, 18, 25, 9, 14, 30), 3, byrow = TRUE),
  t4x4_n67 = matrix(c(5, 4, 3, 2, 3, 5, 4, 6, 2, 3, 7, 8, 1, 2, 3, 9), 4, byrow = TRUE),
  t2x4_n1730 = matrix(c(300, 200, 150, 100, 250, 260, 240, 230), 2, byrow = TRUE)
)
out$tables_large <- lapply(big, function(m) list(
  table = unname(lapply(seq_len(nrow(m)), function(i) m[i, ])),
  fisher_p = fisher.test(m, workspace = 2e7)$p.value))
writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, pretty = TRUE),
           "tests/reference/rank_contingency.json")
