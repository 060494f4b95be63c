"""The count aggregation as one portable SQL statement (DuckDB and Spark SQL).

A *count spec* names the columns of a patient-level (or durations-form) table; the statement
turns every row into at most one contribution to a cell ``(site, stratum, group, time)``:

    n_event_1  rows whose event of interest happens at ``time``
    n_event_2  rows whose competing event happens at ``time`` (0 when there is none)
    n_censored rows censored at ``time``

Rows that break a rule are not dropped: the statement gives each its first failing rule
(``kind`` = ``rejected`` for a missing or invalid required value, ``excluded`` for an
eligibility criterion) and the result carries one row per rule with its count. Rules are checked
in the order they are listed, so every row is counted once.

Portability. The statement uses only what DuckDB (>= 1.0) and Spark SQL (>= 3.5) both accept:
``TRY_CAST``, ``TRIM``, ``LOWER``, ``isnan``, ``CASE``, ``CAST(... AS STRING/DOUBLE/BIGINT)``,
``GROUP BY`` and ``SUM``. The one difference between the engines is how an identifier is
quoted (``"name"`` in DuckDB, ```name``` in Spark); :func:`quote_identifier` does it for each
dialect, doubling the quote character, so any column name is safe. No value from the data or
the user is written into the statement: the only literals are this package's own constants
(rule labels, the words read as true/false, the eligibility lists), rendered by
:func:`string_literal` / :func:`number_literal`.

NaN in a numeric column counts as missing (as pandas reads it); +-inf and negative times are
invalid. Text columns are trimmed of spaces before they are read.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

__all__ = [
    "Check",
    "Competing",
    "CountSpec",
    "ColumnKind",
    "Dialect",
    "TRUE_TEXT",
    "FALSE_TEXT",
    "build_count_sql",
    "quote_identifier",
    "string_literal",
    "number_literal",
]

Dialect = Literal["duckdb", "spark"]
ColumnKind = Literal["text", "number", "boolean"]
"""How an engine stores a column: text (csv, object), number (int/float), boolean."""

#: Words read as true / false in a text flag column (trimmed, case-insensitive), as the cohort
#: rules read booleans (rtdelay.cohort TRUE_WORDS / FALSE_WORDS).
TRUE_TEXT: tuple[str, ...] = ("true", "yes", "y", "1", "t")
FALSE_TEXT: tuple[str, ...] = ("false", "no", "n", "0", "f")

#: Largest finite double; ``x < MAX_FINITE`` is false for +inf and NaN in both engines.
MAX_FINITE = 1.7976931348623157e308


@dataclass(frozen=True)
class Competing:
    """A competing event in its own columns: flag ``event`` (0/1) at time ``time``.

    With ``time=None`` the competing event happens at the main time column (one time, two
    flags). A row whose event of interest is 1 has cause 1; else a row whose competing flag is 1
    has cause 2 at the competing time; else it is censored at the main time.
    """

    event: str
    time: str | None = None


@dataclass(frozen=True)
class Check:
    """One more ordered rule on a column, beyond the required values of the spec.

    ``test`` is one of ``number`` (a finite number >= 0 is required), ``flag`` (true/false
    required), ``flag_if_given`` (true/false or blank), ``is_false`` (fails when the flag is false; blank passes), ``is_true`` (fails when
    true), ``not_in`` (fails when the trimmed text is not one of ``values``), ``at_least`` (fails
    when the number is >= ``limit``), ``blank`` (fails when blank). ``kind`` says how the failing
    rows are reported (``rejected`` or ``excluded``) and ``rule`` is the label they are counted
    under. A check on a column the table does not have is skipped unless it is ``blank`` (then
    every row fails it).
    """

    column: str
    test: Literal["number", "flag", "flag_if_given", "is_false", "is_true", "not_in", "at_least", "blank"]
    rule: str
    kind: Literal["rejected", "excluded"] = "excluded"
    values: tuple[str, ...] = ()
    limit: float = math.nan


@dataclass(frozen=True)
class CountSpec:
    """Which columns hold what, for one count aggregation (all names are column names).

    Parameters
    ----------
    time, event : str
        Time of the event or censoring (a finite number >= 0) and the event flag (0/1 or
        true/false). Both required: a row without them is rejected and counted.
    group, site, stratum : str, optional
        Grouping columns (text; blank is rejected). Without them the cell value is ``"all"``
        for the group, ``""`` for site and stratum.
    competing : str or Competing, optional
        The competing event: a flag column at the same time, or :class:`Competing`.
    group_labels : (str, str), optional
        Read ``group`` as a flag and label it ``group_labels[0]`` when true, ``[1]`` when false
        (e.g. ``("PBR", "NPBR")`` from ``prert_progression``).
    checks_before, checks_after : sequence of Check
        Further rules, checked before / after the spec's own required values.
    """

    time: str
    event: str
    group: str | None = None
    site: str | None = None
    stratum: str | None = None
    competing: str | Competing | None = None
    group_labels: tuple[str, str] | None = None
    checks_before: tuple[Check, ...] = field(default_factory=tuple)
    checks_after: tuple[Check, ...] = field(default_factory=tuple)

    def columns(self) -> tuple[str, ...]:
        """Every column the spec reads (in a stable order, no repeats)."""
        names: list[str] = []
        comp = self.competing
        comp_cols = (comp,) if isinstance(comp, str) else () if comp is None else (comp.event, comp.time)
        for name in (self.time, self.event, self.group, self.site, self.stratum, *comp_cols):
            if name is not None and name not in names:
                names.append(name)
        for check in (*self.checks_before, *self.checks_after):
            if check.column not in names:
                names.append(check.column)
        return tuple(names)


def quote_identifier(name: str, dialect: Dialect) -> str:
    """Quote a column name for ``dialect``: the quote character is doubled inside."""
    q = "`" if dialect == "spark" else '"'
    if "\x00" in name:
        raise ValueError("a column name cannot contain a NUL character")
    return q + name.replace(q, q + q) + q


def string_literal(value: str) -> str:
    """A SQL string literal of one of this package's constants (quotes doubled, ASCII only)."""
    if not value.isascii() or "\\" in value or "\n" in value:
        raise ValueError(f"not a safe constant for a SQL literal: {value!r}")
    return "'" + value.replace("'", "''") + "'"


def number_literal(value: float) -> str:
    """A SQL double literal (finite values only)."""
    if not math.isfinite(value):
        raise ValueError("only finite numbers are written into SQL")
    return f"CAST({float(value)!r} AS DOUBLE)"


class _Columns:
    """Expressions over the source columns of one statement (quoting and kinds).

    Each source column the spec reads is normalised once in an inner projection (``b<i>``:
    trimmed text, a double, or the boolean), then parsed once (``n<i>`` number, ``f<i>`` flag
    1/0/NULL, ``l<i>`` label); the rules and outputs refer to those aliases only.
    """

    def __init__(self, kinds: Mapping[str, ColumnKind], dialect: Dialect, names: Sequence[str]) -> None:
        self.kinds = kinds
        self.dialect = dialect
        self.index = {name: i for i, name in enumerate(n for n in names if n in kinds)}

    def base_projection(self) -> str:
        """``SELECT`` list of the inner projection over the source."""
        parts = []
        for name, i in self.index.items():
            c, kind = quote_identifier(name, self.dialect), self.kinds[name]
            if kind == "text":
                parts.append(f"TRIM({c}) AS b{i}")
                continue
            parts.append(f"CAST({c} AS DOUBLE) AS b{i}" if kind == "number" else f"{c} AS b{i}")
            parts.append(f"TRIM(CAST({c} AS STRING)) AS r{i}")
        return ", ".join(parts)

    def parsed_projection(self) -> str:
        """``SELECT`` list of the parsing projection (blank, number, flag, label per column)."""
        parts = []
        yes = ", ".join(string_literal(w) for w in TRUE_TEXT)
        no = ", ".join(string_literal(w) for w in FALSE_TEXT)
        for name, i in self.index.items():
            kind, b = self.kinds[name], f"b{i}"
            if kind == "text":
                parts += [
                    f"({b} IS NULL OR {b} = '') AS k{i}",
                    f"TRY_CAST({b} AS DOUBLE) AS n{i}",
                    f"(CASE WHEN LOWER({b}) IN ({yes}) THEN 1 WHEN LOWER({b}) IN ({no}) THEN 0 END) AS f{i}",
                    f"{b} AS l{i}",
                ]
            elif kind == "number":
                parts += [
                    f"({b} IS NULL OR isnan({b})) AS k{i}",
                    f"{b} AS n{i}",
                    f"(CASE WHEN {b} = 1 THEN 1 WHEN {b} = 0 THEN 0 END) AS f{i}",
                    f"r{i} AS l{i}",
                ]
            else:
                parts += [
                    f"({b} IS NULL) AS k{i}",
                    f"(CASE WHEN {b} THEN CAST(1 AS DOUBLE) WHEN NOT {b} THEN CAST(0 AS DOUBLE) END) AS n{i}",
                    f"(CASE WHEN {b} THEN 1 WHEN NOT {b} THEN 0 END) AS f{i}",
                    f"(CASE WHEN {b} THEN 'true' ELSE 'false' END) AS l{i}",
                ]
        return ", ".join(parts)

    def blank(self, name: str) -> str:
        return f"k{self.index[name]}"

    def number(self, name: str) -> str:
        return f"n{self.index[name]}"

    def valid_time(self, name: str) -> str:
        x = self.number(name)
        return f"({x} >= 0 AND {x} < {number_literal(MAX_FINITE)})"

    def flag(self, name: str) -> str:
        """1, 0 or NULL (anything else)."""
        return f"f{self.index[name]}"

    def label(self, name: str) -> str:
        return f"l{self.index[name]}"


def _check_sql(check: Check, cols: _Columns) -> str | None:
    """The predicate that is true when ``check`` fails (None: not applicable)."""
    if check.column not in cols.kinds:
        return "1 = 1" if check.test == "blank" else None
    name = check.column
    if check.test == "blank":
        return cols.blank(name)
    if check.test == "number":
        return f"NOT COALESCE({cols.valid_time(name)}, FALSE)"
    if check.test == "flag":
        return f"({cols.flag(name)} IS NULL)"
    if check.test == "flag_if_given":
        return f"(NOT {cols.blank(name)} AND {cols.flag(name)} IS NULL)"
    if check.test == "is_false":
        return f"COALESCE({cols.flag(name)} = 0, FALSE)"
    if check.test == "is_true":
        return f"COALESCE({cols.flag(name)} = 1, FALSE)"
    if check.test == "not_in":
        allowed = ", ".join(string_literal(v) for v in check.values)
        return f"NOT COALESCE({cols.label(name)} IN ({allowed}), FALSE)"
    if check.test == "at_least":
        return f"COALESCE({cols.number(name)} >= {number_literal(check.limit)}, FALSE)"
    raise ValueError(f"unknown check {check.test!r}")


def required_rules(spec: CountSpec) -> list[Check]:
    """The spec's own required values as rejected-row checks, in order."""
    rules: list[Check] = []

    def need(column: str | None, test: Literal["number", "flag", "blank"], what: str) -> None:
        if column is None:
            return
        rules.append(Check(column, "blank", f"{column}: missing", kind="rejected"))
        if test != "blank":
            rules.append(Check(column, test, f"{column}: {what}", kind="rejected"))

    need(spec.site, "blank", "")
    need(spec.stratum, "blank", "")
    need(spec.group, "flag" if spec.group_labels else "blank", "not true/false")
    need(spec.time, "number", "not a finite number >= 0")
    need(spec.event, "flag", "not 0/1 (true/false)")
    comp = spec.competing
    if isinstance(comp, str):
        need(comp, "flag", "not 0/1 (true/false)")
    elif comp is not None:
        need(comp.event, "flag", "not 0/1 (true/false)")
        if comp.time is not None:
            need(comp.time, "number", "not a finite number >= 0")
    return rules


def all_rules(spec: CountSpec) -> list[Check]:
    """Every rule in the order rows are checked (the first failing one counts)."""
    seen: set[str] = set()
    out: list[Check] = []
    for rule in (*spec.checks_before, *required_rules(spec), *spec.checks_after):
        if rule.rule not in seen:
            seen.add(rule.rule)
            out.append(rule)
    return out


def build_count_sql(
    spec: CountSpec,
    *,
    relation: str,
    kinds: Mapping[str, ColumnKind],
    dialect: Dialect,
) -> str:
    """The aggregation statement for ``spec`` over the view ``relation``.

    Parameters
    ----------
    spec : CountSpec
        The columns.
    relation : str
        Name of the registered view or table holding the rows (quoted here).
    kinds : mapping
        Storage kind of every source column the spec reads (``text``, ``number``, ``boolean``).
    dialect : {"duckdb", "spark"}
        Only the identifier quoting differs.

    Returns
    -------
    str
        A ``SELECT`` giving columns ``rule`` (NULL for rows counted, else the index of the
        first failing rule in :func:`all_rules`), ``site``,
        ``stratum``, ``grp``, ``t``, ``n_event_1``, ``n_event_2``, ``n_censored``.

    Raises
    ------
    KeyError
        A column the spec requires is not in ``kinds`` (the caller checks columns first).
    """
    for name in (spec.time, spec.event, spec.group, spec.site, spec.stratum):
        if name is not None and name not in kinds:
            raise KeyError(name)
    cols = _Columns(kinds, dialect, spec.columns())
    whens: list[str] = []
    for code, rule in enumerate(all_rules(spec)):
        pred = _check_sql(rule, cols)
        if pred is not None:
            whens.append(f"WHEN {pred} THEN {code}")
    rule_expr = f"CASE {' '.join(whens)} END" if whens else "CAST(NULL AS INTEGER)"

    event = cols.flag(spec.event)
    comp = spec.competing
    if comp is None:
        cause = f"(CASE WHEN {event} = 1 THEN 1 ELSE 0 END)"
        time = cols.number(spec.time)
    else:
        comp_event = cols.flag(comp if isinstance(comp, str) else comp.event)
        cause = f"(CASE WHEN {event} = 1 THEN 1 WHEN {comp_event} = 1 THEN 2 ELSE 0 END)"
        comp_time = None if isinstance(comp, str) else comp.time
        time = cols.number(spec.time)
        if comp_time is not None:
            time = f"(CASE WHEN {cause} = 2 THEN {cols.number(comp_time)} ELSE {time} END)"

    def label_or(name: str | None, default: str) -> str:
        return string_literal(default) if name is None else cols.label(name)

    if spec.group is not None and spec.group_labels is not None:
        yes, no = (string_literal(x) for x in spec.group_labels)
        group = f"(CASE WHEN {cols.flag(spec.group)} = 1 THEN {yes} ELSE {no} END)"
    else:
        group = label_or(spec.group, "all")
    site = label_or(spec.site, "")
    stratum = label_or(spec.stratum, "")
    src = quote_identifier(relation, dialect)
    base = f"SELECT {cols.base_projection()} FROM {src}"
    parsed = f"SELECT {cols.parsed_projection()} FROM ({base}) base_"
    inner = (
        f"SELECT {rule_expr} AS rule_, {site} AS site_, {stratum} AS stratum_, {group} AS grp_, "
        f"{time} AS t_, {cause} AS cause_ FROM ({parsed}) parsed_"
    )
    keep = "rule_ IS NULL"
    return (
        "SELECT rule_ AS rule, "
        f"CASE WHEN {keep} THEN site_ END AS site, "
        f"CASE WHEN {keep} THEN stratum_ END AS stratum, "
        f"CASE WHEN {keep} THEN grp_ END AS grp, "
        f"CASE WHEN {keep} THEN t_ END AS t, "
        "CAST(SUM(CASE WHEN cause_ = 1 THEN 1 ELSE 0 END) AS BIGINT) AS n_event_1, "
        "CAST(SUM(CASE WHEN cause_ = 2 THEN 1 ELSE 0 END) AS BIGINT) AS n_event_2, "
        "CAST(SUM(CASE WHEN cause_ = 0 THEN 1 ELSE 0 END) AS BIGINT) AS n_censored "
        f"FROM ({inner}) rows_ "
        "GROUP BY 1, 2, 3, 4, 5"
    )


#: Signature of an engine's runner: (spec, source) -> raw result frame of build_count_sql.
Runner = Callable[[CountSpec, object], object]


def columns_missing(spec: CountSpec, available: Sequence[str]) -> list[str]:
    """Spec columns (time, event, group, site, stratum, competing) the source does not have."""
    have = set(available)
    comp = spec.competing
    comp_cols = (comp,) if isinstance(comp, str) else () if comp is None else (comp.event, comp.time)
    need = (spec.time, spec.event, spec.group, spec.site, spec.stratum, *comp_cols)
    return [c for c in need if c is not None and c not in have]
