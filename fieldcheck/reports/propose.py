"""Proposing claims (工作实绩) from a duty report's text, for the organizer to confirm.

Plain rules, no model: a sentence (or enumerated item) is proposed when it carries an
achievement — a quantity with a unit, or a completed action with an object — and it is not a
heading, an item title, a slogan, a background figure, a plan, or part of the problems and
plans sections. Offsets always refer to the text passed in: the rules read a same-length
copy in simplified characters with ASCII digits (traditional text proposes what its simplified
twin does), so offsets never shift. The rules are in propose_rules, quantities in quantities.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from ..cycles.defaults import DEFAULT_ASPECTS
from .chinese import aligned_simplified, to_simplified
from .propose_rules import (
    _BACKGROUND,
    _CLAUSE,
    _CLAUSE_GAP,
    _CLAUSE_LEAD,
    _COMPLETION,
    _CONTINUATION,
    _DEED_VERBS,
    _ECONOMY,
    _NEW_CLAIM,
    _NORM,
    _OBJECT_CLAUSE,
    _RATE,
    _STANCE,
    _SUBJECT_COUNT,
    _TITLE_MAX,
    _WEAK_ACTIONS,
    _actions,
    _is_plan,
    _Piece,
    _pieces,
    _report_year,
)
from .quantities import QUANTITY_ROLES, _counted, _quantities_at, claimed_quantity, find_quantities, quantity_roles
from .text import FULLWIDTH_TO_ASCII

__all__ = [
    "DEFAULT_ASPECTS",
    "DEFAULT_ASPECT_KEYWORDS",
    "QUANTITY_ROLES",
    "REASON_CODES",
    "Proposal",
    "claim_quantities",
    "find_quantities",
    "propose_claims",
    "split_sentences",
    "suggest_aspect",
]

# Why a passage is proposed: (code, figures), e.g. ("quantity", {"qty": "12", "unit": "个"}),
# ("action", {"verb": "新建"}), ("place", {"name": "清河镇新民村"}). The glue words them in the
# reader's language (reports.operations.reason_text); the core stays free of any language.
REASON_CODES = ("quantity", "action", "place")

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
    written in the report; `places` are the given place names found, in reading order;
    `reasons` are (code, figures) pairs, the codes from REASON_CODES. `roles[i]` is the role of
    `quantities[i]` (one of QUANTITY_ROLES) and `claimed` the quantity the achievement is about
    (由62%提高到89% → 89%), None without one; `aspect` is None when no keyword suggests one: the
    organizer must choose it before the proposal can be confirmed.
    """

    start: int
    end: int
    text: str
    quantities: list[tuple[float, str]]
    aspect: str | None
    reasons: list[tuple[str, dict[str, str]]]
    counted: list[str] = field(default_factory=list)
    places: list[str] = field(default_factory=list)
    roles: list[str] = field(default_factory=list)
    claimed: tuple[float, str] | None = None


# --- sentences and places ----------------------------------------------------------------

# Corner brackets, as traditional text quotes, read as the quotation marks of simplified text.
_QUOTES = str.maketrans({"「": "“", "」": "”", "『": "‘", "』": "’"})


def _reading(text: str) -> str:
    """The same-length copy the rules read: simplified characters, ASCII digits, “” quotes."""
    return aligned_simplified(text).translate(FULLWIDTH_TO_ASCII).translate(_QUOTES)



def split_sentences(text: str) -> list[tuple[int, int]]:
    """Spans of the sentences and enumerated items (markers such as 一是/（一） left out); headings skipped."""
    return [(p.start, p.end) for p in _pieces(text)]


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


def propose_claims(text: str, aspect_keywords: Mapping[str, Sequence[str]] | None = None,
                   place_names: Sequence[str] = ()) -> list[Proposal]:
    """Sentences of `text` that carry an achievement, as proposals with quantities and a suggested aspect.

    The rules read a same-length simplified copy, so traditional text works; `place_names` and
    `aspect_keywords` are matched across traditional and simplified, place names longest first,
    and the names found are reported in `places`. Units are given in simplified characters.
    """
    original, text = text, _reading(text)
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
    """The clauses of a sentence grouped into claims, one achievement each.

    A new claim starts, once the claim before it has a quantity (not only the count it works on:
    针对问题23个), at a clause with a quantity of its own
    that opens at a named place, a county-wide count, a new document, a count of its subject, or has a
    verb of its own before its count — unless it opens with a part, a size or the people served.
    """
    units: list[list[tuple[int, int]]] = []
    for s, e in clauses:
        before = [q for cs, ce in (units[-1] if units else []) if not _OBJECT_CLAUSE.match(text[cs:ce].strip())
                  for q in _quantities_at(text, cs, ce)]
        counted_before = {q[2][1] for cs, ce in (c for u in units for c in u) for q in _quantities_at(text, cs, ce)}
        if before and _starts_claim(text, s, e, place_keys, counted_before):
            units.append([(s, e)])
        elif units:
            units[-1].append((s, e))
        else:
            units.append([(s, e)])
    return units


def _starts_claim(text: str, s: int, e: int, place_keys: Sequence[str], units_before: set[str]) -> bool:
    """Whether the clause text[s:e] is another achievement than the clauses before it in its sentence."""
    clause = text[s:e].rstrip()
    e = s + len(clause)
    clause = clause.lstrip()
    if _NEW_CLAIM.match(clause) or any(clause.lstrip("其中在").startswith(k) for k in place_keys):
        return True
    own = _quantities_at(text, s, e)
    if not own:
        return False
    body = clause[_CLAUSE_LEAD.match(clause).end():] if _CLAUSE_LEAD.match(clause) else clause
    if _CONTINUATION.match(body) or _RATE.search(text, s, own[0][0]):
        return False
    if _COMPLETION.match(body) and own[0][2][1] in units_before:
        return False  # how many of the counted were done: 收集诉求1127件，办结1098件
    if _SUBJECT_COUNT.match(body):
        return True
    body_start = e - len(body) if body else e
    return _DEED_VERBS.search(text, body_start, own[0][0]) is not None


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
    reasons = [("quantity", {"qty": f"{value:g}", "unit": unit}) for value, unit in quantities]
    reasons += [("action", {"verb": verb}) for verb in dict.fromkeys(actions)]
    reasons += [("place", {"name": name}) for name in places]
    roles = quantity_roles(text, found, start)
    return Proposal(start, end, original[start:end], quantities, suggest_aspect(sentence, aspect_keywords), reasons,
                    counted, places, roles, claimed_quantity(quantities, roles))


def claim_quantities(passage: str) -> list[tuple[float, str, str]]:
    """(number, unit, role) for each quantity in a claim's passage, read on its simplified copy."""
    copy = _reading(passage)
    found = _quantities_at(copy, 0, len(copy))
    return [(value, unit, role) for (_, _, (value, unit)), role in zip(found, quantity_roles(copy, found))]
