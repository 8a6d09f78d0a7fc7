"""Builders that set the scene the way people would: through the operations, committed."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa

FIXTURES = Path(__file__).parent / "fixtures"
PASSWORD = "correct horse 1"
SEED = "0417 8826 3391 0052 7764"


@dataclass
class World:
    cycle_code: str
    report_slug: str
    task_ids: list[int]


def make_users():
    from fieldcheck.accounts.operations import create_user

    for name, roles in (("org", ["organizer"]), ("exa", ["examiner"]), ("exb", ["examiner"]),
                        ("rev", ["reviewer"]), ("multi", ["organizer", "reviewer"])):
        create_user(name, PASSWORD, roles)


def build_world(app, *, assign: bool = True, draw: bool = True) -> World:
    """Users, places, a cycle with the Qingshan report and its claims, drawn and assigned to `exa`."""
    from fieldcheck.accounts.models import User
    from fieldcheck.cycles.operations import create_cycle
    from fieldcheck.extensions import db
    from fieldcheck.assignment.models import Task
    from fieldcheck.places.operations import import_places
    from fieldcheck.reports.operations import accept_proposals, import_report, report_text_from_input
    from fieldcheck.assignment.operations import assign_task
    from fieldcheck.sampling.operations import draw_cycle_sample, publish_cycle

    with app.test_request_context():
        make_users()
        import_places((FIXTURES / "places-qingshan.csv").read_bytes())
        cycle = create_cycle("2025", "2025 test cycle", min_per_stratum=3)
        text = report_text_from_input(None, (FIXTURES / "reports" / "qingshan-county-2025.md").read_bytes())
        report = import_report(cycle, unit_name="中共青山县委", secretary="张明", title="", slug="qingshan-county",
                               text=text)
        accept_proposals(report)
        task_ids = []
        if draw:
            publish_cycle(cycle)
            draw_cycle_sample(cycle, SEED)
            examiner = db.session.scalar(sa.select(User).where(User.username == "exa"))
            for task in db.session.scalars(sa.select(Task).order_by(Task.id)):
                if assign:
                    assign_task(task, examiner)
                task_ids.append(task.id)
        db.session.commit()
        return World(cycle.code, report.slug, task_ids)
