"""Design matrix of the Cox model: categorical covariates to dummies; identifiability checks."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from rtdelay.errors import InputError, ModelError

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["Design", "check_identifiable", "design_matrix"]


@dataclasses.dataclass(frozen=True)
class Design:
    x: NDArray[np.float64]
    names: tuple[str, ...]
    terms: dict[str, tuple[int, ...]]


def design_matrix(
    frame: pd.DataFrame, covariates: Sequence[str], levels: Mapping[str, Sequence[Any]] | None = None
) -> Design:
    """Numeric columns as they are; others expanded to treatment dummies ``col[level]``.

    Level order (first = reference): ``levels[col]`` if given, else the categories of a
    pandas Categorical (levels absent from the data dropped), else sorted.
    """
    from rtdelay.stats._check import categorical_levels

    level_map = dict(levels or {})
    import pandas as pd

    cols: list[NDArray[np.float64]] = []
    names: list[str] = []
    terms: dict[str, tuple[int, ...]] = {}
    for cov in covariates:
        series = frame[cov]
        order = level_map.get(cov)
        if order is None and isinstance(series.dtype, pd.CategoricalDtype):
            order = categorical_levels(series)
        if order is not None:
            values = series.astype(object)
            present = set(values.unique().tolist())
            unknown = present - set(order)
            if unknown:
                raise InputError(f"covariate {cov!r} has values not among its levels: {sorted(map(str, unknown))}")
            levels_c = [v for v in order if v in present]
            if len(levels_c) < 2:
                raise ModelError(f"covariate {cov!r} has a single level ({levels_c[0]!r}): it cannot be estimated")
            idx = []
            for level in levels_c[1:]:
                idx.append(len(names))
                cols.append((values == level).to_numpy(dtype=np.float64))
                names.append(f"{cov}[{level}]")
            terms[cov] = tuple(idx)
            continue
        if pd.api.types.is_bool_dtype(series) or pd.api.types.is_numeric_dtype(series):
            terms[cov] = (len(names),)
            cols.append(series.to_numpy(dtype=np.float64))
            names.append(cov)
            continue
        values = series.astype(object)
        try:
            found = sorted(values.unique().tolist())
        except TypeError:
            found = sorted(values.astype(str).unique().tolist())
            values = values.astype(str)
        if len(found) < 2:
            raise ModelError(f"covariate {cov!r} has a single level ({found[0]!r}): it cannot be estimated")
        idx = []
        for level in found[1:]:
            idx.append(len(names))
            cols.append((values == level).to_numpy(dtype=np.float64))
            names.append(f"{cov}[{level}]")
        terms[cov] = tuple(idx)
    return Design(np.column_stack(cols), tuple(names), terms)


def check_identifiable(x: NDArray[np.float64], stratum: NDArray[np.int64], names: Sequence[str]) -> list[int]:
    """Raise ModelError for a covariate constant within every stratum; return aliased columns.

    A column is aliased when it is a linear combination of the earlier columns that are not
    aliased (within strata), as R ``coxph`` finds by its Cholesky decomposition of the
    information matrix; R reports NA for such a coefficient and fits the rest.
    """
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
    gram = z.T @ z
    kept: list[int] = []
    aliased: list[int] = []
    for j in range(gram.shape[0]):
        resid = gram[j, j]
        if kept:
            g = gram[np.ix_(kept, kept)]
            b = gram[kept, j]
            resid -= float(b @ np.linalg.solve(g, b))
        if resid <= _ALIAS_TOL * gram[j, j]:
            aliased.append(j)
        else:
            kept.append(j)
    return aliased


_ALIAS_TOL = 1e-10  # residual variance (relative) of a column given the earlier ones
