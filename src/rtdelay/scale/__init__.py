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

from rtdelay._lazy import lazy_attributes

if TYPE_CHECKING:
    from rtdelay.scale._counts import COLUMNS, SCHEMA_HASH, TIME_UNITS, CountTable, count_frame
    from rtdelay.scale._disclosure import (
        MIN_SITE_PATIENTS,
        PRESETS,
        DisclosureRule,
        apply_rule,
        get_rule,
    )
    from rtdelay.scale._engines import (
        COUNT_COLUMNS,
        ENGINES,
        CountAggregation,
        DuckDBSettings,
        aggregate_counts,
        aggregate_spec,
        default_engine,
        duckdb_settings,
        engine_available,
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
    from rtdelay.scale._site_counts import NOT_FROM_COUNTS, analyze_counts, summaries_from_counts
    from rtdelay.scale._sql import Check, Competing, CountSpec, build_count_sql
    from rtdelay.scale._study_counts import STUDY_ANALYSES, StudyCounts, study_counts

# Every name loads its module on first use: ``from rtdelay.scale import aggregate_counts`` (the
# DuckDB path) imports neither scipy (pooling, Cox) nor pyspark, which keeps its resident memory
# down (issue 16: 10 M rows under 500 MB).
_LAZY: dict[str, str] = {
    "COLUMNS": "_counts",
    "SCHEMA_HASH": "_counts",
    "TIME_UNITS": "_counts",
    "CountTable": "_counts",
    "count_frame": "_counts",
    "MIN_SITE_PATIENTS": "_disclosure",
    "PRESETS": "_disclosure",
    "DisclosureRule": "_disclosure",
    "apply_rule": "_disclosure",
    "get_rule": "_disclosure",
    "load_summaries": "_pool",
    "pool_summaries": "_pool",
    "pool_report_html": "_pool_report",
    "write_pool_outputs": "_pool_report",
    "SUMMARY_FORMAT": "_site",
    "TABLES": "_site",
    "site_summary": "_site",
    "site_summary_of_counts": "_site",
    "site_summary_of_frame": "_site",
    "COUNT_COLUMNS": "_engines",
    "ENGINES": "_engines",
    "CountAggregation": "_engines",
    "DuckDBSettings": "_engines",
    "aggregate_counts": "_engines",
    "aggregate_spec": "_engines",
    "default_engine": "_engines",
    "duckdb_settings": "_engines",
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
    "DuckDBSettings",
    "aggregate_counts",
    "aggregate_spec",
    "default_engine",
    "duckdb_settings",
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

__getattr__, __dir__ = lazy_attributes(__name__, _LAZY, __all__)
