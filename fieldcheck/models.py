"""Every model, imported in one place so Alembic and relationships see them all."""

from .accounts.models import Unit, User  # noqa: F401
from .api.models import ApiToken  # noqa: F401
from .assignment.models import RouteStop, Task  # noqa: F401
from .audit.models import AuditEvent, AuditHead  # noqa: F401
from .ballots.models import BallotCode, BallotCount, BallotRound  # noqa: F401
from .cycles.models import Aspect, Cycle, CycleSnapshot, Question  # noqa: F401
from .evidence.models import Flag, Photo, verification_photo  # noqa: F401
from .grading.models import GradeDecision, RoutineScore  # noqa: F401
from .field.models import Interview, Rating, Verification  # noqa: F401
from .places.models import Place  # noqa: F401
from .rectification.models import CarriedItem, RectificationItem, ReminderTalk, rectification_photo  # noqa: F401
from .reports.models import Claim, Feedback, Report  # noqa: F401
from .reports.draft_models import Draft, DraftComment, Drafting  # noqa: F401
from .residents.models import RatingToken  # noqa: F401
from .review.models import Review  # noqa: F401
from .sampling.models import Sample, SampleItem, SeedEntry  # noqa: F401
