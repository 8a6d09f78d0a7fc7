"""Grow a cycle in bulk with core INSERTs (never through the pages): for statement counts and the benchmark.

`grow(app, count)` adds `count` sampled claims to the story's cycle, in new reports of
`per_report` claims each, with their sample items, tasks (all the examiner's: a quarter each
assigned, submitted, approved, returned), the verifications of the visited ones with photos,
interviews and ratings, and reviews of the decided ones. Explicit ids are used (so rows can
refer to each other without a round trip per row); PostgreSQL's sequences are moved past them.
"""

from __future__ import annotations

import hashlib
import uuid
from datetime import datetime, timedelta, timezone

import sqlalchemy as sa

STATES = ("assigned", "submitted", "approved", "returned")
FINDINGS = ("verified", "partly", "not_verified", "verified")
BATCH = 5000
TABLES = ("unit", "report", "claim", "sample_item", "task", "verification", "photo", "verification_photo",
          "interview", "rating", "review", "flag")


def _next_id(conn, table: str) -> int:
    return (conn.execute(sa.text(f'SELECT COALESCE(MAX(id), 0) FROM "{table}"')).scalar() or 0) + 1


def _insert(conn, table: sa.Table, rows: list[dict]) -> None:
    for i in range(0, len(rows), BATCH):
        conn.execute(table.insert(), rows[i:i + BATCH])


def _fix_sequences(conn) -> None:
    if conn.dialect.name != "postgresql":
        return
    for table in TABLES:
        if table in ("verification_photo", "rating"):
            continue
        conn.execute(sa.text(f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), "
                             f"(SELECT COALESCE(MAX(id), 1) FROM \"{table}\"))"))


def grow(app, count: int, *, per_report: int = 5, interviews: int = 2, cycle_code: str = "2025",
         examiner: str | list[str] = "exa", reviewer: str = "rev", tag: str | None = None,
         states: tuple[str, ...] = STATES) -> dict:
    """Add `count` sampled claims with their field work; returns a few ids for the tests to use."""
    from fieldcheck.extensions import db

    meta = db.metadata
    t = {name: meta.tables[name] for name in TABLES}
    tag = tag or uuid.uuid4().hex[:6]
    now = datetime.now(timezone.utc)
    with app.app_context():
        engine = db.engine
        with engine.begin() as conn:
            cycle_id = conn.execute(sa.text("SELECT id FROM cycle WHERE code = :c"), {"c": cycle_code}).scalar_one()
            aspects = [r[0] for r in conn.execute(sa.text(
                "SELECT id FROM aspect WHERE cycle_id = :c ORDER BY position, id"), {"c": cycle_id})]
            questions = [r[0] for r in conn.execute(sa.text(
                "SELECT id FROM question WHERE cycle_id = :c ORDER BY position, id"), {"c": cycle_id})]
            places = [r[0] for r in conn.execute(sa.text("SELECT id FROM place ORDER BY id"))]
            sample_id = conn.execute(sa.text("SELECT id FROM sample WHERE cycle_id = :c"), {"c": cycle_id}).scalar_one()
            names = [examiner] if isinstance(examiner, str) else list(examiner)
            staff = [conn.execute(sa.text('SELECT id FROM "user" WHERE username = :u'), {"u": name}).scalar_one()
                     for name in names]
            rev = conn.execute(sa.text('SELECT id FROM "user" WHERE username = :u'), {"u": reviewer}).scalar_one()
            ids = {name: _next_id(conn, name) for name in TABLES if name not in ("verification_photo", "rating")}
            rows: dict[str, list[dict]] = {name: [] for name in TABLES}
            out = {"task_ids": [], "submitted_verification_ids": [], "assigned_task_ids": []}
            n_reports = (count + per_report - 1) // per_report
            claim_text = "完成道路硬化12公里，惠及群众。"
            for r in range(n_reports):
                unit_id, report_id = ids["unit"] + r, ids["report"] + r
                slug = f"bulk-{tag}-{r}"
                size = min(per_report, count - r * per_report)
                text = claim_text * size
                rows["unit"].append({"id": unit_id, "name": f"批量单位{tag}{r}", "kind": "", "group": ""})
                rows["report"].append({"id": report_id, "cycle_id": cycle_id, "unit_id": unit_id, "slug": slug,
                                       "title": f"报告{r}", "secretary": "某书记", "text": text,
                                       "sha256": hashlib.sha256(text.encode()).hexdigest(), "imported_at": now})
                for k in range(size):
                    i = r * per_report + k
                    claim_id, task_id = ids["claim"] + i, ids["task"] + i
                    rows["claim"].append({
                        "id": claim_id, "report_id": report_id, "n": k + 1, "start": k * len(claim_text),
                        "end": (k + 1) * len(claim_text), "text": claim_text, "aspect_id": aspects[i % len(aspects)],
                        "place_id": places[i % len(places)] if places and i % 7 else None,
                        "claimed_qty": 12.0 if i % 2 else None, "qty_unit": "公里" if i % 2 else "",
                        "state": "confirmed", "exclude_reason": ""})
                    rows["sample_item"].append({
                        "id": ids["sample_item"] + i, "sample_id": sample_id, "claim_id": claim_id,
                        "public_id": f"{cycle_code}/{slug}/{k + 1}", "stratum": slug, "rank": k + 1,
                        "ticket_hex": hashlib.sha256(f"{tag}/{i}".encode()).hexdigest(), "reason": "size"})
                    state = states[i % len(states)]
                    exa = staff[i % len(staff)]
                    rows["task"].append({
                        "id": task_id, "claim_id": claim_id, "kind": "primary", "examiner_id": exa, "state": state,
                        "assigned_at": now, "return_reason": "照片不清楚" if state == "returned" else "",
                        "blind_qty": 12.0, "revealed_at": now, "latest_verification_id": None})
                    out["task_ids"].append(task_id)
                    if state == "assigned":
                        out["assigned_task_ids"].append(task_id)
                        continue
                    v_id, photo_id = ids["verification"] + len(rows["verification"]), ids["photo"] + len(rows["photo"])
                    rows["verification"].append({
                        "id": v_id, "client_uuid": str(uuid.uuid4()), "task_id": task_id, "examiner_id": exa,
                        "finding": FINDINGS[i % len(FINDINGS)], "observed_qty": 9.0 if i % 2 else None, "notes": "",
                        "lat": 44.6, "lon": 129.6, "accuracy_m": 10.0, "started_at": now - timedelta(hours=1),
                        "submitted_at": now, "geo_at": now})
                    rows["task"][-1]["latest_verification_id"] = v_id
                    if state == "submitted":
                        out["submitted_verification_ids"].append(v_id)
                    sha = hashlib.sha256(f"photo/{tag}/{i}".encode()).hexdigest()
                    phash = f"{(i * 40503) % 65536:04x}{(i * 2654435761) % 2**48:012x}"
                    rows["photo"].append({
                        "id": photo_id, "sha256": sha, "size_bytes": 1000, "format": "JPEG", "width": 640,
                        "height": 480, "camera": "", "phash": phash, "uploaded_by_id": exa, "uploaded_at": now,
                        **{f"phash_b{b}": phash[4 * b:4 * b + 4] for b in range(4)}})
                    rows["verification_photo"].append({"verification_id": v_id, "photo_id": photo_id})
                    for j in range(interviews):
                        iv_id = ids["interview"] + len(rows["interview"])
                        rows["interview"].append({"id": iv_id, "verification_id": v_id, "task_id": task_id,
                                                  "client_uuid": None, "respondent": ("member", "resident")[j % 2],
                                                  "source": "examiner", "comment": ""})
                        rows["rating"].extend({"interview_id": iv_id, "question_id": q, "value": 1 + (i + j + q) % 5}
                                              for q in questions)
                    if state in ("approved", "returned"):
                        rows["review"].append({"id": ids["review"] + len(rows["review"]), "verification_id": v_id,
                                               "reviewer_id": rev, "decision": "approve" if state == "approved"
                                               else "return", "reason": "", "decided_at": now})
                    if i % 3 == 0:
                        rows["flag"].append({"id": ids["flag"] + len(rows["flag"]), "verification_id": v_id,
                                             "code": "poor_accuracy", "figures": "{}"})
            for name in TABLES:
                if rows[name]:
                    _insert(conn, t[name], rows[name])
            _fix_sequences(conn)
    return out
