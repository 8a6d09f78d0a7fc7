"""Reading report files in their published formats (fieldcheck.reports.formats)."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import docx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image
from pypdf import PdfReader, PdfWriter

from fieldcheck.reports.formats import extract_report_text
from fieldcheck.reports.propose import propose_claims
from fieldcheck.reports.text import ReportTextError

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "reports"
SAMPLE_PDF = FIXTURES / "report-sample.pdf"  # made by tests/fixtures/reports/make_pdf.py
REPORT = "# 某县委书记述职报告\n\n一是建强阵地。新建党群服务中心２个，建筑面积860平方米。\n二是培训干部。培训村干部380人次。\n"


def _code(data: bytes, filename: str = "report", **kwargs: int) -> str:
    with pytest.raises(ReportTextError) as info:
        extract_report_text(data, filename, **kwargs)
    assert info.value.message
    return info.value.code


# --- text ---------------------------------------------------------------------------------


def test_utf8_markdown_is_normalised_text() -> None:
    text = extract_report_text(REPORT.replace("\n", "\r\n").encode(), "report.md")
    assert text == "# 某县委书记述职报告\n\n一是建强阵地。新建党群服务中心2个，建筑面积860平方米。\n二是培训干部。培训村干部380人次。"
    assert extract_report_text(b"\xef\xbb\xbf" + REPORT.encode(), "r.txt") == text


def test_gb18030_text() -> None:
    source = REPORT + "𠮷㐀：GBK 之外的字也在。"  # characters only GB18030 (not GBK) encodes
    data = source.encode("gb18030")
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    text = extract_report_text(data, "report.txt")
    assert text.endswith("𠮷㐀：GBK 之外的字也在。") and "党群服务中心2个" in text


def test_utf16_with_bom() -> None:
    assert extract_report_text(REPORT.encode("utf-16"), "r.txt").startswith("# 某县委书记述职报告")


@pytest.mark.parametrize("data", [b"abc\x80def", b"\xff\xff\xff\xff", "述职".encode("gbk") + b"\x81"])
def test_neither_utf8_nor_gb18030(data: bytes) -> None:
    assert _code(data) == "unknown_encoding"


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"", "empty"),
        (b" \r\n\t", "empty"),
        ("\u3000\n".encode(), "empty"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "unsupported_format"),  # an old .doc
        (b"{\\rtf1\\ansi hello}", "unsupported_format"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)), "unsupported_format"),
    ],
)
def test_refusals(data: bytes, code: str) -> None:
    assert _code(data) == code


def test_size_limit() -> None:
    assert _code(b"a" * 101, max_bytes=100) == "too_large"
    assert extract_report_text(b"a" * 100, "r.txt", max_bytes=100) == "a" * 100


def test_content_decides_not_the_name() -> None:
    pdf = SAMPLE_PDF.read_bytes()
    assert extract_report_text(pdf, "report.txt") == extract_report_text(pdf, "report.pdf")
    assert extract_report_text(REPORT.encode(), "report.pdf").startswith("# 某县")


# --- .docx --------------------------------------------------------------------------------


def _docx(build: object = None) -> bytes:
    document = docx.Document()
    if build is None:
        document.add_heading("某县委书记2025年度述职报告", level=1)
        document.add_paragraph("一是建强阵地。新建党群服务中心２个，建筑面积860平方米。")
        table = document.add_table(rows=2, cols=3)
        for cell, value in zip(table.rows[0].cells, ["项目", "数量", "地点"]):
            cell.text = value
        row = table.rows[1].cells
        row[0].text, row[1].text = "新建驿站", "14个"
        row[1].merge(row[2])  # a merged cell is read once
        document.add_paragraph("二是培训干部。培训村干部380人次。")
    else:
        build(document)  # type: ignore[operator]
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def test_docx_paragraphs_and_tables_in_order() -> None:
    text = extract_report_text(_docx(), "report.docx")
    assert text.split("\n") == [
        "某县委书记2025年度述职报告",
        "一是建强阵地。新建党群服务中心2个，建筑面积860平方米。",
        "项目\t数量\t地点",
        "新建驿站\t14个",
        "二是培训干部。培训村干部380人次。",
    ]
    assert [p.text for p in propose_claims(text)] == ["新建党群服务中心2个，建筑面积860平方米", "新建驿站\t14个",
                                                      "培训村干部380人次"]


def test_renamed_zip_is_a_bad_docx() -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("photos/IMG_0001.jpg", b"\xff\xd8\xff" + b"0" * 100)
        archive.writestr("readme.txt", "这不是Word文档")
    assert _code(out.getvalue(), "report.docx") == "bad_docx"


def test_broken_docx() -> None:
    data = _docx()
    assert _code(data[: len(data) // 2], "report.docx") == "bad_docx"
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("word/document.xml", "<not really xml")
    assert _code(out.getvalue(), "report.docx") == "bad_docx"


def test_docx_without_text() -> None:
    assert _code(_docx(lambda d: d.add_paragraph("   ")), "report.docx") == "no_text"


# --- HTML ---------------------------------------------------------------------------------

PAGE = """<!DOCTYPE html>
<html><head><meta http-equiv="Content-Type" content="text/html; charset=gb2312">
<title>述职报告_青禾县人民政府</title><style>p {{ color: red }}</style>
<script>var menu = "首页 政务公开 新建驿站9个";</script></head>
<body>
<div class="header">青禾县人民政府门户网站</div>
<nav><ul><li><a href="/">首页</a></li><li>政务公开</li></ul></nav>
<div class="breadcrumb">当前位置：首页 &gt; 工作动态</div>
<div class="main-wrap">
  <h1>中共青禾县委书记2025年度抓基层党建工作述职报告</h1>
  <div class="bdsharebuttonbox">分享到：微信 微博</div>
  {body}
</div>
<aside>相关文章：某乡新建驿站3个</aside>
<div id="footer">版权所有：青禾县人民政府</div>
<script>document.write("访问量");</script>
</body></html>"""
ARTICLE = """<div class="TRS_Editor">
  <p>　　一是建强阵地。新建党群服务中心
  2个，建筑面积860平方米。</p>
  <p>　　二是培训干部。培训村干部380人次。</p>
  <div class="share">分享到：微信</div>
</div>"""


@pytest.mark.parametrize("encoding", ["gb18030", "utf-8"])
def test_html_main_text(encoding: str) -> None:
    page = PAGE.format(body=ARTICLE)
    if encoding == "utf-8":
        page = page.replace("charset=gb2312", "charset=utf-8")
    text = extract_report_text(page.encode(encoding), "report.html")
    assert text == ("中共青禾县委书记2025年度抓基层党建工作述职报告\n"
                    "一是建强阵地。新建党群服务中心2个，建筑面积860平方米。\n"
                    "二是培训干部。培训村干部380人次。")


def test_html_without_a_main_element_drops_navigation() -> None:
    body = "<p>一是建强阵地。新建党群服务中心2个。</p><p>二是培训干部。培训村干部380人次。</p>"
    text = extract_report_text(PAGE.format(body=body).encode("gb18030"), "page")
    assert "新建党群服务中心2个" in text and "培训村干部380人次" in text
    for noise in ("首页", "当前位置", "分享到", "相关文章", "版权所有", "访问量", "var menu", "color"):
        assert noise not in text
    assert [p.text for p in propose_claims(text)] == ["新建党群服务中心2个", "培训村干部380人次"]


def test_html_fragment_by_name_and_sniffing() -> None:
    assert extract_report_text("<div><p>新建驿站9个。</p></div>".encode(), "saved.html") == "新建驿站9个。"
    assert extract_report_text(b"\xef\xbb\xbf \n<!-- saved from url=(0014)about:internet -->\n<html><body>"
                               + "<p>一是</p><p>二是</p>".encode() + b"</body></html>", "x") == "一是\n二是"


@pytest.mark.parametrize(
    "page",
    [
        "<html><head><title>述职报告</title></head><body></body></html>",
        "<html><body><nav>首页 新闻</nav><script>var a = '正文';</script><div id='footer'>版权所有</div></body></html>",
        "<!doctype html><body><!-- 只有注释 --><style>.a{}</style></body>",
    ],
)
def test_html_without_text(page: str) -> None:
    assert _code(page.encode(), "page.html") == "no_text"


# --- PDF ----------------------------------------------------------------------------------


def test_text_pdf_lines_are_joined_into_paragraphs() -> None:
    text = extract_report_text(SAMPLE_PDF.read_bytes(), "report.pdf")
    lines = text.split("\n")
    assert lines[0] == "中共临溪镇委员会书记2025年度抓基层党建工作述职报告"
    assert "一、履行第一责任人职责情况" in lines and "四、下一步工作打算" in lines
    assert ("2025年，我认真履行抓基层党建第一责任人职责。全年主持召开镇党委会议研究党建工作14次，"
            "制定《临溪镇党建工作任务清单》，明确具体任务26项。") in text  # wrapped over two lines in the PDF
    assert not any(line.strip("- ").isdigit() for line in lines), "page numbers are dropped"
    proposals = [p.text for p in propose_claims(text)]
    assert "在柳湾村新建党群服务中心1个，建筑面积460平方米" in proposals
    assert not any("2026" in p or "渠道单一" in p for p in proposals)  # problems and plans are skipped


def test_pdf_line_joining_rules() -> None:
    from fieldcheck.reports.formats import _join_lines

    body = "全年主持召开会议研究党建工作十四次制定任务清单明确具体任务二十六项" * 3
    wrapped = [body[i:i + 30] for i in range(0, len(body), 30)]
    pages = [
        "青禾县委组织部\n一、工 作 情 况\n" + "\n".join(wrapped[:2]) + "\n- 1 -",
        "青禾县委组织部\n" + "\n".join(wrapped[2:]) + "。\n（一）新建驿站9个。\n第 2 页 共 3 页",
        "青禾县委组织部\n二、存在的问题\n3/3",
    ]
    assert _join_lines(pages).split("\n") == ["一、工作情况", body + "。", "（一）新建驿站9个。", "二、存在的问题"]


def _encrypted(user_password: str, owner_password: str, algorithm: str) -> bytes:
    writer = PdfWriter(clone_from=PdfReader(SAMPLE_PDF))
    writer.encrypt(user_password=user_password, owner_password=owner_password, algorithm=algorithm)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


@pytest.mark.parametrize("algorithm", ["RC4-128", "AES-256"])
def test_password_protected_pdf(algorithm: str) -> None:
    assert _code(_encrypted("secret", "owner", algorithm), "report.pdf") == "encrypted_pdf"


@pytest.mark.parametrize("algorithm", ["RC4-128", "AES-256"])
def test_pdf_restricted_only_by_an_owner_password_is_read(algorithm: str) -> None:
    # it opens without a password in every viewer; only copying or printing was restricted
    text = extract_report_text(_encrypted("", "owner", algorithm), "report.pdf")
    assert text == extract_report_text(SAMPLE_PDF.read_bytes(), "report.pdf")


def test_image_only_pdf() -> None:
    out = io.BytesIO()
    Image.new("RGB", (400, 560), "white").save(out, format="PDF")
    assert _code(out.getvalue(), "scan.pdf") == "no_text"


@pytest.mark.parametrize("cut", [8, 200, 1000, 0.5])
def test_broken_pdf(cut: float) -> None:
    data = SAMPLE_PDF.read_bytes()
    assert _code(data[: int(cut * len(data)) if cut < 1 else int(cut)], "report.pdf") == "bad_pdf"
    assert _code(b"%PDF-1.7\n1 0 obj << /Type /Catalog >> garbage", "report.pdf") == "bad_pdf"


# --- nothing but ReportTextError escapes -------------------------------------------------

_SEEDS = [SAMPLE_PDF.read_bytes()[:4096], _docx()[:4096], PAGE.format(body=ARTICLE).encode("gb18030"), REPORT.encode()]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.sampled_from(_SEEDS), cuts=st.lists(st.tuples(st.integers(0, 4095), st.binary(max_size=8)), max_size=4))
def test_mangled_files_raise_only_report_text_errors(seed: bytes, cuts: list[tuple[int, bytes]]) -> None:
    data = bytearray(seed)
    for at, junk in cuts:
        data[at:at + len(junk)] = junk
    try:
        assert isinstance(extract_report_text(bytes(data), "x"), str)
    except ReportTextError as exc:
        assert exc.code in ReportTextError.CODES
