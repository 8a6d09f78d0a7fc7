"""The README's first command: the demo builds a whole cycle and prints working passwords."""

import sqlalchemy as sa


def test_the_demo_loads_a_drawn_cycle_and_its_passwords_work(app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["demo", "--no-serve"])
    assert result.exit_code == 0, result.output
    passwords = dict(line.split() for line in result.output.splitlines()
                     if line.startswith("  ") and len(line.split()) == 2)
    assert set(passwords) == {"organizer", "examiner", "reviewer", "organizer2", "examiner2", "reviewer2",
                              "examiner3"}
    from fieldcheck.accounts.models import User
    from fieldcheck.assignment.operations import has_conflict
    from fieldcheck.extensions import db
    from fieldcheck.assignment.models import Task
    from fieldcheck.sampling.models import Sample

    with app.app_context():
        sample = db.session.scalar(sa.select(Sample))
        assert sample is not None and sample.items
        states = set(db.session.scalars(sa.select(Task.state)))
        users = {u.username: u for u in db.session.scalars(sa.select(User))}
        assert all(u.unit_id is not None for u in users.values())  # so the conflict rules show in the demo
        claim = db.session.scalars(sa.select(Task)).first().claim
        # The Chengguan examiner's township is related to the county that made the claims.
        assert has_conflict(users["examiner3"], claim) and not has_conflict(users["examiner"], claim)
    assert states == {"assigned"}
    client = app.test_client()
    from helpers import csrf_token

    r = client.post("/login", data={"username": "examiner", "password": passwords["examiner"],
                                    "csrf_token": csrf_token(client)})
    assert r.status_code == 302
    assert client.get("/tasks").status_code == 200
    # run again (a restart): nothing is loaded twice, new passwords are printed
    again = runner.invoke(args=["demo", "--no-serve"])
    assert again.exit_code == 0
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Sample)) == 1
