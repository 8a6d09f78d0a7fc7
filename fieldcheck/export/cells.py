"""Cells and lines of the exported CSV files: one convention for the web, the command line and the API.

Pure functions (no Flask, no database), so that the convention is written once.

The CSV convention (also written into every package's datapackage.json):

- UTF-8 **without** a byte order mark, lines ended by LF (``\\n``), comma-separated, fields quoted
  with ``"`` only when needed (RFC 4180 quoting); the first line is the header of field names;
- line breaks inside a cell are LF (CRLF and CR typed in forms are written as LF);
- an empty cell is a missing value (null); booleans are ``true``/``false``; datetimes are UTC,
  ``YYYY-MM-DDThh:mm:ssZ``; numbers are rounded to 10 significant digits and written in Python's shortest form;
- **spreadsheet formula injection** is neutralised as OWASP recommends: a *string* cell that starts
  with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return gets a single quote ``'`` in front. So that
  the rule can be undone without doubt, a string cell that already starts with ``'`` gets one more.
  To read the original text, remove one leading ``'`` from a string cell that starts with one.
  Typed cells (numbers, integers, booleans, datetimes) are written by the exporter and never changed.

Excel users should open the XLSX workbook (same rows, same neutralisation); a CSV without BOM is what
every other reader (and the frozen frame, whose bytes are hashed) expects.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterable, Iterator
from datetime import datetime, timezone

# OWASP "CSV Injection": cells starting with these are read as formulas by spreadsheets.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
ESCAPE = "'"
DIGITS = 10
LINE_END = "\n"
CONVENTION = {
    "encoding": "utf-8", "byte_order_mark": False, "line_terminator": "\\n", "delimiter": ",",
    "quote_char": '"', "line_breaks_in_cells": "\\n", "null": "", "booleans": ["true", "false"], "numbers": "rounded to 10 significant digits", "datetime": "UTC, YYYY-MM-DDThh:mm:ssZ",
    "formula_injection": ("string cells starting with = + - @ TAB CR, or with ', get one ' in front "
                          "(OWASP CSV injection); remove one leading ' from a string cell to read the original"),
}


def neutralise(text: str) -> str:
    """A string cell made safe to open in a spreadsheet (see the module's rule); reversible."""
    if text and (text[0] in FORMULA_STARTS or text[0] == ESCAPE):
        return ESCAPE + text
    return text


def restore(text: str) -> str:
    """The original text of a neutralised string cell."""
    return text[1:] if text.startswith(ESCAPE) else text


def format_datetime(value: datetime) -> str:
    if value.tzinfo is not None:
        value = value.astimezone(timezone.utc).replace(tzinfo=None)
    return value.strftime("%Y-%m-%dT%H:%M:%SZ")


def cell(value, kind: str):
    """One value as the typed, neutralised cell value the CSV and the XLSX both write.

    Returns a str for the CSV writer (None → ""), keeping the numbers' exact text.
    """
    if value is None:
        return ""
    if kind == "string":
        # A lone CR would not be quoted by the csv module (and would not read back): line breaks
        # inside a cell are LF.
        return neutralise(str(value).replace("\r\n", "\n").replace("\r", "\n"))
    if kind == "boolean":
        return "true" if value else "false"
    if kind == "datetime":
        return format_datetime(value) if isinstance(value, datetime) else str(value)
    if kind == "integer":
        return str(int(value))
    if kind == "number":
        number = number_value(value)
        return "" if number is None else repr(number)
    raise ValueError(f"unknown field type {kind!r}")


def typed_cell(value, kind: str):
    """The same cell for a workbook: numbers stay numbers, the rest is the CSV text (None stays empty)."""
    if value is None:
        return None
    if kind == "integer":
        return int(value)
    if kind == "number":
        return number_value(value)
    return cell(value, kind)


def number_value(value) -> float | None:
    """A number as every format holds it: 10 significant digits (no float noise such as
    89.99999999999999, and within the 15 digits a spreadsheet keeps)."""
    number = float(value)
    if not math.isfinite(number):
        return None
    return float(f"{number:.{DIGITS}g}")


def csv_lines(names: list[str], kinds: list[str], rows: Iterable[dict]) -> Iterator[str]:
    """The header and one line per row, as text, in the convention above (constant memory)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator=LINE_END)

    def flush() -> str:
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text

    writer.writerow(names)
    yield flush()
    pairs = list(zip(names, kinds))
    for row in rows:
        writer.writerow([cell(row[name], kind) for name, kind in pairs])
        yield flush()


def csv_text(names: list[str], kinds: list[str], rows: Iterable[dict]) -> str:
    return "".join(csv_lines(names, kinds, rows))
