"""Deterministic discrete local search used by every calibration block (private).

The calibration problems are small (at most 89 values per block) and their objectives are
cheap, so a plain annealed local search is enough: propose a change to a copy of the state,
accept it when the loss does not rise (or, early on, with the Metropolis probability
``exp(-delta / T)``), keep the best state seen and stop as soon as the loss reaches
``stop_loss``. Every random draw comes from the ``numpy.random.Generator`` passed in, so a
seed gives one result.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TypeVar

import numpy as np

__all__ = ["anneal", "band_loss", "rate_loss"]

S = TypeVar("S")


def band_loss(
    value: float, printed: float, decimals: int, *, margin: float = 0.8, penalty: float = 0.0
) -> float:
    """Squared distance of ``value`` outside the band that rounds to ``printed``.

    The band is shrunk to ``margin`` of its half width so that the search lands safely inside
    (a value on the rounding edge would print differently under another rounding rule).
    Returns 0 inside the band; the unit is one half width of the printed last decimal.
    ``penalty`` is added once outside the band (a step, so that a value that misses by a
    little still costs more than any trade-off the search could make with it).
    """
    half = 0.5 * 10.0**-decimals
    excess = max(0.0, abs(value - printed) - margin * half)
    return (excess / half) ** 2 + (penalty if excess > 0 else 0.0)


def rate_loss(value: float, target: float, tol: float) -> float:
    """Squared distance in units of ``tol`` (0 when equal)."""
    return ((value - target) / tol) ** 2


def anneal(
    state: S,
    loss: Callable[[S], float],
    propose: Callable[[S, np.random.Generator], S | None],
    rng: np.random.Generator,
    *,
    max_iter: int = 20000,
    stop_loss: float = 0.0,
    t0: float = 0.5,
    rounds: int = 1,
) -> tuple[S, float]:
    """Minimise ``loss`` from ``state`` by local moves; return the best state and its loss.

    ``propose(state, rng)`` returns a new state (never mutating its argument) or ``None`` when
    the drawn move is not allowed. The temperature falls linearly from ``t0`` to 0 in each of
    up to ``rounds`` rounds of ``max_iter`` moves; a round starts again (reheated) from the best
    state so far, and the search stops once the loss reaches ``stop_loss``.
    """
    best, best_loss = state, loss(state)
    for _ in range(rounds):
        cur, cur_loss = best, best_loss
        for it in range(max_iter):
            if best_loss <= stop_loss:
                return best, best_loss
            cand = propose(cur, rng)
            if cand is None:
                continue
            cand_loss = loss(cand)
            temp = t0 * (1.0 - it / max_iter)
            delta = cand_loss - cur_loss
            if delta <= 0 or (temp > 0 and rng.random() < math.exp(-delta / temp)):
                cur, cur_loss = cand, cand_loss
                if cur_loss < best_loss:
                    best, best_loss = cur, cur_loss
    return best, best_loss
