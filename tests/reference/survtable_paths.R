# Reference values for the code paths of rtdelay.stats._survtable (tests/stats/test_survtable.py).
# Run: Rscript tests/reference/survtable_paths.R  (writes tests/reference/survtable_paths.json)
# R 4.2, survival 3.5-3, jsonlite. Simulated data (set.seed) written out with the results.
suppressMessages({library(survival); library(jsonlite)})

out <- list(R = R.version.string, survival = as.character(packageVersion("survival")))
set.seed(20210121)

# 130 groups (more than fit in one byte of the packed sort key), non-integer times with ties.
n <- 1560
g <- sample(rep(0:129, 12))
time <- round(rexp(n, 0.1), 1) + 0.25
status <- rbinom(n, 1, 0.7)
fit <- survdiff(Surv(time, status) ~ factor(g))
out$many_groups <- list(
  data = list(time = time, status = status, group = g),
  statistic = fit$chisq, df = sum(fit$exp > 0) - 1, observed = fit$obs, expected = fit$exp)

# Continuous times without ties (one record per distinct time), two groups.
n2 <- 400
g2 <- rbinom(n2, 1, 0.5)
t_ev <- rexp(n2, 0.1) * ifelse(g2 == 1, 1.3, 1)
t_ce <- rexp(n2, 1 / 15)
time2 <- round(pmin(t_ev, t_ce), 6)
status2 <- as.integer(t_ev <= t_ce)
stopifnot(!anyDuplicated(time2))
fit2 <- survdiff(Surv(time2, status2) ~ g2)
km2 <- survfit(Surv(time2, status2) ~ 1, conf.type = "log-log")
out$no_ties <- list(
  data = list(time = time2, status = status2, group = g2),
  statistic = fit2$chisq, observed = fit2$obs, expected = fit2$exp, variance = fit2$var,
  km = list(time = km2$time, n_risk = km2$n.risk, n_event = km2$n.event, surv = km2$surv,
            std_err = km2$std.err * km2$surv, lower = km2$lower, upper = km2$upper))

writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, pretty = FALSE),
           "tests/reference/survtable_paths.json")
