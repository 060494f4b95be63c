# Reference values for rtdelay.stats.cox_ph (tests/stats/test_cox.py).
# Run from the repository root:  Rscript tests/reference/cox.R
# R 4.2, survival 3.5-3, jsonlite. Writes tests/reference/cox.json (data + results).
suppressPackageStartupMessages({library(survival); library(jsonlite)})

lung_cc <- na.omit(lung[, c("time", "status", "age", "sex", "ph.ecog")])
lung_cc$status <- as.integer(lung_cc$status == 2)
ovar <- ovarian[, c("futime", "fustat", "age", "ecog.ps", "rx")]
vet <- veteran[, c("time", "status", "trt", "karno", "celltype")]
# alphabetical levels (adeno, large, smallcell, squamous) = rtdelay's "first sorted level" reference
vet$celltype <- factor(as.character(vet$celltype))

one_fit <- function(formula, dname, ties) {
  # build the call with the data set's global name so that cox.zph can re-evaluate it
  fit <- eval(bquote(coxph(.(formula), data = .(as.name(dname)), ties = .(ties))), globalenv())
  s <- summary(fit)
  zph <- cox.zph(fit, transform = "km")
  list(
    formula = paste(deparse(formula), collapse = ""),
    ties = ties,
    names = names(coef(fit)),
    coef = unname(coef(fit)),
    se = unname(sqrt(diag(fit$var))),
    z = unname(s$coefficients[, "z"]),
    p = unname(s$coefficients[, "Pr(>|z|)"]),
    ci_lower = unname(s$conf.int[, "lower .95"]),
    ci_upper = unname(s$conf.int[, "upper .95"]),
    loglik = unname(fit$loglik),
    score_test = unname(fit$score),
    wald_test = unname(fit$wald.test),
    lr_test = unname(2 * diff(fit$loglik)),
    concordance = unname(fit$concordance["concordance"]),
    concordance_counts = as.list(fit$concordance[c("concordant", "discordant", "tied.x", "tied.y", "tied.xy")]),
    n = fit$n, nevent = fit$nevent, iter = fit$iter,
    zph_rows = rownames(zph$table),
    zph_chisq = unname(zph$table[, "chisq"]),
    zph_df = unname(zph$table[, "df"]),
    zph_p = unname(zph$table[, "p"])
  )
}

fits <- list(
  lung_efron = one_fit(Surv(time, status) ~ age + sex + ph.ecog, "lung_cc", "efron"),
  lung_breslow = one_fit(Surv(time, status) ~ age + sex + ph.ecog, "lung_cc", "breslow"),
  ovarian_efron = one_fit(Surv(futime, fustat) ~ age + ecog.ps + rx, "ovar", "efron"),
  ovarian_breslow = one_fit(Surv(futime, fustat) ~ age + ecog.ps + rx, "ovar", "breslow"),
  veteran_efron = one_fit(Surv(time, status) ~ trt + karno + celltype, "vet", "efron"),
  veteran_breslow = one_fit(Surv(time, status) ~ trt + karno + celltype, "vet", "breslow"),
  lung_strata_efron = one_fit(Surv(time, status) ~ age + ph.ecog + strata(sex), "lung_cc", "efron"),
  lung_strata_breslow = one_fit(Surv(time, status) ~ age + ph.ecog + strata(sex), "lung_cc", "breslow"),
  veteran_strata_efron = one_fit(Surv(time, status) ~ trt + karno + strata(celltype), "vet", "efron")
)

vet_out <- vet
vet_out$celltype <- as.character(vet_out$celltype)
out <- list(
  r_version = R.version.string,
  survival_version = as.character(packageVersion("survival")),
  data = list(lung = as.list(lung_cc), ovarian = as.list(ovar), veteran = as.list(vet_out)),
  fits = fits
)
writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, pretty = TRUE), "tests/reference/cox.json")
