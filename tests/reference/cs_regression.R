# Reference values for rtdelay.planning current-status regression.
# A Weibull-PH current-status model is a binomial GLM with complementary log-log link on
# (1, log c, x); a log-logistic (proportional odds) one is a logistic GLM on the same terms.
# Run: Rscript cs_regression.R  (writes cs_regression.json)
library(jsonlite)
set.seed(20211)
n <- 300
growth <- sample(c("moderate", "rapid", "slow"), n, replace = TRUE, prob = c(0.3, 0.4, 0.3))
surgery <- sample(c("decompression", "separation", "vertebrectomy"), n, replace = TRUE)
beta_g <- c(moderate = 0, rapid = 0.8, slow = -0.7)
# true T: Weibull PH with shape 1.3, scale so that H(t) = exp(-2.2) t^1.3 at reference
lp <- -2.2 + beta_g[growth] + ifelse(surgery == "vertebrectomy", 0.4, 0)
u <- runif(n)
T <- (-log(u) / exp(lp))^(1 / 1.3)
c <- round(rlnorm(n, log(2), 0.7), 3)
delta <- as.integer(T <= c)
d <- data.frame(c = c, delta = delta, growth = factor(growth, levels = c("moderate", "rapid", "slow")),
                surgery = factor(surgery))
fit_w <- glm(delta ~ log(c) + growth + surgery, family = binomial(link = "cloglog"), data = d,
             control = glm.control(epsilon = 1e-12, maxit = 100))
fit_l <- glm(delta ~ log(c) + growth + surgery, family = binomial(link = "logit"), data = d,
             control = glm.control(epsilon = 1e-12, maxit = 100))
out <- list(
  data = d,
  weibull = list(coef = unname(coef(fit_w)), se = unname(sqrt(diag(vcov(fit_w)))),
                 loglik = as.numeric(logLik(fit_w)), aic = AIC(fit_w), names = names(coef(fit_w))),
  loglogistic = list(coef = unname(coef(fit_l)), se = unname(sqrt(diag(vcov(fit_l)))),
                     loglik = as.numeric(logLik(fit_l)), aic = AIC(fit_l), names = names(coef(fit_l))),
  # predicted risk at 3 months, growth = rapid, surgery = separation, with a Wald CI on the link scale
  pred = {
    nd <- data.frame(c = 3, growth = factor("rapid", levels = levels(d$growth)),
                     surgery = factor("separation", levels = levels(d$surgery)))
    p <- predict(fit_w, nd, type = "link", se.fit = TRUE)
    z <- qnorm(0.975)
    inv <- function(e) 1 - exp(-exp(e))
    list(risk = inv(p$fit), lower = inv(p$fit - z * p$se.fit), upper = inv(p$fit + z * p$se.fit))
  }
)
writeLines(toJSON(out, digits = NA, auto_unbox = TRUE), "cs_regression.json")
