# Reference values for rtdelay.study.run (tests/study/test_vs_r.py).
# Run from the repository root:
#   Rscript tests/reference/study.R tests/reference/study_cohort.csv tests/reference/study.json
# R 4.2, survival 3.5-3, jsonlite. Input: a cohort in derived form (one row per eligible
# patient: group, ti_months, lc_months/lc_event, os_months/os_event, followup_months, the
# Table 1 and Table 2 columns). Output: JSON with every number the test compares.
suppressPackageStartupMessages({
  library(survival)
  library(jsonlite)
})
args <- commandArgs(trailingOnly = TRUE)
infile <- if (length(args) >= 1) args[1] else "tests/reference/study_cohort.csv"
outfile <- if (length(args) >= 2) args[2] else "tests/reference/study.json"
d <- read.csv(infile, stringsAsFactors = FALSE, colClasses = c(escc_grade = "character"))
d$pbr <- as.integer(d$group == "PBR")
d$lost <- tolower(as.character(d$lost_to_followup)) %in% c("true", "1")

km_at <- function(time, event, times) {
  fit <- survfit(Surv(time, event) ~ 1, conf.type = "log-log")
  s <- summary(fit, times = times)
  list(time = s$time, surv = s$surv, lower = s$lower, upper = s$upper,
       n_risk = s$n.risk, std_err = s$std.err)
}
mw <- function(x, y) {
  x <- x[!is.na(x)]; y <- y[!is.na(y)]
  t <- suppressWarnings(wilcox.test(x, y, exact = FALSE, correct = FALSE))
  t$p.value
}
msd <- function(x) { x <- x[!is.na(x)]; c(mean(x), sd(x)) }

out <- list()
out$n_patients <- nrow(d)
out$age_mean_sd <- msd(d$age)
out$ti_median <- median(d$ti_months)
out$ti_range <- range(d$ti_months)
out$ti_bins <- as.list(table(cut(d$ti_months, c(0, 1, 3, 6, 9), right = FALSE,
                                  labels = c("<1", "1-3", "3-6", "6-9"))))
out$followup_mean_sd <- msd(d$followup_months)
out$lost <- sum(d$lost)
out$followup_rate <- 1 - sum(d$lost) / nrow(d)
# reverse Kaplan-Meier median follow-up: censoring is the event
out$reverse_km_median <- unname(summary(survfit(Surv(os_months, 1 - os_event) ~ 1, data = d))$table["median"])

# Risk of progression before RT (article): KM on ti_months with PBR as event; risk = 1 - S
pbr <- km_at(d$ti_months, d$pbr, c(1, 3, 6))
out$pbr_risk <- list(time = pbr$time, risk = 1 - pbr$surv, lower = 1 - pbr$upper,
                     upper = 1 - pbr$lower, n_risk = pbr$n_risk)
sd_op <- survdiff(Surv(ti_months, pbr) ~ surgery_type, data = d)
out$pbr_by_surgery_logrank <- list(chisq = sd_op$chisq,
                                   p = pchisq(sd_op$chisq, length(sd_op$n) - 1, lower.tail = FALSE))

# LC and OS from RT start: 12-month rates overall and by group; log-rank between groups
for (ep in c("lc", "os")) {
  tcol <- paste0(ep, "_months"); ecol <- paste0(ep, "_event")
  res <- list()
  res$all <- km_at(d[[tcol]], d[[ecol]], 12)
  for (g in c("PBR", "NPBR")) {
    s <- d[d$group == g, ]
    res[[g]] <- km_at(s[[tcol]], s[[ecol]], 12)
  }
  f <- as.formula(paste0("Surv(", tcol, ", ", ecol, ") ~ group"))
  sdf <- survdiff(f, data = d)
  res$logrank <- list(chisq = sdf$chisq, p = pchisq(sdf$chisq, 1, lower.tail = FALSE))
  out[[ep]] <- res
}

# Table 2: Wilcoxon signed-rank within groups (complete pairs, zeros dropped, normal
# approximation with tie correction, no continuity correction) and Mann-Whitney between groups
qol <- list(nrs = c("nrs_pre", "nrs_fu"), kps = c("kps_pre", "kps_fu"),
            mobility = c("mobility_pre", "mobility_fu"),
            sphincter_dysfunction = c("sphincter_pre", "sphincter_fu"))
out$qol <- list()
for (m in names(qol)) {
  pre <- qol[[m]][1]; fu <- qol[[m]][2]
  res <- list()
  for (g in c("PBR", "NPBR")) {
    s <- d[d$group == g, ]
    ok <- !is.na(s[[pre]]) & !is.na(s[[fu]])
    t <- suppressWarnings(wilcox.test(s[[fu]][ok], s[[pre]][ok], paired = TRUE,
                                      exact = FALSE, correct = FALSE))
    res[[g]] <- list(pre = msd(s[[pre]]), followup = msd(s[[fu]]), p = t$p.value,
                     n_pairs = sum(ok))
  }
  res$between_groups_followup_p <- mw(d[[fu]][d$group == "PBR"], d[[fu]][d$group == "NPBR"])
  out$qol[[m]] <- res
}
out$qol$mobility_months_after_rt <- list(
  PBR = msd(d$mobility_months_after_rt[d$group == "PBR"]),
  NPBR = msd(d$mobility_months_after_rt[d$group == "NPBR"]),
  p = mw(d$mobility_months_after_rt[d$group == "PBR"], d$mobility_months_after_rt[d$group == "NPBR"]))

# Table 1: Mann-Whitney for continuous and ordinal rows (ordinal levels coded in order);
# Pearson chi-square (no continuity correction) or Fisher's exact when an expected count < 5
t1 <- list()
for (v in c("age", "sins", "tomita", "tokuhashi", "rt_dose_gy", "rt_fractions")) {
  t1[[v]] <- list(test = "Mann-Whitney U", p = mw(d[[v]][d$group == "PBR"], d[[v]][d$group == "NPBR"]))
}
ordinal_codes <- function(labels, score = NULL) {
  if (is.null(score)) {
    lv <- intersect(c("0", "1a", "1b", "1c", "2", "3"), unique(labels))
  } else {
    lows <- tapply(score, labels, min)
    lv <- names(sort(lows))
  }
  match(labels, lv) - 1
}
codes <- list(escc_grade = ordinal_codes(d$escc_grade),
              sins_category = ordinal_codes(d$sins_category, d$sins),
              tomita_category = ordinal_codes(d$tomita_category, d$tomita),
              tokuhashi_category = ordinal_codes(d$tokuhashi_category, d$tokuhashi))
for (v in names(codes)) {
  x <- codes[[v]]
  t1[[v]] <- list(test = "Mann-Whitney U", p = mw(x[d$group == "PBR"], x[d$group == "NPBR"]))
}
for (v in c("sex", "histology", "location", "surgery_type", "rt_technique")) {
  tab <- table(d[[v]], d$group)
  e <- suppressWarnings(chisq.test(tab, correct = FALSE))$expected
  if (min(e) < 5) {
    t1[[v]] <- list(test = "Fisher's exact", p = fisher.test(tab)$p.value, min_expected = min(e))
  } else {
    t1[[v]] <- list(test = "Pearson chi-square", p = chisq.test(tab, correct = FALSE)$p.value,
                    min_expected = min(e))
  }
}
out$table1 <- t1
writeLines(toJSON(out, auto_unbox = TRUE, digits = NA, pretty = TRUE), outfile)
