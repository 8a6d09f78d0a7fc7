"""The OpenAPI 3.1 document of /api/v1, built from the routes themselves (apispec).

Each API view says what it answers with `@documented(...)`; `openapi_document()` walks the app's
URL map for the blueprint's routes, so a route cannot exist undocumented (tests/test_api.py checks
it) and the paths, parameters and methods are those Flask serves. The row schemas are the export
tables' Table Schemas (`export.tables`) turned into JSON Schema: one source for the package, the
API and its description.
"""

from __future__ import annotations

import re

from apispec import APISpec
from flask import current_app

from ..export.tables import TABLES
from .paging import DEFAULT_LIMIT, MAX_LIMIT

DOC_ATTR = "fieldcheck_openapi"
BLUEPRINT = "api_v1"
VERSION = "1.0.0"
CYCLE_CODE = "^[a-z0-9][a-z0-9-]{0,31}$"  # cycles/operations.py CODE_RE
CURSOR = "^[A-Za-z0-9_.-]+$"  # URL-safe base64 and the signature's dot (itsdangerous)
# Table Schema type -> JSON Schema (every value may be empty: missing values are null).
JSON_TYPES = {"string": {"type": ["string", "null"]}, "integer": {"type": ["integer", "null"]},
              "number": {"type": ["number", "null"]}, "boolean": {"type": ["boolean", "null"]},
              "datetime": {"type": ["string", "null"], "format": "date-time"},
              "date": {"type": ["string", "null"], "format": "date"}}
ERRORS = {
    "400": "The query is not valid (limit, cursor).",
    "401": "No API token, or one that is unknown, revoked or expired.",
    "403": "The token is for another cycle.",
    "404": "There is no such cycle.",
    "429": "Too many requests for this token; see Retry-After.",
}


def documented(summary: str, schema: str | None, *, paged: bool = False, cycle: bool = False,
               media_type: str = "application/json", etag: bool = True):
    """Describe an API view: its summary, the schema of a 200 (a component or an export table), and its
    parameters (a cycle code in the path; `cursor` and `limit` for pages)."""

    def decorate(view):
        setattr(view, DOC_ATTR, {"summary": summary, "schema": schema, "paged": paged, "cycle": cycle,
                                 "media_type": media_type, "etag": etag})
        return view

    return decorate


def row_schema(table) -> dict:
    """One table row as JSON Schema, from the table's Frictionless Table Schema."""
    schema = table.schema()
    properties, required = {}, []
    for f in schema["fields"]:
        prop = dict(JSON_TYPES.get(f["type"], {}))
        if f.get("constraints", {}).get("required") and "type" in prop:
            prop["type"] = prop["type"][0]
        prop["description"] = f.get("description", "")
        if f.get("description_zh"):
            prop["x-description-zh"] = f["description_zh"]
        properties[f["name"]] = prop
        required.append(f["name"])
    return {"type": "object", "description": table.en, "x-description-zh": table.zh,
            "x-primary-key": schema["primaryKey"], "properties": properties, "required": required,
            "additionalProperties": False}


def page_schema(item_ref: str) -> dict:
    return {"type": "object", "required": ["data", "limit", "next_cursor"], "additionalProperties": False,
            "properties": {"data": {"type": "array", "items": {"$ref": item_ref}},
                           "limit": {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT},
                           "next_cursor": {"type": ["string", "null"],
                                           "description": "Pass as `cursor` for the next page; null on the last"}}}


CYCLE = {
    "type": "object", "additionalProperties": False,
    "required": ["code", "title", "state", "published_at", "frame_sha256", "confidence", "time_zone", "links"],
    "properties": {
        "code": {"type": "string"}, "title": {"type": "string"},
        "state": {"type": "string", "enum": ["draft", "published", "sampled", "fieldwork", "review", "closed"]},
        "published_at": {"type": ["string", "null"], "format": "date-time"},
        "frame_sha256": {"type": ["string", "null"], "pattern": "^[0-9a-f]{64}$"},
        "confidence": {"type": "number"}, "time_zone": {"type": "string"},
        "links": {"type": "object", "additionalProperties": {"type": "string"}},
    },
}
ERROR = {"type": "object", "required": ["error", "message"],
         "properties": {"error": {"type": "string", "description": "A stable code, e.g. token_expired"},
                        "message": {"type": "string", "description": "For people, in the reader's language"}}}


def _name(table_name: str) -> str:
    return table_name.capitalize() + "Row"


def build_spec(rules) -> dict:
    """The document for `rules` (the blueprint's URL rules with their view functions)."""
    spec = APISpec(title="fieldcheck read API", version=VERSION, openapi_version="3.1.0",
                   info={"description": "Read-only access for the grading engine. Rows are the export package's "
                                        "tables (same names, types and descriptions). Authenticate with "
                                        "`Authorization: Bearer <token>`; tokens are made by an organizer."})
    spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer"})
    spec.components.schema("Error", ERROR)
    spec.components.schema("Cycle", CYCLE)
    spec.components.schema("CyclePage", page_schema("#/components/schemas/Cycle"))
    for table in TABLES:
        spec.components.schema(_name(table.name), row_schema(table))
        spec.components.schema(_name(table.name)[:-3] + "Page", page_schema(f"#/components/schemas/{_name(table.name)}"))
    for status, text in ERRORS.items():
        spec.components.response(f"E{status}", {"description": text, "content": {
            "application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}})
    for rule, view in rules:
        doc = getattr(view, DOC_ATTR, None)
        if doc is None:
            continue
        path = re.sub(r"<(?:[^:>]+:)?([^>]+)>", r"{\1}", rule.rule)
        spec.path(path=path, operations={"get": _operation(view.__name__, doc)})
    return spec.to_dict()


def _operation(name: str, doc: dict) -> dict:
    parameters = [{"name": "If-None-Match", "in": "header", "required": False, "schema": {"type": "string"},
                   "description": "The ETag of a copy you hold: 304 when it is still current"}] if doc["etag"] else []
    if doc["cycle"]:
        parameters.insert(0, {"name": "code", "in": "path", "required": True,
                              "schema": {"type": "string", "pattern": CYCLE_CODE},
                              "description": "The cycle's code"})
    if doc["paged"]:
        parameters += [
            {"name": "cursor", "in": "query", "required": False,
             "schema": {"type": "string", "pattern": CURSOR},
             "description": "The next_cursor of the previous page, as it was (opaque and signed: anything else is "
                            "a 400 bad_cursor)"},
            {"name": "limit", "in": "query", "required": False,
             "schema": {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": DEFAULT_LIMIT}}]
    schema = doc["schema"]
    if schema is None:
        content = {doc["media_type"]: {"schema": {"type": "string", "contentMediaType": doc["media_type"]}}}
    else:
        if schema in {t.name for t in TABLES}:
            schema = _name(schema)[:-3] + "Page"
        content = {doc["media_type"]: {"schema": {"$ref": f"#/components/schemas/{schema}"}}}
    responses = {"200": {"description": doc["summary"], "content": content},
                 "401": {"$ref": "#/components/responses/E401"},
                 "429": {"$ref": "#/components/responses/E429"}}
    if doc["etag"]:
        responses["200"]["headers"] = {"ETag": {"schema": {"type": "string"}}}
        responses["304"] = {"description": "Not modified: the If-None-Match ETag is current"}
    if doc["paged"]:
        responses["400"] = {"$ref": "#/components/responses/E400"}
    if doc["cycle"]:
        responses["403"] = {"$ref": "#/components/responses/E403"}
        responses["404"] = {"$ref": "#/components/responses/E404"}
    return {"operationId": name, "summary": doc["summary"], "security": [{"bearer": []}],
            "parameters": parameters, "responses": responses}


def openapi_document() -> dict:
    """The document for the running app's /api/v1 routes (built once per app)."""
    app = current_app
    if "fieldcheck_openapi" in app.extensions:
        return app.extensions["fieldcheck_openapi"]
    rules = [(rule, app.view_functions[rule.endpoint]) for rule in app.url_map.iter_rules()
             if rule.endpoint.startswith(BLUEPRINT + ".")]
    document = app.extensions["fieldcheck_openapi"] = build_spec(sorted(rules, key=lambda pair: pair[0].rule))
    return document
