"""The results board's SVG: positions follow the figures, text is escaped, nothing is drawn that is not there."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from fieldcheck.grading.charts import LEFT, SCALE, board_svg

LABELS = {"title": "结果", "total": "总分", "share": "属实比例", "progress": "进度", "no_ballot": "尚无测评"}
NS = "{http://www.w3.org/2000/svg}"


def row(**values):
    base = {"report": "r1", "unit": "中共<青山>县委", "verification_total": 80.0, "verified_share": 0.9,
            "verified_share_lower": 0.5, "grade": None, "proposed_grade": "较好", "sample_size": 10, "decided": 4,
            "ballot_counts": {"好": 6, "较好": 3, "一般": 1, "差": 0}}
    return {**base, **values}


def test_the_dot_the_interval_and_the_bars_sit_where_the_figures_say():
    svg = ET.fromstring(board_svg([row()], LABELS))
    circle = svg.find(f".//{NS}circle")
    assert float(circle.get("cx")) == round(LEFT + SCALE * 0.8, 1)
    interval = svg.find(f".//{NS}line[@class='interval']")
    assert (float(interval.get("x1")), float(interval.get("x2"))) == (round(LEFT + SCALE * 0.5, 1),
                                                                       round(LEFT + SCALE * 0.9, 1))
    done = svg.find(f".//{NS}rect[@class='done']")
    assert float(done.get("width")) == round(SCALE * 0.4, 1)
    ballot = [r for r in svg.iter(f"{NS}rect") if r.get("class") == "ballot"]
    assert [round(float(r.get("width")), 1) for r in ballot] == [round(SCALE * 0.6, 1), round(SCALE * 0.3, 1),
                                                                  round(SCALE * 0.1, 1)]
    texts = [t.text for t in svg.iter(f"{NS}text")]
    assert "中共<青山>县委" in texts and "(较好)" in texts  # escaped in the markup, proposed grade in brackets


def test_a_report_without_figures_draws_no_dot_no_interval_and_says_there_is_no_ballot():
    svg_text = board_svg([row(verification_total=None, verified_share=None, verified_share_lower=None,
                              ballot_counts={}, grade="一般", sample_size=0)], LABELS)
    svg = ET.fromstring(svg_text)
    assert svg.find(f".//{NS}circle") is None and svg.find(f".//{NS}line[@class='interval']") is None
    assert svg.find(f".//{NS}rect[@class='done']") is None
    assert "尚无测评" in svg_text and re.search(r">一般</text>", svg_text)
