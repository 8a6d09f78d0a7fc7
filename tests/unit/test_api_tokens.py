"""The API token core: secrets, their stored hash, lifetimes and the Authorization header."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest

from fieldcheck.api.tokens import bearer_token, label_of, new_secret, parse_lifetime, token_sha256, well_formed


def test_a_secret_carries_256_random_bits_and_is_never_repeated():
    secrets = {new_secret() for _ in range(200)}
    assert len(secrets) == 200
    for secret in secrets:
        assert well_formed(secret) and secret.startswith("fc_") and len(secret) == 3 + 43  # 32 bytes in base64url


def test_only_the_sha256_is_stored_and_it_is_the_plain_digest():
    assert token_sha256("fc_abc") == hashlib.sha256(b"fc_abc").hexdigest()
    assert token_sha256("fc_abc") != token_sha256("fc_abd")
    assert label_of("fc_Zk3q9ABCDEF") == "fc_Zk3q9"


@pytest.mark.parametrize("text,lifetime", [
    ("90d", timedelta(days=90)), ("90", timedelta(days=90)), ("12h", timedelta(hours=12)), ("1h", timedelta(hours=1)),
    ("2w", timedelta(weeks=2)), ("1y", timedelta(days=365)), (" 30d ", timedelta(days=30)),
    ("3650d", timedelta(days=3650)), ("10y", timedelta(days=3650)),
])
def test_lifetimes_people_write(text, lifetime):
    assert parse_lifetime(text) == lifetime


@pytest.mark.parametrize("text", ["", "0d", "0", "59m", "3651d", "11y", "-1d", "1.5d", "d", "90 days", "forever",
                                  "９０d", "99999999999999d", None])
def test_lifetimes_refused(text):
    assert parse_lifetime(text) is None


@pytest.mark.parametrize("header,token", [
    ("Bearer fc_x", "fc_x"), ("bearer fc_x", "fc_x"), ("BEARER   fc_x  ", "fc_x"),
    (None, None), ("", None), ("Bearer", None), ("Bearer ", None), ("Basic dXNlcjpwYXNz", None), ("fc_x", None),
])
def test_the_bearer_header(header, token):
    assert bearer_token(header) == token


@pytest.mark.parametrize("raw", ["fc_" + "A" * 42, "fc_" + "A" * 44, "xx_" + "A" * 43, "fc_" + "A" * 42 + "=",
                                 "fc_" + "A" * 42 + "\x00", "fc_" + "长" * 43])
def test_malformed_tokens_are_told_apart_without_a_lookup(raw):
    assert not well_formed(raw)
