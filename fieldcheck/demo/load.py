"""`fieldcheck demo`: a whole cycle ready to try, from the project's own sample report."""

from __future__ import annotations

import secrets
from pathlib import Path

import click
import sqlalchemy as sa
from flask import current_app, g, has_app_context
from flask.cli import with_appcontext
from flask_babel import gettext as _

from flask_migrate import upgrade
from werkzeug.serving import run_simple

from ..accounts.models import User
from ..accounts.operations import create_user, set_unit_group, set_user_unit, unit_named
from ..assignment.models import Task
from ..assignment.operations import assign_task
from ..cycles.models import Cycle
from ..cycles.operations import create_cycle
from ..extensions import db
from ..places.operations import import_places
from ..reports.operations import accept_proposals, import_report, report_text_from_input
from ..sampling.operations import draw_cycle_sample, publish_cycle

DATA = Path(__file__).parent / "data"
DEMO_SEED = "3172 0945 8861 2203 5518"
# login name, roles, name shown, unit. Everyone has a unit, so the conflict rules show: the county's
# units are related (group 白水县), and the Chengguan examiner can never be given a Baishui claim.
DEMO_USERS = (
    ("organizer", ["organizer"], "组织部管理员", "市委组织部"),
    ("examiner", ["examiner"], "考核员", "市委组织部考核组"),
    ("reviewer", ["reviewer"], "审核员", "市委组织部"),
    # A second organizer confirms the seed at a draw; a second examiner takes back-checks; a second
    # reviewer confirms rejections.
    ("organizer2", ["organizer"], "组织部管理员（二）", "市委组织部"),
    ("examiner2", ["examiner"], "考核员（二）", "市纪委监委派驻组"),
    ("reviewer2", ["reviewer"], "审核员（二）", "市委巡察办"),
    ("examiner3", ["examiner"], "考核员（城关镇）", "中共城关镇委员会"),
)
DEMO_RELATED = ("白水县", ("中共白水县委", "中共城关镇委员会"))
DEMO_UNIT_KINDS = {"中共城关镇委员会": "township", "中共白水县委": "county"}


def load_demo(passwords: dict[str, str] | None = None) -> dict[str, str]:
    """Create the demo users and cycle (once); set and return the users' passwords."""

    passwords = dict(passwords or {})
    for username, roles, name, unit in DEMO_USERS:
        password = passwords.setdefault(username, secrets.token_urlsafe(9))
        user = db.session.scalar(sa.select(User).where(User.username == username))
        if user is None:
            user = create_user(username, password, roles, name)
            set_user_unit(user, unit)
        else:
            user.set_password(password)
    group, members = DEMO_RELATED
    for unit_name in members:
        set_unit_group(unit_name, group)
        unit_named(unit_name).kind = DEMO_UNIT_KINDS.get(unit_name, "")
    if db.session.scalar(sa.select(Cycle.id).where(Cycle.code == "2025")) is None:
        if has_app_context():
            # The demo organizer is the actor of everything the loader records.
            g.cli_actor = db.session.scalar(sa.select(User).where(User.username == "organizer"))
            g.cli_origin = "demo"
        import_places((DATA / "places-baishui.csv").read_bytes())
        cycle = create_cycle("2025", "2025年度基层党建述职评议考核（演示）", min_per_stratum=3)
        text = report_text_from_input(None, (DATA / "report-baishui-county-2025.md").read_bytes())
        report = import_report(cycle, unit_name="中共白水县委", unit_kind="county", secretary="李文华",
                               title="", slug="baishui-county", text=text)
        accept_proposals(report)
        publish_cycle(cycle)
        draw_cycle_sample(cycle, DEMO_SEED, via="demo")
        examiner = db.session.scalar(sa.select(User).where(User.username == "examiner"))
        for task in db.session.scalars(sa.select(Task).where(Task.kind == "primary").order_by(Task.id)):
            assign_task(task, examiner)
    db.session.commit()
    return passwords


@click.command("demo")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--no-serve", is_flag=True, help="Only prepare the database and print the passwords")
@with_appcontext
def demo_command(host, port, no_serve):
    """Migrate the database, load the demo cycle, print the passwords and serve."""

    upgrade()
    passwords = load_demo()
    click.echo(_("fieldcheck demo — accounts:"))
    for username, password in passwords.items():
        click.echo(f"  {username:10} {password}")
    url = f"http://{host}:{port}/login"
    click.echo(_("Open %(url)s (examiners: %(tasks)s on a phone)", url=url, tasks="/tasks"))
    if not no_serve:
        # Flask ignores app.run() inside its own CLI, so serve with Werkzeug directly.

        run_simple(host, port, current_app._get_current_object(), threaded=True)
