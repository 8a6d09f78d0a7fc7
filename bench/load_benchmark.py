"""Load benchmark (not a test): 200 examiners on gunicorn + PostgreSQL, then the same while workers die.

    PYTHONPATH=. .venv/bin/python bench/load_benchmark.py [--examiners 200] [--seconds 60] [--workers 4]

A private PostgreSQL database (created from FIELDCHECK_BENCH_POSTGRES_URL's server, default the local
`test` one, and dropped at the end) gets a cycle whose reports are all sampled, every task
assigned round-robin to the examiners. Each examiner (a thread with its own session, loopback only,
at most --in-flight requests at once) repeats: the task list, three photos (unique bytes each), the
visit as JSON. Phase 1 measures errors, p50/p95/p99 latency and requests/s; the baseline is a bare
Flask endpoint under the same gunicorn settings in the same run (goal: at least 1/3 of its rate).
Phase 2 repeats the load while one gunicorn worker is SIGKILLed every 2 s (the master starts a new
one): a request cut off is sent again, the visit with the same client_uuid, as the examiner's
outbox does. Then every client_uuid that got a 2xx answer must be stored exactly once, and every
stored photo's SHA-256 must match the bytes sent.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import os
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from pathlib import Path

import requests
import sqlalchemy as sa

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))
FIXTURES = ROOT / "tests" / "fixtures"
PASSWORD = "correct horse 1"
BARE_APP = '''
from flask import Flask
app = Flask(__name__)

@app.get("/")
def hello():
    return "ok"
'''


# ---------------------------------------------------------------- the world

def create_database(base: str) -> tuple[str, sa.Engine]:
    admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    name = f"fieldcheck_bench_{uuid.uuid4().hex[:10]}"
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    return admin.url.set(database=name).render_as_string(hide_password=False), admin


def build(url: str, upload: Path, examiners: int, reports: int) -> int:
    """Migrate, then users, a cycle of `reports` reports with every claim sampled, tasks assigned."""
    from flask_migrate import upgrade

    import fieldcheck.models  # noqa: F401  every model registered before a loader option configures the mappers
    from fieldcheck import create_app
    from fieldcheck.accounts.models import User
    from fieldcheck.accounts.operations import create_user
    from fieldcheck.assignment.models import Task
    from fieldcheck.assignment.operations import assign_task
    from fieldcheck.cycles.operations import create_cycle
    from fieldcheck.extensions import db
    from fieldcheck.places.operations import import_places
    from fieldcheck.reports.operations import accept_proposals, import_report, report_text_from_input
    from fieldcheck.sampling.operations import draw_cycle_sample, publish_cycle

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "UPLOAD_FOLDER": str(upload)})
    with app.app_context():
        upgrade()
    with app.test_request_context():
        create_user("org", PASSWORD, ["organizer"])
        people = [create_user(f"ex{i:03d}", PASSWORD, ["examiner"]) for i in range(examiners)]
        import_places((FIXTURES / "places-qingshan.csv").read_bytes())
        cycle = create_cycle("2025", "load", min_per_stratum=100)
        cycle.min_interviews = 0
        text = report_text_from_input(None, (FIXTURES / "reports" / "qingshan-county-2025.md").read_bytes())
        for r in range(reports):
            report = import_report(cycle, unit_name=f"单位{r:03d}", secretary="张明", title="", slug=f"unit-{r:03d}",
                                   text=text)
            accept_proposals(report)
        publish_cycle(cycle)
        draw_cycle_sample(cycle, "0417 8826 3391 0052 7764")
        users = db.session.scalars(sa.select(User).where(User.username.like("ex%")).order_by(User.username)).all()
        tasks = db.session.scalars(sa.select(Task).order_by(Task.id)).all()
        for i, task in enumerate(tasks):
            assign_task(task, users[i % len(users)])
        db.session.commit()
        count = len(tasks)
        db.session.remove()
        db.engine.dispose()
    del people
    return count


def small_jpeg() -> bytes:
    from PIL import Image

    with Image.open(FIXTURES / "photos" / "gps_DSCN0012.jpg") as image:
        image.thumbnail((640, 640))
        out = io.BytesIO()
        image.save(out, "JPEG", quality=80)
    return out.getvalue()


def unique_photo(base: bytes) -> bytes:
    """The same picture with a unique JPEG comment segment: new bytes, new SHA-256."""
    comment = uuid.uuid4().hex.encode()
    return base[:2] + b"\xff\xfe" + (len(comment) + 2).to_bytes(2, "big") + comment + base[2:]


# ---------------------------------------------------------------- servers

def gunicorn(app_spec: str, port: int, workers: int, env: dict, cwd: Path, log: Path,
             preload: bool = True) -> subprocess.Popen:
    exe = Path(sys.executable).with_name("gunicorn")
    # --preload: the app is imported once in the master and workers are forked ready, so a worker that
    # dies is replaced in milliseconds instead of a second or more of imports (no database connection is
    # opened at import, so no connection is shared across the fork).
    process = subprocess.Popen([str(exe), "--workers", str(workers), "--bind", f"127.0.0.1:{port}",
                                "--timeout", "30", "--graceful-timeout", "5", *(["--preload"] if preload else []),
                                app_spec],
                               cwd=cwd, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            requests.get(f"http://127.0.0.1:{port}/", timeout=10)
            return process
        except requests.RequestException:
            time.sleep(0.3)
    process.kill()
    raise SystemExit(f"gunicorn {app_spec} did not start: {log.read_text()[-2000:]}")


def stop(process: subprocess.Popen) -> None:
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()


def worker_pids(master: int) -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1]) == master:
                    pids.append(int(entry.name))
            except (OSError, IndexError, ValueError):
                continue
    return pids


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# ---------------------------------------------------------------- load

class Stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.latencies: list[float] = []
        self.errors: Counter = Counter()
        self.retries = 0
        self.abandoned = 0  # requests still cut off at the phase's end: kept on the phone, not answered
        self.visits_ok: list[str] = []
        self.photos_sent: dict[str, int] = {}

    def add(self, seconds: float, error: str | None = None) -> None:
        with self.lock:
            self.latencies.append(seconds)
            if error:
                self.errors[error] += 1


def timed(stats: Stats, gate: threading.Semaphore, call, *, retry: bool, give_up_at: float | None = None):
    """One request, bounded by the gate; with `retry`, sent again while the connection is cut off, until
    `give_up_at` (monotonic): then None, as a phone that keeps the visit in its outbox for later."""
    while True:
        with gate:
            start = time.perf_counter()
            try:
                response = call()
            except requests.RequestException as exc:
                stats.add(time.perf_counter() - start, None if retry else type(exc).__name__)
                if retry and (give_up_at is None or time.monotonic() < give_up_at):
                    with stats.lock:
                        stats.retries += 1
                    time.sleep(0.05)
                    continue
                if retry:
                    with stats.lock:
                        stats.abandoned += 1
                return None
        error = None if response.status_code < 400 else str(response.status_code)
        stats.add(time.perf_counter() - start, error)
        return response


def sign_in(base: str, name: str, gate: threading.Semaphore):
    """A signed-in session, its CSRF token and open tasks (before the clock starts); None if it failed."""
    import re

    deadline, problem = time.monotonic() + 600, ""
    while time.monotonic() < deadline:  # signing in is sent again too when a killed worker cuts it off
        try:
            with gate:
                s = requests.Session()
                page = s.get(f"{base}/login", timeout=60).text
                token = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)
                r = s.post(f"{base}/login", data={"username": name, "password": PASSWORD, "csrf_token": token},
                           timeout=60, allow_redirects=False)
                if r.status_code != 302:
                    raise ValueError(f"login answered {r.status_code}")
                page = s.get(f"{base}/tasks", timeout=60).text
                token = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)
                pack = s.get(f"{base}/api/pack", timeout=60).json()
            break
        except (requests.RequestException, AttributeError, ValueError) as exc:
            problem = f"{type(exc).__name__}: {exc}"
            time.sleep(0.5)
    else:
        print(f"  {name} could not sign in within 600 s ({problem}); left out", flush=True)
        return None
    questions = [q["id"] for c in pack["cycles"].values() for q in c["questions"]]
    return s, token, [t["id"] for t in pack["tasks"] if t["state"] in ("assigned", "returned")], questions


GRACE_S = 20  # after the phase's end, cut-off requests are retried this long, then left in the outbox


def examiner(base: str, who, stop_at: float, stats: Stats, gate, photo: bytes, retry: bool) -> None:
    if who is None:
        return
    s, token, open_tasks, questions = who
    headers = {"X-CSRFToken": token}
    give_up = stop_at + GRACE_S
    while time.monotonic() < stop_at and open_tasks:
        task_id = open_tasks.pop(0)
        if timed(stats, gate, lambda: s.get(f"{base}/tasks", timeout=30), retry=retry, give_up_at=give_up) is None:
            continue
        shas = []
        for _ in range(3):
            data = unique_photo(photo)
            sha = hashlib.sha256(data).hexdigest()
            response = timed(stats, gate, lambda data=data, sha=sha: s.post(
                f"{base}/api/photos", files={"photo": ("p.jpg", data, "image/jpeg")}, data={"sha256": sha},
                headers=headers, timeout=30), retry=retry, give_up_at=give_up)
            if response is not None and response.ok:
                shas.append(sha)
                with stats.lock:
                    stats.photos_sent[sha] = 1
        body = {"client_uuid": str(uuid.uuid4()), "finding": "verified", "photo_sha256": shas,
                "notes": "load", "interviews": [{"respondent": "resident", "ratings": {str(q): 4 for q in questions}}]}
        response = timed(stats, gate, lambda: s.post(f"{base}/api/tasks/{task_id}/verifications", json=body,
                                                     headers=headers, timeout=30), retry=retry, give_up_at=give_up)
        if response is not None and response.status_code >= 400:
            print("  refused visit:", response.status_code, response.text[:200], flush=True)
        if response is not None and response.status_code in (200, 201):
            with stats.lock:
                stats.visits_ok.append(body["client_uuid"])


def bare_client(base: str, stop_at: float, stats: Stats, gate) -> None:
    s = requests.Session()
    while time.monotonic() < stop_at:
        timed(stats, gate, lambda: s.get(f"{base}/", timeout=30), retry=False)


def run(threads_target, count: int) -> float:
    threads = [threading.Thread(target=threads_target, args=(i,)) for i in range(count)]
    start = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return time.monotonic() - start


def summary(label: str, stats: Stats, seconds: float) -> float:
    lat = sorted(stats.latencies) or [0.0]
    q = statistics.quantiles(lat, n=100) if len(lat) > 1 else [lat[0]] * 99
    rate = len(lat) / seconds
    print(f"{label:<28} {len(lat):>7} req  {rate:8.1f} req/s  p50 {q[49]*1000:7.1f} ms  p95 {q[94]*1000:7.1f} ms"
          f"  p99 {q[98]*1000:7.1f} ms  errors {sum(stats.errors.values())} {dict(stats.errors) or ''}")
    return rate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--examiners", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--in-flight", type=int, default=32, help="requests open at once (bounded load)")
    parser.add_argument("--reports", type=int, default=60, help="reports in the cycle (tasks to visit)")
    parser.add_argument("--kill-every", type=float, default=2.0)
    parser.add_argument("--no-preload", action="store_true", help="each gunicorn worker imports the app itself")
    args = parser.parse_args()

    base_url = os.environ.get("FIELDCHECK_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
    url, admin = create_database(base_url)
    tmp = Path(tempfile.mkdtemp(prefix="fieldcheck-load-"))
    servers = []
    try:
        print(f"building: {args.examiners} examiners, {args.reports} reports ...", flush=True)
        tasks = build(url, tmp / "uploads", args.examiners, args.reports)
        print(f"{tasks} tasks; gunicorn --workers {args.workers}{'' if args.no_preload else ' --preload'}, "
              f"{args.in_flight} requests in flight at most",
              flush=True)
        env = {**os.environ, "FIELDCHECK_DATABASE_URL": url, "FIELDCHECK_SECRET_KEY": "bench-" + uuid.uuid4().hex,
               "FIELDCHECK_UPLOAD_FOLDER": str(tmp / "uploads"), "FIELDCHECK_ENV": "development",
               "PYTHONPATH": str(ROOT)}
        (tmp / "bare_app.py").write_text(BARE_APP)
        photo = small_jpeg()
        gate = threading.Semaphore(args.in_flight)

        # Baseline: the bare endpoint under the same gunicorn settings.
        port = free_port()
        bare = gunicorn("bare_app:app", port, args.workers, {**os.environ}, tmp, tmp / "bare.log",
                        not args.no_preload)
        servers.append(bare)
        stats = Stats()
        stop_at = time.monotonic() + args.seconds / 3
        seconds = run(lambda i: bare_client(f"http://127.0.0.1:{port}", stop_at, stats, gate), args.examiners)
        bare_rate = summary("bare Flask endpoint", stats, seconds)
        stop(bare)
        servers.remove(bare)

        port = free_port()
        app_server = gunicorn("wsgi:app", port, args.workers, env, ROOT, tmp / "app.log", not args.no_preload)
        servers.append(app_server)
        base = f"http://127.0.0.1:{port}"
        names = [f"ex{i:03d}" for i in range(args.examiners)]
        who = [None] * len(names)
        signing = time.monotonic()
        run(lambda i: who.__setitem__(i, sign_in(base, names[i], gate)), len(names))
        print(f"{sum(w is not None for w in who)} of {len(names)} examiners signed in "
              f"({time.monotonic() - signing:.0f} s)", flush=True)

        # Phase 1: steady load.
        steady = Stats()
        stop_at = time.monotonic() + args.seconds
        seconds = run(lambda i: examiner(base, who[i], stop_at, steady, gate, photo, False), args.examiners)
        rate = summary("examiners (steady)", steady, seconds)
        print(f"  visits stored: {len(steady.visits_ok)}; ratio to the bare endpoint: {rate / bare_rate:.2f}"
              f" (goal >= 0.33)")

        # Phase 2: one worker SIGKILLed every --kill-every seconds.
        killing = Stats()
        kills = 0
        done = threading.Event()

        def killer():
            nonlocal kills
            while not done.wait(args.kill_every):
                pids = worker_pids(app_server.pid)
                if pids:
                    try:
                        os.kill(random.choice(pids), signal.SIGKILL)
                        kills += 1
                    except ProcessLookupError:
                        pass

        k = threading.Thread(target=killer)
        k.start()
        stop_at = time.monotonic() + args.seconds
        seconds = run(lambda i: examiner(base, who[i], stop_at, killing, gate, photo, True), args.examiners)
        done.set()
        k.join()
        summary("examiners (workers killed)", killing, seconds)
        print(f"  workers killed: {kills}; requests cut off and sent again: {killing.retries}; still cut off "
              f"{GRACE_S} s after the end (left in the outbox, never answered): {killing.abandoned}")
        check(url, tmp / "uploads", steady, killing)
    finally:
        for server in servers:
            stop(server)
        sa.create_engine(url).dispose()
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)'))
        admin.dispose()


def check(url: str, upload: Path, *phases: Stats) -> None:
    """Every visit answered 2xx stored exactly once; every stored photo's bytes match its SHA-256."""
    from fieldcheck import create_app
    from fieldcheck.evidence.models import Photo
    from fieldcheck.evidence.storage import original_key
    from fieldcheck.evidence.store import photo_store
    from fieldcheck.extensions import db
    from fieldcheck.field.models import Verification

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "UPLOAD_FOLDER": str(upload)})
    with app.app_context():
        stored = Counter(db.session.scalars(sa.select(Verification.client_uuid)))
        sent = [u for phase in phases for u in phase.visits_ok]
        lost = sum(1 for u in sent if stored[u] == 0)
        duplicated = sum(1 for u in sent if stored[u] > 1)
        store = photo_store()
        shas = db.session.scalars(sa.select(Photo.sha256)).all()
        bad = missing = 0
        for sha in shas:
            data = store.get(original_key(sha))
            if data is None:
                missing += 1
            elif hashlib.sha256(data).hexdigest() != sha:
                bad += 1
        sent_photos = {sha for phase in phases for sha in phase.photos_sent}
        print(f"visits answered 2xx: {len(sent)}; lost {lost}; duplicated {duplicated}")
        print(f"photos stored: {len(shas)} (answered 2xx: {len(sent_photos)}, not stored: "
              f"{len(sent_photos - set(shas))}); SHA-256 mismatches {bad}; files missing {missing}")
        db.session.remove()
        db.engine.dispose()


if __name__ == "__main__":
    main()
