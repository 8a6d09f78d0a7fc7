"""Who may use a task: the examiner it is assigned to, and nobody else through the examiner's pages."""

from __future__ import annotations

from flask_login import current_user

from ..access import deny, loads
from ..extensions import db
from .models import Task


def own_task(task_id: int) -> Task | None:
    """The task, when it is the signed-in examiner's (403 for anyone else's, 404 for none)."""
    task = db.session.get(Task, task_id)
    if task is not None and task.examiner_id != current_user.id:
        deny()
    return task


# The examiner's views get `task` for the URL's <task_id>.
with_own_task = loads("task", own_task, "task_id")
