# Reference values for rtdelay.study._beyond on beyond_cohort.csv (made by make_beyond_cohort.py).
# Run: Rscript beyond.R  (writes beyond.json)
library(survival); library(cmprsk); library(jsonlite)
d <- read.csv("beyond_cohort.csv", stringsAsFactors = FALSE)
# local failure with death competing: 1 = local progression, 2 = death first, 0 = censored
cause <- ifelse(d$lc_event == 1, 1, ifelse(d$os_event == 1, 2, 0))
time <- ifelse(cause == 2, d$os_months, d$lc_months)
ci <- cuminc(time, cause, d$group)
tp <- timepoints(ci, 12)
ci_all <- cuminc(time, cause)
tp_all <- timepoints(ci_all, 12)
km <- function(t, e, at) { s <- summary(survfit(Surv(t, e) ~ 1), times = at); 1 - s$surv }
d$pbr <- as.numeric(d$group == "PBR")
d$growth_class <- factor(d$growth_class, levels = c("moderate", "rapid", "slow"))
os_adj <- coxph(Surv(os_months, os_event) ~ pbr + growth_class + tokuhashi + kps_pre, data = d, ties = "efron")
lc_wait <- coxph(Surv(lc_months, lc_event) ~ ti_months + growth_class + tokuhashi + kps_pre, data = d, ties = "efron")
zph <- cox.zph(os_adj, transform = "km")
t_s <- d$os_months + d$ti_months
out <- list(
  cif12 = list(PBR = unname(tp$est["PBR 1", 1]), NPBR = unname(tp$est["NPBR 1", 1]),
               all = unname(tp_all$est["1 1", 1]),
               var_PBR = unname(tp$var["PBR 1", 1]), var_NPBR = unname(tp$var["NPBR 1", 1])),
  gray = list(stat = unname(ci$Tests["1", "stat"]), p = unname(ci$Tests["1", "pv"])),
  one_minus_km12 = list(PBR = km(d$lc_months[d$group == "PBR"], d$lc_event[d$group == "PBR"], 12),
                        NPBR = km(d$lc_months[d$group == "NPBR"], d$lc_event[d$group == "NPBR"], 12),
                        all = km(d$lc_months, d$lc_event, 12)),
  os_adjusted = list(names = names(coef(os_adj)), hr = unname(exp(coef(os_adj))),
                     p = unname(summary(os_adj)$coefficients[, "Pr(>|z|)"]),
                     zph_global_p = unname(zph$table["GLOBAL", "p"])),
  lc_wait = list(names = names(coef(lc_wait)), hr = unname(exp(coef(lc_wait)))),
  landmark = list(from_rt_p = 1 - pchisq(survdiff(Surv(os_months, os_event) ~ group, data = d)$chisq, 1),
                  from_surgery_p = 1 - pchisq(survdiff(Surv(t_s, d$os_event) ~ d$group)$chisq, 1)),
  naive_km_pbr = {
    s <- summary(survfit(Surv(d$ti_months, d$pbr) ~ 1), times = c(1, 3, 6), extend = TRUE); 1 - s$surv
  }
)
writeLines(toJSON(out, digits = NA, auto_unbox = TRUE), "beyond.json")
