"""Reading a published report's text: decoding, normalisation and its SHA-256.

The normalised text is what the report is frozen as: claim spans are offsets into it and its
hash is published, so the same report always normalises to the same characters.

ReportTextError codes (``exc.code``), for every way a report file can be refused:

- ``empty``: no text besides whitespace (an empty upload or paste);
- ``not_utf8``: `decode_report_bytes` only: the bytes are not UTF-8 (``detail["offset"]``);
- ``too_large``: more bytes than allowed (``detail["size"]``, ``detail["max_bytes"]``), or a .docx
  that would unpack to too much;
- ``unknown_encoding``: a text file that is neither UTF-8 nor GB18030 (``detail["offset"]``: the
  first byte that is not UTF-8);
- ``unsupported_format``: binary content that is none of the readable formats (an old .doc, an
  image, a spreadsheet…);
- ``bad_docx``: a ZIP file that is not a Word document (a renamed zip), or a broken .docx;
- ``bad_pdf``: a file that starts like a PDF but cannot be read;
- ``encrypted_pdf``: a PDF that needs a password to open;
- ``bad_html``: an HTML page the parser cannot read;
- ``no_text``: a .docx, HTML page or PDF without any extractable text (a scanned, image-only PDF;
  a page with navigation only).
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from typing import Any

__all__ = [
    "FULLWIDTH_TO_ASCII",
    "NORMALISATION_STEPS",
    "MAX_REPORT_BYTES",
    "ReportTextError",
    "decode_report_bytes",
    "normalize_report_text",
    "remove_pinyin_annotations",
    "report_sha256",
]

MAX_REPORT_BYTES = 2_000_000
_BOM = b"\xef\xbb\xbf"
_BLANK_RUNS = re.compile(r"\n{3,}")
_LEADING = re.compile(r"^[\s\ufeff]+")  # whitespace and stray byte-order marks

# Full-width forms that become ASCII: digits, Latin letters and the signs used in numbers, codes
# and formulas. Chinese punctuation the claim proposer reads — ，。；：！？、（）“”《》【】 and the
# full-width ！？（）［］｛｝～＂＇，：； — stays as written, and so does the ideographic space.
_FULLWIDTH_SIGNS = "％＋－．／＝＜＞＃＆＊＠＿＾＼｜"
FULLWIDTH_TO_ASCII: dict[int, int] = {
    **{0xFF10 + i: 0x30 + i for i in range(10)},
    **{0xFF21 + i: 0x41 + i for i in range(26)},
    **{0xFF41 + i: 0x61 + i for i in range(26)},
    **{ord(ch): ord(ch) - 0xFEE0 for ch in _FULLWIDTH_SIGNS},
}

# Pinyin after a character, as reposting sites print it: 實(shí), 议（yì）, 们(men5).
_HAN = r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f]"
_TONED = "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜńňǹḿ"
_ANNOTATED = re.compile(_HAN + r"[(（](?P<syl>[a-zü" + _TONED + r"]{1,6}[1-5]?)[)）]")
_SYLLABLE = re.compile(
    r"(?:zh|ch|sh|[bpmfdtnlgkhjqxrzcsyw])?"
    r"(?:iang|iong|uang|ang|eng|ing|ong|ian|iao|uai|uan|üan|van|ai|ei|ao|ou|an|en|in|un|ün|vn"
    r"|ia|ie|iu|ua|uo|ui|üe|ve|ue|er|a|o|e|i|u|ü|v)[1-5]?|(?:ng|n|m)[1-5]?"
)


# What normalize_report_text does, in order (named in `claims propose --json` so offsets can be checked).
NORMALISATION_STEPS = (
    "unicode_nfc", "fullwidth_digits_letters_signs_to_ascii", "pinyin_annotations_removed", "line_ends_to_lf",
    "trailing_whitespace_removed", "blank_line_runs_to_one", "leading_and_trailing_whitespace_removed",
)


class ReportTextError(ValueError):
    """A report file that cannot be read; `code` is one of CODES (see the module docstring)."""

    CODES = frozenset({
        "empty", "not_utf8", "too_large", "unknown_encoding", "unsupported_format", "bad_docx", "bad_pdf",
        "encrypted_pdf", "bad_html", "no_text",
    })

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


def _syllable(annotation: str) -> tuple[bool, bool]:
    """(is a pinyin syllable, carries a tone mark or tone digit)."""
    marks = unicodedata.normalize("NFD", annotation)
    bare = unicodedata.normalize("NFC", "".join(ch for ch in marks if not unicodedata.combining(ch) or ch == "\u0308"))
    toned = bare != annotation or annotation[-1].isdigit()
    return bool(_SYLLABLE.fullmatch(bare)), toned


def remove_pinyin_annotations(text: str) -> str:
    """Drop pinyin printed in brackets after a character: 實(shí) → 實, 议（yì）→ 议.

    An annotation is a lowercase pinyin syllable with a tone mark or tone digit; a toneless
    syllable (的(de)) goes only inside a run of annotated characters that has a toned one.
    Ordinary brackets — （一）, (2025年), (PPP), 人工智能(ai) — stay.
    """
    matches = list(_ANNOTATED.finditer(text))
    if not matches:
        return text
    runs: list[list[re.Match[str]]] = []
    for m in matches:
        if runs and runs[-1][-1].end() == m.start():
            runs[-1].append(m)
        else:
            runs.append([m])
    drops: list[tuple[int, int]] = []
    for run in runs:
        kinds = [_syllable(m.group("syl")) for m in run]
        if any(valid and toned for valid, toned in kinds):
            drops += [(m.start("syl") - 1, m.end()) for m, (valid, _) in zip(run, kinds) if valid]
    parts, last = [], 0
    for start, end in drops:
        parts.append(text[last:start])
        last = end
    parts.append(text[last:])
    return "".join(parts)


def normalize_report_text(text: str) -> str:
    """The canonical form of a report.

    NFC; full-width digits, Latin letters and number signs (see FULLWIDTH_TO_ASCII) become ASCII,
    Chinese punctuation stays; pinyin annotations such as 實(shí) are removed; CRLF and CR become
    LF; no trailing whitespace on a line; runs of blank lines become one blank line; leading
    whitespace (and byte-order marks) and trailing whitespace removed. Idempotent.
    """
    text = unicodedata.normalize("NFC", unicodedata.normalize("NFC", text).translate(FULLWIDTH_TO_ASCII))
    while (cleaned := remove_pinyin_annotations(text)) != text:  # 實(shí)(shí) takes two rounds; each one shortens
        text = unicodedata.normalize("NFC", cleaned)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = "\n".join(line.rstrip() for line in text.split("\n"))
    text = _BLANK_RUNS.sub("\n\n", text)
    return _LEADING.sub("", text).rstrip()


def report_sha256(text: str) -> str:
    """SHA-256 (hex) of the normalised text's UTF-8 bytes."""
    return hashlib.sha256(normalize_report_text(text).encode("utf-8")).hexdigest()
