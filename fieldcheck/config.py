"""Configuration from FIELDCHECK_* environment variables, read when the app is built."""

from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path

from limits import parse_many

PROJECT_ROOT = Path(__file__).resolve().parent.parent

# FIELDCHECK_ENV: development (the default), production (a fixed secret, cookies only over https),
# testing (as development, with Flask's TESTING on). Anything else is a mistake, never a silent fallback.
ENVIRONMENTS = ("development", "production", "testing")
# FIELDCHECK_LANG: the language of command-line messages (pages follow each person's choice).
LANGUAGES = ("zh", "en")


def _word(raw: str) -> str:
    return raw.strip().lower()


def _rate(raw: str) -> str:
    """A rate-limit string such as "300 per minute" (refused at start, not at the first request)."""
    parse_many(raw)  # ValueError when it is not one
    return raw.strip()


# name -> (config key, converter). Documented in the README.
ENV_SETTINGS = {
    "FIELDCHECK_DATABASE_URL": ("SQLALCHEMY_DATABASE_URI", str),
    "FIELDCHECK_SECRET_KEY": ("SECRET_KEY", str),
    "FIELDCHECK_UPLOAD_FOLDER": ("UPLOAD_FOLDER", str),
    "FIELDCHECK_STORAGE_URL": ("STORAGE_URL", str),
    "FIELDCHECK_S3_ACCESS_KEY": ("S3_ACCESS_KEY", str),
    "FIELDCHECK_S3_SECRET_KEY": ("S3_SECRET_KEY", str),
    "FIELDCHECK_MAX_UPLOAD_MB": ("MAX_UPLOAD_MB", float),
    "FIELDCHECK_ENV": ("FIELDCHECK_ENV", _word),
    "FIELDCHECK_LANG": ("FIELDCHECK_LANG", _word),
    "FIELDCHECK_PROXY_HOPS": ("PROXY_HOPS", int),
    "FIELDCHECK_RATELIMIT_STORAGE": ("RATELIMIT_STORAGE_URI", str),
    "FIELDCHECK_API_RATE_LIMIT": ("API_RATE_LIMIT", _rate),
}


class ConfigError(RuntimeError):
    """A setting is missing or malformed; the app refuses to start."""


def load_config(instance_path: str, environ: dict[str, str] | None = None) -> dict:
    """Return the settings: defaults, overridden by FIELDCHECK_* variables."""
    env = os.environ if environ is None else environ
    config: dict = {
        "SQLALCHEMY_DATABASE_URI": "sqlite:///" + str(Path(instance_path) / "fieldcheck.sqlite3"),
        "UPLOAD_FOLDER": str(PROJECT_ROOT / "uploads"),
        "MAX_UPLOAD_MB": 25.0,
        "FIELDCHECK_ENV": "development",
        "FIELDCHECK_LANG": "zh",
        "SECRET_KEY": None,
        # Flask defines these keys, so they are set here, never with setdefault.
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        # A signed-in session lasts a week from its last use (examiners may be offline for days);
        # signing out ends every copy of it at once (User.session_version).
        "PERMANENT_SESSION_LIFETIME": timedelta(days=7),
    }
    for name, (key, convert) in ENV_SETTINGS.items():
        raw = env.get(name)
        if raw is None or raw == "":
            continue
        try:
            config[key] = convert(raw)
        except ValueError as exc:
            raise ConfigError(f"{name} is not valid: {raw!r}") from exc
    check_choices(config)
    if config["MAX_UPLOAD_MB"] <= 0:
        raise ConfigError("FIELDCHECK_MAX_UPLOAD_MB must be positive")
    if not config["SECRET_KEY"]:
        if config["FIELDCHECK_ENV"] == "production":
            raise ConfigError("FIELDCHECK_SECRET_KEY must be set in production")
        # Development only: a per-process key means sessions end on restart.
        config["SECRET_KEY"] = secrets.token_hex(32)
    url = config["SQLALCHEMY_DATABASE_URI"]
    if url.startswith("postgresql://"):
        # Use psycopg 3, the driver pyproject installs.
        config["SQLALCHEMY_DATABASE_URI"] = "postgresql+psycopg://" + url[len("postgresql://"):]
    config["MAX_CONTENT_LENGTH"] = int(config["MAX_UPLOAD_MB"] * 1024 * 1024)
    config.update(environment_settings(config))
    return config


def check_choices(config: dict) -> None:
    """FIELDCHECK_ENV and FIELDCHECK_LANG take one of a few words; a misspelt one stops the app."""
    for name, allowed in (("FIELDCHECK_ENV", ENVIRONMENTS), ("FIELDCHECK_LANG", LANGUAGES)):
        if config[name] not in allowed:
            raise ConfigError(f"{name}={config[name]!r} is not known; use one of: {', '.join(allowed)}")


def environment_settings(config: dict) -> dict:
    """The Flask settings FIELDCHECK_ENV decides; applied last, over any other value."""
    check_choices(config)
    if config["FIELDCHECK_ENV"] == "production":
        # Session cookies only over https, not sent on cross-site requests, not readable by scripts.
        return {"SESSION_COOKIE_SECURE": True, "SESSION_COOKIE_SAMESITE": "Lax", "SESSION_COOKIE_HTTPONLY": True}
    if config["FIELDCHECK_ENV"] == "testing":
        return {"TESTING": True}
    return {}


def cli_language(config) -> str:
    """The language of messages outside a request (the command line): FIELDCHECK_LANG."""
    return config.get("FIELDCHECK_LANG", LANGUAGES[0])
