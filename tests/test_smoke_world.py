"""The scene builder itself works on both databases."""

import sqlalchemy as sa

from story import build_world


def test_world_has_a_drawn_and_assigned_sample(app):
    world = build_world(app)
    from fieldcheck.extensions import db
    from fieldcheck.assignment.models import Task

    from fieldcheck.sampling.draw import parse_frame_csv, sample_size
    from fieldcheck.sampling.models import Sample

    with app.app_context():
        states = db.session.scalars(sa.select(Task.state)).all()
        frame = parse_frame_csv(db.session.scalar(sa.select(Sample.frame_csv)))
    # at least the hypergeometric size for the report's N claims, one task per sampled claim
    assert len(world.task_ids) >= sample_size(len(frame), 0.2, 0.9, 3)
    assert states == ["assigned"] * len(world.task_ids)
