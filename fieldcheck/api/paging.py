"""Cursor pagination for the read API: an opaque, signed cursor holding the keyset of the last row.

The cursor is the export table's keyset (`Table.cursor(row)`: the values of its `order` fields),
serialised as JSON and signed with the app's secret for this table and cycle (itsdangerous), so a
client can neither forge one nor carry one from one list or cycle to another; anything that does not
verify is a 400, never a 500.
"""

from __future__ import annotations

import math
from datetime import date, datetime, timezone

from flask import current_app
from flask_babel import gettext as _
from itsdangerous import BadData, URLSafeSerializer

from ..errors import OperationError

DEFAULT_LIMIT = 100
MAX_LIMIT = 1000


def _serializer(scope: str) -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="fieldcheck.api.cursor:" + scope)


def encode_cursor(scope: str, keyset: tuple) -> str:
    return _serializer(scope).dumps(list(keyset))


def decode_cursor(scope: str, text: str | None, width: int) -> tuple | None:
    """The keyset in `text` (None for the first page), or a 400 when it is not one of ours."""
    if text is None:
        return None
    try:
        values = _serializer(scope).loads(text)
    except BadData:
        values = None
    if not isinstance(values, list) or len(values) != width or not all(
            isinstance(v, (str, int)) and not isinstance(v, bool) for v in values):
        raise OperationError(_("The cursor is not valid: pass back the next_cursor of the previous page."),
                             code="bad_cursor")
    return tuple(values)


def parse_limit(text: str | None) -> int:
    """`limit` from the query: a whole number from 1 to MAX_LIMIT (default DEFAULT_LIMIT)."""
    if text is None:
        return DEFAULT_LIMIT
    if not (text.isascii() and text.isdigit() and len(text) <= 6 and 1 <= int(text) <= MAX_LIMIT):
        raise OperationError(_("limit must be a whole number from 1 to %(max)d.", max=MAX_LIMIT), code="bad_limit")
    return int(text)


def json_value(value):
    """A row's value as JSON carries it: UTC datetimes as ISO 8601 with Z, no NaN or infinity."""
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value
