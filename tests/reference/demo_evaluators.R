# Reference values for the demo generator's private fast evaluators (rtdelay.demo._evaluate).
# Run: Rscript tests/reference/demo_evaluators.R  (writes demo_evaluators.json beside it)
suppressMessages({library(survival); library(jsonlite)})
out <- list()

# Kaplan-Meier S(t) on survival::aml and survival::lung
fit <- survfit(Surv(time, status) ~ 1, data = aml)
out$aml <- list(time = aml$time, status = aml$status, group = as.character(aml$x),
                at = c(5, 12, 23, 30, 45, 100),
                surv = summary(fit, times = c(5, 12, 23, 30, 45, 100), extend = TRUE)$surv)
sd <- survdiff(Surv(time, status) ~ x, data = aml)
out$aml$logrank_chisq <- sd$chisq

lung2 <- lung[!is.na(lung$ph.ecog) & lung$ph.ecog < 3, ]
fit <- survfit(Surv(time, status == 2) ~ 1, data = lung2)
tt <- c(100, 365.25, 500)
out$lung <- list(time = lung2$time, status = as.integer(lung2$status == 2), group = lung2$ph.ecog,
                 at = tt, surv = summary(fit, times = tt)$surv)
sd <- survdiff(Surv(time, status == 2) ~ ph.ecog, data = lung2)
out$lung$logrank_chisq <- sd$chisq
out$lung$logrank_p <- pchisq(sd$chisq, df = length(sd$n) - 1, lower.tail = FALSE)

# Rank tests, SPSS asymptotic: exact = FALSE, correct = FALSE
out$sleep <- list(before = sleep$extra[1:10], after = sleep$extra[11:20],
  p = wilcox.test(sleep$extra[11:20], sleep$extra[1:10], paired = TRUE, exact = FALSE, correct = FALSE)$p.value)
# integer scale with ties and zero differences (a hand-made NRS-like example)
pre <- c(7, 8, 6, 5, 9, 7, 7, 4, 8, 6, 10, 3, 7, 6, 5)
post <- c(3, 8, 2, 5, 4, 7, 6, 4, 2, 6, 5, 3, 8, 1, 5)
out$nrs <- list(before = pre, after = post,
  p = wilcox.test(post, pre, paired = TRUE, exact = FALSE, correct = FALSE)$p.value)
oz5 <- na.omit(airquality$Ozone[airquality$Month == 5])
oz8 <- na.omit(airquality$Ozone[airquality$Month == 8])
out$ozone <- list(x = as.numeric(oz5), y = as.numeric(oz8),
  p = wilcox.test(oz5, oz8, exact = FALSE, correct = FALSE)$p.value)
a <- c(0, 1, 1, 2, 4, 4, 4, 3, 0, 2)
b <- c(4, 4, 3, 3, 2, 4, 0, 1, 4, 4, 4, 3)
out$mobility <- list(x = a, y = b, p = wilcox.test(a, b, exact = FALSE, correct = FALSE)$p.value)
writeLines(toJSON(out, digits = NA, auto_unbox = TRUE), "tests/reference/demo_evaluators.json")
