"""One verification from the examiner's phone to the grading engine's export, in a real browser.

The UI text is Chinese first and its translations may change, so the test finds elements by
ids, names, values and classes, never by visible wording.
"""

from __future__ import annotations

import gzip
import os
import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

import story

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
# A real 9 MP phone photo (2.2 MB) with EXIF time and GPS: the page must shrink it.
PHOTO = FIXTURES / "photos" / "phone_nokia_8_3.jpg"
SCREENSHOT = Path(__file__).resolve().parents[2] / "docs" / "screenshot-examiner.png"
VISIT_PAGE_BUDGET = 30 * 1024  # gzip-compressed: the whole examiner's first load stays under 30 KB
# About 25 m north-east of the claimed place: a visit on site, but not on the exact point.
OFFSET_DEG = (0.0002, 0.0001)
ACCURACY_M = 12.0
RESPONDENT = "resident"
RATINGS = [5, 4, 4]  # one per cycle question, in question order
OBSERVED_QTY = "3"


def login(page, username: str) -> None:
    page.goto("/login")
    page.fill("#username", username)
    page.fill("#password", story.PASSWORD)
    page.locator("main form button[type=submit]").click()
    expect(page.locator("header nav form.inline button")).to_contain_text(username)


def choose(page, name: str, value: str) -> None:
    """Tap the label of a radio button, as a person does, and check that it took."""
    radio = page.locator(f'input[type=radio][name="{name}"][value="{value}"]')
    page.locator("label").filter(has=radio).click()
    expect(radio).to_be_checked()


def foreign_requests(urls: list[str], live_server: str) -> list[str]:
    own = urlsplit(live_server).netloc
    return [u for u in urls if urlsplit(u).scheme not in ("data", "blob") and urlsplit(u).netloc != own]


def expected_claim_score(ratings: list[int]) -> float:
    """DESIGN.md: verified → f = 1; s = (mean − 1)/4·100; score = 100·(0.6·f + 0.4·s/100)."""
    f = 1.0
    s = (sum(ratings) / len(ratings) - 1) / 4 * 100
    return 100 * (0.6 * f + 0.4 * s / 100)


def check_shrunk_photo(app, sha: str) -> None:
    """The server got a small copy with the original's EXIF time, and the original's hash and size."""
    import hashlib

    from PIL import Image

    from fieldcheck.extensions import db
    from fieldcheck.evidence.models import Photo

    original = PHOTO.read_bytes()
    with Image.open(PHOTO) as img:
        exif_time = img.getexif().get_ifd(0x8769).get(0x9003)  # DateTimeOriginal
    with app.app_context():
        photo = db.session.scalar(db.select(Photo).where(Photo.sha256 == sha))
        assert photo.size_bytes < 400 * 1024 < len(original)
        assert max(photo.width, photo.height) == 1600
        assert photo.taken_at == exif_time.replace(":", "-", 2).replace(" ", "T")
        assert photo.original_sha256 == hashlib.sha256(original).hexdigest()
        assert photo.original_size == len(original)
        assert photo.gps_lat is not None  # the EXIF GPS travelled with the small copy
        assert photo.capture_lat is not None  # and the browser's reading at capture


@pytest.mark.browser
def test_examiner_reviewer_organizer_story(app, live_server, phone, desktop, requests_log):
    world = story.build_world(app)
    from fieldcheck.extensions import db
    from fieldcheck.assignment.models import Task
    from fieldcheck.places.geo import geodesic_distance_m

    with app.app_context():
        # a sampled claim that names a place, so the geotag can be measured against it
        task = next(t for t in (db.session.get(Task, i) for i in world.task_ids) if t.claim.place is not None)
        task_id = task.id
        claim = task.claim
        public_id = claim.public_id
        place_lat, place_lon = claim.place.wgs84()
        question_ids = [q.id for q in claim.report.cycle.questions]
        max_distance_m = claim.report.cycle.max_distance_m
        db.session.remove()
    assert len(question_ids) == len(RATINGS)
    here = (round(place_lat + OFFSET_DEG[0], 7), round(place_lon + OFFSET_DEG[1], 7))
    distance_m = geodesic_distance_m(here, (place_lat, place_lon))
    assert distance_m < max_distance_m

    # --- The examiner, on a phone at the site --------------------------------------------
    examiner = phone(*here, accuracy=ACCURACY_M)
    page = examiner.new_page()
    login(page, "exa")
    page.locator("header nav a[href='/tasks']").click()
    expect(page).to_have_url(re.compile(r"/tasks$"))
    card = page.locator("#tasks li.card").filter(has=page.locator(f"a[href='/tasks/{task_id}']"))
    expect(card.locator(".state")).to_have_class(re.compile(r"\bassigned\b"))

    visit_urls: list[str] = []

    def note_visit_request(request):
        visit_urls.append(request.url)

    card.locator("a").click()
    expect(page).to_have_url(re.compile(rf"/tasks/{task_id}$"))
    # Blind verification: the claimed figures stay hidden until the examiner's own count is recorded.
    expect(page.locator("#pack-status")).to_be_visible()  # the page script has drawn the visit from the pack
    expect(page.locator("#blind-form")).to_be_visible()
    assert not re.search(r"[0-9]", page.locator("#claim").inner_text())
    page.fill("#blind_qty", OBSERVED_QTY)
    page.on("request", note_visit_request)
    page.locator("#blind-form button[type=submit]").click()
    # Online, the count reaches the server at once and the claim's figures are shown.
    expect(page.locator("#claim")).to_have_text(re.compile(r"[0-9]"))
    expect(page.locator("#geo-status")).to_have_text(re.compile(rf"\b{ACCURACY_M:.0f} 米"))
    expect(page.locator("input[name=lat]")).to_have_value(f"{here[0]:.7f}")
    expect(page.locator("input[name=lon]")).to_have_value(f"{here[1]:.7f}")
    expect(page.locator("input[name=accuracy_m]")).to_have_value(f"{ACCURACY_M:.1f}")
    page.remove_listener("request", note_visit_request)
    visit_html = examiner.request.get(f"/tasks/{task_id}").body()

    choose(page, "finding", "verified")
    page.fill("#observed_qty", OBSERVED_QTY)
    page.fill("#notes", "浏览器端到端测试：现场查看，物业党支部已挂牌。")
    page.set_input_files("#photos", str(PHOTO))
    # The page shrinks the photo and keeps it on the phone until the visit is sent.
    expect(page.locator("#photo-list li.ready")).to_have_count(1, timeout=30_000)
    uploaded_sha = page.locator("#photo-list li.ready").get_attribute("data-sha256")
    assert page.locator("#photos").evaluate("el => el.files.length") == 0  # the original is not sent again
    choose(page, "interview-0-respondent", RESPONDENT)
    for qid, rating in zip(question_ids, RATINGS):
        choose(page, f"interview-0-q{qid}", str(rating))

    if os.environ.get("FIELDCHECK_SCREENSHOT") == "1":
        SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOT), full_page=True)

    # What a phone downloads for the visit page: the HTML and every script and stylesheet.
    page_assets = page.evaluate("""() => [location.href,
        ...[...document.querySelectorAll('link[rel=stylesheet]')].map(l => l.href),
        ...[...document.querySelectorAll('script[src]')].map(s => s.src)]""")
    loaded = {u for u in visit_urls if urlsplit(u).path.startswith("/static/")}
    assert loaded <= set(page_assets), f"the visit page loaded more than it declares: {loaded - set(page_assets)}"
    sizes = {}
    for url in page_assets:
        response = examiner.request.get(url)
        assert response.ok, url
        sizes[urlsplit(url).path] = len(gzip.compress(response.body()))
    sizes[urlsplit(page_assets[0]).path] = len(gzip.compress(visit_html))
    assert any(p.endswith(".css") for p in sizes) and any(p.endswith(".js") for p in sizes), sizes
    assert sum(sizes.values()) < VISIT_PAGE_BUDGET, sizes

    page.locator("#send").click()
    expect(page.locator("#submit-note")).not_to_be_empty()  # one interview of the three asked: a warning first
    page.locator("#send").click()
    expect(page.locator("#visit-status.delivered")).to_be_visible(timeout=30_000)
    expect(page.locator("html")).to_have_attribute("data-outbox-pending", "0")
    check_shrunk_photo(app, uploaded_sha)
    page.locator("main a[href='/tasks']").last.click()
    expect(card.locator(".state")).to_have_class(re.compile(r"\bsubmitted\b"))

    # --- The reviewer approves ---------------------------------------------------------------
    reviewer = desktop()
    page = reviewer.new_page()
    login(page, "rev")
    page.locator("header nav a[href='/review/']").click()
    entry = page.locator("#queue li.card").filter(has_text=public_id)
    expect(entry).to_have_count(1)
    entry.locator("a").click()
    expect(page).to_have_url(re.compile(r"/review/\d+$"))
    thumb = page.locator("#photos img")
    expect(thumb).to_have_count(1)
    thumb.scroll_into_view_if_needed()  # loading="lazy"
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=thumb.element_handle())
    expect(page.locator("#distance strong")).to_have_text(f"{distance_m:.0f} m")
    expect(page.locator("#distance .error")).to_have_count(0)
    # The automatic checks: one interview of the three required, a visit of seconds, and a photo
    # taken years ago somewhere else (its EXIF says so); but the geotag is on site and accurate.
    flags = page.locator("#flags li.flag")
    codes = set(flags.evaluate_all("items => items.map(i => i.dataset.code)"))
    assert {"few_interviews", "short_visit", "exif_gps_far", "exif_time_old"} <= codes, codes
    assert not codes & {"far_from_place", "poor_accuracy", "no_geotag", "duplicate_photo"}, codes
    expect(page.locator("#flags li[data-code=few_interviews]")).to_contain_text("1")
    choose(page, "decision", "approve")
    page.locator("main form button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/review/$"))
    expect(page.locator("main .flash")).to_be_visible()
    expect(page.locator("#queue li.card").filter(has_text=public_id)).to_have_count(0)

    # --- The organizer reads the score and the grading engine's export ------------------------
    score = expected_claim_score(RATINGS)
    organizer = desktop()
    page = organizer.new_page()
    login(page, "org")
    page.goto(f"/cycles/{world.cycle_code}/scores/")
    page.locator(f"#report-{world.report_slug} a", has_text="计入的全部事项").click()  # the report's own page
    row = page.locator(f"#report-{world.report_slug} tr").filter(
        has=page.locator("td.mono", has_text=re.compile(rf"^{re.escape(public_id)}$")))
    expect(row.locator("td.claim-score")).to_have_text(f"{score:.1f}")

    response = organizer.request.get(f"/cycles/{world.cycle_code}/scores/export.json?level=claim")
    assert response.ok and response.headers["content-type"].startswith("application/json")
    rows = {r["public_id"]: r for r in response.json()["rows"] if r["state"] == "approved"}
    assert set(rows) == {public_id}
    assert rows[public_id]["finding_value"] == 1.0
    assert rows[public_id]["ratings"] == len(RATINGS)
    assert rows[public_id]["score"] == pytest.approx(score, abs=1e-4)

    assert requests_log, "no request was recorded"
    assert foreign_requests(requests_log, live_server) == []
