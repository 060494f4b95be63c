# Reference for tests/scale/test_pool.py: the concatenated three-site cohort (pool_sites.csv,
# made by make_pool_sites.py from the demo cohort) analysed by R survival and cmprsk.
# Run: Rscript tests/reference/pool.R  (writes pool.json beside this script)
library(survival); library(cmprsk); library(jsonlite)
args <- commandArgs(trailingOnly = FALSE)
here <- dirname(normalizePath(sub("--file=", "", args[grep("--file=", args)])))
d <- read.csv(file.path(here, "pool_sites.csv"))
d$pbr <- as.numeric(d$group == "PBR")
lc_s <- survdiff(Surv(lc_months, lc_event) ~ group + strata(site), data = d)
os_s <- survdiff(Surv(os_months, os_event) ~ group + strata(site), data = d)
lc_u <- survdiff(Surv(lc_months, lc_event) ~ group, data = d)
os_u <- survdiff(Surv(os_months, os_event) ~ group, data = d)
p <- function(x) pchisq(x$chisq, length(x$n) - 1, lower.tail = FALSE)
ci <- cuminc(d$comp_time, d$comp_cause, d$group)
ci_s <- cuminc(d$comp_time, d$comp_cause, d$group, strata = d$site)
tp <- timepoints(ci, c(6, 12, 24))
cx_os <- coxph(Surv(os_months, os_event) ~ pbr + strata(site), data = d)
cx_lc <- coxph(Surv(lc_months, lc_event) ~ pbr + strata(site), data = d)
out <- list(
  lc_logrank_p_stratified = p(lc_s), os_logrank_p_stratified = p(os_s),
  lc_chisq_stratified = lc_s$chisq, os_chisq_stratified = os_s$chisq,
  lc_logrank_p = p(lc_u), os_logrank_p = p(os_u),
  cif_times = c(6, 12, 24),
  cif_est_NPBR = unname(tp$est["NPBR 1", ]), cif_est_PBR = unname(tp$est["PBR 1", ]),
  cif_var_NPBR = unname(tp$var["NPBR 1", ]), cif_var_PBR = unname(tp$var["PBR 1", ]),
  gray_stat = unname(ci$Tests["1", "stat"]), gray_stat_stratified = unname(ci_s$Tests["1", "stat"]),
  cox_os_stratified_coef = unname(coef(cx_os)), cox_os_stratified_se = unname(sqrt(diag(vcov(cx_os)))),
  cox_lc_stratified_coef = unname(coef(cx_lc)), cox_lc_stratified_se = unname(sqrt(diag(vcov(cx_lc))))
)
write_json(out, file.path(here, "pool.json"), digits = NA, auto_unbox = TRUE, pretty = TRUE)
