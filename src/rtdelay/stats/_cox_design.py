"""Design matrix of the Cox model: categorical covariates to dummies; identifiability checks."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from rtdelay.errors import ModelError

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["Design", "check_identifiable", "design_matrix"]


@dataclasses.dataclass(frozen=True)
class Design:
    x: NDArray[np.float64]
    names: tuple[str, ...]
    terms: dict[str, tuple[int, ...]]


def design_matrix(frame: pd.DataFrame, covariates: Sequence[str]) -> Design:
    """Numeric columns as they are; others expanded to treatment dummies ``col[level]``."""
    import pandas as pd

    cols: list[NDArray[np.float64]] = []
    names: list[str] = []
    terms: dict[str, tuple[int, ...]] = {}
    for cov in covariates:
        series = frame[cov]
        if pd.api.types.is_bool_dtype(series) or pd.api.types.is_numeric_dtype(series):
            terms[cov] = (len(names),)
            cols.append(series.to_numpy(dtype=np.float64))
            names.append(cov)
            continue
        values = series.astype(object)
        try:
            levels = sorted(values.unique().tolist())
        except TypeError:
            levels = sorted(values.astype(str).unique().tolist())
            values = values.astype(str)
        if len(levels) < 2:
            raise ModelError(f"covariate {cov!r} has a single level ({levels[0]!r}): it cannot be estimated")
        idx = []
        for level in levels[1:]:
            idx.append(len(names))
            cols.append((values == level).to_numpy(dtype=np.float64))
            names.append(f"{cov}[{level}]")
        terms[cov] = tuple(idx)
    return Design(np.column_stack(cols), tuple(names), terms)


def check_identifiable(x: NDArray[np.float64], stratum: NDArray[np.int64], names: Sequence[str]) -> None:
    """Raise ModelError for a covariate constant within every stratum or a collinear set."""
    xc = x.copy()
    for s in np.unique(stratum):
        m = stratum == s
        xc[m] -= xc[m].mean(axis=0)
    scale = np.abs(xc).max(axis=0)
    const = [names[j] for j in range(x.shape[1]) if scale[j] <= 1e-12 * max(1.0, np.abs(x[:, j]).max())]
    if const:
        where = " within every stratum" if len(np.unique(stratum)) > 1 else ""
        raise ModelError(f"covariate(s) {', '.join(const)} are constant{where}: they cannot be estimated")
    z = xc / scale
    sv = np.linalg.svd(z, compute_uv=False)
    if sv[-1] <= sv[0] * 1e-8:
        _, _, vt = np.linalg.svd(z)
        involved = [names[int(j)] for j in np.flatnonzero(np.abs(vt[-1]) > 1e-6)]
        raise ModelError(f"covariates {', '.join(involved)} are collinear: drop one of them")
