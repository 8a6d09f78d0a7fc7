"""Reading a published report's text: decoding, normalisation and its SHA-256.

The normalised text is what the report is frozen as: claim spans are offsets into it and its
hash is published, so the same report always normalises to the same characters.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from typing import Any

__all__ = [
    "MAX_REPORT_BYTES",
    "ReportTextError",
    "decode_report_bytes",
    "normalize_report_text",
    "report_sha256",
]

MAX_REPORT_BYTES = 2_000_000
_BOM = b"\xef\xbb\xbf"
_BLANK_RUNS = re.compile(r"\n{3,}")
_LEADING = re.compile(r"^[\s\ufeff]+")  # whitespace and stray byte-order marks


class ReportTextError(ValueError):
    """A report file that cannot be read; `code` is "empty", "not_utf8" or "too_large"."""

    CODES = frozenset({"empty", "not_utf8", "too_large"})

    def __init__(self, code: str, message: str = "", detail: dict[str, Any] | None = None) -> None:
        if code not in self.CODES:
            raise ValueError(f"unknown report text error code: {code!r}")
        super().__init__(message or code)
        self.code = code
        self.message = message or code
        self.detail: dict[str, Any] = dict(detail or {})


def decode_report_bytes(data: bytes, max_bytes: int = MAX_REPORT_BYTES) -> str:
    """Decode an uploaded report as UTF-8 (a leading BOM is dropped); not yet normalised.

    Raises ReportTextError: "too_large" beyond `max_bytes`, "not_utf8" with the offending byte
    offset in ``detail["offset"]`` (counted in `data`, BOM included), "empty" when there is no
    text besides whitespace.
    """
    if len(data) > max_bytes:
        raise ReportTextError("too_large", f"the report is {len(data)} bytes, more than {max_bytes}",
                              {"size": len(data), "max_bytes": max_bytes})
    skip = len(_BOM) if data.startswith(_BOM) else 0
    try:
        text = data[skip:].decode("utf-8")
    except UnicodeDecodeError as exc:
        offset = skip + exc.start
        raise ReportTextError("not_utf8", f"not UTF-8 at byte {offset}",
                              {"offset": offset, "reason": exc.reason}) from exc
    if not text.strip():
        raise ReportTextError("empty", "the report has no text")
    return text


def normalize_report_text(text: str) -> str:
    """The canonical form of a report.

    NFC; CRLF and CR become LF; no trailing whitespace on a line; runs of blank lines become one
    blank line; leading whitespace (and byte-order marks) and trailing whitespace removed.
    """
    text = unicodedata.normalize("NFC", text)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = "\n".join(line.rstrip() for line in text.split("\n"))
    text = _BLANK_RUNS.sub("\n\n", text)
    return _LEADING.sub("", text).rstrip()


def report_sha256(text: str) -> str:
    """SHA-256 (hex) of the normalised text's UTF-8 bytes."""
    return hashlib.sha256(normalize_report_text(text).encode("utf-8")).hexdigest()
