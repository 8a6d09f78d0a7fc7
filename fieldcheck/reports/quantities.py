"""Reading quantities (a number with a unit) and the phrase each one counts, for claim proposals."""

from __future__ import annotations

import re
from decimal import Decimal

from .propose_rules import _ACTION, _ACTIONS, _FIXED_TERM, _QUANTITY, _SLOGAN_NUMBER
from .text import FULLWIDTH_TO_ASCII

__all__ = ["QUANTITY_ROLES", "claimed_quantity", "find_quantities", "quantity_roles"]


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
    slogans = [m.span() for m in _SLOGAN_NUMBER.finditer(copy)]
    for m in _QUANTITY.finditer(copy):
        if m.group("cn") and (any(a < m.start() < b for a, b in slogans) or _FIXED_TERM.match(copy, m.end())):
            continue  # a numbered slogan or name, such as “两个一以贯之” or 八项规定, counts nothing
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


# --- the role of each quantity in a claim, and the claimed one ----------------------------

QUANTITY_ROLES = ("result", "baseline", "target", "part", "total", "people", "size")
_PEOPLE_UNITS = frozenset({"人", "人次", "名", "户", "户次", "位"})
_PEOPLE_VERBS = re.compile(r"服务|惠及|培训|轮训|参训|资助|吸纳|帮助|受益|覆盖|接待|帮扶|慰问|安置|提供|听课|救助|走访")
_CHANGE = re.compile(r"^(?:提高|增加|提升|增长|上升|下降|减少|压减|降低|缩减|精简|压缩|减)?(?:到|至|为)$")
_PART = re.compile(r"其中|占比|比例|率")
_SIZE = re.compile(r"面积|占地|全长|长度|容量")
_TARGET = re.compile(r"目标|任务数|计划")
_DONE = re.compile(r"办结|解决|完成|化解|整改|销号|办理")


def _lead_start(text: str, start: int, qs: int, previous_end: int) -> int:
    """Where the words leading to a quantity at qs begin: after a clause mark or the quantity before it."""
    return max([start, previous_end, *(m.end() for m in _CLAUSE_MARK.finditer(text, start, qs))])


def quantity_roles(text: str, found: list[tuple[int, int, tuple[float, str]]], start: int = 0) -> list[str]:
    """The role (one of QUANTITY_ROLES) of each quantity found in a claim text[start:…], in order.

    ``baseline``: the from-figure of a change (由62%提高到89%: 62%); ``part``: a share of a
    count before it (其中…, …率, 占比); ``total``: a count of which a later one was done
    (收集诉求1127件，办结1098件: 1127); ``people``: the people a deed served (…6期，培训党员980人次);
    ``size``: the size of what was built (面积480平方米); ``target``: a goal; else ``result``.
    """
    leads = [_lead_start(text, start, qs, found[i - 1][1] if i else start) for i, (qs, _, _) in enumerate(found)]
    clause_starts = [_lead_start(text, start, qs, start) for qs, _, _ in found]
    roles: list[str] = []
    for i, (qs, qe, (_, unit)) in enumerate(found):
        before = text[leads[i]:qs]
        following = found[i + 1] if i + 1 < len(found) else None
        if (following and following[2][1] == unit and _CHANGE.match(text[qe:following[0]].strip())
                and re.search(r"[由从]\s*$", before)):
            roles.append("baseline")
        elif roles and roles[-1] == "baseline":
            roles.append("result")  # the to-figure of a change is what was achieved
        elif _TARGET.search(before):
            roles.append("target")
        elif _SIZE.search(before):
            roles.append("size")
        elif i and _PART.search(text[clause_starts[i]:qs]):
            roles.append("part")
        elif any(found[j][2][1] == unit and _DONE.search(text[leads[j]:found[j][0]]) for j in range(i + 1, len(found))):
            roles.append("total")
        elif i and unit in _PEOPLE_UNITS and _PEOPLE_VERBS.search(before):
            roles.append("people")
        else:
            roles.append("result")
    return roles


_CLAUSE_MARK = re.compile(r"[，,：:；;。]")


def claimed_quantity(quantities: list[tuple[float, str]], roles: list[str]) -> tuple[float, str] | None:
    """The quantity the achievement is about: the first result, else the first people served, part or total."""
    for wanted in ("result", "people", "part", "total"):
        for quantity, role in zip(quantities, roles):
            if role == wanted:
                return quantity
    return None
