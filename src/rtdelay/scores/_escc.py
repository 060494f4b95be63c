"""Bilsky epidural spinal cord compression (ESCC) scale.

Bilsky MH, Laufer I, Fourney DR, et al. Reliability analysis of the epidural spinal cord
compression scale. J Neurosurg Spine 2010;13:324-8. Graded on axial T2 MRI at the level of
worst compression (DOMAIN.md section 4).

Six ordered grades 0 < 1a < 1b < 1c < 2 < 3. Low grade (0, 1a, 1b): without instability,
radiotherapy (including SBRT) first. Grade 1c: the role of surgery versus SBRT is
controversial; it is not high grade here. High grade (2, 3): decompression (e.g. separation
surgery) before radiotherapy unless the tumour is highly radiosensitive.
"""

from __future__ import annotations

import numbers
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from rtdelay.errors import InputError
from rtdelay.scores._common import invalid

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["ESCC_GRADES", "ESCC_MEANINGS", "EsccResult", "escc", "escc_grade"]

#: The six grades in order (lowest first).
ESCC_GRADES: tuple[str, ...] = ("0", "1a", "1b", "1c", "2", "3")

#: Grade -> meaning (paraphrase of Bilsky 2010 via DOMAIN.md section 4).
ESCC_MEANINGS: Mapping[str, str] = MappingProxyType(
    {
        "0": "bone-only disease",
        "1a": "epidural impingement; thecal sac not deformed",
        "1b": "thecal sac deformed; spinal cord not touched",
        "1c": "thecal sac deformed and cord abutted, but cord not compressed",
        "2": "cord compressed; CSF still visible around the cord",
        "3": "cord compressed; no CSF visible around the cord",
    }
)

_HIGH = frozenset({"2", "3"})
_NOTES = {
    "low grade": "without instability, radiotherapy (including SBRT) first",
    "1c": "grade 1c: role of surgery versus SBRT is controversial",
    "high grade": (
        "decompression (e.g. separation surgery) before radiotherapy unless the tumour is "
        "highly radiosensitive (e.g. lymphoma, myeloma, seminoma)"
    ),
}
_EXPECTED = "one of 0, 1a, 1b, 1c, 2, 3 (integers 0, 2, 3 also accepted)"


@dataclass(frozen=True)
class EsccResult:
    """Bilsky ESCC grade with its meaning.

    Attributes
    ----------
    name : str
        ``"escc"``.
    grade : str
        Canonical grade, one of :data:`ESCC_GRADES`.
    ordinal : int
        Position in the ordered scale, 0 (grade 0) to 5 (grade 3).
    category : str
        ``"low grade"`` (0, 1a, 1b, 1c) or ``"high grade"`` (2, 3).
    high_grade : bool
        ``grade in {"2", "3"}``.
    meaning : str
        What the grade describes on MRI.
    note : str
        Usual management implication (for 1c: that it is controversial).
    """

    name: str
    grade: str
    ordinal: int
    category: str
    high_grade: bool
    meaning: str
    note: str

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready dictionary."""
        return {
            "name": self.name,
            "grade": self.grade,
            "ordinal": self.ordinal,
            "category": self.category,
            "high_grade": self.high_grade,
            "meaning": self.meaning,
            "note": self.note,
        }

    def to_frame(self) -> pd.DataFrame:
        """A one-row DataFrame of :meth:`to_dict`."""
        import pandas as pd

        return pd.DataFrame([self.to_dict()])


def escc_grade(value: object) -> str:
    """Canonical ESCC grade of ``value``.

    Accepts ``"0"``, ``"1a"``/``"1A"``, ``"1b"``, ``"1c"``, ``"2"``, ``"3"`` (surrounding
    spaces ignored) and the integers 0, 2, 3. The integer 1 and ``"1"`` are rejected: they do
    not say which of 1a, 1b, 1c.

    Raises
    ------
    InputError
        Any other value; the message lists the allowed grades.
    """
    if isinstance(value, bool):
        raise invalid("escc grade", value, _EXPECTED)
    if isinstance(value, numbers.Integral):
        text = str(int(value))
    elif isinstance(value, str):
        text = value.strip().lower()
    else:
        raise invalid("escc grade", value, _EXPECTED)
    if text in ESCC_GRADES:
        return text
    if text == "1":
        raise InputError(
            f"escc grade 1 is ambiguous; give 1a, 1b or 1c (allowed: 0, 1a, 1b, 1c, 2, 3); got {value!r}"
        )
    raise invalid("escc grade", value, _EXPECTED)


def escc(grade: object) -> EsccResult:
    """Bilsky ESCC grade with its category, high-grade flag and meaning.

    Parameters
    ----------
    grade : str or int
        One of ``"0", "1a", "1b", "1c", "2", "3"`` (case-insensitive) or the integers 0, 2, 3.

    Returns
    -------
    EsccResult
        ``high_grade`` is True for grades 2 and 3; ``category`` ``"low grade"`` otherwise
        (1c included, with a note that its management is controversial).

    References
    ----------
    Bilsky MH et al. J Neurosurg Spine 2010;13:324-8.
    """
    canonical = escc_grade(grade)
    high = canonical in _HIGH
    category = "high grade" if high else "low grade"
    note = _NOTES["1c"] if canonical == "1c" else _NOTES[category]
    return EsccResult(
        name="escc",
        grade=canonical,
        ordinal=ESCC_GRADES.index(canonical),
        category=category,
        high_grade=high,
        meaning=ESCC_MEANINGS[canonical],
        note=note,
    )
