"""One guard for every request: input a database or a parser would choke on is refused as the user's mistake.

- NUL and other control characters (tab and line breaks excepted) in the path, the query, form
  fields or JSON strings: 400 before anything reaches the database (PostgreSQL refuses NUL in text).
- Integer ids in URLs above the columns' range: the route does not match (404), instead of an
  "integer out of range" from the database.
- JSON nested deeper than MAX_JSON_DEPTH or larger than MAX_JSON_BYTES: 400 before parsing.
- A text longer than its column: 400 naming the limit, checked for every String(n) column at flush.
"""

from __future__ import annotations

import re

import sqlalchemy as sa
from flask import Flask, request
from flask_babel import gettext as _
from sqlalchemy.orm import Session
from werkzeug.routing import IntegerConverter

from .errors import OperationError

CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
MAX_ID = 2**31 - 1  # INTEGER primary keys on PostgreSQL
MAX_JSON_DEPTH = 32
MAX_JSON_BYTES = 1024 * 1024


class IdConverter(IntegerConverter):
    """`<int:…>` in every route: non-negative and within the database's INTEGER range."""

    def __init__(self, map, *args, **kwargs):  # noqa: A002 - werkzeug's name
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


def refuse_control_characters() -> OperationError:
    return OperationError(_("The input contains invisible control characters (such as a NUL byte). "
                            "Remove them and try again."), code="control_characters")


def json_depth(data: bytes) -> int:
    """The deepest nesting of arrays and objects in a JSON text, counted without parsing it."""
    depth = deepest = 0
    in_string = escaped = False
    for byte in data:
        if in_string:
            if escaped:
                escaped = False
            elif byte == 0x5C:  # backslash
                escaped = True
            elif byte == 0x22:
                in_string = False
        elif byte == 0x22:
            in_string = True
        elif byte in (0x5B, 0x7B):
            depth += 1
            deepest = max(deepest, depth)
        elif byte in (0x5D, 0x7D):
            depth -= 1
    return deepest


def _strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield str(key)
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def check_request() -> None:
    """Refuse what no view should ever see (raised as OperationError: the app's one handler answers)."""
    texts = [request.path, *request.args.keys(), *request.args.values()]
    if request.mimetype == "application/json":
        raw = request.get_data(cache=True)
        if len(raw) > MAX_JSON_BYTES:
            raise OperationError(_("The request is too large."), status=413, code="too_large")
        if json_depth(raw) > MAX_JSON_DEPTH:
            raise OperationError(_("The request could not be understood."), code="bad_json")
        texts.extend(_strings(request.get_json(silent=True)))
    elif request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        texts.extend(request.form.keys())
        texts.extend(request.form.values())
        texts.extend(f.filename or "" for f in request.files.values())
    # A multipart field name werkzeug cannot read (one with a line break) arrives as None.
    if any(isinstance(text, str) and CONTROL.search(text) for text in texts):
        raise refuse_control_characters()


def check_lengths(session, _flush_context, _instances) -> None:
    """Before every flush: no text is longer than its column (the database would fail the whole request)."""
    for obj in (*session.new, *session.dirty):
        for column in sa.inspect(type(obj)).columns:
            limit = getattr(column.type, "length", None)
            if not limit or not isinstance(column.type, sa.String):
                continue
            value = getattr(obj, column.key, None)
            if isinstance(value, str) and len(value) > limit:
                raise OperationError(_("A text is too long: at most %(n)d characters are allowed.", n=limit),
                                     code="too_long")
            if isinstance(value, str) and "\x00" in value:
                raise refuse_control_characters()


def init_guard(app: Flask) -> None:
    """Install the guard; call it before the blueprints are registered (their rules use the converter)."""
    app.url_map.converters["int"] = IdConverter
    app.before_request(check_request)
    if not sa.event.contains(Session, "before_flush", check_lengths):
        sa.event.listen(Session, "before_flush", check_lengths)
