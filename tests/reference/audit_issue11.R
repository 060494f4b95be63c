# Reference values for the issue-11 audit items of rtdelay.stats (Fleming-Harrington with strata,
# Fisher 2 x c reach, factor-level order, timefix, BH, Gray with strata, CIF by group, left
# truncation, infinite and aliased Cox coefficients).
# Run: Rscript tests/reference/audit_issue11.R  (writes tests/reference/audit_issue11.json)
# R 4.x, survival 3.5-3, cmprsk, jsonlite. Data: survival::retinopathy, pbc, heart, lung, and
# the small samples below (written out with the results so the Python tests use the same data).
suppressMessages({library(survival); library(cmprsk); library(jsonlite)})
out <- list(R = R.version.string, survival = as.character(packageVersion("survival")),
            cmprsk = as.character(packageVersion("cmprsk")))

sd_case <- function(fit) list(chisq = fit$chisq, obs = unname(rowSums(as.matrix(fit$obs))),
                              exp = unname(rowSums(as.matrix(fit$exp))))

# ---- Fleming-Harrington with strata / strata without events -------------------------------
r <- retinopathy
fh <- survdiff(Surv(futime, status) ~ trt + strata(id), data = r, rho = 1)
out$fh_retinopathy <- c(list(data = list(time = r$futime, event = r$status, group = r$trt, strata = r$id)),
                        sd_case(fh))
fh_min <- survdiff(Surv(c(1, 2, 3, 4), c(1, 1, 0, 0)) ~ c("a", "b", "a", "b") + strata(c(1, 1, 2, 2)), rho = 1)
out$fh_minimal <- sd_case(fh_min)
# a stratum with no event at all, rho = 1
tt <- c(1, 2, 3, 4, 5, 6, 7, 8); ee <- c(1, 0, 1, 1, 0, 0, 0, 0); gg <- c(1, 2, 1, 2, 1, 2, 1, 2); ss <- c(1, 1, 1, 1, 2, 2, 2, 2)
out$fh_noevent_stratum <- c(list(data = list(time = tt, event = ee, group = gg, strata = ss)),
                            sd_case(survdiff(Surv(tt, ee) ~ gg + strata(ss), rho = 1)))

# ---- Fisher's exact test, 2 x c tables ----------------------------------------------------
t5 <- matrix(c(250, 230, 260, 215, 245, 250, 250, 210, 275, 215), ncol = 2)
t10 <- matrix(c(40, 38, 42, 35, 41, 39, 37, 44, 36, 42, 39, 41, 36, 43, 38, 40, 42, 35, 43, 37), ncol = 2)
t6 <- matrix(c(340, 330, 360, 320, 350, 300, 330, 340, 310, 350, 320, 410), ncol = 2)
out$fisher <- list(
  t5 = list(table = t5, p = fisher.test(t5, workspace = 2e8)$p.value),
  t10 = list(table = t10, p = fisher.test(t10, workspace = 2e8)$p.value),
  t6 = list(table = t6, p = fisher.test(t6, workspace = 2e8)$p.value))

# ---- factor-level order: pbc edema (0 / 0.5 / 1 = none / moderate / severe) ----------------
p <- pbc
p$edema_f <- factor(p$edema, levels = c(0, 0.5, 1), labels = c("none", "moderate", "severe"))
sd <- survdiff(Surv(time, status == 2) ~ edema_f, data = p)
U <- sd$obs - sd$exp; sc <- 1:3
trend <- drop((sum(sc * U))^2 / (sc %*% sd$var %*% sc))
cx <- coxph(Surv(time, status == 2) ~ edema_f, data = p)
out$pbc_edema <- list(
  data = list(time = p$time, event = as.integer(p$status == 2), edema = as.character(p$edema_f)),
  levels = levels(p$edema_f), chisq = sd$chisq, trend_chisq = trend,
  cox_names = names(coef(cx)), cox_coef = unname(coef(cx)), cox_se = unname(sqrt(diag(vcov(cx)))))

# ---- timefix (aeqSurv): times equal up to floating-point noise ----------------------------
ft <- c(0.1 + 0.2, 0.3, 1, 1 + 1e-12, 2, 2 + 2e-9, 2.5, 3, 3 * (1 + 1e-10), 4, 5, 6)
fe <- c(1, 1, 1, 0, 1, 1, 0, 1, 1, 1, 0, 1)
fg <- c(1, 2, 1, 2, 1, 2, 1, 2, 2, 1, 1, 2)
fx <- c(0.5, -0.3, 1.2, 0.4, -1.1, 0.9, 0.2, -0.6, 1.4, 0.1, -0.8, 0.7)
tf_case <- function(timefix) {
  km <- survfit(Surv(ft, fe) ~ 1, timefix = timefix)
  # survdiff(timefix = FALSE) fails in survival 3.5-3 (model.frame receives timefix); without
  # tied times the log-rank chi-square is coxph's score test, used for the exact comparison.
  lr <- if (timefix) survdiff(Surv(ft, fe) ~ fg) else coxph(Surv(ft, fe) ~ fg, timefix = FALSE)
  cx <- coxph(Surv(ft, fe) ~ fx, timefix = timefix)
  list(km_time = km$time, km_surv = km$surv, km_n_risk = km$n.risk, lr_chisq = if (timefix) lr$chisq else unname(lr$score),
       cox_coef = unname(coef(cx)), cox_loglik = cx$loglik)
}
# jsonlite writes 15 significant digits: the tests rebuild ft from the same expressions and
# check them against time_17 (17 digits, exact).
out$timefix <- list(data = list(time = ft, event = fe, group = fg, x = fx), time_17 = sprintf("%.17g", ft),
                    on = tf_case(TRUE), off = tf_case(FALSE))

# ---- pairwise log-rank with Benjamini-Hochberg (pbc, by stage) ----------------------------
ps <- p[!is.na(p$stage), ]
pw <- list(); lv <- sort(unique(ps$stage))
for (i in seq_along(lv)) for (j in seq_along(lv)) if (i < j) {
  sub <- ps[ps$stage %in% c(lv[i], lv[j]), ]
  f <- survdiff(Surv(time, status == 2) ~ stage, data = sub)
  pw[[length(pw) + 1]] <- c(lv[i], lv[j], f$chisq, pchisq(f$chisq, 1, lower.tail = FALSE))
}
pw <- do.call(rbind, pw)
out$pairwise_bh <- list(data = list(time = ps$time, event = as.integer(ps$status == 2), stage = ps$stage),
                        group1 = pw[, 1], group2 = pw[, 2], chisq = pw[, 3], p = pw[, 4],
                        p_bh = p.adjust(pw[, 4], "BH"))

# ---- Gray's test with strata; cumulative incidence by group (pbc: 1 transplant, 2 death) -----
pt <- p[!is.na(p$trt), ]
ci <- cuminc(pt$time, pt$status, group = pt$trt, strata = pt$sex)
ci0 <- cuminc(pt$time, pt$status, group = pt$trt)
tp <- timepoints(ci0, c(500, 1000, 2000, 3000))
out$gray_strata <- list(data = list(time = pt$time, cause = pt$status, group = pt$trt, strata = as.character(pt$sex)),
                        stat = unname(ci$Tests[, "stat"]), pv = unname(ci$Tests[, "pv"]), df = unname(ci$Tests[, "df"]),
                        stat_unstratified = unname(ci0$Tests[, "stat"]),
                        times = c(500, 1000, 2000, 3000),
                        est_1_2 = unname(tp$est["1 2", ]), est_2_2 = unname(tp$est["2 2", ]),
                        var_1_2 = unname(tp$var["1 2", ]), var_2_2 = unname(tp$var["2 2", ]))

# ---- left truncation: Stanford heart transplant data in (start, stop] form ----------------------
h <- heart
kmh <- survfit(Surv(start, stop, event) ~ 1, data = h)
cxh <- coxph(Surv(start, stop, event) ~ age + transplant, data = h)
cxh_b <- coxph(Surv(start, stop, event) ~ age + transplant, data = h, ties = "breslow")
out$left_truncation <- list(
  data = list(entry = h$start, time = h$stop, event = h$event, age = h$age, transplant = as.integer(h$transplant) - 0L),
  km_time = kmh$time, km_surv = kmh$surv, km_n_risk = kmh$n.risk, km_std_err = kmh$std.err * kmh$surv,
  km_lower = kmh$lower, km_upper = kmh$upper,
  cox_coef = unname(coef(cxh)), cox_se = unname(sqrt(diag(vcov(cxh)))), cox_loglik = cxh$loglik,
  cox_breslow_coef = unname(coef(cxh_b)), cox_breslow_loglik = cxh_b$loglik)

# ---- Cox: a coefficient that may be infinite (R warns), aliased covariate (R gives NA) -------
l <- lung
l$cens <- as.integer(l$status == 1)  # censored patients never have an event: monotone likelihood
w <- NULL
cxi <- withCallingHandlers(coxph(Surv(time, status) ~ cens + age, data = l),
                           warning = function(m) { w <<- conditionMessage(m); invokeRestart("muffleWarning") })
out$cox_infinite <- list(data = list(time = l$time, event = l$status - 1L, cens = l$cens, age = l$age),
                         warning = w, coef = unname(coef(cxi)))
l$agesex <- l$age + 2 * l$sex
cxa <- coxph(Surv(time, status) ~ age + sex + agesex + ph.karno, data = l)
out$cox_aliased <- list(data = list(time = l$time, event = l$status - 1L, age = l$age, sex = l$sex,
                                    agesex = l$agesex, ph_karno = l$ph.karno),
                        names = names(coef(cxa)), coef = unname(coef(cxa)),
                        se = unname(sqrt(diag(vcov(cxa)))), loglik = cxa$loglik, n = cxa$n,
                        lr_df = sum(!is.na(coef(cxa))))

writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, na = "null"), "tests/reference/audit_issue11.json")
