"""Reading quantities (a number with a unit) and the phrase each one counts, for claim proposals."""

from __future__ import annotations

import re
from decimal import Decimal

from .propose_rules import _ACTION, _ACTIONS, _FIXED_TERM, _QUANTITY, _SLOGAN_NUMBER
from .text import FULLWIDTH_TO_ASCII

__all__ = ["find_quantities"]


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
