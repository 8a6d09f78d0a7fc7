"""The organizer reads the results board on a phone: the chart fits the screen and says what it draws."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

import story
from test_e2e import login

HERE = (31.2304, 121.4737)


@pytest.mark.browser
def test_the_results_board_chart_fits_a_phone_and_the_close_shows_its_hash(app, live_server, phone, tmp_path):
    world = story.build_world(app)
    runner = app.test_cli_runner()
    tally = tmp_path / "tally.csv"
    tally.write_text("unit,好,较好,一般,差\n中共青山县委,6,3,1,0\n", "utf-8")
    org_ballot = runner.invoke(args=["ballot", "create", world.cycle_code, "--count", "1", "-o",
                                     str(tmp_path / "sheet.html"), "--base-url", live_server, "--as", "org"])
    assert org_ballot.exit_code == 0, org_ballot.output
    assert runner.invoke(args=["ballot", "import", world.cycle_code, str(tally), "--as", "org"]).exit_code == 0
    assert runner.invoke(args=["cycle", "end-fieldwork", world.cycle_code, "--reason", "到期", "--as", "org"]).exit_code == 0

    page = phone(*HERE).new_page()
    page.set_viewport_size({"width": 360, "height": 740})
    login(page, "org")
    page.goto(f"/cycles/{world.cycle_code}/grades")
    chart = page.locator("#board-chart svg")
    expect(chart).to_be_visible()
    box = chart.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 360  # no sideways scrolling to read it
    # The ballot's distribution is drawn: 好 6 of 10 is the widest of three segments.
    widths = page.eval_on_selector_all("#board-chart rect.ballot", "rs => rs.map(r => r.getBBox().width)")
    assert len(widths) == 3 and widths[0] == max(widths)
    page.screenshot(path=str(tmp_path / "board.png"), full_page=True)

    page.goto(f"/cycles/{world.cycle_code}")
    page.fill("#close-reason", "定稿")
    page.get_by_role("button", name="关闭考核批次").click()
    page.locator("#confirm-button").click()
    sha = page.locator("#snapshot .mono").inner_text().strip()
    assert len(sha) == 64
    page.goto(f"/p/{world.cycle_code}")
    expect(page.locator("#snapshot-sha256")).to_have_text(sha)
