"""Cohort input of rtdelay: schema as data, loading, validation, derivation and eligibility.

Pipeline: ``load_table`` (csv, xlsx, sav) -> ``validate_cohort`` (row issues, quarantine) ->
``derive_cohort`` (intervals, groups, outcomes) -> ``apply_eligibility`` (flow counts).
``read_cohort`` runs all four. The column rules live in ``COLUMNS`` (DATA_DICTIONARY.md).

The public names are loaded lazily so that ``import rtdelay.cohort`` stays cheap.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rtdelay._lazy import lazy_attributes

if TYPE_CHECKING:
    from rtdelay.cohort._complications import ComplicationsValidation, validate_complications
    from rtdelay.cohort._derive import derive_cohort
    from rtdelay.cohort._dictionary import (
        REDCAP_COMPLICATION_PREFIX,
        dictionary_csv,
        dictionary_markdown,
        dictionary_redcap,
    )
    from rtdelay.cohort._eligibility import (
        CRITERIA,
        EXCLUSION_LABELS,
        EXCLUSION_REASONS,
        INTERVAL_LIMIT_MONTHS,
        CohortData,
        EligibilityResult,
        add_validation,
        apply_eligibility,
        read_cohort,
    )
    from rtdelay.cohort._export import cell_text, csv_text, escape_formula, write_table, xml_safe
    from rtdelay.cohort._load import RawTable, load_table
    from rtdelay.cohort._mapping import read_mapping
    from rtdelay.cohort._schema import (
        CATEGORY_SYNONYMS,
        COLUMNS,
        COMPLICATION_COLUMNS,
        ELIGIBLE_RT_TECHNIQUES,
        ELIGIBLE_SURGERY_TYPES,
        ESCC_GRADES,
        HISTOLOGIES,
        HISTOLOGY_SYNONYMS,
        MONTH_DAYS,
        RT_TECHNIQUES,
        SURGERY_TYPES,
        ColumnSpec,
    )
    from rtdelay.cohort._template import write_template
    from rtdelay.cohort._validate import ValidationResult, validate_cohort

_LAZY: dict[str, str] = {
    "ComplicationsValidation": "_complications",
    "validate_complications": "_complications",
    "ColumnSpec": "_schema",
    "COLUMNS": "_schema",
    "COMPLICATION_COLUMNS": "_schema",
    "ESCC_GRADES": "_schema",
    "HISTOLOGY_SYNONYMS": "_schema",
    "MONTH_DAYS": "_schema",
    "CATEGORY_SYNONYMS": "_schema",
    "HISTOLOGIES": "_schema",
    "SURGERY_TYPES": "_schema",
    "RT_TECHNIQUES": "_schema",
    "ELIGIBLE_SURGERY_TYPES": "_schema",
    "ELIGIBLE_RT_TECHNIQUES": "_schema",
    "INTERVAL_LIMIT_MONTHS": "_eligibility",
    "ValidationResult": "_validate",
    "validate_cohort": "_validate",
    "derive_cohort": "_derive",
    "CRITERIA": "_eligibility",
    "EXCLUSION_LABELS": "_eligibility",
    "EXCLUSION_REASONS": "_eligibility",
    "EligibilityResult": "_eligibility",
    "apply_eligibility": "_eligibility",
    "add_validation": "_eligibility",
    "CohortData": "_eligibility",
    "read_cohort": "_eligibility",
    "RawTable": "_load",
    "load_table": "_load",
    "read_mapping": "_mapping",
    "write_table": "_export",
    "escape_formula": "_export",
    "cell_text": "_export",
    "csv_text": "_export",
    "xml_safe": "_export",
    "write_template": "_template",
    "dictionary_markdown": "_dictionary",
    "dictionary_csv": "_dictionary",
    "dictionary_redcap": "_dictionary",
    "REDCAP_COMPLICATION_PREFIX": "_dictionary",
}

__all__ = [
    "ComplicationsValidation",
    "validate_complications",
    "CATEGORY_SYNONYMS",
    "COLUMNS",
    "COMPLICATION_COLUMNS",
    "CRITERIA",
    "CohortData",
    "ColumnSpec",
    "ESCC_GRADES",
    "EXCLUSION_LABELS",
    "EXCLUSION_REASONS",
    "EligibilityResult",
    "HISTOLOGIES",
    "HISTOLOGY_SYNONYMS",
    "MONTH_DAYS",
    "SURGERY_TYPES",
    "RT_TECHNIQUES",
    "ELIGIBLE_SURGERY_TYPES",
    "ELIGIBLE_RT_TECHNIQUES",
    "INTERVAL_LIMIT_MONTHS",
    "RawTable",
    "ValidationResult",
    "apply_eligibility",
    "add_validation",
    "derive_cohort",
    "load_table",
    "read_cohort",
    "read_mapping",
    "validate_cohort",
    "write_table",
    "write_template",
    "dictionary_markdown",
    "dictionary_csv",
    "dictionary_redcap",
    "REDCAP_COMPLICATION_PREFIX",
    "escape_formula",
    "cell_text",
    "csv_text",
    "xml_safe",
]


__getattr__, __dir__ = lazy_attributes(__name__, _LAZY, __all__)
