# Scaled Schoenfeld residuals of cox.zph (survival >= 3), the reference of
# tests/stats/test_schoenfeld.py. Run: Rscript tests/reference/schoenfeld.R
# Writes tests/reference/schoenfeld.json: for each case the data, the call and R's
# z$time, z$x (km transform) and z$y (scaled Schoenfeld residuals).
library(survival)
library(jsonlite)
cases <- list()
one <- function(name, d, formula, ties) {
  fit <- coxph(formula, data = d, ties = ties, model = TRUE)
  z <- cox.zph(fit, transform = "km")
  list(call = paste0("cox.zph(coxph(", deparse(formula), ", ties = '", ties, "'), transform = 'km')"),
       data = d, time = unname(z$time), x = unname(z$x), y = unname(z$y),
       names = colnames(z$y), table = as.data.frame(z$table))
}
cases$ovarian_efron <- one("ovarian", ovarian[, c("futime", "fustat", "age", "ecog.ps")],
                           Surv(futime, fustat) ~ age + ecog.ps, "efron")
lung2 <- na.omit(lung[, c("time", "status", "age", "sex")])
lung2$status <- lung2$status - 1
cases$lung_efron_ties <- one("lung", lung2, Surv(time, status) ~ age + sex, "efron")
cases$lung_breslow_ties <- one("lung", lung2, Surv(time, status) ~ age + sex, "breslow")
write_json(cases, "tests/reference/schoenfeld.json", digits = NA, auto_unbox = TRUE,
           dataframe = "columns")
