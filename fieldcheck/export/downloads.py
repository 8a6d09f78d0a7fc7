"""One table as a CSV or a JSON download (the page's buttons and `fieldcheck export --format csv|json`).

Both stream: the CSV line by line in the package's convention (cells.py), the JSON as one document
whose `rows` array is written row by row. The JSON carries the method and basis beside the rows and
the table's schema, so a program need not guess a column's type.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date, datetime

from flask_babel import gettext as _

from ..cycles.models import Cycle
from ..cycles.settings import settings_of
from ..errors import OperationError
from ..scores.compute import formula, method
from .cells import csv_text_chunks, format_datetime, number_value
from .manifest import SCHEMA_VERSION, batched
from .package import package_metadata
from .tables import BY_NAME, Table

# The two levels the page has always offered, and every table by its own name.
LEVELS = {"report": "reports", "claim": "claims", **{name: name for name in BY_NAME}}
FORMATS = ("csv", "json")


def table_for(level: str | None) -> Table:
    """The table a `level` names; a refusal that says what would do."""
    name = LEVELS.get(level or "report")
    if name is None:
        raise OperationError(_("Unknown level “%(level)s”; use one of: %(levels)s.", level=str(level)[:40],
                               levels=", ".join(LEVELS)), status=400, code="bad_level")
    return BY_NAME[name]


def check_format(fmt: str) -> str:
    if fmt not in FORMATS:
        raise OperationError(_("Unknown format “%(fmt)s”; use one of: %(formats)s.", fmt=str(fmt)[:40],
                               formats=", ".join(FORMATS)), status=404, code="bad_format")
    return fmt


def csv_chunks(cycle: Cycle, table: Table) -> Iterator[bytes]:
    return batched(csv_text_chunks(table.field_names, [f.type for f in table.fields], table.values(cycle)))


def _jsonable(value):
    if isinstance(value, datetime):
        return format_datetime(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        return number_value(value)
    return value


def document_head(cycle: Cycle, table: Table, level: str) -> dict:
    settings = settings_of(cycle)
    metadata = package_metadata(cycle)
    return {
        "cycle": cycle.code, "title": cycle.title, "level": level, "table": table.name,
        "schema_version": SCHEMA_VERSION, "frame_sha256": metadata["sample"]["frame_sha256"],
        "confidence": settings.confidence, "formula": formula(settings), "method": method(settings),
        "draw_method": metadata["sample"]["method"], "seed": metadata["sample"]["seed"],
        "score_weights": {"finding": settings.finding_weight, "satisfaction": settings.satisfaction_weight,
                          "partly_not_quantitative": settings.partly_value},
        "aspect_weights": settings.aspect_weight_map(),
        "grade_rules": metadata["grade_rules"],
        "closing_snapshot_sha256": metadata["closing_snapshot_sha256"],
        "schema": table.schema(),
    }


def json_chunks(cycle: Cycle, table: Table, level: str) -> Iterator[bytes]:
    """The JSON document, `rows` last, written row by row (values as in the CSV, but typed)."""
    head = json.dumps({**document_head(cycle, table, level), "rows": []}, ensure_ascii=False, indent=2)
    prefix, suffix = head.rsplit('"rows": []', 1)

    def parts():
        yield prefix + '"rows": ['
        first = True
        for row in table.rows(cycle):
            yield ("\n    " if first else ",\n    ") + json.dumps(
                {k: _jsonable(v) for k, v in row.items()}, ensure_ascii=False, allow_nan=False)
            first = False
        yield ("\n  ]" if not first else "]") + suffix + "\n"
    return batched(parts())
