"""Flat cost at any size (issue 14): a province's cycle on one server, against a bare Flask endpoint.

Run as ``.venv/bin/python bench/scale_benchmark.py [--backends sqlite,postgresql] [--quick]``; it is
not part of the test run. For each backend it builds, in bulk (core INSERTs, tests/bulk.py), the
test story plus a 10,000-claim cycle: 200 reports × 50 claims spread over 20 examiners, 7,500
visits with 45 interviews × 3 questions each (1,012,500 ratings), then older visits up to
100,000 verifications stored. It serves the app under gunicorn (2 sync workers) and, under the
same gunicorn in the same run, a bare Flask endpoint (bench/bare_app.py), and prints:

  - requests/s and p95 of the bare endpoint and of a visit submit (JSON, photo, 2 interviews)
    with 0 verifications stored and with 100,000 stored, and their ratios;
  - requests/s of /tasks and of the review queue under the same concurrent load as the bare endpoint;
  - p50/p95 of /tasks, /api/pack, the review queue, assign, routes, the cycle dashboard, the
    scores page, the claim-level CSV export and the public cycle page at 10,000 claims;
  - the scores computation (every report and claim figure) time and peak RSS, in a fresh process.

PostgreSQL is the server at FIELDCHECK_BENCH_POSTGRES_URL (default: the tests' local server); a
private database is created and dropped. ``--quick`` builds 1,000 claims and 10,000 visits.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

import requests  # noqa: E402
import sqlalchemy as sa  # noqa: E402

from bulk import grow  # noqa: E402
from plan_check import rows_read  # noqa: E402
from story import PASSWORD, build_world  # noqa: E402

DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
EXAMINERS = [f"ex{i:02d}" for i in range(1, 21)]
GOALS = {"submit_flat": 1.2, "submit_share": 1 / 25, "page_share": 1 / 10, "page_p95_ms": 300,
         "scores_s": 2.0, "scores_mb": 150}


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def migrate(url: str) -> None:
    from flask_migrate import upgrade

    from fieldcheck import create_app
    from fieldcheck.extensions import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "x"})
    with app.app_context():
        upgrade()
        db.session.remove()
        db.engine.dispose()


def make_database(backend: str, tmp: Path):
    """A migrated, empty database; returns its URL and a function that removes it."""
    if backend == "sqlite":
        url = f"sqlite:///{tmp / 'scale.sqlite3'}"
        migrate(url)
        return url, lambda: None
    admin = sa.create_engine(os.environ.get("FIELDCHECK_BENCH_POSTGRES_URL", DEFAULT_PG), isolation_level="AUTOCOMMIT")
    name = f"fieldcheck_bench_{uuid.uuid4().hex[:8]}"
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = admin.url.set(database=name).render_as_string(hide_password=False)
    migrate(url)

    def drop():
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return url, drop


def add_examiners(app) -> None:
    from fieldcheck.accounts.operations import create_user
    from fieldcheck.extensions import db

    with app.test_request_context():
        for name in EXAMINERS:
            create_user(name, PASSWORD, ["examiner"])
        db.session.commit()


def phash(rng: random.Random) -> str:
    return f"{rng.getrandbits(64):016x}"


def photo_rows(rng, start_id: int, count: int, owner: int, now: datetime) -> list[dict]:
    rows = []
    for i in range(count):
        h = phash(rng)
        rows.append({"id": start_id + i, "sha256": hashlib.sha256(f"bench/{start_id + i}/{rng.random()}".encode()).hexdigest(),
                     "size_bytes": 200_000, "format": "JPEG", "width": 1600, "height": 1200, "camera": "",
                     "phash": h, "uploaded_by_id": owner, "uploaded_at": now,
                     **{f"phash_b{b}": h[4 * b:4 * b + 4] for b in range(4)}})
    return rows


def insert(conn, table, rows, batch=5000):
    for i in range(0, len(rows), batch):
        conn.execute(table.insert(), rows[i:i + batch])


def fix_sequences(conn, tables):
    if conn.dialect.name == "postgresql":
        for t in tables:
            conn.execute(sa.text(f"SELECT setval(pg_get_serial_sequence('\"{t}\"', 'id'), "
                                 f"(SELECT COALESCE(MAX(id), 1) FROM \"{t}\"))"))


def submit_photos(app, username: str, count: int) -> list[str]:
    """Photos already uploaded by this examiner (rows only: a submit reads the rows, not the files)."""
    from fieldcheck.extensions import db

    rng = random.Random(count)
    now = datetime.now(timezone.utc)
    with app.app_context(), db.engine.begin() as conn:
        owner = conn.execute(sa.text('SELECT id FROM "user" WHERE username = :u'), {"u": username}).scalar_one()
        start = (conn.execute(sa.text("SELECT COALESCE(MAX(id), 0) FROM photo")).scalar() or 0) + 1
        rows = photo_rows(rng, start, count, owner, now)
        insert(conn, db.metadata.tables["photo"], rows)
        fix_sequences(conn, ["photo"])
    return [r["sha256"] for r in rows]


def add_history(app, target: int) -> int:
    """Older visits (with one photo each) on submitted tasks until `target` verifications are stored."""
    from fieldcheck.extensions import db

    rng = random.Random(target)
    then = datetime.now(timezone.utc) - timedelta(days=3)
    with app.app_context(), db.engine.begin() as conn:
        have = conn.execute(sa.text("SELECT COUNT(*) FROM verification")).scalar()
        tasks = conn.execute(sa.text("SELECT id, examiner_id FROM task WHERE state = 'submitted' ORDER BY id")).all()
        extra = max(0, target - have)
        v0 = (conn.execute(sa.text("SELECT COALESCE(MAX(id), 0) FROM verification")).scalar() or 0) + 1
        p0 = (conn.execute(sa.text("SELECT COALESCE(MAX(id), 0) FROM photo")).scalar() or 0) + 1
        t = db.metadata.tables
        for chunk in range(0, extra, 20000):
            size = min(20000, extra - chunk)
            verifications, photos, links = [], [], []
            for i in range(chunk, chunk + size):
                task_id, examiner = tasks[i % len(tasks)]
                verifications.append({"id": v0 + i, "client_uuid": str(uuid.uuid4()), "task_id": task_id,
                                      "examiner_id": examiner, "finding": "verified", "observed_qty": None,
                                      "notes": "", "lat": 44.6, "lon": 129.6, "accuracy_m": 10.0,
                                      "started_at": then - timedelta(hours=1), "submitted_at": then, "geo_at": then})
                photos.extend(photo_rows(rng, p0 + i, 1, examiner, then))
                links.append({"verification_id": v0 + i, "photo_id": p0 + i})
            insert(conn, t["verification"], verifications)
            insert(conn, t["photo"], photos)
            insert(conn, t["verification_photo"], links)
        fix_sequences(conn, ["verification", "photo"])
        conn.execute(sa.text("ANALYZE"))
        return conn.execute(sa.text("SELECT COUNT(*) FROM verification")).scalar()


def plan_routes(app) -> None:
    """Day routes for the bulk-loaded open tasks, as assigning them in the app would have stored."""
    from fieldcheck.assignment.routing import plan_missing
    from fieldcheck.extensions import db

    with app.test_request_context():
        plan_missing(None)
        db.session.commit()
        db.session.remove()
        db.engine.dispose()


def start_gunicorn(module: str, env: dict, port: int, log: Path, chdir: Path) -> subprocess.Popen:
    gunicorn = Path(sys.executable).with_name("gunicorn")
    process = subprocess.Popen([str(gunicorn), "--workers", "2", "--timeout", "300", "--bind", f"127.0.0.1:{port}",
                                "--chdir", str(chdir), module], cwd=ROOT, env=env,
                               stdout=log.open("wb"), stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            requests.get(f"http://127.0.0.1:{port}/", timeout=20)
            return process
        except requests.RequestException:
            time.sleep(0.3)
    process.kill()
    raise SystemExit(f"gunicorn {module} did not start: {log.read_text()[-2000:]}")


CSRF = r'name="csrf-token" content="([^"]+)"'


def signed_in(base: str, username: str, page: str | None = None) -> tuple[requests.Session, str]:
    """A signed-in session, and the CSRF token of `page` (read after signing in) when given."""
    import re

    session = requests.Session()
    token = re.search(CSRF, session.get(f"{base}/login").text).group(1)
    r = session.post(f"{base}/login", data={"username": username, "password": PASSWORD, "csrf_token": token},
                     allow_redirects=False)
    assert r.status_code == 302, (username, r.status_code, r.text[:300])
    return session, re.search(CSRF, session.get(base + page).text).group(1) if page else ""


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[max(0, int(round(0.95 * len(ordered))) - 1)]


def load(call, jobs: list, concurrency: int) -> dict:
    """Run call(job) for every job on `concurrency` threads: requests/s and latency percentiles (ms)."""
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    queue = list(jobs)

    def worker():
        while True:
            with lock:
                if not queue:
                    return
                job = queue.pop()
            t0 = time.perf_counter()
            problem = call(job)
            elapsed = (time.perf_counter() - t0) * 1000
            with lock:
                latencies.append(elapsed)
                if problem:
                    errors.append(problem)

    start = time.perf_counter()
    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    wall = time.perf_counter() - start
    return {"n": len(latencies), "concurrency": concurrency, "rps": len(latencies) / wall,
            "p50": statistics.median(latencies),
            "p95": p95(latencies), "errors": len(errors), "first_error": errors[0] if errors else ""}


def bare_load(base: str, n: int, concurrency: int) -> dict:
    local = threading.local()

    def call(_job):
        session = getattr(local, "s", None) or requests.Session()
        local.s = session
        r = session.post(base + "/", json={"finding": "verified"})
        return None if r.status_code == 200 else f"{r.status_code}"

    return load(call, list(range(n)), concurrency)


def submit_load(base: str, session: requests.Session, token: str, tasks: list[int], shas: list[str],
                questions: list[int], concurrency: int) -> dict:
    def call(job):
        task_id, sha = job
        body = {"client_uuid": str(uuid.uuid4()), "finding": "partly", "observed_qty": 2, "notes": "看到了",
                "photo_sha256": [sha], "lat": 44.6, "lon": 129.6, "accuracy_m": 8,
                "started_at": (datetime.now(timezone.utc) - timedelta(minutes=30)).isoformat(),
                "interviews": [{"respondent": "member", "ratings": {str(q): 4 for q in questions}},
                               {"respondent": "resident", "ratings": {str(q): 3 for q in questions}}]}
        r = session.post(f"{base}/api/tasks/{task_id}/verifications", json=body, headers={"X-CSRFToken": token})
        return None if r.status_code == 201 else f"{r.status_code} {r.text[:200]}"

    return load(call, list(zip(tasks, shas)), concurrency)


def page_times(session: requests.Session, url: str, n: int, budget_s: float = 60.0) -> dict:
    r = session.get(url)  # warm (and plans routes not planned yet)
    status, size = r.status_code, len(r.content)
    times = []
    deadline = time.monotonic() + budget_s
    while len(times) < n and time.monotonic() < deadline:
        t0 = time.perf_counter()
        r = session.get(url)
        times.append((time.perf_counter() - t0) * 1000)
        status = r.status_code if r.status_code != 200 else status
    return {"n": len(times), "p50": statistics.median(times), "p95": p95(times), "status": status, "kb": size / 1024}


def page_load(base: str, username: str, path: str, n: int, concurrency: int) -> dict:
    """requests/s of a page under the same load as the bare endpoint: `concurrency` signed-in clients."""
    sessions = [signed_in(base, username)[0] for _ in range(concurrency)]
    local = threading.local()
    spare = list(sessions)
    lock = threading.Lock()

    def call(_job):
        session = getattr(local, "s", None)
        if session is None:
            with lock:
                session = local.s = spare.pop()
        r = session.get(base + path)
        return None if r.status_code == 200 else f"{r.status_code}"

    return load(call, list(range(n)), concurrency)


SCORES_CHILD = r"""
import json, sys, time

def vm(field):
    # VmHWM (the peak) and VmRSS of this process; getrusage's ru_maxrss would count the parent's
    # peak too, since Linux keeps it across fork and exec.
    for line in open("/proc/self/status"):
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024

sys.path.insert(0, sys.argv[2])
from fieldcheck import create_app
from fieldcheck.extensions import db
import sqlalchemy as sa
app = create_app({"SQLALCHEMY_DATABASE_URI": sys.argv[1], "SECRET_KEY": "x"})
with app.test_request_context():
    from fieldcheck.cycles.models import Cycle
    from fieldcheck.scores.compute import approved_results, claim_rows, report_rows
    cycle = db.session.scalar(sa.select(Cycle).where(Cycle.code == "2025"))
    db.session.execute(sa.text("SELECT 1"))
    base = vm("VmRSS")
    t0 = time.perf_counter()
    rows = report_rows(cycle)
    t1 = time.perf_counter()
    claims = claim_rows(cycle)
    t2 = time.perf_counter()
    peak = vm("VmHWM")
    print(json.dumps({"reports": len(rows), "claims": len(claims), "ratings": sum(r["ratings"] for r in rows),
                      "report_s": t1 - t0, "claim_s": t2 - t1, "base_mb": base, "peak_mb": peak}))
"""


def scores_in_fresh_process(url: str) -> dict:
    out = subprocess.run([sys.executable, "-c", SCORES_CHILD, url, str(ROOT)], capture_output=True, text=True,
                         check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def run(backend: str, args) -> dict:
    from fieldcheck import create_app
    from fieldcheck.extensions import db

    figures: dict = {"backend": backend}
    with tempfile.TemporaryDirectory() as tmpdir:
        tmp = Path(tmpdir)
        url, drop = make_database(backend, tmp)
        servers = []
        try:
            app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "UPLOAD_FOLDER": str(tmp / "up")})
            build_world(app)
            add_examiners(app)
            submits = args.submits
            # The submitting examiner's tasks and photos; no verification is stored yet.
            grow(app, 2 * submits, per_report=50, interviews=0, examiner="exb", states=("assigned",))
            shas = submit_photos(app, "exb", 2 * submits)
            with app.app_context():
                tasks = list(db.session.scalars(sa.text(
                    "SELECT task.id FROM task JOIN \"user\" u ON u.id = task.examiner_id "
                    "WHERE u.username = 'exb' AND task.state = 'assigned' ORDER BY task.id")))
                questions = list(db.session.scalars(sa.text(
                    "SELECT question.id FROM question JOIN cycle ON cycle.id = question.cycle_id "
                    "WHERE cycle.code = '2025' ORDER BY question.position, question.id")))
                assert db.session.scalar(sa.text("SELECT COUNT(*) FROM verification")) == 0
                db.session.remove()
                db.engine.dispose()
            env = {**os.environ, "FIELDCHECK_DATABASE_URL": url, "FIELDCHECK_SECRET_KEY": "bench-" + uuid.uuid4().hex,
                   "FIELDCHECK_UPLOAD_FOLDER": str(tmp / "up"), "FIELDCHECK_ENV": "development"}
            app_port, bare_port = free_port(), free_port()
            servers.append(start_gunicorn("wsgi:app", env, app_port, tmp / "app.log", ROOT))
            servers.append(start_gunicorn("bare_app:app", env, bare_port, tmp / "bare.log", ROOT / "bench"))
            base, bare = f"http://127.0.0.1:{app_port}", f"http://127.0.0.1:{bare_port}"
            figures["bare"] = bare_load(bare, args.bare_requests, args.concurrency)
            exb, exb_token = signed_in(base, "exb", "/tasks")
            figures["submit_empty"] = submit_load(base, exb, exb_token, tasks[:submits], shas[:submits], questions,
                                                  args.concurrency)

            t1 = time.perf_counter()
            grow(app, args.claims, per_report=50, interviews=args.interviews, examiner=EXAMINERS)
            stored = add_history(app, args.verifications)
            plan_routes(app)
            with app.app_context():
                figures["world"] = {k: db.session.scalar(sa.text(f"SELECT COUNT(*) FROM {k}"))
                                    for k in ("claim", "task", "verification", "interview", "rating", "photo")}
                db.session.remove()
                db.engine.dispose()
            figures["build_s"] = time.perf_counter() - t1
            figures["stored"] = stored
            figures["submit_full"] = submit_load(base, exb, exb_token, tasks[submits:], shas[submits:], questions,
                                                 args.concurrency)

            org, _ = signed_in(base, "org")
            ex, _ = signed_in(base, EXAMINERS[0])
            rev, _ = signed_in(base, "rev")
            public = requests.Session()
            pages = [("/tasks", ex), ("/api/pack", ex), ("/review/", rev), ("/cycles/2025/assign", org),
                     ("/cycles/2025/routes", org), ("/cycles/2025", org), ("/cycles/2025/scores/", org),
                     ("/cycles/2025/scores/export.csv?level=claim", org), ("/p/2025", public)]
            figures["pages"] = {path: page_times(session, base + path, args.page_requests) for path, session in pages}
            # The throughput goals (>= 1/10 of the bare endpoint) for the examiner's and reviewer's lists.
            figures["page_load"] = {path: page_load(base, user, path, args.load_requests, args.concurrency)
                                    for path, user in (("/tasks", EXAMINERS[0]), ("/review/", "rev"))}
            if backend == "postgresql":
                figures["plans"] = rows_read(app, [(path, client_of(app, user)) for path, user in PLAN_PAGES])
            figures["scores"] = scores_in_fresh_process(url)
        finally:
            for server in servers:
                server.terminate()
                server.wait(timeout=30)
            drop()
    return figures


# The pages whose plans are read (PostgreSQL): a screenful each, so rows read should not follow the cycle.
PLAN_PAGES = [("/tasks", EXAMINERS[0]), ("/api/pack", EXAMINERS[0]), ("/review/", "rev"),
              ("/cycles/2025/assign", "org"), ("/cycles/2025/routes", "org"), ("/cycles/2025", "org"),
              ("/p/2025", "org")]


def client_of(app, username: str):
    from helpers import login

    client = app.test_client()
    login(client, username)
    return client


def report(f: dict) -> None:
    bare, empty, full = f["bare"], f["submit_empty"], f["submit_full"]
    print(f"\n== {f['backend']} == world: {f['world']} (bulk build {f['build_s']:.0f} s)")
    print(f"bare Flask endpoint      {bare['rps']:8.1f} req/s  p95 {bare['p95']:7.1f} ms")
    for name, s in (("submit, 0 stored", empty), (f"submit, {f['stored']:,} stored", full)):
        print(f"{name:24} {s['rps']:8.1f} req/s  p95 {s['p95']:7.1f} ms  = 1/{bare['rps'] / s['rps']:.1f} of bare"
              f"  (errors {s['errors']}{': ' + s['first_error'] if s['errors'] else ''})")
    print(f"submit p95 full/empty    {full['p95'] / empty['p95']:.2f} (goal <= {GOALS['submit_flat']})")
    for path, p in f["pages"].items():
        rps = 1000 / p["p50"] if p["p50"] else 0
        print(f"{path:44} p50 {p['p50']:7.1f} ms  p95 {p['p95']:7.1f} ms  (n {p['n']}, {p['kb']:.0f} KB, "
              f"status {p['status']}, one client ~1/{bare['rps'] / rps if rps else 0:.0f} of bare req/s)")
    for path, p in f["page_load"].items():
        print(f"{path:24} {p['rps']:8.1f} req/s  p95 {p['p95']:7.1f} ms  = 1/{bare['rps'] / p['rps']:.1f} of bare"
              f"  (concurrency {p['concurrency']}, errors {p['errors']}; goal >= 1/10)")
    claims = f["world"]["claim"]
    for path, p in f.get("plans", {}).items():
        kind, table, rows = p["heaviest"]
        print(f"rows read {path:28} {p['rows']:9,} in {p['statements']} SELECTs ({p['rows'] / claims:.2f} per claim"
              f" of the cycle); heaviest: {kind} on {table or '-'}, {rows:,} rows")
    s = f["scores"]
    print(f"scores: {s['reports']} reports, {s['claims']} approved claims, {s['ratings']:,} ratings: report level "
          f"{s['report_s']:.2f} s, claim level {s['claim_s']:.2f} s; RSS {s['base_mb']:.0f} MB after import, "
          f"peak {s['peak_mb']:.0f} MB (+{s['peak_mb'] - s['base_mb']:.0f} MB; goal <= 2 s, <= 150 MB)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    args.claims, args.interviews, args.verifications = (1000, 10, 10_000) if args.quick else (10_000, 45, 100_000)
    args.submits, args.bare_requests, args.page_requests = (40, 300, 5) if args.quick else (200, 2000, 20)
    args.load_requests = 40 if args.quick else 200
    args.concurrency = 4
    for backend in args.backends.split(","):
        report(run(backend, args))


if __name__ == "__main__":
    main()
