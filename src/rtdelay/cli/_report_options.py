"""Report options shared by ``analyze`` and ``demo``: ``--title``, ``--institution``,
``--times`` and the TOML file ``--config`` that can hold them.

A config file (UTF-8 TOML) may give::

    title = "Radiotherapy waiting times, University Hospital X, 2015-2020"
    institution = "Department of Radiation Oncology, University Hospital X"
    times = [6, 12, 24]

Options on the command line win over the file. Unknown keys are an error naming the key, so
that a misspelt option is not silently ignored.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from rtdelay.cli._app import fail, parse_float_list

__all__ = ["ReportOptions", "report_options", "CONFIG_KEYS"]

CONFIG_KEYS = ("title", "institution", "times")


@dataclasses.dataclass(frozen=True)
class ReportOptions:
    title: str | None = None
    institution: str | None = None
    times: tuple[float, ...] = (6.0, 12.0, 24.0)


def _load_config(path: Path) -> dict[str, object]:
    import tomllib

    if path.is_dir():
        fail(f"--config must be a TOML file; {path} is a folder")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        fail(f"--config: file not found: {path}")
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        fail(f"--config {path} is not valid TOML: {exc}")
    unknown = sorted(set(data) - set(CONFIG_KEYS))
    if unknown:
        fail(f"--config {path}: unknown key(s) {', '.join(unknown)}; allowed: {', '.join(CONFIG_KEYS)}")
    return data


def _times(value: object, *, source: str) -> tuple[float, ...]:
    if isinstance(value, str):
        parsed = parse_float_list(value, option=source) or []
    elif isinstance(value, list) and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in value):
        parsed = [float(v) for v in value]
    else:
        fail(f"{source} takes months as numbers, e.g. 6,12,24")
    if not parsed or any(not (t > 0 and t < 1e6) for t in parsed):
        fail(f"{source} takes positive months, e.g. 6,12,24; got {value!r}")
    return tuple(sorted(set(parsed)))


def _text(value: object, *, source: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        fail(f"{source} must be text")
    text = " ".join(value.split())
    return text or None


def report_options(
    *, config: Path | None, title: str | None, institution: str | None, times: str | None
) -> ReportOptions:
    """Merge ``--config`` with the options given on the command line (which win)."""
    data: dict[str, object] = _load_config(config) if config is not None else {}
    where = f"--config {config}" if config is not None else ""
    out = ReportOptions(
        title=_text(data.get("title"), source=f"{where}: title"),
        institution=_text(data.get("institution"), source=f"{where}: institution"),
    )
    if "times" in data:
        out = dataclasses.replace(out, times=_times(data["times"], source=f"{where}: times"))
    if title is not None:
        out = dataclasses.replace(out, title=_text(title, source="--title"))
    if institution is not None:
        out = dataclasses.replace(out, institution=_text(institution, source="--institution"))
    if times is not None:
        out = dataclasses.replace(out, times=_times(times, source="--times"))
    return out
