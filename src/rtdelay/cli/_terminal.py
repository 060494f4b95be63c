"""Text from the data, made safe for the terminal.

A patient_id, a group label or a file name is data: printed as it is, ``[/]`` in it breaks
rich's markup (a traceback), ``[link=https://...]`` makes a spoofed hyperlink, and an escape
sequence (``ESC ] 0 ; title BEL``, ``ESC [ 2 J``) sets the window title or clears the screen.
:func:`plain` removes escape sequences and control characters; :func:`markup_safe` also escapes
rich markup, for text that goes through a rich ``Console``. Letters are never changed.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

__all__ = ["plain", "markup_safe"]

_ESCAPE_SEQUENCE = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]"  # CSI: ESC [ ... final byte (colours, cursor, clear screen)
    r"|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?"  # OSC: ESC ] ... BEL or ST (window title, hyperlinks)
    r"|\x1b[PX^_][^\x1b]*(?:\x1b\\)?"  # DCS, SOS, PM, APC strings
    r"|\x1b[@-Z\\-_]"  # other two-character escapes
    r"|\x9b[0-?]*[ -/]*[@-~]"  # 8-bit CSI
    r"|\x9d[^\x07\x9c]*(?:\x07|\x9c)?"  # 8-bit OSC
)


def plain(value: Any) -> str:
    """``str(value)`` without terminal escape sequences and control characters.

    Line breaks and tabs become spaces; other control and bidirectional-override characters
    are dropped.

    Examples
    --------
    >>> plain("P01\\x1b]0;owned\\x07\\x1b[2J")
    'P01'
    >>> plain("a\\tb\\nc")
    'a b c'
    """
    text = _ESCAPE_SEQUENCE.sub("", str(value))
    out = []
    for ch in text:
        if ch in "\t\n\r\v\f":
            out.append(" ")
        elif unicodedata.category(ch) in ("Cc", "Cf") and ch not in "\u200d":
            continue
        else:
            out.append(ch)
    return "".join(out)


def markup_safe(value: Any) -> str:
    """:func:`plain` text with rich markup escaped (``[/]`` and ``[link=...]`` print as typed).

    Examples
    --------
    >>> markup_safe("P[/]01")
    'P\\\\[/]01'
    """
    from rich.markup import escape

    return escape(plain(value))
