"""The examiner's offline capture over a throttled phone link: bytes and seconds against the budgets.

Run as ``.venv/bin/python bench/offline_benchmark.py [--quick]``. It builds the test story's world
(tests/story.py, one report drawn and assigned to the examiner ``exa``) in a temporary SQLite
database, serves the app with werkzeug in a thread, and drives Debian's headless Chromium
(/usr/bin/chromium, or FIELDCHECK_CHROMIUM) through Playwright at 360×740, like the phones the
examiners carry. Every byte is counted where it is certain: at the server, per request (status
line, headers and body, both ways), so the service worker's own fetches count too. The link is
Chrome's own emulation (CDP ``Network.emulateNetworkConditions``): 400 kbit/s down, 150 kbit/s
up, 400 ms latency.

It prints, each with its budget and ratio:
  1. first load of the task list + a visit page + every asset + the service worker, compressed;
  2. the network bytes of the app shell when a visit page is opened again (service worker);
  3. the upload size of a 12 MP phone photo (and that the server kept its EXIF time and GPS);
  4. a visit with three 12 MP photos on the throttled link, from tapping 提交 to "已送达",
     against the physical floor: wire bytes ÷ 150 kbit/s + one round trip per request;
  5. the wire bytes of 10 visits × 3 photos sent by the outbox, against the photo bytes.
``--quick`` runs 3 visits instead of 10 in step 5.
"""

from __future__ import annotations

import argparse
import logging
import os
import shutil
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

import sqlalchemy as sa  # noqa: E402
from PIL import Image, ImageDraw  # noqa: E402
from werkzeug.serving import make_server  # noqa: E402

CHROMIUM = os.environ.get("FIELDCHECK_CHROMIUM", "/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]
DOWN_BPS, UP_BPS, LATENCY_S = 400_000, 150_000, 0.4
PHOTO_SOURCES = ["gps_DSCN0010.jpg", "gps_DSCN0012.jpg", "gps_DSCN0021.jpg"]
PASSWORD = "correct horse 1"
SHELL_PREFIXES = ("/static/", "/sw.js", "/manifest.webmanifest", "/favicon.ico")

BUDGET_FIRST_LOAD = 30 * 1024
BUDGET_PHOTO = 300 * 1024
BUDGET_VISIT_RATIO = 1.15
BUDGET_SYNC_RATIO = 1.03


# ---- the server, with a byte counter in front ---------------------------------------------------

@dataclass
class Exchange:
    at: float
    method: str
    path: str
    status: int
    sent: int  # request: line, headers, body
    received: int  # response: status line, headers, body
    body_in: int
    encoding: str


class WireCounter:
    """WSGI middleware: the bytes of every request and response as they cross the socket (HTTP/1.1)."""

    # werkzeug adds "Server: Werkzeug/x Python/y" and "Date: ..." itself.
    SERVER_HEADERS = len("Server: Werkzeug/3.1.3 Python/3.11.2\r\n") + len("Date: Tue, 01 Dec 2026 00:00:00 GMT\r\n")

    def __init__(self, app) -> None:
        self.app = app
        self.log: list[Exchange] = []
        self.lock = threading.Lock()

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        query = environ.get("QUERY_STRING", "")
        line = f"{environ['REQUEST_METHOD']} {path}{'?' + query if query else ''} HTTP/1.1\r\n"
        headers = sum(len(k[5:]) + len(v) + 4 for k, v in environ.items() if k.startswith("HTTP_"))
        headers += sum(len(k) + len(environ[k]) + 4 for k in ("CONTENT_TYPE", "CONTENT_LENGTH") if environ.get(k))
        body_in = int(environ.get("CONTENT_LENGTH") or 0)
        sent = len(line) + headers + 2 + body_in
        meta: dict = {}

        def counting_start(status, response_headers, exc_info=None):
            meta["status"] = int(status.split()[0])
            meta["encoding"] = next((v for k, v in response_headers if k.lower() == "content-encoding"), "")
            meta["head"] = (len(f"HTTP/1.1 {status}\r\n") + sum(len(k) + len(v) + 4 for k, v in response_headers)
                            + self.SERVER_HEADERS + 2)
            return start_response(status, response_headers, exc_info)

        result = self.app(environ, counting_start)
        body = 0
        try:
            for chunk in result:
                body += len(chunk)
                yield chunk
        finally:
            if hasattr(result, "close"):
                result.close()
            with self.lock:
                self.log.append(Exchange(time.monotonic(), environ["REQUEST_METHOD"], path, meta.get("status", 0),
                                         sent, meta.get("head", 0) + body, body_in,
                                         meta.get("encoding", "")))

    def mark(self) -> int:
        with self.lock:
            return len(self.log)

    def since(self, mark: int) -> list[Exchange]:
        with self.lock:
            return list(self.log[mark:])


def build(tmp: Path, tasks_wanted: int):
    """The app on a migrated SQLite file with the story's world: enough tasks, not blind, short location wait."""
    from flask_migrate import upgrade

    from fieldcheck import create_app
    from fieldcheck.extensions import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp / 'bench.sqlite3'}", "SECRET_KEY": "bench",
                      "UPLOAD_FOLDER": str(tmp / "uploads"), "MAX_UPLOAD_MB": 25})
    with app.app_context():
        upgrade()
    task_ids = build_world(app, tasks_wanted)
    with app.app_context():
        from fieldcheck.cycles.models import Cycle

        for cycle in db.session.scalars(sa.select(Cycle)):
            # The blind step and a long location wait are the examiner's time, not the network's.
            cycle.blind, cycle.geo_wait_s = False, 2
        db.session.commit()
    return app, task_ids


def build_world(app, tasks_wanted: int) -> list[int]:
    """tests/story.py's world with a larger sample, so each measured visit has its own task."""
    from fieldcheck.accounts.models import User
    from fieldcheck.assignment.models import Task
    from fieldcheck.assignment.operations import assign_task
    from fieldcheck.cycles.operations import create_cycle
    from fieldcheck.extensions import db
    from fieldcheck.places.operations import import_places
    from fieldcheck.reports.operations import accept_proposals, import_report, report_text_from_input
    from fieldcheck.sampling.operations import draw_cycle_sample, publish_cycle
    from story import FIXTURES, SEED, make_users

    with app.test_request_context():
        make_users()
        import_places((FIXTURES / "places-qingshan.csv").read_bytes())
        cycle = create_cycle("2025", "2025 bench cycle", min_per_stratum=tasks_wanted)
        text = report_text_from_input(None, (FIXTURES / "reports" / "qingshan-county-2025.md").read_bytes())
        report = import_report(cycle, unit_name="中共青山县委", secretary="张明", title="", slug="qingshan-county",
                               text=text)
        accept_proposals(report)
        publish_cycle(cycle)
        draw_cycle_sample(cycle, SEED)
        examiner = db.session.scalar(sa.select(User).where(User.username == "exa"))
        ids = []
        for task in db.session.scalars(sa.select(Task).order_by(Task.id)):
            assign_task(task, examiner)
            ids.append(task.id)
        db.session.commit()
        return ids


class Server:
    def __init__(self, app) -> None:
        self.counter = WireCounter(app.wsgi_app)
        app.wsgi_app = self.counter
        self.http = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.http.server_port}"
        self.thread = threading.Thread(target=self.http.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.http.shutdown()
        self.http.server_close()


# ---- photos --------------------------------------------------------------------------------------

def twelve_megapixel_photos(folder: Path, visit: int) -> list[Path]:
    """Three 4000×3000 JPEGs made from the fixture photos, resized up, their EXIF (time, GPS) kept.

    Each visit's photos differ (a mark drawn at a place of its own), so none is already on the server.
    """
    out = []
    for i, name in enumerate(PHOTO_SOURCES):
        with Image.open(ROOT / "tests" / "fixtures" / "photos" / name) as source:
            exif = source.info.get("exif", b"")
            big = source.convert("RGB").resize((4000, 3000), Image.Resampling.BICUBIC)
        x = 100 + 300 * (visit % 12)
        ImageDraw.Draw(big).rectangle((x, 100, x + 60, 160), fill=(200, 30 + 20 * i, 30))
        path = folder / f"IMG_{visit:02d}{i + 1}_12mp.jpg"
        big.save(path, "JPEG", quality=92, exif=exif)
        out.append(path)
    return out


# ---- the browser -----------------------------------------------------------------------------------

def phone(playwright, profile: Path, base_url: str, lat: float, lon: float):
    context = playwright.chromium.launch_persistent_context(
        str(profile), executable_path=CHROMIUM, headless=True, args=ARGS, base_url=base_url,
        viewport={"width": 360, "height": 740}, device_scale_factor=2, is_mobile=True, has_touch=True,
        locale="zh-CN", timezone_id="Asia/Shanghai", service_workers="allow",
        geolocation={"latitude": lat, "longitude": lon, "accuracy": 10}, permissions=["geolocation"])
    context.set_default_timeout(120_000)
    return context


def throttle(context, page, on: bool) -> None:
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.emulateNetworkConditions", {
        "offline": False, "latency": LATENCY_S * 1000 if on else 0,
        "downloadThroughput": DOWN_BPS / 8 if on else -1, "uploadThroughput": UP_BPS / 8 if on else -1})
    return cdp


def sign_in(page) -> None:
    page.goto("/login")
    page.fill("input[name=username]", "exa")
    page.fill("input[name=password]", PASSWORD)
    with page.expect_navigation():
        page.click("form button[type=submit]")


def wait_for_worker(page) -> None:
    page.evaluate("""() => navigator.serviceWorker && navigator.serviceWorker.ready.then(() => true)""")


def settle(counter: WireCounter, quiet_s: float = 1.5, limit_s: float = 60) -> None:
    """Wait until the server has seen no request for `quiet_s`."""
    end = time.monotonic() + limit_s
    last = counter.mark()
    still = time.monotonic()
    while time.monotonic() < end:
        time.sleep(0.25)
        now = counter.mark()
        if now != last:
            last, still = now, time.monotonic()
        elif time.monotonic() - still >= quiet_s:
            return


def fill_visit(page, photos: list[Path]) -> None:
    """A visit on the page script's form: site not found (no interview needed), notes, three photos."""
    page.wait_for_selector("#app #visit-form")
    page.check("#app input[name=finding][value=site_not_found]")
    page.fill("#app #notes", "现场未找到项目标识，已拍照。")
    page.set_input_files("#app #photos", [str(p) for p in photos])
    # The page shrinks each photo and keeps it on the phone; 提交 then queues and sends the visit.
    page.wait_for_function(f"() => document.querySelectorAll('#app #photo-list li.photo-row').length >= {len(photos)}",
                           timeout=120_000)


def delivered(page, timeout_ms: int) -> None:
    page.wait_for_selector(".flash.delivered", timeout=timeout_ms)


def kb(n: float) -> str:
    return f"{n / 1024:,.1f} KB"


def summarize(exchanges: list[Exchange]) -> dict[str, int]:
    groups: dict[str, int] = {}
    for e in exchanges:
        key = ("shell files" if e.path.startswith(SHELL_PREFIXES) else
               "pages" if not e.path.startswith("/api/") else "API " + e.path.split("/")[2])
        groups[key] = groups.get(key, 0) + e.received + e.sent
    return groups


def main() -> int:
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    logging.getLogger("alembic").setLevel(logging.WARNING)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="3 visits instead of 10 in the sync step")
    args = parser.parse_args()
    sync_visits = 3 if args.quick else 10
    if not Path(CHROMIUM).is_file():
        print(f"Chromium not found at {CHROMIUM}")
        return 2
    from playwright.sync_api import sync_playwright

    from fieldcheck.assignment.models import Task
    from fieldcheck.evidence.models import Photo
    from fieldcheck.extensions import db

    tmp = Path(tempfile.mkdtemp(prefix="fieldcheck-bench-"))
    try:
        app, task_ids = build(tmp, 2 + sync_visits)
        if len(task_ids) < 2 + sync_visits:
            print(f"only {len(task_ids)} tasks drawn; need {2 + sync_visits}")
            return 2
        with app.app_context():
            place = next((t.claim.place for t in db.session.scalars(sa.select(Task)) if t.claim.place), None)
            lat, lon = place.wgs84() if place else (27.0, 113.0)
        photos = twelve_megapixel_photos(tmp, 0)
        photo_sizes = [p.stat().st_size for p in photos]
        results = []
        with Server(app) as server, sync_playwright() as pw:
            counter = server.counter
            context = phone(pw, tmp / "profile", server.url, lat, lon)
            page = context.pages[0] if context.pages else context.new_page()
            sign_in(page)

            # 1. First load: task list, a visit page, assets, service worker (and what it precaches).
            first_task, visit_task = task_ids[0], task_ids[1]
            mark = counter.mark()
            page.goto("/tasks")
            wait_for_worker(page)
            page.goto(f"/tasks/{visit_task}")
            page.wait_for_selector("#app #visit-form")
            settle(counter)
            first = counter.since(mark)
            first_bytes = sum(e.received for e in first)
            encodings = sorted({e.encoding for e in first if e.encoding})
            print("1. First load (task list + visit page + assets + service worker), bytes received:")
            for key, value in sorted(summarize(first).items()):
                print(f"     {key:<16} {kb(value)}")
            print(f"   content encodings the browser got: {encodings}")
            print(f"   total {kb(first_bytes)} in {len(first)} responses; budget {kb(BUDGET_FIRST_LOAD)}; "
                  f"ratio {first_bytes / BUDGET_FIRST_LOAD:.2f}")
            results.append(first_bytes <= BUDGET_FIRST_LOAD)

            # 2. Repeat open of a visit page (a new tab): the shell comes from the service worker.
            mark = counter.mark()
            again = context.new_page()
            again.goto(f"/tasks/{first_task}")
            again.wait_for_selector("#app #visit-form")
            settle(counter)
            repeat = counter.since(mark)
            shell = [e for e in repeat if e.path.startswith(SHELL_PREFIXES) or not e.path.startswith("/api/")]
            shell_bytes = sum(e.received + e.sent for e in shell)
            data_bytes = sum(e.received + e.sent for e in repeat) - shell_bytes
            print(f"2. Repeat open of a visit page: app shell {shell_bytes} bytes over the network "
                  f"({len(shell)} requests: {', '.join(sorted({e.path for e in shell})) or 'none'}); "
                  f"budget 0; data (task pack) {kb(data_bytes)}")
            results.append(shell_bytes == 0)
            again.close()

            # 3 + 4. A visit with three 12 MP photos on the throttled link.
            page.goto(f"/tasks/{first_task}")
            page.wait_for_selector("#app #visit-form")
            cdp = throttle(context, page, True)
            fill_visit(page, photos)
            mark = counter.mark()
            started = time.monotonic()
            page.click("#app #visit-form #send")
            delivered(page, 600_000)
            elapsed = time.monotonic() - started
            during = [e for e in counter.since(mark) if e.at <= time.monotonic()]
            uploads = [e for e in during if e.path == "/api/photos" and e.method == "POST"]
            with app.app_context():
                stored = db.session.scalars(sa.select(Photo).order_by(Photo.id)).all()
                kept = [(p.width, p.height, p.taken_at is not None, p.gps_lat is not None) for p in stored]
                stored_sizes = [p.size_bytes for p in stored]
            print("3. 12 MP photo upload:")
            for source, size, e in zip(photo_sizes, stored_sizes, uploads):
                print(f"     original {kb(source)} -> JPEG sent {kb(size)} (request body {kb(e.body_in)})")
            biggest = max(stored_sizes, default=0)
            print(f"   stored (w, h, EXIF time, GPS): {kept}")
            print(f"   largest upload {kb(biggest)}; budget {kb(BUDGET_PHOTO)}; ratio {biggest / BUDGET_PHOTO:.2f}")
            results.append(bool(uploads) and biggest <= BUDGET_PHOTO and all(k[2] and k[3] for k in kept)
                           and all(max(k[0], k[1]) <= 1600 for k in kept))
            wire = sum(e.sent + e.received for e in during)
            floor = wire * 8 / UP_BPS + LATENCY_S * len(during)
            print(f"4. Three-photo visit on 400/150 kbit/s, 400 ms: {elapsed:.1f} s from 提交 to 已送达; "
                  f"{len(during)} requests, {kb(wire)} on the wire; floor {floor:.1f} s "
                  f"(bytes ÷ 150 kbit/s + 0.4 s × requests); ratio {elapsed / floor:.2f} (budget {BUDGET_VISIT_RATIO})")
            for e in during:
                print(f"     {e.method:<4} {e.path:<40} {e.status} up {kb(e.sent)} down {kb(e.received)}")
            # A stricter floor: only the outbox's own requests, each direction at its own rate, one after another.
            outbox = [e for e in during if e.method == "POST"]
            strict = sum(e.sent * 8 / UP_BPS + e.received * 8 / DOWN_BPS + LATENCY_S for e in outbox)
            print(f"   stricter floor (the {len(outbox)} outbox POSTs only, up at 150 and down at 400 kbit/s): "
                  f"{strict:.1f} s; ratio {elapsed / strict:.2f}")
            results.append(elapsed <= BUDGET_VISIT_RATIO * floor)
            throttle(context, page, False)
            cdp.detach()

            # 5. Sync overhead: visits kept offline, then sent by the outbox in one go.
            with app.app_context():
                before = set(db.session.scalars(sa.select(Photo.sha256)))
            context.set_offline(True)
            for n, task_id in enumerate(task_ids[2:2 + sync_visits], start=1):
                page.goto(f"/tasks/{task_id}")
                fill_visit(page, twelve_megapixel_photos(tmp, n))
                page.click("#app #visit-form #send")
                page.wait_for_selector(".flash.queued")
            mark = counter.mark()
            context.set_offline(False)
            page.goto("/tasks")
            page.wait_for_function("() => !document.querySelector('#send-now')", timeout=900_000)
            settle(counter, quiet_s=3)
            synced = counter.since(mark)
            api = [e for e in synced if e.path.startswith("/api/")]
            with app.app_context():
                new_photos = [p for p in db.session.scalars(sa.select(Photo)) if p.sha256 not in before]
            photo_bytes = sum(p.size_bytes for p in new_photos)
            sync_wire = sum(e.sent + e.received for e in api)
            posts = sum(1 for e in api if e.path.endswith("/verifications") and e.status in (200, 201))
            kinds: dict[str, int] = {}
            for e in api:
                key = f"{e.method} {'/api/tasks/…/' + e.path.rsplit('/', 1)[1] if e.path.startswith('/api/tasks/') else e.path}"
                kinds[key] = kinds.get(key, 0) + 1
            print(f"5. Sync of {sync_visits} visits × 3 photos after reconnecting: {posts} visits stored, "
                  f"{len(new_photos)} photos ({kb(photo_bytes)}); API traffic {kb(sync_wire)} in {len(api)} requests "
                  f"({', '.join(f'{k} ×{v}' for k, v in sorted(kinds.items()))}); "
                  f"ratio {sync_wire / photo_bytes if photo_bytes else float('nan'):.3f} (budget {BUDGET_SYNC_RATIO})")
            print(f"   (plus the task list page opened to watch it: {kb(sum(e.sent + e.received for e in synced) - sync_wire)})")
            results.append(posts == sync_visits and len(new_photos) == 3 * sync_visits
                           and sync_wire <= BUDGET_SYNC_RATIO * photo_bytes)
            context.close()
        print("Within budget:", ", ".join(f"{i + 1}:{'yes' if ok else 'NO'}" for i, ok in enumerate(results)))
        return 0
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
