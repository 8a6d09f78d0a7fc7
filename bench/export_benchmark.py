"""Streamed export at 1,000,000 interview rows (issue 11), against the database's own CSV dump.

Run as ``.venv/bin/python bench/export_benchmark.py [--backends sqlite,postgresql] [--rows N]``; it is
not part of the test run. For each backend it builds, in bulk (tests/bulk.py), the test story plus
enough visits for N rating rows (default 1,000,000: 45 interviews × 3 questions on each visited
claim), then, each in a fresh process:

  - exports the `interviews` table as the CLI and the page do (`fieldcheck export … --level
    interviews`, rows.interview_rows → cells.csv_lines): time and peak RSS (VmHWM);
  - the baseline: the same rows, same columns, same order, dumped by the database's own client —
    ``psql -c "\\copy (SELECT …) TO … CSV HEADER"`` on PostgreSQL, ``sqlite3 -csv -header`` on SQLite;
  - the whole signed package as a ZIP (every table, hashed and signed): time and peak RSS.

It prints the figures and the ratio export / baseline. Goals: peak RSS <= 150 MB, time <= 3x the
baseline. PostgreSQL is the server at FIELDCHECK_BENCH_POSTGRES_URL (default: the tests' local
server); a private database is created and dropped.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

import sqlalchemy as sa  # noqa: E402

DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
GOALS = {"peak_mb": 150, "ratio": 3.0}
INTERVIEWS, QUESTIONS = 45, 3
# The rows of rows.interview_rows, in its order, for the database's own client.
BASELINE_SQL = """SELECT r.interview_id AS interview, r.question_id AS question, r.value, i.respondent, i.source,
 cy.code || '/' || rep.slug || '/' || cl.n AS claim, a.code AS aspect, v.id AS verification, t.kind AS visit_kind
FROM rating r JOIN interview i ON i.id = r.interview_id JOIN verification v ON v.id = i.verification_id
JOIN task t ON t.id = v.task_id JOIN claim cl ON cl.id = t.claim_id JOIN report rep ON rep.id = cl.report_id
JOIN aspect a ON a.id = cl.aspect_id JOIN cycle cy ON cy.id = rep.cycle_id
WHERE cy.code = '2025' ORDER BY r.interview_id, r.question_id"""


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
    if backend == "sqlite":
        url = f"sqlite:///{tmp / 'export.sqlite3'}"
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


def build(url: str, rows: int, tmp: Path) -> int:
    """The story plus bulk visits: about `rows` ratings; returns the exact count."""
    from bulk import grow
    from story import build_world

    from fieldcheck import create_app
    from fieldcheck.extensions import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "x", "UPLOAD_FOLDER": str(tmp / "uploads"),
                      "EXPORT_KEY_FILE": str(tmp / "export-key.pem")})
    build_world(app)
    # grow(): three in four claims are visited, each visit with INTERVIEWS × QUESTIONS ratings.
    claims = round(rows / (0.75 * INTERVIEWS * QUESTIONS))
    step = 2000
    for start in range(0, claims, step):
        grow(app, min(step, claims - start), interviews=INTERVIEWS)
        print(f"  built {min(start + step, claims)}/{claims} claims", file=sys.stderr, flush=True)
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            # As autovacuum would after such a load (and as scale_benchmark does): plans need statistics.
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(sa.text("ANALYZE"))
        count = db.session.execute(sa.text("SELECT count(*) FROM rating")).scalar_one()
        db.session.remove()
        db.engine.dispose()
    return count


MEASURE = """
import json, sys, time
sys.path.insert(0, {root!r})
from fieldcheck import create_app
from fieldcheck.cycles.operations import get_cycle
from fieldcheck.export.downloads import csv_chunks
from fieldcheck.export.package import write_zip
from fieldcheck.export.tables import BY_NAME

def vm(field):
    # VmHWM is this process's own peak (getrusage would count the parent's too across fork/exec).
    for line in open("/proc/self/status"):
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024

app = create_app({{"SQLALCHEMY_DATABASE_URI": {url!r}, "SECRET_KEY": "x", "EXPORT_KEY_FILE": {key!r}}})
with app.app_context():
    cycle = get_cycle("2025")
    base = vm("VmRSS")
    t0 = time.perf_counter()
    if {kind!r} == "interviews":
        written = 0
        with open({out!r}, "wb") as out:
            for chunk in csv_chunks(cycle, BY_NAME["interviews"]):
                out.write(chunk)
                written += len(chunk)
    else:
        write_zip(cycle, {out!r})
    seconds = time.perf_counter() - t0
print(json.dumps({{"seconds": seconds, "base_mb": base, "peak_mb": vm("VmHWM")}}))
"""


def measure(kind: str, url: str, out: Path, key: Path) -> dict:
    code = MEASURE.format(root=str(ROOT), url=url, kind=kind, out=str(out), key=str(key))
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def baseline(backend: str, url: str, out: Path) -> float:
    t0 = time.perf_counter()
    if backend == "sqlite":
        path = url[len("sqlite:///"):]
        with open(out, "wb") as handle:
            subprocess.run(["sqlite3", "-csv", "-header", path, BASELINE_SQL], stdout=handle, check=True)
    else:
        plain = sa.engine.make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
        sql = " ".join(BASELINE_SQL.split())
        subprocess.run(["psql", plain, "-q", "-c", f"\\copy ({sql}) TO '{out}' WITH (FORMAT csv, HEADER)"],
                       check=True)
    return time.perf_counter() - t0


def lines(path: Path) -> int:
    with open(path, "rb") as handle:
        return sum(chunk.count(b"\n") for chunk in iter(lambda: handle.read(1 << 20), b""))


def run(backend: str, rows: int) -> dict:
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        url, drop = make_database(backend, tmp)
        try:
            t0 = time.perf_counter()
            count = build(url, rows, tmp)
            print(f"{backend}: {count:,} rating rows built in {time.perf_counter() - t0:.0f} s", flush=True)
            key = tmp / "export-key.pem"
            base_s = baseline(backend, url, tmp / "baseline.csv")
            export = measure("interviews", url, tmp / "interviews.csv", key)
            base2_s = baseline(backend, url, tmp / "baseline2.csv")  # again, after the export warmed the cache
            package = measure("package", url, tmp / "package.zip", key)
            result = {
                "backend": backend, "rows": count, "export_lines": lines(tmp / "interviews.csv") - 1,
                "baseline_lines": lines(tmp / "baseline.csv") - 1,
                "baseline_s": min(base_s, base2_s), "export_s": export["seconds"], "export_peak_mb": export["peak_mb"],
                "export_base_mb": export["base_mb"], "package_s": package["seconds"],
                "package_peak_mb": package["peak_mb"], "package_mb": (tmp / "package.zip").stat().st_size / 2**20,
            }
            verify = subprocess.run([sys.executable, str(ROOT / "fieldcheck" / "export" / "verify_package.py"),
                                     str(tmp / "package.zip"), "--quiet"], capture_output=True, text=True)
            result["package_verifies"] = verify.returncode == 0
            return result
        finally:
            drop()


def report(r: dict) -> None:
    tool = "sqlite3 -csv" if r["backend"] == "sqlite" else "psql \\copy"
    ratio = r["export_s"] / r["baseline_s"]
    print(f"\n{r['backend']}: {r['rows']:,} interview rows (export wrote {r['export_lines']:,} lines, "
          f"{tool} {r['baseline_lines']:,})")
    print(f"  {tool:<14} {r['baseline_s']:7.2f} s")
    print(f"  export CSV     {r['export_s']:7.2f} s   ratio {ratio:.2f}x (goal <= {GOALS['ratio']:g}x)   "
          f"peak RSS {r['export_peak_mb']:.0f} MB (at start {r['export_base_mb']:.0f} MB; goal <= {GOALS['peak_mb']} MB)")
    print(f"  package ZIP    {r['package_s']:7.2f} s   {r['package_mb']:.1f} MB   peak RSS {r['package_peak_mb']:.0f} MB"
          f"   verify_package.py: {'OK' if r['package_verifies'] else 'FAILED'}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--json", action="store_true", help="print the figures as JSON too")
    args = parser.parse_args()
    results = []
    for backend in args.backends.split(","):
        results.append(run(backend.strip(), args.rows))
        report(results[-1])
    if args.json:
        print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
