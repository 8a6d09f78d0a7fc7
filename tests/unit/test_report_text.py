"""Decoding, normalising and hashing report text (fieldcheck.reports.text)."""

from __future__ import annotations

import hashlib
import unicodedata
from importlib import resources
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fieldcheck.reports.text import ReportTextError, decode_report_bytes, normalize_report_text, report_sha256

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "reports"
DEMO = resources.files("fieldcheck.demo") / "data"


# --- decode_report_bytes ---------------------------------------------------------------


def test_decode_plain_utf8() -> None:
    assert decode_report_bytes("述职报告\n一是……".encode()) == "述职报告\n一是……"


def test_decode_strips_bom_only_once() -> None:
    assert decode_report_bytes(b"\xef\xbb\xbf" + "报告".encode()) == "报告"
    assert decode_report_bytes(b"\xef\xbb\xbf\xef\xbb\xbfA") == "\ufeffA"


def test_decode_keeps_text_as_is() -> None:
    # decoding does not normalise: that is normalize_report_text's job
    assert decode_report_bytes(b"a\r\nb  \n") == "a\r\nb  \n"


@pytest.mark.parametrize(
    ("data", "offset"),
    [
        (b"ab\xffcd", 2),
        (b"\xef\xbb\xbfab\xff", 5),  # offsets count the BOM
        ("报告".encode() + b"\xe4\xb8", 6),  # truncated multi-byte sequence at the end
        ("中文".encode("gbk"), 0),
        ("述职".encode("utf-16"), 0),
    ],
)
def test_decode_rejects_non_utf8_with_byte_offset(data: bytes, offset: int) -> None:
    with pytest.raises(ReportTextError) as info:
        decode_report_bytes(data)
    assert info.value.code == "not_utf8"
    assert info.value.detail["offset"] == offset
    assert isinstance(info.value, ValueError)


@pytest.mark.parametrize(
    "data", [b"", b"   ", b" \r\n\t\n", "\u3000\u3000\n".encode(), b"\xef\xbb\xbf", b"\xef\xbb\xbf \n"]
)
def test_decode_rejects_empty(data: bytes) -> None:
    with pytest.raises(ReportTextError) as info:
        decode_report_bytes(data)
    assert info.value.code == "empty"


def test_decode_size_limit() -> None:
    data = "党".encode() * 10  # 30 bytes
    assert decode_report_bytes(data, max_bytes=30) == "党" * 10
    with pytest.raises(ReportTextError) as info:
        decode_report_bytes(data, max_bytes=29)
    assert info.value.code == "too_large"
    assert info.value.detail == {"size": 30, "max_bytes": 29}


def test_decode_default_limit_is_two_million_bytes() -> None:
    assert len(decode_report_bytes(b"a" * 2_000_000)) == 2_000_000
    with pytest.raises(ReportTextError) as info:
        decode_report_bytes(b"a" * 2_000_001)
    assert info.value.code == "too_large"


def test_error_codes_are_checked() -> None:
    err = ReportTextError("empty", "no text")
    assert (err.code, err.message, err.detail, str(err)) == ("empty", "no text", {}, "no text")
    with pytest.raises(ValueError):
        ReportTextError("bogus", "?")


# --- normalize_report_text --------------------------------------------------------------


def test_normalize_line_ends() -> None:
    assert normalize_report_text("a\r\nb\rc\nd") == "a\nb\nc\nd"


def test_normalize_strips_trailing_spaces_but_not_inner_ones() -> None:
    assert normalize_report_text("一是 建成 \t\n二是\u3000\u3000完成\u3000") == "一是 建成\n二是\u3000\u3000完成"


def test_normalize_collapses_blank_lines() -> None:
    assert normalize_report_text("a\n\n\n\n\nb") == "a\n\nb"
    assert normalize_report_text("a\n \n\t\n  \nb") == "a\n\nb"
    assert normalize_report_text("a\r\n\r\n\r\n\r\nb") == "a\n\nb"
    assert normalize_report_text("a\n\nb") == "a\n\nb"


def test_normalize_nfc() -> None:
    decomposed = "Cafe\u0301 ＡＢＣ１２３"
    result = normalize_report_text(decomposed)
    assert result == "Caf\u00e9 ＡＢＣ１２３"  # NFC composes, but full-width forms stay as written
    assert unicodedata.is_normalized("NFC", result)


def test_normalize_strips_the_whole_text() -> None:
    assert normalize_report_text("\ufeff\n\n  # 标题\n\n正文\n\n\n") == "# 标题\n\n正文"
    assert normalize_report_text(" \n\t ") == ""


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ab述职 \t\r\n\u3000\u0301e\ufeff１。"))))
def test_normalize_is_idempotent(text: str) -> None:
    once = normalize_report_text(text)
    assert normalize_report_text(once) == once
    assert "\r" not in once and "\n\n\n" not in once
    assert all(line == line.rstrip() for line in once.split("\n"))


# --- report_sha256 ----------------------------------------------------------------------


def test_sha256_known_value() -> None:
    assert report_sha256("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"


def test_sha256_is_of_the_normalised_utf8() -> None:
    text = "述职报告\n\n一是建成党群服务中心2个。"
    assert report_sha256(text) == hashlib.sha256(text.encode("utf-8")).hexdigest()
    assert report_sha256(text.replace("\n", "\r\n") + "  \r\n") == report_sha256(text)
    assert report_sha256(text + "3") != report_sha256(text)
    digest = report_sha256(text)
    assert len(digest) == 64 and digest == digest.lower()


# --- the sample reports -----------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [
        (FIXTURES / "qingshan-county-2025.md").read_bytes(),
        (DEMO / "report-baishui-county-2025.md").read_bytes(),
    ],
    ids=["qingshan", "baishui"],
)
def test_sample_reports_decode_and_are_already_normal(raw: bytes) -> None:
    text = decode_report_bytes(raw)
    normal = normalize_report_text(text)
    # only the final newline goes: offsets into the file's text stay valid after normalisation
    assert normal == unicodedata.normalize("NFC", text).rstrip()
    assert report_sha256(text) == report_sha256(normal)
