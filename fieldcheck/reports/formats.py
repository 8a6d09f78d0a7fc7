"""Reading a report file in the format it was published in: text, Markdown, .docx, HTML or PDF.

The format is decided from the content, not the file name: ``%PDF-`` is a PDF, a ZIP holding
``word/document.xml`` is a Word document, a page starting with ``<!doctype html``, ``<html`` or
``<body`` (after an optional BOM, whitespace and comments) is HTML; anything else is text (UTF-8
with or without BOM, UTF-16 with BOM, else GB18030). Every failure is a ReportTextError (see
fieldcheck.reports.text for the codes); nothing else escapes.
"""

from __future__ import annotations

import codecs
import io
import logging
import re
import zipfile

from .text import ReportTextError, normalize_report_text

__all__ = ["extract_report_text"]

DEFAULT_MAX_BYTES = 10_000_000
_UNZIP_FACTOR = 10  # a .docx may unpack to at most this many times max_bytes
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_HTML_START = re.compile(
    rb"^(?:\xef\xbb\xbf)?\s*(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*(?:<!doctype\s+html|<html|<head|<body)", re.I | re.S)
_HTML_NAMES = (".htm", ".html", ".shtml", ".xhtml")


def extract_report_text(data: bytes, filename: str, *, max_bytes: int = DEFAULT_MAX_BYTES) -> str:
    """The normalised text of a report file (see normalize_report_text).

    `filename` only helps with an HTML fragment (a .html file starting with a tag); the content
    decides everything else.
    """
    if len(data) > max_bytes:
        raise ReportTextError("too_large", f"the file is {len(data)} bytes, more than {max_bytes}",
                              {"size": len(data), "max_bytes": max_bytes})
    if not data.strip():
        raise ReportTextError("empty", "the file is empty")
    try:
        kind, raw = _extract(data, filename, max_bytes)
    except ReportTextError:
        raise
    except RecursionError as exc:  # a pathologically nested document
        raise ReportTextError("unsupported_format", "the file is too deeply nested to read") from exc
    text = normalize_report_text(_CONTROL.sub("", raw))
    if not text:
        if kind == "text":
            raise ReportTextError("empty", "the report has no text")
        raise ReportTextError("no_text", f"no text could be extracted from the {kind} file", {"format": kind})
    return text


def _extract(data: bytes, filename: str, max_bytes: int) -> tuple[str, str]:
    """(format, raw text) by the file's content."""
    head = data[:2048]
    if head.startswith(b"%PDF-") or (b"%PDF-" in data[:1024] and not _looks_textual(head)):
        return "pdf", _pdf_text(data)
    if head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06"):
        return "docx", _docx_text(data, max_bytes)
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        raise ReportTextError("unsupported_format", "an old Word (.doc) or WPS file: save it as .docx and upload it again",
                              {"format": "ole2"})
    if head.startswith(b"{\\rtf"):
        raise ReportTextError("unsupported_format", "an RTF file: save it as .docx and upload it again",
                              {"format": "rtf"})
    if _HTML_START.match(head) or (filename.lower().endswith(_HTML_NAMES) and data.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<")):
        return "html", _html_text(data)
    return "text", _decode_text(data)


def _looks_textual(head: bytes) -> bool:
    """Whether the first bytes hold no NUL: a text that merely mentions %PDF-."""
    return b"\x00" not in head


def _decode_text(data: bytes) -> str:
    """UTF-8 (BOM optional), UTF-16 with a BOM, else strict GB18030; "unknown_encoding" otherwise."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise ReportTextError("unknown_encoding", "broken UTF-16 text", {"offset": exc.start}) from exc
    body = data[3:] if data.startswith(codecs.BOM_UTF8) else data
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as exc:
        offset = exc.start + len(data) - len(body)
    if b"\x00" in data:
        raise ReportTextError("unsupported_format", "a binary file, not a report text", {"offset": offset})
    try:
        return data.decode("gb18030")
    except UnicodeDecodeError as exc:
        raise ReportTextError("unknown_encoding", f"neither UTF-8 (byte {offset}) nor GB18030 text",
                              {"offset": offset}) from exc


def _docx_text(data: bytes, max_bytes: int) -> str:
    """Paragraphs and table rows of a Word document, in reading order."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as exc:
        raise ReportTextError("bad_docx", "a broken ZIP file, not a readable Word document") from exc
    if "word/document.xml" not in names:
        raise ReportTextError("bad_docx", "a ZIP file that is not a Word document (.docx)",
                              {"entries": sorted(names)[:10]})
    if unpacked > _UNZIP_FACTOR * max_bytes:
        raise ReportTextError("too_large", "the Word document unpacks to too much data", {"unpacked": unpacked})
    import docx
    from docx.table import Table

    logging.getLogger("docx").setLevel(logging.ERROR)
    try:
        document = docx.Document(io.BytesIO(data))
        lines: list[str] = []
        for block in document.iter_inner_content():
            if isinstance(block, Table):
                lines.extend(_table_lines(block))
            else:
                lines.append(block.text)
    except ReportTextError:
        raise
    except Exception as exc:  # python-docx and lxml raise many kinds on a broken document
        raise ReportTextError("bad_docx", "the Word document cannot be read", {"error": type(exc).__name__}) from exc
    return "\n".join(lines)


def _table_lines(table: object) -> list[str]:
    """One line per table row, cells joined by a tab (a merged cell counted once); nested tables after their row."""
    from docx.table import Table

    assert isinstance(table, Table)
    lines: list[str] = []
    for row in table.rows:
        seen: set[int] = set()
        cells: list[str] = []
        nested: list[str] = []
        for cell in row.cells:
            if id(cell._tc) not in seen:
                seen.add(id(cell._tc))
                cells.append(" ".join(p.text.strip() for p in cell.paragraphs if p.text.strip()))
                for inner in cell.tables:
                    nested.extend(_table_lines(inner))
        if any(cells):
            lines.append("\t".join(cells))
        lines.extend(nested)
    return lines
