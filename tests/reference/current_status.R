# Reference values for rtdelay.stats._current_status (current_status_npmle).
# Run from the repository root:  Rscript tests/reference/current_status.R
# Writes tests/reference/current_status.json. R 4.2, jsonlite. No isotonic-regression package:
# the NPMLE is computed here in plain R in two independent ways and they must agree.
suppressPackageStartupMessages(library(jsonlite))

# Pool tied look times: w_j = number looked at c_(j), s_j = number positive among them.
pool <- function(time, progressed) {
  ut <- sort(unique(time))
  w <- as.numeric(table(factor(time, levels = ut)))
  s <- as.numeric(tapply(progressed, factor(time, levels = ut), sum))
  list(time = ut, w = w, s = s)
}

# (1) Left derivative of the greatest convex minorant of the cumulative-sum diagram
#     P_0 = (0, 0), P_j = (sum_{l<=j} w_l, sum_{l<=j} s_l): from the current vertex take the
#     smallest slope to any later point (the farthest point if several attain it).
gcm_slopes <- function(w, s) {
  W <- c(0, cumsum(w)); S <- c(0, cumsum(s)); m <- length(w)
  out <- numeric(m); i <- 1
  while (i <= m) {
    sl <- (S[(i + 1):(m + 1)] - S[i]) / (W[(i + 1):(m + 1)] - W[i])
    best <- min(sl)
    j <- max(which(abs(sl - best) <= 1e-12 * max(1, abs(best))))
    out[i:(i + j - 1)] <- best
    i <- i + j
  }
  out
}

# (2) Max-min formula: F(c_j) = max_{a<=j} min_{b>=j} sum_{a..b} s / sum_{a..b} w.
maxmin <- function(w, s) {
  m <- length(w); out <- numeric(m)
  W <- c(0, cumsum(w)); S <- c(0, cumsum(s))  # sum_{a..b} = S[b + 1] - S[a]
  for (j in 1:m) {
    best <- -Inf
    for (a in 1:j) {
      b <- j:m
      best <- max(best, min((S[b + 1] - S[a]) / (W[b + 1] - W[a])))
    }
    out[j] <- best
  }
  out
}

npmle <- function(time, progressed) {
  p <- pool(time, progressed)
  f1 <- gcm_slopes(p$w, p$s)
  f2 <- maxmin(p$w, p$s)
  stopifnot(isTRUE(all.equal(f1, f2, tolerance = 1e-12)))
  list(time = time, progressed = progressed, look_time = p$time, n_looks = p$w,
       n_positive = p$s, cdf = f1)
}

# 1. Simulated current-status data: T exponential (F(6) = 0.45), look time lognormal
#    (median 2 months, sdlog 0.8), rounded to 0.25 months so that looks are tied.
set.seed(3)
n <- 150
tt <- rexp(n, -log(0.55) / 6)
cc <- round(rlnorm(n, log(2), 0.8) * 4) / 4
cc[cc == 0] <- 0.25
sim <- npmle(cc, as.integer(tt <= cc))

# 2. Larger sample without rounding (no ties), unsorted as drawn.
set.seed(11)
n2 <- 400
t2 <- rweibull(n2, 1.5, 5)
c2 <- runif(n2, 0, 10)
big <- npmle(c2, as.integer(t2 <= c2))

# 3. Small set with heavy ties and violators, unsorted.
small <- npmle(c(3, 1, 2, 2, 5, 4, 4, 1, 3, 5, 6, 2),
               c(0, 1, 0, 1, 1, 0, 0, 0, 1, 1, 0, 1))

out <- list(r_version = R.version.string, simulated = sim, uniform_looks = big, small = small)
writeLines(toJSON(out, digits = NA, auto_unbox = TRUE), "tests/reference/current_status.json")
