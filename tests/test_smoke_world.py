"""The scene builder itself works on both databases."""

import sqlalchemy as sa

from story import build_world


def test_world_has_a_drawn_and_assigned_sample(app):
    world = build_world(app)
    from fieldcheck.db import db
    from fieldcheck.field.models import Task

    with app.app_context():
        states = db.session.scalars(sa.select(Task.state)).all()
    assert len(world.task_ids) == 3
    assert states == ["assigned"] * 3
