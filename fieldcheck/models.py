"""Every model, imported in one place so Alembic and relationships see them all."""

from .accounts.models import User  # noqa: F401
from .audit.models import AuditEvent  # noqa: F401
from .cycles.models import Aspect, Cycle, Question  # noqa: F401
from .field.models import Flag, Interview, Photo, Rating, RatingToken, Task, Verification  # noqa: F401
from .places.models import Place  # noqa: F401
from .public.models import Feedback  # noqa: F401
from .reports.models import Claim, Report, Unit  # noqa: F401
from .review.models import Review  # noqa: F401
from .sampling.models import Sample, SampleItem, SeedEntry  # noqa: F401
