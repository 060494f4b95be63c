"""Multi-site and registry scale: count tables as the one interchange.

A site turns its patient rows into count tables (per site, stratum, group and time: events by
cause and censorings), applies disclosure control and sends only those
(:func:`site_summary`); the pooling side runs the study's survival analyses on them
(:func:`pool_summaries`). The statistics themselves live in :mod:`rtdelay.stats` (array form
:class:`rtdelay.stats.EventCounts`); this package holds the pandas frame, the JSON envelope,
disclosure control, pooling and the aggregation engines.
"""

from __future__ import annotations

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
]
