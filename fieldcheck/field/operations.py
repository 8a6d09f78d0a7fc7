"""What examiners do: upload photos, submit a verification (safely repeatable)."""

from __future__ import annotations

import re
from datetime import datetime

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from ..accounts.models import User
from ..audit.models import amend, record
from ..db import utcnow
from ..extensions import db
from ..errors import OperationError
from ..evidence.photos import PhotoRejected, ingest_photo
from ..evidence.store import photo_store
from ..evidence.storage import derived_key, store_original
from ..assignment.models import Task
from ..assignment.states import TASK, can_submit
from ..cycles.states import takes_visits
from ..evidence.models import Photo
from .models import Interview, Rating, Verification
from .checks import store_flags
from .submission import SHA256_RE, VerificationInput, parse_location


def photo_refusal(code: str) -> str:
    messages = {
        "empty": _("The photo file is empty."),
        "not_an_image": _("This file is not a photo. Choose a JPEG, PNG, WebP or HEIC picture."),
        "unsupported_format": _("This picture format is not accepted. Choose a JPEG, PNG, WebP or HEIC picture."),
        "too_many_pixels": _("The picture has too many pixels to be a phone photo."),
        "truncated": _("The photo arrived incomplete; take or upload it again."),
        "corrupt": _("The photo is damaged and cannot be shown; take it again."),
        "too_large": _("The photo file is too large."),
    }
    return messages.get(code, _("The photo could not be read."))


def save_photo(data: bytes, uploaded_by: User, client: dict | None = None) -> Photo:
    """Check the bytes, store the original content-addressed, return the (possibly existing) Photo.

    `client` carries what the phone declared: the original's SHA-256 and size (when the page shrank
    it) and the browser's geolocation at capture; they are stored as declared.
    """
    try:
        facts = ingest_photo(data, max_bytes=current_app.config["MAX_CONTENT_LENGTH"])
    except PhotoRejected as exc:
        raise OperationError(photo_refusal(exc.code), code=f"photo_{exc.code}") from None
    existing = db.session.scalar(sa.select(Photo).where(Photo.sha256 == facts.sha256))
    if existing is not None:
        return own_photo(existing, uploaded_by)
    store = photo_store()
    # The files first, then the row: a photo row always has its files (a crash leaves at most an
    # orphan file, which `fieldcheck doctor --fix` removes).
    store_original(store, data, facts.sha256)
    store.put(derived_key(facts.sha256, "display"), facts.display_jpeg)
    store.put(derived_key(facts.sha256, "thumb"), facts.thumb_jpeg)
    camera = " ".join(x for x in (facts.camera_make, facts.camera_model) if x)[:120]
    photo = Photo(sha256=facts.sha256, size_bytes=facts.size_bytes, format=facts.format, width=facts.width,
                  height=facts.height, taken_at=facts.taken_at.isoformat() if facts.taken_at else None,
                  taken_at_offset=facts.taken_at_offset,
                  gps_lat=facts.gps_lat, gps_lon=facts.gps_lon, camera=camera, phash=facts.phash,
                  uploaded_by_id=uploaded_by.id, **client_photo_facts(client or {}))
    try:
        with db.session.begin_nested():
            db.session.add(photo)
    except IntegrityError:
        # The same photo arrived twice at once (a retry racing the first try): the first row stands.
        return own_photo(db.session.scalar(sa.select(Photo).where(Photo.sha256 == facts.sha256)), uploaded_by)
    record("photo.upload", "photo", facts.sha256, actor=uploaded_by, after={"bytes": facts.size_bytes})
    return photo


def own_photo(photo: Photo, examiner: User) -> Photo:
    """A photo counts as evidence only for the examiner who took it (uploaded it first)."""
    if photo.uploaded_by_id != examiner.id:
        raise OperationError(_("This photo was already sent by another examiner. Take your own photo of the site."),
                             status=409, code="photo_not_yours")
    return photo


def client_photo_facts(client: dict) -> dict:
    """The phone's declarations about a photo, kept only when well-formed."""
    facts: dict = {}
    sha = str(client.get("original_sha256") or "").lower()
    if SHA256_RE.match(sha):
        facts["original_sha256"] = sha
    size = str(client.get("original_size") or "")
    if size.isdigit():
        facts["original_size"] = int(size)
    try:
        lat, lon, acc = parse_location(client.get("lat"), client.get("lon"), client.get("accuracy_m"))
    except OperationError:
        lat = lon = acc = None  # a bad reading is dropped, the photo is still worth keeping
    facts.update(capture_lat=lat, capture_lon=lon, capture_accuracy_m=acc)
    return facts


def existing_submission(client_uuid: str, examiner: User, task: Task | None = None) -> Verification | None:
    """The verification already stored under this client UUID, if it is this examiner's."""
    found = db.session.scalar(sa.select(Verification).where(Verification.client_uuid == client_uuid))
    if found is None:
        return None
    if found.examiner_id != examiner.id or (task is not None and found.task_id != task.id):
        raise OperationError(_("This submission identifier is already used elsewhere; reload the page."), status=409)
    return found


def check_task_is_yours(task: Task, examiner: User) -> None:
    if task.examiner_id != examiner.id:
        raise OperationError(_("This task is not assigned to you."), status=403, code="forbidden")


def check_submittable(task: Task, data: VerificationInput, new_photos: int = 0) -> list[Interview]:
    """Refuse a visit that cannot be stored, before anything (photos included) is written.

    Returns the residents' QR answers waiting for this visit.
    """
    if not can_submit(task):
        raise OperationError(_("This task was already submitted and is waiting for review."), status=409)
    if not data.photo_sha256 and not new_photos:
        raise OperationError(_("Add at least one photo of the site."))
    from_residents = pending_interviews(task, data.client_uuid)
    if not data.interviews and not from_residents and data.finding != "site_not_found":
        raise OperationError(_("Record at least one resident interview."))
    return from_residents


def submit_verification(task: Task, examiner: User, data: VerificationInput) -> tuple[Verification, bool]:
    """Store the visit and move the task to submitted; (verification, created).

    A repeated submit with the same client UUID returns the first result and stores nothing.
    """
    check_task_is_yours(task, examiner)
    if not takes_visits(task.claim.report.cycle):
        raise OperationError(_("Fieldwork of this cycle has ended; visits are no longer taken."), status=409,
                             code="fieldwork_ended")
    first = existing_submission(data.client_uuid, examiner, task)
    if first is not None:
        return first, False
    from_residents = check_submittable(task, data)
    # One statement for all the visit's photos, then checked in the order they were sent.
    found = {p.sha256: p for p in db.session.scalars(sa.select(Photo).where(Photo.sha256.in_(data.photo_sha256)))}
    photos = []
    for sha in data.photo_sha256:
        photo = found.get(sha)
        if photo is None:
            raise OperationError(_("A photo has not reached the server yet; send it again."), status=409,
                                 code="photo_missing")
        if photo.uploaded_by_id != examiner.id:
            raise OperationError(_("A photo of this visit was sent by another examiner; only your own photos count."),
                                 status=403, code="photo_not_yours")
        photos.append(photo)
    question_ids = {q.id for q in task.claim.report.cycle.questions}
    # Claim the task first: of two racing submits only one gets past this line.
    event = TASK.move(task, "submitted", "task.submit", task.claim.public_id, actor=examiner, return_reason="",
                      after_data={"verification": data.client_uuid})
    verification = Verification(
        client_uuid=data.client_uuid, task=task, examiner=examiner, finding=data.finding,
        observed_qty=data.observed_qty, notes=data.notes, lat=data.lat, lon=data.lon,
        accuracy_m=data.accuracy_m, started_at=data.started_at, geo_at=data.geo_at, photos=photos)
    for item in data.interviews:
        if set(item.ratings) != question_ids:
            raise OperationError(_("Every interview must answer this cycle's questions."))
        verification.interviews.append(Interview(
            respondent=item.respondent, source="examiner",
            ratings=[Rating(question_id=q, value=v) for q, v in sorted(item.ratings.items())]))
    for interview in from_residents:
        verification.interviews.append(interview)
    db.session.add(verification)
    db.session.flush()
    task.latest_verification_id = verification.id
    flags = store_flags(verification)
    amend(event, finding=data.finding, photos=len(photos), interviews=len(verification.interviews),
          flags=[f.code for f in flags])
    return verification, True


DIGITS = re.compile(r"[0-9０-９]+(?:[.．][0-9０-９]+)?")


def needs_blind_step(task: Task) -> bool:
    """Blind verification: count first, then see the claimed quantity (when the claim has one)."""
    claim = task.claim
    # The cycle's flag itself (settings_of builds every setting, aspects included: once per task in a pack).
    return blind_pending(bool(claim.report.cycle.blind), task.revealed_at, claim.claimed_qty, claim.text)


def blind_pending(blind: bool, revealed_at: datetime | None, claimed_qty: float | None, text: str) -> bool:
    """The rule of `needs_blind_step` on plain values (for lists that read columns, not objects)."""
    return bool(blind) and revealed_at is None and (claimed_qty is not None or bool(DIGITS.search(text)))


def masked_claim_text(text: str) -> str:
    """The claim with its figures hidden, so the examiner's count is not anchored on them."""
    return DIGITS.sub("▢", text)


def record_blind_count(task: Task, examiner: User, observed_qty: float, counted_at: datetime | None = None) -> None:
    """Keep the count made before the claim was revealed; later edits never overwrite it.

    `counted_at` is when the phone says the count was made (it may reach the server later).
    """
    check_task_is_yours(task, examiner)
    if task.revealed_at is not None:
        return  # a repeat (the outbox retrying) changes nothing, also after the visit was submitted
    if not can_submit(task):
        raise OperationError(_("This task was already submitted and is waiting for review."), status=409)
    # One conditional UPDATE: of two racing first counts only one is kept.
    moved = db.session.execute(
        sa.update(Task).where(Task.id == task.id, Task.revealed_at.is_(None))
        .values(blind_qty=observed_qty, revealed_at=utcnow())
        .execution_options(synchronize_session="fetch")).rowcount
    if moved != 1:
        db.session.refresh(task)
        return
    after = {"blind_qty": observed_qty}
    if counted_at is not None:
        after["counted_at"] = counted_at.isoformat()
    record("task.reveal", "task", task.claim.public_id, actor=examiner, after=after)


def photos_already_stored(examiner: User, shas: list[str]) -> list[str]:
    """Which of these photos the server holds from this examiner (another examiner's are never named)."""
    held = set(db.session.scalars(sa.select(Photo.sha256).where(
        Photo.sha256.in_(shas), Photo.uploaded_by_id == examiner.id)))
    return [s for s in shas if s in held]


def qr_answer_count(task: Task, client_uuid: str) -> int:
    """How many residents rated this visit on their own phones so far."""
    return db.session.scalar(sa.select(sa.func.count()).select_from(Interview).where(
        Interview.task_id == task.id, Interview.client_uuid == client_uuid, Interview.source == "qr"))


def pending_interviews(task: Task, client_uuid: str) -> list[Interview]:
    """QR answers given during this visit that are not yet part of a verification."""
    return list(db.session.scalars(sa.select(Interview).where(
        Interview.task_id == task.id, Interview.client_uuid == client_uuid,
        Interview.verification_id.is_(None)).order_by(Interview.id)))
