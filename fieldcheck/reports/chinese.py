"""Traditional → simplified Chinese with OpenCC's data, keeping offsets.

Proposals and place matching read a simplified copy of the report whose characters stand where
the original's do, so a span found in the copy is the same span in the original text.
"""

from __future__ import annotations

from functools import lru_cache

import opencc

__all__ = ["aligned_simplified", "to_simplified"]


@lru_cache(maxsize=1)
def _t2s() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


def to_simplified(text: str) -> str:
    """The text in simplified characters (OpenCC t2s: phrases first, then characters)."""
    return _t2s().convert(text) if text else text


@lru_cache(maxsize=4096)
def _char(ch: str) -> str:
    converted = _t2s().convert(ch)
    return converted if len(converted) == 1 else ch


def aligned_simplified(text: str) -> str:
    """A simplified copy of the same length, character for character.

    OpenCC's t2s keeps the length in practically every case; when a phrase conversion would
    not, each character is converted on its own (a character without a one-character
    simplified form stays as it is).
    """
    converted = to_simplified(text)
    if len(converted) == len(text):
        return converted
    return "".join(_char(ch) for ch in text)
