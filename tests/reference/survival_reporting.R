# Reference values for the survival reporting of rtdelay.study.run
# (tests/study/test_survival_reporting.py): medians with CI, reverse Kaplan-Meier follow-up with
# its IQR, the unadjusted hazard ratio PBR vs NPBR and rates at 6, 12 and 24 months.
# Run from the repository root, once per cohort:
#   Rscript tests/reference/survival_reporting.R tests/reference/study_cohort.csv tests/reference/survival_reporting_study.json
#   Rscript tests/reference/survival_reporting.R tests/reference/study_demo_cohort.csv tests/reference/survival_reporting_demo.json
# R 4.x, survival 3.x, jsonlite.
suppressPackageStartupMessages({
  library(survival)
  library(jsonlite)
})
args <- commandArgs(trailingOnly = TRUE)
d <- read.csv(args[1], stringsAsFactors = FALSE)
d$pbr <- as.integer(d$group == "PBR")
times <- c(6, 12, 24)

endpoint <- function(time, event) {
  out <- list()
  for (g in c("all", "PBR", "NPBR")) {
    s <- if (g == "all") rep(TRUE, nrow(d)) else d$group == g
    fit <- survfit(Surv(time[s], event[s]) ~ 1, conf.type = "log-log")
    tab <- summary(fit)$table
    r <- summary(fit, times = times, extend = TRUE)
    beyond <- times > max(fit$time)  # not estimated beyond the last observed time: NA
    r$surv[beyond] <- NA; r$lower[beyond] <- NA; r$upper[beyond] <- NA
    out[[g]] <- list(median = unname(tab["median"]), lcl = unname(tab["0.95LCL"]),
                     ucl = unname(tab["0.95UCL"]), last_time = max(fit$time),
                     rate_time = r$time, rate = r$surv, rate_lower = r$lower, rate_upper = r$upper,
                     n_risk = r$n.risk)
  }
  pbr <- d$pbr
  cx <- summary(coxph(Surv(time, event) ~ pbr, ties = "efron"))
  out$hr <- list(hr = unname(cx$conf.int[1, "exp(coef)"]), lower = unname(cx$conf.int[1, "lower .95"]),
                 upper = unname(cx$conf.int[1, "upper .95"]), p = unname(cx$coefficients[1, "Pr(>|z|)"]))
  out
}
rev <- survfit(Surv(d$os_months, 1 - d$os_event) ~ 1)
q <- quantile(rev, c(0.25, 0.5, 0.75))$quantile
out <- list(
  local_control = endpoint(d$lc_months, d$lc_event),
  overall_survival = endpoint(d$os_months, d$os_event),
  reverse_km = list(q25 = unname(q[1]), median = unname(q[2]), q75 = unname(q[3]))
)
writeLines(toJSON(out, digits = I(15), auto_unbox = TRUE, na = "null", pretty = TRUE), args[2])
