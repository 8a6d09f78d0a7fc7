"""Decoding, normalising and hashing report text (fieldcheck.reports.text)."""

from __future__ import annotations

import hashlib
import unicodedata
from importlib import resources
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fieldcheck.reports import text as text_module
from fieldcheck.reports.text import (
    FULLWIDTH_TO_ASCII,
    ReportTextError,
    decode_report_bytes,
    normalize_report_text,
    remove_pinyin_annotations,
    report_sha256,
)

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


def test_every_error_code_is_documented() -> None:
    assert ReportTextError.CODES == {"empty", "not_utf8", "too_large", "unknown_encoding", "unsupported_format",
                                     "bad_docx", "bad_pdf", "encrypted_pdf", "bad_html", "no_text"}
    doc = text_module.__doc__ or ""
    assert all(f"``{code}``" in doc for code in ReportTextError.CODES)


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
    assert result == "Caf\u00e9 ABC123"
    assert unicodedata.is_normalized("NFC", result)


@pytest.mark.parametrize(
    ("raw", "normal"),
    [
        ("培训５６０人次，比例１２．５％", "培训560人次，比例12.5%"),
        ("ＧＤＰ增长６．５％，ＰＰＰ项目３个", "GDP增长6.5%，PPP项目3个"),
        ("ｗｗｗ．ｅｘａｍｐｌｅ．ｃｏｍ／ｒｅｐｏｒｔ", "www.example.com/report"),
        ("“党员＋护理员”，１－２月，Ａ＝Ｂ＜Ｃ＞Ｄ", "“党员+护理员”，1-2月，A=B<C>D"),
        # Chinese punctuation the proposer reads stays full width, and so does the ideographic space
        ("（一）建强阵地：新建２个；改建３个。完成！是否？“两委”《清单》、【注】", "（一）建强阵地：新建2个；改建3个。完成！是否？“两委”《清单》、【注】"),
        ("\u3000\u3000一是（１）", "一是（1）"),
        ("３～５年，＂引号＂，［注］｛｝", "3～5年，＂引号＂，［注］｛｝"),
    ],
)
def test_fullwidth_digits_letters_and_signs_become_ascii(raw: str, normal: str) -> None:
    assert normalize_report_text(raw) == normal
    assert len(raw.translate(FULLWIDTH_TO_ASCII)) == len(raw)  # the conversion keeps offsets
    assert all(len(chr(k)) == len(chr(v)) == 1 for k, v in FULLWIDTH_TO_ASCII.items())


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("實(shí)施述職評議(yì)", "實施述職評議"),
        ("实（shí）事求是", "实事求是"),
        ("鳏（guān）寡（guǎ）孤独", "鳏寡孤独"),
        ("女(nǚ)干部、绿(lü4)色、议(yi4)事", "女干部、绿色、议事"),
        ("我(wǒ)们(men)的(de)工作", "我们的工作"),  # toneless syllables go within an annotated run
        ("實(shí)(shí)", "實"),
        ("嗯(ń)", "嗯"),
    ],
)
def test_pinyin_annotations_are_removed(raw: str, clean: str) -> None:
    assert normalize_report_text(raw) == clean


@pytest.mark.parametrize(
    "text",
    [
        "（一）建强阵地", "(一)组织建设", "2025年(含)以前", "第三(2025年)批", "PPP(政府和社会资本合作)",
        "人工智能(ai)", "的(de)", "中心(n)", "附件(a)", "(shí)开头", "x(shí)", "清单(第2版)", "增长(%)",
        "事项(xiàng目)", "标准(GB/T 1234)", "实(Shí)",
    ],
)
def test_ordinary_brackets_stay(text: str) -> None:
    assert remove_pinyin_annotations(text) == text
    assert normalize_report_text(text) == text.translate(FULLWIDTH_TO_ASCII)


def test_normalize_strips_the_whole_text() -> None:
    assert normalize_report_text("\ufeff\n\n  # 标题\n\n正文\n\n\n") == "# 标题\n\n正文"
    assert normalize_report_text(" \n\t ") == ""


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ab述职 \t\r\n\u3000\u0301e\ufeff１。()（）shíǐ5Ａ％"))))
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
    # only the final newline goes and full-width digits become ASCII, one for one: offsets into the
    # file's text stay valid after normalisation
    assert normal == unicodedata.normalize("NFC", text).translate(FULLWIDTH_TO_ASCII).rstrip()
    assert report_sha256(text) == report_sha256(normal)
