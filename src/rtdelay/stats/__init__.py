"""Numerical engine of rtdelay: survival, competing risks, current status, Cox, rank tests.

Everything works on array-likes and returns frozen dataclasses with ``to_frame()`` and
``to_dict()``. Numbers agree with R (survival, cmprsk, stats); see ``tests/reference``.

The public names are loaded lazily so that ``import rtdelay.stats`` stays cheap.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rtdelay._lazy import lazy_attributes

if TYPE_CHECKING:
    from rtdelay.stats._competing import CumulativeIncidence, cumulative_incidence, gray_test
    from rtdelay.stats._contingency import chi_square, fisher_exact
    from rtdelay.stats._counts import EventCounts, count_records, event_counts
    from rtdelay.stats._cox import CoxResult, cox_ph
    from rtdelay.stats._cox_zph import PHTest
    from rtdelay.stats._current_status import (
        CurrentStatusBand,
        StepFunction,
        current_status_ci,
        current_status_npmle,
    )
    from rtdelay.stats._current_status_lr import (
        CurrentStatusInterval,
        current_status_lr_ci,
        current_status_lr_statistic,
    )
    from rtdelay.stats._from_counts import (
        cumulative_incidence_counts,
        gray_test_counts,
        kaplan_meier_counts,
        logrank_counts,
    )
    from rtdelay.stats._km import SurvivalCurve, kaplan_meier
    from rtdelay.stats._logrank import logrank_test, logrank_trend_test
    from rtdelay.stats._logrank_pairwise import PairwiseLogrank, pairwise_logrank
    from rtdelay.stats._rank import mann_whitney, wilcoxon_signed_rank
    from rtdelay.stats._results import ResultMixin, TestResult, jsonable

_LAZY: dict[str, str] = {
    "SurvivalCurve": "_km",
    "kaplan_meier": "_km",
    "logrank_test": "_logrank",
    "logrank_trend_test": "_logrank",
    "pairwise_logrank": "_logrank_pairwise",
    "PairwiseLogrank": "_logrank_pairwise",
    "CumulativeIncidence": "_competing",
    "cumulative_incidence": "_competing",
    "gray_test": "_competing",
    "StepFunction": "_current_status",
    "CurrentStatusBand": "_current_status",
    "current_status_npmle": "_current_status",
    "current_status_ci": "_current_status",
    "CurrentStatusInterval": "_current_status_lr",
    "current_status_lr_ci": "_current_status_lr",
    "current_status_lr_statistic": "_current_status_lr",
    "CoxResult": "_cox",
    "PHTest": "_cox_zph",
    "cox_ph": "_cox",
    "mann_whitney": "_rank",
    "wilcoxon_signed_rank": "_rank",
    "chi_square": "_contingency",
    "fisher_exact": "_contingency",
    "EventCounts": "_counts",
    "count_records": "_counts",
    "event_counts": "_counts",
    "kaplan_meier_counts": "_from_counts",
    "logrank_counts": "_from_counts",
    "cumulative_incidence_counts": "_from_counts",
    "gray_test_counts": "_from_counts",
    "TestResult": "_results",
    "ResultMixin": "_results",
    "jsonable": "_results",
}

__all__ = [
    "CoxResult",
    "CumulativeIncidence",
    "CurrentStatusBand",
    "EventCounts",
    "CurrentStatusInterval",
    "PHTest",
    "PairwiseLogrank",
    "StepFunction",
    "SurvivalCurve",
    "ResultMixin",
    "TestResult",
    "chi_square",
    "count_records",
    "cox_ph",
    "cumulative_incidence",
    "cumulative_incidence_counts",
    "current_status_ci",
    "current_status_lr_ci",
    "current_status_lr_statistic",
    "current_status_npmle",
    "event_counts",
    "fisher_exact",
    "gray_test",
    "gray_test_counts",
    "jsonable",
    "kaplan_meier",
    "kaplan_meier_counts",
    "logrank_counts",
    "logrank_test",
    "logrank_trend_test",
    "mann_whitney",
    "pairwise_logrank",
    "wilcoxon_signed_rank",
]


__getattr__, __dir__ = lazy_attributes(__name__, _LAZY, __all__)
