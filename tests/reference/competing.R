# Reference values for rtdelay.stats._competing (cumulative_incidence, gray_test).
# Run from the repository root:  Rscript tests/reference/competing.R
# Writes tests/reference/competing.json. R 4.2, cmprsk 2.2-11, survival 3.5-3, jsonlite.
suppressPackageStartupMessages({
  library(cmprsk)
  library(survival)
  library(jsonlite)
})

# cuminc() without a group: est and var at every stored time point, plus timepoints().
one_sample <- function(time, cause, tp) {
  fit <- cuminc(time, cause)
  out <- list()
  for (k in sort(unique(cause[cause != 0]))) {
    comp <- fit[[paste("1", k)]]
    tpk <- timepoints(fit, tp)
    row <- which(rownames(tpk$est) == paste("1", k))
    out[[as.character(k)]] <- list(
      time = comp$time, est = comp$est, var = comp$var,
      tp_times = tp, tp_est = unname(tpk$est[row, ]), tp_var = unname(tpk$var[row, ])
    )
  }
  out
}

# cuminc() with a group: Gray's test (rho = 0) for each cause.
gray <- function(time, cause, group) {
  fit <- cuminc(time, cause, group)
  tests <- fit$Tests
  out <- list()
  for (k in rownames(tests)) {
    out[[k]] <- list(stat = unname(tests[k, "stat"]), pv = unname(tests[k, "pv"]),
                     df = unname(tests[k, "df"]))
  }
  out
}

dataset <- function(time, cause, group2 = NULL, group3 = NULL, tp) {
  res <- list(time = time, cause = cause, cuminc = one_sample(time, cause, tp))
  if (!is.null(group2)) {
    res$group2 <- group2
    res$gray2 <- gray(time, cause, group2)
  }
  if (!is.null(group3)) {
    res$group3 <- group3
    res$gray3 <- gray(time, cause, group3)
  }
  res
}

# 1. Simulated: n = 200, two causes and censoring, times rounded to 0.5 so ties are common.
set.seed(2)
n <- 200
g3 <- sample(c("a", "b", "c"), n, replace = TRUE)
g2 <- ifelse(g3 == "a", "x", "y")
rate1 <- ifelse(g3 == "a", 0.10, ifelse(g3 == "b", 0.16, 0.22))
t1 <- rexp(n, rate1)
t2 <- rexp(n, 0.08)
tc <- runif(n, 2, 20)
tt <- pmin(t1, t2, tc)
sim_time <- round(tt * 2) / 2
sim_cause <- ifelse(tt == tc, 0, ifelse(t1 < t2, 1, 2))
sim <- dataset(sim_time, sim_cause, g2, g3, tp = c(0, 1, 2.5, 5, 7.25, 10, 15))

# 2. Real: survival::mgus2, progression to plasma-cell malignancy (1) vs death (2), by sex,
#    months with many ties. Competing-risk coding as in the survival "compete" vignette.
m <- survival::mgus2
etime <- with(m, ifelse(pstat == 0, futime, ptime))
event <- with(m, ifelse(pstat == 0, 2 * death, 1))
agegrp <- cut(m$age, c(0, 60, 75, 200), labels = c("lt60", "60to75", "ge75"))
mgus <- dataset(etime, event, as.character(m$sex), as.character(agegrp),
                tp = c(0, 12, 60, 120, 240, 360))

# 3. Small hand-checkable set with ties at 0 and a tie between causes.
small_time <- c(0, 0, 1, 2, 2, 2, 3, 4, 4, 5, 6, 6)
small_cause <- c(1, 0, 2, 1, 2, 0, 1, 0, 1, 2, 1, 0)
small_g <- c(1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2)
small <- dataset(small_time, small_cause, small_g, NULL, tp = c(0, 1, 2, 3.5, 6))

# 4. No competing events: CIF must equal 1 - KM (survfit) at every time.
set.seed(7)
nc_time <- round(rexp(60, 0.2), 1)
nc_cause <- rbinom(60, 1, 0.7)
km <- survfit(Surv(nc_time, nc_cause) ~ 1)
nocomp <- dataset(nc_time, nc_cause, tp = c(1, 3, 5, 10))
nocomp$km_time <- km$time
nocomp$km_one_minus_surv <- 1 - km$surv

# 5. Edge cases of the variance: a last failure with one subject at risk; every remaining
#    subject failing at the last time from both causes; three causes with ties (for cause 1 the
#    causes 2 and 3 are pooled as competing).
edge_last_single <- dataset(c(1, 2, 3, 4, 5), c(1, 2, 1, 0, 1), tp = c(1, 3, 5))
edge_all_fail <- dataset(c(1, 2, 3, 3, 3), c(1, 2, 1, 2, 1), tp = c(1, 3))
three_causes <- dataset(c(1, 1, 2, 2, 3, 3, 4, 5, 6, 6, 7, 8), c(1, 3, 2, 3, 1, 3, 1, 2, 0, 1, 3, 0),
                        group2 = c(1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2), tp = c(1, 2, 4, 6, 8))

# 6. Gray's test with a group of one member (third group "z" on the small set).
single <- list(time = c(small_time, 2.5), cause = c(small_cause, 1),
               group3 = c(as.character(small_g), "z"))
single$gray3 <- gray(single$time, single$cause, single$group3)

out <- list(
  r_version = R.version.string,
  cmprsk_version = as.character(packageVersion("cmprsk")),
  simulated = sim, mgus2 = mgus, small = small, no_competing = nocomp,
  edge_last_single = edge_last_single, edge_all_fail = edge_all_fail,
  three_causes = three_causes, single_member_group = single
)
writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, pretty = FALSE),
           "tests/reference/competing.json")
