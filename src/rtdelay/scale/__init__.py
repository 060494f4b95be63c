"""Count tables as the interchange: aggregation engines (DuckDB, pandas, Spark), pooling.

The public names are loaded lazily: ``import rtdelay.scale`` imports neither pandas, DuckDB nor
pyspark.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rtdelay._lazy import lazy_attributes

if TYPE_CHECKING:
    # -- engines (issue 16, Scale) --
    from rtdelay.scale._engines import (
        COUNT_COLUMNS,
        ENGINES,
        CountAggregation,
        aggregate_counts,
        aggregate_spec,
        default_engine,
        engine_available,
    )
    from rtdelay.scale._sql import Check, Competing, CountSpec, build_count_sql
    from rtdelay.scale._study_counts import STUDY_ANALYSES, StudyCounts, study_counts

_LAZY: dict[str, str] = {
    # -- engines (issue 16, Scale) --
    "COUNT_COLUMNS": "_engines",
    "ENGINES": "_engines",
    "CountAggregation": "_engines",
    "aggregate_counts": "_engines",
    "aggregate_spec": "_engines",
    "default_engine": "_engines",
    "engine_available": "_engines",
    "Check": "_sql",
    "Competing": "_sql",
    "CountSpec": "_sql",
    "build_count_sql": "_sql",
    "STUDY_ANALYSES": "_study_counts",
    "StudyCounts": "_study_counts",
    "study_counts": "_study_counts",
}

__all__ = [
    "COUNT_COLUMNS",
    "ENGINES",
    "CountAggregation",
    "aggregate_counts",
    "aggregate_spec",
    "default_engine",
    "engine_available",
    "Check",
    "Competing",
    "CountSpec",
    "build_count_sql",
    "STUDY_ANALYSES",
    "StudyCounts",
    "study_counts",
]

__getattr__, __dir__ = lazy_attributes(__name__, _LAZY, __all__)
