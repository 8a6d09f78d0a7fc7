"""Proposing claims (工作实绩) from a duty report's text, for the organizer to confirm.

Plain rules, no model: a sentence (or enumerated item) is proposed when it carries an
achievement — a quantity with a unit, or a completed action with an object — and it is not a
heading, an item title, a slogan, a background figure, a plan, or part of the problems and
plans sections. Offsets always refer to the text passed in: the rules read a same-length
copy in simplified characters with ASCII digits (traditional text proposes what its simplified
twin does), so offsets never shift.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from .chinese import aligned_simplified, to_simplified
from .text import FULLWIDTH_TO_ASCII

__all__ = [
    "DEFAULT_ASPECTS",
    "DEFAULT_ASPECT_KEYWORDS",
    "Proposal",
    "find_quantities",
    "propose_claims",
    "split_sentences",
    "suggest_aspect",
]

# (code, Chinese name, English name): the default aspects of a new cycle.
DEFAULT_ASPECTS: list[tuple[str, str, str]] = [
    ("organization", "组织建设", "Party organisation building"),
    ("cadres", "干部队伍", "Cadre team"),
    ("members", "党员教育管理", "Party member education and management"),
    ("services", "服务群众", "Serving the people"),
    ("integrity", "作风建设", "Work style and integrity"),
]

# Keywords that suggest each default aspect; the longest non-overlapping matches win.
DEFAULT_ASPECT_KEYWORDS: dict[str, tuple[str, ...]] = {
    "organization": (
        "党组织", "党支部", "支部", "党委", "党小组", "党工委", "组建", "换届", "软弱涣散", "整顿转化",
        "党群服务中心", "阵地", "标准化", "规范化", "两新", "非公企业", "社会组织", "覆盖", "机构改革",
        "街道", "网格", "集体经济", "合作社", "领办", "模范机关", "责任清单", "任务清单", "专题研究",
        "常委会", "党建工作", "联系点", "调研", "国有企业", "公司章程", "教育基地", "中小学", "学校",
        "实践基地", "运行规则", "五星级", "星级", "党员活动室", "活动室", "党建品牌", "联建", "融合项目",
        "示范项目", "公司治理", "前置研究",
    ),
    "cadres": (
        "书记", "村党组织书记", "村干部", "第一书记", "后备力量", "头雁", "干部队伍", "选派", "选任",
        "选拔", "调整优化", "备案管理", "约谈", "述职评议", "轮训班", "培训班", "示范培训", "编制",
        "考察学习", "驻村", "社区工作者", "专职工作者", "党建指导员", "年轻干部", "提拔", "任用", "交流轮岗", "轮岗",
        "党组织书记", "招考", "招录",
        "竞聘", "中层", "人才", "人事档案", "干部档案", "科级干部", "挂职", "读书班", "党务干部",
    ),
    "members": (
        "党员", "发展党员", "入党", "积极分子", "流动党员", "失联党员", "党课", "讲党课", "轮训", "参训",
        "参加培训", "主题党日", "三会一课", "组织生活", "慰问", "老党员", "困难党员", "党员教育",
        "青年农民党员", "党费", "理论学习", "中心组", "预备党员", "党员先锋", "先锋岗", "突击队",
    ),
    "services": (
        "群众", "办实事", "解决", "实际问题", "诉求", "便民", "服务", "物业", "加装电梯", "停车",
        "就业", "增收", "车间", "驿站", "新就业群体", "快递", "外卖", "老年食堂", "养老", "课堂",
        "纠纷", "矛盾", "在职党员", "报到", "认领", "民生", "帮扶", "光伏", "种植", "小区",
        "低保", "特困", "困难群众", "困境儿童", "儿童", "老年人", "老人", "适老化", "助餐", "救助", "受灾",
        "职工", "农民工", "工资", "道路", "污水", "供水", "安置房", "保障性住房", "老旧小区", "体检", "颁证",
        "婚姻", "居民", "通车",
    ),
    "integrity": (
        "作风", "形式主义", "官僚主义", "减负", "督查检查", "考核事项", "精简", "文件", "标识牌", "挂牌",
        "不正之风", "腐败", "查处", "处分", "通报", "曝光", "警示教育", "纪律", "廉洁", "三资",
        "集体资金", "合同", "追缴", "侵占", "整改", "收回集体土地", "审计", "追回", "违纪", "违规", "违法",
        "廉政", "风险点", "巡察", "招标", "采购", "黑名单", "内控", "八项规定", "四风", "公务用车", "以案促改",
        "专项整治", "漠视侵害", "整改措施", "整改到位", "整改完成", "纪委", "纪工委", "信访举报", "立案", "庭审",
    ),
}


@dataclass(frozen=True)
class Proposal:
    """A proposed claim: text == report[start:end].

    `counted[i]` is the phrase that `quantities[i]` counts (培训村干部380人次 → 村干部), as
    written in the report; `places` are the given place names found, in reading order.
    """

    start: int
    end: int
    text: str
    quantities: list[tuple[float, str]]
    aspect: str | None
    reasons: list[str]
    counted: list[str] = field(default_factory=list)
    places: list[str] = field(default_factory=list)


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
    r"存在的问题|主要问题|问题和不足|问题与不足|不足|差距|下一步|打算|努力方向|工作思路|改进措施"
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
    "被评为", "荣获", "获评", "入选", "试点",
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
_BACKGROUND = re.compile(r"现有|共有|下辖|总数")
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
_CLAUSE = re.compile(r"[^，,：:]+")
_CLAUSE_GAP = re.compile(r"[，,：:；;。]")
_TITLE_MAX = 20


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


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Spans of the sentences and enumerated items (markers such as 一是/（一） left out); headings skipped."""
    return [(p.start, p.end) for p in _pieces(text)]


# --- reading quantities ------------------------------------------------------------------


def _cn_number(s: str) -> int:
    """Value of a Chinese numeral such as 三百二十 or 两万."""
    digits = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7,
              "八": 8, "九": 9}
    small = {"十": 10, "百": 100, "千": 1000}
    total = section = number = 0
    for ch in s:
        if ch in digits:
            number = digits[ch]
        elif ch in small:
            section += (number or 1) * small[ch]
            number = 0
        else:  # 万
            total += (section + number) * 10_000
            section = number = 0
    return total + section + number


def _quantities_at(text: str, start: int, end: int) -> list[tuple[int, int, tuple[float, str]]]:
    """(start, end, (number, unit)) for each quantity in text[start:end]."""
    copy = text[start:end].translate(FULLWIDTH_TO_ASCII)
    found: list[tuple[int, int, tuple[float, str]]] = []
    for m in _QUANTITY.finditer(copy):
        value = Decimal(m.group("num")) if m.group("num") else Decimal(_cn_number(m.group("cn")))
        unit, mul = m.group("unit"), m.group("mul")
        if mul in ("万", "亿") and unit == "元":
            unit = mul + "元"
        elif mul:
            value *= {"千": 1_000, "万": 10_000, "亿": 100_000_000}[mul]
        found.append((start + m.start(), start + m.end(), (float(value), unit)))
    return found


def find_quantities(text: str) -> list[tuple[float, str]]:
    """The (number, unit) quantities in a passage, in reading order; 万 is folded in except for 万元."""
    return [q for _, _, q in _quantities_at(text, 0, len(text))]


_PHRASE_END = re.compile(  # where the noun phrase after or before a quantity stops
    r"[^\w“”‘’《》·]|" + "|".join(sorted(_ACTIONS, key=len, reverse=True)) +
    r"|全部|均|已|分别|达到|进行|开展|参加|参训|担任|提供|入社|的|和|及|与|等|[到在为至]"
)
_AFTER_LEAD = re.compile(r"(?:以上|以下|左右|的)+")
_LEAD = re.compile(r"(?:其中|全年|全县|全市|全区|共计|累计|共|我|各|对|为|向|与|在|给|已|的)+")
_TAIL = re.compile(r"(?:分别为|分别达到|分别|达到|提高到|增加到|减少到|下降到|超过|达|为|由|至|约|近|计|共|累计|共计|的"
                   r"|[、，,和及与])+$")


def _counted(text: str, qs: int, qe: int, lower: int, upper: int, follows: bool) -> tuple[int, int] | None:
    """The span of the phrase a quantity at text[qs:qe] counts: the noun after it, else the words before it.

    None when only a verb stands between it and the quantity it `follows` (由46项压减至19项).
    """
    lead = _AFTER_LEAD.match(text, qe, upper)
    s = lead.end() if lead else qe
    stops = (m.start() for m in _PHRASE_END.finditer(text, s, upper) if len(m.group()) > 1 or m.start() - s > 1
             or m.group() not in "到在为至")
    e = next(stops, upper)
    if e > s:
        return s, e
    tail = _TAIL.search(text, lower, qs)
    e = tail.start() if tail else qs
    verbs = list(_ACTION.finditer(text, lower, e))
    if verbs and verbs[-1].end() == e and follows:
        return None
    if verbs:
        s, e = (verbs[-1].end(), e) if verbs[-1].end() < e else verbs[-1].span()
    else:
        gaps = [m.end() for m in re.finditer(r"[^\w“”‘’《》·]", text[lower:e])]
        s = lower + (gaps[-1] if gaps else 0)
    lead = _LEAD.match(text, s, e)
    s = lead.end() if lead else s
    return (max(s, e - 16), e) if e > s else None


def _places_in(copy: str, start: int, end: int, names: Sequence[tuple[str, str]]) -> list[str]:
    """The given place names found in copy[start:end], longest first, in reading order."""
    taken = [False] * (end - start)
    found: list[tuple[int, str]] = []
    for name, key in names:
        for m in re.finditer(re.escape(key), copy[start:end]):
            if not any(taken[m.start():m.end()]):
                taken[m.start():m.end()] = [True] * len(key)
                found.append((m.start(), name))
    return list(dict.fromkeys(name for _, name in sorted(found)))


# --- aspects ------------------------------------------------------------------------------


def suggest_aspect(text: str, aspect_keywords: Mapping[str, Sequence[str]] | None = None) -> str | None:
    """The aspect whose keywords cover most of the passage (longest matches first); None without a match."""
    keywords = DEFAULT_ASPECT_KEYWORDS if aspect_keywords is None else aspect_keywords
    matches: list[tuple[int, int, str]] = []
    for code, words in keywords.items():
        for word in words:
            if word:
                matches.extend((m.start(), m.start() + len(word), code) for m in re.finditer(re.escape(word), text))
    matches.sort(key=lambda m: (-(m[1] - m[0]), m[0]))
    taken = [False] * len(text)
    scores: dict[str, int] = {}
    for s, e, code in matches:
        if not any(taken[s:e]):
            taken[s:e] = [True] * (e - s)
            scores[code] = scores.get(code, 0) + (e - s)
    if not scores:
        return None
    order = list(keywords)
    return max(scores, key=lambda code: (scores[code], -order.index(code)))


# --- proposing ----------------------------------------------------------------------------


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


def propose_claims(text: str, aspect_keywords: Mapping[str, Sequence[str]] | None = None,
                   place_names: Sequence[str] = ()) -> list[Proposal]:
    """Sentences of `text` that carry an achievement, as proposals with quantities and a suggested aspect.

    The rules read a same-length simplified copy, so traditional text works; `place_names` and
    `aspect_keywords` are matched across traditional and simplified, place names longest first,
    and the names found are reported in `places`. Units are given in simplified characters.
    """
    original, text = text, aligned_simplified(text).translate(FULLWIDTH_TO_ASCII)
    assert len(text) == len(original), "the simplified copy must keep every offset"
    names = sorted(((n, to_simplified(n)) for n in dict.fromkeys(place_names) if n),
                   key=lambda nk: (-len(nk[1]), nk[1]))
    if aspect_keywords is not None:
        aspect_keywords = {code: [to_simplified(w) for w in words] for code, words in aspect_keywords.items()}
    year = _report_year(text)
    proposals: list[Proposal] = []
    for piece in _pieces(text):
        if piece.skipped_by is not None:
            continue
        clauses = [(m.start(), m.end()) for m in _CLAUSE.finditer(text, piece.start, piece.end)]
        kept: list[tuple[int, int]] = []
        for s, e in clauses:
            if _is_plan(text[s:e], year):
                break
            kept.append((s, e))
        for unit in _units(text, kept, [k for _, k in names]):
            proposal = _proposal(text, original, unit, piece, year, aspect_keywords, names)
            if proposal is not None:
                proposals.append(proposal)
    return proposals


def _units(text: str, clauses: list[tuple[int, int]], place_keys: Sequence[str]) -> list[list[tuple[int, int]]]:
    """The clauses of a sentence grouped into claims: a new claim starts at a named place, a
    county-wide count or a new document, once the claim before it has a quantity."""
    units: list[list[tuple[int, int]]] = []
    for s, e in clauses:
        clause = text[s:e].strip()
        new = _NEW_CLAIM.match(clause) or any(clause.lstrip("其中在").startswith(k) for k in place_keys)
        if units and new and _quantities_at(text, units[-1][0][0], units[-1][-1][1]):
            units.append([(s, e)])
        elif units:
            units[-1].append((s, e))
        else:
            units.append([(s, e)])
    return units


def _proposal(text: str, original: str, unit: list[tuple[int, int]], piece: _Piece, year: int | None,
              aspect_keywords: Mapping[str, Sequence[str]] | None, names: Sequence[tuple[str, str]]) -> Proposal | None:
    """The proposal for one claim-sized run of clauses, or None when it carries no achievement."""
    start, end = unit[0][0], unit[-1][1]
    while start < end and text[start].isspace():
        start += 1
    if text.startswith("其中", start) and start != piece.start:
        start += 2
    while end > start and text[end - 1].isspace():
        end -= 1
    sentence = text[start:end]
    found = _quantities_at(text, start, end)
    quantities = [q for _, _, q in found]
    actions = [a for s, e in unit for a in _actions(text[s:e].strip())]
    norm_clauses = [(s, e) for s, e in unit if _NORM.match(text[s:e].strip())]
    counts = [q for q in found if not any(s <= q[0] < e for s, e in norm_clauses)]
    if not counts:
        if piece.enumerated and piece.followed and len(sentence) <= _TITLE_MAX:
            return None  # an item's title, such as 一是压实责任链条
        if not set(actions) - _WEAK_ACTIONS or _STANCE.match(sentence):
            return None
    elif not actions and _BACKGROUND.search(sentence):
        return None  # a background figure, such as 全县现有党员2.3万名
    if _ECONOMY.search(sentence):
        return None  # an economic result, such as 完成投资186亿元
    counted: list[str] = []
    for i, (qs, qe, _) in enumerate(found):
        lower = max([start, *(m.end() for m in _CLAUSE_GAP.finditer(text, start, qs))])
        follows = i > 0 and found[i - 1][1] > lower
        lower = max(lower, found[i - 1][1]) if i else lower
        upper = min([end, *(m.start() for m in _CLAUSE_GAP.finditer(text, qe, end))])
        span = _counted(text, qs, qe, lower, upper, follows)
        counted.append(original[span[0]:span[1]] if span else (counted[-1] if counted else ""))
    places = _places_in(text, start, end, names)
    reasons = [f"quantity {value:g}{unit}" for value, unit in quantities]
    reasons += [f"action {verb}" for verb in dict.fromkeys(actions)]
    reasons += [f"place {name}" for name in places]
    return Proposal(start, end, original[start:end], quantities, suggest_aspect(sentence, aspect_keywords), reasons,
                    counted, places)
