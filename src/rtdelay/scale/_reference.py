"""The pandas engine: the reference implementation of the count aggregation.

It applies the rules of :mod:`rtdelay.scale._sql` with pandas, row for row, so the engines can
be checked against it (tests/scale/test_engines*.py). It holds the whole table in memory: use
it for small and medium files; DuckDB aggregates out of core.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from rtdelay.scale._sql import FALSE_TEXT, MAX_FINITE, TRUE_TEXT, Check, Competing, all_rules

if TYPE_CHECKING:
    from rtdelay.scale._sql import ColumnKind, CountSpec

__all__ = ["pandas_counts", "column_kind", "is_missing"]


#: Largest product of the key sizes packed into one int64 (else six-column groupby).
_PACK_LIMIT = 2.0**62


def is_missing(value: object) -> bool:
    """None, pandas NA/NaT or a float NaN (what pandas shows as missing in an object column)."""
    return (
        value is None
        or value is pd.NA
        or value is pd.NaT
        or (isinstance(value, float) and value != value)
    )


def column_kind(series: pd.Series) -> ColumnKind:
    """text, number or boolean, as the SQL engines see a column of this dtype."""
    if pd.api.types.is_bool_dtype(series.dtype):
        return "boolean"
    if pd.api.types.is_numeric_dtype(series.dtype):
        return "number"
    return "text"


class _Frame:
    """Parsed views of the columns. Text is parsed once per distinct value (``pd.factorize``),
    then spread to the rows by code, so the work per row is integer indexing."""

    def __init__(self, frame: pd.DataFrame) -> None:
        self.frame = frame
        self.kinds = {c: column_kind(frame[c]) for c in frame.columns}
        self._factors: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        # number() and flag() are asked for by several rules and the output: parsed once each
        self._numbers: dict[str, np.ndarray] = {}
        self._flags: dict[str, np.ndarray] = {}

    def _factor(self, name: str) -> tuple[np.ndarray, np.ndarray]:
        """Row codes into the distinct values as trimmed text (last entry None: missing)."""
        if name not in self._factors:
            codes, uniques = pd.factorize(self.frame[name], use_na_sentinel=True)
            kind = self.kinds[name]
            if kind == "boolean":
                text = ["true" if bool(u) else "false" for u in uniques]
            elif kind == "number":
                is_int = pd.api.types.is_integer_dtype(self.frame[name].dtype)
                text = [str(int(u)) if is_int else repr(float(u)) for u in uniques]
            else:
                text = [str(u).strip(" ") for u in uniques]
            values = np.array([*text, None], dtype=object)
            codes = np.where(codes < 0, len(text), codes).astype(
                np.int32 if len(text) < 2**31 - 1 else np.int64
            )
            self._factors[name] = (codes, values)
        return self._factors[name]

    def blank(self, name: str) -> np.ndarray:
        kind, s = self.kinds[name], self.frame[name]
        if kind == "text":
            codes, values = self._factor(name)
            per_value = np.array([v is None or v == "" for v in values], dtype=bool)
            return per_value[codes]
        return s.isna().to_numpy(dtype=bool)

    def number(self, name: str) -> np.ndarray:
        if name not in self._numbers:
            self._numbers[name] = self._number(name)
        return self._numbers[name]

    def _number(self, name: str) -> np.ndarray:
        kind, s = self.kinds[name], self.frame[name]
        if kind == "text":
            codes, values = self._factor(name)
            per_value = pd.to_numeric(pd.Series(values, dtype=object), errors="coerce").to_numpy(
                dtype=float
            )
            return per_value[codes]
        if kind == "boolean":
            return s.astype("boolean").astype("Float64").to_numpy(dtype=float, na_value=np.nan)
        if isinstance(s.dtype, np.dtype):  # plain numpy int/float: NaN is already the missing value
            return s.to_numpy(dtype=float)
        return (
            pd.to_numeric(s, errors="coerce")
            .astype("Float64")
            .to_numpy(dtype=float, na_value=np.nan)
        )

    def valid_time(self, name: str) -> np.ndarray:
        x = self.number(name)
        with np.errstate(invalid="ignore"):
            return (x >= 0) & (x < MAX_FINITE)

    def flag(self, name: str) -> np.ndarray:
        """1.0, 0.0 or NaN."""
        if name not in self._flags:
            self._flags[name] = self._flag(name)
        return self._flags[name]

    def _flag(self, name: str) -> np.ndarray:
        kind = self.kinds[name]
        if kind in ("boolean", "number"):
            x = self.number(name)
            return np.where(x == 1, 1.0, np.where(x == 0, 0.0, np.nan))
        codes, values = self._factor(name)
        low = [None if v is None else v.lower() for v in values]
        per_value = np.array(
            [1.0 if v in TRUE_TEXT else 0.0 if v in FALSE_TEXT else np.nan for v in low]
        )
        return per_value[codes]

    def label(self, name: str) -> tuple[np.ndarray, np.ndarray]:
        """Row codes (-1: missing) into distinct labels (equal labels share one code)."""
        codes, values = self._factor(name)
        label_codes, labels = pd.factorize(pd.Series(values, dtype=object), use_na_sentinel=True)
        return label_codes.astype(codes.dtype)[codes], np.asarray(labels, dtype=object)


def _fails(check: Check, f: _Frame) -> np.ndarray | None:
    n = len(f.frame)
    if check.column not in f.kinds:
        return np.ones(n, dtype=bool) if check.test == "blank" else None
    name = check.column
    if check.test == "blank":
        return f.blank(name)
    if check.test == "number":
        return ~f.valid_time(name)
    if check.test == "flag":
        return np.isnan(f.flag(name))
    if check.test == "flag_if_given":
        return ~f.blank(name) & np.isnan(f.flag(name))
    if check.test == "is_false":
        return f.flag(name) == 0
    if check.test == "is_true":
        return f.flag(name) == 1
    if check.test == "not_in":
        codes, labels = f.label(name)
        allowed = np.array([*(v in check.values for v in labels), False], dtype=bool)
        return ~allowed[codes]
    if check.test == "at_least":
        with np.errstate(invalid="ignore"):
            return f.number(name) >= check.limit
    raise ValueError(f"unknown check {check.test!r}")


def _keep(keep: np.ndarray, values: np.ndarray) -> np.ndarray:
    out = np.full(len(values), None, dtype=object)
    out[keep] = values[keep]
    return out


def pandas_counts(spec: CountSpec, frame: pd.DataFrame) -> pd.DataFrame:
    """The raw result of the aggregation (as ``build_count_sql`` gives it) computed by pandas."""
    f = _Frame(frame)
    n = len(frame)
    rule_type: type[np.signedinteger[Any]] = np.int16 if len(all_rules(spec)) < 2**15 else np.int64
    rule: np.ndarray[Any, np.dtype[np.signedinteger[Any]]] = np.full(n, -1, dtype=rule_type)
    for code, check in enumerate(all_rules(spec)):
        fails = _fails(check, f)
        if fails is None:
            continue
        rule[fails & (rule < 0)] = code
    keep = rule < 0

    event = f.flag(spec.event)
    comp = spec.competing
    time = f.number(spec.time)
    if comp is None:
        cause = (event == 1).astype(np.int8)
    else:
        comp_name = comp if isinstance(comp, str) else comp.event
        comp_event = f.flag(comp_name)
        cause = np.where(event == 1, 1, np.where(comp_event == 1, 2, 0)).astype(np.int8)
        if isinstance(comp, Competing) and comp.time is not None:
            time = np.where(cause == 2, f.number(comp.time), time)

    def label_or(name: str | None, default: str) -> tuple[np.ndarray, np.ndarray]:
        if name is None:
            return np.zeros(n, dtype=np.int64), np.array([default], dtype=object)
        return f.label(name)

    if spec.group is not None and spec.group_labels is not None:
        group = (
            np.where(f.flag(spec.group) == 1, 0, 1).astype(np.int64),
            np.array(spec.group_labels, dtype=object),
        )
    else:
        group = label_or(spec.group, "all")
    parts = {"site": label_or(spec.site, ""), "stratum": label_or(spec.stratum, ""), "grp": group}
    n_rules = len(all_rules(spec))
    keys = ["rule", "site", "stratum", "grp", "t"]
    t = np.where(keep, time, np.nan)
    # The small keys (rule, site, stratum, group, cause) packed into one int64 when their
    # product fits: the groupby then hashes two columns instead of six (memory on 10 M rows).
    radix = [n_rules + 1, *(len(labels) + 1 for _, labels in parts.values()), 3]
    if float(np.prod(np.array(radix, dtype=float))) < _PACK_LIMIT:
        del f  # the parsed columns are no longer needed
        packed = rule.astype(np.int64) + 1
        for (codes, _), size in zip(parts.values(), radix[1:4], strict=True):
            packed *= size
            packed += np.where(keep, codes + 1, 0)
        packed *= 3
        packed += cause
        sizes = (
            pd.DataFrame({"k": packed, "t": t}).groupby(["k", "t"], dropna=False, sort=False).size()
        )
        del packed
        k = sizes.index.get_level_values("k").to_numpy(dtype=np.int64)
        cols: dict[str, np.ndarray] = {"t": sizes.index.get_level_values("t").to_numpy(dtype=float)}
        cols["cause"], k = k % 3, k // 3
        for name, size in zip(reversed(list(parts)), reversed(radix[1:4]), strict=True):
            cols[name], k = k % size - 1, k // size
        cols["rule"] = k - 1
        cols["n"] = sizes.to_numpy(dtype=np.int64)
        long = pd.DataFrame(cols)
        sizes = long.set_index([*keys, "cause"])["n"]
    else:
        rows = pd.DataFrame(
            {
                "rule": rule,
                **{k: np.where(keep, codes, -1) for k, (codes, _) in parts.items()},
                "t": t,
                "cause": cause.astype(np.int8),
            }
        )
        sizes = rows.groupby([*keys, "cause"], dropna=False, sort=False).size()
    wide = sizes.unstack("cause", fill_value=0)
    out = wide.reset_index()
    for cause_value, col in ((1, "n_event_1"), (2, "n_event_2"), (0, "n_censored")):
        out[col] = wide[cause_value].to_numpy(dtype=np.int64) if cause_value in wide.columns else 0
    out = out[[*keys, "n_event_1", "n_event_2", "n_censored"]]
    for key, (_, labels) in parts.items():
        table = np.array([*labels, None], dtype=object)  # code -1 -> None
        out[key] = table[out[key].to_numpy(dtype=np.int64)]
    out["rule"] = pd.Series(out["rule"].to_numpy(), dtype="Int64").mask(out["rule"].to_numpy() < 0)
    return out
