"""A new cycle's defaults, each defined once (the cycle's own settings override them)."""

from __future__ import annotations

# The five default aspects: code, Chinese name, English name.
DEFAULT_ASPECTS: list[tuple[str, str, str]] = [
    ("organization", "组织建设", "Party organisation building"),
    ("cadres", "干部队伍", "Cadre team"),
    ("members", "党员教育管理", "Party member education and management"),
    ("services", "服务群众", "Serving the people"),
    ("integrity", "作风建设", "Work style and integrity"),
]

DEFAULT_QUESTIONS = (
    "这项工作确实办成了吗？",
    "您对这项工作的效果满意吗？",
    "这项工作对您或您身边的人有实际帮助吗？",
)

# What a stratum of the draw is: each report, or each report's aspect.
STRATA = ("report", "report+aspect")
