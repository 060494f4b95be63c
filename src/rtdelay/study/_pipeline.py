"""The seed study as one pure function: included patients in, :class:`StudyResults` out.

No file is read or written and nothing is drawn here; ``rtdelay.cli`` and ``rtdelay.report``
do the I/O. Each analysis that cannot be done on the data at hand (no PBR patient, one
operation type, an absent QoL column...) gives NaN/None and a note instead of an error.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from rtdelay.errors import InputError
from rtdelay.study._beyond import run_beyond
from rtdelay.study._common import GROUPS, Notes
from rtdelay.study._complications import complication_results
from rtdelay.study._interval import interval_results
from rtdelay.study._outcomes import DEFAULT_TIMES, endpoint_results, followup_results
from rtdelay.study._results import StudyResults
from rtdelay.study._table1 import table1
from rtdelay.study._table2 import table2

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["run", "REQUIRED_COLUMNS"]

#: Columns without which no analysis of the study can run.
REQUIRED_COLUMNS: tuple[str, ...] = ("group", "ti_months")


def _check(included: Any, pbr_times: Sequence[float], rate_time: float) -> pd.DataFrame:
    import pandas as pd

    if not isinstance(included, pd.DataFrame):
        raise InputError(f"run() takes the included patients as a pandas DataFrame, not {type(included).__name__}")
    missing = [c for c in REQUIRED_COLUMNS if c not in included.columns]
    if missing:
        raise InputError(
            f"the included-patients frame lacks column(s) {', '.join(missing)}; "
            "pass the frame of rtdelay.cohort.read_cohort(...).eligibility.included"
        )
    bad = sorted(set(included["group"].astype(str)) - set(GROUPS))
    if bad:
        raise InputError(f"column group must be PBR or NPBR; found {', '.join(map(repr, bad))}")
    for t in (*pbr_times, rate_time):
        if not (isinstance(t, (int, float)) and math.isfinite(t) and t > 0):
            raise InputError(f"times must be positive numbers of months; got {t!r}")
    return included.reset_index(drop=True)


def run(
    included: pd.DataFrame,
    *,
    complications: pd.DataFrame | None = None,
    flow: Mapping[str, Any] | None = None,
    pbr_times: Sequence[float] = (1, 3, 6),
    rate_time: float = 12.0,
    times: Sequence[float] = DEFAULT_TIMES,
    beyond: bool = True,
    min_events_per_coef: float = 5.0,
) -> StudyResults:
    """Run every analysis of Gong et al. (Radiat Oncol 2021;16:21) on the eligible patients.

    Parameters
    ----------
    included : pandas.DataFrame
        Eligible patients in derived form (``rtdelay.cohort``): ``group`` (PBR/NPBR),
        ``ti_months``, ``lc_months``/``lc_event``, ``os_months``/``os_event``,
        ``followup_months``, the Table 1 and Table 2 columns. Absent optional columns give
        notes, not errors.
    complications : pandas.DataFrame, optional
        One row per complication (patient_id, phase, complication, date).
    flow : mapping, optional
        Eligibility flow counts, kept in the results as given.
    pbr_times : sequence of float
        Months at which the risk of progression before RT is read (article: 1, 3, 6).
    rate_time : float
        Months after RT start at which local control and survival are read (article: 12).
    times : sequence of float
        Months after RT start of the rates in the survival table and the text (default 6, 12,
        24; the command line's ``--times``).
    beyond : bool
        Also run the analyses that improve on the article's methods
        (:func:`rtdelay.study._beyond.run_beyond`: current-status risk of progression while
        waiting, competing-risk local control, adjusted Cox models, landmark).
    min_events_per_coef : float
        A Cox model with fewer events per coefficient is not fitted but reported as not
        estimable (Vittinghoff & McCulloch 2007; default 5).

    Returns
    -------
    StudyResults

    Raises
    ------
    InputError
        ``included`` is not a frame with ``group`` and ``ti_months``, or a time is not positive.
    """
    frame = _check(included, [*pbr_times, *times], rate_time)
    rate_times = tuple(sorted({float(t) for t in times}))
    notes = Notes()
    if len(frame) == 0:
        notes.add("no eligible patient: every analysis is empty")
    groups = frame["group"].astype(str)
    n_by_group = {g: int((groups == g).sum()) for g in GROUPS}
    for g, k in n_by_group.items():
        if k == 0 and len(frame):
            notes.add(f"no {g} patient: comparisons between groups not computed")
    t1 = table1(frame, notes)
    interval = interval_results(frame, notes, pbr_times=[float(t) for t in pbr_times])
    lc = endpoint_results(frame, "local_control", notes, rate_time=float(rate_time), times=rate_times)
    os_ = endpoint_results(frame, "overall_survival", notes, rate_time=float(rate_time), times=rate_times)
    fu = followup_results(frame, notes)
    t2 = table2(frame, notes)
    comp = complication_results(frame, complications, notes) if complications is not None else None
    extra = None
    if beyond and len(frame):
        look = frame
        if "inspection_months" not in frame.columns:
            notes.add("inspection_months absent: the pre-RT MRI is taken to be at the start of RT")
            look = frame.assign(inspection_months=frame["ti_months"])
        extra = run_beyond(
            look, rate_time=float(rate_time), min_events_per_coef=min_events_per_coef
        )
    return StudyResults(
        n_patients=len(frame),
        n_by_group=n_by_group,
        table1=t1,
        interval=interval,
        local_control=lc,
        overall_survival=os_,
        followup=fu,
        table2=t2,
        complications=comp,
        flow=dict(flow) if flow is not None else None,
        notes=notes.as_tuple(),
        beyond=extra,
    )
