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
    at = data.find(b"%PDF-", 0, 1024)  # readers accept some junk before the header
    if at == 0 or (at > 0 and b"startxref" in data[-4096:]):
        return "pdf", _pdf_text(data)
    if head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06"):
        return "docx", _docx_text(data, max_bytes)
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        raise ReportTextError("unsupported_format", "an old Word (.doc) or WPS file: save it as .docx and upload it",
                              {"format": "ole2"})
    if head.startswith(b"{\\rtf"):
        raise ReportTextError("unsupported_format", "an RTF file: save it as .docx and upload it again",
                              {"format": "rtf"})
    fragment = filename.lower().endswith(_HTML_NAMES) and data.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<")
    if _HTML_START.match(head) or fragment:
        return "html", _html_text(data)
    return "text", _decode_text(data)


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
    # Imported on use: python-docx, pypdf and BeautifulSoup cost about 0.16 s to import and most runs need none.
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
    from docx.table import Table  # on use, as in _docx_text

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


# --- HTML ---------------------------------------------------------------------------------

_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)
_DROP_TAGS = ("script", "style", "noscript", "template", "nav", "header", "footer", "aside", "form", "iframe", "svg",
              "canvas", "button", "select", "object", "embed", "head")
_NAV_PART = re.compile(r"nav|menu|crumb|footer|share|sidebar|copyright|toolbar|pager|pagination|dqwz|social|comment")
_NAV_TOKENS = frozenset({"head", "header", "foot", "side", "position", "location", "links", "related"})
_MAIN = ("div.TRS_Editor", ".TRS_Editor", "#zoom", "#UCAP-CONTENT", ".article-content", "#article", "article",
         "[itemprop=articleBody]", "#content", ".article", ".content", "main", "[role=main]")
_BLOCKS = ("p", "div", "section", "article", "main", "li", "ul", "ol", "dl", "dt", "dd", "h1", "h2", "h3", "h4",
           "h5", "h6", "table", "tr", "blockquote", "pre", "center", "figure", "figcaption", "caption", "address")
_BLOCK, _CELL = "\x1e", "\x1f"  # stand-ins for a line break and a cell boundary, whitespace collapsing aside
_WIDE = "\u3000-\u303f\u3400-\u9fff\uff00-\uffef“”‘’"
_CJK_GAP = re.compile(f"(?<=[{_WIDE}]) +(?=[{_WIDE}0-9])|(?<=[0-9]) +(?=[{_WIDE}])")  # a source line break


def _decode_html(data: bytes) -> str:
    """The page's characters: its BOM, else its declared charset, else UTF-8, else GB18030."""
    if data.startswith(codecs.BOM_UTF8):
        candidates = ["utf-8-sig"]
    else:
        declared = _CHARSET.search(data[:8192])
        name = declared.group(1).decode("ascii", "replace").lower() if declared else ""
        if name in ("gb2312", "gbk", "x-gbk", "gb_2312-80", "cp936", "gb18030"):
            name = "gb18030"
        try:
            candidates = [codecs.lookup(name).name] if name else []
        except LookupError:
            candidates = []
        candidates += ["utf-8", "gb18030"]
    for encoding in dict.fromkeys(candidates):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ReportTextError("unknown_encoding", "the page is neither in its declared charset, UTF-8 nor GB18030")


def _is_navigation(tag: object) -> bool:
    """Whether an element's class or id names navigation, a menu, breadcrumbs, a footer or sharing buttons."""
    attrs = getattr(tag, "attrs", None) or {}
    classes = attrs.get("class") or []
    names = " ".join([*(classes if isinstance(classes, list) else [str(classes)]), str(attrs.get("id") or "")]).lower()
    tokens = set(re.split(r"[\s_\-]+", names))
    hidden = re.search(r"display\s*:\s*none|visibility\s*:\s*hidden", str(attrs.get("style") or ""), re.I)
    return bool(_NAV_PART.search(names) or tokens & _NAV_TOKENS or hidden or "hidden" in attrs)


def _html_text(data: bytes) -> str:
    """The main text of a saved web page: the article, without navigation, menus and footers."""
    from bs4 import BeautifulSoup, Comment, Declaration, Doctype, ProcessingInstruction  # on use, as in _docx_text

    page = _decode_html(data)
    try:
        soup = BeautifulSoup(page, "html.parser")
    except Exception as exc:  # html.parser is lenient; this is for the unforeseen
        raise ReportTextError("bad_html", "the HTML page cannot be parsed", {"error": type(exc).__name__}) from exc
    for node in soup.find_all(string=lambda s: isinstance(s, (Comment, Declaration, Doctype, ProcessingInstruction))):
        node.extract()
    for tag in soup.find_all(["script", "style", "noscript", "template"]):
        tag.decompose()
    root = soup.body or soup
    main = None
    total = len(root.get_text(strip=True))
    for selector in _MAIN:
        found = sorted(soup.select(selector), key=lambda t: len(t.get_text(strip=True)), reverse=True)
        if found and len(found[0].get_text(strip=True)) >= max(30, 0.3 * total):
            main = found[0]
            break
    scope = main or root
    title = ""
    heading = soup.find("h1")
    if main is not None and heading is not None and heading not in main.find_all("h1"):
        title = heading.get_text(" ", strip=True)
    for tag in scope.find_all(True):
        if tag.decomposed:
            continue
        if tag.name in _DROP_TAGS:
            tag.decompose()
        elif _is_navigation(tag):
            size = len(tag.get_text(strip=True))
            links = sum(len(a.get_text(strip=True)) for a in tag.find_all("a"))
            if main is None and size * 2 > total and links * 2 < size:
                continue  # a wrapper with a misleading name holds most of the page, and it is not links
            tag.decompose()
    for tag in scope.find_all("br"):
        tag.replace_with(_BLOCK)
    for tag in scope.find_all(["td", "th"]):
        tag.append(_CELL)
    for tag in scope.find_all(_BLOCKS):
        tag.insert_before(_BLOCK)
        tag.append(_BLOCK)
    raw = re.sub(r"[ \t\r\n\f\v\xa0]+", " ", scope.get_text())
    lines = []
    for line in raw.split(_BLOCK):
        cells = [_CJK_GAP.sub("", c.strip(" \u3000")) for c in line.split(_CELL)]
        line = "\t".join(c for c in cells if c)
        if line:
            lines.append(line)
    if title and lines and title not in lines[0]:
        lines.insert(0, title)
    return "\n".join(lines)


# --- PDF ----------------------------------------------------------------------------------

_PAGE_NUMBER = re.compile(r"^[-—–\s]*(?:第\s*)?\d{1,4}\s*(?:页)?\s*(?:[/／]\s*\d{1,4}|共\s*\d{1,4}\s*页)?[-—–\s]*$")
_PARAGRAPH_START = re.compile(r"^(?:[一二三四五六七八九十]+[、是]|[（(][一二三四五六七八九十\d]+[）)]|\d+[.．、](?!\d)|第[一二三四五六七八九十]+|[①-⑳])")
_SENTENCE_CLOSE = "。！？；：!?;:"


def _width(line: str) -> int:
    """Display width: two for a wide (CJK) character, one for the rest."""
    return sum(2 if ord(ch) > 0x2E7F else 1 for ch in line)


def _join_lines(pages: list[str]) -> str:
    """Undo the line wrapping of a PDF: join a line to the next unless it ends a paragraph.

    A line ends its paragraph when it is clearly shorter than a full line, or the next line
    starts an enumerated item or heading; page numbers and running headers are dropped, and so
    are spaces some PDF writers put between Chinese characters.
    """
    page_lines = [[_CJK_GAP.sub("", ln.strip()) for ln in page.splitlines() if ln.strip()] for page in pages]
    edges: dict[str, int] = {}
    for lines in page_lines:
        for ln in {*lines[:1], *lines[-1:]}:
            edges[ln] = edges.get(ln, 0) + 1
    running = {ln for ln, n in edges.items() if n >= 3 and n * 2 > len(page_lines)}
    lines = [ln for page in page_lines for ln in page if not _PAGE_NUMBER.match(ln) and ln not in running]
    if not lines:
        return ""
    widths = sorted(_width(ln) for ln in lines)
    full = widths[int(0.9 * (len(widths) - 1))] if len(widths) >= 10 else widths[-1]
    out: list[str] = [lines[0]]
    for prev, line in zip(lines, lines[1:]):
        short = _width(prev) < 0.8 * full
        closes_before_short = prev[-1] in _SENTENCE_CLOSE and _width(line) < 0.8 * full
        if short or _PARAGRAPH_START.match(line) or closes_before_short:
            out.append(line)
        else:
            glue = " " if prev[-1].isascii() and prev[-1].isalnum() and line[0].isascii() and line[0].isalnum() else ""
            out[-1] += glue + line
    return "\n".join(out)


def _pdf_text(data: bytes) -> str:
    """The text of a text-based PDF, its wrapped lines joined back into paragraphs."""
    from pypdf import PdfReader  # on use, as in _docx_text

    logging.getLogger("pypdf").setLevel(logging.ERROR)
    try:
        reader = PdfReader(io.BytesIO(data))
        encrypted = reader.is_encrypted
    except Exception as exc:  # pypdf raises many kinds on a broken file
        raise ReportTextError("bad_pdf", "the PDF file is broken", {"error": type(exc).__name__}) from exc
    if encrypted:
        try:
            opened = bool(reader.decrypt(""))  # opens without a password: only copying was restricted
        except Exception:  # an unknown security handler, or AES without a crypto library
            opened = False
        if not opened:
            raise ReportTextError("encrypted_pdf", "the PDF is protected by a password: upload an unprotected copy")
    try:
        pages = [page.extract_text() or "" for page in reader.pages]
    except Exception as exc:
        raise ReportTextError("bad_pdf", "the PDF file cannot be read", {"error": type(exc).__name__}) from exc
    text = _join_lines([_CONTROL.sub("", page) for page in pages])
    if not text.strip():
        raise ReportTextError("no_text", "the PDF has no text layer (a scanned image?): OCR it or upload the text",
                              {"format": "pdf", "pages": len(pages)})
    return text
