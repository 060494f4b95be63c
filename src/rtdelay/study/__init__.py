"""The seed study (Gong et al., Radiat Oncol 2021;16:21) as a pure pipeline.

``run(included, ...) -> StudyResults`` computes Table 1, the time from surgery to RT and the
risk of progression before RT, local control and overall survival from RT start, follow-up,
Table 2 (quality of life) and complications on the eligible patients, with no file I/O and no
plotting. ``results_to_json`` maps the results onto the ``results.json`` document whose
paper-facing keys match ``paper_targets.json``.
"""

from rtdelay.study._json import results_to_json
from rtdelay.study._pipeline import REQUIRED_COLUMNS, run
from rtdelay.study._results import (
    Complications,
    EndpointResults,
    FollowUp,
    HazardRatio,
    IntervalResults,
    MedianSurvival,
    PbrCase,
    QolGroup,
    QolMeasure,
    RiskAt,
    RtComplication,
    StudyResults,
    Summary,
    Table1,
    Table1Row,
    Table2,
)

__all__ = [
    "run",
    "results_to_json",
    "REQUIRED_COLUMNS",
    "StudyResults",
    "Summary",
    "Table1",
    "Table1Row",
    "Table2",
    "RiskAt",
    "PbrCase",
    "IntervalResults",
    "EndpointResults",
    "FollowUp",
    "MedianSurvival",
    "HazardRatio",
    "QolGroup",
    "QolMeasure",
    "Complications",
    "RtComplication",
]
