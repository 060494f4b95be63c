# Reference values for rtdelay.stats Kaplan-Meier and log-rank tests.
# Run: Rscript tests/reference/km_logrank.R  (writes tests/reference/km_logrank.json)
# R 4.2, survival 3.5-3, jsonlite. Data: survival::lung, aml, veteran, ovarian and small
# hand-made samples (written out with the results so the Python tests use the same data).
suppressMessages({library(survival); library(jsonlite)})

out <- list(R = R.version.string, survival = as.character(packageVersion("survival")))

# ---- Kaplan-Meier --------------------------------------------------------------------------
km_case <- function(time, event, conf.type, times = NULL) {
  fit <- survfit(Surv(time, event) ~ 1, conf.type = conf.type)
  tab <- summary(fit)$table
  res <- list(
    data = list(time = time, event = event),
    conf_type = conf.type,
    # survfit object: one row per distinct time; std.err converted to the survival scale
    # exactly as summary.survfit does (std.err * surv).
    curve = list(time = fit$time, n_risk = fit$n.risk, n_event = fit$n.event,
                 n_censor = fit$n.censor, surv = fit$surv,
                 std_err = fit$std.err * fit$surv, lower = fit$lower, upper = fit$upper),
    # print(survfit(...)): median, 0.95LCL, 0.95UCL
    median = unname(tab["median"]), lcl = unname(tab["0.95LCL"]), ucl = unname(tab["0.95UCL"]))
  if (!is.null(times)) {
    s <- summary(fit, times = times)
    res$summary <- list(times = times, time = s$time, n_risk = s$n.risk, n_event = s$n.event,
                        surv = s$surv, std_err = s$std.err, lower = s$lower, upper = s$upper)
  }
  res
}

lung_t <- lung$time; lung_e <- lung$status - 1
aml_m <- aml[aml$x == "Maintained", ]; aml_n <- aml[aml$x == "Nonmaintained", ]
half_t <- c(1, 2, 3, 4, 5, 6); half_e <- c(1, 1, 1, 1, 1, 1)     # S = 0.5 exactly on [3, 4)
half2_t <- c(0.5, 1, 2, 3, 4); half2_e <- c(0, 1, 1, 0, 1)     # S = 0.5 on [2, 4), censored start
tie0_t <- c(0, 0, 0, 1, 2, 3, 3, 5, 6, 6); tie0_e <- c(1, 0, 1, 1, 0, 1, 1, 0, 1, 0)
zero_t <- c(1, 2, 2, 3, 4); zero_e <- c(1, 0, 1, 1, 1)           # S reaches 0 at t = 4
cens_t <- c(2, 3, 5, 7); cens_e <- c(0, 0, 0, 0)                 # all censored
lead_t <- c(1, 2, 2, 3, 4, 6); lead_e <- c(0, 0, 1, 1, 0, 1)     # censorings before 1st event

km <- list()
for (ct in c("log-log", "log", "plain")) {
  km[[paste0("lung_", ct)]] <- km_case(lung_t, lung_e, ct, c(0, 90, 180, 365, 365, 500, 730, 1000, 1022))
  km[[paste0("aml_maintained_", ct)]] <- km_case(aml_m$time, aml_m$status, ct, c(5, 10, 25, 40, 161))
  km[[paste0("aml_nonmaintained_", ct)]] <- km_case(aml_n$time, aml_n$status, ct, c(1, 5, 8, 30, 45))
  km[[paste0("ovarian_", ct)]] <- km_case(ovarian$futime, ovarian$fustat, ct, c(100, 365, 730, 1000))
  km[[paste0("half_", ct)]] <- km_case(half_t, half_e, ct, c(2.5, 3, 3.5, 6))
  km[[paste0("half2_", ct)]] <- km_case(half2_t, half2_e, ct, c(0.5, 2, 3.5, 4))
  ov2 <- ovarian[ovarian$rx == 2, ]                                # median not reached
  km[[paste0("ovarian_rx2_", ct)]] <- km_case(ov2$futime, ov2$fustat, ct, c(365, 730))
  km[[paste0("tie0_", ct)]] <- km_case(tie0_t, tie0_e, ct, c(0, 0.5, 3, 6))
  km[[paste0("zero_", ct)]] <- km_case(zero_t, zero_e, ct, c(0.5, 2, 3.5, 4))
  km[[paste0("cens_", ct)]] <- km_case(cens_t, cens_e, ct, c(1, 3, 7))
  km[[paste0("lead_", ct)]] <- km_case(lead_t, lead_e, ct, c(0, 1, 1.5, 2, 6))
}
km[["lung_log-log_90"]] <- km_case(lung_t, lung_e, "log-log", c(180, 365))
km[["lung_log-log_90"]]$conf_level <- 0.9
fit90 <- survfit(Surv(lung_t, lung_e) ~ 1, conf.type = "log-log", conf.int = 0.9)
km[["lung_log-log_90"]]$curve$lower <- fit90$lower
km[["lung_log-log_90"]]$curve$upper <- fit90$upper
tab90 <- summary(fit90)$table
km[["lung_log-log_90"]]$lcl <- unname(tab90["0.9LCL"]); km[["lung_log-log_90"]]$ucl <- unname(tab90["0.9UCL"])
km[["lung_log-log_90"]]$summary <- NULL
out$km <- km

# ---- Weighted log-rank by hand -------------------------------------------------------------
# survdiff offers only rho (Fleming-Harrington G^rho). Breslow/Gehan (w = n_j), Tarone-Ware
# (w = sqrt(n_j)) and FH(p, q) are computed here by hand from the risk-set tables, with
# explicit loops over the distinct event times (an implementation independent of the Python
# one). It is checked against survdiff for w = 1 and for FH(1, 0) == survdiff(rho = 1).
wlr_stratum <- function(time, event, g, levels, weight) {
  k <- length(levels)
  U <- numeric(k); V <- matrix(0, k, k); O <- numeric(k); E <- numeric(k)
  km <- 1   # pooled KM of the stratum just before the current time, S(t-)
  for (tj in sort(unique(time[event == 1]))) {
    atrisk <- time >= tj
    nj <- sum(atrisk); dj <- sum(time == tj & event == 1)
    ngj <- sapply(levels, function(l) sum(atrisk & g == l))
    dgj <- sapply(levels, function(l) sum(time == tj & event == 1 & g == l))
    w <- weight(nj, km)
    O <- O + w * dgj; E <- E + w * dj * ngj / nj
    if (nj > 1) {
      f <- w^2 * dj * (nj - dj) / (nj^2 * (nj - 1))
      V <- V + f * (nj * diag(ngj, k) - outer(ngj, ngj))
    }
    km <- km * (1 - dj / nj)
  }
  list(O = O, E = E, V = V)
}
wlr <- function(time, event, g, weight, strata = NULL) {
  levels <- sort(unique(g))
  if (is.null(strata)) strata <- rep(1, length(time))
  k <- length(levels); O <- numeric(k); E <- numeric(k); V <- matrix(0, k, k)
  for (s in unique(strata)) {
    i <- strata == s
    r <- wlr_stratum(time[i], event[i], g[i], levels, weight)
    O <- O + r$O; E <- E + r$E; V <- V + r$V
  }
  keep <- which(E > 0)[-1]
  U <- O - E
  chisq <- sum(solve(V[keep, keep, drop = FALSE], U[keep]) * U[keep])
  df <- length(keep)
  list(statistic = chisq, df = df, p_value = pchisq(chisq, df, lower.tail = FALSE),
       weighted_observed = O, weighted_expected = E, variance = V)
}
w_logrank <- function(n, s) 1
w_breslow <- function(n, s) n
w_tarone <- function(n, s) sqrt(n)
w_fh <- function(p, q) function(n, s) s^p * (1 - s)^q

sd_case <- function(fit, extra = list()) {
  o <- if (is.matrix(fit$obs)) rowSums(fit$obs) else fit$obs
  e <- if (is.matrix(fit$exp)) rowSums(fit$exp) else fit$exp
  df <- sum(e > 0) - 1
  c(list(statistic = fit$chisq, df = df, p_value = pchisq(fit$chisq, df, lower.tail = FALSE),
         observed = o, expected = e, variance = fit$var, n = as.vector(fit$n)), extra)
}

vet <- veteran
vet$celltype <- factor(as.character(vet$celltype))  # alphabetical levels, as rtdelay sorts labels
lr <- list()
lr$data_veteran <- list(time = vet$time, status = vet$status, celltype = as.character(vet$celltype),
                        trt = vet$trt)
lung2 <- lung[!is.na(lung$ph.ecog), ]
lr$data_lung <- list(time = lung2$time, status = lung2$status - 1, ph_ecog = lung2$ph.ecog,
                     sex = lung2$sex)
lr$data_aml <- list(time = aml$time, status = aml$status, x = as.character(aml$x))

# survdiff(Surv(time, status) ~ celltype, data = veteran)  (4 groups)
lr$veteran_celltype <- sd_case(survdiff(Surv(time, status) ~ celltype, data = vet))
# survdiff(..., rho = 1): Fleming-Harrington p = 1, q = 0 (Peto-Peto-Prentice)
lr$veteran_celltype_rho1 <- sd_case(survdiff(Surv(time, status) ~ celltype, data = vet, rho = 1))
lr$veteran_celltype_rho1$unweighted_observed <- survdiff(Surv(time, status) ~ celltype, data = vet)$obs
# Hand-coded weightings (no survdiff equivalent): see wlr() above.
lr$veteran_celltype_breslow <- wlr(vet$time, vet$status, as.character(vet$celltype), w_breslow)
lr$veteran_celltype_tarone <- wlr(vet$time, vet$status, as.character(vet$celltype), w_tarone)
lr$veteran_celltype_fh_1_1 <- wlr(vet$time, vet$status, as.character(vet$celltype), w_fh(1, 1))
lr$veteran_celltype_fh_0_1 <- wlr(vet$time, vet$status, as.character(vet$celltype), w_fh(0, 1))
# Self-checks of the hand code against survdiff
chk1 <- wlr(vet$time, vet$status, as.character(vet$celltype), w_logrank)
chk2 <- wlr(vet$time, vet$status, as.character(vet$celltype), w_fh(1, 0))
stopifnot(abs(chk1$statistic - lr$veteran_celltype$statistic) < 1e-9,
          abs(chk2$statistic - lr$veteran_celltype_rho1$statistic) < 1e-9)
# Two groups: survdiff(Surv(time, status) ~ x, data = aml)
lr$aml_x <- sd_case(survdiff(Surv(time, status) ~ x, data = aml))
lr$aml_x_breslow <- wlr(aml$time, aml$status, as.character(aml$x), w_breslow)
lr$aml_x_tarone <- wlr(aml$time, aml$status, as.character(aml$x), w_tarone)
lr$aml_x_rho1 <- sd_case(survdiff(Surv(time, status) ~ x, data = aml, rho = 1))
# Stratified: survdiff(Surv(time, status) ~ trt + strata(celltype), data = veteran)
lr$veteran_trt_strata <- sd_case(survdiff(Surv(time, status) ~ trt + strata(celltype), data = vet))
lr$veteran_trt_strata_rho1 <- sd_case(survdiff(Surv(time, status) ~ trt + strata(celltype), data = vet, rho = 1))
lr$veteran_trt_strata_breslow <- wlr(vet$time, vet$status, vet$trt, w_breslow, strata = as.character(vet$celltype))
chk3 <- wlr(vet$time, vet$status, vet$trt, w_logrank, strata = as.character(vet$celltype))
stopifnot(abs(chk3$statistic - lr$veteran_trt_strata$statistic) < 1e-9)
# lung by ph.ecog: 4 groups, ph.ecog == 3 has a single patient
lr$lung_ecog <- sd_case(survdiff(Surv(time, status) ~ ph.ecog, data = lung2))

# ---- Trend: (c'U)^2 / (c' V c) from survdiff's obs, exp and var ----------------------------
trend <- function(fit, sc) {
  U <- fit$obs - fit$exp
  if (is.matrix(U)) U <- rowSums(U)
  num <- sum(sc * U); den <- as.numeric(t(sc) %*% fit$var %*% sc)
  list(scores = sc, statistic = num^2 / den, z = num / sqrt(den),
       p_value = pchisq(num^2 / den, 1, lower.tail = FALSE))
}
fit_ecog <- survdiff(Surv(time, status) ~ ph.ecog, data = lung2)
lr$trend_lung_ecog_default <- trend(fit_ecog, 1:4)
lr$trend_lung_ecog_scores <- trend(fit_ecog, c(0, 1, 2, 5))
lr$trend_veteran_celltype <- trend(survdiff(Surv(time, status) ~ celltype, data = vet), 1:4)

# ---- Pairwise with p.adjust ----------------------------------------------------------------
lev <- sort(unique(as.character(vet$celltype)))
pw <- list(group1 = c(), group2 = c(), statistic = c(), p_value = c())
for (i in 1:(length(lev) - 1)) for (j in (i + 1):length(lev)) {
  f <- survdiff(Surv(time, status) ~ celltype, data = vet, subset = celltype %in% c(lev[i], lev[j]))
  pw$group1 <- c(pw$group1, lev[i]); pw$group2 <- c(pw$group2, lev[j])
  pw$statistic <- c(pw$statistic, f$chisq)
  pw$p_value <- c(pw$p_value, pchisq(f$chisq, 1, lower.tail = FALSE))
}
pw$p_holm <- p.adjust(pw$p_value, "holm")
pw$p_bonferroni <- p.adjust(pw$p_value, "bonferroni")
lr$pairwise_veteran_celltype <- pw

out$logrank <- lr

# ---- The Quick start example (examples/survival_example.csv), for the CLI tests ------------
ex <- read.csv("examples/survival_example.csv")
exk <- list()
for (g in sort(unique(ex$group))) {
  d <- ex[ex$group == g, ]
  fit <- survfit(Surv(os_months, os_event) ~ 1, data = d, conf.type = "log-log")
  s <- summary(fit, times = c(6, 12, 24))     # R drops times after the last follow-up
  tab <- summary(fit)$table
  exk[[g]] <- list(n = nrow(d), events = sum(d$os_event), time = s$time, n_risk = s$n.risk,
                   n_event = s$n.event, surv = s$surv, std_err = s$std.err, lower = s$lower,
                   upper = s$upper, median = unname(tab["median"]),
                   lcl = unname(tab["0.95LCL"]), ucl = unname(tab["0.95UCL"]))
}
# survdiff(Surv(os_months, os_event) ~ group, data = ex)
exk$logrank <- sd_case(survdiff(Surv(os_months, os_event) ~ group, data = ex))
# survdiff(Surv(os_months, os_event) ~ group + strata(surgery_type), data = ex, rho = 1)
exk$strat_rho1 <- sd_case(survdiff(Surv(os_months, os_event) ~ group + strata(surgery_type), data = ex, rho = 1))
out$example <- exk
writeLines(toJSON(out, digits = NA, na = "null", auto_unbox = TRUE, pretty = FALSE),
           "tests/reference/km_logrank.json")
