"""The rules that claim proposals (fieldcheck.reports.propose) are read by.

The regular expressions and word lists (units, markers, headings, plans, actions), the
splitting of a report into sentences and enumerated items with its problems/plans sections
marked, and the tests of a clause for a plan or a completed action.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from .text import FULLWIDTH_TO_ASCII

# --- character classes and patterns --------------------------------------------------------


_CN = "零〇一二两三四五六七八九十百千万"
_CN_ORD = "一二三四五六七八九十"
_SENTENCE_END = "。；！？;!?"

_UNITS = (
    "平方米", "人次", "场次", "户次", "家次", "件次", "万元", "亿元", "个月", "公里", "千米", "课时", "学时", "小时",
    "元", "个", "名", "人", "次", "场", "亩", "%", "处", "家", "所", "项", "件", "份", "期", "户", "套",
    "座", "条", "台", "间", "批", "支", "篇", "本", "块", "起", "米", "吨", "天", "类", "轮", "位", "张",
    "辆", "栋", "幢", "节", "堂", "册", "门", "宗", "笔", "盏", "棵", "株", "头", "卷", "部(?![门署分队长委位])",
    "对(?![象于接照])",
)
_QUANTITY = re.compile(
    r"(?<![0-9.第])(?:(?P<num>[0-9]+(?:\.[0-9]+)?)|(?P<cn>[" + _CN + r"]{2,}|[二两三四五六七八九十]))"
    r"(?:余|多)?(?P<mul>万|亿|千)?(?:余|多)?"
    r"(?P<unit>" + "|".join(u if "(" in u else re.escape(u) for u in _UNITS) + r")(?!性)"
)

_MARKER = re.compile(  # used with .match(line, pos): no "^"
    r"(?:[" + _CN_ORD + r"]+是|其[" + _CN_ORD + r"]|第[" + _CN_ORD + r"]+(?=[，,、])"
    r"|[（(][" + _CN_ORD + r"\d]+[）)]|[" + _CN_ORD + r"]+、|\d+[.．、](?!\d)|[①-⑳]|[-*•·](?=\s))"
    r"[\s，,、：:]*"
)

_HEADINGS: tuple[tuple[re.Pattern[str], int], ...] = (
    (re.compile(r"^[" + _CN_ORD + r"]+、"), 2),
    (re.compile(r"^第[" + _CN_ORD + r"]+(?:部分|章|节)"), 2),
    (re.compile(r"^[（(][" + _CN_ORD + r"]+[）)]"), 3),
    (re.compile(r"^\d+[.．、](?!\d)"), 4),
)
_MD_HEADING = re.compile(r"^(#{1,6})\s*")
_META_LINE = re.compile(r"^(?:述职人|报告人|单位|时间|日期|职务)[：:]")
_NON_CLAIM_HEADING = re.compile(
    r"存在的?问题|主要问题|问题和不足|问题与不足|不足|差距|下一步|打算|努力方向|工作思路|改进措施"
    r"|(?:工作|年度|今后|明年|\d{4}年)计划|计划安排"
)

_PLAN = re.compile(
    r"力争|争取(?=\d|到|在|于|明年|年内|实现)|拟(?!定|稿|任)|预计|下一步|明年|今后"
    r"|计划(?=于|在|到|用|年内|今年|明年|\d|新建|再|投入|完成|开展|建设|推广)"
    r"|(?:即|还|也|并|仍|均)将|将(?=于|要|会|继续|进一步|持续|全面|加快|逐步|陆续|在(?!职)|深入|着力"
    r"|不断|推动|推广|适时|尽快)|到\d{4}年|\d{4}年(?:底前|前|内)"
)
_YEAR = re.compile(r"(?<!\d)((?:19|20)\d{2})(?=年)")

_ACTIONS = (
    "建成", "新建", "改建", "扩建", "建立", "组建", "成立", "设立", "开设", "完成", "培训", "轮训", "参训",
    "发展", "整治", "整顿", "选派", "选任", "选配", "选聘", "选拔", "调整", "制定", "出台", "印发",
    "举办", "召开", "开展", "清理", "收回", "追缴", "排查", "评选", "表彰", "推行", "改造", "修缮",
    "硬化", "安装", "配备", "解决", "办结", "化解", "调处", "查处", "处分", "通报", "约谈", "走访",
    "慰问", "引导", "划分", "储备", "吸纳", "带动", "流转", "摘除", "压减", "精简", "认领", "办实事",
    "讲党课", "实现", "落实", "打造", "创建", "发放", "修订", "投入", "命名", "招录", "回访", "结对",
    "被评为", "荣获", "获评", "入选", "试点", "晋升",
)
_ACTION = re.compile("|".join(sorted(_ACTIONS, key=len, reverse=True)))
_OBJECT = re.compile(r"(?!的)了?[“《\w]{2}")
_ABSTRACT_END = re.compile(
    r"(?:机制|制度|体制|责任制|负责制|体系|格局|氛围|意识|理念|水平|能力|作用|导向|要求|精神|思想|决策部署)"
    r"[”》]?$"
)
_STANCE = re.compile(
    r"^(?:坚持|始终|着力|注重|强化|加强|深化|聚焦|围绕|推动|持续|不断|进一步|切实|积极|努力|大力|扎实"
    r"|牢固|牢记|做到|确保|全力|紧扣|突出)"
)
_BACKGROUND = re.compile(r"现有|共有|下?辖\d|总数")
_ECONOMY = re.compile(  # economic results are not party work
    r"生产总值|GDP|资产总额|营业收入|利润总额|完成投资|固定资产投资|财政收入|一般公共预算|税收|信用等级")
_NORM = re.compile(r"每(?:名|个|位|户|人|村|社区)")  # 每名班子成员联系1至2个社区: a rule, not a result
_WEAK_ACTIONS = frozenset({"带动", "引导", "落实", "实现", "打造", "投入", "结对"})  # count only with a quantity
# A clause that starts another claim within a sentence: a named place or a county-wide count, or a
# new document (…42次，在清河镇杏花村建立… / …，全县15个社区… / …，制定印发《…》…).
_NEW_CLAIM = re.compile(
    r"(?:其中)?在?[\u4e00-\u9fff]{2,4}(?:镇|乡|街道)[\u4e00-\u9fff]{2,4}(?:村|社区)|(?:其中)?在[\u4e00-\u9fff]{2,4}(?:村|社区)"
    r"|(?:全县|全市|全区|全镇|全乡)\d|(?:制定|出台|印发|修订)+《"
)
# One proposal per achievement (issue 13): within a sentence, a clause whose own count follows a verb of
# its own is another achievement (…调研17次，为师生讲思政课4次，协调解决问题5个 → three), and so is a clause
# that opens with a count of its subject (…，12个村集体经营性收入全部超过10万元). A clause that opens
# with a part, a size or the people served stays with the achievement before it (…，其中… / …，面积… /
# …，培训党员980人次 / …，惠及学生3800名 / 收集诉求1127件，办结1098件).
_DEED_VERBS = re.compile("|".join(sorted({*_ACTIONS, "讲", "走访", "调研", "收集", "找回", "销售", "减少", "压减",
                                          "下降", "提高", "评选"}, key=len, reverse=True)))
_CLAUSE_LEAD = re.compile(r"^(?:并|还|同时|另|全年|年内|年底|年中|累计|先后|共|我|已|现场|带头|亲自|组织)+")
_OBJECT_CLAUSE = re.compile(r"^(?:针对|对照|对)")  # 针对反馈的问题23个，制定整改措施67条: the count it works on, not a result
_CONTINUATION = re.compile(
    r"^(?:其中|包括|面积|建筑面积|总面积|占地|全长|培训|参训|惠及|服务|吸纳|带动|资助|覆盖|受益|办结|给予|选出|新增|占"
    r"|同比|涉及|分别|达到|人均|平均|均|全部)")
_SUBJECT_COUNT = re.compile(r"^\d+(?:\.\d+)?(?:个|家|所|名|位)(?![^，,]*(?:参加|参训|参与|受益))")
_RATE = re.compile(r"率[^0-9，,]{0,4}$")  # …，化解率达到95%: a rate of the count before it
_COMPLETION = re.compile(r"^(?:完成|解决|办结|化解|整改|办理|销号)")  # …问题73个，已解决69个
_CLAUSE = re.compile(r"[^，,：:]+")
_CLAUSE_GAP = re.compile(r"[，,：:；;。]")
_TITLE_MAX = 20
_FIXED_TERM = re.compile(r"规定|意识|自信|维护|确立|一以贯之|不准|禁令|表率")  # 八项规定, 四个意识: a name, not a count
_SLOGAN_NUMBER = re.compile(r"[“「『‘][" + _CN + r"]+[^”」』’]{0,12}[”」』’]")  # “两个一以贯之”, “三会一课”


@dataclass(frozen=True)
class _Piece:
    """A sentence or enumerated item: its span and where it sits."""

    start: int
    end: int
    enumerated: bool  # began with a marker such as 一是 or （一）
    followed: bool  # more text follows on the same line
    skipped_by: str | None  # the problems/plans heading whose section holds it


# --- splitting ---------------------------------------------------------------------------


def _heading_level(line: str) -> int | None:
    """The level of a heading line, or None for body text (a short unpunctuated line with a quantity is body text)."""
    md = _MD_HEADING.match(line)
    if md:
        return len(md.group(1))
    if (len(line) > 40 or any(ch in line for ch in _SENTENCE_END)
            or _QUANTITY.search(line.translate(FULLWIDTH_TO_ASCII))):
        return None
    if "述职报告" in line:
        return 1
    for pattern, level in _HEADINGS:
        if pattern.match(line):
            return level
    return None


def _non_claim_lead(line: str) -> str | None:
    """A paragraph led by 存在的问题： or 下一步， holds no claims: its lead, else None."""
    lead = re.split(r"[：:，,。；;]", line, maxsplit=1)[0].lstrip("#").strip()
    return lead if len(lead) <= 12 and _NON_CLAIM_HEADING.search(lead) else None


def _lines(text: str) -> Iterator[tuple[int, str]]:
    """(offset, line) for each line, whatever the line ends."""
    for m in re.finditer(r"[^\r\n]+", text):
        yield m.start(), m.group()


def _pieces(text: str) -> Iterator[_Piece]:
    """The sentences of the body text, enumeration markers left out, headings skipped."""
    skip_level: int | None = None
    skip_heading: str | None = None
    for line_start, line in _lines(text):
        stripped = line.strip()
        if not stripped or _META_LINE.match(stripped):
            continue
        level = _heading_level(stripped)
        if level is not None:
            if skip_level is not None and level <= skip_level:
                skip_level, skip_heading = None, None
            if skip_level is None and _NON_CLAIM_HEADING.search(stripped):
                skip_level, skip_heading = level, stripped.lstrip("#").strip()
            continue
        line_skip = skip_heading or _non_claim_lead(stripped)
        line_end = len(line.rstrip())
        for m in re.finditer(r"[^" + _SENTENCE_END + r"]+", line):
            s, e = m.start(), m.end()
            while s < e and line[s].isspace():
                s += 1
            enumerated = False
            while True:
                mk = _MARKER.match(line, s, e)
                if not mk or mk.end() == s:
                    break
                s, enumerated = mk.end(), True
            while e > s and (line[e - 1].isspace() or line[e - 1] in "，,、：:"):
                e -= 1
            if not re.search(r"\w", line[s:e]):
                continue
            rest = line[m.end():line_end]
            followed = bool(re.search(r"\w", rest))
            yield _Piece(line_start + s, line_start + e, enumerated, followed, line_skip)


# --- plans and actions ---------------------------------------------------------------------


def _report_year(text: str) -> int | None:
    """The report's year: the first year named in it (usually the title's)."""
    m = _YEAR.search(text)
    return int(m.group(1)) if m else None


def _is_plan(clause: str, year: int | None) -> bool:
    """Whether a clause announces a plan or a target rather than a result."""
    if _PLAN.search(clause):
        return True
    return year is not None and any(int(y) > year for y in _YEAR.findall(clause))


def _actions(clause: str) -> list[str]:
    """Completed-action verbs in a clause that take an object; none for abstract aims."""
    if _STANCE.match(clause) or _ABSTRACT_END.search(clause):
        return []
    return [m.group() for m in _ACTION.finditer(clause) if _OBJECT.match(clause, m.end())]
