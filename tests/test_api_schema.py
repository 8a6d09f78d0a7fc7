"""schemathesis against /api/v1's own OpenAPI document: no 5xx, and every answer matches the document.

Every operation gets generated requests (path, query and header values, valid and not) with a token
for every cycle, on both databases; all of schemathesis's checks run on each answer (status codes,
content types, headers and bodies as documented; no server error; a request the document calls
invalid is refused; one without the token is refused). Bounded: a few dozen requests per operation.
"""

from __future__ import annotations

import pytest
import schemathesis
from schemathesis.checks import positive_data_acceptance
import sqlalchemy as sa
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from story import build_world

EXAMPLES = 25  # per operation: the whole file stays under a minute on both databases


@pytest.fixture
def world_token(app):
    from fieldcheck.accounts.models import User
    from fieldcheck.api.operations import create_token
    from fieldcheck.cycles.operations import create_cycle
    from fieldcheck.extensions import db

    build_world(app)
    with app.test_request_context():
        create_cycle("other", "Another cycle")
        secret, _row = create_token(None, "schemathesis", "1d",
                                    db.session.scalar(sa.select(User).where(User.username == "org")))
        db.session.commit()
    return secret


def test_the_api_matches_its_openapi_document(app, world_token):
    app.config["RATELIMIT_ENABLED"] = False  # thousands of requests in a few seconds are the point here
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    # identity: the WSGI transport hands schemathesis the bytes as sent, and br/gzip are the compressor's.
    headers = {"Authorization": f"Bearer {world_token}", "Accept-Encoding": "identity"}
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 6
    called, answered = 0, set()
    for operation in operations:
        @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
                  phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
        @given(case=operation.as_strategy(), code=st.sampled_from(["2025", "2025", "other", None]))
        def one_request(case, code):
            nonlocal called
            if code is not None and case.path_parameters and "code" in case.path_parameters:
                case.path_parameters["code"] = code  # the real cycles too, not only made-up codes            # A cursor is opaque and signed: one the schema can generate is well-formed but never ours,
            # so its 400 is right (the paging tests walk real cursors); every other check still runs.
            excluded = [positive_data_acceptance] if "cursor" in (case.query or {}) else []
            response = case.call_and_validate(headers=headers, excluded_checks=excluded)
            called += 1
            if response.status_code == 200:
                answered.add(operation.label)

        one_request()
    assert called >= len(operations) * 5
    assert answered == {operation.label for operation in operations}, "every operation answered 200 and was checked"
