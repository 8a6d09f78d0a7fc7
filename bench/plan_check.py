"""Rows each page's statements read, from PostgreSQL's own plans (EXPLAIN ANALYZE), at scale.

Statement-count tests keep the number of statements per page fixed; they cannot see a plan that reads
the whole table (a keyset page without its index sorts everything; a join planned as a scan of every
task). This walks each page's statements' executed plans and sums the rows their table scans read
(returned plus removed by a filter; a sort of everything shows as the scan of everything beneath it).
A page a screenful long should read rows in proportion to its page, not to the cycle.

Used by bench/scale_benchmark.py on its PostgreSQL world (`rows_read(app, pages)`); not a test.
"""

from __future__ import annotations

import json

from sqlalchemy import event

SCANS = ("Seq Scan", "Index Scan", "Index Only Scan", "Bitmap Heap Scan")


def _walk(node: dict, found: list[tuple[str, str, int]]) -> None:
    kind = node.get("Node Type", "")
    rows = int(node.get("Actual Rows", 0) * node.get("Actual Loops", 1))
    if kind in SCANS:
        # A scan's work is the rows it returns plus those its filter removed.
        removed = int(node.get("Rows Removed by Filter", 0) * node.get("Actual Loops", 1))
        found.append((kind, node.get("Relation Name", ""), rows + removed))
    for child in node.get("Plans", []):
        _walk(child, found)


def rows_read(app, pages: list[tuple[str, object]]) -> dict[str, dict]:
    """For each (path, signed-in test client): statements, rows read in all, and the heaviest node."""
    from fieldcheck.extensions import db

    result: dict[str, dict] = {}
    with app.app_context():
        engine = db.engine
    for path, client in pages:
        captured: list[tuple[str, object]] = []

        def capture(conn, cursor, statement, parameters, context, executemany):
            if statement.lstrip().upper().startswith(("SELECT", "WITH")):
                captured.append((statement, parameters))

        event.listen(engine, "before_cursor_execute", capture)
        try:
            status = client.get(path).status_code
        finally:
            event.remove(engine, "before_cursor_execute", capture)
        nodes: list[tuple[str, str, int]] = []
        with engine.connect() as conn:
            raw = conn.connection.driver_connection
            for statement, parameters in captured:
                plan = raw.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + statement, parameters).fetchone()[0]
                plan = json.loads(plan) if isinstance(plan, str) else plan
                _walk(plan[0]["Plan"], nodes)
            raw.rollback()
        heaviest = max(nodes, key=lambda n: n[2], default=("", "", 0))
        result[path] = {"status": status, "statements": len(captured), "rows": sum(n[2] for n in nodes),
                        "heaviest": heaviest}
    return result
