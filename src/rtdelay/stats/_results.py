"""Result containers shared by the statistics engine.

Every estimator returns a frozen dataclass. ``to_dict()`` gives plain Python values (lists,
floats, None for NaN) ready for JSON; ``to_frame()`` gives a pandas DataFrame. Rendering
(rounding, p-value style) is not done here: see ``rtdelay.report.formatting``.
"""

from __future__ import annotations

import dataclasses
import math
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["ResultMixin", "TestResult", "jsonable"]


def jsonable(value: Any) -> Any:
    """Convert numpy scalars/arrays, tuples and NaN to JSON-ready Python values.

    NaN and infinities become ``None`` so that ``json.dumps`` never writes invalid JSON.
    """
    if isinstance(value, np.ndarray):
        return [jsonable(v) for v in value.tolist()]
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (np.bool_, bool)):
        return bool(value)
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (np.floating, float)):
        f = float(value)
        return None if (math.isnan(f) or math.isinf(f)) else f
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    return value


def fmt(x: Any, digits: int = 4) -> str:
    """A number for a repr: 4 significant digits, "NA" for NaN/None (R's spelling)."""
    if x is None:
        return "NA"
    f = float(x)
    return "NA" if math.isnan(f) else f"{f:.{digits}g}"


class ResultMixin:
    """Shared behaviour of the frozen result dataclasses.

    ``to_dict`` (fields converted with :func:`jsonable`); arrays made read-only when the result
    is built (the dataclasses use ``eq=False``: results compare and hash by identity and never
    raise); ``print_summary`` prints the one-line ``repr`` and the ``summary()`` table.
    """

    def __post_init__(self) -> None:
        for f in dataclasses.fields(self):  # type: ignore[arg-type]
            value = getattr(self, f.name)
            if isinstance(value, np.ndarray):
                value.flags.writeable = False

    def to_dict(self) -> dict[str, Any]:
        assert dataclasses.is_dataclass(self)
        return {f.name: jsonable(getattr(self, f.name)) for f in dataclasses.fields(self)}

    def summary(self) -> pd.DataFrame:
        """A small table of the result (one row for a test or a curve)."""
        return self.to_frame()  # type: ignore[attr-defined,no-any-return]

    def print_summary(self) -> None:
        """Print the one-line description and the :meth:`summary` table (as lifelines)."""
        print(repr(self))
        print(self.summary().to_string())


@dataclasses.dataclass(frozen=True, eq=False)
class TestResult(ResultMixin):
    """Result of a hypothesis test.

    Attributes
    ----------
    statistic : float
        Test statistic: chi-square for log-rank, Gray and contingency tests; U (Mann-Whitney,
        R's W) or V (signed-rank) for rank tests, with z in ``extra``; the probability of the
        observed table for Fisher's exact test.
    df : float
        Degrees of freedom (NaN where not applicable).
    p_value : float
        Two-sided p value.
    method : str
        Human-readable name of the test and its variant, e.g. ``"log-rank (Mantel-Haenszel)"``.
    observed, expected : numpy.ndarray
        Per-group observed and expected counts where the test has them (else empty arrays).
    groups : tuple
        Group labels in the order of ``observed``/``expected`` (empty if not applicable).
    extra : dict
        Test-specific numbers (e.g. ``{"n_pairs": 30, "n_zero_dropped": 2}``).
    """

    __test__ = False  # not a pytest test class

    statistic: float
    df: float
    p_value: float
    method: str
    observed: np.ndarray = dataclasses.field(default_factory=lambda: np.empty(0))
    expected: np.ndarray = dataclasses.field(default_factory=lambda: np.empty(0))
    groups: tuple[Any, ...] = ()
    extra: dict[str, Any] = dataclasses.field(default_factory=dict)

    def __repr__(self) -> str:
        df = "" if math.isnan(self.df) else f", df={self.df:g}"
        return f"TestResult({self.method}: statistic={fmt(self.statistic)}{df}, p={fmt(self.p_value)})"

    def summary(self) -> pd.DataFrame:
        """One row: ``method, statistic, df, p_value``."""
        import pandas as pd

        return pd.DataFrame(
            [{"method": self.method, "statistic": self.statistic, "df": self.df, "p_value": self.p_value}]
        )

    def to_frame(self) -> pd.DataFrame:
        import pandas as pd

        if len(self.groups):
            return pd.DataFrame(
                {
                    "group": list(self.groups),
                    "observed": self.observed,
                    "expected": self.expected,
                }
            ).assign(statistic=self.statistic, df=self.df, p_value=self.p_value, method=self.method)
        return pd.DataFrame(
            [{"statistic": self.statistic, "df": self.df, "p_value": self.p_value, "method": self.method}]
        )
