"""The one input check of the statistics engine, called at every entry point.

Modelled on scikit-survival's ``check_y_survival``: each function converts its array-likes
here, and every message names the argument and the first offending index.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from rtdelay.errors import InputError

__all__ = [
    "categorical_levels",
    "check_time",
    "check_event",
    "check_cause",
    "check_group",
    "check_same_length",
    "check_survival",
    "encode_with_levels",
]


def _first_bad(mask: NDArray[np.bool_]) -> int:
    return int(np.flatnonzero(mask)[0])


def check_time(time: ArrayLike, *, name: str = "time", allow_zero: bool = True) -> NDArray[np.float64]:
    """Return ``time`` as a 1-d float array; raise ``ValueError`` naming the first bad index.

    Times must be finite and non-negative (strictly positive if ``allow_zero`` is False).
    """
    try:
        arr = np.asarray(time, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise InputError(f"{name} must be numeric: {exc}") from None
    if arr.ndim != 1:
        arr = arr.reshape(-1) if arr.ndim == 0 else arr
        if arr.ndim != 1:
            raise InputError(f"{name} must be one-dimensional, got shape {arr.shape}")
    if arr.size:
        # Fast path: two reductions, no temporaries (NaN propagates through min and max).
        lo, hi = float(arr.min()), float(arr.max())
        if np.isfinite(lo) and np.isfinite(hi) and (lo >= 0.0 if allow_zero else lo > 0.0):
            return arr
    # Some value is bad: locate the first one.
    missing = np.isnan(arr)
    if missing.any():
        raise InputError(f"{name} is missing at index {_first_bad(missing)}")
    bad = ~np.isfinite(arr)
    if bad.any():
        i = _first_bad(bad)
        raise InputError(f"{name} is not finite at index {i} ({_plain(arr[i])})")
    neg = arr < 0 if allow_zero else arr <= 0
    if neg.any():
        i = _first_bad(neg)
        rule = "negative" if allow_zero else "not positive"
        raise InputError(f"{name} is {rule} at index {i} ({_plain(arr[i])})")
    return arr


def check_event(event: ArrayLike, *, name: str = "event") -> NDArray[np.bool_]:
    """Return ``event`` as a boolean array; only 0/1 (or False/True) are allowed."""
    arr = np.asarray(event)
    if arr.ndim != 1:
        arr = arr.reshape(-1)
    if arr.dtype == np.bool_:
        return arr
    try:
        num = arr.astype(np.float64)
    except (TypeError, ValueError):
        for i, v in enumerate(arr.tolist()):
            try:
                float(v)
            except (TypeError, ValueError):
                raise InputError(f"{name} must be 0 or 1; index {i} has {_plain(v)}") from None
        raise
    bad = ~np.isin(num, (0.0, 1.0))
    if bad.any():
        i = _first_bad(bad)
        if num[i] != num[i]:
            raise InputError(f"{name} is missing at index {i}")
        raise InputError(f"{name} must be 0 or 1; index {i} has {_plain(arr[i])}")
    return num == 1.0


def check_cause(cause: ArrayLike, *, name: str = "cause") -> NDArray[np.int64]:
    """Return competing-risks causes as integers >= 0 (0 = censored)."""
    try:
        num = np.asarray(cause, dtype=np.float64).reshape(-1)
    except (TypeError, ValueError) as exc:
        raise InputError(f"{name} must be integer codes (0 = censored): {exc}") from None
    missing = np.isnan(num)
    if missing.any():
        raise InputError(f"{name} is missing at index {_first_bad(missing)}")
    bad = ~np.isfinite(num) | (num < 0) | (num != np.round(num))
    if bad.any():
        i = _first_bad(bad)
        raise InputError(f"{name} must be a non-negative integer code (0 = censored); index {i} has {_plain(num[i])}")
    return num.astype(np.int64)


def check_group(group: ArrayLike, *, name: str = "group") -> tuple[NDArray[np.int64], tuple[Any, ...]]:
    """Encode group labels as 0..k-1 in sorted label order; missing labels are an error.

    Returns
    -------
    codes : numpy.ndarray of int
    labels : tuple
        The distinct labels, sorted (as R orders factor levels).
    """
    arr = np.asarray(group, dtype=object).reshape(-1)
    missing = np.array([v is None or (isinstance(v, float) and np.isnan(v)) for v in arr.tolist()], dtype=bool)
    if missing.any():
        i = _first_bad(missing)
        raise InputError(f"{name} is missing at index {i}")
    try:
        labels, codes = np.unique(arr, return_inverse=True)
    except TypeError:
        labels, codes = np.unique(arr.astype(str), return_inverse=True)
    return codes.astype(np.int64).reshape(-1), tuple(v.item() if hasattr(v, "item") else v for v in labels)


def categorical_levels(values: Any) -> tuple[Any, ...] | None:
    """The category order of a pandas Categorical (or a Series of category dtype), else None.

    R orders groups by factor levels; a pandas Categorical carries the same information.
    """
    cat = getattr(values, "cat", None)
    categories = getattr(cat, "categories", None) if cat is not None else getattr(values, "categories", None)
    if categories is None or not hasattr(values, "__len__"):
        return None
    return tuple(v.item() if hasattr(v, "item") else v for v in list(categories))


def _plain(value: Any) -> str:
    """A value as the user would write it: 3.5 not np.float64(3.5), 'a' not np.str_('a')."""
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float):
        return f"{value:g}" if np.isfinite(value) and value == int(value) and abs(value) < 1e15 else repr(value)
    return repr(value)


def encode_with_levels(
    group: ArrayLike, levels: Sequence[Any], *, name: str = "group"
) -> tuple[NDArray[np.int64], tuple[Any, ...]]:
    """Codes in the order of ``levels`` (as R ``factor(x, levels = levels)``).

    Levels absent from the data are dropped (R ``droplevels``), so the codes are 0..k-1 over
    the levels present. A missing value or a value not in ``levels`` is an error naming its
    index.
    """
    arr = np.asarray(group, dtype=object).reshape(-1)
    lev = [v.item() if hasattr(v, "item") else v for v in levels]
    if len(set(map(repr, lev))) != len(lev):
        raise InputError(f"levels for {name} has a repeated value")
    index = {v: i for i, v in enumerate(lev)}
    codes = np.empty(arr.size, dtype=np.int64)
    for i, v in enumerate(arr.tolist()):
        if v is None or (isinstance(v, float) and np.isnan(v)):
            raise InputError(f"{name} is missing at index {i}")
        j = index.get(v)
        if j is None:
            raise InputError(f"{name} value {_plain(v)} at index {i} is not among levels {lev!r}")
        codes[i] = j
    present = np.bincount(codes, minlength=len(lev)) > 0
    rank = np.cumsum(present) - 1
    return rank[codes].astype(np.int64), tuple(v for v, keep in zip(lev, present, strict=True) if keep)


def check_same_length(**arrays: Sequence[Any] | NDArray[Any]) -> int:
    """Check that all arrays have the same length and return it."""
    lengths = {k: len(v) for k, v in arrays.items()}
    if len(set(lengths.values())) > 1:
        desc = ", ".join(f"{k}={n}" for k, n in lengths.items())
        raise InputError(f"inputs must have the same length; got {desc}")
    return next(iter(lengths.values())) if lengths else 0


def check_survival(time: ArrayLike, event: ArrayLike) -> tuple[NDArray[np.float64], NDArray[np.bool_]]:
    """Check a right-censored sample: finite non-negative times, 0/1 events, equal lengths."""
    t = check_time(time)
    e = check_event(event)
    check_same_length(time=t, event=e)
    return t, e


NAN_POLICIES: tuple[str, ...] = ("raise", "omit")


def from_data(data: Any, **columns: Any) -> list[Any]:
    """The arrays to use: each argument as given, or, with ``data``, the column it names.

    ``data`` is a pandas DataFrame (or any mapping of columns); with it, every non-None argument
    must be a column name. A pandas Categorical column keeps its level order.
    """
    if data is None:
        return list(columns.values())
    out: list[Any] = []
    for arg, col in columns.items():
        if col is None:
            out.append(None)
            continue
        if not isinstance(col, str):
            raise InputError(f"with data=, {arg} must be a column name, got {type(col).__name__}")
        if col not in data:
            raise InputError(f"column {col!r} ({arg}) is not in data")
        out.append(data[col])
    return out


def _missing(x: Any) -> NDArray[np.bool_]:
    if hasattr(x, "isna"):  # pandas Series or Categorical
        return np.asarray(x.isna(), dtype=bool).reshape(-1)
    arr = np.asarray(x)
    if arr.dtype.kind == "f":
        return np.isnan(arr).reshape(-1)
    if arr.dtype.kind in "biu":
        return np.zeros(arr.size, dtype=bool)
    flat = arr.reshape(-1).tolist()
    return np.array([v is None or (isinstance(v, float) and v != v) for v in flat], dtype=bool)


def _take(x: Any, keep: NDArray[np.bool_]) -> Any:
    if hasattr(x, "iloc"):
        return x.iloc[np.flatnonzero(keep)]
    if hasattr(x, "categories"):
        return x[keep]
    arr = np.asarray(x)
    if arr.dtype.kind not in "fbiu":
        arr = np.asarray(x, dtype=object)
    return arr.reshape(-1)[keep]


def apply_nan_policy(nan_policy: str, *arrays: Any) -> tuple[list[Any], int]:
    """``"raise"``: the arrays unchanged (the checks then name the first missing value);
    ``"omit"``: rows with a missing value in any of the arrays dropped, and their number."""
    if nan_policy not in NAN_POLICIES:
        raise InputError(f"nan_policy must be 'raise' or 'omit', got {nan_policy!r}")
    present = [a for a in arrays if a is not None]
    if nan_policy == "raise" or not present:
        return list(arrays), 0
    lengths = {len(_missing(a)) for a in present}
    if len(lengths) > 1:
        return list(arrays), 0  # the length check of the caller reports it
    miss = np.zeros(lengths.pop(), dtype=bool)
    for a in present:
        miss |= _missing(a)
    if not miss.any():
        return list(arrays), 0
    keep = ~miss
    return [None if a is None else _take(a, keep) for a in arrays], int(miss.sum())
