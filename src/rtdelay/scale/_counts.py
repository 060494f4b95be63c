"""The count table as the interchange between sites: a long pandas frame in a JSON envelope.

The frame has one row per (site, stratum, group, time) where something happens, sorted by
site, stratum, group, time, with the columns of :data:`COLUMNS`:

``site`` (str), ``stratum`` (str, ``""`` when none), ``group`` (str), ``time`` (float64),
``n_event_1`` (int64, event of interest), ``n_event_2`` (int64, competing event, 0 when none),
``n_censored`` (int64).

Numbers at risk are not stored: they are the sums of those leaving from each time on within a
site, stratum and group (no delayed entry). The statistics run on the array form
:class:`rtdelay.stats.EventCounts` (:meth:`CountTable.to_counts`), which keeps
``rtdelay.stats`` free of pandas; this module adds the frame, its checks and the envelope
(time unit, disclosure rule applied, flags) that travels in a site summary.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from rtdelay.errors import InputError

if TYPE_CHECKING:
    import pandas as pd

    from rtdelay.stats import EventCounts

__all__ = ["COLUMNS", "SCHEMA_HASH", "TIME_UNITS", "CountTable", "count_frame"]

#: Columns of the count frame and their dtypes.
COLUMNS: tuple[tuple[str, str], ...] = (
    ("site", "str"),
    ("stratum", "str"),
    ("group", "str"),
    ("time", "float64"),
    ("n_event_1", "int64"),
    ("n_event_2", "int64"),
    ("n_censored", "int64"),
)
_KEYS = ["site", "stratum", "group", "time"]
_COUNTS = ["n_event_1", "n_event_2", "n_censored"]
TIME_UNITS: tuple[str, ...] = ("days", "weeks", "months")

#: Hash of the count-table schema (columns, dtypes, meaning of the counts); sites and the pooling
#: side must agree on it.
SCHEMA_HASH: str = hashlib.sha256(
    json.dumps(
        {"columns": COLUMNS, "at_risk": "reverse cumulative sum of leaving within site/stratum/group", "version": 1},
        sort_keys=True,
    ).encode()
).hexdigest()[:16]


@dataclass(frozen=True, eq=False)
class CountTable:
    """A checked count frame with its time unit, disclosure rule and flags.

    Build it with :meth:`from_frame` (or :func:`count_frame` from patient columns); the frame is
    copied in and out, so the table cannot change after it is built.
    """

    _frame: pd.DataFrame = field(repr=False)
    time_unit: str = "months"
    disclosure: str = "none"
    flags: tuple[str, ...] = ()

    def __repr__(self) -> str:
        f = self._frame
        return (
            f"CountTable({len(f)} rows, sites {sorted(set(f['site']))}, time unit {self.time_unit!r}, "
            f"disclosure {self.disclosure!r}, {int(f[_COUNTS].to_numpy().sum())} records)"
        )

    @classmethod
    def from_frame(
        cls,
        frame: pd.DataFrame,
        *,
        time_unit: str = "months",
        disclosure: str = "none",
        flags: tuple[str, ...] | list[str] = (),
    ) -> CountTable:
        """Check a count frame (columns :data:`COLUMNS`), sum rows of the same cell, sort.

        Raises
        ------
        InputError
            A missing column, a bad time or count (naming the row), an unknown time unit.
        """
        import pandas as pd

        if time_unit not in TIME_UNITS:
            raise InputError(f"time_unit must be one of {', '.join(TIME_UNITS)}; got {time_unit!r}")
        missing = [c for c, _ in COLUMNS if c not in frame.columns]
        if missing:
            raise InputError(f"count frame: column(s) {', '.join(missing)} missing")
        out = pd.DataFrame({c: frame[c].fillna("").astype(str) for c in ("site", "stratum", "group")})
        out["time"] = pd.to_numeric(frame["time"], errors="coerce").astype("float64")
        bad = ~np.isfinite(out["time"].to_numpy()) | (out["time"].to_numpy() < 0)
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise InputError(f"count frame: row {i}: time must be finite and >= 0; got {frame['time'].iloc[i]!r}")
        for c in _COUNTS:
            vals = pd.to_numeric(frame[c], errors="coerce").to_numpy(dtype="float64")
            bad = ~np.isfinite(vals) | (vals < 0) | (vals != np.floor(vals))
            if bad.any():
                i = int(np.flatnonzero(bad)[0])
                raise InputError(f"count frame: row {i}: {c} must be a whole number >= 0; got {frame[c].iloc[i]!r}")
            out[c] = vals.astype("int64")
        out = out.groupby(_KEYS, sort=True, as_index=False)[_COUNTS].sum()
        out = out[out[_COUNTS].sum(axis=1) > 0].reset_index(drop=True)
        for c in _COUNTS:
            out[c] = out[c].astype("int64")
        return cls(out, time_unit=time_unit, disclosure=disclosure, flags=tuple(flags))

    def to_frame(self) -> pd.DataFrame:
        """The count frame (a copy)."""
        return self._frame.copy()

    @property
    def sites(self) -> tuple[str, ...]:
        return tuple(sorted(set(self._frame["site"].tolist())))

    @property
    def n_records(self) -> int:
        return int(self._frame[_COUNTS].to_numpy().sum())

    def to_dict(self) -> dict[str, Any]:
        """Envelope and columns as plain Python (JSON-ready)."""
        import rtdelay

        f = self._frame
        return {
            "rtdelay_version": rtdelay.__version__,
            "schema_hash": SCHEMA_HASH,
            "time_unit": self.time_unit,
            "disclosure": self.disclosure,
            "flags": list(self.flags),
            "columns": {c: f[c].tolist() for c, _ in COLUMNS},
        }

    @classmethod
    def from_dict(cls, doc: dict[str, Any]) -> CountTable:
        """The table of :meth:`to_dict`; a different schema hash is refused."""
        import pandas as pd

        if doc.get("schema_hash") != SCHEMA_HASH:
            raise InputError(
                f"count table schema hash {doc.get('schema_hash')!r} differs from this rtdelay's {SCHEMA_HASH!r}"
            )
        cols = doc.get("columns")
        if not isinstance(cols, dict):
            raise InputError("count table: 'columns' missing")
        return cls.from_frame(
            pd.DataFrame(cols),
            time_unit=str(doc.get("time_unit")),
            disclosure=str(doc.get("disclosure", "none")),
            flags=tuple(doc.get("flags", ())),
        )

    def to_counts(self, *, strata: str = "site", groups: tuple[str, ...] | None = None) -> EventCounts:
        """The array form for the statistics (:mod:`rtdelay.stats` ``*_counts`` functions).

        ``strata``: ``"site"`` (one stratum per site), ``"site+stratum"``, ``"stratum"`` or
        ``"none"``; ``groups``: the group order (else sorted).
        """
        from rtdelay.stats import event_counts

        f = self._frame
        if strata == "site":
            s = f["site"].to_numpy()
        elif strata == "site+stratum":
            s = (f["site"] + "|" + f["stratum"]).to_numpy()
        elif strata == "stratum":
            s = f["stratum"].to_numpy()
        elif strata == "none":
            s = None
        else:
            raise InputError(f"strata must be site, site+stratum, stratum or none; got {strata!r}")
        levels = None if groups is None else [g for g in groups if g in set(f["group"])]
        return event_counts(
            f["time"].to_numpy(),
            f["n_event_1"].to_numpy(),
            f["n_event_2"].to_numpy(),
            f["n_censored"].to_numpy(),
            group=f["group"].to_numpy(),
            strata=s,
            levels=levels,
        )


def count_frame(
    time: Any, cause: Any, *, site: str, group: Any = None, stratum: Any = None
) -> pd.DataFrame:
    """The count frame of patient columns (``cause`` 0 censored, 1 event, 2 competing).

    A small in-memory aggregation (numpy) for a site's own cohort; large files go through the
    aggregation engines of this package.
    """
    import pandas as pd

    from rtdelay.stats import count_records

    n = len(time)
    tab = count_records(
        np.asarray(time, dtype=float),
        np.asarray(cause),
        group=np.full(n, "all") if group is None else np.asarray(group).astype(str),
        strata=np.full(n, "") if stratum is None else np.asarray(stratum).astype(str),
    )
    return pd.DataFrame(
        {
            "site": np.full(len(tab), site, dtype=object),
            "stratum": [str(tab.stratum_labels[i]) for i in tab.stratum.tolist()],
            "group": [str(tab.group_labels[i]) for i in tab.group.tolist()],
            "time": tab.time.copy(),
            "n_event_1": tab.n_event_1.copy(),
            "n_event_2": tab.n_event_2.copy(),
            "n_censored": tab.n_censored.copy(),
        }
    )
