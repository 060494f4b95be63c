"""Multi-site and registry scale: count tables as the one interchange.

A site turns its patient rows into count tables (per site, stratum, group and time: events by
cause and censorings), applies disclosure control and sends only those
(:func:`site_summary`); the pooling side runs the study's survival analyses on them
(:func:`pool_summaries`). The statistics themselves live in :mod:`rtdelay.stats` (array form
:class:`rtdelay.stats.EventCounts`); this package holds the pandas frame, the JSON envelope,
disclosure control, pooling and the aggregation engines.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rtdelay.scale._counts import COLUMNS, SCHEMA_HASH, TIME_UNITS, CountTable, count_frame
from rtdelay.scale._disclosure import (
    MIN_SITE_PATIENTS,
    PRESETS,
    DisclosureRule,
    apply_rule,
    get_rule,
)
from rtdelay.scale._pool import load_summaries, pool_summaries
from rtdelay.scale._pool_report import pool_report_html, write_pool_outputs
from rtdelay.scale._site import (
    SUMMARY_FORMAT,
    TABLES,
    site_summary,
    site_summary_of_counts,
    site_summary_of_frame,
)

if TYPE_CHECKING:
    from rtdelay.scale._engines import (
        COUNT_COLUMNS,
        ENGINES,
        CountAggregation,
        aggregate_counts,
        aggregate_spec,
        default_engine,
        engine_available,
    )
    from rtdelay.scale._site_counts import NOT_FROM_COUNTS, analyze_counts, summaries_from_counts
    from rtdelay.scale._sql import Check, Competing, CountSpec, build_count_sql
    from rtdelay.scale._study_counts import STUDY_ANALYSES, StudyCounts, study_counts

# -- aggregation engines (issue 16, Scale; branch issue-16b): loaded lazily so that importing
# the package imports neither DuckDB nor pyspark. --
_ENGINE_NAMES: dict[str, str] = {
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
    "NOT_FROM_COUNTS": "_site_counts",
    "analyze_counts": "_site_counts",
    "summaries_from_counts": "_site_counts",
}


def __getattr__(name: str) -> object:
    if name in _ENGINE_NAMES:
        import importlib

        return getattr(importlib.import_module(f"rtdelay.scale.{_ENGINE_NAMES[name]}"), name)
    raise AttributeError(f"module 'rtdelay.scale' has no attribute {name!r}")


__all__ = [
    "COLUMNS",
    "MIN_SITE_PATIENTS",
    "PRESETS",
    "SCHEMA_HASH",
    "SUMMARY_FORMAT",
    "TABLES",
    "TIME_UNITS",
    "CountTable",
    "DisclosureRule",
    "apply_rule",
    "count_frame",
    "get_rule",
    "load_summaries",
    "pool_report_html",
    "pool_summaries",
    "site_summary",
    "site_summary_of_counts",
    "site_summary_of_frame",
    "write_pool_outputs",
    # engines (lazy)
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
    "NOT_FROM_COUNTS",
    "analyze_counts",
    "summaries_from_counts",
]
