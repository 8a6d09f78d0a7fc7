"""Where an examiner's request spends its time (not a test): one process, no gunicorn, no network.

    PYTHONPATH=. .venv/bin/python bench/request_profile.py [--backend sqlite|postgresql] [--visits 30]
        [--profile upload|submit|tasks|pack] [--tasks 200]

Builds the test story plus `--tasks` open tasks for the examiner `exa` (tests/bulk.py), then runs
the load benchmark's examiner loop in process through Flask's test client: the task list, three
photos (unique bytes each), the visit as JSON. It prints, per step, the mean CPU time and the SQL
statements per request, beside a bare Flask endpoint served by the same test client machinery in
the same run (the ratio is what matters on a busy machine: both are measured in the same process,
interleaved). `--profile STEP` prints cProfile's top functions of that step.
"""

from __future__ import annotations

import argparse
import cProfile
import hashlib
import io
import os
import pstats
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "bench"))

import sqlalchemy as sa  # noqa: E402

from bulk import grow  # noqa: E402
from statements import counted  # noqa: E402
from story import FIXTURES, PASSWORD, build_world  # noqa: E402

DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def small_jpeg() -> bytes:
    from PIL import Image

    with Image.open(FIXTURES / "photos" / "gps_DSCN0012.jpg") as image:
        image.thumbnail((640, 640))
        out = io.BytesIO()
        image.save(out, "JPEG", quality=80)
    return out.getvalue()


def unique_photo(base: bytes) -> bytes:
    comment = uuid.uuid4().hex.encode()
    return base[:2] + b"\xff\xfe" + (len(comment) + 2).to_bytes(2, "big") + comment + base[2:]


def database(backend: str, tmp: Path):
    if backend == "sqlite":
        return f"sqlite:///{tmp / 'profile.sqlite3'}", lambda: None
    admin = sa.create_engine(os.environ.get("FIELDCHECK_BENCH_POSTGRES_URL", DEFAULT_PG), isolation_level="AUTOCOMMIT")
    name = f"fieldcheck_prof_{uuid.uuid4().hex[:8]}"
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))

    def drop():
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return admin.url.set(database=name).render_as_string(hide_password=False), drop


class Step:
    def __init__(self, name: str, profile: bool):
        self.name, self.cpu, self.wall, self.n, self.statements = name, 0.0, 0.0, 0, 0
        self.profiler = cProfile.Profile() if profile else None
        self.last: list[str] = []

    def run(self, app, call):
        with counted(app) as statements:
            c0, w0 = time.process_time(), time.perf_counter()
            if self.profiler:
                self.profiler.enable()
            response = call()
            if self.profiler:
                self.profiler.disable()
            self.cpu += time.process_time() - c0
            self.wall += time.perf_counter() - w0
        self.n += 1
        self.statements += len(statements)
        self.last = list(statements)
        assert response.status_code < 400, (self.name, response.status_code, response.get_data(as_text=True)[:300])
        return response


def explain_duplicate_query(app, client, headers, task_id: int, questions: list[int], photo: bytes) -> None:
    """The database's plan for the duplicate-photo candidates of one more submit (the query that grows)."""
    from fieldcheck.extensions import db

    with app.app_context():
        engine = db.engine
    seen: list[tuple[str, object]] = []

    def note(conn, cursor, statement, parameters, context, executemany):
        if "phash_b0" in statement and "verification_photo" in statement:
            seen.append((statement, parameters))

    sa.event.listen(engine, "before_cursor_execute", note)
    try:
        data = unique_photo(photo)
        sha = hashlib.sha256(data).hexdigest()
        client.post("/api/photos", data={"photo": (io.BytesIO(data), "p.jpg"), "sha256": sha}, headers=headers,
                    content_type="multipart/form-data")
        client.post(f"/api/tasks/{task_id}/verifications", headers=headers, json={
            "client_uuid": str(uuid.uuid4()), "finding": "verified", "photo_sha256": [sha],
            "interviews": [{"respondent": "resident", "ratings": {str(q): 4 for q in questions}}]})
    finally:
        sa.event.remove(engine, "before_cursor_execute", note)
    if not seen:
        print("  (no duplicate-photo query seen)")
        return
    statement, parameters = seen[-1]
    prefix = "EXPLAIN QUERY PLAN " if engine.dialect.name == "sqlite" else "EXPLAIN (ANALYZE, BUFFERS) "
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        cursor.execute(prefix + statement, parameters)
        print("\n-- plan of the duplicate-photo query --")
        for row in cursor.fetchall():
            print("  ", " | ".join(str(x) for x in row))
    finally:
        raw.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", default="sqlite", choices=("sqlite", "postgresql"))
    parser.add_argument("--visits", type=int, default=30)
    parser.add_argument("--tasks", type=int, default=200)
    parser.add_argument("--profile", default="", help="upload, submit, tasks or pack: cProfile that step")
    parser.add_argument("--statements", default="", help="a step whose last request's SQL is printed")
    parser.add_argument("--history", type=int, default=0,
                        help="then store this many older visits (scale_benchmark.add_history) and run again: "
                             "the submit's cost with them against without, in the same process")
    args = parser.parse_args()

    from flask import Flask

    from fieldcheck import create_app
    from fieldcheck.assignment.models import Task
    from fieldcheck.extensions import db
    from helpers import csrf_token, login

    with tempfile.TemporaryDirectory() as tmpdir:
        tmp = Path(tmpdir)
        url, drop = database(args.backend, tmp)
        try:
            app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "profile", "UPLOAD_FOLDER": str(tmp / "up"),
                              "WTF_CSRF_ENABLED": True})
            with app.app_context():
                from flask_migrate import upgrade

                upgrade()
            build_world(app)
            grow(app, args.tasks, states=("assigned",))
            with app.app_context():
                tasks = list(db.session.scalars(sa.select(Task.id).where(Task.state == "assigned").order_by(Task.id)))
                questions = [q.id for q in db.session.get(Task, tasks[0]).claim.report.cycle.questions]
            client = app.test_client()
            login(client, "exa", PASSWORD)
            token = csrf_token(client, "/tasks")
            headers = {"X-CSRFToken": token}

            bare_app = Flask("bare")
            bare_app.add_url_rule("/", "hello", lambda: "ok")
            bare = bare_app.test_client()
            photo = small_jpeg()
            # "floor": the cheapest signed-in API call (one statement of its own): what any request of this
            # app costs at least (session, CSRF-free GET, login, Babel, the guard, one transaction).
            names = ("bare", "floor", "tasks", "pack", "upload", "submit")

            def visits(task_ids, profile):
                steps = {name: Step(name, profile in (name, "all") and name != "bare") for name in names}
                for task_id in task_ids:
                    steps["bare"].run(app, lambda: bare.get("/"))
                    steps["floor"].run(app, lambda: client.get(
                        f"/api/tasks/{task_id}/qr-count?client_uuid=7c9e6679-7425-40de-944b-e07fc1f90ae7"))
                    steps["tasks"].run(app, lambda: client.get("/tasks"))
                    steps["pack"].run(app, lambda: client.get("/api/pack"))
                    shas = []
                    for _ in range(3):
                        data = unique_photo(photo)
                        sha = hashlib.sha256(data).hexdigest()
                        steps["upload"].run(app, lambda: client.post(
                            "/api/photos", data={"photo": (io.BytesIO(data), "p.jpg"), "sha256": sha},
                            headers=headers, content_type="multipart/form-data"))
                        shas.append(sha)
                    body = {"client_uuid": str(uuid.uuid4()), "finding": "verified", "photo_sha256": shas,
                            "notes": "load", "lat": 44.6, "lon": 129.6, "accuracy_m": 8,
                            "interviews": [{"respondent": "resident", "ratings": {str(q): 4 for q in questions}}]}
                    steps["submit"].run(app, lambda: client.post(f"/api/tasks/{task_id}/verifications", json=body,
                                                                 headers=headers))
                return steps

            def show(steps, label):
                base = steps["bare"].cpu / steps["bare"].n
                print(f"{args.backend}, {label}: {steps['bare'].n} visits, {args.tasks} open tasks; "
                      "CPU per request (this process)")
                for step in steps.values():
                    cpu = step.cpu / step.n
                    print(f"  {step.name:<8} {cpu * 1000:8.2f} ms CPU  {step.wall / step.n * 1000:8.2f} ms wall  "
                          f"{step.statements / step.n:6.1f} statements  = {cpu / base:7.1f} x bare")
                visit = sum(steps[s].cpu / steps[s].n * k for s, k in (("tasks", 1), ("upload", 3), ("submit", 1)))
                print(f"  one examiner visit (tasks + 3 photos + submit): {visit * 1000:.1f} ms CPU, "
                      f"{visit / 5 / base:.1f} x bare per request")

            steps = visits(tasks[:args.visits], args.profile)
            show(steps, "no other visits stored")
            if args.history:
                from scale_benchmark import add_history

                stored = add_history(app, args.history)
                full = visits(tasks[args.visits:2 * args.visits], "")
                show(full, f"{stored:,} visits stored")
                for name in ("submit", "upload"):
                    a, b = steps[name], full[name]
                    print(f"  {name} full/empty: CPU {(b.cpu / b.n) / (a.cpu / a.n):.2f}, "
                          f"wall {(b.wall / b.n) / (a.wall / a.n):.2f}, statements {b.statements / b.n:.1f} "
                          f"vs {a.statements / a.n:.1f} (bare CPU full/empty "
                          f"{(full['bare'].cpu / full['bare'].n) / (steps['bare'].cpu / steps['bare'].n):.2f})")
            if args.history:
                explain_duplicate_query(app, client, headers, tasks[2 * args.visits], questions, photo)
            if args.statements:
                print(f"\n-- SQL of the last {args.statements} --")
                for statement in steps[args.statements].last:
                    print("  ", " ".join(statement.split())[:160])
            profiled = [step for step in steps.values() if step.profiler]
            if profiled:
                names = ", ".join(f"{step.name} ({step.n} requests)" for step in profiled)
                print(f"\n-- cProfile of {names}: own time, then cumulative --")
                stats = pstats.Stats(profiled[0].profiler)
                for step in profiled[1:]:
                    stats.add(step.profiler)
                stats.sort_stats("tottime").print_stats(30)
                stats.sort_stats("cumulative").print_stats(60)
            with app.app_context():
                db.session.remove()
                db.engine.dispose()
        finally:
            drop()


if __name__ == "__main__":
    main()
