"""Pairwise log-rank tests between every two groups, with Holm, Bonferroni or BH adjustment."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from rtdelay.errors import InputError
from rtdelay.stats._logrank import logrank_test
from rtdelay.stats._logrank_sums import check_weighting, method_name, prepare
from rtdelay.stats._results import ResultMixin

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["ADJUSTMENTS", "PairwiseLogrank", "pairwise_logrank"]

ADJUSTMENTS: tuple[str, ...] = ("holm", "bonferroni", "BH", "none")


def _adjust(pvals: NDArray[np.float64], method: str) -> NDArray[np.float64]:
    """Holm, Bonferroni or Benjamini-Hochberg adjustment as R ``p.adjust`` (NaN p values left out of m).

    BH (Benjamini & Hochberg 1995): with the p values sorted decreasingly,
    :math:`\\tilde p_{(i)} = \\min_{j \\ge i} \\min(1, m p_{(j)} / j)` (R ``p.adjust(method = "BH")``).
    """
    out = np.full_like(pvals, np.nan)
    ok = np.flatnonzero(~np.isnan(pvals))
    m = ok.size
    if method == "none" or m == 0:
        out[ok] = pvals[ok]
        return out
    pv = pvals[ok]
    if method == "bonferroni":
        out[ok] = np.minimum(1.0, m * pv)
        return out
    if method == "BH":
        desc = np.argsort(-pv, kind="stable")
        rank = m - np.arange(m)  # rank of each p in increasing order, for the decreasing sort
        bh = np.minimum(1.0, np.minimum.accumulate(m / rank * pv[desc]))
        res = np.empty(m)
        res[desc] = bh
        out[ok] = res
        return out
    order = np.argsort(pv, kind="stable")
    adj = np.minimum(1.0, np.maximum.accumulate((m - np.arange(m)) * pv[order]))
    res = np.empty(m)
    res[order] = adj
    out[ok] = res
    return out


@dataclass(frozen=True, eq=False)
class PairwiseLogrank(ResultMixin):
    """Log-rank tests between every pair of groups (one entry per pair, in label order).

    Attributes
    ----------
    group1, group2 : tuple
        The labels of each pair.
    statistic, p_value, p_adjusted : numpy.ndarray
        Chi-square (1 df), raw and adjusted p value of each pair (read-only).
    adjust : str
        ``"holm"``, ``"bonferroni"``, ``"BH"`` or ``"none"`` (R ``p.adjust`` methods).
    method : str
    """

    group1: tuple[Any, ...]
    group2: tuple[Any, ...]
    statistic: NDArray[np.float64]
    p_value: NDArray[np.float64]
    p_adjusted: NDArray[np.float64]
    adjust: str
    method: str
    n_omitted: int = 0

    def __post_init__(self) -> None:
        for name in ("statistic", "p_value", "p_adjusted"):
            object.__setattr__(self, name, np.array(getattr(self, name), dtype=np.float64))
        super().__post_init__()

    def __len__(self) -> int:
        return len(self.group1)

    @property
    def columns(self) -> list[str]:
        """Column names of :meth:`to_frame` (the result reads like that table)."""
        return ["group1", "group2", "statistic", "p_value", "p_adjusted"]

    def __getitem__(self, column: str) -> Any:
        """One column of :meth:`to_frame`, e.g. ``res["p_adjusted"]``."""
        return self.to_frame()[column]

    def __repr__(self) -> str:
        best = (
            float(np.nanmin(self.p_adjusted))
            if len(self) and not np.all(np.isnan(self.p_adjusted))
            else float("nan")
        )
        return f"PairwiseLogrank({len(self)} pairs, {self.method}, adjust={self.adjust!r}, min adjusted p={best:.4g})"

    def to_frame(self) -> pd.DataFrame:
        """Columns ``group1, group2, statistic, p_value, p_adjusted``, one row per pair."""
        import pandas as pd

        return pd.DataFrame(
            {
                "group1": list(self.group1),
                "group2": list(self.group2),
                "statistic": self.statistic,
                "p_value": self.p_value,
                "p_adjusted": self.p_adjusted,
            }
        )


def pairwise_logrank(
    time: ArrayLike,
    event: ArrayLike,
    group: ArrayLike,
    *,
    adjust: str = "holm",
    strata: ArrayLike | None = None,
    weighting: str = "logrank",
    p: float = 0.0,
    q: float = 0.0,
    levels: Sequence[Any] | None = None,
    timefix: bool = True,
    data: Any = None,
    nan_policy: str = "raise",
    min_group_size: int = 2,
) -> PairwiseLogrank:
    """Log-rank tests between every pair of groups, with a multiplicity adjustment.

    Each pair is tested on its own two groups' records, with R's ``timefix`` merging of
    near-equal times unless ``timefix=False`` (as R
    ``survdiff(..., subset = g %in% c(a, b))``); p values are adjusted as R ``p.adjust``.

    ``adjust`` is ``"holm"`` (default), ``"bonferroni"``, ``"BH"`` (Benjamini-Hochberg false
    discovery rate, survminer's ``pairwise_survdiff`` default) or ``"none"``.

    Returns
    -------
    PairwiseLogrank
        One entry per pair in label order; ``to_frame()`` gives columns
        ``group1, group2, statistic, p_value, p_adjusted``.

    Examples
    --------
    >>> from rtdelay.stats import pairwise_logrank
    >>> res = pairwise_logrank([1, 2, 3, 4, 5, 6], [1, 1, 1, 1, 1, 1], ["a", "b", "c"] * 2, adjust="BH")
    >>> res.to_frame()[["group1", "group2"]].values.tolist()
    [['a', 'b'], ['a', 'c'], ['b', 'c']]
    """
    if adjust not in ADJUSTMENTS:
        raise InputError(f"adjust must be one of {', '.join(ADJUSTMENTS)}; got {adjust!r}")
    check_weighting(weighting, p, q)
    t, e, codes, labels, s_codes, n_omitted = prepare(
        time, event, group, strata, levels, data, nan_policy
    )
    g1: list[Any] = []
    g2: list[Any] = []
    stats: list[float] = []
    pvals: list[float] = []
    k = len(labels)
    for i in range(k):
        for j in range(i + 1, k):
            sel = (codes == i) | (codes == j)
            res = logrank_test(
                t[sel],
                e[sel],
                codes[sel],
                strata=None if s_codes is None else s_codes[sel],
                weighting=weighting,
                p=p,
                q=q,
                timefix=timefix,
                min_group_size=min_group_size,
            )
            g1.append(labels[i])
            g2.append(labels[j])
            stats.append(res.statistic)
            pvals.append(res.p_value)
    pv = np.asarray(pvals, dtype=np.float64)
    return PairwiseLogrank(
        group1=tuple(g1),
        group2=tuple(g2),
        statistic=np.asarray(stats, dtype=np.float64),
        p_value=pv,
        p_adjusted=_adjust(pv, adjust),
        adjust=adjust,
        method="pairwise " + method_name(weighting, p, q, s_codes is not None),
        n_omitted=n_omitted,
    )
