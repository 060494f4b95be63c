# Reference values for Firth's penalised Cox model, rtdelay.stats.cox_ph(firth=True)
# (tests/stats/test_firth.py).
# Run from the repository root:  Rscript tests/reference/firth.R
# R 4.2, survival 3.5-3, jsonlite. Writes tests/reference/firth.json (data + results).
#
# coxphf (Heinze & Ploner) is not packaged for Debian and CRAN is not reachable here, so the
# penalised partial likelihood of Heinze & Schemper (2001),
#     l*(b) = l(b) + 0.5 * log det I(b),
# is written here on top of survival alone: coxph(..., init = b, iter.max = 0) returns the log
# partial likelihood at b (fit$loglik[1]) and the inverse information at b (fit$var), for Efron
# or Breslow ties and with strata. Nothing of rtdelay's analytic score or third moments is used:
# l* is maximised by Newton-Raphson with step-halving on central-difference
# derivatives; the profile penalised-likelihood limits are found with uniroot, each profile
# point maximising l* over the other coefficients the same way; the p value is the penalised
# likelihood-ratio test 2 (l*(bhat) - l*_j(0)) on 1 df, as coxphf(pl = TRUE).
suppressPackageStartupMessages({library(survival); library(jsonlite)})

pen_loglik <- function(b, formula, data, ties) {
  fit <- tryCatch(suppressWarnings(coxph(formula, data = data, ties = ties, init = b,
                                         control = coxph.control(iter.max = 0))),
                  error = function(e) NULL)  # exp() overflow far from the optimum
  if (is.null(fit)) return(-1e10)
  ld <- determinant(fit$var, logarithm = TRUE)  # log det I = -log det I^-1
  value <- fit$loglik[1] - 0.5 * as.numeric(ld$modulus)
  if (ld$sign <= 0 || !is.finite(value)) -1e10 else value
}

num_grad <- function(f, b, h = 1e-5) {
  sapply(seq_along(b), function(j) {
    e <- replace(numeric(length(b)), j, h)
    (f(b + e) - f(b - e)) / (2 * h)
  })
}

num_hess <- function(f, b, h = 1e-4) {
  p <- length(b)
  H <- matrix(0, p, p)
  for (j in seq_len(p)) {
    e <- replace(numeric(p), j, h)
    H[, j] <- (num_grad(f, b + e) - num_grad(f, b - e)) / (2 * h)
  }
  (H + t(H)) / 2
}

# maximise f over b (a vector): Newton-Raphson on central-difference derivatives, with
# step-halving (f must not decrease), steps capped at 5, and a gradient step where the numerical
# Hessian is not negative definite; stop when the largest step is below 1e-9
maximise <- function(f, start) {
  if (length(start) == 0) return(list(par = start, value = f(start)))
  b <- start
  fb <- f(b)
  for (it in 1:200) {
    g <- num_grad(f, b)
    H <- num_hess(f, b)
    ev <- eigen(H, symmetric = TRUE, only.values = TRUE)$values
    step <- if (all(ev < 0)) -solve(H, g) else g
    if (max(abs(step)) > 5) step <- step * 5 / max(abs(step))
    for (k in 1:60) {
      fn <- f(b + step)
      if (fn >= fb - 1e-12 * abs(fb)) break
      step <- step / 2
    }
    b <- b + step
    fb <- fn
    if (max(abs(step)) < 1e-9) break
  }
  list(par = b, value = fb)
}

firth_ref <- function(formula, data, ties, level = 0.95) {
  message("fitting ", paste(deparse(formula), collapse = ""), " (", ties, ")")
  f <- function(b) pen_loglik(b, formula, data, ties)
  p <- length(coef(suppressWarnings(coxph(formula, data = data, ties = ties,
                                          control = coxph.control(iter.max = 0)))))
  best <- maximise(f, rep(0, p))
  crit <- qchisq(level, 1)
  prof <- function(j, v) {
    g <- function(rest) { b <- numeric(p); b[j] <- v; b[-j] <- rest; f(b) }
    maximise(g, best$par[-j])$value
  }
  lower <- upper <- pval <- numeric(p)
  for (j in seq_len(p)) {
    dev <- function(v) 2 * (best$value - prof(j, v)) - crit
    bj <- best$par[j]
    step <- 1
    while (dev(bj - step) < 0) step <- step * 2
    lower[j] <- uniroot(dev, c(bj - step, bj), tol = 1e-12)$root
    step <- 1
    while (dev(bj + step) < 0) step <- step * 2
    upper[j] <- uniroot(dev, c(bj, bj + step), tol = 1e-12)$root
    pval[j] <- pchisq(2 * (best$value - prof(j, 0)), 1, lower.tail = FALSE)
  }
  plain <- suppressWarnings(coxph(formula, data = data, ties = ties))
  list(
    formula = paste(deparse(formula), collapse = ""),
    ties = ties,
    coef = best$par,
    loglik_penalised = best$value,
    loglik_penalised_null = f(rep(0, p)),
    ci_lower = exp(lower),
    ci_upper = exp(upper),
    p = pval,
    se = sqrt(diag(suppressWarnings(coxph(formula, data = data, ties = ties, init = best$par,
                                          control = coxph.control(iter.max = 0)))$var)),
    plain_coef = unname(coef(plain))
  )
}

# 1. The monotone-likelihood example of coxphf's help page (?coxphf): three deaths, the two
#    with x = 1 first; coxph does not converge.
sim <- data.frame(time = c(1, 2, 3), cens = c(1, 1, 1), x = c(1, 1, 0))

# 2. A data set with monotone likelihood built like Heinze & Schemper's (2001) breast-cancer
#    example (their data are not available here): 60 patients, a binary marker `cd` with no
#    event among its 18 low-marker patients (separation), a binary `stage` and a continuous
#    `age`; ties in the event times.
set.seed(20010301)
n <- 60
cd <- rep(c(0, 1), c(18, 42))
stage <- rbinom(n, 1, 0.4)
age <- round(rnorm(n, 60, 10))
time <- pmax(1, round(rexp(n, 0.02 * exp(0.7 * stage + 0.02 * (age - 60)))))
cens_time <- round(runif(n, 20, 120))
status <- as.integer(time <= cens_time & cd == 1)
time <- ifelse(cd == 1, pmin(time, cens_time), cens_time)
mono <- data.frame(time = time, status = status, cd = cd, stage = stage, age = age)

# 3. No separation: survival::ovarian (Firth estimates lie close to, and are shrunk from, the
#    ordinary ones).
ovar <- ovarian[, c("futime", "fustat", "age", "ecog.ps", "rx")]

# 4. Strata: the monotone data stratified by stage.
fits <- list(
  coxphf_example_breslow = firth_ref(Surv(time, cens) ~ x, sim, "breslow"),
  coxphf_example_efron = firth_ref(Surv(time, cens) ~ x, sim, "efron"),
  monotone_efron = firth_ref(Surv(time, status) ~ cd + stage + age, mono, "efron"),
  monotone_breslow = firth_ref(Surv(time, status) ~ cd + stage + age, mono, "breslow"),
  ovarian_efron = firth_ref(Surv(futime, fustat) ~ age + ecog.ps + rx, ovar, "efron"),
  monotone_strata_efron = firth_ref(Surv(time, status) ~ cd + age + strata(stage), mono, "efron")
)

# R's own verdict on the monotone data: coxph warns that a coefficient may be infinite
warned <- FALSE
withCallingHandlers(coxph(Surv(time, status) ~ cd + stage + age, data = mono),
                    warning = function(w) { warned <<- TRUE; invokeRestart("muffleWarning") })

out <- list(
  r_version = R.version.string,
  survival_version = as.character(packageVersion("survival")),
  coxph_warns_infinite_on_monotone = warned,
  data = list(coxphf_example = as.list(sim), monotone = as.list(mono), ovarian = as.list(ovar)),
  fits = fits
)
writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, pretty = TRUE), "tests/reference/firth.json")
