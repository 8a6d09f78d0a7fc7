"""Who may see a visit and its photos.

- An examiner sees their own tasks and the photos they uploaded, nothing of anyone else's (so the
  back-check examiner never sees the first visit's result).
- A reviewer sees a verification, and its photos, only when they may decide it: never their own
  work on that claim (first visit or back-check), never a claim of their own or a related unit.
- An organizer runs the cycle and sees every verification and photo.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask_login import current_user

from ..access import deny, loads
from ..accounts.models import User
from ..assignment.models import Task
from ..assignment.operations import has_conflict
from ..evidence.models import Photo, verification_photo
from ..extensions import db
from .models import Verification


def examined_claim(user: User, claim_id: int) -> bool:
    """Whether the person visited this claim, first visit or back-check alike."""
    return db.session.scalar(sa.select(sa.func.count()).select_from(Verification).join(Task).where(
        Task.claim_id == claim_id, Verification.examiner_id == user.id)) > 0


def may_review(user: User, task: Task) -> bool:
    """A reviewer decides a task's visit only when it is neither their own work nor their unit's claim."""
    return not examined_claim(user, task.claim_id) and not has_conflict(user, task.claim)


def reviewable_verification(verification_id: int) -> Verification | None:
    verification = db.session.get(Verification, verification_id)
    if verification is not None and not may_review(current_user, verification.task):
        deny()
    return verification


# The reviewer's views get `verification` for the URL's <verification_id>.
with_reviewable_verification = loads("verification", reviewable_verification, "verification_id")


def may_see_photo(user: User, photo: Photo) -> bool:
    if user.has_role("organizer"):
        return True
    if user.has_role("examiner") and photo.uploaded_by_id == user.id:
        return True
    if user.has_role("reviewer"):
        tasks = db.session.scalars(
            sa.select(Task).join(Verification, Verification.task_id == Task.id)
            .join(verification_photo, verification_photo.c.verification_id == Verification.id)
            .where(verification_photo.c.photo_id == photo.id).distinct())
        return any(may_review(user, task) for task in tasks)
    return False


def visible_photo(sha256: str) -> Photo | None:
    photo = db.session.scalar(sa.select(Photo).where(Photo.sha256 == sha256))
    if photo is not None and not may_see_photo(current_user, photo):
        deny()
    return photo


with_visible_photo = loads("photo", visible_photo, "sha256")
