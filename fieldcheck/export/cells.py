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
from itertools import islice
from datetime import date, datetime, timezone

# OWASP "CSV Injection": cells starting with these are read as formulas by spreadsheets.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
ESCAPE = "'"
DIGITS = 10
LINE_END = "\n"
CONVENTION = {
    "encoding": "utf-8", "byte_order_mark": False, "line_terminator": "\\n", "delimiter": ",",
    "quote_char": '"', "line_breaks_in_cells": "\\n", "null": "", "booleans": ["true", "false"], "numbers": "rounded to 10 significant digits", "datetime": "UTC, YYYY-MM-DDThh:mm:ssZ", "date": "YYYY-MM-DD",
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
    if kind == "date":
        return value.isoformat() if isinstance(value, date) else str(value)
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


def _string_cell(value):
    """cell(value, "string"), fast when nothing needs changing (the common case)."""
    if value is None:
        return ""
    if type(value) is not str:
        value = str(value)
    if value and (value[0] in _CHANGED_STARTS or "\r" in value):
        return neutralise(value.replace("\r\n", "\n").replace("\r", "\n"))
    return value


_CHANGED_STARTS = frozenset(FORMULA_STARTS) | {ESCAPE}


def _converter(kind: str):
    return lambda value: cell(value, kind)


def _clean(pending: list, strings: list[int]) -> bool:
    """True when no string cell of these rows starts with a character that must be neutralised
    (one set of first characters per column: no Python loop per row). CRs are looked for in the
    written text."""
    columns = list(zip(*pending))
    try:
        return not any({value[:1] for value in columns[i] if value} & _CHANGED_STARTS for i in strings)
    except TypeError:  # a value that is not a string: convert cell by cell
        return False


def _convert_row(values, strings, others) -> list:
    values = list(values)
    for i in strings:
        value = values[i]
        if value is not None and (value.__class__ is not str or (
                value and (value[0] in _CHANGED_STARTS or "\r" in value))):
            values[i] = _string_cell(value)
    for i, convert in others:
        values[i] = convert(values[i])
    return values


def csv_text_chunks(names: list[str], kinds: list[str], rows: Iterable, batch: int = 1000) -> Iterator[str]:
    """The header and the rows (sequences in field order) as text chunks of `batch` lines, in the
    convention above: the fast path for big tables.

    The csv module writes ints as str(int) and None as "". A table of strings and integers only is
    written as it comes, and a chunk is written again cell by cell only when a cell in it may start
    with a formula character or hold a CR; other tables are converted cell by cell."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator=LINE_END)

    def take() -> str:
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text

    writer.writerow(names)
    yield take()
    strings = [i for i, kind in enumerate(kinds) if kind == "string"]
    others = [(i, _converter(kind)) for i, kind in enumerate(kinds) if kind not in ("string", "integer")]
    rows = iter(rows)
    while True:
        pending = list(islice(rows, batch))
        if not pending:
            return
        if not others and _clean(pending, strings):
            writer.writerows(pending)
            text = take()
            if "\r" not in text:
                yield text
                continue
        writer.writerows([_convert_row(values, strings, others) for values in pending])
        yield take()


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
