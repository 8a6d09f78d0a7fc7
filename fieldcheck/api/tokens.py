"""API tokens as values: the secret, its stored hash, and how long it lives (a pure core).

A token is `fc_` followed by 43 URL-safe characters: 256 random bits from `secrets`, so guessing
one is hopeless and a plain SHA-256 (no salt, no slow hash) is enough to store it: the database
holds only the hash, as residents' QR tokens do. The prefix makes a leaked token easy to recognise
(secret scanners, logs); the first characters after it are kept in clear as the token's label.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import timedelta

PREFIX = "fc_"
SECRET_BYTES = 32
LABEL_CHARS = 8  # "fc_" + 5 characters of the secret, shown in lists to tell tokens apart
MAX_LIFETIME = timedelta(days=3650)
_LIFETIME = re.compile(r"^\s*([0-9]{1,5})\s*([hdwy]?)\s*$")
_UNITS = {"h": timedelta(hours=1), "d": timedelta(days=1), "w": timedelta(weeks=1), "y": timedelta(days=365),
          "": timedelta(days=1)}
_TOKEN = re.compile(r"^fc_[A-Za-z0-9_-]{43}$")


def new_secret() -> str:
    """A fresh token, shown once to the person who creates it."""
    return PREFIX + secrets.token_urlsafe(SECRET_BYTES)


def token_sha256(raw: str) -> str:
    """What is stored and looked up: the hex SHA-256 of the token's UTF-8 bytes."""
    return hashlib.sha256(raw.encode("utf-8", "surrogatepass")).hexdigest()


def label_of(raw: str) -> str:
    return raw[:LABEL_CHARS]


def well_formed(raw: str) -> bool:
    """True when `raw` has the shape of a token (anything else is refused without a database look-up)."""
    return bool(_TOKEN.match(raw))


def parse_lifetime(text: str) -> timedelta | None:
    """'90d', '12h', '2w', '1y' or a bare number of days -> the lifetime; None when unreadable or not
    between one hour and ten years."""
    match = _LIFETIME.match(text or "")
    if not match:
        return None
    lifetime = int(match.group(1)) * _UNITS[match.group(2)]
    return lifetime if timedelta(hours=1) <= lifetime <= MAX_LIFETIME else None


def bearer_token(header: str | None) -> str | None:
    """The token of an `Authorization: Bearer …` header (scheme case-insensitive), or None."""
    if not header:
        return None
    scheme, _space, value = header.strip().partition(" ")
    if scheme.lower() != "bearer":
        return None
    return value.strip() or None
